"""The call-back's rules, without Telegram or a database: what the answers do, the order the
questions are asked in, and when an issue with a citizen to call may be closed otherwise."""

from __future__ import annotations

import dataclasses

import pytest

from casework import errors
from casework.callbacks import Answers, Question, Skip
from casework.commands import Action, Confirm, RecordCallback
from casework.issues import Contact, EventKind, Issue, Solved, Status, Verdict
from casework.lifecycle import apply, decide, follow_up, may, needs_text
from casework.organisation import CallbackPolicy
from casework.reminders import RungKind, ladder
from casework.workdays import WorkCalendar
from tests.test_lifecycle import COORDINATOR, NOW, ORG, REPORTER, issue

PHONE = "13812345678"


def resolved(**changes: object) -> Issue:
    return issue(Status.RESOLVED, citizen_phone=PHONE, **changes)


def called(before: Issue, command: RecordCallback) -> tuple[Issue, list[EventKind]]:
    """The issue after the call-back and what follows it, and the steps recorded."""
    event = decide(before, REPORTER, command, NOW, ORG)
    after = apply(before, event, ORG)
    then = follow_up(before, event)
    if then is None:
        return after, [event.kind]
    return apply(after, then, ORG), [event.kind, then.kind]


@pytest.mark.parametrize(
    ("solved", "verdict", "status", "steps"),
    [
        (Solved.SOLVED, Verdict.SATISFIED, Status.CLOSED, "confirmed"),
        (Solved.SOLVED, Verdict.BASICALLY_SATISFIED, Status.CLOSED, "confirmed"),
        (Solved.PARTLY, Verdict.SATISFIED, Status.CLOSED, "confirmed"),
        (Solved.PARTLY, Verdict.BASICALLY_SATISFIED, Status.CLOSED, "confirmed"),
        (Solved.SOLVED, Verdict.DISSATISFIED, Status.ACCEPTED, "reopened"),
        (Solved.PARTLY, Verdict.DISSATISFIED, Status.ACCEPTED, "reopened"),
        (Solved.NOT_SOLVED, Verdict.SATISFIED, Status.ACCEPTED, "reopened"),
        (Solved.NOT_SOLVED, Verdict.DISSATISFIED, Status.ACCEPTED, "reopened"),
    ],
)
@pytest.mark.parametrize("contacted", [Contact.YES, Contact.NO])
def test_solved_or_partly_with_a_satisfied_citizen_closes_and_anything_else_sends_it_back(
    contacted: Contact, solved: Solved, verdict: Verdict, status: Status, steps: str
) -> None:
    after, recorded = called(resolved(), RecordCallback(verdict, contacted, solved, "原话"))

    assert after.status is status
    assert recorded == [EventKind.CALLBACK, EventKind(steps)]
    assert after.department == "roads"  # sent back to the same department
    if status is Status.ACCEPTED:
        assert after.reopen_count == 1 and after.callback is None  # called back again later


def test_a_call_back_with_a_question_unanswered_is_refused() -> None:
    with pytest.raises(errors.StaleStep):
        decide(resolved(), REPORTER, RecordCallback(Verdict.SATISFIED), NOW, ORG)
    with pytest.raises(errors.StaleStep):
        decide(resolved(), REPORTER, RecordCallback(Verdict.SATISFIED, Contact.NOT_ASKED), NOW, ORG)


def test_the_citizens_words_are_the_reopenings_reason() -> None:
    event = decide(
        resolved(),
        REPORTER,
        RecordCallback(Verdict.DISSATISFIED, Contact.YES, Solved.SOLVED, "  还是不亮  "),
        NOW,
        ORG,
    )
    then = follow_up(resolved(), event)

    assert event.text == "还是不亮" and event.contacted is Contact.YES
    assert then is not None and then.kind is EventKind.REOPENED and then.text == "还是不亮"
    with pytest.raises(errors.TextTooLong):
        decide(
            resolved(),
            REPORTER,
            RecordCallback(Verdict.SATISFIED, Contact.YES, Solved.SOLVED, "长" * 1001),
            NOW,
            ORG,
        )


def test_could_not_reach_counts_the_tries_and_at_the_organisations_number_gives_up() -> None:
    current = resolved()
    for tries in (1, 2, 3):
        assert not may(current, COORDINATOR, Action.CONFIRM)
        current, recorded = called(current, RecordCallback(Verdict.UNREACHABLE))
        assert recorded == [EventKind.CALLBACK]
        assert (current.status, current.unreached) == (Status.RESOLVED, tries)
    assert current.callback_given_up

    # A coordinator may close it now, with a reason; the reporter still may not.
    assert may(current, COORDINATOR, Action.CONFIRM) and needs_text(
        current, COORDINATOR, Action.CONFIRM
    )
    assert not may(current, REPORTER, Action.CONFIRM)
    with pytest.raises(errors.ClosedByCallback):
        decide(current, REPORTER, Confirm(), NOW, ORG)
    # The reporter may still reach the citizen after all.
    assert called(current, RecordCallback(Verdict.SATISFIED, Contact.YES, Solved.SOLVED))[
        0
    ].status is (Status.CLOSED)


def test_the_number_of_tries_comes_from_the_organisation_file() -> None:
    one_try = dataclasses.replace(ORG, callback=CallbackPolicy(attempts=1))
    before = resolved()
    event = decide(before, REPORTER, RecordCallback(Verdict.UNREACHABLE), NOW, one_try)

    assert apply(before, event, one_try).callback_given_up


def test_the_reminders_of_a_resolved_issue_follow_its_call_back() -> None:
    policy = ORG.reminders
    fresh = resolved(phase_started_at=NOW)
    unreached = resolved(phase_started_at=NOW, unreached=1, callback=Verdict.UNREACHABLE)
    given_up = dataclasses.replace(unreached, unreached=3, callback_given_up=True)
    no_phone = issue(Status.RESOLVED, phase_started_at=NOW)

    def first(current: Issue) -> tuple[object, ...]:
        rung = next(ladder(current, policy, WorkCalendar()))
        return rung.at - NOW, rung.kind, rung.audiences

    assert first(fresh)[:2] == (policy.confirm_every, RungKind.CALLBACK)
    assert first(unreached)[:2] == (policy.callback_after, RungKind.CALLBACK)
    assert first(given_up)[1:] == (RungKind.UNREACHED, ("coordinators",))
    assert first(no_phone)[1] is RungKind.CONFIRM


def test_the_questions_are_answered_in_order_and_a_double_tap_changes_nothing() -> None:
    answers = Answers()
    assert answers.next is Question.CONTACTED
    with pytest.raises(errors.StaleStep):
        answers.given(Solved.SOLVED)  # not asked yet
    answers = answers.given(Contact.NO)
    assert answers.given(Contact.NO) == answers  # the first answer again: a double tap
    with pytest.raises(errors.StaleStep):
        answers.given(Contact.YES)  # changed after the next question showed: an old keyboard
    answers = answers.given(Solved.PARTLY).given(Verdict.BASICALLY_SATISFIED)
    assert answers.next is Question.WORDS
    with pytest.raises(errors.StaleStep):
        answers.given(Skip.WORDS)  # Skip takes the step: the use case, not the answers
    with pytest.raises(errors.StaleStep):
        answers.given(Contact.NOT_ASKED)  # what old call-backs say, never a tap
    assert Answers.from_dict(answers.to_dict()) == answers


def test_an_issue_closed_before_the_questions_is_called_back_the_old_way_once() -> None:
    closed = issue(Status.CLOSED, citizen_phone=PHONE)
    event = decide(closed, REPORTER, RecordCallback(Verdict.DISSATISFIED), NOW, ORG)
    after = apply(closed, event, ORG)

    assert (event.contacted, event.solved) == (Contact.NOT_ASKED, Solved.NOT_ASKED)
    assert follow_up(closed, event) is None and after.status is Status.CLOSED
    assert not may(after, REPORTER, Action.CALLBACK)  # recorded once
    # Closed by a call-back, or without a phone, nothing waits.
    assert not may(
        dataclasses.replace(closed, callback=Verdict.SATISFIED), REPORTER, Action.CALLBACK
    )
    assert not may(issue(Status.CLOSED), REPORTER, Action.CALLBACK)
