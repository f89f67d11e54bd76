"""Retention (PIPL): removing a citizen's personal data from issues, by the policy of the
organisation file or at the citizen's request (/redact), and retiring the cards of issues long
over. The rules of what is removed are in casework/retention.py."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from casework import errors, retention
from casework.intake import check_phone
from casework.issues import Issue
from casework.outbox import ERASE
from casework.people import Staff
from casework.ports import Transaction
from casework.retention import PersonalData, RedactionRequest
from casework.roles import Role
from casework.services import Deps, reload_actor
from casework.services.notify import card_refresh, card_retirement

# Issues a sweep redacts, or whose cards it retires, at most, in one transaction: a backlog (the
# first sweep after an upgrade) goes in steps. 100 redactions hold the lock about 50 ms, half
# of it the commit's fsync (benchmarks/retention.py); in smaller transactions the fsyncs add up
# and the lock is held nearly as long each time.
BATCH = 100


async def redact_due(deps: Deps, limit: int = BATCH) -> int:
    """The policy: remove the citizen's data from issues over for `personal_data_for`; how
    many had some."""
    now = deps.clock.now()
    removed = 0
    async with deps.store.transaction() as tx:
        due = await tx.issues.to_redact(now - deps.org.retention.personal_data_for, limit)
        for issue in due:
            removed += await _redact(tx, deps, issue, None, now) is not None
    return removed


async def retire_due_cards(deps: Deps, limit: int = BATCH) -> int:
    """The policy: the cards of issues over for `cards_for` are edited for the last time, to
    show the issue without the citizen's data, and forgotten. How many cards."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        due = await tx.issues.with_cards_to_retire(now - deps.org.retention.cards_for, limit)
        return await _retire_cards(tx, due, now)


@dataclass(frozen=True)
class Request:
    """A /redact waiting for confirmation: its token (for the button) and the issues found."""

    token: str
    issues: list[Issue]


async def ask(deps: Deps, actor: Staff, phone_text: str) -> Request:
    """Find the issues of the citizen with this phone, to confirm removing their data."""
    phone = check_phone(phone_text)  # as intake normalised it when it was typed
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await _coordinator(tx, actor)
        found = [
            issue
            for issue in await tx.issues.with_citizen_phone(retention.phone_spellings(phone))
            if retention.same_phone(issue.citizen_phone, phone)
        ]
        if not found:
            raise errors.NoIssuesWithPhone()
        request = RedactionRequest(
            token=secrets.token_urlsafe(12),
            staff_id=actor.id,
            issue_ids=tuple(issue.id for issue in found),
            created_at=now,
        )
        await tx.redaction_requests.add(request)
    return Request(request.token, found)


async def confirm(deps: Deps, actor: Staff, token: str) -> list[Issue]:
    """Remove the citizen's data from the issues the request found (open ones too: the citizen
    asked), each marked on its timeline with the coordinator as the actor. The issues as they
    are now; refused if the request is not this person's, was answered, or went stale."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await _coordinator(tx, actor)
        request = await tx.redaction_requests.take(token, actor.id)
        if request is None or request.expired(now):
            raise errors.StaleStep()
        done = []
        for issue_id in request.issue_ids:
            issue = await tx.issues.get(issue_id)
            if issue is None or issue.citizen_phone is None:  # removed meanwhile (the policy)
                continue
            redacted = await _redact(tx, deps, issue, actor.id, now)
            if redacted is not None:
                done.append(redacted)
        return done


async def cancel(deps: Deps, actor: Staff, token: str) -> bool:
    """Drop the request unanswered; False if it was not there (answered already)."""
    async with deps.store.transaction() as tx:
        actor = await _coordinator(tx, actor)
        return await tx.redaction_requests.take(token, actor.id) is not None


async def _coordinator(tx: Transaction, actor: Staff) -> Staff:
    actor = await reload_actor(tx, actor)
    if actor.role is not Role.COORDINATOR:
        raise errors.NotAllowed("redact")
    return actor


async def _redact(
    tx: Transaction, deps: Deps, issue: Issue, actor_id: int | None, now: datetime
) -> Issue | None:
    """Remove the citizen's data from the issue and its timeline, mark it on the timeline, and
    edit the cards in chats that show it; the issue after, or None if it held none."""
    timeline = await tx.timeline.of_issue(issue.id)
    # Staff whose names may be in the texts: a citizen's name inside one of theirs stays.
    named = {issue.reporter_id, *(e.actor_id for e in timeline), *(e.target_id for e in timeline)}
    staff = await tx.staff.by_ids({i for i in named if i is not None})
    keep = [person.name for person in staff.values()]
    changed = retention.redacted(issue, now, keep)
    blanked = retention.blanked_events(timeline, PersonalData.of(issue), keep)
    if not blanked and retention.holds_nothing_personal(issue, keep):
        # Nothing to remove (never recorded, or removed before and nothing added since): the
        # issue leaves the policy's work, and the timeline gets no mark of a removal that
        # removed nothing.
        unchanged = dataclasses.replace(issue, redacted_at=now, version=issue.version + 1)
        if not await tx.issues.save(unchanged, expected_version=issue.version):
            raise errors.StaleStep()
        return None
    if not await tx.issues.save(changed, expected_version=issue.version):
        raise errors.StaleStep()  # (one transaction read it: nobody can have changed it)
    await tx.issues.forget_photos(issue.id)
    await tx.cards.drop_headlines(issue.id)
    await tx.timeline.redact(blanked, now)
    event = await tx.timeline.append(issue.id, retention.redaction_event(now, actor_id))
    assert event.id is not None
    over = not issue.status.is_open and now - issue.updated_at >= deps.org.retention.cards_for
    if over:  # its cards' time is up too: retire them rather than refresh them
        await _retire_cards(tx, [issue.id], now)
    else:
        refreshes = [
            dataclasses.replace(
                card_refresh(card, f"ev:{event.id}", now, event.id), payload={ERASE: "1"}
            )
            for card in await tx.cards.of_issue(issue.id)
        ]
        await tx.outbox.add_many(refreshes)
    return changed


async def _retire_cards(tx: Transaction, issue_ids: Sequence[int], now: datetime) -> int:
    if not issue_ids:
        return 0
    cards = await tx.cards.of_issues(issue_ids)
    await tx.outbox.add_many([card_retirement(card, now) for card in cards])
    await tx.cards.forget(issue_ids)
    await tx.issues.cards_retired(issue_ids, now)
    return len(cards)
