"""/dashboard and the menu button that opens the dashboard (a Telegram Mini App, issue 21),
for coordinators and heads, at the public address DASHBOARD_URL."""

from __future__ import annotations

import hashlib
import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonDefault,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, filters

from casework.people import Staff
from casework.services import dashboard
from handlers.context import BotContext
from rendering.i18n import Texts

log = logging.getLogger(__name__)

# What a stored command menu's name ends with when the chat's menu button opens the dashboard
# (handlers/menus.py): a change of the address sets it again.
OPENS_DASHBOARD = ":dash-"


async def open_dashboard(update: Update, context: BotContext) -> None:
    """`/dashboard`: a button that opens the dashboard (coordinators and heads)."""
    message = update.effective_message
    assert message is not None
    t, url = context.t, context.resources.settings.dashboard_url
    await dashboard.viewer(context.deps, context.staff.telegram_id)  # refused as any command
    if not url:
        await message.reply_text(
            t._(
                "The dashboard is not set up on this bot yet: its administrator sets"
                " DASHBOARD_URL (README, Dashboard)."
            )
        )
        return
    button = InlineKeyboardButton(t._("📊 Open the dashboard"), web_app=WebAppInfo(url))
    await message.reply_text(
        t._(
            "The dashboard: the departments ranked, each rate week by week, the overdue issues"
            " and the map. It opens inside Telegram; the menu button beside the message field"
            " opens it too."
        ),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )


def menu_mark(person: Staff, url: str) -> str:
    """What the stored name of a person's menu carries when their menu button opens the
    dashboard at `url` (nothing when it does not)."""
    if not url or not dashboard.may_open(person):
        return ""
    return OPENS_DASHBOARD + hashlib.sha256(url.encode()).hexdigest()[:8]


async def keep_menu_button(
    context: BotContext, person: Staff, t: Texts, had: str | None, mark: str
) -> bool:
    """The chat's menu button: the dashboard's for a coordinator or head (`mark`), back to
    the default for someone whose button opened it (`had`); whether it is as it should be."""
    bot, url = context.bot, context.resources.settings.dashboard_url
    try:
        if mark:
            button = MenuButtonWebApp(t._("📊 Dashboard"), WebAppInfo(url))
            await bot.set_chat_menu_button(person.telegram_id, button)
        elif had is not None and OPENS_DASHBOARD in had:
            await bot.set_chat_menu_button(person.telegram_id, MenuButtonDefault())
    except TelegramError as exc:  # a convenience: tried again at their next message
        log.warning("could not set the menu button of staff #%s: %s", person.id, exc)
        return False
    return True


async def drop_menu_button(context: BotContext, staff_id: int, telegram_id: int) -> None:
    """Someone whose access has ended: the default menu button again."""
    try:
        await context.bot.set_chat_menu_button(telegram_id, MenuButtonDefault())
    except TelegramError as exc:
        log.warning("could not reset the menu button of staff #%s: %s", staff_id, exc)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CommandHandler("dashboard", open_dashboard, filters=filters.ChatType.PRIVATE)]
