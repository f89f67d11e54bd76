"""Kill the bot with SIGKILL while it delivers, start it again: nothing is lost, nothing doubled.

The bot is a separate process (`python bot.py`) against the fake Bot API. Its database is
seeded with issues whose cards and reminders are due; the process is killed at random moments
while it sends them and started again, several times. Afterwards every message has arrived.
A message can arrive twice only if the kill fell between Telegram accepting it and the bot
recording that (the outbox marks such a message as attempted first, so the test knows which
ones could); any other message arrives exactly once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casework.intake import Step
from casework.issues import Source
from casework.services import Deps, intake
from casework.services.access import sync_organisation
from config.org import load_organisation
from storage.sqlite.store import SqliteStore
from tests.fakebotapi import FakeBotApi
from tests.harness import TEST_ORG, FakeClock

BOT = Path(__file__).parent.parent / "bot.py"
ROSTER = (1001, 2001, 2002, 2003, 3001, 9001, -1001)  # people, and the roads group
MESSAGE_KINDS = ("event", "reminder", "notice", "digest")


async def seed(database: Path, issues: int) -> None:
    """Issues logged three hours ago: their cards and their reminders are all due now."""
    org = load_organisation(TEST_ORG)
    store = await SqliteStore.open(database)
    clock = FakeClock(datetime.now(UTC) - timedelta(hours=3))  # the bot process runs on real time
    deps = Deps(store=store, org=org, clock=clock, zone=ZoneInfo("Asia/Shanghai"))
    await sync_organisation(deps)
    async with store.transaction() as tx:
        worker = await tx.staff.by_telegram_id(1001)
    assert worker is not None
    for n in range(issues):
        draft, _ = await intake.start(deps, worker, 1001, description=f"第{n}盏路灯不亮")
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
        await intake.submit(deps, worker, draft.token)
    await store.close()


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as conn:
        return list(conn.execute(sql))


async def eventually(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Wait for another process to reach a state we can only observe, up to `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the bot did not get there in time"
        await asyncio.sleep(0.05)


async def start(api: FakeBotApi, tmp_path: Path, database: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env.update(
        BOT_TOKEN=api.token,
        BOT_API_BASE_URL=api.base_url,
        DATABASE_PATH=str(database),
        ORG_FILE=str(TEST_ORG),
        SWEEP_INTERVAL_SECONDS="0.2",
        TELEGRAM_RATE_LIMIT="false",
        LOG_LEVEL="WARNING",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, str(BOT), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def test_killed_mid_delivery_and_restarted_every_message_arrives_once(
    api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "duban.sqlite3"
    await seed(database, issues=40)
    api.known_chats.update(ROSTER)
    luck = random.Random(20261125)
    could_repeat: set[object] = set()

    for _ in range(5):
        bot = await start(api, tmp_path, database)
        await api.wait_until(lambda: len(api.sent) > 0, timeout=30)
        await asyncio.sleep(luck.uniform(0.05, 0.4))  # a random moment in the middle of sending
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        assert query(database, "PRAGMA integrity_check") == [("ok",)]
        could_repeat |= {
            row[0]
            for row in query(
                database,
                "SELECT id FROM outbox WHERE attempted_at IS NOT NULL AND sent_at IS NULL",
            )
        }

    bot = await start(api, tmp_path, database)
    kinds = ", ".join(f"'{k}'" for k in MESSAGE_KINDS)

    def all_delivered() -> bool:
        [(waiting,)] = query(
            database,
            f"SELECT count(*) FROM outbox WHERE kind IN ({kinds})"
            " AND sent_at IS NULL AND failed_at IS NULL",
        )
        return bool(waiting == 0)

    await eventually(all_delivered)
    bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.wait(), 30) == 0

    assert query(database, "PRAGMA integrity_check") == [("ok",)]
    sent_rows = query(
        database,
        f"SELECT id, chat_id FROM outbox WHERE kind IN ({kinds}) AND sent_at IS NOT NULL",
    )
    failed = query(
        database,
        f"SELECT last_error FROM outbox WHERE kind IN ({kinds}) AND failed_at IS NOT NULL",
    )
    assert all("superseded" in str(error) for (error,) in failed), failed
    expected: Counter[int] = Counter(int(chat) for _, chat in sent_rows)
    received: Counter[int] = Counter(m.chat_id for m in api.sent)
    repeats = sum((received - expected).values())
    assert not expected - received, "a message was recorded as sent but never arrived"
    may_repeat = sum(1 for row_id, _ in sent_rows if row_id in could_repeat)
    assert repeats <= may_repeat, (repeats, may_repeat)
    assert len(sent_rows) >= 40 * 3  # every card to the roads department at least
