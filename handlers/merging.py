"""`/merge <number> <number>`: a coordinator merges two issues that are the same problem; a
button chooses the one that stays (casework/services/merging.py checks it all again)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from casework import errors
from casework.services import merging
from handlers.context import BotContext
from handlers.showing import edit_text
from rendering.i18n import plain
from rendering.labels import category_name, department_name

PREFIX = "mg"  # `mg:<the one that stays>:<the one that goes>`, issue ids


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
        ]
    )
    await message.reply_html("\n".join(lines), reply_markup=markup)


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
    ]
