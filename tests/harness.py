"""The bot running in-process against the fake Bot API, with a clock the test controls."""

from __future__ import annotations

import asyncio
import os
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from telegram import Update

from casework.organisation import Organisation
from config.org import load_organisation
from config.settings import Settings
from emulator import BotApiEmulator, EmulatedGroup, EmulatedUser
from handlers.context import BotApplication, Resources
from runtime.app import ALLOWED_UPDATES, Machinery, StoppingApplication, build_application
from runtime.webhook import webhook_options
from storage import locate
from tests.postgres_server import Databases

DATA = Path(__file__).parent / "data"
TEST_ORG = DATA / "org.toml"
# Wednesday 25 November 2026, 09:00 in Shanghai.
START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment


class TrackingApplication(StoppingApplication):
    """The real application, which also says when it has finished with each update."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.done: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.errors: list[BaseException] = []

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            if isinstance(update, Update):
                self.done[update.update_id].set()

    async def process_error(
        self, update: object, error: Exception, *args: Any, **kwargs: Any
    ) -> bool:
        self.errors.append(error)
        return await super().process_error(update, error, *args, **kwargs)

    async def handled(self, update_id: int, timeout: float = 10.0) -> None:
        """The update was handled; what it queued for others may still be on its way."""
        await asyncio.wait_for(self.done[update_id].wait(), timeout)

    async def finished(self, update_id: int, timeout: float = 10.0) -> None:
        """The update was handled, and every message it queued was delivered."""
        await asyncio.wait_for(self.done[update_id].wait(), timeout)
        if self.machinery is not None:
            await asyncio.wait_for(self.machinery.sender.drained(), timeout)


@dataclass
class Harness:
    api: BotApiEmulator
    app: BotApplication
    clock: FakeClock
    settings: Settings
    org: Organisation
    expected_errors: list[type[BaseException]] = field(default_factory=list)

    def user(
        self, telegram_id: int, first_name: str = "用户", language_code: str | None = "zh-hans"
    ) -> EmulatedUser:
        return EmulatedUser(self.api, telegram_id, first_name, language_code=language_code)

    def group(self, chat_id: int, title: str = "群") -> EmulatedGroup:
        return EmulatedGroup(self.api, chat_id, title)

    @property
    def database(self) -> Path:
        """The SQLite file the bot keeps everything in (for tests of what is on disk)."""
        return locate(self.settings.database_url).path

    @property
    def dashboard_url(self) -> str:
        """Where the bot serves the dashboard (a harness started with DASHBOARD_LISTEN)."""
        server = self.machinery.dashboard
        assert server is not None, "start the bot with dashboard_listen='127.0.0.1:0'"
        return f"http://127.0.0.1:{server.port}/dashboard"

    @property
    def resources(self) -> Resources:
        """What the handlers use: settings, the use cases' dependencies, exports."""
        resources = self.app.bot_data.resources
        assert resources is not None
        return resources

    @property
    def machinery(self) -> Machinery:
        """What runs beside the handlers: the sender, the sweep."""
        machinery = self.tracking.machinery
        assert machinery is not None
        return machinery

    async def restart(self, redeliver_from: int | None = None) -> None:
        """Stop the bot and start it again on the same database, as after a redeploy; with
        `redeliver_from`, Telegram sends the updates from that one on again, as after a crash."""
        errors = self.tracking.errors
        await stop_bot(self)
        if redeliver_from is not None:
            self.api.rewind(redeliver_from)
        fresh = await start_bot(self.api, self.settings, self.clock)
        self.app = fresh.app
        self.tracking.errors.extend(errors)

    async def sweep(self) -> None:
        """One sweep at the clock's current time, and the delivery of what it queued."""
        await self.machinery.sweeper.sweep_once()
        await self.drain()

    async def exported(self) -> None:
        """Every export asked for has been built and sent (or refused)."""
        await asyncio.wait_for(self.resources.exports.idle(), 60)

    async def drain(self) -> None:
        await asyncio.wait_for(self.machinery.sender.drained(), 10)

    @property
    def tracking(self) -> TrackingApplication:
        assert isinstance(self.app, TrackingApplication)
        return self.app


# The engine the suite runs on: SQLite, unless TEST_DATABASE=postgresql (scripts/run-tests.sh
# runs the suite on each). On PostgreSQL, tests/conftest.py gives `POSTGRES` a throwaway
# server for the session, and each bot a fresh database on it.
ENGINE = os.environ.get("TEST_DATABASE", "sqlite")
if ENGINE not in ("sqlite", "postgresql"):
    raise RuntimeError(f"TEST_DATABASE={ENGINE}: sqlite or postgresql")


# What a step raises when the store was closed under it, on each engine (aiosqlite's "no active
# connection"; psycopg's "the connection is closed").
CLOSED_STORE_ERRORS: tuple[type[Exception], ...] = (ValueError, psycopg.OperationalError)


class _Postgres:
    databases: Databases | None = None
    # One database per test folder, as SQLite has one file there: a bot started again with
    # settings made again for the same folder finds what it kept.
    by_folder: dict[Path, str] = {}  # noqa: RUF012


POSTGRES = _Postgres()


def database_url_for(tmp_path: Path) -> str:
    """A new database for one bot: a file in the test's folder, or a fresh PostgreSQL one."""
    if ENGINE == "sqlite":
        return f"sqlite:///{tmp_path / 'duban.sqlite3'}"
    assert POSTGRES.databases is not None, "tests/conftest.py starts the server"
    if tmp_path not in POSTGRES.by_folder:
        POSTGRES.by_folder[tmp_path] = POSTGRES.databases.fresh_now()
    return POSTGRES.by_folder[tmp_path]


def settings_for(api: BotApiEmulator, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": api.token,
        "bot_api_base_url": api.base_url,
        "database_url": database_url_for(tmp_path),
        "org_file": TEST_ORG,
        "timezone": "Asia/Shanghai",
        "default_language": "zh",
        # Telegram's limits would make every test wait a second per message to a chat;
        # the tests of the limits turn them on.
        "telegram_rate_limit": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


WEBHOOK_SECRET = "webhook-secret_of-the-tests"


def webhook_settings(api: BotApiEmulator, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for the bot in webhook mode: Telegram (the emulator) POSTs updates to it on a
    free port of 127.0.0.1 (behind no proxy: the public URL is the local one)."""
    port = free_port()
    values: dict[str, Any] = {
        "webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
        "webhook_secret": WEBHOOK_SECRET,
        "webhook_listen": "127.0.0.1",
        "webhook_port": port,
    }
    values.update(overrides)
    return settings_for(api, tmp_path, **values)


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now. (The webhook's URL, port included, goes to
    Telegram before python-telegram-bot's server listens, so the port is chosen first.)"""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def start_bot(
    api: BotApiEmulator,
    settings: Settings,
    clock: FakeClock,
    application_class: type[TrackingApplication] = TrackingApplication,
) -> Harness:
    org = load_organisation(settings.org_file)
    app = build_application(
        settings, org, clock=clock, background_sweeps=False, application_class=application_class
    )
    tracking = app
    assert isinstance(tracking, TrackingApplication)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    if settings.webhook_url:  # as `run_webhook` starts it (bot.py)
        await app.updater.start_webhook(**webhook_options(settings, ALLOWED_UPDATES))
    else:
        await app.updater.start_polling(timeout=5, allowed_updates=ALLOWED_UPDATES)
    await app.start()
    api.processed = tracking.finished
    return Harness(api=api, app=app, clock=clock, settings=settings, org=org)


async def stop_bot(harness: Harness) -> None:
    """Stop the bot in the order `run_polling` (`run_webhook`) does at SIGTERM."""
    app = harness.app
    harness.api.processed = None
    assert app.updater is not None
    # In the order run_polling stops the bot on SIGTERM.
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
