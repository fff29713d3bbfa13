"""Read forms published as Excel workbooks (.xlsx): one document per worksheet that has content.

A worksheet is a grid without markup, so its blocks are recovered from layout: blank rows separate
regions; within a region, leading rows with a single non-empty cell are text lines (a title, "单位：万元")
and the rest is a table, trimmed to the region's used columns. Merged ranges are expanded like HTML
spans: the value stays in the top-left cell, the covered cells are empty and recorded in
``Table.anchors`` (whatever a generator wrote into covered cells is ignored, as Excel shows only the
top-left value).

Values are text as a person reads them in the sheet. Formulas are never evaluated: a formula cell
reads as its formula text (``=SUM(A1:A3)``) and the sheet gets a warning, because cached results can
be stale and evaluating untrusted formulas is out of the question. Numbers follow their number format
for the common formats (``0``, ``0.00``, ``#,##0.00``, ``0%``, ``0.00%``, with Excel's half-up
rounding on 15 significant digits); anything else reads like Excel's "General" (no trailing ``.0``, no
float noise such as ``0.30000000000000004``). Dates read as ISO dates.

Workbooks are untrusted zip archives, so the archive is inspected with :mod:`zipfile` before openpyxl
touches it: member count, each member's declared uncompressed size (zipfile enforces the declared size
when decompressing) and compression ratio are checked, which rules out zip bombs. openpyxl is used in
read-only (streaming) mode so that the row and cell caps really bound the work -- the normal mode
builds every cell of a sheet before anything can be capped -- and openpyxl parses XML through
defusedxml (checked here; entity declarations are refused). Merged ranges, which the streaming mode
does not report, are read from the sheet's ``<mergeCell ref="..."/>`` elements directly.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING

import openpyxl
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.utils import get_column_letter, range_boundaries

from budgetlib.extract.document import Block, Document, Table, TextLine, UnreadableFileError
from budgetlib.extract.text import clean_text

if TYPE_CHECKING:
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

MAX_MEMBERS = 10_000
"""Zip members in one workbook."""
MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""Uncompressed size of one zip member (a sheet's XML, the shared strings)."""
MAX_TOTAL_BYTES = 256 * 1024 * 1024
"""Uncompressed size of all members together."""
MAX_RATIO = 250
"""Compression ratio of a member larger than :data:`RATIO_FLOOR` (zip bombs reach ~1000:1)."""
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 20_000
"""Rows read from one sheet; the rest is dropped with a warning."""
MAX_COLS = 1_000
"""Columns read from one sheet; the rest is dropped with a warning."""
MAX_CELLS = 100_000
"""Non-empty cells read from one workbook (a form has a few hundred); the rest is dropped with a warning.
Streaming a cell out of the XML and then interpreting it costs about 70 µs, so a workbook at the cap
takes about 7 s, well inside the time limit of :mod:`budgetlib.limits`."""
MAX_MERGES = 100_000
"""Merged ranges read from one sheet."""
MAX_MERGED_CELLS = 500_000
"""Cells covered by the merged ranges of one sheet; further ranges are ignored with a warning."""

_MERGE_REF = re.compile(
    rb"""<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*["']\s*([A-Za-z]{1,3}[0-9]{1,7}(?::[A-Za-z]{1,3}[0-9]{1,7})?)\s*["']"""
)
_OTHER_PACKAGES = (
    ("word/document.xml", "a Word document (.docx), not a workbook"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx), not a workbook"),
    ("content.xml", "an OpenDocument file (.ods/.odt); re-save it as .xlsx"),
)
_NOISE_WARNINGS = ("extension is not supported", "default style", "Unknown extension", "Cannot parse header")
_SIMPLE_FORMAT = re.compile(r"^(#,##0|#,#0|0|#)(?:\.(0+))?(%?)$")
_FORMAT_DECORATION = re.compile(r'\[[^\]]*\]|_.|\*.|\\(.)|"([^"]*)"')


@dataclass(slots=True)
class _Merge:
    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass(slots=True)
class _Sheet:
    """The non-empty cell texts of one sheet, by sheet row and column (1-based, as in Excel)."""

    title: str
    cells: dict[int, dict[int, str]] = field(default_factory=dict)
    merges: list[_Merge] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_xlsx(data: bytes, source_file: str) -> list[Document]:
    """One :class:`Document` per worksheet with content (``part`` is the sheet name).

    Raises :class:`UnreadableFileError` for archives that are not workbooks, look like zip bombs,
    are broken, or whose sheets are all empty.
    """
    if not openpyxl.DEFUSEDXML:
        raise UnreadableFileError(
            "refusing to read a workbook: defusedxml is not active for openpyxl (OPENPYXL_DEFUSEDXML?)"
        )
    archive = _open_archive(data)
    try:
        documents = _read_workbook(data, archive, source_file)
    finally:
        archive.close()
    if not documents:
        raise UnreadableFileError("the workbook's sheets are all empty")
    return documents


def _read_workbook(data: bytes, archive: zipfile.ZipFile, source_file: str) -> list[Document]:
    """The documents of an archive that passed the checks.

    openpyxl's own warnings (a date out of range, ...) are caught and attached to the sheet being read;
    ``warnings.catch_warnings`` is process-global, so parallel reading should use processes, as the
    library's batch reader does, rather than threads.
    """
    budget = [MAX_CELLS]
    documents: list[Document] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False, keep_vba=False
            )
        except Exception as error:  # openpyxl raises many kinds for broken workbooks
            raise UnreadableFileError(_describe_failure(error)) from error
        try:
            for worksheet in workbook.worksheets:
                if budget[0] < 0:
                    break
                try:
                    sheet = _read_sheet(worksheet, archive, budget)
                except UnreadableFileError:
                    raise
                except Exception as error:
                    raise UnreadableFileError(f"sheet '{worksheet.title}': {_describe_failure(error)}") from error
                sheet.warnings.extend(f"sheet '{worksheet.title}': {message}" for message in _relevant(caught))
                caught.clear()
                if worksheet.sheet_state != "visible" and sheet.cells:
                    sheet.warnings.insert(0, f"sheet '{worksheet.title}' is hidden in the workbook")
                blocks = _blocks(sheet)
                if blocks:
                    documents.append(
                        Document(
                            source_file=source_file,
                            blocks=blocks,
                            encoding=None,
                            part=worksheet.title,
                            warnings=sheet.warnings,
                        )
                    )
        finally:
            workbook.close()
    return documents


# --- the archive ---------------------------------------------------------------------------------


def _open_archive(data: bytes) -> zipfile.ZipFile:
    """Open the zip and refuse what is not a workbook or would expand beyond the limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise UnreadableFileError(f"not a readable xlsx workbook (broken zip archive: {error})") from error
    except (OSError, ValueError, EOFError) as error:
        raise UnreadableFileError(f"not a readable xlsx workbook ({error})") from error
    try:
        _check_archive(archive)
    except UnreadableFileError:
        archive.close()
        raise
    return archive


def _check_archive(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnreadableFileError(f"zip archive with {len(infos):,} members; not a form workbook")
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names and not any(name.endswith("workbook.xml") for name in names):
        for member, kind in _OTHER_PACKAGES:
            if member in names:
                raise UnreadableFileError(kind)
        raise UnreadableFileError("a zip archive that is not an Excel workbook (no xl/workbook.xml)")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnreadableFileError("the workbook is encrypted (password-protected)")
        size = info.file_size
        total += size
        if size > MAX_MEMBER_BYTES:
            raise UnreadableFileError(
                f"workbook member '{info.filename}' expands to {_size(size)} (limit {_size(MAX_MEMBER_BYTES)})"
            )
        if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableFileError(
                f"looks like a zip bomb: member '{info.filename}' expands "
                f"{size // max(info.compress_size, 1):,} times "
                f"(from {_size(info.compress_size)} to {_size(size)})"
            )
    if total > MAX_TOTAL_BYTES:
        raise UnreadableFileError(f"workbook expands to {_size(total)} in all (limit {_size(MAX_TOTAL_BYTES)})")


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return f"{count} bytes"  # pragma: no cover


def _describe_failure(error: Exception) -> str:
    cause: BaseException | None = error
    while cause is not None:  # openpyxl wraps parser errors in its own ValueError
        if "Forbidden" in type(cause).__name__:  # defusedxml: DTDForbidden, EntitiesForbidden, ...
            return "the workbook's XML declares a DTD or entities (refused as unsafe)"
        cause = cause.__cause__ or cause.__context__
    name = type(error).__name__
    if isinstance(error, zipfile.BadZipFile):
        return f"not a readable xlsx workbook (broken zip archive: {error})"
    if isinstance(error, KeyError):
        return f"not a complete xlsx workbook (missing part {error})"
    message = str(error).strip() or name
    return f"not a readable xlsx workbook ({name}: {message[:200]})"


def _relevant(caught: Iterable[warnings.WarningMessage]) -> list[str]:
    messages: list[str] = []
    for warning in caught:
        text = str(warning.message)
        if not any(noise in text for noise in _NOISE_WARNINGS) and text not in messages:
            messages.append(text)
    return messages


# --- cells ---------------------------------------------------------------------------------------


def _read_sheet(worksheet: ReadOnlyWorksheet, archive: zipfile.ZipFile, budget: list[int]) -> _Sheet:
    """Stream a sheet's non-empty cells, within the row, column and cell caps."""
    sheet = _Sheet(worksheet.title)
    declared_rows = worksheet.max_row
    worksheet.reset_dimensions()  # dimensions in the file may be wrong either way; stream what is there
    formulas: list[str] = []
    wide = False
    merges = _read_merges(archive, getattr(worksheet, "_worksheet_path", None), sheet)
    covered = _covered_cells(merges, sheet)
    for row_number, row in enumerate(worksheet.iter_rows(), start=1):
        if row_number > MAX_ROWS:
            declared = ""
            if declared_rows and declared_rows > MAX_ROWS:
                declared = f" (it declares {declared_rows:,} rows)"
            sheet.warnings.append(
                f"sheet '{sheet.title}' goes on past row {MAX_ROWS:,}{declared}; "
                f"only the first {MAX_ROWS:,} rows were read"
            )
            break
        if not row:
            continue
        if len(row) > MAX_COLS:
            if any(cell.value is not None for cell in row[MAX_COLS:] if cell is not EMPTY_CELL):
                wide = True
            row = row[:MAX_COLS]
        texts: dict[int, str] = {}
        for column, cell in enumerate(row, start=1):
            if cell is EMPTY_CELL or cell.value is None:
                continue
            if covered and (row_number, column) in covered:
                continue
            text = _cell_text(cell, formulas)
            if text:
                texts[column] = text
        if texts:
            sheet.cells[row_number] = texts
            budget[0] -= len(texts)
            if budget[0] < 0:
                sheet.warnings.append(
                    f"the workbook has more than {MAX_CELLS:,} non-empty cells; sheet '{sheet.title}' "
                    f"was cut after row {row_number:,} and later sheets were not read"
                )
                break
    if wide:
        sheet.warnings.append(
            f"sheet '{sheet.title}' has cells beyond column {MAX_COLS:,} ({get_column_letter(MAX_COLS)}); "
            "they were not read"
        )
    if formulas:
        shown = ", ".join(formulas[:5]) + (", ..." if len(formulas) > 5 else "")
        sheet.warnings.append(
            f"sheet '{sheet.title}': {len(formulas)} cell(s) hold formulas ({shown}); formulas are not "
            "evaluated, the formula text is kept"
        )
    sheet.merges = merges
    return sheet


def _read_merges(archive: zipfile.ZipFile, path: str | None, sheet: _Sheet) -> list[_Merge]:
    """The sheet's merged ranges, read from its XML (the streaming mode of openpyxl skips them)."""
    if not path:
        return []
    try:
        xml = archive.read(path.lstrip("/"))
    except KeyError:
        return []
    if b"mergeCell" not in xml:
        return []
    merges: list[_Merge] = []
    for match in _MERGE_REF.finditer(xml):
        if len(merges) >= MAX_MERGES:
            sheet.warnings.append(
                f"sheet '{sheet.title}' has more than {MAX_MERGES:,} merged ranges; the rest were ignored"
            )
            break
        try:
            min_col, min_row, max_col, max_row = range_boundaries(match.group(1).decode("ascii"))
        except (ValueError, TypeError):
            continue
        if min_row is None or min_col is None or max_row is None or max_col is None:
            continue
        if min_row > MAX_ROWS or min_col > MAX_COLS:
            continue
        merge = _Merge(min_row, min_col, min(max_row, MAX_ROWS), min(max_col, MAX_COLS))
        if merge.max_row > merge.min_row or merge.max_col > merge.min_col:
            merges.append(merge)
    return merges


def _covered_cells(merges: list[_Merge], sheet: _Sheet) -> set[tuple[int, int]]:
    """Cells covered by merges (not their top-left cells), within :data:`MAX_MERGED_CELLS`.

    Merges beyond the budget are dropped (with a warning), so a hostile ``A1:ALL20000`` cannot make
    the reader enumerate millions of cells.
    """
    covered: set[tuple[int, int]] = set()
    budget = MAX_MERGED_CELLS
    kept: list[_Merge] = []
    for merge in merges:
        area = (merge.max_row - merge.min_row + 1) * (merge.max_col - merge.min_col + 1)
        if area > budget:
            sheet.warnings.append(
                f"sheet '{sheet.title}': merged ranges cover more than {MAX_MERGED_CELLS:,} cells; "
                f"{len(merges) - len(kept)} merged range(s) were ignored"
            )
            break
        budget -= area
        kept.append(merge)
        for row in range(merge.min_row, merge.max_row + 1):
            covered.update((row, col) for col in range(merge.min_col, merge.max_col + 1))
        covered.discard((merge.min_row, merge.min_col))
    merges[:] = kept
    return covered


def _cell_text(cell: ReadOnlyCell, formulas: list[str]) -> str:
    """A cell's value as the text a person reads in the sheet."""
    value = cell.value
    if cell.data_type == "f":
        formula = value if isinstance(value, str) else getattr(value, "text", None) or _data_table(value)
        formulas.append(f"{get_column_letter(cell.column)}{cell.row}")
        return clean_text(formula)
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return format_number(value, cell.number_format)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return clean_text(str(value))


def _data_table(value: object) -> str:
    attributes = getattr(value, "__dict__", {}) or {}
    inner = ", ".join(f"{k}={v}" for k, v in attributes.items() if v is not None and not k.startswith("_"))
    return f"=TABLE({inner})"


def format_number(value: int | float, number_format: str | None) -> str:
    """A number as Excel shows it under ``number_format`` (common formats; else like "General").

    >>> format_number(500000.0, "0.00"), format_number(1234.5, "#,##0.00"), format_number(0.285, "0%")
    ('500000.00', '1,234.50', '29%')
    >>> format_number(500000.0, "General"), format_number(0.1 + 0.2, "General")
    ('500000', '0.3')
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    spec = _number_spec(number_format or "General")
    if spec is None:
        return _general(value)
    thousands, decimals, percent = spec
    try:
        number = Decimal(value) if isinstance(value, int) else Decimal(format(value, ".15g"))
    except InvalidOperation:
        return _general(value)
    if percent:
        number *= 100
    quantum = Decimal(1).scaleb(-decimals)
    try:
        number = number.quantize(quantum, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # too many digits for the context: show it plainly
        return _general(value)
    if number == 0:
        number = abs(number)  # 0.00 rather than -0.00: a sign on a rounded zero only misleads
    text = format(number, ",f" if thousands else "f")
    return text + "%" if percent else text


def _general(value: int | float) -> str:
    """Excel's "General": integers plainly, other numbers to 15 significant digits."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


@lru_cache(maxsize=256)
def _number_spec(number_format: str) -> tuple[bool, int, bool] | None:
    """(thousands separator, decimals, percent) for simple numeric formats, else None.

    Only the first section (positive numbers) is used; colours, conditions, locale tags, padding and
    quoted literals are ignored. Negative numbers keep their minus sign rather than the parentheses or
    colour a second section may ask for, so the sign is never lost.
    """
    section = _FORMAT_DECORATION.sub("", number_format.split(";", 1)[0]).strip()
    match = _SIMPLE_FORMAT.match(section)
    if match is None:
        return None
    return match.group(1).startswith("#,"), len(match.group(2) or ""), bool(match.group(3))


# --- blocks --------------------------------------------------------------------------------------


def _blocks(sheet: _Sheet) -> list[Block]:
    """Split a sheet's cells into text lines and tables by blank rows and single-cell leading rows."""
    if not sheet.cells:
        return []
    merges_by_anchor_row: dict[int, list[_Merge]] = {}
    for merge in sheet.merges:
        merges_by_anchor_row.setdefault(merge.min_row, []).append(merge)
    blocks: list[Block] = []
    counters = [0, 0]  # text lines, tables
    for region in _regions(sheet, merges_by_anchor_row):
        _split_region(sheet, region, merges_by_anchor_row, blocks, counters)
    return blocks


def _regions(sheet: _Sheet, merges_by_anchor_row: dict[int, list[_Merge]]) -> list[list[int]]:
    """Runs of non-blank rows; a merge hanging down from a row bridges the blank rows it covers."""
    regions: list[list[int]] = []
    current: list[int] = []
    reach = 0
    for row in sorted(sheet.cells):
        if current and row > current[-1] + 1 and row - 1 > reach:
            regions.append(current)
            current = []
            reach = 0
        current.append(row)
        for merge in merges_by_anchor_row.get(row, ()):
            if merge.min_col in sheet.cells[row]:
                reach = max(reach, merge.max_row)
    if current:
        regions.append(current)
    return regions


def _split_region(
    sheet: _Sheet,
    rows: list[int],
    merges_by_anchor_row: dict[int, list[_Merge]],
    blocks: list[Block],
    counters: list[int],
) -> None:
    cells = sheet.cells
    start = 0
    while start < len(rows):
        texts = cells[rows[start]]
        if len(texts) != 1:
            break
        (column,) = texts
        hanging = merges_by_anchor_row.get(rows[start], ())
        if any(m.min_col == column and m.max_row > m.min_row for m in hanging):
            break  # a label merged downwards belongs to the table below it
        blocks.append(
            TextLine(
                counters[0],
                texts[column],
                origin=f"sheet '{sheet.title}' cell {get_column_letter(column)}{rows[start]}",
            )
        )
        counters[0] += 1
        start += 1
    table_rows = rows[start:]
    if not table_rows:
        return
    first_row, last_row = table_rows[0], table_rows[-1]
    left = min(min(cells[r]) for r in table_rows)
    right = max(max(cells[r]) for r in table_rows)
    merges = [m for r in table_rows for m in merges_by_anchor_row.get(r, ()) if m.min_col >= left]
    for merge in merges:  # a merged cell reaching past the last used column widens the table
        if merge.min_col in cells[merge.min_row]:
            right = max(right, merge.max_col)
    right = min(right, MAX_COLS)
    merges = [m for m in merges if m.min_col <= right]
    width = right - left + 1
    grid: list[list[str]] = []
    index: dict[int, int] = {}
    for r in table_rows:
        texts = cells[r]
        row = [""] * width
        for column, text in texts.items():
            if left <= column <= right:
                row[column - left] = text
        index[r] = len(grid)
        grid.append(row)
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    for merge in merges:
        anchor = (index[merge.min_row], merge.min_col - left)
        for r in range(merge.min_row, min(merge.max_row, last_row) + 1):
            if r not in index:
                continue
            for c in range(merge.min_col, min(merge.max_col, right) + 1):
                if (r, c) != (merge.min_row, merge.min_col):
                    anchors[(index[r], c - left)] = anchor
    blocks.append(Table(counters[1], grid, origin=f"sheet '{sheet.title}' row {first_row}", anchors=anchors))
    counters[1] += 1
