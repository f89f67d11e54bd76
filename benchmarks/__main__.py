"""Benchmarks of issues 7, 9, 19 and 21, in one run (minutes; not part of the test suite):

    .venv/bin/python -m benchmarks                       a million issues (the default)
    .venv/bin/python -m benchmarks --issues 100000       a smaller, quicker run
    .venv/bin/python -m benchmarks --engine postgresql   every stage on PostgreSQL

It prints a table of the figures next to their targets and writes them to a JSON file.

On PostgreSQL (`--engine postgresql`), the city is generated as SQLite's (the `dataset` stage)
and copied into a local server started for the run (benchmarks/engines.py: its files, and the
city's copy, kept under the workdir for the next run on the same data set); every stage runs
its bots and reads against it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from benchmarks import flows, sweep, to_postgres
from benchmarks.dataset import STAFF_BASE, generate, org_toml
from benchmarks.engines import Database, Server, city_on, local_server
from emulator import BotApiEmulator, EmulatedUser

ROOT = Path(__file__).parent.parent
HEAD_OF = STAFF_BASE + 1020  # + department number: the heads of the benchmark organisation
STAFF_IDS = range(STAFF_BASE, STAFF_BASE + 2000)
STAGES = ("dataset", "at_scale", "lookups", "dashboard", "sweep", "flows", "burst")
ON_THE_CITY = ("at_scale", "lookups", "dashboard")  # the stages that measure the city


@contextlib.asynccontextmanager
async def bot_against_fake_api(
    workdir: Path, name: str
) -> AsyncIterator[tuple[BotApiEmulator, asyncio.subprocess.Process]]:
    """A fresh database, the benchmark organisation, the fake Bot API and the bot running
    against it with the limits off; the fake server outlives the bot, for the echo bot."""
    org_file = workdir / "org.toml"
    org_toml(org_file)
    database: Path | str
    if POSTGRES.server is not None:
        database = POSTGRES.fresh(name)
    else:
        database = workdir / f"{name}.sqlite3"
        _fresh(database)
    api = BotApiEmulator()
    await api.start()
    api.known_chats.update(STAFF_IDS)
    try:
        process = await flows.start_process(
            ROOT / "bot.py", flows.bot_environment(api, database, org_file, rate_limit=False)
        )
        try:
            await flows.ready(api, EmulatedUser(api, 100_999, "warm-up"))
            yield api, process
        finally:
            await flows.stop(process)
    except BaseException:
        await api.stop()
        raise


async def full_flow(workdir: Path, workers: int, echo: Path) -> dict[str, Any]:
    """Log, hand off, accept, resolve, confirm: one issue per worker, all at once."""
    trips = flows.RoundTrips()
    async with bot_against_fake_api(workdir, "flow") as (api, process):
        locks = {d: asyncio.Lock() for d in range(30)}
        calls = len(api.calls)

        async def one_issue(n: int) -> None:
            worker = flows.Person(api, EmulatedUser(api, STAFF_BASE + n, f"w{n}"), trips)
            department = n % 30
            head = flows.Person(
                api, EmulatedUser(api, HEAD_OF + department, f"h{department}"), trips
            )
            number = await flows.intake(worker, n, category=department)
            async with locks[department]:  # one question at a time per head
                await api.wait_until(lambda: bool(_cards(api, head.user.id, number)), 60)
                await head.press(_cards(api, head.user.id, number)[-1], "签收", expect="签收人")
                await head.press(_cards(api, head.user.id, number)[-1], "办结", expect="✍️")
                await head.say("已处理完毕", expect="已办结")
            # No citizen's phone in the wizard: the worker confirms it closed (with one, the
            # three-tap call-back would close it).
            await api.wait_until(
                lambda: bool(_cards(api, worker.user.id, number, "请核实办理情况")), 60
            )
            resolved = _cards(api, worker.user.id, number, "请核实办理情况")[-1]
            await worker.press(resolved, "确认结案", expect="确认 ")  # asked once more
            await worker.press(resolved, "确认结案", expect="已结案")

        with trips.timing(process.pid):
            await flows.run_concurrently(workers, one_issue)
        trips.api_calls = len(api.calls) - calls
        trips.api_calls_by_method = dict(Counter(c.method for c in api.calls[calls:]))
        rss = flows.peak_rss_mb(process.pid)
    per_person = len(trips.latencies) // workers
    yardstick = await flows.echo_round_trips(api, workers, per_person, echo)
    await api.stop()
    return _compare(trips, yardstick) | {
        "bot_peak_rss_mb": rss,
        "round_trips": len(trips.latencies),
    }


async def intake_flow(workdir: Path, workers: int, echo: Path) -> dict[str, Any]:
    """The /new wizard, ten steps, for `workers` workers at once (the limits off)."""
    trips = flows.RoundTrips()
    async with bot_against_fake_api(workdir, "intake") as (api, process):
        calls = len(api.calls)

        async def one(n: int) -> None:
            person = flows.Person(api, EmulatedUser(api, STAFF_BASE + n, f"w{n}"), trips)
            await flows.intake(person, n, category=n % 30)

        with trips.timing(process.pid):
            await flows.run_concurrently(workers, one)
        trips.api_calls = len(api.calls) - calls
        trips.api_calls_by_method = dict(Counter(c.method for c in api.calls[calls:]))
    yardstick = await flows.echo_round_trips(api, workers, 10, echo)
    await api.stop()
    return _compare(trips, yardstick)


def burst_database(workdir: Path) -> tuple[Path, Path]:
    """31 issues an hour into their two hours, each with its department's 33 people to remind:
    about 1,000 reminders due as soon as the bot starts."""
    now = datetime.now(UTC)
    return sweep.open_issues(workdir / "burst", count=31, due=31, now=now - timedelta(minutes=1))


async def burst(database: Path | str, org_file: Path, workers: int) -> dict[str, Any]:
    """About 1,000 reminders fall due at once while `workers` workers each log an issue; the
    limits on, as in production."""
    api = BotApiEmulator()
    await api.start()
    api.known_chats.update(STAFF_IDS)
    process = await flows.start_process(
        ROOT / "bot.py", flows.bot_environment(api, database, org_file, rate_limit=True)
    )
    trips = flows.RoundTrips()
    try:
        await api.wait_until(lambda: any("还剩" in m.text for m in api.sent), 60)
        trips.started = time.perf_counter()

        async def one(n: int) -> None:
            person = flows.Person(api, EmulatedUser(api, STAFF_BASE + n, f"w{n}"), trips)
            await flows.intake(person, n, category=n % 30)

        await flows.run_concurrently(workers, one)
        trips.finished = time.perf_counter()
        reminders_when_done = sum("还剩" in m.text for m in api.sent)
        await _until_drained(database, 300)
    finally:
        await flows.stop(process)
    reminders = [m for m in api.sent if "还剩" in m.text]
    await api.stop()
    first, last = reminders[0].sent_at, reminders[-1].sent_at
    span = last - first
    # Everything the outbox sent meanwhile: reminders, and the notices and card edits of the
    # workers' new issues, which share Telegram's 30 a second and go before reminders.
    workers_chats = {STAFF_BASE + n for n in range(workers)}
    from_outbox = [
        c for c in api.calls
        if c.method.lower() in _MESSAGES and first <= c.at <= last
        and int(c.params.get("chat_id", 0)) not in workers_chats
    ]  # fmt: skip
    return {
        "reminders": len(reminders),
        "reminders_per_second": (len(reminders) - 1) / span,
        "outbox_messages": len(from_outbox),
        "outbox_messages_per_second": (len(from_outbox) - 1) / span,
        "reminders_sent_when_the_workers_were_done": reminders_when_done,
        "worker_step_p50_s": trips.p50,
        "worker_step_p99_s": trips.p99,
        "worker_steps": len(trips.latencies),
    }


_MESSAGES = {"sendmessage", "editmessagetext", "sendphoto", "senddocument"}


class _Postgres:
    """With `--engine postgresql`: the run's server (benchmarks/engines.py) the bots of the
    flows run on, each stage on a database of its own."""

    server: Server | None = None

    def fresh(self, name: str) -> str:
        assert self.server is not None
        return self.server.fresh(f"bench_{name}")


POSTGRES = _Postgres()


def _fresh(database: Path) -> None:
    """No database there, nor the journal files of an earlier one (they would not match)."""
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()


async def _until_drained(database: Path | str, timeout: float) -> None:
    """Wait until the bot has recorded every reminder as sent. (The fake server's changes
    cannot tell: the last one comes before the bot writes down that it was sent.)"""
    deadline = time.monotonic() + timeout
    while await asyncio.to_thread(_reminders_left, database):
        if time.monotonic() > deadline:
            raise AssertionError(f"reminders still waiting after {timeout} s")
        await asyncio.sleep(0.1)


def _reminders_left(database: Path | str) -> int:
    import sqlite3

    sql = (
        "SELECT count(*) FROM outbox WHERE kind = 'reminder'"
        " AND sent_at IS NULL AND failed_at IS NULL"
    )
    if isinstance(database, str):  # a PostgreSQL database's URL
        with psycopg.connect(database) as pg:
            [(left,)] = pg.execute(sql).fetchall()
        return int(left)
    with sqlite3.connect(database, timeout=30) as conn:
        [(left,)] = conn.execute(sql).fetchall()
    return int(left)


def _cards(api: BotApiEmulator, chat: int, number: str, also: str = "") -> list[Any]:
    return [m for m in api.by_chat[chat] if number in m.text and also in m.text and m.buttons]


def _compare(ours: flows.RoundTrips, yardstick: flows.RoundTrips) -> dict[str, Any]:
    return {
        "updates_per_second": ours.per_second,
        "p50_ms": 1000 * ours.p50,
        "p99_ms": 1000 * ours.p99,
        "echo_updates_per_second": yardstick.per_second,
        "echo_p50_ms": 1000 * yardstick.p50,
        "echo_p99_ms": 1000 * yardstick.p99,
        "ratio_to_echo": ours.per_second / yardstick.per_second,
        # What each round trip costs in Bot API calls (the echo bot: one sendMessage).
        "api_calls_per_round_trip": ours.api_calls / len(ours.latencies),
        "api_calls_by_method": ours.api_calls_by_method,
        "echo_api_calls_per_round_trip": yardstick.api_calls / len(yardstick.latencies),
        "api_calls_per_second": ours.api_calls / (ours.finished - ours.started),
        "echo_api_calls_per_second": yardstick.api_calls / (yardstick.finished - yardstick.started),
        "cpu_ms_per_round_trip": ours.cpu_ms_per_trip,
        "echo_cpu_ms_per_round_trip": yardstick.cpu_ms_per_trip,
    }


def _cpu(figures: dict[str, Any]) -> str:
    if "cpu_ms_per_round_trip" not in figures:  # measured before the figure was kept
        return "(not measured)"
    return (
        f"{figures['cpu_ms_per_round_trip']:.2f} ms"
        f" (echo bot {figures['echo_cpu_ms_per_round_trip']:.2f} ms)"
    )


def in_a_process(module: str, database: Database, org_file: Path, result: Path) -> Any:
    """A stage that measures the city in a process of its own (its memory, its own event
    loop): `python -m <module> DATABASE ORG_FILE RESULT.json`, the database a SQLite file or
    a PostgreSQL URL; what it recorded."""
    subprocess.run(
        [sys.executable, "-m", module, str(database), str(org_file), str(result)],
        check=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(result.read_text())


def machine() -> dict[str, str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    cores = sum(1 for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("processor"))  # fmt: skip
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))  # fmt: skip
    return {
        "cpu": cpu,
        "cores": str(cores),
        "memory_gb": f"{int(memory) / 1024 / 1024:.1f}",
        "python": platform.python_version(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def table(results: dict[str, Any]) -> str:
    """The figures measured so far, next to their targets (a stage not yet run is left out)."""
    rows: list[tuple[str, str, str]] = []
    if engines := results.get("engines"):
        stages_on: dict[str, list[str]] = {}
        for stage, engine in engines.items():
            stages_on.setdefault(engine, []).append(stage)
        rows.append(("measured on", "; ".join(f"{e}: {', '.join(s)}" for e, s in stages_on.items()), ""))  # fmt: skip
    if data := results.get("dataset"):
        rows += [
            ("data set", f"{data['issues']:,} issues, {data['events']:,} steps in {data['seconds']:.0f} s", ""),
            ("database bytes per issue", f"{data['bytes_per_issue']:.0f}", ""),
        ]  # fmt: skip
    if pg := results.get("postgresql_city"):
        issues = results.get("dataset", {}).get("issues")
        per_issue = f", {pg['bytes'] / issues:.0f} bytes per issue" if issues else ""
        copy = "copied in {:.0f} s".format(pg["copy_seconds"]) if pg["copy_seconds"] else "the copy kept from an earlier run"  # fmt: skip
        rows.append(("the city on PostgreSQL", f"{pg['bytes'] / 1e9:.2f} GB{per_issue}; {copy}", ""))  # fmt: skip
    if flow := results.get("flow"):
        rows += [
            ("worker-to-head flow, updates/s", f"{flow['updates_per_second']:.1f} (echo bot {flow['echo_updates_per_second']:.1f})", ""),
            ("  ratio to the echo bot", f"{flow['ratio_to_echo']:.2f}", ">= 0.20 (doubled)"),
            ("  Bot API calls per round trip", f"{flow['api_calls_per_round_trip']:.1f} (echo bot {flow['echo_api_calls_per_round_trip']:.1f}); calls/s {flow['api_calls_per_second']:.0f} (echo {flow['echo_api_calls_per_second']:.0f})", ""),
            ("  round trip p50 / p99", f"{flow['p50_ms']:.0f} / {flow['p99_ms']:.0f} ms (echo {flow['echo_p50_ms']:.0f} / {flow['echo_p99_ms']:.0f} ms)", ""),
            ("  the bot's CPU per round trip", _cpu(flow), ""),
            ("  peak memory of the bot", f"{flow['bot_peak_rss_mb']:.0f} MB", "< 200 MB"),
        ]  # fmt: skip
    if new := results.get("intake"):
        rows += [
            ("/new for 40 workers, ratio to echo", f"{new['ratio_to_echo']:.2f} ({new['updates_per_second']:.1f} vs {new['echo_updates_per_second']:.1f} updates/s)", ">= 0.6"),
            ("  Bot API calls per round trip", f"{new['api_calls_per_round_trip']:.1f} (echo bot {new['echo_api_calls_per_round_trip']:.1f})", ""),
            ("  the bot's CPU per round trip", _cpu(new), ""),
        ]  # fmt: skip
    if scale := results.get("at_scale"):
        rows += [
            ("handler latency p50 / p99 at scale", f"{scale['handlers']['p50_ms']:.1f} / {scale['handlers']['p99_ms']:.1f} ms", "p99 < 50 ms"),
            ("/stats, a month / a year", f"{scale['reports']['stats_month_s']:.2f} / {scale['reports']['stats_year_s']:.2f} s", "< 1 s"),
            ("  a head's (with the district over time)", f"{scale['reports'].get('stats_head_month_s', 0):.2f} / {scale['reports'].get('stats_head_year_s', 0):.2f} s", "< 1 s"),
            ("  their charts: a coordinator's / a head's, a year", f"{scale['reports'].get('chart_year_s', 0):.2f} / {scale['reports'].get('chart_head_year_s', 0):.2f} s", ""),
            ("/export XLSX, a month / a year", f"{scale['reports']['export_month_s']:.1f} / {scale['reports']['export_year_s']:.1f} s ({scale['reports']['export_year_rows']:,} rows)", "year < 10 s"),
            ("/export CSV, a month / a year", f"{scale['reports']['csv_month_s']:.1f} / {scale['reports']['csv_year_s']:.1f} s", ""),
            ("peak memory at scale", f"{scale['peak_rss_mb']:.0f} MB", "< 200 MB"),
        ]  # fmt: skip
        if busy := scale.get("handlers_during_export"):
            rows.append(("handler latency while a month's export is built", f"{busy['p50_ms']:.1f} / {busy['p99_ms']:.1f} ms (max {busy['max_ms']:.0f} ms)", ""))  # fmt: skip
    if found := results.get("lookups"):
        worst = max(v["p99_ms"] for v in found["lookups"].values())
        rows.append((f"/find, {len(found['lookups'])} lookups (benchmarks/lookups.py)", f"p99 of the slowest {worst:.1f} ms", "p99 < 50 ms"))  # fmt: skip
        for part, name in (("history", "the citizen's history"), ("nearby", "the issues nearby")):
            if part in found:
                worst = max(v["p99_ms"] for v in found[part].values())
                rows.append((f"{name}, {len(found[part])} lookups", f"p99 of the slowest {worst:.1f} ms", "p99 < 50 ms"))  # fmt: skip
        if busy := found.get("intake"):
            without, looked_up = busy["without_lookups"], busy["with_lookups"]
            rows.append(("handler latency p50 / p99 at scale, by run", f"without the lookups {_runs(without)} ms; with them {_runs(looked_up)} ms", "not slower"))  # fmt: skip
    if board := results.get("dashboard"):
        rows += dashboard_rows(board)
    for name, v in results.get("sweep", {}).items():
        spread = (
            f" [{v['sweep_min_ms']:.1f}-{v['sweep_max_ms']:.1f}]" if "sweep_min_ms" in v else ""
        )
        rows.append((f"sweep, {name}", f"{v['sweep_ms']:.1f} ms{spread} ({v['reminders_queued']} reminders); nothing due: {v['idle_sweep_ms']:.2f} ms", "< 50 ms at 100k open"))  # fmt: skip
    if storm := results.get("burst"):
        rows += [
            ("burst: outgoing messages", f"{storm['outbox_messages_per_second']:.1f}/s ({storm['outbox_messages']} while {storm['reminders']} reminders drained, at {storm['reminders_per_second']:.1f}/s)", ">= 28/s"),
            ("burst: workers' steps p50 / p99", f"{storm['worker_step_p50_s']:.2f} / {storm['worker_step_p99_s']:.2f} s", "p99 < 1.5 s"),
        ]  # fmt: skip
    width = max((len(r[0]) for r in rows), default=0)
    return "\n".join(f"{name:<{width}}  {value:<70}  {target}" for name, value, target in rows)


def _runs(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{v['p50_ms']:.1f} / {v['p99_ms']:.1f}" for v in runs)


def dashboard_rows(board: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The dashboard's requests (the slowest kept and the slowest first count) and the bot's
    steps while it is polled."""
    asked = {k: v for k, v in board["requests"].items() if isinstance(v, dict) and "p99_ms" in v}
    slowest = max(asked, key=lambda k: asked[k]["p99_ms"])
    first = max(asked, key=lambda k: asked[k]["first_ms"])
    rows = [
        ("dashboard requests, the slowest p50 / p99", f"{asked[slowest]['p50_ms']:.1f} / {asked[slowest]['p99_ms']:.1f} ms ({slowest})", "p99 < 200 ms"),
        ("  the slowest first count (then kept)", f"{asked[first]['first_ms']:.0f} ms ({first})", ""),
        ("handler latency without the dashboard", f"{board['handlers']['p50_ms']:.1f} / {board['handlers']['p99_ms']:.1f} ms", "p99 < 50 ms"),
    ]  # fmt: skip
    for key, label in (("handlers_while_polled", "  while 20 pages refresh every 10 s"),
                       ("handlers_while_polled_hard", "  while 2 pages ask without a pause")):  # fmt: skip
        if polled := board.get(key):
            rows.append((label, f"{polled['p50_ms']:.1f} / {polled['p99_ms']:.1f} ms ({polled['dashboard_requests']} requests, p99 {polled['dashboard_p99_ms']:.0f} ms)", ""))  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "data" / "benchmarks")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "data" / "benchmarks" / "results.json"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse the data set of the last run")
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="postgresql: every stage on a local PostgreSQL server (from the system's packages)"
        " started for the run, the city copied into it (its files kept in WORKDIR/postgres)",
    )
    parser.add_argument(
        "--stages",
        default=",".join(STAGES),
        help=f"measure only these (of {','.join(STAGES)}); the other figures are kept from the "
        "last run's output",
    )
    arguments = parser.parse_args()
    stages = arguments.stages.split(",")
    workdir: Path = arguments.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    output: Path = arguments.output
    output.parent.mkdir(parents=True, exist_ok=True)
    echo = ROOT / "benchmarks" / "echo_bot.py"
    results: dict[str, Any] = {}
    if set(stages) != set(STAGES) and output.exists():
        results = json.loads(output.read_text())
    results["machine"] = machine()
    engines: dict[str, str] = results.setdefault("engines", {})

    def measured(stage: str, figures: Any) -> None:
        results[stage] = figures
        if stage not in ("dataset", "postgresql_city"):  # generated as SQLite's, whichever
            engines[stage] = arguments.engine
        output.write_text(json.dumps(results, indent=2))  # kept as we go

    with contextlib.ExitStack() as running:
        server: Server | None = None
        if arguments.engine == "postgresql" and set(stages) - {"dataset"}:
            server = running.enter_context(local_server(workdir / "postgres"))
            POSTGRES.server = server
            running.callback(setattr, POSTGRES, "server", None)
        measure_stages(stages, arguments, workdir, echo, server, measured)

    print()
    print(table(results))
    print(f"\nfigures written to {output}")
    return 0


def measure_stages(
    stages: list[str],
    arguments: argparse.Namespace,
    workdir: Path,
    echo: Path,
    server: Server | None,
    measured: Callable[[str, Any], None],
) -> None:
    """Each stage asked for, in order, on SQLite or (given a `server`) on PostgreSQL."""
    big = workdir / "city"
    if "dataset" in stages:
        print("generating the data set …", flush=True)
        if arguments.reuse and (big / "dataset.json").exists():
            dataset = json.loads((big / "dataset.json").read_text())
        else:
            made = generate(big, arguments.issues)
            dataset = {"issues": made.issues, "events": made.events, "seconds": made.seconds}
            (big / "dataset.json").write_text(json.dumps(dataset))
        size = (big / "duban.sqlite3").stat().st_size
        measured("dataset", dataset | {"bytes_per_issue": size / dataset["issues"]})

    city: Database = big / "duban.sqlite3"
    if server is not None and set(stages) & set(ON_THE_CITY):
        print(
            "the city on PostgreSQL (copied unless a copy of this data set is kept) …", flush=True
        )
        copied = city_on(server, big)
        city = copied["url"]
        measured("postgresql_city", {k: v for k, v in copied.items() if k != "url"})

    if "at_scale" in stages:
        print("measuring at scale (handlers, /stats, /export) …", flush=True)
        measured("at_scale", in_a_process("benchmarks.at_scale", city, big / "org.toml", workdir / "at_scale.json"))  # fmt: skip

    if "lookups" in stages:
        print("measuring the lookups (/find, history, nearby) and the intake …", flush=True)
        measured("lookups", in_a_process("benchmarks.lookups", city, big / "org.toml", workdir / "lookups.json"))  # fmt: skip

    if "dashboard" in stages:
        print("measuring the dashboard's requests and the bot while it is polled …", flush=True)
        measured("dashboard", in_a_process("benchmarks.dashboard", city, big / "org.toml", workdir / "dashboard.json"))  # fmt: skip

    if "sweep" in stages:
        print(f"measuring the sweep ({arguments.engine}) …", flush=True)
        measured("sweep", sweep.measure(workdir, (10_000, 100_000), server=server))

    if "flows" in stages:
        print(f"measuring the flows against the echo bot ({arguments.engine}) …", flush=True)
        measured("flow", asyncio.run(full_flow(workdir, 30, echo)))
        measured("intake", asyncio.run(intake_flow(workdir, 40, echo)))

    if "burst" in stages:
        print(f"measuring the burst of reminders ({arguments.engine}) …", flush=True)
        burst_file, org_file = burst_database(workdir)
        database: Database = burst_file
        if server is not None:
            database = POSTGRES.fresh("burst")
            to_postgres.copy(burst_file, database)
        measured("burst", asyncio.run(burst(database, org_file, 40)))


if __name__ == "__main__":
    sys.exit(main())
