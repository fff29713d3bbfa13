"""Sections more than one report shows: expenditure, budget history, year over year, scores and grades."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from budgetlib.forms import Forms
from budgetlib.report import data, present, project_sections, shared_sections
from tests.conftest import QINGSHAN, SEED, read_example


def test_expenditure_table_sums_by_category_and_year() -> None:
    table = shared_sections.expenditure_table(read_example(SEED))
    assert table[["economic_category", "fiscal_year", "amount_yuan"]].values.tolist() == [
        ["维修(护)费", 2019, 0.0], ["维修(护)费", 2020, 440_000.0], ["邮电费", 2019, 0.0], ["邮电费", 2020, 60_000.0]]
    assert shared_sections.expenditure_chart(shared_sections.expenditure_table(read_example(QINGSHAN))) is None


def test_a_sum_over_unknown_amounts_is_unknown() -> None:
    form = read_example(SEED)
    expenditures = form.expenditures.copy()
    expenditures.loc[expenditures["fiscal_year"] == 2020, "amount_yuan"] = np.nan
    table = shared_sections.expenditure_table(Forms({**form.tables, "expenditures": expenditures}))
    in_2020 = table[table["fiscal_year"] == 2020]
    assert in_2020["amount_yuan"].isna().all() and in_2020["unknown"].tolist() == [1, 1]


def test_budget_history_shows_disagreeing_bases_side_by_side() -> None:
    history = shared_sections.budget_history(read_example(SEED))
    in_2019 = history[history["fiscal_year"] == 2019].set_index("basis")["amount_yuan"].to_dict()
    # the text says 2019 had 30万; the 2019 expenditure column sums to 0: both are kept
    assert in_2019 == {"expenditure_column": 0.0, "stated_in_text": 300_000.0}


def test_yoy_long_draws_each_year_once_with_the_change_on_the_later_year(all_examples) -> None:
    long = shared_sections.yoy_long(project_sections.project_yoy(all_examples, data.one_form(all_examples, SEED)), "project_name")
    assert long[["fiscal_year", "amount_yuan"]].values.tolist() == [[2019, 300_000.0], [2020, 500_000.0]]
    assert pd.isna(long.loc[0, "change_fraction"]) and long.loc[1, "change_fraction"] == pytest.approx(2 / 3)
    assert shared_sections.yoy_chart(project_sections.project_yoy(all_examples, data.one_form(all_examples, SEED)),
                              "project_name") is not None


def test_largest_changes_rank_by_size_either_way_and_drop_unknown_changes() -> None:
    table = pd.DataFrame({"department": ["a", "b", "c", "d"], "change_yuan": [10.0, -50.0, np.nan, 20.0]})
    assert shared_sections.largest_changes(table, top=2)["department"].tolist() == ["b", "d"]
    assert shared_sections.largest_changes(table)["department"].tolist() == ["b", "d", "a"]


def test_grades_counted_best_first_and_incomplete_scores_not_graded() -> None:
    overview = pd.DataFrame({"grade": pd.array(["良", pd.NA, "优", "优"], dtype="str")})
    assert shared_sections.grade_distribution(overview).values.tolist() == [["优", 2], ["良", 1], ["未完整计分", 1]]
    assert shared_sections.grade_distribution(overview.iloc[0:0]).empty


def test_score_overview_rounds_points_for_reading(shipped) -> None:
    overview = shared_sections.score_overview(shared_sections.scores(shipped))
    zhongjiang = overview[overview["project_name"].str.startswith("中江县")].iloc[0]
    assert (zhongjiang["total_score"], zhongjiang["grade"], zhongjiang["official_total_score"]) == (100.0, "优", 100.0)
    assert present.present(pd.DataFrame({"total_score": [89.61142477582199]}))["计算总分"].tolist() == ["89.61"]


def test_annual_heading_names_the_scope_and_counts_the_forms(all_examples) -> None:
    in_2023 = data.select_forms(all_examples, fiscal_year=2023)
    assert shared_sections.annual_heading(in_2023, fiscal_year=2023, department=None).data == (
        "<h1>预算绩效年度报告：全部部门</h1><p class='report-subtitle'>2023年度 · 2 张表</p>")


def test_check_numbers_sort_c2_before_c11() -> None:
    assert shared_sections.check_number(pd.Series(["C11", "C2", "C16"])).tolist() == [11, 2, 16]
