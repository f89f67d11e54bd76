"""How often one person may ask for the heavy things (figures, exports).

A year's figures at a million issues read for about a second and an export builds for minutes:
one person asking again and again must not take the machine from everyone else.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from casework.errors import TooManyRequests


@dataclass(frozen=True)
class Allowance:
    times: int
    per: timedelta


STATS = Allowance(times=10, per=timedelta(minutes=10))
EXPORTS = Allowance(times=5, per=timedelta(hours=1))


class Throttle:
    """At most `allowance.times` requests per person in any `allowance.per`.

    Kept in memory: after a restart everyone starts afresh, which costs nothing that matters.
    """

    def __init__(self, allowance: Allowance) -> None:
        self._allowance = allowance
        self._asked: dict[int, deque[datetime]] = {}

    def take(self, person: int, now: datetime) -> None:
        """Count one request, or refuse it with how long until the next one is allowed."""
        window = self._allowance.per
        asked = self._asked.setdefault(person, deque())
        while asked and asked[0] <= now - window:
            asked.popleft()
        if len(asked) >= self._allowance.times:
            raise TooManyRequests(asked[0] + window - now)
        asked.append(now)
