"""What a redaction blanks in the texts staff typed: the citizen's name, phone and address,
however the phone was typed, and nothing that is not theirs."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import assume, given
from hypothesis import strategies as st

from casework.intake import check_phone
from casework.issues import Event, EventKind, Issue, Location, Source, Status
from casework.retention import (
    PLACEHOLDER,
    PersonalData,
    blank,
    blanked_events,
    national_number,
    phone_spellings,
    redacted,
)

NOW = datetime(2028, 12, 1, tzinfo=UTC)
ZHANG = PersonalData("张三", "13812345678", "幸福路8号3栋502")

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_the_citizens_name_phone_and_address_are_blanked_and_the_rest_stays() -> None:
    text = "张三来电：幸福路8号3栋502漏水，电话 138 1234 5678，已派刘强上门。"

    assert blank(text, ZHANG) == "***来电：***漏水，电话 ***，已派刘强上门。"


def test_a_phone_is_found_however_it_was_typed() -> None:
    for typed in (
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086-138-1234-5678",
        "(+86) 138.1234.5678",
        "１３８１２３４５６７８",
        "＋８６　１３８－１２３４－５６７８",
    ):
        assert blank(f"回电{typed}。", ZHANG) in ("回电***。", "回电(***。"), typed


def test_a_landline_is_found_with_or_without_its_area_codes_zero() -> None:
    citizen = PersonalData(phone="010-65123456")

    assert blank("座机 +86 10 6512 3456", citizen) == "座机 ***"
    assert blank("座机（010）65123456", citizen) == "座机（***"
    assert blank("座机 65123456", citizen) == "座机 65123456"  # without its area code: not sure


def test_any_mobile_number_and_identity_card_number_is_blanked_whoevers_it_is() -> None:
    text = "其女儿电话13987654321，身份证号11010119900307123X。"

    assert blank(text, PersonalData()) == "其女儿电话***，身份证号***。"


def test_dates_times_amounts_and_issue_numbers_are_left_alone() -> None:
    text = "2026-11-25 14:30 工单2611-0042，赔偿1500元，门牌 12-3-502"

    assert blank(text, ZHANG) == text


def test_a_staff_name_that_contains_the_citizens_name_is_left_alone() -> None:
    citizen = PersonalData(name="李明")

    assert blank("李明亮已联系李明", citizen, keep=["李明亮"]) == "李明亮已联系***"
    # A staff member with exactly the citizen's name cannot be told apart: blanked.
    assert blank("李明已到场", citizen, keep=["李明"]) == "***已到场"


def test_a_one_character_name_is_not_searched_for_in_text() -> None:
    assert blank("王府井大街的路灯", PersonalData(name="王")) == "王府井大街的路灯"


def test_a_latin_name_is_found_as_whole_words_whatever_the_case() -> None:
    citizen = PersonalData(name="Li Na")

    assert (
        blank("Called LI  NA back; Linas said fine", citizen) == "Called *** back; Linas said fine"
    )


def test_an_issue_loses_its_citizens_details_and_keeps_what_it_was_about() -> None:
    issue = Issue(
        id=7, number="2611-0007", status=Status.CLOSED, description="张三反映幸福路8号3栋502漏水",
        category="leak", department="water", reporter_id=1, urgent=False, source=Source.HOTLINE,
        created_at=NOW, updated_at=NOW, handed_at=NOW, respond_by=None, resolve_by=None,
        location=Location(31.2, 121.5), address="幸福路8号3栋502", citizen_name="张三",
        citizen_phone="13812345678", photos=("photo-1",), version=4,
    )  # fmt: skip

    after = redacted(issue, NOW)

    assert after.description == "***反映***漏水"
    assert (after.citizen_name, after.citizen_phone, after.address, after.location) == (None,) * 4
    assert after.photos == ()
    assert after.redacted_at == NOW
    assert after.version == 5  # a card on its way shows it as it was: it is refreshed
    assert (after.status, after.department, after.category) == ("closed", "water", "leak")


def test_only_steps_holding_the_citizens_data_are_blanked() -> None:
    steps = [
        Event(EventKind.SUBMITTED, 1, NOW, id=1),
        Event(EventKind.RETURNED, 2, NOW, text="不归我科管", id=2),
        Event(EventKind.NOTE, 1, NOW, text="张三又来电 13812345678", id=3),
        Event(EventKind.RESOLVED, 2, NOW, text="已修复", photos=("after.jpg",), id=4),
    ]

    changes = blanked_events(steps, ZHANG)

    assert [(c.event_id, c.text) for c in changes] == [(3, "***又来电 ***"), (4, "已修复")]


# --------------------------------------------------------------------------------- properties

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
# An area code and a local number: 010 and 02x take 8 digits, the others 7 or 8.
landlines = st.from_regex(
    r"0(10|2[0-9])[1-9][0-9]{7}|0[3-9][0-9]{2}[1-9][0-9]{6,7}", fullmatch=True
)
numbers = mobiles | landlines
# Text around a number: Chinese, Latin letters, punctuation, spaces; no digits and no "+"
# (they would make a different number).
around = st.text(
    alphabet=st.sampled_from("路灯不亮幸福小区电话联系人 abcXYZ，。：:;、!？()（）-"), max_size=12
)


@st.composite
def typings(draw: st.DrawFn, number: str) -> str:
    """The number as someone might type it: grouped, with a country code, full-width."""
    national = number.removeprefix("0") if number.startswith("0") else number
    prefix = draw(st.sampled_from(["", "+86 ", "+86", "0086 ", "86-", "(+86) "]))
    body = number if not prefix else national
    cuts = sorted(draw(st.sets(st.integers(1, len(body) - 1), max_size=3)))
    separator = draw(st.sampled_from([" ", "-", "－", "　", ".", " - "]))
    groups = [body[i:j] for i, j in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    typed = prefix + separator.join(groups)
    if draw(st.booleans()):
        typed = typed.translate(FULL_WIDTH).replace("+", "＋")
    return typed


@given(st.data(), numbers, around, around)
def test_the_phone_never_survives_however_it_was_typed(
    data: st.DataObject, number: str, before: str, after: str
) -> None:
    stored = check_phone(data.draw(typings(number)))
    typed = data.draw(typings(number))
    text = before + typed + after

    blanked = blank(text, PersonalData(phone=stored))

    assert blanked.removesuffix(after).removeprefix(before) in (PLACEHOLDER, "(" + PLACEHOLDER)
    assert not any(c.isdecimal() for c in blanked)


@given(st.data(), numbers)
def test_every_stored_spelling_of_a_number_is_looked_up(data: st.DataObject, number: str) -> None:
    stored = check_phone(data.draw(typings(number)))
    asked = check_phone(data.draw(typings(number)))

    assert national_number(stored) == national_number(asked)
    assert stored in phone_spellings(asked)
    assert all(national_number(s) == national_number(asked) for s in phone_spellings(asked))


names = st.text(
    alphabet=st.sampled_from("张王李赵刘陈杨黄周吴明华丽强芳伟娜"), min_size=2, max_size=4
)
texts = st.text(alphabet=st.sampled_from("张王李赵刘陈明华丽强路灯不亮已联系，。 "), max_size=40)


@given(texts, names)
def test_a_text_is_changed_only_where_the_name_was(text: str, name: str) -> None:
    blanked = blank(text, PersonalData(name=name))

    assert blanked == text.replace(name, PLACEHOLDER)


@given(texts, names, numbers)
def test_blanking_twice_changes_nothing_more(text: str, name: str, number: str) -> None:
    citizen = PersonalData(name=name, phone=number)
    once = blank(f"{text}{number}{text}", citizen)

    assert blank(once, citizen) == once


@given(texts)
def test_a_text_without_the_citizens_details_or_numbers_is_left_as_it_was(text: str) -> None:
    assume("张三" not in text and "幸福路" not in text)

    assert blank(text, ZHANG) == text
