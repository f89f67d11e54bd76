"""Counting the timeline for the rates (`casework.metrics` holds the formulas).

Every query starts from an index: handoffs and acceptances by the deadline they set
(`issue_events_by_deadline`), other steps by kind and time (`issue_events_by_kind_and_time`),
and the step that ended a handoff or an acceptance through `issue_events_by_issue`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

import aiosqlite

from casework.metrics import DepartmentCounts, PersonLoad
from storage.sqlite.database import to_epoch

_HANDOFFS = "('submitted', 'rerouted', 'transferred')"

_RESPONSES = f"""
SELECT h.department AS department,
       count(*) AS due,
       total(x.kind = 'withdrawn' AND x.at <= h.due_at) AS withdrawn_early,
       total(x.kind IN ('accepted', 'returned', 'transferred') AND x.at <= h.due_at) AS in_time
FROM issue_events h
LEFT JOIN issue_events x ON x.id = (
    SELECT y.id FROM issue_events y
    WHERE y.issue_id = h.issue_id AND y.id > h.id
      AND y.kind IN ('accepted', 'returned', 'transferred', 'withdrawn')
    ORDER BY y.id LIMIT 1)
WHERE h.kind IN {_HANDOFFS} AND h.due_at >= :start AND h.due_at < :end
GROUP BY h.department
"""

_RESOLUTIONS = """
SELECT a.department AS department,
       count(*) AS due,
       total(x.kind IN ('transferred', 'withdrawn') AND x.at <= a.due_at) AS moved_early,
       total(x.kind = 'resolved' AND x.at <= a.due_at) AS in_time
FROM issue_events a
LEFT JOIN issue_events x ON x.id = (
    SELECT y.id FROM issue_events y
    WHERE y.issue_id = a.issue_id AND y.id > a.id
      AND y.kind IN ('resolved', 'transferred', 'withdrawn')
    ORDER BY y.id LIMIT 1)
WHERE a.kind IN ('accepted', 'reopened') AND a.due_at >= :start AND a.due_at < :end
GROUP BY a.department
"""

_ACCEPTED_COHORT = """
SELECT a.department AS department,
       count(*) AS accepted,
       total(EXISTS (SELECT 1 FROM issue_events c
                     WHERE c.issue_id = a.issue_id AND c.id > a.id
                       AND c.kind = 'confirmed' AND c.department = a.department)) AS closed
FROM issue_events a
WHERE a.kind = 'accepted' AND a.at >= :start AND a.at < :end
GROUP BY a.department
"""

_CALLBACKS = """
SELECT department, verdict, count(*) AS n FROM (
    SELECT department, verdict,
           row_number() OVER (PARTITION BY issue_id ORDER BY id DESC) AS newest
    FROM issue_events WHERE kind = 'callback' AND at >= :start AND at < :end)
WHERE newest = 1
GROUP BY department, verdict
"""

_STEPS = """
SELECT department, kind, count(*) AS n FROM issue_events
WHERE kind IN ('reopened', 'resolved', 'returned', 'praise', 'submitted', 'rerouted', 'transferred')
  AND at >= :start AND at < :end
GROUP BY department, kind
"""

_TO_ACCEPT = f"""
SELECT a.department AS department,
       a.at - (SELECT h.at FROM issue_events h
               WHERE h.issue_id = a.issue_id AND h.id < a.id AND h.kind IN {_HANDOFFS}
               ORDER BY h.id DESC LIMIT 1) AS seconds
FROM issue_events a
WHERE a.kind = 'accepted' AND a.at >= :start AND a.at < :end
"""

_TO_RESOLVE = """
SELECT r.department AS department,
       r.at - (SELECT a.at FROM issue_events a
               WHERE a.issue_id = r.issue_id AND a.id < r.id AND a.kind IN ('accepted', 'reopened')
               ORDER BY a.id DESC LIMIT 1) AS seconds
FROM issue_events r
WHERE r.kind = 'resolved' AND r.at >= :start AND r.at < :end
"""

_OPEN_NOW = """
SELECT department,
       count(*) AS open,
       total((status = 'pending' AND respond_by < :now)
             OR (status = 'accepted' AND resolve_by < :now)) AS overdue
FROM issues WHERE status IN ('pending', 'accepted')
GROUP BY department
"""

_HELD = """
SELECT assignee_id AS staff_id, count(*) AS n FROM issues
WHERE status = 'accepted' AND assignee_id IS NOT NULL
GROUP BY assignee_id
"""

_CLOSED_BY = """
SELECT i.assignee_id AS staff_id, count(*) AS n
FROM issue_events c JOIN issues i ON i.id = c.issue_id
WHERE c.kind = 'confirmed' AND c.at >= :start AND c.at < :end AND i.assignee_id IS NOT NULL
GROUP BY i.assignee_id
"""

_STEP_FIELDS = {
    "reopened": "reopened",
    "resolved": "resolved",
    "returned": "returned",
    "praise": "praise",
    "submitted": "received",
    "rerouted": "received",
    "transferred": "received",
}
_VERDICT_FIELDS = {
    "satisfied": "satisfied",
    "basically_satisfied": "basically_satisfied",
    "dissatisfied": "dissatisfied",
    "unreachable": "unreachable",
}


class SqliteMetrics:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def counts(
        self, departments: list[str], start: datetime, end: datetime, now: datetime
    ) -> list[DepartmentCounts]:
        """Every department's counts for the period, in the order given (zeros included)."""
        found = {code: DepartmentCounts(code) for code in departments}

        def of(code: str) -> DepartmentCounts:
            return found.setdefault(code, DepartmentCounts(code))

        period = {"start": to_epoch(start), "end": to_epoch(end)}
        for row in await self._rows(_RESPONSES, period):
            counts = of(row["department"])
            counts.handoffs_due = row["due"]
            counts.withdrawn_before_due = int(row["withdrawn_early"])
            counts.answered_in_time = int(row["in_time"])
        for row in await self._rows(_RESOLUTIONS, period):
            counts = of(row["department"])
            counts.resolutions_due = row["due"]
            counts.transferred_before_due = int(row["moved_early"])
            counts.resolved_in_time = int(row["in_time"])
        for row in await self._rows(_ACCEPTED_COHORT, period):
            counts = of(row["department"])
            counts.accepted = row["accepted"]
            counts.accepted_then_closed = int(row["closed"])
        for row in await self._rows(_CALLBACKS, period):
            counts = of(row["department"])
            name = _VERDICT_FIELDS[row["verdict"]]
            setattr(counts, name, getattr(counts, name) + row["n"])
        for row in await self._rows(_STEPS, period):
            counts = of(row["department"])
            name = _STEP_FIELDS[row["kind"]]
            setattr(counts, name, getattr(counts, name) + row["n"])
        for row in await self._rows(_TO_ACCEPT, period):
            if row["seconds"] is not None:
                of(row["department"]).accept_seconds.append(row["seconds"])
        for row in await self._rows(_TO_RESOLVE, period):
            if row["seconds"] is not None:
                of(row["department"]).resolve_seconds.append(row["seconds"])
        for row in await self._rows(_OPEN_NOW, {"now": to_epoch(now)}):
            counts = of(row["department"])
            counts.open_now = row["open"]
            counts.overdue_now = int(row["overdue"])
        ordered = [found[code] for code in departments]
        return ordered + [c for code, c in found.items() if code not in departments]

    async def workload(self, start: datetime, end: datetime) -> list[PersonLoad]:
        """Per active member and head: issues held now, and issues closed in the period."""
        held: defaultdict[int, int] = defaultdict(int)
        closed: defaultdict[int, int] = defaultdict(int)
        for row in await self._rows(_HELD, {}):
            held[row["staff_id"]] = row["n"]
        period = {"start": to_epoch(start), "end": to_epoch(end)}
        for row in await self._rows(_CLOSED_BY, period):
            closed[row["staff_id"]] = row["n"]
        people = await self._rows(
            "SELECT id, name, department FROM staff"
            " WHERE active = 1 AND role IN ('member', 'head') ORDER BY department, name, id",
            {},
        )
        return [
            PersonLoad(row["id"], row["name"], row["department"], held[row["id"]],
                       closed[row["id"]])
            for row in people
        ]  # fmt: skip

    async def _rows(self, sql: str, params: Mapping[str, object]) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())
