"""Read forms saved as Excel 2003 XML spreadsheets (SpreadsheetML: "XML 电子表格 2003", ``<Workbook
xmlns="urn:schemas-microsoft-com:office:spreadsheet">``): one document per worksheet that has content.

Many web applications' "导出Excel" write this format and name it .xls. A worksheet is a ``Table`` of
``Row`` elements of ``Cell`` elements; a row or cell without ``ss:Index`` follows the one before it, a
cell after a cell merged across (``ss:MergeAcross``) follows the merged range, and a cell that would fall
on a cell covered by a range merged down from a row above (``ss:MergeDown``) follows that range, as
in an HTML table. Values are ``Data`` elements typed ``Number``, ``String``, ``DateTime``, ``Boolean`` or
``Error``; a number reads as its style's ``NumberFormat`` shows it. Hidden rows and columns
(``ss:Hidden``) and hidden worksheets are read as in an xlsx workbook. The cells become the grid the xlsx
reader makes (:class:`~budgetlib.extract.sheet.SheetGrid`), so the layout into blocks is
:mod:`budgetlib.extract.sheet` and a form reads the same from either. A formula (``ss:Formula``) is
never evaluated: the cell reads as its formula text, with the ``W_FORMULA`` warning of the xlsx reader.

The file is parsed by lxml with no entity resolved, no DTD loaded and nothing fetched; a DTD or entity
declaration makes it an error, as in the other XML readers. The caps of the xlsx reader apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

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

__all__ = ["SPREADSHEET_NAMESPACE", "read_spreadsheet_xml"]

SPREADSHEET_NAMESPACE = "urn:schemas-microsoft-com:office:spreadsheet"
_EXCEL_NAMESPACE = "urn:schemas-microsoft-com:office:excel"
_SS = f"{{{SPREADSHEET_NAMESPACE}}}"

NAMED_FORMATS = {
    "general": None,
    "general number": None,
    "fixed": "0.00",
    "standard": "#,##0.00",
    "percent": "0.00%",
    "scientific": "0.00E+00",
    "currency": '"¥"#,##0.00',
    "euro currency": '"€"#,##0.00',
}
"""The number formats SpreadsheetML names instead of writing their codes (Excel's "Format" names);
any other ``ss:Format`` is a format code itself. A named date or yes/no format reads as General."""
_NAMED_OTHER = frozenset({"general date", "long date", "medium date", "short date", "long time", "medium time",
                          "short time", "yes/no", "true/false", "on/off"})


def read_spreadsheet_xml(data: bytes, source_file: str) -> list[Document]:
    """One :class:`Document` per worksheet with content (``part`` is the worksheet's ``ss:Name``).

    Raises :class:`UnreadableFileError` for XML that is broken, declares a DTD or entities, is no
    SpreadsheetML workbook, or whose worksheets are all empty.
    """
    root = _parse(data)
    if etree.QName(root).localname != "Workbook":
        raise UnreadableFileError("E_BROKEN_FILE", "not an Excel 2003 XML spreadsheet (its root is no Workbook)")
    formats = _style_formats(root)
    documents: list[Document] = []
    budget = [xlsx.MAX_CELLS]
    for worksheet in _children(root, "Worksheet"):
        if budget[0] < 0:
            break
        name = _attribute(worksheet, "Name") or f"Sheet{len(documents) + 1}"
        sheet = _read_worksheet(worksheet, name, formats, budget)
        if _is_hidden_sheet(worksheet) and sheet.cells:
            sheet.warnings.insert(0, Notice("W_HIDDEN_SHEET", f"sheet '{name}' is hidden in the workbook"))
        blocks = sheet_blocks(sheet, xlsx.MAX_COLS)
        if blocks:
            documents.append(Document(source_file, blocks, encoding=None, part=name, warnings=sheet.warnings))
    if not documents:
        raise UnreadableFileError("E_NO_CONTENT", "the workbook's sheets are all empty")
    return documents


def _parse(data: bytes) -> etree._Element:
    """The workbook's root element, parsed with no entity resolved and no DTD loaded."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise UnreadableFileError(
            "E_BROKEN_FILE", f"not a readable Excel 2003 XML spreadsheet (broken XML: {str(error)[:200]})"
        ) from error
    if root.getroottree().docinfo.doctype:
        raise UnreadableFileError("E_XML_ENTITIES",
                                  "the spreadsheet's XML declares a DTD or entities (refused as unsafe)")
    return root


def _children(element: etree._Element, local: str) -> Iterator[etree._Element]:
    """The child elements of local name ``local`` (in the SpreadsheetML namespace, or in none)."""
    for child in element:
        if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == local:
            yield child


def _attribute(element: etree._Element, local: str) -> str | None:
    """``ss:local``; generators writing the namespace as the default one also write it unprefixed."""
    value = element.get(_SS + local)
    return element.get(local) if value is None else value


def _number(element: etree._Element, local: str, default: int = 0) -> int:
    try:
        return int(float(_attribute(element, local) or default))
    except (ValueError, OverflowError):
        return default


def _is_on(element: etree._Element, local: str) -> bool:
    return (_attribute(element, local) or "").strip().lower() in ("1", "true")


def _style_formats(root: etree._Element) -> dict[str, str | None]:
    """The number format of each style (``ss:ID``), following ``ss:Parent``: a format code, or None for General."""
    own: dict[str, str | None] = {}
    parents: dict[str, str] = {}
    for styles in _children(root, "Styles"):
        for style in _children(styles, "Style"):
            style_id = _attribute(style, "ID")
            if not style_id:
                continue
            parent = _attribute(style, "Parent")
            if parent:
                parents[style_id] = parent
            for number_format in _children(style, "NumberFormat"):
                own[style_id] = _format_code(_attribute(number_format, "Format"))
    formats: dict[str, str | None] = {}
    for style_id in set(own) | set(parents):
        current: str | None = style_id
        for _ in range(50):  # a chain of parents, or a loop, ends here
            if current is None or current in own:
                break
            current = parents.get(current)
        formats[style_id] = own.get(current) if current is not None else None
    return formats


def _format_code(name: str | None) -> str | None:
    """A number format code from ``ss:Format``: a named format's code, the code itself, or None (General)."""
    if not name:
        return None
    lowered = name.strip().lower()
    if lowered in NAMED_FORMATS:
        return NAMED_FORMATS[lowered]
    if lowered in _NAMED_OTHER:
        return None
    return name


def _is_hidden_sheet(worksheet: etree._Element) -> bool:
    """``x:WorksheetOptions/x:Visible`` is ``SheetHidden`` or ``SheetVeryHidden``."""
    for options in worksheet.iter(f"{{{_EXCEL_NAMESPACE}}}WorksheetOptions"):
        for visible in options.iter(f"{{{_EXCEL_NAMESPACE}}}Visible"):
            if (visible.text or "").strip().lower() in ("sheethidden", "sheetveryhidden"):
                return True
    return False


@dataclass(slots=True)
class _Position:
    """Where the reading of a worksheet is: the cells merged down from the rows above, the formulas."""

    covered: dict[int, set[int]] = field(default_factory=dict)  # row -> columns covered by merges from above
    formulas: list[str] = field(default_factory=list)
    wide: bool = False
    merged_cells: int = 0


def _read_worksheet(worksheet: etree._Element, name: str, formats: dict[str, str | None],
                    budget: list[int]) -> SheetGrid:
    sheet = SheetGrid(name)
    position = _Position()
    merges: list[Merge] = []
    for table in _children(worksheet, "Table"):
        _hidden_columns(table, sheet)
        row_number = 0
        for row in _children(table, "Row"):
            row_number = _number(row, "Index", row_number + 1) or row_number + 1
            span = max(_number(row, "Span"), 0)
            if row_number > xlsx.MAX_ROWS:
                sheet.warnings.append(Notice("W_CAP_REACHED",
                    f"sheet '{name}' goes on past row {xlsx.MAX_ROWS:,}; "
                    f"only the first {xlsx.MAX_ROWS:,} rows were read"
                ))
                break
            if _is_on(row, "Hidden"):
                sheet.hidden_rows.update(range(row_number, min(row_number + span, xlsx.MAX_ROWS) + 1))
            texts = _read_row(row, row_number, sheet, formats, position, merges)
            if texts:
                sheet.cells[row_number] = texts
                budget[0] -= len(texts)
                if budget[0] < 0:
                    cut_at_the_cell_cap(sheet, xlsx.MAX_CELLS, row_number)
                    break
            row_number += span
        break  # a worksheet has one Table
    covered = covered_cells(merges, sheet, xlsx.MAX_MERGED_CELLS)
    for row_number, column in covered:  # what a generator wrote into a covered cell is not shown
        shown = sheet.cells.get(row_number)
        if shown is not None and shown.pop(column, None) is not None and not shown:
            del sheet.cells[row_number]
    sheet.merges = merges
    finish_sheet_warnings(sheet, wide=position.wide, max_cols=xlsx.MAX_COLS, formulas=position.formulas)
    return sheet


def _hidden_columns(table: etree._Element, sheet: SheetGrid) -> None:
    """The hidden columns of a ``Table``'s ``Column`` elements (``ss:Index``, ``ss:Span`` more columns)."""
    column = 0
    for element in _children(table, "Column"):
        column = _number(element, "Index", column + 1) or column + 1
        span = max(_number(element, "Span"), 0)
        if _is_on(element, "Hidden"):
            sheet.hidden_columns.update(range(column, min(column + span, xlsx.MAX_COLS) + 1))
        column += span


def _read_row(row: etree._Element, row_number: int, sheet: SheetGrid, formats: dict[str, str | None],
              position: _Position, merges: list[Merge]) -> dict[int, str]:
    """The texts of one row's cells by column, its merged ranges added to ``merges``."""
    texts: dict[int, str] = {}
    covered = position.covered.pop(row_number, set())
    column = 0
    for cell in _children(row, "Cell"):
        index = _number(cell, "Index")
        if index > 0:
            column = index
        else:
            column += 1
            while column in covered:  # under a range merged down from a row above
                column += 1
        if column > xlsx.MAX_COLS:
            if _cell_text(cell, formats, sheet, row_number, column, position):
                position.wide = True
            break
        across = max(_number(cell, "MergeAcross"), 0)
        down = max(_number(cell, "MergeDown"), 0)
        if across or down:
            merge = Merge(row_number, column, min(row_number + down, xlsx.MAX_ROWS),
                          min(column + across, xlsx.MAX_COLS))
            merges.append(merge)
            position.merged_cells += (down + 1) * (across + 1)
            if down and position.merged_cells <= xlsx.MAX_MERGED_CELLS:
                for below in range(merge.min_row + 1, merge.max_row + 1):
                    position.covered.setdefault(below, set()).update(range(merge.min_col, merge.max_col + 1))
        text = _cell_text(cell, formats, sheet, row_number, column, position)
        if text:
            texts[column] = text
        column += across
    return texts


def _cell_text(cell: etree._Element, formats: dict[str, str | None], sheet: SheetGrid, row: int, column: int,
               position: _Position) -> str:
    """A cell's text as the sheet shows it; a formula as its text."""
    formula = _attribute(cell, "Formula")
    if formula:
        position.formulas.append(f"{column_letter(column)}{row}")
        return value_text(formula, None)
    for data in _children(cell, "Data"):
        kind = (_attribute(data, "Type") or "String").strip()
        text = "".join(data.itertext())
        return value_text(_typed(kind, text), formats.get(_attribute(cell, "StyleID") or ""), sheet, row, column)
    return ""


def _typed(kind: str, text: str) -> object:
    """The value of a ``Data`` element of ``ss:Type`` ``kind``: a number, a boolean, a date, or the text."""
    if kind == "Number":
        try:
            value = float(text.strip())
        except ValueError:
            return text
        if value.is_integer() and abs(value) < 2**53:
            return int(value)  # as the xlsx readers give it, for "General"
        return value
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    if kind == "DateTime":
        try:
            return dt.datetime.fromisoformat(text.strip())
        except ValueError:
            return text
    return text
