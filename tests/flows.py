"""Steps the tests take again and again, as people would take them."""

from __future__ import annotations

import dataclasses
from typing import Any

import aiosqlite
import psycopg

from casework.intake import Step
from casework.issues import Location, Source
from casework.services import Deps, access, intake
from emulator import BotMessage, EmulatedUser
from storage.postgres.statements import translate
from tests.harness import ENGINE, Harness


async def log_issue(
    worker: EmulatedUser,
    description: str = "中山路12号路灯不亮",
    category: str = "路灯故障",
    department: str = "✓ ",
    urgent: bool = False,
    phone: str | None = "13812345678",
    source: str = "热线电话",
    pin: tuple[float, float] | None = None,
) -> str:
    """Log an issue through /new and submit it (with the pin shared, if given, and no address
    in words; a new issue even if there are open ones nearby); returns its number."""
    await worker.send(f"/new {description}")
    await worker.press(worker.last, category)
    if pin is None:
        await worker.send("跳过")
    else:
        await worker.share_location(*pin)
        await worker.send("完成")
        await past_history(worker)  # the open issues nearby, if any: log a new one
    await worker.send("完成")
    await worker.send("张三")
    await worker.send(phone or "跳过")
    await past_history(worker)
    await worker.press(worker.last, source)
    await worker.press(worker.last, "紧急" if urgent else "一般")
    await worker.press(worker.last, department)
    summary = worker.last
    await worker.press(summary, "提交")
    assert "已提交，编号 " in summary.text, summary.text
    return summary.text.split("已提交，编号 ")[1].split("，")[0]


async def logged(
    deps: Deps,
    description: str,
    urgent: bool = False,
    address: str | None = None,
    pin: bool = True,
) -> str:
    """A streetlight issue logged by the worker (1001) straight through the use cases, where
    many wizards through the chat would take a while; its number. Its place: the `address`,
    else a shared pin (unless `pin` is False)."""
    worker = await access.identify(deps, 1001)
    assert worker is not None
    draft = (await intake.start(deps, worker, 1001, description)).draft
    ready = dataclasses.replace(
        draft,
        step=Step.SUMMARY,
        category="streetlight",
        department="roads",
        source=Source.HOTLINE,
        urgent=urgent,
        address=address,
        location=Location(39.9, 116.4) if address is None and pin else None,
    )
    await intake.update(deps, worker, lambda _: ready)
    return (await intake.submit(deps, worker, draft.token)).issue.number


async def past_history(worker: EmulatedUser) -> None:
    """Log a new issue, if the citizen's history was just shown (their phone is on an issue
    of the last 90 days), or the open issues near the pin."""
    if worker.last.has_button("登记新工单"):
        await worker.press(worker.last, "登记新工单")


def card_for(person: EmulatedUser, number: str) -> BotMessage:
    """The newest message to this person that shows the issue's card (not its timeline, whose
    buttons page it, send its photos, or merge it)."""
    cards = [
        m
        for m in person.messages
        if number in m.text and m.buttons and not m.text.startswith("📜 ")
    ]
    assert cards, f"{person.first_name} has no card of {number}: {person.texts()}"
    return cards[-1]


async def answer(person: EmulatedUser, text: str) -> None:
    """Type the reason (or resolution, or note) the bot just asked for."""
    assert "✍️" in person.last.text, person.last.text
    await person.send(text)


async def rows(bot: Harness, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Read the bot's database directly, to check what was (or was not) saved (on PostgreSQL
    too: the SQL as the repositories write it, `?` for each parameter)."""
    if ENGINE == "postgresql":
        async with await psycopg.AsyncConnection.connect(bot.settings.database_url) as conn:
            cursor = await conn.execute(translate(sql), list(params))
            return [tuple(row) for row in await cursor.fetchall()]
    async with aiosqlite.connect(bot.database) as db, db.execute(sql, params) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def columns_of(bot: Harness, table: str) -> list[str]:
    """The columns of a table of the bot's database, in order."""
    if ENGINE == "postgresql":
        sql = (
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position"
        )
    else:
        sql = "SELECT name FROM pragma_table_info(?)"
    return [name for (name,) in await rows(bot, sql, table)]


async def events(bot: Harness, number: str | None = None) -> list[str]:
    """The kinds of timeline events, oldest first (of one issue, or of all)."""
    if number is None:
        found = await rows(bot, "SELECT kind FROM issue_events ORDER BY id")
    else:
        found = await rows(
            bot,
            "SELECT kind FROM issue_events JOIN issues ON issues.id = issue_id"
            " WHERE number = ? ORDER BY issue_events.id",
            number,
        )
    return [kind for (kind,) in found]


async def confirm_closed(person: EmulatedUser, card: BotMessage) -> None:
    """Press Confirm closed on the card, then confirm it (a reporter is asked twice). Only an
    issue with no citizen's phone is closed so (`log_issue(..., phone=None)`); one with a phone
    is closed by the call-back (`call_back`)."""
    await person.press(card, "确认结案")
    await person.press(card, "确认结案")


async def to_summary(
    worker: EmulatedUser, *where: str | tuple[float, float], description: str = "路灯不亮"
) -> BotMessage:
    """Answer /new's steps up to its summary (not submitted): the location step with `where`
    (pins and typed words, in order; Skip if none), no photos, no citizen, hotline, normal,
    the category's department. Returns the summary."""
    await worker.send(f"/new {description}")
    await worker.press(worker.last, "路灯故障")
    for answer in where or ("跳过",):
        if isinstance(answer, tuple):
            await worker.share_location(*answer)
        else:
            await worker.send(answer)
    await worker.send("完成")  # no photos
    await worker.send("跳过")
    await worker.send("跳过")
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ ")
    return worker.last


async def call_back(
    person: EmulatedUser,
    card: BotMessage,
    contacted: str = "是",
    solved: str = "已解决",
    satisfied: str = "满意",
    words: str | None = None,
) -> None:
    """Record the call-back on the card, a tap per question: by default the department
    contacted the citizen, the problem is solved and they are satisfied, with nothing to add,
    which closes the issue. `words`: the citizen's, typed instead of pressing Skip."""
    await person.press(card, "记录回访")
    assert card.text.endswith("承办单位是否联系过您？"), card.text
    await person.press(card, contacted)
    await person.press(card, solved)
    await person.press(card, satisfied)
    assert "群众还有什么意见" in card.text, card.text
    if words is None:
        await person.press(card, "跳过")
    else:
        await person.send(words)
