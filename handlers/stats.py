"""/stats and /export: how departments perform, as a message, a chart and a spreadsheet.

Periods: `week` (the last 7 days), `month` (this month so far; the default), `2026-11`, or two
dates `2026-11-01 2026-11-15`. `/export … csv` gives CSV files in a ZIP instead of XLSX.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator

from telegram import InputFile, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, filters

from casework import errors
from casework.metrics import BadPeriod, Period
from casework.services import reports
from handlers.context import BotContext
from handlers.i18n import Texts
from handlers.refusals import explain
from handlers.reports.export_process import ExportJob, build_export
from handlers.reports.summary import chart_of, report_text

log = logging.getLogger(__name__)


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
    settings = context.runtime.settings
    job = ExportJob(
        database=settings.database_path, org=deps.org, zone=deps.zone, actor=actor,
        report=report, language=t.language, as_csv=as_csv, batch_size=reports.BATCH,
    )  # fmt: skip
    limit_mb = settings.telegram_upload_limit_mb
    # On disk, not in memory (a year's workbook can be large), in a file with no name: nothing
    # is left behind whatever happens to the bot.
    with tempfile.TemporaryFile() as spool:
        async with (
            _showing(context, message.chat_id, ChatAction.UPLOAD_DOCUMENT),
            context.runtime.exports,  # waiting for its turn shows the same
        ):
            await build_export(job, spool.fileno())
        size_mb = os.fstat(spool.fileno()).st_size / 1_000_000
        if size_mb > limit_mb:
            await message.reply_text(_too_large(t, size_mb, limit_mb, as_csv))
            return
        spool.seek(0)
        await message.reply_document(
            InputFile(spool, filename=name),
            caption=report.period.label,
            # Tens of MB on a slow line: a minute, and 8 s a MB (1 Mbit/s); then a minute for
            # Telegram to answer.
            write_timeout=60 + 8 * size_mb,
            read_timeout=60,
        )


@contextlib.asynccontextmanager
async def _showing(context: BotContext, chat_id: int, action: str) -> AsyncIterator[None]:
    """Show "sending a file…" (or another action) at the top of the chat while the block runs:
    a city's monthly workbook takes a while to build. Telegram shows an action for 5 s, so it is
    sent again every 4 s; a failure to show it changes nothing else."""

    async def keep_showing() -> None:
        while True:
            try:
                await context.bot.send_chat_action(chat_id, action)
            except TelegramError as exc:
                log.debug("could not show %s: %s", action, exc)
            await asyncio.sleep(4)

    shown = asyncio.create_task(keep_showing(), name=f"showing-{action}")
    try:
        yield
    finally:
        shown.cancel()
        try:
            await shown
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():  # the export itself was cancelled
                raise


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
