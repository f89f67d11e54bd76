"""Group commit (runtime/grouping.py): the sender's workers that mark or record messages at the
same moment share one transaction, and one piece's failure stays its own."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from casework.ports import StoreWriteFailed
from runtime.grouping import GroupCommit


class Writes:
    """A fake `write`: it records each group, holds the first until `release` is set, and
    fails for a piece named "bad" (as a bug or a refused row would)."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.fail_with: BaseException | None = None

    async def __call__(self, pieces: Sequence[str]) -> list[str]:
        self.groups.append(list(pieces))
        self.started.set()
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        if "bad" in pieces:
            raise ValueError("a bad piece")
        return [piece.upper() for piece in pieces]


async def until_waiting(group: GroupCommit[str, str], count: int) -> None:
    """Let the tasks just started run up to where they wait: one turn of the loop (no time
    passes), in which each hands in its piece and waits for the group being written."""
    await asyncio.sleep(0)
    assert len(group._waiting) == count


Tasks = list[asyncio.Task[str]]


async def behind_a(group: GroupCommit[str, str], writes: Writes, *pieces: str) -> Tasks:
    """ "a" being written (held until `writes.release`), and `pieces` handed in meanwhile: the
    tasks, "a"'s first."""
    first = asyncio.create_task(group("a"))
    await writes.started.wait()
    others = [asyncio.create_task(group(piece)) for piece in pieces]
    await until_waiting(group, len(pieces))
    return [first, *others]


async def test_pieces_handed_in_while_a_group_is_written_go_together_in_the_next() -> None:
    writes = Writes()
    group = GroupCommit(writes)
    tasks = await behind_a(group, writes, "b", "c", "d")

    writes.release.set()
    results = await asyncio.gather(*tasks)

    assert results == ["A", "B", "C", "D"]
    assert writes.groups == [["a"], ["b", "c", "d"]]  # two transactions, not four


async def test_a_piece_that_fails_fails_alone_and_the_others_are_written() -> None:
    writes = Writes()
    group = GroupCommit(writes)
    tasks = await behind_a(group, writes, "b", "bad", "c")

    writes.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)

    assert results[:2] == ["A", "B"] and results[3] == "C"
    assert isinstance(results[2], ValueError)
    assert writes.groups[1:] == [["b", "bad", "c"], ["b"], ["bad"], ["c"]]


async def test_when_the_database_cannot_be_written_every_piece_of_the_group_hears_it() -> None:
    writes = Writes()
    group = GroupCommit(writes)
    tasks = await behind_a(group, writes, "b", "c")

    writes.fail_with = StoreWriteFailed("SQLITE_FULL")
    writes.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)

    assert all(isinstance(r, StoreWriteFailed) for r in results)
    assert writes.groups == [["a"], ["b", "c"]]  # not tried one by one: it cannot work


async def test_a_stop_that_cancels_the_writer_cancels_its_group_and_spares_the_next() -> None:
    writes = Writes()
    group = GroupCommit(writes)
    first = asyncio.create_task(group("a"))
    await writes.started.wait()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first

    writes.release.set()
    assert await group("b") == "B"  # the next group is written as usual
    assert writes.groups == [["a"], ["b"]]


async def test_a_piece_whose_task_is_gone_before_its_turn_is_not_written() -> None:
    writes = Writes()
    group = GroupCommit(writes)
    first = asyncio.create_task(group("a"))
    await writes.started.wait()
    gone = asyncio.create_task(group("b"))
    await until_waiting(group, 1)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone

    writes.release.set()
    assert await first == "A"
    assert await group("c") == "C"
    assert writes.groups == [["a"], ["c"]]  # "b" left with its task
