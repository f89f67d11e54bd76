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
class Notice:
    audience: Audience
    department: str | None = None


def who_hears(event: Event, issue: Issue) -> list[Notice]:
    """The audiences of `event`, for the issue as it is after it."""
    here = issue.department
    match event.kind:
        case EventKind.SUBMITTED | EventKind.REROUTED | EventKind.TRANSFERRED:
            return [
                Notice(Audience.DEPARTMENT, here),
                Notice(Audience.GROUP, here),
                Notice(Audience.REPORTER),
            ]
        case EventKind.ACCEPTED:
            return [Notice(Audience.REPORTER)]
        case EventKind.RETURNED:
            return [Notice(Audience.REPORTER), Notice(Audience.COORDINATORS)]
        case EventKind.ASSIGNED:
            return [Notice(Audience.ASSIGNEE)]
        case EventKind.RESOLVED:
            return [Notice(Audience.REPORTER)]
        case EventKind.CONFIRMED:
            return [Notice(Audience.HANDLERS, here)]
        case EventKind.REOPENED:
            return [Notice(Audience.HANDLERS, here), Notice(Audience.REPORTER)]
        case EventKind.WITHDRAWN:
            return [
                Notice(Audience.DEPARTMENT, here),
                Notice(Audience.REPORTER),
                Notice(Audience.COORDINATORS),
            ]
        case EventKind.NOTE:
            return [
                Notice(Audience.REPORTER),
                Notice(Audience.HANDLERS, here),
                Notice(Audience.ASSISTING),
            ]
        case EventKind.ASSIST_ADDED:
            return [Notice(Audience.DEPARTMENT, event.department)]
        case EventKind.CALLBACK if event.verdict is Verdict.DISSATISFIED:
            return [Notice(Audience.HANDLERS, here), Notice(Audience.COORDINATORS)]
        case EventKind.CALLBACK if event.verdict is not Verdict.UNREACHABLE:
            return [Notice(Audience.HANDLERS, here)]
        case EventKind.PRAISE:
            return [Notice(Audience.HANDLERS, here), Notice(Audience.ASSIGNEE)]
    return []
