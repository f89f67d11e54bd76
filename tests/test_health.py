"""`bot.py check`: whether the running bot is healthy, read from its database: the updates
flowing, the outbox draining, the sweep on time. Exit 0 when it is, 1 with a line a reason when
it is not. Each case runs the real bot against the fake Bot API on the test's clock."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import bot as entry
from casework.health import (
    Backlog,
    Beat,
    Figures,
    Heartbeat,
    healthy,
    judge,
    span,
    webhook_delivering,
)
from emulator import BotApiEmulator, EmulatedUser
from runtime.app import STOP_DEADLINE_SECONDS
from tests.flows import log_issue
from tests.harness import START, FakeClock, Harness
from tests.test_process import BOT, bot_environment

MINUTE = timedelta(minutes=1)


async def check(
    bot: Harness, capsys: pytest.CaptureFixture[str], **options: float
) -> tuple[int, str]:
    """`bot.py check` on the bot's database (DATABASE_URL, as the bot's) at the bot's clock (in
    a thread: it runs an event loop of its own): its exit code and what it printed."""
    within = timedelta(seconds=options.get("outbox_within", 600))
    os.environ["DATABASE_URL"] = bot.settings.database_url  # put back by the fixture below
    capsys.readouterr()
    code = await asyncio.to_thread(entry.check_health, within, bot.clock.now())
    return code, capsys.readouterr().out


@pytest.fixture(autouse=True)
def database_of_the_bot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`bot.py check` reads DATABASE_URL, as the bot does (no .env from the working folder)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "")  # each test's own, set by `check`; then put back
    monkeypatch.delenv("DATABASE_PATH", raising=False)


async def polled(bot: Harness, person: EmulatedUser) -> None:
    """A getUpdates answered at the clock's time (carrying the person's message, handled)."""
    await person.send("/help")


async def test_a_bot_whose_updates_flow_whose_outbox_drains_and_whose_sweep_runs_is_healthy(
    bot: Harness, worker: EmulatedUser, capsys: pytest.CaptureFixture[str]
) -> None:
    await log_issue(worker)  # its notices delivered
    await bot.drain()
    await bot.sweep()

    code, printed = await check(bot, capsys)

    assert code == 0
    assert printed.splitlines() == [
        "updates: ok: the last getUpdates answered 0 s ago",
        "outbox: ok: no message waiting",
        "sweep: ok: the last sweep ended 0 s ago",
    ]


async def test_updates_that_stop_flowing_make_the_bot_unhealthy_and_say_since_when(
    bot: Harness, worker: EmulatedUser, capsys: pytest.CaptureFixture[str]
) -> None:
    await polled(bot, worker)
    assert bot.app.updater is not None
    await bot.app.updater.stop()  # polling dies (the Bot API out of reach, say)
    bot.clock.advance(5 * MINUTE)
    await bot.sweep()

    code, printed = await check(bot, capsys)

    assert code == 1
    assert printed.splitlines()[0] == (
        "updates: NOT OK: the last getUpdates answered 5 min ago, at 2026-11-25 01:00:00 UTC"
        " (late after 2 min)"
    )
    assert "outbox: ok" in printed and "sweep: ok" in printed

    await bot.app.updater.start_polling(timeout=5)  # back: healthy at its next answer
    await polled(bot, worker)
    assert (await check(bot, capsys))[0] == 0


async def test_an_outbox_that_does_not_drain_makes_the_bot_unhealthy(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, capsys: pytest.CaptureFixture[str]
) -> None:
    gate = bot.api.hold(head.id)  # Telegram takes the head's messages and never answers
    bot.api.processed = bot.tracking.handled  # each step handled; its notices not delivered
    await log_issue(worker)
    bot.clock.advance(11 * MINUTE)
    await polled(bot, worker)
    await bot.machinery.sweeper.sweep_once()  # (not bot.sweep(): it waits for the outbox)

    code, printed = await check(bot, capsys)
    lenient = await check(bot, capsys, outbox_within=15 * 60)

    assert code == 1
    first = printed.splitlines()[0]
    assert first.startswith("outbox: NOT OK: ") and "messages due and not sent" in first
    assert "(late after 10 min): the sender is stuck or cannot keep up" in first
    assert "updates: ok" in printed and "sweep: ok" in printed
    assert lenient[0] == 0  # --outbox-within 900

    gate.set()
    bot.api.processed = bot.tracking.finished
    await bot.drain()
    assert (await check(bot, capsys))[0] == 0


async def test_a_sweep_that_is_late_makes_the_bot_unhealthy(
    bot: Harness, worker: EmulatedUser, capsys: pytest.CaptureFixture[str]
) -> None:
    await bot.sweep()  # every 60 s (SWEEP_INTERVAL_SECONDS): late after 3 minutes
    bot.clock.advance(4 * MINUTE)
    await polled(bot, worker)

    code, printed = await check(bot, capsys)

    assert code == 1
    assert printed.splitlines()[0] == (
        "sweep: NOT OK: the last sweep ended 4 min ago, at 2026-11-25 01:00:00 UTC"
        " (late after 3 min)"
    )


async def test_a_bot_that_never_swept_nor_polled_is_unhealthy_saying_so(
    bot: Harness, capsys: pytest.CaptureFixture[str], tmp_path: Path, clock: FakeClock
) -> None:
    # A database of this release that no bot has run on yet (the check right after a start).
    code, printed = await check(bot, capsys)

    assert code == 1
    assert "sweep: NOT OK: no sweep recorded yet" in printed


@pytest.mark.sqlite_only  # SQLite's file
async def test_a_check_without_a_database_says_it_cannot_open_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'none' / 'duban.sqlite3'}")

    code = await asyncio.to_thread(entry.check_health, timedelta(minutes=10))

    assert code == 1
    assert capsys.readouterr().out == (
        f"bot.py check: database {tmp_path / 'none' / 'duban.sqlite3'}: cannot be opened:"
        " no database file there (the bot makes it)\n"
    )
    assert not (tmp_path / "none").exists()  # nothing made


def test_a_heartbeat_is_late_after_twice_its_interval_and_a_minute() -> None:
    sweep = Heartbeat(Beat.SWEEP, START, timedelta(seconds=60))
    updates = Heartbeat(Beat.UPDATES, START, timedelta(seconds=30))
    figures = Figures({Beat.SWEEP: sweep, Beat.UPDATES: updates}, Backlog(0, None))

    on_time = judge(figures, START + timedelta(seconds=120))
    later = judge(figures, START + timedelta(seconds=121))

    assert healthy(on_time)
    assert [f.check for f in later if not f.ok] == ["updates"]
    assert not healthy(judge(figures, START + timedelta(seconds=181)))


def test_messages_due_a_moment_ago_are_a_backlog_not_a_fault() -> None:
    beats = {
        Beat.SWEEP: Heartbeat(Beat.SWEEP, START, timedelta(seconds=60)),
        Beat.UPDATES: Heartbeat(Beat.UPDATES, START, timedelta(seconds=30)),
    }
    waiting = Figures(beats, Backlog(1000, START - 9 * MINUTE))  # a wave of reminders

    findings = judge(waiting, START)

    assert healthy(findings)
    assert str(findings[1]) == "outbox: ok: 1000 messages due, the oldest 9 min ago"


def test_spans_read_as_a_person_would_say_them() -> None:
    assert [span(timedelta(seconds=s)) for s in (0, 119, 120, 3600, 3 * 3600 + 300, 50 * 3600)] == [
        "0 s",
        "119 s",
        "2 min",
        "1 h",
        "3 h 5 min",
        "2 d 2 h",
    ]


@pytest.mark.sqlite_only  # a process of its own, on a SQLite file
async def test_the_bot_process_is_healthy_by_bot_py_check_and_stops_within_its_deadline(
    api: BotApiEmulator, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "duban.sqlite3"
    env = bot_environment(
        BOT_TOKEN=api.token,
        BOT_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{database}",
        ORG_FILE=str(Path(__file__).parent / "data" / "org.toml"),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BOT), "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        worker = EmulatedUser(api, 1001, "王芳")
        await worker.send("/start")
        await worker.wait_for("欢迎", timeout=30)
        checked = await asyncio.create_subprocess_exec(
            sys.executable, str(BOT), "check", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(checked.communicate(), 30)

        loop = asyncio.get_running_loop()
        began = loop.time()
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
        took = loop.time() - began
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert checked.returncode == 0, out.decode()
    assert [line.split(":")[0:2] for line in out.decode().splitlines()] == [
        ["updates", " ok"],
        ["outbox", " ok"],
        ["sweep", " ok"],
    ]
    assert code == 0 and took < STOP_DEADLINE_SECONDS


async def test_bot_py_run_without_a_token_stops_with_a_line_and_starts_no_playground(
    tmp_path: Path,
) -> None:
    # A service's command (Dockerfile, deploy/duban.service): a token forgotten in its
    # environment must not start a playground in its place.
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BOT), "run", cwd=tmp_path, env=bot_environment(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 2
    assert out.decode().splitlines() == [
        "bot.py: BOT_TOKEN is not set: put it in the environment or in .env"
    ]
    assert not (tmp_path / "data").exists()


def test_by_webhook_telegram_delivering_is_the_updates_heartbeat() -> None:
    # getWebhookInfo's answer, looked at every 30 s (runtime/app.py `_webhook_heartbeat`).
    last_look = START
    failed_since = START + timedelta(seconds=10)
    failed_before = START - MINUTE

    assert webhook_delivering("https://duban.example/hook", 0, None, last_look)
    assert webhook_delivering("https://duban.example/hook", 3, None, last_look)  # a burst
    assert webhook_delivering("https://duban.example/hook", 3, failed_before, last_look)
    assert webhook_delivering("https://duban.example/hook", 0, failed_since, last_look)
    assert not webhook_delivering("https://duban.example/hook", 3, failed_since, last_look)
    assert not webhook_delivering("", 0, None, last_look)  # no webhook set: nothing comes
