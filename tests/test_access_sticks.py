"""Access that stays as it was left: invitations that die with their maker's access or are
revoked, no link for its own maker, a coordinator's access ended only by two, names nobody can
forge, and a trail of who did what. (The roster as the authority for the people it lists:
tests/test_access_use_cases.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from emulator import BotApiEmulator, EmulatedUser
from tests.flows import log_issue, rows
from tests.harness import TEST_ORG, FakeClock, Harness, settings_for, start_bot, stop_bot

NO_ACCESS = "督办室申请邀请链接"


async def invited(bot: Harness, coordinator: EmulatedUser, line: str, who: EmulatedUser) -> None:
    """`/invite <line>` by the coordinator, and `who` opens the link."""
    await coordinator.send(f"/invite {line}")
    code = coordinator.last.text.split("start=")[1]
    await who.send(f"/start {code}")


async def number_of(coordinator: EmulatedUser, name: str) -> str:
    await coordinator.send("/staff")
    return next(
        line.split()[0] for line in coordinator.last.text.splitlines() if f" {name} ·" in line
    )


OFFICE = """
[[staff]]
telegram_id = 9002
name = "李华"
role = "coordinator"

[[staff]]
telegram_id = 9003
name = "王军"
role = "coordinator"
"""


@pytest.fixture
async def office(api: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    """The bot, with three coordinators on the roster: 周敏 (9001), 李华 (9002), 王军 (9003)."""
    org = tmp_path / "org.toml"
    org.write_text(TEST_ORG.read_text("utf-8") + OFFICE, "utf-8")
    harness = await start_bot(api, settings_for(api, tmp_path, org_file=org), clock)
    yield harness
    await stop_bot(harness)


async def coordinators(office: Harness) -> tuple[EmulatedUser, EmulatedUser, EmulatedUser]:
    """The three, each having opened a chat with the bot."""
    people = office.user(9001, "Zhou"), office.user(9002, "Li"), office.user(9003, "Wang")
    for person in people:
        await person.send("/start")
    return people


async def test_one_coordinator_alone_cannot_end_another_coordinators_access(
    office: Harness,
) -> None:
    zhou, li, wang = await coordinators(office)

    await zhou.send(f"/deactivate {await number_of(zhou, '李华')}")

    assert "须由另一名督办员确认" in zhou.last.text
    await li.send("/help")
    assert "/invite" in li.last.text  # still a coordinator
    request = await wang.wait_for("申请停用")
    assert "周敏申请停用" in request.text and "李华" in request.text
    await wang.press(request, "确认")
    assert "已停用" in request.text
    await li.send("/help")
    assert NO_ACCESS in li.last.text
    await zhou.send("/staff")
    assert "周敏申请停用李华的权限" in zhou.last.text
    assert "王军停用了李华的权限" in zhou.last.text


async def test_asking_twice_or_a_day_late_does_not_make_a_second_coordinator(
    office: Harness,
) -> None:
    zhou, li, wang = await coordinators(office)
    number = await number_of(zhou, "李华")

    await zhou.send(f"/deactivate {number}")
    await zhou.send(f"/deactivate {number}")  # the same coordinator again
    office.clock.advance(timedelta(days=1, minutes=1))
    await office.drain()
    await wang.press(await wang.wait_for("申请停用"), "确认")  # the request has lapsed

    await li.send("/help")
    assert "/invite" in li.last.text
    assert "须由另一名督办员确认" in wang.last.text  # Wang's press is a request of his own


async def test_second_accounts_a_coordinator_invited_cannot_confirm_for_them(
    office: Harness,
) -> None:
    zhou, li, wang = await coordinators(office)
    puppet, second_puppet = office.user(9100, "Zhou2"), office.user(9101, "Zhou3")
    await invited(office, zhou, "coordinator 督办室 小周", puppet)
    await invited(office, zhou, "coordinator 督办室 老周", second_puppet)
    number = await number_of(zhou, "李华")

    await zhou.send(f"/deactivate {number}")
    await puppet.send(f"/deactivate {number}")  # came in through 周敏's link: not a second
    await second_puppet.send(f"/deactivate {number}")  # nor through the same chain
    await zhou.send(f"/deactivate {number}")  # nor the other way round

    await li.send("/help")
    assert "/invite" in li.last.text
    assert all("须由另一名督办员确认" in p.last.text for p in (zhou, puppet, second_puppet))
    assert not any("申请停用" in m.text for m in puppet.messages)  # nobody asks them to confirm
    await wang.press(await wang.wait_for("申请停用"), "确认")  # Wang came in on his own
    await li.send("/help")
    assert NO_ACCESS in li.last.text


async def test_with_no_independent_coordinator_the_operator_is_named(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    li = bot.user(9002, "Li")
    await invited(bot, coordinator, "coordinator 李华", li)

    await li.send(f"/deactivate {await number_of(li, '周敏')}")
    await coordinator.send(f"/deactivate {await number_of(coordinator, '李华')}")

    for person in (li, coordinator):
        assert "组织配置文件" in person.last.text and "active = false" in person.last.text
        await person.send("/help")
        assert "/invite" in person.last.text


async def test_links_of_a_coordinator_whose_access_ended_stay_dead_even_if_they_come_back(
    office: Harness,
) -> None:
    zhou, li, wang = await coordinators(office)
    await li.send("/invite worker 小赵")
    for_a_friend = li.last.text.split("start=")[1]
    await li.send("/invite coordinator 李华二号")
    for_himself = li.last.text.split("start=")[1]
    await li.send("/invite coordinator 李华三号")
    for_later = li.last.text.split("start=")[1]
    await zhou.send(f"/deactivate {await number_of(zhou, '李华')}")
    await wang.press(await wang.wait_for("申请停用"), "确认")

    friend = office.user(7100, "小赵")
    await friend.send(f"/start {for_a_friend}")
    await li.send(f"/start {for_himself}")
    assert "已失效" in friend.last.text
    assert "您生成的邀请链接" in li.last.text
    await invited(office, zhou, "worker 李华", li)  # back, as a worker this time
    stranger = office.user(7101, "某人")
    await stranger.send(f"/start {for_later}")

    assert "已失效" in stranger.last.text
    for person in (friend, stranger):
        await person.send("/help")
        assert NO_ACCESS in person.last.text


async def test_open_links_are_listed_and_a_revoked_one_lets_nobody_in(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/invite worker 小钱")
    code = coordinator.last.text.split("start=")[1]
    await coordinator.send("/invite member roads 小孙")

    await coordinator.send("/invites")
    listing = coordinator.last
    assert "共有 2 个未使用的邀请链接" in listing.text
    assert "小钱 · 一线人员" in listing.text and "周敏生成" in listing.text
    assert code not in listing.text  # the link itself is a secret of the one invited
    await coordinator.press(listing, "撤销：小钱")

    assert "共有 1 个" in listing.text and "小钱" not in listing.text
    newcomer = bot.user(7200, "小钱")
    await newcomer.send(f"/start {code}")
    assert "已失效" in newcomer.last.text


async def test_only_coordinators_list_or_revoke_links(
    bot: Harness, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await coordinator.send("/invite worker 小钱")
    await coordinator.send("/invites")

    await head.send("/invites")
    assert "您的角色不能进行这项操作" in head.last.text
    answer = await head.press_data(coordinator.last, "ivx:1")
    assert answer is not None and answer.show_alert
    assert await rows(bot, "SELECT revoked_at FROM invites") == [(None,)]


async def test_the_name_comes_from_the_invitation_not_the_telegram_profile(
    bot: Harness, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    impostor = bot.user(7300, "督办室 周敏")  # anyone can call themselves that on Telegram

    await invited(bot, coordinator, "worker 小李", impostor)

    assert "欢迎，小李" in impostor.last.text
    number = await log_issue(impostor)
    card = await head.wait_for(number)
    assert "小李" in card.text and "周敏" not in card.text
    await coordinator.send("/staff")
    line = next(x for x in coordinator.last.text.splitlines() if " 小李 ·" in x)
    assert "（Telegram：督办室 周敏）" in line and "周敏邀请" in line


async def test_a_changed_telegram_profile_shows_beside_the_name_only(
    bot: Harness, coordinator: EmulatedUser, member: EmulatedUser
) -> None:
    member.first_name = "强哥"
    await member.send("/help")

    await coordinator.send("/staff")

    line = next(x for x in coordinator.last.text.splitlines() if "刘强" in x)
    assert "#" in line and " 刘强 ·" in line and "（Telegram：强哥）" in line
    assert "由组织配置文件导入" in line
