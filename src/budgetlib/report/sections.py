"""The sections of the report notebooks, as functions: each returns a DataFrame or a Figure.

The notebooks stay thin (parameters, calls, prose, results); everything they compute lives here
so that it is tested, reused by both notebooks, and the same in JupyterLab and in a batch run.

Conventions:

- Section tables keep English snake_case columns and raw values (money in 元, NA where unknown),
  so they can be checked and reused; :func:`present` turns one into the Chinese, 万元-formatted
  table a reader sees, and :func:`text_table` into plain text for the cells that nbval checks
  (PNG outputs are never compared, so the numbers behind each chart are printed).
- Sums of money use ``min_count=1`` and say how many amounts were unknown: an amount the form
  states without a unit is NA, never 0, and a total over unknowns is unknown.
- Contradictions are shown side by side with their basis (a prior year stated in the text and in a
  year column), never resolved here.
"""

from __future__ import annotations

import csv
import html
import logging
import os
import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from budgetlib import charts, schema
from budgetlib.forms import Forms
from budgetlib.read import read_forms

log = logging.getLogger(__name__)

EMPTY = "（无）"

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
# loading and selecting


_PRELOADED: dict[str, tuple[tuple[tuple[str, int, int], ...], dict[str, pd.DataFrame]]] = {}


def _tables_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.parquet")))


def _read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        name: schema.conform(name, pd.read_parquet(folder / f"{name}.parquet"))
        for name in schema.TABLES
        if (folder / f"{name}.parquet").is_file()
    }


def preload(data: str | os.PathLike[str]) -> None:
    """Read a folder of tables once, in a process that then forks report children.

    A batch writes its tables once and runs many notebooks on them; each notebook's
    :func:`load_forms` then finds them in memory (inherited through ``fork``) instead of reading the
    Parquet files again. The memory is checked against the files' names, sizes and modification
    times, so a changed folder is read afresh.
    """
    folder = Path(data)
    _PRELOADED[str(folder.resolve())] = (_tables_signature(folder), _read_tables(folder))


def load_forms(data: str | os.PathLike[str]) -> Forms:
    """The tables of ``data``: a folder of tables written by ``budgetlib parse``/``report`` (Parquet,
    read as is) or forms to parse (files or folders). Batch reports pass the tables they parsed
    once; a notebook opened by hand can point at ``data/raw`` directly.
    """
    path = Path(data)
    if path.is_dir() and (path / "projects.parquet").is_file():
        cached = _PRELOADED.get(str(path.resolve()))
        if cached is not None and cached[0] == _tables_signature(path):
            # shallow copies: with pandas' copy-on-write a report's changes never reach the cache
            return Forms({name: df.copy(deep=False) for name, df in cached[1].items()})
        return Forms(_read_tables(path))
    if not path.exists():
        raise FileNotFoundError(f"no forms or tables at {path}")
    return read_forms([path])


def select_forms(forms: Forms, *, fiscal_year: int | None = None, department: str | None = None) -> Forms:
    """The forms of one fiscal year and/or department (name or code); ``None`` means all.

    Tables without a ``form_id`` (``errors``) are kept whole: a file that could not be read belongs
    to no department.
    """
    projects = forms.projects
    keep = pd.Series(True, index=projects.index)
    if fiscal_year is not None:
        keep &= projects["fiscal_year"] == int(fiscal_year)
    if department is not None:
        wanted = str(department).strip()
        keep &= (projects["department"] == wanted) | (projects["department_code"] == wanted)
    ids = set(projects.loc[keep.fillna(False).astype(bool), "form_id"])
    return _subset(forms, ids)


def one_form(forms: Forms, form: str) -> Forms:
    """The tables of one form, given its ``form_id`` or, for a file holding a single form, its
    ``source_file``; a clear error naming the forms there are otherwise."""
    projects = forms.projects
    if form in set(projects["form_id"]):
        return _subset(forms, {form}, keep_errors=False)
    in_file = projects.loc[projects["source_file"] == form, "form_id"].tolist()
    if len(in_file) == 1:
        return _subset(forms, set(in_file), keep_errors=False)
    if in_file:
        raise KeyError(f"{form!r} holds {len(in_file)} forms; name one of them: {', '.join(in_file)}")
    known = ", ".join(sorted(projects["form_id"])[:10]) or "none"
    raise KeyError(f"no form {form!r} in the data; forms there: {known}")


def _subset(forms: Forms, ids: set[str], keep_errors: bool = True) -> Forms:
    tables = {}
    for name, df in forms.tables.items():
        if "form_id" in df.columns:
            tables[name] = df[df["form_id"].isin(ids)].reset_index(drop=True)
        else:
            tables[name] = df if keep_errors else df.iloc[0:0]
    return Forms(tables)


# ----------------------------------------------------------------------------------------------
# presenting


@cache
def _labels() -> dict[tuple[str, str], str]:
    text = (resources.files("budgetlib") / "data" / "report_labels.csv").read_text(encoding="utf-8")
    return {(row["kind"], row["key"]): row["label"] for row in csv.DictReader(text.splitlines())}


def label(kind: str, key: object) -> str:
    """The Chinese label of a column name or a coded value (``form_type``, ``basis``, ``scope`` …);
    the key itself when there is none."""
    if key is None or (not isinstance(key, str) and pd.isna(key)):
        return "—"
    return _labels().get((kind, str(key)), str(key))


_CODED_COLUMNS = ("form_type", "basis", "scope", "horizon", "target_kind", "severity")

UNIT_COST_COLUMNS = frozenset({"unit_price_yuan", "implied_unit_cost_yuan", "unit_cost_yuan", "group_median_yuan"})
"""Money per unit: shown in 元 with two decimals (in 万元 a 91.60 元 unit cost would read 0.01)."""

POINTS_COLUMNS = frozenset({"computed_score", "published_score", "total_score", "score_gap", "official_difference",
                            "total_weight"})
"""Points: at most two decimals (a computed 89.61142… reads 89.61), trailing zeros dropped."""

PERCENT_COLUMNS = frozenset({"execution_rate", "attainment", "package_ratio", "mean_attainment"})
"""Fractions shown as percentages (1.0 → 100.00%)."""


def present(table: pd.DataFrame) -> pd.DataFrame:
    """A section table as a reader sees it: Chinese headers, money in 万元 with thousands separators,
    rates in %, coded values in Chinese, unknowns as '—'."""
    shown = pd.DataFrame(index=table.index)
    for column in table.columns:
        values = table[column]
        if column in UNIT_COST_COLUMNS:
            shown[column] = ["—" if pd.isna(v) else f"{v:,.2f}" for v in values]
        elif column.endswith("_yuan"):
            shown[column] = [charts.format_money(v, "万元") for v in values]
        elif column in PERCENT_COLUMNS:
            shown[column] = ["—" if pd.isna(v) else f"{v:.2%}" for v in values]
        elif column == "change_fraction":
            shown[column] = ["—" if pd.isna(v) else f"{v:+.1%}" for v in values]
        elif column in POINTS_COLUMNS:
            shown[column] = [_points(v) for v in values]
        elif column == "ratio_to_median":
            shown[column] = ["—" if pd.isna(v) else f"{v:.2f}" for v in values]
        elif column in _CODED_COLUMNS:
            shown[column] = [label(column, v) for v in values]
        elif column == "prior_basis":
            shown[column] = ["—" if _is_missing(v) else "+".join(label("basis", b) for b in str(v).split("+"))
                             for v in values]
        elif column == "is_outlier":
            shown[column] = ["—" if _is_missing(v) else "异常" if v else "" for v in values]
        else:
            shown[column] = ["—" if _is_missing(v) else _plain(v) for v in values]
    shown.columns = [label("column", c) for c in table.columns]
    return shown.reset_index(drop=True)


def text_table(table: pd.DataFrame, empty: str = EMPTY, max_width: int = 60) -> str:
    """Plain text of :func:`present`: text left-aligned, numbers right-aligned, columns measured in
    display width (a Chinese character is two columns), cells clipped to ``max_width`` columns.

    This is what the nbval-checked cells print: the numbers behind each chart, in a form that reads
    well in a terminal, in the notebook and in the HTML page (a CJK monospace font).
    """
    if table.empty:
        return empty
    shown = present(table)
    right = [_is_numeric_column(table, column) for column in table.columns]
    headers = [str(h) for h in shown.columns]
    columns = [[_clip(" ".join(str(v).split()), max_width) for v in shown[h]] for h in shown.columns]
    widths = [max(display_width(v) for v in [h, *col]) for h, col in zip(headers, columns, strict=True)]
    rows = [headers, *zip(*columns, strict=True)]
    lines = [
        "  ".join(_pad(cell, width, align) for cell, width, align in zip(row, widths, right, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


class Table:
    """A section table as a notebook shows it: an HTML table for readers (the HTML report, JupyterLab)
    and, as its text form, the same numbers as :func:`text_table` (what nbval compares in the cells
    marked ``# NBVAL_CHECK_OUTPUT``). Both forms are plain functions of the data: no random ids."""

    def __init__(self, data: pd.DataFrame, empty: str = EMPTY, max_width: int = 60) -> None:
        self.data = data
        self.empty = empty
        self.max_width = max_width

    def __repr__(self) -> str:
        return text_table(self.data, self.empty, self.max_width)

    def _repr_html_(self) -> str:
        if self.data.empty:
            return f"<p>{html.escape(self.empty)}</p>"
        shown = present(self.data)
        right = [_is_numeric_column(self.data, column) for column in self.data.columns]

        def cell(tag: str, value: object, is_right: bool) -> str:
            style = ' style="text-align: right; white-space: nowrap"' if is_right else ' style="text-align: left"'
            return f"<{tag}{style}>{html.escape(str(value))}</{tag}>"

        head = "".join(cell("th", h, r) for h, r in zip(shown.columns, right, strict=True))
        body = "\n".join(
            "<tr>" + "".join(cell("td", v, r) for v, r in zip(row, right, strict=True)) + "</tr>"
            for row in shown.itertuples(index=False, name=None)
        )
        return f'<table class="budget-table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>'


def table(data: pd.DataFrame, empty: str = EMPTY, max_width: int = 60) -> Table:
    """A section table to show as a cell's result (see :class:`Table`)."""
    return Table(data, empty, max_width)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospace font: East Asian wide/full-width characters take two."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def _is_numeric_column(table: pd.DataFrame, column: str) -> bool:
    ratio = column in PERCENT_COLUMNS or column in ("change_fraction", "ratio_to_median")
    return column.endswith("_yuan") or ratio or (
        pd.api.types.is_numeric_dtype(table[column]) and not pd.api.types.is_bool_dtype(table[column]))


def prose(table: pd.DataFrame):  # -> IPython.display.HTML
    """(field, value) rows of long text as headed paragraphs, as written (escaped, line breaks kept)."""
    from IPython.display import HTML

    if table.empty:
        return HTML(f"<p>{EMPTY}</p>")
    parts = [
        f"<h4>{html.escape(str(field))}</h4><p>{'<br>'.join(html.escape(line) for line in str(value).splitlines())}</p>"
        for field, value in zip(table["field"], table["value"], strict=True)
    ]
    return HTML("\n".join(parts))


def heading(title: str, subtitle: str = ""):  # -> IPython.display.HTML
    """A report's title block from data (escaped: a project name is text, never markup)."""
    from IPython.display import HTML

    sub = f"<p class='report-subtitle'>{html.escape(subtitle)}</p>" if subtitle else ""
    return HTML(f"<h1>{html.escape(title)}</h1>{sub}")


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _name_of(form: Forms) -> str:
    names = form.projects["project_name"].dropna()
    return str(names.iloc[0]) if len(names) else str(form.projects["form_id"].iloc[0])


# ----------------------------------------------------------------------------------------------
# project report


def project_heading(form: Forms):  # -> IPython.display.HTML
    """Title: the project's name; subtitle: department · year · form type."""
    row = form.projects.iloc[0]
    parts = [
        "" if _is_missing(row["department"]) else str(row["department"]),
        "" if _is_missing(row["fiscal_year"]) else f"{row['fiscal_year']}年",
        label("form_type", row["form_type"]),
    ]
    return heading(_name_of(form), " · ".join(p for p in parts if p))


def project_facts(form: Forms) -> pd.DataFrame:
    """The form's header facts as (field, value) rows, money in 万元 beside the amount as written."""
    row = form.projects.iloc[0]
    rows = []
    for field in FACT_FIELDS:
        value = row[field]
        if field.endswith("_yuan"):
            shown = "—" if _is_missing(value) else f"{charts.format_money(value, '万元')} 万元"
        elif field == "form_type":
            shown = label("form_type", value)
        else:
            shown = "—" if _is_missing(value) else str(_plain(value))
        rows.append({"field": label("column", field), "value": shown})
    return pd.DataFrame(rows, columns=["field", "value"])


def project_texts(form: Forms) -> pd.DataFrame:
    """The form's prose (application reason, content, goals …) as (field, value) rows, as written."""
    row = form.projects.iloc[0]
    rows = [{"field": label("column", f), "value": str(row[f])} for f in TEXT_FIELDS if not _is_missing(row[f])]
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
        f"{name}{'（其中）' if not _is_missing(parent) else ''}{'·总额' if scope == 'total' else ''}"
        for name, parent, scope in zip(rows["source_name"], rows["parent_source"], rows["scope"], strict=True)
    ]
    data = pd.DataFrame({"label": labels, "amount_yuan": rows["amount_yuan"].to_numpy()})
    return charts.amount_bars(data, title="资金来源 (funding sources)", sort=False)


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
    return charts.yoy_bars(data, title="支出明细：按经济分类和年度 (expenditure by category and year)")


def budget_history(forms: Forms) -> pd.DataFrame:
    """What the forms say each year's budget was, one row per project × year × basis.

    Bases are kept apart (本表预算, 文字说明, 支出明细年度列, 往年表): where two disagree, both show.
    """
    columns = ["project_name", "fiscal_year", "basis", "amount_yuan", "amount_as_written", "note"]
    hist = forms.budget_history[columns]
    return hist.sort_values(["project_name", "fiscal_year", "basis"], kind="stable").reset_index(drop=True)


def budget_history_chart(history: pd.DataFrame, *, by: str = "basis", top: int = 12) -> Figure | None:
    """Bars per year, grouped by basis (one project) or by project (``by="project_name"``, using each
    year's own form, basis ``this_form``; only the ``top`` projects with the largest budget, since a
    chart of more is unreadable; the printed table has them all)."""
    rows = history.dropna(subset=["amount_yuan"])
    if by == "project_name":
        rows = rows[rows["basis"] == "this_form"]
        data = rows.groupby(["project_name", "fiscal_year"], sort=False)["amount_yuan"].sum().reset_index()
        largest = data.groupby("project_name")["amount_yuan"].max().sort_values(ascending=False, kind="stable")
        title = "各项目年度预算 (budget by project and year, each year's own form)"
        if len(largest) > top:
            data = data[data["project_name"].isin(largest.index[:top])]
            title = f"预算最大的 {top} 个项目的年度预算 (the {top} largest projects, each year's own form)"
        data = data.rename(columns={"project_name": "label"})
    else:
        data = rows.assign(label=[label("basis", b) for b in rows["basis"]])
        title = "预算沿革：各依据所述年度预算 (budget history by basis)"
    if data.empty:
        return None
    return charts.yoy_bars(data, title=title)


def budget_execution(form: Forms) -> pd.DataFrame:
    """Self-evaluation money lines as written: budgets, executed amount, rate, points and score."""
    columns = ["fund_line", "initial_budget_yuan", "full_year_budget_yuan", "adjusted_budget_yuan",
               "executed_yuan", "execution_rate", "weight", "score"]
    return form.budget_execution[columns].reset_index(drop=True)


def indicator_table(forms: Forms) -> pd.DataFrame:
    """Indicators as written: levels, name, target, points, actual and score."""
    columns = ["horizon", "level1", "level2", "name", "target_text", "weight", "actual_text", "score"]
    return forms.indicators[columns].reset_index(drop=True)


def reading_notes(forms: Forms) -> pd.DataFrame:
    """Source cells no table took (``unparsed``) and what the reader worked around (``warnings``)."""
    unparsed = forms.unparsed.assign(kind="未解析内容")[["kind", "text", "origin"]]
    warnings = forms.warnings.rename(columns={"message": "text", "location": "origin"})
    warnings = warnings.assign(kind="读取提示")[["kind", "text", "origin"]]
    notes = pd.concat([unparsed, warnings], ignore_index=True)
    return notes.rename(columns={"kind": "field"})


# ----------------------------------------------------------------------------------------------
# annual report


def annual_heading(forms: Forms, *, fiscal_year: int | None, department: str | None):  # -> IPython.display.HTML
    """Title of an annual report: scope (department or all) and year (or all years)."""
    who = department if department else "全部部门"
    when = f"{fiscal_year}年度" if fiscal_year is not None else "全部年度"
    count = len(forms.projects)
    return heading(f"预算绩效年度报告：{who}", f"{when} · {count} 张表 (forms)")


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


YOY_COLUMNS: tuple[str, ...] = (
    "fiscal_year", "prior_year", "prior_yuan", "current_yuan", "change_yuan", "change_fraction", "prior_basis",
)
"""What every year-over-year table shows beside its label column; the basis of the prior figure is
always shown (a budget and a recollection of one are not the same evidence)."""


def project_yoy(forms: Forms, form: Forms) -> pd.DataFrame:
    """Year over year of the project ``form`` belongs to, over every year of it found in ``forms``.

    ``forms`` is all the data, not just the one form, so that the prior year's own form is found
    when it is there (``bl.yoy`` prefers it over what this year's form says about last year).
    """
    from budgetlib.analysis.yoy import yoy

    columns = ["project_name", *YOY_COLUMNS, "prior_as_written"]
    table = yoy(forms, by="project")
    keys = set(table.loc[table["form_id"].isin(set(form.projects["form_id"])), "project_key"])
    rows = table[table["project_key"].isin(keys)].sort_values("fiscal_year", kind="stable")
    return rows[columns].reset_index(drop=True)


def yoy_table(
    forms: Forms, by: str, *, fiscal_year: int | None = None, department: str | None = None
) -> pd.DataFrame:
    """Year over year by ``department`` or ``economic_category`` for one department (or all).

    The year filter is applied to the result, not to the forms: last year's forms are what this
    year is compared with.
    """
    from budgetlib.analysis.yoy import yoy

    chosen = select_forms(forms, department=department) if department is not None else forms
    table = yoy(chosen, by=by)
    columns = [by, *YOY_COLUMNS, "n_projects", "n_unknown"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    if fiscal_year is not None:
        table = table[table["fiscal_year"] == int(fiscal_year)]
    return table[columns].reset_index(drop=True)


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
    return charts.yoy_bars(long, title=title or "年度对比 (year over year)")


# ----------------------------------------------------------------------------------------------
# cost basis and unit costs


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
    return charts.cost_breakdown(items.assign(description=[_clip(" ".join(str(d).split()), 30)
                                                           for d in items["description"]]))


UNIT_COST_TABLE: tuple[str, ...] = (
    "project_name", "fiscal_year", "description", "unit_basis", "unit_cost_yuan", "group_size", "group_median_yuan",
    "ratio_to_median", "is_outlier",
)


def unit_cost_table(forms: Forms) -> pd.DataFrame:
    """Unit costs of every cost item with a quantity, compared within items of the same kind and
    basis (``bl.unit_costs``): the group's median, the ratio to it and whether it is an outlier
    (NA where the group is too small to tell)."""
    from budgetlib.analysis.unitcost import unit_costs

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
    labels = [f"{'▲' if flag else ''}{year} {_clip(str(name), 16)}" for name, year, flag in
              zip(table["project_name"], table["fiscal_year"], outlier, strict=True)]
    return charts.unit_cost_comparison(table.assign(label=labels), label="label", basis="unit_basis",
                                       title="单位成本比较（▲ 异常值） (unit costs, ▲ outlier)")


# ----------------------------------------------------------------------------------------------
# review findings


SEVERITY_ORDER: tuple[str, ...] = ("error", "warning", "info")
FINDING_COLUMNS: tuple[str, ...] = ("severity", "check_id", "dimension", "message", "location")


def _check_number(check_id: pd.Series) -> pd.Series:
    return pd.to_numeric(check_id.str.extract(r"(\d+)", expand=False), errors="coerce")


def findings_table(form: Forms) -> pd.DataFrame:
    """The review findings (checks C1–C16) of the forms given, errors first, then warnings, then
    notes, each in check order."""
    found = form.findings
    if found.empty:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    rank = found["severity"].map({s: i for i, s in enumerate(SEVERITY_ORDER)})
    found = found.assign(_rank=rank, _check=_check_number(found["check_id"]))
    found = found.sort_values(["_rank", "_check"], kind="stable")
    return found[list(FINDING_COLUMNS)].reset_index(drop=True)


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
    from budgetlib.analysis.review import rules

    table = finding_counts(forms.findings, "check_id")
    names = rules().drop_duplicates("check_id").set_index("check_id")["check"]
    table.insert(1, "check", table["check_id"].map(names))
    table = table.assign(_check=_check_number(table["check_id"])).sort_values("_check", kind="stable")
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


# ----------------------------------------------------------------------------------------------
# scores


def scores(forms: Forms):  # -> budgetlib.scoring.ScoreResult
    """``bl.score`` with the default policy (ScoringPolicy's documented defaults), so every report
    scores alike."""
    from budgetlib.scoring import ScoringPolicy, score

    return score(forms, policy=ScoringPolicy())


def has_actuals(form: Forms) -> bool:
    """Whether there is anything to score: a self-evaluation, or any indicator with an actual."""
    is_self_evaluation = bool((form.projects["form_type"] == "self_evaluation").any())
    return is_self_evaluation or bool(form.indicators["actual_text"].notna().any())


def _not_scored_note(form: Forms) -> str:
    kinds = "、".join(label("form_type", t) for t in dict.fromkeys(form.projects["form_type"]))
    return f"本表为{kinds}，没有实际完成值，不计分。 (No actuals on this form: nothing to score.)"


def _points(value: object) -> str:
    return "—" if _is_missing(value) else f"{float(value):.2f}".rstrip("0").rstrip(".")  # type: ignore[arg-type]


def score_totals(result, form: Forms) -> Table:
    """The total as computed beside the total the form publishes, and how it was reached (the
    scoring's own explanation); one line saying so where the form has no actuals."""
    if not has_actuals(form):
        return Table(pd.DataFrame(columns=["field", "value"]), empty=_not_scored_note(form))
    row = result.forms.iloc[0]
    rows = [
        ("execution_rate", "—" if _is_missing(row["execution_rate"]) else f"{row['execution_rate']:.2%}"),
        ("budget_execution_score", f"{_points(row['execution_score'])} / {_points(row['execution_weight'])}"),
        ("indicator_score", f"{_points(row['indicator_score'])} / {_points(row['indicator_weight'])}"),
        ("total_score", f"{_points(row['total_score'])} / {_points(row['total_weight'])}"),
        ("grade", "—（未完整计分）" if _is_missing(row["grade"]) else str(row["grade"])),
        ("official_total_score", _points(row["official_total_score"])),
        ("official_difference", _points(row["official_difference"])),
        ("explanation", str(row["explanation"])),
    ]
    data = pd.DataFrame({"field": [label("column", k) for k, _ in rows], "value": [v for _, v in rows]})
    return Table(data, max_width=200)


INDICATOR_SCORE_COLUMNS: tuple[str, ...] = (
    "level1_std", "name", "target_text", "actual_text", "weight", "attainment", "computed_score", "published_score",
    "note",
)


def indicator_scores(result, form: Forms) -> Table | None:
    """Each indicator's target, actual, attainment and computed score beside the published score;
    nothing where the form has no actuals (:func:`score_totals` says so once)."""
    if not has_actuals(form):
        return None
    return Table(result.indicators[list(INDICATOR_SCORE_COLUMNS)].reset_index(drop=True))


def attainment_chart(result, form: Forms) -> Figure | None:
    """Attainment of each indicator of a form with actuals (none without)."""
    if not has_actuals(form) or result.indicators.empty:
        return None
    return charts.attainment(result.indicators)


SCORE_OVERVIEW_COLUMNS: tuple[str, ...] = (
    "project_name", "fiscal_year", "execution_rate", "total_weight", "total_score", "grade", "official_total_score",
    "official_difference",
)


def score_overview(result) -> pd.DataFrame:
    """The self-evaluations scored: execution rate, computed total and grade beside the published total.
    A grade is only given when every indicator could be scored (``is_complete``)."""
    table = result.forms[result.forms["form_type"] == "self_evaluation"]
    table = table.sort_values(["fiscal_year", "project_name"], kind="stable")
    return table[list(SCORE_OVERVIEW_COLUMNS)].reset_index(drop=True)


NOT_GRADED = "未完整计分"


def grade_distribution(overview: pd.DataFrame) -> pd.DataFrame:
    """Self-evaluations per grade, best grade first (the policy's grade order); those not completely
    scored are counted as such, not graded."""
    from budgetlib.scoring import ScoringPolicy

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
    return charts.attainment(data, title="自评计算总分 / 总分值 (computed total / points)")


# ----------------------------------------------------------------------------------------------
# indicator attainment


ATTAINMENT_COLUMNS: tuple[str, ...] = (
    "project_name", "fiscal_year", "level1_std", "name", "target_text", "actual_text", "weight", "attainment",
    "computed_score", "published_score", "score_gap",
)


def _with_projects(result, forms: Forms) -> pd.DataFrame:
    """Scored indicators of the self-evaluations, with their project and year."""
    evaluations = forms.projects.loc[forms.projects["form_type"] == "self_evaluation",
                                     ["form_id", "project_name", "fiscal_year"]]
    return result.indicators.merge(evaluations, on="form_id", how="inner")


def indicator_attainment(result, forms: Forms) -> pd.DataFrame:
    """Target beside actual for every indicator of every self-evaluation, with attainment, computed and
    published score and their gap."""
    table = _with_projects(result, forms)
    table = table.sort_values(["fiscal_year", "project_name", "indicator_no"], kind="stable")
    return table[list(ATTAINMENT_COLUMNS)].reset_index(drop=True)


def attainment_by_level(result, forms: Forms) -> pd.DataFrame:
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


def missed_indicators(result, forms: Forms) -> pd.DataFrame:
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
    return charts.attainment(data, title="未达成目标的指标 (indicators short of target)")


def unscored_indicators(result, forms: Forms) -> pd.DataFrame:
    """Indicators of self-evaluations that could not be scored, with the reason (no actual, a target
    that cannot be measured …): why a total falls short of the points without any target missed."""
    table = _with_projects(result, forms)
    table = table[table["status"] != "scored"].sort_values(["fiscal_year", "project_name", "indicator_no"],
                                                           kind="stable")
    return table[["project_name", "fiscal_year", "name", "target_text", "actual_text", "note"]].reset_index(drop=True)
