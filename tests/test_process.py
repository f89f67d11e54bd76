"""`python bot.py` as operators run it: as a separate process, against the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emulator import BotApiEmulator, EmulatedUser
from tests.harness import TEST_ORG

BOT = Path(__file__).parent.parent / "bot.py"
SETTINGS = (
    "BOT_TOKEN",
    "BOT_API_BASE_URL",
    "DATABASE_URL",
    "DATABASE_PATH",
    "DATABASE_LOCK_WAIT_SECONDS",
    "ORG_FILE",
    "TIMEZONE",
    "DEFAULT_LANGUAGE",
    "SWEEP_INTERVAL_SECONDS",
    "LOG_LEVEL",
    "TELEGRAM_PROXY",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "WEBHOOK_PATH",
)


def bot_environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(settings)
    return env


async def run_to_end(tmp_path: Path, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BOT),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, (out + err).decode()


async def test_a_bad_setting_is_named_and_the_bot_exits(tmp_path: Path) -> None:
    # (With no token at all, the playground starts instead: tests/test_playground.py.)
    env = bot_environment(BOT_TOKEN="1:x", TIMEZONE="Mars/Olympus")
    code, output = await run_to_end(tmp_path, env)

    assert code != 0
    assert output.strip().splitlines() == [
        "bot.py: TIMEZONE is invalid: unknown time zone 'Mars/Olympus' (try Asia/Shanghai)"
        " (got 'Mars/Olympus')"
    ]


async def test_a_broken_organisation_file_is_named_before_anything_starts(tmp_path: Path) -> None:
    org = tmp_path / "org.toml"
    org.write_text(
        TEST_ORG.read_text("utf-8").replace('respond_within = "2h"', 'respond_within = "2 hours"')
    )

    code, output = await run_to_end(tmp_path, bot_environment(BOT_TOKEN="1:x", ORG_FILE=str(org)))

    assert code == 2
    assert "Traceback" not in output
    assert '[[categories]] "streetlight" respond_within' in output


@pytest.fixture
async def running_bot(
    api: BotApiEmulator, tmp_path: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = bot_environment(
        BOT_TOKEN=api.token,
        BOT_API_BASE_URL=api.base_url,
        DATABASE_PATH=str(tmp_path / "data" / "duban.sqlite3"),
        ORG_FILE=str(TEST_ORG),
        LOG_LEVEL="DEBUG",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BOT),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    yield process
    if process.returncode is None:
        process.kill()
        await process.wait()


async def test_the_bot_process_answers_what_was_sent_while_it_was_down_and_stops_cleanly(
    api: BotApiEmulator, tmp_path: Path, running_bot: asyncio.subprocess.Process
) -> None:
    head = EmulatedUser(api, 2001, "建国")
    await head.send("/start")  # may arrive before the bot has even connected

    welcome = await head.wait_for("欢迎，陈建国", timeout=30)
    await head.send("/help")
    await head.wait_for("您可以：", timeout=10)

    running_bot.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(running_bot.wait(), 30)
    assert running_bot.stdout is not None
    log = (await running_bot.stdout.read()).decode()

    assert code == 0
    assert "/staff" in welcome.text
    assert (tmp_path / "data" / "duban.sqlite3").exists()
    assert "Traceback" not in log
    assert api.token not in log
    assert api.token.split(":")[1] not in log
    assert "stopped" in log


async def test_the_bot_process_stops_cleanly_on_ctrl_c(
    api: BotApiEmulator, running_bot: asyncio.subprocess.Process
) -> None:
    worker = EmulatedUser(api, 1001, "王芳")
    await worker.send("/start")
    await worker.wait_for("欢迎", timeout=30)

    running_bot.send_signal(signal.SIGINT)

    assert await asyncio.wait_for(running_bot.wait(), 30) == 0


async def test_a_database_from_a_newer_release_stops_the_bot_with_a_clear_line(
    api: BotApiEmulator, tmp_path: Path
) -> None:
    database = tmp_path / "duban.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
        )
        conn.execute("INSERT INTO schema_migrations VALUES (9999, 'future', 0)")

    code, output = await run_to_end(
        tmp_path,
        bot_environment(
            BOT_TOKEN=api.token,
            BOT_API_BASE_URL=api.base_url,
            DATABASE_PATH=str(database),
            ORG_FILE=str(TEST_ORG),
        ),
    )

    assert code == 2
    assert "Traceback" not in output
    assert "schema version 9999, newer than this code" in output


async def test_a_database_that_cannot_be_opened_stops_the_bot_with_a_clear_line(
    api: BotApiEmulator, tmp_path: Path
) -> None:
    database = tmp_path / "duban.sqlite3"
    database.write_bytes(b"not a database, whatever its name says" * 100)

    code, output = await run_to_end(
        tmp_path,
        bot_environment(
            BOT_TOKEN=api.token,
            BOT_API_BASE_URL=api.base_url,
            DATABASE_PATH=str(database),
            ORG_FILE=str(TEST_ORG),
        ),
    )

    assert code == 2
    assert "Traceback" not in output
    assert f"bot.py: database {database}: cannot be opened: file is not a database" in output


async def test_a_postgresql_server_out_of_reach_stops_the_bot_with_one_line_and_no_password(
    api: BotApiEmulator, tmp_path: Path
) -> None:
    code, output = await run_to_end(
        tmp_path,
        bot_environment(
            BOT_TOKEN=api.token,
            BOT_API_BASE_URL=api.base_url,
            DATABASE_URL="postgresql://duban:s3cret@127.0.0.1:1/duban",  # nothing listens there
            ORG_FILE=str(TEST_ORG),
        ),
    )

    assert code == 2
    assert "Traceback" not in output and "s3cret" not in output
    assert "bot.py: database postgresql://127.0.0.1/…: cannot be reached: " in output, output


async def test_a_database_url_this_release_cannot_open_stops_the_bot_with_one_line(
    tmp_path: Path,
) -> None:
    code, output = await run_to_end(
        tmp_path,
        bot_environment(BOT_TOKEN="1:x", DATABASE_URL="mysql://duban:s3cret@db/duban"),
    )

    assert code == 2
    assert output.strip().splitlines() == [
        "bot.py: DATABASE_URL is invalid: mysql:// is not a store this release can open"
        " (this release opens SQLite (a file path, or sqlite:///PATH) and PostgreSQL (postgresql://USER:PASSWORD@HOST/DATABASE))"
    ]
