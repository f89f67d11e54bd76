"""Messages waiting to be delivered (the outbox), and the cards that show an issue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from casework.people import Staff


class OutboxKind(StrEnum):
    EVENT = "event"  # tell someone about a step, with the issue's card
    REMINDER = "reminder"  # a rung of the reminder ladder, with the issue's card
    # The photos of a step (a resolution's, a note's), after the notice of it: an album of
    # its own, so that a failure of one does not send the other again.
    PHOTOS = "photos"
    REFRESH = "refresh"  # edit a card already sent, to show the issue as it is now
    NOTICE = "notice"  # a plain message (a draft dropped, …)
    DIGEST = "digest"  # the morning digest of open and overdue issues
    REPORT = "report"  # the weekly ranking of departments, with its chart


class Priority(IntEnum):
    """Lower goes first."""

    URGENT = 10  # anything about an urgent issue
    NORMAL = 20  # notifications of steps
    REMINDER = 30  # routine reminders
    REFRESH = 40  # edits of cards already sent
    BULK = 60  # digests
    RETIRE = 70  # cards of long-ended issues edited to drop the citizen's data (retention)


# In a card edit's payload: the edit removes personal data from a chat (casework/retention.py),
# so it goes even to someone whose access has ended (they still have the chat); RETIRED: the
# card is shown for good without the citizen's data and without buttons.
ERASE = "erase"
RETIRED = "retired"
# In a routine reminder's payload once the sender has folded into it the other routine
# reminders due to the same person (casework/services/delivery.py): every reminder it lists,
# `<issue>:<phase>:<rung>` joined by spaces. The list goes as one message, and a retry (or a
# restart) sends the same list again, not the reminders one by one.
LISTED = "listed"
# At most this many reminders in one message: a person with more gets a second list. (Each
# entry is two short lines: this keeps the message under Telegram's 4,096 characters and its
# buttons few enough to find.)
LIST_AT_MOST = 20


@dataclass(frozen=True)
class Listed:
    """One reminder in a list: the issue, the phase of its ladder and the rung that fell due."""

    issue_id: int
    phase: str
    rung: str

    @classmethod
    def of(cls, item: OutboxItem) -> list[Listed]:
        """The reminders a reminder message stands for: those it lists, else itself."""
        if LISTED in item.payload:
            return [
                cls(int(i), p, r)
                for i, p, r in (e.split(":") for e in item.payload[LISTED].split())
            ]
        if item.issue_id is None:
            return []
        return [cls(item.issue_id, item.payload.get("phase", ""), item.payload.get("rung", ""))]


def listing(reminders: list[Listed]) -> dict[str, str]:
    """The payload of a message that lists these reminders."""
    return {LISTED: " ".join(f"{r.issue_id}:{r.phase}:{r.rung}" for r in reminders)}


class Notice(StrEnum):
    DRAFT_DROPPED = "draft_dropped"
    PROMPT_DROPPED = "prompt_dropped"
    UNREACHABLE = "unreachable"  # to coordinators: someone cannot be sent messages
    # To coordinators: another coordinator asks to end a coordinator's access; confirm?
    DEACTIVATION_REQUESTED = "deactivation_requested"
    # To whoever asked: a stop or a crash cut their export short (`period`).
    EXPORT_INTERRUPTED = "export_interrupted"
    # To coordinators: deadlines in working days may fall in a `year` the calendar does not
    # know (the official one's last is `known`): counted Monday to Friday until the
    # organisation file's [calendar] lists its days.
    CALENDAR_UNKNOWN = "calendar_unknown"


@dataclass(frozen=True)
class OutboxItem:
    key: str  # one message per key, ever: the same change never sends twice
    kind: OutboxKind
    chat_id: int
    priority: int
    created_at: datetime
    due_at: datetime
    staff_id: int | None = None  # the person it goes to (None: a group)
    department: str | None = None  # the group's department
    issue_id: int | None = None
    event_id: int | None = None
    message_id: int | None = None  # the card to edit (REFRESH)
    payload: dict[str, str] = field(default_factory=dict)
    id: int | None = None
    attempts: int = 0


def queued(
    key: str,
    kind: OutboxKind,
    chat_id: int,
    now: datetime,
    priority: int = Priority.NORMAL,
    *,
    due_at: datetime | None = None,
    staff_id: int | None = None,
    department: str | None = None,
    issue_id: int | None = None,
    event_id: int | None = None,
    message_id: int | None = None,
    payload: dict[str, str] | None = None,
) -> OutboxItem:
    """A message queued `now`, due now unless `due_at` says later."""
    return OutboxItem(
        key=key,
        kind=kind,
        chat_id=chat_id,
        priority=priority,
        created_at=now,
        due_at=due_at or now,
        staff_id=staff_id,
        department=department,
        issue_id=issue_id,
        event_id=event_id,
        message_id=message_id,
        payload=payload if payload is not None else {},
    )


def to_person(
    person: Staff,
    key: str,
    kind: OutboxKind,
    now: datetime,
    priority: int = Priority.NORMAL,
    *,
    due_at: datetime | None = None,
    issue_id: int | None = None,
    event_id: int | None = None,
    payload: dict[str, str] | None = None,
) -> OutboxItem:
    """A message to one person, in their private chat."""
    return queued(
        key,
        kind,
        person.telegram_id,
        now,
        priority,
        due_at=due_at,
        staff_id=person.id,
        issue_id=issue_id,
        event_id=event_id,
        payload=payload,
    )


def notice_item(
    key: str, chat_id: int, staff_id: int, notice: Notice, now: datetime, **about: int | str
) -> OutboxItem:
    """A plain message (`notice`) to one person, due now; `about` says what it is about (staff
    ids: `about`, `by`; a `period`)."""
    payload = {"notice": notice.value, **{k: str(v) for k, v in about.items()}}
    return queued(key, OutboxKind.NOTICE, chat_id, now, staff_id=staff_id, payload=payload)


@dataclass(frozen=True)
class Card:
    """A message that shows an issue, in a private chat or a department's group."""

    chat_id: int
    message_id: int
    issue_id: int
    staff_id: int | None = None
    department: str | None = None
    # What the message said above the card (a notice's or reminder's line, as the reader read
    # it), so the card keeps it when it gives way to a newer one; dropped with the citizen's
    # data.
    headline: str | None = None
