"""Citizens' personal data, masked where others can read it (department group chats)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """`13812345678` → `138****5678`: enough to recognise, not enough to call."""
    digits = phone.removeprefix("+")
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_start = 3 if len(digits) >= 7 else 1
    return digits[:keep_start] + "*" * (len(digits) - keep_start - 4) + digits[-4:]


def mask_name(name: str) -> str:
    """`张三丰` → `张**`, `John Smith` → `J*********`."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)
