"""Citizens' phone numbers and names as a department group sees them."""

from __future__ import annotations

import pytest

from casework.privacy import mask_name, mask_phone
from tests.fakebotapi import FakeUser
from tests.flows import log_issue
from tests.harness import Harness


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "861******5678"),
        ("057188886666", "057*****6666"),
        ("62345678", "******78"),
        ("6234567", "*****67"),
        ("95588", "*****"),
        ("110", "***"),
    ],
)
def test_a_phone_in_a_group_shows_too_little_of_it_to_call(phone: str, shown: str) -> None:
    assert mask_phone(phone) == shown
    visible = sum(c.isdigit() for c in shown)
    assert visible <= len(phone.removeprefix("+")) * 2 // 3 and visible <= 7


def test_a_name_in_a_group_shows_only_its_first_character() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name("John Smith") == "J*********"


@pytest.mark.parametrize("phone", ["95588", "6234567", "62345678"])
async def test_a_short_phone_never_shows_in_full_in_the_department_group(
    bot: Harness, worker: FakeUser, phone: str
) -> None:
    group = bot.group(-1001, "市政道路科")

    await log_issue(worker, phone=phone)

    assert "张*" in group.last.text
    assert phone not in " ".join(m.text for m in group.messages)
