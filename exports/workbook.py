"""Exports: an XLSX workbook (XlsxWriter's, its rows written here as the sheets' XML, row by
row, so memory stays flat however many rows), or the same tables as CSV files in a ZIP. Sheets: issues, timeline, metrics, people.
`write_export` fills one from the use cases' batches."""

from __future__ import annotations

import asyncio
import csv
import io
import math
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, BinaryIO
from zoneinfo import ZoneInfo

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from casework.issues import EventKind, Source, Status, Verdict
from casework.metrics import DepartmentMetrics, PersonLoad
from casework.organisation import Organisation
from casework.people import Staff
from casework.ports import ExportEvent, ExportIssue
from casework.roles import Role
from casework.services import Deps, reports
from casework.services.reports import Report
from rendering.i18n import Texts
from rendering.labels import (
    category_name,
    department_name,
    event_kind_name,
    source_name,
    status_name,
    verdict_name,
)

Row = Sequence[object]
TIME_FORMAT = "yyyy-mm-dd hh:mm"  # the cells' format; CSV writes times the same way
_CSV_TIME = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 10  # in characters of the default font (a Chinese one is two)


# Widths for what a column holds; a header wider than its column widens it (`_Table`).
NUMBER, TIME, NAME, PLACE, TEXT = 11, 17, 12, 16, 50


class Tables:
    """The export's tables as rows, in the reader's language; written as XLSX or CSV.
    `now`: when the export was made (an open issue past its deadline then is overdue)."""

    def __init__(
        self, t: Texts, org: Organisation, zone: ZoneInfo, with_phones: bool, now: datetime
    ) -> None:
        self.t, self.org, self.zone, self.with_phones, self.now = t, org, zone, with_phones, now
        # Each name looked up once an export, not once a row (a month's timeline: 200,000).
        self._status = _Names(lambda code: status_name(Status(code), t))
        self._category = _Names(lambda code: category_name(code, org, t))
        self._department = _Names(lambda code: department_name(code, org, t))
        self._source = _Names(lambda code: source_name(Source(code), t))
        self._step = _Names(lambda code: event_kind_name(EventKind(code), t))
        self._verdict = _Names(lambda code: verdict_name(Verdict(code), t))
        self._yes, self._no = t._("yes"), t._("no")

    def issue_columns(self) -> Sequence[Column]:
        t = self.t
        columns = [
            Column(t._("Number"), NUMBER), Column(t._("Status"), PLACE),
            Column(t._("Category"), PLACE), Column(t._("Department"), PLACE),
            Column(t._("Urgent"), 6),
            Column(t._("Source")), Column(t._("Description"), TEXT),
            Column(t._("Address"), 30), Column(t._("Latitude")), Column(t._("Longitude")),
            Column(t._("Citizen"), NAME),
        ]  # fmt: skip
        if self.with_phones:
            columns.append(Column(t._("Citizen's phone"), 15))
        columns += [
            Column(t._("Reported by"), NAME), Column(t._("Handled by"), NAME),
            Column(t._("Person complained about"), NAME),
            Column(t._("Logged at"), TIME), Column(t._("Respond by"), TIME),
            Column(t._("Resolve by"), TIME), Column(t._("Resolved at"), TIME),
            Column(t._("Overdue"), 6), Column(t._("Result"), TEXT),
            Column(t._("Photos of the result")), Column(t._("Reopened")),
            Column(t._("Call-back"), NAME),
        ]  # fmt: skip
        return columns

    def issue_row(self, issue: ExportIssue) -> Row:
        t = self.t
        row: list[object] = [
            issue.number,
            self._status[issue.status],
            self._category[issue.category],
            self._department[issue.department],
            self._yes_no(issue.urgent),
            self._source[issue.source],
            issue.description,
            issue.address,
            issue.latitude,
            issue.longitude,
            issue.citizen_name,
        ]
        if self.with_phones:
            row.append(issue.citizen_phone)
        return [
            *row,
            issue.reporter,
            issue.handler,
            # A complaint's person (or "no one": the service as a whole); empty for a case.
            (issue.subject or t._("no one")) if issue.complaint else None,
            self._local(issue.created_at),
            self._local(issue.respond_by),
            self._local(issue.resolve_by),
            self._local(issue.resolved_at),
            self._yes_no(issue.overdue(self.now)),
            issue.resolution,
            issue.resolution_photos if issue.resolved_at is not None else None,
            issue.reopen_count,
            self._verdict[issue.callback] if issue.callback else None,
        ]

    def event_columns(self) -> Sequence[Column]:
        t = self.t
        return [
            Column(t._("Number"), NUMBER), Column(t._("Time"), TIME), Column(t._("Who"), NAME),
            Column(t._("Step"), NAME), Column(t._("Department"), PLACE),
            Column(t._("Text"), TEXT), Column(t._("Photos"), 6), Column(t._("Call-back"), NAME),
        ]  # fmt: skip

    def event_row(self, event: ExportEvent) -> Row:
        return [
            event.number,
            self._local(event.at),
            event.actor,
            self._step[event.kind],
            self._department[event.department] if event.department else None,
            event.text,
            event.photos or None,
            self._verdict[event.verdict] if event.verdict else None,
        ]

    def metrics_columns(self) -> Sequence[Column]:
        t = self.t
        titles = [
            t._("Rank"), t._("Composite score (of 100)"),
            t._("Contact rate"), t._("Solved rate"), t._("Satisfaction rate"),
            t._("On-time acceptance rate"), t._("On-time resolution rate"), t._("Closing rate"),
            t._("Reopen rate"),
            t._("Return rate"), t._("Complaint rate"), t._("Praise rate"),
            t._("Median hours to accept"), t._("Median hours to resolve"),
            t._("Open now"), t._("Overdue now"), t._("Praise"), t._("Handoffs due"),
            t._("Answered in time"), t._("Resolutions due"), t._("Resolved in time"),
            t._("Accepted"), t._("Closed of those"), t._("Call-backs with a verdict"),
            t._("Could not reach"), t._("Asked whether contacted"), t._("Contacted"),
            t._("Asked whether solved"), t._("Solved"), t._("Partly solved"),
            t._("Repeat calls"), t._("Duplicates"),
        ]  # fmt: skip
        return [Column(t._("Department"), PLACE), *(Column(title) for title in titles)]

    def metrics_rows(self, ranked: Iterable[DepartmentMetrics]) -> list[Row]:
        """The departments as ranked (best first, those not ranked last), each with its
        place."""
        return [
            self.metrics_row(m, n if m.has_ranked_rates else None)
            for n, m in enumerate(ranked, start=1)
        ]

    def metrics_row(self, m: DepartmentMetrics, rank: int | None = None) -> Row:
        """A department's figures; `rank`: its place in the ranking (None: not ranked, no
        data on any rate the score weighs)."""
        c = m.counts
        # A rate or a median with nothing to count from says so, as text: an empty cell
        # would read as a missing figure, a 0 as a bad one.
        unknown = self.t._("no data")
        figures = [
            None if m.score is None else round(100 * m.score, 1),
            m.contact_rate, m.solved_rate, m.satisfaction_rate,
            m.on_time_acceptance_rate, m.on_time_resolution_rate, m.closing_rate,
            m.reopen_rate, m.return_rate, m.complaint_rate, m.praise_rate,
            _hours(m.median_to_accept), _hours(m.median_to_resolve),
        ]  # fmt: skip
        return [
            department_name(m.department, self.org, self.t),
            unknown if rank is None else rank,
            *(unknown if figure is None else figure for figure in figures),
            c.open_now, c.overdue_now, c.praise, c.handoffs_due - c.withdrawn_before_due,
            c.answered_in_time, c.resolutions_due - c.transferred_before_due, c.resolved_in_time,
            c.accepted, c.accepted_then_closed,
            c.satisfied + c.basically_satisfied + c.dissatisfied, c.unreachable,
            c.contacted + c.not_contacted, c.contacted,
            c.solved + c.partly_solved + c.not_solved, c.solved, c.partly_solved,
            c.repeat_calls, c.duplicates,
        ]  # fmt: skip

    def people_columns(self) -> Sequence[Column]:
        t = self.t
        return [
            Column(t._("Name"), NAME), Column(t._("Their department"), PLACE),
            Column(t._("Open issues held")), Column(t._("Of them overdue")),
            Column(t._("Closed in the period")), Column(t._("Resolved in the period")),
            Column(t._("Complaints")), Column(t._("Complaint rate")),
            Column(t._("Praise")), Column(t._("Praise rate")),
        ]  # fmt: skip

    def people_row(self, person: PersonLoad) -> Row:
        """What they hold and how much of it is overdue when the figures were read (as /stats
        shows), and their closings in the period."""
        department = department_name(person.department, self.org, self.t)
        # A reader's own complaints are not theirs to see: those cells stay empty. A rate with
        # nothing to count from says so.
        unknown = self.t._("no data")
        hidden = person.complaints is None
        return [
            person.name, department, person.open_held, person.overdue_held,
            person.closed_in_period, person.resolved_in_period,
            None if hidden else person.complaints,
            None if hidden else (unknown if person.complaint_rate is None else person.complaint_rate),
            person.praised,
            unknown if person.praise_rate is None else person.praise_rate,
        ]  # fmt: skip

    def _local(self, moment: datetime | None) -> datetime | None:
        # Spreadsheets have no time zones: local wall-clock time, as people read it.
        return moment.astimezone(self.zone).replace(tzinfo=None) if moment else None

    def _yes_no(self, value: bool) -> str:
        return self._yes if value else self._no


class _Names(dict[str, str]):
    """Names by their code, each found once by `name` when first asked for."""

    def __init__(self, name: Callable[[str], str]) -> None:
        super().__init__()
        self._name = name

    def __missing__(self, code: str) -> str:
        self[code] = found = self._name(code)
        return found


MAX_ROWS = 1_048_576  # rows an XLSX sheet can hold, its header included


# What a row takes in the file, measured on the benchmark's city (BENCHMARKS.md, a year of
# 3,006,270 rows: the workbook 51.3 bytes a row, its texts in their cells (openpyxl's workbook,
# with a table of the distinct texts, took 45.9; a month takes 52.0); the zipped CSV files 11.7):
# rows × these tells before building whether a file can be sent (`estimated_mb`).
BYTES_PER_ROW = {False: 51.3, True: 11.7}  # as_csv
SURELY_OVER = 1.15  # an estimate this far past the limit is refused; nearer, it is built


def estimated_mb(rows: int, as_csv: bool) -> float:
    """The file's size, about, without what every file has whatever its rows (its styles,
    its figures' sheets): an estimate on the low side, so that only a file surely too large
    is refused before it is built."""
    return rows * BYTES_PER_ROW[as_csv] / 1_000_000


class XlsxExport:
    """A workbook filled table by table in batches, memory flat however many rows. A table
    longer than a sheet can hold (a year's timeline in a big city) goes on in "Timeline (2)" and
    so on. Each sheet has its columns' widths, its header row bold and frozen with a filter on
    it, and times as `yyyy-mm-dd hh:mm`.

    XlsxWriter writes the workbook: its sheets with their headers, widths, panes and filters,
    the styles, and the files that tie them together. The rows, the bulk of it, are written here
    as the sheets' XML, each row one string, into a temporary file per sheet, and put into the
    sheets when the workbook is saved: written cell by cell through XlsxWriter (in its
    constant-memory mode), a month at a million issues took 12 s instead of 3 (BENCHMARKS.md, "A
    month's export"). The tables are filled in their order (issues, timeline, metrics, people),
    as `write_export` fills them: the sheets stand in the order begun."""

    RATE_COLUMNS = range(3, 13)  # the rates, shown as percentages (after the rank and score)
    PEOPLE_RATES = (7, 9)  # a person's complaint and praise rates

    def __init__(self, tables: Tables, rows_per_sheet: int = MAX_ROWS) -> None:
        self.tables = tables
        # The file is given at `save`. In memory: what XlsxWriter writes is small (the rows are
        # not in it), and no temporary file of it is left behind if the process is killed.
        self.book = xlsxwriter.Workbook(options={"in_memory": True})
        bold = self.book.add_format({"bold": True})
        time = self.book.add_format({"num_format": TIME_FORMAT})
        percent = self.book.add_format({"num_format": "0.0%"})
        # The rows' cells name their style by its number in the file: XlsxWriter numbers a
        # style when a cell of its own first uses it, so these two are numbered now.
        styles = _Styles(bold, time=time._get_xf_index(), percent=percent._get_xf_index())
        t = tables.t
        self._tables = [
            _Table(self.book, styles, title, columns, rows_per_sheet)
            for title, columns in (
                (t._("Issues"), tables.issue_columns()),
                (t._("Timeline"), tables.event_columns()),
                (t._("Metrics"), tables.metrics_columns()),
                (t._("People"), tables.people_columns()),
            )
        ]
        self.issues, self.timeline, self.metrics, self.people = self._tables

    def add_issues(self, rows: Iterable[ExportIssue]) -> None:
        issue_row = self.tables.issue_row
        self._begun(self.issues).extend(issue_row(issue) for issue in rows)

    def add_events(self, rows: Iterable[ExportEvent]) -> None:
        event_row = self.tables.event_row
        self._begun(self.timeline).extend(event_row(event) for event in rows)

    def add_metrics(self, rows: Iterable[DepartmentMetrics]) -> None:
        """The departments as ranked, best first."""
        table = self._begun(self.metrics)
        table.extend(self.tables.metrics_rows(rows), percent=self.RATE_COLUMNS)

    def add_people(self, rows: Iterable[PersonLoad]) -> None:
        table = self._begun(self.people)
        table.extend((self.tables.people_row(p) for p in rows), percent=self.PEOPLE_RATES)

    def save(self, target: BinaryIO) -> None:
        sheets: dict[str, _SheetRows] = {}
        for table in self._tables:  # tables with no rows still get their sheet and header
            self._begun(table).finish()
            sheets.update((f"xl/worksheets/sheet{s.sheet.index + 1}.xml", s) for s in table.sheets)
        with tempfile.TemporaryFile() as spool:
            self.book.filename = spool  # (XlsxWriter writes the ZIP to a file object as well)
            self.book.close()
            spool.seek(0)
            with (
                zipfile.ZipFile(spool) as written,
                zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as book,
            ):
                for entry in written.infolist():
                    content = written.read(entry)
                    rows = sheets.pop(entry.filename, None)
                    if rows is None:
                        book.writestr(entry, content)
                    else:
                        # A sheet past 2 GB (a million rows of long texts) needs ZIP64.
                        large = rows.size() > _LARGE
                        with book.open(entry.filename, "w", force_zip64=large) as sheet:
                            rows.into(content.decode("utf-8"), sheet)
        if sheets:
            raise RuntimeError(f"sheets not found in the workbook: {sorted(sheets)}")

    def _begun(self, table: _Table) -> _Table:
        """The table with its first sheet begun, after those of the tables before it."""
        for each in self._tables:
            each.begin()
            if each is table:
                break
        return table


@dataclass(frozen=True)
class _Styles:
    bold: Format  # the header's
    time: int  # the style numbers of the rows' cells
    percent: int


class _SheetRows:
    """A sheet's rows after its header, as the sheet's XML, in a temporary file until saved."""

    def __init__(self, sheet: Worksheet, width: int) -> None:
        self.sheet = sheet
        self.rows = 1  # the header
        self._last = xl_col_to_name(width - 1)
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by `into`)

    def write(self, xml: str) -> None:
        self._file.write(xml.encode("utf-8"))

    def size(self) -> int:
        """The rows' bytes."""
        return self._file.seek(0, io.SEEK_END)

    def into(self, written: str, target: IO[bytes]) -> None:
        """The sheet as XlsxWriter wrote it (its header the only row), with these rows after
        the header, to `target`."""
        head, tail = written.split("</sheetData>", 1)
        head = _DIMENSION.sub(f'<dimension ref="A1:{self._last}{self.rows}"/>', head, count=1)
        target.write(head.encode("utf-8"))
        self._file.seek(0)
        shutil.copyfileobj(self._file, target, _COPY)
        self._file.close()
        target.write(("</sheetData>" + tail).encode("utf-8"))


_LARGE = 1 << 30  # bytes of rows: a sheet this large gets room for more than 2 GB (ZIP64)
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
_COPY = 1 << 20


class _Table:
    """One table of the workbook, on as many sheets as it needs, each with the header."""

    def __init__(
        self, book: Workbook, styles: _Styles, title: str, columns: Sequence[Column], rows: int
    ) -> None:
        self._book, self._styles, self._title = book, styles, title
        self._columns, self._limit = columns, rows
        self._letters = [xl_col_to_name(n) for n in range(len(columns))]
        self.sheets: list[_SheetRows] = []

    def begin(self) -> None:
        if not self.sheets:
            self._next_sheet()

    def extend(self, rows: Iterable[Row], percent: Container[int] = ()) -> None:
        sheet = self.sheets[-1]
        styles, letters = self._styles, self._letters
        xml: list[str] = []
        for row in rows:
            if sheet.rows == self._limit:
                sheet.write("".join(xml))
                xml.clear()
                self.finish()
                sheet = self._next_sheet()
            sheet.rows += 1
            xml.append(_row_xml(sheet.rows, row, letters, styles, percent))
        sheet.write("".join(xml))

    def finish(self) -> None:
        """The filter over the sheet's rows, now that they are all written."""
        sheet = self.sheets[-1]
        sheet.sheet.autofilter(0, 0, sheet.rows - 1, len(self._columns) - 1)

    def _next_sheet(self) -> _SheetRows:
        number = len(self.sheets) + 1
        title = self._title if number == 1 else f"{self._title} ({number})"
        if self.sheets and self._book.worksheets()[-1] is not self.sheets[-1].sheet:
            # Next to the sheet it continues, not after the tables that follow: those are
            # begun once this table is done.
            raise RuntimeError(f"{title}: a table goes on after the next one was begun")
        sheet: Worksheet = self._book.add_worksheet(title, worksheet_class=_Sheet)
        for n, column in enumerate(self._columns):
            width = max(column.width, _display_width(column.title) + 4)  # + the filter's button
            # In pixels, 7 a character: the file then records the width as it is here.
            # (`set_column` would add the cell's padding to it.)
            sheet.set_column_pixels(n, n, round(7 * width))
        sheet.freeze_panes(1, 0)  # the header stays in sight
        for n, column in enumerate(self._columns):
            sheet.write_string(0, n, column.title, self._styles.bold)
        rows = _SheetRows(sheet, len(self._columns))
        self.sheets.append(rows)
        return rows


def _row_xml(
    at: int, row: Row, letters: Sequence[str], styles: _Styles, percent: Container[int]
) -> str:
    """A row of the sheet, as XML. What people typed stays text: no formulas (`=…` is a
    string), no characters XLSX forbids, at most the 32,767 characters a cell holds (cut there).
    Times read `yyyy-mm-dd hh:mm`; rates, where asked, as percentages."""
    xml = [f'<row r="{at}">']
    for n, value in enumerate(row):
        if isinstance(value, str):
            if value:  # (an empty text is an empty cell)
                xml.append(f'<c r="{letters[n]}{at}" t="inlineStr"><is>{_text(value)}</is></c>')
        elif value is None:
            continue
        elif isinstance(value, datetime):  # as its serial number, days since Excel's epoch
            days = (value - _EXCEL_EPOCH) / _DAY
            xml.append(f'<c r="{letters[n]}{at}" s="{styles.time}"><v>{days!r}</v></c>')
        elif isinstance(value, bool):
            xml.append(f'<c r="{letters[n]}{at}" t="b"><v>{value:d}</v></c>')
        elif isinstance(value, int | float) and math.isfinite(value):
            rate = f' s="{styles.percent}"' if isinstance(value, float) and n in percent else ""
            xml.append(f'<c r="{letters[n]}{at}"{rate}><v>{value!r}</v></c>')
        else:
            xml.append(f'<c r="{letters[n]}{at}" t="inlineStr"><is>{_text(str(value))}</is></c>')
    xml.append("</row>")
    return "".join(xml)


def _text(value: str) -> str:
    """A cell's text as its `<t>` element."""
    if _ILLEGAL_CHARACTERS.search(value):
        value = _ILLEGAL_CHARACTERS.sub("", value)
    if len(value) > MAX_TEXT // 2:  # (a character takes one or two of the 32,767)
        value = _cut(value)
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:  # (a bare carriage return would be read as a line feed)
        value = value.replace("\r", "&#13;")
    if "_x" in value:  # text that reads like Excel's escape of a character stays as typed
        value = _EXCEL_ESCAPE.sub(r"_x005F\1", value)
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def _cut(value: str) -> str:
    """The text as long as a cell holds, counted as Excel counts (UTF-16 units)."""
    encoded = value.encode("utf-16-le")
    if len(encoded) <= 2 * MAX_TEXT:
        return value
    return encoded[: 2 * MAX_TEXT].decode("utf-16-le", errors="ignore")  # no half a character


MAX_TEXT = 32_767  # characters a cell holds
# The control characters XLSX cannot hold, all but tab and the line breaks (as openpyxl, which
# wrote the workbooks before, cleaned them).
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 0 (1900-based, with Excel's leap day 1900-02-29)
_DAY = timedelta(days=1)


class _Sheet(Worksheet):  # type: ignore[misc]  # (XlsxWriter has no type hints)
    """A sheet that records each column's width on its own: XlsxWriter would record columns of
    the same width side by side as one range, and a program reading the file by column (openpyxl
    does) would find the width on the range's first column only."""

    def _write_cols(self) -> None:
        if not self.col_info:
            return
        self._xml_start_tag("cols")
        for column in sorted(self.col_info):
            self._write_col_info(column, column, self.col_info[column])
        self._xml_end_tag("cols")


def _display_width(text: str) -> int:
    """How many columns of a fixed-width font the text takes: a Chinese character two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


class CsvExport:
    """The same tables as CSV files (UTF-8 with a BOM, as Excel expects), zipped together.

    Written as the rows come, into a ZIP in a temporary file (a year's timeline does not fit
    comfortably in memory); the tables come one after another, as the export adds them."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by save)
        self._archive = zipfile.ZipFile(self._spool, "w", zipfile.ZIP_DEFLATED)
        self._headers = {
            name: [column.title for column in columns]
            for name, columns in (
                ("issues", tables.issue_columns()),
                ("timeline", tables.event_columns()),
                ("metrics", tables.metrics_columns()),
                ("people", tables.people_columns()),
            )
        }
        self._open: tuple[str, IO[bytes], io.TextIOWrapper] | None = None

    def add_issues(self, rows: Iterable[ExportIssue]) -> None:
        self._write("issues", (self.tables.issue_row(r) for r in rows))

    def add_events(self, rows: Iterable[ExportEvent]) -> None:
        self._write("timeline", (self.tables.event_row(r) for r in rows))

    def add_metrics(self, rows: Iterable[DepartmentMetrics]) -> None:
        self._write("metrics", self.tables.metrics_rows(rows))

    def add_people(self, rows: Iterable[PersonLoad]) -> None:
        self._write("people", (self.tables.people_row(r) for r in rows))

    def _write(self, name: str, rows: Iterable[Row]) -> None:
        csv.writer(self._file(name)).writerows([_csv_cell(v) for v in row] for row in rows)

    def _file(self, name: str) -> io.TextIOWrapper:
        """The table's file in the archive, opened (and the one before closed) on first use."""
        if self._open is not None and self._open[0] == name:
            return self._open[2]
        self._close_file()
        entry = self._archive.open(f"{name}.csv", "w", force_zip64=True)  # may pass 2 GB
        text = io.TextIOWrapper(entry, encoding="utf-8-sig", newline="")
        csv.writer(text).writerow(self._headers.pop(name))
        self._open = (name, entry, text)
        return text

    def _close_file(self) -> None:
        if self._open is not None:
            self._open[2].close()  # closes the entry too
            self._open = None

    def save(self, target: BinaryIO) -> None:
        for name in list(self._headers):  # tables with no rows still get their header
            self._file(name)
        self._close_file()
        self._archive.close()
        self._spool.seek(0)
        shutil.copyfileobj(self._spool, target)
        self._spool.close()


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # it would run as a formula when the file is opened
    if isinstance(value, datetime):
        return value.strftime(_CSV_TIME)  # as the workbook shows it, without seconds
    return value


def _hours(value: timedelta | None) -> float | None:
    return round(value.total_seconds() / 3600, 2) if value is not None else None


async def write_export(
    deps: Deps,
    actor: Staff,
    report: Report,
    t: Texts,
    as_csv: bool,
    target: BinaryIO,
    batch_size: int = reports.BATCH,
) -> int:
    """The report's period as a workbook (or zipped CSV files) written to `target`; how many
    issue and timeline rows it holds. The rows are read in batches and written in a thread."""
    with_phones = actor.role is Role.COORDINATOR
    tables = Tables(t, deps.org, deps.zone, with_phones, now=report.at)  # as its figures
    file = CsvExport(tables) if as_csv else XlsxExport(tables)
    rows = 0
    async for issue_batch in reports.issue_rows(deps, actor, report.period, batch_size):
        await asyncio.to_thread(file.add_issues, issue_batch)
        rows += len(issue_batch)
    async for event_batch in reports.event_rows(deps, actor, report.period, batch_size):
        await asyncio.to_thread(file.add_events, event_batch)
        rows += len(event_batch)
    file.add_metrics(report.departments)
    file.add_people(report.workload)
    await asyncio.to_thread(file.save, target)
    return rows
