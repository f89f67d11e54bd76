"""Two languages: complete catalogs, the right language for each person, menus per language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from emulator import EmulatedUser
from rendering.i18n import LOCALES_DIR, pick_language, texts
from tests.harness import Harness

ROOT = Path(__file__).parent.parent


def source_messages() -> set[str]:
    """Every string the code marks for translation."""
    found: set[str] = set()
    method_map = [
        ("bot.py", "python"),
        ("casework/**.py", "python"),
        ("config/**.py", "python"),
        ("handlers/**.py", "python"),
    ]
    keywords = {"_": None, "N_": None, "n_": (1, 2)}
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        ROOT, method_map=method_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_message_in_the_code_is_translated(locale: str) -> None:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and all(m.string if isinstance(m.string, tuple) else [m.string]) and not m.fuzzy
    }

    missing = source_messages() - translated
    assert not missing, f"untranslated in {locale} (run scripts/update-catalogs.sh): {missing}"


def test_placeholders_survive_translation() -> None:
    for language in ("zh", "en"):
        text = texts(language)._("Welcome, {name}. You are a {role}.", name="<b>甲</b>", role="x")
        assert "&lt;b&gt;甲&lt;/b&gt;" in text  # what people type is escaped, never markup


@pytest.mark.parametrize(
    ("saved", "telegram", "default", "expected"),
    [
        ("en", "zh-hans", "zh", "en"),  # the saved choice wins
        (None, "zh-hans", "en", "zh"),  # then the Telegram app's language
        (None, "zh-Hant-TW", "en", "zh"),
        (None, "en-GB", "zh", "en"),
        (None, "pt-br", "zh", "zh"),  # a language the bot does not speak: the default
        (None, None, "en", "en"),
        (None, "not a tag!", "zh", "zh"),
    ],
)
def test_the_language_is_saved_choice_then_telegram_then_default(
    saved: str | None, telegram: str | None, default: str, expected: str
) -> None:
    assert pick_language(saved, telegram, default) == expected


async def test_an_english_speaking_app_gets_english(bot: Harness) -> None:
    person = bot.user(2002, "Liu", language_code="en")

    await person.send("/start")

    assert "Welcome, 刘强. You are a department staff of Roads and Lighting." in person.last.text


async def test_a_stranger_is_answered_in_their_apps_language(bot: Harness) -> None:
    visitor = bot.user(6006, "Ann", language_code="en-US")

    await visitor.send("/start")

    assert visitor.last.text.startswith("Hello! This bot is for the staff of Test District.")


async def test_lang_saves_the_choice_until_changed_back(bot: Harness, member: EmulatedUser) -> None:
    await member.send("/lang")
    await member.press(member.last, "English")
    assert member.last.text == "I will speak English with you."

    await member.send("/help")
    assert member.last.text.startswith("What you can do:")

    await member.send("/lang")
    await member.press(member.last, "Same as my Telegram app")
    await member.send("/help")
    assert member.last.text.startswith("您可以：")


async def test_the_command_menu_is_set_in_each_language(bot: Harness) -> None:
    default = '{"type": "default"}'
    menus = {code: cmds for (scope, code), cmds in bot.api.commands.items() if scope == default}

    assert {"zh", "en", ""} <= set(menus)
    zh = {c["command"]: c["description"] for c in menus["zh"]}
    en = {c["command"]: c["description"] for c in menus["en"]}
    assert zh["help"] == "查看可用的操作"
    assert en["help"] == "What you can do here"
    assert menus[""] == menus["zh"]  # DEFAULT_LANGUAGE for apps in other languages
