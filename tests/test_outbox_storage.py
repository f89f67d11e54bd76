"""What the sender, the sweep and the export process rely on, in the SQLite store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casework.issues import Issue, Source, Status
from casework.outbox import OutboxItem, OutboxKind, Priority
from casework.people import NewStaff
from casework.ports import StoreWriteFailed
from casework.roles import Role
from casework.services import Deps
from casework.services.access import sync_organisation
from config.org import load_organisation
from storage.sqlite.store import SqliteStore
from tests.harness import START, TEST_ORG, FakeClock


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    deps = Deps(store, load_organisation(TEST_ORG), FakeClock(), ZoneInfo("Asia/Shanghai"))
    await sync_organisation(deps)
    async with store.transaction() as tx:
        for n in (1, 2):
            await tx.staff.add(NewStaff(100 + n, f"员工{n}", Role.MEMBER, "roads"), START)
        await tx.issues.create(
            Issue(
                id=0, number="2611-0001", status=Status.PENDING, description="路灯不亮",
                category="streetlight", department="roads", reporter_id=1, urgent=False,
                source=Source.HOTLINE, created_at=START, updated_at=START, handed_at=START,
                respond_by=START + timedelta(hours=2), resolve_by=None,
                photos=("third-looks-first", "b-second", "a-last"),
                assisting=frozenset({"water", "mediation"}),
            )
        )  # fmt: skip
    yield store
    await store.close()


def reminder(key: str, staff_id: int, priority: int = Priority.REMINDER) -> OutboxItem:
    return OutboxItem(
        key=key, kind=OutboxKind.REMINDER, chat_id=100 + staff_id, staff_id=staff_id, issue_id=1,
        priority=priority, created_at=START, due_at=START, payload={"phase": "0"},
    )  # fmt: skip


async def test_an_issue_comes_back_with_its_photos_in_order_and_its_assisting_departments(
    store: SqliteStore,
) -> None:
    async with store.transaction() as tx:
        issue = await tx.issues.get(1)
        version = await tx.issues.version_of(1)

    assert issue is not None
    assert issue.photos == ("third-looks-first", "b-second", "a-last")
    assert issue.assisting == {"water", "mediation"}
    assert version == issue.version
    async with store.transaction() as tx:
        assert await tx.issues.version_of(999) is None


async def test_what_is_due_leaves_out_what_the_sender_already_holds_most_urgent_first(
    store: SqliteStore,
) -> None:
    async with store.transaction() as tx:
        await tx.outbox.add_many([reminder("a", 1), reminder("b", 2)])
        await tx.outbox.add(reminder("urgent", 1, Priority.URGENT))
        everything = await tx.outbox.due(START, 10)
        held = {everything[0].id or 0}
        rest = await tx.outbox.due(START, 10, held)

    assert [i.key for i in everything] == ["urgent", "a", "b"]
    assert [i.key for i in rest] == ["a", "b"]
    assert rest[0].payload == {"phase": "0"}


async def test_a_newer_reminder_replaces_only_the_same_persons_older_one(
    store: SqliteStore,
) -> None:
    async with store.transaction() as tx:
        await tx.outbox.add_many([reminder("old-1", 1), reminder("old-2", 2)])
        replaced = await tx.outbox.supersede_reminders([(1, 1)], START)
        waiting = await tx.outbox.due(START, 10)

    assert replaced == 1
    assert [i.key for i in waiting] == ["old-2"]


async def test_a_read_only_store_reads_while_the_bot_holds_the_write_lock_and_cannot_write(
    store: SqliteStore, tmp_path: Path
) -> None:
    reader = await SqliteStore.open_read_only(tmp_path / "db.sqlite3")
    try:
        async with store.transaction() as tx:  # the bot's write transaction, still open
            await tx.staff.add(NewStaff(900, "未提交", Role.WORKER, None), START)
            async with asyncio.timeout(1):  # does not wait for the writer
                async with reader.transaction() as seen:
                    issue = await seen.issues.get(1)
                    uncommitted = await seen.staff.by_telegram_id(900)
        with pytest.raises(StoreWriteFailed, match="readonly"):
            async with reader.transaction() as seen:
                await seen.staff.add(NewStaff(901, "写不进", Role.WORKER, None), START)
    finally:
        await reader.close()

    assert issue is not None and issue.number == "2611-0001"
    assert uncommitted is None
