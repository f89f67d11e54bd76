"""A stop (SIGTERM, a redeploy) ends within its deadline: exports being built are cancelled,
their processes killed and their people told. (The sender's part: test_sender_stop.py.)"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ApplicationBuilder

import handlers.stats
import runtime.app
from emulator import BotApiEmulator
from exports.process import ExportJob, build_export
from runtime.app import STOP_DEADLINE_SECONDS as STOP_DEADLINE
from runtime.app import StoppingApplication
from tests.harness import FakeClock, settings_for, start_bot, stop_bot
from tests.test_reports import export_job


async def test_a_stop_while_an_export_is_built_tells_its_person_within_the_deadline(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    never = asyncio.Event()

    async def build(job: ExportJob, target: int) -> int:  # a city's year: minutes
        await never.wait()
        return 0

    monkeypatch.setattr(handlers.stats, "build_export", build)
    bot = await start_bot(api, settings_for(api, tmp_path), clock)
    coordinator = bot.user(9001, "周敏")
    await coordinator.send("/export")
    assert "生成后会发到这里" in coordinator.last.text

    loop = asyncio.get_running_loop()
    began = loop.time()
    await stop_bot(bot)

    assert loop.time() - began < STOP_DEADLINE
    assert "机器人正在重启" in coordinator.last.text and "/export" in coordinator.last.text


async def test_an_export_cut_short_whose_person_could_not_be_told_is_told_at_the_next_start(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    never = asyncio.Event()

    async def build(job: ExportJob, target: int) -> int:
        await never.wait()
        return 0

    monkeypatch.setattr(handlers.stats, "build_export", build)
    settings = settings_for(api, tmp_path)
    bot = await start_bot(api, settings, clock)
    coordinator = bot.user(9001, "周敏")
    await coordinator.send("/export")
    api.fail(500, times=3, method="sendMessage", chats={coordinator.id})  # the line is lost
    await stop_bot(bot)
    assert "重启" not in coordinator.last.text

    again = await start_bot(api, settings, clock)  # (or after a crash: the same record)
    await again.drain()
    await stop_bot(again)

    assert "重启了" in coordinator.last.text and "/export" in coordinator.last.text
    told = [m for m in coordinator.messages if "重启" in m.text]
    assert len(told) == 1


async def test_a_stop_while_a_reply_hangs_at_telegram_keeps_the_deadline(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> None:
    bot = await start_bot(api, settings_for(api, tmp_path), clock)
    worker = bot.user(1001, "王芳")
    api.hold(worker.id)  # Telegram takes the reply and never answers
    api.processed = None  # the test goes on while the update is being handled
    await worker.send("/help")
    await api.wait_until(lambda: any(c.method == "sendMessage" for c in api.calls))

    loop = asyncio.get_running_loop()
    began = loop.time()
    await stop_bot(bot)  # python-telegram-bot's own stop waits for the reply: a minute here

    assert loop.time() - began < STOP_DEADLINE


async def test_a_cancelled_export_kills_its_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[asyncio.subprocess.Process] = []
    running = asyncio.Event()
    start_process = asyncio.create_subprocess_exec

    async def watched(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        process = await start_process(*args, **kwargs)
        started.append(process)
        running.set()
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", watched)
    never_opens = tmp_path / "stuck.sqlite3"
    os.mkfifo(never_opens)  # opening it waits for a writer: an export never done
    with tempfile.TemporaryFile() as target:
        building = asyncio.create_task(build_export(export_job(str(never_opens)), target.fileno()))
        await asyncio.wait_for(running.wait(), 10)

        building.cancel()
        with pytest.raises(asyncio.CancelledError):
            await building

    assert started[0].returncode is not None  # killed, and waited for: no process left


def a_bot_whose_lease_is_lost(
    monkeypatch: pytest.MonkeyPatch, deadline: float
) -> tuple[StoppingApplication, threading.Event]:
    """A bot told its lease is lost (another may hold the database: it must stop), whose stop
    is never run here, as a stop waiting on a cut connection never ends; and whether it was
    ended at once (`os._exit(LEASE_LOST)`, which would end the tests too)."""
    ended = threading.Event()
    monkeypatch.setattr(runtime.app, "_end_now", ended.set)
    monkeypatch.setattr(runtime.app, "STOP_DEADLINE_SECONDS", deadline)
    app = ApplicationBuilder().application_class(StoppingApplication).token("1:a").build()
    assert isinstance(app, StoppingApplication)
    app.stop_for_lost_lease()
    return app, ended


def test_a_bot_that_lost_its_lease_and_does_not_stop_in_time_is_ended_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, ended = a_bot_whose_lease_is_lost(monkeypatch, deadline=0.05)

    assert ended.wait(timeout=5)
    assert app.lease_lost  # bot.py's exit status: LEASE_LOST, to be started again


def test_a_bot_that_stopped_in_time_after_losing_its_lease_is_not_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, ended = a_bot_whose_lease_is_lost(monkeypatch, deadline=60)
    app.stopped_in_time()
    deadline = app._lost_deadline
    assert deadline is not None
    deadline.join(timeout=5)  # the deadline's thread, cancelled, has ended

    assert not deadline.is_alive() and not ended.is_set()
