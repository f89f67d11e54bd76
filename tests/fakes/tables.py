"""The fake store's state: plain Python tables, copied whole when a transaction begins."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from casework.following import FollowerCallBack
from casework.health import Beat, Heartbeat
from casework.intake import Draft
from casework.issues import Event, Issue
from casework.metrics import Tally
from casework.organisation import Category, Department
from casework.outbox import Card, OutboxItem
from casework.people import AccessEntry, DeactivationRequest, Invite, InviteDraft, Staff
from casework.ports import RunningExport, StoreWriteFailed
from casework.prompts import Prompt
from casework.retention import RedactionRequest

T = TypeVar("T")
Thing = TypeVar("Thing", Department, Category)


class NotFaked(NotImplementedError):
    """The fake store does not implement this: the test wants the SQLite store."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} is not faked (tests/fakes/__init__.py lists what is): test it on the SQLite"
            " store, or fake it with a contract test beside it (tests/test_store_contract.py)"
        )


def whole_seconds(moment: datetime) -> datetime:
    """As the SQLite store gives times back: whole seconds, in UTC."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the bot keeps every time zone-aware")
    return datetime.fromtimestamp(int(moment.timestamp()), UTC)


def stored(value: T) -> T:
    """A dataclass as the store would give it back: every time in whole seconds, in UTC."""
    changes: dict[str, Any] = {}
    for each in dataclasses.fields(value):  # type: ignore[arg-type]
        found = getattr(value, each.name)
        if isinstance(found, datetime):
            changes[each.name] = whole_seconds(found)
        elif dataclasses.is_dataclass(found) and not isinstance(found, type):
            changes[each.name] = stored(found)  # an issue's resolution, say
    return dataclasses.replace(value, **changes) if changes else value  # type: ignore[type-var]


@dataclass
class Place(Generic[Thing]):
    """A department or category as the organisation file last listed it."""

    thing: Thing
    position: int
    active: bool = True


@dataclass
class Message:
    """An outbox row: the item, and what became of it."""

    item: OutboxItem
    attempted_at: datetime | None = None
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    last_error: str | None = None

    @property
    def waiting(self) -> bool:
        return self.sent_at is None and self.failed_at is None

    @property
    def done_at(self) -> datetime | None:
        """When it went, or was given up."""
        return self.sent_at or self.failed_at


@dataclass
class Tables:
    """Every table the repositories read and write. `writable` is False for a reading."""

    writable: bool = True
    changes: int = 0  # rows written, as SQLite's total_changes counts them
    ids: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    # People
    staff: dict[int, Staff] = field(default_factory=dict)
    departments: dict[str, Place[Department]] = field(default_factory=dict)
    categories: dict[str, Place[Category]] = field(default_factory=dict)
    invites: dict[int, Invite] = field(default_factory=dict)
    invite_drafts: dict[int, InviteDraft] = field(default_factory=dict)
    access_log: list[AccessEntry] = field(default_factory=list)
    deactivation_requests: dict[int, DeactivationRequest] = field(default_factory=dict)
    # Issues
    issues: dict[int, Issue] = field(default_factory=dict)
    issue_counters: dict[str, int] = field(default_factory=dict)
    cards_retired_at: dict[int, datetime] = field(default_factory=dict)
    followers: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (issue, staff)
    follower_call_backs: dict[tuple[int, int], FollowerCallBack] = field(default_factory=dict)
    events: dict[int, Event] = field(default_factory=dict)
    drafts: dict[int, tuple[int, Draft]] = field(default_factory=dict)  # by staff: chat, draft
    prompts: dict[int, Prompt] = field(default_factory=dict)
    redaction_requests: dict[str, RedactionRequest] = field(default_factory=dict)
    tallies: list[Tally] = field(default_factory=list)
    # Messages
    outbox: dict[int, Message] = field(default_factory=dict)
    cards: dict[tuple[int, int], Card] = field(default_factory=dict)
    digests: set[tuple[str, str]] = field(default_factory=set)
    incoming_updates: dict[int, str] = field(default_factory=dict)
    processed_updates: dict[int, datetime] = field(default_factory=dict)
    running_exports: dict[int, RunningExport] = field(default_factory=dict)
    heartbeats: dict[Beat, Heartbeat] = field(default_factory=dict)

    def write(self) -> None:
        """About to write: refused on a reading, as SQLite's read-only connection refuses any
        writing statement, whether it would change a row or not."""
        if not self.writable:
            raise StoreWriteFailed("SQLITE_READONLY: attempt to write a readonly database")

    def changed(self, rows: int = 1) -> int:
        """`rows` were written (SQLite's total_changes, which tells listeners a write was
        saved); returns `rows`."""
        self.changes += rows
        return rows

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]
