"""/my, /inbox, /issue and /note: looking at issues and commenting on them by number."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from casework import errors
from casework.issues import Issue
from casework.ports import IssuePage
from casework.roles import Role
from casework.services import issues, views
from handlers.context import BotContext
from handlers.numbers import page_number
from handlers.showing import edit_text, send_details
from rendering.cards import DETAILS, callback
from rendering.dates import soon
from rendering.i18n import Html
from rendering.labels import category_name, gist, issue_status, span, status_icon

PREFIX = "l"
MINE, INBOX = "my", "in"


async def my_issues(update: Update, context: BotContext) -> None:
    """What I reported: open ones first."""
    assert update.effective_message is not None
    text, markup = await _list_page(context, MINE, 0)
    await update.effective_message.reply_html(text, reply_markup=markup)


async def inbox(update: Update, context: BotContext) -> None:
    """My department's pending and accepted issues, nearest deadline first (all, for coordinators)."""
    assert update.effective_message is not None
    text, markup = await _list_page(context, INBOX, 0)
    await update.effective_message.reply_html(text, reply_markup=markup)


async def turn_page(update: Update, context: BotContext) -> None:
    """◀ / ▶ under a list: `l:<list>:<page>`."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    page = page_number(parts[2]) if len(parts) == 3 else None
    if page is None or parts[1] not in (MINE, INBOX):
        raise errors.StaleStep()
    text, markup = await _list_page(context, parts[1], page)
    await query.answer()
    await edit_text(query, text, markup)


async def show_issue(update: Update, context: BotContext) -> None:
    """`/issue <number>`: the card, photos, location and timeline."""
    message = update.effective_message
    assert message is not None
    if len(context.args or []) != 1:
        await message.reply_text(
            context.t._("Usage: /issue <number>, for example /issue 2611-0042")
        )
        return
    issue = await views.find(context.deps, context.staff, (context.args or [""])[0])
    await send_details(context.staff.telegram_id, context, issue.id)


async def note(update: Update, context: BotContext) -> None:
    """`/note <number> <text>`: add a note to the issue's timeline."""
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(maxsplit=2)
    if len(parts) < 3:
        await message.reply_text(
            context.t._(
                "Usage: /note <number> <text>, for example /note 2611-0042 called the citizen back"
            )
        )
        return
    await issues.note(context.deps, context.staff, parts[1], parts[2])
    await message.reply_text(context.t._("✓ Note added to the timeline."))


async def _list_page(
    context: BotContext, which: str, page: int
) -> tuple[Html, InlineKeyboardMarkup | None]:
    t, deps = context.t, context.deps
    read = views.mine if which == MINE else views.inbox
    found = await read(deps, context.staff, page)
    pages = max(1, -(-found.total // views.PAGE_SIZE))
    if page >= pages:  # an old button, and the list has shrunk since: its last page
        page = pages - 1
        found = await read(deps, context.staff, page)
    if not found.issues:  # said once, not as a count of 0 and a "nothing here" below it
        if which == MINE:
            return t._("You have not reported any issue yet. /new logs one."), None
        if context.staff.role is Role.COORDINATOR:
            return t._("Nothing is waiting to be accepted or in progress anywhere. 👍"), None
        return t._("Nothing is waiting for your department. 👍"), None
    if which == MINE:
        title = t.n_("Issues you reported: {n}", "Issues you reported: {n}", found.total)
    else:
        title = t.n_(
            "Waiting for your department: {n}", "Waiting for your department: {n}", found.total
        )
    lines = [Html(f"<b>{title}</b>")]
    if pages > 1:
        lines.append(t._("Page {page} of {pages}", page=page + 1, pages=pages))
    lines += [issue_line(context, issue) for issue in found.issues]
    return Html("\n".join(lines)), _list_buttons(context, which, found, page, pages)


def issue_line(context: BotContext, issue: Issue, about: Html | None = None) -> Html:
    """An issue as a line of a list; `about`: what it is about (else its gist)."""
    t, deps = context.t, context.deps
    due = issue.due
    line = t._(
        "{icon} <b>{number}</b> {category} · {status}",
        icon=status_icon(issue.status),
        number=issue.number,
        category=category_name(issue.category, deps.org, t),
        status=issue_status(issue, t),
    )
    if issue.urgent:
        line = Html(line + " 🔴")
    now = deps.clock.now()
    if due is not None and due < now:  # not "due today 13:02" when 13:02 has passed
        line = Html(line + t._(" · ⚠️ overdue by {late}", late=span(now - due, t)))
    elif due is not None:
        line = Html(line + t._(" · due {when}", when=soon(due, deps.zone, t, now)))
    return Html(line + "\n    " + (gist(issue, t) if about is None else about))


def _list_buttons(
    context: BotContext, which: str, found: IssuePage, page: int, pages: int
) -> InlineKeyboardMarkup | None:
    t = context.t
    rows = [
        [
            InlineKeyboardButton(i.number, callback_data=callback(i.id, DETAILS))
            for i in found.issues[k : k + 2]
        ]
        for k in range(0, len(found.issues), 2)
    ]
    navigation = []
    if page > 0:
        navigation.append(
            InlineKeyboardButton(t._("◀ Previous"), callback_data=f"{PREFIX}:{which}:{page - 1}")
        )
    if page < pages - 1:
        navigation.append(
            InlineKeyboardButton(t._("Next ▶"), callback_data=f"{PREFIX}:{which}:{page + 1}")
        )
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(rows) if rows else None


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("my", my_issues, filters=private),
        CommandHandler("inbox", inbox, filters=private),
        CommandHandler("issue", show_issue, filters=private),
        CommandHandler("note", note),
        CallbackQueryHandler(turn_page, pattern=rf"^{PREFIX}:"),
    ]
