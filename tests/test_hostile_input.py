"""Odd and hostile input: every message gets a clear answer, nothing crashes, and nothing is
written that should not be."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import EmulatedUser
from tests.flows import card_for, events, log_issue, rows
from tests.harness import Harness

RTL_AND_INVISIBLE = "مرحبا \u200f\u200e\u200b\u2060 שלום 👩‍👩‍👧‍👦 🔥"


async def test_a_description_at_telegrams_limit_is_refused_clearly_and_the_draft_kept(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/new")

    await worker.send("长" * 4096)

    assert "内容太长，最多 1500 个字" in worker.last.text
    await worker.send("路灯不亮")
    assert "问题类别" in worker.last.text


async def test_a_note_at_telegrams_limit_is_refused_and_not_recorded(
    bot: Harness, worker: EmulatedUser
) -> None:
    number = await log_issue(worker)

    await worker.send(f"/note {number} " + "长" * 4080)

    assert "内容太长，最多 1000 个字" in worker.last.text
    assert await events(bot, number) == ["submitted"]


async def test_right_to_left_invisible_characters_emoji_and_markup_are_kept_as_typed(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    description = f"<b>不是粗体</b> & <script>x</script> {RTL_AND_INVISIBLE}"

    number = await log_issue(worker, description)

    card = card_for(head, number)
    assert description in card.text  # shown literally, and Telegram accepted the HTML
    [(stored,)] = await rows(bot, "SELECT description FROM issues")
    assert stored == description


async def test_a_location_off_the_globe_is_refused(bot: Harness, worker: EmulatedUser) -> None:
    await worker.send("/new 路灯不亮")
    await worker.press(worker.last, "路灯故障")

    await worker.share_location(123.0, 500.0)

    assert "位置无效" in worker.last.text
    await worker.share_location(31.23, 121.47)
    assert "已收到定位" in worker.last.text


async def test_commands_with_wrong_arguments_get_their_usage_and_change_nothing(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await log_issue(worker)
    answers = {}
    for person, command in [
        (worker, "/issue"),
        (worker, "/issue 这不是编号"),
        (worker, "/issue 9999-9999"),
        (worker, "/issue '; DROP TABLE issues; --"),
        (worker, f"/note {number}"),
        (worker, "/note"),
        (coordinator, "/deactivate"),
        (coordinator, "/invite"),
        (coordinator, "/invite emperor roads"),
        (coordinator, "/invite head roads"),
        (head, "/stats last-century"),
        (head, "/stats 9999-12"),
        (head, "/export 2026-13"),
    ]:
        await person.send(command)
        answers[command] = person.last.text

    assert "用法：/issue" in answers["/issue"]
    assert "没有找到" in answers["/issue 这不是编号"]
    assert "没有找到" in answers["/issue 9999-9999"]
    assert "用法：/issue" in answers["/issue '; DROP TABLE issues; --"]
    assert "用法：/note" in answers[f"/note {number}"]
    assert "用法：/note" in answers["/note"]
    assert "用法：/deactivate" in answers["/deactivate"]
    assert "用法：/invite" in answers["/invite"]
    assert "角色" in answers["/invite emperor roads"]  # a name: which role? (nothing made yet)
    assert "用法：/invite" in answers["/invite head roads"]  # no name
    assert "用法：/stats" in answers["/stats last-century"]
    assert "用法：/stats" in answers["/stats 9999-12"]
    assert "用法：/export" in answers["/export 2026-13"]
    assert await events(bot, number) == ["submitted"]
    [(invites,)] = await rows(bot, "SELECT count(*) FROM invites")
    assert invites == 0


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.one_of(st.text(max_size=64), st.binary(max_size=64).map(lambda b: b.hex())))
async def test_any_forged_button_data_is_answered_and_changes_nothing(
    bot: Harness, worker: EmulatedUser, data: str
) -> None:
    if not worker.messages:
        await log_issue(worker)
    before = await events(bot)
    if not data:
        data = " "

    answer = await worker.press_data(worker.last, data)

    assert answer is not None  # answered, one way or another
    assert await events(bot) == before


async def test_names_with_apostrophes_and_ampersands_read_plainly_in_alerts(
    bot: Harness, coordinator: EmulatedUser, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    await coordinator.send("/invite head roads Anne & Bob O'Neil")
    code = coordinator.last.text.split("start=")[1]
    newcomer = EmulatedUser(bot.api, 7777, "Anne & Bob", "O'Neil")
    await newcomer.send(f"/start {code}")
    number = await log_issue(worker)
    data = card_for(head, number).button("签收").callback_data
    assert data is not None
    await newcomer.press(card_for(newcomer, number), "签收")

    refused = await head.press_data(card_for(head, number), data)

    assert refused is not None
    assert "Anne & Bob O'Neil 已签收该工单" in (refused.text or "")


async def test_odd_numbers_get_the_usage_and_change_nothing(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    for odd in ("²", "99999999999999999999999", "-3", "0x10"):
        await coordinator.send(f"/deactivate {odd}")
        assert "用法：/deactivate" in coordinator.last.text
