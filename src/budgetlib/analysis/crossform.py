"""Review checks across forms (C17–C20): what only the forms of one project-year side by side show.

The checks C1–C16 look at one form at a time. These look at the forms of a project-year together
(:mod:`budgetlib.analysis.project_years`), so they run over a whole set of forms (a batch, after
reading), not form by form, and their findings depend on which forms were read together:

- **C17** the forms of one project-year state different budgets. A self-evaluation whose 年初预算数
  is what the declaration or target form said and whose 调整后/全年预算数 differs was adjusted
  during the year (``adjusted``, a note); any other difference is a contradiction (``budget_disagree``,
  a warning). The finding is on the form whose figure is not the one the project-year's totals use.
- **C18** a self-evaluation's target differs from the target the target form (else the declaration)
  set for the same indicator: a target lowered (or, for a ≤ target, raised) at year end is a warning
  (``lowered``), any other change a note (``changed``); an indicator of the target form the
  self-evaluation leaves out is a note (``dropped``).
- **C19** a self-evaluation without a target form or declaration of the same project and year in the
  set: its targets and budget cannot be checked against what was planned (a note).
- **C20** a project-year that only evaluated and another of the same year and department that only
  planned, with names alike (the same, or one holding the other): perhaps one project-year split in
  two by how its forms write its name, and then counted twice in every total (a warning).

This module decides *whether* and with which numbers; :mod:`budgetlib.analysis.review` turns each
:class:`Hit` into a finding with the rule table's severity, dimension and message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from budgetlib.analysis.project_keys import department_key, normalise_name, project_keys, without_department
from budgetlib.analysis.project_years import (
    DEFAULT_POLICY,
    FIELD_WORDS,
    FORM_WORDS,
    ProjectYearPolicy,
    project_year_forms,
    project_years,
)
from budgetlib.formatting import format_change, format_number, format_yuan, is_missing
from budgetlib.forms import Forms
from budgetlib.transform.amounts import to_yuan
from budgetlib.transform.normalize import compact
from budgetlib.transform.targets import stated_target
from budgetlib.vocabulary import unit_factors

__all__ = ["CROSS_FORM_CHECK_IDS", "Hit", "check_possibly_same", "cross_form_hits", "full_target",
           "possibly_same_in_projects"]

CROSS_FORM_CHECK_IDS: tuple[str, ...] = ("C17", "C18", "C19", "C20")

PLANNING_FORM_TYPES: tuple[str, ...] = ("target", "declaration")
"""The forms that set a project-year's targets before the year, in the order C18 prefers them."""

_NAME_NOISE = re.compile(r"[\s\"'“”‘’《》「」()（）\[\]【】·,，。、:：;；]")
_HIGHER = frozenset({">=", ">"})
_LOWER = frozenset({"<=", "<"})
_YUAN = "元"


@dataclass(frozen=True, slots=True)
class Hit:
    """A cross-form check tripped: on which form, which rule (check id and variant), where, and the
    values its message template needs."""

    form_id: str
    check_id: str
    variant: str
    location: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Figure:
    form_id: str
    form_type: str
    basis: str
    value: float


def _words(basis: str) -> str:
    """'self_evaluation:full_year_budget' → '自评表全年预算数'."""
    form_type, _, field_name = basis.partition(":")
    return f"{FORM_WORDS.get(form_type, form_type)}{FIELD_WORDS.get(field_name, field_name)}"


def _where(row: dict[str, Any]) -> str:
    name = row["project_name"] if not is_missing(row["project_name"]) else row["project_key"]
    return f"project_years: {name} {row['fiscal_year']}"


# ----------------------------------------------------------------------------------------------
# C17: the budget


def _by_project_year(year_forms: pd.DataFrame) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """The rows of :func:`project_year_forms` as records, per project-year (in precedence order)."""
    grouped: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in year_forms.to_dict("records"):
        grouped.setdefault((row["project_key"], int(row["fiscal_year"])), []).append(row)
    return grouped


def _agree(a: float, b: float, relative: float, absolute: float) -> bool:
    return abs(a - b) <= max(absolute, relative * max(abs(a), abs(b)))


def check_budgets(forms: Forms, years: pd.DataFrame, year_forms: pd.DataFrame, *, relative: float,
                  absolute: float) -> list[Hit]:
    """C17: each form whose own budget differs from the one the project-year uses."""
    hits = []
    by_year = _by_project_year(year_forms)
    for row in years.to_dict("records"):
        if row["n_forms"] < 2 or is_missing(row["budget_yuan"]):
            continue
        used = _Figure(row["budget_form_id"], "", row["budget_basis"], float(row["budget_yuan"]))
        initial = None if is_missing(row["self_evaluation_initial_budget_yuan"]) else float(
            row["self_evaluation_initial_budget_yuan"])
        for other in by_year[(row["project_key"], row["fiscal_year"])]:
            if other["form_id"] == used.form_id or is_missing(other["budget_yuan"]):
                continue
            figure = float(other["budget_yuan"])
            if _agree(figure, used.value, relative, absolute):
                continue
            values = {
                "year": row["fiscal_year"], "figure": format_yuan(figure),
                "mine": FIELD_WORDS.get(str(other["budget_basis"]).partition(":")[2], str(other["budget_basis"])),
                "used": _words(used.basis), "used_figure": format_yuan(used.value),
                "difference": format_yuan(abs(figure - used.value)),
                "change": format_change((used.value - figure) / figure) if figure else "—",
            }
            adjusted = (initial is not None and used.basis.startswith("self_evaluation:")
                        and _agree(figure, initial, relative, absolute))
            values["initial"] = format_yuan(initial) if initial is not None else "—"
            where = f"{_where(row)}: {other['form_id']} vs {used.form_id}"
            hits.append(Hit(other["form_id"], "C17", "adjusted" if adjusted else "budget_disagree", where, values))
    return hits


# ----------------------------------------------------------------------------------------------
# C18: the targets


def _indicator_key(name: object) -> str:
    return _NAME_NOISE.sub("", compact(name)) if isinstance(name, str) else ""


def _annual_by_form(indicators: pd.DataFrame, form_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The annual indicators of each of ``form_ids`` (all of a form's indicators when it has no annual
    ones), placeholders left out, as records."""
    rows = indicators[indicators["form_id"].isin(form_ids)]
    real: dict[str, list[dict[str, Any]]] = {}
    for row in rows.to_dict("records"):
        if not is_missing(row["has_placeholder"]) and bool(row["has_placeholder"]):
            continue
        real.setdefault(row["form_id"], []).append(row)
    return {form_id: [r for r in found if r["horizon"] == "annual"] or found for form_id, found in real.items()}


def _by_name(indicators: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for row in indicators:
        key = _indicator_key(row["name"])
        if key:
            found.setdefault(key, []).append(row)
    return found


def _number(value: object) -> float | None:
    return None if is_missing(value) else float(value)  # type: ignore[arg-type]


def full_target(row: dict[str, Any]) -> str:
    """A target as one text: a target split over 指标性质 / 指标值 / 度量单位 columns ('≥', '90', '%')
    joined again ('≥90%'); a target written in one cell as it is (:func:`~budgetlib.transform.targets.stated_target`).

    >>> full_target({"target_text": "90", "comparator": ">=", "unit": "%"}), full_target(
    ...     {"target_text": "≥98%", "comparator": ">=", "unit": "%"})
    ('≥90%', '≥98%')
    """
    return stated_target(row["target_text"], row["comparator"], row["unit"]) or ""


def _same_text(a: str, b: str) -> bool:
    """Two targets read alike, an explicit '=' aside ('=2023年11月底前' is '2023年11月底前')."""
    return compact(a).lstrip("=") == compact(b).lstrip("=")


def _in_one_unit(old: float, old_unit: str | None, new: float, new_unit: str | None) -> tuple[float, float, str] | None:
    """Two target figures in one unit (old, new, the unit), None when their units cannot be compared.

    Money targets are compared in 元, scaled exactly (≤56.5万元 is ≤565000元: the same target);
    other units only when they are the same unit; a bare figure is read in the other side's unit.
    """
    if old_unit == new_unit or None in (old_unit, new_unit):
        return old, new, old_unit or new_unit or ""
    old_factor, new_factor = unit_factors().get(old_unit or ""), unit_factors().get(new_unit or "")
    if old_factor is None or new_factor is None:
        return None
    return to_yuan(old, old_factor), to_yuan(new, new_factor), _YUAN


def _target_change(planned: dict[str, Any], evaluated: dict[str, Any]) -> tuple[str, str] | None:
    """How the self-evaluation's target differs from the planned one: (variant, what changed), None
    when they agree or when their units do not allow comparing them (≥90% against ≥5个: no change
    can be told). A bare number (no comparator) takes the other side's comparator."""
    old, new = _number(planned["target_value"]), _number(evaluated["target_value"])
    old_cmp = planned["comparator"] if not is_missing(planned["comparator"]) else None
    new_cmp = evaluated["comparator"] if not is_missing(evaluated["comparator"]) else None
    old_unit = planned["unit"] if not is_missing(planned["unit"]) else None
    new_unit = evaluated["unit"] if not is_missing(evaluated["unit"]) else None
    if old is not None and new is not None:
        same_unit = _in_one_unit(old, old_unit, new, new_unit)
        if same_unit is None:
            return None
        old, new, unit = same_unit
        comparator = old_cmp or new_cmp
        if (old_cmp or comparator) == (new_cmp or comparator):
            if old == new:
                return None
            detail = f"{format_number(old)} → {format_number(new)}{unit}"
            eased = (comparator in _HIGHER and new < old) or (comparator in _LOWER and new > old)
            return ("lowered", detail) if eased else ("changed", detail)
    before, after = full_target(planned), full_target(evaluated)
    if _same_text(before, after):
        return None
    return "changed", f"{before} → {after}"


def check_targets(forms: Forms, years: pd.DataFrame, year_forms: pd.DataFrame) -> list[Hit]:
    """C18: per self-evaluation, its targets against the target form's (else the declaration's)."""
    indicators = forms.indicators
    if indicators.empty:
        return []
    pairs = []
    for (_, year), group in _by_project_year(year_forms).items():
        plans = [r for t in PLANNING_FORM_TYPES for r in group if r["form_type"] == t]
        evaluations = [r for r in group if r["form_type"] == "self_evaluation"]
        if plans and evaluations:
            pairs.append((year, plans, evaluations))
    wanted = {r["form_id"] for _, plans, evaluations in pairs for r in (*plans, *evaluations)}
    by_form = _annual_by_form(indicators, wanted)
    hits = []
    for year, plans, evaluations in pairs:
        with_indicators = [r for r in plans if r["form_id"] in by_form]
        if not with_indicators:
            continue
        plan = with_indicators[0]
        planned = _by_name(by_form[plan["form_id"]])
        source = FORM_WORDS[str(plan["form_type"])]
        for evaluation in evaluations:
            if evaluation["form_id"] not in by_form:
                continue
            evaluated = _by_name(by_form[evaluation["form_id"]])
            for key, rows in planned.items():
                if key not in evaluated:
                    for row in rows:
                        hits.append(Hit(evaluation["form_id"], "C18", "dropped",
                                        f"indicators: {row['name']}; {plan['form_id']} #{row['indicator_no']}",
                                        {"name": row["name"], "source": source, "old": full_target(row),
                                         "year": int(year)}))
                    continue
                for old, new in zip(rows, evaluated[key], strict=False):
                    change = _target_change(old, new)
                    if change is None:
                        continue
                    variant, detail = change
                    hits.append(Hit(evaluation["form_id"], "C18", variant,
                                    f"indicators #{new['indicator_no']}: {new['name']}; "
                                    f"{plan['form_id']} #{old['indicator_no']}",
                                    {"name": new["name"], "new": full_target(new), "source": source,
                                     "old": full_target(old), "detail": detail}))
    return hits


# ----------------------------------------------------------------------------------------------
# C19: a self-evaluation with nothing to check it against


def check_unplanned(years: pd.DataFrame, year_forms: pd.DataFrame) -> list[Hit]:
    """C19: self-evaluations whose project-year has no target form or declaration in the set."""
    hits = []
    planned_years: dict[str, list[str]] = {}
    for row in year_forms[year_forms["form_type"].isin(PLANNING_FORM_TYPES)].to_dict("records"):
        planned = f"{row['fiscal_year']} 年{FORM_WORDS[row['form_type']]}"
        planned_years.setdefault(row["project_key"], []).append(planned)
    for row in years.to_dict("records"):
        types = str(row["form_types"]).split(";")
        if "self_evaluation" not in types or set(types) & set(PLANNING_FORM_TYPES):
            continue
        others = sorted(set(planned_years.get(row["project_key"], [])))
        elsewhere = f"（该项目在其他年度有：{'、'.join(others)}）" if others else ""
        for form_id, form_type in zip(str(row["form_ids"]).split(";"), types, strict=True):
            if form_type == "self_evaluation":
                hits.append(Hit(form_id, "C19", "no_plan", _where(row),
                                {"year": row["fiscal_year"], "elsewhere": elsewhere}))
    return hits


# ----------------------------------------------------------------------------------------------
# C20: two project-years that may be one


_SHORTEST_SHARED_NAME = 4  # characters: a name of 2-3 (维修, 培训费) is inside too many others to say anything


@dataclass(slots=True)
class _ProjectYear:
    key: str
    year: int
    name: str  # as the first form writes it
    name_key: str  # normalised, less a leading department
    department_key: str
    form_ids: list[str] = field(default_factory=list)
    form_types: set[str] = field(default_factory=set)


def _project_year_list(year_forms: pd.DataFrame) -> list[_ProjectYear]:
    found: dict[tuple[str, int], _ProjectYear] = {}
    columns = ["project_key", "fiscal_year", "form_id", "form_type", "project_name", "department"]
    for key, year, form_id, form_type, name, department in year_forms[columns].itertuples(index=False, name=None):
        if is_missing(year):
            continue
        entry = found.get((key, int(year)))
        if entry is None:
            department = department_key(department)
            name_key = without_department(normalise_name(name), department)
            entry = found[(key, int(year))] = _ProjectYear(key, int(year), "" if is_missing(name) else str(name),
                                                             name_key, department)
        entry.form_ids.append(form_id)
        entry.form_types.add(form_type)
    return list(found.values())


def _how_alike(mine: str, other: str) -> str | None:
    """How two name keys show one project ("名称相同", "名称一个包含另一个"), None when they do not."""
    if mine == other:
        return "名称相同"
    shorter, longer = sorted((mine, other), key=len)
    if len(shorter) >= _SHORTEST_SHARED_NAME and shorter in longer:
        return "名称一个包含另一个"
    return None


def _pieces(name: str) -> Iterator[str]:
    """Every piece of a name at least :data:`_SHORTEST_SHARED_NAME` long."""
    for start in range(len(name)):
        for end in range(start + _SHORTEST_SHARED_NAME, len(name) + 1):
            yield name[start:end]


def _alike_in_department(evaluated: list[_ProjectYear], planned: list[_ProjectYear]
                         ) -> Iterator[tuple[_ProjectYear, _ProjectYear]]:
    """The pairs of one year and department whose names are alike, looked up rather than compared
    pair by pair: a planned name inside an evaluated one is one of its pieces; one holding it holds
    its first characters, indexed by the planned names' pieces of that length. The indexes are of
    one department-year, so held only while it is looked at."""
    by_name: dict[str, list[_ProjectYear]] = {}
    by_piece: dict[str, list[_ProjectYear]] = {}
    for entry in planned:
        by_name.setdefault(entry.name_key, []).append(entry)
        for start in range(len(entry.name_key) - _SHORTEST_SHARED_NAME + 1):
            by_piece.setdefault(entry.name_key[start:start + _SHORTEST_SHARED_NAME], []).append(entry)
    for entry in evaluated:
        name = entry.name_key
        found = {id(other): other for other in by_name.get(name, ())}
        for piece in _pieces(name):
            found.update((id(other), other) for other in by_name.get(piece, ()))
        for other in by_piece.get(name[:_SHORTEST_SHARED_NAME], ()) if len(name) >= _SHORTEST_SHARED_NAME else ():
            if name in other.name_key:
                found[id(other)] = other
        for other in found.values():
            yield entry, other


def check_possibly_same(year_forms: pd.DataFrame) -> list[Hit]:
    """C20: a project-year with only a self-evaluation and another of the same year and department with
    only a target form or declaration, whose names are the same or one holds the other.

    The forms of one project-year whose names differ by more than the project key forgives (a
    department written into the name, "（续建）", "本级": :mod:`budgetlib.analysis.project_keys`) make
    two project-years, and every total counts the project twice. Joining them by a likeness of names
    would be a guess (学生资助 and 学生资助信息化 may be two projects), so they stay two, and this says
    which two to look at: one that only evaluated and one that only planned is the pattern a project
    split in two leaves. On each form of the evaluated one. A form that names no department is
    compared by the whole name only, with those of every department (its project-year may be any
    department's).

    ``year_forms`` has the columns of :func:`project_year_forms` that name the project (project_key,
    fiscal_year, form_id, form_type, project_name, department).
    """
    groups: dict[tuple[int, str], tuple[list[_ProjectYear], list[_ProjectYear]]] = {}
    for entry in _project_year_list(year_forms):
        if not entry.name_key:
            continue
        if entry.form_types == {"self_evaluation"}:
            groups.setdefault((entry.year, entry.department_key), ([], []))[0].append(entry)
        elif entry.form_types <= set(PLANNING_FORM_TYPES):
            groups.setdefault((entry.year, entry.department_key), ([], []))[1].append(entry)
    pairs: list[tuple[_ProjectYear, _ProjectYear, str]] = []
    for (_, department), (evaluated, planned) in groups.items():
        if evaluated and planned and department:
            pairs += [(mine, other, "") for mine, other in _alike_in_department(evaluated, planned)]
    by_year_name: dict[tuple[int, str], list[_ProjectYear]] = {}
    for (year, _), (_, planned) in groups.items():
        for entry in planned:
            by_year_name.setdefault((year, entry.name_key), []).append(entry)
    for (year, department), (evaluated, _) in groups.items():
        for entry in evaluated:
            for other in by_year_name.get((year, entry.name_key), ()):
                if (not department) != (not other.department_key):  # one names no department
                    pairs.append((entry, other, "，其中一表未填部门"))
    hits = []
    for entry, other, note in pairs:
        how = _how_alike(entry.name_key, other.name_key)
        if how is None or other.key == entry.key:
            continue
        forms = "、".join(FORM_WORDS[t] for t in PLANNING_FORM_TYPES if t in other.form_types)
        values = {"name": entry.name or entry.key, "other": other.name or other.key, "year": entry.year,
                  "other_forms": forms, "how": how + note}
        hits += [Hit(form_id, "C20", "possibly_same", f"project_years: {entry.name or entry.key} {entry.year}",
                     values) for form_id in entry.form_ids]
    return hits


def possibly_same_in_projects(projects: pd.DataFrame, policy: ProjectYearPolicy = DEFAULT_POLICY) -> list[Hit]:
    """C20 over a ``projects`` table alone (the columns :data:`PROJECT_KEY_COLUMNS` and form_type): what
    a streamed parse holds of every form, where the other checks read a project at a time and so
    cannot compare two projects."""
    if projects.empty:
        return []
    keyed = projects.assign(project_key=project_keys(projects))
    keep = keyed["form_type"].isin(policy.form_types) & keyed["fiscal_year"].notna()
    return check_possibly_same(keyed[keep])


# ----------------------------------------------------------------------------------------------


def cross_form_hits(
    forms: Forms,
    *,
    checks: Iterable[str] | None = None,
    relative_tolerance: float = 0.005,
    absolute_tolerance: float = 1.0,
    policy: ProjectYearPolicy = DEFAULT_POLICY,
) -> list[Hit]:
    """Every cross-form check (or those in ``checks``) over the forms given.

    Two budgets agree when they differ by at most ``absolute_tolerance`` 元 or ``relative_tolerance``
    of the larger (万元 figures rounded to the 元 are the same budget).
    """
    wanted = set(CROSS_FORM_CHECK_IDS if checks is None else checks) & set(CROSS_FORM_CHECK_IDS)
    if not wanted or forms.projects.empty:
        return []
    years = project_years(forms, policy)
    year_forms = project_year_forms(forms, policy)
    if years.empty:
        return []
    hits: list[Hit] = []
    if "C17" in wanted:
        hits += check_budgets(forms, years, year_forms, relative=relative_tolerance, absolute=absolute_tolerance)
    if "C18" in wanted:
        hits += check_targets(forms, years, year_forms)
    if "C19" in wanted:
        hits += check_unplanned(years, year_forms)
    if "C20" in wanted:
        hits += check_possibly_same(year_forms)
    return hits
