"""The benchmark command's stages, run on a small city so they keep working between the long runs
(the real figures come from `python -m benchmarks`, not from here)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest

from benchmarks import at_scale, dashboard, lookups, retention, seasonal_words, sweep
from benchmarks.__main__ import ROOT, dashboard_rows, full_flow, table
from benchmarks.dataset import EXTENT, PARK, PARK_RADIUS_M, generate, hot_spot
from benchmarks.engines import city_on, local_server
from casework.issues import Location
from casework.nearby import distance_m, geo_cell
from storage.statements import WordsParts
from tests.postgres_server import Databases, binaries

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


def test_the_generated_city_is_pinned_in_its_district_with_hot_spots_and_an_empty_park(
    tmp_path: Path,
) -> None:
    city = generate(tmp_path / "city", 3000)
    with sqlite3.connect(city.path) as conn:
        pins = conn.execute("SELECT latitude, longitude, geo_cell, category FROM issues").fetchall()
    south, west, north, east = EXTENT
    spot = hot_spot(1)

    assert len(pins) == 3000
    # Every issue has a pin, and the cell the bot would give it.
    assert all(cell == geo_cell(Location(lat, lon)) for lat, lon, cell, _ in pins)
    assert all(south - 0.01 < lat < north + 0.01 and west - 0.01 < lon < east + 0.01
               for lat, lon, _, _ in pins)  # fmt: skip
    assert not any(distance_m(PARK, Location(lat, lon)) <= PARK_RADIUS_M for lat, lon, _, _ in pins)
    # About 15 % of the category's issues (some 75 here) within 200 m of its hot spot.
    at_spot = [p for p in pins if p[3] == "c01" and distance_m(spot, Location(*p[:2])) <= 200]
    assert 5 < len(at_spot) < 25


def test_the_lookups_stage_times_find_the_citizens_history_the_issues_nearby_and_the_intake(
    tmp_path: Path,
) -> None:
    city = generate(tmp_path / "city", 3000)

    figures = asyncio.run(lookups.main(city.path, city.org_file, tmp_path / "lookups.json", 2, 1))

    history, nearby, plans = figures["history"], figures["nearby"], figures["plans"]
    assert len(figures["lookups"]) == 7 * 4  # /find: seven lookups, four people
    assert history["none / worker"]["found"] == history["none / coordinator"]["found"] == 0
    assert history["typed_+86 / worker"]["typed"].startswith("+86 ")
    # The citizen with a few issues, their phone typed as `+86 1xx xxxx xxxx`: the same found.
    few, typed = history["a_few_issues / worker"], history["a_few_issues_typed_+86 / worker"]
    assert typed["typed"].replace(" ", "") == "+86" + few["typed"]
    assert typed["found"] == few["found"] >= 2
    assert nearby["empty_spot / worker"]["found"] == 0  # the park
    assert nearby["empty_spot / worker"]["open_within_radius"] == 0
    assert all(v["p50_ms"] <= v["p99_ms"] for v in (*history.values(), *nearby.values()))
    assert all("issues_by_citizen_phone" in plans[f"history {n}"][0]
               for n in ("a_few_issues", "none", "typed_+86", "a_few_issues_typed_+86"))  # fmt: skip
    assert all("USING INDEX issues_nearby" in plans[f"nearby {n}"][0]
               for n in ("dense_spot", "empty_spot"))  # fmt: skip
    assert set(figures["load_average"]) == {"find", "history", "nearby", "wizard_steps"}
    # The wizard's steps: Skip goes past the lists, the phone on to the citizen's history (the
    # pin to the issues nearby at a million; in this small city none is open there).
    steps = {name: v["next_step"] for name, v in figures["wizard_steps"].items()}
    assert steps == {"location, Skip": "photos", "location, a pin at the dense spot": "photos",
                     "phone, Skip": "source", "phone, a citizen with a few issues": "history"}  # fmt: skip
    # The intake with both lookups in: every worker's phone has a history, and every worker
    # after the first finds the issues logged before theirs at the same pin.
    [plain], [looked_up] = figures["intake"]["without_lookups"], figures["intake"]["with_lookups"]
    steps = looked_up["steps"]
    assert steps["phone"]["updates"] == steps["phone"]["lists_shown"] == 20
    assert steps["location"]["updates"] == 20 and steps["location"]["lists_shown"] >= 19
    assert looked_up["updates"] > plain["updates"]
    # The same two steps timed without the lookups (Skip at each), to compare.
    assert plain["steps"]["location"]["updates"] == plain["steps"]["phone"]["updates"] == 20
    assert "the issues nearby at intake" in lookups.table(figures)


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


def test_every_stage_of_a_small_city_runs_on_postgresql_with_the_same_findings(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if binaries() is None and not os.environ.get("CI"):
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    city = generate(tmp_path / "city", 3000)
    (city.path.parent / "dataset.json").write_text(json.dumps({"issues": 3000, "seed": 7}))
    # Looked up on SQLite first, before any stage logs an issue in the city.
    on_sqlite = asyncio.run(lookups.main(city.path, city.org_file, tmp_path / "l.json", 1, 0))
    lite_reports = asyncio.run(at_scale.reports_at_scale(city.path, city.org_file))

    # Its files where the server's user can reach them (not in pytest's private folder).
    kept = Path(tempfile.mkdtemp(prefix="duban-pg-bench-"))
    request.addfinalizer(lambda: shutil.rmtree(kept, ignore_errors=True))
    with local_server(kept) as server:
        copied = city_on(server, city.path.parent)
        reused = city_on(server, city.path.parent)  # the same data set: the copy is kept
        url = copied["url"]
        reports = asyncio.run(at_scale.reports_at_scale(url, city.org_file))
        found = asyncio.run(lookups.main(url, city.org_file, tmp_path / "pg.json", 1, 1))
        busy = asyncio.run(at_scale.handler_latency(url, city.org_file, "2026-10"))
        swept = sweep.measure(tmp_path, (1000,), (10,), runs=2, server=server)
    with local_server(kept) as server:  # its files kept between runs
        again = city_on(server, city.path.parent)

    assert copied["copy_seconds"] > 0 and reused["copy_seconds"] is None
    assert again["copy_seconds"] is None and again["url"] == url
    # The same city looked up on both engines finds the same.
    assert {k: v["found"] for k, v in found["lookups"].items()} == {
        k: v["found"] for k, v in on_sqlite["lookups"].items()
    }
    assert found["history"]["a_few_issues / worker"]["found"] >= 2
    assert {k: v["found"] for k, v in found["history"].items()} == {
        k: v["found"] for k, v in on_sqlite["history"].items()
    }
    # PostgreSQL's plans, read from its EXPLAIN: the issue's number on its unique index.
    assert any("Index" in step and "issues" in step for step in found["plans"]["number"])
    assert found["intake"]["with_lookups"][0]["steps"]["phone"]["lists_shown"] == 20
    assert reports["export_year_rows"] == lite_reports["export_year_rows"] > 0
    assert busy["updates"] > 100 and "export_still_running" in busy
    assert swept["1000 open, 10 due"]["reminders_queued"] == 10 * DEPARTMENT_PEOPLE


async def test_the_seasonal_words_measure_finds_the_same_in_parts_as_in_one_pass(
    postgres_databases: Databases,
) -> None:
    url = await postgres_databases.fresh()
    scopes = await seasonal_words.city(url, issues=3000, recent=1000)
    # Parts small enough for a small city to reach each of them.
    parts = WordsParts(newest=256, then=512, few=50)
    figures = await seasonal_words.measure(url, scopes, runs=1, in_parts=parts)

    assert all(each["same_either_way"] for each in figures.values())
    # Heating in one issue of sixteen of the 2,000 older ones: 125, a full page of them.
    assert figures["暖气 / coordinator"]["found"] == seasonal_words.MOST
    assert figures["路灯 / coordinator"]["found"] == seasonal_words.MOST
    # The complaints about the head of roads: hidden from them, and from the group chat.
    assert figures["态度 / coordinator"]["found"] == 3000 // 40
    assert figures["态度 / head"]["found"] == figures["态度 / roads' group"]["found"] == 0
