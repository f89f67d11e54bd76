"""Drafts of new issues and questions awaiting an answer: one of each per person at most."""

from __future__ import annotations

import json
from datetime import datetime

from casework.callbacks import Answers
from casework.commands import Action
from casework.intake import Draft
from casework.issues import WithdrawReason
from casework.ports import Idle
from casework.prompts import Prompt
from storage.epochs import from_epoch, to_epoch
from storage.statements import Statements


class SqlDrafts:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def get(self, staff_id: int) -> Draft | None:
        row = await self._db.fetch_one("SELECT data FROM drafts WHERE staff_id = ?", (staff_id,))
        return None if row is None else Draft.from_dict(json.loads(row["data"]))

    async def put(self, staff_id: int, chat_id: int, draft: Draft) -> None:
        await self._db.execute(
            "INSERT INTO drafts (staff_id, chat_id, data, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (staff_id) DO UPDATE SET chat_id = excluded.chat_id,"
            " data = excluded.data, updated_at = excluded.updated_at",
            (
                staff_id,
                chat_id,
                json.dumps(draft.to_dict(), ensure_ascii=False),
                to_epoch(draft.updated_at),
            ),
        )

    async def delete(self, staff_id: int) -> bool:
        changed = await self._db.execute("DELETE FROM drafts WHERE staff_id = ?", (staff_id,))
        return changed == 1

    async def idle_since(self, before: datetime) -> list[Idle]:
        """Drafts untouched since `before`."""
        return await _idle(self._db, "drafts", before)


class SqlPrompts:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def get(self, staff_id: int) -> Prompt | None:
        row = await self._db.fetch_one("SELECT * FROM prompts WHERE staff_id = ?", (staff_id,))
        if row is None:
            return None
        data = json.loads(row["data"])
        withdraw = data.get("withdraw_reason")
        answers = data.get("answers")
        return Prompt(
            issue_id=row["issue_id"],
            action=Action(row["action"]),
            chat_id=row["chat_id"],
            updated_at=from_epoch(row["updated_at"]),
            department=data.get("department"),
            withdraw_reason=WithdrawReason(withdraw) if withdraw else None,
            photos=tuple(data.get("photos") or ()),
            answers=Answers.from_dict(answers) if answers is not None else None,
        )

    async def put(self, staff_id: int, prompt: Prompt) -> None:
        data = {
            "department": prompt.department,
            "withdraw_reason": prompt.withdraw_reason.value if prompt.withdraw_reason else None,
            "photos": list(prompt.photos),
            "answers": prompt.answers.to_dict() if prompt.answers is not None else None,
        }
        await self._db.execute(
            "INSERT INTO prompts (staff_id, chat_id, issue_id, action, data, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET"
            " chat_id = excluded.chat_id, issue_id = excluded.issue_id,"
            " action = excluded.action, data = excluded.data, updated_at = excluded.updated_at",
            (
                staff_id,
                prompt.chat_id,
                prompt.issue_id,
                prompt.action.value,
                json.dumps(data),
                to_epoch(prompt.updated_at),
            ),
        )

    async def delete(self, staff_id: int) -> bool:
        changed = await self._db.execute("DELETE FROM prompts WHERE staff_id = ?", (staff_id,))
        return changed == 1

    async def idle_since(self, before: datetime) -> list[Idle]:
        return await _idle(self._db, "prompts", before)


async def _idle(db: Statements, table: str, before: datetime) -> list[Idle]:
    rows = await db.fetch_all(
        f"SELECT staff_id, chat_id, updated_at FROM {table} WHERE updated_at <= ?",
        (to_epoch(before),),
    )
    return [Idle(row["staff_id"], row["chat_id"], from_epoch(row["updated_at"])) for row in rows]
