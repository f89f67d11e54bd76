"""The writing connection (storage/sqlite/writer.py): each step's statements run at once on the
event loop's thread, and the steps that come while the disk syncs commit together. No step
returns before what it wrote, or read, is committed; a step that fails is undone alone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from casework.ports import StoreWriteFailed
from storage.sqlite.database import connect
from storage.sqlite.writer import Writer

pytestmark = pytest.mark.sqlite_only  # SQLite's own connection

ADD = "INSERT INTO departments (code, name_zh, name_en, position) VALUES (?, ?, ?, 1)"


class Commits:
    """The writer's commits, counted; with `hold` set, each waits until `release` is set."""

    def __init__(self, writer: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self.hold = False
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.fail_with: BaseException | None = None
        conn = writer._conn
        commit = conn.commit

        async def counted() -> None:
            self.count += 1
            self.started.set()
            if self.hold:
                await self.release.wait()
            if self.fail_with is not None:
                raise self.fail_with
            await commit()

        monkeypatch.setattr(conn, "commit", counted)


@pytest.fixture
async def writer(tmp_path: Path) -> AsyncIterator[Writer]:
    opened = await Writer.open(await connect(tmp_path / "db.sqlite3"))
    yield opened
    await opened.close()


@pytest.fixture
def commits(writer: Writer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Commits]:
    counted = Commits(writer, monkeypatch)
    yield counted
    counted.release.set()  # a commit held by a test that failed does not hold up the close


def on_disk(tmp_path: Path) -> set[str]:
    """The departments another connection sees: what is committed."""
    with sqlite3.connect(tmp_path / "db.sqlite3") as other:
        return {code for (code,) in other.execute("SELECT code FROM departments")}


def disk_full() -> sqlite3.Error:
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL
    full.sqlite_errorname = "SQLITE_FULL"
    return full


async def give_up_the_commit(writer: Writer) -> None:
    """Cancel the commit to come (as a stop cancelling every task would) before it begins."""
    commits = list(writer._committing)
    for commit in commits:
        commit.cancel()
    await asyncio.gather(*commits, return_exceptions=True)


async def none_kept_but_what_comes_next(writer: Writer, tmp_path: Path, lost: set[str]) -> None:
    """None of `lost` is on disk, even once the next step has committed after them."""
    await add(writer, "later")
    on = on_disk(tmp_path)
    assert "later" in on
    assert not lost & on


async def add(writer: Writer, code: str, fail: bool = False) -> None:
    async with writer.statements() as db:
        await db.execute(ADD, (code, code, code))
        if fail:
            raise ValueError(f"{code} failed after writing")


async def test_steps_that_come_together_are_committed_together(
    writer: Writer, tmp_path: Path, commits: Commits
) -> None:

    await asyncio.gather(*(add(writer, f"d{n}") for n in range(10)))

    assert on_disk(tmp_path) >= {f"d{n}" for n in range(10)}
    assert commits.count == 1


async def test_steps_that_come_while_the_disk_syncs_wait_for_the_next_commit(
    writer: Writer, tmp_path: Path, commits: Commits
) -> None:
    commits.hold = True
    first = asyncio.create_task(add(writer, "first"))
    await commits.started.wait()
    later = [asyncio.create_task(add(writer, f"later{n}")) for n in range(5)]
    commits.release.set()
    await asyncio.gather(first, *later)

    assert on_disk(tmp_path) >= {"first"} | {f"later{n}" for n in range(5)}
    assert commits.count == 2  # the first alone, then the five that waited for it, together


async def test_a_step_returns_only_once_its_change_is_committed(
    writer: Writer, tmp_path: Path, commits: Commits
) -> None:
    commits.hold = True
    step = asyncio.create_task(add(writer, "d1"))
    await commits.started.wait()

    assert not step.done()
    assert "d1" not in on_disk(tmp_path)
    commits.release.set()
    await step
    assert "d1" in on_disk(tmp_path)


async def test_a_step_that_read_an_uncommitted_change_waits_for_its_commit(
    writer: Writer, commits: Commits
) -> None:
    """What a step read (and may tell someone) cannot be lost after it returns."""
    commits.hold = True
    writing = asyncio.create_task(add(writer, "d1"))  # writes, and its commit is to come

    async def read() -> int:
        async with writer.statements() as db:
            row = await db.fetch_one("SELECT count(*) FROM departments WHERE code = 'd1'")
            assert row is not None
            return int(row[0])

    reading = asyncio.create_task(read())
    await commits.started.wait()
    assert not reading.done()
    commits.release.set()

    assert await reading == 1
    await writing


async def test_a_step_that_reads_with_nothing_uncommitted_commits_nothing(
    writer: Writer, commits: Commits
) -> None:
    async with writer.statements() as db:
        assert await db.fetch_all("SELECT code FROM departments WHERE code = 'none'") == []

    assert commits.count == 0


async def test_a_step_that_fails_among_others_is_undone_alone(
    writer: Writer, tmp_path: Path, commits: Commits
) -> None:
    before, failing, after = (
        add(writer, "before"),
        add(writer, "failing", fail=True),
        add(writer, "after"),
    )

    results = await asyncio.gather(before, failing, after, return_exceptions=True)

    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    assert {"before", "after"} <= on_disk(tmp_path)
    assert "failing" not in on_disk(tmp_path)
    assert commits.count == 1


async def test_a_first_step_that_fails_leaves_nothing_for_the_ones_after(
    writer: Writer, tmp_path: Path
) -> None:
    results = await asyncio.gather(
        add(writer, "failing", fail=True), add(writer, "after"), return_exceptions=True
    )

    assert isinstance(results[0], ValueError) and results[1] is None
    assert "after" in on_disk(tmp_path) and "failing" not in on_disk(tmp_path)


async def test_when_a_commit_fails_for_a_full_disk_every_step_in_it_is_told_and_none_is_kept(
    writer: Writer, tmp_path: Path, commits: Commits
) -> None:
    commits.fail_with = disk_full()

    results = await asyncio.gather(
        *(add(writer, f"d{n}") for n in range(3)), return_exceptions=True
    )

    assert all(isinstance(r, StoreWriteFailed) for r in results), results
    assert len({id(r) for r in results}) == 3  # each its own, naming its own cause
    assert not {"d0", "d1", "d2"} & on_disk(tmp_path)
    commits.fail_with = None  # the writer goes on once the disk has room
    await none_kept_but_what_comes_next(writer, tmp_path, {"d0", "d1", "d2"})


async def test_a_cancelled_step_that_wrote_is_committed_with_the_others(
    writer: Writer, tmp_path: Path, commits: Commits
) -> None:
    """Cancelled once its statements ran (a stop's deadline), it is as if it had finished:
    the update it handled is marked handled with it, so it is neither lost nor done twice."""
    commits.hold = True
    step = asyncio.create_task(add(writer, "d1"))
    await commits.started.wait()
    step.cancel()
    with pytest.raises(asyncio.CancelledError):
        await step
    commits.release.set()
    await writer.close()

    assert "d1" in on_disk(tmp_path)


class AlreadyThere(Exception):
    """A refusal, as a rule's would be ("it was already accepted")."""


@pytest.mark.parametrize("commit_fails", [False, True])
async def test_a_step_refused_on_an_uncommitted_change_is_answered_only_after_its_commit(
    writer: Writer, commits: Commits, commit_fails: bool
) -> None:
    """The refusal rests on the change it read: if that is not saved, neither is told."""
    commits.hold = True
    writing = asyncio.create_task(add(writer, "d1"))

    async def refuse() -> None:
        async with writer.statements() as db:
            if await db.fetch_one("SELECT 1 FROM departments WHERE code = 'd1'"):
                raise AlreadyThere("d1")

    refusing = asyncio.create_task(refuse())
    await commits.started.wait()
    assert not refusing.done()
    commits.fail_with = disk_full() if commit_fails else None
    commits.release.set()

    expected = StoreWriteFailed if commit_fails else AlreadyThere
    with pytest.raises(expected):
        await refusing
    [written] = await asyncio.gather(writing, return_exceptions=True)
    assert isinstance(written, StoreWriteFailed) if commit_fails else written is None


async def test_when_sqlite_rolls_the_whole_transaction_back_every_step_in_it_is_told(
    writer: Writer, tmp_path: Path
) -> None:
    """On a full disk or an I/O error SQLite may roll back more than the failed statement: the
    steps before it in the same commit lost their changes too."""

    async def full_disk_midway() -> None:
        async with writer.statements() as db:
            await db.execute(ADD, ("second", "second", "second"))
            await db.execute("ROLLBACK")  # what SQLite does itself on such an error
            raise disk_full()

    results = await asyncio.gather(add(writer, "first"), full_disk_midway(), return_exceptions=True)

    assert all(isinstance(r, StoreWriteFailed) for r in results), results
    await none_kept_but_what_comes_next(writer, tmp_path, {"first", "second"})


async def test_a_step_that_lost_its_savepoint_and_wrote_on_is_not_saved_nor_the_ones_before(
    writer: Writer, tmp_path: Path
) -> None:
    async def wrote_on() -> None:
        async with writer.statements() as db:
            await db.execute("ROLLBACK")
            await db.execute(ADD, ("late", "late", "late"))  # a transaction of its own

    results = await asyncio.gather(add(writer, "first"), wrote_on(), return_exceptions=True)

    assert all(isinstance(r, StoreWriteFailed) for r in results), results  # no savepoint left
    await none_kept_but_what_comes_next(writer, tmp_path, {"first", "late"})


async def test_a_commit_given_up_saves_none_of_the_steps_that_joined_it(
    writer: Writer, tmp_path: Path
) -> None:
    """Its task cancelled while a step that joined still runs (one that awaits something
    besides its statements holds the connection meanwhile)."""
    inside, go_on = asyncio.Event(), asyncio.Event()

    async def slow() -> None:
        async with writer.statements() as db:
            inside.set()
            await go_on.wait()
            await db.execute(ADD, ("late", "late", "late"))

    first = asyncio.create_task(add(writer, "first"))
    joined = asyncio.create_task(slow())
    await inside.wait()
    await give_up_the_commit(writer)  # the step that joined it still inside
    go_on.set()
    results = await asyncio.gather(first, joined, return_exceptions=True)

    assert all(isinstance(r, StoreWriteFailed) for r in results), results
    await none_kept_but_what_comes_next(writer, tmp_path, {"first", "late"})


async def test_a_refusal_resting_on_a_change_whose_commit_was_given_up_is_not_given(
    writer: Writer, tmp_path: Path
) -> None:
    read, go_on = asyncio.Event(), asyncio.Event()

    async def refuse() -> None:
        async with writer.statements() as db:
            found = await db.fetch_one("SELECT 1 FROM departments WHERE code = 'd1'")
            read.set()
            await go_on.wait()
            if found:
                raise AlreadyThere("d1")

    writing = asyncio.create_task(add(writer, "d1"))
    refusing = asyncio.create_task(refuse())
    await read.wait()
    await give_up_the_commit(writer)
    go_on.set()
    results = await asyncio.gather(writing, refusing, return_exceptions=True)

    assert all(isinstance(r, StoreWriteFailed) for r in results), results
    assert "d1" not in on_disk(tmp_path)


async def test_a_failed_commit_whose_rollback_fails_too_is_not_saved_by_the_next(
    writer: Writer, tmp_path: Path, commits: Commits, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def cannot_roll_back() -> None:
        raise sqlite3.OperationalError("cannot rollback")

    monkeypatch.setattr(writer._conn, "rollback", cannot_roll_back)
    commits.fail_with = disk_full()
    with pytest.raises(StoreWriteFailed):
        await add(writer, "lost")

    commits.fail_with = None
    await none_kept_but_what_comes_next(writer, tmp_path, {"lost"})
