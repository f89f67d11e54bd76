"""Telegram updates, durably: kept when fetched, handled once.

Fetching a batch of updates confirms the previous batch to Telegram. Updates are therefore
written to the database as they arrive, and handled from there after a restart if the bot died
first. Each is marked handled just before it is handled: a repeat delivery is skipped, and a
crash in the middle of handling one loses that one message (the person sees no answer and can
send it again) rather than applying it twice. (The mark is made by `access.admit`, in the same transaction that
finds who sent the update.)
"""

from __future__ import annotations

from collections.abc import Sequence

from casework.services import Deps


async def keep(deps: Deps, updates: Sequence[tuple[int, str]]) -> None:
    if updates:
        async with deps.store.transaction() as tx:
            await tx.updates.keep(updates, deps.clock.now())


async def unhandled(deps: Deps) -> list[tuple[int, str]]:
    async with deps.store.transaction() as tx:
        return await tx.updates.unhandled()


async def answered_with_an_error(deps: Deps, update_id: int) -> None:
    """The person was told their action may not have been saved, and will send it again if
    they still want it: it must not also be handled again after a restart."""
    async with deps.store.transaction() as tx:
        await tx.updates.first_time(update_id, deps.clock.now())
