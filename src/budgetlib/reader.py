"""Public entry points: read files and folders of forms into one set of tidy tables.

A file that cannot be read never stops the others and never disappears: it becomes a row of
``errors`` with the reason. Files are read in batches (:func:`read_batch`, the unit of work on one
core, in a process pool and on a cluster alike): a batch's rows are collected as records and turned
into one DataFrame per table (not one per form), which keeps large batches fast, and batches are
concatenated or streamed to disk, which keeps memory bounded.
"""

from __future__ import annotations

import gc
import logging
import os
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, cast

import pandas as pd

from budgetlib import limits, schema
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


def text_name(name: str) -> str:
    """A file name as text that every table (and Arrow, and Parquet) can hold.

    Names that are not valid UTF-8 on disk (typically GBK names from a zip made on Chinese Windows)
    reach Python with lone surrogates in place of their bytes, which Arrow refuses, so one such file
    would stop the whole batch. Such a name is decoded as GB18030 if it is that, else as UTF-8 with
    U+FFFD for what is not; the file itself is still opened by its real path.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace")
    return name


def _unique(name: str, prefix: str, seen: set[str]) -> str:
    name, prefix = text_name(name), text_name(prefix)
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


def parse_file(
    path: Path, source_file: str, keep_provenance: bool = True, time_limit: float | None = limits.TIME_LIMIT
) -> FileResult:
    """Read one file into records; every failure becomes an ``errors`` record, never an exception.

    A file still being read after ``time_limit`` seconds is abandoned and gives only an ``errors`` row
    (nothing half-read is kept); see :mod:`budgetlib.limits` for where the limit is enforced.
    """
    try:
        with limits.time_limit(time_limit):
            return _parse_file(path, source_file, keep_provenance)
    except limits.TimeLimitExceeded as exc:
        error = f"reading {exc} (the time limit); the file was not read"
        return FileResult(source_file, {"errors": [{"source_file": source_file, "error": error, "location": None}]})


def _parse_file(path: Path, source_file: str, keep_provenance: bool) -> FileResult:
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
        result.extend("errors", [{"source_file": source_file, "error": text_name(f"cannot read the file: {exc}")}])
        return result
    index = 0
    no_form_reasons: list[tuple[str, str]] = []
    for document in documents:
        part = f"sheet {document.part!r}" if document.part else ""
        noted = list(document.warnings)  # what the reader noticed goes with the document's first form
        for blocks in segment(document):
            form_id = f"{source_file}#{index}"
            try:
                form = extract_form(blocks, form_id, source_file, keep_provenance=keep_provenance)
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
            warnings = [*(("", w) for w in noted), *form.warnings]
            noted = []
            result.extend("warnings", [
                {"form_id": form_id, "source_file": source_file, "location": loc or part or None, "message": msg}
                for loc, msg in warnings
            ])
            index += 1
    if index == 0:
        reason = no_form_reasons[0][1] if no_form_reasons else "no content"
        noted = [warning for document in documents for warning in document.warnings]
        if noted:  # what the reader noticed often explains why no form was found (nesting, truncation)
            more = f"; and {len(noted) - 3} more" if len(noted) > 3 else ""
            reason = f"{reason} (the reader noted: {'; '.join(noted[:3])}{more})"
        where = ", ".join(p for p, _ in no_form_reasons if p) or None
        result.extend("errors", [{"source_file": source_file, "error": reason, "location": where}])
    elif no_form_reasons:  # a sheet without a form beside sheets with one: its cells are in no table, say so
        result.extend("warnings", [
            {"form_id": f"{source_file}#0", "source_file": source_file, "location": part or None,
             "message": f"no form read here ({reason}); its cells are not in any table"}
            for part, reason in no_form_reasons
        ])
    return result


def build_tables(results: Iterable[FileResult]) -> Forms:
    """One DataFrame per table from the records of many files."""
    merged: dict[str, list[dict[str, Any]]] = {name: [] for name in schema.FORM_TABLES}
    for result in results:
        for table, rows in result.records.items():
            merged[table].extend(rows)
    return Forms({name: schema.frame(name, rows) for name, rows in merged.items()})


class DerivationTimeout(RuntimeError):
    """Computing the derived tables overran its time limit (see :func:`derive_tables`)."""


def derive_tables(forms: Forms, time_limit: float | None = limits.TIME_LIMIT) -> Forms:
    """Add the tables computed from the parsed ones (cost_items, findings) where available.

    Bounded like reading: ``time_limit`` plus :data:`~budgetlib.limits.DERIVE_SECONDS_PER_FORM` a
    form, after which :class:`DerivationTimeout` is raised (an ordinary exception, so that a batch
    falls back to file by file and only the slow file loses its derived rows).
    """
    from budgetlib import derived

    seconds = time_limit and time_limit + limits.DERIVE_SECONDS_PER_FORM * len(forms.projects)
    try:
        with limits.time_limit(seconds):
            return derived.add_derived_tables(forms)
    except limits.TimeLimitExceeded as exc:
        raise DerivationTimeout(f"computing the derived tables {exc}") from None


DEFAULT_BATCH_FILES = 500
"""Files per batch: large enough that building the tables costs little per form, small enough that a
batch's records (about 50 kB a form with provenance) stay a few tens of megabytes."""

InputFile = tuple[str | os.PathLike[str], str]
"""A file to read and its source name (see :func:`iter_input_files`)."""


def list_input_files(paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[tuple[str, str]]:
    """:func:`iter_input_files` as a list of plain strings: half the memory of ``Path`` objects (which
    keep every path component), which counts at 10^5–10^6 files."""
    return [(os.fspath(path), name) for path, name in iter_input_files(paths)]


def batches(files: Sequence[InputFile], size: int = DEFAULT_BATCH_FILES) -> list[list[tuple[str, str]]]:
    """``files`` cut into consecutive batches of at most ``size``, as plain strings (cheap to send to
    another process or machine)."""
    if size < 1:
        raise ValueError(f"a batch needs at least one file, not {size}")
    plain: Sequence[tuple[str, str]]
    if all(type(path) is str for path, _ in files):
        plain = cast("Sequence[tuple[str, str]]", files)  # already plain: share the tuples, do not copy them
    else:
        plain = [(os.fspath(path), name) for path, name in files]
    return [list(plain[start:start + size]) for start in range(0, len(plain), size)]


def read_batch(
    files: Sequence[InputFile], keep_provenance: bool = True, time_limit: float | None = limits.TIME_LIMIT
) -> Forms:
    """Read a batch of files into finished tables (parsed and derived).

    The unit of work of every way of reading many files (one process, a process pool, a Dask
    cluster), so that they all give the same rows. Never raises for a bad file: see ``errors``.
    """
    results = [parse_file(Path(path), name, keep_provenance, time_limit) for path, name in files]
    try:
        return derive_tables(build_tables(results), time_limit)
    except Exception:
        if len(results) == 1:
            return _tables_or_error(results[0], time_limit)
        log.exception("building the tables of a batch of %d files failed; building them file by file", len(results))
        return concat_forms(_tables_or_error(result, time_limit) for result in results)


def _tables_or_error(result: FileResult, time_limit: float | None = limits.TIME_LIMIT) -> Forms:
    """One file's tables; if they cannot be built (a bug, not a bad file), the parsed tables without
    the derived ones and an ``errors`` row saying why, or only the ``errors`` row."""
    try:
        forms = build_tables([result])
    except Exception as exc:
        return error_forms(result.source_file, f"its tables could not be built: {type(exc).__name__}: {exc}")
    try:
        return derive_tables(forms, time_limit)
    except Exception as exc:
        error = {"source_file": result.source_file,
                 "error": f"read, but cost_items/findings could not be computed: {type(exc).__name__}: {exc}"}
        forms.tables["errors"] = pd.concat([forms.errors, schema.frame("errors", [error])], ignore_index=True)
        return forms


def error_forms(source_file: str, error: str, location: str | None = None) -> Forms:
    """Tables holding nothing but one ``errors`` row: a file whose reading failed outside the reader
    (its worker process died, its task was lost)."""
    return Forms({"errors": schema.frame("errors", [{"source_file": source_file, "error": error,
                                                     "location": location}])})


def concat_forms(parts: Iterable[Forms]) -> Forms:
    """The tables of several batches, one after the other (in the order given), every table typed as
    the schema says."""
    pieces: dict[str, list[pd.DataFrame]] = {name: [] for name in schema.FORM_TABLES}
    for forms in parts:
        for name, df in forms.tables.items():
            if len(df):
                pieces.setdefault(name, []).append(df)
    return Forms({
        name: schema.conform(name, pd.concat(dfs, ignore_index=True)) if dfs else schema.empty_frame(name)
        for name, dfs in pieces.items()
    })


def read_batches(
    files: Sequence[InputFile], *, keep_provenance: bool = True, jobs: int = 1,
    batch_files: int | None = None, time_limit: float | None = limits.TIME_LIMIT,
) -> Iterator[Forms]:
    """The tables of ``files``, one batch at a time and in input order, read in ``jobs`` processes.

    What streaming writers consume: only a bounded number of batches is ever in memory.
    """
    size = batch_files or default_batch_files(len(files), jobs)
    work = batches(files, size)
    if jobs > 1 and len(work) > 1:
        from budgetlib.parallel import read_batches_parallel

        reader = partial(read_batch, time_limit=time_limit)  # a partial of a module function pickles
        yield from read_batches_parallel(work, jobs=jobs, keep_provenance=keep_provenance, reader=reader)
    else:
        for batch in work:
            yield read_batch(batch, keep_provenance, time_limit)


def default_batch_files(n_files: int, workers: int) -> int:
    """Batch size for ``n_files`` on ``workers``: at least four batches per worker (so that an uneven
    last batch costs little), at most :data:`DEFAULT_BATCH_FILES` files per batch."""
    if workers <= 1:
        return DEFAULT_BATCH_FILES
    return max(1, min(DEFAULT_BATCH_FILES, -(-n_files // (4 * workers))))


def prepare_reading_process() -> None:
    """Ready a process whose job is reading batches (the parse command, a pool worker).

    Imports everything reading needs (by deriving the tables of no forms), then moves every object
    alive to the garbage collector's permanent generation (``gc.freeze``). Full collections otherwise
    walk the ~10^5 objects of pandas, pyarrow and the analyses again and again while a batch's records
    pile up: measured 0.39 s of 7.6 s reading 2,000 seed-sized forms, 0.03 s once frozen. Not for a
    library call inside a long-lived process (a notebook), whose frozen garbage would never be freed.
    """
    derive_tables(build_tables([]))
    gc.collect()
    gc.freeze()


def read_forms(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    keep_provenance: bool = True,
    jobs: int = 1,
    time_limit: float | None = limits.TIME_LIMIT,
) -> Forms:
    """Read every form in the given files and folders into one set of tables.

    ``jobs`` > 1 reads files in that many processes (worth it from a few hundred files on).
    Never raises for a bad file: see ``forms.errors``. A file that takes longer than ``time_limit``
    seconds (None: no limit) is an ``errors`` row; see :mod:`budgetlib.limits` for the platforms.
    """
    files = list_input_files(paths)
    return concat_forms(read_batches(files, keep_provenance=keep_provenance, jobs=jobs, time_limit=time_limit))


def read_form(path: str | os.PathLike[str]) -> Forms:
    """Read one file (the same tables as :func:`read_forms`, one form's rows)."""
    return read_forms([path])
