"""Who hears of each step. The README's table "Who hears what" is this, in words.

The person who took the step is never notified of it: they see the result at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from casework.issues import (
    CallbackOutcome,
    Event,
    EventKind,
    Issue,
    Status,
    Verdict,
    callback_outcome,
)


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
    # The reporters of the duplicates linked to the issue (重复件): they hear of its result.
    FOLLOWERS = "followers"


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
            return [Recipients(Audience.REPORTER), Recipients(Audience.FOLLOWERS)]
        case EventKind.CONFIRMED:
            return [Recipients(Audience.HANDLERS, here), Recipients(Audience.FOLLOWERS)]
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
        case EventKind.CALLBACK:
            return _who_hears_the_call_back(event, issue)
        case EventKind.PRAISE:
            return [Recipients(Audience.HANDLERS, here), Recipients(Audience.ASSIGNEE)]
        case EventKind.REPEAT_CALL:
            return _who_hears_a_repeat_call(issue)
        case EventKind.FLAGGED:
            # Reported again and again (casework/repeats.py): the coordinators, with its card,
            # to supervise it (督办). The department was reminded by the report itself.
            return [Recipients(Audience.COORDINATORS)]
    return []


def _who_hears_a_repeat_call(issue: Issue) -> list[Recipients]:
    """The citizen called again (催单): the department is reminded at once, as a reminder goes
    (the person handling it and the heads, or the whole department while nobody is assigned),
    and the reporter hears of it. A returned issue waits for a re-route: the coordinators, who
    make it, hear of it too."""
    told = [Recipients(Audience.HANDLERS, issue.department), Recipients(Audience.REPORTER)]
    if issue.status is Status.RETURNED:
        told.append(Recipients(Audience.COORDINATORS))
    return told


def _who_hears_the_call_back(event: Event, issue: Issue) -> list[Recipients]:
    """A call-back's one notice tells what its answers did (the 结案 or 重办 that followed it is
    not told again): closed, the department and the reporter (when a coordinator called); sent
    back, them and the coordinators too, with its card (二次督办). Could not reach: nobody
    (the reporter is reminded to try again) until the tries run out, then the coordinators,
    who may close it with a reason. The old way's verdict on a closed issue: the department,
    and the coordinators if the citizen is dissatisfied (they may reopen it)."""
    here = issue.department
    match callback_outcome(event):
        case CallbackOutcome.CLOSED:
            return [
                Recipients(Audience.HANDLERS, here),
                Recipients(Audience.REPORTER),
                Recipients(Audience.FOLLOWERS),
            ]
        case CallbackOutcome.REDO:
            return [
                Recipients(Audience.HANDLERS, here),
                Recipients(Audience.REPORTER),
                Recipients(Audience.COORDINATORS),
            ]
        case CallbackOutcome.UNREACHED if (
            issue.status is Status.RESOLVED and issue.callback_given_up
        ):
            return [Recipients(Audience.COORDINATORS)]
        case CallbackOutcome.RECORDED if event.verdict is Verdict.DISSATISFIED:
            return [Recipients(Audience.HANDLERS, here), Recipients(Audience.COORDINATORS)]
        case CallbackOutcome.RECORDED:
            return [Recipients(Audience.HANDLERS, here)]
    return []
