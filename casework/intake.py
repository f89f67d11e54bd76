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

from casework import errors
from casework.issues import Location, Source
from casework.limits import ADDRESS_MAX, DESCRIPTION_MAX, NAME_MAX, PHOTOS_MAX
from casework.organisation import Organisation
from casework.people import Staff
from casework.roles import Role

DRAFT_IDLE_LIMIT = timedelta(minutes=30)


class Step(StrEnum):
    DESCRIPTION = "description"
    CATEGORY = "category"
    LOCATION = "location"
    PHOTOS = "photos"
    CITIZEN_NAME = "name"
    CITIZEN_PHONE = "phone"
    SOURCE = "source"
    URGENCY = "urgency"
    DEPARTMENT = "department"
    SUBJECT = "subject"  # a complaint's person complained about (被投诉人), or none
    SUMMARY = "summary"


ORDER = tuple(Step)
EDITABLE = tuple(s for s in Step if s is not Step.SUMMARY)
NONE_NAMED = 0  # the subject step's answer for a complaint about the department as a whole


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
        if following is Step.SUBJECT and not changed.complaint:
            following = Step.SUMMARY
        if self.editing and self.step is Step.DEPARTMENT and changed.missing == [Step.SUBJECT]:
            following = Step.SUBJECT  # another department: whom of it is asked again
        return dataclasses.replace(changed, step=following)

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
        data = dataclasses.asdict(self)
        data["step"] = self.step.value
        data["updated_at"] = self.updated_at.isoformat()
        data["photos"] = list(self.photos)
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
