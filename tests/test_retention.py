"""Retention (PIPL): citizens' personal data goes some time after their issue ended, or when
they ask (/redact); cards in chats stop showing it; delivered messages, long-expired
invitations and stale questions are purged; the timeline keeps a mark, and every figure stays."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from casework.organisation import RetentionPolicy
from casework.outbox import OutboxItem, OutboxKind, Priority
from casework.services import reports, retention
from emulator import EmulatedGroup, EmulatedUser
from exports.workbook import write_export
from rendering.i18n import texts
from storage.sqlite.database import connect
from tests.flows import (
    call_back,
    card_for,
    columns_of,
    confirm_closed,
    events,
    log_issue,
    past_history,
    rows,
)
from tests.harness import Harness
from tests.test_metrics import COORDINATOR, History, figures, november  # noqa: F401

CITIZEN, PHONE = "张三", "13812345678"
DAY = timedelta(days=1)


async def logged(
    worker: EmulatedUser,
    description: str,
    phone: str = PHONE,
    name: str = CITIZEN,
    address: str | None = None,
    location: tuple[float, float] | None = None,
    photo: str | None = None,
) -> str:
    """Logged through /new with the citizen's name and phone, and where and a photo if given."""
    await worker.send(f"/new {description}")
    await worker.press(worker.last, "路灯故障")
    if location is not None:
        await worker.share_location(*location)
    await worker.send(address or ("完成" if location is not None else "跳过"))
    if photo is not None:
        await worker.send_photo(photo)
    await worker.send("完成")
    await worker.send(name)
    await worker.send(phone)
    await past_history(worker)
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ ")
    summary = worker.last
    await worker.press(summary, "提交")
    return summary.text.split("已提交，编号 ")[1].split("，")[0]


async def closed_issue(
    worker: EmulatedUser,
    head: EmulatedUser,
    phone: str = PHONE,
    location: tuple[float, float] | None = None,
) -> str:
    """Logged with the citizen's name, phone, address (or location) and a photo, with the name
    and phone typed in the description and in the resolution too, as staff do; resolved with
    a photo; closed by the call-back, the citizen's words naming them too."""
    for person in (worker, head):
        await person.send("/start")
    number = await logged(
        worker,
        f"{CITIZEN}反映幸福路8号门口路灯不亮，电话{phone}",
        phone,
        address="幸福路8号",
        location=location,
        photo="dark-lamp",
    )
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await head.send_photo("fixed-lamp")  # kept for the resolution the bot is asking for
    await head.send(f"已联系{CITIZEN}（{phone[:3]} {phone[3:7]} {phone[7:]}），修好了")
    await call_back(worker, await worker.wait_for("请回访群众核实"), words=f"{CITIZEN}说修好了")
    return number


async def citizen_data(bot: Harness, number: str) -> tuple[object, ...]:
    (found,) = await rows(
        bot,
        "SELECT citizen_name, citizen_phone, address, latitude, longitude, description"
        " FROM issues WHERE number = ?",
        number,
    )
    return found


def everything_shown(*chats: EmulatedUser | EmulatedGroup) -> str:
    """Every message the bot sent to these chats, as they show now (after edits)."""
    return "\n".join(m.text for chat in chats for m in chat.messages)


# ------------------------------------------------------------------------------ the policy


async def test_two_years_after_an_issue_ended_the_citizens_data_is_gone_and_the_timeline_says_so(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await closed_issue(worker, head)
    await worker.send(f"/note {number} 回访时{CITIZEN}说还有一盏灯不亮")  # the last step

    bot.clock.advance(730 * DAY - timedelta(minutes=1))
    await bot.sweep()
    assert (await citizen_data(bot, number))[:2] == (CITIZEN, PHONE)  # not yet

    bot.clock.advance(timedelta(minutes=2))
    await bot.sweep()

    assert await citizen_data(bot, number) == (
        None, None, None, None, None, "***反映***门口路灯不亮，电话***",
    )  # fmt: skip
    assert await rows(bot, "SELECT * FROM issue_photos") == []
    texts_and_photos = await rows(
        bot, "SELECT kind, text, photos FROM issue_events WHERE text IS NOT NULL OR photos != '[]'"
    )
    assert texts_and_photos == [
        ("resolved", "已联系***（***），修好了", "[]"),
        ("callback", "***说修好了", "[]"),
        ("note", "回访时***说还有一盏灯不亮", "[]"),
    ]
    assert await events(bot, number) == [
        "submitted", "accepted", "resolved", "callback", "confirmed", "note", "redacted",
    ]  # fmt: skip
    await coordinator.send(f"/issue {number}")
    card, timeline = coordinator.messages[-2:]
    assert "群众个人信息已于" in card.text and PHONE not in card.text and CITIZEN not in card.text
    assert "保存期限规则 删除了群众个人信息（保存期满）" in timeline.text
    assert PHONE not in timeline.text and CITIZEN not in timeline.text


async def test_a_step_on_an_ended_issue_starts_its_period_again(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await closed_issue(worker, head)
    bot.clock.advance(400 * DAY)
    await worker.send(f"/note {number} 群众又来电，电话 {PHONE}")

    bot.clock.advance(400 * DAY)
    await bot.sweep()
    assert (await citizen_data(bot, number))[1] == PHONE  # 800 days after closing, 400 after

    bot.clock.advance(331 * DAY)
    await bot.sweep()
    assert (await citizen_data(bot, number))[1] is None


async def test_an_open_issue_keeps_its_citizens_data_however_old(
    bot: Harness, worker: EmulatedUser
) -> None:
    number = await log_issue(worker)

    bot.clock.advance(1000 * DAY)
    await bot.sweep()

    assert (await citizen_data(bot, number))[:2] == ("张三", PHONE)


async def test_an_issue_that_recorded_nothing_personal_gets_no_mark(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await logged(worker, "公园路灯不亮", phone="跳过", name="跳过")
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await head.send("已更换灯泡")
    await confirm_closed(worker, await worker.wait_for("请核实办理情况"))  # no phone: confirmed

    bot.clock.advance(731 * DAY)
    await bot.sweep()

    assert await events(bot, number) == ["submitted", "accepted", "resolved", "confirmed"]
    async with bot.resources.deps.store.transaction() as tx:  # and it left the policy's work
        assert await tx.issues.to_redact(bot.clock.now(), 10) == []


async def test_a_shorter_period_in_the_organisation_file_is_followed(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await closed_issue(worker, head)
    deps = bot.resources.deps
    shorter = dataclasses.replace(
        deps.org, retention=RetentionPolicy(personal_data_for=timedelta(days=365))
    )
    bot.clock.advance(366 * DAY)

    assert await retention.redact_due(dataclasses.replace(deps, org=shorter)) == 1
    assert (await citizen_data(bot, number))[1] is None


async def test_ninety_days_after_an_issue_ended_its_cards_in_chats_no_longer_show_the_citizen(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    number = await closed_issue(worker, head)
    assert PHONE in everything_shown(head) and "张*" in everything_shown(group)

    bot.clock.advance(89 * DAY)
    await bot.sweep()
    assert PHONE in everything_shown(head)  # not yet

    bot.clock.advance(2 * DAY)
    await bot.sweep()

    for chat in (head, group, worker):
        cards = [m for m in chat.messages if number in m.text and "归档" in m.text]
        assert cards, chat
        for card in cards:
            assert not card.buttons
            assert "***反映***门口路灯不亮" in card.text
    shown = everything_shown(head, group, worker)
    assert PHONE not in shown and "138****5678" not in shown and CITIZEN not in shown
    assert await rows(bot, "SELECT * FROM cards") == []  # forgotten
    assert (await citizen_data(bot, number))[1] == PHONE  # the data itself stays two years


async def test_a_card_edit_that_removes_data_reaches_someone_whose_access_ended(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await closed_issue(worker, head)
    await coordinator.send("/staff")
    (head_id,) = await rows(bot, "SELECT id FROM staff WHERE telegram_id = ?", head.id)
    await coordinator.send(f"/deactivate {head_id[0]}")

    bot.clock.advance(91 * DAY)
    await bot.sweep()

    assert PHONE not in everything_shown(head)
    assert number in everything_shown(head)


async def test_a_location_is_removed_and_staff_names_in_the_texts_stay(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await logged(
        worker, "路灯不亮，建国反映", location=(30.5928, 114.3055), photo="lamp"
    )  # the citizen: 建国; the head: 陈建国
    async with bot.resources.deps.store.transaction() as tx:  # the citizen is 建国
        issue = await tx.issues.by_number(number)
        assert issue is not None
        assert await tx.issues.save(dataclasses.replace(issue, citizen_name="建国"), issue.version)
    card = card_for(head, number)
    await head.press(card, "退回")
    await head.send("陈建国核实：建国家门口的路灯归供电所管")
    returned = await worker.wait_for("退回了")
    await worker.press(returned, "撤回")
    await worker.press(returned, "无效")
    await worker.send("不归我们管")

    bot.clock.advance(731 * DAY)
    await bot.sweep()

    assert await citizen_data(bot, number) == (None, None, None, None, None, "路灯不亮，***反映")
    assert await rows(bot, "SELECT text FROM issue_events WHERE kind = 'returned'") == [
        ("陈建国核实：***家门口的路灯归供电所管",)
    ]


async def test_what_is_added_after_a_redaction_goes_in_turn(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    number = await closed_issue(worker, head)
    await coordinator.send(f"/redact {PHONE}")
    await coordinator.press(coordinator.last, "删除其个人信息")
    await worker.send(f"/note {number} 群众女儿来电 139 8765 4321 表示感谢")

    bot.clock.advance(731 * DAY)
    await bot.sweep()

    notes = await rows(bot, "SELECT text FROM issue_events WHERE kind = 'note'")
    assert notes == [("群众女儿来电 *** 表示感谢",)]
    assert await events(bot, number) == [
        "submitted", "accepted", "resolved", "callback", "confirmed", "redacted", "note",
        "redacted",
    ]  # fmt: skip


# ------------------------------------------------------------------------------ housekeeping


async def test_delivered_messages_are_purged_after_thirty_days_and_waiting_ones_kept(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    await log_issue(worker)
    delivered = await rows(bot, "SELECT id FROM outbox WHERE sent_at IS NOT NULL")
    assert delivered
    async with bot.resources.deps.store.transaction() as tx:  # one still waiting its turn
        now = bot.clock.now()
        await tx.outbox.add(
            OutboxItem("waiting", OutboxKind.NOTICE, 1, Priority.NORMAL, now, now + 1000 * DAY)
        )
    bot.clock.advance(29 * DAY)
    await bot.sweep()
    assert set(delivered) <= set(await rows(bot, "SELECT id FROM outbox"))

    bot.clock.advance(2 * DAY)
    await bot.sweep()

    left = set(await rows(bot, "SELECT id FROM outbox"))
    assert not set(delivered) & left
    assert await rows(bot, "SELECT key FROM outbox WHERE sent_at IS NULL AND key = 'waiting'")


async def test_typed_updates_are_not_kept_once_handled(bot: Harness, worker: EmulatedUser) -> None:
    await worker.send(f"/new 路灯不亮，联系电话{PHONE}")

    assert await rows(bot, "SELECT * FROM incoming_updates") == []
    # Only ids and times are remembered, to skip a repeat; they go after a week.
    assert await columns_of(bot, "processed_updates") == ["update_id", "at"]


# ------------------------------------------------------------------------------ the record


async def test_redaction_changes_no_figure_and_the_export_still_works(
    november: History,  # noqa: F811
) -> None:
    deps = november.deps
    coordinator = await november.person(COORDINATOR)
    before = await figures(november, COORDINATOR, ["2026-11"])
    before_week = await figures(november, COORDINATOR, ["week"])
    async with deps.store.transaction() as tx:  # every issue recorded the same citizen
        for issue_id in range(1, 7):
            issue = await tx.issues.get(issue_id)
            assert issue is not None
            recorded = dataclasses.replace(issue, citizen_name="张三", citizen_phone=PHONE)
            assert await tx.issues.save(recorded, issue.version)

    # The ended ones by the policy (a short period), the open ones at the citizen's request.
    short = dataclasses.replace(deps.org, retention=RetentionPolicy(personal_data_for=DAY))
    assert await retention.redact_due(dataclasses.replace(deps, org=short)) == 3  # A, B, D
    assert await retention.redact_due(dataclasses.replace(deps, org=short)) == 0  # done
    request = await retention.ask(deps, coordinator, "13812345678")
    assert len(request.issues) == 3  # C, E, F
    assert len(await retention.confirm(deps, coordinator, request.token)) == 3

    assert await figures(november, COORDINATOR, ["2026-11"]) == before
    assert await figures(november, COORDINATOR, ["week"]) == before_week
    report = await reports.stats(deps, coordinator, reports.choose_period(deps, ["2026-11"]))
    target = io.BytesIO()
    written = await write_export(deps, coordinator, report, texts("zh"), False, target)
    book = load_workbook(io.BytesIO(target.getvalue()), read_only=True)
    timeline = list(book["办理记录"].values)
    assert [row[3] for row in timeline].count("个人信息已删除") == 6
    assert "13812345678" not in str(list(book["工单"].values))
    assert written == 6 + len(timeline) - 1


# ------------------------------------------------------------------------------ the timeline


@pytest.mark.sqlite_only
async def test_the_timeline_allows_only_a_redaction_once_and_still_no_deletion(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await closed_issue(worker, head)
    conn = await connect(bot.database)
    try:
        resolved = "(SELECT id FROM issue_events WHERE kind = 'resolved')"
        for change in (
            "kind = 'closed'",
            "text = 'rewritten'",
            "at = at + 1",
            "department = 'water'",
            "spell_due_at = spell_due_at + 1",
            "actor_id = NULL",
            "redacted_at = 1, photos = '[\"other\"]'",  # a redaction must drop the photos
            "redacted_at = 1, photos = '[]', due_at = 5",  # … and change nothing else
            "redacted_at = 1, photos = '[]', verdict = 'satisfied'",
            "redacted_at = 1, photos = '[]', contacted = 'yes'",  # the call-back's answers too
            "redacted_at = 1, photos = '[]', solved = 'solved'",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                await conn.execute(f"UPDATE issue_events SET {change} WHERE id = {resolved}")
        await conn.execute(
            "UPDATE issue_events SET redacted_at = 1, photos = '[]', text = '***'"
            f" WHERE id = {resolved}"
        )
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # once only
            await conn.execute(
                f"UPDATE issue_events SET redacted_at = 2, text = 'x' WHERE id = {resolved}"
            )
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await conn.execute("DELETE FROM issue_events")
    finally:
        await conn.close()
