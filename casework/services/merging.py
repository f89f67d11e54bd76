"""A coordinator merges two issues that are the same problem (casework/merging.py): `/merge`
names them, a button says which one stays."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from casework import errors, lifecycle
from casework.commands import Action
from casework.intake import HISTORY_READ, HISTORY_WINDOW, nearby_window
from casework.issues import Event, Issue
from casework.merging import check_merge, check_pair, may_merge, merge_steps
from casework.metrics import tallies
from casework.nearby import Nearby
from casework.numbering import parse_number
from casework.people import Staff
from casework.ports import Transaction
from casework.repeats import repeat_flag
from casework.retention import phone_spellings
from casework.roles import Role
from casework.services import Deps, reload_actor
from casework.services.notify import announce, flag_to_coordinators


async def pair(deps: Deps, actor: Staff, first: str, second: str) -> tuple[Issue, Issue]:
    """The two issues typed, checked as the merge will be, for the coordinator to choose the
    one that stays (`casework.merging.may_go` says which may go)."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        return check_pair(await _by_number(tx, first), await _by_number(tx, second), actor)


async def pair_of(deps: Deps, actor: Staff, first_id: int, second_id: int) -> tuple[Issue, Issue]:
    """As `pair`, for two issues a button names (a candidate chosen under an issue's details)."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        return check_pair(await tx.issues.get(first_id), await tx.issues.get(second_id), actor)


async def _by_number(tx: Transaction, text: str) -> Issue | None:
    number = parse_number(text)
    return None if number is None else await tx.issues.by_number(number)


CANDIDATES_SHOWN = 5  # of each kind: a coordinator reads them on a phone


@dataclass(frozen=True)
class Candidates:
    """What an issue may be merged with, found for a coordinator under its details."""

    issue: Issue
    nearby: list[Nearby]  # open, of its category, within `[duplicates]`'s radius and days
    same_citizen: list[Issue]  # open, of the same citizen's phone, of the last 90 days


async def candidates(deps: Deps, actor: Staff, issue_id: int) -> Candidates:
    """The open issues that may be the same problem as this one, for a coordinator to merge
    it with: of its category near its pin, logged within `[duplicates] days` of it, nearest
    first; and those of the same citizen (the history the intake shows). Any other is merged
    with `/merge`."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await tx.issues.get(issue_id)
        if issue is None or not lifecycle.may(issue, actor, Action.VIEW):
            raise errors.IssueNotFound()
        if not may_merge(issue, actor):  # say why: the role, the issue not open, a complaint
            if actor.role is not Role.COORDINATOR or not actor.active:
                raise errors.NotAllowed("merge")
            raise errors.CannotMerge(issue.number, complaint=issue.is_complaint)
        policy, window = deps.org.duplicates, nearby_window(deps.org.duplicates)
        nearby: list[Nearby] = []
        if issue.location is not None:
            found = await tx.issues.near(
                issue.category, issue.location, policy.radius_m, issue.created_at - window, 50
            )
            nearby = [
                n
                for n in found
                if n.issue.id != issue.id
                and n.issue.created_at <= issue.created_at + window
                and not n.issue.is_complaint
            ]
        same: list[Issue] = []
        if issue.citizen_phone:
            spellings = phone_spellings(issue.citizen_phone)
            shown = {n.issue.id for n in nearby[:CANDIDATES_SHOWN]}
            same = [
                i
                for i in await tx.issues.of_citizen(spellings, now - HISTORY_WINDOW, HISTORY_READ)
                if i.id != issue.id
                and i.status.is_open
                and not i.is_complaint
                and i.id not in shown
            ]
        return Candidates(issue, nearby[:CANDIDATES_SHOWN], same[:CANDIDATES_SHOWN])


@dataclass(frozen=True)
class Merged:
    stays: Issue  # as it is now: its count up
    goes: Issue  # withdrawn as its duplicate


async def merge(deps: Deps, actor: Staff, stays_id: int, goes_id: int) -> Merged:
    """The one that goes is withdrawn as a duplicate (its department and reporter hear it, as a
    withdrawal goes); the one that stays gets a duplicate's note on its timeline, its count up
    by the one that goes and that one's own duplicates, and their reporters as followers. All
    checked again in one transaction (a coordinator; both still open)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        stays, goes = check_merge(
            await tx.issues.get(stays_id), await tx.issues.get(goes_id), actor
        )
        withdrawn, duplicate = merge_steps(stays, goes, actor, now)
        gone = await _step(tx, deps, goes, withdrawn)
        kept = lifecycle.apply(stays, duplicate, deps.org)
        kept = dataclasses.replace(  # each report of the one that goes, a report of this one
            kept,
            duplicates=stays.duplicates + 1 + goes.duplicates,
            repeat_calls=stays.repeat_calls + goes.repeat_calls,
        )
        flag = repeat_flag(kept, deps.org, now)  # reported `[intake] repeat_flag` times now?
        if flag is not None:
            kept = lifecycle.apply(kept, flag, deps.org)
        if not await tx.issues.save(kept, expected_version=stays.version):
            raise errors.StaleStep()
        duplicate = await tx.timeline.append(stays.id, duplicate)
        await tx.metrics.tally(tallies(duplicate, stays, kept, deps.zone))
        await announce(tx, deps.org, kept, duplicate, now)
        if flag is not None:
            flag = await tx.timeline.append(stays.id, flag)
            await flag_to_coordinators(tx, deps.org, kept, flag, now, deps.zone)
        for person in {goes.reporter_id, *await tx.issues.followers(goes.id)}:
            if person != stays.reporter_id:
                await tx.issues.follow(stays.id, person, now)
        return Merged(kept, gone)


async def _step(tx: Transaction, deps: Deps, issue: Issue, event: Event) -> Issue:
    changed = lifecycle.apply(issue, event, deps.org)
    if not await tx.issues.save(changed, expected_version=issue.version):
        raise errors.StaleStep()
    event = lifecycle.on_the_record(event, issue, changed)
    event = await tx.timeline.append(issue.id, event)
    await tx.metrics.tally(tallies(event, issue, changed, deps.zone))
    await announce(tx, deps.org, changed, event, deps.clock.now())
    return changed
