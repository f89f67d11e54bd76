"""What people ask to do to an issue. Each command names its `Action` for the rules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from casework.issues import Contact, Solved, Verdict, WithdrawReason
from casework.people import Staff


class Action(StrEnum):
    VIEW = "view"
    ACCEPT = "accept"
    RETURN = "return"
    REROUTE = "reroute"
    TRANSFER = "transfer"
    ASSIGN = "assign"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    NOTE = "note"
    ASSIST = "assist"
    CALLBACK = "callback"
    PRAISE = "praise"


@dataclass(frozen=True)
class Accept:
    reason: str | None = None  # required when a coordinator accepts for the department
    action = Action.ACCEPT


@dataclass(frozen=True)
class Return:
    reason: str
    action = Action.RETURN


@dataclass(frozen=True)
class Reroute:
    department: str
    reason: str | None = None
    action = Action.REROUTE


@dataclass(frozen=True)
class Transfer:
    department: str
    reason: str
    action = Action.TRANSFER


@dataclass(frozen=True)
class Assign:
    assignee: Staff
    action = Action.ASSIGN


@dataclass(frozen=True)
class Resolve:
    text: str
    photos: tuple[str, ...] = ()
    action = Action.RESOLVE


@dataclass(frozen=True)
class Confirm:
    reason: str | None = None  # required when a coordinator confirms for the reporter
    action = Action.CONFIRM


@dataclass(frozen=True)
class Reopen:
    reason: str
    action = Action.REOPEN


@dataclass(frozen=True)
class Withdraw:
    why: WithdrawReason
    reason: str
    action = Action.WITHDRAW


@dataclass(frozen=True)
class AddNote:
    text: str
    photos: tuple[str, ...] = ()
    action = Action.NOTE


@dataclass(frozen=True)
class AddAssist:
    department: str
    action = Action.ASSIST


@dataclass(frozen=True)
class RecordCallback:
    """The call-back's answers: whether the department contacted the citizen, whether the
    problem is solved, how satisfied they are (`verdict`; or could not reach them), and their
    words. An issue closed before the three questions is called back with the verdict alone."""

    verdict: Verdict
    contacted: Contact | None = None
    solved: Solved | None = None
    words: str | None = None
    action = Action.CALLBACK


@dataclass(frozen=True)
class Praise:
    """Praise the department that handled the issue, or one person of it."""

    person: Staff | None = None
    action = Action.PRAISE


Command = (
    Accept
    | Return
    | Reroute
    | Transfer
    | Assign
    | Resolve
    | Confirm
    | Reopen
    | Withdraw
    | AddNote
    | AddAssist
    | RecordCallback
    | Praise
)
