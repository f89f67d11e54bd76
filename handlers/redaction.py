"""/redact <phone> (coordinators): remove a citizen's personal data from every issue that
records their phone, at the citizen's request, once the coordinator confirms with a button.

The phone goes neither into the button's data nor into any log: the button carries the token
of a request kept in the database, which holds the issues found, not the phone
(casework/services/retention.py).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from casework import errors
from casework.intake import check_phone
from casework.privacy import mask_phone
from casework.retention import national_number
from casework.roles import Role
from casework.services import retention
from handlers.context import BotContext
from handlers.showing import edit_text
from rendering.i18n import Html, Texts, plain
from rendering.labels import status_icon, status_name

PREFIX = "rd"
CONFIRM = "ok"
CANCEL = "no"
LISTED_AT_MOST = 30  # a citizen who called about more: the count says so, the list stops


async def redact(update: Update, context: BotContext) -> None:
    """`/redact <phone>`: which issues hold this citizen's data; confirm to remove it."""
    assert update.effective_message is not None
    message, t = update.effective_message, context.t
    if context.staff.role is not Role.COORDINATOR:
        raise errors.NotAllowed("redact")
    typed = " ".join(context.args or [])  # `138 1234 5678` arrives as three words
    try:
        request = await retention.ask(context.deps, context.staff, typed)
    except errors.BadPhone:
        await message.reply_text(_usage(t))
        return
    except errors.NoIssuesWithPhone:
        await message.reply_html(
            t._(
                "No issue records the citizen's phone {phone} (or its data was removed already).",
                phone=_masked(typed),
            )
        )
        return
    lines = [
        t.n_(
            "{n} issue records the citizen's phone {phone}:",
            "{n} issues record the citizen's phone {phone}:",
            len(request.issues),
            phone=_masked(typed),
        )
    ]
    lines += [
        t._(
            "{icon} {number} · {status}",
            icon=status_icon(issue.status),
            number=issue.number,
            status=status_name(issue.status, t),
        )
        for issue in request.issues[:LISTED_AT_MOST]
    ]
    if len(request.issues) > LISTED_AT_MOST:
        lines.append(t._("… and {n} more.", n=len(request.issues) - LISTED_AT_MOST))
    lines.append(
        t._(
            "Remove the citizen's personal data from all of them (name, phone, address, "
            "location, photos; their name and phone in the texts of the timelines)? Open issues "
            "too. This cannot be undone; each timeline will record it."
        )
    )
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("🧹 Remove their data"), callback_data=f"{PREFIX}:{CONFIRM}:{request.token}"
                ),
                InlineKeyboardButton(
                    t._("Cancel"), callback_data=f"{PREFIX}:{CANCEL}:{request.token}"
                ),
            ]
        ]
    )
    await message.reply_html(Html("\n".join(lines)), reply_markup=buttons)


async def on_button(update: Update, context: BotContext) -> None:
    """Confirm or cancel; every press is checked again (still a coordinator, their own request,
    not answered before, not stale) and answered."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = context.t
    parts = query.data.split(":")
    if len(parts) != 3 or parts[1] not in (CONFIRM, CANCEL) or not parts[2]:
        raise errors.StaleStep()
    if parts[1] == CANCEL:
        if not await retention.cancel(context.deps, context.staff, parts[2]):
            raise errors.StaleStep()
        await query.answer()
        await edit_text(query, t._("Cancelled: nothing was removed."))
        return
    done = await retention.confirm(context.deps, context.staff, parts[2])
    await query.answer()
    await edit_text(
        query,
        t.n_(
            "Done: the citizen's personal data was removed from {n} issue; its timeline "
            "records it.",
            "Done: the citizen's personal data was removed from {n} issues; each timeline "
            "records it.",
            len(done),
        ),
    )


def _masked(typed: str) -> str:
    """`138****5678` however it was typed (`+86 138…` included): enough to recognise."""
    return mask_phone(national_number(check_phone(typed)))


def _usage(t: Texts) -> str:
    return plain(
        t._(
            "Usage: /redact <phone>, the citizen's phone as it was recorded, e.g. "
            "/redact 138 1234 5678. It removes that citizen's personal data from every issue, "
            "after you confirm."
        )
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("redact", redact, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"),
    ]
