"""People: who they are, their role and department, whether they still have access."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from casework.organisation import RosterEntry
from casework.people import NewStaff, Staff
from casework.ports import RosterImport
from casework.roles import Role
from storage.epochs import maybe_from_epoch, to_epoch
from storage.statements import Row, Statements

_COLUMNS = (
    "id, telegram_id, name, role, department, active, language, telegram_language,"
    " unreachable_since, telegram_name, from_roster, joined_at, menu"
)


def _staff(row: Row) -> Staff:
    return Staff(
        id=row["id"],
        telegram_id=row["telegram_id"],
        name=row["name"],
        role=Role(row["role"]),
        department=row["department"],
        active=bool(row["active"]),
        language=row["language"],
        telegram_language=row["telegram_language"],
        unreachable_since=maybe_from_epoch(row["unreachable_since"]),
        telegram_name=row["telegram_name"],
        from_roster=bool(row["from_roster"]),
        joined_at=maybe_from_epoch(row["joined_at"]),
        menu=row["menu"],
    )


class SqlStaff:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def by_telegram_id(self, telegram_id: int) -> Staff | None:
        return await self._one(f"SELECT {_COLUMNS} FROM staff WHERE telegram_id = ?", telegram_id)

    async def by_id(self, staff_id: int) -> Staff | None:
        return await self._one(f"SELECT {_COLUMNS} FROM staff WHERE id = ?", staff_id)

    async def add(self, person: NewStaff, now: datetime) -> Staff:
        row = await self._db.fetch_one(
            "INSERT INTO staff (telegram_id, name, role, department, telegram_name, joined_at)"
            f" VALUES (?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
            (
                person.telegram_id,
                person.name,
                person.role.value,
                person.department,
                person.telegram_name,
                to_epoch(now),
            ),
        )
        assert row is not None
        return _staff(row)

    async def restore(self, staff_id: int, person: NewStaff, now: datetime) -> Staff:
        """Give a deactivated person access again, with the name and role of their new
        invitation (no longer the roster's to end)."""
        row = await self._db.fetch_one(
            "UPDATE staff SET name = ?, role = ?, department = ?, telegram_name = ?, active = 1,"
            " deactivated_at = NULL, joined_at = ?, from_roster = 0"
            f" WHERE id = ? RETURNING {_COLUMNS}",
            (
                person.name,
                person.role.value,
                person.department,
                person.telegram_name,
                to_epoch(now),
                staff_id,
            ),
        )
        assert row is not None
        return _staff(row)

    async def active(self, department: str | None = None) -> list[Staff]:
        """Everyone with access (or one department's), by department, role and name."""
        where, params = "active = 1", ()
        if department is not None:
            where, params = "active = 1 AND department = ?", (department,)  # type: ignore[assignment]
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM staff WHERE {where}"
            " ORDER BY department IS NULL, department, role, name, id",
            params,
        )
        return [_staff(row) for row in rows]

    async def with_roles(self, roles: Iterable[Role], department: str | None = None) -> list[Staff]:
        """Active people with one of `roles` (in `department`, if given)."""
        wanted = [role.value for role in roles]
        sql = (
            f"SELECT {_COLUMNS} FROM staff WHERE active = 1"
            f" AND role IN ({', '.join('?' * len(wanted))})"
        )
        params: list[object] = list(wanted)
        if department is not None:
            sql += " AND department = ?"
            params.append(department)
        rows = await self._db.fetch_all(sql + " ORDER BY id", params)
        return [_staff(row) for row in rows]

    async def by_ids(self, staff_ids: Iterable[int]) -> dict[int, Staff]:
        ids = sorted(set(staff_ids))
        if not ids:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM staff WHERE id IN ({', '.join('?' * len(ids))})",
            ids,
        )
        return {row["id"]: _staff(row) for row in rows}

    async def deactivate(self, staff_id: int, now: datetime) -> bool:
        changed = await self._db.execute(
            "UPDATE staff SET active = 0, deactivated_at = ? WHERE id = ? AND active = 1",
            (to_epoch(now), staff_id),
        )
        return changed == 1

    async def set_menu(self, staff_id: int, menu: str | None) -> None:
        await self._db.execute("UPDATE staff SET menu = ? WHERE id = ?", (menu, staff_id))

    async def set_language(self, staff_id: int, language: str | None) -> None:
        await self._db.execute("UPDATE staff SET language = ? WHERE id = ?", (language, staff_id))

    async def note_telegram_name(self, staff_id: int, telegram_name: str | None) -> None:
        await self._db.execute(
            "UPDATE staff SET telegram_name = ? WHERE id = ? AND telegram_name IS DISTINCT FROM ?",
            (telegram_name, staff_id, telegram_name),
        )

    async def note_telegram_language(self, staff_id: int, language_code: str | None) -> None:
        await self._db.execute(
            "UPDATE staff SET telegram_language = ? WHERE id = ? AND telegram_language IS DISTINCT FROM ?",
            (language_code, staff_id, language_code),
        )

    async def mark_unreachable(self, staff_id: int, now: datetime) -> bool:
        """True if the person was reachable until now (so the coordinators must hear)."""
        changed = await self._db.execute(
            "UPDATE staff SET unreachable_since = ? WHERE id = ? AND unreachable_since IS NULL",
            (to_epoch(now), staff_id),
        )
        return changed == 1

    async def mark_reachable(self, staff_id: int) -> None:
        await self._db.execute(
            "UPDATE staff SET unreachable_since = NULL"
            " WHERE id = ? AND unreachable_since IS NOT NULL",
            (staff_id,),
        )

    async def import_roster(self, entries: Iterable[RosterEntry], now: datetime) -> RosterImport:
        """The roster is the authority for the people it lists: add the new ones, set the name,
        role and department of known ones, and end the access of those it lists as inactive
        and of those it imported and no longer lists.

        It never gives access back: a person whose access was ended stays without it (a new
        invitation restores access).
        """
        listed = list(entries)
        added: list[int] = []
        changed: list[int] = []
        updated = 0
        epoch = to_epoch(now)
        for entry in listed:
            values = {
                "name": entry.name,
                "role": entry.role.value,
                "department": entry.department,
                "telegram_id": entry.telegram_id,
                "now": epoch,
            }
            # Another role or department is new access: it starts now (joined_at), so links
            # made under the old role die with it.
            rows = await self._db.fetch_all(
                "UPDATE staff SET name = :name, role = :role, department = :department,"
                " from_roster = 1, joined_at = CASE WHEN (role, department)"
                " IS DISTINCT FROM (:role, :department) THEN :now ELSE joined_at END"
                " WHERE telegram_id = :telegram_id AND (name, role, department, from_roster)"
                " IS DISTINCT FROM (:name, :role, :department, 1) RETURNING id, joined_at = :now",
                values,
            )
            updated += len(rows)
            changed += [row[0] for row in rows if row[1]]
            if not entry.active:
                continue
            row = await self._db.fetch_one(
                "INSERT INTO staff (telegram_id, name, role, department, joined_at, from_roster)"
                " VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (telegram_id) DO NOTHING RETURNING id",
                (entry.telegram_id, entry.name, entry.role.value, entry.department, epoch),
            )
            if row is not None:
                added.append(row[0])
        ended = [e.telegram_id for e in listed if not e.active]
        kept = [e.telegram_id for e in listed if e.active]
        rows = await self._db.fetch_all(
            "UPDATE staff SET active = 0, deactivated_at = ? WHERE active = 1 AND"
            f" (telegram_id IN {self._db.dialect.each()} OR (from_roster = 1"
            f" AND telegram_id NOT IN {self._db.dialect.each()})) RETURNING id",
            (epoch, json.dumps(ended), json.dumps(kept)),
        )
        removed = sorted(row[0] for row in rows)
        return RosterImport(added=added, updated=updated, removed=removed, changed=changed)

    async def _one(self, sql: str, *params: object) -> Staff | None:
        row = await self._db.fetch_one(sql, params)
        return None if row is None else _staff(row)
