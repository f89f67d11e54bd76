"""`python bot.py backup FILE` while the bot runs, and restoring from the copy."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

from storage.sqlite.backup import backup
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


def test_a_backup_finishes_while_the_database_is_being_written(tmp_path: Path) -> None:
    """Copied in small steps, an online backup starts over at every write: a busy bot could
    keep it from ever finishing."""
    source = tmp_path / "busy.sqlite3"
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE ballast (x BLOB)")
        conn.executemany("INSERT INTO ballast VALUES (?)", [(b"x" * 4000,)] * 5000)  # 20 MB
    finished = threading.Event()
    writes = 0

    def keep_writing() -> None:
        nonlocal writes
        with sqlite3.connect(source, timeout=30) as conn:
            deadline = time.monotonic() + 20
            while not finished.is_set() and time.monotonic() < deadline:
                conn.execute("INSERT INTO ballast VALUES (?)", (b"y",))
                conn.commit()
                writes += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        size = backup(source, tmp_path / "copy.sqlite3")
        still_writing = writer.is_alive() and not finished.is_set()
        written_meanwhile = writes
    finally:
        finished.set()
        writer.join()

    assert still_writing and written_meanwhile > 0  # done while writes went on, not after them
    assert size > 20_000_000
