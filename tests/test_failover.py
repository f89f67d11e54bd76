"""A standby takes over when the active bot dies (issue 23, point 3).

Two `python bot.py` on one database, the second with STANDBY=true, against the fake Bot API:
the active one is killed (SIGKILL) in the middle of a reminder burst (the cards and reminders
of issues logged hours ago) and a flow of steps (a head writing notes; a worker answering the
questions that wait for their words); the standby takes over, a new standby starts beside it,
and again. Then: nothing saved is lost, nothing is applied twice, every message is delivered,
a message arrives twice only if it was in flight at a kill, and each takeover took less than
15 seconds. The same loop as tests/test_crash.py (tests/crashloop.py, `--failover`).

A killed process's connections close, and the server lets its lock go at once. A machine that
is gone closes nothing: the last test plays it over TCP with iptables (tests/network_cut.py;
skipped without root or iptables). Its active bot is frozen and every packet of its
connections dropped, and the server must find its sessions dead by their keepalives; it then
comes back, still cut off. In the next round the network is cut under a running bot. Each
must find its lock gone and stop by itself, sending nothing more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.exits import LEASE_LOST
from tests.crashloop import (
    CUT_OFF_STOPS_MOST,
    TAKEOVER_MOST,
    Ending,
    Report,
    Target,
    crash_loop,
)
from tests.network_cut import cut_off_available
from tests.postgres_server import Databases, over_tcp


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


async def test_a_standby_takes_over_from_a_bot_whose_machine_vanished_or_whose_network_was_cut(
    tmp_path: Path, postgres_databases: Databases
) -> None:
    if why := cut_off_available():
        pytest.skip(why)
    # Over TCP: a vanished machine's sessions are found dead by the server's keepalives only.
    database = Target(over_tcp(await postgres_databases.fresh()))

    report = await crash_loop(
        tmp_path,
        rounds=2,
        database=database,
        failover=True,
        endings=(Ending.VANISHED, Ending.CUT_OFF),
    )

    assert_nothing_lost_or_doubled(report, rounds=2)
    # Each found itself cut off and stopped, for a supervisor to start it again as a standby.
    assert [code for code, _ in report.cut_off] == [LEASE_LOST, LEASE_LOST]
    assert max(seconds for _, seconds in report.cut_off) < CUT_OFF_STOPS_MOST
