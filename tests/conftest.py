from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiosqlite
import pytest
from playwright.async_api import Browser

from config.logs import configure_logging
from emulator import BotApiEmulator, EmulatedUser
from storage.sqlite import database, store
from tests.browser import launched
from tests.harness import (
    ENGINE,
    POSTGRES,
    TEST_ORG,
    FakeClock,
    Harness,
    settings_for,
    start_bot,
    stop_bot,
)
from tests.postgres_server import Databases, throwaway_server
from tests.postgres_server import binaries as postgres_binaries

# A statement that writes with no transaction open on the bot's connection: one starting WITH
# (only INSERT, UPDATE, DELETE and REPLACE open the transaction, storage/sqlite/database.py), or
# a schema change outside a migration (but a test's TEMP trigger). Each would commit alone,
# apart from its step.
_WRITES = re.compile(
    r"\s*(WITH\b.*\b(INSERT|UPDATE|DELETE|REPLACE)\b|(CREATE|DROP|ALTER)\b(?!.*\bTEMP))",
    re.I | re.S,
)


@pytest.fixture(autouse=True)
def writes_outside_a_transaction(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every test fails if the bot's connection ran a statement that wrote outside a
    transaction (SQLite tells each statement as it runs; a test that makes one on purpose
    empties the list)."""
    escaped: list[str] = []
    connect = database.connect

    async def traced(path: Path) -> aiosqlite.Connection:
        conn = await connect(path)

        def seen(sql: str) -> None:
            if not conn.in_transaction and _WRITES.match(sql):
                escaped.append(sql)

        await conn.set_trace_callback(seen)
        return conn

    monkeypatch.setattr(store, "connect", traced)
    yield escaped
    assert escaped == [], f"written outside a transaction: {escaped}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On a PostgreSQL run, what only SQLite has is not tested (the SQLite run tests it)."""
    if ENGINE == "sqlite":
        return
    skip = pytest.mark.skip(reason=f"SQLite only; this run is on {ENGINE}")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Databases]:
    """A throwaway PostgreSQL server for the session (of each test worker). Without PostgreSQL
    installed its tests are skipped; in CI they fail, as CI always runs both engines."""
    if postgres_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs every test on PostgreSQL too, and PostgreSQL is not installed")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with throwaway_server() as url:
        yield Databases(url)


@pytest.fixture(scope="session", autouse=True)
def engine_of_the_run(request: pytest.FixtureRequest) -> Iterator[str]:
    """The engine every bot of this run keeps its data in (tests/harness.py `ENGINE`)."""
    if ENGINE == "postgresql":
        POSTGRES.databases = request.getfixturevalue("postgres_databases")
    yield ENGINE
    POSTGRES.databases = None


@pytest.fixture(autouse=True)
def drop_the_tests_databases(engine_of_the_run: str) -> Iterator[None]:
    """On PostgreSQL, the databases a test made are dropped at its end."""
    yield
    if POSTGRES.databases is not None:
        POSTGRES.databases.drop_all()
        POSTGRES.by_folder.clear()


@pytest.fixture
async def api() -> AsyncIterator[BotApiEmulator]:
    server = BotApiEmulator()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def bot(api: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    """The bot, running in-process against the fake Bot API, with the test organisation."""
    harness = await start_bot(api, settings_for(api, tmp_path), clock)
    yield harness
    await stop_bot(harness)
    unexpected = [
        e
        for e in harness.tracking.errors
        if not any(isinstance(e, kind) for kind in harness.expected_errors)
    ]
    assert not unexpected, f"handlers raised: {unexpected!r}"


@pytest.fixture
def bot_logs(capsys: pytest.CaptureFixture[str], bot: Harness) -> Iterator[None]:
    """The bot's own logging set-up, at DEBUG, writing to the captured stderr."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("DEBUG", bot.api.token)
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    for chatty in ("telegram", "aiosqlite", "httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.NOTSET)


# The people of tests/data/org.toml, and one stranger.
@pytest.fixture
def worker(bot: Harness) -> EmulatedUser:
    return bot.user(1001, "王芳")


@pytest.fixture
def head(bot: Harness) -> EmulatedUser:
    return bot.user(2001, "建国")


@pytest.fixture
def second_head(bot: Harness) -> EmulatedUser:
    return bot.user(2003, "王伟")


@pytest.fixture
def member(bot: Harness) -> EmulatedUser:
    return bot.user(2002, "刘强")


@pytest.fixture
def water_head(bot: Harness) -> EmulatedUser:
    return bot.user(3001, "赵丽")


@pytest.fixture
def coordinator(bot: Harness) -> EmulatedUser:
    return bot.user(9001, "周敏")


@pytest.fixture
def stranger(bot: Harness) -> EmulatedUser:
    return bot.user(5555, "路人")


@pytest.fixture
async def quiet_bot(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Harness]:
    """The bot with quiet hours from 22:00 to 07:30."""
    org = tmp_path / "org.toml"
    org.write_text(
        TEST_ORG.read_text("utf-8").replace('quiet_hours = ""', 'quiet_hours = "22:00-07:30"')
    )
    harness = await start_bot(api, settings_for(api, tmp_path, org_file=org), clock)
    yield harness
    await stop_bot(harness)
    assert not harness.tracking.errors


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """The system's Chromium, headless (the browser tests: tests/browser.py)."""
    async for launched_browser in launched():
        yield launched_browser
