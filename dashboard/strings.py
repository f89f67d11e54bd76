"""The page's words, by the key the page asks for them (`/dashboard/api/me` → `strings`), in
one language from the catalogs. (A placeholder on the server's branch: the page's branch
writes the keys the page uses.)"""

from __future__ import annotations

from rendering.i18n import N_, texts

PAGE = {
    "title": N_("📊 Dashboard"),
}


def page_strings(language: str) -> dict[str, str]:
    t = texts(language)
    return {key: str(t._(text)) for key, text in PAGE.items()}
