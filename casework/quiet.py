"""Quiet hours: routine reminders wait for the morning; urgent ones go through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


class BadQuietHours(ValueError):
    """Not `HH:MM-HH:MM`."""


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """`22:00-07:30` (may span midnight); an empty text turns quiet hours off."""
        if not text.strip():
            return None
        try:
            start_text, end_text = (part.strip() for part in text.split("-"))
            start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
        except ValueError:
            raise BadQuietHours(f"{text!r} is not like 22:00-07:30") from None
        if start == end:
            raise BadQuietHours(f"{text!r} starts and ends at the same time")
        return cls(start, end)

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        now = moment.astimezone(zone).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def release(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """`moment` if it is outside quiet hours, else when they end."""
        if not self.contains(moment, zone):
            return moment
        local = moment.astimezone(zone)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
