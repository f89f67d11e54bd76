"""A fake Telegram Bot API server the tests own, and people who talk to the bot through it."""

from tests.fakebotapi.people import FakeGroup, FakeUser
from tests.fakebotapi.server import BotMessage, Button, FakeBotApi

__all__ = ["BotMessage", "Button", "FakeBotApi", "FakeGroup", "FakeUser"]
