"""Updates by webhook, kept before Telegram is answered.

With WEBHOOK_URL set the bot runs python-telegram-bot's own webhook server
(`Application.run_webhook`, on tornado): Telegram POSTs each update to it, and takes an answer
of 200 as the update delivered, never to be sent again. PTB's request handler checks the
secret header (403 without it: nothing parsed, nothing queued), parses the update and awaits
`update_queue.put(update)` before it returns, and only then does tornado write the 200. So the
application's queue is where the update is kept: `KeepingQueue.put` writes it to
`incoming_updates` and commits before it queues it. A crash before the commit leaves Telegram
unanswered, and it delivers the update again; a crash after leaves it in the database, and it
is handled from there after the restart (casework/services/updates.py `unhandled`), as a polled
update fetched but not handled is. The same copy delivered twice (an answer lost after the
commit) is kept once and applied once, as a polled update fetched twice is.

getUpdates brings up to 100 updates, kept in one transaction; Telegram POSTs each update alone,
up to 40 at once. The updates that arrive while one group is being kept are kept together in
the next transaction (runtime/grouping.py, group commit with no wait), so a burst costs a
commit per group, not per update.

Why the queue, and not a server of the bot's own (PTB's "custom webhook" examples put updates
on `Application.update_queue` from any web framework): the queue is the documented way in
(`ApplicationBuilder.update_queue`), PTB's server stays as it is (its secret check, its stop
inside `run_webhook`'s, its signal handling), and a server of our own would have had to await
the same keeping before its answer anyway. What the guarantee rests on, that PTB's handler
answers only once `put` has returned, is PTB's code (22.8), checked by
tests/test_webhooks.py: a POST stays unanswered while its update is being kept.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update

from casework.ports import StoreUnreachable
from config.logs import RepeatedErrors
from config.settings import Settings
from runtime.grouping import GroupCommit

KeepUpdates = Callable[[list[tuple[int, str]]], Awaitable[None]]
KEEPING = "keeping updates received by webhook"


class KeepingQueue(asyncio.Queue[object]):
    """The application's update queue: in webhook mode an update put on it is kept first.

    Until `keep_with` is called (polling, where `runtime.requests.UpdatesRequest` keeps what
    getUpdates fetches; or before the store is open) it is a plain queue. Anything that is not
    an update (the application's stop signal) goes straight through."""

    def __init__(self) -> None:
        super().__init__()
        self._keep: GroupCommit[tuple[int, str], None] | None = None
        self._errors: RepeatedErrors | None = None

    def keep_with(self, keep: KeepUpdates, errors: RepeatedErrors) -> None:
        async def keep_group(group: Sequence[tuple[int, str]]) -> list[None]:
            await keep(list(group))
            return [None] * len(group)

        self._keep, self._errors = GroupCommit(keep_group), errors

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self._keep is not None:
            # As the update came, fields PTB does not know yet included (`api_kwargs`);
            # read back with Update.de_json after a restart.
            payload = json.dumps(item.to_dict(), ensure_ascii=False)
            try:
                await self._keep((item.update_id, payload))
            except StoreUnreachable as exc:
                # Another bot may hold the database now: not answered 200, so Telegram
                # delivers the update again, to whichever bot keeps it.
                if self._errors is not None:
                    self._errors.failed(KEEPING, exc)
                raise
            except Exception as exc:
                # The database is failing: handle the update anyway (its sender is told what
                # went wrong), as a polled one is, rather than hold up everyone behind it.
                if self._errors is not None:
                    self._errors.failed(KEEPING, exc)
            else:
                if self._errors is not None:
                    self._errors.worked(KEEPING)
        await super().put(item)


def webhook_options(settings: Settings, allowed_updates: list[str]) -> dict[str, Any]:
    """The arguments of `run_webhook` (and of `Updater.start_webhook`, which it calls): where
    to listen, the path, and what setWebhook tells Telegram (the public URL, the secret, the
    updates the bot takes). Pending updates are never dropped."""
    secret = settings.webhook_secret
    assert settings.webhook_url and secret is not None  # the settings require both together
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_route,
        "webhook_url": settings.webhook_url,
        "secret_token": secret.get_secret_value(),
        "allowed_updates": allowed_updates,
        "drop_pending_updates": False,
    }
