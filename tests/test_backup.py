"""`python bot.py backup FILE` while the bot runs, and restoring from the copy."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

from tests.fakebotapi import FakeBotApi, FakeUser
from tests.flows import log_issue
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot

BOT = Path(__file__).parent.parent / "bot.py"


async def run_backup(database: Path, target: Path, cwd: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_PATH")}
    env["DATABASE_PATH"] = str(database)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BOT), "backup", str(target), cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_a_backup_taken_while_the_bot_runs_restores_everything(
    bot: Harness, worker: FakeUser, tmp_path: Path, api: FakeBotApi, clock: FakeClock
) -> None:
    number = await log_issue(worker)
    await worker.send(f"/note {number} 备份前的备注")
    copy = tmp_path / "backups" / "duban-2026-11-25.sqlite3"

    code, output = await run_backup(bot.settings.database_path, copy, tmp_path)

    assert code == 0, output
    assert "copied to" in output and "token" not in output.lower()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    # Restore: stop the bot, put the copy in place of the database, start again.
    await stop_bot(bot)
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    (restored_dir / "duban.sqlite3").write_bytes(copy.read_bytes())
    restored = await start_bot(api, settings_for(api, restored_dir), clock)
    try:
        await worker.send(f"/issue {number}")
        assert "备份前的备注" in worker.last.text
    finally:
        await stop_bot(restored)
        bot.app = (await start_bot(api, bot.settings, clock)).app  # for the fixture's teardown


async def test_a_backup_without_a_database_says_so(tmp_path: Path) -> None:
    code, output = await run_backup(tmp_path / "none.sqlite3", tmp_path / "copy", tmp_path)

    assert code == 2
    assert "no database there" in output
    assert "Traceback" not in output
