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


class Contact(StrEnum):
    """The call-back's first question: did the department contact the citizen?"""

    YES = "yes"
    NO = "no"
    # A call-back recorded before the three questions (migration 0019): only the verdict was
    # asked. Not "no": nobody asked.
    NOT_ASKED = "not_asked"


class Solved(StrEnum):
    """The call-back's second question: is the problem solved?"""

    SOLVED = "solved"
    PARTLY = "partly"
    NOT_SOLVED = "not_solved"
    NOT_ASKED = "not_asked"  # as `Contact.NOT_ASKED`


class CallbackOutcome(StrEnum):
    """What a call-back does to its issue (`callback_outcome`)."""

    CLOSED = "closed"  # solved (or partly), satisfied (or basically): 结案
    REDO = "redo"  # not solved, or dissatisfied: back to the same department (重办)
    UNREACHED = "unreached"  # the citizen could not be reached: try again
    # An issue closed before the three questions, called back the old way (one verdict): it
    # stays closed; a dissatisfied citizen is told to the coordinators, who may reopen it.
    RECORDED = "recorded"


_LIKED = (Verdict.SATISFIED, Verdict.BASICALLY_SATISFIED)


def callback_outcome(event: Event) -> CallbackOutcome:
    """What a call-back's answers do: read from the event alone, so that its notice, composed
    later, says what it did."""
    if event.verdict is Verdict.UNREACHABLE:
        return CallbackOutcome.UNREACHED
    if event.solved in (None, Solved.NOT_ASKED):
        return CallbackOutcome.RECORDED
    return answered_outcome(event.solved, event.verdict)


def answered_outcome(solved: Solved | None, satisfied: Verdict | None) -> CallbackOutcome:
    """What the answers to "is it solved" and "are you satisfied" do: close it, or send it
    back for rework."""
    if solved in (Solved.SOLVED, Solved.PARTLY) and satisfied in _LIKED:
        return CallbackOutcome.CLOSED
    return CallbackOutcome.REDO


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
    # The citizen called again about this open issue (重复来电, 催单): what the worker taking the
    # call wrote, instead of logging a new issue (casework/intake.py `repeat_call`).
    REPEAT_CALL = "repeat_call"
    # Reported or called about `[intake] repeat_flag` times (3): the issue is flagged to the
    # coordinators with its card (督办), once per issue (casework/repeats.py). No actor: the
    # bot's own step, taken with the report that brought it there.
    FLAGGED = "flagged"
    # Another report of the same problem, linked to this open issue at intake as a duplicate
    # (重复件): what its reporter wrote; nothing new went to the department (casework/intake.py
    # `duplicate_of`).
    DUPLICATE = "duplicate"
    # The call-back of a duplicate's reporter (a follower) to the citizen who reported it to
    # them, once the issue was resolved: is it solved, how satisfied (`solved`, `verdict`; or
    # "could not reach"). On the timeline only: no rate counts it (the problem counts once).
    DUPLICATE_CALLBACK = "duplicate_callback"


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
    # Times the citizen could not be reached at the call-back since the issue was resolved, and
    # whether that reached `[callback] attempts` (then a coordinator may close it with a
    # reason). Decided at the try, by the organisation file of the time, as the coordinators
    # are told then.
    unreached: int = 0
    callback_given_up: bool = False
    # Times the citizen called again about it while it was open (重复来电), each a step of the
    # timeline (`EventKind.REPEAT_CALL`); migration 0023.
    repeat_calls: int = 0
    # When it was flagged to the coordinators for being reported again and again
    # (`EventKind.FLAGGED`, casework/repeats.py), if it was: once per issue; migration 0024.
    flagged_at: datetime | None = None
    # Reports of the same problem linked to it as duplicates (重复件), at intake; migration 0025.
    duplicates: int = 0
    # Deadlines given in working days (`5wd`): how many, as they were set (None: calendar
    # time). Reminders then count working time, and people are told working days left;
    # migration 0027.
    respond_workdays: int | None = None
    resolve_workdays: int | None = None

    @property
    def times_reported(self) -> int:
        """How many times the problem was reported: the report that logged it, each repeat
        call, and each duplicate linked to it."""
        return 1 + self.repeat_calls + self.duplicates

    @property
    def has_citizen_to_call(self) -> bool:
        """A phone was given: the call-back closes the issue, not the reporter's confirmation."""
        return bool(self.citizen_phone)

    @property
    def awaits_old_callback(self) -> bool:
        """Closed the way issues were before the three-question call-back (the reporter
        confirmed, a call-back was to follow apart) and not called back yet: it is recorded the
        old way, one verdict. An issue closed since is closed by its call-back (which sets the
        verdict), by a coordinator once the citizen could not be reached (given up), or by the
        reporter when there is no phone to call: none of them waits."""
        return (
            self.status is Status.CLOSED
            and self.has_citizen_to_call
            and self.callback in (None, Verdict.UNREACHABLE)
            and not self.callback_given_up
        )

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

    @property
    def due_workdays(self) -> int | None:
        """The deadline that matters now was given in this many working days (None: in
        calendar time, or no deadline runs)."""
        if self.status is Status.PENDING and self.respond_by is not None:
            return self.respond_workdays
        if self.status is Status.ACCEPTED and self.resolve_by is not None:
            return self.resolve_workdays
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
    verdict: Verdict | None = None  # a call-back's verdict: how satisfied the citizen is
    contacted: Contact | None = None  # a call-back's first answer (None: could not reach)
    solved: Solved | None = None  # a call-back's second answer (None: could not reach)
    # The wait this step ended, as it stood: when it began, its deadline, whose it was. Kept on
    # the timeline so the rates are counted from plain ranges of it.
    spell: Spell | None = None
    spell_started_at: datetime | None = None
    spell_due_at: datetime | None = None
    spell_department: str | None = None
    id: int | None = None
    issue_id: int | None = None
