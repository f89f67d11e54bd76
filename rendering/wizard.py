"""The /new wizard's words and buttons: each step's question with its keyboard, the summary,
and the reply keyboard's labels, read back in any language the bot speaks.

Inline buttons carry `n:<draft token>:<step>:<value>`, so a press from an old draft or an
earlier step changes nothing (casework/services/intake.py checks both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from casework.intake import (
    HISTORY_WINDOW,
    NONE_NAMED,
    CitizenHistory,
    Draft,
    Step,
    Typed,
    wants_address,
)
from casework.issues import Issue, Source
from casework.nearby import Nearby
from casework.organisation import LANGUAGES, Organisation
from casework.people import Staff
from rendering.i18n import N_, Html, Texts, texts
from rendering.labels import category_name, department_name, issue_status, source_name, status_icon
from rendering.places import map_link

PREFIX = "n"
EDIT = "edit"  # a button of the summary's Edit menu: `n:<token>:edit:<step>`
SUBMIT, CHANGE, CANCEL = "submit", "edit", "cancel"  # the summary's buttons
BACK = "back"  # from the Edit menu back to the summary's buttons
URGENT, NORMAL = "1", "0"
# The citizen's history: `n:<token>:history:<issue id>` (a repeat call on it: asked to confirm),
# `…:ok<issue id>` (confirmed), `…:new` (log a new issue), `…:back` (from the confirmation).
NEW_ISSUE, CONFIRM_REPEAT = "new", "ok"
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
    Step.SUBJECT: N_("Person complained about"),
}
_TYPED = {Typed.SKIP: N_("Skip"), Typed.DONE: N_("Done")}

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class Question:
    text: str
    markup: Markup
    html: bool = False


def data(draft: Draft, step: Step | str, value: str | int) -> str:
    return f"{PREFIX}:{draft.token}:{step}:{value}"


def pressed(text: str) -> Typed | None:
    """The reply keyboard's button whose label (in any language the bot speaks) the text is,
    if it is one."""
    said = text.strip().casefold()
    for button, label in _TYPED.items():
        if any(said == texts(code)._(label).strip().casefold() for code in LANGUAGES):
            return button
    return None


def question(
    draft: Draft,
    t: Texts,
    org: Organisation,
    people: Sequence[Staff] = (),
    history: CitizenHistory | None = None,
    nearby: Sequence[Nearby] = (),
) -> Question:
    """What the wizard asks at the draft's current step (`people`: at a complaint's subject
    step, whom it may name: the department's active members and heads; `history`: at the
    citizen's history, their earlier issues; `nearby`: the open issues near the pin)."""
    skip, done = t._(_TYPED[Typed.SKIP]), t._(_TYPED[Typed.DONE])
    match draft.step:
        case Step.DESCRIPTION:
            return Question(
                t._(
                    "📝 New issue. Describe the problem in a few words "
                    "(or send a photo with a caption). /cancel stops."
                ),
                ReplyKeyboardRemove(),
            )
        case Step.CATEGORY:
            buttons = [
                InlineKeyboardButton(
                    c.name(t.language), callback_data=data(draft, draft.step, c.code)
                )
                for c in org.categories
            ]
            return Question(t._("🗂 Which category?"), _rows(buttons, 2))
        case Step.LOCATION if wants_address(draft):
            if draft.address:  # typed before (an edit): Done keeps it
                asked = t._(
                    "📍 Pin received. Type the address in words if it changed, or press Done "
                    "to keep “{address}”.",
                    address=draft.address,
                )
            else:
                asked = t._(
                    "📍 Pin received. Now type the address in words (street, building, door) "
                    "so the department finds it, or press Done to keep the pin alone."
                )
            return Question(asked, _typed_keyboard([[done]], t._("Address")), html=True)
        case Step.LOCATION:
            share = KeyboardButton(t._("📍 Share my location"), request_location=True)
            if draft.editing and (draft.address or draft.location):
                now = draft.address or t._("📍 a pin on the map")
                return Question(
                    t._(
                        "📍 Now: {place}. Share a new location (then the address), type a new "
                        "address (the pin stays), press Done to keep it, or Skip to leave the "
                        "place out.",
                        place=now,
                    ),
                    _typed_keyboard([[share], [done, skip]], t._("Address")),
                    html=True,  # the address, escaped in the text
                )
            return Question(
                t._("📍 Where is it? Share your location, type the address, or skip."),
                _typed_keyboard([[share], [skip]], t._("Address")),
            )
        case Step.PHOTOS:
            return Question(
                t._("🖼 Send photos of it (up to 10), then press Done. Or skip."),
                ReplyKeyboardMarkup([[done, skip]], resize_keyboard=True),
            )
        case Step.CITIZEN_NAME:
            return Question(
                t._("👤 The citizen's name? (Optional. You can also share their contact.)"),
                _skip_only(skip, t._("Name")),
            )
        case Step.CITIZEN_PHONE:
            return Question(
                t._("📞 The citizen's phone number? (Optional.)"), _skip_only(skip, t._("Phone"))
            )
        case Step.HISTORY:
            return history_question(draft, history or CitizenHistory(()), t, org)
        case Step.NEARBY:
            return nearby_question(draft, nearby, t, org)
        case Step.SOURCE:
            buttons = [
                InlineKeyboardButton(source_name(s, t), callback_data=data(draft, draft.step, s))
                for s in Source
            ]
            return Question(t._("🗂 How did the issue reach you?"), _rows(buttons, 2))
        case Step.URGENCY:
            buttons = [
                InlineKeyboardButton(t._("Normal"), callback_data=data(draft, draft.step, NORMAL)),
                InlineKeyboardButton(
                    t._("🔴 Urgent"), callback_data=data(draft, draft.step, URGENT)
                ),
            ]
            return Question(t._("⏱ How urgent is it?"), _rows(buttons, 2))
        case Step.DEPARTMENT if draft.complaint:
            return Question(
                t._("🏢 Which department is the complaint about?"),
                _department_buttons(draft, t, org),
            )
        case Step.SUBJECT:
            buttons = [
                InlineKeyboardButton(p.name, callback_data=data(draft, draft.step, str(p.id)))
                for p in people
            ]
            buttons.append(
                InlineKeyboardButton(
                    t._("No one in particular (the department's service)"),
                    callback_data=data(draft, draft.step, str(NONE_NAMED)),
                )
            )
            return Question(
                t._(
                    "👤 Is the complaint about a particular person of {department}? "
                    "They will not see it: only the department's head and the coordinators do.",
                    department=department_name(draft.department, org, t),
                ),
                _rows(buttons, 2),
            )
        case Step.DEPARTMENT:
            return Question(
                t._("🏢 Which department is responsible? The category's usual one is marked ✓."),
                _department_buttons(draft, t, org),
            )
    return Question(summary(draft, t, org), summary_buttons(draft, t), html=True)


def history_question(
    draft: Draft, history: CitizenHistory, t: Texts, org: Organisation
) -> Question:
    """The citizen's earlier issues, a short line each, open ones first; a button per open
    one to log this call as a repeat call on it (催单), and one to log a new issue."""
    lines = [
        t._(
            "📋 This citizen's issues in the last {days} days:",
            days=HISTORY_WINDOW.days,
        )
    ]
    lines += [history_line(issue, t, org) for issue in history.issues]
    if history.more:
        lines.append(t.n_("… and {n} more", "… and {n} more", history.more))
    if history.open:
        lines.append(
            t._(
                "Calling again about an open one? Tap it to log this call as a repeat call on "
                "it instead of a new issue. Otherwise, log a new issue."
            )
        )
    buttons = [
        InlineKeyboardButton(
            t._("📞 Called again: {number}", number=issue.number),
            callback_data=data(draft, Step.HISTORY, issue.id),
        )
        for issue in history.open
    ]
    new = InlineKeyboardButton(
        t._("➕ Log a new issue"), callback_data=data(draft, Step.HISTORY, NEW_ISSUE)
    )
    rows = [*_rows(buttons, 2).inline_keyboard, [new]]
    return Question("\n".join(lines), InlineKeyboardMarkup(rows), html=True)


def nearby_question(
    draft: Draft, nearby: Sequence[Nearby], t: Texts, org: Organisation
) -> Question:
    """The open issues of the category near the pin, nearest first, a short line each (number,
    how far, the start of the description), a "Same problem" button each, and one to log a new
    issue."""
    policy = org.duplicates
    lines = [
        t._(
            "📍 Open issues of this category within {metres} m, logged in the last {days} days:",
            metres=policy.radius_m,
            days=policy.days,
        )
    ]
    lines += [nearby_line(n, t) for n in nearby]
    if nearby:
        lines.append(
            t._(
                "The same problem? Tap it to link this report to that issue as a duplicate: "
                "nothing new goes to the department. Otherwise, log a new issue."
            )
        )
    buttons = [
        [
            InlineKeyboardButton(
                t._("🔗 Same problem: {number}", number=n.issue.number),
                callback_data=data(draft, Step.NEARBY, n.issue.id),
            )
        ]
        for n in nearby
    ]
    new = InlineKeyboardButton(
        t._("➕ Log a new issue"), callback_data=data(draft, Step.NEARBY, NEW_ISSUE)
    )
    return Question("\n".join(lines), InlineKeyboardMarkup([*buttons, [new]]), html=True)


NEARBY_WORDS = 20  # of the description, enough to recognise the problem


def nearby_line(near: Nearby, t: Texts) -> Html:
    """`2611-0042 · 约 150 米 · 中山路口路灯不亮…`."""
    words = near.issue.description.replace("\n", " ")
    if len(words) > NEARBY_WORDS:
        words = words[: NEARBY_WORDS - 1] + "…"
    return t._(
        "<b>{number}</b> · {distance} · {words}",
        number=near.issue.number,
        distance=distance_text(near.metres, t),
        words=words,
    )


def distance_text(metres: float, t: Texts) -> str:
    """`约 150 米`: to the nearest 10 m (a phone's pin is no closer than that)."""
    return t._("about {metres} m", metres=max(10, round(metres / 10) * 10))


def history_line(issue: Issue, t: Texts, org: Organisation) -> Html:
    """`📥 2611-0042 · 路灯故障 · 待签收 · 市政道路科`."""
    return t._(
        "{icon} <b>{number}</b> · {category} · {status} · {department}",
        icon=status_icon(issue.status),
        number=issue.number,
        category=category_name(issue.category, org, t),
        status=issue_status(issue, t),
        department=department_name(issue.department, org, t),
    )


def repeat_confirmation(draft: Draft, issue: Issue, t: Texts, org: Organisation) -> Question:
    """Asked once more before a repeat call: it reminds the department at once, and this
    report is not logged as a new issue."""
    text = t._(
        "📞 Log this call as a repeat call on {number} ({category}, {department})? "
        "{department} is reminded at once, with what you wrote. No new issue is logged.",
        number=issue.number,
        category=category_name(issue.category, org, t),
        department=department_name(issue.department, org, t),
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("✅ Yes, a repeat call"),
                    callback_data=data(draft, Step.HISTORY, f"{CONFIRM_REPEAT}{issue.id}"),
                )
            ],
            [InlineKeyboardButton(t._("◀ Back"), callback_data=data(draft, Step.HISTORY, BACK))],
        ]
    )
    return Question(text, markup, html=True)


def summary(draft: Draft, t: Texts, org: Organisation) -> Html:
    unset = "—"
    location: object = unset
    if draft.address and draft.location:
        location = t._("{address} ({map})", address=draft.address, map=map_link(draft.location, t))
    elif draft.address:
        location = draft.address
    elif draft.location:
        location = map_link(draft.location, t)
    category = category_name(draft.category, org, t) if draft.category else unset
    citizen = " ".join(x for x in (draft.citizen_name, draft.citizen_phone) if x) or unset
    lines = [
        t._("<b>Please check the complaint before submitting</b>")
        if draft.complaint
        else t._("<b>Please check the issue before submitting</b>"),
        t._("Description: {value}", value=draft.description or unset),
        t._("Category: {value}", value=category),
        t._("Location: {value}", value=location),
        t._("Photos: {value}", value=len(draft.photos)),
        t._("Citizen: {value}", value=citizen),
        t._("Source: {value}", value=source_name(draft.source, t) if draft.source else unset),
        t._("Urgency: {value}", value=t._("🔴 Urgent") if draft.urgent else t._("Normal")),
        t._("Department: {value}", value=department_name(draft.department, org, t)),
    ]
    if draft.complaint:
        lines.append(
            t._("Person complained about: {value}", value=draft.subject_name or t._("no one"))
        )
    return Html("\n".join(lines))


def summary_buttons(draft: Draft, t: Texts) -> InlineKeyboardMarkup:
    def button(label: str, value: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=data(draft, Step.SUMMARY, value))

    return InlineKeyboardMarkup(
        [
            [button(t._("✅ Submit"), SUBMIT)],
            [button(t._("✏️ Edit"), CHANGE), button(t._("✖️ Cancel"), CANCEL)],
        ]
    )


def edit_buttons(draft: Draft, t: Texts) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t._(_STEP_NAMES[step]), callback_data=data(draft, EDIT, step))
        for step in draft.editable()
    ]
    back = InlineKeyboardButton(t._("◀ Back"), callback_data=data(draft, Step.SUMMARY, BACK))
    return InlineKeyboardMarkup([*_rows(buttons, 3).inline_keyboard, [back]])


def _department_buttons(draft: Draft, t: Texts, org: Organisation) -> InlineKeyboardMarkup:
    category = org.category(draft.category or "")
    # The category's usual department first, marked ✓, as the question says (also when
    # editing after another was chosen: the summary shows that choice).
    usual = category.department if category else None
    ordered = sorted(org.departments, key=lambda d: d.code != usual)
    buttons = [
        InlineKeyboardButton(
            ("✓ " if d.code == usual else "") + d.name(t.language),
            callback_data=data(draft, Step.DEPARTMENT, d.code),
        )
        for d in ordered
    ]
    return _rows(buttons, 2)


def _typed_keyboard(
    rows: list[list[KeyboardButton | str]], placeholder: str
) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, input_field_placeholder=placeholder)


def _skip_only(skip: str, placeholder: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[skip]], resize_keyboard=True, input_field_placeholder=placeholder)


def _rows(buttons: list[InlineKeyboardButton], width: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([buttons[i : i + width] for i in range(0, len(buttons), width)])
