"""A batch scores its forms once; each report takes its forms' rows of that result, and only when its
forms are the batch's rows unchanged. Compared with scoring the report's forms alone, on all shipped
forms."""

from __future__ import annotations

import pandas as pd
import pytest

from budgetlib.forms import Forms
from budgetlib.report import precomputed, sections
from budgetlib.report.data import one_form, select_forms
from budgetlib.report.project_sections import same_project
from budgetlib.scoring import ScoreResult, ScoringPolicy, score


@pytest.fixture
def prepared(shipped: Forms):
    precomputed.prepare(shipped)
    yield shipped
    precomputed.forget()


def _assert_same(got: ScoreResult | None, expected: ScoreResult) -> None:
    assert got is not None
    for name in precomputed.RESULT_TABLES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))


def _changed(forms: Forms, name: str, table: pd.DataFrame) -> Forms:
    return Forms({**forms.tables, name: table})


def test_every_forms_scores_from_the_batch_are_its_scores_alone(prepared: Forms) -> None:
    scored = 0
    for form_id in prepared.projects["form_id"]:
        form = one_form(prepared, form_id)
        _assert_same(precomputed.scores_from_batch(form), score(form, policy=ScoringPolicy()))
        scored += int(form.projects["form_type"].iloc[0] == "self_evaluation")
    assert scored >= 6  # the self-evaluations, whose indicators get points


@pytest.mark.parametrize("select", [{"fiscal_year": 2020}, {"fiscal_year": 2023}, {"department": "合成县水利局"}, {}])
def test_a_years_or_departments_forms_score_as_they_do_alone(prepared: Forms, select) -> None:
    forms = select_forms(prepared, **select)
    assert len(forms.projects)
    _assert_same(precomputed.scores_from_batch(forms), score(forms, policy=ScoringPolicy()))


def _self_evaluation(forms: Forms) -> Forms:
    projects = forms.projects
    form_id = projects.loc[projects["form_type"] == "self_evaluation", "form_id"].iloc[0]
    return one_form(forms, form_id)


def test_a_changed_actual_is_scored_afresh(prepared: Forms) -> None:
    form = _self_evaluation(prepared)
    indicators = form.indicators.copy()
    indicators.loc[0, "actual_value"] = indicators.loc[0, "target_value"] / 2 if pd.notna(
        indicators.loc[0, "target_value"]) else 1.0
    changed = _changed(form, "indicators", indicators)
    assert precomputed.scores_from_batch(changed) is None
    _assert_same(sections.scores(changed), score(changed, policy=ScoringPolicy()))


@pytest.mark.parametrize("change", [
    lambda table: table.iloc[1:],                                # a row dropped
    lambda table: table.iloc[::-1],                              # the rows in another order
    lambda table: table.assign(weight=table["weight"] * 2),      # another weight
    lambda table: table.astype({"indicator_no": "float64"}),     # the same numbers, another type
])
def test_any_difference_in_the_rows_scored_means_no_batch_rows(prepared: Forms, change) -> None:
    form = _self_evaluation(prepared)
    assert precomputed.scores_from_batch(form) is not None
    assert precomputed.scores_from_batch(_changed(form, "indicators", change(form.indicators))) is None


def test_a_form_the_batch_never_had_is_scored_afresh(prepared: Forms) -> None:
    form = _self_evaluation(prepared)
    renamed = Forms({name: table.assign(form_id="另一张表") if "form_id" in table.columns else table
                     for name, table in form.tables.items()})
    assert precomputed.scores_from_batch(renamed) is None


def test_without_a_prepared_batch_nothing_is_taken(shipped: Forms) -> None:
    precomputed.forget()
    assert precomputed.scores_from_batch(one_form(shipped, shipped.projects["form_id"].iloc[0])) is None


# ----------------------------------------------------------------------------------------------
# the batch's index: where each form's rows are, each form's project


def _by_mask(forms: Forms, select) -> Forms:
    """What ``select`` gives without a prepared batch (every table filtered by a pass over it)."""
    precomputed.forget()
    try:
        return select(forms)
    finally:
        precomputed.prepare(forms)


def _assert_same_forms(got: Forms, expected: Forms) -> None:
    assert set(got.tables) == set(expected.tables)
    for name, table in expected.tables.items():
        pd.testing.assert_frame_equal(got.tables[name], table, obj=name)


def test_a_form_taken_through_the_batch_index_is_the_form_taken_by_its_rows(prepared: Forms) -> None:
    for form_id in prepared.projects["form_id"]:
        by_index = one_form(prepared, form_id)
        assert precomputed.batch_rows("projects", prepared.projects, {form_id}) is not None
        _assert_same_forms(by_index, _by_mask(prepared, lambda forms, form_id=form_id: one_form(forms, form_id)))
        assert len(by_index.projects) == 1


@pytest.mark.parametrize("select", [{"fiscal_year": 2022}, {"department": "合成县教育局"}])
def test_a_selection_through_the_batch_index_is_the_same_selection(prepared: Forms, select) -> None:
    _assert_same_forms(select_forms(prepared, **select), _by_mask(prepared, lambda forms: select_forms(forms, **select)))


def test_each_forms_project_comes_from_the_batch_and_is_the_same(prepared: Forms) -> None:
    from budgetlib.analysis.project_years import project_keys

    keys = precomputed.batch_project_keys(prepared.projects)
    assert keys is not None
    pd.testing.assert_series_equal(keys, project_keys(prepared.projects))
    for form_id in prepared.projects["form_id"]:
        form = one_form(prepared, form_id)
        _assert_same_forms(same_project(prepared, form),
                           _by_mask(prepared, lambda forms, form=form: same_project(forms, form)))


def test_a_table_whose_forms_changed_is_cut_by_its_rows(prepared: Forms) -> None:
    indicators = prepared.indicators.copy()
    moved = indicators["form_id"].iloc[0]
    other = prepared.projects.loc[prepared.projects["form_id"] != moved, "form_id"].iloc[0]
    indicators.loc[0, "form_id"] = other  # the first indicator now belongs to another form
    changed = _changed(prepared, "indicators", indicators)
    assert precomputed.batch_rows("indicators", changed.indicators, {other}) is None
    got = one_form(changed, other)
    assert (got.indicators["form_id"] == other).all()
    assert len(got.indicators) == int((indicators["form_id"] == other).sum())
    projects = prepared.projects.assign(project_name=prepared.projects["project_name"] + "（改）")
    assert precomputed.batch_project_keys(projects) is None


def test_a_form_the_batch_does_not_have_is_found_by_its_rows(prepared: Forms) -> None:
    assert precomputed.batch_rows("projects", prepared.projects, {"不在本批次的表"}) is None
    with pytest.raises(KeyError, match="no form"):
        one_form(prepared, "不在本批次的表")


# ----------------------------------------------------------------------------------------------
# year over year by project


def _project_yoy_alone(forms: Forms, form: Forms) -> pd.DataFrame:
    """What a project report's year over year is without a prepared batch (from its project's forms)."""
    precomputed.forget()
    try:
        return sections.project_yoy(forms, form)
    finally:
        precomputed.prepare(forms)


def test_every_project_reports_year_over_year_from_the_batch_is_its_own(prepared: Forms) -> None:
    assert precomputed.yoy_from_batch(prepared) is not None
    several_years = 0
    for form_id in prepared.projects["form_id"]:
        form = one_form(prepared, form_id)
        taken = sections.project_yoy(prepared, form)
        pd.testing.assert_frame_equal(taken, _project_yoy_alone(prepared, form))
        several_years += len(taken) > 1
    assert several_years >= 20


def _prior_budget_halved(forms: Forms) -> tuple[Forms, str, int]:
    """The shipped data with one project's earlier-year budget halved, a later form of that project,
    and the later form's year."""
    table = precomputed.yoy_from_batch(forms)
    assert table is not None
    rows = table[0]
    declarations = set(forms.projects.loc[forms.projects["form_type"] == "declaration", "form_id"])
    earlier = rows[(rows["prior_basis"] == "earlier_form") & rows["prior_form_id"].isin(declarations)].iloc[0]
    projects = forms.projects.copy()
    at = projects["form_id"] == earlier["prior_form_id"]  # a declaration's budget is its 本年预算
    projects.loc[at, "current_year_budget_yuan"] = projects.loc[at, "current_year_budget_yuan"] / 2
    return _changed(forms, "projects", projects), str(earlier["form_id"]), int(earlier["fiscal_year"])


def test_a_changed_budget_means_the_year_over_year_is_computed_afresh(prepared: Forms) -> None:
    changed, later_form, year = _prior_budget_halved(prepared)
    assert precomputed.yoy_from_batch(changed) is None
    form = one_form(changed, later_form)
    before = sections.project_yoy(prepared, one_form(prepared, later_form))
    after = sections.project_yoy(changed, form)
    pd.testing.assert_frame_equal(after, _project_yoy_alone(changed, form))
    assert (after.loc[after["fiscal_year"] == year, "prior_yuan"].iloc[0]
            == before.loc[before["fiscal_year"] == year, "prior_yuan"].iloc[0] / 2)


@pytest.mark.parametrize("name", ["budget_history", "expenditures", "budget_execution"])
def test_any_other_table_year_over_year_reads_changed_means_no_batch_rows(prepared: Forms, name: str) -> None:
    table = prepared[name]
    assert len(table) > 1
    assert precomputed.yoy_from_batch(_changed(prepared, name, table.iloc[1:])) is None
