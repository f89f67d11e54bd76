"""The issue state machine: which steps are allowed, in which state, to whom.

`RULES` is the one table every handler asks (through `allowed_actions` and `decide`):

    pending  --accept-->  accepted  --resolve-->  resolved  --call-back / confirm-->  closed
       |  ^                  |  ^                    |                                  |
    return |              transfer |              reopen, or a bad call-back (重办)  <-+ (coordinators)
       v  | reroute          v  | (pending at the new department)
    returned  --withdraw-->  withdrawn  <--withdraw--  pending

An issue with a citizen's phone is closed by the call-back (the citizen's answers); one without
is closed by the reporter's confirmation. `decide` checks a command against the rules and returns
the event it causes; `apply` is the pure change that event makes to the issue; `follow_up` is
the step a call-back's answers take (结案 or 重办). None of them touches storage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum

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
from casework.deadlines import Deadline, resolution_deadline, response_deadline
from casework.issues import (
    CallbackOutcome,
    Contact,
    Event,
    EventKind,
    Issue,
    Resolution,
    Solved,
    Spell,
    Status,
    Verdict,
    callback_outcome,
)
from casework.limits import PHOTOS_MAX, REASON_MAX
from casework.organisation import Organisation
from casework.people import Staff
from casework.reminders import first_rung_at
from casework.roles import Role


class Relation(StrEnum):
    """How a person stands to an issue."""

    REPORTER = "reporter"  # logged it
    COORDINATOR = "coordinator"  # the coordination office: every issue
    HEAD = "head"  # head of the department responsible now
    MEMBER = "member"  # staff of the department responsible now
    ASSISTING = "assisting"  # staff of a department asked to assist


R = Relation
_DEPARTMENT = frozenset({R.HEAD, R.MEMBER})
_EVERYONE_INVOLVED = frozenset(Relation)
_ANY_STATUS = tuple(Status)


def _in(statuses: tuple[Status, ...], *relations: Relation) -> dict[Status, frozenset[Relation]]:
    return {status: frozenset(relations) for status in statuses}


RULES: Mapping[Action, Mapping[Status, frozenset[Relation]]] = {
    Action.VIEW: _in(_ANY_STATUS, *_EVERYONE_INVOLVED),
    Action.ACCEPT: _in((Status.PENDING,), R.HEAD, R.MEMBER, R.COORDINATOR),
    Action.RETURN: _in((Status.PENDING,), R.HEAD, R.COORDINATOR),
    Action.REROUTE: _in((Status.RETURNED,), R.REPORTER, R.COORDINATOR),
    Action.TRANSFER: _in((Status.PENDING, Status.ACCEPTED), R.HEAD, R.COORDINATOR),
    Action.ASSIGN: _in((Status.ACCEPTED,), R.HEAD, R.COORDINATOR),
    Action.RESOLVE: _in((Status.ACCEPTED,), R.HEAD, R.MEMBER, R.COORDINATOR),
    # Resolved: the call-back that closes it (a citizen's phone given); closed: the call-back
    # of an issue closed before the three questions, the old way (`Issue.awaits_old_callback`).
    Action.CALLBACK: _in((Status.RESOLVED, Status.CLOSED), R.REPORTER, R.COORDINATOR),
    Action.CONFIRM: _in((Status.RESOLVED,), R.REPORTER, R.COORDINATOR),
    Action.REOPEN: {
        Status.RESOLVED: frozenset({R.REPORTER, R.COORDINATOR}),
        Status.CLOSED: frozenset({R.COORDINATOR}),
    },
    Action.WITHDRAW: _in((Status.PENDING, Status.RETURNED), R.REPORTER, R.COORDINATOR),
    Action.NOTE: _in(_ANY_STATUS, *_EVERYONE_INVOLVED),
    Action.ASSIST: _in((Status.PENDING, Status.ACCEPTED), R.HEAD, R.COORDINATOR),
    Action.PRAISE: _in((Status.CLOSED,), R.REPORTER, R.COORDINATOR),
}


# A complaint is about the department that has it: it cannot be passed to another department
# (a transfer) nor shown to one (an assist). One about the wrong department is returned, and
# the reporter or a coordinator re-routes it.
_NOT_FOR_COMPLAINTS = frozenset({Action.TRANSFER, Action.ASSIST})


def _allowed(issue: Issue, action: Action) -> frozenset[Relation]:
    """Who may take the step now: the status table, narrowed by what it alone cannot say. A
    call-back needs a citizen to call, and an old one is recorded once (again only after
    "could not reach"); an issue with a citizen to call is closed by the call-back, and by a
    coordinator (with a reason) only once the citizen could not be reached, try after try;
    an issue is praised once; a complaint stays with its department."""
    allowed = RULES[action].get(issue.status, frozenset())
    if issue.is_complaint and action in _NOT_FOR_COMPLAINTS:
        return frozenset()
    if action is Action.CALLBACK:
        if issue.status is Status.RESOLVED:
            return allowed if issue.has_citizen_to_call else frozenset()
        return allowed if issue.awaits_old_callback else frozenset()
    if action is Action.CONFIRM and issue.has_citizen_to_call:
        return allowed & {R.COORDINATOR} if issue.callback_given_up else frozenset()
    if action is Action.PRAISE and issue.praised:
        return frozenset()
    return allowed


def _open_to(issue: Issue, action: Action) -> bool:
    """Whether anyone may take the step now that the status table allows."""
    return bool(_allowed(issue, action))


# Steps that are someone else's, which a coordinator may take only with a reason on record.
_NEEDS_REASON_ON_BEHALF = {Action.ACCEPT, Action.CONFIRM}


def relations(issue: Issue, person: Staff) -> frozenset[Relation]:
    """How the person stands to the issue. A complaint is the department's heads' and the
    coordinators' (and its reporter's): a member has it only once it is theirs to handle
    (assigned to them), and the person complained about has nothing to do with it, whatever
    their role: they never see it, nor hear of it."""
    if not person.active:
        return frozenset()
    if issue.is_complaint and person.id == issue.subject_id:
        return frozenset()
    found = set()
    if person.id == issue.reporter_id:
        found.add(R.REPORTER)
    if person.role is Role.COORDINATOR:
        found.add(R.COORDINATOR)
    if person.department == issue.department:
        if person.role is Role.HEAD:
            found.add(R.HEAD)
        elif person.role is Role.MEMBER and (
            not issue.is_complaint or person.id in (issue.assignee_id, issue.accepted_by)
        ):
            found.add(R.MEMBER)
    elif person.department in issue.assisting and person.role in (Role.HEAD, Role.MEMBER):
        found.add(R.ASSISTING)
    return frozenset(found)


def may(issue: Issue, person: Staff, action: Action) -> bool:
    return bool(relations(issue, person) & _allowed(issue, action))


def may_hear(issue: Issue, people: Iterable[Staff]) -> list[Staff]:
    """Of the people an audience stands for, those who may see the issue: all of them for a
    case; for a complaint, not its department's members (but the one handling it) and never
    the person complained about (`relations`)."""
    if not issue.is_complaint:
        return list(people)
    return [p for p in people if may(issue, p, Action.VIEW)]


def department_choices(issue: Issue, action: Action, codes: Sequence[str]) -> list[str]:
    """The departments a step may name, of `codes` in their order: re-routing may go to any;
    a transfer to any but the one that has the issue (an assisting one takes it over); an
    assist only to one not on the issue yet."""
    if action is Action.REROUTE:
        return list(codes)
    if action is Action.TRANSFER:
        return [code for code in codes if code != issue.department]
    return [code for code in codes if code != issue.department and code not in issue.assisting]


def assignable(issue: Issue, people: Sequence[Staff]) -> list[Staff]:
    """Of the department's people, those the issue may be assigned to: never a complaint's
    person complained about."""
    return [p for p in people if not (issue.is_complaint and p.id == issue.subject_id)]


def allowed_actions(issue: Issue, person: Staff) -> list[Action]:
    """The steps this person may take now, in the order the card shows them."""
    return [action for action in RULES if action is not Action.VIEW and may(issue, person, action)]


# What a department's group card offers: the department's own steps, pressed by whoever is on
# duty there (each press is checked again against the presser's own rights).
_GROUP_STEPS = frozenset({Action.ACCEPT, Action.RETURN, Action.RESOLVE})


def group_actions(issue: Issue, department: str) -> list[Action]:
    """The buttons on the card in `department`'s group: the steps of `_GROUP_STEPS` its head
    could take now, in the order the card shows them; none once the issue has gone elsewhere."""
    if department != issue.department or issue.is_complaint:
        return []  # a complaint is never shown in a group: its head and coordinators only
    return [
        action for action in RULES if action in _GROUP_STEPS and R.HEAD in _allowed(issue, action)
    ]


def check(issue: Issue, person: Staff, action: Action) -> None:
    """Refuse with the reason a person would want to hear: not yours, or not any more."""
    if may(issue, person, action):
        return
    mine = relations(issue, person)
    could_ever = any(mine & allowed for allowed in RULES[action].values())
    if not could_ever:
        raise errors.NotAllowed(action.value)
    if action is Action.CONFIRM and issue.status is Status.RESOLVED and issue.has_citizen_to_call:
        raise errors.ClosedByCallback()
    raise errors.WrongState(action.value, issue.status.value, done=not _open_to(issue, action))


def on_behalf(issue: Issue, person: Staff, action: Action) -> bool:
    """A coordinator taking a step that belongs to someone else."""
    return (relations(issue, person) & _allowed(issue, action)) == {R.COORDINATOR}


def decide(
    issue: Issue, person: Staff, command: Command, now: datetime, org: Organisation
) -> Event:
    """The event this command causes, or the refusal; nothing is changed here."""
    check(issue, person, command.action)
    stepping_in = on_behalf(issue, person, command.action)
    event = Event(kind=EventKind.NOTE, actor_id=person.id, at=now, on_behalf=stepping_in)
    match command:
        case Accept(reason=reason):
            text = _reason(reason, command.action, required=stepping_in)
            # A member who accepts handles it; a head leaves it with the department.
            target = person.id if person.role is Role.MEMBER else None
            return _with(event, EventKind.ACCEPTED, issue.department, text=text, target_id=target)
        case Return(reason=reason):
            return _with(
                event, EventKind.RETURNED, issue.department, text=_reason(reason, command.action)
            )
        case Reroute(department=department, reason=reason):
            _known_department(department, org)
            return _with(
                event,
                EventKind.REROUTED,
                department,
                text=_reason(reason, command.action, required=False),
            )
        case Transfer(department=department, reason=reason):
            _known_department(department, org)
            if department == issue.department:
                raise errors.SameDepartment()
            return _with(
                event, EventKind.TRANSFERRED, department, text=_reason(reason, command.action)
            )
        case Assign(assignee=assignee):
            if not (
                assignee.active
                and assignee.department == issue.department
                and assignee.role in (Role.MEMBER, Role.HEAD)
            ) or (issue.is_complaint and assignee.id == issue.subject_id):
                raise errors.NotInDepartment()
            return _with(event, EventKind.ASSIGNED, issue.department, target_id=assignee.id)
        case Resolve(text=text, photos=photos):
            _photos(photos)
            return _with(
                event,
                EventKind.RESOLVED,
                issue.department,
                text=_reason(text, command.action),
                photos=photos,
            )
        case Confirm(reason=reason):
            return _with(
                event,
                EventKind.CONFIRMED,
                issue.department,
                text=_reason(reason, command.action, required=stepping_in),
            )
        case Reopen(reason=reason):
            return _with(
                event, EventKind.REOPENED, issue.department, text=_reason(reason, command.action)
            )
        case Withdraw(why=why, reason=reason):
            return _with(
                event,
                EventKind.WITHDRAWN,
                issue.department,
                text=_reason(reason, command.action),
                withdraw_reason=why,
            )
        case AddNote(text=text, photos=photos):
            _photos(photos)
            return _with(
                event, EventKind.NOTE, None, text=_reason(text, command.action), photos=photos
            )
        case AddAssist(department=department):
            _known_department(department, org)
            if department == issue.department or department in issue.assisting:
                raise errors.SameDepartment()
            return _with(event, EventKind.ASSIST_ADDED, department)
        case RecordCallback():
            return _callback(event, issue, command)
        case Praise(person=praised):
            if praised is not None and praised.id not in (issue.assignee_id, issue.accepted_by):
                raise errors.NotInDepartment()
            target = praised.id if praised is not None else None
            return _with(event, EventKind.PRAISE, issue.department, target_id=target)
    raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover


def _callback(event: Event, issue: Issue, command: RecordCallback) -> Event:
    """The call-back's event. A resolved issue's takes the three answers (or "could not
    reach"); an issue closed before them is called back the old way, the verdict alone: the
    questions nobody asked are on record as not asked, not as "no"."""
    verdict, words = command.verdict, _reason(command.words, command.action, required=False)
    if verdict is Verdict.UNREACHABLE:
        return _with(event, EventKind.CALLBACK, issue.department, verdict=verdict, text=words)
    contacted: Contact | None
    solved: Solved | None
    if issue.status is Status.CLOSED:
        contacted, solved = Contact.NOT_ASKED, Solved.NOT_ASKED
    else:
        contacted, solved = command.contacted, command.solved
        if contacted not in (Contact.YES, Contact.NO) or solved in (None, Solved.NOT_ASKED):
            raise errors.StaleStep()  # a question left unanswered: nothing is recorded
    return _with(
        event,
        EventKind.CALLBACK,
        issue.department,
        verdict=verdict,
        contacted=contacted,
        solved=solved,
        text=words,
    )


def follow_up(before: Issue, event: Event) -> Event | None:
    """The step a call-back's answers take on the issue it was recorded on (`before`), by the
    same person at the same moment: solved (or partly) with the citizen satisfied (or basically)
    closes it (结案); not solved, or dissatisfied, sends it back to the same department (重办)
    with the citizen's words. Nothing follows "could not reach", nor the old way's verdict on
    an issue already closed."""
    if event.kind is not EventKind.CALLBACK or before.status is not Status.RESOLVED:
        return None
    match callback_outcome(event):
        case CallbackOutcome.CLOSED:
            kind, text = EventKind.CONFIRMED, None
        case CallbackOutcome.REDO:
            kind, text = EventKind.REOPENED, event.text
        case _:
            return None
    return Event(
        kind=kind,
        actor_id=event.actor_id,
        at=event.at,
        department=before.department,
        text=text,
        on_behalf=event.on_behalf,
    )


def apply(issue: Issue, event: Event, org: Organisation) -> Issue:
    """The issue after the event."""
    changed = _applied(issue, event, org)
    if changed.status is not issue.status and event.kind not in _STARTS_ITS_OWN_PHASE:
        changed = enter_phase(changed, event.at, org)
    return changed


_STARTS_ITS_OWN_PHASE = {
    EventKind.REROUTED,
    EventKind.TRANSFERRED,
    EventKind.REOPENED,
    EventKind.CALLBACK,
}


def _applied(issue: Issue, event: Event, org: Organisation) -> Issue:
    at = event.at
    changed = dataclasses.replace(issue, updated_at=at, version=issue.version + 1)
    match event.kind:
        case EventKind.ACCEPTED:
            return dataclasses.replace(
                changed,
                status=Status.ACCEPTED,
                accepted_by=event.actor_id,
                accepted_at=at,
                closures=0,
                assignee_id=event.target_id,
                respond_by=None,
            )
        case EventKind.RETURNED:
            return dataclasses.replace(changed, status=Status.RETURNED, respond_by=None)
        case EventKind.REROUTED | EventKind.TRANSFERRED:
            assert event.department is not None
            # A complaint keeps the person it names wherever it goes: re-routed and back, it
            # must never reach them (nor lose whom the citizen complained about).
            return handed_to(changed, event.department, at, org)
        case EventKind.ASSIGNED:
            return dataclasses.replace(changed, assignee_id=event.target_id)
        case EventKind.RESOLVED:
            # The latest resolution is the result that counts: a second one, after a
            # reopening, replaces the first on the issue (both stay on the timeline).
            result = Resolution(event.text or "", at, event.photos)
            return dataclasses.replace(
                changed,
                status=Status.RESOLVED,
                resolution=result,
                callback=None,
                unreached=0,
                callback_given_up=False,
            )
        case EventKind.CONFIRMED:
            return dataclasses.replace(changed, status=Status.CLOSED, closures=issue.closures + 1)
        case EventKind.REOPENED:
            category = org.any_category(issue.category)
            resolve = (
                resolution_deadline(category, issue.urgent, at, org.calendar)
                if category
                else Deadline(issue.resolve_by, issue.resolve_workdays)
                if issue.resolve_by
                else None
            )
            # A reopened issue starts a fresh phase even though it was accepted before, and
            # will need a fresh call-back once it is closed again (the old one stays on record).
            reopened = dataclasses.replace(
                changed,
                status=Status.ACCEPTED,
                resolve_by=resolve.at if resolve else None,
                resolve_workdays=resolve.workdays if resolve else None,
                reopen_count=issue.reopen_count + 1,
                callback=None,
                unreached=0,
                callback_given_up=False,
            )
            return enter_phase(reopened, at, org)
        case EventKind.WITHDRAWN:
            return dataclasses.replace(changed, status=Status.WITHDRAWN, respond_by=None)
        case EventKind.ASSIST_ADDED:
            assert event.department is not None
            return dataclasses.replace(changed, assisting=issue.assisting | {event.department})
        case EventKind.CALLBACK if event.verdict is Verdict.UNREACHABLE:
            # Reminders to try again start afresh. Once the tries reach the organisation's
            # number, a coordinator may close the issue with a reason (a closed issue, called
            # back the old way, is closed already).
            tries = issue.unreached + 1
            given_up = issue.callback_given_up or (
                issue.status is Status.RESOLVED and tries >= org.callback.attempts
            )
            unreached = dataclasses.replace(
                changed, callback=event.verdict, unreached=tries, callback_given_up=given_up
            )
            return enter_phase(unreached, at, org)
        case EventKind.CALLBACK:
            # The verdict ends the call-back reminders; on a resolved issue, what the answers
            # take (`follow_up`) moves it on.
            return enter_phase(dataclasses.replace(changed, callback=event.verdict), at, org)
        case EventKind.PRAISE:
            return dataclasses.replace(changed, praised=True)
        case EventKind.REPEAT_CALL:
            # Counted on the issue (its card shows it); its state and reminders stay as they are.
            return dataclasses.replace(changed, repeat_calls=issue.repeat_calls + 1)
        case EventKind.FLAGGED:
            # Taken with the report that brought it (casework/repeats.py), in the same save.
            return dataclasses.replace(changed, flagged_at=at)
        case EventKind.DUPLICATE:
            # As a repeat call: counted, nothing else changes (not a second handoff).
            return dataclasses.replace(changed, duplicates=issue.duplicates + 1)
        case EventKind.NOTE | EventKind.SUBMITTED:
            return dataclasses.replace(issue, updated_at=at)
    raise AssertionError(f"unhandled event {event.kind}")  # pragma: no cover


def enter_phase(issue: Issue, at: datetime, org: Organisation) -> Issue:
    """Start the reminder ladder afresh: the issue entered a new state (or department)."""
    started = dataclasses.replace(
        issue, phase=issue.phase + 1, phase_started_at=at, reminders_sent=0
    )
    return dataclasses.replace(
        started, next_reminder_at=first_rung_at(started, org.reminders, org.calendar)
    )


def handed_to(issue: Issue, department: str, at: datetime, org: Organisation) -> Issue:
    """Pending at `department` from `at`, with fresh deadlines."""
    category = org.any_category(issue.category)
    assert category is not None, f"issue {issue.number} has an unknown category"
    respond = response_deadline(category, issue.urgent, at, org.calendar)
    resolve = resolution_deadline(category, issue.urgent, at, org.calendar)
    handed = dataclasses.replace(
        issue,
        status=Status.PENDING,
        department=department,
        assignee_id=None,
        accepted_by=None,
        handed_at=at,
        respond_by=respond.at,
        respond_workdays=respond.workdays,
        resolve_by=resolve.at,
        resolve_workdays=resolve.workdays,
        assisting=issue.assisting - {department},
    )
    return enter_phase(handed, at, org)


def _with(event: Event, kind: EventKind, department: str | None, **changes: object) -> Event:
    return dataclasses.replace(event, kind=kind, department=department, **changes)  # type: ignore[arg-type]


def _reason(text: str | None, action: Action, required: bool = True) -> str | None:
    cleaned = (text or "").strip()
    if not cleaned:
        if required:
            raise errors.ReasonRequired(action.value)
        return None
    if len(cleaned) > REASON_MAX:
        raise errors.TextTooLong(REASON_MAX)
    return cleaned


def _photos(photos: tuple[str, ...]) -> None:
    if len(photos) > PHOTOS_MAX:
        raise errors.TooManyPhotos(PHOTOS_MAX)


def _known_department(code: str, org: Organisation) -> None:
    if org.department(code) is None:
        raise errors.UnknownDepartment(code)


_ALWAYS_WRITTEN = {
    Action.RETURN,
    Action.TRANSFER,
    Action.RESOLVE,
    Action.REOPEN,
    Action.WITHDRAW,
    Action.NOTE,
}


def needs_text(issue: Issue, person: Staff, action: Action) -> bool:
    """Whether the step needs something written (a reason, the resolution, the note)."""
    if action in _ALWAYS_WRITTEN:
        return True
    return action in _NEEDS_REASON_ON_BEHALF and on_behalf(issue, person, action)


# Steps that name something first: a department, a person, a kind of withdrawal, a verdict,
# whom to praise.
_CHOSEN_FIRST = {
    Action.TRANSFER,
    Action.REROUTE,
    Action.ASSIST,
    Action.ASSIGN,
    Action.WITHDRAW,
    Action.CALLBACK,
    Action.PRAISE,
}


def needs_choice(action: Action) -> bool:
    """Whether the step names something that is chosen first (then, maybe, words)."""
    return action in _CHOSEN_FIRST


def needs_confirmation(issue: Issue, person: Staff, action: Action) -> bool:
    """Whether the step is confirmed with a second press: a reporter's Confirm closed ends the
    work on the issue and tells the department, and a stray tap cannot be taken back (only a
    coordinator reopens a closed issue). (A coordinator confirming it writes a reason: that
    is their pause. Accepting, as frequent as it is, is not asked twice.)"""
    return action is Action.CONFIRM and not needs_text(issue, person, action)


def on_the_record(event: Event, before: Issue, after: Issue) -> Event:
    """The event as the timeline keeps it: the deadline it set, and the wait it ended."""
    stamped = dataclasses.replace(event, due_at=deadline_set_by(event, after))
    ended = before.status is Status.PENDING and event.kind in _ENDS_A_WAIT_FOR_RESPONSE
    if ended:
        return dataclasses.replace(
            stamped,
            spell=Spell.RESPONSE,
            spell_started_at=before.handed_at,
            spell_due_at=before.respond_by,
            spell_department=before.department,
        )
    if before.status is Status.ACCEPTED and event.kind in _ENDS_A_WAIT_FOR_RESOLUTION:
        return dataclasses.replace(
            stamped,
            spell=Spell.RESOLUTION,
            spell_started_at=before.phase_started_at or before.handed_at,
            spell_due_at=before.resolve_by,
            spell_department=before.department,
        )
    return stamped


_ENDS_A_WAIT_FOR_RESPONSE = {
    EventKind.ACCEPTED, EventKind.RETURNED, EventKind.TRANSFERRED, EventKind.WITHDRAWN,
}  # fmt: skip
# A withdrawal ends it too: the rates count none of those (`casework.metrics.tallies`) but a
# duplicate's, which is not a second resolution that can be late.
_ENDS_A_WAIT_FOR_RESOLUTION = {EventKind.RESOLVED, EventKind.TRANSFERRED, EventKind.WITHDRAWN}


def deadline_set_by(event: Event, issue: Issue) -> datetime | None:
    """The deadline a step starts, kept on the timeline for the rates: a handoff's response
    deadline, an acceptance's (or reopening's) resolution deadline."""
    if event.kind in (EventKind.SUBMITTED, EventKind.REROUTED, EventKind.TRANSFERRED):
        return issue.respond_by
    if event.kind in (EventKind.ACCEPTED, EventKind.REOPENED):
        return issue.resolve_by
    return None
