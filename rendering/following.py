"""What a follower reads of their own call-back (casework/following.py): the button under the
notice, the two questions, and what was recorded."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from casework.following import FIRST, SECOND, FollowerAnswer, FollowerCallBack
from casework.issues import Event, Issue, Verdict
from rendering.i18n import Html, Texts
from rendering.labels import callback_answers, solved_name, verdict_name

PREFIX = "fb"  # `fb:<issue id>` (📞) and `fb:<issue id>:<answer>` (handlers/following.py)


def follower_keyboard(issue: Issue, t: Texts) -> InlineKeyboardMarkup:
    label = t._("📞 Record your citizen's call-back")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"{PREFIX}:{issue.id}")]]
    )


def follower_question(issue: Issue, call_back: FollowerCallBack, t: Texts) -> Html:
    if call_back.solved is None:
        return t._(
            "📞 {number}: please call back the citizen who reported this problem to you. Is the "
            "problem solved?",
            number=issue.number,
        )
    return t._(
        "📞 {number}: {solved}. How satisfied is the citizen?",
        number=issue.number,
        solved=solved_name(call_back.solved, t),
    )


def follower_choices(issue: Issue, call_back: FollowerCallBack, t: Texts) -> InlineKeyboardMarkup:
    def button(label: str, answer: FollowerAnswer) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=f"{PREFIX}:{issue.id}:{answer.value}")

    if call_back.solved is None:
        unreachable = t._("📵 Could not reach the citizen")
        return InlineKeyboardMarkup(
            [
                [button(solved_name(s, t), s) for s in FIRST],
                [button(unreachable, Verdict.UNREACHABLE)],
            ]
        )
    return InlineKeyboardMarkup([[button(verdict_name(v, t), v) for v in SECOND]])


def follower_recorded(issue: Issue, event: Event, t: Texts) -> Html:
    return t._(
        "📞 Your call-back of {number} is recorded on its timeline: {answers}.",
        number=issue.number,
        answers=callback_answers(event, t),
    )


def follower_answer(data: str) -> FollowerAnswer | None:
    """The answer a button carries (None for what no button carries)."""
    for answer in (*FIRST, *SECOND, Verdict.UNREACHABLE):
        if data == answer.value:
            return answer
    return None
