#!/usr/bin/env bash
# Set up and run every quality gate: lint, format check, type check, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test
echo "== ruff check";  .venv/bin/ruff check .
echo "== ruff format"; .venv/bin/ruff format --check .
echo "== mypy";        .venv/bin/mypy
echo "== pytest";      exec .venv/bin/pytest -n auto "$@"  # on every core (pytest-xdist)
