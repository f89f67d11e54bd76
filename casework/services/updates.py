"""Telegram updates, durably: kept when fetched, each step applied exactly once.

Fetching a batch of updates confirms the previous batch to Telegram. Updates are therefore
written to the database as they arrive, and handled from there after a restart if the bot died
first. An update is marked handled in the same transaction as the change it causes (the first
one during its handling that changes anything, with the outbox messages it queues): a crash
before that commit leaves the update to be handled again after the restart, a crash after it
leaves it done; the mark's primary key makes a second application fail and roll back. An update
that changes nothing (a list, a card shown) is marked when its handling ends; one that failed
and was answered with "may not have been saved" is marked too. Replies sent before a crash may
be sent again after it (Telegram cannot make a send idempotent).

The update being handled is kept in a context variable for its handling's task (runtime/
ordering.py sets it, the gate arms it once the person's own step may follow): the store calls
`mark_with_the_change` just before each commit that changed something.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from casework import errors
from casework.ports import CommitHook, Transaction
from casework.services import Deps
from casework.services.health import Pulse


@dataclass
class Handling:
    """The update being handled in this task, and whether it is marked handled yet."""

    update_id: int
    armed: bool = False  # past the gate: the next change is its step's, and carries the mark
    marked: bool = False
    marking: bool = False  # `mark` is writing it in a transaction of its own


_HANDLING: ContextVar[Handling | None] = ContextVar("handling", default=None)


@contextmanager
def handling(update_id: int) -> Iterator[Handling]:
    """For the handling of one update (in its own task): what `arm` and the store's hook see."""
    handled = Handling(update_id)
    token = _HANDLING.set(handled)
    try:
        yield handled
    finally:
        _HANDLING.reset(token)


def being_handled() -> Handling | None:
    """The update this task is handling, if any."""
    return _HANDLING.get()


def arm() -> None:
    """The gate let the update through: the next transaction that changes anything is its
    step's (the gate's own writes, such as a new Telegram name noted, come before and do not
    carry the mark: they are the same when done again)."""
    handled = _HANDLING.get()
    if handled is not None:
        handled.armed = True


def before_commit(deps: Deps) -> CommitHook:
    """The store's hook (`Store.before_commit`): the update's mark, in the transaction of the
    change it causes."""

    async def mark_with_the_change(tx: Transaction) -> None:
        handled = _HANDLING.get()
        if handled is None or not handled.armed or handled.marked or handled.marking:
            return
        if not await tx.updates.first_time(handled.update_id, deps.clock.now()):
            raise errors.StaleStep()  # applied already (delivered twice at once): roll back
        handled.marked = True

    return mark_with_the_change


async def finish(deps: Deps, handled: Handling) -> None:
    """The update's handling ended: marked now if no change carried the mark (it changed
    nothing, or stopped at the gate)."""
    if not handled.marked:
        await mark(deps, handled.update_id)


class Fresh:
    """The updates fetched that the database had never seen (neither handled nor kept): the
    gate need not ask it whether they were handled (a trip to the database thread saved for
    almost every update, issue 22). Only a copy of an update already kept can repeat, and it is
    not fresh: an update left from before a restart, or fetched again, is asked about as before.
    The database says which are fresh, as it keeps them; this holds that answer until the gate
    takes it (the most recent `limit`: an update no handler takes never reaches the gate)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._ids: dict[int, None] = {}
        self._limit = limit

    def add(self, update_ids: Sequence[int]) -> None:
        for update_id in update_ids:
            self._ids[update_id] = None
        while len(self._ids) > self._limit:
            del self._ids[next(iter(self._ids))]

    def take(self, update_id: int) -> bool:
        """Whether the update is fresh (once: a second copy of it is not)."""
        return self._ids.pop(update_id, False) is None


async def keep(
    deps: Deps,
    updates: Sequence[tuple[int, str]],
    fresh: Fresh | None = None,
    pulse: Pulse | None = None,
) -> None:
    """Keep fetched updates until handled (`fresh` learns which the database had never seen,
    once that is committed). Every answered fetch, empty or not, is the updates' heartbeat
    (`pulse`, written when due: with the updates, or alone)."""
    now = deps.clock.now()
    beat = pulse is not None and pulse.due(now)
    if not updates and not beat:
        return
    async with deps.store.transaction() as tx:
        kept = await tx.updates.keep(updates, now) if updates else []
        if beat:
            assert pulse is not None
            await pulse.write(tx, now)
    if beat:
        assert pulse is not None
        pulse.written(now)
    if fresh is not None:
        fresh.add(kept)


async def unhandled(deps: Deps) -> list[tuple[int, str]]:
    async with deps.store.transaction() as tx:
        return await tx.updates.unhandled()


async def mark(deps: Deps, update_id: int) -> None:
    """Mark the update handled in a transaction of its own (marked in memory only once that
    commits: if it fails, the end of the update's handling tries again)."""
    handled = _HANDLING.get()
    ours = handled if handled is not None and handled.update_id == update_id else None
    if ours is not None:
        ours.marking = True  # the hook must not write it a second time in this transaction
    try:
        async with deps.store.transaction() as tx:
            await tx.updates.first_time(update_id, deps.clock.now())
    finally:
        if ours is not None:
            ours.marking = False
    if ours is not None:
        ours.marked = True


async def answered_with_an_error(deps: Deps, update_id: int) -> None:
    """The person was told their action may not have been saved, and will send it again if
    they still want it: it must not also be handled again after a restart."""
    await mark(deps, update_id)
