"""Logging a new issue: the draft, step by step, and its submission."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from casework import errors
from casework.intake import (
    HISTORY_READ,
    HISTORY_WINDOW,
    NONE_NAMED,
    CitizenHistory,
    Draft,
    Step,
    choose_subject,
    citizen_history,
    duplicate_of,
    in_nearby,
    location_given,
    may_be_complained_about,
    nearby_window,
    new_draft,
    phone_entered,
    repeat_call,
)
from casework.issues import Event, EventKind, Issue, IssueKind, Status
from casework.lifecycle import apply, handed_to
from casework.metrics import tallies
from casework.nearby import Nearby
from casework.numbering import format_number, month_of
from casework.outbox import Card
from casework.people import Staff
from casework.ports import Transaction
from casework.repeats import repeat_flag
from casework.retention import phone_spellings
from casework.roles import Role
from casework.services import Deps, issues, reload_actor
from casework.services.notify import announce, card_shown, flag_to_coordinators
from casework.services.views import Shown, shown


@dataclass(frozen=True)
class Started:
    draft: Draft
    resumed: bool  # the person's unfinished draft, picked up (nothing of what they sent added)
    prompt_put_aside: bool  # a question waiting for their words was dropped (`put_prompt_aside`)


async def start(
    deps: Deps,
    actor: Staff,
    chat_id: int,
    description: str | None = None,
    photo: str | None = None,
    *,
    put_prompt_aside: bool = False,
) -> Started:
    """A new draft (in place of one expired), or the unfinished one if the person already has
    one. `put_prompt_aside`: `/new` takes the typed text that follows, so a question waiting for
    the person's words is dropped, in the same transaction (a kill falls before both or after
    both)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        put_aside = put_prompt_aside and await issues.put_aside(tx, actor, now)
        existing = await tx.drafts.get(actor.id)
        if existing is not None and not existing.expired(now):
            return Started(existing, True, put_aside)
        draft = new_draft(secrets.token_hex(3), now, description, photo)
        await tx.drafts.put(actor.id, chat_id, draft)
        return Started(draft, False, put_aside)


async def current(deps: Deps, actor: Staff, *, drop_expired: bool = True) -> Draft | None:
    """The person's open draft, if any. One idle too long is refused (`DraftExpired`), and
    dropped unless `drop_expired` is False: what the message starts next replaces it (`start`),
    in that one transaction."""
    now = deps.clock.now()
    async with deps.store.peek() as tx:  # routing the message: its step reads the draft again
        draft = await tx.drafts.get(actor.id)
    if draft is None or not draft.expired(now):
        return draft
    if drop_expired:
        async with deps.store.transaction() as tx:
            again = await tx.drafts.get(actor.id)
            if again is not None and again.expired(now):
                await tx.drafts.delete(actor.id)
    raise errors.DraftExpired()


async def update(
    deps: Deps,
    actor: Staff,
    change: Callable[[Draft], Draft],
    *,
    token: str | None = None,
    step: Step | None = None,
    chat_id: int | None = None,
) -> Draft:
    """Apply `change` to the draft, if the draft (and step) is the one the input was for."""
    now = deps.clock.now()
    expired = False
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        draft = await tx.drafts.get(actor.id)
        if draft is None:
            raise errors.NoDraft()
        if draft.expired(now):
            await tx.drafts.delete(actor.id)
            expired = True
        else:
            if (token is not None and token != draft.token) or (
                step is not None and step is not draft.step
            ):
                raise errors.StaleStep()
            changed = change(draft)
            # Open issues of the category near the pin? None: nothing changes.
            if location_given(draft, changed) and await _nearby(tx, deps, actor, changed, now):
                changed = changed.to_nearby(now)
            if phone_entered(draft, changed):
                assert changed.citizen_phone is not None
                history = await _history(tx, actor, changed.citizen_phone, now)
                if history.issues:  # a citizen never seen: nothing changes
                    changed = changed.to_history(now)
            await tx.drafts.put(actor.id, chat_id or actor.telegram_id, changed)
            return changed
    assert expired
    raise errors.DraftExpired()


async def subjects(deps: Deps, actor: Staff, department: str) -> list[Staff]:
    """Whom a complaint about `department` may name: its active members and heads, by name."""
    async with deps.store.transaction() as tx:
        await reload_actor(tx, actor)
        people = await tx.staff.with_roles([Role.MEMBER, Role.HEAD], department)
    return sorted(people, key=lambda p: (p.name, p.id))


async def name_subject(deps: Deps, actor: Staff, token: str, staff_id: int) -> Draft:
    """A complaint's person complained about, chosen by button (`NONE_NAMED`: nobody, the
    department's service as a whole); the person is read and checked in the transaction."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        draft = await tx.drafts.get(actor.id)
        if draft is None or draft.token != token or draft.expired(now):
            raise errors.StaleStep()
        person = None if staff_id == NONE_NAMED else await tx.staff.by_id(staff_id)
        if staff_id != NONE_NAMED and person is None:
            raise errors.NotInDepartment()
        changed = choose_subject(draft, person, now)
        await tx.drafts.put(actor.id, actor.telegram_id, changed)
        return changed


@dataclass(frozen=True)
class Submitted:
    issue: Issue
    card: Shown  # the new issue's card, as the person who logged it sees it


async def submit(
    deps: Deps, actor: Staff, token: str, shown_at: tuple[int, int] | None = None
) -> Submitted:
    """Turn the draft into a pending issue at its department, and tell the department; the
    issue's card for the person who logged it, remembered (for later refreshes) as the message
    `shown_at` (chat, message), the summary it replaces."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        draft = await tx.drafts.get(actor.id)
        if draft is None or draft.token != token:
            raise errors.NoDraft()
        if draft.step is not Step.SUMMARY:
            raise errors.StaleStep()  # a field is being changed: submit from the summary
        if draft.missing:
            raise errors.DraftIncomplete()
        assert draft.category and draft.department and draft.description and draft.source
        if draft.subject_id is not None:
            # Named when the draft was filled in: still of that department now?
            subject = await tx.staff.by_id(draft.subject_id)
            if subject is None or not may_be_complained_about(subject, draft.department):
                raise errors.NotInDepartment()
        month = month_of(now, deps.zone)
        number = format_number(month, await tx.issues.next_sequence(month))
        issue = Issue(
            id=0,
            number=number,
            status=Status.PENDING,
            description=draft.description,
            category=draft.category,
            department=draft.department,
            reporter_id=actor.id,
            urgent=bool(draft.urgent),
            source=draft.source,
            created_at=now,
            updated_at=now,
            handed_at=now,
            respond_by=None,
            resolve_by=None,
            location=draft.location,
            address=draft.address,
            citizen_name=draft.citizen_name,
            citizen_phone=draft.citizen_phone,
            photos=draft.photos,
            kind=IssueKind.COMPLAINT if draft.complaint else IssueKind.CASE,
            subject_id=draft.subject_id if draft.complaint else None,
        )
        created = await tx.issues.create(handed_to(issue, draft.department, now, deps.org))
        event = await tx.timeline.append(
            created.id,
            Event(
                kind=EventKind.SUBMITTED,
                actor_id=actor.id,
                at=now,
                department=created.department,
                due_at=created.respond_by,
            ),
        )
        await tx.metrics.tally(tallies(event, None, created, deps.zone))
        await announce(tx, deps.org, created, event, now)
        await tx.drafts.delete(actor.id)
        if shown_at is not None:
            await tx.cards.add(Card(*shown_at, created.id, actor.id))
        card = await shown(tx, created, actor, None)
        assert card is not None  # the reporter sees what they logged
        return Submitted(created, card)


async def cancel(deps: Deps, actor: Staff, token: str | None = None) -> bool:
    """Drop the person's draft (only the one with `token`, if given); False if none."""
    async with deps.store.transaction() as tx:
        if token is not None:
            draft = await tx.drafts.get(actor.id)
            if draft is None or draft.token != token:
                return False
        return await tx.drafts.delete(actor.id)


# ------------------------------------------------------------------ the citizen's history


async def _history(tx: Transaction, actor: Staff, phone: str, now: datetime) -> CitizenHistory:
    found = await tx.issues.of_citizen(phone_spellings(phone), now - HISTORY_WINDOW, HISTORY_READ)
    return citizen_history(found, actor, phone, now)


async def history(deps: Deps, actor: Staff, draft: Draft) -> CitizenHistory:
    """The citizen's history as the draft's phone finds it now, for the worker to choose from
    (empty without a phone)."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        if draft.citizen_phone is None:
            return CitizenHistory(())
        return await _history(tx, actor, draft.citizen_phone, deps.clock.now())


async def _at_history(tx: Transaction, actor: Staff, token: str, now: datetime) -> Draft:
    """The person's draft, if it is the one pressed and it is at the citizen's history."""
    draft = await tx.drafts.get(actor.id)
    if draft is None or draft.token != token:
        raise errors.NoDraft()
    if draft.expired(now):
        raise errors.DraftExpired()
    if draft.step is not Step.HISTORY:
        raise errors.StaleStep()
    return draft


async def repeat_candidate(deps: Deps, actor: Staff, token: str, issue_id: int) -> Issue:
    """An open issue of the citizen's tapped in the history: checked as the repeat call will
    be (`casework.intake.repeat_call`), before the worker is asked to confirm it."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        draft = await _at_history(tx, actor, token, now)
        issue = await tx.issues.get(issue_id)
        repeat_call(draft, issue, actor, now)
        assert issue is not None
        return issue


@dataclass(frozen=True)
class CalledAgain:
    issue: Issue  # as it is now, its repeat count up
    event: Event
    card: Shown | None  # its card for the worker; None if they may not see it otherwise


async def _reported_again(
    tx: Transaction, deps: Deps, issue: Issue, event: Event, now: datetime
) -> tuple[Issue, Event]:
    """The problem reported once more (a repeat call, a duplicate linked): the step applied and
    saved, counted, announced; and, at `[intake] repeat_flag` reports, the issue flagged to the
    coordinators, once (recorded on the issue by the same save). The issue and the step as
    recorded."""
    changed = apply(issue, event, deps.org)
    flag = repeat_flag(changed, deps.org, now)
    if flag is not None:
        changed = apply(changed, flag, deps.org)
    if not await tx.issues.save(changed, expected_version=issue.version):
        raise errors.StaleStep()  # changed in the same instant: the worker presses again
    event = await tx.timeline.append(issue.id, event)
    await tx.metrics.tally(tallies(event, issue, changed, deps.zone))
    await announce(tx, deps.org, changed, event, now)
    if flag is not None:
        flag = await tx.timeline.append(issue.id, flag)
        await flag_to_coordinators(tx, deps.org, changed, flag, now, deps.zone)
    return changed, event


async def call_again(
    deps: Deps, actor: Staff, token: str, issue_id: int, shown_at: tuple[int, int] | None = None
) -> CalledAgain:
    """Turn the draft into a repeat call (重复来电, 催单) on one of the citizen's open issues:
    everything checked again (the draft, the issue one of the citizen's this person may be
    shown, still open), a step on its timeline with what the worker wrote, its repeat count
    up, the department reminded at once with the card (casework/notifications.py), and the
    draft ends. Nothing new is logged. `shown_at`: the message the worker's copy of the card
    takes the place of (remembered, for later refreshes, when they may see the issue)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        draft = await _at_history(tx, actor, token, now)
        issue = await tx.issues.get(issue_id)
        event = repeat_call(draft, issue, actor, now)
        assert issue is not None
        changed, event = await _reported_again(tx, deps, issue, event, now)
        await tx.drafts.delete(actor.id)
        card = await shown(tx, changed, actor, None)
        if card is not None and shown_at is not None:
            await card_shown(tx, Card(*shown_at, changed.id, actor.id), now)
        return CalledAgain(changed, event, card)


# ------------------------------------------------------------------ nearby, same problem

NEARBY_SHOWN = 5  # the nearest few: a worker reads them on a phone


async def _nearby(
    tx: Transaction, deps: Deps, actor: Staff, draft: Draft, now: datetime
) -> list[Nearby]:
    if draft.location is None or draft.category is None:
        return []
    policy = deps.org.duplicates
    found = await tx.issues.near(
        draft.category, draft.location, policy.radius_m, now - nearby_window(policy), 50
    )
    return [n for n in found if in_nearby(n.issue, draft, actor, policy, now)][:NEARBY_SHOWN]


async def nearby(deps: Deps, actor: Staff, draft: Draft) -> list[Nearby]:
    """The open issues of the draft's category near its pin, as they are now, nearest first,
    for the worker to choose from (none without a pin)."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        return await _nearby(tx, deps, actor, draft, deps.clock.now())


@dataclass(frozen=True)
class Linked:
    issue: Issue  # the original, as it is now, its duplicate count up
    event: Event
    card: Shown | None  # its card for the worker; None if they may not see it otherwise


async def link_duplicate(
    deps: Deps, actor: Staff, token: str, issue_id: int, shown_at: tuple[int, int] | None = None
) -> Linked:
    """Link the draft's report to an open issue nearby as a duplicate (重复件): everything
    checked again (the draft at the issues nearby, the issue one of them, still open), a note on
    its timeline with what the worker wrote, its duplicate count up (its cards refreshed), and
    the draft ends. Nothing new is logged, nothing goes to the department: the same problem is
    not a second handoff. `shown_at`: the message the worker's copy of the card replaces."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        draft = await tx.drafts.get(actor.id)
        if draft is None or draft.token != token:
            raise errors.NoDraft()
        if draft.expired(now):
            raise errors.DraftExpired()
        issue = await tx.issues.get(issue_id)
        event = duplicate_of(draft, issue, actor, deps.org.duplicates, now)
        assert issue is not None
        changed, event = await _reported_again(tx, deps, issue, event, now)
        if actor.id != issue.reporter_id:  # they hear of its result
            await tx.issues.follow(issue.id, actor.id, now)
        await tx.drafts.delete(actor.id)
        card = await shown(tx, changed, actor, None)
        if card is not None and shown_at is not None:
            await card_shown(tx, Card(*shown_at, changed.id, actor.id), now)
        return Linked(changed, event, card)
