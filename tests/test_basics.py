"""Bot basics: /help by role, /cancel, unknown input, and the error handler."""

from __future__ import annotations

import logging

import pytest

from casework.services import views
from config.logs import RedactSecrets
from emulator import EmulatedUser
from tests.harness import CLOSED_STORE_ERRORS, Harness


async def test_help_lists_what_each_role_can_do(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await worker.send("/help")
    await coordinator.send("/help")

    assert "/lang" in worker.last.text
    assert "/staff" not in worker.last.text
    assert "/invite" not in worker.last.text
    assert "/invite" in coordinator.last.text
    assert "/deactivate" in coordinator.last.text


async def test_cancel_with_nothing_under_way_says_so(bot: Harness, worker: EmulatedUser) -> None:
    await worker.send("/cancel")

    assert worker.last.text == "当前没有可以取消的操作。"


async def test_an_unknown_command_points_at_help(bot: Harness, worker: EmulatedUser) -> None:
    await worker.send("/frobnicate")

    assert "没有这个命令" in worker.last.text


async def test_a_broken_step_is_logged_with_the_update_and_the_person_is_told(
    bot: Harness, worker: EmulatedUser, caplog: pytest.LogCaptureFixture
) -> None:
    bot.expected_errors.extend(CLOSED_STORE_ERRORS)
    runtime = bot.app.bot_data.resources
    assert runtime is not None
    await runtime.deps.store.close()  # the database goes away underneath the bot

    with caplog.at_level(logging.ERROR):
        update_id = await worker.send("/help")

    assert "系统出了点问题，刚才的操作可能没有保存" in worker.last.text
    assert any(f"failed (update {update_id})" in r.getMessage() for r in caplog.records)


async def test_the_apology_for_a_broken_step_is_in_the_persons_language(bot: Harness) -> None:
    bot.expected_errors.extend(CLOSED_STORE_ERRORS)
    english = bot.user(1001, "Wang", language_code="en")
    runtime = bot.app.bot_data.resources
    assert runtime is not None
    await runtime.deps.store.close()

    await english.send("/help")

    assert "Sorry, something went wrong" in english.last.text


async def test_the_apology_follows_a_saved_language_choice(
    bot: Harness, worker: EmulatedUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.expected_errors.extend(CLOSED_STORE_ERRORS)
    await worker.send("/lang")  # a Chinese phone, English chosen
    await worker.press(worker.last, "English")

    async def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(views, "mine", broken)
    await worker.send("/my")

    assert "Sorry, something went wrong" in worker.last.text


def test_the_token_is_blotted_out_of_every_log_line_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = "123456:AAE-very-secret"
    redact = RedactSecrets(token)
    logger = logging.getLogger("test.redaction")
    logger.addFilter(redact)
    try:
        with caplog.at_level(logging.INFO):
            logger.info("calling https://api.telegram.org/bot%s/getMe", token)
            try:
                raise RuntimeError(f"failed at /bot{token}/sendMessage")
            except RuntimeError:
                logger.exception("request failed")
    finally:
        logger.removeFilter(redact)

    assert token not in caplog.text
    assert "/bot[token]/getMe" in caplog.text
    assert "/bot[token]/sendMessage" in caplog.text
