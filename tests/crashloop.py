"""The crash loop: `python bot.py` is killed with SIGKILL at random moments while people use it.

    python -m tests.crashloop --rounds 200        the long run (minutes); prints a report

The suite runs a short version (tests/test_crash.py). Each round starts the bot against the
fake Bot API, lets it work for a random moment while a head keeps writing notes on issues, then
kills it. After every kill the database must pass `PRAGMA integrity_check`. At the end the bot
runs until it has handled everything, and then:

- no update was applied twice (each note, sent once, is on the timeline at most once);
- every change that was saved has all its messages delivered;
- a message arrived twice only if it was in flight (marked attempted, not yet sent) at a kill.

- no update was lost: each note sent is on the timeline (an update is marked handled in the
  transaction of the change it causes: killed before that commit, it is handled again after
  the restart; after it, never again).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casework.intake import Step
from casework.issues import Source
from casework.services import Deps, intake
from casework.services.access import sync_organisation
from config.org import load_organisation
from emulator import BotApiEmulator, EmulatedUser
from storage.sqlite.store import SqliteStore
from tests.harness import TEST_ORG, FakeClock

BOT = Path(__file__).parent.parent / "bot.py"
KNOWN_CHATS = (1001, 2001, 2002, 2003, 3001, 9001, -1001)  # the roster, and the roads group
MESSAGE_KINDS = "('event', 'reminder', 'notice', 'digest', 'report')"


@dataclasses.dataclass
class Report:
    rounds: int
    notes_sent: int
    notes_recorded: int
    notes_applied_twice: int
    notes_lost: int
    messages_expected: int
    messages_received: int
    repeats: int
    could_repeat: int
    undelivered: int
    integrity_failures: int

    def __str__(self) -> str:
        return "\n".join(f"{f.name}: {getattr(self, f.name)}" for f in dataclasses.fields(self))


async def seed(database: Path, issues: int) -> list[str]:
    """Issues logged three hours ago: their cards and reminders are due. Their numbers."""
    org = load_organisation(TEST_ORG)
    store = await SqliteStore.open(database)
    clock = FakeClock(datetime.now(UTC) - timedelta(hours=3))  # the bot runs on real time
    deps = Deps(store=store, org=org, clock=clock, zone=ZoneInfo("Asia/Shanghai"))
    await sync_organisation(deps)
    async with store.transaction() as tx:
        worker = await tx.staff.by_telegram_id(1001)
    assert worker is not None
    numbers = []
    for n in range(issues):
        draft = (await intake.start(deps, worker, 1001, description=f"第{n}盏路灯不亮")).draft
        await intake.update(
            deps,
            worker,
            lambda d: dataclasses.replace(
                d,
                step=Step.SUMMARY,
                category="streetlight",
                department="roads",
                source=Source.HOTLINE,
                urgent=False,
            ),
        )
        numbers.append((await intake.submit(deps, worker, draft.token)).issue.number)
    await store.close()
    return numbers


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database, timeout=30) as conn:
        return list(conn.execute(sql))


async def start(api: BotApiEmulator, workdir: Path, database: Path) -> asyncio.subprocess.Process:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_"))
    }
    env.update(
        BOT_TOKEN=api.token,
        BOT_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{database}",
        ORG_FILE=str(TEST_ORG),
        SWEEP_INTERVAL_SECONDS="0.2",
        TELEGRAM_RATE_LIMIT="false",
        LOG_LEVEL="WARNING",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, str(BOT), cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def eventually(database: Path, sql: str, timeout: float = 120.0) -> None:
    """Wait for the bot (another process) to reach a state only the database shows."""
    deadline = time.monotonic() + timeout
    while query(database, sql) != [(1,)]:
        if time.monotonic() > deadline:
            raise AssertionError(f"the bot did not get there in time: {sql}")
        await asyncio.sleep(0.05)


async def crash_loop(workdir: Path, rounds: int, seed_value: int = 20261125) -> Report:
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    database = workdir / "duban.sqlite3"
    api = BotApiEmulator()
    await api.start()
    try:
        return await _loop(api, workdir, database, rounds, random.Random(seed_value))
    finally:
        await api.stop()


async def _loop(
    api: BotApiEmulator, workdir: Path, database: Path, rounds: int, luck: random.Random
) -> Report:
    numbers = await seed(database, issues=20)
    api.known_chats.update(KNOWN_CHATS)
    head = EmulatedUser(api, 2001, "建国")
    notes_sent = 0
    # Each kill can repeat each message in flight at that moment once (a message in flight at
    # two kills can come three times): count them per kill.
    in_flight: Counter[int] = Counter()
    integrity_failures = 0

    async def traffic() -> None:
        nonlocal notes_sent
        while True:
            number = luck.choice(numbers)
            await head.send(f"/note {number} 第{notes_sent}条备注")
            notes_sent += 1
            await asyncio.sleep(luck.uniform(0.005, 0.03))  # people type at their own pace

    writer = asyncio.create_task(traffic())
    try:
        for _ in range(rounds):
            bot = await start(api, workdir, database)
            await asyncio.sleep(luck.uniform(0.3, 1.2))  # a random moment of its work
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            if query(database, "PRAGMA integrity_check") != [("ok",)]:
                integrity_failures += 1
            in_flight.update(
                row[0]
                for row in query(
                    database,
                    "SELECT id FROM outbox WHERE attempted_at IS NOT NULL AND sent_at IS NULL",
                )
            )
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer

    last_update = api.last_update_id
    bot = await start(api, workdir, database)
    try:
        # The head typed faster than one person's steps are taken (each its own commit on
        # disk): after many rounds the bot has thousands of them to catch up on.
        await eventually(
            database,
            f"SELECT max(update_id) >= {last_update} FROM processed_updates",
            timeout=max(120.0, 3.0 * rounds),
        )
        await eventually(
            database,
            f"SELECT count(*) = 0 FROM outbox WHERE kind IN {MESSAGE_KINDS}"
            " AND sent_at IS NULL AND failed_at IS NULL",
        )
    except BaseException:  # never left running on its own: it would keep the database busy
        bot.kill()
        await bot.wait()
        raise
    bot.send_signal(signal.SIGTERM)
    await asyncio.wait_for(bot.wait(), 60)
    if query(database, "PRAGMA integrity_check") != [("ok",)]:
        integrity_failures += 1

    notes = [
        text for (text,) in query(database, "SELECT text FROM issue_events WHERE kind = 'note'")
    ]
    sent_rows = query(
        database,
        f"SELECT id, chat_id FROM outbox WHERE kind IN {MESSAGE_KINDS} AND sent_at IS NOT NULL",
    )
    [(undelivered,)] = query(
        database,
        f"SELECT count(*) FROM outbox WHERE kind IN {MESSAGE_KINDS} AND failed_at IS NOT NULL"
        " AND last_error NOT LIKE 'superseded%' AND last_error != 'the issue moved on'",
    )
    # Replies to the head's /note commands come straight from the handlers, not the outbox.
    bot_messages = [m for m in api.sent if not (m.chat_id == head.id and "备注已记入" in m.text)]
    expected: Counter[int] = Counter(int(chat) for _, chat in sent_rows)
    received: Counter[int] = Counter(m.chat_id for m in bot_messages)
    return Report(
        rounds=rounds,
        notes_sent=notes_sent,
        notes_recorded=len(notes),
        notes_applied_twice=sum(n - 1 for n in Counter(notes).values() if n > 1),
        notes_lost=notes_sent - len(set(notes)),
        messages_expected=sum(expected.values()),
        messages_received=sum(received.values()),
        repeats=sum((received - expected).values()),
        could_repeat=sum(in_flight[row_id] for row_id, _ in sent_rows),
        undelivered=undelivered + sum((expected - received).values()),
        integrity_failures=integrity_failures,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--workdir", type=Path, default=Path("data/crashloop"))
    arguments = parser.parse_args()
    # The bot runs in a folder of its own: a relative path would name another database there.
    arguments.workdir = arguments.workdir.resolve()
    for leftover in arguments.workdir.glob("duban.sqlite3*"):
        leftover.unlink()
    report = asyncio.run(crash_loop(arguments.workdir, arguments.rounds, arguments.seed))
    print(report)
    healthy = (
        report.integrity_failures == 0
        and report.notes_applied_twice == 0
        and report.notes_lost == 0
        and report.undelivered == 0
        and report.repeats <= report.could_repeat
    )
    print("OK" if healthy else "PROBLEMS FOUND")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
