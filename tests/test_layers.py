"""Imports run one way (the rules and storage know no Telegram; no handler reaches the
machinery; rendering needs no handler), and the store is chosen in one place: outside
`storage/`, nothing names an implementation of it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
# Everything but storage/ itself (and the tests and benchmarks, which build SQLite data sets).
OUTSIDE_STORAGE = [
    ROOT / "bot.py",
    *sorted(
        path
        for folder in (
            "casework",
            "config",
            "dashboard",
            "exports",
            "handlers",
            "rendering",
            "runtime",
        )
        for path in (ROOT / folder).rglob("*.py")
    ),
]


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
    return found


def test_only_storage_knows_which_database_holds_the_store() -> None:
    offending = {
        str(path.relative_to(ROOT)): sorted(
            module for module in imported_modules(path) if module.startswith("storage.")
        )
        for path in OUTSIDE_STORAGE
    }

    assert {path: modules for path, modules in offending.items() if modules} == {}


def modules_of(folder: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(ROOT)): imported_modules(path)
        for path in sorted((ROOT / folder).rglob("*.py"))
    }


def offenders(folders: tuple[str, ...], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """The files of `folders` that import a module under one of `forbidden`."""
    found = {}
    for folder in folders:
        for path, modules in modules_of(folder).items():
            bad = sorted(m for m in modules if m.split(".")[0] in forbidden)
            if bad:
                found[path] = bad
    return found


def test_the_rules_and_the_storage_know_nothing_of_telegram() -> None:
    assert offenders(("casework", "storage"), ("telegram", "handlers", "runtime")) == {}


def test_no_handler_reaches_the_machinery_that_runs_the_bot() -> None:
    assert offenders(("handlers", "rendering", "exports"), ("runtime",)) == {}


def test_the_dashboard_reads_through_the_use_cases_and_knows_no_telegram_client() -> None:
    assert offenders(("dashboard",), ("telegram", "handlers", "runtime", "storage")) == {}


def test_what_people_read_is_made_without_handlers() -> None:
    assert offenders(("rendering",), ("handlers", "exports", "storage")) == {}
