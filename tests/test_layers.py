"""Imports run one way, and the store is chosen in one place: outside `storage/`, nothing
names an implementation of it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
# Everything but storage/ itself (and the tests and benchmarks, which build SQLite data sets).
OUTSIDE_STORAGE = [
    ROOT / "bot.py",
    *sorted(
        path
        for folder in ("casework", "config", "exports", "handlers", "rendering", "runtime")
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
