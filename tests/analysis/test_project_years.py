"""Project-years: one row per project and fiscal year, one budget by the documented precedence; and the
acceptance test: over the synthetic corpus every annual total the report sections show equals the
ground truth of its manifest, each project-year counted once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib import schema
from budgetlib.analysis.project_years import ProjectYearPolicy, evaluation_forms, project_year_forms
from budgetlib.forms import Forms
from budgetlib.report import annual_sections, attainment_sections, data
from budgetlib.synth import read_manifest
from tests.analysis.truth import expected_project_years

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "raw" / "synthetic"


def project(form_id: str, form_type: str, budget: float | None, *, year: int | None = 2022, name: str = "雾炮车降尘抑尘服务",
            department: str = "合成县环境卫生管理处", code: str | None = None, as_written: str | None = None) -> dict:
    return {"form_id": form_id, "source_file": form_id.split("#")[0], "form_type": form_type, "fiscal_year": year,
            "project_name": name, "department": department, "project_code": code,
            "current_year_budget_yuan": budget, "budget_as_written": as_written or (None if budget is None
                                                                                   else f"{budget:.2f}")}


def execution(form_id: str, *, initial: float | None = None, full_year: float | None = None,
              adjusted: float | None = None, executed: float | None = None, as_written: str | None = None) -> dict:
    return {"form_id": form_id, "line_no": 1, "fund_line": "年度资金总额", "is_total": True,
            "initial_budget_yuan": initial, "full_year_budget_yuan": full_year, "adjusted_budget_yuan": adjusted,
            "executed_yuan": executed, "full_year_budget_as_written": as_written,
            "adjusted_budget_as_written": None if adjusted is None else str(adjusted / 10_000)}


def tables(projects: list[dict], lines: list[dict] = ()) -> Forms:
    return Forms({"projects": schema.frame("projects", projects), "budget_execution": schema.frame(
        "budget_execution", list(lines))})


THREE_FORMS = tables(
    [project("d.md#0", "declaration", 500_000.0, code="036004-2022-HWC-0001"),
     project("t.md#0", "target", 480_000.0, as_written="48万"),
     project("s.md#0", "self_evaluation", 450_000.0)],
    [execution("s.md#0", initial=480_000.0, adjusted=450_000.0, executed=441_000.0)],
)


# -- the precedence ----------------------------------------------------------------------------------------


def test_one_row_per_project_year_with_the_self_evaluations_adjusted_budget() -> None:
    (row,) = bl.project_years(THREE_FORMS).to_dict("records")
    assert (row["budget_yuan"], row["budget_basis"], row["budget_form_id"]) == (
        450_000.0, "self_evaluation:adjusted_budget", "s.md#0")
    assert pd.isna(row["budget_note"])
    assert (row["form_ids"], row["form_types"], row["n_forms"]) == (
        "s.md#0;t.md#0;d.md#0", "self_evaluation;target;declaration", 3)
    # the other forms' figures beside the one used
    assert (row["declaration_budget_yuan"], row["target_budget_yuan"], row["self_evaluation_budget_yuan"]) == (
        500_000.0, 480_000.0, 450_000.0)
    assert (row["self_evaluation_initial_budget_yuan"], row["executed_yuan"]) == (480_000.0, 441_000.0)
    assert row["project_code"] == "036004-2022-HWC-0001"  # from the declaration: the self-evaluation has none
    assert list(bl.project_years(THREE_FORMS).columns) == schema.ANALYSIS_TABLES["project_years"].column_names


def test_the_full_year_budget_when_there_is_no_adjusted_one_then_target_then_declaration() -> None:
    full_year = tables([project("s.md#0", "self_evaluation", 430_000.0), project("d.md#0", "declaration", 500_000.0)],
                       [execution("s.md#0", full_year=430_000.0)])
    assert bl.project_years(full_year)["budget_basis"].tolist() == ["self_evaluation:full_year_budget"]
    no_evaluation = tables([project("d.md#0", "declaration", 500_000.0), project("t.md#0", "target", 480_000.0)])
    (row,) = bl.project_years(no_evaluation).to_dict("records")
    assert (row["budget_yuan"], row["budget_basis"]) == (480_000.0, "target:current_year_budget")


def test_an_amount_without_a_unit_falls_through_and_the_note_says_so() -> None:
    forms = tables([project("s.md#0", "self_evaluation", None, as_written="45"),
                    project("d.md#0", "declaration", 500_000.0)],
                   [execution("s.md#0", as_written="45")])
    (row,) = bl.project_years(forms).to_dict("records")
    assert (row["budget_yuan"], row["budget_basis"], row["budget_form_id"]) == (
        500_000.0, "declaration:current_year_budget", "d.md#0")
    assert row["budget_note"] == "自评表预算未注明金额单位（45），采用申报表当年预算"
    assert pd.isna(row["self_evaluation_budget_yuan"])  # unknown, never 0
    strict = bl.project_years(forms, ProjectYearPolicy(fall_through=False)).iloc[0]
    assert pd.isna(strict["budget_yuan"]) and strict["budget_as_written"] == "45"
    assert strict["budget_basis"] == "self_evaluation:full_year_budget"


def test_nothing_known_is_na_not_zero() -> None:
    forms = tables([project("t.md#0", "target", None, as_written="38.379")])
    (row,) = bl.project_years(forms).to_dict("records")
    assert pd.isna(row["budget_yuan"]) and row["budget_as_written"] == "38.379"
    assert row["budget_note"] == "各表预算均未注明金额单位，金额未知"


def test_the_precedence_is_a_parameter() -> None:
    declaration_first = ProjectYearPolicy(precedence=("declaration:current_year_budget", "target:current_year_budget",
                                                      "self_evaluation:full_year_budget"))
    (row,) = bl.project_years(THREE_FORMS, declaration_first).to_dict("records")
    assert (row["budget_yuan"], row["budget_basis"]) == (500_000.0, "declaration:current_year_budget")
    assert row["form_types"] == "declaration;target;self_evaluation"
    with pytest.raises(ValueError, match="form_type:field"):
        ProjectYearPolicy(precedence=("declaration:total",))


def test_department_wide_forms_and_forms_without_a_year_get_no_project_year() -> None:
    forms = tables([
        project("d.md#0", "declaration", 500_000.0),
        project("dept.md#0", "department_target", 26_300_000.0, name=None),
        project("dse.md#0", "department_self_evaluation", 26_300_000.0, name=None),
        project("undated.md#0", "declaration", 90_000.0, year=None, name="机房租赁"),
    ])
    years = bl.project_years(forms)
    assert years["form_ids"].tolist() == ["d.md#0"] and years["budget_yuan"].sum() == 500_000.0
    assert set(project_year_forms(forms)["form_id"]) == {"d.md#0"}


def test_forms_with_neither_code_nor_name_are_not_joined_to_each_other() -> None:
    forms = tables([project("a.md#0", "target", 100_000.0, name=None, department=None),
                    project("b.md#0", "target", 200_000.0, name=None, department=None)])
    years = bl.project_years(forms)
    assert years["project_key"].tolist() == ["form:a.md#0", "form:b.md#0"]
    assert years["budget_yuan"].tolist() == [100_000.0, 200_000.0]


def test_a_refiled_self_evaluation_counts_once_for_attainment() -> None:
    forms = tables([project("s1.md#0", "self_evaluation", 450_000.0), project("s2.md#0", "self_evaluation", 450_000.0),
                    project("other.md#0", "self_evaluation", 90_000.0, name="机房租赁")],
                   [execution("s1.md#0", full_year=450_000.0), execution("s2.md#0", adjusted=450_000.0)])
    # s2 states the adjusted budget, first in the precedence: it is the project-year's evaluation
    assert evaluation_forms(forms) == ["s2.md#0", "other.md#0"]


# -- a declaration and a self-evaluation in one year, a self-evaluation the next --------------------------


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> bl.Forms:
    """公共厕所保洁 of the synthetic sample: 2022 declaration and self-evaluation, 2023 self-evaluation."""
    root = tmp_path_factory.mktemp("two_years")
    for name in ("2022/036004-p2-declaration.html", "2022/036004-p2-self-evaluation-extra.html",
                 "2023/036004-p2-self-evaluation.md"):
        (root / name).parent.mkdir(exist_ok=True)
        shutil.copy(SAMPLE / name, root / name)
    forms = bl.read_forms([root])
    assert forms.errors.empty and len(forms.projects) == 3
    return forms


def test_one_row_per_year_and_the_same_totals_everywhere(two_years: bl.Forms, tmp_path: Path) -> None:
    years = bl.project_years(two_years)
    assert years[["fiscal_year", "n_forms", "budget_yuan"]].values.tolist() == [[2022, 2, 1_219_400.0],
                                                                                [2023, 1, 1_221_400.0]]
    assert years["project_key"].nunique() == 1
    by_department = bl.yoy(two_years, by="department").set_index("fiscal_year")
    overview = annual_sections.overview(two_years).set_index("fiscal_year")
    breakdown = annual_sections.budget_breakdown(two_years).set_index("fiscal_year")
    written = data.load_project_years(data.write_project_years(two_years, tmp_path).parent).set_index("fiscal_year")
    for year, budget in ((2022, 1_219_400.0), (2023, 1_221_400.0)):
        assert by_department.loc[year, "current_yuan"] == budget
        assert overview.loc[year, "budget_yuan"] == budget and overview.loc[year, "n_projects"] == 1
        assert breakdown.loc[year, "budget_yuan"] == budget
        assert written.loc[year, "budget_yuan"] == budget
    assert overview.loc[2022, "forms"] == 2  # two forms, one project-year: 121.94 万元, not 243.88
    # the 2023 figure is compared with 2022's once
    assert by_department.loc[2023, ["prior_yuan", "change_yuan"]].tolist() == [1_219_400.0, 2_000.0]


# -- the synthetic corpus against its manifest ------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> tuple[bl.Forms, pd.DataFrame]:
    return data.load_forms(SAMPLE), expected_project_years(read_manifest(SAMPLE).files)


def _equal(got: float, expected: float) -> bool:
    return (pd.isna(got) and pd.isna(expected)) or got == pytest.approx(expected)


def test_project_years_match_the_manifest(sample) -> None:
    forms, truth = sample
    years = bl.project_years(forms)
    assert len(years) == len(truth)  # one row per project-year of the manifest, however many forms
    assert years["n_forms"].sum() == len(forms.projects) == truth["n_forms"].sum()
    got = years.assign(file=years["budget_form_id"].str.rsplit("#", n=1).str[0])
    got = got.sort_values(["department", "fiscal_year", "budget_yuan"]).reset_index(drop=True)
    want = truth.sort_values(["department", "fiscal_year", "budget_yuan"]).reset_index(drop=True)
    assert got["fiscal_year"].tolist() == want["fiscal_year"].tolist()
    for a, b in zip(got["budget_yuan"], want["budget_yuan"], strict=True):
        assert _equal(a, b)
    known = got.dropna(subset=["budget_yuan"])
    assert known["budget_basis"].str.split(":").str[0].tolist() == want.dropna(subset=["budget_yuan"])[
        "budget_form_type"].tolist()


def test_every_annual_total_the_sections_show_matches_the_manifest(sample, tmp_path: Path) -> None:
    forms, truth = sample
    known = truth.dropna(subset=["budget_yuan"])
    per_year = known.groupby("fiscal_year")["budget_yuan"].sum()
    per_department = known.groupby(["department", "fiscal_year"])["budget_yuan"].sum()
    unknown = truth["budget_yuan"].isna().groupby([truth["department"], truth["fiscal_year"]]).sum()

    overview = annual_sections.overview(forms).set_index("fiscal_year")
    assert overview["budget_yuan"].to_dict() == pytest.approx(per_year.to_dict())
    assert overview["n_projects"].to_dict() == truth.groupby("fiscal_year").size().to_dict()
    assert overview["n_unknown"].sum() == truth["budget_yuan"].isna().sum() == 2
    assert overview["forms"].sum() == truth["n_forms"].sum()  # every form counted, in the form counts only

    breakdown = annual_sections.budget_breakdown(forms).set_index(["label", "fiscal_year"])
    assert set(breakdown.index) == set(unknown.index)
    for key, amount in per_department.items():
        assert breakdown.loc[key, "budget_yuan"] == pytest.approx(amount), key
    assert (breakdown["n_unknown"] == unknown.reindex(breakdown.index)).all()

    by_department = bl.yoy(forms, by="department").set_index(["department", "fiscal_year"])
    for key, amount in per_department.items():
        expected = float("nan") if unknown[key] else amount  # a department total with an unknown budget is NA
        assert _equal(by_department.loc[key, "current_yuan"], expected), key

    for department in truth["department"].unique():  # one department's report: its projects, year by year
        chosen = data.select_forms(forms, department=department)
        per_project = annual_sections.budget_breakdown(chosen, department)
        mine = known[known["department"] == department]
        assert per_project.groupby("fiscal_year")["budget_yuan"].sum().to_dict() == pytest.approx(
            mine.groupby("fiscal_year")["budget_yuan"].sum().to_dict())
        for year in mine["fiscal_year"].unique():  # a report of one year and department
            one = annual_sections.overview(data.select_forms(chosen, fiscal_year=int(year)))
            assert one["budget_yuan"].tolist() == pytest.approx([mine.loc[mine["fiscal_year"] == year,
                                                                          "budget_yuan"].sum()])

    largest = annual_sections.largest_projects(forms, top=100)
    assert len(largest) == len(truth) and largest["budget_yuan"].sum() == pytest.approx(known["budget_yuan"].sum())

    written = data.load_project_years(data.write_project_years(forms, tmp_path).parent)
    assert written.groupby("fiscal_year")["budget_yuan"].sum().to_dict() == pytest.approx(per_year.to_dict())
    pd.testing.assert_frame_equal(written, bl.project_years(forms))

    evaluated = attainment_sections.evaluated_project_years(forms)
    manifest = read_manifest(SAMPLE).files
    with_evaluation = manifest.loc[manifest["form_type"] == "self_evaluation", ["project_key", "fiscal_year"]]
    assert len(evaluated) == len(with_evaluation.drop_duplicates())


def test_the_2022_total_of_the_two_environment_projects_counts_each_once(sample) -> None:
    forms, _ = sample
    in_2022 = annual_sections.overview(data.select_forms(forms, fiscal_year=2022, department="合成县环境卫生管理处"))
    # 雾炮车 946,800 and 公共厕所保洁 1,219,400, each with a declaration and a self-evaluation
    assert in_2022[["n_projects", "forms", "budget_yuan"]].values.tolist() == [[2, 4, 2_166_200.0]]
