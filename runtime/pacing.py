"""Telegram's sending limits, kept by the outbox sender: about 30 messages a second in all, one
a second to a person, 20 a minute to a group.

The limit in all is a leaky bucket from aiolimiter (the library python-telegram-bot's own
AIORateLimiter is built on) holding a single message: a bucket of 30 would let 30 go at once on
top of the 30 a second, and so 59 within some second. It is shared, so it hands out its places
by urgency: when messages to several people are ready at once, the most urgent goes first,
whatever the order they became ready in. A message waits for its chat's gap before it queues
for the bulk limit, so a person with many messages never holds up everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections import deque
from collections.abc import AsyncIterator

from aiolimiter import AsyncLimiter

BULK_PER_SECOND = 29  # Telegram allows about 30; replies to button presses use the rest
PER_CHAT_PER_SECOND = 1
PER_GROUP_PER_MINUTE = 20
_FORGET_CHATS_BEYOND = 10_000


class _Waiters:
    """Waiters in line, most urgent (lowest number) first, then in the order they came."""

    def __init__(self) -> None:
        self._line: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __bool__(self) -> bool:
        return bool(self._line)

    def join(self, priority: int) -> asyncio.Future[None]:
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._line, (priority, next(self._order), place))
        return place

    def let_next_go(self) -> bool:
        """Let the first waiter still waiting go on; False if there is none (a cancelled waiter
        gives its turn to the next)."""
        while self._line:
            _, _, place = heapq.heappop(self._line)
            if not place.done():
                place.set_result(None)
                return True
        return False


class UrgentFirst:
    """A leaky bucket whose waiters are served most urgent first, then in the order they came."""

    def __init__(self, per_second: float) -> None:
        self._bucket = _steady(per_second, 1)
        self._waiting = _Waiters()
        self._dispatcher: asyncio.Task[None] | None = None

    async def acquire(self, priority: int) -> None:
        place = self._waiting.join(priority)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="urgent-first")
        await place

    async def _dispatch(self) -> None:
        while self._waiting:
            await self._bucket.acquire()
            # Whoever is most urgent now, including anyone who came while we waited.
            self._waiting.let_next_go()


class UrgentSlots:
    """At most `count` holders at once (the sender's messages being sent); when all are taken,
    the most urgent waiter gets the next one free, then the one that came first. Without it, a
    new issue's card would wait behind every edit of older cards already waiting."""

    def __init__(self, count: int) -> None:
        self._free = count
        self._waiting = _Waiters()

    @contextlib.asynccontextmanager
    async def taken(self, priority: int) -> AsyncIterator[None]:
        if self._free > 0 and not self._waiting:
            self._free -= 1
        else:
            place = self._waiting.join(priority)
            try:
                await place
            except asyncio.CancelledError:
                if place.done() and not place.cancelled():  # given a slot as it was cancelled
                    self._release()
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        if not self._waiting.let_next_go():
            self._free += 1


class Limits:
    """Telegram's limits for the outbox sender; `enabled=False` sends as fast as the Bot API
    server answers (benchmarks, self-hosted servers in tests).

    Each limit is measured from when requests actually go, not from when a place was handed
    out: a place taken early and held through a slow database write would let messages bunch
    (31 in a second, and two to one person 0.4 s apart, were seen on a busy CI machine). So a
    chat's next message waits until a second (a group's, three) after its last one went, and
    the place in the bulk limit is taken last, with nothing between it and the request. This
    relies on the sender's one-message-at-a-time per chat.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bulk = UrgentFirst(BULK_PER_SECOND)
        self._last_sent: dict[int, float] = {}  # chat id -> loop time its last message went
        self._went: deque[float] = deque(maxlen=BULK_PER_SECOND)  # the latest requests' times

    async def person(self, chat_id: int) -> None:
        """Wait until the chat's last message went long enough ago."""
        if not self.enabled:
            return
        last = self._last_sent.get(chat_id)
        if last is not None:
            wait = last + _gap(chat_id) - asyncio.get_running_loop().time()
            if wait > 0:
                await asyncio.sleep(wait)

    async def bulk(self, chat_id: int, priority: int) -> None:
        """Wait for a place in Telegram's limit in all, most urgent first, and note that the
        chat's message goes now. Call it just before the request."""
        if not self.enabled:
            return
        await self._bulk.acquire(priority)
        loop = asyncio.get_running_loop()
        # The bucket spaces the places it hands out; a stalled event loop can still wake two
        # holders together. The times requests really went keep any one second to the limit.
        # Checked again after each wait: others may have gone meanwhile.
        while (wait := self._room_in(loop.time())) > 0:  # noqa: ASYNC110 (a time, no event)
            await asyncio.sleep(wait)
        now = loop.time()
        self._went.append(now)
        if len(self._last_sent) > _FORGET_CHATS_BEYOND:  # keep only gaps still running
            self._last_sent = {c: t for c, t in self._last_sent.items() if t + _gap(c) > now}
        self._last_sent[chat_id] = now

    def _room_in(self, now: float) -> float:
        """Seconds until one more request fits among the last second's (0 or less: now)."""
        if len(self._went) < BULK_PER_SECOND:
            return 0.0
        return 1 - (now - self._went[0])


def _gap(chat_id: int) -> float:
    """Seconds between two messages to a chat: a person's, or a group's (negative ids)."""
    return 1 / PER_CHAT_PER_SECOND if chat_id > 0 else 60 / PER_GROUP_PER_MINUTE


def _steady(count: float, seconds: float) -> AsyncLimiter:
    """At most `count` in any `seconds`, evenly spaced: one at a time, no burst."""
    return AsyncLimiter(1, seconds / count)
