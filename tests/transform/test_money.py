"""The money blocks, read from real grids: funding sources, project funds, budget execution, expenditures."""

from __future__ import annotations

import pytest

from budgetlib.transform.money import parse_execution, parse_expenditures, parse_funding_sources, parse_project_funds
from tests.transform.grids import claimed, context, filled, grid, pick

# -- funding sources: the xinzhou declaration ("资金单位：元" above the table) ------------------------------

SEED_FUNDING = grid(
    ["项目资金来源", "资金来源项目", "", "金额"],
    ["", "合计", "", "500000.00"],
    ["", "1.财政拨款收入", "", "500000.00"],
    ["", "其中：申请当年预算拨款", "", "500000.00"],
    ["", "2.上级补助收入", "", "0"],
    ["", "3.附属单位上缴收入", "", "0"],
    ["", "4.事业单位经营收入", "", "0"],
    ["", "5.用事业基金弥补收支差额", "", "0"],
    ["", "6.其他收入(含事业收入)", "", "0"],
    ["7.一般非税上年结转", "", "0", ""],           # shifted one cell left in the published form
)


def test_funding_sources_lines_parents_and_total() -> None:
    ctx = context(SEED_FUNDING, unit="元")
    end = parse_funding_sources(ctx, SEED_FUNDING, 0, 0)
    assert end == len(SEED_FUNDING.rows)
    assert pick(ctx.rows_of("funding"), "line_no", "source_no", "source_name", "parent_source", "amount_yuan") == [
        (1, "1", "财政拨款收入", None, 500000.0),
        (2, None, "申请当年预算拨款", "财政拨款收入", 500000.0),
        (3, "2", "上级补助收入", None, 0.0),
        (4, "3", "附属单位上缴收入", None, 0.0),
        (5, "4", "事业单位经营收入", None, 0.0),
        (6, "5", "用事业基金弥补收支差额", None, 0.0),
        (7, "6", "其他收入(含事业收入)", None, 0.0),
        (8, "7", "一般非税上年结转", None, 0.0),
    ]
    assert {record["amount_unit"] for record in ctx.rows_of("funding")} == {"元"}
    assert {record["scope"] for record in ctx.rows_of("funding")} == {"current_year"}
    assert pick(ctx.rows_of("stated_totals"), "of_table", "label", "value_yuan", "as_written") == [
        ("funding", "合计", 500000.0, "500000.00"),
    ]
    assert claimed(ctx, SEED_FUNDING) == filled(SEED_FUNDING)   # every cell of the block was taken


def test_funding_without_a_unit_keeps_the_figures_unknown_in_yuan() -> None:
    ctx = context(SEED_FUNDING)
    parse_funding_sources(ctx, SEED_FUNDING, 0, 0)
    lines = ctx.rows_of("funding")
    assert [line["amount_as_written"] for line in lines[:2]] == ["500000.00", "500000.00"]
    assert {line["amount_yuan"] for line in lines} == {None}


def test_funding_block_ends_at_the_next_field() -> None:
    table = grid(*SEED_FUNDING.rows[:3], ["项目绩效总目标", "维护区各委办局电子政务外网、专网", "", ""])
    ctx = context(table, unit="元")
    assert parse_funding_sources(ctx, table, 0, 0) == 3
    assert len(ctx.rows_of("funding")) == 1


# -- project funds: target forms ----------------------------------------------------------------------


def test_project_funds_in_two_column_groups() -> None:
    """qingshan 2020 target form: totals to the project, sources by the scope of the total above them."""
    table = grid(
        ["项目资金", "资金总额", "10000万元", "当年资金总额:", "10000万元"],
        ["", "其中:财政拨款", "10000万元", "其中:当年财政拨款", "10000万元"],
        ["", "其他资金", "", "当年其他资金", ""],
        ["总体目标", "中期目标", "", "年度目标", ""],
    )
    ctx = context(table)
    assert parse_project_funds(ctx, table, 0, 0) == 3
    assert (ctx.project["total_budget_yuan"], ctx.project["current_year_budget_yuan"]) == (1e8, 1e8)
    assert (ctx.project["total_budget_as_written"], ctx.project["budget_as_written"]) == ("10000万元", "10000万元")
    assert ctx.project["amount_unit"] == "万元"
    assert pick(ctx.rows_of("funding"), "source_name", "scope", "amount_yuan", "amount_unit") == [
        ("财政拨款", "total", 1e8, "万元"),
        ("当年财政拨款", "current_year", 1e8, "万元"),
        ("其他资金", "total", None, None),
        ("当年其他资金", "current_year", None, None),
    ]


def test_project_funds_without_a_unit() -> None:
    """qingshan 2021 target form: 936, no unit anywhere: kept as written, 元 unknown."""
    table = grid(
        ["项目资金", "资金总额", "936", "当年资金总额:", "936"],
        ["", "其中:财政拨款", "936", "其中:当年财政拨款", "936"],
        ["", "其他资金", "", "当年其他资金", ""],
    )
    ctx = context(table)
    parse_project_funds(ctx, table, 0, 0)
    assert ctx.project["budget_as_written"] == "936"
    assert ctx.project["current_year_budget_yuan"] is None and ctx.project["amount_unit"] is None
    assert [line["amount_yuan"] for line in ctx.rows_of("funding")] == [None] * 4


def test_project_funds_unit_in_the_label() -> None:
    """jinzhai target form: "项目资金    (万元)" with one column group."""
    table = grid(
        ["项目资金    (万元)", "年度资金总额:", "1125", ""],
        ["", "其中:财政拨款", "1125", ""],
        ["", "其他资金", "", ""],
        ["年度目标", "目标1:维护辖区各安置小区安全巡逻、环境卫生及物业日常管理", "", ""],
    )
    ctx = context(table)
    assert parse_project_funds(ctx, table, 0, 0) == 3
    assert ctx.project["current_year_budget_yuan"] == 11_250_000.0
    assert pick(ctx.rows_of("funding"), "source_name", "scope", "amount_yuan") == [
        ("财政拨款", "current_year", 11_250_000.0), ("其他资金", "current_year", None),
    ]


# -- budget execution: self-evaluations ---------------------------------------------------------------

ZHONGJIANG_EXECUTION = grid(
    ["资金情况(万元)", "", "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"],
    ["", "年度资金总额:", "20", "20", "10", "100.00%", "10"],
    ["", "其中:本年财政拨款", "20", "20", "", "", ""],
    ["", "其他资金", "", "", "", "", ""],
    ["年度总体目标", "年初设定目标", "", "", "年度总体目标完成情况综述", "", ""],
)


def test_execution_total_and_its_parts() -> None:
    ctx = context(ZHONGJIANG_EXECUTION)
    assert parse_execution(ctx, ZHONGJIANG_EXECUTION, 0) == 4
    lines = ctx.rows_of("budget_execution")
    assert pick(lines, "line_no", "fund_line", "parent_line", "is_total") == [
        (1, "年度资金总额", None, True),
        (2, "本年财政拨款", "年度资金总额", False),
        (3, "其他资金", "年度资金总额", False),
    ]
    total = lines[0]
    assert (total["full_year_budget_yuan"], total["executed_yuan"], total["amount_unit"]) == (200_000.0, 200_000.0,
                                                                                               "万元")
    assert (total["weight"], total["execution_rate"], total["score"]) == (10.0, 1.0, 10.0)
    assert (total["full_year_budget_as_written"], total["execution_rate_as_written"]) == ("20", "100.00%")
    assert lines[1]["executed_yuan"] == 200_000.0 and "weight" not in lines[1]


def test_execution_with_a_name_column_heading_and_slashes() -> None:
    """qingshen self-evaluation: 年度预算数(万元) heads the names; "/" weights are no points."""
    table = grid(
        ["预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因",
         "", ""],
        ["", "总额", "238.93", "251.89", "251.89", "100.00%", "10", "", "1.预算执行率=预算执行数/调整后预算数", "", ""],
        ["", "其中:财政资金", "238.93", "251.89", "251.89", "100.00%", "/", "/", "", "", ""],
        ["", "财政专户管理资金", "0.00", "0.00", "0.00", "0.00%", "/", "/", "", "", ""],
        ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
         "未完成原因分析"],
    )
    ctx = context(table)
    assert parse_execution(ctx, table, 0) == 4
    assert ctx.project["execution_section_weight"] == 10.0
    lines = ctx.rows_of("budget_execution")
    assert pick(lines, "fund_line", "parent_line", "is_total", "initial_budget_yuan", "adjusted_budget_yuan",
                 "executed_yuan", "execution_rate", "weight") == [
        ("总额", None, True, pytest.approx(2_389_300.0), 2_518_900.0, 2_518_900.0, 1.0, 10.0),
        ("财政资金", "总额", False, pytest.approx(2_389_300.0), 2_518_900.0, 2_518_900.0, 1.0, None),
        ("财政专户管理资金", "总额", False, 0.0, 0.0, 0.0, 0.0, None),
    ]
    assert lines[0]["reason"] == "1.预算执行率=预算执行数/调整后预算数"
    assert "full_year_budget_as_written" not in lines[0]   # the name column is no amount column


def test_zero_total_line_is_kept_as_written() -> None:
    """tangxi self-evaluation: the total line reads 0 although its part has 90 / 89.974: flagged later, never fixed."""
    table = grid(
        ["项目资金 (万元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["", "年度资金总额:", "0", "0", "0", "10", "0", "0"],
        ["", "其中:本年财政拨款", "90", "89.974", "89.974", "", "", ""],
        ["", "上年结转资金", "", "", "", "", "", ""],
    )
    ctx = context(table)
    parse_execution(ctx, table, 0)
    total, part, carried = ctx.rows_of("budget_execution")
    assert (total["full_year_budget_yuan"], total["execution_rate"], total["score"]) == (0.0, 0.0, 0.0)
    assert (part["full_year_budget_yuan"], part["parent_line"]) == (pytest.approx(899_740.0), "年度资金总额")
    assert (carried["fund_line"], carried["parent_line"]) == ("上年结转资金", "年度资金总额")


# -- expenditures: the xinzhou declaration -------------------------------------------------------------


def test_expenditures_by_category_and_year() -> None:
    table = grid(
        ["经济科目款名称", "总计(2020_项目支出)", "总计(2019_项目支出)"],
        ["维修(护)费", "440000.00", "0"],
        ["邮电费", "60000.00", "0"],
    )
    ctx = context(table, unit="元")
    assert parse_expenditures(ctx, table, 0) == 3
    assert pick(ctx.rows_of("expenditures"), "line_no", "economic_category", "fiscal_year", "amount_yuan",
                 "column_label") == [
        (1, "维修(护)费", 2020, 440000.0, "总计(2020_项目支出)"),
        (1, "维修(护)费", 2019, 0.0, "总计(2019_项目支出)"),
        (2, "邮电费", 2020, 60000.0, "总计(2020_项目支出)"),
        (2, "邮电费", 2019, 0.0, "总计(2019_项目支出)"),
    ]
    assert claimed(ctx, table) == filled(table)


def test_expenditures_with_codes_and_a_total() -> None:
    table = grid(
        ["支出经济分类", "2023年预算数"],
        ["30207 邮电费", "28"],
        ["30213维修(护)费", "16"],
        ["合计", "44"],
    )
    ctx = context(table, unit="万元")
    parse_expenditures(ctx, table, 0)
    assert pick(ctx.rows_of("expenditures"), "economic_code", "economic_category", "fiscal_year", "amount_yuan") == [
        ("30207", "邮电费", 2023, 280_000.0), ("30213", "维修(护)费", 2023, 160_000.0),
    ]
    assert pick(ctx.rows_of("stated_totals"), "of_table", "fiscal_year", "value_yuan") == [
        ("expenditures", 2023, 440_000.0),
    ]
