"""The annual report's sections: forms and budgets summed, year over year, unit costs, findings counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import budgetlib as bl
from budgetlib.forms import Forms
from budgetlib.report import annual_sections, data
from tests.conftest import ZHONGJIANG, read_example


def test_overview_counts_project_years_and_forms_per_year(all_examples) -> None:
    table = annual_sections.overview(all_examples)
    assert list(table.columns) == list(annual_sections.OVERVIEW_COLUMNS)
    # year, projects, budget, unknown, forms, declarations, targets, self-evaluations, other
    assert table.values.tolist() == [
        [2020, 2, 100_500_000.0, 0, 2, 1, 1, 0, 0],  # 10000万元 + 500,000
        [2022, 1, 200_000.0, 0, 1, 0, 0, 1, 0],      # 20 (万元)
        [2023, 2, 5_018_900.0, 0, 2, 0, 1, 1, 0],    # 251.89 (万元) + 250万
    ]


def test_overview_counts_a_project_year_once_however_many_forms_it_has(shipped) -> None:
    table = annual_sections.overview(shipped).set_index("fiscal_year")
    # 2022: 16 forms of 11 project-years; 合成县环境卫生管理处's two projects each have a declaration and a
    # self-evaluation, and count 946,800 + 1,219,400 = 2,166,200 once, not 4,332,400
    assert (table.loc[2022, "forms"], table.loc[2022, "n_projects"]) == (16, 11)
    env = annual_sections.budget_breakdown(data.select_forms(shipped, fiscal_year=2022)).set_index("label")
    assert env.loc["合成县环境卫生管理处", "budget_yuan"] == 2_166_200.0
    assert env.loc["合成县环境卫生管理处", ["n_projects", "forms"]].tolist() == [2, 4]


def test_budget_breakdown_by_department_or_by_project_year_by_year(all_examples) -> None:
    by_department = annual_sections.budget_breakdown(all_examples)
    assert by_department[["label", "fiscal_year", "budget_yuan"]].values.tolist() == [
        ["武汉市青山区教育局", 2020, 100_000_000.0], ["武汉市新洲区大数据中心", 2020, 500_000.0],
        ["中江县水利局", 2022, 200_000.0], ["青神县发展和改革局本级", 2023, 2_518_900.0],
        ["湘潭市环境卫生管理处", 2023, 2_500_000.0],
    ]
    one = annual_sections.budget_breakdown(data.select_forms(all_examples, department="中江县水利局"), "中江县水利局")
    assert one["label"].tolist() == ["中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装"]


def test_budget_breakdown_never_adds_years_together(shipped) -> None:
    table = annual_sections.budget_breakdown(shipped).set_index(["label", "fiscal_year"])
    env = table.loc["合成县环境卫生管理处", "budget_yuan"]
    assert env.to_dict() == {2020: 1_809_000.0, 2021: 2_032_200.0, 2022: 2_166_200.0, 2023: 2_233_000.0}


def test_budget_breakdown_counts_unknown_budgets_instead_of_adding_zero(all_examples) -> None:
    projects = all_examples.projects.copy()
    projects["current_year_budget_yuan"] = np.nan
    unknown = Forms({"projects": projects})  # no budget-execution lines either: every budget unknown
    table = annual_sections.budget_breakdown(unknown)
    assert table["budget_yuan"].isna().all() and table["n_unknown"].sum() == 5
    assert annual_sections.budget_breakdown_chart(table) is None


def test_two_departments_projects_of_one_name_stay_apart(shipped) -> None:
    largest = annual_sections.largest_projects(shipped, top=20)
    fog = largest[largest["label"].str.startswith("雾炮车降尘抑尘服务")]
    assert set(fog["label"]) == {"雾炮车降尘抑尘服务（湘潭市环境卫生管理处）", "雾炮车降尘抑尘服务（合成县环境卫生管理处）"}
    in_2023 = fog[fog["fiscal_year"] == 2023].set_index("department")["budget_yuan"]
    assert in_2023.to_dict() == {"湘潭市环境卫生管理处": 2_500_000.0, "合成县环境卫生管理处": 1_011_600.0}
    chart = annual_sections.largest_projects_chart(largest)
    ticks = {"".join(t.get_text().split()) for t in chart.axes[0].get_yticklabels()}
    assert {"雾炮车降尘抑尘服务（湘潭市环境卫生管理处）", "雾炮车降尘抑尘服务（合成县环境卫生管理处）"} <= ticks


def test_category_totals_take_one_form_per_project_year_and_its_own_year(shipped) -> None:
    totals = annual_sections.category_totals(shipped).set_index(["economic_category", "fiscal_year"])
    lines = category_lines_by_hand(shipped)
    for key, amount in lines.items():
        assert totals.loc[key, "amount_yuan"] == amount, key
    assert set(totals.index) == set(lines)


def category_lines_by_hand(forms: Forms) -> dict:
    """The own-year expenditure columns of the declarations, one per project-year (no project-year of the
    shipped data has two forms with an expenditure table)."""
    exp = forms.expenditures.merge(forms.projects[["form_id", "fiscal_year"]].rename(columns={"fiscal_year": "y"}),
                                   on="form_id")
    own = exp[exp["fiscal_year"] == exp["y"]]
    return own.groupby(["economic_category", "fiscal_year"])["amount_yuan"].sum().to_dict()


def test_indicator_overview_counts_by_level_and_target_kind(all_examples) -> None:
    table = annual_sections.indicator_overview(all_examples).set_index(["level1_std", "level2_std"])
    assert table["indicators"].sum() == len(all_examples.indicators)
    # 满意度: 学生、家长、社会满意度 ≥90%, 市民满意度 ≥90%, 提高群众网上办事效率 100%, 户满意度 ≥95%
    assert table.loc[("满意度指标", "服务对象满意度指标")].tolist() == [4, 4, 0, 0]


def test_self_evaluation_results_as_published(all_examples) -> None:
    table = annual_sections.self_evaluation_results(all_examples).set_index("project_name")
    assert table.loc["工资性支出", ["executed_yuan", "execution_rate", "stated_total_weight"]].tolist() == [
        2_518_900.0, 1.0, 100.0]
    assert pd.isna(table.loc["工资性支出", "official_total_score"])  # the form publishes no 总分
    zhongjiang = read_example(ZHONGJIANG).projects["project_name"].iloc[0]
    assert table.loc[zhongjiang, "official_total_score"] == 100.0
    assert len(table) == 2


def test_yoy_of_one_year_still_compares_with_the_earlier_years_forms(shipped) -> None:
    every_year = annual_sections.yoy_table(shipped, "department")
    in_2022 = annual_sections.yoy_table(shipped, "department", fiscal_year=2022)
    assert set(in_2022["fiscal_year"]) == {2022} and len(in_2022) < len(every_year)
    data_centre = in_2022.set_index("department").loc["合成县大数据中心"]
    # the prior figure is the 2021 forms' own budget, found although the report is about 2022 only
    assert data_centre["prior_basis"] == "earlier_form"
    year_before = every_year[(every_year["department"] == "合成县大数据中心") & (every_year["fiscal_year"] == 2021)]
    assert data_centre["prior_yuan"] == year_before["current_yuan"].iloc[0]


def test_unit_cost_outliers_are_marked_in_the_table_and_the_chart(shipped) -> None:
    table = annual_sections.unit_cost_table(shipped)
    outliers = table[table["is_outlier"].fillna(False).astype(bool)]
    # 58,350 元/个 against a median of 19,420 (3.0×), 840 元/人次 against 350 (2.4×)
    assert sorted(outliers["unit_cost_yuan"].tolist()) == [840.0, 58_350.0]
    chart = annual_sections.unit_cost_chart(table)
    labels = {"".join(t.get_text().split()) for ax in chart.axes for t in ax.get_yticklabels()}  # wrapped lines
    assert "▲2021网络安全等级保…" in labels and "2023网络安全等级保…" in labels
    assert "2020中小学教师培训" in labels  # short names whole, long ones clipped to one line


def test_finding_counts_add_up_per_form_and_per_check(all_examples) -> None:
    by_form = annual_sections.findings_by_form(all_examples)
    by_check = annual_sections.findings_summary(all_examples)
    columns = ["error_findings", "warning_findings", "info_findings"]
    assert int(by_form[columns].to_numpy().sum()) == int(by_check[columns].to_numpy().sum()) == len(
        all_examples.findings)
    seed_row = by_form.set_index("project_name").loc["区电子政务网络运行维护"]
    assert seed_row["error_findings"] == 2  # C1 (no 效益指标) and C12 (2019: 30万 in the text, 0 in the columns)
    assert by_check.set_index("check_id").loc["C1", "check"] == "必备一级指标齐全"


def test_the_project_years_computed_once_give_every_section_what_it_computes_alone(shipped, monkeypatch) -> None:
    """The annual notebook computes the project-years once and hands them to four sections: each gives
    the table it gives when it computes them itself, for the whole batch, a year and a department."""
    from budgetlib.analysis import project_years as project_years_module

    office = "合成县环境卫生管理处"
    selections = [(shipped, None), (data.select_forms(shipped, fiscal_year=2023), None),
                  (data.select_forms(shipped, department=office), office)]
    for forms, department in selections:
        alone = [annual_sections.overview(forms), annual_sections.budget_breakdown(forms, department),
                 annual_sections.project_year_list(forms), annual_sections.largest_projects(forms)]
        years = annual_sections.project_year_table(forms)
        with monkeypatch.context() as patch:  # handed the years, no section computes them again
            patch.setattr(annual_sections, "project_years", lambda forms: (_ for _ in ()).throw(AssertionError))
            shared = [annual_sections.overview(forms, years=years),
                      annual_sections.budget_breakdown(forms, department, years=years),
                      annual_sections.project_year_list(forms, years=years),
                      annual_sections.largest_projects(forms, years=years)]
        for one, other in zip(alone, shared, strict=True):
            assert len(one) > 0
            pd.testing.assert_frame_equal(one, other)
        pd.testing.assert_frame_equal(years, project_years_module.project_years(forms))


def test_files_not_read_give_their_reason_in_chinese_and_the_readers_message(tmp_path) -> None:
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "minutes.md").write_text("会议纪要：本周无预算事项。\n", encoding="utf-8")
    forms = bl.read_forms([tmp_path / "empty.xlsx", tmp_path / "minutes.md"])
    table = annual_sections.read_errors(forms)
    assert list(table.columns) == ["source_file", "reason", "detail", "location"]
    by_file = table.set_index(table["source_file"].map(lambda name: Path(name).name))
    assert by_file.loc["empty.xlsx", "reason"] == "空文件：文件没有任何内容（0 字节）。"
    assert by_file.loc["minutes.md", "reason"] == "没有表格：文件中没有任何表格。"
    assert by_file["detail"].tolist() == forms.errors.set_index(
        forms.errors["source_file"].map(lambda name: Path(name).name)).loc[by_file.index, "error"].tolist()
