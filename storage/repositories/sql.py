"""SQL text made from casework's constants (event kinds, statuses, roles …), never typed again
as literals: a kind renamed in `casework` renames it in every query, and one removed fails at
import, instead of silently dropping out of a figure. (Migrations keep the literals they were
written with: they are history.)"""

from __future__ import annotations

import re
from enum import StrEnum

_PLAIN = re.compile(r"[a-z][a-z0-9_]*")


def literal(member: StrEnum) -> str:
    """`'accepted'`, for SQL."""
    if not _PLAIN.fullmatch(member.value):  # nothing to escape, so nothing to get wrong
        raise ValueError(f"{member!r} is not a plain word and cannot go into SQL as it is")
    return f"'{member.value}'"


def literals(*members: StrEnum) -> str:
    """`('pending', 'accepted')`, for SQL's IN, in the order given (a query that must repeat a
    partial index's condition word for word gives them in the index's order)."""
    if not members:
        raise ValueError("an empty list matches nothing")
    return "(" + ", ".join(literal(member) for member in members) + ")"
