"""When the bot cannot save, the coordinators hear it straight from the bot.

The outbox cannot carry this news: it is in the database that cannot be written. So the
message goes directly through the Bot API, once when saving starts to fail and once when it
works again; a coordinator it cannot reach is named in the log, and not tried again (a
handful of messages, well within Telegram's limits).

A full disk does not fail every write: one that reuses room already on disk may still go
through. So saving counts as working again only once a write has gone through and none has
failed for `SETTLE_SECONDS` after it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from casework.people import Staff
from casework.services import Deps, delivery
from rendering.i18n import N_, pick_language, texts

log = logging.getLogger(__name__)

SETTLE_SECONDS = 60.0
CANNOT_SAVE = N_(
    "⚠️ The bot cannot save to its database (the disk may be full): steps people take now "
    "may be lost. Tell the operator."
)
SAVES_AGAIN = N_(
    "✅ The bot can save to its database again. Steps people took while it could not may "
    "need to be taken again."
)


class SavingAlarm:
    """The store's write listener: tells the coordinators when saving fails, and when it
    works again."""

    def __init__(self, bot: Bot, deps: Deps, default_language: str) -> None:
        self._bot, self._deps = bot, deps
        self._default_language = default_language
        self._failing = False
        self._last_failure = 0.0  # loop time
        self._settling: asyncio.TimerHandle | None = None
        self._told: list[Staff] = []
        self._telling = asyncio.Lock()  # the news goes out in the order it happened
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, saved: bool) -> None:
        loop = asyncio.get_running_loop()
        if not saved:
            self._last_failure = loop.time()
            if not self._failing:
                self._failing = True
                log.error("the database cannot be written; telling the coordinators")
                self._spawn(self._tell_cannot_save())
        elif self._failing and self._settling is None:
            self._settling = loop.call_later(SETTLE_SECONDS, self._settled, loop.time())

    @property
    def failing(self) -> bool:
        return self._failing

    async def close(self) -> None:
        if self._settling is not None:
            self._settling.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _settled(self, saved_at: float) -> None:
        self._settling = None
        if self._last_failure > saved_at:  # it failed again meanwhile: not over yet
            return
        self._failing = False
        log.warning("the database can be written again; telling the coordinators")
        self._spawn(self._tell_saves_again())

    def _spawn(self, telling: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(telling)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tell_cannot_save(self) -> None:
        async with self._telling:
            try:
                coordinators = await delivery.coordinators_to_alert(self._deps)
            except Exception as exc:  # the database may not even be read
                log.error("could not read who the coordinators are, to tell them: %r", exc)
                coordinators = []
            self._told = await self._tell(coordinators, CANNOT_SAVE)

    async def _tell_saves_again(self) -> None:
        async with self._telling:
            told, self._told = self._told, []
            if not told:  # nobody could be told it failed: they hear it is over, at least
                try:
                    told = await delivery.coordinators_to_alert(self._deps)
                except Exception as exc:
                    log.error("could not read who the coordinators are, to tell them: %r", exc)
            await self._tell(told, SAVES_AGAIN)

    async def _tell(self, people: list[Staff], message: str) -> list[Staff]:
        """Send `message` to each, in their language; those it reached."""
        reached = []
        for person in people:
            t = texts(
                pick_language(person.language, person.telegram_language, self._default_language)
            )
            try:
                await self._bot.send_message(person.telegram_id, t._(message))
            except TelegramError as exc:
                log.warning("could not tell coordinator %d about saving: %s", person.id, exc)
            else:
                reached.append(person)
        return reached
