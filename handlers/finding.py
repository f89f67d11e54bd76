"""/find: issues looked up by the citizen's phone (whole, or its last four digits), an issue
number, or words of the description or the address; a page at a time.

In a department's group chat everyone in the group reads the answer: only that department's
cases are listed there, with the citizen's phone masked as on the group's cards, and without
the buttons that open an issue (those work in a private chat).
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from casework import errors
from casework.issues import Issue
from casework.lookup import Lookup, LookupKind, lookup_again, read_lookup
from casework.privacy import mask_phone
from casework.services import views
from handlers.context import BotContext
from handlers.numbers import page_number, whole_number
from handlers.showing import edit_text
from handlers.views import issue_line
from rendering.cards import DETAILS, callback, without_citizen
from rendering.i18n import Html
from rendering.labels import ADDRESS_IN_A_LINE, DESCRIPTION_IN_A_LINE, snippet

PREFIX = "f"  # f:<kind>:<page>:<key> (casework.lookup.Lookup), at most 64 bytes
# A phone's pages carry the id of an issue with that phone, not the phone: what a button
# carries is not masked, and in a group everyone's app holds it.
BY_ISSUE = "q"


async def find(update: Update, context: BotContext) -> None:
    """`/find <phone, last four digits, number or words>`."""
    message = update.effective_message
    assert message is not None and message.text is not None
    parts = message.text.split(maxsplit=1)
    lookup = read_lookup(parts[1] if len(parts) == 2 else "")
    text, markup = await _page(context, lookup, 0, _group_of(update, context))
    await message.reply_html(text, reply_markup=markup, do_quote=False)


async def turn_page(update: Update, context: BotContext) -> None:
    """◀ / ▶ under a list of what /find found."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":", 3)
    page = page_number(parts[2]) if len(parts) == 4 else None
    if page is None:
        raise errors.StaleStep()
    if parts[1] == BY_ISSUE:
        issue_id = whole_number(parts[3])
        if issue_id is None:
            raise errors.StaleStep()
        lookup = await views.phone_lookup(context.deps, context.staff, issue_id)
    else:
        found = lookup_again(parts[1], parts[3])
        if found is None:
            raise errors.StaleStep()
        lookup = found
    text, markup = await _page(context, lookup, page, _group_of(update, context))
    await query.answer()
    await edit_text(query, text, markup)


def _group_of(update: Update, context: BotContext) -> str | None:
    """The department whose group chat this is, if it is one (the gate lets no other group
    through)."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return None
    for department in context.deps.org.departments:
        if department.group_chat_id == chat.id:
            return department.code
    raise errors.StaleStep()  # not reached: the gate answers in unknown groups


def _asked(lookup: Lookup, masked: bool) -> str:
    """What was looked for, as the answer repeats it (a phone masked in a group)."""
    if lookup.kind is LookupKind.PHONE and masked:
        return mask_phone(lookup.key)
    if lookup.kind is LookupKind.TAIL:
        return "…" + lookup.key
    return lookup.key


async def _page(
    context: BotContext, lookup: Lookup, page: int, group: str | None
) -> tuple[Html, InlineKeyboardMarkup | None]:
    t = context.t
    found = await views.look_up(context.deps, context.staff, lookup, page, group)
    shown = min(found.total, views.FIND_MOST)
    pages = max(1, -(-shown // views.PAGE_SIZE))
    if page >= pages:  # an old button, and fewer are found now: the last page
        page = pages - 1
        found = await views.look_up(context.deps, context.staff, lookup, page, group)
    asked = html.escape(_asked(lookup, masked=group is not None))
    if not found.issues:
        return t._("Nothing found for “{asked}” among the issues you may see.", asked=asked), None
    if found.total > views.FIND_MOST:
        title = t._(
            "Found for “{asked}”: more than {most}, the newest {most} listed. More words "
            "find fewer.",
            asked=asked,
            most=views.FIND_MOST,
        )
    else:
        title = t.n_(
            "Found for “{asked}”: {n} issue",
            "Found for “{asked}”: {n} issues",
            found.total,
            asked=asked,
        )
    lines = [Html(f"<b>{title}</b>")]
    if pages > 1:
        lines.append(t._("Page {page} of {pages}", page=page + 1, pages=pages))
    lines += [_line(context, issue, masked=group is not None) for issue in found.issues]
    return Html("\n".join(lines)), _buttons(context, lookup, found.issues, page, pages, group)


def _line(context: BotContext, issue: Issue, masked: bool) -> Html:
    """An issue of the list: as /my and /inbox show it, with the citizen's phone (masked in a
    group, as on its cards there)."""
    description = without_citizen(issue.description, issue, {}, hide=masked)
    gist = html.escape(snippet(description, DESCRIPTION_IN_A_LINE))
    if issue.address:
        gist += " · 📍" + html.escape(snippet(issue.address, ADDRESS_IN_A_LINE))
    if issue.citizen_phone:
        phone = mask_phone(issue.citizen_phone) if masked else issue.citizen_phone
        gist += " · ☎ " + html.escape(phone)
    return issue_line(context, issue, Html(gist))


def _buttons(
    context: BotContext,
    lookup: Lookup,
    issues: list[Issue],
    page: int,
    pages: int,
    group: str | None,
) -> InlineKeyboardMarkup | None:
    t = context.t
    rows = []
    if group is None:  # opening an issue shows the presser's view: in private only
        rows = [
            [
                InlineKeyboardButton(i.number, callback_data=callback(i.id, DETAILS))
                for i in issues[k : k + 2]
            ]
            for k in range(0, len(issues), 2)
        ]
    navigation = []
    if lookup.kind is LookupKind.PHONE:
        carried = f"{BY_ISSUE}:{{page}}:{issues[0].id}"
    else:
        carried = f"{lookup.kind.value}:{{page}}:{lookup.key}"
    data = f"{PREFIX}:{carried}"
    if page > 0:
        navigation.append(
            InlineKeyboardButton(t._("◀ Previous"), callback_data=data.format(page=page - 1))
        )
    if page < pages - 1:
        navigation.append(
            InlineKeyboardButton(t._("Next ▶"), callback_data=data.format(page=page + 1))
        )
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(rows) if rows else None


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("find", find),
        CallbackQueryHandler(turn_page, pattern=rf"^{PREFIX}:"),
    ]
