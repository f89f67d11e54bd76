"""A coordinator merges two issues found to be the same problem after the fact (重复件; issue 19):
the one that goes is withdrawn as a duplicate of the one that stays, and the one that stays
takes it in as if it had been linked at intake (casework/intake.py `duplicate_of`): a note on
its timeline, its count up (by the one that goes and the duplicates that one had), the reporter
of the one that goes (and its followers) following it."""

from __future__ import annotations

from datetime import datetime

from casework import errors
from casework.issues import Event, EventKind, Issue, Status, WithdrawReason
from casework.people import Staff
from casework.roles import Role


def may_merge(issue: Issue, person: Staff) -> bool:
    """Whether the person may merge this issue with another (a coordinator; the issue open, and
    not a complaint: see `check_pair`)."""
    return (
        person.role is Role.COORDINATOR
        and person.active
        and issue.status.is_open
        and not issue.is_complaint
    )


def may_go(issue: Issue) -> bool:
    """Whether an open issue may be the one that goes: not resolved and waiting for its
    citizen's call-back (that call-back is owed: it is recorded, or the issue reopened,
    first). Accepted already, it may: the department stops on it, the one that stays carries
    the problem."""
    return issue.status is not Status.RESOLVED


def check_pair(first: Issue | None, second: Issue | None, person: Staff) -> tuple[Issue, Issue]:
    """Two issues a coordinator may merge, one way or the other: two different issues, both
    still open (else `CannotMerge`: closed or withdrawn meanwhile), neither a complaint (a
    merge would show its words on the other's timeline, and the other's people would follow
    it: a complaint is seen only by those it may be shown to), one of them free to go."""
    if person.role is not Role.COORDINATOR or not person.active:
        raise errors.NotAllowed("merge")
    if first is None or second is None or first.id == second.id:
        raise errors.IssueNotFound()
    for issue in (first, second):
        if not issue.status.is_open:
            raise errors.CannotMerge(issue.number)
        if issue.is_complaint:
            raise errors.CannotMerge(issue.number, complaint=True)
    if not (may_go(first) or may_go(second)):
        raise errors.CannotMerge(second.number, resolved=True)
    return first, second


def check_merge(stays: Issue | None, goes: Issue | None, person: Staff) -> tuple[Issue, Issue]:
    """Both issues, checked again at each press (`check_pair`), the one that goes free to go."""
    stays, goes = check_pair(stays, goes, person)
    if not may_go(goes):
        raise errors.CannotMerge(goes.number, resolved=True)
    return stays, goes


def merge_steps(stays: Issue, goes: Issue, person: Staff, now: datetime) -> tuple[Event, Event]:
    """The withdrawal of the one that goes (as a duplicate, saying which one stays; from any
    open status `check_merge` lets go, which a plain withdrawal is not) and the note of a
    duplicate on the one that stays (with the description of the one that goes)."""
    check_merge(stays, goes, person)
    withdrawn = Event(
        kind=EventKind.WITHDRAWN,
        actor_id=person.id,
        at=now,
        department=goes.department,
        text=f"→ {stays.number}",
        withdraw_reason=WithdrawReason.DUPLICATE,
    )
    duplicate = Event(
        kind=EventKind.DUPLICATE,
        actor_id=person.id,
        at=now,
        department=stays.department,
        text=f"{goes.number} {goes.description}",
    )
    return withdrawn, duplicate
