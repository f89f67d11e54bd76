"""Numbers typed by people or carried by buttons, read strictly."""

from __future__ import annotations

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
