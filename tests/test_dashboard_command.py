"""/dashboard and the menu button that opens the dashboard (issue 21), through the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emulator import BotApiEmulator, EmulatedUser
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot

URL = "https://duban.example.gov.cn/dashboard/"
DEFAULT = {"type": "default"}


@pytest.fixture
async def bot(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """The bot with DASHBOARD_URL set (unless the test is marked `no_dashboard_url`)."""
    url = "" if request.node.get_closest_marker("no_dashboard_url") else URL
    harness = await start_bot(api, settings_for(api, tmp_path, dashboard_url=url), clock)
    yield harness
    await stop_bot(harness)
    assert not harness.tracking.errors


def opens_dashboard(bot: Harness, person: EmulatedUser) -> bool:
    button = bot.api.menu_button(person.id)
    return button.get("type") == "web_app" and button["web_app"]["url"] == URL


async def test_coordinators_and_heads_get_the_dashboards_menu_button_at_start(
    bot: Harness,
    coordinator: EmulatedUser,
    head: EmulatedUser,
    worker: EmulatedUser,
    member: EmulatedUser,
) -> None:
    for person in (coordinator, head, worker, member):
        await person.send("/start")

    assert opens_dashboard(bot, coordinator) and opens_dashboard(bot, head)
    assert bot.api.menu_button(coordinator.id)["text"] == "📊 数据看板"
    assert bot.api.menu_button(worker.id) == DEFAULT == bot.api.menu_button(member.id)
    assert "dashboard" in bot.api.menu(coordinator.id) and "dashboard" in bot.api.menu(head.id)
    assert "dashboard" not in bot.api.menu(worker.id)


async def test_a_head_whose_access_ends_gets_the_default_menu_button_back(
    bot: Harness, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    assert opens_dashboard(bot, head)
    await coordinator.send("/staff")
    number = next(line.split()[0] for line in coordinator.last.text.splitlines() if "建国" in line)
    await coordinator.send(f"/deactivate {number}")

    await head.send("/help")

    assert bot.api.menu_button(head.id) == DEFAULT


async def test_dashboard_answers_with_a_button_that_opens_it_inside_telegram(
    bot: Harness, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    for person in (coordinator, head):
        await person.send("/dashboard")

        button = person.last.button("打开数据看板")
        assert button.web_app == URL and button.callback_data is None


async def test_dashboard_is_refused_to_those_who_may_not_open_it(
    bot: Harness, worker: EmulatedUser, member: EmulatedUser
) -> None:
    for person in (worker, member):
        await person.send("/dashboard")

        assert "您的角色不能进行这项操作" in person.last.text
        assert not person.last.buttons


@pytest.mark.no_dashboard_url
async def test_without_dashboard_url_it_says_the_dashboard_is_not_set_up_and_no_button_shows(
    bot: Harness, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    await coordinator.send("/dashboard")

    assert "DASHBOARD_URL" in coordinator.last.text and not coordinator.last.buttons
    assert bot.api.menu_button(coordinator.id) == DEFAULT
