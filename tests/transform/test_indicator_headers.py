"""Indicator-table headings read by meaning: the synonyms real forms use, and headings no vocabulary row lists.

Each heading is checked twice: through :func:`heading_role` (the exact list of data/labels.csv first, then the
rules) and through :func:`rule_role` alone, so that the rules of data/indicator_heading_rules.csv are shown to
read every synonym by its words, not only because a row of labels.csv happens to list it.
"""

from __future__ import annotations

import pytest

from budgetlib.transform.blocks import (
    heading_horizon,
    heading_role,
    indicator_header,
    is_indicator_heading,
    is_indicator_marker,
    rule_role,
    split_level_weight,
)
from budgetlib.transform.labels import match_label

# Headings seen in real forms of the family (the list, the thirteen examples, published templates).
SEEN = [
    # targets: a value, target, standard or level to reach
    ("指标值", "target"), ("年度指标值", "target"), ("本年度指标值", "target"), ("当年预期实现值", "target"),
    ("预期值", "target"), ("计划值", "target"), ("计划完成值", "target"), ("标准值", "target"),
    ("指标值及单位", "target"), ("指标值(年度)", "target"), ("年度\n指标值", "target"), ("年度 指标值", "target"),
    # actuals
    ("实际完成值", "actual"), ("实际达成值", "actual"), ("全年实际值", "actual"), ("完成值", "actual"),
    ("实际\n完成值", "actual"),
    # weights and scores
    ("分值", "weight"), ("权重", "weight"), ("实际得分", "score"), ("得分", "score"), ("自评得分", "score"),
    # reasons, criteria, descriptions
    ("偏差原因分析及改进措施", "deviation_reason"), ("未完成原因及拟采取的改进措施", "deviation_reason"),
    ("未完成原因分析", "deviation_reason"), ("指标解释", "explanation"), ("评分标准", "criteria"),
    ("评价标准", "criteria"), ("绩效标准", "standard"),
    # separate nature and unit columns (qingshen)
    ("指标性质", "comparator"), ("指标方向", "comparator"), ("度量单位", "unit"), ("计量单位", "unit"),
    # levels and names
    ("一级指标", "level1"), ("二级指标", "level2"), ("二级指标(长期)", "level2"), ("三级指标", "name"),
    ("三级指标内容", "name"), ("指标名称", "name"), ("指标内容", "name"), ("三级指标(年度)", "name"),
    ("备注", "remark"), ("备 注", "remark"),
]

# Headings beyond the list above (most of them in no row of data/labels.csv): the rules read them by their words.
UNSEEN = [
    ("年度目标值", "target"), ("预计完成值", "target"), ("目标值（年度）", "target"), ("本年计划数", "target"),
    ("年初目标值", "target"), ("预期指标值", "target"), ("年度绩效目标值", "target"), ("设定目标", "target"),
    ("年度实际完成值", "actual"), ("实际完成情况", "actual"), ("全年完成值", "actual"), ("实际达成情况", "actual"),
    ("实现值", "actual"),
    ("指标权重", "weight"), ("权重（分）", "weight"), ("满分值", "weight"), ("标准分", "weight"),
    ("自评分", "score"), ("评分结果", "score"), ("实际得分值", "score"),
    ("偏差原因", "deviation_reason"), ("未达标原因", "deviation_reason"), ("整改措施", "improvement"),
    ("评分细则", "criteria"), ("计分方法", "criteria"), ("评价要点", "criteria"), ("扣分说明", "criteria"),
    ("指标释义", "explanation"), ("指标内涵", "explanation"),
    ("指标值确定依据", "standard"), ("评价依据", "standard"),
    ("比较符号", "comparator"), ("运算符", "comparator"), ("计量单位名称", "unit"),
    ("一级指标名称", "level1"), ("二级指标内容", "level2"), ("三级指标名称", "name"), ("四级指标", "level4"),
    ("具体指标内容", "name"), ("指标项目", "name"),
    ("情况说明", "remark"),
]

NOT_HEADINGS = ["甲乙丙", "绩效指标", "项目名称", "资金总额", "2020年", "产出指标", "数量指标", "", "合计"]


@pytest.mark.parametrize(("text", "role"), SEEN + UNSEEN)
def test_heading_role(text: str, role: str) -> None:
    assert heading_role(text) == role


@pytest.mark.parametrize(("text", "role"), SEEN + UNSEEN)
def test_the_rules_alone_read_every_heading(text: str, role: str) -> None:
    """Without the exact list of labels.csv (except 指标值确定依据, a description that says 值)."""
    if text == "指标值确定依据":
        assert rule_role(text) == "target" and match_label(text, "indicator_col").name == "standard"
        return
    assert rule_role(text) == role


@pytest.mark.parametrize("text", NOT_HEADINGS)
def test_not_a_column_heading(text: str) -> None:
    assert heading_role(text) is None


@pytest.mark.parametrize(("text", "horizon", "by_words"), [
    ("指标值(长期)", "long_term", False), ("指标值（年度）", "annual", False), ("二级指标(中期)", "long_term", False),
    ("中长期指标值", None, False), ("中长期指标值", "long_term", True), ("年度指标值", "annual", True),
    ("实施期目标值", "long_term", True), ("实际完成值", None, True),
])
def test_heading_horizon(text: str, horizon: str | None, by_words: bool) -> None:
    assert heading_horizon(text, by_words) == horizon


def test_horizon_words_count_only_beside_a_long_term_heading() -> None:
    """年度指标值 alone is the annual target of a one-horizon table (no horizon): the zhongjiang headings."""
    alone = indicator_header(["一级指标", "二级指标", "三级指标", "年度指标值", "全年实际值"])
    assert {col: column.horizon for col, column in alone.items()} == {0: None, 1: None, 2: None, 3: None, 4: None}
    beside = indicator_header(["一级指标", "二级指标", "三级指标", "中长期指标值", "年度指标值"])
    assert {col: column.horizon for col, column in beside.items()} == {
        0: None, 1: None, 2: None, 3: "long_term", 4: "annual"}


@pytest.mark.parametrize(("cells", "roles"), [
    # ezhou 2022: names in the 二级 column, 绩效标准 a description, 当年预期实现值 the target
    (["一级指标", "二级指标", "绩效标准", "当年预期实现值"], ["level1", "level2", "standard", "target"]),
    # the department scoring sheet: no target, a weight and criteria
    (["一级指标", "二级指标", "三级指标", "分值", "指标解释", "评分标准", "得分"],
     ["level1", "level2", "name", "weight", "explanation", "criteria", "score"]),
    # unseen wording throughout
    (["一级指标名称", "二级指标内容", "三级指标名称", "年度目标值", "预计完成值"],
     ["level1", "level2", "name", "target", "target"]),
])
def test_heading_rows_of_new_shapes(cells: list[str], roles: list[str]) -> None:
    header = indicator_header(cells)
    assert header is not None
    assert [column.name for _, column in sorted(header.items())] == roles


@pytest.mark.parametrize("cells", [
    ["一级指标", "二级指标", "三级指标", "实际完成值", "得分"],      # no target, no criteria: a self-evaluation missing its target
    ["一级指标", "二级指标", "三级指标", "分值", "得分"],            # weight and score alone are no scoring sheet
    ["一级指标", "甲乙丙", "乙丙丁", "指标值"],                      # one level column
])
def test_heading_rows_that_are_no_indicator_table(cells: list[str]) -> None:
    assert indicator_header(cells) is None


def test_is_indicator_heading() -> None:
    assert is_indicator_heading(["level2", "name", "target"])
    assert is_indicator_heading(["level1", "level4", "weight", "explanation"])
    assert not is_indicator_heading(["name", "target", "weight"])


@pytest.mark.parametrize(("text", "expected"), [
    ("一级指标", True), ("年度指标值", True), ("三级指标(年度)", True), ("指标内容", True), ("得分", False),
    ("产出指标", False), ("注:1.一级指标分值统一设置为:产出指标50分、效益指标30分、满意度指标10分、预算资金执行率10分", False),
])
def test_indicator_markers(text: str, expected: bool) -> None:
    assert is_indicator_marker(text) is expected


@pytest.mark.parametrize(("text", "label", "weight"), [
    ("产出指标(50分)", "产出指标", 50.0), ("产出指标（50分）", "产出指标", 50.0), ("产出指标[50]", "产出指标", 50.0),
    ("产出指标［50分］", "产出指标", 50.0), ("产出指标【50分】", "产出指标", 50.0), ("产出指标50分", "产出指标", 50.0),
    ("产出指标 50%", "产出指标", 50.0), ("产出指标(权重50%)", "产出指标", 50.0), ("效益指标(12.5分)", "效益指标", 12.5),
    ("满意度指标", "满意度指标", None), ("指标1", "指标1", None), ("50分", "50分", None),
])
def test_level_weights_in_any_bracket_style(text: str, label: str, weight: float | None) -> None:
    assert split_level_weight(text) == (label, weight)
