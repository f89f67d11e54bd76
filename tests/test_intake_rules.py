"""The wizard's rules for what is typed or shared at each step (casework/intake.py), alone."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from casework import errors
from casework.intake import (
    Draft,
    Step,
    Typed,
    answered,
    citizen_history,
    contacted,
    duplicate_of,
    in_history,
    located,
    location_given,
    phone_entered,
    repeat_call,
    wants_address,
)
from casework.issues import EventKind, Issue, IssueKind, Location, Source, Status
from casework.organisation import DuplicatePolicy
from casework.people import Staff
from casework.roles import Role
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


# ------------------------------------------------------------------ the citizen's history


def _issue(**changes: object) -> Issue:
    issue = Issue(
        id=7, number="2611-0007", status=Status.PENDING, description="路灯不亮",
        category="streetlight", department="roads", reporter_id=1, urgent=False,
        source=Source.HOTLINE, created_at=START, updated_at=START, handed_at=START,
        respond_by=None, resolve_by=None, citizen_phone="13812345678",
    )  # fmt: skip
    return dataclasses.replace(issue, **changes)  # type: ignore[arg-type]


WORKER = Staff(2, 1002, "李娜", Role.WORKER, None, True)
HEAD = Staff(3, 2001, "陈建国", Role.HEAD, "roads", True)
AT_HISTORY = Draft(
    token="t", step=Step.HISTORY, updated_at=START, description="又来电了",
    citizen_phone="+86 138 1234 5678",
)  # fmt: skip


def test_the_history_is_looked_up_only_when_the_phone_was_just_given() -> None:
    typed = answered(AT[Step.CITIZEN_PHONE], "138 1234 5678", None, START)
    shared = contacted(AT[Step.CITIZEN_NAME], "张三", "13812345678", START)
    named = answered(AT[Step.CITIZEN_NAME], "张三", None, START)
    skipped = answered(AT[Step.CITIZEN_PHONE], "跳过", Typed.SKIP, START)
    with_phone = dataclasses.replace(AT[Step.CITIZEN_NAME], citizen_phone="13812345678")
    renamed = answered(dataclasses.replace(with_phone, editing=True), "张三", None, START)

    assert typed.step is Step.SOURCE  # the history is not a step of its own in the order
    assert phone_entered(AT[Step.CITIZEN_PHONE], typed)
    assert phone_entered(AT[Step.CITIZEN_NAME], shared)
    assert not phone_entered(AT[Step.CITIZEN_NAME], named)  # the phone is asked next
    assert not phone_entered(AT[Step.CITIZEN_PHONE], skipped)
    assert not phone_entered(with_phone, renamed)  # only the name was changed
    # "Log a new issue" goes on to the next step, or back to the summary when editing.
    assert typed.to_history(START).advanced(START).step is Step.SOURCE
    editing = dataclasses.replace(typed, editing=True).to_history(START)
    assert editing.advanced(START).step is Step.SUMMARY
    assert Step.HISTORY not in AT[Step.SUMMARY].editable()


def test_the_history_is_the_citizens_of_90_days_and_a_complaint_only_for_whom_may_see_it() -> None:
    now = START + timedelta(days=30)
    complaint = _issue(kind=IssueKind.COMPLAINT, reporter_id=HEAD.id)

    assert in_history(_issue(citizen_phone="+8613812345678"), WORKER, "138-1234-5678", now)
    assert not in_history(_issue(citizen_phone="13900001111"), WORKER, "13812345678", now)
    assert not in_history(_issue(), WORKER, "13812345678", START + timedelta(days=91))
    assert not in_history(complaint, WORKER, "13812345678", now)
    assert in_history(complaint, HEAD, "13812345678", now)


def test_the_history_lists_open_ones_first_the_newest_first_then_how_many_more() -> None:
    issues = [
        _issue(id=n, number=f"2611-000{n}", status=status, created_at=START + n * timedelta(hours=1))
        for n, status in enumerate(
            [Status.CLOSED, Status.ACCEPTED, Status.WITHDRAWN, Status.PENDING, Status.RESOLVED,
             Status.RETURNED, Status.CLOSED], 1,
        )
    ]  # fmt: skip

    history = citizen_history(issues, WORKER, "13812345678", START + timedelta(days=1))

    assert [i.id for i in history.issues] == [6, 5, 4, 2, 7]
    assert history.more == 2 and [i.id for i in history.open] == [6, 5, 4, 2]


def test_a_repeat_call_goes_only_on_an_open_issue_of_the_citizens() -> None:
    event = repeat_call(AT_HISTORY, _issue(status=Status.ACCEPTED), WORKER, START)

    assert event.kind is EventKind.REPEAT_CALL and event.text == "又来电了"
    assert event.department == "roads" and event.actor_id == WORKER.id
    with pytest.raises(errors.IssueNoLongerOpen):
        repeat_call(AT_HISTORY, _issue(status=Status.CLOSED), WORKER, START)
    for forged in (None, _issue(citizen_phone="13900001111"), _issue(kind=IssueKind.COMPLAINT)):
        with pytest.raises(errors.IssueNotFound):
            repeat_call(AT_HISTORY, forged, WORKER, START)
    with pytest.raises(errors.StaleStep):  # the draft moved on from its history
        repeat_call(AT[Step.SOURCE], _issue(), WORKER, START)


AT_NEARBY = Draft(
    token="t", step=Step.NEARBY, updated_at=START, description="路灯又坏了", category="streetlight",
    location=Location(22.5431, 114.0579),
)  # fmt: skip
NEAR = Location(22.5431 + 150 / 111_195, 114.0579)  # 150 m north
POLICY = DuplicatePolicy(radius_m=200, days=7)


def test_the_issues_nearby_are_looked_up_only_when_the_step_ends_with_a_pin_and_a_category() -> (
    None
):
    at_location = dataclasses.replace(AT[Step.LOCATION], category="streetlight")
    pinned = located(at_location, 22.54, 114.05, START)
    done = answered(pinned, "完成", Typed.DONE, START)
    typed = answered(at_location, "中山路12号", None, START)
    skipped = answered(at_location, "跳过", Typed.SKIP, START)

    assert not location_given(at_location, pinned)  # still asking for the address in words
    assert location_given(pinned, done)
    assert not location_given(at_location, typed) and not location_given(at_location, skipped)
    assert done.to_nearby(START).advanced(START).step is Step.PHOTOS  # "Log a new issue"
    # From a pin on its own, the wizard never stops at the issues nearby on its way.
    assert answered(AT[Step.LOCATION], "跳过", Typed.SKIP, START).step is Step.PHOTOS


def test_a_duplicate_goes_only_on_an_open_issue_of_the_category_near_enough_and_recent() -> None:
    issue = _issue(location=NEAR, status=Status.ACCEPTED)
    event = duplicate_of(AT_NEARBY, issue, WORKER, POLICY, START + timedelta(days=6))

    assert event.kind is EventKind.DUPLICATE and event.text == "路灯又坏了"
    assert event.department == "roads" and event.actor_id == WORKER.id
    with pytest.raises(errors.IssueNoLongerOpen):
        duplicate_of(AT_NEARBY, _issue(location=NEAR, status=Status.CLOSED), WORKER, POLICY, START)
    too_far = Location(22.5431 + 250 / 111_195, 114.0579)
    for forged, now in (
        (None, START),
        (_issue(location=too_far), START),
        (_issue(location=None), START),
        (_issue(location=NEAR, category="water_outage"), START),
        (_issue(location=NEAR, kind=IssueKind.COMPLAINT), START),
        (_issue(location=NEAR), START + timedelta(days=7, seconds=1)),
    ):
        with pytest.raises(errors.IssueNotFound):
            duplicate_of(AT_NEARBY, forged, WORKER, POLICY, now)
    with pytest.raises(errors.StaleStep):  # the draft moved on
        duplicate_of(AT[Step.PHOTOS], issue, WORKER, POLICY, START)
