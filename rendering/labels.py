"""Names of the rules' values (roles, …) in the user's language."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from casework.issues import (
    Contact,
    Event,
    EventKind,
    Issue,
    Solved,
    Source,
    Status,
    Verdict,
    WithdrawReason,
)
from casework.organisation import Organisation
from casework.people import Staff
from casework.roles import Role
from rendering.i18n import N_, Html, Texts
from rendering.places import map_link

# A list line shows this much of an issue's description and address: enough to tell issues
# apart on a phone, in one or two lines.
DESCRIPTION_IN_A_LINE = 24
RESULT_IN_A_LINE = 30  # what was done, in a list of reminders
ADDRESS_IN_A_LINE = 16

_ROLE = {
    Role.WORKER: N_("frontline worker"),
    Role.MEMBER: N_("department staff"),
    Role.HEAD: N_("department head"),
    Role.COORDINATOR: N_("coordinator"),
}


def role_name(role: Role, t: Texts) -> str:
    return t._(_ROLE[role])


def department_name(code: str | None, org: Organisation, t: Texts) -> str:
    if code is None:
        return t._("no department")
    department = org.any_department(code)
    return department.name(t.language) if department else code


def describe_person(person: Staff, org: Organisation, t: Texts) -> str:
    """`#12 刘强 · department staff, Roads and Lighting`."""
    if person.department is None:
        return t._(
            "#{id} {name} · {role}", id=person.id, name=person.name, role=role_name(person.role, t)
        )
    return t._(
        "#{id} {name} · {role}, {department}",
        id=person.id,
        name=person.name,
        role=role_name(person.role, t),
        department=department_name(person.department, org, t),
    )


_STATUS = {
    Status.PENDING: N_("waiting to be accepted"),
    Status.ACCEPTED: N_("in progress"),
    Status.RETURNED: N_("returned, to be re-routed"),
    Status.RESOLVED: N_("resolved, to be confirmed"),
    Status.CLOSED: N_("closed"),
    Status.WITHDRAWN: N_("withdrawn"),
}
_STATUS_ICON = {
    Status.PENDING: "📥",
    Status.ACCEPTED: "🛠",
    Status.RETURNED: "↩️",
    Status.RESOLVED: "🏁",
    Status.CLOSED: "🔒",
    Status.WITHDRAWN: "🗑",
}
_SOURCE = {
    Source.VISIT: N_("community visit"),
    Source.WINDOW: N_("service window"),
    Source.HOTLINE: N_("hotline"),
    Source.ONLINE: N_("online"),
}
_VERDICT = {
    Verdict.SATISFIED: N_("satisfied"),
    Verdict.BASICALLY_SATISFIED: N_("basically satisfied"),
    Verdict.DISSATISFIED: N_("dissatisfied"),
    Verdict.UNREACHABLE: N_("could not be reached"),
}
_CONTACT = {
    Contact.YES: N_("contacted"),
    Contact.NO: N_("not contacted"),
    Contact.NOT_ASKED: N_("contact not asked"),
}
_SOLVED = {
    Solved.SOLVED: N_("solved"),
    Solved.PARTLY: N_("partly solved"),
    Solved.NOT_SOLVED: N_("not solved"),
    Solved.NOT_ASKED: N_("solving not asked"),
}
_EVENT_KIND = {
    EventKind.SUBMITTED: N_("logged"),
    EventKind.ACCEPTED: N_("accepted"),
    EventKind.RETURNED: N_("returned"),
    EventKind.REROUTED: N_("re-routed"),
    EventKind.TRANSFERRED: N_("transferred"),
    EventKind.ASSIGNED: N_("assigned"),
    EventKind.RESOLVED: N_("resolved"),
    EventKind.CONFIRMED: N_("confirmed closed"),
    EventKind.REOPENED: N_("reopened"),
    EventKind.WITHDRAWN: N_("withdrawn"),
    EventKind.NOTE: N_("note"),
    EventKind.ASSIST_ADDED: N_("assisting department added"),
    EventKind.CALLBACK: N_("call-back"),
    EventKind.PRAISE: N_("praise"),
    EventKind.REDACTED: N_("personal data removed"),
    EventKind.REPEAT_CALL: N_("repeat call"),
    EventKind.FLAGGED: N_("flagged: reported again and again"),
    EventKind.DUPLICATE: N_("duplicate report"),
    EventKind.DUPLICATE_CALLBACK: N_("call-back of a duplicate report"),
}
_WITHDRAW = {
    WithdrawReason.DUPLICATE: N_("duplicate"),
    WithdrawReason.INVALID: N_("invalid"),
}


def status_name(status: Status, t: Texts) -> str:
    return t._(_STATUS[status])


def issue_status(issue: Issue, t: Texts) -> str:
    """An issue's status as its card says it: a resolved issue with a citizen to call waits
    for the call-back (待回访), not for a confirmation."""
    if issue.status is Status.RESOLVED and issue.has_citizen_to_call:
        return t._("resolved, waiting for the call-back")
    return status_name(issue.status, t)


def status_icon(status: Status) -> str:
    return _STATUS_ICON[status]


def source_name(source: Source, t: Texts) -> str:
    return t._(_SOURCE[source])


def event_kind_name(kind: EventKind, t: Texts) -> str:
    return t._(_EVENT_KIND[kind])


def verdict_name(verdict: Verdict, t: Texts) -> str:
    return t._(_VERDICT[verdict])


def contact_name(contact: Contact, t: Texts) -> str:
    return t._(_CONTACT[contact])


def solved_name(solved: Solved, t: Texts) -> str:
    return t._(_SOLVED[solved])


def callback_answers(event: Event, t: Texts) -> str:
    """A call-back's answers in a line: `contacted · solved · satisfied`; the verdict alone for
    one that asked nothing else (recorded before the three questions), or could not reach."""
    answers = []
    contacted, solved = event.contacted, event.solved
    if contacted is not None and contacted is not Contact.NOT_ASKED:
        answers.append(contact_name(contacted, t))
    if solved is not None and solved is not Solved.NOT_ASKED:
        answers.append(solved_name(solved, t))
    if event.verdict is not None:
        answers.append(verdict_name(event.verdict, t))
    return " · ".join(answers)


def withdraw_name(reason: WithdrawReason, t: Texts) -> str:
    return t._(_WITHDRAW[reason])


def category_name(code: str, org: Organisation, t: Texts) -> str:
    category = org.any_category(code)
    return category.name(t.language) if category else code


def span(delta: timedelta, t: Texts) -> str:
    """A duration as people say it: `2 days 3 hours`, `45 minutes`."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(t.n_("{n} day", "{n} days", days))
    if hours:
        parts.append(t.n_("{n} hour", "{n} hours", hours))
    if minutes and not days:
        parts.append(t.n_("{n} minute", "{n} minutes", minutes))
    return " ".join(parts) if parts else t._("under a minute")


def time_left(issue: Issue, due: datetime, now: datetime, t: Texts, org: Organisation) -> str:
    """How long is left until the deadline that runs, in the unit it was given in: working
    days (`2 working days`, `还剩 2 个工作日`) for a deadline in working days, until its last
    day, when what is left is said in hours; else as `span` says it."""
    if issue.due_workdays is not None:
        days = org.calendar.workdays_left(now, due)
        if days > 1:
            return t.n_("{n} working day", "{n} working days", days)
    return span(due - now, t)


def snippet(text: str, limit: int) -> str:
    """The start of a text on one line (runs of spaces and line breaks made one space), cut at
    `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def gist(issue: Issue, t: Texts) -> Html:
    """What an issue is about, for a line of a list: the start of its description, and the
    place: the address, else the pin as a link to a map."""
    line = html.escape(snippet(issue.description, DESCRIPTION_IN_A_LINE))
    if issue.address:
        line += " · 📍" + html.escape(snippet(issue.address, ADDRESS_IN_A_LINE))
    elif issue.location is not None:
        line += " · 📍" + map_link(issue.location, t)
    return Html(line)
