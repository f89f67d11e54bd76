"""The outbox of messages to deliver, and the cards already sent about each issue."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime

from casework.health import Backlog
from casework.outbox import ERASE, Card, OutboxItem, OutboxKind
from storage.epochs import from_epoch, to_epoch
from storage.repositories.sql import literal
from storage.statements import Row, Statements

_REMINDER = literal(OutboxKind.REMINDER)
_REFRESH = literal(OutboxKind.REFRESH)
_INSERT = (
    "INSERT INTO outbox (key, kind, chat_id, staff_id, department, issue_id, event_id,"
    " message_id, payload, priority, created_at, due_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING"
)


def _values(items: Sequence[OutboxItem]) -> list[tuple[object, ...]]:
    """The rows to insert. A sweep queues thousands of reminders that share a few payloads and
    times: each is encoded once."""
    encoded: dict[int, str] = {}  # by the payload's id: the items hold every payload meanwhile
    epochs: dict[datetime, int] = {}

    def payload(item: OutboxItem) -> str:
        key = id(item.payload)
        if key not in encoded:
            encoded[key] = json.dumps(item.payload, ensure_ascii=False)
        return encoded[key]

    def epoch(moment: datetime) -> int:
        if moment not in epochs:
            epochs[moment] = to_epoch(moment)
        return epochs[moment]

    return [
        (
            item.key,
            item.kind.value,
            item.chat_id,
            item.staff_id,
            item.department,
            item.issue_id,
            item.event_id,
            item.message_id,
            payload(item),
            item.priority,
            epoch(item.created_at),
            epoch(item.due_at),
        )
        for item in items
    ]


def _item(row: Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        key=row["key"],
        kind=OutboxKind(row["kind"]),
        chat_id=row["chat_id"],
        staff_id=row["staff_id"],
        department=row["department"],
        issue_id=row["issue_id"],
        event_id=row["event_id"],
        message_id=row["message_id"],
        payload=json.loads(row["payload"]),
        priority=row["priority"],
        created_at=from_epoch(row["created_at"]),
        due_at=from_epoch(row["due_at"]),
        attempts=row["attempts"],
    )


class SqlOutbox:
    def __init__(self, db: Statements) -> None:
        self._db = db
        self.added = 0  # how many new messages this transaction queued

    async def add(self, item: OutboxItem) -> bool:
        """Queue a message; False if one with the same key was ever queued."""
        changed = await self._db.execute(_INSERT, _values([item])[0])
        self.added += changed
        return changed == 1

    async def supersede_reminders(self, waiting: Sequence[tuple[int, int]], now: datetime) -> int:
        """Drop undelivered reminders of these (issue, person) pairs: newer ones replace them."""
        issues = sorted({issue_id for issue_id, _ in waiting})
        if not issues:
            return 0
        # Mostly none are waiting (the last ones went long ago): find the issues that have some.
        marks = ", ".join("?" * len(issues))
        rows = await self._db.fetch_all(
            f"SELECT DISTINCT issue_id FROM outbox WHERE issue_id IN ({marks})"
            f" AND sent_at IS NULL AND failed_at IS NULL AND kind = {_REMINDER}",
            issues,
        )
        held = {row[0] for row in rows}
        before = self._db.changes
        await self._db.execute_many(
            "UPDATE outbox SET failed_at = ?, last_error = 'superseded by a newer reminder'"
            " WHERE issue_id = ? AND staff_id = ? AND sent_at IS NULL AND failed_at IS NULL"
            f" AND kind = {_REMINDER}",
            [(to_epoch(now), i, staff_id) for i, staff_id in waiting if i in held],
        )
        return self._db.changes - before

    async def supersede_edits(
        self, issue_id: int, cards: Sequence[tuple[int, int]], now: datetime
    ) -> int:
        """Drop the waiting edits of these cards of the issue (on the partial index of the
        issue's waiting messages, migration 0008): a newer edit shows the issue as it is then."""
        if not cards:
            return 0
        changed = await self._db.execute(
            "UPDATE outbox SET failed_at = ?, last_error = 'superseded by a newer edit'"
            " WHERE issue_id = ? AND sent_at IS NULL AND failed_at IS NULL"
            f" AND kind = {_REFRESH} AND attempted_at IS NULL"
            f" AND {self._db.dialect.json_field('payload', ERASE)} IS NULL"
            f" AND (chat_id, message_id) IN (SELECT a, b FROM {self._db.dialect.pairs()} AS card)",
            (to_epoch(now), issue_id, json.dumps([list(card) for card in cards])),
        )
        return int(changed)

    async def add_many(self, items: Sequence[OutboxItem]) -> int:
        """Queue several messages at once; how many were new (keys never queued before)."""
        if not items:
            return 0
        before = self._db.changes
        await self._db.execute_many(_INSERT, _values(items))
        added = self._db.changes - before
        self.added += added
        return added

    async def due(self, now: datetime, limit: int, held: Collection[int] = ()) -> list[OutboxItem]:
        """Undelivered messages due by `now`, most urgent first, oldest first; of the first
        `limit`, those not in `held` (the sender reads again and again while it sends: what it
        holds already is not read in full each time)."""
        rows = await self._db.fetch_all(
            "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND due_at <= ?"
            " ORDER BY priority, due_at, id LIMIT ?",
            (to_epoch(now), limit),
        )
        wanted = [row[0] for row in rows if row[0] not in held]
        if not wanted:
            return []
        marks = ", ".join("?" * len(wanted))
        rows = await self._db.fetch_all(
            f"SELECT * FROM outbox WHERE id IN ({marks}) ORDER BY priority, due_at, id",
            wanted,
        )
        return [_item(row) for row in rows]

    async def get(self, item_id: int) -> OutboxItem | None:
        row = await self._db.fetch_one("SELECT * FROM outbox WHERE id = ?", (item_id,))
        return None if row is None else _item(row)

    async def attempting(self, item_ids: Sequence[int], now: datetime) -> set[int]:
        """Note that the messages are about to be handed to Telegram (one statement for a
        group of them); those not delivered nor dropped meanwhile."""
        if not item_ids:
            return set()
        rows = await self._db.fetch_all(
            "UPDATE outbox SET attempted_at = ?"
            f" WHERE id IN {self._db.dialect.each()} AND sent_at IS NULL AND failed_at IS NULL"
            " RETURNING id",
            (to_epoch(now), json.dumps(list(item_ids))),
        )
        return {row[0] for row in rows}

    async def mark_sent(self, sent: Sequence[tuple[int, int | None]], now: datetime) -> None:
        await self._db.execute_many(
            "UPDATE outbox SET sent_at = ?, message_id = coalesce(?, message_id),"
            " attempts = attempts + 1 WHERE id = ?",
            [(to_epoch(now), message_id, item_id) for item_id, message_id in sent],
        )

    async def retry_later(self, item_id: int, due_at: datetime, error: str) -> None:
        await self._db.execute(
            "UPDATE outbox SET due_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
            (to_epoch(due_at), error, item_id),
        )

    async def give_up(self, item_id: int, now: datetime, error: str) -> None:
        await self._db.execute(
            "UPDATE outbox SET failed_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
            (to_epoch(now), error, item_id),
        )

    async def reminders_waiting(
        self, chat_id: int, priority: int, now: datetime, limit: int, besides: int
    ) -> list[OutboxItem]:
        # A range of the index outbox_waiting_by_chat (migration 0015).
        rows = await self._db.fetch_all(
            "SELECT * FROM outbox WHERE chat_id = ? AND priority = ? AND due_at <= ?"
            f" AND sent_at IS NULL AND failed_at IS NULL AND kind = {_REMINDER} AND id != ?"
            " ORDER BY due_at, id LIMIT ?",
            (chat_id, priority, to_epoch(now), besides, limit),
        )
        return [_item(row) for row in rows]

    async def reminders_to(self, chat_id: int, since: datetime, limit: int) -> list[OutboxItem]:
        rows = await self._db.fetch_all(
            f"SELECT * FROM outbox WHERE chat_id = ? AND kind = {_REMINDER} AND created_at >= ?"
            " ORDER BY created_at, id LIMIT ?",
            (chat_id, to_epoch(since), limit),
        )
        return [_item(row) for row in rows]

    async def set_aside(self, reasons: Sequence[tuple[int, str]], now: datetime) -> None:
        await self._db.execute_many(
            "UPDATE outbox SET failed_at = ?, last_error = ?"
            " WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL",
            [(to_epoch(now), reason, item_id) for item_id, reason in reasons],
        )

    async def relist(self, item_id: int, payload: dict[str, str]) -> None:
        await self._db.execute(
            "UPDATE outbox SET payload = ?, issue_id = NULL WHERE id = ?",
            (json.dumps(payload, ensure_ascii=False), item_id),
        )

    async def next_due_at(self) -> datetime | None:
        row = await self._db.fetch_one(
            "SELECT min(due_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )
        return None if row is None or row[0] is None else from_epoch(row[0])

    async def backlog(self, now: datetime) -> Backlog:
        # On a partial index of the waiting messages alone (outbox_due, or the chats' one): its
        # cost is the backlog's size, never the outbox's history.
        row = await self._db.fetch_one(
            "SELECT count(*), min(due_at) FROM outbox"
            " WHERE sent_at IS NULL AND failed_at IS NULL AND due_at <= ?",
            (to_epoch(now),),
        )
        assert row is not None
        return Backlog(row[0], None if row[1] is None else from_epoch(row[1]))

    async def purge_done_before(self, before: datetime, limit: int) -> int:
        # A range of the index outbox_done (migration 0013), whose expression and condition
        # the query repeats word for word.
        return await self._db.execute(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_done"
            " WHERE (sent_at IS NOT NULL OR failed_at IS NOT NULL)"
            " AND coalesce(sent_at, failed_at) < ? ORDER BY coalesce(sent_at, failed_at) LIMIT ?)",
            (to_epoch(before), limit),
        )


class SqlCards:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def add(self, card: Card) -> None:
        await self._db.execute(
            "INSERT INTO cards"
            " (chat_id, message_id, issue_id, staff_id, department, headline)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE SET"
            " issue_id = excluded.issue_id, staff_id = excluded.staff_id,"
            " department = excluded.department, headline = excluded.headline",
            (
                card.chat_id,
                card.message_id,
                card.issue_id,
                card.staff_id,
                card.department,
                card.headline,
            ),
        )

    async def find(self, chat_id: int, message_id: int) -> Card | None:
        row = await self._db.fetch_one(
            "SELECT * FROM cards WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return None if row is None else _card(row)

    async def latest(self, chat_id: int, issue_id: int) -> Card | None:
        # A range of cards_by_issue, which holds the table's key (chat, message) after the issue.
        row = await self._db.fetch_one(
            "SELECT * FROM cards INDEXED BY cards_by_issue WHERE issue_id = ? AND chat_id = ?"
            " ORDER BY message_id DESC LIMIT 1",
            (issue_id, chat_id),
        )
        return None if row is None else _card(row)

    async def of_issue(self, issue_id: int) -> list[Card]:
        rows = await self._db.fetch_all(
            "SELECT * FROM cards WHERE issue_id = ? ORDER BY chat_id, message_id",
            (issue_id,),
        )
        return [_card(row) for row in rows]

    async def of_issues(self, issue_ids: Sequence[int]) -> list[Card]:
        rows = await self._db.fetch_all(
            f"SELECT * FROM cards WHERE issue_id IN {self._db.dialect.each()}"
            " ORDER BY issue_id, chat_id, message_id",
            (json.dumps(list(issue_ids)),),
        )
        return [_card(row) for row in rows]

    async def drop_headlines(self, issue_id: int) -> None:
        await self._db.execute(
            "UPDATE cards SET headline = NULL WHERE issue_id = ? AND headline IS NOT NULL",
            (issue_id,),
        )

    async def forget(self, issue_ids: Sequence[int]) -> int:
        return await self._db.execute(
            f"DELETE FROM cards WHERE issue_id IN {self._db.dialect.each()}",
            (json.dumps(list(issue_ids)),),
        )


def _card(row: Row) -> Card:
    return Card(
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        issue_id=row["issue_id"],
        staff_id=row["staff_id"],
        department=row["department"],
        headline=row["headline"],
    )


class SqlDigests:
    def __init__(self, db: Statements) -> None:
        self._db = db

    async def claim(self, day: str, kind: str) -> bool:
        """True the first time a digest of this kind is claimed for this day."""
        changed = await self._db.execute(
            "INSERT INTO digests (day, kind) VALUES (?, ?) ON CONFLICT DO NOTHING", (day, kind)
        )
        return changed == 1
