"""Missing values and numbers as a reader sees them: one place for the report tables, the charts and
the review findings' messages.

Why one module: the same amount must read the same in a table, on a bar and in a finding, and an
unknown must never read as 0. Every helper here is a pure function of one value:

- **Missing stays visible.** NA, ``None`` and NaN are :data:`MISSING` ('—'), never '0' or 'nan'
  (an amount a form states without a unit is unknown, not zero). :func:`is_missing` is the one test
  for that, safe on any value (a list or a string is not missing).
- **Money** is held in 元 (float). Tables and charts show it in 万元 with two decimals or in 元 with
  none (:func:`format_money`, unit chosen by :func:`money_unit`); a unit price or unit cost keeps two
  decimals in 元 (in 万元 a 91.60 元 price would read 0.01); messages quote 元 as the form would,
  whole 元 unless there are fen (:func:`format_yuan`).
- **Points** (分值, 得分) show at most two decimals (:func:`format_points`), **fractions** as
  percentages (:func:`format_percent`), **changes** with their sign (:func:`format_change`),
  **multiples** with two decimals (:func:`format_ratio`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from budgetlib.vocabulary import unit_factors

MISSING = "—"
"""How an unknown value reads: a dash, never 0."""

WAN = unit_factors()["万元"]
"""元 in one 万元."""


def is_missing(value: object) -> bool:
    """True for None, NA and NaN; False for anything else, including values pandas cannot test
    (a list, a dict): those are values, not gaps.

    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NA), is_missing(0), is_missing(""), is_missing([1])
    (True, True, True, False, False, False)
    """
    kind = type(value)
    if kind is float:  # the common cases without pandas' dispatch: amounts are floats, labels str
        return value != value  # NaN is the one float unequal to itself
    if kind is str or kind is int or kind is bool:
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def plain(value: object) -> object:
    """A value to show as it is, with a whole float shown as an integer (a count read back as 3.0).

    >>> plain(3.0), plain(2.5), plain("3.0")
    (3, 2.5, '3.0')
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def money_unit(values: Sequence[float] | pd.Series | np.ndarray) -> str:
    """元 for small amounts, 万元 from 100,000 元 on (how budget tables state money).

    >>> money_unit([1_500.0, 99_999.0]), money_unit([120_000.0, float("nan")]), money_unit([])
    ('元', '万元', '元')
    """
    finite = np.abs(np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float))
    return "万元" if finite.size and finite.max() >= 100_000 else "元"


def format_money(value_yuan: object, unit: str = "万元", decimals: int | None = None) -> str:
    """An amount in 元 shown in ``unit`` with thousands separators: 1234567 → '123.46' (万元).

    NA stays visible as '—' (an unknown amount is not zero). ``decimals`` defaults to 2 for 万元
    and 0 for 元.

    >>> format_money(12345678.0)
    '1,234.57'
    >>> format_money(1500.0, "元")
    '1,500'
    >>> format_money(91.6, "元", decimals=2), format_money(None)
    ('91.60', '—')
    """
    if value_yuan is None or is_missing(value_yuan):
        return MISSING
    scale = WAN if unit == "万元" else 1.0
    places = (2 if unit == "万元" else 0) if decimals is None else decimals
    return f"{float(value_yuan) / scale:,.{places}f}"  # type: ignore[arg-type]


def format_unit_price(value_yuan: object) -> str:
    """Money per unit (a unit price, a unit cost) in 元 with two decimals.

    >>> format_unit_price(813.0081), format_unit_price(1000.0), format_unit_price(float("nan"))
    ('813.01', '1,000.00', '—')
    """
    return format_money(value_yuan, "元", decimals=2)


def format_yuan(value: float) -> str:
    """An amount in 元 as a message quotes it: whole 元 unless it has fen.

    >>> format_yuan(500000.0), format_yuan(64122.137), format_yuan(99.999)
    ('500,000', '64,122.14', '100')
    """
    if abs(value - round(value)) < 0.005:
        return f"{round(value):,}"
    return f"{value:,.2f}"


def format_number(value: float | None, missing: str = MISSING) -> str:
    """A quantity as written in a message: whole numbers without decimals, others to four
    significant digits.

    >>> format_number(123.0), format_number(0.5), format_number(1234.5678), format_number(None, missing="NA")
    ('123', '0.5', '1,235', 'NA')
    """
    if value is None or is_missing(value):
        return missing
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _trimmed(value: float, decimals: int, grouping: bool) -> str:
    """``value`` to ``decimals`` places without trailing zeros (89.6114 → '89.61', 10.0 → '10')."""
    text = f"{value:,.{decimals}f}" if grouping else f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_points(value: object) -> str:
    """Points (分值, 得分) with at most two decimals, trailing zeros dropped.

    >>> format_points(89.61142477582199), format_points(100.0), format_points(2.5), format_points(None)
    ('89.61', '100', '2.5', '—')
    """
    if value is None or is_missing(value):
        return MISSING
    return _trimmed(float(value), 2, grouping=False)  # type: ignore[arg-type]


def format_decimal(value: float) -> str:
    """A number with thousands separators and up to two decimals, none when whole (a unit cost
    written on its bar).

    >>> format_decimal(1234.0), format_decimal(427.5), format_decimal(813.0081)
    ('1,234', '427.5', '813.01')
    """
    return _trimmed(float(value), 2, grouping=True)


def format_percent(fraction: object, decimals: int = 2) -> str:
    """A fraction as a percentage: 1.0 → '100.00%'; NA → '—'.

    >>> format_percent(1.0), format_percent(0.8130, 1), format_percent(0.95, 0), format_percent(None)
    ('100.00%', '81.3%', '95%', '—')
    """
    if fraction is None or is_missing(fraction):
        return MISSING
    return f"{float(fraction):.{decimals}%}"  # type: ignore[arg-type]


def format_change(fraction: object) -> str:
    """A change over a prior figure, as a signed percentage with one decimal: 2/3 → '+66.7%'.

    >>> format_change(2 / 3), format_change(-0.25), format_change(float("nan"))
    ('+66.7%', '-25.0%', '—')
    """
    if fraction is None or is_missing(fraction):
        return MISSING
    return f"{float(fraction):+.1%}"  # type: ignore[arg-type]


def format_ratio(value: object) -> str:
    """A multiple of another figure (a unit cost against its group's median) with two decimals.

    >>> format_ratio(3.0047), format_ratio(None)
    ('3.00', '—')
    """
    if value is None or is_missing(value):
        return MISSING
    return f"{float(value):.2f}"  # type: ignore[arg-type]


__all__ = [
    "MISSING",
    "WAN",
    "format_change",
    "format_decimal",
    "format_money",
    "format_number",
    "format_percent",
    "format_points",
    "format_ratio",
    "format_unit_price",
    "format_yuan",
    "is_missing",
    "money_unit",
    "plain",
]
