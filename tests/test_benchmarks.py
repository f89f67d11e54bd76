"""The benchmark command's stages, run on a small city so they keep working between the long runs
(the real figures come from `python -m benchmarks`, not from here)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from benchmarks import at_scale, dashboard, retention, sweep
from benchmarks.__main__ import ROOT, dashboard_rows, full_flow, table
from benchmarks.dataset import generate

DEPARTMENT_PEOPLE = 33  # heads and members of each department in the benchmark's organisation


def test_a_small_city_is_generated_and_measured_stage_by_stage(tmp_path: Path) -> None:
    # Not a coroutine: each stage runs its own event loop, as the command does.
    city = generate(tmp_path / "city", 3000)
    with sqlite3.connect(city.path) as conn:
        issues, events = conn.execute(
            "SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM issue_events)"
        ).fetchone()

    swept = sweep.measure(tmp_path, (1000,), (10,), runs=1)["1000 open, 10 due"]
    reports = asyncio.run(at_scale.reports_at_scale(city.path, city.org_file))
    handlers = asyncio.run(at_scale.handler_latency(city.path, city.org_file, "2026-10"))
    shown = table(
        {
            "dataset": {"issues": city.issues, "events": city.events, "seconds": city.seconds,
                        "bytes_per_issue": city.path.stat().st_size / city.issues},
            "sweep": {"1000 open, 10 due": swept},
            "at_scale": {"handlers": handlers, "handlers_during_export": handlers,
                         "reports": reports, "peak_rss_mb": 1.0},
        }
    )  # fmt: skip

    assert (issues, events) == (3000, city.events) and events > issues
    # Ten issues due, each reminding its department's people; nothing due a moment later.
    assert swept["reminders_queued"] == 10 * DEPARTMENT_PEOPLE
    assert swept["idle_sweep_ms"] < swept["sweep_ms"]
    # A year's export holds more than a month's, and both formats hold the same rows.
    assert 0 < reports["export_month_rows"] < reports["export_year_rows"]
    assert reports["csv_year_rows"] == reports["export_year_rows"]
    assert handlers["updates"] > 100 and handlers["p50_ms"] <= handlers["p99_ms"]
    assert "3,000 issues" in shown and "p99 < 50 ms" in shown and "sweep, 1000 open" in shown


def test_the_retention_measure_drains_a_small_citys_backlog(tmp_path: Path) -> None:
    figures = retention.measure(tmp_path, (300,), busy=1)["300 ended issues"]

    # Every batch full on the first sweep (300 issues: 2 messages each), then nothing to do.
    assert figures["issues_redacted_per_sweep"] == figures["cards_retired_per_sweep"] == 100
    assert figures["messages_purged_per_sweep"] == 600
    assert figures["idle_sweep_ms"] < figures["sweep_ms"]


def test_the_flow_stage_plays_workers_and_heads_through_bot_py_and_the_echo_bot(
    tmp_path: Path,
) -> None:
    flow = asyncio.run(full_flow(tmp_path, 2, ROOT / "benchmarks" / "echo_bot.py"))

    # Each worker's issue: ten steps to log it, accept, resolve (a press and the text), and
    # confirm closed (a press and its confirmation).
    assert flow["round_trips"] == 2 * 15
    assert flow["updates_per_second"] > 0 and flow["echo_updates_per_second"] > 0
    # Every step tells the department's people: more calls a round trip than the echo bot's.
    assert flow["api_calls_per_round_trip"] > flow["echo_api_calls_per_round_trip"]


def test_the_dashboard_stage_asks_for_every_panel_as_a_coordinator_and_a_head(
    tmp_path: Path,
) -> None:
    city = generate(tmp_path / "city", 3000)

    asked = asyncio.run(dashboard.requests_timed(city.path, city.org_file, repeats=3))
    polled = asyncio.run(dashboard.handlers_while_polled(city.path, city.org_file, 2, 0))
    shown = "\n".join(
        " ".join(row)
        for row in dashboard_rows({"requests": asked, "handlers": polled,
                                   "handlers_while_polled_hard": polled})
    )  # fmt: skip

    timed = {k for k, v in asked.items() if isinstance(v, dict) and "p99_ms" in v}
    assert len(timed) == 18  # nine requests, by each of two people
    assert all(asked[k]["p50_ms"] <= asked[k]["p99_ms"] for k in timed)
    assert asked["map_points"]["shown"] <= asked["map_points"]["total"]
    assert polled["updates"] > 100 and polled["dashboard_requests"] > 0
    assert "p99 < 200 ms" in shown and "2 pages ask without a pause" in shown
