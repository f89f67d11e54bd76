"""What /find reads in what was typed: a number, a phone, its last four digits, or words."""

from __future__ import annotations

import pytest

from casework import errors
from casework.lookup import Lookup, LookupKind, lookup_again, read_lookup


@pytest.mark.parametrize(
    ("typed", "kind", "key"),
    [
        ("2611-0042", LookupKind.NUMBER, "2611-0042"),
        ("#2611-42", LookupKind.NUMBER, "2611-0042"),
        ("26110042", LookupKind.PHONE, "26110042"),  # digits alone: an eight-digit landline
        ("+86 138-1234-5678", LookupKind.PHONE, "13812345678"),
        ("１３８１２３４５６７８", LookupKind.PHONE, "13812345678"),  # full-width
        ("(010) 6512 3456", LookupKind.PHONE, "1065123456"),
        ("5678", LookupKind.TAIL, "5678"),
        ("路灯", LookupKind.WORDS, "路灯"),
        ("  路灯，不亮！", LookupKind.WORDS, "路灯 不亮"),
        ("幸福路8号", LookupKind.WORDS, "幸福路8号"),
        ("Main St 8", LookupKind.WORDS, "main st"),  # a lone character is dropped
        ("123", LookupKind.WORDS, "123"),  # too few digits for a phone: words
    ],
)
def test_what_was_typed_is_read_as_a_number_a_phone_its_last_four_or_words(
    typed: str, kind: LookupKind, key: str
) -> None:
    assert read_lookup(typed) == Lookup(kind, key)
    assert lookup_again(kind.value, key) == Lookup(kind, key)  # as a page button carries it


@pytest.mark.parametrize(
    ("typed", "refused"),
    [
        ("", errors.LookupEmpty),
        ("   ", errors.LookupEmpty),
        ("灯", errors.LookupTooShort),
        ("灯 a 8", errors.LookupTooShort),
        ("。，", errors.LookupTooShort),
        ("路灯不亮" * 5, errors.LookupTooLong),
        ("1" * 50, errors.LookupTooLong),
    ],
)
def test_nothing_one_character_or_too_much_is_refused(
    typed: str, refused: type[errors.CaseworkError]
) -> None:
    with pytest.raises(refused):
        read_lookup(typed)


@pytest.mark.parametrize(
    ("kind", "key"),
    [("x", "路灯"), ("w", "路 灯"), ("w", ""), ("t", "12345"), ("n", "2611-42"), ("p", "+86138")],
)
def test_a_forged_page_button_is_no_lookup(kind: str, key: str) -> None:
    assert lookup_again(kind, key) is None
