"""Counting the timeline for the rates (`casework.metrics` holds the formulas).

Each query reads one range of an index: waits by the deadline they set
(`issue_events_by_deadline`), how they ended by that same deadline (`issue_events_by_spell`:
every step that ends a wait keeps the wait's start, deadline and department), and steps by kind
and time (`issue_events_by_kind_and_time`). Most of them never read the table; how waits ended
does, for a withdrawal's reason (a duplicate's ends its wait in time, issue 19), which that
index does not hold. These queries count only the pieces of days at a period's ends (the
daily figures hold the rest): a few hours of steps, read in well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from casework.issues import (
    Contact,
    EventKind,
    IssueKind,
    Solved,
    Spell,
    Status,
    Verdict,
    WithdrawReason,
)
from casework.metrics import (
    CLOSED_BY,
    COMPLAINED_OF,
    CONTACT_FIELDS,
    DISTRICT,
    MEASURES,
    PER_PERSON,
    PRAISED,
    RESOLVED_BY,
    SOLVED_FIELDS,
    DayCounts,
    DepartmentCounts,
    Held,
    PersonCounts,
    PersonLoad,
    Tally,
    person_of,
)
from casework.roles import Role
from storage.epochs import to_epoch
from storage.repositories.issues import HELD_NOW
from storage.repositories.sql import literal, literals
from storage.statements import Row, Statements

# Every kind, status and role below comes from casework's enums (storage/repositories/sql.py).
_HANDOFFS = (EventKind.SUBMITTED, EventKind.REROUTED, EventKind.TRANSFERRED)
_ANSWERS = (EventKind.ACCEPTED, EventKind.RETURNED, EventKind.TRANSFERRED)  # a handoff answered
_STARTS_RESOLVING = (EventKind.ACCEPTED, EventKind.REOPENED)
_PENDING, _ACCEPTED = literal(Status.PENDING), literal(Status.ACCEPTED)

# Waits whose deadline fell in the period: handoffs (to respond) and acceptances (to resolve).
_DUE = f"""
SELECT department,
       count(*) FILTER (WHERE kind IN {literals(*_HANDOFFS)}) AS responses_due,
       count(*) FILTER (WHERE kind IN {literals(*_STARTS_RESOLVING)}) AS resolutions_due
FROM issue_events INDEXED BY issue_events_by_deadline
WHERE kind IN {literals(*_HANDOFFS, *_STARTS_RESOLVING)}
  AND due_at >= :start AND due_at < :end
GROUP BY department
"""

# How those waits ended, counted from the steps that ended them (each keeps its wait's deadline).
_RESPONSE, _RESOLUTION = literal(Spell.RESPONSE), literal(Spell.RESOLUTION)
# Withdrawn as a duplicate: ended in time however late (casework/metrics.py `_DUPLICATE_ENDS`).
_DUPLICATE = literal(WithdrawReason.DUPLICATE)
_ENDED = f"""
SELECT spell_department AS department,
       count(*) FILTER (WHERE spell = {_RESPONSE} AND kind IN {literals(*_ANSWERS)}
             AND at <= spell_due_at) AS answered_in_time,
       count(*) FILTER (WHERE spell = {_RESPONSE} AND kind = {literal(EventKind.WITHDRAWN)}
             AND (at <= spell_due_at OR withdraw_reason = {_DUPLICATE})) AS withdrawn_early,
       count(*) FILTER (WHERE spell = {_RESOLUTION} AND kind = {literal(EventKind.RESOLVED)}
             AND at <= spell_due_at) AS resolved_in_time,
       count(*) FILTER (WHERE spell = {_RESOLUTION}
             AND (kind = {literal(EventKind.TRANSFERRED)} AND at <= spell_due_at
                  OR kind = {literal(EventKind.WITHDRAWN)} AND withdraw_reason = {_DUPLICATE})
            ) AS moved_early
FROM issue_events INDEXED BY issue_events_by_spell
WHERE spell IN ({_RESPONSE}, {_RESOLUTION}) AND spell_due_at >= :start AND spell_due_at < :end
GROUP BY spell_department
"""

# The steps counted one by one in the period, and the field of `DepartmentCounts` each adds to
# (call-backs add to their verdict's).
_STEP_FIELDS = {
    EventKind.REOPENED: "reopened",
    EventKind.RESOLVED: "resolved",
    EventKind.RETURNED: "returned",
    EventKind.PRAISE: "praise",
    EventKind.CONFIRMED: "closed",
    EventKind.ACCEPTED: "accepted",
    EventKind.SUBMITTED: "received",
    EventKind.REROUTED: "received",
    EventKind.TRANSFERRED: "received",
    EventKind.REPEAT_CALL: "repeat_calls",
    EventKind.DUPLICATE: "duplicates",
}
_VERDICT_FIELDS = {
    Verdict.SATISFIED: "satisfied",
    Verdict.BASICALLY_SATISFIED: "basically_satisfied",
    Verdict.DISSATISFIED: "dissatisfied",
    Verdict.UNREACHABLE: "unreachable",
}

# Steps in the period, by department.
_STEPS = f"""
SELECT department, kind, count(*) AS n
FROM issue_events INDEXED BY issue_events_by_kind_and_time
WHERE kind IN {literals(*_STEP_FIELDS)}
  AND at >= :start AND at < :end
GROUP BY department, kind
"""

# Call-backs in the period, by department and answers: one range of the partial index
# issue_events_callback_answers (0021), whose condition this repeats word for word.
_CALLBACKS = f"""
SELECT department, verdict, contacted, solved, count(*) AS n
FROM issue_events INDEXED BY issue_events_callback_answers
WHERE kind = {literal(EventKind.CALLBACK)}
  AND at >= :start AND at < :end
GROUP BY department, verdict, contacted, solved
"""

# Acceptances in the period that were confirmed closed before any later acceptance: as the
# daily tallies count them (at the first confirmation; a later reopening does not undo it).
_ACCEPTED_CLOSED = f"""
SELECT a.department AS department, count(*) AS closed
FROM issue_events a INDEXED BY issue_events_by_kind_and_time
WHERE a.kind = {literal(EventKind.ACCEPTED)} AND a.at >= :start AND a.at < :end
  AND EXISTS (
    SELECT 1 FROM issue_events c INDEXED BY issue_events_by_issue
    WHERE c.issue_id = a.issue_id AND c.id > a.id AND c.kind = {literal(EventKind.CONFIRMED)}
      AND NOT EXISTS (
        SELECT 1 FROM issue_events b INDEXED BY issue_events_by_issue
        WHERE b.issue_id = a.issue_id AND b.id > a.id AND b.id < c.id
          AND b.kind = {literal(EventKind.ACCEPTED)}))
GROUP BY a.department
"""

# Acceptances in the period of issues then merged into another (withdrawn as a duplicate) while
# accepted: with no acceptance, closing or transfer between. As the daily tallies take them off
# the acceptances (casework/metrics.py `_merged_while_accepted`): the problem counts once.
_ACCEPTED_MERGED = f"""
SELECT a.department AS department, count(*) AS merged
FROM issue_events a INDEXED BY issue_events_by_kind_and_time
WHERE a.kind = {literal(EventKind.ACCEPTED)} AND a.at >= :start AND a.at < :end
  AND EXISTS (
    SELECT 1 FROM issue_events w INDEXED BY issue_events_by_issue
    WHERE w.issue_id = a.issue_id AND w.id > a.id AND w.kind = {literal(EventKind.WITHDRAWN)}
      AND w.withdraw_reason = {_DUPLICATE}
      AND NOT EXISTS (
        SELECT 1 FROM issue_events b INDEXED BY issue_events_by_issue
        WHERE b.issue_id = a.issue_id AND b.id > a.id AND b.id < w.id
          AND b.kind IN {literals(EventKind.ACCEPTED, EventKind.CONFIRMED, EventKind.TRANSFERRED)}))
GROUP BY a.department
"""

# The figures of whole days: the whole months among them from monthly_figures (0029, kept by
# triggers), the days before and after those from daily_figures (`_whole_months`).
_FIGURES = """
SELECT department, measure, value FROM monthly_figures
WHERE month >= :first_month AND month < :end_month
UNION ALL
SELECT department, measure, value FROM daily_figures WHERE day >= :head_from AND day < :head_to
UNION ALL
SELECT department, measure, value FROM daily_figures WHERE day >= :tail_from AND day < :tail_to
"""


# As `_FIGURES`, day by day, a whole month as its first day.
_BY_DAY = """
SELECT month || '-01' AS day, department, measure, value FROM monthly_figures
WHERE month >= :first_month AND month < :end_month
UNION ALL
SELECT day, department, measure, value FROM daily_figures WHERE day >= :head_from AND day < :head_to
UNION ALL
SELECT day, department, measure, value FROM daily_figures WHERE day >= :tail_from AND day < :tail_to
"""


def _whole_months(first_day: date, end_day: date) -> dict[str, str]:
    """[first_day, end_day) as the whole months within it and the days before and after them
    (`_FIGURES`' parameters; an empty range is from a day to the same day)."""
    first_month = first_day if first_day.day == 1 else _next_month(first_day)
    end_month = end_day.replace(day=1)
    if first_month >= end_month:  # no whole month: days alone
        first_month = end_month = first_day
        head_to = tail_from = end_day
    else:
        head_to, tail_from = first_month, end_month
    return {
        "first_month": first_month.isoformat()[:7],
        "end_month": end_month.isoformat()[:7],
        "head_from": first_day.isoformat(),
        "head_to": head_to.isoformat(),
        "tail_from": tail_from.isoformat(),
        "tail_to": end_day.isoformat(),
    }


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


# The kinds in the order of the condition of the partial index issue_events_waits (0011).
_WAITS = f"""
SELECT department, kind, {{joined}} AS seconds
FROM issue_events INDEXED BY issue_events_waits
WHERE department IN (SELECT code FROM departments  -- a seek per department, with no statistics
                     WHERE CAST(:department AS TEXT) IS NULL OR code = :department)  -- a head's: theirs
  AND kind IN {literals(EventKind.ACCEPTED, EventKind.RESOLVED)} AND spell_started_at IS NOT NULL
  AND at >= :start AND at < :end
GROUP BY department, kind
"""

_OPEN_NOW = f"""
SELECT department,
       count(*) AS open,
       count(*) FILTER (WHERE (status = {_PENDING} AND respond_by < :now)
             OR (status = {_ACCEPTED} AND resolve_by < :now)) AS overdue
FROM issues WHERE status IN ({_PENDING}, {_ACCEPTED})
  AND (CAST(:hidden_from AS BIGINT) IS NULL OR issue_kind = {literal(IssueKind.CASE)}
       OR coalesce(subject_id, 0) != :hidden_from)  -- never a complaint about the reader
GROUP BY department
"""

# What each person holds now and how much of it is overdue: the partial index
# issues_held_open (0018) alone, which holds only the issues in progress with someone assigned.
_HELD = f"""
SELECT assignee_id AS staff_id, count(*) AS n, count(*) FILTER (WHERE resolve_by < :now) AS overdue
FROM issues INDEXED BY issues_held_open
WHERE {HELD_NOW}
GROUP BY assignee_id
"""

# Each confirmation credited to whoever was assigned then (the latest acceptance or
# assignment before it names them), as the daily tallies credit it.
_CLOSED_BY = f"""
SELECT h.target_id AS staff_id, count(*) AS n
FROM issue_events c
JOIN issue_events h ON h.id = (
    SELECT max(x.id) FROM issue_events x INDEXED BY issue_events_by_issue
    WHERE x.issue_id = c.issue_id AND x.id < c.id
      AND x.kind IN {literals(EventKind.ACCEPTED, EventKind.ASSIGNED)})
WHERE c.kind = {literal(EventKind.CONFIRMED)} AND c.at >= :start AND c.at < :end
  AND h.target_id IS NOT NULL
GROUP BY h.target_id
"""

# Complaints handed to each department in the period (logged about it, or re-routed to it).
_COMPLAINTS = f"""
SELECT e.department AS department, count(*) AS n
FROM issue_events e INDEXED BY issue_events_by_kind_and_time
JOIN issues i ON i.id = e.issue_id
WHERE e.kind IN {literals(EventKind.SUBMITTED, EventKind.REROUTED)}
  AND e.at >= :start AND e.at < :end AND i.issue_kind = {literal(IssueKind.COMPLAINT)}
GROUP BY e.department
"""

# Per person, as the daily tallies count them: resolutions credited to whoever was assigned
# then (as closings are), complaints naming them when logged, praise of them.
_RESOLVED_BY = _CLOSED_BY.replace(
    f"c.kind = {literal(EventKind.CONFIRMED)}", f"c.kind = {literal(EventKind.RESOLVED)}"
)
_COMPLAINED_OF = f"""
SELECT i.subject_id AS staff_id, count(*) AS n
FROM issue_events e INDEXED BY issue_events_by_kind_and_time
JOIN issues i ON i.id = e.issue_id
WHERE e.kind = {literal(EventKind.SUBMITTED)} AND e.at >= :start AND e.at < :end
  AND i.issue_kind = {literal(IssueKind.COMPLAINT)} AND i.subject_id IS NOT NULL
GROUP BY i.subject_id
"""
_PRAISED = f"""
SELECT target_id AS staff_id, count(*) AS n
FROM issue_events INDEXED BY issue_events_by_kind_and_time
WHERE kind = {literal(EventKind.PRAISE)} AND at >= :start AND at < :end
  AND target_id IS NOT NULL
GROUP BY target_id
"""

_PEOPLE = f"""
SELECT id, name, department FROM staff
WHERE active = 1 AND role IN {literals(Role.MEMBER, Role.HEAD)}
ORDER BY department, name, id
"""


class SqlMetrics:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def tally(self, tallies: Sequence[Tally]) -> None:
        """Add to the daily figures (in the transaction of the step that causes them)."""
        await self._db.execute_many(
            "INSERT INTO daily_figures (day, department, measure, value) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (day, department, measure)"
            " DO UPDATE SET value = daily_figures.value + excluded.value",
            [(t.day.isoformat(), t.department, t.measure, t.delta) for t in tallies],
        )

    async def daily(self, first_day: date, end_day: date) -> list[DepartmentCounts]:
        """The daily figures of whole days, added up per department (from the first day to the
        one before `end_day`)."""
        found: dict[str, DepartmentCounts] = {}
        rows = await self._db.fetch_all(
            "SELECT department, measure, sum(value) AS value"
            f" FROM ({_FIGURES}) AS figures WHERE measure NOT LIKE '%:%' GROUP BY department, measure",
            _whole_months(first_day, end_day),
        )
        for row in rows:
            if row["measure"] in MEASURES:
                counts = found.setdefault(row["department"], DepartmentCounts(row["department"]))
                setattr(counts, row["measure"], row["value"])
        return list(found.values())

    async def daily_by_day(
        self, first_day: date, end_day: date, department: str, months: bool = False
    ) -> list[DayCounts]:
        """The daily figures of whole days, day by day: one department's, and the whole
        district's (for a head's chart over time). The same range of the table `daily` reads,
        without the counts per person: a year is a few thousand rows."""
        found: dict[str, DayCounts] = {}
        if months:  # whole months from their own figures, each as its first day
            params: dict[str, str] = _whole_months(first_day, end_day)
        else:
            params = {"first_month": "", "end_month": "", "head_from": first_day.isoformat(),
                      "head_to": end_day.isoformat(), "tail_from": "", "tail_to": ""}  # fmt: skip
        rows = await self._db.fetch_all(
            "SELECT day, measure, sum(value) AS value,"
            " coalesce(sum(CASE WHEN department = :department THEN value END), 0) AS own"
            f" FROM ({_BY_DAY}) AS figures WHERE measure NOT LIKE :per_person GROUP BY day, measure",
            params | {"department": department, "per_person": f"{CLOSED_BY}%"},
        )
        for row in rows:
            measure = row["measure"]
            if measure not in MEASURES:
                continue
            day = found.get(row["day"])
            if day is None:
                day = found[row["day"]] = DayCounts(
                    date.fromisoformat(row["day"]),
                    DepartmentCounts(department),
                    DepartmentCounts(DISTRICT),
                )
            setattr(day.district, measure, row["value"])
            setattr(day.department, measure, row["own"])
        return sorted(found.values(), key=lambda d: d.day)

    async def by_person(self, first_day: date, end_day: date) -> dict[int, PersonCounts]:
        """Per person, over whole days: closings and resolutions of issues assigned to them,
        complaints naming them, praise of them."""
        found: dict[int, PersonCounts] = {}
        # One pass over the days' rows: a person's measures are the ones with a colon
        # (`closed_by:42`), a department's have none. (A pass per kind of measure read a
        # year's rows four times: 0.19 s of a year's /stats at a million issues.)
        rows = await self._db.fetch_all(
            f"SELECT measure, sum(value) AS value FROM ({_FIGURES}) AS figures"
            " WHERE measure LIKE '%:%' GROUP BY measure",
            _whole_months(first_day, end_day),
        )
        for row in rows:
            person = person_of(row["measure"])
            if person is not None and row["measure"].startswith(PER_PERSON):
                found.setdefault(person, PersonCounts()).add(row["measure"], row["value"])
        return found

    async def counted(self, start: datetime, end: datetime) -> list[DepartmentCounts]:
        """The same counts straight from the timeline, for a stretch shorter than a day."""
        found: dict[str, DepartmentCounts] = {}

        def of(code: str) -> DepartmentCounts:
            return found.setdefault(code, DepartmentCounts(code))

        period = {"start": to_epoch(start), "end": to_epoch(end)}
        for row in await self._rows(_DUE, period):
            counts = of(row["department"])
            counts.handoffs_due = int(row["responses_due"])
            counts.resolutions_due = int(row["resolutions_due"])
        for row in await self._rows(_ENDED, period):
            counts = of(row["department"])
            counts.answered_in_time = int(row["answered_in_time"])
            counts.withdrawn_before_due = int(row["withdrawn_early"])
            counts.resolved_in_time = int(row["resolved_in_time"])
            counts.transferred_before_due = int(row["moved_early"])
        for row in await self._rows(_STEPS, period):
            counts = of(row["department"])
            name = _STEP_FIELDS[EventKind(row["kind"])]
            setattr(counts, name, getattr(counts, name) + row["n"])
        for row in await self._rows(_CALLBACKS, period):
            counts = of(row["department"])
            answers: list[
                str | None
            ] = [  # "not asked" (and nothing, when the citizen was not reached) adds none
                _VERDICT_FIELDS[Verdict(row["verdict"])] if row["verdict"] else None,
                CONTACT_FIELDS.get(Contact(row["contacted"])) if row["contacted"] else None,
                SOLVED_FIELDS.get(Solved(row["solved"])) if row["solved"] else None,
            ]
            for answer in answers:
                if answer is not None:
                    setattr(counts, answer, getattr(counts, answer) + row["n"])
        for row in await self._rows(_ACCEPTED_CLOSED, period):
            of(row["department"]).accepted_then_closed = row["closed"]
        for row in await self._rows(_ACCEPTED_MERGED, period):
            of(row["department"]).accepted -= row["merged"]
        for row in await self._rows(_COMPLAINTS, period):
            of(row["department"]).complaints = row["n"]
        return list(found.values())

    async def by_person_counted(self, start: datetime, end: datetime) -> dict[int, PersonCounts]:
        """The same per-person counts straight from the timeline, for less than a day."""
        period = {"start": to_epoch(start), "end": to_epoch(end)}
        found: dict[int, PersonCounts] = {}
        for sql, prefix in (
            (_CLOSED_BY, CLOSED_BY),
            (_RESOLVED_BY, RESOLVED_BY),
            (_COMPLAINED_OF, COMPLAINED_OF),
            (_PRAISED, PRAISED),
        ):
            for row in await self._rows(sql, period):
                found.setdefault(row["staff_id"], PersonCounts()).add(prefix, row["n"])
        return found

    async def waits(
        self, start: datetime, end: datetime, department: str | None = None
    ) -> list[DepartmentCounts]:
        """Per department (or of one), every wait ended in the period: to accept, and to
        resolve.

        (A year in a big city has a million; they come as one text per department and kind,
        a third of the time of a row each.)"""
        found: dict[str, DepartmentCounts] = {}
        period = {"start": to_epoch(start), "end": to_epoch(end), "department": department}
        sql = _WAITS.format(joined=self._db.dialect.joined("at - spell_started_at"))
        for row in await self._rows(sql, period):
            counts = found.setdefault(row["department"], DepartmentCounts(row["department"]))
            accepted = row["kind"] == EventKind.ACCEPTED
            waits = counts.accept_seconds if accepted else counts.resolve_seconds
            waits.extend(map(int, row["seconds"].split(",")))
        return list(found.values())

    async def open_now(
        self, now: datetime, hidden_from: int | None = None
    ) -> list[DepartmentCounts]:
        found = []
        params = {"now": to_epoch(now), "hidden_from": hidden_from}
        for row in await self._rows(_OPEN_NOW, params):
            counts = DepartmentCounts(row["department"])
            counts.open_now = row["open"]
            counts.overdue_now = int(row["overdue"])
            found.append(counts)
        return found

    async def people(self, now: datetime) -> list[PersonLoad]:
        """Active members and heads, with the issues they hold now and how many of those are
        overdue (closed counts left at 0)."""
        held = {
            row["staff_id"]: Held(row["n"], int(row["overdue"]))
            for row in await self._rows(_HELD, {"now": to_epoch(now)})
        }
        found = []
        for row in await self._rows(_PEOPLE, {}):
            their = held.get(row["id"], Held())
            found.append(
                PersonLoad(
                    staff_id=row["id"],
                    name=row["name"],
                    department=row["department"],
                    open_held=their.open,
                    closed_in_period=0,
                    overdue_held=their.overdue,
                )
            )
        return found

    async def _rows(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        rows = await self._db.fetch_all(sql, params)
        return list(rows)
