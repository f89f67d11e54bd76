"""The dashboard at scale (issue 21), in a process of its own:

    python -m benchmarks.dashboard DATABASE ORG_FILE RESULT.json

DATABASE: a SQLite file, or a PostgreSQL database's URL (`--engine postgresql`).

- each data request, as the page makes it (over HTTP to the bot's own server, signed by the
  emulator, the person re-read each time), by a coordinator and by a head: p50 and p99 of the
  round trip;
- people's steps in the bot (`at_scale.handler_latency`) without the dashboard, while twenty
  pages refresh every panel every 10 seconds, and while two pages ask without a pause (far
  more than wall screens refreshing every minute would).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.at_scale import handler_latency, percentile
from benchmarks.dataset import END
from benchmarks.engines import Database, from_argument
from casework.roles import Role
from dashboard import api as dashboard_api
from emulator import sign_init_data
from tests.harness import Harness

URL = "https://duban.example.gov.cn/dashboard/"
SETTINGS = {"dashboard_listen": "127.0.0.1:0", "dashboard_url": URL}
MONTH, YEAR = "2026-10", "2025-11-25..2026-11-24"


async def _people(bot: Harness) -> dict[str, str]:
    """Init data for a coordinator and a head, as Telegram signs it when they open the page."""
    deps = bot.resources.deps
    async with deps.store.transaction() as tx:
        coordinator = (await tx.staff.with_roles([Role.COORDINATOR]))[0]
        head = (await tx.staff.with_roles([Role.HEAD]))[0]
    token = bot.settings.bot_token.get_secret_value()
    return {
        name: sign_init_data(
            token, {"id": person.telegram_id, "first_name": name, "language_code": "zh"}, END
        )
        for name, person in (("coordinator", coordinator), ("head", head))
    }


def _requests(overdue_id: int) -> list[tuple[str, str, dict[str, str]]]:
    """(label, path, query) of what the page asks for."""
    return [
        ("me", "me", {}),
        ("ranking, a month", "ranking", {"period": MONTH}),
        ("ranking, a year", "ranking", {"period": YEAR}),
        ("trend, a month", "trend", {"period": MONTH}),
        ("trend, a year", "trend", {"period": YEAR}),
        ("overdue", "overdue", {}),
        ("issue", f"issue/{overdue_id}", {}),
        ("map", "map", {}),
        ("workload, a month", "workload", {"period": MONTH}),
    ]


async def _get(
    http: aiohttp.ClientSession, base: str, signed: str, path: str, query: dict[str, str]
) -> Any:
    headers = {"Authorization": f"tma {signed}"}
    async with http.get(f"{base}/api/{path}", params=query, headers=headers) as response:
        assert response.status == 200, (path, response.status, await response.text())
        return await response.json()


async def requests_timed(database: Database, org_file: Path, repeats: int) -> dict[str, Any]:
    """Each request `repeats` times in a row per person, timed at the client."""
    found: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def measure(bot: Harness) -> AsyncIterator[None]:
        people = await _people(bot)
        base = bot.dashboard_url
        async with aiohttp.ClientSession() as http:
            for who, signed in people.items():
                listed = await _get(http, base, signed, "overdue", {})
                overdue_id = listed["issues"][0]["id"]
                found[f"{who}_overdue_total"] = listed["total"]
                for label, path, query in _requests(overdue_id):
                    times = []
                    for _ in range(repeats):
                        started = time.perf_counter()
                        await _get(http, base, signed, path, query)
                        times.append(time.perf_counter() - started)
                    # The first asker's (a slow report is counted for them), then the rest's.
                    again = times[1:]
                    found[f"{who}: {label}"] = {
                        "first_ms": 1000 * times[0],
                        "p50_ms": 1000 * percentile(again, 50),
                        "p99_ms": 1000 * percentile(again, 99),
                        "max_ms": 1000 * max(again),
                    }
            points = await _get(http, base, people["coordinator"], "map", {})
            found["map_points"] = {"shown": points["shown"], "total": points["total"]}
        yield

    # The people's steps are measured too (they are quick), the requests before them.
    await handler_latency(database, org_file, meanwhile=measure, overrides=SETTINGS)
    return found


async def handlers_while_polled(
    database: Database, org_file: Path, pages: int, pause: float
) -> dict[str, Any]:
    """People's steps while `pages` pages (half a coordinator's, half a head's) ask for every
    panel, then wait `pause` seconds, again and again (0: without a pause)."""
    served: list[float] = []

    @contextlib.asynccontextmanager
    async def polling(bot: Harness) -> AsyncIterator[None]:
        people = await _people(bot)
        base = bot.dashboard_url
        stop = asyncio.Event()

        async def page(signed: str, n: int) -> None:
            # Opened one after another over the first pause, not all in the same instant.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause * n / pages)
            async with aiohttp.ClientSession() as http:
                listed = await _get(http, base, signed, "overdue", {})
                asks = _requests(listed["issues"][0]["id"])
                while not stop.is_set():
                    for _, path, query in asks:
                        started = time.perf_counter()
                        await _get(http, base, signed, path, query)
                        served.append(time.perf_counter() - started)
                        if stop.is_set():
                            return
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), pause)

        signed = list(people.values())
        tasks = [asyncio.create_task(page(signed[n % 2], n)) for n in range(pages)]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    latency = await handler_latency(database, org_file, meanwhile=polling, overrides=SETTINGS)
    return latency | {
        "dashboard_requests": len(served),
        "dashboard_p50_ms": 1000 * percentile(served, 50),
        "dashboard_p99_ms": 1000 * percentile(served, 99),
    }


async def main(database: Database, org_file: Path, result: Path) -> None:
    logging.basicConfig(level=logging.ERROR)  # the generated cards exist on no fake server
    repeats = int(os.environ.get("DASHBOARD_REPEATS", "20"))
    figures: dict[str, Any] = {"load_before": os.getloadavg()}
    figures["requests"] = await requests_timed(database, org_file, repeats)
    figures["handlers"] = await handler_latency(database, org_file)
    # Two pages without a pause: far more than people's pages ask …
    figures["handlers_while_polled_hard"] = await handlers_while_polled(database, org_file, 2, 0)
    # … and twenty pages (wall screens, phones) each refreshing every 10 seconds.
    figures["handlers_while_polled"] = await handlers_while_polled(database, org_file, 20, 10)
    figures["load_after"] = os.getloadavg()
    figures["report_cache_seconds"] = dashboard_api.REPORT_SECONDS
    await asyncio.to_thread(result.write_text, json.dumps(figures, indent=2))


if __name__ == "__main__":
    asyncio.run(main(from_argument(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
