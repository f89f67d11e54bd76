"""Buttons on an issue's card, and the typed reasons some steps wait for.

Every press is checked again against the rules (`casework.lifecycle`), whatever the button
says: it may be stale (the issue moved on), pressed twice, or forged.
"""

from __future__ import annotations

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.ext import BaseHandler, CallbackQueryHandler

from casework import errors, lifecycle
from casework.commands import Accept, Action, AddAssist, AddNote, Confirm, Reroute
from casework.conversation import Prompt
from casework.issues import Issue, WithdrawReason
from casework.people import Staff
from casework.roles import Role
from casework.services import issues, views
from casework.services.issues import Outcome
from handlers.cards import ACTIONS, BACK, DETAILS, PREFIX, callback
from handlers.context import BotContext
from handlers.i18n import N_, Html
from handlers.labels import role_name, withdraw_name
from handlers.refusals import explain
from handlers.showing import redraw_pressed_card, send_card, send_details, timeline_page

MAX_ID = 2**62
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


def parse(data: str) -> tuple[int, str, str | None] | None:
    """`i:<id>:<step>[:<argument>]`, or None for anything else (forged or garbled)."""
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] != PREFIX or not parts[1].isdigit():
        return None
    issue_id = int(parts[1])
    if not 0 < issue_id < MAX_ID:
        return None
    return issue_id, parts[2], parts[3] if len(parts) == 4 else None


async def on_issue_button(update: Update, context: BotContext) -> None:
    """A press on an issue card's button."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = context.t
    parsed = parse(query.data)
    if parsed is None or (parsed[1] not in ACTIONS and parsed[1] not in (DETAILS, BACK, "tl")):
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    issue_id, step, argument = parsed
    try:
        if step == DETAILS:
            await query.answer()
            # Details go to the presser's private chat, never to a group.
            await send_details(context.staff.telegram_id, context, issue_id)
        elif step == BACK:
            await query.answer()
            await redraw_pressed_card(update, context, issue_id)
        elif step == "tl":
            await _timeline(update, context, issue_id, argument)
        else:
            await _act(update, context, issue_id, ACTIONS[step], argument)
    except errors.CaseworkError as refusal:
        await query.answer(_refusal(refusal, context), show_alert=True)
        await redraw_pressed_card(update, context, issue_id)


async def _act(
    update: Update, context: BotContext, issue_id: int, action: Action, argument: str | None
) -> None:
    query = update.callback_query
    assert query is not None
    deps, staff = context.deps, context.staff
    match action:
        case Action.ACCEPT | Action.CONFIRM:
            issue = await issues.check_step(deps, staff, issue_id, action)
            if lifecycle.needs_text(issue, staff, action):
                await _ask(update, context, issue, action)
                return
            command = Accept() if action is Action.ACCEPT else Confirm()
            await _done(
                update,
                context,
                await issues.take_step(deps, staff, issue_id, command, origin_card=_origin(update)),
            )
        case Action.RETURN | Action.RESOLVE | Action.REOPEN | Action.NOTE:
            issue = await issues.check_step(deps, staff, issue_id, action)
            await _ask(update, context, issue, action)
        case Action.TRANSFER | Action.REROUTE | Action.ASSIST if argument is None:
            issue = await issues.check_step(deps, staff, issue_id, action)
            await query.answer()
            await query.edit_message_reply_markup(_department_choice(context, issue, action))
        case Action.TRANSFER:
            assert argument is not None
            issue = await issues.check_step(deps, staff, issue_id, action)
            await _ask(update, context, issue, action, department=argument)
        case Action.REROUTE | Action.ASSIST:
            assert argument is not None
            step = Reroute(argument) if action is Action.REROUTE else AddAssist(argument)
            await _done(
                update,
                context,
                await issues.take_step(deps, staff, issue_id, step, origin_card=_origin(update)),
            )
        case Action.ASSIGN if argument is None:
            issue, people = await views.assignable(deps, staff, issue_id)
            await query.answer()
            await query.edit_message_reply_markup(_people_choice(context, issue, people))
        case Action.ASSIGN:
            assert argument is not None
            if not argument.isdigit():
                raise errors.NotInDepartment()
            await _done(
                update,
                context,
                await issues.assign(
                    deps, staff, issue_id, int(argument), origin_card=_origin(update)
                ),
            )
        case Action.WITHDRAW if argument is None:
            issue = await issues.check_step(deps, staff, issue_id, action)
            await query.answer()
            await query.edit_message_reply_markup(_withdraw_choice(context, issue))
        case Action.WITHDRAW:
            assert argument is not None
            try:
                why = WithdrawReason(argument)
            except ValueError:
                raise errors.StaleStep() from None
            issue = await issues.check_step(deps, staff, issue_id, action)
            await _ask(update, context, issue, action, withdraw_reason=why)


async def _ask(
    update: Update,
    context: BotContext,
    issue: Issue,
    action: Action,
    department: str | None = None,
    withdraw_reason: WithdrawReason | None = None,
) -> None:
    """Wait for the person's words, in their private chat (also when pressed in a group)."""
    query = update.callback_query
    assert query is not None
    t, deps = context.t, context.deps
    chat_id = context.staff.telegram_id
    await issues.ask_for_text(
        deps,
        context.staff,
        issue.id,
        action,
        chat_id,
        department=department,
        withdraw_reason=withdraw_reason,
    )
    await query.answer()
    if department is not None or withdraw_reason is not None:
        await redraw_pressed_card(update, context, issue.id)
    question = t._(
        _ASK[action],
        number=issue.number,
        department=_department(context, department) if department else "",
        why=withdraw_name(withdraw_reason, t) if withdraw_reason else "",
    )
    await context.bot.send_message(
        chat_id,
        Html(question + "\n" + t._("/cancel stops.")),
        parse_mode="HTML",
        reply_markup=ForceReply(input_field_placeholder=issue.number),
    )


async def _done(update: Update, context: BotContext, outcome: Outcome) -> None:
    """Answer the press and show the issue as it is now on the pressed card."""
    query = update.callback_query
    assert query is not None
    action = _action_of(outcome)
    await query.answer(context.t._(_DONE[action]))
    await redraw_pressed_card(update, context, outcome.issue.id)


async def answer_prompt(
    update: Update, context: BotContext, prompt: Prompt, text: str, photos: tuple[str, ...] = ()
) -> None:
    """The words a step was waiting for: take the step, then show the card."""
    message = update.effective_message
    assert message is not None
    t = context.t
    try:
        outcome = await issues.answer(context.deps, context.staff, text, photos)
    except errors.CaseworkError as refusal:
        await message.reply_text(_refusal(refusal, context))
        return
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
    try:
        await issues.take_step(context.deps, context.staff, issue_id, AddNote(text, photos))
    except errors.CaseworkError as refusal:
        await message.reply_text(_refusal(refusal, context))
        return
    await message.reply_text(context.t._("✓ Note added to the timeline."))


async def _timeline(
    update: Update, context: BotContext, issue_id: int, argument: str | None
) -> None:
    query = update.callback_query
    assert query is not None
    page = int(argument) if argument and argument.isdigit() else 0
    details = await views.details(context.deps, context.staff, issue_id)
    text, markup = timeline_page(context, details, page)
    await query.answer()
    await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)


def _department_choice(context: BotContext, issue: Issue, action: Action) -> InlineKeyboardMarkup:
    t, org = context.t, context.deps.org
    code = {Action.TRANSFER: "tr", Action.REROUTE: "rr", Action.ASSIST: "ast"}[action]
    skip = {issue.department} | issue.assisting if action is not Action.REROUTE else set()
    buttons = [
        InlineKeyboardButton(d.name(t.language), callback_data=callback(issue.id, code, d.code))
        for d in org.departments
        if d.code not in skip
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(t._("◀ Back"), callback_data=callback(issue.id, BACK))])
    return InlineKeyboardMarkup(rows)


def _people_choice(context: BotContext, issue: Issue, people: list[Staff]) -> InlineKeyboardMarkup:
    t = context.t
    buttons = [
        InlineKeyboardButton(
            f"{p.name} · {role_name(p.role, t)}", callback_data=callback(issue.id, "asg", p.id)
        )
        for p in people
        if p.role in (Role.MEMBER, Role.HEAD)
    ]
    rows = [[b] for b in buttons]
    rows.append([InlineKeyboardButton(t._("◀ Back"), callback_data=callback(issue.id, BACK))])
    return InlineKeyboardMarkup(rows)


def _withdraw_choice(context: BotContext, issue: Issue) -> InlineKeyboardMarkup:
    t = context.t
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    withdraw_name(w, t), callback_data=callback(issue.id, "wd", w.value)
                )
                for w in WithdrawReason
            ],
            [InlineKeyboardButton(t._("◀ Back"), callback_data=callback(issue.id, BACK))],
        ]
    )


def _department(context: BotContext, code: str) -> str:
    department = context.deps.org.department(code)
    return department.name(context.t.language) if department else code


def _origin(update: Update) -> tuple[int, int] | None:
    query = update.callback_query
    message = query.message if query else None
    return (message.chat.id, message.message_id) if isinstance(message, Message) else None


def _action_of(outcome: Outcome) -> Action:
    action = lifecycle.action_of(outcome.event.kind)
    assert action is not None
    return action


def _refusal(refusal: errors.CaseworkError, context: BotContext) -> str:
    return explain(refusal, context.t)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CallbackQueryHandler(on_issue_button, pattern=rf"^{PREFIX}:")]
