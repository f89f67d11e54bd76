"""/find at scale (issue 19), in a process of its own:

    python -m benchmarks.lookups DATABASE ORG_FILE RESULT.json [RUNS]

Each lookup is the use case /find calls (`casework.services.views.look_up`: one transaction,
the person re-read, the page and its count read, each issue checked against the rules), timed
`RUNS` times for a coordinator, a department's head and a worker, on the generated data set
(benchmarks/dataset.py). The machine is shared: medians and the 99th percentile of many runs.
Also the query plan of each kind of lookup (EXPLAIN QUERY PLAN), to show it uses its index.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.dataset import CITIZENS_PER_ISSUE, PROBLEMS, citizen_phone
from casework.lookup import read_lookup
from casework.people import Staff
from casework.ports import LookupScope
from casework.roles import Role
from casework.services import Deps, views
from config.org import load_organisation
from storage.sqlite.issues import find_query
from storage.sqlite.store import SqliteStore
from tests.harness import FakeClock

RUNS = 200


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def queries(issues: int, number: str) -> dict[str, str]:
    """What is looked up: a citizen's phone on record, its last four digits, a number, and
    words of two and four characters (a category's problem: one department's, mostly)."""
    phone = citizen_phone(max(1, int(issues * CITIZENS_PER_ISSUE)) // 2)
    return {
        "phone": phone,
        "last_4_digits": phone[-4:],
        "number": number,
        "2_characters": PROBLEMS[0][:2],  # 路灯: department d00's
        "4_characters": PROBLEMS[1],  # 井盖丢失: department d01's
        "2_characters_everywhere": "附近",  # in every description
        "street_and_number": "幸福路8号",
    }


async def measure(database: Path, org_file: Path, runs: int) -> dict[str, Any]:
    issues = await asyncio.to_thread(_count, database)
    store = await SqliteStore.open(database)
    deps = Deps(store=store, org=load_organisation(org_file), clock=FakeClock(),
                zone=ZoneInfo("Asia/Shanghai"))  # fmt: skip
    async with store.transaction() as tx:
        coordinator = (await tx.staff.with_roles([Role.COORDINATOR]))[0]
        head = (await tx.staff.with_roles([Role.HEAD], "d00"))[0]
        stranger_head = (await tx.staff.with_roles([Role.HEAD], "d07"))[0]
        worker = (await tx.staff.with_roles([Role.WORKER]))[0]
        middle = await tx.issues.get(issues // 2)
    assert middle is not None
    people: dict[str, Staff] = {
        "coordinator": coordinator,
        "head_d00": head,
        "head_d07": stranger_head,
        "worker": worker,
    }
    results: dict[str, Any] = {"issues": issues, "runs": runs, "lookups": {}}
    for name, typed in queries(issues, middle.number).items():
        lookup = read_lookup(typed)
        for who, person in people.items():
            timings, found = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                page = await views.look_up(deps, person, lookup, 0)
                timings.append(time.perf_counter() - started)
                found = page.total
            results["lookups"][f"{name} / {who}"] = {
                "typed": typed,
                "found": found,
                "p50_ms": 1000 * statistics.median(timings),
                "p99_ms": 1000 * percentile(timings, 99),
                "max_ms": 1000 * max(timings),
            }
    await store.close()
    results["plans"] = await asyncio.to_thread(_plans, database, people, issues, middle.number)
    return results


def _count(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT max(id) FROM issues").fetchone()[0])


def _plans(database: Path, people: dict[str, Staff], issues: int, number: str) -> dict[str, Any]:
    """EXPLAIN QUERY PLAN of the ids each kind of lookup reads (the page takes them by id)."""
    plans: dict[str, Any] = {}
    with sqlite3.connect(database) as conn:
        for name, typed in queries(issues, number).items():
            lookup = read_lookup(typed)
            params: dict[str, object] = {"key": lookup.key}
            if lookup.kind.name == "NUMBER":
                sql = "SELECT id FROM issues WHERE number = :key"
            else:
                sql, params = find_query(lookup, LookupScope.of(people["head_d00"]))
            rows = conn.execute(f"EXPLAIN QUERY PLAN {sql} LIMIT 8", params).fetchall()
            plans[name] = [row[3] for row in rows]
    return plans


def table(results: dict[str, Any]) -> str:
    width = max(len(name) for name in results["lookups"])
    lines = [f"/find at {results['issues']:,} issues, {results['runs']} runs each (p99 < 50 ms)"]
    for name, v in results["lookups"].items():
        lines.append(
            f"  {name:<{width}}  p50 {v['p50_ms']:6.2f} ms  p99 {v['p99_ms']:6.2f} ms"
            f"  max {v['max_ms']:6.1f} ms  found {v['found']}"
        )
    for name, plan in results["plans"].items():
        lines.append(f"  plan of {name}: " + " | ".join(plan))
    return "\n".join(lines)


async def main(database: Path, org_file: Path, result: Path, runs: int) -> None:
    figures = await measure(database, org_file, runs)
    await asyncio.to_thread(result.write_text, json.dumps(figures, indent=2, ensure_ascii=False))
    print(table(figures))


if __name__ == "__main__":
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else RUNS
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), runs))
