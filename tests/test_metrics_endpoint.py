"""The Prometheus endpoint (METRICS_PORT): what `bot.py check` judges and the outbox's backlog,
scraped over HTTP from the running bot and read back with Prometheus' own parser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from emulator import BotApiEmulator
from tests.flows import log_issue
from tests.harness import FakeClock, Harness, settings_for, start_bot, stop_bot

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def measured(api: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    """The bot with its metrics on any free port of 127.0.0.1; no Bot API call times out."""
    settings = settings_for(api, tmp_path, metrics_port=0, telegram_timeout_seconds=300)
    harness = await start_bot(api, settings, clock)
    yield harness
    await stop_bot(harness)


async def scrape(bot: Harness) -> tuple[str, Samples]:
    server = bot.machinery.metrics
    assert server is not None
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}/metrics") as response,
    ):
        assert response.status == 200
        content_type = response.headers["Content-Type"]
        text = await response.text()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    return content_type, samples


async def test_the_endpoint_shows_the_backlog_the_heartbeats_and_what_the_process_counted(
    measured: Harness, clock: FakeClock
) -> None:
    bot = measured
    worker, head, member = bot.user(1001, "王芳"), bot.user(2001, "建国"), bot.user(2002, "刘强")
    await head.send("/start")
    await member.send("/start")
    gate = bot.api.hold(head.id)  # Telegram takes the head's messages and never answers
    bot.api.fail(500, method="sendMessage", chats={member.id})  # the member's: tried again
    bot.api.processed = bot.tracking.handled
    await log_issue(worker)
    clock.advance(timedelta(minutes=2))
    await worker.send("/help")  # a getUpdates answered at the clock's time
    await bot.machinery.sweeper.sweep_once()

    content_type, waiting = await scrape(bot)

    assert content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert waiting[("duban_outbox_due_messages", ())] >= 1
    assert waiting[("duban_outbox_oldest_due_age_seconds", ())] == 120
    assert waiting[("duban_updates_handled_total", ())] >= 10  # /start, the wizard's, /help
    assert waiting[("duban_outbox_not_delivered_total", (("outcome", "retried"),))] == 1
    assert {labels for name, labels in waiting if name == "duban_outbox_not_delivered_total"} == {
        (("outcome", o),) for o in ("retried", "unreachable", "not_modified", "given_up")
    }
    for loop in ("updates", "sweep"):
        assert waiting[("duban_heartbeat_age_seconds", (("loop", loop),))] == 0
        assert waiting[("duban_heartbeat_timestamp_seconds", (("loop", loop),))] == (
            clock.now().timestamp()
        )
    assert waiting[("duban_heartbeat_late_after_seconds", (("loop", "sweep"),))] == 180
    assert waiting[("duban_healthy", (("check", "outbox"),))] == 1  # 2 minutes: not yet late

    gate.set()
    bot.api.processed = bot.tracking.finished
    await bot.drain()
    _, drained = await scrape(bot)

    assert drained[("duban_outbox_due_messages", ())] == 0
    assert drained[("duban_outbox_oldest_due_age_seconds", ())] == 0
    assert (
        drained[("duban_outbox_delivered_total", ())]
        > waiting[("duban_outbox_delivered_total", ())]
    )
    assert all(
        drained[("duban_healthy", (("check", check),))] == 1
        for check in ("updates", "outbox", "sweep")
    )


async def test_an_outbox_stuck_for_longer_than_the_check_allows_shows_as_unhealthy(
    measured: Harness, clock: FakeClock
) -> None:
    bot = measured
    worker, head = bot.user(1001, "王芳"), bot.user(2001, "建国")
    await head.send("/start")
    gate = bot.api.hold(head.id)
    bot.api.processed = bot.tracking.handled
    await log_issue(worker)
    clock.advance(timedelta(minutes=11))
    await worker.send("/help")

    _, samples = await scrape(bot)

    assert samples[("duban_healthy", (("check", "outbox"),))] == 0
    assert samples[("duban_healthy", (("check", "updates"),))] == 1
    assert samples[("duban_outbox_oldest_due_age_seconds", ())] == 660
    gate.set()
    bot.api.processed = bot.tracking.finished
    await bot.drain()


async def test_without_metrics_port_nothing_is_served(bot: Harness) -> None:
    assert bot.settings.metrics_port is None
    assert bot.machinery.metrics is None


def test_metrics_port_empty_is_off_and_a_bad_one_is_named() -> None:
    from config.settings import SettingsError, load_settings

    off = load_settings(_env_file=None, bot_token="1:x", metrics_port="")
    with pytest.raises(SettingsError) as bad:
        load_settings(_env_file=None, bot_token="1:x", metrics_port="99999")
    with pytest.raises(SettingsError) as bad_host:
        load_settings(_env_file=None, bot_token="1:x", metrics_port="9464", metrics_host="a b")

    assert off.metrics_port is None and off.metrics_host == "127.0.0.1"
    assert str(bad.value).startswith("METRICS_PORT is invalid: ")
    assert str(bad_host.value).startswith("METRICS_HOST is invalid: must be a host name")
