"""Call-backs, praise, /stats with its chart, /export read back, and the weekly ranking."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy
import pytest
from matplotlib import image
from matplotlib.figure import Figure
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import handlers.stats
import rendering.charts
import rendering.reports
from casework.metrics import Period, PersonLoad
from casework.people import NewStaff, Staff
from casework.ports import ExportEvent
from casework.roles import Role
from casework.services import Deps, reports
from casework.services.access import sync_organisation
from config.org import load_organisation
from emulator import BotApiEmulator, BotMessage, EmulatedUser
from exports.jobs import ExportJobs
from exports.process import ROOT, ExportFailed, ExportJob, build_export
from exports.workbook import Tables, XlsxExport
from rendering.i18n import texts
from storage.repositories.metrics import SqlMetrics
from storage.sqlite.store import SqliteStore
from tests.flows import answer, call_back, card_for, confirm_closed, events, log_issue, logged
from tests.harness import (
    START,
    TEST_ORG,
    FakeClock,
    Harness,
    settings_for,
    start_bot,
    stop_bot,
)

PHONE = "13812345678"


async def resolved_issue(
    worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser, phone: str | None = PHONE
) -> str:
    """An issue handled by 刘强 and resolved: with the citizen's phone, the worker who logged
    it is to call back; without, to confirm it closed."""
    for person in (head, member):
        await person.send("/start")
    number = await log_issue(worker, phone=phone)
    card = card_for(head, number)
    await head.press(card, "签收")
    await head.press(card, "指派")
    await head.press(card, "刘强")
    await member.press(await member.wait_for("指派给您"), "办结")
    await answer(member, "已修好")
    return number


async def closed_issue(
    worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser, phone: str | None = None
) -> str:
    """An issue handled by 刘强 and closed by the worker who logged it: with no citizen's
    phone, confirmed (no call-back made); with one, by the call-back, the citizen satisfied."""
    number = await resolved_issue(worker, head, member, phone)
    if phone is None:
        await confirm_closed(worker, await worker.wait_for("请核实办理情况"))
    else:
        await call_back(worker, await worker.wait_for("请回访群众核实"))
    return number


def photo_of(bot: Harness, message: BotMessage) -> bytes:
    assert message.kind in ("photo", "media") and message.file_id is not None
    return bot.api.files[message.file_id]


async def test_a_dissatisfied_citizen_sends_it_back_and_reaches_the_coordinators(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await coordinator.send("/start")
    number = await resolved_issue(worker, head, member)
    card = card_for(worker, number)
    assert card.has_button("记录回访") and not card.has_button("表扬")  # praise: once closed

    await call_back(worker, card, "是", "已解决", "不满意", words="群众说灯还是不亮")

    assert not card.has_button("记录回访")
    alert = await coordinator.wait_for("二次督办")
    assert "群众说灯还是不亮" in alert.text and alert.has_button("办结")
    assert await events(bot, number) == [
        "submitted", "accepted", "assigned", "resolved", "callback", "reopened",
    ]  # fmt: skip
    assert "群众说灯还是不亮" in (await member.wait_for("重办：")).text


async def test_could_not_reach_can_be_followed_by_a_verdict(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    number = await resolved_issue(worker, head, member)
    card = card_for(worker, number)
    await worker.press(card, "记录回访")
    await worker.press(card, "联系不上")
    assert card.has_button("记录回访")  # try again later

    await call_back(worker, card, "是", "已解决", "基本满意")

    assert "回访：基本满意" in card.text
    assert (await events(bot, number)).count("callback") == 2
    assert "基本满意" in (await member.wait_for("已结案：")).text


async def test_the_reporter_is_reminded_to_call_the_citizen_back(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    number = await resolved_issue(worker, head, member)

    bot.clock.advance(timedelta(days=1))
    await bot.sweep()
    reminder = await worker.wait_for("请电话回访群众并记录回访结果")
    assert reminder.has_button("记录回访")
    await call_back(worker, reminder)
    bot.clock.advance(timedelta(days=3))
    await bot.sweep()

    said = [m.history[0] if m.history else m.text for m in worker.messages]
    assert sum("请电话回访群众并记录回访结果" in text for text in said) == 1
    assert number in reminder.text


async def test_praise_reaches_the_person_and_the_heads(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    number = await closed_issue(worker, head, member)
    card = card_for(worker, number)

    await worker.press(card, "表扬")
    await worker.press(card, "刘强")

    for person in (member, head):
        assert "表扬了刘强" in (await person.wait_for("表扬了")).text
    refused = await worker.press_data(card, "i:1:pr:d")  # once is enough
    assert refused is not None and refused.show_alert


async def test_a_head_gets_their_departments_figures_and_a_chart(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await closed_issue(worker, head, member)
    bot.clock.advance(timedelta(hours=3))  # its response deadline has passed: it counts

    await head.send("/stats")

    summary = head.messages[-2]
    assert "市政道路科 2026年11月" in summary.text
    assert "按时签收率：100%（1 件中 1 件）" in summary.text
    assert "满意率：无数据" in summary.text
    assert "刘强：在办 0 件，本期结案 1 件" in summary.text
    png = photo_of(bot, head.last)
    assert png.startswith(b"\x89PNG")
    height, width = image.imread(io.BytesIO(png)).shape[:2]
    assert max(height, width) <= 1280 and width >= 390  # kept whole, as wide as a phone


async def test_a_coordinator_gets_the_ranking_and_others_are_refused(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await closed_issue(worker, head, member)
    bot.clock.advance(timedelta(hours=3))  # its response deadline has passed: it counts

    await coordinator.send("/stats week")
    await worker.send("/stats")
    await head.send("/stats next-tuesday")

    ranking = coordinator.messages[-2].text
    assert "各承办单位绩效排名" in ranking
    assert "1. 市政道路科：" in ranking
    # Water and mediation had nothing in the week: named once, in one line, not ranked.
    assert ranking.splitlines()[-2:] == [
        "本期无数据：供水服务中心、司法所",
        "排名时，无数据的比率按全区各单位的中位数计。",  # roads has no call-back
    ]
    assert ranking.count("司法所") == ranking.count("供水服务中心") == 1
    assert coordinator.last.kind == "photo"
    assert "不能进行这项操作" in worker.last.text
    assert "用法：/stats" in head.last.text


async def test_a_period_with_no_data_gets_the_text_and_no_empty_chart(
    bot: Harness, head: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await coordinator.send("/stats 本月")
    await head.send("/stats 本月")
    await bot.drain()

    for person in (coordinator, head):
        assert "无数据" in person.last.text
        assert not [m for m in person.messages if m.kind in ("photo", "media")]


async def test_a_ranking_of_several_pictures_comes_as_one_album_after_the_text(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await coordinator.send("/start")
    await closed_issue(worker, head, member)
    bot.clock.advance(timedelta(hours=3))
    # A large district's ranking: a picture per rate (tests/test_charts.py draws one).
    monkeypatch.setattr(rendering.reports, "ranking_charts", per_rate)

    await coordinator.send("/stats")
    bot.clock.advance(timedelta(days=5))  # Monday: the weekly ranking
    await bot.sweep()
    await bot.sweep()

    texts = [n for n, m in enumerate(coordinator.messages) if "各承办单位绩效排名" in m.text]
    assert len(texts) == 2
    for n in texts:
        album = coordinator.messages[n + 1 : n + 4]
        assert [m.kind for m in album] == ["media"] * 3
        assert [photo_of(bot, m) for m in album] == per_rate()


def per_rate(*_: object) -> list[bytes]:
    return [b"\x89PNG response", b"\x89PNG on time", b"\x89PNG satisfaction"]


@pytest.fixture
async def targeted_bot(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Harness]:
    """The bot with targets for the response and satisfaction rates."""
    org = tmp_path / "org.toml"
    org.write_text(
        TEST_ORG.read_text("utf-8")
        + '\n[targets]\nresponse_rate = 0.9\nsatisfaction_rate = "90%"\n',
        "utf-8",
    )
    harness = await start_bot(api, settings_for(api, tmp_path, org_file=org), clock)
    yield harness
    await stop_bot(harness)
    assert not harness.tracking.errors


async def test_stats_sends_each_reader_the_chart_drawn_for_them(
    targeted_bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = targeted_bot
    worker, head, member = bot.user(1001, "王芳"), bot.user(2001, "建国"), bot.user(2002, "刘强")
    coordinator = bot.user(9001, "周敏")
    await closed_issue(worker, head, member)
    bot.clock.advance(timedelta(hours=3))  # its response deadline has passed: it counts
    drawn: list[tuple[Figure, bytes]] = []
    draw = rendering.charts.png

    def keep(figure: Figure) -> bytes:  # the figure behind each picture, to read back
        picture = draw(figure)
        drawn.append((figure, picture))
        return picture

    monkeypatch.setattr(rendering.charts, "png", keep)

    await coordinator.send("/stats")

    [(ranking, picture)] = drawn
    assert "本期无数据：供水服务中心、司法所" in coordinator.messages[-2].text
    assert photo_of(bot, coordinator.last) == picture
    said = [t.get_text() for t in ranking.texts]
    assert said[0] == "各承办单位按综合得分排名 2026年11月"
    # Water and mediation had nothing this month: named once, in one line, drawn nowhere.
    assert [line for line in said if "司法所" in line or "供水服务中心" in line] == [
        "本期无数据：供水服务中心、司法所"
    ]
    response = ranking.axes[0]  # roads' bar and its track, and the target
    assert len(response.patches) == 2
    [target] = response.get_lines()
    assert numpy.asarray(target.get_xdata(), dtype=float).tolist() == [0.9, 0.9]
    assert "全区 100% · 目标 90%" in said
    assert [t.get_text() for t in ranking.legends[0].get_texts()] == ["达标", "未达标", "目标"]

    await head.send("/stats")

    [_, (trend, picture)] = drawn
    assert photo_of(bot, head.last) == picture
    said = [t.get_text() for t in trend.texts]
    assert said[0] == "市政道路科 2026年11月"
    # Their department against the district, week by week; no resolution was due nor a
    # call-back made in the district: those rates are a heading each, not an empty plot.
    [response] = trend.axes
    assert [t.get_text() for t in trend.legends[0].get_texts()] == ["市政道路科", "全区", "目标"]
    ticks = [label.get_text() for label in response.get_xticklabels()]
    assert ticks == ["11月1日", "11月8日", "11月15日", "11月22日"]
    aim, district, roads = (
        [str(y) for y in numpy.asarray(line.get_ydata(), dtype=float).tolist()]
        for line in response.get_lines()
    )
    assert aim == ["0.9", "0.9"]
    assert roads == district == ["nan", "nan", "nan", "1.0"]  # the issue came this week
    assert [t.get_text() for t in response.texts] == ["100%"]
    assert "无数据" in said and "无数据 · 目标 90%" in said


async def test_stats_that_take_a_while_hold_up_nobody_elses_steps(
    bot: Harness,
    worker: EmulatedUser,
    coordinator: EmulatedUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = await log_issue(worker)
    reading, go_on = asyncio.Event(), asyncio.Event()
    read_people = SqlMetrics.people

    async def slow_people(metrics: SqlMetrics, now: datetime) -> list[PersonLoad]:
        reading.set()
        await go_on.wait()  # two years at a million issues: over a second of reading
        return await read_people(metrics, now)

    monkeypatch.setattr(SqlMetrics, "people", slow_people)
    asked = asyncio.create_task(coordinator.send("/stats"))
    try:
        await asyncio.wait_for(reading.wait(), 10)

        await worker.send(f"/note {number} 居民再次来电催问")  # while the figures are read

        assert "备注已记入" in worker.last.text
    finally:
        go_on.set()
        await asked
    assert "各承办单位绩效排名" in coordinator.last.text  # the figures came, after the note


async def test_a_coordinators_export_holds_issues_timeline_metrics_and_phones(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    number = await closed_issue(worker, head, member, phone=PHONE)
    bot.clock.advance(timedelta(hours=3))

    await coordinator.send("/export 2026-11")
    await bot.exported()

    document = coordinator.last
    assert document.kind == "document" and document.filename == "督办-2026年11月.xlsx"
    # "Sending a file…" was shown at the top of the chat while the workbook was built.
    showing, sending = [c for c in bot.api.calls if c.params.get("chat_id") == coordinator.id][-2:]
    assert showing.method == "sendChatAction" and showing.params["action"] == "upload_document"
    assert sending.method == "sendDocument"
    assert document.document is not None
    book = load_workbook(io.BytesIO(document.document), read_only=True)
    assert book.sheetnames == ["工单", "办理记录", "指标", "人员"]
    issues = list(book["工单"].values)
    assert "群众电话" in issues[0]
    assert issues[1][0] == number and "13812345678" in issues[1]
    timeline = list(book["办理记录"].values)
    assert [row[3] for row in timeline[1:]] == ["登记", "签收", "指派", "办结", "回访", "确认结案"]
    assert timeline[5][-1] == "满意"  # the call-back's verdict
    metrics = {row[0]: row for row in list(book["指标"].values)[1:]}
    assert metrics["市政道路科"][1] == 1.0  # response rate
    assert metrics["司法所"][1] == "无数据"  # nothing to count from
    people = {row[0]: row for row in list(book["人员"].values)[1:]}
    # In hand, of them overdue, closed and resolved in the period; complaints, their rate
    # (0 of 1 resolved), praise, its rate (0 of 1 closed).
    assert people["刘强"][2:] == (0, 0, 1, 1, 0, 0, 0, 0)


async def test_the_workbook_reads_well_frozen_filtered_header_widths_times_and_overdue(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    """Issue 16, point 10: what a person opening the workbook notices."""
    in_time = await closed_issue(worker, head, member)  # resolved at once
    waiting = await log_issue(worker, "小区路面塌陷")  # never accepted: 2 h to answer
    late = await log_issue(worker, "路灯闪烁")
    await head.press(card_for(head, late), "签收")
    bot.clock.advance(timedelta(days=4))  # past its 3 days
    await head.press(card_for(head, late), "办结")
    await head.send_photo("after-1")
    await head.send("换了新灯头")
    fresh = await log_issue(worker, "井盖松动")  # its 2 hours have only begun

    await coordinator.send("/export 2026-11")
    await bot.exported()

    book = load_workbook(io.BytesIO(coordinator.last.document or b""))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        last = get_column_letter(sheet.max_column)
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title
        for n, cell in enumerate(sheet[1], 1):
            assert cell.font.bold
            width = sheet.column_dimensions[get_column_letter(n)].width
            assert width >= 2 * len(str(cell.value)), (sheet.title, cell.value, width)
    issues = book["工单"]
    header = [c.value for c in issues[1]]
    assert header[-7:] == [
        "办结时限", "办结时间", "超期", "办理结果", "办理结果照片数", "重办次数", "回访",
    ]  # fmt: skip
    column = {name: n for n, name in enumerate(header)}
    for name in ("问题描述", "办理结果"):  # long texts get room
        assert issues.column_dimensions[get_column_letter(column[name] + 1)].width == 50
    assert issues.column_dimensions["B"].width >= 2 * len("已办结，待确认")  # the longest status
    row = {r[0].value: r for r in issues.iter_rows(min_row=2)}

    logged = row[late][column["登记时间"]]
    assert logged.value == datetime(2026, 11, 25, 9, 0)  # Beijing time, as people read it
    assert logged.number_format == "yyyy-mm-dd hh:mm"
    resolved = row[late][column["办结时间"]]
    assert resolved.value == datetime(2026, 11, 29, 9, 0)
    assert resolved.number_format == "yyyy-mm-dd hh:mm"
    assert [row[late][column[n]].value for n in ("超期", "办理结果", "办理结果照片数")] == [
        "是", "换了新灯头", 1,
    ]  # fmt: skip
    assert [row[in_time][column[n]].value for n in ("超期", "办理结果", "办理结果照片数")] == [
        "否", "已修好", 0,
    ]  # fmt: skip
    assert row[in_time][column["办结时间"]].value == datetime(2026, 11, 25, 9, 0)
    assert [row[waiting][column[n]].value for n in ("超期", "办结时间", "办理结果")] == [
        "是", None, None,
    ]  # fmt: skip
    assert row[fresh][column["超期"]].value == "否"  # as of the export, not of the clock after

    timeline = book["办理记录"]
    assert [c.value for c in timeline[1]][-2:] == ["照片", "回访"]
    assert timeline["B2"].number_format == "yyyy-mm-dd hh:mm"
    steps = [[c.value for c in r] for r in timeline.iter_rows(min_row=2) if r[0].value == late]
    assert [(s[3], s[6]) for s in steps][-1] == ("办结", 1)

    assert [c.value for c in book["指标"][1]][:9] == [
        "承办单位", "排名", "综合得分（百分制）", "联系率", "解决率", "满意率", "按时签收率",
        "按时办结率", "结案率",
    ]  # fmt: skip
    metrics = {r[0].value: r for r in book["指标"].iter_rows(min_row=2)}
    no_data = metrics["司法所"][6]
    assert no_data.value == "无数据" and no_data.data_type == "s"
    assert metrics["司法所"][1].value == "无数据"  # not ranked: no data on any rate
    assert metrics["市政道路科"][1].value == 1
    assert metrics["市政道路科"][6].number_format == "0.0%"
    assert metrics["市政道路科"][2].number_format == "General"  # out of 100, not a share

    people = book["人员"]
    assert [c.value for c in people[1]][:2] == ["姓名", "所属科室"]
    assert {r[0].value: r[1].value for r in people.iter_rows(min_row=2)}["刘强"] == "市政道路科"


async def test_a_heads_export_has_no_citizen_phones_and_csv_is_on_request(
    bot: Harness, worker: EmulatedUser, head: EmulatedUser, member: EmulatedUser
) -> None:
    await closed_issue(worker, head, member)
    await log_issue(worker, "小区停水", category="停水")

    await head.send("/export month csv")
    await bot.exported()

    document = head.last
    assert document.filename == "督办-2026年11月.zip" and document.document is not None
    archive = zipfile.ZipFile(io.BytesIO(document.document))
    assert sorted(archive.namelist()) == ["issues.csv", "metrics.csv", "people.csv", "timeline.csv"]
    rows = list(csv.reader(io.StringIO(archive.read("issues.csv").decode("utf-8-sig"))))
    assert "群众电话" not in rows[0]
    assert len(rows) == 2  # the roads issue only; the water one is another department's
    assert not any("13812345678" in cell for row in rows for cell in row)
    assert rows[1][rows[0].index("登记时间")] == "2026-11-25 09:00"  # as the workbook shows it


async def test_a_long_export_read_in_many_batches_has_every_issue_and_step_once(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.clock.advance(timedelta(days=-30))  # one issue in October: not in November's export
    await log_issue(worker, "十月的问题")
    bot.clock.advance(timedelta(days=30))
    numbers = [await log_issue(worker, f"问题{n}") for n in range(7)]  # all logged at one instant
    monkeypatch.setattr(reports, "BATCH", 5)  # issues five at a time, timelines one at a time
    batches: list[int] = []

    async def build(job: ExportJob, target: int) -> int:  # the export's process, told the size
        batches.append(job.batch_size)
        return await build_export(job, target)

    monkeypatch.setattr(handlers.stats, "build_export", build)

    await coordinator.send("/export 2026-11")
    await bot.exported()

    assert batches == [5]
    book = load_workbook(io.BytesIO(coordinator.last.document or b""), read_only=True)
    assert [row[0] for row in list(book["工单"].values)[1:]] == numbers
    assert [row[0] for row in list(book["办理记录"].values)[1:]] == numbers  # one step each


@pytest.fixture
async def small_upload_bot(
    api: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Harness]:
    """A bot allowed to send files of 0.005 MB at most: a workbook is bigger, a zip smaller."""
    settings = settings_for(api, tmp_path, telegram_upload_limit_mb=0.005)
    harness = await start_bot(api, settings, clock)
    yield harness
    await stop_bot(harness)


async def test_an_export_too_large_to_send_is_explained_and_csv_offered(
    small_upload_bot: Harness,
) -> None:
    coordinator = small_upload_bot.user(9001, "周敏")
    await log_issue(small_upload_bot.user(1001, "王芳"))

    await coordinator.send("/export")
    await small_upload_bot.exported()

    assert coordinator.last.kind == "text"
    assert "超过了机器人可发送的 0.005 MB" in coordinator.last.text
    assert "/export 本月 csv" in coordinator.last.text

    await coordinator.send("/export month csv")
    await small_upload_bot.exported()

    assert coordinator.last.kind == "document" and coordinator.last.filename is not None
    assert coordinator.last.filename.endswith(".zip")


async def test_typed_text_stays_text_in_a_spreadsheet(
    bot: Harness, worker: EmulatedUser, coordinator: EmulatedUser
) -> None:
    await log_issue(worker, '=HYPERLINK("http://x","点我")\x0b')

    await coordinator.send("/export")
    await bot.exported()

    book = load_workbook(io.BytesIO(coordinator.last.document or b""))
    cell = book["工单"]["G2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","点我")'


def test_a_timeline_longer_than_a_sheet_goes_on_in_the_next_sheet() -> None:
    """XLSX holds 1,048,576 rows a sheet; a big city's year has more steps. (Shown with sheets
    of five rows, as writing a million takes a minute.)"""
    org = load_organisation(TEST_ORG)
    at = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    tables = Tables(texts("zh"), org, ZoneInfo("Asia/Shanghai"), with_phones=False, now=at)
    export = XlsxExport(tables, rows_per_sheet=5)  # a header and four steps
    steps = [
        ExportEvent(n, f"2611-{n:04d}", at, "陈建国", "accepted", "roads", None, None)
        for n in range(1, 11)
    ]
    export.add_events(steps)
    spool = io.BytesIO()
    export.save(spool)

    book = load_workbook(spool, read_only=True)
    assert book.sheetnames == ["工单", "办理记录", "办理记录 (2)", "办理记录 (3)", "指标", "人员"]
    sheets = [list(book[name].values) for name in book.sheetnames[1:4]]
    assert all(sheet[0] == sheets[0][0] for sheet in sheets)  # each with the header
    assert [row[0] for sheet in sheets for row in sheet[1:]] == [s.number for s in steps]
    spool.seek(0)
    filtered = load_workbook(spool)  # (a read-only workbook has no panes nor filters)
    assert [filtered[name].auto_filter.ref for name in book.sheetnames[1:4]] == [
        "A1:H5", "A1:H5", "A1:H3",
    ]  # fmt: skip
    assert {filtered[name].freeze_panes for name in book.sheetnames[1:4]} == {"A2"}


def test_typed_text_reads_back_as_typed_and_is_cut_at_32767_characters() -> None:
    org = load_organisation(TEST_ORG)
    at = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    tables = Tables(texts("zh"), org, ZoneInfo("Asia/Shanghai"), with_phones=False, now=at)
    export = XlsxExport(tables)
    long = "路面塌陷" * 10_000  # 40,000 characters: more than Excel shows in a cell
    typed = [long, "第一行\n第二行\t完\x01", " <b>井盖</b> & 路灯\r\n ", "1 < 2 > 0 &amp;"]
    export.add_events(
        [
            ExportEvent(n, "2611-0001", at, "陈建国", "note", None, text, None)
            for n, text in enumerate(typed)
        ]
    )
    spool = io.BytesIO()
    export.save(spool)

    timeline = load_workbook(spool)["办理记录"]
    assert timeline["F2"].value == long[:32_767]
    assert timeline["F3"].value == "第一行\n第二行\t完"  # a control character XLSX forbids dropped
    assert timeline["F4"].value == " <b>井盖</b> & 路灯\r\n "
    assert timeline["F5"].value == "1 < 2 > 0 &amp;"
    assert timeline["B2"].value == datetime(2026, 11, 25, 9, 0)
    assert timeline["B2"].number_format == "yyyy-mm-dd hh:mm"


async def test_the_weekly_ranking_goes_to_the_coordinators_on_monday_morning(
    bot: Harness,
    worker: EmulatedUser,
    head: EmulatedUser,
    member: EmulatedUser,
    coordinator: EmulatedUser,
) -> None:
    await coordinator.send("/start")
    await closed_issue(worker, head, member)

    bot.clock.advance(timedelta(days=4, hours=23, minutes=59))  # Monday 08:59
    await bot.sweep()
    assert not any("各承办单位绩效排名" in m.text for m in coordinator.messages)
    bot.clock.advance(timedelta(minutes=1))
    await bot.sweep()
    await bot.sweep()

    rankings = [m for m in coordinator.messages if "各承办单位绩效排名" in m.text]
    assert len(rankings) == 1
    assert coordinator.last.kind == "photo"
    assert not any("各承办单位绩效排名" in m.text for m in head.messages)


def export_job(database: str, actor: Staff | None = None) -> ExportJob:
    """A coordinator's CSV export of November 2026 from `database` (a DATABASE_URL)."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return ExportJob(
        database=database,
        org=load_organisation(TEST_ORG),
        zone=ZoneInfo("Asia/Shanghai"),
        actor=actor or Staff(id=1, telegram_id=1, name="协调", role=Role.COORDINATOR,
                             department=None, active=True),
        report=reports.Report(Period(start, start + timedelta(days=30), "2026-11"), [], [],
                              everywhere=True, at=start),
        language="zh",
        as_csv=True,
        batch_size=reports.BATCH,
    )  # fmt: skip


async def test_an_export_whose_process_fails_raises_and_writes_nothing(tmp_path: Path) -> None:
    job = export_job(str(tmp_path / "no-such.sqlite3"))  # the process cannot open it

    with tempfile.TemporaryFile() as target:
        with pytest.raises(ExportFailed):
            await build_export(job, target.fileno())
        written = os.fstat(target.fileno()).st_size

    assert written == 0


def test_the_export_process_starts_in_the_projects_folder() -> None:
    assert (ROOT / "bot.py").is_file() and (ROOT / "exports" / "process.py").is_file()


async def test_an_export_finds_a_database_given_relative_to_the_bots_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the bot started elsewhere than the project's folder
    store = await SqliteStore.open(Path("data/duban.sqlite3"))
    org = load_organisation(TEST_ORG)
    await sync_organisation(Deps(store, org, FakeClock(), ZoneInfo("Asia/Shanghai")))
    async with store.transaction() as tx:
        await tx.staff.add(NewStaff(4242, "协调", Role.COORDINATOR, None), START)
        coordinator = await tx.staff.by_telegram_id(4242)

    with tempfile.TemporaryFile() as target:
        rows = await build_export(
            export_job("sqlite:///data/duban.sqlite3", coordinator), target.fileno()
        )
        target.seek(0)
        archive = zipfile.ZipFile(io.BytesIO(target.read()))
    await store.close()

    assert rows == 0
    assert sorted(archive.namelist()) == ["issues.csv", "metrics.csv", "people.csv", "timeline.csv"]


async def test_exports_beyond_those_built_at_once_wait_their_turn_showing_sending_a_file(
    bot: Harness, head: EmulatedUser, coordinator: EmulatedUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.resources.exports = ExportJobs(at_once=1)
    happened: list[str] = []
    release = {coordinator.id: asyncio.Event(), head.id: asyncio.Event()}

    async def build(job: ExportJob, target: int) -> int:  # as long as the test says
        who = job.actor.telegram_id
        happened.append(f"start {who}")
        await release[who].wait()
        happened.append(f"end {who}")
        return 0

    monkeypatch.setattr(handlers.stats, "build_export", build)

    def showing(person: EmulatedUser) -> bool:
        return any(
            c.method == "sendChatAction" and c.params.get("chat_id") == person.id
            for c in bot.api.calls
        )

    await coordinator.send("/export")
    await bot.api.wait_until(lambda: happened == [f"start {coordinator.id}"], 5)
    await head.send("/export")
    # The head's export has reached its turn's queue (it shows "sending a file…" first)...
    await bot.api.wait_until(lambda: showing(head), 5)
    assert happened == [f"start {coordinator.id}"]  # ...and waits there
    release[coordinator.id].set()
    await bot.api.wait_until(lambda: len(happened) == 3, 5)
    release[head.id].set()
    await bot.api.wait_until(lambda: len(happened) == 4, 5)

    assert happened == [
        f"start {coordinator.id}", f"end {coordinator.id}", f"start {head.id}", f"end {head.id}"
    ]  # fmt: skip


async def test_an_export_surely_too_large_is_refused_at_once_from_its_rows_before_it_is_built(
    small_upload_bot: Harness,
) -> None:
    coordinator = small_upload_bot.user(9001, "周敏")
    for n in range(80):  # 160 rows: some 7 kB as a workbook, 2 kB as zipped CSV files
        await logged(small_upload_bot.resources.deps, f"第{n}号路灯不亮")

    await coordinator.send("/export")
    await small_upload_bot.exported()

    assert coordinator.last.kind == "text"
    assert "工作簿约有 0.0 MB" not in coordinator.last.text  # said with its figure
    assert "工作簿约有 " in coordinator.last.text and "0.005 MB" in coordinator.last.text
    assert not small_upload_bot.api.calls_to("sendChatAction")  # nothing was built
    await coordinator.send("/export month csv")  # small enough: built, and sent
    await small_upload_bot.exported()
    assert coordinator.last.kind == "document"
