"""The SQLite store: one database file, its three connections (storage/sql_store.py)."""

from __future__ import annotations

from pathlib import Path

from storage.repositories.issues import SqlIssues
from storage.sql_store import SqlStore
from storage.sqlite.database import Reader, connect, connect_read_only
from storage.sqlite.lease import Lease
from storage.sqlite.writer import Writer

_FILL_BATCH = 2000  # issues indexed per transaction: other writers wait less than a second


async def _fill_words(database: Writer) -> None:
    """Index the words of the issues on record from before the index (migration 0022)."""
    while True:
        async with database.statements() as db:
            if not await SqlIssues(db).fill_words(_FILL_BATCH):
                return


class SqliteStore(SqlStore):
    """A SQLite database's store (WAL lets the readers and the writer go on together)."""

    _database: Writer  # the writing connection (tests reach it to run SQLite's own SQL)

    @classmethod
    async def open(cls, path: Path, lease: Lease | None = None) -> SqliteStore:
        """The store of the database at `path`; the bot gives it its `lease` to hold while it is
        open (storage/sqlite/lease.py)."""
        opened: list[Reader | Writer] = [database := await Writer.open(await connect(path))]
        try:
            await _fill_words(database)
            opened.append(reader := Reader(await connect_read_only(path), snapshots=True))
            opened.append(glancer := Reader(await connect_read_only(path), snapshots=False))
        except BaseException:
            for each in reversed(opened):
                await each.close()
            raise
        return cls(database, reader, lease, glancer)

    @classmethod
    async def open_read_only(cls, path: Path) -> SqliteStore:
        """The store of a database the bot has opened, for reading only (writing fails)."""
        return cls(Reader(await connect_read_only(path), snapshots=True))
