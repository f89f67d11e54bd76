"""Issues and their timelines as rows for spreadsheets, read in batches (by id).

Each batch walks the issues table from where the last one ended (`id > ?`), in id order, so a
year's export reads the table once. (`+i.created_at` keeps SQLite from choosing the
created-at index instead, which would sort the whole period again for every batch.)
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from casework.ports import EventPage, ExportEvent, ExportIssue
from storage.sqlite.database import fetch_all, from_epoch, maybe_from_epoch, to_epoch

_ISSUES = """
SELECT i.id, i.number, i.status, i.category, i.department, i.urgent, i.source, i.description,
       i.address, i.latitude, i.longitude, i.citizen_name, i.citizen_phone,
       r.name AS reporter, h.name AS handler, i.created_at, i.respond_by, i.resolve_by,
       i.reopen_count, i.callback
FROM issues i
LEFT JOIN staff r ON r.id = i.reporter_id
LEFT JOIN staff h ON h.id = i.assignee_id
WHERE i.id > :after AND +i.created_at >= :start AND +i.created_at < :end
  AND (:department IS NULL OR i.department = :department)
ORDER BY i.id LIMIT :limit
"""

_ISSUE_IDS = """
SELECT i.id FROM issues i
WHERE i.id > :after AND +i.created_at >= :start AND +i.created_at < :end
  AND (:department IS NULL OR i.department = :department)
ORDER BY i.id LIMIT :limit
"""

_EVENTS = """
SELECT e.id, i.number, e.at, a.name AS actor, e.kind, e.department, e.text, e.verdict
FROM issues i
JOIN issue_events e ON e.issue_id = i.id
LEFT JOIN staff a ON a.id = e.actor_id
WHERE i.id > :after AND i.id <= :last AND +i.created_at >= :start AND +i.created_at < :end
  AND (:department IS NULL OR i.department = :department)
ORDER BY i.id, e.id
"""


class SqliteExports:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def issues(
        self, start: datetime, end: datetime, department: str | None, after_id: int, limit: int
    ) -> list[ExportIssue]:
        """Issues logged in the period (of one department, or all), after `after_id`."""
        params = _params(start, end, department, after_id, limit)
        rows = await fetch_all(self._conn, _ISSUES, params)
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
            )
            for row in rows
        ]

    async def events(
        self, start: datetime, end: datetime, department: str | None, after_id: int, limit: int
    ) -> EventPage:
        """The timelines of the next `limit` issues logged in the period after `after_id`."""
        params = _params(start, end, department, after_id, limit)
        ids = await fetch_all(self._conn, _ISSUE_IDS, params)
        if not ids:
            return EventPage([], None)
        last = ids[-1]["id"]
        rows = await fetch_all(self._conn, _EVENTS, params | {"last": last})
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
            )
            for row in rows
        ]
        return EventPage(events, last)


def _params(
    start: datetime, end: datetime, department: str | None, after_id: int, limit: int
) -> dict[str, object]:
    return {
        "start": to_epoch(start),
        "end": to_epoch(end),
        "department": department,
        "after": after_id,
        "limit": limit,
    }
