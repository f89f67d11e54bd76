"""Steps on an issue (accept, return, resolve …), and the typed answers some steps wait for."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from casework import errors, lifecycle
from casework.commands import (
    Accept,
    Action,
    AddNote,
    Assign,
    Command,
    Confirm,
    Praise,
    Reopen,
    Reroute,
    Resolve,
    Return,
    Transfer,
    Withdraw,
)
from casework.issues import Event, Issue, WithdrawReason
from casework.limits import PHOTOS_MAX
from casework.metrics import tallies
from casework.people import Staff
from casework.ports import Transaction
from casework.prompts import Prompt
from casework.services import Deps, reload_actor
from casework.services.notify import announce


@dataclass(frozen=True)
class Outcome:
    issue: Issue
    event: Event


async def take_step(
    deps: Deps,
    actor: Staff,
    issue_id: int,
    command: Command,
    origin_card: tuple[int, int] | None = None,
) -> Outcome:
    """Check the step against the rules, record it, and queue who must hear of it."""

    async def make(tx: Transaction, issue: Issue) -> Command:
        return command

    return await _step(deps, actor, issue_id, make, origin_card)


async def assign(
    deps: Deps,
    actor: Staff,
    issue_id: int,
    assignee_id: int,
    origin_card: tuple[int, int] | None = None,
) -> Outcome:
    async def make(tx: Transaction, issue: Issue) -> Command:
        assignee = await tx.staff.by_id(assignee_id)
        if assignee is None:
            raise errors.NotInDepartment()
        return Assign(assignee)

    return await _step(deps, actor, issue_id, make, origin_card)


async def praise(
    deps: Deps,
    actor: Staff,
    issue_id: int,
    person_id: int | None,
    origin_card: tuple[int, int] | None = None,
) -> Outcome:
    """Praise the department that handled the issue (`person_id` None), or one of its people."""

    async def make(tx: Transaction, issue: Issue) -> Command:
        person = await tx.staff.by_id(person_id) if person_id is not None else None
        if person_id is not None and person is None:
            raise errors.NotInDepartment()
        return Praise(person)

    return await _step(deps, actor, issue_id, make, origin_card)


async def _step(
    deps: Deps,
    actor: Staff,
    issue_id: int,
    make: Callable[[Transaction, Issue], Awaitable[Command]],
    origin_card: tuple[int, int] | None,
) -> Outcome:
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await _issue(tx, issue_id)
        command = await make(tx, issue)
        try:
            event = lifecycle.decide(issue, actor, command, now, deps.org)
        except errors.WrongState as refusal:
            raise await _who_moved_it(tx, refusal, issue) from None
        changed = lifecycle.apply(issue, event, deps.org)
        if not await tx.issues.save(changed, expected_version=issue.version):
            raise errors.WrongState(command.action.value, issue.status.value)
        event = lifecycle.on_the_record(event, issue, changed)
        event = await tx.timeline.append(issue.id, event)
        await tx.metrics.tally(tallies(event, issue, changed, deps.zone))
        await announce(tx, deps.org, changed, event, now, skip_card=origin_card)
        return Outcome(changed, event)


async def check_step(deps: Deps, actor: Staff, issue_id: int, action: Action) -> Issue:
    """Refuse a step before asking anything for it; the issue if it may go ahead."""
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await _issue(tx, issue_id)
        try:
            lifecycle.check(issue, actor, action)
        except errors.WrongState as refusal:
            raise await _who_moved_it(tx, refusal, issue) from None
        return issue


async def ask_for_text(
    deps: Deps,
    actor: Staff,
    issue_id: int,
    action: Action,
    chat_id: int,
    department: str | None = None,
    withdraw_reason: WithdrawReason | None = None,
) -> Issue:
    """Wait for the person's words for this step (after checking they may take it)."""
    issue = await check_step(deps, actor, issue_id, action)
    if department is not None and deps.org.department(department) is None:
        raise errors.UnknownDepartment(department)
    if action is Action.TRANSFER and department == issue.department:
        raise errors.SameDepartment()
    async with deps.store.transaction() as tx:
        await tx.prompts.put(
            actor.id,
            Prompt(
                issue_id=issue.id,
                action=action,
                chat_id=chat_id,
                updated_at=deps.clock.now(),
                department=department,
                withdraw_reason=withdraw_reason,
            ),
        )
    return issue


async def waiting_prompt(deps: Deps, actor: Staff) -> Prompt | None:
    async with deps.store.transaction() as tx:
        prompt = await tx.prompts.get(actor.id)
    if prompt is None or prompt.expired(deps.clock.now()):
        return None
    return prompt


async def answer(deps: Deps, actor: Staff, text: str, photos: tuple[str, ...] = ()) -> Outcome:
    """Take the step the person's prompt was waiting for, with their words.

    A refusal that typing again cannot fix (the issue moved on, no right to it) ends the
    prompt; a text that is empty or too long leaves it open for another try.
    """
    prompt = await waiting_prompt(deps, actor)
    if prompt is None:
        raise errors.NothingAsked()
    command = _command_for(prompt, text, (*prompt.photos, *photos))

    async def make(tx: Transaction, issue: Issue) -> Command:
        await tx.prompts.delete(actor.id)  # answered, in the same transaction as the step
        return command

    try:
        return await _step(deps, actor, prompt.issue_id, make, None)
    except (errors.WrongState, errors.NotAllowed, errors.IssueNotFound):
        await drop_prompt(deps, actor)
        raise


async def add_prompt_photo(deps: Deps, actor: Staff, file_id: str) -> Prompt:
    """Keep a photo sent while a resolution or a note is being written."""
    async with deps.store.transaction() as tx:
        prompt = await tx.prompts.get(actor.id)
        if prompt is None or prompt.expired(deps.clock.now()):
            raise errors.NothingAsked()
        if prompt.action not in (Action.RESOLVE, Action.NOTE):
            raise errors.PhotoNotExpected()
        if len(prompt.photos) >= PHOTOS_MAX:
            raise errors.TooManyPhotos(PHOTOS_MAX)
        kept = dataclasses.replace(
            prompt, photos=(*prompt.photos, file_id), updated_at=deps.clock.now()
        )
        await tx.prompts.put(actor.id, kept)
        return kept


async def put_prompt_aside(deps: Deps, actor: Staff) -> bool:
    """The person started something else that takes typed text (a new issue): drop the
    question waiting for their answer, so their next words do not answer it. True if one was
    still waiting."""
    async with deps.store.transaction() as tx:
        prompt = await tx.prompts.get(actor.id)
        if prompt is None:
            return False
        await tx.prompts.delete(actor.id)
    return not prompt.expired(deps.clock.now())


async def drop_prompt(deps: Deps, actor: Staff) -> bool:
    async with deps.store.transaction() as tx:
        return await tx.prompts.delete(actor.id)


def _command_for(prompt: Prompt, text: str, photos: tuple[str, ...]) -> Command:
    match prompt.action:
        case Action.ACCEPT:
            return Accept(reason=text)
        case Action.RETURN:
            return Return(reason=text)
        case Action.REROUTE:
            assert prompt.department is not None
            return Reroute(department=prompt.department, reason=text)
        case Action.TRANSFER:
            assert prompt.department is not None
            return Transfer(department=prompt.department, reason=text)
        case Action.RESOLVE:
            return Resolve(text=text, photos=photos)
        case Action.CONFIRM:
            return Confirm(reason=text)
        case Action.REOPEN:
            return Reopen(reason=text)
        case Action.WITHDRAW:
            assert prompt.withdraw_reason is not None
            return Withdraw(why=prompt.withdraw_reason, reason=text)
        case Action.NOTE:
            return AddNote(text=text, photos=photos)
    raise errors.StaleStep()


async def _issue(tx: Transaction, issue_id: int) -> Issue:
    issue = await tx.issues.get(issue_id)
    if issue is None:
        raise errors.IssueNotFound()
    return issue


async def _who_moved_it(
    tx: Transaction, refusal: errors.WrongState, issue: Issue
) -> errors.WrongState:
    """The refusal, naming who took the last step (`already accepted by 陈建国`)."""
    latest = await tx.timeline.latest_step(issue.id)
    person = await tx.staff.by_id(latest.actor_id) if latest and latest.actor_id else None
    return errors.WrongState(
        refusal.action, refusal.status, person.name if person else None, refusal.done
    )
