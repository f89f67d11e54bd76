"""Tidying that runs on every sweep: drafts and questions left idle are dropped, with word;
and the retention policy of the organisation file is applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from casework.intake import DRAFT_IDLE_LIMIT
from casework.outbox import Notice, notice_item
from casework.prompts import PROMPT_IDLE_LIMIT
from casework.retention import CONFIRM_WITHIN
from casework.services import Deps, retention

UPDATES_REMEMBERED = timedelta(days=7)
INVITE_DRAFTS_KEPT = timedelta(days=1)


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
                    notice_item(
                        f"dropped:{what}:{idle.staff_id}:{int(idle.updated_at.timestamp())}",
                        idle.chat_id,
                        idle.staff_id,
                        notice,
                        now,
                    )
                )
                dropped += 1
        # Telegram re-delivers an update within hours at most; a week is plenty to remember.
        await tx.updates.forget_before(now - UPDATES_REMEMBERED)
        # A name typed for an invitation whose role was never picked: its buttons go stale.
        await tx.invites.drop_drafts_before(now - INVITE_DRAFTS_KEPT)
    return dropped


# Messages purged per sweep at most: a short transaction even after a long stop.
MESSAGES_PURGED_AT_ONCE = 5000


@dataclass(frozen=True)
class Retained:
    """What one sweep removed under the retention policy (counts only: no personal data)."""

    redacted: int = 0  # issues whose citizen's data was removed
    cards_retired: int = 0
    messages: int = 0  # delivered or abandoned outbox messages purged
    invitations: int = 0  # invitations never used, long expired, purged

    def __bool__(self) -> bool:
        return any((self.redacted, self.cards_retired, self.messages, self.invitations))


async def apply_retention(deps: Deps) -> Retained:
    """The retention policy (`[retention]` of the organisation file), a batch at a time: each
    part in its own short transaction, so other people's steps wait for none of it long."""
    cards = await retention.retire_due_cards(deps)
    redacted = await retention.redact_due(deps)
    now = deps.clock.now()
    policy = deps.org.retention
    async with deps.store.transaction() as tx:
        messages = await tx.outbox.purge_done_before(
            now - policy.sent_messages_for, MESSAGES_PURGED_AT_ONCE
        )
        invitations = await tx.invites.purge_expired_before(now - policy.invitations_for)
        # A /redact left unanswered: its question is stale, and what it found goes.
        await tx.redaction_requests.forget_before(now - CONFIRM_WITHIN)
    return Retained(redacted, cards, messages, invitations)
