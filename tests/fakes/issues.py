"""Issues in memory: their state, numbering and timeline, drafts and questions waiting for an
answer, /redact questions, the daily figures' tallies."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from datetime import date, datetime

from casework.following import FollowerCallBack
from casework.intake import Draft
from casework.issues import Event, EventKind, Issue, Location, Status
from casework.lookup import Lookup, LookupKind, runs
from casework.metrics import DayCounts, DepartmentCounts, Held, PersonCounts, PersonLoad, Tally
from casework.nearby import Nearby, within
from casework.ports import (
    DepartmentLoad,
    EventPage,
    ExportCursor,
    ExportIssue,
    Idle,
    IssuePage,
    LookupScope,
    Pin,
    PinPage,
    Viewer,
)
from casework.prompts import Prompt
from casework.reminders import LadderMoved
from casework.retention import BlankedEvent, RedactionRequest, national_number
from tests.fakes.tables import NotFaked, Tables, stored, whole_seconds

_ENDED = (Status.CLOSED, Status.WITHDRAWN)
_ASIDE = (
    EventKind.NOTE,
    EventKind.ASSIST_ADDED,
    EventKind.REDACTED,
    EventKind.REPEAT_CALL,
    EventKind.FLAGGED,
    EventKind.DUPLICATE,
    EventKind.DUPLICATE_CALLBACK,
)


def _looked_up(issue: Issue, lookup: Lookup) -> bool:
    national = national_number(issue.citizen_phone) if issue.citizen_phone else None
    match lookup.kind:
        case LookupKind.PHONE:
            return national == lookup.key
        case LookupKind.TAIL:
            return national is not None and national[-4:] == lookup.key
        case LookupKind.WORDS:
            held = runs(issue.description) + runs(issue.address or "")
            return all(any(word in run for run in held) for word in lookup.words)
    raise ValueError(f"{lookup.kind} is not looked up in a list")


def _due(issue: Issue) -> datetime | None:
    """The deadline an open issue waits on: to be accepted, or to be resolved."""
    if issue.status is Status.PENDING:
        return issue.respond_by
    return issue.resolve_by if issue.status is Status.ACCEPTED else None


def _seen(issue: Issue, viewer: Viewer | None) -> bool:
    """Whether a department's list of issues for `viewer` holds this one (storage's `_SEEN`):
    a case always; a complaint, not about the viewer, for a head or the one handling it."""
    if viewer is None or not issue.is_complaint:
        return True
    handles = viewer.staff_id in (issue.assignee_id, issue.accepted_by)
    return issue.subject_id != viewer.staff_id and (viewer.head or handles)


def _may_see(issue: Issue, scope: LookupScope) -> bool:
    """As casework/lifecycle.py `relations` says, read again (not called: the contract tests
    check both against it)."""
    if issue.is_complaint and issue.subject_id == scope.staff_id:
        return False
    if scope.group is not None and (issue.department != scope.group or issue.is_complaint):
        return False
    handles = scope.staff_id in (issue.assignee_id, issue.accepted_by)
    return (
        scope.everything
        or issue.reporter_id == scope.staff_id
        or (
            scope.department == issue.department
            and (scope.head or not issue.is_complaint or handles)
        )
        or (
            scope.department is not None
            and scope.department != issue.department
            and scope.department in issue.assisting
        )
    )


class FakeIssues:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def next_sequence(self, month: str) -> int:
        self._t.write()
        self._t.issue_counters[month] = self._t.issue_counters.get(month, 0) + 1
        self._t.changed()
        return self._t.issue_counters[month]

    async def create(self, issue: Issue) -> Issue:
        self._t.write()
        if await self.by_number(issue.number) is not None:
            raise ValueError(f"issue number {issue.number} is taken (UNIQUE in SQLite)")
        created = stored(dataclasses.replace(issue, id=self._t.next_id("issues")))
        self._t.issues[created.id] = created
        self._t.changed()
        return created

    async def save(self, issue: Issue, expected_version: int) -> bool:
        """Only if nobody changed it since `expected_version`. Its photos are those it was
        logged with (and none once forgotten), as in SQLite, whatever `issue` holds."""
        self._t.write()
        current = self._t.issues.get(issue.id)
        if current is None or current.version != expected_version:
            return False
        self._t.issues[issue.id] = stored(dataclasses.replace(issue, photos=current.photos))
        self._t.changed()
        return True

    async def get(self, issue_id: int) -> Issue | None:
        return self._t.issues.get(issue_id)

    async def version_of(self, issue_id: int) -> int | None:
        issue = self._t.issues.get(issue_id)
        return None if issue is None else issue.version

    async def by_number(self, number: str) -> Issue | None:
        return next((i for i in self._t.issues.values() if i.number == number), None)

    async def logged_since(self, since: datetime, limit: int) -> list[Issue]:
        at = whole_seconds(since)
        found = [i for i in self._t.issues.values() if i.created_at >= at]
        return sorted(found, key=lambda i: (i.created_at, i.id))[:limit]

    async def to_redact(self, ended_before: datetime, limit: int) -> list[Issue]:
        found = [
            i
            for i in self._ended_before(ended_before)
            if i.redacted_at is None or i.redacted_at <= i.updated_at
        ]
        return found[:limit]

    async def with_cards_to_retire(self, ended_before: datetime, limit: int) -> list[int]:
        retired = self._t.cards_retired_at
        found = [
            i.id
            for i in self._ended_before(ended_before)
            if i.id not in retired or retired[i.id] <= i.updated_at
        ]
        return found[:limit]

    async def cards_retired(self, issue_ids: Sequence[int], now: datetime) -> None:
        self._t.write()
        for issue_id in issue_ids:
            if issue_id in self._t.issues:
                self._t.cards_retired_at[issue_id] = whole_seconds(now)
                self._t.changed()

    async def forget_photos(self, issue_id: int) -> None:
        self._t.write()
        issue = self._t.issues.get(issue_id)
        if issue is not None and issue.photos:
            self._t.issues[issue_id] = dataclasses.replace(issue, photos=())
            self._t.changed(len(issue.photos))

    def _ended_before(self, ended_before: datetime) -> list[Issue]:
        """Ended issues whose last step came before `ended_before`, the longest over first."""
        before = whole_seconds(ended_before)
        found = [i for i in self._t.issues.values() if i.status in _ENDED and i.updated_at < before]
        return sorted(found, key=lambda i: (i.updated_at, i.id))

    async def reported_by(self, staff_id: int, limit: int, offset: int) -> IssuePage:
        raise NotFaked("issues.reported_by")

    async def inbox(
        self, department: str | None, limit: int, offset: int, viewer: Viewer | None = None
    ) -> IssuePage:
        raise NotFaked("issues.inbox")

    async def reminders_due(self, now: datetime, limit: int) -> list[Issue]:
        raise NotFaked("issues.reminders_due")

    async def next_deadline(self, after: datetime) -> datetime | None:
        at = whole_seconds(after)
        dues = [i.due for i in self._t.issues.values()]
        return min((due for due in dues if due is not None and due > at), default=None)

    async def next_reminder(self, after: datetime) -> datetime | None:
        at = whole_seconds(after)
        dues = [i.next_reminder_at for i in self._t.issues.values()]
        return min((due for due in dues if due is not None and due > at), default=None)

    async def passed_reminders(self, moved: Sequence[LadderMoved]) -> None:
        raise NotFaked("issues.passed_reminders")

    async def overdue(
        self, department: str | None, now: datetime, limit: int, viewer: Viewer | None = None
    ) -> IssuePage:
        raise NotFaked("issues.overdue")

    async def pinned(
        self, department: str | None, limit: int, viewer: Viewer | None = None
    ) -> PinPage:
        found = [
            i
            for i in self._t.issues.values()
            if i.status.is_open
            and i.location is not None
            and department in (None, i.department)
            and _seen(i, viewer)
        ]
        found.sort(key=lambda i: (i.created_at, i.id), reverse=True)
        pins = [
            Pin(i.id, i.number, i.location, i.category, i.department, i.status, i.urgent, _due(i))
            for i in found[:limit]
            if i.location is not None
        ]
        return PinPage(pins, len(found))

    async def open_counts(
        self, now: datetime, hidden_from: int | None = None
    ) -> list[DepartmentLoad]:
        raise NotFaked("issues.open_counts")

    async def with_citizen_phone(self, spellings: Sequence[str]) -> list[Issue]:
        raise NotFaked("issues.with_citizen_phone")

    async def of_citizen(
        self, spellings: Sequence[str], since: datetime, limit: int
    ) -> list[Issue]:
        at = whole_seconds(since)
        found = [
            i
            for i in self._t.issues.values()
            if i.citizen_phone is not None and i.citizen_phone in spellings and i.created_at >= at
        ]
        found.sort(key=lambda i: (i.status in _ENDED, -i.created_at.timestamp(), -i.id))
        return found[:limit]

    async def find(
        self, lookup: Lookup, scope: LookupScope, limit: int, offset: int, most: int
    ) -> IssuePage:
        newest_first = sorted(self._t.issues.values(), key=lambda i: i.id, reverse=True)
        found = [i for i in newest_first if _looked_up(i, lookup) and _may_see(i, scope)][:most]
        return IssuePage(found[offset : offset + limit], len(found))

    async def near(
        self, category: str, at: Location, radius_m: float, since: datetime, limit: int
    ) -> list[Nearby]:
        # Every issue measured: no grid here, so the contract test checks SQLite's cells.
        moment = whole_seconds(since)
        found = [
            i
            for i in self._t.issues.values()
            if i.category == category and i.status.is_open and i.created_at >= moment
        ]
        return within(found, at, radius_m)[:limit]

    async def follow(self, issue_id: int, staff_id: int, at: datetime) -> None:
        self._t.write()
        if (issue_id, staff_id) not in self._t.followers:
            self._t.followers[(issue_id, staff_id)] = whole_seconds(at)
            self._t.changed()

    async def followers(self, issue_id: int) -> list[int]:
        return sorted(staff for issue, staff in self._t.followers if issue == issue_id)

    async def follower_call_back(self, issue_id: int, staff_id: int) -> FollowerCallBack | None:
        if (issue_id, staff_id) not in self._t.followers:
            return None
        return self._t.follower_call_backs.get((issue_id, staff_id), FollowerCallBack())

    async def save_follower_call_back(
        self, issue_id: int, staff_id: int, call_back: FollowerCallBack
    ) -> None:
        self._t.write()
        if (issue_id, staff_id) in self._t.followers:
            at = call_back.called_back_at
            kept = dataclasses.replace(call_back, called_back_at=whole_seconds(at) if at else None)
            self._t.follower_call_backs[(issue_id, staff_id)] = kept
            self._t.changed()

    async def held_by(self, staff_ids: Collection[int], now: datetime) -> dict[int, Held]:
        at = whole_seconds(now)
        found: dict[int, Held] = {}
        for issue in self._t.issues.values():
            person = issue.assignee_id
            if issue.status is Status.ACCEPTED and person is not None and person in staff_ids:
                held = found.get(person, Held())
                late = issue.resolve_by is not None and issue.resolve_by < at
                found[person] = Held(held.open + 1, held.overdue + late)
        return found


class FakeTimeline:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def append(self, issue_id: int, event: Event) -> Event:
        self._t.write()
        appended = stored(
            dataclasses.replace(event, id=self._t.next_id("events"), issue_id=issue_id)
        )
        self._t.events[appended.id or 0] = appended
        self._t.changed()
        return appended

    async def of_issue(self, issue_id: int) -> list[Event]:
        return [e for _, e in sorted(self._t.events.items()) if e.issue_id == issue_id]

    async def get(self, event_id: int) -> Event | None:
        return self._t.events.get(event_id)

    async def latest_step(self, issue_id: int) -> Event | None:
        steps = [e for e in await self.of_issue(issue_id) if e.kind not in _ASIDE]
        return steps[-1] if steps else None

    async def flagged(self, start: datetime, end: datetime, limit: int) -> list[str]:
        found = [
            e
            for e in self._t.events.values()
            if e.kind is EventKind.FLAGGED and start <= e.at < end
        ]
        found.sort(key=lambda e: (e.at, e.id or 0), reverse=True)
        return [self._t.issues[e.issue_id or 0].number for e in found[:limit]]

    async def redact(self, blanked: Sequence[BlankedEvent], now: datetime) -> None:
        raise NotFaked("timeline.redact")


class FakeDrafts:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def get(self, staff_id: int) -> Draft | None:
        found = self._t.drafts.get(staff_id)
        return None if found is None else found[1]

    async def put(self, staff_id: int, chat_id: int, draft: Draft) -> None:
        self._t.write()
        # Through its serialisation, as SQLite keeps it.
        self._t.drafts[staff_id] = (chat_id, Draft.from_dict(draft.to_dict()))
        self._t.changed()

    async def delete(self, staff_id: int) -> bool:
        self._t.write()
        if self._t.drafts.pop(staff_id, None) is None:
            return False
        self._t.changed()
        return True

    async def idle_since(self, before: datetime) -> list[Idle]:
        return [
            Idle(staff_id, chat_id, whole_seconds(draft.updated_at))
            for staff_id, (chat_id, draft) in self._t.drafts.items()
            if whole_seconds(draft.updated_at) <= whole_seconds(before)
        ]


class FakePrompts:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def get(self, staff_id: int) -> Prompt | None:
        return self._t.prompts.get(staff_id)

    async def put(self, staff_id: int, prompt: Prompt) -> None:
        self._t.write()
        self._t.prompts[staff_id] = stored(prompt)
        self._t.changed()

    async def delete(self, staff_id: int) -> bool:
        self._t.write()
        if self._t.prompts.pop(staff_id, None) is None:
            return False
        self._t.changed()
        return True

    async def idle_since(self, before: datetime) -> list[Idle]:
        return [
            Idle(staff_id, prompt.chat_id, prompt.updated_at)
            for staff_id, prompt in self._t.prompts.items()
            if prompt.updated_at <= whole_seconds(before)
        ]


class FakeRedactionRequests:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, request: RedactionRequest) -> None:
        self._t.write()
        self._t.redaction_requests[request.token] = stored(request)
        self._t.changed()

    async def take(self, token: str, staff_id: int) -> RedactionRequest | None:
        self._t.write()
        request = self._t.redaction_requests.get(token)
        if request is None or request.staff_id != staff_id:
            return None
        self._t.changed()
        return self._t.redaction_requests.pop(token)

    async def forget_before(self, before: datetime) -> int:
        self._t.write()
        gone = [
            token
            for token, request in self._t.redaction_requests.items()
            if request.created_at < whole_seconds(before)
        ]
        for token in gone:
            del self._t.redaction_requests[token]
        return self._t.changed(len(gone))


class FakeMetrics:
    """The tallies each step adds are kept (`Tables.tallies`); the figures are counted in SQL
    and tested on the SQLite store (tests/test_metrics.py)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def tally(self, tallies: Sequence[Tally]) -> None:
        self._t.write()
        self._t.tallies.extend(tallies)
        self._t.changed(len(tallies))

    async def daily(self, first_day: date, end_day: date) -> list[DepartmentCounts]:
        raise NotFaked("metrics.daily")

    async def daily_by_day(
        self, first_day: date, end_day: date, department: str, months: bool = False
    ) -> list[DayCounts]:
        raise NotFaked("metrics.daily_by_day")

    async def by_person(self, first_day: date, end_day: date) -> dict[int, PersonCounts]:
        raise NotFaked("metrics.by_person")

    async def counted(self, start: datetime, end: datetime) -> list[DepartmentCounts]:
        raise NotFaked("metrics.counted")

    async def by_person_counted(self, start: datetime, end: datetime) -> dict[int, PersonCounts]:
        raise NotFaked("metrics.by_person_counted")

    async def waits(
        self, start: datetime, end: datetime, department: str | None = None
    ) -> list[DepartmentCounts]:
        raise NotFaked("metrics.waits")

    async def open_now(
        self, now: datetime, hidden_from: int | None = None
    ) -> list[DepartmentCounts]:
        raise NotFaked("metrics.open_now")

    async def people(self, now: datetime) -> list[PersonLoad]:
        raise NotFaked("metrics.people")


class FakeExports:
    """Exports read the SQLite store in batches (tests/test_reports.py)."""

    async def issues(
        self,
        start: datetime,
        end: datetime,
        department: str | None,
        after: ExportCursor | None,
        limit: int,
        hidden_from: int | None = None,
    ) -> list[ExportIssue]:
        raise NotFaked("exports.issues")

    async def rows(
        self, start: datetime, end: datetime, department: str | None, hidden_from: int | None
    ) -> int:
        raise NotFaked("exports.rows")

    async def events(
        self,
        start: datetime,
        end: datetime,
        department: str | None,
        after: ExportCursor | None,
        limit: int,
        hidden_from: int | None = None,
    ) -> EventPage:
        raise NotFaked("exports.events")
