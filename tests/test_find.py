"""/find: issues looked up by the citizen's phone (whole or its last four digits), by number,
or by words from anywhere in the description or the address, each list only what the person
asking may see, newest first, a page at a time."""

from __future__ import annotations

from emulator import EmulatedUser
from tests.flows import log_issue, logged
from tests.harness import Harness
from tests.test_issue_permissions import add_second_worker
from tests.test_retention import logged as logged_with_address

PHONE = "13812345678"
NOTHING = "在您可查看的工单中没有找到"


def found(person: EmulatedUser) -> str:
    return person.last.text


async def test_a_worker_finds_their_issue_by_phone_last_four_digits_number_and_words_from_its_middle(
    bot: Harness, worker: EmulatedUser
) -> None:
    number = await log_issue(worker, "和平里小区东门口路灯不亮已经三天", phone="+86 138-1234-5678")

    for typed in (PHONE, "+86 138-1234-5678", "5678", number, "路灯", "门口路灯", "东门口路"):
        await worker.send(f"/find {typed}")
        assert number in found(worker), (typed, found(worker))
        assert "找到 1 件工单" in found(worker), typed
    await worker.send(f"/find {PHONE}")
    assert "+8613812345678" in found(worker)  # as logged: in private, unmasked
    assert worker.last.has_button(number)  # opens the issue, as /my's lists do

    for typed in ("路灯亮", "13812345679", "1234", "2611-9999", "灯不亮了吧"):
        await worker.send(f"/find {typed}")
        assert NOTHING in found(worker), (typed, found(worker))


async def test_each_finds_only_what_they_may_see(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    water_head: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await coordinator.send("/start")
    ours = await log_issue(worker, "中山路12号路灯不亮", phone=PHONE)
    water = await log_issue(worker, "和平路停水两天", category="停水", phone="13900005678")
    other_worker = await add_second_worker(bot, coordinator)
    theirs = await log_issue(other_worker, "解放街路灯闪烁", phone="13700005678")

    await other_worker.send(f"/find {PHONE}")
    assert NOTHING in found(other_worker)  # another worker's issue
    await other_worker.send("/find 5678")
    assert theirs in found(other_worker) and ours not in found(other_worker)
    await other_worker.send("/find 路灯")
    assert theirs in found(other_worker) and ours not in found(other_worker)

    for person in (head, member):  # the roads department: its issues, not water's
        await person.send("/find 5678")
        assert ours in found(person) and theirs in found(person)
        assert water not in found(person)
    await water_head.send("/find 路灯")
    assert NOTHING in found(water_head)  # another department finds nothing of ours
    await water_head.send(f"/find {ours}")
    assert NOTHING in found(water_head)
    await water_head.send("/find 停水")
    assert water in found(water_head)

    await coordinator.send("/find 5678")
    assert all(n in found(coordinator) for n in (ours, water, theirs))
    assert "找到 3 件工单" in found(coordinator)
    # Newest first.
    text = found(coordinator)
    assert text.index(theirs) < text.index(water) < text.index(ours)


async def test_many_found_come_a_page_at_a_time_newest_first(
    bot: Harness, worker: EmulatedUser
) -> None:
    numbers = [await logged(bot.resources.deps, f"第{n}盏路灯不亮") for n in range(10)]

    await worker.send("/find 路灯")
    first = worker.last
    assert "找到 10 件工单" in first.text and "第 1/2 页" in first.text
    assert numbers[9] in first.text and numbers[2] in first.text and numbers[1] not in first.text
    await worker.press(first, "下一页 ▶")
    assert "第 2/2 页" in first.text  # the same message, edited
    assert numbers[1] in first.text and numbers[0] in first.text and numbers[9] not in first.text
    await worker.press(first, "◀ 上一页")
    assert "第 1/2 页" in first.text and numbers[9] in first.text


async def test_in_the_department_group_phones_are_masked_and_only_its_cases_are_listed(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    group = bot.group(-1001, "市政道路科")
    await coordinator.send("/start")
    ours = await log_issue(worker, f"张三说路灯不亮，电话{PHONE}", phone=PHONE)
    water = await log_issue(worker, "停水两天", category="停水", phone="13900005678")

    await coordinator.send(f"/find {PHONE}", chat=group)
    answer = group.last
    assert ours in answer.text and "138****5678" in answer.text
    assert PHONE not in answer.text
    assert all(PHONE not in (b.callback_data or "") for b in answer.buttons)
    await coordinator.send("/find 5678", chat=group)
    assert ours in group.last.text and water not in group.last.text  # water's: not this group's


async def test_a_phones_pages_carry_no_phone(bot: Harness, worker: EmulatedUser) -> None:
    for n in range(9):
        await log_issue(worker, f"第{n}次来电反映路灯不亮", phone=PHONE)

    await worker.send(f"/find {PHONE}")
    listing = worker.last
    assert "找到 9 件工单" in listing.text
    assert all("5678" not in (b.callback_data or "") for b in listing.buttons)
    await worker.press(listing, "下一页 ▶")
    assert "第 2/2 页" in listing.text and "第0次来电" in listing.text


async def test_nothing_one_character_or_too_much_to_look_for_is_answered_plainly(
    bot: Harness, worker: EmulatedUser
) -> None:
    await worker.send("/find")
    assert "要查找什么" in found(worker)
    await worker.send("/find 灯")
    assert "查找内容太短" in found(worker)
    await worker.send("/find 。，！")
    assert "查找内容太短" in found(worker)
    await worker.send("/find " + "路灯不亮" * 5)
    assert "查找内容太长" in found(worker)


async def test_a_citizens_data_removed_from_an_issue_no_longer_finds_it(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/start")
    number = await logged_with_address(
        worker, "张三反映光明巷路灯不亮", phone=PHONE, address="光明巷18号"
    )
    for typed in (PHONE, "5678", "张三", "光明巷18"):
        await coordinator.send(f"/find {typed}")
        assert number in found(coordinator), typed

    await coordinator.send(f"/redact {PHONE}")
    await coordinator.press(coordinator.last, "删除其个人信息")
    assert "已删除" in coordinator.last.text

    for typed in (PHONE, "5678", "张三", "光明巷18"):
        await coordinator.send(f"/find {typed}")
        assert NOTHING in found(coordinator), typed
    await coordinator.send("/find 路灯不亮")  # what the issue was about stays
    assert number in found(coordinator)
