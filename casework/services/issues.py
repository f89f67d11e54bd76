"""Steps on an issue (accept, return, resolve …), and the typed answers some steps wait for.

A press of a card's button, a typed answer and a note are each one use case in one
transaction: it re-reads the person and the issue, asks the rules (`casework.lifecycle`),
decides what the press comes to (the step's choices, a question waiting for words, or the step
taken), applies it, queues who must hear of it, and returns what the person who pressed or typed
is shown: the issue as it is now and its card for them (their buttons now, the people it names).
The handler only renders. A refusal is raised (`casework.errors`), and nothing is changed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from casework import errors, lifecycle
from casework.commands import (
    Accept,
    Action,
    AddAssist,
    AddNote,
    Assign,
    Command,
    Confirm,
    Praise,
    RecordCallback,
    Reopen,
    Reroute,
    Resolve,
    Return,
    Transfer,
    Withdraw,
)
from casework.issues import Event, Issue, Verdict, WithdrawReason
from casework.limits import PHOTOS_MAX
from casework.metrics import Held, least_loaded_first, tallies
from casework.numbering import parse_number
from casework.people import Staff
from casework.ports import Transaction
from casework.prompts import Prompt
from casework.roles import Role
from casework.services import Deps, reload_actor
from casework.services.notify import announce
from casework.services.views import Shown, shown


@dataclass(frozen=True)
class Press:
    """A button on an issue's card: the step, and what was chosen with it. A step that names
    something (`lifecycle.needs_choice`), or is confirmed (`lifecycle.needs_confirmation`), is
    pressed twice: first to see the choices (`chosen` False), then with the one chosen."""

    action: Action
    chosen: bool = False
    department: str | None = None  # transfer, re-route, assist
    person_id: int | None = None  # assign; praise (None: praise the department)
    withdraw_reason: WithdrawReason | None = None
    verdict: Verdict | None = None


@dataclass(frozen=True)
class Result:
    """What a press, a typed answer or a note came to, for the person who acted."""

    issue: Issue  # as it is now
    card: Shown | None  # its card for the person who acted; None: they may no longer see it


@dataclass(frozen=True)
class Taken(Result):
    """The step was taken."""

    action: Action
    event: Event


@dataclass(frozen=True)
class Asked(Result):
    """The step needs words: the question waits for the person's next message."""

    prompt: Prompt


@dataclass(frozen=True)
class Offered(Result):
    """The step names something first: the choices. Departments for a transfer, a re-route or
    an assist; the people who may be assigned; for praise, the person who handled the issue
    (besides its department). The kinds of withdrawal and the verdicts are the same for every
    issue."""

    action: Action
    departments: list[str] = field(default_factory=list)
    people: list[Staff] = field(default_factory=list)
    # To assign: what each person holds now (those holding nothing are left out); `people`
    # come the least loaded first.
    held: dict[int, Held] = field(default_factory=dict)


async def press(
    deps: Deps,
    actor: Staff,
    issue_id: int,
    pressed: Press,
    *,
    card: tuple[int, int] | None = None,
    group: str | None = None,
) -> Taken | Asked | Offered:
    """A button pressed on the issue's card (`card`: its chat and message, left out of the
    refreshes every step queues, as the result redraws it; `group`: the department whose group
    chat it is in, whose buttons it shows)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await _issue(tx, issue_id)
        await _check(tx, issue, actor, pressed.action)
        asks_first = lifecycle.needs_choice(pressed.action) or lifecycle.needs_confirmation(
            issue, actor, pressed.action
        )
        if asks_first and not pressed.chosen:
            return await _offer(tx, deps, actor, issue, pressed.action, group)
        if lifecycle.needs_text(issue, actor, pressed.action):
            return await _ask(tx, deps, actor, issue, pressed, now, group)
        command = await _command(tx, pressed)
        return await _take(tx, deps, actor, issue, command, now, card, group)


async def take_step(deps: Deps, actor: Staff, issue_id: int, command: Command) -> Taken:
    """Take a step given whole (a note replying to a card): check it against the rules, record
    it, and queue who must hear of it."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await _issue(tx, issue_id)
        return await _take(tx, deps, actor, issue, command, now, None, None)


async def note(deps: Deps, actor: Staff, number_text: str, text: str) -> Taken:
    """`/note <number> <text>`: a note on the issue with this number, if the person may see it
    (else: not found, as for `/issue`)."""
    number = parse_number(number_text)
    if number is None:
        raise errors.IssueNotFound()
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await tx.issues.by_number(number)
        if issue is None or not lifecycle.may(issue, actor, Action.VIEW):
            raise errors.IssueNotFound()
        return await _take(tx, deps, actor, issue, AddNote(text), now, None, None)


async def answer(deps: Deps, actor: Staff, text: str) -> Taken:
    """Take the step the person's prompt was waiting for, with their words (and the photos sent
    before them, `add_prompt_photo`).

    A refusal that typing again cannot fix (the issue moved on, no right to it) ends the
    prompt; a text that is empty or too long leaves it open for another try.
    """
    now = deps.clock.now()
    try:
        async with deps.store.transaction() as tx:
            actor = await reload_actor(tx, actor)
            prompt = await tx.prompts.get(actor.id)
            if prompt is None or prompt.expired(now):
                raise errors.NothingAsked()
            command = _command_for(prompt, text, prompt.photos)
            issue = await _issue(tx, prompt.issue_id)
            await tx.prompts.delete(actor.id)  # answered, in the same transaction as the step
            return await _take(tx, deps, actor, issue, command, now, None, None)
    except (errors.WrongState, errors.NotAllowed, errors.IssueNotFound):
        await drop_prompt(deps, actor)
        raise


async def _check(tx: Transaction, issue: Issue, actor: Staff, action: Action) -> None:
    """Refuse a step before offering or asking anything for it."""
    try:
        lifecycle.check(issue, actor, action)
    except errors.WrongState as refusal:
        raise await _who_moved_it(tx, refusal, issue) from None


async def _offer(
    tx: Transaction, deps: Deps, actor: Staff, issue: Issue, action: Action, group: str | None
) -> Offered:
    departments: list[str] = []
    people: list[Staff] = []
    held: dict[int, Held] = {}
    card = await shown(tx, issue, actor, group)
    if action is Action.ASSIGN:  # the choice shows each one's load: one read, this transaction
        people = await tx.staff.with_roles((Role.MEMBER, Role.HEAD), issue.department)
        people = lifecycle.assignable(issue, people)
        held = await tx.issues.held_by([p.id for p in people], deps.clock.now())
        people = least_loaded_first(people, held)
    elif action is Action.PRAISE and card is not None:  # who may praise may see the issue
        handler = card.people.get(issue.assignee_id or issue.accepted_by or 0)
        people = [handler] if handler is not None else []
    elif action in (Action.TRANSFER, Action.REROUTE, Action.ASSIST):
        codes = [d.code for d in deps.org.departments]
        departments = lifecycle.department_choices(issue, action, codes)
    return Offered(issue, card, action, departments, people, held)


async def _ask(
    tx: Transaction,
    deps: Deps,
    actor: Staff,
    issue: Issue,
    pressed: Press,
    now: datetime,
    group: str | None,
) -> Asked:
    """Wait for the person's words for this step, in their private chat."""
    department, why = pressed.department, pressed.withdraw_reason
    if department is not None and deps.org.department(department) is None:
        raise errors.UnknownDepartment(department)
    if pressed.action is Action.TRANSFER and department == issue.department:
        raise errors.SameDepartment()
    if (pressed.action is Action.TRANSFER and department is None) or (
        pressed.action is Action.WITHDRAW and why is None
    ):
        raise errors.StaleStep()
    prompt = Prompt(
        issue_id=issue.id,
        action=pressed.action,
        chat_id=actor.telegram_id,
        updated_at=now,
        department=department,
        withdraw_reason=why,
    )
    await tx.prompts.put(actor.id, prompt)
    return Asked(issue, await shown(tx, issue, actor, group), prompt)


async def _command(tx: Transaction, pressed: Press) -> Command:
    """The step a press takes when it needs no words."""
    match pressed:
        case Press(action=Action.ACCEPT):
            return Accept()
        case Press(action=Action.CONFIRM):
            return Confirm()
        case Press(action=Action.REROUTE, department=str(department)):
            return Reroute(department)
        case Press(action=Action.ASSIST, department=str(department)):
            return AddAssist(department)
        case Press(action=Action.ASSIGN, person_id=int(person_id)):
            return Assign(await _named(tx, person_id))
        case Press(action=Action.CALLBACK, verdict=Verdict() as verdict):
            return RecordCallback(verdict)
        case Press(action=Action.PRAISE, person_id=None):
            return Praise(None)
        case Press(action=Action.PRAISE, person_id=int(person_id)):
            return Praise(await _named(tx, person_id))
    raise errors.StaleStep()  # a choice missing, or a step that takes words (forged data)


async def _named(tx: Transaction, staff_id: int) -> Staff:
    """The person a press names (to assign or praise); the rules then check they fit."""
    person = await tx.staff.by_id(staff_id)
    if person is None:
        raise errors.NotInDepartment()
    return person


async def _take(
    tx: Transaction,
    deps: Deps,
    actor: Staff,
    issue: Issue,
    command: Command,
    now: datetime,
    origin_card: tuple[int, int] | None,
    group: str | None,
) -> Taken:
    """Check the step against the rules, record it, and queue who must hear of it."""
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
    return Taken(changed, await shown(tx, changed, actor, group), command.action, event)


async def waiting_prompt(deps: Deps, actor: Staff) -> Prompt | None:
    async with deps.store.transaction() as tx:
        prompt = await tx.prompts.get(actor.id)
    if prompt is None or prompt.expired(deps.clock.now()):
        return None
    return prompt


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
