"""Department performance for /stats, /export and the weekly report."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from casework import errors
from casework.metrics import (
    DISTRICT,
    DayCounts,
    DepartmentCounts,
    DepartmentMetrics,
    Imbalance,
    Period,
    PersonCounts,
    PersonLoad,
    Stretch,
    compute,
    last_week,
    parse_period,
    ranked,
    stretches,
    stride,
    total,
    uneven,
    whole_days,
)
from casework.outbox import Notice, notice_item
from casework.people import Staff
from casework.ports import ExportCursor, ExportEvent, ExportIssue, RunningExport
from casework.roles import Role
from casework.services import Deps, reload_actor
from casework.services.scheduled import WEEKLY_REPORT, queue_once

# Issues an export reads at a time (and the timelines of a fifth as many): each batch is one
# short read transaction. 500 builds as fast as 5,000 (benchmarks/at_scale.py).
BATCH = 500


@dataclass(frozen=True)
class Report:
    period: Period
    departments: list[DepartmentMetrics]  # ranked, best first, for coordinators
    workload: list[PersonLoad]
    everywhere: bool  # all departments (a coordinator's view), or one
    at: datetime  # when it was counted: "now" for what is open and overdue, in figures and rows
    # Every department's rates together (without the medians: no view shows them).
    district: DepartmentMetrics | None = None
    # A head's view: their department and the district, part by part of the period.
    trend: list[Stretch] = dataclasses.field(default_factory=list)
    # The departments in view whose loads are uneven now (忙闲不均), the most uneven first.
    uneven: list[Imbalance] = dataclasses.field(default_factory=list)
    # A coordinator's view: the issues flagged for repeated reports in the period (督办), the
    # latest first, at most `FLAGGED_SHOWN` of them and one more if there are more.
    flagged: list[str] = dataclasses.field(default_factory=list)


FLAGGED_SHOWN = 10


def scope(actor: Staff) -> str | None:
    """Whose figures a person may see: their department's (heads), or all (coordinators)."""
    if actor.role is Role.COORDINATOR:
        return None
    if actor.role is Role.HEAD and actor.department:
        return actor.department
    raise errors.NotAllowed("stats")


def choose_period(deps: Deps, words: list[str]) -> Period:
    return parse_period(words, deps.clock.now(), deps.zone)


async def stats(deps: Deps, actor: Staff, period: Period, medians: bool = True) -> Report:
    """The figures of the period, counted up to now: whole days from the daily figures, the
    pieces of days at either end from the timeline, the medians from the timeline. A head's
    report has their department's and the district's figures part by part of the period too
    (`stretches`), from the same daily figures read day by day: no more reading than the
    period's totals take. Without `medians` (the dashboard, which shows none), every wait of
    the period is not read: most of a year's time at a million issues; the rates, the score
    and the ranking are the same."""
    now = deps.clock.now()
    end = min(period.end, now)
    pieces, days = whole_days(period.start, end, deps.zone)
    by_day: list[DayCounts] = []
    async with deps.store.reading() as tx:  # a year's figures take a while: never hold up steps
        actor = await reload_actor(tx, actor)
        department = scope(actor)
        # The waits, for the medians (no view shows the district's): one part per department.
        waits = await tx.metrics.waits(period.start, end, department) if medians else []
        open_now = await tx.metrics.open_now(now, _hidden_from(actor))
        counted: list[DepartmentCounts] = []  # every department's, as the district's are
        by_person: dict[int, PersonCounts] = {}
        if days is not None:
            if department is None:
                counted += await tx.metrics.daily(*days)
            else:
                by_day = await tx.metrics.daily_by_day(
                    *days, department, _by_month(period.start, end, deps.zone)
                )
                counted += [d.district for d in by_day]
            _add_people(by_person, await tx.metrics.by_person(*days))
        in_pieces: list[tuple[datetime, list[DepartmentCounts]]] = []
        for start, stop in pieces:
            in_pieces.append((start, await tx.metrics.counted(start, stop)))
            _add_people(by_person, await tx.metrics.by_person_counted(start, stop))
        people = await tx.metrics.people(now)
        flagged = (
            await tx.timeline.flagged(period.start, end, FLAGGED_SHOWN + 1)
            if department is None
            else []
        )
    counted += [part for _, piece in in_pieces for part in piece]
    district = total(counted)
    # A head's whole days come as the district's and theirs: theirs count for them.
    parts = [*open_now, *counted, *(d.department for d in by_day)]
    codes = [d.code for d in deps.org.departments] if department is None else [department]
    if department is None:  # a department the file no longer lists, with figures in the period
        listed = set(codes)
        codes += sorted(
            {p.department for p in [*waits, *parts] if p.department not in listed}
            & {d.code for d in deps.org.retired_departments}
        )
    totals = {code: DepartmentCounts(code) for code in codes}
    for wait in waits:  # taken, not copied: a year in a big city has a million
        if wait.department in totals:
            totals[wait.department].accept_seconds = wait.accept_seconds
            totals[wait.department].resolve_seconds = wait.resolve_seconds
    for part in parts:
        if part.department in totals:
            totals[part.department].add(part)
            totals[part.department].open_now += part.open_now
            totals[part.department].overdue_now += part.overdue_now
    workload = [
        _with_counts(p, by_person.get(p.staff_id, PersonCounts()), actor)
        for p in people
        if department is None or p.department == department
    ]
    if department is not None and actor.id in by_person:
        # A head's department figures leave out the complaints about the head (a count alone
        # could tell them one is there), as their own line of the people does.
        totals[department].complaints -= by_person[actor.id].complaints
    metrics = [compute(totals[code]) for code in codes]
    trend = (
        []
        if department is None
        else _trend(department, period.start, end, by_day, in_pieces, deps.zone)
    )
    return Report(
        period,
        # The score is the district's: it weighs a rate with no data as the district's median,
        # and ranks; a head's view has their department alone, and no score.
        ranked(metrics, deps.org.evaluation.weights) if department is None else metrics,
        workload,
        everywhere=department is None,
        at=now,
        district=compute(district),
        trend=trend,
        uneven=uneven(workload),
        flagged=flagged,
    )


async def trend(deps: Deps, actor: Staff, period: Period, department: str | None) -> list[Stretch]:
    """A department's figures (any, for a coordinator; a head's own) and the district's, part
    by part of the period, as a head's /stats splits it (`stretches`), from the same daily
    figures; without a department (None), the district's alone (and the department's zero)."""
    now = deps.clock.now()
    end = min(period.end, now)
    pieces, days = whole_days(period.start, end, deps.zone)
    code = department or DISTRICT
    async with deps.store.reading() as tx:
        actor = await reload_actor(tx, actor)
        own = scope(actor)
        if own is not None and department not in (None, own):
            raise errors.NotAllowed("stats")
        by_day = (
            await tx.metrics.daily_by_day(*days, code, _by_month(period.start, end, deps.zone))
            if days is not None
            else []
        )
        in_pieces = [(start, await tx.metrics.counted(start, stop)) for start, stop in pieces]
    return _trend(code, period.start, end, by_day, in_pieces, deps.zone)


def _hidden_from(actor: Staff) -> int | None:
    """Whose complaints an export leaves out: a head's own (a coordinator's has all)."""
    return None if actor.role is Role.COORDINATOR else actor.id


def _add_people(into: dict[int, PersonCounts], counted: dict[int, PersonCounts]) -> None:
    for staff_id, counts in counted.items():
        mine = into.setdefault(staff_id, PersonCounts())
        for name in ("closed", "resolved", "complaints", "praised"):
            setattr(mine, name, getattr(mine, name) + getattr(counts, name))


def _with_counts(p: PersonLoad, counts: PersonCounts, viewer: Staff) -> PersonLoad:
    """The person's line with their figures; the complaints about a person are seen only by
    coordinators and their head, never by themselves (a head reading their own line)."""
    return dataclasses.replace(
        p,
        closed_in_period=counts.closed,
        resolved_in_period=counts.resolved,
        complaints=None if p.staff_id == viewer.id else counts.complaints,
        praised=counts.praised,
    )


def _by_month(start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """Whether the chart of [start, end) goes by calendar month (`_trend`'s `stretches`): then
    each whole month's figures may be read as one."""
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return stride(start.astimezone(zone).date(), last) == "month"


def _trend(
    department: str,
    start: datetime,
    end: datetime,
    by_day: list[DayCounts],
    in_pieces: list[tuple[datetime, list[DepartmentCounts]]],
    zone: ZoneInfo,
) -> list[Stretch]:
    """The department's and the district's figures in each part of [start, end): the whole
    days' from the daily figures, the pieces of days at either end's from the timeline."""
    days: list[tuple[date, DepartmentCounts, DepartmentCounts]] = [
        (d.day, d.department, d.district) for d in by_day
    ]
    for piece_start, counted in in_pieces:
        own = [c for c in counted if c.department == department]
        days.append((piece_start.astimezone(zone).date(), total(own, department), total(counted)))
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    found = []
    for first_day, last_day in stretches(start.astimezone(zone).date(), last):
        within = [d for d in days if first_day <= d[0] <= last_day]
        found.append(
            Stretch(
                first_day,
                last_day,
                compute(total((own for _, own, _ in within), department)),
                compute(total(whole for _, _, whole in within)),
            )
        )
    return found


async def start_export(deps: Deps, actor: Staff, period: str, chat_id: int) -> None:
    """Put on record that this person's export of the period (as they read it) is being built
    (refused if they may not export, or if one of theirs is being built already)."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        scope(actor)
        building = await tx.running_exports.start(
            RunningExport(actor.id, chat_id, period), deps.clock.now()
        )
    if building is not None:
        raise errors.ExportRunning(building)


async def export_ended(deps: Deps, staff_id: int) -> None:
    """The export was sent, or its person told why not: off the record."""
    async with deps.store.transaction() as tx:
        await tx.running_exports.end(staff_id)


async def tell_of_exports_cut_short(deps: Deps) -> int:
    """At a start: exports on record were cut short (a crash, or a stop that could not tell
    their people): each person hears it through the outbox. How many."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        cut_short = await tx.running_exports.take_all()
        for export in cut_short:
            await tx.outbox.add(
                notice_item(
                    f"export-cut-short:{export.staff_id}:{int(now.timestamp())}",
                    export.chat_id,
                    export.staff_id,
                    Notice.EXPORT_INTERRUPTED,
                    now,
                    period=export.period,
                )
            )
    return len(cut_short)


async def export_size(deps: Deps, actor: Staff, period: Period) -> int:
    """How many rows this person's export of the period holds (its issues and their steps), to
    know before building it whether it can be sent. Counted on the reading connection: a
    year of a city's steps (3 million rows: 0.3-1.5 s) holds up nobody's step."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
    async with deps.store.reading() as tx:
        return await tx.exports.rows(period.start, period.end, scope(actor), _hidden_from(actor))


async def issue_rows(
    deps: Deps, actor: Staff, period: Period, batch_size: int = BATCH
) -> AsyncIterator[list[ExportIssue]]:
    """The issues logged in the period, in batches; citizens' phones for coordinators only."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
    department = scope(actor)
    with_phones = actor.role is Role.COORDINATOR
    after: ExportCursor | None = None
    while True:
        async with deps.store.transaction() as tx:
            batch = await tx.exports.issues(
                period.start, period.end, department, after, batch_size, _hidden_from(actor)
            )
        if batch:
            yield (
                batch
                if with_phones
                else [dataclasses.replace(row, citizen_phone=None) for row in batch]
            )
        if len(batch) < batch_size:
            return
        after = ExportCursor(batch[-1].created_at, batch[-1].id)


async def event_rows(
    deps: Deps, actor: Staff, period: Period, batch_size: int = BATCH
) -> AsyncIterator[list[ExportEvent]]:
    """The timelines of those issues, issue by issue, in batches."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
    department = scope(actor)
    after: ExportCursor | None = None
    while True:
        async with deps.store.transaction() as tx:
            page = await tx.exports.events(
                period.start,
                period.end,
                department,
                after,
                max(1, batch_size // 5),  # about five steps an issue
                _hidden_from(actor),
            )
        if page.events:
            yield page.events
        if page.last is None:
            return
        after = page.last


async def queue_weekly_report(deps: Deps) -> int:
    """Once a week, at the organisation's day and time: the ranking to every coordinator."""
    now = deps.clock.now()
    local = now.astimezone(deps.zone)
    policy = deps.org.reminders
    if local.weekday() != policy.weekly_day or local.time() < policy.weekly_at:
        return 0
    return await queue_once(deps, local.date().isoformat(), WEEKLY_REPORT)


def weekly_period(deps: Deps) -> Period:
    return last_week(deps.clock.now(), deps.zone)
