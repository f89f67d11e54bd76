"""What is overdue: the /overdue view and the morning digest."""

from __future__ import annotations

from dataclasses import dataclass

from casework import errors
from casework.people import Staff
from casework.ports import DepartmentLoad, IssuePage, Viewer
from casework.roles import Role
from casework.services import Deps, reload_actor
from casework.services.scheduled import MORNING_DIGEST, queue_once

PAGE_SIZE = 8
DIGEST_LIST = 10  # overdue issues named in a digest; the rest are counted


@dataclass(frozen=True)
class Digest:
    loads: list[DepartmentLoad]  # the person's department, or every department
    overdue: IssuePage


def _scope(actor: Staff) -> str | None:
    """Whose issues a person watches: one department's, or (None) all of them."""
    if actor.role is Role.COORDINATOR:
        return None
    if actor.role in (Role.HEAD, Role.MEMBER) and actor.department:
        return actor.department
    raise errors.NotAllowed("overdue")


async def overdue(deps: Deps, actor: Staff, page: int) -> IssuePage:
    """Overdue issues, most overdue first: the department's for staff, all for coordinators."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        department = _scope(actor)
        found = await tx.issues.overdue(
            department, deps.clock.now(), PAGE_SIZE * (page + 1), Viewer.of(actor)
        )
    return IssuePage(issues=found.issues[PAGE_SIZE * page :], total=found.total)


async def queue_morning_digest(deps: Deps) -> int:
    """Once a day, from the digest time on: a digest for every head and coordinator."""
    now = deps.clock.now()
    local = now.astimezone(deps.zone)
    if local.time() < deps.org.reminders.digest_at:
        return 0
    return await queue_once(deps, local.date().isoformat(), MORNING_DIGEST)


async def digest_for(deps: Deps, person: Staff) -> Digest:
    """The digest's content, as it stands when it is sent."""
    now = deps.clock.now()
    department = _scope(person)
    async with deps.store.transaction() as tx:
        # Not the complaints about the reader: a count alone could tell them one is there.
        hidden = person.id if person.role is not Role.COORDINATOR else None
        loads = await tx.issues.open_counts(now, hidden)
        found = await tx.issues.overdue(department, now, DIGEST_LIST, Viewer.of(person))
    if department is not None:
        loads = [load for load in loads if load.department == department]
    return Digest(sorted(loads, key=lambda x: (-x.overdue, x.department)), found)
