"""Targets and actuals as written → comparator, number, unit, kind (expectations from the forms' own reading)."""

from __future__ import annotations

import pandas as pd
import pytest

from budgetlib.transform.targets import (
    PERIOD,
    QUALITATIVE,
    QUANTITATIVE,
    nature_comparators,
    normalise_unit,
    parse_target,
    stated_target,
)


@pytest.mark.parametrize(("text", "comparator", "value", "unit"), [
    ("123 家", None, 123.0, "家"),                 # xinzhou declaration
    ("100%", None, 100.0, "%"),
    ("≥90%", ">=", 90.0, "%"),                     # qingshan 2020 target form
    ("2", None, 2.0, None),
    ("≥266米", ">=", 266.0, "米"),                  # zhongjiang self-evaluation (target and actual)
    ("≥50厘米", ">=", 50.0, "厘米"),
    ("20万元", None, 20.0, "万元"),
    ("≥1000人", ">=", 1000.0, "人"),
    ("10辆", None, 10.0, "辆"),                     # xiangtan target form
    ("≥80M", ">=", 80.0, "M"),
    ("250万", None, 250.0, "万"),
    ("15", None, 15.0, None),                      # qingshan 2021 target form: a bare number
    ("3年", None, 3.0, "年"),
    ("8个", None, 8.0, "个"),                       # jinzhai target form
    ("≤1125万元", "<=", 1125.0, "万元"),
    ("≥100百分比", ">=", 100.0, "%"),               # tangxi self-evaluation: 百分比 is %
    ("≤90万元", "<=", 90.0, "万元"),
    ("≥ 95 %", ">=", 95.0, "%"),
    ("不低于95%", ">=", 95.0, "%"),
    ("大于或等于3个", ">=", 3.0, "个"),
    ("90%以上", ">=", 90.0, "%"),
    ("90%或以上", ">=", 90.0, "%"),
    ("3天内", "<=", 3.0, "天"),
    ("=100", "=", 100.0, None),
    ("不少于五个", ">=", 5.0, "个"),
])
def test_quantitative(text: str, comparator: str | None, value: float, unit: str | None) -> None:
    target = parse_target(text)
    assert (target.kind, target.comparator, target.value, target.unit) == (QUANTITATIVE, comparator, value, unit)
    assert target.is_bare_number == (comparator is None)


@pytest.mark.parametrize("text", [
    "参照政府采购成本控制",                  # qingshan 2020 target form
    "持续改善",
    "巩固提高",
    "显著提升",                             # zhongjiang self-evaluation
    "优良",                                 # xiangtan target form
    "企业所得税减按15%征收",                 # qingshan 2021: a number inside prose is no target
    "严格执行相关制度规定",                  # tangxi self-evaluation
    "在项目计划完成时间内完成",
    "达成预期指标",
    "五个",                                 # a Chinese numeral needs a comparator to be a number
    "",
])
def test_qualitative(text: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.comparator, target.value) == (QUALITATIVE, None, None)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2023.07-2024.01", "2023-07", "2024-01"),     # xiangtan target form
    ("202001-202012", "2020-01", "2020-12"),       # qingshan 2020 target form, 项目起止时间
    ("2021.1-2021.12", "2021-01", "2021-12"),      # qingshan 2021 target form
    ("2021年全年", "2021", "2021"),                 # jinzhai target form
    ("2023年12月底前", None, "2023-12"),
    ("2023年", "2023", "2023"),
    ("2023.07至2024.13", None, None),              # no month 13: no period, read as words
])
def test_period(text: str, start: str | None, end: str | None) -> None:
    target = parse_target(text)
    if end is None:
        assert target.kind == QUALITATIVE
        return
    assert (target.kind, target.period_start, target.period_end) == (PERIOD, start, end)


@pytest.mark.parametrize(("unit", "stored"), [("百分比", "%"), ("百分点", "%"), ("%", "%"), ("家", "家"), ("", None), (None, None)])
def test_normalise_unit(unit: str | None, stored: str | None) -> None:
    assert normalise_unit(unit) == stored


@pytest.mark.parametrize(("written", "means"), [
    ("=", "="),                 # qingshen self-evaluation, 指标性质 column
    ("≥", ">="), ("正向", ">="), ("正向指标", ">="), ("反向", "<="), ("小于等于", "<="),
    ("定性", QUALITATIVE), ("定性指标", QUALITATIVE),
])
def test_nature_column_values(written: str, means: str) -> None:
    assert nature_comparators()[written] == means


def test_an_unknown_nature_is_no_comparator() -> None:
    assert "定量" not in nature_comparators()


@pytest.mark.parametrize(("text", "comparator", "unit", "stated"), [
    ("100", "=", "%", "=100%"),                  # qingshen: 指标性质 "=", 指标值 "100", 度量单位 "%"
    ("32", ">=", "人", "≥32人"),
    ("4", "<=", "小时", "≤4小时"),
    ("2", None, None, "2"),                      # a bare number stays bare: no direction is invented
    ("123 家", None, "家", "123 家"),             # xinzhou: the unit is in the text already
    ("≥90%", ">=", "%", "≥90%"),                  # a target written whole in one cell, as written
    ("≥100百分比", ">=", "%", "≥100百分比"),        # 百分比 is the % of the unit column
    ("不低于95%", ">=", "%", "不低于95%"),          # the comparator as a word before the number
    ("90%以上", ">=", "%", "90%以上"),              # … and after it
    ("＞85%", ">", "%", "＞85%"),                  # a full-width sign
    ("50万", None, "万元", "50万"),                # a unit of its own is not replaced by the column's
    ("持续改善", ">=", "%", "持续改善"),            # words: never changed
    ("2023", None, "年11月底前", "2023年11月底前"),  # a date split over 指标值 and 度量单位
    ("  ≥98% ", ">=", "%", "≥98%"),
])
def test_stated_target_adds_only_what_the_text_lacks(text: str, comparator: str | None, unit: str | None,
                                                     stated: str) -> None:
    assert stated_target(text, comparator, unit) == stated


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_a_missing_target_stays_missing(missing: object) -> None:
    assert stated_target(missing, ">=", "%") is None
