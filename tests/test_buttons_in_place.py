"""Buttons work only where they belong: lists and timelines in private chats, and a card's
buttons only for that card's issue, whatever a forged press says."""

from __future__ import annotations

from emulator import EmulatedGroup, EmulatedUser
from tests.flows import card_for, log_issue, rows
from tests.harness import Harness

PRIVATE_ONLY = "只能在与我的私聊中使用"
NOT_THIS_CARD = "不属于这张卡片"


async def issue_id(bot: Harness, number: str) -> int:
    [(found,)] = await rows(bot, "SELECT id FROM issues WHERE number = ?", number)
    return int(found)


async def status_of(bot: Harness, number: str) -> str:
    [(status,)] = await rows(bot, "SELECT status FROM issues WHERE number = ?", number)
    return str(status)


async def group_with_a_card(bot: Harness, worker: EmulatedUser) -> tuple[EmulatedGroup, str]:
    group = bot.group(-1001, "市政道路科")
    number = await log_issue(worker)
    return group, number


async def test_a_forged_inbox_button_on_a_group_card_shows_no_list_in_the_group(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    group, number = await group_with_a_card(bot, worker)
    card = card_for(group, number)  # type: ignore[arg-type]
    shown, said = card.text, len(group.messages)

    for forged in ("l:in:0", "od:0", "lang:en", "inv:r:coordinator"):
        answer = await coordinator.press_data(card, forged)
        assert answer is not None and PRIVATE_ONLY in (answer.text or ""), forged

    assert card.text == shown and card.edits == 0
    assert len(group.messages) == said


async def test_a_forged_timeline_button_on_a_group_card_shows_no_timeline_there(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    group, number = await group_with_a_card(bot, worker)
    card = card_for(group, number)  # type: ignore[arg-type]

    answer = await head.press_data(card, f"i:{await issue_id(bot, number)}:tl:0")

    assert answer is not None and PRIVATE_ONLY in (answer.text or "")
    assert card.edits == 0 and "办理记录" not in card.text


async def test_a_group_cards_button_cannot_act_on_another_issue(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    group, first = await group_with_a_card(bot, worker)
    second = await log_issue(worker, "和平路井盖缺失")
    card = card_for(group, first)  # type: ignore[arg-type]

    answer = await head.press_data(card, f"i:{await issue_id(bot, second)}:acc")

    assert answer is not None and NOT_THIS_CARD in (answer.text or "")
    assert await status_of(bot, second) == "pending"
    assert second not in card.text


async def test_a_private_cards_button_cannot_act_on_another_issue(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    first = await log_issue(worker)
    second = await log_issue(worker, "和平路井盖缺失")
    card = card_for(head, first)

    answer = await head.press_data(card, f"i:{await issue_id(bot, second)}:acc")

    assert answer is not None and NOT_THIS_CARD in (answer.text or "")
    assert await status_of(bot, second) == "pending"
    await head.press(card, "签收")  # the card's own button still works
    assert await status_of(bot, first) == "accepted"
