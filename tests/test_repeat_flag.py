"""Repeats are a signal (督办; issue 19, point 3): an issue reported `[intake] repeat_flag`
times (3: the report that logged it and two repeat calls) is flagged to the coordinators with
its card, once, even across a restart; the card and the timeline say so."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from emulator import EmulatedUser
from tests.flows import card_for, events, log_issue, rows
from tests.harness import TEST_ORG, Harness, settings_for
from tests.test_repeat_calls import report_again, start_all

FLAG = "请督办"


async def call_again(worker: EmulatedUser, number: str) -> None:
    """The citizen calls again: a report through /new, turned into a repeat call on `number`."""
    history = await report_again(worker)
    await worker.press(history, f"催单 {number}")
    await worker.press(history, "确认催单")
    assert f"已记为 {number} 的重复来电" in history.text


def flags(person: EmulatedUser) -> list[str]:
    """The repeat flags the person received (as they read when they arrived)."""
    said = [m.history[0] if m.history else m.text for m in person.messages]
    return [text for text in said if FLAG in text]


async def test_the_third_report_flags_the_issue_to_the_coordinators_with_its_card(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await start_all(head, coordinator)
    number = await log_issue(worker)
    await call_again(worker, number)
    await bot.drain()
    assert flags(coordinator) == []  # reported twice: not yet

    await call_again(worker, number)

    flagged = await coordinator.wait_for(FLAG)
    assert flagged.text.startswith(f"⚠️ {number} 群众已反映 3 次（重复来电），请督办。\n\n")
    assert "中山路12号路灯不亮" in flagged.text  # its card
    assert "⚠️ 群众已反映 3 次，已报督办" in flagged.text
    assert await events(bot, number) == ["submitted", "repeat_call", "repeat_call", "flagged"]
    [(flagged_at,)] = await rows(bot, "SELECT flagged_at FROM issues WHERE number = ?", number)
    assert flagged_at is not None
    # The department is reminded of the call as before, and its card shows the flag too.
    reminded = [m for m in head.messages if "再次来电催办" in m.text][-1]
    assert "⚠️ 群众已反映 3 次，已报督办" in reminded.text
    assert flags(head) == [] and flags(worker) == []  # only the coordinators are flagged
    # The timeline says it was flagged.
    await coordinator.send(f"/issue {number}")
    timeline = next(m for m in reversed(coordinator.messages) if "受理重复来电" in m.text)
    assert "09:00 系统预警 群众多次反映，已报督办员督办" in timeline.text


async def test_a_fourth_report_does_not_flag_it_again_even_after_a_restart(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await start_all(coordinator)
    number = await log_issue(worker)
    await call_again(worker, number)
    await call_again(worker, number)
    await coordinator.wait_for(FLAG)

    await bot.restart()
    await call_again(worker, number)
    await bot.drain()

    assert len(flags(coordinator)) == 1
    assert (await events(bot, number))[-2:] == ["flagged", "repeat_call"]
    assert "⚠️ 群众已反映 4 次，已报督办" in card_for(worker, number).text


async def test_the_organisation_file_sets_how_many_reports_flag_an_issue(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, tmp_path: Path
) -> None:
    twice = tmp_path / "org-twice.toml"
    twice.write_text(
        TEST_ORG.read_text("utf-8") + "\n[intake]\nrepeat_flag = 2\n", encoding="utf-8"
    )
    bot.settings = settings_for(bot.api, tmp_path, org_file=twice)
    await bot.restart()
    await start_all(coordinator)
    number = await log_issue(worker)

    await call_again(worker, number)

    flagged = await coordinator.wait_for(FLAG)
    assert flagged.text.startswith(f"⚠️ {number} 群众已反映 2 次（重复来电），请督办。")


async def test_a_routine_flag_waits_for_the_end_of_quiet_hours_and_an_urgent_one_goes_at_once(
    quiet_bot: Harness,
) -> None:
    bot = quiet_bot
    worker, coordinator = bot.user(1001, "王芳"), bot.user(9001, "周敏")
    await coordinator.send("/start")
    bot.clock.advance(timedelta(hours=14))  # 23:00 in Shanghai
    routine = await log_issue(worker)
    await call_again(worker, routine)
    await call_again(worker, routine)
    await bot.drain()
    assert flags(coordinator) == []

    urgent = await log_issue(
        worker, "井盖缺失", category="路灯故障", urgent=True, phone="13900001111"
    )
    await call_again_from(worker, urgent, "13900001111")
    await call_again_from(worker, urgent, "13900001111")
    assert (await coordinator.wait_for(f"⚠️ {urgent}")).text.startswith(
        f"⚠️ {urgent} 群众已反映 3 次"
    )
    assert not any(routine in text for text in flags(coordinator))

    bot.clock.advance(timedelta(hours=8, minutes=30))  # 07:30
    await bot.sweep()
    assert (await coordinator.wait_for(f"⚠️ {routine}")).text.startswith(
        f"⚠️ {routine} 群众已反映 3 次"
    )


async def call_again_from(worker: EmulatedUser, number: str, phone: str) -> None:
    history = await report_again(worker, phone=phone)
    await worker.press(history, f"催单 {number}")
    await worker.press(history, "确认催单")


async def test_a_coordinators_stats_list_the_issues_flagged_in_the_period(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await start_all(head, coordinator)
    number = await log_issue(worker)
    await call_again(worker, number)
    await call_again(worker, number)
    bot.clock.advance(timedelta(minutes=1))

    await coordinator.send("/stats")
    await head.send("/stats")

    ranking = next(m.text for m in coordinator.messages if "各承办单位绩效排名" in m.text)
    assert f"⚠️ 多次反映报督办：{number}" in ranking
    assert not any("多次反映报督办" in m.text for m in head.messages)  # a head's has no list
