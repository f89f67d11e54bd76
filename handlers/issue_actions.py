"""Buttons on an issue's card, and the typed reasons some steps wait for.

Every press is checked again against the rules (`casework.lifecycle`), whatever the button
says: it may be stale (the issue moved on), pressed twice, or forged. Each press is answered
exactly once: a refusal before anything else happens, or the result.
"""

from __future__ import annotations

from collections.abc import Awaitable

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler

from casework import errors, lifecycle
from casework.commands import Accept, Action, AddAssist, AddNote, Confirm, RecordCallback, Reroute
from casework.issues import Issue, Verdict, WithdrawReason
from casework.people import Staff
from casework.prompts import Prompt
from casework.services import issues, views
from casework.services.issues import Outcome
from handlers import refusals
from handlers.context import BotContext
from handlers.numbers import page_number, whole_number
from handlers.showing import (
    edit_markup,
    edit_text,
    redraw_pressed_card,
    send_card,
    send_details,
    timeline_page,
)
from rendering.cards import ACTIONS, BACK, CODES, DETAILS, PREFIX, TIMELINE, callback
from rendering.i18n import N_, Html
from rendering.labels import department_name, role_name, verdict_name, withdraw_name

_DONE = {
    Action.ACCEPT: N_("Accepted."),
    Action.RETURN: N_("Returned."),
    Action.REROUTE: N_("Re-routed."),
    Action.TRANSFER: N_("Transferred."),
    Action.ASSIGN: N_("Assigned."),
    Action.RESOLVE: N_("Resolved."),
    Action.CONFIRM: N_("Confirmed closed."),
    Action.REOPEN: N_("Reopened."),
    Action.WITHDRAW: N_("Withdrawn."),
    Action.NOTE: N_("Note added."),
    Action.ASSIST: N_("Assisting department added."),
    Action.CALLBACK: N_("Call-back recorded."),
    Action.PRAISE: N_("Praise recorded."),
}
_ASK = {
    Action.ACCEPT: N_("✍️ Why is the coordination office accepting {number} for the department?"),
    Action.RETURN: N_("✍️ Why are you returning {number}? Write the reason."),
    Action.TRANSFER: N_("✍️ Why transfer {number} to {department}? Write the reason."),
    Action.RESOLVE: N_("✍️ What was done for {number}? Write it (you may send photos first)."),
    Action.CONFIRM: N_("✍️ Why is the coordination office confirming {number} closed?"),
    Action.REOPEN: N_("✍️ Why reopen {number}? Write the reason."),
    Action.WITHDRAW: N_("✍️ Why withdraw {number} as {why}? Write the reason."),
    Action.NOTE: N_("✍️ Write your note on {number} (you may send photos first)."),
}
# Steps that first offer a choice (a department, a person, a kind of withdrawal).
_CHOOSE_FIRST = {
    Action.TRANSFER,
    Action.REROUTE,
    Action.ASSIST,
    Action.ASSIGN,
    Action.WITHDRAW,
    Action.CALLBACK,
    Action.PRAISE,
}


def parse(data: str) -> tuple[int, str, str | None] | None:
    """`i:<id>:<step>[:<argument>]`, or None for anything else (forged or garbled)."""
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] != PREFIX:
        return None
    issue_id = whole_number(parts[1])
    if issue_id is None:
        return None
    if parts[2] not in ACTIONS and parts[2] not in (DETAILS, BACK, TIMELINE):
        return None
    return issue_id, parts[2], parts[3] if len(parts) == 4 else None


async def on_issue_button(update: Update, context: BotContext) -> None:
    """A press on an issue card's button."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = parse(query.data)
    if parsed is None:
        raise errors.StaleStep()
    issue_id, step, argument = parsed
    try:
        if step == DETAILS:
            # Details go to the presser's private chat, never to a group.
            await _privately(send_details(context.staff.telegram_id, context, issue_id))
            await query.answer()
        elif step == BACK:
            await query.answer()
            await redraw_pressed_card(update, context, issue_id)
        elif step == TIMELINE:
            await _timeline(update, context, issue_id, argument)
        else:
            await _act(update, context, issue_id, ACTIONS[step], argument)
    except errors.CaseworkError as refusal:
        await refusals.answer(update, context, refusal)
        # The card shows the issue as it is now: its buttons stop offering what was refused.
        await redraw_pressed_card(update, context, issue_id)
    except NotInPrivate:
        # Pressed in a group by someone the bot cannot write to in private (they never opened
        # a chat with it, or blocked it).
        await query.answer(
            context.t._(
                "I cannot write to you in private yet. Open a chat with me (tap my name, then "
                "Start), then press the button again."
            ),
            show_alert=True,
        )


async def _act(
    update: Update, context: BotContext, issue_id: int, action: Action, argument: str | None
) -> None:
    query = update.callback_query
    assert query is not None
    deps, staff = context.deps, context.staff
    if action in _CHOOSE_FIRST and argument is None:
        issue = await issues.check_step(deps, staff, issue_id, action)
        await query.answer()
        await edit_markup(query, await _choices(context, issue, action))
        return
    match action:
        case Action.ACCEPT | Action.CONFIRM:
            issue = await issues.check_step(deps, staff, issue_id, action)
            if lifecycle.needs_text(issue, staff, action):
                await _ask(update, context, issue_id, action)
                return
            command = Accept() if action is Action.ACCEPT else Confirm()
            await _done(update, context, await issues.take_step(
                deps, staff, issue_id, command, origin_card=_origin(update)
            ))  # fmt: skip
        case Action.RETURN | Action.RESOLVE | Action.REOPEN | Action.NOTE:
            await _ask(update, context, issue_id, action)
        case Action.TRANSFER:
            await _ask(update, context, issue_id, action, department=argument)
        case Action.REROUTE | Action.ASSIST:
            assert argument is not None
            step = Reroute(argument) if action is Action.REROUTE else AddAssist(argument)
            await _done(update, context, await issues.take_step(
                deps, staff, issue_id, step, origin_card=_origin(update)
            ))  # fmt: skip
        case Action.ASSIGN:
            assignee = whole_number(argument or "")
            if assignee is None:
                raise errors.NotInDepartment()
            await _done(update, context, await issues.assign(
                deps, staff, issue_id, assignee, origin_card=_origin(update)
            ))  # fmt: skip
        case Action.WITHDRAW:
            try:
                why = WithdrawReason(argument or "")
            except ValueError:
                raise errors.StaleStep() from None
            await _ask(update, context, issue_id, action, withdraw_reason=why)
        case Action.CALLBACK:
            try:
                verdict = Verdict(argument or "")
            except ValueError:
                raise errors.StaleStep() from None
            await _done(update, context, await issues.take_step(
                deps, staff, issue_id, RecordCallback(verdict), origin_card=_origin(update)
            ))  # fmt: skip
        case Action.PRAISE:
            await _done(update, context, await issues.praise(
                deps, staff, issue_id, whole_number(argument or ""), origin_card=_origin(update)
            ))  # fmt: skip


async def _choices(context: BotContext, issue: Issue, action: Action) -> InlineKeyboardMarkup:
    t = context.t
    back = [InlineKeyboardButton(t._("◀ Back"), callback_data=callback(issue.id, BACK))]
    code = CODES[action]
    if action is Action.ASSIGN:
        _, assignable = await views.assignable(context.deps, context.staff, issue.id)
        return InlineKeyboardMarkup(
            [[_person_button(context, issue, p)] for p in assignable] + [back]
        )
    if action is Action.WITHDRAW:
        kinds = [
            InlineKeyboardButton(withdraw_name(w, t), callback_data=callback(issue.id, code, w))
            for w in WithdrawReason
        ]
        return InlineKeyboardMarkup([kinds, back])
    if action is Action.CALLBACK:
        verdicts = [
            InlineKeyboardButton(verdict_name(v, t), callback_data=callback(issue.id, code, v))
            for v in Verdict
        ]
        return InlineKeyboardMarkup([verdicts[:2], verdicts[2:], back])
    if action is Action.PRAISE:
        whom = [
            InlineKeyboardButton(
                department_name(issue.department, context.deps.org, t),
                callback_data=callback(issue.id, code, "d"),
            )
        ]
        handler = issue.assignee_id or issue.accepted_by
        named = await views.people(context.deps, {handler}) if handler is not None else {}
        if handler is not None and handler in named:
            whom.append(
                InlineKeyboardButton(
                    named[handler].name, callback_data=callback(issue.id, code, handler)
                )
            )
        return InlineKeyboardMarkup([whom, back])
    org = context.deps.org
    choices = lifecycle.department_choices(issue, action, [d.code for d in org.departments])
    buttons = [
        InlineKeyboardButton(
            department_name(choice, org, t), callback_data=callback(issue.id, code, choice)
        )
        for choice in choices
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)] + [back])


def _person_button(context: BotContext, issue: Issue, person: Staff) -> InlineKeyboardButton:
    label = f"{person.name} · {role_name(person.role, context.t)}"
    return InlineKeyboardButton(
        label, callback_data=callback(issue.id, CODES[Action.ASSIGN], person.id)
    )


async def _ask(
    update: Update,
    context: BotContext,
    issue_id: int,
    action: Action,
    department: str | None = None,
    withdraw_reason: WithdrawReason | None = None,
) -> None:
    """Wait for the person's words, in their private chat (also when pressed in a group)."""
    query = update.callback_query
    assert query is not None
    t = context.t
    chat_id = context.staff.telegram_id
    issue = await issues.ask_for_text(
        context.deps, context.staff, issue_id, action, chat_id,
        department=department, withdraw_reason=withdraw_reason,
    )  # fmt: skip
    question = t._(
        _ASK[action],
        number=issue.number,
        department=department_name(department, context.deps.org, t) if department else "",
        why=withdraw_name(withdraw_reason, t) if withdraw_reason else "",
    )
    try:  # before the press is answered: if it cannot be sent, the answer says why
        await _privately(
            context.bot.send_message(
                chat_id,
                Html(question + "\n" + t._("/cancel stops.")),
                parse_mode="HTML",
                reply_markup=ForceReply(input_field_placeholder=issue.number),
            )
        )
    except NotInPrivate:
        await issues.drop_prompt(context.deps, context.staff)  # a question nobody saw
        raise
    await query.answer()
    if department is not None or withdraw_reason is not None:
        await redraw_pressed_card(update, context, issue.id)


class NotInPrivate(Exception):
    """The bot cannot write to the presser in private: they never opened a chat with it, or
    blocked it."""


async def _privately(sending: Awaitable[object]) -> None:
    try:
        await sending
    except Forbidden as exc:
        raise NotInPrivate from exc
    except BadRequest as exc:
        if "chat not found" not in exc.message.lower():
            raise
        raise NotInPrivate from exc


async def _done(update: Update, context: BotContext, outcome: Outcome) -> None:
    """Answer the press and show the issue as it is now on the pressed card."""
    query = update.callback_query
    assert query is not None
    await query.answer(context.t._(_DONE[_action_of(outcome)]))
    await redraw_pressed_card(update, context, outcome.issue.id)


async def answer_prompt(
    update: Update, context: BotContext, prompt: Prompt, text: str, photos: tuple[str, ...] = ()
) -> None:
    """The words a step was waiting for: take the step, then show the card."""
    message = update.effective_message
    assert message is not None
    t = context.t
    outcome = await issues.answer(context.deps, context.staff, text, photos)
    done = Html("✓ " + t._(_DONE[_action_of(outcome)]))
    try:
        details = await views.details(context.deps, context.staff, outcome.issue.id)
    except errors.IssueNotFound:  # moved out of the person's reach (transferred away)
        await message.reply_html(Html(done + " " + outcome.issue.number))
        return
    await send_card(
        message.chat.id, context, details.issue, details.actions, details.people, headline=done
    )


async def add_note(
    message: Message, context: BotContext, issue_id: int, text: str, photos: tuple[str, ...] = ()
) -> None:
    """A reply to a card, or /note: add it to the timeline and tell the other side."""
    await issues.take_step(context.deps, context.staff, issue_id, AddNote(text, photos))
    await message.reply_text(context.t._("✓ Note added to the timeline."))


async def _timeline(
    update: Update, context: BotContext, issue_id: int, argument: str | None
) -> None:
    query = update.callback_query
    assert query is not None
    details = await views.details(context.deps, context.staff, issue_id)
    text, markup = timeline_page(context, details, page_number(argument) or 0)
    await query.answer()
    await edit_text(query, text, markup)


def _origin(update: Update) -> tuple[int, int] | None:
    query = update.callback_query
    message = query.message if query else None
    return (message.chat.id, message.message_id) if isinstance(message, Message) else None


def _action_of(outcome: Outcome) -> Action:
    action = lifecycle.action_of(outcome.event.kind)
    assert action is not None
    return action


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CallbackQueryHandler(on_issue_button, pattern=rf"^{PREFIX}:")]
