"""Managing people: /invite, /staff, /deactivate."""

from __future__ import annotations

import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from casework.errors import CaseworkError, NotAllowed
from casework.people import Invite
from casework.roles import Role
from casework.services import access
from handlers.context import BotContext
from handlers.i18n import Html, Texts, plain, texts
from handlers.labels import department_name, describe_person, role_name
from handlers.numbers import whole_number
from handlers.refusals import explain
from handlers.sending import split_text

INVITE_PREFIX = "inv"


async def invite(update: Update, context: BotContext) -> None:
    """`/invite <role> [department]`, or without arguments: pick with buttons."""
    assert update.effective_message is not None
    message, t = update.effective_message, context.t
    if context.staff.role is not Role.COORDINATOR:
        await message.reply_html(explain(NotAllowed("invite"), t))
        return
    if not context.args:
        await message.reply_text(t._("Whom do you want to invite?"), reply_markup=_role_buttons(t))
        return
    asked = _role_and_department(context, list(context.args))
    if asked is None:
        await message.reply_text(plain(_invite_usage(context)))  # "<role>" is not a tag
        return
    role, department = asked
    try:
        made = await access.create_invite(context.deps, context.staff, role, department)
    except CaseworkError as refusal:
        await message.reply_html(explain(refusal, t))
        return
    await message.reply_html(_invite_text(context, made))


async def invite_button(update: Update, context: BotContext) -> None:
    """Role, then department (for members and heads), then the link."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = context.t
    parts = query.data.split(":")
    role = parse_role(parts[2]) if len(parts) >= 3 else None
    if role is None or len(parts) > 4:
        await query.answer(t._("This button is no longer valid."), show_alert=True)
        return
    if len(parts) == 3 and role.needs_department:
        await query.answer()
        await query.edit_message_text(
            t._("Which department will the {role} belong to?", role=role_name(role, t)),
            reply_markup=_department_buttons(context, role),
        )
        return
    department = parts[3] if len(parts) == 4 else None
    try:
        made = await access.create_invite(context.deps, context.staff, role, department)
    except CaseworkError as refusal:
        await query.answer(plain(explain(refusal, t)), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(_invite_text(context, made), parse_mode="HTML")


def parse_role(word: str) -> Role | None:
    """A role by its code or its name in either language."""
    word = word.strip().lower()
    for role in Role:
        names = {role.value} | {role_name(role, texts(lang)).lower() for lang in ("zh", "en")}
        if word in names:
            return role
    return None


def _role_and_department(context: BotContext, words: list[str]) -> tuple[Role, str | None] | None:
    """`head roads`, `科室负责人 市政道路科`, `department head Water Supply`: names of several
    words are tried at every split."""
    for split in range(1, len(words) + 1):
        role = parse_role(" ".join(words[:split]))
        if role is None:
            continue
        if split == len(words):
            return role, None
        department = parse_department(context, " ".join(words[split:]))
        if department is not None:
            return role, department
    return None


def parse_department(context: BotContext, word: str) -> str | None:
    word = word.strip().lower()
    for department in context.deps.org.departments:
        if word in (department.code, department.name.zh, department.name.en.lower()):
            return department.code
    return None


def _role_buttons(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(role_name(role, t), callback_data=f"{INVITE_PREFIX}:r:{role}")]
            for role in Role
        ]
    )


def _department_buttons(context: BotContext, role: Role) -> InlineKeyboardMarkup:
    language = context.t.language
    buttons = [
        InlineKeyboardButton(d.name(language), callback_data=f"{INVITE_PREFIX}:r:{role}:{d.code}")
        for d in context.deps.org.departments
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _invite_usage(context: BotContext) -> Html:
    t = context.t
    roles = ", ".join(f"{r.value} ({role_name(r, t)})" for r in Role)
    departments = ", ".join(
        f"{d.code} ({d.name(t.language)})" for d in context.deps.org.departments
    )
    return t._(
        "Usage: /invite <role> [department], or just /invite to choose with buttons.\n"
        "Roles: {roles}\nDepartments: {departments}",
        roles=roles,
        departments=departments,
    )


def _invite_text(context: BotContext, made: Invite) -> Html:
    t = context.t
    link = f"https://t.me/{context.bot.username}?start={made.code}"
    return t._(
        "Invitation for a {role} ({department}). Send this link to the person; "
        "it works once, until {expires}:\n{link}",
        role=role_name(made.role, t),
        department=department_name(made.department, context.deps.org, t),
        expires=_local(context, made.expires_at),
        link=link,
    )


def _local(context: BotContext, moment: datetime) -> str:
    return moment.astimezone(context.runtime.settings.zone).strftime("%Y-%m-%d %H:%M")


async def list_staff(update: Update, context: BotContext) -> None:
    """People with access, by department."""
    assert update.effective_message is not None
    t, org = context.t, context.deps.org
    try:
        people = await access.list_staff(context.deps, context.staff)
    except CaseworkError as refusal:
        await update.effective_message.reply_html(explain(refusal, t))
        return
    lines: list[str] = [t.n_("{n} person has access:", "{n} people have access:", len(people))]
    current: object = ()
    for person in people:
        if person.department != current:
            current = person.department
            name = html.escape(department_name(person.department, org, t))
            lines.append(Html(f"\n<b>{name}</b>"))
        line = describe_person(person, org, t)
        if person.unreachable_since is not None:
            line = Html(line + " " + t._("⚠️ messages do not reach them"))
        lines.append(line)
    for part in split_text("\n".join(lines)):
        await update.effective_message.reply_html(part)


async def deactivate(update: Update, context: BotContext) -> None:
    """`/deactivate <number>`: end that person's access at once."""
    assert update.effective_message is not None
    message, t = update.effective_message, context.t
    args = context.args or []
    number = whole_number(args[0].lstrip("#")) if len(args) == 1 else None
    if number is None:
        await message.reply_text(t._("Usage: /deactivate <number>, the number /staff shows."))
        return
    try:
        former = await access.deactivate(context.deps, context.staff, number)
    except CaseworkError as refusal:
        await message.reply_html(explain(refusal, t))
        return
    await message.reply_html(
        t._("Access ended for {person}.", person=describe_person(former, context.deps.org, t))
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("invite", invite, filters=private),
        CallbackQueryHandler(invite_button, pattern=rf"^{INVITE_PREFIX}:"),
        CommandHandler("staff", list_staff, filters=private),
        CommandHandler("deactivate", deactivate, filters=private),
    ]
