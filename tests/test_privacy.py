"""Citizens' names and phones, and the bot's token, never reach the logs, even at DEBUG."""

from __future__ import annotations

import pytest

from emulator import EmulatedUser
from tests.flows import answer, call_back, card_for
from tests.harness import CLOSED_STORE_ERRORS, Harness

PHONE = "13987654321"
CITIZEN = "欧阳娜娜"


async def test_a_full_run_logs_no_citizen_data_and_no_token(
    bot: Harness,
    bot_logs: None,
    capsys: pytest.CaptureFixture[str],
    worker: EmulatedUser,
    head: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    group = bot.group(-1001, "市政道路科")
    for person in (head, coordinator):
        await person.send("/start")
    await worker.send("/new 楼下路灯不亮")
    await worker.press(worker.last, "路灯故障")
    await worker.send("幸福路8号")
    await worker.send("完成")
    await worker.send(CITIZEN)
    await worker.send(PHONE)
    await worker.press(worker.last, "热线电话")
    await worker.press(worker.last, "一般")
    await worker.press(worker.last, "✓ ")
    await worker.press(worker.last, "提交")
    card = card_for(head, "2611-0001")
    await head.press(card, "签收")
    await head.press(card, "办结")
    await answer(head, f"已联系{CITIZEN}，电话{PHONE}，修好了")
    await call_back(
        worker, await worker.wait_for("请回访群众核实"), words=f"{CITIZEN}说修好了 {PHONE}"
    )
    await coordinator.send("/issue 2611-0001")
    await coordinator.send("/export")
    bot.expected_errors.extend(CLOSED_STORE_ERRORS)
    await bot.resources.deps.store.close()  # and an error, logged with its traceback
    await worker.send(f"/note 2611-0001 {PHONE}")

    logs = capsys.readouterr().err
    assert "update" in logs and "failed" in logs  # the logs were captured, at DEBUG
    assert PHONE not in logs
    assert PHONE[:7] not in logs
    assert CITIZEN not in logs
    assert bot.api.token not in logs and bot.api.token.split(":")[1] not in logs
    assert PHONE not in " ".join(m.text for m in group.messages)  # masked in the group
    assert "139****4321" in group.messages[0].text
