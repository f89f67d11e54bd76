"""Logging for the operator: plain lines on stderr, with secrets kept out."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


def redact(text: str, *secrets: str, passwords: Iterable[str] = ()) -> str:
    """`text` with each secret blotted out: the one function that keeps the bot token out of
    logs, printed errors and what is stored (an error a proxy or the network returns may hold
    the URL, and the URL holds the token). A token's secret half, after its colon, goes too:
    a URL may carry it with the colon encoded. Whatever the case: python-telegram-bot
    lower-cases most of an error's description.

    `passwords` (the proxy's, `config.proxy.Proxy.secrets`) become `[password]`: an error
    about the proxy may quote its URL, and the URL its password."""
    for secret in _with_secret_halves(secrets):
        text = re.sub(re.escape(secret), "[token]", text, flags=re.IGNORECASE)
    # Longest first: a password's percent-encoded form holds its plain one.
    for password in sorted({p for p in passwords if p}, key=len, reverse=True):
        text = re.sub(re.escape(password), "[password]", text, flags=re.IGNORECASE)
    return text


def _with_secret_halves(secrets: tuple[str, ...]) -> list[str]:
    found = []
    for secret in secrets:
        if not secret:
            continue
        found.append(secret)
        _, colon, half = secret.partition(":")
        if colon and len(half) >= 8:  # too short a half would blot out ordinary words
            found.append(half)
    return found


class RedactSecrets(logging.Filter):
    """Blot out each secret (the bot token, the proxy's password) wherever it appears in a log
    line."""

    def __init__(self, *secrets: str, passwords: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)
        self._passwords = tuple(p for p in passwords if p)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        clean = self._redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True

    def _redact(self, text: str) -> str:
        return redact(text, *self._secrets, passwords=self._passwords)


class _StartFailure(logging.Filter):
    """python-telegram-bot logs the failure that stops the bot at start-up (the token refused,
    the Bot API out of reach), traceback and all, then raises it; bot.py says what it is in one
    line, so this record is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram"):
            return True
        message = record.getMessage()
        return not ("(Bootstrap Initialize Application)" in message and "Aborting" in message)


def configure_logging(level: str, *secrets: str, passwords: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(*secrets, passwords=passwords))
    handler.addFilter(_StartFailure())
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


@dataclass
class _Repeats:
    first_at: datetime
    reported_at: datetime  # when the last line about it was written
    unreported: int = 0  # failures since that line
    total: int = 1


class RepeatedErrors:
    """Failures that keep happening (a full disk fails every write, every second), logged so
    that the log stays readable: the first one with its traceback, then a count at most once
    every `every`, and a line when it works again.

    A failure is "the same" as an earlier one when it happened doing the same thing (`what`),
    with the same type of exception raised at the same line: one broken database makes the
    same failure everywhere, while two different bugs each get their traceback.
    """

    def __init__(
        self,
        log: logging.Logger,
        now: Callable[[], datetime],
        every: timedelta = timedelta(minutes=1),
    ) -> None:
        self._log = log
        self._now = now
        self._every = every
        self._failing: dict[str, dict[tuple[str, str, int], _Repeats]] = {}

    def failed(self, what: str, error: BaseException, detail: str = "") -> None:
        """`what` failed with `error` (`detail`, such as which update, goes on the first line)."""
        now = self._now()
        kinds = self._failing.setdefault(what, {})
        key = _kind(error)
        repeats = kinds.get(key)
        if repeats is None:
            kinds[key] = _Repeats(first_at=now, reported_at=now)
            suffix = f" ({detail})" if detail else ""
            self._log.error("%s failed%s", what, suffix, exc_info=error)
            return
        repeats.unreported += 1
        repeats.total += 1
        if now - repeats.reported_at >= self._every:
            self._log.error(
                "%s failed %d more times in the last %d s (%s)",
                what,
                repeats.unreported,
                (now - repeats.reported_at).total_seconds(),
                key[0],
            )
            repeats.reported_at, repeats.unreported = now, 0

    def worked(self, what: str) -> None:
        """`what` was done without failing: if it had been failing, say it works again."""
        kinds = self._failing.pop(what, None)
        if kinds:
            total = sum(r.total for r in kinds.values())
            since = min(r.first_at for r in kinds.values())
            self._log.warning(
                "%s works again, after %d failures in %d s",
                what,
                total,
                (self._now() - since).total_seconds(),
            )

    def failing(self, what: str) -> bool:
        return what in self._failing


def _kind(error: BaseException) -> tuple[str, str, int]:
    """The exception's type and the line that raised it."""
    frame = None
    traceback = error.__traceback__
    while traceback is not None:
        frame, traceback = traceback, traceback.tb_next
    if frame is None:
        return type(error).__name__, "", 0
    return type(error).__name__, frame.tb_frame.f_code.co_filename, frame.tb_lineno
