#!/usr/bin/env bash
# For developers: after changing user-facing strings, extract them into locales/messages.pot
# and merge that into both catalogs. New Chinese entries then need translating (the test
# tests/test_catalogs.py names them); English entries are filled with the source text.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test >/dev/null
.venv/bin/pybabel extract --project duban --no-location --sort-output \
    --keyword n_:1,2 --output-file locales/messages.pot bot.py casework config dashboard exports handlers playground rendering runtime 2>&1 | grep -v "^extracting" || true
for locale in zh_CN en; do
    po="locales/$locale/LC_MESSAGES/messages.po"
    if [ -f "$po" ]; then
        .venv/bin/pybabel update --no-fuzzy-matching --ignore-obsolete \
            --domain messages --input-file locales/messages.pot --output-dir locales --locale "$locale"
    else
        .venv/bin/pybabel init --domain messages --input-file locales/messages.pot \
            --output-dir locales --locale "$locale"
    fi
done
.venv/bin/python - <<'PY'
from babel.messages.pofile import read_po, write_po

# English entries are the source text; both catalogs are written the same way (pybabel update
# wraps at 76 columns), so a change of strings shows as just that in a diff.
for locale in ("en", "zh_CN"):
    path = f"locales/{locale}/LC_MESSAGES/messages.po"
    with open(path, "rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if locale != "en" or not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string):
                message.string = message.id
        elif not message.string:
            message.string = message.id
    with open(path, "wb") as f:
        write_po(f, catalog, no_location=True, sort_output=True, width=100)
PY
echo "catalogs updated; untranslated Chinese entries:"
grep -c '^msgstr ""$' locales/zh_CN/LC_MESSAGES/messages.po || true
