"""Read forms published as HTML pages into the format-independent document model.

One walk over an lxml tree (``etree.iterwalk``, start and end events) builds every block in document
order: text outside tables becomes :class:`TextLine` blocks (headings keep their level), and each
``<table>`` is read on its start event by iterating its rows and cells directly -- a plain cell costs
one ``.text`` -- after which the walk skips its subtree. This is much cheaper than the usual "find
tables with XPath, then ``text_content()`` every cell" approach, which serialises or re-walks each
cell (and walks nested tables once per enclosing table).

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
* **Layout tables**: older government CMS pages lay the page out with tables -- a navigation table, the
  form's title, unit line and tables inside one cell of a page-wide table, a footer table. A table that
  holds tables and has no row of data (no row with two cells of text that hold no table) is layout,
  not a grid: its cells are read in document order as if the table were not there, their text as text
  lines (so "资金单位：元" above the form is the form's unit line) and their tables as tables.
* **Nested tables** in a table that is a grid (a form whose cell holds an indicator sub-table) are read
  as tables of their own, placed after the table that contains them (``table_no`` follows the order of
  the ``<table>`` start tags). The enclosing cell keeps only its own text, so the outer grid is not
  corrupted.
* **Hidden content** (``display:none``, ``visibility:hidden``, the ``hidden`` attribute, in the
  element's own ``style``) is not read, as a browser does not show it -- anti-copy digits inside an
  amount, a superseded row kept hidden -- and a ``W_HIDDEN_TEXT`` warning says where it was and what it
  said. The same goes for elements the page's ``<style>`` sheets hide through a class, an id or a tag
  (``.hid{display:none}``, ``td.old{visibility:hidden}``), as far as
  :mod:`budgetlib.extract.stylesheet` can judge without a browser: simple selectors only, and where
  rules conflict the text is read.
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
from collections import deque
from collections.abc import Callable, Iterator

from lxml import etree

from budgetlib.extract.document import Block, Document, Table, TextLine, UnreadableFileError
from budgetlib.extract.stylesheet import hidden_by_sheets, page_rules
from budgetlib.extract.text import clean_text
from budgetlib.notices import Notice

MAX_COLSPAN = 1000
"""HTML's own limit for ``colspan``; larger values are clamped with a warning."""
MAX_ROWSPAN = 65534
"""HTML's own limit for ``rowspan``; larger values are clamped with a warning."""
MAX_CELLS = 250_000
"""Expanded grid cells (covered ones included) read from one document, text lines counted as cells; the
rest is cut with a warning."""
MAX_COVERED_CELLS = 200_000
"""Cells covered by merges in one document; further spans are read as single cells, with a warning."""
MAX_HTML_CHARS = 64 * 1024 * 1024
"""Larger pages are refused: their tree alone would take gigabytes, and no form is that long."""
MAX_TABLE_NESTING = 50
"""Tables nested deeper than this inside table cells are read as text of their cell."""

_REMOVED_ELEMENTS = ("head", "script", "style", "noscript", "template", "title")

# What each tag means to the walk; anything else is inline (its text simply joins the current line).
_TABLE, _ROW, _CELL, _BREAK, _LINE_BREAK, _HEADING, _PRE = 1, 2, 3, 4, 5, 6, 7
_SKIP = -1  # content never read: scripts, styles, the head, comments
_KIND: dict[object, int] = {"table": _TABLE, "tr": _ROW, "td": _CELL, "th": _CELL, "br": _LINE_BREAK}
_KIND["pre"] = _PRE
_KIND.update({f"h{level}": _HEADING for level in range(1, 7)})
# fmt: off
_BLOCK_ELEMENTS = (
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "hr", "section", "article", "header",
    "footer", "main", "nav", "aside", "address", "caption", "figure", "figcaption", "form", "fieldset",
    "center", "body", "html",
)
# fmt: on
_KIND.update(dict.fromkeys(_BLOCK_ELEMENTS, _BREAK))
_KIND.update(dict.fromkeys(_REMOVED_ELEMENTS, _SKIP))
# Comments and processing instructions are dropped by the parser; should one survive, it is skipped.
_KIND.update({etree.Comment: _SKIP, etree.ProcessingInstruction: _SKIP, etree.Entity: _SKIP})
_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_SPAN_DIGITS = re.compile(r"\s*\+?(\d+)")
_HIDING_WORDS = (b"none", b"hidden", b"collapse", b"NONE", b"HIDDEN", b"COLLAPSE", b"None", b"Hidden", b"Collapse")
"""A page without these words hides nothing (searched in its bytes: a case-blind regex over the text costs
100 µs a page, these searches 1 µs)."""
_DISPLAY_NONE = re.compile(r"(?:^|;)\s*display\s*:\s*none\s*(?:!important\s*)?(?:;|$)", re.IGNORECASE)
_VISIBILITY_HIDDEN = re.compile(r"(?:^|;)\s*visibility\s*:\s*(?:hidden|collapse)\s*(?:!important\s*)?(?:;|$)",
                                re.IGNORECASE)
_CELL_TAGS = frozenset({"td", "th"})
_STYLED = etree.XPath("//*[@style or @hidden]")
MAX_LISTED = 10
"""Hidden elements named in the warning's message; the rest are counted."""
_TABLE_TAG = re.compile(r"<(/?)table\b", re.IGNORECASE)

_local = threading.local()


class _TableBuilder:
    """The raw rows of one ``<table>`` (cells as ``(text, rowspan, colspan)``) and its finished grid."""

    __slots__ = ("element", "raw_rows", "stray", "table")

    def __init__(self, element: etree._Element) -> None:
        self.element = element
        self.raw_rows: list[list[tuple[str, int, int]]] = []
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
    if len(text) > MAX_HTML_CHARS:
        raise UnreadableFileError(
            "E_TOO_LARGE",
            f"HTML page too large ({len(text):,} characters; limit {MAX_HTML_CHARS:,}), not a form page"
        )
    warnings: list[Notice] = []
    if "\x00" in text:
        text = text.replace("\x00", "")
    parser = _parser()
    data = text.encode("utf-8", errors="replace")
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        root = None
    last_error = parser.error_log.last_error
    if last_error is not None and last_error.type_name == "ERR_RESOURCE_LIMIT":
        warnings.append(Notice("W_NESTED_TOO_DEEP",
            f"HTML nested too deeply (line {last_error.line}): the parser stopped there and the rest of the "
            "page was not read"
        ))
    if root is None:
        return Document(source_file=source_file, blocks=[], encoding=encoding, warnings=warnings)
    if any(word in data for word in _HIDING_WORDS):
        _remove_hidden(root, warnings)
    blocks = _Walk(warnings).run(root)
    last_tag = next(iter(deque(_TABLE_TAG.finditer(text), maxlen=1)), None)
    if last_tag is not None and not last_tag.group(1):
        line = text.count("\n", 0, last_tag.start()) + 1
        warnings.append(Notice(
            "W_FILE_TRUNCATED",
            f"the page ends inside a table (no </table> after the one at line {line:,}): it may have been cut short",
        ))
    return Document(source_file=source_file, blocks=blocks, encoding=encoding, warnings=warnings)


def _remove_hidden(root: etree._Element, warnings: list[Notice]) -> None:
    """Take out what a browser does not show (see the module docstring), noting what it said.

    An element with ``display:none`` or the ``hidden`` attribute goes with its content (a hidden cell
    leaves its row, as in a browser); a cell with ``visibility:hidden`` keeps its place, empty. The
    page's ``<style>`` sheets are followed as far as :mod:`budgetlib.extract.stylesheet` can judge them;
    where its rules apply to an element, they and the element's own style decide together.
    """
    rules = page_rules(root) if next(root.iter("style"), None) is not None else []
    verdicts = hidden_by_sheets(root, rules) if rules else {}
    elements = list(dict.fromkeys([*_STYLED(root), *verdicts])) if verdicts else _STYLED(root)
    if verdicts:
        elements.sort(key=_document_order(root))
    hidden: list[str] = []
    for element in elements:
        verdict = verdicts.get(element)
        if verdict is None:
            style = element.get("style") or ""
            gone = element.get("hidden") is not None or _DISPLAY_NONE.search(style) is not None
            if not gone and not _VISIBILITY_HIDDEN.search(style):
                continue
            selector = None
        elif not verdict.hidden:
            continue
        else:
            gone, selector = verdict.gone, verdict.selector
        if element.tag in _REMOVED_ELEMENTS or _top(element) is not root:
            continue  # never read anyway, or inside a hidden element already taken out
        said = " ".join(" ".join(element.itertext()).split())
        if said:
            by = f" (style sheet: {selector})" if selector else ""
            hidden.append(f"line {element.sourceline} <{element.tag}>{by}: '{said[:80]}'")
        if gone or element.tag not in _CELL_TAGS:
            _remove_keeping_tail(element)
        else:  # an invisible cell keeps its place (and spans) in the row, showing nothing
            for child in list(element):
                element.remove(child)
            element.text = None
    if hidden:
        shown = "; ".join(hidden[:MAX_LISTED])
        more = f"; and {len(hidden) - MAX_LISTED} more" if len(hidden) > MAX_LISTED else ""
        how = "display:none, visibility:hidden or collapse, or hidden"
        if rules:
            how += ", by their style or the page's style sheet"
        warnings.append(Notice("W_HIDDEN_TEXT",
                               f"{len(hidden)} hidden element(s) ({how}), which a browser does not show, were not "
                               f"read: {shown}{more}"))


def _document_order(root: etree._Element) -> Callable[[etree._Element], int]:
    """A sort key putting elements in document order (their position in one walk of the tree)."""
    position = {element: index for index, element in enumerate(root.iter())}
    return position.__getitem__


def _top(element: etree._Element) -> etree._Element:
    """The outermost ancestor: the page's root, unless the element was taken out with an ancestor."""
    parent = element.getparent()
    while parent is not None:
        element, parent = parent, parent.getparent()
    return element


def _remove_keeping_tail(element: etree._Element) -> None:
    """Remove an element but not the text after it, which belongs to its parent."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        before = element.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


class _Walk:
    """One walk over the tree: text flows into text lines, each table is read by :meth:`_read_table`.

    The main walk is ``etree.iterwalk``; a ``<table>`` is read on its start event by iterating its
    rows and cells directly (a childless cell costs one ``.text``), and its subtree is then skipped.
    Nested tables recurse, at most :data:`MAX_TABLE_NESTING` deep (libxml2 stops at 256 elements of
    depth anyway); deeper tables are read as text of their cell.
    """

    def __init__(self, warnings: list[Notice]) -> None:
        self.warnings = warnings
        self.cells_left = MAX_CELLS  # grid cells, covered ones included
        self.read_left = MAX_CELLS  # cells and rows read from the tree
        self.covered_left = MAX_COVERED_CELLS
        self.span_clamped = 0
        self.span_dropped = 0
        self.truncated_tables: list[str] = []
        self.lines_dropped = 0  # text lines after the cell budget ran out

    def run(self, root: etree._Element) -> list[Block]:
        items: list[TextLine | _TableBuilder] = []
        self._flow(root, items, 0)
        return self._number(items)

    def _flow(self, top: etree._Element, items: list[TextLine | _TableBuilder], depth: int) -> None:
        """The text and tables inside ``top`` (not its tail), in document order, as text lines and tables:
        the page itself, or a cell of a layout table. Tables met are read at nesting ``depth``."""
        flow: list[str] = []  # parts of the current text line
        flow_line = 0  # source line where the current text line started
        headings: list[tuple[etree._Element, int]] = []
        pre_depth = 0
        kinds = _KIND

        def flush_flow() -> None:
            nonlocal flow_line
            if flow:
                line = clean_text("".join(flow))
                flow.clear()
                if line and self.read_left <= 0:
                    self.lines_dropped += 1
                elif line:
                    self.read_left -= 1
                    level = headings[-1][1] if headings else 0
                    items.append(TextLine(0, line, heading=level, origin=f"line {flow_line}"))
            flow_line = 0

        walker = etree.iterwalk(top, events=("start", "end"))
        for event, element in walker:
            kind = kinds.get(element.tag, 0)
            if event == "start":
                if not kind:
                    pass
                elif kind == _TABLE:
                    flush_flow()
                    items.extend(self._read_table(element, depth))
                    walker.skip_subtree()
                    continue
                elif kind == _HEADING:
                    flush_flow()
                    headings.append((element, int(element.tag[1])))
                elif kind > 0:
                    if kind == _PRE:
                        pre_depth += 1
                    flush_flow()
                else:  # a script, style, comment...: neither it nor anything inside it is read
                    walker.skip_subtree()
                    continue
                text = element.text
            else:
                if element is top:
                    break
                if not kind or kind in (_LINE_BREAK, _TABLE, _SKIP):
                    pass
                elif kind == _HEADING and headings and headings[-1][0] is element:
                    flush_flow()
                    headings.pop()
                elif kind > 0:
                    if kind == _PRE:
                        pre_depth -= 1
                    flush_flow()
                text = element.tail
            if text:
                if pre_depth <= 0 and ("\n" in text or "\r" in text):
                    text = text.replace("\r", " ").replace("\n", " ")
                if not flow_line and not text.isspace():
                    flow_line = element.sourceline or 0
                flow.append(text)
        flush_flow()

    def _read_table(self, table: etree._Element, depth: int) -> list[TextLine | _TableBuilder]:
        """This table and the tables nested in it (in start-tag order), each laid out on its grid; a layout
        table's text lines and tables instead (:func:`_is_layout`)."""
        if depth < MAX_TABLE_NESTING and _is_layout(table):
            return self._read_layout(table, depth)
        builder = _TableBuilder(table)
        found: list[TextLine | _TableBuilder] = [builder]
        rows = builder.raw_rows
        stray = builder.stray
        implicit: list[tuple[str, int, int]] | None = None  # cells directly in <table>, without <tr>
        for child in _row_level(table, stray):
            if self.read_left <= 0:
                self.truncated_tables.append(f"line {table.sourceline}")
                break
            tag = child.tag
            if tag == "tr":
                cells = self._read_row(child, found, stray, depth)
                rows.append(cells)
                self.read_left -= len(cells) + 1
                implicit = None
            elif tag == "td" or tag == "th":
                if implicit is None:
                    implicit = []
                    rows.append(implicit)
                implicit.append(self._read_cell(child, found, depth))
                self.read_left -= 1
            else:  # <caption>, <colgroup>, stray elements
                self._read_other(child, found, stray, depth)
            tail = child.tail
            if tail and not tail.isspace():
                stray.append(tail)
        builder.table = self._layout(builder)
        return found

    def _read_layout(self, table: etree._Element, depth: int) -> list[TextLine | _TableBuilder]:
        """A layout table read as if it were not there: each cell (and anything else in it) in document
        order, its text as text lines and its tables as tables, nested one level deeper."""
        stray = _TableBuilder(table)  # text outside the cells, shown before the table as in a grid
        items: list[TextLine | _TableBuilder] = [stray]
        for child in _row_level(table, stray.stray):
            if child.tag == "tr":
                for cell in child:
                    self._flow(cell, items, depth + 1)
                    if cell.tail and not cell.tail.isspace():
                        stray.stray.append(cell.tail)
            else:
                self._flow(child, items, depth + 1)
            if child.tail and not child.tail.isspace():
                stray.stray.append(child.tail)
        return items

    def _read_row(
        self, row: etree._Element, found: list[TextLine | _TableBuilder], stray: list[str], depth: int
    ) -> list[tuple[str, int, int]]:
        cells: list[tuple[str, int, int]] = []
        for child in row:
            tag = child.tag
            if tag == "td" or tag == "th":
                cells.append(self._read_cell(child, found, depth))
            else:
                self._read_other(child, found, stray, depth)
            tail = child.tail
            if tail and not tail.isspace():
                stray.append(tail)
        return cells

    def _read_cell(
        self, cell: etree._Element, found: list[TextLine | _TableBuilder], depth: int
    ) -> tuple[str, int, int]:
        if len(cell):
            parts: list[str] = []
            self._collect(cell, parts, found, depth)
            text = clean_text("".join(parts))
        else:
            text = cell.text or ""
            if text:
                if "\n" in text or "\r" in text:
                    text = text.replace("\r", " ").replace("\n", " ")
                text = clean_text(text)
        rowspan = cell.get("rowspan")
        colspan = cell.get("colspan")
        if rowspan is None and colspan is None:
            return (text, 1, 1)
        return (text, _span(rowspan), _span(colspan))

    def _read_other(
        self, element: etree._Element, found: list[TextLine | _TableBuilder], stray: list[str], depth: int
    ) -> None:
        """Something in a table that is not a cell: a nested table, or text shown before the table."""
        kind = _KIND.get(element.tag, 0)
        if kind == _TABLE and depth < MAX_TABLE_NESTING:
            found.extend(self._read_table(element, depth + 1))
            return
        if kind == _SKIP:
            return
        stray.append("\n")
        self._collect(element, stray, found, depth)
        stray.append("\n")

    def _collect(
        self, top: etree._Element, parts: list[str], found: list[TextLine | _TableBuilder], depth: int
    ) -> None:
        """The text inside ``top`` (not its tail) as parts with line breaks; nested tables are read."""
        kinds = _KIND
        pre_depth = 0
        walker = etree.iterwalk(top, events=("start", "end"))
        for event, element in walker:
            kind = kinds.get(element.tag, 0)
            if event == "start":
                if element is top or not kind:
                    pass
                elif kind == _TABLE and depth < MAX_TABLE_NESTING:
                    parts.append("\n")
                    found.extend(self._read_table(element, depth + 1))
                    walker.skip_subtree()
                    continue
                elif kind > 0:
                    if kind == _PRE:
                        pre_depth += 1
                    parts.append("\n")
                else:
                    walker.skip_subtree()
                    continue
                text = element.text
            else:
                if element is top:
                    break
                if kind > 0 and kind != _LINE_BREAK:
                    if kind == _PRE:
                        pre_depth -= 1
                    parts.append("\n")
                text = element.tail
            if text:
                if pre_depth <= 0 and ("\n" in text or "\r" in text):
                    text = text.replace("\r", " ").replace("\n", " ")
                parts.append(text)

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
            self.warnings.append(Notice("W_SPAN_CLAMPED",
                f"{self.span_clamped} cell span(s) beyond HTML's limits (colspan {MAX_COLSPAN}, rowspan "
                f"{MAX_ROWSPAN}) were clamped"
            ))
        if self.span_dropped:
            self.warnings.append(Notice("W_SPAN_CLAMPED",
                f"more than {MAX_COVERED_CELLS:,} merged cells: {self.span_dropped} further span(s) were "
                "read as single cells"
            ))
        if self.lines_dropped:
            self.warnings.append(Notice("W_CAP_REACHED",
                f"{self.lines_dropped:,} text line(s) were not read: the page has more than {MAX_CELLS:,} cells "
                "and lines"
            ))
        for where in dict.fromkeys(self.truncated_tables):
            self.warnings.append(Notice("W_CAP_REACHED",
                                        f"table at {where} cut short: the page has more than {MAX_CELLS:,} cells"))
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
                where = f"line {builder.element.sourceline}"
                if where not in self.truncated_tables:
                    self.truncated_tables.append(where)
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


def _is_layout(table: etree._Element) -> bool:
    """True for a table that lays out a page rather than holding data: it holds tables, and none of its
    rows has two cells of text that hold no table (a label beside its value, a heading row).

    A form whose cell holds an indicator sub-table keeps its grid (its other rows are data), while a
    page-wide table with the form in one cell, a navigation table in another, is layout. The first row
    of data decides; a table without tables costs one walk of its elements in C.
    """
    if next(table.iterdescendants("table"), None) is None:
        return False
    holds_table = False
    for cells in _rows_of_cells(table):
        kinds = [_cell_content(cell) for cell in cells]
        if kinds.count(1) > 1:
            return False
        holds_table = holds_table or 2 in kinds
    return holds_table


def _rows_of_cells(table: etree._Element) -> Iterator[list[etree._Element]]:
    """The children of each of the table's rows, then the cells written directly in it, without a <tr>
    (one row, as the walk reads them)."""
    loose = []
    for child in _row_level(table, []):
        if child.tag == "tr":
            yield list(child)
        elif child.tag in _CELL_TAGS:
            loose.append(child)
    yield loose


def _cell_content(cell: etree._Element) -> int:
    """0 for an empty cell (or no cell), 1 for a cell of text, 2 for a cell that holds a table."""
    if cell.tag not in _CELL_TAGS:
        return 0
    if not len(cell):
        text = cell.text
        return 1 if text and not text.isspace() else 0
    if next(cell.iter("table"), None) is not None:
        return 2
    return 1 if any(not text.isspace() for text in cell.itertext()) else 0


def _row_level(table: etree._Element, stray: list[str]) -> Iterator[etree._Element]:
    """The children of a table, with those of ``<thead>``/``<tbody>``/``<tfoot>`` in their place."""
    if table.text and not table.text.isspace():
        stray.append(table.text)
    for child in table:
        if child.tag in _SECTIONS:
            if child.text and not child.text.isspace():
                stray.append(child.text)
            yield from child
            if child.tail and not child.tail.isspace():
                stray.append(child.tail)
        else:
            yield child


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
