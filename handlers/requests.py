"""The HTTP client the bot talks to the Bot API with: httpx, retrying brief failures.

A reply to someone pressing a button is not in the outbox; if the Bot API fails for a
moment (a 5xx, a timeout, a dropped connection) the reply is tried again twice, quickly,
instead of being lost. (The outbox has its own, longer retries.)
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

log = logging.getLogger(__name__)

PAUSES = (0.3, 1.0)  # seconds before the second and third tries


class RetryingRequest(HTTPXRequest):
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # getUpdates is retried by the updater itself, forever; the rest here, briefly.
        retries = () if url.endswith("/getUpdates") else PAUSES
        for pause in (*retries, None):
            try:
                code, payload = await super().do_request(
                    url, method, request_data, read_timeout, write_timeout,  # type: ignore[arg-type]
                    connect_timeout, pool_timeout,  # type: ignore[arg-type]
                )  # fmt: skip
            except NetworkError as exc:  # timeouts and dropped connections included
                if pause is None:
                    raise
                log.info("Bot API call failed (%s); trying again", type(exc).__name__)
            else:
                if code < 500 or pause is None:
                    return code, payload
                log.info("Bot API answered %s; trying again", code)
            await asyncio.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover


KeepUpdates = Callable[[list[tuple[int, str]]], Awaitable[None]]


class UpdatesRequest(RetryingRequest):
    """The request getUpdates goes through: what it fetches is written to the database before
    the next fetch confirms it to Telegram (see casework/services/updates.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keep: KeepUpdates | None = None

    def keep_with(self, keep: KeepUpdates) -> None:
        self._keep = keep

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == 200 and self._keep is not None and url.endswith("/getUpdates"):
            fetched = json.loads(payload).get("result") or []
            try:
                await self._keep(
                    [(u["update_id"], json.dumps(u, ensure_ascii=False)) for u in fetched]
                )
            except Exception:
                # The database is failing: handle the updates anyway (each will tell its
                # sender what went wrong) rather than hold up everyone.
                log.exception("could not keep %d fetched updates", len(fetched))
        return code, payload
