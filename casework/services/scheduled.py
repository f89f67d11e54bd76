"""Messages that go out once a day or once a week to everyone in some roles (the morning
digest, the weekly ranking): the day is claimed in the same transaction as the messages are
queued, so a restart or a second sweep never sends them twice."""

from __future__ import annotations

from dataclasses import dataclass

from casework.outbox import OutboxKind, Priority, to_person
from casework.roles import Role
from casework.services import Deps


@dataclass(frozen=True)
class Scheduled:
    claim: str  # what the day is claimed as (the `digests` table)
    key: str  # how each message's key begins
    kind: OutboxKind
    readers: tuple[Role, ...]


MORNING_DIGEST = Scheduled("morning", "digest", OutboxKind.DIGEST, (Role.HEAD, Role.COORDINATOR))
WEEKLY_REPORT = Scheduled("weekly", "weekly", OutboxKind.REPORT, (Role.COORDINATOR,))


async def queue_once(deps: Deps, day: str, what: Scheduled) -> int:
    """Claim `day` for it, and queue one message for each active person in one of its readers'
    roles; how many (none if the day was claimed before)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        if not await tx.digests.claim(day, what.claim):
            return 0
        people = await tx.staff.with_roles(what.readers)
        await tx.outbox.add_many(
            [
                to_person(
                    person,
                    f"{what.key}:{day}:{person.id}",
                    what.kind,
                    now,
                    Priority.BULK,
                    payload={"day": day},
                )
                for person in people
            ]
        )
    return len(people)
