"""督办 Duban: the entry point.

python bot.py            start the bot (settings from the environment and .env)
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from telegram import Update

from config.logs import configure_logging
from config.org import OrgFileError, load_organisation
from config.settings import SettingsError, load_settings, load_storage_settings
from handlers.i18n import CatalogsMissing
from storage import BackupError, DatabaseInUse, backup_database
from storage.sqlite.migrations import MigrationError

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.py", description="督办 Duban Telegram bot")
    commands = parser.add_subparsers(dest="command")
    backup = commands.add_parser("backup", help="copy the database while the bot runs")
    backup.add_argument("file", type=Path, help="where to write the copy")
    arguments = parser.parse_args(argv)
    if arguments.command == "backup":
        return make_backup(arguments.file)
    try:
        settings = load_settings()
        org = load_organisation(settings.org_file)
    except (SettingsError, OrgFileError) as problem:
        print(f"bot.py: {problem}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.bot_token.get_secret_value())

    from handlers.app import build_application  # after logging, so its imports log cleanly

    try:
        app = build_application(settings, org)
    except CatalogsMissing as problem:
        print(f"bot.py: {problem}", file=sys.stderr)
        return 2
    log.info("starting; Bot API at %s", settings.bot_api_base_url)
    try:
        # Pending updates are kept: what staff sent while the bot was down is still handled.
        app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except (MigrationError, DatabaseInUse) as problem:
        print(f"bot.py: database {settings.database_path}: {problem}", file=sys.stderr)
        return 2
    log.info("stopped")
    return 0


def make_backup(target: Path) -> int:
    try:
        settings = load_storage_settings()
        size = backup_database(settings.database_path, target)
    except (SettingsError, BackupError) as problem:
        print(f"bot.py backup: {problem}", file=sys.stderr)
        return 2
    print(f"bot.py backup: {settings.database_path} copied to {target} ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
