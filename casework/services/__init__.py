"""Use cases: each opens one transaction, loads, asks the rules, saves, and commits."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from casework.clock import Clock
from casework.errors import NotAllowed
from casework.organisation import Organisation
from casework.people import Staff
from casework.ports import Store, Transaction


@dataclass(frozen=True)
class Deps:
    """What every use case may use: the store, the organisation, the clock, the time zone."""

    store: Store
    org: Organisation
    clock: Clock
    zone: ZoneInfo


async def reload_actor(tx: Transaction, actor: Staff) -> Staff:
    """The acting person as the database has them now; refused if their access has ended."""
    current = await tx.staff.by_id(actor.id)
    if current is None or not current.active:
        raise NotAllowed("inactive")
    return current
