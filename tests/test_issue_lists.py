"""/inbox, /my and /overdue (issue 16, point 7): each line says what the issue is about (the
start of its description) and where (the address, else a map link for a shared pin); an empty list
says so once.
"""

from __future__ import annotations

from datetime import timedelta

from emulator import EmulatedUser
from tests.flows import logged
from tests.harness import Harness


async def test_list_lines_show_the_start_of_the_description_and_the_place(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    deps = bot.resources.deps
    addressed = await logged(
        deps,
        "中山路与解放路路口东北角的路灯整晚不亮，居民反映很久了",
        address="中山路与解放路路口东北角",
    )
    pinned = await logged(deps, "小区东门路灯不亮")
    nowhere = await logged(deps, "路灯闪烁", pin=False)

    await worker.send("/my")
    mine = worker.last.text
    await head.send("/inbox")
    inbox = head.last.text
    bot.clock.advance(timedelta(hours=3))  # two hours to accept them
    await head.send("/overdue")
    overdue = head.last.text
    assert head.last.html is not None and 'href="https://uri.amap.com/marker?' in head.last.html

    for listing in (mine, inbox, overdue):
        lines = [line.strip() for line in listing.splitlines()]
        assert (
            "中山路与解放路路口东北角的路灯整晚不亮，居民反… · 📍中山路与解放路路口东北角" in lines
        )
        assert "小区东门路灯不亮 · 📍🗺 地图" in lines  # a link to the pin on a map
        assert "路灯闪烁" in lines
        for number in (addressed, pinned, nowhere):
            assert number in listing


async def test_an_empty_list_says_so_once(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await worker.send("/my")
    assert worker.last.text == "您还没有上报过工单。发送 /new 登记。"
    await head.send("/inbox")
    assert head.last.text == "本单位暂无待签收或办理中的工单。👍"
    await coordinator.send("/inbox")
    assert coordinator.last.text == "各承办单位暂无待签收或办理中的工单。👍"
    await head.send("/overdue")
    assert head.last.text == "没有超期工单。👍"


async def test_a_list_says_an_issue_is_overdue_not_due_at_an_hour_already_past(
    bot: Harness, head: EmulatedUser
) -> None:
    deps = bot.resources.deps
    number = await logged(deps, "小区东门路灯不亮")  # two hours to accept it

    await head.send("/inbox")
    assert "前到期" in head.last.text and "超期" not in head.last.text
    bot.clock.advance(timedelta(hours=2, minutes=30))
    await head.send("/inbox")

    [line] = [line for line in head.last.text.splitlines() if number in line]
    assert "前到期" not in line
    assert "⚠️ 已超期 30 分钟" in line, line
