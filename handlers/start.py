"""/start (and invitation links), /help and /cancel."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from casework.services import access
from handlers.context import BotContext
from handlers.menus import keep_menu
from rendering.i18n import Html
from rendering.labels import department_name, role_name
from rendering.menus import commands_for


async def start(update: Update, context: BotContext) -> None:
    """Greet a registered person, or register one who opened an invitation link."""
    assert update.message is not None and update.effective_user is not None
    if context.args:
        await _open_invitation(update, context, context.args[0])
        return
    await update.message.reply_html(_welcome(context) + "\n\n" + _help(context))


async def _open_invitation(update: Update, context: BotContext, code: str) -> None:
    assert update.message is not None and update.effective_user is not None
    user = update.effective_user
    context.actor = await access.redeem_invite(context.deps, code, user.id, user.full_name)
    await keep_menu(context, context.actor, update)  # the menu of their role, from their first step
    await update.message.reply_html(_welcome(context) + "\n\n" + _help(context))


def _welcome(context: BotContext) -> Html:
    t, person, org = context.t, context.staff, context.deps.org
    if person.department is None:
        return t._(
            "Welcome, {name}. You are a {role}.", name=person.name, role=role_name(person.role, t)
        )
    return t._(
        "Welcome, {name}. You are a {role} of {department}.",
        name=person.name,
        role=role_name(person.role, t),
        department=department_name(person.department, org, t),
    )


def _help(context: BotContext) -> Html:
    t = context.t
    lines = [t._("What you can do:")]
    lines += [
        t._("/{command} — {description}", command=c.name, description=t._(c.description))
        for c in commands_for(context.staff.role)
    ]
    return Html("\n".join(lines))


async def show_help(update: Update, context: BotContext) -> None:
    """List the commands this person's role can use."""
    assert update.effective_message is not None
    await update.effective_message.reply_html(_help(context))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("help", show_help),
    ]
