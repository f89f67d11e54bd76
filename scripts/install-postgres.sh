#!/usr/bin/env bash
# PostgreSQL from Debian's packages, for the suite's run on PostgreSQL (TEST_DATABASE=postgresql):
# the tests start a throwaway server of their own from its initdb and pg_ctl
# (tests/postgres_server.py); nothing is configured or started here. Does nothing when it is
# installed already.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-postgres: needs root (or sudo) to install postgresql" >&2; exit 1; }
    sudo=(sudo)
fi
echo "install-postgres: installing postgresql (apt-get)"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# Debian's package starts a cluster of its own; the tests use their own, so it is not needed.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
