"""Sections of the indicator-attainment report (``notebooks/indicator_attainment.ipynb``): targets
against actuals over the self-evaluations of a batch, one per project-year (a project-year's
re-filed self-evaluation does not count twice).

Every indicator's target beside its actual with attainment and score, attainment by canonical
level 1, the indicators short of target (worst first) and those that could not be scored, with the
reason. The scores' overview and grade distribution, which the annual report shows too, are in
:mod:`budgetlib.report.shared_sections`.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from budgetlib import charts
from budgetlib.analysis.project_years import evaluation_forms, project_years
from budgetlib.forms import Forms
from budgetlib.report.present import heading
from budgetlib.report.shared_sections import with_stated_targets
from budgetlib.scoring.engine import ScoreResult

ATTAINMENT_COLUMNS: tuple[str, ...] = (
    "project_name", "fiscal_year", "level1_std", "name", "stated_target", "actual_text", "weight", "attainment",
    "computed_score", "published_score", "score_gap",
)


def _with_projects(result: ScoreResult, forms: Forms) -> pd.DataFrame:
    """Scored indicators of the self-evaluations (one per project-year), with their project and year."""
    counted = set(evaluation_forms(forms))
    projects = forms.projects
    evaluations = projects.loc[(projects["form_type"] == "self_evaluation") & projects["form_id"].isin(counted),
                               ["form_id", "project_name", "fiscal_year"]]
    return with_stated_targets(result.indicators, forms.indicators).merge(evaluations, on="form_id", how="inner")


def indicator_attainment(result: ScoreResult, forms: Forms) -> pd.DataFrame:
    """Target beside actual for every indicator of every self-evaluation, with attainment, computed and
    published score and their gap."""
    table = _with_projects(result, forms)
    table = table.sort_values(["fiscal_year", "project_name", "indicator_no"], kind="stable")
    return table[list(ATTAINMENT_COLUMNS)].reset_index(drop=True)


def attainment_by_level(result: ScoreResult, forms: Forms) -> pd.DataFrame:
    """Per canonical level-1 indicator: how many indicators, how many could be scored, how many fell
    short of target, and the mean attainment of the scored ones."""
    table = _with_projects(result, forms)
    columns = ["level1_std", "indicators", "scored", "missed", "mean_attainment"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    grouped = table.groupby(table["level1_std"].fillna("—"), sort=True)
    out = grouped.agg(
        indicators=("name", "size"),
        scored=("attainment", lambda s: int(s.notna().sum())),
        missed=("attainment", lambda s: int((s < 1.0).sum())),
        mean_attainment=("attainment", "mean"),
    ).reset_index()
    return out[columns]


def missed_indicators(result: ScoreResult, forms: Forms) -> pd.DataFrame:
    """The indicators whose actual fell short of the target (attainment below 100 %), worst first."""
    table = indicator_attainment(result, forms)
    missed = table[table["attainment"] < 1.0]
    return missed.sort_values("attainment", kind="stable").reset_index(drop=True)


def missed_chart(missed: pd.DataFrame, top: int = 20) -> Figure | None:
    """Attainment bars of the ``top`` worst indicators (project, year and indicator on each bar)."""
    if missed.empty:
        return None
    rows = missed.head(top)
    data = rows.assign(name=[f"{p} {y}·{n}" for p, y, n in
                             zip(rows["project_name"], rows["fiscal_year"], rows["name"], strict=True)])
    return charts.attainment(data, title=missed_title(missed, top))


def attainment_heading(forms: Forms, *, fiscal_year: int | None, department: str | None) -> HTML:
    """Title of the attainment page, counting what the page covers: the self-evaluations (one per
    project-year), and the re-filed ones left out, if any."""
    who = department if department else "全部部门"
    when = f"{fiscal_year}年度" if fiscal_year is not None else "全部年度"
    counted = len(set(evaluation_forms(forms)))
    filed = int((forms.projects["form_type"] == "self_evaluation").sum())
    extra = f"（另有 {filed - counted} 张为同一项目年度重复填报，未计入）" if filed > counted else ""
    return heading(f"指标完成情况：{who}", f"{when} · {counted} 张绩效自评表{extra}")


def missed_title(missed: pd.DataFrame, top: int = 20) -> str:
    """The missed-indicators chart's title: how many of the table's rows it shows."""
    if len(missed) > top:
        return f"未达成目标的指标：完成率最低的 {top} 项（共 {len(missed)} 项，见上表）"
    return f"未达成目标的指标（{len(missed)} 项，同上表）"


def unscored_indicators(result: ScoreResult, forms: Forms) -> pd.DataFrame:
    """Indicators of self-evaluations that could not be scored, with the reason (no actual, a target
    that cannot be measured …): why a total falls short of the points without any target missed."""
    table = _with_projects(result, forms)
    table = table[table["status"] != "scored"].sort_values(["fiscal_year", "project_name", "indicator_no"],
                                                           kind="stable")
    return table[["project_name", "fiscal_year", "name", "stated_target", "actual_text", "note"]].reset_index(drop=True)


EVALUATED_COLUMNS: tuple[str, ...] = (
    "project_name", "department", "fiscal_year", "budget_yuan", "budget_basis", "executed_yuan", "execution_rate",
)


def evaluated_project_years(forms: Forms) -> pd.DataFrame:
    """The project-years the self-evaluations cover, each once: budget (by the project-year
    precedence: the self-evaluation's adjusted or full-year budget first), what was spent and the
    share spent (执行数 / 预算; NA when either is unknown)."""
    years = project_years(forms)
    years = years[years["form_types"].str.split(";").map(lambda types: "self_evaluation" in types)]
    rate = years["executed_yuan"] / years["budget_yuan"].where(years["budget_yuan"] > 0)
    table = years.assign(execution_rate=rate)
    return table[list(EVALUATED_COLUMNS)].reset_index(drop=True)
