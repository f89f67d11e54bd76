#!/usr/bin/env bash
# The system's Chromium for the playground's browser test (tests/test_playground_page.py), from
# Debian's packages, with the fonts a user's machine would have for the page's Chinese and the
# bot's emoji (so the screenshots read as a person sees them). Playwright drives this Chromium
# by path: it never downloads a browser of its own (`playwright install` is not run).
# Does nothing when they are all there already.
set -euo pipefail

wanted=(chromium fonts-noto-cjk fonts-noto-color-emoji)
missing=()
for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ -x /usr/bin/chromium ] && [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-browser: needs root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "install-browser: installing ${missing[*]} (apt-get)"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
test -x /usr/bin/chromium
