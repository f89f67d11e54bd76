"""One press, one use case: a step on an issue opens one transaction (it re-reads the person
and the issue, checks, decides, applies, queues the notifications and returns what the answer
and the redrawn card need), besides the update's own bookkeeping: the gate's `admit`, which
marks the update handled, reads the person and, for a press, the card pressed."""

from __future__ import annotations

import dataclasses
from contextlib import AbstractAsyncContextManager
from typing import Any

from casework.ports import Store, Transaction
from casework.services import updates
from emulator import EmulatedUser
from tests.flows import answer, card_for, log_issue, rows
from tests.harness import Harness


class CountingStore:
    """The store, counting the transactions the handlers open (the sender and the sweep keep
    the store they started with, so their work is not counted)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.opened = 0

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        self.opened += 1
        return self.store.transaction()

    def reading(self) -> AbstractAsyncContextManager[Transaction]:
        self.opened += 1  # a read moved aside is still one more trip
        return self.store.reading()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def counting(bot: Harness) -> CountingStore:
    store = CountingStore(bot.resources.deps.store)
    bot.resources.deps = dataclasses.replace(bot.resources.deps, store=store)
    return store


async def test_a_heads_accept_opens_one_transaction_besides_the_gates(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    store = counting(bot)

    answered = await head.press(card, "签收")

    assert answered is not None and answered.text == "已签收。"
    assert "办理中" in card.text and not card.has_button("签收")  # redrawn from its result
    assert store.opened == 2  # the gate's admit, and the step (before: 6)


async def test_a_press_that_asks_for_words_opens_one_transaction_besides_the_gates(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    store = counting(bot)

    await head.press(card_for(head, number), "退回")

    assert "✍️" in head.last.text
    assert store.opened == 2  # the gate's admit, and the question put to the head (before: 4)


async def test_a_typed_answer_takes_its_step_in_one_transaction(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    await head.press(card_for(head, number), "退回")
    store = counting(bot)

    await answer(head, "不属于本科室")

    assert "已退回" in head.last.text
    # The gate's admit; which question waits (to route the message); the step; the new card
    # recorded once Telegram has given it a number (before: 6).
    assert store.opened == 4


async def test_a_note_by_number_is_one_transaction_besides_the_gates(
    bot: Harness, worker: EmulatedUser
) -> None:
    number = await log_issue(worker)
    store = counting(bot)

    await worker.send(f"/note {number} 群众又来电催促")

    assert "备注已记入办理记录" in worker.last.text
    assert store.opened == 2  # the gate's admit, and the note (before: 3)


async def test_submitting_a_new_issue_opens_one_transaction_besides_the_gates(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 中山路12号路灯不亮")
    await worker.press(worker.last, "路灯故障")
    for word in ("跳过", "完成", "跳过", "跳过"):
        await worker.send(word)
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ ")
    summary = worker.last
    store = counting(bot)

    await worker.press(summary, "提交")

    assert "已提交，编号" in summary.text and summary.has_button("备注")
    # The gate's admit, and the submission with the card recorded (before: 4).
    assert store.opened == 2


async def test_a_heads_accept_saves_once_its_change_and_the_updates_mark_together(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    saved_while_handling: list[int] = []

    def on_write(saved: bool) -> None:  # after each commit; the update's own task is marked
        handled = updates.being_handled()
        if saved and handled is not None:
            saved_while_handling.append(handled.update_id)

    bot.resources.deps.store.on_write(on_write)

    await head.press(card, "签收")

    # One commit for the press: the acceptance, its notices, and the update marked handled
    # (before: the gate's mark was a commit of its own, on disk, first).
    pressed = bot.api.last_update_id
    assert saved_while_handling == [pressed]
    assert await rows(bot, "SELECT 1 FROM processed_updates WHERE update_id = ?", pressed) == [(1,)]
