"""Updates from different people are handled at the same time; one person's, in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from casework.services import updates
from runtime.metrics import Counters

log = logging.getLogger(__name__)

UNLIMITED = 1_000_000


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """A slow step for one person never holds up another; a person's own updates (say, an
    album of photos) are applied in the order they were sent.

    An update takes one of the shared places (`max_concurrent_updates`) only when it is its
    person's turn. Taken on arrival, as python-telegram-bot's own processor does, the places
    went to the updates queued behind one person's long step: a few dozen taps during a
    head's long step and every other person waited for it to end."""

    def __init__(self, max_concurrent_updates: int) -> None:
        # python-telegram-bot's `process_update` (final) takes its place before calling us:
        # its limit is set out of reach, and the real one is taken here, in turn.
        super().__init__(UNLIMITED)
        self._places = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        # Once the store is open: marks an update handled when its handling ends, if no change
        # carried the mark (casework/services/updates.py).
        self.finish: Callable[[updates.Handling], Awaitable[None]] | None = None
        self.counters = Counters()  # updates handled, for the metrics (runtime/metrics.py)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _person_of(update)
        if key is None:
            async with self._places:
                await self._handled(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._places:  # the person's turn first, then a place
                await self._handled(update, coroutine)
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:  # forget idle people, so the table stays small
                del self._users[key]
                del self._locks[key]

    async def _handled(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle the update in its own context (its changes carry its mark); marked at the
        end if none did. Cancelled (the bot stopping), it is not: it is handled again after
        the restart."""
        if not isinstance(update, Update):
            await coroutine
            return
        with updates.handling(update.update_id) as handled:
            await coroutine
            self.counters.updates_handled += 1
            if self.finish is not None:
                try:
                    await self.finish(handled)
                except Exception:  # the database cannot be written (said elsewhere, once)
                    log.debug("update %s could not be marked handled", update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _person_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None
