"""A coordinator merges two issues that are the same problem: `/merge <number> <number>`, or
🔗 under an issue's details (its likely duplicates offered: of its category nearby, of the same
citizen); a button then chooses the one that stays (casework/services/merging.py checks it all
again at each press)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from casework import errors
from casework.issues import Issue
from casework.merging import may_go
from casework.services import Deps, merging
from handlers.context import BotContext
from handlers.numbers import whole_number
from handlers.showing import edit_text
from rendering.i18n import Html, Texts, plain
from rendering.labels import category_name, department_name
from rendering.timeline import MERGE_WITH

PREFIX = "mg"  # `mg:<the one that stays>:<the one that goes>`, issue ids
PICKED = "mp"  # `mp:<the issue>:<the candidate chosen>`, issue ids


def _which_stays(a: Issue, b: Issue, t: Texts, deps: Deps) -> tuple[Html, InlineKeyboardMarkup]:
    """The two issues, and a button to keep each one the other may give way to (one resolved
    and waiting for its call-back stays)."""
    lines = [
        t._(
            "🔗 Merge these two issues? The one you keep stays; the other is withdrawn as its "
            "duplicate, and its reporter hears of the result of the one kept."
        )
    ]
    lines += [
        t._(
            "<b>{number}</b> · {category} · {department} · {words}",
            number=issue.number,
            category=category_name(issue.category, deps.org, t),
            department=department_name(issue.department, deps.org, t),
            words=issue.description[:40],
        )
        for issue in (a, b)
    ]
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("Keep {number}", number=stays.number),
                    callback_data=f"{PREFIX}:{stays.id}:{goes.id}",
                )
            ]
            for stays, goes in ((a, b), (b, a))
            if may_go(goes)
        ]
    )
    return Html("\n".join(lines)), markup


async def merge(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    t, deps = context.t, context.deps
    if len(context.args or []) != 2:
        await message.reply_text(
            t._("Usage: /merge <number> <number>, for example /merge 2611-0042 2611-0057")
        )
        return
    first, second = context.args or ["", ""]
    a, b = await merging.pair(deps, context.staff, first, second)
    text, markup = _which_stays(a, b, t, deps)
    await message.reply_html(text, reply_markup=markup)


async def on_merge_with(update: Update, context: BotContext) -> None:
    """🔗 under an issue's details: the open issues it may be merged with, one button each."""
    query = update.callback_query
    assert query is not None and query.data is not None
    issue_id = whole_number(query.data.removeprefix(f"{MERGE_WITH}:"))
    if issue_id is None:
        raise errors.StaleStep()
    t, deps = context.t, context.deps
    found = await merging.candidates(deps, context.staff, issue_id)
    issue = found.issue
    await query.answer()
    buttons = [
        InlineKeyboardButton(
            t._(
                "{number} · {metres} m · {words}",
                number=n.issue.number,
                metres=round(n.metres),
                words=n.issue.description[:16],
            ),
            callback_data=f"{PICKED}:{issue.id}:{n.issue.id}",
        )
        for n in found.nearby
    ] + [
        InlineKeyboardButton(
            t._("{number} · same citizen · {words}", number=i.number, words=i.description[:16]),
            callback_data=f"{PICKED}:{issue.id}:{i.id}",
        )
        for i in found.same_citizen
    ]
    if buttons:
        text = t._(
            "🔗 Which issue is the same problem as {number}? Below: open issues of its category "
            "nearby, and of the same citizen. For any other, send /merge {number} and its number.",
            number=issue.number,
        )
    else:
        text = t._(
            "🔗 No open issue of its category nearby, nor of the same citizen. To merge {number} "
            "with another issue, send /merge {number} and its number.",
            number=issue.number,
        )
    markup = InlineKeyboardMarkup([[b] for b in buttons]) if buttons else None
    assert query.message is not None
    await context.bot.send_message(
        query.message.chat.id, text, parse_mode="HTML", reply_markup=markup
    )


async def on_picked(update: Update, context: BotContext) -> None:
    """A candidate chosen: the two issues, and which one stays (as `/merge` asks)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    ids = [whole_number(p) for p in parts[1:]]
    if len(ids) != 2 or ids[0] is None or ids[1] is None:
        raise errors.StaleStep()
    t, deps = context.t, context.deps
    a, b = await merging.pair_of(deps, context.staff, ids[0], ids[1])
    await query.answer()
    text, markup = _which_stays(a, b, t, deps)
    await edit_text(query, text, markup)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise errors.StaleStep()
    t = context.t
    done = await merging.merge(context.deps, context.staff, int(parts[1]), int(parts[2]))
    stays, goes = done.stays, done.goes
    await query.answer(plain(t._("Merged into {number}.", number=stays.number)))
    await edit_text(
        query,
        t._(
            "🔗 {goes} was merged into <b>{stays}</b> and withdrawn as its duplicate; {stays} has "
            "now been reported {n} times.",
            goes=goes.number,
            stays=stays.number,
            n=1 + stays.duplicates,
        ),
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("merge", merge, filters=private),
        CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"),
        CallbackQueryHandler(on_merge_with, pattern=rf"^{MERGE_WITH}:"),
        CallbackQueryHandler(on_picked, pattern=rf"^{PICKED}:"),
    ]
