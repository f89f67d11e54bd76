"""The sweep: every SWEEP_INTERVAL_SECONDS, look for what has fallen due."""

from __future__ import annotations

import asyncio
import logging

from casework.services import Deps, housekeeping

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, deps: Deps, interval_seconds: float) -> None:
        self._deps = deps
        self._interval = interval_seconds

    async def sweep_once(self) -> None:
        """One pass: drop idle drafts and questions (with word to their owners)."""
        dropped = await housekeeping.drop_idle_conversations(self._deps)
        if dropped:
            log.info("sweep: dropped %d idle drafts or questions", dropped)

    async def run(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except Exception:
                log.exception("sweep failed; trying again at the next interval")
            await asyncio.sleep(self._interval)
