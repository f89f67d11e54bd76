"""What both engines' stores share: a transaction's repositories, and the one way to open a
transaction, with the hooks and listeners around its commit. The repositories' SQL is written
once for both (storage/statements.py); where the engines differ, a repository asks
`Statements.dialect`, or the engine's transaction gives its own repository."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import cached_property
from typing import Protocol

from casework.ports import (
    CommitHook,
    OutboxListener,
    StoreUnreachable,
    StoreWriteFailed,
    WriteListener,
)
from storage.repositories.access_log import SqlAccessLog
from storage.repositories.drafts import SqlDrafts, SqlPrompts
from storage.repositories.exports import SqlExports, SqlRunningExports
from storage.repositories.heartbeats import SqlHeartbeats
from storage.repositories.invites import SqlInvites
from storage.repositories.issues import SqlIssues
from storage.repositories.metrics import SqlMetrics
from storage.repositories.organisation import SqlOrganisation
from storage.repositories.outbox import SqlCards, SqlDigests, SqlOutbox
from storage.repositories.redactions import SqlRedactionRequests
from storage.repositories.staff import SqlStaff
from storage.repositories.timeline import SqlTimeline
from storage.repositories.updates import SqlUpdates
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

    async def confirm(self, db: Statements) -> None:
        """Before a transaction that changed something commits, on its own connection: raise
        `StoreUnreachable` (nothing is saved) if this process no longer holds the lease, lest
        two bots save and send the same things while the watch has not noticed yet."""
        ...

    async def release(self) -> None: ...


class SqlTransaction:
    """A transaction's repositories, each made when first used: most transactions use two or
    three of the seventeen (issue 22)."""

    def __init__(self, db: Statements) -> None:
        self._db = db

    @cached_property
    def staff(self) -> SqlStaff:
        return SqlStaff(self._db)

    @cached_property
    def organisation(self) -> SqlOrganisation:
        return SqlOrganisation(self._db)

    @cached_property
    def invites(self) -> SqlInvites:
        return SqlInvites(self._db)

    @cached_property
    def access_log(self) -> SqlAccessLog:
        return SqlAccessLog(self._db)

    @cached_property
    def issues(self) -> SqlIssues:
        return SqlIssues(self._db)

    @cached_property
    def timeline(self) -> SqlTimeline:
        return SqlTimeline(self._db)

    @cached_property
    def drafts(self) -> SqlDrafts:
        return SqlDrafts(self._db)

    @cached_property
    def prompts(self) -> SqlPrompts:
        return SqlPrompts(self._db)

    @cached_property
    def outbox(self) -> SqlOutbox:
        return SqlOutbox(self._db)

    @cached_property
    def cards(self) -> SqlCards:
        return SqlCards(self._db)

    @cached_property
    def digests(self) -> SqlDigests:
        return SqlDigests(self._db)

    @cached_property
    def metrics(self) -> SqlMetrics:
        return SqlMetrics(self._db)

    @cached_property
    def exports(self) -> SqlExports:
        return SqlExports(self._db)

    @cached_property
    def running_exports(self) -> SqlRunningExports:
        return SqlRunningExports(self._db)

    @cached_property
    def updates(self) -> SqlUpdates:
        return SqlUpdates(self._db)

    @cached_property
    def redaction_requests(self) -> SqlRedactionRequests:
        return SqlRedactionRequests(self._db)

    @cached_property
    def heartbeats(self) -> SqlHeartbeats:
        return SqlHeartbeats(self._db)

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
                    if self._lease is not None:
                        await self._lease.confirm(db)
                    for hook in self._commit_hooks:
                        await hook(tx)
        except StoreUnreachable:  # not the disk: the database out of reach, or another bot's
            raise
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
