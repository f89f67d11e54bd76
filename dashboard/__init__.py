"""The coordination office's dashboard: a Telegram Mini App served by the bot's own process."""
