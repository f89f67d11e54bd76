"""Managing people: /invite, /invites, /staff, /deactivate.

Callback data: `inv:<draft>:<role>[:<department>]` (picking an invitation's role and
department), `ivx:<invitation>` (revoke it), `dea:<staff number>` (confirm ending a
coordinator's access). Each press is checked again by the use case, whatever the data says.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from casework.errors import NotAllowed, StaleStep
from casework.people import AccessAction, AccessEntry, Invite, Staff
from casework.roles import Role
from casework.services import access
from handlers.context import BotContext
from handlers.numbers import whole_number
from rendering.dates import when
from rendering.i18n import N_, Html, Texts, plain, texts
from rendering.labels import department_name, describe_person, role_name
from rendering.long_text import split_text
from rendering.notices import CONFIRM_DEACTIVATION

INVITE_PREFIX = "inv"
REVOKE_PREFIX = "ivx"
CONFIRM_PREFIX = CONFIRM_DEACTIVATION  # made in rendering/notices.py
INVITES_SHOWN = 30  # open links listed (and revocable) at once; the oldest first


@dataclass(frozen=True)
class _Named:
    """`/invite 刘强`: the name; role and department come with buttons."""

    name: str


@dataclass(frozen=True)
class _Complete:
    """`/invite member roads 刘强`: everything in one line."""

    role: Role
    department: str | None
    name: str


async def invite(update: Update, context: BotContext) -> None:
    """`/invite <name>` (then buttons), or `/invite <role> [department] <name>`."""
    assert update.effective_message is not None
    message, t = update.effective_message, context.t
    if context.staff.role is not Role.COORDINATOR:
        raise NotAllowed("invite")
    asked = _parse_invite(context, list(context.args or []))
    if asked is None:
        await message.reply_text(plain(_invite_usage(context)))  # "<role>" is not a tag
        return
    if isinstance(asked, _Named):
        draft = await access.draft_invite(context.deps, context.staff, asked.name)
        await message.reply_text(
            t._("Invitation for {name}: which role?", name=asked.name),
            reply_markup=_role_buttons(t, draft),
        )
        return
    made = await access.create_invite(
        context.deps, context.staff, asked.role, asked.department, asked.name
    )
    await message.reply_html(_invite_text(context, made))


async def invite_button(update: Update, context: BotContext) -> None:
    """The role, then the department (for members and heads), then the link."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = context.t
    parts = query.data.split(":")
    draft = whole_number(parts[1]) if len(parts) in (3, 4) else None
    role = parse_role(parts[2]) if draft is not None else None
    if draft is None or role is None:
        raise StaleStep()
    if len(parts) == 3 and role.needs_department:
        name = await access.invite_draft_name(context.deps, context.staff, draft)
        await query.answer()
        await query.edit_message_text(
            t._(
                "Invitation for {name}, a {role}: which department?",
                name=name,
                role=role_name(role, t),
            ),
            reply_markup=_department_buttons(context, draft, role),
        )
        return
    department = parts[3] if len(parts) == 4 else None
    made = await access.invite_from_draft(context.deps, context.staff, draft, role, department)
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


def _parse_invite(context: BotContext, words: list[str]) -> _Named | _Complete | None:
    """`刘强` (a name alone), `head roads 陈建国`, `科室负责人 市政道路科 陈建国`,
    `department head Water Supply Li Lei`: roles and departments of several words are tried
    at every split; what follows is the name. None: a role with no name, or no department."""
    if not words:
        return None
    role_given = False
    for split in range(1, len(words) + 1):
        role = parse_role(" ".join(words[:split]))
        if role is None:
            continue
        role_given = True
        if not role.needs_department:
            if split < len(words):
                return _Complete(role, None, " ".join(words[split:]))
            continue
        for end in range(len(words) - 1, split, -1):  # the longest name that fits first
            department = parse_department(context, " ".join(words[split:end]))
            if department is not None:
                return _Complete(role, department, " ".join(words[end:]))
    return None if role_given else _Named(" ".join(words))


def parse_department(context: BotContext, word: str) -> str | None:
    word = word.strip().lower()
    for department in context.deps.org.departments:
        if word in (department.code, department.name.zh, department.name.en.lower()):
            return department.code
    return None


def _role_buttons(t: Texts, draft: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(role_name(r, t), callback_data=f"{INVITE_PREFIX}:{draft}:{r}")]
            for r in Role
        ]
    )


def _department_buttons(context: BotContext, draft: int, role: Role) -> InlineKeyboardMarkup:
    language = context.t.language
    buttons = [
        InlineKeyboardButton(
            d.name(language), callback_data=f"{INVITE_PREFIX}:{draft}:{role}:{d.code}"
        )
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
        "Usage: /invite <name>, then choose the role and department with buttons; or in one "
        "line: /invite <role> [department] <name>, for example /invite member roads 刘强. The "
        "name is how others will see the person.\nRoles: {roles}\nDepartments: {departments}",
        roles=roles,
        departments=departments,
    )


def _invite_text(context: BotContext, made: Invite) -> Html:
    t = context.t
    link = f"https://t.me/{context.bot.username}?start={made.code}"
    return t._(
        "Invitation for {name}, a {role} ({department}). Send this link to them alone; it "
        "works once, until {expires}:\n{link}",
        name=made.name or "",
        role=role_name(made.role, t),
        department=department_name(made.department, context.deps.org, t),
        expires=_local(context, made.expires_at),
        link=link,
    )


def _local(context: BotContext, moment: datetime) -> str:
    return when(moment, context.deps.zone, context.t)


async def list_invites(update: Update, context: BotContext) -> None:
    """`/invites`: the links nobody has used yet, each with a button to revoke it."""
    assert update.effective_message is not None
    text, buttons = await _invites_view(context)
    await update.effective_message.reply_html(text, reply_markup=buttons)


async def _invites_view(context: BotContext) -> tuple[Html, InlineKeyboardMarkup | None]:
    t, org = context.t, context.deps.org
    found = await access.open_invites(context.deps, context.staff)
    shown = found.invites[:INVITES_SHOWN]
    if not found.invites:
        return t._("No invitation link is open. /invite makes one."), None
    lines = [
        t.n_("{n} invitation link is open:", "{n} invitation links are open:", len(found.invites))
    ]
    buttons = []
    for made in shown:
        maker = found.makers[made.created_by]
        lines.append(
            t._(
                "{name} · {role} ({department}) · by {maker}, until {expires}",
                name=made.name or "?",
                role=role_name(made.role, t),
                department=department_name(made.department, org, t),
                maker=maker.name,
                expires=_local(context, made.expires_at),
            )
        )
        label = t._("Revoke: {name}", name=made.name or "?")
        buttons.append([InlineKeyboardButton(label, callback_data=f"{REVOKE_PREFIX}:{made.id}")])
    return Html("\n".join(lines)), InlineKeyboardMarkup(buttons) if buttons else None


async def revoke_button(update: Update, context: BotContext) -> None:
    """Revoke a link from the /invites list, and show the list as it is now."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = context.t
    invite_id = whole_number(query.data.removeprefix(f"{REVOKE_PREFIX}:"))
    if invite_id is None:
        raise StaleStep()
    revoked = await access.revoke_invite(context.deps, context.staff, invite_id)
    text, buttons = await _invites_view(context)
    await query.answer(
        t._("Revoked: the link for {name} no longer works.", name=revoked.name or "?")
    )
    if isinstance(query.message, Message):
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=buttons)


async def list_staff(update: Update, context: BotContext) -> None:
    """People with access, by department, and how each came in; for coordinators, the latest
    changes of access too."""
    assert update.effective_message is not None
    t, org = context.t, context.deps.org
    found = await access.list_staff(context.deps, context.staff)
    people = found.people
    lines: list[str] = [t.n_("{n} person has access:", "{n} people have access:", len(people))]
    current: object = ()
    for person in people:
        if person.department != current:
            current = person.department
            name = html.escape(department_name(person.department, org, t))
            lines.append(Html(f"\n<b>{name}</b>"))
        line = Html(describe_person(person, org, t))
        if person.telegram_name and person.telegram_name != person.name:
            line = t._("{person} (Telegram: {name})", person=line, name=person.telegram_name)
        came = found.came_in.get(person.id)
        if came is not None:
            line = Html(line + " · " + _came_in(came, found.named, t))
        if person.unreachable_since is not None:
            line = Html(line + " " + t._("⚠️ messages do not reach them"))
        lines.append(line)
    if found.recent:
        lines.append(Html("\n<b>" + t._("Latest changes of access") + "</b>"))
        lines += [_change(entry, found.named, context) for entry in found.recent]
    for part in split_text("\n".join(lines)):
        await update.effective_message.reply_html(part)


def _came_in(entry: AccessEntry, named: dict[int, Staff], t: Texts) -> Html:
    if entry.action is AccessAction.ROSTER_ADDED:
        return t._("from the organisation file")
    return t._("invited by {name}", name=_name(entry.actor_id, named))


_CHANGES = {
    AccessAction.INVITED: N_("{when} {actor} made an invitation for {name} ({role})"),
    AccessAction.JOINED: N_("{when} {target} joined ({role}) through {actor}'s invitation"),
    AccessAction.REVOKED: N_("{when} {actor} revoked the invitation for {name}"),
    AccessAction.DEACTIVATION_REQUESTED: N_(
        "{when} {actor} asked to end {target}'s access (a second coordinator must confirm)"
    ),
    AccessAction.DEACTIVATED: N_("{when} {actor} ended {target}'s access"),
    AccessAction.ROSTER_ADDED: N_("{when} {target} ({role}) was added by the organisation file"),
    AccessAction.ROSTER_REMOVED: N_("{when} the organisation file ended {target}'s access"),
}


def _change(entry: AccessEntry, named: dict[int, Staff], context: BotContext) -> Html:
    t = context.t
    return t._(
        _CHANGES[entry.action],
        when=_local(context, entry.at),
        actor=_name(entry.actor_id, named),
        target=_name(entry.target_id, named),
        name=entry.name or "?",
        role=role_name(entry.role, t) if entry.role else "?",
    )


def _name(staff_id: int | None, named: dict[int, Staff]) -> str:
    person = named.get(staff_id) if staff_id is not None else None
    return person.name if person is not None else "?"


async def deactivate(update: Update, context: BotContext) -> None:
    """`/deactivate <number>`: end that person's access at once; a coordinator's once a second
    coordinator confirms."""
    assert update.effective_message is not None
    message, t = update.effective_message, context.t
    args = context.args or []
    number = whole_number(args[0].lstrip("#")) if len(args) == 1 else None
    if number is None:
        await message.reply_text(t._("Usage: /deactivate <number>, the number /staff shows."))
        return
    result = await access.deactivate(context.deps, context.staff, number)
    await message.reply_html(_deactivation_text(result, context))


async def confirm_button(update: Update, context: BotContext) -> None:
    """A second coordinator confirms ending a coordinator's access."""
    query = update.callback_query
    assert query is not None and query.data is not None
    number = whole_number(query.data.removeprefix(f"{CONFIRM_PREFIX}:"))
    if number is None:
        raise StaleStep()
    result = await access.deactivate(context.deps, context.staff, number)
    await query.answer()
    await query.edit_message_text(_deactivation_text(result, context), parse_mode="HTML")


def _deactivation_text(result: access.Deactivation, context: BotContext) -> Html:
    t, org = context.t, context.deps.org
    person = describe_person(result.person, org, t)
    if result.done:
        return t._("Access ended for {person}.", person=person)
    return t.n_(
        "Ending a coordinator's access needs a second coordinator: I asked the other "
        "coordinator to confirm ({person}).",
        "Ending a coordinator's access needs a second coordinator: I asked the {n} other "
        "coordinators to confirm ({person}).",
        result.asked,
        person=person,
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("invite", invite, filters=private),
        CallbackQueryHandler(invite_button, pattern=rf"^{INVITE_PREFIX}:"),
        CommandHandler("invites", list_invites, filters=private),
        CallbackQueryHandler(revoke_button, pattern=rf"^{REVOKE_PREFIX}:"),
        CommandHandler("staff", list_staff, filters=private),
        CommandHandler("deactivate", deactivate, filters=private),
        CallbackQueryHandler(confirm_button, pattern=rf"^{CONFIRM_PREFIX}:"),
    ]
