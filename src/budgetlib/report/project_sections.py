"""Sections of the project report (``notebooks/project_report.ipynb``): one form, read in full.

Facts and prose as written, funding sources with the form's own 合计, the cost basis item by item,
year over year of the project, the self-evaluation's money lines, the indicators, the scores where
there are actuals, the review findings and what the reader could not place. The scenario explorer
shows the same heading and cost basis. Sections shared with other reports (expenditure, budget
history, year-over-year charts) are in :mod:`budgetlib.report.shared_sections`.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from budgetlib import charts
from budgetlib.analysis.project_years import project_keys, project_year_forms
from budgetlib.analysis.yoy import PROJECT_YOY_TABLES, yoy
from budgetlib.formatting import format_money, format_percent, format_points, is_missing
from budgetlib.forms import Forms
from budgetlib.notices import chinese_description, chinese_title
from budgetlib.report.data import subset
from budgetlib.report.precomputed import batch_project_keys, yoy_from_batch
from budgetlib.report.present import Table, column_format, heading, label, one_line, unit_of
from budgetlib.report.shared_sections import SEVERITY_ORDER, YOY_COLUMNS, check_number, with_stated_targets
from budgetlib.scoring.engine import ScoreResult

FACT_FIELDS: tuple[str, ...] = (
    "project_name", "project_code", "form_type", "fiscal_year", "department", "department_code",
    "implementing_unit", "manager", "category", "period", "total_budget_yuan", "total_budget_as_written",
    "current_year_budget_yuan", "budget_as_written", "amount_unit", "source_file",
)
"""The facts block of a project report, in reading order."""

TEXT_FIELDS: tuple[str, ...] = (
    "application_reason", "main_content", "overall_goal", "annual_goal", "budget_change_text",
    "goal_completion", "evaluation_conclusion",
)
"""The prose fields of a form, shown as written."""


# ----------------------------------------------------------------------------------------------
# the form as written


def _name_of(form: Forms) -> str:
    names = form.projects["project_name"].dropna()
    return str(names.iloc[0]) if len(names) else str(form.projects["form_id"].iloc[0])


def project_heading(form: Forms) -> HTML:
    """Title: the project's name; subtitle: department · year · form type."""
    row = form.projects.iloc[0]
    parts = [
        "" if is_missing(row["department"]) else str(row["department"]),
        "" if is_missing(row["fiscal_year"]) else f"{row['fiscal_year']}年",
        label("form_type", row["form_type"]),
    ]
    return heading(_name_of(form), " · ".join(p for p in parts if p))


def project_facts(form: Forms) -> pd.DataFrame:
    """The form's header facts as (field, value) rows, money in 万元 beside the amount as written."""
    row = form.projects.iloc[0]
    rows = []
    for field in FACT_FIELDS:
        value = row[field]
        if unit_of(field)[0] == "元" and not is_missing(value):
            shown = f"{format_money(value, '万元')} 万元"
        else:
            shown = str(column_format(field)(value))
        rows.append({"field": label("column", field), "value": shown})
    return pd.DataFrame(rows, columns=["field", "value"])


def project_texts(form: Forms) -> pd.DataFrame:
    """The form's prose (application reason, content, goals …) as (field, value) rows, as written."""
    row = form.projects.iloc[0]
    rows = [{"field": label("column", f), "value": str(row[f])} for f in TEXT_FIELDS if not is_missing(row[f])]
    return pd.DataFrame(rows, columns=["field", "value"])


def funding_lines(form: Forms) -> pd.DataFrame:
    """Funding-source lines as written, with the form's own 合计 line when it states one."""
    columns = ["line_no", "source_name", "parent_source", "scope", "amount_yuan", "amount_as_written"]
    lines = form.funding[columns].copy()
    totals = form.stated_totals
    totals = totals[(totals["of_table"] == "funding") & (totals["quantity"] == "amount")]
    if len(totals):
        stated = pd.DataFrame({
            "line_no": pd.array([pd.NA] * len(totals), dtype="Int64"),
            "source_name": [f"{t}（表内合计）" for t in totals["label"]],
            "parent_source": pd.array([pd.NA] * len(totals), dtype="str"),
            "scope": pd.array([pd.NA] * len(totals), dtype="str"),
            "amount_yuan": totals["value_yuan"].to_numpy(),
            "amount_as_written": totals["as_written"].to_numpy(),
        })
        lines = pd.concat([lines, stated], ignore_index=True)
    return lines.reset_index(drop=True)


def funding_chart(lines: pd.DataFrame) -> Figure | None:
    """Bars of the funding lines with a known amount (其中 rows marked, the 合计 line left out)."""
    rows = lines.dropna(subset=["amount_yuan"])
    rows = rows[rows["line_no"].notna() & (rows["amount_yuan"] != 0)]
    if rows.empty:
        return None
    labels = [
        f"{name}{'（其中）' if not is_missing(parent) else ''}{'·总额' if scope == 'total' else ''}"
        for name, parent, scope in zip(rows["source_name"], rows["parent_source"], rows["scope"], strict=True)
    ]
    data = pd.DataFrame({"label": labels, "amount_yuan": rows["amount_yuan"].to_numpy()})
    return charts.amount_bars(data, title="资金来源", sort=False)


def budget_execution(form: Forms) -> pd.DataFrame:
    """Self-evaluation money lines as written: budgets, executed amount, rate, points and score."""
    columns = ["fund_line", "initial_budget_yuan", "full_year_budget_yuan", "adjusted_budget_yuan",
               "executed_yuan", "execution_rate", "weight", "score"]
    return form.budget_execution[columns].reset_index(drop=True)


def indicator_table(forms: Forms) -> pd.DataFrame:
    """Indicators as written: levels, name, target (with the sign and unit of its own 指标性质 and
    度量单位 cells: :func:`~budgetlib.report.shared_sections.with_stated_targets`), points, actual and score."""
    columns = ["horizon", "level1", "level2", "name", "stated_target", "weight", "actual_text", "score"]
    return with_stated_targets(forms.indicators, forms.indicators)[columns].reset_index(drop=True)


def reading_notes(forms: Forms) -> pd.DataFrame:
    """Source cells no table took (``unparsed``) and what the reader worked around (``warnings``).

    An unread cell shows its text as written. A warning reads under its Chinese title
    (读取提示：未写金额单位) with what its code means in Chinese (``data/notices.csv``); its message, the
    reader's particulars (which cells, how many), stays beside them as ``detail``, as written, so
    that nothing the reader said is lost on the page."""
    unparsed = forms.unparsed.rename(columns={"text": "content"}).assign(field="未解析内容", detail=pd.NA)
    codes = forms.warnings["code"]
    warnings = forms.warnings.rename(columns={"message": "detail", "location": "origin"}).assign(
        field=[f"读取提示：{title}" if (title := chinese_title(code)) else "读取提示" for code in codes],
        content=[chinese_description(code) or pd.NA for code in codes],
    )
    columns = ["field", "content", "detail", "origin"]
    parts = [part[columns].astype("str") for part in (unparsed, warnings) if len(part)]
    return pd.concat(parts, ignore_index=True) if parts else unparsed[columns].astype("str")


# ----------------------------------------------------------------------------------------------
# year over year and cost basis


def same_project(forms: Forms, form: Forms) -> Forms:
    """The forms of ``forms`` that belong to the project of ``form`` (its forms of every year, as
    :func:`~budgetlib.analysis.project_years.project_keys` joins them), in the tables a project's year
    over year reads (:data:`~budgetlib.analysis.yoy.PROJECT_YOY_TABLES`).

    Why: a project's year over year needs only its own forms. Computed over the whole batch for
    every project report, the reports of a batch of N forms would cost N² between them. Which forms
    are the project's comes from the batch's keys, found once, when ``forms`` is the batch's
    (:func:`budgetlib.report.precomputed.batch_project_keys`).
    """
    projects = forms.projects
    keys = batch_project_keys(projects)
    if keys is None:
        keys = project_keys(projects)
    mine = set(keys[projects["form_id"].isin(set(form.projects["form_id"]))])
    return subset(forms, set(projects.loc[keys.isin(mine), "form_id"]), keep_errors=False, tables=PROJECT_YOY_TABLES)


def project_yoy(forms: Forms, form: Forms) -> pd.DataFrame:
    """Year over year of the project ``form`` belongs to, over every year of it found in ``forms``.

    ``forms`` is all the data, not just the one form, so that the prior year's own form is found
    when it is there (``bl.yoy`` prefers it over what this year's form says about last year). Each
    year's figure is the project-year's (its budget form's, which may be another form of that year
    than ``form``). The same rows as ``bl.yoy(forms)`` has for the project: in a batch, taken from
    the batch's, computed once (:func:`budgetlib.report.precomputed.yoy_from_batch`), otherwise
    computed from the project's forms alone.
    """
    columns = ["project_name", *YOY_COLUMNS, "prior_as_written"]
    batch = yoy_from_batch(forms)
    if batch is None:
        own = same_project(forms, form)
        table, year_forms = yoy(own, by="project"), project_year_forms(own)
    else:
        table, year_forms = batch
    keys = set(year_forms.loc[year_forms["form_id"].isin(set(form.projects["form_id"])), "project_key"])
    rows = table[table["project_key"].isin(keys)].sort_values("fiscal_year", kind="stable")
    return rows[columns].reset_index(drop=True)


COST_COLUMNS: tuple[str, ...] = (
    "item_no", "description", "quantity", "quantity_unit", "unit_price_yuan", "price_basis", "list_amount_yuan",
    "stated_amount_yuan", "implied_unit_cost_yuan", "package_ratio",
)


def cost_basis(form: Forms) -> pd.DataFrame:
    """The form's cost basis (测算依据) item by item: quantity × unit price as written, the amount the
    form states, and the unit cost it implies (stated amount ÷ quantity)."""
    items = form.cost_items
    items = items[~items["is_total"].fillna(False).astype(bool)]
    return items[list(COST_COLUMNS)].reset_index(drop=True)


def cost_chart(items: pd.DataFrame) -> Figure | None:
    """Bars of the items' stated amounts, the list amount (quantity × unit price) behind them."""
    if items.dropna(subset=["stated_amount_yuan"]).empty:
        return None
    # the item's text clipped to one line: full sentences on the axis overlap (the table has them whole)
    return charts.cost_breakdown(items.assign(description=[one_line(d, 30) for d in items["description"]]))


# ----------------------------------------------------------------------------------------------
# review findings


FINDING_COLUMNS: tuple[str, ...] = ("severity", "check_id", "dimension", "message", "location")


def findings_table(form: Forms) -> pd.DataFrame:
    """The review findings (checks C1–C16) of the forms given, errors first, then warnings, then
    notes, each in check order."""
    found = form.findings
    if found.empty:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    rank = found["severity"].map({s: i for i, s in enumerate(SEVERITY_ORDER)})
    found = found.assign(_rank=rank, _check=check_number(found["check_id"]))
    found = found.sort_values(["_rank", "_check"], kind="stable")
    return found[list(FINDING_COLUMNS)].reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# scores


def has_actuals(form: Forms) -> bool:
    """Whether there is anything to score: a self-evaluation, or any indicator with an actual."""
    is_self_evaluation = bool((form.projects["form_type"] == "self_evaluation").any())
    return is_self_evaluation or bool(form.indicators["actual_text"].notna().any())


def _not_scored_note(form: Forms) -> str:
    kinds = "、".join(label("form_type", t) for t in dict.fromkeys(form.projects["form_type"]))
    return f"本表为{kinds}，没有实际完成值，不计分。"


def _out_of(points: object, weight: object) -> str:
    return f"{format_points(points)} / {format_points(weight)}"


def score_totals(result: ScoreResult, form: Forms) -> Table:
    """The total as computed beside the total the form publishes, and how it was reached (the
    scoring's own explanation); one line saying so where the form has no actuals."""
    if not has_actuals(form):
        return Table(pd.DataFrame(columns=["field", "value"]), empty=_not_scored_note(form))
    row = result.forms.iloc[0]
    rows = [
        ("execution_rate", format_percent(row["execution_rate"])),
        ("budget_execution_score", _out_of(row["execution_score"], row["execution_weight"])),
        ("indicator_score", _out_of(row["indicator_score"], row["indicator_weight"])),
        ("total_score", _out_of(row["total_score"], row["total_weight"])),
        ("grade", "—（未完整计分）" if is_missing(row["grade"]) else str(row["grade"])),
        ("official_total_score", format_points(row["official_total_score"])),
        ("official_difference", format_points(row["official_difference"])),
        ("explanation", str(row["explanation"])),
    ]
    data = pd.DataFrame({"field": [label("column", k) for k, _ in rows], "value": [v for _, v in rows]})
    return Table(data, max_width=200)


INDICATOR_SCORE_COLUMNS: tuple[str, ...] = (
    "level1_std", "name", "stated_target", "actual_text", "weight", "attainment", "computed_score", "published_score",
    "note",
)


def indicator_scores(result: ScoreResult, form: Forms) -> Table | None:
    """Each indicator's target, actual, attainment and computed score beside the published score;
    nothing where the form has no actuals (:func:`score_totals` says so once)."""
    if not has_actuals(form):
        return None
    scored = with_stated_targets(result.indicators, form.indicators)
    return Table(scored[list(INDICATOR_SCORE_COLUMNS)].reset_index(drop=True))


def attainment_chart(result: ScoreResult, form: Forms) -> Figure | None:
    """Attainment of each indicator of a form with actuals (none without)."""
    if not has_actuals(form) or result.indicators.empty:
        return None
    return charts.attainment(result.indicators)
