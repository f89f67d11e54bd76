"""Who hears of each step. The README's table "Who hears what" is this, in words.

The person who took the step is never notified of it: they see the result at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from casework.issues import Event, EventKind, Issue, Verdict


class Audience(StrEnum):
    REPORTER = "reporter"
    DEPARTMENT = "department"  # the heads and members of a department
    HEADS = "heads"  # the heads of a department
    GROUP = "group"  # a department's group chat, if it has one
    COORDINATORS = "coordinators"
    HANDLERS = "handlers"  # the person assigned and the heads, or the whole department
    HANDLER = "handler"  # the person assigned, or the whole department
    ASSIGNEE = "assignee"  # the person an issue was just assigned to
    ASSISTING = "assisting"  # staff of the departments asked to assist


@dataclass(frozen=True)
class Recipients:
    audience: Audience
    department: str | None = None


def who_hears(event: Event, issue: Issue) -> list[Recipients]:
    """The audiences of `event`, for the issue as it is after it."""
    if issue.is_complaint:
        return _complaint(event, issue)
    return _case(event, issue)


def _complaint(event: Event, issue: Issue) -> list[Recipients]:
    """A complaint goes to its department's heads and the coordinators, never to the
    department's group nor its members (one of them may be the person complained about).
    Later steps go to those of a case's audiences who may see it (casework/lifecycle.py `may_hear`): the member
    assigned to handle it, the heads, the reporter; never the person complained about."""
    here = issue.department
    if event.kind in (EventKind.SUBMITTED, EventKind.REROUTED):
        return [
            Recipients(Audience.HEADS, here),
            Recipients(Audience.COORDINATORS),
            Recipients(Audience.REPORTER),
        ]
    return [told for told in _case(event, issue) if told.audience is not Audience.GROUP]


def _case(event: Event, issue: Issue) -> list[Recipients]:
    here = issue.department
    match event.kind:
        case EventKind.SUBMITTED | EventKind.REROUTED | EventKind.TRANSFERRED:
            return [
                Recipients(Audience.DEPARTMENT, here),
                Recipients(Audience.GROUP, here),
                Recipients(Audience.REPORTER),
            ]
        case EventKind.ACCEPTED:
            return [Recipients(Audience.REPORTER)]
        case EventKind.RETURNED:
            return [Recipients(Audience.REPORTER), Recipients(Audience.COORDINATORS)]
        case EventKind.ASSIGNED:
            return [Recipients(Audience.ASSIGNEE)]
        case EventKind.RESOLVED:
            return [Recipients(Audience.REPORTER)]
        case EventKind.CONFIRMED:
            return [Recipients(Audience.HANDLERS, here)]
        case EventKind.REOPENED:
            return [Recipients(Audience.HANDLERS, here), Recipients(Audience.REPORTER)]
        case EventKind.WITHDRAWN:
            return [
                Recipients(Audience.DEPARTMENT, here),
                Recipients(Audience.REPORTER),
                Recipients(Audience.COORDINATORS),
            ]
        case EventKind.NOTE:
            return [
                Recipients(Audience.REPORTER),
                Recipients(Audience.HANDLERS, here),
                Recipients(Audience.ASSISTING),
            ]
        case EventKind.ASSIST_ADDED:
            return [Recipients(Audience.DEPARTMENT, event.department)]
        case EventKind.CALLBACK if event.verdict is Verdict.DISSATISFIED:
            return [Recipients(Audience.HANDLERS, here), Recipients(Audience.COORDINATORS)]
        case EventKind.CALLBACK if event.verdict is not Verdict.UNREACHABLE:
            return [Recipients(Audience.HANDLERS, here)]
        case EventKind.PRAISE:
            return [Recipients(Audience.HANDLERS, here), Recipients(Audience.ASSIGNEE)]
    return []
