"""A report in words and as a chart: for /stats, and for the weekly report the sender sends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from casework.metrics import DepartmentMetrics
from casework.services import Deps
from casework.services.reports import Report
from rendering.charts import rates_chart
from rendering.dates import period
from rendering.i18n import Html, Texts
from rendering.labels import department_name, span


def percent(value: float | None, t: Texts) -> str:
    return f"{100 * value:.0f}%" if value is not None else t._("no data")


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
        for n, m in enumerate(report.departments, start=1):
            lines.append(
                t._(
                    "{n}. {department}: response {response} · on time {on_time} · "
                    "satisfied {satisfied}",
                    n=n,
                    department=department_name(m.department, org, t),
                    response=percent(m.response_rate, t),
                    on_time=percent(m.on_time_resolution_rate, t),
                    satisfied=percent(m.satisfaction_rate, t),
                )
            )
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
        lines += [
            t._(
                "{name}: {held} in hand, {closed} closed in the period",
                name=p.name,
                held=p.open_held,
                closed=p.closed_in_period,
            )
            for p in report.workload
        ]
    return Html("\n".join(lines))


def _figures(m: DepartmentMetrics, t: Texts) -> list[Html]:
    c = m.counts
    return [
        t._("Response rate: {rate} ({part} of {whole})", rate=percent(m.response_rate, t),
            part=c.answered_in_time, whole=c.handoffs_due - c.withdrawn_before_due),
        t._("On-time resolution rate: {rate} ({part} of {whole})",
            rate=percent(m.on_time_resolution_rate, t), part=c.resolved_in_time,
            whole=c.resolutions_due - c.transferred_before_due),
        t._("Resolution rate: {rate} ({part} of {whole} accepted)",
            rate=percent(m.resolution_rate, t), part=c.accepted_then_closed, whole=c.accepted),
        t._("Satisfaction rate: {rate} ({part} of {whole} call-backs)",
            rate=percent(m.satisfaction_rate, t), part=c.satisfied + c.basically_satisfied,
            whole=c.satisfied + c.basically_satisfied + c.dissatisfied),
        t._("Reopen rate: {rate}; return rate: {returns}", rate=percent(m.reopen_rate, t),
            returns=percent(m.return_rate, t)),
        t._("Median time to accept: {accept}; to resolve: {resolve}",
            accept=duration(m.median_to_accept, t), resolve=duration(m.median_to_resolve, t)),
        t._("Open now: {open}, overdue: {overdue}; praise: {praise}", open=c.open_now,
            overdue=c.overdue_now, praise=c.praise),
    ]  # fmt: skip


async def chart_of(report: Report, t: Texts, deps: Deps) -> bytes:
    title = t._("Rates, {period}", period=period(report.period, deps.zone, t))
    return await asyncio.to_thread(rates_chart, report.departments, t, deps.org, title)
