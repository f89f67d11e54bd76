"""Drills (模拟场景演练): guided training scenarios beside the playground's phones.

Each drill is a data file, `playground/drills/*.toml`: its task and its steps in Chinese and
English, who takes each step (one of the playground's people, `PEOPLE`), and what ticks it: a
kind of step on an issue's timeline (`casework.issues.EventKind`), or `escalated` (the
coordinators were told an issue is overdue: 督办), with conditions (the department it goes to,
the category, the source, the person assigned, what a call-back's answers did to it).

`progress` reads what ticks the steps from the store, never from the page's clicks: the issues
logged since the drill began, their timelines, and the reminders the people escalations go to
were sent. The steps follow one issue (the first step's), in order: a later step does not count
before an earlier one. A step taken otherwise than the drill says (another department, another
person) does not tick, and is a mistake; so is a step taken too early. The mistakes' words come
from the translation catalogs; the drills' own words from their files.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypedDict, TypeVar

from casework.issues import CallbackOutcome, Event, EventKind, Issue, Source, callback_outcome
from casework.organisation import Organisation
from casework.outbox import Listed
from casework.people import Staff
from casework.reminders import RungKind
from casework.services import Deps
from rendering.i18n import Texts, plain, texts
from rendering.labels import category_name, department_name, source_name

DRILLS = Path(__file__).resolve().parent / "drills"
# The playground's people (playground/district.toml names who each is).
PEOPLE = ("worker", "hotline", "head1", "head2", "member", "coordinator")
# Not a step on a timeline: the coordinators were told the issue is overdue (督办).
ESCALATED = "escalated"
# What a drill reads at most: issues logged since it began, and reminders to one person.
ISSUES_READ = 200
REMINDERS_READ = 500
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
E = TypeVar("E", bound=StrEnum)


class Text(TypedDict):
    """Words in each language the playground speaks."""

    zh: str
    en: str


class Check(StrEnum):
    """What a step asks of the step that ticks it; each, not met, is a mistake (if the step
    counts it as one, `Step.mistakes`)."""

    PERSON = "person"  # taken by the step's person (for an escalation: told to them)
    DEPARTMENT = "department"  # going to (or at) this department
    CATEGORY = "category"
    SOURCE = "source"  # where the report came from (a community visit …)
    TARGET = "target"  # assigned to this person
    OUTCOME = "outcome"  # what the call-back's answers did (结案, 重办 …)
    ORDER = "order"  # not taken before the steps before it


@dataclass(frozen=True)
class Step:
    text: Text
    who: str  # a key of PEOPLE
    event: str  # an EventKind's value, or ESCALATED
    department: str | None = None
    category: str | None = None
    source: Source | None = None
    target: str | None = None  # a key of PEOPLE
    outcome: CallbackOutcome | None = None
    mistakes: frozenset[Check] = frozenset()


@dataclass(frozen=True)
class Drill:
    id: str
    title: Text
    task: Text
    steps: tuple[Step, ...]


class DrillError(ValueError):
    """A drill file that cannot be used: the message names the file and what is wrong."""


# ------------------------------------------------------------------------------ loading

_DRILL_KEYS = {"id", "title", "task", "steps"}
_STEP_KEYS = {"text", "who", "event", "mistakes", *(c.value for c in Check)} - {"person", "order"}
_EVENTS = {*(k.value for k in EventKind), ESCALATED}


def load_drills(folder: Path = DRILLS) -> list[Drill]:
    """Every drill of the folder, by file name; a file that is not a valid drill (or a second
    one with the same id) raises `DrillError` naming it."""
    drills: list[Drill] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        drill = load_drill(path)
        if drill.id in seen:
            raise DrillError(f"{path}: id {drill.id!r} is taken by {seen[drill.id]}")
        seen[drill.id] = path
        drills.append(drill)
    return drills


def load_drill(path: Path) -> Drill:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
        return _drill(data)
    except (tomllib.TOMLDecodeError, _Invalid) as problem:
        raise DrillError(f"{path}: {problem}") from None


class _Invalid(Exception):
    pass


def _drill(data: Mapping[str, Any]) -> Drill:
    _known(data, _DRILL_KEYS, "the drill")
    drill_id = data.get("id")
    if not isinstance(drill_id, str) or not _ID.fullmatch(drill_id):
        raise _Invalid("id must be lower-case letters, digits, '_' or '-'")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise _Invalid("no [[steps]]")
    return Drill(
        id=drill_id,
        title=_text(data.get("title"), "title"),
        task=_text(data.get("task"), "task"),
        steps=tuple(_step(step, n) for n, step in enumerate(steps, 1)),
    )


def _step(data: object, n: int) -> Step:
    where = f"step {n}"
    if not isinstance(data, dict):
        raise _Invalid(f"{where} is not a table")
    _known(data, _STEP_KEYS, where)
    who = _person(data.get("who"), f"{where}: who")
    event = data.get("event")
    if event not in _EVENTS:
        raise _Invalid(f"{where}: unknown event {event!r} (one of: {', '.join(sorted(_EVENTS))})")
    assert isinstance(event, str)
    target = data.get("target")
    if target is not None:
        target = _person(target, f"{where}: target")
        if event != EventKind.ASSIGNED:
            raise _Invalid(f"{where}: a target is for an 'assigned' step")
    outcome = _choice(data.get("outcome"), CallbackOutcome, f"{where}: outcome")
    if outcome is not None and event != EventKind.CALLBACK:
        raise _Invalid(f"{where}: an outcome is for a 'callback' step")
    step = Step(
        text=_text(data.get("text"), f"{where}: text"),
        who=who,
        event=event,
        department=_code(data.get("department"), f"{where}: department"),
        category=_code(data.get("category"), f"{where}: category"),
        source=_choice(data.get("source"), Source, f"{where}: source"),
        target=target,
        outcome=outcome,
    )
    asked = {check for check in Check if _asks(step, check)}
    mistakes = data.get("mistakes")
    if mistakes is None:  # by default, whatever the step asks
        return _with_mistakes(step, asked)
    if not isinstance(mistakes, list):
        raise _Invalid(f"{where}: mistakes must be a list")
    chosen = {_choice(m, Check, f"{where}: mistakes") for m in mistakes}
    if not chosen <= asked:
        extra = ", ".join(sorted(str(c) for c in chosen - asked))
        raise _Invalid(f"{where}: mistakes name what the step does not ask: {extra}")
    return _with_mistakes(step, {c for c in chosen if c is not None})


def _with_mistakes(step: Step, mistakes: Iterable[Check]) -> Step:
    return dataclasses.replace(step, mistakes=frozenset(mistakes))


def _asks(step: Step, check: Check) -> bool:
    match check:
        case Check.PERSON:
            return step.event != ESCALATED  # the coordinators are told, whoever they are
        case Check.ORDER:
            return True
    return getattr(step, check.value) is not None


def _known(data: Mapping[str, Any], keys: set[str], where: str) -> None:
    unknown = sorted(set(data) - keys)
    if unknown:
        raise _Invalid(f"{where}: unknown key {', '.join(unknown)}")


def _text(value: object, where: str) -> Text:
    if not isinstance(value, dict):
        raise _Invalid(f"{where} needs zh and en")
    _known(value, {"zh", "en"}, where)
    for language in ("zh", "en"):
        words = value.get(language)
        if not isinstance(words, str) or not words.strip():
            raise _Invalid(f"{where}: {language} is missing")
    return Text(zh=value["zh"].strip(), en=value["en"].strip())


def _person(value: object, where: str) -> str:
    if value not in PEOPLE:
        raise _Invalid(f"{where}: unknown person {value!r} (one of: {', '.join(PEOPLE)})")
    assert isinstance(value, str)
    return value


def _code(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise _Invalid(f"{where}: not a code: {value!r}")
    return value


def _choice(value: object, kind: type[E], where: str) -> E | None:
    if value is None:
        return None
    known = [k.value for k in kind]
    if not isinstance(value, str) or value not in known:
        raise _Invalid(f"{where}: unknown {value!r} (one of: {', '.join(known)})")
    return kind(value)


def unknown_codes(drill: Drill, org: Organisation) -> list[str]:
    """The departments and categories the drill names that the organisation does not have."""
    found = []
    for step in drill.steps:
        if step.department is not None and org.department(step.department) is None:
            found.append(f"department {step.department!r}")
        if step.category is not None and org.category(step.category) is None:
            found.append(f"category {step.category!r}")
    return found


# ------------------------------------------------------------------------------ progress


@dataclass(frozen=True)
class StepProgress:
    step: Step
    done_at: datetime | None  # by the bot's clock

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class Progress:
    drill: Drill
    started: datetime
    steps: tuple[StepProgress, ...]
    mistakes: tuple[Text, ...]  # in the order they were made

    @property
    def finished(self) -> bool:
        return all(s.done for s in self.steps)

    @property
    def finished_at(self) -> datetime | None:
        return self.steps[-1].done_at if self.finished else None

    @property
    def seconds(self) -> int | None:
        """From the start to the step that finished it, by the bot's clock; None until then."""
        if self.finished_at is None:
            return None
        return max(0, int((self.finished_at - self.started).total_seconds()))

    def to_json(self) -> dict[str, Any]:
        """As the page's API gives it (playground/web.py); `mistakes` beside the summary
        are those made so far, to show as they happen."""
        mistakes = [dict(m) for m in self.mistakes]
        return {
            "id": self.drill.id,
            "title": dict(self.drill.title),
            "task": dict(self.drill.task),
            "steps": [
                {"text": dict(s.step.text), "who": s.step.who, "done": s.done} for s in self.steps
            ],
            "finished": self.finished,
            "summary": ({"seconds": self.seconds, "mistakes": mistakes} if self.finished else None),
            "mistakes": mistakes,
        }


@dataclass(frozen=True)
class _Seen:
    """Something that happened to an issue: a step on its timeline, or an escalation."""

    at: datetime
    order: tuple[int, int]  # escalations first within a second, then the timeline's order
    issue: Issue
    kind: str  # an EventKind's value, or ESCALATED
    actor: Staff | None  # who took the step; for an escalation, who was told
    event: Event | None = None


@dataclass
class _Reading:
    """What `progress` read, and the names it says mistakes with."""

    deps: Deps
    keys: Mapping[int, str]  # Telegram id -> person key
    staff: dict[int, Staff] = field(default_factory=dict)  # by staff id
    expected: dict[str, Staff] = field(default_factory=dict)  # by person key

    def key_of(self, person: Staff | None) -> str | None:
        return None if person is None else self.keys.get(person.telegram_id)


async def progress(
    deps: Deps,
    drill: Drill,
    started: datetime,
    people: Mapping[int, str],
    now: datetime,
    before: Collection[int] = (),
) -> Progress:
    """How far the drill has come since `started`: what ticks its steps, read from the store
    (`people`: the playground's Telegram ids and their keys). Steps after `now` do not count,
    nor do the issues in `before` (logged before it began, in its first second: the store
    keeps whole seconds)."""
    reading = _Reading(deps, people)
    seen = await _read(reading, drill, started, now, before)
    done: list[datetime | None] = [None] * len(drill.steps)
    mistakes: list[Text] = []
    early: set[int] = set()
    followed: int | None = None  # the issue the drill follows, once its first step is taken
    at = 0  # the step to take next
    tried = False  # the step to take next was taken, otherwise than the drill says
    for happened in seen:
        if at == len(drill.steps):
            break
        if followed is not None and happened.issue.id != followed:
            continue
        step = drill.steps[at]
        if happened.kind == step.event:
            unmet = _unmet(step, happened, reading)
            mistakes.extend(m for check in unmet if (m := _mistake(check, step, happened, reading)))
            # Taken as asked, but by someone else: the step is done (it cannot be taken again:
            # an issue is accepted once) and the mistake stays for the summary.
            if not [check for check in unmet if check is not Check.PERSON]:
                done[at], followed, at, tried = happened.at, happened.issue.id, at + 1, False
                continue
            tried = tried or followed is not None
            continue
        if followed is None or tried:  # what follows a step taken wrongly is not early
            continue
        for later in range(at + 1, len(drill.steps)):
            ahead = drill.steps[later]
            if (
                later not in early
                and Check.ORDER in ahead.mistakes
                and happened.kind == ahead.event
                and not _unmet(ahead, happened, reading)
            ):
                early.add(later)
                mistakes.append(_too_early(ahead, step))
    return Progress(
        drill=drill,
        started=started,
        steps=tuple(StepProgress(s, d) for s, d in zip(drill.steps, done, strict=True)),
        mistakes=tuple(mistakes_once(mistakes)),
    )


def mistakes_once(mistakes: list[Text]) -> list[Text]:
    """Each mistake once (the same wrong step read twice says nothing new), in order."""
    seen: dict[tuple[str, str], Text] = {}
    for mistake in mistakes:
        seen.setdefault((mistake["zh"], mistake["en"]), mistake)
    return list(seen.values())


async def _read(
    reading: _Reading, drill: Drill, started: datetime, now: datetime, before: Collection[int]
) -> list[_Seen]:
    ids = {key: telegram_id for telegram_id, key in reading.keys.items()}
    told = {step.who for step in drill.steps if step.event == ESCALATED and step.who in ids}
    events: list[tuple[Issue, Event]] = []
    escalations: list[tuple[Issue, int, datetime, int]] = []  # issue, chat, when, outbox id
    async with reading.deps.store.reading() as tx:
        logged = await tx.issues.logged_since(started, ISSUES_READ)
        issues = {i.id: i for i in logged if i.id not in before}
        for issue in issues.values():
            events.extend((issue, e) for e in await tx.timeline.of_issue(issue.id))
        for key in sorted(told):
            for item in await tx.outbox.reminders_to(ids[key], started, REMINDERS_READ):
                for listed in Listed.of(item):
                    if listed.rung == RungKind.ESCALATION and listed.issue_id in issues:
                        issue = issues[listed.issue_id]
                        # Told when it was due to go: queued at the sweep, it may wait for
                        # the end of quiet hours.
                        told_at = max(item.created_at, item.due_at)
                        escalations.append((issue, ids[key], told_at, item.id or 0))
        named = {e.actor_id for _, e in events} | {e.target_id for _, e in events}
        reading.staff = await tx.staff.by_ids(i for i in named if i is not None)
        for key, telegram_id in ids.items():
            person = await tx.staff.by_telegram_id(telegram_id)
            if person is not None:
                reading.expected[key] = person
    by_telegram = {p.telegram_id: p for p in reading.expected.values()}
    seen = [
        _Seen(e.at, (1, e.id or 0), issue, e.kind.value, reading.staff.get(e.actor_id or 0), e)
        for issue, e in events
    ]
    seen.extend(
        _Seen(at, (0, item), issue, ESCALATED, by_telegram.get(chat))
        for issue, chat, at, item in escalations
    )
    return sorted((s for s in seen if s.at <= now), key=lambda s: (s.at, s.order))


def _unmet(step: Step, happened: _Seen, reading: _Reading) -> list[Check]:
    """What of the step's conditions the step taken does not meet, in the order of `Check`."""
    unmet = []
    # (An escalation told someone else does not tick either; it is no mistake: `_asks`.)
    if reading.key_of(happened.actor) != step.who:
        unmet.append(Check.PERSON)
    actual = _actual(happened, reading)
    unmet.extend(
        check
        for check, wanted in (
            (Check.DEPARTMENT, step.department),
            (Check.CATEGORY, step.category),
            (Check.SOURCE, step.source),
            (Check.TARGET, step.target),
            (Check.OUTCOME, step.outcome),
        )
        if wanted is not None and actual[check] != wanted
    )
    return unmet


def _actual(happened: _Seen, reading: _Reading) -> dict[Check, object]:
    event, issue = happened.event, happened.issue
    target = reading.staff.get(event.target_id) if event and event.target_id else None
    return {
        # The department the step concerns: where it went (logged, re-routed, transferred), or
        # where it was.
        Check.DEPARTMENT: (event.department if event else None) or issue.department,
        Check.CATEGORY: issue.category,
        Check.SOURCE: issue.source,
        Check.TARGET: reading.key_of(target),
        Check.OUTCOME: callback_outcome(event)
        if event and event.kind is EventKind.CALLBACK
        else None,
    }


def _mistake(check: Check, step: Step, happened: _Seen, reading: _Reading) -> Text | None:
    if check not in step.mistakes:
        return None
    return _both(lambda t: _words(check, step, happened, reading, t))


def _words(check: Check, step: Step, happened: _Seen, reading: _Reading, t: Texts) -> str:
    org = reading.deps.org
    actual = _actual(happened, reading)
    match check:
        case Check.PERSON:
            return t._(
                "This step ({step}) was for {expected} to take, but {actual} took it.",
                step=step.text["en" if t.language == "en" else "zh"],
                expected=_name(reading.expected.get(step.who), step.who),
                actual=_name(happened.actor, "?"),
            )
        case Check.DEPARTMENT:
            return t._(
                "Sent to the wrong department: it should have gone to {expected}, it went to"
                " {actual}.",
                expected=department_name(step.department, org, t),
                actual=department_name(str(actual[check]), org, t),
            )
        case Check.CATEGORY:
            assert step.category is not None
            return t._(
                "The wrong category: it is “{expected}”, “{actual}” was chosen.",
                expected=category_name(step.category, org, t),
                actual=category_name(str(actual[check]), org, t),
            )
        case Check.SOURCE:
            assert step.source is not None and isinstance(actual[check], Source)
            return t._(
                "The wrong source: it came from “{expected}”, “{actual}” was chosen.",
                expected=source_name(step.source, t),
                actual=source_name(actual[check], t),  # type: ignore[arg-type]
            )
        case Check.TARGET:
            assert step.target is not None
            target = happened.event.target_id if happened.event else None
            return t._(
                "Assigned to the wrong person: it was for {expected}, it went to {actual}.",
                expected=_name(reading.expected.get(step.target), step.target),
                actual=_name(reading.staff.get(target or 0), "?"),
            )
        case Check.OUTCOME:
            assert step.outcome is not None
            got = actual[check]
            return t._(
                "The call-back came out wrong: it should have {expected}, it {actual}.",
                expected=_outcome(step.outcome, t),
                actual=_outcome(got, t) if isinstance(got, CallbackOutcome) else "?",
            )
    raise AssertionError(f"no words for {check}")  # pragma: no cover


def _too_early(step: Step, before: Step) -> Text:
    return _both(
        lambda t: t._(
            "Too early: “{step}” comes after “{before}”.",
            step=step.text["en" if t.language == "en" else "zh"],
            before=before.text["en" if t.language == "en" else "zh"],
        )
    )


def _outcome(outcome: CallbackOutcome, t: Texts) -> str:
    match outcome:
        case CallbackOutcome.CLOSED:
            return t._("closed the issue")
        case CallbackOutcome.REDO:
            return t._("sent it back for rework")
        case CallbackOutcome.UNREACHED:
            return t._("found the citizen could not be reached")
        case CallbackOutcome.RECORDED:
            return t._("recorded a verdict only")
    raise AssertionError(outcome)  # pragma: no cover


def _name(person: Staff | None, otherwise: str) -> str:
    return person.name if person is not None else otherwise


def _both(words: Callable[[Texts], str]) -> Text:
    """The same words in each language, as plain text (the page shows no HTML there)."""
    return Text(zh=plain(words(texts("zh"))), en=plain(words(texts("en"))))
