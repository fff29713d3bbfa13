"""The cross-form review checks (C17–C20) over the tables a streamed ``budgetlib parse`` wrote.

Why: ``budgetlib parse`` reads a province's forms batch by batch and appends each batch's tables to
its output, so that memory stays flat; a batch cannot see the other forms of its projects, and the
checks that compare the forms of one project-year (:mod:`budgetlib.analysis.crossform`) were left
out of its ``findings``, although ``bl.read_forms`` and ``budgetlib report`` have them. Here they
are computed once the batches are written, from the written tables themselves, and appended to the
written ``findings``:

- of every form only the columns that say which project it is of (:data:`KEY_COLUMNS`); then, of
  the projects that can have a cross-form finding (more than one form, or a self-evaluation), what
  the checks read (:data:`CROSS_FORM_INPUT`), ``indicators`` only for the forms of a project-year
  with more than one form (no other form can have a C18 finding);
- the forms are taken a whole project at a time, in chunks of at most :data:`CHUNK_FORMS` forms, so
  that the indicators held at once stay bounded at any scale. A project's forms of every year go
  into the same chunk: its project key (:func:`~budgetlib.analysis.project_years.project_keys`) is
  the same from the chunk as from all the forms, and so are its findings.

The findings come after the per-form ones, in the order of the projects' first forms.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from budgetlib import schema
from budgetlib.analysis.crossform import CROSS_FORM_CHECK_IDS
from budgetlib.analysis.project_keys import PROJECT_KEY_COLUMNS, number_texts, project_keys
from budgetlib.analysis.project_years import project_year_forms
from budgetlib.analysis.review import ReviewConfig, review_across_forms, review_names_across_projects
from budgetlib.forms import Forms
from budgetlib.output import PART_PATTERN, arrow_schema, csv_original_text, csv_safe_frame, part_path

__all__ = ["CHUNK_FORMS", "CROSS_FORM_INPUT", "append_cross_form_findings", "cross_form_findings_of_written"]

CROSS_FORM_INPUT: dict[str, tuple[str, ...] | None] = {
    "projects": ("form_id", "form_type", "fiscal_year", "project_code", "project_name", "department",
                 "department_code", "current_year_budget_yuan", "budget_as_written", "source_file"),
    "budget_execution": None,
    "indicators": None,
}
"""What the cross-form checks read, by table (None: every column). A test holds them to it: the
findings from these columns alone are those of the whole tables."""

KEY_COLUMNS: tuple[str, ...] = (*PROJECT_KEY_COLUMNS, "form_type")
"""The columns of ``projects`` that say which project a form is of, and whether it is a
self-evaluation (all that is read of every form)."""

CHUNK_FORMS = 20_000
"""At most this many forms' tables are held at once (whole projects; a project with more forms than
this is a chunk of its own)."""


def _typed_from_csv(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Columns read from a budgetlib CSV (text, formula guard on) in the table's own types."""
    dtypes = schema.pandas_dtypes(name)
    typed: dict[str, pd.Series] = {}
    for column in df.columns:
        values = df[column].map(lambda v: csv_original_text(v) if isinstance(v, str) else v)
        kind = dtypes.get(column, "str")
        if kind == "boolean":
            values = values.map({"True": True, "False": False, "true": True, "false": False}).astype("boolean")
        elif kind in ("float64", "Int64"):
            values = pd.to_numeric(values, errors="coerce").astype(kind)
        else:
            values = values.astype("str")
        typed[column] = values
    return pd.DataFrame(typed, index=df.index)


def read_written(out: Path, fmt: str, name: str, columns: Sequence[str] | None = None,
                 form_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Table ``name`` as ``budgetlib parse`` wrote it into ``out`` (a Parquet file, a folder of Parquet
    parts, or a CSV file), only ``columns`` (all when None), only the rows of ``form_ids`` (all when
    None), in the schema's types and column order."""
    wanted = list(columns) if columns is not None else None
    ids = None if form_ids is None else sorted(set(form_ids))
    path = out / f"{name}.{fmt}"
    if ids == [] or not path.exists():
        df = schema.empty_frame(name)
    elif fmt == "parquet":
        df = _parquet_rows(path, wanted, ids)
    elif fmt == "csv":
        chunks = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, na_values=[""],
                             usecols=wanted, chunksize=100_000)
        keep = None if ids is None else set(ids)
        parts = [chunk if keep is None else chunk[chunk["form_id"].isin(keep)] for chunk in chunks]
        df = _typed_from_csv(name, pd.concat(parts, ignore_index=True)) if parts else schema.empty_frame(name)
    else:
        raise ValueError(f"tables are read back from parquet or csv, not {fmt!r}")
    if wanted is None:
        return schema.conform(name, df.reset_index(drop=True))
    # only the columns asked for, typed: not every column of the table made first (at 10^5 forms
    # the whole projects table, mostly empty columns, cost 200 MiB more)
    dtypes = schema.pandas_dtypes(name)
    return df.reset_index(drop=True).reindex(columns=wanted).astype({c: dtypes[c] for c in wanted})


def _parquet_rows(path: Path, columns: list[str] | None, form_ids: list[str] | None) -> pd.DataFrame:
    """The ``columns`` of the rows of ``form_ids`` (every row when None) of a Parquet file or folder of
    parts, read a row group at a time and filtered as it is read.

    ``pandas.read_parquet(filters=...)`` decoded every column of the table before filtering, with
    Arrow's read-ahead: the indicators of 20,000 forms out of 10^5 took 174 MiB to read where they
    hold 30.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    files = sorted(path.glob(PART_PATTERN)) if path.is_dir() else [path]
    read = None if columns is None else list(dict.fromkeys([*columns, *(["form_id"] if form_ids is not None else [])]))
    wanted = None if form_ids is None else pa.array(form_ids, type=pa.large_string())
    pieces = []
    for file in files:
        for group in _row_groups(file, read):
            if wanted is not None:
                group = group.filter(pc.is_in(group["form_id"].cast(pa.large_string()), value_set=wanted))
            if group.num_rows:
                pieces.append(group)
    if not pieces:
        return pd.DataFrame(columns=columns) if columns is not None else pd.DataFrame()
    table = pa.concat_tables(pieces, promote_options="permissive")
    if columns is not None:
        table = table.select(columns)
    return table.to_pandas()


def _chunks(projects: pd.DataFrame, limit: int) -> list[list[str]]:
    """The form ids in chunks of whole projects (all years), each of at most ``limit`` forms, less the
    projects that can have no cross-form finding: one form that is not a self-evaluation (C17 and
    C18 compare two forms, C19 concerns self-evaluations). Projects in the order of their first
    forms, a project's forms in their order.

    In arrays of numbers, not a dict of every project's form ids: that dict held a Python string for
    every form (10^6 of them), though most projects (one form, no self-evaluation) are left out.
    """
    n = len(projects)
    rows = np.arange(n)
    project = number_texts(project_keys(projects))  # every form has a key: no -1
    first_form = np.full(n + 1, n, dtype=np.int64)
    np.minimum.at(first_form, project, rows)
    forms_of = np.bincount(project, minlength=n + 1)
    evaluated = np.bincount(project, weights=(projects["form_type"] == "self_evaluation").to_numpy(bool),
                            minlength=n + 1) > 0
    kept = np.flatnonzero((forms_of >= 2) | evaluated)
    kept = kept[np.argsort(first_form[kept])]  # projects in the order of their first forms
    place = np.full(n + 1, -1, dtype=np.int64)
    place[kept] = np.arange(len(kept))
    taken = np.flatnonzero(place[project] >= 0)
    taken = taken[np.argsort(place[project[taken]], kind="stable")]  # by project, then in row order
    form_ids = projects["form_id"].iloc[taken].tolist()
    chunks: list[list[str]] = [[]]
    start = 0
    for size in forms_of[kept].tolist():
        if chunks[-1] and len(chunks[-1]) + size > limit:
            chunks.append([])
        chunks[-1].extend(form_ids[start:start + size])
        start += size
    return [chunk for chunk in chunks if chunk]


def cross_form_findings_of_written(out: str | os.PathLike[str], fmt: str, config: ReviewConfig | None = None,
                                   chunk_forms: int = CHUNK_FORMS) -> pd.DataFrame:
    """The findings of checks C17–C20 over every form written into ``out`` (``fmt`` parquet or csv),
    as the ``findings`` table: the rows ``review_across_forms`` gives for all the forms together."""
    folder = Path(out)
    config = config or ReviewConfig()
    key_columns = read_written(folder, fmt, "projects", KEY_COLUMNS)
    chunks = _chunks(key_columns, chunk_forms)
    names_alike = review_names_across_projects(key_columns, config)  # C20 compares projects: over every form
    del key_columns
    found: list[pd.DataFrame] = []
    wanted = config.checks if config.checks is not None else CROSS_FORM_CHECK_IDS
    config = replace(config, checks=tuple(check for check in wanted if check != "C20"))
    for chunk in chunks:
        ids = set(chunk)
        own = Forms({name: read_written(folder, fmt, name, CROSS_FORM_INPUT[name], form_ids=ids)
                     for name in ("projects", "budget_execution")})
        year_forms = project_year_forms(own)
        sizes = year_forms.groupby(["project_key", "fiscal_year"])["form_id"].transform("size")
        own.tables["indicators"] = read_written(folder, fmt, "indicators", CROSS_FORM_INPUT["indicators"],
                                                form_ids=year_forms.loc[sizes > 1, "form_id"])
        findings = review_across_forms(own, config)
        if len(findings):
            found.append(findings)
    if len(names_alike):
        found.append(names_alike)
    if not found:
        return schema.empty_frame("findings")
    return schema.conform("findings", pd.concat(found, ignore_index=True))


def append_cross_form_findings(out: str | os.PathLike[str], fmt: str, config: ReviewConfig | None = None) -> int:
    """Add the cross-form findings (C17–C20) of the forms written into ``out`` to its ``findings``
    (a Parquet file is written again whole, under a temporary name and renamed; a folder of Parquet
    parts gets one part more; a CSV file gets the rows appended). Returns the rows added."""
    folder = Path(out)
    extra = cross_form_findings_of_written(folder, fmt, config)
    if extra.empty:
        return 0
    path = folder / f"findings.{fmt}"
    if fmt == "csv":
        csv_safe_frame(extra).to_csv(path, mode="a", header=not path.exists(), index=False, encoding="utf-8")
        return len(extra)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(extra, schema=arrow_schema("findings"), preserve_index=False)
    if path.is_dir():
        taken = [int(p.stem.removeprefix("part-")) for p in path.glob(PART_PATTERN)]
        pq.write_table(table, part_path(folder, "findings", max(taken, default=-1) + 1))
    else:
        temporary = path.with_name(path.name + ".tmp")
        with pq.ParquetWriter(temporary, table.schema) as writer:
            for group in _row_groups(path):
                writer.write_table(group.cast(table.schema))
            writer.write_table(table)
        os.replace(temporary, path)
    return len(extra)


def _row_groups(path: Path, columns: list[str] | None = None) -> Iterator[Any]:
    """The row groups of a Parquet file one at a time, only ``columns`` when given (none when there is
    no file): how written tables are read back (:func:`_parquet_rows`) and appended to.

    Copied a row group at a time, the findings of 10^5 forms (1.7 million rows, in the row groups of
    their batches) are appended to with a peak of 223 MB instead of 948 MB (the whole file read and
    concatenated); the cross-form checks themselves take 146 MB. The row groups stay as they were.
    """
    import pyarrow.parquet as pq

    if not path.exists():
        return
    with pq.ParquetFile(path) as existing:
        for index in range(existing.num_row_groups):
            yield existing.read_row_group(index, columns=columns)
