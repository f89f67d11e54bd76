"""The retention policy's part of a sweep, on a city whose issues all ended over two years ago
(the backlog of the first sweep after the upgrade: every batch full), and once it is drained.

    .venv/bin/python -m benchmarks.retention                       5,000 and 100,000 issues
    .venv/bin/python -m benchmarks.retention --issues 5000
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.dataset import END, generate
from casework.services import Deps, housekeeping
from config.org import load_organisation
from storage.sqlite.store import SqliteStore
from tests.harness import FakeClock

LATER = END + timedelta(days=731)  # every issue of the data set ended more than 730 days ago


async def _sweeps(database: Path, org_file: Path, busy: int, drain: bool) -> dict[str, float]:
    store = await SqliteStore.open(database)
    deps = Deps(store=store, org=load_organisation(org_file), clock=FakeClock(LATER),
                zone=ZoneInfo("Asia/Shanghai"))  # fmt: skip
    try:
        times, redacted, retired, purged = [], 0, 0, 0
        for _ in range(busy):
            started = time.perf_counter()
            done = await housekeeping.apply_retention(deps)
            times.append(time.perf_counter() - started)
            redacted, retired = redacted + done.redacted, retired + done.cards_retired
            purged += done.messages
        figures = {
            "sweep_ms": statistics.median(times) * 1000,
            "sweep_max_ms": max(times) * 1000,
            "issues_redacted_per_sweep": redacted / busy,
            "cards_retired_per_sweep": retired / busy,
            "messages_purged_per_sweep": purged / busy,
        }
        if drain:
            while await housekeeping.apply_retention(deps):
                pass
            idle = []
            for _ in range(5):
                started = time.perf_counter()
                await housekeeping.apply_retention(deps)
                idle.append(time.perf_counter() - started)
            figures["idle_sweep_ms"] = statistics.median(idle) * 1000
        return figures
    finally:
        await store.close()


def measure(workdir: Path, sizes: tuple[int, ...], busy: int = 5) -> dict[str, dict[str, float]]:
    """For each size: the median of `busy` sweeps with every batch full, and (for the smallest)
    a sweep with nothing left to do once the backlog is drained."""
    figures = {}
    for size in sizes:
        city = generate(workdir / f"retention{size}", size)
        copy = city.path.with_name("swept.sqlite3")
        for leftover in copy.parent.glob("swept.sqlite3*"):
            leftover.unlink()
        shutil.copy(city.path, copy)
        figures[f"{size} ended issues"] = asyncio.run(
            _sweeps(copy, city.org_file, busy, drain=size == min(sizes))
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, nargs="*", default=[5_000, 100_000])
    parser.add_argument("--workdir", type=Path, default=Path("data/benchmarks"))
    arguments = parser.parse_args()
    for name, values in measure(arguments.workdir, tuple(arguments.issues)).items():
        shown = ", ".join(f"{key} {value:.1f}" for key, value in values.items())
        print(f"{name}: {shown}")


if __name__ == "__main__":
    main()
