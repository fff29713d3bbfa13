"""Money as written → 元: the unit from the cell or the block, never guessed."""

from __future__ import annotations

import pytest

from budgetlib.transform.amounts import IMPLAUSIBLE_YUAN, parse_amount, to_yuan, unit_stated_in


@pytest.mark.parametrize(("text", "block_unit", "number", "unit", "unit_source", "yuan", "problem"), [
    # xinzhou declaration: bare figures under the line "资金单位：元"
    ("500000.00", "元", 500000.0, "元", "block", 500000.0, None),
    ("0", "元", 0.0, "元", "block", 0.0, None),
    # the same figure without any stated unit: kept, its 元 value unknown
    ("500000.00", None, 500000.0, None, None, None, "no unit stated"),
    # qingshan 2021 target form: 资金总额 936, no unit anywhere on the form
    ("936", None, 936.0, None, None, None, "no unit stated"),
    # qingshan 2020 target form: the unit in the cell
    ("10000万元", None, 10000.0, "万元", "cell", 100_000_000.0, None),
    # xiangtan target form: "250万" under "单位:万元"; 万 is stored as 万元
    ("250万", "万元", 250.0, "万元", "cell", 2_500_000.0, None),
    # zhongjiang self-evaluation: 20 under "资金情况(万元)"
    ("20", "万元", 20.0, "万元", "block", 200_000.0, None),
    # tangxi self-evaluation: 89.974 万元
    ("89.974", "万元", 89.974, "万元", "block", 899_740.0, None),
    # the cell's own unit wins over the block's
    ("150万", "元", 150.0, "万元", "cell", 1_500_000.0, None),
    ("伍拾万元", None, 50.0, "万元", "cell", 500_000.0, None),
    ("约10万元", None, 10.0, "万元", "cell", 100_000.0, None),
    ("１２３元", None, 123.0, "元", "cell", 123.0, None),
    ("1,234.50元", None, 1234.5, "元", "cell", 1234.5, None),
    ("2亿", None, 2.0, "亿", "cell", 200_000_000.0, None),
    ("3千元", None, 3.0, "千元", "cell", 3000.0, None),
    ("-5万", None, -5.0, "万元", "cell", -50_000.0, "negative amount"),
    ("200000亿元", None, 200000.0, "亿元", "cell", 2e13, "implausibly large amount"),
    ("/", "元", None, None, None, None, "not applicable"),
    ("参照政府采购成本控制", "元", None, None, None, None, "not an amount"),
    ("1,2,3", "元", None, None, None, None, "not an amount"),
    ("", "元", None, None, None, None, None),
])
def test_parse_amount(text: str, block_unit: str | None, number: float | None, unit: str | None,
                      unit_source: str | None, yuan: float | None, problem: str | None) -> None:
    amount = parse_amount(text, block_unit)
    assert amount.as_written == text
    assert (amount.number, amount.unit, amount.unit_source, amount.problem) == (number, unit, unit_source, problem)
    assert amount.yuan == (None if yuan is None else pytest.approx(yuan))


def test_implausible_means_above_ten_trillion_yuan() -> None:
    assert parse_amount("1000亿元").yuan == pytest.approx(1e11) and parse_amount("1000亿元").problem is None
    assert IMPLAUSIBLE_YUAN == 1e13


@pytest.mark.parametrize(("text", "unit"), [
    ("资金单位：元", "元"),                           # xinzhou declaration, unit line
    ("填报单位:(盖章) 单位:万元", "万元"),             # xiangtan target form, unit line
    ("资金情况(万元)", "万元"),                       # zhongjiang self-evaluation, block label
    ("项目资金\n(万元)", "万元"),                     # langfang self-evaluation
    ("项目资金 (万元)", "万元"),                      # tangxi self-evaluation
    ("项目资金    (万元)", "万元"),                   # jinzhai target form
    ("年度预算数(万元)", "万元"),                     # qingshen self-evaluation
    ("金额（元）", "元"),
    ("单位：万", "万元"),
    ("预算(亿元)", "亿元"),
    ("项目名称", None),
    ("单位负责人签字:", None),
    ("计量单位", None),
])
def test_unit_stated_in(text: str, unit: str | None) -> None:
    assert unit_stated_in(text) == unit


# -- scaled amounts exact to the fen ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "block_unit", "yuan"), [
    # tangxi village subsidies: 年初预算数 202.64 万元 (a float product gives 2026399.9999999998)
    ("202.64", "万元", 2_026_400.0),
    ("132.912", "万元", 1_329_120.0),
    ("132.912067", "万元", 1_329_120.67),   # the text's 1329120.67 元, in 万元
    ("89.974", "万元", 899_740.0),
    ("0.07", "万元", 700.0),
    ("1,186.40", "万元", 11_864_000.0),
    ("33.3333", "万元", 333_333.0),
    ("1.005", "万元", 10_050.0),
    ("0.000005", "万元", 0.05),               # half a fen rounds up
    ("1.23亿元", None, 123_000_000.0),
    ("0.125", "元", 0.125),                  # 元 is not scaled: as written
])
def test_scaled_amounts_are_exact_to_the_fen(text: str, block_unit: str | None, yuan: float) -> None:
    assert parse_amount(text, block_unit).yuan == yuan  # exactly, not approximately


def test_every_scaled_figure_with_two_decimals_in_wan_is_a_whole_number_of_yuan() -> None:
    for cents in range(0, 100_000, 7):
        text = f"{cents // 100}.{cents % 100:02d}"
        assert parse_amount(text, "万元").yuan == (cents * 100), text


def test_to_yuan_keeps_huge_figures_as_floats() -> None:
    assert to_yuan(1e300, 10_000) == 1e300 * 10_000  # beyond the fen: the float product, no Decimal overflow
    assert to_yuan(float("inf"), 10_000) == float("inf")
