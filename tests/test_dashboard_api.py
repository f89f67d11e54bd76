"""The dashboard's data (issue 21), asked of the bot's own server as the page asks: signed by
Telegram (the emulator), read again for each request, each person's scope, and the same
figures /stats gives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yarl
from aiohttp import web

from casework.people import NewStaff, Staff
from casework.roles import Role
from casework.services import dashboard
from dashboard import api, server
from emulator import BotApiEmulator, EmulatedUser, sign_init_data
from rendering.i18n import texts
from tests.flows import log_issue
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot
from tests.test_reports import closed_issue

URL = "https://duban.example.gov.cn/dashboard/"


@pytest.fixture
async def bot(api: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    """The bot serving the dashboard on a free port of this machine."""
    settings = settings_for(api, tmp_path, dashboard_listen="127.0.0.1:0", dashboard_url=URL)
    harness = await start_bot(api, settings, clock)
    yield harness
    await stop_bot(harness)
    assert not harness.tracking.errors


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Page:
    """The page as one person opened it from the bot's menu button."""

    def __init__(self, bot: Harness, http: aiohttp.ClientSession, init_data: str | None) -> None:
        self.bot, self.http, self.init_data = bot, http, init_data

    async def get(self, path: str, **query: str) -> tuple[int, Any]:
        headers = {"Authorization": f"tma {self.init_data}"} if self.init_data else {}
        url = f"{self.bot.dashboard_url}/api/{path}"
        async with self.http.get(url, params=query, headers=headers) as response:
            assert response.headers["Cache-Control"] == "no-store"
            return response.status, await response.json()

    async def ok(self, path: str, **query: str) -> Any:
        status, body = await self.get(path, **query)
        assert status == 200, body
        return body


def opened_by(
    bot: Harness, http: aiohttp.ClientSession, person: EmulatedUser, **signing: Any
) -> Page:
    token = signing.pop("token", bot.api.token)
    at = signing.pop("at", bot.clock.now())
    return Page(bot, http, sign_init_data(token, person.as_user(), at, chat_type="sender"))


async def test_a_coordinator_sees_every_department_in_their_language(
    bot: Harness,
    http: aiohttp.ClientSession,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await closed_issue(worker, head, member)
    water = await log_issue(worker, "幸福小区停水", category="停水", pin=(31.2, 121.4))
    roads = await log_issue(worker, "中山路路灯不亮", pin=(31.3, 121.5))
    bot.clock.advance(timedelta(hours=3))  # both are past the time to accept them
    page = opened_by(bot, http, coordinator)

    me = await page.ok("me")
    ranking = await page.ok("ranking", period="week")
    overdue = await page.ok("overdue")
    points = await page.ok("map")
    workload = await page.ok("workload")

    assert (me["name"], me["role"], me["department"], me["language"]) == (
        "周敏", "coordinator", None, "zh",
    )  # fmt: skip
    assert [p["words"] for p in me["periods"]][:5] == [
        "week", "this-week", "last-week", "month", "last-month",
    ]  # fmt: skip
    assert me["tiles"] == {"url": None, "attribution": None}
    assert {d["name"] for d in ranking["departments"]} == {"市政道路科", "供水服务中心", "司法所"}
    assert ranking["departments"][0]["code"] == "roads" and ranking["departments"][0]["rank"] == 1
    assert [i["number"] for i in overdue["issues"]] == [water, roads]  # most overdue first
    assert overdue["issues"][0]["late"] == "超期 2 小时"
    assert overdue["issues"][0]["category_name"] == "停水"
    assert overdue["total"] == 2
    assert {p["number"] for p in points["points"]} == {water, roads}
    assert all(p["overdue"] for p in points["points"]) and points["shown"] == points["total"] == 2
    assert {p["name"]: p["closed"] for p in workload["people"]}["刘强"] == 1


async def test_the_ranking_has_the_figures_stats_prints_for_the_same_period(
    bot: Harness,
    http: aiohttp.ClientSession,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await closed_issue(worker, head, member)
    bot.clock.advance(timedelta(hours=3))

    ranking = await opened_by(bot, http, coordinator).ok("ranking", period="week")
    await coordinator.send("/stats week")
    head_view = await opened_by(bot, http, head).ok("ranking", period="week")
    await head.send("/stats week")

    t = texts("zh")
    [roads] = [d for d in ranking["departments"] if d["rank"] is not None]
    line = t._(
        "{n}. {department}: score {score} · contacted {contacted} · solved {solved} · "
        "satisfied {satisfied} · accepted on time {accepted} · resolved on time "
        "{resolved} · complaints {complaints} · praise {praise}",
        n=roads["rank"], department=roads["name"], score=f"{100 * roads['score']:.1f}",
        contacted=roads["text"]["contact_rate"], solved=roads["text"]["solved_rate"],
        satisfied=roads["text"]["satisfaction_rate"],
        accepted=roads["text"]["on_time_acceptance_rate"],
        resolved=roads["text"]["on_time_resolution_rate"], complaints="0%", praise="0%",
    )  # fmt: skip
    assert line in coordinator.messages[-2].text.splitlines()
    assert roads["text"]["on_time_acceptance_rate"] == "100%"
    [own] = head_view["departments"]
    assert own["code"] == "roads" and own["rank"] is None
    figures = head.messages[-2].text
    for rate, words in (
        ("on_time_acceptance_rate", "按时签收率"),
        ("closing_rate", "结案率"),
        ("contact_rate", "联系率"),
    ):
        assert f"{words}：{own['text'][rate]}" in figures
    assert head_view["district"]["rates"] == ranking["district"]["rates"]


async def test_a_head_sees_their_own_department_and_no_other(
    bot: Harness,
    http: aiohttp.ClientSession,
    worker: EmulatedUser,
    head: EmulatedUser,
) -> None:
    roads = await log_issue(worker, pin=(31.3, 121.5))
    water = await log_issue(worker, "幸福小区停水", category="停水", pin=(31.2, 121.4))
    bot.clock.advance(timedelta(hours=3))
    page = opened_by(bot, http, head)

    me = await page.ok("me")
    overdue = await page.ok("overdue")
    own = await page.ok("overdue", department="roads")
    points = await page.ok("map")
    trend = await page.ok("trend", department="roads", period="month")
    district = await page.ok("trend")
    refused = [
        await page.get("overdue", department="water"),
        await page.get("map", department="water"),
        await page.get("workload", department="water"),
        await page.get("trend", department="water"),
    ]
    water_id = (await opened_by(bot, http, bot.user(9001, "周敏")).ok("overdue"))["issues"]
    not_theirs = next(i["id"] for i in water_id if i["number"] == water)

    assert (me["role"], me["department"], me["department_name"]) == ("head", "roads", "市政道路科")
    assert (
        [i["number"] for i in overdue["issues"]] == [roads] == [i["number"] for i in own["issues"]]
    )
    assert [p["number"] for p in points["points"]] == [roads]
    assert trend["weeks"] and all(w["department"] is not None for w in trend["weeks"])
    assert district["weeks"] and all(w["department"] is None for w in district["weeks"])
    assert refused == [(403, {"error": "forbidden"})] * 4
    assert await page.get(f"issue/{not_theirs}") == (404, {"error": "not_found"})
    assert await page.get("issue/999999") == (404, {"error": "not_found"})
    assert await page.get("issue/abc") == (404, {"error": "not_found"})


async def test_an_issue_opens_as_its_card_and_timeline(
    bot: Harness, http: aiohttp.ClientSession, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    number = await log_issue(worker, phone="13812345678")
    page = opened_by(bot, http, coordinator)
    [listed] = (await page.ok("map"))["points"] or [None]
    assert listed is None  # no pin: not on the map
    bot.clock.advance(timedelta(hours=3))
    [overdue] = (await page.ok("overdue"))["issues"]

    shown = await page.ok(f"issue/{overdue['id']}")

    assert shown["number"] == number == overdue["number"]
    assert f"<b>{number}</b>" in shown["card"]
    assert "13812345678" in shown["card"]  # as a coordinator's private card shows it
    assert len(shown["timeline"]) == 1 and "王芳" in shown["timeline"][0]


@pytest.mark.parametrize("who", ["member", "worker", "stranger"])
async def test_those_who_do_not_steer_by_the_figures_are_refused(
    bot: Harness, http: aiohttp.ClientSession, who: str, request: pytest.FixtureRequest
) -> None:
    person: EmulatedUser = request.getfixturevalue(who)
    page = opened_by(bot, http, person)

    for path in ("me", "ranking", "overdue", "map", "workload", "trend", "issue/1"):
        assert await page.get(path) == (403, {"error": "forbidden"})


async def test_a_deactivated_coordinator_is_refused_at_once_though_their_signature_is_fresh(
    bot: Harness, http: aiohttp.ClientSession, coordinator: EmulatedUser
) -> None:
    page = opened_by(bot, http, coordinator)
    assert (await page.get("me"))[0] == 200
    deps = bot.resources.deps
    async with deps.store.transaction() as tx:
        person = await tx.staff.by_telegram_id(coordinator.id)
        assert person is not None
        await tx.staff.deactivate(person.id, bot.clock.now())

    assert await page.get("me") == (403, {"error": "forbidden"})
    assert await page.get("ranking") == (403, {"error": "forbidden"})


async def test_unsigned_forged_stale_or_another_bots_init_data_gets_nothing(
    bot: Harness, http: aiohttp.ClientSession, coordinator: EmulatedUser
) -> None:
    good = opened_by(bot, http, coordinator)
    assert good.init_data is not None
    forged = Page(bot, http, good.init_data.replace("9001", "9002"))
    stale = opened_by(bot, http, coordinator, at=bot.clock.now() - timedelta(days=1, minutes=1))
    other = opened_by(bot, http, coordinator, token="777:another-bot")
    unsigned = Page(bot, http, None)

    for page in (forged, stale, other, unsigned):
        assert await page.get("ranking") == (401, {"error": "unsigned"})
    bot.clock.advance(timedelta(days=1, minutes=1))  # the page left open for a day
    assert await good.get("me") == (401, {"error": "unsigned"})


async def test_a_period_that_is_not_one_is_answered_in_the_persons_words(
    bot: Harness, http: aiohttp.ClientSession, coordinator: EmulatedUser
) -> None:
    page = opened_by(bot, http, coordinator)

    status, body = await page.get("ranking", period="next-tuesday")
    too_long = await page.get("trend", period="2025-01-01..2026-11-30")
    month = await page.ok("ranking", period="2026-11")
    days = await page.ok("ranking", period="2026-11-01..2026-11-15")

    assert status == 400 and body["error"] == "period" and "2026-11" in body["message"]
    assert too_long[0] == 400 and "一年" in too_long[1]["message"]
    assert month["period"] == {"label": "2026年11月", "start": "2026-11-01", "end": "2026-11-30"}
    assert (days["period"]["start"], days["period"]["end"]) == ("2026-11-01", "2026-11-15")


async def test_english_follows_the_persons_choice_else_their_telegram_app(
    bot: Harness, http: aiohttp.ClientSession, coordinator: EmulatedUser, head: EmulatedUser
) -> None:
    head.language_code = "en"
    await coordinator.send("/lang")
    await coordinator.press(coordinator.last, "English")

    assert (await opened_by(bot, http, head).ok("me"))["language"] == "en"
    me = await opened_by(bot, http, coordinator).ok("me")
    assert me["language"] == "en" and me["periods"][0]["label"] == "Last 7 days"


async def test_slow_figures_are_kept_per_reader_and_period_and_counted_again_behind_the_scenes(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await closed_issue(worker, head, member)
    deps = bot.resources.deps
    seconds = [0.0]
    kept = api.Reports(seconds=60, stale=600, slow=0, timer=lambda: seconds[0])  # all "slow"
    page = api.Page(deps, "zh", reports=kept)
    coordinator = await dashboard.viewer(deps, 9001)
    roads_head = await dashboard.viewer(deps, head.id)
    month = api.period_of(page, "month")

    async def open_now(person: Staff) -> int:
        ranking = await api.ranking(page, api.Asker(person, texts("zh")), month)
        return int(ranking["departments"][0]["counts"]["open"])

    before = await open_now(coordinator)
    await log_issue(worker)
    seconds[0] = 59.0
    still = await open_now(coordinator)
    theirs = await open_now(roads_head)  # a head's own, counted when they first ask
    seconds[0] = 60.0
    while_counted_again = await open_now(coordinator)
    await kept.settled()
    after = await open_now(coordinator)
    await log_issue(worker)
    seconds[0] = 60.0 + 600.0  # nobody asked for ten minutes: not shown, counted first
    long_after = await open_now(coordinator)

    assert (before, still, theirs, while_counted_again, after, long_after) == (0, 0, 1, 0, 1, 2)


async def test_the_page_is_served_as_it_is_and_nothing_outside_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http: aiohttp.ClientSession
) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "index.html").write_text("<title>看板</title>", "utf-8")
    (tmp_path / "vendor" / "echarts.min.js").write_text("var echarts;", "utf-8")
    monkeypatch.setattr(server, "STATIC", tmp_path)
    tiles = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    page = api.Page(deps=None, default_language="zh", tiles_url=tiles)  # type: ignore[arg-type]
    runner = web.AppRunner(server.make_app(page, "1:a"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"

    async def get(path: str) -> tuple[int, str]:
        # As sent: the client would tidy `..` away before the server's guard could see it.
        url = yarl.URL(base + path, encoded=True)
        async with http.get(url, allow_redirects=False) as response:
            return response.status, await response.text()

    try:
        assert await get("/dashboard/") == (200, "<title>看板</title>")
        assert await get("/dashboard/vendor/echarts.min.js") == (200, "var echarts;")
        assert (await get("/dashboard"))[0] == 302
        for outside in (
            "/dashboard/../org.toml",
            "/dashboard/%2e%2e/org.toml",
            "/dashboard/..%2forg.toml",
        ):
            assert (await get(outside))[0] == 404, outside
        async with http.get(base + "/dashboard/") as response:
            policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "connect-src 'self';" in policy
        assert "img-src 'self' data: blob: https://*.tiles.example.org;" in policy
        assert await get("/dashboard/api/nothing") == (404, '{"error": "not_found"}')
        assert await get("/dashboard/api/me") == (401, '{"error": "unsigned"}')
    finally:
        await runner.cleanup()


async def test_a_head_moved_to_another_department_is_not_shown_what_was_kept_for_the_first(
    bot: Harness, http: aiohttp.ClientSession, worker: EmulatedUser, head: EmulatedUser
) -> None:
    roads = await log_issue(worker, "中山路路灯不亮", pin=(31.3, 121.5))
    water = await log_issue(worker, "幸福小区停水", category="停水", pin=(31.2, 121.4))
    page = opened_by(bot, http, head)
    assert [p["number"] for p in (await page.ok("map"))["points"]] == [roads]  # kept a while
    deps = bot.resources.deps
    async with deps.store.transaction() as tx:  # let go, and invited back to head water
        person = await tx.staff.by_telegram_id(head.id)
        assert person is not None
        await tx.staff.deactivate(person.id, bot.clock.now())
        await tx.staff.restore(
            person.id, NewStaff(head.id, person.name, Role.HEAD, "water"), bot.clock.now()
        )

    assert [p["number"] for p in (await page.ok("map"))["points"]] == [water]
    assert [d["code"] for d in (await page.ok("ranking"))["departments"]] == ["water"]
