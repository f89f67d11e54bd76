#!/usr/bin/env bash
# Set up and start the bot. With BOT_TOKEN (in the environment or in .env) the bot runs for
# real; without one, the playground starts: the bot against its built-in Telegram, with a page
# of phones at http://127.0.0.1:8080 (PLAYGROUND_HOST, PLAYGROUND_PORT) and a sample district.
set -euo pipefail
cd "$(dirname "$0")/.."
has_token() {
    [ -n "${BOT_TOKEN:-}" ] && return 0
    [ -f .env ] && grep -Eiq '^[[:space:]]*(export[[:space:]]+)?BOT_TOKEN[[:space:]]*=[[:space:]]*[^[:space:]#]' .env
}
./scripts/setup.sh
if ! has_token; then
    echo "run-bot: no BOT_TOKEN; starting the playground (set BOT_TOKEN to run the bot for real)"
    exec .venv/bin/python bot.py playground "$@"
fi
if [ ! -f config/org.toml ] && [ -z "${ORG_FILE:-}" ]; then
    cp config/org.example.toml config/org.toml
    echo "run-bot: created config/org.toml from config/org.example.toml; edit it for your district"
fi
exec .venv/bin/python bot.py "$@"
