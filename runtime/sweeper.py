"""The sweep: every SWEEP_INTERVAL_SECONDS, look for what has fallen due.

Nothing is scheduled in memory: each pass reads the database (reminder ladders, idle drafts,
the digest of the day), so what fell due while the bot was down goes out on the first pass.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from casework.health import Beat, Heartbeat
from casework.services import (
    Deps,
    calendar_years,
    health,
    housekeeping,
    overdue,
    reminders,
    reports,
)
from config.logs import RepeatedErrors

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, deps: Deps, interval_seconds: float) -> None:
        self._deps = deps
        self._interval = interval_seconds
        self._errors = RepeatedErrors(log, deps.clock.now)
        # The day the years the working-day calendar lacks were last looked for.
        self._calendar_checked: date | None = None

    async def sweep_once(self) -> None:
        """One pass: reminders due, the morning digest, idle drafts and questions, a year the
        working-day calendar does not know (the coordinators told once), and the retention
        policy; then its heartbeat (`bot.py check`: the sweep is on time)."""
        queued = await reminders.sweep(self._deps)
        digests = await overdue.queue_morning_digest(self._deps)
        digests += await reports.queue_weekly_report(self._deps)
        dropped = await housekeeping.drop_idle_conversations(self._deps)
        if queued or digests or dropped:
            log.info(
                "sweep: %d reminders, %d digests queued; %d idle drafts or questions dropped",
                queued,
                digests,
                dropped,
            )
        today = self._deps.clock.now().astimezone(self._deps.zone).date()
        if self._calendar_checked != today:  # once a day is enough (each look writes)
            for year in await calendar_years.tell_of_uncovered_years(self._deps):
                log.warning(
                    "working days: %d is not in the calendar; the coordinators are told", year
                )
            self._calendar_checked = today
        retained = await housekeeping.apply_retention(self._deps)
        if retained:
            log.info(
                "retention: personal data removed from %d issues, %d cards retired; "
                "%d delivered messages and %d unused invitations purged",
                retained.redacted,
                retained.cards_retired,
                retained.messages,
                retained.invitations,
            )
        every = timedelta(seconds=self._interval)
        await health.record(self._deps.store, Heartbeat(Beat.SWEEP, self._deps.clock.now(), every))

    async def run(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except Exception as exc:  # tried again at the next interval
                self._errors.failed("sweep", exc)
            else:
                self._errors.worked("sweep")
            await asyncio.sleep(self._interval)
