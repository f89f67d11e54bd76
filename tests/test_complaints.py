"""Complaints (投诉, issue 17 point 3): a complaint about a department's service or one of its
people is logged through /new, goes to the department's heads and the coordinators (never to
the person complained about, the department's group or its members), follows an issue's life,
and is seen by nobody it is about: not the card, /issue, lists or the figures."""

from __future__ import annotations

from datetime import timedelta

from casework import errors
from casework.commands import Accept, Assign
from casework.issues import Issue
from casework.people import Staff
from casework.services import access, issues, overdue, views
from tests.fakebotapi import FakeUser
from tests.flows import card_for, rows
from tests.harness import Harness
from tests.test_issue_flow import start_all


async def log_complaint(worker: FakeUser, about: str = "刘强") -> str:
    """Log a complaint about roads (and `about`, a person of it, or the department) through
    /new and submit it; its number."""
    await worker.send("/new 群众反映工作人员态度恶劣，推诿不办")
    await worker.press(worker.last, "服务态度")
    await worker.send("跳过")
    await worker.send("完成")
    await worker.send("张三")
    await worker.send("13812345678")
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
    worker: FakeUser,
    head: FakeUser,
    second_head: FakeUser,
    member: FakeUser,
    coordinator: FakeUser,
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
    bot: Harness, worker: FakeUser, head: FakeUser, member: FakeUser, coordinator: FakeUser
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


async def test_a_complaint_about_the_department_as_a_whole_is_not_shown_to_its_members(
    bot: Harness, worker: FakeUser, head: FakeUser, member: FakeUser
) -> None:
    await start_all(head, member)
    number = await log_complaint(worker, "不针对个人")
    await bot.drain()

    assert await rows(bot, "SELECT subject_id FROM issues WHERE number = ?", number) == [(None,)]
    assert "投诉对象：单位服务" in card_for(head, number).text
    assert not any(number in m.text for m in member.messages)


async def test_a_member_sees_a_complaint_only_once_assigned_and_never_one_about_themselves(
    bot: Harness, worker: FakeUser, head: FakeUser, member: FakeUser
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
