"""Refusals, answered in one place. The rules refused what someone asked (`casework.errors`) and
nothing was changed: they are told why in their language (`rendering/refusals.py`), a press
with an alert on its button, a message with a reply.

A refusal is not a failure: it is not logged, nor counted among the failures that repeat
(handlers/errors.py is for those). Every handler is registered through `answering_refusals`
(runtime/app.py), so handlers let refusals go up; one that must do something after a refusal
(redraw the pressed card as the issue is now) catches it and calls `answer` itself.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from casework.errors import CaseworkError
from handlers.context import BotContext
from rendering.i18n import plain
from rendering.refusals import explain


async def answer(update: Update, context: BotContext, refusal: CaseworkError) -> None:
    """Tell the person why: an alert on the button they pressed, or a reply to their message."""
    text = explain(refusal, context.t)
    if update.callback_query is not None:
        await update.callback_query.answer(plain(text), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_html(text)


def answering_refusals(
    handler: BaseHandler[Update, BotContext, None],
) -> BaseHandler[Update, BotContext, None]:
    """The handler, its refusals answered (`answer`) rather than raised as errors."""
    callback = handler.callback

    async def answered(update: Update, context: BotContext) -> None:
        try:
            await callback(update, context)
        except CaseworkError as refusal:
            await answer(update, context, refusal)

    handler.callback = answered
    return handler
