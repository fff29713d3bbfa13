"""Sections of the annual report (``notebooks/annual_report.ipynb``): the forms of a year and/or a
department, summed and compared.

Forms and budgets by year and form type, budgets by department (or by project within one), year
over year by department and economic category, unit costs compared across projects, the review
findings counted, the indicators by level and the self-evaluations as published. Sections shared
with the other reports (expenditure, budget history, scores) are in
:mod:`budgetlib.report.shared_sections`.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from budgetlib import charts
from budgetlib.analysis.review import rules
from budgetlib.analysis.unitcost import unit_costs
from budgetlib.analysis.yoy import yoy
from budgetlib.forms import Forms
from budgetlib.report.data import select_forms
from budgetlib.report.present import clip
from budgetlib.report.shared_sections import SEVERITY_ORDER, YOY_COLUMNS, check_number

# ----------------------------------------------------------------------------------------------
# forms and budgets


def overview(forms: Forms) -> pd.DataFrame:
    """Forms and current-year budget by fiscal year × form type, with the count of unknown budgets."""
    projects = forms.projects
    columns = ["fiscal_year", "form_type", "forms", "current_year_budget_yuan", "budget_unknown"]
    if projects.empty:
        return pd.DataFrame(columns=columns)
    table = projects.groupby(["fiscal_year", "form_type"], dropna=False).agg(
        forms=("form_id", "size"),
        current_year_budget_yuan=("current_year_budget_yuan", lambda s: s.sum(min_count=1)),
        budget_unknown=("current_year_budget_yuan", lambda s: int(s.isna().sum())),
    ).reset_index()
    return table[columns]


def budget_breakdown(forms: Forms, department: str | None = None) -> pd.DataFrame:
    """Current-year budget per department, or per project when the report is about one department.

    Columns: ``label`` (department or project), ``forms``, ``current_year_budget_yuan`` (sum of the
    known budgets) and ``budget_unknown`` (forms whose budget has no stated unit).
    """
    by = "department" if department is None else "project_name"
    projects = forms.projects
    if projects.empty:
        return pd.DataFrame(columns=["label", "forms", "current_year_budget_yuan", "budget_unknown"])
    table = projects.groupby(by, dropna=False, sort=False).agg(
        forms=("form_id", "size"),
        current_year_budget_yuan=("current_year_budget_yuan", lambda s: s.sum(min_count=1)),
        budget_unknown=("current_year_budget_yuan", lambda s: int(s.isna().sum())),
    ).reset_index().rename(columns={by: "label"})
    table = table.sort_values("current_year_budget_yuan", ascending=False, kind="stable", na_position="last")
    return table.reset_index(drop=True)


def budget_breakdown_chart(table: pd.DataFrame, department: str | None = None) -> Figure | None:
    """Bars of :func:`budget_breakdown`."""
    data = table.rename(columns={"current_year_budget_yuan": "amount_yuan"})
    if data.dropna(subset=["amount_yuan"]).empty:
        return None
    what = "各部门" if department is None else "各项目"
    return charts.amount_bars(data, title=f"{what}当年预算 (current-year budget)")


def forms_list(forms: Forms) -> pd.DataFrame:
    """One row per form: project, department, year, form type and current-year budget."""
    columns = ["project_name", "department", "fiscal_year", "form_type", "current_year_budget_yuan"]
    projects = forms.projects.sort_values(["department", "fiscal_year", "project_name"], kind="stable")
    return projects[columns].reset_index(drop=True)


def indicator_overview(forms: Forms) -> pd.DataFrame:
    """Indicators per canonical level 1 × level 2, split by target kind (quantitative, qualitative, period)."""
    ind = forms.indicators
    columns = ["level1_std", "level2_std", "indicators", "quantitative", "qualitative", "period_targets"]
    if ind.empty:
        return pd.DataFrame(columns=columns)
    kinds = pd.crosstab([ind["level1_std"].fillna("—"), ind["level2_std"].fillna("—")], ind["target_kind"].fillna("—"))
    table = pd.DataFrame({
        "indicators": kinds.sum(axis=1),
        "quantitative": kinds.get("quantitative", 0),
        "qualitative": kinds.get("qualitative", 0),
        "period_targets": kinds.get("period", 0),
    }).reset_index()
    return table[columns]


def self_evaluation_results(forms: Forms) -> pd.DataFrame:
    """Self-evaluations as published: execution rate of the total line, total points and total score."""
    projects = forms.projects[forms.projects["form_type"] == "self_evaluation"]
    execution = forms.budget_execution
    totals = execution[execution["is_total"].fillna(False).astype(bool)].drop_duplicates("form_id")
    table = projects[["form_id", "project_name", "department", "fiscal_year", "stated_total_weight",
                      "official_total_score"]].merge(
        totals[["form_id", "executed_yuan", "execution_rate"]], on="form_id", how="left")
    columns = ["project_name", "department", "fiscal_year", "executed_yuan", "execution_rate",
               "stated_total_weight", "official_total_score"]
    return table[columns].reset_index(drop=True)


def reading_summary(forms: Forms) -> pd.DataFrame:
    """Per form: how many source cells no table took, and how many reader warnings there were."""
    projects = forms.projects[["form_id", "project_name"]]
    unparsed = forms.unparsed.groupby("form_id").size().rename("unparsed_cells")
    warnings = forms.warnings.groupby("form_id").size().rename("warnings")
    table = projects.join(unparsed, on="form_id").join(warnings, on="form_id")
    table[["unparsed_cells", "warnings"]] = table[["unparsed_cells", "warnings"]].fillna(0).astype(int)
    return table[["project_name", "unparsed_cells", "warnings"]].reset_index(drop=True)


def read_errors(forms: Forms) -> pd.DataFrame:
    """Files that could not be read, with the reason."""
    return forms.errors[["source_file", "error", "location"]].reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# year over year


def yoy_table(
    forms: Forms, by: str, *, fiscal_year: int | None = None, department: str | None = None
) -> pd.DataFrame:
    """Year over year by ``department`` or ``economic_category`` for one department (or all).

    The year filter is applied to the result, not to the forms: last year's forms are what this
    year is compared with.
    """
    chosen = select_forms(forms, department=department) if department is not None else forms
    table = yoy(chosen, by=by)
    columns = [by, *YOY_COLUMNS, "n_projects", "n_unknown"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    if fiscal_year is not None:
        table = table[table["fiscal_year"] == int(fiscal_year)]
    return table[columns].reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# unit costs


UNIT_COST_TABLE: tuple[str, ...] = (
    "project_name", "fiscal_year", "description", "unit_basis", "unit_cost_yuan", "group_size", "group_median_yuan",
    "ratio_to_median", "is_outlier",
)


def unit_cost_table(forms: Forms) -> pd.DataFrame:
    """Unit costs of every cost item with a quantity, compared within items of the same kind and
    basis (``bl.unit_costs``): the group's median, the ratio to it and whether it is an outlier
    (NA where the group is too small to tell)."""
    table = unit_costs(forms)
    if table.empty:
        return pd.DataFrame(columns=list(UNIT_COST_TABLE))
    table = table.sort_values(["unit_basis", "unit_cost_yuan", "project_name"], kind="stable")
    return table[list(UNIT_COST_TABLE)].reset_index(drop=True)


def unit_cost_chart(table: pd.DataFrame) -> Figure | None:
    """Unit costs side by side per basis; an outlier's label starts with ▲. Labels are clipped to one
    line (year, then the project's name), since wrapped labels overlap in a dense panel."""
    if table.dropna(subset=["unit_cost_yuan"]).empty:
        return None
    outlier = table["is_outlier"].fillna(False).astype(bool)
    labels = [f"{'▲' if flag else ''}{year} {clip(str(name), 16)}" for name, year, flag in
              zip(table["project_name"], table["fiscal_year"], outlier, strict=True)]
    return charts.unit_cost_comparison(table.assign(label=labels), label="label", basis="unit_basis",
                                       title="单位成本比较（▲ 异常值） (unit costs, ▲ outlier)")


# ----------------------------------------------------------------------------------------------
# review findings


def finding_counts(findings: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Findings counted by ``by`` into ``error_findings``, ``warning_findings``, ``info_findings``."""
    keys = [by] if isinstance(by, str) else list(by)
    columns = [f"{s}_findings" for s in SEVERITY_ORDER]
    if findings.empty:
        return pd.DataFrame(columns=[*keys, *columns])
    counts = pd.crosstab([findings[k] for k in keys], findings["severity"])
    counts = counts.reindex(columns=list(SEVERITY_ORDER), fill_value=0)
    counts.columns = columns
    return counts.reset_index()


def findings_summary(forms: Forms) -> pd.DataFrame:
    """Findings per check × severity over the forms given, with each check's name."""
    table = finding_counts(forms.findings, "check_id")
    names = rules().drop_duplicates("check_id").set_index("check_id")["check"]
    table.insert(1, "check", table["check_id"].map(names))
    table = table.assign(_check=check_number(table["check_id"])).sort_values("_check", kind="stable")
    return table.drop(columns="_check").reset_index(drop=True)


def findings_by_form(forms: Forms) -> pd.DataFrame:
    """Per form: project, year, form type and its errors, warnings and notes (0 where none)."""
    counts = finding_counts(forms.findings, "form_id")
    table = forms.projects[["form_id", "project_name", "fiscal_year", "form_type"]].merge(
        counts, on="form_id", how="left")
    columns = [f"{s}_findings" for s in SEVERITY_ORDER]
    table[columns] = table[columns].fillna(0).astype(int)
    table = table.sort_values(columns, ascending=False, kind="stable")
    return table.drop(columns="form_id").reset_index(drop=True)
