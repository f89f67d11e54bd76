"""/find by words on PostgreSQL for a word common once and rare lately, and for one whose
matches the person may not see, beside one pass of the GIN index (issue 23 point 6; the city
of the dataset stage spreads every word evenly and shows each person what they may see):

    .venv/bin/python -m benchmarks.seasonal_words                  400,000 issues
    .venv/bin/python -m benchmarks.seasonal_words --issues 1000000 --recent 200000

On a throwaway PostgreSQL server (PostgreSQL's defaults, every commit on disk): `--issues`
issues of five everyday problems, and heating that does not work (暖气不热) in one issue of
sixteen but none among the last `--recent` (the winter's complaints, looked up in summer), and
one in forty a complaint about the head of roads (hidden from them, and from a group chat).
Each word is looked up by a coordinator (in their chat, and in the roads' group chat), the
head of roads and a worker, `--runs` times each, through `SqlIssues.find` as /find calls it: in
parts (`PostgresDialect.words_in_parts`), and in one pass of the index (none), medians and the
slowest in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from casework.lookup import read_lookup
from casework.people import NewStaff
from casework.ports import LookupScope
from casework.roles import Role
from config.org import load_organisation
from storage import open_store
from storage.postgres.statements import POSTGRESQL
from storage.repositories.words import words_of
from storage.statements import WordsParts
from tests.harness import START, TEST_ORG
from tests.postgres_server import Databases, throwaway_server

PROBLEMS = ["路灯不亮", "井盖丢失", "噪音扰民", "垃圾清运", "道路破损"]
SEASONAL = "暖气不热"
COMPLAINT = "工作人员态度差"  # about the head of roads: hidden from them, and in group chats
LOOKED_UP = ["暖气", "路灯", "噪音扰民", "态度"]
MOST = 97  # /find's FIND_MOST + 1


@contextmanager
def parts(in_parts: WordsParts | None) -> Iterator[None]:
    kept = POSTGRESQL.words_in_parts
    POSTGRESQL.words_in_parts = in_parts
    try:
        yield
    finally:
        POSTGRESQL.words_in_parts = kept


async def city(url: str, issues: int, recent: int) -> dict[str, LookupScope]:
    """The issues and their words, written by SQL in bulk; the people who look them up."""
    store = await open_store(url, wait_for_other_bot=0)
    try:
        async with store.transaction() as tx:
            await tx.organisation.sync(load_organisation(TEST_ORG))
            worker = await tx.staff.add(NewStaff(1, "王芳", Role.WORKER, None), START)
            head = await tx.staff.add(NewStaff(2, "建国", Role.HEAD, "roads"), START)
            coordinator = await tx.staff.add(NewStaff(3, "周敏", Role.COORDINATOR, None), START)
    finally:
        await store.close()
    texts = [*PROBLEMS, SEASONAL, COMPLAINT]
    words = [
        (n, department, reporter, POSTGRESQL.words(words_of(text, None, reporter, department)))
        for n, text in enumerate(texts)
        for department in ("roads", "water")
        for reporter in (worker.id, head.id)
    ]
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(
            "CREATE TEMP TABLE kinds (problem int, department text, reporter bigint,"
            " words tsvector)"
        )
        async with conn.cursor() as cursor:
            await cursor.executemany(
                "INSERT INTO kinds VALUES (%s, %s, %s, CAST(%s AS tsvector))", words
            )
        # Issue g: the seasonal problem in one of sixteen but the last `recent`; a complaint
        # about the head in one of forty; half each department's; one in fifty the worker's.
        await conn.execute(
            "CREATE TEMP TABLE made AS SELECT g AS id,"
            " CASE WHEN g <= %(old)s AND g %% 16 = 0 THEN %(seasonal)s"
            " WHEN g %% 40 = 3 THEN %(seasonal)s + 1 ELSE g * 7 %% 5 END AS problem,"
            " CASE WHEN g %% 2 = 0 THEN 'roads' ELSE 'water' END AS department,"
            " CASE WHEN g %% 50 = 0 THEN %(worker)s ELSE %(head)s END AS reporter"
            " FROM generate_series(1, %(issues)s) AS g",
            {"old": issues - recent, "seasonal": len(PROBLEMS), "worker": worker.id,
             "head": head.id, "issues": issues},
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO issues (id, number, status, description, category, department,"
            " reporter_id, urgent, source, created_at, updated_at, handed_at, issue_kind,"
            " subject_id)"
            " SELECT id, 'n' || id, 'pending', (CAST(%s AS text[]))[problem + 1], 'streetlight',"
            " department, reporter, 0, 'hotline', 0, 0, 0,"
            " CASE WHEN problem = %s THEN 'complaint' ELSE 'case' END,"
            " CASE WHEN problem = %s THEN %s END FROM made ORDER BY id",
            (texts, len(texts) - 1, len(texts) - 1, head.id),
        )
        await conn.execute(
            "INSERT INTO issue_words (rowid, words) SELECT made.id, kinds.words FROM made"
            " JOIN kinds USING (problem, department, reporter) ORDER BY made.id"
        )
        await conn.execute("VACUUM ANALYZE issues")
        await conn.execute("VACUUM ANALYZE issue_words")
    return {
        "coordinator": LookupScope.of(coordinator),
        "roads' group": LookupScope.of(coordinator, group="roads"),
        "head": LookupScope.of(head),
        "worker": LookupScope.of(worker),
    }


async def measure(
    url: str, scopes: dict[str, LookupScope], runs: int, in_parts: WordsParts | None
) -> dict[str, Any]:
    """For each word and person: how many were found, whether in parts (`in_parts`) and in one
    pass found the same ids in the same order, and the median and slowest of each way, in
    milliseconds."""
    store = await open_store(url, wait_for_other_bot=0)
    figures: dict[str, Any] = {}
    try:
        for typed in LOOKED_UP:
            for name, scope in scopes.items():
                found, times = [], []
                for way in (in_parts, None):
                    with parts(way):
                        taken = []
                        for _ in range(runs):
                            async with store.transaction() as tx:
                                started = time.perf_counter()
                                page = await tx.issues.find(
                                    read_lookup(typed), scope, MOST, 0, MOST
                                )
                                taken.append(1000 * (time.perf_counter() - started))
                    found.append(([issue.id for issue in page.issues], page.total))
                    times.append((statistics.median(taken), max(taken)))
                figures[f"{typed} / {name}"] = {
                    "found": found[0][1],
                    "same_either_way": found[0] == found[1],
                    "in_parts_p50_ms": times[0][0], "in_parts_max_ms": times[0][1],
                    "one_pass_p50_ms": times[1][0], "one_pass_max_ms": times[1][1],
                }  # fmt: skip
    finally:
        await store.close()
    return figures


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--issues", type=int, default=400_000)
    arguments.add_argument("--recent", type=int, default=100_000)
    arguments.add_argument("--runs", type=int, default=30)
    options = arguments.parse_args()
    with throwaway_server(durable=True) as server:
        url = Databases(server).fresh_now()
        started = time.perf_counter()
        scopes = asyncio.run(city(url, options.issues, options.recent))
        print(f"{options.issues:,} issues, the last {options.recent:,} without {SEASONAL},"
              f" made in {time.perf_counter() - started:.0f} s")  # fmt: skip
        figures = asyncio.run(measure(url, scopes, options.runs, POSTGRESQL.words_in_parts))
    print(f"{'word / who':22s} {'found':>5s}  in parts p50 / max   one pass p50 / max")
    for name, each in figures.items():
        print(
            f"{name:22s} {each['found']:5d}"
            f"  {each['in_parts_p50_ms']:6.1f} / {each['in_parts_max_ms']:6.1f} ms"
            f"  {each['one_pass_p50_ms']:6.1f} / {each['one_pass_max_ms']:6.1f} ms"
            + ("" if each["same_either_way"] else "  NOT THE SAME")
        )


if __name__ == "__main__":
    main()
