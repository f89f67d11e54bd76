"""The dashboard's sign-in: Telegram's init data, checked as Telegram specifies."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.initdata import NotSigned, check_init_data
from emulator import sign_init_data

TOKEN = "4242:fake-token-for-tests"
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
USER = {"id": 9001, "first_name": "周敏", "language_code": "zh-hans"}


def signed(at: datetime = NOW, token: str = TOKEN) -> str:
    return sign_init_data(token, USER, at, query_id="AAF-q", chat_type="sender")


def test_init_data_telegram_signed_for_this_bot_names_the_person() -> None:
    person = check_init_data(signed(), TOKEN, NOW)

    assert (person.user_id, person.first_name, person.language_code) == (9001, "周敏", "zh-hans")
    assert person.auth_date == NOW


def test_init_data_signed_a_while_ago_is_still_taken_within_a_day() -> None:
    assert check_init_data(signed(NOW - timedelta(hours=23)), TOKEN, NOW).user_id == 9001


def test_a_changed_field_breaks_the_signature() -> None:
    raw = signed().replace("9001", "9002")

    with pytest.raises(NotSigned):
        check_init_data(raw, TOKEN, NOW)


def test_an_added_field_breaks_the_signature() -> None:
    with pytest.raises(NotSigned):
        check_init_data(signed() + "&start_param=x", TOKEN, NOW)


def test_init_data_older_than_a_day_is_refused() -> None:
    with pytest.raises(NotSigned):
        check_init_data(signed(NOW - timedelta(days=1, seconds=1)), TOKEN, NOW)


def test_init_data_signed_with_another_bots_token_is_refused() -> None:
    with pytest.raises(NotSigned):
        check_init_data(signed(token="777:another-bot"), TOKEN, NOW)


def test_init_data_without_a_hash_is_refused() -> None:
    fields = dict(urllib.parse.parse_qsl(signed()))
    del fields["hash"]

    with pytest.raises(NotSigned):
        check_init_data(urllib.parse.urlencode(fields), TOKEN, NOW)


def test_init_data_from_the_future_is_refused_beyond_a_minute() -> None:
    assert check_init_data(signed(NOW + timedelta(seconds=50)), TOKEN, NOW).user_id == 9001
    with pytest.raises(NotSigned):
        check_init_data(signed(NOW + timedelta(minutes=2)), TOKEN, NOW)


@pytest.mark.parametrize("raw", ["", "garbage", "hash=&user=x", "a=1&a=1&hash=00"])
def test_anything_else_is_refused(raw: str) -> None:
    with pytest.raises(NotSigned):
        check_init_data(raw, TOKEN, NOW)
