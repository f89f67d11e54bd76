"""What the sender needs to deliver the outbox, and what it records afterwards."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from casework import lifecycle
from casework.commands import Action
from casework.issues import Event, Issue
from casework.outbox import ERASE, Card, Notice, OutboxItem, OutboxKind, notice_item
from casework.people import Staff
from casework.roles import Role
from casework.services import Deps
from casework.services.notify import card_refresh


@dataclass(frozen=True)
class Delivery:
    item: OutboxItem
    recipient: Staff | None  # None: a department's group
    issue: Issue | None
    event: Event | None
    people: dict[int, Staff]  # everyone the message names
    actions: list[Action]  # the buttons the recipient may use
    visible: bool = True  # False: the recipient may no longer see the issue (moved away)


async def due(deps: Deps, limit: int, held: Collection[int] = ()) -> list[OutboxItem]:
    """The most urgent messages due, up to `limit`, leaving out those in `held` (already
    being delivered)."""
    async with deps.store.transaction() as tx:
        return await tx.outbox.due(deps.clock.now(), limit, held)


async def next_due_at(deps: Deps) -> datetime | None:
    async with deps.store.transaction() as tx:
        return await tx.outbox.next_due_at()


async def prepare(deps: Deps, item: OutboxItem) -> Delivery | None:
    """Everything needed to write the message, which is marked as being handed to Telegram
    (see `outbox.attempted_at`); None if it should no longer be sent (delivered or dropped
    since it was read, or no longer wanted)."""
    assert item.id is not None
    async with deps.store.transaction() as tx:
        if not await tx.outbox.attempting(item.id, deps.clock.now()):
            return None
        recipient = await tx.staff.by_id(item.staff_id) if item.staff_id else None
        if (
            item.staff_id is not None
            and (recipient is None or not recipient.active)
            # An edit that removes a citizen's data from a chat goes all the same: the person
            # still has the chat (it shows them nothing of the issue any more).
            and not (recipient is not None and item.payload.get(ERASE))
        ):
            # Access ended since it was queued.
            assert item.id is not None
            await tx.outbox.give_up(item.id, deps.clock.now(), "recipient no longer has access")
            return None
        if recipient is not None and recipient.unreachable_since is not None:
            assert item.id is not None
            await tx.outbox.give_up(item.id, deps.clock.now(), "recipient cannot be reached")
            return None
        issue = await tx.issues.get(item.issue_id) if item.issue_id else None
        if (
            item.kind is OutboxKind.REMINDER
            and issue is not None
            and str(issue.phase) != item.payload.get("phase")
        ):
            # The issue moved on after the reminder was queued (say, overnight): drop it.
            assert item.id is not None
            await tx.outbox.give_up(item.id, deps.clock.now(), "the issue moved on")
            return None
        event = await tx.timeline.get(item.event_id) if item.event_id else None
        if item.kind is OutboxKind.PHOTOS and not (
            issue is not None
            and event is not None
            and event.photos  # none left after a redaction
            and recipient is not None
            and lifecycle.may(issue, recipient, Action.VIEW)
        ):
            assert item.id is not None
            await tx.outbox.give_up(item.id, deps.clock.now(), "no photos to show")
            return None
        named: set[int] = set()
        if issue is not None:
            named |= {issue.reporter_id, *(i for i in (issue.assignee_id, issue.accepted_by) if i)}
        if event is not None:
            named |= {i for i in (event.actor_id, event.target_id) if i}
        named |= {int(item.payload[k]) for k in ("about", "by") if k in item.payload}
        people = await tx.staff.by_ids(named)
    actions: list[Action] = []
    visible = True
    if issue is not None and recipient is not None:
        actions = lifecycle.allowed_actions(issue, recipient)
        visible = lifecycle.may(issue, recipient, Action.VIEW)
    elif issue is not None and item.department is not None:
        actions = lifecycle.group_actions(issue, item.department)
        visible = item.department == issue.department or item.department in issue.assisting
    return Delivery(item, recipient, issue, event, people, actions, visible)


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


async def sent(
    deps: Deps, item: OutboxItem, message_id: int | None, shown: Issue | None = None
) -> None:
    """Record the delivery, and the card it showed, so later steps can refresh it.

    `shown` is the issue as the message showed it. A step taken between reading it and this
    record could not refresh a card it did not know of yet, so the card is refreshed now:
    nobody is left with an old card whose buttons offer a step already taken.
    """
    assert item.id is not None
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        await tx.outbox.mark_sent(item.id, now, message_id)
        if (
            item.kind not in (OutboxKind.EVENT, OutboxKind.REMINDER)
            or not item.issue_id
            or message_id is None
        ):
            return
        card = Card(item.chat_id, message_id, item.issue_id, item.staff_id, item.department)
        await tx.cards.add(card)
        if shown is None:
            return
        version = await tx.issues.version_of(item.issue_id)
        if version is not None and version != shown.version:
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
        await tx.cards.add(card)


async def card_at(deps: Deps, chat_id: int, message_id: int) -> Card | None:
    async with deps.store.transaction() as tx:
        return await tx.cards.find(chat_id, message_id)


async def coordinators_to_alert(deps: Deps) -> list[Staff]:
    """Who hears, straight from the bot rather than through the outbox, that it cannot save:
    the coordinators who can be written to."""
    async with deps.store.transaction() as tx:
        coordinators = await tx.staff.with_roles([Role.COORDINATOR])
    return [c for c in coordinators if c.unreachable_since is None]
