"""The money blocks, read from real grids: funding sources, project funds, budget execution, expenditures."""

from __future__ import annotations

import pytest

from budgetlib.transform.money import (
    CostColumns,
    LabelledAmount,
    breakdown_heading,
    cost_block_header,
    parse_cost_block,
    parse_department_funds,
    parse_execution,
    parse_expenditures,
    parse_funding_sources,
    parse_project_funds,
    parse_tasks,
    split_labelled_amount,
)
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


# -- cells that hold a line's name and its amount --------------------------------------------------------


@pytest.mark.parametrize(("text", "label", "amount"), [
    ("年度资金总额:16", "年度资金总额", "16"),                  # qingshan 2020 rural schools
    ("其中 :上级资金16", "其中 :上级资金", "16"),               # the same form: no colon before the figure
    ("一般公共预算：1,186.40", "一般公共预算", "1,186.40"),       # department target form
    ("其中：人员经费：812.60", "其中:人员经费", "812.60"),
    ("资金总额10000万元", "资金总额", "10000万元"),
    ("其他资金：", "其他资金", ""),                              # the name with its amount left empty
])
def test_a_cell_with_a_funds_line_and_its_amount(text: str, label: str, amount: str) -> None:
    assert split_labelled_amount(text) == LabelledAmount(label, amount)


@pytest.mark.parametrize("text", ["150万", "2021年", "指标1:安置小区物业费", "预算支出总额", "维护123家", "合计"])
def test_a_cell_that_is_no_funds_line_with_an_amount(text: str) -> None:
    assert split_labelled_amount(text) is None


def test_project_funds_written_name_and_amount_in_one_cell() -> None:
    """qingshan 2020 rural schools: "年度资金总额:16" / "其中 :上级资金16" under 资金情况(万元)."""
    table = grid(
        ["资金情况\n(万元)", "年度资金总额:16", "", ""],
        ["", "其中 :上级资金16", "", ""],
        ["总体目标", "年度目标", "", ""],
    )
    ctx = context(table)
    assert parse_project_funds(ctx, table, 0, 0) == 2
    assert (ctx.project["budget_as_written"], ctx.project["current_year_budget_yuan"]) == ("16", 160_000.0)
    assert pick(ctx.rows_of("funding"), "source_name", "source_as_written", "scope", "amount_as_written",
                "amount_yuan") == [("上级资金", "其中 :上级资金16", "current_year", "16", 160_000.0)]
    assert claimed(ctx, table) == filled(table) - {(2, 0), (2, 1)}


# -- whole-department funds -------------------------------------------------------------------------------

DEPARTMENT_FUNDS = grid(
    ["部门（单位）总体资金情况", "预算支出总额", "1,386.40", "", ""],
    ["", "按收入性质分", "", "按支出性质分", ""],
    ["", "一般公共预算：1,186.40", "", "基本支出：986.40", ""],
    ["", "政府性基金拨款：150.00", "", "其中：人员经费：812.60", ""],
    ["", "纳入专户管理的非税收入拨款：50.00", "", "公用经费：173.80", ""],
    ["", "其他资金：", "", "项目支出：400.00", ""],
    ["部门（单位）职能职责概述", "负责全市市容环境卫生", "", "", ""],
)


def test_department_funds_by_income_source_and_by_expenditure_type() -> None:
    ctx = context(DEPARTMENT_FUNDS, unit="万元")
    ctx.project["fiscal_year"] = 2022
    assert parse_department_funds(ctx, DEPARTMENT_FUNDS, 0, 0) == 6
    assert (ctx.project["budget_as_written"], ctx.project["current_year_budget_yuan"]) == ("1,386.40", 13_864_000.0)
    assert pick(ctx.rows_of("funding"), "source_name", "parent_source", "amount_yuan") == [
        ("一般公共预算", None, 11_864_000.0), ("政府性基金拨款", None, 1_500_000.0),
        ("纳入专户管理的非税收入拨款", None, 500_000.0), ("其他资金", None, None),
    ]
    assert pick(ctx.rows_of("expenditures"), "economic_category", "parent_category", "fiscal_year", "amount_yuan") == [
        ("基本支出", None, 2022, 9_864_000.0), ("人员经费", "基本支出", 2022, 8_126_000.0),
        ("公用经费", "基本支出", 2022, 1_738_000.0), ("项目支出", None, 2022, 4_000_000.0),
    ]
    assert claimed(ctx, DEPARTMENT_FUNDS) == filled(DEPARTMENT_FUNDS) - {(6, 0), (6, 1)}


def test_department_funds_names_and_figures_side_by_side_without_headings() -> None:
    """The same block with each figure in the cell after its name and no 按…分 headings: the names decide."""
    table = grid(
        ["部门整体资金情况", "资金总额", "520", "", ""],
        ["", "财政拨款", "500", "基本支出", "320"],
        ["", "其他资金", "20", "其中：人员经费", "260"],
        ["", "", "", "公用经费", "60"],
        ["", "", "", "项目支出", "200"],
    )
    ctx = context(table, unit="万元")
    parse_department_funds(ctx, table, 0, 0)
    assert ctx.project["current_year_budget_yuan"] == 5_200_000.0
    assert pick(ctx.rows_of("funding"), "source_name", "amount_yuan") == [("财政拨款", 5_000_000.0), ("其他资金", 200_000.0)]
    assert pick(ctx.rows_of("expenditures"), "economic_category", "parent_category") == [
        ("基本支出", None), ("人员经费", "基本支出"), ("公用经费", "基本支出"), ("项目支出", None)]
    assert claimed(ctx, table) == filled(table)


@pytest.mark.parametrize(("text", "kind"), [
    ("按收入性质分：", "income_source"), ("按支出性质分", "expenditure_type"), ("按资金来源划分", "income_source"),
    ("基本支出", None), ("资金来源", None), ("一般公共预算", None),
])
def test_breakdown_headings(text: str, kind: str | None) -> None:
    assert breakdown_heading(text) == kind


def test_department_execution_lines_by_source_and_by_type() -> None:
    """A whole-department self-evaluation: each breakdown's lines under the total, 其中 parts under their line."""
    table = grid(
        ["年度预算执行情况（万元）", "", "年初预算数", "全年预算数", "全年执行数"],
        ["", "年度资金总额", "2,450.00", "2,630.00", "2,498.50"],
        ["", "按收入性质分：", "", "", ""],
        ["", "其中：财政拨款", "2,300.00", "2,480.00", "2,360.00"],
        ["", "其他资金", "150.00", "150.00", "138.50"],
        ["", "按支出性质分：", "", "", ""],
        ["", "基本支出", "1,650.00", "1,700.00", "1,690.00"],
        ["", "其中：人员经费", "1,420.00", "1,460.00", "1,455.00"],
        ["", "公用经费", "230.00", "240.00", "235.00"],
        ["", "项目支出", "800.00", "930.00", "808.50"],
    )
    ctx = context(table)
    parse_execution(ctx, table, 0)
    assert pick(ctx.rows_of("budget_execution"), "fund_line", "parent_line", "breakdown", "executed_yuan") == [
        ("年度资金总额", None, None, 24_985_000.0),
        ("财政拨款", "年度资金总额", "income_source", 23_600_000.0),
        ("其他资金", "年度资金总额", "income_source", 1_385_000.0),
        ("基本支出", "年度资金总额", "expenditure_type", 16_900_000.0),
        ("人员经费", "基本支出", "expenditure_type", 14_550_000.0),
        ("公用经费", "基本支出", "expenditure_type", 2_350_000.0),
        ("项目支出", "年度资金总额", "expenditure_type", 8_085_000.0),
    ]
    assert claimed(ctx, table) == filled(table)


# -- the year's main tasks ------------------------------------------------------------------------------------


def test_tasks_under_a_two_row_heading_with_their_total() -> None:
    table = grid(
        ["年度主要任务", "任务名称", "主要内容", "预算金额（万元）", "", ""],
        ["", "", "", "总额", "财政拨款", "其他资金"],
        ["", "高标准农田建设", "新建高标准农田2万亩", "3,000.00", "2,600.00", "400.00"],
        ["", "机关运转", "人员经费和日常公用经费", "1,219.50", "1,219.50", ""],
        ["金额合计", "", "", "4,219.50", "3,819.50", "400.00"],
        ["年度总体目标", "建成高标准农田2万亩。", "", "", "", ""],
    )
    ctx = context(table)
    assert parse_tasks(ctx, table, 0, 0) == 5
    assert pick(ctx.rows_of("tasks"), "task_no", "task_name", "content", "amount_yuan", "fiscal_amount_yuan",
                "other_amount_yuan", "is_total") == [
        (1, "高标准农田建设", "新建高标准农田2万亩", 30_000_000.0, 26_000_000.0, 4_000_000.0, False),
        (2, "机关运转", "人员经费和日常公用经费", 12_195_000.0, 12_195_000.0, None, False),
        (None, "金额合计", None, 42_195_000.0, 38_195_000.0, 4_000_000.0, True),
    ]
    assert (ctx.project["budget_as_written"], ctx.project["current_year_budget_yuan"]) == ("4,219.50", 42_195_000.0)
    assert claimed(ctx, table) == filled(table) - {(5, 0), (5, 1)}


# -- a cost-composition table (ezhou 2022) -----------------------------------------------------------------------

COST_BLOCK = grid(
    ["项目预算成本构成", "金额", "测算(公式)依据", "2020年实际执行数", "2021年实际执行数"],
    ["保安服务费", "191", "依据招标文件", "191", "191"],
    ["保洁服务费", "99", "依据招标文件", "99", "99"],
    ["水电气、维修维护费", "524", "根据三定方案,各项费用据实结算", "372.88", "504.55"],
    ["合计", "814", "", "662.98", "794.55"],
)


def test_cost_block_header() -> None:
    assert cost_block_header(tuple(COST_BLOCK.rows[0])) == CostColumns(0, 1, 2, {3: 2020, 4: 2021})
    assert cost_block_header(("成本构成", "金额")) is None            # lines and amounts alone: no basis, no actuals
    assert cost_block_header(("经济科目", "2019年", "2020年")) is None


def test_cost_block_lines_actuals_and_the_stated_totals_checked() -> None:
    ctx = context(COST_BLOCK)
    ctx.project["fiscal_year"] = 2022
    assert parse_cost_block(ctx, COST_BLOCK, 0) == 5
    assert pick(ctx.rows_of("cost_items"), "item_no", "description", "calculation_basis", "stated_amount_as_written",
                "stated_amount_yuan", "is_total") == [
        (1, "保安服务费", "依据招标文件", "191", None, False),
        (2, "保洁服务费", "依据招标文件", "99", None, False),
        (3, "水电气、维修维护费", "根据三定方案,各项费用据实结算", "524", None, False),
        (None, "合计", None, "814", None, True),
    ]
    assert pick(ctx.rows_of("expenditures"), "line_no", "fiscal_year", "amount_basis", "amount_as_written")[:3] == [
        (1, 2022, "budget", "191"), (1, 2020, "actual", "191"), (1, 2021, "actual", "191")]
    assert pick(ctx.rows_of("stated_totals"), "fiscal_year", "value", "as_written") == [
        (2022, 814.0, "814"), (2020, 662.98, "662.98"), (2021, 794.55, "794.55")]
    assert [(n.code, n.message) for n in ctx.warnings] == [
        ("W_TOTAL_MISMATCH", "the stated 合计 of column '2020年实际执行数' is 662.98, but its 3 lines add up to "
                             "662.88: both kept as written")]
    assert ctx.project["budget_as_written"] == "814"
    assert claimed(ctx, COST_BLOCK) == filled(COST_BLOCK)


def test_cost_block_with_a_unit_gives_yuan_exact_to_the_fen() -> None:
    table = grid(*([cell.replace("金额", "金额(万元)") for cell in COST_BLOCK.rows[0]],), *COST_BLOCK.rows[1:])
    ctx = context(table)
    parse_cost_block(ctx, table, 0)
    actual = [row["amount_yuan"] for row in ctx.rows_of("expenditures") if row["fiscal_year"] == 2020]
    assert actual == [1_910_000.0, 990_000.0, 3_728_800.0]  # a unit in a heading is the table's, as in other blocks
    assert [row["stated_amount_yuan"] for row in ctx.rows_of("cost_items")] == [1_910_000.0, 990_000.0, 5_240_000.0,
                                                                                 8_140_000.0]


def test_a_tasks_label_beside_text_is_no_task_table() -> None:
    table = grid(["年度主要任务", "保障机关正常运转，完成城市管理各项任务"], ["年度总体目标", "市容环境明显改善"])
    ctx = context(table)
    assert parse_tasks(ctx, table, 0, 0) == 1
    assert ctx.rows_of("tasks") == [] and claimed(ctx, table) == set()


def test_cost_block_columns_in_their_own_units() -> None:
    # this year's amounts in 万元, last year's actuals in 元: each column is read in the unit its heading states
    table = grid(["项目预算成本构成", "金额（万元）", "测算(公式)依据", "2021年实际执行数（元）"],
                 ["保安服务费", "191", "依据招标文件", "1,910,000"],
                 ["保洁服务费", "99", "依据招标文件", "990,000"],
                 ["合计", "290", "", "2,900,000"])
    ctx = context(table)
    ctx.project["fiscal_year"] = 2022
    parse_cost_block(ctx, table, 0)
    assert pick(ctx.rows_of("expenditures"), "fiscal_year", "amount_yuan", "amount_unit") == [
        (2022, 1_910_000.0, "万元"), (2021, 1_910_000.0, "元"), (2022, 990_000.0, "万元"), (2021, 990_000.0, "元")]
    assert [row["stated_amount_yuan"] for row in ctx.rows_of("cost_items")] == [1_910_000.0, 990_000.0, 2_900_000.0]
    assert pick(ctx.rows_of("stated_totals"), "fiscal_year", "value", "as_written") == [
        (2022, 290.0, "290"), (2021, 2_900_000.0, "2,900,000")]
    assert ctx.warnings == []


def test_two_cost_blocks_of_a_form_number_their_items_on() -> None:
    # a form's items are numbered once (item_no joins cost_items): the second table goes on from the first
    second = grid(*COST_BLOCK.rows, table_no=1)
    ctx = context(COST_BLOCK, second)
    ctx.project["fiscal_year"] = 2022
    parse_cost_block(ctx, COST_BLOCK, 0)
    parse_cost_block(ctx, second, 0)
    assert [row["item_no"] for row in ctx.rows_of("cost_items")] == [1, 2, 3, None, 4, 5, 6, None]


def test_a_cost_block_heading_repeated_below_is_no_item() -> None:
    # a table printed over two pages repeats its heading row: skipped, the block goes on, its 合计 checks all lines
    table = grid(*COST_BLOCK.rows[:3], COST_BLOCK.rows[0], *COST_BLOCK.rows[3:])
    ctx = context(table)
    ctx.project["fiscal_year"] = 2022
    assert parse_cost_block(ctx, table, 0) == 6
    items = [(row["item_no"], row["description"]) for row in ctx.rows_of("cost_items")]
    assert items == [(1, "保安服务费"), (2, "保洁服务费"), (3, "水电气、维修维护费"), (None, "合计")]
    assert "金额" not in {row["amount_as_written"] for row in ctx.rows_of("expenditures")}
    assert [n.code for n in ctx.warnings] == ["W_TOTAL_MISMATCH"]  # the 2020 column's, as without the repeat
    assert claimed(ctx, table) == filled(table)


def test_another_cost_heading_below_starts_a_block_of_its_own() -> None:
    other = ["项目预算成本构成", "金额", "测算依据", "2019年实际执行数", "2020年实际执行数"]
    table = grid(*COST_BLOCK.rows[:3], other, *COST_BLOCK.rows[3:])
    ctx = context(table)
    ctx.project["fiscal_year"] = 2022
    assert parse_cost_block(ctx, table, 0) == 3
