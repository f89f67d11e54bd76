"""Who has access: the roster, invitations, the staff list, deactivation, language.

Every change of access is written to the access log in the same transaction, so /staff can say
who let whom in and who ended whose access.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import datetime

from casework.access import (
    check_invite_usable,
    check_may_deactivate,
    check_may_invite,
    check_may_manage_invites,
    clean_name,
    confirms,
    independent_roots,
    invite_works,
    needs_a_second_coordinator,
    staff_reach,
)
from casework.errors import (
    AlreadyRegistered,
    InviteNotFound,
    InviteRevoked,
    InviteUsed,
    NoSecondCoordinator,
    StaffNotFound,
)
from casework.organisation import LANGUAGES, Organisation
from casework.outbox import Card, Notice, OutboxItem, notice_item
from casework.people import (
    AccessAction,
    AccessEntry,
    DeactivationRequest,
    Invite,
    NewStaff,
    Staff,
)
from casework.ports import RosterImport, Transaction
from casework.roles import Role
from casework.services import Deps, reload_actor

RECENT_CHANGES = 10  # lines of the access log /staff shows a coordinator
LINEAGE_MAX = 100  # invitations followed back at most (a chain of people inviting people)


async def sync_organisation(deps: Deps) -> tuple[Organisation, RosterImport]:
    """Mirror the organisation file into the database and apply its roster; the organisation
    with what the file no longer lists, for the issues on record that point at it."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        await tx.organisation.sync(deps.org)
        imported = await tx.staff.import_roster(deps.org.roster, now)
        for action, ids in (
            (AccessAction.ROSTER_ADDED, imported.added),
            (AccessAction.ROSTER_CHANGED, imported.changed),
            (AccessAction.ROSTER_REMOVED, imported.removed),
        ):
            people = await tx.staff.by_ids(ids)
            for person in people.values():
                await tx.access_log.add(_entry(action, now, None, person))
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
    """What every update needs to know first: whether it was handled before, who sent it, and
    for a press on a card the bot keeps track of, that card."""

    repeat: bool
    person: Staff | None = None
    card: Card | None = None
    # Someone the bot knows whose access has ended, and whose chat still has a staff menu.
    menu_to_drop: int | None = None  # their staff id


async def admit(
    deps: Deps,
    update_id: int,
    telegram_id: int | None,
    language_code: str | None,
    telegram_name: str | None = None,
    pressed_on: tuple[int, int] | None = None,
    fresh: bool = False,
) -> Admission:
    """Whether the update was handled already (a repeat: see services/updates.py, which marks
    it with the change it causes), and the active staff member who sent it, and the card
    pressed (`pressed_on`: its chat and message). Every update passes here, so it only peeks
    (`Store.peek`): it takes no turn of the steps', unless what the person's Telegram app says
    of them is news to the record, which is written then. The step re-reads the person in its
    own transaction. A `fresh` update (one the database had never seen when it was fetched:
    updates.Fresh) cannot have been handled: it is not looked up."""
    async with deps.store.peek() as tx:
        if not fresh and await tx.updates.handled(update_id):
            return Admission(repeat=True)
        if telegram_id is None:
            return Admission(repeat=False)
        known = await tx.staff.by_telegram_id(telegram_id)
        person = known if known is not None and known.active else None
        card = await tx.cards.find(*pressed_on) if pressed_on is not None and person else None
    if person is not None and _news_to_record(person, language_code, telegram_name):
        async with deps.store.transaction() as tx:
            person = await _identify(tx, telegram_id, language_code, telegram_name)
        card = card if person is not None else None
    former = known if known is not None and person is None and known.menu else None
    return Admission(
        repeat=False, person=person, card=card, menu_to_drop=former.id if former else None
    )


def _news_to_record(person: Staff, language_code: str | None, telegram_name: str | None) -> bool:
    """Whether `_identify` would note something of the person: what their Telegram app says
    of them changed, or they were unreachable (and now wrote to the bot)."""
    return (
        person.telegram_language != language_code
        or (telegram_name is not None and person.telegram_name != telegram_name)
        or person.unreachable_since is not None
    )


async def _identify(
    tx: Transaction,
    telegram_id: int,
    language_code: str | None,
    telegram_name: str | None = None,
    known: Staff | None = None,
) -> Staff | None:
    """The active person behind the account (`known`: as already read), noting what their
    Telegram app says of them."""
    person = known if known is not None else await tx.staff.by_telegram_id(telegram_id)
    if person is None or not person.active:
        return None
    if person.telegram_language != language_code:
        await tx.staff.note_telegram_language(person.id, language_code)
    if telegram_name is not None and person.telegram_name != telegram_name:
        await tx.staff.note_telegram_name(person.id, telegram_name)  # shown beside, never as
        person = dataclasses.replace(person, telegram_name=telegram_name)
    if person.unreachable_since is not None:
        await tx.staff.mark_reachable(person.id)  # they wrote to the bot: reachable again
    return person


async def create_invite(
    deps: Deps, actor: Staff, role: Role, department: str | None, name: str
) -> Invite:
    """A one-time link for the person named, with the role (and department) given."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        return await _invite(tx, deps, actor, role, department, clean_name(name))


async def draft_invite(deps: Deps, actor: Staff, name: str) -> int:
    """Keep the name typed for an invitation while its role and department are picked with
    buttons; the draft's number, for the buttons."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        check_may_manage_invites(actor)
        draft = await tx.invites.add_draft(actor.id, clean_name(name), deps.clock.now())
        return draft.id


async def invite_from_draft(
    deps: Deps, actor: Staff, draft_id: int, role: Role, department: str | None
) -> Invite:
    """The link for the name kept in the draft (once: the draft goes with it)."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        draft = await tx.invites.draft(draft_id)
        if draft is None or draft.staff_id != actor.id:
            raise InviteNotFound()
        invite = await _invite(tx, deps, actor, role, department, draft.name)
        await tx.invites.drop_draft(draft_id)
        return invite


async def invite_draft_name(deps: Deps, actor: Staff, draft_id: int) -> str:
    """The name a coordinator's invitation draft is for (to show while picking)."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        check_may_manage_invites(actor)
        draft = await tx.invites.draft(draft_id)
        if draft is None or draft.staff_id != actor.id:
            raise InviteNotFound()
        return draft.name


async def _invite(
    tx: Transaction, deps: Deps, actor: Staff, role: Role, department: str | None, name: str
) -> Invite:
    check_may_invite(actor, role, department, deps.org)
    now = deps.clock.now()
    invite = await tx.invites.add(
        Invite(
            code=secrets.token_urlsafe(12),
            role=role,
            department=department,
            name=name,
            created_by=actor.id,
            created_at=now,
            expires_at=now + deps.org.access.invite_valid_for,
        )
    )
    await tx.access_log.add(
        AccessEntry(now, AccessAction.INVITED, actor.id, None, role, department, name)
    )
    return invite


async def redeem_invite(
    deps: Deps, code: str, telegram_id: int, telegram_name: str | None
) -> Staff:
    """Register the person opening an invitation link, once, under the name the coordinator
    gave (their Telegram profile's name is only shown beside it)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        invite = await tx.invites.get(code)
        if invite is None:
            raise InviteNotFound()
        existing = await tx.staff.by_telegram_id(telegram_id)
        if existing is not None and existing.active:
            raise AlreadyRegistered()
        maker = await tx.staff.by_id(invite.created_by)
        check_invite_usable(invite, now, maker, existing, deps.org)
        # Links made before names were asked for carry none: the profile's name, as before.
        name = invite.name or clean_name(telegram_name or str(telegram_id))
        person = NewStaff(telegram_id, name, invite.role, invite.department, telegram_name)
        if existing is None:
            staff = await tx.staff.add(person, now)
        else:
            staff = await tx.staff.restore(existing.id, person, now)
            if staff.unreachable_since is not None:  # they are writing to the bot now
                await tx.staff.mark_reachable(staff.id)
                staff = dataclasses.replace(staff, unreachable_since=None)
        if not await tx.invites.mark_used(code, staff.id, now):
            raise InviteUsed()
        await tx.access_log.add(_entry(AccessAction.JOINED, now, invite.created_by, staff))
        return staff


@dataclass(frozen=True)
class OpenInvites:
    invites: list[Invite]
    makers: dict[int, Staff]


async def open_invites(deps: Deps, actor: Staff) -> OpenInvites:
    """The links nobody has used yet and that still work, oldest first."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        check_may_manage_invites(actor)
        found = await tx.invites.open(deps.clock.now())
        makers = await tx.staff.by_ids(i.created_by for i in found)
    working = [i for i in found if invite_works(i, makers.get(i.created_by), deps.org)]
    return OpenInvites(working, makers)


async def revoke_invite(deps: Deps, actor: Staff, invite_id: int) -> Invite:
    """Withdraw a link nobody has used."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        check_may_manage_invites(actor)
        invite = await tx.invites.by_id(invite_id)
        if invite is None:
            raise InviteNotFound()
        if invite.used_by is not None:
            raise InviteUsed()
        if not await tx.invites.revoke(invite_id, actor.id, now):
            raise InviteRevoked()
        await tx.access_log.add(
            AccessEntry(
                now, AccessAction.REVOKED, actor.id, None, invite.role, invite.department,
                invite.name,
            )
        )  # fmt: skip
        return invite


@dataclass(frozen=True)
class StaffList:
    people: list[Staff]
    came_in: dict[int, AccessEntry]  # by staff id: the invitation used, or the roster
    recent: list[AccessEntry]  # the latest changes of access (coordinators only)
    named: dict[int, Staff]  # everyone the entries name


async def list_staff(deps: Deps, actor: Staff) -> StaffList:
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        reach = staff_reach(actor)
        people = await tx.staff.active(None if reach.everywhere else reach.department)
        came_in = await tx.access_log.how_they_came(p.id for p in people)
        recent = await tx.access_log.recent(RECENT_CHANGES) if reach.everywhere else []
        mentioned = {i for e in (*came_in.values(), *recent) for i in (e.actor_id, e.target_id)}
        named = await tx.staff.by_ids(i for i in mentioned if i is not None)
    return StaffList(people, came_in, recent, named)


@dataclass(frozen=True)
class Deactivation:
    """What `/deactivate` did: ended the person's access, or asked a second coordinator."""

    person: Staff  # as they were
    done: bool
    asked: int = 0  # coordinators asked to confirm


async def deactivate(deps: Deps, actor: Staff, staff_id: int) -> Deactivation:
    """End a person's access at once; a coordinator's, once a second coordinator confirms
    (the first to ask is recorded, and the others who could confirm are asked)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        target = await tx.staff.by_id(staff_id)
        if target is None or not target.active:
            raise StaffNotFound()
        check_may_deactivate(actor, target)
        if needs_a_second_coordinator(target):
            request = await tx.access_log.request_of(target.id)
            requester = await tx.staff.by_id(request.requested_by) if request else None
            independent = requester is not None and independent_roots(
                await _first_inviter(tx, requester.id), await _first_inviter(tx, actor.id)
            )
            if not confirms(request, requester, actor, independent, now):
                return await _ask_a_second_coordinator(tx, actor, target, now)
        await tx.access_log.drop_request(target.id)
        await tx.staff.deactivate(target.id, now)
        await tx.access_log.add(_entry(AccessAction.DEACTIVATED, now, actor.id, target))
        return Deactivation(target, done=True)


async def _ask_a_second_coordinator(
    tx: Transaction, actor: Staff, target: Staff, now: datetime
) -> Deactivation:
    root = await _first_inviter(tx, actor.id)
    others = [
        c
        for c in await tx.staff.with_roles([Role.COORDINATOR])
        if c.id not in (actor.id, target.id)
        and independent_roots(root, await _first_inviter(tx, c.id))
    ]
    if not others:
        raise NoSecondCoordinator()
    await tx.access_log.put_request(DeactivationRequest(target.id, actor.id, now))
    await tx.access_log.add(_entry(AccessAction.DEACTIVATION_REQUESTED, now, actor.id, target))
    for coordinator in others:
        await tx.outbox.add(_confirm_request(coordinator, target, actor, now))
    return Deactivation(target, done=False, asked=len(others))


async def _first_inviter(tx: Transaction, staff_id: int) -> int:
    """The first person of the chain of invitations that brought this person in: the one whose
    access came from the organisation file (or the earliest the log knows); themselves if they
    came in so."""
    person, seen = staff_id, {staff_id}
    for _ in range(LINEAGE_MAX):
        came = (await tx.access_log.how_they_came([person])).get(person)
        if came is None or came.action is not AccessAction.JOINED or came.actor_id is None:
            break
        if came.actor_id in seen:  # a loop (re-invited by someone they had invited)
            break
        person = came.actor_id
        seen.add(person)
    return person


def _confirm_request(coordinator: Staff, target: Staff, actor: Staff, now: datetime) -> OutboxItem:
    return notice_item(
        f"deact:{target.id}:{int(now.timestamp())}:{coordinator.id}",
        coordinator.telegram_id,
        coordinator.id,
        Notice.DEACTIVATION_REQUESTED,
        now,
        about=target.id,
        by=actor.id,
    )


def _entry(action: AccessAction, now: datetime, actor_id: int | None, person: Staff) -> AccessEntry:
    return AccessEntry(now, action, actor_id, person.id, person.role, person.department)


async def menu_set(deps: Deps, staff_id: int, menu: str | None) -> None:
    """Record the command menu just set for the person's chat (None: theirs was removed)."""
    async with deps.store.transaction() as tx:
        await tx.staff.set_menu(staff_id, menu)


async def choose_language(deps: Deps, actor: Staff, language: str | None) -> None:
    """Save the person's language (None: follow their Telegram app again)."""
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        await tx.staff.set_language(actor.id, language)
