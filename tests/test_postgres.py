"""What only PostgreSQL has: one active bot per database by an advisory lock (a standby takes
over when the active one goes), its append-only triggers, and its errors said in one line.

The store's behaviour on both engines is in tests/test_store_contract.py, and the whole suite
runs on PostgreSQL too (TEST_DATABASE=postgresql, scripts/run-tests.sh).
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import psycopg
import pytest

from casework.people import NewStaff
from casework.roles import Role
from storage import DatabaseInUse, open_store
from storage.postgres import lease as pg_lease
from tests.harness import START
from tests.postgres_server import Databases

ACTIVE = r"^duban bot \(pid \d+\)$"  # the lock's session of the bot that holds it


async def backends_of(url: str, name: str) -> list[int]:
    """The server's processes of the sessions whose name matches the regular expression."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name ~ %s", (name,)
        )
        return [row[0] for row in await cursor.fetchall()]


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

        # The active bot's process dies: the server ends its session that holds the lock.
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            for pid in await backends_of(url, ACTIVE):
                await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
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
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            for pid in await backends_of(url, ACTIVE):  # the lock's session only
                await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        await asyncio.wait_for(lost.wait(), 5)
    finally:
        await store.close()


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
