"""One press, one use case: a step on an issue opens one transaction (it re-reads the person
and the issue, checks, decides, applies, queues the notifications and returns what the answer
and the redrawn card need), besides the update's own bookkeeping: the gate's `admit`, which
marks the update handled, reads the person and, for a press, the card pressed."""

from __future__ import annotations

import dataclasses
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
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

    def peek(self) -> AbstractAsyncContextManager[Transaction]:
        self.opened += 1
        return self.store.peek()

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


def commits_while_handling(bot: Harness) -> list[int]:
    """The update of each commit made while an update was being handled, in order."""
    commits: list[int] = []

    def on_write(saved: bool) -> None:
        handled = updates.being_handled()
        if saved and handled is not None:
            commits.append(handled.update_id)

    bot.resources.deps.store.on_write(on_write)
    return commits


async def test_new_while_a_reason_is_asked_puts_the_question_aside_and_starts_the_draft_in_one_commit(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    await head.press(card_for(head, number), "退回")
    saved = commits_while_handling(bot)

    await head.send("/new 幸福路井盖丢失")

    # One commit: the question put aside, the draft and the update's mark together (before:
    # the question was put aside in a commit of its own, carrying the mark, and a kill before
    # the draft's lost the /new).
    assert saved == [bot.api.last_update_id]
    told = [m.text for m in head.messages[-2:]]
    assert "未完成的操作已取消" in told[0] and "问题类别" in told[1]
    assert await rows(bot, "SELECT count(*) FROM prompts") == [(0,)]
    [(stored,)] = await rows(bot, "SELECT data FROM drafts")
    assert "幸福路井盖丢失" in stored
    assert not any(
        kind == "returned" for (kind,) in await rows(bot, "SELECT kind FROM issue_events")
    )


async def test_a_photo_sent_after_a_draft_expired_drops_it_and_starts_the_new_one_in_one_commit(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new 路灯坏了")
    bot.clock.advance(timedelta(minutes=31))  # before the sweep has dropped it
    saved = commits_while_handling(bot)

    await worker.send_photo("scene-1", caption="幸福路井盖丢失")

    # One commit: the expired draft replaced by the new one, with the mark (before: the expired
    # one was dropped in a commit of its own, carrying the mark, and a kill before the new
    # draft's lost the photo).
    assert saved == [bot.api.last_update_id]
    told = [m.text for m in worker.messages[-2:]]
    assert "已超过 30 分钟无操作" in told[0] and "问题类别" in told[1]
    [(stored,)] = await rows(bot, "SELECT data FROM drafts")
    assert "幸福路井盖丢失" in stored and "scene-1" in stored and "路灯坏了" not in stored


async def test_a_photo_with_its_caption_while_a_resolution_is_asked_takes_the_step_in_its_first_commit(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")
    [(head_id,)] = await rows(bot, "SELECT id FROM staff WHERE telegram_id = ?", head.id)
    asked_at_commit: list[bool] = []

    async def asked_still(tx: Transaction) -> None:  # just before each commit
        if updates.being_handled() is not None:
            asked_at_commit.append(await tx.prompts.get(head_id) is not None)

    bot.resources.deps.store.before_commit(asked_still)
    saved = commits_while_handling(bot)

    await head.send_photo("after-1", caption="灯已修好，附现场照片")

    # The first commit, which carries the update's mark, is the step with its photo; then the
    # new card's message is recorded once Telegram has numbered it (before: the photo was kept
    # in a commit of its own, the question still waiting, and a kill then lost the step).
    assert asked_at_commit == [False, False]
    assert saved == [bot.api.last_update_id] * 2
    [(photos, text)] = await rows(
        bot, "SELECT photos, text FROM issue_events WHERE kind = 'resolved'"
    )
    assert photos == '["after-1"]' and text == "灯已修好，附现场照片"
    assert "已办结" in head.last.text


async def test_a_photo_whose_caption_is_too_long_is_kept_for_the_resolution_typed_next(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "办结")

    await head.send_photo("after-1", caption="修" * 1001)
    assert "内容太长，最多 1000 个字" in head.last.text
    await head.send("灯已修好")  # the question still waits

    [(photos,)] = await rows(bot, "SELECT photos FROM issue_events WHERE kind = 'resolved'")
    assert photos == '["after-1"]'


async def test_a_photo_with_its_caption_while_a_return_is_asked_is_refused_and_changes_nothing(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    await head.press(card_for(head, number), "退回")

    await head.send_photo("scene-1", caption="不属于本科室")
    assert "这一步不能附照片" in head.last.text
    assert not any(
        kind == "returned" for (kind,) in await rows(bot, "SELECT kind FROM issue_events")
    )
    await head.send("不属于本科室")  # the question still waits

    assert "已退回" in head.last.text
    [(photos,)] = await rows(bot, "SELECT photos FROM issue_events WHERE kind = 'returned'")
    assert photos in (None, "[]")
