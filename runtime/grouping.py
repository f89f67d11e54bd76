"""Group commit: many tasks each hand in one piece of work, and the pieces handed in while one
group is being written go together in the next group, in one transaction.

The sender's chat workers each mark a message as being sent, and record it once Telegram has
it. Alone, each of those is a transaction of its own (a durable commit, and trips to the
database thread); under load, several workers reach the same point at once, and one
transaction serves them all (issue 22). Nobody waits for a group to fill: the first to come
writes at once, alone if alone, and whoever comes meanwhile goes in the next group.

The first waiting worker writes each group, in its own task, so a stop that cancels it cancels
the group: the others in it are cancelled too (their work is not done; it is done again after
the restart, as for a worker cancelled alone). A group that fails for one piece's sake (a bug,
a row the rules refuse) is written again one piece at a time, so only that piece fails; one
that fails because the database cannot be written fails for all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from casework.ports import StoreWriteFailed

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(self, write: Callable[[Sequence[T]], Awaitable[Sequence[R]]]) -> None:
        """`write` does the work of a group in one transaction, a result for each piece."""
        self._write = write
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._lock = asyncio.Lock()

    async def __call__(self, piece: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        entry = (piece, done)
        self._waiting.append(entry)
        try:
            await self._lock.acquire()
        except asyncio.CancelledError:  # gone before its turn: its piece is not written
            if entry in self._waiting:
                self._waiting.remove(entry)
            raise
        try:
            if not done.done():  # not written by the group before: this task writes the next
                group, self._waiting = self._waiting, []
                await self._write_group(group)
        finally:
            self._lock.release()
        return done.result()

    async def _write_group(self, group: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._write([piece for piece, _ in group])
        except StoreWriteFailed as exc:
            for _, done in group:
                done.set_exception(exc)
            return
        except Exception:
            if len(group) == 1:
                raise
            await self._one_at_a_time(group)
            return
        except BaseException:  # cancelled: so is the group
            for _, done in group:
                done.cancel()
            raise
        for (_, done), result in zip(group, results, strict=True):
            done.set_result(result)

    async def _one_at_a_time(self, group: list[tuple[T, asyncio.Future[R]]]) -> None:
        for n, (piece, done) in enumerate(group):
            try:
                (result,) = await self._write([piece])
            except Exception as exc:
                done.set_exception(exc)
            except BaseException:
                for _, left in group[n:]:
                    left.cancel()
                raise
            else:
                done.set_result(result)
