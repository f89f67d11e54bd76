"""An issue's card: its text, the buttons the viewer may use, and the headlines of steps.

Callback data is compact ASCII, never translated text: `i:<issue id>:<step>[:<argument>]`.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from casework.commands import Action
from casework.issues import (
    CallbackOutcome,
    Event,
    EventKind,
    Issue,
    Status,
    Verdict,
    callback_outcome,
)
from casework.organisation import Organisation
from casework.people import Staff
from casework.privacy import mask_name, mask_phone
from casework.retention import PersonalData, blank
from casework.roles import Role
from rendering.dates import when
from rendering.i18n import N_, Html, Texts
from rendering.labels import (
    callback_answers,
    category_name,
    department_name,
    gist,
    issue_status,
    source_name,
    status_icon,
    verdict_name,
    withdraw_name,
)
from rendering.places import place_line

PREFIX = "i"
CODES = {
    Action.ACCEPT: "acc",
    Action.RETURN: "ret",
    Action.REROUTE: "rr",
    Action.TRANSFER: "tr",
    Action.ASSIGN: "asg",
    Action.RESOLVE: "res",
    Action.CONFIRM: "cfm",
    Action.REOPEN: "rop",
    Action.WITHDRAW: "wd",
    Action.NOTE: "note",
    Action.ASSIST: "ast",
    Action.CALLBACK: "cb",
    Action.PRAISE: "pr",
}
ACTIONS = {code: action for action, code in CODES.items()}
DETAILS = "view"
BACK = "back"
TIMELINE = "tl"
MEDIA = "media"  # the issue's photos and location, sent on request
LABELS = {
    Action.ACCEPT: N_("✅ Accept"),
    Action.RETURN: N_("↩️ Return"),
    Action.REROUTE: N_("🔀 Re-route"),
    Action.TRANSFER: N_("➡️ Transfer"),
    Action.ASSIGN: N_("👤 Assign"),
    Action.RESOLVE: N_("🏁 Resolve"),
    Action.CONFIRM: N_("🔒 Confirm closed"),
    Action.REOPEN: N_("🔁 Reopen"),
    Action.WITHDRAW: N_("🗑 Withdraw"),
    Action.NOTE: N_("💬 Note"),
    Action.ASSIST: N_("🤝 Assisting"),
    Action.CALLBACK: N_("📞 Record the call-back"),
    Action.PRAISE: N_("👍 Praise"),
}


# The result on a card: a card must fit one message (4096 characters) under the longest
# headline with every other field at its limit (tests/test_results.py); details show it whole.
RESULT_ON_CARD = 500
# What the worker wrote at a repeat call, on its notice (the timeline has it whole): the notice
# is a reminder, and the card under it has the description.
REPEAT_CALL_ON_HEADLINE = 300


def callback(issue_id: int, step: str, *arguments: str | int) -> str:
    return ":".join([PREFIX, str(issue_id), step, *(str(a) for a in arguments)])


def without_citizen(text: str, issue: Issue, people: dict[int, Staff], hide: bool) -> str:
    """`text` with the citizen's name and phone (however typed) blanked, if `hide`: for group
    chats and archived cards. Staff names stay."""
    if not hide:
        return text
    return blank(text, PersonalData.of(issue), [p.name for p in people.values()])


def card_text(
    issue: Issue,
    t: Texts,
    org: Organisation,
    people: dict[int, Staff],
    zone: ZoneInfo,
    masked: bool = False,
    retired: bool = False,
) -> Html:
    """The issue at a glance. `masked`: for group chats, the citizen's name and phone hidden.
    `retired`: the last edit of a card of an issue long over (casework/retention.py): nothing
    of the citizen's, no deadlines, and where to see the issue now."""

    def name_of(staff_id: int | None) -> str:
        person = people.get(staff_id) if staff_id else None
        return person.name if person else "?"

    lines = [
        t._(
            "{icon} <b>{number}</b> · {status}",
            icon=status_icon(issue.status),
            number=issue.number,
            status=issue_status(issue, t),
        )
        + (t._(" · 🔴 urgent") if issue.urgent else ""),
        t._(
            "<b>{category}</b> → {department}",
            category=category_name(issue.category, org, t),
            department=department_name(issue.department, org, t),
        ),
        Html(html.escape(without_citizen(issue.description, issue, people, masked or retired))),
    ]
    if issue.is_complaint:  # shown only to those who may see it (casework/lifecycle.py)
        lines.insert(
            1,
            t._("⚠️ Complaint about {name}", name=name_of(issue.subject_id))
            if issue.subject_id
            else t._("⚠️ Complaint about the department's service"),
        )
    if retired:
        if issue.resolution is not None:
            lines.append(result_line(issue, t, people, hide=True))
        lines.append(
            t._(
                "🗄 This card is archived without the citizen's details. /issue {number} shows "
                "the issue to those who may see it.",
                number=issue.number,
            )
        )
        return Html("\n".join(lines))
    if issue.redacted_at is not None:
        lines.append(
            t._(
                "🧹 The citizen's personal data was removed on {when}.",
                when=when(issue.redacted_at, zone, t),
            )
        )
    where = place_line(issue.address, issue.location, t)
    if where is not None:
        lines.append(where)
    if issue.citizen_name or issue.citizen_phone:
        citizen_name = issue.citizen_name or ""
        phone = issue.citizen_phone or ""
        if masked:
            citizen_name, phone = mask_name(citizen_name), mask_phone(phone) if phone else ""
        lines.append(t._("👤 Citizen: {name} {phone}", name=citizen_name, phone=phone))
    lines.append(t._("🗂 Source: {source}", source=source_name(issue.source, t)))
    lines.append(
        t._(
            "📝 Reported by {name}, {when}",
            name=name_of(issue.reporter_id),
            when=when(issue.created_at, zone, t),
        )
    )
    if issue.accepted_by:
        lines.append(t._("✅ Accepted by {name}", name=name_of(issue.accepted_by)))
    if issue.assignee_id:
        lines.append(t._("👷 Handled by {name}", name=name_of(issue.assignee_id)))
    if issue.status is Status.PENDING and issue.respond_by:
        line = t._("⏰ Accept or return by {when}", when=when(issue.respond_by, zone, t))
        lines.append(_in_workdays(line, issue.respond_workdays, t))
    elif issue.status is Status.ACCEPTED and issue.resolve_by:
        line = t._("⏰ Resolve by {when}", when=when(issue.resolve_by, zone, t))
        lines.append(_in_workdays(line, issue.resolve_workdays, t))
    if issue.assisting:
        names = t._(", ").join(department_name(d, org, t) for d in sorted(issue.assisting))
        lines.append(t._("🤝 Assisting: {departments}", departments=names))
    if issue.photos:
        lines.append(t.n_("🖼 {n} photo", "🖼 {n} photos", len(issue.photos)))
    if issue.resolution is not None:
        lines.append(result_line(issue, t, people, hide=masked))
    if issue.callback is Verdict.UNREACHABLE and issue.unreached:
        lines.append(
            t.n_(
                "📞 Call-back: the citizen could not be reached ({n} try)",
                "📞 Call-back: the citizen could not be reached ({n} tries)",
                issue.unreached,
            )
        )
    elif issue.callback is not None:
        lines.append(t._("📞 Call-back: {verdict}", verdict=verdict_name(issue.callback, t)))
    if issue.praised:
        lines.append(t._("👍 Praised"))
    if issue.reopen_count:
        lines.append(t.n_("🔁 Reopened {n} time", "🔁 Reopened {n} times", issue.reopen_count))
    if issue.flagged_at is not None:  # reported again and again: the coordinators were told
        lines.append(
            t.n_(
                "⚠️ Reported {n} time: flagged to the coordinators",
                "⚠️ Reported {n} times: flagged to the coordinators",
                issue.times_reported,
            )
        )
    elif issue.repeat_calls:
        lines.append(
            t.n_(
                "📞 The citizen called again {n} time",
                "📞 The citizen called again {n} times",
                issue.repeat_calls,
            )
        )
    if issue.duplicates:
        reported = 1 + issue.duplicates
        lines.append(t.n_("👥 Reported {n} time", "👥 Reported {n} times", reported))
    return Html("\n".join(lines))


def _in_workdays(line: Html, workdays: int | None, t: Texts) -> Html:
    """A deadline's line, with the working days it was given, if it was (a card is edited only
    when its issue changes: it says the time limit, the reminders say what is left)."""
    if workdays is None:
        return line
    return t.n_("{line} ({n} working day)", "{line} ({n} working days)", workdays, line=line)


def older_card_text(
    issue: Issue, t: Texts, org: Organisation, people: dict[int, Staff], masked: bool = False
) -> Html:
    """A card of the issue that gave way to a newer one in the same chat: one line saying which
    issue it was, without buttons (they are on the newer card), so a chat does not hold the
    same card, with the same buttons, three times over."""
    description = without_citizen(issue.description, issue, people, masked)
    return t._(
        "🗂 <b>{number}</b> {category} · {gist}\n⬇️ Its card is further down, with its buttons.",
        number=issue.number,
        category=category_name(issue.category, org, t),
        gist=gist(dataclasses.replace(issue, description=description), t),
    )


def result_line(
    issue: Issue, t: Texts, people: dict[int, Staff], hide: bool, whole: bool = False
) -> Html:
    """What the department did (`🏁 办理结果：…`), with how many photos it attached; after a
    reopening, as the previous result. Cut to `RESULT_ON_CARD` unless `whole`; `hide`: the
    citizen's name and phone blanked, as in the description (a group chat, an archived card)."""
    resolution = issue.resolution
    assert resolution is not None
    text = without_citizen(resolution.text, issue, people, hide)
    if not whole and len(text) > RESULT_ON_CARD:
        text = text[: RESULT_ON_CARD - 1] + "…"
    if issue.result_stands:
        line = t._("🏁 Result: {result}", result=text)
    else:  # reopened since: being worked on again
        line = t._("🏁 Previous result (before it was reopened): {result}", result=text)
    if resolution.photos:
        photos = t.n_(" (🖼 {n} photo)", " (🖼 {n} photos)", len(resolution.photos))
        line = Html(line + photos)
    return line


def card_keyboard(
    issue: Issue, actions: Sequence[Action], t: Texts, details: bool = True
) -> InlineKeyboardMarkup | None:
    buttons = [
        InlineKeyboardButton(t._(LABELS[a]), callback_data=callback(issue.id, CODES[a]))
        for a in actions
        if a in CODES
    ]
    if details:
        buttons.append(
            InlineKeyboardButton(t._("📜 Details"), callback_data=callback(issue.id, DETAILS))
        )
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


_SENTENCE_ENDS = "。.！!？?；;，,、…~～ \n"


def ended(text: str) -> str:
    """Typed text set before a full stop of the template's: without its own stop, so the line
    does not read `…不属于本单位职责。。请改派或撤回。`."""
    return text.rstrip(_SENTENCE_ENDS) or text


def headline(
    event: Event,
    issue: Issue,
    t: Texts,
    org: Organisation,
    people: dict[int, Staff],
    recipient: Staff | None,
) -> Html:
    """One line on top of a notification: what just happened, and what is asked of the reader."""
    actor = people.get(event.actor_id) if event.actor_id else None
    who = actor.name if actor else "?"
    department = department_name(event.department or issue.department, org, t)
    # In a group chat, people who are not registered read it: the citizen's name and phone go.
    text = without_citizen(event.text or "", issue, people, recipient is None)
    # Set inside a sentence that ends with its own full stop: the writer's own goes.
    text = ended(text)
    match event.kind:
        case EventKind.SUBMITTED | EventKind.REROUTED | EventKind.TRANSFERRED if (
            recipient is None or recipient.department == issue.department
        ):
            if event.kind is EventKind.TRANSFERRED:
                return t._(
                    "📥 Transferred to your department by {who}: {reason}. "
                    "Please accept or return it.",
                    who=who,
                    reason=text,
                )
            return t._("📥 New issue for your department. Please accept or return it.")
        case EventKind.REROUTED | EventKind.TRANSFERRED:
            return t._(
                "🔀 {number} now goes to {department} ({who}).",
                number=issue.number,
                department=department,
                who=who,
            )
        case EventKind.SUBMITTED:
            return t._("📥 {who} logged this issue.", who=who)
        case EventKind.ACCEPTED:
            return t._(
                "✅ {department} accepted {number} ({who}).",
                department=department,
                number=issue.number,
                who=who,
            )
        case EventKind.RETURNED:
            return t._(
                "↩️ {department} returned {number}: {reason}. Please re-route or withdraw it.",
                department=department,
                number=issue.number,
                reason=text,
            )
        case EventKind.ASSIGNED:
            return t._("👤 {who} assigned {number} to you.", who=who, number=issue.number)
        case EventKind.RESOLVED if recipient is not None and recipient.id != issue.reporter_id:
            # The reporter of a duplicate linked to it (a follower): their own call-back (📞).
            return t._(
                "🏁 {department} resolved {number}, the problem you reported as a duplicate of "
                "it. Please call back the citizen who reported it to you, and record their "
                "answers (📞).",
                department=department,
                number=issue.number,
            )
        case EventKind.RESOLVED if issue.has_citizen_to_call:  # the result is on the card (🏁)
            return t._(
                "🏁 {department} resolved {number}. Please call the citizen back to check, and "
                "record their answers (📞 Record the call-back): they close it, or send it back "
                "for rework.",
                department=department,
                number=issue.number,
            )
        case EventKind.RESOLVED:  # no citizen to call: the reporter checks and confirms
            return t._(
                "🏁 {department} resolved {number}. Please check that it is done, then confirm "
                "it closed or reopen it.",
                department=department,
                number=issue.number,
            )
        case EventKind.CONFIRMED:
            return t._("🔒 {who} confirmed {number} closed.", who=who, number=issue.number)
        case EventKind.REOPENED:
            return t._(
                "🔁 {who} reopened {number}: {reason}", who=who, number=issue.number, reason=text
            )
        case EventKind.WITHDRAWN:
            why = withdraw_name(event.withdraw_reason, t) if event.withdraw_reason else ""
            return t._(
                "🗑 {who} withdrew {number} ({why}): {reason}",
                who=who,
                number=issue.number,
                why=why,
                reason=text,
            )
        case EventKind.NOTE:
            return t._("💬 {who} on {number}: {note}", who=who, number=issue.number, note=text)
        case EventKind.ASSIST_ADDED:
            return t._("🤝 Your department is asked to assist with {number}.", number=issue.number)
        case EventKind.CALLBACK:
            return _call_back_headline(event, issue, t, who, department, text, recipient)
        case EventKind.REPEAT_CALL:
            if len(text) > REPEAT_CALL_ON_HEADLINE:
                text = text[: REPEAT_CALL_ON_HEADLINE - 1] + "…"
            return t._(
                "📞 The citizen called again about {number} ({who} took the call): {words}. "
                "Please see to it.",
                number=issue.number,
                who=who,
                words=text,
            )
        case EventKind.FLAGGED:
            return t.n_(
                "⚠️ {number}: the citizens have reported it {n} time. Please supervise it.",
                "⚠️ {number}: the citizens have reported it {n} times. Please supervise it.",
                issue.times_reported,
                number=issue.number,
            )
        case EventKind.PRAISE:
            target = people.get(event.target_id) if event.target_id else None
            return t._(
                "👍 The citizen praised {whom} for {number}.",
                whom=target.name if target else department,
                number=issue.number,
            )
    return Html("")


def _call_back_headline(
    event: Event,
    issue: Issue,
    t: Texts,
    who: str,
    department: str,
    words: str,
    recipient: Staff | None,
) -> Html:
    """What a call-back did, from its answers: closed (结案), sent back (重办; to the
    coordinators, 二次督办), the citizen out of reach, or the old way's verdict."""
    number, answers = issue.number, callback_answers(event, t)
    match callback_outcome(event):
        case CallbackOutcome.CLOSED:
            line = t._(
                "🔒 {number} is closed: at the call-back ({who}) the citizen said {answers}.",
                number=number,
                who=who,
                answers=answers,
            )
        case CallbackOutcome.REDO if recipient is not None and recipient.role is Role.COORDINATOR:
            line = t._(
                "🚨 Second supervision: at the call-back of {number} ({who}) the citizen said "
                "{answers}. It goes back to {department} for rework.",
                number=number,
                who=who,
                answers=answers,
                department=department,
            )
        case CallbackOutcome.REDO:
            line = t._(
                "🔁 {number} goes back to {department} for rework: at the call-back ({who}) the "
                "citizen said {answers}.",
                number=number,
                who=who,
                answers=answers,
                department=department,
            )
        case CallbackOutcome.UNREACHED:
            return t.n_(
                "📵 The citizen of {number} could not be reached ({n} try). You may close it "
                "with a reason (🔒 Confirm closed).",
                "📵 The citizen of {number} could not be reached ({n} tries). You may close it "
                "with a reason (🔒 Confirm closed).",
                max(issue.unreached, 1),
                number=number,
            )
        case _:
            return t._(
                "📞 Call-back on {number}: the citizen is {verdict}.",
                number=number,
                verdict=answers,
            )
    if not words:
        return line
    return Html(line + "\n" + t._("💬 The citizen: “{words}”", words=words))


def photos_caption(event: Event, issue: Issue, people: dict[int, Staff], t: Texts) -> Html:
    """The caption of a step's photos, sent after its notice or with the issue's details."""
    if event.kind is EventKind.RESOLVED:
        return result_photos_caption(issue, t)
    actor = people.get(event.actor_id) if event.actor_id else None
    return t._(
        "💬 Photos of {who}'s note on {number}",
        who=actor.name if actor else "?",
        number=issue.number,
    )


def earlier_result_caption(event: Event, issue: Issue, t: Texts, zone: ZoneInfo) -> Html:
    """The caption of a result's photos from before the issue was reopened."""
    return t._(
        "🏁 Photos of an earlier result of {number} ({when})",
        number=issue.number,
        when=when(event.at, zone, t),
    )


def result_photos_caption(issue: Issue, t: Texts) -> Html:
    return t._("🏁 Photos of the result of {number}", number=issue.number)
