"""The reminder ladder: who is reminded of an issue, and when, until it moves on.

Each state an issue enters starts a new *phase* with its own ladder of rungs, counted from
the moment the phase began (`phase_started_at`):

- pending: the department at half the response time and at the deadline; the coordinators
  at the deadline (escalation); then the department every `overdue_every` and the coordinators
  every `escalate_after`, until it is accepted, returned or moved;
- accepted: the handler (the person assigned, else the department) at half the resolution
  time, `before_deadline` before it, and at it (for a deadline in working days, half the time
  and `before_deadline` are working time, casework/workdays.py); once overdue, the handler and the heads every
  `overdue_every`, and the coordinators every `escalate_after` (the supervision step);
- returned: the reporter and the coordinators, `returned_after` and then every
  `returned_every`, until it is re-routed or withdrawn;
- resolved, with a citizen to call: the reporter every `confirm_every`, until the call-back
  closes or reopens it; once the citizen could not be reached, every `callback_after`, to try
  again; once the tries reach `[callback] attempts`, the coordinators every `escalate_after`,
  to close it with a reason (or the reporter reaches the citizen after all);
- resolved, with no citizen to call: the reporter every `confirm_every`, until Confirm closed or
  Reopen;
- closed before the three-question call-back, and not called back yet
  (`Issue.awaits_old_callback`): the reporter `callback_after` after closing, until the
  citizen's verdict is recorded (three times at most; "could not reach" starts them again).

Rungs are numbered within the phase; the issue remembers how many it has passed
(`reminders_sent`) and when the next falls due (`next_reminder_at`), so the sweep finds due
issues with one indexed query and a restart neither loses nor repeats a rung.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from casework.issues import Issue, Status
from casework.notifications import Audience
from casework.organisation import ReminderPolicy
from casework.workdays import WorkCalendar

# Catching up after a long stop never walks more rungs than this in one go.
MAX_RUNGS_PER_SWEEP = 10_000
CALLBACK_REMINDERS = 3  # a call-back is asked for this many times, then left to the digests


class RungKind(StrEnum):
    HALFWAY = "halfway"  # half the time is gone
    SOON = "soon"  # shortly before the deadline
    DEADLINE = "deadline"  # the deadline is now
    OVERDUE = "overdue"  # past the deadline, again and again
    ESCALATION = "escalation"  # the coordinators are told it is overdue
    REROUTE = "reroute"  # a returned issue waits to be re-routed
    CONFIRM = "confirm"  # a resolved issue with no citizen to call waits for the reporter
    CALLBACK = "callback"  # an issue waits for the call-back (resolved; or closed the old way)
    UNREACHED = "unreached"  # the citizen could not be reached, try after try: coordinators


@dataclass(frozen=True)
class Rung:
    index: int
    at: datetime
    kind: RungKind
    audiences: tuple[Audience, ...]


@dataclass(frozen=True)
class Plan:
    """What a sweep at `now` should send for one issue, and where the ladder stands after."""

    fire: list[Rung]
    passed: int  # rungs passed in this phase, after firing
    next_at: datetime | None


@dataclass(frozen=True)
class LadderMoved:
    """How far an issue's ladder has gone after a sweep: recorded only if the issue is still
    in `phase` (a step taken meanwhile starts a new ladder)."""

    issue_id: int
    phase: int
    passed: int
    next_at: datetime | None


def ladder(issue: Issue, policy: ReminderPolicy, calendar: WorkCalendar) -> Iterator[Rung]:
    """The issue's rungs for its current phase, in time order (possibly endless). For a
    deadline in working days, half the time and `before_deadline` are working time on the
    calendar."""
    start = issue.phase_started_at or issue.handed_at
    timed: Iterator[tuple[datetime, RungKind, tuple[Audience, ...]]]
    working = calendar if issue.due_workdays is not None else None
    match issue.status:
        case Status.PENDING if issue.respond_by is not None:
            timed = _pending(start, issue.respond_by, policy, working)
        case Status.ACCEPTED if issue.resolve_by is not None:
            timed = _accepted(start, issue.resolve_by, policy, working)
        case Status.RETURNED:
            first = start + policy.returned_after
            timed = (
                (at, RungKind.REROUTE, (Audience.REPORTER, Audience.COORDINATORS))
                for at in _every(first, policy.returned_every)
            )
        case Status.RESOLVED if not issue.has_citizen_to_call:
            timed = (
                (at, RungKind.CONFIRM, (Audience.REPORTER,))
                for at in _every(start + policy.confirm_every, policy.confirm_every)
            )
        case Status.RESOLVED if issue.callback_given_up:
            timed = (
                (at, RungKind.UNREACHED, (Audience.COORDINATORS,))
                for at in _every(start + policy.escalate_after, policy.escalate_after)
            )
        case Status.RESOLVED:
            every = policy.callback_after if issue.unreached else policy.confirm_every
            timed = (
                (at, RungKind.CALLBACK, (Audience.REPORTER,)) for at in _every(start + every, every)
            )
        case Status.CLOSED if issue.awaits_old_callback:
            calls = _every(start + policy.callback_after, policy.callback_after)
            timed = (
                (at, RungKind.CALLBACK, (Audience.REPORTER,))
                for at in itertools.islice(calls, CALLBACK_REMINDERS)
            )
        case _:
            return
    for index, (at, kind, audiences) in enumerate(timed):
        yield Rung(index, at, kind, audiences)


def urgency(issue: Issue) -> tuple[bool, bool, datetime, str]:
    """How a list of reminders is ordered, most urgent first: urgent issues; then by the
    deadline that runs now, the most overdue (or the nearest) first; then the issues waiting on
    someone without a deadline (returned, resolved, closed), the longest waiting first."""
    due = issue.due
    waiting_since = issue.phase_started_at or issue.handed_at
    return (not issue.urgent, due is None, due or waiting_since, issue.number)


def first_rung_at(issue: Issue, policy: ReminderPolicy, calendar: WorkCalendar) -> datetime | None:
    return next((rung.at for rung in ladder(issue, policy, calendar)), None)


def plan(issue: Issue, policy: ReminderPolicy, calendar: WorkCalendar, now: datetime) -> Plan:
    """The rungs due by `now` not yet passed. After a stop, a repeated reminder to the same
    people is sent once (the latest), not once for every time it was missed."""
    due: list[Rung] = []
    next_at = None
    for rung in itertools.islice(ladder(issue, policy, calendar), issue.reminders_sent, None):
        if rung.at > now or len(due) >= MAX_RUNGS_PER_SWEEP:
            next_at = rung.at
            break
        due.append(rung)
    latest: dict[tuple[RungKind, tuple[Audience, ...]], Rung] = {}
    for rung in due:
        latest[(rung.kind, rung.audiences)] = rung
    fire = sorted(latest.values(), key=lambda r: r.index)
    return Plan(fire=fire, passed=issue.reminders_sent + len(due), next_at=next_at)


def _halfway(start: datetime, deadline: datetime, working: WorkCalendar | None) -> datetime:
    """Half the time from `start` to `deadline`: working time for a working-day deadline."""
    if working is not None:
        worked = working.working_time(start, deadline)
        if worked > timedelta(0):
            return working.after(start, worked / 2)
    return start + (deadline - start) / 2


def _pending(
    start: datetime, deadline: datetime, policy: ReminderPolicy, working: WorkCalendar | None
) -> Iterator[tuple[datetime, RungKind, tuple[Audience, ...]]]:
    department = (Audience.DEPARTMENT,)
    if deadline > start:
        yield _halfway(start, deadline, working), RungKind.HALFWAY, department
    yield deadline, RungKind.DEADLINE, department
    yield deadline, RungKind.ESCALATION, (Audience.COORDINATORS,)
    yield from _merge(
        (
            (at, RungKind.OVERDUE, department)
            for at in _every(deadline + policy.overdue_every, policy.overdue_every)
        ),
        (
            (at, RungKind.ESCALATION, (Audience.COORDINATORS,))
            for at in _every(deadline + policy.escalate_after, policy.escalate_after)
        ),
    )


def _accepted(
    start: datetime, deadline: datetime, policy: ReminderPolicy, working: WorkCalendar | None
) -> Iterator[tuple[datetime, RungKind, tuple[Audience, ...]]]:
    handler = (Audience.HANDLER,)
    halfway = _halfway(start, deadline, working)
    if deadline > start:
        yield halfway, RungKind.HALFWAY, handler
    if working is not None:
        soon = working.before(deadline, policy.before_deadline)
    else:
        soon = deadline - policy.before_deadline
    if soon > halfway and soon > start:
        yield soon, RungKind.SOON, handler
    yield deadline, RungKind.DEADLINE, handler
    yield from _merge(
        (
            (at, RungKind.OVERDUE, (Audience.HANDLER, Audience.HEADS))
            for at in _every(deadline + policy.overdue_every, policy.overdue_every)
        ),
        (
            (at, RungKind.ESCALATION, (Audience.COORDINATORS,))
            for at in _every(deadline + policy.escalate_after, policy.escalate_after)
        ),
    )


def _every(first: datetime, period: timedelta) -> Iterator[datetime]:
    at = first
    while True:
        yield at
        at += period


def _merge(
    *streams: Iterator[tuple[datetime, RungKind, tuple[Audience, ...]]],
) -> Iterator[tuple[datetime, RungKind, tuple[Audience, ...]]]:
    """Endless time-ordered streams, merged in time order (ties: the order given)."""
    numbered = [((item[0], n, item) for item in stream) for n, stream in enumerate(streams)]
    for _at, _n, item in heapq.merge(*numbered):
        yield item
