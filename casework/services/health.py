"""The bot's heartbeats written, and read back with the outbox's backlog (casework/health.py
judges them): for `bot.py check`, another process, and the metrics endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta

from casework.health import Beat, Figures, Heartbeat
from casework.ports import Store, Transaction


class Pulse:
    """One loop's heartbeat, written at most every `every` (the moment of the last one written
    is kept here, so a loop that goes round often writes seldom)."""

    def __init__(self, beat: Beat, every: timedelta) -> None:
        self.beat = beat
        self.every = every
        self._last: datetime | None = None

    def due(self, now: datetime) -> bool:
        # A clock set back (a test's, or the system's corrected) beats at once.
        return self._last is None or not timedelta(0) <= now - self._last < self.every

    async def write(self, tx: Transaction, now: datetime) -> None:
        """Write it in `tx`; `written(now)` once that has committed."""
        await tx.heartbeats.beat(Heartbeat(self.beat, now, self.every))

    def written(self, now: datetime) -> None:
        self._last = now


async def record(store: Store, heartbeat: Heartbeat) -> None:
    """Write a heartbeat in a transaction of its own."""
    async with store.transaction() as tx:
        await tx.heartbeats.beat(heartbeat)


async def figures(store: Store, now: datetime) -> Figures:
    """The heartbeats and the outbox's backlog as last committed (quick reads that take no
    step's turn: `Store.peek`)."""
    async with store.peek() as tx:
        heartbeats = await tx.heartbeats.all()
        backlog = await tx.outbox.backlog(now)
    return Figures({h.beat: h for h in heartbeats}, backlog)
