"""The project report's sections, checked against the real forms."""

from __future__ import annotations

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.report import data, present, project_sections, shared_sections
from tests.conftest import QINGSHAN, QINGSHEN, SEED, ZHONGJIANG, read_example
from tests.report.conftest import SHIPPED


def test_funding_lines_keep_of_which_rows_and_the_stated_total() -> None:
    lines = project_sections.funding_lines(read_example(SEED))
    assert len(lines) == 9  # 8 lines as written + the form's own 合计
    assert lines.loc[1, ["source_name", "parent_source", "amount_yuan"]].tolist() == ["申请当年预算拨款", "财政拨款收入",
                                                                                      500_000.0]
    total = lines.iloc[-1]
    assert total["source_name"] == "合计（表内合计）" and total["amount_yuan"] == 500_000.0
    assert pd.isna(total["line_no"])


def test_funding_chart_shows_known_nonzero_lines_only() -> None:
    fig = project_sections.funding_chart(project_sections.funding_lines(read_example(SEED)))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["财政拨款收入", "申请当年预算拨款（其中）"]  # six 0 lines and the 合计 are left out
    qingshan = project_sections.funding_lines(read_example(QINGSHAN))
    labels = [t.get_text() for t in project_sections.funding_chart(qingshan).axes[0].get_yticklabels()]
    assert labels == ["财政拨款·总额", "当年财政拨款"]  # 其他资金 has no amount: unknown, not drawn


def test_reading_notes_list_what_no_table_took() -> None:
    notes = project_sections.reading_notes(read_example(QINGSHEN))
    assert "对照年度目标,说明相关任务目标的完成情况(100字以内)" in notes["content"].tolist()
    assert set(notes["field"]) == {"未解析内容"}
    assert notes["detail"].isna().all()  # only warnings have a reader's message


def test_a_reading_warning_reads_in_chinese_with_the_readers_message_beside_it() -> None:
    form = bl.read_form(SHIPPED / "synthetic" / "2021" / "036002-p1-target.md")  # amounts with no unit
    (warning,) = form.warnings.itertuples()
    notes = project_sections.reading_notes(form)
    row = notes[notes["field"].str.startswith("读取提示")].iloc[0]
    assert row["field"] == "读取提示：未写金额单位"
    assert row["content"] == "表中有的金额未写单位（元/万元）：按原文保留，折算为元的各列为空。"
    assert row["detail"] == warning.message  # the particulars as the reader wrote them
    assert (notes["field"] == "未解析内容").sum() == len(form.unparsed)
    shown = present.present(notes)
    assert list(shown.columns) == ["项目", "内容", "详情", "位置"]


def test_project_yoy_of_the_seed_uses_the_prior_year_stated_in_its_text(all_examples) -> None:
    table = project_sections.project_yoy(all_examples, data.one_form(all_examples, SEED))
    row = table.iloc[0]
    assert len(table) == 1
    # 预算变动情况 says 2019 had 30万; this year 50万: +200,000 = +66.7 % (200,000 / 300,000)
    assert row[["fiscal_year", "prior_year", "prior_yuan", "current_yuan", "change_yuan", "prior_basis"]].tolist() == [
        2020, 2019, 300_000.0, 500_000.0, 200_000.0, "stated_in_text"]
    assert row["change_fraction"] == pytest.approx(2 / 3)
    assert present.present(table)["变动率"].tolist() == ["+66.7%"]


def test_cost_basis_of_the_seed_item_by_item() -> None:
    items = project_sections.cost_basis(read_example(SEED))
    assert items["stated_amount_yuan"].tolist() == [100_000.0, 60_000.0, 280_000.0, 60_000.0]  # sums to 50万
    assert items["list_amount_yuan"].tolist()[:2] == [123_000.0, 65_500.0]  # 123 × 1000, 655 × 100
    assert items["implied_unit_cost_yuan"].iloc[0] == pytest.approx(100_000 / 123)
    shown = present.present(items).iloc[0]
    assert (shown["单价（元）"], shown["单位成本（元）"], shown["测算金额/数量×单价"]) == ("1,000.00", "813.01", "81.30%")
    assert project_sections.cost_chart(items) is not None
    assert project_sections.cost_chart(project_sections.cost_basis(read_example(ZHONGJIANG))) is None


def test_findings_errors_first_then_in_check_number_order() -> None:
    table = project_sections.findings_table(read_example(SEED))
    assert table["severity"].tolist()[:2] == ["error", "error"]
    assert table["check_id"].tolist()[:2] == ["C1", "C12"]
    warnings = table.loc[table["severity"] == "warning", "check_id"].tolist()
    assert warnings.index("C2") < warnings.index("C11")  # C2 before C11, not as text
    assert present.present(table)["严重程度"].iloc[0] == "错误"


def test_scores_of_the_zhongjiang_self_evaluation_total_100_grade_you() -> None:
    form = read_example(ZHONGJIANG)
    scored = shared_sections.scores(form)
    totals = dict(zip(project_sections.score_totals(scored, form).data["field"],
                      project_sections.score_totals(scored, form).data["value"], strict=True))
    assert totals["计算总分"] == "100 / 100" and totals["等级"] == "优" and totals["自评总分（表内）"] == "100"
    assert totals["计算总分−表内总分"] == "0"
    indicators = project_sections.indicator_scores(scored, form).data
    assert len(indicators) == 9 and indicators["computed_score"].sum() == 100.0  # 10+10+20+10+10+10+10+10+10
    assert project_sections.attainment_chart(scored, form) is not None


def test_a_target_split_over_its_columns_is_shown_as_the_form_states_it() -> None:
    """qingshen writes 指标性质 "=", 指标值 "100" and 度量单位 "%" in three cells: the report says "=100%", not
    "100"; zhongjiang writes each target whole in one cell ("≥266米"), shown as written. The indicators
    table keeps the 指标值 cell as written."""
    qingshen = read_example(QINGSHEN)
    shown = project_sections.indicator_table(qingshen)
    assert shown["stated_target"].tolist() == ["=100%", "=100%"]
    assert qingshen.indicators["target_text"].tolist() == ["100", "100"]
    assert present.label("column", "stated_target") == "指标值"
    zhongjiang = read_example(ZHONGJIANG)
    assert project_sections.indicator_table(zhongjiang)["stated_target"].tolist() == \
        zhongjiang.indicators["target_text"].tolist()
    scored = project_sections.indicator_scores(shared_sections.scores(zhongjiang), zhongjiang).data
    assert scored["stated_target"].tolist()[:2] == ["≥266米", "≥50厘米"]


def test_stated_targets_are_matched_by_form_and_indicator_number(all_examples) -> None:
    """Scored rows in another order than the indicators still get their own indicator's target."""
    indicators = all_examples.indicators
    shuffled = indicators.iloc[::-1][["form_id", "indicator_no", "target_text"]]
    stated = shared_sections.with_stated_targets(shuffled, indicators)
    qingshen = stated[stated["form_id"].str.startswith("qingshen")]
    assert qingshen["stated_target"].tolist() == ["=100%", "=100%"]
    unknown = shared_sections.with_stated_targets(
        pd.DataFrame({"form_id": ["elsewhere.md#0"], "indicator_no": [1], "target_text": ["90"]}), indicators)
    assert unknown["stated_target"].tolist() == ["90"]  # no indicator to complete it from: the text as it is


def test_a_form_without_actuals_says_so_in_one_line() -> None:
    form = read_example(SEED)
    scored = shared_sections.scores(form)
    note = "本表为项目申报表，没有实际完成值，不计分。"
    assert repr(project_sections.score_totals(scored, form)) == note
    assert project_sections.indicator_scores(scored, form) is None  # said once, by the totals
    assert project_sections.attainment_chart(scored, form) is None


def test_project_facts_show_money_in_wan_beside_the_amount_as_written() -> None:
    facts = dict(project_sections.project_facts(read_example(SEED)).values.tolist())
    assert facts["项目总预算（万元）"] == "50.00 万元" and facts["项目总预算（原文）"] == "500000.00"  # 500000.00 元
    assert (facts["年度"], facts["表类型"], facts["原文单位"]) == ("2020", "项目申报表", "元")
    assert facts["部门代码"] == "—"  # the seed gives no department code: unknown, shown as such
    assert project_sections.project_heading(read_example(SEED)).data == (
        "<h1>区电子政务网络运行维护</h1><p class='report-subtitle'>武汉市新洲区大数据中心 · 2020年 · 项目申报表</p>")


def test_project_yoy_from_the_projects_own_forms_equals_the_whole_batchs_rows(shipped) -> None:
    """A project report computes its year over year from its project's forms only (a batch of N
    forms would otherwise cost N² over its reports): the rows are those of ``bl.yoy`` over the whole
    shipped data, for every form of it."""
    from budgetlib.analysis.project_years import project_year_forms
    from budgetlib.analysis.yoy import yoy

    whole = yoy(shipped, by="project")
    year_forms = project_year_forms(shipped)
    multi_year = 0
    for form_id in shipped.projects["form_id"]:
        form = data.one_form(shipped, form_id)
        keys = set(year_forms.loc[year_forms["form_id"] == form_id, "project_key"])
        expected = whole[whole["project_key"].isin(keys)].sort_values("fiscal_year", kind="stable")
        expected = expected[["project_name", *shared_sections.YOY_COLUMNS, "prior_as_written"]].reset_index(drop=True)
        own = project_sections.project_yoy(shipped, form)
        pd.testing.assert_frame_equal(own, expected)
        multi_year += len(own) > 1
        assert len(project_sections.same_project(shipped, form).projects) >= 1
    assert multi_year >= 20  # the synthetic sample's projects run over several years


def test_year_over_year_by_project_reads_only_the_tables_it_declares(shipped) -> None:
    """``same_project`` passes on only PROJECT_YOY_TABLES: yoy by project must read no other table."""
    from budgetlib.analysis.yoy import PROJECT_YOY_TABLES, yoy
    from budgetlib.forms import Forms

    read: set[str] = set()

    class Recording(Forms):
        def __getattr__(self, name: str) -> pd.DataFrame:
            read.add(name)
            return super().__getattr__(name)

    class RecordingTables(dict):  # forms.tables[...] and .get(...) too
        def __getitem__(self, name: str) -> pd.DataFrame:
            read.add(name)
            return super().__getitem__(name)

        def get(self, name: str, default: object = None) -> object:
            read.add(name)
            return super().get(name, default)

        def items(self):  # type: ignore[override]
            read.update(self.keys())
            return super().items()

    recording = Recording(RecordingTables(shipped.tables))
    yoy(recording, by="project")
    assert "projects" in read
    assert read <= set(PROJECT_YOY_TABLES), read - set(PROJECT_YOY_TABLES)
