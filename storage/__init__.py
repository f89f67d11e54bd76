"""Where the bot keeps everything that matters. SQLite is the embedded default.

Callers see the `casework.ports.Store` interface only: intent-named async methods that
return plain `casework` objects. `storage.sqlite` implements it; another database can
stand beside it by implementing the same interface. What goes wrong opening or copying a
store is a `StorageError` (storage/errors.py).
"""

from __future__ import annotations

from pathlib import Path

from casework.ports import Store
from storage.errors import (
    BackupError,
    CannotOpen,
    DatabaseInUse,
    MigrationError,
    StorageError,
    UnknownStore,
)
from storage.sqlite import backup, open_sqlite


async def open_store(
    database_path: Path, read_only: bool = False, wait_for_other_bot: float = 30
) -> Store:
    """The store at `database_path`, for the one bot running on it: if another bot runs on it,
    wait up to `wait_for_other_bot` seconds for it to stop, then raise `DatabaseInUse`.

    Read-only: for another process reading what the bot keeps (its reads never take the write
    lock; any write fails)."""
    return await open_sqlite(database_path, read_only, wait_for_other_bot)


def backup_database(database_path: Path, target: Path) -> int:
    """A consistent copy of the database, made while the bot runs; its size in bytes."""
    return backup(database_path, target)


__all__ = [
    "BackupError",
    "CannotOpen",
    "DatabaseInUse",
    "MigrationError",
    "StorageError",
    "UnknownStore",
    "backup_database",
    "open_store",
]
