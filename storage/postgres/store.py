"""The PostgreSQL store: a database on a server, its three connections (storage/sql_store.py)."""

from __future__ import annotations

import functools
from typing import Any

import psycopg

from storage.errors import CannotOpen
from storage.postgres.database import Database, connect, migrate
from storage.postgres.lease import PgLease
from storage.sql_store import SqlStore

_SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ"


class PostgresStore(SqlStore):
    """A PostgreSQL database's store. The reading connection reads in REPEATABLE READ snapshots
    that never wait for the steps; the glancing one reads each statement on its own. Each
    connection is opened again when it is found broken."""

    @classmethod
    async def open(cls, url: str, lease: PgLease | None = None) -> PostgresStore:
        reading = functools.partial(connect, url, read_only=True)

        async def writing() -> psycopg.AsyncConnection[Any]:
            # The writing connection is opened again only while this bot still holds the lock:
            # after a server restart, another bot may hold it already.
            if lease is not None and not await lease.held():
                raise CannotOpen("this bot no longer holds the database's lock")
            return await connect(url)

        opened = [database := Database(await writing(), reopen=writing)]
        try:
            await migrate(database.connection)
            opened.append(reader := Database(await reading(), _SNAPSHOT, reopen=reading))
            opened.append(glancer := Database(await reading(), None, in_turn=False, reopen=reading))
        except BaseException:
            for each in reversed(opened):
                await each.close()
            raise
        return cls(database, reader, lease, glancer)

    @classmethod
    async def open_read_only(cls, url: str) -> PostgresStore:
        """The store for reading only (writing fails), for another process (the export's)."""
        reading = functools.partial(connect, url, read_only=True)
        return cls(Database(await reading(), _SNAPSHOT, reopen=reading))
