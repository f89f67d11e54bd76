"""/new: a worker logs a citizen's issue from a phone, step by step."""

from __future__ import annotations

import json
from datetime import timedelta

from emulator import EmulatedUser
from tests.flows import events, past_history, rows
from tests.harness import Harness


async def count_issues(bot: Harness) -> int:
    [(count,)] = await rows(bot, "SELECT count(*) FROM issues")
    return int(count)


async def log_streetlight(worker: EmulatedUser) -> None:
    """The happy path with every optional field filled, as a worker's thumb would do it."""
    await worker.send("/new 中山路12号路灯不亮，晚上很黑")
    await worker.press(worker.last, "路灯故障")
    await worker.share_location(31.2304, 121.4737)
    await worker.send("中山路12号东侧")
    await past_history(worker)  # a second time: the open issue at the same place
    await worker.send_photo("photo-1")
    await worker.send_photo("photo-2")
    await worker.send("完成")
    await worker.send("张三")
    await worker.send("138 1234 5678")
    await past_history(worker)  # a second time: the same citizen
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "紧急")
    await worker.press(worker.last, "市政道路科")


async def test_a_worker_logs_an_issue_and_the_department_gets_a_card(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await head.send("/start")
    await member.send("/start")

    await log_streetlight(worker)
    summary = worker.last
    assert "提交前请核对问题信息" in summary.text
    assert "张三 +8613812345678" not in summary.text
    assert "13812345678" in summary.text
    assert "照片：2 张" in summary.text
    await worker.press(summary, "提交")

    assert "已提交，编号 2611-0001，交市政道路科承办" in summary.text
    card = await head.wait_for("贵单位有新工单")
    assert "2611-0001" in card.text
    assert "中山路12号路灯不亮" in card.text
    assert "🔴 紧急" in card.text
    assert "13812345678" in card.text  # a private chat shows the citizen's phone
    assert card.has_button("签收") and card.has_button("退回")
    member_card = await member.wait_for("贵单位有新工单")
    assert member_card.has_button("签收")
    assert not member_card.has_button("退回")  # returning is the head's decision
    assert await count_issues(bot) == 1


async def test_the_department_group_gets_the_card_with_the_citizen_masked(
    bot: Harness, worker: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")

    await log_streetlight(worker)
    await worker.press(worker.last, "提交")

    card = group.last
    assert "贵单位有新工单" in card.text
    assert "138****5678" in card.text
    assert "13812345678" not in card.text
    assert "张*" in card.text and "张三" not in card.text


async def test_new_without_text_asks_for_the_description_first(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new")
    assert "请简要描述问题" in worker.last.text

    await worker.send("下水道堵了")
    assert "问题类别" in worker.last.text


async def test_a_photo_with_a_caption_starts_an_issue(bot: Harness, worker: EmulatedUser) -> None:
    await worker.send_photo("photo-9", caption="路面塌陷")

    assert "问题类别" in worker.last.text
    await worker.press(worker.last, "路灯故障")
    await worker.send("跳过")
    assert "已收到" not in worker.last.text
    await worker.send("完成")
    await worker.send("跳过")
    await worker.send("跳过")
    await worker.press(worker.last, "网上")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ 市政道路科")

    assert "照片：1 张" in worker.last.text
    assert "路面塌陷" in worker.last.text


async def test_skipping_every_optional_step_still_makes_an_issue(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 邻居噪音")
    await worker.press(worker.last, "邻里纠纷")
    await worker.send("跳过")
    await worker.send("跳过")
    await worker.send("跳过")
    await worker.send("跳过")
    await worker.press(worker.last, "社区走访")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ 司法所")
    await worker.press(worker.last, "提交")

    assert "已提交" in worker.messages[-1].text
    assert await count_issues(bot) == 1


async def test_a_shared_contact_fills_the_citizens_name_and_phone(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 停水三天了")
    await worker.press(worker.last, "停水")
    await worker.send("幸福小区5栋")
    await worker.send("完成")
    await worker.send_contact("+86 139-0000-1111", "李四")

    assert "问题来源" in worker.last.text
    await worker.press(worker.last, "服务窗口")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ 供水服务中心")
    assert "李四 +8613900001111" in worker.last.text
    assert "幸福小区5栋" in worker.last.text


async def test_a_bad_phone_number_is_refused_and_can_be_typed_again(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯坏了")
    await worker.press(worker.last, "路灯故障")
    await worker.send("跳过")
    await worker.send("完成")
    await worker.send("跳过")

    await worker.send("打电话给我")
    assert "电话号码格式不对" in worker.last.text
    await worker.send("12")
    assert "电话号码格式不对" in worker.last.text
    await worker.send("0571-8888 6666")
    assert "问题来源" in worker.last.text


async def test_the_summary_can_be_edited_before_submitting(
    bot: Harness, worker: EmulatedUser
) -> None:
    await log_streetlight(worker)
    summary = worker.last
    await worker.press(summary, "修改")
    await worker.press(summary, "类别")
    await worker.press(worker.last, "停水")
    await worker.press(worker.last, "✓ 供水服务中心")

    assert "类别：停水" in worker.last.text
    assert "承办单位：供水服务中心" in worker.last.text


async def test_editing_the_department_marks_the_categorys_usual_one_not_the_last_choice(
    bot: Harness, worker: EmulatedUser
) -> None:
    await log_streetlight(worker)
    summary = worker.last
    await worker.press(summary, "修改")
    await worker.press(summary, "承办单位")
    await worker.press(worker.last, "供水服务中心")  # chosen by hand
    summary = worker.last
    assert "承办单位：供水服务中心" in summary.text
    await worker.press(summary, "修改")
    await worker.press(summary, "承办单位")

    assert worker.last.buttons[0].text == "✓ 市政道路科"
    assert "✓ 供水服务中心" not in [b.text for b in worker.last.buttons]


async def test_a_photo_added_while_editing_is_counted_under_the_question(
    bot: Harness, worker: EmulatedUser
) -> None:
    await log_streetlight(worker)  # two photos
    summary = worker.last
    await worker.press(summary, "修改")
    await worker.press(summary, "照片")
    asked = len(worker.messages)

    await worker.send_photo("photo-3")

    assert len(worker.messages) == asked + 1
    assert "已收到 3 张照片" in worker.last.text


async def test_cancel_drops_the_draft_and_nothing_becomes_an_issue(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯坏了")
    await worker.press(worker.last, "路灯故障")
    await worker.send("/cancel")

    assert "已取消" in worker.last.text
    assert await count_issues(bot) == 0
    await worker.send("路灯坏了")
    assert "现在不需要输入内容" in worker.last.text


async def test_an_idle_draft_is_dropped_after_30_minutes_and_the_worker_is_told(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯坏了")
    bot.clock.advance(timedelta(minutes=29))
    await bot.sweep()
    assert "问题类别" in worker.last.text

    bot.clock.advance(timedelta(minutes=1))
    await bot.sweep()

    assert "已超过 30 分钟无操作" in worker.last.text
    assert (worker.last.markup or {}).get("remove_keyboard")  # the wizard's keys are gone
    await worker.press(worker.messages[-2], "路灯故障")
    assert await count_issues(bot) == 0


async def test_a_draft_survives_a_restart_of_the_bot(bot: Harness, worker: EmulatedUser) -> None:
    await worker.send("/new 路灯坏了")
    await worker.press(worker.last, "路灯故障")

    await bot.restart()
    await worker.send("中山路口")

    assert "请发送现场照片" in worker.last.text


async def test_a_stale_button_from_an_earlier_step_changes_nothing(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯坏了")
    category_question = worker.last
    other_category = category_question.button("停水").callback_data
    assert other_category is not None
    await worker.press(category_question, "路灯故障")
    assert not category_question.buttons  # the chosen answer replaced the buttons

    answer = await worker.press_data(category_question, other_category)

    assert answer is not None and "按钮已失效" in (answer.text or "")
    assert "问题在哪里" in worker.last.text


async def test_double_pressing_submit_makes_one_issue(bot: Harness, worker: EmulatedUser) -> None:
    await log_streetlight(worker)
    summary = worker.last
    data = summary.button("提交").callback_data
    assert data is not None

    await worker.press_data(summary, data)
    again = await worker.press_data(summary, data)

    assert again is not None and "不在填写中" in (again.text or "")
    assert await count_issues(bot) == 1


async def test_issue_numbers_count_up_within_the_month_and_restart_the_next(
    bot: Harness, worker: EmulatedUser
) -> None:
    for _ in range(2):
        await log_streetlight(worker)
        await worker.press(worker.last, "提交")
    bot.clock.advance(timedelta(days=6))  # 1 December in Shanghai
    await log_streetlight(worker)
    await worker.press(worker.last, "提交")

    submitted = [m.text for m in worker.messages if "已提交，编号" in m.text]
    assert [
        "2611-0001" in submitted[0],
        "2611-0002" in submitted[1],
        "2612-0001" in submitted[2],
    ] == [True] * 3


async def test_an_over_long_description_is_refused_and_can_be_written_again(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new")

    await worker.send("很" * 1501)
    assert "内容太长，最多 1500 个字" in worker.last.text
    await worker.send("路灯不亮")

    assert "问题类别" in worker.last.text


async def test_new_with_a_description_of_several_lines_keeps_its_lines(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 中山路12号路灯不亮\n已经三天了\n附近老人夜里摔倒过")

    [(stored,)] = await rows(bot, "SELECT data FROM drafts")
    assert json.loads(stored)["description"] == "中山路12号路灯不亮\n已经三天了\n附近老人夜里摔倒过"


async def test_a_second_new_with_a_very_long_text_is_answered_and_the_draft_goes_on(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯不亮")
    await worker.send("/new " + "长" * 4090)  # near Telegram's limit, while a draft is open

    assert not bot.tracking.errors
    assert any("没有加入" in m.text or "未加入" in m.text for m in worker.messages[-3:])
    assert "问题类别" in worker.last.text


async def test_full_width_digits_are_understood_in_phones_and_issue_numbers(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯不亮")
    await worker.press(worker.last, "路灯故障")
    for text in ("跳过", "完成", "张三", "１３８１２３４５６７８"):  # a Chinese keyboard's digits
        await worker.send(text)
    assert "问题来源" in worker.last.text
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ 市政道路科")
    await worker.press(worker.last, "提交")
    [(number, phone)] = await rows(bot, "SELECT number, citizen_phone FROM issues")
    assert phone == "13812345678"

    await worker.send(
        "/issue " + number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    )
    assert any(number in m.text and m.buttons for m in worker.messages[-4:])
    shown = len(worker.messages)
    await worker.send(f"/issue №{number}")
    assert any(number in m.text and m.buttons for m in worker.messages[shown:])


async def test_skip_while_editing_clears_the_citizens_phone(
    bot: Harness, worker: EmulatedUser
) -> None:
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
    bot: Harness, worker: EmulatedUser
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
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯坏了")
    await worker.send("/new 另一件事：井盖丢了")

    assert any("刚才发送的内容未加入：另一件事：井盖丢了" in text for text in worker.texts())
