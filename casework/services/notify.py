"""The one path every notification takes: into the outbox, in the same transaction as the
change that causes it. A sender delivers the outbox; nothing is sent from here."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

from casework.issues import Event, EventKind, Issue
from casework.lifecycle import may_hear
from casework.notifications import Audience, who_hears
from casework.organisation import Organisation
from casework.outbox import (
    ERASE,
    RETIRED,
    Card,
    OutboxItem,
    OutboxKind,
    Priority,
    queued,
    to_person,
)
from casework.people import Staff
from casework.ports import Transaction
from casework.roles import Role

_DEPARTMENT_ROLES = (Role.HEAD, Role.MEMBER)


async def announce(
    tx: Transaction,
    org: Organisation,
    issue: Issue,
    event: Event,
    now: datetime,
    skip_card: tuple[int, int] | None = None,
    due_at: datetime | None = None,
) -> None:
    """Queue the event for everyone who hears of it (due `due_at`, else now), and refresh the
    issue's other cards."""
    assert event.id is not None
    priority = Priority.URGENT if issue.urgent else Priority.NORMAL
    people: dict[int, Staff] = {}
    groups: dict[int, str] = {}
    for told in who_hears(event, issue):
        code = told.department or issue.department
        if told.audience is Audience.GROUP:
            department = org.department(code)
            if department is not None and department.group_chat_id is not None:
                groups[department.group_chat_id] = department.code
            continue
        found = await people_for(tx, told.audience, issue, code, event.target_id)
        for person in may_hear(issue, found):
            people[person.id] = person
    people.pop(event.actor_id or 0, None)  # the actor sees the result at once

    notices = [
        to_person(
            person,
            f"ev:{event.id}:p:{person.id}",
            OutboxKind.EVENT,
            now,
            priority,
            due_at=due_at,
            issue_id=issue.id,
            event_id=event.id,
        )
        for person in people.values()
    ]
    notices += [
        queued(
            f"ev:{event.id}:g:{chat_id}",
            OutboxKind.EVENT,
            chat_id,
            now,
            priority,
            due_at=due_at,
            department=department_code,
            issue_id=issue.id,
            event_id=event.id,
        )
        for chat_id, department_code in groups.items()
    ]
    if event.photos:
        # The photos go after the notice, to people only: who reads a group is not known.
        notices += [
            to_person(
                person,
                f"ev:{event.id}:p:{person.id}:photos",
                OutboxKind.PHOTOS,
                now,
                priority,
                issue_id=issue.id,
                event_id=event.id,
            )
            for person in people.values()
        ]
    await tx.outbox.add_many(notices)  # a whole department may hear: one trip, not one each
    # A flag goes with the report that brought it, whose refresh shows it already.
    if event.kind not in (EventKind.NOTE, EventKind.FLAGGED):
        await refresh_cards(tx, issue, event, now, skip_card)


async def flag_to_coordinators(
    tx: Transaction, org: Organisation, issue: Issue, flag: Event, now: datetime, zone: ZoneInfo
) -> None:
    """Tell the coordinators of a repeat flag (casework/repeats.py) with the issue's card, as
    their other notices of an issue waiting on someone go: a routine one waits for the end of
    quiet hours (`[reminders] quiet_hours`), an urgent issue's goes at once."""
    quiet = org.reminders.quiet_hours
    due_at = now if issue.urgent or quiet is None else quiet.release(now, zone)
    await announce(tx, org, issue, flag, now, due_at=due_at)


async def refresh_cards(
    tx: Transaction, issue: Issue, event: Event, now: datetime, skip: tuple[int, int] | None
) -> None:
    """Edit the issue's card in every chat it was sent to, so old buttons stop offering old
    steps. Only the newest card in each chat: the older ones there gave way to it (`card_shown`)
    and show no buttons."""
    newest: dict[int, Card] = {}
    for card in await tx.cards.of_issue(issue.id):
        if card.chat_id not in newest or card.message_id > newest[card.chat_id].message_id:
            newest[card.chat_id] = card
    refreshes = [
        card_refresh(card, f"ev:{event.id}", now, event.id)
        for card in newest.values()
        if (card.chat_id, card.message_id) != skip
    ]
    # An edit of the same card queued by a step before and not sent yet would show the same
    # (each edit shows the issue as it is when it goes): only the newest goes, once.
    await tx.outbox.supersede_edits(
        issue.id, [(card.chat_id, card.message_id) for card in newest.values()], now
    )
    await tx.outbox.add_many(refreshes)


async def card_shown(tx: Transaction, card: Card, now: datetime) -> None:
    """Record a card just sent, to refresh it as the issue moves on. A chat holds one live card
    of an issue: the one shown there before gives way to it, edited to a line without buttons
    (the composer draws it so, `Delivery.older`), instead of a second, third, … copy of the
    same card with the same buttons. (Editing the older card instead of sending a new one
    would tell nobody: Telegram notifies of new messages, not of edits.)"""
    before = await tx.cards.latest(card.chat_id, card.issue_id)
    await tx.cards.add(card)
    if before is None or before.message_id == card.message_id:
        return
    # Recorded late (a card on its way while another was shown): then it is the older one.
    older = min(before, card, key=lambda c: c.message_id)
    await tx.outbox.add(card_refresh(older, "older", now))


def card_refresh(card: Card, cause: str, now: datetime, event_id: int | None = None) -> OutboxItem:
    """An edit of a card already sent, to show its issue as it is now; `cause` makes its key."""
    return queued(
        f"{cause}:card:{card.chat_id}:{card.message_id}",
        OutboxKind.REFRESH,
        card.chat_id,
        now,
        Priority.REFRESH,
        staff_id=card.staff_id,
        department=card.department,
        issue_id=card.issue_id,
        event_id=event_id,
        message_id=card.message_id,
    )


def card_retirement(card: Card, now: datetime) -> OutboxItem:
    """The last edit of a card of an issue long over: it shows the issue without the citizen's
    data and without buttons, and the card is forgotten (casework/retention.py)."""
    return dataclasses.replace(
        card_refresh(card, "retire", now),
        priority=Priority.RETIRE,
        payload={ERASE: "1", RETIRED: "1"},
    )


async def people_for(
    tx: Transaction,
    audience: Audience,
    issue: Issue,
    department: str | None = None,
    target_id: int | None = None,
) -> list[Staff]:
    """The active people an audience stands for, for this issue."""
    department = department or issue.department
    match audience:
        case Audience.REPORTER:
            return await _active(tx, issue.reporter_id)
        case Audience.DEPARTMENT:
            return await tx.staff.with_roles(_DEPARTMENT_ROLES, department)
        case Audience.HEADS:
            return await tx.staff.with_roles([Role.HEAD], department)
        case Audience.COORDINATORS:
            return await tx.staff.with_roles([Role.COORDINATOR])
        case Audience.ASSIGNEE:
            return await _active(tx, target_id)
        case Audience.HANDLER:
            assignee = await _active(tx, issue.assignee_id)
            return assignee or await tx.staff.with_roles(_DEPARTMENT_ROLES, department)
        case Audience.HANDLERS:
            if issue.assignee_id is None:
                return await tx.staff.with_roles(_DEPARTMENT_ROLES, department)
            heads = await tx.staff.with_roles([Role.HEAD], department)
            return heads + await _active(tx, issue.assignee_id)
        case Audience.ASSISTING:
            found: list[Staff] = []
            for code in sorted(issue.assisting):
                found += await tx.staff.with_roles(_DEPARTMENT_ROLES, code)
            return found
        case Audience.FOLLOWERS:
            found = []
            for staff_id in await tx.issues.followers(issue.id):
                found += await _active(tx, staff_id)
            return found
        case Audience.GROUP:
            return []
    return []


async def _active(tx: Transaction, staff_id: int | None) -> list[Staff]:
    person = await tx.staff.by_id(staff_id) if staff_id else None
    return [person] if person is not None and person.active else []
