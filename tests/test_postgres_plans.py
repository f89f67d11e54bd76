"""Every query the bot runs on PostgreSQL can use an index on the tables that grow (issue 23,
point 1: "every hot query on an index").

A day's flows run on PostgreSQL (an issue logged, handed off, accepted, resolved, called back
and closed; /find by phone, by its last four digits and by words; the lists; the sweep's
reminders; the figures), every statement the repositories send is recorded, and each is
EXPLAINed with sequential scans disabled: a plan that still reads a growing table from end to
end has no index it could use. (SQLite's queries name their index, `INDEXED BY`, and fail
without it; PostgreSQL's planner chooses for itself, so this is its check.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from casework.lookup import read_lookup
from casework.ports import LookupScope
from emulator import BotApiEmulator
from storage import open_store
from storage.postgres.statements import POSTGRESQL, PgStatements, adapt, translate
from storage.repositories.issues import find_query, words_matched_query
from storage.statements import Params, Row
from tests.flows import answer, call_back, card_for, log_issue
from tests.harness import FakeClock, settings_for, start_bot, stop_bot
from tests.postgres_server import Databases
from tests.test_store_contract import ORG

# The tables that grow with the city's work (the others hold the organisation, a few dozen
# rows read whole, or the exports being built: one row per person exporting, taken whole at
# start-up).
GROWING = {
    "issues", "issue_events", "issue_photos", "issue_assists", "issue_followers",
    "issue_words", "outbox", "cards", "staff", "access_log", "invites", "drafts", "prompts",
    "processed_updates", "incoming_updates", "daily_figures", "monthly_figures",
    "redaction_requests", "deactivation_requests",
}  # fmt: skip


async def test_every_statement_of_a_days_flows_can_use_an_index_on_the_growing_tables(
    api: BotApiEmulator,
    tmp_path: Path,
    clock: FakeClock,
    postgres_databases: Databases,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: dict[str, Params] = {}
    fetch_all, execute, execute_many = (
        PgStatements.fetch_all,
        PgStatements.execute,
        PgStatements.execute_many,
    )

    async def fetched(self: PgStatements, sql: str, params: Params = ()) -> list[Row]:
        ran.setdefault(sql, params)
        return await fetch_all(self, sql, params)

    async def executed(self: PgStatements, sql: str, params: Params = ()) -> int:
        ran.setdefault(sql, params)
        return await execute(self, sql, params)

    async def executed_many(self: PgStatements, sql: str, rows: Iterable[Params]) -> int:
        batch = list(rows)
        if batch:
            ran.setdefault(sql, batch[0])
        return await execute_many(self, sql, batch)

    monkeypatch.setattr(PgStatements, "fetch_all", fetched)
    monkeypatch.setattr(PgStatements, "execute", executed)
    monkeypatch.setattr(PgStatements, "execute_many", executed_many)
    url = await postgres_databases.fresh()
    bot = await start_bot(api, settings_for(api, tmp_path, database_url=url), clock)
    try:
        worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
        await head.send("/start")
        number = await log_issue(worker)
        await log_issue(worker, description="井盖缺失", urgent=True)
        await head.press(card_for(head, number), "签收")
        await head.press(card_for(head, number), "办结")
        await answer(head, "已修好")
        await call_back(worker, card_for(worker, number))
        for command in ("/find 13812345678", "/find 5678", "/find 路灯", "/mine", "/stats"):
            await worker.send(command)
        await head.send("/inbox")
        clock.advance(timedelta(days=3))
        await bot.sweep()
        await bot.drain()
    finally:
        await stop_bot(bot)

    unindexed = {}
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        adapt(conn)  # parameters as the bot sends them
        await conn.execute("SET enable_seqscan = off")
        for sql, params in ran.items():
            if not re.match(r"\s*(SELECT|WITH|UPDATE|DELETE|INSERT)", sql, re.I):
                continue
            cursor = await conn.execute(f"EXPLAIN {translate(sql)}", _params(params))
            plan = "\n".join(row[0] for row in await cursor.fetchall())
            scanned = set(re.findall(r"Seq Scan on (\w+)", plan)) & GROWING
            if scanned:
                unindexed[" ".join(sql.split())[:160]] = sorted(scanned)

    assert len(ran) > 60, len(ran)  # the flows reached most of the repositories
    assert unindexed == {}


def _params(params: Params) -> Any:
    return params if isinstance(params, dict) else list(params)


@pytest.mark.parametrize(
    ("typed", "index"),
    [("2947", "issues_by_phone_tail"), ("13800002947", "issues_by_phone_digits")],
)
async def test_find_by_phone_reads_its_matches_newest_first_from_the_phones_index(
    postgres_databases: Databases, typed: str, index: str
) -> None:
    # Without the id in the phone's index, the planner's other way to the newest first, the
    # primary key read backwards with the phone as a filter, read a million issues for a
    # head's dozen matches at the benchmark's scale (BENCHMARKS.md). With sorting off, as the
    # planner does when it expects a page of a long list, only an index in id order serves.
    url = await postgres_databases.fresh()
    lookup = read_lookup(typed)
    head = LookupScope(staff_id=1, everything=False, department="roads", head=True)
    sql, params = find_query(lookup, head, POSTGRESQL)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        adapt(conn)
        await conn.execute("SET enable_seqscan = off; SET enable_sort = off")
        cursor = await conn.execute(
            f"EXPLAIN (COSTS OFF) {translate(sql)} LIMIT 50", params | {"most": 50}
        )
        plan = "\n".join(row[0] for row in await cursor.fetchall())

    assert f"Index Scan Backward using {index} on issues" in plan, plan


async def test_find_by_words_reads_the_newest_rows_by_their_key_and_the_rarer_matches_by_the_index(
    postgres_databases: Databases,
) -> None:
    # A common word's matches number tens of thousands at the benchmark's scale: all of them
    # from the GIN index, sorted, took 180 ms for a coordinator's /find (BENCHMARKS.md). Its
    # page is among the newest rows, read by their key, newest first; the index is asked for
    # the matches below them only (up to a few thousand, in no order), each issue read by its
    # key to check who may see it. 20,000 issues, their statistics taken, as the planner sees
    # a city's.
    url = await postgres_databases.fresh()
    lookup = read_lookup("井盖丢失")
    head = LookupScope(staff_id=1, everything=False, department="roads", head=True)
    parts = {
        "newest": find_query(lookup, head, POSTGRESQL, ceiling=20_000, window=4096),
        "matches below": words_matched_query(lookup, head, POSTGRESQL, 15_904, 2001),
        "below by the key": find_query(lookup, head, POSTGRESQL, ceiling=15_904, window=15_904),
    }
    words = "'井盖':1 '盖丢':2 '丢失':3", "'路灯':1 '灯不':2 '不亮':3"
    plans = {}
    store = await open_store(url, wait_for_other_bot=0)  # the organisation's departments
    async with store.transaction() as tx:
        await tx.organisation.sync(ORG)
    await store.close()
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        adapt(conn)
        await conn.execute(
            "INSERT INTO staff (id, telegram_id, name, role, joined_at)"
            " VALUES (1, 1, 'a', 'worker', 0)"
        )
        await conn.execute(
            "INSERT INTO issues (id, number, status, description, category, department,"
            " reporter_id, urgent, source, created_at, updated_at, handed_at)"
            " SELECT g, 'n' || g, 'pending', '路灯不亮', 'streetlight', 'roads', 1, 0, 'hotline',"
            " 0, 0, 0 FROM generate_series(1, 20000) g"
        )
        await conn.execute(
            "INSERT INTO issue_words (rowid, words) SELECT g, CAST(CASE WHEN g %% 50 = 0"
            " THEN %s ELSE %s END || ' dep726f616473x' AS tsvector)"
            " FROM generate_series(1, 20000) g",
            words,
        )
        await conn.execute("ANALYZE")
        for name, (sql, params) in parts.items():
            # The matches below: from the index, not the key's order (for all of them the
            # planner would read a table this small whole, a city's never).
            await conn.execute(f"SET enable_seqscan = {name != 'matches below'}")
            limited = sql if name == "matches below" else f"{sql} LIMIT :most"
            cursor = await conn.execute(
                f"EXPLAIN (COSTS OFF) {translate(limited)}", params | {"most": 50}
            )
            plans[name] = "\n".join(row[0] for row in await cursor.fetchall())

    for name in ("newest", "below by the key"):
        assert "Index Scan Backward using issue_words_pkey" in plans[name], plans[name]
        assert "issue_words_search" not in plans[name], plans[name]
    below = plans["matches below"]
    assert "Bitmap Index Scan on issue_words_search" in below, below
    assert "Nested Loop" in below and "Index Scan using issues_pkey on issues" in below, below
