"""The report notebooks' data: the tables of a batch loaded (once per batch, cached across forks),
and the forms a report is about selected from them.

This is the bottom layer of the report sections: it knows tables and forms, nothing about how they
are shown (:mod:`budgetlib.report.present`) or what a report shows (the ``*_sections`` modules).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from budgetlib import schema
from budgetlib.analysis.project_years import project_years
from budgetlib.forms import Forms
from budgetlib.read import read_forms
from budgetlib.report.precomputed import batch_rows

_PRELOADED: dict[str, tuple[tuple[tuple[str, int, int], ...], dict[str, pd.DataFrame]]] = {}


def _tables_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.parquet")))


def _read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        name: in_one_chunk(schema.conform(name, pd.read_parquet(folder / f"{name}.parquet")))
        for name in schema.TABLES
        if (folder / f"{name}.parquet").is_file()
    }


def in_one_chunk(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with each text column in one Arrow chunk.

    A Parquet file written in parts reads as one chunk per row group: a batch of 10^4 forms comes
    back in 20 chunks. Taking a few rows from a chunked column (what selecting one form does) walks
    every chunk: 0.16 ms a column instead of 0.01 ms in one chunk, for every column of every report.
    The values and types are unchanged.
    """
    for column in table.columns:
        values = table[column].array
        if isinstance(values, pd.arrays.ArrowStringArray):
            chunks = values.__arrow_array__()
            if chunks.num_chunks > 1:
                whole = type(values)(pa.chunked_array([chunks.combine_chunks()]), dtype=values.dtype)
                table[column] = pd.Series(whole, index=table.index, name=column)
    return table


def preload(data: str | os.PathLike[str]) -> None:
    """Read a folder of tables once, in a process that then forks report children.

    A batch writes its tables once and runs many notebooks on them; each notebook's
    :func:`load_forms` then finds them in memory (inherited through ``fork``) instead of reading the
    Parquet files again. The memory is checked against the files' names, sizes and modification
    times, so a changed folder is read afresh; an unchanged one is not read twice.
    """
    folder = Path(data)
    key, signature = str(folder.resolve()), _tables_signature(folder)
    if key in _PRELOADED and _PRELOADED[key][0] == signature:
        return  # already in memory, as the files are now
    _PRELOADED[key] = (signature, _read_tables(folder))


def load_forms(data: str | os.PathLike[str], actuals: str | os.PathLike[str] | None = None) -> Forms:
    """The tables of ``data``: a folder of tables written by ``budgetlib parse``/``report`` (Parquet,
    read as is) or forms to parse (files or folders). Batch reports pass the tables they parsed
    once; a notebook opened by hand can point at ``data/raw`` directly.

    ``actuals`` (a notebook's parameter of that name; empty or None: none): a filled actuals sheet
    applied to the forms (:func:`budgetlib.apply_actuals`), as ``budgetlib report --actuals`` does
    for a batch, which applies it once before writing the tables and so passes none here.
    """
    forms = _load(data)
    if actuals:
        from budgetlib.scoring.actuals import apply_actuals, read_actuals

        forms = apply_actuals(forms, read_actuals(actuals))
    return forms


def _load(data: str | os.PathLike[str]) -> Forms:
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


PROJECT_YEARS_FILE = "project_years.parquet"
"""The project-years of a batch, written beside its tables (``reports/data/project_years.parquet``)."""


def write_project_years(forms: Forms, data: str | os.PathLike[str]) -> Path:
    """Write ``bl.project_years`` of all the batch's forms beside its tables, for readers outside the
    reports (every total the reports show is a sum over these rows). Returns the file written.

    The reports compute the same rows from the tables they load; this file is what an analyst opens
    in pandas, DuckDB or Excel's Power Query to check a total.
    """
    folder = Path(data)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PROJECT_YEARS_FILE
    years = project_years(forms)
    years.to_parquet(path, index=False)
    return path


def load_project_years(data: str | os.PathLike[str]) -> pd.DataFrame:
    """The project-years written by :func:`write_project_years` into a folder of tables, typed as the
    schema declares them."""
    table = pd.read_parquet(Path(data) / PROJECT_YEARS_FILE)
    spec = schema.ANALYSIS_TABLES["project_years"]
    types = {"str": "str", "Int64": "Int64", "float64": "float64", "boolean": "boolean"}
    return table.reindex(columns=spec.column_names).astype({c.name: types[c.dtype] for c in spec.columns})


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
    return subset(forms, ids)


def one_form(forms: Forms, form: str) -> Forms:
    """The tables of one form, given its ``form_id`` or, for a file holding a single form, its
    ``source_file``; a clear error naming the forms there are otherwise."""
    projects = forms.projects
    if projects["form_id"].eq(form).any():  # vectorised: a batch's projects table has every form
        return subset(forms, {form}, keep_errors=False)
    in_file = projects.loc[projects["source_file"] == form, "form_id"].tolist()
    if len(in_file) == 1:
        return subset(forms, set(in_file), keep_errors=False)
    if in_file:
        raise KeyError(f"{form!r} holds {len(in_file)} forms; name one of them: {', '.join(in_file)}")
    known = ", ".join(sorted(projects["form_id"])[:10]) or "none"
    raise KeyError(f"no form {form!r} in the data; forms there: {known}")


def subset(forms: Forms, ids: set[str], keep_errors: bool = True, tables: Iterable[str] | None = None) -> Forms:
    """The rows of the forms ``ids`` in every table (or only in ``tables``, the others left out); the
    tables without a ``form_id`` (``errors``) whole, or emptied when not ``keep_errors``.

    In a batch, a table that is the batch's (its ``form_id`` column unchanged) is cut through the
    batch's index of where each form's rows are (:func:`budgetlib.report.precomputed.batch_rows`):
    the same rows, without a pass over the whole table for each report."""
    wanted = None if tables is None else set(tables)
    kept = {}
    for name, df in forms.tables.items():
        if wanted is not None and name not in wanted:
            continue
        if "form_id" in df.columns:
            indexed = batch_rows(name, df, ids)
            kept[name] = indexed if indexed is not None else df[df["form_id"].isin(ids)].reset_index(drop=True)
        else:
            kept[name] = df if keep_errors else df.iloc[0:0]
    return Forms(kept)
