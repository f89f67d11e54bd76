"""/redact questions waiting for the coordinator's confirmation (the issues found, not the phone)."""

from __future__ import annotations

import json
from datetime import datetime

from casework.retention import RedactionRequest
from storage.epochs import from_epoch, to_epoch
from storage.statements import Statements


class SqlRedactionRequests:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def add(self, request: RedactionRequest) -> None:
        await self._db.execute(
            "INSERT INTO redaction_requests (token, staff_id, issue_ids, created_at)"
            " VALUES (?, ?, ?, ?)",
            (
                request.token,
                request.staff_id,
                json.dumps(list(request.issue_ids)),
                to_epoch(request.created_at),
            ),
        )

    async def take(self, token: str, staff_id: int) -> RedactionRequest | None:
        row = await self._db.fetch_one(
            "DELETE FROM redaction_requests WHERE token = ? AND staff_id = ?"
            " RETURNING token, staff_id, issue_ids, created_at",
            (token, staff_id),
        )
        if row is None:
            return None
        return RedactionRequest(
            token=row["token"],
            staff_id=row["staff_id"],
            issue_ids=tuple(json.loads(row["issue_ids"])),
            created_at=from_epoch(row["created_at"]),
        )

    async def forget_before(self, before: datetime) -> int:
        return await self._db.execute(
            "DELETE FROM redaction_requests WHERE created_at < ?", (to_epoch(before),)
        )
