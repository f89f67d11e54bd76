"""Balanced workload (issue 17, point 4): what each person holds and how much of it is overdue,
on the Assign buttons (the least loaded first), in /stats, and the departments whose loads are
uneven (忙闲不均) flagged to the coordinators; each figure checked against one worked out by hand.

The history (November 2026, Shanghai time; street lights: resolve within 3 days of the
handoff, so what was logged on the 20th is overdue from the 23rd 09:00):

L1-L3  20 09:00 logged · 10:00 accepted by 刘强                 held by 刘强, overdue
L4-L6  29 09:00 logged · 10:00 accepted by 刘强                 held by 刘强, in time
Z1     20 09:00 logged · 10:00 accepted by 陈建国, assigned 张敏   held by 张敏, overdue
Z2     29 09:00 logged · 10:00 accepted by 陈建国, assigned 张敏   held by 张敏, in time
Z3     29 09:00 logged · 10:00 accepted by 张敏 · 15:00 resolved  not held (done)
C1     25 09:00 logged · 10:00 accepted by 刘强 · 12:00 resolved · 26 09:00 closed
                                                                  刘强's closing
H1     29 09:00 logged · 10:00 accepted by 陈建国                 nobody's (the department's)
T1     29 09:00 logged · 10:00 accepted by 陈建国, assigned 王伟 · 11:00 transferred to water ·
          11:30 accepted by 赵丽, who assigns it to herself         held by 赵丽, in time

Roads' people (active members and heads): 刘强 6 (3 overdue), 张敏 2 (1 overdue), 陈建国 0,
王伟 0: 8 issues among 4, a mean of 2; 刘强 holds 6 ≥ 5 and ≥ 2 × 2, so roads is uneven.
Water: 赵丽 alone, 1: even. Now is Monday 30 November, 09:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.commands import Accept, Action, Assign, Confirm, Resolve, Transfer
from casework.issues import Issue
from casework.metrics import (
    Held,
    Imbalance,
    PersonLoad,
    imbalance,
    least_loaded_first,
    uneven,
)
from casework.people import NewStaff, Staff
from casework.roles import Role
from casework.services import issues, reports
from casework.services.issues import Offered, Press
from config.org import load_organisation
from emulator import EmulatedUser
from exports.workbook import Tables
from rendering.i18n import texts
from rendering.reports import report_text
from rendering.steps import BUTTON_WIDTH, load_label, width
from tests.flows import card_for, log_issue, rows
from tests.harness import START, TEST_ORG, Harness
from tests.test_metrics import COORDINATOR, HEAD, MEMBER, REPORTER, WATER_HEAD, History, nov

SECOND_HEAD, ZHANG = 2003, 2004


@dataclass
class Loads:
    """The history above, its issues by name."""

    h: History
    issues: dict[str, Issue]

    async def assign(self, at: datetime, who: int, name: str, to: int) -> None:
        await self.h.step(at, who, self.issues[name], Assign(await self.h.person(to)))


@pytest.fixture
async def loads(bot: Harness) -> Loads:
    h = History(bot)
    async with h.deps.store.transaction() as tx:
        await tx.staff.add(NewStaff(ZHANG, "张敏", Role.MEMBER, "roads"), START)
    history = Loads(h, {})

    async def log(day: int, name: str, accepted_by: int) -> None:
        # No citizen's phone: the reporter's confirmation closes it (C1), no call-back.
        issue = history.issues[name] = await h.log(nov(day, 9), name, phone=None)
        await h.step(nov(day, 10), accepted_by, issue, Accept())

    for n, day in enumerate((20, 20, 20, 29, 29, 29), 1):
        await log(day, f"L{n}", MEMBER)
    for name, day in (("Z1", 20), ("Z2", 29)):
        await log(day, name, HEAD)
        await history.assign(nov(day, 10, 5), HEAD, name, ZHANG)
    await log(29, "Z3", ZHANG)
    await h.step(nov(29, 15), ZHANG, history.issues["Z3"], Resolve("修好了"))
    await log(25, "C1", MEMBER)
    await h.step(nov(25, 12), MEMBER, history.issues["C1"], Resolve("修好了"))
    await h.step(nov(26, 9), REPORTER, history.issues["C1"], Confirm())
    await log(29, "H1", HEAD)
    await log(29, "T1", HEAD)
    await history.assign(nov(29, 10, 5), HEAD, "T1", SECOND_HEAD)
    await h.step(nov(29, 11), SECOND_HEAD, history.issues["T1"], Transfer("water", "是水管"))
    await h.step(nov(29, 11, 30), WATER_HEAD, history.issues["T1"], Accept())
    await history.assign(nov(29, 11, 35), WATER_HEAD, "T1", WATER_HEAD)
    bot.clock.set(nov(30, 9))
    return history


async def stats(loads: Loads, who: int, words: list[str]) -> reports.Report:
    h = loads.h
    period = reports.choose_period(h.deps, words)
    return await reports.stats(h.deps, await h.person(who), period)


# ------------------------------------------------------------------------------ the figures


async def test_each_persons_load_overdue_and_closings_from_a_known_history(
    loads: Loads,
) -> None:
    report = await stats(loads, COORDINATOR, ["2026-11"])

    figures = {
        p.name: (p.department, p.open_held, p.overdue_held, p.closed_in_period)
        for p in report.workload
    }
    assert figures == {
        "刘强": ("roads", 6, 3, 1),  # L1-L6, L1-L3 past 23 Nov 09:00; C1 closed
        "张敏": ("roads", 2, 1, 0),  # Z1 (overdue), Z2; Z3 resolved is no longer in hand
        "陈建国": ("roads", 0, 0, 0),  # H1 he accepted stays with the department
        "王伟": ("roads", 0, 0, 0),  # T1 left with its transfer
        "赵丽": ("water", 1, 0, 0),  # T1, due 2 December
    }


async def test_what_is_overdue_follows_the_clock(loads: Loads) -> None:
    due = nov(29, 9) + timedelta(days=3)  # L4-L6 and Z2: 2 December, 09:00
    seen = []
    for now in (due, due + timedelta(minutes=1)):
        loads.h.bot.clock.set(now)
        report = await stats(loads, HEAD, ["month"])
        seen.append({p.name: (p.open_held, p.overdue_held) for p in report.workload})

    assert seen[0] == {"刘强": (6, 3), "张敏": (2, 1), "陈建国": (0, 0), "王伟": (0, 0)}  # at it
    assert seen[1] == {"刘强": (6, 6), "张敏": (2, 2), "陈建国": (0, 0), "王伟": (0, 0)}  # past


async def test_a_department_whose_busiest_holds_twice_the_mean_is_flagged(
    loads: Loads,
) -> None:
    report = await stats(loads, COORDINATOR, ["week"])

    [flag] = report.uneven
    assert flag.department == "roads" and flag.busiest.name == "刘强"
    assert (flag.busiest.open_held, flag.people, flag.held, flag.mean) == (6, 4, 8, 2.0)
    assert flag.ratio == 3.0


async def test_the_assign_choice_comes_least_loaded_first_with_each_ones_load(
    loads: Loads,
) -> None:
    deps, head = loads.h.deps, await loads.h.person(HEAD)

    offered = await issues.press(deps, head, loads.issues["H1"].id, Press(Action.ASSIGN))

    assert isinstance(offered, Offered)
    # 王伟 and 陈建国 hold nothing (王 U+738B before 陈 U+9648); 张敏 2; 刘强 6.
    assert [p.name for p in offered.people] == ["王伟", "陈建国", "张敏", "刘强"]
    by_name = {p.name: p.id for p in offered.people}
    assert offered.held == {by_name["刘强"]: Held(6, 3), by_name["张敏"]: Held(2, 1)}


# ------------------------------------------------------------------------------ the measure


def load(name: str, held: int, department: str = "roads", overdue: int = 0) -> PersonLoad:
    return PersonLoad(
        staff_id=sum(map(ord, name)), name=name, department=department, open_held=held,
        closed_in_period=0, overdue_held=overdue,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("held", "flagged"),
    [
        ((9, 2, 1, 0), True),  # mean 3, the busiest 3 times it
        ((5, 3, 1, 1), True),  # mean 2.5: 5 is exactly twice it
        ((5, 3, 2, 1), False),  # mean 2.75: 5 is short of 5.5
        ((4, 0, 0, 0), False),  # 4 times the mean of 1, but 4 swamps nobody
        ((5, 0, 0, 0), True),  # 5, the least that does, 4 times the mean
        ((7,), False),  # one person: the mean is theirs
        ((0, 0, 0), False),  # nothing held at all
        ((6, 6, 0, 0), True),  # mean 3: two swamped, two idle
        ((20, 18, 15, 12), False),  # all busy (mean 16.25): even, however many
    ],
)
def test_the_balance_measure_by_hand(held: tuple[int, ...], flagged: bool) -> None:
    people = [load(name, n) for name, n in zip("甲乙丙丁", held, strict=False)]

    assert (imbalance("roads", people) is not None) is flagged


def test_the_busiest_is_named_with_the_departments_mean() -> None:
    people = [load("刘强", 9), load("王伟", 2), load("陈建国", 1), load("张敏", 0)]

    found = imbalance("roads", people)

    assert found == Imbalance("roads", people[0], people=4, held=12)
    assert (found.mean, found.ratio) == (3.0, 3.0)
    # Two as busy: the first by name (乙 U+4E59 before 甲 U+7532).
    tie = imbalance("roads", [load("甲", 6), load("乙", 6), load("丙", 0), load("丁", 0)])
    assert tie is not None and tie.busiest.name == "乙"


def test_uneven_departments_come_most_uneven_first_each_against_its_own_mean() -> None:
    workload = [
        load("甲", 6, "roads"), load("乙", 2, "roads"),  # mean 4: 1.5, even
        load("丙", 6, "water"), load("丁", 0, "water"),  # mean 3: 2
        load("戊", 8, "mediation"), *(load(n, 0, "mediation") for n in "己庚辛"),  # 2: 4
    ]  # fmt: skip

    assert [(u.department, u.ratio) for u in uneven(workload)] == [
        ("mediation", 4.0),
        ("water", 2.0),
    ]


def test_the_least_loaded_come_first_then_the_fewest_overdue_then_by_name() -> None:
    people = [
        Staff(id=n, telegram_id=n, name=name, role=Role.MEMBER, department="roads", active=True)
        for n, name in enumerate(["刘强", "张敏", "王伟", "陈建国", "李娜"], 1)
    ]
    held = {1: Held(3, 1), 2: Held(1, 0), 3: Held(1, 1), 5: Held(3, 0)}

    order = [p.name for p in least_loaded_first(people, held)]

    assert order == ["陈建国", "张敏", "王伟", "李娜", "刘强"]  # 0; 1+0, 1+1; 3+0, 3+1


# ------------------------------------------------------------------------------ the words


def test_an_assign_button_says_what_the_person_holds_and_fits_a_phone() -> None:
    zh, en = texts("zh"), texts("en")
    liu = Staff(id=1, telegram_id=1, name="刘强", role=Role.MEMBER, department="roads", active=True)
    long = Staff(id=2, telegram_id=2, name="Alexandra Konstantinopoulou-Richardson",
                 role=Role.MEMBER, department="roads", active=True)  # fmt: skip
    office = Staff(id=3, telegram_id=3, name="市政道路科养护班班长欧阳建国",
                   role=Role.HEAD, department="roads", active=True)  # fmt: skip

    assert load_label(liu, Held(3, 1), zh) == "刘强 · 在办 3 · 超期 1"
    assert load_label(liu, Held(0, 0), zh) == "刘强 · 在办 0"
    assert load_label(liu, Held(3, 1), en) == "刘强 · 3 open · 1 overdue"
    cut = load_label(long, Held(12, 10), en)
    assert cut.startswith("Alexand") and cut.endswith("… · 12 open · 10 overdue")
    cut_zh = load_label(office, Held(12, 10), zh)
    assert cut_zh.startswith("市政道路科") and cut_zh.endswith("… · 在办 12 · 超期 10")
    assert max(width(cut), width(cut_zh)) <= BUTTON_WIDTH
    amp = Staff(id=4, telegram_id=4, name="A&B", role=Role.MEMBER, department="roads", active=True)
    assert load_label(amp, Held(1, 0), en) == "A&B · 1 open"  # a button is not HTML


def test_the_exports_people_have_their_load_and_what_of_it_is_overdue() -> None:
    org = load_organisation(TEST_ORG)
    tables = Tables(texts("zh"), org, ZoneInfo("Asia/Shanghai"), with_phones=False, now=START)

    header = [c.title for c in tables.people_columns()]
    row = tables.people_row(load("刘强", 6, overdue=3))

    assert header == [
        "姓名", "所属科室", "在办工单", "其中超期", "本期结案", "本期办结",
        "被投诉", "投诉率", "表扬", "表扬率",
    ]  # fmt: skip
    assert row == ["刘强", "市政道路科", 6, 3, 0, 0, 0, "无数据", 0, "无数据"]


async def test_a_heads_stats_list_each_persons_load_with_what_is_overdue(
    loads: Loads,
) -> None:
    report = await stats(loads, HEAD, ["2026-11"])

    text = report_text(report, texts("zh"), loads.h.deps)

    assert "刘强：在办 6 件（超期 3 件），本期结案 1 件" in text
    assert "张敏：在办 2 件（超期 1 件），本期结案 0 件" in text
    assert "陈建国：在办 0 件，本期结案 0 件" in text
    assert text.endswith("⚖️ 忙闲不均：市政道路科 刘强在办 6 件，人均 2 件")


# ------------------------------------------------------------------------------ through Telegram


async def test_pressing_assign_on_a_heads_card_shows_the_people_least_loaded_first(
    bot: Harness, loads: Loads, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")

    await head.press(card, "指派")

    assert [b.text for b in card.buttons] == [
        "王伟 · 在办 0",
        "陈建国 · 在办 0",
        "张敏 · 在办 2 · 超期 1",
        "刘强 · 在办 6 · 超期 3",
        "◀ 返回",
    ]
    await head.press(card, "王伟")
    assert "经办人：王伟" in card.text
    [(assignee,)] = await rows(
        bot, "SELECT s.name FROM issues i JOIN staff s ON s.id = i.assignee_id WHERE number = ?",
        number,
    )  # fmt: skip
    assert assignee == "王伟"


async def test_an_assign_to_someone_not_in_the_department_is_still_refused(
    bot: Harness, loads: Loads, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "指派")
    zhang = card.button("张敏 · 在办 2 · 超期 1").callback_data
    assert zhang is not None
    water, zhang_id = await loads.h.person(WATER_HEAD), (await loads.h.person(ZHANG)).id
    async with loads.h.deps.store.transaction() as tx:  # 张敏 leaves after the buttons were drawn
        await tx.staff.deactivate(zhang_id, nov(30, 9))

    stale = await head.press_data(card, zhang)
    forged = await head.press_data(card, zhang.rsplit(":", 1)[0] + f":{water.id}")

    refusal = "只能指派给承办单位的人员。"
    assert stale is not None and forged is not None
    assert (stale.text, forged.text) == (refusal, refusal)
    assert await rows(bot, "SELECT assignee_id FROM issues WHERE number = ?", number) == [(None,)]


async def test_the_weekly_report_flags_a_department_whose_loads_are_uneven_until_they_are_not(
    bot: Harness, loads: Loads, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")

    await bot.sweep()  # Monday 30 November, 09:00

    [report] = [m for m in coordinator.messages if "各承办单位绩效排名" in m.text]
    assert "⚖️ 忙闲不均：市政道路科 刘强在办 6 件，人均 2 件" in report.text
    assert report.text.count("忙闲不均") == 1  # water, 赵丽 alone, is not

    for name in ("L1", "L4", "L5"):  # 刘强 3, 王伟 3, 张敏 2, 陈建国 0: none swamped
        await loads.assign(nov(30, 10), HEAD, name, SECOND_HEAD)
    bot.clock.set(nov(30, 9) + timedelta(days=7))

    await bot.sweep()  # the next Monday

    [_, report] = [m for m in coordinator.messages if "各承办单位绩效排名" in m.text]
    assert "忙闲不均" not in report.text
