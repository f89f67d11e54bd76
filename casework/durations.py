"""Durations as people write them in the organisation file: `90s`, `30m`, `2h`, `3d`."""

from __future__ import annotations

import re
from datetime import timedelta

_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class BadDuration(ValueError):
    """A duration that is not a whole number followed by s, m, h or d."""


def parse_duration(text: str) -> timedelta:
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        raise BadDuration(f"{text!r} is not a duration like 90s, 30m, 2h or 3d")
    amount, unit = int(match.group(1)), match.group(2)
    if amount == 0:
        raise BadDuration(f"{text!r} must be longer than zero")
    return timedelta(**{_UNITS[unit]: amount})


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling of a duration, the inverse of `parse_duration`."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
