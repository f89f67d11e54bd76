"""Which Telegram updates were already handled."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.sqlite.database import to_epoch


class SqliteUpdates:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def first_time(self, update_id: int, now: datetime) -> bool:
        """Record the update; False if it was recorded before (a repeat delivery)."""
        cur = await self._conn.execute(
            "INSERT INTO processed_updates (update_id, at) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO NOTHING",
            (update_id, to_epoch(now)),
        )
        return cur.rowcount == 1

    async def forget_before(self, before: datetime) -> int:
        cur = await self._conn.execute(
            "DELETE FROM processed_updates WHERE at < ?", (to_epoch(before),)
        )
        return cur.rowcount
