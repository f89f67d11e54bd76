"""A standby takes over when the active bot dies (issue 23, point 3).

Two `python bot.py` on one database, the second with STANDBY=true, against the fake Bot API:
the active one is killed (SIGKILL) in the middle of a reminder burst (the cards and reminders
of issues logged hours ago) and a flow of steps (a head writing notes; a worker answering the
questions that wait for their words); the standby takes over, a new standby starts beside it,
and again. Then: nothing saved is lost, nothing is applied twice, every message is delivered,
a message arrives twice only if it was in flight at a kill, and each takeover took less than
15 seconds. The same loop as tests/test_crash.py (tests/crashloop.py, `--failover`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crashloop import TAKEOVER_MOST, Report, Target, crash_loop
from tests.postgres_server import Databases


def assert_nothing_lost_or_doubled(report: Report, rounds: int) -> None:
    assert report.notes_applied_twice == 0
    assert report.notes_lost == 0
    assert report.undelivered == 0
    assert report.repeats <= report.could_repeat
    assert report.messages_expected >= 20 * 3  # the burst: the seeded issues' cards, at least
    assert report.photo_notes_lost == report.photo_notes_applied_twice == 0
    assert report.typed_notes_lost == report.typed_notes_applied_twice == 0
    assert report.integrity_failures == 0
    assert len(report.takeovers) == rounds
    assert max(report.takeovers) < TAKEOVER_MOST, report.takeovers


async def test_a_standby_on_postgresql_takes_over_each_time_the_active_bot_is_killed(
    tmp_path: Path, postgres_databases: Databases
) -> None:
    database = Target(await postgres_databases.fresh())

    report = await crash_loop(tmp_path, rounds=3, database=database, failover=True)

    assert_nothing_lost_or_doubled(report, rounds=3)


@pytest.mark.sqlite_only
async def test_a_second_bot_on_one_sqlite_file_waits_and_takes_over_instead_of_sending_twice(
    tmp_path: Path,
) -> None:
    report = await crash_loop(tmp_path, rounds=2, failover=True)

    assert_nothing_lost_or_doubled(report, rounds=2)
