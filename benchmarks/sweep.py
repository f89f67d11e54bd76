"""The reminder sweep against a database of N open issues, of which a fixed number are due: on
SQLite, or (given a server, `--engine postgresql`) on PostgreSQL, the same issues copied over."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks import to_postgres
from benchmarks.dataset import END, _schema_and_roster, org_toml
from benchmarks.engines import Database, Server, open_measured
from casework.services import Deps, reminders
from config.org import load_organisation
from tests.harness import FakeClock


def open_issues(workdir: Path, count: int, due: int, now: datetime = END) -> tuple[Path, Path]:
    """A database with `count` pending issues; `due` of them have a reminder due at `now`."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "duban.sqlite3"
    for leftover in workdir.glob("duban.sqlite3*"):
        leftover.unlink()
    org_file = workdir / "org.toml"
    org_toml(org_file)
    asyncio.run(_schema_and_roster(database, org_file))
    at = int(now.timestamp())
    rows = []
    for n in range(1, count + 1):
        handed = at - 3600 if n <= due else at - 60  # the due ones are an hour into 2 hours
        department = f"d{n % 30:02d}"
        rows.append((
            n, f"2611-{n:06d}", "pending", "路灯不亮", f"c{n % 30:02d}", department, 1, 0,
            "hotline", handed, handed, handed, handed + 7200, handed + 3 * 86400, 1, handed,
            0, handed + 3600,
        ))  # fmt: skip
    with sqlite3.connect(database) as conn:
        conn.executemany(
            "INSERT INTO issues (id, number, status, description, category, department,"
            " reporter_id, urgent, source, created_at, updated_at, handed_at, respond_by,"
            " resolve_by, phase, phase_started_at, reminders_sent, next_reminder_at)"
            " VALUES (" + ", ".join("?" * 18) + ")",
            rows,
        )
        conn.execute("ANALYZE")
    return database, org_file


async def time_sweep(database: Database, org_file: Path) -> tuple[float, float, int]:
    """Seconds for a sweep with reminders due, then for one with nothing due; reminders queued."""
    store = await open_measured(database)
    deps = Deps(store=store, org=load_organisation(org_file), clock=FakeClock(END),
                zone=ZoneInfo("Asia/Shanghai"))  # fmt: skip
    started = time.perf_counter()
    queued = await reminders.sweep(deps)
    busy = time.perf_counter() - started
    deps.clock.advance(timedelta(seconds=30))  # type: ignore[attr-defined]
    started = time.perf_counter()
    await reminders.sweep(deps)
    idle = time.perf_counter() - started
    await store.close()
    return busy, idle, queued


def measure(
    workdir: Path,
    sizes: tuple[int, ...],
    dues: tuple[int, ...] = (10, 100),
    runs: int = 5,
    server: Server | None = None,
) -> dict[str, dict[str, float]]:
    """For each number of open issues and of due issues: the sweep's time, and an idle sweep's,
    the median of `runs` sweeps, each on a fresh copy of the same database (written to disk
    first: a commit's fsync must not also flush the copy). With a `server`, on PostgreSQL: the
    SQLite database copied into a database there once, and each run on a copy of that one."""
    figures = {}
    for size in sizes:
        for due in dues:
            built, org_file = open_issues(workdir / f"sweep{size}", size, due)
            fresh_copy = _copies(built) if server is None else _copies_on(server, built)
            busy, idle = [], []
            for _ in range(runs):
                database = fresh_copy()
                took, quiet, queued = asyncio.run(time_sweep(database, org_file))
                busy.append(took)
                idle.append(quiet)
            figures[f"{size} open, {due} due"] = {
                "open_issues": size,
                "due_issues": due,
                "reminders_queued": queued,
                "runs": runs,
                "sweep_ms": 1000 * statistics.median(busy),
                "sweep_min_ms": 1000 * min(busy),
                "sweep_max_ms": 1000 * max(busy),
                "idle_sweep_ms": 1000 * statistics.median(idle),
            }
    return figures


def _copies(database: Path) -> Callable[[], Path]:
    """`database` kept aside; each call puts a copy of it back in its place, on disk."""
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    master = database.with_name("master.sqlite3")
    shutil.copyfile(database, master)

    def fresh() -> Path:
        for leftover in database.parent.glob("duban.sqlite3*"):
            leftover.unlink()
        shutil.copyfile(master, database)
        os.sync()
        return database

    return fresh


def _copies_on(server: Server, database: Path) -> Callable[[], str]:
    """`database` copied into the server once (`to_postgres`); each call makes a database of
    the server a copy of that one (`CREATE DATABASE … TEMPLATE`), on disk."""
    to_postgres.copy(database, server.fresh("bench_sweep_master"))

    def fresh() -> str:
        url = server.fresh("bench_sweep", template="bench_sweep_master")
        server.checkpoint()
        return url

    return fresh
