"""The phones' chats kept on disk, so that a playground stopped and started again shows what it
showed: Telegram keeps a chat's messages, and the emulator, which plays Telegram here, keeps
them in memory only. What the bot keeps is in its database already; this is the rest.

`chats.json` holds the messages (the bot's, as they read now, and people's), the keyboards in
force, the menus and the chats people have opened; the files (people's photos, the bot's
documents) are written beside it once each, in `files/`. It is written a moment after each
change (one write for a burst) and when the playground stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from emulator import BotApiEmulator, BotMessage

log = logging.getLogger(__name__)

SAVE_AFTER_SECONDS = 0.5
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class ChatKeeper:
    def __init__(self, api: BotApiEmulator, folder: Path) -> None:
        self._api, self._folder = api, folder
        self._file = folder / "chats.json"
        self._files = folder / "files"
        self._pending: asyncio.TimerHandle | None = None

    def restore(self) -> None:
        """Put back what the chats showed when the playground last stopped; a file that cannot
        be read is set aside (chats.json.unreadable) and the chats start empty."""
        try:
            kept = json.loads(self._file.read_text("utf-8"))
            self._restore(kept)
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as problem:
            log.warning("%s cannot be read (%s); the chats start empty", self._file, problem)
            with contextlib.suppress(OSError):
                self._file.replace(self._file.with_suffix(".json.unreadable"))
            self._api.clear_chats()

    def changed(self, chat_id: int) -> None:
        """A chat changed: save a moment later (once for a burst of changes)."""
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.call_later(SAVE_AFTER_SECONDS, self._save_now)

    def save(self) -> None:
        """Save now (at a stop)."""
        if self._pending is not None:
            self._pending.cancel()
        self._save_now()

    def forget(self) -> None:
        """Reset: nothing kept."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._file.unlink(missing_ok=True)
        if self._files.exists():
            for kept in self._files.iterdir():
                kept.unlink()

    # ------------------------------------------------------------------- inside
    def _save_now(self) -> None:
        self._pending = None
        api = self._api
        self._files.mkdir(parents=True, exist_ok=True)
        for file_id, data in list(api.files.items()):
            path = self._files / _SAFE_NAME.sub("_", file_id)
            if not path.exists():
                path.write_bytes(data)
        kept = {
            "files": {file_id: _SAFE_NAME.sub("_", file_id) for file_id in api.files},
            "messages": [_message_json(m) for m in api.sent],
            "incoming": {str(chat): list(sent) for chat, sent in api.incoming.items()},
            "received_at": [
                [chat, message, at.isoformat()] for (chat, message), at in api.received_at.items()
            ],
            "keyboards": {str(chat): markup for chat, markup in api.keyboards.items()},
            "force_replies": {str(chat): markup for chat, markup in api.force_replies.items()},
            "commands": [[scope, code, menu] for (scope, code), menu in api.commands.items()],
            "known_chats": sorted(api.known_chats),
        }
        scratch = self._file.with_suffix(".tmp")
        try:
            scratch.write_text(json.dumps(kept, ensure_ascii=False), "utf-8")
            scratch.replace(self._file)
        except OSError as problem:  # the page goes on; the next change tries again
            log.warning("the chats could not be kept in %s: %s", self._file, problem)

    def _restore(self, kept: dict[str, Any]) -> None:
        api = self._api
        for file_id, name in kept["files"].items():
            with contextlib.suppress(FileNotFoundError):
                api.files[file_id] = (self._files / name).read_bytes()
        for shown in kept["messages"]:
            message = _message_from(shown, api.files)
            api.sent.append(message)
            api.by_chat[message.chat_id].append(message)
            api.messages[(message.chat_id, message.message_id)] = message
        for chat, sent in kept["incoming"].items():
            api.incoming[int(chat)].extend(sent)
        for chat, message, at in kept["received_at"]:
            api.received_at[(int(chat), int(message))] = datetime.fromisoformat(at)
        api.keyboards.update({int(chat): m for chat, m in kept["keyboards"].items()})
        api.force_replies.update({int(chat): m for chat, m in kept["force_replies"].items()})
        api.commands.update({(scope, code): menu for scope, code, menu in kept["commands"]})
        api.known_chats.update(int(chat) for chat in kept["known_chats"])


def _message_json(message: BotMessage) -> dict[str, Any]:
    shown = dataclasses.asdict(message)
    shown.pop("sent_at")  # this process's monotonic clock: meaningless in the next
    shown["document"] = None  # its bytes are among the files (under its file_id)
    shown["at"] = message.at.isoformat() if message.at else None
    return shown


def _message_from(shown: dict[str, Any], files: dict[str, bytes]) -> BotMessage:
    at = shown.pop("at")
    message = BotMessage(**shown, at=datetime.fromisoformat(at) if at else None)
    if message.kind == "document" and message.file_id in files:
        message.document = files[message.file_id]
    return message
