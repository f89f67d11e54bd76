"""Telegram's init data, checked as Telegram specifies (core.telegram.org/bots/webapps,
"Validating data received via the Mini App"): every field but `hash`, sorted, as `key=value`
lines; the secret is HMAC-SHA256 of the bot's token keyed with `WebAppData`; the data is
Telegram's when HMAC-SHA256 of the lines keyed with the secret is `hash`. Pure: the time is
given, nothing is read or logged here (the data names the person)."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# How long a signature is taken: Telegram signs when the Mini App is opened; a page left open
# on a wall screen for more than a day is asked to be opened again.
MAX_AGE = timedelta(days=1)
# A clock a little ahead of ours is not a forgery; a minute, no more.
MAX_AHEAD = timedelta(minutes=1)


class NotSigned(ValueError):
    """The init data is missing, not Telegram's for this bot, or too old."""


@dataclass(frozen=True)
class SignedIn:
    """Who opened the Mini App, as Telegram vouches."""

    user_id: int
    first_name: str
    language_code: str | None
    auth_date: datetime


def _secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _check_string(fields: Mapping[str, str]) -> bytes:
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "hash").encode()


def _signature(fields: Mapping[str, str], token: str) -> str:
    return hmac.new(_secret(token), _check_string(fields), hashlib.sha256).hexdigest()


def check_init_data(raw: str, token: str, now: datetime) -> SignedIn:
    """The person `raw` (the init data as Telegram passes it) names, if Telegram signed it for
    the bot with `token` no more than `MAX_AGE` before `now`; else `NotSigned`."""
    try:
        pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise NotSigned("unreadable") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise NotSigned("a field twice")
    given = fields.get("hash", "")
    if not given or not hmac.compare_digest(given.encode(), _signature(fields, token).encode()):
        raise NotSigned("signature")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise NotSigned("fields") from None
    if signed_at < now - MAX_AGE or signed_at > now + MAX_AHEAD:
        raise NotSigned("stale")
    language = user.get("language_code")
    return SignedIn(
        user_id,
        str(user.get("first_name") or ""),
        language if isinstance(language, str) and language else None,
        signed_at,
    )
