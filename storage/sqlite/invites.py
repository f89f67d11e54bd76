"""One-time invitation codes that bring new people in."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from casework.people import Invite
from casework.roles import Role
from storage.sqlite.database import fetch_one, from_epoch, maybe_from_epoch, to_epoch


class SqliteInvites:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, invite: Invite) -> None:
        await self._conn.execute(
            "INSERT INTO invites (code, role, department, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                invite.code,
                invite.role.value,
                invite.department,
                invite.created_by,
                to_epoch(invite.created_at),
                to_epoch(invite.expires_at),
            ),
        )

    async def get(self, code: str) -> Invite | None:
        row = await fetch_one(self._conn, "SELECT * FROM invites WHERE code = ?", (code,))
        if row is None:
            return None
        return Invite(
            code=row["code"],
            role=Role(row["role"]),
            department=row["department"],
            created_by=row["created_by"],
            created_at=from_epoch(row["created_at"]),
            expires_at=from_epoch(row["expires_at"]),
            used_by=row["used_by"],
            used_at=maybe_from_epoch(row["used_at"]),
        )

    async def mark_used(self, code: str, staff_id: int, now: datetime) -> bool:
        """Use the invitation once; False if someone else used it first."""
        cur = await self._conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND used_by IS NULL",
            (staff_id, to_epoch(now), code),
        )
        return cur.rowcount == 1

    async def purge_expired_before(self, before: datetime) -> int:
        # Used invitations stay: they record who let whom in.
        cur = await self._conn.execute(
            "DELETE FROM invites WHERE used_by IS NULL AND expires_at < ?", (to_epoch(before),)
        )
        return cur.rowcount
