"""One person cannot stall everyone: their queue takes no shared place, their export runs in
the background, and the heavy requests are limited per person."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Chat, Message, Update, User

import handlers.stats
from emulator import EmulatedUser
from exports.process import ExportJob
from runtime.ordering import PerPersonUpdateProcessor
from tests.flows import log_issue
from tests.harness import Harness


def update_from(person: int, update_id: int) -> Update:
    chat = Chat(person, Chat.PRIVATE)
    sender = User(person, f"p{person}", is_bot=False)
    message = Message(update_id, datetime.now(UTC), chat, from_user=sender, text="/help")
    return Update(update_id, message=message)


async def test_one_persons_queued_updates_take_no_place_from_another_person() -> None:
    processor = PerPersonUpdateProcessor(max_concurrent_updates=2)
    release = asyncio.Event()
    done: list[str] = []

    async def slow() -> None:
        await release.wait()
        done.append("a: slow")

    async def quick(name: str) -> None:
        done.append(name)

    first = [asyncio.create_task(processor.process_update(update_from(1, 1), slow()))]
    first += [
        asyncio.create_task(processor.process_update(update_from(1, 2 + n), quick(f"a: {n}")))
        for n in range(5)
    ]
    other = asyncio.create_task(processor.process_update(update_from(2, 9), quick("b")))

    await asyncio.wait_for(other, 5)  # while the first person's long step still runs

    assert done == ["b"]
    release.set()
    await asyncio.gather(*first)
    assert done == ["b", "a: slow", *(f"a: {n}" for n in range(5))]  # theirs in order


async def test_no_more_updates_run_at_once_than_there_are_places() -> None:
    processor = PerPersonUpdateProcessor(max_concurrent_updates=2)
    release, two_started = asyncio.Event(), asyncio.Event()
    running: list[int] = []

    async def step(person: int) -> None:
        running.append(person)
        if len(running) == 2:
            two_started.set()
        await release.wait()

    tasks = [
        asyncio.create_task(processor.process_update(update_from(p, p), step(p))) for p in (1, 2, 3)
    ]
    await asyncio.wait_for(two_started.wait(), 5)
    for _ in range(10):
        await asyncio.sleep(0)  # every chance for a third to start, were there a place

    assert len(running) == 2
    release.set()
    await asyncio.gather(*tasks)
    assert sorted(running) == [1, 2, 3]


async def test_a_head_goes_on_using_the_bot_while_their_export_is_built(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await log_issue(worker)
    release = asyncio.Event()

    async def build(job: ExportJob, target: int) -> int:  # minutes, for a city's month
        await release.wait()
        return 0

    monkeypatch.setattr(handlers.stats, "build_export", build)
    await head.send("/export")
    assert "生成后会发到这里" in head.last.text
    try:
        await head.send("/help")  # answered now, not after the export

        assert "/inbox" in head.last.text
        await head.send("/export week")
        assert "仍在生成中" in head.last.text  # one export at a time
    finally:
        release.set()
    await bot.exported()
    assert head.last.kind == "document"


async def test_stats_and_exports_are_limited_per_person(
    bot: Harness, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    for _ in range(10):
        await head.send("/stats")
    await head.send("/stats")
    assert "请求次数过多" in head.last.text and "10 分钟后" in head.last.text

    await coordinator.send("/stats")  # another person is not held back
    assert "绩效排名" in coordinator.last.text
    bot.clock.advance(timedelta(minutes=10))
    await head.send("/stats")
    assert "请求次数过多" not in head.last.text and "市政道路科 " in head.last.text

    for _ in range(5):
        await coordinator.send("/export week csv")
        await bot.exported()
    await coordinator.send("/export week csv")
    assert "请求次数过多" in coordinator.last.text


@pytest.mark.parametrize("command", ["/stats", "/export"])
async def test_a_period_longer_than_a_year_is_refused_with_an_example(
    bot: Harness, coordinator: EmulatedUser, command: str
) -> None:
    await coordinator.send(f"{command} 2024-01-01 2026-11-30")

    assert "最长为一年" in coordinator.last.text
    assert not bot.api.calls_to("sendDocument") and coordinator.last.kind == "text"
    await coordinator.send(f"{command} 2025-12-01 2026-11-30")  # a year is fine
    await bot.exported()
    assert "最长为一年" not in coordinator.last.text
    assert "2025年12月1日至2026年11月30日" in coordinator.last.text or (
        coordinator.last.kind == "document"
    )
