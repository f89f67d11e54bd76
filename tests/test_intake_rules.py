"""The wizard's rules for what is typed or shared at each step (casework/intake.py), alone."""

from __future__ import annotations

import pytest

from casework import errors
from casework.intake import Draft, Step, Typed, answered, contacted, located, wants_address
from casework.issues import Location
from tests.harness import START

AT = {step: Draft(token="t", step=step, updated_at=START) for step in Step}


def test_skip_moves_on_and_clears_what_the_step_had() -> None:
    editing = Draft(
        token="t", step=Step.CITIZEN_PHONE, updated_at=START, editing=True,
        citizen_phone="13812345678",
    )  # fmt: skip

    after = answered(editing, "跳过", Typed.SKIP, START)

    assert after.citizen_phone is None and after.step is Step.SUMMARY


def test_a_shared_pin_waits_for_the_address_in_words_and_keeps_both() -> None:
    shared = located(AT[Step.LOCATION], 31.23, 121.47, START)
    assert shared.step is Step.LOCATION and wants_address(shared)

    typed = answered(shared, "中山路12号东门", None, START)

    assert typed.address == "中山路12号东门"
    assert typed.location == Location(31.23, 121.47)
    assert typed.step is Step.PHOTOS


def test_done_after_a_pin_keeps_the_pin_alone() -> None:
    shared = located(AT[Step.LOCATION], 31.23, 121.47, START)

    done = answered(shared, "完成", Typed.DONE, START)

    assert done.location == Location(31.23, 121.47) and done.address is None
    assert done.step is Step.PHOTOS


def test_done_without_a_pin_is_an_address_like_any_other_words() -> None:
    typed = answered(AT[Step.LOCATION], "完成", Typed.DONE, START)

    assert typed.address == "完成" and typed.step is Step.PHOTOS


def test_a_venue_chosen_on_the_map_brings_its_address() -> None:
    pinned = located(AT[Step.LOCATION], 31.23, 121.47, START, "人民公园 南京西路231号")

    assert pinned.address == "人民公园 南京西路231号" and pinned.step is Step.PHOTOS


def test_skip_right_after_a_pin_keeps_the_pin() -> None:
    shared = located(AT[Step.LOCATION], 31.23, 121.47, START)

    skipped = answered(shared, "跳过", Typed.SKIP, START)

    assert skipped.location == Location(31.23, 121.47) and skipped.address is None
    assert skipped.step is Step.PHOTOS


def test_skip_at_the_location_question_leaves_the_place_out() -> None:
    editing = Draft(
        token="t", step=Step.LOCATION, updated_at=START, editing=True,
        location=Location(31.23, 121.47), address="中山路12号",
    )  # fmt: skip

    skipped = answered(editing, "跳过", Typed.SKIP, START)

    assert skipped.location is None and skipped.address is None


def test_done_when_editing_the_place_keeps_it_as_it_was() -> None:
    editing = Draft(
        token="t", step=Step.LOCATION, updated_at=START, editing=True,
        location=Location(31.23, 121.47), address="中山路12号",
    )  # fmt: skip

    kept = answered(editing, "完成", Typed.DONE, START)

    assert (kept.location, kept.address) == (Location(31.23, 121.47), "中山路12号")
    assert kept.step is Step.SUMMARY


def test_a_new_pin_when_editing_asks_the_address_again_and_done_keeps_the_old_one() -> None:
    editing = Draft(
        token="t", step=Step.LOCATION, updated_at=START, editing=True,
        location=Location(31.0, 121.0), address="中山路12号",
    )  # fmt: skip

    pinned = located(editing, 31.23, 121.47, START)
    assert wants_address(pinned) and pinned.step is Step.LOCATION
    kept = answered(pinned, "完成", Typed.DONE, START)
    retyped = answered(pinned, "解放路3号", None, START)

    assert (kept.location, kept.address) == (Location(31.23, 121.47), "中山路12号")
    assert (retyped.location, retyped.address) == (Location(31.23, 121.47), "解放路3号")
    assert not wants_address(kept) and kept.step is Step.SUMMARY


def test_words_where_photos_or_buttons_are_wanted_are_refused() -> None:
    with pytest.raises(errors.PhotoWanted):
        answered(AT[Step.PHOTOS], "好的", None, START)
    with pytest.raises(errors.ButtonsWanted):
        answered(AT[Step.CATEGORY], "路灯", None, START)
    assert answered(AT[Step.PHOTOS], "完成", Typed.DONE, START).step is Step.CITIZEN_NAME


def test_a_contact_fills_name_and_phone_and_moves_past_both() -> None:
    after = contacted(AT[Step.CITIZEN_NAME], "张三", "+86 138-1234-5678", START)

    assert (after.citizen_name, after.citizen_phone) == ("张三", "+8613812345678")
    assert after.step is Step.SOURCE


@pytest.mark.parametrize("step", [Step.DESCRIPTION, Step.PHOTOS, Step.SOURCE])
def test_a_location_or_contact_where_no_step_takes_one_is_refused(step: Step) -> None:
    with pytest.raises(errors.NotExpectedNow):
        located(AT[step], 31.23, 121.47, START)
    with pytest.raises(errors.NotExpectedNow):
        contacted(AT[step], "张三", "13812345678", START)


@pytest.mark.parametrize("step", [Step.DESCRIPTION, Step.LOCATION, Step.CITIZEN_NAME])
def test_a_buttons_label_typed_where_the_step_has_no_such_button_is_kept_as_typed(
    step: Step,
) -> None:
    after = answered(AT[step], "完成", Typed.DONE, START)  # Done is a button of the photos step

    assert "完成" in (after.description, after.address, after.citizen_name)
