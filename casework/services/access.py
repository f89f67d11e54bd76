"""Who has access: the roster, invitations, the staff list, deactivation, language."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass

from casework.access import (
    check_invite_usable,
    check_may_deactivate,
    check_may_invite,
    staff_reach,
)
from casework.errors import AlreadyRegistered, InviteNotFound, InviteUsed, StaffNotFound
from casework.organisation import LANGUAGES, Organisation
from casework.people import Invite, NewStaff, Staff
from casework.ports import RosterImport, Transaction
from casework.roles import Role
from casework.services import Deps, reload_actor


async def sync_organisation(deps: Deps) -> tuple[Organisation, RosterImport]:
    """Mirror the organisation file into the database and import its roster; the organisation
    with what the file no longer lists, for the issues on record that point at it."""
    async with deps.store.transaction() as tx:
        await tx.organisation.sync(deps.org)
        imported = await tx.staff.import_roster(deps.org.roster, deps.clock.now())
        departments, categories = await tx.organisation.retired()
    org = dataclasses.replace(
        deps.org, retired_departments=tuple(departments), retired_categories=tuple(categories)
    )
    return org, imported


async def identify(deps: Deps, telegram_id: int, language_code: str | None = None) -> Staff | None:
    """The active staff member behind a Telegram account, or None."""
    async with deps.store.transaction() as tx:
        return await _identify(tx, telegram_id, language_code)


@dataclass(frozen=True)
class Admission:
    """What every update needs to know first: whether it was handled before, and who sent it."""

    repeat: bool
    person: Staff | None = None


async def admit(
    deps: Deps, update_id: int, telegram_id: int | None, language_code: str | None
) -> Admission:
    """Mark an update handled (see services/updates.py) and find the active staff member who
    sent it, in one transaction: every update passes here, so it is kept to one."""
    async with deps.store.transaction() as tx:
        if not await tx.updates.first_time(update_id, deps.clock.now()):
            return Admission(repeat=True)
        if telegram_id is None:
            return Admission(repeat=False)
        return Admission(repeat=False, person=await _identify(tx, telegram_id, language_code))


async def _identify(tx: Transaction, telegram_id: int, language_code: str | None) -> Staff | None:
    person = await tx.staff.by_telegram_id(telegram_id)
    if person is None or not person.active:
        return None
    if person.telegram_language != language_code:
        await tx.staff.note_telegram_language(person.id, language_code)
    if person.unreachable_since is not None:
        await tx.staff.mark_reachable(person.id)  # they wrote to the bot: reachable again
    return person


async def create_invite(deps: Deps, actor: Staff, role: Role, department: str | None) -> Invite:
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        check_may_invite(actor, role, department, deps.org)
        invite = Invite(
            code=secrets.token_urlsafe(12),
            role=role,
            department=department,
            created_by=actor.id,
            created_at=now,
            expires_at=now + deps.org.access.invite_valid_for,
        )
        await tx.invites.add(invite)
        return invite


async def redeem_invite(deps: Deps, code: str, telegram_id: int, name: str) -> Staff:
    """Register the person opening an invitation link, once."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        invite = await tx.invites.get(code)
        if invite is None:
            raise InviteNotFound()
        existing = await tx.staff.by_telegram_id(telegram_id)
        if existing is not None and existing.active:
            raise AlreadyRegistered()
        check_invite_usable(invite, now)
        person = NewStaff(telegram_id, name, invite.role, invite.department)
        if existing is None:
            staff = await tx.staff.add(person, now)
        else:
            staff = await tx.staff.restore(existing.id, person, now)
            if staff.unreachable_since is not None:  # they are writing to the bot now
                await tx.staff.mark_reachable(staff.id)
                staff = dataclasses.replace(staff, unreachable_since=None)
        if not await tx.invites.mark_used(code, staff.id, now):
            raise InviteUsed()
        return staff


async def list_staff(deps: Deps, actor: Staff) -> list[Staff]:
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        reach = staff_reach(actor)
        return await tx.staff.active(None if reach.everywhere else reach.department)


async def deactivate(deps: Deps, actor: Staff, staff_id: int) -> Staff:
    """End a person's access at once; returns them as they were."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        target = await tx.staff.by_id(staff_id)
        if target is None or not target.active:
            raise StaffNotFound()
        check_may_deactivate(actor, target)
        await tx.staff.deactivate(target.id, deps.clock.now())
        return target


async def choose_language(deps: Deps, actor: Staff, language: str | None) -> None:
    """Save the person's language (None: follow their Telegram app again)."""
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        await tx.staff.set_language(actor.id, language)
