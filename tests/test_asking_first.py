"""A question above every choice, a way back, and a second press before a step that cannot be
taken back and tells other people (issue 16, point 5)."""

from __future__ import annotations

from emulator import EmulatedUser
from tests.flows import answer, card_for, events, log_issue, rows, to_summary
from tests.harness import Harness


async def resolved_issue(
    worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser, phone: str | None = None
) -> str:
    """Resolved, with no citizen's phone unless given: the reporter confirms it closed."""
    await head.send("/start")
    await member.send("/start")
    number = await log_issue(worker, phone=phone)
    await head.press(card_for(head, number), "签收")
    await head.press(card_for(head, number), "办结")
    await answer(head, "已更换灯泡")
    return number


async def test_the_head_is_asked_whom_to_assign_above_the_people_and_back_removes_it(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")

    await head.press(card, "指派")

    assert card.text.endswith(f"{number} 指派给谁？")
    assert "中山路12号路灯不亮" in card.text  # the card stays above the question
    assert card.has_button("刘强") and card.has_button("返回")
    await head.press(card, "返回")
    assert "指派给谁" not in card.text
    assert card.has_button("指派") and not card.has_button("刘强")


async def test_the_call_back_asks_whether_the_department_contacted_the_citizen_first(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    number = await resolved_issue(worker, head, member, phone="13812345678")
    card = await worker.wait_for("请回访群众核实")

    await worker.press(card, "记录回访")

    assert card.text.endswith(f"📞 {number} 回访：承办单位是否联系过您？")
    assert card.has_button("是") and card.has_button("否") and card.has_button("联系不上")


async def test_confirm_closed_asks_once_more_and_closes_only_on_the_second_press(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    number = await resolved_issue(worker, head, member)
    resolved = await worker.wait_for("请核实办理情况")
    heard_before = len(head.messages)

    await worker.press(resolved, "确认结案")

    assert f"确认 {number} 结案？" in resolved.text
    assert "只有督办室可以重办" in resolved.text
    [(status,)] = await rows(bot, "SELECT status FROM issues WHERE number = ?", number)
    assert status == "resolved"
    assert len(head.messages) == heard_before  # the department heard nothing yet

    await worker.press(resolved, "✅ 确认结案")

    [(status,)] = await rows(bot, "SELECT status FROM issues WHERE number = ?", number)
    assert status == "closed"
    assert "结案。" in (await head.wait_for("结案。")).text


async def test_back_from_the_confirmation_leaves_the_issue_resolved(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    number = await resolved_issue(worker, head, member)
    resolved = await worker.wait_for("请核实办理情况")

    await worker.press(resolved, "确认结案")
    await worker.press(resolved, "返回")

    assert "确认 " not in resolved.text.split("\n")[-1]
    assert resolved.has_button("确认结案") and resolved.has_button("重办")
    assert (await events(bot, number))[-1] == "resolved"


async def test_a_confirmation_pressed_after_the_issue_was_reopened_changes_nothing(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await coordinator.send("/start")
    number = await resolved_issue(worker, head, member)
    resolved = await worker.wait_for("请核实办理情况")
    await worker.press(resolved, "确认结案")  # asked: and meanwhile…
    data = resolved.button("✅ 确认结案").callback_data
    assert data is not None
    await coordinator.send(f"/issue {number}")
    await coordinator.press(card_for(coordinator, number), "重办")
    await answer(coordinator, "群众来电说路灯还是不亮")

    answered = await worker.press_data(resolved, data)  # the question's button, now stale

    assert answered is not None and answered.text
    assert (await events(bot, number))[-1] == "reopened"
    [(status,)] = await rows(bot, "SELECT status FROM issues WHERE number = ?", number)
    assert status == "accepted"


async def test_the_wizard_edit_menu_has_a_way_back_to_the_summary(
    bot: Harness, worker: EmulatedUser
) -> None:
    summary = await to_summary(worker)

    await worker.press(summary, "修改")
    assert summary.has_button("描述") and summary.has_button("返回")
    await worker.press(summary, "返回")

    assert summary.has_button("提交") and summary.has_button("修改")
    assert not summary.has_button("返回")
    await worker.press(summary, "提交")
    assert "已提交，编号 " in summary.text
