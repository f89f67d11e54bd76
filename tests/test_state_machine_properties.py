"""Property-based tests: no sequence of steps, by anyone, leads where the rules do not allow."""

from __future__ import annotations

import hypothesis
from hypothesis import given, settings
from hypothesis import strategies as st

from casework import errors
from casework.commands import (
    Accept,
    Action,
    AddAssist,
    AddNote,
    Assign,
    Command,
    Confirm,
    Praise,
    RecordCallback,
    Reopen,
    Reroute,
    Resolve,
    Return,
    Transfer,
    Withdraw,
)
from casework.issues import Contact, EventKind, Solved, Status, Verdict, WithdrawReason
from casework.lifecycle import apply, decide, follow_up, may
from tests.test_lifecycle import (
    COORDINATOR,
    GONE_HEAD,
    HEAD,
    MEMBER,
    NOW,
    ORG,
    OTHER_HEAD,
    REPORTER,
    STRANGER_WORKER,
    issue,
)

PEOPLE = [REPORTER, HEAD, MEMBER, OTHER_HEAD, COORDINATOR, STRANGER_WORKER, GONE_HEAD]
# The edges of docs/lifecycle.mmd, written out again independently of the code.
EDGES = {
    (Status.PENDING, EventKind.ACCEPTED): Status.ACCEPTED,
    (Status.PENDING, EventKind.RETURNED): Status.RETURNED,
    (Status.PENDING, EventKind.TRANSFERRED): Status.PENDING,
    (Status.ACCEPTED, EventKind.TRANSFERRED): Status.PENDING,
    (Status.RETURNED, EventKind.REROUTED): Status.PENDING,
    (Status.ACCEPTED, EventKind.RESOLVED): Status.RESOLVED,
    (Status.RESOLVED, EventKind.CONFIRMED): Status.CLOSED,
    (Status.RESOLVED, EventKind.REOPENED): Status.ACCEPTED,
    (Status.CLOSED, EventKind.REOPENED): Status.ACCEPTED,
    (Status.PENDING, EventKind.WITHDRAWN): Status.WITHDRAWN,
    (Status.RETURNED, EventKind.WITHDRAWN): Status.WITHDRAWN,
}
# Steps that leave the status as it is.
STAYS = {EventKind.NOTE, EventKind.ASSIST_ADDED, EventKind.ASSIGNED, EventKind.CALLBACK,
         EventKind.PRAISE}  # fmt: skip

departments = st.sampled_from(["roads", "water", "mediation", "nowhere"])
# Mostly good reasons, so sequences get far; now and then an empty or over-long one.
reasons = st.sampled_from(["理由"] * 8 + ["", "  ", "x" * 1001])
# Mostly the people involved; now and then someone who should be refused.
actors = st.sampled_from([REPORTER, HEAD, MEMBER, COORDINATOR] * 3 + PEOPLE)
# The steps that move an issue forward come up more often, so sequences reach every state.
forward = [
    st.builds(Accept, reason=st.one_of(st.none(), reasons)),
    st.builds(Resolve, text=reasons),
    st.builds(Confirm, reason=st.one_of(st.none(), reasons)),
]
commands: st.SearchStrategy[Command] = st.one_of(
    *forward,
    *forward,
    *forward,
    st.builds(Accept, reason=st.one_of(st.none(), reasons)),
    st.builds(Return, reason=reasons),
    st.builds(Reroute, department=departments),
    st.builds(Transfer, department=departments, reason=reasons),
    st.builds(Assign, assignee=st.sampled_from(PEOPLE)),
    st.builds(Resolve, text=reasons),
    st.builds(Confirm, reason=st.one_of(st.none(), reasons)),
    st.builds(Reopen, reason=reasons),
    st.builds(Withdraw, why=st.sampled_from(WithdrawReason), reason=reasons),
    st.builds(AddNote, text=reasons),
    st.builds(AddAssist, department=departments),
    st.builds(
        RecordCallback,
        verdict=st.sampled_from(Verdict),
        contacted=st.one_of(st.none(), st.sampled_from(Contact)),
        solved=st.one_of(st.none(), st.sampled_from(Solved)),
        words=st.one_of(st.none(), reasons),
    ),
    st.builds(Praise, person=st.one_of(st.none(), st.sampled_from(PEOPLE))),
)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(list(Status)),
    st.sampled_from(["13812345678", None]),
    st.lists(st.tuples(actors, commands), min_size=10, max_size=60),
)
def test_no_sequence_of_steps_breaks_the_rules(
    start: Status, phone: str | None, steps: list[tuple[object, Command]]
) -> None:
    current = issue(start, citizen_phone=phone)
    for person, command in steps:
        allowed = may(current, person, command.action)  # type: ignore[arg-type]
        try:
            event = decide(current, person, command, NOW, ORG)  # type: ignore[arg-type]
        except errors.CaseworkError:
            continue
        assert allowed, f"{person} took {command.action} on a {current.status} issue"
        after = apply(current, event, ORG)
        then = follow_up(current, event)

        if event.kind in STAYS:
            assert after.status is current.status
        else:
            assert EDGES.get((current.status, event.kind)) is after.status
        if then is not None:  # what a call-back's answers take a resolved issue to
            assert event.kind is EventKind.CALLBACK and current.status is Status.RESOLVED
            closed_by_it = apply(after, then, ORG)
            assert EDGES.get((after.status, then.kind)) is closed_by_it.status
            assert closed_by_it.version == after.version + 1
            after = closed_by_it
        # Every change of the issue moves its version on (a note changes only the timeline).
        steps_taken = (event.kind is not EventKind.NOTE) + (then is not None)
        assert after.version == current.version + steps_taken
        if after.status is Status.PENDING:
            assert after.respond_by is not None and after.accepted_by is None
        if after.status is Status.ACCEPTED:
            assert after.resolve_by is not None
        if after.assignee_id is not None:
            # Only someone of the department that has the issue ever holds it.
            holder = next(p for p in PEOPLE if p.id == after.assignee_id)
            assert holder.department == after.department and holder.active
        if event.kind is EventKind.CALLBACK:
            # A citizen to call; a resolved issue, or one closed before the three questions.
            assert current.citizen_phone and current.status in (Status.RESOLVED, Status.CLOSED)
        if event.kind is EventKind.CONFIRMED and current.citizen_phone:
            # The call-back closes it; a coordinator only once the citizen was not reached.
            assert person is COORDINATOR and current.callback_given_up
        if event.kind is EventKind.PRAISE:
            assert not current.praised and after.praised
        assert after.department in ("roads", "water", "mediation")
        event_name = f"reached {after.status}"
        hypothesis.event(event_name)
        current = after


def test_only_the_reporter_and_coordinators_can_ever_reopen_or_confirm() -> None:
    resolved = issue(Status.RESOLVED)  # no citizen's phone: the reporter confirms
    for person in PEOPLE:
        expected = person in (REPORTER, COORDINATOR)
        assert may(resolved, person, Action.CONFIRM) is expected
        assert may(resolved, person, Action.REOPEN) is expected
