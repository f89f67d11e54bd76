"""A report in words and as a chart: for /stats, and for the weekly report the sender sends."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from casework.metrics import RANKED_RATES, DepartmentMetrics, Imbalance, PersonLoad
from casework.organisation import Organisation
from casework.services import Deps
from casework.services.reports import FLAGGED_SHOWN, Report
from rendering.charts import ranking_charts, trend_charts
from rendering.dates import period
from rendering.i18n import Html, Texts
from rendering.labels import department_name, span


def percent(value: float | None, t: Texts) -> str:
    return f"{100 * value:.0f}%" if value is not None else t._("no data")


def score(value: float | None, t: Texts) -> str:
    """The composite score out of 100, as a ranking reads: `86.5`."""
    return f"{100 * value:.1f}" if value is not None else t._("no data")


def duration(value: timedelta | None, t: Texts) -> str:
    return span(value, t) if value is not None else t._("no data")


def report_text(report: Report, t: Texts, deps: Deps) -> Html:
    """A short message: the ranking (coordinators) or one department's figures (heads)."""
    org = deps.org
    if report.everywhere:
        lines = [
            t._(
                "📊 <b>Departments ranked, {period}</b>", period=period(report.period, deps.zone, t)
            )
        ]
        rated = [m for m in report.departments if m.has_ranked_rates]
        for n, m in enumerate(rated, start=1):
            lines.append(
                t._(
                    "{n}. {department}: score {score} · contacted {contacted} · solved {solved} · "
                    "satisfied {satisfied} · accepted on time {accepted} · resolved on time "
                    "{resolved} · complaints {complaints} · praise {praise}",
                    n=n,
                    department=department_name(m.department, org, t),
                    score=score(m.score, t),
                    contacted=percent(m.contact_rate, t),
                    solved=percent(m.solved_rate, t),
                    satisfied=percent(m.satisfaction_rate, t),
                    accepted=percent(m.on_time_acceptance_rate, t),
                    resolved=percent(m.on_time_resolution_rate, t),
                    complaints=percent(m.complaint_rate, t),
                    praise=percent(m.praise_rate, t),
                )
            )
        idle = [m.department for m in report.departments if not m.has_ranked_rates]
        if idle:  # once, in one line: not a line of three "no data" each
            names = t._(", ").join(department_name(code, org, t) for code in idle)
            lines.append(t._("No data in this period: {departments}", departments=names))
        if any(m.ranked_rate(name) is None for m in rated for name in RANKED_RATES):
            lines.append(t._("<i>A rate with no data counts as the district's median.</i>"))
        repeated = _repeat_calls(report.departments, t, org)
        if repeated is not None:
            lines.append(repeated)
        duplicated = _duplicates(report.departments, t, org)
        if duplicated is not None:
            lines.append(duplicated)
        if report.flagged:
            lines.append(_flagged(report.flagged, t))
        lines += [_uneven(u, t, org) for u in report.uneven]
        return Html("\n".join(lines))
    [m] = report.departments
    lines = [
        t._(
            "📊 <b>{department}, {period}</b>",
            department=department_name(m.department, org, t),
            period=period(report.period, deps.zone, t),
        ),
        *_figures(m, t),
    ]
    if report.workload:
        lines.append(t._("<b>Workload</b>"))
        lines += [_load(p, t) for p in report.workload]
    lines += [_uneven(u, t, org) for u in report.uneven]
    return Html("\n".join(lines))


def _duplicates(
    departments: Sequence[DepartmentMetrics], t: Texts, org: Organisation
) -> Html | None:
    """`👥 重复件：市政道路科 2 件`: the departments whose open issues were reported again as the
    same problem, the most first; None when none was."""
    linked = sorted(
        (m for m in departments if m.counts.duplicates), key=lambda m: -m.counts.duplicates
    )
    if not linked:
        return None
    parts = t._(", ").join(
        t._(
            "{department} {n}",
            department=department_name(m.department, org, t),
            n=m.counts.duplicates,
        )
        for m in linked
    )
    return t._("👥 Duplicates (the same problem reported again): {departments}", departments=parts)


def _repeat_calls(
    departments: Sequence[DepartmentMetrics], t: Texts, org: Organisation
) -> Html | None:
    """`📞 重复来电（催单）：市政道路科 3 件，排水管理所 1 件`: the departments citizens called
    again about, the most first; None when nobody called again."""
    called = sorted(
        (m for m in departments if m.counts.repeat_calls),
        key=lambda m: -m.counts.repeat_calls,
    )
    if not called:
        return None
    parts = t._(", ").join(
        t._(
            "{department} {n}",
            department=department_name(m.department, org, t),
            n=m.counts.repeat_calls,
        )
        for m in called
    )
    return t._("📞 Repeat calls (citizens calling again): {departments}", departments=parts)


def _flagged(numbers: Sequence[str], t: Texts) -> Html:
    """`⚠️ 多次反映报督办：2611-0051、2611-0042`: the issues flagged in the period, the latest
    first; `…` when there are more than `FLAGGED_SHOWN`."""
    shown = t._(", ").join(numbers[:FLAGGED_SHOWN])
    if len(numbers) > FLAGGED_SHOWN:
        shown = Html(shown + " …")
    return t._("⚠️ Flagged for repeated reports: {numbers}", numbers=shown)


def _load(p: PersonLoad, t: Texts) -> Html:
    """A person's line: what they hold now (and how much of it is overdue, when any is, as on
    the Assign buttons), their closings in the period, and the complaints about them (not on
    a head's own line: nobody sees the complaints about themselves)."""
    line = _held_and_closed(p, t)
    if p.complaints is None:
        return line
    return t._(
        "{line}, {complaints} complaints (complaint rate {rate})",
        line=line,
        complaints=p.complaints,
        rate=percent(p.complaint_rate, t),
    )


def _held_and_closed(p: PersonLoad, t: Texts) -> Html:
    if p.overdue_held:
        return t._(
            "{name}: {held} in hand ({overdue} overdue), {closed} closed in the period",
            name=p.name,
            held=p.open_held,
            overdue=p.overdue_held,
            closed=p.closed_in_period,
        )
    return t._(
        "{name}: {held} in hand, {closed} closed in the period",
        name=p.name,
        held=p.open_held,
        closed=p.closed_in_period,
    )


def _uneven(u: Imbalance, t: Texts, org: Organisation) -> Html:
    """`⚖️ 忙闲不均：市政道路科 刘强在办 9 件，人均 3 件`."""
    return t._(
        "⚖️ Uneven workload: {department}, {name} has {held} in hand, {mean} per person",
        department=department_name(u.department, org, t),
        name=u.busiest.name,
        held=u.busiest.open_held,
        mean=f"{u.mean:.1f}".removesuffix(".0"),
    )


def _figures(m: DepartmentMetrics, t: Texts) -> list[Html]:
    c = m.counts
    return [
        t._("<b>What citizens said at the call-back</b>"),
        t._("Contact rate: {rate} ({part} of {whole} asked said they were contacted)",
            rate=percent(m.contact_rate, t), part=c.contacted,
            whole=c.contacted + c.not_contacted),
        t._("Solved rate: {rate} ({solved} solved and {partly} partly solved, counted as half, "
            "of {whole} asked)", rate=percent(m.solved_rate, t), solved=c.solved,
            partly=c.partly_solved, whole=c.solved + c.partly_solved + c.not_solved),
        t._("Satisfaction rate: {rate} ({part} of {whole} call-backs)",
            rate=percent(m.satisfaction_rate, t), part=c.satisfied + c.basically_satisfied,
            whole=c.satisfied + c.basically_satisfied + c.dissatisfied),
        t._("<b>The department's own steps</b>"),
        t._("On-time acceptance rate: {rate} ({part} of {whole})",
            rate=percent(m.on_time_acceptance_rate, t), part=c.answered_in_time,
            whole=c.handoffs_due - c.withdrawn_before_due),
        t._("On-time resolution rate: {rate} ({part} of {whole})",
            rate=percent(m.on_time_resolution_rate, t), part=c.resolved_in_time,
            whole=c.resolutions_due - c.transferred_before_due),
        t._("Closing rate: {rate} ({part} of {whole} accepted)",
            rate=percent(m.closing_rate, t), part=c.accepted_then_closed, whole=c.accepted),
        t._("Reopen rate: {rate}; return rate: {returns}", rate=percent(m.reopen_rate, t),
            returns=percent(m.return_rate, t)),
        t._("Median time to accept: {accept}; to resolve: {resolve}",
            accept=duration(m.median_to_accept, t), resolve=duration(m.median_to_resolve, t)),
        t._("Open now: {open}, overdue: {overdue}; praise: {praise}", open=c.open_now,
            overdue=c.overdue_now, praise=c.praise),
        t._("Complaint rate: {rate} ({part} complaints, {whole} resolved); "
            "praise rate: {praise_rate} ({praise} of {closed} closed)",
            rate=percent(m.complaint_rate, t), part=c.complaints, whole=c.resolved,
            praise_rate=percent(m.praise_rate, t), praise=c.praise, closed=c.closed),
        t._("Repeat calls (citizens calling again about its open issues): {n}",
            n=c.repeat_calls),
        t._("Duplicates (the same problem reported again, linked to its open issues): {n}",
            n=c.duplicates),
    ]  # fmt: skip


async def charts_of(report: Report, t: Texts, deps: Deps) -> list[bytes]:
    """A coordinator's: the departments ranked, rate by rate (more pictures for a larger
    district); a head's: their department against the district over the period (two
    pictures when all five rates have data)."""
    when = period(report.period, deps.zone, t)
    org = deps.org
    district = report.district
    if district is None or not district.has_ranked_rates:
        return []  # nothing to draw: the text says there is no data, a picture would add nothing
    if report.everywhere:
        title = t._("Departments by their score, {period}", period=when)
        return await asyncio.to_thread(
            ranking_charts, report.departments, report.district, org.targets, t, org, title
        )
    [m] = report.departments
    title = t._(
        "{department}, {period}", department=department_name(m.department, org, t), period=when
    )
    return await asyncio.to_thread(
        trend_charts, m, report.district, report.trend, org.targets, t, org, title
    )
