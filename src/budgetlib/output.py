"""Writing the tables: Parquet, CSV (UTF-8 with BOM, for Excel/WPS) or one xlsx workbook.

Large batches stream: files are parsed in chunks and each chunk's rows are appended to the open
Parquet/CSV files, so memory stays flat however many forms there are.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from budgetlib import schema
from budgetlib.reader import FileResult, Forms, build_tables, derive_tables

FORMATS = ("parquet", "csv", "xlsx")
_XLSX_SHEET_LIMIT = 1_048_575


def _arrow_schema(name: str):  # -> pyarrow.Schema
    import pyarrow as pa

    return pa.Schema.from_pandas(schema.empty_frame(name), preserve_index=False)


class TableWriter:
    """Appends chunks of tables to one file per table in ``out`` (parquet or csv)."""

    def __init__(self, out: Path, fmt: str) -> None:
        if fmt not in ("parquet", "csv"):
            raise ValueError(f"streaming supports parquet and csv, not {fmt!r}")
        self.out = out
        self.fmt = fmt
        self._parquet: dict[str, object] = {}
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
            writer = pq.ParquetWriter(self.out / f"{name}.parquet", _arrow_schema(name))
            self._parquet[name] = writer
        if len(df):
            writer.write_table(pa.Table.from_pandas(df, schema=writer.schema, preserve_index=False))

    def _write_csv(self, name: str, df: pd.DataFrame) -> None:
        path = self.out / f"{name}.csv"
        first = name not in self._csv_started
        df.to_csv(path, mode="w" if first else "a", header=first, index=False,
                  encoding="utf-8-sig" if first else "utf-8")
        self._csv_started.add(name)

    def close(self) -> None:
        for writer in self._parquet.values():
            writer.close()  # type: ignore[attr-defined]
        self._parquet.clear()
        for name in schema.FORM_TABLES:
            if self.fmt == "csv" and name not in self._csv_started:
                schema.empty_frame(name).to_csv(self.out / f"{name}.csv", index=False, encoding="utf-8-sig")


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
            sheet.append([None if _is_na(v) else v for v in values])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _is_na(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def write_tables(forms: Forms, out: str | os.PathLike[str], fmt: str = "parquet") -> list[Path]:
    """Write every table of ``forms`` into ``out``; returns the files written."""
    out_path = Path(out)
    if fmt == "xlsx":
        target = out_path / "budgetlib.xlsx"
        write_xlsx(forms, target)
        return [target]
    writer = TableWriter(out_path, fmt)
    writer.write(forms)
    writer.close()
    return sorted(out_path.glob(f"*.{fmt}"))


def stream_results(results: Iterable[FileResult], out: Path, fmt: str, chunk_files: int = 500) -> dict[str, int]:
    """Write parsed files to ``out`` chunk by chunk; returns the row count of every table."""
    writer = TableWriter(out, fmt)
    chunk: list[FileResult] = []
    try:
        for result in results:
            chunk.append(result)
            if len(chunk) >= chunk_files:
                writer.write(derive_tables(build_tables(chunk)))
                chunk = []
        if chunk:
            writer.write(derive_tables(build_tables(chunk)))
    finally:
        writer.close()
    return writer.row_counts


def error_sources(out: Path, fmt: str) -> Sequence[str]:
    """Files listed in the written errors table (to report them after a streamed parse)."""
    path = out / f"errors.{fmt}"
    if not path.exists():
        return []
    df = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    return [f"{row.source_file}: {row.error}" for row in df.itertuples()]
