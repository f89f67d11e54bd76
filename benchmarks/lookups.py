"""The lookups at scale (issue 19 point 5), in a process of its own:

    python -m benchmarks.lookups DATABASE ORG_FILE RESULT.json [RUNS [INTAKE_ROUNDS]]

DATABASE: a SQLite file, or a PostgreSQL database's URL (`--engine postgresql`).

Each lookup is timed `RUNS` times through the use case that calls it, on the generated data set
(benchmarks/dataset.py):

- /find (`casework.services.views.look_up`: one transaction, the person re-read, the page and
  its count read, each issue checked against the rules), for a coordinator, a department's head
  and a worker;
- the citizen's history at intake (`casework.services.intake.history`, what the wizard shows
  once the phone is entered: one transaction, the person re-read, the citizen's issues read
  by `of_citizen`, each checked by `casework.intake.citizen_history`), for a worker and a
  coordinator: a phone with a few issues in the last 90 days, one with none, and one typed as
  `+86 133 1984 0399`;
- the issues nearby (`casework.services.intake.nearby`, what the wizard shows once the pin is
  given: the same, by `near` on the grid cells of migration 0025, each checked by
  `casework.intake.in_nearby`), for a pin at a hot spot of a category and one in the park (no
  issue), within the organisation file's radius and days (200 m and 7 days by default).

The machine is shared: medians and the 99th percentile of many runs, and the load average
while they ran. Also the query plan of each kind of lookup (SQLite's EXPLAIN QUERY PLAN,
PostgreSQL's EXPLAIN), to show it uses its index. Then, as the intake must not get slower for these lookups, the at-scale stage's
handler latency (`benchmarks.at_scale.handler_latency`) twice on the same city: as that stage
runs it (no pin, no citizen's phone), and with every worker giving a pin where open issues of
the category are and the phone of a citizen with earlier issues (both lists shown, "Log a new
issue" pressed at each).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks import at_scale
from benchmarks.dataset import (
    CITIZENS_PER_ISSUE,
    END,
    PARK,
    PROBLEMS,
    citizen_phone,
    hot_spot,
)
from benchmarks.engines import Database, dialect_of, fetch, from_argument, open_measured, plan_of
from casework.intake import (
    HISTORY_READ,
    HISTORY_WINDOW,
    Draft,
    Step,
    Typed,
    answered,
    check_phone,
    nearby_window,
    new_draft,
)
from casework.issues import Location
from casework.lookup import Lookup, read_lookup
from casework.nearby import distance_m
from casework.organisation import DuplicatePolicy
from casework.people import Staff
from casework.ports import LookupScope, Store
from casework.retention import phone_spellings
from casework.roles import Role
from casework.services import Deps, intake, views
from config.org import load_organisation
from storage.repositories.issues import (
    citizen_query,
    find_query,
    near_query,
    words_matched_query,
)
from tests.harness import FakeClock

RUNS = 200
INTAKE_ROUNDS = 3  # the intake timed without and with the lookups, one after the other
NEVER_CALLED = "19912345678"  # no generated citizen's phone begins with 199
NEARBY_CATEGORY = 1  # c01: the lookups' pins (the intake's workers log c00, at its hot spot)
INTAKE_CATEGORY = 0


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


async def measure(database: Database, org_file: Path, runs: int) -> dict[str, Any]:
    issues = await _count(database)
    store = await open_measured(database)
    try:
        return await _measure(database, store, org_file, runs, issues)
    finally:  # closed on a failure too: its thread would keep the process from ending
        await store.close()


async def _measure(
    database: Database, store: Store, org_file: Path, runs: int, issues: int
) -> dict[str, Any]:
    deps = Deps(store=store, org=load_organisation(org_file), clock=FakeClock(END),
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
    load = Load()
    results: dict[str, Any] = {"issues": issues, "runs": runs, "lookups": {}}
    async with load.sampled("find"):
        for name, typed in queries(issues, middle.number).items():
            lookup = read_lookup(typed)
            for who, person in people.items():
                figures = await timed(functools.partial(_find, deps, person, lookup), runs)
                results["lookups"][f"{name} / {who}"] = {"typed": typed, **figures}
    takers = {"worker": worker, "coordinator": coordinator}  # who takes a citizen's call
    phones = await history_phones(database, issues)
    results["history"] = {}
    async with load.sampled("history"):
        for name, typed in phones.items():
            draft = at_history(typed)
            for who, person in takers.items():
                figures = await timed(functools.partial(_history, deps, person, draft), runs)
                results["history"][f"{name} / {who}"] = {"typed": typed, **figures}
    policy = deps.org.duplicates
    results["nearby"] = {}
    async with load.sampled("nearby"):
        for name, pin in nearby_pins().items():
            draft = at_nearby(pin)
            for who, person in takers.items():
                figures = await timed(functools.partial(_nearby, deps, person, draft), runs)
                within = await _nearby_counts(database, pin, policy)
                results["nearby"][f"{name} / {who}"] = {
                    "pin": [pin.latitude, pin.longitude], **figures, **within,
                }  # fmt: skip
    async with load.sampled("wizard_steps"):
        results["wizard_steps"] = await wizard_steps(deps, worker, phones["a_few_issues"], runs)
    results["plans"] = await _plans(database, people, issues, middle.number)
    results["plans"] |= await _lookup_plans(database, phones, policy)
    results["load_average"] = load.figures
    return results


async def _find(deps: Deps, person: Staff, lookup: Lookup) -> int:
    return (await views.look_up(deps, person, lookup, 0)).total


async def _history(deps: Deps, person: Staff, draft: Draft) -> int:
    shown = await intake.history(deps, person, draft)
    return len(shown.issues) + shown.more


async def _nearby(deps: Deps, person: Staff, draft: Draft) -> int:
    return len(await intake.nearby(deps, person, draft))


async def timed(call: Callable[[], Awaitable[int]], runs: int) -> dict[str, Any]:
    """`call` timed `runs` times: what it found (the last time) and its p50, p99 and max."""
    timings, found = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        found = await call()
        timings.append(time.perf_counter() - started)
    return {
        "found": found,
        "p50_ms": 1000 * statistics.median(timings),
        "p99_ms": 1000 * percentile(timings, 99),
        "max_ms": 1000 * max(timings),
    }


async def wizard_steps(deps: Deps, worker: Staff, phone: str, runs: int) -> dict[str, Any]:
    """The use cases of the two /new steps that look up, as the wizard calls them, without and
    with the lookup: `intake.update` with the answer (one transaction: the draft changed, the
    lookup deciding whether its list is the next step, the draft written and committed), then,
    when the list is the next step, `intake.nearby` or `intake.history` to show it. The draft
    is put back before each run (not timed); the worker's draft is dropped at the end."""
    pin = dataclasses.replace(
        _draft(), step=Step.LOCATION, category=f"c{NEARBY_CATEGORY:02d}", asking_address=True
    )
    at_phone = dataclasses.replace(_draft(), step=Step.CITIZEN_PHONE, category="c00")
    cases: dict[str, tuple[Draft, str, Typed | None]] = {
        "location, Skip": (dataclasses.replace(pin, asking_address=False), "跳过", Typed.SKIP),
        "location, a pin at the dense spot": (
            dataclasses.replace(pin, location=hot_spot(NEARBY_CATEGORY)), "完成", Typed.DONE,
        ),
        "phone, Skip": (at_phone, "跳过", Typed.SKIP),
        "phone, a citizen with a few issues": (at_phone, phone, None),
    }  # fmt: skip
    figures: dict[str, Any] = {}
    for name, (before, text, button) in cases.items():
        updates, shows, steps = [], [], []
        for _ in range(runs):
            async with deps.store.transaction() as tx:
                await tx.drafts.put(worker.id, worker.telegram_id, before)
            started = time.perf_counter()
            after = await intake.update(
                deps, worker, functools.partial(_answered, text=text, button=button)
            )
            updated = time.perf_counter()
            if after.step is Step.NEARBY:
                await intake.nearby(deps, worker, after)
            elif after.step is Step.HISTORY:
                await intake.history(deps, worker, after)
            ended = time.perf_counter()
            updates.append(updated - started)
            shows.append(ended - updated)
            steps.append(ended - started)
        figures[name] = {
            "next_step": after.step.value,
            **{f"{part}_{p}_ms": 1000 * percentile(values, q)
               for part, values in (("update", updates), ("shown", shows), ("step", steps))
               for p, q in (("p50", 50), ("p99", 99))},
        }  # fmt: skip
    await intake.cancel(deps, worker)
    return figures


def _answered(draft: Draft, text: str, button: Typed | None) -> Draft:
    return answered(draft, text, button, END)


class Load:
    """The machine's 1-minute load average, sampled every few seconds while each part runs."""

    def __init__(self) -> None:
        self.figures: dict[str, dict[str, float]] = {}

    @contextlib.asynccontextmanager
    async def sampled(self, part: str) -> AsyncIterator[None]:
        samples = [os.getloadavg()[0]]

        async def sample() -> None:
            while True:
                await asyncio.sleep(5)
                samples.append(os.getloadavg()[0])

        sampler = asyncio.create_task(sample())
        try:
            yield
        finally:
            sampler.cancel()
            samples.append(os.getloadavg()[0])
            self.figures[part] = {
                "min": min(samples), "mean": statistics.fmean(samples), "max": max(samples),
            }  # fmt: skip


async def history_phones(database: Database, issues: int) -> dict[str, str]:
    """The phones whose history is looked up: the citizen with the most issues in the last 90
    days before the data set's "now" (a few: a citizen calls about three times in two years),
    a phone never on record, /find's phone typed as a person would, `+86 133 1984 0399` (at a
    million issues), and the first typed so too. (Issues logged without a phone, as the
    at-scale stage logs them, are no citizen's.)"""
    since = int((END - HISTORY_WINDOW).timestamp())
    [(few,)] = await fetch(
        database,
        "SELECT citizen_phone FROM issues WHERE citizen_phone IS NOT NULL AND created_at >= ?"
        " GROUP BY citizen_phone ORDER BY count(*) DESC, citizen_phone LIMIT 1",
        (since,),
    )
    phone = queries(issues, "")["phone"]
    return {
        "a_few_issues": few,
        "none": NEVER_CALLED,
        "typed_+86": _as_typed(phone),
        "a_few_issues_typed_+86": _as_typed(few),  # its spellings find the same issues
    }


def _as_typed(phone: str) -> str:
    return f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"


def nearby_pins() -> dict[str, Location]:
    """A pin at a hot spot of the category (benchmarks/dataset.py), and one in the park."""
    return {"dense_spot": hot_spot(NEARBY_CATEGORY), "empty_spot": PARK}


def _draft() -> Draft:
    return new_draft("bench0", END, "第1号：基准")


def at_history(typed: str) -> Draft:
    """A draft whose phone was just entered, as the wizard keeps it (`check_phone`)."""
    return dataclasses.replace(_draft(), step=Step.HISTORY, citizen_phone=check_phone(typed))


def at_nearby(pin: Location) -> Draft:
    """A draft whose pin was just given, of the lookups' category."""
    return dataclasses.replace(
        _draft(), step=Step.NEARBY, category=f"c{NEARBY_CATEGORY:02d}", location=pin
    )


def _since(policy: DuplicatePolicy) -> datetime:
    return END - nearby_window(policy)


async def _nearby_counts(
    database: Database, pin: Location, policy: DuplicatePolicy
) -> dict[str, int]:
    """What the nearby lookup reads and keeps: the issues of the category in the cells around
    the pin since the window began (the index's ranges, any status), those open, and those open
    within the radius (the use case shows the nearest few of them)."""
    sql, params = near_query(
        f"c{NEARBY_CATEGORY:02d}", pin, policy.radius_m, _since(policy), dialect_of(database)
    )
    rest = "issues " + sql.split(" FROM issues ", 1)[1]  # the columns hold FROMs of their own
    any_status = rest.split(" AND status IN ")[0]
    [(read,)] = await fetch(database, f"SELECT count(*) FROM {any_status}", params)
    pins = await fetch(database, f"SELECT latitude, longitude FROM {rest}", params)
    close = [at for at in pins if distance_m(pin, Location(*at)) <= policy.radius_m]
    return {
        "read_in_cells": int(read),
        "open_in_cells": len(pins),
        "open_within_radius": len(close),
    }


async def _count(database: Database) -> int:
    [(issues,)] = await fetch(database, "SELECT max(id) FROM issues")
    return int(issues)


async def _plans(
    database: Database, people: dict[str, Staff], issues: int, number: str
) -> dict[str, Any]:
    """The plan of the ids each kind of lookup reads (the page takes them by id)."""
    plans: dict[str, Any] = {}
    dialect = dialect_of(database)
    for name, typed in queries(issues, number).items():
        lookup = read_lookup(typed)
        params: dict[str, object] = {"key": lookup.key}
        if lookup.kind.name == "NUMBER":
            sql = "SELECT id FROM issues WHERE number = :key"
        elif lookup.kind.name == "WORDS" and (parts := dialect.words_in_parts) is not None:
            # Its parts (`SqlIssues.find`): the newest rows by their key (the next rows
            # likewise), the index's matches below them that may be seen, and the rows below
            # by their key.
            scope, below = LookupScope.of(people["head_d00"]), issues - parts.newest
            sql, params = find_query(lookup, scope, dialect, ceiling=issues, window=parts.newest)
            plans[f"{name}, newest {parts.newest}"] = await plan_of(
                database, f"{sql} LIMIT 8", params
            )
            sql, params = words_matched_query(lookup, scope, dialect, below, parts.few + 1)
            plans[f"{name}, matches below"] = await plan_of(database, sql, params)
            sql, params = find_query(lookup, scope, dialect, ceiling=below, window=below)
            name = f"{name}, below by the key"
        else:
            sql, params = find_query(lookup, LookupScope.of(people["head_d00"]), dialect)
        plans[name] = await plan_of(database, f"{sql} LIMIT 8", params)
    return plans


async def _lookup_plans(
    database: Database, phones: dict[str, str], policy: DuplicatePolicy
) -> dict[str, Any]:
    """The plans of what the citizen's history and the issues nearby read."""
    dialect = dialect_of(database)
    asked: dict[str, tuple[str, tuple[object, ...]]] = {
        f"history {name}": citizen_query(
            phone_spellings(check_phone(typed)), END - HISTORY_WINDOW, HISTORY_READ, dialect
        )
        for name, typed in phones.items()
    }
    for name, pin in nearby_pins().items():
        category = f"c{NEARBY_CATEGORY:02d}"
        asked[f"nearby {name}"] = near_query(
            category, pin, policy.radius_m, _since(policy), dialect
        )
    return {name: await plan_of(database, sql, params) for name, (sql, params) in asked.items()}


async def intake_latency(
    database: Database, org_file: Path, rounds: int = INTAKE_ROUNDS
) -> dict[str, Any]:
    """The at-scale stage's handler latency, `rounds` times each way, one after the other: as
    that stage runs it, and with both lookups in every worker's /new (a pin at the hot spot of
    the category they log, and the phone of a citizen who called in the last days)."""
    phones = await _recent_phones(database, len(at_scale.WORKERS))
    pin = hot_spot(INTAKE_CATEGORY)
    lookups = at_scale.IntakeLookups((pin.latitude, pin.longitude), tuple(phones))
    load = Load()
    figures: dict[str, Any] = {"without_lookups": [], "with_lookups": []}
    for n in range(rounds):
        async with load.sampled(f"without_lookups {n + 1}"):
            figures["without_lookups"].append(await at_scale.handler_latency(database, org_file))
        async with load.sampled(f"with_lookups {n + 1}"):
            figures["with_lookups"].append(
                await at_scale.handler_latency(database, org_file, lookups=lookups)
            )
    figures["load_average"] = load.figures
    return figures


async def _recent_phones(database: Database, count: int) -> list[str]:
    """The phones of the citizens of the newest issues: each has a history at intake."""
    rows = await fetch(
        database,
        "SELECT citizen_phone FROM issues WHERE citizen_phone IS NOT NULL ORDER BY id DESC LIMIT ?",
        (count * 4,),
    )
    return list(dict.fromkeys(phone for (phone,) in rows))[:count]


def _lines(title: str, found: dict[str, Any], also: str = "") -> list[str]:
    width = max(len(name) for name in found)
    lines = [title]
    for name, v in found.items():
        extra = f"  ({also.format(**v)})" if also else ""
        lines.append(
            f"  {name:<{width}}  p50 {v['p50_ms']:6.2f} ms  p99 {v['p99_ms']:6.2f} ms"
            f"  max {v['max_ms']:6.1f} ms  found {v['found']}{extra}"
        )
    return lines


def table(results: dict[str, Any]) -> str:
    runs = f"{results['issues']:,} issues, {results['runs']} runs each (p99 < 50 ms)"
    lines = _lines(f"/find at {runs}", results["lookups"])
    if "history" in results:
        lines += _lines(f"the citizen's history at intake, at {runs}", results["history"])
    if "nearby" in results:
        lines += _lines(
            f"the issues nearby at intake, at {runs}",
            results["nearby"],
            "{read_in_cells} read in the cells, {open_in_cells} open,"
            " {open_within_radius} open within the radius",
        )
    if "wizard_steps" in results:
        lines.append("/new's steps' use cases: update (+ the list shown), p50 / p99 in ms")
        for name, v in results["wizard_steps"].items():
            lines.append(
                f"  {name:<35} update {v['update_p50_ms']:5.2f} / {v['update_p99_ms']:6.2f}"
                f"  shown {v['shown_p50_ms']:5.2f} / {v['shown_p99_ms']:6.2f}"
                f"  the step {v['step_p50_ms']:5.2f} / {v['step_p99_ms']:6.2f}"
                f"  (next: {v['next_step']})"
            )
    for name, plan in results["plans"].items():
        lines.append(f"  plan of {name}: " + " | ".join(plan))
    for part, load in results.get("load_average", {}).items():
        lines.append(f"  load average during {part}: {load['min']:.2f} to {load['max']:.2f}")
    if busy := results.get("intake"):
        lines.append("/new and the other at-scale handlers, p50 / p99 / max (updates):")
        for way in ("without_lookups", "with_lookups"):
            for n, v in enumerate(busy[way]):
                steps = "".join(
                    f"; the {name} step {s['p50_ms']:.1f} / {s['p99_ms']:.1f} / {s['max_ms']:.0f}"
                    f" ms"
                    + (f" (its list shown {s['lists_shown']} times)" if "lists_shown" in s else "")
                    for name, s in v.get("steps", {}).items()
                )
                lines.append(
                    f"  {way.replace('_', ' ')} {n + 1}: {v['p50_ms']:.1f} / {v['p99_ms']:.1f}"
                    f" / {v['max_ms']:.0f} ms ({v['updates']}){steps}"
                )
        for part, load in busy["load_average"].items():
            lines.append(f"  load average during {part}: {load['min']:.2f} to {load['max']:.2f}")
    return "\n".join(lines)


async def main(
    database: Database, org_file: Path, result: Path, runs: int, intake_rounds: int = INTAKE_ROUNDS
) -> dict[str, Any]:
    logging.basicConfig(level=logging.ERROR)  # the generated cards exist on no fake server
    figures = await measure(database, org_file, runs)
    # After the lookups: the intake's workers log issues (at another category's hot spot).
    if intake_rounds:
        figures["intake"] = await intake_latency(database, org_file, intake_rounds)
    await asyncio.to_thread(result.write_text, json.dumps(figures, indent=2, ensure_ascii=False))
    print(table(figures))
    return figures


if __name__ == "__main__":
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else RUNS
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else INTAKE_ROUNDS
    asyncio.run(
        main(from_argument(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), runs, rounds)
    )
