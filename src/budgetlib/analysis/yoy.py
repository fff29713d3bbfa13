"""Year over year: how much each project, department and economic category grew, and on what basis.

Every figure is a project-year's (:mod:`budgetlib.analysis.project_years`): the same project is
followed across years by its project code, else by its normalised name within its department, and
each project-year has one budget, chosen among its forms by a documented precedence (the
self-evaluation's adjusted or full-year budget, then the target form's annual amount, then the
declaration's current-year budget).

The prior-year figure of a project comes, in order of preference, from

1. ``earlier_form``: the prior year's own form (its budget as stated there);
2. ``stated_in_text``: what this year's form says last year's budget was (前两年预算及当年预算变动情况);
3. ``expenditure_column``: the prior-year column of this year's expenditure table.

The basis is returned with every figure, so a reader can tell a budget from a recollection of one.
Department and category totals are NA, not a partial sum, when a project's amount is unknown (a form
without a stated unit); ``n_unknown`` says how many.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Literal

import pandas as pd

from budgetlib.analysis.project_years import (
    DEFAULT_POLICY,
    ProjectYearPolicy,
    normalise_department,
    normalise_name,
    one_form_each,
    project_keys,
    project_year_forms,
    project_years,
)
from budgetlib.forms import Forms
from budgetlib.transform.normalize import compact
from budgetlib.vocabulary import table

__all__ = ["UNCLASSED", "economic_class", "normalise_name", "project_keys", "project_years", "yoy"]

YoyBy = Literal["project", "department", "economic_category", "economic_class"]
"""What :func:`yoy` can compare year over year."""

PRIOR_BASES = ("earlier_form", "stated_in_text", "expenditure_column")


def _history_by_form(forms: Forms) -> dict[str, list[dict[str, object]]]:
    """Each form's budget_history rows with a known amount, in table order."""
    history = forms.budget_history
    history = history[history["amount_yuan"].notna() & history["fiscal_year"].notna()]
    grouped: dict[str, list[dict[str, object]]] = {}
    for row in history[["form_id", "basis", "fiscal_year", "amount_yuan", "amount_as_written"]].to_dict("records"):
        grouped.setdefault(row["form_id"], []).append(row)
    return grouped


def _own_history(history: dict[str, list[dict[str, object]]], form_ids: str, year: int,
                 basis: str) -> tuple[float, str] | None:
    """The first figure for ``year`` on ``basis`` among the project-year's forms (in priority order)."""
    for form_id in form_ids.split(";"):
        for row in history.get(form_id, ()):
            if row["basis"] == basis and int(row["fiscal_year"]) == year:  # type: ignore[call-overload]
                return float(row["amount_yuan"]), str(row["amount_as_written"])  # type: ignore[arg-type]
    return None


def _change(prior: float | None, current: float | None) -> tuple[float | None, float | None]:
    if prior is None or current is None or pd.isna(prior) or pd.isna(current):
        return None, None
    change = current - prior
    return change, (change / prior if prior > 0 else None)


PROJECT_YOY_TABLES: tuple[str, ...] = ("projects", "budget_execution", "budget_history", "expenditures")
"""The tables :func:`yoy_by_project` reads (a test holds it to that): what a caller that computes one
project's year over year needs to pass of a batch."""


def yoy_by_project(forms: Forms, policy: ProjectYearPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Per project and fiscal year (:func:`~budgetlib.analysis.project_years.project_years`): prior and
    current budget, change in 元 and as a fraction, basis of the prior figure."""
    years = project_years(forms, policy)
    history = _history_by_form(forms)
    lookup = {(k, int(y)): row for k, y, row in zip(years["project_key"], years["fiscal_year"],
                                                     years.to_dict("records"), strict=True)}
    records = []
    for row in years.to_dict("records"):
        year = int(row["fiscal_year"])
        prior: float | None = None
        basis = prior_form = prior_written = None
        earlier = lookup.get((row["project_key"], year - 1))
        if earlier is not None and not pd.isna(earlier["budget_yuan"]):
            prior, basis, prior_form = float(earlier["budget_yuan"]), "earlier_form", earlier["budget_form_id"]
            prior_written = earlier["budget_as_written"]
        else:
            for candidate in PRIOR_BASES[1:]:
                found = _own_history(history, row["form_ids"], year - 1, candidate)
                if found is not None:
                    (prior, prior_written), basis = found, candidate
                    break
        current = None if pd.isna(row["budget_yuan"]) else float(row["budget_yuan"])
        change, fraction = _change(prior, current)
        records.append({
            "project_key": row["project_key"], "project_code": row["project_code"],
            "project_name": row["project_name"], "department": row["department"], "fiscal_year": year,
            "prior_year": year - 1, "prior_yuan": prior, "current_yuan": current, "change_yuan": change,
            "change_fraction": fraction, "prior_basis": basis, "prior_as_written": prior_written,
            "form_id": row["budget_form_id"], "prior_form_id": prior_form,
        })
    return _typed(pd.DataFrame.from_records(records, columns=_PROJECT_COLUMNS))


_PROJECT_COLUMNS = ["project_key", "project_code", "project_name", "department", "fiscal_year", "prior_year",
                    "prior_yuan", "current_yuan", "change_yuan", "change_fraction", "prior_basis",
                    "prior_as_written", "form_id", "prior_form_id"]


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    types: dict[str, str] = {}
    for column in df.columns:
        if column.endswith(("_yuan", "_fraction")):
            types[column] = "float64"
        elif column in ("fiscal_year", "prior_year") or column.startswith("n_"):
            types[column] = "Int64"
        else:
            types[column] = "str"
    return df.astype(types)


def _sum_or_na(values: Iterable[float | None]) -> tuple[float | None, int]:
    values = list(values)
    unknown = sum(1 for v in values if v is None or pd.isna(v))
    return (None if unknown or not values else float(sum(values))), unknown  # type: ignore[arg-type]


NO_DEPARTMENT = "未注明部门"
"""The ``department`` of :func:`yoy_by_department`'s row for the projects whose forms name no department."""

UNCLASSED = "未归类"
"""The ``economic_class`` of :func:`yoy_by_economic_class`'s row for the lines no code or name places."""


def yoy_by_department(forms: Forms, policy: ProjectYearPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Per department and fiscal year: the sum of its project budgets against the year before.

    The prior total is that of the prior year's forms of the department (``earlier_form``) when there
    are any; otherwise the sum of what this year's forms say their projects had last year
    (``stated_in_text`` / ``expenditure_column``), when every project says so.

    Projects whose forms name no department are one row a year labelled :data:`NO_DEPARTMENT`
    (未注明部门), not a blank department: they are not a department but what is left, kept in the
    table so the departments' rows still add up to every project, and named so that nobody reads
    them as one department's spending.
    """
    by_project = yoy_by_project(forms, policy)
    if by_project.empty:
        return _typed(pd.DataFrame(columns=_GROUP_COLUMNS("department")))
    by_project = by_project.assign(_dept=by_project["department"].map(normalise_department))
    display = by_project.groupby("_dept")["department"].agg(lambda s: s.mode().iloc[0] if s.notna().any() else None)
    groups = {(dept, int(year)): group for (dept, year), group in by_project.groupby(["_dept", "fiscal_year"])}
    none = by_project.iloc[0:0]
    records = []
    for (dept, year), group in sorted(groups.items()):
        current, unknown = _sum_or_na(group["current_yuan"])
        earlier = groups.get((dept, year - 1), none)
        keys_now, keys_before = set(group["project_key"]), set(earlier["project_key"])
        if len(earlier):
            prior, prior_unknown = _sum_or_na(earlier["current_yuan"])
            basis: str | None = "earlier_form"
        else:
            prior, prior_unknown = _sum_or_na(group["prior_yuan"])
            bases = sorted(set(group["prior_basis"].dropna()))
            basis = "+".join(bases) if prior is not None else None
        change, fraction = _change(prior, current)
        records.append({
            "department": display[dept] if dept else NO_DEPARTMENT, "fiscal_year": year, "prior_year": year - 1,
            "prior_yuan": prior,
            "current_yuan": current, "change_yuan": change, "change_fraction": fraction, "prior_basis": basis,
            "n_projects": len(group), "n_unknown": unknown, "n_prior_unknown": prior_unknown,
            "n_new": len(keys_now - keys_before) if len(earlier) else None,
            "n_ended": len(keys_before - keys_now) if len(earlier) else None,
        })
    return _typed(pd.DataFrame.from_records(records, columns=_GROUP_COLUMNS("department")))


def _GROUP_COLUMNS(key: str) -> list[str]:
    return [key, "fiscal_year", "prior_year", "prior_yuan", "current_yuan", "change_yuan", "change_fraction",
            "prior_basis", "n_projects", "n_unknown", "n_prior_unknown", "n_new", "n_ended"]


_LINE_COLUMNS = ["project_key", "form_year", "form_id", "economic_category", "fiscal_year", "amount_yuan"]


def category_lines(forms: Forms, policy: ProjectYearPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """The expenditure lines of one form per project-year: its budget form's when that form has an
    expenditure table, else the first of its other forms (in precedence order) that has one.

    Never the lines of two forms of one project-year, so a category total counts each project-year
    once. Only declarations usually break a budget down by economic category: when the budget comes
    from a self-evaluation, the split is the declaration's (of its declared budget).
    """
    forms_of_years = project_year_forms(forms, policy)
    expenditures = forms.expenditures
    if forms_of_years.empty or expenditures.empty:
        return pd.DataFrame(columns=_LINE_COLUMNS)
    by_form = dict(iter(expenditures.groupby("form_id", sort=False)))
    ordered = one_form_each(forms_of_years, by_form)
    frames = [by_form[row.form_id].assign(project_key=row.project_key, form_year=int(row.fiscal_year))
              for row in ordered.itertuples()]
    if not frames:
        return pd.DataFrame(columns=_LINE_COLUMNS)
    lines = pd.concat(frames, ignore_index=True)
    return lines.assign(economic_category=lines["economic_category"].map(lambda c: compact(c) if isinstance(c, str)
                                                                          else c))


def yoy_by_economic_category(forms: Forms, policy: ProjectYearPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Per economic category (经济科目) and fiscal year: like for like, the year's projects against the
    same projects the year before.

    Only declarations break a budget down by category, so the projects compared in year Y are those
    with an expenditure table in Y (one form's lines per project-year: :func:`category_lines`). For
    each, the current figure is its column of year Y; the prior figure is its own column in its Y−1
    form (``earlier_form``) when the set holds one, else the Y−1 column of its year-Y form
    (``expenditure_column``). A project without either leaves the prior of
    its categories unknown (NA). A category a project does not list counts 0 for that project.
    """
    return _yoy_by_line_group(category_lines(forms, policy), "economic_category")


def economic_class(code: object, category: object) -> str:
    """The class (类) of an expenditure line, as "302 商品和服务支出": by its code's first three digits
    when that is a class of ``data/economic_classes.csv``, else by its name among the items there
    (NFKC, no spaces: 维修（护）费 and 维修(护)费 are one); :data:`UNCLASSED` when neither says.

    A form lists lines by item (维修(护)费, 邮电费); a bureau reads its budget by class too (商品和服务支出
    against 资本性支出), and the forms seldom give the codes that would say so.

    >>> economic_class("30213", None), economic_class(None, "维修（护）费"), economic_class(None, "保安服务费")
    ('302 商品和服务支出', '302 商品和服务支出', '未归类')
    """
    labels, by_name = _economic_classes()
    if isinstance(code, str):
        digits = re.match(r"\d{3}", unicodedata.normalize("NFKC", code).strip())
        if digits and digits.group() in labels:
            return labels[digits.group()]
    if isinstance(category, str):
        found = by_name.get(compact(category))
        if found is not None:
            return labels[found]
    return UNCLASSED


@cache
def _economic_classes() -> tuple[dict[str, str], dict[str, str]]:
    """The classes' labels by code ("302" → "302 商品和服务支出"), and each item name's class code."""
    rows = table("economic_classes.csv")
    labels = {row["code"]: f"{row['code']} {row['name']}" for row in rows if row["code"] == row["class_code"]}
    by_name: dict[str, str] = {}
    for row in rows:
        if row["code"] != row["class_code"]:
            for name in (row["name"], *filter(None, row["aliases"].split("|"))):
                by_name.setdefault(compact(name), row["class_code"])
    return labels, by_name


def yoy_by_economic_class(forms: Forms, policy: ProjectYearPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Per economic class (类: 301 工资福利支出, 302 商品和服务支出, 310 资本性支出 …) and fiscal year:
    :func:`yoy_by_economic_category` with each line put in its class (:func:`economic_class`). Lines
    no code or name places are one row, :data:`UNCLASSED` (未归类), so the classes still add up to
    every line."""
    lines = category_lines(forms, policy)
    if lines.empty:
        return _typed(pd.DataFrame(columns=_GROUP_COLUMNS("economic_class")))
    codes = lines["economic_code"] if "economic_code" in lines.columns else pd.Series(None, index=lines.index)
    classes = [economic_class(code, category) for code, category in zip(codes, lines["economic_category"], strict=True)]
    return _yoy_by_line_group(lines.assign(economic_class=classes), "economic_class")


def _yoy_by_line_group(lines: pd.DataFrame, column: str) -> pd.DataFrame:
    """The like-for-like year over year of :func:`yoy_by_economic_category`, per value of ``column``."""
    if lines.empty:
        return _typed(pd.DataFrame(columns=_GROUP_COLUMNS(column)))
    own = lines[lines["fiscal_year"] == lines["form_year"]]
    in_prior_column = lines[lines["fiscal_year"] == lines["form_year"] - 1]
    own_by = {key: group for key, group in own.groupby(["project_key", "form_year"], sort=False)}
    column_by = {key: group for key, group in in_prior_column.groupby(["project_key", "form_year"], sort=False)}
    records = []
    for year in sorted({int(y) for y in own["form_year"]}):
        current: dict[str, list[float | None]] = {}
        prior: dict[str, list[float | None]] = {}
        bases: dict[str, set[str]] = {}
        projects: dict[str, set[str]] = {}
        unknown_prior_projects: list[pd.DataFrame] = []
        for (project_key, form_year), now in own_by.items():
            if int(form_year) != year:
                continue
            earlier = own_by.get((project_key, year - 1))
            before, basis = (earlier, "earlier_form") if earlier is not None else (
                column_by.get((project_key, year)), "expenditure_column")
            for row in now.itertuples():
                current.setdefault(getattr(row, column), []).append(_float_or_none(row.amount_yuan))
                projects.setdefault(getattr(row, column), set()).add(project_key)
            if before is None:
                unknown_prior_projects.append(now)
                continue
            for row in before.itertuples():
                prior.setdefault(getattr(row, column), []).append(_float_or_none(row.amount_yuan))
                projects.setdefault(getattr(row, column), set()).add(project_key)
            for category in set(now[column]) | set(before[column]):
                bases.setdefault(category, set()).add(basis)
        unknown_categories = {c for frame in unknown_prior_projects for c in frame[column]}
        for category in sorted(set(current) | set(prior)):
            now_total, unknown = _sum_or_na(current.get(category, [])) if category in current else (0.0, 0)
            if category in unknown_categories:
                before_total, prior_unknown, prior_basis = None, 1, None
            else:
                before_total, prior_unknown = _sum_or_na(prior[category]) if category in prior else (0.0, 0)
                prior_basis = "+".join(sorted(bases.get(category, set()))) or None
            change, fraction = _change(before_total, now_total)
            records.append({
                column: category, "fiscal_year": year, "prior_year": year - 1, "prior_yuan": before_total,
                "current_yuan": now_total, "change_yuan": change, "change_fraction": fraction,
                "prior_basis": prior_basis,
                "n_projects": len(projects.get(category, ())), "n_unknown": unknown, "n_prior_unknown": prior_unknown,
                "n_new": None, "n_ended": None,
            })
    return _typed(pd.DataFrame.from_records(records, columns=_GROUP_COLUMNS(column)))


def _float_or_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def yoy(
    forms: Forms,
    by: YoyBy = "project",
    policy: ProjectYearPolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """Year-over-year change by project, department, economic category (经济科目) or economic class (类).

    Every row has fiscal_year, prior_year, prior_yuan, current_yuan, change_yuan, change_fraction
    (change / prior; NA when the prior is 0 or unknown) and prior_basis (earlier_form,
    stated_in_text, expenditure_column). Every figure is a project-year's
    (:func:`~budgetlib.analysis.project_years.project_years`, its budget chosen by ``policy``), so a
    project with a declaration and a self-evaluation in one year counts once.

    >>> import budgetlib as bl
    >>> bl.yoy(bl.read_forms(["data/raw"]), by="department")  # doctest: +SKIP
    """
    if by == "project":
        return yoy_by_project(forms, policy)
    if by == "department":
        return yoy_by_department(forms, policy)
    if by == "economic_category":
        return yoy_by_economic_category(forms, policy)
    if by == "economic_class":
        return yoy_by_economic_class(forms, policy)
    raise ValueError(f"by must be 'project', 'department', 'economic_category' or 'economic_class', not {by!r}")
