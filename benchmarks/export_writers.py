"""A month's export at a million issues (issue 22 point 4), its seconds split into reading the
rows and writing the file (not part of the test suite):

    .venv/bin/python -m benchmarks.export_writers [--runs 3] [--csv] [--profile FILE.prof]
    .venv/bin/python -m benchmarks.export_writers --period 2025-11-25 2026-11-24 --whole-only

(The second: the benchmark's year, 3 million rows, built as the bot builds it, for the bytes a row
takes in the file: `BYTES_PER_ROW` in exports/workbook.py.)

The city: the benchmark's million issues (`python -m benchmarks --stages dataset` makes it) at
data/bench/duban.sqlite3, with its org.toml beside it; opening it migrates it. The export: 2026-10
unless --period says otherwise, a coordinator's (all departments, citizens' phones), in Chinese.

Each run measures three things:
- reading: the issue and timeline batches read as the export reads them, and kept;
- writing: those batches written into the file (rows built, cells written, the file saved);
- whole: `write_export` as the export's process runs it, reading and writing in turn.
Each in seconds of the clock and of CPU (this process's, all its threads): on a machine shared
with other work, the CPU seconds move less.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.dataset import END
from casework.ports import ExportEvent, ExportIssue
from casework.roles import Role
from casework.services import Deps, reports
from config.org import load_organisation
from exports.workbook import CsvExport, Tables, XlsxExport, write_export
from rendering.i18n import texts
from storage.sqlite.store import SqliteStore
from tests.harness import FakeClock

ROOT = Path(__file__).parent.parent
MONTH = "2026-10"


async def _read(
    deps: Deps, actor: Any, report: reports.Report
) -> tuple[list[list[ExportIssue]], list[list[ExportEvent]]]:
    issues = [batch async for batch in reports.issue_rows(deps, actor, report.period)]
    events = [batch async for batch in reports.event_rows(deps, actor, report.period)]
    return issues, events


def _write(
    tables: Tables,
    report: reports.Report,
    as_csv: bool,
    issues: list[list[ExportIssue]],
    events: list[list[ExportEvent]],
) -> None:
    file = CsvExport(tables) if as_csv else XlsxExport(tables)
    for issue_batch in issues:
        file.add_issues(issue_batch)
    for event_batch in events:
        file.add_events(event_batch)
    file.add_metrics(report.departments)
    file.add_people(report.workload)
    with tempfile.TemporaryFile() as spool:
        file.save(spool)


async def measure(
    database: Path,
    org_file: Path,
    period: list[str],
    runs: int,
    as_csv: bool,
    profile: Path | None,
    whole_only: bool,
) -> dict[str, Any]:
    store = await SqliteStore.open(database)
    try:
        deps = Deps(store=store, org=load_organisation(org_file), clock=FakeClock(END),
                    zone=ZoneInfo("Asia/Shanghai"))  # fmt: skip
        async with store.transaction() as tx:
            coordinator = (await tx.staff.with_roles([Role.COORDINATOR]))[0]
        t = texts("zh")
        report = await reports.stats(deps, coordinator, reports.choose_period(deps, period))
        tables = Tables(t, deps.org, deps.zone, with_phones=True, now=report.at)
        read_s, write_s, whole_s = [], [], []
        cpu: dict[str, list[float]] = {"read": [], "write": [], "whole": []}
        rows = size = 0
        for _ in range(runs):
            if not whole_only:  # (a year's rows, held, would take gigabytes)
                started, used = time.perf_counter(), time.process_time()
                issues, events = await _read(deps, coordinator, report)
                read_s.append(time.perf_counter() - started)
                cpu["read"].append(time.process_time() - used)
                started, used = time.perf_counter(), time.process_time()
                _write(tables, report, as_csv, issues, events)
                write_s.append(time.perf_counter() - started)
                cpu["write"].append(time.process_time() - used)
                del issues, events
                print(
                    f"read {read_s[-1]:.2f} s (CPU {cpu['read'][-1]:.2f}),"
                    f" write {write_s[-1]:.2f} s (CPU {cpu['write'][-1]:.2f})",
                    end=", ",
                )
            started, used = time.perf_counter(), time.process_time()
            with tempfile.TemporaryFile() as spool:
                rows = await write_export(deps, coordinator, report, t, as_csv, spool)
                size = spool.tell()
            whole_s.append(time.perf_counter() - started)
            cpu["whole"].append(time.process_time() - used)
            print(f"whole {whole_s[-1]:.2f} s (CPU {cpu['whole'][-1]:.2f})")
        if profile is not None:  # the writing part alone, under cProfile
            issues, events = await _read(deps, coordinator, report)
            profiler = cProfile.Profile()
            profiler.runcall(_write, tables, report, as_csv, issues, events)
            profiler.dump_stats(profile)
    finally:
        await store.close()
    return {
        "export": "csv" if as_csv else "xlsx",
        "period": " ".join(period),
        "rows": rows,
        "bytes": size,
        "bytes_per_row": round(size / rows, 1),
        "read_s": read_s,
        "write_s": write_s,
        "whole_s": whole_s,
        "cpu_s": {name: [round(s, 2) for s in seconds] for name, seconds in cpu.items()},
        **(
            {}
            if whole_only
            else {
                "median_read_s": round(statistics.median(read_s), 2),
                "median_write_s": round(statistics.median(write_s), 2),
            }
        ),
        "median_whole_s": round(statistics.median(whole_s), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, default=ROOT / "data/bench/duban.sqlite3")
    parser.add_argument("--org", type=Path, help="default: org.toml beside the database")
    parser.add_argument("--period", nargs="+", default=[MONTH], help="as /export takes it")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--whole-only", action="store_true", help="only the whole export, as the bot builds it"
    )
    parser.add_argument("--csv", action="store_true", help="the zipped CSV files instead")
    parser.add_argument("--profile", type=Path, help="cProfile's figures of one writing")
    parser.add_argument("--json", type=Path, help="write the figures there too")
    arguments = parser.parse_args()
    org_file = arguments.org or arguments.database.parent / "org.toml"
    figures = asyncio.run(
        measure(
            arguments.database,
            org_file,
            arguments.period,
            arguments.runs,
            arguments.csv,
            arguments.profile,
            arguments.whole_only,
        )
    )
    print(json.dumps(figures, indent=2))
    if arguments.json is not None:
        arguments.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
