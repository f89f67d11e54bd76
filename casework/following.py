"""A follower's own call-back (重复件回访; issue 19).

The reporter of a duplicate linked to an issue, or of an issue merged into it, follows it: they
hear when it is resolved and closed (casework/notifications.py). Once it is resolved, they call
back the citizen who reported it to them and record two answers, one tap each: is the problem
solved, how satisfied is the citizen (or: could not reach them, at the first). The first answer
is kept in the database between the taps; the second records the call-back, once, as a step of
the issue's timeline (`EventKind.DUPLICATE_CALLBACK`). It changes nothing on the issue and no
rate counts it: the problem counts once, by its own call-back; this one tells the department and
the coordinators what the other citizens say.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from casework import errors
from casework.issues import Event, EventKind, Issue, Solved, Status, Verdict
from casework.people import Staff

# The answers a tap may give: the first question's, or "could not reach" at it; the second's.
FIRST = (Solved.SOLVED, Solved.PARTLY, Solved.NOT_SOLVED)
SECOND = (Verdict.SATISFIED, Verdict.BASICALLY_SATISFIED, Verdict.DISSATISFIED)
FollowerAnswer = Solved | Verdict

# Resolved, or closed since: the citizen who reported it to the follower is called back.
_CALLED_BACK_WHEN = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class FollowerCallBack:
    """A follower's call-back so far: the first answer, and when it was recorded."""

    solved: Solved | None = None
    called_back_at: datetime | None = None

    @property
    def recorded(self) -> bool:
        return self.called_back_at is not None


def owed(issue: Issue, call_back: FollowerCallBack | None) -> bool:
    """Whether the follower (whose call-back this is; None: not a follower) is asked for it now."""
    return call_back is not None and not call_back.recorded and issue.status in _CALLED_BACK_WHEN


def check(issue: Issue | None, call_back: FollowerCallBack | None, person: Staff) -> Issue:
    """The issue, if the person may record their call-back of it now: they follow it and are
    active (else it is not found, as for anyone else), it is resolved or closed, and their
    call-back is not recorded yet."""
    if not person.active:
        raise errors.NotAllowed("inactive")
    if issue is None or call_back is None:
        raise errors.IssueNotFound()
    if call_back.recorded or issue.status not in _CALLED_BACK_WHEN:
        raise errors.FollowerCallBackNotAsked(issue.number, call_back.recorded)
    return issue


def answer(
    issue: Issue,
    call_back: FollowerCallBack,
    person: Staff,
    given: FollowerAnswer,
    now: datetime,
) -> tuple[FollowerCallBack, Event | None]:
    """The call-back with this tap's answer, and the step it records (None until the last
    answer). A tap answers the question asked now; the first answer again (a double tap,
    arriving once the second question shows) changes nothing; anything else (an old keyboard,
    made-up data) is refused."""
    check(issue, call_back, person)
    if call_back.solved is None:
        if given is Verdict.UNREACHABLE:
            return _recorded(issue, call_back, person, None, given, now)
        if given in FIRST:
            assert isinstance(given, Solved)
            return dataclasses.replace(call_back, solved=given), None
    else:
        if given is call_back.solved:
            return call_back, None
        if given in SECOND:
            assert isinstance(given, Verdict)
            return _recorded(issue, call_back, person, call_back.solved, given, now)
    raise errors.StaleStep()


def _recorded(
    issue: Issue,
    call_back: FollowerCallBack,
    person: Staff,
    solved: Solved | None,
    verdict: Verdict,
    now: datetime,
) -> tuple[FollowerCallBack, Event]:
    event = Event(
        kind=EventKind.DUPLICATE_CALLBACK,
        actor_id=person.id,
        at=now,
        department=issue.department,
        verdict=verdict,
        solved=solved,
    )
    return dataclasses.replace(call_back, solved=solved, called_back_at=now), event
