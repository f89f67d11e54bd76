"""Showing issues to the person in front of the bot: cards, details, the timeline."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import CallbackQuery, InlineKeyboardMarkup, InputMediaPhoto, Message
from telegram.constants import ChatType
from telegram.error import BadRequest

from casework.issues import EventKind
from casework.outbox import Card
from casework.services import delivery, views
from casework.services.views import Shown
from handlers.context import BotContext
from rendering.cards import card_keyboard, card_text, earlier_result_caption, photos_caption
from rendering.i18n import Html
from rendering.timeline import timeline_page


async def send_card(
    chat_id: int, context: BotContext, card: Shown, headline: str | None = None
) -> Message:
    """A new message with the issue's card for the acting person, remembered for refreshes."""
    t, issue = context.t, card.issue
    text = card_text(issue, t, context.deps.org, card.people, context.deps.zone)
    if headline:
        text = Html(headline + "\n\n" + text)
    sent = await context.bot.send_message(
        chat_id, text, parse_mode="HTML", reply_markup=card_keyboard(issue, card.actions, t)
    )
    await delivery.record_card(
        context.deps,
        Card(chat_id, sent.message_id, issue.id, context.staff.id, headline=headline or None),
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


async def redraw(
    query: CallbackQuery,
    context: BotContext,
    card: Shown | None,
    *,
    asked: Html | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Show the issue as it is now on the card whose button was pressed (in a group, the
    citizen's name and phone masked), with its buttons; or, with `asked` and `markup`, a
    step's question under it and the choices in place of the buttons. None leaves it as it
    is: the presser may no longer see the issue."""
    message = query.message
    if card is None or not isinstance(message, Message):
        return
    t, deps = context.t, context.deps
    in_group = message.chat.type != ChatType.PRIVATE
    text = card_text(card.issue, t, deps.org, card.people, deps.zone, masked=in_group)
    if asked is not None:
        text = Html(f"{text}\n\n<b>{asked}</b>")  # Html: its values are escaped
    await edit_text(query, text, markup or card_keyboard(card.issue, card.actions, t))


async def send_details(chat_id: int, context: BotContext, issue_id: int) -> None:
    """`/issue`, the Details button: the card with this person's buttons, and the timeline,
    with a button that sends the photos and the location (`send_media`). They are not sent
    every time: details are opened again and again (from lists, reminders, cards), and each
    time an album of up to ten photos and a map pin filled the chat."""
    bot, t, deps = context.bot, context.t, context.deps
    details = await views.details(deps, context.staff, issue_id)
    issue = details.issue
    await send_card(chat_id, context, Shown(issue, details.actions, details.people))
    text, markup = timeline_page(
        issue, details.timeline, details.people, 0, t, deps.org, deps.zone, details.may_merge
    )
    await bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)


async def send_media(chat_id: int, context: BotContext, issue_id: int) -> None:
    """The issue's photos (one album) and its location, then each result's and note's photos
    (an earlier result's too: the timeline counts them), each album with its caption, to
    someone who may see the issue."""
    bot = context.bot
    details = await views.details(context.deps, context.staff, issue_id)
    issue = details.issue
    if len(issue.photos) == 1:
        await bot.send_photo(chat_id, issue.photos[0])
    elif issue.photos:
        await bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in issue.photos])
    if issue.location is not None:
        await bot.send_location(chat_id, issue.location.latitude, issue.location.longitude)
    resolutions = [e for e in details.timeline if e.kind is EventKind.RESOLVED]
    for event in details.timeline:  # each step's photos, in order: results and notes
        if not event.photos or event.kind not in (EventKind.RESOLVED, EventKind.NOTE):
            continue
        if event.kind is EventKind.RESOLVED and event is not resolutions[-1]:
            caption = earlier_result_caption(event, issue, context.t, context.deps.zone)
        else:
            caption = photos_caption(event, issue, details.people, context.t)
        await send_photos(chat_id, context, event.photos, caption)


async def send_photos(
    chat_id: int, context: BotContext, photos: Sequence[str], caption: Html
) -> None:
    """Photos as one album, the caption under them."""
    if len(photos) == 1:
        await context.bot.send_photo(chat_id, photos[0], caption, parse_mode="HTML")
        return
    album = [
        InputMediaPhoto(photo, caption if n == 0 else None, parse_mode="HTML")
        for n, photo in enumerate(photos)
    ]
    await context.bot.send_media_group(chat_id, album)
