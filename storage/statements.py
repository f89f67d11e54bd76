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
from typing import Any, Protocol

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A row read: its values by position or by column name."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> list[str]: ...


class Statements(Protocol):
    """One transaction's (or one connection's) way to run SQL."""

    @property
    def engine(self) -> str:
        """`sqlite` or `postgresql`: which SQL a repository must write where they differ."""
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
