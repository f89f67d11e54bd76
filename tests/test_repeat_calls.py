"""Citizens who call again (重复来电, 催单; issue 19, point 1): once the citizen's phone is entered
in /new, the worker sees that citizen's issues of the last 90 days, and can turn the report into
a repeat call on an open one: a step on its timeline, its count on the card, the department
reminded at once, nothing new logged."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from emulator import BotMessage, EmulatedUser
from tests.flows import answer, card_for, events, log_issue, rows
from tests.harness import Harness


async def start_all(*people: EmulatedUser) -> None:
    for person in people:
        await person.send("/start")


async def count_issues(bot: Harness) -> int:
    [(count,)] = await rows(bot, "SELECT count(*) FROM issues")
    return int(count)


async def report_again(
    worker: EmulatedUser, phone: str = "+86 138 1234 5678", contact: bool = False
) -> BotMessage:
    """A second report through /new up to the citizen's phone (typed, or with a contact card);
    the last message then (the citizen's history, or the next question)."""
    await worker.send("/new 路灯还是不亮，群众再次来电")
    await worker.press(worker.last, "路灯故障")
    await worker.send("跳过")
    await worker.send("完成")
    if contact:
        await worker.send_contact(phone, "张三")
    else:
        await worker.send("张三")
        await worker.send(phone)
    return worker.last


async def test_a_second_report_from_the_same_phone_shows_the_citizens_history(
    bot: Harness, worker: EmulatedUser
) -> None:
    first = await log_issue(worker, phone="13812345678")

    history = await report_again(worker, phone="+86 138 1234 5678")

    assert "该群众近 90 天的工单" in history.text
    assert f"{first} · 路灯故障 · 待签收 · 市政道路科" in history.text
    assert history.has_button(f"催单 {first}") and history.has_button("登记新工单")
    # "Log a new issue" goes on with the wizard as before.
    await worker.press(history, "登记新工单")
    assert "问题来源" in worker.last.text
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ ")
    await worker.press(worker.last, "提交")
    assert await count_issues(bot) == 2


async def test_a_citizen_never_seen_gets_no_history_and_the_wizard_goes_on(
    bot: Harness, worker: EmulatedUser
) -> None:
    await log_issue(worker, phone="13812345678")

    after_phone = await report_again(worker, phone="139 0000 1111")

    assert "问题来源" in after_phone.text
    assert not any("该群众近 90 天的工单" in text for text in worker.texts())


async def test_a_tap_logs_a_repeat_call_on_the_open_issue_and_reminds_the_department(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await start_all(head, member)
    number = await log_issue(worker, phone="13812345678")
    history = await report_again(worker, phone="+8613812345678", contact=True)

    await worker.press(history, f"催单 {number}")
    assert "重复来电" in history.text and "不新建工单" in history.text  # asked once more
    assert history.has_button("确认催单") and history.has_button("返回")
    await worker.press(history, "确认催单")

    assert f"已记为 {number} 的重复来电" in history.text
    assert "群众重复来电 1 次" in history.text  # the worker reported it: its card follows
    assert await count_issues(bot) == 1  # nothing new is logged
    assert await events(bot, number) == ["submitted", "repeat_call"]
    [(repeats,)] = await rows(bot, "SELECT repeat_calls FROM issues WHERE number = ?", number)
    assert repeats == 1
    for person in (head, member):  # pending, nobody assigned: the whole department
        reminded = await person.wait_for("再次来电催办")
        assert f"群众就 {number} 再次来电催办（网格员王芳 受理）：路灯还是不亮" in reminded.text
        assert "群众重复来电 1 次" in reminded.text and reminded.has_button("签收")
    # The draft ended: what the worker types next is no answer to it.
    await worker.send("/new")
    assert "请简要描述问题" in worker.last.text


async def test_the_timeline_shows_the_repeat_call(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await start_all(head)
    number = await log_issue(worker)
    history = await report_again(worker, phone="13812345678")
    await worker.press(history, f"催单 {number}")
    await worker.press(history, "确认催单")

    await head.send(f"/issue {number}")

    timeline = next(m for m in reversed(head.messages) if "受理重复来电" in m.text)
    assert "网格员王芳 受理重复来电（群众再次来电催办）：路灯还是不亮，群众再次来电" in (
        timeline.text
    )


async def test_a_closed_issue_is_listed_but_not_offered(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await start_all(head)
    withdrawn = await log_issue(worker, phone="13812345678")
    card = card_for(worker, withdrawn)
    await worker.press(card, "撤回")
    await worker.press(card, "重复")
    await answer(worker, "重复登记")
    still_open = await log_issue(worker, description="人行道塌陷", phone="13812345678")

    history = await report_again(worker)

    lines = history.text.splitlines()
    assert lines[1].startswith(f"📥 {still_open}")  # open ones first
    assert lines[2].startswith(f"🗑 {withdrawn}") and "已撤回" in lines[2]
    assert history.has_button(f"催单 {still_open}")
    assert not history.has_button(f"催单 {withdrawn}")


async def test_the_history_is_the_citizens_of_the_last_90_days_however_the_phone_was_typed(
    bot: Harness, worker: EmulatedUser
) -> None:
    old = await log_issue(worker, phone="138-1234-5678")
    bot.clock.advance(timedelta(days=91))
    recent = await log_issue(worker, description="井盖缺失", phone="13812345678")
    other = await log_issue(worker, description="树木倒伏", phone="13900001111")

    history = await report_again(worker, phone="+86 138 1234 5678")

    assert recent in history.text
    assert old not in history.text  # logged over 90 days ago
    assert other not in history.text  # another citizen's


async def test_a_tap_after_the_issue_was_closed_says_so_and_the_worker_logs_a_new_one(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await start_all(coordinator, head)
    number = await log_issue(worker)
    history = await report_again(worker)
    await worker.press(history, f"催单 {number}")
    # Meanwhile the coordination office withdraws it.
    await coordinator.send(f"/issue {number}")
    card = card_for(coordinator, number)
    await coordinator.press(card, "撤回")
    await coordinator.press(card, "无效")
    await answer(coordinator, "群众已撤诉")

    refused = await worker.press(history, "确认催单")

    assert refused is not None and refused.show_alert
    assert f"{number} 已结案或撤回" in (refused.text or "")
    assert "该群众近 90 天的工单" in history.text  # the list as it is now
    assert not history.has_button(f"催单 {number}")
    assert await events(bot, number) == ["submitted", "withdrawn"]
    await worker.press(history, "登记新工单")
    assert "问题来源" in worker.last.text


async def test_a_forged_tap_on_an_issue_the_worker_may_not_see_is_refused(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await start_all(coordinator)
    mine = await log_issue(worker, phone="13812345678")
    # A complaint the coordinator logged for the same citizen: the worker may not see it.
    await coordinator.send("/new 工作人员态度恶劣")
    await coordinator.press(coordinator.last, "服务态度")
    await coordinator.send("跳过")
    await coordinator.send("完成")
    await coordinator.send("张三")
    await coordinator.send("13812345678")
    await coordinator.press(coordinator.last, "登记新工单")
    await coordinator.press(coordinator.last, "热线电话")
    await coordinator.press(coordinator.last, "一般")
    await coordinator.press(coordinator.last, "市政道路科")
    await coordinator.press(coordinator.last, "不针对个人")
    await coordinator.press(coordinator.last, "提交")
    [(complaint,)] = await rows(bot, "SELECT id FROM issues WHERE issue_kind = 'complaint'")
    another = await log_issue(worker, description="树木倒伏", phone="13900001111")

    history = await report_again(worker)
    assert mine in history.text and "服务态度" not in history.text
    token = history.buttons[0].callback_data.split(":")[1]  # type: ignore[union-attr]
    [(another_id,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", another)
    for forged in (complaint, another_id):
        for pressed in (f"n:{token}:history:{forged}", f"n:{token}:history:ok{forged}"):
            refused = await worker.press_data(history, pressed)
            assert refused is not None and refused.show_alert, pressed

    assert await events(bot) == ["submitted", "submitted", "submitted"]
    [(repeats,)] = await rows(bot, "SELECT sum(repeat_calls) FROM issues")
    assert repeats == 0


async def test_stats_count_the_repeat_calls_per_department(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await start_all(head, coordinator)
    number = await log_issue(worker)
    history = await report_again(worker)
    await worker.press(history, f"催单 {number}")
    await worker.press(history, "确认催单")
    bot.clock.advance(timedelta(minutes=1))  # figures count up to now, the call before it

    await coordinator.send("/stats")
    await head.send("/stats")

    ranking = next(m.text for m in coordinator.messages if "各承办单位绩效排名" in m.text)
    assert "📞 重复来电（催单）：市政道路科 1 件" in ranking
    figures = next(m.text for m in head.messages if "市政道路科 2026年11月" in m.text)
    assert "重复来电（群众就未办结工单再次来电）：1 件" in figures
    # Days later, the day of the call is a whole day: counted from the daily figures.
    bot.clock.advance(timedelta(days=2))
    await head.send("/stats")
    _, again = [m.text for m in head.messages if "市政道路科 2026年11月" in m.text]
    assert "重复来电（群众就未办结工单再次来电）：1 件" in again


async def test_the_export_counts_the_repeat_calls_and_has_them_on_the_timeline(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await start_all(coordinator)
    number = await log_issue(worker)
    history = await report_again(worker)
    await worker.press(history, f"催单 {number}")
    await worker.press(history, "确认催单")
    bot.clock.advance(timedelta(minutes=1))

    await coordinator.send("/export 2026-11")
    await bot.exported()

    book = load_workbook(io.BytesIO(coordinator.last.document or b""), read_only=True)
    header, *departments = list(book["指标"].values)
    metrics = {row[0]: row for row in departments}
    assert header[-2:] == ("重复来电", "重复件")
    assert metrics["市政道路科"][-2] == 1 and metrics["供水服务中心"][-2] == 0
    timeline = list(book["办理记录"].values)
    assert [row[3] for row in timeline[1:]] == ["登记", "重复来电"]
