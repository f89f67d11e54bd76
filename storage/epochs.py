"""Times as the database keeps them, on every engine: whole seconds since 1970 (UTC), so that no
session time zone is relied on and a comparison is a comparison of integers."""

from __future__ import annotations

from datetime import UTC, datetime


def to_epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the bot keeps every time zone-aware")
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def maybe_from_epoch(seconds: int | None) -> datetime | None:
    return None if seconds is None else from_epoch(seconds)
