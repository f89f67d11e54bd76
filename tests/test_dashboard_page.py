"""The dashboard page in a real browser (the system's Chromium, headless, driven by Playwright),
against the real bot serving it: a coordinator and a head open it as Telegram would open a Mini
App (init data signed with the bot's token, in the address's fragment), see the ranking with the
figures `/stats` gives them for the same period, and open an overdue issue's card and timeline.
Any error in the browser's console, any failed request and any request to anywhere but the
bot's own server fails it.

Screenshots (a phone and a wall screen, Telegram's light and dark themes) go to
data/screenshots/ (not committed); the README's, docs/screenshots/dashboard-*.png, are
refreshed from the run with UPDATE_README_SHOT=1."""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.parse
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
)

from dashboard.strings import page_strings
from emulator import BotApiEmulator, EmulatedUser, sign_init_data
from tests.browser import ROOT, SHOTS, WAIT_MS, needs_chromium, playground_served
from tests.flows import answer, card_for, confirm_closed, log_issue
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot

README_SHOTS = ROOT / "docs" / "screenshots"

# Telegram's own themes, as its apps pass them to a Mini App (tgWebAppThemeParams).
LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#999999",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#efeff3",
    "section_bg_color": "#ffffff",
    "destructive_text_color": "#ff3b30",
}
DARK = {
    "bg_color": "#212d3b",
    "text_color": "#ffffff",
    "hint_color": "#7d8b99",
    "link_color": "#5eabe1",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#151e27",
    "section_bg_color": "#17212b",
    "destructive_text_color": "#ec3942",
}
PHONE = {"width": 360, "height": 780}
WALL = {"width": 1920, "height": 1080}

# The ranking's line in /stats: `1. 市政道路科：综合得分 55.0 · 联系率 无数据 · …`.
RANKED_LINE = re.compile(
    r"^\d+\. (?P<department>[^：]+)：综合得分 (?P<score>\S+) · 联系率 (?P<contact_rate>\S+)"
    r" · 解决率 (?P<solved_rate>\S+) · 满意率 (?P<satisfaction_rate>\S+)"
    r" · 按时签收率 (?P<on_time_acceptance_rate>\S+) · 按时办结率 (?P<on_time_resolution_rate>\S+)"
)

pytestmark = needs_chromium
HOSTILE = '<img src=x onerror="document.title=1"><script>document.title=2</script>'  # a note


@pytest.fixture
async def bot(api: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    """The bot, serving the dashboard on a port of its own."""
    harness = await start_bot(
        api, settings_for(api, tmp_path, dashboard_listen="127.0.0.1:0"), clock
    )
    yield harness
    await stop_bot(harness)


class Watched:
    """Pages whose console errors, uncaught exceptions, failed requests and requests to
    anywhere but the bot's own server are kept, to fail the test."""

    def __init__(self, origin: str) -> None:
        self.origin, self.errors = origin, list[str]()

    async def open(
        self, browser: Browser, url: str, viewport: dict[str, int], dark: bool = False
    ) -> Page:
        context = await browser.new_context(
            viewport=viewport,  # type: ignore[arg-type]
            color_scheme="dark" if dark else "light",
            locale="zh-CN",
        )
        page = await context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)
        page.on("response", self._response)
        await page.goto(url)
        await expect(page.locator("body")).to_have_attribute("data-ready", "yes", timeout=WAIT_MS)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _failed(self, request: Request) -> None:
        self.errors.append(f"failed: {request.url} {request.failure}")

    def _request(self, request: Request) -> None:
        if not request.url.startswith((self.origin + "/", "data:")):
            self.errors.append(f"outside the bot's server: {request.url}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")


def opened_by(bot: Harness, person: EmulatedUser, theme: dict[str, str] | None = None) -> str:
    """The address Telegram opens for `person`: the page, with the init data it signs (and the
    theme of the person's app) in the fragment."""
    init = sign_init_data(bot.api.token, person.as_user(), bot.clock.now(), chat_type="sender")
    fragment = {"tgWebAppData": init, "tgWebAppVersion": "8.0", "tgWebAppPlatform": "android"}
    if theme is not None:
        fragment["tgWebAppThemeParams"] = json.dumps(theme)
    return f"{bot.dashboard_url}/#{urllib.parse.urlencode(fragment, quote_via=urllib.parse.quote)}"


async def shot(page: Page, name: str, readme: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SHOTS / f"{name}.png", animations="disabled")
    if readme and os.environ.get("UPDATE_README_SHOT"):
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHOTS / f"{name}.png", README_SHOTS / f"{name}.png")


async def closed_and_overdue(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    water_head: EmulatedUser,
) -> tuple[str, str]:
    """Roads closes one issue (accepted on time); an urgent one, pinned on the map, nobody
    accepts until its deadlines pass; water gets one too. Their numbers: the closed, the
    overdue."""
    for person in (head, member, water_head):
        await person.send("/start")
    closed = await log_issue(worker, phone=None, pin=(39.905, 116.397))
    card = card_for(head, closed)
    await head.press(card, "签收")
    await head.press(card, "指派")
    await head.press(card, "刘强")
    await member.press(await member.wait_for("指派给您"), "办结")
    await answer(member, "已修好")
    await confirm_closed(worker, await worker.wait_for("请核实办理情况"))
    overdue = await log_issue(
        worker, "青山路8号路灯倒了，压着电线", "路灯故障", urgent=True, pin=(39.912, 116.405)
    )
    await worker.send(f"/note {overdue} {HOSTILE}")  # typed text, shown as text, never run
    await log_issue(worker, "和平里小区停水三天", "停水", pin=(39.93, 116.41))
    bot.clock.advance(timedelta(days=2))  # every deadline of the urgent one has passed
    return closed, overdue


async def test_a_coordinator_sees_the_ranking_stats_gives_and_opens_an_overdue_issue(
    bot: Harness,
    browser: Browser,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    water_head: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    _, overdue = await closed_and_overdue(bot, worker, head, member, water_head)
    await coordinator.send("/start")
    await coordinator.send("/stats")
    ranked = {
        found["department"]: found.groupdict()
        for line in coordinator.messages[-2].text.splitlines()
        if (found := RANKED_LINE.match(line))
    }
    assert "市政道路科" in ranked, coordinator.messages[-2].text
    words = page_strings("zh")

    watched = Watched(bot.dashboard_url.removesuffix("/dashboard"))
    page = await watched.open(browser, opened_by(bot, coordinator, LIGHT), WALL)
    await expect(page.locator("h1")).to_contain_text(words["title"])
    await expect(page.locator("#ranking-title")).to_have_text(words["ranking_title"])
    await expect(page.locator("#period")).to_have_value("month")
    # Every department /stats ranks, with the same figures, in the same order.
    rows = page.locator("#ranking-table tbody tr:not(.district)")
    await expect(rows.locator("th")).to_contain_text(list(ranked)[: await rows.count()])
    for name, figures in ranked.items():
        row = rows.filter(has=page.locator("th", has_text=name))
        for column in (
            "score",
            "contact_rate",
            "solved_rate",
            "satisfaction_rate",
            "on_time_acceptance_rate",
            "on_time_resolution_rate",
        ):
            await expect(row.locator(f'td[data-column="{column}"]')).to_have_text(figures[column])
    await expect(page.locator("#ranking-table tr.district")).to_contain_text(words["district"])
    await expect(page.locator("#ranking-chart canvas").first).to_be_visible()
    await expect(page.locator("#trend-chart canvas").first).to_be_visible()
    await expect(page.locator("#map .leaflet-interactive, #map canvas").first).to_be_visible()
    await expect(page.locator("#map-tiles")).to_have_text(words["map_no_tiles"])
    await expect(page.locator("#workload-table tbody tr").first).to_be_visible()
    await shot(page, "dashboard-wall-light", readme=True)

    # The overdue issue, most overdue first; a tap opens its card and its timeline.
    late = page.locator(".issue-row", has_text=overdue)
    await expect(late).to_contain_text("超期")
    await expect(late).to_contain_text(words["urgent"])
    await late.click()
    dialog = page.locator("dialog#issue")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#issue-title")).to_contain_text(overdue)
    await expect(dialog.locator("#issue-card")).to_contain_text("青山路8号路灯倒了")
    await expect(dialog.locator("#issue-timeline li").first).to_be_visible()
    assert await dialog.locator("#issue-card script, #issue-card img").count() == 0
    await expect(dialog.locator("#issue-timeline")).to_contain_text(HOSTILE)
    assert await dialog.locator("#issue-timeline script, #issue-timeline img").count() == 0
    await shot(page, "dashboard-issue", readme=True)
    await dialog.locator("#issue-close").click()
    await expect(dialog).to_be_hidden()

    # The person switches Telegram to its dark theme while it is open: the page follows.
    panel = page.locator("#ranking")
    await expect(panel).to_have_css("background-color", "rgb(255, 255, 255)")
    await page.evaluate(
        "theme => window.Telegram.WebView.receiveEvent('theme_changed', {theme_params: theme})",
        DARK,
    )
    await expect(panel).to_have_css("background-color", "rgb(33, 45, 59)")  # DARK's bg_color
    await expect(page.locator("html")).to_have_attribute("data-theme", "dark")

    # The same in Telegram's dark theme, and on a phone: one column, nothing off the side.
    dark = await watched.open(browser, opened_by(bot, coordinator, DARK), WALL, dark=True)
    await expect(dark.locator("#ranking-table tbody tr").first).to_be_visible()
    await shot(dark, "dashboard-wall-dark", readme=True)
    for theme, name in ((LIGHT, "light"), (DARK, "dark")):
        phone = await watched.open(
            browser, opened_by(bot, coordinator, theme), PHONE, dark=theme is DARK
        )
        await expect(phone.locator("#ranking-table tbody tr").first).to_be_visible()
        assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        panels = await phone.locator(".panel").evaluate_all(
            "panels => panels.map(p => p.getBoundingClientRect().left)"
        )
        assert len(set(panels)) == 1, panels  # one column
        await shot(phone, f"dashboard-phone-{name}", readme=True)

    assert watched.errors == []


async def test_opened_outside_telegram_or_by_a_member_it_says_so_in_one_line_and_shows_nothing(
    bot: Harness, browser: Browser, member: EmulatedUser
) -> None:
    signin = json.loads((ROOT / "dashboard" / "static" / "signin.json").read_text("utf-8"))
    origin = bot.dashboard_url.removesuffix("/dashboard")

    # Without Telegram's init data it asks nothing of the server.
    watched = Watched(origin)
    page = await watched.open(browser, f"{bot.dashboard_url}/", PHONE)
    await expect(page.locator("#notice")).to_have_text(signin["zh"]["unsigned"])
    await expect(page.locator("#dashboard")).to_have_count(0)
    assert watched.errors == []

    # A department's member, signed by Telegram: the server refuses (403), the page says why.
    watched = Watched(origin)
    page = await watched.open(browser, opened_by(bot, member), PHONE)
    await expect(page.locator("#notice")).to_have_text(signin["zh"]["forbidden"])
    await expect(page.locator("#dashboard")).to_have_count(0)
    assert [e for e in watched.errors if "api/me" not in e and "403" not in e] == []


async def test_a_head_sees_their_department_beside_the_district_as_stats_gives_it(
    bot: Harness,
    browser: Browser,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    water_head: EmulatedUser,
) -> None:
    _, overdue = await closed_and_overdue(bot, worker, head, member, water_head)
    await head.send("/stats")
    figures = head.messages[-2].text
    accepted = re.search(r"按时签收率：(\S+?)（", figures)
    closing = re.search(r"结案率：(\S+?)（", figures)
    assert accepted and closing, figures
    words = page_strings("zh")

    watched = Watched(bot.dashboard_url.removesuffix("/dashboard"))
    page = await watched.open(browser, opened_by(bot, head), PHONE)
    await expect(page.locator("#ranking-title")).to_have_text(words["ranking_head_title"])
    rows = page.locator("#ranking-table tbody tr")
    await expect(rows).to_have_count(2)  # their department and the district, nobody else's
    mine = rows.first
    await expect(mine.locator("th")).to_have_text("市政道路科")
    await expect(mine.locator('td[data-column="on_time_acceptance_rate"]')).to_have_text(
        accepted.group(1)
    )
    await expect(mine.locator('td[data-column="closing_rate"]')).to_have_text(closing.group(1))
    await expect(rows.last).to_contain_text(words["district"])
    # Another period from the chooser: the figures /stats gives for that one.
    await head.send("/stats week")
    week = re.search(r"按时签收率：(\S+?)（", head.messages[-2].text)
    assert week, head.messages[-2].text
    month_label = await page.locator("#ranking .period-label").inner_text()
    await page.locator("#period").select_option("week")
    await expect(page.locator("#ranking .period-label")).not_to_have_text(month_label)
    await expect(mine.locator('td[data-column="on_time_acceptance_rate"]')).to_have_text(
        week.group(1)
    )
    # Only their department's overdue issues; the water one is not theirs.
    await expect(page.locator(".issue-row", has_text=overdue)).to_be_visible()
    await expect(page.locator(".issue-row", has_text="和平里")).to_have_count(0)
    await page.locator(".issue-row", has_text=overdue).click()
    await expect(page.locator("#issue-timeline li").first).to_be_visible()
    await shot(page, "dashboard-head-phone")

    assert watched.errors == []


async def test_in_the_playground_the_coordinator_and_a_head_open_the_dashboard_from_their_chat(
    tmp_path: Path, browser: Browser
) -> None:
    async with playground_served(tmp_path / "playground") as served:
        origin = served.url
        watched = Watched(origin)
        page = await watched.open(browser, origin, {"width": 1920, "height": 1000})
        words = page_strings("zh")
        # Only the coordinator's and the heads' chats have 📊.
        await expect(page.locator(".phone .dashboard-open")).to_have_count(3)
        await expect(page.locator('.phone[data-person="worker"] .dashboard-open')).to_have_count(0)
        for key, title in (("coordinator", "ranking_title"), ("head1", "ranking_head_title")):
            await page.locator(f'.phone[data-person="{key}"] .dashboard-open').click()
            frame = page.frame_locator("#dashboard-frame")
            await expect(frame.locator("#ranking-title")).to_have_text(words[title])
            await expect(frame.locator("#ranking-table tr.district")).to_be_visible()
            await expect(frame.locator("#notice")).to_be_hidden()
            await shot(page, f"playground-dashboard-{key}")
            await page.locator("#dashboard-close").click()
            await expect(page.locator("#dashboard-dialog")).to_be_hidden()
        assert watched.errors == []
