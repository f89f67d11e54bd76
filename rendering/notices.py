"""Plain messages the outbox carries (casework.outbox.Notice): a draft or question dropped, a
person who cannot be reached, a coordinator's access to end, an export cut short, a year the
working-day calendar does not know."""

from __future__ import annotations

from collections.abc import Mapping

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove

from casework.organisation import Organisation
from casework.outbox import Notice
from casework.people import Staff
from rendering.i18n import N_, Html, Texts
from rendering.labels import describe_person

CONFIRM_DEACTIVATION = "dea"  # the Confirm button's callback data: dea:<staff number>

_PLAIN = {
    Notice.DRAFT_DROPPED: N_(
        "Your unfinished issue was dropped after 30 minutes without activity. /new starts again."
    ),
    Notice.PROMPT_DROPPED: N_(
        "The question waiting for your answer expired after 30 minutes. Press the button on the "
        "card again when you are ready."
    ),
}


def notice_text(
    payload: Mapping[str, str], people: Mapping[int, Staff], t: Texts, org: Organisation
) -> Html:
    """The words of a notice; `people`, those its payload names (`about`, `by`)."""
    notice = Notice(payload.get("notice", ""))

    def named(key: str) -> str:
        person = people.get(int(payload.get(key, "0")))
        return describe_person(person, org, t) if person else "?"

    match notice:
        case Notice.UNREACHABLE:
            return t._(
                "⚠️ {person} blocked the bot: their cards and reminders no longer reach them. "
                "Please contact them.",
                person=named("about"),
            )
        case Notice.EXPORT_INTERRUPTED:
            return t._(
                "The bot was restarted while your export of {period} was being built, so it was "
                "not finished. Please send /export again.",
                period=payload.get("period", ""),
            )
        case Notice.CALENDAR_UNKNOWN:
            return t._(
                "📅 The holiday calendar does not know {year} yet (the official one goes up to "
                "{known}). Deadlines in working days that fall in {year} count Monday to Friday "
                "only, with no public holidays and no make-up working days. Please have {year}'s "
                "holidays and working days added to the organisation file ([calendar] holidays, "
                "workdays), or the package updated.",
                year=payload.get("year", ""),
                known=payload.get("known", "") or "—",
            )
        case Notice.DEACTIVATION_REQUESTED:
            by = people.get(int(payload.get("by", "0")))
            return t._(
                "⚠️ {by} asks to end the access of {person}. A coordinator's access ends only "
                "when a second coordinator confirms. If you agree, press Confirm (the request "
                "lapses after a day); if not, do nothing and speak with them.",
                by=by.name if by else "?",
                person=named("about"),
            )
    return t._(_PLAIN[notice])


def notice_keyboard(
    payload: Mapping[str, str], t: Texts
) -> InlineKeyboardMarkup | ReplyKeyboardRemove | None:
    """What goes under a notice: the wizard's keys removed once its draft is dropped; a Confirm
    button for a coordinator's access to end."""
    match Notice(payload.get("notice", "")):
        case Notice.DRAFT_DROPPED:
            return ReplyKeyboardRemove()
        case Notice.DEACTIVATION_REQUESTED:
            data = f"{CONFIRM_DEACTIVATION}:{payload['about']}"
            label = t._("Confirm: end their access")
            return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
    return None
