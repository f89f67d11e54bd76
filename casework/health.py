"""Whether the bot is working, judged from what it keeps in the database: updates flowing, the
outbox draining, the sweep on time (`bot.py check`, the metrics endpoint). Pure: the figures
in, the findings out, at the time given.

The bot's loops write a heartbeat when they do their work (`Heartbeat`: when, and how often
they mean to): the fetching of updates at most every `UPDATES_EVERY` (each answered getUpdates,
empty or not: a quiet night is not an outage), the sweep after each pass. The sender needs
none: what it has not delivered is in the outbox, and the oldest message due and not sent says
whether it keeps up.

Messages here are for the operator: English, not translated (as the log's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# How often the fetching of updates writes its heartbeat (a long poll answers every few
# seconds; one write in 30 s costs nothing).
UPDATES_EVERY = timedelta(seconds=30)
# A heartbeat is late once it is older than twice its interval and this: a loop may miss one
# beat (a slow pass, a long poll cut short) without being called down.
GRACE = timedelta(seconds=60)
# The oldest message due and not sent may wait this long before the sender counts as stuck:
# Telegram's pace lets a group take 20 messages a minute, a person one a second, so a wave of
# reminders takes minutes to drain (README, "Deployment").
OUTBOX_WITHIN = timedelta(minutes=10)


class Beat(StrEnum):
    """The loops that write a heartbeat."""

    UPDATES = "updates"  # a getUpdates answered (polling): the updates are flowing
    SWEEP = "sweep"  # a sweep ended without failing


@dataclass(frozen=True)
class Heartbeat:
    beat: Beat
    at: datetime  # when it last beat
    every: timedelta  # how often it means to

    @property
    def late_after(self) -> timedelta:
        return self.every * 2 + GRACE


@dataclass(frozen=True)
class Backlog:
    """The outbox's messages due and not yet sent (nor given up)."""

    due: int
    oldest_due_at: datetime | None

    def oldest_age(self, now: datetime) -> timedelta:
        if self.oldest_due_at is None:
            return timedelta(0)
        return max(timedelta(0), now - self.oldest_due_at)


@dataclass(frozen=True)
class Figures:
    """What the store says about the bot's loops."""

    heartbeats: dict[Beat, Heartbeat]
    backlog: Backlog


@dataclass(frozen=True)
class Finding:
    check: str  # "updates", "outbox", "sweep"
    ok: bool
    line: str  # one line for the operator

    def __str__(self) -> str:
        return f"{self.check}: {'ok' if self.ok else 'NOT OK'}: {self.line}"


def judge(
    figures: Figures, now: datetime, outbox_within: timedelta = OUTBOX_WITHIN
) -> list[Finding]:
    """One finding for each check: updates, outbox, sweep."""
    return [
        _beating(
            figures.heartbeats.get(Beat.UPDATES),
            now,
            "updates",
            "the last getUpdates answered",
            "no getUpdates answered yet (the bot is starting, or cannot reach the Bot API)",
        ),
        _draining(figures.backlog, now, outbox_within),
        _beating(
            figures.heartbeats.get(Beat.SWEEP),
            now,
            "sweep",
            "the last sweep ended",
            "no sweep recorded yet (the bot is starting, or every sweep fails: see its log)",
        ),
    ]


def healthy(findings: list[Finding]) -> bool:
    return all(finding.ok for finding in findings)


def _beating(
    heartbeat: Heartbeat | None, now: datetime, check: str, what: str, never: str
) -> Finding:
    if heartbeat is None:
        return Finding(check, False, never)
    age = now - heartbeat.at
    if age > heartbeat.late_after:
        return Finding(
            check,
            False,
            f"{what} {span(age)} ago, at {heartbeat.at:%Y-%m-%d %H:%M:%S} UTC"
            f" (late after {span(heartbeat.late_after)})",
        )
    return Finding(check, True, f"{what} {span(age)} ago")


def _draining(backlog: Backlog, now: datetime, within: timedelta) -> Finding:
    age = backlog.oldest_age(now)
    if backlog.due and age > within:
        return Finding(
            "outbox",
            False,
            f"{backlog.due} messages due and not sent, the oldest due {span(age)} ago"
            f" (late after {span(within)}): the sender is stuck or cannot keep up",
        )
    if not backlog.due:
        return Finding("outbox", True, "no message waiting")
    return Finding("outbox", True, f"{backlog.due} messages due, the oldest {span(age)} ago")


def span(delta: timedelta) -> str:
    """`45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`: how long, for a line."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def webhook_delivering(
    url: str, pending: int, last_error_at: datetime | None, since: datetime | None
) -> bool:
    """By webhook there is no fetch to beat with: Telegram's getWebhookInfo says whether it
    delivers. It does while the webhook is set and no delivery failed since the last look
    (`since`) with updates left waiting; a failure long ago, or one that left nothing waiting,
    is over."""
    if not url:
        return False
    failing = last_error_at is not None and (since is None or last_error_at >= since)
    return not (failing and pending > 0)
