"""Issues and their timelines as rows for spreadsheets, read in batches.

Each batch goes on along the created-at index from where the last one ended, the issues in the
order they were logged (ties by id), so an export reads only its period, once, with no sorting:
the index is entered at the cursor's created_at (`created_at >= from_at`, the later of the two: SQLite does
not seek on the row value by itself), and `(created_at, id) > cursor` settles ties by id, which
the index holds after created_at.
"""

from __future__ import annotations

import json
from datetime import datetime

from casework.issues import EventKind, IssueKind, Status
from casework.ports import EventPage, ExportCursor, ExportEvent, ExportIssue, RunningExport
from storage.epochs import from_epoch, maybe_from_epoch, to_epoch
from storage.repositories.sql import literal, literals
from storage.statements import Dialect, Statements

# An issue's result stands while it is resolved or closed; reopened, it is being worked on again
# (the earlier result is on its timeline).
_RESULT_STANDS = literals(Status.RESOLVED, Status.CLOSED)
_ANSWERED = literals(EventKind.ACCEPTED, EventKind.RETURNED)  # the steps that end a wait

_IN_BATCH = f"""
i.created_at >= :from_at AND i.created_at < :end
  AND (i.created_at, i.id) > (:after_at, :after_id)
  AND (CAST(:department AS TEXT) IS NULL OR i.department = :department)
  AND (CAST(:hidden_from AS BIGINT) IS NULL OR i.issue_kind = {literal(IssueKind.CASE)}
       OR coalesce(i.subject_id, 0) != :hidden_from)  -- never a complaint about the reader
"""

# How many rows an export holds: its issues, and each one's steps (a range of the timeline's
# index per issue). The period's first issue is counted too: `after_id` 0 is before any id.
_ROWS = f"""
SELECT count(*) + coalesce(sum((SELECT count(*) FROM issue_events e INDEXED BY issue_events_by_issue
                                WHERE e.issue_id = i.id)), 0)
FROM issues i INDEXED BY issues_by_creation
WHERE {_IN_BATCH}
"""


def _issues_sql(d: Dialect) -> str:
    return f"""
SELECT i.id, i.number, i.status, i.category, i.department, i.urgent, i.source, i.description,
       i.address, i.latitude, i.longitude, i.citizen_name, i.citizen_phone,
       r.name AS reporter, h.name AS handler, i.created_at,
       -- An issue keeps its time to accept only while it waits: once accepted or returned,
       -- the step that ended the wait holds it (spell_due_at), and the sheet shows it still.
       coalesce(i.respond_by, (
           SELECT e.spell_due_at FROM issue_events e INDEXED BY issue_events_by_issue
           WHERE e.issue_id = i.id AND e.kind IN {_ANSWERED}
           ORDER BY e.id DESC LIMIT 1
       )) AS respond_by,
       i.resolve_by,
       i.reopen_count, i.callback, i.issue_kind, s.name AS subject,
       CASE WHEN i.status IN {_RESULT_STANDS} THEN i.resolution END AS resolution,
       CASE WHEN i.status IN {_RESULT_STANDS} THEN i.resolved_at END AS resolved_at,
       CASE WHEN i.status IN {_RESULT_STANDS}
            THEN {d.json_length("i.resolution_photos")} ELSE 0 END AS resolution_photos
FROM issues i INDEXED BY issues_by_creation
LEFT JOIN staff r ON r.id = i.reporter_id
LEFT JOIN staff h ON h.id = i.assignee_id
LEFT JOIN staff s ON s.id = i.subject_id
WHERE {_IN_BATCH}
ORDER BY i.created_at, i.id LIMIT :limit
"""


_ISSUE_IDS = f"""
SELECT i.id, i.created_at FROM issues i INDEXED BY issues_by_creation
WHERE {_IN_BATCH}
ORDER BY i.created_at, i.id LIMIT :limit
"""


def _events_sql(d: Dialect) -> str:
    return f"""
SELECT e.id, i.number, e.at, a.name AS actor, e.kind, e.department, e.text, e.verdict,
       {d.json_length("e.photos")} AS photos
FROM {d.numbered(":ids")} AS batch
JOIN issues i ON i.id = batch.value
JOIN issue_events e ON e.issue_id = i.id
LEFT JOIN staff a ON a.id = e.actor_id
ORDER BY batch.key, e.id
"""


class SqlExports:
    def __init__(self, db: Statements) -> None:
        self._db = db
        self._issues = _issues_sql(db.dialect)
        self._events = _events_sql(db.dialect)

    async def issues(
        self,
        start: datetime,
        end: datetime,
        department: str | None,
        after: ExportCursor | None,
        limit: int,
        hidden_from: int | None = None,
    ) -> list[ExportIssue]:
        """Issues logged in the period (of one department, or all), after the cursor."""
        params = _params(start, end, department, after, limit, hidden_from)
        rows = await self._db.fetch_all(self._issues, params)
        return [
            ExportIssue(
                id=row["id"],
                number=row["number"],
                status=row["status"],
                category=row["category"],
                department=row["department"],
                urgent=bool(row["urgent"]),
                source=row["source"],
                description=row["description"],
                address=row["address"],
                latitude=row["latitude"],
                longitude=row["longitude"],
                citizen_name=row["citizen_name"],
                citizen_phone=row["citizen_phone"],
                reporter=row["reporter"],
                handler=row["handler"],
                created_at=from_epoch(row["created_at"]),
                respond_by=maybe_from_epoch(row["respond_by"]),
                resolve_by=maybe_from_epoch(row["resolve_by"]),
                reopen_count=row["reopen_count"],
                callback=row["callback"],
                resolution=row["resolution"],
                resolved_at=maybe_from_epoch(row["resolved_at"]),
                resolution_photos=row["resolution_photos"],
                complaint=row["issue_kind"] == IssueKind.COMPLAINT,
                subject=row["subject"],
            )
            for row in rows
        ]

    async def rows(
        self, start: datetime, end: datetime, department: str | None, hidden_from: int | None
    ) -> int:
        params = _params(start, end, department, None, 0, hidden_from)
        params["after_at"] = to_epoch(start) - 1  # (created_at, id) > (start - 1, 0): all of them
        params["from_at"] = to_epoch(start)
        row = await self._db.fetch_one(_ROWS, params)
        return int(row[0]) if row else 0

    async def events(
        self,
        start: datetime,
        end: datetime,
        department: str | None,
        after: ExportCursor | None,
        limit: int,
        hidden_from: int | None = None,
    ) -> EventPage:
        """The timelines of the next `limit` issues logged in the period after the cursor."""
        ids = await self._db.fetch_all(
            _ISSUE_IDS, _params(start, end, department, after, limit, hidden_from)
        )
        if not ids:
            return EventPage([], None)
        batch = json.dumps([row["id"] for row in ids])
        rows = await self._db.fetch_all(self._events, {"ids": batch})
        events = [
            ExportEvent(
                id=row["id"],
                number=row["number"],
                at=from_epoch(row["at"]),
                actor=row["actor"],
                kind=row["kind"],
                department=row["department"],
                text=row["text"],
                verdict=row["verdict"],
                photos=row["photos"],
            )
            for row in rows
        ]
        if len(ids) < limit:
            return EventPage(events, None)
        return EventPage(events, ExportCursor(from_epoch(ids[-1]["created_at"]), ids[-1]["id"]))


def _params(
    start: datetime,
    end: datetime,
    department: str | None,
    after: ExportCursor | None,
    limit: int,
    hidden_from: int | None = None,
) -> dict[str, object]:
    after_at = to_epoch(after.created_at) if after else to_epoch(start)
    return {
        "hidden_from": hidden_from,
        "from_at": max(to_epoch(start), after_at),
        "end": to_epoch(end),
        "department": department,
        "after_at": after_at,
        "after_id": after.issue_id if after else 0,
        "limit": limit,
    }


class SqlRunningExports:
    """Exports being built, on record (migration 0014)."""

    def __init__(self, db: Statements) -> None:
        self._db = db

    async def start(self, export: RunningExport, now: datetime) -> str | None:
        row = await self._db.fetch_one(
            "INSERT INTO exports_running (staff_id, chat_id, period, requested_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (staff_id) DO NOTHING RETURNING staff_id",
            (export.staff_id, export.chat_id, export.period, to_epoch(now)),
        )
        if row is not None:
            return None
        building = await self._db.fetch_one(
            "SELECT period FROM exports_running WHERE staff_id = ?", (export.staff_id,)
        )
        return building["period"] if building is not None else ""

    async def end(self, staff_id: int) -> None:
        await self._db.execute("DELETE FROM exports_running WHERE staff_id = ?", (staff_id,))

    async def take_all(self) -> list[RunningExport]:
        rows = await self._db.fetch_all(
            "DELETE FROM exports_running RETURNING staff_id, chat_id, period"
        )
        return [RunningExport(row["staff_id"], row["chat_id"], row["period"]) for row in rows]
