"""Buttons on an issue's card.

Every press is checked again against the rules (`casework.lifecycle`), whatever the button
says: it may be stale (the issue moved on), pressed twice, or forged. A step's press is one use
case (`casework.services.issues.press`) whose result this handler only renders: the step's
choices, the question it asks, or the step taken and the card redrawn. Each press is answered
exactly once: a refusal before anything else happens, or the result.
"""

from __future__ import annotations

from collections.abc import Awaitable

from telegram import CallbackQuery, ForceReply, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler

from casework import errors
from casework.callbacks import CallbackAnswer, Skip
from casework.commands import Action
from casework.issues import Contact, Solved, Verdict, WithdrawReason
from casework.services import issues, views
from casework.services.issues import Asked, Offered, Press, Questioned, Taken
from handlers import refusals
from handlers.context import BotContext
from handlers.numbers import card_button, page_number, whole_number
from handlers.showing import edit_text, redraw, send_details, send_media
from rendering import steps
from rendering.cards import ACTIONS, BACK, DETAILS, MEDIA, PREFIX, TIMELINE
from rendering.timeline import timeline_page


async def on_issue_button(update: Update, context: BotContext) -> None:
    """A press on an issue card's button."""
    query = update.callback_query
    assert query is not None and query.data is not None
    pressed = card_button(query.data)
    if pressed is None:
        raise errors.StaleStep()
    issue_id, step, argument = pressed
    try:
        if step == DETAILS:
            # Details go to the presser's private chat, never to a group.
            await _privately(send_details(context.staff.telegram_id, context, issue_id))
            await query.answer()
        elif step == BACK:
            await query.answer()
            await issues.leave_call_back(context.deps, context.staff, issue_id)
            await _redraw_as_now(query, context, issue_id)
        elif step == TIMELINE:
            await _timeline(query, context, issue_id, argument)
        elif step == MEDIA:  # pressed under a timeline, in a private chat (the gate sees to it)
            await send_media(context.staff.telegram_id, context, issue_id)
            await query.answer()
        else:
            await _press(query, context, issue_id, _press_of(ACTIONS[step], argument))
    except errors.CaseworkError as refusal:
        await refusals.answer(update, context, refusal)
        # The card shows the issue as it is now: its buttons stop offering what was refused.
        await _redraw_as_now(query, context, issue_id)
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


def _press_of(action: Action, argument: str | None) -> Press:
    """The press as the use case takes it. Only the steps that name something read the
    button's argument; one that means nothing (forged) is refused as a stale button."""
    if argument is None:
        return Press(action)
    match action:
        case Action.TRANSFER | Action.REROUTE | Action.ASSIST:
            return Press(action, chosen=True, department=argument)
        case Action.ASSIGN:
            assignee = whole_number(argument)
            if assignee is None:
                raise errors.NotInDepartment()
            return Press(action, chosen=True, person_id=assignee)
        case Action.PRAISE if argument == steps.PRAISE_DEPARTMENT:
            return Press(action, chosen=True)
        case Action.PRAISE if (praised := whole_number(argument)) is not None:
            return Press(action, chosen=True, person_id=praised)
        case Action.WITHDRAW if argument in tuple(WithdrawReason):
            return Press(action, chosen=True, withdraw_reason=WithdrawReason(argument))
        case Action.CALLBACK if (answer := _call_back_answer(argument)) is not None:
            return Press(action, chosen=True, answer=answer)
        case Action.CONFIRM if argument == steps.CONFIRMED:
            return Press(action, chosen=True)
        case Action.PRAISE | Action.WITHDRAW | Action.CALLBACK:
            raise errors.StaleStep()
    return Press(action)


def _call_back_answer(argument: str) -> CallbackAnswer | None:
    """A call-back button's answer (`yes`, `partly`, `satisfied`, `skip` …); None for what no
    button carries (`not_asked` included: it is what old call-backs say, never a tap)."""
    for kind in (Contact, Solved, Verdict, Skip):
        if argument in tuple(kind) and argument != Contact.NOT_ASKED:
            return kind(argument)
    return None


async def _press(query: CallbackQuery, context: BotContext, issue_id: int, pressed: Press) -> None:
    t, org = context.t, context.deps.org
    result = await issues.press(
        context.deps,
        context.staff,
        issue_id,
        pressed,
        card=_pressed_card(query),
        group=_group(query, context),
    )
    match result:
        case Offered():
            await query.answer()
            markup = steps.choices(
                result.issue,
                result.action,
                result.departments,
                result.people,
                t,
                org,
                held=result.held,
            )
            asked = steps.choice_question(result.action, result.issue, t)
            await redraw(query, context, result.card, asked=asked, markup=markup)
        case Questioned():
            await query.answer()
            asked = steps.call_back_question(result.issue, result.answers, t)
            markup = steps.call_back_choices(result.issue, result.answers, t)
            await redraw(query, context, result.card, asked=asked, markup=markup)
        case Asked():
            await _ask(query, context, result)
        case Taken():
            await query.answer(steps.done(result.action, t, result.event, result.issue))
            await redraw(query, context, result.card)


async def _ask(query: CallbackQuery, context: BotContext, asked: Asked) -> None:
    """Ask for the person's words in their private chat (also when pressed in a group)."""
    prompt, number = asked.prompt, asked.issue.number
    try:  # before the press is answered: if it cannot be sent, the answer says why
        await _privately(
            context.bot.send_message(
                prompt.chat_id,
                steps.question(prompt, number, context.t, context.deps.org),
                parse_mode="HTML",
                reply_markup=ForceReply(input_field_placeholder=number),
            )
        )
    except NotInPrivate:
        await issues.drop_prompt(context.deps, context.staff)  # a question nobody saw
        raise
    await query.answer()
    if prompt.department is not None or prompt.withdraw_reason is not None:
        await redraw(query, context, asked.card)  # the choices give way to the card's buttons


async def _redraw_as_now(query: CallbackQuery, context: BotContext, issue_id: int) -> None:
    try:
        card = await views.card(context.deps, context.staff, issue_id, _group(query, context))
    except errors.CaseworkError:  # the presser's access ended: the card stays as it is
        return
    await redraw(query, context, card)


async def _timeline(
    query: CallbackQuery, context: BotContext, issue_id: int, argument: str | None
) -> None:
    deps = context.deps
    details = await views.details(deps, context.staff, issue_id)
    text, markup = timeline_page(
        details.issue,
        details.timeline,
        details.people,
        page_number(argument) or 0,
        context.t,
        deps.org,
        deps.zone,
        merge=details.may_merge,
    )
    await query.answer()
    await edit_text(query, text, markup)


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


def _pressed_card(query: CallbackQuery) -> tuple[int, int] | None:
    message = query.message
    return (message.chat.id, message.message_id) if isinstance(message, Message) else None


def _group(query: CallbackQuery, context: BotContext) -> str | None:
    """The department whose group chat the pressed card is in: the card shows that group's
    buttons, not the presser's own."""
    message, card = query.message, context.card
    in_group = message is not None and message.chat.type != ChatType.PRIVATE
    return card.department if in_group and card is not None else None


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CallbackQueryHandler(on_issue_button, pattern=rf"^{PREFIX}:")]
