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
from casework.callbacks import Answers, CallbackAnswer, Question, Skip
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
from casework.issues import Event, Issue, Status, Verdict, WithdrawReason
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
    # A tap answering one of the call-back's questions; or, for an issue closed before them,
    # the verdict of the old way's call-back.
    answer: CallbackAnswer | None = None


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


@dataclass(frozen=True)
class Questioned(Result):
    """The call-back goes on: the answers so far (kept in the database), and the question to
    ask now (`answers.next`), above its buttons."""

    answers: Answers


async def press(
    deps: Deps,
    actor: Staff,
    issue_id: int,
    pressed: Press,
    *,
    card: tuple[int, int] | None = None,
    group: str | None = None,
) -> Taken | Asked | Offered | Questioned:
    """A button pressed on the issue's card (`card`: its chat and message, left out of the
    refreshes every step queues, as the result redraws it; `group`: the department whose group
    chat it is in, whose buttons it shows)."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        actor = await reload_actor(tx, actor)
        issue = await _issue(tx, issue_id)
        await _check(tx, issue, actor, pressed.action)
        if pressed.action is Action.CALLBACK and issue.status is Status.RESOLVED:
            return await _call_back(tx, deps, actor, issue, pressed, now, card, group)
        asks_first = lifecycle.needs_choice(pressed.action) or lifecycle.needs_confirmation(
            issue, actor, pressed.action
        )
        if asks_first and not pressed.chosen:
            return await _offer(tx, deps, actor, issue, pressed.action, group)
        if lifecycle.needs_text(issue, actor, pressed.action):
            return await _ask(tx, deps, actor, issue, pressed, now, group)
        command = await _command(tx, pressed)
        return await _take(tx, deps, actor, issue, command, now, card, group)


async def _call_back(
    tx: Transaction,
    deps: Deps,
    actor: Staff,
    issue: Issue,
    pressed: Press,
    now: datetime,
    origin_card: tuple[int, int] | None,
    group: str | None,
) -> Taken | Questioned:
    """A tap of the call-back of a resolved issue: 📞 starts it; each answer is kept with the
    person's prompt and the next question asked; "could not reach" and Skip take the step (so
    does the citizen's words, typed: `answer`). A tap that does not answer the question being
    asked of this person about this issue (stale, repeated once the step is taken, or forged)
    is refused and changes nothing."""
    if group is not None:  # the words are typed in a private chat: not from a group's card
        raise errors.StaleStep()
    if not pressed.chosen:
        prompt = Prompt(issue.id, Action.CALLBACK, actor.telegram_id, now, answers=Answers())
        await tx.prompts.put(actor.id, prompt)  # a fresh start, whatever was asked before
        return Questioned(issue, await shown(tx, issue, actor, group), Answers())
    waiting = await tx.prompts.get(actor.id)
    if (
        waiting is None
        or waiting.expired(now)
        or waiting.issue_id != issue.id
        or waiting.answers is None
        or pressed.answer is None
    ):
        raise errors.StaleStep()
    answers = waiting.answers
    command: RecordCallback | None = None
    if pressed.answer is Verdict.UNREACHABLE and answers.next is Question.CONTACTED:
        command = RecordCallback(Verdict.UNREACHABLE)
    elif pressed.answer is Skip.WORDS and answers.next is Question.WORDS:
        command = _recorded(answers, None)
    elif pressed.answer in (Verdict.UNREACHABLE, Skip.WORDS):
        raise errors.StaleStep()
    if command is not None:
        await tx.prompts.delete(actor.id)  # answered, in the same transaction as the step
        return await _take(tx, deps, actor, issue, command, now, origin_card, group)
    answers = answers.given(pressed.answer)
    await tx.prompts.put(actor.id, dataclasses.replace(waiting, answers=answers, updated_at=now))
    return Questioned(issue, await shown(tx, issue, actor, group), answers)


def _recorded(answers: Answers, words: str | None) -> RecordCallback:
    assert answers.satisfied is not None  # asked last: the others were answered before it
    return RecordCallback(answers.satisfied, answers.contacted, answers.solved, words)


async def leave_call_back(deps: Deps, actor: Staff, issue_id: int) -> None:
    """◀ Back from the call-back's questions: they are no longer asked (the person's next
    message is not taken for the citizen's words)."""
    async with deps.store.transaction() as tx:
        waiting = await tx.prompts.get(actor.id)
        if waiting is not None and waiting.issue_id == issue_id and waiting.answers is not None:
            await tx.prompts.delete(actor.id)


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


async def answer(deps: Deps, actor: Staff, text: str, photos: tuple[str, ...] = ()) -> Taken:
    """Take the step the person's prompt was waiting for, with their words (and the photos sent
    before them, `add_prompt_photo`; `photos`: one sent with the words as its caption, kept on
    the prompt as `add_prompt_photo` keeps it, with the same checks, in this transaction).

    A refusal that typing again cannot fix (the issue moved on, no right to it) ends the
    prompt; a text that is empty or too long leaves it open for another try (with the photos
    sent now kept on it).
    """
    now = deps.clock.now()
    refused: errors.CaseworkError | None = None
    try:
        async with deps.store.transaction() as tx:
            actor = await reload_actor(tx, actor)
            prompt = await tx.prompts.get(actor.id)
            if prompt is None or prompt.expired(now):
                raise errors.NothingAsked()
            if not prompt.awaits_words:  # the call-back's questions are answered by taps
                raise errors.ButtonsWanted()
            if photos:
                prompt = _with_photos(prompt, photos, now)
            try:
                command = _command_for(prompt, text, prompt.photos)
                issue = await _issue(tx, prompt.issue_id)
                taken = await _take(tx, deps, actor, issue, command, now, None, None)
            except (errors.WrongState, errors.NotAllowed, errors.IssueNotFound):
                raise  # the prompt ends (below)
            except errors.CaseworkError as refusal:
                if not photos:
                    raise
                # Refused before anything was changed: the photo is kept, as it was before the
                # words were read, for the next try.
                await tx.prompts.put(actor.id, prompt)
                refused = refusal
            else:
                await tx.prompts.delete(actor.id)  # answered, in the same transaction as the step
                return taken
    except (errors.WrongState, errors.NotAllowed, errors.IssueNotFound):
        await drop_prompt(deps, actor)
        raise
    assert refused is not None
    raise refused


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
        case Press(action=Action.CALLBACK, answer=Verdict() as verdict):
            return RecordCallback(verdict)  # the old way: an issue closed before the questions
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
    """Check the step against the rules, record it (and what a call-back's answers take it to:
    结案 or 重办, a step of its own on the timeline), and queue who must hear of it."""
    try:
        event = lifecycle.decide(issue, actor, command, now, deps.org)
    except errors.WrongState as refusal:
        raise await _who_moved_it(tx, refusal, issue) from None
    changed = lifecycle.apply(issue, event, deps.org)
    then = lifecycle.follow_up(issue, event)
    final = lifecycle.apply(changed, then, deps.org) if then is not None else changed
    if not await tx.issues.save(final, expected_version=issue.version):
        raise errors.WrongState(command.action.value, issue.status.value)
    event = await _record(tx, deps, event, issue, changed)
    if then is not None:
        await _record(tx, deps, then, changed, final)
    # One notice: the call-back's tells what followed it (its answers say which).
    await announce(tx, deps.org, final, event, now, skip_card=origin_card)
    return Taken(final, await shown(tx, final, actor, group), command.action, event)


async def _record(tx: Transaction, deps: Deps, event: Event, before: Issue, after: Issue) -> Event:
    """A step on the timeline, and what it adds to the daily figures."""
    event = lifecycle.on_the_record(event, before, after)
    event = await tx.timeline.append(before.id, event)
    await tx.metrics.tally(tallies(event, before, after, deps.zone))
    return event


async def waiting_prompt(deps: Deps, actor: Staff) -> Prompt | None:
    """The question waiting for the person's words, if any: a peek, to route their message
    (the step that takes the answer reads it again)."""
    async with deps.store.peek() as tx:
        prompt = await tx.prompts.get(actor.id)
    if prompt is None or prompt.expired(deps.clock.now()):
        return None
    return prompt


async def add_prompt_photo(deps: Deps, actor: Staff, file_id: str) -> Prompt:
    """Keep a photo sent while a resolution or a note is being written."""
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        prompt = await tx.prompts.get(actor.id)
        if prompt is None or prompt.expired(now):
            raise errors.NothingAsked()
        kept = _with_photos(prompt, (file_id,), now)
        await tx.prompts.put(actor.id, kept)
        return kept


def _with_photos(prompt: Prompt, photos: tuple[str, ...], now: datetime) -> Prompt:
    """The prompt with these photos kept: only a resolution or a note takes photos, at most
    `PHOTOS_MAX` of them."""
    if prompt.action not in (Action.RESOLVE, Action.NOTE):
        raise errors.PhotoNotExpected()
    if len(prompt.photos) + len(photos) > PHOTOS_MAX:
        raise errors.TooManyPhotos(PHOTOS_MAX)
    return dataclasses.replace(prompt, photos=(*prompt.photos, *photos), updated_at=now)


async def put_aside(tx: Transaction, actor: Staff, now: datetime) -> bool:
    """The person started something else that takes typed text (a new issue): drop the
    question waiting for their answer, so their next words do not answer it. True if one was
    still waiting. (In the transaction of what they started: `intake.start`.)"""
    prompt = await tx.prompts.get(actor.id)
    if prompt is None:
        return False
    await tx.prompts.delete(actor.id)
    return not prompt.expired(now)


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
        case Action.CALLBACK if prompt.answers is not None:
            return _recorded(prompt.answers, text)
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
        refusal.action,
        refusal.status,
        person.name if person else None,
        refusal.done,
        latest.kind.value if latest else None,
    )
