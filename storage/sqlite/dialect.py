"""SQLite's forms of what the engines write differently (storage.statements.Dialect)."""

from __future__ import annotations

from collections.abc import Iterable

from storage.repositories.words import match
from storage.statements import WordsParts


class SqliteDialect:
    name = "sqlite"
    words_in_parts: WordsParts | None = None  # FTS5 reads its lists newest first

    def each(self, marker: str = "?", of: str = "bigint") -> str:
        del of  # SQLite compares by value
        return f"(SELECT value FROM json_each({marker}))"

    def pairs(self, marker: str = "?", first: str = "bigint", second: str = "bigint") -> str:
        del first, second
        return f"(SELECT value ->> 0 AS a, value ->> 1 AS b FROM json_each({marker}))"

    def numbered(self, marker: str = "?") -> str:
        return f"json_each({marker})"

    def json_length(self, column: str) -> str:
        return f"json_array_length({column})"

    def joined(self, expression: str) -> str:
        return f"group_concat({expression})"

    def json_field(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def list_of(self, column: str, source: str, order: str) -> str:
        return (
            f"(SELECT json_group_array({column})"
            f" FROM (SELECT {column} FROM {source} ORDER BY {order}))"
        )

    def phone_tail(self, column: str) -> str:
        # Word for word the expression of the index issues_by_phone_tail (migration 0022).
        return f"substr({column}, -4)"

    def words_value(self, marker: str) -> str:
        return marker

    def words(self, tokens: str) -> str:
        return tokens

    def words_match(self, marker: str) -> str:
        return f"issue_words MATCH {marker}"

    def words_query(self, words: Iterable[str], scope: Iterable[str]) -> str:
        return match(words, scope)


SQLITE = SqliteDialect()
