"""/overdue: what is past its deadline, most overdue first."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from casework import errors
from casework.services import overdue
from handlers.context import BotContext
from handlers.numbers import page_number
from handlers.showing import edit_text
from rendering.cards import DETAILS, callback
from rendering.i18n import Html
from rendering.labels import category_name, department_name, gist, span

PREFIX = "od"


async def show_overdue(update: Update, context: BotContext) -> None:
    """A head sees their department's overdue issues; a coordinator sees every department's."""
    assert update.effective_message is not None
    text, markup = await _page(context, 0)
    await update.effective_message.reply_html(text, reply_markup=markup)


async def turn_page(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    page = page_number(query.data.removeprefix(f"{PREFIX}:"))
    if page is None:
        raise errors.StaleStep()
    text, markup = await _page(context, page)
    await query.answer()
    await edit_text(query, text, markup)


async def _page(context: BotContext, page: int) -> tuple[Html, InlineKeyboardMarkup | None]:
    t, deps = context.t, context.deps
    found = await overdue.overdue(deps, context.staff, page)
    last = max(0, -(-found.total // overdue.PAGE_SIZE) - 1)
    if page > last:  # an old button, and the list has shrunk since: its last page
        page = last
        found = await overdue.overdue(deps, context.staff, page)
    now = deps.clock.now()
    if not found.issues:  # said once, not as a count of 0 and a line below it
        return t._("Nothing is overdue. 👍"), None
    lines = [Html("<b>" + t.n_("Overdue: {n}", "Overdue: {n}", found.total) + "</b>")]
    for issue in found.issues:
        due = issue.due or now
        line = t._(
            "• <b>{number}</b> {category}, {department}: overdue by {late}",
            number=issue.number,
            category=category_name(issue.category, deps.org, t),
            department=department_name(issue.department, deps.org, t),
            late=span(now - due, t),
        )
        lines.append(Html(line + "\n    " + gist(issue, t)))
    rows = [
        [InlineKeyboardButton(i.number, callback_data=callback(i.id, DETAILS))]
        for i in found.issues
    ]
    shown = overdue.PAGE_SIZE * page + len(found.issues)
    navigation = []
    if page > 0:
        navigation.append(
            InlineKeyboardButton(t._("◀ Previous"), callback_data=f"{PREFIX}:{page - 1}")
        )
    if shown < found.total:
        navigation.append(InlineKeyboardButton(t._("Next ▶"), callback_data=f"{PREFIX}:{page + 1}"))
    if navigation:
        rows.append(navigation)
    return Html("\n".join(lines)), InlineKeyboardMarkup(rows) if rows else None


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("overdue", show_overdue, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(turn_page, pattern=rf"^{PREFIX}:"),
    ]
