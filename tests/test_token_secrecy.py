"""The bot's token stays secret everywhere (issue 14): not in what bot.py prints when the Bot
API turns it away at start-up, not in what the outbox stores, not sent on by a redirect."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emulator import BotApiEmulator, EmulatedUser
from tests.flows import log_issue, rows
from tests.harness import TEST_ORG, Harness
from tests.test_process import bot_environment, run_to_end

WATER = "供水服务中心"  # a department whose head is its only member: one card per issue


@pytest.fixture
async def api() -> AsyncIterator[BotApiEmulator]:
    """The fake Bot API, with a token whose letters are of both cases, as real ones are."""
    server = BotApiEmulator(token="4242:AAHfake-Token-FOR-tests_xyZ")
    await server.start()
    yield server
    await server.stop()


def holds_the_token(text: str, token: str) -> bool:
    """Whether `text` holds the token or its secret half, in any case."""
    return any(part.lower() in text.lower() for part in (token, token.split(":", 1)[1]))


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("401", "refused the token (Unauthorized): check BOT_TOKEN"),
        ("404", "refused the token (Not Found (404)"),
        ("302", "answered 302 (a redirect, not followed: check BOT_API_BASE_URL)"),
    ],
)
async def test_a_bot_api_that_turns_the_bot_away_at_start_gets_one_line_without_the_token(
    api: BotApiEmulator, tmp_path: Path, answer: str, said: str
) -> None:
    token, base_url = api.token, api.base_url
    if answer == "401":
        token = "4242:a-token-the-bot-api-does-not-know"
    elif answer == "404":
        base_url = api.base_url.removesuffix("/bot") + "/not-a-bot-api/bot"
    else:
        api.redirect(method="getMe")

    code, output = await run_to_end(
        tmp_path,
        bot_environment(
            BOT_TOKEN=token,
            BOT_API_BASE_URL=base_url,
            DATABASE_PATH=str(tmp_path / "duban.sqlite3"),
            ORG_FILE=str(TEST_ORG),
        ),
    )

    assert not holds_the_token(output, token), output
    assert code == 2
    [line] = [line for line in output.splitlines() if line.startswith("bot.py:")]
    assert said in line
    assert output.splitlines()[-1] == line  # nothing after it: no traceback of the bot's end
    assert "bot.py" not in output.replace(line, "")
    assert "Unclosed" not in output  # the Bot API client was closed before the bot stopped
    assert api.redirected == []


async def test_a_bot_api_that_redirects_gets_the_token_neither_stored_logged_nor_sent_on(
    bot: Harness, worker: EmulatedUser, water_head: EmulatedUser, caplog: pytest.LogCaptureFixture
) -> None:
    await water_head.send("/start")
    bot.api.redirect(method="sendMessage", chats={water_head.id})
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="handlers")

    await log_issue(worker, department=WATER)

    [(error,)] = await rows(
        bot, "SELECT last_error FROM outbox WHERE key LIKE 'ev:%' AND chat_id = ?", water_head.id
    )
    assert not holds_the_token(error, bot.api.token)
    assert "302" in error
    assert bot.api.redirected == []
    logged = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    )
    assert not holds_the_token(logged, bot.api.token)


async def test_an_error_that_quotes_the_token_is_stored_without_it(
    bot: Harness, worker: EmulatedUser, water_head: EmulatedUser
) -> None:
    await water_head.send("/start")
    quoted = f"Bad Request: the proxy refused {bot.api.base_url}{bot.api.token}/sendMessage"
    bot.api.fail(400, method="sendMessage", chats={water_head.id}, description=quoted)

    await log_issue(worker, department=WATER)

    [(error,)] = await rows(
        bot, "SELECT last_error FROM outbox WHERE key LIKE 'ev:%' AND chat_id = ?", water_head.id
    )
    assert not holds_the_token(error, bot.api.token)
    assert error.startswith("400: ") and "[token]" in error
