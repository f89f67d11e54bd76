"""Refusals are answered in one place (handlers/refusals.py) and are not failures: a refusal a
handler lets go up is answered in the person's language, not logged, not counted among the
failures that repeat, and not met with "something went wrong"."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from casework.ports import Store, Transaction
from emulator import EmulatedUser
from tests.harness import Harness


class EndsAccessMidway:
    """The store, ending one person's access just before the handler's first transaction
    (the second of the update: the gate's `admit` is the first), as a coordinator's
    /deactivate landing at that instant would."""

    def __init__(self, store: Store, bot: Harness, staff_id: int) -> None:
        self.store, self.bot, self.staff_id = store, bot, staff_id
        self.opened = 0

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        self.opened += 1
        return self._after_the_end() if self.opened == 2 else self.store.transaction()

    @asynccontextmanager
    async def _after_the_end(self) -> AsyncIterator[Transaction]:
        async with self.store.transaction() as tx:
            await tx.staff.deactivate(self.staff_id, self.bot.clock.now())
        async with self.store.transaction() as tx:
            yield tx

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


async def staff_id(bot: Harness, telegram_id: int) -> int:
    async with bot.resources.deps.store.transaction() as tx:
        person = await tx.staff.by_telegram_id(telegram_id)
    assert person is not None
    return person.id


async def test_a_person_whose_access_ends_while_their_command_is_handled_is_told_so(
    bot: Harness, worker: EmulatedUser, caplog: pytest.LogCaptureFixture
) -> None:
    deps = bot.resources.deps
    store = EndsAccessMidway(deps.store, bot, await staff_id(bot, worker.id))
    bot.resources.deps = dataclasses.replace(deps, store=store)

    with caplog.at_level(logging.WARNING):
        await worker.send("/my")

    assert worker.last.text == "您的权限已被停用。如有误，请联系督办室。"
    assert not any("抱歉" in text for text in worker.texts())  # not "something went wrong"
    assert not bot.tracking.errors  # it never reached the error handler
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # nor the log
