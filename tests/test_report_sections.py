"""The report sections: the tables and charts the notebooks show, checked against the real forms."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from budgetlib import schema
from budgetlib.forms import Forms
from budgetlib.output import write_tables
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
        sections.project_yoy(all_examples, all_examples), sections.yoy_table(all_examples, "department"),
        sections.yoy_table(all_examples, "economic_category"), sections.cost_basis(all_examples),
        sections.unit_cost_table(all_examples), sections.findings_table(all_examples),
        sections.findings_summary(all_examples), sections.findings_by_form(all_examples),
        sections.score_overview(sections.scores(all_examples)),
        sections.indicator_scores(sections.scores(all_examples), all_examples).data,  # two self-evaluations
        sections.grade_distribution(sections.score_overview(sections.scores(all_examples))),
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


# ----------------------------------------------------------------------------------------------
# year over year, cost basis, unit costs, findings, scores


@pytest.fixture(scope="module")
def shipped() -> Forms:
    """All shipped data: the five examples and the synthetic multi-year sample (what makes YoY real)."""
    return sections.load_forms(Path(__file__).resolve().parents[1] / "data" / "raw")


def test_project_yoy_of_the_seed_uses_the_prior_year_stated_in_its_text(all_examples) -> None:
    table = sections.project_yoy(all_examples, sections.one_form(all_examples, SEED))
    row = table.iloc[0]
    assert len(table) == 1
    # 预算变动情况 says 2019 had 30万; this year 50万: +200,000 = +66.7 % (200,000 / 300,000)
    assert row[["fiscal_year", "prior_year", "prior_yuan", "current_yuan", "change_yuan", "prior_basis"]].tolist() == [
        2020, 2019, 300_000.0, 500_000.0, 200_000.0, "stated_in_text"]
    assert row["change_fraction"] == pytest.approx(2 / 3)
    assert sections.present(table)["变动率"].tolist() == ["+66.7%"]


def test_yoy_long_draws_each_year_once_with_the_change_on_the_later_year(all_examples) -> None:
    long = sections.yoy_long(sections.project_yoy(all_examples, sections.one_form(all_examples, SEED)), "project_name")
    assert long[["fiscal_year", "amount_yuan"]].values.tolist() == [[2019, 300_000.0], [2020, 500_000.0]]
    assert pd.isna(long.loc[0, "change_fraction"]) and long.loc[1, "change_fraction"] == pytest.approx(2 / 3)
    assert sections.yoy_chart(sections.project_yoy(all_examples, sections.one_form(all_examples, SEED)),
                              "project_name") is not None


def test_yoy_of_one_year_still_compares_with_the_earlier_years_forms(shipped) -> None:
    every_year = sections.yoy_table(shipped, "department")
    in_2022 = sections.yoy_table(shipped, "department", fiscal_year=2022)
    assert set(in_2022["fiscal_year"]) == {2022} and len(in_2022) < len(every_year)
    data_centre = in_2022.set_index("department").loc["合成县大数据中心"]
    # the prior figure is the 2021 forms' own budget, found although the report is about 2022 only
    assert data_centre["prior_basis"] == "earlier_form"
    year_before = every_year[(every_year["department"] == "合成县大数据中心") & (every_year["fiscal_year"] == 2021)]
    assert data_centre["prior_yuan"] == year_before["current_yuan"].iloc[0]


def test_largest_changes_rank_by_size_either_way_and_drop_unknown_changes() -> None:
    table = pd.DataFrame({"department": ["a", "b", "c", "d"], "change_yuan": [10.0, -50.0, np.nan, 20.0]})
    assert sections.largest_changes(table, top=2)["department"].tolist() == ["b", "d"]
    assert sections.largest_changes(table)["department"].tolist() == ["b", "d", "a"]


def test_cost_basis_of_the_seed_item_by_item() -> None:
    items = sections.cost_basis(read_example(SEED))
    assert items["stated_amount_yuan"].tolist() == [100_000.0, 60_000.0, 280_000.0, 60_000.0]  # sums to 50万
    assert items["list_amount_yuan"].tolist()[:2] == [123_000.0, 65_500.0]  # 123 × 1000, 655 × 100
    assert items["implied_unit_cost_yuan"].iloc[0] == pytest.approx(100_000 / 123)
    shown = sections.present(items).iloc[0]
    assert (shown["单价（元）"], shown["单位成本（元）"], shown["测算金额/数量×单价"]) == ("1,000.00", "813.01", "81.30%")
    assert sections.cost_chart(items) is not None
    assert sections.cost_chart(sections.cost_basis(read_example(ZHONGJIANG))) is None


def test_unit_cost_outliers_are_marked_in_the_table_and_the_chart(shipped) -> None:
    table = sections.unit_cost_table(shipped)
    outliers = table[table["is_outlier"].fillna(False).astype(bool)]
    # 58,350 元/个 against a median of 19,420 (3.0×), 840 元/人次 against 350 (2.4×)
    assert sorted(outliers["unit_cost_yuan"].tolist()) == [840.0, 58_350.0]
    chart = sections.unit_cost_chart(table)
    labels = {"".join(t.get_text().split()) for ax in chart.axes for t in ax.get_yticklabels()}  # wrapped lines
    assert "▲2021网络安全等级保…" in labels and "2023网络安全等级保…" in labels
    assert "2020中小学教师培训" in labels  # short names whole, long ones clipped to one line


def test_findings_errors_first_then_in_check_number_order() -> None:
    table = sections.findings_table(read_example(SEED))
    assert table["severity"].tolist()[:2] == ["error", "error"]
    assert table["check_id"].tolist()[:2] == ["C1", "C12"]
    warnings = table.loc[table["severity"] == "warning", "check_id"].tolist()
    assert warnings.index("C2") < warnings.index("C11")  # C2 before C11, not as text
    assert sections.present(table)["严重程度"].iloc[0] == "错误"


def test_finding_counts_add_up_per_form_and_per_check(all_examples) -> None:
    by_form = sections.findings_by_form(all_examples)
    by_check = sections.findings_summary(all_examples)
    columns = ["error_findings", "warning_findings", "info_findings"]
    assert int(by_form[columns].to_numpy().sum()) == int(by_check[columns].to_numpy().sum()) == len(
        all_examples.findings)
    seed_row = by_form.set_index("project_name").loc["区电子政务网络运行维护"]
    assert seed_row["error_findings"] == 2  # C1 (no 效益指标) and C12 (2019: 30万 in the text, 0 in the columns)
    assert by_check.set_index("check_id").loc["C1", "check"] == "必备一级指标齐全"


def test_scores_of_the_zhongjiang_self_evaluation_total_100_grade_you() -> None:
    form = read_example(ZHONGJIANG)
    scored = sections.scores(form)
    totals = dict(zip(sections.score_totals(scored, form).data["field"],
                      sections.score_totals(scored, form).data["value"], strict=True))
    assert totals["计算总分"] == "100 / 100" and totals["等级"] == "优" and totals["自评总分（表内）"] == "100"
    assert totals["计算总分−表内总分"] == "0"
    indicators = sections.indicator_scores(scored, form).data
    assert len(indicators) == 9 and indicators["computed_score"].sum() == 100.0  # 10+10+20+10+10+10+10+10+10
    assert sections.attainment_chart(scored, form) is not None


def test_a_form_without_actuals_says_so_in_one_line() -> None:
    form = read_example(SEED)
    scored = sections.scores(form)
    note = "本表为项目申报表，没有实际完成值，不计分。 (No actuals on this form: nothing to score.)"
    assert repr(sections.score_totals(scored, form)) == note
    assert sections.indicator_scores(scored, form) is None  # said once, by the totals
    assert sections.attainment_chart(scored, form) is None


def test_grades_counted_best_first_and_incomplete_scores_not_graded() -> None:
    overview = pd.DataFrame({"grade": pd.array(["良", pd.NA, "优", "优"], dtype="str")})
    assert sections.grade_distribution(overview).values.tolist() == [["优", 2], ["良", 1], ["未完整计分", 1]]
    assert sections.grade_distribution(overview.iloc[0:0]).empty


def test_score_overview_rounds_points_for_reading(shipped) -> None:
    overview = sections.score_overview(sections.scores(shipped))
    zhongjiang = overview[overview["project_name"].str.startswith("中江县")].iloc[0]
    assert (zhongjiang["total_score"], zhongjiang["grade"], zhongjiang["official_total_score"]) == (100.0, "优", 100.0)
    assert sections.present(pd.DataFrame({"total_score": [89.61142477582199]}))["计算总分"].tolist() == ["89.61"]


def test_attainment_of_the_zhongjiang_self_evaluation_by_level() -> None:
    form = read_example(ZHONGJIANG)
    scored = sections.scores(form)
    by_level = sections.attainment_by_level(scored, form).set_index("level1_std")
    # 6 output, 2 benefit, 1 satisfaction indicators, every actual meets its target
    assert by_level[["indicators", "scored", "missed"]].to_dict("index") == {
        "产出指标": {"indicators": 6, "scored": 6, "missed": 0},
        "效益指标": {"indicators": 2, "scored": 2, "missed": 0},
        "满意度指标": {"indicators": 1, "scored": 1, "missed": 0},
    }
    assert sections.missed_indicators(scored, form).empty and sections.unscored_indicators(scored, form).empty


def test_unscored_indicators_say_why(all_examples) -> None:
    scored = sections.scores(all_examples)
    unscored = sections.unscored_indicators(scored, all_examples)
    assert unscored["project_name"].tolist() == ["工资性支出", "工资性支出"]  # the wages form left both actuals empty
    assert set(unscored["note"]) == {"未填实际完成值，不计分"}
    assert sections.indicator_attainment(scored, all_examples)["project_name"].nunique() == 2  # the two self-evaluations
