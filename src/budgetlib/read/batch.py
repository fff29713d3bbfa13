"""Reading one batch of files into finished tables: parsed, then derived (cost items, findings).

A batch is the unit of work of every way of reading many files (in this process, in a process pool,
on a Dask cluster), so that they all give the same rows. A file that cannot be read never stops the
others and never disappears: it becomes a row of ``errors`` with the reason. A batch's rows are
collected as records and turned into one DataFrame per table (not one per form), which keeps large
batches fast.

The derived tables need only each form's own rows, so a batch gives the same rows for its forms as
reading everything at once; they are computed here, after parsing, so that a change in an analysis
never changes what was read.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from budgetlib import limits
from budgetlib.analysis.review import review_each_form
from budgetlib.extract.document import UnreadableFileError
from budgetlib.extract.load import load_document
from budgetlib.forms import Forms, concat_forms, error_forms, forms_from_records, with_rows
from budgetlib.notices import Notice
from budgetlib.read.files import InputFile, text_name
from budgetlib.transform.assemble import NoFormFound, extract_form, segment
from budgetlib.transform.costbasis import cost_items

log = logging.getLogger(__name__)

PARSED_TABLES: tuple[str, ...] = (
    "projects", "funding", "expenditures", "budget_history", "budget_execution", "indicators",
    "stated_totals", "tasks", "page_metadata", "unparsed", "provenance", "warnings",
)
"""Tables filled straight from the forms; cost_items (beyond the lines of a cost-composition table, which the
forms give) and findings are derived from them."""

Batch = list[tuple[str, str]]
"""Files to read together: (path, source name) as plain strings, cheap to send to another process."""

BatchReader = Callable[[Batch, bool], Forms]
"""Reads a batch (``keep_provenance`` the second argument): :func:`read_batch` or a partial of it."""

WORKER_DIED = ("the process reading this file stopped before it finished (killed, out of memory, or a crash "
               "in a library); the other files were read")
"""The ``errors`` text of a file whose worker died each time it was read (see :mod:`budgetlib.read.local`)."""


@dataclass
class FileResult:
    """The records one file produced, or the reason it produced none."""

    source_file: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def extend(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        self.records.setdefault(table, []).extend(rows)


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
        return FileResult(source_file, {"errors": [{"source_file": source_file, "code": "E_TIME_LIMIT", "error": error,
                                                      "location": None}]})


def _parse_file(path: Path, source_file: str, keep_provenance: bool) -> FileResult:
    result = FileResult(source_file)
    try:
        documents = load_document(path, source_file)
    except FileNotFoundError:
        result.extend("errors", [{"source_file": source_file, "code": "E_FILE_NOT_FOUND", "error": "file not found"}])
        return result
    except IsADirectoryError:
        result.extend("errors", [{"source_file": source_file, "code": "E_NOT_A_FILE", "error": "a folder, not a file"}])
        return result
    except UnreadableFileError as exc:
        result.extend("errors", [{"source_file": source_file, "code": exc.code, "error": str(exc)}])
        return result
    except (OSError, ValueError, MemoryError, RecursionError) as exc:
        result.extend("errors", [{"source_file": source_file, "code": "E_READ_FAILED",
                                  "error": text_name(f"cannot read the file: {exc}")}])
        return result
    index = 0
    no_form_reasons: list[tuple[str, Notice]] = []
    for document in documents:
        part = f"sheet {document.part!r}" if document.part else ""
        noted = list(document.warnings)  # what the reader noticed goes with the document's first form
        for blocks in segment(document):
            form_id = f"{source_file}#{index}"
            try:
                form = extract_form(blocks, form_id, source_file, keep_provenance=keep_provenance)
            except NoFormFound as exc:
                no_form_reasons.append((part, exc.notice))
                continue
            except Exception as exc:
                where = traceback.extract_tb(exc.__traceback__)[-1]
                result.extend("errors", [{
                    "source_file": source_file,
                    "code": "E_FORM_FAILED",
                    "error": f"could not read form {index}: {type(exc).__name__}: {exc}",
                    "location": f"{part} (budgetlib {Path(where.filename).name}:{where.lineno})".strip(),
                }])
                index += 1
                continue
            for table, rows in form.records.items():
                if table == "provenance" and not keep_provenance:
                    continue
                result.extend(table, rows)
            warnings = [*noted, *form.warnings]
            noted = []
            result.extend("warnings", [
                {"form_id": form_id, "source_file": source_file, "location": notice.location or part or None,
                 "code": notice.code, "message": notice.message}
                for notice in warnings
            ])
            index += 1
    if index == 0:
        first = no_form_reasons[0][1] if no_form_reasons else Notice("E_NO_TABLE", "no content")
        reason = first.message
        messages = [warning.message for document in documents for warning in document.warnings]
        if messages:  # what the reader noticed often explains why no form was found (nesting, truncation)
            more = f"; and {len(messages) - 3} more" if len(messages) > 3 else ""
            reason = f"{reason} (the reader noted: {'; '.join(messages[:3])}{more})"
        places = ", ".join(p for p, _ in no_form_reasons if p) or None
        result.extend("errors", [{"source_file": source_file, "code": first.code, "error": reason, "location": places}])
    elif no_form_reasons:  # a sheet without a form beside sheets with one: its cells are in no table, say so
        result.extend("warnings", [
            {"form_id": f"{source_file}#0", "source_file": source_file, "location": part or None,
             "code": "W_SHEET_WITHOUT_FORM",
             "message": f"no form read here ({reason.message}); its cells are not in any table"}
            for part, reason in no_form_reasons
        ])
    return result


def build_tables(results: Iterable[FileResult]) -> Forms:
    """One DataFrame per table from the records of many files."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        for table, rows in result.records.items():
            merged.setdefault(table, []).extend(rows)
    return forms_from_records(merged)


def add_derived_tables(forms: Forms) -> Forms:
    """Fill ``cost_items`` (from ``projects.cost_basis``) and ``findings`` (checks C1–C16, form by form;
    the cross-form checks C17–C20 need every batch: :func:`budgetlib.read.local.read_forms` adds them)."""
    forms.tables["cost_items"] = cost_items(forms)
    forms.tables["findings"] = review_each_form(forms)
    return forms


class DerivationTimeout(RuntimeError):
    """Computing the derived tables overran its time limit (see :func:`derive_tables`)."""


def derive_tables(forms: Forms, time_limit: float | None = limits.TIME_LIMIT) -> Forms:
    """Add the tables computed from the parsed ones (cost_items, findings) where available.

    Bounded like reading: ``time_limit`` plus :data:`~budgetlib.limits.DERIVE_SECONDS_PER_FORM` a
    form, after which :class:`DerivationTimeout` is raised (an ordinary exception, so that a batch
    falls back to file by file and only the slow file loses its derived rows).
    """
    seconds = time_limit and time_limit + limits.DERIVE_SECONDS_PER_FORM * len(forms.projects)
    try:
        with limits.time_limit(seconds):
            return add_derived_tables(forms)
    except limits.TimeLimitExceeded as exc:
        raise DerivationTimeout(f"computing the derived tables {exc}") from None


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
        return error_forms(result.source_file, "E_FORM_FAILED",
                           f"its tables could not be built: {type(exc).__name__}: {exc}")
    try:
        return derive_tables(forms, time_limit)
    except Exception as exc:
        error = {"source_file": result.source_file, "code": "E_DERIVED_FAILED",
                 "error": f"read, but cost_items/findings could not be computed: {type(exc).__name__}: {exc}"}
        return with_rows(forms, "errors", [error])


def forget_cell_texts() -> int:
    """Empty budgetlib's bounded caches, the ones keyed by a cell's text (cleaned cells, matched labels,
    parsed amounts); the unbounded ones (the vocabulary, compiled patterns) stay. Returns how many
    caches were emptied.

    For when the reading is over (:func:`release_reading_memory`), and for a benchmark, whose repeats
    would otherwise find every text already looked up by the repeat before, as no batch of new forms
    does. After 10^4 forms of distinct projects they held 57 MiB (traced) in 30 caches.
    """
    emptied = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("budgetlib") or module is None:
            continue
        for value in list(vars(module).values()):
            parameters = getattr(value, "cache_parameters", None)
            if callable(parameters) and parameters().get("maxsize") is not None:
                value.cache_clear()
                emptied += 1
    return emptied


def release_reading_memory() -> None:
    """Give back what reading held once the last batch is read, before the cross-form checks read the
    written tables back: the cell-text caches (:func:`forget_cell_texts`), the memory Arrow's pool kept
    for reuse, and the C heap's free pages.

    Without it, ``budgetlib parse`` of 10^5 forms started the cross-form checks from the high-water mark
    of reading and peaked above it (measured in ``benchmarks/where-the-time-goes.md``). After 10^4 forms,
    emptying the caches gave back 18 MiB of the process's RSS and Arrow's pool 34 MiB.
    """
    forget_cell_texts()
    gc.collect()
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    _trim_c_heap()


def _trim_c_heap() -> None:
    """glibc's ``malloc_trim(0)``: free pages at the top and inside the heap go back to the system.
    Elsewhere (musl, macOS, Windows) nothing is done. The symbol is looked up in the process itself
    (``ctypes.CDLL(None)``): ``ctypes.util.find_library`` would start ``ldconfig``, 18 ms."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # TypeError: Windows wants a library name
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def prepare_reading_process() -> None:
    """Ready a process whose job is reading batches (the parse command, a pool worker).

    Warms what reading needs (by deriving the tables of no forms: the vocabularies, the compiled
    patterns), then moves every object alive to the garbage collector's permanent generation
    (``gc.freeze``). Full collections otherwise walk the ~10^5 objects of pandas, pyarrow and the
    analyses again and again while a batch's records pile up: measured 0.39 s of 7.6 s reading 2,000
    seed-sized forms, 0.03 s once frozen. Not for a library call inside a long-lived process (a
    notebook), whose frozen garbage would never be freed.
    """
    _lean_arrow_allocator()
    derive_tables(build_tables([]))
    gc.collect()
    gc.freeze()


def _lean_arrow_allocator() -> None:
    """Arrow's buffers from jemalloc, else from the C library's ``malloc``, rather than pyarrow's
    default pool (mimalloc on Linux wheels), unless ``ARROW_DEFAULT_MEMORY_POOL`` names one.

    Why: with mimalloc the process held more memory for the same work. ``budgetlib parse`` of 10^5
    forms peaked at 400 MiB with mimalloc, 375 MiB with ``malloc`` and 335 MiB with jemalloc (text
    caches of 8,192 entries), at the same speed; reading the six key columns of 10^6 forms back
    (179 MiB of data) took 361, 265 and 248 MiB above the process. pyarrow has jemalloc where it was
    built with it (its Linux wheels); ``malloc`` is on every platform.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
