"""Kill the bot with SIGKILL while it works, start it again: nothing is lost, nothing doubled.

The short version of the crash loop (`python -m tests.crashloop` runs it for longer): the bot
is a separate process (`python bot.py`) against the fake Bot API, with issues whose cards and
reminders are due, a head writing notes all the while and a worker answering questions that
wait for their words (a note's photo with its caption, a typed note, `/new` while one waits); it
is killed at random moments and started again, five times; on the run's engine (SQLite, or
PostgreSQL in the suite's second run).
"""

from __future__ import annotations

from pathlib import Path

from tests.crashloop import Report, Target, crash_loop
from tests.harness import database_url_for


def on_this_runs_engine(tmp_path: Path) -> Target:
    """The run's database: a SQLite file in the test's folder, or a PostgreSQL database."""
    return Target(database_url_for(tmp_path))


async def test_killed_at_random_moments_and_restarted_no_step_is_lost_or_applied_twice(
    tmp_path: Path,
) -> None:
    report = await crash_loop(tmp_path, rounds=5, database=on_this_runs_engine(tmp_path))

    nothing_lost_nothing_doubled(report)


async def test_by_webhook_killed_at_random_moments_and_restarted_no_step_is_lost_or_applied_twice(
    tmp_path: Path,
) -> None:
    report = await crash_loop(
        tmp_path, rounds=5, webhook=True, database=on_this_runs_engine(tmp_path)
    )

    nothing_lost_nothing_doubled(report)


def nothing_lost_nothing_doubled(report: Report) -> None:
    assert report.integrity_failures == 0  # SQLite's PRAGMA integrity_check after every kill
    assert report.notes_applied_twice == 0  # updates delivered again are applied once
    assert report.undelivered == 0  # every saved change has all its messages delivered
    assert report.repeats <= report.could_repeat  # repeats only of messages in flight at a kill
    assert report.messages_expected >= 20 * 3  # the cards of the seeded issues, at least
    assert report.notes_lost == 0  # one killed before its commit is handled after the restart
    # The steps that answer a waiting question: each once, none lost; after every kill the
    # worker's question and draft are what their last update marked handled left.
    assert report.photo_notes_sent > 0 and report.new_while_asked_sent > 0
    assert report.photo_notes_lost == report.photo_notes_applied_twice == 0
    assert report.typed_notes_lost == report.typed_notes_applied_twice == 0
    assert report.states_unlike_the_last_step == 0
