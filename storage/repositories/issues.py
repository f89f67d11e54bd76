"""Issues: their current state, photos, assisting departments, and monthly numbering."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Sequence
from datetime import datetime

from casework.following import FollowerCallBack
from casework.issues import (
    OPEN_STATUSES,
    Issue,
    IssueKind,
    Location,
    Resolution,
    Solved,
    Source,
    Status,
    Verdict,
)
from casework.lookup import Lookup, LookupKind
from casework.metrics import Held
from casework.nearby import Nearby, cells_around, geo_cell, within
from casework.ports import DepartmentLoad, IssuePage, LookupScope, Pin, PinPage, Viewer
from casework.reminders import LadderMoved
from storage.epochs import from_epoch, maybe_from_epoch, to_epoch
from storage.repositories.sql import literal, literals
from storage.repositories.words import (
    assist_token,
    department_token,
    issue_words,
    reporter_token,
)
from storage.statements import Dialect, Row, Statements, WordsParts

_OPEN = literals(*(s for s in Status if s.is_open))
_PENDING, _ACCEPTED = literal(Status.PENDING), literal(Status.ACCEPTED)
# Word for word the condition of the partial index issues_in_hand (migration 0010).
_IN_HAND = f"status IN {literals(Status.PENDING, Status.ACCEPTED)}"
_OVERDUE = (
    f"((status = {_PENDING} AND respond_by < :now) OR (status = {_ACCEPTED} AND resolve_by < :now))"
)
# Word for word the condition of the partial index issues_held_open (migration 0018): the
# issues people hold now, in progress and assigned to someone.
HELD_NOW = f"status = {_ACCEPTED} AND assignee_id IS NOT NULL"
# What a viewer's list shows of the complaints (casework.ports.Viewer): a head, all but those
# about them; a member, those assigned to them (never one about them: it cannot be assigned).
_SEEN = (
    f"(issue_kind = {literal(IssueKind.CASE)} OR (coalesce(subject_id, 0) != :viewer"
    " AND (:head OR assignee_id = :viewer OR accepted_by = :viewer)))"
)


# Who may see an issue, as casework/lifecycle.py `relations` says for Action.VIEW: nobody a
# complaint about themselves; a coordinator everything; anyone what they reported; a
# department's head its issues, a member its cases and the complaints they handle; the people
# of a department asked to assist, the issue. Asked in a department's group chat: only that
# department's cases (the group reads the answer; a complaint is never shown there).
_MAY_SEE = (
    f"(issue_kind = {literal(IssueKind.CASE)} OR coalesce(subject_id, 0) != :viewer)"
    " AND (:everything OR reporter_id = :viewer"
    " OR (department = :department AND (:head"
    f" OR issue_kind = {literal(IssueKind.CASE)} OR assignee_id = :viewer"
    " OR accepted_by = :viewer))"
    " OR (department != :department AND EXISTS (SELECT 1 FROM issue_assists"
    " WHERE issue_assists.issue_id = issues.id AND issue_assists.department = :department)))"
    " AND (CAST(:group AS TEXT) IS NULL OR (department = :group"
    f" AND issue_kind = {literal(IssueKind.CASE)}))"
)


def _may_see(scope: LookupScope) -> dict[str, object]:
    return {
        "viewer": scope.staff_id,
        "everything": int(scope.everything),
        "department": scope.department,
        "head": int(scope.head),
        "group": scope.group,
    }


def _scope_tokens(scope: LookupScope) -> list[str]:
    """The words index's tokens of the issues the scope may see, a few of which it may not (a
    complaint): none for a coordinator (everything) unless asked in a group."""
    if scope.group is not None:
        return [department_token(scope.group)]
    if scope.everything:
        return []
    tokens = [reporter_token(scope.staff_id)]
    if scope.department is not None:
        tokens += [department_token(scope.department), assist_token(scope.department)]
    return tokens


def _seen_by(viewer: Viewer | None) -> tuple[str, dict[str, object]]:
    if viewer is None:
        return "", {}
    return f" AND {_SEEN}", {"viewer": viewer.staff_id, "head": int(viewer.head)}


# Word for word the condition of the partial index issues_open_pinned (migration 0028).
_OPEN_PINNED = f"status IN {literals(*OPEN_STATUSES)} AND latitude IS NOT NULL"

# An issue in hand with no deadline (reopened with none) first, as SQLite sorts a NULL; said
# for PostgreSQL, which would put it last.
_BY_DEADLINE = f"CASE status WHEN {_PENDING} THEN respond_by ELSE resolve_by END NULLS FIRST, id"
_COLUMNS = (
    "id, number, status, description, category, department, reporter_id, assignee_id,"
    " accepted_by, urgent, source, latitude, longitude, address, citizen_name, citizen_phone,"
    " created_at, updated_at, handed_at, respond_by, resolve_by, reopen_count, version,"
    " phase, phase_started_at, reminders_sent, next_reminder_at, callback, praised,"
    " accepted_at, closures, redacted_at, resolution, resolution_photos, resolved_at,"
    " unreached, callback_given_up, issue_kind, subject_id, repeat_calls,"
    " flagged_at, duplicates, respond_workdays, resolve_workdays"
)


def columns(dialect: Dialect) -> str:
    """An issue's columns, with its photos and the departments assisting, in the same statement:
    each statement is a trip to the database, and most steps read an issue (issue 22)."""
    photos = dialect.list_of(
        "file_id", "issue_photos WHERE issue_photos.issue_id = issues.id", "position"
    )
    assisting = dialect.list_of(
        "department", "issue_assists WHERE issue_assists.issue_id = issues.id", "department"
    )
    return f"{_COLUMNS}, {photos} AS photo_ids, {assisting} AS assisting_departments"


# Word for word the conditions of the partial indexes of migration 0013: SQLite uses a partial
# index only for a query that repeats its condition.
_ENDED = f"status IN {literals(Status.CLOSED, Status.WITHDRAWN)}"
# Nearby, same problem: one range of the index of 0025 per cell (`geo_cell IN` implies its
# condition, `geo_cell IS NOT NULL`; said again, SQLite would read the category's every cell).
_TO_REDACT = f"{_ENDED} AND (redacted_at IS NULL OR redacted_at <= updated_at)"
_CARDS_TO_RETIRE = f"{_ENDED} AND (cards_retired_at IS NULL OR cards_retired_at <= updated_at)"


def _issue(row: Row, photos: Sequence[str], assisting: Sequence[str]) -> Issue:
    location = None
    if row["latitude"] is not None and row["longitude"] is not None:
        location = Location(row["latitude"], row["longitude"])
    return Issue(
        id=row["id"],
        number=row["number"],
        status=Status(row["status"]),
        description=row["description"],
        category=row["category"],
        department=row["department"],
        reporter_id=row["reporter_id"],
        urgent=bool(row["urgent"]),
        source=Source(row["source"]),
        created_at=from_epoch(row["created_at"]),
        updated_at=from_epoch(row["updated_at"]),
        handed_at=from_epoch(row["handed_at"]),
        respond_by=maybe_from_epoch(row["respond_by"]),
        resolve_by=maybe_from_epoch(row["resolve_by"]),
        location=location,
        address=row["address"],
        citizen_name=row["citizen_name"],
        citizen_phone=row["citizen_phone"],
        photos=tuple(photos),
        assignee_id=row["assignee_id"],
        accepted_by=row["accepted_by"],
        assisting=frozenset(assisting),
        reopen_count=row["reopen_count"],
        version=row["version"],
        phase=row["phase"],
        phase_started_at=maybe_from_epoch(row["phase_started_at"]),
        reminders_sent=row["reminders_sent"],
        next_reminder_at=maybe_from_epoch(row["next_reminder_at"]),
        callback=Verdict(row["callback"]) if row["callback"] else None,
        praised=bool(row["praised"]),
        accepted_at=maybe_from_epoch(row["accepted_at"]),
        closures=row["closures"],
        redacted_at=maybe_from_epoch(row["redacted_at"]),
        resolution=_resolution(row),
        unreached=row["unreached"],
        callback_given_up=bool(row["callback_given_up"]),
        kind=IssueKind(row["issue_kind"]),
        subject_id=row["subject_id"],
        repeat_calls=row["repeat_calls"],
        flagged_at=maybe_from_epoch(row["flagged_at"]),
        duplicates=row["duplicates"],
        respond_workdays=row["respond_workdays"],
        resolve_workdays=row["resolve_workdays"],
    )


def _resolution(row: Row) -> Resolution | None:
    if row["resolved_at"] is None:
        return None
    photos = tuple(json.loads(row["resolution_photos"]))
    return Resolution(row["resolution"] or "", from_epoch(row["resolved_at"]), photos)


def _values(issue: Issue) -> dict[str, object]:
    return {
        "number": issue.number,
        "status": issue.status.value,
        "description": issue.description,
        "category": issue.category,
        "department": issue.department,
        "reporter_id": issue.reporter_id,
        "assignee_id": issue.assignee_id,
        "accepted_by": issue.accepted_by,
        "urgent": int(issue.urgent),
        "source": issue.source.value,
        "latitude": issue.location.latitude if issue.location else None,
        "longitude": issue.location.longitude if issue.location else None,
        "address": issue.address,
        "citizen_name": issue.citizen_name,
        "citizen_phone": issue.citizen_phone,
        "created_at": to_epoch(issue.created_at),
        "updated_at": to_epoch(issue.updated_at),
        "handed_at": to_epoch(issue.handed_at),
        "respond_by": _maybe_epoch(issue.respond_by),
        "resolve_by": _maybe_epoch(issue.resolve_by),
        "reopen_count": issue.reopen_count,
        "version": issue.version,
        "phase": issue.phase,
        "phase_started_at": _maybe_epoch(issue.phase_started_at),
        "reminders_sent": issue.reminders_sent,
        "next_reminder_at": _maybe_epoch(issue.next_reminder_at),
        "callback": issue.callback.value if issue.callback else None,
        "praised": int(issue.praised),
        "accepted_at": _maybe_epoch(issue.accepted_at),
        "closures": issue.closures,
        "redacted_at": _maybe_epoch(issue.redacted_at),
        "resolution": issue.resolution.text if issue.resolution else None,
        "resolution_photos": json.dumps(list(issue.resolution.photos if issue.resolution else ())),
        "resolved_at": _maybe_epoch(issue.resolution.at) if issue.resolution else None,
        "unreached": issue.unreached,
        "callback_given_up": int(issue.callback_given_up),
        "issue_kind": issue.kind.value,
        "subject_id": issue.subject_id,
        "repeat_calls": issue.repeat_calls,
        "flagged_at": _maybe_epoch(issue.flagged_at),
        "duplicates": issue.duplicates,
        "respond_workdays": issue.respond_workdays,
        "resolve_workdays": issue.resolve_workdays,
        "geo_cell": geo_cell(issue.location),
    }


def _maybe_epoch(moment: datetime | None) -> int | None:
    return None if moment is None else to_epoch(moment)


def find_query(
    lookup: Lookup,
    scope: LookupScope,
    dialect: Dialect,
    *,
    ceiling: int | None = None,
    window: int | None = None,
) -> tuple[str, dict[str, object]]:
    """The ids /find lists, newest first, and their parameters: each kind of lookup on its own
    index (benchmarks/lookups.py shows the plans). A lookup by words may be asked of part of
    the words index (`SqlIssues.find` on PostgreSQL): the rows with ids in (`ceiling` -
    `window`, `ceiling`], read newest first by their key, stopping at the page."""
    params = _may_see(scope)
    newest = "issues.id DESC"
    if lookup.kind is LookupKind.PHONE:
        # A range of issues_by_phone_digits: within it, the newest (highest id) first.
        source = "issues INDEXED BY issues_by_phone_digits"
        where = "phone_digits IS NOT NULL AND phone_digits = :key"
        params["key"] = lookup.key
    elif lookup.kind is LookupKind.TAIL:
        source = "issues INDEXED BY issues_by_phone_tail"
        where = f"phone_digits IS NOT NULL AND {dialect.phone_tail('phone_digits')} = :key"
        params["key"] = lookup.key
    elif lookup.kind is LookupKind.WORDS:
        # The index's matches, newest first (FTS5 reads its lists by rowid, backwards), each
        # joined to its issue to check who may see it.
        words = "issue_words"
        where = dialect.words_match(":match")
        params["match"] = dialect.words_query(lookup.words, _scope_tokens(scope))
        if ceiling is not None and window is not None:
            # The LIMIT keeps the words' condition out of the subquery, which the planner
            # would otherwise answer from the words index, all of a common word's matches.
            words = (
                "(SELECT rowid, words FROM issue_words WHERE rowid > :floor AND rowid <= :ceiling"
                " ORDER BY rowid DESC LIMIT :window) AS issue_words"
            )
            params.update(floor=ceiling - window, ceiling=ceiling, window=window)
        source = f"{words} JOIN issues ON issues.id = issue_words.rowid"
        newest = "issue_words.rowid DESC"
    else:
        raise ValueError(f"{lookup.kind} is not looked up in a list")
    sql = f"SELECT issues.id FROM {source} WHERE {where} AND {_MAY_SEE} ORDER BY {newest}"
    return sql, params


def words_matched_query(
    lookup: Lookup, scope: LookupScope, dialect: Dialect, ceiling: int, enough: int
) -> tuple[str, dict[str, object]]:
    """Up to `enough` of the issues with ids up to `ceiling` that match the words and that the
    scope may see, in no order, and their parameters: the words index's matches found all at
    once (the subquery planned on its own, OFFSET 0: neither the ceiling nor the limit makes
    the planner read the key), each joined to its issue to check who may see it."""
    params = _may_see(scope)
    params.update(
        match=dialect.words_query(lookup.words, _scope_tokens(scope)),
        ceiling=ceiling,
        enough=enough,
    )
    sql = (
        "SELECT issues.id FROM (SELECT rowid FROM issue_words WHERE"
        f" {dialect.words_match(':match')} OFFSET 0) AS issue_words"
        " JOIN issues ON issues.id = issue_words.rowid"
        f" WHERE issue_words.rowid <= :ceiling AND {_MAY_SEE} LIMIT :enough"
    )
    return sql, params


def citizen_query(
    spellings: Sequence[str], since: datetime, limit: int, dialect: Dialect
) -> tuple[str, tuple[object, ...]]:
    """The citizen's issues at intake (`of_citizen`) and their parameters: one short range of
    the index of 0013 per spelling, a citizen having a handful of issues (benchmarks/lookups.py
    shows the plan)."""
    sql = (
        f"SELECT {columns(dialect)} FROM issues INDEXED BY issues_by_citizen_phone"
        " WHERE citizen_phone IS NOT NULL"
        f" AND citizen_phone IN {dialect.each(of='text')} AND created_at >= ?"
        f" ORDER BY {_ENDED}, created_at DESC, id DESC LIMIT ?"
    )
    return sql, (json.dumps(list(spellings)), to_epoch(since), limit)


def near_query(
    category: str, at: Location, radius_m: float, since: datetime, dialect: Dialect
) -> tuple[str, tuple[object, ...]]:
    """The open issues of a category in the cells around a pin (`near`, before the distance
    is measured) and their parameters (benchmarks/lookups.py shows the plan): one range of the
    index of 0025 per cell (`geo_cell IN` implies its condition, `geo_cell IS NOT NULL`; said
    again, SQLite would read the category's every cell)."""
    sql = (
        f"SELECT {columns(dialect)} FROM issues INDEXED BY issues_nearby WHERE category = ?"
        f" AND geo_cell IN {dialect.each()} AND created_at >= ?"
        f" AND status IN {_OPEN}"
    )
    return sql, (category, json.dumps(cells_around(at, radius_m)), to_epoch(since))


class SqlIssues:
    def __init__(self, db: Statements) -> None:
        self._db = db
        self._columns = columns(db.dialect)
        self._words_insert = (
            f"INSERT INTO issue_words (rowid, words) VALUES (?, {db.dialect.words_value('?')})"
        )
        self._read: dict[int, Issue] = {}  # the issues as read (or saved) in this transaction

    def _words(self, issue: Issue) -> str:
        return self._db.dialect.words(issue_words(issue))

    async def next_sequence(self, month: str) -> int:
        row = await self._db.fetch_one(
            "INSERT INTO issue_counters (month, last) VALUES (?, 1)"
            " ON CONFLICT (month) DO UPDATE SET last = issue_counters.last + 1 RETURNING last",
            (month,),
        )
        assert row is not None
        return int(row[0])

    async def create(self, issue: Issue) -> Issue:
        values = _values(issue)
        names = ", ".join(values)
        row = await self._db.fetch_one(
            f"INSERT INTO issues ({names}) VALUES ({', '.join(':' + n for n in values)})"
            " RETURNING id",
            values,
        )
        assert row is not None
        issue_id = int(row[0])
        await self._db.execute_many(
            "INSERT INTO issue_photos (issue_id, position, file_id) VALUES (?, ?, ?)",
            [(issue_id, i, file_id) for i, file_id in enumerate(issue.photos)],
        )
        await self._save_assists(issue_id, issue.assisting)
        await self._db.execute(
            self._words_insert,
            (issue_id, self._words(dataclasses.replace(issue, id=issue_id))),
        )
        found = await self.get(issue_id)
        assert found is not None
        return found

    async def save(self, issue: Issue, expected_version: int) -> bool:
        """Write the issue's new state if nobody changed it since `expected_version`."""
        values = _values(issue)
        values.update(id=issue.id, expected_version=expected_version)
        assignments = ", ".join(f"{n} = :{n}" for n in _values(issue))
        changed = await self._db.execute(
            f"UPDATE issues SET {assignments} WHERE id = :id AND version = :expected_version",
            values,
        )
        if changed != 1:
            return False
        # Most steps change neither the departments assisting nor the words: those are written
        # only if they changed since the issue was read in this transaction (a statement each
        # saved, issue 22), else as before, where the words' index is rewritten only if its
        # words changed (a write to the index costs more than the comparison).
        before = self._read.get(issue.id)
        self._read[issue.id] = issue
        if before is None or before.version != expected_version:
            before = None
        if before is None or before.assisting != issue.assisting:
            await self._save_assists(issue.id, issue.assisting)
        words = issue_words(issue)
        if before is None or issue_words(before) != words:
            words = self._db.dialect.words(words)
            d = self._db.dialect
            await self._db.execute(
                f"UPDATE issue_words SET words = {d.words_value(':words')}"
                f" WHERE rowid = :id AND words != {d.words_value(':words')}",
                {"id": issue.id, "words": words},
            )
        return True

    async def get(self, issue_id: int) -> Issue | None:
        found = await self._load(f"SELECT {self._columns} FROM issues WHERE id = ?", (issue_id,))
        return found[0] if found else None

    async def version_of(self, issue_id: int) -> int | None:
        row = await self._db.fetch_one("SELECT version FROM issues WHERE id = ?", (issue_id,))
        return None if row is None else int(row[0])

    async def by_number(self, number: str) -> Issue | None:
        found = await self._load(f"SELECT {self._columns} FROM issues WHERE number = ?", (number,))
        return found[0] if found else None

    async def logged_since(self, since: datetime, limit: int) -> list[Issue]:
        # A range of the index issues_by_creation (migration 0004).
        return await self._load(
            f"SELECT {self._columns} FROM issues WHERE created_at >= ? ORDER BY created_at, id LIMIT ?",
            (to_epoch(since), limit),
        )

    async def reported_by(self, staff_id: int, limit: int, offset: int) -> IssuePage:
        """What a person reported: open ones first, newest first within each."""
        total = await self._count("SELECT count(*) FROM issues WHERE reporter_id = ?", (staff_id,))
        # The order is found in the index issues_reported (a worker may have reported thousands),
        # and only the page's rows are read from the table.
        order = f"status NOT IN {_OPEN}, created_at DESC, id DESC"
        issues = await self._load(
            f"SELECT {self._columns} FROM issues WHERE id IN"
            f" (SELECT id FROM issues WHERE reporter_id = ? ORDER BY {order} LIMIT ? OFFSET ?)"
            f" ORDER BY {order}",
            (staff_id, limit, offset),
        )
        return IssuePage(issues=issues, total=total)

    async def inbox(
        self, department: str | None, limit: int, offset: int, viewer: Viewer | None = None
    ) -> IssuePage:
        """Pending and accepted issues (one department's, or all), nearest deadline first; of
        the complaints, those the viewer may see."""
        seen, params = _seen_by(viewer)
        where = _IN_HAND + seen
        if department is not None:
            where += " AND department = :department"
            params["department"] = department
        total = await self._count_named(f"SELECT count(*) FROM issues WHERE {where}", params)
        issues = await self._load_named(
            f"SELECT {self._columns} FROM issues WHERE {where} ORDER BY {_BY_DEADLINE}"
            " LIMIT :limit OFFSET :offset",
            {**params, "limit": limit, "offset": offset},
        )
        return IssuePage(issues=issues, total=total)

    async def reminders_due(self, now: datetime, limit: int) -> list[Issue]:
        """Issues with a reminder rung due by `now`, the longest waiting first."""
        return await self._load(
            f"SELECT {self._columns} FROM issues WHERE next_reminder_at <= ?"
            " ORDER BY next_reminder_at LIMIT ?",
            (to_epoch(now), limit),
        )

    async def next_deadline(self, after: datetime) -> datetime | None:
        """The earliest deadline of an open issue later than `after`: to respond, of those
        pending; to resolve, of those in progress (each range on its partial index)."""
        row = await self._db.fetch_one(
            "SELECT min(due) FROM ("
            f" SELECT min(respond_by) AS due FROM issues WHERE status = {_PENDING}"
            " AND respond_by > :after"
            f" UNION ALL SELECT min(resolve_by) FROM issues WHERE status = {_ACCEPTED}"
            " AND resolve_by > :after) AS deadlines",
            {"after": to_epoch(after)},
        )
        return maybe_from_epoch(row[0]) if row is not None else None

    async def next_reminder(self, after: datetime) -> datetime | None:
        # A range of the partial index issues_by_next_reminder (migration 0003).
        row = await self._db.fetch_one(
            "SELECT min(next_reminder_at) FROM issues WHERE next_reminder_at > ?",
            (to_epoch(after),),
        )
        return maybe_from_epoch(row[0]) if row is not None else None

    async def passed_reminders(self, moved: Sequence[LadderMoved]) -> None:
        """Record how far each ladder has gone, if its issue is still in that phase."""
        await self._db.execute_many(
            "UPDATE issues SET reminders_sent = ?, next_reminder_at = ? WHERE id = ? AND phase = ?",
            [(m.passed, _maybe_epoch(m.next_at), m.issue_id, m.phase) for m in moved],
        )

    async def overdue(
        self, department: str | None, now: datetime, limit: int, viewer: Viewer | None = None
    ) -> IssuePage:
        """Pending or accepted issues past their deadline, the most overdue first; of the
        complaints, those the viewer may see."""
        seen, params = _seen_by(viewer)
        where = f"{_IN_HAND} AND {_OVERDUE}{seen}"
        params.update(now=to_epoch(now), limit=limit)
        if department is not None:
            where += " AND department = :department"
            params["department"] = department
        total = await self._count_named(f"SELECT count(*) FROM issues WHERE {where}", params)
        issues = await self._load_named(
            f"SELECT {self._columns} FROM issues WHERE {where} ORDER BY {_BY_DEADLINE} LIMIT :limit",
            params,
        )
        return IssuePage(issues=issues, total=total)

    async def pinned(
        self, department: str | None, limit: int, viewer: Viewer | None = None
    ) -> PinPage:
        """From issues_open_pinned, the newest first: the map's points, and their count."""
        seen, params = _seen_by(viewer)
        where = f"{_OPEN_PINNED}{seen}"
        if department is not None:
            where += " AND department = :department"
            params["department"] = department
        total = await self._count_named(
            f"SELECT count(*) FROM issues INDEXED BY issues_open_pinned WHERE {where}", params
        )
        rows = await self._db.fetch_all(
            "SELECT id, number, latitude, longitude, category, department, status, urgent,"
            f" CASE status WHEN {_PENDING} THEN respond_by WHEN {_ACCEPTED} THEN resolve_by END"
            " AS due"
            f" FROM issues INDEXED BY issues_open_pinned WHERE {where}"
            " ORDER BY created_at DESC, id DESC LIMIT :limit",
            {**params, "limit": limit},
        )
        pins = [
            Pin(
                row["id"],
                row["number"],
                Location(row["latitude"], row["longitude"]),
                row["category"],
                row["department"],
                Status(row["status"]),
                bool(row["urgent"]),
                maybe_from_epoch(row["due"]),
            )
            for row in rows
        ]
        return PinPage(pins, total)

    async def open_counts(
        self, now: datetime, hidden_from: int | None = None
    ) -> list[DepartmentLoad]:
        """Per department: issues pending, in progress, and overdue now (without the
        complaints about `hidden_from`, the reader)."""
        rows = await self._db.fetch_all(
            f"SELECT department, count(*) FILTER (WHERE status = {_PENDING}) AS pending,"
            f" count(*) FILTER (WHERE status = {_ACCEPTED}) AS accepted,"
            f" count(*) FILTER (WHERE {_OVERDUE}) AS overdue"
            f" FROM issues WHERE {_IN_HAND}"
            f" AND (CAST(:hidden_from AS BIGINT) IS NULL OR issue_kind = {literal(IssueKind.CASE)}"
            "      OR coalesce(subject_id, 0) != :hidden_from)"
            " GROUP BY department",
            {"now": to_epoch(now), "hidden_from": hidden_from},
        )
        return [
            DepartmentLoad(row["department"], row["pending"], row["accepted"], row["overdue"])
            for row in rows
        ]

    async def held_by(self, staff_ids: Collection[int], now: datetime) -> dict[int, Held]:
        """A range of issues_held_open per person (the index alone; `IN` implies its
        `assignee_id IS NOT NULL`)."""
        rows = await self._db.fetch_all(
            "SELECT assignee_id, count(*) AS open, count(*) FILTER (WHERE resolve_by < :now) AS overdue"
            " FROM issues INDEXED BY issues_held_open"
            f" WHERE {HELD_NOW} AND assignee_id IN {self._db.dialect.each(':ids')}"
            " GROUP BY assignee_id",
            {"now": to_epoch(now), "ids": json.dumps(sorted(staff_ids))},
        )
        return {row["assignee_id"]: Held(row["open"], int(row["overdue"])) for row in rows}

    async def to_redact(self, ended_before: datetime, limit: int) -> list[Issue]:
        return await self._load(
            f"SELECT {self._columns} FROM issues INDEXED BY issues_to_redact"
            f" WHERE {_TO_REDACT} AND updated_at < ? ORDER BY updated_at LIMIT ?",
            (to_epoch(ended_before), limit),
        )

    async def with_cards_to_retire(self, ended_before: datetime, limit: int) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT id FROM issues INDEXED BY issues_with_cards_to_retire"
            f" WHERE {_CARDS_TO_RETIRE} AND updated_at < ? ORDER BY updated_at LIMIT ?",
            (to_epoch(ended_before), limit),
        )
        return [row[0] for row in rows]

    async def cards_retired(self, issue_ids: Sequence[int], now: datetime) -> None:
        await self._db.execute(
            f"UPDATE issues SET cards_retired_at = ? WHERE id IN {self._db.dialect.each()}",
            (to_epoch(now), json.dumps(list(issue_ids))),
        )

    async def forget_photos(self, issue_id: int) -> None:
        await self._db.execute("DELETE FROM issue_photos WHERE issue_id = ?", (issue_id,))

    async def with_citizen_phone(self, spellings: Sequence[str]) -> list[Issue]:
        return await self._load(
            f"SELECT {self._columns} FROM issues INDEXED BY issues_by_citizen_phone"
            " WHERE citizen_phone IS NOT NULL"
            f" AND citizen_phone IN {self._db.dialect.each(of='text')} ORDER BY created_at, id",
            (json.dumps(list(spellings)),),
        )

    async def of_citizen(
        self, spellings: Sequence[str], since: datetime, limit: int
    ) -> list[Issue]:
        return await self._load(*citizen_query(spellings, since, limit, self._db.dialect))

    async def find(
        self, lookup: Lookup, scope: LookupScope, limit: int, offset: int, most: int
    ) -> IssuePage:
        """Issues with the citizen's phone (whole, or its last four digits), or with the words,
        that the scope may see, newest first; counted up to `most`."""
        parts = self._db.dialect.words_in_parts
        if lookup.kind is LookupKind.WORDS and parts is not None:
            ids = await self._find_words_in_parts(lookup, scope, most, parts)
        else:
            # The ids up to `most` at once (a few dozen numbers): they count, and hold the page.
            ids = await self._ids(*find_query(lookup, scope, self._db.dialect), most)
        issues = await self._load(
            f"SELECT {self._columns} FROM issues WHERE id IN {self._db.dialect.each()}"
            " ORDER BY id DESC",
            (json.dumps(ids[offset : offset + limit]),),
        )
        return IssuePage(issues=issues, total=len(ids))

    async def _find_words_in_parts(
        self, lookup: Lookup, scope: LookupScope, most: int, parts: WordsParts
    ) -> list[int]:
        """The ids `find` lists, up to `most`, in parts, each newest first and below the one
        before (`Dialect.words_in_parts`): the newest rows of the words index, read by their
        key (a common word's page is among them); the rows below them likewise, if as many
        matches there as among the newest would fill the page; if that is still too few, the
        matches below that may be seen, from the index, if they are few; if they are many, the
        rows below, read by their key until the page is full (a word common once, rare
        lately)."""
        top = await self._db.fetch_one("SELECT max(rowid) FROM issue_words")
        if top is None or top[0] is None:
            return []
        ceiling = int(top[0])
        ids = await self._ids(
            *find_query(lookup, scope, self._db.dialect, ceiling=ceiling, window=parts.newest),
            most,
        )
        ceiling -= parts.newest
        if len(ids) >= most or ceiling <= 0:
            return ids
        # As many matches in the next rows as in the newest would fill the page: read them.
        if len(ids) * parts.then >= (most - len(ids)) * parts.newest:
            ids += await self._ids(
                *find_query(lookup, scope, self._db.dialect, ceiling=ceiling, window=parts.then),
                most - len(ids),
            )
            ceiling -= parts.then
        if len(ids) >= most or ceiling <= 0:
            return ids
        matched_sql, matched_params = words_matched_query(
            lookup, scope, self._db.dialect, ceiling, parts.few + 1
        )
        matched = [row[0] for row in await self._db.fetch_all(matched_sql, matched_params)]
        if len(matched) <= parts.few:  # all of them: the newest
            return ids + sorted(matched, reverse=True)[: most - len(ids)]
        return ids + await self._ids(
            *find_query(lookup, scope, self._db.dialect, ceiling=ceiling, window=ceiling),
            most - len(ids),
        )

    async def _ids(self, sql: str, params: dict[str, object], most: int) -> list[int]:
        """The first `most` ids `sql` (a `find_query`) gives."""
        rows = await self._db.fetch_all(f"{sql} LIMIT :most", {**params, "most": most})
        return [row[0] for row in rows]

    async def fill_words(self, limit: int) -> int:
        """Index the words of issues on record before the index was (migration 0022), up to
        `limit` of them; how many were."""
        rows = await self._db.fetch_all(
            "SELECT issue_id FROM issue_words_to_fill LIMIT ?", (limit,)
        )
        if not rows:
            return 0
        ids = json.dumps([row[0] for row in rows])
        issues = await self._load(
            f"SELECT {self._columns} FROM issues WHERE id IN {self._db.dialect.each()}", (ids,)
        )
        await self._db.execute(
            f"DELETE FROM issue_words WHERE rowid IN {self._db.dialect.each()}",
            (ids,),
        )
        await self._db.execute_many(
            self._words_insert, [(issue.id, self._words(issue)) for issue in issues]
        )
        await self._db.execute(
            f"DELETE FROM issue_words_to_fill WHERE issue_id IN {self._db.dialect.each()}",
            (ids,),
        )
        return len(rows)

    async def follow(self, issue_id: int, staff_id: int, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO issue_followers (issue_id, staff_id, since) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (issue_id, staff_id, to_epoch(at)),
        )

    async def followers(self, issue_id: int) -> list[int]:
        found = await self._db.fetch_all(
            "SELECT staff_id FROM issue_followers WHERE issue_id = ? ORDER BY staff_id",
            (issue_id,),
        )
        return [int(row[0]) for row in found]

    async def follower_call_back(self, issue_id: int, staff_id: int) -> FollowerCallBack | None:
        row = await self._db.fetch_one(
            "SELECT solved, called_back_at FROM issue_followers WHERE issue_id = ? AND staff_id = ?",
            (issue_id, staff_id),
        )
        if row is None:
            return None
        return FollowerCallBack(
            Solved(row["solved"]) if row["solved"] else None,
            maybe_from_epoch(row["called_back_at"]),
        )

    async def save_follower_call_back(
        self, issue_id: int, staff_id: int, call_back: FollowerCallBack
    ) -> None:
        at = call_back.called_back_at
        await self._db.execute(
            "UPDATE issue_followers SET solved = ?, called_back_at = ?"
            " WHERE issue_id = ? AND staff_id = ?",
            (
                call_back.solved.value if call_back.solved else None,
                to_epoch(at) if at is not None else None,
                issue_id,
                staff_id,
            ),
        )

    async def near(
        self, category: str, at: Location, radius_m: float, since: datetime, limit: int
    ) -> list[Nearby]:
        # One short range of the index of 0025 per cell around the pin, then the distance.
        found = await self._load(*near_query(category, at, radius_m, since, self._db.dialect))
        return within(found, at, radius_m)[:limit]

    async def _count_named(self, sql: str, params: dict[str, object]) -> int:
        row = await self._db.fetch_one(sql, params)
        return int(row[0]) if row else 0

    async def _count(self, sql: str, params: tuple[object, ...]) -> int:
        row = await self._db.fetch_one(sql, params)
        return int(row[0]) if row else 0

    async def _load_named(self, sql: str, params: dict[str, object]) -> list[Issue]:
        return await self._complete(await self._db.fetch_all(sql, params))

    async def _load(self, sql: str, params: tuple[object, ...]) -> list[Issue]:
        return await self._complete(await self._db.fetch_all(sql, params))

    async def _complete(self, rows: list[Row]) -> list[Issue]:
        """Issues from their rows (with their photos and assisting departments), remembered
        as read: saving one changes only what changed (`save`)."""
        issues = [
            _issue(row, json.loads(row["photo_ids"]), json.loads(row["assisting_departments"]))
            for row in rows
        ]
        for issue in issues:
            self._read[issue.id] = issue
        return issues

    async def _save_assists(self, issue_id: int, assisting: frozenset[str]) -> None:
        await self._db.execute("DELETE FROM issue_assists WHERE issue_id = ?", (issue_id,))
        await self._db.execute_many(
            "INSERT INTO issue_assists (issue_id, department) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(issue_id, d) for d in sorted(assisting)],
        )
