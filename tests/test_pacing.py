"""The sender's shared places go to the most urgent message waiting; the limits hold even
when the event loop stalls."""

from __future__ import annotations

import asyncio
import bisect

from runtime.pacing import BULK_PER_SECOND, Limits, UrgentSlots


class Sender:
    """Senders sharing one place: "first" takes it and keeps it until `release` is set."""

    def __init__(self) -> None:
        self.slots = UrgentSlots(1)
        self.order: list[str] = []
        self.release = asyncio.Event()

    async def send(self, name: str, priority: int) -> None:
        async with self.slots.taken(priority):
            self.order.append(name)
            if name == "first":
                await self.release.wait()


async def test_when_all_places_are_taken_the_most_urgent_waiter_goes_next() -> None:
    sender = Sender()
    first = asyncio.create_task(sender.send("first", 40))
    await asyncio.sleep(0)  # one turn of the loop: it holds the only place
    waiting = [
        asyncio.create_task(sender.send(name, priority))
        for name, priority in (("card edit", 40), ("reminder", 30), ("new issue", 20))
    ]
    await asyncio.sleep(0)  # one turn: all three queue up
    sender.release.set()
    await asyncio.gather(first, *waiting)

    assert sender.order == ["first", "new issue", "reminder", "card edit"]


async def test_a_waiter_that_gives_up_passes_its_turn_on() -> None:
    sender = Sender()
    first = asyncio.create_task(sender.send("first", 40))
    await asyncio.sleep(0)
    quitter = asyncio.create_task(sender.send("quitter", 10))
    later = asyncio.create_task(sender.send("later", 30))
    await asyncio.sleep(0)
    quitter.cancel()
    sender.release.set()
    await asyncio.gather(first, later)
    await sender.send("after", 50)  # and the place is free again afterwards

    assert sender.order == ["first", "later", "after"]


class AllAtOnce:
    """A bucket that hands out every place at once, as a stalled event loop can make the
    real one do (the places fall due during the stall and are taken together after it)."""

    async def acquire(self, priority: int) -> None:
        return None


async def test_places_handed_out_together_still_go_at_most_the_limit_in_any_second() -> None:
    limits = Limits(enabled=True)
    limits._bulk = AllAtOnce()  # type: ignore[assignment]
    went: list[float] = []
    loop = asyncio.get_running_loop()

    async def send(chat: int) -> None:
        await limits.bulk(chat, priority=30)
        went.append(loop.time())

    await asyncio.gather(*(send(chat) for chat in range(1, 71)))

    assert len(went) == 70
    in_a_second = [bisect.bisect_left(went, t + 1.0) - i for i, t in enumerate(went)]
    assert max(in_a_second) == BULK_PER_SECOND


async def test_a_persons_next_message_waits_a_second_from_when_the_last_one_went() -> None:
    limits = Limits(enabled=True)
    loop = asyncio.get_running_loop()
    await limits.bulk(7, priority=30)
    went = loop.time()

    await limits.person(7)
    await limits.person(8)  # someone else: no wait

    assert loop.time() - went >= 1.0
