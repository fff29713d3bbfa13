"""Numbers as the forms write them: Arabic and Chinese numerals, points, rates."""

from __future__ import annotations

import pytest

from budgetlib.transform.numbers import (
    MAX_CHINESE_NUMERAL,
    arabic_number,
    chinese_number,
    parse_points,
    parse_rate,
    rate_tolerance,
    whole_number,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("500000.00", 500000.0),            # 项目总预算, xinzhou declaration
    ("440000.00", 440000.0),            # 维修(护)费, xinzhou declaration
    ("1,234,567.89", 1234567.89),
    ("-20", -20.0),
    ("0", 0.0),
    ("89.974", 89.974),                 # 全年预算数, tangxi self-evaluation
    ("1,2,3", None),                    # not thousands separators
    ("10000万元", None),                # a unit is not part of the number
    ("", None),
])
def test_arabic_number(text: str, expected: float | None) -> None:
    assert arabic_number(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("伍拾", 50.0),
    ("一百二十三", 123.0),
    ("两千", 2000.0),
    ("十", 10.0),
    ("一百零五", 105.0),
    ("一亿二千万", 120_000_000.0),
    ("壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰", 123_456_789_012.0),
    ("十十十", None),                    # no numeral
    ("万", None),
    ("一" * (MAX_CHINESE_NUMERAL + 1), None),   # too long to be an amount
])
def test_chinese_number(text: str, expected: float | None) -> None:
    assert chinese_number(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("10", 10.0),                       # 分值, zhongjiang self-evaluation
    ("100", 100.0),                     # 总分 分值
    ("9", 9.0),                         # 得分, langfang self-evaluation
    ("10分", 10.0),
    ("8.5 分", 8.5),
    ("１０", 10.0),                      # full-width digits
    ("1,000", 1000.0),
    ("/", None),                        # 权重 of a sub-line, qingshen self-evaluation
    ("", None),
    ("满分", None),
    ("nan", None),
    ("1e10", None),                     # beyond any weight
])
def test_parse_points(text: str, expected: float | None) -> None:
    assert parse_points(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("100.00%", 1.0),                   # 执行率(B/A), zhongjiang self-evaluation
    ("86%", 0.86),                      # 执行率, langfang self-evaluation
    ("0.00%", 0.0),                     # 预算执行率 of an empty line, qingshen self-evaluation
    ("0", 0.0),                         # 执行率 of a zero total line, tangxi self-evaluation
    ("0.95", 0.95),
    ("95", 0.95),                       # a bare figure above 1 is a percentage
    ("95百分比", 0.95),
    ("/", None),
    ("约九成", None),
])
def test_parse_rate(text: str, expected: float | None) -> None:
    assert parse_rate(text) == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(("text", "expected"), [
    ("100.00%", 0.00005),               # two decimals of a percentage: ±0.005 %
    ("86%", 0.005),                     # whole percents: ±0.5 %
    ("0.95", 0.005),                    # two decimals of a fraction
    ("1", 0.005),                       # no decimals and no sign: read as two decimals
])
def test_rate_tolerance(text: str, expected: float) -> None:
    assert rate_tolerance(text) == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize(("text", "expected"), [
    ("3", 3), ("3.0", 3), ("12", 12), ("0", None), ("-1", None), ("2.5", None), ("三", None), ("", None), (None, None),
])
def test_whole_number(text: str | None, expected: int | None) -> None:
    assert whole_number(text) == expected
