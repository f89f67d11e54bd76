"""People who talk to the bot through the emulator: they type, press, share and read."""

from __future__ import annotations

import time
from typing import Any

from emulator.server import BotApiEmulator, BotMessage, CallbackAnswer

JSON = dict[str, Any]


class EmulatedGroup:
    """A group chat the bot is in (a department's group)."""

    def __init__(self, api: BotApiEmulator, chat_id: int, title: str) -> None:
        assert chat_id < 0, "group chat ids are negative"
        self.api, self.chat_id, self.title = api, chat_id, title
        api.known_chats.add(chat_id)

    def as_chat(self) -> JSON:
        return {"id": self.chat_id, "type": "supergroup", "title": self.title}

    @property
    def messages(self) -> list[BotMessage]:
        return self.api.chat(self.chat_id)

    @property
    def last(self) -> BotMessage:
        assert self.messages, f"the bot sent nothing to {self.title}"
        return self.messages[-1]


class EmulatedUser:
    """A Telegram user. In a private chat, the chat id is the user id."""

    def __init__(
        self,
        api: BotApiEmulator,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> None:
        self.api, self.id = api, user_id
        self.first_name, self.last_name = first_name, last_name
        self.language_code = language_code
        self.sent: list[JSON] = []  # the messages this person sent, oldest first

    @property
    def chat_id(self) -> int:
        return self.id

    def as_user(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def as_chat(self) -> JSON:
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    # ------------------------------------------------------------------ acting
    async def send(
        self, text: str, *, chat: EmulatedGroup | None = None, reply_to: BotMessage | None = None
    ) -> int:
        """Type a message (a command if it starts with /) and send it."""
        message = self._message(chat)
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        if reply_to is not None:
            message["reply_to_message"] = self.api._as_json(reply_to)
        return await self._push(message)

    async def edit(self, original: str, text: str) -> int:
        """Edit the last message this person sent with the text `original` (Telegram then
        sends the bot an `edited_message` with the same message id)."""
        sent = next(m for m in reversed(self.sent) if m.get("text") == original)
        edited = {**sent, "text": text, "edit_date": int(time.time())}
        if text.startswith("/"):
            length = len(text.split()[0].encode("utf-16-le")) // 2
            edited["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        else:
            edited.pop("entities", None)
        return await self.api.push_update({"edited_message": edited})

    async def send_photo(
        self,
        file_id: str,
        caption: str | None = None,
        *,
        chat: EmulatedGroup | None = None,
        reply_to: BotMessage | None = None,
        data: bytes | None = None,
    ) -> int:
        """Send a photo; with `data`, its bytes are kept as Telegram's servers keep them (under
        `file_id` and its small size's id), for whoever shows or downloads it."""
        if data is not None:
            self.api.store_file(data, file_id)
            self.api.store_file(data, f"{file_id}-small")
        message = self._message(chat)
        if reply_to is not None:
            message["reply_to_message"] = self.api._as_json(reply_to)
        message["photo"] = [
            {
                "file_id": f"{file_id}-small",
                "file_unique_id": f"{file_id}-s",
                "width": 90,
                "height": 90,
            },
            {"file_id": file_id, "file_unique_id": file_id, "width": 1280, "height": 960},
        ]
        if caption is not None:
            message["caption"] = caption
        return await self._push(message)

    async def share_location(
        self, latitude: float, longitude: float, *, chat: EmulatedGroup | None = None
    ) -> int:
        message = self._message(chat)
        message["location"] = {"latitude": latitude, "longitude": longitude}
        return await self._push(message)

    async def share_venue(
        self,
        latitude: float,
        longitude: float,
        title: str,
        address: str,
        *,
        chat: EmulatedGroup | None = None,
    ) -> int:
        """A place chosen on Telegram's map: the pin with its name and address."""
        message = self._message(chat)
        where = {"latitude": latitude, "longitude": longitude}
        message["location"] = where
        message["venue"] = {"location": where, "title": title, "address": address}
        return await self._push(message)

    async def send_contact(self, phone_number: str, first_name: str, *, own: bool = False) -> int:
        """Share a contact; `own`: one's own, as the "share my contact" button sends it."""
        message = self._message(None)
        message["contact"] = {"phone_number": phone_number, "first_name": first_name}
        if own:
            message["contact"]["user_id"] = self.id
        return await self._push(message)

    async def press(self, message: BotMessage, label: str) -> CallbackAnswer | None:
        """Press the inline button whose text contains `label`; return the bot's answer."""
        data = message.button(label).callback_data
        assert data is not None, f"{label!r} is not a callback button"
        return await self.press_data(message, data)

    async def press_data(self, message: BotMessage, data: str) -> CallbackAnswer | None:
        """Press a button with exactly this callback data (as a forged client could)."""
        query_id = await self.tap(message, data)
        return self.api.answers.get(query_id)

    async def tap(self, message: BotMessage, data: str) -> str:
        """Press a button with this callback data; the query's id, to wait for its answer."""
        query_id = self.api.next_callback_id()
        update = {
            "callback_query": {
                "id": query_id,
                "from": self.as_user(),
                "message": self.api._as_json(message),
                "chat_instance": f"ci-{message.chat_id}",
                "data": data,
            }
        }
        self.api.known_chats.add(self.id)
        await self.api.push_update(update)
        return query_id

    # ----------------------------------------------------------------- reading
    @property
    def messages(self) -> list[BotMessage]:
        """What the bot sent to this person, oldest first."""
        return self.api.chat(self.id)

    @property
    def last(self) -> BotMessage:
        assert self.messages, f"the bot sent nothing to {self.first_name}"
        return self.messages[-1]

    def texts(self) -> list[str]:
        return [m.text for m in self.messages]

    async def wait_for(self, contains: str, timeout: float = 10.0) -> BotMessage:
        """The first message to this person containing `contains`, waiting if need be."""

        def found() -> bool:
            return any(contains in m.text for m in self.messages)

        await self.api.wait_until(found, timeout)
        return next(m for m in self.messages if contains in m.text)

    # ------------------------------------------------------------------ inside
    def _message(self, chat: EmulatedGroup | None) -> JSON:
        chat_json = chat.as_chat() if chat is not None else self.as_chat()
        return {
            "message_id": self.api.next_message_id(chat_json["id"]),
            "date": int(time.time()),
            "chat": chat_json,
            "from": self.as_user(),
        }

    async def _push(self, message: JSON) -> int:
        self.sent.append(message)
        if message["chat"]["type"] == "private":
            self.api.known_chats.add(self.id)  # a person who wrote to the bot can be written to
        return await self.api.push_update({"message": message})
