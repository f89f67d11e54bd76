"""Nearby, same problem (重复件; issue 19, point 2): once the pin and the category are known in
/new, the worker sees the open issues of that category logged nearby lately, and can link the
report to one as a duplicate: a note on its timeline, its count on the card, nothing new to the
department."""

from __future__ import annotations

import math
from datetime import timedelta

from emulator import BotMessage, EmulatedUser
from tests.flows import answer, card_for, confirm_closed, events, log_issue, rows
from tests.harness import Harness
from tests.test_complaints import log_complaint

HERE = (39.9042, 116.4074)  # Beijing


def metres_away(north: float = 0, east: float = 0) -> tuple[float, float]:
    latitude, longitude = HERE
    return (
        latitude + north / 111_195,
        longitude + east / (111_195 * math.cos(math.radians(latitude))),
    )


async def report_at(
    worker: EmulatedUser, pin: tuple[float, float], category: str = "路灯故障"
) -> BotMessage:
    """A second report through /new up to its pin (no address in words): the last message
    then (the open issues nearby, or the next question)."""
    await worker.send("/new 路灯又坏了，邻居也在反映")
    await worker.press(worker.last, category)
    await worker.share_location(*pin)
    await worker.send("完成")
    return worker.last


async def count_issues(bot: Harness) -> int:
    [(count,)] = await rows(bot, "SELECT count(*) FROM issues")
    return int(count)


async def test_a_report_150_metres_away_is_offered_and_linked_as_a_duplicate(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    original = await log_issue(
        worker, description="中山路12号路灯不亮，整条街晚上都很黑，老人出行不便", pin=HERE
    )

    offered = await report_at(worker, metres_away(north=150))

    assert "附近 200 米内、近 7 天登记的同类未办结工单" in offered.text
    assert f"{original} · 约 150 米 · 中山路12号路灯不亮，整条街晚上都很黑…" in offered.text
    assert offered.has_button(f"同一问题：{original}") and offered.has_button("登记新工单")
    told = await worker.press(offered, f"同一问题：{original}")

    assert told is not None and f"已作为 {original} 的重复件关联" in (told.text or "")
    assert f"已作为重复件关联到 {original}，该问题已被反映 2 次" in offered.text
    assert "同一问题已被反映 2 次" in offered.text  # the original's card, under it
    assert await count_issues(bot) == 1  # nothing new is logged
    assert await events(bot, original) == ["submitted", "duplicate"]
    [(duplicates,)] = await rows(bot, "SELECT duplicates FROM issues WHERE number = ?", original)
    assert duplicates == 1
    # Nothing new goes to the department: no notice of the duplicate is queued for anyone.
    [(notices,)] = await rows(
        bot,
        "SELECT count(*) FROM outbox JOIN issue_events ON issue_events.id = outbox.event_id"
        " WHERE issue_events.kind = 'duplicate' AND outbox.kind = 'event'",
    )
    assert notices == 0
    # The figures count the problem once: one handoff received, one due.
    figures = await rows(
        bot,
        "SELECT measure, sum(value) FROM daily_figures"
        " WHERE measure IN ('received', 'handoffs_due') GROUP BY measure ORDER BY measure",
    )
    assert figures == [("handoffs_due", 1), ("received", 1)]
    # The department's head sees the count and the note on the original.
    await head.send(f"/issue {original}")
    card = next(m for m in reversed(head.messages) if m.has_button("签收"))
    assert "同一问题已被反映 2 次" in card.text
    timeline = next(m for m in reversed(head.messages) if "重复件：" in m.text)
    assert "重复件：路灯又坏了，邻居也在反映" in timeline.text
    # The draft ended.
    await worker.send("/new")
    assert "请简要描述问题" in worker.last.text


async def test_a_report_300_metres_away_or_of_another_category_is_not_offered(
    bot: Harness, worker: EmulatedUser
) -> None:
    await log_issue(worker, pin=HERE)

    far = await report_at(worker, metres_away(east=300))
    await worker.send("/cancel")
    other = await report_at(worker, metres_away(north=20), category="停水")

    assert "请发送现场照片" in far.text and "请发送现场照片" in other.text
    assert not any("同类未办结工单" in text for text in worker.texts())


async def test_log_a_new_issue_goes_on_with_the_wizard(bot: Harness, worker: EmulatedUser) -> None:
    await log_issue(worker, pin=HERE)

    offered = await report_at(worker, metres_away(north=50))
    await worker.press(offered, "登记新工单")

    assert "请发送现场照片" in worker.last.text
    await worker.send("完成")
    await worker.send("跳过")
    await worker.send("跳过")
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ ")
    await worker.press(worker.last, "提交")
    assert await count_issues(bot) == 2


async def test_a_tap_after_the_original_was_withdrawn_says_so_and_the_worker_logs_a_new_one(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    original = await log_issue(worker, pin=HERE)
    offered = await report_at(worker, metres_away(north=150))
    # Meanwhile the coordination office withdraws it.
    await coordinator.send(f"/issue {original}")
    card = next(m for m in reversed(coordinator.messages) if m.has_button("撤回"))
    await coordinator.press(card, "撤回")
    await coordinator.press(card, "无效")
    await answer(coordinator, "群众已撤诉")

    refused = await worker.press(offered, f"同一问题：{original}")

    assert refused is not None and refused.show_alert
    assert f"{original} 已结案或撤回" in (refused.text or "")
    assert not offered.has_button(f"同一问题：{original}")  # the list as it is now
    assert await events(bot, original) == ["submitted", "withdrawn"]
    await worker.press(offered, "登记新工单")
    assert "请发送现场照片" in worker.last.text


async def test_a_forged_tap_on_an_issue_not_nearby_is_refused(
    bot: Harness, worker: EmulatedUser
) -> None:
    near = await log_issue(worker, pin=HERE)
    far = await log_issue(worker, description="另一处路灯", pin=metres_away(north=1000))
    water = await log_issue(worker, description="停水了", category="停水", pin=HERE)
    offered = await report_at(worker, metres_away(north=100))
    assert offered.has_button(f"同一问题：{near}")
    token = offered.buttons[0].callback_data.split(":")[1]  # type: ignore[union-attr]

    for number in (far, water):
        [(issue_id,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", number)
        refused = await worker.press_data(offered, f"n:{token}:nearby:{issue_id}")
        assert refused is not None and refused.show_alert, number

    assert await events(bot) == ["submitted", "submitted", "submitted"]
    [(duplicates,)] = await rows(bot, "SELECT sum(duplicates) FROM issues")
    assert duplicates == 0


async def test_the_duplicates_reporter_hears_when_the_original_is_resolved_and_closed(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    original = await log_issue(coordinator, pin=HERE, phone=None)  # closed by its reporter
    offered = await report_at(worker, metres_away(north=150))
    await worker.press(offered, f"同一问题：{original}")
    assert await rows(bot, "SELECT staff_id FROM issue_followers") == [(1,)]

    card = card_for(head, original)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, "已更换灯泡")

    told = await worker.wait_for("作为重复件反映的问题")
    assert f"市政道路科已办结 {original}" in told.text and "已更换灯泡" in told.text
    assert not told.has_button("确认结案")  # the reporter confirms; they call back their own
    assert [b.text for b in told.buttons] == ["📞 记录重复件回访"]
    assert "张三" not in told.text  # the original's citizen is not theirs: hidden
    resolved = await coordinator.wait_for("请核实")
    await confirm_closed(coordinator, resolved)
    closed = await worker.wait_for("结案。")
    assert original in closed.text and closed.has_button("📞 记录重复件回访")  # still owed


async def test_the_duplicates_reporter_records_their_own_call_back_which_no_rate_counts(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    original = await log_issue(coordinator, pin=HERE)  # closed by its own call-back
    offered = await report_at(worker, metres_away(north=150))
    await worker.press(offered, f"同一问题：{original}")
    card = card_for(head, original)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, "已更换灯泡")
    told = await worker.wait_for("作为重复件反映的问题")
    [(issue_id,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", original)

    forged = await worker.press_data(told, f"fb:{issue_id}:satisfied")  # the second answer first
    assert forged is not None and forged.show_alert
    stranger = await head.press_data(told, f"fb:{issue_id}:solved")  # not theirs to record
    assert stranger is not None and stranger.show_alert and "已记录" not in (stranger.text or "")
    await worker.press(told, "📞 记录重复件回访")
    asked = worker.last
    assert f"{original}：请回访向您反映此问题的群众。问题解决了吗？" in asked.text
    await worker.press(asked, "部分解决")
    assert "群众是否满意" in asked.text
    await worker.press(asked, "基本满意")

    assert f"您对 {original} 的回访已记入办理记录：部分解决 · 基本满意" in asked.text
    assert await events(bot, original) == [
        "submitted", "duplicate", "accepted", "resolved", "duplicate_callback",
    ]  # fmt: skip
    [(status,)] = await rows(bot, "SELECT status FROM issues WHERE id = ?", issue_id)
    assert status == "resolved"  # its own citizen's call-back closes it, not this one
    counted = await rows(
        bot,
        "SELECT measure FROM daily_figures"
        " WHERE measure IN ('basically_satisfied', 'partly_solved', 'contacted_yes')",
    )
    assert counted == []  # the problem counts once, by its own call-back
    again = await worker.press_data(told, f"fb:{issue_id}")
    assert again is not None and "已记录" in (again.text or "")
    assert (await events(bot, original)).count("duplicate_callback") == 1
    await coordinator.send(f"/issue {original}")
    assert "回访了反映重复件的群众：部分解决 · 基本满意" in coordinator.last.text


async def test_a_coordinator_merges_two_issues_choosing_the_one_that_stays(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    stays = await log_issue(coordinator, description="中山路路灯不亮", phone=None)
    goes = await log_issue(worker, description="中山路12号门口路灯坏了", phone=None)

    await coordinator.send(f"/merge {goes} {stays}")
    asked = coordinator.last
    assert "合并这两件工单" in asked.text and stays in asked.text and goes in asked.text
    await coordinator.press(asked, f"保留 {stays}")

    assert f"{goes} 已并入 {stays}，作为重复件撤回；{stays} 已被反映 2 次" in asked.text
    assert await events(bot, goes) == ["submitted", "withdrawn"]
    assert await events(bot, stays) == ["submitted", "duplicate"]
    [(duplicates,)] = await rows(bot, "SELECT duplicates FROM issues WHERE number = ?", stays)
    assert duplicates == 1
    # Withdrawn before its deadline to respond: not a late handoff in the on-time rate.
    [(before_due,)] = await rows(
        bot, "SELECT sum(value) FROM daily_figures WHERE measure = 'withdrawn_before_due'"
    )
    assert before_due == 1
    # The one that went: its reporter now hears of the result of the one kept.
    card = next(m for m in reversed(head.messages) if stays in m.text and m.has_button("签收"))
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, "已修复")
    told = await worker.wait_for("作为重复件反映的问题")
    assert f"市政道路科已办结 {stays}" in told.text
    # A second press (or a forged one) finds the one that went closed: nothing changes.
    [(stays_id,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", stays)
    [(goes_id,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", goes)
    refused = await coordinator.press_data(asked, f"mg:{stays_id}:{goes_id}")
    assert refused is not None and refused.show_alert
    assert f"{goes} 已结案或撤回" in (refused.text or "")
    assert await events(bot, stays) == ["submitted", "duplicate", "accepted", "resolved"]


async def test_only_a_coordinator_merges_and_only_two_different_issues(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    refusal_of_role = "您的角色不能进行这项操作。"
    first = await log_issue(worker)
    second = await log_issue(worker, description="另一盏灯")

    for person in (head, worker):
        await person.send(f"/merge {first} {second}")
        assert person.last.text == refusal_of_role, person.last.text
    await worker.send("/merge")
    assert "用法：/merge 编号 编号" in worker.last.text
    await coordinator.send(f"/merge {first} {first}")
    assert "合并这两件工单" not in coordinator.last.text and not coordinator.last.buttons
    assert await events(bot) == ["submitted", "submitted"]


async def test_duplicates_count_as_reports_and_the_third_flags_the_issue_to_the_coordinators(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    for person in (head, coordinator):
        await person.send("/start")
    original = await log_issue(worker, description="中山路12号路灯不亮", pin=HERE)
    for north in (100, 150):  # two neighbours report the same lamp
        offered = await report_at(worker, metres_away(north=north))
        await worker.press(offered, f"同一问题：{original}")
        await bot.drain()

    flagged = await coordinator.wait_for(f"{original} 群众已反映 3 次")
    assert "中山路12号路灯不亮" in flagged.text  # with its card
    assert await events(bot, original) == ["submitted", "duplicate", "duplicate", "flagged"]


async def test_stats_and_the_export_count_the_duplicates_per_department(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    for person in (head, coordinator):
        await person.send("/start")
    original = await log_issue(worker, description="中山路12号路灯不亮", pin=HERE)
    offered = await report_at(worker, metres_away(north=150))
    await worker.press(offered, f"同一问题：{original}")
    bot.clock.advance(timedelta(minutes=1))  # figures count up to now, the link before it

    await coordinator.send("/stats")
    await head.send("/stats")

    ranking = next(m.text for m in coordinator.messages if "各承办单位绩效排名" in m.text)
    assert "👥 重复件（同一问题再次反映）：市政道路科 1 件" in ranking
    figures = next(m.text for m in head.messages if "市政道路科 2026年11月" in m.text)
    assert "重复件（同一问题再次反映，已关联到未办结工单）：1 件" in figures
    # Days later, the day of the link is a whole day: counted from the daily figures.
    bot.clock.advance(timedelta(days=2))
    await head.send("/stats")
    _, again = [m.text for m in head.messages if "市政道路科 2026年11月" in m.text]
    assert "重复件（同一问题再次反映，已关联到未办结工单）：1 件" in again


async def test_a_coordinator_merges_from_an_issues_details_choosing_among_its_likely_duplicates(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    stays = await log_issue(worker, description="中山路路灯不亮", pin=HERE, phone="13900001111")
    goes = await log_issue(worker, description="中山路口路灯坏了", pin=metres_away(north=150))
    far = await log_issue(worker, description="远处的路灯", pin=metres_away(north=-300), phone=None)
    same_citizen = await log_issue(
        worker, description="楼道漏水", category="停水", phone="139 0000 1111"
    )

    await head.send(f"/issue {stays}")  # a head: no merging
    assert not any(m.has_button("🔗 与重复件合并") for m in head.messages)
    await coordinator.send(f"/issue {goes}")
    timeline = next(m for m in reversed(coordinator.messages) if m.has_button("🔗 与重复件合并"))
    await coordinator.press(timeline, "🔗 与重复件合并")
    offered = coordinator.last
    assert f"哪一件与 {goes} 是同一问题" in offered.text
    labels = [b.text for b in offered.buttons]
    assert any(label.startswith(f"{stays} · 150 米") for label in labels), labels
    assert not any(far in label or same_citizen in label for label in labels), labels

    await coordinator.send(f"/issue {stays}")
    timeline = next(m for m in reversed(coordinator.messages) if m.has_button("🔗 与重复件合并"))
    await coordinator.press(timeline, "🔗 与重复件合并")
    offered = coordinator.last
    labels = [b.text for b in offered.buttons]
    assert f"{same_citizen} · 同一群众 · 楼道漏水" in labels, labels  # its phone, spelt apart
    await coordinator.press(offered, f"{goes} · 150 米 · 中山路口路灯坏了")
    assert "合并这两件工单" in offered.text
    await coordinator.press(offered, f"保留 {stays}")

    assert f"{goes} 已并入 {stays}" in offered.text
    assert await events(bot, goes) == ["submitted", "withdrawn"]
    assert await events(bot, stays) == ["submitted", "duplicate"]


async def test_an_accepted_issue_may_be_merged_away_but_one_awaiting_its_call_back_stays(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    accepted = await log_issue(worker, description="中山路路灯不亮", phone=None)
    await head.press(card_for(head, accepted), "签收")
    resolved = await log_issue(worker, description="中山路12号路灯坏了")
    card = card_for(head, resolved)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, "已修复")

    await coordinator.send(f"/merge {accepted} {resolved}")
    asked = coordinator.last
    assert asked.has_button(f"保留 {resolved}")  # the one awaiting its call-back stays
    assert not asked.has_button(f"保留 {accepted}")
    [(resolved_id,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", resolved)
    [(accepted_id,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", accepted)
    forged = await coordinator.press_data(asked, f"mg:{accepted_id}:{resolved_id}")
    assert forged is not None and forged.show_alert
    assert f"{resolved} 已办结，正等待回访群众" in (forged.text or "")

    await coordinator.press(asked, f"保留 {resolved}")
    assert await events(bot, accepted) == ["submitted", "accepted", "withdrawn"]
    told = await head.wait_for(f"撤回了 {accepted}")  # the department stops on it
    assert "重复" in told.text


async def test_a_complaint_is_never_offered_nor_merged_with_another_issue(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, member: EmulatedUser
) -> None:
    case = await log_issue(worker)  # the same citizen's phone as the complaint's
    complaint = await log_complaint(worker, "刘强")

    await coordinator.send(f"/issue {case}")
    timeline = next(m for m in reversed(coordinator.messages) if m.has_button("🔗 与重复件合并"))
    await coordinator.press(timeline, "🔗 与重复件合并")
    assert complaint not in coordinator.last.text
    assert not any(complaint in b.text for b in coordinator.last.buttons)
    await coordinator.send(f"/merge {case} {complaint}")
    assert f"{complaint} 是投诉件，不与其他工单合并" in coordinator.last.text
    assert not coordinator.last.buttons
    await coordinator.send(f"/issue {complaint}")
    assert not any(m.has_button("🔗 与重复件合并") for m in coordinator.messages[-2:])
    assert await events(bot) == ["submitted", "submitted"]
    await member.send(f"/issue {case}")  # the person complained about sees nothing of it
    assert "态度恶劣" not in member.last.text


async def test_a_merge_that_brings_the_reports_to_the_threshold_flags_the_issue(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    stays = await log_issue(worker, description="中山路12号路灯不亮", pin=HERE)
    offered = await report_at(worker, metres_away(north=100))  # reported twice now
    await worker.press(offered, f"同一问题：{stays}")
    goes = await log_issue(worker, description="中山路路灯坏了", phone=None)

    await coordinator.send(f"/merge {goes} {stays}")
    await coordinator.press(coordinator.last, f"保留 {stays}")

    flagged = await coordinator.wait_for(f"{stays} 群众已反映 3 次")
    assert "中山路12号路灯不亮" in flagged.text
    assert await events(bot, stays) == ["submitted", "duplicate", "duplicate", "flagged"]


async def test_merging_from_the_timeline_of_an_issue_closed_since_says_it_is_closed(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await log_issue(worker, phone=None)
    await coordinator.send(f"/issue {number}")
    timeline = next(m for m in reversed(coordinator.messages) if m.has_button("🔗 与重复件合并"))
    [(issue_id,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", number)
    card = card_for(coordinator, number)
    await coordinator.press(card, "撤回")
    await coordinator.press(card, "重复件")
    await answer(coordinator, "与另一件重复")

    refused = await coordinator.press_data(timeline, f"mw:{issue_id}")
    assert refused is not None and f"{number} 已结案或撤回，无需合并" in (refused.text or "")
