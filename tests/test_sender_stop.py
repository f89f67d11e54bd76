"""A stop, as at SIGTERM (issue 14): the sender finishes what Telegram is being handed, within a
deadline, takes nothing more, and a restart repeats nothing."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from emulator import EmulatedUser
from tests.flows import log_issue, rows
from tests.harness import Harness, start_bot, stop_bot

WATER = "供水服务中心"  # a department whose head is its only member: one card per issue


def card_requests(bot: Harness, person: EmulatedUser, number: str) -> int:
    """How many times the bot asked Telegram to send the person the issue's card."""
    return sum(
        1
        for c in bot.api.calls_to("sendMessage")
        if c.params.get("chat_id") == person.id and number in str(c.params.get("text"))
    )


def answer_after(gate: asyncio.Event, seconds: float) -> None:
    """Telegram answers what it holds `seconds` from now (a slow network), whatever the bot
    does meanwhile."""
    asyncio.get_running_loop().call_later(seconds, gate.set)


async def test_a_card_on_its_way_at_a_stop_arrives_once_and_not_again_after_the_restart(
    bot: Harness, worker: EmulatedUser, water_head: EmulatedUser
) -> None:
    await water_head.send("/start")
    gate = bot.api.hold(water_head.id)
    bot.api.processed = bot.tracking.handled  # not what it queues for the held head
    number = await log_issue(worker, department=WATER)
    await bot.api.wait_until(lambda: card_requests(bot, water_head, number) == 1)

    answer_after(gate, 0.3)  # during the stop
    await bot.restart()
    await bot.drain()

    assert card_requests(bot, water_head, number) == 1
    assert sum(number in m.text for m in water_head.messages) == 1
    [(sent_at,)] = await rows(
        bot, "SELECT sent_at FROM outbox WHERE key LIKE 'ev:%' AND chat_id = ?", water_head.id
    )
    assert sent_at is not None


async def test_a_stop_with_many_messages_waiting_ends_promptly_and_the_next_start_sends_them(
    bot: Harness, worker: EmulatedUser, water_head: EmulatedUser
) -> None:
    await water_head.send("/start")
    gate = bot.api.hold(water_head.id)
    bot.api.processed = bot.tracking.handled
    numbers = [await log_issue(worker, f"第{i}处水管漏水", department=WATER) for i in range(4)]
    await bot.api.wait_until(lambda: any(card_requests(bot, water_head, n) for n in numbers))
    [first] = [n for n in numbers if card_requests(bot, water_head, n)]  # the others wait

    answer_after(gate, 0.3)
    began = time.monotonic()
    await stop_bot(bot)
    took = time.monotonic() - began

    assert took < 4.0  # the waiting ones are not sent first (nor the 5 s deadline waited)
    assert [n for n in numbers if card_requests(bot, water_head, n)] == [first]
    assert sum(first in m.text for m in water_head.messages) == 1

    bot.app = (await start_bot(bot.api, bot.settings, bot.clock)).app
    await bot.drain()

    for number in numbers:
        assert card_requests(bot, water_head, number) == 1
        assert sum(number in m.text for m in water_head.messages) == 1


async def test_a_message_telegram_does_not_answer_is_cancelled_at_the_stop_deadline(
    bot: Harness,
    worker: EmulatedUser,
    water_head: EmulatedUser,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("runtime.app.SENDER_STOP_SECONDS", 0.5)
    await water_head.send("/start")
    gate = bot.api.hold(water_head.id)  # never answered before the deadline
    bot.api.processed = bot.tracking.handled
    number = await log_issue(worker, department=WATER)
    await bot.api.wait_until(lambda: card_requests(bot, water_head, number) == 1)

    began = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="runtime.sender"):
        await bot.restart()
    took = time.monotonic() - began
    gate.set()
    await bot.drain()

    assert took < 4.0  # not the 5 s of the usual deadline
    assert any("may arrive twice after the restart" in r.getMessage() for r in caplog.records)
    assert any(number in m.text for m in water_head.messages)  # sent again after the restart
