"""The SQLite implementation of the store (aiosqlite, WAL, versioned migrations)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from storage.errors import CannotOpen
from storage.sqlite.backup import backup
from storage.sqlite.lease import Lease
from storage.sqlite.store import SqliteStore


async def open_sqlite(path: Path, read_only: bool, wait_for_other_bot: float) -> SqliteStore:
    """The store of the database file at `path` (see `storage.open_store`)."""
    try:
        if read_only:
            # Looked for before aiosqlite tries: its failed connect outlives a closing loop.
            if not await asyncio.to_thread(path.is_file):
                raise CannotOpen("cannot be opened: no database file there (the bot makes it)")
            return await SqliteStore.open_read_only(path)
        lease = await Lease.take(path, wait_for_other_bot)
        try:
            return await SqliteStore.open(path, lease)
        except BaseException:
            await lease.release()
            raise
    # A folder that cannot be made, a file that is not a database, no permission: one line.
    except (OSError, sqlite3.Error) as exc:
        raise CannotOpen(f"cannot be opened: {exc}") from exc


__all__ = ["SqliteStore", "backup", "open_sqlite"]
