"""Presentation: labels, formats chosen from each column's unit, text tables for nbval and HTML for readers."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd

from budgetlib.report import present


def test_text_table_aligns_chinese_by_display_width() -> None:
    table = pd.DataFrame({"department": ["中江县水利局", "ab"], "amount_yuan": [200_000.0, np.nan]})
    assert present.text_table(table).splitlines() == [
        "主管部门      金额（万元）",   # 8 columns + 4 padding, then 12 right-aligned
        "中江县水利局         20.00",   # 12 + 2 + '20.00' right-aligned in 12
        "ab                       —",  # an unknown amount shows as '—', never 0.00
    ]
    assert present.display_width("武汉 ab") == 7
    assert present.text_table(table.iloc[0:0], empty="（无）") == "（无）"


def test_present_translates_codes_and_formats_money() -> None:
    table = pd.DataFrame({"form_type": ["declaration", "self_evaluation"], "current_year_budget_yuan": [500_000.0, np.nan],
                          "execution_rate": [1.0, np.nan]})
    shown = present.present(table)
    assert shown.columns.tolist() == ["表类型", "当年预算（万元）", "执行率"]
    assert shown.values.tolist() == [["项目申报表", "50.00", "100.00%"], ["绩效自评表", "—", "—"]]


def test_headings_and_prose_are_escaped_text() -> None:
    assert present.heading("<b>x</b>", "a&b").data == "<h1>&lt;b&gt;x&lt;/b&gt;</h1><p class='report-subtitle'>a&amp;b</p>"
    prose = present.prose(pd.DataFrame({"field": ["主要内容"], "value": ["1、维护<script>\n2、接入"]}))
    assert prose.data == "<h4>主要内容</h4><p>1、维护&lt;script&gt;<br>2、接入</p>"


def test_a_table_shows_as_html_for_readers_and_as_text_for_nbval() -> None:
    data = pd.DataFrame({"source_name": ["财政<拨款>"], "amount_yuan": [500_000.0]})
    shown = present.table(data)
    assert repr(shown) == present.text_table(data)
    assert shown._repr_html_() == (
        '<table class="budget-table">\n'
        '<thead><tr><th style="text-align: left">资金来源</th>'
        '<th style="text-align: right; white-space: nowrap">金额（万元）</th></tr></thead>\n'
        '<tbody>\n'
        '<tr><td style="text-align: left">财政&lt;拨款&gt;</td>'
        '<td style="text-align: right; white-space: nowrap">50.00</td></tr>\n'
        '</tbody>\n</table>')
    assert present.table(data.iloc[0:0], empty="（无）")._repr_html_() == "<p>（无）</p>"


def test_each_column_is_formatted_by_its_unit_in_the_schema() -> None:
    table = pd.DataFrame({
        "current_year_budget_yuan": [1_234_567.0],  # 元 → 万元
        "unit_price_yuan": [91.6],                  # 元 per unit → 元, two decimals
        "total_score": [89.61142477582199],         # points
        "weight": [16.666666666666668],             # points, as the scoring splits 50 points over three
        "execution_rate": [0.8],                    # fraction
        "change_fraction": [-0.25],                 # change
        "ratio_to_median": [3.0047],                # times
        "fiscal_year": pd.array([2020], dtype="Int64"),  # year: as it is
    })
    assert present.present(table).values.tolist() == [["123.46", "91.60", "89.61", "16.67", "80.00%", "-25.0%", "3.00",
                                                       2020]]
    assert present.unit_of("group_median_yuan") == ("元", True) and present.unit_of("mean_attainment") == ("fraction", False)


def test_codes_and_flags_read_in_chinese_and_unknowns_as_a_dash() -> None:
    table = pd.DataFrame({
        "prior_basis": ["stated_in_text+expenditure_column", "earlier_form", None],  # a group's bases, joined by '+'
        "severity": ["warning", "error", None],
        "is_outlier": pd.array([True, False, None], dtype="boolean"),
    })
    assert present.present(table).values.tolist() == [
        ["文字说明+支出明细年度列", "警告", "异常"], ["往年表", "错误", ""], ["—", "—", "—"]]
    assert present.code_kind("prior_basis") == "basis" and present.code_kind("project_name") is None


def test_undeclared_columns_show_as_they_are_except_money_by_its_name() -> None:
    table = pd.DataFrame({"some_total_yuan": [500_000.0], "remark": [3.0], "note": ["说明"]})
    assert present.present(table).values.tolist() == [["50.00", 3, "说明"]]


def test_a_quantity_is_right_aligned_even_when_every_value_is_unknown() -> None:
    table = pd.DataFrame({"project_name": ["a"], "execution_rate": pd.Series([None], dtype=object)})
    assert present.text_table(table).splitlines() == ["项目名称  执行率", "a              —"]


def test_clipping_to_one_line_for_chart_labels() -> None:
    assert present.one_line("维护\n区直  各部门", 30) == "维护 区直 各部门"
    assert present.one_line("网络安全等级保护测评服务", 16) == "网络安全等级保…"


def test_doctests() -> None:
    assert doctest.testmod(present).failed == 0
