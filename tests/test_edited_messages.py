"""An edited message is the same message again: it is never taken as a new one."""

from __future__ import annotations

from emulator import EmulatedUser
from tests.flows import card_for, events, log_issue, rows
from tests.harness import Harness

NOT_TAKEN = "编辑过的消息不会被处理"


async def test_editing_a_sent_note_adds_no_second_note(bot: Harness, worker: EmulatedUser) -> None:
    number = await log_issue(worker)
    await worker.send(f"/note {number} 居民说晚上八点后在家")

    await worker.edit(f"/note {number} 居民说晚上八点后在家", f"/note {number} 居民说九点后在家")

    assert (await events(bot, number)).count("note") == 1
    assert NOT_TAKEN in worker.last.text
    notes = await rows(bot, "SELECT text FROM issue_events WHERE kind = 'note'")
    assert notes == [("居民说晚上八点后在家",)]


async def test_editing_an_old_message_does_not_answer_the_question_waiting(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    await head.send("稍后处理")  # an everyday message, long before the question
    await head.press(card_for(head, number), "退回")

    await head.edit("稍后处理", "不归我们科管")

    assert await rows(bot, "SELECT status FROM issues WHERE number = ?", number) == [("pending",)]
    assert NOT_TAKEN in head.last.text
    await head.send("这是供水管道的问题")  # the question still waits for a real answer
    assert await rows(bot, "SELECT status FROM issues WHERE number = ?", number) == [("returned",)]


async def test_editing_export_builds_no_second_export(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await log_issue(worker)
    await coordinator.send("/export")
    await bot.api.wait_until(lambda: bool(bot.api.calls_to("sendDocument")))

    await coordinator.edit("/export", "/export week")
    await bot.exported()

    assert len(bot.api.calls_to("sendDocument")) == 1
    assert NOT_TAKEN in coordinator.last.text


async def test_edits_in_a_department_group_are_ignored_silently(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    group = bot.group(-1001, "道路科群")
    number = await log_issue(worker)
    await head.send(f"/note {number} 群里的备注", chat=group)
    said = len(group.messages)

    await head.edit(f"/note {number} 群里的备注", f"/note {number} 改过")

    assert (await events(bot, number)).count("note") == 1
    assert len(group.messages) == said
