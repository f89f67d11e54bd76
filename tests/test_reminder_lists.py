"""Reminders in bulk become one message (issue 16, point 6): the routine reminders due to one
person together (twenty issues at half time, a morning after quiet hours) go as one list, the
most urgent first, each issue with a button that opens it; a reminder alone is still the
issue's card with its buttons; urgent issues' reminders still go alone, at once; a listed issue
that moved on meanwhile is left out; and nothing is lost if the list cannot go at once.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.issues import Issue, Resolution, Source, Status
from casework.organisation import Names
from casework.outbox import LIST_AT_MOST
from casework.reminders import RungKind
from config.org import load_organisation
from emulator import BotMessage, EmulatedUser
from emulator.server import MAX_TEXT, Fault, visible_text
from rendering.i18n import texts
from rendering.reminders import reminder_list, reminder_list_keyboard
from tests.flows import card_for, logged, rows
from tests.harness import START, TEST_ORG, Harness

H = timedelta(hours=1)
LIST_HEADLINE = "件工单需要您处理"
NUMBER = re.compile(r"\d{4}-\d{4}")


def since(person: EmulatedUser, before: int) -> list[BotMessage]:
    """What the person got after their first `before` messages, but the morning digest."""
    return [m for m in person.messages[before:] if not m.text.startswith("☀️")]


def lists(person: EmulatedUser) -> list[BotMessage]:
    return [m for m in person.messages if LIST_HEADLINE in m.text]


def reminders_of(person: EmulatedUser, number: str) -> list[BotMessage]:
    """Messages to the person that remind them of this issue, listed or alone."""
    return [
        m
        for m in person.messages
        if number in m.text and ("距签收时限还剩" in m.text or LIST_HEADLINE in m.text)
    ]


async def test_twenty_issues_due_at_once_come_to_each_person_as_one_list_most_urgent_first(
    bot: Harness, head: EmulatedUser, member: EmulatedUser, worker: EmulatedUser
) -> None:
    await head.send("/start")
    await member.send("/start")
    deps = bot.resources.deps
    # Twenty issues logged a minute apart, the later ones first (the clock set back each time):
    # the most urgent is the one logged earliest, the one with the highest number.
    start, numbers = bot.clock.now(), []
    for n in range(20):
        bot.clock.set(start + timedelta(minutes=20 - n))
        numbers.append(
            await logged(deps, f"第{n}号路灯不亮，灯杆在小区东门", address=f"中山路{n}号")
        )
    bot.clock.set(start + timedelta(minutes=20))
    await bot.drain()
    head_before, member_before = len(head.messages), len(member.messages)

    bot.clock.advance(H + timedelta(minutes=5))  # every half time (an hour in) has passed
    await bot.sweep()

    [message] = since(head, head_before)
    assert LIST_HEADLINE in message.text and message.text.startswith("⏰ 20 ")
    listed = NUMBER.findall(message.text)
    assert listed == list(reversed(numbers))  # the nearest deadline first
    assert [b.text for b in message.buttons] == listed  # a button each, in the same order
    assert "第19号路灯不亮" in message.text and "📍中山路19号" in message.text
    [theirs] = since(member, member_before)
    assert theirs.text == message.text

    # The button opens the issue, with the buttons for the next step.
    await head.press(message, listed[0])
    assert card_for(head, listed[0]).has_button("签收")
    # Saved: one message sent to each of the two people who opened a chat with the bot, the
    # other reminders to them set aside as listed in it.
    [(sent, listed_with)] = await rows(
        bot,
        "SELECT count(*) FILTER (WHERE sent_at IS NOT NULL),"
        " count(*) FILTER (WHERE last_error LIKE 'superseded%: listed with rem:%')"
        " FROM outbox WHERE kind = 'reminder'",
    )
    assert (sent, listed_with) == (2, 38)


async def test_more_than_a_list_holds_go_in_a_second_list(
    bot: Harness, head: EmulatedUser, worker: EmulatedUser
) -> None:
    await head.send("/start")
    numbers = [await logged(bot.resources.deps, f"第{n}号路灯不亮") for n in range(23)]
    await bot.drain()
    before = len(head.messages)
    bot.clock.advance(H)
    await bot.sweep()

    first, second = since(head, before)
    listed = NUMBER.findall(first.text) + NUMBER.findall(second.text)
    assert len(NUMBER.findall(first.text)) == LIST_AT_MOST == 20
    assert sorted(listed) == numbers


async def test_a_reminder_alone_is_still_the_issues_card_and_an_urgent_one_goes_alone(
    bot: Harness, head: EmulatedUser, worker: EmulatedUser
) -> None:
    await head.send("/start")
    deps = bot.resources.deps
    alone = await logged(deps, "路灯不亮")
    bot.clock.advance(H)
    await bot.sweep()

    [reminder] = reminders_of(head, alone)
    assert reminder.text.startswith(f"⏰ 催办：{alone} 距签收时限还剩 1 小时")
    assert reminder.has_button("签收") and reminder.has_button("退回")
    assert not lists(head)

    routine = [await logged(deps, f"第{n}号路灯不亮") for n in range(3)]
    bot.clock.advance(timedelta(minutes=45))
    urgent = await logged(deps, "电线杆倒了", urgent=True)  # 30 minutes to accept it
    bot.clock.advance(timedelta(minutes=15))  # half time for all four
    await bot.sweep()

    [listed] = lists(head)  # the first one's deadline has come meanwhile: it is listed first
    assert NUMBER.findall(listed.text) == [alone, *routine]
    assert urgent not in listed.text
    [alarm] = reminders_of(head, urgent)
    assert alarm.has_button("签收") and alarm is not listed


async def test_the_nights_reminders_come_in_the_morning_as_one_list_without_what_moved_on(
    quiet_bot: Harness,
) -> None:
    bot = quiet_bot
    head, coordinator = bot.user(2001, "建国"), bot.user(9001, "周敏")
    await head.send("/start")
    await coordinator.send("/start")
    bot.clock.advance(12 * H)  # 21:00 in Shanghai
    numbers = [await logged(bot.resources.deps, f"第{n}号路灯不亮") for n in range(4)]
    await bot.drain()
    head_before, coordinator_before = len(head.messages), len(coordinator.messages)

    for _ in range(4):
        bot.clock.advance(H)  # 22:00 … 01:00: half times, deadlines, escalations, held
        await bot.sweep()
    assert since(head, head_before) == []
    await head.press(card_for(head, numbers[1]), "签收")  # taken at night: it moved on
    head_before = len(head.messages)
    for _ in range(6):
        bot.clock.advance(H)  # to 07:00
        await bot.sweep()
    bot.clock.advance(timedelta(minutes=30))  # 07:30
    await bot.sweep()

    [morning] = since(head, head_before)
    assert NUMBER.findall(morning.text) == [numbers[0], numbers[2], numbers[3]]
    assert "已超期" in morning.text
    [supervision] = since(coordinator, coordinator_before)
    assert NUMBER.findall(supervision.text) == [numbers[0], numbers[2], numbers[3]]
    assert "市政道路科" in supervision.text


async def test_a_list_that_cannot_go_at_once_goes_later_whole(
    bot: Harness, head: EmulatedUser, worker: EmulatedUser
) -> None:
    await head.send("/start")
    numbers = [await logged(bot.resources.deps, f"第{n}号路灯不亮") for n in range(3)]
    await bot.drain()
    before = len(head.messages)
    bot.api.faults.append(Fault(500, times=1, method="sendMessage", chats=frozenset({head.id})))

    bot.clock.advance(H)
    await bot.sweep()
    assert since(head, before) == []  # Telegram failed: nothing arrived yet
    bot.clock.advance(timedelta(seconds=5))  # the retry falls due
    await bot.sweep()

    [listed] = since(head, before)
    assert NUMBER.findall(listed.text) == numbers


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_longest_list_fits_in_one_telegram_message(language: str) -> None:
    """As many reminders as a list holds, each with the longest words a line can have (a long
    description and address, the supervision line of an issue days overdue, a department with
    a long name), stay under Telegram's 4,096 characters, with a button each."""
    org, t = load_organisation(TEST_ORG), texts(language)
    [roads, *others] = org.departments
    long_name = Names(zh="市政道路与路灯照明设施管理维护中心" * 2, en="Roads and Lighting " * 5)
    org = dataclasses.replace(
        org, departments=(dataclasses.replace(roads, name=long_name), *others)
    )
    late = START - timedelta(days=3, hours=23, minutes=59)
    listed = [
        (
            Issue(
                id=n, number=f"2611-{n:04d}", status=Status.ACCEPTED, description="路灯" * 500,
                category="streetlight", department="roads", reporter_id=1, urgent=False,
                source=Source.HOTLINE, created_at=late, updated_at=late, handed_at=late,
                respond_by=late, resolve_by=late, address="中山路" * 100,
            ),
            RungKind.ESCALATION,
        )
        for n in range(1, LIST_AT_MOST + 1)
    ]  # fmt: skip
    text = visible_text(reminder_list(listed, START, t, org, ZoneInfo("Asia/Shanghai")), "HTML")
    assert len(text) <= MAX_TEXT and "2611-0020" in text
    assert len(reminder_list_keyboard(listed, t).inline_keyboard) <= 7


def test_a_listed_call_back_shows_what_the_department_did() -> None:
    org, t = load_organisation(TEST_ORG), texts("zh")
    resolved = START - timedelta(days=1)
    listed = [
        (
            Issue(
                id=n, number=f"2611-{n:04d}", status=Status.RESOLVED, description="路灯不亮",
                category="streetlight", department="roads", reporter_id=1, urgent=False,
                source=Source.HOTLINE, created_at=resolved, updated_at=resolved,
                handed_at=resolved, respond_by=resolved, resolve_by=resolved,
                resolution=Resolution(f"已更换{n}号灯泡，晚上试亮正常，居民满意", resolved),
            ),
            RungKind.CONFIRM,
        )
        for n in (1, 2)
    ]  # fmt: skip

    text = visible_text(reminder_list(listed, START, t, org, ZoneInfo("Asia/Shanghai")), "HTML")

    assert "🏁 办理结果：已更换1号灯泡，晚上试亮正常，居民满意" in text
    assert "🏁 办理结果：已更换2号灯泡" in text
