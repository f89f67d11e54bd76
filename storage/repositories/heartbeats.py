"""The heartbeats of the bot's loops (migration 0031): one row each, replaced at each beat."""

from __future__ import annotations

from datetime import timedelta

from casework.health import Beat, Heartbeat
from storage.epochs import from_epoch, to_epoch
from storage.statements import Statements


class SqlHeartbeats:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def beat(self, heartbeat: Heartbeat) -> None:
        await self._db.execute(
            "INSERT INTO heartbeats (name, at, every) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET at = excluded.at, every = excluded.every",
            (heartbeat.beat.value, to_epoch(heartbeat.at), heartbeat.every.total_seconds()),
        )

    async def all(self) -> list[Heartbeat]:
        rows = await self._db.fetch_all("SELECT name, at, every FROM heartbeats ORDER BY name")
        known = {beat.value for beat in Beat}
        return [
            Heartbeat(Beat(row["name"]), from_epoch(row["at"]), timedelta(seconds=row["every"]))
            for row in rows
            if row["name"] in known  # one a newer release writes: not this one's to judge
        ]
