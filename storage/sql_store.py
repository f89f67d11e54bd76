"""What both engines' stores share: a transaction's repositories, and the one way to open a
transaction, with the hooks and listeners around its commit. The repositories' SQL is written
once for both (storage/statements.py); where the engines differ, a repository asks
`Statements.dialect`, or the engine's transaction gives its own repository."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import cached_property
from typing import Protocol

from casework.ports import CommitHook, OutboxListener, StoreWriteFailed, WriteListener
from storage.sqlite.access_log import SqliteAccessLog
from storage.sqlite.drafts import SqliteDrafts, SqlitePrompts
from storage.sqlite.exports import SqliteExports, SqliteRunningExports
from storage.sqlite.heartbeats import SqliteHeartbeats
from storage.sqlite.invites import SqliteInvites
from storage.sqlite.issues import SqliteIssues
from storage.sqlite.metrics import SqliteMetrics
from storage.sqlite.organisation import SqliteOrganisation
from storage.sqlite.outbox import SqliteCards, SqliteDigests, SqliteOutbox
from storage.sqlite.redactions import SqliteRedactionRequests
from storage.sqlite.staff import SqliteStaff
from storage.sqlite.timeline import SqliteTimeline
from storage.sqlite.updates import SqliteUpdates
from storage.statements import Statements


class Connection(Protocol):
    """One of a store's connections: its transactions, one way or another (each engine's
    `Database`)."""

    def statements(self) -> AbstractAsyncContextManager[Statements]: ...
    async def close(self) -> None: ...


class Lease(Protocol):
    """What makes this process the one bot on the database, let go when the store closes."""

    def watch(self, on_lost: Callable[[], None]) -> None:
        """Call `on_lost` if the lease is lost while the store is open."""
        ...

    async def release(self) -> None: ...


class SqlTransaction:
    """A transaction's repositories, each made when first used: most transactions use two or
    three of the seventeen (issue 22)."""

    def __init__(self, db: Statements) -> None:
        self._db = db

    @cached_property
    def staff(self) -> SqliteStaff:
        return SqliteStaff(self._db)

    @cached_property
    def organisation(self) -> SqliteOrganisation:
        return SqliteOrganisation(self._db)

    @cached_property
    def invites(self) -> SqliteInvites:
        return SqliteInvites(self._db)

    @cached_property
    def access_log(self) -> SqliteAccessLog:
        return SqliteAccessLog(self._db)

    @cached_property
    def issues(self) -> SqliteIssues:
        return SqliteIssues(self._db)

    @cached_property
    def timeline(self) -> SqliteTimeline:
        return SqliteTimeline(self._db)

    @cached_property
    def drafts(self) -> SqliteDrafts:
        return SqliteDrafts(self._db)

    @cached_property
    def prompts(self) -> SqlitePrompts:
        return SqlitePrompts(self._db)

    @cached_property
    def outbox(self) -> SqliteOutbox:
        return SqliteOutbox(self._db)

    @cached_property
    def cards(self) -> SqliteCards:
        return SqliteCards(self._db)

    @cached_property
    def digests(self) -> SqliteDigests:
        return SqliteDigests(self._db)

    @cached_property
    def metrics(self) -> SqliteMetrics:
        return SqliteMetrics(self._db)

    @cached_property
    def exports(self) -> SqliteExports:
        return SqliteExports(self._db)

    @cached_property
    def running_exports(self) -> SqliteRunningExports:
        return SqliteRunningExports(self._db)

    @cached_property
    def updates(self) -> SqliteUpdates:
        return SqliteUpdates(self._db)

    @cached_property
    def redaction_requests(self) -> SqliteRedactionRequests:
        return SqliteRedactionRequests(self._db)

    @cached_property
    def heartbeats(self) -> SqliteHeartbeats:
        return SqliteHeartbeats(self._db)

    @property
    def queued(self) -> bool:
        """Whether the transaction queued messages in the outbox."""
        return "outbox" in self.__dict__ and self.outbox.added > 0


class SqlStore:
    """The bot's connection for every step (one at a time, each taking the write lock), a
    second one for long reads: figures and reports read there never wait for a step nor hold
    one up, and a third for quick looks (`peek`), shared by every task at once."""

    transaction_type: type[SqlTransaction] = SqlTransaction

    def __init__(
        self,
        database: Connection,
        reader: Connection | None = None,
        lease: Lease | None = None,
        glancer: Connection | None = None,
    ) -> None:
        self._database = database
        self._reader = reader or database
        self._glancer = glancer or self._reader
        self._lease = lease
        self._outbox_listeners: list[OutboxListener] = []
        self._write_listeners: list[WriteListener] = []
        self._commit_hooks: list[CommitHook] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlTransaction]:
        try:
            async with self._database.statements() as db:
                changes = db.changes
                tx = self.transaction_type(db)
                yield tx
                changed = db.changes != changes
                if changed:  # committed with the change, or not at all
                    for hook in self._commit_hooks:
                        await hook(tx)
        except StoreWriteFailed:
            for write_listener in self._write_listeners:
                write_listener(False)
            raise
        if changed:
            for write_listener in self._write_listeners:
                write_listener(True)
        if tx.queued:  # committed: wake whoever delivers the outbox
            for listener in self._outbox_listeners:
                listener()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlTransaction]:
        """A transaction on the reading connection: it sees one snapshot, and writing fails."""
        async with self._reader.statements() as db:
            yield self.transaction_type(db)

    @asynccontextmanager
    async def peek(self) -> AsyncIterator[SqlTransaction]:
        """Reads on the glancing connection: each statement sees what was last committed, taking
        nobody's turn; writing fails."""
        async with self._glancer.statements() as db:
            yield self.transaction_type(db)

    def on_outbox_added(self, listener: OutboxListener) -> None:
        self._outbox_listeners.append(listener)

    def on_write(self, listener: WriteListener) -> None:
        self._write_listeners.append(listener)

    def on_lease_lost(self, listener: Callable[[], None]) -> None:
        if self._lease is not None:
            self._lease.watch(listener)

    def before_commit(self, hook: CommitHook) -> None:
        self._commit_hooks.append(hook)

    async def close(self) -> None:
        try:
            if self._glancer not in (self._reader, self._database):
                await self._glancer.close()
            if self._reader is not self._database:
                await self._reader.close()
            await self._database.close()
        finally:
            if self._lease is not None:
                await self._lease.release()
