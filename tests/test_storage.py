"""The SQLite store: pragmas, migrations, and what survives a restart."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from casework.people import NewStaff
from casework.ports import StoreWriteFailed
from casework.roles import Role
from storage import MigrationError, open_store
from storage.sqlite.database import connect
from storage.sqlite.schema import Migration, discover, migrate
from storage.sqlite.store import SqliteStore
from tests.harness import START

pytestmark = pytest.mark.sqlite_only  # SQLite's file, pragmas and tools


async def test_the_database_is_opened_in_wal_mode_with_foreign_keys_and_a_busy_timeout(
    tmp_path: Path,
) -> None:
    conn = await connect(tmp_path / "nested" / "folder" / "db.sqlite3")
    try:
        pragmas = {}
        for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous"):
            async with conn.execute(f"PRAGMA {name}") as cur:
                row = await cur.fetchone()
                assert row is not None
                pragmas[name] = row[0]
    finally:
        await conn.close()

    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 2,
    }


async def test_each_migration_is_applied_once_in_order_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    conn = await connect(path)
    await conn.close()

    async with aiosqlite.connect(path) as again:
        assert await migrate(again) == []  # nothing left to do on the second start
        async with again.execute("SELECT version, name FROM schema_migrations") as cur:
            recorded = [tuple(row) for row in await cur.fetchall()]

    assert recorded == [(m.version, m.name) for m in discover()]
    assert [v for v, _ in recorded] == sorted(v for v, _ in recorded)


async def test_the_stairway_every_migration_applies_on_top_of_the_one_before(
    tmp_path: Path,
) -> None:
    all_migrations = discover()
    async with aiosqlite.connect(tmp_path / "db.sqlite3", isolation_level=None) as conn:
        for i in range(len(all_migrations)):
            assert await migrate(conn, all_migrations[: i + 1]) == [all_migrations[i].version]
        async with conn.execute("PRAGMA foreign_key_check") as cur:
            assert await cur.fetchall() == []


async def test_a_failing_migration_leaves_no_trace(tmp_path: Path) -> None:
    broken = Migration(
        version=9999,
        name="broken",
        sql="CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n",
    )
    async with aiosqlite.connect(tmp_path / "db.sqlite3", isolation_level=None) as conn:
        with pytest.raises(MigrationError, match="9999_broken: no such table"):
            await migrate(conn, [*discover(), broken])
        async with conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'") as cur:
            assert await cur.fetchall() == []
        async with conn.execute("SELECT max(version) FROM schema_migrations") as cur:
            row = await cur.fetchone()
            assert row is not None
            assert row[0] == discover()[-1].version


async def test_a_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    conn = await connect(path)
    await conn.close()
    async with aiosqlite.connect(path) as conn:
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9998, 'future', 0)"
        )
        await conn.commit()

    with pytest.raises(MigrationError, match="newer than this code"):
        await connect(path)


async def test_what_was_saved_is_there_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await SqliteStore.open(path)
    async with store.transaction() as tx:
        await tx.staff.add(NewStaff(77, "乙", Role.COORDINATOR, None), START)
    await store.close()

    reopened = await SqliteStore.open(path)
    async with reopened.transaction() as tx:
        person = await tx.staff.by_telegram_id(77)
    await reopened.close()

    assert person is not None
    assert person.role is Role.COORDINATOR


async def test_a_failed_transaction_saves_nothing(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "db.sqlite3")

    async def add_two() -> None:
        async with store.transaction() as tx:
            await tx.staff.add(NewStaff(78, "丙", Role.WORKER, None), START)
            await tx.staff.add(NewStaff(79, "丁", Role.HEAD, "no-such-department"), START)

    with pytest.raises(sqlite3.IntegrityError):
        await add_two()
    async with store.transaction() as tx:
        assert await tx.staff.by_telegram_id(78) is None
    await store.close()


async def test_a_transaction_that_only_reads_does_not_wait_for_the_write_lock(
    tmp_path: Path,
) -> None:
    """A step that only reads (a list, a card) opens no write transaction: a write lock held
    elsewhere does not hold it up (before issue 22 each waited for it, up to 5 s, then failed)."""
    path = tmp_path / "db.sqlite3"
    store = await SqliteStore.open(path)
    async with store.transaction() as tx:
        await tx.staff.add(NewStaff(80, "戊", Role.WORKER, None), START)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another connection holds the write lock
    try:
        async with asyncio.timeout(1):
            async with store.transaction() as tx:
                person = await tx.staff.by_telegram_id(80)
    finally:
        other.execute("ROLLBACK")
        other.close()
        await store.close()

    assert person is not None and person.name == "戊"


async def test_a_statement_that_would_write_outside_the_transaction_is_caught(
    tmp_path: Path, writes_outside_a_transaction: list[str]
) -> None:
    """Only INSERT, UPDATE, DELETE and REPLACE open the transaction (storage/sqlite/database.py):
    a write that starts otherwise is a bug, and is not let pass unnoticed: the transaction
    refuses it if it wrote nothing else, and the suite (tests/conftest.py) fails any test that
    makes one, however it hides."""
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    with_insert = (
        "WITH d(code) AS (SELECT 'x') INSERT INTO departments"
        " (code, name_zh, name_en, position) SELECT code, code, code, 9 FROM d"
    )
    try:
        with pytest.raises(RuntimeError, match="outside the transaction"):
            async with store._database.transaction() as conn:
                await conn.execute(with_insert)
        async with store._database.transaction() as conn:  # hidden by a write after it
            await conn.execute(with_insert.replace("'x'", "'y'"))
            await conn.execute("UPDATE departments SET position = 10 WHERE code = 'y'")
    finally:
        await store.close()

    assert [sql.split(" AS ")[0] for sql in writes_outside_a_transaction] == ["WITH d(code)"] * 2
    writes_outside_a_transaction.clear()  # seen: the test made them on purpose


async def test_the_timeline_cannot_be_rewritten(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "db.sqlite3")
    try:
        await conn.execute(
            "INSERT INTO staff (id, telegram_id, name, role, joined_at) VALUES (1, 1, 'a', 'worker', 0)"
        )
        await conn.execute(
            "INSERT INTO departments (code, name_zh, name_en, position) VALUES ('d', 'd', 'd', 0)"
        )
        await conn.execute(
            "INSERT INTO categories (code, name_zh, name_en, department, respond_within_s,"
            " resolve_within_s, urgent_respond_within_s, urgent_resolve_within_s, position)"
            " VALUES ('c', 'c', 'c', 'd', 1, 1, 1, 1, 0)"
        )
        await conn.execute(
            "INSERT INTO issues (id, number, status, description, category, department,"
            " reporter_id, urgent, source, created_at, updated_at, handed_at)"
            " VALUES (1, '2611-0001', 'pending', 'x', 'c', 'd', 1, 0, 'online', 0, 0, 0)"
        )
        await conn.execute(
            "INSERT INTO issue_events (issue_id, at, actor_id, kind) VALUES (1, 0, 1, 'submitted')"
        )
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await conn.execute("UPDATE issue_events SET kind = 'closed'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await conn.execute("DELETE FROM issue_events")
    finally:
        await conn.close()


async def test_a_read_only_store_reads_while_the_bot_holds_the_write_lock_and_cannot_write(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    store = await open_store(url)
    async with store.transaction() as tx:
        await tx.staff.add(NewStaff(899, "已提交", Role.WORKER, None), START)
    reader = await open_store(url, read_only=True)  # as the export's process opens it
    try:
        async with store.transaction() as tx:  # the bot's write transaction, still open
            await tx.staff.add(NewStaff(900, "未提交", Role.WORKER, None), START)
            async with asyncio.timeout(1):  # does not wait for the writer
                async with reader.transaction() as seen:
                    committed = await seen.staff.by_telegram_id(899)
                    uncommitted = await seen.staff.by_telegram_id(900)
        with pytest.raises(StoreWriteFailed, match="readonly"):
            async with reader.transaction() as seen:
                await seen.staff.add(NewStaff(901, "写不进", Role.WORKER, None), START)
    finally:
        await reader.close()
        await store.close()

    assert committed is not None and committed.name == "已提交"
    assert uncommitted is None


async def test_issues_logged_before_the_words_index_are_found_once_the_bot_opens_the_database(
    tmp_path: Path,
) -> None:
    from casework.lookup import read_lookup
    from casework.ports import LookupScope
    from tests.test_store_contract import ORG, an_issue

    path = tmp_path / "duban.sqlite3"
    store = await SqliteStore.open(path)
    async with store.transaction() as tx:
        await tx.organisation.sync(ORG)
        reporter = await tx.staff.add(NewStaff(501, "王芳", Role.WORKER, None), START)
        issue = await tx.issues.create(an_issue(reporter))
    await store.close()
    async with aiosqlite.connect(path) as conn:  # as migration 0022 finds an issue on record
        await conn.execute("DELETE FROM issue_words")
        await conn.execute("INSERT INTO issue_words_to_fill (issue_id) VALUES (?)", (issue.id,))
        await conn.commit()

    store = await SqliteStore.open(path)
    async with store.transaction() as tx:
        scope = LookupScope(reporter.id, everything=True, department=None, head=False)
        found = await tx.issues.find(read_lookup("路灯"), scope, 8, 0, 9)
    await store.close()
    async with (
        aiosqlite.connect(path) as conn,
        conn.execute("SELECT count(*) FROM issue_words_to_fill") as cur,
    ):
        left = await cur.fetchone()

    assert [i.id for i in found.issues] == [issue.id]
    assert left == (0,)
