"""Where blocks start and end: heading rows, section labels, block ends and the kinds of a block's lines."""

from __future__ import annotations

import pytest

from budgetlib.transform.blocks import (
    ends_block,
    execution_header,
    expenditure_header,
    indicator_header,
    indicator_table_end,
    is_funding_line,
    is_section_start,
    is_total_line,
    section_start,
    split_of_which,
)
from tests.transform.grids import grid

SEED_INDICATORS = ["一级指标", "二级指标", "指标内容", "指标值", "备注"]
QINGSHAN_INDICATORS = ["一级指标", "二级指标(长期)", "三级指标(长期)", "指标值(长期)", "二级指标(年度)", "三级指标(年度)",
                       "指标值(年度)"]
ZHONGJIANG_INDICATORS = ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值", "全年实际值", "得分",
                         "未完成原因及拟采取的改进措施"]
XIANGTAN_INDICATORS = ["本年度 绩效指标", "一级指标", "二级指标", "三级指标", "指标值及单位", "绩效标准"]
QINGSHEN_INDICATORS = ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值",
                       "权重", "得分", "未完成原因分析"]
ZHONGJIANG_EXECUTION = ["资金情况(万元)", "", "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"]
QINGSHEN_EXECUTION = ["预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重",
                      "得分", "原因", "", ""]
LANGFANG_EXECUTION = ["项目资金\n(万元)", "", "年初\n预算数", "全年\n预算数", "全年\n执行数", "分值", "执行率", "得分"]
SEED_EXPENDITURES = ["经济科目款名称", "总计(2020_项目支出)", "总计(2019_项目支出)"]
SEED_FUNDING = ["项目资金来源", "资金来源项目", "", "金额"]
SEED_PROJECT = ["项目名称", "区电子政务网络运行维护", "项目代码", "036001-2020-BMZX-0001"]
QINGSHAN_FUNDS = ["项目资金", "资金总额", "10000万元", "当年资金总额:", "10000万元"]


@pytest.mark.parametrize(("cells", "columns"), [
    (SEED_INDICATORS, {0: ("level1", None), 1: ("level2", None), 2: ("name", None), 3: ("target", None),
                       4: ("remark", None)}),
    (QINGSHAN_INDICATORS, {0: ("level1", None), 1: ("level2", "long_term"), 2: ("name", "long_term"),
                           3: ("target", "long_term"), 4: ("level2", "annual"), 5: ("name", "annual"),
                           6: ("target", "annual")}),
    (ZHONGJIANG_INDICATORS, {1: ("level1", None), 2: ("level2", None), 3: ("name", None), 4: ("weight", None),
                             5: ("target", None), 6: ("actual", None), 7: ("score", None),
                             8: ("deviation_reason", None)}),
    (XIANGTAN_INDICATORS, {1: ("level1", None), 2: ("level2", None), 3: ("name", None), 4: ("target", None),
                           5: ("standard", None)}),
    (QINGSHEN_INDICATORS, {1: ("level1", None), 2: ("level2", None), 3: ("name", None), 4: ("comparator", None),
                           5: ("target", None), 6: ("unit", None), 7: ("actual", None), 8: ("weight", None),
                           9: ("score", None), 10: ("deviation_reason", None)}),
])
def test_indicator_header(cells: list[str], columns: dict[int, tuple[str, str | None]]) -> None:
    header = indicator_header(cells)
    assert header is not None
    assert {col: (column.name, column.horizon) for col, column in header.items()} == columns


@pytest.mark.parametrize("cells", [
    SEED_PROJECT, SEED_EXPENDITURES, SEED_FUNDING, ZHONGJIANG_EXECUTION,
    ["一级指标", "二级指标", "三级指标"],          # levels but no target column
    ["三级指标", "指标值"],                       # one level only
    ["产出指标", "数量指标", "保障政务外网到各委办局", "123 家", ""],
])
def test_not_an_indicator_header(cells: list[str]) -> None:
    assert indicator_header(cells) is None


@pytest.mark.parametrize(("cells", "columns"), [
    (ZHONGJIANG_EXECUTION, {2: "full_year_budget", 3: "executed", 4: "weight", 5: "execution_rate", 6: "score"}),
    # 年度预算数(万元) heads the line names here; the block reader drops it as the name column
    (QINGSHEN_EXECUTION, {1: "full_year_budget", 2: "initial_budget", 3: "adjusted_budget", 4: "executed",
                          5: "execution_rate", 6: "weight", 7: "score", 8: "reason"}),
    (LANGFANG_EXECUTION, {2: "initial_budget", 3: "full_year_budget", 4: "executed", 5: "weight",
                          6: "execution_rate", 7: "score"}),
])
def test_execution_header(cells: list[str], columns: dict[int, str]) -> None:
    assert execution_header(cells) == columns


@pytest.mark.parametrize("cells", [
    SEED_FUNDING, SEED_INDICATORS, ["", "全年预算数", "分值", "得分"],   # a budget without executed or rate
])
def test_not_an_execution_header(cells: list[str]) -> None:
    assert execution_header(cells) is None


def test_expenditure_header_reads_the_year_of_each_column() -> None:
    header = expenditure_header(SEED_EXPENDITURES)
    assert header is not None
    assert (header.category_col, dict(header.year_cols)) == (0, {1: 2020, 2: 2019})


def test_expenditure_column_without_a_year_takes_the_forms_year() -> None:
    header = expenditure_header(["支出经济分类", "金额"])
    assert header is not None and dict(header.year_cols) == {1: None}


@pytest.mark.parametrize("cells", [SEED_INDICATORS, SEED_PROJECT, ["经济科目款名称"], ["经济科目款名称", "", "备注"]])
def test_not_an_expenditure_header(cells: list[str]) -> None:
    assert expenditure_header(cells) is None


@pytest.mark.parametrize(("cells", "col", "name"), [
    (SEED_FUNDING, 0, "funding_sources"),
    (QINGSHAN_FUNDS, 0, "project_funds"),
    (["", "项目资金来源", "", ""], 1, "funding_sources"),
    (["预算执行情况(10分)", "年度预算数(万元)"], 0, "execution"),
    (["资金情况(万元)", ""], 0, "project_funds"),    # the project-funds wording comes first in labels.csv
])
def test_section_start(cells: list[str], col: int, name: str) -> None:
    start = section_start(cells)
    assert start is not None and (start.col, start.label.name) == (col, name)


@pytest.mark.parametrize("cells", [SEED_PROJECT, ["", "合计", "", "500000.00"], ["区电子政务网络运行维护"], ["", ""]])
def test_no_section_start(cells: list[str]) -> None:
    assert section_start(cells) is None


@pytest.mark.parametrize(("cells", "expected"), [
    (SEED_FUNDING, True),
    (SEED_INDICATORS, True),
    (ZHONGJIANG_EXECUTION, True),
    (SEED_EXPENDITURES, True),
    (SEED_PROJECT, False),                        # a field label is no block
    (["", "1.财政拨款收入", "", "500000.00"], False),
    (["", "", ""], False),
])
def test_is_section_start(cells: list[str], expected: bool) -> None:
    assert is_section_start(cells) is expected


@pytest.mark.parametrize(("cells", "label_col", "expected"), [
    (["", "合计", "", "500000.00"], 0, False),         # the block's own total line
    (["", "资金总额", "10000万元"], 0, False),           # a funds total
    (["", "该项目支出上级资金", "0"], 0, False),          # a funding line label
    (["项目绩效总目标", "维护区各委办局电子政务外网"], 0, True),   # a field label in the label column
    (["", "项目名称", "x"], 0, False),                 # a field label right of the label column
    (["", "项目名称", "x"], None, True),                # any label ends a block without a label column
    (SEED_INDICATORS, 3, True),                        # another block starts
    (["", "", ""], 0, False),
    (["", "其他资金", ""], 0, False),
])
def test_ends_block(cells: list[str], label_col: int | None, expected: bool) -> None:
    assert ends_block(cells, label_col) is expected


def test_indicator_table_ends_at_the_total_row() -> None:
    """zhongjiang self-evaluation: the rows after the heading, down to 总分."""
    table = grid(
        ZHONGJIANG_INDICATORS,
        ["", "产出指标(70分)", "数量指标", "安装坡面水标尺", "10", "≥266米", "≥266米", "10", ""],
        ["", "效益指标(20分)", "经济效益指标", "", "", "", "", "", ""],
        ["", "……", "", "", "", "", "", "", ""],
        ["总分", "", "", "", "100", "", "", "100", ""],
    )
    assert indicator_table_end(table, 1, label_col=0, data_col=1) == 4


def test_indicator_table_ends_at_a_field_left_of_the_headings() -> None:
    """qingshen self-evaluation: 合计 ends the indicators, and 评价结论 would end them too."""
    table = grid(
        QINGSHEN_INDICATORS,
        ["", "产出指标", "数量指标", "发放(缴纳)覆盖率", "=", "100", "%", "", "60", "", ""],
        ["评价结论", "结合自评情况,说明项目自评总分,说明项目实施取得的成效或成果。(200字以内)"],
    )
    assert indicator_table_end(table, 1, label_col=0, data_col=1) == 2


def test_indicator_table_runs_to_the_end_of_its_table() -> None:
    table = grid(SEED_INDICATORS, ["产出指标", "数量指标", "保障政务外网到各委办局", "123 家", ""])
    assert indicator_table_end(table, 1, label_col=None, data_col=0) == 2


@pytest.mark.parametrize(("name", "expected"), [
    ("合计", True), ("总计", True), ("小计", True), ("总额", True),       # qingshen execution: 总额
    ("年度资金总额", True), ("资金总额", True), ("预算总额", True), (" 合计 ", True),
    ("合计数", False), ("总计(2020_项目支出)", False), ("财政拨款", False), ("", False),
])
def test_is_total_line(name: str, expected: bool) -> None:
    assert is_total_line(name) is expected


@pytest.mark.parametrize(("name", "is_part", "rest"), [
    ("其中：申请当年预算拨款", True, "申请当年预算拨款"),     # xinzhou declaration
    ("其中:本年财政拨款", True, "本年财政拨款"),            # zhongjiang self-evaluation
    ("其中:财政资金", True, "财政资金"),                   # qingshen self-evaluation
    ("含事业收入", True, "事业收入"),
    ("其他收入(含事业收入)", False, "其他收入(含事业收入)"),
    ("上年结转资金", False, "上年结转资金"),
])
def test_split_of_which(name: str, is_part: bool, rest: str) -> None:
    assert split_of_which(name) == (is_part, rest)


@pytest.mark.parametrize(("cells", "expected"), [
    (["7.一般非税上年结转", "", "0", ""], True),       # xinzhou declaration: numbered, shifted into the label column
    (["", "合计", "", "500000.00"], True),
    (["", "其中：申请当年预算拨款", "", "500000.00"], True),
    (["其他资金", ""], True),                         # a source word (资金)
    (["上年结转", ""], True),
    (["项目绩效总目标", "维护区各委办局电子政务外网"], False),
    (["", ""], False),
])
def test_is_funding_line(cells: list[str], expected: bool) -> None:
    assert is_funding_line(cells) is expected


def test_word_classes_of_every_heading_are_the_classes_with_a_word_in_it() -> None:
    """The classes found with one pattern a class are those with any of their words in the heading's key,
    for every heading of the examples above and a few that hold words of several classes."""
    from budgetlib.transform.blocks import _word_classes, heading_classes
    from budgetlib.transform.labels import column_key

    headings = {*SEED_INDICATORS, *QINGSHAN_INDICATORS, *ZHONGJIANG_INDICATORS, *XIANGTAN_INDICATORS,
                *QINGSHEN_INDICATORS, *ZHONGJIANG_EXECUTION, *QINGSHEN_EXECUTION, "当年预期实现值", "全年实际完成值(年度)"}
    found_any = 0
    for heading in headings:
        key = column_key(heading)
        expected = {name for name, words in _word_classes().items() if any(word in key for word in words)}
        assert heading_classes(heading) == expected, heading
        found_any += bool(expected)
    assert found_any >= 20 and heading_classes("当年预期实现值") == {"actual", "plan", "value"}
