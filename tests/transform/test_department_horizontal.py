"""Families of horizontal budget tables on whole-department forms: a heading row of categories (收入预算 |
合计 | 财政拨款 | 事业收入 …, 支出预算 | 合计 | 基本支出 | 项目支出, sometimes 人员经费 | 公用经费 under
基本支出) with one or two rows of figures below (金额（万元）, 上年 / 本年). Every department and figure is made
up (测试样例); the layouts follow published 部门整体支出绩效目标表 templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.transform.blocks import budget_row_header
from budgetlib.transform.money import figure_row_year, parse_budget_rows
from tests.transform.grids import claimed, context, filled, grid, pick

_TITLE = "# 部门整体支出绩效目标表\n\n（2023年度）\n\n"

_INDICATORS = """| 年度总体目标 | 保障机关正常运转，完成高标准农田建设2万亩，农户满意度不低于90%。 | | | | |
| 年度绩效指标 | 一级指标 | 二级指标 | 三级指标 | 指标值 | |
| | 产出指标 | 数量指标 | 高标准农田建设面积 | ≥2万亩 | |
| | 效益指标 | 社会效益指标 | 农业生产条件 | 明显改善 | |
| | 满意度指标 | 服务对象满意度指标 | 农户满意度 | ≥90% | |
"""


def _form(rows: str, before: str = "") -> str:
    return (_TITLE + before + "| | | | | | |\n|---|---|---|---|---|---|\n"
            "| 部门名称 | 某县农业农村局（测试样例） | | | | |\n" + rows + _INDICATORS)


def _read(tmp_path: Path, text: str, name: str = "form.md") -> bl.Forms:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return bl.read_forms([path])


def _funding(forms: bl.Forms) -> list[tuple[Any, ...]]:
    rows = forms.tables["funding"]
    return [(r.source_name, None if pd.isna(r.parent_source) else r.parent_source, r.scope,
             None if pd.isna(r.amount_yuan) else r.amount_yuan, r.amount_as_written) for r in rows.itertuples()]


def _expenditures(forms: bl.Forms) -> list[tuple[Any, ...]]:
    rows = forms.tables["expenditures"]
    return [(r.economic_category, None if pd.isna(r.parent_category) else r.parent_category, r.fiscal_year,
             r.amount_basis, None if pd.isna(r.amount_yuan) else r.amount_yuan, r.amount_as_written)
            for r in rows.itertuples()]


def _totals(forms: bl.Forms) -> list[tuple[Any, ...]]:
    rows = forms.tables["stated_totals"]
    rows = rows[rows["quantity"] == "amount"]
    return [(r.of_table, r.label, None if pd.isna(r.fiscal_year) else r.fiscal_year,
             None if pd.isna(r.value_yuan) else r.value_yuan, r.as_written) for r in rows.itertuples()]


def _codes(forms: bl.Forms) -> set[str]:
    return set(forms.warnings["code"])


def _c10(forms: bl.Forms) -> list[str]:
    findings = forms.findings
    return list(findings.loc[findings["check_id"] == "C10", "message"])


# -- income: 收入预算 | 合计 | 财政拨款 | 事业收入 | 其他收入 ---------------------------------------------------

_INCOME = [("财政拨款", None, "current_year", 10_000_000.0, "1,000.00"),
           ("事业收入", None, "current_year", 2_000_000.0, "200.00"),
           ("其他收入", None, "current_year", 345_000.0, "34.50")]


@pytest.mark.parametrize(("block", "value_label", "before"), [
    ("收入预算", "金额（万元）", ""),                       # the unit in the figure row's label
    ("收入预算（万元）", "金额", ""),                       # in the block label
    ("年度预算收入", "", "单位：万元\n\n"),                 # on a unit line above the table; no row label
    ("部门（单位）收入预算", "本年预算数（万元）", ""),
    ("收入 预算", "预算数(万元)", ""),                      # a space inside the label, half-width parentheses
    ("2023年收入预算".removeprefix("2023年"), "单位：万元", ""),  # the row label is a unit statement
])
def test_an_income_row_goes_to_funding_with_its_total_kept(tmp_path: Path, block: str, value_label: str,
                                                          before: str) -> None:
    forms = _read(tmp_path, _form(f"""| {block} | 合计 | 财政拨款 | 事业收入 | 其他收入 | |
| {value_label} | 1,234.50 | 1,000.00 | 200.00 | 34.50 | |
""", before))
    assert _funding(forms) == _INCOME
    assert _totals(forms) == [("funding", "合计", None, 12_345_000.0, "1,234.50")]
    project = forms.projects.iloc[0]
    assert (project["budget_as_written"], project["current_year_budget_yuan"]) == ("1,234.50", 12_345_000.0)
    assert forms.tables["unparsed"].empty
    assert not _codes(forms) & {"W_TABLE_UNREAD", "W_NO_MONEY_UNIT", "W_BUDGET_ROW_UNREAD"}
    assert _c10(forms) == []


def test_full_width_digits_and_yuan(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 收入预算 | 合计 | 一般公共预算 | 政府性基金 | 其他收入 | |
| 金额（元） | １２，３４５，０００．００ | １０，０００，０００ | ２，０００，０００．００ | ３４５０００ | |
"""))
    assert _funding(forms) == [
        ("一般公共预算", None, "current_year", 10_000_000.0, "１０，０００，０００"),
        ("政府性基金", None, "current_year", 2_000_000.0, "２，０００，０００．００"),
        ("其他收入", None, "current_year", 345_000.0, "３４５０００"),
    ]
    assert _totals(forms) == [("funding", "合计", None, 12_345_000.0, "１２，３４５，０００．００")]
    assert _c10(forms) == []


def test_no_stated_unit_keeps_the_figures_as_written_and_their_yuan_unknown(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 收入预算 | 合计 | 财政拨款 | 事业收入 | 其他收入 | |
| 金额 | 1,234.50 | 1,000.00 | 200.00 | 34.50 | |
"""))
    assert [(name, yuan, written) for name, _, _, yuan, written in _funding(forms)] == [
        ("财政拨款", None, "1,000.00"), ("事业收入", None, "200.00"), ("其他收入", None, "34.50")]
    assert _totals(forms) == [("funding", "合计", None, None, "1,234.50")]
    assert pd.isna(forms.projects.iloc[0]["current_year_budget_yuan"])
    assert "W_NO_MONEY_UNIT" in _codes(forms)


def test_a_header_without_a_total_gives_the_lines_and_no_budget(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 收入预算 | 财政拨款 | 事业收入 | 其他收入 | | |
| 金额（万元） | 1,000.00 | 200.00 | 34.50 | | |
"""))
    assert _funding(forms) == _INCOME
    assert _totals(forms) == []
    assert pd.isna(forms.projects.iloc[0]["budget_as_written"])


def test_a_total_that_is_not_the_sum_of_its_parts_is_reported_not_fixed(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 收入预算 | 收入合计 | 财政拨款 | 事业收入 | 其他收入 | |
| 金额（万元） | 1,300.00 | 1,000.00 | 200.00 | 34.50 | |
"""))
    assert _totals(forms) == [("funding", "收入合计", None, 13_000_000.0, "1,300.00")]
    assert [name for name, *_ in _funding(forms)] == ["财政拨款", "事业收入", "其他收入"]
    messages = _c10(forms)
    assert "资金来源「收入合计」写明 13,000,000 元，而各行之和为 12,345,000 元，相差 655,000 元" in messages


def test_a_prior_year_income_row_stays_unparsed_with_a_warning(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 收入预算 | 项目 | 合计 | 财政拨款 | 事业收入 | 其他收入 |
| | 上年预算数（万元） | 1,100.00 | 900.00 | 180.00 | 20.00 |
| | 本年预算数（万元） | 1,234.50 | 1,000.00 | 200.00 | 34.50 |
"""))
    assert _funding(forms) == _INCOME
    assert _totals(forms) == [("funding", "合计", None, 12_345_000.0, "1,234.50")]
    unparsed = forms.tables["unparsed"]
    assert list(unparsed["text"]) == ["上年预算数（万元）", "1,100.00", "900.00", "180.00", "20.00"]
    warnings = forms.warnings[forms.warnings["code"] == "W_BUDGET_ROW_UNREAD"]
    assert len(warnings) == 1 and "2022" in warnings.iloc[0]["message"] and "900.00" in warnings.iloc[0]["message"]


# -- expenditures: 支出预算 | 合计 | 基本支出 | 项目支出, with 人员经费 | 公用经费 under 基本支出 ---------------------


def test_an_expenditure_row_goes_to_expenditures_in_the_forms_year(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 支出预算 | 合计 | 基本支出 | 项目支出 | | |
| 金额（万元） | 1,234.50 | 834.50 | 400.00 | | |
"""))
    assert _expenditures(forms) == [("基本支出", None, 2023, "budget", 8_345_000.0, "834.50"),
                                    ("项目支出", None, 2023, "budget", 4_000_000.0, "400.00")]
    assert _totals(forms) == [("expenditures", "合计", 2023, 12_345_000.0, "1,234.50")]
    assert list(forms.tables["expenditures"]["column_label"]) == ["金额（万元）", "金额（万元）"]
    assert _c10(forms) == []


def test_two_heading_rows_with_a_subtotal_keep_the_parts_under_their_line(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 年度预算支出 | 合计 | 基本支出 | | | 项目支出 |
| | | 小计 | 人员经费 | 公用经费 | |
| 金额（万元） | 1,234.50 | 834.50 | 700.00 | 134.50 | 400.00 |
"""))
    assert _expenditures(forms) == [
        ("基本支出", None, 2023, "budget", 8_345_000.0, "834.50"),
        ("人员经费", "基本支出", 2023, "budget", 7_000_000.0, "700.00"),
        ("公用经费", "基本支出", 2023, "budget", 1_345_000.0, "134.50"),
        ("项目支出", None, 2023, "budget", 4_000_000.0, "400.00"),
    ]
    assert _c10(forms) == []
    assert forms.tables["unparsed"].empty


def test_two_heading_rows_without_a_subtotal_make_the_parts_lines_of_their_own(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 支出预算 | 合计 | 基本支出 | | 项目支出 | |
| | | 人员经费 | 公用经费 | | |
| 本年（万元） | 1,234.50 | 700.00 | 134.50 | 400.00 | |
| 上年（万元） | 1,100.00 | 650.00 | 150.00 | 300.00 | |
"""))
    assert _expenditures(forms) == [
        ("人员经费", None, 2023, "budget", 7_000_000.0, "700.00"),
        ("公用经费", None, 2023, "budget", 1_345_000.0, "134.50"),
        ("项目支出", None, 2023, "budget", 4_000_000.0, "400.00"),
        ("人员经费", None, 2022, "budget", 6_500_000.0, "650.00"),
        ("公用经费", None, 2022, "budget", 1_500_000.0, "150.00"),
        ("项目支出", None, 2022, "budget", 3_000_000.0, "300.00"),
    ]
    assert _totals(forms) == [("expenditures", "合计", 2023, 12_345_000.0, "1,234.50"),
                              ("expenditures", "合计", 2022, 11_000_000.0, "1,100.00")]
    lines = forms.tables["expenditures"]
    assert list(lines["line_no"]) == [1, 2, 3, 1, 2, 3]
    history = forms.tables["budget_history"]
    columns = history[history["basis"] == "expenditure_column"]
    assert list(zip(columns["fiscal_year"], columns["amount_yuan"], strict=True)) == [(2023, 12_345_000.0),
                                                                                     (2022, 11_000_000.0)]
    assert _c10(forms) == []
    assert "W_BUDGET_ROW_UNREAD" not in _codes(forms)


def test_a_prior_years_actuals_row_is_read_as_actuals(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 支出预算 | 合计 | 基本支出 | 项目支出 | | |
| 2022年决算数（万元） | 1,050.00 | 800.00 | 250.00 | | |
| 2023年预算数（万元） | 1,234.50 | 834.50 | 400.00 | | |
"""))
    assert _expenditures(forms) == [("基本支出", None, 2022, "actual", 8_000_000.0, "800.00"),
                                    ("项目支出", None, 2022, "actual", 2_500_000.0, "250.00"),
                                    ("基本支出", None, 2023, "budget", 8_345_000.0, "834.50"),
                                    ("项目支出", None, 2023, "budget", 4_000_000.0, "400.00")]
    history = forms.tables["budget_history"]
    actual = history[history["basis"] == "actual"]
    assert list(zip(actual["fiscal_year"], actual["amount_yuan"], strict=True)) == [(2022, 10_500_000.0)]


def test_income_and_expenditure_tables_on_one_form_each_add_up(tmp_path: Path) -> None:
    forms = _read(tmp_path, _form("""| 收入预算 | 合计 | 财政拨款 | 事业收入 | 其他收入 | |
| 金额（万元） | 1,234.50 | 1,000.00 | 200.00 | 34.50 | |
| 支出预算 | 合计 | 基本支出 | 项目支出 | | |
| 金额（万元） | 1,234.50 | 834.50 | 400.00 | | |
"""))
    assert _funding(forms) == _INCOME
    assert [line[0] for line in _expenditures(forms)] == ["基本支出", "项目支出"]
    assert _totals(forms) == [("funding", "合计", None, 12_345_000.0, "1,234.50"),
                              ("expenditures", "合计", 2023, 12_345_000.0, "1,234.50")]
    assert _c10(forms) == []
    assert forms.tables["unparsed"].empty


def test_a_whole_department_funds_row_is_read_by_what_its_columns_say(tmp_path: Path) -> None:
    """The 四川 template: 年度部门整体支出预算 over sources; the columns, not the label, say they are sources."""
    forms = _read(tmp_path, _form("""| 年度部门整体支出预算（万元） | 资金总额 | 财政拨款 | 其他资金 | | |
| | 1,234.50 | 1,000.00 | 234.50 | | |
"""))
    assert _funding(forms) == [("财政拨款", None, "current_year", 10_000_000.0, "1,000.00"),
                               ("其他资金", None, "current_year", 2_345_000.0, "234.50")]
    assert _expenditures(forms) == []
    assert _totals(forms) == [("funding", "资金总额", None, 12_345_000.0, "1,234.50")]
    assert "W_NOT_AN_AMOUNT" not in _codes(forms)


def test_sources_and_expenditure_types_side_by_side_share_the_total() -> None:
    table = grid(
        ["部门整体资金情况", "合计", "财政拨款", "其他资金", "基本支出", "项目支出"],
        ["金额（万元）", "1,234.50", "1,000.00", "234.50", "834.50", "400.00"],
    )
    ctx = context(table)
    ctx.project["fiscal_year"] = 2023
    assert parse_budget_rows(ctx, table, 0) == 2
    assert pick(ctx.rows_of("stated_totals"), "of_table", "fiscal_year", "value_yuan") == [
        ("expenditures", 2023, 12_345_000.0), ("funding", None, 12_345_000.0)]
    assert pick(ctx.rows_of("funding"), "source_name", "amount_yuan") == [("财政拨款", 10_000_000.0),
                                                                        ("其他资金", 2_345_000.0)]
    assert pick(ctx.rows_of("expenditures"), "economic_category", "amount_yuan") == [("基本支出", 8_345_000.0),
                                                                                   ("项目支出", 4_000_000.0)]
    assert claimed(ctx, table) == filled(table)


def test_a_prior_year_row_on_a_form_of_unknown_year_is_not_placed() -> None:
    table = grid(
        ["支出预算", "合计", "基本支出", "项目支出"],
        ["上年", "1,100.00", "800.00", "300.00"],
        ["本年", "1,234.50", "834.50", "400.00"],
    )
    ctx = context(table, unit="万元")
    assert parse_budget_rows(ctx, table, 0) == 3
    assert pick(ctx.rows_of("expenditures"), "economic_category", "fiscal_year", "amount_yuan") == [
        ("基本支出", None, 8_345_000.0), ("项目支出", None, 4_000_000.0)]
    assert [notice.code for notice in ctx.warnings] == ["W_BUDGET_ROW_UNREAD"]
    assert claimed(ctx, table) == filled(table) - {(1, 0), (1, 1), (1, 2), (1, 3)}


# -- what is no horizontal budget table --------------------------------------------------------------


@pytest.mark.parametrize("cells", [
    ["部门（单位）名称", "某县农业农村局（测试样例）", "", ""],
    ["支出预算", "合计", "1,000.00", ""],                        # a figure in the heading row
    ["", "一般公共预算：1,186.40", "", "基本支出：986.40"],       # lines of a vertical funds block
    ["", "按收入性质分", "", "按支出性质分"],
    ["项目", "2023年", "2022年", ""],                             # year columns: an expenditure block's heading
    ["项目资金", "年初预算数", "全年预算数", "全年执行数"],        # a budget-execution heading
    ["项目", "办公费", "印刷费", ""],                             # categories that say nothing, no label to say it
])
def test_rows_that_are_no_budget_heading(cells: list[str]) -> None:
    assert budget_row_header(cells) is None


def test_a_heading_with_no_figures_below_is_left_to_the_other_readers() -> None:
    table = grid(["收入预算", "合计", "财政拨款", "其他收入"], ["说明", "按部门预算批复填列", "", ""])
    ctx = context(table, unit="万元")
    assert parse_budget_rows(ctx, table, 0) == 0
    assert not ctx.claims


@pytest.mark.parametrize(("label", "basis", "when", "year"), [
    ("金额（万元）", "budget", "this", None), ("本年度预算数", "budget", "this", None), ("预算", "budget", "this", None),
    ("上年执行数", "actual", "prior", None), ("上一年度", "budget", "prior", None),
    ("2022年度决算数", "actual", "stated", 2022), ("万元", "budget", "this", None),
])
def test_figure_row_labels(label: str, basis: str, when: str, year: int | None) -> None:
    said = figure_row_year(label)
    assert said is not None and (said.basis, said.when, said.year) == (basis, when, year)


@pytest.mark.parametrize("label", ["增减额", "增长率（%）", "备注", "全年执行数"])
def test_labels_that_are_no_figure_row(label: str) -> None:
    assert figure_row_year(label) is None


# -- the same tables in HTML and xlsx (merged cells) ----------------------------------------------------


_HTML = """<html><body><h1>部门整体支出绩效目标表</h1><p>（2023年度）</p>
<table>
<tr><td>部门名称</td><td colspan="5">某县农业农村局（测试样例）</td></tr>
<tr><td rowspan="3">支出预算（万元）</td><td rowspan="2">合计</td><td colspan="3">基本支出</td>
    <td rowspan="2">项目支出</td></tr>
<tr><td>小计</td><td>人员经费</td><td>公用经费</td></tr>
<tr><td>1,234.50</td><td>834.50</td><td>700.00</td><td>134.50</td><td>400.00</td></tr>
<tr><td>年度总体目标</td><td colspan="5">保障机关正常运转，完成高标准农田建设2万亩，农户满意度不低于90%。</td></tr>
<tr><td rowspan="4">年度绩效指标</td><td>一级指标</td><td>二级指标</td><td>三级指标</td><td colspan="2">指标值</td></tr>
<tr><td>产出指标</td><td>数量指标</td><td>高标准农田建设面积</td><td colspan="2">≥2万亩</td></tr>
<tr><td>效益指标</td><td>社会效益指标</td><td>农业生产条件</td><td colspan="2">明显改善</td></tr>
<tr><td>满意度指标</td><td>服务对象满意度指标</td><td>农户满意度</td><td colspan="2">≥90%</td></tr>
</table></body></html>
"""

_PARTS = [("基本支出", None, 2023, "budget", 8_345_000.0, "834.50"),
          ("人员经费", "基本支出", 2023, "budget", 7_000_000.0, "700.00"),
          ("公用经费", "基本支出", 2023, "budget", 1_345_000.0, "134.50"),
          ("项目支出", None, 2023, "budget", 4_000_000.0, "400.00")]


def test_html_with_merged_headings(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HTML, "form.html")
    assert _expenditures(forms) == _PARTS
    assert _totals(forms) == [("expenditures", "合计", 2023, 12_345_000.0, "1,234.50")]
    assert _c10(forms) == []
    assert forms.tables["unparsed"].empty


def _workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    rows: list[list[Any]] = [
        ["部门整体支出绩效目标表", None, None, None, None, None],
        ["（2023年度）", None, None, None, None, None],
        ["部门名称", "某县农业农村局（测试样例）", None, None, None, None],
        ["收入预算", "合计", "财政拨款", "事业收入", "其他收入", None],
        ["金额（元）", 12345000, 10000000, 2000000, 345000, None],
        ["支出预算", "合计", "基本支出", None, "项目支出", None],
        [None, None, "人员经费", "公用经费", None, None],
        ["本年（元）", 12345000, 7000000, 1345000, 4000000, None],
        ["上年（元）", 11000000, 6500000, 1500000, 3000000, None],
        ["年度总体目标", "保障机关正常运转，完成高标准农田建设2万亩，农户满意度不低于90%。", None, None, None, None],
        ["年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值", None],
        [None, "产出指标", "数量指标", "高标准农田建设面积", "≥2万亩", None],
        [None, "效益指标", "社会效益指标", "农业生产条件", "明显改善", None],
        [None, "满意度指标", "服务对象满意度指标", "农户满意度", "≥90%", None],
    ]
    for row in rows:
        sheet.append(row)
    for cell in ("B5", "C5", "D5", "E5", "B8", "C8", "D8", "E8", "B9", "C9", "D9", "E9"):
        sheet[cell].number_format = "#,##0.00"
    sheet.merge_cells("A1:F1")
    sheet.merge_cells("A2:F2")
    sheet.merge_cells("B3:F3")
    sheet.merge_cells("A6:A7")
    sheet.merge_cells("B6:B7")
    sheet.merge_cells("C6:D6")
    sheet.merge_cells("E6:E7")
    sheet.merge_cells("B10:F10")
    sheet.merge_cells("A11:A14")
    book.save(path)


def test_xlsx_with_merged_headings(tmp_path: Path) -> None:
    path = tmp_path / "form.xlsx"
    _workbook(path)
    forms = bl.read_forms([path])
    assert forms.errors.empty
    assert _funding(forms) == [("财政拨款", None, "current_year", 10_000_000.0, "10,000,000.00"),
                               ("事业收入", None, "current_year", 2_000_000.0, "2,000,000.00"),
                               ("其他收入", None, "current_year", 345_000.0, "345,000.00")]
    assert [line[:5] for line in _expenditures(forms)] == [
        ("人员经费", None, 2023, "budget", 7_000_000.0), ("公用经费", None, 2023, "budget", 1_345_000.0),
        ("项目支出", None, 2023, "budget", 4_000_000.0), ("人员经费", None, 2022, "budget", 6_500_000.0),
        ("公用经费", None, 2022, "budget", 1_500_000.0), ("项目支出", None, 2022, "budget", 3_000_000.0)]
    assert [total[:4] for total in _totals(forms)] == [
        ("funding", "合计", None, 12_345_000.0), ("expenditures", "合计", 2023, 12_345_000.0),
        ("expenditures", "合计", 2022, 11_000_000.0)]
    assert forms.projects.iloc[0]["form_type"] == "department_target"
    assert _c10(forms) == []
    assert forms.tables["unparsed"].empty


# -- the vertical department funds block reads as before -------------------------------------------------


def test_the_vertical_funds_block_is_not_taken_for_a_horizontal_one() -> None:
    forms = bl.read_forms([Path(__file__).parents[1] / "fixtures" / "department"
                           / "department-target-income-expenditure.md"])
    assert [name for name, *_ in _funding(forms)] == ["一般公共预算", "政府性基金拨款", "纳入专户管理的非税收入拨款",
                                                       "其他资金"]
    assert [line[0] for line in _expenditures(forms)] == ["基本支出", "人员经费", "公用经费", "项目支出"]
    assert "W_BUDGET_ROW_UNREAD" not in _codes(forms)
