"""The timeline: every step and note of an issue, appended and never changed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from casework.issues import Contact, Event, EventKind, Solved, Spell, Verdict, WithdrawReason
from casework.retention import BlankedEvent
from storage.epochs import from_epoch, maybe_from_epoch, to_epoch
from storage.repositories.sql import literals
from storage.statements import Row, Statements

_COLUMNS = (
    "id, issue_id, at, actor_id, kind, department, text, photos, target_id, withdraw_reason,"
    " on_behalf, due_at, verdict, spell, spell_started_at, spell_due_at, spell_department,"
    " contacted, solved"
)
# What happens beside an issue's steps, not one of them.
_ASIDE = literals(
    EventKind.NOTE,
    EventKind.ASSIST_ADDED,
    EventKind.REDACTED,
    EventKind.REPEAT_CALL,
    EventKind.FLAGGED,
    EventKind.DUPLICATE,
    EventKind.DUPLICATE_CALLBACK,
)


def _event(row: Row) -> Event:
    return Event(
        id=row["id"],
        issue_id=row["issue_id"],
        kind=EventKind(row["kind"]),
        actor_id=row["actor_id"],
        at=from_epoch(row["at"]),
        department=row["department"],
        text=row["text"],
        photos=tuple(json.loads(row["photos"])),
        target_id=row["target_id"],
        withdraw_reason=WithdrawReason(row["withdraw_reason"]) if row["withdraw_reason"] else None,
        on_behalf=bool(row["on_behalf"]),
        due_at=maybe_from_epoch(row["due_at"]),
        verdict=Verdict(row["verdict"]) if row["verdict"] else None,
        contacted=Contact(row["contacted"]) if row["contacted"] else None,
        solved=Solved(row["solved"]) if row["solved"] else None,
        spell=Spell(row["spell"]) if row["spell"] else None,
        spell_started_at=maybe_from_epoch(row["spell_started_at"]),
        spell_due_at=maybe_from_epoch(row["spell_due_at"]),
        spell_department=row["spell_department"],
    )


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else to_epoch(moment)


class SqlTimeline:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def append(self, issue_id: int, event: Event) -> Event:
        row = await self._db.fetch_one(
            "INSERT INTO issue_events (issue_id, at, actor_id, kind, department, text, photos,"
            " target_id, withdraw_reason, on_behalf, due_at, verdict, spell, spell_started_at,"
            " spell_due_at, spell_department, contacted, solved)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            f" RETURNING {_COLUMNS}",
            (
                issue_id,
                to_epoch(event.at),
                event.actor_id,
                event.kind.value,
                event.department,
                event.text,
                json.dumps(list(event.photos)),
                event.target_id,
                event.withdraw_reason.value if event.withdraw_reason else None,
                int(event.on_behalf),
                _epoch(event.due_at),
                event.verdict.value if event.verdict else None,
                event.spell.value if event.spell else None,
                _epoch(event.spell_started_at),
                _epoch(event.spell_due_at),
                event.spell_department,
                event.contacted.value if event.contacted else None,
                event.solved.value if event.solved else None,
            ),
        )
        assert row is not None
        return _event(row)

    async def of_issue(self, issue_id: int) -> list[Event]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM issue_events WHERE issue_id = ? ORDER BY id",
            (issue_id,),
        )
        return [_event(row) for row in rows]

    async def get(self, event_id: int) -> Event | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM issue_events WHERE id = ?", (event_id,)
        )
        return None if row is None else _event(row)

    async def latest_step(self, issue_id: int) -> Event | None:
        """The last event that moved the issue on (notes, assisting and redactions aside)."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM issue_events WHERE issue_id = ?"
            f" AND kind NOT IN {_ASIDE} ORDER BY id DESC LIMIT 1",
            (issue_id,),
        )
        return None if row is None else _event(row)

    async def flagged(self, start: datetime, end: datetime, limit: int) -> list[str]:
        # One range of the index on (kind, at), then each issue by its key: a handful a week.
        rows = await self._db.fetch_all(
            "SELECT i.number FROM issue_events e INDEXED BY issue_events_by_kind_and_time"
            " JOIN issues i ON i.id = e.issue_id"
            " WHERE e.kind = ? AND e.at >= ? AND e.at < ? ORDER BY e.at DESC, e.id DESC LIMIT ?",
            (EventKind.FLAGGED.value, to_epoch(start), to_epoch(end), limit),
        )
        return [row[0] for row in rows]

    async def redact(self, blanked: Sequence[BlankedEvent], now: datetime) -> None:
        # The trigger of migration 0013 allows exactly this change, once per step.
        await self._db.execute_many(
            "UPDATE issue_events SET text = ?, photos = '[]', redacted_at = ?"
            " WHERE id = ? AND redacted_at IS NULL",
            [(b.text, to_epoch(now), b.event_id) for b in blanked],
        )
