"""A bot that lost its lease on the database sends nothing more: another bot may hold the
database now, and send the same messages (runtime/requests.py, `Fence`)."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import NetworkError

from emulator import BotApiEmulator, EmulatedUser
from runtime.requests import Fence, RetryingRequest


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
