"""TELEGRAM_PROXY (issue 16): where Telegram cannot be reached directly, every Bot API call
goes through an HTTP or SOCKS5 proxy, and neither the token nor the proxy's password reaches
a log, a printed line or the outbox.

The bot is given a Bot API at a port that refuses every connection (`Blocked`), as Telegram's
address is where it is blocked; only the test's proxy knows that the fake Bot API answers
there. A call the fake Bot API receives went through the proxy."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from config.logs import RedactSecrets, redact
from emulator import BotApiEmulator
from tests.flows import card_for, log_issue, rows
from tests.harness import TEST_ORG, FakeClock, Harness, settings_for, start_bot, stop_bot
from tests.proxies import Answer, Blocked, HttpProxy, Socks5Proxy
from tests.test_process import bot_environment, run_to_end

USER, PASSWORD = "duban", "p@ss:w0rd/Xy"
# As it is written in TELEGRAM_PROXY: a password's @ : / percent-encoded.
WRITTEN = "p%40ss%3Aw0rd%2FXy"
WATER = "供水服务中心"  # a department whose head is its only member: one card per issue


@pytest.fixture
def blocked() -> Iterator[Blocked]:
    port = Blocked()
    yield port
    port.close()


@pytest.fixture
async def http_proxy(api: BotApiEmulator, blocked: Blocked) -> AsyncIterator[HttpProxy]:
    proxy = HttpProxy(_route(api, blocked), USER, PASSWORD)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def socks_proxy(api: BotApiEmulator, blocked: Blocked) -> AsyncIterator[Socks5Proxy]:
    proxy = Socks5Proxy(_route(api, blocked), USER, PASSWORD)
    await proxy.start()
    yield proxy
    await proxy.stop()


def _route(api: BotApiEmulator, blocked: Blocked) -> dict[tuple[str, int], tuple[str, int]]:
    """The blocked Bot API's address, by name, leads to the fake Bot API."""
    port = int(api.base_url.rsplit(":", 1)[1].split("/")[0])
    return {("localhost", blocked.port): ("127.0.0.1", port)}


def blocked_api(blocked: Blocked) -> str:
    return f"http://localhost:{blocked.port}/bot"


async def start_behind(
    api: BotApiEmulator, tmp_path: Path, blocked: Blocked, proxy: str
) -> Harness:
    settings = settings_for(
        api, tmp_path, bot_api_base_url=blocked_api(blocked), telegram_proxy=proxy
    )
    return await start_bot(api, settings, FakeClock())


async def test_the_blocked_bot_api_cannot_be_reached_without_a_proxy(blocked: Blocked) -> None:
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", blocked.port)


async def test_every_bot_api_call_goes_through_an_http_proxy_with_a_password(
    api: BotApiEmulator, tmp_path: Path, blocked: Blocked, http_proxy: HttpProxy
) -> None:
    bot = await start_behind(api, tmp_path, blocked, f"{http_proxy.url(USER, WRITTEN)}")
    try:
        worker, water_head = bot.user(1001, "王芳"), bot.user(3001, "赵丽")
        await water_head.send("/start")

        number = await log_issue(worker, department=WATER)
        await bot.drain()
    finally:
        await stop_bot(bot)

    assert card_for(water_head, number)  # the outbox's sender went through it too
    through = {path.rsplit("/", 1)[1] for path in http_proxy.forwarded}
    assert {"getMe", "getUpdates", "setMyCommands", "sendMessage"} <= through
    assert {call.method for call in api.calls} <= through
    assert http_proxy.refused == []


async def test_every_bot_api_call_goes_through_a_socks5_proxy_that_resolves_the_name(
    api: BotApiEmulator, tmp_path: Path, blocked: Blocked, socks_proxy: Socks5Proxy
) -> None:
    bot = await start_behind(api, tmp_path, blocked, socks_proxy.url(USER, WRITTEN))
    try:
        worker, water_head = bot.user(1001, "王芳"), bot.user(3001, "赵丽")
        await water_head.send("/start")

        number = await log_issue(worker, department=WATER)
        await bot.drain()
    finally:
        await stop_bot(bot)

    assert card_for(water_head, number)
    methods = {call.method for call in api.calls}
    assert {"getMe", "getUpdates", "sendMessage"} <= methods
    # Named, not an address: the proxy resolved it (the local DNS is not asked).
    assert set(socks_proxy.asked) == {("localhost", blocked.port)}
    assert socks_proxy.refused == 0


def holds_a_secret(text: str, token: str) -> bool:
    """Whether `text` holds the token, its secret half, or the proxy's password in either form."""
    secrets = (token, token.split(":", 1)[1], PASSWORD, WRITTEN)
    return any(secret.lower() in text.lower() for secret in secrets)


async def _start_the_process(
    api: BotApiEmulator, tmp_path: Path, blocked: Blocked, proxy: str, **settings: str
) -> tuple[int, str]:
    return await run_to_end(
        tmp_path,
        bot_environment(
            BOT_TOKEN=api.token,
            BOT_API_BASE_URL=blocked_api(blocked),
            TELEGRAM_PROXY=proxy,
            DATABASE_PATH=str(tmp_path / "duban.sqlite3"),
            ORG_FILE=str(TEST_ORG),
            **settings,
        ),
    )


def the_one_line(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("bot.py:")]
    assert output.splitlines()[-1] == line  # nothing after it: no traceback
    assert "Unclosed" not in output  # the Bot API client was closed before the bot stopped
    return line


@pytest.mark.parametrize("kind", ["http", "socks5"])
async def test_a_proxy_that_refuses_the_password_stops_the_bot_with_one_line_without_it(
    api: BotApiEmulator,
    tmp_path: Path,
    blocked: Blocked,
    http_proxy: HttpProxy,
    socks_proxy: Socks5Proxy,
    kind: str,
) -> None:
    wrong = WRITTEN.upper()  # the password, in the wrong case
    url = http_proxy.url(USER, wrong) if kind == "http" else socks_proxy.url(USER, wrong)

    code, output = await _start_the_process(api, tmp_path, blocked, url)

    assert code == 2
    line = the_one_line(output)
    assert line.startswith(
        f"bot.py: cannot reach the Bot API at {blocked_api(blocked)} through the proxy"
        f" {kind}://{USER}:[password]@127.0.0.1:"
    ), line
    said = {
        "http": ": Proxy Authentication Required (407)",
        "socks5": ": aiohttp_socks.ProxyError: Username and password authentication failure",
    }
    assert said[kind] in line
    assert not holds_a_secret(output, api.token), output
    assert api.calls == []


@pytest.mark.parametrize("kind", ["http", "socks5"])
async def test_a_proxy_out_of_reach_stops_the_bot_with_one_line_naming_it(
    api: BotApiEmulator, tmp_path: Path, blocked: Blocked, kind: str
) -> None:
    nobody = Blocked()  # no proxy listens there
    try:
        url = f"{kind}://{USER}:{WRITTEN}@127.0.0.1:{nobody.port}"
        code, output = await _start_the_process(api, tmp_path, blocked, url)
    finally:
        nobody.close()

    assert code == 2
    line = the_one_line(output)
    shown = f"{kind}://{USER}:[password]@127.0.0.1:{nobody.port}"
    error = {
        "http": "aiohttp.ClientProxyConnectionError",
        "socks5": "aiohttp_socks.ProxyConnectionError",
    }
    assert f"through the proxy {shown}: {error[kind]}: " in line, line
    assert line.count(f"127.0.0.1:{nobody.port}") == 2  # the setting, and what failed
    assert not holds_a_secret(output, api.token), output


async def test_a_socks5_proxy_that_never_answers_is_a_timeout(
    api: BotApiEmulator, tmp_path: Path, blocked: Blocked, socks_proxy: Socks5Proxy
) -> None:
    socks_proxy.silent = True

    code, output = await _start_the_process(
        api, tmp_path, blocked, socks_proxy.url(USER, WRITTEN), TELEGRAM_TIMEOUT_SECONDS="0.3"
    )

    assert code == 2
    line = the_one_line(output)
    assert line.endswith(
        f"through the proxy socks5://{USER}:[password]@127.0.0.1:{socks_proxy.port}:"
        " Timed out connecting through the proxy"
    ), line


async def test_a_proxy_error_page_that_quotes_the_token_and_the_password_is_printed_without_them(
    api: BotApiEmulator, tmp_path: Path, blocked: Blocked, http_proxy: HttpProxy
) -> None:
    http_proxy.answer = Answer(
        502,
        f"<h1>Bad Gateway</h1><p>{http_proxy.url(USER, WRITTEN)} could not fetch"
        f" {blocked_api(blocked)}{api.token}/getMe for {USER} ({PASSWORD})</p>",
    )

    code, output = await _start_the_process(api, tmp_path, blocked, http_proxy.url(USER, WRITTEN))

    assert code == 2
    line = the_one_line(output)
    assert "Bad Gateway (502)" in line
    assert "[token]" in line and "[password]" in line
    assert not holds_a_secret(output, api.token), output


async def test_an_error_quoting_the_proxy_url_is_stored_in_the_outbox_without_its_password(
    api: BotApiEmulator, tmp_path: Path, blocked: Blocked, http_proxy: HttpProxy
) -> None:
    bot = await start_behind(api, tmp_path, blocked, http_proxy.url(USER, WRITTEN))
    try:
        worker, water_head = bot.user(1001, "王芳"), bot.user(3001, "赵丽")
        await water_head.send("/start")
        quoted = f"Bad Request: {http_proxy.url(USER, WRITTEN)} said no ({PASSWORD})"
        api.fail(400, method="sendMessage", chats={water_head.id}, description=quoted)

        await log_issue(worker, department=WATER)
        await bot.drain()
        [(error,)] = await rows(
            bot,
            "SELECT last_error FROM outbox WHERE key LIKE 'ev:%' AND chat_id = ?",
            water_head.id,
        )
    finally:
        await stop_bot(bot)

    assert error.startswith("400: ") and "[password]" in error
    assert not holds_a_secret(error, api.token), error


def test_the_log_blots_out_the_proxy_password_as_written_and_as_sent() -> None:
    record = logging.LogRecord(
        "runtime", logging.WARNING, __file__, 1,
        "proxy %s refused %s, then %s", (f"http://{USER}:{WRITTEN}@proxy:3128", PASSWORD,
                                       PASSWORD.upper()), None,
    )  # fmt: skip

    RedactSecrets("4242:token-token-token", passwords=(PASSWORD, WRITTEN)).filter(record)

    assert record.getMessage() == (
        f"proxy http://{USER}:[password]@proxy:3128 refused [password], then [password]"
    )
    assert redact("no secret here", passwords=("",)) == "no secret here"
