"""/redact <phone>: a coordinator removes a citizen's personal data from every issue that
records their phone, at the citizen's request, after confirming with a button."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import pytest

from emulator import EmulatedUser
from tests.flows import card_for, events, log_issue, rows
from tests.harness import Harness
from tests.test_retention import CITIZEN, DAY, PHONE, citizen_data, closed_issue, everything_shown


async def test_a_coordinator_removes_a_citizens_data_from_all_their_issues_on_request(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    await coordinator.send("/start")
    closed = await closed_issue(worker, head)
    still_open = await log_issue(worker, "张三家门口井盖缺失", phone="+86 138-1234-5678")
    other = await log_issue(worker, "李四反映路面积水", phone="13987654321")

    await coordinator.send("/redact +86 １３８ １２３４ ５６７８")

    question = coordinator.last
    assert f"{closed} · 已结案" in question.text and f"{still_open} · 待签收" in question.text
    assert "共 2 件" in question.text and "138****5678" in question.text
    assert other not in question.text
    assert all(PHONE not in (b.callback_data or "") for b in question.buttons)
    await coordinator.press(question, "删除其个人信息")

    assert "已删除 2 件工单中该群众的个人信息" in coordinator.last.text
    for number in (closed, still_open):
        assert (await citizen_data(bot, number))[:2] == (None, None)
        assert (await events(bot, number))[-1] == "redacted"
    assert (await citizen_data(bot, other))[1] == "13987654321"
    actors = await rows(bot, "SELECT actor_id FROM issue_events WHERE kind = 'redacted'")
    (coordinator_id,) = await rows(bot, "SELECT id FROM staff WHERE telegram_id = ?", 9001)
    assert actors == [coordinator_id, coordinator_id]
    # The cards already in chats were edited: the open issue's keep their buttons.
    await bot.drain()
    head_card = card_for(head, still_open)
    assert "群众个人信息已于" in head_card.text and head_card.has_button("签收")
    shown = everything_shown(head, group)
    assert PHONE not in shown and "138****5678" not in shown
    await coordinator.send(f"/issue {still_open}")
    assert "周敏 应群众要求删除了其个人信息" in coordinator.last.text


async def test_redact_is_for_coordinators_and_a_bad_or_unknown_phone_is_answered_plainly(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await log_issue(worker)

    await head.send(f"/redact {PHONE}")
    assert "您的角色不能进行这项操作" in head.last.text
    await coordinator.send("/redact")
    assert coordinator.last.text.startswith("用法：/redact")
    await coordinator.send("/redact 张三")
    assert coordinator.last.text.startswith("用法：/redact")
    await coordinator.send("/redact 139 0000 0000")
    assert "没有工单登记该群众电话 139****0000" in coordinator.last.text

    assert (await citizen_data(bot, number))[1] == PHONE


async def test_every_press_on_the_confirmation_is_checked_again_and_answered(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await log_issue(worker)
    await coordinator.send(f"/redact {PHONE}")
    question = coordinator.last
    confirm = question.button("删除其个人信息").callback_data
    assert confirm is not None

    forged = await coordinator.press_data(question, "rd:ok:not-a-real-token")
    assert forged is not None and "已失效" in (forged.text or "")
    by_a_head = await head.press_data(question, confirm)  # the token leaked to a head
    assert by_a_head is not None and "您的角色不能进行这项操作" in (by_a_head.text or "")
    garbled = await coordinator.press_data(question, "rd:zap")
    assert garbled is not None and "已失效" in (garbled.text or "")
    assert (await citizen_data(bot, number))[1] == PHONE

    bot.clock.advance(timedelta(minutes=11))  # the question went stale
    stale = await coordinator.press(question, "删除其个人信息")
    assert stale is not None and "已失效" in (stale.text or "")
    assert (await citizen_data(bot, number))[1] == PHONE

    await coordinator.send(f"/redact {PHONE}")
    await coordinator.press(coordinator.last, "取消")
    assert "已取消" in coordinator.last.text
    assert (await citizen_data(bot, number))[1] == PHONE

    await coordinator.send(f"/redact {PHONE}")
    question = coordinator.last
    confirm = question.button("删除其个人信息").callback_data
    assert confirm is not None
    await coordinator.press_data(question, confirm)
    again = await coordinator.press_data(question, confirm)  # a double press
    assert again is not None and "已失效" in (again.text or "")
    assert await events(bot, number) == ["submitted", "redacted"]  # once
    await bot.sweep()  # the stale question is forgotten by the next sweep
    assert await rows(bot, "SELECT * FROM redaction_requests") == []


async def test_the_phone_asked_for_is_in_no_log_and_no_button(
    bot: Harness,
    bot_logs: None,
    capsys: pytest.CaptureFixture[str],
    worker: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await log_issue(worker, phone="13987654321")
    await coordinator.send("/redact 139-8765-4321")
    await coordinator.press(coordinator.last, "删除其个人信息")
    bot.clock.advance(731 * DAY)
    await bot.sweep()

    logs = capsys.readouterr().err
    assert "retention: " in logs  # the logs were captured
    assert "13987654321" not in logs and "139-8765-4321" not in logs and "8765" not in logs
    data = str([c.params.get("reply_markup") for c in bot.api.calls])
    # (Not a four-digit piece: a button's random token may hold one by chance.)
    assert not any(piece in data for piece in ("13987654321", "1398765", "87654321"))
    assert await rows(bot, "SELECT * FROM redaction_requests") == []


async def test_a_refusal_after_a_redaction_still_names_who_took_the_last_step(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await closed_issue(worker, head)
    await coordinator.send(f"/redact {PHONE}")
    await coordinator.press(coordinator.last, "删除其个人信息")
    (issue_id,) = await rows(bot, "SELECT id FROM issues WHERE number = ?", number)

    late = await worker.press_data(card_for(worker, number), f"i:{issue_id[0]}:cfm")

    assert late is not None and "网格员王芳 已确认结案" in (late.text or "")


@pytest.mark.sqlite_only
async def test_a_removed_phone_is_nowhere_in_the_database_file(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    for place in ("中山路", "幸福路"):
        await log_issue(worker, f"{place}路灯不亮，群众电话{PHONE}")
    await coordinator.send(f"/redact {PHONE}")
    await coordinator.press(coordinator.last, "删除其个人信息")
    await bot.drain()

    def on_disk() -> bytes:
        with sqlite3.connect(bot.database) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return bot.database.read_bytes()

    written = await asyncio.to_thread(on_disk)
    assert PHONE.encode() not in written and CITIZEN.encode() not in written
