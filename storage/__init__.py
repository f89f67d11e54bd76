"""Where the bot keeps everything that matters, chosen in one place.

`open_store` reads the `DATABASE_URL` setting (storage/location.py) and picks the
implementation: SQLite (`storage.sqlite`), embedded, the default, or PostgreSQL
(`storage.postgres`). Callers see the
`casework.ports.Store` interface only: intent-named async methods that return plain
`casework` objects; another database can stand beside SQLite by implementing it, and being
picked here. What goes wrong naming, opening or copying a store is a `StorageError`
(storage/errors.py). Everything outside this package passes the setting through untouched.
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
from storage.location import POSTGRESQL, SQLITE, absolute, describe, locate, scheme_of
from storage.sqlite import backup, open_sqlite


async def open_store(url: str, *, read_only: bool = False, wait_for_other_bot: float = 30) -> Store:
    """The store `url` names, for the one bot running on it: if another bot runs on it, wait up
    to `wait_for_other_bot` seconds for it to stop, then raise `DatabaseInUse`.

    Read-only: for another process reading what the bot keeps (such as the export's): its
    reads never hold up the bot's steps, and any write fails."""
    location = locate(url)
    if location.kind == POSTGRESQL:
        from storage.postgres import open_postgres  # psycopg is loaded only when it is used

        return await open_postgres(location.url, read_only, wait_for_other_bot)
    return await open_sqlite(location.path, read_only, wait_for_other_bot)


def backup_store(url: str, target: Path) -> int:
    """A consistent copy of the database, made while the bot runs, written to `target`; its
    size in bytes. SQLite only: another database is copied with its own tools (PostgreSQL's
    pg_dump, which the refusal names)."""
    scheme = scheme_of(url)
    if scheme in ("postgresql", "postgres"):
        raise BackupError(
            f"bot.py backup copies SQLite databases only; {describe(url)} is PostgreSQL:"
            " back it up with pg_dump -Fc (a consistent copy while the bot runs), restore it"
            ' with pg_restore (README, "Backups")'
        )
    if scheme != SQLITE:
        raise BackupError(
            f"bot.py backup copies SQLite databases only; {describe(url)} is not one:"
            " back it up with its own tools"
        )
    return backup(locate(url).path, target)


__all__ = [
    "BackupError",
    "CannotOpen",
    "DatabaseInUse",
    "MigrationError",
    "StorageError",
    "UnknownStore",
    "absolute",
    "backup_store",
    "describe",
    "locate",
    "open_store",
]
