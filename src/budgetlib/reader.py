"""Public entry points: read files and folders of forms into one set of tidy tables.

A file that cannot be read never stops the others and never disappears: it becomes a row of
``errors`` with the reason. Rows are collected as records across all files and turned into one
DataFrame per table at the end (not one per form), which keeps large batches fast.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from budgetlib import schema
from budgetlib.extract.document import UnreadableFileError
from budgetlib.extract.load import SUPPORTED_SUFFIXES, load_document
from budgetlib.transform.assemble import NoFormFound, extract_form, segment

log = logging.getLogger(__name__)

PARSED_TABLES: tuple[str, ...] = (
    "projects", "funding", "expenditures", "budget_history", "budget_execution", "indicators",
    "stated_totals", "unparsed", "provenance", "warnings",
)
"""Tables filled straight from the forms; cost_items and findings are derived from them."""


@dataclass
class Forms:
    """All tables read from a set of forms (see the data dictionary for every column).

    Attribute access gives a table: ``forms.projects``, ``forms.indicators`` …; ``forms.tables``
    gives them all by name.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        if name in schema.TABLES:
            return schema.empty_frame(name)
        raise AttributeError(name)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(df)}" for name, df in self.tables.items() if len(df))
        return f"Forms({counts or 'empty'})"

    def form(self, form_id: str) -> Forms:
        """The same tables restricted to one form."""
        return Forms({
            name: df[df["form_id"] == form_id].reset_index(drop=True) if "form_id" in df.columns else df.iloc[0:0]
            for name, df in self.tables.items()
        })


@dataclass
class FileResult:
    """The records one file produced, or the reason it produced none."""

    source_file: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def extend(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        self.records.setdefault(table, []).extend(rows)


def iter_input_files(paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str]) -> Iterator[tuple[Path, str]]:
    """(path, source name) for every form file under the given files and folders.

    A folder is searched recursively for supported suffixes (.md, .html, .xlsx …), skipping hidden
    files and office lock files (``~$…``); a file named directly is always tried, whatever its suffix.
    The source name is the path relative to the folder given (posix separators), or the file name.
    Missing paths are yielded too, so that they end up in ``errors``.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    seen: set[str] = set()
    for given in paths:
        root = Path(given)
        if root.is_dir():
            found = sorted(
                p for p in root.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith((".", "~$")) for part in p.relative_to(root).parts)
            )
            for path in found:
                name = path.relative_to(root).as_posix()
                yield path, _unique(name, root.name, seen)
        else:
            yield root, _unique(root.name, root.parent.name, seen)


def _unique(name: str, prefix: str, seen: set[str]) -> str:
    candidate = name
    if candidate in seen:
        candidate = f"{prefix}/{name}" if prefix else name
    counter = 2
    base = candidate
    while candidate in seen:
        candidate = f"{base}~{counter}"
        counter += 1
    seen.add(candidate)
    return candidate


def parse_file(path: Path, source_file: str, keep_provenance: bool = True) -> FileResult:
    """Read one file into records; every failure becomes an ``errors`` record, never an exception."""
    result = FileResult(source_file)
    try:
        documents = load_document(path, source_file)
    except FileNotFoundError:
        result.extend("errors", [{"source_file": source_file, "error": "file not found"}])
        return result
    except IsADirectoryError:
        result.extend("errors", [{"source_file": source_file, "error": "a folder, not a file"}])
        return result
    except UnreadableFileError as exc:
        result.extend("errors", [{"source_file": source_file, "error": str(exc)}])
        return result
    except (OSError, ValueError, MemoryError, RecursionError) as exc:
        result.extend("errors", [{"source_file": source_file, "error": f"cannot read the file: {exc}"}])
        return result
    index = 0
    no_form_reasons: list[tuple[str, str]] = []
    for document in documents:
        part = f"sheet {document.part!r}" if document.part else ""
        for blocks in segment(document):
            form_id = f"{source_file}#{index}"
            try:
                form = extract_form(blocks, form_id, source_file)
            except NoFormFound as exc:
                no_form_reasons.append((part, str(exc)))
                continue
            except Exception as exc:
                where = traceback.extract_tb(exc.__traceback__)[-1]
                result.extend("errors", [{
                    "source_file": source_file,
                    "error": f"could not read form {index}: {type(exc).__name__}: {exc}",
                    "location": f"{part} (budgetlib {Path(where.filename).name}:{where.lineno})".strip(),
                }])
                index += 1
                continue
            for table, rows in form.records.items():
                if table == "provenance" and not keep_provenance:
                    continue
                result.extend(table, rows)
            warnings = [*((("", w) for w in document.warnings) if index == 0 else ()), *form.warnings]
            result.extend("warnings", [
                {"form_id": form_id, "source_file": source_file, "location": loc or part or None, "message": msg}
                for loc, msg in warnings
            ])
            index += 1
    if index == 0:
        reason = no_form_reasons[0][1] if no_form_reasons else "no content"
        where = ", ".join(p for p, _ in no_form_reasons if p) or None
        result.extend("errors", [{"source_file": source_file, "error": reason, "location": where}])
    return result


def build_tables(results: Iterable[FileResult]) -> Forms:
    """One DataFrame per table from the records of many files."""
    merged: dict[str, list[dict[str, Any]]] = {name: [] for name in schema.FORM_TABLES}
    for result in results:
        for table, rows in result.records.items():
            merged[table].extend(rows)
    return Forms({name: schema.frame(name, rows) for name, rows in merged.items()})


def derive_tables(forms: Forms) -> Forms:
    """Add the tables computed from the parsed ones (cost_items, findings) where available."""
    from budgetlib import derived

    return derived.add_derived_tables(forms)


def read_forms(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    keep_provenance: bool = True,
    jobs: int = 1,
) -> Forms:
    """Read every form in the given files and folders into one set of tables.

    ``jobs`` > 1 reads files in that many processes (worth it from a few hundred files on).
    Never raises for a bad file: see ``forms.errors``.
    """
    files = list(iter_input_files(paths))
    if jobs > 1 and len(files) > 1:
        from budgetlib.parallel import parse_files_parallel

        results: Iterable[FileResult] = parse_files_parallel(files, jobs=jobs, keep_provenance=keep_provenance)
    else:
        results = (parse_file(path, name, keep_provenance) for path, name in files)
    return derive_tables(build_tables(results))


def read_form(path: str | os.PathLike[str]) -> Forms:
    """Read one file (the same tables as :func:`read_forms`, one form's rows)."""
    return read_forms([path])
