"""`python bot.py backup FILE` while the bot runs, and restoring from the copy."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from emulator import BotApiEmulator, EmulatedUser
from storage import BackupError, backup_store, locate
from storage.sqlite.backup import backup
from tests.flows import log_issue
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot

pytestmark = pytest.mark.sqlite_only  # SQLite's file, pragmas and tools

BOT = Path(__file__).parent.parent / "bot.py"


async def run_backup(
    database: Path | str, target: Path, cwd: Path, setting: str = "DATABASE_URL"
) -> tuple[int, str]:
    """`python bot.py backup target`, with the database named by `setting`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BOT_TOKEN", "DATABASE_URL", "DATABASE_PATH")
    }
    env[setting] = str(database)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BOT), "backup", str(target), cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_a_backup_taken_while_the_bot_runs_restores_everything(
    bot: Harness, worker: EmulatedUser, tmp_path: Path, api: BotApiEmulator, clock: FakeClock
) -> None:
    number = await log_issue(worker)
    await worker.send(f"/note {number} 备份前的备注")
    copy = tmp_path / "backups" / "duban-2026-11-25.sqlite3"

    code, output = await run_backup(f"sqlite:///{bot.database}", copy, tmp_path)

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
    code, output = await run_backup(
        tmp_path / "none.sqlite3", tmp_path / "copy", tmp_path, setting="DATABASE_PATH"
    )

    assert code == 2
    assert "no database there" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("way", ["the same path", "a symbolic link", "a hard link", "its -wal"])
async def test_a_backup_onto_the_live_database_is_refused_and_loses_nothing(
    bot: Harness, worker: EmulatedUser, tmp_path: Path, way: str
) -> None:
    number = await log_issue(worker)
    database = bot.database
    target = {
        "the same path": lambda: database,
        "a symbolic link": lambda: _link(tmp_path / "link.sqlite3", database, os.symlink),
        "a hard link": lambda: _link(tmp_path / "hard.sqlite3", database, os.link),
        "its -wal": lambda: database.with_name(database.name + "-wal"),
    }[way]()

    code, output = await run_backup(database, target, tmp_path)

    assert code == 2, output
    assert "that is the database itself" in output
    await worker.send(f"/issue {number}")
    assert number in worker.last.text  # the bot still has it: nothing was overwritten
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def _link(link: Path, to: Path, make: Callable[[Path, Path], None]) -> Path:
    make(to, link)
    return link


async def test_the_database_its_folder_and_backups_are_for_the_bot_alone(
    bot: Harness, worker: EmulatedUser, tmp_path: Path
) -> None:
    await log_issue(worker)
    database = bot.database
    copy = tmp_path / "backups" / "nightly" / "duban.sqlite3"

    code, output = await run_backup(database, copy, tmp_path)

    assert code == 0, output
    assert _mode(database) == 0o600
    for journal in ("-wal", "-shm"):
        assert _mode(database.with_name(database.name + journal)) == 0o600
    assert _mode(copy) == 0o600
    assert _mode(copy.parent) == 0o700 and _mode(copy.parent.parent) == 0o700


async def test_a_new_database_folder_is_made_for_the_bot_alone(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> None:
    settings = settings_for(api, tmp_path, database_url=str(tmp_path / "data" / "duban.sqlite3"))
    harness = await start_bot(api, settings, clock)
    await stop_bot(harness)

    assert _mode(tmp_path / "data") == 0o700
    assert _mode(tmp_path / "data" / "duban.sqlite3") == 0o600


async def test_a_database_readable_by_others_from_before_is_made_the_bots_alone(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> None:
    settings = settings_for(api, tmp_path)
    harness = await start_bot(api, settings, clock)
    await stop_bot(harness)
    database = locate(settings.database_url).path
    for each in (database, database.with_name(database.name + "-wal")):
        each.touch()
        each.chmod(0o644)  # as SQLite made them before

    harness = await start_bot(api, settings, clock)
    try:
        assert _mode(database) == 0o600
        assert _mode(database.with_name(database.name + "-wal")) == 0o600
    finally:
        await stop_bot(harness)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


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


def test_a_backup_of_a_postgresql_database_is_refused_naming_pg_dump(tmp_path: Path) -> None:
    with pytest.raises(BackupError) as refusal:
        backup_store("postgresql://duban:s3cret@db.internal/duban", tmp_path / "copy")

    assert str(refusal.value) == (
        "bot.py backup copies SQLite databases only; postgresql://db.internal/… is PostgreSQL:"
        " back it up with pg_dump -Fc (a consistent copy while the bot runs), restore it with"
        ' pg_restore (README, "Backups")'
    )
    assert "s3cret" not in str(refusal.value)
    assert not (tmp_path / "copy").exists()
