"""`storage.statements.Statements` on a psycopg connection: the repositories' SQL, with its `?`
and `:name` parameters written as psycopg's `%s` and `%(name)s`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.abc import Buffer
from psycopg.adapt import Dumper, Loader
from psycopg.rows import RowMaker

from storage.repositories.words import pairs
from storage.statements import Params, Row, WordsParts


class PgRow:
    """A row: its values by position or by column name, as sqlite3.Row gives them."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: Mapping[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str, /) -> Any:
        return self._values[self._index[key] if isinstance(key, str) else key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._index, self._values, strict=True))!r})"


def pg_rows(cursor: psycopg.AsyncCursor[Any]) -> RowMaker[PgRow]:
    """psycopg's row factory for `PgRow`."""
    names = [column.name for column in cursor.description or ()]
    index = {name: position for position, name in enumerate(names)}
    return lambda values: PgRow(values, index)


_INDEXED_BY = re.compile(r"\s+INDEXED\s+BY\s+\w+", re.IGNORECASE)


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """SQLite's parameter marks as psycopg's: `?` as `%s`, `:name` as `%(name)s`, and a literal
    `%` doubled; nothing inside quotes is touched, nor PostgreSQL's `::type` casts. SQLite's
    `INDEXED BY` (which pins a query to the index it was written for) is dropped: PostgreSQL's
    planner has no such clause, and chooses by the statistics it keeps."""
    sql = _INDEXED_BY.sub("", sql)
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):  # a comment, to the end of its line
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif c in "'\"":
            end = sql.find(c, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == c:  # '' inside a literal
                end = sql.find(c, end + 2)
            if end == -1:
                raise ValueError(f"unclosed quote in SQL: {sql!r}")
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif c == "?":
            if i + 1 < n and sql[i + 1].isdigit():
                raise ValueError("numbered parameters (?1) are not supported: use ? or :name")
            out.append("%s")
            i += 1
        elif c == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 2
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(f"%({sql[i + 1 : j]})s")
            i = j
        elif c == "%":
            out.append("%%")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _params(params: Params) -> Params:
    return params if isinstance(params, Mapping) else list(params)


class PostgresDialect:
    """PostgreSQL's forms of what the engines write differently. /find's index keeps the same
    tokens as SQLite's, as a tsvector written lexeme by lexeme (`'路灯':1 '灯不':2`), with no
    text search parser or dictionary in between: what is indexed is exactly what SQLite's FTS5
    indexes, lower case, and a query a tsquery of the same phrases."""

    name = "postgresql"
    # A common word's page is among the newest few thousand rows, read in the key's order at
    # about 0.2 µs a row; a rarer word's matches, up to 2,000, come from the GIN index at a
    # few µs each (BENCHMARKS.md, "/find by words on PostgreSQL").
    words_in_parts: WordsParts | None = WordsParts(newest=4096, then=65536, few=2000)

    def each(self, marker: str = "?", of: str = "bigint") -> str:
        return f"(SELECT CAST(value AS {of}) FROM json_array_elements_text(CAST({marker} AS json)))"

    def pairs(self, marker: str = "?", first: str = "bigint", second: str = "bigint") -> str:
        return (
            f"(SELECT CAST(value ->> 0 AS {first}) AS a, CAST(value ->> 1 AS {second}) AS b"
            f" FROM json_array_elements(CAST({marker} AS json)))"
        )

    def numbered(self, marker: str = "?") -> str:
        return (
            "(SELECT CAST(value AS bigint) AS value, ordinality AS key"
            f" FROM json_array_elements_text(CAST({marker} AS json)) WITH ORDINALITY)"
        )

    def json_length(self, column: str) -> str:
        return f"json_array_length(CAST({column} AS json))"

    def joined(self, expression: str) -> str:
        return f"string_agg(CAST({expression} AS text), ',')"

    def json_field(self, column: str, key: str) -> str:
        return f"(CAST({column} AS json) ->> '{key}')"

    def list_of(self, column: str, source: str, order: str) -> str:
        return (
            f"(SELECT CAST(coalesce(json_agg({column} ORDER BY {order}), '[]') AS text)"
            f" FROM {source})"
        )

    def phone_tail(self, column: str) -> str:
        return f"right({column}, 4)"

    def words_value(self, marker: str) -> str:
        return f"CAST({marker} AS tsvector)"

    def words(self, tokens: str) -> str:
        return " ".join(
            f"{_lexeme(token)}:{min(position, 16383)}"
            for position, token in enumerate(tokens.split(), start=1)
        )

    def words_match(self, marker: str) -> str:
        return f"issue_words.words @@ CAST({marker} AS tsquery)"

    def words_query(self, words: Iterable[str], scope: Iterable[str]) -> str:
        phrases = [" <-> ".join(_lexeme(pair) for pair in pairs(word)) for word in words]
        query = " & ".join(f"({phrase})" for phrase in phrases)
        tokens = list(scope)
        if tokens:
            query += " & (" + " | ".join(_lexeme(token) for token in tokens) + ")"
        return query


def _lexeme(token: str) -> str:
    """A token as a quoted lexeme: lower case, as FTS5 folds it; quotes and backslashes
    escaped."""
    return "'" + token.lower().replace("\\", "\\\\").replace("'", "''") + "'"


POSTGRESQL = PostgresDialect()


class _UnknownInt(Dumper):
    """Whole numbers (and booleans, as 0 and 1) sent with no type of their own: PostgreSQL
    takes the type from where each goes, as SQLite does: a flag kept as 0 or 1, a count, an
    id, or a condition (`:everything OR …`) alike."""

    oid = 0

    def dump(self, obj: Any) -> bytes:
        return b"%d" % int(obj)


class _Number(Loader):
    """A `numeric` (what sum() of whole numbers gives) as SQLite would give it: a whole number
    as an int, anything else as a float, never a Decimal."""

    def load(self, data: Buffer) -> int | float:
        text = bytes(data).decode()
        return float(text) if any(c in text for c in ".eEN") else int(text)


def adapt(conn: psycopg.AsyncConnection[Any]) -> None:
    """Set the connection to send parameters and read numbers as the repositories expect."""
    conn.adapters.register_dumper(int, _UnknownInt)
    conn.adapters.register_dumper(bool, _UnknownInt)
    conn.adapters.register_loader("numeric", _Number)


class PgStatements:
    dialect = POSTGRESQL

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn
        self._changes = 0

    @property
    def changes(self) -> int:
        return self._changes

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._conn.cursor(row_factory=pg_rows) as cursor:
            await cursor.execute(translate(sql), _params(params))
            rows: list[Row] = list(await cursor.fetchall()) if cursor.description else []
            self._count(cursor)
            return rows

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._conn.cursor() as cursor:
            await cursor.execute(translate(sql), _params(params))
            return self._count(cursor)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        batch = [_params(row) for row in rows]
        if not batch:
            return 0
        async with self._conn.cursor() as cursor:
            await cursor.executemany(translate(sql), batch)
            changed = max(cursor.rowcount, 0)
            self._changes += changed
            return changed

    def _count(self, cursor: psycopg.AsyncCursor[Any]) -> int:
        """The rows the statement changed (its status says which kind it was: `UPDATE 3`)."""
        status = cursor.statusmessage or ""
        changed = max(cursor.rowcount, 0) if status.startswith(_WRITES) else 0
        self._changes += changed
        return changed


_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")
