"""Storage's SQL names event kinds, statuses and roles through casework's enums, never typed
again: a kind renamed or removed in `casework` cannot silently drop out of a figure."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

import storage.repositories.metrics
from casework.issues import EventKind, IssueKind, Spell, Status, Verdict
from casework.outbox import OutboxKind
from casework.people import AccessAction
from casework.roles import Role
from storage.repositories.sql import literal, literals

STORAGE = Path(storage.__file__).parent
CONSTANTS: tuple[type[StrEnum], ...] = (
    EventKind, Status, Spell, Verdict, Role, OutboxKind, AccessAction, IssueKind,
)  # fmt: skip
QUOTED = re.compile(r"'([a-z_]+)'")


def queries_of(module: object) -> dict[str, str]:
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, str) and "SELECT" in value
    }


def test_the_figures_queries_name_only_kinds_that_exist() -> None:
    queries = queries_of(storage.repositories.metrics)
    kinds = {
        # An event's kind (`kind`, `e.kind`), not an issue's (`issue_kind`: case or complaint).
        name: re.findall(r"(?<!_)kind (?:IN \(([^)]*)\)|= ('[a-z_]+'))", sql)
        for name, sql in queries.items()
    }
    named = {
        word
        for found in kinds.values()
        for match in found
        for part in match
        for word in QUOTED.findall(part)
    }
    every_literal = {word for sql in queries.values() for word in QUOTED.findall(sql)}

    assert len(queries) >= 9  # the module's queries were found
    assert named <= {kind.value for kind in EventKind}
    assert {"submitted", "accepted", "confirmed", "callback"} <= named
    known = (EventKind, Status, Spell, Role, IssueKind)
    assert every_literal <= {m.value for enum in known for m in enum}


def test_no_storage_module_types_a_constant_of_casework_again() -> None:
    values = {member.value for enum in CONSTANTS for member in enum}
    typed = {
        f"{path.relative_to(STORAGE)}:{number}: {word}"
        for path in sorted(STORAGE.rglob("*.py"))
        if path.name != "sql.py"  # the one place that writes them
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        for word in QUOTED.findall(line)
        if word in values
    }

    assert typed == set()


def test_a_constant_goes_into_sql_quoted_and_only_if_it_is_a_plain_word() -> None:
    class Odd(StrEnum):
        QUOTE = "it's"

    assert literal(Status.PENDING) == "'pending'"
    assert literals(Status.PENDING, Status.ACCEPTED) == "('pending', 'accepted')"
    with pytest.raises(ValueError, match="not a plain word"):
        literal(Odd.QUOTE)
    with pytest.raises(ValueError, match="matches nothing"):
        literals()
