"""A bot that lost its lease on the database sends nothing more: another bot may hold the
database now, and send the same messages (runtime/requests.py, `Fence`)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from telegram import Bot
from telegram.error import NetworkError

from config.logs import RepeatedErrors
from emulator import BotApiEmulator, EmulatedUser
from runtime.requests import Fence, Fenced, RetryingRequest, UpdatesRequest


async def test_once_the_fence_is_closed_no_message_leaves_for_telegram(
    api: BotApiEmulator,
) -> None:
    fence = Fence()
    bot = Bot(api.token, base_url=api.base_url, request=RetryingRequest(5, fence=fence))
    person = EmulatedUser(api, 1001, "王芳")
    await person.send("/start")
    async with bot:
        await bot.send_message(1001, "签收了")
        fence.close()

        with pytest.raises(NetworkError, match="no longer holds the database"):
            await bot.send_message(1001, "又签收了")

    assert [m.text for m in person.messages] == ["签收了"]


async def test_a_long_poll_answered_after_the_fence_closed_leaves_its_updates_with_telegram(
    api: BotApiEmulator,
) -> None:
    fence = Fence()
    kept: list[int] = []

    async def keep(updates: list[tuple[int, str]]) -> None:
        kept.extend(update_id for update_id, _ in updates)

    request = UpdatesRequest(30, fence=fence)
    request.keep_with(keep, RepeatedErrors(logging.getLogger("test"), lambda: datetime.now(UTC)))
    person = EmulatedUser(api, 1001, "王芳")
    async with Bot(api.token, base_url=api.base_url, get_updates_request=request) as bot:
        polling = asyncio.create_task(bot.get_updates(timeout=20))
        await api.wait_until(lambda: bool(api.calls_to("getUpdates")))  # the poll is open
        fence.close()  # the lease lost while the poll waits
        await person.send("/new 路灯不亮")  # the poll is answered

        with pytest.raises(Fenced):
            await polling

    assert kept == []
    async with Bot(api.token, base_url=api.base_url) as standby:  # the bot holding it now
        [update] = await standby.get_updates(timeout=0)
    assert update.message is not None and update.message.text == "/new 路灯不亮"
