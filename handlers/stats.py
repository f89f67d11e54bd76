"""/stats and /export: how departments perform, as a message, a chart and a spreadsheet.

Periods: `week` (the last 7 days), `month` (this month so far; the default), `2026-11`, or two
dates `2026-11-01 2026-11-15`. `/export … csv` gives CSV files in a ZIP instead of XLSX.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from typing import BinaryIO

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from casework import errors
from casework.metrics import BadPeriod, DepartmentMetrics, Period
from casework.people import Staff
from casework.roles import Role
from casework.services import Deps, reports
from casework.services.reports import Report
from handlers.context import BotContext
from handlers.i18n import Html, Texts
from handlers.labels import department_name, span
from handlers.refusals import explain
from handlers.reports.charts import rates_chart
from handlers.reports.workbook import CsvExport, Tables, XlsxExport


def percent(value: float | None, t: Texts) -> str:
    return f"{100 * value:.0f}%" if value is not None else t._("no data")


def duration(value: timedelta | None, t: Texts) -> str:
    return span(value, t) if value is not None else t._("no data")


def report_text(report: Report, t: Texts, deps: Deps) -> Html:
    """A short message: the ranking (coordinators) or one department's figures (heads)."""
    org = deps.org
    if report.everywhere:
        lines = [t._("📊 <b>Departments ranked, {period}</b>", period=report.period.label)]
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
            period=report.period.label,
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
    title = t._("Rates, {period}", period=report.period.label)
    return await asyncio.to_thread(rates_chart, report.departments, t, deps.org, title)


async def show_stats(update: Update, context: BotContext) -> None:
    """`/stats [period]`: the figures, and a chart of the rates."""
    message = update.effective_message
    assert message is not None
    t, deps = context.t, context.deps
    try:
        period = reports.choose_period(deps, list(context.args or []))
        report = await reports.stats(deps, context.staff, period)
    except BadPeriod:
        await message.reply_text(_period_usage(t, "stats"))
        return
    except errors.CaseworkError as refusal:
        await message.reply_html(explain(refusal, t))
        return
    await message.reply_html(report_text(report, t, deps))
    await message.reply_photo(await chart_of(report, t, deps))


async def export(update: Update, context: BotContext) -> None:
    """`/export [period] [csv]`: issues, timeline, metrics and workload as a file."""
    message = update.effective_message
    assert message is not None
    t, deps, actor = context.t, context.deps, context.staff
    words = list(context.args or [])
    as_csv = bool(words) and words[-1].lower() == "csv"
    if as_csv:
        words = words[:-1]
    try:
        period = reports.choose_period(deps, words)
        report = await reports.stats(deps, actor, period)
    except BadPeriod:
        await message.reply_text(_period_usage(t, "export"))
        return
    except errors.CaseworkError as refusal:
        await message.reply_html(explain(refusal, t))
        return
    name = f"duban-{_file_label(report.period)}.{'zip' if as_csv else 'xlsx'}"
    # On disk, not in memory: a year's workbook can be large.
    limit_mb = context.runtime.settings.telegram_upload_limit_mb
    with tempfile.TemporaryFile() as spool:
        await write_export(deps, actor, report, t, as_csv, spool)
        size_mb = spool.tell() / 1_000_000
        if size_mb > limit_mb:
            await message.reply_text(_too_large(t, size_mb, limit_mb, as_csv))
            return
        spool.seek(0)
        await message.reply_document(
            InputFile(spool, filename=name),
            caption=report.period.label,
            write_timeout=None,  # tens of MB on a slow line: no limit on the upload's length
        )


def _too_large(t: Texts, size_mb: float, limit_mb: float, as_csv: bool) -> str:
    size, limit = f"{size_mb:.1f}", f"{limit_mb:g}"
    if as_csv:
        return t._(
            "The export is {size} MB, more than the {limit} MB a bot may send. Try a shorter"
            " period.",
            size=size,
            limit=limit,
        )
    return t._(
        "The workbook is {size} MB, more than the {limit} MB a bot may send. Try a shorter"
        " period, or add csv for a smaller file (for example /export month csv).",
        size=size,
        limit=limit,
    )


async def write_export(
    deps: Deps, actor: Staff, report: Report, t: Texts, as_csv: bool, target: BinaryIO
) -> int:
    """The report's period as a workbook (or zipped CSV files) written to `target`; how many
    issue and timeline rows it holds. The rows are read in batches and written in a thread."""
    tables = Tables(t, deps.org, deps.zone, with_phones=actor.role is Role.COORDINATOR)
    file = CsvExport(tables) if as_csv else XlsxExport(tables)
    rows = 0
    async for issue_batch in reports.issue_rows(deps, actor, report.period):
        await asyncio.to_thread(file.add_issues, issue_batch)
        rows += len(issue_batch)
    async for event_batch in reports.event_rows(deps, actor, report.period):
        await asyncio.to_thread(file.add_events, event_batch)
        rows += len(event_batch)
    file.add_metrics(report.departments)
    file.add_people(report.workload)
    await asyncio.to_thread(file.save, target)
    return rows


def _file_label(period: Period) -> str:
    return period.label.replace(" – ", "_to_").replace(" ", "")


def _period_usage(t: Texts, command: str) -> str:
    return t._(
        "Usage: /{command} [week | month | 2026-11 | 2026-11-01 2026-11-15]",
        command=command,
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("stats", show_stats, filters=private),
        CommandHandler("export", export, filters=private),
    ]
