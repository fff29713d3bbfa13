"""Which reports a batch makes, with their parameters and safe output names.

One project report per form (a department-wide form, 部门整体, gets its own page too, listed with its
type), one annual report per department and one overall (unless the batch is restricted to one
department, when the overall report would repeat it), and one indicator-attainment report when the
batch holds self-evaluations.

The budgets the index shows for an annual or attainment report are sums over project-years
(``bl.project_years``: one budget per project and year, a department-wide form in none), given
per fiscal year: a report over several years never adds them together. Output names are slugs
made from the data (project names, departments), so they are built to be harmless whatever the
data holds: only letters, digits (any script, so Chinese names stay readable) and ``-``; never
``/``, ``\\``, ``..``, a leading dot or dash; capped in length; and the final path is checked to lie
inside the output folder.

A report's name depends only on its own data, never on the run's filters (``--year``,
``--department``) nor on the order of the forms: names are made unique over every form of the batch
before any filter is applied, and two forms whose names would be the same get the department's name
and, if that is not enough, a digest of their ``form_id`` (``…-2020-declaration-新洲区大数据中心``,
``…-1a2b3c4d``). So a run for one department writes exactly the pages a run for all would write for
that department, under the same names, and never another department's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from budgetlib.formatting import is_missing
from budgetlib.schema import DEPARTMENT_FORM_TYPES, SEVERITIES

MAX_SLUG_CHARS = 60
"""Characters of a slug before its uniqueness suffix (60 CJK characters are 180 bytes in UTF-8)."""

MAX_NAME_BYTES = 200
"""Bytes of a report's file name before its suffix, uniqueness suffixes included (file systems allow
255; ``.ipynb`` and a temporary ``.tmp`` come on top)."""

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


@dataclass(frozen=True)
class ReportJob:
    """One report of a batch: which notebook, with which parameters, written where."""

    kind: str
    """``project`` or ``annual``."""
    notebook: str
    """File name of the notebook in the notebooks folder."""
    stem: str
    """Output path without suffix, relative to the output folder (``projects/<slug>``)."""
    title: str
    """Chinese title, for the page and the index."""
    parameters: dict[str, Any]
    """papermill parameters: values only (str, int, None)."""
    summary: dict[str, Any] = field(default_factory=dict)
    """What the index shows about the report (project, department, year, budget, form type …)."""
    covers: tuple[tuple[str, str], ...] = ()
    """The project pages (stem, Chinese label) of the forms the report covers, which its page links to: an annual
    report's forms; for a project report, the other forms of its project-year."""


def slugify(text: object, fallback: str = "report") -> str:
    """A file-name-safe slug of ``text``: NFKC, lower case, runs of anything but letters and digits
    (any script) turned into one ``-``, trimmed, at most :data:`MAX_SLUG_CHARS` characters.

    >>> slugify("区电子政务网络运行维护 (2020)")
    '区电子政务网络运行维护-2020'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("..")
    'report'
    """
    raw = "" if is_missing(text) else str(text)
    normal = unicodedata.normalize("NFKC", raw).lower()
    slug = _NOT_WORD.sub("-", normal).replace("_", "-")
    slug = re.sub(r"-{2,}", "-", slug).strip("-")[:MAX_SLUG_CHARS].strip("-")
    if not slug:
        return fallback
    if slug in _WINDOWS_RESERVED:
        slug = f"{slug}-{fallback}"
    return slug


def distinct_names(bases: Iterable[tuple[Hashable, str, str | None]]) -> dict[Hashable, str]:
    """Unique, order-independent names from ``(key, base slug, hint)``: a base no other key shares is
    the name; bases that several keys share get the hint's slug (the department, for a project), and
    where that still leaves them equal, the first eight hex digits of the SHA-256 of the key.

    >>> distinct_names([("a#0", "x-2020", "甲局"), ("b#0", "x-2020", "乙局"), ("c#0", "y-2020", "甲局")])
    {'a#0': 'x-2020-甲局', 'b#0': 'x-2020-乙局', 'c#0': 'y-2020'}
    """
    items = list(bases)
    shared = Counter(base for _, base, _ in items)
    hinted = {key: base if shared[base] == 1 else _fit(base, slugify(hint, fallback="")) for key, base, hint in items}
    still = Counter(hinted.values())
    return {key: name if still[name] == 1 else _fit(name, _digest(key)) for key, name in hinted.items()}


def _fit(base: str, suffix: str) -> str:
    """``base-suffix`` in at most :data:`MAX_NAME_BYTES` bytes of UTF-8 (the base shortened)."""
    if not suffix:
        return base
    while len(f"{base}-{suffix}".encode()) > MAX_NAME_BYTES and len(base) > 1:
        base = base[:-1].rstrip("-")
    return f"{base}-{suffix}"


def _digest(key: Hashable) -> str:
    return hashlib.sha256(str(key).encode("utf-8", "backslashreplace")).hexdigest()[:8]


def confined(out: Path, stem: str, suffix: str) -> Path:
    """``out/stem+suffix``, refusing any path that would land outside ``out``."""
    root = out.resolve()
    path = (root / f"{stem}{suffix}").resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"report path {stem!r} would leave the output folder {out}")
    return path


def _int_or_none(value: object) -> int | None:
    return None if is_missing(value) else int(value)  # type: ignore[call-overload]


def _text(value: object) -> str | None:
    return None if is_missing(value) else str(value)


PLAN_COLUMNS: tuple[str, ...] = (
    "form_id", "project_name", "fiscal_year", "form_type", "department", "department_code",
    "current_year_budget_yuan", "source_file",
)
"""The columns of the projects table that the plan (jobs, titles, the index's summaries) reads."""


def plan_reports(
    projects: pd.DataFrame,
    data_dir: str,
    *,
    fiscal_year: int | None = None,
    department: str | None = None,
    findings: pd.DataFrame | None = None,
    years: pd.DataFrame | None = None,
) -> list[ReportJob]:
    """The reports for the forms in ``projects`` (the projects table), restricted to one fiscal year
    and/or department when given. ``data_dir`` is what the notebooks read (the parsed tables).
    ``findings`` (the review findings table) gives each report's error and warning counts for the
    index; without it they are unknown (None), not 0. ``years`` (``bl.project_years`` of the same
    forms) gives the annual reports' budgets by year; without it they are unknown (None)."""
    counts = finding_counts(findings)
    # the columns planning reads, alone: each report's forms are picked out of the batch's rows, and
    # the projects table has about forty columns to carry along otherwise
    projects = projects[[column for column in PLAN_COLUMNS if column in projects.columns]].assign(
        errors=projects["form_id"].map(counts["error"]) if counts is not None else None,
        warnings=projects["form_id"].map(counts["warning"]) if counts is not None else None,
    )
    names = _Names.of(projects)
    chosen = projects
    if fiscal_year is not None:
        chosen = chosen[chosen["fiscal_year"] == fiscal_year]
    if department is not None:
        chosen = chosen[(chosen["department"] == department) | (chosen["department_code"] == department)]
    chosen = chosen.sort_values(["department", "fiscal_year", "project_name", "form_id"], kind="stable",
                                na_position="last")
    rows = chosen.to_dict("records")
    jobs = [_project_job(row, data_dir, names.forms[row["form_id"]]) for row in rows]
    chosen_years = _years_of(years, chosen)
    covers = _Covers.of(rows, chosen_years)
    if fiscal_year is not None:
        jobs += _period_jobs(chosen, data_dir, fiscal_year, department, names, years)
        return [_with_covers(job, names, chosen, covers) for job in jobs]
    known = sorted({int(y) for y in chosen["fiscal_year"].dropna()})
    for year in known:
        jobs += _period_jobs(chosen[chosen["fiscal_year"] == year], data_dir, year, department, names, years)
    if len(known) > 1 or chosen["fiscal_year"].isna().any():
        # one report over all years (the department's, or all departments'): years side by side
        named = sorted({d for d in chosen["department"].dropna()})
        who = named[0] if department is not None and len(named) == 1 else department
        jobs.append(_annual_job(chosen, data_dir, None, who, names, chosen_years))
        if (chosen["form_type"] == "self_evaluation").any():
            jobs.append(_attainment_job(chosen, data_dir, None, department, names, chosen_years))
    return [_with_covers(job, names, chosen, covers) for job in jobs]


@dataclass(frozen=True)
class _Covers:
    """What the links of a batch's reports are made from, found once for the batch: a pass over
    every form (or project-year) for each report would cost forms × reports."""

    labels: dict[Hashable, str]
    """How each chosen form is named in a link, by ``form_id``."""
    siblings: dict[str, list[str]]
    """The other forms of each form's project-year (the last project-year that holds it)."""

    @classmethod
    def of(cls, rows: list[dict[str, Any]], years: pd.DataFrame | None) -> _Covers:
        siblings: dict[str, list[str]] = {}
        if years is not None:
            for text in years["form_ids"].dropna():
                ids = str(text).split(";")
                for form in ids:
                    siblings[form] = [i for i in ids if i != form]
        return cls({row["form_id"]: _form_label(row) for row in rows}, siblings)


def _with_covers(job: ReportJob, names: _Names, chosen: pd.DataFrame, covers: _Covers) -> ReportJob:
    """``job`` with the stems of the project pages it links to (:attr:`ReportJob.covers`)."""
    if job.kind == "project":
        ids = [i for i in covers.siblings.get(str(job.parameters["form"]), []) if i in names.forms]
    else:
        part = chosen
        department = job.parameters.get("department")
        if department is not None:
            part = part[(part["department"] == department) | (part["department_code"] == department)]
        if job.parameters.get("fiscal_year") is not None:
            part = part[part["fiscal_year"] == job.parameters["fiscal_year"]]
        if job.notebook == "indicator_attainment.ipynb":
            part = part[part["form_type"] == "self_evaluation"]
        ids = list(part["form_id"])
    return replace(job, covers=tuple((f"projects/{names.forms[i]}", covers.labels.get(i, str(i))) for i in ids))


def _form_label(row: dict[str, Any]) -> str:
    """How a form is named in a link: project (or department), year, form type in Chinese."""
    from budgetlib.report.present import label

    name = _text(row["project_name"]) or _text(row["department"]) or str(row["form_id"])
    year = _int_or_none(row["fiscal_year"])
    return " · ".join(p for p in (name, f"{year}年" if year else None, label("form_type", row["form_type"])) if p)


def _period_jobs(part: pd.DataFrame, data_dir: str, fiscal_year: int | None, department: str | None,
                 names: _Names, years: pd.DataFrame | None) -> list[ReportJob]:
    """The annual reports of one fiscal year: all departments' (unless the batch is about one), each
    department's, and the indicator attainment of its self-evaluations."""
    jobs = []
    part_years = _years_of(years, part)
    if department is None and len(part):
        jobs.append(_annual_job(part, data_dir, fiscal_year, None, names, part_years))
    for name in sorted({d for d in part["department"].dropna()}):
        mine = part[part["department"] == name]
        jobs.append(_annual_job(mine, data_dir, fiscal_year, name, names, _years_of(years, mine)))
    if (part["form_type"] == "self_evaluation").any():
        jobs.append(_attainment_job(part, data_dir, fiscal_year, department, names, part_years))
    return jobs


def _years_of(years: pd.DataFrame | None, part: pd.DataFrame) -> pd.DataFrame | None:
    """The project-years of the forms in ``part``: those holding one of its forms (``form_ids`` is
    ';'-separated), so that a year or department filter selects the same project-years as forms."""
    if years is None:
        return None
    ids = set(part["form_id"])
    holds = years["form_ids"].fillna("").map(lambda text: any(i in ids for i in str(text).split(";")))
    return years[holds.astype(bool)]


def budget_by_year(years: pd.DataFrame | None) -> dict[int, dict[str, Any]]:
    """Per fiscal year: the known budgets' sum in 元 (None when none is known), the project-years and
    how many of them have no known budget. Each project-year once; years never added together.

    >>> years = pd.DataFrame({"fiscal_year": [2021, 2021, 2022], "budget_yuan": [1.0, None, None]})
    >>> budget_by_year(years)
    {2021: {'budget_yuan': 1.0, 'projects': 2, 'unknown': 1}, 2022: {'budget_yuan': None, 'projects': 1, 'unknown': 1}}
    """
    if years is None or years.empty:
        return {}
    out: dict[int, dict[str, Any]] = {}
    for year, group in years.groupby("fiscal_year", sort=True):
        known = group["budget_yuan"].dropna()
        out[int(year)] = {"budget_yuan": float(known.sum()) if len(known) else None, "projects": len(group),
                          "unknown": int(group["budget_yuan"].isna().sum())}
    return out


def _budget_summary(years: pd.DataFrame | None) -> dict[str, Any]:
    """An annual report's budget for the index: one total when it covers one year, else None beside
    the figures of each year (``budget_by_year``)."""
    by_year = budget_by_year(years)
    one = next(iter(by_year.values())) if len(by_year) == 1 else None
    return {
        "budget_yuan": one["budget_yuan"] if one else None,
        "budget_unknown": one["unknown"] if one else sum(y["unknown"] for y in by_year.values()),
        "projects": None if years is None else len(years),
        "budget_by_year": by_year,
    }


@dataclass(frozen=True)
class _Names:
    """The names of a batch's reports, made over all its forms before any filter."""

    forms: dict[Hashable, str]
    """Project report slug by ``form_id``."""
    departments: dict[Hashable, str]
    """Slug by department name (None: all departments)."""

    @classmethod
    def of(cls, projects: pd.DataFrame) -> _Names:
        rows = projects[["form_id", "project_name", "fiscal_year", "form_type", "department"]].to_dict("records")
        forms = distinct_names((row["form_id"], _project_base(row), _text(row["department"])) for row in rows)
        departments = sorted({d for d in projects["department"].dropna()})
        slugs = distinct_names([(None, ALL_DEPARTMENTS, None),
                                *((name, slugify(name, fallback="department"), None) for name in departments)])
        return cls(forms, slugs)

    def period(self, kind: str, department: str | None, fiscal_year: int | None) -> str:
        """``annual-<department>-<year>`` (or ``indicator-attainment-…``): the year always kept whole."""
        who = self.departments.get(department) or slugify(department, fallback="department")
        return _fit(slugify(f"{kind}-{who}"), str(fiscal_year or "all-years"))


ALL_DEPARTMENTS = "all-departments"


def _project_base(row: dict[str, Any]) -> str:
    parts = (_text(row["project_name"]), _int_or_none(row["fiscal_year"]), row["form_type"])
    return slugify("-".join(str(p) for p in parts if p is not None), fallback=slugify(row["form_id"]))


def _attainment_job(
    part: pd.DataFrame, data_dir: str, fiscal_year: int | None, department: str | None, names: _Names,
    years: pd.DataFrame | None = None,
) -> ReportJob:
    """One indicator-attainment report per batch (its self-evaluations: scores, grades, targets and
    actuals), listed with the annual reports since it covers the same scope."""
    annual = _annual_job(part, data_dir, fiscal_year, department, names, years)
    named = sorted({d for d in part["department"].dropna()})
    who = named[0] if department is not None and len(named) == 1 else department  # by name, even if given by code
    evaluations = part[part["form_type"] == "self_evaluation"]
    return ReportJob(
        kind="annual",
        notebook="indicator_attainment.ipynb",
        stem=f"annual/{names.period('indicator-attainment', who, fiscal_year)}",
        title=annual.title.replace("年度报告", "指标完成情况"),
        parameters=annual.parameters,
        summary={**annual.summary, "forms": len(evaluations),
                 **_budget_summary(_years_of(years, evaluations)),
                 "errors": _counts_total(evaluations["errors"].astype("Float64")),
                 "warnings": _counts_total(evaluations["warnings"].astype("Float64"))},
    )


def finding_counts(findings: pd.DataFrame | None) -> pd.DataFrame | None:
    """Errors and warnings per form (columns ``error``, ``warning``; 0 where a form has none)."""
    if findings is None:
        return None
    counts = pd.crosstab(findings["form_id"], findings["severity"]) if len(findings) else pd.DataFrame()
    return counts.reindex(columns=list(SEVERITIES[:2]), fill_value=0)


def _counts_total(values: pd.Series) -> int | None:
    return None if values.isna().all() else int(values.fillna(0).sum())


def _project_job(row: dict[str, Any], data_dir: str, slug: str) -> ReportJob:
    name = _text(row["project_name"])
    year = _int_or_none(row["fiscal_year"])
    return ReportJob(
        kind="project",
        notebook="project_report.ipynb",
        stem=f"projects/{slug}",
        title=(f"{_text(row['department']) or row['form_id']} · 部门整体报告"
               if row["form_type"] in DEPARTMENT_FORM_TYPES else f"{name or row['form_id']} · 项目报告"),
        parameters={"data": data_dir, "form": str(row["form_id"])},
        summary={
            "project": name or (f"（部门整体）{_text(row['department'])}" if row["form_type"] in DEPARTMENT_FORM_TYPES
                                and _text(row["department"]) else "—"),
            "department": _text(row["department"]) or "—",
            "fiscal_year": year,
            "budget_yuan": None if pd.isna(row["current_year_budget_yuan"]) else float(row["current_year_budget_yuan"]),
            "form_type": _text(row["form_type"]),
            "source_file": _text(row["source_file"]),
            "errors": _int_or_none(row["errors"]),
            "warnings": _int_or_none(row["warnings"]),
        },
    )


def _annual_job(
    part: pd.DataFrame, data_dir: str, fiscal_year: int | None, department: str | None, names: _Names,
    years: pd.DataFrame | None = None,
) -> ReportJob:
    who = department or "全部部门"
    when = f"{fiscal_year}年度" if fiscal_year is not None else "全部年度"
    slug = names.period("annual", department, fiscal_year)
    return ReportJob(
        kind="annual",
        notebook="annual_report.ipynb",
        stem=f"annual/{slug}",
        title=f"{who} · {when} · 年度报告",
        parameters={"data": data_dir, "fiscal_year": fiscal_year, "department": department},
        summary={
            "department": who,
            "fiscal_year": when,
            "forms": len(part),
            "department_forms": int(part["form_type"].isin(DEPARTMENT_FORM_TYPES).sum()),
            **_budget_summary(years),
            "errors": _counts_total(part["errors"].astype("Float64")),
            "warnings": _counts_total(part["warnings"].astype("Float64")),
        },
    )
