"""The sender: delivers the outbox to Telegram, within its limits, retrying what fails.

It wakes when a transaction queues messages (and at least every poll interval) and reads the
most urgent due messages into a queue per chat. Each chat with something queued has a worker
that sends its messages one after another, most urgent first; the workers share Telegram's
limits (runtime/pacing.py: about 30 a second in all, given to the most urgent message ready,
one a second per person, 20 a minute per group), so a wave of reminders goes out at the full
rate and a person with many messages holds up no one else. It honours 429's retry-after,
backs off on network errors and 5xx, and stops writing to someone who blocked the bot (the
coordinators are told).

When the database fails, the sender pauses (1 s, doubling up to a minute) rather than trying
again at once. A message Telegram took whose delivery could not be recorded is kept here and
recorded when the database answers again, before anything else is sent: it is never sent
again while the process lives (after a restart it may be: see README, at least once).

Replies to the person pressing buttons do not come through here: handlers send those directly,
so they never wait behind a wave of reminders.

At a stop (`stop`), it takes no more messages; those already being handed to Telegram finish,
and are recorded, within a deadline; those still waiting their turn stay due for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from telegram import Bot, InputMediaPhoto, ReplyKeyboardRemove
from telegram.error import TelegramError

from casework.issues import Issue
from casework.outbox import OutboxItem, Priority
from casework.ports import StoreWriteFailed
from casework.services import Deps, delivery
from casework.services.delivery import Sent
from config.logs import RepeatedErrors, redact
from runtime.composer import Composer, Outgoing
from runtime.failures import AlreadyShown, GiveUp, TryLater, Unreachable, after_failure
from runtime.grouping import GroupCommit
from runtime.metrics import Counters
from runtime.pacing import Limits, UrgentSlots
from runtime.requests import QUICK_RETRIES

log = logging.getLogger(__name__)

DATABASE_BACKOFF = (1.0, 60.0)  # seconds: the first pause after the database fails, the longest
READING = "outbox: reading what is due"
PREPARING = "outbox: marking a message as being sent"
RECORDING = "outbox: recording a delivery"
NOTING = "outbox: recording a failed attempt"
# Telegram's refusals and failures, counted by what follows (runtime/metrics.py).
_COUNTED: dict[type, str] = {
    TryLater: "retried",
    Unreachable: "unreachable",
    AlreadyShown: "not_modified",
    GiveUp: "given_up",
}


@dataclass(frozen=True)
class _Unrecorded:
    """A message Telegram took, whose delivery the database could not record yet."""

    item: OutboxItem
    message_id: int | None
    shown: Issue | None
    headline: str | None = None


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        deps: Deps,
        default_language: str,
        poll_seconds: float,
        rate_limit: bool = True,
        in_flight: int = 8,
        window: int = 200,
        passwords: Sequence[str] = (),
    ) -> None:
        self._bot, self._deps = bot, deps
        self._passwords = passwords  # the proxy's: kept out of the errors stored
        self._composer = Composer(deps, default_language)
        self._poll = poll_seconds
        self._limits = Limits(rate_limit)
        self._in_flight = UrgentSlots(in_flight)  # messages being sent at once, urgent first
        self._window = window  # due messages read ahead into the chats' queues
        # The chats with messages queued here, each a heap (most urgent first) and a worker
        # sending them; a chat is here exactly while its worker runs.
        self._queues: dict[int, list[tuple[int, int, OutboxItem]]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._held: set[int] = set()  # outbox ids queued here or being sent
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._generation = 0
        self._paused_until = 0.0  # loop time until which Telegram asked us to wait (429)
        # Delivered but not recorded: their ids stay held, so they are never read again.
        self._unrecorded: dict[int, _Unrecorded] = {}
        # When the database cannot be written (or read): what fails, the pause, and the gate
        # the chats' workers wait at before they mark another message as being sent.
        self._failing: set[str] = set()
        self._backoff = 0.0
        self._resume_at = 0.0  # loop time
        self._database_ok = asyncio.Event()
        self._database_ok.set()
        self._errors = RepeatedErrors(log, deps.clock.now)
        # Stopping: the workers whose message is being handed to Telegram (or recorded) finish
        # it; the others stop at once.
        self._stopping = False
        self._stopped = asyncio.Event()
        self._sending: set[asyncio.Task[Any]] = set()
        # The workers that mark their messages as being sent (or record them sent) at the same
        # moment do it in one transaction (group commit, runtime/grouping.py).
        self.counters = Counters()  # for the metrics (runtime/metrics.py)
        self.preparing = GroupCommit(partial(delivery.prepare_all, deps))
        self.recording = GroupCommit(partial(delivery.sent_all, deps))

    def wake(self) -> None:
        """New messages were queued: deliver them now."""
        self._generation += 1
        self._idle.clear()
        self._wake.set()

    async def drained(self) -> None:
        """Wait until nothing due is left undelivered (for tests and clean shutdowns)."""
        self.wake()
        await self._idle.wait()

    async def stop(self, deadline: float) -> None:
        """Stop delivering: take no more messages; let those being handed to Telegram finish,
        with their record, for up to `deadline` seconds; leave the rest due for the next start.
        A message still on its way at the deadline is cancelled, and may arrive twice after the
        restart (logged)."""
        if self._stopping:
            return
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        for worker in self._workers - self._sending:  # not handed to Telegram: they stay due
            worker.cancel()
        if self._workers:
            _, late = await asyncio.wait(self._workers, timeout=deadline)
            if late:
                log.warning(
                    "outbox: %d messages were still on their way to Telegram %g s after the stop"
                    " began; they are cancelled, and may arrive twice after the restart",
                    len(late),
                    deadline,
                )
                for worker in late:
                    worker.cancel()
                await asyncio.gather(*late, return_exceptions=True)
        if self._unrecorded:
            try:
                await self._record_unrecorded()
            except Exception as exc:
                log.error(
                    "outbox: %d messages Telegram took could not be recorded (%s); they may"
                    " arrive twice after the restart",
                    len(self._unrecorded),
                    type(exc).__name__,
                )

    async def run(self) -> None:
        QUICK_RETRIES.set(False)  # for this task and the chats' workers it starts
        try:
            while not self._stopping:
                await self._wait_for_database()
                if self._stopping:
                    break
                self._wake.clear()
                generation = self._generation
                try:
                    await self._record_unrecorded()
                except Exception as exc:
                    self._database_failed(RECORDING, exc)
                    if isinstance(exc, StoreWriteFailed):
                        continue  # nothing can be recorded: send nothing more for now
                try:
                    items = await delivery.due(self._deps, self._window, self._held)
                except Exception as exc:
                    self._database_failed(READING, exc)
                    if not self._held and generation == self._generation:
                        self._idle.set()  # nothing more it can do until the database answers
                    continue
                if self._stopping:
                    break
                self._database_worked(READING)
                if RECORDING not in self._failing:  # a worker may have failed to record meanwhile
                    self._database_ok.set()
                taken = self._take(items)
                if taken:
                    continue  # read on while the window has room
                if not self._held and generation == self._generation:
                    self._idle.set()
                quiet = await self._quiet_for()
                # asyncio.timeout, not wait_for: on Python 3.11, wait_for can swallow a
                # cancellation that comes as the timeout ends, and the sender would not stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(quiet):
                        await self._wake.wait()
        finally:
            if not self._stopping:  # cancelled outright; a stop lets some finish
                for worker in self._workers:
                    worker.cancel()
                await asyncio.gather(*self._workers, return_exceptions=True)

    def _take(self, items: list[OutboxItem]) -> int:
        """Queue the due messages not already held, within the window; how many. Messages
        more urgent than routine reminders (notices of steps, anything about an urgent issue)
        are taken even when the window is full of reminders and card edits, so they go next
        rather than after the window has half emptied. (They are at most a read's worth for
        each level: the next read finds the same most urgent messages, already held.)"""
        taken = 0
        for item in items:
            assert item.id is not None
            if item.id in self._held:  # it was delivered meanwhile and read again: later
                continue
            if len(self._held) >= self._window and item.priority >= Priority.REMINDER:
                continue
            self._held.add(item.id)
            queue = self._queues.get(item.chat_id)
            if queue is None:
                queue = self._queues[item.chat_id] = []
                worker = asyncio.create_task(self._chat_worker(item.chat_id, queue))
                self._workers.add(worker)
                worker.add_done_callback(self._workers.discard)
            heapq.heappush(queue, (item.priority, item.id, item))
            taken += 1
        return taken

    async def _chat_worker(self, chat_id: int, queue: list[tuple[int, int, OutboxItem]]) -> None:
        """Send one chat's queued messages, most urgent first, until none are left."""
        try:
            while queue and not self._stopping:
                await self._database_ok.wait()
                _, item_id, item = heapq.heappop(queue)
                try:
                    self._let_go(queue, await self._deliver(item))
                except Exception as exc:  # e.g. the database failed while recording a failure
                    self._database_failed(NOTING, exc)
                finally:
                    self._sending.discard(_this_task())
                    if item_id not in self._unrecorded:
                        self._held.discard(item_id)
                    if len(self._held) <= self._window // 2:
                        self._wake.set()  # room in the window: read on
        finally:
            for _, item_id, _ in queue:  # cancelled: they are read again next time
                self._held.discard(item_id)
            del self._queues[chat_id]
            self._wake.set()

    def _let_go(self, queue: list[tuple[int, int, OutboxItem]], folded: Collection[int]) -> None:
        """The reminders a list took in go no other way: those queued here are let go at once
        (else each would wait its turn in the chat's pace, only to be found given up)."""
        if not folded:
            return
        gone = set(folded)
        kept = [entry for entry in queue if entry[1] not in gone]
        if len(kept) != len(queue):
            queue[:] = kept
            heapq.heapify(queue)
        self._held -= gone - self._unrecorded.keys()

    async def _quiet_for(self) -> float:
        """How long to sleep: until the next message falls due, at most a poll interval."""
        try:
            next_due = await delivery.next_due_at(self._deps)
        except Exception:
            return self._poll
        if next_due is None:
            return self._poll
        seconds = (next_due - self._deps.clock.now()).total_seconds()
        return min(self._poll, max(0.05, seconds))

    async def _wait_for_database(self) -> None:
        pause = self._resume_at - asyncio.get_running_loop().time()
        if pause > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._stopped.wait()  # a stop ends the pause

    def _database_failed(self, what: str, exc: Exception) -> None:
        """Log the failure (once, then counted). If the database cannot be written, or read,
        pause before it is tried again: longer each time it fails again. Any other failure
        (a lock held too long, a bug) is one message's: the others go on."""
        self._errors.failed(what, exc)
        if what != READING and not isinstance(exc, StoreWriteFailed):
            return
        self._failing.add(what)
        self._database_ok.clear()
        self._wake.set()  # the main loop decides when to try again
        now = asyncio.get_running_loop().time()
        if now >= self._resume_at:  # not already pausing for a failure just before
            first, longest = DATABASE_BACKOFF
            self._backoff = min(longest, self._backoff * 2) if self._backoff else first
            self._resume_at = now + self._backoff

    def _database_worked(self, what: str) -> None:
        self._errors.worked(what)
        self._failing.discard(what)
        if not self._failing:  # reading may work while writing does not: no reset for that
            self._backoff = 0.0

    async def _record_unrecorded(self) -> None:
        """Record the deliveries the database could not record when they happened. Raises
        StoreWriteFailed at once, anything else after trying them all."""
        if not self._unrecorded:
            return
        failed: Exception | None = None
        for item_id, done in list(self._unrecorded.items()):
            try:
                await delivery.sent(
                    self._deps, done.item, done.message_id, done.shown, done.headline
                )
            except StoreWriteFailed:
                raise
            except Exception as exc:
                failed = failed or exc
                continue
            self._unrecorded.pop(item_id, None)  # a stop may have recorded it meanwhile
            self._held.discard(item_id)
        if failed is not None:
            raise failed
        self._database_worked(RECORDING)

    async def _deliver(self, item: OutboxItem) -> Collection[int]:
        """Send the message; the ids of the other messages it took in (a list of reminders)."""
        await self._wait_if_paused()
        await self._limits.person(item.chat_id)
        async with self._in_flight.taken(item.priority):
            try:
                prepared = await self.preparing(item)
            except StoreWriteFailed as exc:
                self._database_failed(PREPARING, exc)
                return ()  # not handed to Telegram: it stays due, and is read again
            except Exception as exc:  # this message's trouble: tried again later, counted
                await self._not_delivered(item, exc)
                return ()
            self._database_worked(PREPARING)
            if prepared is None:
                return ()
            item = prepared.item  # as it goes: it may list other reminders now
            try:
                out = await self._composer.compose(prepared)
                message_id = await self._post(item, out)
            except Exception as exc:
                await self._not_delivered(item, exc)
                self._database_worked(NOTING)
                return prepared.folded
            await self._record(item, message_id, prepared.issue, out.headline)
            return prepared.folded

    async def _record(
        self,
        item: OutboxItem,
        message_id: int | None,
        shown: Issue | None,
        headline: str | None = None,
    ) -> None:
        """Record that Telegram has the message. If the database cannot, the sender keeps it and
        records it later, and meanwhile sends nothing else (whatever it sent could not be
        recorded either)."""
        assert item.id is not None
        try:
            await self.recording(Sent(item, message_id, shown, headline))
        except Exception as exc:
            self._unrecorded[item.id] = _Unrecorded(item, message_id, shown, headline)
            self._database_failed(RECORDING, exc)
        else:
            self.counters.delivered += 1
            if not self._unrecorded:  # recording works for all, not just for this one
                self._database_worked(RECORDING)

    async def _not_delivered(self, item: OutboxItem, error: Exception) -> None:
        """Record why Telegram did not take the message, and what comes next (runtime/failures.py
        decides)."""
        deps = self._deps
        if not isinstance(error, TelegramError):
            log.error("outbox %s: could not be delivered", item.key, exc_info=error)
        outcome = after_failure(error, item.attempts, to_a_person=item.staff_id is not None)
        if isinstance(outcome, TryLater | GiveUp) and outcome.pause_all:  # Telegram's 429
            self._paused_until = asyncio.get_running_loop().time() + outcome.pause_all
        self.counters.not_delivered[_COUNTED[type(outcome)]] += 1
        match outcome:
            case TryLater(delay=delay, error=why):
                await delivery.retry(deps, item, delay, self._stored(why))
            case Unreachable(error=why, blocked=blocked):
                await delivery.unreachable(deps, item, self._stored(why), blocked=blocked)
            case AlreadyShown():
                await self._record(item, None, None)
            case GiveUp(error=why, refused=refused):
                if refused:
                    log.warning("outbox %s: Telegram refused it: %s", item.key, why)
                else:
                    log.error("outbox %s: giving up (%s)", item.key, why)
                await delivery.give_up(deps, item, self._stored(why))

    def _stored(self, error: str) -> str:
        """The error as the outbox keeps it (and so every backup): without the token, which
        an answer from a proxy or the network may hold, nor the proxy's password."""
        return redact(error, self._bot.token, passwords=self._passwords)

    async def _wait_if_paused(self) -> None:
        pause = self._paused_until - asyncio.get_running_loop().time()
        if pause > 0:
            await asyncio.sleep(pause)

    async def _post(self, item: OutboxItem, out: Outgoing) -> int | None:
        """Hand the message to Telegram, each request within the limits; the id of the message
        sent (None for an edit)."""
        chat = item.chat_id
        loop = asyncio.get_running_loop()
        while True:  # Telegram may ask for a pause (429) meanwhile: then wait and queue again
            await self._wait_if_paused()
            await self._limits.bulk(chat, item.priority)  # last before the request: see Limits
            if self._paused_until <= loop.time():
                break
        # From here the message may reach Telegram: a stop lets it finish, and be recorded.
        self._sending.add(_this_task())
        if out.edit is not None:
            assert not isinstance(out.keyboard, ReplyKeyboardRemove)  # only a card is edited
            await self._bot.edit_message_text(
                out.text,
                chat_id=chat,
                message_id=out.edit,
                parse_mode="HTML",
                reply_markup=out.keyboard,
            )
            return None
        if out.photos:
            return await self._post_photos(chat, out)
        sent = await self._bot.send_message(
            chat, out.text, parse_mode="HTML", reply_markup=out.keyboard
        )
        if out.charts:  # a second message to the same chat: its own turn
            await self._limits.person(chat)
            await self._limits.bulk(chat, item.priority)
            if len(out.charts) == 1:
                await self._bot.send_photo(chat, out.charts[0])
            else:
                await self._bot.send_media_group(chat, [InputMediaPhoto(c) for c in out.charts])
        return sent.message_id

    async def _post_photos(self, chat: int, out: Outgoing) -> int:
        """Photos as one album (one request) with the caption under them; the first one's id."""
        if len(out.photos) == 1:
            sent = await self._bot.send_photo(chat, out.photos[0], out.text, parse_mode="HTML")
            return sent.message_id
        album = [
            InputMediaPhoto(photo, out.text if n == 0 else None, parse_mode="HTML")
            for n, photo in enumerate(out.photos)
        ]
        return (await self._bot.send_media_group(chat, album))[0].message_id


def _this_task() -> asyncio.Task[Any]:
    task = asyncio.current_task()
    assert task is not None
    return task
