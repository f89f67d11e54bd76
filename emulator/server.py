"""A Telegram Bot API emulator on 127.0.0.1 that the real bot talks to over HTTP.

It keeps what the bot sent (per chat, with edits), hands out updates through getUpdates with
offsets and long polling, or (once the bot calls setWebhook) POSTs them to the bot's webhook
with its secret header, answers as Telegram does to the mistakes Telegram rejects (too-long
texts, bad HTML, over-long button data, unchanged edits, unknown or blocked chats), and can be
told to fail for a while (429 with retry_after, 5xx, slow answers) to test the bot's resilience.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http import HTTPStatus
from typing import Any

import aiohttp
from aiohttp import web

JSON = dict[str, Any]

# Parameters Telegram takes as plain strings; everything else arrives JSON-encoded.
_STRING_PARAMS = {
    "text",
    "secret_token",
    "caption",
    "parse_mode",
    "callback_query_id",
    "url",
    "file_id",
    "language_code",
    "description",
    "short_description",
    "address",
    "title",
    "inline_message_id",
}
_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
# Keyboards' shapes (Telegram's limits, which it answers "reply markup is too long").
MAX_INLINE_BUTTONS = 100
MAX_INLINE_PER_ROW = 8
MAX_REPLY_BUTTONS = 300
MAX_REPLY_PER_ROW = 12
# What an inline button does: exactly one of these besides its text.
_INLINE_ACTIONS = {
    "callback_data", "url", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game",
    "pay", "web_app", "copy_text",
}  # fmt: skip
# A reply keyboard's buttons that only private chats may show.
_PRIVATE_ONLY = ("request_location", "request_contact", "request_poll", "request_users",
                 "request_chat")  # fmt: skip
# A chat action shows for 5 seconds, or until the bot's next message in the chat.
ACTION_SECONDS = 5.0
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip


# Webhooks: Telegram's rule for the secret, and its answer to getUpdates while one is set.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete"
    " the webhook first"
)


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


@dataclass
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None
    web_app: str | None = None  # the address of the Mini App it opens


@dataclass
class BotMessage:
    """A message the bot sent, as the chat shows it now (after any edits)."""

    chat_id: int
    message_id: int
    kind: str  # text | photo | document | location | media
    text: str  # what a person reads: HTML tags removed, entities decoded
    markup: JSON | None = None
    html: str | None = None
    file_id: str | None = None
    document: bytes | None = None
    filename: str | None = None
    reply_to: int | None = None
    edits: int = 0
    deleted: bool = False
    history: list[str] = field(default_factory=list)
    sent_at: float = field(default_factory=time.monotonic)
    at: datetime | None = None  # by the emulator's clock (`BotApiEmulator.now`)
    album: str | None = None  # the media group it was sent in
    parse_mode: str | None = None  # how `html` reads: "HTML", or None for plain text

    @property
    def buttons(self) -> list[Button]:
        if not self.markup or "inline_keyboard" not in self.markup:
            return []
        return [
            Button(
                b["text"], b.get("callback_data"), b.get("url"), (b.get("web_app") or {}).get("url")
            )
            for row in self.markup["inline_keyboard"]
            for b in row
        ]

    @property
    def reply_keyboard(self) -> list[JSON]:
        if not self.markup or "keyboard" not in self.markup:
            return []
        return [
            b if isinstance(b, dict) else {"text": b}
            for row in self.markup["keyboard"]
            for b in row
        ]

    def button(self, label: str) -> Button:
        """The inline button whose text is `label`, or else the one that contains it; fails the
        test if there is none, or several."""
        found = [b for b in self.buttons if b.text == label] or [
            b for b in self.buttons if label in b.text
        ]
        if len(found) != 1:
            shown = [b.text for b in self.buttons]
            raise AssertionError(f"{len(found)} buttons match {label!r} in {shown}: {self.text!r}")
        return found[0]

    def has_button(self, label: str) -> bool:
        return any(label in b.text for b in self.buttons)


@dataclass
class CallbackAnswer:
    text: str | None
    show_alert: bool


@dataclass
class Call:
    method: str
    params: JSON
    at: float


@dataclass
class Fault:
    """Answer the next `times` matching calls with an error instead of doing them.

    `status` 0 is a timeout: the call hangs for `hang` seconds (longer than the bot waits)
    and is not carried out, as when a request is lost on the way.
    """

    status: int
    times: int
    method: str | None = None
    retry_after: int | None = None
    hang: float = 0.0
    chats: frozenset[int] | None = None  # only calls to these chats (None: any)
    location: str | None = None  # where a redirect (3xx) points
    description: str | None = None  # the error's description, if not the usual one


@dataclass
class Webhook:
    """Where updates go once the bot called setWebhook, as Telegram keeps it."""

    url: str
    secret: str | None
    allowed_updates: list[str] | None
    max_connections: int


@dataclass
class Delivery:
    """One POST of an update to the webhook, and the bot's answer (0: none: the connection was
    refused or dropped, or the answer did not come within `BotApiEmulator.webhook_timeout`)."""

    update_id: int
    status: int
    at: float


_STRAY_LT = re.compile(r"<(?!/?(?:" + "|".join(map(re.escape, _ALLOWED_TAGS)) + r")\b)")


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = f'Can\'t find end tag corresponding to start tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """What the reader sees; raises ApiError as Telegram does for HTML it cannot parse."""
    if (parse_mode or "").upper() != "HTML":
        return text
    stray = _STRAY_LT.search(text)
    if stray:  # Telegram wants every other "<" written as &lt;, whatever follows it
        raise ApiError(400, f"Bad Request: can't parse entities: stray '<' at {stray.start()}")
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    if parser.error or parser.stack:
        reason = parser.error or f'Can\'t find end tag for "{parser.stack[-1]}"'
        raise ApiError(400, f"Bad Request: can't parse entities: {reason}")
    return html.unescape("".join(parser.parts))


class BotApiEmulator:
    def __init__(
        self,
        token: str = "4242:fake-token-for-tests",
        username: str = "duban_test_bot",
        first_update_id: int = 1,
        first_message_id: int = 1,
    ):
        """`first_update_id`: where update numbers start. Telegram's only grow, and the bot skips
        one it has handled before, so a server playing to a database that a previous run used
        must start past that run's numbers. `first_message_id`: where each chat's message ids
        start (past a previous run's, so the bot's edits of its old cards miss, not hit others)."""
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.base_url = ""
        self.processed: Callable[[int], Awaitable[None]] | None = None

        self.calls: list[Call] = []
        self.sent: list[BotMessage] = []
        self.by_chat: defaultdict[int, list[BotMessage]] = defaultdict(list)
        self.messages: dict[tuple[int, int], BotMessage] = {}
        self.answers: dict[str, CallbackAnswer] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}  # chat id (None: everyone's) -> button
        self.known_chats: set[int] = set()
        self.blocked: set[int] = set()
        self.files: dict[str, bytes] = {}
        self.faults: list[Fault] = []
        self.holds: dict[int, asyncio.Event] = {}  # chat id -> released when set
        self.redirected: list[str] = []  # paths requested by following a redirect
        # What each chat shows besides its messages: the reply keyboard the bot last sent
        # (kept until removed; one-time ones hidden once used), a force reply waiting for the
        # person, the chat action under way; and what people sent (as Telegram holds it).
        self.keyboards: dict[int, JSON] = {}
        self.force_replies: dict[int, JSON] = {}
        self.incoming: defaultdict[int, list[JSON]] = defaultdict(list)
        self._actions: dict[int, tuple[str, asyncio.TimerHandle]] = {}
        self._listeners: list[Callable[[int], None]] = []

        self._updates: list[JSON] = []
        self._offset = 0
        self._update_ids = itertools.count(first_update_id)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(first_message_id)
        )
        # The time a chat shows beside each message (the playground's moved clock).
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.received_at: dict[tuple[int, int], datetime] = {}
        self._callback_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        # Webhooks: the one set (None: updates wait for getUpdates), each POST made, and how
        # long to wait before delivering again after an answer that was not 200 (doubling up
        # to the most; Telegram's own pauses are longer) and for an answer.
        self.webhook: Webhook | None = None
        self.deliveries: list[Delivery] = []
        self.webhook_retry_seconds = 0.05
        self.webhook_retry_most_seconds = 1.0
        self.webhook_timeout = 10.0
        self._delivering: asyncio.Task[None] | None = None
        self._client: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ server
    async def start(self) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._download)
        app.router.add_route("*", "/moved/{path:.*}", self._moved)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self.base_url

    async def stop(self) -> None:
        for gate in self.holds.values():  # a test that failed while holding lets go
            gate.set()
        async with self._changed:  # end pending long polls now, not at their timeout
            self._closing = True
            self._changed.notify_all()
        if self._delivering is not None:
            self._delivering.cancel()
            await asyncio.gather(self._delivering, return_exceptions=True)
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        params = await _read_params(request)
        self.calls.append(Call(method, params, time.monotonic()))
        await self._changed_now()  # wait_until may be waiting for this call
        fault = self._take_fault(method, params.get("chat_id"))
        if fault is not None:
            if fault.status == 0:
                await asyncio.sleep(fault.hang)
                return _error(ApiError(504, "Gateway Timeout"))
            if fault.location is not None:
                return web.Response(status=fault.status, headers={"Location": fault.location})
            description = fault.description or _describe_status(fault.status)
            return _error(ApiError(fault.status, description, fault.retry_after))
        chat = params.get("chat_id")
        gate = self.holds.get(chat) if isinstance(chat, int) else None
        if gate is not None:
            await gate.wait()
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return _error(ApiError(404, "Not Found: method not found"))
        try:
            result = await handler(params)
        except ApiError as exc:
            return _error(exc)
        return web.json_response({"ok": True, "result": result})

    async def _moved(self, request: web.Request) -> web.Response:
        """Where a redirect points: it is noted, and points on to itself (a redirect loop)."""
        self.redirected.append(request.path)
        await self._changed_now()
        return web.Response(status=302, headers={"Location": str(request.url)})

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        if path not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[path])

    def _take_fault(self, method: str, chat_id: object) -> Fault | None:
        if method.lower() == "getupdates":
            return None
        for fault in self.faults:
            if fault.chats is not None and chat_id not in fault.chats:
                continue
            if fault.times > 0 and (fault.method is None or fault.method == method):
                fault.times -= 1
                return fault
        return None

    # ------------------------------------------------------------- test helpers
    def fail(
        self,
        status: int,
        times: int = 1,
        method: str | None = None,
        retry_after: int | None = None,
        hang: float = 0.0,
        chats: set[int] | None = None,
        description: str | None = None,
    ) -> Fault:
        """Fail the next `times` calls (of `method`, or any but getUpdates; to `chats`, or any).
        Status 0 is a timeout."""
        fault = Fault(
            status=status,
            times=times,
            method=method,
            retry_after=retry_after,
            hang=hang,
            chats=frozenset(chats) if chats is not None else None,
            description=description,
        )
        self.faults.append(fault)
        return fault

    def redirect(
        self, method: str | None = None, chats: set[int] | None = None, times: int = 1_000_000
    ) -> str:
        """Answer calls (of `method`, to `chats`) with 302 to a URL that holds the token, as a
        proxy set up wrongly might; what follows it is noted in `redirected`. The URL."""
        origin = self.base_url.removesuffix("/bot")
        location = f"{origin}/moved/bot{self.token}/{method or 'call'}"
        self.faults.append(
            Fault(
                status=302,
                times=times,
                method=method,
                chats=frozenset(chats) if chats is not None else None,
                location=location,
            )
        )
        return location

    def hold(self, chat_id: int) -> asyncio.Event:
        """Keep calls to this chat waiting, received but not carried out, until the returned
        event is set (as a slow network would). Held longer than the bot's timeout, a call is
        given up and tried again, and both wait here."""
        gate = self.holds[chat_id] = asyncio.Event()
        return gate

    async def push_update(self, update: JSON) -> int:
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        if "message" in update:
            self._person_wrote(update["message"])
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        if self.processed is not None:
            await self.processed(update_id)
        return update_id

    @property
    def pending_update_count(self) -> int:
        """Updates not yet confirmed: fetched by no getUpdates since, or not answered 200 by the
        webhook."""
        return len(self._pending())

    def _pending(self) -> list[JSON]:
        return [u for u in self._updates if u["update_id"] >= self._offset]

    @property
    def last_update_id(self) -> int:
        return self._updates[-1]["update_id"] if self._updates else 0

    def rewind(self, update_id: int) -> None:
        """Serve updates again from `update_id` on, as Telegram does when a bot crashed before
        confirming them (getUpdates' offset never arrived)."""
        self._offset = min(self._offset, update_id)

    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids[chat_id])

    def next_callback_id(self) -> str:
        return str(next(self._callback_ids))

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait for something the bot does (a message, an edit); fail after `timeout`."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                raise AssertionError(f"the bot did not do it within {timeout} s") from None

    def chat(self, chat_id: int) -> list[BotMessage]:
        return [m for m in self.by_chat[chat_id] if not m.deleted]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # ------------------------------------------------------------ what chats show
    def listen(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(chat_id)` whenever what a chat shows changes: a message sent, edited
        or deleted (by the bot or a person), a chat action begun or ended, its reply keyboard
        or force reply changed. It must not block (put on a queue, set an event). Returns the
        function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def action(self, chat_id: int) -> str | None:
        """The chat action the chat shows now ("typing", "upload_document"…), if any."""
        shown = self._actions.get(chat_id)
        return shown[0] if shown is not None else None

    def store_file(self, data: bytes, file_id: str | None = None) -> str:
        """Keep a file as Telegram's servers do (a person's photo); its id."""
        file_id = file_id or f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return file_id

    def clear_chats(self) -> None:
        """Forget every chat's messages, keyboards and actions (the playground's Reset); update
        numbers and message ids go on growing, as Telegram's do."""
        for _, timer in self._actions.values():
            timer.cancel()
        chats = set(self.by_chat) | set(self.incoming) | set(self.keyboards)
        self._actions.clear()
        self.sent.clear()
        self.by_chat.clear()
        self.messages.clear()
        self.answers.clear()
        self.keyboards.clear()
        self.force_replies.clear()
        self.menu_buttons.clear()
        self.incoming.clear()
        self.received_at.clear()
        self.files.clear()
        self.calls.clear()
        for chat_id in chats:
            self._notify(chat_id)

    def _notify(self, chat_id: int) -> None:
        for listener in list(self._listeners):
            listener(chat_id)

    def _end_action(self, chat_id: int) -> None:
        shown = self._actions.pop(chat_id, None)
        if shown is not None:
            shown[1].cancel()
            self._notify(chat_id)

    def _person_wrote(self, message: JSON) -> None:
        """A person's message reaches the chat: it shows it; the force reply is answered, and
        a one-time keyboard, used, is hidden."""
        chat_id = int(message["chat"]["id"])
        self.incoming[chat_id].append(message)
        self.received_at[(chat_id, int(message["message_id"]))] = self.now()
        self.force_replies.pop(chat_id, None)
        keyboard = self.keyboards.get(chat_id)
        if keyboard is not None and keyboard.get("one_time_keyboard"):
            del self.keyboards[chat_id]
        self._notify(chat_id)

    async def _changed_now(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----------------------------------------------------------------- methods
    async def _m_getme(self, params: JSON) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "督办",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_setwebhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        if not url:  # as Telegram: an empty URL removes the webhook
            return await self._m_deletewebhook(params)
        # Telegram delivers only to HTTPS; here, this machine's plain HTTP too (the tests').
        if not url.startswith(_WEB_APP_PREFIXES):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _WEBHOOK_SECRET.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        connections = int(params.get("max_connections") or 40)
        if not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be 1-100")
        allowed = params.get("allowed_updates")
        async with self._changed:
            if params.get("drop_pending_updates"):
                self._offset = self.last_update_id + 1
            self.webhook = Webhook(
                url, str(secret) if secret else None, list(allowed) if allowed else None,
                connections,
            )  # fmt: skip
            self._changed.notify_all()
        if self._delivering is None:
            self._client = aiohttp.ClientSession()
            self._delivering = asyncio.create_task(
                self._deliver_by_webhook(), name="webhook-delivery"
            )
        return True

    async def _m_deletewebhook(self, params: JSON) -> bool:
        async with self._changed:
            if params.get("drop_pending_updates"):
                self._offset = self.last_update_id + 1
            self.webhook = None
            self._changed.notify_all()
        return True

    async def _m_getwebhookinfo(self, params: JSON) -> JSON:
        hook = self.webhook
        info: JSON = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending_update_count,
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            failed = [d for d in self.deliveries if d.status != 200]
            if failed:
                info["last_error_date"] = int(time.time())
                info["last_error_message"] = _delivery_error(failed[-1].status)
        return info

    async def _deliver_by_webhook(self) -> None:
        """Telegram's side of a webhook: each pending update in turn, POSTed as JSON with the
        secret header; an answer of 200 confirms it, any other answer (or none) has it delivered
        again after a pause, and the updates after it wait (one connection, in order: a
        simplification of Telegram's several)."""
        pause = self.webhook_retry_seconds
        while True:
            async with self._changed:
                await self._changed.wait_for(
                    lambda: self._closing or (self.webhook is not None and bool(self._pending()))
                )
                if self._closing:
                    return
                hook, update = self.webhook, self._pending()[0]
            assert hook is not None
            status = await self._post(hook, update)
            self.deliveries.append(Delivery(update["update_id"], status, time.monotonic()))
            if status == 200:
                pause = self.webhook_retry_seconds
                async with self._changed:
                    self._offset = max(self._offset, update["update_id"] + 1)
                    self._changed.notify_all()
                continue
            await self._changed_now()
            await asyncio.sleep(pause)
            pause = min(pause * 2, self.webhook_retry_most_seconds)

    async def _post(self, hook: Webhook, update: JSON) -> int:
        assert self._client is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret
        try:
            async with self._client.post(
                hook.url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
                allow_redirects=False,
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0

    async def _m_setmycommands(self, params: JSON) -> bool:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands[(scope, params.get("language_code") or "")] = params["commands"]
        return True

    async def _m_deletemycommands(self, params: JSON) -> bool:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands.pop((scope, params.get("language_code") or ""), None)
        return True

    def menu(self, chat_id: int, language: str = "", group: bool = False) -> list[str]:
        return [c["command"] for c in self.menu_entries(chat_id, language, group)]

    def menu_entries(self, chat_id: int, language: str = "", group: bool = False) -> list[JSON]:
        """The commands a person whose app speaks `language` sees in the menu of a chat (a
        group's, with `group`), by Telegram's order of scopes: the chat's, then all private
        chats' (all groups'), then the default; each in the person's language first."""
        scopes = [{"type": "chat", "chat_id": chat_id}]
        scopes.append({"type": "all_group_chats" if group else "all_private_chats"})
        scopes.append({"type": "default"})
        for scope in scopes:
            for code in (language, ""):
                found = self.commands.get((json.dumps(scope, sort_keys=True), code))
                if found is not None:
                    return list(found)
        return []

    async def _m_getupdates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            if self.webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
            if offset:
                self._offset = max(self._offset, offset)
            if not self._pending() and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(
                            lambda: (
                                self._closing or self.webhook is not None or bool(self._pending())
                            )
                        ),
                        timeout,
                    )
            if self.webhook is not None:  # set while this call waited
                raise ApiError(409, WEBHOOK_CONFLICT)
            return self._pending()[:limit]

    async def _m_sendmessage(self, params: JSON) -> JSON:
        text = params.get("text") or ""
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        shown = visible_text(text, params.get("parse_mode"))
        if len(shown) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return await self._deliver(params, "text", shown, html_source=text)

    async def _m_sendphoto(self, params: JSON) -> JSON:
        caption = params.get("caption") or ""
        shown = visible_text(caption, params.get("parse_mode"))
        if len(shown) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        photo = params.get("photo")
        file_id = photo if isinstance(photo, str) else f"uploaded-{len(self.files)}"
        if isinstance(photo, bytes):
            self.files[file_id] = photo
        return await self._deliver(params, "photo", shown, html_source=caption, file_id=file_id)

    async def _m_sendmediagroup(self, params: JSON) -> list[JSON]:
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album")
        results = []
        album = f"album-{next(self._callback_ids)}"
        for item in media:
            caption = visible_text(item.get("caption") or "", item.get("parse_mode"))
            one = {k: v for k, v in params.items() if k != "media"}
            file_id = item.get("media")
            uploaded = params.get(str(file_id).removeprefix("attach://"))
            if isinstance(uploaded, bytes):  # sent with the request, as Telegram takes it
                file_id = f"uploaded-{len(self.files)}"
                self.files[file_id] = uploaded
            results.append(await self._deliver(one, "media", caption, file_id=file_id, album=album))
        return results

    async def _m_senddocument(self, params: JSON) -> JSON:
        document = params.get("document")
        data = document if isinstance(document, bytes) else None
        caption = visible_text(params.get("caption") or "", params.get("parse_mode"))
        message = await self._deliver(params, "document", caption)
        stored = self.messages[(message["chat"]["id"], message["message_id"])]
        stored.document = data
        stored.filename = params.get("_filename:document")
        if data is not None:  # downloadable, as a person's Telegram offers it
            stored.file_id = self.store_file(data, f"doc-{stored.chat_id}-{stored.message_id}")
        elif isinstance(document, str):
            stored.file_id = document
        message["document"]["file_id"] = stored.file_id or message["document"]["file_id"]
        return message

    async def _m_sendchataction(self, params: JSON) -> bool:
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.known_chats:
            raise ApiError(400, "Bad Request: chat not found")
        previous = self._actions.pop(chat_id, None)
        if previous is not None:
            previous[1].cancel()
        expiry = asyncio.get_running_loop().call_later(ACTION_SECONDS, self._end_action, chat_id)
        self._actions[chat_id] = (str(params["action"]), expiry)
        self._notify(chat_id)
        return True

    async def _m_sendlocation(self, params: JSON) -> JSON:
        latitude, longitude = float(params["latitude"]), float(params["longitude"])
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ApiError(400, "Bad Request: wrong coordinates")
        return await self._deliver(params, "location", f"{latitude},{longitude}")

    async def _m_editmessagetext(self, params: JSON) -> JSON:
        message = self._find(params)
        text = params.get("text") or ""
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        shown = visible_text(text, params.get("parse_mode"))
        if len(shown) > MAX_TEXT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = params.get("reply_markup")  # editing without a keyboard removes it
        if shown == message.text and markup == message.markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        _check_inline_markup(markup)
        message.history.append(message.text)
        message.text, message.html, message.markup = shown, text, markup
        message.parse_mode = params.get("parse_mode")
        message.edits += 1
        self._notify(message.chat_id)
        await self._changed_now()
        return self._as_json(message)

    async def _m_editmessagecaption(self, params: JSON) -> JSON:
        message = self._find(params)
        shown = visible_text(params.get("caption") or "", params.get("parse_mode"))
        _check_inline_markup(params.get("reply_markup"))
        message.history.append(message.text)
        message.text, message.markup = shown, params.get("reply_markup")
        message.html = params.get("caption") or ""
        message.parse_mode = params.get("parse_mode")
        message.edits += 1
        self._notify(message.chat_id)
        await self._changed_now()
        return self._as_json(message)

    async def _m_editmessagereplymarkup(self, params: JSON) -> JSON:
        message = self._find(params)
        markup = params.get("reply_markup")
        if markup == message.markup:
            raise ApiError(400, "Bad Request: message is not modified")
        _check_inline_markup(markup)
        message.markup = markup
        message.edits += 1
        self._notify(message.chat_id)
        await self._changed_now()
        return self._as_json(message)

    async def _m_deletemessage(self, params: JSON) -> bool:
        message = self._find(params)
        message.deleted = True
        self._notify(message.chat_id)
        await self._changed_now()
        return True

    async def _m_answercallbackquery(self, params: JSON) -> bool:
        query_id = str(params["callback_query_id"])
        if query_id in self.answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answers[query_id] = CallbackAnswer(params.get("text"), bool(params.get("show_alert")))
        await self._changed_now()
        return True

    async def _m_getfile(self, params: JSON) -> JSON:
        file_id = str(params["file_id"])
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_path": file_id}

    async def _m_setchatmenubutton(self, params: JSON) -> bool:
        """A private chat's menu button (without a chat, everyone's default): the commands,
        a Mini App (`web_app`, HTTPS only), or the default (`menu_button` left out)."""
        button = params.get("menu_button") or {"type": "default"}
        kind = button.get("type")
        if kind not in ("commands", "web_app", "default"):
            raise ApiError(400, "Bad Request: unsupported menu button type")
        if kind == "web_app":
            if not str(button.get("text") or "").strip():
                raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            _check_web_app(button.get("web_app"))
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = int(chat_id)
            if chat_id < 0:
                raise ApiError(400, "Bad Request: chat is not private")
        if kind == "default":
            self.menu_buttons.pop(chat_id, None)
        else:
            self.menu_buttons[chat_id] = button
        return True

    def menu_button(self, chat_id: int) -> JSON:
        """The menu button a private chat shows now: its own, else everyone's, else
        Telegram's default (the commands)."""
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "default"}

    async def _m_close(self, params: JSON) -> bool:
        return True

    # ----------------------------------------------------------------- helpers
    async def _deliver(
        self,
        params: JSON,
        kind: str,
        shown: str,
        html_source: str | None = None,
        file_id: str | None = None,
        album: str | None = None,
    ) -> JSON:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.known_chats:
            raise ApiError(400, "Bad Request: chat not found")
        markup = params.get("reply_markup")
        _check_markup(markup, private=chat_id > 0)
        reply = params.get("reply_parameters") or {}
        message = BotMessage(
            chat_id=chat_id,
            message_id=self.next_message_id(chat_id),
            kind=kind,
            text=shown,
            markup=markup,
            html=html_source,
            file_id=file_id,
            reply_to=reply.get("message_id") or params.get("reply_to_message_id"),
            at=self.now(),
            album=album,
            parse_mode=params.get("parse_mode"),
        )
        self.messages[(chat_id, message.message_id)] = message
        self.sent.append(message)
        self.by_chat[chat_id].append(message)
        if markup is not None and "keyboard" in markup:
            self.keyboards[chat_id] = markup
        elif markup is not None and markup.get("remove_keyboard"):
            self.keyboards.pop(chat_id, None)
        elif markup is not None and markup.get("force_reply"):
            self.force_replies[chat_id] = markup
        shown_action = self._actions.pop(chat_id, None)  # the bot's message ends its action
        if shown_action is not None:
            shown_action[1].cancel()
        self._notify(chat_id)
        await self._changed_now()
        return self._as_json(message)

    def _find(self, params: JSON) -> BotMessage:
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        message = self.messages.get(key)
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _as_json(self, message: BotMessage) -> JSON:
        data: JSON = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": message.chat_id, "type": "private" if message.chat_id > 0 else "group"},
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "督办",
                "username": self.username,
            },
        }
        if message.kind == "text":
            data["text"] = message.text
        elif message.kind in ("photo", "media"):
            data["photo"] = [
                {"file_id": message.file_id or "x", "file_unique_id": "u", "width": 1, "height": 1}
            ]
            if message.text:
                data["caption"] = message.text
        elif message.kind == "document":
            file_id = message.file_id or f"doc-{message.message_id}"
            data["document"] = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
            if message.text:
                data["caption"] = message.text
        elif message.kind == "location":
            lat, lon = message.text.split(",")
            data["location"] = {"latitude": float(lat), "longitude": float(lon)}
        if message.markup and "inline_keyboard" in message.markup:
            data["reply_markup"] = message.markup  # Telegram echoes inline keyboards only
        return data


def _check_markup(markup: JSON | None, *, private: bool) -> None:
    """Telegram's rules for the keyboard a message is sent with."""
    if not markup:
        return
    if "inline_keyboard" in markup:
        _check_inline_markup(markup)
        apps = [b for row in markup["inline_keyboard"] for b in row if "web_app" in b]
        if apps and not private:
            raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
        for button in apps:
            _check_web_app(button["web_app"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not rows or not all(rows):
            raise ApiError(400, "Bad Request: keyboard must be non-empty")
        if any(len(row) > MAX_REPLY_PER_ROW for row in rows) or (
            sum(map(len, rows)) > MAX_REPLY_BUTTONS
        ):
            raise ApiError(400, "Bad Request: reply markup is too long")
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else button.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise ApiError(400, "Bad Request: keyboard button text must be non-empty")
                asks = [k for k in _PRIVATE_ONLY if isinstance(button, dict) and button.get(k)]
                if asks and not private:
                    raise ApiError(
                        400, f"Bad Request: {asks[0]} buttons are allowed only in private chats"
                    )


# Telegram opens only HTTPS; the emulator, the playground's Telegram, opens this machine's
# plain HTTP too (the playground serves the dashboard itself, on the loopback).
_WEB_APP_PREFIXES = ("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")


def _check_web_app(web_app: object) -> None:
    """A Mini App's address: HTTPS (or, here alone, this machine's)."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url.startswith(_WEB_APP_PREFIXES):
        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")


def _check_inline_markup(markup: JSON | None) -> None:
    """An inline keyboard's shape and buttons; edits take no other kind of keyboard."""
    if not markup:
        return
    if "inline_keyboard" not in markup:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    rows = markup["inline_keyboard"]
    if any(len(row) > MAX_INLINE_PER_ROW for row in rows) or (
        sum(map(len, rows)) > MAX_INLINE_BUTTONS
    ):
        raise ApiError(400, "Bad Request: reply markup is too long")
    for row in rows:
        for button in row:
            if not str(button.get("text") or "").strip():
                raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            actions = [k for k in _INLINE_ACTIONS if k in button]
            if len(actions) != 1:
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: Text buttons are"
                    " unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


async def _read_params(request: web.Request) -> JSON:
    params: JSON = {}
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = value.file.read()
            # aiohttp's client percent-encodes a name that is not ASCII (RFC 7578 allows it)
            params[f"_filename:{key}"] = urllib.parse.unquote(value.filename)
        elif key in _STRING_PARAMS:
            params[key] = value
        else:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
    for key, value in request.query.items():
        params.setdefault(key, value)
    return params


def _delivery_error(status: int) -> str:
    """getWebhookInfo's last_error_message, in Telegram's words."""
    if status == 0:
        return "Connection refused"
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"Wrong response from the webhook: {status} {phrase}"


def _describe_status(status: int) -> str:
    return {
        429: "Too Many Requests: retry after",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
    }.get(status, "Error")


def _error(exc: ApiError) -> web.Response:
    body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.retry_after is not None:
        body["parameters"] = {"retry_after": exc.retry_after}
        body["description"] = f"Too Many Requests: retry after {exc.retry_after}"
    return web.json_response(body, status=exc.code)
