"""The dashboard page's words come from the catalogs, in both languages."""

from __future__ import annotations

from casework.organisation import LANGUAGES
from dashboard.strings import PAGE, SIGNIN_JSON, page_strings, signin_json


def test_the_page_has_every_word_in_each_language_and_chinese_in_the_hotlines_words() -> None:
    for language in LANGUAGES:
        words = page_strings(language)
        assert set(words) == set(PAGE)
        assert all(words.values())
    chinese = page_strings("zh")
    assert chinese["on_time_acceptance_rate"] == "按时签收率"
    assert chinese["on_time_resolution_rate"] == "按时办结率"
    assert chinese["closing_rate"] == "结案率"
    assert chinese["satisfaction_rate"] == "满意率"
    assert chinese["overdue_title"] == "超期工单"
    assert chinese["workload_title"] == "工作量"
    assert chinese["title"] == "数据看板"  # as the bot's menu button calls it
    assert page_strings("en")["title"] == "Coordination dashboard"


def test_the_words_shown_before_signing_in_are_the_catalogs_current_ones() -> None:
    assert SIGNIN_JSON.read_text(encoding="utf-8") == signin_json(), (
        "dashboard/static/signin.json is out of date: run .venv/bin/python -m dashboard.strings"
    )
