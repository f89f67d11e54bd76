"""Years the working-day calendar does not know: counted Monday to Friday, and the
coordinators told once.

The official calendar (casework/state_council.py) knows the years up to its last release; the
organisation file's `[calendar]` may cover a year it does not know yet. A deadline in working
days that falls in a year neither covers is still set (the bot keeps working), counting
weekends only: the coordinators hear it once for the year, to add the year's holidays to the
file (or update the package).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from casework.durations import WorkingDays
from casework.organisation import Organisation
from casework.outbox import Notice, notice_item
from casework.roles import Role
from casework.services import Deps

CLAIM = "calendar"  # the `digests` claim: a year told of, once
# The longest holiday (the Spring Festival's, with its make-up days around it) in calendar days,
# beyond what a limit in working days spans as Monday to Friday.
_HOLIDAY_SLACK = timedelta(days=21)
# Told this long before a deadline set then could fall in the year: time to add its days.
_NOTICE = timedelta(days=31)


def horizon(org: Organisation) -> timedelta | None:
    """How far ahead of now the calendar must know: as far as a deadline in working days set
    within a month may fall, from the longest of the categories' times in working days (None if
    no category counts working days)."""
    days = [
        limit.days
        for category in (*org.categories, *org.retired_categories)
        for limit in (
            category.respond_within,
            category.resolve_within,
            category.urgent_respond_within,
            category.urgent_resolve_within,
        )
        if isinstance(limit, WorkingDays)
    ]
    if not days:
        return None
    return timedelta(days=max(days) * 7 // 5 + 1) + _HOLIDAY_SLACK + _NOTICE


def uncovered_years(org: Organisation, now: datetime) -> list[int]:
    """The years a deadline set now, or within a month, may fall in that neither the official
    calendar nor the file covers (none if no category counts working days)."""
    ahead = horizon(org)
    if ahead is None:
        return []
    calendar = org.calendar
    first = now.astimezone(calendar.zone).year
    last = (now + ahead).astimezone(calendar.zone).year
    return calendar.uncovered(range(first, last + 1))


async def tell_of_uncovered_years(deps: Deps) -> list[int]:
    """Tell the coordinators of each year uncovered now, once a year; the years newly told."""
    now = deps.clock.now()
    years = uncovered_years(deps.org, now)
    if not years:
        return []
    told = []
    async with deps.store.transaction() as tx:
        for year in years:
            if not await tx.digests.claim(str(year), CLAIM):
                continue
            told.append(year)
            for person in await tx.staff.with_roles((Role.COORDINATOR,)):
                await tx.outbox.add(
                    notice_item(
                        f"calendar:{year}:{person.id}",
                        person.telegram_id,
                        person.id,
                        Notice.CALENDAR_UNKNOWN,
                        now,
                        year=year,
                        known=last_known(deps.org),
                    )
                )
    return told


def last_known(org: Organisation) -> str:
    """The official calendar's last year, as a word for people ("" if there is none)."""
    official = org.calendar.official
    return str(official.last_year()) if official is not None else ""
