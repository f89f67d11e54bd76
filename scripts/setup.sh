#!/usr/bin/env bash
# Prepare .venv for this checkout: install the project (and, with "test", its test tools)
# and compile the translation catalogs. Safe to run again: it reinstalls only when
# pyproject.toml has changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# The Pythons the project supports (pyproject.toml requires-python; README, "Deployment").
if ! .venv/bin/python -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))'; then
    echo "setup: .venv must be Python 3.11, 3.12 or 3.13 (found $(.venv/bin/python -V)); remove .venv and set PYTHON" >&2
    exit 2
fi

target="."
[ -n "$extras" ] && target=".[$extras]"
stamp=".venv/.setup-stamp-${extras:-run}"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "setup: installing $target into .venv (log: .venv/pip.log)"
    if ! { .venv/bin/python -m pip install --upgrade pip \
           && .venv/bin/python -m pip install -e "$target"; } >.venv/pip.log 2>&1; then
        tail -n 30 .venv/pip.log >&2
        echo "setup: pip install failed; the whole log is in .venv/pip.log" >&2
        exit 1
    fi
    echo "$wanted" > "$stamp"
fi

# The compiled catalogs (.mo) are build products, not committed.
if ! out=$(.venv/bin/pybabel compile --domain messages --directory locales 2>&1); then
    echo "$out" >&2
    exit 1
fi
