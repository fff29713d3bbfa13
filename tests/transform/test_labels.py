"""The label vocabularies (data/labels.csv, indicator_levels.csv, horizons.csv, indicator_level_overrides.csv)."""

from __future__ import annotations

import re

import pytest

from budgetlib.extract.text import clean_cell
from budgetlib.transform import labels
from budgetlib.transform.labels import (
    LABEL_CONTEXTS,
    StandardLevels,
    apply_level_overrides,
    column_key,
    horizon_of,
    horizon_words,
    is_any_label,
    level2_parent,
    match_label,
    match_level,
    standard_levels,
)
from budgetlib.transform.normalize import label_key
from tests.conftest import EXAMPLES


@pytest.mark.parametrize(("text", "role", "name"), [
    # xinzhou declaration
    ("项目名称", "field", "project_name"),
    ("项目代码", "field", "project_code"),
    ("项目主管部门", "field", "department"),
    ("项目执行单位", "field", "implementing_unit"),
    ("项目负责人", "field", "manager"),
    ("联系电话", "field", "phone"),
    ("项目类别", "field", "category"),
    ("项目申请理由", "field", "application_reason"),
    ("项目主要内容", "field", "main_content"),
    ("项目总预算", "field", "total_budget"),
    ("项目当年预算", "field", "current_year_budget"),
    ("项目前两年预算及当年预算变动情况", "field", "budget_change_text"),
    ("测算依据及说明", "field", "cost_basis"),
    ("项目绩效总目标", "field", "overall_goal"),
    ("项目资金来源", "section", "funding_sources"),
    # qingshan 2020 target form
    ("主管部门\n及编码", "field", "department"),
    ("实施单位", "field", "implementing_unit"),
    ("项目属性", "field", "category"),
    ("项目起止时间", "field", "period"),
    ("项目资金", "section", "project_funds"),
    ("资金总额", "funding_total", "total"),
    ("当年资金总额:", "funding_total", "current_year"),
    ("总体目标", "field", "overall_goal"),
    ("中期目标", "field", "overall_goal"),
    ("年度目标", "field", "annual_goal"),
    # xiangtan target form
    ("项目支出名称", "field", "project_name"),
    ("预算部门", "field", "department"),
    ("年度本级 预算金额", "field", "current_year_budget"),
    ("该项目支出上级资金", "funding_line", "superior"),
    ("项目支出实施期", "field", "period"),
    ("实施期绩效目标", "field", "overall_goal"),
    ("中长期目标", "field", "overall_goal"),
    ("项目中长期绩效目标", "field", "overall_goal"),
    ("本年度绩效目标", "field", "annual_goal"),
    ("财政部门审核意见", "field", "audit_opinion"),
    ("填表人", "field", "form_filler"),
    ("单位负责人签字", "field", "unit_head"),
    # self-evaluations (zhongjiang, qingshen, langfang)
    ("项目负责人及电话", "field", "manager"),
    ("实施单位 (盖章)", "field", "implementing_unit"),
    ("年度资金总额:", "funding_total", "current_year"),
    ("年度总体目标", "field", "annual_goal"),
    ("年初设定目标", "field", "annual_goal"),
    ("预算执行情况(10分)", "section", "execution"),
    ("项目基本情况", "container", "basic_info"),
    ("评价结论", "field", "evaluation_conclusion"),
    ("存在问题", "field", "problems"),
    ("改进措施", "field", "improvements"),
    ("财务负责人:", "field", "finance_manager"),
    ("总分", "total", "total"),
    ("合计", "total", "total"),
])
def test_header_labels(text: str, role: str, name: str) -> None:
    label = match_label(text)
    assert label is not None and (label.role, label.name) == (role, name)


@pytest.mark.parametrize("text", [
    "区电子政务网络运行维护", "武汉市新洲区大数据中心", "500000.00", "熊良静", "部门项目", "", "项目" * 30,
])
def test_values_are_no_labels(text: str) -> None:
    assert match_label(text) is None
    assert not is_any_label(text)


@pytest.mark.parametrize(("text", "context", "name"), [
    ("一级指标", "indicator_col", "level1"),
    ("二级指标(长期)", "indicator_col", "level2"),        # qingshan 2020 target form
    ("三级指标(年度)", "indicator_col", "name"),
    ("指标内容", "indicator_col", "name"),                 # xinzhou declaration
    ("指标值", "indicator_col", "target"),
    ("指标值(年度)", "indicator_col", "target"),
    ("年度指标值", "indicator_col", "target"),             # zhongjiang self-evaluation
    ("年度\n指标值", "indicator_col", "target"),           # langfang ("年度<br>指标值")
    ("指标值及单位", "indicator_col", "target"),           # xiangtan target form
    ("全年实际值", "indicator_col", "actual"),
    ("实际\n完成值", "indicator_col", "actual"),
    ("完成值", "indicator_col", "actual"),                 # qingshen self-evaluation
    ("实际完成值", "indicator_col", "actual"),             # tangxi self-evaluation
    ("分值", "indicator_col", "weight"),
    ("权重", "indicator_col", "weight"),
    ("得分", "indicator_col", "score"),
    ("指标性质", "indicator_col", "comparator"),
    ("度量单位", "indicator_col", "unit"),
    ("未完成原因及拟采取的改进措施", "indicator_col", "deviation_reason"),
    ("偏差原因分析及改进措施", "indicator_col", "deviation_reason"),
    ("未完成原因分析", "indicator_col", "deviation_reason"),
    ("绩效标准", "indicator_col", "standard"),
    ("备 注", "indicator_col", "remark"),
    ("全年预算数(A)", "execution_col", "full_year_budget"),  # zhongjiang self-evaluation
    ("全年执行数(B)", "execution_col", "executed"),
    ("执行率(B/A)", "execution_col", "execution_rate"),
    ("年初\n预算数", "execution_col", "initial_budget"),    # langfang self-evaluation
    ("年初预算", "execution_col", "initial_budget"),        # qingshen self-evaluation
    ("调整后预算数", "execution_col", "adjusted_budget"),
    ("预算执行数", "execution_col", "executed"),
    ("预算执行率", "execution_col", "execution_rate"),
    ("原因", "execution_col", "reason"),
    ("资金来源项目", "funding_col", "source_name"),           # xinzhou declaration
    ("金额", "funding_col", "amount"),
    ("经济科目款名称", "expenditure_col", "economic_category"),
])
def test_column_headings(text: str, context: str, name: str) -> None:
    label = match_label(text, context)
    assert label is not None and label.name == name


@pytest.mark.parametrize(("text", "horizon"), [
    ("二级指标(长期)", "long_term"), ("指标值（中期）", "long_term"), ("指标值(实施期)", "long_term"),
    ("指标值(年度)", "annual"), ("三级指标(本年度)", "annual"), ("指标值", None), ("年度指标值", None),
])
def test_horizon_of(text: str, horizon: str | None) -> None:
    assert horizon_of(text) == horizon


def test_horizon_words() -> None:
    assert set(horizon_words("long_term")) == {"长期", "中期", "实施期"}
    assert set(horizon_words("annual")) == {"年度", "当年", "本年", "本年度"}


@pytest.mark.parametrize(("text", "key"), [
    ("执行率(B/A)", "执行率"), ("全年预算数(A)", "全年预算数"), ("指标值(年度)", "指标值"), ("得分(%)", "得分"),
])
def test_column_key(text: str, key: str) -> None:
    assert column_key(text) == key


@pytest.mark.parametrize(("text", "level", "std", "std_level1"), [
    ("产出指标", 1, "产出指标", "产出指标"),
    ("产出指标(70分)", 1, "产出指标", "产出指标"),          # zhongjiang self-evaluation
    ("满意度\n指标", 1, "满意度指标", "满意度指标"),        # langfang ("满意度<br>指标")
    ("成本指标", 1, "成本指标", "成本指标"),
    ("成本指标", 2, "成本指标", "产出指标"),               # 2015 template: cost under output
    ("经济效益\n指标", 2, "经济效益指标", "效益指标"),      # langfang
    ("可持续影响\n指标", 2, "可持续影响指标", "效益指标"),
    ("环境效益指标", 2, "生态效益指标", "效益指标"),        # qingshan 2021 target form
    ("社会公众或服务对象满意度指标", 2, "服务对象满意度指标", "满意度指标"),   # xiangtan target form
    ("满意度指标", 2, "服务对象满意度指标", "满意度指标"),  # tangxi self-evaluation
    ("经济成本指标", 2, "经济成本指标", "成本指标"),
])
def test_match_level(text: str, level: int, std: str, std_level1: str) -> None:
    found = match_level(text, level)
    assert found is not None and (found.std, found.std_level1) == (std, std_level1)


@pytest.mark.parametrize(("text", "level"), [
    ("社会公众或服务", 2),        # qingshan 2021: the first half of a label split over two rows
    ("对象满意度指标", 2),
    ("……", 2),                   # zhongjiang placeholder row
    ("数量指标", 1),
    ("产出指标", 2),
])
def test_not_a_level(text: str, level: int) -> None:
    assert match_level(text, level) is None


@pytest.mark.parametrize(("level1", "level2", "level1_std", "level2_std"), [
    ("产出指标", "数量指标", "产出指标", "数量指标"),
    ("产出指标", "成本指标", "产出指标", "成本指标"),
    ("效益指标", "环境效益指标", "效益指标", "生态效益指标"),
    # satisfaction written under 效益指标 (xiangtan, qingshan 2021) is analysed as level-1 满意度指标
    ("效益指标", "社会公众或服务对象满意度指标", "满意度指标", "服务对象满意度指标"),
    ("满意度指标", "满意度指标", "满意度指标", "服务对象满意度指标"),
    # a 成本指标 level 2 inside the level-1 成本指标 block is the economic cost
    ("成本指标", "成本指标", "成本指标", "经济成本指标"),
    ("成本指标", "社会成本指标", "成本指标", "社会成本指标"),
    (None, "数量指标", "产出指标", "数量指标"),
    ("产出指标", None, "产出指标", None),
    ("效益指标", "指标2", "效益指标", None),
    (None, None, None, None),
])
def test_standard_levels(level1: str | None, level2: str | None, level1_std: str | None,
                         level2_std: str | None) -> None:
    assert standard_levels(level1, level2) == StandardLevels(level1_std, level2_std)


def test_overrides_touch_only_their_pairs() -> None:
    assert apply_level_overrides("产出指标", "质量指标") == StandardLevels("产出指标", "质量指标")
    assert apply_level_overrides(None, None) == StandardLevels(None, None)


@pytest.mark.parametrize(("level2_std", "parent"), [
    ("数量指标", "产出指标"), ("经济成本指标", "成本指标"), ("服务对象满意度指标", "满意度指标"), ("效益指标", None),
])
def test_level2_parent(level2_std: str, parent: str | None) -> None:
    assert level2_parent(level2_std) == parent


# -- one regex per context, the first pattern in file order winning -------------------------------


def _first_in_order(patterns: list[str], key: str) -> int | None:
    return next((index for index, pattern in enumerate(patterns) if re.fullmatch(pattern, key)), None)


@pytest.mark.parametrize(("patterns", "key", "first"), [
    (["项目", "项目名称"], "项目名称", 1),  # the first alternative matches a prefix only: the next one wins
    (["项目.*", "项目名称"], "项目名称", 0),  # both match in full: the earlier one wins
    (["(项目)(名称)", "(?:项目)名称"], "项目名称", 0),  # groups inside a pattern do not hide its own
    (["a|b", "ab"], "ab", 1),
    (["金额", "单位"], "名称", None),
])
def test_first_match_is_the_first_pattern_in_order(patterns: list[str], key: str, first: int | None) -> None:
    matcher = labels._FirstMatch.of([(re.compile(pattern), index) for index, pattern in enumerate(patterns)])
    assert matcher.first(key) == first == _first_in_order(patterns, key)


@pytest.mark.parametrize(("patterns", "key", "first"), [
    ([r"(项)\1目", r"项项目"], "项项目", 0),  # a backreference: the patterns are tried one by one
    ([r"(?P<x>项)(?P=x)", r"项项"], "项项", 0),
    ([r"(?i)abc", r"x"], "ABC", 0),  # a global flag: one by one as well
    ([r"(?i)abc", r"x"], "y", None),
])
def test_patterns_that_cannot_be_alternatives_are_tried_one_by_one(patterns: list[str], key: str,
                                                                   first: int | None) -> None:
    matcher = labels._FirstMatch.of([(re.compile(pattern), index) for index, pattern in enumerate(patterns)])
    assert matcher.regex is None and matcher.first(key) == first == _first_in_order(patterns, key)


def _example_cells() -> set[str]:
    return {clean_cell(cell) for path in EXAMPLES.glob("*.md")
            for line in path.read_text(encoding="utf-8").splitlines() for cell in line.split("|") if clean_cell(cell)}


def test_every_example_cell_matches_as_the_patterns_one_by_one() -> None:
    """Every cell text of the thirteen examples, in every context and level: the same label as trying
    the vocabulary's patterns one at a time in file order."""
    texts = _example_cells()
    matched = 0
    for text in texts:
        for context in LABEL_CONTEXTS:
            key = column_key(text) if context != "header" else label_key(text)
            entries = labels._vocabulary().get(context, [])
            expected = None
            if key and len(key) <= 40:
                expected = next((label for pattern, label in entries if pattern.fullmatch(key)), None)
            assert match_label(text, context) == expected, (text, context)
            matched += expected is not None
        for level in (1, 2):
            key = label_key(text)
            expected_level = next((entry for pattern, entry in labels._levels()
                                   if entry.level == level and pattern.fullmatch(key)), None) if key else None
            assert match_level(text, level) == expected_level, (text, level)
            matched += expected_level is not None
    assert len(texts) > 900 and matched > 150  # the examples' labels, not only texts unlike every label
