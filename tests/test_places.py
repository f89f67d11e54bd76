"""Places people can read: a typed address and a shared pin both kept, the address first, the pin
as a link that opens a map (issue 16, point 8)."""

from __future__ import annotations

import json

from emulator import EmulatedUser
from tests.flows import rows, to_summary
from tests.harness import Harness

PIN = (31.2304, 121.4737)


async def draft_place(bot: Harness) -> tuple[str | None, float | None]:
    """The address and the pin's latitude of the one draft kept."""
    [(data,)] = await rows(bot, "SELECT data FROM drafts")
    draft = json.loads(data)
    return draft["address"], (draft["location"] or {}).get("latitude")


async def log_with(worker: EmulatedUser, *where: str | tuple[float, float]) -> str:
    """Log an issue answering the location step with `where`; the summary's text after Submit."""
    summary = await to_summary(worker, *where)
    await worker.press(summary, "提交")
    return summary.text


async def test_a_pin_then_the_address_in_words_keeps_both_with_the_address_first(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")

    await worker.send("/new 路灯不亮")
    await worker.press(worker.last, "路灯故障")
    await worker.share_location(*PIN)
    asked = worker.last
    assert "已收到定位" in asked.text and "请再输入文字地址" in asked.text
    await worker.send("中山路12号东门")

    address, latitude = await draft_place(bot)
    assert address == "中山路12号东门" and latitude == PIN[0]


async def test_the_card_shows_the_address_and_a_map_link_never_raw_coordinates(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    await log_with(worker, PIN, "中山路12号东门")

    card = await head.wait_for("贵单位有新工单")

    assert "📍 地址：中山路12号东门（🗺 地图）" in card.text
    assert "31.23" not in card.text and "121.47" not in card.text
    assert card.html is not None
    assert (
        'href="https://uri.amap.com/marker?position=121.473700,31.230400&amp;coordinate=wgs84'
        in card.html
    )
    [(address, latitude, longitude)] = await rows(
        bot, "SELECT address, latitude, longitude FROM issues"
    )
    assert (address, latitude, longitude) == ("中山路12号东门", *PIN)


async def test_an_address_typed_before_a_pin_shared_in_an_edit_is_kept_on_done(
    bot: Harness, worker: EmulatedUser
) -> None:
    summary = await to_summary(worker, "中山路12号东门")
    await worker.press(summary, "修改")
    await worker.press(summary, "位置")

    assert "现在的位置：中山路12号东门" in worker.last.text
    await worker.share_location(*PIN)
    assert "按【完成】保留“中山路12号东门”" in worker.last.text
    await worker.send("完成")

    shown = worker.last
    assert "位置：中山路12号东门（🗺 地图）" in shown.text
    await worker.press(shown, "提交")
    [(address, latitude)] = await rows(bot, "SELECT address, latitude FROM issues")
    assert address == "中山路12号东门" and latitude == PIN[0]


async def test_a_pin_alone_shows_as_a_map_link(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    await log_with(worker, PIN, "完成")

    card = await head.wait_for("贵单位有新工单")

    assert "📍 位置：🗺 地图" in card.text
    assert card.html is not None and "uri.amap.com/marker" in card.html
    assert "31.23" not in card.text


async def test_english_readers_get_an_openstreetmap_link(
    bot: Harness, worker: EmulatedUser
) -> None:
    english = bot.user(2001, "Chen", language_code="en")  # the roads head, in English
    await english.send("/start")
    await log_with(worker, PIN, "完成")

    card = await english.wait_for("New issue")

    assert "📍 Location: 🗺 map" in card.text
    assert card.html is not None
    assert "https://www.openstreetmap.org/?mlat=31.230400&amp;mlon=121.473700" in card.html


async def test_a_venue_chosen_on_telegrams_map_brings_its_address(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    await worker.send("/new 路灯不亮")
    await worker.press(worker.last, "路灯故障")

    await worker.share_venue(*PIN, "人民公园", "南京西路231号")

    assert "请发送现场照片" in worker.last.text
    address, _ = await draft_place(bot)
    assert address == "人民公园 南京西路231号"


async def test_a_venue_whose_address_is_its_name_is_named_once(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯不亮")
    await worker.press(worker.last, "路灯故障")

    await worker.share_venue(*PIN, "人民公园", "人民公园")  # some apps repeat the name

    address, _ = await draft_place(bot)
    assert address == "人民公园"


async def test_skip_typed_right_after_a_pin_keeps_the_pin(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯不亮")
    await worker.press(worker.last, "路灯故障")
    await worker.share_location(*PIN)

    await worker.send("跳过")

    assert "请发送现场照片" in worker.last.text
    address, latitude = await draft_place(bot)
    assert address is None and latitude == PIN[0]
