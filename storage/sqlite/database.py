"""One SQLite connection, opened with the pragmas the bot relies on, and its transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

import aiosqlite

from casework.ports import StoreWriteFailed
from storage.sqlite.dialect import SQLITE
from storage.sqlite.files import make_private_file
from storage.sqlite.schema import migrate
from storage.statements import Params, Row

BUSY_TIMEOUT_MS = 5000
# What SQLite answers when the file cannot be written: the disk is full (or the database hit
# max_page_count), an I/O error, a read-only file or file system, a journal it cannot create.
_CANNOT_WRITE = {
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_CANTOPEN,
}


async def connect(path: Path) -> aiosqlite.Connection:
    """Open (creating it and its folder for the bot alone) and migrate the database at `path`."""
    make_private_file(path)
    # isolation_level=None: no implicit transactions; `Database.transaction` opens them.
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # FULL: a committed change survives a power cut, not just a crash of the process.
        await conn.execute("PRAGMA synchronous = FULL")
        # Deleted and overwritten content is zeroed in the file, not left in free space: a
        # citizen's data removed under the retention policy is gone from the disk too. (Debian's
        # SQLite is built with this on; other builds are not.)
        await conn.execute("PRAGMA secure_delete = ON")
        await migrate(conn)
        # From here on, the first statement that writes (INSERT, UPDATE, DELETE, REPLACE) opens
        # the transaction, with BEGIN IMMEDIATE, in its own trip to the database thread: see
        # `Database`.
        conn.isolation_level = "IMMEDIATE"
    except BaseException:
        await conn.close()
        raise
    return conn


async def connect_read_only(path: Path) -> aiosqlite.Connection:
    """A connection that can only read the database at `path` (opened, and migrated, by the
    bot): for work done in another process, such as building an export."""
    conn = await aiosqlite.connect(_read_only_uri(path), uri=True, isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except BaseException:
        await conn.close()
        raise
    return conn


def _read_only_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


class Database:
    """The bot's connection. All access goes through `transaction()`, one at a time.

    The writing connection opens no transaction for reads: the first statement that writes
    opens it (Python's sqlite3 issues BEGIN IMMEDIATE in the same call, `connect`), and it is
    committed at the end; a transaction that only read commits nothing. Each statement is a
    trip to aiosqlite's thread and back (about 65 µs of CPU here, against 1 µs for the
    statement itself), so this saves two trips for each step that only reads and one for each
    that writes (issue 22). The reads before the first write see what they would inside the
    transaction: `transaction()` is held by one task at a time, and no other process writes the
    database (one bot per database, storage/sqlite/lease.py; exports and backups only read).
    IMMEDIATE: once a transaction writes, it holds the write lock to its end, so it cannot fail
    halfway for want of it. Every statement's rows are read to the end (`fetch_all`,
    `fetch_one`): one left half-read would keep its snapshot open outside any transaction, and
    the next write would fail as "database is locked".

    A read-only connection (`begin`) begins plain transactions, each one snapshot, which never
    wait for the writer nor hold it up.

    A read-only connection that never begins a transaction needs no turns (`in_turn=False`):
    each statement reads what was last committed, in one trip, whatever other tasks read on it
    at the same time (issue 22: the quick look every update takes first).
    """

    def __init__(
        self, conn: aiosqlite.Connection, begin: str | None = None, *, in_turn: bool = True
    ) -> None:
        if begin is not None and not in_turn:
            raise ValueError("a connection that begins transactions takes them in turn")
        self._conn = conn
        self._begin = begin
        # One connection is shared by every asyncio task; the lock keeps one task's
        # statements from landing inside another task's open transaction.
        self._lock: AbstractAsyncContextManager[object] = (
            asyncio.Lock() if in_turn else nullcontext()
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            conn = self._conn
            changes = conn.total_changes
            try:
                # Inside the try: if the task is cancelled while a statement runs (it still
                # runs, in aiosqlite's thread), the rollback below must follow it.
                if self._begin is not None:
                    await conn.execute(self._begin)
                yield conn
                if conn.in_transaction or self._begin is not None:
                    # Inside too: a commit can fail (a full disk fails as the WAL grows), and
                    # the transaction must not stay open after it.
                    await conn.commit()
                elif conn.total_changes != changes:
                    raise RuntimeError(
                        "a statement wrote outside the transaction: only INSERT, UPDATE, DELETE "
                        "and REPLACE open one (a statement starting WITH does not)"
                    )
            except BaseException as exc:
                # Shielded: a second cancellation must not leave the transaction open. The
                # connection runs its statements in order, so the next one waits for it. (A
                # rollback with no transaction open does nothing.)
                await asyncio.shield(conn.rollback())
                if isinstance(exc, sqlite3.Error) and cannot_write(exc):
                    raise StoreWriteFailed(f"{exc.sqlite_errorname}: {exc}") from exc
                raise

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[SqliteStatements]:
        """`transaction()`, for the repositories."""
        async with self.transaction() as conn:
            yield SqliteStatements(conn)

    async def close(self) -> None:
        await self._conn.close()


def cannot_write(error: sqlite3.Error) -> bool:
    """Whether SQLite failed because the file cannot be written (not a bug, not a lock)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _CANNOT_WRITE


class SqliteStatements:
    """`storage.statements.Statements` on an aiosqlite connection: each call one trip to the
    database thread."""

    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    @property
    def changes(self) -> int:
        return self._conn.total_changes

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        rows: list[Row] = list(await self._conn.execute_fetchall(sql, params))
        return rows

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await fetch_one(self._conn, sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._conn.execute(sql, params)
        return cursor.rowcount

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        cursor = await self._conn.executemany(sql, rows)
        return cursor.rowcount


async def fetch_all(
    conn: aiosqlite.Connection, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()
) -> list[aiosqlite.Row]:
    """Run a query and read all its rows, in one trip to the database thread."""
    return list(await conn.execute_fetchall(sql, params))


async def fetch_one(
    conn: aiosqlite.Connection, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()
) -> aiosqlite.Row | None:
    rows = await fetch_all(conn, sql, params)
    return rows[0] if rows else None
