"""What the bot says to messages no other handler took."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from casework.errors import StaleStep
from handlers.context import BotContext


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown command: point at /help."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("I do not know that command. /help lists what you can do.")
    )


async def unexpected_message(update: Update, context: BotContext) -> None:
    """A message outside any conversation: say what the bot can do instead."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("I was not expecting a message. /help lists what you can do.")
    )


async def command_in_a_group(update: Update, context: BotContext) -> None:
    """A command in a department group that works only in private: say where it does. (One
    meant for another bot in the group is left to it.)"""
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0]
    if "@" in command and not command.lower().endswith(f"@{context.bot.username}".lower()):
        return
    await message.reply_text(
        context.t._(
            "Commands work in a private chat with me. Here, press the buttons on the cards, "
            "or reply to a card to add a note."
        )
    )


async def unknown_button(update: Update, context: BotContext) -> None:
    """A press no other handler understood (old, garbled or forged): answered all the same."""
    raise StaleStep()


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CallbackQueryHandler(unknown_button),
        MessageHandler(filters.COMMAND & private, unknown_command),
        MessageHandler(filters.COMMAND & filters.ChatType.GROUPS, command_in_a_group),
        MessageHandler(private & ~filters.StatusUpdate.ALL, unexpected_message),
    ]
