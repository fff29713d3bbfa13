"""Read forms published as HTML pages into the format-independent document model.

One pass over an lxml tree (``etree.iterwalk``, start and end events) builds every block: text outside
tables becomes :class:`TextLine` blocks and every ``<table>`` a :class:`Table`, in document order. This
is much cheaper than the usual "find tables with XPath, then ``text_content()`` each cell" approach,
which walks every cell's subtree again (and walks nested tables once per enclosing table).

Decisions, and why:

* **Cell text** follows :func:`budgetlib.extract.text.clean_cell`, so a cell reads the same whether
  the form was published as markdown or HTML: ``<br>``, ``<p>``, ``<div>``, ``<li>``, ``<tr>`` break
  lines, entities are decoded, spaces collapse, blank lines go. Line breaks in the HTML *source* are
  spaces, as a browser shows them (except inside ``<pre>``). Other block elements (headings, lists,
  ``<blockquote>``, ``<hr>``...) also break lines: a browser puts them on lines of their own, and a
  markdown cell cannot contain them in a way that matters.
* **Merged cells** (``rowspan``/``colspan``) are expanded into empty cells with the text in the
  top-left cell only, and recorded in ``Table.anchors`` -- exactly what a markdown table of the same
  form shows. A ``rowspan`` running past the table's last row is clipped to it (HTML's own rule);
  values beyond HTML's limits (``colspan`` > 1000, ``rowspan`` > 65534) are clamped with a warning.
* **Nested tables** are read as tables of their own, placed after the table that contains them
  (``table_no`` follows the order of the ``<table>`` start tags). The enclosing cell keeps only its
  own text, so a layout table never swallows the form inside it and the outer grid is not corrupted.
* **Entirely empty rows** are dropped (as the markdown reader does) before ``anchors`` are computed,
  so row numbers agree across formats. Tables left without rows are not emitted at all.
* **Untrusted input**: ``<script>``, ``<style>``, ``<noscript>``, ``<template>`` and ``<head>`` are
  removed with their content, comments and processing instructions are dropped by the parser, and
  nothing is ever fetched or executed. libxml2 stops at 256 levels of nesting (it reports a resource
  limit, which becomes a warning), and the expanded grid of one document is capped, so hostile pages
  cost bounded time and memory.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from budgetlib.extract.document import Block, Document, Table, TextLine
from budgetlib.extract.text import clean_text

MAX_COLSPAN = 1000
"""HTML's own limit for ``colspan``; larger values are clamped with a warning."""
MAX_ROWSPAN = 65534
"""HTML's own limit for ``rowspan``; larger values are clamped with a warning."""
MAX_CELLS = 1_000_000
"""Expanded grid cells (covered ones included) read from one document; the rest is cut with a warning."""
MAX_COVERED_CELLS = 200_000
"""Cells covered by merges in one document; further spans are read as single cells, with a warning."""

_REMOVED_ELEMENTS = ("head", "script", "style", "noscript", "template", "title")

# What each tag means to the walk; anything else is inline (its text simply joins the current line).
_TABLE, _ROW, _CELL, _BREAK, _LINE_BREAK, _HEADING, _PRE = 1, 2, 3, 4, 5, 6, 7
_KIND: dict[str, int] = {
    "table": _TABLE,
    "tr": _ROW,
    "td": _CELL,
    "th": _CELL,
    "br": _LINE_BREAK,
    "pre": _PRE,
}
_KIND.update({f"h{level}": _HEADING for level in range(1, 7)})
_KIND.update(
    dict.fromkeys(
        (
            "p",
            "div",
            "li",
            "ul",
            "ol",
            "dl",
            "dt",
            "dd",
            "blockquote",
            "hr",
            "section",
            "article",
            "header",
            "footer",
            "main",
            "nav",
            "aside",
            "address",
            "caption",
            "figure",
            "figcaption",
            "form",
            "fieldset",
            "center",
            "body",
            "html",
        ),
        _BREAK,
    )
)
_SPAN_DIGITS = re.compile(r"\s*\+?(\d+)")

_local = threading.local()


class _TableBuilder:
    """Cells of one ``<table>`` as they are met, laid out into a grid when the table ends."""

    __slots__ = ("cell", "cell_el", "cell_spans", "element", "raw_rows", "row", "row_el", "stray", "table")

    def __init__(self, element: etree._Element) -> None:
        self.element = element
        self.raw_rows: list[list[tuple[str, int, int]]] = []
        self.row: list[tuple[str, int, int]] | None = None
        self.row_el: etree._Element | None = None
        self.cell: list[str] | None = None
        self.cell_el: etree._Element | None = None
        self.cell_spans = (1, 1)
        # text inside the table but outside any cell (a <caption>, stray text); a browser shows it
        # before the table, so it becomes text lines placed before the table
        self.stray: list[str] = []
        self.table: Table | None = None


def _parser() -> etree.HTMLParser:
    """One parser per thread: lxml parsers must not be used by two threads at once."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(
            encoding="utf-8",
            remove_comments=True,
            remove_pis=True,
            no_network=True,
            recover=True,
            default_doctype=False,
        )
        _local.parser = parser
    return parser


def parse_html(text: str, source_file: str, encoding: str | None = None) -> Document:
    """Split an HTML page into text lines and tables, in document order.

    ``encoding`` only records how the bytes were decoded; ``text`` is already text (a ``<meta
    charset>`` in it is ignored, since the decoding was decided by
    :func:`budgetlib.extract.encoding.decode_bytes`).
    """
    warnings: list[str] = []
    if "\x00" in text:
        text = text.replace("\x00", "")
    parser = _parser()
    try:
        root = etree.fromstring(text.encode("utf-8", errors="replace"), parser)
    except etree.XMLSyntaxError:
        root = None
    last_error = parser.error_log.last_error
    if last_error is not None and last_error.type_name == "ERR_RESOURCE_LIMIT":
        warnings.append(
            f"HTML nested too deeply (line {last_error.line}): the parser stopped there and the rest of the "
            "page was not read"
        )
    if root is None:
        return Document(source_file=source_file, blocks=[], encoding=encoding, warnings=warnings)
    etree.strip_elements(root, *_REMOVED_ELEMENTS, with_tail=False)
    blocks = _Walk(warnings).run(root)
    return Document(source_file=source_file, blocks=blocks, encoding=encoding, warnings=warnings)


class _Walk:
    """The single pass over the tree; kept as one loop with local state for speed."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings
        self.cells_left = MAX_CELLS
        self.covered_left = MAX_COVERED_CELLS
        self.span_clamped = 0
        self.span_dropped = 0
        self.truncated_tables: list[str] = []

    def run(self, root: etree._Element) -> list[Block]:
        items: list[TextLine | _TableBuilder] = []
        flow: list[str] = []  # parts of the current text line outside tables
        flow_line = 0  # source line where the current text line started
        headings: list[tuple[etree._Element, int]] = []
        stack: list[_TableBuilder] = []
        current = flow  # where text goes now: flow, a table's stray text, or a cell's parts
        pre_depth = 0
        kinds = _KIND

        def flush_flow() -> None:
            nonlocal flow_line
            if flow:
                line = _clean("".join(flow))
                flow.clear()
                if line:
                    level = headings[-1][1] if headings else 0
                    items.append(TextLine(0, line, heading=level, origin=f"line {flow_line}"))
            flow_line = 0

        for event, element in etree.iterwalk(root, events=("start", "end")):
            tag = element.tag
            kind = kinds.get(tag, 0) if isinstance(tag, str) else -1
            if event == "start":
                if kind == _TABLE:
                    if current is flow:
                        flush_flow()
                    else:  # a nested table is a block of its own inside the enclosing cell
                        current.append("\n")
                    builder = _TableBuilder(element)
                    items.append(builder)
                    stack.append(builder)
                    current = builder.stray
                elif kind == _CELL:
                    builder = stack[-1] if stack else None
                    if builder is not None and builder.cell_el is None:
                        if builder.row is None:
                            builder.row = []
                            builder.row_el = None
                        builder.cell = []
                        builder.cell_el = element
                        builder.cell_spans = (_span(element.get("rowspan")), _span(element.get("colspan")))
                        current = builder.cell
                    elif current is flow:
                        flush_flow()
                    else:
                        current.append("\n")
                elif kind == _ROW:
                    builder = stack[-1] if stack else None
                    if builder is not None and builder.cell_el is None:
                        if builder.row is not None:
                            builder.raw_rows.append(builder.row)
                        builder.row = []
                        builder.row_el = element
                    elif current is flow:
                        flush_flow()
                    else:
                        current.append("\n")
                elif kind == _HEADING and current is flow:
                    flush_flow()
                    headings.append((element, int(tag[1])))
                elif kind > 0:
                    if kind == _PRE:
                        pre_depth += 1
                    if current is flow:
                        flush_flow()
                    else:
                        current.append("\n")
                text = element.text
            else:
                if kind == _TABLE and stack and stack[-1].element is element:
                    builder = stack.pop()
                    if builder.cell is not None:
                        _close_cell(builder)
                    if builder.row is not None:
                        builder.raw_rows.append(builder.row)
                        builder.row = None
                    builder.table = self._layout(builder)
                    if stack:
                        outer = stack[-1]
                        current = outer.cell if outer.cell is not None else outer.stray
                        current.append("\n")
                    else:
                        current = flow
                elif kind == _CELL and stack and stack[-1].cell_el is element:
                    builder = stack[-1]
                    _close_cell(builder)
                    current = builder.stray
                elif kind == _ROW and stack and stack[-1].row_el is element:
                    builder = stack[-1]
                    if builder.cell is not None:
                        _close_cell(builder)
                        current = builder.stray
                    if builder.row is not None:
                        builder.raw_rows.append(builder.row)
                    builder.row = None
                    builder.row_el = None
                elif kind == _HEADING and headings and headings[-1][0] is element:
                    flush_flow()
                    headings.pop()
                elif kind > 0 and kind != _LINE_BREAK:
                    if kind == _PRE:
                        pre_depth -= 1
                    if current is flow:
                        flush_flow()
                    else:
                        current.append("\n")
                text = element.tail
            if text:
                if pre_depth <= 0 and ("\n" in text or "\r" in text):
                    text = text.replace("\r", " ").replace("\n", " ")
                if current is flow and not flow_line and not text.isspace():
                    flow_line = element.sourceline or 0
                current.append(text)
        flush_flow()
        return self._number(items)

    def _number(self, items: list[TextLine | _TableBuilder]) -> list[Block]:
        """Give text lines and tables their running numbers, in document order; report truncations."""
        blocks: list[Block] = []
        line_no = 0
        table_no = 0
        for item in items:
            if isinstance(item, TextLine):
                item.line_no = line_no
                line_no += 1
                blocks.append(item)
                continue
            line = item.element.sourceline
            origin = f"line {line}" if line else f"table {table_no}"
            if item.stray:
                for text in clean_text("".join(item.stray)).split("\n"):
                    if text:
                        blocks.append(TextLine(line_no, text, origin=origin))
                        line_no += 1
            table = item.table
            if table is not None and table.rows:
                table.table_no = table_no
                table.origin = origin
                table_no += 1
                blocks.append(table)
        if self.span_clamped:
            self.warnings.append(
                f"{self.span_clamped} cell span(s) beyond HTML's limits (colspan {MAX_COLSPAN}, rowspan "
                f"{MAX_ROWSPAN}) were clamped"
            )
        if self.span_dropped:
            self.warnings.append(
                f"more than {MAX_COVERED_CELLS:,} merged cells: {self.span_dropped} further span(s) were "
                "read as single cells"
            )
        for where in self.truncated_tables:
            self.warnings.append(
                f"table at {where} cut short: the page expands to more than {MAX_CELLS:,} cells"
            )
        return blocks

    def _layout(self, builder: _TableBuilder) -> Table:
        """Lay the raw cells out on a grid: expand spans, drop empty rows, record anchors."""
        raw_rows = builder.raw_rows
        n_rows = len(raw_rows)
        grid: list[list[str]] = []
        anchors: dict[tuple[int, int], tuple[int, int]] = {}
        pending: dict[int, dict[int, tuple[int, int]]] = {}  # row -> {col: anchor} from rowspans above
        for r, raw in enumerate(raw_rows):
            covered = pending.pop(r, None)
            cells: list[str] = []
            c = 0
            for text, rowspan, colspan in raw:
                if covered:
                    while c in covered:
                        cells.append("")
                        anchors[(r, c)] = covered[c]
                        c += 1
                cells.append(text)
                if rowspan != 1 or colspan != 1:
                    rowspan, colspan = self._clamp(rowspan, colspan, n_rows - r)
                    anchor = (r, c)
                    for col in range(c + 1, c + colspan):
                        cells.append("")
                        anchors[(r, col)] = covered[col] if covered and col in covered else anchor
                    for below in range(r + 1, r + rowspan):
                        target = pending.setdefault(below, {})
                        for col in range(c, c + colspan):
                            target.setdefault(col, anchor)
                c += colspan
            if covered:
                for col in sorted(col for col in covered if col >= c):
                    cells.extend([""] * (col - len(cells)))
                    cells.append("")
                    anchors[(r, col)] = covered[col]
            self.cells_left -= len(cells)
            if self.cells_left < 0:
                self.truncated_tables.append(f"line {builder.element.sourceline}")
                break
            grid.append(cells)
        builder.raw_rows = []
        return _drop_empty_rows(grid, anchors)

    def _clamp(self, rowspan: int, colspan: int, rows_left: int) -> tuple[int, int]:
        """Spans within HTML's limits, the table's remaining rows and the document's merge budget."""
        if rowspan == 0:  # HTML: span to the end of the table section
            rowspan = rows_left
        if colspan == 0:  # HTML: colspan 0 is invalid and means 1
            colspan = 1
        if colspan > MAX_COLSPAN or rowspan > MAX_ROWSPAN:
            self.span_clamped += 1
            colspan = min(colspan, MAX_COLSPAN)
        rowspan = min(rowspan, rows_left)
        covered = rowspan * colspan - 1
        if covered > self.covered_left:
            self.span_dropped += 1
            return 1, 1
        self.covered_left -= covered
        return rowspan, colspan


def _clean(text: str) -> str:
    """:func:`clean_text`, with a fast exit for the usual cell that needs no cleaning.

    ``isprintable`` is false for every character ``clean_text`` would change (controls, line breaks,
    tabs, no-break/ideographic/zero-width spaces), so only plain spaces remain to check.
    """
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return clean_text(text)


def _close_cell(builder: _TableBuilder) -> None:
    parts = builder.cell
    if not parts:
        text = ""
    elif len(parts) == 1:
        text = _clean(parts[0])
    else:
        text = _clean("".join(parts))
    if builder.row is None:
        builder.row = []
    builder.row.append((text, *builder.cell_spans))
    builder.cell = None
    builder.cell_el = None


def _span(value: str | None) -> int:
    """A span attribute as HTML reads it: leading digits; missing or unreadable means 1."""
    if value is None:
        return 1
    try:
        number = int(value)
    except ValueError:
        match = _SPAN_DIGITS.match(value)
        if match is None:
            return 1
        number = int(match.group(1)[:9])
    return number if number >= 0 else 1


def _drop_empty_rows(grid: list[list[str]], anchors: dict[tuple[int, int], tuple[int, int]]) -> Table:
    """Drop rows without any text and renumber the anchors; merges into a dropped row are forgotten."""
    keep = [r for r, row in enumerate(grid) if any(row)]
    if len(keep) == len(grid):
        return Table(0, grid, anchors=anchors)
    new_index = {old: new for new, old in enumerate(keep)}
    renumbered = {
        (new_index[r], c): (new_index[r0], c0)
        for (r, c), (r0, c0) in anchors.items()
        if r in new_index and r0 in new_index
    }
    return Table(0, [grid[r] for r in keep], anchors=renumbered)
