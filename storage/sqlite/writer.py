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

A statement that waits for the disk (a page not in memory, which the operating system reads)
holds the event loop while it does; the bot's own pages are in memory after the first minutes.
Long reads (figures, reports, exports) go to the reading connection, not here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import aiosqlite

from casework.ports import StoreWriteFailed
from storage.sqlite.database import cannot_write
from storage.sqlite.dialect import SQLITE
from storage.statements import Params, Row

_STEP = "step"  # the savepoint of a step that joins others' uncommitted changes


class Writer:
    """One connection for every step, one step at a time (`transaction()`, `statements()`).

    The first statement that writes (INSERT, UPDATE, DELETE, REPLACE) opens the transaction,
    with BEGIN IMMEDIATE (storage/sqlite/database.py `connect`); a step that comes while it is
    open, its changes not yet committed, works behind a savepoint and, if it fails, is undone
    alone. A step that reads with nothing uncommitted returns at once; any other waits for the
    commit that makes what it wrote, or read, durable."""

    def __init__(self, conn: aiosqlite.Connection, raw: sqlite3.Connection) -> None:
        self._conn = conn
        self._raw = raw  # the same connection, to run statements on this thread
        self._lock = asyncio.Lock()  # one step's statements at a time, and no step in a commit
        self._pending: asyncio.Future[None] | None = None  # the uncommitted steps' commit
        self._committing: set[asyncio.Task[None]] = set()
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
        async with self._step():
            yield self._conn

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[InlineStatements]:
        """A step for the repositories, its statements run on this thread."""
        async with self._step():
            yield InlineStatements(self._raw)

    @asynccontextmanager
    async def _step(self) -> AsyncIterator[None]:
        async with self._lock:
            if self._closed:  # the statements would run while aiosqlite's thread closes it
                raise ValueError("the database connection is closed")
            raw = self._raw
            joined = raw.in_transaction  # others' changes, not yet committed, come before it
            changes = raw.total_changes
            if joined:
                raw.execute(f"SAVEPOINT {_STEP}")
            try:
                yield
            except BaseException as exc:
                self._undo(joined, exc)
                if isinstance(exc, sqlite3.Error) and cannot_write(exc):
                    raise StoreWriteFailed(f"{exc.sqlite_errorname}: {exc}") from exc
                raise
            if joined:
                raw.execute(f"RELEASE {_STEP}")
            elif not raw.in_transaction and raw.total_changes != changes:
                raise RuntimeError(
                    "a statement wrote outside the transaction: only INSERT, UPDATE, DELETE "
                    "and REPLACE open one (a statement starting WITH does not)"
                )
            commit = self._commit_to_come() if raw.in_transaction else None
        if commit is not None:
            # Shielded: a cancelled step's changes are committed with the others all the same.
            await asyncio.shield(commit)

    def _undo(self, joined: bool, exc: BaseException) -> None:
        """Undo a failed step's changes, and only its own if SQLite lets it."""
        raw = self._raw
        if not joined:
            raw.rollback()  # nothing but its own (a rollback with none open does nothing)
            return
        if raw.in_transaction:
            try:
                raw.execute(f"ROLLBACK TO {_STEP}")
                raw.execute(f"RELEASE {_STEP}")
                return
            except sqlite3.Error as undoing:
                exc = undoing
                raw.rollback()
        # SQLite rolled the whole transaction back (a full disk, an I/O error), the changes
        # of the steps before it too: they are told they were not saved.
        self._fail_pending(exc)

    def _commit_to_come(self) -> asyncio.Future[None]:
        if self._pending is None:
            self._pending = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._commit(self._pending))
            self._committing.add(task)
            task.add_done_callback(self._committing.discard)
        return self._pending

    async def _commit(self, pending: asyncio.Future[None]) -> None:
        """Commit the steps that joined by the time the connection is free (the lock is fair:
        the steps already waiting for it go first, and join)."""
        try:
            async with self._lock:
                if pending.done():  # failed, and rolled back
                    return
                self._pending = None
                try:
                    await self._conn.commit()  # in aiosqlite's thread: it waits for the disk
                except BaseException as exc:
                    await asyncio.shield(self._conn.rollback())
                    pending.set_exception(_as_failed(exc))
                    return
                pending.set_result(None)
        finally:
            if not pending.done():  # cancelled before it could commit: say so, don't hang
                if self._pending is pending:
                    self._pending = None
                    self._raw.rollback()
                pending.set_exception(StoreWriteFailed("the commit was cancelled"))

    def _fail_pending(self, exc: BaseException) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and not pending.done():
            pending.set_exception(_as_failed(exc))

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


def _as_failed(exc: BaseException) -> BaseException:
    if isinstance(exc, sqlite3.Error) and cannot_write(exc):
        return StoreWriteFailed(f"{exc.sqlite_errorname}: {exc}")
    return exc


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
