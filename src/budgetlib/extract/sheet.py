"""Spreadsheet cells into blocks: what the xlsx and xls readers share once their cells are read.

A worksheet is a grid without markup, so its blocks are recovered from layout: blank rows separate
regions; within a region, leading rows with a single non-empty cell are text lines (a title, "单位：万元")
and the rest is a table, trimmed to the region's used columns. Merged ranges are expanded like HTML
spans: the value stays in the top-left cell, the covered cells are empty and recorded in
``Table.anchors`` (whatever a generator wrote into covered cells is ignored, as Excel shows only the
top-left value).

Values are text as a person reads them in the sheet: numbers as their number format shows them
(:mod:`budgetlib.extract.numfmt`: ``0!.0000`` shows 500000 as ``50.0000``, ``0"家"`` shows ``123家``),
numbers without a format like Excel's "General" (no trailing ``.0``, no float noise such as
``0.30000000000000004``); where the shown text would lose the number, the stored value is kept and the
sheet gets a ``W_NUMBER_FORMAT`` warning naming the cells. Text cells read as the format's text section
shows them (``@"万元"`` shows the text ``12.5`` as ``12.5万元``); a text section that would hide the text
keeps it, with the same warning. Dates read as ISO dates.

Hidden rows (:attr:`SheetGrid.hidden_rows`) are not what a person reads in the sheet, yet nothing is
dropped: their cells are laid out after the visible rows, as blocks of their own, so that a value the
sheet shows always comes before (and wins over, see ``W_SECOND_VALUE``) a hidden one, and the sheet
gets a ``W_HIDDEN_ROWS`` warning naming them. A hidden row holding the top-left cell of a merged range
that reaches visible rows stays in place, as the sheet shows that cell. Hidden columns stay in place
(moving them would shift the columns of every table) and get a ``W_HIDDEN_COLUMNS`` warning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from budgetlib.extract.document import Block, Table, TextLine
from budgetlib.extract.numfmt import format_number, has_text_section, render_number, render_text, shows_another_number
from budgetlib.extract.text import clean_text
from budgetlib.notices import Notice

__all__ = [
    "Merge", "SheetGrid", "column_letter", "covered_cells", "cut_at_the_cell_cap", "finish_sheet_warnings",
    "format_number", "sheet_blocks", "value_text",
]


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
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    number_notes: list[str] = field(default_factory=list)
    """Cells whose text is not what their number format shows ("D15 shown as '-'; ..."), for the warning."""
    scaled_notes: list[str] = field(default_factory=list)
    """Cells read as shown, whose format shows another number than the stored one ("D15 shows '50.0000',
    stored 500000"), for the warning."""
    text_notes: list[str] = field(default_factory=list)
    """Text cells whose format's text section would hide their text ("C7 shown as '-'; ..."), for the
    warning."""


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


def value_text(value: object, number_format: str | None, sheet: SheetGrid | None = None, row: int = 0,
               column: int = 0) -> str:
    """A cell's value (a string, number, boolean or date from the file) as the text a person reads.

    A number or text whose text is not what its format shows is noted on ``sheet`` (at ``row``, ``column``)."""
    if isinstance(value, str):
        if not has_text_section(number_format):
            return clean_text(value)
        text, note = render_text(value, number_format)
        if note is not None and sheet is not None:
            sheet.text_notes.append(f"{column_letter(column)}{row} {note}")
        return clean_text(text)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        text, note = render_number(value, number_format)
        if sheet is not None:
            if note is not None:
                sheet.number_notes.append(f"{column_letter(column)}{row} {note}")
            elif shows_another_number(number_format):
                stored = format_number(value, None)
                sheet.scaled_notes.append(f"{column_letter(column)}{row} shows {text!r}, stored {stored}")
        return text
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return clean_text(str(value))


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
    """Split a sheet's cells into text lines and tables by blank rows and single-cell leading rows;
    the cells of hidden rows come after the visible ones (see the module's docstring). Adds the
    sheet's warnings about number formats and hidden rows and columns."""
    _note_number_formats(sheet)
    if not sheet.cells:
        return []
    merges_by_anchor_row: dict[int, list[Merge]] = {}
    for merge in sheet.merges:
        merges_by_anchor_row.setdefault(merge.min_row, []).append(merge)
    apart = _rows_read_apart(sheet, merges_by_anchor_row) if sheet.hidden_rows else set()
    if sheet.hidden_columns:
        _note_hidden_columns(sheet)
    blocks: list[Block] = []
    counters = [0, 0]  # text lines, tables
    for region in _regions(sorted(sheet.cells), sheet, merges_by_anchor_row):
        shown = [row for row in region if row not in apart] if apart else region
        if shown:
            _split_region(sheet, shown, merges_by_anchor_row, blocks, counters, max_cols)
    for region in _regions(sorted(apart), sheet, merges_by_anchor_row):
        _split_region(sheet, region, merges_by_anchor_row, blocks, counters, max_cols, hidden=True)
    return blocks


def _note_number_formats(sheet: SheetGrid) -> None:
    """W_NUMBER_FORMAT for the number cells whose text is not what their number format shows and, apart,
    for the text cells whose text section would hide their text; W_SCALED_NUMBER for the number cells read
    as shown whose format shows another number than the stored one. Five cells named in each."""
    shown = "do not read as the sheet shows them"
    for code, notes, what in (
        ("W_NUMBER_FORMAT", sheet.number_notes, f"number cell(s) {shown}"),
        ("W_NUMBER_FORMAT", sheet.text_notes, f"text cell(s) {shown}"),
        ("W_SCALED_NUMBER", sheet.scaled_notes,
         "number cell(s) are read as the sheet shows them, another number than the one stored"),
    ):
        if notes:
            named = "; ".join(notes[:5]) + ("; ..." if len(notes) > 5 else "")
            sheet.warnings.append(Notice(code, f"sheet '{sheet.title}': {len(notes)} {what}: {named}"))


def _rows_read_apart(sheet: SheetGrid, merges_by_anchor_row: dict[int, list[Merge]]) -> set[int]:
    """The hidden rows with content that are read after the visible rows, with W_HIDDEN_ROWS; a hidden
    row holding the top-left cell of a merged range reaching a visible row stays in place (the sheet
    shows that cell)."""
    hidden = sheet.hidden_rows
    with_content = sorted(row for row in hidden if row in sheet.cells)
    if not with_content:
        return set()
    in_place = [
        row for row in with_content
        if any(merge.min_col in sheet.cells[row] and any(r not in hidden for r in range(row, merge.max_row + 1))
               for merge in merges_by_anchor_row.get(row, ()))
    ]
    apart = set(with_content).difference(in_place)
    parts = []
    if apart:
        parts.append(f"row(s) {_spans(sorted(apart))}, hidden in the workbook, were read after the visible rows, "
                     "as blocks of their own")
    if in_place:
        parts.append(f"hidden row(s) {_spans(in_place)} were read in place: they hold merged cells that "
                     "visible rows show")
    sheet.warnings.append(Notice("W_HIDDEN_ROWS", f"sheet '{sheet.title}': " + "; ".join(parts)))
    return apart


def _note_hidden_columns(sheet: SheetGrid) -> None:
    """W_HIDDEN_COLUMNS for the hidden columns that hold content (read in place)."""
    used = {column for texts in sheet.cells.values() for column in texts}
    columns = sorted(used & sheet.hidden_columns)
    if columns:
        names = ", ".join(column_letter(column) for column in columns[:10]) + (", ..." if len(columns) > 10 else "")
        sheet.warnings.append(Notice("W_HIDDEN_COLUMNS",
            f"sheet '{sheet.title}': column(s) {names} are hidden in the workbook and hold content; "
            "they were read in place"
        ))


def _spans(rows: list[int]) -> str:
    """``[3, 4, 5, 9]`` → ``3-5, 9`` (the first ten runs)."""
    runs: list[list[int]] = []
    for row in rows:
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs[:10])
    return text + (", ..." if len(runs) > 10 else "")


def _regions(rows: list[int], sheet: SheetGrid, merges_by_anchor_row: dict[int, list[Merge]]) -> list[list[int]]:
    """Runs of non-blank rows among ``rows``; a merge hanging down from a row bridges the blank rows
    it covers."""
    regions: list[list[int]] = []
    current: list[int] = []
    reach = 0
    for row in rows:
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
    *,
    hidden: bool = False,
) -> None:
    cells = sheet.cells
    place = " (hidden)" if hidden else ""
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
                origin=f"sheet '{sheet.title}' cell {column_letter(column)}{rows[start]}{place}",
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
    blocks.append(Table(counters[1], grid, origin=f"sheet '{sheet.title}' row {first_row}{place}",
                        anchors=anchors))
    counters[1] += 1
