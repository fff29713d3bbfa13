"""Charts for the reports: matplotlib figures that print legibly and show Chinese text.

Why this module exists:

- **Chinese text.** matplotlib's default font (DejaVu Sans) has no Chinese glyphs: every character
  becomes a box and a "Glyph … missing" warning. The project's own install brings Noto Sans CJK
  (PyPI ``noto-cjk[sans]``, one .ttc file with all CJK faces); :func:`use_cjk_font` registers it and
  selects the Simplified Chinese face by name, because the collection's first face is the Japanese
  one. DejaVu Sans stays second in the family list as a per-glyph fallback.
- **Print.** Reports are printed and photocopied: sizes are in points at A4 width, palettes keep
  their order in greyscale (light → dark ramps, hatching where colours alone would carry meaning),
  and money axes say their unit (元 or 万元) and use thousands separators.
- **Tidy input.** Every chart takes a long DataFrame with documented column names (overridable by
  keyword), so an analysis result can be passed straight in.
- **Text is text.** Names come from forms: a ``$`` in one is a dollar sign, not the start of
  mathtext (every text a chart places goes through :func:`plain_text`). The title is the figure's
  own (``suptitle``), wrapped to the page width, so the layout keeps it above everything the axes
  hold: it never overlaps a label, a legend or an annotation.
- **One huge bar does not flatten the others.** When the largest bars are more than
  :data:`BREAK_FACTOR` times the next one, the money axis is cut just beyond the bars below them:
  the cut bars end in a break mark (two white slashes), their labels give the real amount and say
  "截断", and the axis label says so. The analyst reads every bar on one linear scale and the
  outlier's value in figures (a log axis would make both hard to read).

Figures are built as :class:`ChartFigure`, not with pyplot, so the library keeps no figure registry;
a notebook shows a chart by returning it as the cell's last expression (it renders itself as PNG,
no ``%matplotlib inline`` needed). The only process-wide state touched is matplotlib's font list and ``font.family``:
tick labels are created when a figure is drawn, after the chart function has returned, so a
temporary style would not reach them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import math
import os
import pickle
import re
import shutil
import tempfile
import textwrap
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import ParamSpec, cast

import matplotlib
import noto_cjk
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, MaxNLocator

from budgetlib.formatting import WAN, format_change, format_decimal, format_money, format_percent, money_unit

CJK_FAMILY = "Noto Sans CJK SC"
"""The face of the Noto Sans CJK collection used for every chart (Simplified Chinese)."""

FALLBACK_FAMILY = "DejaVu Sans"

PAGE_WIDTH_IN = 6.7
"""Text width of an A4 page with 2 cm margins, in inches: figures are made this wide."""

DPI = 150
"""Enough for print without making the embedded PNGs large."""

PNG_COMPRESS_LEVEL = 1
"""zlib level of the embedded PNGs. Charts are flat colours and text: measured on the 98 charts of a
sample of the shipped reports, level 1 encodes in 12 ms instead of 17 (the default, 6) and the files
come out 5 % larger (41 KB instead of 40)."""

BASE_FONT_PT = 9.5
TITLE_FONT_PT = 11.5
VALUE_LABEL_PT = 8.0

RAMP = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b")
"""Light → dark blues: successive years stay in order when printed in grey."""

CONTRAST = ("#1f4e79", "#e0a040")
"""Two colours far apart in lightness (dark blue, light orange) for two-sided charts."""

HATCHES = ("", "///", "...", "xxx", "\\\\\\", "ooo")
"""Patterns added to colours where a category must survive a greyscale copy."""

# ----------------------------------------------------------------------------------------------
# fonts and style


class ChartFigure(Figure):
    """A Figure that shows itself in a notebook as a PNG and describes itself by its title.

    ``_repr_png_`` lets IPython display the chart as the cell's result without pyplot or
    ``%matplotlib inline`` (importing pyplot costs every batch report half a second and keeps a
    global figure registry); the text form (``repr``, a notebook output's ``text/plain``) becomes
    the image's alternative text in the HTML reports.

    In a batch (:func:`sharing_drawn_charts`) a chart made by a chart function from the same inputs
    as one another report has shown is not drawn again: its PNG is read from the batch's folder.
    """

    alt_text: str = "图表"
    _shared_png: Path | None = None
    _axis_labels_when_shared: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"图表：{self.alt_text}"

    def _repr_png_(self) -> bytes:
        shared = self._shared_png if self._shared_png is not None and self._unchanged_since_shared() else None
        if shared is not None:
            try:
                return shared.read_bytes()
            except OSError:
                pass
        png = self._draw_png()
        if shared is not None:
            _write_atomically(shared, png)
        return png

    def _draw_png(self) -> bytes:
        buffer = io.BytesIO()
        FigureCanvasAgg(self).print_png(buffer, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
        return buffer.getvalue()

    def share_drawing(self, path: Path) -> None:
        """Show the PNG at ``path`` (drawing and writing it there if absent) as long as this figure
        stays as its chart function made it.

        A change made afterwards (``ax.set_xlim``, a new text …) marks the figure stale, matplotlib's
        own record that it must be drawn again; axis labels set through ``ax.xaxis.label.set_text``
        do not, so their texts are compared as well. A changed figure is drawn as it is, and not
        shared."""
        self._shared_png = path
        self._axis_labels_when_shared = self._axis_labels()
        self.stale = False

    def _unchanged_since_shared(self) -> bool:
        return not self.stale and self._axis_labels() == self._axis_labels_when_shared

    def _axis_labels(self) -> tuple[str, ...]:
        return tuple(axis.label.get_text() for ax in self.axes for axis in (ax.xaxis, ax.yaxis))


SHARED_CHARTS_VARIABLE = "BUDGETLIB_SHARED_CHARTS"
"""Environment variable naming the folder where the report processes of one batch share the charts
they draw (set by :func:`sharing_drawn_charts`; forked and spawned workers inherit it)."""


SHARED_CHARTS_FOLDER = ".shared-charts"
"""The folder of a batch's output (staging) folder where its reports share the charts they draw:
removed when the batch ends, and with the staging folder of a batch that was killed."""


@contextlib.contextmanager
def sharing_drawn_charts(folder: Path) -> Iterator[Path]:
    """For the time of a batch of reports, charts drawn once are shared by every report showing the
    same chart: a project's year-over-year chart is the same in each of its forms' reports, and a
    department's score chart in each of its years' reports. Drawing is most of a chart's cost
    (layout, text, PNG encoding), building the figure about a quarter.

    The charts are kept in ``folder`` (the batch's :data:`SHARED_CHARTS_FOLDER`), made here and
    removed afterwards: new for each batch, so that a chart is never shared between two batches.
    Processes started during the batch inherit the setting; a cluster's workers are given the folder
    (:func:`share_drawn_charts_in`), which must then be on storage they all see."""
    before = os.environ.get(SHARED_CHARTS_VARIABLE)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[SHARED_CHARTS_VARIABLE] = str(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if before is None:
            os.environ.pop(SHARED_CHARTS_VARIABLE, None)
        else:
            os.environ[SHARED_CHARTS_VARIABLE] = before


def share_drawn_charts_in(folder: str | os.PathLike[str] | None) -> None:
    """Share the charts this process draws through ``folder`` (None: stop sharing): for a worker of
    a cluster, given the folder of the batch (:func:`sharing_drawn_charts`) by the client."""
    if folder is None:
        os.environ.pop(SHARED_CHARTS_VARIABLE, None)
    else:
        os.environ[SHARED_CHARTS_VARIABLE] = os.fspath(folder)


def _write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that a reader in another process sees all of it or nothing;
    a folder gone or full only means the chart is not shared."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except OSError:
        return


def drawing_key(chart: str, args: tuple[object, ...], kwargs: dict[str, object]) -> str | None:
    """What a chart function's figure depends on, as a digest: its name, its arguments pickled
    (equal bytes mean equal data, so two charts with the same key are drawn alike), matplotlib's
    settings and the drawing code. None when an argument cannot be pickled: such a chart is always drawn.

    >>> frame = pd.DataFrame({"label": ["甲"], "amount_yuan": [1.0]})
    >>> drawing_key("amount_bars", (frame,), {}) == drawing_key("amount_bars", (frame.copy(),), {})
    True
    >>> drawing_key("amount_bars", (frame,), {}) == drawing_key("amount_bars", (frame,), {"title": "甲"})
    False
    >>> drawing_key("amount_bars", (lambda: 1,), {}) is None
    True
    """
    try:
        pickled = pickle.dumps((chart, args, sorted(kwargs.items())), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    digest = hashlib.sha256(pickled)
    digest.update(repr(sorted(matplotlib.rcParams.items())).encode())
    digest.update(_drawing_code())
    return digest.hexdigest()


@cache
def _drawing_code() -> bytes:
    """What draws the charts, for the key: this module's source and matplotlib's version (workers of
    one cluster may run different installs)."""
    return hashlib.sha256(Path(__file__).read_bytes() + matplotlib.__version__.encode()).digest()


Parameters = ParamSpec("Parameters")


def shared_drawing(build: Callable[Parameters, Figure]) -> Callable[Parameters, Figure]:
    """A chart function whose figure, in a batch (:func:`sharing_drawn_charts`), is drawn once for
    all the reports that make it from the same inputs."""
    @functools.wraps(build)
    def chart(*args: Parameters.args, **kwargs: Parameters.kwargs) -> Figure:
        figure = build(*args, **kwargs)
        folder = os.environ.get(SHARED_CHARTS_VARIABLE)
        if folder and isinstance(figure, ChartFigure):
            key = drawing_key(build.__qualname__, args, kwargs)
            if key is not None:
                figure.share_drawing(Path(folder) / f"{key}.png")
        return figure
    return chart


@cache
def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK collection installed with budgetlib (``noto-cjk[sans]``)."""
    return Path(noto_cjk.otc_path("sans"))


@cache
def _register_cjk_font() -> None:
    font_manager.fontManager.addfont(str(cjk_font_path()))


def use_cjk_font() -> None:
    """Register Noto Sans CJK with matplotlib and make its SC face the default family.

    Idempotent and cheap after the first call; every chart function calls it.
    """
    _register_cjk_font()
    matplotlib.rcParams["font.family"] = [CJK_FAMILY, FALLBACK_FAMILY]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "none"


def _blank_figure(height_in: float) -> tuple[ChartFigure, Axes]:
    fig = ChartFigure(figsize=(PAGE_WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.tick_params(labelsize=BASE_FONT_PT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


_BLANK_FIGURES: list[tuple[ChartFigure, Axes]] = []
_BLANK_FIGURES_STYLE: dict[str, object] = {}


def make_blank_figures(count: int) -> None:
    """Build ``count`` blank chart figures now, for the next chart functions to draw on.

    Why: a figure with its axes (``Axes.__init__``: the axes, its ticks, spines and texts) costs
    about a tenth of a chart, and a batch's report process forks from one warm process for every
    report. Built there once, before the forks, every report starts with its own copy of them.
    A chart takes one only while matplotlib's settings are those they were built with (otherwise it
    builds its figure afresh), so a chart on a blank figure is the chart it would be on a new one
    (a test compares their PNGs). Figures already made are dropped.
    """
    use_cjk_font()
    _BLANK_FIGURES.clear()
    _BLANK_FIGURES.extend(_blank_figure(1.0) for _ in range(count))
    _BLANK_FIGURES_STYLE.clear()
    # the settings as stored (RcParams is a dict): reading them through it would resolve the backend
    _BLANK_FIGURES_STYLE.update(dict.copy(cast(dict[str, object], matplotlib.rcParams)))


def _new_figure(height_in: float) -> tuple[Figure, Axes]:
    use_cjk_font()
    if _BLANK_FIGURES and dict.__eq__(matplotlib.rcParams, _BLANK_FIGURES_STYLE):
        fig, ax = _BLANK_FIGURES.pop()
        fig.set_size_inches(PAGE_WIDTH_IN, height_in)
        return fig, ax
    return _blank_figure(height_in)


def plain_text(text: object) -> str:
    r"""A text as matplotlib should draw it, literally: every ``$`` escaped, so that a name such as
    "US$5 采购 $2 件" is not read as mathtext (with two ``$`` matplotlib would draw what is between
    them as a formula, in italics, and fail on some texts).

    >>> plain_text("US$5 与 $2"), plain_text(None)
    ('US\\$5 与 \\$2', '')
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return str(text).replace("$", r"\$")


TITLE_WIDTH = 74
"""Display columns a title line may take (a Chinese character takes two) at TITLE_FONT_PT across
PAGE_WIDTH_IN: about 37 Chinese characters."""


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap_display(text: str, width: int) -> str:
    r"""Wrap ``text`` to lines of at most ``width`` display columns (a Chinese character takes two),
    breaking between words of Latin text and between any two Chinese characters.

    >>> wrap_display("各部门各年度预算 (budget by year)", 20)
    '各部门各年度预算\n(budget by year)'
    """
    tokens = re.findall(r"[\x21-\x7e]+\s*|\s+|.", text)
    lines: list[str] = []
    line, used = "", 0
    for token in tokens:
        size = sum(_width(ch) for ch in token.rstrip())
        if line and used + size > width:
            lines.append(line.rstrip())
            line, used = "", 0
            token = token.lstrip()
            size = sum(_width(ch) for ch in token.rstrip())
        line += token
        used += sum(_width(ch) for ch in token)
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def _title(ax: Axes, title: str | None) -> None:
    """The chart's title, as the figure's own title: the constrained layout places it above every
    artist of the axes (tick labels, annotations, legends), so nothing overlaps it."""
    if not title:
        return
    figure = ax.get_figure(root=True)
    if figure is not None:
        figure.suptitle(wrap_display(plain_text(title), TITLE_WIDTH), fontsize=TITLE_FONT_PT, x=0.01,
                        ha="left")
        if isinstance(figure, ChartFigure):
            figure.alt_text = title


def _wrap(label: object, width: int = 14) -> str:
    """Wrap a (Chinese) label to lines of ``width`` characters; CJK text has no spaces to break at."""
    text = plain_text(label)
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True)) or "—"


def _height_for(n_rows: int, per_row: float = 0.32, minimum: float = 2.2) -> float:
    return max(minimum, 1.0 + per_row * n_rows)


def _require(data: pd.DataFrame, columns: Sequence[str], chart: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"{chart}: the data has no column(s) {missing}; it has {list(data.columns)}")


# ----------------------------------------------------------------------------------------------
# money axes


class MoneyFormatter(Formatter):
    """Axis ticks of amounts held in 元, shown in 元 or 万元 with thousands separators.

    The number of decimals follows the tick step, so 0.5 万元 steps show '2.5' and 100 万元 steps
    show '1,200'.
    """

    def __init__(self, unit: str = "万元") -> None:
        self.unit = unit
        self.scale = WAN if unit == "万元" else 1.0

    def _decimals(self, values: Sequence[float]) -> int:
        locs = np.sort(np.asarray(values, dtype=float)) / self.scale
        if locs.size < 2:
            return 0
        step = float(np.min(np.diff(locs)))
        if step <= 0 or step >= 1:
            return 0
        return min(4, math.ceil(-math.log10(step) - 1e-9))

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        places = self._decimals(values)
        return [f"{v / self.scale:,.{places}f}" for v in values]

    def __call__(self, x: float, pos: int | None = None) -> str:
        value = x / self.scale
        places = 0 if float(value).is_integer() else 2
        return f"{value:,.{places}f}"


def _money_axis(ax: Axes, axis: str, unit: str, label: str = "金额", note: str = "") -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(MoneyFormatter(unit))
    target.set_major_locator(MaxNLocator(nbins=6))
    target.set_label_text(f"{label}（{unit}）{note}", fontsize=BASE_FONT_PT)


def _legend(fig: Figure, ax: Axes) -> None:
    """A one-line legend under the plot, where it cannot cover bars or their labels."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 6), frameon=False,
                   fontsize=VALUE_LABEL_PT)


def _value_labels(ax: Axes, container, values: Sequence[float], unit: str, cap: float | None = None) -> None:
    labels = [("" if pd.isna(v) else format_money(v, unit) + ("（截断）" if cap is not None and v > cap else ""))
              for v in values]
    ax.bar_label(container, labels=labels, padding=2, fontsize=VALUE_LABEL_PT)


BREAK_FACTOR = 10.0
"""A bar more than this many times the next one is cut (see the module docstring)."""

CUT_NOTE = "；标 // 的条形已截断，标签为实际金额"


def axis_cap(values: Sequence[float] | np.ndarray, factor: float = BREAK_FACTOR) -> float | None:
    """Where to cut the money axis, or None when no bar dwarfs the others.

    The largest bars (at most a quarter of them, at least one) are cut when the smallest of them is
    more than ``factor`` times the largest of the rest; the axis then ends a little beyond that one.

    >>> axis_cap([100_000_000.0, 2_500_000.0, 500_000.0, 200_000.0])
    3000000.0
    >>> axis_cap([440_000.0, 60_000.0]) is None   # 7.3 times: every bar still readable
    True
    """
    finite = np.asarray(values, dtype=float)
    ordered = np.sort(finite[np.isfinite(finite) & (finite > 0)])[::-1]
    for k in range(1, max(1, len(ordered) // 4) + 1):
        if k < len(ordered) and ordered[k - 1] > factor * ordered[k]:
            return float(ordered[k] * 1.2)
    return None


def _cut(values: np.ndarray, cap: float | None) -> np.ndarray:
    return values if cap is None else np.minimum(values, cap)


def _mark_breaks(ax: Axes, container, values: Sequence[float], cap: float) -> None:
    """Two white slashes across the end of every bar cut at ``cap``, and the axis ended beyond it."""
    step = cap * 0.015
    for bar, value in zip(container, values, strict=True):
        if pd.isna(value) or value <= cap:
            continue
        y, h = bar.get_y(), bar.get_height()
        for x in (cap * 0.9, cap * 0.9 + 2 * step):
            ax.plot([x - step, x + step], [y - 0.15 * h, y + 1.15 * h], color="white", linewidth=2.2,
                    solid_capstyle="butt", zorder=bar.get_zorder() + 1)
    ax.set_xlim(0, cap * 1.35)


def _empty(title: str | None, message: str = "无数据") -> Figure:
    fig, ax = _new_figure(1.6)
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=BASE_FONT_PT, transform=ax.transAxes)
    _title(ax, title)
    return fig


# ----------------------------------------------------------------------------------------------
# charts


@shared_drawing
def amount_bars(
    data: pd.DataFrame,
    *,
    label: str = "label",
    value: str = "amount_yuan",
    title: str | None = None,
    unit: str | None = None,
    sort: bool = True,
) -> Figure:
    """Horizontal bars of amounts: funding sources, budgets by project or department.

    Columns: ``label`` (what the bar is, text) and ``value`` (amount in 元, float; NA rows are
    left out of the bars, since their amount is unknown, not zero).
    """
    _require(data, [label, value], "amount_bars")
    rows = data[[label, value]].dropna(subset=[value])
    if rows.empty:
        return _empty(title)
    if sort:
        rows = rows.sort_values(value, ascending=True, kind="stable")
    unit = unit or money_unit(rows[value])
    fig, ax = _new_figure(_height_for(len(rows)))
    positions = np.arange(len(rows))
    values = rows[value].to_numpy(dtype=float)
    cap = axis_cap(values)
    bars = ax.barh(positions, _cut(values, cap), color=RAMP[3], height=0.6)
    ax.set_yticks(positions, [_wrap(v) for v in rows[label]])
    _value_labels(ax, bars, values.tolist(), unit, cap)
    _money_axis(ax, "x", unit, note=CUT_NOTE if cap is not None else "")
    if cap is None:
        ax.margins(x=0.15)
    else:
        _mark_breaks(ax, bars, values.tolist(), cap)
    _title(ax, title)
    return fig


@shared_drawing
def yoy_bars(
    data: pd.DataFrame,
    *,
    label: str = "label",
    year: str = "fiscal_year",
    value: str = "amount_yuan",
    change: str = "change_fraction",
    title: str | None = None,
    unit: str | None = None,
) -> Figure:
    """Year-over-year bars: one group per ``label`` (project, department, economic category), one
    bar per year, years in a light → dark ramp so the order survives greyscale printing.

    Columns: ``label`` (text), ``year`` (int fiscal year), ``value`` (amount in 元, float) and
    optionally ``change`` (the latest year's change over the year before, as a fraction: 0.667 for
    +66.7 %, as ``bl.yoy`` names it), written beside the group when present. One row per label ×
    year (long form: a prior/current pair becomes two rows); NA amounts are left out (unknown, not
    zero).
    """
    _require(data, [label, year, value], "yoy_bars")
    rows = data.dropna(subset=[value])
    if rows.empty:
        return _empty(title)
    years = sorted(int(y) for y in rows[year].dropna().unique())
    labels = list(dict.fromkeys(rows[label].tolist()))
    unit = unit or money_unit(rows[value])
    n_years = len(years)
    fig, ax = _new_figure(_height_for(len(labels) * max(1, n_years), per_row=0.22))
    group = np.arange(len(labels))[::-1]
    height = 0.8 / n_years
    colours = _ramp(n_years)
    per_year = {}
    for y in years:
        by_label = rows[rows[year] == y].groupby(label, sort=False)[value].sum(min_count=1)
        per_year[y] = [float(by_label.get(lab, np.nan)) for lab in labels]
    cap = axis_cap([v for values in per_year.values() for v in values])
    for i, y in enumerate(years):
        values = per_year[y]
        offsets = group + (n_years - 1) / 2 * height - i * height
        bars = ax.barh(offsets, _cut(np.nan_to_num(values), cap), height=height * 0.92, color=colours[i],
                       hatch=HATCHES[i % len(HATCHES)] if n_years > len(RAMP) else "",
                       edgecolor="#333333", linewidth=0.4, label=f"{y}年")
        _value_labels(ax, bars, values, unit, cap)
        if cap is not None:
            _mark_breaks(ax, bars, values, cap)
    if change in rows.columns:
        changes = rows.dropna(subset=[change]).groupby(label, sort=False)[change].last()
        for pos, lab in zip(group, labels, strict=True):
            if lab in changes.index:
                ax.annotate(format_change(changes[lab]), xy=(1.0, pos), xycoords=("axes fraction", "data"),
                            ha="right", va="center", fontsize=VALUE_LABEL_PT)
    ax.set_yticks(group, [_wrap(v) for v in labels])
    _money_axis(ax, "x", unit, note=CUT_NOTE if cap is not None else "")
    if cap is None:
        ax.margins(x=0.18)
    _legend(fig, ax)
    _title(ax, title)
    return fig


@shared_drawing
def cost_breakdown(
    data: pd.DataFrame,
    *,
    item: str = "description",
    amount: str = "stated_amount_yuan",
    list_amount: str = "list_amount_yuan",
    title: str | None = "测算依据构成",
    unit: str | None = None,
) -> Figure:
    """Cost-basis items (测算依据): the stated amount of each item, and where the form gives a
    quantity × unit price, the list amount behind it as a hatched outline (a package discount shows
    as the gap, with the ratio written beside it).

    Columns (as in ``forms.cost_items``): ``item`` (the item's text), ``amount`` (stated amount in
    元) and optionally ``list_amount`` (quantity × unit price in 元).
    """
    _require(data, [item, amount], "cost_breakdown")
    rows = data.dropna(subset=[amount])
    if rows.empty:
        return _empty(title)
    has_list = list_amount in rows.columns and rows[list_amount].notna().any()
    all_values = pd.concat([rows[amount], rows[list_amount]]) if has_list else rows[amount]
    unit = unit or money_unit(all_values)
    fig, ax = _new_figure(_height_for(len(rows), per_row=0.42))
    positions = np.arange(len(rows))[::-1]
    if has_list:
        ax.barh(positions, rows[list_amount].fillna(0).to_numpy(dtype=float), height=0.7, color="white",
                edgecolor="#555555", hatch="///", linewidth=0.6, label="数量×单价")
    ax.barh(positions, rows[amount].to_numpy(dtype=float), height=0.45, color=CONTRAST[0], label="测算金额")
    listed_values = rows[list_amount] if has_list else pd.Series(np.nan, index=rows.index)
    for pos, stated, listed in zip(positions, rows[amount], listed_values, strict=True):
        text = format_money(stated, unit)
        if not pd.isna(listed) and listed:
            text += f"（为数量×单价的 {format_percent(stated / listed, 1)}）"
        end = max(stated, 0.0 if pd.isna(listed) else listed)
        ax.text(end, pos, " " + text, va="center", fontsize=VALUE_LABEL_PT)
    ax.set_yticks(positions, [_wrap(v, 18) for v in rows[item]])
    _money_axis(ax, "x", unit)
    ax.margins(x=0.45)
    if has_list:
        _legend(fig, ax)
    _title(ax, title)
    return fig


@shared_drawing
def unit_cost_comparison(
    data: pd.DataFrame,
    *,
    label: str = "project_name",
    unit_cost: str = "unit_cost_yuan",
    basis: str = "unit_basis",
    title: str | None = "单位成本比较",
) -> Figure:
    """Unit costs side by side, one panel per basis (元/家/年, 元/个/年 …): only costs on the same
    basis are comparable, so each basis gets its own scale and its name is written on every bar.

    Columns (as ``bl.unit_costs`` names them): ``label`` (project or item), ``unit_cost`` (元 per
    unit, float) and ``basis`` (what the cost is per, text; NA is shown as '—').
    """
    _require(data, [label, unit_cost, basis], "unit_cost_comparison")
    rows = data.dropna(subset=[unit_cost]).assign(_basis=lambda d: d[basis].fillna("—"))
    if rows.empty:
        return _empty(title)
    bases = list(dict.fromkeys(rows["_basis"]))
    counts = [int((rows["_basis"] == b).sum()) for b in bases]
    use_cjk_font()
    fig = ChartFigure(figsize=(PAGE_WIDTH_IN, _height_for(sum(counts) + len(bases), per_row=0.3)), dpi=DPI,
                      layout="constrained")
    axes = fig.subplots(len(bases), 1, squeeze=False, height_ratios=[c + 1 for c in counts])[:, 0]
    for ax, b in zip(axes, bases, strict=True):
        part = rows[rows["_basis"] == b].sort_values(unit_cost, kind="stable")
        positions = np.arange(len(part))
        bars = ax.barh(positions, part[unit_cost].to_numpy(dtype=float), height=0.6, color=RAMP[3])
        ax.bar_label(bars, labels=[f"{format_decimal(v)} {plain_text(b)}" for v in part[unit_cost]], padding=2,
                     fontsize=VALUE_LABEL_PT)
        ax.set_yticks(positions, [_wrap(v) for v in part[label]])
        ax.tick_params(labelsize=BASE_FONT_PT)
        ax.xaxis.set_major_formatter(MoneyFormatter("元"))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.set_xlabel(f"单位成本（{plain_text(b)}）", fontsize=BASE_FONT_PT)
        ax.margins(x=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    _title(axes[0], title)
    return fig


def attainment_percent(value: float) -> str:
    """An attainment as a percentage that never reads as met when it is not: a missed 99.6 % is
    "99.6%", not "100%" beside a bar marked missed.

    >>> attainment_percent(0.996), attainment_percent(0.5), attainment_percent(1.0)
    ('99.6%', '50%', '100%')
    """
    text = format_percent(value, 0)
    if value < 1.0 and text == format_percent(1.0, 0):
        text = format_percent(math.floor(value * 1000) / 1000, 1)
    return text


@shared_drawing
def attainment(
    data: pd.DataFrame,
    *,
    indicator: str = "name",
    attainment: str = "attainment",
    score: str = "computed_score",
    weight: str = "weight",
    title: str | None = "指标完成情况",
    marks: tuple[str, str] = ("达成", "未达成"),
    xlabel: str = "完成率",
) -> Figure:
    """Attainment of each indicator: actual relative to target (1.0 = target met) with a line at
    100 %; met and missed bars differ in colour *and* hatch. Where ``score`` and ``weight`` columns
    exist, 'score/weight' is written beside the bar. ``marks`` name the two kinds of bar in the
    legend (a chart of scores says full marks or not, not "met").

    Columns (as ``bl.score(...).indicators`` names them): ``indicator`` (the indicator's name),
    ``attainment`` (fraction; NA for indicators that cannot be measured, which are listed without a
    bar), optionally ``score`` and ``weight`` (points).
    """
    _require(data, [indicator, attainment], "attainment")
    if data.empty:
        return _empty(title)
    rows = data.reset_index(drop=True)
    fig, ax = _new_figure(_height_for(len(rows)))
    positions = np.arange(len(rows))[::-1]
    values = rows[attainment].astype(float)
    met = (values >= 1.0).to_numpy()
    for mask, colour, hatch, name in ((met, CONTRAST[0], "", marks[0]),
                                      (~met, CONTRAST[1], "///", marks[1])):
        if mask.any():
            ax.barh(positions[mask], np.nan_to_num(values[mask].to_numpy()), height=0.6, color=colour,
                    hatch=hatch, edgecolor="#333333", linewidth=0.4, label=name)
    ax.axvline(1.0, color="#333333", linewidth=0.8, linestyle="--")
    has_score = score in rows.columns and weight in rows.columns
    for pos, (_, row) in zip(positions, rows.iterrows(), strict=True):
        value = row[attainment]
        text = "不可量化" if pd.isna(value) else attainment_percent(value)
        if has_score and not pd.isna(row[score]) and not pd.isna(row[weight]):
            text += f"  {row[score]:g}/{row[weight]:g}"
        ax.text(0.0 if pd.isna(value) else value, pos, " " + text, va="center", fontsize=VALUE_LABEL_PT)
    ax.set_yticks(positions, [_wrap(v, 16) for v in rows[indicator]])
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel(xlabel, fontsize=BASE_FONT_PT)
    ax.set_xlim(0, max(1.3, float(np.nanmax(values.to_numpy())) * 1.25 if values.notna().any() else 1.3))
    _legend(fig, ax)
    _title(ax, title)
    return fig


@shared_drawing
def tornado(
    data: pd.DataFrame,
    *,
    parameter: str = "driver",
    low: str = "low_total_yuan",
    high: str = "high_total_yuan",
    base: float | None = None,
    base_column: str = "baseline_total_yuan",
    title: str | None = "敏感性分析",
    unit: str | None = None,
) -> Figure:
    """Tornado chart of a sensitivity analysis: for each input varied, the project total at its low
    and high value, as bars from the base total; the widest swing on top.

    Columns (as ``bl.sensitivity`` names them): ``parameter`` (the input varied, e.g. '宽带单价'),
    ``low`` and ``high`` (the total in 元 at the low and high input). The base total comes from
    ``base`` or, if not given, from the ``base_column`` column (the same value on every row).
    """
    _require(data, [parameter, low, high], "tornado")
    rows = data.dropna(subset=[low, high])
    if rows.empty:
        return _empty(title)
    if base is None:
        _require(rows, [base_column], "tornado")
        base = float(rows[base_column].iloc[0])
    swing = (rows[high] - rows[low]).abs()
    rows = rows.assign(_swing=swing).sort_values("_swing", kind="stable")
    unit = unit or money_unit(pd.concat([rows[low], rows[high]]))
    fig, ax = _new_figure(_height_for(len(rows)))
    positions = np.arange(len(rows))
    low_bars = ax.barh(positions, rows[low].to_numpy(dtype=float) - base, left=base, height=0.6,
                       color=CONTRAST[1], hatch="///", edgecolor="#333333", linewidth=0.4, label="低值")
    high_bars = ax.barh(positions, rows[high].to_numpy(dtype=float) - base, left=base, height=0.6,
                        color=CONTRAST[0], edgecolor="#333333", linewidth=0.4, label="高值")
    ax.bar_label(low_bars, labels=[format_money(v, unit) for v in rows[low]], padding=2, fontsize=VALUE_LABEL_PT)
    ax.bar_label(high_bars, labels=[format_money(v, unit) for v in rows[high]], padding=2, fontsize=VALUE_LABEL_PT)
    ax.axvline(base, color="#333333", linewidth=0.9)
    ax.annotate(f"基准 {format_money(base, unit)}", xy=(base, 1.0), xycoords=("data", "axes fraction"),
                ha="center", va="bottom", fontsize=VALUE_LABEL_PT)
    ax.set_yticks(positions, [_wrap(v, 16) for v in rows[parameter]])
    _money_axis(ax, "x", unit, label="项目总额")
    ax.margins(x=0.2)
    _legend(fig, ax)
    _title(ax, title)
    return fig


def _ramp(n: int) -> list[str]:
    """``n`` colours from the light → dark ramp, spread out so neighbours differ in grey."""
    if n <= 1:
        return [RAMP[3]]
    picks = np.linspace(0, len(RAMP) - 1, n).round().astype(int)
    return [RAMP[i] for i in picks]


__all__ = [
    "BREAK_FACTOR",
    "CJK_FAMILY",
    "ChartFigure",
    "MoneyFormatter",
    "amount_bars",
    "attainment",
    "axis_cap",
    "cjk_font_path",
    "cost_breakdown",
    "format_money",
    "money_unit",
    "plain_text",
    "tornado",
    "unit_cost_comparison",
    "use_cjk_font",
    "wrap_display",
    "yoy_bars",
]
