"""Each person's command menu: their role's commands, in their language (rendering/menus.py).

It is set for a person's private chat when they write and the menu they have is not the one
they should see (they just joined, their role or language changed, a release changed the
words), and removed when their access has ended; what was set is kept with the person. Never
for everyone at every start: hundreds of calls at once for menus that have not changed.
"""

from __future__ import annotations

import logging

from telegram import BotCommandScopeChat, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from casework.people import Staff
from casework.services import access
from handlers.context import BotContext
from handlers.dashboard import drop_menu_button, keep_menu_button, menu_mark
from rendering.menus import command_menu, menu_version

log = logging.getLogger(__name__)


async def keep_menu(context: BotContext, person: Staff, update: Update) -> None:
    """Give the person's chat the menu of their role in their language, unless it has it.
    Only from their private chat: someone who writes only in a department group may have
    none with the bot (Telegram would refuse, at every message of theirs there)."""
    if not _private(update):
        return
    language = context.language or context.resources.settings.default_language
    # The menu button goes with it: the dashboard's for coordinators and heads, if it is set up.
    mark = menu_mark(person, context.resources.settings.dashboard_url)
    wanted = menu_version(person.role, language) + mark
    if person.menu == wanted:
        return
    try:
        await context.bot.set_my_commands(
            command_menu(person.role, language), scope=BotCommandScopeChat(person.telegram_id)
        )
    except TelegramError as exc:  # a menu is a convenience: the update goes on; tried next time
        log.warning("could not set the command menu of staff #%s: %s", person.id, exc)
        return
    if not await keep_menu_button(context, person, context.t, person.menu, mark):
        return
    await access.menu_set(context.deps, person.id, wanted)


async def drop_menu(context: BotContext, staff_id: int, telegram_id: int, update: Update) -> None:
    """Someone whose access has ended sees the default menu again (how to get in)."""
    if not _private(update):
        return
    try:
        await context.bot.delete_my_commands(scope=BotCommandScopeChat(telegram_id))
    except TelegramError as exc:
        log.warning("could not remove the command menu of staff #%s: %s", staff_id, exc)
        return
    await drop_menu_button(context, staff_id, telegram_id)
    await access.menu_set(context.deps, staff_id, None)


def _private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE
