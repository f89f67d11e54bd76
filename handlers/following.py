"""📞 under the notice that an issue a person follows was resolved: their own call-back of the
citizen who reported it to them (casework/services/following.py checks each tap again)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from casework import errors
from casework.services import following
from handlers.context import BotContext
from handlers.numbers import whole_number
from handlers.showing import edit_text
from rendering.following import (
    PREFIX,
    follower_answer,
    follower_choices,
    follower_question,
    follower_recorded,
)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    parts = query.data.split(":")
    issue_id = whole_number(parts[1]) if len(parts) in (2, 3) else None
    given = follower_answer(parts[2]) if len(parts) == 3 else None
    if issue_id is None or (len(parts) == 3 and given is None):
        raise errors.StaleStep()
    t = context.t
    asked = await following.call_back(context.deps, context.staff, issue_id, given)
    await query.answer()
    if asked.event is not None:
        await edit_text(query, follower_recorded(asked.issue, asked.event, t))
        return
    question = follower_question(asked.issue, asked.call_back, t)
    choices = follower_choices(asked.issue, asked.call_back, t)
    if given is None:  # 📞 under the notice: the questions come in a message of their own
        await context.bot.send_message(
            query.message.chat.id, question, parse_mode="HTML", reply_markup=choices
        )
    else:
        await edit_text(query, question, choices)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:")]
