"""Logging a new issue: the draft a worker fills in step by step, and its checks.

A draft is not an issue: nothing in it counts until Submit, and a draft left idle for
`DRAFT_IDLE_LIMIT` is dropped.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from casework import errors, lifecycle
from casework.commands import Action
from casework.issues import Event, EventKind, Issue, Location, Source
from casework.limits import ADDRESS_MAX, DESCRIPTION_MAX, NAME_MAX, PHOTOS_MAX
from casework.nearby import distance_m
from casework.organisation import DuplicatePolicy, Organisation
from casework.people import Staff
from casework.retention import same_phone
from casework.roles import Role

DRAFT_IDLE_LIMIT = timedelta(minutes=30)


class Step(StrEnum):
    DESCRIPTION = "description"
    CATEGORY = "category"
    LOCATION = "location"
    # Open issues of the category near the pin, once both are known and there are any: this
    # report linked to one as a duplicate (重复件) instead of a new issue, or on with the new one.
    NEARBY = "nearby"
    PHOTOS = "photos"
    CITIZEN_NAME = "name"
    CITIZEN_PHONE = "phone"
    # The citizen's earlier issues, once their phone is known and they have any: a repeat call
    # on an open one (重复来电, 催单) instead of a new issue, or on with the new one.
    HISTORY = "history"
    SOURCE = "source"
    URGENCY = "urgency"
    DEPARTMENT = "department"
    SUBJECT = "subject"  # a complaint's person complained about (被投诉人), or none
    SUMMARY = "summary"


ORDER = tuple(Step)
EDITABLE = tuple(s for s in Step if s not in (Step.NEARBY, Step.HISTORY, Step.SUMMARY))
_ASKED_WHEN_FOUND = (Step.NEARBY, Step.HISTORY)  # only when there is something to show
NONE_NAMED = 0  # the subject step's answer for a complaint about the department as a whole
_CITIZEN_STEPS = (Step.CITIZEN_NAME, Step.CITIZEN_PHONE)

# The citizen's history at intake: their issues logged in the last HISTORY_DAYS (by the clock),
# open ones first; HISTORY_SHOWN of them on the worker's screen, then how many more.
HISTORY_WINDOW = timedelta(days=90)
HISTORY_SHOWN = 5
HISTORY_READ = 100  # at most this many read: a phone on more issues than that is no one citizen's


@dataclass(frozen=True)
class Draft:
    token: str  # tells this draft's buttons from an earlier draft's
    step: Step
    updated_at: datetime
    editing: bool = False  # changing one field from the summary: go back there after it
    description: str | None = None
    category: str | None = None
    location: Location | None = None
    address: str | None = None
    photos: tuple[str, ...] = ()
    citizen_name: str | None = None
    citizen_phone: str | None = None
    source: Source | None = None
    urgent: bool | None = None
    department: str | None = None
    status_message_id: int | None = None  # the message counting photos received so far
    # A pin was just shared at the location step: the address in words is asked next.
    asking_address: bool = False
    # A complaint (its category is one): its department is the one complained about, and the
    # subject step names one of its people, or none (`subject_id` None once answered).
    complaint: bool = False
    subject_id: int | None = None
    subject_name: str | None = None
    subject_chosen: bool = False

    def editable(self) -> tuple[Step, ...]:
        """The steps the summary's Edit menu offers: the subject only for a complaint."""
        return tuple(s for s in EDITABLE if s is not Step.SUBJECT or self.complaint)

    def expired(self, now: datetime) -> bool:
        return now - self.updated_at >= DRAFT_IDLE_LIMIT

    @property
    def missing(self) -> list[Step]:
        """Required steps not yet done."""
        required = {
            Step.DESCRIPTION: self.description,
            Step.CATEGORY: self.category,
            Step.SOURCE: self.source,
            Step.URGENCY: self.urgent,
            Step.DEPARTMENT: self.department,
            Step.SUBJECT: True if self.subject_chosen or not self.complaint else None,
        }
        return [step for step, value in required.items() if value is None]

    def advanced(self, now: datetime, **changes: Any) -> Draft:
        """The draft with `changes`, moved on to the next step (or back to the summary). The
        subject step is only a complaint's; a complaint whose department changed asks it again
        (the person named must be of the department)."""
        changes.setdefault("asking_address", False)  # a step's own question ends with it
        changed = dataclasses.replace(self, updated_at=now, **changes)
        following = Step.SUMMARY if self.editing else ORDER[ORDER.index(self.step) + 1]
        while following in _ASKED_WHEN_FOUND:  # asked only when found (`to_history` …)
            following = ORDER[ORDER.index(following) + 1]
        if following is Step.SUBJECT and not changed.complaint:
            following = Step.SUMMARY
        if self.editing and self.step is Step.DEPARTMENT and changed.missing == [Step.SUBJECT]:
            following = Step.SUBJECT  # another department: whom of it is asked again
        return dataclasses.replace(changed, step=following)

    def to_history(self, now: datetime) -> Draft:
        """At the citizen's history: their phone was just entered and they have earlier
        issues. "Log a new issue" goes on from here (`advanced`: the next step, or back to the
        summary when the phone was edited from it)."""
        return dataclasses.replace(self, step=Step.HISTORY, updated_at=now, asking_address=False)

    def to_nearby(self, now: datetime) -> Draft:
        """At the open issues near the pin: the place was just given and there are some. "Log a
        new issue" goes on from here, as from the history."""
        return dataclasses.replace(self, step=Step.NEARBY, updated_at=now, asking_address=False)

    def stay(self, now: datetime, **changes: Any) -> Draft:
        return dataclasses.replace(self, updated_at=now, **changes)

    def to_edit(self, step: Step, now: datetime) -> Draft:
        # The photo count is shown anew under the question asked again, not far up the chat.
        return dataclasses.replace(
            self,
            step=step,
            editing=True,
            updated_at=now,
            status_message_id=None,
            asking_address=False,
        )

    # --- serialisation, so storage keeps no knowledge of the fields ---
    def to_dict(self) -> dict[str, Any]:
        # Field by field, not `dataclasses.asdict`, which copies every value deeply (a draft is
        # written at every step of the wizard).
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data["step"] = self.step.value
        data["updated_at"] = self.updated_at.isoformat()
        data["photos"] = list(self.photos)
        if self.location is not None:
            data["location"] = {
                "latitude": self.location.latitude,
                "longitude": self.location.longitude,
            }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        values = dict(data)
        values["step"] = Step(values["step"])
        values["updated_at"] = datetime.fromisoformat(values["updated_at"])
        values["photos"] = tuple(values.get("photos") or ())
        if values.get("location") is not None:
            values["location"] = Location(**values["location"])
        if values.get("source") is not None:
            values["source"] = Source(values["source"])
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def new_draft(
    token: str, now: datetime, description: str | None = None, photo: str | None = None
) -> Draft:
    draft = Draft(
        token=token, step=Step.DESCRIPTION, updated_at=now, photos=(photo,) if photo else ()
    )
    if description is not None and description.strip():
        draft = draft.advanced(now, description=check_description(description))
    return draft


def check_description(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise errors.EmptyText()
    if len(cleaned) > DESCRIPTION_MAX:
        raise errors.TextTooLong(DESCRIPTION_MAX)
    return cleaned


def check_category(code: str, org: Organisation) -> str:
    if org.category(code) is None:
        raise errors.UnknownCategory()
    return code


def choose_category(draft: Draft, code: str, org: Organisation, now: datetime) -> Draft:
    """A new category also means choosing the department again (its default is offered), and,
    for a complaint, the person complained about."""
    category = org.category(code)
    if category is None:
        raise errors.UnknownCategory()
    if code == draft.category:
        return draft.advanced(now)
    changed = draft.advanced(
        now, category=code, department=None, complaint=category.complaint, **_NO_SUBJECT
    )
    if draft.editing:
        return dataclasses.replace(changed, step=Step.DEPARTMENT)
    return changed


_NO_SUBJECT: dict[str, Any] = {"subject_id": None, "subject_name": None, "subject_chosen": False}


def choose_department(draft: Draft, code: str, org: Organisation, now: datetime) -> Draft:
    """The department; for a complaint another department means naming its person again."""
    check_department(code, org)
    if draft.complaint and code != draft.department:
        return draft.advanced(now, department=code, **_NO_SUBJECT)
    return draft.advanced(now, department=code)


def choose_subject(draft: Draft, person: Staff | None, now: datetime) -> Draft:
    """A complaint's person complained about: an active member or head of the department
    chosen (checked again here: the button may be old or forged), or None for the department's
    service as a whole."""
    if not draft.complaint or draft.step is not Step.SUBJECT:
        raise errors.StaleStep()
    if person is None:
        return draft.advanced(now, **{**_NO_SUBJECT, "subject_chosen": True})
    if not may_be_complained_about(person, draft.department):
        raise errors.NotInDepartment()
    return draft.advanced(now, subject_id=person.id, subject_name=person.name, subject_chosen=True)


def may_be_complained_about(person: Staff, department: str | None) -> bool:
    """Whom a complaint may name: an active member or head of the department it is about."""
    return (
        person.active
        and department is not None
        and person.department == department
        and person.role in (Role.MEMBER, Role.HEAD)
    )


def check_department(code: str, org: Organisation) -> str:
    if org.department(code) is None:
        raise errors.UnknownDepartment(code)
    return code


def check_location(latitude: float, longitude: float) -> Location:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise errors.BadLocation()
    return Location(latitude, longitude)


def check_address(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise errors.EmptyText()
    if len(cleaned) > ADDRESS_MAX:
        raise errors.TextTooLong(ADDRESS_MAX)
    return cleaned


def check_name(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise errors.EmptyText()
    if len(cleaned) > NAME_MAX:
        raise errors.TextTooLong(NAME_MAX)
    return cleaned


_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")


def check_phone(text: str) -> str:
    """Loosely: digits with the usual separators, an optional leading +, 5 to 15 digits."""
    # NFKC first: full-width digits (a Chinese keyboard's) become ASCII ones.
    compact = _PHONE_PUNCTUATION.sub("", unicodedata.normalize("NFKC", text).strip())
    digits = compact.removeprefix("+")
    if not digits.isascii() or not digits.isdigit() or not 5 <= len(digits) <= 15:
        raise errors.BadPhone()
    return compact


def add_photo(draft: Draft, file_id: str, now: datetime) -> Draft:
    if len(draft.photos) >= PHOTOS_MAX:
        raise errors.TooManyPhotos(PHOTOS_MAX)
    return draft.stay(now, photos=(*draft.photos, file_id))


class Typed(StrEnum):
    """A button of the wizard's reply keyboard, which arrives typed as its label."""

    SKIP = "skip"
    DONE = "done"


def answered(draft: Draft, text: str, pressed: Typed | None, now: datetime) -> Draft:
    """The draft with a typed answer to its current step. `pressed`: the reply keyboard's
    button the text is the label of, if any; it counts only where the step offers that button
    (Skip clears the field, also when editing it). Refused if the step takes a photo or a
    button instead."""
    match draft.step, pressed:
        case Step.LOCATION, Typed.DONE | Typed.SKIP if draft.asking_address:
            # After a pin: no (other) address in words. The pin stays: Skip too, as a worker
            # who shared it would not expect a word to throw it away.
            return draft.advanced(now, asking_address=False)
        case Step.LOCATION, Typed.DONE if draft.editing:
            return draft.advanced(now)  # the place as it was
        case Step.LOCATION, Typed.SKIP:
            return draft.advanced(now, location=None, address=None)
        case Step.PHOTOS, Typed.DONE | Typed.SKIP:
            return draft.advanced(now)
        case Step.CITIZEN_NAME, Typed.SKIP:
            return draft.advanced(now, citizen_name=None)
        case Step.CITIZEN_PHONE, Typed.SKIP:
            return draft.advanced(now, citizen_phone=None)
    match draft.step:
        case Step.DESCRIPTION:
            return draft.advanced(now, description=check_description(text))
        case Step.LOCATION:  # an address in words, beside the pin if one was shared
            return draft.advanced(now, address=check_address(text), asking_address=False)
        case Step.PHOTOS:
            raise errors.PhotoWanted()
        case Step.CITIZEN_NAME:
            return draft.advanced(now, citizen_name=check_name(text))
        case Step.CITIZEN_PHONE:
            return draft.advanced(now, citizen_phone=check_phone(text))
    raise errors.ButtonsWanted()


def located(
    draft: Draft, latitude: float, longitude: float, now: datetime, place: str | None = None
) -> Draft:
    """The draft with a pin shared at the location step. A pin and an address in words say
    different things (where on the map, which door), so both are kept: the step stays to ask
    for the address in words (Done keeps the one typed before, if any), unless the pin came
    with its own (`place`: a venue chosen on Telegram's map)."""
    if draft.step is not Step.LOCATION:
        raise errors.NotExpectedNow("location")
    location = check_location(latitude, longitude)
    if place and place.strip():
        return draft.advanced(now, location=location, address=check_address(place))
    return draft.stay(now, location=location, asking_address=True)


def wants_address(draft: Draft) -> bool:
    """Whether the location step has just had a pin and waits for the address in words."""
    return draft.step is Step.LOCATION and draft.asking_address


def contacted(draft: Draft, name: str, phone: str, now: datetime) -> Draft:
    """The draft with a contact card shared at the citizen's steps: it fills both the name and
    the phone, and moves past both."""
    if draft.step not in (Step.CITIZEN_NAME, Step.CITIZEN_PHONE):
        raise errors.NotExpectedNow("contact")
    moved = draft.advanced(
        now,
        citizen_name=check_name(name) if name.strip() else None,
        citizen_phone=check_phone(phone),
    )
    return moved if moved.step is not Step.CITIZEN_PHONE else moved.advanced(now)


# ------------------------------------------------------------------ the citizen's history


def phone_entered(before: Draft, after: Draft) -> bool:
    """Whether this answer just gave the citizen's phone (typed at its step, or with a
    contact card) and moved past the citizen's steps: then their history is looked up."""
    return (
        after.citizen_phone is not None
        and after.step not in _CITIZEN_STEPS
        and before.step in _CITIZEN_STEPS
        and (before.step is Step.CITIZEN_PHONE or after.citizen_phone != before.citizen_phone)
    )


def in_history(issue: Issue, person: Staff, phone: str, now: datetime) -> bool:
    """Whether the issue is one of the citizen's with this phone (however either was typed:
    `138 1234 5678`, `+86 13812345678`) logged in the last `HISTORY_WINDOW`, that `person`
    may be shown at intake. A case, to whoever takes the citizen's call; a complaint only to
    those who may see it (its reporter, its department's heads, the coordinators): never to
    the person complained about nor to their colleagues (casework/lifecycle.py `relations`)."""
    return (
        same_phone(issue.citizen_phone, phone)
        and issue.created_at >= now - HISTORY_WINDOW
        and (not issue.is_complaint or lifecycle.may(issue, person, Action.VIEW))
    )


@dataclass(frozen=True)
class CitizenHistory:
    """What the worker is shown of the citizen's history: at most `HISTORY_SHOWN` issues, open
    ones first, the newest first among each, and how many more there are."""

    issues: tuple[Issue, ...]
    more: int = 0

    @property
    def open(self) -> tuple[Issue, ...]:
        """Those a repeat call may go on."""
        return tuple(i for i in self.issues if i.status.is_open)


def citizen_history(found: list[Issue], person: Staff, phone: str, now: datetime) -> CitizenHistory:
    """The history from the citizen's issues as read (already narrowed to the phone and the
    window by the store), each checked again here and put in order."""
    mine = [i for i in found if in_history(i, person, phone, now)]
    mine.sort(key=lambda i: (not i.status.is_open, -i.created_at.timestamp(), -i.id))
    return CitizenHistory(tuple(mine[:HISTORY_SHOWN]), max(0, len(mine) - HISTORY_SHOWN))


def repeat_call(draft: Draft, issue: Issue | None, person: Staff, now: datetime) -> Event:
    """The step a repeat call takes on one of the citizen's open issues: a note on its
    timeline, "the citizen called again", with what the worker wrote as the description.
    Checked again at each press: the draft must be at its history, the issue one of the
    citizen's that this person may be shown (else it is not found: an old or forged press),
    and still open (`IssueNoLongerOpen`: closed or withdrawn meanwhile)."""
    if draft.step is not Step.HISTORY or draft.citizen_phone is None:
        raise errors.StaleStep()
    if issue is None or not in_history(issue, person, draft.citizen_phone, now):
        raise errors.IssueNotFound()
    if not issue.status.is_open:
        raise errors.IssueNoLongerOpen(issue.number)
    return Event(
        kind=EventKind.REPEAT_CALL,
        actor_id=person.id,
        at=now,
        department=issue.department,
        text=draft.description,
    )


# ------------------------------------------------------------------ nearby, same problem


def location_given(before: Draft, after: Draft) -> bool:
    """Whether this answer just ended the location step with a pin, the category known: then
    open issues of the category near it are looked up."""
    return (
        before.step is Step.LOCATION
        and after.step is not Step.LOCATION
        and after.location is not None
        and after.category is not None
    )


def nearby_window(policy: DuplicatePolicy) -> timedelta:
    return timedelta(days=policy.days)


def in_nearby(
    issue: Issue, draft: Draft, person: Staff, policy: DuplicatePolicy, now: datetime
) -> bool:
    """Whether the issue is one the draft's report may be linked to as a duplicate: of its
    category, with a pin within `policy.radius_m` of the draft's, logged within `policy.days`
    (by the clock), and one `person` may be shown (a complaint only to those who may see it,
    as in the citizen's history). Open or not: `duplicate_of` tells a closed one apart."""
    return (
        draft.location is not None
        and issue.location is not None
        and issue.category == draft.category
        and distance_m(draft.location, issue.location) <= policy.radius_m
        and issue.created_at >= now - nearby_window(policy)
        and (not issue.is_complaint or lifecycle.may(issue, person, Action.VIEW))
    )


def duplicate_of(
    draft: Draft, issue: Issue | None, person: Staff, policy: DuplicatePolicy, now: datetime
) -> Event:
    """The step that links the draft's report to an open issue nearby as a duplicate (重复件):
    a note on its timeline with what the worker wrote. Checked again at each press: the draft
    must be at the issues nearby, the issue one of them (else it is not found: an old or
    forged press), and still open (`IssueNoLongerOpen`: closed or withdrawn meanwhile)."""
    if draft.step is not Step.NEARBY:
        raise errors.StaleStep()
    if issue is None or not in_nearby(issue, draft, person, policy, now):
        raise errors.IssueNotFound()
    if not issue.status.is_open:
        raise errors.IssueNoLongerOpen(issue.number)
    return Event(
        kind=EventKind.DUPLICATE,
        actor_id=person.id,
        at=now,
        department=issue.department,
        text=draft.description,
    )
