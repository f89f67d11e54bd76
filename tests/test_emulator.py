"""The emulator keeps the rules Telegram enforces on keyboards, and shows what a chat shows:
the reply keyboard in force, a force reply, the chat action, people's photos and the bot's
files; it tells listeners of every change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

import emulator.server
from emulator import BotApiEmulator, EmulatedGroup, EmulatedUser

PERSON, GROUP = 7001, -7002


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def person(api: BotApiEmulator) -> EmulatedUser:
    someone = EmulatedUser(api, PERSON, "试用")
    await someone.send("/start")
    return someone


async def call(
    http: aiohttp.ClientSession, api: BotApiEmulator, method: str, **params: Any
) -> dict[str, Any]:
    async with http.post(f"{api.base_url}{api.token}/{method}", json=params) as answer:
        result: dict[str, Any] = await answer.json()
        return result


def inline(rows: int, per_row: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": f"{r}-{c}", "callback_data": f"{r}:{c}"} for c in range(per_row)]
            for r in range(rows)
        ]
    }


async def test_an_inline_keyboard_holds_at_most_100_buttons_8_to_a_row(
    api: BotApiEmulator, http: aiohttp.ClientSession, person: EmulatedUser
) -> None:
    fits = await call(
        http, api, "sendMessage", chat_id=PERSON, text="a", reply_markup=inline(12, 8)
    )
    too_wide = await call(
        http, api, "sendMessage", chat_id=PERSON, text="b", reply_markup=inline(1, 9)
    )
    too_many = await call(http, api, "sendMessage", chat_id=PERSON, text="c", reply_markup=inline(13, 8))  # fmt: skip

    assert fits["ok"], fits
    for refused in (too_wide, too_many):
        assert refused["error_code"] == 400
        assert "reply markup is too long" in refused["description"]


@pytest.mark.parametrize(
    ("button", "complaint"),
    [
        ({"text": "", "callback_data": "x"}, "BUTTON_TEXT_INVALID"),
        ({"text": "  ", "url": "https://example.org"}, "BUTTON_TEXT_INVALID"),
        ({"text": "签收"}, "Text buttons are unallowed"),
        ({"text": "签收", "callback_data": "x", "url": "https://example.org"}, "unallowed"),
        ({"text": "签收", "callback_data": "x" * 65}, "BUTTON_DATA_INVALID"),
    ],
)
async def test_each_inline_button_has_text_and_does_exactly_one_thing(
    api: BotApiEmulator,
    http: aiohttp.ClientSession,
    person: EmulatedUser,
    button: dict[str, str],
    complaint: str,
) -> None:
    markup = {"inline_keyboard": [[button]]}
    answer = await call(http, api, "sendMessage", chat_id=PERSON, text="a", reply_markup=markup)
    assert answer["error_code"] == 400 and complaint in answer["description"]
    assert api.chat(PERSON) == []


async def test_a_reply_keyboard_asks_for_a_location_only_in_a_private_chat(
    api: BotApiEmulator, http: aiohttp.ClientSession, person: EmulatedUser
) -> None:
    EmulatedGroup(api, GROUP, "群")
    markup = {"keyboard": [[{"text": "📍 位置", "request_location": True}]]}
    private = await call(http, api, "sendMessage", chat_id=PERSON, text="a", reply_markup=markup)
    group = await call(http, api, "sendMessage", chat_id=GROUP, text="a", reply_markup=markup)
    empty = await call(
        http, api, "sendMessage", chat_id=PERSON, text="a", reply_markup={"keyboard": [[""]]}
    )

    assert private["ok"]
    assert group["error_code"] == 400 and "only in private chats" in group["description"]
    assert empty["error_code"] == 400
    assert GROUP not in api.keyboards


async def test_an_edit_takes_only_an_inline_keyboard(
    api: BotApiEmulator, http: aiohttp.ClientSession, person: EmulatedUser
) -> None:
    sent = await call(http, api, "sendMessage", chat_id=PERSON, text="a")
    edited = await call(
        http, api, "editMessageText", chat_id=PERSON,
        message_id=sent["result"]["message_id"], text="b",
        reply_markup={"keyboard": [["是"]]},
    )  # fmt: skip
    assert edited["error_code"] == 400 and "inline keyboard expected" in edited["description"]


async def test_the_reply_keyboard_stays_until_removed_and_a_one_time_one_until_used(
    api: BotApiEmulator, http: aiohttp.ClientSession, person: EmulatedUser
) -> None:
    lasting = {"keyboard": [["是", "否"]]}
    await call(http, api, "sendMessage", chat_id=PERSON, text="a", reply_markup=lasting)
    await call(http, api, "sendMessage", chat_id=PERSON, text="b")  # no keyboard: it stays
    await person.send("是")
    kept = api.keyboards.get(PERSON)
    await call(
        http, api, "sendMessage", chat_id=PERSON, text="c", reply_markup={"remove_keyboard": True}
    )
    removed = api.keyboards.get(PERSON)
    once = {"keyboard": [["好"]], "one_time_keyboard": True}
    await call(http, api, "sendMessage", chat_id=PERSON, text="d", reply_markup=once)
    shown = api.keyboards.get(PERSON)
    await person.send("好")

    assert kept == lasting and removed is None and shown == once
    assert PERSON not in api.keyboards
    assert [m["text"] for m in api.incoming[PERSON]] == ["/start", "是", "好"]


async def test_a_force_reply_waits_for_the_persons_next_message(
    api: BotApiEmulator, http: aiohttp.ClientSession, person: EmulatedUser
) -> None:
    force = {"force_reply": True, "input_field_placeholder": "2611-0001"}
    await call(http, api, "sendMessage", chat_id=PERSON, text="为什么？", reply_markup=force)
    waiting = api.force_replies.get(PERSON)
    await person.send("不归我们管")
    assert waiting == force and PERSON not in api.force_replies


async def test_a_chat_action_ends_with_the_next_message_or_after_its_seconds(
    api: BotApiEmulator,
    http: aiohttp.ClientSession,
    person: EmulatedUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changes: asyncio.Queue[int] = asyncio.Queue()
    stop = api.listen(changes.put_nowait)
    await call(http, api, "sendChatAction", chat_id=PERSON, action="upload_document")
    during = api.action(PERSON)
    await call(http, api, "sendMessage", chat_id=PERSON, text="好了")
    after_message = api.action(PERSON)

    monkeypatch.setattr(emulator.server, "ACTION_SECONDS", 0.05)
    await call(http, api, "sendChatAction", chat_id=PERSON, action="typing")
    typing = api.action(PERSON)
    while not changes.empty():
        changes.get_nowait()
    assert await asyncio.wait_for(changes.get(), 5) == PERSON  # it expired on its own
    stop()

    assert (during, after_message, typing) == ("upload_document", None, "typing")
    assert api.action(PERSON) is None


async def test_listeners_hear_of_every_change_to_a_chat(
    api: BotApiEmulator, http: aiohttp.ClientSession, person: EmulatedUser
) -> None:
    heard: list[int] = []
    stop = api.listen(heard.append)
    sent = await call(http, api, "sendMessage", chat_id=PERSON, text="a", reply_markup=inline(1, 1))
    message_id = sent["result"]["message_id"]
    await call(http, api, "editMessageText", chat_id=PERSON, message_id=message_id, text="b")
    await call(http, api, "deleteMessage", chat_id=PERSON, message_id=message_id)
    await person.send("你好")
    stop()
    await person.send("没人听")
    assert heard == [PERSON] * 4


async def test_a_persons_photo_and_the_bots_document_can_be_downloaded(
    api: BotApiEmulator, http: aiohttp.ClientSession, person: EmulatedUser
) -> None:
    picture = b"\x89PNG\r\n\x1a\n a small picture"
    await person.send_photo("street-light", "路灯不亮", data=picture)
    found = await call(http, api, "getFile", file_id="street-light")
    url = f"{api.base_url.removesuffix('/bot')}/file/bot{api.token}/{found['result']['file_path']}"
    async with http.get(url) as download:
        downloaded = await download.read()

    form = aiohttp.FormData()
    form.add_field("chat_id", str(PERSON))
    form.add_field("document", b"PK workbook", filename="工单.xlsx")
    async with http.post(f"{api.base_url}{api.token}/sendDocument", data=form) as answer:
        document = (await answer.json())["result"]["document"]

    assert downloaded == picture and api.files["street-light-small"] == picture
    assert api.files[document["file_id"]] == b"PK workbook"
    assert api.chat(PERSON)[-1].filename == "工单.xlsx"


async def test_a_chat_keeps_the_menu_button_it_was_given_and_only_https_mini_apps(
    api: BotApiEmulator, http: aiohttp.ClientSession, person: EmulatedUser
) -> None:
    def app(url: str) -> dict[str, Any]:
        return {"type": "web_app", "text": "📊 数据看板", "web_app": {"url": url}}

    https = app("https://duban.example.gov.cn/dashboard/")
    given = await call(http, api, "setChatMenuButton", chat_id=person.id, menu_button=https)
    plain = await call(http, api, "setChatMenuButton", chat_id=person.id,
                       menu_button=app("http://duban.example.gov.cn/"))  # fmt: skip
    api.known_chats.add(-1001)
    in_a_group = await call(http, api, "sendMessage", chat_id=-1001, text="看板", reply_markup={
        "inline_keyboard": [[{"text": "📊", "web_app": {"url": https["web_app"]["url"]}}]]
    })  # fmt: skip
    kept = api.menu_button(person.id)
    await call(http, api, "setChatMenuButton", chat_id=person.id)  # back to the default

    assert given == {"ok": True, "result": True} and kept == https
    assert plain["description"] == "Bad Request: BUTTON_URL_INVALID"
    assert in_a_group["description"] == "Bad Request: BUTTON_TYPE_INVALID"
    assert api.menu_button(person.id) == {"type": "default"}
