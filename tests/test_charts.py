"""The /stats charts as a reader sees them: which names and figures are written where, what is
drawn as a bar or a line, and how large the text comes out on a phone."""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
import warnings
import weakref
from datetime import date
from pathlib import Path
from typing import Any

import numpy
import pytest
from matplotlib import image
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from casework.metrics import (
    DepartmentCounts,
    DepartmentMetrics,
    Stretch,
    compute,
    ranked,
    stretches,
    total,
)
from casework.organisation import Department, Names, Targets
from config.org import load_organisation
from rendering.charts import (
    MISSED,
    PHONE,
    png,
    ranking_charts,
    ranking_figures,
    trend_figure,
    trend_figures,
)
from rendering.i18n import texts

EXAMPLE = load_organisation(Path(__file__).resolve().parents[1] / "config" / "org.example.toml")
ZH = texts("zh")
IDLE = ("greening", "civil", "transport")  # no data at all in the period
NO_CALLBACKS = "enforcement"  # data on two rates, none on satisfaction


def november(idle: tuple[str, ...] = IDLE) -> list[DepartmentMetrics]:
    """A month of a 12-department district: three departments without any data, one without
    call-backs, the others with rates from 40 % to 100 %."""
    found = []
    for n, d in enumerate(EXAMPLE.departments):
        if d.code in idle:
            found.append(compute(DepartmentCounts(d.code)))
            continue
        due = 20 + 3 * n
        counts = DepartmentCounts(
            d.code, handoffs_due=due, answered_in_time=due - n, resolutions_due=due,
            resolved_in_time=due - 2 * n,
        )  # fmt: skip
        if d.code != NO_CALLBACKS:
            counts.satisfied, counts.dissatisfied = 10 - n % 4, n % 5
            counts.contacted, counts.not_contacted = 12 - n % 3, n % 3
            counts.solved, counts.partly_solved, counts.not_solved = 9 - n % 4, n % 3, n % 2
        found.append(compute(counts))
    return ranked(found)


def name(code: str) -> str:
    department = EXAMPLE.department(code)
    assert department is not None
    return department.name("zh")


def written(figure: Figure) -> list[Text]:
    """The figure's texts, top to bottom, left to right."""
    found = [t for t in figure.texts if t.get_text()]
    return sorted(found, key=lambda t: (-t.get_position()[1], t.get_position()[0]))


def panels(figure: Figure, headings: list[str]) -> dict[str, list[str]]:
    """The texts under each heading, to the next (the last to the line of departments with no
    data)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for text in written(figure):
        if text.get_text().startswith("本期无数据"):
            break
        if text.get_text() in headings:
            current = found.setdefault(text.get_text(), [])
        elif current is not None:
            current.append(text.get_text())
    return found


def values(data: object) -> list[float]:
    """A line's coordinates, as numbers."""
    return [round(float(v), 4) for v in numpy.asarray(data, dtype=float)]


CITIZEN = ["联系率", "解决率", "满意率"]
PROCESS = ["按时签收率", "按时办结率"]
RATES = CITIZEN + PROCESS


def test_departments_with_no_data_are_named_once_in_one_line_and_not_drawn() -> None:
    metrics = november()
    citizen, process = ranking_figures(
        metrics, None, Targets(), ZH, EXAMPLE, "各承办单位排名 2026年11月"
    )

    lines = [t.get_text() for figure in (citizen, process) for t in written(figure)]
    for code in IDLE:
        assert sum(name(code) in line for line in lines) == 1
    [idle_line] = [line for line in lines if name(IDLE[0]) in line]
    assert idle_line.startswith("本期无数据：") and all(name(c) in idle_line for c in IDLE)
    assert idle_line == [t.get_text() for t in written(process)][-1]  # at the very end
    by_panel = panels(citizen, CITIZEN) | panels(process, PROCESS)
    for heading in RATES:
        assert not any(name(code) in line for line in by_panel[heading] for code in IDLE)
    for heading in CITIZEN:  # under each rate it lacks
        assert not any(name(NO_CALLBACKS) in line for line in by_panel[heading][:-1])
        assert by_panel[heading][-1] == "无数据：城市管理执法大队"
    drawn = [len(axes.patches) for figure in (citizen, process) for axes in figure.axes]
    assert drawn == [2 * 8, 2 * 8, 2 * 8, 2 * 9, 2 * 9]  # a bar and its track a department


def test_every_panel_lists_the_departments_in_the_rankings_order_with_their_figures() -> None:
    """By the composite score, best first: a department is at the same height in every panel
    (one without a rate is left out of that panel, and named under it)."""
    metrics = november()
    citizen, process = ranking_figures(metrics, None, Targets(), ZH, EXAMPLE, "各承办单位排名")

    places = {name(m.department): m for m in metrics if m.has_ranked_rates}
    scores = [m.score or 0.0 for m in places.values()]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    by_panel = panels(citizen, CITIZEN) | panels(process, PROCESS)
    rates = ("contact_rate", "solved_rate", "satisfaction_rate", "on_time_acceptance_rate",
             "on_time_resolution_rate")  # fmt: skip
    for heading, rate in zip(RATES, rates, strict=True):
        having = [label for label, m in places.items() if m.ranked_rate(rate) is not None]
        assert [line for line in by_panel[heading] if line in places] == having
    roads = next(m for m in metrics if m.department == "roads")
    assert roads.solved_rate == 1.0  # 9 solved, no partly, nothing not solved
    drainage = next(m for m in metrics if m.department == "drainage")
    assert (drainage.counts.solved, drainage.counts.partly_solved) == (8, 1)
    assert drainage.counts.not_solved == 1
    assert "8.5/10" in by_panel["解决率"]  # partly solved counts half
    assert "20/20" in by_panel["按时签收率"] and "100%" in by_panel["按时签收率"]


def test_a_target_is_a_line_on_its_panel_and_rates_short_of_it_stand_out() -> None:
    metrics = november()
    targets = Targets(on_time_acceptance_rate=0.9)
    district = compute(total(m.counts for m in metrics))

    _, process = ranking_figures(metrics, district, targets, ZH, EXAMPLE, "各承办单位排名")

    acceptance, on_time = process.axes
    [line] = [line for line in acceptance.get_lines() if isinstance(line, Line2D)]
    assert values(line.get_xdata()) == [0.9, 0.9]  # upright, at 90 %
    assert not on_time.get_lines()
    headings = [t.get_text() for t in written(process)]
    assert f"全区 {district.on_time_acceptance_rate:.0%} · 目标 90%" in headings
    short = [t for t in written(process) if t.get_text().endswith("%") and t.get_color() == MISSED]
    below = [
        m
        for m in metrics
        if m.on_time_acceptance_rate is not None and m.on_time_acceptance_rate < 0.9
    ]
    assert sorted(t.get_text() for t in short) == sorted(
        f"{m.on_time_acceptance_rate:.0%}" for m in below
    )
    legend = [t.get_text() for t in process.legends[0].get_texts()]
    assert legend == ["达标", "未达标", "目标"]


def test_the_legend_is_clear_of_every_panel() -> None:
    targets = Targets(
        on_time_acceptance_rate=0.9, on_time_resolution_rate=0.9, contact_rate=0.9,
        solved_rate=0.9, satisfaction_rate=0.9,
    )  # fmt: skip
    for figure in ranking_figures(november(), None, targets, ZH, EXAMPLE, "各承办单位排名"):
        figure.draw_without_rendering()  # where everything lands
        legend = figure.legends[0].get_window_extent()
        for axes in figure.axes:
            assert not legend.overlaps(axes.get_window_extent())


def smallest_text_on_a_phone(figure: Figure) -> float:
    """The size in points of the smallest text when a phone shows the picture whole."""
    width, height = (float(inches) * figure.dpi for inches in figure.get_size_inches())
    shown = min(PHONE[0] / width, PHONE[1] / height)  # screen points a pixel of the picture
    sizes = [float(t.get_fontsize()) for t in written(figure)]
    return float(min(sizes) * figure.dpi / 72 * shown)


def test_twelve_departments_are_two_pictures_readable_on_a_phone_and_kept_whole() -> None:
    """The citizen's rates, then the process rates."""
    for language in ("zh", "en"):
        t = texts(language)
        for metrics in (november(), november(idle=())):
            figures = ranking_figures(metrics, None, Targets(0.9), t, EXAMPLE, "各承办单位排名")
            assert [len(figure.axes) for figure in figures] == [3, 2]
            for figure in figures:
                picture = png(figure)
                pixels = image.imread(io.BytesIO(picture)).shape
                assert picture.startswith(b"\x89PNG") and max(pixels[:2]) <= 1280
                assert smallest_text_on_a_phone(figure) >= 10  # a chat's small print is 11-13


def test_a_handful_of_departments_is_one_picture() -> None:
    few = [m for m in november() if m.department in ("roads", "water", "drainage")]
    [figure] = ranking_figures(few, None, Targets(), ZH, EXAMPLE, "各承办单位排名")

    assert len(figure.axes) == 5
    assert smallest_text_on_a_phone(figure) >= 10


def test_a_large_districts_ranking_is_a_picture_per_rate_each_readable_on_a_phone() -> None:
    streets = tuple(
        Department(f"street{n}", Names(f"第{n}街道办事处", f"Subdistrict {n}")) for n in range(22)
    )
    city = dataclasses.replace(EXAMPLE, departments=EXAMPLE.departments + streets)
    metrics = november() + [
        compute(DepartmentCounts(d.code, handoffs_due=40, answered_in_time=30 + n % 10,
                                 satisfied=9, dissatisfied=n % 3))
        for n, d in enumerate(streets)
    ]  # fmt: skip

    figures = ranking_figures(metrics, None, Targets(0.9), ZH, city, "各承办单位排名 2026年11月")

    assert len(figures) == 5  # an album: one swipe a rate
    for figure, rate in zip(figures, RATES, strict=True):
        lines = [t.get_text() for t in written(figure)]
        assert lines[0] == "各承办单位排名 2026年11月" and rate in lines
        assert smallest_text_on_a_phone(figure) >= 10
    everything = [t.get_text() for figure in figures for t in written(figure)]
    assert sum(name(IDLE[0]) in line for line in everything) == 1  # once, at the end
    assert name(IDLE[0]) in [t.get_text() for t in written(figures[-1])][-1]


def test_chinese_labels_render_with_a_cjk_font_not_empty_boxes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font"
        pictures = ranking_charts(november(), None, Targets(0.9), ZH, EXAMPLE, "各承办单位排名")

    assert all(picture.startswith(b"\x89PNG") for picture in pictures)


def test_a_figure_drawn_lets_go_of_its_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its texts keep the renderer they were drawn with (3 MB of pixels for a picture) until
    the figure is collected, a full garbage collection: `png` lets go of it at once, and an
    album of pictures holds one picture's pixels at a time."""
    from matplotlib.backends import backend_agg

    renderers: list[weakref.ref[backend_agg.RendererAgg]] = []
    made = backend_agg.RendererAgg.__init__

    def recorded(self: backend_agg.RendererAgg, *args: Any, **kwargs: Any) -> None:
        renderers.append(weakref.ref(self))
        made(self, *args, **kwargs)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(backend_agg.RendererAgg, "__init__", recorded)
    figures = ranking_figures(november(), None, Targets(0.9), ZH, EXAMPLE, "各承办单位排名")

    for figure in figures:
        png(figure)

    assert renderers and all(renderer() is None for renderer in renderers)


def weeks_of_november() -> list[Stretch]:
    found = []
    for n, (first, last) in enumerate(stretches(date(2026, 11, 1), date(2026, 11, 30))):
        roads = DepartmentCounts("roads", handoffs_due=10, answered_in_time=6 + n)
        others = DepartmentCounts("water", handoffs_due=30, answered_in_time=24)
        if n != 2:  # no call-backs in the third week
            roads.satisfied, roads.dissatisfied = 4, 1
        found.append(Stretch(first, last, compute(roads), compute(total([roads, others]))))
    return found


def test_a_heads_chart_shows_their_department_against_the_district_week_by_week() -> None:
    trend = weeks_of_november()
    roads = compute(total((s.department.counts for s in trend), "roads"))
    district = compute(total(s.district.counts for s in trend))

    figure = trend_figure(
        roads,
        district,
        trend,
        Targets(on_time_acceptance_rate=0.9),
        ZH,
        EXAMPLE,
        "市政道路科 2026年11月",
    )

    # No resolution was due all month, in the district either: a heading, no empty plot.
    satisfaction, response = figure.axes  # the citizen's rates first
    assert "按时办结率" in [t.get_text() for t in written(figure)]
    ticks = [label.get_text() for label in response.get_xticklabels()]
    assert ticks == ["11月1日", "11月8日", "11月15日", "11月22日"]
    target, whole, own = [values(line.get_ydata()) for line in response.get_lines()]
    assert own == [0.6, 0.7, 0.8, 0.9] and whole == [0.75, 0.775, 0.8, 0.825]
    assert target == [0.9, 0.9]
    own_satisfaction = values(satisfaction.get_lines()[-1].get_ydata())
    assert [str(y) for y in own_satisfaction] == ["0.8", "0.8", "nan", "0.8"]  # a gap
    lines = [t.get_text() for t in written(figure)]
    assert "75%" in lines and "全区 79% · 目标 90%" in lines  # the month's, beside the rate
    assert [t.get_text() for t in response.texts] == ["60%", "70%", "80%", "90%"]
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["市政道路科", "全区", "目标"]
    assert "按周统计，日期为每周首日。" in lines
    assert smallest_text_on_a_phone(figure) >= 10


def a_week_up_and_down() -> list[Stretch]:
    """Seven days of roads' rates dipping and peaking, the district's steadier."""
    found = []
    answered = [15, 13, 15, 19, 14, 14, 19]
    resolved = [10, 8, 11, 14, 14, 8, 14]
    for n, (first, last) in enumerate(stretches(date(2026, 11, 19), date(2026, 11, 25))):
        roads = DepartmentCounts("roads", handoffs_due=20, answered_in_time=answered[n],
                                 resolutions_due=15, resolved_in_time=resolved[n])  # fmt: skip
        others = DepartmentCounts("water", handoffs_due=60, answered_in_time=52 - n % 3,
                                  resolutions_due=40, resolved_in_time=36 - 2 * (n % 4))  # fmt: skip
        found.append(Stretch(first, last, compute(roads), compute(total([roads, others]))))
    return found


@pytest.mark.parametrize("trend", [weeks_of_november(), a_week_up_and_down()])
def test_a_points_rate_is_written_clear_of_every_line(trend: list[Stretch]) -> None:
    roads = compute(total((s.department.counts for s in trend), "roads"))
    district = compute(total(s.district.counts for s in trend))

    figure = trend_figure(
        roads,
        district,
        trend,
        Targets(on_time_acceptance_rate=0.95, on_time_resolution_rate=0.9, satisfaction_rate=0.9),
        ZH,
        EXAMPLE,
        "市政道路科 2026年11月",
    )

    figure.draw_without_rendering()
    for axes in figure.axes:
        lines = [line for line in axes.get_lines() if values(line.get_xdata())]
        own = values(lines[-1].get_ydata())
        assert len(axes.texts) == len(trend) - sum(math.isnan(y) for y in own)  # each written
        for label in axes.texts:
            box = label.get_window_extent()
            for line in lines:  # the target's, the district's, their own: none runs through
                path = line.get_transform().transform(line.get_xydata())
                assert not any(box.contains(x, y) for x, y in _densely(path)), label.get_text()


def test_a_rate_the_target_would_cross_above_the_point_is_written_below_it() -> None:
    trend = weeks_of_november()
    roads = compute(total((s.department.counts for s in trend), "roads"))

    figure = trend_figure(roads, None, trend, Targets(satisfaction_rate=0.9), ZH, EXAMPLE, "")

    satisfaction, _ = figure.axes  # roads' 80 % each week, the target 90 %
    written_below = [(t.get_text(), t.get_verticalalignment()) for t in satisfaction.texts]
    assert written_below == [("80%", "top")] * 3


def _densely(path: numpy.ndarray) -> list[tuple[float, float]]:
    """Points every pixel or so along a polyline given in pixels."""
    found = []
    for (x0, y0), (x1, y1) in itertools.pairwise(path):
        if numpy.isnan([x0, y0, x1, y1]).any():
            continue
        steps = max(int(numpy.hypot(x1 - x0, y1 - y0)), 1)
        found += [(x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps) for k in range(steps)]
    return found


def every_rate_of_november() -> list[Stretch]:
    found = []
    for n, (first, last) in enumerate(stretches(date(2026, 11, 1), date(2026, 11, 30))):
        roads = DepartmentCounts(
            "roads", handoffs_due=10, answered_in_time=6 + n, resolutions_due=10,
            resolved_in_time=5 + n, satisfied=4, dissatisfied=1, contacted=5,
            not_contacted=n % 2, solved=3, partly_solved=1, not_solved=1,
        )  # fmt: skip
        others = DepartmentCounts(
            "water", handoffs_due=30, answered_in_time=24, resolutions_due=20,
            resolved_in_time=15, satisfied=8, dissatisfied=2, contacted=9, not_contacted=1,
            solved=7, partly_solved=2, not_solved=1,
        )  # fmt: skip
        found.append(Stretch(first, last, compute(roads), compute(total([roads, others]))))
    return found


def test_a_heads_chart_of_all_five_rates_is_two_pictures_readable_on_a_phone() -> None:
    """Five plots one above the other read at 8.7 points: the citizen's rates, then the
    process rates."""
    trend = every_rate_of_november()
    roads = compute(total((s.department.counts for s in trend), "roads"))
    district = compute(total(s.district.counts for s in trend))

    figures = trend_figures(roads, district, trend, EXAMPLE.targets, ZH, EXAMPLE, "市政道路科")

    assert [len(figure.axes) for figure in figures] == [3, 2]
    for figure, rates in zip(figures, (CITIZEN, PROCESS), strict=True):
        lines = [t.get_text() for t in written(figure)]
        assert lines[0] == "市政道路科" and all(rate in lines for rate in rates)
        assert smallest_text_on_a_phone(figure) >= 10
    # A few rates with data stay one picture (weeks_of_november: two plotted).
    few = weeks_of_november()
    roads = compute(total((s.department.counts for s in few), "roads"))
    assert len(trend_figures(roads, None, few, Targets(), ZH, EXAMPLE, "市政道路科")) == 1
