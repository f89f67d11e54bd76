"""What every store does, shown on the SQLite store and on the in-memory fake alike: the fake
(tests/fakes/) stands in for SQLite in the use cases' tests only as far as these hold for both.

Each test runs twice, `[sqlite]` and `[fake]`. What only SQLite has (pragmas, migrations, the
timeline's trigger, the figures' queries) is tested in tests/test_storage.py and beside it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from casework.callbacks import Answers
from casework.commands import Action
from casework.durations import WorkingDays
from casework.following import FollowerCallBack
from casework.health import Beat, Heartbeat
from casework.intake import Draft, Step
from casework.issues import (
    Contact,
    Event,
    EventKind,
    Issue,
    IssueKind,
    Location,
    Solved,
    Source,
    Status,
    Verdict,
)
from casework.lookup import Lookup, LookupKind
from casework.metrics import Held
from casework.organisation import RosterEntry
from casework.outbox import ERASE, Card, Notice, OutboxItem, OutboxKind, Priority, notice_item
from casework.people import (
    AccessAction,
    AccessEntry,
    DeactivationRequest,
    Invite,
    NewStaff,
    Staff,
)
from casework.ports import (
    LookupScope,
    Pin,
    RunningExport,
    Store,
    StoreWriteFailed,
    Transaction,
    Viewer,
)
from casework.prompts import Prompt
from casework.retention import RedactionRequest
from casework.roles import Role
from config.org import load_organisation
from storage import open_store
from tests.fakes import FakeStore
from tests.harness import START, TEST_ORG
from tests.postgres_server import Databases

ORG = load_organisation(TEST_ORG)
H, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgresql", "fake"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A store with the test organisation's departments and categories, and nobody in it."""
    store: Store
    if request.param == "sqlite":
        store = await open_store(str(tmp_path / "duban.sqlite3"), wait_for_other_bot=0)
    elif request.param == "postgresql":
        databases: Databases = request.getfixturevalue("postgres_databases")
        store = await open_store(await databases.fresh(), wait_for_other_bot=0)
    else:
        store = FakeStore()
    async with store.transaction() as tx:
        await tx.organisation.sync(ORG)
    yield store
    await store.close()
    if request.param == "postgresql":
        databases.drop_all()


@dataclass(frozen=True)
class World:
    """People and issues for rows that name them (SQLite checks that they exist)."""

    people: list[Staff]  # staff ids 1 to 4
    issues: list[Issue]  # issue ids 1 and 2, reported by the first person


@pytest.fixture
async def world(store: Store) -> World:
    async with store.transaction() as tx:
        people = [await person(tx, 901 + n) for n in range(4)]
        issues = [await tx.issues.create(an_issue(people[0], f"2611-000{n}")) for n in (1, 2)]
    assert [p.id for p in people] == [1, 2, 3, 4] and [i.id for i in issues] == [1, 2]
    return World(people, issues)


async def person(tx: Transaction, telegram_id: int, role: Role = Role.WORKER,
                 department: str | None = None, name: str = "某人") -> Staff:  # fmt: skip
    return await tx.staff.add(NewStaff(telegram_id, name, role, department), START)


def an_issue(reporter: Staff, number: str = "2611-0001", **changes: object) -> Issue:
    issue = Issue(
        id=0, number=number, status=Status.PENDING, description="路灯不亮",
        category="streetlight", department="roads", reporter_id=reporter.id, urgent=False,
        source=Source.HOTLINE, created_at=START, updated_at=START, handed_at=START,
        respond_by=START + 2 * H, resolve_by=START + 3 * DAY,
        photos=("third-looks-first", "b-second", "a-last"),
        assisting=frozenset({"water", "mediation"}),
    )  # fmt: skip
    return dataclasses.replace(issue, **changes)  # type: ignore[arg-type]


def message(key: str, staff_id: int, priority: int = Priority.REMINDER, issue_id: int = 1,
            due_in: timedelta = timedelta()) -> OutboxItem:  # fmt: skip
    return OutboxItem(
        key=key, kind=OutboxKind.REMINDER, chat_id=100 + staff_id, staff_id=staff_id,
        issue_id=issue_id, priority=priority, created_at=START, due_at=START + due_in,
        payload={"phase": "0"},
    )  # fmt: skip


# ------------------------------------------------------------------------------ transactions


async def test_what_a_failed_transaction_wrote_is_not_there(store: Store, world: World) -> None:
    woken: list[str] = []
    store.on_outbox_added(lambda: woken.append("outbox"))

    async def fail_halfway() -> None:
        async with store.transaction() as tx:
            await person(tx, 78)
            await tx.outbox.add(message("lost", 1))
            raise RuntimeError("halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        await fail_halfway()

    async with store.transaction() as tx:
        assert await tx.staff.by_telegram_id(78) is None
        assert await tx.outbox.due(START, 10) == []
    assert woken == []


async def test_a_reading_sees_what_was_committed_and_cannot_write(store: Store) -> None:
    async with store.transaction() as tx:
        await person(tx, 80)

    async with store.reading() as seen:
        found = await seen.staff.by_telegram_id(80)
    with pytest.raises(StoreWriteFailed, match="readonly"):
        async with store.reading() as seen:
            await person(seen, 81)

    assert found is not None
    async with store.transaction() as tx:
        assert await tx.staff.by_telegram_id(81) is None


async def test_a_peek_sees_the_last_commit_without_waiting_for_a_step_under_way(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        await person(tx, 82)

    async def peeked(telegram_id: int) -> Staff | None:
        async with store.peek() as seen:
            return await seen.staff.by_telegram_id(telegram_id)

    async with store.transaction() as step:
        await person(step, 83)  # a step under way, not committed
        # Waiting for the step's turn here would never end: the step waits for this.
        committed = await asyncio.wait_for(peeked(82), 5)
        uncommitted = await asyncio.wait_for(peeked(83), 5)
    with pytest.raises(StoreWriteFailed, match="readonly"):
        async with store.peek() as seen:
            await person(seen, 84)

    assert committed is not None and uncommitted is None
    assert await peeked(83) is not None  # committed since
    assert await peeked(84) is None


async def test_listeners_hear_of_saved_changes_and_of_messages_queued(
    store: Store, world: World
) -> None:
    heard: list[object] = []
    store.on_write(lambda saved: heard.append(saved))
    store.on_outbox_added(lambda: heard.append("outbox"))

    async with store.transaction() as tx:
        await person(tx, 82)
    async with store.transaction() as tx:
        await tx.staff.by_telegram_id(82)  # a read saves nothing
    async with store.transaction() as tx:
        await tx.outbox.add(message("one", 1))

    assert heard == [True, True, "outbox"]


# ------------------------------------------------------------------------------ staff


async def test_staff_are_found_listed_deactivated_and_let_back_in(store: Store) -> None:
    async with store.transaction() as tx:
        worker = await person(tx, 101, name="王芳")
        head = await person(tx, 102, Role.HEAD, "roads", "陈建国")
        member = await person(tx, 103, Role.MEMBER, "roads", "刘强")
        coordinator = await person(tx, 104, Role.COORDINATOR, name="周敏")
        water = await person(tx, 105, Role.HEAD, "water", "赵丽")
        ended = await tx.staff.deactivate(member.id, START + H)
        again = await tx.staff.deactivate(member.id, START + H)
        active = [p.id for p in await tx.staff.active()]
        roads = [p.id for p in await tx.staff.active("roads")]
        heads = [p.id for p in await tx.staff.with_roles([Role.HEAD, Role.COORDINATOR])]
        by_ids = await tx.staff.by_ids([worker.id, water.id, 999])
        back = await tx.staff.restore(member.id, NewStaff(103, "刘强", Role.HEAD, "water"), START)

    assert worker.active and worker.joined_at == START and not worker.from_roster
    assert (ended, again) == (True, False)
    # By department (none last), role and name.
    assert active == [head.id, water.id, coordinator.id, worker.id]
    assert roads == [head.id]
    assert heads == [head.id, coordinator.id, water.id]
    assert set(by_ids) == {worker.id, water.id}
    assert back.active and back.role is Role.HEAD and back.department == "water"


async def test_what_telegram_says_of_a_person_is_noted(store: Store) -> None:
    async with store.transaction() as tx:
        someone = await person(tx, 110)
        await tx.staff.set_language(someone.id, "en")
        await tx.staff.note_telegram_language(someone.id, "zh-hans")
        await tx.staff.note_telegram_name(someone.id, "小王")
        first = await tx.staff.mark_unreachable(someone.id, START)
        second = await tx.staff.mark_unreachable(someone.id, START + H)
        unreachable = await tx.staff.by_id(someone.id)
        await tx.staff.mark_reachable(someone.id)
        now = await tx.staff.by_id(someone.id)

    assert (first, second) == (True, False)
    assert unreachable is not None and unreachable.unreachable_since == START
    assert now is not None and now.unreachable_since is None
    assert (now.language, now.telegram_language, now.telegram_name) == ("en", "zh-hans", "小王")


async def test_the_roster_adds_updates_and_ends_the_access_of_those_it_lists(store: Store) -> None:
    later = START + DAY
    roster = [
        RosterEntry(201, "甲", Role.WORKER),
        RosterEntry(202, "乙", Role.MEMBER, "roads"),
        RosterEntry(203, "丙", Role.HEAD, "roads"),
    ]
    async with store.transaction() as tx:
        invited = await person(tx, 209)  # came in through an invitation
        first = await tx.staff.import_roster(roster, START)
        second = await tx.staff.import_roster(
            [
                RosterEntry(201, "甲（改名）", Role.WORKER),  # a new name: updated
                RosterEntry(202, "乙", Role.HEAD, "roads"),  # a new role: new access
                # 203's line removed: access ended
                RosterEntry(209, "丁", Role.WORKER, active=False),  # ended, though invited
            ],
            later,
        )
        people = {p.telegram_id: p for p in (await tx.staff.by_ids(range(1, 50))).values()}
        third = await tx.staff.import_roster(roster, later)  # never gives access back

    assert len(first.added) == 3 and first.updated == 0 and first.removed == []
    assert second.added == [] and second.updated == 3
    assert second.changed == [people[202].id]
    assert second.removed == sorted([people[203].id, invited.id])
    assert people[201].name == "甲（改名）" and people[201].joined_at == START
    assert people[202].role is Role.HEAD and people[202].joined_at == later
    assert not people[203].active and not people[209].active and people[209].from_roster
    assert (
        third.added == []
        and third.removed == []
        and not any(p.active for p in (await _people(store, 203, 209)))
    )


async def test_the_roster_does_not_undo_a_deactivation(store: Store) -> None:
    entry = RosterEntry(telegram_id=42, name="甲", role=Role.WORKER)
    async with store.transaction() as tx:
        await tx.staff.import_roster([entry], START)
        listed = await tx.staff.by_telegram_id(42)
        assert listed is not None
        await tx.staff.deactivate(listed.id, START)
        renamed = await tx.staff.import_roster(
            [dataclasses.replace(entry, name="甲（改名）")], START
        )
        after = await tx.staff.by_telegram_id(42)

    assert renamed.updated == 1 and renamed.added == []
    assert after is not None and after.name == "甲（改名）" and not after.active


async def _people(store: Store, *telegram_ids: int) -> list[Staff]:
    async with store.transaction() as tx:
        found = [await tx.staff.by_telegram_id(t) for t in telegram_ids]
    return [p for p in found if p is not None]


async def test_the_organisation_file_is_mirrored_and_what_it_drops_is_kept_inactive(
    store: Store,
) -> None:
    smaller = dataclasses.replace(
        ORG,
        departments=ORG.departments[:2],
        categories=tuple(c for c in ORG.categories if c.department != "mediation"),
    )
    async with store.transaction() as tx:
        await tx.organisation.sync(smaller)
        departments = await tx.organisation.active_department_codes()
        categories = await tx.organisation.active_category_codes()
        retired_departments, retired_categories = await tx.organisation.retired()

    assert departments == ["roads", "water"]
    assert categories == ["streetlight", "water_outage", "conduct"]
    assert retired_departments == [d for d in ORG.departments if d.code == "mediation"]
    assert retired_categories == [c for c in ORG.categories if c.department == "mediation"]


async def test_times_in_working_days_are_kept_for_categories_and_deadlines(
    store: Store,
) -> None:
    in_workdays = dataclasses.replace(
        ORG,
        categories=tuple(
            dataclasses.replace(
                c, resolve_within=WorkingDays(5), urgent_resolve_within=WorkingDays(2)
            )
            for c in ORG.categories
        ),
    )
    async with store.transaction() as tx:
        await tx.organisation.sync(in_workdays)
        await tx.organisation.sync(dataclasses.replace(in_workdays, categories=()))
        _, retired = await tx.organisation.retired()
        reporter = await person(tx, 402)
        created = await tx.issues.create(an_issue(reporter, respond_workdays=1, resolve_workdays=5))
        found = await tx.issues.get(created.id)

    # (Not `complaint`: SQLite does not keep it for a retired category, a gap older than this.)
    assert [dataclasses.replace(c, complaint=False) for c in retired] == [
        dataclasses.replace(c, complaint=False) for c in in_workdays.categories
    ]
    assert retired[0].resolve_within == WorkingDays(5)
    assert retired[0].respond_within == ORG.categories[0].respond_within
    assert found is not None and (found.respond_workdays, found.resolve_workdays) == (1, 5)


# ------------------------------------------------------------------------------ invitations


async def test_an_invitation_is_used_once_or_revoked_and_forgotten_long_after_it_expired(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        maker = await person(tx, 301, Role.COORDINATOR)
        invites = [
            await tx.invites.add(
                Invite(code, Role.WORKER, None, maker.id, START + n * H, START + 7 * DAY, name)
            )
            for n, (code, name) in enumerate([("used", "甲"), ("revoked", "乙"), ("open", "丙")])
        ]
        used, revoked, still_open = invites
        newcomer = await person(tx, 302)
        marked = await tx.invites.mark_used("used", newcomer.id, START + DAY)
        marked_again = await tx.invites.mark_used("used", maker.id, START + DAY)
        withdrawn = await tx.invites.revoke(revoked.id or 0, maker.id, START + DAY)
        withdrawn_again = await tx.invites.revoke(revoked.id or 0, maker.id, START + DAY)
        open_now = [i.code for i in await tx.invites.open(START + DAY)]
        open_later = await tx.invites.open(START + 8 * DAY)
        kept = await tx.invites.purge_expired_before(START + 7 * DAY)
        purged = await tx.invites.purge_expired_before(START + 7 * DAY + 1 * H)
        left = [await tx.invites.get(code) for code in ("used", "revoked", "open")]
        same = await tx.invites.by_id(used.id or 0)

    assert still_open.id is not None and still_open.name == "丙"
    assert (marked, marked_again, withdrawn, withdrawn_again) == (True, False, True, False)
    assert open_now == ["open"] and open_later == []
    assert (kept, purged) == (0, 2)  # the used one stays: it records who let whom in
    assert left[1:] == [None, None]
    assert left[0] is not None and left[0].used_by == newcomer.id
    assert left[0].used_at == START + DAY and same == left[0]


async def test_a_name_kept_for_an_invitation_is_found_dropped_or_forgotten(store: Store) -> None:
    async with store.transaction() as tx:
        maker = await person(tx, 310, Role.COORDINATOR)
        first = await tx.invites.add_draft(maker.id, "小甲", START)
        second = await tx.invites.add_draft(maker.id, "小乙", START + DAY)
        found = await tx.invites.draft(first.id)
        await tx.invites.drop_draft(first.id)
        dropped = await tx.invites.draft(first.id)
        forgotten = await tx.invites.drop_drafts_before(START + 2 * DAY)

    assert found == first and found.name == "小甲" and second.id != first.id
    assert dropped is None and forgotten == 1


async def test_the_access_log_says_how_each_came_in_latest_first(store: Store) -> None:
    async with store.transaction() as tx:
        coordinator = await person(tx, 320, Role.COORDINATOR)
        worker = await person(tx, 321)
        for n, (action, actor) in enumerate(
            [
                (AccessAction.ROSTER_ADDED, None),
                (AccessAction.DEACTIVATED, coordinator.id),
                (AccessAction.JOINED, coordinator.id),
            ]
        ):
            await tx.access_log.add(
                AccessEntry(START + n * H, action, actor, worker.id, Role.WORKER)
            )
        came = await tx.access_log.how_they_came([worker.id, coordinator.id])
        recent = await tx.access_log.recent(2)
        await tx.access_log.put_request(DeactivationRequest(coordinator.id, worker.id, START))
        await tx.access_log.put_request(
            DeactivationRequest(coordinator.id, coordinator.id, START + H)
        )
        request = await tx.access_log.request_of(coordinator.id)
        await tx.access_log.drop_request(coordinator.id)
        dropped = await tx.access_log.request_of(coordinator.id)

    assert list(came) == [worker.id]
    assert came[worker.id].action is AccessAction.JOINED  # the latest way in
    assert [e.action for e in recent] == [AccessAction.JOINED, AccessAction.DEACTIVATED]
    assert request == DeactivationRequest(coordinator.id, coordinator.id, START + H)  # replaced
    assert dropped is None


# ------------------------------------------------------------------------------ issues


async def test_an_issue_is_numbered_saved_only_over_the_version_read_and_keeps_its_photos(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 401)
        numbers = [await tx.issues.next_sequence(m) for m in ("2611", "2611", "2612")]
        created = await tx.issues.create(an_issue(reporter))
        accepted = dataclasses.replace(
            created, status=Status.ACCEPTED, version=2, photos=(), assisting=frozenset({"water"})
        )
        saved = await tx.issues.save(accepted, expected_version=created.version)
        stale = await tx.issues.save(accepted, expected_version=created.version)
        found = await tx.issues.get(created.id)
        by_number = await tx.issues.by_number("2611-0001")
        versions = (await tx.issues.version_of(created.id), await tx.issues.version_of(999))
        await tx.issues.forget_photos(created.id)
        without_photos = await tx.issues.get(created.id)

    assert numbers == [1, 1 + 1, 1]
    assert created.id > 0 and created.photos == ("third-looks-first", "b-second", "a-last")
    assert created.assisting == {"water", "mediation"}
    assert (saved, stale) == (True, False)
    assert found is not None and found == by_number
    assert found.status is Status.ACCEPTED and found.assisting == {"water"}
    assert found.photos == created.photos  # the photos it was logged with stay
    assert versions == (2, None)
    assert without_photos is not None and without_photos.photos == ()


async def test_find_reads_phones_however_typed_their_last_four_and_words_from_anywhere_newest_first(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 401)
        typed = ["+8613812345678", "008613812345678", "13812345678", "01065123456", None]
        made = [
            await tx.issues.create(
                an_issue(reporter, f"2611-000{n}", citizen_phone=phone,
                         description=f"第{n}件：和平路{n}号井盖丢失", address=f"幸福里{n}栋")
            )
            for n, phone in enumerate(typed)
        ]  # fmt: skip
        everything = LookupScope(reporter.id, everything=True, department=None, head=False)

        async def ids(kind: LookupKind, key: str, limit: int = 8, offset: int = 0) -> list[int]:
            page = await tx.issues.find(Lookup(kind, key), everything, limit, offset, 9)
            return [i.id for i in page.issues]

        mobile = await ids(LookupKind.PHONE, "13812345678")
        landline = await ids(LookupKind.PHONE, "1065123456")
        tail = await ids(LookupKind.TAIL, "5678")
        two = await ids(LookupKind.WORDS, "井盖")
        middle = await ids(LookupKind.WORDS, "路3号井")
        address = await ids(LookupKind.WORDS, "里4栋")
        both = await ids(LookupKind.WORDS, "和平 4栋")
        across = await ids(LookupKind.WORDS, "丢失幸福")  # the description's end, the address
        second_page = await ids(LookupKind.WORDS, "井盖", limit=2, offset=2)
        counted = await tx.issues.find(Lookup(LookupKind.WORDS, "井盖"), everything, 2, 0, 3)

    first, second, third, fourth, fifth = (i.id for i in made)
    assert mobile == [third, second, first]  # newest first
    assert landline == [fourth] and tail == [third, second, first]
    assert two == [fifth, fourth, third, second, first]
    assert (middle, address, both, across) == ([fourth], [fifth], [fifth], [])
    assert second_page == [third, second]
    assert counted.total == 3  # counted up to `most`


async def test_find_lists_only_what_each_may_see_and_forgets_what_a_redaction_removed(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        worker = await person(tx, 401)
        other_worker = await person(tx, 402)
        head = await person(tx, 403, Role.HEAD, "roads")
        member = await person(tx, 404, Role.MEMBER, "roads")
        water = await person(tx, 405, Role.MEMBER, "water")
        mediation = await person(tx, 406, Role.HEAD, "mediation")
        coordinator = await person(tx, 407, Role.COORDINATOR)
        case = await tx.issues.create(
            an_issue(worker, "2611-0001", citizen_phone="13812345678",
                     description="张三反映路灯不亮", assisting=frozenset({"water"}))
        )  # fmt: skip
        complaint = await tx.issues.create(
            an_issue(other_worker, "2611-0002", citizen_phone="13912345678",
                     description="投诉路灯维修人员态度差", kind=IssueKind.COMPLAINT,
                     subject_id=member.id, assisting=frozenset())
        )  # fmt: skip

        async def seen(
            who: Staff, kind: LookupKind, key: str, group: str | None = None
        ) -> set[int]:
            page = await tx.issues.find(Lookup(kind, key), LookupScope.of(who, group), 8, 0, 9)
            return {i.id for i in page.issues}

        tails = {
            name: await seen(who, LookupKind.TAIL, "5678")
            for name, who in [
                ("worker", worker), ("other worker", other_worker), ("head", head),
                ("member", member), ("water", water), ("mediation", mediation),
                ("coordinator", coordinator),
            ]
        }  # fmt: skip
        words = {
            name: await seen(who, LookupKind.WORDS, "路灯")
            for name, who in [("worker", worker), ("water", water), ("member", member),
                              ("coordinator", coordinator)]
        }  # fmt: skip
        in_group = await seen(head, LookupKind.WORDS, "路灯", group="roads")
        in_water_group = await seen(water, LookupKind.WORDS, "路灯", group="water")

        redacted = dataclasses.replace(
            case, citizen_phone=None, citizen_name=None,
            description="***反映路灯不亮", version=case.version + 1,
        )  # fmt: skip
        assert await tx.issues.save(redacted, expected_version=case.version)
        after = (
            await seen(coordinator, LookupKind.PHONE, "13812345678"),
            await seen(coordinator, LookupKind.TAIL, "5678"),
            await seen(coordinator, LookupKind.WORDS, "张三"),
            await seen(coordinator, LookupKind.WORDS, "反映路灯"),
        )

    both = {case.id, complaint.id}
    assert tails == {
        "worker": {case.id},  # their own report
        "other worker": {complaint.id},
        "head": both,  # the department's issues, its complaints too
        "member": {case.id},  # never a complaint about them
        "water": {case.id},  # assisting
        "mediation": set(),
        "coordinator": both,
    }
    assert words == {"worker": {case.id}, "water": {case.id}, "member": {case.id},
                     "coordinator": both}  # fmt: skip
    assert in_group == {case.id}  # a group's list: its department's cases only
    assert in_water_group == set()  # assisting is not the group's department
    assert after == (set(), {complaint.id}, set(), {case.id})


async def test_the_issues_logged_since_a_moment_come_in_the_order_they_were_logged(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 405)
        for n, at in enumerate([START + H, START - H, START, START + H], 1):
            await tx.issues.create(an_issue(reporter, f"2611-{n:04d}", created_at=at))
        since_start = await tx.issues.logged_since(START + timedelta(microseconds=500), 10)
        first_two = await tx.issues.logged_since(START, 2)
        later = await tx.issues.logged_since(START + 2 * H, 10)

    # To the second, as times are kept: the same second as `since` counts.
    assert [i.number for i in since_start] == ["2611-0003", "2611-0001", "2611-0004"]
    assert [i.number for i in first_two] == ["2611-0003", "2611-0001"]
    assert later == []


async def test_a_citizens_history_is_their_phone_in_any_spelling_since_a_moment_open_first(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 406)
        for n, (phone, status, at) in enumerate(
            [
                ("13812345678", Status.CLOSED, START + 3 * H),
                ("+8613812345678", Status.PENDING, START + H),
                ("13812345678", Status.ACCEPTED, START + 2 * H),
                ("13900001111", Status.PENDING, START + 4 * H),  # another citizen
                ("13812345678", Status.PENDING, START - H),  # before the moment
                (None, Status.PENDING, START + H),
            ],
            1,
        ):
            await tx.issues.create(
                an_issue(reporter, f"2611-{n:04d}", citizen_phone=phone, status=status,
                         created_at=at)
            )  # fmt: skip
        spellings = ["13812345678", "+8613812345678", "008613812345678"]
        found = await tx.issues.of_citizen(spellings, START, 10)
        first_two = await tx.issues.of_citizen(spellings, START, 2)

    # Open ones first, the newest first among each.
    assert [i.number for i in found] == ["2611-0003", "2611-0002", "2611-0001"]
    assert [i.number for i in first_two] == ["2611-0003", "2611-0002"]


async def test_open_issues_of_a_category_near_a_point_lately_come_with_their_distance_nearest_first(
    store: Store,
) -> None:
    here = Location(39.9042, 116.4074)  # Beijing: a cell is 170 m east to west there
    north, east = 1 / 111_195, 1 / (111_195 * math.cos(math.radians(here.latitude)))
    async with store.transaction() as tx:
        reporter = await person(tx, 407)
        placed: list[tuple[int | None, int | None, dict[str, object]]] = [
            (150, 0, {}),
            (0, -190, {}),  # two cells west
            (0, 300, {}),  # too far
            (10, 10, {"category": "water_outage"}),  # another category
            (20, 0, {"status": Status.CLOSED}),
            (0, 30, {"status": Status.RESOLVED}),  # resolved: still open
            (50, 0, {"created_at": START - DAY}),  # before the moment
            (None, None, {}),  # no pin
        ]
        for n, (metres_north, metres_east, changes) in enumerate(placed, 1):
            location = (
                None if metres_north is None or metres_east is None
                else Location(here.latitude + metres_north * north,
                              here.longitude + metres_east * east)
            )  # fmt: skip
            await tx.issues.create(
                an_issue(reporter, f"2611-{n:04d}", location=location, **changes)
            )
        found = await tx.issues.near("streetlight", here, 200, START, 10)
        nearest = await tx.issues.near("streetlight", here, 200, START, 1)

    assert [(n.issue.number, round(n.metres)) for n in found] == [
        ("2611-0006", 30), ("2611-0001", 150), ("2611-0002", 190)
    ]  # fmt: skip
    assert [n.issue.number for n in nearest] == ["2611-0006"]


async def test_an_issue_is_followed_once_per_person(store: Store, world: World) -> None:
    first, second = world.issues
    async with store.transaction() as tx:
        await tx.issues.follow(first.id, 3, START)
        await tx.issues.follow(first.id, 2, START)
        await tx.issues.follow(first.id, 3, START + H)  # again: nothing changes

    async with store.reading() as tx:
        assert await tx.issues.followers(first.id) == [2, 3]
        assert await tx.issues.followers(second.id) == []


async def test_a_followers_call_back_is_kept_between_its_answers_and_only_theirs(
    store: Store, world: World
) -> None:
    first, second = world.issues
    async with store.transaction() as tx:
        await tx.issues.follow(first.id, 3, START)
        owed = await tx.issues.follower_call_back(first.id, 3)
        await tx.issues.save_follower_call_back(second.id, 3, FollowerCallBack(Solved.SOLVED))
        await tx.issues.save_follower_call_back(first.id, 3, FollowerCallBack(Solved.PARTLY))
        halfway = await tx.issues.follower_call_back(first.id, 3)
        done = FollowerCallBack(Solved.PARTLY, START + H)
        await tx.issues.save_follower_call_back(first.id, 3, done)

    async with store.reading() as tx:
        assert owed == FollowerCallBack() and halfway == FollowerCallBack(Solved.PARTLY)
        assert await tx.issues.follower_call_back(first.id, 3) == done
        assert await tx.issues.follower_call_back(first.id, 2) is None  # not a follower
        assert await tx.issues.follower_call_back(second.id, 3) is None  # nor of this one


async def test_ended_issues_come_up_for_redaction_and_for_their_cards_longest_ended_first(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 410)
        issues = [
            await tx.issues.create(
                an_issue(reporter, f"2611-000{n}", status=status, updated_at=START + n * H)
            )
            for n, status in enumerate([Status.CLOSED, Status.ACCEPTED, Status.WITHDRAWN], 1)
        ]
        closed, _, withdrawn = issues
        to_redact = [i.id for i in await tx.issues.to_redact(START + DAY, 10)]
        first_only = [i.id for i in await tx.issues.to_redact(START + DAY, 1)]
        not_yet = await tx.issues.to_redact(START + 2 * H, 10)
        await tx.issues.save(dataclasses.replace(closed, redacted_at=START + 2 * H), closed.version)
        redacted = [i.id for i in await tx.issues.to_redact(START + DAY, 10)]
        with_cards = await tx.issues.with_cards_to_retire(START + DAY, 10)
        await tx.issues.cards_retired([closed.id], START + DAY)
        cards_left = await tx.issues.with_cards_to_retire(START + DAY, 10)

    assert to_redact == [closed.id, withdrawn.id] and first_only == [closed.id]
    assert [i.id for i in not_yet] == [closed.id]
    assert redacted == [withdrawn.id]
    assert with_cards == [closed.id, withdrawn.id] and cards_left == [withdrawn.id]


async def test_the_map_reads_open_issues_with_a_pin_newest_first_within_the_limit(
    store: Store,
) -> None:
    here = Location(31.23, 121.47)
    async with store.transaction() as tx:
        reporter = await person(tx, 440)
        head = await person(tx, 441, Role.HEAD, "roads")
        member = await person(tx, 442, Role.MEMBER, "roads")
        made = {}
        for n, (status, department, pinned, complaint_about) in enumerate(
            [
                (Status.PENDING, "roads", True, None),
                (Status.ACCEPTED, "roads", True, None),
                (Status.RESOLVED, "water", True, None),
                (Status.RETURNED, "roads", True, None),
                (Status.CLOSED, "roads", True, None),  # not open
                (Status.WITHDRAWN, "roads", True, None),  # not open
                (Status.ACCEPTED, "roads", False, None),  # no pin
                (Status.PENDING, "roads", True, member.id),  # a complaint about the member
            ],
            1,
        ):
            issue = await tx.issues.create(
                an_issue(
                    reporter,
                    f"2611-{n:04d}",
                    status=status,
                    department=department,
                    location=dataclasses.replace(here, latitude=here.latitude + n / 1000)
                    if pinned
                    else None,
                    created_at=START + n * H,
                    urgent=n == 2,
                    **(
                        {
                            "category": "conduct",
                            "kind": IssueKind.COMPLAINT,
                            "subject_id": complaint_about,
                        }
                        if complaint_about
                        else {}
                    ),
                )
            )
            made[n] = issue
        everything = await tx.issues.pinned(None, 3, None)
        roads = await tx.issues.pinned("roads", 10, None)
        for_head = await tx.issues.pinned("roads", 10, Viewer.of(head))
        for_member = await tx.issues.pinned("roads", 10, Viewer.of(member))

    assert [p.number for p in everything.pins] == ["2611-0008", "2611-0004", "2611-0003"]
    assert everything.total == 5
    assert [p.number for p in roads.pins] == ["2611-0008", "2611-0004", "2611-0002", "2611-0001"]
    assert roads.total == 4
    assert for_head.total == 4 and for_member.total == 3
    second = next(p for p in roads.pins if p.number == "2611-0002")
    assert second == Pin(
        made[2].id, "2611-0002", Location(here.latitude + 0.002, here.longitude), "streetlight",
        "roads", Status.ACCEPTED, True, made[2].resolve_by,
    )  # fmt: skip
    first = next(p for p in roads.pins if p.number == "2611-0001")
    assert first.due == made[1].respond_by
    assert next(p for p in everything.pins if p.number == "2611-0003").due is None


async def test_what_people_hold_is_their_issues_in_progress_and_those_past_their_deadline(
    store: Store,
) -> None:
    now = START + DAY
    async with store.transaction() as tx:
        reporter = await person(tx, 430)
        a, b, other = [await person(tx, 431 + n, Role.MEMBER, "roads") for n in range(3)]
        for n, (status, who, due) in enumerate(
            [
                (Status.ACCEPTED, a, now + H),  # in time
                (Status.ACCEPTED, a, now - H),  # overdue
                (Status.ACCEPTED, b, now),  # due this very second: not past it yet
                (Status.RESOLVED, a, now - H),  # done, waiting for the reporter: not held
                (Status.CLOSED, b, now - H),
                (Status.ACCEPTED, other, now - H),  # not asked about
                (Status.ACCEPTED, None, now - H),  # with the department, nobody's
            ],
            1,
        ):
            assignee = who.id if who else None
            await tx.issues.create(
                an_issue(
                    reporter, f"2611-{n:04d}", status=status, resolve_by=due, assignee_id=assignee
                )
            )
        held = await tx.issues.held_by([a.id, b.id, 999], now)
        nobody = await tx.issues.held_by([], now)

    assert held == {a.id: Held(open=2, overdue=1), b.id: Held(open=1, overdue=0)}
    assert nobody == {}


async def test_the_next_deadline_is_the_earliest_of_open_issues_still_ahead(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 440)
        nothing = await tx.issues.next_deadline(START)
        for n, (status, respond, resolve) in enumerate(
            [
                (Status.PENDING, START + 3 * H, START + 2 * DAY),  # its respond_by counts
                (Status.ACCEPTED, START + H, START + 2 * H),  # its resolve_by counts
                (Status.RESOLVED, START + H, START + H),  # not open: none counts
                (Status.PENDING, START - H, START + H),  # passed already
            ],
            1,
        ):
            await tx.issues.create(
                an_issue(
                    reporter, f"2612-{n:04d}", status=status, respond_by=respond, resolve_by=resolve
                )
            )
        first = await tx.issues.next_deadline(START)
        then = await tx.issues.next_deadline(START + 2 * H)
        after_all = await tx.issues.next_deadline(START + 3 * H)

    assert nothing is None
    assert (first, then, after_all) == (START + 2 * H, START + 3 * H, None)


async def test_the_next_reminder_is_the_earliest_rung_still_ahead(store: Store) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 441)
        nothing = await tx.issues.next_reminder(START)
        for n, rung in enumerate([START + 3 * H, START + H, None, START - H], 1):
            issue = an_issue(reporter, f"2612-{n:04d}", status=Status.PENDING)
            await tx.issues.create(dataclasses.replace(issue, next_reminder_at=rung))
        first = await tx.issues.next_reminder(START)
        then = await tx.issues.next_reminder(START + H)
        after_all = await tx.issues.next_reminder(START + 3 * H)

    assert nothing is None
    assert (first, then, after_all) == (START + H, START + 3 * H, None)


async def test_the_issues_flagged_in_a_period_are_read_the_latest_first(store: Store) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 421)
        numbers = []
        for hours in (0, 1, 2, 5):
            issue = await tx.issues.create(an_issue(reporter, f"2611-00{hours + 10}"))
            numbers.append(issue.number)
            await tx.timeline.append(issue.id, Event(EventKind.NOTE, reporter.id, START, text="x"))
            await tx.timeline.append(issue.id, Event(EventKind.FLAGGED, None, START + hours * H))
        found = await tx.timeline.flagged(START + H, START + 5 * H, 10)
        first = await tx.timeline.flagged(START, START + 6 * H, 2)

    assert found == [numbers[2], numbers[1]]  # from the start, until before the end
    assert first == [numbers[3], numbers[2]]


async def test_the_timeline_is_appended_to_and_its_latest_step_leaves_notes_aside(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 420)
        issue = await tx.issues.create(an_issue(reporter))
        submitted = await tx.timeline.append(
            issue.id, Event(EventKind.SUBMITTED, reporter.id, START, due_at=START + 2 * H)
        )
        await tx.timeline.append(issue.id, Event(EventKind.NOTE, reporter.id, START, text="备注"))
        steps = await tx.timeline.of_issue(issue.id)
        latest = await tx.timeline.latest_step(issue.id)
        found = await tx.timeline.get(submitted.id or 0)
        none = await tx.timeline.latest_step(999)

    assert submitted.id is not None and submitted.issue_id == issue.id
    assert [e.kind for e in steps] == [EventKind.SUBMITTED, EventKind.NOTE]
    assert latest == submitted == found and submitted.due_at == START + 2 * H
    assert none is None


async def test_a_call_backs_answers_are_kept_on_its_step_and_its_tries_on_the_issue(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        reporter = await person(tx, 430)
        issue = await tx.issues.create(an_issue(reporter, status=Status.RESOLVED))
        answered = Event(
            EventKind.CALLBACK, reporter.id, START, "roads", text="旁边那盏还暗",
            verdict=Verdict.BASICALLY_SATISFIED, contacted=Contact.NO, solved=Solved.PARTLY,
        )  # fmt: skip
        unreached = Event(EventKind.CALLBACK, reporter.id, START, verdict=Verdict.UNREACHABLE)
        await tx.timeline.append(issue.id, answered)
        await tx.timeline.append(issue.id, unreached)
        steps = await tx.timeline.of_issue(issue.id)
        tried = dataclasses.replace(issue, unreached=3, callback_given_up=True)
        await tx.issues.save(tried, issue.version)
        found = await tx.issues.get(issue.id)

    assert [(e.contacted, e.solved, e.verdict, e.text) for e in steps] == [
        (Contact.NO, Solved.PARTLY, Verdict.BASICALLY_SATISFIED, "旁边那盏还暗"),
        (None, None, Verdict.UNREACHABLE, None),
    ]
    assert found is not None and (found.unreached, found.callback_given_up) == (3, True)


# ------------------------------------------------------------------------------ conversations


async def test_drafts_and_questions_are_one_per_person_and_found_once_idle(
    store: Store, world: World
) -> None:
    draft = Draft("t1", Step.CATEGORY, START, description="路灯不亮", photos=("p",))
    prompt = Prompt(1, Action.RETURN, 500, START + H, department="water", photos=("q",))
    tapping = Prompt(1, Action.CALLBACK, 500, START, answers=Answers(Contact.YES, Solved.SOLVED))
    who = world.people[0].id
    async with store.transaction() as tx:
        await tx.drafts.put(who, 500, draft)
        await tx.drafts.put(who, 501, dataclasses.replace(draft, description="井盖丢失"))
        await tx.prompts.put(who, tapping)  # a call-back's answers so far, tapped …
        tapped = await tx.prompts.get(who)
        await tx.prompts.put(who, prompt)  # … then another question in its place
        kept = (await tx.drafts.get(who), await tx.prompts.get(who))
        idle_drafts = await tx.drafts.idle_since(START)
        idle_prompts = (await tx.prompts.idle_since(START), await tx.prompts.idle_since(START + H))
        deleted = [
            await tx.drafts.delete(who),
            await tx.drafts.delete(who),
            await tx.prompts.delete(who),
        ]

    assert kept[0] is not None and kept[0].description == "井盖丢失"
    assert kept[1] == prompt and tapped == tapping
    assert [(i.staff_id, i.chat_id, i.updated_at) for i in idle_drafts] == [(who, 501, START)]
    assert idle_prompts[0] == [] and [i.chat_id for i in idle_prompts[1]] == [500]
    assert deleted == [True, False, True]


async def test_a_redaction_question_is_answered_once_by_whoever_asked_it(
    store: Store, world: World
) -> None:
    async with store.transaction() as tx:
        await tx.redaction_requests.add(RedactionRequest("tok", 2, (1, 2), START))
        await tx.redaction_requests.add(RedactionRequest("old", 2, (1,), START - DAY))
        by_another = await tx.redaction_requests.take("tok", 3)
        taken = await tx.redaction_requests.take("tok", 2)
        again = await tx.redaction_requests.take("tok", 2)
        forgotten = await tx.redaction_requests.forget_before(START)

    assert by_another is None and again is None
    assert taken == RedactionRequest("tok", 2, (1, 2), START)
    assert forgotten == 1


# ------------------------------------------------------------------------------ messages


async def test_a_message_is_queued_once_per_key_and_read_most_urgent_first(
    store: Store, world: World
) -> None:
    async with store.transaction() as tx:
        added = await tx.outbox.add_many([message("a", 1), message("b", 2), message("a", 3)])
        urgent = await tx.outbox.add(message("urgent", 1, Priority.URGENT))
        twice = await tx.outbox.add(message("urgent", 1, Priority.URGENT))
        await tx.outbox.add(message("later", 1, due_in=H))
        everything = await tx.outbox.due(START, 10)
        held = {everything[0].id or 0}
        rest = await tx.outbox.due(START, 10, held)
        first_two = await tx.outbox.due(START, 2, held)
        next_due = await tx.outbox.next_due_at()

    assert (added, urgent, twice) == (2, True, False)
    assert [i.key for i in everything] == ["urgent", "a", "b"]
    assert [i.key for i in rest] == ["a", "b"] and [i.key for i in first_two] == ["a"]
    assert rest[0].payload == {"phase": "0"} and rest[0].attempts == 0
    assert next_due == START


async def test_a_message_is_attempted_then_sent_retried_or_given_up_and_purged_later(
    store: Store, world: World
) -> None:
    async with store.transaction() as tx:
        await tx.outbox.add_many([message(k, 1) for k in ("sent", "retried", "failed")])
        sent, retried, failed = await tx.outbox.due(START, 10)
        attempted = await tx.outbox.attempting([sent.id or 0, retried.id or 0], START)
        await tx.outbox.mark_sent([(sent.id or 0, 4242)], START)
        too_late = await tx.outbox.attempting([sent.id or 0], START)
        await tx.outbox.retry_later(retried.id or 0, START + H, "timed out")
        await tx.outbox.give_up(failed.id or 0, START + H, "blocked")
        waiting = [i.key for i in await tx.outbox.due(START + H, 10)]
        delivered = await tx.outbox.get(sent.id or 0)
        purged = [
            await tx.outbox.purge_done_before(START, 10),
            await tx.outbox.purge_done_before(START + DAY, 1),
            await tx.outbox.purge_done_before(START + DAY, 10),
        ]
        gone = await tx.outbox.get(sent.id or 0)

    assert (attempted, too_late) == ({sent.id, retried.id}, set())
    assert waiting == ["retried"]
    assert delivered is not None and delivered.message_id == 4242 and delivered.attempts == 1
    assert purged == [0, 1, 1] and gone is None


async def test_the_backlog_counts_the_messages_due_and_not_sent_and_when_the_oldest_fell_due(
    store: Store, world: World
) -> None:
    async with store.transaction() as tx:
        empty = await tx.outbox.backlog(START)
        await tx.outbox.add_many(
            [
                message("sent", 1, due_in=-2 * H),
                message("given-up", 1, due_in=-2 * H),
                message("waiting-long", 1, due_in=-H),
                message("waiting", 2),
                message("later", 2, due_in=H),  # a retry's, or quiet hours': not due yet
            ]
        )
        sent, given_up, *_ = await tx.outbox.due(START, 10)
        await tx.outbox.mark_sent([(sent.id or 0, 1)], START)
        await tx.outbox.give_up(given_up.id or 0, START, "blocked")
        backlog = await tx.outbox.backlog(START)
        later = await tx.outbox.backlog(START + 2 * H)

    assert (empty.due, empty.oldest_due_at) == (0, None)
    assert (backlog.due, backlog.oldest_due_at) == (2, START - H)
    assert (later.due, later.oldest_due_at) == (3, START - H)


async def test_a_heartbeat_replaces_the_last_of_its_loop(store: Store) -> None:
    async with store.transaction() as tx:
        none = await tx.heartbeats.all()
        await tx.heartbeats.beat(Heartbeat(Beat.SWEEP, START, timedelta(seconds=60)))
        await tx.heartbeats.beat(Heartbeat(Beat.UPDATES, START, timedelta(seconds=30)))
        await tx.heartbeats.beat(Heartbeat(Beat.SWEEP, START + H, timedelta(seconds=0.5)))
    async with store.peek() as peek:
        seen = await peek.heartbeats.all()

    assert none == []
    assert sorted(seen, key=lambda h: h.beat) == [
        Heartbeat(Beat.SWEEP, START + H, timedelta(seconds=0.5)),
        Heartbeat(Beat.UPDATES, START, timedelta(seconds=30)),
    ]


async def test_a_newer_reminder_replaces_only_the_same_persons_older_one(
    store: Store, world: World
) -> None:
    async with store.transaction() as tx:
        await tx.outbox.add_many([message("old-1", 1), message("old-2", 2)])
        replaced = await tx.outbox.supersede_reminders([(1, 1)], START)
        waiting = await tx.outbox.due(START, 10)

    assert replaced == 1
    assert [i.key for i in waiting] == ["old-2"]


async def test_a_newer_edit_of_a_card_replaces_the_waiting_ones_but_not_an_erasing_one(
    store: Store, world: World
) -> None:
    def edit(key: str, chat: int, message_id: int, erase: bool = False) -> OutboxItem:
        item = dataclasses.replace(
            message(key, 1), kind=OutboxKind.REFRESH, chat_id=chat, message_id=message_id
        )
        return dataclasses.replace(item, payload={ERASE: "1"} if erase else {})

    async with store.transaction() as tx:
        await tx.outbox.add_many(
            [
                edit("card 7, first", 101, 7),
                edit("card 7, on its way", 101, 7),
                edit("card 7, erasing", 101, 7, erase=True),
                edit("card 8", 101, 8),
                dataclasses.replace(edit("another issue's", 101, 7), issue_id=2),
            ]
        )
        waiting = {i.key: i for i in await tx.outbox.due(START, 10)}
        await tx.outbox.attempting([waiting["card 7, on its way"].id or 0], START)
        replaced = await tx.outbox.supersede_edits(1, [(101, 7)], START)
        left = sorted(i.key for i in await tx.outbox.due(START, 10))

    assert replaced == 1  # only the first: the others are on their way, erasing, or elsewhere
    assert left == ["another issue's", "card 7, erasing", "card 7, on its way", "card 8"]


async def test_the_reminders_to_a_chat_are_found_whatever_became_of_them_until_purged(
    store: Store, world: World
) -> None:
    def reminder(key: str, at: timedelta, payload: dict[str, str]) -> OutboxItem:
        item = dataclasses.replace(message(key, 1), created_at=START + at, due_at=START + at)
        return dataclasses.replace(item, payload=payload)

    async with store.transaction() as tx:
        await tx.outbox.add_many(
            [
                reminder("before", -H, {"rung": "deadline"}),
                reminder("sent", H, {"rung": "escalation"}),
                reminder("folded", 2 * H, {"rung": "overdue"}),
                reminder("listing", 2 * H, {"rung": "escalation"}),
                reminder("waiting", 3 * H, {"rung": "overdue"}),
                dataclasses.replace(message("to another", 2), created_at=START + H),
            ]
        )
        await tx.outbox.add(notice_item("a notice", 101, 1, Notice.DRAFT_DROPPED, START + H))
        by_key = {i.key: i for i in await tx.outbox.due(START + 3 * H, 10)}
        await tx.outbox.mark_sent([(by_key["sent"].id or 0, 77)], START + H)
        await tx.outbox.set_aside([(by_key["folded"].id or 0, "folded")], START + 2 * H)
        await tx.outbox.relist(by_key["listing"].id or 0, {"listed": "1:0:escalation"})
        found = await tx.outbox.reminders_to(101, START, 10)
        first = await tx.outbox.reminders_to(101, START, 1)
        await tx.outbox.purge_done_before(START + DAY, 10)
        after_purge = await tx.outbox.reminders_to(101, START, 10)

    assert [i.key for i in found] == ["sent", "folded", "listing", "waiting"]
    assert found[0].payload == {"rung": "escalation"} and found[0].created_at == START + H
    assert found[2].issue_id is None and found[2].payload == {"listed": "1:0:escalation"}
    assert [i.key for i in first] == ["sent"]
    assert [i.key for i in after_purge] == ["listing", "waiting"]  # those done are gone


async def test_cards_sent_are_found_by_chat_and_by_issue_and_forgotten(
    store: Store, world: World
) -> None:
    async with store.transaction() as tx:
        for card in (Card(-5, 2, 1, department="roads"), Card(9, 7, 1, staff_id=3),
                     Card(9, 8, 2, staff_id=3), Card(9, 7, 1, staff_id=4)):  # fmt: skip
            await tx.cards.add(card)  # the last one replaces the second
        found = await tx.cards.find(9, 7)
        of_one = await tx.cards.of_issue(1)
        of_both = await tx.cards.of_issues([2, 1])
        forgotten = await tx.cards.forget([1])
        left = await tx.cards.of_issues([1, 2])

    assert found == Card(9, 7, 1, staff_id=4)
    assert [(c.chat_id, c.message_id) for c in of_one] == [(-5, 2), (9, 7)]
    assert [(c.issue_id, c.message_id) for c in of_both] == [(1, 2), (1, 7), (2, 8)]
    assert forgotten == 2 and left == [Card(9, 8, 2, staff_id=3)]


async def test_a_digest_is_claimed_once_a_day(store: Store, world: World) -> None:
    async with store.transaction() as tx:
        claims = [
            await tx.digests.claim("2026-11-25", "morning"),
            await tx.digests.claim("2026-11-25", "morning"),
            await tx.digests.claim("2026-11-25", "weekly"),
            await tx.digests.claim("2026-11-26", "morning"),
        ]

    assert claims == [True, False, True, True]


async def test_updates_are_kept_until_handled_and_handled_once(store: Store) -> None:
    async with store.transaction() as tx:
        new = await tx.updates.keep([(2, "{two}"), (1, "{one}")], START)
        kept = await tx.updates.unhandled()
        first = await tx.updates.first_time(1, START)
        repeat = await tx.updates.first_time(1, START + H)
        handled_again = await tx.updates.keep([(1, "{one again}")], START + H)  # already handled
        waiting_again = await tx.updates.keep([(2, "{two again}"), (3, "{three}")], START + H)
        left = await tx.updates.unhandled()
        forgotten = await tx.updates.forget_before(START + DAY)
        after_forgetting = await tx.updates.first_time(1, START + DAY)

    assert kept == [(1, "{one}"), (2, "{two}")]
    assert sorted(new) == [1, 2]  # neither handled nor kept before: fresh
    assert (first, repeat) == (True, False)
    assert handled_again == [] and waiting_again == [3]  # only the one never seen is fresh
    assert left == [(2, "{two}"), (3, "{three}")]
    assert forgotten == 1 and after_forgetting is True


async def test_one_export_per_person_is_on_record_until_it_ends(store: Store, world: World) -> None:
    async with store.transaction() as tx:
        started = await tx.running_exports.start(RunningExport(1, 100, "2026-11"), START)
        refused = await tx.running_exports.start(RunningExport(1, 100, "week"), START)
        await tx.running_exports.start(RunningExport(2, 200, "week"), START)
        await tx.running_exports.end(1)
        cut_short = await tx.running_exports.take_all()
        none_left = await tx.running_exports.take_all()

    assert (started, refused) == (None, "2026-11")
    assert cut_short == [RunningExport(2, 200, "week")] and none_left == []
