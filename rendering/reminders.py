"""The words of reminders, escalations, digests and notices to coordinators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from casework.issues import Issue, Status
from casework.organisation import Organisation
from casework.reminders import RungKind
from casework.services.overdue import Digest
from rendering import dates
from rendering.cards import DETAILS, callback
from rendering.dates import soon
from rendering.i18n import Html, Texts
from rendering.labels import (
    RESULT_IN_A_LINE,
    category_name,
    department_name,
    gist,
    snippet,
    span,
    time_left,
)

LIST_BUTTONS_IN_A_ROW = 3  # issue numbers (2611-0042) side by side on a phone
MESSAGE_LIMIT = 4096  # Telegram's, in characters


def reminder_headline(
    kind: RungKind, issue: Issue, now: datetime, t: Texts, org: Organisation
) -> Html:
    """What the reminder is about, with how long is left or how long it is overdue."""
    number = issue.number
    department = department_name(issue.department, org, t)
    due = issue.due
    if kind is RungKind.CONFIRM:
        ago = span(now - (issue.phase_started_at or issue.updated_at), t)
        return t._(
            "🏁 {number} was resolved {ago} ago. Please check that it is done, then confirm it "
            "closed or reopen it.",
            number=number,
            ago=ago,
        )
    if kind is RungKind.CALLBACK and issue.status is Status.RESOLVED and issue.unreached:
        return t.n_(
            "📞 The citizen of {number} could not be reached ({n} try). Please call them again "
            "and record the call-back.",
            "📞 The citizen of {number} could not be reached ({n} tries). Please call them again "
            "and record the call-back.",
            issue.unreached,
            number=number,
        )
    if kind is RungKind.CALLBACK and issue.status is Status.RESOLVED:
        ago = span(now - (issue.phase_started_at or issue.updated_at), t)
        return t._(
            "📞 {number} was resolved {ago} ago. Please call the citizen back and record the "
            "call-back: it closes the issue, or sends it back for rework.",
            number=number,
            ago=ago,
        )
    if kind is RungKind.CALLBACK:
        ago = span(now - (issue.phase_started_at or issue.updated_at), t)
        return t._(
            "📞 {number} was closed {ago} ago. Please call the citizen back and record their "
            "verdict.",
            number=number,
            ago=ago,
        )
    if kind is RungKind.UNREACHED:
        return t.n_(
            "📵 The citizen of {number} could not be reached ({n} try): it stays resolved. "
            "Close it with a reason (🔒 Confirm closed), or have them called again.",
            "📵 The citizen of {number} could not be reached ({n} tries): it stays resolved. "
            "Close it with a reason (🔒 Confirm closed), or have them called again.",
            issue.unreached,
            number=number,
        )
    if kind is RungKind.REROUTE:
        ago = span(now - (issue.phase_started_at or issue.updated_at), t)
        return t._(
            "↩️ {number} was returned {ago} ago and still waits to be re-routed or withdrawn.",
            number=number,
            ago=ago,
        )
    if due is None:
        return t._("⏰ Reminder: {number}", number=number)
    pending = issue.status is Status.PENDING
    if kind is RungKind.ESCALATION:
        late = span(now - due, t)
        if pending:
            return t._(
                "🚨 Supervision: {number} at {department} is {late} past its deadline to be "
                "accepted or returned.",
                number=number,
                department=department,
                late=late,
            )
        return t._(
            "🚨 Supervision: {number} at {department} is {late} past its deadline to be resolved.",
            number=number,
            department=department,
            late=late,
        )
    if kind is RungKind.DEADLINE and timedelta(0) <= now - due < timedelta(minutes=5):
        if pending:
            return t._("⏰ {number}: the time to accept or return it is up.", number=number)
        return t._("⏰ {number}: the time to resolve it is up.", number=number)
    if now >= due:
        late = span(now - due, t)
        if pending:
            return t._(
                "⚠️ {number} is overdue by {late}: please accept or return it.",
                number=number,
                late=late,
            )
        return t._("⚠️ {number} is overdue by {late}: please resolve it.", number=number, late=late)
    left = time_left(issue, due, now, t, org)
    if pending:
        return t._("⏰ {number}: {left} left to accept or return it.", number=number, left=left)
    return t._("⏰ {number}: {left} left to resolve it.", number=number, left=left)


def reminder_list(
    listed: Sequence[tuple[Issue, RungKind]],
    now: datetime,
    t: Texts,
    org: Organisation,
    zone: ZoneInfo,
    gists: bool = True,
) -> Html:
    """Several reminders due together to one person, as one message: a line each, in the
    order given (most urgent first), what the issue is and what is asked of the reader. Should
    the organisation's names be so long that it would not fit in a message, the start of each
    description and the place are left out."""
    lines = [
        t.n_(
            "⏰ <b>{n} issue needs you</b>, the most urgent first:",
            "⏰ <b>{n} issues need you</b>, the most urgent first:",
            len(listed),
        )
    ]
    for issue, rung in listed:
        lines.append(Html(""))
        line = t._(
            "<b>{number}</b> {category} · {gist}",
            number=issue.number,
            category=category_name(issue.category, org, t),
            gist=gist(issue, t) if gists else Html(""),
        )
        lines.append(Html(line + t._(" · 🔴 urgent")) if issue.urgent else line)
        lines.append(_asked(rung, issue, now, t, org, zone))
        if gists and issue.resolution is not None and issue.result_stands:
            # What the department did, for the call-back the line asks for.
            result = snippet(issue.resolution.text, RESULT_IN_A_LINE)
            lines.append(t._("🏁 Result: {result}", result=result))
    lines.append(Html(""))
    lines.append(t._("Tap a number to open its card."))
    text = Html("\n".join(lines))
    if gists and len(text) > MESSAGE_LIMIT:  # what Telegram shows is shorter: tags go
        return reminder_list(listed, now, t, org, zone, gists=False)
    return text


def reminder_list_keyboard(
    listed: Sequence[tuple[Issue, RungKind]], t: Texts
) -> InlineKeyboardMarkup:
    """A button for each issue of a list of reminders, in the list's order: it opens the
    issue's details, with the buttons for the next step."""
    buttons = [
        InlineKeyboardButton(issue.number, callback_data=callback(issue.id, DETAILS))
        for issue, _ in listed
    ]
    step = LIST_BUTTONS_IN_A_ROW
    return InlineKeyboardMarkup([buttons[i : i + step] for i in range(0, len(buttons), step)])


def _asked(
    rung: RungKind, issue: Issue, now: datetime, t: Texts, org: Organisation, zone: ZoneInfo
) -> Html:
    """One line of a list of reminders: how late it is, or how long is left, and what to do."""
    waited = span(now - (issue.phase_started_at or issue.updated_at), t)
    if rung is RungKind.CONFIRM:
        return t._(
            "🏁 Resolved {ago} ago: check that it is done, then confirm it closed or reopen it.",
            ago=waited,
        )
    if rung is RungKind.CALLBACK and issue.status is Status.RESOLVED and issue.unreached:
        return t.n_(
            "📞 Could not reach the citizen ({n} try): call again.",
            "📞 Could not reach the citizen ({n} tries): call again.",
            issue.unreached,
        )
    if rung is RungKind.CALLBACK and issue.status is Status.RESOLVED:
        return t._("📞 Resolved {ago} ago: call the citizen back.", ago=waited)
    if rung is RungKind.CALLBACK:
        return t._("📞 Closed {ago} ago: record the citizen's verdict.", ago=waited)
    if rung is RungKind.UNREACHED:
        return t.n_(
            "📵 The citizen could not be reached ({n} try): close it with a reason.",
            "📵 The citizen could not be reached ({n} tries): close it with a reason.",
            issue.unreached,
        )
    if rung is RungKind.REROUTE:
        return t._("↩️ Returned {ago} ago: re-route or withdraw it.", ago=waited)
    due = issue.due
    if due is None:
        return t._("⏰ Waiting for you.")
    pending = issue.status is Status.PENDING
    if rung is RungKind.ESCALATION:
        late = span(now - due, t)
        if pending:
            return t._(
                "🚨 {department}: {late} past the deadline to accept or return it.",
                department=department_name(issue.department, org, t),
                late=late,
            )
        return t._(
            "🚨 {department}: {late} past the deadline to resolve it.",
            department=department_name(issue.department, org, t),
            late=late,
        )
    if now >= due:
        late = span(now - due, t)
        if pending:
            return t._("⚠️ Overdue by {late}: accept or return it.", late=late)
        return t._("⚠️ Overdue by {late}: resolve it.", late=late)
    left, by = time_left(issue, due, now, t, org), soon(due, zone, t, now)
    if pending:
        return t._("⏰ {left} left to accept or return it (by {by}).", left=left, by=by)
    return t._("⏰ {left} left to resolve it (by {by}).", left=left, by=by)


def digest_text(
    digest: Digest, day: str, now: datetime, t: Texts, org: Organisation, zone: ZoneInfo
) -> Html:
    lines = [t._("☀️ <b>Morning digest, {day}</b>", day=dates.day(date.fromisoformat(day), t))]
    if not digest.loads:
        lines.append(t._("Nothing is waiting or in progress. 👍"))
    for load in digest.loads:
        lines.append(
            t._(
                "{department}: {pending} waiting to be accepted, {accepted} in progress, "
                "{overdue} overdue",
                department=department_name(load.department, org, t),
                pending=load.pending,
                accepted=load.accepted,
                overdue=load.overdue,
            )
        )
    if digest.overdue.issues:
        lines.append(Html(""))
        lines.append(t._("<b>Most overdue</b> ({n} in all):", n=digest.overdue.total))
        for issue in digest.overdue.issues:
            due = issue.due or now
            lines.append(
                t._(
                    "• {number} {category}, {department}: overdue by {late} (due {due})",
                    number=issue.number,
                    category=category_name(issue.category, org, t),
                    department=department_name(issue.department, org, t),
                    late=span(now - due, t),
                    due=soon(due, zone, t, now),
                )
            )
    return Html("\n".join(lines))
