"""A Telegram Bot API emulator: the playground's Telegram, and the one the tests talk to."""

from emulator.people import EmulatedGroup, EmulatedUser
from emulator.server import BotApiEmulator, BotMessage, Button
from emulator.webapp import sign_init_data

__all__ = [
    "BotApiEmulator",
    "BotMessage",
    "Button",
    "EmulatedGroup",
    "EmulatedUser",
    "sign_init_data",
]
