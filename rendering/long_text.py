"""Helpers for what goes out: long texts split at Telegram's limit."""

from __future__ import annotations

from telegram.constants import MessageLimit

LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096 characters


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Split at line ends so each part fits in one message; a too-long line is cut."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts
