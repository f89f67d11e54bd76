"""What a person reads of a step they take on a card: the choices some steps offer first (as
buttons in place of the card's), the question a step asks for its words, the answer once taken."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from casework.callbacks import Answers, Question, Skip
from casework.commands import Action
from casework.issues import (
    CallbackOutcome,
    Contact,
    Event,
    Issue,
    Solved,
    Verdict,
    WithdrawReason,
    answered_outcome,
    callback_outcome,
)
from casework.metrics import Held
from casework.organisation import Organisation
from casework.people import Staff
from casework.prompts import Prompt
from rendering.cards import BACK, CODES, callback
from rendering.i18n import N_, Html, Texts
from rendering.labels import (
    contact_name,
    department_name,
    solved_name,
    verdict_name,
    withdraw_name,
)

PRAISE_DEPARTMENT = "d"  # the praise button's argument for the department (else a person's id)
CONFIRMED = "y"  # the argument of the button that confirms a step asked twice

_DONE = {
    Action.ACCEPT: N_("Accepted."),
    Action.RETURN: N_("Returned."),
    Action.REROUTE: N_("Re-routed."),
    Action.TRANSFER: N_("Transferred."),
    Action.ASSIGN: N_("Assigned."),
    Action.RESOLVE: N_("Resolved."),
    Action.CONFIRM: N_("Confirmed closed."),
    Action.REOPEN: N_("Reopened."),
    Action.WITHDRAW: N_("Withdrawn."),
    Action.NOTE: N_("Note added."),
    Action.ASSIST: N_("Assisting department added."),
    Action.CALLBACK: N_("Call-back recorded."),
    Action.PRAISE: N_("Praise recorded."),
}
_ASK = {
    Action.ACCEPT: N_("✍️ Why is the coordination office accepting {number} for the department?"),
    Action.RETURN: N_("✍️ Why are you returning {number}? Write the reason."),
    Action.TRANSFER: N_("✍️ Why transfer {number} to {department}? Write the reason."),
    Action.RESOLVE: N_("✍️ What was done for {number}? Write it (you may send photos first)."),
    Action.CONFIRM: N_("✍️ Why is the coordination office confirming {number} closed?"),
    Action.REOPEN: N_("✍️ Why reopen {number}? Write the reason."),
    Action.WITHDRAW: N_("✍️ Why withdraw {number} as {why}? Write the reason."),
    Action.NOTE: N_("✍️ Write your note on {number} (you may send photos first)."),
}


def done(action: Action, t: Texts, event: Event | None = None, issue: Issue | None = None) -> str:
    """The answer to the person who took the step (`Accepted.`); for a call-back, what its
    answers did (`event`, and the `issue` as it is now)."""
    if action is Action.CALLBACK and event is not None and issue is not None:
        match callback_outcome(event):
            case CallbackOutcome.CLOSED:
                return t._("Call-back recorded: {number} is closed.", number=issue.number)
            case CallbackOutcome.REDO:
                return t._(
                    "Call-back recorded: {number} goes back to the department for rework, and "
                    "the coordination office is told.",
                    number=issue.number,
                )
            case CallbackOutcome.UNREACHED if issue.callback_given_up:
                return t._(
                    "Could not reach the citizen: the tries are used up, and the coordination "
                    "office may now close it. You may still call again."
                )
            case CallbackOutcome.UNREACHED:
                return t._(
                    "Could not reach the citizen: please try again later; I will remind you."
                )
    return t._(_DONE[action])


def question(prompt: Prompt, number: str, t: Texts, org: Organisation) -> Html:
    """What the bot asks for the words a step waits for."""
    asked = t._(
        _ASK[prompt.action],
        number=number,
        department=department_name(prompt.department, org, t) if prompt.department else "",
        why=withdraw_name(prompt.withdraw_reason, t) if prompt.withdraw_reason else "",
    )
    return Html(asked + "\n" + t._("/cancel stops."))


_CHOOSE = {
    Action.ASSIGN: N_("👤 Assign {number} to whom?"),
    Action.TRANSFER: N_("➡️ Transfer {number} to which department?"),
    Action.REROUTE: N_("🔀 Re-route {number} to which department?"),
    Action.ASSIST: N_("🤝 Which department should assist with {number}?"),
    Action.WITHDRAW: N_("🗑 Withdraw {number} as what?"),
    Action.CALLBACK: N_("📞 Is the citizen satisfied with how {number} was handled?"),
    Action.PRAISE: N_("👍 Praise whom for {number}?"),
    Action.CONFIRM: N_(
        "🔒 Close {number}? Confirm only once you have checked that the problem is solved: "
        "the department is told, and only the coordination office can reopen it."
    ),
}


def choice_question(action: Action, issue: Issue, t: Texts) -> Html:
    """The question above a step's choices (`指派给谁？`)."""
    return t._(_CHOOSE[action], number=issue.number)


# How much of a button a phone shows on a row of its own, in Latin letters (a Chinese
# character takes two): Telegram cuts the rest off with an ellipsis.
BUTTON_WIDTH = 32
NAME_AT_LEAST = 6  # what is kept of a name however long the rest (three Chinese characters)


def width(text: str) -> int:
    """How wide a text shows, in Latin letters: Chinese (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def load_label(person: Staff, held: Held, t: Texts) -> str:
    """An Assign button: the person and what they hold now, with how much of it is overdue
    when any is (`刘强 · 在办 3 · 超期 1`; `王伟 · 在办 0`). A long name is cut, so that the
    counts, which the choice is made by, are never what the phone cuts off."""
    if held.overdue:
        label = N_("{name} · {held} open · {overdue} overdue")
    else:
        label = N_("{name} · {held} open")
    counts = {"held": held.open, "overdue": held.overdue}
    room = max(BUTTON_WIDTH - width(t._(label, name="", **counts)), NAME_AT_LEAST)
    name = person.name
    if width(name) > room:
        while name and width(name + "…") > room:
            name = name[:-1]
        name = name.rstrip() + "…"
    # A button's text is plain, not HTML: the name goes in as it is, not escaped (`&` stays).
    return t._(label, name=Html(name), **counts)


_ASKED_AT_CALL_BACK = {
    Question.CONTACTED: N_("📞 {number} call-back: did the department contact you?"),
    Question.SOLVED: N_("📞 {number} call-back: is the problem solved?"),
    Question.SATISFIED: N_("📞 {number} call-back: are you satisfied with how it was handled?"),
    Question.WORDS: N_(
        "💬 {number} call-back: anything the citizen wants to say? Type it and send it, or "
        "press Skip."
    ),
}


def call_back_question(issue: Issue, answers: Answers, t: Texts) -> Html:
    """The call-back's question now, under the answers so far (`已联系 · 已解决`)."""
    asked = t._(_ASKED_AT_CALL_BACK[answers.next], number=issue.number)
    given = []
    if answers.contacted is not None:
        given.append(contact_name(answers.contacted, t))
    if answers.solved is not None:
        given.append(solved_name(answers.solved, t))
    if answers.satisfied is not None:
        given.append(verdict_name(answers.satisfied, t))
    if not given:
        return asked
    if answers.next is Question.WORDS:
        # The answers decide now what happens, and it cannot be taken back: say it before the
        # last tap, with Back to answer again (this is the call-back's confirmation).
        if answered_outcome(answers.solved, answers.satisfied) is CallbackOutcome.CLOSED:
            then = t._("✅ With these answers {number} will be closed.", number=issue.number)
        else:
            then = t._(
                "⚠️ With these answers {number} goes back to the department for rework, and "
                "the coordination office is told. If that is wrong, press ◀ Back and answer "
                "again.",
                number=issue.number,
            )
        asked = Html(then + "\n" + asked)
    return Html(html.escape(" · ".join(given)) + "\n" + asked)


def call_back_choices(issue: Issue, answers: Answers, t: Texts) -> InlineKeyboardMarkup:
    """The buttons of the call-back's question now, and ◀ Back to the card's own."""
    code = CODES[Action.CALLBACK]

    def button(label: str, answer: Contact | Solved | Verdict | Skip) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callback(issue.id, code, answer))

    back = [InlineKeyboardButton(t._("◀ Back"), callback_data=callback(issue.id, BACK))]
    match answers.next:
        case Question.CONTACTED:
            rows = [
                [button(t._("Yes"), Contact.YES), button(t._("No"), Contact.NO)],
                [button(t._("📵 Could not reach the citizen"), Verdict.UNREACHABLE)],
            ]
        case Question.SOLVED:
            solved = (Solved.SOLVED, Solved.PARTLY, Solved.NOT_SOLVED)
            rows = [[button(solved_name(s, t), s) for s in solved]]
        case Question.SATISFIED:
            liked = (Verdict.SATISFIED, Verdict.BASICALLY_SATISFIED, Verdict.DISSATISFIED)
            rows = [[button(verdict_name(v, t), v) for v in liked]]
        case Question.WORDS:
            rows = [[button(t._("Skip"), Skip.WORDS)]]
    return InlineKeyboardMarkup([*rows, back])


def choices(
    issue: Issue,
    action: Action,
    departments: Sequence[str],
    people: Sequence[Staff],
    t: Texts,
    org: Organisation,
    held: Mapping[int, Held] | None = None,
) -> InlineKeyboardMarkup:
    """The buttons a step that names something offers first, and ◀ Back to the card's own.
    To assign: a person a row, in the order given (the least loaded first), each with what
    they hold (`held`, by person; those holding nothing left out)."""
    back = [InlineKeyboardButton(t._("◀ Back"), callback_data=callback(issue.id, BACK))]
    code = CODES[action]

    def button(label: str, argument: str | int) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callback(issue.id, code, argument))

    match action:
        case Action.ASSIGN:
            loads = held or {}
            return InlineKeyboardMarkup(
                [[button(load_label(p, loads.get(p.id, Held()), t), p.id)] for p in people] + [back]
            )
        case Action.WITHDRAW:
            return InlineKeyboardMarkup(
                [[button(withdraw_name(w, t), w) for w in WithdrawReason], back]
            )
        case Action.CALLBACK:  # the old way, for an issue closed before the three questions
            verdicts = [button(verdict_name(v, t), v) for v in Verdict]
            return InlineKeyboardMarkup([verdicts[:2], verdicts[2:], back])
        case Action.PRAISE:
            whom = [button(department_name(issue.department, org, t), PRAISE_DEPARTMENT)]
            whom += [button(p.name, p.id) for p in people]
            return InlineKeyboardMarkup([whom, back])
        case Action.CONFIRM:
            return InlineKeyboardMarkup([[button(t._("✅ Yes, close it"), CONFIRMED)], back])
    named = [button(department_name(d, org, t), d) for d in departments]
    return InlineKeyboardMarkup([named[i : i + 2] for i in range(0, len(named), 2)] + [back])
