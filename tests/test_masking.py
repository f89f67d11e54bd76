"""Citizens' phone numbers and names as a department group sees them."""

from __future__ import annotations

import pytest

from casework.privacy import mask_name, mask_phone
from emulator import EmulatedUser
from tests.flows import answer, card_for, log_issue
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
    bot: Harness, worker: EmulatedUser, phone: str
) -> None:
    group = bot.group(-1001, "市政道路科")

    await log_issue(worker, phone=phone)

    assert "张*" in group.last.text
    assert phone not in " ".join(m.text for m in group.messages)


async def test_a_name_and_phone_typed_into_the_description_are_hidden_in_the_group(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    await head.send("/start")

    number = await log_issue(worker, "张三反映中山路12号路灯不亮，电话138 1234 5678")

    card = group.last
    assert "中山路12号路灯不亮" in card.text
    assert "张三" not in card.text and "5678" not in card.text.replace("138****5678", "")
    private = await head.wait_for(number)
    assert "张三反映" in private.text  # the department's own people see what was typed


async def test_a_transfer_reason_naming_the_citizen_is_hidden_in_the_new_departments_group(
    bot: Harness, worker: EmulatedUser, water_head: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    await water_head.send("/start")
    number = await log_issue(worker, "路面塌陷", category="停水")
    await water_head.press(card_for(water_head, number), "转办")
    await water_head.press(card_for(water_head, number), "市政道路科")

    await answer(water_head, "张三家门口路面塌陷，13812345678 联系")

    transferred = group.last
    assert "路面塌陷" in transferred.text and "转" in transferred.text
    assert "张三" not in transferred.text and "13812345678" not in transferred.text
