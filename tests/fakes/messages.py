"""Messages in memory: the outbox, the cards already sent, digests claimed, Telegram updates
fetched and handled, exports being built, the heartbeats of the bot's loops."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from casework.health import Backlog, Heartbeat
from casework.outbox import ERASE, Card, OutboxItem, OutboxKind
from casework.ports import RunningExport
from tests.fakes.tables import Message, Tables, stored, whole_seconds

SUPERSEDED = "superseded by a newer reminder"


class FakeOutbox:
    def __init__(self, tables: Tables) -> None:
        self._t = tables
        self.added = 0  # how many new messages this transaction queued

    async def add(self, item: OutboxItem) -> bool:
        return await self.add_many([item]) == 1

    async def add_many(self, items: Sequence[OutboxItem]) -> int:
        if not items:
            return 0
        self._t.write()
        taken = {m.item.key for m in self._t.outbox.values()}
        added = 0
        for item in items:
            if item.key in taken:  # the same change never queues a message twice
                continue
            message_id = self._t.next_id("outbox")
            self._t.outbox[message_id] = Message(
                stored(dataclasses.replace(item, id=message_id, attempts=0))
            )
            taken.add(item.key)
            added += 1
        self.added += added
        return self._t.changed(added)

    async def supersede_reminders(self, waiting: Sequence[tuple[int, int]], now: datetime) -> int:
        if not waiting:
            return 0
        self._t.write()
        pairs = set(waiting)
        replaced = [
            m
            for m in self._t.outbox.values()
            if m.waiting
            and m.item.kind is OutboxKind.REMINDER
            and (m.item.issue_id, m.item.staff_id) in pairs
        ]
        for message in replaced:
            message.failed_at, message.last_error = whole_seconds(now), SUPERSEDED
        return self._t.changed(len(replaced))

    async def supersede_edits(
        self, issue_id: int, cards: Sequence[tuple[int, int]], now: datetime
    ) -> int:
        if not cards:
            return 0
        self._t.write()
        wanted = set(cards)
        replaced = [
            m
            for m in self._t.outbox.values()
            if m.waiting
            and m.attempted_at is None
            and m.item.kind is OutboxKind.REFRESH
            and m.item.issue_id == issue_id
            and ERASE not in m.item.payload
            and (m.item.chat_id, m.item.message_id) in wanted
        ]
        for message in replaced:
            message.failed_at, message.last_error = whole_seconds(now), "superseded by a newer edit"
        return self._t.changed(len(replaced))

    async def due(self, now: datetime, limit: int, held: Collection[int] = ()) -> list[OutboxItem]:
        due = [
            m.item
            for m in self._t.outbox.values()
            if m.waiting and m.item.due_at <= whole_seconds(now)
        ]
        due.sort(key=lambda item: (item.priority, item.due_at, item.id or 0))
        return [item for item in due[:limit] if item.id not in held]

    async def get(self, item_id: int) -> OutboxItem | None:
        message = self._t.outbox.get(item_id)
        return None if message is None else message.item

    async def attempting(self, item_ids: Sequence[int], now: datetime) -> set[int]:
        self._t.write()
        marked = set()
        for item_id in item_ids:
            message = self._t.outbox.get(item_id)
            if message is not None and message.waiting:
                message.attempted_at = whole_seconds(now)
                self._t.changed()
                marked.add(item_id)
        return marked

    async def mark_sent(self, sent: Sequence[tuple[int, int | None]], now: datetime) -> None:
        for item_id, message_id in sent:

            def delivered(message: Message, message_id: int | None = message_id) -> None:
                message.sent_at = whole_seconds(now)
                if message_id is not None:
                    message.item = dataclasses.replace(message.item, message_id=message_id)

            self._attempted(item_id, delivered)

    async def retry_later(self, item_id: int, due_at: datetime, error: str) -> None:
        def later(message: Message) -> None:
            message.item = dataclasses.replace(message.item, due_at=whole_seconds(due_at))
            message.last_error = error

        self._attempted(item_id, later)

    async def give_up(self, item_id: int, now: datetime, error: str) -> None:
        def given_up(message: Message) -> None:
            message.failed_at, message.last_error = whole_seconds(now), error

        self._attempted(item_id, given_up)

    async def reminders_waiting(
        self, chat_id: int, priority: int, now: datetime, limit: int, besides: int
    ) -> list[OutboxItem]:
        found = [
            m.item
            for m in self._t.outbox.values()
            if m.waiting
            and m.item.kind is OutboxKind.REMINDER
            and m.item.chat_id == chat_id
            and m.item.priority == priority
            and m.item.due_at <= whole_seconds(now)
            and m.item.id != besides
        ]
        found.sort(key=lambda item: (item.due_at, item.id or 0))
        return found[:limit]

    async def reminders_to(self, chat_id: int, since: datetime, limit: int) -> list[OutboxItem]:
        at = whole_seconds(since)
        found = [
            m.item
            for m in self._t.outbox.values()
            if m.item.kind is OutboxKind.REMINDER
            and m.item.chat_id == chat_id
            and m.item.created_at >= at
        ]
        found.sort(key=lambda item: (item.created_at, item.id or 0))
        return found[:limit]

    async def set_aside(self, reasons: Sequence[tuple[int, str]], now: datetime) -> None:
        self._t.write()
        changed = 0
        for item_id, reason in reasons:
            message = self._t.outbox.get(item_id)
            if message is not None and message.waiting:
                message.failed_at, message.last_error = whole_seconds(now), reason
                changed += 1
        self._t.changed(changed)

    async def relist(self, item_id: int, payload: dict[str, str]) -> None:
        self._t.write()
        message = self._t.outbox.get(item_id)
        if message is not None:
            message.item = dataclasses.replace(message.item, issue_id=None, payload=dict(payload))
            self._t.changed()

    async def next_due_at(self) -> datetime | None:
        return min((m.item.due_at for m in self._t.outbox.values() if m.waiting), default=None)

    async def backlog(self, now: datetime) -> Backlog:
        due = [
            m.item.due_at
            for m in self._t.outbox.values()
            if m.waiting and m.item.due_at <= whole_seconds(now)
        ]
        return Backlog(len(due), min(due, default=None))

    async def purge_done_before(self, before: datetime, limit: int) -> int:
        self._t.write()
        done = sorted(
            (m.done_at, message_id)
            for message_id, m in self._t.outbox.items()
            if m.done_at is not None and m.done_at < whole_seconds(before)
        )[:limit]
        for _, message_id in done:
            del self._t.outbox[message_id]
        return self._t.changed(len(done))

    def _attempted(self, item_id: int, change: Callable[[Message], None]) -> None:
        """One more attempt at the message, and what became of it."""
        self._t.write()
        message = self._t.outbox.get(item_id)
        if message is None:
            return
        change(message)
        message.item = dataclasses.replace(message.item, attempts=message.item.attempts + 1)
        self._t.changed()


class FakeCards:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, card: Card) -> None:
        self._t.write()
        self._t.cards[card.chat_id, card.message_id] = card
        self._t.changed()

    async def find(self, chat_id: int, message_id: int) -> Card | None:
        return self._t.cards.get((chat_id, message_id))

    async def latest(self, chat_id: int, issue_id: int) -> Card | None:
        theirs = [
            c for c in self._t.cards.values() if c.chat_id == chat_id and c.issue_id == issue_id
        ]
        return max(theirs, key=lambda c: c.message_id, default=None)

    async def of_issue(self, issue_id: int) -> list[Card]:
        return [card for _, card in sorted(self._t.cards.items()) if card.issue_id == issue_id]

    async def of_issues(self, issue_ids: Sequence[int]) -> list[Card]:
        wanted = set(issue_ids)
        found = [card for card in self._t.cards.values() if card.issue_id in wanted]
        return sorted(found, key=lambda c: (c.issue_id, c.chat_id, c.message_id))

    async def drop_headlines(self, issue_id: int) -> None:
        self._t.write()
        for place, card in list(self._t.cards.items()):
            if card.issue_id == issue_id and card.headline is not None:
                self._t.cards[place] = dataclasses.replace(card, headline=None)
        self._t.changed()

    async def forget(self, issue_ids: Sequence[int]) -> int:
        self._t.write()
        gone = [place for place, card in self._t.cards.items() if card.issue_id in set(issue_ids)]
        for place in gone:
            del self._t.cards[place]
        return self._t.changed(len(gone))


class FakeDigests:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def claim(self, day: str, kind: str) -> bool:
        self._t.write()
        if (day, kind) in self._t.digests:
            return False
        self._t.digests.add((day, kind))
        self._t.changed()
        return True


class FakeUpdates:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def keep(self, updates: Sequence[tuple[int, str]], now: datetime) -> list[int]:
        self._t.write()
        kept = []
        for update_id, payload in updates:
            known = update_id in self._t.processed_updates or update_id in self._t.incoming_updates
            if not known:
                self._t.incoming_updates[update_id] = payload
                self._t.changed()
                kept.append(update_id)
        return kept

    async def unhandled(self) -> list[tuple[int, str]]:
        return sorted(self._t.incoming_updates.items())

    async def first_time(self, update_id: int, now: datetime) -> bool:
        self._t.write()
        if self._t.incoming_updates.pop(update_id, None) is not None:
            self._t.changed()
        if update_id in self._t.processed_updates:
            return False
        self._t.processed_updates[update_id] = whole_seconds(now)
        self._t.changed()
        return True

    async def handled(self, update_id: int) -> bool:
        return update_id in self._t.processed_updates

    async def forget_before(self, before: datetime) -> int:
        self._t.write()
        gone = [u for u, at in self._t.processed_updates.items() if at < whole_seconds(before)]
        for update_id in gone:
            del self._t.processed_updates[update_id]
        return self._t.changed(len(gone))


class FakeHeartbeats:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def beat(self, heartbeat: Heartbeat) -> None:
        self._t.write()
        self._t.heartbeats[heartbeat.beat] = stored(heartbeat)
        self._t.changed()

    async def all(self) -> list[Heartbeat]:
        return [self._t.heartbeats[beat] for beat in sorted(self._t.heartbeats)]


class FakeRunningExports:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def start(self, export: RunningExport, now: datetime) -> str | None:
        self._t.write()
        building = self._t.running_exports.get(export.staff_id)
        if building is not None:
            return building.period
        self._t.running_exports[export.staff_id] = export
        self._t.changed()
        return None

    async def end(self, staff_id: int) -> None:
        self._t.write()
        if self._t.running_exports.pop(staff_id, None) is not None:
            self._t.changed()

    async def take_all(self) -> list[RunningExport]:
        self._t.write()
        taken = [export for _, export in sorted(self._t.running_exports.items())]
        self._t.running_exports.clear()
        self._t.changed(len(taken))
        return taken
