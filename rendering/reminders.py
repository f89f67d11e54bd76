"""The words of reminders, escalations, digests and notices to coordinators."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from casework.issues import Issue, Status
from casework.organisation import Organisation
from casework.reminders import RungKind
from casework.services.overdue import Digest
from rendering import dates
from rendering.dates import soon
from rendering.i18n import Html, Texts
from rendering.labels import category_name, department_name, span


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
            "🏁 {number} was resolved {ago} ago. Please call the citizen back, then confirm it "
            "closed or reopen it.",
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
    left = span(due - now, t)
    if pending:
        return t._("⏰ {number}: {left} left to accept or return it.", number=number, left=left)
    return t._("⏰ {number}: {left} left to resolve it.", number=number, left=left)


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
