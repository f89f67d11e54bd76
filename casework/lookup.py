"""`/find`: what a person typed to look issues up, read as an issue number, a citizen's phone
(whole, or its last four digits), or words to find in descriptions and addresses.

Chinese has no spaces between words, so words are found as any part of a phrase: what was typed
is cut into runs of letters and digits (punctuation and spaces cut), and each run must appear,
as typed, in the issue's description or address. Pure: no storage, no Telegram.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from casework import errors
from casework.numbering import parse_number
from casework.retention import national_number

SHORTEST = 2  # characters: one alone (a surname, `灯`) would find half the city
LONGEST = 16  # characters: a phrase, not a paragraph (and it must fit a page button)
_LONGEST_BYTES = 48  # the words as a page button carries them (callback data: 64 bytes)
_LONGEST_TYPED = 40  # a phone or a number as typed, separators and all
TAIL = 4  # the last digits of a phone, as citizens and staff read them out
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")  # as casework.intake.check_phone drops them
_PHONE_DIGITS = (5, 15)  # as casework.intake.check_phone takes them


class LookupKind(StrEnum):
    NUMBER = "n"  # an issue number, written as one: 2611-0042 (not 26110042: a phone)
    PHONE = "p"  # a citizen's whole phone, as its national number
    TAIL = "t"  # the last four digits of a citizen's phone
    WORDS = "w"  # words in the description or the address


@dataclass(frozen=True)
class Lookup:
    kind: LookupKind
    key: str  # the number; the phone's national number; its last four; the words, spaced

    @property
    def words(self) -> list[str]:
        """The runs that must each be found (WORDS), every one at least two characters."""
        return self.key.split()


def runs(text: str) -> list[str]:
    """The runs of letters and digits of `text`, case folded (`路灯，不亮` → `路灯`, `不亮`;
    full-width letters and digits as their ASCII twins)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    found, run = [], ""
    for char in folded:
        if char.isalnum():
            run += char
        elif run:
            found.append(run)
            run = ""
    if run:
        found.append(run)
    return found


def read_lookup(text: str) -> Lookup:
    """What `/find <text>` asks for; refused when empty, one character, or over-long."""
    typed = unicodedata.normalize("NFKC", text).strip()
    if not typed:
        raise errors.LookupEmpty()
    if len(typed) > _LONGEST_TYPED:
        raise errors.LookupTooLong(LONGEST)
    # Digits alone are a phone (`65123456` is a landline); a number is written as one.
    number = None if typed.isdigit() else parse_number(typed)
    if number is not None:
        return Lookup(LookupKind.NUMBER, number)
    digits = _PHONE_PUNCTUATION.sub("", typed)
    bare = digits.removeprefix("+")
    if bare.isascii() and bare.isdigit():
        if len(bare) == TAIL and not digits.startswith("+"):
            return Lookup(LookupKind.TAIL, bare)
        if _PHONE_DIGITS[0] <= len(bare) <= _PHONE_DIGITS[1]:
            return Lookup(LookupKind.PHONE, national_number(digits))
    if len(typed) > LONGEST:  # a phone typed with +86 and dashes may be longer
        raise errors.LookupTooLong(LONGEST)
    found = [run for run in runs(typed) if len(run) >= SHORTEST]
    if not found:
        raise errors.LookupTooShort(SHORTEST)
    key = " ".join(found)
    if len(key.encode()) > _LONGEST_BYTES:
        raise errors.LookupTooLong(LONGEST)
    return Lookup(LookupKind.WORDS, key)


def lookup_again(kind: str, key: str) -> Lookup | None:
    """The lookup a page button carries (`kind`, `key`: as `Lookup` holds them), if it is one
    `read_lookup` could have made; None for anything else (a forged button)."""
    try:
        kind_read = LookupKind(kind)
    except ValueError:
        return None
    if len(key.encode()) > _LONGEST_BYTES or not key:
        return None
    match kind_read:
        case LookupKind.NUMBER:
            ok = parse_number(key) == key
        case LookupKind.TAIL:
            ok = key.isascii() and key.isdigit() and len(key) == TAIL
        case LookupKind.PHONE:
            ok = key.isascii() and key.isdigit() and national_number(key) == key
        case LookupKind.WORDS:
            ok = " ".join(r for r in runs(key) if len(r) >= SHORTEST) == key
    return Lookup(kind_read, key) if ok else None
