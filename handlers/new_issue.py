"""/new: log a citizen's issue from a phone, one short step at a time.

Steps (see docs/intake.mmd): description → category → location → photos → citizen's name →
citizen's phone → source → urgency → department → summary (Submit, Edit, Cancel).
The draft lives in the database, so a restart loses nothing; buttons carry the draft's
token and step, so a press from an old draft or an earlier step changes nothing.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from casework import errors
from casework.intake import (
    EDITABLE,
    Draft,
    Step,
    add_photo,
    check_address,
    check_department,
    check_description,
    check_location,
    check_name,
    check_phone,
    choose_category,
)
from casework.issues import Source
from casework.outbox import Card
from casework.services import delivery, intake, issues, views
from handlers.context import BotContext
from handlers.showing import edit_markup, edit_text
from rendering.cards import card_keyboard, card_text
from rendering.i18n import N_, Html, Texts, plain, texts
from rendering.labels import category_name, department_name, source_name

PREFIX = "n"
REPLY_KEYBOARD_STEPS = {Step.LOCATION, Step.PHOTOS, Step.CITIZEN_NAME, Step.CITIZEN_PHONE}
_STEP_NAMES = {
    Step.DESCRIPTION: N_("Description"),
    Step.CATEGORY: N_("Category"),
    Step.LOCATION: N_("Location"),
    Step.PHOTOS: N_("Photos"),
    Step.CITIZEN_NAME: N_("Citizen's name"),
    Step.CITIZEN_PHONE: N_("Citizen's phone"),
    Step.SOURCE: N_("Source"),
    Step.URGENCY: N_("Urgency"),
    Step.DEPARTMENT: N_("Department"),
}


def _data(draft: Draft, step: Step | str, value: str) -> str:
    return f"{PREFIX}:{draft.token}:{step}:{value}"


def _said(text: str, label: str) -> bool:
    """Whether a typed text is the reply-keyboard button `label`, in either language."""
    pressed = text.strip().casefold()
    return any(pressed == texts(lang)._(label).strip().casefold() for lang in ("zh", "en"))


# ---------------------------------------------------------------------------- starting


async def new_issue(update: Update, context: BotContext) -> None:
    """`/new [description]`: start a draft, or pick up the unfinished one."""
    message = update.effective_message
    assert message is not None and update.effective_chat is not None
    if await issues.put_prompt_aside(context.deps, context.staff):
        await message.reply_text(
            context.t._(
                "The step you had started on another issue was cancelled; nothing was changed "
                "there. Press its button again when you are ready."
            )
        )
    words = (message.text or "").split(maxsplit=1)  # the text after /new, lines kept
    text = words[1].strip() if len(words) > 1 else None
    await _start(message, context, description=text or None)


async def _start(
    message: Message, context: BotContext, description: str | None = None, photo: str | None = None
) -> None:
    t = context.t
    draft, resumed = await intake.start(
        context.deps, context.staff, message.chat.id, description, photo
    )
    if resumed:
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
    await ask(message, context, draft)


def _shortened(text: str, limit: int = 200) -> str:
    """Enough of a text to recognise it (a message repeated back must stay under Telegram's
    4,096 characters)."""
    return text if len(text) <= limit else text[:limit] + "…"


# ----------------------------------------------------------------------------- asking


async def ask(message: Message, context: BotContext, draft: Draft) -> None:
    """Send the question for the draft's current step."""
    t = context.t
    chat = message.chat
    match draft.step:
        case Step.DESCRIPTION:
            await chat.send_message(
                t._(
                    "📝 New issue. Describe the problem in a few words "
                    "(or send a photo with a caption). /cancel stops."
                ),
                reply_markup=ReplyKeyboardRemove(),
            )
        case Step.CATEGORY:
            await chat.send_message(
                t._("🗂 Which category?"), reply_markup=_category_buttons(context, draft)
            )
        case Step.LOCATION:
            keyboard = ReplyKeyboardMarkup(
                [
                    [KeyboardButton(t._("📍 Share my location"), request_location=True)],
                    [KeyboardButton(t._("Skip"))],
                ],
                resize_keyboard=True,
                input_field_placeholder=t._("Address"),
            )
            await chat.send_message(
                t._("📍 Where is it? Share your location, type the address, or skip."),
                reply_markup=keyboard,
            )
        case Step.PHOTOS:
            keyboard = ReplyKeyboardMarkup([[t._("Done"), t._("Skip")]], resize_keyboard=True)
            await chat.send_message(
                t._("🖼 Send photos of it (up to 10), then press Done. Or skip."),
                reply_markup=keyboard,
            )
        case Step.CITIZEN_NAME:
            keyboard = ReplyKeyboardMarkup(
                [[t._("Skip")]], resize_keyboard=True, input_field_placeholder=t._("Name")
            )
            await chat.send_message(
                t._("👤 The citizen's name? (Optional. You can also share their contact.)"),
                reply_markup=keyboard,
            )
        case Step.CITIZEN_PHONE:
            keyboard = ReplyKeyboardMarkup(
                [[t._("Skip")]], resize_keyboard=True, input_field_placeholder=t._("Phone")
            )
            await chat.send_message(
                t._("📞 The citizen's phone number? (Optional.)"), reply_markup=keyboard
            )
        case Step.SOURCE:
            buttons = [
                InlineKeyboardButton(source_name(s, t), callback_data=_data(draft, Step.SOURCE, s))
                for s in Source
            ]
            await chat.send_message(
                t._("🗂 How did the issue reach you?"), reply_markup=_rows(buttons, 2)
            )
        case Step.URGENCY:
            buttons = [
                InlineKeyboardButton(t._("Normal"), callback_data=_data(draft, Step.URGENCY, "0")),
                InlineKeyboardButton(
                    t._("🔴 Urgent"), callback_data=_data(draft, Step.URGENCY, "1")
                ),
            ]
            await chat.send_message(t._("⏱ How urgent is it?"), reply_markup=_rows(buttons, 2))
        case Step.DEPARTMENT:
            await chat.send_message(
                t._("🏢 Which department is responsible? The category's usual one is marked ✓."),
                reply_markup=_department_buttons(context, draft),
            )
        case Step.SUMMARY:
            await chat.send_message(
                _summary(context, draft), parse_mode="HTML", reply_markup=_summary_buttons(t, draft)
            )


def _rows(buttons: list[InlineKeyboardButton], width: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([buttons[i : i + width] for i in range(0, len(buttons), width)])


def _category_buttons(context: BotContext, draft: Draft) -> InlineKeyboardMarkup:
    language = context.t.language
    buttons = [
        InlineKeyboardButton(c.name(language), callback_data=_data(draft, Step.CATEGORY, c.code))
        for c in context.deps.org.categories
    ]
    return _rows(buttons, 2)


def _department_buttons(context: BotContext, draft: Draft) -> InlineKeyboardMarkup:
    org, language = context.deps.org, context.t.language
    category = org.category(draft.category or "")
    # The category's usual department first, marked ✓, as the question says (also when
    # editing after another was chosen: the summary shows that choice).
    usual = category.department if category else None
    ordered = sorted(org.departments, key=lambda d: d.code != usual)
    buttons = [
        InlineKeyboardButton(
            ("✓ " if d.code == usual else "") + d.name(language),
            callback_data=_data(draft, Step.DEPARTMENT, d.code),
        )
        for d in ordered
    ]
    return _rows(buttons, 2)


def _summary(context: BotContext, draft: Draft) -> Html:
    t, org = context.t, context.deps.org
    unset = "—"
    location = unset
    if draft.location:
        location = f"{draft.location.latitude:.5f}, {draft.location.longitude:.5f}"
    elif draft.address:
        location = draft.address
    lines = [
        t._("<b>Please check the issue before submitting</b>"),
        t._("Description: {value}", value=draft.description or unset),
        t._(
            "Category: {value}",
            value=category_name(draft.category, org, t) if draft.category else unset,
        ),
        t._("Location: {value}", value=location),
        t._("Photos: {value}", value=len(draft.photos)),
        t._(
            "Citizen: {value}",
            value=" ".join(x for x in (draft.citizen_name, draft.citizen_phone) if x) or unset,
        ),
        t._("Source: {value}", value=source_name(draft.source, t) if draft.source else unset),
        t._("Urgency: {value}", value=t._("🔴 Urgent") if draft.urgent else t._("Normal")),
        t._("Department: {value}", value=department_name(draft.department, org, t)),
    ]
    return Html("\n".join(lines))


def _summary_buttons(t: Texts, draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("✅ Submit"), callback_data=_data(draft, Step.SUMMARY, "submit")
                )
            ],
            [
                InlineKeyboardButton(
                    t._("✏️ Edit"), callback_data=_data(draft, Step.SUMMARY, "edit")
                ),
                InlineKeyboardButton(
                    t._("✖️ Cancel"), callback_data=_data(draft, Step.SUMMARY, "cancel")
                ),
            ],
        ]
    )


def _edit_buttons(t: Texts, draft: Draft) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t._(_STEP_NAMES[step]), callback_data=_data(draft, "edit", step))
        for step in EDITABLE
    ]
    return _rows(buttons, 3)


# --------------------------------------------------------------- typed and sent input


async def on_text(update: Update, context: BotContext, draft: Draft) -> None:
    """A typed message while a draft is open: the answer to its current step."""
    message = update.effective_message
    assert message is not None and message.text is not None
    text, t = message.text, context.t
    match draft.step:
        case Step.DESCRIPTION:
            await _advance(
                message,
                context,
                draft,
                lambda d: d.advanced(_now(context), description=check_description(text)),
            )
        case Step.LOCATION if _said(text, "Skip"):  # when editing, Skip clears the field
            await _advance(
                message, context, draft,
                lambda d: d.advanced(_now(context), location=None, address=None),
            )  # fmt: skip
        case Step.LOCATION:
            await _advance(
                message,
                context,
                draft,
                lambda d: d.advanced(_now(context), address=check_address(text), location=None),
            )
        case Step.PHOTOS if _said(text, "Done") or _said(text, "Skip"):
            await _advance(message, context, draft, lambda d: d.advanced(_now(context)))
        case Step.PHOTOS:
            await message.reply_text(t._("Please send a photo, or press Done."))
        case Step.CITIZEN_NAME if _said(text, "Skip"):
            await _advance(
                message, context, draft, lambda d: d.advanced(_now(context), citizen_name=None)
            )
        case Step.CITIZEN_NAME:
            await _advance(
                message,
                context,
                draft,
                lambda d: d.advanced(_now(context), citizen_name=check_name(text)),
            )
        case Step.CITIZEN_PHONE if _said(text, "Skip"):
            await _advance(
                message, context, draft, lambda d: d.advanced(_now(context), citizen_phone=None)
            )
        case Step.CITIZEN_PHONE:
            await _advance(
                message,
                context,
                draft,
                lambda d: d.advanced(_now(context), citizen_phone=check_phone(text)),
            )
        case _:
            await message.reply_text(t._("Please use the buttons above."))
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


async def on_location(update: Update, context: BotContext, draft: Draft) -> None:
    message = update.effective_message
    assert message is not None and message.location is not None
    if draft.step is not Step.LOCATION:
        await message.reply_text(context.t._("A location is not expected now."))
        return
    where = message.location
    await _advance(
        message,
        context,
        draft,
        lambda d: d.advanced(
            _now(context), location=check_location(where.latitude, where.longitude), address=None
        ),
    )


async def on_contact(update: Update, context: BotContext, draft: Draft) -> None:
    """A shared contact at the citizen steps fills both the name and the phone."""
    message = update.effective_message
    assert message is not None and message.contact is not None
    if draft.step not in (Step.CITIZEN_NAME, Step.CITIZEN_PHONE):
        await message.reply_text(context.t._("A contact is not expected now."))
        return
    contact = message.contact
    name = " ".join(x for x in (contact.first_name, contact.last_name) if x)

    def fill(d: Draft) -> Draft:
        phone = check_phone(contact.phone_number)
        moved = d.advanced(
            _now(context), citizen_name=check_name(name) if name else None, citizen_phone=phone
        )
        return moved if moved.step is not Step.CITIZEN_PHONE else moved.advanced(_now(context))

    await _advance(message, context, draft, fill)


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
    if step_name == "edit":
        field = _step(value)
        if field not in EDITABLE:
            raise errors.StaleStep()
        draft = await intake.update(
            context.deps,
            context.staff,
            lambda d: d.to_edit(field, _now(context)),
            token=token,
            step=Step.SUMMARY,
        )
        await query.answer()
        await edit_markup(query, None)
        await ask(message, context, draft)
        return
    step = _step(step_name)
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
            if value not in ("0", "1"):
                raise errors.StaleStep()
            return lambda d: d.advanced(now, urgent=value == "1")
        case Step.DEPARTMENT:
            return lambda d: d.advanced(now, department=check_department(value, org))
    raise errors.StaleStep()


async def _summary_choice(update: Update, context: BotContext, token: str, value: str) -> None:
    query = update.callback_query
    assert query is not None
    t = context.t
    if value == "edit":
        draft = await intake.update(
            context.deps,
            context.staff,
            lambda d: d.stay(_now(context)),
            token=token,
            step=Step.SUMMARY,
        )
        await query.answer()
        await edit_markup(query, _edit_buttons(t, draft))
        return
    if value == "cancel":
        if not await intake.cancel(context.deps, context.staff, token):
            raise errors.NoDraft()
        await query.answer()
        await edit_text(query, t._("✖️ Cancelled. Nothing was saved."))
        return
    if value != "submit":
        raise errors.StaleStep()
    issue = await intake.submit(context.deps, context.staff, token)
    await query.answer(plain(t._("Submitted as {number}.", number=issue.number)))
    details = await views.details(context.deps, context.staff, issue.id)
    text = t._(
        "✅ Submitted as <b>{number}</b> to {department}.",
        number=issue.number,
        department=department_name(issue.department, context.deps.org, t),
    )
    text = Html(
        text + "\n\n" + card_text(issue, t, context.deps.org, details.people, context.deps.zone)
    )
    edited = await query.edit_message_text(
        text, parse_mode="HTML", reply_markup=card_keyboard(issue, details.actions, t)
    )
    if isinstance(edited, Message):
        await delivery.record_card(
            context.deps, Card(edited.chat.id, edited.message_id, issue.id, context.staff.id)
        )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("new", new_issue, filters=private),
        CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"),
    ]


async def start_from_photo(update: Update, context: BotContext) -> None:
    """A photo sent with no draft open starts one (its caption, if any, is the description)."""
    message = update.effective_message
    assert message is not None and message.photo
    await _start(message, context, description=message.caption, photo=message.photo[-1].file_id)
