"""People in memory: staff and the roster, the organisation, invitations, the access log."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from casework.organisation import Category, Department, Organisation, RosterEntry
from casework.people import (
    AccessAction,
    AccessEntry,
    DeactivationRequest,
    Invite,
    InviteDraft,
    NewStaff,
    Staff,
)
from casework.ports import RosterImport
from casework.roles import Role
from tests.fakes.tables import Place, Tables, stored, whole_seconds


class FakeStaff:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def by_telegram_id(self, telegram_id: int) -> Staff | None:
        return next((p for p in self._t.staff.values() if p.telegram_id == telegram_id), None)

    async def by_id(self, staff_id: int) -> Staff | None:
        return self._t.staff.get(staff_id)

    async def by_ids(self, staff_ids: Iterable[int]) -> dict[int, Staff]:
        return {i: self._t.staff[i] for i in sorted(set(staff_ids)) if i in self._t.staff}

    async def add(self, person: NewStaff, now: datetime) -> Staff:
        self._t.write()
        if await self.by_telegram_id(person.telegram_id) is not None:
            raise ValueError(f"telegram_id {person.telegram_id} is taken (UNIQUE in SQLite)")
        staff = Staff(
            id=self._t.next_id("staff"),
            telegram_id=person.telegram_id,
            name=person.name,
            role=person.role,
            department=person.department,
            active=True,
            telegram_name=person.telegram_name,
            joined_at=whole_seconds(now),
        )
        return self._put(staff)

    async def restore(self, staff_id: int, person: NewStaff, now: datetime) -> Staff:
        self._t.write()
        return self._put(
            dataclasses.replace(
                self._t.staff[staff_id],
                name=person.name,
                role=person.role,
                department=person.department,
                telegram_name=person.telegram_name,
                active=True,
                joined_at=whole_seconds(now),
                from_roster=False,
            )
        )

    async def active(self, department: str | None = None) -> list[Staff]:
        found = [
            p
            for p in self._t.staff.values()
            if p.active and (department is None or p.department == department)
        ]
        return sorted(
            found,
            key=lambda p: (p.department is None, p.department or "", p.role.value, p.name, p.id),
        )

    async def with_roles(self, roles: Iterable[Role], department: str | None = None) -> list[Staff]:
        wanted = set(roles)
        return [
            p
            for _, p in sorted(self._t.staff.items())
            if p.active and p.role in wanted and (department is None or p.department == department)
        ]

    async def deactivate(self, staff_id: int, now: datetime) -> bool:
        self._t.write()
        person = self._t.staff.get(staff_id)
        if person is None or not person.active:
            return False
        self._put(dataclasses.replace(person, active=False))
        return True

    async def set_menu(self, staff_id: int, menu: str | None) -> None:
        self._t.write()
        if staff_id in self._t.staff:
            self._put(dataclasses.replace(self._t.staff[staff_id], menu=menu))

    async def set_language(self, staff_id: int, language: str | None) -> None:
        self._t.write()
        if staff_id in self._t.staff:
            self._put(dataclasses.replace(self._t.staff[staff_id], language=language))

    async def note_telegram_name(self, staff_id: int, telegram_name: str | None) -> None:
        self._t.write()
        person = self._t.staff.get(staff_id)
        if person is not None and person.telegram_name != telegram_name:
            self._put(dataclasses.replace(person, telegram_name=telegram_name))

    async def note_telegram_language(self, staff_id: int, language_code: str | None) -> None:
        self._t.write()
        person = self._t.staff.get(staff_id)
        if person is not None and person.telegram_language != language_code:
            self._put(dataclasses.replace(person, telegram_language=language_code))

    async def mark_unreachable(self, staff_id: int, now: datetime) -> bool:
        self._t.write()
        person = self._t.staff.get(staff_id)
        if person is None or person.unreachable_since is not None:
            return False
        self._put(dataclasses.replace(person, unreachable_since=whole_seconds(now)))
        return True

    async def mark_reachable(self, staff_id: int) -> None:
        self._t.write()
        person = self._t.staff.get(staff_id)
        if person is not None and person.unreachable_since is not None:
            self._put(dataclasses.replace(person, unreachable_since=None))

    async def import_roster(self, entries: Iterable[RosterEntry], now: datetime) -> RosterImport:
        """As storage/repositories/staff.py does it (tests/test_store_contract.py holds them to it)."""
        self._t.write()
        listed, today = list(entries), whole_seconds(now)
        added: list[int] = []
        changed: list[int] = []
        updated = 0
        for entry in listed:
            person = await self.by_telegram_id(entry.telegram_id)
            wanted = (entry.name, entry.role, entry.department, True)
            if (
                person is not None
                and (person.name, person.role, person.department, person.from_roster) != wanted
            ):
                # Another role or department is new access: it starts now.
                moved = (person.role, person.department) != (entry.role, entry.department)
                person = self._put(
                    dataclasses.replace(
                        person,
                        name=entry.name,
                        role=entry.role,
                        department=entry.department,
                        from_roster=True,
                        joined_at=today if moved else person.joined_at,
                    )
                )
                updated += 1
                if person.joined_at == today:
                    changed.append(person.id)
            if entry.active and person is None:
                new = Staff(
                    id=self._t.next_id("staff"),
                    telegram_id=entry.telegram_id,
                    name=entry.name,
                    role=entry.role,
                    department=entry.department,
                    active=True,
                    from_roster=True,
                    joined_at=today,
                )
                added.append(self._put(new).id)
        ended = {e.telegram_id for e in listed if not e.active}
        kept = {e.telegram_id for e in listed if e.active}
        removed = sorted(
            p.id
            for p in self._t.staff.values()
            if p.active
            and (p.telegram_id in ended or (p.from_roster and p.telegram_id not in kept))
        )
        for staff_id in removed:
            await self.deactivate(staff_id, now)
        return RosterImport(added=added, updated=updated, removed=removed, changed=changed)

    def _put(self, person: Staff) -> Staff:
        self._t.staff[person.id] = person
        self._t.changed()
        return person


class FakeOrganisation:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def sync(self, org: Organisation) -> None:
        """What the file no longer lists stays, inactive, as it last was."""
        self._t.write()
        departments, categories = self._t.departments, self._t.categories
        for department_place in departments.values():
            department_place.active = False
        for category_place in categories.values():
            category_place.active = False
        for position, department in enumerate(org.departments):
            departments[department.code] = Place(department, position)
        for position, category in enumerate(org.categories):
            categories[category.code] = Place(category, position)
        self._t.changed(len(departments) + len(categories))

    async def active_department_codes(self) -> list[str]:
        return _codes(self._t.departments, active=True)

    async def active_category_codes(self) -> list[str]:
        return _codes(self._t.categories, active=True)

    async def retired(self) -> tuple[list[Department], list[Category]]:
        departments = [self._t.departments[c].thing for c in _codes(self._t.departments, False)]
        categories = [self._t.categories[c].thing for c in _codes(self._t.categories, False)]
        return departments, categories


def _codes(table: Mapping[str, Place[Any]], active: bool) -> list[str]:
    return [
        code
        for code, place in sorted(table.items(), key=lambda item: item[1].position)
        if place.active is active
    ]


class FakeInvites:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, invite: Invite) -> Invite:
        self._t.write()
        if await self.get(invite.code) is not None:
            raise ValueError(f"invitation code {invite.code!r} is taken (UNIQUE in SQLite)")
        return self._put(stored(dataclasses.replace(invite, id=self._t.next_id("invites"))))

    async def get(self, code: str) -> Invite | None:
        return next((i for i in self._t.invites.values() if i.code == code), None)

    async def by_id(self, invite_id: int) -> Invite | None:
        return self._t.invites.get(invite_id)

    async def mark_used(self, code: str, staff_id: int, now: datetime) -> bool:
        self._t.write()
        invite = await self.get(code)
        if invite is None or invite.used_by is not None or invite.revoked_at is not None:
            return False
        self._put(dataclasses.replace(invite, used_by=staff_id, used_at=whole_seconds(now)))
        return True

    async def open(self, now: datetime) -> list[Invite]:
        found = [
            i
            for i in self._t.invites.values()
            if i.used_by is None and i.revoked_at is None and i.expires_at > whole_seconds(now)
        ]
        return sorted(found, key=lambda i: (i.created_at, i.id or 0))

    async def revoke(self, invite_id: int, staff_id: int, now: datetime) -> bool:
        self._t.write()
        invite = self._t.invites.get(invite_id)
        if invite is None or invite.used_by is not None or invite.revoked_at is not None:
            return False
        self._put(dataclasses.replace(invite, revoked_at=whole_seconds(now)))
        return True

    async def add_draft(self, staff_id: int, name: str, now: datetime) -> InviteDraft:
        self._t.write()
        draft = InviteDraft(self._t.next_id("invite_drafts"), staff_id, name, whole_seconds(now))
        self._t.invite_drafts[draft.id] = draft
        self._t.changed()
        return draft

    async def draft(self, draft_id: int) -> InviteDraft | None:
        return self._t.invite_drafts.get(draft_id)

    async def drop_draft(self, draft_id: int) -> None:
        self._t.write()
        if self._t.invite_drafts.pop(draft_id, None) is not None:
            self._t.changed()

    async def drop_drafts_before(self, before: datetime) -> int:
        self._t.write()
        gone = [
            d.id for d in self._t.invite_drafts.values() if d.created_at < whole_seconds(before)
        ]
        for draft_id in gone:
            del self._t.invite_drafts[draft_id]
        return self._t.changed(len(gone))

    async def purge_expired_before(self, before: datetime) -> int:
        self._t.write()
        gone = [
            i.id or 0
            for i in self._t.invites.values()
            if i.used_by is None and i.expires_at < whole_seconds(before)
        ]
        for invite_id in gone:
            del self._t.invites[invite_id]
        return self._t.changed(len(gone))

    def _put(self, invite: Invite) -> Invite:
        self._t.invites[invite.id or 0] = invite
        self._t.changed()
        return invite


_CAME_IN = (AccessAction.JOINED, AccessAction.ROSTER_ADDED)


class FakeAccessLog:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, entry: AccessEntry) -> None:
        self._t.write()
        self._t.access_log.append(stored(entry))
        self._t.changed()

    async def how_they_came(self, staff_ids: Iterable[int]) -> dict[int, AccessEntry]:
        wanted = set(staff_ids)
        found: dict[int, AccessEntry] = {}
        for entry in sorted(self._t.access_log, key=lambda e: e.at):  # stable: then by id
            if entry.target_id in wanted and entry.action in _CAME_IN:
                found[entry.target_id] = entry  # the latest wins
        return found

    async def recent(self, limit: int) -> list[AccessEntry]:
        newest_first = sorted(
            enumerate(self._t.access_log), key=lambda pair: (pair[1].at, pair[0]), reverse=True
        )
        return [entry for _, entry in newest_first[:limit]]

    async def request_of(self, target_id: int) -> DeactivationRequest | None:
        return self._t.deactivation_requests.get(target_id)

    async def put_request(self, request: DeactivationRequest) -> None:
        self._t.write()
        self._t.deactivation_requests[request.target_id] = stored(request)
        self._t.changed()

    async def drop_request(self, target_id: int) -> None:
        self._t.write()
        if self._t.deactivation_requests.pop(target_id, None) is not None:
            self._t.changed()
