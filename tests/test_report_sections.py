"""The report sections: the tables and charts the notebooks show, checked against the real forms."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from budgetlib import schema
from budgetlib.output import write_tables
from budgetlib.reader import Forms
from budgetlib.report import sections
from tests.conftest import QINGSHAN, QINGSHEN, SEED, ZHONGJIANG, read_example


@pytest.fixture(scope="module")
def tables_dir(tmp_path_factory, all_examples):
    folder = tmp_path_factory.mktemp("tables")
    write_tables(all_examples, folder, "parquet")
    return folder


def test_load_forms_reads_a_tables_folder_as_parsed(tables_dir, all_examples) -> None:
    forms = sections.load_forms(tables_dir)
    pd.testing.assert_frame_equal(forms.projects, all_examples.projects)
    pd.testing.assert_frame_equal(forms.indicators, all_examples.indicators)


def test_load_forms_parses_forms_when_given_forms(examples_dir) -> None:
    forms = sections.load_forms(examples_dir)
    assert len(forms.projects) == 5


def test_load_forms_names_a_missing_path(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no forms or tables"):
        sections.load_forms(tmp_path / "nowhere")


def test_preloaded_tables_are_served_until_the_files_change(tmp_path, all_examples) -> None:
    folder = tmp_path / "data"
    write_tables(all_examples, folder, "parquet")
    sections.preload(folder)
    first = sections.load_forms(folder)
    first.projects.loc[0, "project_name"] = "changed in one report"  # copy-on-write: the cache is untouched
    assert sections.load_forms(folder).projects.loc[0, "project_name"] != "changed in one report"
    write_tables(Forms({"projects": all_examples.projects.iloc[:2]}), folder, "parquet")
    assert len(sections.load_forms(folder).projects) == 2


def test_select_forms_by_year_and_department(all_examples) -> None:
    assert sorted(sections.select_forms(all_examples, fiscal_year=2023).projects["project_name"]) == [
        "工资性支出", "雾炮车降尘抑尘服务"]
    chosen = sections.select_forms(all_examples, department="中江县水利局")
    assert list(chosen.projects["fiscal_year"]) == [2022]
    assert set(chosen.indicators["form_id"]) == set(chosen.projects["form_id"])
    assert sections.select_forms(all_examples, fiscal_year=2021).projects.empty


def test_one_form_by_id_or_by_its_file(all_examples) -> None:
    by_file = sections.one_form(all_examples, SEED)
    by_id = sections.one_form(all_examples, f"{SEED}#0")
    assert list(by_file.projects["form_id"]) == list(by_id.projects["form_id"]) == [f"{SEED}#0"]
    with pytest.raises(KeyError, match=re.escape("no form 'nope.md' in the data; forms there: ")):
        sections.one_form(all_examples, "nope.md")


def test_funding_lines_keep_of_which_rows_and_the_stated_total() -> None:
    lines = sections.funding_lines(read_example(SEED))
    assert len(lines) == 9  # 8 lines as written + the form's own 合计
    assert lines.loc[1, ["source_name", "parent_source", "amount_yuan"]].tolist() == ["申请当年预算拨款", "财政拨款收入",
                                                                                      500_000.0]
    total = lines.iloc[-1]
    assert total["source_name"] == "合计（表内合计）" and total["amount_yuan"] == 500_000.0
    assert pd.isna(total["line_no"])


def test_funding_chart_shows_known_nonzero_lines_only() -> None:
    fig = sections.funding_chart(sections.funding_lines(read_example(SEED)))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["财政拨款收入", "申请当年预算拨款（其中）"]  # six 0 lines and the 合计 are left out
    qingshan = sections.funding_lines(read_example(QINGSHAN))
    labels = [t.get_text() for t in sections.funding_chart(qingshan).axes[0].get_yticklabels()]
    assert labels == ["财政拨款·总额", "当年财政拨款"]  # 其他资金 has no amount: unknown, not drawn


def test_expenditure_table_sums_by_category_and_year() -> None:
    table = sections.expenditure_table(read_example(SEED))
    assert table[["economic_category", "fiscal_year", "amount_yuan"]].values.tolist() == [
        ["维修(护)费", 2019, 0.0], ["维修(护)费", 2020, 440_000.0], ["邮电费", 2019, 0.0], ["邮电费", 2020, 60_000.0]]
    assert sections.expenditure_chart(sections.expenditure_table(read_example(QINGSHAN))) is None


def test_a_sum_over_unknown_amounts_is_unknown() -> None:
    form = read_example(SEED)
    expenditures = form.expenditures.copy()
    expenditures.loc[expenditures["fiscal_year"] == 2020, "amount_yuan"] = np.nan
    table = sections.expenditure_table(Forms({**form.tables, "expenditures": expenditures}))
    in_2020 = table[table["fiscal_year"] == 2020]
    assert in_2020["amount_yuan"].isna().all() and in_2020["unknown"].tolist() == [1, 1]


def test_budget_history_shows_disagreeing_bases_side_by_side() -> None:
    history = sections.budget_history(read_example(SEED))
    in_2019 = history[history["fiscal_year"] == 2019].set_index("basis")["amount_yuan"].to_dict()
    # the text says 2019 had 30万; the 2019 expenditure column sums to 0: both are kept
    assert in_2019 == {"expenditure_column": 0.0, "stated_in_text": 300_000.0}


def test_overview_counts_forms_and_sums_budgets(all_examples) -> None:
    table = sections.overview(all_examples)
    assert table.values.tolist() == [
        [2020, "declaration", 1, 500_000.0, 0],
        [2020, "target", 1, 100_000_000.0, 0],       # 10000万元
        [2022, "self_evaluation", 1, 200_000.0, 0],  # 20 (万元)
        [2023, "self_evaluation", 1, 2_518_900.0, 0],  # 251.89 (万元)
        [2023, "target", 1, 2_500_000.0, 0],         # 250万
    ]


def test_budget_breakdown_by_department_or_by_project(all_examples) -> None:
    by_department = sections.budget_breakdown(all_examples)
    assert by_department["label"].tolist()[0] == "武汉市青山区教育局"
    assert by_department["current_year_budget_yuan"].sum() == 105_718_900.0  # 1e8 + 2,518,900 + 2.5e6 + 5e5 + 2e5
    one = sections.budget_breakdown(sections.select_forms(all_examples, department="中江县水利局"), "中江县水利局")
    assert one["label"].tolist() == ["中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装"]


def test_budget_breakdown_counts_unknown_budgets_instead_of_adding_zero(all_examples) -> None:
    projects = all_examples.projects.copy()
    projects["current_year_budget_yuan"] = np.nan
    table = sections.budget_breakdown(Forms({"projects": projects}))
    assert table["current_year_budget_yuan"].isna().all() and table["budget_unknown"].sum() == 5
    assert sections.budget_breakdown_chart(table) is None


def test_indicator_overview_counts_by_level_and_target_kind(all_examples) -> None:
    table = sections.indicator_overview(all_examples).set_index(["level1_std", "level2_std"])
    assert table["indicators"].sum() == len(all_examples.indicators)
    # 满意度: 学生、家长、社会满意度 ≥90%, 市民满意度 ≥90%, 提高群众网上办事效率 100%, 户满意度 ≥95%
    assert table.loc[("满意度指标", "服务对象满意度指标")].tolist() == [4, 4, 0, 0]


def test_self_evaluation_results_as_published(all_examples) -> None:
    table = sections.self_evaluation_results(all_examples).set_index("project_name")
    assert table.loc["工资性支出", ["executed_yuan", "execution_rate", "stated_total_weight"]].tolist() == [
        2_518_900.0, 1.0, 100.0]
    assert pd.isna(table.loc["工资性支出", "official_total_score"])  # the form publishes no 总分
    zhongjiang = read_example(ZHONGJIANG).projects["project_name"].iloc[0]
    assert table.loc[zhongjiang, "official_total_score"] == 100.0
    assert len(table) == 2


def test_reading_notes_list_what_no_table_took() -> None:
    notes = sections.reading_notes(read_example(QINGSHEN))
    assert "对照年度目标,说明相关任务目标的完成情况(100字以内)" in notes["text"].tolist()
    assert set(notes["field"]) == {"未解析内容"}


def test_text_table_aligns_chinese_by_display_width() -> None:
    table = pd.DataFrame({"department": ["中江县水利局", "ab"], "amount_yuan": [200_000.0, np.nan]})
    assert sections.text_table(table).splitlines() == [
        "主管部门      金额（万元）",   # 8 columns + 4 padding, then 12 right-aligned
        "中江县水利局         20.00",   # 12 + 2 + '20.00' right-aligned in 12
        "ab                       —",  # an unknown amount shows as '—', never 0.00
    ]
    assert sections.display_width("武汉 ab") == 7
    assert sections.text_table(table.iloc[0:0], empty="（无）") == "（无）"


def test_present_translates_codes_and_formats_money() -> None:
    table = pd.DataFrame({"form_type": ["declaration", "self_evaluation"], "current_year_budget_yuan": [500_000.0, np.nan],
                          "execution_rate": [1.0, np.nan]})
    shown = sections.present(table)
    assert shown.columns.tolist() == ["表类型", "当年预算（万元）", "执行率"]
    assert shown.values.tolist() == [["项目申报表", "50.00", "100.00%"], ["绩效自评表", "—", "—"]]


def test_headings_and_prose_are_escaped_text() -> None:
    assert sections.heading("<b>x</b>", "a&b").data == "<h1>&lt;b&gt;x&lt;/b&gt;</h1><p class='report-subtitle'>a&amp;b</p>"
    prose = sections.prose(pd.DataFrame({"field": ["主要内容"], "value": ["1、维护<script>\n2、接入"]}))
    assert prose.data == "<h4>主要内容</h4><p>1、维护&lt;script&gt;<br>2、接入</p>"


def test_every_column_a_section_shows_has_a_chinese_label(all_examples) -> None:
    shown = [
        sections.funding_lines(all_examples), sections.expenditure_table(all_examples),
        sections.budget_history(all_examples), sections.budget_execution(all_examples),
        sections.indicator_table(all_examples), sections.reading_notes(all_examples), sections.overview(all_examples),
        sections.budget_breakdown(all_examples), sections.forms_list(all_examples),
        sections.indicator_overview(all_examples), sections.self_evaluation_results(all_examples),
        sections.reading_summary(all_examples), sections.read_errors(all_examples),
    ]
    unlabelled = {c for table in shown for c in table.columns if sections.label("column", c) == c}
    assert unlabelled == set()
    assert {sections.label("form_type", t) for t in ("declaration", "target", "self_evaluation")} == {
        "项目申报表", "绩效目标表", "绩效自评表"}
    assert set(schema.TABLES["projects"].column_names) >= set(sections.FACT_FIELDS) | set(sections.TEXT_FIELDS)


def test_a_table_shows_as_html_for_readers_and_as_text_for_nbval() -> None:
    data = pd.DataFrame({"source_name": ["财政<拨款>"], "amount_yuan": [500_000.0]})
    shown = sections.table(data)
    assert repr(shown) == sections.text_table(data)
    assert shown._repr_html_() == (
        '<table class="budget-table">\n'
        '<thead><tr><th style="text-align: left">资金来源</th>'
        '<th style="text-align: right; white-space: nowrap">金额（万元）</th></tr></thead>\n'
        '<tbody>\n'
        '<tr><td style="text-align: left">财政&lt;拨款&gt;</td>'
        '<td style="text-align: right; white-space: nowrap">50.00</td></tr>\n'
        '</tbody>\n</table>')
    assert sections.table(data.iloc[0:0], empty="（无）")._repr_html_() == "<p>（无）</p>"
