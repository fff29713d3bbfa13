"""Presentation: a section table as a reader sees it, in the notebook, the HTML page and nbval's text.

Section tables keep English snake_case columns and raw values (money in 元, NA where unknown), so
they can be checked and reused; this module turns one into what a reader sees:

- **Headers and codes in Chinese**, from ``data/report_labels.csv``: a column's label (kind
  ``column``), a coded value's label (a kind named like the column: ``form_type``, ``basis`` …),
  the word a true flag shows (kind ``flag``).
- **Numbers formatted by their unit**, as the schema declares it (:func:`budgetlib.schema.column`):
  money in 万元, money per unit (a price, a unit cost) in 元 with two decimals, points with at most
  two decimals, fractions as percentages, changes with their sign, multiples with two decimals.
  A column the schema does not declare is shown as it is, except that a name ending in ``_yuan`` is
  money (the schema's naming rule). Unknowns read '—', never 0.
- **Text tables** (:func:`text_table`) for the cells nbval checks (PNG outputs are never compared,
  so the numbers behind each chart are printed), aligned by display width (a Chinese character
  takes two columns); :class:`Table` gives the same numbers as an HTML table to readers.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

import pandas as pd
from IPython.display import HTML

from budgetlib import schema
from budgetlib.formatting import (
    MISSING,
    format_change,
    format_money,
    format_percent,
    format_points,
    format_ratio,
    format_unit_price,
    is_missing,
    plain,
)
from budgetlib.report.labels import _labels, label
from budgetlib.report.places import note_text, place_text

EMPTY = "（无）"
"""What an empty section shows unless it says more."""


# ----------------------------------------------------------------------------------------------
# labels


_CODE_KIND_OF = {"prior_basis": "basis", "form_types": "form_type"}
"""Columns holding codes of a kind named otherwise (the basis of a year-over-year prior figure, the
form types of a project-year)."""

_NOT_CODES = frozenset({"column", "flag"})
"""Kinds of ``report_labels.csv`` that label something other than a column's coded values."""


@cache
def _code_kinds() -> frozenset[str]:
    return frozenset(kind for kind, _ in _labels()) - _NOT_CODES


def code_kind(column: str) -> str | None:
    """The kind of code ``column`` holds, when ``report_labels.csv`` labels its values; else None."""
    kind = _CODE_KIND_OF.get(column, column)
    return kind if kind in _code_kinds() else None


def _codes(kind: str) -> Callable[[object], object]:
    """Coded values in Chinese; codes joined by '+' (a group's prior figures on several bases) each,
    and lists joined by ';' (a project-year's form types) as '、'-separated labels."""
    def shown(value: object) -> object:
        if is_missing(value):
            return MISSING
        return "、".join("+".join(label(kind, part) for part in item.split("+")) for item in str(value).split(";"))
    return shown


def _flag(word: str) -> Callable[[object], object]:
    """A flag as its word where true, nothing where false; unknown (NA) as '—'."""
    return lambda v: MISSING if is_missing(v) else word if v else ""


# ----------------------------------------------------------------------------------------------
# formats by unit


def _money_in_wan(value: object) -> str:
    return format_money(value, "万元")


_FORMAT_OF_UNIT: dict[str, Callable[[object], str]] = {
    "元": _money_in_wan,
    "points": format_points,
    "fraction": format_percent,
    "change": format_change,
    "times": format_ratio,
}
"""How a number of each unit reads (units without a format here, years and bandwidths, show as they are)."""


def unit_of(column: str) -> tuple[str, bool]:
    """``column``'s unit and whether it is per unit, as the schema declares them; money for an
    undeclared ``*_yuan`` name (the schema's naming rule), no unit otherwise.

    >>> unit_of("current_year_budget_yuan"), unit_of("unit_cost_yuan"), unit_of("total_score")
    (('元', False), ('元', True), ('points', False))
    >>> unit_of("baseline_total_yuan"), unit_of("project_name"), unit_of("undeclared_yuan")
    (('元', False), ('', False), ('元', False))
    """
    declared = schema.column(column)
    if declared is not None:
        return declared.unit, declared.per_unit
    return ("元" if column.endswith("_yuan") else ""), False


def _shown_as_is(value: object) -> object:
    return MISSING if is_missing(value) else plain(value)


# ----------------------------------------------------------------------------------------------
# changes a scenario made


_CHANGE_WORDS = {"quantity": "数量", "unit_price_yuan": "单价（元）", "amount_yuan": "金额（元）",
                 "bandwidth_mbps": "带宽（Mbps）"}
_CHANGE = re.compile(r"#(\d+): ")
_CHANGED_INPUT = re.compile(r"\b([a-z][a-z_]*) (?=\S*→)")


def changed_text(value: object) -> object:
    """What a scenario changed, in Chinese (``bl.reprice`` writes ``#2: quantity 655→700``).

    >>> changed_text("#2: quantity 655→700, unit_price_yuan 100→120")
    '第 2 项：数量 655→700, 单价（元） 100→120'
    >>> changed_text("#3: unit_price_yuan NA→600; bandwidth_mbps 200→500")
    '第 3 项：单价（元） NA→600；带宽（Mbps） 200→500'
    """
    if is_missing(value):
        return MISSING
    text = _CHANGE.sub(lambda m: f"第 {m[1]} 项：", str(value))
    return plain(_CHANGED_INPUT.sub(lambda m: f"{_CHANGE_WORDS.get(m[1]) or label('column', m[1])} ", text).replace(
        "; ", "；"))


_TEXT_FORMATS: dict[str, Callable[[object], object]] = {"location": place_text, "origin": place_text,
                                                        "note": note_text, "changed": changed_text}


def column_format(column: str) -> Callable[[object], object]:
    """How the values of ``column`` read: by its unit, else as codes or a flag, else as they are."""
    if column in _TEXT_FORMATS:
        return _TEXT_FORMATS[column]
    unit, per_unit = unit_of(column)
    if unit == "元" and per_unit:
        return format_unit_price  # in 万元 a 91.60 元 unit price would read 0.01
    if unit in _FORMAT_OF_UNIT:
        return _FORMAT_OF_UNIT[unit]
    kind = code_kind(column)
    if kind is not None:
        return _codes(kind)
    if ("flag", column) in _labels():
        return _flag(_labels()[("flag", column)])
    return _shown_as_is


def present(table: pd.DataFrame) -> pd.DataFrame:
    """A section table as a reader sees it: Chinese headers, money in 万元 with thousands separators,
    rates in %, coded values in Chinese, unknowns as '—'."""
    columns = [[column_format(column)(v) for v in table[column]] for column in table.columns]
    shown = pd.DataFrame(dict(enumerate(columns)), index=pd.RangeIndex(len(table)))
    shown.columns = [label("column", c) for c in table.columns]
    return shown


def _is_numeric_column(table: pd.DataFrame, column: str) -> bool:
    """Right-aligned: a column with a unit (a quantity) or of a numeric type (booleans are not)."""
    return bool(unit_of(column)[0]) or (
        pd.api.types.is_numeric_dtype(table[column]) and not pd.api.types.is_bool_dtype(table[column]))


# ----------------------------------------------------------------------------------------------
# text and HTML tables


@lru_cache(maxsize=1 << 16)
def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospace font: East Asian wide/full-width characters take two.
    Cached: a report measures the same headers and values for its text table and its chart labels.

    >>> display_width("武汉 ab"), display_width("ab c")
    (7, 4)
    """
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns, ending in '…' when cut.

    >>> clip("网络安全等级保护测评", 9), clip("短", 9)
    ('网络安全…', '短')
    """
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def one_line(text: object, width: int) -> str:
    """``text`` on one line (runs of white space as one space), clipped to ``width`` columns: what a
    chart's axis can hold (the table beside it has the text whole)."""
    return clip(" ".join(str(text).split()), width)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def text_table(table: pd.DataFrame, empty: str = EMPTY, max_width: int = 60, *,
               shown: pd.DataFrame | None = None) -> str:
    """Plain text of :func:`present`: text left-aligned, numbers right-aligned, columns measured in
    display width (a Chinese character is two columns), cells clipped to ``max_width`` columns.

    This is what the nbval-checked cells print: the numbers behind each chart, in a form that reads
    well in a terminal, in the notebook and in the HTML page (a CJK monospace font). ``shown`` is
    :func:`present` of ``table`` when the caller has it already.
    """
    if table.empty:
        return empty
    shown = present(table) if shown is None else shown
    right = [_is_numeric_column(table, column) for column in table.columns]
    headers = [str(h) for h in shown.columns]
    columns = [[one_line(v, max_width) for v in shown[h]] for h in shown.columns]
    widths = [max(display_width(v) for v in [h, *col]) for h, col in zip(headers, columns, strict=True)]
    rows = [headers, *zip(*columns, strict=True)]
    lines = [
        "  ".join(_pad(cell, width, align) for cell, width, align in zip(row, widths, right, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


class Table:
    """A section table as a notebook shows it: an HTML table for readers (the HTML report, JupyterLab)
    and, as its text form, the same numbers as :func:`text_table` (what nbval compares in the cells
    marked ``# NBVAL_CHECK_OUTPUT``). Both forms are plain functions of the data: no random ids."""

    def __init__(self, data: pd.DataFrame, empty: str = EMPTY, max_width: int = 60) -> None:
        self.data = data
        self.empty = empty
        self.max_width = max_width
        self._presented: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return text_table(self.data, self.empty, self.max_width, shown=self._shown())

    def _shown(self) -> pd.DataFrame:
        """:func:`present` of the data, once for both forms (a notebook asks for each)."""
        if self._presented is None:
            self._presented = present(self.data)
        return self._presented

    def _repr_html_(self) -> str:
        if self.data.empty:
            return f"<p>{html.escape(self.empty)}</p>"
        shown = self._shown()
        right = [_is_numeric_column(self.data, column) for column in self.data.columns]

        def cell(tag: str, value: object, is_right: bool) -> str:
            style = ' style="text-align: right; white-space: nowrap"' if is_right else ' style="text-align: left"'
            return f"<{tag}{style}>{html.escape(str(value))}</{tag}>"

        head = "".join(cell("th", h, r) for h, r in zip(shown.columns, right, strict=True))
        body = "\n".join(
            "<tr>" + "".join(cell("td", v, r) for v, r in zip(row, right, strict=True)) + "</tr>"
            for row in shown.itertuples(index=False, name=None)
        )
        return f'<table class="budget-table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>'


def table(data: pd.DataFrame, empty: str = EMPTY, max_width: int = 60) -> Table:
    """A section table to show as a cell's result (see :class:`Table`)."""
    return Table(data, empty, max_width)


# ----------------------------------------------------------------------------------------------
# HTML blocks


def prose(table: pd.DataFrame) -> HTML:
    """(field, value) rows of long text as headed paragraphs, as written (escaped, line breaks kept)."""
    if table.empty:
        return HTML(f"<p>{EMPTY}</p>")
    parts = [
        f"<h4>{html.escape(str(field))}</h4><p>{'<br>'.join(html.escape(line) for line in str(value).splitlines())}</p>"
        for field, value in zip(table["field"], table["value"], strict=True)
    ]
    return HTML("\n".join(parts))


def heading(title: str, subtitle: str = "") -> HTML:
    """A report's title block from data (escaped: a project name is text, never markup)."""
    sub = f"<p class='report-subtitle'>{html.escape(subtitle)}</p>" if subtitle else ""
    return HTML(f"<h1>{html.escape(title)}</h1>{sub}")
