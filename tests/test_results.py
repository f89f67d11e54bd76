"""What the department did (its result, `🏁 办理结果：…`, with its photos) is shown wherever the
issue is: the reporter's notice (the photos after it), every card and its refreshes, reminders,
the coordinators' card after a bad call-back, details, and group cards with the citizen blanked.
The latest resolution is the one that counts; a redaction blanks it with the step it copies."""

from __future__ import annotations

import dataclasses
import io
import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
from openpyxl import load_workbook

from casework.issues import (
    Contact,
    Event,
    EventKind,
    Issue,
    Location,
    Resolution,
    Solved,
    Source,
    Status,
    Verdict,
)
from casework.limits import ADDRESS_MAX, DESCRIPTION_MAX, NAME_MAX, REASON_MAX
from casework.outbox import OutboxKind, Priority, to_person
from casework.people import Staff
from casework.roles import Role
from casework.services import delivery
from config.org import load_organisation
from emulator import BotMessage, EmulatedUser
from emulator.server import visible_text
from rendering.cards import card_text, headline
from rendering.i18n import texts
from runtime.composer import Composer
from storage.sqlite.schema import discover, migrate
from tests.flows import answer, call_back, card_for, log_issue, rows
from tests.harness import START, TEST_ORG, Harness

CITIZEN, PHONE = "张三", "13812345678"
ZONE = ZoneInfo("Asia/Shanghai")


async def resolved_with_photos(
    worker: EmulatedUser, head: EmulatedUser, result: str = "已更换灯泡，晚上试亮正常"
) -> str:
    """Logged, accepted and resolved by the head with two photos and `result`."""
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")
    await head.send_photo("after-1")
    await head.send_photo("after-2")
    await head.send(result)
    return number


def album(person: EmulatedUser) -> list[BotMessage]:
    """The photos of the last album (or photo) the bot sent this person."""
    found: list[BotMessage] = []
    for message in reversed(person.messages):
        if message.kind not in ("media", "photo"):
            break
        found.insert(0, message)
    return found


async def test_the_reporter_is_told_what_was_done_and_gets_its_photos_after_the_notice(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved_with_photos(worker, head)

    notice = await worker.wait_for("请回访群众核实")
    assert "🏁 办理结果：已更换灯泡，晚上试亮正常（🖼 照片 2 张）" in notice.text
    assert notice.text.count("已更换灯泡") == 1  # the headline no longer repeats it
    photos = album(worker)
    assert [p.file_id for p in photos] == ["after-1", "after-2"]
    assert worker.messages.index(photos[0]) == worker.messages.index(notice) + 1
    assert f"{number} 的办理结果照片" in photos[0].text
    assert notice.has_button("记录回访")  # the notice still carries the next steps
    assert await rows(bot, "SELECT resolution, resolution_photos FROM issues") == [
        ("已更换灯泡，晚上试亮正常", '["after-1", "after-2"]')
    ]


async def test_the_result_stays_on_every_card_and_on_the_reminders(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved_with_photos(worker, head)
    heads_card = card_for(head, number)  # the card the head resolved it on
    assert "🏁 办理结果：已更换灯泡" in heads_card.text

    bot.clock.advance(timedelta(days=1))  # the reporter has not confirmed yet: reminded
    await bot.sweep()

    reminder = await worker.wait_for("请电话回访群众并记录回访结果")
    assert "🏁 办理结果：已更换灯泡，晚上试亮正常（🖼 照片 2 张）" in reminder.text
    await call_back(worker, reminder)
    assert "🏁 办理结果：已更换灯泡" in reminder.text  # redrawn as closed: still there
    assert "🏁 办理结果：已更换灯泡" in card_for(head, number).text  # refreshed: still there


async def test_the_coordinators_card_after_a_dissatisfied_call_back_shows_the_result(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    await resolved_with_photos(worker, head)
    await call_back(worker, await worker.wait_for("请回访群众核实"), "是", "已解决", "不满意")

    alert = await coordinator.wait_for("二次督办")

    # Sent back for rework: the result before it, for the coordinators to judge.
    assert "🏁 重办前的办理结果：已更换灯泡，晚上试亮正常" in alert.text
    assert alert.has_button("办结")


async def test_details_show_the_result_and_send_its_photos(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await resolved_with_photos(worker, head)

    await coordinator.send(f"/issue {number}")

    card = next(m for m in coordinator.messages if m.buttons and number in m.text)
    assert "🏁 办理结果：已更换灯泡，晚上试亮正常（🖼 照片 2 张）" in card.text
    timeline = coordinator.last
    assert "办结：已更换灯泡，晚上试亮正常" in timeline.text  # the timeline, whole
    assert not [m for m in coordinator.messages if m.file_id in ("after-1", "after-2")]

    await coordinator.press(timeline, "🖼 查看 2 张照片")  # sent on request, not every time

    photos = [m for m in coordinator.messages if m.file_id in ("after-1", "after-2")]
    assert [p.file_id for p in photos] == ["after-1", "after-2"]
    assert "办理结果照片" in photos[0].text


async def test_a_group_card_shows_the_result_without_the_citizens_name_and_phone(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    number = await resolved_with_photos(worker, head, f"已联系{CITIZEN}（{PHONE}），修好了")

    group_card = card_for(group, number)  # type: ignore[arg-type]

    assert "🏁 办理结果：已联系***（***），修好了" in group_card.text
    assert PHONE not in group_card.text and CITIZEN not in group_card.text
    assert not [m for m in group.messages if m.kind in ("photo", "media")]  # photos: people only
    assert f"已联系{CITIZEN}（{PHONE}）" in card_for(worker, number).text  # in private: as typed


async def test_after_a_reopening_the_card_shows_the_previous_result_until_the_next_one(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved_with_photos(worker, head, "已更换灯泡")
    await worker.press(await worker.wait_for("请回访群众核实"), "重办")
    await answer(worker, "晚上还是不亮")

    heads_card = card_for(head, number)
    assert "🏁 重办前的办理结果：已更换灯泡（🖼 照片 2 张）" in heads_card.text
    assert "🏁 办理结果：" not in heads_card.text

    await head.press(heads_card, "办结")
    await head.send("已更换整流器")

    heads_card = card_for(head, number)  # the newest: the one pressed gave way to the notice's
    assert "🏁 办理结果：已更换整流器" in heads_card.text
    [result] = [line for line in heads_card.text.splitlines() if line.startswith("🏁 办理结果")]
    assert result == "🏁 办理结果：已更换整流器"  # the first one's photos went with it
    assert "已更换灯泡" not in heads_card.text
    assert await rows(bot, "SELECT resolution, resolution_photos FROM issues") == [
        ("已更换整流器", "[]")
    ]


async def test_details_send_a_notes_photos_and_the_timeline_says_which_steps_have_photos(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    await head.send_photo("scene-1", caption="现场已围挡", reply_to=card_for(head, number))

    await coordinator.send(f"/issue {number}")
    timeline = coordinator.last
    assert "备注：现场已围挡（🖼 照片 1 张）" in timeline.text

    await coordinator.press(timeline, "🖼 查看 1 张照片")

    [photo] = [m for m in coordinator.messages if m.file_id == "scene-1"]
    assert f"陈建国在 {number} 的备注中附的照片" in photo.text


async def test_the_export_has_when_it_was_resolved_what_was_done_and_how_many_photos(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await resolved_with_photos(worker, head)

    await coordinator.send("/export")
    await bot.exported()

    book = load_workbook(io.BytesIO(coordinator.last.document or b""))
    header, row = ([c.value for c in r] for r in book["工单"].iter_rows(max_row=2))
    found = dict(zip(header, row, strict=True))
    assert row[0] == number
    assert found["办理结果"] == "已更换灯泡，晚上试亮正常"
    assert found["办理结果照片数"] == 2
    assert found["办结时间"] == datetime(2026, 11, 25, 9, 0)  # when it was resolved, Beijing
    assert found["签收时限"] == datetime(2026, 11, 25, 11, 0)  # accepted: its time still shown
    timeline = [[c.value for c in r] for r in book["办理记录"].iter_rows()]
    assert [(s[3], s[6]) for s in timeline[1:] if s[3] == "办结"] == [("办结", 2)]

    await worker.press(await worker.wait_for("请回访群众核实"), "重办")
    await answer(worker, "晚上还是不亮")
    await coordinator.send("/export")
    await bot.exported()

    book = load_workbook(io.BytesIO(coordinator.last.document or b""))
    header, row = ([c.value for c in r] for r in book["工单"].iter_rows(max_row=2))
    found = dict(zip(header, row, strict=True))
    assert (found["办理结果"], found["办结时间"]) == (None, None)  # being worked on again


async def test_a_notes_photos_reach_those_told_of_the_note(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)

    await head.send_photo("scene-1", caption="现场已围挡", reply_to=card_for(head, number))

    note = await worker.wait_for("现场已围挡")
    [photo] = album(worker)
    assert photo.kind == "photo" and photo.file_id == "scene-1"
    assert worker.messages.index(photo) == worker.messages.index(note) + 1
    assert f"陈建国在 {number} 的备注中附的照片" in photo.text


async def test_the_result_is_blanked_and_its_photos_dropped_when_the_citizens_data_goes(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    number = await resolved_with_photos(worker, head, f"已联系{CITIZEN}（{PHONE}），修好了")
    await call_back(worker, await worker.wait_for("请回访群众核实"))

    bot.clock.advance(timedelta(days=731))
    await bot.sweep()

    assert await rows(bot, "SELECT resolution, resolution_photos, number FROM issues") == [
        ("已联系***（***），修好了", "[]", number)
    ]
    assert not [m for m in worker.messages if PHONE in m.text]  # its cards were edited too


async def test_a_card_needs_no_read_of_the_timeline_to_show_the_result(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    """The sender prepares each message in one short transaction: the result comes with the
    issue's row, not from its timeline (a query more per card, in every wave of reminders)."""
    number = await resolved_with_photos(worker, head)
    deps = bot.resources.deps
    async with deps.store.transaction() as tx:
        issue = await tx.issues.by_number(number)
        reporter = await tx.staff.by_telegram_id(worker.id)
        assert issue is not None and reporter is not None
        await tx.outbox.add(
            to_person(
                reporter, "a-reminder", OutboxKind.REMINDER, bot.clock.now(), Priority.REMINDER,
                issue_id=issue.id, payload={"phase": str(issue.phase), "rung": "confirm"},
            )
        )  # fmt: skip
        [item] = [i for i in await tx.outbox.due(bot.clock.now(), 50) if i.key == "a-reminder"]

    guarded = dataclasses.replace(deps, store=WithoutTimeline(deps.store))
    prepared = await delivery.prepare(guarded, item)

    assert prepared is not None and prepared.issue is not None
    assert prepared.issue.resolution is not None
    composed = await Composer(deps, "zh").compose(prepared)
    assert "🏁 办理结果：已更换灯泡，晚上试亮正常（🖼 照片 2 张）" in composed.text


class WithoutTimeline:
    """A store whose transactions refuse to read the timeline."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def transaction(self) -> Any:
        store = self._store

        class Guarded:
            async def __aenter__(self) -> Any:
                self._inner = store.transaction()
                return _NoTimeline(await self._inner.__aenter__())

            async def __aexit__(self, *exc: Any) -> Any:
                return await self._inner.__aexit__(*exc)

        return Guarded()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class _NoTimeline:
    def __init__(self, tx: Any) -> None:
        self._tx = tx

    @property
    def timeline(self) -> Any:
        raise AssertionError("the card read the timeline")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


def test_a_card_with_every_text_at_its_limit_fits_one_message_under_the_longest_headline() -> None:
    """A card goes under a notice's headline; with the result on it too, every field at its
    limit must still fit Telegram's 4096 characters (the result is cut on the card)."""
    org = load_organisation(TEST_ORG)
    people = {n: Staff(n, 1000 + n, "名" * NAME_MAX, Role.HEAD, "roads", True) for n in (1, 2, 3)}
    issue = Issue(
        id=1, number="2611-0001", status=Status.CLOSED, description="述" * DESCRIPTION_MAX,
        category="streetlight", department="roads", reporter_id=1, urgent=True,
        source=Source.HOTLINE, created_at=START, updated_at=START, handed_at=START,
        respond_by=START, resolve_by=START, location=Location(31.2, 121.5),
        address="址" * ADDRESS_MAX, citizen_name="民" * NAME_MAX, citizen_phone="1" * 15,
        photos=("p",) * 10, assignee_id=2, accepted_by=3,
        assisting=frozenset(d.code for d in org.departments if d.code != "roads"),
        reopen_count=99, redacted_at=START,
        resolution=Resolution("果" * REASON_MAX, START, ("r",) * 10),
        callback=Verdict.DISSATISFIED, praised=True, repeat_calls=99, flagged_at=START,
    )  # fmt: skip
    note = Event(EventKind.NOTE, 2, START, text="注" * REASON_MAX)
    # A repeat call's notice: what the worker wrote is a whole description (cut on the notice).
    called = Event(EventKind.REPEAT_CALL, 2, START, "roads", text="催" * DESCRIPTION_MAX)
    # The coordinators' notice of a call-back that sent it back, the citizen's words at length.
    words = Event(
        EventKind.CALLBACK, 2, START, "roads", text="话" * REASON_MAX,
        verdict=Verdict.DISSATISFIED, contacted=Contact.YES, solved=Solved.NOT_SOLVED,
    )  # fmt: skip
    coordinator = dataclasses.replace(people[1], role=Role.COORDINATOR)
    for language, longest in itertools.product(("zh", "en"), (note, words, called)):
        t = texts(language)
        for masked in (False, True):
            card = card_text(issue, t, org, people, ZONE, masked=masked)
            top = headline(longest, issue, t, org, people, None if masked else coordinator)
            shown = top + "\n\n" + card
            assert len(visible_text(shown, "HTML")) <= 4096, (
                language,
                masked,
                len(visible_text(shown, "HTML")),
            )
        assert "…" in card_text(issue, t, org, people, ZONE)


async def test_issues_resolved_before_the_upgrade_get_their_latest_result(tmp_path: Path) -> None:
    """Migration 0016 copies each issue's latest resolved step onto it; others get none."""
    async with aiosqlite.connect(tmp_path / "old.sqlite3", isolation_level=None) as db:
        await migrate(db, [m for m in discover() if m.version < 16])
        await db.executescript(
            """
            INSERT INTO departments VALUES ('roads', '道路', 'Roads', NULL, 0, 1);
            INSERT INTO categories VALUES ('lamp', '路灯', 'Lamp', 'roads', 1, 2, 1, 2, 0, 1);
            INSERT INTO staff (id, telegram_id, name, role, department, joined_at)
                VALUES (1, 11, '陈建国', 'head', 'roads', 0);
            INSERT INTO issues (id, number, status, description, category, department,
                                reporter_id, urgent, source, created_at, updated_at, handed_at)
                VALUES (1, '2611-0001', 'closed', '灯不亮', 'lamp', 'roads', 1, 0, 'hotline',
                        0, 0, 0),
                       (2, '2611-0002', 'pending', '灯不亮', 'lamp', 'roads', 1, 0, 'hotline',
                        0, 0, 0);
            INSERT INTO issue_events (issue_id, at, actor_id, kind, text, photos) VALUES
                (1, 100, 1, 'resolved', '换了灯泡', '["a"]'),
                (1, 200, 1, 'reopened', '还是不亮', '[]'),
                (1, 300, 1, 'resolved', '换了整流器', '["b", "c"]'),
                (1, 400, 1, 'confirmed', NULL, '[]');
            """
        )

        # 0016 alone: the migrations after it are not this test's (the newest is not 0016).
        assert await migrate(db, [m for m in discover() if m.version <= 16]) == [16]

        async with db.execute(
            "SELECT id, resolution, resolution_photos, resolved_at FROM issues ORDER BY id"
        ) as cur:
            assert [tuple(row) for row in await cur.fetchall()] == [
                (1, "换了整流器", '["b", "c"]', 300),
                (2, None, "[]", None),
            ]


async def test_details_send_an_earlier_results_photos_too_each_with_its_caption(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await resolved_with_photos(worker, head, "已更换灯泡")
    await worker.press(await worker.wait_for("请回访群众核实"), "重办")
    await answer(worker, "晚上还是不亮")
    heads_card = card_for(head, number)
    await head.press(heads_card, "办结")
    await head.send_photo("after-3")
    await head.send("已更换整流器")

    await coordinator.send(f"/issue {number}")
    await coordinator.press(coordinator.last, "🖼 查看 3 张照片")

    sent = {m.file_id: m.text for m in coordinator.messages if m.kind in ("photo", "media")}
    assert set(sent) == {"after-1", "after-2", "after-3"}
    assert f"{number} 重办前的办理结果照片（11月25日" in sent["after-1"]
    assert f"{number} 的办理结果照片" in sent["after-3"]
