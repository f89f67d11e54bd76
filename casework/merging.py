"""A coordinator merges two issues found to be the same problem after the fact (重复件; issue 19):
the one that goes is withdrawn as a duplicate of the one that stays, and the one that stays
takes it in as if it had been linked at intake (casework/intake.py `duplicate_of`): a note on
its timeline, its count up (by the one that goes and the duplicates that one had), the reporter
of the one that goes (and its followers) following it."""

from __future__ import annotations

from datetime import datetime

from casework import errors, lifecycle
from casework.commands import Withdraw
from casework.issues import Event, EventKind, Issue, WithdrawReason
from casework.organisation import Organisation
from casework.people import Staff
from casework.roles import Role


def check_merge(stays: Issue | None, goes: Issue | None, person: Staff) -> tuple[Issue, Issue]:
    """Both issues, checked again at each press: a coordinator's step, two different issues,
    both still open (`IssueNoLongerOpen`: closed or withdrawn meanwhile)."""
    if person.role is not Role.COORDINATOR or not person.active:
        raise errors.NotAllowed("merge")
    if stays is None or goes is None or stays.id == goes.id:
        raise errors.IssueNotFound()
    for issue in (stays, goes):
        if not issue.status.is_open:
            raise errors.IssueNoLongerOpen(issue.number)
    return stays, goes


def merge_steps(
    stays: Issue, goes: Issue, person: Staff, now: datetime, org: Organisation
) -> tuple[Event, Event]:
    """The withdrawal of the one that goes (as a duplicate, saying which one stays) and the note
    of a duplicate on the one that stays (with the description of the one that goes)."""
    check_merge(stays, goes, person)
    withdrawn = lifecycle.decide(
        goes, person, Withdraw(WithdrawReason.DUPLICATE, f"→ {stays.number}"), now, org
    )
    duplicate = Event(
        kind=EventKind.DUPLICATE,
        actor_id=person.id,
        at=now,
        department=stays.department,
        text=f"{goes.number} {goes.description}",
    )
    return withdrawn, duplicate
