"""Repeated updates, a database that is busy, Bot API faults on replies, unknown groups."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from emulator import BotApiEmulator, EmulatedUser
from storage.repositories.updates import SqlUpdates
from tests.flows import card_for, events, log_issue
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot


async def test_an_update_delivered_twice_is_applied_once(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await log_issue(worker)
    note = await head.send(f"/note {number} 明天去现场")
    accept = await head.press_data(card_for(worker, number), "i:1:acc")
    assert accept is not None

    # The bot "crashed" before confirming these updates, and Telegram sends them again.
    await bot.restart(redeliver_from=note)
    last = bot.api.last_update_id
    await bot.tracking.finished(last)

    assert await events(bot, number) == ["submitted", "note", "accepted"]
    first_texts = [m.history[0] if m.history else m.text for m in worker.messages]
    assert sum("明天去现场" in text for text in first_texts) == 1


@pytest.fixture
def quick_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give up on a locked database after 0.2 s instead of 5, so the test is quick."""
    monkeypatch.setattr("storage.sqlite.database.BUSY_TIMEOUT_MS", 200)


@pytest.fixture
async def bot_with_quick_timeout(
    quick_busy_timeout: None, api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Harness]:
    harness = await start_bot(api, settings_for(api, tmp_path), clock)
    yield harness
    await stop_bot(harness)


@pytest.mark.sqlite_only
async def test_a_locked_database_is_reported_and_nothing_saved_is_lost(
    bot_with_quick_timeout: Harness,
) -> None:
    bot = bot_with_quick_timeout
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    number = await log_issue(worker)
    bot.expected_errors.append(sqlite3.OperationalError)

    # Another program takes the write lock (in a thread: the bot's loop must keep running).
    other = sqlite3.connect(bot.database, isolation_level=None,
                            check_same_thread=False)  # fmt: skip
    await asyncio.to_thread(other.execute, "BEGIN EXCLUSIVE")
    refused = await head.press(card_for(head, number), "签收")
    await asyncio.to_thread(other.execute, "ROLLBACK")
    other.close()

    assert refused is not None and "可能没有保存" in (refused.text or "")
    assert await events(bot, number) == ["submitted"]  # the issue is as it was
    accepted = await head.press(card_for(head, number), "签收")  # and works once the lock is gone
    assert accepted is not None and accepted.text == "已签收。"


async def test_replies_survive_a_bot_api_that_fails_for_a_moment(
    bot: Harness, worker: EmulatedUser
) -> None:
    bot.api.fail(502, times=1, method="sendMessage", chats={worker.id})
    bot.api.fail(0, times=1, method="sendMessage", chats={worker.id}, hang=0.2)

    await worker.send("/new 路灯不亮")

    assert "问题类别" in worker.last.text


async def test_a_command_in_a_group_the_bot_does_not_know_gets_a_clear_answer(
    bot: Harness, head: EmulatedUser
) -> None:
    unknown = bot.group(-4242, "某个群")

    await head.send("/inbox", chat=unknown)

    assert "不是本机器人登记的科室群" in unknown.last.text


async def test_an_update_answered_with_an_apology_is_not_handled_again_after_a_restart(
    bot: Harness, worker: EmulatedUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = await log_issue(worker)
    bot.expected_errors.append(sqlite3.OperationalError)
    real = SqlUpdates.first_time
    calls = 0

    async def locked_once(self: SqlUpdates, update_id: int, now: datetime) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:  # the database is locked just as the update comes in
            raise sqlite3.OperationalError("database is locked")
        return await real(self, update_id, now)

    monkeypatch.setattr(SqlUpdates, "first_time", locked_once)
    await worker.send(f"/note {number} 明天去现场")
    assert "可能没有保存" in worker.last.text
    await worker.send(f"/note {number} 明天去现场")  # sent again, as the person was told

    await bot.restart()  # a redeploy, later: stored updates not yet handled are handled first
    await worker.send("/my")  # handled after any of the worker's replayed ones (their order)

    assert await events(bot, number) == ["submitted", "note"]
