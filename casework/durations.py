"""Durations as people write them in the organisation file: `90s`, `30m`, `2h`, `3d`; and, for
a category's times, working days (工作日): `5wd`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_LIMIT = re.compile(r"^\s*(\d+)\s*(wd|[smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# Working days beyond this are a slip (a limit of more than a year).
WORKDAYS_MAX = 250


class BadDuration(ValueError):
    """A duration that is not a whole number followed by s, m, h or d (or wd, where allowed)."""


@dataclass(frozen=True)
class WorkingDays:
    """A time limit in working days on the official calendar (casework/workdays.py)."""

    days: int

    def __str__(self) -> str:
        return f"{self.days}wd"


# A category's time limit: calendar time, or working days.
Limit = timedelta | WorkingDays


def parse_duration(text: str) -> timedelta:
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        if isinstance(text, str) and _LIMIT.match(text):
            raise BadDuration(
                f"{text!r}: working days (wd) are for a category's times only; write 90s, 30m,"
                " 2h or 3d here"
            )
        raise BadDuration(f"{text!r} is not a duration like 90s, 30m, 2h or 3d")
    amount, unit = int(match.group(1)), match.group(2)
    if amount == 0:
        raise BadDuration(f"{text!r} must be longer than zero")
    return timedelta(**{_UNITS[unit]: amount})


def parse_limit(text: str) -> Limit:
    """A category's time: a duration (`2h`, `3d`) or working days (`5wd`)."""
    match = _LIMIT.match(text) if isinstance(text, str) else None
    if match is None:
        raise BadDuration(
            f"{text!r} is not a time like 2h, 3d or 5wd (s, m, h, d, or wd for working days)"
        )
    amount, unit = int(match.group(1)), match.group(2)
    if unit != "wd":
        return parse_duration(text)
    if amount == 0:
        raise BadDuration(f"{text!r} must be longer than zero")
    if amount > WORKDAYS_MAX:
        raise BadDuration(f"{text!r} is more than {WORKDAYS_MAX} working days")
    return WorkingDays(amount)


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling of a duration, the inverse of `parse_duration`."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def format_limit(value: Limit) -> str:
    """The inverse of `parse_limit`."""
    return str(value) if isinstance(value, WorkingDays) else format_duration(value)
