"""The machinery that runs the bot: the application and its stop, the Bot API client, the order
updates are handled in, the outbox sender within Telegram's limits, and the sweep."""
