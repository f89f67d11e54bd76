"""A bare python-telegram-bot bot that echoes every message: the yardstick for the flows.

Its default: updates handled one after another. Settings from the same environment variables
as the real bot (BOT_TOKEN, BOT_API_BASE_URL).
"""

from __future__ import annotations

import asyncio
import os

from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(update.message.text or "…")


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()


def main() -> None:
    app = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_BASE_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(answer))
    # A loop of its own: run_polling asks asyncio for the current one, which Python 3.12 and
    # 3.13 warn is missing (DeprecationWarning) and 3.14 refuses (RuntimeError).
    asyncio.set_event_loop(asyncio.new_event_loop())
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
