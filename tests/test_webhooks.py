"""The bot in webhook mode (WEBHOOK_URL): Telegram, here the emulator, POSTs each update to
python-telegram-bot's webhook server with the secret header, and the bot keeps the update in
the database before it answers (runtime/webhook.py)."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Update

import runtime.app
from casework.services import updates
from emulator import BotApiEmulator, EmulatedUser
from emulator.server import WEBHOOK_CONFLICT, Delivery
from runtime.webhook import KeepingQueue
from tests.flows import card_for, log_issue, rows
from tests.harness import (
    TEST_ORG,
    WEBHOOK_SECRET,
    FakeClock,
    Harness,
    TrackingApplication,
    free_port,
    start_bot,
    stop_bot,
    webhook_settings,
)
from tests.test_process import BOT, bot_environment, run_to_end


@pytest.fixture
async def bot(api: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    """The bot in webhook mode (the people's fixtures of conftest.py take this one here)."""
    harness = await start_bot(api, webhook_settings(api, tmp_path), clock)
    yield harness
    await stop_bot(harness)
    assert not harness.tracking.errors, f"handlers raised: {harness.tracking.errors!r}"


def delivered(api: BotApiEmulator, update_id: int) -> list[int]:
    """The answers the bot gave to each POST of this update (0: none)."""
    return [d.status for d in api.deliveries if d.update_id == update_id]


async def kept(bot: Harness) -> set[int]:
    """The updates kept and not handled yet (a handled one leaves `incoming_updates`)."""
    return {row[0] for row in await rows(bot, "SELECT update_id FROM incoming_updates")}


async def handled(bot: Harness) -> set[int]:
    return {row[0] for row in await rows(bot, "SELECT update_id FROM processed_updates")}


async def post_to_the_webhook(bot: Harness, update: dict[str, Any], secret: str | None) -> int:
    """A POST to the bot's webhook as anyone on the network could make it; the status."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(bot.settings.webhook_url, json=update, headers=headers) as response,
    ):
        return response.status


async def test_a_worker_logs_an_issue_and_a_head_accepts_it_through_the_webhook(
    bot: Harness, api: BotApiEmulator, worker: EmulatedUser, head: EmulatedUser
) -> None:
    await head.send("/start")
    number = await log_issue(worker)

    card = card_for(head, number)
    answer = await head.press(card, "签收")

    assert answer is not None and answer.text == "已签收。"
    assert "办理中" in card.text and "签收人：陈建国" in card.text
    assert "市政道路科已签收" in (await worker.wait_for("已签收")).text
    # Every update came by webhook, each answered 200 at the first POST and handled (none
    # left waiting among the kept); the bot never polled.
    updates = {d.update_id for d in api.deliveries}
    assert updates == set(range(1, api.last_update_id + 1))
    assert all(delivered(api, u) == [200] for u in updates)
    assert await handled(bot) == updates
    assert await kept(bot) == set()
    assert api.calls_to("getUpdates") == []


async def test_the_webhook_is_set_at_start_with_its_secret_and_the_updates_polling_takes(
    bot: Harness, api: BotApiEmulator
) -> None:
    [call] = api.calls_to("setWebhook")

    assert call.params["url"] == bot.settings.webhook_url
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert call.params["allowed_updates"] == Update.ALL_TYPES
    assert not call.params.get("drop_pending_updates")  # what waits at Telegram is handled
    assert api.webhook is not None and api.webhook.secret == WEBHOOK_SECRET


def a_start(update_id: int, person: EmulatedUser) -> dict[str, Any]:
    """An update: `person` sent /start."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": person.as_chat(),
            "from": person.as_user(),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_a_forged_or_missing_secret_is_refused_and_nothing_is_kept_or_handled(
    bot: Harness, api: BotApiEmulator, head: EmulatedUser
) -> None:
    forged = a_start(999, head)

    assert await post_to_the_webhook(bot, forged, "not-the-secret") == 403
    assert await post_to_the_webhook(bot, forged, None) == 403
    await head.send("/start")  # the genuine one, handled after the forged were refused

    assert [m.text for m in head.messages if "欢迎" in m.text] == [head.last.text]
    assert 999 not in await kept(bot)
    assert 999 not in await handled(bot)


async def test_the_webhook_is_answered_only_once_the_update_is_kept(
    bot: Harness, api: BotApiEmulator, worker: EmulatedUser
) -> None:
    queue = bot.app.update_queue
    assert isinstance(queue, KeepingQueue)
    keeping, go_on = asyncio.Event(), asyncio.Event()
    committed: list[float] = []
    resources = bot.resources

    async def slow_keep(fetched: list[tuple[int, str]]) -> None:
        keeping.set()
        await go_on.wait()
        await updates.keep(resources.deps, fetched, resources.fresh_updates)
        committed.append(time.monotonic())

    queue.keep_with(slow_keep, bot.resources.errors)
    api.processed = None  # the test goes on while the update is on its way
    update_id = await worker.send("/start")
    await asyncio.wait_for(keeping.wait(), 10)

    assert delivered(api, update_id) == []  # Telegram is still waiting for the answer
    assert update_id not in await kept(bot)
    go_on.set()
    await api.wait_until(lambda: delivered(api, update_id) == [200])
    await worker.wait_for("欢迎")
    [answered] = [d.at for d in api.deliveries if d.update_id == update_id]
    assert committed and committed[0] < answered


def helps(person: EmulatedUser) -> list[str]:
    """The messages listing what the person can do (/start's and /help's answer)."""
    return [m.text for m in person.messages if "您可以：" in m.text]


async def test_an_update_delivered_twice_as_when_an_answer_is_lost_is_applied_once(
    bot: Harness, api: BotApiEmulator, head: EmulatedUser
) -> None:
    again = a_start(900, head)

    assert await post_to_the_webhook(bot, again, WEBHOOK_SECRET) == 200
    assert await post_to_the_webhook(bot, again, WEBHOOK_SECRET) == 200
    await head.send("/help")  # handled after both copies: one person's updates go in order

    assert len([m for m in head.messages if "欢迎" in m.text]) == 1
    assert len(helps(head)) == 2  # /start's, once, and /help's


async def test_updates_posted_at_once_are_kept_together_and_each_handled_once(
    bot: Harness, api: BotApiEmulator
) -> None:
    queue = bot.app.update_queue
    assert isinstance(queue, KeepingQueue)
    resources = bot.resources
    groups: list[list[int]] = []

    async def counted_keep(fetched: list[tuple[int, str]]) -> None:
        groups.append([update_id for update_id, _ in fetched])
        await updates.keep(resources.deps, fetched, resources.fresh_updates)

    queue.keep_with(counted_keep, resources.errors)
    people = [bot.user(7000 + n, f"路人{n}") for n in range(20)]
    for person in people:
        api.known_chats.add(person.id)
    ids = range(500, 520)

    # As Telegram does with several connections: 20 POSTs at once.
    answers = await asyncio.gather(
        *(
            post_to_the_webhook(bot, a_start(u, p), WEBHOOK_SECRET)
            for u, p in zip(ids, people, strict=True)
        )
    )
    for update_id in ids:
        await bot.tracking.handled(update_id)

    assert answers == [200] * 20
    assert sorted(u for group in groups for u in group) == list(ids)
    assert len(groups) < 20  # those that came while a group was kept went in the next
    assert all(len(person.messages) == 1 for person in people)


class HoldingApplication(TrackingApplication):
    """The bot, but the update `holding` is taken off the queue and then never handled (until
    its task is cancelled): a bot stopped, or killed, between the answer to Telegram and the
    handling."""

    holding: int | None = None
    held: asyncio.Task[Any] | None = None

    async def process_update(self, update: object) -> None:
        if isinstance(update, Update) and update.update_id == self.holding:
            self.held = asyncio.current_task()
            await asyncio.Event().wait()
        await super().process_update(update)


async def test_an_update_kept_and_answered_but_not_handled_is_handled_after_the_restart(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.app, "HANDLERS_STOP_SECONDS", 0.2)  # the held one: cancelled
    settings = webhook_settings(api, tmp_path)
    bot = await start_bot(api, settings, clock, application_class=HoldingApplication)
    holding = bot.app
    assert isinstance(holding, HoldingApplication)
    worker = bot.user(1001, "王芳")
    await worker.send("/start")
    holding.holding = api.last_update_id + 1
    api.processed = None
    update_id = await worker.send("/help")
    await api.wait_until(lambda: holding.held is not None)

    assert delivered(api, update_id) == [200]  # Telegram will not send it again
    assert update_id in await kept(bot)
    assert update_id not in await handled(bot)
    await stop_bot(bot)
    assert holding.held is not None
    holding.held.cancel()  # as the process's end would
    assert len(helps(worker)) == 1  # /start's; none for /help

    again = await start_bot(api, settings, clock)
    try:
        await api.wait_until(lambda: len(helps(worker)) == 2)
    finally:
        await stop_bot(again)  # (its updates' handling done, each marked)

    assert update_id in await handled(again)
    assert delivered(api, update_id) == [200]  # from the database, not delivered again
    assert not again.tracking.errors


async def test_what_is_sent_while_the_bot_is_stopped_is_delivered_when_it_is_back(
    bot: Harness, api: BotApiEmulator, worker: EmulatedUser
) -> None:
    await stop_bot(bot)  # a clean stop leaves the webhook set: Telegram keeps the updates
    assert api.webhook is not None
    assert api.calls_to("deleteWebhook") == []
    update_id = await worker.send("/start")  # POSTed, refused: nobody listens
    await api.wait_until(lambda: len(delivered(api, update_id)) >= 2)
    assert 200 not in delivered(api, update_id)
    assert api.pending_update_count == 1

    again = await start_bot(api, bot.settings, bot.clock)
    bot.app = again.app  # the fixture stops this one
    await again.tracking.handled(update_id)

    assert "欢迎" in (await worker.wait_for("欢迎")).text
    assert delivered(api, update_id)[-1] == 200
    assert api.pending_update_count == 0


# ------------------------------------------------------- the emulator as Telegram's side


async def call(api: BotApiEmulator, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{api.token}/{method}", json=params) as response,
    ):
        return response.status, await response.json()


async def test_the_emulator_refuses_get_updates_while_a_webhook_is_set_as_telegram_does(
    api: BotApiEmulator,
) -> None:
    api.webhook_retry_seconds = 60.0  # the webhook is nowhere: one failed try, then a pause
    await call(api, "setWebhook", url="http://127.0.0.1:9/hook", secret_token="s")
    await EmulatedUser(api, 1001, "王芳").send("/start")

    status, answer = await call(api, "getUpdates", timeout=0)

    assert status == 409
    assert answer == {"ok": False, "error_code": 409, "description": WEBHOOK_CONFLICT}
    _, info = await call(api, "getWebhookInfo")
    assert info["result"]["url"] == "http://127.0.0.1:9/hook"
    assert info["result"]["pending_update_count"] == 1
    await call(api, "deleteWebhook")
    status, answer = await call(api, "getUpdates", timeout=0)
    assert status == 200
    assert [u["message"]["text"] for u in answer["result"]] == ["/start"]


async def test_the_emulator_posts_again_an_update_not_answered_200_with_the_secret(
    api: BotApiEmulator,
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    answers = [500, 403, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=answers[len(received) - 1])

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await call(api, "setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s-1")
        update_id = await EmulatedUser(api, 1001, "王芳").send("/start")
        await api.wait_until(lambda: api.pending_update_count == 0)
    finally:
        await runner.cleanup()

    assert [d.status for d in api.deliveries] == [500, 403, 200]
    assert all(isinstance(d, Delivery) and d.update_id == update_id for d in api.deliveries)
    assert [secret for secret, _ in received] == ["s-1"] * 3
    assert all(body["update_id"] == update_id for _, body in received)
    assert json.dumps(received[0][1]) == json.dumps(received[2][1])  # the same update


# ------------------------------------------------------------ `python bot.py` by webhook


def webhook_environment(api: BotApiEmulator, tmp_path: Path, port: int) -> dict[str, str]:
    return bot_environment(
        BOT_TOKEN=api.token,
        BOT_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'duban.sqlite3'}",
        ORG_FILE=str(TEST_ORG),
        LOG_LEVEL="DEBUG",
        WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        WEBHOOK_PORT=str(port),
    )


async def test_the_bot_process_takes_updates_by_webhook_and_leaves_it_set_at_a_clean_stop(
    api: BotApiEmulator, tmp_path: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BOT),
        cwd=tmp_path,
        env=webhook_environment(api, tmp_path, free_port()),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        worker = EmulatedUser(api, 1001, "王芳")
        await worker.send("/start")  # may come before the webhook is set: it waits at Telegram
        await worker.wait_for("欢迎", timeout=30)
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.stdout is not None
    log = (await process.stdout.read()).decode()

    assert code == 0
    assert "updates by webhook http://127.0.0.1:" in log
    assert "Traceback" not in log
    assert WEBHOOK_SECRET not in log
    assert api.token.split(":")[1] not in log
    assert api.calls_to("getUpdates") == []
    assert api.webhook is not None  # left set: Telegram keeps what comes until the next start
    assert api.calls_to("deleteWebhook") == []


async def test_a_webhook_port_already_taken_stops_the_bot_with_one_line(
    api: BotApiEmulator, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = await run_to_end(tmp_path, webhook_environment(api, tmp_path, port))

    assert code == 2
    assert "Traceback" not in output
    assert (
        f"bot.py: cannot listen for webhooks on 127.0.0.1:{port}/hook (WEBHOOK_LISTEN,"
        " WEBHOOK_PORT): Address already in use"
    ) in output.splitlines()


async def test_a_webhook_the_bot_api_refuses_stops_the_bot_with_one_line(
    api: BotApiEmulator, tmp_path: Path
) -> None:
    api.fail(
        400,
        method="setWebhook",
        description="Bad Request: bad webhook: Failed to resolve host: Name or service not known",
    )
    port = free_port()

    code, output = await run_to_end(tmp_path, webhook_environment(api, tmp_path, port))

    assert code == 2
    assert output.strip().splitlines()[-1] == (
        f"bot.py: the Bot API refused WEBHOOK_URL http://127.0.0.1:{port}/hook: Bad webhook:"
        " failed to resolve host: name or service not known"  # as python-telegram-bot puts it
    )
    assert WEBHOOK_SECRET not in output
