"""The sender's shared places go to the most urgent message waiting."""

from __future__ import annotations

import asyncio

from handlers.pacing import UrgentSlots


async def test_when_all_places_are_taken_the_most_urgent_waiter_goes_next() -> None:
    slots = UrgentSlots(1)
    order: list[str] = []
    release = asyncio.Event()

    async def send(name: str, priority: int) -> None:
        async with slots.taken(priority):
            order.append(name)
            if name == "first":
                await release.wait()

    first = asyncio.create_task(send("first", 40))
    await asyncio.sleep(0)  # it holds the only place
    waiting = [
        asyncio.create_task(send(name, priority))
        for name, priority in (("card edit", 40), ("reminder", 30), ("new issue", 20))
    ]
    await asyncio.sleep(0)  # all three queue up
    release.set()
    await asyncio.gather(first, *waiting)

    assert order == ["first", "new issue", "reminder", "card edit"]


async def test_a_waiter_that_gives_up_passes_its_turn_on() -> None:
    slots = UrgentSlots(1)
    order: list[str] = []
    release = asyncio.Event()

    async def send(name: str, priority: int) -> None:
        async with slots.taken(priority):
            order.append(name)
            if name == "first":
                await release.wait()

    first = asyncio.create_task(send("first", 40))
    await asyncio.sleep(0)
    quitter = asyncio.create_task(send("quitter", 10))
    later = asyncio.create_task(send("later", 30))
    await asyncio.sleep(0)
    quitter.cancel()
    release.set()
    await asyncio.gather(first, later)

    assert order == ["first", "later"]
    async with slots.taken(50):  # and the place is free again afterwards
        order.append("after")
    assert order[-1] == "after"
