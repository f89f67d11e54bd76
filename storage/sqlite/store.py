"""The SQLite store: one database, its repositories, one way to open a transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.sqlite.database import Database, connect
from storage.sqlite.invites import SqliteInvites
from storage.sqlite.organisation import SqliteOrganisation
from storage.sqlite.staff import SqliteStaff


class SqliteTransaction:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.staff = SqliteStaff(conn)
        self.organisation = SqliteOrganisation(conn)
        self.invites = SqliteInvites(conn)


class SqliteStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        return cls(Database(await connect(path)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        async with self._database.transaction() as conn:
            yield SqliteTransaction(conn)

    async def close(self) -> None:
        await self._database.close()
