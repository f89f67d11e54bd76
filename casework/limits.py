"""How long texts may be and how many photos an issue keeps.

Cards must fit Telegram's 4096-character messages with every field shown, so each text
that goes on a card has a limit of its own.
"""

DESCRIPTION_MAX = 1500
REASON_MAX = 1000  # reasons, notes and resolutions
NAME_MAX = 50
ADDRESS_MAX = 200
PHOTOS_MAX = 10  # a Telegram album holds ten
