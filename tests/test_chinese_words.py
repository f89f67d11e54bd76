"""The words of hotline work (12345 / 接诉即办) and dates as people read them, in the texts
the bot renders in Chinese: the catalog, a card, a reminder, statuses, roles, dates. (The
digest, /stats and the workbook's sheets and file name: tests/test_reminders.py and
tests/test_reports.py.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from casework.issues import Issue, Source, Status
from casework.metrics import parse_period
from casework.reminders import RungKind
from casework.roles import Role
from config.org import load_organisation
from rendering import dates
from rendering.cards import card_text
from rendering.i18n import texts
from rendering.labels import role_name, status_name
from rendering.reminders import reminder_headline
from tests.harness import START, TEST_ORG

ZONE = ZoneInfo("Asia/Shanghai")
CATALOG = "locales/zh_CN/LC_MESSAGES/messages.po"
ZH = texts("zh")
ORG = load_organisation(TEST_ORG)


def pending() -> Issue:
    return Issue(
        id=1, number="2611-0042", status=Status.PENDING, description="中山路12号路灯不亮",
        category="streetlight", department="roads", reporter_id=1, urgent=False,
        source=Source.HOTLINE, created_at=START, updated_at=START, handed_at=START,
        respond_by=START + timedelta(hours=2), resolve_by=START + timedelta(days=3),
    )  # fmt: skip


def test_no_chinese_text_says_closed_reopened_or_received_for_the_hotlines_words() -> None:
    with open(CATALOG, "rb") as f:
        translations = [m.string for m in read_po(f) if m.id]
    said = " ".join(s if isinstance(s, str) else " ".join(s or ()) for s in translations)

    for wrong, right in (
        ("关闭", "结案"),
        ("重新打开", "重办"),
        ("接收", "签收"),
        ("市民", "群众"),
    ):
        assert wrong not in said, f"{wrong} (say {right})"
    assert "该问题已超时" not in said  # read as "the issue is overdue"


def test_a_card_says_pending_signing_and_its_time_limit_as_a_date() -> None:
    card = card_text(pending(), ZH, ORG, {}, ZONE)

    assert "待签收" in card
    assert "⏰ 请于 11月25日 11:00 前签收或退回" in card


def test_a_reminder_says_it_presses_the_unit_and_counts_in_hours() -> None:
    headline = reminder_headline(RungKind.OVERDUE, pending(), START + timedelta(hours=3), ZH, ORG)

    assert headline.startswith("⚠️ 催办：2611-0042 已超过签收时限 1 小时")


@pytest.mark.parametrize(
    ("status", "word"),
    [
        (Status.PENDING, "待签收"),
        (Status.CLOSED, "已结案"),
        (Status.RESOLVED, "已办结，待确认结案"),
    ],
)
def test_statuses_use_the_hotlines_words(status: Status, word: str) -> None:
    assert status_name(status, ZH) == word


def test_a_head_is_a_head_of_their_unit_whatever_kind_of_unit_it_is() -> None:
    assert role_name(Role.HEAD, ZH) == "负责人" and role_name(Role.MEMBER, ZH) == "工作人员"


def test_dates_read_as_people_say_them() -> None:
    at = datetime(2026, 11, 26, 3, 0, tzinfo=ZONE)  # a Thursday
    now = datetime(2026, 11, 26, 1, 0, tzinfo=ZONE)

    assert dates.when(at, ZONE, ZH) == "11月26日 03:00"
    assert dates.soon(at, ZONE, ZH, now) == "今天 03:00"
    assert dates.soon(at + timedelta(days=1), ZONE, ZH, now) == "明天 03:00"
    assert dates.day(date(2026, 11, 26), ZH) == "11月26日（周四）"
    assert dates.month(date(2026, 11, 1), ZH) == "2026年11月"
    assert dates.when(at, ZONE, texts("en")) == "Nov 26 03:00"


@pytest.mark.parametrize(
    ("words", "first", "last"),
    [
        (["本月"], date(2026, 12, 1), date(2026, 12, 31)),
        (["上月"], date(2026, 11, 1), date(2026, 11, 30)),
        (["本周"], date(2026, 11, 30), date(2026, 12, 6)),
        (["上周"], date(2026, 11, 23), date(2026, 11, 29)),
        (["2026年11月"], date(2026, 11, 1), date(2026, 11, 30)),
        (["２０２６年１１月"], date(2026, 11, 1), date(2026, 11, 30)),
        (["2026年11月1日", "2026年11月15日"], date(2026, 11, 1), date(2026, 11, 15)),
    ],
)
def test_periods_are_understood_as_staff_type_them(
    words: list[str], first: date, last: date
) -> None:
    now = datetime(2026, 12, 4, 14, 0, tzinfo=ZONE)  # a Friday

    period = parse_period(words, now, ZONE)

    assert period.start.astimezone(ZONE).date() == first
    assert (period.end - timedelta(seconds=1)).astimezone(ZONE).date() == last
