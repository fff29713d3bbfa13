"""Missing values and number formats: one module behind the report tables, the charts and the findings."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from budgetlib import charts, formatting
from budgetlib.analysis import review

UNKNOWNS = [None, np.nan, pd.NA, float("nan"), pd.NaT]


def test_doctests() -> None:
    assert doctest.testmod(formatting).failed == 0


@pytest.mark.parametrize("value", UNKNOWNS)
def test_an_unknown_is_a_dash_in_every_format_never_zero(value) -> None:
    assert formatting.is_missing(value)
    shown = {formatting.format_money(value), formatting.format_money(value, "元"), formatting.format_unit_price(value),
             formatting.format_points(value), formatting.format_percent(value), formatting.format_change(value),
             formatting.format_ratio(value), formatting.format_number(value)}
    assert shown == {"—"}


@pytest.mark.parametrize("value", [0, 0.0, "", "—", [1, 2], {"a": 1}, False])
def test_values_are_not_missing(value) -> None:
    assert not formatting.is_missing(value)


@pytest.mark.parametrize(("format_", "value", "expected"), [
    (formatting.format_money, 500_000.0, "50.00"),                     # 50万
    (formatting.format_money, 1_234_567.0, "123.46"),
    (formatting.format_money, 0.0, "0.00"),                            # a stated 0 stays 0
    (lambda v: formatting.format_money(v, "元"), 64_122.137, "64,122"),
    (formatting.format_unit_price, 100_000 / 123, "813.01"),           # the seed's 10万 / 123 家
    (formatting.format_yuan, 500_000.0, "500,000"),                    # as findings quote 元
    (formatting.format_yuan, 64_122.137, "64,122.14"),
    (formatting.format_number, 655.0, "655"),
    (formatting.format_number, 0.875, "0.875"),
    (formatting.format_points, 8.75, "8.75"),
    (formatting.format_points, 90.00000000000001, "90"),               # a sum of weights read back
    (formatting.format_percent, 1.0, "100.00%"),
    (formatting.format_change, 2 / 3, "+66.7%"),                       # 30万 → 50万
    (formatting.format_ratio, 58_350 / 19_420, "3.00"),
    (formatting.format_decimal, 58_350.0, "58,350"),
    (formatting.format_decimal, 427.5, "427.5"),
])
def test_formats(format_, value, expected: str) -> None:
    assert format_(value) == expected


def test_charts_and_findings_use_the_same_formats() -> None:
    assert charts.format_money is formatting.format_money and charts.money_unit is formatting.money_unit
    assert review.fmt_yuan is formatting.format_yuan and review.fmt_number is formatting.format_number
