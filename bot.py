"""督办 Duban: the entry point.

python bot.py              start the bot (settings from the environment and .env)
python bot.py run          start the bot, never the playground: without BOT_TOKEN it stops
                           with a line (a service's command: Dockerfile, deploy/duban.service)
python bot.py playground   start the playground: the bot against its built-in Telegram, and a
                           page of phones to try it (also what `python bot.py` does when no
                           BOT_TOKEN is set, in the environment or in .env)
python bot.py check        whether the running bot is healthy, from its database: exit 0 if
                           so, 1 if not, a line a check (updates, outbox, sweep)
python bot.py backup FILE  copy the database while the bot runs
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram.error import BadRequest, InvalidToken, NetworkError

from casework import health
from casework.health import OUTBOX_WITHIN
from casework.services.health import figures as health_figures
from config.logs import configure_logging, redact
from config.org import OrgFileError, load_organisation
from config.settings import SettingsError, load_settings, load_storage_settings
from rendering.i18n import CatalogsMissing
from runtime.exits import LEASE_LOST
from storage import StorageError, backup_store, describe, open_store

log = logging.getLogger("bot")


def new_event_loop() -> asyncio.AbstractEventLoop:
    """The bot's event loop: uvloop's (libuv) where it is installed, asyncio's otherwise (on
    Windows). A `/new` step costs the bot 14 % less CPU on it, the whole flow 8 % less
    (BENCHMARKS.md, issue 22)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.py", description="督办 Duban Telegram bot")
    commands = parser.add_subparsers(dest="command")
    backup = commands.add_parser("backup", help="copy the database while the bot runs")
    backup.add_argument("file", type=Path, help="where to write the copy")
    commands.add_parser(
        "playground", help="try the bot in a browser, against its built-in Telegram (no token)"
    )
    commands.add_parser("run", help="start the bot (never the playground: BOT_TOKEN required)")
    check = commands.add_parser(
        "check", help="whether the running bot is healthy (exit 0) or not (exit 1), and why"
    )
    check.add_argument(
        "--outbox-within",
        type=float,
        default=OUTBOX_WITHIN.total_seconds(),
        metavar="SECONDS",
        help="how long the oldest message due may wait unsent (default: %(default)g)",
    )
    arguments = parser.parse_args(argv)
    if arguments.command == "backup":
        return make_backup(arguments.file)
    if arguments.command == "check":
        return check_health(timedelta(seconds=arguments.outbox_within))
    if arguments.command == "playground" or (arguments.command is None and not token_given()):
        return run_playground()
    try:
        settings = load_settings()
        org = load_organisation(settings.org_file)
    except (SettingsError, OrgFileError) as problem:
        print(f"bot.py: {problem}", file=sys.stderr)
        return 2
    token = settings.bot_token.get_secret_value()
    passwords = settings.secrets  # the proxy's password, the webhook's secret
    configure_logging(settings.log_level, token, passwords=passwords)

    # after logging, so their imports log cleanly
    from runtime.app import ALLOWED_UPDATES, StoppingApplication, build_application
    from runtime.webhook import webhook_options

    try:
        app = build_application(settings, org)
    except CatalogsMissing as problem:
        print(f"bot.py: {problem}", file=sys.stderr)
        return 2
    api = redact(settings.bot_api_base_url, token)
    if (proxy := settings.proxy) is not None:
        api += f" through the proxy {proxy.shown}"
    webhook = settings.webhook_url
    listening = f"{settings.webhook_listen}:{settings.webhook_port}{settings.webhook_route}"
    if webhook:
        log.info("starting; Bot API at %s; updates by webhook %s on %s", api, webhook, listening)
    else:
        log.info("starting; Bot API at %s", api)
    # The loop is the bot's own, not closed by run_polling: when the start fails, the Bot API
    # client it opened is closed on it before the one line that says why.
    loop = new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        # Pending updates are kept: what staff sent while the bot was down is still handled.
        # By webhook, setWebhook is called at start and the webhook left set at the stop:
        # Telegram keeps what comes meanwhile and delivers it once the bot answers again.
        if webhook:
            app.run_webhook(**webhook_options(settings, ALLOWED_UPDATES), close_loop=False)
        else:
            app.run_polling(
                allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False, close_loop=False
            )
    # The database cannot be opened, is in use by another bot, or has a newer schema.
    except StorageError as problem:
        print(f"bot.py: database {describe(settings.database_url)}: {problem}", file=sys.stderr)
        return 2
    # What escapes run_polling carries the token in its message (python-telegram-bot names it
    # when getMe is refused) or a URL that holds it: one line, redacted, never the traceback.
    except InvalidToken as problem:
        reason = redact(str(problem.__cause__ or problem), token, passwords=passwords)
        print(
            f"bot.py: the Bot API at {api} refused the token ({reason}): check BOT_TOKEN"
            " and BOT_API_BASE_URL",
            file=sys.stderr,
        )
        return 2
    except NetworkError as problem:
        reason = redact(str(problem), token, passwords=passwords)
        if isinstance(problem, BadRequest) and webhook and "webhook" in reason.lower():
            print(f"bot.py: the Bot API refused WEBHOOK_URL {webhook}: {reason}", file=sys.stderr)
        else:
            print(f"bot.py: cannot reach the Bot API at {api}: {reason}", file=sys.stderr)
        return 2
    # The webhook server cannot listen where it is told (the port taken, the address not this
    # machine's). (Telegram was given the URL just before: it keeps the updates meanwhile.)
    except OSError as problem:
        if not (webhook and _raised_in("tornado", problem)):
            log.critical("stopped by an unexpected error: %s", problem, exc_info=problem)
            return 1
        print(
            f"bot.py: cannot listen for webhooks on {listening} (WEBHOOK_LISTEN, WEBHOOK_PORT):"
            f" {problem.strerror or problem}",
            file=sys.stderr,
        )
        return 2
    except Exception as problem:
        # The traceback goes through the log, whose filter blots out the token.
        log.critical("stopped by an unexpected error: %s", problem, exc_info=problem)
        return 1
    finally:
        loop.run_until_complete(app.bot.shutdown())  # a no-op if the application shut it
        loop.close()
        if isinstance(app, StoppingApplication):  # the stop is over (however it ended)
            app.stopped_in_time()
    if isinstance(app, StoppingApplication) and app.lease_lost:
        log.critical("stopped: no longer the one bot on the database; start again to stand by")
        return LEASE_LOST
    log.info("stopped")
    return 0


def _raised_in(package: str, problem: BaseException) -> bool:
    """Whether the error was raised in code of that package (its traceback passes through it)."""
    frame = problem.__traceback__
    while frame is not None:
        if frame.tb_frame.f_globals.get("__name__", "").partition(".")[0] == package:
            return True
        frame = frame.tb_next
    return False


def token_given(env_file: Path = Path(".env")) -> bool:
    """BOT_TOKEN is set, in the environment or in .env (its value is not looked at further)."""
    if os.environ.get("BOT_TOKEN", "").strip():
        return True
    from dotenv import dotenv_values  # pydantic-settings reads .env with it

    found = {k.upper(): v for k, v in dotenv_values(env_file).items()} if env_file.is_file() else {}
    return bool((found.get("BOT_TOKEN") or "").strip())


def run_playground() -> int:
    from playground.runner import TOKEN  # only when it is asked for
    from playground.serve import main as serve_playground

    level = os.environ.get("LOG_LEVEL", "").upper()
    configure_logging(level if level in logging.getLevelNamesMapping() else "INFO", TOKEN)

    return serve_playground()


def check_health(outbox_within: timedelta, now: datetime | None = None) -> int:
    """`bot.py check`: the findings of casework/health.py on what the bot keeps in its database
    (read only: the running bot is neither waited for nor held up), a line each, the failing
    ones first; 0 if all are fine, 1 if not (or the database cannot be read). Only
    DATABASE_URL is needed (no token)."""
    try:
        settings = load_storage_settings()
    except SettingsError as problem:
        print(f"bot.py check: {problem}", file=sys.stderr)
        return 1
    at = now or datetime.now(UTC)
    try:
        findings = asyncio.run(read_health(settings.database_url, at, outbox_within))
    except Exception as problem:  # no database, an older schema, a disk that fails: one line
        print(f"bot.py check: database {describe(settings.database_url)}: {problem}")
        return 1
    for finding in sorted(findings, key=lambda f: f.ok):
        print(finding)
    return 0 if health.healthy(findings) else 1


async def read_health(
    url: str, now: datetime, outbox_within: timedelta = OUTBOX_WITHIN
) -> list[health.Finding]:
    store = await open_store(url, read_only=True)
    try:
        return health.judge(await health_figures(store, now), now, outbox_within)
    finally:
        await store.close()


def make_backup(target: Path) -> int:
    try:
        settings = load_storage_settings()
        size = backup_store(settings.database_url, target)
    except (SettingsError, StorageError) as problem:
        print(f"bot.py backup: {problem}", file=sys.stderr)
        return 2
    print(f"bot.py backup: {describe(settings.database_url)} copied to {target} ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
