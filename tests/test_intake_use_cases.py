"""Submitting a new issue, through the use case alone (casework/services/intake.py) on the
in-memory store: one transaction makes the issue, its first step, its figures and its
messages, and drops the draft; one that fails halfway leaves the draft as it was."""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

import pytest

import casework.services.intake
from casework import errors
from casework.intake import Draft, Step, answered
from casework.issues import EventKind, Source, Status
from casework.people import Staff
from casework.services import Deps
from casework.services.access import sync_organisation
from casework.services.intake import call_again, history, submit, update
from config.org import load_organisation
from tests.fakes import FakeStore
from tests.harness import START, TEST_ORG, FakeClock

ORG = load_organisation(TEST_ORG)
SUMMARY = Draft(
    token="t1", step=Step.SUMMARY, updated_at=START, description="中山路12号路灯不亮",
    category="streetlight", source=Source.HOTLINE, urgent=False, department="roads",
    citizen_phone="13812345678", photos=("dark-lamp",),
)  # fmt: skip


@pytest.fixture
async def store() -> FakeStore:
    store = FakeStore()
    await sync_organisation(Deps(store, ORG, FakeClock(), ZoneInfo("Asia/Shanghai")))
    return store


@pytest.fixture
def deps(store: FakeStore) -> Deps:
    return Deps(store, ORG, FakeClock(), ZoneInfo("Asia/Shanghai"))


async def with_a_draft(store: FakeStore, telegram_id: int = 1001) -> Staff:
    """The worker, with the draft at its summary."""
    async with store.transaction() as tx:
        worker = await tx.staff.by_telegram_id(telegram_id)
        assert worker is not None
        await tx.drafts.put(worker.id, worker.telegram_id, SUMMARY)
    return worker


async def test_a_submitted_draft_becomes_a_pending_issue_told_to_its_department_at_once(
    store: FakeStore, deps: Deps
) -> None:
    worker = await with_a_draft(store)
    before = store.transactions

    issue = (await submit(deps, worker, "t1")).issue

    tables = store.tables
    assert store.transactions == before + 1  # one transaction for it all
    assert issue.number == "2611-0001" and issue.status is Status.PENDING
    assert issue.respond_by is not None and issue.photos == ("dark-lamp",)
    assert [e.kind for e in tables.events.values()] == [EventKind.SUBMITTED]
    assert {t.measure for t in tables.tallies} == {"received", "handoffs_due"}
    told = {m.item.chat_id for m in tables.outbox.values()}
    assert {2001, 2002, 2003} <= told and worker.telegram_id not in told
    assert tables.drafts == {}


async def test_submitting_twice_makes_one_issue(store: FakeStore, deps: Deps) -> None:
    worker = await with_a_draft(store)
    await submit(deps, worker, "t1")

    with pytest.raises(errors.NoDraft):
        await submit(deps, worker, "t1")

    assert len(store.tables.issues) == 1


async def test_a_submission_that_fails_halfway_leaves_no_issue_and_keeps_the_draft(
    store: FakeStore, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = await with_a_draft(store)

    async def unreachable_department(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the department could not be told")

    monkeypatch.setattr(casework.services.intake, "announce", unreachable_department)
    with pytest.raises(RuntimeError, match="could not be told"):
        await submit(deps, worker, "t1")

    tables = store.tables
    assert tables.issues == {} and tables.events == {} and tables.tallies == []
    assert tables.issue_counters == {}  # the number is not used up either
    assert tables.drafts[worker.id][1] == SUMMARY


# ----------------------------------------------------------- the citizen's history (issue 19)

AT_PHONE = Draft(
    token="t2", step=Step.CITIZEN_PHONE, updated_at=START, description="路灯还是不亮",
    category="streetlight",
)  # fmt: skip


async def called_again(
    store: FakeStore, deps: Deps, phone: str = "+86 138-1234-5678"
) -> tuple[Staff, Draft]:
    """An issue logged for the citizen 13812345678, then a second report up to its phone: the
    worker, and the draft after the phone."""
    worker = await with_a_draft(store)
    await submit(deps, worker, "t1")
    async with store.transaction() as tx:
        await tx.drafts.put(worker.id, worker.telegram_id, AT_PHONE)
    draft = await update(
        deps, worker, lambda d: answered(d, phone, None, START), token="t2", step=AT_PHONE.step
    )
    return worker, draft


async def test_a_phone_on_an_earlier_issue_brings_up_the_citizens_history(
    store: FakeStore, deps: Deps
) -> None:
    worker, draft = await called_again(store, deps)

    assert draft.step is Step.HISTORY
    found = await history(deps, worker, draft)
    assert [i.number for i in found.issues] == ["2611-0001"] and found.more == 0


async def test_a_phone_never_seen_goes_straight_on_to_the_source(
    store: FakeStore, deps: Deps
) -> None:
    _, draft = await called_again(store, deps, phone="139 0000 1111")

    assert draft.step is Step.SOURCE


async def test_a_repeat_call_is_one_transaction_that_logs_nothing_new(
    store: FakeStore, deps: Deps
) -> None:
    worker, _ = await called_again(store, deps)
    before = store.transactions

    done = await call_again(deps, worker, "t2", 1)

    tables = store.tables
    assert store.transactions == before + 1
    assert list(tables.issues) == [1] and done.issue.repeat_calls == 1
    assert [e.kind for e in tables.events.values()] == [EventKind.SUBMITTED, EventKind.REPEAT_CALL]
    [repeat] = [e for e in tables.events.values() if e.kind is EventKind.REPEAT_CALL]
    assert repeat.text == "路灯还是不亮" and repeat.department == "roads"
    assert [(t.department, t.measure) for t in tables.tallies[-1:]] == [("roads", "repeat_calls")]
    reminded = {m.item.chat_id for m in tables.outbox.values() if m.item.event_id == repeat.id}
    assert reminded == {2001, 2002, 2003}  # pending, nobody assigned: the whole department
    assert tables.drafts == {}


async def test_a_repeat_call_on_an_issue_withdrawn_meanwhile_changes_nothing(
    store: FakeStore, deps: Deps
) -> None:
    worker, draft = await called_again(store, deps)
    async with store.transaction() as tx:
        issue = await tx.issues.get(1)
        assert issue is not None
        withdrawn = dataclasses.replace(issue, status=Status.WITHDRAWN, version=issue.version + 1)
        await tx.issues.save(withdrawn, issue.version)

    with pytest.raises(errors.IssueNoLongerOpen):
        await call_again(deps, worker, "t2", 1)
    with pytest.raises(errors.IssueNotFound):  # not one of the citizen's: forged
        await call_again(deps, worker, "t2", 99)

    tables = store.tables
    assert [e.kind for e in tables.events.values()] == [EventKind.SUBMITTED]
    assert tables.drafts[worker.id][1] == draft


# ---------------------------------------------------- the repeat flag (issue 19, point 3)


async def with_repeat_calls(store: FakeStore, n: int, flagged: bool = False) -> None:
    """Issue 1 as if the citizen had called about it `n` times already (and it was flagged)."""
    async with store.transaction() as tx:
        issue = await tx.issues.get(1)
        assert issue is not None
        again = dataclasses.replace(
            issue, repeat_calls=n, flagged_at=START if flagged else None, version=issue.version + 1
        )
        await tx.issues.save(again, issue.version)


async def test_the_call_that_brings_an_issue_to_three_reports_flags_it_to_the_coordinators(
    store: FakeStore, deps: Deps
) -> None:
    worker, _ = await called_again(store, deps)
    await with_repeat_calls(store, 1)
    before = store.transactions

    done = await call_again(deps, worker, "t2", 1)

    tables = store.tables
    assert store.transactions == before + 1  # the call and its flag: one transaction
    assert done.issue.times_reported == 3 and done.issue.flagged_at == deps.clock.now()
    assert tables.issues[1].flagged_at == deps.clock.now()  # kept on the issue
    kinds = [e.kind for e in tables.events.values()]
    assert kinds == [EventKind.SUBMITTED, EventKind.REPEAT_CALL, EventKind.FLAGGED]
    [flag] = [e for e in tables.events.values() if e.kind is EventKind.FLAGGED]
    assert flag.actor_id is None and flag.department == "roads"
    told = {m.item.chat_id for m in tables.outbox.values() if m.item.event_id == flag.id}
    assert told == {9001}  # the coordinators, with the card (an event's notice)


async def test_a_call_on_an_issue_flagged_before_does_not_flag_it_again(
    store: FakeStore, deps: Deps
) -> None:
    worker, _ = await called_again(store, deps)
    await with_repeat_calls(store, 3, flagged=True)

    done = await call_again(deps, worker, "t2", 1)

    assert done.issue.times_reported == 5 and done.issue.flagged_at == START  # as it was
    kinds = [e.kind for e in store.tables.events.values()]
    assert kinds == [EventKind.SUBMITTED, EventKind.REPEAT_CALL]
