"""The playground's clock: real time plus an offset that only grows, kept on disk."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

# A fresh playground starts on a working morning, before the day's first digest (08:30): a
# trainee who opens it at night or at the weekend sees a working day begin, not the quiet hours'
# held reminders, and Reset gives empty phones (no digest already due).
MORNING_START = time(8, 0)


class PlaygroundClock:
    """`casework.clock.Clock` for the playground: the time runs as real time does, and moving
    it forward (an hour, a day, to a time of day) adds to an offset kept in `path`, so a
    restart keeps the playground's time. It never goes back."""

    def __init__(
        self, path: Path, zone: ZoneInfo, real: Callable[[], datetime] | None = None
    ) -> None:
        self._path, self.zone = path, zone
        self._real = real or (lambda: datetime.now(UTC))
        self.offset = self._read()

    def now(self) -> datetime:
        return self._real() + self.offset

    def advance(self, delta: timedelta) -> datetime:
        if delta > timedelta(0):
            self.offset += delta
            self._write()
        return self.now()

    def to(self, moment: datetime) -> datetime:
        """Forward to `moment`; a moment already past leaves the clock as it is."""
        return self.advance(moment - self.now())

    def to_next(self, local_time: time) -> datetime:
        """Forward to the next `local_time` of day in the district's time zone (today's if it
        is still ahead, else tomorrow's)."""
        here = self.now().astimezone(self.zone)
        moment = datetime.combine(here.date(), local_time, tzinfo=self.zone)
        if moment <= here:
            moment = datetime.combine(here.date() + timedelta(days=1), local_time, self.zone)
        return self.to(moment)

    def start_on_a_working_morning(self) -> datetime:
        """Forward to 08:00 of the next weekday (Monday to Friday, in the district's time zone):
        today's if it is a weekday before 08:00."""
        here = self.now().astimezone(self.zone)
        day = here.date() if here.time() <= MORNING_START else here.date() + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return self.to(datetime.combine(day, MORNING_START, tzinfo=self.zone))

    def reset(self) -> None:
        self.offset = timedelta(0)
        self._path.unlink(missing_ok=True)

    def _read(self) -> timedelta:
        try:
            seconds = float(json.loads(self._path.read_text("utf-8"))["offset_seconds"])
        except FileNotFoundError:
            return timedelta(0)
        except (OSError, ValueError, KeyError, TypeError) as problem:
            log.warning(
                "%s cannot be read (%s); the clock starts at the real time", self._path, problem
            )
            return timedelta(0)
        return timedelta(seconds=max(seconds, 0.0))

    def _write(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        saved = {"offset_seconds": self.offset.total_seconds()}
        scratch = self._path.with_suffix(".tmp")
        scratch.write_text(json.dumps(saved), "utf-8")
        scratch.replace(self._path)
