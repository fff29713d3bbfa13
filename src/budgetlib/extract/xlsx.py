"""Read forms published as Excel workbooks (.xlsx): one document per worksheet that has content.

How cells become blocks (regions, text lines, tables, merged ranges) and how values become text
(number formats, dates) is :mod:`budgetlib.extract.sheet`, shared with the .xls reader.

Formulas are never evaluated: a formula cell reads as its formula text (``=SUM(A1:A3)``) and the sheet
gets a warning, because cached results can be stale and evaluating untrusted formulas is out of the
question.

Two readers, one result. Most workbooks are read by python-calamine (Rust; about 1 ms a form), with
the number formats taken from the styles part, since calamine gives values only. Calamine gives only
the cached result of a formula, so each worksheet is first scanned for formula elements (``<f>``); a
workbook that has any -- or anything else unusual: a DTD, an XML part that is not UTF-8, cells without
an address, more rows, columns, cells or merges than the caps, a file calamine cannot open -- is read by
openpyxl instead, which sees formula text, applies the caps cell by cell in its streaming mode, and
says what is wrong with a broken file (about 25 ms a form).

Workbooks are untrusted zip archives, so the archive is checked before either reader touches it (see
:mod:`budgetlib.extract.archive`: zip bombs, encrypted packages). openpyxl runs in read-only
(streaming) mode so that the row and cell caps really bound the work, and parses XML through defusedxml
(checked here; entity declarations are refused); the parts calamine would read are searched for DTD and
entity declarations first, which send the workbook to openpyxl and so to that refusal (the parts without
any are parsed by lxml, resolving no entity and loading no DTD). Merged ranges,
which the streaming mode does not report, are read from the sheet's ``<mergeCell ref="..."/>``
elements directly.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from budgetlib.extract.archive import (
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_FLOOR,
    declares_dtd,
    open_package,
)
from budgetlib.extract.document import Document, UnreadableFileError
from budgetlib.extract.numfmt import has_text_section
from budgetlib.extract.sheet import (
    Merge,
    SheetGrid,
    column_letter,
    covered_cells,
    cut_at_the_cell_cap,
    finish_sheet_warnings,
    format_number,
    sheet_blocks,
    value_text,
)
from budgetlib.extract.text import clean_text
from budgetlib.notices import Notice

if TYPE_CHECKING:
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

__all__ = [
    "MAX_CELLS", "MAX_COLS", "MAX_MEMBERS", "MAX_MEMBER_BYTES", "MAX_MERGED_CELLS", "MAX_MERGES", "MAX_RATIO",
    "MAX_ROWS", "MAX_TOTAL_BYTES", "RATIO_FLOOR", "format_number", "read_xlsx",
]

MAX_ROWS = 20_000
"""Rows read from one sheet; the rest is dropped with a warning."""
MAX_COLS = 1_000
"""Columns read from one sheet; the rest is dropped with a warning."""
MAX_CELLS = 100_000
"""Non-empty cells read from one workbook (a form has a few hundred); the rest is dropped with a warning.
Streaming a cell out of the XML and then interpreting it costs about 70 µs in openpyxl, so a workbook at
the cap takes about 7 s, well inside the time limit of :mod:`budgetlib.limits`."""
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

# what the fast path looks for in the XML before calamine reads it
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*)>")
_CELL_ATTRIBUTE = re.compile(rb"""(?<![\w:.-])([rst])\s*=\s*["']([^"']*)["']""")
_CELL_REF = re.compile(rb"^([A-Za-z]{1,3})([0-9]{1,7})$")
# a cell tag as Excel and LibreOffice write it: r="A1" first, then s and t when there are any
_CELL_USUAL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?(/?)>')
_DIMENSION = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_HIDDEN_ROW = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\bhidden\s*=\s*["'](?:1|true)["'][^>]*>""")
_HIDDEN_COL = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?col\b[^>]*?\bhidden\s*=\s*["'](?:1|true)["'][^>]*>""")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["']([0-9]{1,7})["']""")
_COL_SPAN = re.compile(rb"""\b(min|max)\s*=\s*["']([0-9]{1,7})["']""")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TEXT_TYPES = frozenset({b"s", b"str", b"inlineStr", b"b", b"e", b"d"})
_STRING_TYPES = frozenset({b"s", b"str", b"inlineStr"})
"""Cell types holding text, which a format's text section shows (``@"万元"``)."""


def read_xlsx(data: bytes, source_file: str) -> list[Document]:
    """One :class:`Document` per worksheet with content (``part`` is the sheet name).

    Raises :class:`UnreadableFileError` for archives that are not workbooks, look like zip bombs,
    are broken, or whose sheets are all empty.
    """
    import openpyxl  # here, not at the top: only a workbook needs it (0.13 s to import)

    if not openpyxl.DEFUSEDXML:
        raise UnreadableFileError(
            "E_UNSAFE_READER",
            "refusing to read a workbook: defusedxml is not active for openpyxl (OPENPYXL_DEFUSEDXML?)"
        )
    archive = open_package(data, "xlsx workbook", _check_names)
    try:
        plan = _fast_plan(archive)
        documents = _read_with_calamine(data, plan, source_file) if plan is not None else None
        if documents is None:
            documents = _read_with_openpyxl(data, archive, source_file)
    finally:
        archive.close()
    if not documents:
        raise UnreadableFileError("E_NO_CONTENT", "the workbook's sheets are all empty")
    return documents


def _check_names(names: set[str]) -> None:
    if "xl/workbook.xml" not in names and not any(name.endswith("workbook.xml") for name in names):
        for member, kind in _OTHER_PACKAGES:
            if member in names:
                raise UnreadableFileError("E_BINARY", kind)
        raise UnreadableFileError("E_BROKEN_FILE", "a zip archive that is not an Excel workbook (no xl/workbook.xml)")


# --- the fast path: calamine ---------------------------------------------------------------------


@dataclass(slots=True)
class _SheetPlan:
    """What the scan of one worksheet's XML found: the number format of each styled numeric cell."""

    name: str
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)


def _fast_plan(archive: zipfile.ZipFile) -> list[_SheetPlan] | None:
    """The worksheets' number formats when calamine may read the workbook, else None (openpyxl reads it).

    None when: a part declares a DTD or is not UTF-8, a worksheet holds a formula, a cell has no
    address, or a sheet reaches past the row, column, cell or merge caps (calamine would hold the whole
    grid in memory, so the caps must be known to hold before it starts). Costs one regular-expression
    pass over each XML part.
    """
    try:
        parts = {
            name: archive.read(name)
            for name in archive.namelist()
            if name.lower().endswith((".xml", ".rels", ".vml"))
        }
        if any(declares_dtd(xml) for xml in parts.values()):
            return None
        sheets = _workbook_sheets(parts)
        if sheets is None:
            return None
        number_formats = _style_formats(parts, sheets[0])
        if number_formats is None:
            return None
        plans: list[_SheetPlan] = []
        cells_left = MAX_CELLS
        for name, path in sheets[1]:
            plan = _SheetPlan(name)
            xml = parts.get(path) if path else None
            if xml is not None:
                cells_left = _scan_sheet(xml, plan, number_formats, cells_left)
                if cells_left < 0:
                    return None
            plans.append(plan)
    except _NotFast:
        return None
    except Exception:  # a broken part (bad zip data, bad XML, a refused DTD): openpyxl says what is wrong
        return None
    return plans


class _NotFast(Exception):
    """The workbook needs the openpyxl reader (see :func:`_fast_plan`)."""


_local = threading.local()


def _part_root(xml: bytes) -> etree._Element:
    """The root of a package part the fast path reads (relationships, the workbook, the styles), parsed
    in C by lxml with no entity resolved, no DTD loaded and nothing fetched.

    The parts come here only after :func:`~budgetlib.extract.archive.declares_dtd` found no DTD or
    entity declaration in any of them (such a workbook goes to openpyxl and its refusal), so this
    parser is the second guard, not the first. (defusedxml's parser would call Python for every
    element: a millisecond a workbook, an eighth of reading a form.)
    """
    parser = getattr(_local, "parser", None)
    if parser is None:  # lxml parsers must not be used by two threads at once
        parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                                 remove_comments=True, remove_pis=True)
        _local.parser = parser
    return etree.fromstring(xml, parser)


def _workbook_sheets(parts: dict[str, bytes]) -> tuple[str, list[tuple[str, str | None]]] | None:
    """(the workbook part's folder, [(sheet name, worksheet part path or None for other sheet kinds)])."""
    workbook_path = "xl/workbook.xml"
    root_rels = parts.get("_rels/.rels")
    if root_rels is not None:
        for rel in _part_root(root_rels).iter(f"{_NS_PACKAGE_REL}Relationship"):
            if rel.get("Type", "").endswith("/officeDocument"):
                workbook_path = rel.get("Target", workbook_path).lstrip("/")
    if workbook_path not in parts:
        return None
    folder = workbook_path.rsplit("/", 1)[0] + "/" if "/" in workbook_path else ""
    rels_path = f"{folder}_rels/{workbook_path.rsplit('/', 1)[-1]}.rels"
    targets: dict[str, tuple[str, str]] = {}
    if rels_path in parts:
        for rel in _part_root(parts[rels_path]).iter(f"{_NS_PACKAGE_REL}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else _join(folder, target)
            targets[rel.get("Id", "")] = (rel.get("Type", ""), target)
    sheets: list[tuple[str, str | None]] = []
    for sheet in _part_root(parts[workbook_path]).iter(f"{_NS_MAIN}sheet"):
        kind, target = targets.get(sheet.get(f"{_NS_REL}id", ""), ("", ""))
        sheets.append((sheet.get("name", ""), target if kind.endswith("/worksheet") else None))
    return folder, sheets


def _join(folder: str, target: str) -> str:
    parts: list[str] = []
    for piece in (folder + target).split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _style_formats(parts: dict[str, bytes], folder: str) -> list[str] | None:
    """The number format code of each cell style (``cellXfs``), by style index."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    xml = parts.get(f"{folder}styles.xml")
    if xml is None:
        return [] if not any(name.endswith("styles.xml") for name in parts) else None
    root = _part_root(xml)
    custom: dict[int, str] = {}
    for number_format in root.iter(f"{_NS_MAIN}numFmt"):
        try:
            custom[int(number_format.get("numFmtId", ""))] = number_format.get("formatCode", "General")
        except ValueError:
            continue
    formats: list[str] = []
    cell_xfs = root.find(f"{_NS_MAIN}cellXfs")
    for xf in cell_xfs.iter(f"{_NS_MAIN}xf") if cell_xfs is not None else ():
        try:
            number_id = int(xf.get("numFmtId", "0"))
        except ValueError:
            number_id = 0
        formats.append(custom.get(number_id) or BUILTIN_FORMATS.get(number_id) or "General")
    return formats


def _scan_sheet(xml: bytes, plan: _SheetPlan, number_formats: list[str], cells_left: int) -> int:
    """Check one worksheet for formulas and the caps; note the formats of styled numeric cells, and of
    text cells whose format has a text section that changes them. Returns the cell budget left
    (negative: over the cap)."""
    if _FORMULA.search(xml):
        raise _NotFast
    plan.hidden_rows, plan.hidden_columns = hidden_lines(xml)
    dimension = _DIMENSION.search(xml)
    if dimension:
        for ref in dimension.group(1).split(b":"):
            _check_ref(ref.strip())
    if xml.count(b"mergeCell ") + xml.count(b"mergeCell>") > MAX_MERGES:
        raise _NotFast
    cells = _CELL_USUAL.findall(xml)
    if len(cells) == len(_CELL_TAG.findall(xml)):
        return cells_left - _scan_usual_cells(cells, plan, number_formats)
    text_styles = _text_styles(number_formats)
    for match in _CELL_TAG.finditer(xml):
        attributes = dict(_CELL_ATTRIBUTE.findall(match.group(1)))
        ref = attributes.get(b"r")
        if ref is None:
            raise _NotFast
        row, column = _check_ref(ref)
        if not match.group(1).endswith(b"/"):
            cells_left -= 1
        style = attributes.get(b"s")
        kind = attributes.get(b"t")
        if style and style != b"0" and kind not in _TEXT_TYPES:
            index = int(style)
            if index < len(number_formats) and number_formats[index] != "General":
                plan.formats[(row, column)] = number_formats[index]
        elif style and kind in _STRING_TYPES and style in text_styles:
            plan.formats[(row, column)] = text_styles[style]
    return cells_left


def _text_styles(number_formats: list[str]) -> dict[bytes, str]:
    """The styles (as written in ``s="..."``) whose format has a text section that changes a text cell
    (:func:`~budgetlib.extract.numfmt.has_text_section`), with their formats; usually none."""
    return {str(index).encode(): code for index, code in enumerate(number_formats) if has_text_section(code)}


def _scan_usual_cells(cells: list[tuple[bytes, ...]], plan: _SheetPlan, number_formats: list[str]) -> int:
    """:func:`_scan_sheet`'s loop for a sheet whose every cell tag is written as Excel and LibreOffice
    write it (``r``, then ``s``, then ``t``): the caps checked on the largest row and each column's
    letters once, and only the styled cells visited one by one. Returns the cells with content.

    The loop over every cell (its attributes parsed, its reference checked) was 2.6 µs a cell, half of
    reading an office workbook before its cells were read.
    """
    if not cells:
        return 0
    letters, rows, _, _, closings = zip(*cells, strict=True)
    if max(map(int, rows)) > MAX_ROWS:  # the regular expression allows no row 0
        raise _NotFast
    columns = {code: _column_number(code) for code in set(letters)}
    if max(columns.values()) > MAX_COLS:
        raise _NotFast
    formats = plan.formats
    format_of: dict[bytes, str | None] = {}
    text_styles = _text_styles(number_formats)
    for column_letters, row, style, kind, _ in cells:
        if not style or style == b"0":
            continue
        if kind in _TEXT_TYPES:
            if text_styles and style in text_styles and kind in _STRING_TYPES:
                formats[(int(row), columns[column_letters])] = text_styles[style]
            continue
        code = format_of.get(style, "")
        if code == "":
            index = int(style)
            code = format_of[style] = (
                number_formats[index] if index < len(number_formats) and number_formats[index] != "General" else None
            )
        if code is not None:
            formats[(int(row), columns[column_letters])] = code
    return len(cells) - closings.count(b"/")


def _column_number(letters: bytes) -> int:
    """A column's number from its letters: A is 1, Z 26, AA 27."""
    column = 0
    for letter in letters.upper():
        column = column * 26 + letter - 64
    return column


def _check_ref(ref: bytes) -> tuple[int, int]:
    match = _CELL_REF.match(ref)
    if match is None:
        raise _NotFast
    column = _column_number(match.group(1))
    row = int(match.group(2))
    if row > MAX_ROWS or column > MAX_COLS or row < 1:
        raise _NotFast
    return row, column


def hidden_lines(xml: bytes) -> tuple[set[int], set[int]]:
    """The hidden rows and columns of a worksheet's XML (1-based; ``<row r="12" hidden="1">``,
    ``<col min="6" max="6" hidden="1"/>``), within the caps. LibreOffice writes ``hidden="false"`` on
    every row: three counts tell that nothing is hidden without a regular expression over every row."""
    mentions = xml.count(b"hidden")
    if not mentions or mentions == xml.count(b'hidden="false"') + xml.count(b'hidden="0"'):
        return set(), set()
    rows: set[int] = set()
    for match in _HIDDEN_ROW.finditer(xml):
        number = _ROW_NUMBER.search(match.group(0))
        if number is not None and int(number.group(1)) <= MAX_ROWS:
            rows.add(int(number.group(1)))
    columns: set[int] = set()
    for match in _HIDDEN_COL.finditer(xml):
        bounds = {key: int(value) for key, value in _COL_SPAN.findall(match.group(0))}
        low = bounds.get(b"min", 0)
        columns.update(range(max(low, 1), min(bounds.get(b"max", low), MAX_COLS) + 1))
    return rows, columns


def _read_with_calamine(data: bytes, plans: list[_SheetPlan], source_file: str) -> list[Document] | None:
    """The documents, read by calamine; None when calamine cannot read the workbook (openpyxl then
    reads it and says what is wrong)."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine's errors for broken files: openpyxl's messages are the ones users see
        return None
    documents: list[Document] = []
    try:
        metadata = workbook.sheets_metadata
        if [sheet.name for sheet in metadata] != [plan.name for plan in plans]:
            return None
        for index, (sheet_meta, plan) in enumerate(zip(metadata, plans, strict=True)):
            if sheet_meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            try:
                calamine_sheet = workbook.get_sheet_by_index(index)
                rows = calamine_sheet.to_python(skip_empty_area=False)
                ranges = calamine_sheet.merged_cell_ranges or []
            except Exception:
                return None
            sheet = _calamine_grid(plan, rows, ranges)
            if sheet is None:
                return None
            if sheet_meta.visible != python_calamine.SheetVisibleEnum.Visible and sheet.cells:
                sheet.warnings.insert(0, Notice("W_HIDDEN_SHEET", f"sheet '{plan.name}' is hidden in the workbook"))
            blocks = sheet_blocks(sheet, MAX_COLS)
            if blocks:
                documents.append(
                    Document(source_file=source_file, blocks=blocks, encoding=None, part=plan.name,
                             warnings=sheet.warnings)
                )
    finally:
        workbook.close()
    return documents


def _calamine_grid(plan: _SheetPlan, rows: Sequence[Sequence[object]], ranges: list) -> SheetGrid | None:
    """A sheet's cells as the layout code wants them, or None if the merges exceed the caps."""
    sheet = SheetGrid(plan.name, hidden_rows=plan.hidden_rows, hidden_columns=plan.hidden_columns)
    merges: list[Merge] = []
    area = 0
    for (top, left), (bottom, right) in ranges:
        merge = Merge(top + 1, left + 1, min(bottom + 1, MAX_ROWS), min(right + 1, MAX_COLS))
        if merge.max_row > merge.min_row or merge.max_col > merge.min_col:
            merges.append(merge)
            area += (merge.max_row - merge.min_row + 1) * (merge.max_col - merge.min_col + 1)
    if area > MAX_MERGED_CELLS:
        return None
    covered = covered_cells(merges, sheet, MAX_MERGED_CELLS)
    formats = plan.formats
    for row_number, row in enumerate(rows, start=1):
        texts: dict[int, str] = {}
        for column, value in enumerate(row, start=1):
            if value == "" or value is None or (covered and (row_number, column) in covered):
                continue
            if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                value = int(value)  # as openpyxl gives it (<v>500000</v> is an int), for "General"
            text = value_text(value, formats.get((row_number, column)), sheet, row_number, column)
            if text:
                texts[column] = text
        if texts:
            sheet.cells[row_number] = texts
    sheet.merges = merges
    return sheet


# --- the full path: openpyxl ---------------------------------------------------------------------


def _read_with_openpyxl(data: bytes, archive: zipfile.ZipFile, source_file: str) -> list[Document]:
    """The documents of an archive that passed the checks.

    openpyxl's own warnings (a date out of range, ...) are caught and attached to the sheet being read;
    ``warnings.catch_warnings`` is process-global, so parallel reading should use processes, as the
    library's batch reader does, rather than threads.
    """
    import openpyxl

    budget = [MAX_CELLS]
    documents: list[Document] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False, keep_vba=False
            )
        except Exception as error:  # openpyxl raises many kinds for broken workbooks
            raise _describe_failure(error) from error
        try:
            for worksheet in workbook.worksheets:
                if budget[0] < 0:
                    break
                try:
                    sheet = _read_sheet(worksheet, archive, budget)
                except UnreadableFileError:
                    raise
                except Exception as error:
                    raise _describe_failure(error, f"sheet '{worksheet.title}'") from error
                sheet.warnings.extend(
                    Notice("W_WORKBOOK_NOTE", f"sheet '{worksheet.title}': {message}") for message in _relevant(caught)
                )
                caught.clear()
                if worksheet.sheet_state != "visible" and sheet.cells:
                    sheet.warnings.insert(0, Notice("W_HIDDEN_SHEET",
                                                    f"sheet '{worksheet.title}' is hidden in the workbook"))
                blocks = sheet_blocks(sheet, MAX_COLS)
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


# --- failures -----------------------------------------------------------------------------------


def _describe_failure(error: Exception, where: str = "") -> UnreadableFileError:
    """The error row for a workbook openpyxl could not read (``where`` names the sheet, if known)."""
    prefix = f"{where}: " if where else ""
    cause: BaseException | None = error
    while cause is not None:  # openpyxl wraps parser errors in its own ValueError
        if "Forbidden" in type(cause).__name__:  # defusedxml: DTDForbidden, EntitiesForbidden, ...
            return UnreadableFileError(
                "E_XML_ENTITIES", f"{prefix}the workbook's XML declares a DTD or entities (refused as unsafe)"
            )
        cause = cause.__cause__ or cause.__context__
    name = type(error).__name__
    if isinstance(error, zipfile.BadZipFile):
        return UnreadableFileError("E_BROKEN_FILE",
                                   f"{prefix}not a readable xlsx workbook (broken zip archive: {error})")
    if isinstance(error, KeyError):
        return UnreadableFileError("E_BROKEN_FILE", f"{prefix}not a complete xlsx workbook (missing part {error})")
    message = str(error).strip() or name
    return UnreadableFileError("E_BROKEN_FILE", f"{prefix}not a readable xlsx workbook ({name}: {message[:200]})")


def _relevant(caught: Iterable[warnings.WarningMessage]) -> list[str]:
    messages: list[str] = []
    for warning in caught:
        text = str(warning.message)
        if not any(noise in text for noise in _NOISE_WARNINGS) and text not in messages:
            messages.append(text)
    return messages


# --- cells ---------------------------------------------------------------------------------------


def _read_sheet(worksheet: ReadOnlyWorksheet, archive: zipfile.ZipFile, budget: list[int]) -> SheetGrid:
    """Stream a sheet's non-empty cells, within the row, column and cell caps."""
    from openpyxl.cell.read_only import EMPTY_CELL

    sheet = SheetGrid(worksheet.title)
    declared_rows = worksheet.max_row
    worksheet.reset_dimensions()  # dimensions in the file may be wrong either way; stream what is there
    formulas: list[str] = []
    wide = False
    xml = _sheet_xml(archive, getattr(worksheet, "_worksheet_path", None))
    merges = _read_merges(xml, sheet)
    sheet.hidden_rows, sheet.hidden_columns = hidden_lines(xml)
    covered = covered_cells(merges, sheet, MAX_MERGED_CELLS)
    for row_number, row in enumerate(worksheet.iter_rows(), start=1):
        if row_number > MAX_ROWS:
            declared = ""
            if declared_rows and declared_rows > MAX_ROWS:
                declared = f" (it declares {declared_rows:,} rows)"
            sheet.warnings.append(Notice("W_CAP_REACHED",
                f"sheet '{sheet.title}' goes on past row {MAX_ROWS:,}{declared}; "
                f"only the first {MAX_ROWS:,} rows were read"
            ))
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
            text = _cell_text(cell, formulas, sheet)
            if text:
                texts[column] = text
        if texts:
            sheet.cells[row_number] = texts
            budget[0] -= len(texts)
            if budget[0] < 0:
                cut_at_the_cell_cap(sheet, MAX_CELLS, row_number)
                break
    finish_sheet_warnings(sheet, wide=wide, max_cols=MAX_COLS, formulas=formulas)
    sheet.merges = merges
    return sheet


def _sheet_xml(archive: zipfile.ZipFile, path: str | None) -> bytes:
    """A worksheet's XML, for what the streaming mode of openpyxl skips (merges, hidden rows)."""
    if not path:
        return b""
    try:
        return archive.read(path.lstrip("/"))
    except KeyError:
        return b""


def _read_merges(xml: bytes, sheet: SheetGrid) -> list[Merge]:
    """The sheet's merged ranges, read from its XML (the streaming mode of openpyxl skips them)."""
    from openpyxl.utils import range_boundaries

    if b"mergeCell" not in xml:
        return []
    merges: list[Merge] = []
    for match in _MERGE_REF.finditer(xml):
        if len(merges) >= MAX_MERGES:
            sheet.warnings.append(Notice("W_CAP_REACHED",
                f"sheet '{sheet.title}' has more than {MAX_MERGES:,} merged ranges; the rest were ignored"
            ))
            break
        try:
            min_col, min_row, max_col, max_row = range_boundaries(match.group(1).decode("ascii"))
        except (ValueError, TypeError):
            continue
        if min_row is None or min_col is None or max_row is None or max_col is None:
            continue
        if min_row > MAX_ROWS or min_col > MAX_COLS:
            continue
        merge = Merge(min_row, min_col, min(max_row, MAX_ROWS), min(max_col, MAX_COLS))
        if merge.max_row > merge.min_row or merge.max_col > merge.min_col:
            merges.append(merge)
    return merges


def _cell_text(cell: ReadOnlyCell, formulas: list[str], sheet: SheetGrid) -> str:
    """A cell's value as the text a person reads in the sheet; a formula as its text."""
    value = cell.value
    if cell.data_type == "f":
        formula = value if isinstance(value, str) else getattr(value, "text", None) or _data_table(value)
        formulas.append(f"{column_letter(cell.column)}{cell.row}")
        return clean_text(formula)
    return value_text(value, cell.number_format, sheet, cell.row, cell.column)


def _data_table(value: object) -> str:
    attributes = getattr(value, "__dict__", {}) or {}
    inner = ", ".join(f"{k}={v}" for k, v in attributes.items() if v is not None and not k.startswith("_"))
    return f"=TABLE({inner})"


