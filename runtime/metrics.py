"""The Prometheus metrics endpoint: `GET /metrics` on METRICS_HOST:METRICS_PORT, in the bot's
own process and event loop (off unless METRICS_PORT is set).

At each scrape it reads what `bot.py check` judges (casework/health.py: the loops' heartbeats,
the outbox's backlog; quick reads that take no step's turn, `Store.peek`) and adds the
process's own counters (updates handled, outbox messages delivered, Telegram's refusals and
failures by what followed). Counters start at 0 with the process, as Prometheus expects.

The text format (0.0.4) is written here: a few gauges and counters, on the aiohttp the bot
already runs (the Bot API client, the dashboard), rather than a dependency for the bot to
carry; the tests read it back with prometheus_client's own parser.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from casework.health import Figures, judge
from casework.services import Deps
from casework.services import health as health_figures

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


# What follows a message Telegram did not take: tried again later (a network error, a 5xx,
# a 429), the person unreachable (403, or never opened a chat), the edit already shown, given up.
NOT_DELIVERED = ("retried", "unreachable", "not_modified", "given_up")


@dataclass
class Counters:
    """What the process counted since it started (runtime/ordering.py, runtime/sender.py)."""

    updates_handled: int = 0
    delivered: int = 0
    # Outbox messages Telegram did not take, by what followed (runtime/failures.py).
    not_delivered: dict[str, int] = field(default_factory=lambda: dict.fromkeys(NOT_DELIVERED, 0))


@dataclass(frozen=True)
class Family:
    name: str
    kind: str  # gauge, counter
    help: str
    samples: list[tuple[Mapping[str, str], float]]


def families(figures: Figures, now: datetime, counters: Counters) -> list[Family]:
    """The metrics at `now`: the figures read from the store, the process's counters."""
    beats = sorted(figures.heartbeats.values(), key=lambda h: h.beat)
    return [
        Family(
            "duban_updates_handled_total",
            "counter",
            "Telegram updates this process handled since it started.",
            [({}, counters.updates_handled)],
        ),
        Family(
            "duban_outbox_delivered_total",
            "counter",
            "Outbox messages this process handed to Telegram and recorded since it started.",
            [({}, counters.delivered)],
        ),
        Family(
            "duban_outbox_not_delivered_total",
            "counter",
            "Outbox messages Telegram did not take (Bot API errors), by what followed.",
            [({"outcome": k}, v) for k, v in sorted(counters.not_delivered.items())],
        ),
        Family(
            "duban_outbox_due_messages",
            "gauge",
            "Outbox messages due and not yet sent (nor given up).",
            [({}, figures.backlog.due)],
        ),
        Family(
            "duban_outbox_oldest_due_age_seconds",
            "gauge",
            "How long the oldest outbox message due and not sent has waited (0: none).",
            [({}, figures.backlog.oldest_age(now).total_seconds())],
        ),
        Family(
            "duban_heartbeat_timestamp_seconds",
            "gauge",
            "When each loop of the bot last did its work (updates: a getUpdates answered;"
            " sweep: a pass ended), as Unix time.",
            [({"loop": h.beat.value}, h.at.timestamp()) for h in beats],
        ),
        Family(
            "duban_heartbeat_age_seconds",
            "gauge",
            "How long ago each loop of the bot last did its work.",
            [({"loop": h.beat.value}, (now - h.at).total_seconds()) for h in beats],
        ),
        Family(
            "duban_heartbeat_late_after_seconds",
            "gauge",
            "The age past which a loop's heartbeat is late (twice its interval and a minute).",
            [({"loop": h.beat.value}, h.late_after.total_seconds()) for h in beats],
        ),
        Family(
            "duban_healthy",
            "gauge",
            "1 where `bot.py check` finds the check fine (with its defaults), 0 where not.",
            [({"check": f.check}, float(f.ok)) for f in judge(figures, now)],
        ),
    ]


def exposition(found: Iterable[Family]) -> str:
    """Prometheus' text format, version 0.0.4."""
    lines: list[str] = []
    for family in found:
        lines.append(f"# HELP {family.name} {_escape(family.help, quotes=False)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for labels, value in family.samples:
            shown = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            lines.append(f"{family.name}{{{shown}}} {_number(value)}" if shown else
                         f"{family.name} {_number(value)}")  # fmt: skip
    return "\n".join(lines) + "\n"


def _escape(text: str, quotes: bool = True) -> str:
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    return text.replace('"', '\\"') if quotes else text


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class MetricsServer:
    """`/metrics` on `host:port` (0: any free port), started and stopped by runtime/app.py."""

    def __init__(self, deps: Deps, counters: Counters, host: str, port: int) -> None:
        self._deps = deps
        self._counters = counters
        self._host = host
        self.port = port  # the port bound, once started
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("metrics served on %s:%d/metrics", self._host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        now = self._deps.clock.now()
        try:
            figures = await health_figures.figures(self._deps.store, now)
        except Exception:  # the database cannot be read: say so, as a scrape that failed
            log.exception("metrics: the database could not be read")
            return web.Response(status=503, text="the database could not be read\n")
        body = exposition(families(figures, now, self._counters))
        return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})
