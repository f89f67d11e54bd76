"""Edge cases found in review: each press answered once, plain words in alerts, strict numbers,
cards of issues that moved away, fields cleared while editing."""

from __future__ import annotations

from tests.fakebotapi import FakeUser
from tests.flows import answer, card_for, events, log_issue
from tests.harness import Harness


async def test_details_for_someone_who_may_not_see_the_issue_is_refused_once(
    bot: Harness, worker: FakeUser, water_head: FakeUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    number = await log_issue(worker)

    refused = await water_head.press(card_for(group, number), "详情")  # type: ignore[arg-type]

    assert refused is not None and refused.show_alert
    assert "没有找到您可查看的该编号问题" in (refused.text or "")


async def test_pressing_transfer_twice_just_shows_the_departments_again(
    bot: Harness, worker: FakeUser, head: FakeUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    data = card.button("转办").callback_data
    assert data is not None

    await head.press_data(card, data)
    second = await head.press_data(card, data)

    assert second is not None and not second.show_alert
    assert card.has_button("供水服务中心")


async def test_a_stale_press_names_who_moved_the_issue_not_who_wrote_the_last_note(
    bot: Harness, worker: FakeUser, head: FakeUser, second_head: FakeUser, member: FakeUser
) -> None:
    for person in (head, second_head, member):
        await person.send("/start")
    number = await log_issue(worker)
    stale = card_for(second_head, number)
    data = stale.button("接收").callback_data
    assert data is not None
    await head.press(card_for(head, number), "接收")
    await member.send(f"/note {number} 我去看看")

    refused = await second_head.press_data(stale, data)

    assert refused is not None and "陈建国 已接收该问题" in (refused.text or "")


async def test_names_with_apostrophes_and_ampersands_read_plainly_in_alerts(
    bot: Harness, coordinator: FakeUser, worker: FakeUser, head: FakeUser
) -> None:
    await head.send("/start")
    await coordinator.send("/invite head roads Anne & Bob O'Neil")
    code = coordinator.last.text.split("start=")[1]
    newcomer = FakeUser(bot.api, 7777, "Anne & Bob", "O'Neil")
    await newcomer.send(f"/start {code}")
    number = await log_issue(worker)
    data = card_for(head, number).button("接收").callback_data
    assert data is not None
    await newcomer.press(card_for(newcomer, number), "接收")

    refused = await head.press_data(card_for(head, number), data)

    assert refused is not None
    assert "Anne & Bob O'Neil 已接收该问题" in (refused.text or "")


async def test_a_group_reply_with_a_photo_keeps_the_photo_on_the_note(
    bot: Harness, worker: FakeUser, head: FakeUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    await head.send("/start")
    number = await log_issue(worker)
    group_card = card_for(group, number)  # type: ignore[arg-type]

    await head.send_photo("scene-1", caption="现场照片", chat=group, reply_to=group_card)

    assert (await worker.wait_for("现场照片")).text
    assert await events(bot, number) == ["submitted", "note"]


async def test_odd_numbers_get_the_usage_and_change_nothing(
    bot: Harness, coordinator: FakeUser
) -> None:
    for odd in ("²", "99999999999999999999999", "-3", "0x10"):
        await coordinator.send(f"/deactivate {odd}")
        assert "用法：/deactivate" in coordinator.last.text


async def test_a_card_of_an_issue_transferred_away_says_so_and_offers_nothing(
    bot: Harness, worker: FakeUser, head: FakeUser, member: FakeUser, water_head: FakeUser
) -> None:
    for person in (head, member, water_head):
        await person.send("/start")
    number = await log_issue(worker)
    member_card = card_for(member, number)
    await head.press(card_for(head, number), "转办")
    await head.press(card_for(head, number), "供水服务中心")
    await answer(head, "是供水管道的问题")

    assert "不再由贵科室办理" in member_card.text
    assert not member_card.buttons
    assert "13812345678" not in member_card.text


async def test_skip_while_editing_clears_the_citizens_phone(bot: Harness, worker: FakeUser) -> None:
    await worker.send("/new 路灯坏了")
    await worker.press(worker.last, "路灯故障")
    await worker.send("跳过")
    await worker.send("完成")
    await worker.send("张三")
    await worker.send("13800000000")
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ 市政道路科")
    summary = worker.last

    await worker.press(summary, "修改")
    await worker.press(summary, "群众电话")
    await worker.send("跳过")

    assert "13800000000" not in worker.last.text
    assert "群众：张三" in worker.last.text


async def test_submit_from_an_old_summary_while_a_field_is_being_edited_is_refused(
    bot: Harness, worker: FakeUser
) -> None:
    await worker.send("/new 路灯坏了")
    await worker.press(worker.last, "路灯故障")
    for _ in range(4):
        await worker.send("跳过")
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ 市政道路科")
    summary = worker.last
    submit = summary.button("提交").callback_data
    assert submit is not None
    await worker.press(summary, "修改")
    await worker.press(summary, "问题描述")

    refused = await worker.press_data(summary, submit)

    assert refused is not None and "按钮已失效" in (refused.text or "")
    assert await events(bot) == []


async def test_new_with_text_while_a_draft_is_open_says_the_text_was_not_used(
    bot: Harness, worker: FakeUser
) -> None:
    await worker.send("/new 路灯坏了")
    await worker.send("/new 另一件事：井盖丢了")

    assert any("刚才发送的内容未加入：另一件事：井盖丢了" in text for text in worker.texts())
