"""Issues end to end through the fake Bot API: handoff, accept or return, resolve, close."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from emulator import EmulatedUser
from tests.flows import answer, call_back, card_for, events, log_issue, rows
from tests.harness import TEST_ORG, Harness, settings_for


async def status_of(bot: Harness, number: str) -> tuple[str, str]:
    [found] = await rows(bot, "SELECT status, department FROM issues WHERE number = ?", number)
    return found[0], found[1]


async def start_all(*people: EmulatedUser) -> None:
    for person in people:
        await person.send("/start")


async def test_the_happy_path_from_logging_to_confirmed_closed(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await start_all(head, member)
    number = await log_issue(worker)

    card = card_for(head, number)
    answer_to_head = await head.press(card, "签收")
    assert answer_to_head is not None and answer_to_head.text == "已签收。"
    assert "办理中" in card.text and "签收人：陈建国" in card.text
    assert not card.has_button("签收")  # edited in place: the old button is gone
    assert "市政道路科已签收" in (await worker.wait_for("已签收")).text

    await head.press(card, "指派")
    await head.press(card, "刘强")
    assert "经办人：刘强" in card.text
    assignment = await member.wait_for("指派给您")

    await member.press(assignment, "办结")
    await answer(member, "已更换灯泡，晚上试亮正常")
    assert "已办结" in member.last.text

    resolved = await worker.wait_for("请回访群众核实")
    assert "已更换灯泡" in resolved.text
    assert resolved.has_button("记录回访") and resolved.has_button("重办")
    assert not resolved.has_button("确认结案")  # the citizen's answers close it
    await call_back(worker, resolved)

    assert await status_of(bot, number) == ("closed", "roads")
    assert "已联系 · 已解决 · 满意" in (await head.wait_for("已结案：")).text
    assert await events(bot, number) == [
        "submitted", "accepted", "assigned", "resolved", "callback", "confirmed",
    ]  # fmt: skip


async def test_every_card_of_the_issue_is_refreshed_when_it_moves_on(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    await start_all(head, member)
    number = await log_issue(worker)
    member_card = card_for(member, number)
    group_card = card_for(group, number)  # type: ignore[arg-type]

    await head.press(card_for(head, number), "签收")

    assert not member_card.has_button("签收")
    assert "办理中" in member_card.text
    assert not group_card.has_button("签收")
    assert group_card.has_button("办结")
    assert "138****5678" in group_card.text  # still masked after the refresh


async def test_a_card_on_its_way_while_the_issue_moves_on_is_refreshed_when_it_lands(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await start_all(head, member)
    release = bot.api.hold(head.id)  # the head's new card is slow on the way
    bot.api.processed = bot.tracking.handled  # not what it queues for the head
    number = await log_issue(worker)
    await bot.api.wait_until(lambda: any(number in m.text for m in member.messages))
    await bot.api.wait_until(  # the head's card has been read and is on its way
        lambda: any(
            c.params.get("chat_id") == head.id and number in str(c.params.get("text"))
            for c in bot.api.calls
        )
    )

    await member.press(card_for(member, number), "签收")  # before the head's card arrives
    release.set()
    bot.api.processed = bot.tracking.finished
    await bot.drain()

    card = card_for(head, number)
    assert "办理中" in card.text and "签收人：刘强" in card.text
    assert not card.has_button("签收")


async def test_a_return_goes_back_to_the_reporter_and_the_coordinators_who_reroute_it(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    coordinator: EmulatedUser,
    water_head: EmulatedUser,
) -> None:
    await start_all(head, coordinator, water_head)
    number = await log_issue(worker)

    await head.press(card_for(head, number), "退回")
    await answer(head, "这是供水管道的问题，不归道路科")

    for person in (worker, coordinator):
        returned = await person.wait_for("退回了")
        assert "这是供水管道的问题" in returned.text
        assert returned.has_button("改派")
    await coordinator.press(card_for(coordinator, number), "改派")
    await coordinator.press(card_for(coordinator, number), "供水服务中心")

    assert await status_of(bot, number) == ("pending", "water")
    assert "贵单位有新工单" in (await water_head.wait_for(number)).text
    assert "已改由供水服务中心承办" in (await worker.wait_for("已改由")).text


async def test_a_handling_department_transfers_with_a_reason(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, water_head: EmulatedUser
) -> None:
    await start_all(head, water_head)
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")

    await head.press(card, "转办")
    await head.press(card, "供水服务中心")
    await answer(head, "现场看是水管爆裂")

    assert await status_of(bot, number) == ("pending", "water")
    transferred = await water_head.wait_for("转办给贵单位")
    assert "现场看是水管爆裂" in transferred.text and transferred.has_button("签收")
    assert "已改由供水服务中心承办" in (await worker.wait_for("已改由")).text


async def test_a_reopened_issue_goes_back_to_the_same_department_and_counts(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await start_all(head)
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, "已修复")
    resolved = await worker.wait_for("请回访群众核实")

    await worker.press(resolved, "重办")
    await answer(worker, "群众说晚上还是不亮")

    assert await status_of(bot, number) == ("accepted", "roads")
    reopened = await head.wait_for("重办了")
    assert "群众说晚上还是不亮" in reopened.text
    assert "已重办 1 次" in reopened.text
    assert reopened.has_button("办结")


async def test_the_reporter_withdraws_a_pending_duplicate_with_a_reason(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await start_all(head)
    number = await log_issue(worker)
    own_card = card_for(worker, number)

    await worker.press(own_card, "撤回")
    await worker.press(own_card, "重复")
    await answer(worker, "与 2611-0001 是同一盏灯")

    assert await status_of(bot, number) == ("withdrawn", "roads")
    assert "撤回了" in (await head.wait_for("撤回了")).text
    assert not card_for(head, number).has_button("签收")


async def test_a_coordinator_accepting_for_a_department_must_say_why(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await start_all(coordinator, head)
    number = await log_issue(worker)
    await coordinator.send(f"/issue {number}")

    await coordinator.press(card_for(coordinator, number), "签收")
    assert "督办室为什么代为签收" in coordinator.last.text
    await answer(coordinator, "科室负责人电话确认已接收")

    assert await status_of(bot, number) == ("accepted", "roads")
    await coordinator.send(f"/issue {number}")
    assert "周敏（督办室） 签收：科室负责人电话确认已接收" in coordinator.last.text


async def test_a_note_by_command_or_by_reply_reaches_the_other_side(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await start_all(head)
    number = await log_issue(worker)
    await head.press(card_for(head, number), "签收")

    await head.send(f"/note {number} 明早九点派人去现场")
    assert "备注已记入办理记录" in head.last.text
    note = await worker.wait_for("明早九点")
    assert "陈建国 对 " in note.text

    await worker.send("群众说灯杆也歪了", reply_to=note)
    assert "灯杆也歪了" in (await head.wait_for("灯杆也歪了")).text
    assert (await events(bot, number)).count("note") == 2


async def test_issue_shows_details_and_the_timeline_only_to_those_involved(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, water_head: EmulatedUser
) -> None:
    number = await log_issue(worker)

    await head.send(f"/issue {number}")
    assert "📜 " + number + " 办理记录" in head.last.text
    assert "登记并交市政道路科承办" in head.last.text
    assert card_for(head, number).has_button("签收")

    await water_head.send(f"/issue {number}")
    assert "没有找到您可查看的该编号工单" in water_head.last.text

    await head.send(f"/issue {number.replace('-', '')}")
    assert "办理记录" in head.last.text


async def test_my_lists_what_i_reported_open_first_and_inbox_nearest_deadline_first(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await start_all(head)
    first = await log_issue(worker, "甲路灯")
    second = await log_issue(worker, "乙路灯", urgent=True)
    await head.press(card_for(head, first), "签收")
    await head.press(card_for(head, first), "办结")
    await answer(head, "修好了")
    await call_back(worker, await worker.wait_for("请回访群众核实"))

    await worker.send("/my")
    listing = worker.last.text
    assert listing.index(second) < listing.index(first)  # open before closed

    third = await log_issue(worker, "丙路灯")
    await head.send("/inbox")
    inbox = head.last.text
    assert first not in inbox
    assert inbox.index(second) < inbox.index(third)  # urgent: the nearer deadline


async def test_long_lists_are_paged_with_buttons(bot: Harness, worker: EmulatedUser) -> None:
    numbers = [await log_issue(worker, f"第{i}盏路灯") for i in range(10)]

    await worker.send("/my")
    listing = worker.last
    assert "第 1/2 页" in listing.text
    assert numbers[-1] in listing.text and numbers[0] not in listing.text
    await worker.press(listing, "下一页")

    assert "第 2/2 页" in listing.text
    assert numbers[0] in listing.text


async def test_two_heads_pressing_accept_at_once_exactly_one_wins(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, second_head: EmulatedUser
) -> None:
    await start_all(head, second_head)
    number = await log_issue(worker)

    answers = await asyncio.gather(
        head.press(card_for(head, number), "签收"),
        second_head.press(card_for(second_head, number), "签收"),
    )

    texts = sorted((a.text or "") for a in answers if a is not None)
    assert texts[0] == "已签收。"
    assert texts[1].startswith("操作未执行：") and "已签收该工单" in texts[1]
    assert (await events(bot, number)).count("accepted") == 1


async def test_an_assisting_department_sees_the_issue_and_adds_notes(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, water_head: EmulatedUser
) -> None:
    await start_all(head, water_head)
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")

    await head.press(card, "协办")
    await head.press(card, "供水服务中心")

    asked = await water_head.wait_for("请贵单位协助办理")
    assert asked.has_button("备注") and not asked.has_button("办结")
    await water_head.send(f"/note {number} 已关闭上游阀门")
    assert "已关闭上游阀门" in (await head.wait_for("已关闭上游阀门")).text
    # The note came with the issue's card, which the card pressed before gave way to.
    assert "协办：供水服务中心" in card_for(head, number).text


async def test_an_assisting_department_can_be_handed_the_whole_issue(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, water_head: EmulatedUser
) -> None:
    await start_all(head, water_head)
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "协办")
    await head.press(card, "供水服务中心")

    await head.press(card, "转办")  # it turns out to be wholly the water centre's
    assert not card.has_button("市政道路科")  # not to itself
    await head.press(card, "供水服务中心")
    await answer(head, "是供水管道问题")

    assert await status_of(bot, number) == ("pending", "water")
    assert (await water_head.wait_for("请签收或退回")).has_button("签收")


async def test_a_resolution_can_carry_photos(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await start_all(head)
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")

    await head.send_photo("after-1")
    assert "照片已保存" in head.last.text
    await head.send_photo("after-2", caption="灯已修好，附现场照片")

    [(photos,)] = await rows(bot, "SELECT photos FROM issue_events WHERE kind = 'resolved'")
    assert photos == '["after-1", "after-2"]'
    assert "灯已修好" in (await worker.wait_for("请回访群众核实")).text


async def test_a_coordinators_inbox_shows_every_department(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    roads = await log_issue(worker)
    water = await log_issue(worker, "小区停水", category="停水")

    await coordinator.send("/inbox")
    await head.send("/inbox")

    assert roads in coordinator.last.text and water in coordinator.last.text
    assert roads in head.last.text and water not in head.last.text


async def test_a_worker_has_no_inbox(bot: Harness, worker: EmulatedUser) -> None:
    await worker.send("/inbox")

    assert "您的角色不能进行这项操作" in worker.last.text


async def test_a_long_timeline_is_paged_with_buttons(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await log_issue(worker)
    for i in range(20):
        await worker.send(f"/note {number} 第{i}次回访记录")

    await worker.send(f"/issue {number}")
    timeline = worker.last
    assert "第 1/2 页" in timeline.text
    assert "第0次回访记录" in timeline.text and "第19次回访记录" not in timeline.text
    await worker.press(timeline, "较新")

    assert "第 2/2 页" in timeline.text
    assert "第19次回访记录" in timeline.text


async def test_an_english_speaking_head_gets_english_cards_and_buttons(
    bot: Harness, worker: EmulatedUser
) -> None:
    head = bot.user(2001, "Jianguo", language_code="en")
    await head.send("/start")
    number = await log_issue(worker)

    card = card_for(head, number)

    assert "New issue for your department" in card.text
    assert "Street light out → Roads and Lighting" in card.text
    labels = [b.text for b in card.buttons]
    assert any("Accept" in label for label in labels)
    assert any("Return" in label for label in labels)
    await head.press(card, "Accept")
    labels = [b.text for b in card.buttons]
    assert [word for word in ("Assign", "Transfer", "Resolve") if any(word in x for x in labels)] == [
        "Assign", "Transfer", "Resolve",
    ]  # fmt: skip


async def test_a_head_accepts_from_the_department_group_and_reasons_are_asked_in_private(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    await start_all(head, member)
    number = await log_issue(worker)
    group_card = card_for(group, number)  # type: ignore[arg-type]

    refused = await member.press(group_card, "退回")
    assert refused is not None and "不能进行这项操作" in (refused.text or "")

    await head.press(group_card, "签收")
    assert "签收人：陈建国" in group_card.text
    assert group_card.has_button("办结") and not group_card.has_button("签收")
    assert "138****5678" in group_card.text

    await head.press(group_card, "办结")
    assert "请填写办理情况" in head.last.text  # the question comes to the private chat
    await head.send("已修复")
    assert "已办结" in group_card.text


async def test_starting_a_new_issue_while_a_reason_is_asked_keeps_the_words_for_the_new_one(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, "已修复")
    resolved = await worker.wait_for("请回访群众核实")
    await worker.press(resolved, "重办")  # asked why; the worker changes their mind

    await worker.send("/new")
    assert any("未完成的操作已取消" in m.text for m in worker.messages[-3:])
    await worker.send("幸福路井盖丢失")

    assert await status_of(bot, number) == ("resolved", "roads")
    assert "reopened" not in await events(bot, number)
    [(stored,)] = await rows(bot, "SELECT data FROM drafts")
    assert "幸福路井盖丢失" in stored


async def test_a_reply_to_another_cards_issue_is_a_note_there_while_a_reason_is_asked(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    first = await log_issue(worker, "中山路12号路灯不亮")
    second = await log_issue(worker, "人民路3号路灯闪烁")
    await head.press(card_for(head, first), "退回")  # asked for a reason

    await head.send("明天上午派人去看", reply_to=card_for(head, second))

    assert await status_of(bot, first) == ("pending", "roads")
    assert await events(bot, second) == ["submitted", "note"]
    await head.send("不属于本科室职责", reply_to=card_for(head, first))  # the reason, at last
    assert await status_of(bot, first) == ("returned", "roads")


async def test_a_photo_replying_to_another_issues_card_is_not_filed_under_the_question(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    first = await log_issue(worker, "中山路12号路灯不亮")
    second = await log_issue(worker, "人民路3号路灯闪烁")
    card = card_for(head, first)
    await head.press(card, "签收")
    await head.press(card, "办结")  # asked what was done for the first

    await head.send_photo("photo-of-second", reply_to=card_for(head, second))
    assert "照片说明里写几句话" in head.last.text
    await head.send("已修复")  # the question about the first is still waiting

    [(photos,)] = await rows(bot, "SELECT photos FROM issue_events WHERE kind = 'resolved'")
    assert photos == "[]"


async def test_a_reason_asked_of_someone_the_bot_cannot_write_to_is_not_left_waiting(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    number = await log_issue(worker)
    card = card_for(group, number)  # type: ignore[arg-type]
    query_id = bot.api.next_callback_id()  # the head never opened a private chat with the bot
    await bot.api.push_update(
        {
            "callback_query": {
                "id": query_id,
                "from": head.as_user(),
                "message": bot.api._as_json(card),
                "chat_instance": "ci-group",
                "data": card.button("退回").callback_data,
            }
        }
    )
    told = bot.api.answers[query_id]
    assert told.show_alert and "私聊" in (told.text or "")

    await head.send("/start")
    await head.send("你好")  # not taken as a reason to return the issue
    assert await status_of(bot, number) == ("pending", "roads")


async def test_an_old_next_page_button_shows_the_last_page_when_the_list_has_shrunk(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    numbers = [await log_issue(worker, f"第{i}盏路灯") for i in range(9)]
    await head.send("/inbox")
    listing = head.last
    assert "第 1/2 页" in listing.text
    for number in numbers[:2]:  # two go back to the reporter: one page is enough now
        card = [m for m in head.messages if number in m.text and m.has_button("退回")][-1]
        await head.press(card, "退回")
        await answer(head, "不归本科室")

    await head.press(listing, "下一页")

    assert sum(number in listing.text for number in numbers[2:]) == 7


async def test_a_button_left_in_a_group_no_longer_registered_is_answered(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, tmp_path: Path
) -> None:
    group = bot.group(-1001, "市政道路科")
    await head.send("/start")
    number = await log_issue(worker)
    group_card = card_for(group, number)  # type: ignore[arg-type]
    moved = tmp_path / "org-moved.toml"  # the department moved to another group
    moved.write_text(
        TEST_ORG.read_text("utf-8").replace("group_chat_id = -1001", "group_chat_id = -1009"),
        encoding="utf-8",
    )
    bot.settings = settings_for(bot.api, tmp_path, org_file=moved)
    await bot.restart()

    told = await head.press(group_card, "签收")

    assert told is not None and told.show_alert and "不再是科室群" in (told.text or "")
    assert await status_of(bot, number) == ("pending", "roads")


async def test_a_command_that_works_only_in_private_is_explained_in_a_department_group(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    await head.send("/start")
    number = await log_issue(worker)

    await head.send(f"/issue {number}", chat=group)
    assert "私聊" in group.last.text
    shown = len(group.messages)
    await head.send("/issue@another_bot", chat=group)  # meant for someone else
    assert len(group.messages) == shown


async def test_pressing_transfer_twice_just_shows_the_departments_again(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
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


async def test_a_group_reply_with_a_photo_keeps_the_photo_on_the_note(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    await head.send("/start")
    number = await log_issue(worker)
    group_card = card_for(group, number)  # type: ignore[arg-type]

    await head.send_photo("scene-1", caption="现场照片", chat=group, reply_to=group_card)

    assert (await worker.wait_for("现场照片")).text
    assert await events(bot, number) == ["submitted", "note"]


async def test_a_card_of_an_issue_transferred_away_says_so_and_offers_nothing(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    water_head: EmulatedUser,
) -> None:
    for person in (head, member, water_head):
        await person.send("/start")
    number = await log_issue(worker)
    member_card = card_for(member, number)
    await head.press(card_for(head, number), "转办")
    await head.press(card_for(head, number), "供水服务中心")
    await answer(head, "是供水管道的问题")

    assert "不再由贵单位承办" in member_card.text
    assert not member_card.buttons
    assert "13812345678" not in member_card.text


async def test_a_reason_typed_with_its_own_full_stop_is_not_stopped_twice(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)

    await head.press(card_for(head, number), "退回")
    await answer(head, "不属于本单位职责。")

    returned = await worker.wait_for("退回了")
    assert f"退回了 {number}：不属于本单位职责。请改派或撤回。" in returned.text
    assert "。。" not in returned.text
    # What was typed is kept as typed: only the notice's sentence drops the second stop.
    [(reason,)] = await rows(
        bot, "SELECT text FROM issue_events WHERE kind = 'returned' ORDER BY id DESC LIMIT 1"
    )
    assert reason == "不属于本单位职责。"


async def test_a_question_left_unanswered_expires_with_word_and_a_late_reason_changes_nothing(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    await head.press(card_for(head, number), "退回")

    bot.clock.advance(timedelta(minutes=31))  # the question waits 30 minutes
    await bot.sweep()
    await head.wait_for("等待您填写的内容 30 分钟未填写，已失效")  # not "the issue is late"
    await head.send("不属于本单位职责")

    assert "现在不需要输入内容" in head.last.text
    assert await events(bot, number) == ["submitted"]
