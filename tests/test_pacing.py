"""The sender's shared places go to the most urgent message waiting."""

from __future__ import annotations

import asyncio

from handlers.pacing import UrgentSlots


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
