"""Deadlines in working days (工作日) on China's official calendar (issue 20).

The dates are real: in 2026 the National Day holiday runs from Thursday 1 October to Wednesday
7 October, and Saturday 10 October is a make-up working day (调休), as the State Council set
them and the package `chinesecalendar` records them. The test organisation counts a street
light's times in working days: respond within 1, resolve within 5 (urgent: 30 minutes, 2).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from casework.durations import WorkingDays
from casework.issues import Issue, Source, Status
from casework.reminders import RungKind
from casework.state_council import state_council
from casework.workdays import SHANGHAI, WorkCalendar, WorkingHours
from config.org import OrgFileError, load_organisation, parse_organisation
from emulator import BotApiEmulator, EmulatedUser
from emulator.server import visible_text
from rendering.i18n import texts
from rendering.reminders import reminder_list
from tests.flows import card_for, log_issue, rows
from tests.harness import TEST_ORG, FakeClock, Harness, settings_for, start_bot, stop_bot
from tests.test_organisation_file import EXAMPLE, example, problems

OFFICIAL = state_council()
CALENDAR = WorkCalendar(official=OFFICIAL)
H = timedelta(hours=1)
# The first year the installed package does not know (2027 with chinesecalendar 1.11.0).
UNKNOWN = OFFICIAL.last_year() + 1


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class UpTo2026:
    """The package as 1.11.0 is, whatever version is installed: it knows years up to 2026."""

    name = "chinesecalendar (up to 2026)"

    def knows(self, year: int) -> bool:
        return year <= 2026 and OFFICIAL.knows(year)

    def last_year(self) -> int:
        return 2026

    def is_workday(self, day: date) -> bool:
        return OFFICIAL.is_workday(day)


# The rules, on the calendar


def test_five_working_days_from_the_afternoon_before_national_day_end_after_the_holiday() -> None:
    handed = shanghai(2026, 9, 30, 15, 0)  # Wednesday afternoon; the holiday starts tomorrow

    due = CALENDAR.deadline(handed, 5)

    # 8, 9, 10 (the make-up Saturday), 12 and 13 October: not 5 October, in the holiday.
    assert due == shanghai(2026, 10, 13, 17, 30)


def test_a_make_up_saturday_counts_as_a_working_day_and_a_holiday_sunday_does_not() -> None:
    assert CALENDAR.is_workday(date(2026, 10, 10))  # Saturday, 调休
    assert not CALENDAR.is_workday(date(2026, 10, 11))  # the Sunday after it
    assert not CALENDAR.is_workday(date(2026, 10, 5))  # Monday, National Day

    # Handed over on Friday 9 October: one working day is the Saturday.
    assert CALENDAR.deadline(shanghai(2026, 10, 9, 14, 0), 1) == shanghai(2026, 10, 10, 17, 30)


def test_a_handoff_at_20_00_on_a_friday_counts_from_monday() -> None:
    friday_afternoon = CALENDAR.deadline(shanghai(2026, 12, 4, 14, 0), 5)
    friday_evening = CALENDAR.deadline(shanghai(2026, 12, 4, 20, 0), 5)
    saturday = CALENDAR.deadline(shanghai(2026, 12, 5, 10, 0), 5)

    assert friday_afternoon == shanghai(2026, 12, 11, 17, 30)  # received on the Friday
    assert friday_evening == shanghai(2026, 12, 14, 17, 30)  # received on Monday
    assert saturday == friday_evening


def test_a_year_the_package_does_not_know_is_counted_from_the_files_days() -> None:
    file = WorkCalendar(
        official=UpTo2026(),
        holidays=frozenset({date(2027, 1, 1)}),  # New Year's Day, a Friday
        workdays=frozenset({date(2027, 1, 9)}),  # say, a local make-up Saturday
    )
    weekends_only = WorkCalendar(official=UpTo2026())
    handed = shanghai(2026, 12, 30, 15, 0)  # Wednesday

    # 31 Dec; (1 Jan off); 4, 5, 6, 7 Jan.
    assert file.deadline(handed, 5) == shanghai(2027, 1, 7, 17, 30)
    assert file.deadline(shanghai(2027, 1, 8, 10, 0), 1) == shanghai(2027, 1, 9, 17, 30)
    assert file.covers(2027) and file.uncovered([2026, 2027]) == []
    # Without the file's days: Monday to Friday, 1 January a working day.
    assert weekends_only.deadline(handed, 5) == shanghai(2027, 1, 6, 17, 30)
    assert weekends_only.uncovered([2026, 2027]) == [2027]


def test_the_package_installed_knows_2026_and_its_first_unknown_year_counts_weekends_only() -> None:
    assert OFFICIAL.knows(2026) and not OFFICIAL.knows(UNKNOWN)
    assert CALENDAR.uncovered([2026, UNKNOWN]) == [UNKNOWN]
    first_monday = next(d for d in (date(UNKNOWN, 1, n) for n in range(1, 8)) if d.weekday() == 0)
    assert CALENDAR.is_workday(first_monday)
    assert not CALENDAR.is_workday(first_monday - timedelta(days=1))


def test_working_time_and_the_working_days_left_skip_nights_weekends_and_holidays() -> None:
    start, due = shanghai(2026, 9, 30, 15, 0), shanghai(2026, 10, 13, 17, 30)

    # 2.5 hours on 30 September, 8.5 on each of 8, 9, 10, 12 and 13 October.
    assert CALENDAR.working_time(start, due) == 45 * H
    assert CALENDAR.after(start, 22.5 * H) == shanghai(2026, 10, 10, 12, 0)
    assert CALENDAR.before(due, 2 * H) == shanghai(2026, 10, 13, 15, 30)
    assert CALENDAR.before(due, 10 * H) == shanghai(2026, 10, 12, 16, 0)
    assert CALENDAR.workdays_left(shanghai(2026, 10, 9, 10, 0), due) == 4
    assert CALENDAR.workdays_left(shanghai(2026, 10, 9, 18, 0), due) == 3  # Friday is over
    assert CALENDAR.next_open(shanghai(2026, 10, 1, 8, 0)) == shanghai(2026, 10, 8, 9, 0)


# The organisation file


def with_calendar(**calendar: Any) -> dict[str, Any]:
    raw = example()
    raw["calendar"] = calendar
    return raw


def test_the_shipped_example_times_routine_work_in_working_days_and_urgent_work_in_hours() -> None:
    org = load_organisation(EXAMPLE)

    pothole, building = org.category("pothole"), org.category("illegal_building")
    assert pothole is not None and building is not None
    assert pothole.resolve_within == WorkingDays(5)
    assert building.resolve_within == WorkingDays(15)
    assert pothole.urgent_resolve_within == timedelta(hours=24)
    assert org.calendar.hours == WorkingHours.parse("09:00-17:30")


def test_the_file_takes_working_days_for_a_categorys_times_and_its_calendar() -> None:
    raw = with_calendar(
        working_hours="08:30-17:00", holidays=[date(2027, 1, 1)], workdays=["2027-01-09"]
    )
    raw["categories"][0]["resolve_within"] = "5wd"

    org = parse_organisation(raw)

    assert org.categories[0].resolve_within == WorkingDays(5)
    assert org.calendar.hours == WorkingHours.parse("08:30-17:00")
    assert org.calendar.holidays == {date(2027, 1, 1)}
    assert org.calendar.workdays == {date(2027, 1, 9)}
    assert org.calendar.official is not None and org.calendar.official.knows(2026)


@pytest.mark.parametrize(
    ("where", "value", "says"),
    [
        ("resolve_within", "5wk", "'5wk' is not a time like 2h, 3d or 5wd"),
        ("resolve_within", "0wd", "'0wd' must be longer than zero"),
        ("respond_within", "5 workdays", "'5 workdays' is not a time like 2h, 3d or 5wd"),
    ],
)
def test_a_bad_unit_in_a_categorys_time_is_refused_with_a_clear_line(
    where: str, value: str, says: str
) -> None:
    raw = example()
    raw["categories"][1][where] = value

    [line] = problems(raw)
    assert line.startswith(f'org.toml: [[categories]] "pothole" {where}: {says}')


def test_working_days_are_refused_where_only_a_duration_makes_sense() -> None:
    raw = example()
    raw["reminders"]["overdue_every"] = "1wd"

    assert problems(raw) == [
        "org.toml: reminders.overdue_every: '1wd': working days (wd) are for a category's"
        " times only; write 90s, 30m, 2h or 3d here"
    ]


@pytest.mark.parametrize(
    ("hours", "says"),
    [
        ("17:30-09:00", "'17:30-09:00' does not start before it ends"),
        ("9-5", "'9-5' is not like 09:00-17:30"),
        ("09:00-25:00", "'09:00-25:00' is not like 09:00-17:30"),
        (930, "930 is not like 09:00-17:30"),
    ],
)
def test_bad_working_hours_are_refused_with_a_clear_line(hours: object, says: str) -> None:
    [line] = problems(with_calendar(working_hours=hours))

    assert line.startswith(f"org.toml: calendar.working_hours: {says}")


def test_a_day_both_off_and_working_or_not_a_day_is_refused() -> None:
    assert problems(with_calendar(holidays=["2027-02-30"])) == [
        "org.toml: calendar.holidays.0: '2027-02-30' is not a day like 2027-01-01"
    ]
    assert problems(with_calendar(holidays=["2027-01-01"], workdays=[date(2027, 1, 1)])) == [
        "org.toml: calendar: 2027-01-01: listed as a holiday and as a working day; keep one"
    ]
    with pytest.raises(OrgFileError):
        parse_organisation(with_calendar(weekends=["sat"]))


# The bot


def org_file(tmp_path: Path, calendar: str = "") -> Path:
    """The test organisation, its street lights timed in working days."""
    text = TEST_ORG.read_text("utf-8").replace(
        'respond_within = "2h"\nresolve_within = "3d"\n'
        'urgent_respond_within = "30m"\nurgent_resolve_within = "24h"',
        'respond_within = "1wd"\nresolve_within = "5wd"\n'
        'urgent_respond_within = "30m"\nurgent_resolve_within = "2wd"',
    )
    assert "5wd" in text
    path = tmp_path / "org.toml"
    path.write_text(text + calendar, "utf-8")
    return path


@pytest.fixture
async def workdays_bot(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Harness]:
    clock.set(shanghai(2026, 9, 30, 15, 0))  # the afternoon before the National Day holiday
    harness = await start_bot(api, settings_for(api, tmp_path, org_file=org_file(tmp_path)), clock)
    yield harness
    await stop_bot(harness)
    assert not harness.tracking.errors


def count(person: EmulatedUser, text: str) -> int:
    """Messages that said `text` when they arrived (cards are edited later)."""
    return sum(text in (m.history[0] if m.history else m.text) for m in person.messages)


async def until(bot: Harness, moment: datetime, step: timedelta = H) -> None:
    """Sweep every `step` up to `moment`, as the bot does."""
    while bot.clock.now() + step <= moment:
        bot.clock.advance(step)
        await bot.sweep()
    bot.clock.set(moment)
    await bot.sweep()


async def test_a_handoff_before_national_day_is_due_after_it_and_cards_say_working_days(
    workdays_bot: Harness,
) -> None:
    bot = workdays_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    number = await log_issue(worker)

    card = card_for(head, number)
    assert "⏰ 请于 10月8日 17:30 前签收或退回（时限 1 个工作日）" in card.text
    # Stored once, as moments, with the working days they were given.
    [(respond_by, respond_workdays, resolve_by, resolve_workdays)] = await rows(
        bot, "SELECT respond_by, respond_workdays, resolve_by, resolve_workdays FROM issues"
    )
    assert (respond_by, respond_workdays) == (shanghai(2026, 10, 8, 17, 30).timestamp(), 1)
    assert (resolve_by, resolve_workdays) == (shanghai(2026, 10, 13, 17, 30).timestamp(), 5)

    await head.press(card, "签收")
    assert "⏰ 请于 10月13日 17:30 前办结（时限 5 个工作日）" in card_for(head, number).text


async def test_a_deadline_set_stays_when_the_calendar_changes_later(
    workdays_bot: Harness,
) -> None:
    bot = workdays_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    number = await log_issue(worker)
    await head.press(card_for(head, number), "签收")
    before = await rows(bot, "SELECT respond_by, resolve_by, resolve_workdays FROM issues")

    # A local day off on 12 October, added to the file afterwards.
    path = bot.settings.org_file
    path.write_text(path.read_text("utf-8") + "\n[calendar]\nholidays = [2026-10-12]\n", "utf-8")
    await bot.restart()
    await until(bot, shanghai(2026, 10, 8, 10, 0))

    assert await rows(bot, "SELECT respond_by, resolve_by, resolve_workdays FROM issues") == before
    await head.send(f"/find {number}")
    assert f"{number} 路灯故障 · 办理中 · 10月13日 17:30 前到期" in head.last.text
    # A new one gets the new calendar: 9, 10, 13, 14 and 15 October.
    second = await log_issue(worker, "乙路灯")
    await head.press(card_for(head, second), "签收")
    assert "请于 10月15日 17:30 前办结（时限 5 个工作日）" in card_for(head, second).text


async def test_half_time_and_before_the_deadline_are_working_time_and_say_working_days_left(
    workdays_bot: Harness,
) -> None:
    bot = workdays_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    number = await log_issue(worker)
    await head.press(card_for(head, number), "签收")

    # Through the holiday week, sweeping every hour: nothing (calendar half time would be
    # 7 October, in the holiday).
    await until(bot, shanghai(2026, 10, 10, 11, 59))
    assert count(head, "距办结时限") == 0

    # Half of the 45 working hours: noon on the make-up Saturday.
    await until(bot, shanghai(2026, 10, 10, 12, 0), step=timedelta(minutes=1))
    assert count(head, f"⏰ 催办：{number} 距办结时限还剩 3 个工作日。") == 1

    # Two working hours before the deadline: 15:30 on its day, said in hours.
    await until(bot, shanghai(2026, 10, 13, 15, 29))
    assert count(head, "距办结时限") == 1
    await until(bot, shanghai(2026, 10, 13, 15, 30), step=timedelta(minutes=1))
    assert count(head, f"⏰ 催办：{number} 距办结时限还剩 2 小时。") == 1

    await until(bot, shanghai(2026, 10, 13, 17, 30), step=timedelta(minutes=30))
    assert count(head, f"{number} 已到办结时限") == 1  # at the close of working hours


async def test_routine_reminders_wait_for_working_hours_and_urgent_ones_do_not(
    workdays_bot: Harness,
) -> None:
    bot = workdays_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    routine = await log_issue(worker, "甲路灯")
    urgent = await log_issue(worker, "乙路灯", urgent=True)
    for number in (routine, urgent):
        await head.press(card_for(head, number), "签收")
    # Routine: due 13 October 17:30; urgent, two working days: 9 October 17:30.

    # Four hours past the urgent one's deadline: 21:30 on Friday, and it goes at once.
    await until(bot, shanghai(2026, 10, 9, 21, 30), step=timedelta(minutes=30))
    assert count(head, f"⚠️ 催办：{urgent} 已超过办结时限 4 小时") == 1

    # The routine one: four hours past its deadline is 21:30; it waits for the morning.
    await until(bot, shanghai(2026, 10, 13, 21, 30), step=timedelta(minutes=30))
    assert count(head, f"{routine} 已超过办结时限") == 0
    await until(bot, shanghai(2026, 10, 14, 8, 59))
    assert count(head, f"{routine} 已超过办结时限") == 0
    await until(bot, shanghai(2026, 10, 14, 9, 0), step=timedelta(minutes=1))
    assert count(head, f"⚠️ 催办：{routine} 已超过办结时限 15 小时 30 分钟") == 1


async def test_a_handoff_at_20_00_on_a_friday_waits_for_monday_and_nothing_fires_on_the_weekend(
    workdays_bot: Harness,
) -> None:
    bot = workdays_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    bot.clock.set(shanghai(2026, 12, 4, 20, 0))
    number = await log_issue(worker)

    card = card_for(head, number)
    assert "⏰ 请于 12月8日 17:30 前签收或退回（时限 1 个工作日）" in card.text
    await until(bot, shanghai(2026, 12, 7, 9, 0))  # the weekend
    assert count(head, f"{number} 距签收时限") == 0
    await head.press(card_for(head, number), "签收")
    assert "⏰ 请于 12月14日 17:30 前办结（时限 5 个工作日）" in card_for(head, number).text


async def started_in(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock, calendar: str = ""
) -> Harness:
    clock.set(shanghai(UNKNOWN - 1, 12, 1, 10, 0))
    return await start_bot(
        api, settings_for(api, tmp_path, org_file=org_file(tmp_path, calendar)), clock
    )


async def test_a_year_the_calendar_lacks_is_said_at_start_up_and_told_to_coordinators_once(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # Both opened their chats with the bot before this start: the notice queued at start-up
    # reaches the coordinator whether it goes before or after anything they send now.
    api.known_chats.update({9001, 2001})
    bot = await started_in(api, tmp_path, clock)
    try:
        coordinator, head = bot.user(9001, "周敏"), bot.user(2001, "建国")
        await coordinator.send("/start")
        await head.send("/start")
        await bot.sweep()
        await bot.restart()
        await bot.sweep()
        bot.clock.advance(timedelta(days=1))
        await bot.sweep()
        await bot.drain()  # what the bots queued, delivered (the first may have stopped first)

        told = f"📅 节假日日历尚无 {UNKNOWN} 年的安排（官方日历只到 {UNKNOWN - 1} 年）"
        assert count(coordinator, told) == 1
        assert count(head, "节假日日历") == 0
        said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert sum(f"working days: {UNKNOWN} is in neither" in line for line in said) == 2

        # The bot still works: a deadline into that year counts Monday to Friday.
        worker = bot.user(1001, "王芳")
        bot.clock.set(shanghai(UNKNOWN - 1, 12, 31, 10, 0))
        number = await log_issue(worker)
        [(respond_by,)] = await rows(bot, "SELECT respond_by FROM issues")
        due = datetime.fromtimestamp(respond_by, SHANGHAI)
        assert due.year == UNKNOWN and due.weekday() < 5 and number
    finally:
        await stop_bot(bot)


async def test_a_year_the_file_covers_is_neither_warned_of_nor_told(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    calendar = f'\n[calendar]\nholidays = [{UNKNOWN}-01-01]\nworking_hours = "08:30-17:00"\n'
    bot = await started_in(api, tmp_path, clock, calendar)
    try:
        coordinator = bot.user(9001, "周敏")
        await coordinator.send("/start")
        await bot.sweep()

        assert count(coordinator, "节假日日历") == 0
        assert not [r for r in caplog.records if "is in neither" in r.getMessage()]
        assert any("working hours 08:30-17:00" in r.getMessage() for r in caplog.records)
    finally:
        await stop_bot(bot)


def test_a_list_of_reminders_says_working_days_left_for_a_working_day_deadline() -> None:
    org = load_organisation(TEST_ORG)
    now, handed = shanghai(2026, 10, 9, 10, 0), shanghai(2026, 9, 30, 15, 0)
    due = shanghai(2026, 10, 13, 17, 30)

    def accepted(n: int, workdays: int | None) -> tuple[Issue, RungKind]:
        issue = Issue(
            id=n, number=f"2609-000{n}", status=Status.ACCEPTED, description="路灯不亮",
            category="streetlight", department="roads", reporter_id=1, urgent=False,
            source=Source.HOTLINE, created_at=handed, updated_at=handed, handed_at=handed,
            respond_by=None, resolve_by=due, resolve_workdays=workdays,
        )  # fmt: skip
        return issue, RungKind.HALFWAY

    listed = [accepted(1, 5), accepted(2, None)]
    text = visible_text(reminder_list(listed, now, texts("zh"), org, SHANGHAI), "HTML")

    # 9, 10 (the make-up Saturday), 12 and 13 October; in calendar time, 4 days 7.5 hours.
    assert "⏰ 距办结时限还剩 4 个工作日（10月13日 17:30 前），请按时办结。" in text
    assert "⏰ 距办结时限还剩 4 天 7 小时（10月13日 17:30 前），请按时办结。" in text


async def test_a_half_time_reminder_falling_at_the_close_of_the_day_waits_for_the_morning(
    workdays_bot: Harness,
) -> None:
    bot = workdays_bot
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    bot.clock.set(shanghai(2026, 12, 4, 20, 0))  # Friday evening: received on Monday
    number = await log_issue(worker)  # to accept within 1 working day: Tuesday 17:30

    # Half of Monday's and Tuesday's working hours ends at Monday's close, 17:30: not then.
    await until(bot, shanghai(2026, 12, 7, 17, 30), step=timedelta(minutes=30))
    await until(bot, shanghai(2026, 12, 8, 8, 59))
    assert count(head, f"{number} 距签收时限") == 0
    await until(bot, shanghai(2026, 12, 8, 9, 0), step=timedelta(minutes=1))
    assert count(head, f"{number} 距签收时限") == 1
