"""The bot's database cannot be written (issue 14): a full disk, a database that cannot grow.

A message Telegram took but the database could not record is not sent again; the sender
pauses instead of trying again and again; the failure is logged once with its traceback and
then counted; the coordinators hear, straight from the bot, that it cannot save, and again
when it can.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from casework.ports import StoreWriteFailed
from emulator import BotApiEmulator, EmulatedUser
from storage.sqlite.store import SqliteStore
from tests.flows import log_issue, rows
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot

pytestmark = pytest.mark.sqlite_only  # SQLite's file, pragmas and tools

CANNOT_SAVE = "无法向数据库保存数据"
SAVES_AGAIN = "已恢复正常保存数据"
NEW_CARD = "贵单位有新工单"


class LogWatch(logging.Handler):
    """What the bot's own code logs, to wait for and to read."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self._changed.set()

    def lines(self) -> list[str]:
        return [r.getMessage() for r in self.records]

    async def wait_for(self, contains: str, timeout: float = 10.0) -> str:
        try:
            async with asyncio.timeout(timeout):
                while not any(contains in line for line in self.lines()):
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            last = self.lines()[-10:]
            raise AssertionError(f"nothing logged {contains!r}; the last lines: {last}") from None
        return next(line for line in self.lines() if contains in line)


@pytest.fixture
def bot_log() -> Iterator[LogWatch]:
    watch = LogWatch()
    loggers = [logging.getLogger(name) for name in ("handlers", "runtime")]  # the bot's own
    for logger in loggers:
        logger.addHandler(watch)
    yield watch
    for logger in loggers:
        logger.removeHandler(watch)


@pytest.fixture
def quick_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sender pauses 10-50 ms after a failure instead of 1-60 s, and saving counts as
    working again 0.2 s after a write goes through, not a minute: many rounds in a short test."""
    monkeypatch.setattr("runtime.sender.DATABASE_BACKOFF", (0.01, 0.05))
    monkeypatch.setattr("runtime.saving.SETTLE_SECONDS", 0.2)


def card_requests(bot: Harness, person: EmulatedUser, number: str) -> int:
    """How many times the bot asked Telegram to send the person the issue's new card."""
    return sum(
        1
        for c in bot.api.calls_to("sendMessage")
        if c.params.get("chat_id") == person.id and number in str(c.params.get("text"))
    )


async def on_the_bots_connection(bot: Harness, sql: str) -> None:
    """Run a statement on the bot's own connection (some PRAGMAs hold for one connection)."""
    store = bot.resources.deps.store
    assert isinstance(store, SqliteStore)
    async with store._database.transaction() as conn:
        await conn.execute_fetchall(sql)  # read to its end: a half-read one keeps a snapshot


async def fill_the_database(bot: Harness, number: str) -> Callable[[], Awaitable[None]]:
    """The database cannot grow (max_page_count at its size, on the bot's connection), and the
    page the next card goes on is full: as on a full disk, a small change to a row still fits,
    but recording a card does not. Returns what makes room again."""
    [(pages,)] = await rows(bot, "PRAGMA page_count")
    [(issue_id,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", number)
    await on_the_bots_connection(bot, f"PRAGMA max_page_count = {pages}")
    async with aiosqlite.connect(bot.database) as db:
        await db.execute(f"PRAGMA max_page_count = {pages}")
        await db.execute("PRAGMA synchronous = OFF")
        filler = 0
        while True:  # the smallest rows, in a chat nobody has: the next real card is bigger
            try:
                await db.execute(
                    "INSERT INTO cards (chat_id, message_id, issue_id) VALUES (-1, ?, ?)",
                    (filler, issue_id),
                )
                await db.commit()
            except sqlite3.OperationalError as exc:
                if "full" not in str(exc):
                    raise
                await db.rollback()
                break
            filler += 1

    async def make_room() -> None:
        await on_the_bots_connection(bot, "PRAGMA max_page_count = 1073741823")

    return make_room


async def a_full_disk_while_a_card_is_on_its_way(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    coordinator: EmulatedUser,
    bot_log: LogWatch,
    fill: Callable[[str], Awaitable[Callable[[], Awaitable[None]]]],
) -> None:
    """The card is handed to Telegram, the disk fills before its delivery is recorded, and room
    is made later: the head gets it once, the log has one traceback and a count, and the
    coordinator hears that the bot cannot save, then that it can. (The issue goes to a
    department whose head is its only member, so the card is the only message on its way.)"""
    await head.send("/start")
    await coordinator.send("/start")
    release = bot.api.hold(head.id)  # the head's new card is slow on the way
    bot.api.processed = bot.tracking.handled  # not what it queues for the head
    number = await log_issue(worker, department="供水服务中心")
    await bot.api.wait_until(lambda: card_requests(bot, head, number) == 1)

    make_room = await fill(number)
    release.set()  # Telegram takes the card; recording it fails
    await coordinator.wait_for(CANNOT_SAVE)
    bot.clock.advance(timedelta(seconds=61))
    count = await bot_log.wait_for("more times in the last 61 s")

    assert card_requests(bot, head, number) == 1
    assert sum(number in m.text for m in head.messages) == 1
    tracebacks = [r.getMessage() for r in bot_log.records if r.exc_info]
    assert tracebacks == ["outbox: recording a delivery failed"]
    assert count.startswith("outbox: recording a delivery failed")

    await make_room()
    await coordinator.wait_for(SAVES_AGAIN)
    await bot.drain()

    assert card_requests(bot, head, number) == 1
    assert sum(NEW_CARD in m.text for m in head.messages) == 1
    [(sent_at,)] = await rows(
        bot, "SELECT sent_at FROM outbox WHERE key LIKE 'ev:%' AND chat_id = ?", head.id
    )
    assert sent_at is not None
    assert await rows(bot, "SELECT count(*) FROM cards WHERE chat_id = ?", head.id) == [(1,)]
    assert sum(CANNOT_SAVE in m.text for m in coordinator.messages) == 1
    assert sum(SAVES_AGAIN in m.text for m in coordinator.messages) == 1
    assert any(
        line.startswith("outbox: recording a delivery works again") for line in bot_log.lines()
    )
    assert len([r for r in bot_log.records if r.exc_info]) == 1


async def test_a_database_that_cannot_grow_sends_a_card_once_and_tells_the_coordinators(
    bot: Harness,
    worker: EmulatedUser,
    water_head: EmulatedUser,
    coordinator: EmulatedUser,
    bot_log: LogWatch,
    quick_pauses: None,
) -> None:
    async def fill(number: str) -> Callable[[], Awaitable[None]]:
        return await fill_the_database(bot, number)

    await a_full_disk_while_a_card_is_on_its_way(
        bot, worker, water_head, coordinator, bot_log, fill
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system of its own (tmpfs), which the test can fill."""
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        pytest.skip("no mount command here to make a small file system")
    if mounted.returncode != 0:
        pytest.skip(
            "a small file system (tmpfs) cannot be mounted here; as root it can: "
            + mounted.stderr.strip()
        )
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


@pytest.fixture
async def bot_on_small_disk(
    api: BotApiEmulator, small_disk: Path, clock: FakeClock
) -> AsyncIterator[Harness]:
    harness = await start_bot(api, settings_for(api, small_disk), clock)
    yield harness
    await stop_bot(harness)


def fill_the_disk(disk: Path) -> Path:
    """Write a file until the file system has no room left, to the last byte."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 1 << 12, 1):
            block = b"\0" * size
            try:
                while True:
                    os.write(fd, block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    finally:
        os.close(fd)
    return filler


async def test_a_full_disk_sends_a_card_once_and_tells_the_coordinators(
    bot_on_small_disk: Harness, small_disk: Path, bot_log: LogWatch, quick_pauses: None
) -> None:
    bot = bot_on_small_disk
    worker, head, coordinator = (
        bot.user(1001, "王芳"),
        bot.user(3001, "赵丽"),
        bot.user(9001, "周敏"),
    )

    async def fill(number: str) -> Callable[[], Awaitable[None]]:
        filler = fill_the_disk(small_disk)

        async def make_room() -> None:
            filler.unlink()

        return make_room

    await a_full_disk_while_a_card_is_on_its_way(bot, worker, head, coordinator, bot_log, fill)


async def test_while_nothing_can_be_saved_each_step_gets_an_apology_and_the_log_stays_readable(
    bot_on_small_disk: Harness, small_disk: Path, bot_log: LogWatch, quick_pauses: None
) -> None:
    bot = bot_on_small_disk
    head, coordinator = bot.user(2001, "建国"), bot.user(9001, "周敏")
    await head.send("/start")
    await coordinator.send("/start")
    bot.expected_errors.append(StoreWriteFailed)
    filler = fill_the_disk(small_disk)

    for _ in range(3):
        await head.send("/new 中山路路灯不亮")  # a step that saves something
    bot.clock.advance(timedelta(seconds=61))
    await head.send("/new 中山路路灯不亮")
    await coordinator.wait_for(CANNOT_SAVE)

    assert sum("可能没有保存" in m.text for m in head.messages) == 4
    await head.send("/inbox")  # a step that only reads still answers
    assert "可能没有保存" not in head.last.text and "暂无" in head.last.text
    tracebacks = sorted(r.getMessage() for r in bot_log.records if r.exc_info)
    assert len(tracebacks) == 2
    assert tracebacks[0].startswith("handling an update failed (update ")
    assert tracebacks[1] == "keeping fetched updates failed"
    assert any(
        line.startswith("handling an update failed 3 more times in the last 61 s")
        for line in bot_log.lines()
    )

    filler.unlink()
    await head.send("/inbox")
    await coordinator.wait_for(SAVES_AGAIN)

    assert "可能没有保存" not in head.last.text
    assert any(line.startswith("handling an update works again") for line in bot_log.lines())
    assert sum(CANNOT_SAVE in m.text for m in coordinator.messages) == 1


async def test_a_delivery_that_cannot_be_recorded_for_its_own_reason_holds_up_no_one_else(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    bot_log: LogWatch,
    quick_pauses: None,
) -> None:
    for person in (head, member):
        await person.send("/start")
    # Not the disk: recording a card of the head's is refused, as a bug in one record would be.
    await on_the_bots_connection(
        bot,
        "CREATE TEMP TRIGGER broken BEFORE INSERT ON main.cards"
        f" WHEN NEW.chat_id = {head.id} BEGIN SELECT RAISE(ABORT, 'broken'); END",
    )
    bot.api.processed = bot.tracking.handled  # the head's deliveries stay unrecorded a while
    first = await log_issue(worker, "第一盏路灯不亮")
    await member.wait_for(first)
    second = await log_issue(worker, "第二盏路灯不亮")
    await member.wait_for(second)
    await head.wait_for(second)

    await on_the_bots_connection(bot, "DROP TRIGGER temp.broken")
    bot.machinery.sender.wake()
    await bot.drain()

    for number in (first, second):
        assert card_requests(bot, head, number) == 1
        assert card_requests(bot, member, number) == 1
    unsent = await rows(
        bot, "SELECT count(*) FROM outbox WHERE chat_id = ? AND sent_at IS NULL", head.id
    )
    assert unsent == [(0,)]
    assert [r.getMessage() for r in bot_log.records if r.exc_info] == [
        "outbox: recording a delivery failed"
    ]
    assert CANNOT_SAVE not in " ".join(m.text for m in bot.user(9001, "周敏").messages)
