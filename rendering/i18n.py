"""Translations: gettext catalogs managed with Babel, one per language the bot speaks.

Source strings are English; `locales/zh_CN` and `locales/en` hold the catalogs.
A person's language is their saved choice (/lang), else their Telegram app's language,
else DEFAULT_LANGUAGE.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

from casework.organisation import LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
_CATALOG_LOCALE = {"zh": "zh_CN", "en": "en"}


class CatalogsMissing(Exception):
    """The compiled catalogs (.mo files) are not there; run scripts/setup.sh."""


class Html(str):
    """Text that is already HTML and must not be escaped again."""

    __slots__ = ()


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a string for translation later, where the language is known."""
    return message


def pick_language(saved: str | None, telegram_code: str | None, default: str) -> str:
    if saved in LANGUAGES:
        return saved
    if telegram_code:
        try:
            language = Locale.parse(telegram_code, sep="-").language
        except (ValueError, TypeError, UnknownLocaleError):
            language = None
        if language in LANGUAGES:
            return language
    return default


class Texts:
    """The bot's words in one language. Values put into a message are HTML-escaped."""

    def __init__(self, language: str, translations: NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def _(self, message: str, **values: object) -> Html:
        return self._fill(self._translations.gettext(message), values)

    def n_(self, singular: str, plural: str, n: int, **values: object) -> Html:
        return self._fill(self._translations.ngettext(singular, plural, n), {"n": n, **values})

    @staticmethod
    def _fill(template: str, values: dict[str, object]) -> Html:
        if not values:
            return Html(template)
        safe = {k: v if isinstance(v, Html) else html.escape(str(v)) for k, v in values.items()}
        return Html(template.format(**safe))


def check_catalogs() -> None:
    for language in LANGUAGES:
        mo = LOCALES_DIR / _CATALOG_LOCALE[language] / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not mo.is_file():
            raise CatalogsMissing(f"{mo} is missing: run scripts/setup.sh to compile the catalogs")


@cache
def texts(language: str) -> Texts:
    locale = _CATALOG_LOCALE.get(language, _CATALOG_LOCALE["zh"])
    translations = Translations.load(str(LOCALES_DIR), [locale], domain=DOMAIN)
    return Texts(language, translations)


def plain(text: str) -> str:
    """A message for a place that shows no HTML (a button's answer): entities decoded."""
    return html.unescape(text)
