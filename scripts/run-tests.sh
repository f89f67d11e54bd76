#!/usr/bin/env bash
# Set up and run every quality gate: lint, format check, type check, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test
# The playground's browser test drives the system's Chromium (apt); without it (and without the
# rights to install it) the test is skipped outside CI, and fails in CI.
if ! ./scripts/install-browser.sh; then
    [ -z "${CI:-}" ] || exit 1
    echo "run-tests: no Chromium; the playground's browser test will be skipped" >&2
fi
# The suite runs twice: on SQLite, and on PostgreSQL (a throwaway server the tests start from
# the system's packages, installed here when missing). Without PostgreSQL (and without the
# rights to install it) the second run is skipped outside CI, and fails in CI.
postgres=1
if ! ./scripts/install-postgres.sh; then
    [ -z "${CI:-}" ] || exit 1
    echo "run-tests: no PostgreSQL; the suite runs on SQLite only" >&2
    postgres=0
fi
echo "== ruff check";  .venv/bin/ruff check .
echo "== ruff format"; .venv/bin/ruff format --check .
echo "== mypy";        .venv/bin/mypy
echo "== pytest on SQLite"
.venv/bin/pytest -n auto "$@"  # on every core (pytest-xdist)
if [ "$postgres" = 1 ]; then
    echo "== pytest on PostgreSQL"
    TEST_DATABASE=postgresql .venv/bin/pytest -n auto "$@"
fi
