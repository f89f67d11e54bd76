"""The playground: the real bot against the emulator, driven through the page's HTTP API."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

import playground.clock
import playground.runner
from bot import token_given
from emulator import EmulatedUser
from playground.runner import Playground, exposed
from playground.web import STATIC, make_app
from tests.flows import log_issue
from tests.harness import TrackingApplication

ROOT = Path(__file__).resolve().parent.parent
WORKER, HEAD1, GROUP = 9000001, 9000003, -9001
# Wednesday 25 November 2026, 07:00 in Shanghai, and on as real time goes: a fresh playground
# moves it to 08:00, the working morning it starts on.
BEGAN = time.monotonic()


def working_morning() -> datetime:
    return datetime(2026, 11, 24, 23, 0, tzinfo=UTC) + timedelta(seconds=time.monotonic() - BEGAN)


async def started(data: Path) -> Playground:
    ground = Playground(
        data=data,
        sweep_seconds=30,  # the tests sweep by moving the clock
        application_class=TrackingApplication,
        real_time=working_morning,
    )
    await ground.start()

    async def handled(update_id: int) -> None:  # each person's step waits for the bot's answer
        assert isinstance(ground.app, TrackingApplication)
        await ground.app.finished(update_id)

    ground.api.processed = handled
    return ground


@pytest.fixture
async def play(tmp_path: Path) -> AsyncIterator[Playground]:
    ground = await started(tmp_path / "playground")
    yield ground
    await ground.stop()
    assert isinstance(ground.app, TrackingApplication | None)


@pytest.fixture
async def client(play: Playground) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(make_app(play))) as test_client:
        yield test_client


def person(play: Playground, chat_id: int) -> EmulatedUser:
    found = play.person(chat_id)
    assert found is not None
    return found.user


async def chat(client: TestClient[Any, Any], chat_id: int) -> dict[str, Any]:
    answer = await client.get(f"/api/chats/{chat_id}")
    assert answer.status == 200
    shown: dict[str, Any] = await answer.json()
    return shown


async def press(client: TestClient[Any, Any], chat_id: int, message_id: int, data: Any) -> None:
    pressed = await client.post(
        f"/api/chats/{chat_id}/press", json={"message_id": message_id, "data": data}
    )
    assert pressed.status == 200


async def until(play: Playground, predicate: Callable[[], bool]) -> None:
    await play.api.wait_until(predicate, timeout=15)


async def test_the_state_lists_the_people_places_samples_and_words(
    client: TestClient[Any, Any],
) -> None:
    state = await (await client.get("/api/state")).json()
    keys = [p["key"] for p in state["people"]]
    assert keys == ["worker", "hotline", "head1", "member", "head2", "coordinator", "group"]
    group = state["people"][-1]
    assert group["kind"] == "group" and group["member"] == "head1" and group["chat_id"] == GROUP
    assert state["strings"]["zh"]["reset"] == "重置" and state["strings"]["en"]["reset"] == "Reset"
    assert state["exposed"] is False and state["places"] and state["map"]["south"] < 31
    assert {s["key"] for s in state["samples"]} == {"streetlight", "drain", "rubbish"}
    assert state["clock"]["shown"].startswith("11月25日 周三 08:0")
    assert state["clock"]["next_deadline"] is None
    assert (await client.get("/")).status == 200


async def test_a_workers_start_and_new_arrive_through_the_chat_and_the_live_socket(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    async with client.ws_connect("/api/live") as live:
        sent = await client.post(f"/api/chats/{WORKER}/send", json={"text": "/start"})
        assert sent.status == 200
        event = await asyncio.wait_for(live.receive_json(), 15)
        assert event == {"type": "chat", "chat_id": WORKER}
        await until(play, lambda: len(play.api.chat(WORKER)) >= 1)
        await client.post(f"/api/chats/{WORKER}/send", json={"text": "/new 青山路路灯不亮"})
        await until(play, lambda: len(play.api.chat(WORKER)) >= 2)

    shown = await chat(client, WORKER)
    froms = [m["from"] for m in shown["messages"]]
    assert froms[:2] == ["me", "bot"] and "王芳" in shown["messages"][1]["html"]
    asks = shown["messages"][-1]
    assert asks["from"] == "bot" and any(
        b["text"] == "路灯故障" for row in asks["buttons"] for b in row
    )
    state = await (await client.get("/api/state")).json()
    worker = next(p for p in state["people"] if p["key"] == "worker")
    assert any(c["command"] == "new" for c in worker["commands"])  # the worker's own menu


async def test_a_press_returns_the_bots_answer(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    await client.post(f"/api/chats/{WORKER}/send", json={"text": "/lang"})
    await until(play, lambda: any(m.has_button("English") for m in play.api.chat(WORKER)))
    asked = next(m for m in play.api.chat(WORKER) if m.has_button("English"))
    data = asked.button("English").callback_data

    pressed = await client.post(
        f"/api/chats/{WORKER}/press", json={"message_id": asked.message_id, "data": data}
    )
    forged = await client.post(
        f"/api/chats/{WORKER}/press", json={"message_id": asked.message_id, "data": "i:999:acc"}
    )

    assert pressed.status == 200 and (await pressed.json())["answer"] is not None
    refused = (await forged.json())["answer"]
    assert refused is not None and refused["text"]  # the bot says why it cannot


async def test_a_photo_from_the_samples_reaches_the_bot_and_the_departments_card(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    head = person(play, HEAD1)
    await head.send("/start")
    worker = person(play, WORKER)
    await worker.send("/start")
    await worker.send("/new 青山路路灯不亮")
    await worker.press(worker.last, "路灯故障")
    await worker.send("跳过")  # no place
    sent = await client.post(f"/api/chats/{WORKER}/photo", json={"sample": "streetlight"})
    assert sent.status == 200
    await worker.send("完成")
    await worker.send("张三")
    await worker.send("13812345678")
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ ")
    await worker.press(worker.last, "提交")
    assert "已提交" in worker.last.text

    card = next(m for m in play.api.chat(HEAD1) if m.has_button("详情"))
    await press(client, HEAD1, card.message_id, card.button("详情").callback_data)
    media = ":media"
    await until(play, lambda: any(media in (b.callback_data or "") for b in head.last.buttons))
    button = next(b for b in head.last.buttons if media in (b.callback_data or ""))
    await press(client, HEAD1, head.last.message_id, button.callback_data)
    await until(play, lambda: any(m.kind in ("photo", "media") for m in play.api.chat(HEAD1)))

    shown = await chat(client, HEAD1)
    url = next(m["photo"] for m in shown["messages"] if m["photo"])
    picture = await client.get(url)
    assert picture.status == 200 and picture.content_type == "image/jpeg"
    assert await picture.read() == (STATIC / "samples" / "streetlight.jpg").read_bytes()
    mine = (await chat(client, WORKER))["messages"]
    assert any(m["from"] == "me" and m["photo"] for m in mine)


async def test_moving_the_clock_past_a_deadline_brings_the_reminder(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    head = person(play, HEAD1)
    await head.send("/start")
    worker = person(play, WORKER)
    await worker.send("/start")
    number = await log_issue(worker)  # to be accepted within 2 hours
    state = await (await client.get("/api/state")).json()
    assert state["clock"]["next_deadline"].startswith("2026-11-25T10:0")

    moved = await client.post("/api/clock", json={"move": "deadline"})
    clock = await moved.json()

    assert clock["now"].startswith("2026-11-25T10:0")
    await until(play, lambda: any(f"{number} 已到签收时限" in m.text for m in head.messages))
    bad = await client.post("/api/clock", json={"move": "backwards"})
    refused = await bad.json()
    assert bad.status == 400 and refused["error"].startswith("时钟只能按小时")
    assert refused["errors"]["en"].startswith("The clock moves by hour")


async def test_the_clock_moves_by_an_hour_a_day_and_to_the_morning_and_is_kept(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    for move in ("hour", "day", "morning"):
        assert (await client.post("/api/clock", json={"move": move})).status == 200
    now = play.clock.now().astimezone(play.clock.zone)
    assert (now.day, now.hour, now.minute) == (27, 8, 30)  # 10:00 on the 26th, then 08:30
    kept = playground.clock.PlaygroundClock(play.data / "clock.json", play.clock.zone)
    assert kept.offset == play.clock.offset


async def test_reset_empties_the_chats_and_the_database(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    worker = person(play, WORKER)
    await worker.send("/start")
    await log_issue(worker)
    await client.post("/api/clock", json={"move": "day"})
    assert play.api.chat(WORKER)

    async with client.ws_connect("/api/live") as live:
        assert (await client.post("/api/reset", json={})).status == 200
        events = [await asyncio.wait_for(live.receive_json(), 15) for _ in range(1)]
        while events[-1]["type"] != "reset":
            events.append(await asyncio.wait_for(live.receive_json(), 15))

    assert (await chat(client, WORKER))["messages"] == []
    assert play.clock.now().astimezone(play.clock.zone).isoformat().startswith("2026-11-25T08:0")
    async with play.deps.store.reading() as tx:
        assert await tx.issues.by_number("2611-0001") is None
        assert await tx.issues.next_deadline(datetime(2000, 1, 1, tzinfo=UTC)) is None
    await worker.send("/start")  # the bot runs again
    assert "王芳" in worker.last.text


async def test_the_playground_never_opens_the_production_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = tmp_path / "production.sqlite3"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{production}")
    monkeypatch.setenv("BOT_TOKEN", "123:real-token-never-used")
    monkeypatch.setenv("ORG_FILE", str(tmp_path / "org.toml"))
    ground = Playground(data=tmp_path / "playground", sweep_seconds=30)
    settings = None
    try:
        await ground.start()
        settings = ground.settings
    finally:
        await ground.stop()
    assert settings is not None
    assert settings.database_url == f"sqlite:///{tmp_path / 'playground' / 'duban.sqlite3'}"
    assert settings.bot_token.get_secret_value() == playground.runner.TOKEN
    assert (tmp_path / "playground" / "duban.sqlite3").exists()
    assert not production.exists() and not (tmp_path / "data").exists()


def test_only_the_loopback_is_not_exposed() -> None:
    assert not exposed("127.0.0.1") and not exposed("::1") and not exposed("localhost")
    assert exposed("0.0.0.0") and exposed("192.168.1.20") and exposed("") and exposed("example.org")


def test_a_token_in_the_environment_or_in_dotenv_runs_the_real_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    env_file = tmp_path / ".env"
    assert not token_given(env_file)
    env_file.write_text("BOT_TOKEN=\nLOG_LEVEL=INFO\n")
    assert not token_given(env_file)
    env_file.write_text("bot_token=123:abc\n")
    assert token_given(env_file)
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    assert token_given(tmp_path / "missing")


def start_playground(tmp_path: Path, host: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    env.update(
        PLAYGROUND_HOST=host, PLAYGROUND_PORT="0", PLAYGROUND_DATA_DIR=str(tmp_path / "data")
    )
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py")],
        cwd=tmp_path,  # no .env there: no token
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.terminate()
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    return out, err


async def test_bot_py_with_no_token_starts_the_playground_and_says_where(tmp_path: Path) -> None:
    process = start_playground(tmp_path, "127.0.0.1")
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
        found = re.fullmatch(r"playground: (http://127\.0\.0\.1:\d+)\n", first)
        assert found, first
        async with aiohttp.ClientSession() as http, http.get(found[1] + "/") as page:
            assert page.status == 200 and "<html" in (await page.text()).lower()
    finally:
        out, err = stop(process)
    assert "WARNING" not in err and "playground: stopped" in out
    assert (tmp_path / "data" / "duban.sqlite3").exists() and not (tmp_path / ".env").exists()


async def test_a_playground_with_its_page_open_stops_at_once(tmp_path: Path) -> None:
    process = start_playground(tmp_path, "127.0.0.1")
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
        address = first.removeprefix("playground: ").strip()
        async with aiohttp.ClientSession() as http, http.ws_connect(address + "/api/live") as live:
            began = time.monotonic()
            process.terminate()  # as Ctrl+C: the page's live connection must not hold it up
            closed = await asyncio.wait_for(live.receive(), 10)
            out, _ = await asyncio.to_thread(process.communicate, timeout=10)
            took = time.monotonic() - began
    finally:
        if process.poll() is None:
            process.kill()
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert process.returncode == 0 and "playground: stopped" in out
    assert took < 5


async def test_listening_beyond_the_loopback_warns_that_anyone_acts_as_everyone(
    tmp_path: Path,
) -> None:
    process = start_playground(tmp_path, "0.0.0.0")
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
        assert first.startswith("playground: http://0.0.0.0:")
    finally:
        _, err = stop(process)
    assert "anyone who can reach it acts as every person" in err


async def test_a_document_the_bot_sends_downloads_with_its_name(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    await person(play, WORKER).send("/start")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(WORKER))
    form.add_field("document", b"PK workbook", filename="工单导出.xlsx")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{play.api.base_url}{play.api.token}/sendDocument", data=form) as sent,
    ):
        assert sent.status == 200

    shown = (await chat(client, WORKER))["messages"][-1]
    download = await client.get(shown["document"]["url"])

    assert shown["document"]["name"] == "工单导出.xlsx"
    assert await download.read() == b"PK workbook"
    assert download.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert (await client.get("/api/files/nothing-here")).status == 404


async def test_a_drill_started_on_the_page_reads_the_trainees_steps_from_the_timeline(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    state = await (await client.get("/api/state")).json()
    assert [d["id"] for d in state["drills"]] == ["streetlight", "return-reroute", "overdue-redo"]
    assert (await (await client.get("/api/drills/current")).json()) is None
    worker = person(play, WORKER)
    await worker.send("/start")
    await log_issue(worker)  # before the drill: it does not count

    started = await (await client.post("/api/drills/streetlight/start", json={})).json()
    assert [s["done"] for s in started["steps"]] == [False, False, False]
    async with client.ws_connect("/api/live") as live:
        await log_issue(worker)  # from the hotline, not the community visit the task asks for
        while (await asyncio.wait_for(live.receive_json(), 15))["type"] != "drill":
            pass

    running = await (await client.get("/api/drills/current")).json()
    assert [s["done"] for s in running["steps"]] == [False, False, False]
    assert running["finished"] is False and running["summary"] is None
    [mistake] = running["mistakes"]
    assert "来源" in mistake["zh"] and "社区走访" in mistake["zh"]
    missing = await client.post("/api/drills/no-such-drill/start", json={})
    assert missing.status == 404 and "error" in await missing.json()
    assert (await client.post("/api/reset", json={})).status == 200
    assert (await (await client.get("/api/drills/current")).json()) is None


@pytest.mark.parametrize(
    ("real", "starts"),
    [
        ("2026-12-05T04:19", "2026-12-07T08:00"),  # Saturday before dawn: Monday morning
        ("2026-12-02T10:00", "2026-12-03T08:00"),  # Wednesday, 10:00: Thursday morning
        ("2026-12-02T07:00", "2026-12-02T08:00"),  # Wednesday, early: that morning
        ("2026-12-02T08:00", "2026-12-02T08:00"),  # at 08:00: as it is
        ("2026-12-04T17:30", "2026-12-07T08:00"),  # Friday evening: Monday
    ],
)
def test_a_fresh_playground_starts_on_a_working_morning_before_the_digest(
    tmp_path: Path, real: str, starts: str
) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    at = datetime.fromisoformat(real).replace(tzinfo=zone)
    clock = playground.clock.PlaygroundClock(tmp_path / "clock.json", zone, lambda: at)

    clock.start_on_a_working_morning()

    assert clock.now().astimezone(zone).isoformat(timespec="minutes") == f"{starts}+08:00"


async def test_a_playground_started_again_shows_the_chats_it_showed_and_edits_its_cards(
    tmp_path: Path,
) -> None:
    first = await started(tmp_path / "playground")
    worker = person(first, WORKER)
    await worker.send("/start")
    number = await log_issue(worker)
    photo = b"\xff\xd8\xff a street light"
    await worker.send_photo("photo-1", "路灯照片", data=photo)
    shown_before = [m.text for m in first.api.chat(GROUP)]
    await first.stop()

    again = await started(tmp_path / "playground")
    try:
        assert [m.text for m in again.api.chat(GROUP)] == shown_before
        assert again.api.files["photo-1"] == photo  # what people sent, pictures too
        card = next(m for m in again.api.chat(GROUP) if number in m.text and m.has_button("签收"))
        head = person(again, HEAD1)
        await head.press(card, "签收")
        await until(again, lambda: "✅ 签收人：张建国" in card.text)
        assert card.edits >= 1  # the card of the run before, edited in place
    finally:
        await again.stop()


async def test_a_finished_drill_says_the_trainees_time_which_moving_the_clock_does_not_lengthen(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    worker, head = person(play, WORKER), person(play, HEAD1)
    await client.post("/api/drills/streetlight/start", json={})
    await client.post("/api/clock", json={"move": "hour"})

    number = await log_issue(worker, source="社区走访")
    card = await head.wait_for(number)
    await head.press(card, "签收")
    await head.press(card, "指派")
    await head.press(head.last, "刘强")
    member = person(play, 9000005)
    await until(play, lambda: any("指派给您" in m.text for m in member.messages))

    done = await (await client.get("/api/drills/current")).json()
    assert done["finished"] is True and done["mistakes"] == []
    assert done["summary"]["seconds"] >= 3600  # the bot's clock: the hour it was moved
    assert done["summary"]["real_seconds"] < 60  # the trainee's: a few seconds


async def test_a_citizens_contact_card_and_a_named_place_reach_the_wizard_as_a_person_sends_them(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    worker = person(play, WORKER)
    await worker.send("/start")
    await worker.send("/new 青山公园南门井盖缺失")
    await worker.press(worker.last, "井盖")
    place = {"latitude": 30.6268, "longitude": 114.3956, "title": "青山公园南门"}
    assert (await client.post(f"/api/chats/{WORKER}/location", json=place)).status == 200
    await worker.send("完成")
    state = await (await client.get("/api/state")).json()
    card = next(c for c in state["contacts"] if c["name"] == "陈阿姨")

    sent = await client.post(f"/api/chats/{WORKER}/contact", json=card)
    forged = await client.post(f"/api/chats/{WORKER}/contact", json={"name": "x", "phone": "1"})

    assert sent.status == 200 and forged.status == 404
    await until(play, lambda: "来源" in worker.last.text)
    await worker.press(worker.last, "社区走访")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ ")
    summary = worker.last.text
    assert "青山公园南门 青山区青山公园南门外人行道" in summary  # the place's name, its address
    assert "陈阿姨 13912345678" in summary  # the card: the citizen's name and number


async def test_a_day_moved_in_one_press_brings_its_reminders_one_by_one(
    play: Playground, client: TestClient[Any, Any]
) -> None:
    worker, head = person(play, WORKER), person(play, HEAD1)
    await worker.send("/start")
    number = await log_issue(worker)  # at 08:00, to be accepted by 10:00

    assert (await client.post("/api/clock", json={"move": "day"})).status == 200

    def reminded() -> list[str]:
        return [
            m.text.split("\n")[0] for m in head.messages if number in m.text and "催办" in m.text
        ]

    await until(play, lambda: len(reminded()) >= 3)
    said = reminded()
    assert any("已到签收时限" in s for s in said)  # at 10:00
    assert any("已超过签收时限 4 小时" in s for s in said)  # at 14:00, and so on
    assert any("已超过签收时限 8 小时" in s for s in said)
