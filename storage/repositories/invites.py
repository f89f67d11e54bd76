"""One-time invitation codes that bring new people in, and the names typed for them."""

from __future__ import annotations

from datetime import datetime

from casework.people import Invite, InviteDraft
from casework.roles import Role
from storage.epochs import from_epoch, maybe_from_epoch, to_epoch
from storage.statements import Row, Statements

_COLUMNS = (
    "rowid AS id, code, role, department, name, created_by, created_at, expires_at,"
    " used_by, used_at, revoked_at"
)


def _invite(row: Row) -> Invite:
    return Invite(
        id=row["id"],
        code=row["code"],
        role=Role(row["role"]),
        department=row["department"],
        name=row["name"],
        created_by=row["created_by"],
        created_at=from_epoch(row["created_at"]),
        expires_at=from_epoch(row["expires_at"]),
        used_by=row["used_by"],
        used_at=maybe_from_epoch(row["used_at"]),
        revoked_at=maybe_from_epoch(row["revoked_at"]),
    )


class SqlInvites:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def add(self, invite: Invite) -> Invite:
        row = await self._db.fetch_one(
            "INSERT INTO invites (code, role, department, name, created_by, created_at,"
            f" expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
            (
                invite.code,
                invite.role.value,
                invite.department,
                invite.name,
                invite.created_by,
                to_epoch(invite.created_at),
                to_epoch(invite.expires_at),
            ),
        )
        assert row is not None
        return _invite(row)

    async def get(self, code: str) -> Invite | None:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM invites WHERE code = ?", (code,))
        return None if row is None else _invite(row)

    async def by_id(self, invite_id: int) -> Invite | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM invites WHERE rowid = ?", (invite_id,)
        )
        return None if row is None else _invite(row)

    async def mark_used(self, code: str, staff_id: int, now: datetime) -> bool:
        """Use the invitation once; False if someone else used (or revoked) it first."""
        changed = await self._db.execute(
            "UPDATE invites SET used_by = ?, used_at = ?"
            " WHERE code = ? AND used_by IS NULL AND revoked_at IS NULL",
            (staff_id, to_epoch(now), code),
        )
        return changed == 1

    async def open(self, now: datetime) -> list[Invite]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM invites WHERE used_by IS NULL AND revoked_at IS NULL"
            " AND expires_at > ? ORDER BY created_at, rowid",
            (to_epoch(now),),
        )
        return [_invite(row) for row in rows]

    async def revoke(self, invite_id: int, staff_id: int, now: datetime) -> bool:
        """Withdraw an invitation nobody used; False if it was used or revoked meanwhile."""
        changed = await self._db.execute(
            "UPDATE invites SET revoked_at = ?, revoked_by = ?"
            " WHERE rowid = ? AND used_by IS NULL AND revoked_at IS NULL",
            (to_epoch(now), staff_id, invite_id),
        )
        return changed == 1

    async def add_draft(self, staff_id: int, name: str, now: datetime) -> InviteDraft:
        row = await self._db.fetch_one(
            "INSERT INTO invite_drafts (staff_id, name, created_at) VALUES (?, ?, ?) RETURNING id",
            (staff_id, name, to_epoch(now)),
        )
        assert row is not None
        return InviteDraft(row["id"], staff_id, name, now)

    async def draft(self, draft_id: int) -> InviteDraft | None:
        row = await self._db.fetch_one("SELECT * FROM invite_drafts WHERE id = ?", (draft_id,))
        if row is None:
            return None
        return InviteDraft(row["id"], row["staff_id"], row["name"], from_epoch(row["created_at"]))

    async def drop_draft(self, draft_id: int) -> None:
        await self._db.execute("DELETE FROM invite_drafts WHERE id = ?", (draft_id,))

    async def drop_drafts_before(self, before: datetime) -> int:
        return await self._db.execute(
            "DELETE FROM invite_drafts WHERE created_at < ?", (to_epoch(before),)
        )

    async def purge_expired_before(self, before: datetime) -> int:
        """Forget invitations never used (revoked or not) that expired before `before`. (Used
        ones stay: they record who let whom in.)"""
        return await self._db.execute(
            "DELETE FROM invites INDEXED BY invites_unused_by_expiry"
            " WHERE used_by IS NULL AND expires_at < ?",
            (to_epoch(before),),
        )
