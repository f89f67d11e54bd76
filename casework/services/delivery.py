"""What the sender needs to deliver the outbox, and what it records afterwards."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from casework import following, lifecycle, reminders
from casework.commands import Action
from casework.issues import Event, Issue
from casework.outbox import (
    ERASE,
    LIST_AT_MOST,
    LISTED,
    Card,
    Listed,
    Notice,
    OutboxItem,
    OutboxKind,
    Priority,
    listing,
    notice_item,
)
from casework.people import Staff
from casework.ports import Transaction
from casework.reminders import RungKind
from casework.roles import Role
from casework.services import Deps
from casework.services.notify import card_refresh, card_shown

MOVED_ON = "the issue moved on"
SUPERSEDED = "superseded by a newer reminder"


@dataclass(frozen=True)
class Reminded:
    """One reminder of a list: the issue as it is now, and the rung that fell due."""

    issue: Issue
    rung: RungKind


@dataclass(frozen=True)
class Delivery:
    item: OutboxItem  # as it goes: a list of reminders is about no single issue
    recipient: Staff | None  # None: a department's group
    issue: Issue | None
    event: Event | None
    people: dict[int, Staff]  # everyone the message names
    actions: list[Action]  # the buttons the recipient may use
    visible: bool = True  # False: the recipient may no longer see the issue (moved away)
    # A list of reminders, most urgent first (two or more), instead of one issue's card.
    listed: list[Reminded] = field(default_factory=list)
    # The reminders to the same person this message took in: they go no other way.
    folded: tuple[int, ...] = ()
    # A card's edit, of a card that gave way to a newer one of the issue in the same chat.
    older: bool = False
    older_headline: str | None = None  # the older card's own first line
    # The recipient follows the issue only (the reporter of a duplicate linked to it): they see
    # its card with the citizen's details hidden, as a group does, and no buttons.
    follower: bool = False
    follower_owed: bool = False  # and their own call-back is asked of them now (📞)


async def due(deps: Deps, limit: int, held: Collection[int] = ()) -> list[OutboxItem]:
    """The most urgent messages due, up to `limit`, leaving out those in `held` (already
    being delivered). A peek: each is marked as attempted in the transaction that prepares
    it, which skips any delivered or dropped since (`prepare_all`)."""
    async with deps.store.peek() as tx:
        return await tx.outbox.due(deps.clock.now(), limit, held)


async def next_due_at(deps: Deps) -> datetime | None:
    async with deps.store.peek() as tx:
        return await tx.outbox.next_due_at()


async def prepare(deps: Deps, item: OutboxItem) -> Delivery | None:
    """Everything needed to write the message, which is marked as being handed to Telegram
    (see `outbox.attempted_at`); None if it should no longer be sent (delivered or dropped
    since it was read, or no longer wanted).

    A routine reminder takes in the other routine reminders due to the same person: they go
    as one list (`Delivery.listed`), most urgent first, rather than a message each."""
    (prepared,) = await prepare_all(deps, [item])
    return prepared


async def prepare_all(deps: Deps, items: Sequence[OutboxItem]) -> list[Delivery | None]:
    """`prepare` for several messages in one transaction (the sender's workers that reach this
    point together: runtime/grouping.py). What they share (their issue, its event, the people
    named) is read once."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        reads = _Reads(tx)
        attempted = await tx.outbox.attempting([i.id for i in items if i.id is not None], now)
        return [await _prepare(tx, reads, item, now, item.id in attempted) for item in items]


class _Reads:
    """Issues, events and people read once in a transaction that changes none of them (one
    preparing messages changes only the outbox)."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._issues: dict[int, Issue | None] = {}
        self._events: dict[int, Event | None] = {}
        self._staff: dict[int, Staff | None] = {}

    async def issue(self, issue_id: int) -> Issue | None:
        if issue_id not in self._issues:
            self._issues[issue_id] = await self._tx.issues.get(issue_id)
        return self._issues[issue_id]

    async def event(self, event_id: int) -> Event | None:
        if event_id not in self._events:
            self._events[event_id] = await self._tx.timeline.get(event_id)
        return self._events[event_id]

    async def person(self, staff_id: int) -> Staff | None:
        if staff_id not in self._staff:
            self._staff[staff_id] = await self._tx.staff.by_id(staff_id)
        return self._staff[staff_id]

    async def people(self, ids: Collection[int]) -> dict[int, Staff]:
        wanted = [i for i in ids if i not in self._staff]
        if wanted:
            found = await self._tx.staff.by_ids(wanted)
            for staff_id in wanted:
                self._staff[staff_id] = found.get(staff_id)
        return {i: p for i in ids if (p := self._staff[i]) is not None}


async def _prepare(
    tx: Transaction, reads: _Reads, item: OutboxItem, now: datetime, attempted: bool
) -> Delivery | None:
    """`attempted`: marked as being handed to Telegram (False: delivered or dropped since it
    was read). (The messages of a group go to different chats, one worker a chat: none of them
    takes another in as a list of reminders.)"""
    item_id = item.id
    assert item_id is not None
    if not attempted:
        return None
    recipient = await reads.person(item.staff_id) if item.staff_id else None
    if (
        item.staff_id is not None
        and (recipient is None or not recipient.active)
        # An edit that removes a citizen's data from a chat goes all the same: the person
        # still has the chat (it shows them nothing of the issue any more).
        and not (recipient is not None and item.payload.get(ERASE))
    ):
        # Access ended since it was queued.
        await tx.outbox.give_up(item_id, now, "recipient no longer has access")
        return None
    if recipient is not None and recipient.unreachable_since is not None:
        await tx.outbox.give_up(item_id, now, "recipient cannot be reached")
        return None
    folded: tuple[int, ...] = ()
    if item.kind is OutboxKind.REMINDER and item.priority == Priority.REMINDER:
        # Room for the others beside what this message stands for already (itself, or the
        # list it took in before a retry): a list holds LIST_AT_MOST in all, not one more.
        room = LIST_AT_MOST - max(1, len(Listed.of(item)))
        others = await tx.outbox.reminders_waiting(
            item.chat_id, item.priority, now, max(0, room), besides=item_id
        )
        if others or LISTED in item.payload:
            listed, folded = await _take_in(tx, reads, item, others, now)
            if not listed:
                await tx.outbox.give_up(item_id, now, MOVED_ON)
                return None
            if len(listed) > 1:
                entries = sorted(listed, key=lambda r: reminders.urgency(r.issue))
                item = dataclasses.replace(item, issue_id=None)
                return Delivery(item, recipient, None, None, {}, [], listed=entries, folded=folded)
            # One is left of the list: it goes as that issue's card, as a reminder alone.
            (only,) = listed
            payload = {"phase": str(only.issue.phase), "rung": only.rung.value}
            item = dataclasses.replace(item, issue_id=only.issue.id, payload=payload)
    issue = await reads.issue(item.issue_id) if item.issue_id else None
    if (
        item.kind is OutboxKind.REMINDER
        and issue is not None
        and str(issue.phase) != item.payload.get("phase")
    ):
        # The issue moved on after the reminder was queued (say, overnight): drop it.
        await tx.outbox.give_up(item_id, now, MOVED_ON)
        return None
    event = await reads.event(item.event_id) if item.event_id else None
    if item.kind is OutboxKind.PHOTOS and not (
        issue is not None
        and event is not None
        and event.photos  # none left after a redaction
        and recipient is not None
        and lifecycle.may(issue, recipient, Action.VIEW)
    ):
        assert item.id is not None
        await tx.outbox.give_up(item.id, now, "no photos to show")
        return None
    named: set[int] = set()
    if issue is not None:
        named |= {
            issue.reporter_id,
            *(i for i in (issue.assignee_id, issue.accepted_by, issue.subject_id) if i),
        }
    if event is not None:
        named |= {i for i in (event.actor_id, event.target_id) if i}
    named |= {int(item.payload[k]) for k in ("about", "by") if k in item.payload}
    people = await reads.people(named)
    older, older_headline = False, None
    if item.kind is OutboxKind.REFRESH and item.message_id is not None and issue is not None:
        newest = await tx.cards.latest(item.chat_id, issue.id)
        older = newest is not None and newest.message_id > item.message_id
        if older:
            this = await tx.cards.find(item.chat_id, item.message_id)
            older_headline = this.headline if this is not None else None
    actions: list[Action] = []
    visible, follower, owed = True, False, False
    if issue is not None and recipient is not None:
        actions = lifecycle.allowed_actions(issue, recipient)
        visible = lifecycle.may(issue, recipient, Action.VIEW)
        if not visible:
            call_back = await tx.issues.follower_call_back(issue.id, recipient.id)
            if call_back is not None:
                visible, follower, owed = True, True, following.owed(issue, call_back)
    elif issue is not None and item.department is not None:
        actions = lifecycle.group_actions(issue, item.department)
        visible = item.department == issue.department or item.department in issue.assisting
    return Delivery(
        item,
        recipient,
        issue,
        event,
        people,
        actions,
        visible,
        folded=folded,
        older=older,
        older_headline=older_headline,
        follower=follower,
        follower_owed=owed,
    )


async def _take_in(
    tx: Transaction, reads: _Reads, item: OutboxItem, others: list[OutboxItem], now: datetime
) -> tuple[list[Reminded], tuple[int, ...]]:
    """Fold `others` into `item`, a reminder to the same person: the reminders it lists now
    (of issues that have not moved on since: those are dropped, as a reminder alone would be),
    and the ids of `others`, which are given up here, in the same transaction, so that each
    reminder goes exactly one way. The list is kept in `item`'s payload: a retry, or a restart
    before it went, sends the same list."""
    assert item.id is not None
    sources = [(source, Listed.of(source)) for source in (item, *others)]
    latest: dict[int, Listed] = {}  # by issue: a newer reminder of an issue stands for both
    for _, theirs in sources:
        for reminder in theirs:
            latest[reminder.issue_id] = reminder
    listed: list[Reminded] = []
    for reminder in latest.values():
        issue = await reads.issue(reminder.issue_id)
        if issue is not None and str(issue.phase) == reminder.phase:
            listed.append(Reminded(issue, _rung(reminder.rung)))
    kept = {r.issue.id for r in listed}
    reasons: dict[int, str] = {}
    for other, theirs in sources[1:]:
        assert other.id is not None
        if any(r.issue_id in kept and latest[r.issue_id] is r for r in theirs):
            reasons[other.id] = f"{SUPERSEDED}: listed with {item.key}"
        elif any(r.issue_id in kept for r in theirs):
            reasons[other.id] = SUPERSEDED
        else:
            reasons[other.id] = MOVED_ON
    await tx.outbox.set_aside(list(reasons.items()), now)
    await tx.outbox.relist(
        item.id, listing([Listed(r.issue.id, str(r.issue.phase), r.rung.value) for r in listed])
    )
    return listed, tuple(reasons)


def _rung(value: str) -> RungKind:
    try:
        return RungKind(value)
    except ValueError:  # none recorded (older messages): the generic words
        return RungKind.OVERDUE


async def unreachable(deps: Deps, item: OutboxItem, error: str, blocked: bool) -> None:
    """The recipient cannot be written to: stop trying until they write to the bot again.

    Someone who blocked the bot is reported to the coordinators. Someone who never opened a
    chat with it (a roster entry who has not pressed Start yet) is only marked, as /staff shows.
    """
    assert item.id is not None
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        await tx.outbox.give_up(item.id, now, error)
        if item.staff_id is None or not await tx.staff.mark_unreachable(item.staff_id, now):
            return
        if not blocked:
            return
        for coordinator in await tx.staff.with_roles([Role.COORDINATOR]):
            if coordinator.id == item.staff_id:
                continue
            await tx.outbox.add(
                notice_item(
                    f"unreachable:{item.staff_id}:{int(now.timestamp())}:{coordinator.id}",
                    coordinator.telegram_id,
                    coordinator.id,
                    Notice.UNREACHABLE,
                    now,
                    about=item.staff_id,
                )
            )


@dataclass(frozen=True)
class Sent:
    """A message Telegram took: `message_id`, the new message's id (None for an edit); `shown`,
    the issue as the message showed it; `headline`, the card's first line."""

    item: OutboxItem
    message_id: int | None
    shown: Issue | None = None
    headline: str | None = None


async def sent(
    deps: Deps,
    item: OutboxItem,
    message_id: int | None,
    shown: Issue | None = None,
    headline: str | None = None,
) -> None:
    """Record the delivery, and the card it showed, so later steps can refresh it.

    `shown` is the issue as the message showed it. A step taken between reading it and this
    record could not refresh a card it did not know of yet, so the card is refreshed now:
    nobody is left with an old card whose buttons offer a step already taken.
    """
    await sent_all(deps, [Sent(item, message_id, shown, headline)])


async def sent_all(deps: Deps, deliveries: Sequence[Sent]) -> list[None]:
    """`sent` for several messages in one transaction (runtime/grouping.py)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        await tx.outbox.mark_sent(
            [(done.item.id, done.message_id) for done in deliveries if done.item.id is not None],
            now,
        )
        versions: dict[int, int | None] = {}
        for done in deliveries:
            await _sent(tx, done, now, versions)
    return [None] * len(deliveries)


async def _sent(
    tx: Transaction, done: Sent, now: datetime, versions: dict[int, int | None]
) -> None:
    """The card a delivery showed, recorded (its delivery is marked by `sent_all`)."""
    item, message_id = done.item, done.message_id
    if item.kind not in (OutboxKind.EVENT, OutboxKind.REMINDER) or not item.issue_id:
        return
    if message_id is None:
        return
    card = Card(
        item.chat_id, message_id, item.issue_id, item.staff_id, item.department, done.headline
    )
    await card_shown(tx, card, now)
    if done.shown is None:
        return
    if item.issue_id not in versions:  # recording changes no issue: read once for them all
        versions[item.issue_id] = await tx.issues.version_of(item.issue_id)
    version = versions[item.issue_id]
    if version is not None and version != done.shown.version:
        await tx.outbox.add(card_refresh(card, f"v:{version}", now))


async def retry(deps: Deps, item: OutboxItem, delay: timedelta, error: str) -> None:
    assert item.id is not None
    async with deps.store.transaction() as tx:
        await tx.outbox.retry_later(item.id, deps.clock.now() + delay, error)


async def give_up(deps: Deps, item: OutboxItem, error: str) -> None:
    assert item.id is not None
    async with deps.store.transaction() as tx:
        await tx.outbox.give_up(item.id, deps.clock.now(), error)


async def record_card(deps: Deps, card: Card) -> None:
    """A card shown directly to someone (a view, a confirmation), to refresh later."""
    async with deps.store.transaction() as tx:
        await card_shown(tx, card, deps.clock.now())


async def card_at(deps: Deps, chat_id: int, message_id: int) -> Card | None:
    async with deps.store.transaction() as tx:
        return await tx.cards.find(chat_id, message_id)


async def coordinators_to_alert(deps: Deps) -> list[Staff]:
    """Who hears, straight from the bot rather than through the outbox, that it cannot save:
    the coordinators who can be written to."""
    async with deps.store.transaction() as tx:
        coordinators = await tx.staff.with_roles([Role.COORDINATOR])
    return [c for c in coordinators if c.unreachable_since is None]
