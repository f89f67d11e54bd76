"""The reminder ladder and quiet hours, without Telegram or a database."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.commands import Accept, AddNote
from casework.issues import Issue, Status, Verdict
from casework.notifications import Audience
from casework.organisation import ReminderPolicy
from casework.quiet import BadQuietHours, QuietHours
from casework.reminders import RungKind, ladder, plan
from casework.workdays import WorkCalendar
from tests.test_lifecycle import HEAD, issue, step

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = ReminderPolicy()
CALENDAR = WorkCalendar()
H = timedelta(hours=1)


def first(n: int, current: Issue) -> list[tuple[timedelta, RungKind, tuple[Audience, ...]]]:
    rungs = itertools.islice(ladder(current, POLICY, CALENDAR), n)
    return [(r.at - NOW, r.kind, r.audiences) for r in rungs]


def test_a_pending_issue_reminds_the_department_then_escalates_to_the_coordinators() -> None:
    pending = issue()  # respond within 2 h, from NOW

    assert first(6, dataclasses.replace(pending, phase_started_at=NOW)) == [
        (1 * H, RungKind.HALFWAY, (Audience.DEPARTMENT,)),
        (2 * H, RungKind.DEADLINE, (Audience.DEPARTMENT,)),
        (2 * H, RungKind.ESCALATION, (Audience.COORDINATORS,)),
        (6 * H, RungKind.OVERDUE, (Audience.DEPARTMENT,)),
        (10 * H, RungKind.OVERDUE, (Audience.DEPARTMENT,)),
        (14 * H, RungKind.OVERDUE, (Audience.DEPARTMENT,)),
    ]


def test_an_accepted_issue_reminds_the_handler_then_the_heads_then_the_coordinators() -> None:
    accepted = step(issue(), HEAD, Accept())

    rungs = first(9, accepted)

    assert rungs[:3] == [
        (36 * H, RungKind.HALFWAY, (Audience.HANDLER,)),
        (70 * H, RungKind.SOON, (Audience.HANDLER,)),
        (72 * H, RungKind.DEADLINE, (Audience.HANDLER,)),
    ]
    assert rungs[3] == (76 * H, RungKind.OVERDUE, (Audience.HANDLER, Audience.HEADS))
    assert (96 * H, RungKind.ESCALATION, (Audience.COORDINATORS,)) in rungs
    assert [r for r in rungs if r[1] is RungKind.OVERDUE][:5] == [
        (h * H, RungKind.OVERDUE, (Audience.HANDLER, Audience.HEADS)) for h in (76, 80, 84, 88, 92)
    ]


def test_a_resolved_issue_reminds_the_reporter_every_day() -> None:
    resolved = dataclasses.replace(issue(), status=Status.RESOLVED, phase_started_at=NOW)

    assert first(3, resolved) == [  # no citizen's phone: to confirm it closed
        (24 * H, RungKind.CONFIRM, (Audience.REPORTER,)),
        (48 * H, RungKind.CONFIRM, (Audience.REPORTER,)),
        (72 * H, RungKind.CONFIRM, (Audience.REPORTER,)),
    ]
    to_call = dataclasses.replace(resolved, citizen_phone="13812345678")
    assert first(2, to_call) == [  # to call the citizen back
        (24 * H, RungKind.CALLBACK, (Audience.REPORTER,)),
        (48 * H, RungKind.CALLBACK, (Audience.REPORTER,)),
    ]


def test_a_returned_issue_reminds_the_reporter_and_coordinators_to_reroute() -> None:
    returned = dataclasses.replace(issue(), status=Status.RETURNED, phase_started_at=NOW)

    assert first(2, returned) == [
        (2 * H, RungKind.REROUTE, (Audience.REPORTER, Audience.COORDINATORS)),
        (26 * H, RungKind.REROUTE, (Audience.REPORTER, Audience.COORDINATORS)),
    ]


def test_an_old_closed_issue_asks_for_its_call_back_three_times_at_most() -> None:
    """Closed before the three-question call-back, with a citizen to call, not called back."""
    closed = dataclasses.replace(
        issue(), status=Status.CLOSED, phase_started_at=NOW, citizen_phone="13812345678"
    )

    assert first(5, closed) == [
        (24 * H, RungKind.CALLBACK, (Audience.REPORTER,)),
        (48 * H, RungKind.CALLBACK, (Audience.REPORTER,)),
        (72 * H, RungKind.CALLBACK, (Audience.REPORTER,)),
    ]
    unreachable = dataclasses.replace(closed, callback=Verdict.UNREACHABLE)
    assert len(first(5, unreachable)) == 3  # could not reach: ask again


def test_recorded_call_backs_and_withdrawn_issues_have_no_reminders() -> None:
    done = dataclasses.replace(issue(), status=Status.CLOSED, callback=Verdict.SATISFIED)
    assert first(3, done) == []
    assert first(3, dataclasses.replace(issue(), status=Status.CLOSED)) == []  # nobody to call
    assert first(3, dataclasses.replace(issue(), status=Status.WITHDRAWN)) == []


def test_each_rung_is_planned_once_and_the_ladder_moves_on() -> None:
    pending = dataclasses.replace(issue(), phase_started_at=NOW)

    at_half = plan(pending, POLICY, CALENDAR, NOW + H)
    assert [r.kind for r in at_half.fire] == [RungKind.HALFWAY]
    assert at_half.next_at == NOW + 2 * H

    after = dataclasses.replace(pending, reminders_sent=at_half.passed)
    assert plan(after, POLICY, CALENDAR, NOW + H).fire == []  # the same sweep again: nothing twice


def test_after_a_long_stop_each_kind_of_reminder_goes_once_not_once_per_miss() -> None:
    pending = dataclasses.replace(issue(), phase_started_at=NOW)

    late = plan(pending, POLICY, CALENDAR, NOW + 30 * H)

    kinds = [(r.kind, r.audiences) for r in late.fire]
    assert kinds == [
        (RungKind.HALFWAY, (Audience.DEPARTMENT,)),
        (RungKind.DEADLINE, (Audience.DEPARTMENT,)),
        (RungKind.ESCALATION, (Audience.COORDINATORS,)),
        (RungKind.OVERDUE, (Audience.DEPARTMENT,)),
    ]
    # passed: halfway, deadline and escalation; 7 overdue (+6 h … +30 h); escalation at +26 h
    assert late.passed == 11
    assert late.next_at == NOW + 34 * H


def test_moving_on_starts_a_new_phase_with_a_fresh_ladder() -> None:
    pending = step(issue(), HEAD, AddNote("看一下"))
    accepted = step(pending, HEAD, Accept(), later=timedelta(minutes=30))

    assert accepted.phase == pending.phase + 1
    assert accepted.reminders_sent == 0
    # halfway through the 3 days to resolve, counted from the acceptance
    assert accepted.next_reminder_at == NOW + timedelta(minutes=30) + (72 * H - H / 2) / 2


@pytest.mark.parametrize(
    ("local", "quiet"),
    [("21:59", False), ("22:00", True), ("23:30", True), ("03:00", True), ("07:29", True),
     ("07:30", False), ("12:00", False)],
)  # fmt: skip
def test_quiet_hours_span_the_night(local: str, quiet: bool) -> None:
    hours = QuietHours(time(22, 0), time(7, 30))
    moment = datetime.combine(NOW.date(), time.fromisoformat(local), SHANGHAI)

    assert hours.contains(moment, SHANGHAI) is quiet
    released = hours.release(moment, SHANGHAI)
    if quiet:
        assert released.astimezone(SHANGHAI).time() == time(7, 30)
        assert timedelta(0) < released - moment <= timedelta(hours=9, minutes=30)
    else:
        assert released == moment


def test_quiet_hours_are_written_like_22_00_07_30_or_left_empty() -> None:
    assert QuietHours.parse("") is None
    assert str(QuietHours.parse("22:00-07:30")) == "22:00-07:30"
    for bad in ("22-7", "22:00", "25:00-07:00", "08:00-08:00"):
        with pytest.raises(BadQuietHours):
            QuietHours.parse(bad)


def test_the_organisation_file_can_change_the_ladder() -> None:
    from config.org import parse_organisation
    from tests.test_organisation_file import example

    raw = example()
    raw["reminders"] = {"quiet_hours": "", "overdue_every": "1h", "digest_at": "07:45"}

    policy = parse_organisation(raw).reminders

    assert policy.quiet_hours is None
    assert policy.overdue_every == H
    assert policy.digest_at == time(7, 45)
    assert policy.confirm_every == timedelta(days=1)
    assert parse_organisation(example()).reminders == ReminderPolicy()  # the defaults
