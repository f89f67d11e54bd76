"""Who may press what, through the fake Bot API: every button as every kind of person,
forged button data, stale and repeated presses. A refused press changes nothing."""

from __future__ import annotations

import pytest

from emulator import EmulatedUser
from tests.flows import call_back, card_for, events, log_issue
from tests.harness import Harness

CODES = {
    "accept": "acc", "return": "ret", "reroute": "rr", "transfer": "tr", "assign": "asg",
    "resolve": "res", "confirm": "cfm", "reopen": "rop", "withdraw": "wd", "note": "note",
    "assist": "ast", "callback": "cb", "praise": "pr",
}  # fmt: skip
PHONE = "13812345678"
# Pressed last: these take effect at once (the others ask for words or offer a choice first).
AT_ONCE = ("accept", "confirm")
# The README's permission table, for a pending issue and for an accepted one.
PENDING = {
    "reporter": {"withdraw", "note"},
    "head": {"accept", "return", "transfer", "note", "assist"},
    "member": {"accept", "note"},
    "coordinator": {"accept", "return", "transfer", "withdraw", "note", "assist"},
    "other department": set(),
    "stranger worker": set(),
}
ACCEPTED = {
    "reporter": {"note"},
    "head": {"transfer", "assign", "resolve", "note", "assist"},
    "member": {"resolve", "note"},
    "coordinator": {"transfer", "assign", "resolve", "note", "assist"},
    "other department": set(),
    "stranger worker": set(),
}
PEOPLE = {
    "reporter": (1001, "王芳"),
    "head": (2001, "建国"),
    "member": (2002, "刘强"),
    "coordinator": (9001, "周敏"),
    "other department": (3001, "赵丽"),
    "stranger worker": (1002, "孙"),
}


async def add_second_worker(bot: Harness, coordinator: EmulatedUser) -> EmulatedUser:
    await coordinator.send("/invite worker 孙")
    code = coordinator.last.text.split("start=")[1]
    second = bot.user(1002, "孙")
    await second.send(f"/start {code}")
    return second


async def press_everything(bot: Harness, person: EmulatedUser, issue_id: int) -> set[str]:
    """Press every step's button on the issue; return the steps that were not refused."""
    allowed = set()
    cards = [m for m in person.messages if m.buttons]
    target = cards[-1] if cards else person.last
    for step, code in sorted(CODES.items(), key=lambda kv: kv[0] in AT_ONCE):
        answer = await person.press_data(target, f"i:{issue_id}:{code}")
        assert answer is not None, f"{step}: the press was not answered"
        if not answer.show_alert:
            allowed.add(step)
        else:
            assert answer.text and (
                "不能进行这项操作" in answer.text
                or "操作未执行" in answer.text
                or "没有找到" in answer.text
            ), answer.text
    return allowed


@pytest.mark.parametrize("who", list(PEOPLE))
async def test_every_button_on_a_pending_issue_as_every_kind_of_person(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, who: str
) -> None:
    await coordinator.send("/start")
    if who == "stranger worker":
        await add_second_worker(bot, coordinator)
    await log_issue(worker)
    person = bot.user(*PEOPLE[who])
    await person.send("/start")
    before = await events(bot)

    allowed = await press_everything(bot, person, issue_id=1)

    assert allowed == PENDING[who]
    after = await events(bot)
    # A head or member accepts at once; a coordinator is first asked for a reason.
    expected_new = ["accepted"] if who in ("head", "member") else []
    assert after == before + expected_new


@pytest.mark.parametrize("who", list(PEOPLE))
async def test_every_button_on_an_accepted_issue_as_every_kind_of_person(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser, who: str
) -> None:
    await coordinator.send("/start")
    await head.send("/start")
    if who == "stranger worker":
        await add_second_worker(bot, coordinator)
    await log_issue(worker)
    await head.press(card_for(head, "2611-0001"), "签收")
    person = bot.user(*PEOPLE[who])
    await person.send("/start")
    before = await events(bot)

    allowed = await press_everything(bot, person, issue_id=1)

    assert allowed == ACCEPTED[who]
    assert await events(bot) == before  # only prompts and choices opened: nothing recorded


async def test_a_deactivated_person_pressing_a_card_is_refused(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    await coordinator.send("/staff")
    staff_number = next(
        line.split()[0] for line in coordinator.last.text.splitlines() if "陈建国" in line
    )
    await coordinator.send(f"/deactivate {staff_number}")

    answer = await head.press(card, "签收")

    assert answer is not None and "没有使用本机器人的权限" in (answer.text or "")
    assert await events(bot) == ["submitted"]


@pytest.mark.parametrize(
    "data",
    [
        "i:1:acc'; DROP TABLE issues;--",
        "i:999999999999999999999999:acc",
        "i:-1:acc",
        "i:0:acc",
        "i:1:explode",
        "i:1",
        "i:1:tr:nowhere",
        "i:1:asg:abc",
        "i:1:asg:9999",
        "i:1:wd:maybe",
        "i:1:acc:extra:parts",
        "n:000000:category:streetlight",
        "n::summary:submit",
        "inv:r:emperor",
        "lang:fr",
        "l:my:-3",
        "\x00\xff garbage",
        "💥" * 16,
    ],
)
async def test_forged_button_data_gets_a_clear_answer_and_changes_nothing(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, data: str
) -> None:
    await head.send("/start")
    number = await log_issue(worker)

    answer = await head.press_data(card_for(head, number), data)

    assert answer is not None, "every press is answered"
    assert answer.show_alert
    assert answer.text
    assert await events(bot) == ["submitted"]


async def test_a_head_of_another_department_cannot_accept_by_forging_the_button(
    bot: Harness, worker: EmulatedUser, water_head: EmulatedUser
) -> None:
    await water_head.send("/start")
    await log_issue(worker)

    answer = await water_head.press_data(water_head.last, "i:1:acc")

    assert answer is not None and "不能进行这项操作" in (answer.text or "")
    assert await events(bot) == ["submitted"]


async def test_a_double_click_on_accept_records_one_acceptance(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)
    card = card_for(head, number)
    data = card.button("签收").callback_data
    assert data is not None

    first = await head.press_data(card, data)
    second = await head.press_data(card, data)

    assert first is not None and first.text == "已签收。"
    assert second is not None and "陈建国 已签收该工单" in (second.text or "")
    assert await events(bot) == ["submitted", "accepted"]


async def test_an_answer_to_a_stale_prompt_is_refused_once_the_issue_moved_on(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, second_head: EmulatedUser
) -> None:
    await head.send("/start")
    await second_head.send("/start")
    number = await log_issue(worker)
    await head.press(card_for(head, number), "退回")  # asked for a reason …
    await second_head.press(card_for(second_head, number), "签收")  # … meanwhile, accepted

    await head.send("不归我们管")

    assert "王伟 已签收该工单" in head.last.text
    assert await events(bot) == ["submitted", "accepted"]
    await head.send("随便说点什么")
    assert "现在不需要输入内容" in head.last.text  # the stale question was closed


RETURNED = {
    "reporter": {"reroute", "withdraw", "note"},
    "head": {"note"},
    "member": {"note"},
    "coordinator": {"reroute", "withdraw", "note"},
    "other department": set(),
    "stranger worker": set(),
}
RESOLVED = {  # with the citizen's phone: the call-back closes it
    "reporter": {"callback", "reopen", "note"},
    "head": {"note"},
    "member": {"note"},
    "coordinator": {"callback", "reopen", "note"},
    "other department": set(),
    "stranger worker": set(),
}
RESOLVED_WITHOUT_PHONE = {  # nobody to call: the reporter confirms it closed
    "reporter": {"confirm", "reopen", "note"},
    "head": {"note"},
    "member": {"note"},
    "coordinator": {"confirm", "reopen", "note"},
    "other department": set(),
    "stranger worker": set(),
}
CLOSED = {  # by the call-back: nothing more to call back
    "reporter": {"praise", "note"},
    "head": {"note"},
    "member": {"note"},
    "coordinator": {"reopen", "praise", "note"},
    "other department": set(),
    "stranger worker": set(),
}


async def bring_to(state: str, bot: Harness, worker: EmulatedUser, head: EmulatedUser) -> None:
    """Log an issue and take it to `state` as the people would."""
    await head.send("/start")
    number = await log_issue(worker, phone=None if state == "resolved without phone" else PHONE)
    card = card_for(head, number)
    if state == "returned":
        await head.press(card, "退回")
        await head.send("不归我们管")
        return
    await head.press(card, "签收")
    await head.press(card, "办结")
    await head.send("已修好")
    if state == "closed":
        await call_back(worker, await worker.wait_for("请回访群众核实"))


@pytest.mark.parametrize(
    ("state", "table"),
    [
        ("returned", RETURNED),
        ("resolved", RESOLVED),
        ("resolved without phone", RESOLVED_WITHOUT_PHONE),
        ("closed", CLOSED),
    ],
)
@pytest.mark.parametrize("who", list(PEOPLE))
async def test_every_button_on_a_returned_resolved_or_closed_issue(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    coordinator: EmulatedUser,
    who: str,
    state: str,
    table: dict[str, set[str]],
) -> None:
    await coordinator.send("/start")
    if who == "stranger worker":
        await add_second_worker(bot, coordinator)
    await bring_to(state, bot, worker, head)
    person = bot.user(*PEOPLE[who])
    await person.send("/start")
    before = await events(bot)

    allowed = await press_everything(bot, person, issue_id=1)

    assert allowed == table[who]
    after = await events(bot)
    # No button of these states takes effect at once: each asks first or offers a choice.
    assert after == before


async def test_details_for_someone_who_may_not_see_the_issue_is_refused_once(
    bot: Harness, worker: EmulatedUser, water_head: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    number = await log_issue(worker)

    refused = await water_head.press(card_for(group, number), "详情")  # type: ignore[arg-type]

    assert refused is not None and refused.show_alert
    assert "没有找到您可查看的该编号工单" in (refused.text or "")


async def test_a_stale_press_names_who_moved_the_issue_not_who_wrote_the_last_note(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    second_head: EmulatedUser,
    member: EmulatedUser,
) -> None:
    for person in (head, second_head, member):
        await person.send("/start")
    number = await log_issue(worker)
    stale = card_for(second_head, number)
    data = stale.button("签收").callback_data
    assert data is not None
    await head.press(card_for(head, number), "签收")
    await member.send(f"/note {number} 我去看看")

    refused = await second_head.press_data(stale, data)

    assert refused is not None and "陈建国 已签收该工单" in (refused.text or "")
