"""Build the same form in other formats, and compare documents: for tests, and for users' own checks.

The library promises that one form reads the same whether it was published as markdown, HTML or
xlsx. The writers here turn a :class:`Document` (usually read from markdown) into HTML or an xlsx
workbook so that promise can be checked on real forms, and :func:`compare_documents` says, in words,
where two readings differ.

With ``merge=True`` the writers merge cells the way published forms do, so that reading back really
exercises span expansion: an empty cell run to the right of a non-empty cell becomes a ``colspan`` (a
merged range in xlsx), and empty cells below a label in column 0 become a ``rowspan``. The reader must
then expand them back into exactly the empty cells they came from.
"""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.extract.encoding import decode_bytes
from budgetlib.extract.markdown import parse_markdown

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "compare_documents",
    "document_to_html",
    "document_to_markdown",
    "document_to_xlsx",
    "expected_anchors",
    "markdown_to_html",
    "markdown_to_xlsx",
    "merge_plan",
    "unaccounted_cells",
]

Span = tuple[int, int]

# A number written the way a spreadsheet would show it: no leading zeros (codes like 036001 stay
# text), at most 15 significant digits (what a double keeps), optional thousands separators or %.
_PLAIN_NUMBER = re.compile(r"^-?(?:0|[1-9]\d{0,14})(?:\.(\d{1,9}))?$")
_GROUPED_NUMBER = re.compile(r"^-?[1-9]\d{0,2}(?:,\d{3}){1,4}(?:\.(\d{1,6}))?$")
_PERCENT = re.compile(r"^-?(?:0|[1-9]\d{0,6})(?:\.(\d{1,6}))?%$")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def merge_plan(rows: list[list[str]]) -> dict[tuple[int, int], Span]:
    """The merges a publisher would make in a table: ``{(row, col): (rowspan, colspan)}``.

    A label in column 0 followed by rows whose column 0 is empty spans those rows; any other non-empty
    cell followed by empty cells in its row spans them. Merged regions never overlap.
    """
    spans: dict[tuple[int, int], Span] = {}
    covered: set[tuple[int, int]] = set()
    n_rows = len(rows)
    for r, row in enumerate(rows):
        if row and row[0]:
            below = 1
            while r + below < n_rows and rows[r + below] and rows[r + below][0] == "":
                covered.add((r + below, 0))
                below += 1
            if below > 1:
                spans[(r, 0)] = (below, 1)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if not text or (r, c) in spans or (r, c) in covered:
                continue
            right = 1
            while c + right < len(row) and row[c + right] == "" and (r, c + right) not in covered:
                covered.add((r, c + right))
                right += 1
            if right > 1:
                spans[(r, c)] = (1, right)
    return spans


def _covered_by(spans: dict[tuple[int, int], Span]) -> set[tuple[int, int]]:
    covered: set[tuple[int, int]] = set()
    for (r, c), (rowspan, colspan) in spans.items():
        covered.update((r + dr, c + dc) for dr in range(rowspan) for dc in range(colspan))
        covered.discard((r, c))
    return covered


def expected_anchors(rows: list[list[str]]) -> dict[tuple[int, int], tuple[int, int]]:
    """The ``Table.anchors`` a reader should report for a table written with ``merge=True``."""
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    for (r, c), (rowspan, colspan) in merge_plan(rows).items():
        for dr in range(rowspan):
            for dc in range(colspan):
                if dr or dc:
                    anchors[(r + dr, c + dc)] = (r, c)
    return anchors


# --- markdown ------------------------------------------------------------------------------------


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def document_to_markdown(doc: Document) -> str:
    """The document as markdown: headings as ``#`` lines, tables as pipe tables (an empty heading row
    and a separator, as published forms have them), a cell's line breaks as ``<br>``.

    Text is written as it stands: a line that looks like markup (``<b>``, ``&amp;``) is read back as
    that markup, as it would be from any markdown file.
    """
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, TextLine):
            prefix = "#" * block.heading + " " if 1 <= block.heading <= 6 else ""
            out.extend([prefix + block.text.replace("\n", " "), ""])
            continue
        width = max(block.width, 1)
        out.append("|" + " |" * width)
        out.append("|" + "---|" * width)
        out.extend("| " + " | ".join(_markdown_cell(text) for text in row) + " |" for row in block.rows)
        out.append("")
    return "\n".join(out) + "\n"


# --- HTML ----------------------------------------------------------------------------------------


def _html_text(text: str) -> str:
    return "<br>".join(html.escape(line, quote=False) for line in text.split("\n"))


def document_to_html(doc: Document, merge: bool = False) -> str:
    """The document as an HTML page: headings as ``<hN>``, other text lines as ``<p>``, tables as tables.

    A cell's line breaks are written as ``<br>``. With ``merge``, cells are merged as
    :func:`merge_plan` says, using ``rowspan``/``colspan``.
    """
    out = [
        "<!DOCTYPE html>",
        "<html>",
        '<head><meta charset="utf-8">',
        f"<title>{html.escape(doc.source_file)}</title>",
        "<style>td { border: 1px solid #999; }</style></head>",
        "<body>",
    ]
    for block in doc.blocks:
        if isinstance(block, TextLine):
            tag = f"h{block.heading}" if 1 <= block.heading <= 6 else "p"
            out.append(f"<{tag}>{_html_text(block.text)}</{tag}>")
        else:
            out.append(_table_html(block, merge))
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


def _table_html(table: Table, merge: bool) -> str:
    spans = merge_plan(table.rows) if merge else {}
    covered = _covered_by(spans)
    lines = ["<table>"]
    for r, row in enumerate(table.rows):
        cells = []
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            rowspan, colspan = spans.get((r, c), (1, 1))
            attributes = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (
                f' colspan="{colspan}"' if colspan > 1 else ""
            )
            cells.append(f"<td{attributes}>{_html_text(text)}</td>")
        lines.append("  <tr>" + "".join(cells) + "</tr>")
    lines.append("</table>")
    return "\n".join(lines)


# --- xlsx ----------------------------------------------------------------------------------------


def _typed_value(text: str) -> tuple[object, str | None]:
    """A cell text as a spreadsheet would hold it: a number with the format that shows it as written.

    Texts that a number format could not reproduce exactly (leading zeros, more than 15 digits,
    ``-0``) stay text.
    """
    if len(text.lstrip("-").replace(".", "").replace(",", "").rstrip("%").lstrip("0")) > 15:
        return text, None  # more digits than a double keeps
    match = _PLAIN_NUMBER.match(text)
    if match:
        decimals = len(match.group(1) or "")
        value: object = float(text) if decimals else int(text)
        if value == 0 and text.startswith("-"):
            return text, None
        return value, ("0." + "0" * decimals) if decimals else None
    match = _GROUPED_NUMBER.match(text)
    if match:
        decimals = len(match.group(1) or "")
        plain = text.replace(",", "")
        return (float(plain) if decimals else int(plain)), "#,##0" + ("." + "0" * decimals if decimals else "")
    match = _PERCENT.match(text)
    if match:
        decimals = len(match.group(1) or "")
        number = Decimal(text[:-1]) / 100
        if number == 0 and text.startswith("-"):
            return text, None
        return float(number), "0" + ("." + "0" * decimals if decimals else "") + "%"
    return text, None


def document_to_xlsx(doc: Document, merge: bool = False, numbers: bool = True) -> bytes:
    """The document as a one-sheet workbook: text lines as single-cell rows, tables as cell grids.

    Blocks are separated by a blank row (which is how the xlsx reader tells them apart). With
    ``merge``, cells are merged as :func:`merge_plan` says. With ``numbers``, number-like texts are
    stored as numbers with a number format that shows them as written (``500000.00`` as 500000 with
    ``0.00``, ``100%`` as 1 with ``0%``), so reading back exercises number formatting.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _SHEET_NAME_FORBIDDEN.sub("_", doc.part)[:31] or "Sheet1"
    row = 1
    for index, block in enumerate(doc.blocks):
        if index:
            row += 1  # blank row between blocks
        if isinstance(block, TextLine):
            _write_cell(sheet, row, 1, block.text, numbers)
            row += 1
            continue
        spans = merge_plan(block.rows) if merge else {}
        for r, cells in enumerate(block.rows):
            for c, text in enumerate(cells):
                if text:
                    _write_cell(sheet, row + r, 1 + c, text, numbers)
        for (r, c), (rowspan, colspan) in spans.items():
            sheet.merge_cells(
                start_row=row + r,
                start_column=1 + c,
                end_row=row + r + rowspan - 1,
                end_column=1 + c + colspan - 1,
            )
        row += len(block.rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_cell(sheet: Worksheet, row: int, column: int, text: str, numbers: bool) -> None:
    value, number_format = _typed_value(text) if numbers else (text, None)
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # a text starting with "=" is text, not a formula
    if number_format:
        cell.number_format = number_format


# --- conveniences --------------------------------------------------------------------------------


def _read_markdown(path: str | Path) -> Document:
    path = Path(path)
    text, encoding, _ = decode_bytes(path.read_bytes())
    return parse_markdown(text, path.name, encoding)


def markdown_to_html(path: str | Path, merge: bool = False) -> str:
    """A markdown form file written as HTML (see :func:`document_to_html`)."""
    return document_to_html(_read_markdown(path), merge=merge)


def markdown_to_xlsx(path: str | Path, merge: bool = False, numbers: bool = True) -> bytes:
    """A markdown form file written as an xlsx workbook (see :func:`document_to_xlsx`)."""
    return document_to_xlsx(_read_markdown(path), merge=merge, numbers=numbers)


# --- comparing -----------------------------------------------------------------------------------


def compare_documents(expected: Document, actual: Document, *, headings: bool = True) -> list[str]:
    """Where two readings of a form differ, in words; an empty list when they have the same blocks.

    Blocks must come in the same order and kinds. Tables are compared cell by cell as ragged grids
    (a missing cell equals an empty one, since a spreadsheet cannot keep trailing empty cells); text
    lines by their text and, if ``headings``, their heading level. Numbers, origins and anchors are
    not compared.
    """
    differences: list[str] = []
    kinds_expected = [type(block).__name__ for block in expected.blocks]
    kinds_actual = [type(block).__name__ for block in actual.blocks]
    if kinds_expected != kinds_actual:
        differences.append(f"block kinds differ: expected {kinds_expected}, got {kinds_actual}")
    for index, (want, got) in enumerate(zip(expected.blocks, actual.blocks, strict=False)):
        if isinstance(want, TextLine) and isinstance(got, TextLine):
            if want.text != got.text:
                differences.append(f"block {index}: text {want.text!r} != {got.text!r}")
            elif headings and want.heading != got.heading:
                differences.append(f"block {index}: heading {want.heading} != {got.heading} ({want.text!r})")
        elif isinstance(want, Table) and isinstance(got, Table):
            if len(want.rows) != len(got.rows):
                differences.append(f"block {index} (table {want.table_no}): {len(want.rows)} rows != {len(got.rows)}")
            width = max(want.width, got.width)
            for r in range(min(len(want.rows), len(got.rows))):
                for c in range(width):
                    if want.cell(r, c) != got.cell(r, c):
                        differences.append(
                            f"block {index} (table {want.table_no}) cell ({r}, {c}): "
                            f"{want.cell(r, c)!r} != {got.cell(r, c)!r}"
                        )
    return differences


# --- nothing lost ----------------------------------------------------------------------------------


def numbered_forms(path: str | os.PathLike[str], name: str) -> Iterator[tuple[str, list[Any]]]:
    """Each form of a file with the ``form_id`` the reader gives it (``name#index``), its blocks: the
    file segmented again into forms and numbered as ``read_form`` numbers them (a segment with no form
    takes no number; a form whose reading fails keeps its number, it is in errors)."""
    from budgetlib.extract.load import load_document
    from budgetlib.transform.assemble import NoFormFound, extract_form, segment

    index = 0
    for document in load_document(Path(path), name):
        for blocks in segment(document):
            form_id = f"{name}#{index}"
            try:
                extract_form(blocks, form_id, name, keep_provenance=False)
            except NoFormFound:
                continue
            except Exception:  # the reader reports such a form in errors
                pass
            index += 1
            yield form_id, blocks


def unaccounted_cells(path: str | Path, forms: object, source_file: str | None = None) -> list[str]:
    """The non-empty cells and text lines of ``path`` that its forms neither claimed (``provenance``)
    nor left in ``unparsed``: what reading lost. An empty list means nothing was lost.

    ``forms`` must have been read with provenance (the default); ``source_file`` is the file's name in
    ``forms`` (by default the file name). The file is read again the way the reader reads it, form by
    form, so that each form's cells are checked against that form's rows only. Forms that are not in
    ``forms.projects`` (the file, or that form, is in ``errors``) are skipped: their loss is reported.
    """
    import pandas as pd

    name = source_file or Path(path).name
    tables = forms.tables  # type: ignore[attr-defined]
    read_ids = set(tables["projects"]["form_id"])
    landed: dict[str, set[tuple[int | None, int, int | None]]] = {}
    for table in ("provenance", "unparsed"):
        df = tables[table]
        df = df[df["form_id"].astype(str).str.startswith(f"{name}#")]
        for form_id, table_no, row, col in zip(df["form_id"], df["table_no"], df["row"], df["col"], strict=True):
            key = (None if pd.isna(table_no) else int(table_no), int(row), None if pd.isna(col) else int(col))
            landed.setdefault(form_id, set()).add(key)
    missing: list[str] = []
    for form_id, blocks in numbered_forms(path, name):
        if form_id not in read_ids:
            continue
        found = landed.get(form_id, set())
        for block in blocks:
            if isinstance(block, TextLine):
                if (None, block.line_no, None) not in found:
                    missing.append(f"{form_id} {block.origin}: {block.text!r}")
                continue
            for r, row in enumerate(block.rows):
                for c, text in enumerate(row):
                    if text and (block.table_no, r, c) not in found:
                        missing.append(f"{form_id} {block.origin} row {r + 1} column {c + 1}: {text!r}")
    return missing
