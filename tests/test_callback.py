"""One call closes the loop (issue 17, point 1): once the department resolves an issue, the
reporter (or a coordinator) calls the citizen back and records three answers, a tap each, with
the question above its buttons, then the citizen's words or Skip. Satisfied answers close the
issue (结案); "not solved" or "dissatisfied" send it back to the same department (重办) and tell
the coordinators (二次督办); "could not reach" leaves it resolved, reminds the reporter, and
after `[callback] attempts` tries lets a coordinator close it with a reason. An issue with no
citizen's phone is closed by the reporter's confirmation; one closed before this release is
called back the old way until it is recorded. Played through the fake Bot API; what was saved is
read from the database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from emulator import BotMessage, EmulatedUser
from storage.sqlite.schema import discover, migrate
from tests.flows import answer, call_back, card_for, confirm_closed, events, log_issue, rows
from tests.harness import Harness

H = timedelta(hours=1)
ASKED = "请回访群众核实"  # the reporter's notice of a resolution with a citizen to call


async def resolved(
    worker: EmulatedUser, head: EmulatedUser, phone: str | None = "13812345678"
) -> str:
    """Logged by the worker (with the citizen's phone, unless None), accepted and resolved."""
    await head.send("/start")
    number = await log_issue(worker, phone=phone)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, "已更换灯泡")
    return number


async def issue_row(bot: Harness, number: str) -> tuple[object, ...]:
    [found] = await rows(
        bot,
        "SELECT status, callback, unreached, callback_given_up, reopen_count FROM issues"
        " WHERE number = ?",
        number,
    )
    return found


async def call_backs(bot: Harness, number: str) -> list[tuple[object, ...]]:
    """The call-backs on the issue's timeline: contacted, solved, verdict, the citizen's words."""
    return await rows(
        bot,
        "SELECT contacted, solved, verdict, text FROM issue_events"
        " JOIN issues ON issues.id = issue_id WHERE number = ? AND kind = 'callback'"
        " ORDER BY issue_events.id",
        number,
    )


async def issue_id(bot: Harness, number: str) -> int:
    [(found,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", number)
    assert isinstance(found, int)
    return found


async def test_three_taps_with_the_question_above_each_close_a_satisfied_citizens_issue(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved(worker, head)
    card = await worker.wait_for(ASKED)
    assert card.has_button("记录回访") and not card.has_button("确认结案")

    await worker.press(card, "记录回访")
    assert card.text.endswith(f"📞 {number} 回访：承办单位是否联系过您？")
    assert "已更换灯泡" in card.text  # the card, with the result, stays above the question
    await worker.press(card, "是")
    assert card.text.endswith(f"已联系\n📞 {number} 回访：您反映的问题是否已解决？")
    assert card.has_button("部分解决") and card.has_button("未解决") and card.has_button("返回")
    await worker.press(card, "已解决")
    assert card.text.endswith(f"已联系 · 已解决\n📞 {number} 回访：您对办理结果是否满意？")
    assert card.has_button("基本满意") and card.has_button("不满意")
    await worker.press(card, "满意")
    assert "群众还有什么意见？请直接输入发送；没有请点“跳过”。" in card.text
    # Nothing is recorded before the last answer: the taps so far are the prompt's.
    assert (await issue_row(bot, number))[0] == "resolved"
    [(data,)] = await rows(bot, "SELECT data FROM prompts")
    assert '"contacted": "yes"' in data and '"satisfied": "satisfied"' in data

    done = await worker.press(card, "跳过")

    assert done is not None and done.text == f"回访已记录，{number} 已结案。"
    assert await issue_row(bot, number) == ("closed", "satisfied", 0, 0, 0)
    assert await call_backs(bot, number) == [("yes", "solved", "satisfied", None)]
    assert (await events(bot, number))[-2:] == ["callback", "confirmed"]
    assert await rows(bot, "SELECT * FROM prompts") == []
    assert "📞 回访：满意" in card.text and not card.has_button("记录回访")
    told = await head.wait_for("已结案：")
    assert f"🔒 {number} 已结案：网格员王芳 回访群众，已联系 · 已解决 · 满意。" in told.text
    await worker.send(f"/issue {number}")
    assert "回访群众：已联系 · 已解决 · 满意" in worker.last.text
    assert "确认结案" in worker.last.text  # the closing is a step of its own


async def test_partly_solved_and_basically_satisfied_closes_it_and_keeps_the_citizens_words(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved(worker, head)

    await call_back(
        worker, await worker.wait_for(ASKED), "否", "部分解决", "基本满意", words="旁边那盏还暗"
    )

    assert "✓ 回访已记录" in worker.last.text and "已结案" in worker.last.text
    assert (await issue_row(bot, number))[:2] == ("closed", "basically_satisfied")
    assert await call_backs(bot, number) == [
        ("no", "partly", "basically_satisfied", "旁边那盏还暗")
    ]
    told = (await head.wait_for("已结案：")).text
    assert "未联系 · 部分解决 · 基本满意" in told and "群众原话：“旁边那盏还暗”" in told
    # Satisfaction still counts from the verdict: the daily figures have it.
    assert await rows(
        bot, "SELECT value FROM daily_figures WHERE measure = 'basically_satisfied'"
    ) == [(1,)]


async def test_not_solved_sends_it_back_with_the_words_and_tells_the_coordinators_with_its_card(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    number = await resolved(worker, head)

    await call_back(
        worker, await worker.wait_for(ASKED), "是", "未解决", "不满意", words="晚上还是不亮"
    )

    assert "已退回承办单位重办" in worker.last.text
    status, verdict, *_, reopened = await issue_row(bot, number)
    assert (status, verdict, reopened) == ("accepted", None, 1)  # a fresh call-back later
    assert await call_backs(bot, number) == [("yes", "not_solved", "dissatisfied", "晚上还是不亮")]
    [(kind, text, due_at)] = await rows(
        bot,
        "SELECT kind, text, due_at FROM issue_events JOIN issues ON issues.id = issue_id"
        " WHERE number = ? ORDER BY issue_events.id DESC LIMIT 1",
        number,
    )
    assert (kind, text) == ("reopened", "晚上还是不亮") and due_at is not None
    redo = await head.wait_for("重办：")
    assert "已退回市政道路科重新办理" in redo.text and "晚上还是不亮" in redo.text
    assert redo.has_button("办结")
    supervision = await coordinator.wait_for("二次督办")
    assert (
        f"🚨 二次督办：{number} 回访群众（网格员王芳），已联系 · 未解决 · 不满意"
        in supervision.text
    )
    assert (
        "晚上还是不亮" in supervision.text and "🏁 重办前的办理结果：已更换灯泡" in supervision.text
    )
    assert supervision.has_button("办结")  # its card: the coordinators may step in


async def test_a_satisfied_citizen_whose_problem_is_not_solved_still_sends_it_back(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved(worker, head)

    await call_back(worker, await worker.wait_for(ASKED), "是", "未解决", "满意")

    assert (await issue_row(bot, number))[0] == "accepted"
    assert (await events(bot, number))[-2:] == ["callback", "reopened"]
    assert "重办" in (await head.wait_for("重办：")).text


async def test_could_not_reach_reminds_the_reporter_and_after_three_tries_a_coordinator_closes_it(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    number = await resolved(worker, head)
    card = await worker.wait_for(ASKED)

    await worker.press(card, "记录回访")
    done = await worker.press(card, "联系不上")

    assert done is not None and done.text == "已记录联系不上。请稍后再次回访，届时我会提醒您。"
    assert await issue_row(bot, number) == ("resolved", "unreachable", 1, 0, 0)
    assert await call_backs(bot, number) == [(None, None, "unreachable", None)]
    assert "📞 回访：联系不上（1 次）" in card.text and card.has_button("记录回访")
    # The coordinators may not close it yet: the call-back closes it.
    await coordinator.send(f"/issue {number}")
    assert not card_for(coordinator, number).has_button("确认结案")
    refused = await coordinator.press_data(
        card_for(coordinator, number), f"i:{await issue_id(bot, number)}:cfm"
    )
    assert refused is not None and refused.show_alert and "须回访群众" in (refused.text or "")
    assert not any(
        "📵" in m.text for m in coordinator.messages
    )  # not told before the tries run out

    for tries in (1, 2):  # reminded after a day; tries again from the reminder
        bot.clock.advance(24 * H)
        await bot.sweep()
        reminder = [m for m in worker.messages if f"已 {tries} 次联系不上群众" in m.text][-1]
        assert reminder.has_button("记录回访")
        await worker.press(reminder, "记录回访")
        done = await worker.press(reminder, "联系不上")
    assert done is not None and "回访次数已用完，督办室可填写理由结案" in (done.text or "")
    assert await issue_row(bot, number) == ("resolved", "unreachable", 3, 1, 0)

    told = await coordinator.wait_for("已 3 次回访联系不上群众")
    assert told.has_button("确认结案")
    await coordinator.press(told, "确认结案")
    await answer(coordinator, "群众电话停机，社区网格员上门核实灯已亮")

    assert (await issue_row(bot, number))[0] == "closed"
    [(on_behalf, text)] = await rows(
        bot,
        "SELECT on_behalf, text FROM issue_events WHERE kind = 'confirmed'",
    )
    assert on_behalf == 1 and text == "群众电话停机，社区网格员上门核实灯已亮"
    assert (await events(bot, number))[-4:] == ["callback"] * 3 + ["confirmed"]


async def test_after_the_tries_run_out_the_coordinators_are_reminded_not_the_reporter(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    number = await resolved(worker, head)
    card = await worker.wait_for(ASKED)
    for _ in range(3):
        await worker.press(card, "记录回访")
        await worker.press(card, "联系不上")
    heard = len(worker.messages)

    bot.clock.advance(24 * H)
    await bot.sweep()

    assert any(
        f"📵 {number} 已 3 次回访联系不上群众，仍为已办结" in m.text for m in coordinator.messages
    )
    assert len(worker.messages) == heard


async def test_an_issue_without_the_citizens_phone_is_closed_by_the_reporters_confirmation(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved(worker, head, phone=None)
    card = await worker.wait_for("此件无群众电话，请核实办理情况后确认结案或重办")
    assert card.has_button("确认结案") and not card.has_button("记录回访")

    await confirm_closed(worker, card)

    assert (await issue_row(bot, number))[:2] == ("closed", None)
    assert (await events(bot, number))[-1] == "confirmed"
    assert not card.has_button("记录回访")  # no citizen to call, then or later


async def press(person: EmulatedUser, card: BotMessage, data: str) -> str:
    """Press made-up button data on the card; the alert it was answered with."""
    answered = await person.press_data(card, data)
    assert answered is not None and answered.show_alert, answered
    return answered.text or ""


async def test_stale_forged_and_repeated_taps_change_nothing(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await member.send("/start")
    number = await resolved(worker, head)
    card = await worker.wait_for(ASKED)
    cb = f"i:{await issue_id(bot, number)}:cb"

    # An answer before the call-back began, or to a question not asked yet, or made up.
    assert await press(worker, card, f"{cb}:solved") == "这个按钮已失效。"
    await worker.press(card, "记录回访")
    for forged in ("skip", "solved", "satisfied", "not_asked", "maybe"):
        assert await press(worker, card, f"{cb}:{forged}") == "这个按钮已失效。"
    # Someone the call-back is not for: the department's own member.
    assert await press(member, card_for(member, number), cb) == "您的角色不能进行这项操作。"
    assert (
        await press(member, card_for(member, number), f"{cb}:yes") == "您的角色不能进行这项操作。"
    )
    [(data,)] = await rows(bot, "SELECT data FROM prompts")
    assert '"contacted": null' in data  # still at the first question
    # A double tap: the second arrives once the next question shows, and changes nothing.
    await worker.press_data(card, f"{cb}:yes")
    again = await worker.press_data(card, f"{cb}:yes")
    assert again is not None and not again.show_alert
    assert card.text.endswith("您反映的问题是否已解决？")
    # Words typed before the taps are done answer nothing.
    await worker.send("群众说修好了")
    assert worker.last.text == "请使用上面的按钮。"
    await worker.press(card, "已解决")
    await worker.press(card, "满意")
    await worker.press(card, "跳过")
    late = await press(worker, card, f"{cb}:skip")  # the last tap, twice

    assert "已确认结案" in late
    assert await call_backs(bot, number) == [("yes", "solved", "satisfied", None)]
    assert (await events(bot, number)).count("confirmed") == 1


async def test_before_the_last_tap_the_card_says_what_the_answers_will_do(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved(worker, head)
    card = await worker.wait_for(ASKED)
    for tap in ("记录回访", "是", "未解决", "不满意"):
        await worker.press(card, tap)

    assert f"⚠️ 按以上回答，{number} 将退回承办单位重办，并报督办室二次督办" in card.text
    assert (await events(bot, number))[-1] == "resolved"  # nothing taken yet: Back undoes it
    await worker.press(card, "返回")
    for tap in ("记录回访", "是", "已解决", "满意"):
        await worker.press(card, tap)
    assert f"✅ 按以上回答，{number} 将结案。" in card.text
    assert (await events(bot, number))[-1] == "resolved"


async def test_back_leaves_the_call_back_and_the_next_words_are_not_the_citizens(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved(worker, head)
    card = await worker.wait_for(ASKED)
    for tap in ("记录回访", "是", "已解决", "满意"):
        await worker.press(card, tap)

    await worker.press(card, "返回")
    await worker.send("群众说修好了")

    assert card.has_button("记录回访") and "群众还有什么意见" not in card.text
    assert await rows(bot, "SELECT * FROM prompts") == []
    assert await call_backs(bot, number) == []
    assert worker.last.text.startswith("现在不需要输入内容。")


@pytest.mark.sqlite_only
async def test_an_issue_closed_before_the_three_questions_is_called_back_the_old_way(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    """As an issue confirmed closed before this release, waiting for its separate call-back:
    one verdict, the issue stays closed, a dissatisfied citizen is told to the coordinators
    (who may reopen it), and the questions not asked are on record as not asked."""
    await coordinator.send("/start")
    number = await resolved(worker, head)
    async with aiosqlite.connect(bot.database) as db:  # closed the old way, before the upgrade
        await db.execute("UPDATE issues SET status = 'closed' WHERE number = ?", (number,))
        await db.commit()
    await worker.send(f"/issue {number}")
    card = card_for(worker, number)

    await worker.press(card, "记录回访")
    assert card.text.endswith(f"📞 群众对 {number} 的办理结果是否满意？")
    await worker.press(card, "不满意")

    assert (await issue_row(bot, number))[:2] == ("closed", "dissatisfied")
    assert await call_backs(bot, number) == [("not_asked", "not_asked", "dissatisfied", None)]
    told = await coordinator.wait_for("回访结果：群众不满意")
    assert told.has_button("重办")
    assert not card.has_button("记录回访")


async def test_call_backs_recorded_before_the_upgrade_keep_their_verdict_and_asked_nothing_else(
    tmp_path: Path,
) -> None:
    """Migration 0019: an old call-back's two questions were never asked; a could-not-reach
    asked nothing; an issue closed and still waiting keeps its tries; the timeline stays
    append-only."""
    async with aiosqlite.connect(tmp_path / "old.sqlite3", isolation_level=None) as db:
        await migrate(db, [m for m in discover() if m.version < 19])
        await db.executescript(
            """
            INSERT INTO departments VALUES ('roads', '道路', 'Roads', NULL, 0, 1);
            INSERT INTO categories VALUES ('lamp', '路灯', 'Lamp', 'roads', 1, 2, 1, 2, 0, 1);
            INSERT INTO staff (id, telegram_id, name, role, department, joined_at)
                VALUES (1, 11, '王芳', 'worker', NULL, 0);
            INSERT INTO issues (id, number, status, description, category, department,
                                reporter_id, urgent, source, created_at, updated_at, handed_at,
                                citizen_phone, callback)
                VALUES (1, '2611-0001', 'closed', '灯不亮', 'lamp', 'roads', 1, 0, 'hotline',
                        0, 0, 0, '13812345678', 'satisfied'),
                       (2, '2611-0002', 'closed', '灯不亮', 'lamp', 'roads', 1, 0, 'hotline',
                        0, 0, 0, '13812345678', 'unreachable');
            INSERT INTO issue_events (issue_id, at, actor_id, kind, verdict) VALUES
                (1, 100, 1, 'confirmed', NULL),
                (1, 200, 1, 'callback', 'unreachable'),
                (1, 300, 1, 'callback', 'satisfied'),
                (2, 100, 1, 'confirmed', NULL),
                (2, 200, 1, 'callback', 'unreachable'),
                (2, 300, 1, 'reopened', NULL),
                (2, 400, 1, 'confirmed', NULL),
                (2, 500, 1, 'callback', 'unreachable'),
                (2, 600, 1, 'callback', 'unreachable');
            """
        )

        assert await migrate(db, [m for m in discover() if m.version == 19]) == [19]

        async with db.execute(
            "SELECT issue_id, verdict, contacted, solved FROM issue_events"
            " WHERE kind = 'callback' ORDER BY id"
        ) as cur:
            assert [tuple(row) for row in await cur.fetchall()] == [
                (1, "unreachable", None, None),
                (1, "satisfied", "not_asked", "not_asked"),
                (2, "unreachable", None, None),
                (2, "unreachable", None, None),
                (2, "unreachable", None, None),
            ]
        async with db.execute("SELECT id, unreached, callback_given_up FROM issues") as cur:
            assert [tuple(row) for row in await cur.fetchall()] == [(1, 0, 0), (2, 2, 0)]
        with pytest.raises(aiosqlite.IntegrityError, match="append-only"):
            await db.execute("UPDATE issue_events SET contacted = 'yes' WHERE id = 3")


async def test_a_tap_after_someone_else_sent_it_back_says_so(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    number = await resolved(worker, head)
    card = await worker.wait_for(ASKED)
    assert f"{number} · 已办结，待回访" in card.text  # what it waits for: the call-back
    for tap in ("记录回访", "是", "已解决"):
        await worker.press(card, tap)
    satisfied = card.button("满意").callback_data
    assert satisfied is not None
    await coordinator.send(f"/issue {number}")
    await call_back(coordinator, card_for(coordinator, number), "是", "未解决", "不满意")

    refused = await press(worker, card, satisfied)

    assert refused == "操作未执行：周敏 已将该工单退回重办。"
    assert (await events(bot, number))[-2:] == ["callback", "reopened"]
