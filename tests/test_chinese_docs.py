"""The Chinese documents (issue 16) stay true to the bot: every command they name is one of
its commands, every button they name (in 【】) is a button's Chinese label, and the README and
its Chinese version link to each other."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from rendering.menus import COMMANDS

ROOT = Path(__file__).parent.parent
README_ZH = ROOT / "README.zh-CN.md"
GUIDE = ROOT / "docs" / "staff-guide.zh-CN.md"
CATALOG = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def chinese_labels() -> dict[str, str]:
    """The catalog's Chinese strings, each with its English source."""
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    labels: dict[str, str] = {}
    for message in catalog:
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else message.string or []
        labels.update({s: ids[0] for s in strings if s})
    return labels


def test_every_button_the_chinese_documents_name_is_a_label_of_the_bot() -> None:
    labels = chinese_labels()
    named = {
        (doc.name, button)
        for doc in (README_ZH, GUIDE)
        for button in re.findall(r"【([^】]+)】", doc.read_text("utf-8"))
    }

    assert len(named) >= 25
    unknown = {(doc, button) for doc, button in named if button not in labels}
    assert unknown == set()


def test_every_command_the_chinese_documents_name_is_a_command_of_the_bot() -> None:
    commands = {c.name for c in COMMANDS}
    for doc in (README_ZH, GUIDE):
        named = set(re.findall(r"`/([a-z_]+)", doc.read_text("utf-8")))
        assert named - commands - {"newbot"} == set(), doc.name  # newbot: @BotFather's
    # The Chinese README's table lists every command.
    assert commands - set(re.findall(r"`/([a-z_]+)", README_ZH.read_text("utf-8"))) == set()


def test_the_readme_and_its_chinese_version_link_to_each_other_at_the_top() -> None:
    english = (ROOT / "README.md").read_text("utf-8").splitlines()[:5]
    chinese = README_ZH.read_text("utf-8").splitlines()[:5]

    assert any("(README.zh-CN.md)" in line for line in english)
    assert any("(docs/staff-guide.zh-CN.md)" in line for line in english)
    assert any("(README.md)" in line for line in chinese)
    assert "(../README.zh-CN.md)" in GUIDE.read_text("utf-8")
