"""When a department must respond to, and resolve, an issue.

Both clocks start when a department receives the issue (submission, re-routing or
transfer): respond (accept or return) within the category's `respond_within`, resolve within
`resolve_within`; the `urgent_` durations for urgent issues. Accepting keeps the resolution
deadline. Reopening gives the department a fresh `resolve_within` from the moment of reopening.

A time in working days (`5wd`) ends with working hours on a working day of the organisation's
calendar (casework/workdays.py). A deadline is computed once, when the clock starts, and
stored with the number of working days it was given (`Deadline.workdays`, None for calendar
time): a change of the calendar or of the file later does not move it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.durations import Limit, WorkingDays
from casework.organisation import Category
from casework.workdays import WorkCalendar


@dataclass(frozen=True)
class Deadline:
    at: datetime
    workdays: int | None = None  # given in working days: how many


def deadline(limit: Limit, start: datetime, calendar: WorkCalendar) -> Deadline:
    if isinstance(limit, WorkingDays):
        return Deadline(calendar.deadline(start, limit.days), limit.days)
    return Deadline(start + limit)


def response_deadline(
    category: Category, urgent: bool, received_at: datetime, calendar: WorkCalendar
) -> Deadline:
    limit = category.urgent_respond_within if urgent else category.respond_within
    return deadline(limit, received_at, calendar)


def resolution_deadline(
    category: Category, urgent: bool, start: datetime, calendar: WorkCalendar
) -> Deadline:
    limit = category.urgent_resolve_within if urgent else category.resolve_within
    return deadline(limit, start, calendar)
