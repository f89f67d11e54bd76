"""An issue's timeline, a page at a time: who did what, when, with buttons to the other pages."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from casework.issues import Event, EventKind, Issue
from casework.organisation import Organisation
from casework.people import Staff
from rendering.cards import MEDIA, TIMELINE, callback
from rendering.dates import when
from rendering.i18n import Html, Texts
from rendering.labels import callback_answers, department_name, withdraw_name

PAGE_LINES = 15
PAGE_CHARACTERS = 3500  # leaves room under Telegram's 4096 for the header


MERGE_WITH = "mw"  # `mw:<issue id>`: what it may be merged with (handlers/merging.py)


def timeline_page(
    issue: Issue,
    events: Sequence[Event],
    people: dict[int, Staff],
    page: int,
    t: Texts,
    org: Organisation,
    zone: ZoneInfo,
    merge: bool = False,
) -> tuple[Html, InlineKeyboardMarkup | None]:
    """One page of the timeline (the newest page is the last), with buttons to the others;
    `merge`: and one to merge the issue with a duplicate (a coordinator's, the issue open)."""
    all_pages = _pages(timeline_lines(events, t, org, people, zone))
    pages = len(all_pages)
    page = min(max(page, 0), pages - 1)
    header = t._("📜 Timeline of {number}", number=issue.number)
    if pages > 1:
        header = Html(header + " " + t._("(page {page} of {pages})", page=page + 1, pages=pages))
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(
                t._("◀ Earlier"), callback_data=callback(issue.id, TIMELINE, page - 1)
            )
        )
    if page < pages - 1:
        buttons.append(
            InlineKeyboardButton(
                t._("Later ▶"), callback_data=callback(issue.id, TIMELINE, page + 1)
            )
        )
    rows = [buttons] if buttons else []
    # The issue's own, and each result's and note's (the latest result's are its step's).
    shown = (EventKind.RESOLVED, EventKind.NOTE)
    photos = len(issue.photos) + sum(len(e.photos) for e in events if e.kind in shown)
    if photos or issue.location is not None:
        label = _media_label(photos, issue.location is not None, t)
        rows.append([InlineKeyboardButton(label, callback_data=callback(issue.id, MEDIA))])
    if merge:
        label = t._("🔗 Merge with a duplicate")
        rows.append([InlineKeyboardButton(label, callback_data=f"{MERGE_WITH}:{issue.id}")])
    markup = InlineKeyboardMarkup(rows) if rows else None
    return Html("\n".join([header, *all_pages[page]])), markup


def _media_label(photos: int, located: bool, t: Texts) -> str:
    if photos and located:
        return t.n_(
            "🖼 Show the photo and 📍 the location",
            "🖼 Show the {n} photos and 📍 the location",
            photos,
        )
    if photos:
        return t.n_("🖼 Show the photo", "🖼 Show the {n} photos", photos)
    return t._("📍 Show the location")


def _pages(lines: list[Html]) -> list[list[Html]]:
    pages: list[list[Html]] = [[]]
    size = 0
    for line in lines:
        if pages[-1] and (len(pages[-1]) >= PAGE_LINES or size + len(line) > PAGE_CHARACTERS):
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    return pages


def timeline_lines(
    events: Sequence[Event],
    t: Texts,
    org: Organisation,
    people: dict[int, Staff],
    zone: ZoneInfo,
) -> list[Html]:
    """One line per step: when, who, what."""
    lines = []
    for event in events:
        actor = people.get(event.actor_id) if event.actor_id else None
        who = actor.name if actor else "?"
        if event.on_behalf:
            who = t._("{who} (coordination office)", who=who)
        if event.kind is EventKind.REDACTED and actor is None:
            who = t._("Retention policy")
        if event.kind is EventKind.FLAGGED:
            who = t._("Repeat flag")
        what = _what(event, t, org, people)
        if event.photos:  # a resolution's or a note's; /issue sends the result's and the notes'
            what = Html(what + t.n_(" (🖼 {n} photo)", " (🖼 {n} photos)", len(event.photos)))
        lines.append(t._("{when} {who}: {what}", when=when(event.at, zone, t), who=who, what=what))
    return lines


def _what(event: Event, t: Texts, org: Organisation, people: dict[int, Staff]) -> Html:
    department = department_name(event.department, org, t) if event.department else ""
    text = event.text or ""
    match event.kind:
        case EventKind.SUBMITTED:
            return t._("logged it for {department}", department=department)
        case EventKind.ACCEPTED:
            return t._("accepted it") if not text else t._("accepted it: {reason}", reason=text)
        case EventKind.RETURNED:
            return t._("returned it: {reason}", reason=text)
        case EventKind.REROUTED:
            return t._("re-routed it to {department}", department=department)
        case EventKind.TRANSFERRED:
            return t._(
                "transferred it to {department}: {reason}", department=department, reason=text
            )
        case EventKind.ASSIGNED:
            target = people.get(event.target_id) if event.target_id else None
            return t._("assigned it to {name}", name=target.name if target else "?")
        case EventKind.RESOLVED:
            return t._("resolved it: {resolution}", resolution=text)
        case EventKind.CONFIRMED:
            return (
                t._("confirmed it closed")
                if not text
                else t._("confirmed it closed: {reason}", reason=text)
            )
        case EventKind.REOPENED if not text:  # sent back by a call-back, the citizen silent
            return t._("reopened it")
        case EventKind.REOPENED:
            return t._("reopened it: {reason}", reason=text)
        case EventKind.WITHDRAWN:
            why = withdraw_name(event.withdraw_reason, t) if event.withdraw_reason else ""
            return t._("withdrew it ({why}): {reason}", why=why, reason=text)
        case EventKind.NOTE:
            return t._("note: {note}", note=text)
        case EventKind.ASSIST_ADDED:
            return t._("asked {department} to assist", department=department)
        case EventKind.CALLBACK if text:
            return t._(
                "called the citizen back: {answers}; the citizen: “{words}”",
                answers=callback_answers(event, t),
                words=text,
            )
        case EventKind.CALLBACK:
            return t._("called the citizen back: {verdict}", verdict=callback_answers(event, t))
        case EventKind.PRAISE:
            target = people.get(event.target_id) if event.target_id else None
            return t._("recorded praise for {whom}", whom=target.name if target else department)
        case EventKind.REPEAT_CALL:
            return t._("took a repeat call, the citizen calling again: {words}", words=text)
        case EventKind.FLAGGED:
            return t._("reported again and again: flagged to the coordinators")
        case EventKind.DUPLICATE:
            return t._("duplicate report of the same problem: {words}", words=text)
        case EventKind.DUPLICATE_CALLBACK:
            return t._(
                "called back the citizen who reported it as a duplicate: {answers}",
                answers=callback_answers(event, t),
            )
        case EventKind.REDACTED if event.actor_id is None:
            return t._("removed the citizen's personal data (its retention period was over)")
        case EventKind.REDACTED:
            return t._("removed the citizen's personal data, at the citizen's request")
    return Html("")
