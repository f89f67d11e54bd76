"""Citizens' personal data, masked where others can read it (department group chats)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """`13812345678` → `138****5678`: enough to recognise, not enough to call. Shorter numbers
    (a landline without its area code, a service number) show less: at most their last two
    digits (7 to 10 digits), nothing at all of six or fewer, so most of every number stays
    hidden."""
    digits = phone.removeprefix("+")
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) >= 7:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_name(name: str) -> str:
    """`张三丰` → `张**`, `John Smith` → `J*********`."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)
