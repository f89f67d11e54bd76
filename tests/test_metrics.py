"""Department metrics from a known history, checked against figures worked out by hand.

The history (November 2026, Shanghai time; street lights: respond within 2 h, resolve within
3 days, from the handoff):

A  roads  02 09:00 logged · 10:00 accepted by 刘强 · 04 09:00 resolved · 11:00 call-back:
          contacted, solved, satisfied (closed by it) · 11:05 刘强 praised
B  roads  03 09:00 logged · 12:00 accepted by 陈建国 (late) · 07 09:00 resolved (late) ·
          11:00 call-back: contacted, not solved, dissatisfied (sent back to roads: reopened) ·
          09 09:00 resolved · 11:00 call-back: contacted, partly solved, basically satisfied
          (closed by it)
C  roads  05 09:00 logged · 10:00 returned · 12:00 re-routed to water · 12:30 accepted by 赵丽 ·
          06 12:30 resolved (not confirmed)
D  roads  10 09:00 logged · 09:30 withdrawn (a duplicate)
E  roads  20 09:00 logged · never answered
F  roads  12 09:00 logged · 10:00 accepted · 13 09:00 transferred to water · 09:30 accepted
          by 赵丽 · still open

Now is 30 November, 12:00.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from casework.commands import (
    Accept,
    Assign,
    Command,
    Confirm,
    Praise,
    RecordCallback,
    Reopen,
    Reroute,
    Resolve,
    Return,
    Transfer,
    Withdraw,
)
from casework.intake import Draft, Step
from casework.issues import (
    Contact,
    Event,
    EventKind,
    Issue,
    Solved,
    Source,
    Status,
    Verdict,
    WithdrawReason,
)
from casework.metrics import (
    MEASURES,
    BadPeriod,
    DepartmentCounts,
    DepartmentMetrics,
    compute,
    parse_period,
    ranked,
    tallies,
)
from casework.people import Staff
from casework.services import intake, issues, merging, reports
from storage.repositories import metrics as sql_metrics
from storage.repositories.metrics import SqlMetrics
from storage.sqlite.database import SqliteStatements
from storage.sqlite.schema import discover, migrate
from tests.harness import Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")


def nov(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


class History:
    """Steps taken through the use cases, each at the moment the test says."""

    def __init__(self, bot: Harness) -> None:
        self.bot = bot
        self.deps = bot.resources.deps

    async def person(self, telegram_id: int) -> Staff:
        async with self.deps.store.transaction() as tx:
            found = await tx.staff.by_telegram_id(telegram_id)
        assert found is not None
        return found

    async def log(
        self,
        at: datetime,
        description: str,
        phone: str | None = "13812345678",
        department: str = "roads",
    ) -> Issue:
        """Logged by the worker; with the citizen's phone (closed by the call-back) unless
        None (closed by the reporter's confirmation)."""
        self.bot.clock.set(at)
        worker = await self.person(1001)
        draft = (await intake.start(self.deps, worker, 1001, description)).draft

        def filled(d: Draft) -> Draft:
            return dataclasses.replace(
                d, step=Step.SUMMARY, category="streetlight", department=department,
                source=Source.HOTLINE, urgent=False, citizen_phone=phone,
            )  # fmt: skip

        await intake.update(self.deps, worker, filled)
        return (await intake.submit(self.deps, worker, draft.token)).issue

    async def step(self, at: datetime, who: int, issue: Issue, command: Command) -> None:
        self.bot.clock.set(at)
        await issues.take_step(self.deps, await self.person(who), issue.id, command)

    async def praise(self, at: datetime, who: int, issue: Issue, person: int) -> None:
        self.bot.clock.set(at)
        praised = await self.person(person)
        await issues.take_step(self.deps, await self.person(who), issue.id, Praise(praised))


def called(solved: Solved, verdict: Verdict) -> RecordCallback:
    """The call-back's answers, the department having contacted the citizen."""
    return RecordCallback(verdict, Contact.YES, solved)


REPORTER, HEAD, MEMBER, WATER_HEAD, COORDINATOR = 1001, 2001, 2002, 3001, 9001
SECOND_HEAD = 2003


@pytest.fixture
async def november(bot: Harness) -> History:
    return await november_history(bot)


async def november_history(bot: Harness) -> History:
    """The history of November the figures are worked out from (tests/test_complaints.py
    adds complaints to it)."""
    h = History(bot)
    a = await h.log(nov(2, 9), "A")
    await h.step(nov(2, 10), MEMBER, a, Accept())
    await h.step(nov(4, 9), MEMBER, a, Resolve("修好了"))
    await h.step(nov(4, 11), REPORTER, a, called(Solved.SOLVED, Verdict.SATISFIED))
    await h.praise(nov(4, 11, 5), REPORTER, a, MEMBER)

    b = await h.log(nov(3, 9), "B")
    await h.step(nov(3, 12), HEAD, b, Accept())
    await h.step(nov(7, 9), HEAD, b, Resolve("修好了"))
    await h.step(nov(7, 11), REPORTER, b, called(Solved.NOT_SOLVED, Verdict.DISSATISFIED))
    await h.step(nov(9, 9), HEAD, b, Resolve("重新修好"))
    await h.step(nov(9, 11), REPORTER, b, called(Solved.PARTLY, Verdict.BASICALLY_SATISFIED))

    c = await h.log(nov(5, 9), "C")
    await h.step(nov(5, 10), HEAD, c, Return("是水管问题"))
    await h.step(nov(5, 12), COORDINATOR, c, Reroute("water"))
    await h.step(nov(5, 12, 30), WATER_HEAD, c, Accept())
    await h.step(nov(6, 12, 30), WATER_HEAD, c, Resolve("已修"))

    d = await h.log(nov(10, 9), "D")
    await h.step(nov(10, 9, 30), REPORTER, d, Withdraw(WithdrawReason.DUPLICATE, "重复"))

    await h.log(nov(20, 9), "E")

    f = await h.log(nov(12, 9), "F")
    await h.step(nov(12, 10), HEAD, f, Accept())
    await h.step(nov(13, 9), HEAD, f, Transfer("water", "是水管"))
    await h.step(nov(13, 9, 30), WATER_HEAD, f, Accept())

    bot.clock.set(nov(30, 12))
    return h


async def figures(h: History, who: int, words: list[str]) -> reports.Report:
    period = reports.choose_period(h.deps, words)
    return await reports.stats(h.deps, await h.person(who), period)


async def test_every_figure_of_a_known_month(november: History) -> None:
    report = await figures(november, COORDINATOR, ["2026-11"])
    by_code = {m.department: m for m in report.departments}
    roads, water, mediation = by_code["roads"], by_code["water"], by_code["mediation"]

    # Roads. Handoffs due: A B C D E F; D withdrawn in time; answered in time: A C F.
    assert roads.on_time_acceptance_rate == pytest.approx(3 / 5)
    # Resolutions due: A, B, B reopened, F; F transferred away first; in time: A, B reopened.
    assert roads.on_time_resolution_rate == pytest.approx(2 / 3)
    # Accepted in November: A B F; closed since: A B.
    assert roads.closing_rate == pytest.approx(2 / 3)
    # Call-backs: A satisfied; B dissatisfied, then (reopened, closed again) basically satisfied.
    assert roads.satisfaction_rate == pytest.approx(2 / 3)
    assert roads.reopen_rate == pytest.approx(1 / 3)  # B reopened; resolutions A, B, B
    assert roads.return_rate == pytest.approx(1 / 6)  # C returned; received A-F
    assert roads.median_to_accept == timedelta(hours=1)  # A 1 h, B 3 h, F 1 h
    assert roads.median_to_resolve == timedelta(hours=47)  # A 47 h, B 93 h, B again 46 h
    assert (roads.counts.open_now, roads.counts.overdue_now) == (1, 1)  # E
    assert roads.counts.praise == 1

    # Water. Handoffs due: C (re-routed), F (transferred), both accepted in time.
    assert water.on_time_acceptance_rate == 1.0
    assert water.on_time_resolution_rate == pytest.approx(1 / 2)  # C in time; F not yet
    assert water.closing_rate == 0.0  # C resolved but not closed; F open
    assert water.satisfaction_rate is None  # no call-back: no data, not 0 %
    assert water.reopen_rate == 0.0
    assert water.return_rate == 0.0
    assert water.median_to_accept == timedelta(minutes=30)
    assert water.median_to_resolve == timedelta(hours=24)
    assert (water.counts.open_now, water.counts.overdue_now) == (1, 1)  # F

    # Mediation had no traffic at all.
    assert [
        mediation.on_time_acceptance_rate, mediation.on_time_resolution_rate, mediation.closing_rate,
        mediation.satisfaction_rate, mediation.reopen_rate, mediation.return_rate,
        mediation.median_to_accept, mediation.median_to_resolve,
    ] == [None] * 8  # fmt: skip

    # The citizen's rates. Roads' call-backs: A contacted, solved, satisfied; B contacted, not
    # solved, dissatisfied; B again contacted, partly solved (half), basically satisfied.
    assert roads.contact_rate == 1.0  # 3 of 3
    assert roads.solved_rate == pytest.approx((1 + 0.5) / 3)
    assert (roads.counts.solved, roads.counts.partly_solved, roads.counts.not_solved) == (1, 1, 1)
    assert water.contact_rate is None and water.solved_rate is None  # no call-back: no data
    assert mediation.contact_rate is None and mediation.solved_rate is None

    # Ranked by the composite score, the default weights (contact .15, solved .30, satisfied
    # .30, accepted on time .10, resolved on time .15), a rate with no data counting as the
    # district's median of it (water's three citizen's rates: roads', the only ones):
    # roads .15 × 1 + .30 × .5 + .30 × 2/3 + .10 × .6 + .15 × 2/3 = .66;
    # water .15 × 1 + .30 × .5 + .30 × 2/3 + .10 × 1 + .15 × .5 = .675; mediation no data.
    assert [m.department for m in report.departments] == ["water", "roads", "mediation"]
    scores = [m.score for m in report.departments]
    assert scores == [pytest.approx(0.675), pytest.approx(0.66), None]


def rates(code: str, response: float, on_time: float, satisfied: float | None) -> DepartmentMetrics:
    """A department's figures with these rates (of 100 handoffs, 100 resolutions and, unless
    None, 100 call-backs)."""
    counts = DepartmentCounts(
        code, handoffs_due=100, answered_in_time=round(100 * response), resolutions_due=100,
        resolved_in_time=round(100 * on_time),
    )  # fmt: skip
    if satisfied is not None:
        counts.satisfied, counts.dissatisfied = round(100 * satisfied), round(100 * (1 - satisfied))
    return compute(counts)


# The three rates `rates` sets, weighing the same: the score is their mean.
THREE = {"on_time_acceptance_rate": 1.0, "on_time_resolution_rate": 1.0, "satisfaction_rate": 1.0}


def test_no_data_on_a_rate_counts_as_the_districts_median_in_the_ranking() -> None:
    others = [rates("d1", 0.8, 0.8, 0.7), rates("d2", 0.7, 0.7, 0.6)]
    idle = compute(DepartmentCounts("mediation"))
    # Without call-backs, ranked by the mean of the rates it has (100 %), water came first.
    no_callbacks = rates("water", 1.0, 1.0, None)
    good = rates("roads", 0.95, 0.95, 0.95)

    order = [m.department for m in ranked([idle, no_callbacks, *others, good], THREE)]

    # Water's satisfaction counts as the median of the three that have one (70 %):
    # (100 + 100 + 70) / 3 = 90 % < 95 %. No data at all: last.
    assert order == ["roads", "water", "d1", "d2", "mediation"]
    # Nor is it a penalty: as 0 %, water would be (90 + 90 + 0) / 3 = 60 %, below roads.
    poor = rates("roads", 0.6, 0.6, 0.6)
    order = [m.department for m in ranked([poor, rates("water", 0.9, 0.9, None), *others], THREE)]
    assert order == ["water", "d1", "d2", "roads"]


def nobody_reached() -> RecordCallback:
    return RecordCallback(Verdict.UNREACHABLE)


async def test_a_fast_department_whose_citizens_say_not_solved_ranks_below_a_slow_one_they_praise(
    bot: Harness,
) -> None:
    """Roads answers and resolves everything in time, but its citizens say they were not
    contacted and nothing is solved; water is late, and its citizens are satisfied."""
    h = History(bot)
    for day in (2, 3):  # roads: accepted in 10 minutes, resolved within the hour, twice
        r = await h.log(nov(day, 9), f"R{day}")
        await h.step(nov(day, 9, 10), MEMBER, r, Accept())
        await h.step(nov(day, 10), MEMBER, r, Resolve("修好了"))
        not_solved = RecordCallback(Verdict.DISSATISFIED, Contact.NO, Solved.NOT_SOLVED)
        await h.step(nov(day, 11), REPORTER, r, not_solved)  # sent back: 重办
        await h.step(nov(day, 12), MEMBER, r, Resolve("又修了"))  # in time again
        await h.step(nov(day, 14), REPORTER, r, nobody_reached())  # stays resolved
    w1 = await h.log(nov(2, 9), "W1", department="water")
    await h.step(nov(2, 12), WATER_HEAD, w1, Accept())  # an hour late (2 h to respond)
    await h.step(nov(6, 9), WATER_HEAD, w1, Resolve("已修"))  # a day late (3 days)
    await h.step(nov(6, 11), REPORTER, w1, called(Solved.SOLVED, Verdict.SATISFIED))
    w2 = await h.log(nov(3, 9), "W2", department="water")
    await h.step(nov(3, 10), WATER_HEAD, w2, Accept())  # in time
    await h.step(nov(7, 9), WATER_HEAD, w2, Resolve("已修"))  # a day late
    await h.step(nov(7, 11), REPORTER, w2, called(Solved.PARTLY, Verdict.BASICALLY_SATISFIED))
    h.bot.clock.set(nov(30, 12))

    report = await figures(h, COORDINATOR, ["2026-11"])

    by_code = {m.department: m for m in report.departments}
    roads, water = by_code["roads"], by_code["water"]
    # Roads: 2 of 2 accepted in time; 4 of 4 resolutions in time (the two acceptances, the
    # two reopenings); the citizens: contacted 0 of 2, solved 0 of 2, satisfied 0 of 2 (the
    # two call-backs that could not reach them count in none of the three).
    assert (roads.on_time_acceptance_rate, roads.on_time_resolution_rate) == (1.0, 1.0)
    assert (roads.contact_rate, roads.solved_rate, roads.satisfaction_rate) == (0.0, 0.0, 0.0)
    assert roads.counts.unreachable == 2
    # Water: 1 of 2 accepted in time, 0 of 2 resolved in time; contacted 2 of 2, solved
    # (1 + a half) of 2, satisfied (satisfied + basically) 2 of 2.
    assert (water.on_time_acceptance_rate, water.on_time_resolution_rate) == (0.5, 0.0)
    assert (water.contact_rate, water.solved_rate, water.satisfaction_rate) == (1.0, 0.75, 1.0)
    # Scores: roads .10 × 1 + .15 × 1 = .25; water .15 × 1 + .30 × .75 + .30 × 1 + .10 × .5
    # = .725. (By the mean of the three rates before issue 17, roads ranked first: 67 % to
    # water's 50 %.)
    assert roads.score == pytest.approx(0.25) and water.score == pytest.approx(0.725)
    assert [m.department for m in report.departments] == ["water", "roads", "mediation"]


def test_the_weights_decide_and_a_rate_nobody_has_counts_for_nobody() -> None:
    fast = compute(
        DepartmentCounts(
            "roads", handoffs_due=10, answered_in_time=10, resolutions_due=10,
            resolved_in_time=10, contacted=1, not_contacted=9, solved=1, not_solved=9,
            satisfied=1, dissatisfied=9,
        )
    )  # fmt: skip
    liked = compute(
        DepartmentCounts(
            "water", handoffs_due=10, answered_in_time=5, resolutions_due=10,
            resolved_in_time=5, contacted=9, not_contacted=1, partly_solved=10, satisfied=9,
            dissatisfied=1,
        )
    )  # fmt: skip
    assert liked.solved_rate == 0.5  # ten partly solved: half each

    process_only = {"on_time_acceptance_rate": 1.0, "on_time_resolution_rate": 1.0}
    assert [m.department for m in ranked([liked, fast], process_only)] == ["roads", "water"]
    # By default: roads .15 × .1 + .30 × .1 + .30 × .1 + .10 + .15 = .325; water
    # .15 × .9 + .30 × .5 + .30 × .9 + .10 × .5 + .15 × .5 = .68.
    by_default = ranked([fast, liked])
    assert [m.department for m in by_default] == ["water", "roads"]
    assert [m.score for m in by_default] == [pytest.approx(0.68), pytest.approx(0.325)]
    # Only the contact rate weighs, and no department has data on it: no score, order kept.
    no_contact = [dataclasses.replace(m, contact_rate=None) for m in (fast, liked)]
    assert [m.score for m in ranked(no_contact, {"contact_rate": 1.0})] == [None, None]


def callback_step(contacted: Contact | None, solved: Solved | None, verdict: Verdict) -> Event:
    return Event(
        id=1, issue_id=1, at=nov(4, 11), actor_id=1, kind=EventKind.CALLBACK,
        department="roads", verdict=verdict, contacted=contacted, solved=solved,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("contacted", "solved", "verdict", "measures"),
    [
        (Contact.YES, Solved.PARTLY, Verdict.BASICALLY_SATISFIED,
         ["basically_satisfied", "contacted", "partly_solved"]),
        (Contact.NO, Solved.NOT_SOLVED, Verdict.DISSATISFIED,
         ["dissatisfied", "not_contacted", "not_solved"]),
        # A call-back recorded before the three questions: its verdict, and nothing for the
        # questions it never asked (not a "no").
        (Contact.NOT_ASKED, Solved.NOT_ASKED, Verdict.SATISFIED, ["satisfied"]),
        (None, None, Verdict.UNREACHABLE, ["unreachable"]),  # nothing was asked
    ],
)  # fmt: skip
def test_a_call_back_adds_each_answer_it_has_to_the_daily_figures(
    contacted: Contact | None, solved: Solved | None, verdict: Verdict, measures: list[str]
) -> None:
    at = nov(4, 9)
    issue = Issue(
        id=1, number="2611-0001", status=Status.CLOSED, description="A", category="streetlight",
        department="roads", reporter_id=1, urgent=False, source=Source.HOTLINE, created_at=at,
        updated_at=at, handed_at=at, respond_by=at, resolve_by=at,
    )  # fmt: skip
    found = tallies(callback_step(contacted, solved, verdict), None, issue, SHANGHAI)

    assert sorted(t.measure for t in found) == measures
    assert {(t.day, t.department) for t in found} == {(date(2026, 11, 4), "roads")}


async def test_workload_per_person(november: History) -> None:
    report = await figures(november, COORDINATOR, ["2026-11"])

    loads = {p.name: (p.open_held, p.closed_in_period) for p in report.workload}

    assert loads["刘强"] == (0, 1)  # A, which he handled, was closed
    assert loads["陈建国"] == (0, 0)  # heads who accept leave issues with the department


async def test_an_empty_period_has_no_rates_only_what_is_open_now(november: History) -> None:
    report = await figures(november, COORDINATOR, ["2026-10"])

    for m in report.departments:
        assert not m.has_ranked_rates
        assert m.counts.handoffs_due == m.counts.resolved == m.counts.praise == 0
    roads = next(m for m in report.departments if m.department == "roads")
    assert roads.counts.open_now == 1


async def test_a_head_sees_only_their_department(november: History) -> None:
    report = await figures(november, HEAD, ["month"])

    assert [m.department for m in report.departments] == ["roads"]
    assert {p.department for p in report.workload} == {"roads"}
    assert not report.everywhere


async def test_two_dates_include_both_days(november: History) -> None:
    # 2–4 November: handoffs of A (2nd) and B (3rd) fall due; A in time, B late.
    report = await figures(november, COORDINATOR, ["2026-11-02", "2026-11-03"])
    roads = next(m for m in report.departments if m.department == "roads")

    assert (roads.counts.handoffs_due, roads.counts.answered_in_time) == (2, 1)


@pytest.mark.parametrize(
    "words",
    [
        ["2026-13"],
        ["yesterday"],
        ["2026-11-05", "2026-11-01"],
        ["2026-11-01", "soon"],
        ["a", "b", "c"],
        ["9999-12"],  # the calendar ends before the period does
        ["9999-12-31", "9999-12-31"],
    ],
)
def test_periods_that_make_no_sense_are_refused(words: list[str]) -> None:
    with pytest.raises(BadPeriod):
        parse_period(words, nov(30, 12), SHANGHAI)


def test_week_month_and_a_named_month() -> None:
    now = nov(30, 12)
    week = parse_period(["week"], now, SHANGHAI)
    month = parse_period([], now, SHANGHAI)
    december = parse_period(["2026-12"], now, SHANGHAI)

    assert (week.start, week.end) == (now - timedelta(days=7), now + timedelta(seconds=1))
    assert (month.start, month.end, month.label) == (
        nov(1, 0),
        datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI),
        "2026-11",
    )
    assert december.end - december.start == timedelta(days=31)


@pytest.mark.parametrize(
    "words", [["2026-11"], ["week"], ["2026-11-02", "2026-11-09"], ["2026-11-04", "2026-11-04"]]
)
async def test_the_daily_figures_agree_with_counting_the_timeline_itself(
    november: History, words: list[str]
) -> None:
    deps = november.deps
    period = reports.choose_period(deps, words)
    report = await figures(november, COORDINATOR, words)
    async with deps.store.transaction() as tx:
        straight = {
            c.department: c
            for c in await tx.metrics.counted(period.start, min(period.end, deps.clock.now()))
        }

    for metrics in report.departments:
        counted = straight.get(metrics.department)
        for measure in MEASURES:
            assert getattr(metrics.counts, measure) == getattr(counted, measure, 0), measure


@pytest.mark.parametrize(
    "words", [["2026-11"], ["week"], ["2026-11-02", "2026-11-09"], ["2026-11-04", "2026-11-04"]]
)
async def test_a_heads_figures_are_their_departments_in_the_coordinators(
    november: History, words: list[str]
) -> None:
    everywhere = await figures(november, COORDINATOR, words)
    theirs = await figures(november, HEAD, words)

    [roads] = theirs.departments
    ranked_roads = next(m for m in everywhere.departments if m.department == "roads")
    assert roads == dataclasses.replace(ranked_roads, score=None)  # the score is the ranking's
    assert theirs.district == everywhere.district


async def test_a_heads_report_follows_their_department_and_the_district_week_by_week(
    november: History,
) -> None:
    report = await figures(november, HEAD, ["2026-11"])  # now: 30 November, 12:00

    weeks = [(s.first.day, s.last.day) for s in report.trend]
    assert weeks == [(1, 7), (8, 14), (15, 21), (22, 30)]  # the 29th and 30th join the 22nd
    # Roads' handoffs due: A (in time), B (late), C (returned in time); F in time, D withdrawn;
    # E never answered; nothing. The district adds water's: C re-routed and F transferred,
    # both accepted in time.
    assert [s.department.on_time_acceptance_rate for s in report.trend] == [
        pytest.approx(2 / 3), 1.0, 0.0, None,
    ]  # fmt: skip
    assert [s.district.on_time_acceptance_rate for s in report.trend] == [0.75, 1.0, 0.0, None]
    # The call-backs: A satisfied (4th), B dissatisfied (7th), B basically satisfied (9th).
    assert [s.department.satisfaction_rate for s in report.trend] == [0.5, 1.0, None, None]
    assert report.district is not None
    assert report.district.on_time_acceptance_rate == pytest.approx(5 / 7)


async def test_the_pieces_of_days_at_either_end_count_on_their_days(november: History) -> None:
    november.bot.clock.set(nov(12, 10, 30))  # the last 7 days: from 5 November, 10:30

    report = await figures(november, HEAD, ["week"])

    days = [s.first for s in report.trend]
    assert days == [date(2026, 11, d) for d in range(5, 13)]  # day by day, both ends' days too
    # C's handoff (due 5 November, 11:00) was returned in time: in the 5th's piece, from the
    # timeline. F's (12 November 09:00, due 11:00) is not due yet at 10:30.
    assert report.trend[0].department.counts.handoffs_due == 1
    assert report.trend[0].department.on_time_acceptance_rate == 1.0
    assert report.trend[-1].department.counts.handoffs_due == 0
    # B's reopening on the 7th is due on the 10th, resolved on the 9th: a whole day, tallied.
    assert report.trend[5].department.on_time_resolution_rate == 1.0


async def test_a_past_days_figures_read_the_same_that_day_and_the_next(bot: Harness) -> None:
    """That day is counted from the timeline, the next day from the daily tallies: a closing
    undone by a reopening, and a second closing by someone else, count the same in both."""
    h = History(bot)
    a = await h.log(nov(25, 9), "A", phone=None)
    await h.step(nov(25, 10), MEMBER, a, Accept())
    await h.step(nov(25, 10, 30), MEMBER, a, Resolve("修好了"))
    await h.step(nov(25, 11), REPORTER, a, Confirm())
    await h.step(nov(25, 11, 10), COORDINATOR, a, Reopen("群众说没修好"))
    await h.step(nov(25, 11, 20), HEAD, a, Assign(await h.person(SECOND_HEAD)))
    await h.step(nov(25, 11, 30), SECOND_HEAD, a, Resolve("重新修好"))
    await h.step(nov(25, 11, 40), REPORTER, a, Confirm())

    seen = []
    for now in (nov(25, 12), nov(26, 12)):
        h.bot.clock.set(now)
        report = await figures(h, COORDINATOR, ["2026-11-25", "2026-11-25"])
        roads = next(m for m in report.departments if m.department == "roads")
        closed_by = {p.name: p.closed_in_period for p in report.workload}
        seen.append((roads.counts.accepted, roads.counts.accepted_then_closed, closed_by))

    assert seen[0] == seen[1]
    assert seen[0][:2] == (1, 1)  # accepted once, and closed after it
    assert seen[0][2]["刘强"] == 1 and seen[0][2]["王伟"] == 1  # each closing to its handler


async def test_a_closing_later_reopened_still_counts_for_the_acceptance_before_it(
    bot: Harness,
) -> None:
    h = History(bot)
    a = await h.log(nov(25, 9), "A", phone=None)
    await h.step(nov(25, 10), MEMBER, a, Accept())
    await h.step(nov(25, 10, 30), MEMBER, a, Resolve("修好了"))
    await h.step(nov(25, 11), REPORTER, a, Confirm())
    await h.step(nov(25, 11, 30), COORDINATOR, a, Reopen("群众说没修好"))

    rates = []
    for now in (nov(25, 12), nov(26, 12)):  # from the timeline, then from the daily tallies
        h.bot.clock.set(now)
        report = await figures(h, COORDINATOR, ["2026-11-25", "2026-11-25"])
        roads = next(m for m in report.departments if m.department == "roads")
        rates.append(roads.closing_rate)

    assert rates == [1.0, 1.0]  # the reopening is counted by the reopen rate instead


async def test_a_department_the_file_no_longer_lists_keeps_its_figures_for_the_period(
    november: History,
) -> None:
    org = november.deps.org
    water = org.department("water")
    assert water is not None
    without_water = dataclasses.replace(
        org,
        departments=tuple(d for d in org.departments if d.code != "water"),
        categories=tuple(c for c in org.categories if c.department != "water"),
        retired_departments=(water,),
    )
    before = await figures(november, COORDINATOR, ["2026-11"])
    november.deps = dataclasses.replace(november.deps, org=without_water)

    after = await figures(november, COORDINATOR, ["2026-11"])

    by_code = {m.department: m for m in after.departments}
    assert by_code["water"] == next(m for m in before.departments if m.department == "water")


async def test_call_backs_from_before_the_three_questions_count_for_satisfaction_alone(
    tmp_path: Path,
) -> None:
    """After migrations 0019 and 0021, a call-back recorded the old way keeps its verdict for
    the satisfaction rate, and its unasked questions count in neither the contact nor the
    solved rate (not as "no"): with nothing else, those two have no data."""
    at = int(nov(4, 11).timestamp())
    async with aiosqlite.connect(tmp_path / "old.sqlite3", isolation_level=None) as db:
        db.row_factory = aiosqlite.Row
        await migrate(db, [m for m in discover() if m.version < 19])
        await db.executescript(
            f"""
            INSERT INTO departments VALUES ('roads', '道路', 'Roads', NULL, 0, 1);
            INSERT INTO categories VALUES ('lamp', '路灯', 'Lamp', 'roads', 1, 2, 1, 2, 0, 1);
            INSERT INTO staff (id, telegram_id, name, role, department, joined_at)
                VALUES (1, 11, '王芳', 'worker', NULL, 0);
            INSERT INTO issues (id, number, status, description, category, department,
                                reporter_id, urgent, source, created_at, updated_at, handed_at,
                                citizen_phone, callback)
                VALUES (1, '2611-0001', 'closed', '灯不亮', 'lamp', 'roads', 1, 0, 'hotline',
                        0, 0, 0, '13812345678', 'satisfied');
            INSERT INTO issue_events (issue_id, at, actor_id, kind, department, verdict) VALUES
                (1, {at - 60}, 1, 'callback', 'roads', 'unreachable'),
                (1, {at}, 1, 'callback', 'roads', 'satisfied');
            """
        )
        await migrate(db)

        [roads] = await SqlMetrics(SqliteStatements(db)).counted(nov(4, 0), nov(5, 0))

    m = compute(roads)
    assert (roads.satisfied, roads.unreachable) == (1, 1)
    assert (roads.contacted, roads.not_contacted) == (0, 0)
    assert (roads.solved, roads.partly_solved, roads.not_solved) == (0, 0, 0)
    assert (m.satisfaction_rate, m.contact_rate, m.solved_rate) == (1.0, None, None)


async def test_the_call_backs_are_counted_from_their_own_covering_index(tmp_path: Path) -> None:
    """EXPLAIN QUERY PLAN on a database with no statistics (the bot never runs ANALYZE)."""
    async with aiosqlite.connect(tmp_path / "plan.sqlite3", isolation_level=None) as db:
        await migrate(db)
        query = f"EXPLAIN QUERY PLAN {sql_metrics._CALLBACKS}"
        params = {"start": 0, "end": 1}
        plan = " | ".join(row[3] for row in await db.execute_fetchall(query, params))

    assert (
        "USING COVERING INDEX issue_events_callback_answers (kind=? AND at>? AND at<?)" in plan
    ), plan


async def test_an_issue_merged_into_another_is_neither_a_late_handoff_nor_a_late_resolution(
    bot: Harness,
) -> None:
    """A duplicate merged after its deadlines passed (issue 19: the problem counts once): the
    one never answered and the one accepted and never resolved count in neither on-time rate,
    nor the accepted one in the closing rate, from the daily figures and the timeline alike."""
    h = History(bot)
    stays = await h.log(nov(2, 9), "中山路路灯不亮")
    unanswered = await h.log(nov(2, 9, 30), "同一盏灯")  # due 11:30, never answered
    unresolved = await h.log(nov(2, 10), "同一盏灯，又一位邻居")
    await h.step(nov(2, 10, 30), MEMBER, unresolved, Accept())  # resolve by the 5th, 10:00
    await h.step(nov(2, 10, 45), MEMBER, stays, Accept())
    await h.step(nov(4, 9), MEMBER, stays, Resolve("修好了"))
    coordinator = await h.person(COORDINATOR)
    bot.clock.set(nov(6, 9))  # both deadlines passed
    for goes in (unanswered, unresolved):
        await merging.merge(h.deps, coordinator, stays.id, goes.id)
    await h.step(nov(6, 10), REPORTER, stays, called(Solved.SOLVED, Verdict.SATISFIED))
    bot.clock.set(nov(30, 12))

    report = await figures(h, COORDINATOR, ["2026-11"])
    [roads] = [m for m in report.departments if m.department == "roads"]
    assert roads.on_time_acceptance_rate == 1.0  # 2 of 3 before: the merged one was late
    assert roads.on_time_resolution_rate == 1.0  # 1 of 2 before
    assert roads.closing_rate == 1.0  # 1 of 2 before: the one merged away never closes
    period = reports.choose_period(h.deps, ["2026-11"])
    async with h.deps.store.transaction() as tx:
        [straight] = [
            c
            for c in await tx.metrics.counted(period.start, nov(30, 12))
            if c.department == "roads"
        ]
    for measure in MEASURES:
        assert getattr(roads.counts, measure) == getattr(straight, measure), measure


@pytest.mark.parametrize(
    "words",
    [["2026-10-20", "2026-12-10"], ["2026-11-01", "2026-11-30"], ["2026-11-05", "2026-12-01"]],
)
async def test_whole_months_and_the_days_around_them_agree_with_counting_the_timeline(
    november: History, words: list[str]
) -> None:
    """A period of whole months and days before and after them: the months from their own
    figures (kept by the database as each day's change), the days from the days'."""
    await november.log(nov(2, 15), "G")  # a day's figure changed again: received on the 2nd
    november.bot.clock.set(datetime(2026, 12, 15, 12, 0, tzinfo=SHANGHAI))
    deps = november.deps
    period = reports.choose_period(deps, words)
    report = await figures(november, COORDINATOR, words)
    async with deps.store.transaction() as tx:
        straight = {c.department: c for c in await tx.metrics.counted(period.start, period.end)}

    roads = next(m for m in report.departments if m.department == "roads")
    assert roads.counts.received > 0
    for metrics in report.departments:
        counted = straight.get(metrics.department)
        for measure in MEASURES:
            assert getattr(metrics.counts, measure) == getattr(counted, measure, 0), measure
    people = {p.name: (p.closed_in_period, p.resolved_in_period) for p in report.workload}
    # A, which he handled: resolved on 4 November, 09:00 and closed at 11:00 that day.
    assert people["刘强"] == ((1, 1) if period.start <= nov(4, 9) < period.end else (0, 0))


async def test_a_heads_chart_by_month_has_each_months_figures_as_that_month_alone_would(
    november: History,
) -> None:
    """Over more than three months a head's chart goes by calendar month, each whole month read
    as one from its own figures: the same as asking for that month alone, day by day."""
    await november.log(nov(2, 15), "G")  # a day's figure changed again: received on the 2nd
    november.bot.clock.set(datetime(2026, 12, 15, 12, 0, tzinfo=SHANGHAI))

    report = await figures(november, HEAD, ["2026-08-20", "2026-12-10"])

    months = [(s.first, s.last) for s in report.trend]
    assert months[0] == (date(2026, 8, 20), date(2026, 8, 31)) and len(months) == 5
    for stretch in report.trend:
        alone = await figures(november, HEAD, [str(stretch.first), str(stretch.last)])
        [roads] = alone.departments
        assert stretch.department.counts == dataclasses.replace(
            roads.counts,
            open_now=0,
            overdue_now=0,
            accept_seconds=stretch.department.counts.accept_seconds,
            resolve_seconds=stretch.department.counts.resolve_seconds,
        ), stretch.first
    november_alone = next(s for s in report.trend if s.first == date(2026, 11, 1))
    assert november_alone.department.counts.received == 7  # A to G, all logged to roads
