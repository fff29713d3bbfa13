"""Sections that more than one report notebook shows: expenditure and budget history (project and
annual reports), year-over-year charts, the scores and their overview (every report), the title of
a report over many forms (annual report, indicator attainment) and the order of review findings.

Each function returns a section table (English columns, raw values: money in 元, NA where unknown)
or a Figure; :mod:`budgetlib.report.present` shows it. Conventions:

- Sums of money use ``min_count=1`` and say how many amounts were unknown: an amount the form
  states without a unit is NA, never 0, and a total over unknowns is unknown.
- Contradictions are shown side by side with their basis (a prior year stated in the text and in a
  year column), never resolved here.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from budgetlib import charts, schema
from budgetlib.analysis.project_years import evaluation_forms
from budgetlib.forms import Forms
from budgetlib.report.precomputed import scores_from_batch
from budgetlib.report.present import heading, label
from budgetlib.scoring.engine import ScoreResult, score
from budgetlib.scoring.policy import ScoringPolicy
from budgetlib.transform.targets import stated_target

# ----------------------------------------------------------------------------------------------
# headings


def annual_heading(forms: Forms, *, fiscal_year: int | None, department: str | None) -> HTML:
    """Title of a report over many forms: scope (department or all) and year (or all years)."""
    who = department if department else "全部部门"
    when = f"{fiscal_year}年度" if fiscal_year is not None else "全部年度"
    count = len(forms.projects)
    return heading(f"预算绩效年度报告：{who}", f"{when} · {count} 张表")


# ----------------------------------------------------------------------------------------------
# expenditure and budget history


def expenditure_table(forms: Forms) -> pd.DataFrame:
    """Expenditure by economic category × year (元), summed over the forms given.

    One row per category and year: ``amount_yuan`` (NA when no amount is known), ``lines`` (how
    many expenditure lines were summed) and ``unknown`` (how many of them had no stated unit).
    """
    exp = forms.expenditures
    if exp.empty:
        return pd.DataFrame(columns=["economic_category", "fiscal_year", "amount_yuan", "lines", "unknown"])
    grouped = exp.groupby(["economic_category", "fiscal_year"], sort=False, dropna=False)
    table = grouped.agg(
        amount_yuan=("amount_yuan", lambda s: s.sum(min_count=1)),
        lines=("amount_yuan", "size"),
        unknown=("amount_yuan", lambda s: int(s.isna().sum())),
    ).reset_index()
    return table.sort_values(["economic_category", "fiscal_year"], kind="stable").reset_index(drop=True)


def expenditure_chart(table: pd.DataFrame) -> Figure | None:
    """Year-over-year bars per economic category."""
    if table.dropna(subset=["amount_yuan"]).empty:
        return None
    data = table.rename(columns={"economic_category": "label"})
    return charts.yoy_bars(data, title="支出明细：按经济分类和年度")


def budget_history(forms: Forms) -> pd.DataFrame:
    """What the forms say each year's budget was, one row per project × year × basis.

    Bases are kept apart (本表预算, 文字说明, 支出明细年度列, 往年表): where two disagree, both show.
    """
    columns = ["project_name", "fiscal_year", "basis", "amount_yuan", "amount_as_written", "note"]
    hist = forms.budget_history[columns]
    return hist.sort_values(["project_name", "fiscal_year", "basis"], kind="stable").reset_index(drop=True)


def budget_history_chart(history: pd.DataFrame, *, by: str = "basis") -> Figure | None:
    """Bars per year, grouped by basis: what one project's forms say each year's budget was.

    Only ``by="basis"``: bars per project summed from this table would add a project's declaration
    and self-evaluation of one year together and merge two departments' projects of one name; the
    annual report's :func:`~budgetlib.report.annual_sections.largest_projects_chart` draws the
    project-years instead.
    """
    if by != "basis":
        raise ValueError(f"budget_history_chart draws one project's history by basis, not by {by!r}; for budgets "
                         "by project use annual_sections.largest_projects_chart (one budget per project-year)")
    rows = history.dropna(subset=["amount_yuan"])
    data = rows.assign(label=[label("basis", b) for b in rows["basis"]])
    if data.empty:
        return None
    return charts.yoy_bars(data, title="预算沿革：各依据所述年度预算")


# ----------------------------------------------------------------------------------------------
# year over year


YOY_COLUMNS: tuple[str, ...] = (
    "fiscal_year", "prior_year", "prior_yuan", "current_yuan", "change_yuan", "change_fraction", "prior_basis",
)
"""What every year-over-year table shows beside its label column; the basis of the prior figure is
always shown (a budget and a recollection of one are not the same evidence)."""


def largest_changes(table: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` rows of a year-over-year table with the largest change in 元, either way
    (unknown changes last, never ranked as 0)."""
    order = table["change_yuan"].abs().sort_values(ascending=False, kind="stable", na_position="last").index
    ranked = table.loc[order]
    return ranked[ranked["change_yuan"].notna()].head(top).reset_index(drop=True)


def yoy_long(table: pd.DataFrame, label_column: str) -> pd.DataFrame:
    """A year-over-year table as the bars draw it: one row per label × year. A year's own figure
    (``current_yuan``) wins over the same year recalled as the next year's prior."""
    current = pd.DataFrame({
        "label": table[label_column].to_numpy(), "fiscal_year": table["fiscal_year"].to_numpy(),
        "amount_yuan": table["current_yuan"].to_numpy(), "change_fraction": table["change_fraction"].to_numpy(),
    })
    prior = pd.DataFrame({
        "label": table[label_column].to_numpy(), "fiscal_year": table["prior_year"].to_numpy(),
        "amount_yuan": table["prior_yuan"].to_numpy(), "change_fraction": float("nan"),
    }).dropna(subset=["fiscal_year", "amount_yuan"])
    rows = pd.concat([current, prior], ignore_index=True).drop_duplicates(["label", "fiscal_year"], keep="first")
    return rows.sort_values(["fiscal_year"], kind="stable").reset_index(drop=True)


def yoy_chart(table: pd.DataFrame, label_column: str, *, top: int = 10, title: str | None = None) -> Figure | None:
    """YoY bars; with more than ``top`` labels, only those with the largest changes (the printed
    table has them all)."""
    if table.empty or table[["prior_yuan", "current_yuan"]].isna().all().all():
        return None
    labels = list(dict.fromkeys(largest_changes(table, top=len(table))[label_column]))[:top] or list(
        dict.fromkeys(table[label_column]))[:top]
    long = yoy_long(table[table[label_column].isin(labels)], label_column)
    return charts.yoy_bars(long, title=title or "年度对比")


# ----------------------------------------------------------------------------------------------
# indicator targets


def with_stated_targets(table: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """``table`` (rows of indicators: ``form_id``, ``indicator_no``, ``target_text``) with
    ``stated_target``: each target as its form states it over the 指标性质 / 指标值 / 度量单位 cells
    (:func:`~budgetlib.transform.targets.stated_target`: "32", "≥" and "人" read "≥32人").

    Why: a form of that layout writes only the number under 指标值, so a report showing
    ``target_text`` alone would tell the reader "32" where the form says "at least 32 people". The
    comparator and unit come from ``indicators`` (the forms' indicators table) by form and number;
    a row it lacks keeps its ``target_text``.
    """
    stated: dict[tuple[object, object], str | None] = {}
    repeated: set[tuple[object, object]] = set()
    for form_id, number, text, comparator, unit in zip(
            indicators["form_id"], indicators["indicator_no"], indicators["target_text"], indicators["comparator"],
            indicators["unit"], strict=True):
        key = (form_id, number)
        if key in stated:
            repeated.add(key)
        stated[key] = stated_target(text, comparator, unit)
    values = [
        stated[(form_id, number)] if (form_id, number) in stated and (form_id, number) not in repeated
        else (text if isinstance(text, str) else None)
        for form_id, number, text in zip(table["form_id"], table["indicator_no"], table["target_text"], strict=True)
    ]
    return table.assign(stated_target=pd.array(values, dtype=indicators["target_text"].dtype))


# ----------------------------------------------------------------------------------------------
# scores


def scores(forms: Forms) -> ScoreResult:
    """``bl.score`` with the default policy (ScoringPolicy's documented defaults), so every report
    scores alike. In a batch, the batch's scores of these forms when they are its forms unchanged
    (:mod:`budgetlib.report.precomputed`: the same rows, scored once for all reports)."""
    batch = scores_from_batch(forms)
    return batch if batch is not None else score(forms, policy=ScoringPolicy())


SCORE_OVERVIEW_COLUMNS: tuple[str, ...] = (
    "project_name", "fiscal_year", "execution_rate", "total_weight", "total_score", "grade", "official_total_score",
    "official_difference",
)


def score_overview(result: ScoreResult, forms: Forms | None = None) -> pd.DataFrame:
    """The self-evaluations scored: execution rate, computed total and grade beside the published total.
    A grade is only given when every indicator could be scored (``is_complete``). Given the
    ``forms`` scored, one self-evaluation per project-year (``evaluation_forms``), so a re-filed
    self-evaluation is not graded twice."""
    table = result.forms[result.forms["form_type"] == "self_evaluation"]
    if forms is not None:
        table = table[table["form_id"].isin(set(evaluation_forms(forms)))]
    table = table.sort_values(["fiscal_year", "project_name"], kind="stable")
    return table[list(SCORE_OVERVIEW_COLUMNS)].reset_index(drop=True)


NOT_GRADED = "未完整计分"


def grade_distribution(overview: pd.DataFrame) -> pd.DataFrame:
    """Self-evaluations per grade, best grade first (the policy's grade order); those not completely
    scored are counted as such, not graded."""
    order = [grade for grade, _ in ScoringPolicy().grade_floors] + [NOT_GRADED]
    grades = overview["grade"].astype("object").where(overview["grade"].notna(), NOT_GRADED)
    counts = grades.value_counts()
    present_order = [g for g in order if g in counts.index] + sorted(set(counts.index) - set(order))
    return pd.DataFrame({"grade": present_order, "forms": [int(counts[g]) for g in present_order]})


def score_chart(overview: pd.DataFrame) -> Figure | None:
    """Each self-evaluation's computed total as a share of its points (full marks at 100 %)."""
    rows = overview.dropna(subset=["total_score", "total_weight"])
    if rows.empty:
        return None
    data = pd.DataFrame({
        "name": [f"{n} {y}" for n, y in zip(rows["project_name"], rows["fiscal_year"], strict=True)],
        "attainment": (rows["total_score"] / rows["total_weight"]).to_numpy(),
        "computed_score": rows["total_score"].round(2).to_numpy(), "weight": rows["total_weight"].to_numpy(),
    })
    left_out = len(overview) - len(rows)
    note = f"（另有 {left_out} 张未能计算总分，未画出）" if left_out else ""
    return charts.attainment(data, title=f"自评计算总分 / 总分值{note}", marks=("满分", "未得满分"),
                             xlabel="计算总分占总分值")


# ----------------------------------------------------------------------------------------------
# review findings


SEVERITY_ORDER: tuple[str, ...] = schema.SEVERITIES
"""Findings are listed and counted in this order: errors first."""


def check_number(check_id: pd.Series) -> pd.Series:
    """The number of each check id (C2 → 2), so that C2 sorts before C11."""
    return pd.to_numeric(check_id.str.extract(r"(\d+)", expand=False), errors="coerce")
