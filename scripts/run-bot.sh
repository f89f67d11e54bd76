#!/usr/bin/env bash
# Set up and start the bot. Needs BOT_TOKEN, in the environment or in .env.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ ! -f config/org.toml ] && [ -z "${ORG_FILE:-}" ]; then
    cp config/org.example.toml config/org.toml
    echo "run-bot: created config/org.toml from config/org.example.toml; edit it for your district"
fi
exec .venv/bin/python bot.py "$@"
