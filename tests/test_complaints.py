"""Complaints (投诉, issue 17 point 3): a complaint about a department's service or one of its
people is logged through /new, goes to the department's heads and the coordinators (never to
the person complained about, the department's group or its members), follows an issue's life,
and is seen by nobody it is about: not the card, /issue, lists or the figures."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework import errors
from casework.commands import Accept, Assign
from casework.intake import Draft, Step
from casework.issues import Issue, Source
from casework.metrics import PersonLoad
from casework.people import Staff
from casework.ports import ExportIssue
from casework.services import access, intake, issues, overdue, reports, views
from config.org import load_organisation
from emulator import EmulatedUser
from exports.workbook import Tables
from rendering.i18n import texts
from rendering.reports import report_text
from tests.flows import answer, card_for, past_history, rows
from tests.harness import START, TEST_ORG, Harness
from tests.test_issue_flow import start_all
from tests.test_metrics import (
    COORDINATOR,
    HEAD,
    MEMBER,
    REPORTER,
    SECOND_HEAD,
    History,
    figures,
    nov,
    november_history,
)


async def log_complaint(worker: EmulatedUser, about: str = "刘强") -> str:
    """Log a complaint about roads (and `about`, a person of it, or the department) through
    /new and submit it; its number."""
    await worker.send("/new 群众反映工作人员态度恶劣，推诿不办")
    await worker.press(worker.last, "服务态度")
    await worker.send("跳过")
    await worker.send("完成")
    await worker.send("张三")
    await worker.send("13812345678")
    await past_history(worker)
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    assert "投诉的是哪个单位" in worker.last.text
    await worker.press(worker.last, "市政道路科")
    asked = worker.last
    assert "被投诉人看不到此投诉" in asked.text
    await worker.press(asked, about)
    summary = worker.last
    assert "提交前请核对投诉内容" in summary.text
    assert f"被投诉人：{about if about != '不针对个人' else '无'}" in summary.text
    await worker.press(summary, "提交")
    assert "已提交，编号 " in summary.text, summary.text
    return summary.text.split("已提交，编号 ")[1].split("，")[0]


async def test_a_complaint_about_a_member_goes_to_the_heads_and_coordinators_and_never_to_them(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    second_head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    group = bot.group(-1001, "市政道路科")
    await start_all(head, second_head, member, coordinator)
    before = {p.id: len(p.messages) for p in (member,)}

    number = await log_complaint(worker, "刘强")
    await bot.drain()

    saved = await rows(
        bot,
        "SELECT issue_kind, telegram_id, issues.department FROM issues"
        " JOIN staff ON staff.id = subject_id WHERE number = ?",
        number,
    )
    assert saved == [("complaint", 2002, "roads")]
    for told in (head, second_head, coordinator):
        card = card_for(told, number)
        assert "投诉对象：刘强" in card.text
    assert card_for(head, number).has_button("签收")
    assert len(member.messages) == before[member.id]  # the person complained about: nothing
    assert not any(number in m.text for m in group.messages)  # nor the department's group

    # The member tries to look it up: as if it did not exist.
    await member.send(f"/issue {number}")
    assert "没有找到您可查看的该编号工单" in member.last.text
    await member.send("/inbox")
    assert number not in member.last.text


async def test_a_complaint_follows_the_same_life_and_its_subject_cannot_be_assigned_it(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await start_all(head, member, coordinator)
    number = await log_complaint(worker, "刘强")
    await bot.drain()
    card = card_for(head, number)

    await head.press(card, "签收")
    assert not card_for(head, number).has_button("转办")  # a complaint stays with its department
    await head.press(card_for(head, number), "指派")
    assignable = card_for(head, number)
    assert not assignable.has_button("刘强")  # the person complained about: never
    await head.press(assignable, "返回")

    await head.press(card_for(head, number), "办结")
    await head.send("已约谈当事人并向群众道歉")
    await bot.drain()
    assert await rows(bot, "SELECT status FROM issues WHERE number = ?", number) == [("resolved",)]
    assert not any(number in m.text for m in member.messages)


async def test_a_complaint_re_routed_away_and_back_still_never_reaches_its_subject(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    water_head: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await start_all(head, member, water_head, coordinator)
    number = await log_complaint(worker, "刘强")
    for returning, back_to in ((head, "供水服务中心"), (water_head, "市政道路科")):
        await bot.drain()
        await returning.press(card_for(returning, number), "退回")
        await answer(returning, "不是本单位的")
        await bot.drain()
        await coordinator.press(card_for(coordinator, number), "改派")
        await coordinator.press(card_for(coordinator, number), back_to)
    await bot.drain()

    await head.press(card_for(head, number), "签收")
    await head.press(card_for(head, number), "指派")

    assert "投诉对象：刘强" in card_for(head, number).text  # whom it is about: kept
    assert not card_for(head, number).has_button("刘强")
    assert not any(number in m.text for m in member.messages)
    assert await rows(
        bot,
        "SELECT s.name FROM issues i JOIN staff s ON s.id = i.subject_id WHERE number = ?",
        number,
    ) == [("刘强",)]


async def test_a_complaint_about_the_department_as_a_whole_is_not_shown_to_its_members(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await start_all(head, member)
    number = await log_complaint(worker, "不针对个人")
    await bot.drain()

    assert await rows(bot, "SELECT subject_id FROM issues WHERE number = ?", number) == [(None,)]
    assert "投诉对象：单位服务" in card_for(head, number).text
    assert not any(number in m.text for m in member.messages)


async def test_a_member_sees_a_complaint_only_once_assigned_and_never_one_about_themselves(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    """Through the use cases: /issue, /inbox and /overdue, for a member and for a head who is
    the person complained about."""
    await start_all(head, member)
    about_member = await log_complaint(worker, "刘强")
    about_head = await log_complaint(worker, "王伟")
    deps = bot.resources.deps
    liu, chen, wang = [await _person(bot, i) for i in (2002, 2001, 2003)]

    async def seen_by(person: Staff) -> set[str]:
        inbox = await views.inbox(deps, person, 0)
        bot.clock.advance(timedelta(days=30))  # everything overdue
        late = await overdue.overdue(deps, person, 0)
        bot.clock.advance(timedelta(days=-30))
        return {i.number for i in inbox.issues} | {i.number for i in late.issues}

    assert await seen_by(liu) == set()
    assert await seen_by(chen) == {about_member, about_head}
    assert await seen_by(wang) == {about_member}  # not the one about himself
    assert not await _may_view(bot, wang, about_head)
    assert not await _may_view(bot, liu, about_member)

    # Assigned a complaint about someone else, a member sees it and can handle it.
    issue = await _issue(bot, about_head)
    await issues.take_step(deps, chen, issue.id, Accept())
    await issues.take_step(deps, chen, issue.id, Assign(liu))
    assert await seen_by(liu) == {about_head}
    assert await _may_view(bot, liu, about_head)


async def _person(bot: Harness, telegram_id: int) -> Staff:
    found = await access.identify(bot.resources.deps, telegram_id)
    assert found is not None
    return found


async def _issue(bot: Harness, number: str) -> Issue:
    async with bot.resources.deps.store.transaction() as tx:
        found = await tx.issues.by_number(number)
    assert found is not None
    return found


async def _may_view(bot: Harness, person: Staff, number: str) -> bool:
    try:
        await views.find(bot.resources.deps, person, number)
    except errors.IssueNotFound:
        return False
    return True


# ------------------------------------------------------------------------------- the rates


async def complain(h: History, at: datetime, department: str, about: int | None) -> None:
    """A complaint logged by the worker at `at` through the use cases."""
    h.bot.clock.set(at)
    worker = await h.person(REPORTER)
    subject = await h.person(about) if about is not None else None
    draft = (await intake.start(h.deps, worker, REPORTER, "态度恶劣")).draft

    def filled(d: Draft) -> Draft:
        return dataclasses.replace(
            d, step=Step.SUMMARY, category="conduct", department=department,
            source=Source.HOTLINE, urgent=False, complaint=True,
            subject_id=subject.id if subject else None, subject_chosen=True,
        )  # fmt: skip

    await intake.update(h.deps, worker, filled)
    await intake.submit(h.deps, worker, draft.token)


@pytest.fixture
async def november(bot: Harness) -> History:
    return await november_history(bot)


@pytest.mark.parametrize("now", [nov(30, 12), nov(15, 18)], ids=["month's end", "mid-day"])
async def test_complaint_and_praise_rates_match_those_worked_out_by_hand(
    november: History, now: datetime
) -> None:
    """November as tests/test_metrics.py logs it, and on the 15th at 09:00 three complaints:
    about 刘强 (roads), about 王伟 (a head of roads), about water's service. Roads resolved A
    (by 刘强, assigned to him), B and B again (the head's, nobody assigned): 3; closed A and B
    (B's first call-back sent it back, its second closed it): 2; praised A's handler 刘强: 1. Water resolved C: 1; closed nothing. Counted at the
    month's end from the daily figures, and at 18:00 on the 15th with that day from the
    timeline (the complaints are in the piece of a day)."""
    h = november
    await complain(h, nov(15, 9), "roads", MEMBER)
    await complain(h, nov(15, 9, 5), "roads", SECOND_HEAD)
    await complain(h, nov(15, 9, 10), "water", None)
    h.bot.clock.set(now)

    report = await figures(h, COORDINATOR, ["2026-11"])
    by_code = {m.department: m for m in report.departments}
    roads, water = by_code["roads"], by_code["water"]
    assert roads.complaint_rate == pytest.approx(2 / 3)  # 2 complaints ÷ 3 resolutions
    assert roads.praise_rate == pytest.approx(1 / 2)  # 1 praise ÷ 2 closings
    assert water.complaint_rate == 1.0  # 1 ÷ 1 (C)
    assert water.praise_rate is None  # nothing closed: no data, not 0 %
    people = {p.name: p for p in report.workload}
    assert (people["刘强"].complaints, people["刘强"].complaint_rate) == (1, 1.0)  # 1 ÷ A
    assert (people["刘强"].praised, people["刘强"].praise_rate) == (1, 1.0)  # 1 ÷ A closed
    assert (people["王伟"].complaints, people["王伟"].complaint_rate) == (1, None)  # resolved 0

    # A head sees their people's complaints, but not those about themselves.
    as_chen = {p.name: p for p in (await figures(h, HEAD, ["2026-11"])).workload}
    as_wang = {p.name: p for p in (await figures(h, SECOND_HEAD, ["2026-11"])).workload}
    assert (as_chen["王伟"].complaints, as_chen["刘强"].complaints) == (1, 1)
    assert (as_wang["王伟"].complaints, as_wang["刘强"].complaints) == (None, 1)
    text = report_text(await figures(h, SECOND_HEAD, ["2026-11"]), texts("zh"), h.deps)
    assert "刘强：在办 0 件，本期结案 1 件，被投诉 1 件（投诉率 100%）" in text
    assert "王伟：在办 0 件，本期结案 0 件\n" in text + "\n"  # his own line: no complaints
    # 王伟's view of the department leaves out the complaint about himself: 1 of the 2.
    assert "投诉率：33%（投诉 1 件，办结 3 件）；表扬率：50%（结案 2 件中表扬 1 件）" in text


async def test_an_export_has_a_complaint_for_the_coordinators_and_heads_but_not_its_subject(
    november: History,
) -> None:
    h = november
    await complain(h, nov(15, 9), "roads", SECOND_HEAD)
    h.bot.clock.set(nov(30, 12))
    period = reports.choose_period(h.deps, ["2026-11"])

    async def exported(who: int) -> tuple[int, int]:
        person = await h.person(who)
        issues_ = [
            i for b in [b async for b in reports.issue_rows(h.deps, person, period)] for i in b
        ]
        steps = [
            e for b in [b async for b in reports.event_rows(h.deps, person, period)] for e in b
        ]
        return len([i for i in issues_ if i.category == "conduct"]), len(steps)

    coordinator, chen, wang = [await exported(w) for w in (COORDINATOR, HEAD, SECOND_HEAD)]
    assert coordinator[0] == 1 and chen[0] == 1
    assert wang[0] == 0  # the person complained about: not the row …
    assert wang[1] == chen[1] - 1  # … nor its step (submitted) on the timeline


def test_the_export_names_whom_a_complaint_is_about_and_hides_a_readers_own() -> None:
    tables = Tables(
        texts("zh"), load_organisation(TEST_ORG), ZoneInfo("Asia/Shanghai"), False, START
    )
    column = [c.title for c in tables.issue_columns()].index("被投诉人")
    issue = ExportIssue(
        id=1, number="2611-0001", status="pending", category="conduct", department="roads",
        urgent=False, source="hotline", description="态度生硬", address=None, latitude=None,
        longitude=None, citizen_name=None, citizen_phone=None, reporter="王芳", handler=None,
        created_at=START, respond_by=None, resolve_by=None, reopen_count=0, callback=None,
    )  # fmt: skip

    about_him = tables.issue_row(dataclasses.replace(issue, complaint=True, subject="刘强"))
    about_service = tables.issue_row(dataclasses.replace(issue, complaint=True))
    a_case = tables.issue_row(issue)

    assert (about_him[column], about_service[column], a_case[column]) == ("刘强", "无", None)
    header = [c.title for c in tables.people_columns()]
    mine = dict(
        zip(
            header,
            tables.people_row(
                PersonLoad(7, "王伟", "roads", 0, 1, complaints=None, resolved_in_period=2)
            ),
            strict=True,
        )
    )
    theirs = dict(
        zip(
            header,
            tables.people_row(
                PersonLoad(8, "刘强", "roads", 0, 1, complaints=1, resolved_in_period=2)
            ),
            strict=True,
        )
    )
    assert (mine["被投诉"], mine["投诉率"]) == (None, None)  # the reader's own: not shown
    assert (theirs["被投诉"], theirs["投诉率"]) == (1, 0.5)


async def test_a_head_complained_about_finds_no_trace_of_it_in_counts(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, second_head: EmulatedUser
) -> None:
    await start_all(head, second_head)
    await log_complaint(worker, "王伟")
    await bot.drain()
    bot.clock.advance(timedelta(minutes=5))  # figures count up to now: the complaint is before

    await second_head.send("/stats 本月")
    wang = (
        second_head.messages[-2].text if second_head.last.kind == "photo" else second_head.last.text
    )
    await head.send("/stats 本月")
    chen = head.messages[-2].text if head.last.kind == "photo" else head.last.text
    bot.clock.advance(timedelta(days=1))  # the next morning's digest
    await bot.sweep()
    await bot.drain()

    assert "当前在办：0 件" in wang and "（投诉 0 件，办结 0 件）" in wang
    assert "当前在办：1 件" in chen and "（投诉 1 件，办结 0 件）" in chen
    wang_digest = await second_head.wait_for("每日早报")
    assert "没有待签收或办理中的工单" in wang_digest.text
    assert "待签收 1 件" in (await head.wait_for("每日早报")).text
