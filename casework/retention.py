"""Retention (PIPL): what of a citizen's personal data is removed, and how it is found in text.

When an issue has been over long enough (`RetentionPolicy.personal_data_for`), or when a
citizen asks, the citizen's name, phone, address, location and photos are removed from the
issue, and their name, phone and address are blanked wherever staff typed them: in the issue's
description and in the texts of its timeline. What the issue was about, who did what and when,
and every figure counted from it stay.

Pure functions: no storage, no Telegram.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from casework.issues import Event, EventKind, Issue

PLACEHOLDER = "***"  # one length for every blanked word: it does not tell how long it was
# How long a coordinator has to confirm a /redact before its question goes stale.
CONFIRM_WITHIN = timedelta(minutes=10)

# Names and addresses shorter than this (in letters and digits) are removed from their field
# but not searched for in free text: one character (a surname alone) would blank unrelated
# words all over the timeline.
_SHORTEST_SEARCHED = 2
# A national number shorter than this is not searched for in text either (check_phone takes
# 5 to 15 digits: a shorter one is no phone number).
_SHORTEST_PHONE = 5
_LONGEST_PHONE = 20  # 15 digits and 00860 in front: a longer run of digits is not one number

# Between the groups of digits of one phone number as people type it: spaces (the full-width
# one too), dashes of every kind, dots, brackets; at most a few in a row.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−－.．·()（）]{1,3}")
_GROUP = re.compile(r"\d+")  # any script's decimal digits: full-width ones are typed too
_PLUS = ("+", "＋")
# A mainland mobile number, whoever's it is: blanked too (a relative's, a second number).
_MOBILE = re.compile(r"1[3-9]\d{9}")
# A resident identity card number (18 characters, the last a digit or X): sensitive under PIPL.
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])", re.ASCII)


@dataclass(frozen=True)
class PersonalData:
    """The citizen's details as the issue holds them, to find in what staff typed."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None

    @classmethod
    def of(cls, issue: Issue) -> PersonalData:
        return cls(issue.citizen_name, issue.citizen_phone, issue.address)


def national_number(phone: str) -> str:
    """The digits that identify a number however it was written: without +86, 0086 or 86 in
    front, nor the trunk 0 of an area code. `+86 138-1234-5678` → `13812345678`,
    `(010) 6512 3456` → `1065123456`, `+86 10 6512 3456` → `1065123456`."""
    digits = "".join(str(unicodedata.decimal(c)) for c in phone if c.isdecimal())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) >= 12:  # 86 and a full national number
        digits = digits[2:]
    return digits.removeprefix("0")


def same_phone(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and national_number(a) == national_number(b)


def phone_spellings(phone: str) -> list[str]:
    """Every way a number can be stored (intake keeps it as typed, separators dropped: see
    `casework.intake.check_phone`) that means the same number: to look it up by index."""
    national = national_number(phone)
    found = []
    for prefix in ("", "0", "86", "860", "0086", "00860"):
        for plus in ("", "+"):
            spelled = plus + prefix + national
            if national_number(spelled) == national:
                found.append(spelled)
    return found


def blank(text: str, citizen: PersonalData, keep: Collection[str] = ()) -> str:
    """`text` with the citizen's name, phone and address blanked (however the phone was
    typed), and any mainland mobile number or identity card number. A name inside one of `keep` (staff names) where
    the text has that whole name is left alone: `李明亮` stays when the citizen is `李明`."""
    spans = [
        *_phone_spans(text, citizen.phone),
        *(match.span() for match in _ID_CARD.finditer(text)),
        *_literal_spans(text, citizen.address),
    ]
    protected = [
        span
        for kept in keep
        if citizen.name
        and _fold(citizen.name) in _fold(kept)
        and _fold(kept) != _fold(citizen.name)
        for span in _literal_spans(text, kept)
    ]
    spans += [
        (start, end)
        for start, end in _literal_spans(text, citizen.name)
        if not any(start < k_end and k_start < end for k_start, k_end in protected)
    ]
    if not spans:
        return text
    pieces, at = [], 0
    for start, end in _merged(spans):
        pieces += [text[at:start], PLACEHOLDER]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def redacted(issue: Issue, now: datetime, keep: Collection[str] = ()) -> Issue:
    """The issue without the citizen's personal data; its description and its result keep what
    they said (the result blanked as the timeline's step it copies, its photos dropped)."""
    citizen = PersonalData.of(issue)
    resolution = issue.resolution
    if resolution is not None:
        resolution = dataclasses.replace(
            resolution, text=blank(resolution.text, citizen, keep), photos=()
        )
    return dataclasses.replace(
        issue,
        description=blank(issue.description, citizen, keep),
        resolution=resolution,
        citizen_name=None,
        citizen_phone=None,
        address=None,
        location=None,
        photos=(),
        redacted_at=now,
        version=issue.version + 1,
    )


def holds_nothing_personal(issue: Issue, keep: Collection[str] = ()) -> bool:
    """The issue itself holds none of the citizen's data (its timeline aside)."""
    return (
        issue.citizen_name is None
        and issue.citizen_phone is None
        and issue.address is None
        and issue.location is None
        and not issue.photos
        and blank(issue.description, PersonalData(), keep) == issue.description
        and (
            issue.resolution is None
            or (
                not issue.resolution.photos
                and blank(issue.resolution.text, PersonalData(), keep) == issue.resolution.text
            )
        )
    )


@dataclass(frozen=True)
class BlankedEvent:
    """What a redaction writes over one step of the timeline: its text blanked (None stays
    None), its photos dropped. Every other field of the step stays as it was."""

    event_id: int
    text: str | None


def blanked_events(
    events: Collection[Event], citizen: PersonalData, keep: Collection[str] = ()
) -> list[BlankedEvent]:
    """The steps that hold some of the citizen's data (in their text, or photos), blanked;
    steps that hold none are left as they were."""
    found = []
    for event in events:
        assert event.id is not None
        text = blank(event.text, citizen, keep) if event.text is not None else None
        if text != event.text or event.photos:
            found.append(BlankedEvent(event.id, text))
    return found


@dataclass(frozen=True)
class RedactionRequest:
    """A coordinator's /redact, waiting for their confirmation: the issues it found. The phone
    itself is not kept: the issues say whose data goes."""

    token: str  # the confirmation button's, unguessable
    staff_id: int
    issue_ids: tuple[int, ...]
    created_at: datetime

    def expired(self, now: datetime) -> bool:
        return now - self.created_at >= CONFIRM_WITHIN


def redaction_event(now: datetime, actor_id: int | None) -> Event:
    """The mark a redaction leaves on the timeline: when, and who asked (None: the retention
    policy). It holds no personal data."""
    return Event(kind=EventKind.REDACTED, actor_id=actor_id, at=now)


# ------------------------------------------------------------------------------------ finding


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _searchable(value: str | None) -> bool:
    return value is not None and sum(c.isalnum() for c in value) >= _SHORTEST_SEARCHED


def _literal_spans(text: str, value: str | None) -> Iterator[tuple[int, int]]:
    """Where `value` is in `text`: case and spacing aside; a Latin word only as a whole word."""
    if not _searchable(value):
        return
    assert value is not None
    words = value.split()
    pattern = r"\s*".join(re.escape(word) for word in words)
    if words[0][0].isascii() and words[0][0].isalnum():
        pattern = r"(?<![A-Za-z0-9])" + pattern
    if words[-1][-1].isascii() and words[-1][-1].isalnum():
        pattern += r"(?![A-Za-z0-9])"
    for match in re.finditer(pattern, text, re.IGNORECASE):
        yield match.span()


def _phone_spans(text: str, phone: str | None) -> Iterator[tuple[int, int]]:
    """Where the phone (and any mainland mobile number) is in `text`, however it was typed:
    groups of digits with spaces, dashes or brackets between them, full-width digits, +86 or
    0086 in front. The longest run of groups that is the number is blanked, with its +."""
    wanted = national_number(phone) if phone else ""
    if len(wanted) < _SHORTEST_PHONE:
        wanted = ""
    for chain in _chains(text):
        digits = ["".join(str(unicodedata.decimal(c)) for c in group[0]) for group in chain]
        first = 0
        while first < len(chain):
            # The runs of groups from `first` short enough to be a number, longest first.
            lasts, length = [], 0
            for last in range(first, len(chain)):
                length += len(digits[last])
                if length > _LONGEST_PHONE:
                    break
                lasts.append(last)
            for last in reversed(lasts):
                national = national_number("".join(digits[first : last + 1]))
                if national == wanted or _MOBILE.fullmatch(national):
                    start = chain[first].start()
                    if start > 0 and text[start - 1] in _PLUS:
                        start -= 1
                    yield start, chain[last].end()
                    first = last + 1
                    break
            else:
                first += 1


def _chains(text: str) -> Iterator[list[re.Match[str]]]:
    """Groups of digits, chained where only separators stand between them."""
    chain: list[re.Match[str]] = []
    for group in _GROUP.finditer(text):
        if chain and not _SEPARATORS.fullmatch(text, chain[-1].end(), group.start()):
            yield chain
            chain = []
        chain.append(group)
    if chain:
        yield chain


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
