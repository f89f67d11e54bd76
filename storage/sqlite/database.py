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
    # isolation_level=None: no implicit transactions while it is migrated. Not bound to
    # aiosqlite's thread: the writer runs a step's statements on the event loop's
    # (storage/sqlite/writer.py), never while aiosqlite's thread runs one.
    conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
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
        # the transaction, with BEGIN IMMEDIATE: see storage/sqlite/writer.py.
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


class Reader:
    """A read-only connection of the bot's (its writing one is storage/sqlite/writer.py).

    With `snapshots`, each transaction is one snapshot (BEGIN … COMMIT), taken in turn: for
    long reads (figures, reports), which never wait for the writer nor hold it up (WAL).
    Without, no transaction is ever begun and no turns are taken: each statement reads what was
    last committed, in one trip to aiosqlite's thread, whatever other tasks read on it at the
    same time (issue 22: the quick look every update takes first). Every statement's rows are
    read to the end (`fetch_all`, `fetch_one`): one left half-read would keep a snapshot open.
    """

    def __init__(self, conn: aiosqlite.Connection, *, snapshots: bool) -> None:
        self._conn = conn
        self._snapshots = snapshots
        # The connection is shared by every asyncio task; the lock keeps one task's
        # statements from landing inside another task's snapshot.
        self._lock: AbstractAsyncContextManager[object] = (
            asyncio.Lock() if snapshots else nullcontext()
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            conn = self._conn
            try:
                # Inside the try: if the task is cancelled while a statement runs (it still
                # runs, in aiosqlite's thread), the rollback below must follow it.
                if self._snapshots:
                    await conn.execute("BEGIN")
                yield conn
                if self._snapshots:
                    await conn.commit()
            except BaseException as exc:
                if self._snapshots:
                    # Shielded: a second cancellation must not leave the snapshot open. The
                    # connection runs its statements in order, so the next one waits for it.
                    await asyncio.shield(conn.rollback())
                if isinstance(exc, sqlite3.Error) and cannot_write(exc):  # "readonly"
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
