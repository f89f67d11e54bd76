"""The bot's writing connection: each step's statements run on the event loop's own thread,
and the steps that come while the disk syncs commit together (issue 22).

A statement on a database this size takes microseconds; a trip to aiosqlite's thread and back
costs about 65 µs of the bot's CPU, and while one step's transaction made its five or so trips,
each waiting for the event loop to come back to it among forty people's work, every other step
waited for its turn. Here a step's statements run where the step runs, one after another with
nothing in between, so it holds the connection for a fraction of a millisecond. Only the commit,
which waits for the disk, goes to aiosqlite's thread; the steps that finish meanwhile join one
transaction, each behind a savepoint, and the next commit makes them all durable at once. No
step returns before its changes are committed, so nothing a person is told can be lost: a
crash before the commit loses the steps of that commit together, and their updates are handled
again after the restart (runtime/saving.py).

While a statement runs here nothing else in the bot does: a long one (the sweep with many
reminders due, /find at a million issues, a page not in memory that the operating system reads
from the disk) holds the event loop as long, where before it held only the other steps
(BENCHMARKS.md, "What it costs"). Long reads (figures, reports, exports) go to the reading
connection, not here.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import asynccontextmanager
from typing import TypeVar

import aiosqlite

from casework.ports import StoreWriteFailed
from storage.sqlite.database import cannot_write
from storage.sqlite.dialect import SQLITE
from storage.statements import Params, Row

T = TypeVar("T")

_STEP = "step"  # the savepoint of a step that joins others' uncommitted changes


class Writer:
    """One connection for every step, one step at a time (`transaction()`, `statements()`).

    The first statement that writes (INSERT, UPDATE, DELETE, REPLACE) opens the transaction,
    with BEGIN IMMEDIATE (storage/sqlite/database.py `connect`): a step that only reads opens
    none and commits nothing, and once one writes it holds the write lock to its end, so it
    cannot fail halfway for want of it. Its reads before the first write see what they would
    inside the transaction: one step runs at a time, and no other process writes the database
    (one bot per database, storage/sqlite/lease.py; exports and backups only read). A step that
    comes while it is
    open, its changes not yet committed, works behind a savepoint and, if it fails, is undone
    alone. A step that reads with nothing uncommitted returns at once; any other waits for the
    commit that makes what it wrote, or read, durable, even one that failed after reading
    (a refusal rests on what it read). If the commit fails, or SQLite rolls the whole
    transaction back (a full disk, an I/O error), every step in it is told `StoreWriteFailed`."""

    def __init__(self, conn: aiosqlite.Connection, raw: sqlite3.Connection) -> None:
        self._conn = conn
        self._raw = raw  # the same connection, to run statements on this thread
        self._lock = asyncio.Lock()  # one step's statements at a time, and no step in a commit
        self._pending: asyncio.Future[None] | None = None  # the uncommitted steps' commit
        self._committing: set[asyncio.Task[None]] = set()
        self._discard = False  # uncommitted changes whose commit was cancelled: rolled back
        self._closed = False

    @classmethod
    async def open(cls, conn: aiosqlite.Connection) -> Writer:
        """The writer of `conn`, opened with `check_same_thread=False` (`connect`)."""
        cursor = await conn.execute("SELECT 1")
        raw = cursor.connection
        await cursor.close()
        return cls(conn, raw)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A step on aiosqlite's connection, each statement a trip to its thread (for SQLite's
        own SQL, such as PRAGMAs, in tests and tools)."""
        async with self._step(in_the_thread=True):
            yield self._conn

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[InlineStatements]:
        """A step for the repositories, its statements run on this thread."""
        async with self._step(in_the_thread=False):
            yield InlineStatements(self._raw)

    @asynccontextmanager
    async def _step(self, in_the_thread: bool) -> AsyncIterator[None]:
        failed: BaseException | None = None
        cancelled = False  # while it undid what it left running in aiosqlite's thread
        async with self._lock:
            if self._closed:  # the statements would run while aiosqlite's thread closes it
                raise ValueError("the database connection is closed")
            raw = self._raw
            if self._discard:  # changes whose commit was given up
                raw.rollback()
                self._discard = False
            joined = raw.in_transaction  # others' changes, not yet committed, come before it
            group = self._pending if joined else None  # their commit, to come
            changes = raw.total_changes
            if joined:
                raw.execute(f"SAVEPOINT {_STEP}")
            try:
                yield
                if group is not None and group.done():  # given up while it ran (cancelled)
                    raise StoreWriteFailed("not saved: the commit it joined was given up")
                if joined:
                    raw.execute(f"RELEASE {_STEP}")
                elif not raw.in_transaction and raw.total_changes != changes:
                    raise RuntimeError(
                        "a statement wrote outside the transaction: only INSERT, UPDATE, "
                        "DELETE and REPLACE open one (a statement starting WITH does not)"
                    )
            except BaseException as exc:
                failed = exc
                if in_the_thread:  # a statement it left running there (cancelled) ends first
                    drained, cancelled = await _finished(self._conn.execute_fetchall("SELECT 1"))
                    drained.exception()  # whatever it was, the undoing follows
                self._undo(joined, exc)
            if failed is None:
                commit = self._commit_to_come() if raw.in_transaction else None
            else:
                # A step that failed after reading others' uncommitted changes (a refusal: "it
                # was already accepted") waits for their commit too, given up or failed as it
                # may be: what it answers rests on them.
                commit = group
        if commit is not None:
            try:
                # Shielded: a cancelled step's changes are committed with the others all the
                # same.
                await asyncio.shield(commit)
            except StoreWriteFailed as not_saved:
                if isinstance(failed, asyncio.CancelledError):
                    raise failed from None
                # Each step its own exception (the commit's is shared), naming its own cause.
                raise type(not_saved)(*not_saved.args) from (failed or not_saved)
        if isinstance(failed, asyncio.CancelledError):
            raise failed
        if cancelled:
            raise asyncio.CancelledError from failed
        if failed is not None:
            if isinstance(failed, sqlite3.Error) and cannot_write(failed):
                raise StoreWriteFailed(f"{failed.sqlite_errorname}: {failed}") from failed
            raise failed

    def _undo(self, joined: bool, exc: BaseException) -> None:
        """Undo a failed step's changes, and only its own if SQLite lets it."""
        raw = self._raw
        if not joined:
            raw.rollback()  # nothing but its own (a rollback with none open does nothing)
            return
        try:
            raw.execute(f"ROLLBACK TO {_STEP}")
            raw.execute(f"RELEASE {_STEP}")
            return
        except sqlite3.Error as undoing:
            # No savepoint: SQLite rolled the whole transaction back (a full disk, an I/O
            # error), and the step may have gone on in a new one. All of it is undone, and the
            # steps before it, whose changes went too, are told they were not saved.
            raw.rollback()
            self._fail_pending(exc if isinstance(exc, sqlite3.Error) else undoing)

    def _commit_to_come(self) -> asyncio.Future[None]:
        if self._pending is None:
            pending = self._pending = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._commit(pending))
            self._committing.add(task)
            task.add_done_callback(functools.partial(self._commit_ended, pending))
        return self._pending

    async def _commit(self, pending: asyncio.Future[None]) -> None:
        """Commit the steps that joined by the time the connection is free (the lock is fair:
        the steps already waiting for it go first, and join)."""
        async with self._lock:
            if pending.done():  # failed, and rolled back
                return
            self._pending = None
            # In aiosqlite's thread, where it waits for the disk; to its end even if this task
            # is cancelled meanwhile (the connection must not be used beside it).
            committed, cancelled = await _finished(self._conn.commit())
            if (failure := committed.exception()) is not None:
                rolled, cancelled_too = await _finished(self._conn.rollback())
                cancelled = cancelled or cancelled_too
                if rolled.exception() is not None or self._raw.in_transaction:
                    self._discard = True  # the next step rolls back first
                pending.set_exception(_not_saved(failure))
            else:
                pending.set_result(None)
        if cancelled:
            raise asyncio.CancelledError

    def _commit_ended(self, pending: asyncio.Future[None], task: asyncio.Task[None]) -> None:
        self._committing.discard(task)
        if not pending.done():  # cancelled before it could commit, having touched nothing
            if self._pending is pending:
                self._pending = None
                self._discard = True  # the next step to take the connection rolls back first
            pending.set_exception(StoreWriteFailed("not saved: the commit was cancelled"))

    def _fail_pending(self, exc: BaseException) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and not pending.done():
            pending.set_exception(_not_saved(exc))

    async def close(self) -> None:
        """Close once the steps under way are committed; a step that comes after fails."""
        while True:
            while self._committing:
                await asyncio.gather(*self._committing, return_exceptions=True)
            async with self._lock:
                if self._pending is None:
                    self._closed = True
                    await self._conn.close()
                    return


async def _finished(awaitable: Awaitable[T]) -> tuple[asyncio.Future[T], bool]:
    """`awaitable` run to its end even if this task is cancelled meanwhile: it, done, and
    whether the task was cancelled."""
    future = asyncio.ensure_future(awaitable)
    cancelled = False
    while not future.done():
        try:
            await asyncio.wait([future])
        except asyncio.CancelledError:
            cancelled = True
    return future, cancelled


def _not_saved(exc: BaseException) -> StoreWriteFailed:
    """What the steps of a commit that failed are told, whatever failed."""
    if isinstance(exc, sqlite3.Error) and cannot_write(exc):
        return StoreWriteFailed(f"{exc.sqlite_errorname}: {exc}")
    return StoreWriteFailed(f"not saved: {type(exc).__name__}: {exc}")


class InlineStatements:
    """`storage.statements.Statements` on the writing connection, each statement run on the
    event loop's thread at once (`Writer`). Every statement's rows are read to the end."""

    dialect = SQLITE

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    @property
    def changes(self) -> int:
        return self._raw.total_changes

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        rows: list[Row] = self._raw.execute(sql, params).fetchall()
        return rows

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self._raw.execute(sql, params).fetchall()
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        return self._raw.execute(sql, params).rowcount

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        return self._raw.executemany(sql, rows).rowcount
