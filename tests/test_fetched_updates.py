"""What getUpdates fetched is kept in the database before it is handled (and so before the
next fetch confirms it to Telegram); an update delivered by webhook, before Telegram is
answered. When it cannot be kept, what happens depends on why:

- the database refuses the write (a full disk): the updates are handled anyway, each sender
  told what went wrong, rather than everyone held up (tests/test_full_disk.py);
- the database cannot be reached, or this bot no longer holds it (another bot may, now): the
  updates are not handled here; Telegram keeps them (unconfirmed, or not answered 200) for the
  bot that keeps them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from telegram import Bot, Update
from telegram.error import NetworkError

from casework.ports import StoreUnreachable, StoreWriteFailed
from config.logs import RepeatedErrors
from emulator import BotApiEmulator, EmulatedUser
from runtime.requests import UpdatesRequest
from runtime.webhook import KeepingQueue


class Keeping:
    """The database's side of keeping fetched updates, failing as it is told to."""

    def __init__(self) -> None:
        self.kept: list[int] = []
        self.failing: Exception | None = None

    async def __call__(self, updates: list[tuple[int, str]]) -> None:
        if self.failing is not None:
            raise self.failing
        self.kept += [update_id for update_id, _ in updates]


@pytest.fixture
async def polling(api: BotApiEmulator) -> AsyncIterator[tuple[Bot, Keeping]]:
    keeping = Keeping()
    request = UpdatesRequest(5)
    request.keep_with(keeping, RepeatedErrors(logging.getLogger("test"), lambda: datetime.now(UTC)))
    bot = Bot(api.token, base_url=api.base_url, get_updates_request=request)
    async with bot:
        yield bot, keeping


async def test_updates_the_database_cannot_be_reached_to_keep_are_left_with_telegram(
    api: BotApiEmulator, polling: tuple[Bot, Keeping]
) -> None:
    bot, keeping = polling
    await EmulatedUser(api, 1001, "王芳").send("/new 路灯不亮")
    keeping.failing = StoreUnreachable("this bot no longer holds the database's lock")

    with pytest.raises(NetworkError, match="keeping fetched updates"):
        await bot.get_updates(timeout=0)

    # Nothing was handed over to be handled, nor confirmed: the next fetch that can keep it
    # gets the same update.
    keeping.failing = None
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.text == "/new 路灯不亮"
    assert keeping.kept == [update.update_id]


async def test_updates_a_full_disk_cannot_keep_are_still_handed_over_to_be_handled(
    api: BotApiEmulator, polling: tuple[Bot, Keeping]
) -> None:
    bot, keeping = polling
    await EmulatedUser(api, 1001, "王芳").send("/new 路灯不亮")
    keeping.failing = StoreWriteFailed("SQLITE_FULL: database or disk is full")

    [update] = await bot.get_updates(timeout=0)

    assert update.message is not None and update.message.text == "/new 路灯不亮"
    assert keeping.kept == []


async def test_a_webhook_update_the_database_cannot_be_reached_to_keep_is_refused_to_come_again(
    api: BotApiEmulator,
) -> None:
    keeping = Keeping()
    queue = KeepingQueue()
    queue.keep_with(keeping, RepeatedErrors(logging.getLogger("test"), lambda: datetime.now(UTC)))
    bot = Bot(api.token, base_url=api.base_url)
    update = Update.de_json(
        {"update_id": 7, "message": {"message_id": 1, "date": 0, "text": "/new 路灯不亮",
         "chat": {"id": 1001, "type": "private"}, "from": {"id": 1001, "is_bot": False,
         "first_name": "王芳"}}}, bot,
    )  # fmt: skip
    keeping.failing = StoreUnreachable("the connection was lost")

    # Raised to python-telegram-bot's webhook server: Telegram is not answered 200, and
    # delivers the update again.
    with pytest.raises(StoreUnreachable):
        await queue.put(update)
    assert queue.empty()

    keeping.failing = None
    await queue.put(update)
    assert keeping.kept == [7] and queue.get_nowait() is update
