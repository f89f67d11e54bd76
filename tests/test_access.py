"""Who gets in: strangers, the roster, invitation links, /staff and /deactivate."""

from __future__ import annotations

from datetime import timedelta

from emulator import EmulatedUser
from tests.flows import log_issue
from tests.harness import Harness


async def test_a_stranger_is_told_how_to_get_access_and_nothing_else(
    bot: Harness, stranger: EmulatedUser
) -> None:
    await stranger.send("/start")
    await stranger.send("/staff")
    await stranger.send("/invite head roads")

    assert len(stranger.messages) == 3
    for message in stranger.messages:
        assert "督办室申请邀请链接" in message.text
        assert "5555" in message.text  # their Telegram ID, to give the coordination office
        assert not message.buttons


async def test_a_strangers_button_press_is_refused(
    bot: Harness, coordinator: EmulatedUser, stranger: EmulatedUser
) -> None:
    await coordinator.send("/invite 小李")
    answer = await stranger.press_data(coordinator.last, "inv:1:coordinator")

    assert answer is not None
    assert answer.show_alert
    assert "没有使用本机器人的权限" in (answer.text or "")
    assert "邀请" in coordinator.last.text and coordinator.last.edits == 0


async def test_someone_on_the_roster_is_welcomed_with_their_role(
    bot: Harness, head: EmulatedUser
) -> None:
    await head.send("/start")

    assert "欢迎，陈建国。您是市政道路科的负责人。" in head.last.text
    assert "/staff" in head.last.text
    assert "/invite" not in head.last.text  # only coordinators invite


async def test_an_invitation_link_registers_the_person_once(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/invite member water 小李")
    link = coordinator.last.text.split("\n")[-1]
    assert link.startswith("https://t.me/duban_test_bot?start=")
    code = link.split("start=")[1]

    newcomer = bot.user(7001, "小李")
    await newcomer.send(f"/start {code}")
    assert "您是供水服务中心的工作人员" in newcomer.last.text

    second = bot.user(7002, "小张")
    await second.send(f"/start {code}")
    assert "已被使用" in second.last.text
    await second.send("/help")
    assert "督办室申请邀请链接" in second.last.text  # still a stranger


async def test_an_invitation_expires_after_seven_days(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/invite worker 小陈")
    code = coordinator.last.text.split("start=")[1]

    bot.clock.advance(timedelta(days=7))
    late = bot.user(7003, "小陈")
    await late.send(f"/start {code}")

    assert "已过期" in late.last.text


async def test_a_coordinator_invites_with_buttons_from_a_phone(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/invite 吴国华")
    card = coordinator.last
    assert "邀请吴国华：担任什么角色" in card.text
    await coordinator.press(card, "负责人")
    assert "属于哪个科室" in card.text
    await coordinator.press(card, "司法所")

    assert "已为吴国华（负责人，司法所）生成邀请" in card.text
    code = card.text.split("start=")[1]
    newcomer = bot.user(7004, "老吴")
    await newcomer.send(f"/start {code}")
    assert "您是司法所的负责人" in newcomer.last.text


async def test_only_coordinators_invite(bot: Harness, head: EmulatedUser) -> None:
    await head.send("/invite member roads")

    assert "您的角色不能进行这项操作" in head.last.text


async def test_an_invitation_names_an_existing_department(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/invite head nowhere")

    assert "用法" in coordinator.last.text
    assert "roads" in coordinator.last.text


async def test_a_head_lists_their_own_department_and_a_coordinator_everyone(
    bot: Harness, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await head.send("/staff")
    listing = head.last.text
    assert "陈建国" in listing and "刘强" in listing
    assert "赵丽" not in listing

    await coordinator.send("/staff")
    listing = coordinator.last.text
    assert all(name in listing for name in ("陈建国", "刘强", "赵丽", "周敏", "网格员王芳"))


async def test_a_worker_may_not_list_staff(bot: Harness, worker: EmulatedUser) -> None:
    await worker.send("/staff")

    assert "您的角色不能进行这项操作" in worker.last.text


async def test_deactivation_ends_access_at_once(
    bot: Harness, coordinator: EmulatedUser, member: EmulatedUser
) -> None:
    await coordinator.send("/staff")
    number = next(line.split()[0] for line in coordinator.last.text.splitlines() if "刘强" in line)
    await coordinator.send(f"/deactivate {number}")
    assert "已停用" in coordinator.last.text and "刘强" in coordinator.last.text

    await member.send("/help")
    assert "督办室申请邀请链接" in member.last.text


async def test_a_coordinator_cannot_deactivate_themselves(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/staff")
    number = next(line.split()[0] for line in coordinator.last.text.splitlines() if "周敏" in line)
    await coordinator.send(f"/deactivate {number}")

    assert "不能停用自己的权限" in coordinator.last.text
    await coordinator.send("/help")
    assert "/invite" in coordinator.last.text


async def test_deactivate_needs_a_number(bot: Harness, coordinator: EmulatedUser) -> None:
    await coordinator.send("/deactivate 刘强")

    assert "用法：/deactivate" in coordinator.last.text


async def test_a_deactivated_person_can_come_back_with_a_new_invitation(
    bot: Harness, coordinator: EmulatedUser, member: EmulatedUser
) -> None:
    await coordinator.send("/staff")
    number = next(line.split()[0] for line in coordinator.last.text.splitlines() if "刘强" in line)
    await coordinator.send(f"/deactivate {number}")
    await coordinator.send("/invite head water 刘强")
    code = coordinator.last.text.split("start=")[1]

    await member.send(f"/start {code}")

    assert "您是供水服务中心的负责人" in member.last.text


async def test_someone_who_had_blocked_the_bot_gets_messages_again_once_reinvited(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, member: EmulatedUser
) -> None:
    await member.send("/start")
    bot.api.blocked.add(member.id)  # 刘强 leaves and blocks the bot
    await log_issue(worker, "甲路灯")  # his card is refused: marked unreachable
    await coordinator.send("/staff")
    number = next(line.split()[0] for line in coordinator.last.text.splitlines() if "刘强" in line)
    await coordinator.send(f"/deactivate {number}")
    await coordinator.send("/invite member roads 刘强")
    code = coordinator.last.text.split("start=")[1]

    bot.api.blocked.discard(member.id)  # he comes back
    await member.send(f"/start {code}")
    number = await log_issue(worker, "乙路灯")

    assert any(number in m.text for m in member.messages)
    await coordinator.send("/staff")
    assert "无法送达" not in next(x for x in coordinator.last.text.splitlines() if "刘强" in x)


async def test_roles_and_departments_of_several_words_are_understood_in_invites(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    english = bot.user(9001, "Zhou", language_code="en")

    await english.send("/invite department head Water Supply Li Lei")

    assert "start=" in english.last.text and "Water Supply" in english.last.text
    assert "Invitation for Li Lei, a department head" in english.last.text
    await english.send("/invite head Waterworks Li Lei")  # no such department
    assert "Usage: /invite" in english.last.text
