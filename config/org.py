"""The organisation file (TOML): read it, validate it, and turn it into `casework` objects.

Every problem is reported with the item it belongs to, for example
`[[categories]] "streetlight": department "road" is not one of the [[departments]]`.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import date, time, timedelta
from datetime import datetime as datetime_type
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from casework.durations import Limit, parse_duration, parse_limit
from casework.nearby import RADIUS_MAX_M
from casework.organisation import (
    AccessPolicy,
    CallbackPolicy,
    Category,
    Department,
    DuplicatePolicy,
    Evaluation,
    IntakePolicy,
    Names,
    Organisation,
    ReminderPolicy,
    RetentionPolicy,
    RosterEntry,
    Targets,
)
from casework.quiet import QuietHours
from casework.roles import Role
from casework.state_council import state_council
from casework.workdays import WorkCalendar, WorkingHours


class OrgFileError(Exception):
    """The organisation file is missing or wrong; the message names each bad item."""


def _duration(value: object) -> timedelta:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration like 90s, 30m, 2h or 3d")
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _limit(value: object) -> Limit:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time like 2h, 3d or 5wd")
    return parse_limit(value)


# A category's times: calendar time, or working days (`5wd`).
Within = Annotated[Limit, BeforeValidator(_limit)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
Text = Annotated[str, Field(min_length=1, max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Names(_Strict):
    zh: Text
    en: Text


class _Department(_Strict):
    code: Code
    name: _Names
    group_chat_id: int | None = None


class _Category(_Strict):
    code: Code
    name: _Names
    department: Code
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    respond_within: Within
    resolve_within: Within
    urgent_respond_within: Within
    urgent_resolve_within: Within
    complaint: bool = False


class _Staff(_Strict):
    telegram_id: Annotated[int, Field(gt=0)]
    name: Text
    role: Role
    department: Code | None = None
    active: bool = True


class _Access(_Strict):
    invite_valid_for: Duration = timedelta(days=7)


def _quiet_hours(value: object) -> QuietHours | None:
    if not isinstance(value, str):
        raise ValueError(f'{value!r} is not like 22:00-07:30 (or "" for none)')
    return QuietHours.parse(value)


def _clock_time(value: object) -> time:
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time like 08:30")
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a time like 08:30") from None


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekly(value: object) -> tuple[int, time]:
    """`mon 09:00`: a day of the week and a time."""
    if isinstance(value, tuple):
        return value
    words = value.split() if isinstance(value, str) else []
    if len(words) != 2 or words[0].lower()[:3] not in _DAYS:
        raise ValueError(f"{value!r} is not like mon 09:00")
    return _DAYS.index(words[0].lower()[:3]), _clock_time(words[1])


_DEFAULT_REMINDERS = ReminderPolicy()


class _Reminders(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    quiet_hours: Annotated[QuietHours | None, BeforeValidator(_quiet_hours)] = (
        _DEFAULT_REMINDERS.quiet_hours
    )
    before_deadline: Duration = _DEFAULT_REMINDERS.before_deadline
    overdue_every: Duration = _DEFAULT_REMINDERS.overdue_every
    escalate_after: Duration = _DEFAULT_REMINDERS.escalate_after
    returned_after: Duration = _DEFAULT_REMINDERS.returned_after
    returned_every: Duration = _DEFAULT_REMINDERS.returned_every
    confirm_every: Duration = _DEFAULT_REMINDERS.confirm_every
    digest_at: Annotated[time, BeforeValidator(_clock_time)] = _DEFAULT_REMINDERS.digest_at
    callback_after: Duration = _DEFAULT_REMINDERS.callback_after
    weekly_report: Annotated[tuple[int, time], BeforeValidator(_weekly)] = (
        _DEFAULT_REMINDERS.weekly_day,
        _DEFAULT_REMINDERS.weekly_at,
    )


_DEFAULT_RETENTION = RetentionPolicy()


class _Retention(_Strict):
    personal_data_for: Duration = _DEFAULT_RETENTION.personal_data_for
    cards_for: Duration = _DEFAULT_RETENTION.cards_for
    sent_messages_for: Duration = _DEFAULT_RETENTION.sent_messages_for
    invitations_for: Duration = _DEFAULT_RETENTION.invitations_for


def _share(value: object) -> float:
    """A target rate: `0.9`, or `"90%"` as people also write it."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and value.strip().endswith("%"):
        try:
            number = float(value.strip().removesuffix("%")) / 100
        except ValueError:
            number = None
    if number is None:
        raise ValueError(f'{value!r} is not a rate like 0.9 (or "90%")')
    if not 0 < number <= 1:
        # 90 for 90 % is the likely slip: say how to write it.
        raise ValueError(f'{value!r} is not above 0 and at most 1: write 0.9 (or "90%") for 90 %')
    return number


Share = Annotated[float, BeforeValidator(_share)]


class _Targets(_Strict):
    on_time_acceptance_rate: Share | None = None
    on_time_resolution_rate: Share | None = None
    contact_rate: Share | None = None
    solved_rate: Share | None = None
    satisfaction_rate: Share | None = None

    @model_validator(mode="before")
    @classmethod
    def _older_name(cls, data: object) -> object:
        """`response_rate`, the older name of `on_time_acceptance_rate` (issue 17 gave the
        figure a name that says what it measures), is still read; both at once are refused."""
        if isinstance(data, dict) and "response_rate" in data:
            if "on_time_acceptance_rate" in data:
                raise ValueError(
                    "response_rate is the older name of on_time_acceptance_rate: set one of the two"
                )
            data = {
                ("on_time_acceptance_rate" if k == "response_rate" else k): v
                for k, v in data.items()
            }
        return data


_DEFAULT_EVALUATION = Evaluation()
Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Evaluation(_Strict):
    contact_rate: Weight = _DEFAULT_EVALUATION.contact_rate
    solved_rate: Weight = _DEFAULT_EVALUATION.solved_rate
    satisfaction_rate: Weight = _DEFAULT_EVALUATION.satisfaction_rate
    on_time_acceptance_rate: Weight = _DEFAULT_EVALUATION.on_time_acceptance_rate
    on_time_resolution_rate: Weight = _DEFAULT_EVALUATION.on_time_resolution_rate

    @model_validator(mode="after")
    def _not_all_zero(self) -> _Evaluation:
        if not any(getattr(self, name) for name in type(self).model_fields):
            raise ValueError("every weight is 0: give at least one rate a weight above 0")
        return self


class _Callback(_Strict):
    attempts: Annotated[int, Field(ge=1, le=20)] = CallbackPolicy().attempts


# A repeat flag below 2 would flag every issue as it is logged.
REPEAT_FLAG_AT_LEAST, REPEAT_FLAG_AT_MOST = 2, 100


def _repeat_flag(value: object) -> int:
    """A whole number of reports, 2 to 100 (not `true`, not `"3"`, not 2.5)."""
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not REPEAT_FLAG_AT_LEAST <= value <= REPEAT_FLAG_AT_MOST
    ):
        raise ValueError(
            f"{value!r} is not a number of reports from {REPEAT_FLAG_AT_LEAST} to"
            f" {REPEAT_FLAG_AT_MOST}: an issue reported this many times is flagged to the"
            " coordinators (e.g. 3)"
        )
    return value


class _Intake(_Strict):
    repeat_flag: Annotated[int, BeforeValidator(_repeat_flag)] = IntakePolicy().repeat_flag


class _Duplicates(_Strict):
    radius_m: Annotated[int, Field(ge=10, le=RADIUS_MAX_M)] = DuplicatePolicy().radius_m
    days: Annotated[int, Field(ge=1, le=90)] = DuplicatePolicy().days


def _working_hours(value: object) -> WorkingHours:
    if isinstance(value, WorkingHours):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not like 09:00-17:30")
    return WorkingHours.parse(value)


def _day(value: object) -> date:
    """A TOML date (2027-01-01) or the same in quotes."""
    if isinstance(value, date) and not isinstance(value, datetime_type):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a day like 2027-01-01")


Day = Annotated[date, BeforeValidator(_day)]


class _Calendar(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    working_hours: Annotated[WorkingHours, BeforeValidator(_working_hours)] = WorkingHours()
    holidays: list[Day] = []  # days off the official calendar does not have (or does not know)
    workdays: list[Day] = []  # working days it does not have: a local 调休, a year it lacks

    @model_validator(mode="after")
    def _not_both(self) -> _Calendar:
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            days = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"{days}: listed as a holiday and as a working day; keep one")
        return self


class _OrgFile(_Strict):
    name: _Names = _Names(zh="督办", en="Duban")
    access: _Access = _Access()
    reminders: _Reminders = _Reminders()
    retention: _Retention = _Retention()
    targets: _Targets = _Targets()
    callback: _Callback = _Callback()
    intake: _Intake = _Intake()
    duplicates: _Duplicates = _Duplicates()
    evaluation: _Evaluation = _Evaluation()
    calendar: _Calendar = _Calendar()
    departments: Annotated[list[_Department], Field(min_length=1)]
    categories: Annotated[list[_Category], Field(min_length=1)]
    staff: list[_Staff] = []


def load_organisation(path: Path) -> Organisation:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OrgFileError(
            f"{path}: no such file (copy config/org.example.toml there, or set ORG_FILE)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OrgFileError(f"{path}: cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise OrgFileError(f"{path}: not valid TOML: {exc}") from None
    return parse_organisation(raw, source=str(path))


def parse_organisation(raw: dict[str, Any], source: str = "organisation file") -> Organisation:
    try:
        parsed = _OrgFile.model_validate(raw)
    except ValidationError as exc:
        raise OrgFileError(_describe(exc, raw, source)) from None
    problems = _cross_check(parsed)
    if problems:
        raise OrgFileError("\n".join(f"{source}: {p}" for p in problems))
    return Organisation(
        name=Names(zh=parsed.name.zh, en=parsed.name.en),
        departments=tuple(
            Department(d.code, Names(d.name.zh, d.name.en), d.group_chat_id)
            for d in parsed.departments
        ),
        categories=tuple(
            Category(
                code=c.code,
                name=Names(c.name.zh, c.name.en),
                department=c.department,
                respond_within=c.respond_within,
                resolve_within=c.resolve_within,
                urgent_respond_within=c.urgent_respond_within,
                urgent_resolve_within=c.urgent_resolve_within,
                complaint=c.complaint,
            )
            for c in parsed.categories
        ),
        roster=tuple(
            RosterEntry(s.telegram_id, s.name, s.role, s.department, s.active) for s in parsed.staff
        ),
        access=AccessPolicy(invite_valid_for=parsed.access.invite_valid_for),
        reminders=_reminders(parsed.reminders),
        retention=RetentionPolicy(
            **{name: getattr(parsed.retention, name) for name in _Retention.model_fields}
        ),
        targets=Targets(**{name: getattr(parsed.targets, name) for name in _Targets.model_fields}),
        callback=CallbackPolicy(attempts=parsed.callback.attempts),
        intake=IntakePolicy(repeat_flag=parsed.intake.repeat_flag),
        duplicates=DuplicatePolicy(
            radius_m=parsed.duplicates.radius_m, days=parsed.duplicates.days
        ),
        evaluation=Evaluation(
            **{name: getattr(parsed.evaluation, name) for name in _Evaluation.model_fields}
        ),
        calendar=WorkCalendar(
            hours=parsed.calendar.working_hours,
            official=state_council(),
            holidays=frozenset(parsed.calendar.holidays),
            workdays=frozenset(parsed.calendar.workdays),
        ),
    )


def _reminders(parsed: _Reminders) -> ReminderPolicy:
    values = {name: getattr(parsed, name) for name in _Reminders.model_fields}
    values["weekly_day"], values["weekly_at"] = values.pop("weekly_report")
    return ReminderPolicy(**values)


# The made-up Telegram IDs of the roster config/org.example.toml shipped with until December
# 2026. Low IDs belong to real, old accounts: a copy of it (renamed or not) gives strangers
# access, one as a coordinator.
EXAMPLE_IDS = {100001, 100002, 100003, 200001, 200002, 200003, 200004, 300001}


def _cross_check(org: _OrgFile) -> list[str]:
    problems: list[str] = []
    for section, codes in (
        ("departments", [d.code for d in org.departments]),
        ("categories", [c.code for c in org.categories]),
    ):
        for code, count in Counter(codes).items():
            if count > 1:
                problems.append(f'[[{section}]] "{code}": code is used {count} times')
    known = {d.code for d in org.departments}
    for c in org.categories:
        if c.department not in known:
            problems.append(
                f'[[categories]] "{c.code}": department "{c.department}" '
                "is not one of the [[departments]]"
            )
    for tid, count in Counter(s.telegram_id for s in org.staff).items():
        if count > 1:
            problems.append(f"[[staff]] {tid}: telegram_id is listed {count} times")
    for s in org.staff:
        label = f'[[staff]] {s.telegram_id} "{s.name}"'
        if s.telegram_id in EXAMPLE_IDS:
            problems.append(
                f"{label}: this Telegram ID is a made-up one from the example file; it belongs"
                " to a real stranger, who would get access. Remove the entry and list your own"
                " people (README: the first coordinator)"
            )
        if s.department is not None and s.department not in known:
            problems.append(
                f'{label}: department "{s.department}" is not one of the [[departments]]'
            )
        elif s.department is None and s.role.needs_department:
            problems.append(f"{label}: a {s.role.value} needs a department")
    return problems


def _describe(exc: ValidationError, raw: dict[str, Any], source: str) -> str:
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = _item_label(raw, loc)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "is not a known setting (check the spelling)"
        elif error["type"] == "missing":
            message = "is missing"
        lines.append(f"{source}: {where}: {message}")
    return "\n".join(lines)


def _item_label(raw: dict[str, Any], loc: list[str | int]) -> str:
    """`[[categories]] "streetlight" respond_within` from ('categories', 3, 'respond_within')."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        section, index, rest = str(loc[0]), loc[1], loc[2:]
        items = raw.get(section)
        item = items[index] if isinstance(items, list) and index < len(items) else None
        name = None
        if isinstance(item, dict):
            name = item.get("code") or item.get("telegram_id")
        label = f'[[{section}]] "{name}"' if name is not None else f"[[{section}]] #{index + 1}"
        return " ".join([label, *(str(p) for p in rest)])
    return ".".join(str(p) for p in loc) or "file"
