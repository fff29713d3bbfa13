"""Sections of the annual report (``notebooks/annual_report.ipynb``): the forms of a year and/or a
department, summed and compared.

Every total is taken over project-years (``bl.project_years``: one budget per project and year,
however many forms it has; department-wide forms are in none) and years are never added together:
budgets by year, by department (or by project within one) and year, the largest projects, expenditure
by economic category, year over year by department and economic category, unit costs compared
across projects (one cost basis per project-year), the review findings counted, the indicators by
level and the self-evaluations as published (one per project-year). Sections shared
with the other reports (expenditure, budget history, scores) are in
:mod:`budgetlib.report.shared_sections`.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from budgetlib import charts
from budgetlib.analysis.project_years import evaluation_forms, project_years
from budgetlib.analysis.review import rules
from budgetlib.analysis.unitcost import unit_costs
from budgetlib.analysis.yoy import YoyBy, category_lines, economic_class, yoy
from budgetlib.forms import Forms
from budgetlib.notices import chinese_reason
from budgetlib.report.data import select_forms
from budgetlib.report.present import clip
from budgetlib.report.shared_sections import SEVERITY_ORDER, YOY_COLUMNS, check_number

# ----------------------------------------------------------------------------------------------
# project-years: the unit of every total


def project_year_table(forms: Forms) -> pd.DataFrame:
    """``bl.project_years`` of the forms given: one row per project and fiscal year, one budget each."""
    return project_years(forms)


def project_labels(years: pd.DataFrame) -> pd.Series:
    """A label per project-year row: the project's name, with its department where two projects (two
    project keys) share a name, and its code (else key) where they share the department too, so
    that two departments' 雾炮车 projects stay two bars.

    >>> years = pd.DataFrame({"project_key": ["a", "b", "c"], "project_name": ["雾炮车", "雾炮车", "路灯"],
    ...                       "department": ["湘潭市环卫处", "合成县环卫处", "合成县城管局"],
    ...                       "project_code": [None] * 3})
    >>> project_labels(years).tolist()
    ['雾炮车（湘潭市环卫处）', '雾炮车（合成县环卫处）', '路灯']
    """
    names = years["project_name"].where(years["project_name"].notna(), years["project_key"]).astype(str)
    keys_per_name = years.groupby(names)["project_key"].nunique()
    labels = [f"{n}（{d}）" if keys_per_name[n] > 1 and isinstance(d, str) else n
              for n, d in zip(names, years["department"], strict=True)]
    label_series = pd.Series(labels, index=years.index)
    keys_per_label = years.groupby(label_series)["project_key"].nunique()
    codes = years["project_code"].where(years["project_code"].notna(), years["project_key"])
    final = [f"{lab}（{c}）" if keys_per_label[lab] > 1 else lab for lab, c in zip(labels, codes, strict=True)]
    return pd.Series(final, index=years.index, dtype="str")


PROJECT_YEAR_COLUMNS: tuple[str, ...] = (
    "label", "department", "fiscal_year", "budget_yuan", "budget_basis", "n_forms", "form_types",
    "declaration_budget_yuan", "target_budget_yuan", "self_evaluation_budget_yuan", "budget_note",
)


def project_year_list(forms: Forms, years: pd.DataFrame | None = None) -> pd.DataFrame:
    """The project-years as a reader checks them: each project and year once, its budget and where it
    comes from, beside the figures of its other forms (where they disagree, check C17 says so).

    ``years``: :func:`project_year_table` of the same forms, when the report has it already (as the
    overview, the breakdown and the largest projects take it: computed once, not four times).
    """
    years = project_years(forms) if years is None else years
    if years.empty:
        return pd.DataFrame(columns=list(PROJECT_YEAR_COLUMNS))
    return years.assign(label=project_labels(years))[list(PROJECT_YEAR_COLUMNS)]


def _counts_by_type(forms: Forms, by: list[str]) -> pd.DataFrame:
    """Forms per ``by`` and per form type (declaration, target, self-evaluation, other)."""
    projects = forms.projects
    kinds = projects["form_type"].where(projects["form_type"].isin(_COUNTED_TYPES), "other")
    counts = pd.crosstab([projects[c] for c in by], kinds).reindex(columns=[*_COUNTED_TYPES, "other"], fill_value=0)
    counts.columns = [f"{kind}_forms" for kind in counts.columns]
    return counts.assign(forms=counts.sum(axis=1)).reset_index()


_COUNTED_TYPES = ("declaration", "target", "self_evaluation")

OVERVIEW_COLUMNS: tuple[str, ...] = (
    "fiscal_year", "n_projects", "budget_yuan", "n_unknown", "forms", "declaration_forms", "target_forms",
    "self_evaluation_forms", "other_forms",
)


def _known_sum(values: pd.Series) -> float:
    return values.sum(min_count=1)


def overview(forms: Forms, years: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per fiscal year: the projects (project-years), their budget (the sum of the known budgets, each
    project-year once however many forms it has) and how many budgets are unknown; the forms by type
    beside them (``other_forms``: department-wide forms and any other kind, in no project's total).

    Years are never added together: a report over all years has one row per year. ``years``: as
    :func:`project_year_list` takes it.
    """
    years = project_years(forms) if years is None else years
    if forms.projects.empty:
        return pd.DataFrame(columns=list(OVERVIEW_COLUMNS))
    totals = years.groupby("fiscal_year").agg(
        n_projects=("project_key", "size"), budget_yuan=("budget_yuan", _known_sum),
        n_unknown=("budget_yuan", lambda s: int(s.isna().sum())),
    ).reset_index()
    counts = _counts_by_type(forms, ["fiscal_year"])
    table = counts.merge(totals, on="fiscal_year", how="outer")
    table[["n_projects", "n_unknown"]] = table[["n_projects", "n_unknown"]].fillna(0).astype(int)
    return table[list(OVERVIEW_COLUMNS)].sort_values("fiscal_year", kind="stable").reset_index(drop=True)


BREAKDOWN_COLUMNS: tuple[str, ...] = ("label", "fiscal_year", "n_projects", "forms", "budget_yuan", "n_unknown")


def budget_breakdown(forms: Forms, department: str | None = None, years: pd.DataFrame | None = None) -> pd.DataFrame:
    """The budget per department, or per project when the report is about one department, per fiscal
    year (never years added together), from the project-years: each project-year counted once.

    Columns: ``label`` (department, or project labelled as :func:`project_labels`), ``fiscal_year``,
    ``n_projects``, ``forms``, ``budget_yuan`` (sum of the known budgets) and ``n_unknown``
    (project-years whose budget has no stated unit). Sorted by year, then budget, largest first.
    ``years``: as :func:`project_year_list` takes it.
    """
    years = project_years(forms) if years is None else years
    if years.empty:
        return pd.DataFrame(columns=list(BREAKDOWN_COLUMNS))
    label = years["department"].fillna("—") if department is None else project_labels(years)
    table = years.assign(label=label).groupby(["label", "fiscal_year"], sort=False).agg(
        n_projects=("project_key", "nunique"), forms=("n_forms", "sum"), budget_yuan=("budget_yuan", _known_sum),
        n_unknown=("budget_yuan", lambda s: int(s.isna().sum())),
    ).reset_index()
    table = table.sort_values(["fiscal_year", "budget_yuan"], ascending=[True, False], kind="stable",
                              na_position="last")
    return table[list(BREAKDOWN_COLUMNS)].reset_index(drop=True)


def budget_breakdown_chart(table: pd.DataFrame, department: str | None = None) -> Figure | None:
    """Bars of :func:`budget_breakdown`: one bar per department (or project) for one year, a group of
    bars per year when the table holds several."""
    data = table.dropna(subset=["budget_yuan"]).rename(columns={"budget_yuan": "amount_yuan"})
    if data.empty:
        return None
    what = "各部门" if department is None else "各项目"
    years = sorted(int(y) for y in data["fiscal_year"].unique())
    if len(years) == 1:
        return charts.amount_bars(data, title=f"{years[0]}年{what}预算（按项目年度）")
    order = data.groupby("label", sort=False)["amount_yuan"].max().sort_values(ascending=False, kind="stable")
    data = data.set_index("label").loc[order.index].reset_index()
    return charts.yoy_bars(data, title=f"{what}各年度预算（年度之间不相加）")


LARGEST_COLUMNS: tuple[str, ...] = ("label", "department", "fiscal_year", "budget_yuan", "budget_basis", "n_forms")


def largest_projects(forms: Forms, top: int = 12, years: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``top`` projects with the largest budget in any year, every year of them: one row per
    project-year, grouped by project key (not by name: two departments' projects of the same name
    stay apart, labelled with their department). ``years``: as :func:`project_year_list` takes it."""
    years = project_years(forms) if years is None else years
    if years.empty:
        return pd.DataFrame(columns=list(LARGEST_COLUMNS))
    years = years.assign(label=project_labels(years))
    largest = years.groupby("project_key")["budget_yuan"].max().sort_values(ascending=False, kind="stable")
    keep = list(largest.dropna().index[:top])
    rows = years[years["project_key"].isin(keep)]
    rows = rows.assign(_rank=rows["project_key"].map({k: i for i, k in enumerate(keep)}))
    rows = rows.sort_values(["_rank", "fiscal_year"], kind="stable")
    return rows[list(LARGEST_COLUMNS)].reset_index(drop=True)


def largest_projects_chart(table: pd.DataFrame) -> Figure | None:
    """Bars of :func:`largest_projects`: a group per project, a bar per year."""
    data = table.dropna(subset=["budget_yuan"]).rename(columns={"budget_yuan": "amount_yuan"})
    if data.empty:
        return None
    n = data["label"].nunique()
    return charts.yoy_bars(data, title=f"预算最大的 {n} 个项目的年度预算（每个项目每年一个预算）")


CATEGORY_COLUMNS: tuple[str, ...] = ("economic_category", "economic_class", "fiscal_year", "amount_yuan", "n_projects",
                                     "lines", "unknown")


def category_totals(forms: Forms) -> pd.DataFrame:
    """Expenditure by economic category and year, over the project-years: each project-year's own-year
    column of one form's expenditure table (``bl.yoy``'s category lines), never two forms of the same
    project-year nor a prior-year column recalled by next year's form.

    Columns: ``economic_category``, ``economic_class`` (its 类, :func:`budgetlib.analysis.yoy.economic_class`),
    ``fiscal_year``, ``amount_yuan`` (NA when none is known), ``n_projects``, ``lines`` (lines summed)
    and ``unknown`` (of them, those with no stated unit).
    """
    lines = category_lines(forms)
    if lines.empty:
        return pd.DataFrame(columns=list(CATEGORY_COLUMNS))
    own = lines[lines["fiscal_year"] == lines["form_year"]]
    codes = own["economic_code"] if "economic_code" in own.columns else pd.Series(None, index=own.index)
    own = own.assign(economic_class=[economic_class(code, category) for code, category
                                     in zip(codes, own["economic_category"], strict=True)])
    table = own.groupby(["economic_category", "economic_class", "fiscal_year"], sort=False).agg(
        amount_yuan=("amount_yuan", _known_sum), n_projects=("project_key", "nunique"),
        lines=("amount_yuan", "size"), unknown=("amount_yuan", lambda s: int(s.isna().sum())),
    ).reset_index()
    table = table.sort_values(["fiscal_year", "amount_yuan"], ascending=[True, False], kind="stable")
    return table[list(CATEGORY_COLUMNS)].reset_index(drop=True)


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
    """Self-evaluations as published (one per project-year): execution rate of the total line, total
    points and total score."""
    projects = forms.projects[forms.projects["form_id"].isin(set(evaluation_forms(forms)))]
    projects = projects[projects["form_type"] == "self_evaluation"]
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
    """Files that could not be read: the reason in Chinese (its code's title and meaning, from
    ``data/notices.csv``), the reader's message as written beside it (``detail``), and where."""
    errors = forms.errors.reset_index(drop=True)
    reasons = [chinese_reason(code) or pd.NA for code in errors["code"]]
    shown = errors.rename(columns={"error": "detail"}).assign(reason=reasons)
    return shown[["source_file", "reason", "detail", "location"]].astype({"reason": "str"})


# ----------------------------------------------------------------------------------------------
# year over year


def yoy_table(
    forms: Forms, by: YoyBy, *, fiscal_year: int | None = None, department: str | None = None
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
                                       title="单位成本比较（▲ 异常值）")


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
