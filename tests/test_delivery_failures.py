"""What the sender does when Telegram does not take a message (runtime/failures.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from runtime.failures import (
    MAX_ATTEMPTS,
    AlreadyShown,
    GiveUp,
    TryLater,
    Unreachable,
    after_failure,
)


def test_a_429_pauses_every_message_for_as_long_as_telegram_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as the bot runs (runtime/app.py)
    outcome = after_failure(RetryAfter(timedelta(seconds=7)), attempts=0, to_a_person=True)

    assert outcome == TryLater(timedelta(seconds=7), "429: retry after 7.0s", pause_all=7.0)


@pytest.mark.parametrize("error", [NetworkError("reset"), TimedOut(), ValueError("a bug")])
def test_a_passing_failure_is_tried_again_later_and_later(error: Exception) -> None:
    delays = [after_failure(error, n, to_a_person=True) for n in range(4)]

    assert [d.delay for d in delays if isinstance(d, TryLater)] == [
        timedelta(seconds=s) for s in (2, 4, 8, 16)
    ]


def test_a_429_on_the_last_try_still_pauses_every_other_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    outcome = after_failure(RetryAfter(timedelta(seconds=30)), MAX_ATTEMPTS - 1, True)

    assert isinstance(outcome, GiveUp) and outcome.pause_all == 30.0


def test_the_twelfth_failure_gives_up() -> None:
    outcome = after_failure(NetworkError("reset"), MAX_ATTEMPTS - 1, to_a_person=True)

    assert isinstance(outcome, GiveUp) and "after 12 attempts" in outcome.error


def test_a_person_who_blocked_the_bot_or_never_wrote_to_it_is_unreachable() -> None:
    assert after_failure(Forbidden("blocked"), 0, True) == Unreachable("403: blocked", True)
    never = after_failure(BadRequest("Chat not found"), 0, True)
    assert never == Unreachable("400: Chat not found", False)
    assert after_failure(BadRequest("Chat not found"), 0, False) == GiveUp(
        "400: Chat not found", refused=True
    )  # a group the bot is not in: nobody to mark


def test_an_edit_that_changes_nothing_counts_as_shown() -> None:
    assert after_failure(BadRequest("Message is not modified"), 0, True) == AlreadyShown()
