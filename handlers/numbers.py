"""Numbers typed by people or carried by buttons, and what an issue card's buttons carry, read
strictly: the data may be forged."""

from __future__ import annotations

from rendering.cards import ACTIONS, BACK, DETAILS, MEDIA, PREFIX, TIMELINE

LARGEST = 2**62  # well inside SQLite's integers


def whole_number(text: str) -> int | None:
    """A positive whole number in ASCII digits (not `²`, not 30 digits long), else None."""
    text = text.strip()
    if not text or len(text) > 18 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number < LARGEST else None


def page_number(text: str | None) -> int | None:
    """A page index (0 allowed), bounded, else None."""
    if text == "0":
        return 0
    number = whole_number(text or "")
    return number if number is not None and number < 100_000 else None


def card_button(data: str) -> tuple[int, str, str | None] | None:
    """An issue card's button, `i:<id>:<step>[:<argument>]` (rendering/cards.py `callback`):
    the issue, the step and its argument; None for anything else (forged or garbled)."""
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] != PREFIX:
        return None
    issue_id = whole_number(parts[1])
    if issue_id is None:
        return None
    if parts[2] not in ACTIONS and parts[2] not in (DETAILS, BACK, TIMELINE, MEDIA):
        return None
    return issue_id, parts[2], parts[3] if len(parts) == 4 else None
