"""Who has access, through the use cases alone (casework/services/access.py, housekeeping.py)
on the in-memory store: the roster as the authority for the people it lists, the organisation
file mirrored, invitations forgotten long after they expired. No Telegram, no SQLite."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.errors import InviteRevoked
from casework.organisation import RosterEntry
from casework.people import AccessAction, Staff
from casework.roles import Role
from casework.services import Deps
from casework.services.access import (
    create_invite,
    redeem_invite,
    revoke_invite,
    sync_organisation,
)
from casework.services.housekeeping import apply_retention
from config.org import load_organisation
from tests.fakes import FakeStore
from tests.harness import TEST_ORG, FakeClock

ORG = load_organisation(TEST_ORG)
DAY = timedelta(days=1)


@pytest.fixture
async def deps() -> Deps:
    """The test organisation mirrored into an empty store, its roster in."""
    deps = Deps(FakeStore(), ORG, FakeClock(), ZoneInfo("Asia/Shanghai"))
    await sync_organisation(deps)
    return deps


async def staff(deps: Deps, telegram_id: int) -> Staff:
    async with deps.store.transaction() as tx:
        found = await tx.staff.by_telegram_id(telegram_id)
    assert found is not None
    return found


def later(deps: Deps, delta: timedelta) -> None:
    clock = deps.clock
    assert isinstance(clock, FakeClock)
    clock.advance(delta)


async def test_what_the_organisation_file_drops_is_kept_inactive_for_the_issues_on_record() -> None:
    deps = Deps(FakeStore(), ORG, FakeClock(), ZoneInfo("Asia/Shanghai"))
    smaller = dataclasses.replace(
        ORG,
        departments=ORG.departments[:2],
        categories=tuple(c for c in ORG.categories if c.department != "mediation"),
    )

    _, first = await sync_organisation(deps)
    known, again = await sync_organisation(dataclasses.replace(deps, org=smaller))

    assert len(first.added) == len(ORG.roster) == 6
    assert again.added == [] and again.updated == 0
    # Still named and timed for the issues that have them, never offered again.
    assert known.category("neighbour_dispute") is None
    assert [d.code for d in known.retired_departments] == ["mediation"]
    retired = known.any_category(known.retired_categories[0].code)
    assert retired is not None and retired.department == "mediation"


async def test_a_coordinator_the_roster_makes_a_worker_leaves_no_working_links(
    deps: Deps,
) -> None:
    zhou = await staff(deps, 9001)
    link = await create_invite(deps, zhou, Role.COORDINATOR, None, "新督办员")
    demoted = tuple(
        dataclasses.replace(e, role=Role.WORKER) if e.telegram_id == 9001 else e for e in ORG.roster
    )
    later(deps, timedelta(minutes=1))

    _, imported = await sync_organisation(
        dataclasses.replace(deps, org=dataclasses.replace(ORG, roster=demoted))
    )

    with pytest.raises(InviteRevoked):
        await redeem_invite(deps, link.code, 7500, "某人")
    async with deps.store.transaction() as tx:
        log = await tx.access_log.recent(3)
    assert imported.changed == [zhou.id]
    assert any(e.action is AccessAction.ROSTER_CHANGED and e.role is Role.WORKER for e in log)


async def test_the_roster_ends_the_access_of_those_it_no_longer_lists_or_lists_inactive(
    deps: Deps,
) -> None:
    zhou = await staff(deps, 9001)
    link = await create_invite(deps, zhou, Role.WORKER, None, "小周")
    newcomer = await redeem_invite(deps, link.code, 7400, "小周")
    roster = tuple(e for e in ORG.roster if e.telegram_id != 2002)  # 刘强's line removed
    roster += (RosterEntry(newcomer.telegram_id, "小周", Role.WORKER, active=False),)

    _, imported = await sync_organisation(
        dataclasses.replace(deps, org=dataclasses.replace(ORG, roster=roster))
    )
    _, again = await sync_organisation(deps)  # the line put back does not give access back

    liu, xiao_zhou = await staff(deps, 2002), await staff(deps, newcomer.telegram_id)
    async with deps.store.transaction() as tx:
        log = await tx.access_log.recent(10)
    assert not liu.active and not xiao_zhou.active
    assert sorted(imported.removed) == sorted([liu.id, xiao_zhou.id])
    assert again.removed == [] and again.added == []
    removed = [e for e in log if e.action is AccessAction.ROSTER_REMOVED]
    assert sorted(e.target_id or 0 for e in removed) == sorted([liu.id, xiao_zhou.id])
    assert all(e.actor_id is None for e in removed)


async def test_unused_invitations_are_forgotten_thirty_days_after_they_expired(
    deps: Deps,
) -> None:
    zhou = await staff(deps, 9001)
    used = await create_invite(deps, zhou, Role.WORKER, None, "小甲")
    unused = await create_invite(deps, zhou, Role.WORKER, None, "小乙")
    await redeem_invite(deps, used.code, 7777, "新人")
    later(deps, 7 * DAY + 29 * DAY)  # valid for 7 days, then 29 expired
    kept = await apply_retention(deps)

    later(deps, 2 * DAY)
    purged = await apply_retention(deps)

    async with deps.store.transaction() as tx:
        left = [await tx.invites.get(code) for code in (used.code, unused.code)]
    assert (kept.invitations, purged.invitations) == (0, 1)
    assert left[0] is not None and left[0].used_by is not None  # who let whom in stays
    assert left[1] is None


async def test_revoked_invitations_are_forgotten_thirty_days_after_they_expired(
    deps: Deps,
) -> None:
    zhou = await staff(deps, 9001)
    link = await create_invite(deps, zhou, Role.WORKER, None, "小丙")
    assert link.id is not None
    await revoke_invite(deps, zhou, link.id)
    later(deps, 7 * DAY + 29 * DAY)
    kept = await apply_retention(deps)

    later(deps, 2 * DAY)
    purged = await apply_retention(deps)

    async with deps.store.transaction() as tx:
        assert await tx.invites.get(link.code) is None
    assert (kept.invitations, purged.invitations) == (0, 1)
