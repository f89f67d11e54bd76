"""The gate every update passes first: who is this, and may they use the bot at all?"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from casework.services import access, updates
from handlers.context import BotContext
from handlers.finding import PREFIX as FOUND_PREFIX
from handlers.menus import drop_menu, keep_menu
from handlers.numbers import card_button
from rendering.cards import MEDIA, TIMELINE
from rendering.i18n import pick_language

log = logging.getLogger(__name__)


async def identify_person(update: Update, context: BotContext) -> None:
    """Skip repeats; look the person up; strangers get a polite explanation and nothing else."""
    user = update.effective_user
    admission = await access.admit(
        context.deps,
        update.update_id,
        user.id if user else None,
        user.language_code if user else None,
        user.full_name if user else None,
        pressed_on=_pressed_on(update),
        fresh=context.resources.fresh_updates.take(update.update_id),
    )
    if admission.repeat:
        log.info("update %s was delivered again; it was handled already", update.update_id)
        raise ApplicationHandlerStop
    if user is None:
        raise ApplicationHandlerStop  # channel posts and the like: nobody to answer
    context.actor, context.card = admission.person, admission.card
    context.language = pick_language(
        context.actor.language if context.actor else None,
        user.language_code,
        context.resources.settings.default_language,
    )
    if context.actor is not None:
        await keep_menu(context, context.actor, update)
    elif admission.menu_to_drop is not None:
        await drop_menu(context, admission.menu_to_drop, user.id, update)
    if _is_an_edit(update):
        await _refuse_edit(update, context)
        raise ApplicationHandlerStop
    if context.actor is None and not _opens_invitation(update):
        await _explain_access(update, context)
        raise ApplicationHandlerStop
    if _in_an_unknown_group(update, context):
        if update.callback_query is not None:  # a card left in a group no longer registered
            await update.callback_query.answer(
                context.t._("This group is no longer a department group; use me in private."),
                show_alert=True,
            )
            raise ApplicationHandlerStop
        message = update.message
        if message is not None and message.text and message.text.startswith("/"):
            await message.reply_text(
                context.t._(
                    "This group is not a department group registered with the bot. "
                    "Please use me in a private chat."
                )
            )
        raise ApplicationHandlerStop
    if update.callback_query is not None and not await _button_in_place(update, context):
        raise ApplicationHandlerStop
    updates.arm()  # the person's step follows: its change carries the update's mark


async def _button_in_place(update: Update, context: BotContext) -> bool:
    """Buttons only where they belong. In a group, only the steps of an issue's card, pressed on
    that issue's card: a list or a timeline there would show the presser's own view (a
    coordinator's inbox of every department) to people who are not registered; /find's pages
    are made for the group (handlers/finding.py). Anywhere, a card's button concerns that
    card's issue. A press out of place is answered and goes no further; the data may be
    forged, so nothing in it is trusted."""
    query = update.callback_query
    assert query is not None
    chat = query.message.chat if query.message is not None else None
    in_group = chat is not None and chat.type != ChatType.PRIVATE
    pressed = card_button(query.data or "")
    t = context.t
    # /find's pages in a group list only that department's cases, as its cards show them.
    turns_found = (query.data or "").startswith(f"{FOUND_PREFIX}:")
    if in_group and not turns_found and (pressed is None or pressed[1] in (TIMELINE, MEDIA)):
        await query.answer(
            t._("This button works only in a private chat with me."), show_alert=True
        )
        return False
    if pressed is None or chat is None or query.message is None:
        return True
    card = context.card  # read with the person, as the update was admitted
    if (card is None and in_group) or (card is not None and card.issue_id != pressed[0]):
        await query.answer(t._("This button does not belong to this card."), show_alert=True)
        return False
    return True


def _pressed_on(update: Update) -> tuple[int, int] | None:
    """The chat and message of the card a button was pressed on, to look the card up."""
    query = update.callback_query
    if query is None or query.message is None or card_button(query.data or "") is None:
        return None
    return query.message.chat.id, query.message.message_id


def _is_an_edit(update: Update) -> bool:
    """An edited message is the same message again, not a new one: taking it would add a second
    note to the timeline, answer a waiting question with the new text, run a command twice."""
    return (
        update.edited_message is not None
        or update.edited_channel_post is not None
        or update.edited_business_message is not None
    )


async def _refuse_edit(update: Update, context: BotContext) -> None:
    """Say so in a private chat with someone who has access; in groups, say nothing."""
    message = update.edited_message
    if context.actor is None or message is None or message.chat.type != ChatType.PRIVATE:
        return
    await message.reply_text(
        context.t._(
            "Edited messages are not taken: what you sent first stands. "
            "To change something, send a new message."
        ),
        do_quote=True,
    )


def _in_an_unknown_group(update: Update, context: BotContext) -> bool:
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return False
    known = {d.group_chat_id for d in context.deps.org.departments if d.group_chat_id}
    return chat.id not in known


def _opens_invitation(update: Update) -> bool:
    message = update.effective_message
    return bool(
        update.message is not None
        and message is not None
        and message.chat.type == ChatType.PRIVATE
        and message.text is not None
        and message.text.startswith("/start ")
    )


async def _explain_access(update: Update, context: BotContext) -> None:
    t = context.t
    user = update.effective_user
    assert user is not None
    text = t._(
        "Hello! This bot is for the staff of {org}. To use it, ask the coordination office "
        "for an invitation link. Your Telegram ID is {telegram_id}.",
        org=context.deps.org.name(t.language),
        telegram_id=user.id,
    )
    if update.callback_query is not None:
        await update.callback_query.answer(
            t._("You do not have access to this bot."), show_alert=True
        )
    elif update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
        await update.effective_chat.send_message(text, parse_mode="HTML")
    # In groups, strangers are left alone: answering every message would flood the group.
