"""The organisation: departments, the categories of issues they handle, and a staff roster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import cached_property

from casework.durations import Limit
from casework.quiet import QuietHours
from casework.roles import Role
from casework.workdays import WorkCalendar

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Names:
    """A name in each language the bot speaks."""

    zh: str
    en: str

    def __call__(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class Department:
    code: str
    name: Names
    group_chat_id: int | None = None


@dataclass(frozen=True)
class Category:
    code: str
    name: Names
    department: str
    # Calendar time (`2h`, `3d`) or working days (`5wd`, casework/workdays.py).
    respond_within: Limit
    resolve_within: Limit
    urgent_respond_within: Limit
    urgent_resolve_within: Limit
    # A complaint (投诉) about a department's service or a staff member's conduct: an issue
    # of this category is logged as one (casework.issues.IssueKind), about the department
    # chosen, and optionally one of its people.
    complaint: bool = False


@dataclass(frozen=True)
class RosterEntry:
    telegram_id: int
    name: str
    role: Role
    department: str | None = None
    active: bool = True  # false: the operator ends this person's access (see the README)


@dataclass(frozen=True)
class AccessPolicy:
    invite_valid_for: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long what the bot keeps about people is kept (README, "Privacy and retention").

    Times run from an issue's last step once it has ended (closed or withdrawn): a note or a
    call-back on an ended issue starts them again, a reopening stops them.
    """

    # The citizen's name, phone, address, location and photos, on the issue and in the texts
    # of its timeline. Two years: hotline work orders are kept that long for call-backs,
    # repeat calls, complaints and audits; PIPL asks for no longer than necessary.
    personal_data_for: timedelta = timedelta(days=730)
    # Cards in chats are edited to show the issue without the citizen's data and forgotten.
    cards_for: timedelta = timedelta(days=90)
    # Delivered (or abandoned) outbox messages, from when they were sent or given up.
    sent_messages_for: timedelta = timedelta(days=30)
    # Invitation links never used, from when they expired.
    invitations_for: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class Targets:
    """What the district aims for on the rates departments are ranked by, as shares (0.9 is
    90 %); None where the organisation file sets none. /stats draws them as a line."""

    on_time_acceptance_rate: float | None = None
    on_time_resolution_rate: float | None = None
    contact_rate: float | None = None
    solved_rate: float | None = None
    satisfaction_rate: float | None = None


@dataclass(frozen=True)
class Evaluation:
    """What each rate weighs in the composite score departments are ranked by
    (`casework.metrics.scored`; README, "Metrics"): non-negative, not all zero. Only their
    ratios matter. The defaults weigh the citizen's rates 75 %, the process rates 25 %."""

    contact_rate: float = 0.15
    solved_rate: float = 0.30
    satisfaction_rate: float = 0.30
    on_time_acceptance_rate: float = 0.10
    on_time_resolution_rate: float = 0.15

    @property
    def weights(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class DuplicatePolicy:
    """Nearby, same problem (README, "Logging an issue"): at intake, the open issues of the
    category logged within `radius_m` metres of the pin in the last `days` days are offered."""

    radius_m: int = 200
    days: int = 7


@dataclass(frozen=True)
class CallbackPolicy:
    """The call-back (README, "The call-back")."""

    # Tries at reaching the citizen before a coordinator may close the issue with a reason.
    # Three: a morning, an afternoon and the next day's call, as hotlines try before they
    # record a work order as unreachable.
    attempts: int = 3


@dataclass(frozen=True)
class IntakePolicy:
    """Taking reports (README, "Citizens who call again")."""

    # An issue reported this many times (`Issue.times_reported`: the report that logged it and
    # the repeat calls) is flagged to the coordinators with its card (督办), once. Three: the
    # first call and two more is when hotlines treat a problem as one nobody is fixing.
    repeat_flag: int = 3


NIGHT = QuietHours(time(22, 0), time(7, 30))


@dataclass(frozen=True)
class ReminderPolicy:
    """The reminder ladder (see casework/reminders.py and the README)."""

    quiet_hours: QuietHours | None = NIGHT
    before_deadline: timedelta = timedelta(hours=2)  # "shortly before" a resolution deadline
    overdue_every: timedelta = timedelta(hours=4)  # again and again once overdue
    escalate_after: timedelta = timedelta(days=1)  # overdue this long: the coordinators hear
    returned_after: timedelta = timedelta(hours=2)  # a returned issue waits to be re-routed
    returned_every: timedelta = timedelta(days=1)
    confirm_every: timedelta = timedelta(days=1)  # a resolved issue waits for the reporter
    digest_at: time = time(8, 30)  # the morning digest, local time
    # Could not reach the citizen at the call-back: remind the reporter to try again after
    # this (and, for issues closed before the three-question call-back, to record it).
    callback_after: timedelta = timedelta(days=1)
    weekly_day: int = 0  # the weekly report to the coordinators: Monday …
    weekly_at: time = time(9, 0)  # … at 09:00


@dataclass(frozen=True)
class Organisation:
    name: Names
    departments: tuple[Department, ...]
    categories: tuple[Category, ...]
    roster: tuple[RosterEntry, ...] = ()
    access: AccessPolicy = field(default_factory=AccessPolicy)
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    targets: Targets = field(default_factory=Targets)
    callback: CallbackPolicy = field(default_factory=CallbackPolicy)
    intake: IntakePolicy = field(default_factory=IntakePolicy)
    duplicates: DuplicatePolicy = field(default_factory=DuplicatePolicy)
    evaluation: Evaluation = field(default_factory=Evaluation)
    # Working days and hours (`[calendar]`): the official calendar with the file's overrides.
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    # What the file listed once and no longer does, kept because issues on record point at it:
    # never offered for a new step, still named and timed for the issues that have it.
    retired_departments: tuple[Department, ...] = ()
    retired_categories: tuple[Category, ...] = ()

    def department(self, code: str) -> Department | None:
        """A department the file lists (one that may be chosen)."""
        return self._departments_by_code.get(code)

    def category(self, code: str) -> Category | None:
        """A category the file lists (one that may be chosen)."""
        return self._categories_by_code.get(code)

    def any_department(self, code: str) -> Department | None:
        """A department the file lists, or one it listed once."""
        return self.department(code) or next(
            (d for d in self.retired_departments if d.code == code), None
        )

    def any_category(self, code: str) -> Category | None:
        """A category the file lists, or one it listed once (its times still apply)."""
        return self.category(code) or next(
            (c for c in self.retired_categories if c.code == code), None
        )

    @cached_property
    def _departments_by_code(self) -> Mapping[str, Department]:
        return {d.code: d for d in self.departments}

    @cached_property
    def _categories_by_code(self) -> Mapping[str, Category]:
        return {c.code: c for c in self.categories}
