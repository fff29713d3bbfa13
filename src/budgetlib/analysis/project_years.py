"""Project-years: one row per project and fiscal year, the unit every total is taken over.

A project files several forms for one year: a declaration (部门项目申报及绩效目标表) or a target form
(绩效目标表) before the year, a self-evaluation (绩效自评表) after it, sometimes a revised target form.
Added up form by form, such a project counts two or three times. Here the forms of one project and
year become one row with one budget, chosen by a documented precedence (:class:`ProjectYearPolicy`):

1. ``self_evaluation:adjusted_budget``: the self-evaluation's 调整后预算数 (its budget-execution total
   line): the budget as it stood at year end;
2. ``self_evaluation:full_year_budget``: the self-evaluation's 全年预算数 (same line; templates use one
   word or the other);
3. ``self_evaluation:current_year_budget``: the budget the self-evaluation's header states, for one
   without a budget-execution total line;
4. ``target:current_year_budget``: the target form's annual amount (年度资金总额);
5. ``declaration:current_year_budget``: the declaration's current-year budget (项目当年预算).

A self-evaluation's 年初预算数 (the budget at the start of the year) is none of these: beside a blank
全年预算数 it is passed over, and it stays in ``self_evaluation_initial_budget_yuan``.

An amount whose unit the form does not state is unknown (NA), never 0. When the first source the
project-year has is unknown but a later one is known, the later one is used (``fall_through``, on by
default): it is the same budget stated by another form, not a guess. ``budget_basis`` always names
the source used and ``budget_note`` says why an earlier one was passed over. When no source is
known, ``budget_yuan`` is NA and the basis and text are those of the first source.

The figures of the other forms stay beside the chosen one (``declaration_budget_yuan``,
``target_budget_yuan``, ``self_evaluation_budget_yuan``, the self-evaluation's 年初预算数 and 全年执行数),
so a disagreement is visible (the review flags it: check C17), and :func:`project_year_forms`
gives the same per form, one row each.

**Which forms are a project's.** A department-wide form (``department_target``,
``department_self_evaluation``: the department's whole budget, 部门整体支出) is not a project: it
gets no project-year, so it is never added to its own department's projects. Forms without a fiscal
year cannot be placed in a year and get none either. The project of a form is found by
:func:`project_keys`: its project code, else its normalised name within its department (codes that
carry the year, "036001-2020-BMZX-0001", change every year, so forms whose codes differ are still
joined by name when their years do not collide).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from budgetlib.analysis.project_keys import normalise_department, normalise_name, project_keys
from budgetlib.forms import Forms
from budgetlib.schema import PROJECT_FORM_TYPES

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing's own from Python 3.13

__all__ = [
    "BUDGET_FIELDS",
    "DEFAULT_POLICY",
    "EVALUATION_FORM_TYPES",
    "FIELD_WORDS",
    "FORM_WORDS",
    "PROJECT_FORM_TYPES",
    "ProjectYearPolicy",
    "evaluation_forms",
    "normalise_department",
    "normalise_name",
    "one_form_each",
    "project_keys",
    "project_year_forms",
    "project_years",
]

BUDGET_FIELDS: dict[str, tuple[str, str, str]] = {
    "adjusted_budget": ("budget_execution", "adjusted_budget_yuan", "adjusted_budget_as_written"),
    "full_year_budget": ("budget_execution", "full_year_budget_yuan", "full_year_budget_as_written"),
    "initial_budget": ("budget_execution", "initial_budget_yuan", "initial_budget_as_written"),
    "current_year_budget": ("projects", "current_year_budget_yuan", "budget_as_written"),
}
"""Where each budget field of a precedence entry is read: the table (``budget_execution``: the
form's total line), the 元 column and the as-written column."""

FIELD_WORDS: dict[str, str] = {  # how a basis reads in a finding or note
    "adjusted_budget": "调整后预算数", "full_year_budget": "全年预算数", "initial_budget": "年初预算数",
    "current_year_budget": "当年预算",
}
FORM_WORDS: dict[str, str] = {"declaration": "申报表", "target": "目标表", "self_evaluation": "自评表"}


@dataclass(frozen=True, slots=True)
class ProjectYearPolicy:
    """How the budget of a project-year is chosen among its forms.

    Attributes:
        precedence: ``form_type:field`` entries, first wins; fields are those of
            :data:`BUDGET_FIELDS` (``adjusted_budget`` 调整后预算数 and ``full_year_budget`` 全年预算数
            from the self-evaluation's budget-execution total line, ``initial_budget`` 年初预算数,
            ``current_year_budget`` the form's stated current-year budget).
        fall_through: when the first entry the project-year has is unknown (no stated unit), take the
            next known one (the basis and note say so); False leaves the budget unknown instead.
        form_types: form types that are about one project; forms of other types (the department-wide
            ``department_target`` and ``department_self_evaluation``) get no project-year.
    """

    precedence: tuple[str, ...] = (
        "self_evaluation:adjusted_budget",
        "self_evaluation:full_year_budget",
        "self_evaluation:current_year_budget",
        "target:current_year_budget",
        "declaration:current_year_budget",
    )
    fall_through: bool = True
    form_types: tuple[str, ...] = PROJECT_FORM_TYPES

    def __post_init__(self) -> None:
        for entry in self.precedence:
            form_type, _, field = entry.partition(":")
            if field not in BUDGET_FIELDS or not form_type:
                raise ValueError(f"precedence entry {entry!r} is not 'form_type:field' with a field among "
                                 f"{', '.join(BUDGET_FIELDS)}")

    def entries(self, form_type: str) -> list[str]:
        """The precedence entries of one form type, in order."""
        return [entry for entry in self.precedence if entry.partition(":")[0] == form_type]

    def form_rank(self, form_type: object) -> int:
        """Where a form type first appears in the precedence (form types it does not name come last)."""
        for rank, entry in enumerate(self.precedence):
            if entry.partition(":")[0] == form_type:
                return rank
        return len(self.precedence)


DEFAULT_POLICY = ProjectYearPolicy()
"""The documented precedence (the defaults of :class:`ProjectYearPolicy`)."""


# ----------------------------------------------------------------------------------------------
# the budget figures of each form (which forms are one project: budgetlib.analysis.project_keys)


def _total_lines(forms: Forms) -> dict[str, dict[str, Any]]:
    """Each form's budget-execution total line (the first, when a form has several), by form_id."""
    execution = forms.budget_execution
    if execution.empty:
        return {}
    totals = execution[execution["is_total"].fillna(False).astype(bool)].drop_duplicates("form_id")
    columns = ["form_id", "executed_yuan", *(c for table, *pair in BUDGET_FIELDS.values() if table == "budget_execution"
                                             for c in pair)]
    return {row["form_id"]: row for row in totals[columns].to_dict("records")}


def _figure(entry: str, project: Mapping[str, Any], total: Mapping[str, Any] | None) -> tuple[float | None, str | None,
                                                                                                bool]:
    """A form's figure for one precedence entry: (元 or None, as written, whether the form states the field)."""
    table, value_column, text_column = BUDGET_FIELDS[entry.partition(":")[2]]
    source = project if table == "projects" else total
    if source is None:
        return None, None, False
    value, text = source.get(value_column), source.get(text_column)
    stated = not _missing(value) or (isinstance(text, str) and bool(text.strip()))
    return (None if _missing(value) else float(value)), (text if isinstance(text, str) else None), stated


def _missing(value: object) -> TypeIs[None]:
    """True for None and NaN/NA (typed as a test for None: where it is False, the value is not None)."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


_PROJECT_COLUMNS = ("form_id", "form_type", "fiscal_year", "project_code", "project_name", "department",
                    "department_code", "current_year_budget_yuan", "budget_as_written")
"""The columns of ``projects`` a project-year is made from (the long texts are left behind)."""

_FORM_COLUMNS = ["project_key", "fiscal_year", "form_id", "form_type", "project_code", "project_name", "department",
                 "department_code", "budget_yuan", "budget_basis", "budget_as_written", "is_budget_form"]


def _form_rows(forms: Forms, policy: ProjectYearPolicy) -> list[dict[str, Any]]:
    """One record per form of a project-year, in precedence order within each project-year, with the
    form's own best figure (first known entry of its type) and the entry it came from."""
    projects = forms.projects
    if projects.empty:
        return []
    projects = projects[list(_PROJECT_COLUMNS)].assign(project_key=project_keys(projects))
    keep = projects["form_type"].isin(policy.form_types) & projects["fiscal_year"].notna()
    projects = projects[keep]
    totals = _total_lines(forms)
    rows = []
    for project in projects.to_dict("records"):
        entries = policy.entries(str(project["form_type"]))
        total = totals.get(project["form_id"])
        found: tuple[float | None, str | None, str | None] = (None, None, None)
        for entry in entries:
            value, text, stated = _figure(entry, project, total)
            if value is not None:
                found = (value, text, entry)
                break
            if stated and found[2] is None:
                found = (None, text, entry)  # stated without a unit: unknown, but what the form says
        if found[2] is None and entries:
            found = (None, None, entries[0])
        rows.append({
            "project_key": project["project_key"], "fiscal_year": int(project["fiscal_year"]),
            "form_id": project["form_id"], "form_type": project["form_type"],
            "project_code": project["project_code"], "project_name": project["project_name"],
            "department": project["department"], "department_code": project["department_code"],
            "budget_yuan": found[0], "budget_as_written": found[1], "budget_basis": found[2],
            "_rank": policy.precedence.index(found[2]) if found[2] in policy.precedence
            else policy.form_rank(project["form_type"]),
            "is_budget_form": False,
        })
    rows.sort(key=lambda r: (r["project_key"], r["fiscal_year"], r["_rank"], r["form_id"]))
    return rows


# ----------------------------------------------------------------------------------------------
# project-years


PROJECT_YEAR_COLUMNS = [
    "project_key", "project_code", "project_name", "department", "department_code", "fiscal_year", "budget_yuan",
    "budget_basis", "budget_as_written", "budget_form_id", "budget_note", "form_ids", "form_types", "n_forms",
    "declaration_budget_yuan", "target_budget_yuan", "self_evaluation_budget_yuan",
    "self_evaluation_initial_budget_yuan", "executed_yuan",
]


def _first(rows: list[dict[str, Any]], column: str) -> object:
    return next((r[column] for r in rows if not _missing(r[column])), None)


def _by_type(rows: list[dict[str, Any]], form_type: str) -> float | None:
    """The first known figure among the project-year's forms of one type (NA when none is known)."""
    return next((r["budget_yuan"] for r in rows if r["form_type"] == form_type and r["budget_yuan"] is not None),
                None)


def _execution_figure(rows: list[dict[str, Any]], totals: dict[str, dict[str, Any]], column: str) -> float | None:
    for r in rows:
        if r["form_type"] != "self_evaluation" or r["form_id"] not in totals:
            continue
        value = totals[r["form_id"]].get(column)
        if not _missing(value):
            return float(value)
    return None


def _choose(rows: list[dict[str, Any]], policy: ProjectYearPolicy) -> tuple[dict[str, Any], str | None]:
    """The form whose figure is the project-year's budget, and a note when an earlier source was passed over."""
    first = rows[0]
    if first["budget_yuan"] is not None or not policy.fall_through:
        return first, None
    known = next((r for r in rows if r["budget_yuan"] is not None), None)
    if known is None:
        return first, "各表预算均未注明金额单位，金额未知"
    skipped = FORM_WORDS.get(str(first["form_type"]), str(first["form_type"]))
    used = known["budget_basis"] or ""
    form_type, _, field = used.partition(":")
    written = first["budget_as_written"]
    why = f"预算未注明金额单位（{written}）" if written else "未填预算数"  # e.g. only 年初预算数, not a source
    return known, f"{skipped}{why}，采用{FORM_WORDS.get(form_type, form_type)}{FIELD_WORDS.get(field, field)}"


def project_year_forms(forms: Forms, policy: ProjectYearPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """One row per form that belongs to a project-year: its project_key and fiscal year, its own best
    budget figure (``budget_yuan``, ``budget_basis``, ``budget_as_written``) and whether it is the
    form the project-year's budget comes from (``is_budget_form``).

    The tidy companion of :func:`project_years`: the forms of a project-year side by side. Rows are
    in precedence order within each project-year.
    """
    rows = _form_rows(forms, policy)
    chosen: set[str] = set()
    for _, group in _grouped(rows):
        chosen.add(_choose(group, policy)[0]["form_id"])
    for r in rows:
        r["is_budget_form"] = r["form_id"] in chosen
    table = pd.DataFrame.from_records(rows, columns=_FORM_COLUMNS)
    return table.astype({"fiscal_year": "Int64", "budget_yuan": "float64", "is_budget_form": "boolean",
                         **{c: "str" for c in _FORM_COLUMNS if c not in ("fiscal_year", "budget_yuan",
                                                                          "is_budget_form")}})


def one_form_each(forms_of_years: pd.DataFrame, candidates: Iterable[str]) -> pd.DataFrame:
    """For each project-year, one of its forms among ``candidates`` (form_ids: the forms that have an
    expenditure table, a cost basis, actuals …): its budget form when that is one, else the first in
    precedence order. Project-years without a candidate are left out.

    ``forms_of_years`` is :func:`project_year_forms`; returns its rows for the forms picked. What
    keeps the lines of a declaration and of a target form of the same year from being added up.
    """
    wanted = forms_of_years[forms_of_years["form_id"].isin(set(candidates))]
    ordered = wanted.assign(_later=~wanted["is_budget_form"].fillna(False).astype(bool))
    ordered = ordered.sort_values(["project_key", "fiscal_year", "_later"], kind="stable")
    picked = ordered.drop_duplicates(["project_key", "fiscal_year"]).drop(columns="_later")
    return picked.reset_index(drop=True)


EVALUATION_FORM_TYPES: tuple[str, ...] = ("self_evaluation", "department_self_evaluation")


def evaluation_forms(forms: Forms, policy: ProjectYearPolicy = DEFAULT_POLICY) -> list[str]:
    """The self-evaluations to count (attainment, grades, scores), in the order of ``projects``: one
    per project-year (:func:`one_form_each`; a project-year seldom has two, but a re-filed one must
    not count twice), and every self-evaluation that belongs to no project-year (a department-wide
    self-evaluation is an evaluation too, of the department's own targets)."""
    projects = forms.projects
    evaluations = projects.loc[projects["form_type"].isin(EVALUATION_FORM_TYPES), "form_id"].tolist()
    if not evaluations:
        return []
    forms_of_years = project_year_forms(forms, policy)
    picked = set(one_form_each(forms_of_years, evaluations)["form_id"])
    outside = set(evaluations) - set(forms_of_years["form_id"])
    return [form_id for form_id in evaluations if form_id in picked or form_id in outside]


def _grouped(rows: list[dict[str, Any]]) -> Iterable[tuple[tuple[str, int], list[dict[str, Any]]]]:
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["project_key"], r["fiscal_year"]), []).append(r)
    return groups.items()


def project_years(forms: Forms, policy: ProjectYearPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """One row per project and fiscal year, with one budget: the unit of every total.

    Columns: project_key, project_code, project_name, department, department_code, fiscal_year,
    ``budget_yuan`` (NA when unknown) with ``budget_basis`` (``form_type:field``, e.g.
    ``self_evaluation:full_year_budget``), ``budget_as_written``, ``budget_form_id`` and
    ``budget_note``; ``form_ids`` and ``form_types`` (';'-separated, in precedence order),
    ``n_forms``; the other forms' figures: ``declaration_budget_yuan``, ``target_budget_yuan``,
    ``self_evaluation_budget_yuan``, ``self_evaluation_initial_budget_yuan`` (年初预算数) and
    ``executed_yuan`` (全年执行数). See the module docstring for the precedence and which forms count.
    Sorted by fiscal year, department, project name.

    >>> import budgetlib as bl
    >>> years = bl.project_years(bl.read_forms(["data/raw"]))          # doctest: +SKIP
    >>> years.groupby(["department", "fiscal_year"])["budget_yuan"].sum(min_count=1)  # doctest: +SKIP
    """
    rows = _form_rows(forms, policy)
    totals = _total_lines(forms)
    records = []
    for (key, year), group in _grouped(rows):
        chosen, note = _choose(group, policy)
        records.append({
            "project_key": key,
            "project_code": chosen["project_code"] if not _missing(chosen["project_code"]) else _first(group,
                                                                                                     "project_code"),
            "project_name": chosen["project_name"] if not _missing(chosen["project_name"]) else _first(group,
                                                                                                     "project_name"),
            "department": chosen["department"] if not _missing(chosen["department"]) else _first(group, "department"),
            "department_code": _first([chosen, *group], "department_code"),
            "fiscal_year": year,
            "budget_yuan": chosen["budget_yuan"], "budget_basis": chosen["budget_basis"],
            "budget_as_written": chosen["budget_as_written"], "budget_form_id": chosen["form_id"],
            "budget_note": note,
            "form_ids": ";".join(r["form_id"] for r in group),
            "form_types": ";".join(str(r["form_type"]) for r in group),
            "n_forms": len(group),
            "declaration_budget_yuan": _by_type(group, "declaration"),
            "target_budget_yuan": _by_type(group, "target"),
            "self_evaluation_budget_yuan": _by_type(group, "self_evaluation"),
            "self_evaluation_initial_budget_yuan": _execution_figure(group, totals, "initial_budget_yuan"),
            "executed_yuan": _execution_figure(group, totals, "executed_yuan"),
        })
    table = pd.DataFrame.from_records(records, columns=PROJECT_YEAR_COLUMNS)
    table = table.astype({c: ("Int64" if c in ("fiscal_year", "n_forms") else "float64" if c.endswith("_yuan")
                              else "str") for c in PROJECT_YEAR_COLUMNS})
    table = table.sort_values(["fiscal_year", "department", "project_name", "project_key"], kind="stable",
                              na_position="last")
    return table.reset_index(drop=True)
