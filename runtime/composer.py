"""What the sender sends: an outbox message composed as it will go, in its reader's language,
from what the sender read for it (`casework.services.delivery.Delivery`). The figures of a
weekly report and a digest are read here, as they are when the message goes."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove

from casework.outbox import RETIRED, OutboxKind
from casework.reminders import RungKind
from casework.services import Deps, overdue, reports
from casework.services.delivery import Delivery
from rendering.cards import card_keyboard, card_text, headline, older_card_text, photos_caption
from rendering.following import follower_keyboard
from rendering.i18n import Html, Texts, pick_language, texts
from rendering.notices import notice_keyboard, notice_text
from rendering.reminders import (
    digest_text,
    reminder_headline,
    reminder_list,
    reminder_list_keyboard,
)
from rendering.reports import charts_of, report_text


@dataclass(frozen=True)
class Outgoing:
    """A message composed and ready to go."""

    text: str
    keyboard: InlineKeyboardMarkup | ReplyKeyboardRemove | None = None
    edit: int | None = None  # the message to edit instead of sending a new one
    charts: tuple[bytes, ...] = ()  # pictures sent after the text (several: an album)
    # Photos (Telegram file ids) sent instead of a text, as one album; `text` is its caption.
    photos: tuple[str, ...] = ()
    # A card's first line (the notice or reminder above it), kept with the card: when a newer
    # card gives way to this one, the line stays above the one-line stub.
    headline: str | None = None


class Composer:
    def __init__(self, deps: Deps, default_language: str) -> None:
        self._deps = deps
        self._default_language = default_language

    async def compose(self, d: Delivery) -> Outgoing:
        """The message as it will go: everything read and drawn before Telegram's limit is
        waited for, so nothing but the request comes after it."""
        item, t, deps = d.item, self._texts(d), self._deps
        if d.listed:
            now = deps.clock.now()
            listed = [(r.issue, r.rung) for r in d.listed]
            text = reminder_list(listed, now, t, deps.org, deps.zone)
            return Outgoing(text, reminder_list_keyboard(listed, t))
        match item.kind:
            case OutboxKind.NOTICE:
                text = notice_text(item.payload, d.people, t, deps.org)
                return Outgoing(text, notice_keyboard(item.payload, t))
            case OutboxKind.REPORT:
                assert d.recipient is not None
                report = await reports.stats(deps, d.recipient, reports.weekly_period(deps))
                charts = await charts_of(report, t, deps)
                return Outgoing(report_text(report, t, deps), charts=tuple(charts))
            case OutboxKind.DIGEST:
                assert d.recipient is not None
                digest = await overdue.digest_for(deps, d.recipient)
                day = item.payload.get("day", "")
                now = deps.clock.now()
                return Outgoing(digest_text(digest, day, now, t, deps.org, deps.zone))
            case OutboxKind.PHOTOS:
                assert d.event is not None and d.issue is not None  # (delivery.prepare)
                caption = photos_caption(d.event, d.issue, d.people, t)
                return Outgoing(caption, photos=d.event.photos)
        return self._card(d, t)

    def _card(self, d: Delivery, t: Texts) -> Outgoing:
        """A step's notice, a reminder, or a card's edit: each shows the issue's card."""
        item, deps = d.item, self._deps
        assert d.issue is not None
        # A department group, or a follower: the citizen's details hidden.
        masked = d.recipient is None or d.follower
        retired = item.kind is OutboxKind.REFRESH and RETIRED in item.payload
        card = card_text(d.issue, t, deps.org, d.people, deps.zone, masked=masked, retired=retired)
        keyboard = None if retired else card_keyboard(d.issue, d.actions, t)
        if d.follower:  # they may not open the issue: their own call-back, when it is asked
            keyboard = follower_keyboard(d.issue, t) if d.follower_owed and not retired else None
        if d.older and not retired:  # a newer card of the issue is further down the chat
            card, keyboard = older_card_text(d.issue, t, deps.org, d.people, masked=masked), None
            if d.older_headline and d.issue.redacted_at is None:  # what it said, kept
                card = Html(d.older_headline + "\n\n" + card)
        if not d.visible:  # moved out of the reader's reach: say so, show nothing more
            card = t._("{number} is no longer with your department.", number=d.issue.number)
            keyboard = None
        if item.kind is OutboxKind.REFRESH:
            assert item.message_id is not None
            return Outgoing(card, keyboard, edit=item.message_id)
        if item.kind is OutboxKind.REMINDER:
            kind = RungKind(item.payload.get("rung", RungKind.OVERDUE.value))
            top = reminder_headline(kind, d.issue, deps.clock.now(), t, deps.org)
        else:
            assert d.event is not None
            top = headline(d.event, d.issue, t, deps.org, d.people, d.recipient)
        return Outgoing(Html(top + "\n\n" + card), keyboard, headline=top)

    def _texts(self, d: Delivery) -> Texts:
        person = d.recipient
        if person is None:  # a department group: the default language
            return texts(self._default_language)
        return texts(
            pick_language(person.language, person.telegram_language, self._default_language)
        )
