"""Python 3.11, 3.12 and 3.13 are supported (README, "Deployment"): what newer Pythons refuse
is kept out of the code, and the suite fails on what they warn about."""

from __future__ import annotations

import re
import sqlite3
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
NUMBERED = re.compile(r"\?\d")  # `?1`: a numbered parameter, bound by name


def test_the_project_says_it_runs_on_python_3_11_to_3_13() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    setup = (ROOT / "scripts" / "setup.sh").read_text("utf-8")

    assert project["requires-python"] == ">=3.11,<3.14"
    assert "(3, 11) <= sys.version_info[:2] <= (3, 13)" in setup


def test_no_query_binds_numbered_parameters() -> None:
    # Bound to a sequence, `?1` is an error from Python 3.14: plain `?` or `:name` with a mapping.
    # The repositories' SQL (both engines'; storage/postgres/statements.py refuses `?1` itself).
    repositories = [*(ROOT / "storage" / "sqlite").rglob("*.py"), ROOT / "storage" / "sql_store.py"]
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(repositories)
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if NUMBERED.search(line)
    ]

    assert found == []


@pytest.mark.skipif(sys.version_info < (3, 12), reason="Python 3.11's sqlite3 binds it silently")
def test_a_named_parameter_bound_to_a_sequence_fails_the_suite() -> None:
    # pyproject.toml's filter turns what Python 3.12 and 3.13 only warn about into an error,
    # as 3.14 makes it. (3.12.1 warns of `?1` too; 3.13 no longer does: CPython kept numbered
    # parameters bound to a sequence. The test above keeps them out all the same.)
    conn = sqlite3.connect(":memory:")
    try:
        with pytest.raises((DeprecationWarning, sqlite3.ProgrammingError)):
            conn.execute("SELECT :a", (1,))
    finally:
        conn.close()
