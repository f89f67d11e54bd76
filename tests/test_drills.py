"""The playground's drills (issue 18): their files load or are refused by name, and their steps
are ticked by what the real bot keeps, taken by people in the emulator's chats, with the
mistakes a trainer wants to see: a wrong department, a step by the wrong person, a step taken
too early. The shipped drills run against the example organisation's codes (the sample
district's), with a roster of their people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from config.org import load_organisation
from emulator import BotApiEmulator, EmulatedUser
from playground.drills import (
    DRILLS,
    PEOPLE,
    Check,
    Drill,
    DrillError,
    Progress,
    load_drills,
    progress,
    unknown_codes,
)
from playground.runner import District
from tests.flows import answer, call_back, card_for, log_issue, past_history, rows
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot

ROOT = Path(__file__).parent.parent
EXAMPLE_ORG = ROOT / "config" / "org.example.toml"
DISTRICT = ROOT / "playground" / "district.toml"  # the sample district
MINUTE = timedelta(minutes=1)

# The drills' people, as the playground maps them (Telegram id -> key); 2003 is a second head
# of Roads and Lighting whom no drill names.
ROSTER = """
[[staff]]
telegram_id = 1001
name = "王芳"
role = "worker"

[[staff]]
telegram_id = 1002
name = "李娜"
role = "worker"

[[staff]]
telegram_id = 2001
name = "张建国"
role = "head"
department = "roads"

[[staff]]
telegram_id = 2002
name = "刘强"
role = "member"
department = "roads"

[[staff]]
telegram_id = 2003
name = "王伟"
role = "head"
department = "roads"

[[staff]]
telegram_id = 3001
name = "赵丽"
role = "head"
department = "drainage"

[[staff]]
telegram_id = 9001
name = "周敏"
role = "coordinator"
"""
PEOPLE_IDS = {
    1001: "worker",
    1002: "hotline",
    2001: "head1",
    2002: "member",
    3001: "head2",
    9001: "coordinator",
}


def drill(drill_id: str) -> Drill:
    [found] = [d for d in load_drills() if d.id == drill_id]
    return found


# ------------------------------------------------------------------------------ the files


def test_every_drill_file_loads_and_names_only_codes_the_sample_district_has() -> None:
    drills = load_drills()

    assert [d.id for d in drills] == ["streetlight", "return-reroute", "overdue-redo"]
    district = District.load(DISTRICT)
    for org in (load_organisation(EXAMPLE_ORG), district.org):
        assert {d.id: unknown_codes(d, org) for d in drills} == {d.id: [] for d in drills}
    assert set(PEOPLE) <= {p["key"] for p in district.page["people"]}  # each has a phone
    for each in drills:
        assert each.title["zh"] and each.title["en"] and each.task["zh"] and each.task["en"]
        assert all(step.who in PEOPLE for step in each.steps)


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, "utf-8")
    return path


GOOD_STEP = """
[[steps]]
text = { zh = "签收", en = "Accept it" }
who = "head1"
event = "accepted"
"""
GOOD_HEAD = """
id = "one"
title = { zh = "演练", en = "A drill" }
task = { zh = "做", en = "Do it" }
"""


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (GOOD_HEAD + GOOD_STEP.replace('"head1"', '"boss"'), "step 1: who: unknown person 'boss'"),
        (GOOD_HEAD + GOOD_STEP.replace('"accepted"', '"signed"'), "step 1: unknown event 'signed'"),
        (GOOD_HEAD + GOOD_STEP.replace(', en = "Accept it"', ""), "step 1: text: en is missing"),
        (GOOD_HEAD.replace('zh = "演练", ', "") + GOOD_STEP, "title: zh is missing"),
        (GOOD_HEAD.replace('task = { zh = "做", en = "Do it" }', "") + GOOD_STEP, "task needs"),
        (GOOD_HEAD, "no [[steps]]"),
        (GOOD_HEAD + GOOD_STEP + 'deparment = "roads"\n', "step 1: unknown key deparment"),
        (GOOD_HEAD + GOOD_STEP + 'target = "member"\n', "a target is for an 'assigned' step"),
        (GOOD_HEAD + GOOD_STEP + 'outcome = "redo"\n', "an outcome is for a 'callback' step"),
        (GOOD_HEAD + GOOD_STEP + 'source = "fax"\n', "step 1: source: unknown 'fax'"),
        (GOOD_HEAD + GOOD_STEP + 'mistakes = ["category"]\n', "does not ask: category"),
        (GOOD_HEAD.replace('"one"', '"One Drill"') + GOOD_STEP, "id must be"),
        (GOOD_HEAD + GOOD_STEP + "who = ", "Invalid"),  # not TOML at all
    ],
)
def test_a_drill_file_that_cannot_be_used_is_refused_naming_the_file(
    tmp_path: Path, body: str, said: str
) -> None:
    write(tmp_path, "1_good.toml", GOOD_HEAD.replace('"one"', '"good"') + GOOD_STEP)
    bad = write(tmp_path, "2_bad.toml", body)

    with pytest.raises(DrillError) as refused:
        load_drills(tmp_path)

    assert str(refused.value).startswith(f"{bad}: ")
    assert said in str(refused.value)


def test_two_drills_with_one_id_are_refused_naming_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.toml", GOOD_HEAD + GOOD_STEP)
    second = write(tmp_path, "b.toml", GOOD_HEAD + GOOD_STEP)

    with pytest.raises(DrillError, match=f"^{second}: id 'one' is taken by {first}$"):
        load_drills(tmp_path)


def test_a_step_counts_as_mistakes_what_it_asks_unless_its_file_says_less() -> None:
    streetlight, _, overdue = load_drills(DRILLS)

    assert streetlight.steps[0].mistakes == {
        Check.PERSON, Check.DEPARTMENT, Check.CATEGORY, Check.SOURCE, Check.ORDER,
    }  # fmt: skip
    assert overdue.steps[1].mistakes == {Check.ORDER}  # an escalation is told, not taken
    assert overdue.steps[2].mistakes == {Check.ORDER}  # a note by another is no mistake


# ------------------------------------------------------------------------------ progress


@pytest.fixture
async def bot(api: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    """The bot with the example organisation (the sample district's codes), no quiet hours,
    and the drills' people."""
    org = tmp_path / "org.toml"
    text = EXAMPLE_ORG.read_text("utf-8")
    assert 'quiet_hours = "22:00-07:30"' in text
    org.write_text(text.replace('quiet_hours = "22:00-07:30"', 'quiet_hours = ""') + ROSTER)
    harness = await start_bot(api, settings_for(api, tmp_path, org_file=org), clock)
    yield harness
    await stop_bot(harness)
    assert not harness.tracking.errors


@pytest.fixture
async def people(bot: Harness) -> dict[str, EmulatedUser]:
    """Everyone, with their chat with the bot opened."""
    found = {key: bot.user(telegram_id, key) for telegram_id, key in PEOPLE_IDS.items()}
    found["second_head"] = bot.user(2003, "王伟")
    for person in found.values():
        await person.send("/start")
    return found


async def log(
    person: EmulatedUser,
    category: str,
    source: str,
    department: str = "✓ ",
    phone: str | None = "13812345678",
    description: str = "和平大道与建设二路路口路灯不亮",
) -> str:
    """/new, answered as a person would, and submitted; its number."""
    await person.send(f"/new {description}")
    await person.press(person.last, category)
    await person.send("跳过")  # no place
    await person.send("完成")  # no photos
    await person.send("张三")
    await person.send(phone or "跳过")
    await past_history(person)  # the same citizen as an earlier drill's: log a new issue
    await person.press(person.last, source)
    await person.press(person.last, "一般")
    await person.press(person.last, department)
    summary = person.last
    await person.press(summary, "提交")
    assert "已提交，编号 " in summary.text, summary.text
    return summary.text.split("已提交，编号 ")[1].split("，")[0]


async def now_progress(bot: Harness, of: Drill, started: datetime) -> Progress:
    return await progress(bot.resources.deps, of, started, PEOPLE_IDS, bot.clock.now())


def ticked(found: Progress) -> list[bool]:
    return [s.done for s in found.steps]


async def test_the_streetlight_drill_is_ticked_step_by_step_and_timed_by_the_bots_clock(
    bot: Harness, people: dict[str, EmulatedUser]
) -> None:
    worker, head = people["worker"], people["head1"]
    streetlight = drill("streetlight")
    await log(worker, "路灯故障", "社区走访")  # before the drill began: not counted
    bot.clock.advance(MINUTE)
    started = bot.clock.now()

    at_start = await now_progress(bot, streetlight, started)
    bot.clock.advance(3 * MINUTE)
    number = await log(worker, "路灯故障", "社区走访")
    logged = await now_progress(bot, streetlight, started)
    bot.clock.advance(2 * MINUTE)
    card = card_for(head, number)
    await head.press(card, "签收")
    accepted = await now_progress(bot, streetlight, started)
    bot.clock.advance(5 * MINUTE)
    await head.press(card, "指派")
    await head.press(card, "刘强")
    done = await now_progress(bot, streetlight, started)

    assert [ticked(p) for p in (at_start, logged, accepted)] == [
        [False, False, False],
        [True, False, False],
        [True, True, False],
    ]
    assert not accepted.finished and accepted.to_json()["summary"] is None
    assert done.finished and ticked(done) == [True, True, True]
    assert done.seconds == 10 * 60  # from the start to the assignment, by the bot's clock
    assert done.mistakes == ()
    assert done.to_json() == {
        "id": "streetlight",
        "title": streetlight.title,
        "task": streetlight.task,
        "steps": [
            {"text": s.text, "who": who, "done": True}
            for s, who in zip(streetlight.steps, ["worker", "head1", "head1"], strict=True)
        ],
        "finished": True,
        "summary": {"seconds": 600, "mistakes": []},
        "mistakes": [],
    }


async def test_an_issue_sent_to_the_wrong_department_is_a_mistake_and_ticks_nothing(
    bot: Harness, people: dict[str, EmulatedUser]
) -> None:
    worker = people["worker"]
    streetlight = drill("streetlight")
    started = bot.clock.now()

    await log(worker, "路灯故障", "社区走访", department="园林绿化科")
    wrong = await now_progress(bot, streetlight, started)
    await log(worker, "路灯故障", "社区走访")  # logged again, to the right department
    again = await now_progress(bot, streetlight, started)

    assert ticked(wrong) == [False, False, False]
    assert wrong.mistakes == (
        {
            "zh": "派错了单位：应派市政道路科，派给了园林绿化科。",
            "en": "Sent to the wrong department: it should have gone to Roads and Lighting, it"
            " went to Parks and Greening.",
        },
    )
    assert ticked(again) == [True, False, False]
    assert again.mistakes == wrong.mistakes  # made once, kept to the summary


async def test_a_step_taken_by_the_wrong_person_ticks_with_its_mistake_so_the_drill_goes_on(
    bot: Harness, people: dict[str, EmulatedUser]
) -> None:
    worker, member, head = people["worker"], people["member"], people["head1"]
    streetlight = drill("streetlight")
    started = bot.clock.now()
    number = await log(worker, "路灯故障", "热线电话")

    await member.press(card_for(member, number), "签收")  # the head's step, by the member
    found = await now_progress(bot, streetlight, started)

    # The wrong source: the first step is not done, so what the member does is not a step.
    assert ticked(found) == [False, False, False]
    assert found.mistakes == (
        {
            "zh": "来源选错了：应为“社区走访”，选了“热线电话”。",
            "en": "The wrong source: it came from “community visit”, “hotline” was chosen.",
        },
    )
    number = await log(worker, "路灯故障", "社区走访")
    await member.press(card_for(member, number), "签收")
    by_member = await now_progress(bot, streetlight, started)
    await head.press(card_for(head, number), "指派")  # accepted: the head may still assign
    await head.press(card_for(head, number), "刘强")
    assigned = await now_progress(bot, streetlight, started)

    assert ticked(by_member) == [True, True, False]  # accepted, by the wrong person
    assert by_member.mistakes[1:] == (
        {
            "zh": "这一步（市政道路科科长签收）应由张建国完成，却由刘强完成。",
            "en": "This step (The head of Roads and Lighting accepts it) was for 张建国 to take,"
            " but 刘强 took it.",
        },
    )
    # The drill goes on to its end; the summary keeps the wrong person's step.
    assert ticked(assigned) == [True, True, True] and assigned.finished
    assert assigned.mistakes == by_member.mistakes


async def test_returned_with_a_reason_and_rerouted_to_the_right_department(
    bot: Harness, people: dict[str, EmulatedUser]
) -> None:
    hotline, head, drainage = people["hotline"], people["head1"], people["head2"]
    reroute = drill("return-reroute")
    started = bot.clock.now()
    number = await log(
        hotline, "道路坑洼破损", "热线电话", description="青山公园南门井盖没了，路面塌了个坑"
    )

    await head.press(card_for(head, number), "退回")
    await answer(head, "井盖属排水管理所管理，不属于本科职责")
    returned = await now_progress(bot, reroute, started)
    returned_card = await hotline.wait_for("退回了")
    await hotline.press(returned_card, "改派")
    await hotline.press(returned_card, "排水管理所")
    rerouted = await now_progress(bot, reroute, started)
    bot.clock.advance(7 * MINUTE)
    await drainage.press(await drainage.wait_for(number), "签收")
    done = await now_progress(bot, reroute, started)

    assert ticked(returned) == [True, True, False, False]
    assert ticked(rerouted) == [True, True, True, False]
    assert done.finished and done.seconds == 7 * 60 and done.mistakes == ()


async def test_overdue_escalated_resolved_and_redone_after_a_dissatisfied_call_back(
    bot: Harness, people: dict[str, EmulatedUser]
) -> None:
    worker, member, coordinator = people["worker"], people["member"], people["coordinator"]
    overdue = drill("overdue-redo")
    started = bot.clock.now()
    number = await log(worker, "道路坑洼破损", "社区走访", description="和平大道路面坑洼")

    bot.clock.advance(4 * timedelta(hours=1) - MINUTE)  # a pothole is accepted within 4 hours
    await bot.sweep()
    not_yet = await now_progress(bot, overdue, started)
    bot.clock.advance(MINUTE)
    await bot.sweep()
    escalated = await now_progress(bot, overdue, started)
    await coordinator.wait_for(number)
    await coordinator.send(f"/note {number} 已超过签收时限，请市政道路科立即签收处理")
    noted = await now_progress(bot, overdue, started)
    await member.press(card_for(member, number), "签收")
    bot.clock.advance(timedelta(hours=2))
    await member.press(card_for(member, number), "办结")
    await answer(member, "已填补坑洼")
    resolved = await now_progress(bot, overdue, started)
    bot.clock.advance(timedelta(hours=1))
    await call_back(
        worker, await worker.wait_for("请回访群众核实"), solved="未解决", satisfied="不满意"
    )
    done = await now_progress(bot, overdue, started)

    assert ticked(not_yet) == [True, False, False, False, False, False]
    assert ticked(escalated) == [True, True, False, False, False, False]
    assert ticked(noted) == [True, True, True, False, False, False]
    assert ticked(resolved) == [True, True, True, True, True, False]
    assert done.finished and done.mistakes == ()
    assert done.seconds == (4 + 2 + 1) * 3600


async def test_a_step_taken_before_the_one_it_follows_is_too_early_and_does_not_count(
    bot: Harness, people: dict[str, EmulatedUser]
) -> None:
    worker, member = people["worker"], people["member"]
    overdue = drill("overdue-redo")
    started = bot.clock.now()
    number = await log(worker, "道路坑洼破损", "社区走访", description="和平大道路面坑洼")

    await member.press(card_for(member, number), "签收")  # in time: nothing to escalate
    found = await now_progress(bot, overdue, started)

    assert ticked(found) == [True, False, False, False, False, False]
    assert found.mistakes == (
        {
            "zh": "顺序不对：“科员签收”应在“超过签收时限，报督办员督办”之后。",
            "en": "Too early: “The staff member accepts it” comes after “Past the deadline: the"
            " coordinator is told (督办)”.",
        },
    )


ESCALATION_DRILL = """
id = "told"
title = { zh = "督办", en = "Escalated" }
task = { zh = "等", en = "Wait" }

[[steps]]
text = { zh = "登记", en = "Log it" }
who = "worker"
event = "submitted"
department = "roads"

[[steps]]
text = { zh = "报督办员", en = "The coordinator is told" }
who = "coordinator"
event = "escalated"
"""


async def test_an_escalation_counts_when_it_goes_after_quiet_hours_and_inside_a_list(
    quiet_bot: Harness, tmp_path: Path
) -> None:
    """With the test organisation (a street light is accepted within 2 hours; quiet hours
    22:00-07:30): two issues logged at 20:30 are overdue at 22:30, and their escalations wait
    for the morning, when the coordinator gets them as one list (the message queued for the
    first issue now stands for both, and is about no single issue)."""
    folder = tmp_path / "drills"
    folder.mkdir()
    write(folder, "told.toml", ESCALATION_DRILL)
    [told] = load_drills(folder)
    worker, coordinator = quiet_bot.user(1001, "王芳"), quiet_bot.user(9001, "周敏")
    await coordinator.send("/start")
    quiet_bot.clock.advance(timedelta(hours=11, minutes=30))  # 20:30 in Shanghai
    started = quiet_bot.clock.now()
    first = await log_issue(worker)
    second = await log_issue(worker, description="中山路14号路灯不亮")

    async def ticked_at(hours: float) -> list[bool]:
        quiet_bot.clock.set(started + timedelta(hours=hours))
        await quiet_bot.sweep()
        found = await progress(
            quiet_bot.resources.deps, told, started, {1001: "worker", 9001: "coordinator"},
            quiet_bot.clock.now(),
        )  # fmt: skip
        return ticked(found)

    assert await ticked_at(2) == [True, False]  # 22:30: queued, held back by quiet hours
    assert await ticked_at(10.5) == [True, False]  # 07:00
    assert await ticked_at(11) == [True, True]  # 07:30: sent
    listed = await coordinator.wait_for(second)
    assert first in listed.text  # the two went as one list
    assert await rows(
        quiet_bot,
        "SELECT payload FROM outbox WHERE chat_id = 9001 AND kind = 'reminder' AND issue_id IS NULL",
    ) == [('{"listed": "1:1:escalation 2:1:escalation"}',)]
