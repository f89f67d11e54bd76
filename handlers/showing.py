"""Showing issues to the person in front of the bot: cards, details, the timeline."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest

from casework.commands import Action
from casework.errors import CaseworkError
from casework.issues import Issue
from casework.lifecycle import group_actions
from casework.outbox import Card
from casework.people import Staff
from casework.services import delivery, views
from handlers.context import BotContext
from rendering.cards import TIMELINE, callback, card_keyboard, card_text, timeline_lines
from rendering.i18n import Html

TIMELINE_PAGE_LINES = 15
TIMELINE_PAGE_CHARACTERS = 3500  # leaves room under Telegram's 4096 for the header


async def send_card(
    chat_id: int,
    context: BotContext,
    issue: Issue,
    actions: Sequence[Action],
    people: dict[int, Staff],
    headline: str | None = None,
) -> Message:
    """A new message with the issue's card for the acting person, remembered for refreshes."""
    t = context.t
    text = card_text(issue, t, context.deps.org, people, context.deps.zone)
    if headline:
        text = Html(headline + "\n\n" + text)
    sent = await context.bot.send_message(
        chat_id, text, parse_mode="HTML", reply_markup=card_keyboard(issue, actions, t)
    )
    await delivery.record_card(
        context.deps, Card(chat_id, sent.message_id, issue.id, context.staff.id)
    )
    return sent


async def edit_text(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the pressed message; the same content again (a double press) is not an error."""
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def redraw_pressed_card(update: Update, context: BotContext, issue_id: int) -> None:
    """Show the issue as it is now on the card whose button was pressed."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if not isinstance(message, Message):
        return
    t, deps = context.t, context.deps
    in_group = message.chat.type != ChatType.PRIVATE
    card = await delivery.card_at(deps, message.chat.id, message.message_id)
    try:
        details = await views.details(deps, context.staff, issue_id)
    except CaseworkError:  # the presser may no longer see it: leave the card as it is
        return
    issue = details.issue
    if in_group and card is not None and card.department is not None:
        actions: Sequence[Action] = group_actions(issue, card.department)
    else:
        actions = details.actions
    text = card_text(issue, t, deps.org, details.people, deps.zone, masked=in_group)
    await edit_text(query, text, card_keyboard(issue, actions, t))


async def send_details(chat_id: int, context: BotContext, issue_id: int) -> None:
    """`/issue`: the card with this person's buttons, photos, the location, the timeline."""
    bot = context.bot
    details = await views.details(context.deps, context.staff, issue_id)
    issue = details.issue
    await send_card(chat_id, context, issue, details.actions, details.people)
    if len(issue.photos) == 1:
        await bot.send_photo(chat_id, issue.photos[0])
    elif issue.photos:
        await bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in issue.photos])
    if issue.location is not None:
        await bot.send_location(chat_id, issue.location.latitude, issue.location.longitude)
    text, markup = timeline_page(context, details, 0)
    await bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)


def timeline_page(
    context: BotContext, details: views.Details, page: int
) -> tuple[Html, InlineKeyboardMarkup | None]:
    """One page of the timeline (newest page last), with buttons to the others."""
    t, deps = context.t, context.deps
    all_pages = _pages(timeline_lines(details.timeline, t, deps.org, details.people, deps.zone))
    pages = len(all_pages)
    page = min(max(page, 0), pages - 1)
    shown = all_pages[page]
    header = t._("📜 Timeline of {number}", number=details.issue.number)
    if pages > 1:
        header = Html(header + " " + t._("(page {page} of {pages})", page=page + 1, pages=pages))
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(
                t._("◀ Earlier"), callback_data=callback(details.issue.id, TIMELINE, page - 1)
            )
        )
    if page < pages - 1:
        buttons.append(
            InlineKeyboardButton(
                t._("Later ▶"), callback_data=callback(details.issue.id, TIMELINE, page + 1)
            )
        )
    markup = InlineKeyboardMarkup([buttons]) if buttons else None
    return Html("\n".join([header, *shown])), markup


def _pages(lines: list[Html]) -> list[list[Html]]:
    pages: list[list[Html]] = [[]]
    size = 0
    for line in lines:
        if pages[-1] and (
            len(pages[-1]) >= TIMELINE_PAGE_LINES or size + len(line) > TIMELINE_PAGE_CHARACTERS
        ):
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    return pages
