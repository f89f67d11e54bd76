"""The store in memory, for tests of the use cases (cosmicpython's fake unit of work): plain
Python, no SQLite. A transaction works on a copy of every table, taken as it begins, and
replaces the tables with it only if it ends without an error: what failed leaves no trace,
as in SQLite. One transaction at a time, as on the bot's connection; a reading sees a snapshot
and refuses to write."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from casework.ports import CommitHook, OutboxListener, StoreWriteFailed, WriteListener
from tests.fakes.issues import (
    FakeDrafts,
    FakeExports,
    FakeIssues,
    FakeMetrics,
    FakePrompts,
    FakeRedactionRequests,
    FakeTimeline,
)
from tests.fakes.messages import (
    FakeCards,
    FakeDigests,
    FakeHeartbeats,
    FakeOutbox,
    FakeRunningExports,
    FakeUpdates,
)
from tests.fakes.people import FakeAccessLog, FakeInvites, FakeOrganisation, FakeStaff
from tests.fakes.tables import Tables


class FakeTransaction:
    def __init__(self, tables: Tables) -> None:
        self.staff = FakeStaff(tables)
        self.organisation = FakeOrganisation(tables)
        self.invites = FakeInvites(tables)
        self.access_log = FakeAccessLog(tables)
        self.issues = FakeIssues(tables)
        self.timeline = FakeTimeline(tables)
        self.drafts = FakeDrafts(tables)
        self.prompts = FakePrompts(tables)
        self.outbox = FakeOutbox(tables)
        self.cards = FakeCards(tables)
        self.digests = FakeDigests(tables)
        self.metrics = FakeMetrics(tables)
        self.exports = FakeExports()
        self.running_exports = FakeRunningExports(tables)
        self.updates = FakeUpdates(tables)
        self.redaction_requests = FakeRedactionRequests(tables)
        self.heartbeats = FakeHeartbeats(tables)


class FakeStore:
    """`casework.ports.Store` in memory. `transactions` counts those opened (readings
    apart); `tables` is what was committed, for a test to look at."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.transactions = 0
        self.closed = False
        self._turn = asyncio.Lock()
        self._outbox_listeners: list[OutboxListener] = []
        self._write_listeners: list[WriteListener] = []
        self._commit_hooks: list[CommitHook] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeTransaction]:
        async with self._turn:
            self._check_open()
            self.transactions += 1
            working = copy.deepcopy(self.tables)  # dropped if the block raises: a rollback
            tx = FakeTransaction(working)
            try:
                yield tx
            except StoreWriteFailed:
                for write_listener in self._write_listeners:
                    write_listener(False)
                raise
            changed = working.changes != self.tables.changes
            if changed:  # committed with the change, or not at all
                for hook in self._commit_hooks:
                    await hook(tx)
            self.tables = working
        if changed:
            for write_listener in self._write_listeners:
                write_listener(True)
        if tx.outbox.added:  # committed: wake whoever delivers the outbox
            for listener in self._outbox_listeners:
                listener()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[FakeTransaction]:
        """A snapshot of what was committed, taken without waiting; writing fails."""
        self._check_open()
        snapshot = copy.deepcopy(self.tables)
        snapshot.writable = False
        yield FakeTransaction(snapshot)

    def peek(self) -> AbstractAsyncContextManager[FakeTransaction]:
        """What was last committed, as `reading` sees it."""
        return self.reading()

    def on_outbox_added(self, listener: OutboxListener) -> None:
        self._outbox_listeners.append(listener)

    def on_lease_lost(self, listener: Callable[[], None]) -> None:
        """Nothing: the fake is this process's alone."""
        del listener

    def before_commit(self, hook: CommitHook) -> None:
        self._commit_hooks.append(hook)

    def on_write(self, listener: WriteListener) -> None:
        self._write_listeners.append(listener)

    async def close(self) -> None:
        self.closed = True

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("the store is closed")
