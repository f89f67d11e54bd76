"""Logging for the operator: plain lines on stderr, with secrets kept out."""

from __future__ import annotations

import logging
import sys


class RedactSecrets(logging.Filter):
    """Replace each secret (the bot token) wherever it appears in a log line."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        changed = False
        for secret in self._secrets:
            if secret in message:
                message = message.replace(secret, "[token]")
                changed = True
            if record.exc_text and secret in record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "[token]")
        if changed:
            record.msg, record.args = message, None
        return True


def configure_logging(level: str, *secrets: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(*secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # At DEBUG, python-telegram-bot logs each request's parameters and each update, and
    # aiosqlite each statement with its values: they hold what people typed, citizens' names
    # and phones among it. Never below INFO.
    for chatty in ("telegram", "aiosqlite"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, root.level))
