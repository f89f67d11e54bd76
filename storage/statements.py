"""How the repositories run SQL, on either engine: one small interface, so that one
repository's code serves SQLite and PostgreSQL, and only a statement's text differs where the
two engines' SQL does.

Statements use `?` for positional parameters and `:name` for named ones, as SQLite writes
them; the PostgreSQL implementation translates them (storage/postgres/statements.py). Every
statement's rows are read to the end in its one call: a cursor left half-read would keep a
snapshot open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A row read: its values by position or by column name."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> list[str]: ...


class Statements(Protocol):
    """One transaction's (or one connection's) way to run SQL."""

    @property
    def dialect(self) -> Dialect:
        """Where the engines' SQL differs, this one's."""
        ...

    @property
    def changes(self) -> int:
        """Rows inserted, updated or deleted through this connection so far."""
        ...

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        """Run a statement once for each set of parameters; the rows changed in all."""
        ...


@dataclass(frozen=True)
class WordsParts:
    """/find by words in parts (`Dialect.words_in_parts`): the `newest` rows of the words index
    read by their key first; the `then` rows below them likewise, if as many matches there as
    among the newest would fill the page; then the index's matches below them that may be
    seen, if there are at most `few`, else the rows below read by their key until the page is
    full."""

    newest: int
    then: int
    few: int


class Dialect(Protocol):
    """Where SQLite's SQL and PostgreSQL's differ: each engine's forms of the same thing
    (storage/sqlite/dialect.py, storage/postgres/statements.py). A repository writes
    `db.dialect.each()` where it means "the values of this JSON list", and so on."""

    name: str

    words_in_parts: WordsParts | None
    """How /find reads the words index (`SqlIssues.find`): None, in one pass, newest first
    (SQLite's FTS5 reads its lists so, and stops at the page); or in parts, where the index
    gives all of a word's matches at once in no order (PostgreSQL's GIN)."""

    def each(self, marker: str = "?", of: str = "bigint") -> str:
        """The values of a JSON list parameter (`marker`), as a subquery: `IN {each()}`. `of`:
        their SQL type, which PostgreSQL needs to compare them."""
        ...

    def pairs(self, marker: str = "?", first: str = "bigint", second: str = "bigint") -> str:
        """The pairs of a JSON list of two-item lists, as a subquery of columns `a` and `b`."""
        ...

    def numbered(self, marker: str = "?") -> str:
        """The values of a JSON list of ids as a FROM item of columns `value` and `key` (its
        place in the list), to name `AS` something."""
        ...

    def json_length(self, column: str) -> str:
        """The length of the JSON list in `column` (text)."""
        ...

    def joined(self, expression: str) -> str:
        """An aggregate: the whole numbers `expression` gives, joined by commas."""
        ...

    def json_field(self, column: str, key: str) -> str:
        """The value of `key` in the JSON object in `column` (NULL if absent or null)."""
        ...

    def list_of(self, column: str, source: str, order: str) -> str:
        """A subquery: the values of `column` in `source` (a table and its WHERE) as a JSON
        list (text) in `order`; `[]` for none."""
        ...

    def phone_tail(self, column: str) -> str:
        """The last four characters of `column`, as the tail index has them."""
        ...

    def words_value(self, marker: str) -> str:
        """What issue_words.words keeps of the parameter `marker` (`words(…)`'s text)."""
        ...

    def words(self, tokens: str) -> str:
        """The parameter for `words_value`: the index's tokens (storage/repositories/words.py)."""
        ...

    def words_match(self, marker: str) -> str:
        """The condition that issue_words matches the query `marker` (`words_query`'s)."""
        ...

    def words_query(self, words: Iterable[str], scope: Iterable[str]) -> str:
        """The query: each of `words` a phrase of its pairs, all of them, and one of the
        `scope` tokens if any are given (storage/repositories/words.py)."""
        ...
