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
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram import Bot, InputFile, InputMediaPhoto, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, filters

from casework import errors
from casework.metrics import PERIOD_MAX_DAYS, BadPeriod, Period, PeriodTooLong
from casework.people import Staff
from casework.services import reports
from exports.process import ExportJob, build_export
from exports.workbook import SURELY_OVER, estimated_mb
from handlers.context import BotContext, Resources
from rendering import dates
from rendering.i18n import Texts
from rendering.refusals import explain
from rendering.reports import charts_of, report_text

log = logging.getLogger(__name__)
TELL_WITHIN = 3  # seconds: a line about an export, even while the bot stops (README: 8 s)


async def show_stats(update: Update, context: BotContext) -> None:
    """`/stats [period]`: the figures, and a chart of the rates."""
    message = update.effective_message
    assert message is not None
    t, deps = context.t, context.deps
    try:
        period = reports.choose_period(deps, list(context.args or []))
        context.resources.stats_asked.take(context.staff.id, deps.clock.now())
        report = await reports.stats(deps, context.staff, period)
    except BadPeriod as bad:
        await message.reply_text(_period_usage(t, "stats", bad))
        return
    await message.reply_html(report_text(report, t, deps))
    charts = await charts_of(report, t, deps)
    if len(charts) == 1:
        await message.reply_photo(charts[0])
    elif charts:  # a large district's ranking: a picture per rate
        await message.reply_media_group([InputMediaPhoto(chart) for chart in charts])


async def export(update: Update, context: BotContext) -> None:
    """`/export [period] [csv]`: issues, timeline, metrics and workload as a file, built in the
    background and sent when ready."""
    message = update.effective_message
    assert message is not None
    t, deps, actor, resources = context.t, context.deps, context.staff, context.resources
    words = list(context.args or [])
    as_csv = bool(words) and words[-1].lower() == "csv"
    if as_csv:
        words = words[:-1]
    try:
        period = reports.choose_period(deps, words)
        reports.scope(actor)  # refused at once, not when the file would be ready
        resources.exports_asked.take(actor.id, deps.clock.now())
        label = dates.period(period, deps.zone, t)
        await reports.start_export(deps, actor, label, message.chat_id)  # one at a time
    except BadPeriod as bad:
        await message.reply_text(_period_usage(t, "export", bad))
        return
    job = _Export(context.bot, resources, actor, message.chat_id, t, period, as_csv)
    resources.exports.start(actor.id, label, job.run)
    await message.reply_text(
        t._(
            "Building the export of {period}; I will send it here when it is ready. You can go "
            "on using the bot meanwhile.",
            period=label,
        )
    )


@dataclass(frozen=True)
class _Export:
    """One person's export, built in the background (exports/jobs.py)."""

    bot: Bot
    resources: Resources
    actor: Staff
    chat_id: int
    t: Texts
    period: Period
    as_csv: bool

    async def run(self, turns: asyncio.Semaphore) -> None:
        """Build and send it; whatever happens, the person hears (here, or through the outbox
        at the next start if the bot stops before it could tell them), and it goes off the
        record (`reports.start_export`)."""
        t = self.t
        told = True
        try:
            await self._build_and_send(turns)
        except asyncio.CancelledError:  # the bot is stopping
            told = await self._tell(
                t._(
                    "The bot is restarting, so your export of {period} was stopped. Please send "
                    "/export again in a minute.",
                    period=dates.period(self.period, self.resources.deps.zone, t),
                )
            )
            raise
        except errors.CaseworkError as refusal:  # say, access ended meanwhile
            await self._tell(explain(refusal, t), html=True)
        except Exception:
            log.exception("the export for staff %s could not be built", self.actor.id)
            await self._tell(
                t._("Sorry, the export could not be built. Please try again in a while.")
            )
        finally:
            if told:  # else it stays on record: the next start tells them
                await self._off_the_record()

    async def _off_the_record(self) -> None:
        try:
            await reports.export_ended(self.resources.deps, self.actor.id)
        except Exception:  # the next start tells them it was cut short: better than nothing
            log.exception("the export for staff %s could not be taken off record", self.actor.id)

    async def _build_and_send(self, turns: asyncio.Semaphore) -> None:
        t, deps, settings = self.t, self.resources.deps, self.resources.settings
        name = _file_name(self.period, deps.zone, t, self.as_csv)
        # On disk, not in memory (a year's workbook can be large), in a file with no name:
        # nothing is left behind whatever happens to the bot.
        with tempfile.TemporaryFile() as spool:
            limit_mb = settings.telegram_upload_limit_mb
            # Surely too large to send (a year of a city): said at once, not after minutes.
            rows = await reports.export_size(deps, self.actor, self.period)
            about_mb = estimated_mb(rows, self.as_csv)
            if about_mb > limit_mb * SURELY_OVER:
                await self._tell(_too_large(t, about_mb, limit_mb, self.as_csv, estimated=True))
                return
            async with (
                _showing(self.bot, self.chat_id, ChatAction.UPLOAD_DOCUMENT),
                turns,  # waiting for its turn shows the same
            ):
                report = await reports.stats(deps, self.actor, self.period)
                job = ExportJob(
                    database=settings.database_url, org=deps.org, zone=deps.zone,
                    actor=self.actor, report=report, language=t.language, as_csv=self.as_csv,
                    batch_size=reports.BATCH,
                )  # fmt: skip
                await build_export(job, spool.fileno())
            size_mb = os.fstat(spool.fileno()).st_size / 1_000_000
            if size_mb > limit_mb:
                await self._tell(_too_large(t, size_mb, limit_mb, self.as_csv))
                return
            spool.seek(0)
            await self.bot.send_document(
                self.chat_id,
                InputFile(spool, filename=name),
                caption=dates.period(report.period, deps.zone, t),
                # Tens of MB on a slow line: a minute, and 8 s a MB (1 Mbit/s); then a minute
                # for Telegram to answer.
                write_timeout=60 + 8 * size_mb,
                read_timeout=60,
            )

    async def _tell(self, text: str, html: bool = False) -> bool:
        """A line to the person; given a few seconds (the bot may be stopping), and never
        raising: the export's own outcome is what matters. Whether it went."""
        try:
            async with asyncio.timeout(TELL_WITHIN):
                await self.bot.send_message(self.chat_id, text, parse_mode="HTML" if html else None)
        except Exception as exc:  # a timeout and Telegram's errors alike
            log.warning("could not tell staff %s about their export: %r", self.actor.id, exc)
            return False
        return True


@contextlib.asynccontextmanager
async def _showing(bot: Bot, chat_id: int, action: str) -> AsyncIterator[None]:
    """Show "sending a file…" (or another action) at the top of the chat while the block runs:
    a city's monthly workbook takes a while to build. Telegram shows an action for 5 s, so it is
    sent again every 4 s; a failure to show it changes nothing else."""

    async def keep_showing() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, action)
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


def _too_large(
    t: Texts, size_mb: float, limit_mb: float, as_csv: bool, estimated: bool = False
) -> str:
    size, limit = f"{size_mb:.1f}" if size_mb >= 1 else f"{size_mb:.2g}", f"{limit_mb:g}"
    if estimated and as_csv:
        return t._(
            "The export would be about {size} MB, more than the {limit} MB a bot may send. Try"
            " a shorter period.",
            size=size,
            limit=limit,
        )
    if estimated:
        return t._(
            "The workbook would be about {size} MB, more than the {limit} MB a bot may send. Try"
            " a shorter period, or add csv for a smaller file (for example /export month csv).",
            size=size,
            limit=limit,
        )
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


def _file_name(period: Period, zone: ZoneInfo, t: Texts, as_csv: bool) -> str:
    """`督办-2026年11月.xlsx`, `duban-November_2026.zip`: the period as the person reads it."""
    label = dates.period(period, zone, t).replace(" – ", "_").replace(" ", "_").replace(",", "")
    prefix = t._("duban")  # the bot's name, as the file's name begins
    return f"{prefix}-{label}.{'zip' if as_csv else 'xlsx'}"


def _period_usage(t: Texts, command: str, bad: BadPeriod) -> str:
    if isinstance(bad, PeriodTooLong):
        return t._(
            "A period is at most a year ({days} days); ask for a shorter one, for example "
            "/{command} 2026-01-01 2026-06-30.",
            days=PERIOD_MAX_DAYS,
            command=command,
        )
    return t._(
        "Usage: /{command} [week | this-week | last-week | month | last-month | 2026-11 |"
        " 2026-11-01 2026-11-15]",
        command=command,
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("stats", show_stats, filters=private),
        CommandHandler("export", export, filters=private),
    ]
