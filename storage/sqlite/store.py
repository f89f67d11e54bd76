"""The SQLite store: one database, its repositories, one way to open a transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from casework.ports import OutboxListener
from storage.sqlite.conversations import SqliteDrafts, SqlitePrompts
from storage.sqlite.database import Database, connect, connect_read_only
from storage.sqlite.delivery import SqliteCards, SqliteDigests, SqliteOutbox
from storage.sqlite.exports import SqliteExports
from storage.sqlite.invites import SqliteInvites
from storage.sqlite.issues import SqliteIssues
from storage.sqlite.metrics import SqliteMetrics
from storage.sqlite.organisation import SqliteOrganisation
from storage.sqlite.redactions import SqliteRedactionRequests
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
        self.redaction_requests = SqliteRedactionRequests(conn)


class SqliteStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._outbox_listeners: list[OutboxListener] = []

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        return cls(Database(await connect(path)))

    @classmethod
    async def open_read_only(cls, path: Path) -> SqliteStore:
        """The store of a database the bot has opened, for reading only (writing fails)."""
        return cls(Database(await connect_read_only(path), begin="BEGIN"))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        async with self._database.transaction() as conn:
            tx = SqliteTransaction(conn)
            yield tx
        if tx.outbox.added:  # committed: wake whoever delivers the outbox
            for listener in self._outbox_listeners:
                listener()

    def on_outbox_added(self, listener: OutboxListener) -> None:
        self._outbox_listeners.append(listener)

    async def close(self) -> None:
        await self._database.close()
