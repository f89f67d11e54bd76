"""The dashboard's data (issue 21), as JSON-ready dicts: each endpoint is one use case of
`casework.services`, its result put in the person's words with `rendering` (the same figures
and percentages /stats prints, the same card and timeline as /issue). No SQL, no HTTP here:
dashboard/server.py reads the request and writes the answer."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from array import array
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar, cast

from casework.issues import Issue
from casework.metrics import (
    PERIOD_MAX_DAYS,
    WAIT,
    BadPeriod,
    DepartmentMetrics,
    Period,
    PeriodTooLong,
    Stretch,
    parse_period,
)
from casework.people import Staff
from casework.roles import Role
from casework.services import Deps, dashboard, reports, views
from casework.services.reports import Report
from dashboard.initdata import SignedIn
from dashboard.strings import page_strings
from rendering import dates
from rendering.cards import card_text
from rendering.i18n import N_, Texts, pick_language, texts
from rendering.labels import (
    DESCRIPTION_IN_A_LINE,
    category_name,
    department_name,
    snippet,
    span,
    status_name,
)
from rendering.reports import percent
from rendering.reports import score as score_text
from rendering.timeline import timeline_lines

JSON = dict[str, Any]


class Encoded(str):
    """An answer already in JSON (the map's, kept: a city's is a megabyte, not encoded again
    for every asker)."""

    __slots__ = ()


# The rates the page shows, each as a share (0 to 1, None: no data) and as /stats prints it.
RATES = (
    "on_time_acceptance_rate",
    "on_time_resolution_rate",
    "closing_rate",
    "contact_rate",
    "solved_rate",
    "satisfaction_rate",
    "reopen_rate",
    "return_rate",
)
# The periods the page offers, as /stats takes them (`period=`), with their names.
PERIODS = (
    ("week", N_("Last 7 days")),
    ("this-week", N_("This week")),
    ("last-week", N_("Last week")),
    ("month", N_("This month")),
    ("last-month", N_("Last month")),
)


# A report that took longer than this to count is kept for the next askers of the same
# figures (benchmarks/dashboard.py: a year's ranking at a million issues takes ~0.9 s, a
# year's trend ~0.15 s; a wall screen and a dozen phones ask for them every minute or so).
SLOW_REPORT_SECONDS = 0.1
# Kept figures this old are counted again, in the background: meanwhile, askers get the kept
# ones (so that only the very first asker of a year's figures waits for them) …
REPORT_SECONDS = 60.0
# … unless they are older than this (nobody asked for a while): then they wait for the count.
STALE_SECONDS = 600.0

T = TypeVar("T")
Key = tuple[object, ...]


class Reports:
    """`reports.stats`' and `reports.trend`'s answers for the dashboard, those slow to count
    kept per reader and period: coordinators share theirs (the parts the page shows are the
    same for every coordinator), each head has their own (their figures leave out the
    complaints about them). Askers of the same figures at once wait for one count. The person
    is re-read at every request all the same (server.py); only the figures may be a minute
    or two old, as the page says when it counted them."""

    def __init__(
        self,
        seconds: float = REPORT_SECONDS,
        slow: float = SLOW_REPORT_SECONDS,
        stale: float = STALE_SECONDS,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds, self._slow, self._stale, self._timer = seconds, slow, stale, timer
        self._kept: dict[Key, tuple[float, Any]] = {}
        self._counting: dict[Key, asyncio.Task[Any]] = {}

    async def stats(self, deps: Deps, person: Staff, period: Period) -> Report:
        key = ("stats", _whose(person), period.start, period.end)
        report: Report = await self._kept_or_counted(
            key, lambda: _lean(reports.stats(deps, person, period, medians=False))
        )
        return report

    async def trend(
        self, deps: Deps, person: Staff, period: Period, department: str | None
    ) -> list[Stretch]:
        key = ("trend", _whose(person), department, period.start, period.end)
        parts: list[Stretch] = await self._kept_or_counted(
            key, lambda: reports.trend(deps, person, period, department)
        )
        return parts

    async def kept(self, key: Key, count: Callable[[], Awaitable[T]], always: bool = False) -> T:
        """Anything else kept as the reports are (if slow to count: the overdue issues of a
        whole city on a busy machine), or `always` (the map: its thousands of points take a
        while to put into words and JSON)."""
        return await self._kept_or_counted(("kept", *key), count, always)

    async def settled(self) -> None:
        """Every count under way has ended (for tests)."""
        await asyncio.gather(*self._counting.values(), return_exceptions=True)

    async def close(self) -> None:
        """Counts under way are dropped (the server is stopping: the store closes next)."""
        for task in self._counting.values():
            task.cancel()
        await self.settled()

    async def _kept_or_counted(
        self, key: Key, count: Callable[[], Awaitable[T]], always: bool = False
    ) -> T:
        now = self._timer()
        self._kept = {k: v for k, v in self._kept.items() if now - v[0] < self._stale}
        kept = self._kept.get(key)
        if kept is not None:
            at, value = kept
            if now - at >= self._seconds and key not in self._counting:
                self._count(key, count, always)  # for the next askers; this one reads the kept
            return cast(T, value)
        counting = self._counting.get(key) or self._count(key, count, always)
        return cast(T, await asyncio.shield(counting))

    def _count(self, key: Key, count: Callable[[], Awaitable[T]], always: bool) -> asyncio.Task[T]:
        async def counted() -> T:
            began = self._timer()
            try:
                value = await count()
            finally:
                self._counting.pop(key, None)
            if always or self._timer() - began >= self._slow:
                self._kept[key] = (began, value)
            else:  # quick again: counted afresh for each asker
                self._kept.pop(key, None)
            return value

        task = asyncio.ensure_future(counted())
        self._counting[key] = task
        # A count nobody waits for (in the background) may fail: it is counted again later.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        return task


def _whose(person: Staff) -> object:
    """Whose view a kept count is: the coordinators' (all see the same), or one head's in
    their department (a head moved to another department, or given another role, is not
    shown what was counted for them before)."""
    if person.role is Role.COORDINATOR:
        return "coordinators"
    return (person.id, person.role.value, person.department)


async def _lean(counting: Awaitable[Report]) -> Report:
    """The report without every wait of the period (a year's are millions of numbers): their
    medians are counted already, and nothing the page shows reads them."""
    report = await counting

    def lean(m: DepartmentMetrics) -> DepartmentMetrics:
        counts = dataclasses.replace(
            m.counts, accept_seconds=array(WAIT), resolve_seconds=array(WAIT)
        )
        return dataclasses.replace(m, counts=counts)

    return dataclasses.replace(
        report,
        departments=[lean(m) for m in report.departments],
        district=lean(report.district) if report.district is not None else None,
    )


@dataclass(frozen=True)
class Page:
    """What the dashboard's answers need besides the store: the default language, the map's
    tiles (settings), and the reports kept a while."""

    deps: Deps
    default_language: str
    tiles_url: str | None = None
    tiles_attribution: str | None = None
    reports: Reports = field(default_factory=Reports)


@dataclass(frozen=True)
class Asker:
    """Who asks, as the database has them now, and the words they read."""

    person: Staff
    t: Texts


def asker(page: Page, person: Staff, signed: SignedIn) -> Asker:
    """The person's language: their /lang choice, else their Telegram app's, else the
    default."""
    language = pick_language(person.language, signed.language_code, page.default_language)
    return Asker(person, texts(language))


def period_of(page: Page, words: str | None) -> Period:
    """`week`, `month` (also when not given), `2026-11`, `2026-11-01..2026-11-30`, as /stats
    reads them; `BadPeriod` if not one."""
    typed = (words or "").strip()
    return parse_period(typed.split("..") if typed else [], page.deps.clock.now(), page.deps.zone)


def me(page: Page, who: Asker) -> JSON:
    person, t, org = who.person, who.t, page.deps.org
    today = page.deps.clock.now().astimezone(page.deps.zone).date()
    periods = [{"words": words, "label": str(t._(label))} for words, label in PERIODS]
    periods.append(
        {"words": f"{today.year}-01-01..{today.isoformat()}", "label": str(t._("This year"))}
    )
    return {
        "name": person.name,
        "role": "coordinator" if person.role is Role.COORDINATOR else "head",
        "department": person.department,
        "department_name": (
            department_name(person.department, org, t) if person.department else None
        ),
        "language": t.language,
        "strings": page_strings(t.language),
        "periods": periods,
        "tiles": {"url": page.tiles_url or None, "attribution": page.tiles_attribution or None},
        "now": page.deps.clock.now().isoformat(),
    }


async def ranking(page: Page, who: Asker, period: Period) -> JSON:
    """The departments ranked as /stats ranks them (a head: their own), and the district."""
    deps, t = page.deps, who.t
    report = await page.reports.stats(deps, who.person, period)
    rated = [m for m in report.departments if m.has_ranked_rates]
    ranks = {m.department: n for n, m in enumerate(rated, start=1)} if report.everywhere else {}
    departments = [
        {**_figures(m, t, deps, report.everywhere), "rank": ranks.get(m.department)}
        for m in report.departments
    ]
    district = report.district
    assert district is not None
    whole = _figures(district, t, deps, report.everywhere)
    if report.everywhere:  # what is open now is counted per department
        whole["counts"]["open"] = sum(m.counts.open_now for m in report.departments)
        whole["counts"]["overdue"] = sum(m.counts.overdue_now for m in report.departments)
    else:
        whole["counts"]["open"] = whole["counts"]["overdue"] = None
    del whole["code"], whole["name"]
    return {
        "period": _period(report.period, deps, t),
        "departments": departments,
        "district": whole,
    }


def _figures(m: DepartmentMetrics, t: Texts, deps: Deps, scored: bool) -> JSON:
    c = m.counts
    return {
        "code": m.department,
        "name": department_name(m.department, deps.org, t),
        "score": m.score if scored else None,
        "rates": _rates(m),
        "counts": {
            "received": c.received,
            "open": c.open_now,
            "overdue": c.overdue_now,
            "repeat_calls": c.repeat_calls,
            "duplicates": c.duplicates,
        },
        # As /stats prints them, the score too (its rounding, not the page's).
        "text": {name: str(percent(getattr(m, name), t)) for name in RATES}
        | {"score": str(score_text(m.score if scored else None, t))},
    }


def _rates(m: DepartmentMetrics) -> dict[str, float | None]:
    return {name: getattr(m, name) for name in RATES}


def _period(period: Period, deps: Deps, t: Texts) -> JSON:
    last = period.end - timedelta(microseconds=1)
    return {
        "label": dates.period(period, deps.zone, t),
        "start": period.start.astimezone(deps.zone).date().isoformat(),
        "end": last.astimezone(deps.zone).date().isoformat(),
    }


async def trend(page: Page, who: Asker, period: Period, department: str | None) -> JSON:
    """Each rate, part by part of the period (as a head's /stats chart splits it): the
    department's (if one is asked for) beside the district's."""
    deps, t = page.deps, who.t
    shown = dashboard.department_beside_district(who.person, department)
    parts = await page.reports.trend(deps, who.person, period, shown)
    return {
        "weeks": [
            {
                "label": _days(part.first, part.last, t),
                "start": part.first.isoformat(),
                "end": part.last.isoformat(),
                "department": {"rates": _rates(part.department)} if shown else None,
                "district": {"rates": _rates(part.district)},
            }
            for part in parts
        ]
    }


def _days(first: date, last: date, t: Texts) -> str:
    if first == last:
        return dates.short_day(first, t)
    return str(
        t._("{first} – {last}", first=dates.short_day(first, t), last=dates.short_day(last, t))
    )


async def overdue(page: Page, who: Asker, department: str | None) -> JSON:
    """The overdue issues, most overdue first, at most `dashboard.OVERDUE_SHOWN` (kept a
    minute when slow to count, as reports are)."""
    dashboard.department_in_view(who.person, department)  # a head asking for another: refused
    key = ("overdue", _whose(who.person), department, who.t.language)
    return await page.reports.kept(key, lambda: _overdue(page, who, department))


async def _overdue(page: Page, who: Asker, department: str | None) -> JSON:
    deps, t = page.deps, who.t
    found = await dashboard.overdue(deps, who.person, department)
    now = deps.clock.now()
    return {
        "issues": [
            {
                **_about(issue, t, deps),
                "due": (issue.due or now).isoformat(),
                "late": str(t._("overdue by {late}", late=span(now - (issue.due or now), t))),
                "gist": snippet(issue.description, DESCRIPTION_IN_A_LINE),
            }
            for issue in found.issues
        ],
        "total": found.total,
    }


def _about(issue: Issue, t: Texts, deps: Deps) -> JSON:
    org = deps.org
    return {
        "id": issue.id,
        "number": issue.number,
        "category": issue.category,
        "category_name": category_name(issue.category, org, t),
        "department": issue.department,
        "department_name": department_name(issue.department, org, t),
        "status": issue.status.value,
        "status_name": status_name(issue.status, t),
        "urgent": issue.urgent,
    }


async def issue(page: Page, who: Asker, issue_id: int) -> JSON:
    """The issue's card as the bot's private card for this person, and its timeline's lines
    (`IssueNotFound` if they may not see it)."""
    deps, t = page.deps, who.t
    details = await views.details(deps, who.person, issue_id)
    found = details.issue
    return {
        "number": found.number,
        "card": card_text(found, t, deps.org, details.people, deps.zone),
        "timeline": timeline_lines(details.timeline, t, deps.org, details.people, deps.zone),
    }


async def points(page: Page, who: Asker, department: str | None) -> Encoded:
    """The open issues with a pin, the newest first, for the map: kept a minute per reader
    (coordinators share theirs), department and language, and counted again behind the
    scenes (`Reports`)."""
    dashboard.department_in_view(who.person, department)  # a head asking for another: refused
    key = ("map", _whose(who.person), department, who.t.language)
    return await page.reports.kept(key, lambda: _points(page, who, department), always=True)


async def _points(page: Page, who: Asker, department: str | None) -> Encoded:
    deps, t = page.deps, who.t
    found = await dashboard.pins(deps, who.person, department)
    now = deps.clock.now()
    org = deps.org
    categories = {c: category_name(c, org, t) for c in {pin.category for pin in found.pins}}
    statuses = {s: status_name(s, t) for s in {pin.status for pin in found.pins}}
    return _encoded(
        {
            "points": [
                {
                    "id": pin.id,
                    "number": pin.number,
                    "lat": pin.location.latitude,
                    "lon": pin.location.longitude,
                    "category": pin.category,
                    "category_name": categories[pin.category],
                    "status": pin.status.value,
                    "status_name": statuses[pin.status],
                    "overdue": pin.due is not None and pin.due < now,
                    "urgent": pin.urgent,
                }
                for pin in found.pins
            ],
            "total": found.total,
            "shown": len(found.pins),
        }
    )


async def workload(page: Page, who: Asker, period: Period, department: str | None) -> JSON:
    """Each person's work, as /stats' workload lines: what they hold now (and how much of it
    is overdue), and their closings in the period."""
    deps, t = page.deps, who.t
    shown = dashboard.department_in_view(who.person, department)
    report = await page.reports.stats(deps, who.person, period)
    label = dates.period(report.period, deps.zone, t)
    return {
        "people": [
            {
                "name": p.name,
                "department": p.department,
                "department_name": (
                    department_name(p.department, deps.org, t) if p.department else None
                ),
                "open": p.open_held,
                "overdue": p.overdue_held,
                "closed": p.closed_in_period,
                "period": label,
            }
            for p in report.workload
            if shown is None or p.department == shown
        ]
    }


def _encoded(body: JSON) -> Encoded:
    return Encoded(json.dumps(body, ensure_ascii=False, separators=(",", ":")))


def period_problem(t: Texts, bad: BadPeriod) -> str:
    """What is wrong with the period asked for, in the person's words."""
    if isinstance(bad, PeriodTooLong):
        return str(t._("A period is at most a year ({days} days).", days=PERIOD_MAX_DAYS))
    return str(
        t._(
            "Not a period: choose week, this-week, last-week, month, last-month, a month"
            " (2026-11) or two days (2026-11-01..2026-11-30)."
        )
    )
