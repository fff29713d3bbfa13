"""Read forms saved as old Excel workbooks (.xls, BIFF8; also WPS .et files in that format).

Budget systems still export .xls. The cells, their number formats (``0.00`` must read as
``500000.00``, as in Excel), merged ranges and sheet visibility come from xlrd with
``formatting_info=True``; the layout into blocks is :mod:`budgetlib.extract.sheet`, the same as for
xlsx, so a form reads the same from either.

Formulas keep the rule of the xlsx reader: never evaluated, cached results not believed; the cell
reads as its formula text and the sheet gets a warning. xlrd keeps only a formula's cached result, so
the FORMULA records of each sheet are found by walking the sheet's BIFF records (a few microseconds a
record) and their token streams are turned back into text by xlrd's own decompiler
(``xlrd.formula.decompile_formula``), shared formulas (SHRFMLA) included. That needs no other library
and no office suite; python-calamine, measured faster (0.05 ms against 1.6 ms for a form), gives
neither number formats nor formulas.

An .xls is an OLE2 compound file; xlrd checks its structure and refuses encrypted workbooks
(FILEPASS). Files are at most :data:`budgetlib.extract.load.MAX_FILE_BYTES`, and a BIFF8 sheet has at
most 65,536 × 256 cells; rows are read ragged (no padding), and the caps of the xlsx reader apply.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import struct
from contextlib import redirect_stdout
from dataclasses import dataclass

from budgetlib.extract import xlsx
from budgetlib.extract.document import Document, UnreadableFileError
from budgetlib.extract.sheet import (
    Merge,
    SheetGrid,
    column_letter,
    covered_cells,
    cut_at_the_cell_cap,
    finish_sheet_warnings,
    sheet_blocks,
    value_text,
)
from budgetlib.notices import Notice

_BOF, _EOF, _FORMULA, _SHRFMLA, _ARRAY = 0x0809, 0x000A, 0x0006, 0x04BC, 0x0221
_PTG_EXP = 0x01
_RESAVE = "open it in Excel or WPS and re-save it as .xlsx"
_FLOAT_ZERO = re.compile(r'("[^"]*")|(?<![\w.$])(\d+)\.0(?![\d.])')
_SELF_RANGE = re.compile(r"(\$?[A-Z]{1,3}\$?\d+):\1(?![\d])")


@dataclass(slots=True)
class _Shared:
    """A shared formula: its token stream and the cells it covers (0-based, inclusive)."""

    first_row: int
    last_row: int
    first_col: int
    last_col: int
    tokens: bytes
    kind: int


def read_xls(data: bytes, source_file: str) -> list[Document]:
    """One :class:`Document` per worksheet with content (``part`` is the sheet name)."""
    import xlrd

    with open(os.devnull, "w") as devnull, redirect_stdout(devnull):  # xlrd prints odd records
        try:
            book = xlrd.open_workbook(
                file_contents=data, formatting_info=True, on_demand=True, ragged_rows=True, logfile=devnull
            )
        except Exception as error:  # xlrd and its compound-document reader raise many kinds
            raise _describe_failure(error) from error
        try:
            documents = _read_book(book, source_file, devnull)
        except UnreadableFileError:
            raise
        except Exception as error:
            raise _describe_failure(error) from error
        finally:
            book.release_resources()
    if not documents:
        raise UnreadableFileError("E_NO_CONTENT", "the workbook's sheets are all empty")
    return documents


def _describe_failure(error: Exception) -> UnreadableFileError:
    """The error row for a workbook xlrd could not read."""
    text = str(error).strip() or type(error).__name__
    if "encrypted" in text.lower():
        return UnreadableFileError(
            "E_ENCRYPTED", f"the workbook is encrypted (password-protected); remove the password, or {_RESAVE}"
        )
    return UnreadableFileError(
        "E_BROKEN_FILE", f"not a readable .xls workbook ({type(error).__name__}: {text[:200]}); {_RESAVE}"
    )


def _read_book(book: object, source_file: str, logfile: object) -> list[Document]:
    import xlrd

    documents: list[Document] = []
    budget = [xlsx.MAX_CELLS]
    positions = list(getattr(book, "_sh_abs_posn", []))
    for index in range(book.nsheets):  # type: ignore[attr-defined]
        if budget[0] < 0:
            break
        sheet = book.sheet_by_index(index)  # type: ignore[attr-defined]
        formulas = _formulas(book, positions[index]) if index < len(positions) else {}
        grid = _read_sheet(book, sheet, formulas, budget, xlrd)
        if sheet.visibility and grid.cells:
            grid.warnings.insert(0, Notice("W_HIDDEN_SHEET", f"sheet '{sheet.name}' is hidden in the workbook"))
        blocks = sheet_blocks(grid, xlsx.MAX_COLS)
        if blocks:
            documents.append(Document(source_file, blocks, encoding=None, part=sheet.name, warnings=grid.warnings))
        book.unload_sheet(index)  # type: ignore[attr-defined]
    return documents


def _read_sheet(book: object, sheet: object, formulas: dict[tuple[int, int], str], budget: list[int],
                xlrd: object) -> SheetGrid:
    grid = SheetGrid(
        sheet.name,  # type: ignore[attr-defined]
        hidden_rows=_hidden(sheet.rowinfo_map),  # type: ignore[attr-defined]
        hidden_columns=_hidden(sheet.colinfo_map),  # type: ignore[attr-defined]
    )
    merges = [
        Merge(rlo + 1, clo + 1, min(rhi, xlsx.MAX_ROWS), min(chi, xlsx.MAX_COLS))
        for rlo, rhi, clo, chi in sheet.merged_cells[: xlsx.MAX_MERGES]  # type: ignore[attr-defined]
        if rlo < xlsx.MAX_ROWS and clo < xlsx.MAX_COLS and (rhi - rlo > 1 or chi - clo > 1)
    ]
    if len(sheet.merged_cells) > xlsx.MAX_MERGES:  # type: ignore[attr-defined]
        grid.warnings.append(Notice("W_CAP_REACHED",
            f"sheet '{grid.title}' has more than {xlsx.MAX_MERGES:,} merged ranges; the rest were ignored"
        ))
    covered = covered_cells(merges, grid, xlsx.MAX_MERGED_CELLS)
    used: list[str] = []
    wide = False
    rows = sheet.nrows  # type: ignore[attr-defined]
    if rows > xlsx.MAX_ROWS:
        grid.warnings.append(Notice("W_CAP_REACHED",
            f"sheet '{grid.title}' goes on past row {xlsx.MAX_ROWS:,}; only the first {xlsx.MAX_ROWS:,} rows were read"
        ))
        rows = xlsx.MAX_ROWS
    for r in range(rows):
        length = sheet.row_len(r)  # type: ignore[attr-defined]
        if length > xlsx.MAX_COLS:
            wide = True
            length = xlsx.MAX_COLS
        texts: dict[int, str] = {}
        for c in range(length):
            if covered and (r + 1, c + 1) in covered:
                continue
            formula = formulas.get((r, c))
            if formula is not None:
                used.append(f"{column_letter(c + 1)}{r + 1}")
                text = formula
            else:
                text = _cell_text(book, sheet.cell(r, c), xlrd, grid, r + 1, c + 1)  # type: ignore[attr-defined]
            if text:
                texts[c + 1] = text
        if texts:
            grid.cells[r + 1] = texts
            budget[0] -= len(texts)
            if budget[0] < 0:
                cut_at_the_cell_cap(grid, xlsx.MAX_CELLS, r + 1)
                break
    finish_sheet_warnings(grid, wide=wide, max_cols=xlsx.MAX_COLS, formulas=used)
    grid.merges = merges
    return grid


def _hidden(infos: dict[int, object]) -> set[int]:
    """The hidden rows or columns (1-based) of xlrd's ``rowinfo_map`` or ``colinfo_map``."""
    return {index + 1 for index, info in infos.items() if getattr(info, "hidden", 0) and index < xlsx.MAX_ROWS}


def _cell_text(book: object, cell: object, xlrd: object, grid: SheetGrid, row: int, column: int) -> str:
    kind, value = cell.ctype, cell.value  # type: ignore[attr-defined]
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):  # type: ignore[attr-defined]
        return ""
    if kind == xlrd.XL_CELL_TEXT:  # type: ignore[attr-defined]
        text_format = _number_format(book, cell.xf_index)  # type: ignore[attr-defined]
        return value_text(value, text_format, grid, row, column)  # shown through the format's text section
    if kind == xlrd.XL_CELL_BOOLEAN:  # type: ignore[attr-defined]
        return value_text(bool(value), None)
    if kind == xlrd.XL_CELL_ERROR:  # type: ignore[attr-defined]
        return xlrd.error_text_from_code.get(value, "#ERROR")  # type: ignore[attr-defined]
    number_format = _number_format(book, cell.xf_index)  # type: ignore[attr-defined]
    if kind == xlrd.XL_CELL_DATE:  # type: ignore[attr-defined]
        try:
            moment = xlrd.xldate_as_datetime(value, book.datemode)  # type: ignore[attr-defined]
        except Exception:
            moment = None
        if isinstance(moment, dt.datetime):
            return value_text(moment, None)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    return value_text(value, number_format, grid, row, column)


def _number_format(book: object, xf_index: int | None) -> str | None:
    try:
        key = book.xf_list[xf_index].format_key  # type: ignore[attr-defined]
        return book.format_map[key].format_str  # type: ignore[attr-defined]
    except (AttributeError, IndexError, KeyError, TypeError):
        return None


# --- formulas ------------------------------------------------------------------------------------


def _formulas(book: object, start: int) -> dict[tuple[int, int], str]:
    """Formula text by (row, col), 0-based, for the sheet whose BOF record is at ``start`` in the
    workbook stream."""
    mem: bytes = book.mem  # type: ignore[attr-defined]
    cells: list[tuple[int, int, bytes]] = []
    shared: list[_Shared] = []
    position, depth = start, 0
    end = len(mem)
    while position + 4 <= end:
        kind, length = struct.unpack_from("<HH", mem, position)
        body = mem[position + 4 : position + 4 + length]
        position += 4 + length
        if kind == _BOF:
            depth += 1
        elif kind == _EOF:
            depth -= 1
            if depth <= 0:
                break
        elif depth == 1 and kind == _FORMULA and len(body) >= 22:
            row, col = struct.unpack_from("<HH", body, 0)
            size = struct.unpack_from("<H", body, 20)[0]
            cells.append((row, col, body[22 : 22 + size]))
        elif depth == 1 and kind in (_SHRFMLA, _ARRAY) and len(body) >= 8:
            first_row, last_row, first_col, last_col = struct.unpack_from("<HHBB", body, 0)
            offset = 10 if kind == _SHRFMLA else 12
            if len(body) >= offset:
                size = struct.unpack_from("<H", body, offset - 2)[0]
                shared.append(_Shared(first_row, last_row, first_col, last_col, body[offset : offset + size], kind))
    return {(row, col): _formula_text(book, row, col, tokens, shared) for row, col, tokens in cells}


def _formula_text(book: object, row: int, col: int, tokens: bytes, shared: list[_Shared]) -> str:
    from xlrd import formula as xlrd_formula

    kind = xlrd_formula.FMLA_TYPE_CELL
    if tokens[:1] == bytes([_PTG_EXP]):
        group = next(
            (s for s in shared if s.first_row <= row <= s.last_row and s.first_col <= col <= s.last_col), None
        )
        if group is None:
            return "=?"
        tokens = group.tokens
        kind = xlrd_formula.FMLA_TYPE_SHARED if group.kind == _SHRFMLA else xlrd_formula.FMLA_TYPE_ARRAY
    try:
        text = xlrd_formula.decompile_formula(book, tokens, len(tokens), kind, browx=row, bcolx=col)
    except Exception:
        text = None
    if not text:
        return "=?"
    return "=" + _tidy(str(text))


def _tidy(formula: str) -> str:
    """Undo two oddities of xlrd's decompiler, outside string literals: ``0.0`` for the number 0 and
    ``A1:A1`` for a single cell."""
    formula = _FLOAT_ZERO.sub(lambda m: m.group(1) or m.group(2), formula)
    return _SELF_RANGE.sub(r"\1", formula)
