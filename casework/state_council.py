"""The State Council's calendar of public holidays and make-up working days (调休), from the
PyPI package `chinesecalendar` (import `chinese_calendar`): the one place it is imported.

Each release adds the next year once the State Council announces it (in the autumn); a year
it does not know raises in the package, so `knows` is asked first (casework/workdays.py).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib.metadata import version

import chinese_calendar
from chinese_calendar import constants


class StateCouncil:
    """The `OfficialCalendar` the bot runs with."""

    def __init__(self) -> None:
        # The years the package answers for: those of its holidays (it raises past the last
        # one, whatever make-up working days it may list beyond).
        self._first: int = min(constants.holidays).year
        self._last: int = max(constants.holidays).year
        self.name = f"chinesecalendar {version('chinesecalendar')}"
        # The package's answer for each day asked (it costs ~40 µs a call: it scans every
        # holiday it knows for its range each time); what it says of a day never changes.
        self._answers: dict[date, bool] = {}

    def knows(self, year: int) -> bool:
        return self._first <= year <= self._last

    def last_year(self) -> int:
        return self._last

    def is_workday(self, day: date) -> bool:
        answer = self._answers.get(day)
        if answer is None:
            answer = self._answers[day] = bool(chinese_calendar.is_workday(day))
        return answer


@cache
def state_council() -> StateCouncil:
    return StateCouncil()
