"""Spreadsheet cells into blocks: what the xlsx and xls readers share once their cells are read.

A worksheet is a grid without markup, so its blocks are recovered from layout: blank rows separate
regions; within a region, leading rows with a single non-empty cell are text lines (a title, "单位：万元")
and the rest is a table, trimmed to the region's used columns. Merged ranges are expanded like HTML
spans: the value stays in the top-left cell, the covered cells are empty and recorded in
``Table.anchors`` (whatever a generator wrote into covered cells is ignored, as Excel shows only the
top-left value).

Values are text as a person reads them in the sheet: numbers follow their number format for the
common formats (``0``, ``0.00``, ``#,##0.00``, ``0%``, ``0.00%``, with Excel's half-up rounding on 15
significant digits); anything else reads like Excel's "General" (no trailing ``.0``, no float noise
such as ``0.30000000000000004``). Dates read as ISO dates.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from budgetlib.extract.document import Block, Table, TextLine
from budgetlib.extract.text import clean_text
from budgetlib.notices import Notice

_SIMPLE_FORMAT = re.compile(r"^(#,##0|#,#0|0|#)(?:\.(0+))?(%?)$")
_FORMAT_DECORATION = re.compile(r'\[[^\]]*\]|_.|\*.|\\(.)|"([^"]*)"')


@dataclass(slots=True)
class Merge:
    """A merged range, 1-based and inclusive, as in Excel."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass(slots=True)
class SheetGrid:
    """The non-empty cell texts of one sheet, by sheet row and column (1-based, as in Excel)."""

    title: str
    cells: dict[int, dict[int, str]] = field(default_factory=dict)
    merges: list[Merge] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)


def column_letter(column: int) -> str:
    """``1`` → ``A``, ``28`` → ``AB``."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def covered_cells(merges: list[Merge], sheet: SheetGrid, limit: int) -> set[tuple[int, int]]:
    """Cells covered by merges (not their top-left cells), within ``limit`` cells in all.

    Merges beyond the budget are dropped (with a warning), so a hostile ``A1:ALL20000`` cannot make
    the reader enumerate millions of cells. ``merges`` keeps only the ranges that were used.
    """
    covered: set[tuple[int, int]] = set()
    budget = limit
    kept: list[Merge] = []
    for merge in merges:
        area = (merge.max_row - merge.min_row + 1) * (merge.max_col - merge.min_col + 1)
        if area > budget:
            sheet.warnings.append(Notice("W_CAP_REACHED",
                f"sheet '{sheet.title}': merged ranges cover more than {limit:,} cells; "
                f"{len(merges) - len(kept)} merged range(s) were ignored"
            ))
            break
        budget -= area
        kept.append(merge)
        for row in range(merge.min_row, merge.max_row + 1):
            covered.update((row, col) for col in range(merge.min_col, merge.max_col + 1))
        covered.discard((merge.min_row, merge.min_col))
    merges[:] = kept
    return covered


def value_text(value: object, number_format: str | None) -> str:
    """A cell's value (a string, number, boolean or date from the file) as the text a person reads."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return format_number(value, number_format)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return clean_text(str(value))


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


def cut_at_the_cell_cap(sheet: SheetGrid, max_cells: int, last_row: int) -> None:
    """W_CAP_REACHED: the workbook's non-empty cells passed ``max_cells`` in ``sheet`` after ``last_row``
    (1-based); the readers stop there and read no later sheet."""
    sheet.warnings.append(Notice("W_CAP_REACHED",
        f"the workbook has more than {max_cells:,} non-empty cells; sheet '{sheet.title}' "
        f"was cut after row {last_row:,} and later sheets were not read"
    ))


def finish_sheet_warnings(sheet: SheetGrid, *, wide: bool, max_cols: int, formulas: list[str]) -> None:
    """The warnings every workbook reader gives at the end of a sheet: cells beyond ``max_cols`` not
    read (``wide``), and the cells holding formulas (kept as text, never evaluated), named up to five."""
    if wide:
        sheet.warnings.append(Notice("W_CAP_REACHED",
            f"sheet '{sheet.title}' has cells beyond column {max_cols:,} ({column_letter(max_cols)}); "
            "they were not read"
        ))
    if formulas:
        shown = ", ".join(formulas[:5]) + (", ..." if len(formulas) > 5 else "")
        sheet.warnings.append(Notice("W_FORMULA",
            f"sheet '{sheet.title}': {len(formulas)} cell(s) hold formulas ({shown}); formulas are not "
            "evaluated, the formula text is kept"
        ))


def sheet_blocks(sheet: SheetGrid, max_cols: int) -> list[Block]:
    """Split a sheet's cells into text lines and tables by blank rows and single-cell leading rows."""
    if not sheet.cells:
        return []
    merges_by_anchor_row: dict[int, list[Merge]] = {}
    for merge in sheet.merges:
        merges_by_anchor_row.setdefault(merge.min_row, []).append(merge)
    blocks: list[Block] = []
    counters = [0, 0]  # text lines, tables
    for region in _regions(sheet, merges_by_anchor_row):
        _split_region(sheet, region, merges_by_anchor_row, blocks, counters, max_cols)
    return blocks


def _regions(sheet: SheetGrid, merges_by_anchor_row: dict[int, list[Merge]]) -> list[list[int]]:
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
    sheet: SheetGrid,
    rows: list[int],
    merges_by_anchor_row: dict[int, list[Merge]],
    blocks: list[Block],
    counters: list[int],
    max_cols: int,
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
                origin=f"sheet '{sheet.title}' cell {column_letter(column)}{rows[start]}",
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
    right = min(right, max_cols)
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
