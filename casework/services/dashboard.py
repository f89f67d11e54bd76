"""The coordination dashboard's use cases (issue 21): who may open it, and what it lists
besides the figures of `reports.stats` (the same as /stats). Each re-reads the person; a head
sees their own department, a coordinator every one."""

from __future__ import annotations

from casework import errors
from casework.people import Staff
from casework.ports import IssuePage, PinPage, Viewer
from casework.roles import Role
from casework.services import Deps, reload_actor

# The overdue issues listed at most (the most overdue first), and the map's points at most
# (the newest first): a page on a wall screen, not an export.
OVERDUE_SHOWN = 200
PINS_SHOWN = 5000


def may_open(person: Staff) -> bool:
    """Coordinators and department heads: those who steer by the figures."""
    return person.active and (
        person.role is Role.COORDINATOR or (person.role is Role.HEAD and bool(person.department))
    )


async def viewer(deps: Deps, telegram_id: int) -> Staff:
    """The person Telegram says opened the dashboard, as the database has them now; refused
    if unknown, no longer active, or neither a coordinator nor a head."""
    async with deps.store.reading() as tx:
        person = await tx.staff.by_telegram_id(telegram_id)
    if person is None or not may_open(person):
        raise errors.NotAllowed("dashboard")
    return person


def department_in_view(actor: Staff, asked: str | None) -> str | None:
    """The department a list is of: the one asked for (a coordinator; None: all of them), or
    the head's own (asked for, or not); a head asking for another is refused."""
    if actor.role is Role.COORDINATOR:
        return asked
    if actor.role is Role.HEAD and actor.department and asked in (None, actor.department):
        return actor.department
    raise errors.NotAllowed("dashboard")


def department_beside_district(actor: Staff, asked: str | None) -> str | None:
    """The department a trend shows beside the district's: any (a coordinator), the head's
    own; None: the district alone."""
    if asked is None:
        return None
    return department_in_view(actor, asked)


def _checked(actor: Staff) -> Staff:
    """The person re-read, if they may still open the dashboard."""
    if not may_open(actor):
        raise errors.NotAllowed("dashboard")
    return actor


async def overdue(deps: Deps, actor: Staff, department: str | None) -> IssuePage:
    """The overdue issues in view, the most overdue first, at most `OVERDUE_SHOWN`."""
    async with deps.store.reading() as tx:
        actor = _checked(await reload_actor(tx, actor))
        scope = department_in_view(actor, department)
        return await tx.issues.overdue(scope, deps.clock.now(), OVERDUE_SHOWN, Viewer.of(actor))


async def pins(deps: Deps, actor: Staff, department: str | None) -> PinPage:
    """The open issues in view with a pin, the newest `PINS_SHOWN`, and how many there are."""
    async with deps.store.reading() as tx:
        actor = _checked(await reload_actor(tx, actor))
        scope = department_in_view(actor, department)
        return await tx.issues.pinned(scope, PINS_SHOWN, Viewer.of(actor))
