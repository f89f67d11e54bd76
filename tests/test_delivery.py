"""The outbox sender against a Bot API that fails for a while, and people it cannot reach."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from emulator import BotApiEmulator, EmulatedUser
from tests.flows import log_issue, rows
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot

NEW_CARD = "贵单位有新工单"


def arrived(person: EmulatedUser, text: str) -> int:
    return sum(text in m.text for m in person.messages)


async def let_retries_run(bot: Harness, rounds: int = 12) -> None:
    """Let the retry back-off pass (on the test's clock) and the sender try again."""
    for _ in range(rounds):
        bot.clock.advance(timedelta(minutes=10))
        await bot.drain()


@pytest.fixture
async def impatient_bot(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Harness]:
    """A bot that gives up on a Bot API call after 0.3 s, so timeouts are quick to test."""
    harness = await start_bot(api, settings_for(api, tmp_path, telegram_timeout_seconds=0.3), clock)
    yield harness
    await stop_bot(harness)


async def test_server_errors_for_a_while_then_the_card_arrives_once(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    # Six tries fail; each is tried again later, with back-off (no quick retries: they would
    # send outside Telegram's limits).
    bot.api.fail(500, times=3, chats={head.id})
    bot.api.fail(502, times=3, chats={head.id})

    number = await log_issue(worker)
    assert arrived(head, NEW_CARD) == 0  # the first tries failed; retries are scheduled
    await let_retries_run(bot)

    assert arrived(head, NEW_CARD) == 1
    [(attempts, error)] = await rows(
        bot,
        "SELECT attempts, last_error FROM outbox WHERE key LIKE 'ev:%:p:%' AND chat_id = ?",
        head.id,
    )
    assert attempts == 7 and "network" in error  # six failed, the seventh arrived
    assert number in head.last.text


async def test_too_many_requests_is_waited_out_as_telegram_asks(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    bot.api.fail(429, times=1, retry_after=1, chats={head.id})

    await log_issue(worker)
    await let_retries_run(bot, rounds=2)

    assert arrived(head, NEW_CARD) == 1
    sends = [
        c
        for c in bot.api.calls_to("sendMessage")
        if c.params.get("chat_id") == head.id and NEW_CARD in c.params.get("text", "")
    ]
    assert len(sends) == 2
    assert sends[1].at - sends[0].at >= 1.0  # retry-after honoured, in real time too


async def test_timeouts_and_dropped_requests_are_retried_until_delivered_once(
    impatient_bot: Harness,
) -> None:
    bot = impatient_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    bot.api.fail(0, times=2, hang=1.0, chats={head.id})

    await log_issue(worker)
    await let_retries_run(bot)

    assert arrived(head, NEW_CARD) == 1


async def test_a_storm_of_failures_loses_and_doubles_nothing(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    for person in (head, member, coordinator):
        await person.send("/start")
    department = {head.id, member.id}
    bot.api.fail(500, times=3, chats=department)
    bot.api.fail(429, times=2, retry_after=1, chats=department)
    bot.api.fail(503, times=3, chats=department)

    numbers = [await log_issue(worker, f"第{i}件") for i in range(3)]
    await let_retries_run(bot)

    for number in numbers:
        for person in (head, member):
            assert sum(number in m.text and NEW_CARD in m.text for m in person.messages) == 1
    [(undelivered,)] = await rows(
        bot, "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    )
    assert undelivered == 0


async def test_someone_who_blocked_the_bot_is_reported_to_the_coordinators(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await head.send("/start")
    await coordinator.send("/start")
    bot.api.blocked.add(head.id)

    await log_issue(worker)

    notice = coordinator.last
    assert "陈建国" in notice.text and "已屏蔽本机器人" in notice.text
    await coordinator.send("/staff")
    line = next(x for x in coordinator.last.text.splitlines() if " 陈建国 · " in x)
    assert line.endswith("⚠️ 消息无法送达")

    second = await log_issue(worker, "又一盏路灯")
    sends_to_head = [
        c for c in bot.api.calls_to("sendMessage") if c.params.get("chat_id") == head.id
    ]
    assert len(sends_to_head) == 2  # the welcome, and the one attempt that found the block
    assert sum("已屏蔽本机器人" in m.text for m in coordinator.messages) == 1

    bot.api.blocked.discard(head.id)
    await head.send("/start")  # they unblocked the bot and wrote again: reachable again
    third = await log_issue(worker, "第三盏路灯")
    assert any(third in m.text for m in head.messages)
    assert not any(second in m.text for m in head.messages)


async def test_someone_who_never_opened_the_bot_is_marked_without_alarming_anyone(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")

    await log_issue(worker)  # the head and the member of roads never pressed Start

    assert not any("屏蔽" in m.text for m in coordinator.messages)
    await coordinator.send("/staff")
    line = next(x for x in coordinator.last.text.splitlines() if " 刘强 · " in x)
    assert line.endswith("⚠️ 消息无法送达")


@pytest.fixture
async def limited_bot(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Harness]:
    """A bot that keeps to Telegram's limits, as in production."""
    harness = await start_bot(api, settings_for(api, tmp_path, telegram_rate_limit=True), clock)
    yield harness
    await stop_bot(harness)


async def test_one_person_gets_at_most_one_message_a_second(limited_bot: Harness) -> None:
    bot = limited_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")

    for i in range(3):
        await log_issue(worker, f"第{i}盏路灯")

    cards = [
        c.at
        for c in bot.api.calls_to("sendMessage")
        if c.params.get("chat_id") == head.id and NEW_CARD in c.params.get("text", "")
    ]
    assert len(cards) == 3
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(cards))
