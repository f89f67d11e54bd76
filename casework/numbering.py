"""Issue numbers people can read aloud on the phone: `2611-0042` (year, month, sequence).

The sequence restarts each month, in the organisation's time zone. Past 9999 in a month
the sequence simply grows a digit (`2611-10000`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

_NUMBER = re.compile(r"^(\d{4})[-‐‑–—－_ ]?(\d{1,6})$")


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%y%m")


def format_number(month: str, sequence: int) -> str:
    return f"{month}-{sequence:04d}"


def parse_number(text: str) -> str | None:
    """The canonical number from what someone typed (`2611-42`, `26110042`, `#2611-0042`)."""
    # NFKC: full-width digits and dash, as a Chinese keyboard may type them, become ASCII.
    # (The prefix goes first: NFKC would make № the letters No.)
    cleaned = unicodedata.normalize("NFKC", text.strip().lstrip("#＃№")).strip().lstrip("#").strip()
    if cleaned.isdigit() and len(cleaned) >= 8:
        cleaned = f"{cleaned[:4]}-{cleaned[4:]}"
    match = _NUMBER.match(cleaned)
    if match is None:
        return None
    return format_number(match.group(1), int(match.group(2)))
