"""Working days (工作日) and working hours, on China's official holiday calendar.

Working days in China are not Monday to Friday: public holidays move from year to year, and
some Saturdays or Sundays are made working days (调休) to bridge them. A `WorkCalendar` answers
from, in this order: the organisation file's overrides (`[calendar] holidays`, `workdays`: local
days, or a year the official calendar does not know yet), the official calendar (the State
Council's, `casework/state_council.py`), and for a year neither knows, Monday to Friday.

A deadline in working days (`5wd`) is the end of working hours on the working day that many
working days after the day the department received the issue; an issue received after working
hours, or on a day off, is received on the next working day. Times are in the time zone the
calendar is given (TIMEZONE). Pure: no state, no clock; nothing here reads the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# A walk over days never goes further than this (a year of working days, and then some).
_DAYS_AT_MOST = 800


class BadWorkingHours(ValueError):
    """Not `HH:MM-HH:MM` with the start before the end, within one day."""


class OfficialCalendar(Protocol):
    """The State Council's calendar of days off and make-up working days, for the years it
    knows."""

    @property
    def name(self) -> str:
        """What it is, for people: `chinesecalendar 1.11.0`."""
        ...

    def knows(self, year: int) -> bool: ...

    def is_workday(self, day: date) -> bool:
        """Only for a year it knows."""
        ...

    def last_year(self) -> int: ...


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(9, 0)
    end: time = time(17, 30)

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """`09:00-17:30`, within one day."""
        try:
            start_text, end_text = (part.strip() for part in text.split("-"))
            start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
        except ValueError:
            raise BadWorkingHours(f"{text!r} is not like 09:00-17:30") from None
        if start >= end:
            raise BadWorkingHours(
                f"{text!r} does not start before it ends (working hours are within one day)"
            )
        return cls(start, end)

    @property
    def length(self) -> timedelta:
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WorkCalendar:
    hours: WorkingHours = WorkingHours()
    # None: no official calendar, Monday to Friday for every year not in the overrides.
    official: OfficialCalendar | None = field(default=None, compare=False)
    holidays: frozenset[date] = frozenset()  # the file's days off
    workdays: frozenset[date] = frozenset()  # the file's working days
    zone: ZoneInfo = SHANGHAI

    def in_zone(self, zone: ZoneInfo) -> WorkCalendar:
        return WorkCalendar(self.hours, self.official, self.holidays, self.workdays, zone)

    # Days

    def is_workday(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        if self.official is not None and self.official.knows(day.year):
            return self.official.is_workday(day)
        return day.weekday() < 5

    def covers(self, year: int) -> bool:
        """The official calendar knows the year, or the file lists days of it."""
        if self.official is not None and self.official.knows(year):
            return True
        return any(d.year == year for d in self.holidays | self.workdays)

    def uncovered(self, years: Iterable[int]) -> list[int]:
        """Of `years`, those counted Monday to Friday for want of a calendar."""
        return sorted(year for year in set(years) if not self.covers(year))

    def next_workday(self, day: date) -> date:
        for _ in range(_DAYS_AT_MOST):
            day += timedelta(days=1)
            if self.is_workday(day):
                return day
        return day  # pragma: no cover - a calendar with no working day for two years

    # Moments

    def opens(self, day: date) -> datetime:
        return datetime.combine(day, self.hours.start, self.zone)

    def closes(self, day: date) -> datetime:
        return datetime.combine(day, self.hours.end, self.zone)

    def is_open(self, moment: datetime, *, closing: bool = False) -> bool:
        """Within working hours on a working day (`closing`: their last moment included, when
        a deadline in working days falls)."""
        local = moment.astimezone(self.zone)
        if not self.is_workday(local.date()):
            return False
        if closing and local.time() == self.hours.end:
            return True
        return self.hours.start <= local.time() < self.hours.end

    def next_open(self, moment: datetime) -> datetime:
        """`moment` if it is in working hours, else when they next begin."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_workday(day) and local.time() < self.hours.start:
            return self.opens(day)
        return self.opens(self.next_workday(day))

    def received_on(self, moment: datetime) -> date:
        """The working day an issue handed over at `moment` counts as received: that day, if
        it is a working day and working hours have not ended; else the next working day."""
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_workday(day) and local.time() < self.hours.end:
            return day
        return self.next_workday(day)

    def deadline(self, start: datetime, days: int) -> datetime:
        """The end of working hours on the working day `days` working days after the day the
        issue counts as received."""
        day = self.received_on(start)
        for _ in range(days):
            day = self.next_workday(day)
        return self.closes(day)

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """The working hours between two moments."""
        total = timedelta(0)
        if end <= start:
            return total
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last:
            if self.is_workday(day):
                begin, finish = max(start, self.opens(day)), min(end, self.closes(day))
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total

    def after(self, start: datetime, worked: timedelta) -> datetime:
        """The moment `worked` of working time after `start`."""
        day = start.astimezone(self.zone).date()
        for _ in range(_DAYS_AT_MOST):
            if self.is_workday(day):
                begin = max(start, self.opens(day))
                available = self.closes(day) - begin
                if available > timedelta(0):
                    if worked <= available:
                        return begin + worked
                    worked -= available
            day += timedelta(days=1)
        return start + worked  # pragma: no cover

    def before(self, end: datetime, worked: timedelta) -> datetime:
        """The moment `worked` of working time before `end`."""
        day = end.astimezone(self.zone).date()
        for _ in range(_DAYS_AT_MOST):
            if self.is_workday(day):
                finish = min(end, self.closes(day))
                available = finish - self.opens(day)
                if available > timedelta(0):
                    if worked <= available:
                        return finish - worked
                    worked -= available
            day -= timedelta(days=1)
        return end - worked  # pragma: no cover

    def workdays_left(self, now: datetime, deadline: datetime) -> int:
        """Working days from now to the deadline, today included while its working hours
        last: on the deadline's own day, 1."""
        if deadline <= now:
            return 0
        local = now.astimezone(self.zone)
        day, last = local.date(), deadline.astimezone(self.zone).date()
        count = 0
        if self.is_workday(day) and local.time() < self.hours.end:
            count += 1
        while day < last:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count
