"""What the use cases need from storage, as interfaces. `storage.sqlite` implements them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from casework.following import FollowerCallBack
from casework.health import Backlog, Heartbeat
from casework.intake import Draft
from casework.issues import Event, Issue, Location, Status
from casework.lookup import Lookup
from casework.metrics import DayCounts, DepartmentCounts, Held, PersonCounts, PersonLoad, Tally
from casework.nearby import Nearby
from casework.organisation import Category, Department, Organisation, RosterEntry
from casework.outbox import Card, OutboxItem
from casework.people import (
    AccessEntry,
    DeactivationRequest,
    Invite,
    InviteDraft,
    NewStaff,
    Staff,
)
from casework.prompts import Prompt
from casework.reminders import LadderMoved
from casework.retention import BlankedEvent, RedactionRequest
from casework.roles import Role


class StoreWriteFailed(Exception):
    """The store cannot save: its disk is full, failing or read-only. Nothing the transaction
    did was saved; the same write may work later, when the operator has made room."""


class StoreUnreachable(StoreWriteFailed):
    """The store's server cannot be reached (the connection to it lost), or this bot no longer
    holds the database (another bot may, now). Nothing was saved. Unlike a full disk, what comes
    in must not be handled anyway (another bot may be handling it): it is left where it came
    from, to come again."""


@dataclass(frozen=True)
class RosterImport:
    added: list[int]  # staff ids
    updated: int
    removed: list[int]  # staff ids whose access the file ended
    changed: list[int] = field(default_factory=list)  # given another role or department


@dataclass(frozen=True)
class Idle:
    """A draft or a prompt nobody touched for a while."""

    staff_id: int
    chat_id: int
    updated_at: datetime


@dataclass(frozen=True)
class ExportIssue:
    """An issue as a row of a spreadsheet: plain values, names already looked up."""

    id: int
    number: str
    status: str
    category: str
    department: str
    urgent: bool
    source: str
    description: str
    address: str | None
    latitude: float | None
    longitude: float | None
    citizen_name: str | None
    citizen_phone: str | None
    reporter: str
    handler: str | None
    created_at: datetime
    respond_by: datetime | None
    resolve_by: datetime | None
    reopen_count: int
    callback: str | None
    # The result, if it stands (resolved or closed, not reopened since): what the department
    # said it did, when, and how many photos it attached.
    resolution: str | None = None
    resolved_at: datetime | None = None
    resolution_photos: int = 0
    complaint: bool = False  # a complaint (投诉), about `subject` or the service as a whole
    subject: str | None = None

    def overdue(self, now: datetime) -> bool:
        """Past its deadline: resolved after it, or still waiting past it at `now` (to be
        accepted while pending, to be resolved while in progress)."""
        if self.resolved_at is not None:
            return self.resolve_by is not None and self.resolved_at > self.resolve_by
        if self.status == Status.PENDING:
            return self.respond_by is not None and self.respond_by < now
        if self.status == Status.ACCEPTED:
            return self.resolve_by is not None and self.resolve_by < now
        return False  # returned or withdrawn: no longer the department's to do


@dataclass(frozen=True)
class ExportEvent:
    id: int
    number: str
    at: datetime
    actor: str | None
    kind: str
    department: str | None
    text: str | None
    verdict: str | None
    photos: int = 0  # how many photos the step has (a resolution's, a note's)


@dataclass(frozen=True)
class ExportCursor:
    """Where a batch of an export ended: issues go in the order they were logged."""

    created_at: datetime
    issue_id: int


@dataclass(frozen=True)
class EventPage:
    """The steps of a batch of issues, issue by issue; where the next batch starts."""

    events: list[ExportEvent]
    last: ExportCursor | None  # where the next batch starts; None: this was the last


@dataclass(frozen=True)
class RunningExport:
    """An export being built, on record until it is sent (or its person told why not)."""

    staff_id: int
    chat_id: int
    period: str


@dataclass(frozen=True)
class DepartmentLoad:
    department: str
    pending: int
    accepted: int
    overdue: int


@dataclass(frozen=True)
class IssuePage:
    issues: list[Issue]
    total: int


@dataclass(frozen=True)
class Pin:
    """An open issue where it was pinned, for a map: what colours and filters its point."""

    id: int
    number: str
    location: Location
    category: str
    department: str
    status: Status
    urgent: bool
    due: datetime | None  # the deadline it is waiting on now (to accept, or to resolve)


@dataclass(frozen=True)
class PinPage:
    pins: list[Pin]  # the newest first
    total: int  # every open issue with a pin in the scope


@dataclass(frozen=True)
class Viewer:
    """Whose list of a department's issues it is, for the complaints in it (as
    casework/lifecycle.py `relations` says): a head sees the department's complaints, a member
    only those assigned to them, and nobody one about themselves. None: a coordinator's, all."""

    staff_id: int
    head: bool

    @classmethod
    def of(cls, person: Staff) -> Viewer | None:
        if person.role is Role.COORDINATOR:
            return None
        return cls(person.id, person.role is Role.HEAD)


@dataclass(frozen=True)
class LookupScope:
    """Whose lookup it is (/find), for the issues it may list: those casework/lifecycle.py
    `relations` lets the person see. `group`: asked in that department's group chat, where
    everyone in the group reads the answer: only that department's cases."""

    staff_id: int
    everything: bool  # a coordinator
    department: str | None  # a head's or a member's
    head: bool
    group: str | None = None

    @classmethod
    def of(cls, person: Staff, group: str | None = None) -> LookupScope:
        in_department = person.role in (Role.HEAD, Role.MEMBER)
        return cls(
            staff_id=person.id,
            everything=person.role is Role.COORDINATOR,
            department=person.department if in_department else None,
            head=person.role is Role.HEAD,
            group=group,
        )


class StaffRepository(Protocol):
    async def by_telegram_id(self, telegram_id: int) -> Staff | None: ...
    async def by_id(self, staff_id: int) -> Staff | None: ...
    async def by_ids(self, staff_ids: Iterable[int]) -> dict[int, Staff]: ...
    async def add(self, person: NewStaff, now: datetime) -> Staff: ...
    async def restore(self, staff_id: int, person: NewStaff, now: datetime) -> Staff: ...
    async def active(self, department: str | None = None) -> list[Staff]: ...
    async def with_roles(
        self, roles: Iterable[Role], department: str | None = None
    ) -> list[Staff]: ...
    async def deactivate(self, staff_id: int, now: datetime) -> bool: ...
    async def set_language(self, staff_id: int, language: str | None) -> None: ...
    async def set_menu(self, staff_id: int, menu: str | None) -> None: ...
    async def note_telegram_language(self, staff_id: int, language_code: str | None) -> None: ...
    async def note_telegram_name(self, staff_id: int, telegram_name: str | None) -> None: ...
    async def mark_unreachable(self, staff_id: int, now: datetime) -> bool: ...
    async def mark_reachable(self, staff_id: int) -> None: ...
    async def import_roster(
        self, entries: Iterable[RosterEntry], now: datetime
    ) -> RosterImport: ...


class OrganisationRepository(Protocol):
    async def sync(self, org: Organisation) -> None: ...
    async def active_department_codes(self) -> list[str]: ...
    async def active_category_codes(self) -> list[str]: ...
    async def retired(self) -> tuple[list[Department], list[Category]]: ...


class InviteRepository(Protocol):
    async def add(self, invite: Invite) -> Invite: ...
    async def get(self, code: str) -> Invite | None: ...
    async def by_id(self, invite_id: int) -> Invite | None: ...
    async def mark_used(self, code: str, staff_id: int, now: datetime) -> bool: ...
    async def open(self, now: datetime) -> list[Invite]:
        """Not used, not revoked, not expired; oldest first."""
        ...

    async def revoke(self, invite_id: int, staff_id: int, now: datetime) -> bool: ...
    async def add_draft(self, staff_id: int, name: str, now: datetime) -> InviteDraft: ...
    async def draft(self, draft_id: int) -> InviteDraft | None: ...
    async def drop_draft(self, draft_id: int) -> None: ...
    async def drop_drafts_before(self, before: datetime) -> int: ...
    async def purge_expired_before(self, before: datetime) -> int:
        """Forget invitations never used (revoked or not) that expired before `before`; how
        many."""
        ...


class AccessLogRepository(Protocol):
    async def add(self, entry: AccessEntry) -> None: ...
    async def how_they_came(self, staff_ids: Iterable[int]) -> dict[int, AccessEntry]:
        """For each person, how they last got access (an invitation used, or the roster)."""
        ...

    async def recent(self, limit: int) -> list[AccessEntry]: ...
    async def request_of(self, target_id: int) -> DeactivationRequest | None: ...
    async def put_request(self, request: DeactivationRequest) -> None: ...
    async def drop_request(self, target_id: int) -> None: ...


class IssueRepository(Protocol):
    async def next_sequence(self, month: str) -> int: ...
    async def create(self, issue: Issue) -> Issue: ...
    async def save(self, issue: Issue, expected_version: int) -> bool: ...
    async def get(self, issue_id: int) -> Issue | None: ...
    async def version_of(self, issue_id: int) -> int | None: ...
    async def by_number(self, number: str) -> Issue | None: ...
    async def logged_since(self, since: datetime, limit: int) -> list[Issue]:
        """Issues logged at `since` or later (to the second), in the order they were logged, up
        to `limit`: what a trainee logged since a drill began (playground/drills.py)."""
        ...

    async def reported_by(self, staff_id: int, limit: int, offset: int) -> IssuePage: ...
    async def inbox(
        self, department: str | None, limit: int, offset: int, viewer: Viewer | None = None
    ) -> IssuePage: ...
    async def reminders_due(self, now: datetime, limit: int) -> list[Issue]: ...
    async def passed_reminders(self, moved: Sequence[LadderMoved]) -> None: ...
    async def next_deadline(self, after: datetime) -> datetime | None:
        """The earliest deadline of an open issue after `after` (to respond while pending, to
        resolve while in progress), if any."""
        ...

    async def next_reminder(self, after: datetime) -> datetime | None:
        """When the next reminder rung falls due, of any issue, later than `after`, if any."""
        ...

    async def overdue(
        self, department: str | None, now: datetime, limit: int, viewer: Viewer | None = None
    ) -> IssuePage: ...
    async def pinned(
        self, department: str | None, limit: int, viewer: Viewer | None = None
    ) -> PinPage:
        """Open issues with a pin (of one department, or all), the newest `limit`, and how
        many there are; of the complaints, those the viewer may see."""
        ...

    async def open_counts(
        self, now: datetime, hidden_from: int | None = None
    ) -> list[DepartmentLoad]:
        """Per department, what is open and overdue now; `hidden_from`: a reader whose
        complaints about them are left out."""
        ...

    async def held_by(self, staff_ids: Collection[int], now: datetime) -> dict[int, Held]:
        """What each of these people holds now: issues in progress assigned to them, and how
        many of those are past their resolution deadline at `now`. Those holding none are left
        out."""
        ...

    async def to_redact(self, ended_before: datetime, limit: int) -> list[Issue]:
        """Ended issues whose last step came before `ended_before` that still hold what the
        citizen's data was not yet removed from, the longest over first."""
        ...

    async def with_cards_to_retire(self, ended_before: datetime, limit: int) -> list[int]:
        """Ids of ended issues whose last step came before `ended_before` whose cards were not
        retired since, the longest over first."""
        ...

    async def cards_retired(self, issue_ids: Sequence[int], now: datetime) -> None: ...
    async def forget_photos(self, issue_id: int) -> None: ...
    async def with_citizen_phone(self, spellings: Sequence[str]) -> list[Issue]:
        """Issues whose citizen's phone is stored as one of `spellings`, oldest first."""
        ...

    async def of_citizen(
        self, spellings: Sequence[str], since: datetime, limit: int
    ) -> list[Issue]:
        """A citizen's history: issues whose citizen's phone is stored as one of `spellings`,
        logged at `since` or later, open ones first and the newest first among each, up to
        `limit`."""
        ...

    async def find(
        self, lookup: Lookup, scope: LookupScope, limit: int, offset: int, most: int
    ) -> IssuePage:
        """/find: the issues whose citizen's phone is `lookup`'s (its national number, or its
        last four digits), or whose description or address hold each of its words (anywhere,
        as typed, case aside), that `scope` may see; newest (the highest id) first, a page of
        `limit` from `offset` within the first `most`; `total` counts them up to `most`. Not
        for numbers (`by_number`)."""
        ...

    async def follow(self, issue_id: int, staff_id: int, at: datetime) -> None:
        """Record the person as following the issue (the reporter of a duplicate linked to it):
        they hear when it is resolved and closed. Once per person."""
        ...

    async def followers(self, issue_id: int) -> list[int]:
        """The ids of the people following the issue, in order."""
        ...

    async def follower_call_back(self, issue_id: int, staff_id: int) -> FollowerCallBack | None:
        """The follower's own call-back of the issue so far (None: not a follower of it)."""
        ...

    async def save_follower_call_back(
        self, issue_id: int, staff_id: int, call_back: FollowerCallBack
    ) -> None:
        """Keep the follower's call-back as it is now (an answer given, or recorded)."""
        ...

    async def near(
        self, category: str, at: Location, radius_m: float, since: datetime, limit: int
    ) -> list[Nearby]:
        """Open issues of `category` with a pin within `radius_m` metres of `at`, logged at
        `since` or later, each with its distance: the nearest first, up to `limit`."""
        ...


class TimelineRepository(Protocol):
    async def append(self, issue_id: int, event: Event) -> Event: ...
    async def of_issue(self, issue_id: int) -> list[Event]: ...
    async def get(self, event_id: int) -> Event | None: ...
    async def latest_step(self, issue_id: int) -> Event | None: ...
    async def flagged(self, start: datetime, end: datetime, limit: int) -> list[str]:
        """The numbers of the issues flagged for repeated reports (`EventKind.FLAGGED`) from
        `start` until before `end`, the latest first, up to `limit`."""
        ...

    async def redact(self, blanked: Sequence[BlankedEvent], now: datetime) -> None:
        """Write blanked texts over steps not redacted before, and drop their photos: the one
        change the timeline allows."""
        ...


class DraftRepository(Protocol):
    async def get(self, staff_id: int) -> Draft | None: ...
    async def put(self, staff_id: int, chat_id: int, draft: Draft) -> None: ...
    async def delete(self, staff_id: int) -> bool: ...
    async def idle_since(self, before: datetime) -> list[Idle]: ...


class PromptRepository(Protocol):
    async def get(self, staff_id: int) -> Prompt | None: ...
    async def put(self, staff_id: int, prompt: Prompt) -> None: ...
    async def delete(self, staff_id: int) -> bool: ...
    async def idle_since(self, before: datetime) -> list[Idle]: ...


class OutboxRepository(Protocol):
    async def add(self, item: OutboxItem) -> bool: ...
    async def supersede_reminders(
        self, waiting: Sequence[tuple[int, int]], now: datetime
    ) -> int: ...
    async def supersede_edits(
        self, issue_id: int, cards: Sequence[tuple[int, int]], now: datetime
    ) -> int:
        """Drop the edits of these cards (chat, message) of the issue still waiting, not yet
        attempted, and not erasing a citizen's data: a newer one replaces them."""
        ...

    async def add_many(self, items: Sequence[OutboxItem]) -> int: ...
    async def due(
        self, now: datetime, limit: int, held: Collection[int] = ()
    ) -> list[OutboxItem]: ...
    async def get(self, item_id: int) -> OutboxItem | None: ...
    async def attempting(self, item_ids: Sequence[int], now: datetime) -> set[int]:
        """Note that the messages are about to be handed to Telegram; those of them not
        delivered nor dropped meanwhile (the others must not be sent)."""
        ...

    async def mark_sent(self, sent: Sequence[tuple[int, int | None]], now: datetime) -> None:
        """Record the messages delivered: (id, the new message's id, None for an edit)."""
        ...

    async def retry_later(self, item_id: int, due_at: datetime, error: str) -> None: ...
    async def give_up(self, item_id: int, now: datetime, error: str) -> None: ...
    async def reminders_waiting(
        self, chat_id: int, priority: int, now: datetime, limit: int, besides: int
    ) -> list[OutboxItem]:
        """Undelivered reminders of this priority to this chat, due by `now`, oldest first, up
        to `limit`; not `besides`."""
        ...

    async def reminders_to(self, chat_id: int, since: datetime, limit: int) -> list[OutboxItem]:
        """The reminders queued to this chat at `since` or later (to the second): waiting,
        delivered or set aside, until they are purged; oldest first, up to `limit`. Who was
        told what, for the playground's drills (an escalation to the coordinators): on no
        index, for a small database, not for the bot's own paths."""
        ...

    async def set_aside(self, reasons: Sequence[tuple[int, str]], now: datetime) -> None:
        """Give up these undelivered messages without trying them, each for its reason."""
        ...

    async def relist(self, item_id: int, payload: dict[str, str]) -> None:
        """The message now lists several reminders (`payload`): about no single issue."""
        ...

    async def next_due_at(self) -> datetime | None: ...
    async def backlog(self, now: datetime) -> Backlog:
        """The messages due by `now` and not yet delivered nor given up: how many, and when the
        oldest of them fell due (`bot.py check`, the metrics)."""
        ...

    async def purge_done_before(self, before: datetime, limit: int) -> int:
        """Forget up to `limit` messages delivered (or given up) before `before`; how many."""
        ...


class CardRepository(Protocol):
    async def add(self, card: Card) -> None: ...
    async def find(self, chat_id: int, message_id: int) -> Card | None: ...
    async def latest(self, chat_id: int, issue_id: int) -> Card | None:
        """The newest card of the issue in the chat."""
        ...

    async def of_issue(self, issue_id: int) -> list[Card]: ...
    async def of_issues(self, issue_ids: Sequence[int]) -> list[Card]: ...
    async def drop_headlines(self, issue_id: int) -> None:
        """Forget what the issue's cards said above them (it may hold the citizen's data)."""
        ...

    async def forget(self, issue_ids: Sequence[int]) -> int:
        """Forget the cards of these issues; how many."""
        ...


class RedactionRequestRepository(Protocol):
    async def add(self, request: RedactionRequest) -> None: ...
    async def take(self, token: str, staff_id: int) -> RedactionRequest | None:
        """The person's request with this token, removed (it is answered once)."""
        ...

    async def forget_before(self, before: datetime) -> int: ...


class MetricsRepository(Protocol):
    async def tally(self, tallies: Sequence[Tally]) -> None: ...
    async def daily(self, first_day: date, end_day: date) -> list[DepartmentCounts]: ...
    async def daily_by_day(
        self, first_day: date, end_day: date, department: str, months: bool = False
    ) -> list[DayCounts]:
        """Day by day; with `months`, each whole calendar month within as one entry dated its
        first day (a chart by month needs no more)."""
        ...

    async def by_person(self, first_day: date, end_day: date) -> dict[int, PersonCounts]: ...
    async def counted(self, start: datetime, end: datetime) -> list[DepartmentCounts]: ...
    async def by_person_counted(
        self, start: datetime, end: datetime
    ) -> dict[int, PersonCounts]: ...
    async def waits(
        self, start: datetime, end: datetime, department: str | None = None
    ) -> list[DepartmentCounts]: ...
    async def open_now(
        self, now: datetime, hidden_from: int | None = None
    ) -> list[DepartmentCounts]: ...
    async def people(self, now: datetime) -> list[PersonLoad]:
        """Active members and heads, with what they hold at `now` (closings left at 0)."""
        ...


class ExportRepository(Protocol):
    """Issues logged in a period, and their steps, in batches in the order they were logged;
    each batch starts after the cursor (None: from the period's start)."""

    async def issues(
        self,
        start: datetime,
        end: datetime,
        department: str | None,
        after: ExportCursor | None,
        limit: int,
        hidden_from: int | None = None,
    ) -> list[ExportIssue]: ...
    async def rows(
        self, start: datetime, end: datetime, department: str | None, hidden_from: int | None
    ) -> int:
        """How many rows an export of the period holds: its issues and all their steps."""
        ...

    async def events(
        self,
        start: datetime,
        end: datetime,
        department: str | None,
        after: ExportCursor | None,
        limit: int,
        hidden_from: int | None = None,
    ) -> EventPage: ...


class RunningExportRepository(Protocol):
    async def start(self, export: RunningExport, now: datetime) -> str | None:
        """Record it; None, or the period of this person's export already being built."""
        ...

    async def end(self, staff_id: int) -> None: ...
    async def take_all(self) -> list[RunningExport]:
        """Those on record, forgotten as they are read (at a start: cut short)."""
        ...


class DigestRepository(Protocol):
    async def claim(self, day: str, kind: str) -> bool: ...


class UpdateRepository(Protocol):
    async def keep(self, updates: Sequence[tuple[int, str]], now: datetime) -> list[int]:
        """Keep fetched updates (id, raw JSON) until handled; the ids of those kept now for
        the first time (neither handled before nor kept already)."""
        ...

    async def unhandled(self) -> list[tuple[int, str]]: ...
    async def first_time(self, update_id: int, now: datetime) -> bool: ...
    async def handled(self, update_id: int) -> bool:
        """Whether the update was handled (marked by `first_time`) already."""
        ...

    async def forget_before(self, before: datetime) -> int: ...


class HeartbeatRepository(Protocol):
    """When each of the bot's loops last did its work (casework/health.py)."""

    async def beat(self, heartbeat: Heartbeat) -> None:
        """Record it, in place of that loop's last one."""
        ...

    async def all(self) -> list[Heartbeat]: ...


class Transaction(Protocol):
    """Everything done through one transaction is saved together, or not at all."""

    @property
    def staff(self) -> StaffRepository: ...
    @property
    def organisation(self) -> OrganisationRepository: ...
    @property
    def invites(self) -> InviteRepository: ...
    @property
    def access_log(self) -> AccessLogRepository: ...
    @property
    def issues(self) -> IssueRepository: ...
    @property
    def timeline(self) -> TimelineRepository: ...
    @property
    def drafts(self) -> DraftRepository: ...
    @property
    def prompts(self) -> PromptRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def digests(self) -> DigestRepository: ...
    @property
    def metrics(self) -> MetricsRepository: ...
    @property
    def exports(self) -> ExportRepository: ...
    @property
    def running_exports(self) -> RunningExportRepository: ...
    @property
    def updates(self) -> UpdateRepository: ...
    @property
    def redaction_requests(self) -> RedactionRequestRepository: ...
    @property
    def heartbeats(self) -> HeartbeatRepository: ...


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...
    def reading(self) -> AbstractAsyncContextManager[Transaction]:
        """A read-only transaction for long reads (figures, reports): it neither waits for the
        steps people take nor holds them up. Writing through it fails."""
        ...

    def peek(self) -> AbstractAsyncContextManager[Transaction]:
        """Quick reads that need no snapshot of their own (who sent an update, what question
        waits for them): each read sees what was last committed, and none waits for the steps
        people take nor holds them up. Never read here what a change will be decided on: read
        that again in the change's transaction. Writing through it fails."""
        ...

    def on_outbox_added(self, listener: OutboxListener) -> None:
        """Call `listener` after each commit that queued new outbox messages."""
        ...

    def on_write(self, listener: WriteListener) -> None:
        """Call `listener(True)` after each commit that saved a change, `listener(False)` after
        each transaction that failed with `StoreWriteFailed`."""
        ...

    def on_lease_lost(self, listener: Callable[[], None]) -> None:
        """Call `listener` if this process may no longer be the one bot on the database (its
        lease on it lost), so that it stops before another bot sends what it would."""
        ...

    def before_commit(self, hook: CommitHook) -> None:
        """Await `hook(tx)` in each transaction that changed something, just before it commits:
        what it writes commits with the change, or not at all."""
        ...

    async def close(self) -> None: ...


class OutboxListener(Protocol):
    def __call__(self) -> None: ...


class CommitHook(Protocol):
    def __call__(self, tx: Transaction) -> Awaitable[None]: ...


class WriteListener(Protocol):
    def __call__(self, saved: bool) -> None: ...
