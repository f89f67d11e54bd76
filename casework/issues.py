"""A citizen issue, as the rules see it, and its timeline events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"  # handed to a department: it must accept or return it
    ACCEPTED = "accepted"  # the department has it and is working on it
    RETURNED = "returned"  # the department returned it: it must be re-routed
    RESOLVED = "resolved"  # the department says it is done: the reporter must confirm
    CLOSED = "closed"  # the reporter confirmed it is done
    WITHDRAWN = "withdrawn"  # a duplicate, or not a real issue

    @property
    def is_open(self) -> bool:
        return self not in (Status.CLOSED, Status.WITHDRAWN)


OPEN_STATUSES = tuple(s for s in Status if s.is_open)


class Source(StrEnum):
    VISIT = "visit"  # community visit
    WINDOW = "window"  # service window
    HOTLINE = "hotline"
    ONLINE = "online"


class IssueKind(StrEnum):
    """What an issue is about: a citizen's problem (a case), or a complaint (投诉) about a
    department's service or a staff member's conduct, which only the department's heads and the
    coordinators handle."""

    CASE = "case"
    COMPLAINT = "complaint"


class WithdrawReason(StrEnum):
    DUPLICATE = "duplicate"
    INVALID = "invalid"


class Spell(StrEnum):
    """What a step ended: waiting for a response (pending), or for a resolution (accepted)."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


class Verdict(StrEnum):
    """The citizen's verdict at the call-back."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    UNREACHABLE = "unreachable"  # could not reach the citizen: no verdict (yet)


class EventKind(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    REROUTED = "rerouted"
    TRANSFERRED = "transferred"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    CONFIRMED = "confirmed"
    REOPENED = "reopened"
    WITHDRAWN = "withdrawn"
    NOTE = "note"
    ASSIST_ADDED = "assist_added"
    CALLBACK = "callback"  # the citizen's verdict, recorded after calling them back
    PRAISE = "praise"  # praise for a department or a person
    # The citizen's personal data was removed (casework/retention.py): by the retention policy
    # (no actor) or at the citizen's request (the coordinator who confirmed it).
    REDACTED = "redacted"


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Resolution:
    """What the department did, as it said when it resolved the issue: the latest resolution
    (a reopened issue keeps it until it is resolved again). A copy of that step of the
    timeline, kept on the issue so that every card shows it without reading the timeline."""

    text: str
    at: datetime
    photos: tuple[str, ...] = ()


@dataclass(frozen=True)
class Issue:
    id: int
    number: str  # read aloud on the phone: 2611-0042
    status: Status
    description: str
    category: str
    department: str  # the department responsible now
    reporter_id: int
    urgent: bool
    source: Source
    created_at: datetime
    updated_at: datetime
    handed_at: datetime  # when the responsible department received it
    respond_by: datetime | None  # accept or return by then (while pending)
    resolve_by: datetime | None
    location: Location | None = None
    address: str | None = None
    citizen_name: str | None = None
    citizen_phone: str | None = None
    photos: tuple[str, ...] = ()
    assignee_id: int | None = None
    accepted_by: int | None = None
    assisting: frozenset[str] = frozenset()
    reopen_count: int = 0
    version: int = 0
    # The reminder ladder (casework/reminders.py): each state entered starts a new phase.
    accepted_at: datetime | None = None  # when the department that has it accepted it
    closures: int = 0  # times confirmed closed since that acceptance (reopened, closed again)
    callback: Verdict | None = None  # the latest call-back's verdict
    praised: bool = False
    phase: int = 0
    phase_started_at: datetime | None = None
    reminders_sent: int = 0  # rungs of this phase already passed
    next_reminder_at: datetime | None = None
    # When the citizen's personal data was last removed (casework/retention.py), if ever.
    redacted_at: datetime | None = None
    resolution: Resolution | None = None  # the latest, if it was ever resolved
    kind: IssueKind = IssueKind.CASE
    # A complaint's person complained about (被投诉人), one of its department's members or
    # heads; None for a complaint about the department's service as a whole.
    subject_id: int | None = None

    @property
    def is_complaint(self) -> bool:
        return self.kind is IssueKind.COMPLAINT

    @property
    def result_stands(self) -> bool:
        """Resolved and not reopened since: its resolution is the result, not an earlier one."""
        return self.resolution is not None and self.status in (Status.RESOLVED, Status.CLOSED)

    @property
    def due(self) -> datetime | None:
        """The deadline that matters now: responding while pending, else resolving."""
        if self.status is Status.PENDING:
            return self.respond_by
        if self.status is Status.ACCEPTED:
            return self.resolve_by
        return None


@dataclass(frozen=True)
class Event:
    """One step in an issue's timeline: who did what, when. Never changed once written."""

    kind: EventKind
    actor_id: int | None
    at: datetime
    department: str | None = None  # the department the step concerns (the new one, on moves)
    text: str | None = None  # the reason, the resolution or the note
    photos: tuple[str, ...] = ()
    target_id: int | None = None  # the person assigned
    withdraw_reason: WithdrawReason | None = None
    on_behalf: bool = False  # a coordinator stepped in for the person whose step it was
    due_at: datetime | None = None  # the deadline this step set (to respond, or to resolve)
    verdict: Verdict | None = None  # a call-back's verdict
    # The wait this step ended, as it stood: when it began, its deadline, whose it was. Kept on
    # the timeline so the rates are counted from plain ranges of it.
    spell: Spell | None = None
    spell_started_at: datetime | None = None
    spell_due_at: datetime | None = None
    spell_department: str | None = None
    id: int | None = None
    issue_id: int | None = None
