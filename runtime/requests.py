"""The HTTP client the bot talks to the Bot API with: aiohttp, retrying brief failures.

python-telegram-bot's own client is httpx. aiohttp speaks the same Bot API at a third of the
CPU per call (0.2 ms against 0.67 ms here, measured), and the calls are most of what a wizard
step costs the bot, so the bot uses this small `BaseRequest` of its own over aiohttp.

A reply to someone pressing a button is not in the outbox; if the Bot API fails for a
moment (a 5xx, a timeout, a dropped connection) the reply is tried again twice, quickly,
instead of being lost. The outbox sender turns these quick retries off (`QUICK_RETRIES`): it
has its own, longer ones, which keep to Telegram's limits.

The URL of every call holds the bot's token, so redirects are not followed (the token would
go wherever a proxy points), and no error raised from here carries the token, nor the
password of the proxy (`TELEGRAM_PROXY`) the calls may go through: an HTTP proxy through
aiohttp's own support, a SOCKS5 one through aiohttp-socks' connector.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import aiohttp_socks
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from casework.ports import StoreUnreachable
from config.logs import RepeatedErrors, redact
from config.proxy import Proxy

log = logging.getLogger(__name__)

PAUSES = (0.3, 1.0)  # seconds before the second and third tries
# Off in the outbox sender, which has retries of its own that keep to Telegram's limits (a
# quick retry here would be a second request to the chat 0.3 s later, outside them).
QUICK_RETRIES: contextvars.ContextVar[bool] = contextvars.ContextVar("quick_retries", default=True)
Timeout = float | object | None  # a number of seconds, None (no limit) or BaseRequest.DEFAULT_NONE


class Fence:
    """Closed when this bot no longer holds the database (its lease lost: another bot may hold
    it now, and send what this one would): from then on no call leaves for Telegram, neither a
    message nor a retry of one, nor a fetch of updates. Shared by the bot's two clients."""

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def check(self) -> None:
        if self.closed:
            raise Fenced("not sent: this bot no longer holds the database")


class Fenced(NetworkError):
    """A call refused by the closed `Fence`: never tried again."""


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session: form fields as python-telegram-bot encodes them,
    files as multipart; timeouts and connection failures raised as its TimedOut/NetworkError.
    With a `proxy`, every call goes through it."""

    def __init__(
        self,
        timeout: float,
        connection_pool_size: int = 1,
        secret: str = "",
        proxy: Proxy | None = None,
        fence: Fence | None = None,
    ) -> None:
        self._timeout = timeout
        self._pool_size = connection_pool_size
        self._secret = secret  # the token: kept out of the errors raised
        self._proxy = proxy
        self._fence = fence or Fence()
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            proxy = self._proxy
            self._session = aiohttp.ClientSession(
                connector=_connector(proxy, self._pool_size),
                timeout=aiohttp.ClientTimeout(total=None),
                # aiohttp takes an HTTP proxy's user and password from its URL. (Not
                # HTTPS_PROXY and the like from the environment: trust_env stays off, so the
                # bot goes through exactly the proxy its settings name.)
                proxy=proxy.url if proxy is not None and proxy.scheme == "http" else None,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        self._fence.check()
        read, write, connect, pool = (
            self._seconds(t) for t in (read_timeout, write_timeout, connect_timeout, pool_timeout)
        )
        files = request_data.multipart_data if request_data else None
        timeout = aiohttp.ClientTimeout(
            # aiohttp has no write timeout: an upload gets a limit on the whole call instead.
            total=_sum(connect, pool, write, read) if files else None,
            connect=_sum(pool, connect),  # waiting for a free connection, then connecting
            sock_connect=connect,
            sock_read=read,
        )
        try:
            data, content_type = _body(request_data)
            headers = {"User-Agent": self.USER_AGENT}
            if content_type is not None:
                headers["Content-Type"] = content_type
            async with self._session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                if 300 <= response.status < 400:
                    raise NetworkError(
                        f"the Bot API answered {response.status} (a redirect, not followed: "
                        "check BOT_API_BASE_URL)"
                    )
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut() from exc
        except aiohttp_socks.ProxyTimeoutError:
            raise TimedOut("Timed out connecting through the proxy") from None
        # aiohttp-socks' errors are not aiohttp's: a SOCKS5 proxy out of reach, or refusing.
        except (
            aiohttp.ClientError,
            aiohttp_socks.ProxyConnectionError,
            aiohttp_socks.ProxyError,
        ) as exc:
            # Not chained: the original's message may hold the URL, and so the token (or the
            # proxy's URL, and so its password).
            passwords = self._proxy.secrets if self._proxy is not None else ()
            reason = redact(str(exc), self._secret, passwords=passwords)
            library = type(exc).__module__.partition(".")[0]  # aiohttp, aiohttp_socks
            raise NetworkError(f"{library}.{type(exc).__name__}: {reason}") from None

    def _seconds(self, timeout: Timeout) -> float | None:
        if timeout is BaseRequest.DEFAULT_NONE:
            return self._timeout
        assert timeout is None or isinstance(timeout, int | float)
        return timeout


def _connector(proxy: Proxy | None, pool_size: int) -> aiohttp.TCPConnector:
    """Direct connections, or (SOCKS5) connections the proxy makes; an HTTP proxy is the
    session's, over direct connections to it."""
    if proxy is None or proxy.scheme == "http":
        return aiohttp.TCPConnector(limit=pool_size)
    return aiohttp_socks.ProxyConnector(
        proxy_type=aiohttp_socks.ProxyType.SOCKS5,
        host=proxy.host,
        port=proxy.port,
        username=proxy.username or None,
        password=proxy.password or None,
        # The proxy resolves the Bot API's name: where Telegram is blocked, the local DNS
        # often answers wrongly for it.
        rdns=True,
        limit=pool_size,
    )


def _sum(*parts: float | None) -> float | None:
    """The sum of several limits; no limit if any of them is unlimited."""
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def _body(request_data: RequestData | None) -> tuple[aiohttp.FormData | bytes | None, str | None]:
    """The call's parameters the way Telegram takes them, and their content type: JSON, or a
    multipart form when files go with it. (JSON is one call to the json module; a URL-encoded
    form quotes each field in Python, a tenth of the bot's CPU for a step: issue 22.)"""
    if request_data is None:
        return None, None
    if not request_data.contains_files:  # objects as objects, as the Bot API documents
        payload = json.dumps(request_data.parameters, ensure_ascii=False)
        return payload.encode(), "application/json"
    # File names go as UTF-8, as browsers and python-telegram-bot's own client (httpx) send
    # them: aiohttp would percent-encode `督办-2026年11月.xlsx`, and the name shown would be
    # `%E7%9D%A3…`.
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form, None  # aiohttp writes the multipart type, with its boundary


class RetryingRequest(AiohttpRequest):
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # getUpdates is retried by the updater itself, forever; the rest here, briefly. Not
        # uploads: one that timed out may have arrived, and a file is not sent twice lightly.
        once = (
            url.endswith("/getUpdates")
            or bool(request_data and request_data.multipart_data)
            or not QUICK_RETRIES.get()
        )
        retries = () if once else PAUSES
        for pause in (*retries, None):
            try:
                code, payload = await super().do_request(
                    url, method, request_data, read_timeout, write_timeout, connect_timeout,
                    pool_timeout,
                )  # fmt: skip
            except NetworkError as exc:  # timeouts and dropped connections included
                if pause is None or isinstance(exc, Fenced):
                    raise
                log.info("Bot API call failed (%s); trying again", type(exc).__name__)
            else:
                if code < 500 or pause is None:
                    return code, payload
                log.info("Bot API answered %s; trying again", code)
            await asyncio.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover


KeepUpdates = Callable[[list[tuple[int, str]]], Awaitable[None]]
KEEPING = "keeping fetched updates"


class UpdatesRequest(RetryingRequest):
    """The request getUpdates goes through: what it fetches is written to the database before
    the next fetch confirms it to Telegram (see casework/services/updates.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keep: KeepUpdates | None = None
        self._errors: RepeatedErrors | None = None

    def keep_with(self, keep: KeepUpdates, errors: RepeatedErrors) -> None:
        self._keep, self._errors = keep, errors

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if url.endswith("/getUpdates"):
            # A long poll answered after the lease was lost: its updates are left with Telegram.
            self._fence.check()
        if code == 200 and self._keep is not None and url.endswith("/getUpdates"):
            fetched = json.loads(payload).get("result") or []
            try:
                await self._keep(
                    [(u["update_id"], json.dumps(u, ensure_ascii=False)) for u in fetched]
                )
            except StoreUnreachable as exc:
                # Another bot may hold the database now: the updates are left with Telegram
                # (not confirmed), for whichever bot keeps them next.
                if self._errors is not None:
                    self._errors.failed(KEEPING, exc)
                raise NetworkError(f"{KEEPING}: {exc}") from exc
            except Exception as exc:
                # The database is failing: handle the updates anyway (each will tell its
                # sender what went wrong) rather than hold up everyone.
                if self._errors is not None:
                    self._errors.failed(KEEPING, exc)
            else:
                if fetched and self._errors is not None:  # an empty poll saves nothing
                    self._errors.worked(KEEPING)
        return code, payload
