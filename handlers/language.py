"""/lang: choose Chinese, English, or whatever the Telegram app speaks."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from casework.errors import StaleStep
from casework.organisation import LANGUAGES
from casework.services import access
from handlers.context import BotContext
from handlers.menus import keep_menu
from rendering.i18n import pick_language

PREFIX = "lang"
AUTO = "auto"


async def ask_language(update: Update, context: BotContext) -> None:
    """Offer the languages as buttons."""
    assert update.effective_message is not None
    t = context.t
    buttons = [
        [InlineKeyboardButton("中文", callback_data=f"{PREFIX}:zh")],
        [InlineKeyboardButton("English", callback_data=f"{PREFIX}:en")],
        [InlineKeyboardButton(t._("Same as my Telegram app"), callback_data=f"{PREFIX}:{AUTO}")],
    ]
    await update.effective_message.reply_text(
        t._("Choose your language:"), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def choose_language(update: Update, context: BotContext) -> None:
    """Save the choice and answer in the new language."""
    query = update.callback_query
    assert query is not None and query.data is not None
    choice = query.data.removeprefix(f"{PREFIX}:")
    if choice not in (*LANGUAGES, AUTO):
        raise StaleStep()
    saved = None if choice == AUTO else choice
    await access.choose_language(context.deps, context.staff, saved)
    user = update.effective_user
    context.language = pick_language(
        saved, user.language_code if user else None, context.resources.settings.default_language
    )
    await query.answer()
    await query.edit_message_text(context.t._("I will speak English with you."))
    await keep_menu(context, context.staff, update)  # the menu in the new language


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("lang", ask_language),
        CallbackQueryHandler(choose_language, pattern=rf"^{PREFIX}:"),
    ]
