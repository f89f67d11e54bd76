"""Deadlines and reminders through the fake Bot API, with the clock in the test's hands.

Each rung of the ladder fires once, at its time, to the right people, and stops when the
issue moves on. (The test organisation has no quiet hours unless a test turns them on.)
"""

from __future__ import annotations

from datetime import timedelta

from emulator import BotMessage, EmulatedUser
from tests.flows import answer, call_back, card_for, confirm_closed, log_issue, rows
from tests.harness import Harness

H = timedelta(hours=1)
LEFT_TO_ACCEPT = "距签收时限还剩"
ACCEPT_UP = "已到签收时限"


def count(person: EmulatedUser, text: str) -> int:
    """Messages that said `text` when they arrived (cards are edited later, as issues move)."""
    return sum(text in (m.history[0] if m.history else m.text) for m in person.messages)


def said(person: EmulatedUser, text: str) -> BotMessage:
    """The latest message to the person containing `text` (digests may come in between)."""
    found = [m for m in person.messages if text in m.text]
    assert found, f"nothing with {text!r} in {person.texts()}"
    return found[-1]


async def at(bot: Harness, delta: timedelta) -> None:
    """Let time pass, then sweep, as the bot does every SWEEP_INTERVAL_SECONDS."""
    bot.clock.advance(delta)
    await bot.sweep()


async def started(*people: EmulatedUser) -> None:
    for person in people:
        await person.send("/start")


async def test_a_pending_issue_reminds_the_department_at_half_time_and_at_the_deadline(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await started(head, member, coordinator)
    number = await log_issue(worker)  # respond within 2 hours

    await at(bot, timedelta(minutes=59))
    assert count(head, LEFT_TO_ACCEPT) == 0

    await at(bot, timedelta(minutes=1))
    reminder = said(head, f"{number} 距签收时限还剩 1 小时")
    assert reminder.has_button("签收") and reminder.has_button("退回")
    assert count(member, LEFT_TO_ACCEPT) == 1
    await at(bot, timedelta(0))  # the same sweep again sends nothing twice
    assert count(head, LEFT_TO_ACCEPT) == 1

    await at(bot, H)
    assert said(head, f"{number} 已到签收时限")
    assert said(coordinator, f"督办：市政道路科的 {number} 超过签收时限")
    assert count(worker, "时限") == 0  # the reporter is not nagged about the department


async def test_accepting_stops_the_pending_reminders(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await started(head, coordinator)
    number = await log_issue(worker)
    await at(bot, H)
    await head.press(card_for(head, number), "签收")

    for _ in range(5):
        await at(bot, 4 * H)

    assert count(head, LEFT_TO_ACCEPT) == 1
    assert count(head, ACCEPT_UP) == 0
    assert count(coordinator, "督办：") == 0


async def test_an_overdue_accepted_issue_goes_to_the_handler_then_the_heads_then_coordinators(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    second_head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await started(head, second_head, member, coordinator)
    number = await log_issue(worker)  # resolve within 3 days of the handoff
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "指派")
    await head.press(card, "刘强")

    await at(bot, 36 * H)
    assert said(member, f"{number} 距办结时限还剩 1 天 12 小时")
    assert count(head, "距办结时限") == 0  # assigned: the handler is reminded, not the heads

    await at(bot, 34 * H)
    assert said(member, f"{number} 距办结时限还剩 2 小时")
    await at(bot, 2 * H)
    assert said(member, f"{number} 已到办结时限")
    assert count(second_head, number) == 1  # only the card of the new issue so far

    await at(bot, 4 * H)
    assert said(member, f"{number} 已超过办结时限 4 小时，请尽快办结")
    for other_head in (head, second_head):
        assert said(other_head, f"{number} 已超过办结时限 4 小时")
    assert count(coordinator, "督办：") == 0

    for _ in range(5):  # to a day past the deadline, sweeping as the bot does
        await at(bot, 4 * H)
    assert said(coordinator, f"督办：市政道路科的 {number} 超过办结时限 1 天")
    overdue_count = count(member, "已超过办结时限")
    assert overdue_count == 6  # every 4 hours

    await member.press(said(member, "已超过办结时限"), "办结")
    await answer(member, "已修复")
    await at(bot, 12 * H)
    assert count(member, "已超过办结时限") == overdue_count


async def test_a_resolved_issue_reminds_the_reporter_every_day_until_the_call_back_closes_it(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await started(head)
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, "已更换灯泡")

    await at(bot, 23 * H)
    assert count(worker, "请电话回访群众并记录回访结果") == 0
    await at(bot, H)
    daily = said(worker, f"{number} 已办结 1 天。请电话回访群众并记录回访结果")
    assert daily.has_button("记录回访") and daily.has_button("重办")
    await at(bot, 24 * H)
    assert said(worker, f"{number} 已办结 2 天")

    await call_back(worker, said(worker, f"{number} 已办结 2 天"))
    await at(bot, 72 * H)

    # Closed by the call-back: no call-back is asked for apart any more.
    assert count(worker, "请电话回访群众") == 2


async def test_a_resolved_issue_with_no_citizen_to_call_reminds_the_reporter_to_confirm(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await started(head)
    number = await log_issue(worker, phone=None)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, "已更换灯泡")

    await at(bot, 24 * H)
    daily = said(worker, f"{number} 已办结 1 天。请核实后确认结案或重办")
    assert daily.has_button("确认结案") and daily.has_button("重办")
    await confirm_closed(worker, daily)
    await at(bot, 72 * H)

    assert count(worker, f"{number} 已办结") == 1


async def test_a_returned_issue_reminds_the_reporter_and_coordinators_to_reroute(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await started(head, coordinator)
    number = await log_issue(worker)
    await head.press(card_for(head, number), "退回")
    await answer(head, "不归我们管")

    await at(bot, 2 * H)

    for person in (worker, coordinator):
        reminder = said(person, f"{number} 已退回 2 小时，仍在等待改派或撤回")
        assert reminder.has_button("改派")


async def test_an_urgent_issue_has_the_urgent_deadlines(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await started(head, coordinator)
    number = await log_issue(worker, urgent=True)  # respond within 30 minutes

    await at(bot, timedelta(minutes=15))
    assert said(head, f"{number} 距签收时限还剩 15 分钟")
    await at(bot, timedelta(minutes=15))
    assert said(coordinator, "督办")


async def test_a_reminder_due_while_the_bot_was_down_goes_out_after_the_restart(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await started(head)
    number = await log_issue(worker)

    await bot.restart()
    bot.clock.advance(90 * timedelta(minutes=1))
    await bot.sweep()

    assert said(head, f"{number} 距签收时限还剩 30 分钟")


async def test_the_morning_digest_lists_whats_overdue_for_heads_and_coordinators(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    coordinator: EmulatedUser,
    water_head: EmulatedUser,
) -> None:
    await started(head, coordinator, water_head)
    late = await log_issue(worker, "甲路灯")
    await log_issue(worker, "小区停水", category="停水")
    await at(bot, 3 * H)  # 12:00: today's digest (08:30) is sent on this first sweep

    assert said(head, "每日早报 11月25日（周三）") or any(
        "每日早报 11月25日（周三）" in m.text for m in head.messages
    )
    await at(bot, 20 * H + timedelta(minutes=30))  # 08:30 the next day

    digest = next(m for m in reversed(head.messages) if "每日早报 11月26日（周四）" in m.text)
    assert "市政道路科：待签收 1 件，办理中 0 件，超期 1 件" in digest.text
    assert late in digest.text
    assert "供水服务中心" not in digest.text  # a head reads about their own department
    overview = next(
        m for m in reversed(coordinator.messages) if "每日早报 11月26日（周四）" in m.text
    )
    assert (
        "市政道路科：待签收 1 件" in overview.text and "供水服务中心：待签收 1 件" in overview.text
    )
    await at(bot, H)
    assert sum("每日早报 11月26日（周四）" in m.text for m in head.messages) == 1


async def test_overdue_lists_the_most_overdue_first(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    older = await log_issue(worker, "甲路灯")
    bot.clock.advance(H)
    newer = await log_issue(worker, "乙路灯")
    water = await log_issue(worker, "小区停水", category="停水")
    bot.clock.advance(5 * H)

    await head.send("/overdue")
    listing = head.last.text
    assert "超期工单：2 件" in listing
    assert listing.index(older) < listing.index(newer)
    assert water not in listing

    await coordinator.send("/overdue")
    assert water in coordinator.last.text and "超期工单：3 件" in coordinator.last.text

    await worker.send("/overdue")
    assert said(worker, "不能进行这项操作")


# --------------------------------------------------------------------------- quiet hours


async def test_routine_reminders_wait_for_the_morning_and_urgent_ones_go_through(
    quiet_bot: Harness,
) -> None:
    bot = quiet_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    bot.clock.advance(12 * H)  # 21:00 in Shanghai
    routine = await log_issue(worker, "甲路灯")
    bot.clock.advance(timedelta(minutes=90))  # 22:30
    urgent = await log_issue(worker, "乙路灯", urgent=True)

    await at(bot, timedelta(minutes=15))  # 22:45: half of the urgent 30 minutes
    assert said(head, f"{urgent} 距签收时限还剩 15 分钟")
    assert count(head, f"{routine} 距签收时限") == 0  # its half time (22:00) passed in quiet hours

    for _ in range(8):
        await at(bot, H)  # through the night to 06:45
    assert count(head, f"{routine} 已超过签收时限") == 0

    await at(bot, timedelta(minutes=45))  # 07:30
    morning = [m.text for m in head.messages if m.text.startswith(f"⚠️ 催办：{routine}")]
    assert morning == [
        f"⚠️ 催办：{routine} 已超过签收时限 8 小时 30 分钟，请尽快签收或退回。\n\n"
        + morning[0].split("\n\n", 1)[1]
    ]
    [(superseded,)] = await rows(
        bot, "SELECT count(*) FROM outbox WHERE last_error LIKE 'superseded%'"
    )
    assert superseded >= 1  # the night's earlier reminders were replaced, not piled up


async def test_a_reminder_due_just_before_quiet_hours_goes_when_the_next_sweep_finds_it(
    quiet_bot: Harness,
) -> None:
    bot = quiet_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    bot.clock.advance(11 * H + timedelta(minutes=59, seconds=30))  # 20:59:30 in Shanghai
    number = await log_issue(worker)  # two hours to respond: half time at 21:59:30

    await at(bot, timedelta(minutes=59, seconds=30))  # 21:59:00: not due yet
    assert count(head, f"{number}：") == 0
    await at(bot, timedelta(minutes=1))  # 22:00:00, the next sweep, in quiet hours

    assert said(head, f"{number} 距签收时限还剩 59 分钟")
