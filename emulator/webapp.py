"""What Telegram gives a Mini App it opens: the init data, signed with the bot's token
(core.telegram.org/bots/webapps, "Validating data received via the Mini App"). Written apart
from the bot's own check (dashboard/initdata.py), as Telegram's side of it."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Mapping
from datetime import datetime
from typing import Any


def sign_init_data(token: str, user: Mapping[str, Any], auth_date: datetime, **fields: str) -> str:
    """The init data (the raw query string) Telegram passes to a Mini App opened by `user`
    (Telegram's user object: `id`, `first_name`, `language_code` …) at `auth_date`, with any
    other `fields` (`query_id`, `chat_type` …), signed for the bot with `token`."""
    values = {
        **fields,
        "user": json.dumps(dict(user), ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(auth_date.timestamp())),
    }
    lines = "\n".join(f"{key}={values[key]}" for key in sorted(values)).encode()
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    values["hash"] = hmac.new(secret, lines, hashlib.sha256).hexdigest()
    return urllib.parse.urlencode(values, quote_via=urllib.parse.quote)
