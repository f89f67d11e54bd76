"""Tidying that runs on every sweep: drafts and questions left idle are dropped, with word."""

from __future__ import annotations

from datetime import timedelta

from casework.conversation import PROMPT_IDLE_LIMIT
from casework.delivery import Notice, OutboxItem, OutboxKind, Priority
from casework.intake import DRAFT_IDLE_LIMIT
from casework.services import Deps

UPDATES_REMEMBERED = timedelta(days=7)


async def drop_idle_conversations(deps: Deps) -> int:
    """Drop drafts and prompts idle past their limit; tell each person once. Returns how many."""
    now = deps.clock.now()
    dropped = 0
    async with deps.store.transaction() as tx:
        for what, repository, limit, notice in (
            ("draft", tx.drafts, DRAFT_IDLE_LIMIT, Notice.DRAFT_DROPPED),
            ("prompt", tx.prompts, PROMPT_IDLE_LIMIT, Notice.PROMPT_DROPPED),
        ):
            for idle in await repository.idle_since(now - limit):
                await repository.delete(idle.staff_id)
                await tx.outbox.add(
                    OutboxItem(
                        key=f"dropped:{what}:{idle.staff_id}:{int(idle.updated_at.timestamp())}",
                        kind=OutboxKind.NOTICE,
                        chat_id=idle.chat_id,
                        staff_id=idle.staff_id,
                        payload={"notice": notice.value},
                        priority=Priority.NORMAL,
                        created_at=now,
                        due_at=now,
                    )
                )
                dropped += 1
        # Telegram re-delivers an update within hours at most; a week is plenty to remember.
        await tx.updates.forget_before(now - UPDATES_REMEMBERED)
    return dropped
