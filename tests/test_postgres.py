"""What only PostgreSQL has: one active bot per database by an advisory lock (a standby takes
over when the active one goes), its append-only triggers, and its errors said in one line.

The store's behaviour on both engines is in tests/test_store_contract.py, and the whole suite
runs on PostgreSQL too (TEST_DATABASE=postgresql, scripts/run-tests.sh).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from casework.issues import IssueKind
from casework.lookup import read_lookup
from casework.people import NewStaff
from casework.ports import LookupScope, StoreUnreachable, StoreWriteFailed
from casework.roles import Role
from emulator import BotApiEmulator
from runtime.exits import LEASE_LOST
from storage import DatabaseInUse, open_store
from storage.postgres import lease as pg_lease
from storage.postgres.statements import POSTGRESQL
from storage.statements import WordsParts
from tests.harness import START, TEST_ORG
from tests.postgres_server import Databases
from tests.test_process import BOT, bot_environment
from tests.test_store_contract import ORG, an_issue, person

ACTIVE = r"^duban bot \(pid \d+\)$"  # the lock's session of the bot that holds it
WAITING = r"^duban bot \(pid \d+, waiting\)$"  # a waiting bot's


async def backends_of(url: str, name: str) -> list[int]:
    """The server's processes of the sessions whose name matches the regular expression."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name ~ %s"
            " AND datname = current_database()",
            (name,),
        )
        return [row[0] for row in await cursor.fetchall()]


async def end_sessions(url: str, name: str) -> list[int]:
    """End the sessions whose name matches, as the server does when their process dies (or
    as an administrator does); their processes' ids."""
    ended = await backends_of(url, name)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
        for pid in ended:
            await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    return ended


async def test_a_second_bot_on_the_database_is_refused_naming_the_one_running(
    postgres_databases: Databases,
) -> None:
    url = await postgres_databases.fresh()
    first = await open_store(url, wait_for_other_bot=0)
    try:
        with pytest.raises(DatabaseInUse, match=r"another bot \(duban bot \(pid \d+\) at "):
            await open_store(url, wait_for_other_bot=0.5)
    finally:
        await first.close()
    again = await open_store(url, wait_for_other_bot=0)  # let go at the close
    await again.close()


async def test_a_standby_takes_over_at_once_when_the_active_bots_session_dies(
    postgres_databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = asyncio.Event()
    try_lock = pg_lease._try

    async def tried(conn: psycopg.AsyncConnection[Any]) -> bool:
        taken = await try_lock(conn)
        if not taken:
            refused.set()
        return taken

    monkeypatch.setattr(pg_lease, "_try", tried)
    url = await postgres_databases.fresh()
    active = await open_store(url, wait_for_other_bot=0)
    standby = asyncio.create_task(open_store(url, wait_for_other_bot=math.inf))
    try:
        await asyncio.wait_for(refused.wait(), 5)  # the standby waits for the lock
        assert not standby.done()
        # The server ends the standby's waiting session (a restart): it waits on, anew.
        refused.clear()
        await end_sessions(url, WAITING)
        await asyncio.wait_for(refused.wait(), 5)
        assert not standby.done()

        # The active bot's process dies: the server ends its session that holds the lock.
        await end_sessions(url, ACTIVE)
        took_over = await asyncio.wait_for(standby, 5)
    finally:
        standby.cancel()
        await asyncio.gather(standby, return_exceptions=True)

    async with took_over.transaction() as tx:  # the database is the standby's now
        await tx.staff.add(NewStaff(7, "某人", Role.WORKER, None), START)
    await took_over.close()
    await active.close()


async def test_the_active_bot_stops_when_it_loses_its_lock(
    postgres_databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_lease, "CHECK_SECONDS", 0.1)
    url = await postgres_databases.fresh()
    store = await open_store(url, wait_for_other_bot=0)
    lost = asyncio.Event()
    store.on_lease_lost(lost.set)
    try:
        await end_sessions(url, ACTIVE)  # the lock's session only
        await asyncio.wait_for(lost.wait(), 5)
    finally:
        await store.close()


async def test_a_connection_the_server_ended_is_opened_again_and_only_the_use_under_it_fails(
    postgres_databases: Databases,
) -> None:
    url = await postgres_databases.fresh()
    store = await open_store(url, wait_for_other_bot=0)
    try:
        async with store.transaction() as tx:
            await tx.staff.add(NewStaff(7, "某人", Role.WORKER, None), START)
        ended = await end_sessions(url, "^duban$")  # the store's connections, not the lock's

        # Each connection is found broken when next used: that use fails as a failed save
        # (the step is tried again, as after any failure), and the next one has a new one.
        with pytest.raises(StoreWriteFailed, match="connection was lost"):
            async with store.transaction() as tx:
                await tx.staff.add(NewStaff(8, "某人", Role.WORKER, None), START)
        async with store.transaction() as tx:
            await tx.staff.add(NewStaff(9, "某人", Role.WORKER, None), START)
        for reads in (store.peek, store.reading):
            with pytest.raises(StoreWriteFailed, match="connection was lost"):
                async with reads() as seen:
                    await seen.staff.by_telegram_id(7)
            async with reads() as seen:
                found = [await seen.staff.by_telegram_id(n) for n in (7, 8, 9)]
            assert [p is not None for p in found] == [True, False, True]
    finally:
        await store.close()

    assert len(ended) == 3  # the writing, reading and glancing connections


async def test_the_writing_connection_is_not_opened_again_once_the_lock_is_gone(
    postgres_databases: Databases,
) -> None:
    url = await postgres_databases.fresh()
    store = await open_store(url, wait_for_other_bot=0)
    try:
        await end_sessions(url, "^duban")  # a restart: every session ends
        with pytest.raises(StoreWriteFailed, match="connection was lost"):
            async with store.transaction() as tx:
                await tx.staff.add(NewStaff(8, "某人", Role.WORKER, None), START)
        # Another bot may hold the lock by now: this one writes nothing more (and stops, as
        # its lease's watch tells it: test_the_active_bot_stops_when_it_loses_its_lock).
        with pytest.raises(StoreWriteFailed, match="no longer holds the database's lock"):
            async with store.transaction() as tx:
                await tx.staff.add(NewStaff(9, "某人", Role.WORKER, None), START)
    finally:
        await store.close()


async def test_once_the_lock_is_another_bots_nothing_more_is_saved_though_the_connection_works(
    postgres_databases: Databases,
) -> None:
    url = await postgres_databases.fresh()
    store = await open_store(url, wait_for_other_bot=0)
    try:
        await end_sessions(url, ACTIVE)  # the lock's session only
        # Before its watch notices (it looks every 3 s), a standby may hold the lock already:
        # a step this bot takes now saves nothing, nor marks a message to send.
        standby = await open_store(url, wait_for_other_bot=5)
        try:
            with pytest.raises(StoreUnreachable, match="no longer holds the database's lock"):
                async with store.transaction() as tx:
                    await tx.staff.add(NewStaff(8, "某人", Role.WORKER, None), START)
            async with standby.transaction() as tx:
                assert await tx.staff.by_telegram_id(8) is None
                await tx.staff.add(NewStaff(9, "某人", Role.WORKER, None), START)
        finally:
            await standby.close()
    finally:
        await store.close()


class Undone(Exception):
    """A transaction given up: the id it took is never used (a gap in the issues' ids)."""


async def test_find_by_words_lists_the_same_pages_and_total_whichever_parts_it_reads(
    postgres_databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The GIN index gives all of a word's matches at once, in no order: /find reads the newest
    # rows by their key first, then the index's matches below if few, else the rows below by
    # their key (PostgresDialect.words_in_parts). However small the parts, each page and the
    # total are those of one pass, for every kind of person, with gaps in the ids and
    # complaints each may not see.
    rnd = random.Random(7)
    store = await open_store(await postgres_databases.fresh(), wait_for_other_bot=0)
    try:
        async with store.transaction() as tx:
            await tx.organisation.sync(ORG)
            workers = [await person(tx, 401), await person(tx, 402)]
            head = await person(tx, 403, Role.HEAD, "roads")
            member = await person(tx, 404, Role.MEMBER, "water")
            coordinator = await person(tx, 405, Role.COORDINATOR)
        texts = ["路灯不亮", "井盖丢失", "路灯闪烁", "路面井盖丢失", "噪音扰民"]
        for n in range(1, 91):
            complaint = rnd.random() < 0.2
            issue = an_issue(
                rnd.choice(workers), f"2611-{n:04d}", description=rnd.choice(texts),
                department=rnd.choice(["roads", "water"]),
                kind=IssueKind.COMPLAINT if complaint else IssueKind.CASE,
                subject_id=rnd.choice([head.id, member.id]) if complaint else None,
                assisting=frozenset(rnd.sample(["water", "roads", "mediation"], rnd.randint(0, 2))),
            )  # fmt: skip
            with contextlib.suppress(Undone):
                async with store.transaction() as tx:
                    await tx.issues.create(issue)
                    if rnd.random() < 0.3:
                        raise Undone
        scopes = [LookupScope.of(workers[0]), LookupScope.of(head), LookupScope.of(member),
                  LookupScope.of(coordinator), LookupScope.of(head, group="roads"),
                  LookupScope.of(coordinator, group="water")]  # fmt: skip

        async def found(in_parts: WordsParts | None) -> dict[tuple[int, str, int], Any]:
            monkeypatch.setattr(POSTGRESQL, "words_in_parts", in_parts)
            lists = {}
            async with store.transaction() as tx:
                for n, scope in enumerate(scopes):
                    for typed in ("路灯", "井盖丢失", "噪音", "不存在"):
                        for most in (1, 4, 7, 200):
                            pages = [await tx.issues.find(read_lookup(typed), scope, 3, 0, most)]
                            while 3 * len(pages) < pages[0].total:  # the pages after it
                                pages.append(
                                    await tx.issues.find(
                                        read_lookup(typed), scope, 3, 3 * len(pages), most
                                    )
                                )
                            lists[n, typed, most] = (
                                [issue.id for page in pages for issue in page.issues],
                                {page.total for page in pages},
                            )
            return lists

        in_one_pass = await found(None)
        in_parts = {
            parts: await found(parts)
            for parts in [
                WordsParts(newest=1, then=1, few=0), WordsParts(newest=1, then=3, few=1000),
                WordsParts(newest=2, then=2, few=3), WordsParts(newest=5, then=4, few=1),
                WordsParts(newest=7, then=20, few=2), WordsParts(newest=3, then=100, few=0),
                WordsParts(newest=4096, then=65536, few=2000),
            ]
        }  # fmt: skip
    finally:
        await store.close()

    coordinators_lamps = in_one_pass[3, "路灯", 200][0]
    assert len(coordinators_lamps) > 20 and coordinators_lamps == sorted(coordinators_lamps)[::-1]
    assert in_one_pass[3, "路灯", 7] == (coordinators_lamps[:7], {7})
    assert [parts for parts, lists in in_parts.items() if lists != in_one_pass] == []


async def test_the_timeline_and_the_access_log_are_append_only(
    postgres_databases: Databases,
) -> None:
    url = await postgres_databases.fresh()
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(
            "INSERT INTO staff (telegram_id, name, role, joined_at) VALUES (1, 'a', 'worker', 0)"
        )
        await conn.execute("INSERT INTO access_log (at, action, target_id) VALUES (0, 'joined', 1)")
        for statement in ("DELETE FROM access_log", "UPDATE access_log SET at = 1"):
            with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
                await conn.execute(statement)
        [[count]] = await (await conn.execute("SELECT count(*) FROM access_log")).fetchall()
    assert count == 1


async def test_a_bot_that_loses_its_lock_stops_with_a_status_that_gets_it_restarted(
    api: BotApiEmulator, tmp_path: Path, postgres_databases: Databases
) -> None:
    url = await postgres_databases.fresh()
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BOT), cwd=tmp_path,
        env=bot_environment(
            BOT_TOKEN=api.token, BOT_API_BASE_URL=api.base_url, DATABASE_URL=url,
            ORG_FILE=str(TEST_ORG),
        ),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await api.wait_until(lambda: bool(api.calls_to("getUpdates")), 60)  # it runs
        await end_sessions(url, ACTIVE)  # its lock's session, ended
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == LEASE_LOST != 0  # systemd's Restart=on-failure restarts it
    assert "no longer the one bot on the database" in (out + err).decode()
