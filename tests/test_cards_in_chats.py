"""An issue's card in a chat, and its details (issue 16, point 7): a chat holds one live card of
an issue, the copies before it give way to a line without buttons; details do not send the
photos and the map pin every time, but on request.
"""

from __future__ import annotations

from emulator import BotMessage, EmulatedUser
from tests.flows import answer, card_for, log_issue, logged, rows
from tests.harness import Harness


async def step(person: EmulatedUser, message: BotMessage, code: str) -> None:
    """Press the card's button for this step (rendering/cards.py CODES: acc, res, cfm …)."""
    [data] = [
        b.callback_data
        for b in message.buttons
        if b.callback_data is not None and b.callback_data.split(":")[2] == code
    ]
    await person.press_data(message, data)


def newest_with(person: EmulatedUser, code: str) -> BotMessage:
    """The newest message to the person with a button for this step."""
    return next(
        m
        for m in reversed(person.messages)
        if any(b.callback_data and b.callback_data.split(":")[2:3] == [code] for b in m.buttons)
    )


def showing(person: EmulatedUser, number: str) -> list[BotMessage]:
    """The messages in the person's chat that show the issue, oldest first."""
    return [m for m in person.messages if number in m.text]


async def test_a_chat_holds_one_live_card_of_an_issue_the_older_copies_give_way(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    # The worker's first card: the summary, submitted (no citizen's phone: the worker confirms
    # it closed, one press that moves it on).
    number = await log_issue(worker, phone=None)
    await step(head, card_for(head, number), "acc")  # the worker is told, with a card
    await step(head, card_for(head, number), "res")
    await answer(head, "已更换灯泡")  # the worker is told again, with a card to confirm
    await bot.drain()
    await worker.send(f"/issue {number}")  # and looks at it: its card once more (no step)
    await bot.drain()

    shown = [m for m in showing(worker, number) if not m.text.startswith("📜")]  # no timeline
    assert len(shown) == 4
    *older, live = shown
    assert live.has_button("确认结案") and "上报：网格员王芳" in live.text
    for card in older:  # one line each, without buttons, pointing down to the live card
        assert not card.buttons and "⬇️" in card.text and "中山路12号路灯不亮" in card.text
    assert sum("来源：" in m.text for m in shown) == 1  # the whole card: once
    # A notice keeps its own line above the stub: what happened stays readable in the chat.
    assert older[1].text.startswith(f"✅ 市政道路科已签收 {number}")
    assert older[2].text.startswith(f"🏁 市政道路科已办结 {number}")

    # As the issue moves on, only the live card is edited; the older ones stay as they are.
    edits, live_edits = [m.edits for m in older], live.edits
    await step(worker, live, "cfm")
    await bot.drain()
    assert [m.edits for m in older] == edits and live.edits > live_edits
    # They are still the issue's cards: a reply to one is a note, as before.
    [(cards,)] = await rows(bot, "SELECT count(*) FROM cards WHERE chat_id = ?", worker.id)
    assert cards == 4


async def test_details_show_the_photos_and_the_pin_on_request_not_each_time(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 中山路12号路灯不亮")
    await worker.press(worker.last, "路灯故障")
    await worker.share_location(31.2304, 121.4737)
    await worker.send("中山路12号")
    await worker.send_photo("photo-1")
    await worker.send_photo("photo-2")
    await worker.send("完成")
    await worker.send("跳过")
    await worker.send("跳过")
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ ")
    await worker.press(worker.last, "提交")
    number = worker.last.text.split("已提交，编号 ")[1].split("，")[0]

    for _ in range(2):
        await worker.send(f"/issue {number}")
        await step(worker, newest_with(worker, "view"), "view")
    assert not [m for m in worker.messages if m.kind in ("photo", "media", "location")]

    timeline = newest_with(worker, "media")  # the timeline's button
    assert timeline is worker.last and timeline.has_button("2 张照片")
    await step(worker, timeline, "media")
    await bot.api.wait_until(lambda: worker.last.kind == "location")
    assert [m.kind for m in worker.messages[-3:]] == ["media", "media", "location"]


async def test_the_photos_button_of_an_issue_gone_elsewhere_says_so_and_sends_nothing(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await logged(bot.resources.deps, "小区东门路灯不亮")  # a pin, no photo
    await bot.drain()
    await head.send(f"/issue {number}")
    timeline = newest_with(head, "media")
    assert timeline.has_button("查看位置")
    card = newest_with(head, "tr")  # the card /issue sent, above its timeline
    await head.press(card, "转办")
    await head.press(card, "供水服务中心")
    await answer(head, "是供水管道的问题")
    await bot.drain()
    before = len(head.messages)

    said = await head.press(timeline, "查看位置")
    assert said is not None and said.show_alert and "没有找到您可查看" in (said.text or "")
    assert head.messages[before:] == []  # no pin for someone who may no longer see it


async def test_the_lines_kept_above_cards_go_with_the_citizens_data(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    await head.send("/start")
    number = await log_issue(worker)
    await head.press(card_for(head, number), "退回")
    await answer(head, "张三说的地址不在本辖区")  # a reason that names the citizen
    await bot.drain()
    kept = "SELECT count(*) FROM cards WHERE headline LIKE '%张三%'"
    [(before,)] = await rows(bot, kept)

    await coordinator.send("/redact 13812345678")
    await coordinator.press(coordinator.last, "删除其个人信息")
    await bot.drain()

    [(after,)] = await rows(bot, kept)
    assert before > 0 and after == 0
    [(cards,)] = await rows(bot, "SELECT count(*) FROM cards")
    assert cards > 0  # the cards themselves stay: only what they said above them went


async def test_steps_taken_while_a_chat_waits_edit_its_card_once_not_once_a_step(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    """Each edit shows the issue as it is when it goes: an edit of a card still waiting when
    the next step queues another is dropped, and the card is edited once for both."""
    await head.send("/start")
    number = await log_issue(worker, phone=None)
    await bot.drain()
    [first] = showing(worker, number)
    release = bot.api.hold(worker.id)  # the worker's chat is slow: what goes to it waits
    bot.api.processed = bot.tracking.handled  # a step is done when handled, not delivered
    await step(head, card_for(head, number), "acc")  # an edit of the worker's card queued
    await step(head, card_for(head, number), "res")
    await answer(head, "已更换灯泡")  # and another of the same card, while the first waits
    release.set()
    await bot.drain()

    [(superseded,)] = await rows(
        bot, "SELECT count(*) FROM outbox WHERE last_error = 'superseded by a newer edit'"
    )
    assert superseded == 1
    # Edited once with the issue as it is now (a line pointing to the live card below), and
    # once more as the older copy: not once for each step as well.
    assert first.edits == 2 and not first.buttons and "⬇️" in first.text
