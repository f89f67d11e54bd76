"""Charts of department performance, drawn headless with matplotlib.

Figures are built with `matplotlib.figure.Figure` directly, never pyplot (which keeps every
figure in global state), and rendered in a worker thread by the caller. Chinese labels use
Noto Sans CJK SC from the `mplfonts` wheel: matplotlib's own font has no Chinese glyphs.
"""

from __future__ import annotations

import importlib.resources
import io
from functools import cache

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from casework.metrics import DepartmentMetrics
from casework.organisation import Organisation
from rendering.i18n import Texts
from rendering.labels import department_name

CJK_FAMILY = "Noto Sans CJK SC"
_COLOURS = ("#2f6db5", "#e0892b", "#3a9a5b")


@cache
def cjk_font() -> str:
    """Register the CJK font with matplotlib once; its family name."""
    path = importlib.resources.files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    return CJK_FAMILY


def rates_chart(metrics: list[DepartmentMetrics], t: Texts, org: Organisation, title: str) -> bytes:
    """Horizontal bars: each department's response, on-time resolution and satisfaction rates."""
    series = (
        (t._("Response rate"), [m.response_rate for m in metrics]),
        (t._("On-time resolution rate"), [m.on_time_resolution_rate for m in metrics]),
        (t._("Satisfaction rate"), [m.satisfaction_rate for m in metrics]),
    )
    names = [department_name(m.department, org, t) for m in metrics]
    with matplotlib.rc_context({"font.family": [cjk_font(), "DejaVu Sans"]}):
        figure = Figure(figsize=(8, 1.9 + 0.75 * max(len(metrics), 1)), dpi=110)
        axes = figure.subplots()
        height = 0.8 / len(series)
        for n, (label, values) in enumerate(series):
            positions = [i + (n - 1) * height for i in range(len(metrics))]
            drawn = [100 * v if v is not None else 0.0 for v in values]
            bars = axes.barh(positions, drawn, height=height, label=label, color=_COLOURS[n])
            for bar, value in zip(bars, values, strict=True):
                text = f"{100 * value:.0f}%" if value is not None else t._("no data")
                axes.text(
                    bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, text,
                    va="center", fontsize=8,
                )  # fmt: skip
        axes.set_yticks(range(len(metrics)), names)
        axes.invert_yaxis()  # the best at the top
        axes.set_xlim(0, 115)
        axes.set_xticks(range(0, 101, 20))
        axes.xaxis.set_major_formatter(PercentFormatter(100))
        axes.set_title(title)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=8)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
