"""Charts of department performance for /stats, drawn headless with matplotlib, to be read on
a phone without zooming.

Figures are built with `matplotlib.figure.Figure` directly, never pyplot (which keeps every
figure in global state), and rendered in a worker thread by the caller. Chinese labels use
Noto Sans CJK SC from the `mplfonts` wheel: matplotlib's own font has no Chinese glyphs.

Sizes are in inches and points of a figure about as wide as a phone shows a photo (`WIDTH`;
a phone is about 390 points wide): an inch of the figure is about 100 points on the screen, so
a 10-point label reads at 13-14 points, as large as the chat's own text. A phone fits a photo
whole on its screen, so a tall figure is shown smaller: everything is laid out from the top
down in inches (more rows make the figure taller, never the text smaller) and a chart is
widened where that shows it larger (`_Sheet.scale`). It is drawn at `LONGEST_SIDE` pixels on
its longer side, the most Telegram keeps of a photo.
"""

from __future__ import annotations

import html
import importlib.resources
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.textpath import TextToPath

from casework.metrics import (
    CITIZEN_RATES,
    RANKED_RATES,
    DepartmentMetrics,
    Stretch,
    fraction,
    stride,
)
from casework.organisation import Organisation, Targets
from rendering.dates import short_day, short_month
from rendering.i18n import Texts
from rendering.labels import department_name

CJK_FAMILY = "Noto Sans CJK SC"
WIDTH = 3.9  # inches, at the least
PHONE = (390, 844)  # points: the screen a photo is fitted to, whole
LONGEST_SIDE = 1280  # pixels
MARGIN = 0.12  # inches, left and right

# Sizes in points. The font has one weight: emphasis is size and colour.
TITLE, HEADING, LABEL, SMALL = 13.0, 11.5, 10.0, 9.0
INK, MUTED, TRACK = "#1f2328", "#5f6670", "#eceef1"
MET, MISSED, DISTRICT_LINE = "#2f6db5", "#d9822b", "#8a8f98"


@cache
def cjk_font() -> str:
    """Register the CJK font with matplotlib once; its family name."""
    path = importlib.resources.files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    return CJK_FAMILY


@cache
def _properties(size: float) -> FontProperties:
    return FontProperties(family=[cjk_font(), "DejaVu Sans"], size=size)


_TEXT_TO_PATH = TextToPath()


@lru_cache(maxsize=4096)  # a chart measures each name several times
def width_of(text: str, size: float) -> float:
    """How wide a line of text is drawn, in inches."""
    width, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(text, _properties(size), False)
    return float(width) / 72


def line_height(size: float) -> float:
    return 1.45 * size / 72


def wrap(words: Sequence[str], joiner: str, size: float, width: float) -> list[str]:
    """The words joined by `joiner` in lines at most `width` inches wide; a word wider than
    that is broken between its characters."""
    lines: list[str] = []
    line = ""
    for n, word in enumerate(words):
        piece = word + (joiner if n < len(words) - 1 else "")
        if line and width_of(line + piece.rstrip(), size) > width:
            lines.append(line.rstrip())
            line = ""
        while width_of(piece.rstrip(), size) > width:  # a word too wide alone: cut it
            cut = max(
                (k for k in range(1, len(piece)) if width_of(piece[:k], size) <= width),
                default=1,
            )
            lines.append(piece[:cut].rstrip())
            piece = piece[cut:]
        line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _name_lines(name: str, width: float) -> list[str]:
    """A department's name in at most two lines (between words if it has spaces)."""
    if width_of(name, LABEL) <= width:
        return [name]
    spaced = " " in name
    lines = wrap(name.split(" ") if spaced else list(name), " " if spaced else "", LABEL, width)
    if len(lines) > 2:
        lines = [lines[0], _cut(lines[1], width, LABEL)]
    return lines


def _cut(text: str, width: float, size: float) -> str:
    """Text cut to a width, with an ellipsis if it had to be."""
    if width_of(text, size) <= width:
        return text
    while text and width_of(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip(" ,.") + "…"


def _plain(text: str) -> str:
    """A catalog text as drawn: the values in it come HTML-escaped, for messages."""
    return html.unescape(text)


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


@dataclass(frozen=True)
class _Rate:
    name: str  # one of RANKED_RATES
    label: str
    target: float | None

    def of(self, m: DepartmentMetrics) -> float | None:
        value: float | None = getattr(m, self.name)
        return value

    def missed(self, value: float) -> bool:
        return self.target is not None and value < self.target


def rate_labels(t: Texts) -> dict[str, str]:
    """The names of `RANKED_RATES`, as charts, texts and the export's columns call them."""
    return {
        "contact_rate": t._("Contact rate"),
        "solved_rate": t._("Solved rate"),
        "satisfaction_rate": t._("Satisfaction rate"),
        "on_time_acceptance_rate": t._("On-time acceptance rate"),
        "on_time_resolution_rate": t._("On-time resolution rate"),
    }


def _rates(t: Texts, targets: Targets) -> list[_Rate]:
    labels = rate_labels(t)
    return [_Rate(name, _plain(labels[name]), getattr(targets, name)) for name in RANKED_RATES]


Draw = Callable[[Figure, float], None]  # given the figure and its height in inches


class _Sheet:
    """A figure `width` inches wide laid out from the top down: `y` is how far down (inches)
    the next thing goes. What is put on it is drawn once its height is known."""

    def __init__(self, width: float) -> None:
        self.width = width
        self.y = 0.0
        self._draws: list[Draw] = []

    def text(self, x: float, text: str, size: float, colour: str = INK, ha: str = "left") -> None:
        """A line of text whose top is at `y` (`y` does not move); `x` from the left."""
        y, width = self.y, self.width

        def draw(figure: Figure, height: float) -> None:
            figure.text(
                x / width, 1 - y / height, text, fontsize=size, color=colour, va="top", ha=ha,
                parse_math=False,
            )  # fmt: skip

        self._draws.append(draw)

    def lines(self, x: float, lines: Sequence[str], size: float, colour: str = INK) -> None:
        for line in lines:
            self.text(x, line, size, colour)
            self.y += line_height(size)

    def later(self, draw: Draw) -> None:
        self._draws.append(draw)

    def axes(self, figure: Figure, height: float, box: tuple[float, float, float, float]) -> Axes:
        """Axes at (left, top, width, height) in inches from the figure's top left corner."""
        left, top, w, h = box
        return figure.add_axes(
            (left / self.width, 1 - (top + h) / height, w / self.width, h / height)
        )

    @property
    def height(self) -> float:
        return self.y + 0.15

    @property
    def scale(self) -> float:
        """Points on a phone's screen an inch of the figure takes, shown whole on it."""
        return min(PHONE[0] / self.width, PHONE[1] / self.height)

    def figure(self) -> Figure:
        height = self.height
        figure = Figure(figsize=(self.width, height), dpi=LONGEST_SIDE / max(self.width, height))
        figure.patch.set_facecolor("white")
        for draw in self._draws:
            draw(figure, height)
        return figure


def png(figure: Figure) -> bytes:
    """The figure as a PNG. Drawn, each of its texts keeps the renderer it was drawn with, and
    with it the picture's pixels (3 MB for a picture 1280 pixels tall), until the figure is
    collected: a full garbage collection, figures having reference cycles (50 ms in a bot at a
    million issues). Let go of them here: pictures drawn one after another hold one picture's
    pixels at a time, not five (16 MB at the at-scale benchmark's peak)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    for text in figure.findobj(Text):  # what each was last drawn with (matplotlib's own)
        text._renderer = None  # type: ignore[attr-defined]
    return buffer.getvalue()


def _drawn(sheet: _Sheet) -> bytes:
    """The sheet's figure as a PNG: built (with the CJK font) only to be drawn."""
    with matplotlib.rc_context({"font.family": [cjk_font(), "DejaVu Sans"]}):
        figure = sheet.figure()
    return png(figure)


def _title(sheet: _Sheet, title: str) -> None:
    sheet.y = 0.12
    sheet.lines(MARGIN, wrap(title.split(" "), " ", TITLE, sheet.width - 2 * MARGIN), TITLE)
    sheet.y += 0.04


def _legend(sheet: _Sheet, handles: list[Patch | Line2D]) -> None:
    """A legend in a band of its own under the title, clear of every panel."""
    y, width = sheet.y, sheet.width

    def draw(figure: Figure, height: float) -> None:
        figure.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(MARGIN / width, 1 - y / height),
            ncol=len(handles), frameon=False, fontsize=SMALL, borderaxespad=0, borderpad=0,
            handlelength=1.6, columnspacing=1.2, handletextpad=0.5,
        )  # fmt: skip

    sheet.later(draw)
    sheet.y += line_height(SMALL) + 0.14


def _heading(sheet: _Sheet, rate: str, figures: str, own: str = "") -> None:
    """A panel's heading: the rate on the left; its figures, muted, on the right, after `own`
    (a head's figure, in blue); below the rate if they do not fit beside it."""
    own_width = width_of(own + " ", HEADING) if own else 0.0
    top = sheet.y
    sheet.text(MARGIN, rate, HEADING)
    room = sheet.width - 2 * MARGIN
    beside = width_of(rate, HEADING) + 0.2 + own_width + width_of(figures, SMALL) <= room
    if beside:
        right = sheet.width - MARGIN
        x = right - width_of(figures, SMALL) - own_width
    else:
        sheet.y += line_height(HEADING)
        x = MARGIN
    if own:
        sheet.text(x, own, HEADING, MET)
    sheet.y += (HEADING - SMALL) / 72  # the smaller text on the same line, near enough
    sheet.text(x + own_width, figures, SMALL, MUTED)
    sheet.y = top + line_height(HEADING) * (1 if beside else 2) + 0.04


ROW = 0.23  # inches: a row of the ranking whose name takes one line
BAR = 0.14
BARS_AT_LEAST = 1.2  # inches


READABLE = 10.0  # points: the smallest text of a ranking on a phone, shown whole


def ranking_charts(
    metrics: list[DepartmentMetrics],
    district: DepartmentMetrics | None,
    targets: Targets,
    t: Texts,
    org: Organisation,
    title: str,
) -> list[bytes]:
    """`ranking_figures` as PNGs, each figure built when it is drawn (one at a time)."""
    return [_drawn(s) for s in _ranking_sheets(metrics, district, targets, t, org, title)]


def ranking_figures(
    metrics: list[DepartmentMetrics],
    district: DepartmentMetrics | None,
    targets: Targets,
    t: Texts,
    org: Organisation,
    title: str,
) -> list[Figure]:
    """A coordinator's chart: a panel per rate (the citizen's first), the departments in each
    in the ranking's order, by the composite score, best first (a department's bars are at
    the same height in every panel, and a rate that pulls one down stands out; a place in the
    ranking before each name made the names wider, and a dozen English ones unreadable on a
    phone: the message has the places and the scores), each bar with its rate and how many of
    how many; a dashed line at the target, bars short of it in
    orange; departments with no data on a rate named under its panel, those with no data at
    all once, at the end.

    One figure, unless its text would read smaller than `READABLE` on a phone: then two (a
    dozen departments), the citizen's rates and the process rates, or a
    figure per rate (a large district), sent as an album. The departments with no data at
    all are named at the end of the last."""
    with matplotlib.rc_context({"font.family": [cjk_font(), "DejaVu Sans"]}):
        return [s.figure() for s in _ranking_sheets(metrics, district, targets, t, org, title)]


def _ranking_sheets(
    metrics: list[DepartmentMetrics],
    district: DepartmentMetrics | None,
    targets: Targets,
    t: Texts,
    org: Organisation,
    title: str,
) -> list[_Sheet]:
    """`ranking_figures`' layouts."""
    with matplotlib.rc_context({"font.family": [cjk_font(), "DejaVu Sans"]}):
        ranking = _Ranking(metrics, district, targets, t, org)
        rates = ranking.rates
        citizen = len(CITIZEN_RATES)  # the citizen's rates come first
        for groups in ([rates], [rates[:citizen], rates[citizen:]]):
            sheets = [
                ranking.best(title, group, idle=n == len(groups) - 1)
                for n, group in enumerate(groups)
            ]
            if all(_readable(sheet) for sheet in sheets):
                return sheets
        last = len(rates) - 1
        return [ranking.best(title, [r], idle=n == last) for n, r in enumerate(rates)]


def _readable(sheet: _Sheet) -> bool:
    """Whether its smallest text reads at `READABLE` or larger on a phone, shown whole."""
    return sheet.scale * SMALL / 72 >= READABLE


class _Ranking:
    """What a coordinator's chart shows, to lay out at a width."""

    def __init__(
        self,
        metrics: list[DepartmentMetrics],
        district: DepartmentMetrics | None,
        targets: Targets,
        t: Texts,
        org: Organisation,
    ) -> None:
        self.t, self.district = t, district
        self.rates = _rates(t, targets)
        self.rated = [m for m in metrics if m.has_ranked_rates]
        self.idle = [m for m in metrics if not m.has_ranked_rates]
        self.names = {m.department: department_name(m.department, org, t) for m in metrics}
        self.joiner = _plain(t._(", "))
        self.shown = {
            (m.department, r.name): (percent(value), f"{part:g}/{whole}")
            for m in self.rated
            for r in self.rates
            if (value := r.of(m)) is not None
            for part, whole in [fraction(m.counts, r.name)]
        }
        rates = max((width_of(v, LABEL) for v, _ in self.shown.values()), default=0.0)
        counts = max((width_of(c, SMALL) for _, c in self.shown.values()), default=0.0)
        self.values_width = rates + 0.1 + counts
        self.names_width = max(
            (width_of(self.names[m.department], LABEL) for m in self.rated), default=0.0
        )

    def width_for_names(self) -> float:
        """How wide the figure is with every name on one line."""
        return 2 * MARGIN + self.names_width + 0.2 + BARS_AT_LEAST + self.values_width

    def best(self, title: str, rates: list[_Rate], idle: bool) -> _Sheet:
        """Laid out as wide as a phone, or wider if long names would wrap and the figure is
        shown larger so (a tall figure is shown smaller)."""
        sheet = self.sheet(WIDTH, title, rates, idle)
        if self.width_for_names() > WIDTH:
            wide = self.sheet(self.width_for_names(), title, rates, idle)
            if wide.scale > sheet.scale:
                return wide
        return sheet

    def sheet(self, width: float, title: str, rates: list[_Rate], idle: bool) -> _Sheet:
        """`rates`' panels; `idle`: and the departments with no data at all."""
        t = self.t
        names_width = min(self.names_width, self.names_width + width - self.width_for_names())
        bar_left = MARGIN + names_width + 0.1
        values_left = width - MARGIN - self.values_width
        sheet = _Sheet(width)
        _title(sheet, title)
        if any(r.target is not None for r in rates):
            _legend(
                sheet,
                [
                    Patch(color=MET, label=_plain(t._("target met"))),
                    Patch(color=MISSED, label=_plain(t._("target missed"))),
                    Line2D([], [], color=INK, linestyle=(0, (3, 2)), label=_plain(t._("target"))),
                ],
            )
        for n, r in enumerate(rates):
            if n:
                sheet.y += 0.14
            figures = []
            if self.district is not None and (whole := r.of(self.district)) is not None:
                figures.append(_plain(t._("district {rate}", rate=percent(whole))))
            if r.target is not None:
                figures.append(_plain(t._("target {rate}", rate=percent(r.target))))
            _heading(sheet, r.label, " · ".join(figures))
            having = [m for m in self.rated if r.of(m) is not None]  # in the ranking's order
            top, heights = sheet.y, []
            for m in having:
                lines = _name_lines(self.names[m.department], names_width)
                h = ROW + line_height(LABEL) * (len(lines) - 1)
                middle = sheet.y + h / 2
                sheet.y = middle - line_height(LABEL) * len(lines) / 2 + 0.015
                for line in lines:
                    sheet.text(bar_left - 0.08, line, LABEL, ha="right")
                    sheet.y += line_height(LABEL)
                value, count = self.shown[(m.department, r.name)]
                sheet.y = middle - line_height(LABEL) / 2 + 0.015
                sheet.text(values_left, value, LABEL, MISSED if r.missed(r.of(m) or 0) else INK)
                sheet.y = middle - line_height(SMALL) / 2 + 0.01
                sheet.text(width - MARGIN, count, SMALL, MUTED, ha="right")
                sheet.y = middle + h / 2
                heights.append(h)
            if having:
                box = (bar_left, top, values_left - 0.1 - bar_left, sum(heights))
                sheet.later(_bars(sheet, r, having, heights, box))
            missing = [self.names[m.department] for m in self.rated if r.of(m) is None]
            if missing:
                sheet.y += 0.03
                names = self.joiner.join(missing)
                self._names(sheet, t._("No data: {departments}", departments=names), SMALL)
        if idle and self.idle:
            sheet.y += 0.14
            names = self.joiner.join(self.names[m.department] for m in self.idle)
            self._names(
                sheet, t._("No data in this period: {departments}", departments=names), LABEL
            )
        if idle and not self.rated and not self.idle:
            sheet.lines(MARGIN, [_plain(t._("no data"))], LABEL, MUTED)
        return sheet

    def _names(self, sheet: _Sheet, text: str, size: float) -> None:
        """A line of names (more lines if they do not fit in one), muted."""
        whole = _plain(text)
        room = sheet.width - 2 * MARGIN
        sheet.lines(MARGIN, wrap(whole.split(self.joiner), self.joiner, size, room), size, MUTED)


def _bars(
    sheet: _Sheet,
    r: _Rate,
    having: list[DepartmentMetrics],
    heights: list[float],
    box: tuple[float, float, float, float],
) -> Draw:
    def draw(figure: Figure, height: float) -> None:
        axes = sheet.axes(figure, height, box)
        axes.set_xlim(0, 1)
        axes.set_ylim(box[3], 0)  # inches from the panel's top
        axes.set_axis_off()
        y = 0.0
        for m, h in zip(having, heights, strict=True):
            value = r.of(m) or 0.0
            axes.barh(y + h / 2, 1, height=BAR, color=TRACK)
            axes.barh(y + h / 2, value, height=BAR, color=MISSED if r.missed(value) else MET)
            y += h
        if r.target is not None:
            axes.axvline(r.target, color=INK, linewidth=1.1, linestyle=(0, (3, 2)))

    return draw


PANEL = 1.45  # inches: the plot of a rate over time
LABELLED_POINTS = 8  # each point's rate is written up to this many points


def trend_charts(
    department: DepartmentMetrics,
    district: DepartmentMetrics | None,
    trend: list[Stretch],
    targets: Targets,
    t: Texts,
    org: Organisation,
    title: str,
) -> list[bytes]:
    """`trend_figures` as PNGs, each figure built when it is drawn (one at a time)."""
    sheets = _trend_sheets(department, district, trend, targets, t, org, title)
    return [_drawn(sheet) for sheet in sheets]


def trend_figures(
    department: DepartmentMetrics,
    district: DepartmentMetrics | None,
    trend: list[Stretch],
    targets: Targets,
    t: Texts,
    org: Organisation,
    title: str,
) -> list[Figure]:
    """`trend_figure` of every rate; or, when its text would read smaller than `READABLE` on
    a phone (five rates plotted make it tall), two: the citizen's rates, and the process
    rates, sent as an album."""
    with matplotlib.rc_context({"font.family": [cjk_font(), "DejaVu Sans"]}):
        sheets = _trend_sheets(department, district, trend, targets, t, org, title)
        return [sheet.figure() for sheet in sheets]


def _trend_sheets(
    department: DepartmentMetrics,
    district: DepartmentMetrics | None,
    trend: list[Stretch],
    targets: Targets,
    t: Texts,
    org: Organisation,
    title: str,
) -> list[_Sheet]:
    """`trend_figures`' layouts."""
    with matplotlib.rc_context({"font.family": [cjk_font(), "DejaVu Sans"]}):
        whole = _trend_sheet(department, district, trend, targets, t, org, title)
        if _readable(whole):
            return [whole]
        citizen = len(CITIZEN_RATES)
        rates = [r.name for r in _rates(t, targets)]
        return [
            _trend_sheet(department, district, trend, targets, t, org, title, part)
            for part in (rates[:citizen], rates[citizen:])
        ]


def trend_figure(
    department: DepartmentMetrics,
    district: DepartmentMetrics | None,
    trend: list[Stretch],
    targets: Targets,
    t: Texts,
    org: Organisation,
    title: str,
) -> Figure:
    """A head's chart: a panel per rate, their department (blue, each point's rate written by
    it when there are few) against the whole district (grey, dashed) over the period, and the
    target (dotted); the period's figures in the panel's heading. A rate neither has any data
    on in the period is its heading alone ("no data"), not an empty plot."""
    with matplotlib.rc_context({"font.family": [cjk_font(), "DejaVu Sans"]}):
        return _trend_sheet(department, district, trend, targets, t, org, title).figure()


def _trend_sheet(
    department: DepartmentMetrics,
    district: DepartmentMetrics | None,
    trend: list[Stretch],
    targets: Targets,
    t: Texts,
    org: Organisation,
    title: str,
    only: Sequence[str] | None = None,
) -> _Sheet:
    """`trend_figure`'s layout, of the rates named in `only` (all if None)."""
    rates = [r for r in _rates(t, targets) if only is None or r.name in only]
    name = department_name(department.department, org, t)
    plotted = {
        r.name
        for r in rates
        if any(r.of(s.department) is not None or r.of(s.district) is not None for s in trend)
    }
    with matplotlib.rc_context({"font.family": [cjk_font(), "DejaVu Sans"]}):
        sheet = _Sheet(WIDTH)
        _title(sheet, title)
        handles: list[Patch | Line2D] = [
            Line2D([], [], color=MET, marker="o", markersize=4, label=_cut(name, 1.5, SMALL)),
            Line2D([], [], color=DISTRICT_LINE, linestyle="--", label=_plain(t._("district"))),
        ]
        if any(r.target is not None for r in rates if r.name in plotted):
            target = _plain(t._("target"))
            handles.append(Line2D([], [], color=MISSED, linestyle=":", lw=1.6, label=target))
        if plotted:
            _legend(sheet, handles)
        ticks = _ticks(trend, t)
        for n, r in enumerate(rates):
            if n:
                sheet.y += 0.2
            own = r.of(department)
            figures = [] if own is not None else [_plain(t._("no data"))]
            if district is not None and (whole := r.of(district)) is not None:
                figures.append(_plain(t._("district {rate}", rate=percent(whole))))
            if r.target is not None:
                figures.append(_plain(t._("target {rate}", rate=percent(r.target))))
            _heading(sheet, r.label, " · ".join(figures), percent(own) if own is not None else "")
            if r.name not in plotted:
                continue
            left = MARGIN + width_of("100%", SMALL) + 0.08
            box = (left, sheet.y + 0.08, sheet.width - MARGIN - 0.1 - left, PANEL)
            sheet.later(_over_time(sheet, r, trend, ticks, box))
            sheet.y += 0.08 + PANEL + line_height(SMALL) + 0.06  # the dates under the plot
        if plotted:
            sheet.y += 0.1
            note = {
                "day": t._("One point a day."),
                "week": t._("One point a week, at the day it starts."),
                "month": t._("One point a month."),
            }[stride(trend[0].first, trend[-1].last)]
            sheet.lines(MARGIN, [_plain(note)], SMALL, MUTED)
        return sheet


def _ticks(trend: list[Stretch], t: Texts) -> list[tuple[int, str]]:
    """Where the dates go under a plot over time, and what they say: five at most."""
    if not trend:
        return []
    every = math.ceil(len(trend) / 5)
    by_month = stride(trend[0].first, trend[-1].last) == "month"
    found = []
    for n in range(0, len(trend), every):
        first = trend[n].first
        if by_month:  # the title has the years
            found.append((n, short_month(first, t)))
        else:
            found.append((n, short_day(first, t)))
    return found


def _over_time(
    sheet: _Sheet,
    r: _Rate,
    trend: list[Stretch],
    ticks: list[tuple[int, str]],
    box: tuple[float, float, float, float],
) -> Draw:
    def draw(figure: Figure, height: float) -> None:
        axes = sheet.axes(figure, height, box)
        xs = list(range(len(trend)))
        own = [_gap(r.of(s.department)) for s in trend]
        whole = [_gap(r.of(s.district)) for s in trend]
        axes.set_ylim(0, TOP)
        axes.set_xlim(-0.4, max(len(trend) - 0.6, 0.4))
        axes.set_yticks([0, 0.5, 1], ["0%", "50%", "100%"])
        axes.set_xticks([n for n, _ in ticks], [label for _, label in ticks])
        axes.tick_params(labelsize=SMALL, colors=MUTED, length=0, pad=4)
        axes.grid(axis="y", color=TRACK, linewidth=0.8)
        axes.set_axisbelow(True)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.spines["bottom"].set_color(TRACK)
        if r.target is not None:
            axes.axhline(r.target, color=MISSED, linestyle=":", linewidth=1.6)
        axes.plot(xs, whole, color=DISTRICT_LINE, linestyle="--", linewidth=1.4,
                  marker="o", markersize=2.5)  # fmt: skip
        axes.plot(xs, own, color=MET, linewidth=2, marker="o", markersize=4.5)
        if len(trend) > LABELLED_POINTS:
            return
        per_point = TOP / (box[3] * 72)  # of the y axis, a point of text
        per_inch = (axes.get_xlim()[1] - axes.get_xlim()[0]) / box[2]  # of the x axis
        target = [] if r.target is None else [r.target]
        for x, value in zip(xs, own, strict=True):
            if math.isnan(value):
                continue
            reach = (width_of(percent(value), SMALL) / 2 + 0.03) * per_inch
            lines = [target, _across(own, x, reach), _across(whole, x, reach)]
            below = _label_below(value, lines, per_point)
            axes.annotate(
                percent(value), (x, value), xytext=(0, -LABEL_GAP if below else LABEL_GAP),
                textcoords="offset points", ha="center", va="top" if below else "bottom",
                fontsize=SMALL, color=MET, parse_math=False,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
            )  # fmt: skip

    return draw


TOP = 1.15  # of a plot over time: room above 100 % for a point's rate
LABEL_GAP = 6.0  # points between a point and its rate


def _across(ys: list[float], x: int, reach: float) -> list[float]:
    """The heights a line through the points `ys` (at 0, 1, 2 …; NaN a gap) takes from
    `x - reach` to `x + reach`: where a rate written over or under the point at `x` goes."""
    found = []
    for k in range(-4, 5):
        at = x + reach * k / 4
        left = min(max(math.floor(at), 0), len(ys) - 1)
        right = min(left + 1, len(ys) - 1)
        if not 0 <= at <= len(ys) - 1 or math.isnan(ys[left]) or math.isnan(ys[right]):
            continue
        found.append(ys[left] + (ys[right] - ys[left]) * (at - left))
    return found


def _label_below(value: float, lines: list[list[float]], per_point: float) -> bool:
    """Whether a point's rate goes under it rather than over it: where fewer lines cross it
    (the target, the department's own, the district's: each given by its heights across the
    rate's width), one through its text counting double; never under the axis."""
    gap, text = LABEL_GAP * per_point, 1.3 * SMALL * per_point

    def crossed(near: float, far: float) -> int:
        """Lines crossing the gap from `value` to `near` and the text from `near` to `far`."""
        low, high = sorted((value, far))
        text_low, text_high = sorted((near, far))
        found = 0
        for heights in lines:
            inside = [y for y in heights if low < y < high and not math.isclose(y, value)]
            if inside:
                found += 2 if any(text_low < y < text_high for y in inside) else 1
        return found + (3 if low < 0 else 0)

    above = crossed(value + gap, value + gap + text)
    below = crossed(value - gap, value - gap - text)
    return below < above


def _gap(value: float | None) -> float:
    """A gap in the line where a stretch has no data."""
    return math.nan if value is None else value
