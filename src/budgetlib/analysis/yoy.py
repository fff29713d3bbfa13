"""Year over year: how much each project, department and economic category grew, and on what basis.

The same project is followed across forms of different years by its project code, else by its
normalised name within its department (codes that carry the year, "036001-2020-BMZX-0001", change every
year, so forms whose codes differ are still joined by name when their years do not collide). For each
project-year one form gives the budget (a declaration before a target form before a self-evaluation).

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
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from budgetlib.forms import Forms
from budgetlib.transform.normalize import compact

__all__ = ["project_keys", "project_years", "yoy"]

FORM_PRIORITY = {"declaration": 0, "target": 1, "self_evaluation": 2}
PRIOR_BASES = ("earlier_form", "stated_in_text", "expenditure_column")

_YEAR_PREFIX = re.compile(r"^(?:19|20)\d{2}年(?:度)?")
_NAME_NOISE = re.compile(r"[\s\"'“”‘’《》「」()（）\[\]【】·,，。、:：;；]")


def normalise_name(name: object) -> str:
    """A project name as a join key: NFKC, no spaces or punctuation, no leading year or trailing 项目.

    >>> normalise_name("2021年 区电子政务网络运行维护项目")
    '区电子政务网络运行维护'
    """
    if not isinstance(name, str):
        return ""
    key = _NAME_NOISE.sub("", compact(name))
    key = _YEAR_PREFIX.sub("", key)
    return key.removesuffix("项目") or key


def normalise_department(name: object) -> str:
    return _NAME_NOISE.sub("", compact(name)) if isinstance(name, str) else ""


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _code_years(members: Iterable[int], codes: list[str | None], years: list[int | None]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for i in members:
        if codes[i] and years[i] is not None:
            found.setdefault(codes[i], set()).add(years[i])  # type: ignore[index, arg-type]
    return found


def _conflict(a: dict[str, set[int]], b: dict[str, set[int]]) -> bool:
    """Two groups are different projects when different codes claim the same year."""
    return any(code_a != code_b and years_a & years_b for code_a, years_a in a.items() for code_b, years_b in b.items())


def project_keys(projects: pd.DataFrame) -> pd.Series:
    """A key per form (indexed like ``projects``) shared by the forms of the same project in all years."""
    n = len(projects)
    uf = _UnionFind(n)
    codes = [c if isinstance(c, str) and c.strip() else None for c in projects["project_code"]]
    years = [None if pd.isna(y) else int(y) for y in projects["fiscal_year"]]
    names = [f"{normalise_department(d)}|{normalise_name(p)}" for d, p in
             zip(projects["department"], projects["project_name"], strict=True)]
    first_with_code: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code is not None:
            uf.union(first_with_code.setdefault(code, i), i)
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if name.split("|", 1)[1]:
            by_name.setdefault(name, []).append(i)
    for members in by_name.values():
        components: dict[int, list[int]] = {}
        for i in members:
            components.setdefault(uf.find(i), []).append(i)
        ordered = sorted(components.values(), key=lambda m: min((years[i] or 0) for i in m))
        clusters: list[list[int]] = []
        for component in ordered:
            mine = _code_years(component, codes, years)
            for cluster in clusters:
                if not _conflict(mine, _code_years(cluster, codes, years)):
                    uf.union(cluster[0], component[0])
                    cluster.extend(component)
                    break
            else:
                clusters.append(list(component))
    roots = [uf.find(i) for i in range(n)]
    label: dict[int, str] = {}
    for i in sorted(range(n), key=lambda i: (-(years[i] or 0), i)):
        root = roots[i]
        if root not in label or (codes[i] and not label[root].startswith("code:")):
            label[root] = f"code:{codes[i]}" if codes[i] else f"name:{names[i]}"
    return pd.Series([label[r] for r in roots], index=projects.index, name="project_key", dtype="str")


def project_years(forms: Forms) -> pd.DataFrame:
    """One row per project and fiscal year: the form that gives the budget, and the budget.

    Columns: project_key, fiscal_year, form_id, form_type, project_code, project_name, department,
    current_yuan, current_as_written, form_ids (all forms of that project-year, ';'-separated).
    """
    projects = forms.projects
    columns = ["project_key", "fiscal_year", "form_id", "form_type", "project_code", "project_name", "department",
               "current_yuan", "current_as_written", "form_ids"]
    if projects.empty:
        return pd.DataFrame(columns=columns)
    df = projects.assign(project_key=project_keys(projects))
    df = df[df["fiscal_year"].notna()]
    df = df.assign(_priority=df["form_type"].map(FORM_PRIORITY).fillna(9))
    df = df.sort_values(["project_key", "fiscal_year", "_priority", "form_id"], kind="stable")
    all_ids = df.groupby(["project_key", "fiscal_year"], sort=False)["form_id"].agg(";".join)
    chosen = df.drop_duplicates(["project_key", "fiscal_year"], keep="first")
    out = chosen.rename(columns={"current_year_budget_yuan": "current_yuan", "budget_as_written": "current_as_written"})
    out = out.assign(form_ids=[all_ids[(k, y)] for k, y in zip(out["project_key"], out["fiscal_year"], strict=True)])
    return out[columns].reset_index(drop=True)


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


def yoy_by_project(forms: Forms) -> pd.DataFrame:
    """Per project and fiscal year: prior and current budget, change in 元 and as a fraction, basis."""
    years = project_years(forms)
    history = _history_by_form(forms)
    lookup = {(k, int(y)): row for k, y, row in zip(years["project_key"], years["fiscal_year"],
                                                     years.to_dict("records"), strict=True)}
    records = []
    for row in years.to_dict("records"):
        year = int(row["fiscal_year"])
        prior: float | None = None
        basis = prior_form = prior_written = None
        earlier = lookup.get((row["project_key"], year - 1))
        if earlier is not None and not pd.isna(earlier["current_yuan"]):
            prior, basis, prior_form = float(earlier["current_yuan"]), "earlier_form", earlier["form_id"]
            prior_written = earlier["current_as_written"]
        else:
            for candidate in PRIOR_BASES[1:]:
                found = _own_history(history, row["form_ids"], year - 1, candidate)
                if found is not None:
                    (prior, prior_written), basis = found, candidate
                    break
        current = None if pd.isna(row["current_yuan"]) else float(row["current_yuan"])
        change, fraction = _change(prior, current)
        records.append({
            "project_key": row["project_key"], "project_code": row["project_code"],
            "project_name": row["project_name"], "department": row["department"], "fiscal_year": year,
            "prior_year": year - 1, "prior_yuan": prior, "current_yuan": current, "change_yuan": change,
            "change_fraction": fraction, "prior_basis": basis, "prior_as_written": prior_written,
            "form_id": row["form_id"], "prior_form_id": prior_form,
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


def yoy_by_department(forms: Forms) -> pd.DataFrame:
    """Per department and fiscal year: the sum of its project budgets against the year before.

    The prior total is that of the prior year's forms of the department (``earlier_form``) when there
    are any; otherwise the sum of what this year's forms say their projects had last year
    (``stated_in_text`` / ``expenditure_column``), when every project says so.
    """
    by_project = yoy_by_project(forms)
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
            basis = "earlier_form"
        else:
            prior, prior_unknown = _sum_or_na(group["prior_yuan"])
            bases = sorted(set(group["prior_basis"].dropna()))
            basis = "+".join(bases) if prior is not None else None
        change, fraction = _change(prior, current)
        records.append({
            "department": display[dept], "fiscal_year": year, "prior_year": year - 1, "prior_yuan": prior,
            "current_yuan": current, "change_yuan": change, "change_fraction": fraction, "prior_basis": basis,
            "n_projects": len(group), "n_unknown": unknown, "n_prior_unknown": prior_unknown,
            "n_new": len(keys_now - keys_before) if len(earlier) else None,
            "n_ended": len(keys_before - keys_now) if len(earlier) else None,
        })
    return _typed(pd.DataFrame.from_records(records, columns=_GROUP_COLUMNS("department")))


def _GROUP_COLUMNS(key: str) -> list[str]:
    return [key, "fiscal_year", "prior_year", "prior_yuan", "current_yuan", "change_yuan", "change_fraction",
            "prior_basis", "n_projects", "n_unknown", "n_prior_unknown", "n_new", "n_ended"]


def _category_lines(forms: Forms) -> pd.DataFrame:
    """Expenditure lines of one form per project-year (the first, by form priority, that has lines)."""
    years = project_years(forms)
    expenditures = forms.expenditures
    if years.empty or expenditures.empty:
        return pd.DataFrame(columns=["project_key", "form_year", "form_id", "economic_category", "fiscal_year",
                                     "amount_yuan"])
    by_form = dict(iter(expenditures.groupby("form_id", sort=False)))
    frames = []
    for row in years.to_dict("records"):
        form_id = next((f for f in row["form_ids"].split(";") if f in by_form), None)
        if form_id is None:
            continue
        frames.append(by_form[form_id].assign(project_key=row["project_key"], form_year=int(row["fiscal_year"])))
    if not frames:
        return pd.DataFrame(columns=["project_key", "form_year", "form_id", "economic_category", "fiscal_year",
                                     "amount_yuan"])
    lines = pd.concat(frames, ignore_index=True)
    return lines.assign(economic_category=lines["economic_category"].map(lambda c: compact(c) if isinstance(c, str)
                                                                          else c))


def yoy_by_economic_category(forms: Forms) -> pd.DataFrame:
    """Per economic category (经济科目) and fiscal year: like for like, the year's projects against the
    same projects the year before.

    Only declarations break a budget down by category, so the projects compared in year Y are those
    with an expenditure table in Y. For each, the current figure is its column of year Y; the prior
    figure is its own column in its Y−1 form (``earlier_form``) when the set holds one, else the Y−1
    column of its year-Y form (``expenditure_column``). A project without either leaves the prior of
    its categories unknown (NA). A category a project does not list counts 0 for that project.
    """
    lines = _category_lines(forms)
    if lines.empty:
        return _typed(pd.DataFrame(columns=_GROUP_COLUMNS("economic_category")))
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
                current.setdefault(row.economic_category, []).append(_float_or_none(row.amount_yuan))
                projects.setdefault(row.economic_category, set()).add(project_key)
            if before is None:
                unknown_prior_projects.append(now)
                continue
            for row in before.itertuples():
                prior.setdefault(row.economic_category, []).append(_float_or_none(row.amount_yuan))
                projects.setdefault(row.economic_category, set()).add(project_key)
            for category in set(now["economic_category"]) | set(before["economic_category"]):
                bases.setdefault(category, set()).add(basis)
        unknown_categories = {c for frame in unknown_prior_projects for c in frame["economic_category"]}
        for category in sorted(set(current) | set(prior)):
            now_total, unknown = _sum_or_na(current.get(category, [])) if category in current else (0.0, 0)
            if category in unknown_categories:
                before_total, prior_unknown, basis = None, 1, None
            else:
                before_total, prior_unknown = _sum_or_na(prior[category]) if category in prior else (0.0, 0)
                basis = "+".join(sorted(bases.get(category, set()))) or None
            change, fraction = _change(before_total, now_total)
            records.append({
                "economic_category": category, "fiscal_year": year, "prior_year": year - 1, "prior_yuan": before_total,
                "current_yuan": now_total, "change_yuan": change, "change_fraction": fraction, "prior_basis": basis,
                "n_projects": len(projects.get(category, ())), "n_unknown": unknown, "n_prior_unknown": prior_unknown,
                "n_new": None, "n_ended": None,
            })
    return _typed(pd.DataFrame.from_records(records, columns=_GROUP_COLUMNS("economic_category")))


def _float_or_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def yoy(forms: Forms, by: Literal["project", "department", "economic_category"] = "project") -> pd.DataFrame:
    """Year-over-year change by project, department or economic category.

    Every row has fiscal_year, prior_year, prior_yuan, current_yuan, change_yuan, change_fraction
    (change / prior; NA when the prior is 0 or unknown) and prior_basis (earlier_form,
    stated_in_text, expenditure_column). See the module docstring for how projects are joined.

    >>> import budgetlib as bl
    >>> bl.yoy(bl.read_forms(["data/raw"]), by="department")  # doctest: +SKIP
    """
    if by == "project":
        return yoy_by_project(forms)
    if by == "department":
        return yoy_by_department(forms)
    if by == "economic_category":
        return yoy_by_economic_category(forms)
    raise ValueError(f"by must be 'project', 'department' or 'economic_category', not {by!r}")
