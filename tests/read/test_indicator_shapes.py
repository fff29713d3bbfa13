"""The indicator shapes of the family, read field by field from whole forms.

The forms are in tests/fixtures/indicator_shapes (each says at its top which real template it follows) and
tests/fixtures/department (the scoring sheet). Every expected value below is read off the fixture by hand.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.testing import markdown_to_html, markdown_to_xlsx
from tests.conftest import FIXTURES

SHAPES = FIXTURES / "indicator_shapes"
COLUMNS = ("horizon", "level1", "level2", "name", "level1_std", "level2_std", "target_text", "comparator",
           "target_kind", "target_value", "unit")


@cache
def read(path: Path) -> bl.Forms:
    return bl.read_form(path)


def rows(forms: bl.Forms, *columns: str) -> list[tuple]:
    df = forms.indicators
    return [tuple(None if pd.isna(v) else v for v in row) for row in df[list(columns)].itertuples(index=False)]


def assert_read_cleanly(forms: bl.Forms) -> None:
    """Read, with every cell taken and no warning about the indicator table."""
    assert forms.errors.empty
    assert len(forms.projects) == 1
    assert not set(forms.warnings["code"]) & {"W_TABLE_UNREAD", "W_COLUMN_UNREAD", "W_HORIZON_GUESSED",
                                              "W_ROW_SHIFTED"}


def test_long_term_and_annual_groups_under_a_group_row() -> None:
    """一级指标 merged down beside 中长期绩效指标 and 年度绩效指标, each over 二级指标 | 三级指标 | 指标值."""
    forms = read(SHAPES / "side-by-side-group-row.md")
    assert_read_cleanly(forms)
    assert forms.unparsed.empty
    assert rows(forms, *COLUMNS) == [
        ("long_term", "产出指标", "数量指标", "社区养老服务中心覆盖率", "产出指标", "数量指标", "≥90%", ">=", "quantitative", 90.0, "%"),
        ("long_term", "产出指标", "质量指标", "服务质量达标率", "产出指标", "质量指标", "≥95%", ">=", "quantitative", 95.0, "%"),
        ("long_term", "产出指标", "时效指标", "网络建成时间", "产出指标", "时效指标", "2025年底前", None, "period", None, None),
        ("long_term", "产出指标", "成本指标", "每中心年均运营补贴", "产出指标", "成本指标", "≤90万元", "<=", "quantitative", 90.0,
         "万元"),
        ("long_term", "效益指标", "社会效益指标", "老年人居家养老条件", "效益指标", "社会效益指标", "持续改善", None, "qualitative",
         None, None),
        ("long_term", "满意度指标", "服务对象满意度指标", "老年人满意度", "满意度指标", "服务对象满意度指标", "≥90%", ">=",
         "quantitative", 90.0, "%"),
        ("annual", "产出指标", "数量指标", "新建社区养老服务中心", "产出指标", "数量指标", "4个", None, "quantitative", 4.0, "个"),
        # the long-term cells of this row are empty: one annual indicator, no long-term one
        ("annual", "产出指标", "数量指标", "服务老年人次", "产出指标", "数量指标", "≥3000人次", ">=", "quantitative", 3000.0, "人次"),
        ("annual", "产出指标", "质量指标", "服务质量达标率", "产出指标", "质量指标", "≥95%", ">=", "quantitative", 95.0, "%"),
        ("annual", "产出指标", "时效指标", "补贴资金拨付时间", "产出指标", "时效指标", "2022年12月底前", None, "period", None, None),
        ("annual", "产出指标", "成本指标", "每中心运营补贴", "产出指标", "成本指标", "≤90万元", "<=", "quantitative", 90.0, "万元"),
        ("annual", "效益指标", "社会效益指标", "老年人就近养老比例", "效益指标", "社会效益指标", "≥60%", ">=", "quantitative", 60.0,
         "%"),
        ("annual", "满意度指标", "服务对象满意度指标", "老年人满意度", "满意度指标", "服务对象满意度指标", "≥90%", ">=", "quantitative",
         90.0, "%"),
    ]
    assert forms.indicators["indicator_no"].tolist() == list(range(1, 14))
    p = forms.projects.iloc[0]
    assert (p["project_name"], p["department"], p["current_year_budget_yuan"]) == (
        "社区养老服务中心运营补贴（测试样例）", "某区民政局（测试样例）", 3_600_000.0)


def test_annual_and_long_term_values_under_one_spanning_heading() -> None:
    """指标值 over 年度 | 中长期: the names are shared; the "—" long-term value of 工程完工时间 is no indicator."""
    forms = read(SHAPES / "side-by-side-value-columns.md")
    assert_read_cleanly(forms)
    assert rows(forms, "horizon", "name", "target_text", "comparator", "target_value", "unit") == [
        ("long_term", "新建改造供水管网", "≥400公里", ">=", 400.0, "公里"),
        ("long_term", "水质达标率", "100%", None, 100.0, "%"),
        ("long_term", "受益农村人口", "≥12万人", ">=", 12.0, "万人"),
        ("long_term", "工程运行管护机制", "长效运行", None, None, None),
        ("long_term", "受益群众满意度", "≥95%", ">=", 95.0, "%"),
        ("annual", "新建改造供水管网", "≥120公里", ">=", 120.0, "公里"),
        ("annual", "水质达标率", "≥95%", ">=", 95.0, "%"),
        ("annual", "工程完工时间", "2023年11月底前", None, None, None),
        ("annual", "受益农村人口", "≥3.5万人", ">=", 3.5, "万人"),
        ("annual", "工程运行管护机制", "健全", None, None, None),
        ("annual", "受益群众满意度", "≥90%", ">=", 90.0, "%"),
    ]
    annual = forms.indicators[forms.indicators["horizon"] == "annual"]
    assert annual["level1"].tolist() == ["产出指标"] * 3 + ["效益指标"] * 2 + ["满意度指标"]
    assert annual["level2_std"].tolist() == ["数量指标", "质量指标", "时效指标", "社会效益指标", "可持续影响指标",
                                             "服务对象满意度指标"]
    assert forms.unparsed["text"].tolist() == ["—"]   # the long-term value that is none stays, unparsed


def test_two_level_table_whose_first_level_holds_level_two_labels() -> None:
    """The ezhou template, complete: 数量指标 … 满意度指标 in the 一级 column, names in the 二级 column.

    level1 keeps the label as written and level2 stays empty (the form has no second label); the canonical
    levels come from the level-2 vocabulary: 数量指标 is 产出指标/数量指标, 成本指标 beside 数量/质量 is the
    output's cost (产出指标/成本指标), 满意度指标 is 满意度指标/服务对象满意度指标.
    """
    forms = read(SHAPES / "two-level-names-in-level2.md")
    assert forms.errors.empty
    assert not set(forms.warnings["code"]) & {"W_TABLE_UNREAD", "W_COLUMN_UNREAD"}
    assert rows(forms, "level1", "level2", "name", "level1_std", "level2_std", "target_text", "comparator",
                "target_value", "unit", "standard") == [
        ("数量指标", None, "物业服务面积", "产出指标", "数量指标", "≥5.2万平方米", ">=", 5.2, "万平方米", "反映物业服务覆盖的建筑面积"),
        ("数量指标", None, "安保巡查次数", "产出指标", "数量指标", "≥700次", ">=", 700.0, "次", "反映全年安保巡查情况"),
        ("质量指标", None, "设施设备完好率", "产出指标", "质量指标", "≥98%", ">=", 98.0, "%", "反映设施设备维护质量"),
        ("时效指标", None, "报修响应时间", "产出指标", "时效指标", "≤2小时", "<=", 2.0, "小时", "反映报修处理及时程度"),
        ("成本指标", None, "物业服务单价", "产出指标", "成本指标", "≤6.5元/平方米/月", "<=", 6.5, "元/平方米/月",
         "反映每平方米月物业服务费"),
        ("社会效益指标", None, "服务中心正常运行率", "效益指标", "社会效益指标", "100%", None, 100.0, "%", "反映服务中心保障情况"),
        ("可持续影响指标", None, "物业管理制度健全性", "效益指标", "可持续影响指标", "健全", None, None, None, "反映管理制度建设情况"),
        ("满意度指标", None, "办事群众满意度", "满意度指标", "服务对象满意度指标", "≥90%", ">=", 90.0, "%",
         "反映办事群众对服务环境的满意程度"),
    ]


def test_sub_indicators_keep_their_parent() -> None:
    """其中 rows under 培训人次; (1)/(2) rows under 培训班次：, which has no value of its own."""
    forms = read(SHAPES / "sub-indicators.md")
    assert_read_cleanly(forms)
    assert rows(forms, "indicator_no", "level2", "name", "target_text", "parent_indicator_no", "parent_name") == [
        (1, "数量指标", "培训人次", "≥2000人次", None, None),
        (2, "数量指标", "其中：线上培训人次", "≥1200人次", 1, "培训人次"),
        (3, "数量指标", "其中：线下培训人次", "≥800人次", 1, "培训人次"),
        (4, "数量指标", "培训班次：", None, None, None),
        (5, "数量指标", "(1)主体班", "6期", 4, "培训班次："),
        (6, "数量指标", "(2)专题班", "≥10期", 4, "培训班次："),
        (7, "质量指标", "培训考核合格率", "≥95%", None, None),
        (8, "时效指标", "年度培训计划完成时间", "2022年12月底前", None, None),
        (9, "成本指标", "人均培训成本", "≤600元/人次", None, None),
        (10, "社会效益指标", "基层干部履职能力", "明显提升", None, None),
        (11, "服务对象满意度指标", "参训学员满意度", "≥90%", None, None),
    ]
    assert forms.unparsed.empty


def test_level_one_weights_in_four_bracket_styles() -> None:
    """产出指标（40分）, 成本指标[10], 效益指标30分, 满意度指标 10%: the labels clean, the points kept."""
    forms = read(SHAPES / "level-weights-brackets.md")
    assert_read_cleanly(forms)
    assert rows(forms, "level1", "level1_std", "level1_weight", "level2", "name", "target_text", "actual_text",
                "actual_value", "weight", "score", "deviation_reason") == [
        ("产出指标", "产出指标", 40.0, "数量指标", "维护路灯数量", "≥8000盏", "8120盏", 8120.0, 15.0, 15.0, None),
        ("产出指标", "产出指标", 40.0, "质量指标", "路灯亮灯率", "≥98%", "97.5%", 97.5, 15.0, 14.0, "部分线路老化，已列入改造计划"),
        ("产出指标", "产出指标", 40.0, "时效指标", "故障修复及时率", "≥95%", "96%", 96.0, 10.0, 10.0, None),
        ("成本指标", "成本指标", 10.0, "经济成本指标", "单灯年均维护成本", "≤120元", "115元", 115.0, 10.0, 10.0, None),
        ("效益指标", "效益指标", 30.0, "社会效益指标", "夜间出行安全条件", "持续改善", "达成预期指标", None, 15.0, 15.0, None),
        ("效益指标", "效益指标", 30.0, "可持续影响指标", "路灯设施使用年限", "延长", "达成预期指标", None, 15.0, 13.0, "部分灯杆锈蚀"),
        ("满意度指标", "满意度指标", 10.0, "服务对象满意度指标", "市民满意度", "≥90%", "92%", 92.0, 10.0, 10.0, None),
    ]
    p = forms.projects.iloc[0]
    assert (p["form_type"], p["stated_total_weight"], p["official_total_score"]) == ("self_evaluation", 90.0, 87.0)
    assert forms.unparsed.empty


def test_department_scoring_sheet_rows_are_indicators_scored_by_criteria() -> None:
    """投入/过程/产出/效益 with their points, each row a weight, an explanation, the criteria and a score."""
    forms = read(FIXTURES / "department" / "department-scoring-sheet.md")
    assert forms.errors.empty
    assert not set(forms.warnings["code"]) & {"W_TABLE_UNREAD", "W_COLUMN_UNREAD"}
    got = rows(forms, "level1", "level1_weight", "level2", "level2_weight", "name", "level1_std", "level2_std",
               "weight", "score", "target_kind")
    assert got[:4] == [
        ("投入", 15.0, "预算编制", 15.0, "预算编制科学性", "投入指标", "预算编制", 5.0, 4.0, "criteria"),
        ("投入", 15.0, "预算编制", 15.0, "基础数据准确性", "投入指标", "预算编制", 5.0, 5.0, "criteria"),
        ("投入", 15.0, "预算编制", 15.0, "绩效目标合理性", "投入指标", "预算编制", 5.0, 4.5, "criteria"),
        # 预算执行 opens the process block: a level label, not the budget-execution section it also names
        ("过程", 35.0, "预算执行", 20.0, "预算完成率", "过程指标", "预算执行", 5.0, 4.8, "criteria"),
    ]
    assert [row[2] for row in got] == ["预算编制"] * 3 + ["预算执行"] * 4 + ["预算管理"] * 3 + ["资产管理"] + [
        "职责履行"] * 2 + ["履职效益"] * 2
    assert [row[5] for row in got] == ["投入指标"] * 3 + ["过程指标"] * 8 + ["产出指标"] * 2 + ["效益指标"] * 2
    assert sum(row[7] for row in got) == 100.0 and sum(row[8] for row in got) == 89.5
    last = forms.indicators.iloc[-1]
    assert (last["name"], last["explanation"], last["criteria"]) == (
        "社会公众或服务对象满意度", "社会公众或部门服务对象对部门履职效果的满意程度", "满意度≥90%得满分，每低1个百分点扣0.5分")
    assert forms.indicators["target_text"].isna().all()
    p = forms.projects.iloc[0]
    assert (p["department"], p["stated_total_weight"], p["official_total_score"]) == ("某区教育局（测试样例）", 100.0, 89.5)
    assert forms.unparsed.empty
    # no target and no project levels: the target and level checks leave a scoring sheet alone
    assert not set(forms.findings["check_id"]) & {"C1", "C2", "C3", "C4", "C7"}


@pytest.mark.parametrize("name", sorted(p.name for p in SHAPES.glob("*.md")))
@pytest.mark.parametrize("fmt", ["html", "html-merged", "xlsx-merged"])
def test_the_shapes_read_the_same_as_html_and_xlsx_with_merged_cells(tmp_path: Path, name: str, fmt: str) -> None:
    """Group rows, spanning headings and merged level cells written as rowspan/colspan or merged ranges."""
    source = SHAPES / name
    merge = fmt.endswith("merged")
    if fmt.startswith("html"):
        path = tmp_path / f"{source.stem}.html"
        path.write_text(markdown_to_html(source, merge=merge), encoding="utf-8")
    else:
        path = tmp_path / f"{source.stem}.xlsx"
        path.write_bytes(markdown_to_xlsx(source, merge=merge))
    columns = [c for c in read(source).indicators.columns if c not in ("form_id", "table_no", "row")]
    expected = read(source).indicators[columns].reset_index(drop=True)
    got = bl.read_form(path).indicators[columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)
