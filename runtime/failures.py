"""What to do when Telegram does not take an outbox message: a pure policy, applied by the
sender (runtime/sender.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class TryLater:
    delay: timedelta
    error: str
    pause_all: float = 0.0  # seconds every message waits (Telegram's 429)


@dataclass(frozen=True)
class GiveUp:
    error: str
    refused: bool = False  # Telegram refused the message itself (logged as such)
    pause_all: float = 0.0  # a 429 on the last try: every other message still waits


@dataclass(frozen=True)
class Unreachable:
    """The person cannot be written to: blocked the bot (403), or never opened a chat."""

    error: str
    blocked: bool


@dataclass(frozen=True)
class AlreadyShown:
    """An edit Telegram calls "not modified": the card already shows it."""


Outcome = TryLater | GiveUp | Unreachable | AlreadyShown


def after_failure(error: Exception, attempts: int, to_a_person: bool) -> Outcome:
    """What to do with a message whose `attempts`-th try (counting from 0) failed with `error`."""
    match error:
        case RetryAfter():
            seconds = _seconds(error.retry_after)
            later: Outcome = TryLater(
                timedelta(seconds=seconds), f"429: retry after {seconds}s", pause_all=seconds
            )
        case Forbidden():
            return Unreachable(f"403: {error.message}", blocked=True)
        case BadRequest() if "not modified" in error.message.lower():
            return AlreadyShown()
        case BadRequest() if "chat not found" in error.message.lower() and to_a_person:
            return Unreachable(f"400: {error.message}", blocked=False)
        case BadRequest():
            return GiveUp(f"400: {error.message}", refused=True)
        case NetworkError() | TelegramError():
            later = TryLater(backoff(attempts), f"network: {error}")
        case _:
            later = TryLater(backoff(attempts), f"error: {type(error).__name__}")
    assert isinstance(later, TryLater)
    if attempts + 1 >= MAX_ATTEMPTS:
        return GiveUp(f"{later.error} (after {MAX_ATTEMPTS} attempts)", pause_all=later.pause_all)
    return later


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … up to 10 minutes between tries."""
    return timedelta(seconds=min(600, 2 ** (attempts + 1)))


def _seconds(retry_after: int | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
