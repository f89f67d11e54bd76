"""Where the bot keeps everything that matters. SQLite is the embedded default.

Callers see the `casework.ports.Store` interface only: intent-named async methods that
return plain `casework` objects. `storage.sqlite` implements it; another database can
stand beside it by implementing the same interface.
"""

from __future__ import annotations

from pathlib import Path

from casework.ports import Store
from storage.sqlite.store import SqliteStore


async def open_store(database_path: Path) -> Store:
    return await SqliteStore.open(database_path)


__all__ = ["open_store"]
