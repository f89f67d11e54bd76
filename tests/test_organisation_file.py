"""The organisation file: the shipped example, and clear errors naming the bad item."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from casework.durations import BadDuration, format_duration, parse_duration
from casework.organisation import Evaluation, Targets
from config.org import OrgFileError, load_organisation, parse_organisation
from emulator import EmulatedUser
from tests.flows import answer, log_issue
from tests.harness import TEST_ORG, Harness, settings_for

EXAMPLE = Path(__file__).parent.parent / "config" / "org.example.toml"


def example() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text("utf-8"))


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(OrgFileError) as refusal:
        parse_organisation(raw, source="org.toml")
    return str(refusal.value).splitlines()


def test_the_shipped_example_is_a_realistic_district() -> None:
    org = load_organisation(EXAMPLE)

    assert len(org.departments) >= 12
    assert len(org.categories) >= 20
    streetlight = org.category("streetlight")
    assert streetlight is not None
    assert streetlight.department == "roads"
    assert streetlight.name("zh") == "路灯故障"
    assert streetlight.respond_within == timedelta(hours=2)
    assert streetlight.urgent_respond_within == timedelta(minutes=30)
    assert org.access.invite_valid_for == timedelta(days=7)


def test_the_shipped_example_lets_nobody_in() -> None:
    """Made-up Telegram IDs belong to real strangers: copied as it is, the example file must
    not give anyone access."""
    assert load_organisation(EXAMPLE).roster == ()
    assert "[[staff]]" not in [line.strip() for line in EXAMPLE.read_text("utf-8").splitlines()]


def test_the_shipped_example_explains_itself_in_chinese_as_well() -> None:
    """The district office reads Chinese: every comment, on its own lines or beside a
    setting, has Chinese in it (the English stays beside it)."""
    lines = EXAMPLE.read_text("utf-8").splitlines()
    blocks: list[list[str]] = [[]]
    beside: list[str] = []
    for line in lines:
        if line.startswith("#"):
            blocks[-1].append(line)
            continue
        blocks.append([])
        if "#" in line:
            beside.append(line)

    def chinese(text: str) -> bool:
        return any("\u4e00" <= c <= "\u9fff" for c in text)

    assert [b for b in blocks if b and not chinese("".join(b))] == []
    assert [line for line in beside if not chinese(line.split("#", 1)[1])] == []
    assert len(beside) >= 14  # the settings of [access], [reminders] and [retention]


def test_a_roster_copied_from_the_old_example_stops_the_bot_with_what_to_do() -> None:
    raw = example()
    raw["staff"] = [
        {"telegram_id": 300001, "name": "督办室 张主任", "role": "coordinator"},  # renamed
        {"telegram_id": 300001 + 7, "name": "督办室 周敏", "role": "coordinator"},
    ]

    found = problems(raw)

    assert found == [
        'org.toml: [[staff]] 300001 "督办室 张主任": this Telegram ID is a made-up one from'
        " the example file; it belongs to a real stranger, who would get access. Remove the"
        " entry and list your own people (README: the first coordinator)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        (" 5 m ", timedelta(minutes=5)),
    ],
)
def test_durations_are_a_number_and_a_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["2", "2 hours", "1.5h", "-3d", "0m", "", "h"])
def test_other_spellings_are_not_durations(text: str) -> None:
    with pytest.raises(BadDuration):
        parse_duration(text)


def test_a_category_pointing_at_an_unknown_department_is_named() -> None:
    raw = example()
    raw["categories"][0]["department"] = "road"

    assert problems(raw) == [
        'org.toml: [[categories]] "streetlight": department "road" is not one of the [[departments]]'
    ]


def test_a_duplicate_code_is_named() -> None:
    raw = example()
    raw["departments"].append(dict(raw["departments"][0]))

    assert problems(raw) == ['org.toml: [[departments]] "roads": code is used 2 times']


def test_a_bad_duration_names_the_category_and_the_field() -> None:
    raw = example()
    raw["categories"][1]["resolve_within"] = "5 days"

    assert problems(raw) == [
        "org.toml: [[categories]] \"pothole\" resolve_within: '5 days' is not a time like 2h,"
        " 3d or 5wd (s, m, h, d, or wd for working days)"
    ]


def test_personal_data_is_kept_two_years_after_an_issue_ends_unless_the_file_says_less() -> None:
    raw = example()
    listed = raw.pop("retention")

    policy = parse_organisation(raw).retention

    assert policy.personal_data_for == timedelta(days=730)
    assert policy.cards_for == timedelta(days=90)
    assert policy.sent_messages_for == timedelta(days=30)
    assert policy.invitations_for == timedelta(days=30)
    # The example file documents every key with its default.
    assert {key: parse_duration(value) for key, value in listed.items()} == {
        "personal_data_for": policy.personal_data_for,
        "cards_for": policy.cards_for,
        "sent_messages_for": policy.sent_messages_for,
        "invitations_for": policy.invitations_for,
    }
    raw["retention"] = {"personal_data_for": "365d", "cards_for": "30d"}
    assert parse_organisation(raw).retention.personal_data_for == timedelta(days=365)
    assert parse_organisation(raw).retention.cards_for == timedelta(days=30)


def test_a_bad_retention_period_is_named() -> None:
    raw = example()
    raw["retention"]["personal_data_for"] = "2y"
    raw["retention"]["keep_photos_for"] = "30d"

    assert problems(raw) == [
        "org.toml: retention.personal_data_for: '2y' is not a duration like 90s, 30m, 2h or 3d",
        "org.toml: retention.keep_photos_for: is not a known setting (check the spelling)",
    ]


def test_targets_are_optional_shares_of_one() -> None:
    raw = example()
    assert load_organisation(EXAMPLE).targets == Targets(  # documented there
        on_time_acceptance_rate=0.95, on_time_resolution_rate=0.9, contact_rate=0.95,
        solved_rate=0.85, satisfaction_rate=0.9,
    )  # fmt: skip
    raw.pop("targets")
    assert parse_organisation(raw).targets == Targets()  # no lines drawn

    raw["targets"] = {
        "on_time_acceptance_rate": 0.9,
        "satisfaction_rate": "85%",
    }  # as people write it

    assert parse_organisation(raw).targets == Targets(
        on_time_acceptance_rate=0.9, satisfaction_rate=0.85
    )


def test_the_older_name_of_the_on_time_acceptance_target_is_still_read() -> None:
    raw = example()
    raw["targets"] = {"response_rate": 0.9}  # before issue 17 named what it measures
    assert parse_organisation(raw).targets == Targets(on_time_acceptance_rate=0.9)

    raw["targets"] = {"response_rate": 0.9, "on_time_acceptance_rate": 0.8}
    assert problems(raw) == [
        "org.toml: targets: response_rate is the older name of on_time_acceptance_rate: set one "
        "of the two"
    ]


def test_the_scores_weights_default_to_the_citizen_first_and_are_checked() -> None:
    raw = example()
    default = Evaluation()
    assert load_organisation(EXAMPLE).evaluation == default  # the example lists the defaults
    raw.pop("evaluation")
    assert parse_organisation(raw).evaluation == default
    assert sum(default.weights.values()) == pytest.approx(1.0)
    citizen = default.contact_rate + default.solved_rate + default.satisfaction_rate
    assert citizen == pytest.approx(0.75)

    raw["evaluation"] = {"satisfaction_rate": 1, "on_time_acceptance_rate": 0}
    weights = parse_organisation(raw).evaluation.weights
    assert (weights["satisfaction_rate"], weights["on_time_acceptance_rate"]) == (1.0, 0.0)

    raw["evaluation"] = {"solved_rate": -0.1, "speed": 1}
    assert problems(raw) == [
        "org.toml: evaluation.solved_rate: Input should be greater than or equal to 0",
        "org.toml: evaluation.speed: is not a known setting (check the spelling)",
    ]
    raw["evaluation"] = dict.fromkeys(Evaluation().weights, 0)
    assert problems(raw) == [
        "org.toml: evaluation: every weight is 0: give at least one rate a weight above 0"
    ]


def test_a_target_written_as_a_percentage_number_is_named_with_how_to_write_it() -> None:
    raw = example()
    raw["targets"] = {
        "on_time_acceptance_rate": 90,
        "on_time_rate": 0.9,
        "satisfaction_rate": "high",
    }

    assert problems(raw) == [
        "org.toml: targets.on_time_acceptance_rate: 90 is not above 0 and at most 1: write 0.9 (or "
        '"90%") for 90 %',
        "org.toml: targets.satisfaction_rate: 'high' is not a rate like 0.9 (or \"90%\")",
        "org.toml: targets.on_time_rate: is not a known setting (check the spelling)",
    ]


def test_the_call_back_tries_three_times_unless_the_file_says_otherwise() -> None:
    raw = example()
    assert load_organisation(EXAMPLE).callback.attempts == 3  # documented there
    raw.pop("callback")
    assert parse_organisation(raw).callback.attempts == 3

    raw["callback"] = {"attempts": 2}
    assert parse_organisation(raw).callback.attempts == 2
    raw["callback"] = {"attempts": 0}
    assert problems(raw) == [
        "org.toml: callback.attempts: Input should be greater than or equal to 1"
    ]


def test_an_issue_is_flagged_at_three_reports_unless_the_file_says_otherwise() -> None:
    raw = example()
    assert load_organisation(EXAMPLE).intake.repeat_flag == 3  # documented there
    raw.pop("intake")
    assert parse_organisation(raw).intake.repeat_flag == 3

    raw["intake"] = {"repeat_flag": 2}
    assert parse_organisation(raw).intake.repeat_flag == 2
    for bad in (1, 0, 101, "3", True, 2.5):
        raw["intake"] = {"repeat_flag": bad}
        assert problems(raw) == [
            f"org.toml: intake.repeat_flag: {bad!r} is not a number of reports from 2 to 100:"
            " an issue reported this many times is flagged to the coordinators (e.g. 3)"
        ], bad


def test_a_misspelt_setting_is_reported_rather_than_ignored() -> None:
    raw = example()
    raw["categories"][2]["respond_whithin"] = "2h"

    assert problems(raw) == [
        'org.toml: [[categories]] "manhole" respond_whithin: is not a known setting '
        "(check the spelling)"
    ]


def test_every_problem_is_listed_at_once() -> None:
    raw = example()
    raw["categories"][0]["urgent_resolve_within"] = "soon"
    del raw["departments"][3]["name"]

    found = problems(raw)

    assert len(found) == 2
    assert any('[[departments]] "greening" name: is missing' in line for line in found)
    assert any('[[categories]] "streetlight" urgent_resolve_within' in line for line in found)


def test_members_and_heads_on_the_roster_need_a_known_department() -> None:
    raw = example()
    raw["staff"] = [
        {"telegram_id": 1, "name": "甲", "role": "head"},
        {"telegram_id": 2, "name": "乙", "role": "member", "department": "nowhere"},
        {"telegram_id": 3, "name": "丙", "role": "boss"},
    ]

    found = problems(raw)

    assert any('[[staff]] "3" role:' in line for line in found)
    raw["staff"].pop()
    found = problems(raw)
    assert found == [
        'org.toml: [[staff]] 1 "甲": a head needs a department',
        'org.toml: [[staff]] 2 "乙": department "nowhere" is not one of the [[departments]]',
    ]


def test_a_missing_or_broken_file_is_reported_plainly(tmp_path: Path) -> None:
    with pytest.raises(OrgFileError, match="no such file"):
        load_organisation(tmp_path / "org.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[departments]\ncode = 'x'\n")
    with pytest.raises(OrgFileError, match="not valid TOML"):
        load_organisation(broken)


async def test_an_issue_whose_category_left_the_file_keeps_its_name_and_can_move_on(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, water_head: EmulatedUser, tmp_path: Path
) -> None:
    await head.send("/start")
    await water_head.send("/start")
    number = await log_issue(worker)  # a street light
    renamed = tmp_path / "org-renamed.toml"
    renamed.write_text(
        TEST_ORG.read_text("utf-8").replace('code = "streetlight"', 'code = "street_light"'),
        encoding="utf-8",
    )
    bot.settings = settings_for(bot.api, tmp_path, org_file=renamed)
    await bot.restart()

    await head.send(f"/issue {number}")
    card = [m for m in head.messages if number in m.text and m.has_button("转办")][-1]
    assert "路灯故障" in card.text  # its name, not its old code
    await head.press(card, "转办")
    await head.press(card, "供水服务中心")
    await answer(head, "是水管问题")

    assert not bot.tracking.errors
    assert (await water_head.wait_for(number)).has_button("签收")  # with fresh deadlines
