"""How departments perform: the periods reports cover, and the formulas of every rate.

Storage counts events of the timeline (`DepartmentCounts`); this module turns the counts into
rates. The README's section "Performance" states each formula in words; they are:

The process rates, from the department's own steps:

- on-time acceptance rate (按时签收率; "response rate" before issue 17) = handoffs answered
  (accepted, returned or transferred on) by their response deadline / handoffs whose response
  deadline fell in the period, less those withdrawn (by the reporter or a coordinator) before
  the deadline, and those withdrawn as a duplicate (merged) at any time;
- on-time resolution rate (按时办结率) = acceptances (and reopenings) resolved by their
  resolution deadline / those whose resolution deadline fell in the period, less those
  transferred on before it, and those withdrawn as a duplicate (merged) at any time;
- closing rate (结案率; "resolution rate" before issue 17) = acceptances in the period followed
  by a confirmed closing (before any later acceptance; a later reopening does not undo it) /
  acceptances in the period, less those of issues merged into another before they closed;

the citizen's rates, from the call-back's three answers recorded in the period (a call-back
that could not reach the citizen asked nothing and counts in none; "not asked", the questions
call-backs before the three questions never asked, counts in none either, never as "no"):

- contact rate (联系率) = "contacted: yes" / call-backs that asked it (yes or no);
- solved rate (解决率) = (solved + `PARTLY_SOLVED` × partly solved) / call-backs that asked it
  (solved, partly or not solved);
- satisfaction rate (满意率) = (satisfied + basically satisfied) / call-backs with a verdict
  ("could not reach" is not a verdict and is counted apart; an issue reopened and closed again
  is called back again, and both verdicts count);

and the others:

- reopen rate = reopenings in the period / resolutions in the period;
- return rate = returns in the period / handoffs the department received in the period;
- median time to accept: from each handoff to its acceptance, for acceptances in the period;
  median time to resolve: from acceptance (or reopening) to resolution, for resolutions in
  the period;
- open and overdue now; praise received in the period;
- complaint rate = complaints handed to the department in the period (logged about it, or
  re-routed to it) / issues it handled in the period (its resolutions, 办结, each counted: an
  issue resolved again after a reopening was handled again); per person: complaints naming
  them logged in the period / resolutions in the period of issues assigned to them then;
- praise rate = praise recorded in the period / confirmed closings (结案) in the period; per
  person: praise of them / closings of issues assigned to them then;
- repeat calls (重复来电, 催单): citizens calling again in the period about an issue the
  department had open (counted for the department that had it at the call);
- per person: issues held now (in progress, assigned to them) and how many of those are
  overdue, and confirmed closings in the period; a department's loads are uneven (忙闲不均)
  when its busiest person holds at least 5 issues and twice the mean of its active members
  and heads (`imbalance`).

A rate whose denominator is zero is None ("no data"), never 0 % or 100 %.
"""

from __future__ import annotations

import calendar
import re
import statistics
import unicodedata
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from casework.issues import (
    Contact,
    Event,
    EventKind,
    Issue,
    Solved,
    Spell,
    Status,
    WithdrawReason,
)
from casework.people import Staff


class BadPeriod(ValueError):
    """Not `week`, `month`, `YYYY-MM` or two dates."""


PERIOD_MAX_DAYS = 366  # a year (a leap year's too): /stats and /export read no more at once


class PeriodTooLong(BadPeriod):
    """Longer than a year: the figures of years at once are asked for a year at a time."""


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive
    label: str


# Words for periods, as people type them (Chinese first: the users' language), to what the
# parser reads. `week` stays the last 7 days; 本周 is this calendar week, from Monday.
_WORDS = {
    "本月": "month", "这个月": "month", "上月": "last-month", "上个月": "last-month",
    "本周": "this-week", "这周": "this-week", "上周": "last-week", "近7天": "week",
    "最近7天": "week", "last-month": "last-month", "this-week": "this-week",
    "last-week": "last-week",
}  # fmt: skip
_CHINESE_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?$")


def parse_period(words: list[str], now: datetime, zone: ZoneInfo) -> Period:
    """`week` (the last 7 days), `month` (this month, the default), `2026-11`, or two dates
    `2026-11-01 2026-11-15` (both included, at most `PERIOD_MAX_DAYS` apart), in the
    organisation's time zone; in Chinese too: 本周 / 上周 (calendar weeks from Monday), 本月 /
    上月, `2026年11月`, `2026年11月1日 2026年11月15日`. A period may reach into the future;
    figures are counted up to now."""
    words = [_plain(word) for word in words]
    try:
        period = _parse_period(words, now, zone)
    except OverflowError:  # a date at the calendar's end (9999-12): its end is past it
        raise BadPeriod(" ".join(words)) from None
    if period.end - period.start > timedelta(days=PERIOD_MAX_DAYS):
        raise PeriodTooLong(" ".join(words))
    return period


def _plain(word: str) -> str:
    """A word of a period as the parser reads it: 本月 → month, 2026年11月 → 2026-11."""
    word = unicodedata.normalize("NFKC", word).strip().lower()
    if word in _WORDS:
        return _WORDS[word]
    found = _CHINESE_DATE.match(word)
    if found is None:
        return word
    year, month, day = found.groups()
    return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")


def _parse_period(words: list[str], now: datetime, zone: ZoneInfo) -> Period:
    local_now = now.astimezone(zone)
    today = local_now.date()
    if words == ["last-month"]:
        previous = today.replace(day=1) - timedelta(days=1)
        words = [previous.strftime("%Y-%m")]
    if words in (["this-week"], ["last-week"]):
        monday = today - timedelta(days=today.weekday())
        if words == ["last-week"]:
            monday -= timedelta(days=7)
        words = [monday.isoformat(), (monday + timedelta(days=6)).isoformat()]
    if not words or words == ["month"]:
        words = [local_now.strftime("%Y-%m")]
    if words == ["week"]:
        start = now - timedelta(days=7)
        label = f"{start.astimezone(zone):%Y-%m-%d} – {local_now:%Y-%m-%d}"
        return Period(start, now + timedelta(seconds=1), label)
    if len(words) == 1:
        try:
            year, month = (int(part) for part in words[0].split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise BadPeriod(words[0]) from None
        last_day = calendar.monthrange(year, month)[1]
        start = datetime.combine(first, time(), zone)
        end = datetime.combine(first + timedelta(days=last_day), time(), zone)
        return Period(start, end, f"{year:04d}-{month:02d}")
    if len(words) == 2:
        try:
            first, last = (date.fromisoformat(word) for word in words)
        except ValueError:
            raise BadPeriod(" ".join(words)) from None
        if last < first:
            raise BadPeriod(" ".join(words))
        start = datetime.combine(first, time(), zone)
        end = datetime.combine(last + timedelta(days=1), time(), zone)
        return Period(start, end, f"{first.isoformat()} – {last.isoformat()}")
    raise BadPeriod(" ".join(words))


def last_week(now: datetime, zone: ZoneInfo) -> Period:
    return parse_period(["week"], now, zone)


@dataclass(frozen=True)
class Tally:
    """One count the daily figures keep: `delta` more of `measure` for a department on a day."""

    day: date
    department: str
    measure: str
    delta: int = 1


_HANDOFFS = (EventKind.SUBMITTED, EventKind.REROUTED, EventKind.TRANSFERRED)
_IN_TIME = {
    (Spell.RESPONSE, EventKind.ACCEPTED): "answered_in_time",
    (Spell.RESPONSE, EventKind.RETURNED): "answered_in_time",
    (Spell.RESPONSE, EventKind.TRANSFERRED): "answered_in_time",
    (Spell.RESPONSE, EventKind.WITHDRAWN): "withdrawn_before_due",
    (Spell.RESOLUTION, EventKind.RESOLVED): "resolved_in_time",
    (Spell.RESOLUTION, EventKind.TRANSFERRED): "transferred_before_due",
}
# A withdrawal as a duplicate (重复件: merged into the issue that stays, or withdrawn as one by
# its reporter) ends its wait as if before the deadline, however late: the problem is counted
# once, by the issue that stays, and a duplicate is not a second handoff that can be late.
_DUPLICATE_ENDS = {
    Spell.RESPONSE: "withdrawn_before_due",
    Spell.RESOLUTION: "transferred_before_due",
}


def _merged_while_accepted(event: Event, before: Issue | None) -> bool:
    """A withdrawal as a duplicate of an issue its department had accepted and not closed."""
    return (
        event.kind is EventKind.WITHDRAWN
        and event.withdraw_reason is WithdrawReason.DUPLICATE
        and before is not None
        and before.status is Status.ACCEPTED
        and before.closures == 0
        and before.accepted_at is not None
    )


def _ended_in_time(event: Event, spell: Spell, due: datetime) -> str | None:
    """The measure a step that ended a wait adds on the wait's deadline day, if any."""
    if event.kind is EventKind.WITHDRAWN and event.withdraw_reason is WithdrawReason.DUPLICATE:
        return _DUPLICATE_ENDS[spell]
    measure = _IN_TIME.get((spell, event.kind))
    return measure if measure is not None and event.at <= due else None


_PLAIN = {
    EventKind.ACCEPTED: "accepted",
    EventKind.REOPENED: "reopened",
    EventKind.RETURNED: "returned",
    EventKind.RESOLVED: "resolved",
    EventKind.PRAISE: "praise",
    EventKind.CONFIRMED: "closed",
    EventKind.REPEAT_CALL: "repeat_calls",
    EventKind.DUPLICATE: "duplicates",
}
CLOSED_BY = "closed_by:"
# Per person, as CLOSED_BY: resolutions of issues assigned to them, complaints naming them,
# praise of them.
RESOLVED_BY, COMPLAINED_OF, PRAISED = "resolved_by:", "complained_of:", "praised:"
PER_PERSON = (CLOSED_BY, RESOLVED_BY, COMPLAINED_OF, PRAISED)

# The call-back's first two answers, and the field of `DepartmentCounts` each adds to ("not
# asked" adds to none: it is neither a yes nor a no).
CONTACT_FIELDS = {Contact.YES: "contacted", Contact.NO: "not_contacted"}
SOLVED_FIELDS = {
    Solved.SOLVED: "solved",
    Solved.PARTLY: "partly_solved",
    Solved.NOT_SOLVED: "not_solved",
}


def tallies(event: Event, before: Issue | None, after: Issue, zone: ZoneInfo) -> list[Tally]:
    """What a step adds to the daily figures (see `DepartmentCounts` for the measures)."""

    def on(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    department = event.department or after.department
    found: list[Tally] = []
    if event.kind in _HANDOFFS:
        found.append(Tally(on(event.at), department, "received"))
        if event.due_at is not None:
            found.append(Tally(on(event.due_at), department, "handoffs_due"))
    if event.kind in (EventKind.ACCEPTED, EventKind.REOPENED) and event.due_at is not None:
        found.append(Tally(on(event.due_at), department, "resolutions_due"))
    if event.kind in _PLAIN:
        found.append(Tally(on(event.at), department, _PLAIN[event.kind]))
    if after.is_complaint and event.kind in (EventKind.SUBMITTED, EventKind.REROUTED):
        found.append(Tally(on(event.at), department, "complaints"))
        if event.kind is EventKind.SUBMITTED and after.subject_id is not None:
            found.append(Tally(on(event.at), department, f"{COMPLAINED_OF}{after.subject_id}"))
    if event.kind is EventKind.RESOLVED and after.assignee_id is not None:
        found.append(Tally(on(event.at), department, f"{RESOLVED_BY}{after.assignee_id}"))
    if event.kind is EventKind.PRAISE and event.target_id is not None:
        found.append(Tally(on(event.at), department, f"{PRAISED}{event.target_id}"))
    if event.kind is EventKind.CALLBACK and event.verdict is not None:
        found.append(Tally(on(event.at), department, event.verdict.value))
    if event.kind is EventKind.CALLBACK:
        answered = [
            CONTACT_FIELDS.get(event.contacted) if event.contacted else None,
            SOLVED_FIELDS.get(event.solved) if event.solved else None,
        ]
        found += [Tally(on(event.at), department, name) for name in answered if name]
    if event.spell is not None and event.spell_due_at is not None and event.spell_department:
        measure = _ended_in_time(event, event.spell, event.spell_due_at)
        if measure is not None:
            found.append(Tally(on(event.spell_due_at), event.spell_department, measure))
    if _merged_while_accepted(event, before):
        # Its acceptance, never to be closed: not one the closing rate waits for (the problem
        # counts once, by the issue it was merged into). `_ACCEPTED_MERGED` in storage counts
        # the same from the timeline.
        assert before is not None and before.accepted_at is not None
        found.append(Tally(on(before.accepted_at), before.department, "accepted", -1))
    if event.kind is EventKind.CONFIRMED:
        if before is not None and before.closures == 0 and before.accepted_at is not None:
            found.append(Tally(on(before.accepted_at), department, "accepted_then_closed"))
        if after.assignee_id is not None:
            found.append(Tally(on(event.at), department, f"{CLOSED_BY}{after.assignee_id}"))
    return found


def whole_days(
    start: datetime, end: datetime, zone: ZoneInfo
) -> tuple[list[tuple[datetime, datetime]], tuple[date, date] | None]:
    """Split [start, end) into the whole local days between (for the daily figures) and the
    pieces of days at either end (to count from the timeline)."""
    first = start.astimezone(zone)
    first_day = first.date() if first.time() == time() else first.date() + timedelta(days=1)
    last_day = end.astimezone(zone).date()  # the day `end` falls in is not whole (or is empty)
    if first_day >= last_day:
        return [(start, end)], None
    pieces = []
    head_end = datetime.combine(first_day, time(), zone)
    if start < head_end:
        pieces.append((start, head_end))
    tail_start = datetime.combine(last_day, time(), zone)
    if tail_start < end:
        pieces.append((tail_start, end))
    return pieces, (first_day, last_day)


WAIT = "q"  # the type of `DepartmentCounts`' waits: 64-bit signed integers


@dataclass
class DepartmentCounts:
    """What storage counts for one department and period (all zero when nothing happened)."""

    department: str
    handoffs_due: int = 0
    withdrawn_before_due: int = 0
    answered_in_time: int = 0
    resolutions_due: int = 0
    transferred_before_due: int = 0
    resolved_in_time: int = 0
    accepted: int = 0
    accepted_then_closed: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0
    unreachable: int = 0
    contacted: int = 0
    not_contacted: int = 0
    solved: int = 0
    partly_solved: int = 0
    not_solved: int = 0
    reopened: int = 0
    resolved: int = 0
    returned: int = 0
    received: int = 0
    praise: int = 0
    closed: int = 0  # confirmed closings (结案)
    complaints: int = 0  # complaints handed to the department (logged, or re-routed to it)
    repeat_calls: int = 0  # citizens calling again about its open issues (重复来电, 催单)
    duplicates: int = 0  # reports linked to its open issues as the same problem (重复件)
    open_now: int = 0
    overdue_now: int = 0
    # Every wait ended in the period, in seconds, for the medians: a year in a big city has a
    # million, held as 8 bytes each (a list of ints takes 36: 33 MB more at a million issues).
    accept_seconds: array[int] = field(default_factory=lambda: array(WAIT))
    resolve_seconds: array[int] = field(default_factory=lambda: array(WAIT))

    def add(self, other: DepartmentCounts) -> None:
        """Add another count of the same department (another stretch of time) to this one."""
        for name in _ADDITIVE:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.accept_seconds += other.accept_seconds
        self.resolve_seconds += other.resolve_seconds


_ADDITIVE = [
    f.name
    for f in fields(DepartmentCounts)
    if f.type == "int" and f.name not in ("open_now", "overdue_now")
]
MEASURES = frozenset(_ADDITIVE)


@dataclass(frozen=True)
class DepartmentMetrics:
    department: str
    counts: DepartmentCounts
    on_time_acceptance_rate: float | None
    on_time_resolution_rate: float | None
    closing_rate: float | None
    contact_rate: float | None
    solved_rate: float | None
    satisfaction_rate: float | None
    complaint_rate: float | None
    praise_rate: float | None
    reopen_rate: float | None
    return_rate: float | None
    median_to_accept: timedelta | None
    median_to_resolve: timedelta | None
    # The composite score departments are ranked by (`ranked`), 0 to 1; None until ranked, and
    # for a department with no data on any rate the score weighs.
    score: float | None = None

    def ranked_rate(self, name: str) -> float | None:
        """One of `RANKED_RATES`."""
        value: float | None = getattr(self, name)
        return value

    @property
    def has_ranked_rates(self) -> bool:
        """Whether any of the rates departments are ranked by has data."""
        return any(self.ranked_rate(name) is not None for name in RANKED_RATES)


# The citizen's rates, from the call-back's answers (hotlines' 三率: 联系, 解决, 满意) …
CITIZEN_RATES = ("contact_rate", "solved_rate", "satisfaction_rate")
# … and the process rates, from the department's own steps, that the score weighs too.
PROCESS_RATES = ("on_time_acceptance_rate", "on_time_resolution_rate")
# The rates the composite score weighs, in the order reports show them: the citizen's first.
# (A rate where less is better, such as a complaint rate, goes in `LOWER_IS_BETTER` too: the
# score counts 1 − rate for it.)
RANKED_RATES = (*CITIZEN_RATES, *PROCESS_RATES)
LOWER_IS_BETTER: frozenset[str] = frozenset()

# What a "partly solved" answer counts for in the solved rate: half. Counted as solved, the
# rate could not tell a department that half-fixes everything from one that fixes it (the
# closing rule already lets "partly" close an issue when the citizen is satisfied); counted as
# not solved, it would punish the work done. Half is the neutral value between the two
# (README, "Metrics").
PARTLY_SOLVED = 0.5


@dataclass(frozen=True)
class Held:
    """What a person holds now: the issues in progress (accepted, not yet resolved) assigned
    to them, and how many of those are past their resolution deadline."""

    open: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class PersonLoad:
    """A member's or head's work: what they hold now, the confirmed closings and resolutions
    in the period of issues assigned to them at the time, and the complaints naming them and
    the praise of them in the period (seen only by coordinators and their head)."""

    staff_id: int
    name: str
    department: str | None
    open_held: int
    closed_in_period: int
    overdue_held: int = 0  # of `open_held`, past their resolution deadline now
    resolved_in_period: int = 0
    complaints: int | None = 0  # None: not for this reader's eyes (their own line)
    praised: int = 0

    @property
    def complaint_rate(self) -> float | None:
        """Complaints naming them ÷ resolutions of issues assigned to them, in the period."""
        if self.complaints is None:
            return None
        return rate(self.complaints, self.resolved_in_period)

    @property
    def praise_rate(self) -> float | None:
        """Praise of them ÷ closings of issues assigned to them, in the period."""
        return rate(self.praised, self.closed_in_period)


@dataclass
class PersonCounts:
    """What the daily figures (or the timeline) count for one person in a period."""

    closed: int = 0
    resolved: int = 0
    complaints: int = 0
    praised: int = 0

    def add(self, measure: str, value: int) -> None:
        """Add a per-person measure's value (`closed_by:7` adds to `closed`)."""
        prefix = measure[: measure.index(":") + 1]
        name = _PERSON_FIELDS[prefix]
        setattr(self, name, getattr(self, name) + value)


_PERSON_FIELDS = {
    "closed_by:": "closed",
    "resolved_by:": "resolved",
    "complained_of:": "complaints",
    "praised:": "praised",
}


def person_of(measure: str) -> int | None:
    """The person a per-person measure is of (`closed_by:7` → 7), or None."""
    prefix, _, person = measure.partition(":")
    return int(person) if f"{prefix}:" in _PERSON_FIELDS and person.isdigit() else None


def least_loaded_first(people: Iterable[Staff], held: Mapping[int, Held]) -> list[Staff]:
    """Whom an issue may be assigned to, in the order a head should think of them: the fewest
    issues in hand first, then the fewest overdue, then by name (and by id, for two people
    of one name). Someone holding nothing is not in `held`."""

    def load(person: Staff) -> tuple[int, int, str, int]:
        h = held.get(person.id, Held())
        return h.open, h.overdue, person.name, person.id

    return sorted(people, key=load)


# A department's loads are uneven (忙闲不均) when its busiest person holds at least
# UNEVEN_RATIO times the mean of the department's people (its active members and heads: whom
# an issue can be assigned to), and at least UNEVEN_FLOOR issues. The ratio is what "some are
# swamped while others are idle" means whatever the department's size or pace: the busiest
# holding twice the average. The floor keeps small numbers quiet: at a mean of one issue each,
# issues landing at random give someone 3 in a third of five-person departments (Poisson), 5
# in 2 %; and nobody holding fewer than 5 is swamped. README "Metrics" states it too.
UNEVEN_RATIO = 2
UNEVEN_FLOOR = 5


@dataclass(frozen=True)
class Imbalance:
    """A department whose loads are uneven: its busiest person, and the mean load of its
    people."""

    department: str
    busiest: PersonLoad
    people: int  # how many share the mean (active members and heads)
    held: int  # issues they hold, all together

    @property
    def mean(self) -> float:
        return self.held / self.people

    @property
    def ratio(self) -> float:
        return self.busiest.open_held / self.mean


def imbalance(department: str, loads: Sequence[PersonLoad]) -> Imbalance | None:
    """Whether the loads of a department's people (`loads`, every active member and head of
    it) are uneven: the busiest holds at least `UNEVEN_FLOOR` issues and `UNEVEN_RATIO` times
    the mean (ties: the first by name). None if not."""
    held = sum(p.open_held for p in loads)
    if held == 0:
        return None
    busiest = min(loads, key=lambda p: (-p.open_held, p.name, p.staff_id))
    # busiest / (held / people) >= ratio, in whole numbers: no rounding at the threshold
    if busiest.open_held < UNEVEN_FLOOR or busiest.open_held * len(loads) < UNEVEN_RATIO * held:
        return None
    return Imbalance(department, busiest, len(loads), held)


def uneven(workload: Iterable[PersonLoad]) -> list[Imbalance]:
    """The departments whose loads are uneven (`imbalance`), the most uneven first."""
    by_department: dict[str, list[PersonLoad]] = {}
    for person in workload:
        if person.department is not None:
            by_department.setdefault(person.department, []).append(person)
    found = [
        found
        for department, loads in by_department.items()
        if (found := imbalance(department, loads)) is not None
    ]
    return sorted(found, key=lambda i: (-i.ratio, i.department))


def rate(part: float, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def median(seconds: Sequence[int]) -> timedelta | None:
    return timedelta(seconds=statistics.median(seconds)) if seconds else None


def fraction(counts: DepartmentCounts, name: str) -> tuple[float, int]:
    """The part and the whole of one of `RANKED_RATES` (the part of the solved rate may be a
    half: `PARTLY_SOLVED`)."""
    c = counts
    match name:
        case "on_time_acceptance_rate":
            return c.answered_in_time, c.handoffs_due - c.withdrawn_before_due
        case "on_time_resolution_rate":
            return c.resolved_in_time, c.resolutions_due - c.transferred_before_due
        case "contact_rate":
            return c.contacted, c.contacted + c.not_contacted
        case "solved_rate":
            return (
                c.solved + PARTLY_SOLVED * c.partly_solved,
                c.solved + c.partly_solved + c.not_solved,
            )
        case "satisfaction_rate":
            liked = c.satisfied + c.basically_satisfied
            return liked, liked + c.dissatisfied
    raise ValueError(name)


def compute(counts: DepartmentCounts) -> DepartmentMetrics:
    return DepartmentMetrics(
        department=counts.department,
        counts=counts,
        on_time_acceptance_rate=rate(*fraction(counts, "on_time_acceptance_rate")),
        on_time_resolution_rate=rate(*fraction(counts, "on_time_resolution_rate")),
        closing_rate=rate(counts.accepted_then_closed, counts.accepted),
        contact_rate=rate(*fraction(counts, "contact_rate")),
        solved_rate=rate(*fraction(counts, "solved_rate")),
        satisfaction_rate=rate(*fraction(counts, "satisfaction_rate")),
        complaint_rate=rate(counts.complaints, counts.resolved),
        praise_rate=rate(counts.praise, counts.closed),
        reopen_rate=rate(counts.reopened, counts.resolved),
        return_rate=rate(counts.returned, counts.received),
        median_to_accept=median(counts.accept_seconds),
        median_to_resolve=median(counts.resolve_seconds),
    )


# What each rate weighs in the composite score when the organisation file's `[evaluation]`
# says nothing (README, "Metrics": why these). The citizen's rates weigh 75 %, the process
# rates 25 %: what the citizen says happened counts more than the department's own clicks.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "contact_rate": 0.15,
    "solved_rate": 0.30,
    "satisfaction_rate": 0.30,
    "on_time_acceptance_rate": 0.10,
    "on_time_resolution_rate": 0.15,
}


def scored(
    metrics: list[DepartmentMetrics], weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> list[DepartmentMetrics]:
    """The departments with their composite score: the weighted mean of `RANKED_RATES`
    (`weights`, a rate missing from them weighs nothing; a rate where less is better counts
    as 1 − rate). A rate a department has no data on counts as the district's median of it
    (the median of the departments that have it): no data is no reward (as 100 % would be, or
    leaving the rate out of the mean, which let a department with one good rate outrank those
    with all of them), nor a penalty (as 0 % would be: a rate can lack data for reasons not
    the department's, a call-back nobody recorded). A rate no department has data on is left
    out for all (the others' weights then count for the whole). Departments with no data on
    any of the rates have no score (None)."""
    medians = {}
    for name in RANKED_RATES:
        known = [r for m in metrics if (r := m.ranked_rate(name)) is not None]
        if known and weights.get(name, 0) > 0:
            medians[name] = statistics.median(known)
    weighed = sum(weights[name] for name in medians)

    def score(m: DepartmentMetrics) -> float | None:
        if not m.has_ranked_rates or not weighed:
            return None
        found = 0.0
        for name, middle in medians.items():
            value = middle if (r := m.ranked_rate(name)) is None else r
            found += weights[name] * (1 - value if name in LOWER_IS_BETTER else value)
        return found / weighed

    return [replace(m, score=score(m)) for m in metrics]


def ranked(
    metrics: list[DepartmentMetrics], weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> list[DepartmentMetrics]:
    """Best first, by the composite score (`scored`). Departments with no data on any of the
    `RANKED_RATES` come last; ties keep the order given."""
    found = scored(metrics, weights)
    with_data = [m for m in found if m.has_ranked_rates]
    without = [m for m in found if not m.has_ranked_rates]
    return sorted(with_data, key=lambda m: m.score or 0.0, reverse=True) + without


# The code a whole district's figures go under (no department has it: codes begin with a
# letter).
DISTRICT = "*"


def total(parts: Iterable[DepartmentCounts], code: str = DISTRICT) -> DepartmentCounts:
    """Counts of several departments (or days) added up."""
    counts = DepartmentCounts(code)
    for part in parts:
        counts.add(part)
    return counts


@dataclass(frozen=True)
class DayCounts:
    """One day's counts of a department, and of the whole district (the department's too)."""

    day: date
    department: DepartmentCounts
    district: DepartmentCounts


@dataclass(frozen=True)
class Stretch:
    """A part of a period, from `first` to `last` (both days included): a point on a head's
    chart of their department against the district over time."""

    first: date
    last: date
    department: DepartmentMetrics
    district: DepartmentMetrics


DAYS_BY_DAY = 14  # a period up to two weeks is shown day by day …
DAYS_BY_WEEK = 92  # … up to three months week by week, beyond month by month


def stride(first: date, last: date) -> str:
    """How a chart over time steps through the days `first` to `last` (both included): `day`,
    `week` or `month`."""
    days = (last - first).days + 1
    return "day" if days <= DAYS_BY_DAY else "week" if days <= DAYS_BY_WEEK else "month"


def stretches(first: date, last: date) -> list[tuple[date, date]]:
    """The days `first` to `last` (both included) in the parts a chart over time shows
    (`stride`): days, weeks from the first day (a remainder shorter than half a week joins the
    week before it, so that no point stands for a day or two), or calendar months."""
    if last < first:
        return []
    days = (last - first).days + 1
    match stride(first, last):
        case "day":
            return [(first + timedelta(days=n), first + timedelta(days=n)) for n in range(days)]
        case "week":
            starts = [first + timedelta(days=n) for n in range(0, days, 7)]
            if len(starts) > 1 and (last - starts[-1]).days + 1 < 4:
                starts.pop()
            ends = [start - timedelta(days=1) for start in starts[1:]] + [last]
            return list(zip(starts, ends, strict=True))
    found = []
    start = first
    while start <= last:
        next_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        found.append((start, min(next_month - timedelta(days=1), last)))
        start = next_month
    return found
