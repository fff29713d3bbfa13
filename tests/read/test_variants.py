"""Other layouts of the same form families (from the published national templates), read by their labels.

The fixtures in tests/fixtures/variants are written from published templates with made-up content; the
expected values were checked by hand against them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import budgetlib as bl

VARIANTS = Path(__file__).parents[1] / "fixtures" / "variants"


def read(name: str) -> bl.Forms:
    forms = bl.read_form(VARIANTS / name)
    assert forms.errors.empty
    return forms


def values(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in row) for row in df[columns].itertuples(index=False)]


def test_national_self_evaluation_template() -> None:
    forms = read("national-self-evaluation-template.md")
    p = forms.projects.iloc[0]
    assert (p["form_type"], p["fiscal_year"], p["department"], p["implementing_unit"]) == (
        "self_evaluation", 2021, "某区民政局", "某区养老服务中心")
    # 全年预算数 150 万元 is the year's budget; the unit comes from the block label 项目资金（万元）
    assert p["current_year_budget_yuan"] == 1_500_000.0
    assert p["annual_goal"] == "为辖区 800 名老人提供居家养老服务"
    assert p["goal_completion"] == "为 760 名老人提供了服务"
    assert (p["stated_total_weight"], p["official_total_score"]) == (100.0, 98.0)
    assert values(forms.budget_execution, ["fund_line", "parent_line", "initial_budget_yuan", "full_year_budget_yuan",
                                           "executed_yuan", "execution_rate", "weight", "score"]) == [
        ("年度资金总额", None, 1_200_000.0, 1_500_000.0, 1_350_000.0, 0.9, 10.0, 9.0),
        ("当年财政拨款", "年度资金总额", 1_200_000.0, 1_500_000.0, 1_350_000.0, None, None, None),
        ("上年结转资金", "年度资金总额", 0.0, 0.0, 0.0, None, None, None),
        ("其他资金", "年度资金总额", 0.0, 0.0, 0.0, None, None, None),
    ]
    # "—" marks not applicable: kept as written, no number invented
    assert forms.budget_execution["weight_as_written"].iloc[1] == "—"
    assert values(forms.indicators, ["level1", "level1_weight", "name", "target_text", "actual_text", "actual_value",
                                     "weight", "score", "deviation_reason"]) == [
        ("产出指标", 50.0, "服务老人数", "≥800人", "760人", 760.0, 20.0, 19.0, "部分老人迁出"),
        ("产出指标", 50.0, "服务合格率", "≥95%", "97%", 97.0, 15.0, 15.0, None),
        ("产出指标", 50.0, "补贴发放及时率", "100%", "100%", 100.0, 15.0, 15.0, None),
        ("效益指标", 30.0, "老人生活质量", "明显改善", "达成预期指标", None, 30.0, 30.0, None),
        ("满意度指标", 10.0, "老人满意度", "≥90%", "92%", 92.0, 10.0, 10.0, None),
    ]
    assert forms.unparsed.empty


def test_2021_target_template_with_cost_level1_and_template_rows() -> None:
    forms = read("target-2021-template.md")
    p = forms.projects.iloc[0]
    assert (p["form_type"], p["fiscal_year"]) == ("target", 2022)
    # 伍拾万元 is a Chinese numeral with its unit: 500,000 元
    assert (p["current_year_budget_yuan"], p["budget_as_written"]) == (500_000.0, "伍拾万元")
    # sources under 年度资金总额 take its scope; "50" takes 万元 from the block label 项目资金(万元)
    assert values(forms.funding, ["source_name", "parent_source", "scope", "amount_yuan"]) == [
        ("财政拨款", None, "current_year", 500_000.0),
        ("其他资金", None, "current_year", 0.0),
    ]
    assert values(forms.indicators, ["level1_std", "level2_std", "name", "comparator", "target_kind",
                                     "target_value", "unit", "period_end"]) == [
        ("产出指标", "数量指标", "指标1：养护里程", ">=", "quantitative", 120.0, "公里", None),
        ("产出指标", "质量指标", "指标1：优良中等路率", ">=", "quantitative", 80.0, "%", None),
        ("产出指标", "时效指标", "指标1：完成时限", None, "period", None, None, "2022-12"),
        ("成本指标", "经济成本指标", "指标1：每公里养护成本", "<=", "quantitative", 4200.0, "元/公里", None),
        ("效益指标", "社会效益指标", "指标1：群众出行条件", None, "qualitative", None, None, None),
        ("满意度指标", "服务对象满意度指标", "指标1：沿线群众满意度", ">=", "quantitative", 90.0, "%", None),
    ]
    # template rows are not indicators, and their cells are not lost
    assert sorted(forms.unparsed["text"]) == sorted(["指标2", "生态效益指标", "……"])


def test_declaration_with_horizontal_funds_codes_and_prior_years() -> None:
    forms = read("declaration-horizontal-funds.md")
    p = forms.projects.iloc[0]
    assert (p["project_code"], p["department_code"], p["department"]) == (
        "420102-2024-XX-0007", "102001", "某区政务服务和大数据管理局")
    # the total (资金总额) is stated; this year's budget is not, so it stays unknown rather than guessed
    assert p["total_budget_yuan"] == 800_000.0
    assert pd.isna(p["current_year_budget_yuan"])
    assert values(forms.funding, ["source_name", "amount_yuan", "amount_unit"]) == [
        ("财政拨款", 800_000.0, "万元"), ("其他资金", 0.0, "万元"),
    ]
    assert values(forms.expenditures, ["economic_code", "economic_category", "fiscal_year", "amount_yuan"]) == [
        ("30213", "维修(护)费", 2024, 600_000.0), ("30213", "维修(护)费", 2023, 550_000.0),
        ("30207", "邮电费", 2024, 10_000.0), ("30207", "邮电费", 2023, 10_000.0),
        ("30227", "委托业务费", 2024, 190_000.0), ("30227", "委托业务费", 2023, 140_000.0),
    ]
    assert values(forms.stated_totals, ["of_table", "fiscal_year", "value_yuan"]) == [
        ("expenditures", 2024, 800_000.0), ("expenditures", 2023, 700_000.0),
    ]
    history = values(forms.budget_history.sort_values(["basis", "fiscal_year"]), ["fiscal_year", "amount_yuan", "basis"])
    assert history == [
        (2023, 700_000.0, "expenditure_column"), (2024, 800_000.0, "expenditure_column"),
        (2022, 600_000.0, "stated_in_text"), (2023, 700_000.0, "stated_in_text"),
    ]
    assert values(forms.indicators, ["level1", "level2", "comparator", "target_value", "unit"])[1] == (
        "产出指标", "时效指标", "<=", 2.0, "小时")
    assert forms.unparsed.empty


def test_unit_never_guessed_when_the_form_states_none(tmp_path: Path) -> None:
    seed = (Path(__file__).parents[1] / "fixtures" / "examples" / "xinzhou-2020-e-gov-network-declaration.md")
    text = seed.read_text(encoding="utf-8").replace("资金单位：元", "")
    path = tmp_path / "no-unit.md"
    path.write_text(text, encoding="utf-8")
    forms = bl.read_form(path)
    p = forms.projects.iloc[0]
    assert pd.isna(p["current_year_budget_yuan"]) and p["budget_as_written"] == "500000.00"
    assert forms.funding["amount_yuan"].isna().all()
    assert list(forms.funding["amount_as_written"])[:2] == ["500000.00", "500000.00"]
    assert forms.expenditures["amount_yuan"].isna().all()
    # the text's "30 万" states its own unit, so that one figure is still known
    stated = forms.budget_history[forms.budget_history["basis"] == "stated_in_text"]
    assert list(stated["amount_yuan"]) == [300_000.0]


def test_indicator_table_split_by_a_page_break_reads_as_one(tmp_path: Path) -> None:
    # published pages often break the indicator table into two <table>s, the second without headings
    source = Path(__file__).parents[1] / "fixtures" / "examples" / "zhongjiang-2022-water-gauge-self-evaluation.md"
    lines = source.read_text(encoding="utf-8").split("\n")
    cut = next(i for i, line in enumerate(lines) if "及时(按期)完工率" in line) + 1
    split = [*lines[:cut], "", "（续表）", "", "| | | | | | | | | |", "|---|---|---|---|---|---|---|---|---|", *lines[cut:]]
    path = tmp_path / "split.md"
    path.write_text("\n".join(split), encoding="utf-8")
    whole, parted = bl.read_form(source), bl.read_form(path)
    columns = ["level1", "level2", "name", "target_text", "actual_text", "weight", "score"]
    assert values(parted.indicators, columns) == values(whole.indicators, columns)
    assert list(parted.indicators["table_no"]) == [1] * 5 + [2] * 4
    assert parted.projects["official_total_score"].iloc[0] == 100.0
    assert "continuation" in parted.warnings["message"].iloc[0]


def test_published_html_page_with_spans_script_and_navigation() -> None:
    forms = read("target-page-with-spans.html")
    p = forms.projects.iloc[0]
    assert (p["form_type"], p["fiscal_year"], p["department"], p["implementing_unit"]) == (
        "target", 2023, "某县教育局", "某县第一中学")
    # 36.5 takes 万元 from the paragraph "单位：万元" above the table
    assert (p["current_year_budget_yuan"], p["budget_as_written"]) == (365_000.0, "36.5")
    assert p["annual_goal"] == "更新监控摄像头 120 个；\n实现校园重点区域监控全覆盖。"
    assert p["form_filler"] == "李某"
    assert values(forms.funding, ["source_name", "scope", "amount_yuan"]) == [
        ("财政拨款", "current_year", 300_000.0), ("其他资金", "current_year", 65_000.0),
    ]
    # rowspan'd level cells are inherited; the level-1 成本指标 of the 2021 template is kept
    assert values(forms.indicators, ["level1", "level2", "name", "comparator", "target_kind", "target_value",
                                     "unit", "period_end"]) == [
        ("产出指标", "数量指标", "更新摄像头数量", ">=", "quantitative", 120.0, "个", None),
        ("产出指标", "质量指标", "设备验收合格率", None, "quantitative", 100.0, "%", None),
        ("产出指标", "时效指标", "完成时间", None, "period", None, None, "2023-10"),
        ("成本指标", "经济成本指标", "单个摄像头采购成本", "<=", "quantitative", 3000.0, "元", None),
        ("效益指标", "社会效益指标", "校园安全事件发生率", None, "qualitative", None, None, None),
        ("满意度指标", "服务对象满意度指标", "师生满意度", ">=", "quantitative", 90.0, "%", None),
    ]
    everything = " ".join(str(v) for df in forms.tables.values() for v in df.astype(str).to_numpy().ravel())
    assert "统计代码" not in everything  # script text is never data
    assert list(forms.unparsed["text"]) == ["首页 > 政务公开 > 财政预决算"]


def test_workbook_laid_out_as_staff_fill_it_in(tmp_path: Path) -> None:
    # a self-evaluation typed into Excel: a merged title, the unit at the right of its own row, merged
    # section labels, figures as numbers formatted 0.00, a percentage as a number formatted 0.00%
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws.append(["项目支出绩效自评表（测试样例）"])
    ws.merge_cells("A1:H1")
    ws.append(["（2022年度）"])
    ws.append([None, None, None, None, None, None, None, "单位：万元"])
    rows = [
        ["项目名称", "老旧小区改造（测试样例）", None, None, None, None, None, None],
        ["主管部门", "某区住建局", None, None, "实施单位", "某区城建中心", None, None],
        ["项目资金", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", 200, 240, 180, 10, 0.75, 7.5],
        [None, "其中：财政拨款", 200, 240, 180, None, None, None],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        [None, "产出指标", "数量指标", "改造小区数", "≥12个", "9个", 50, 37.5],
        [None, "效益指标", "社会效益指标", "居住条件", "明显改善", "部分改善", 30, 21],
        [None, "满意度指标", "服务对象满意度指标", "居民满意度", "≥85%", "88%", 10, 10],
    ]
    for row in rows:
        ws.append(row)
    ws.merge_cells("A6:A8")
    ws.merge_cells("A9:A12")
    for row in ws.iter_rows(min_row=7, max_row=8, min_col=3, max_col=6):
        for cell in row:
            cell.number_format = "0.00"
    ws["G7"].number_format = "0.00%"
    path = tmp_path / "selfeval.xlsx"
    wb.save(path)

    forms = read_any(path)
    p = forms.projects.iloc[0]
    assert (p["form_type"], p["fiscal_year"], p["project_name"], p["department"]) == (
        "self_evaluation", 2022, "老旧小区改造（测试样例）", "某区住建局")
    assert (p["current_year_budget_yuan"], p["budget_as_written"]) == (2_400_000.0, "240.00")
    assert values(forms.budget_execution, ["fund_line", "initial_budget_yuan", "full_year_budget_yuan",
                                           "executed_yuan", "execution_rate", "weight", "score"]) == [
        ("年度资金总额", 2_000_000.0, 2_400_000.0, 1_800_000.0, 0.75, 10.0, 7.5),
        ("财政拨款", 2_000_000.0, 2_400_000.0, 1_800_000.0, None, None, None),
    ]
    assert values(forms.indicators, ["level1", "name", "target_value", "actual_text", "actual_value", "weight",
                                     "score"]) == [
        ("产出指标", "改造小区数", 12.0, "9个", 9.0, 50.0, 37.5),
        ("效益指标", "居住条件", None, "部分改善", None, 30.0, 21.0),
        ("满意度指标", "居民满意度", 85.0, "88%", 88.0, 10.0, 10.0),
    ]


def read_any(path: Path) -> bl.Forms:
    forms = bl.read_form(path)
    assert forms.errors.empty, forms.errors
    return forms
