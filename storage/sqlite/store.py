"""The SQLite store: one database, its repositories, one way to open a transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from casework.ports import OutboxListener, StoreWriteFailed, WriteListener
from storage.sqlite.conversations import SqliteDrafts, SqlitePrompts
from storage.sqlite.database import Database, connect, connect_read_only
from storage.sqlite.delivery import SqliteCards, SqliteDigests, SqliteOutbox
from storage.sqlite.exports import SqliteExports
from storage.sqlite.invites import SqliteInvites
from storage.sqlite.issues import SqliteIssues
from storage.sqlite.metrics import SqliteMetrics
from storage.sqlite.organisation import SqliteOrganisation
from storage.sqlite.staff import SqliteStaff
from storage.sqlite.timeline import SqliteTimeline
from storage.sqlite.updates import SqliteUpdates


class SqliteTransaction:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.staff = SqliteStaff(conn)
        self.organisation = SqliteOrganisation(conn)
        self.invites = SqliteInvites(conn)
        self.issues = SqliteIssues(conn)
        self.timeline = SqliteTimeline(conn)
        self.drafts = SqliteDrafts(conn)
        self.prompts = SqlitePrompts(conn)
        self.outbox = SqliteOutbox(conn)
        self.cards = SqliteCards(conn)
        self.digests = SqliteDigests(conn)
        self.metrics = SqliteMetrics(conn)
        self.exports = SqliteExports(conn)
        self.updates = SqliteUpdates(conn)


class SqliteStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._outbox_listeners: list[OutboxListener] = []
        self._write_listeners: list[WriteListener] = []

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        return cls(Database(await connect(path)))

    @classmethod
    async def open_read_only(cls, path: Path) -> SqliteStore:
        """The store of a database the bot has opened, for reading only (writing fails)."""
        return cls(Database(await connect_read_only(path), begin="BEGIN"))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        try:
            async with self._database.transaction() as conn:
                changes = conn.total_changes
                tx = SqliteTransaction(conn)
                yield tx
                changed = conn.total_changes != changes
        except StoreWriteFailed:
            for write_listener in self._write_listeners:
                write_listener(False)
            raise
        if changed:
            for write_listener in self._write_listeners:
                write_listener(True)
        if tx.outbox.added:  # committed: wake whoever delivers the outbox
            for listener in self._outbox_listeners:
                listener()

    def on_outbox_added(self, listener: OutboxListener) -> None:
        self._outbox_listeners.append(listener)

    def on_write(self, listener: WriteListener) -> None:
        self._write_listeners.append(listener)

    async def close(self) -> None:
        await self._database.close()
