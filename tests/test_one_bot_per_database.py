"""One bot per database: a second one waits for the first to stop, or gives up with a clear
line; it never runs beside it (every message would go out twice)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from emulator import BotApiEmulator, EmulatedUser
from storage import DatabaseInUse, open_store
from tests.harness import TEST_ORG, Harness
from tests.test_process import BOT, bot_environment

pytestmark = pytest.mark.sqlite_only  # SQLite's file, pragmas and tools

Start = Callable[..., "asyncio.Future[asyncio.subprocess.Process]"]


async def test_a_second_store_on_the_bots_database_is_refused_while_the_bot_runs(
    bot: Harness,
) -> None:
    database = bot.settings.database_url

    with pytest.raises(DatabaseInUse, match=f"pid {os.getpid()} on "):
        await open_store(database, wait_for_other_bot=0.3)

    reader = await open_store(database, read_only=True)  # exports and backups still read it
    await reader.close()


async def said(process: asyncio.subprocess.Process, words: str) -> str:
    """The first line the process prints with these words."""
    assert process.stdout is not None
    while words not in (line := (await process.stdout.readline()).decode()):
        assert line, f"the process ended without saying {words!r}"
    return line


@pytest.fixture
async def bots(api: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Start]:
    """Start `python bot.py` processes on one database; all are killed at the end."""
    started: list[asyncio.subprocess.Process] = []

    async def start(**settings: str) -> asyncio.subprocess.Process:
        env = bot_environment(
            BOT_TOKEN=api.token,
            BOT_API_BASE_URL=api.base_url,
            DATABASE_PATH=str(tmp_path / "data" / "duban.sqlite3"),
            ORG_FILE=str(TEST_ORG),
            **settings,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(BOT), cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        started.append(process)
        return process

    yield start  # type: ignore[misc]
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_second_bot_on_the_same_database_stops_with_a_clear_line(
    api: BotApiEmulator, bots: Start
) -> None:
    first = await bots()
    worker = EmulatedUser(api, 1001, "王芳")
    await worker.send("/start")
    await worker.wait_for("欢迎", timeout=30)

    second = await bots(DATABASE_LOCK_WAIT_SECONDS="0.5")
    code = await asyncio.wait_for(second.wait(), 30)
    assert second.stdout is not None
    output = (await second.stdout.read()).decode()

    assert code == 2
    assert f"another bot (pid {first.pid} on " in output
    assert "would send every message twice" in output and "Traceback" not in output
    await worker.send("/help")  # answered by the first bot alone
    await api.wait_until(lambda: len(worker.messages) >= 2, 10)
    assert len(worker.messages) == 2 and "您可以" in worker.last.text


async def test_a_bot_started_during_a_redeploy_takes_over_when_the_old_one_stops(
    api: BotApiEmulator, bots: Start
) -> None:
    old = await bots()
    worker = EmulatedUser(api, 1001, "王芳")
    await worker.send("/start")
    await worker.wait_for("欢迎", timeout=30)
    new = await bots(DATABASE_LOCK_WAIT_SECONDS="60")
    assert new.stdout is not None
    await asyncio.wait_for(said(new, "waiting up to 60 s for it to stop"), 30)

    old.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(old.wait(), 30) == 0
    await worker.send("/help")

    await worker.wait_for("您可以：", timeout=30)
    assert new.returncode is None  # the new one runs on
