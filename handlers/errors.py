"""The last resort: log what broke, and tell the person plainly. (A refusal of the rules is
not something that broke: handlers/refusals.py answers it before it could get here.)

When the database fails, every update fails the same way: the first is logged with its
traceback, the rest are counted (config/logs.py RepeatedErrors), and a line says when updates
are handled again.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from casework.ports import StoreUnreachable
from casework.services import access, updates
from handlers.context import BotContext
from rendering.i18n import pick_language, texts

log = logging.getLogger(__name__)

HANDLING = "handling an update"
POLLING = "polling"


async def on_error(update: object, context: BotContext) -> None:
    """Log the exception with the update's id, say something went wrong, stop the update."""
    error = context.error
    if not isinstance(update, Update):
        # Errors from polling itself (update is None): the network, Telegram, a restart.
        if isinstance(error, NetworkError):
            log.warning("polling: %s", error)
        elif error is not None:
            _failed(context, POLLING, error)
        return
    if error is not None:
        _failed(context, HANDLING, error, f"update {update.update_id}")
    if isinstance(error, StoreUnreachable):
        # Kept, not handled: the bot that holds the database handles it (this one once it
        # is back, or the standby): no apology asking to try again, nor marked handled.
        raise ApplicationHandlerStop
    t = texts(await _language_of(update, context))
    sorry = t._(
        "Sorry, something went wrong and your last action may not have been saved. "
        "Please try again in a moment."
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(sorry, show_alert=True)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await update.effective_chat.send_message(sorry)
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", exc)
    await _not_again(update.update_id, context)  # after the apology: the database may be slow
    # Fail closed: no later handler group runs for an update that broke (a broken gate
    # must not let the update through to the commands).
    raise ApplicationHandlerStop


async def handled(update: object, context: BotContext) -> None:
    """Runs after every update handled without failing: updates work (again)."""
    resources = context.bot_data.resources
    if resources is not None:
        resources.errors.worked(HANDLING)


def _failed(context: BotContext, what: str, error: Exception, detail: str = "") -> None:
    resources = context.bot_data.resources
    if resources is None:
        log.error("%s failed%s", what, f" ({detail})" if detail else "", exc_info=error)
    else:
        resources.errors.failed(what, error, detail)


async def _language_of(update: Update, context: BotContext) -> str:
    """The person's language, chosen again: this context is not the one the update's handlers
    had. A saved choice is read if the database answers (given a second; a write lock held
    elsewhere can stretch that to its busy timeout); else their Telegram app's language, else
    the default."""
    resources = context.bot_data.resources
    default = resources.settings.default_language if resources else "zh"
    user = update.effective_user
    if user is None:
        return default
    saved = None
    if resources is not None:
        try:
            async with asyncio.timeout(1):
                person = await access.identify(resources.deps, user.id, user.language_code)
            saved = person.language if person else None
        except Exception:  # anything: the apology must still go out
            log.debug("no saved language for the apology")
    return pick_language(saved, user.language_code, default)


async def _not_again(update_id: int, context: BotContext) -> None:
    """Mark the update handled if it was not yet (say the database was locked as it came): the
    person is told to try again, so it must not be handled again after a restart as well."""
    resources = context.bot_data.resources
    if resources is None:
        return
    try:
        async with asyncio.timeout(1):
            await updates.answered_with_an_error(resources.deps, update_id)
    except Exception:  # the database may be what failed: the apology goes out regardless
        log.debug("update %s could not be marked handled", update_id)
