"""The PostgreSQL store: a database on a server, its three connections (storage/sql_store.py)."""

from __future__ import annotations

from storage.postgres.database import Database, connect, migrate
from storage.sql_store import Lease, SqlStore


class PostgresStore(SqlStore):
    """A PostgreSQL database's store. The reading connection reads in REPEATABLE READ snapshots
    that never wait for the steps; the glancing one reads each statement on its own."""

    @classmethod
    async def open(cls, url: str, lease: Lease | None = None) -> PostgresStore:
        opened = [database := Database(await connect(url))]
        try:
            await migrate(database.connection)
            reader = Database(
                await connect(url, read_only=True), begin="BEGIN ISOLATION LEVEL REPEATABLE READ"
            )
            opened.append(reader)
            opened.append(
                glancer := Database(await connect(url, read_only=True), None, in_turn=False)
            )
        except BaseException:
            for each in reversed(opened):
                await each.close()
            raise
        return cls(database, reader, lease, glancer)

    @classmethod
    async def open_read_only(cls, url: str) -> PostgresStore:
        """The store for reading only (writing fails), for another process (the export's)."""
        return cls(
            Database(
                await connect(url, read_only=True), begin="BEGIN ISOLATION LEVEL REPEATABLE READ"
            )
        )
