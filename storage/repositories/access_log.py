"""The access log (who let whom in, who ended whose access) and the deactivations of
coordinators waiting for a second coordinator."""

from __future__ import annotations

from collections.abc import Iterable

from casework.people import AccessAction, AccessEntry, DeactivationRequest
from casework.roles import Role
from storage.epochs import from_epoch, to_epoch
from storage.statements import Row, Statements

_CAME_IN = (AccessAction.JOINED.value, AccessAction.ROSTER_ADDED.value)


def _entry(row: Row) -> AccessEntry:
    return AccessEntry(
        at=from_epoch(row["at"]),
        action=AccessAction(row["action"]),
        actor_id=row["actor_id"],
        target_id=row["target_id"],
        role=Role(row["role"]) if row["role"] else None,
        department=row["department"],
        name=row["name"],
    )


class SqlAccessLog:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def add(self, entry: AccessEntry) -> None:
        await self._db.execute(
            "INSERT INTO access_log (at, actor_id, action, target_id, role, department, name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                to_epoch(entry.at),
                entry.actor_id,
                entry.action.value,
                entry.target_id,
                entry.role.value if entry.role else None,
                entry.department,
                entry.name,
            ),
        )

    async def how_they_came(self, staff_ids: Iterable[int]) -> dict[int, AccessEntry]:
        ids = sorted(set(staff_ids))
        if not ids:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT * FROM access_log WHERE target_id IN {self._db.dialect.each()}"
            " AND action IN (?, ?) ORDER BY at, id",
            (_json(ids), *_CAME_IN),
        )
        return {row["target_id"]: _entry(row) for row in rows}  # the latest wins

    async def recent(self, limit: int) -> list[AccessEntry]:
        rows = await self._db.fetch_all(
            "SELECT * FROM access_log ORDER BY at DESC, id DESC LIMIT ?", (limit,)
        )
        return [_entry(row) for row in rows]

    async def request_of(self, target_id: int) -> DeactivationRequest | None:
        row = await self._db.fetch_one(
            "SELECT * FROM deactivation_requests WHERE target_id = ?", (target_id,)
        )
        if row is None:
            return None
        return DeactivationRequest(
            row["target_id"], row["requested_by"], from_epoch(row["requested_at"])
        )

    async def put_request(self, request: DeactivationRequest) -> None:
        await self._db.execute(
            "INSERT INTO deactivation_requests (target_id, requested_by, requested_at)"
            " VALUES (?, ?, ?) ON CONFLICT (target_id) DO UPDATE SET"
            " requested_by = excluded.requested_by, requested_at = excluded.requested_at",
            (request.target_id, request.requested_by, to_epoch(request.requested_at)),
        )

    async def drop_request(self, target_id: int) -> None:
        await self._db.execute(
            "DELETE FROM deactivation_requests WHERE target_id = ?", (target_id,)
        )


def _json(ids: list[int]) -> str:
    return "[" + ",".join(str(i) for i in ids) + "]"
