"""The command menu per role (issue 16, point 7): each person's chat shows their role's commands
in their language, set when they write and theirs differs (never hundreds at every start);
strangers and people whose access ended see how to get in; groups, what works there.
"""

from __future__ import annotations

import json

from emulator import EmulatedUser
from tests.flows import rows
from tests.harness import Harness

STRANGERS = ["start", "help"]


def menus_set(bot: Harness) -> int:
    return len(bot.api.calls_to("setMyCommands"))


async def test_each_person_sees_the_commands_of_their_role(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    assert bot.api.menu(worker.id, "zh") == STRANGERS  # before they write: the default
    assert bot.api.menu(-1001, "zh", group=True) == ["find", "note", "help"]

    for person in (worker, head, coordinator):
        await person.send("/help")

    worker_menu = bot.api.menu(worker.id, "zh")
    assert "new" in worker_menu and "my" in worker_menu
    assert not {"invite", "deactivate", "staff", "inbox", "stats", "redact"} & set(worker_menu)
    head_menu = bot.api.menu(head.id, "zh")
    assert {"inbox", "overdue", "stats", "staff"} <= set(head_menu)
    assert not {"invite", "deactivate", "redact"} & set(head_menu)
    assert {"invite", "deactivate", "redact", "stats"} <= set(bot.api.menu(coordinator.id, "zh"))
    [(menu,)] = await rows(bot, "SELECT menu FROM staff WHERE telegram_id = ?", worker.id)
    assert menu.startswith("worker:zh:")


async def test_a_menu_is_set_once_and_not_again_at_every_start(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await worker.send("/help")
    await head.send("/help")
    before = menus_set(bot)
    await worker.send("/my")
    await head.send("/my")
    assert menus_set(bot) == before  # what was set is kept with the person

    calls = len(bot.api.calls)
    await bot.restart()
    at_start = [c for c in bot.api.calls[calls:] if c.method == "setMyCommands"]
    assert all(c.params.get("scope", {}).get("type") != "chat" for c in at_start)
    assert len(at_start) == 6  # strangers' and groups' menus, in two languages and the default
    await worker.send("/my")
    assert menus_set(bot) == before + 6


async def test_a_new_language_sets_the_menu_again_and_ended_access_removes_it(
    bot: Harness, member: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await member.send("/lang")
    await member.press(member.last, "English")
    scope = json.dumps({"chat_id": member.id, "type": "chat"}, sort_keys=True)
    described = {c["command"]: c["description"] for c in bot.api.commands[(scope, "")]}
    assert described["inbox"] == "Open issues to accept or handle"

    await coordinator.send("/staff")
    number = next(line.split()[0] for line in coordinator.last.text.splitlines() if "刘强" in line)
    await coordinator.send(f"/deactivate {number}")
    await member.send("/help")
    assert bot.api.menu(member.id, "zh") == STRANGERS
    [(menu,)] = await rows(bot, "SELECT menu FROM staff WHERE telegram_id = ?", member.id)
    assert menu is None


async def test_an_invited_person_gets_their_menu_as_they_join(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/invite worker 李明")
    link = next(word for word in coordinator.last.text.split() if "?start=" in word)
    newcomer = bot.user(5555, "李明")
    await newcomer.send("/start " + link.split("?start=")[1])
    assert "欢迎" in newcomer.last.text
    assert "new" in bot.api.menu(newcomer.id, "zh")
    assert "invite" not in bot.api.menu(newcomer.id, "zh")


async def test_words_in_a_department_group_set_no_menu(bot: Harness, member: EmulatedUser) -> None:
    """Someone who writes only in the group may have no private chat with the bot: their menu
    waits for their first private message."""
    group = bot.group(-1001, "市政道路科")
    await member.send("/help", chat=group)
    assert menus_set(bot) == 6  # the start-up's alone
    await member.send("/help")
    assert menus_set(bot) == 7 and "inbox" in bot.api.menu(member.id, "zh")
