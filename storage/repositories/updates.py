"""Telegram updates: those fetched but not yet handled, and those already handled."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from storage.epochs import to_epoch
from storage.statements import Statements


class SqlUpdates:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def keep(self, updates: Sequence[tuple[int, str]], now: datetime) -> list[int]:
        """Keep fetched updates (id, raw JSON) until handled; ones handled before are skipped.
        The ids kept now for the first time."""
        if not updates:
            return []
        rows = await self._db.fetch_all(
            "INSERT INTO incoming_updates (update_id, payload, received_at)"
            f" SELECT a, b, ? FROM {self._db.dialect.pairs(second='text')} AS batch"
            " WHERE NOT EXISTS (SELECT 1 FROM processed_updates WHERE update_id = batch.a)"
            " ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
            (to_epoch(now), json.dumps([[update_id, payload] for update_id, payload in updates])),
        )
        return [row[0] for row in rows]

    async def unhandled(self) -> list[tuple[int, str]]:
        rows = await self._db.fetch_all(
            "SELECT update_id, payload FROM incoming_updates ORDER BY update_id"
        )
        return [(row["update_id"], row["payload"]) for row in rows]

    async def first_time(self, update_id: int, now: datetime) -> bool:
        """Record the update as handled (it leaves `incoming_updates`, by migration 0030's
        trigger); False if it was recorded before (a repeat)."""
        changed = await self._db.execute(
            "INSERT INTO processed_updates (update_id, at) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO NOTHING",
            (update_id, to_epoch(now)),
        )
        return changed == 1

    async def handled(self, update_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        return row is not None

    async def forget_before(self, before: datetime) -> int:
        return await self._db.execute(
            "DELETE FROM processed_updates WHERE at < ?", (to_epoch(before),)
        )
