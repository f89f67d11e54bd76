"""/new: log a citizen's issue from a phone, one short step at a time.

Steps (see docs/intake.mmd): description → category → location → (open issues of the category
near the pin, if any) → photos → citizen's name → citizen's phone → (their history, if any) →
source → urgency → department → (a complaint's: the person complained
about) → summary (Submit, Edit, Cancel).
The draft lives in the database, so a restart loses nothing; buttons carry the draft's
token and step, so a press from an old draft or an earlier step changes nothing.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from casework import errors
from casework.intake import (
    EDITABLE,
    Draft,
    Step,
    add_photo,
    answered,
    check_description,
    choose_category,
    choose_department,
    contacted,
    located,
)
from casework.issues import Source
from casework.nearby import Nearby
from casework.services import intake
from handlers.context import BotContext
from handlers.refusals import answer
from handlers.showing import edit_markup, edit_text
from rendering import wizard
from rendering.cards import card_keyboard, card_text
from rendering.i18n import Html, plain
from rendering.labels import department_name

REPLY_KEYBOARD_STEPS = {Step.LOCATION, Step.PHOTOS, Step.CITIZEN_NAME, Step.CITIZEN_PHONE}


# ---------------------------------------------------------------------------- starting


async def new_issue(update: Update, context: BotContext) -> None:
    """`/new [description]`: start a draft, or pick up the unfinished one. A question waiting
    for the person's words is put aside (their next words go to the draft), in the same
    transaction."""
    message = update.effective_message
    assert message is not None and update.effective_chat is not None
    words = (message.text or "").split(maxsplit=1)  # the text after /new, lines kept
    text = words[1].strip() if len(words) > 1 else None
    await _start(message, context, description=text or None, put_prompt_aside=True)


async def _start(
    message: Message,
    context: BotContext,
    description: str | None = None,
    photo: str | None = None,
    *,
    put_prompt_aside: bool = False,
) -> None:
    t = context.t
    started = await intake.start(
        context.deps,
        context.staff,
        message.chat.id,
        description,
        photo,
        put_prompt_aside=put_prompt_aside,
    )
    if started.prompt_put_aside:
        await message.reply_text(
            t._(
                "The step you had started on another issue was cancelled; nothing was changed "
                "there. Press its button again when you are ready."
            )
        )
    if started.resumed:
        await message.reply_text(
            t._("You have an unfinished issue; let us carry on with it. /cancel drops it.")
        )
        if description or photo:  # say so rather than silently drop what was just sent
            await message.reply_html(
                t._(
                    "What you just sent was not added to it: {text}",
                    text=_shortened(description) if description else t._("a photo"),
                )
            )
    await ask(message, context, started.draft)


def _shortened(text: str, limit: int = 200) -> str:
    """Enough of a text to recognise it (a message repeated back must stay under Telegram's
    4,096 characters)."""
    return text if len(text) <= limit else text[:limit] + "…"


# ----------------------------------------------------------------------------- asking


async def ask(message: Message, context: BotContext, draft: Draft) -> None:
    """Send the question for the draft's current step."""
    people = []
    history = None
    nearby: list[Nearby] = []
    if draft.step is Step.SUBJECT and draft.department is not None:
        people = await intake.subjects(context.deps, context.staff, draft.department)
    if draft.step is Step.HISTORY:
        history = await intake.history(context.deps, context.staff, draft)
    if draft.step is Step.NEARBY:
        nearby = await intake.nearby(context.deps, context.staff, draft)
    asked = wizard.question(draft, context.t, context.deps.org, people, history, nearby)
    await message.chat.send_message(
        asked.text, parse_mode="HTML" if asked.html else None, reply_markup=asked.markup
    )


# --------------------------------------------------------------- typed and sent input


async def on_text(update: Update, context: BotContext, draft: Draft) -> None:
    """A typed message while a draft is open: the answer to its current step."""
    message = update.effective_message
    assert message is not None and message.text is not None
    text, button = message.text, wizard.pressed(message.text)
    try:
        await _advance(message, context, draft, lambda d: answered(d, text, button, _now(context)))
    except errors.ButtonsWanted:
        await message.reply_text(context.t._("Please use the buttons above."))
        await ask(message, context, draft)


async def on_photo(update: Update, context: BotContext, draft: Draft) -> None:
    """A photo while a draft is open: kept at the photo step (or with the description)."""
    message = update.effective_message
    assert message is not None and message.photo
    file_id = message.photo[-1].file_id
    t = context.t
    if draft.step is Step.DESCRIPTION:
        caption = message.caption or ""

        def with_photo(d: Draft) -> Draft:
            d = add_photo(d, file_id, _now(context))
            if caption.strip():
                return d.advanced(_now(context), description=check_description(caption))
            return d

        changed = await _change(message, context, draft, with_photo)
        if changed.step is not Step.DESCRIPTION:
            await ask(message, context, changed)
        else:
            await message.reply_text(t._("Photo kept. Now describe the problem in a few words."))
        return
    if draft.step is not Step.PHOTOS:
        await message.reply_text(
            t._("A photo is not expected now. Please answer the question above.")
        )
        return
    changed = await _change(message, context, draft, lambda d: add_photo(d, file_id, _now(context)))
    status = t.n_(
        "🖼 {n} photo received. Send more, or press Done.",
        "🖼 {n} photos received. Send more, or press Done.",
        len(changed.photos),
    )
    if changed.status_message_id is None:
        sent = await message.chat.send_message(status)
        await intake.update(
            context.deps,
            context.staff,
            lambda d: d.stay(_now(context), status_message_id=sent.message_id),
            token=changed.token,
        )
    else:
        await context.bot.edit_message_text(
            status, chat_id=message.chat.id, message_id=changed.status_message_id
        )


async def on_shared(update: Update, context: BotContext, draft: Draft) -> None:
    """A location shared at the location step; a contact card at the citizen's steps (it fills
    both the name and the phone)."""
    message = update.effective_message
    assert message is not None
    now = _now(context)
    if message.location is not None:
        where, venue = message.location, message.venue
        # A venue chosen on Telegram's map comes with its name and address: both kept.
        place = (
            " ".join(dict.fromkeys(x for x in (venue.title, venue.address) if x)) if venue else None
        )
        await _advance(
            message,
            context,
            draft,
            lambda d: located(d, where.latitude, where.longitude, now, place),
        )
        return
    assert message.contact is not None
    contact = message.contact
    name = " ".join(x for x in (contact.first_name, contact.last_name) if x)
    await _advance(message, context, draft, lambda d: contacted(d, name, contact.phone_number, now))


async def _advance(
    message: Message, context: BotContext, draft: Draft, change: Callable[[Draft], Draft]
) -> None:
    """Apply the answer; then ask the next question (or say what was wrong)."""
    changed = await _change(message, context, draft, change)
    if draft.step in REPLY_KEYBOARD_STEPS and changed.step not in REPLY_KEYBOARD_STEPS:
        await message.reply_text(context.t._("✓ Noted."), reply_markup=ReplyKeyboardRemove())
    await ask(message, context, changed)


async def _change(
    message: Message, context: BotContext, draft: Draft, change: Callable[[Draft], Draft]
) -> Draft:
    """The draft with the answer to its current step (refused if the answer does not fit)."""
    return await intake.update(
        context.deps,
        context.staff,
        change,
        token=draft.token,
        step=draft.step,
        chat_id=message.chat.id,
    )


def _now(context: BotContext) -> datetime:
    return context.deps.clock.now()


# ------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: BotContext) -> None:
    """A press on one of the wizard's inline buttons: `n:<token>:<step>:<value>`."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    parts = query.data.split(":")
    if len(parts) != 4:
        raise errors.StaleStep()
    _, token, step_name, value = parts
    message = query.message
    assert isinstance(message, Message)
    if step_name == Step.SUMMARY:
        await _summary_choice(update, context, token, value)
        return
    if step_name == Step.HISTORY:
        await _history_choice(update, context, token, value)
        return
    if step_name == Step.NEARBY:
        await _nearby_choice(update, context, token, value)
        return
    if step_name == wizard.EDIT:
        field = _step(value)
        if field not in EDITABLE:
            raise errors.StaleStep()

        def to_edit(d: Draft) -> Draft:
            if field not in d.editable():
                raise errors.StaleStep()
            return d.to_edit(field, _now(context))

        draft = await intake.update(
            context.deps,
            context.staff,
            to_edit,
            token=token,
            step=Step.SUMMARY,
        )
        await query.answer()
        await edit_markup(query, None)
        await ask(message, context, draft)
        return
    step = _step(step_name)
    if step is Step.SUBJECT:
        if not value.isdigit():
            raise errors.StaleStep()
        draft = await intake.name_subject(context.deps, context.staff, token, int(value))
    else:
        draft = await intake.update(
            context.deps, context.staff, _choice(context, step, value), token=token, step=step
        )
    await query.answer()
    chosen = next(
        (
            b.text
            for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
            for b in row
            if b.callback_data == query.data
        ),
        "",
    )
    choice = html.escape(chosen.removeprefix("✓ "))
    await edit_text(query, f"{message.text_html}\n✓ {choice}")
    await ask(message, context, draft)


def _step(name: str) -> Step:
    """A step of the wizard named by a button (whose data may be forged)."""
    if name not in tuple(Step):
        raise errors.StaleStep()
    return Step(name)


def _choice(context: BotContext, step: Step, value: str) -> Callable[[Draft], Draft]:
    org, now = context.deps.org, _now(context)
    match step:
        case Step.CATEGORY:
            return lambda d: choose_category(d, value, org, now)
        case Step.SOURCE if value in tuple(Source):
            return lambda d: d.advanced(now, source=Source(value))
        case Step.URGENCY:
            if value not in (wizard.URGENT, wizard.NORMAL):
                raise errors.StaleStep()
            return lambda d: d.advanced(now, urgent=value == wizard.URGENT)
        case Step.DEPARTMENT:
            return lambda d: choose_department(d, value, org, now)
    raise errors.StaleStep()


async def _summary_choice(update: Update, context: BotContext, token: str, value: str) -> None:
    query = update.callback_query
    assert query is not None
    t = context.t
    if value in (wizard.CHANGE, wizard.BACK):  # the Edit menu, or back from it
        draft = await intake.update(
            context.deps,
            context.staff,
            lambda d: d.stay(_now(context)),
            token=token,
            step=Step.SUMMARY,
        )
        await query.answer()
        menu = wizard.edit_buttons if value == wizard.CHANGE else wizard.summary_buttons
        await edit_markup(query, menu(draft, t))
        return
    if value == wizard.CANCEL:
        if not await intake.cancel(context.deps, context.staff, token):
            raise errors.NoDraft()
        await query.answer()
        await edit_text(query, t._("✖️ Cancelled. Nothing was saved."))
        return
    if value != wizard.SUBMIT:
        raise errors.StaleStep()
    summary = query.message
    assert isinstance(summary, Message)
    submitted = await intake.submit(
        context.deps, context.staff, token, shown_at=(summary.chat.id, summary.message_id)
    )
    issue, card = submitted.issue, submitted.card  # the summary becomes the issue's card
    await query.answer(plain(t._("Submitted as {number}.", number=issue.number)))
    text = t._(
        "✅ Submitted as <b>{number}</b> to {department}.",
        number=issue.number,
        department=department_name(issue.department, context.deps.org, t),
    )
    text = Html(
        text + "\n\n" + card_text(issue, t, context.deps.org, card.people, context.deps.zone)
    )
    await query.edit_message_text(
        text, parse_mode="HTML", reply_markup=card_keyboard(issue, card.actions, t)
    )


async def _log_a_new_one(query: CallbackQuery, context: BotContext, token: str, step: Step) -> None:
    """ "Log a new issue" pressed at the citizen's history or at the issues nearby: the list
    says what was chosen, and the wizard goes on to its next question."""
    assert isinstance(query.message, Message)
    draft = await intake.update(
        context.deps, context.staff, lambda d: d.advanced(_now(context)), token=token, step=step
    )
    chosen = html.escape(context.t._("➕ Log a new issue"))
    await query.answer()
    await edit_text(query, f"{query.message.text_html}\n✓ {chosen}")
    await ask(query.message, context, draft)


async def _history_choice(update: Update, context: BotContext, token: str, value: str) -> None:
    """A press at the citizen's history: an open issue (asked to confirm a repeat call on it),
    the confirmation, Back to the list, or "Log a new issue" (the wizard goes on). Each press
    is checked again by the use case: an issue closed meanwhile is said so and the list shown
    as it is now; a forged one is refused."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    t, deps = context.t, context.deps
    if value == wizard.NEW_ISSUE:
        await _log_a_new_one(query, context, token, Step.HISTORY)
        return
    confirmed = value.startswith(wizard.CONFIRM_REPEAT)
    number = value.removeprefix(wizard.CONFIRM_REPEAT)
    if value != wizard.BACK and not number.isdigit():
        raise errors.StaleStep()
    try:
        if value == wizard.BACK:
            await _show_history(update, context, token)
        elif not confirmed:
            issue = await intake.repeat_candidate(deps, context.staff, token, int(number))
            asked = wizard.repeat_confirmation(await _draft(context), issue, t, deps.org)
            assert isinstance(asked.markup, InlineKeyboardMarkup)
            await query.answer()
            await edit_text(query, asked.text, asked.markup)
        else:
            await _call_again(update, context, token, int(number))
    except errors.IssueNoLongerOpen as closed:
        await answer(update, context, closed)
        await _show_history(update, context, token, answered=True)


async def _draft(context: BotContext) -> Draft:
    draft = await intake.current(context.deps, context.staff)
    if draft is None:
        raise errors.NoDraft()
    return draft


async def _show_history(
    update: Update, context: BotContext, token: str, answered: bool = False
) -> None:
    """The citizen's history, as it is now, in place of the message pressed."""
    query = update.callback_query
    assert query is not None
    draft = await _draft(context)
    if draft.token != token or draft.step is not Step.HISTORY:
        raise errors.StaleStep()
    history = await intake.history(context.deps, context.staff, draft)
    asked = wizard.question(draft, context.t, context.deps.org, history=history)
    assert isinstance(asked.markup, InlineKeyboardMarkup)
    if not answered:
        await query.answer()
    await edit_text(query, asked.text, asked.markup)


async def _call_again(update: Update, context: BotContext, token: str, issue_id: int) -> None:
    """The repeat call, confirmed: the message becomes what was done, and the issue's card if
    the worker may see it."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    t, deps = context.t, context.deps
    done = await intake.call_again(
        deps, context.staff, token, issue_id, (query.message.chat.id, query.message.message_id)
    )
    issue = done.issue
    department = department_name(issue.department, deps.org, t)
    await query.answer(plain(t._("Repeat call logged on {number}.", number=issue.number)))
    text = t._(
        "📞 Logged as a repeat call on <b>{number}</b>; {department} was reminded. "
        "No new issue was logged.",
        number=issue.number,
        department=department,
    )
    markup = None
    if done.card is not None:
        people = done.card.people
        text = Html(text + "\n\n" + card_text(issue, t, deps.org, people, deps.zone))
        markup = card_keyboard(issue, done.card.actions, t)
    await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)


async def _nearby_choice(update: Update, context: BotContext, token: str, value: str) -> None:
    """A press at the open issues near the pin: "Same problem" on one (this report is linked
    to it as a duplicate), or "Log a new issue" (the wizard goes on). Checked again by the use
    case: an issue closed meanwhile is said so and the list shown as it is now; a forged one is
    refused."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    message, t, deps = query.message, context.t, context.deps
    if value == wizard.NEW_ISSUE:
        await _log_a_new_one(query, context, token, Step.NEARBY)
        return
    if not value.isdigit():
        raise errors.StaleStep()
    try:
        done = await intake.link_duplicate(
            deps, context.staff, token, int(value), (message.chat.id, message.message_id)
        )
    except errors.IssueNoLongerOpen as closed:
        await answer(update, context, closed)
        draft = await _draft(context)
        if draft.token != token or draft.step is not Step.NEARBY:
            raise errors.StaleStep() from closed
        nearby = await intake.nearby(deps, context.staff, draft)
        asked = wizard.question(draft, t, deps.org, nearby=nearby)
        assert isinstance(asked.markup, InlineKeyboardMarkup)
        await edit_text(query, asked.text, asked.markup)
        return
    issue = done.issue
    await query.answer(plain(t._("Linked to {number} as a duplicate.", number=issue.number)))
    text = t._(
        "🔗 Linked to <b>{number}</b> as a duplicate: it has now been reported {n} times. "
        "No new issue was logged, and nothing new went to {department}.",
        number=issue.number,
        n=1 + issue.duplicates,
        department=department_name(issue.department, deps.org, t),
    )
    markup = None
    if done.card is not None:
        text = Html(text + "\n\n" + card_text(issue, t, deps.org, done.card.people, deps.zone))
        markup = card_keyboard(issue, done.card.actions, t)
    await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("new", new_issue, filters=private),
        CallbackQueryHandler(on_button, pattern=rf"^{wizard.PREFIX}:"),
    ]


async def start_from_photo(update: Update, context: BotContext) -> None:
    """A photo sent with no draft open starts one (its caption, if any, is the description)."""
    message = update.effective_message
    assert message is not None and message.photo
    await _start(message, context, description=message.caption, photo=message.photo[-1].file_id)
