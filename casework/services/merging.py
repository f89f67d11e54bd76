"""A coordinator merges two issues that are the same problem (casework/merging.py): `/merge`
names them, a button says which one stays."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from casework import errors, lifecycle
from casework.issues import Event, Issue
from casework.merging import check_merge, merge_steps
from casework.metrics import tallies
from casework.numbering import parse_number
from casework.people import Staff
from casework.ports import Transaction
from casework.services import Deps, reload_actor
from casework.services.notify import announce


async def pair(deps: Deps, actor: Staff, first: str, second: str) -> tuple[Issue, Issue]:
    """The two issues typed, checked as the merge will be, for the coordinator to choose the
    one that stays."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        return check_merge(await _by_number(tx, first), await _by_number(tx, second), actor)


async def _by_number(tx: Transaction, text: str) -> Issue | None:
    number = parse_number(text)
    return None if number is None else await tx.issues.by_number(number)


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
        withdrawn, duplicate = merge_steps(stays, goes, actor, now, deps.org)
        gone = await _step(tx, deps, goes, withdrawn)
        kept = lifecycle.apply(stays, duplicate, deps.org)
        kept = dataclasses.replace(kept, duplicates=stays.duplicates + 1 + goes.duplicates)
        if not await tx.issues.save(kept, expected_version=stays.version):
            raise errors.StaleStep()
        duplicate = await tx.timeline.append(stays.id, duplicate)
        await tx.metrics.tally(tallies(duplicate, stays, kept, deps.zone))
        await announce(tx, deps.org, kept, duplicate, now)
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
