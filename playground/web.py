"""The page's server: the phones' chats as JSON, what a person does in them, the clock, Reset,
and /api/live, a WebSocket that says what changed."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import mimetypes
import urllib.parse
import uuid
import weakref
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, ClientError, ClientSession, WSCloseCode, WSMsgType, web
from babel.dates import format_datetime

from casework.organisation import LANGUAGES
from emulator import BotMessage, sign_init_data
from emulator.server import _ALLOWED_TAGS
from playground.runner import MOVES, TELEGRAM_LANGUAGE, TOKEN, Person, Playground
from playground.strings import page_strings
from rendering.i18n import N_, texts

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
PLAYGROUND: web.AppKey[Playground] = web.AppKey("playground", Playground)
EXPOSED: web.AppKey[bool] = web.AppKey("exposed", bool)
SOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("sockets", weakref.WeakSet)
ANSWER_SECONDS = 10.0  # how long a press waits for the bot's answer
MAX_UPLOAD = 10 * 1024 * 1024
_LINK_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def make_app(playground: Playground, *, exposed: bool = False) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD)
    app[PLAYGROUND] = playground
    app[EXPOSED] = exposed
    app[SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(_close_sockets)
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/chats/{chat_id}", _chat)
    app.router.add_post("/api/chats/{chat_id}/send", _send)
    app.router.add_post("/api/chats/{chat_id}/press", _press)
    app.router.add_post("/api/chats/{chat_id}/photo", _photo)
    app.router.add_post("/api/chats/{chat_id}/location", _location)
    app.router.add_post("/api/chats/{chat_id}/contact", _contact)
    app.router.add_post("/api/chats/{chat_id}/language", _language)
    app.router.add_get("/api/files/{file_id}", _file)
    app.router.add_post("/api/clock", _clock)
    app.router.add_post("/api/reset", _reset)
    app.router.add_post("/api/drills/{drill_id}/start", _start_drill)
    app.router.add_get("/api/drills/current", _current_drill)
    app.router.add_get("/api/live", _live)
    app.router.add_post("/api/chats/{chat_id}/dashboard", _open_dashboard)
    app.router.add_get("/dashboard", _to_the_dashboard)
    app.router.add_get("/dashboard/{rest:.*}", _dashboard)
    return app


class Refused(web.HTTPException):
    """A 4xx with `{"error": "<words for a person>", "errors": {"zh": …, "en": …}}`: the words
    (a catalog's message id) in each language, for the page to show in its own."""

    def __init__(self, status: int, error: str) -> None:
        self.status_code = status
        words = {language: str(texts(language)._(error)) for language in LANGUAGES}
        body = {"error": words["zh"], "errors": words}
        super().__init__(text=json.dumps(body, ensure_ascii=False), content_type="application/json")


# ----------------------------------------------------------------------------- reading
async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def _state(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    page = playground.district.page
    return web.json_response(
        {
            "clock": await clock_json(playground),
            "exposed": request.app[EXPOSED],
            "strings": page_strings(),
            "people": [person_json(playground, p) for p in playground.people],
            "places": page.get("places", []),
            "contacts": page.get("contacts", []),
            "map": page.get("map"),
            "samples": [
                {
                    "key": s["key"],
                    "name": s["name"]["zh"],
                    "names": s["name"],
                    "url": f"/static/samples/{s['file']}",
                }
                for s in page.get("samples", [])
            ],
            "drills": [{"id": d.id, "title": dict(d.title)} for d in playground.drills],
        }
    )


async def clock_json(playground: Playground) -> dict[str, Any]:
    zone = playground.clock.zone
    now = playground.clock.now().astimezone(zone)
    deadline = await playground.next_deadline()
    return {
        "now": now.isoformat(timespec="seconds"),
        "shown": format_datetime(now, "M月d日 EEE HH:mm", locale="zh_CN"),
        "shown_en": format_datetime(now, "EEE d MMM HH:mm", locale="en"),
        "next_deadline": deadline.astimezone(zone).isoformat(timespec="seconds")
        if deadline
        else None,
    }


def person_json(playground: Playground, person: Person) -> dict[str, Any]:
    group = person.kind == "group"
    menu = playground.api.menu_entries(person.chat_id, person.language, group=group)
    shown: dict[str, Any] = {
        "key": person.key,
        "chat_id": person.chat_id,
        "name": person.name,
        "role": person.role["zh"],
        "roles": person.role,
        "kind": person.kind,
        "language": person.language,
        "commands": [{"command": c["command"], "description": c["description"]} for c in menu],
        "dashboard": playground.opens_dashboard(person),
    }
    if person.member is not None:
        shown["member"] = person.member
    return shown


async def _chat(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    person = _person(request)
    return web.json_response(chat_json(playground, person))


def chat_json(playground: Playground, person: Person) -> dict[str, Any]:
    api, chat_id = playground.api, person.chat_id
    zone = playground.clock.zone
    shown: list[tuple[int, dict[str, Any]]] = []
    albums: dict[str, dict[str, Any]] = {}
    for message in api.by_chat.get(chat_id, []):
        item = _bot_message(message, zone)
        if message.album is not None and not message.deleted:
            first = albums.get(message.album)
            if first is not None:  # one bubble for the album, as Telegram shows it
                first["photos"].append(item["photo"])
                first["html"] = first["html"] or item["html"]
                continue
            item["photos"] = [item["photo"]]
            albums[message.album] = item
        shown.append((message.message_id, item))
    for sent in api.incoming.get(chat_id, []):
        at = api.received_at.get((chat_id, int(sent["message_id"])))
        shown.append((int(sent["message_id"]), _person_message(sent, person, at, zone)))
    keyboard = api.keyboards.get(chat_id)
    force = api.force_replies.get(chat_id)
    return {
        "messages": [item for _, item in sorted(shown, key=lambda pair: pair[0])],
        "action": api.action(chat_id),
        "reply_keyboard": _keyboard(keyboard) if keyboard else None,
        "force_reply": {"placeholder": force.get("input_field_placeholder")} if force else None,
    }


def _bot_message(message: BotMessage, zone: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": message.message_id,
        "from": "bot",
        "html": "",
        "photo": None,
        "photos": None,
        "document": None,
        "location": None,
        "contact": None,
        "buttons": [],
        "edited": message.edits > 0,
        "deleted": message.deleted,
        "at": message.at.astimezone(zone).strftime("%H:%M") if message.at else None,
        "reply_to": message.reply_to,
    }
    if message.deleted:  # gone from the chat, as on Telegram
        return item
    if message.kind == "location":
        latitude, longitude = message.text.split(",")
        item["location"] = {"latitude": float(latitude), "longitude": float(longitude)}
    else:
        item["html"] = safe_html(message.html, message.parse_mode, message.text)
    if message.kind in ("photo", "media") and message.file_id:
        item["photo"] = _file_url(message.file_id)
    if message.kind == "document" and message.file_id:
        name = message.filename or "file"
        item["document"] = {"name": name, "url": _file_url(message.file_id)}
    for row in (message.markup or {}).get("inline_keyboard", []):
        item["buttons"].append(
            [
                {"text": b["text"], "url": b["url"]}
                if "url" in b
                else {"text": b["text"], "data": b.get("callback_data")}
                for b in row
            ]
        )
    return item


def _person_message(
    sent: dict[str, Any], person: Person, at: datetime | None, zone: Any
) -> dict[str, Any]:
    sender = sent.get("from", {})
    mine = sender.get("id") == person.user.id
    photo = sent.get("photo")
    location = sent.get("location")
    contact = sent.get("contact")
    reply = sent.get("reply_to_message")
    return {
        "id": int(sent["message_id"]),
        "from": "me" if mine else sender.get("first_name", ""),
        "html": html.escape(sent.get("text") or sent.get("caption") or ""),
        "photo": _file_url(photo[-1]["file_id"]) if photo else None,
        "photos": None,
        "document": None,
        "location": dict(location, **_venue(sent)) if location else None,
        "contact": contact,
        "buttons": [],
        "edited": False,
        "deleted": False,
        "at": at.astimezone(zone).strftime("%H:%M") if at else None,
        "reply_to": reply.get("message_id") if reply else None,
    }


def _venue(sent: dict[str, Any]) -> dict[str, str]:
    venue = sent.get("venue")
    return {"title": venue["title"], "address": venue["address"]} if venue else {}


def _keyboard(markup: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for row in markup["keyboard"]:
        buttons = []
        for button in row:
            b = {"text": button} if isinstance(button, str) else button
            shown: dict[str, Any] = {"text": b["text"]}
            for asks in ("request_location", "request_contact"):
                if b.get(asks):
                    shown[asks] = True
            buttons.append(shown)
        rows.append(buttons)
    return {
        "rows": rows,
        "one_time": bool(markup.get("one_time_keyboard")),
        "placeholder": markup.get("input_field_placeholder"),
    }


def _file_url(file_id: str) -> str:
    return f"/api/files/{urllib.parse.quote(file_id, safe='')}"


class _Sanitiser(HTMLParser):
    """Telegram's HTML as the page may show it: its tags only, links only to the web or to
    Telegram, every other attribute dropped, the text escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            return
        kept = ""
        values = dict(attrs)
        if tag == "a":
            href = values.get("href") or ""
            if href.startswith(_LINK_SCHEMES):
                safe = html.escape(href, quote=True)
                kept = f' href="{safe}" target="_blank" rel="noopener noreferrer"'
        elif tag == "span" and values.get("class") == "tg-spoiler":
            kept = ' class="tg-spoiler"'
        self.out.append(f"<{tag}{kept}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _ALLOWED_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))


def safe_html(source: str | None, parse_mode: str | None, text: str) -> str:
    if source is None or (parse_mode or "").upper() != "HTML":
        return html.escape(text, quote=False)
    sanitiser = _Sanitiser()
    sanitiser.feed(source)
    sanitiser.close()
    return "".join(sanitiser.out)


async def _file(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    file_id = request.match_info["file_id"]
    data = playground.api.files.get(file_id)
    if data is None:
        raise Refused(404, N_("No such file"))
    document = next(
        (m for m in playground.api.sent if m.kind == "document" and m.file_id == file_id), None
    )
    headers = {"Cache-Control": "private, max-age=3600"}
    if document is not None:
        name = document.filename or "file"
        quoted = urllib.parse.quote(name)
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quoted}"
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    else:
        kind = _image_type(data)
    return web.Response(body=data, content_type=kind, headers=headers)


def _image_type(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


# ----------------------------------------------------------------------------- acting
def _person(request: web.Request) -> Person:
    try:
        chat_id = int(request.match_info["chat_id"])
    except ValueError:
        raise Refused(404, N_("No such chat")) from None
    person = request.app[PLAYGROUND].person(chat_id)
    if person is None:
        raise Refused(404, N_("No such chat"))
    return person


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, N_("The request is not JSON")) from None
    if not isinstance(body, dict):
        raise Refused(400, N_("The request is not a JSON object"))
    return body


async def _send(request: web.Request) -> web.Response:
    playground, person = request.app[PLAYGROUND], _person(request)
    body = await _body(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Refused(400, N_("Nothing to send"))
    if len(text) > 4096:
        raise Refused(400, N_("A message is at most 4096 characters"))
    reply_to = _replied(playground, person, body.get("reply_to"))
    await person.user.send(text, chat=person.group, reply_to=reply_to)
    return web.json_response({})


def _replied(playground: Playground, person: Person, message_id: object) -> BotMessage | None:
    if not isinstance(message_id, int):
        return None
    return playground.api.messages.get((person.chat_id, message_id))


async def _press(request: web.Request) -> web.Response:
    playground, person = request.app[PLAYGROUND], _person(request)
    body = await _body(request)
    message = playground.api.messages.get((person.chat_id, body.get("message_id")))  # type: ignore[arg-type]
    data = body.get("data")
    if message is None or message.deleted:
        raise Refused(404, N_("That message is gone"))
    if not isinstance(data, str):
        raise Refused(400, N_("No button data"))
    api = playground.api
    query_id = await person.user.tap(message, data)
    with contextlib.suppress(AssertionError):  # no answer in time: the page shows none
        await api.wait_until(lambda: query_id in api.answers, ANSWER_SECONDS)
    answer = api.answers.get(query_id)
    shown = {"text": answer.text, "show_alert": answer.show_alert} if answer else None
    return web.json_response({"answer": shown})


async def _photo(request: web.Request) -> web.Response:
    playground, person = request.app[PLAYGROUND], _person(request)
    caption: str | None = None
    if request.content_type.startswith("multipart/"):
        data: bytes | None = None
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "caption":
                caption = await part.text()
            elif part.name in ("photo", "file"):
                data = bytes(await part.read(decode=False))
        if not data:
            raise Refused(400, N_("No picture in the upload"))
        if _image_type(data) == "application/octet-stream":
            raise Refused(400, N_("Only JPEG, PNG or WebP pictures"))
    else:
        body = await _body(request)
        sample = next(
            (
                s
                for s in playground.district.page.get("samples", [])
                if s["key"] == body.get("sample")
            ),
            None,
        )
        if sample is None:
            raise Refused(404, N_("No such sample picture"))
        data = (STATIC / "samples" / sample["file"]).read_bytes()
        caption = body.get("caption") if isinstance(body.get("caption"), str) else None
    file_id = f"photo-{uuid.uuid4().hex}"
    await person.user.send_photo(file_id, caption or None, chat=person.group, data=data)
    return web.json_response({})


async def _location(request: web.Request) -> web.Response:
    person = _person(request)
    body = await _body(request)
    try:
        latitude, longitude = float(body["latitude"]), float(body["longitude"])
    except (KeyError, TypeError, ValueError):
        raise Refused(400, N_("A location needs a latitude and a longitude")) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Refused(400, N_("No such place on Earth"))
    title, address = body.get("title"), body.get("address")
    places = request.app[PLAYGROUND].district.page.get("places", [])
    place = next((p for p in places if p["name"] == title), None)
    if place is not None:  # one of the district's named places: its own address
        address = place.get("address") or address
    if isinstance(title, str) and title:
        where = address if isinstance(address, str) and address and address != title else ""
        await person.user.share_venue(latitude, longitude, title, where, chat=person.group)
    else:
        await person.user.share_location(latitude, longitude, chat=person.group)
    return web.json_response({})


async def _contact(request: web.Request) -> web.Response:
    """The person's own contact (a reply keyboard's "share contact": a made-up number, as the
    whole playground), or a citizen's card from the district's sample contacts."""
    playground, person = request.app[PLAYGROUND], _person(request)
    if person.kind != "private":
        raise Refused(400, N_("A contact is shared in a private chat"))
    body = await _body(request)
    if "phone" in body or "name" in body:
        card = next(
            (
                c
                for c in playground.district.page.get("contacts", [])
                if c["phone"] == body.get("phone") and c["name"] == body.get("name")
            ),
            None,
        )
        if card is None:
            raise Refused(404, N_("No such contact card"))
        await person.user.send_contact(card["phone"], card["name"])
        return web.json_response({})
    phone = f"+86 138 0000 {person.user.id % 10000:04d}"
    await person.user.send_contact(phone, person.user.first_name, own=True)
    return web.json_response({})


async def _language(request: web.Request) -> web.Response:
    playground, person = request.app[PLAYGROUND], _person(request)
    body = await _body(request)
    language = body.get("language")
    if language not in TELEGRAM_LANGUAGE:
        raise Refused(400, N_("The language is zh or en"))
    person.user.language_code = TELEGRAM_LANGUAGE[language]
    for same in playground.people:  # the person's other panes (a group they type in)
        if same.user is person.user:
            playground.events.publish({"type": "chat", "chat_id": same.chat_id})
    return web.json_response({})


async def _clock(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    body = await _body(request)
    move = body.get("move")
    if move not in MOVES:
        raise Refused(400, N_("The clock moves by hour, day, morning or deadline"))
    await playground.move_clock(move)
    return web.json_response(await clock_json(playground))


async def _reset(request: web.Request) -> web.Response:
    await request.app[PLAYGROUND].reset()
    return web.json_response({})


async def _start_drill(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    drill = playground.drill(request.match_info["drill_id"])
    if drill is None:
        raise Refused(404, N_("No such drill"))
    return web.json_response(await playground.start_drill(drill))


async def _current_drill(request: web.Request) -> web.Response:
    return web.json_response(await request.app[PLAYGROUND].drill_progress())


async def _close_sockets(app: web.Application) -> None:
    """At a stop, the pages' live connections end at once (the page says it lost the
    playground and tries again), rather than holding the stop up for a minute."""
    sockets: weakref.WeakSet[web.WebSocketResponse] = app[SOCKETS]
    for socket in list(sockets):
        await socket.close(code=WSCloseCode.GOING_AWAY)


async def _live(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(heartbeat=30)
    await socket.prepare(request)
    request.app[SOCKETS].add(socket)
    queue, stop = request.app[PLAYGROUND].events.subscribe()

    async def forward() -> None:
        while True:
            await socket.send_json(await queue.get())

    forwarding = asyncio.create_task(forward())
    try:
        async for message in socket:  # the page says nothing; this ends when it goes
            if message.type == WSMsgType.ERROR:
                break
    finally:
        stop()
        forwarding.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await forwarding
    return socket


# ----------------------------------------------------------------------------- the dashboard
async def _open_dashboard(request: web.Request) -> web.Response:
    """📊 in a coordinator's or a head's chat: the address of the dashboard as Telegram opens
    it, with the init data it signs for this person (by the bot's clock) in the fragment."""
    playground = request.app[PLAYGROUND]
    person = _person(request)
    if not playground.opens_dashboard(person):
        raise Refused(403, N_("Only coordinators and department heads have the dashboard."))
    init = sign_init_data(TOKEN, person.user.as_user(), playground.clock.now(), chat_type="sender")
    fragment = urllib.parse.urlencode(
        {"tgWebAppData": init, "tgWebAppVersion": "8.0", "tgWebAppPlatform": "web"},
        quote_via=urllib.parse.quote,
    )
    return web.json_response({"url": f"/dashboard/#{fragment}"})


async def _to_the_dashboard(request: web.Request) -> web.Response:
    raise web.HTTPFound("/dashboard/")


async def _dashboard(request: web.Request) -> web.Response:
    """The dashboard the bot serves (on the loopback, a port of its own), passed on as it is:
    the page and its data at the playground's own address, as a reverse proxy would."""
    port = request.app[PLAYGROUND].dashboard_port
    if port is None:  # the bot is restarting (Reset)
        raise web.HTTPServiceUnavailable()
    url = f"http://127.0.0.1:{port}/dashboard/{request.match_info['rest']}"
    headers = (
        {"Authorization": request.headers["Authorization"]}
        if "Authorization" in request.headers
        else {}
    )
    try:
        async with (
            ClientSession() as session,
            session.get(url, params=request.query, headers=headers, allow_redirects=False) as got,
        ):
            body = await got.read()
            passed = {
                name: got.headers[name]
                for name in ("Content-Type", "Cache-Control", "Location")
                if name in got.headers
            }
            return web.Response(status=got.status, body=body, headers=passed)
    except ClientError:
        raise web.HTTPBadGateway() from None
