"""A follower's own call-back, by the rules alone (casework/following.py): two taps, in order,
each checked against what was answered before."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from casework import errors
from casework.following import FollowerCallBack, answer, check, owed
from casework.issues import EventKind, Solved, Status, Verdict
from casework.people import Staff
from casework.roles import Role
from tests.test_store_contract import an_issue

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
FOLLOWER = Staff(
    id=7, telegram_id=1007, name="王芳", role=Role.WORKER, department=None, active=True
)
RESOLVED = dataclasses.replace(an_issue(FOLLOWER), id=1, reporter_id=1, status=Status.RESOLVED)


def test_the_first_answer_is_kept_and_the_second_records_the_call_back_once() -> None:
    first, nothing = answer(RESOLVED, FollowerCallBack(), FOLLOWER, Solved.NOT_SOLVED, NOW)
    same, still_nothing = answer(RESOLVED, first, FOLLOWER, Solved.NOT_SOLVED, NOW)  # double tap
    done, event = answer(RESOLVED, first, FOLLOWER, Verdict.DISSATISFIED, NOW)

    assert (first, nothing, same, still_nothing) == (
        FollowerCallBack(Solved.NOT_SOLVED), None, first, None,
    )  # fmt: skip
    assert done.recorded and event is not None
    assert (event.kind, event.solved, event.verdict) == (
        EventKind.DUPLICATE_CALLBACK, Solved.NOT_SOLVED, Verdict.DISSATISFIED,
    )  # fmt: skip
    assert not owed(RESOLVED, done) and owed(RESOLVED, first)
    with pytest.raises(errors.FollowerCallBackNotAsked):
        answer(RESOLVED, done, FOLLOWER, Verdict.SATISFIED, NOW + timedelta(minutes=1))


def test_could_not_reach_records_it_at_once_and_is_not_an_answer_to_the_second_question() -> None:
    done, event = answer(RESOLVED, FollowerCallBack(), FOLLOWER, Verdict.UNREACHABLE, NOW)
    assert done.recorded and event is not None and event.verdict is Verdict.UNREACHABLE
    assert event.solved is None
    with pytest.raises(errors.StaleStep):
        answer(RESOLVED, FollowerCallBack(Solved.SOLVED), FOLLOWER, Verdict.UNREACHABLE, NOW)


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.PENDING, Status.WITHDRAWN])
def test_nothing_is_asked_of_a_follower_before_the_issue_is_resolved(status: Status) -> None:
    issue = dataclasses.replace(RESOLVED, status=status)  # e.g. reopened meanwhile
    assert not owed(issue, FollowerCallBack())
    with pytest.raises(errors.FollowerCallBackNotAsked):
        answer(issue, FollowerCallBack(), FOLLOWER, Solved.SOLVED, NOW)


def test_someone_who_does_not_follow_the_issue_finds_nothing() -> None:
    assert not owed(RESOLVED, None)
    with pytest.raises(errors.IssueNotFound):
        check(RESOLVED, None, FOLLOWER)
