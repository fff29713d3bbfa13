"""Writing the tables: Parquet, CSV (UTF-8 with BOM, for Excel/WPS) or one xlsx workbook.

Form texts are untrusted, and spreadsheets run formulas: a cell "=HYPERLINK(...)" or "=1+1" must
stay text. The xlsx workbook stores every text as a text cell. CSV has no cell types, so a text that
starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) is written with a leading
apostrophe, which Excel and WPS take as "this is text" (see :func:`csv_safe_text`); Parquet keeps
every text exactly as read.

Large batches stream: files are read in batches and each batch's tables are appended to the open
Parquet/CSV files (a Parquet row group per batch), so memory stays flat however many forms there are.
On a cluster with shared storage each batch can instead be written by its worker as a part file of a
Parquet dataset (``DIR/projects.parquet/part-000000.parquet`` …), which ``pandas.read_parquet`` reads
back as one table, exactly as it reads the single file.

These functions write where they are told. ``budgetlib parse`` and ``budgetlib report`` tell them to
write into a staging folder that is published whole (:mod:`budgetlib.outdir`); here, a symbolic link
where a file goes is replaced by the file, never written through.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from budgetlib import schema
from budgetlib.formatting import is_missing
from budgetlib.forms import Forms

PART_PATTERN = "part-*.parquet"

FORMATS = ("parquet", "csv", "xlsx")
XLSX_FILE = "budgetlib.xlsx"
"""The workbook `write_tables` writes with the xlsx format: one sheet per table."""
_XLSX_SHEET_LIMIT = 1_048_575


def arrow_schema(name: str):  # -> pyarrow.Schema
    """The Arrow schema of table ``name`` (what every Parquet file of it is written with)."""
    import pyarrow as pa

    return pa.Schema.from_pandas(schema.empty_frame(name), preserve_index=False)


ROW_GROUP_BYTES = 4 * 1024 * 1024
"""A table's batches are gathered into Parquet row groups of about this many bytes (in Arrow)."""


class TableWriter:
    """Appends chunks of tables to one file per table in ``out`` (parquet or csv).

    Parquet: a table's chunks are written as one row group once they hold :data:`ROW_GROUP_BYTES`.
    A writer keeps the metadata of every row group it wrote until the file is closed, and a row
    group per batch of 500 forms made that grow with the forms: the projects table's 50 columns
    alone took 43 MiB for 1,000 row groups, and a parse of 10^6 forms grew by 244 MiB while reading
    (2,000 row groups a table; their footers are 37 MiB on disk). Readers also read fewer, larger
    row groups faster.
    """

    def __init__(self, out: Path, fmt: str) -> None:
        if fmt not in ("parquet", "csv"):
            raise ValueError(f"streaming supports parquet and csv, not {fmt!r}")
        self.out = out
        self.fmt = fmt
        self._parquet: dict[str, Any] = {}  # pyarrow.parquet.ParquetWriter, imported when first needed
        self._gathered: dict[str, list[Any]] = {}  # Arrow tables not yet written, by table
        self._csv_started: set[str] = set()
        self.row_counts: dict[str, int] = dict.fromkeys(schema.FORM_TABLES, 0)
        out.mkdir(parents=True, exist_ok=True)

    def write(self, forms: Forms) -> None:
        for name in schema.FORM_TABLES:
            df = forms.tables.get(name)
            if df is None:
                continue
            self.row_counts[name] += len(df)
            if self.fmt == "parquet":
                self._write_parquet(name, df)
            else:
                self._write_csv(name, df)

    def _write_parquet(self, name: str, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = self._parquet.get(name)
        if writer is None:
            path = self.out / f"{name}.parquet"
            if path.is_dir() and not path.is_symlink():
                raise IsADirectoryError(f"{path} is a folder (the parts of a cluster run); remove it or choose "
                                        "another output folder")
            writer = pq.ParquetWriter(_not_a_link(path), arrow_schema(name))
            self._parquet[name] = writer
        if len(df):
            gathered = self._gathered.setdefault(name, [])
            gathered.append(pa.Table.from_pandas(df, schema=writer.schema, preserve_index=False))
            if sum(table.nbytes for table in gathered) >= ROW_GROUP_BYTES:
                self._write_gathered(name)

    def _write_gathered(self, name: str) -> None:
        import pyarrow as pa

        gathered = self._gathered.pop(name, None)
        if gathered:
            self._parquet[name].write_table(pa.concat_tables(gathered))

    def _write_csv(self, name: str, df: pd.DataFrame) -> None:
        path = self.out / f"{name}.csv"
        first = name not in self._csv_started
        if first:
            _not_a_link(path)
        csv_safe_frame(df).to_csv(path, mode="w" if first else "a", header=first, index=False,
                  encoding="utf-8-sig" if first else "utf-8")
        self._csv_started.add(name)

    def close(self) -> None:
        """Finish every file; the first failure (a full disk) is raised once all were tried."""
        failure: Exception | None = None
        for name, writer in self._parquet.items():
            try:
                self._write_gathered(name)
                writer.close()
            except Exception as exc:
                failure = failure or exc
                writer.is_open = False  # else pyarrow retries (and prints) on collection
        self._parquet.clear()
        self._gathered.clear()
        if failure is not None:
            raise failure
        for name in schema.FORM_TABLES:
            if self.fmt == "csv" and name not in self._csv_started:
                path = _not_a_link(self.out / f"{name}.csv")
                schema.empty_frame(name).to_csv(path, index=False, encoding="utf-8-sig")


def _not_a_link(path: Path) -> Path:
    """``path``, with a symbolic link there removed (the link, not its target): a file is written
    where it is named, never where a link points."""
    if path.is_symlink():
        path.unlink()
    return path


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make Excel, WPS, LibreOffice and Google Sheets read a CSV cell as a formula."""
_FORMULA_LIKE = r"'*[=+\-@\t\r]"


def csv_safe_text(value: str) -> str:
    """A text for a CSV cell that no spreadsheet runs as a formula: a leading apostrophe when it starts
    like one. Reversible (:func:`csv_original_text`): a text that already starts with apostrophes
    before such a character gets one more.

    >>> csv_safe_text("=1+1"), csv_safe_text("-5万"), csv_safe_text("区电子政务"), csv_safe_text("'=x")
    ("'=1+1", "'-5万", '区电子政务', "''=x")
    """
    if value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_original_text(value: str) -> str:
    """The text :func:`csv_safe_text` was given."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`csv_safe_text` applied to its text columns (numbers are left alone: a number
    is never a formula). Returns ``df`` itself when no cell needs it."""
    changed: dict[str, pd.Series] = {}
    for column in df.columns:
        series = df[column]
        if series.dtype.kind != "O" and not pd.api.types.is_string_dtype(series.dtype):
            continue
        needs = series.str.match(_FORMULA_LIKE, na=False).astype(bool)
        if needs.any():
            changed[column] = series.mask(needs, "'" + series[needs])
    return df.assign(**changed) if changed else df


XLSX_CELL_CHARS = 32_767
"""Excel's limit on the characters of a cell; a longer file makes Excel "repair" the workbook."""


def xlsx_text(value: str) -> str:
    """A text an xlsx cell can hold: the control characters XML forbids written as ``\\xNN``, and at
    most :data:`XLSX_CELL_CHARS` characters (the end marked ``…``). Parquet and CSV keep the text whole.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", value)
    if len(value) > XLSX_CELL_CHARS:
        value = value[: XLSX_CELL_CHARS - 1] + "…"
    return value


def write_xlsx(forms: Forms, path: Path) -> None:
    """One workbook, one sheet per table; text stays text (a cell '=1+1' is never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    for name in schema.FORM_TABLES:
        df = forms.tables.get(name, schema.empty_frame(name))
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append(list(df.columns))
        if len(df) > _XLSX_SHEET_LIMIT:
            raise ValueError(f"table {name} has {len(df)} rows, more than an xlsx sheet holds; use parquet")
        for values in df.itertuples(index=False, name=None):
            sheet.append([xlsx_text(v) if isinstance(v, str) else None if is_missing(v) else v for v in values])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_workbook(workbook, _not_a_link(path))


def _save_workbook(workbook: Any, path: Path) -> None:
    """``workbook.save(path)``; a failed write (a full disk, here or in openpyxl's temporary files) is an
    OSError. lxml reports it as a SerialisationError, and openpyxl's half-written sheet streams fail
    again, loudly, when they are collected: that second report is silenced while saving."""
    failure: str | None = None
    report = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        try:
            workbook.save(path)
        except Exception as exc:
            if not isinstance(exc, OSError) and type(exc).__name__ != "SerialisationError":
                raise
            failure = str(exc)
        gc.collect()
    finally:
        sys.unraisablehook = report
    if failure is not None:
        raise OSError(f"writing {path.name} failed: {failure}")


def write_tables(forms: Forms, out: str | os.PathLike[str], fmt: str = "parquet") -> list[Path]:
    """Write every table of ``forms`` into ``out``; returns the files written."""
    out_path = Path(out)
    if fmt == "xlsx":
        target = out_path / XLSX_FILE
        write_xlsx(forms, target)
        return [target]
    writer = TableWriter(out_path, fmt)
    writer.write(forms)
    writer.close()
    return sorted(out_path.glob(f"*.{fmt}"))


def stream_tables(batches: Iterable[Forms], out: Path, fmt: str) -> dict[str, int]:
    """Append every batch's tables to one file per table in ``out``; returns each table's row count."""
    writer = TableWriter(out, fmt)
    try:
        for forms in batches:
            writer.write(forms)
    finally:
        writer.close()
    return writer.row_counts


def write_part(forms: Forms, out: str | os.PathLike[str], part: int) -> dict[str, int]:
    """Write one batch's tables as part ``part`` of a Parquet dataset per table
    (``out/<table>.parquet/part-<part>.parquet``); returns the row counts.

    Every table gets a part, empty or not, so that each dataset carries its schema. Parts are
    numbered in input order and zero-padded, so reading a dataset back gives the rows in input
    order.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    counts: dict[str, int] = {}
    for name in schema.FORM_TABLES:
        df = forms.tables.get(name)
        if df is None:
            df = schema.empty_frame(name)
        path = part_path(Path(out), name, part)
        _not_a_link(path.parent).mkdir(exist_ok=True)  # not parents: a removed output folder is not made again
        table = pa.Table.from_pandas(df, schema=arrow_schema(name), preserve_index=False)
        pq.write_table(table, _not_a_link(path))
        counts[name] = len(df)
    return counts


def part_path(out: Path, table: str, part: int) -> Path:
    """Where :func:`write_part` puts part ``part`` of ``table``."""
    return out / f"{table}.parquet" / f"part-{part:06d}.parquet"


def prepare_parts(out: str | os.PathLike[str]) -> None:
    """Make ``out`` ready for :func:`write_part`: remove the single files and the parts an earlier run
    left for the same tables (stale parts would be read back as rows of this run)."""
    for name in schema.FORM_TABLES:
        target = Path(out) / f"{name}.parquet"
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            for stale in target.glob(PART_PATTERN):
                stale.unlink()


def error_sources(out: Path, fmt: str) -> Sequence[str]:
    """Files listed in the written errors table (to report them after a streamed parse)."""
    path = out / f"errors.{fmt}"
    if not path.exists():
        return []
    if fmt == "parquet":
        df = pd.read_parquet(path)
    else:
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        df = df.map(csv_original_text)
    return [f"{row.source_file}: {row.error}" for row in df.itertuples()]
