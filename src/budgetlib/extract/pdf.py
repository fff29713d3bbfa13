"""Read forms published as PDF (信息公开 disclosures) that have a text layer.

pdfplumber (on pdfminer.six) gives every character with its box and every ruling line. Tables are
found from their ruling lines (pdfplumber's "lines" strategy); a table's grid columns and rows are the
distinct edges of its cells, so a merged cell spans several grid cells and is expanded like an HTML
span (value in the top-left cell, ``Table.anchors`` for the rest). A character belongs to the cell
that holds its centre. Within a cell, characters make lines by their baselines; consecutive lines are
joined back where the text was only wrapped at the cell's edge -- with no space between Chinese
characters ("项目代\\n码" is 项目代码) and with one space between two ASCII words -- and kept as a line
break where the line ended short of the edge (a new paragraph). Text outside tables becomes text lines
in reading order (top to bottom). A table that goes on over the next page is joined to its first part
when the first part ends its page, the second starts the next one, and their column edges agree; a
heading row the continuation repeats is dropped.

A PDF without a text layer (a scan) is an error that says so: reading it would need OCR. Encrypted
PDFs are read when they open without a password (a permissions password only), with a warning; one
that needs a password is an error. Bombs are bounded before pdfminer lays anything out: every stream's
decoded size is measured with a capped decompression (:data:`MAX_STREAM_BYTES`, :data:`MAX_DECODED_BYTES`),
at most :data:`MAX_PAGES` pages are read, and a page with more drawing instructions than
:data:`MAX_PAGE_CONTENT_BYTES` or characters than :data:`MAX_PAGE_CHARS` is skipped with a warning; the
time limit of :mod:`budgetlib.limits` covers the rest (pdfminer is pure Python, so the alarm
interrupts it).
"""

from __future__ import annotations

import copy
import io
import logging
import re
import warnings
import zlib
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import islice, pairwise
from typing import Any

from budgetlib.extract.archive import size_text
from budgetlib.extract.document import Block, Document, Table, TextLine, UnreadableFileError
from budgetlib.extract.text import clean_text
from budgetlib.notices import Notice

MAX_PAGES = 100
"""Pages read from one PDF (a form has one to six); later pages are not read, with a warning."""
MAX_STREAM_BYTES = 32 * 1024 * 1024
"""Decoded size of one stream (a page's content, an embedded font)."""
MAX_DECODED_BYTES = 256 * 1024 * 1024
"""Decoded size of all streams together."""
MAX_LZW_RAW_BYTES = 64 * 1024
"""LZW streams are not measured (pdfminer decodes them whole); larger ones make the file an error."""
MAX_PAGE_CONTENT_BYTES = 8 * 1024 * 1024
"""Decoded drawing instructions of one page; a page with more is skipped with a warning."""
MAX_PAGE_CHARS = 50_000
"""Characters of one page (a dense A4 page has about 5,000); a page with more is skipped."""
MAX_SPLIT_ROWS = 60
"""Rows of a ruled area beyond which touching tables are not told apart (a form's tables have dozens;
the search is cubic in rows, a quarter of a second at this size for an area cut into one-row tables)."""
MAX_PAGE_POINTS = 14_400
"""The largest page side PDF allows (200 inches); a larger page is read with a warning."""

_EDGE_TOLERANCE = 1.5  # points: cell edges closer than this are one grid line
_MIN_RULE = 3.0  # points: shorter edges are the ends of a thin rectangle drawn as a border, not rules
_ASCII_WORD = re.compile(r"[0-9A-Za-z]")
_NO_LINE_START = frozenset("。，、；：？！）」』】〕〉》”’…・·%％‰,.;:?!)]}")
"""Closing punctuation, which line breakers (CJK kinsoku rules) never put at the start of a line."""
_NO_LINE_END = frozenset("（(「『【〔〈《“‘[{")
"""Opening brackets, which line breakers never leave at the end of a line."""
_INFIX = frozenset(",.:;")
"""Separators that line breakers keep together with the digits that follow them ("中:30")."""
_FLATE = ("FlateDecode", "Fl")
_LZW = ("LZWDecode", "LZW")
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}

logging.getLogger("pdfminer").setLevel(logging.ERROR)
log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Line:
    """Characters on one baseline: text, left and right ends, top, and the font size."""

    chars: list[dict[str, Any]]
    top: float
    size: float
    x0: float = 0.0
    x1: float = 0.0
    text: str = ""
    bottom: float = 0.0

    @property
    def ends_with_space(self) -> bool:
        return self.text.endswith(" ")


@dataclass(slots=True)
class _PageTable:
    """A table found on a page: its grid, anchors, column edges and vertical extent."""

    rows: list[list[str]]
    anchors: dict[tuple[int, int], tuple[int, int]]
    columns: list[float]
    top: float
    bottom: float
    page: int
    full: set[tuple[int, int]] = field(default_factory=set)  # cells whose last line reaches the edge


@dataclass(slots=True)
class _Page:
    number: int
    height: float
    items: list[tuple[float, TextLine | _PageTable]] = field(default_factory=list)


def read_pdf(data: bytes, source_file: str) -> list[Document]:
    """The PDF as one :class:`Document` (all pages, tables joined over page breaks)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    notes: list[Notice] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pdf = pdfplumber.open(io.BytesIO(data), pages=list(range(1, MAX_PAGES + 2)))
    except Exception as error:
        cause = error.__cause__ or error.__context__ or error
        chain = (error, cause, *(error.args if error.args and isinstance(error.args[0], Exception) else ()))
        if any(isinstance(item, (PDFPasswordIncorrect, PDFEncryptionError)) for item in chain) or (
            "password" in repr(error).lower()
        ):
            raise UnreadableFileError(
                "E_ENCRYPTED",
                "the PDF is encrypted and needs a password to open; ask for a copy without the password"
            ) from error
        raise UnreadableFileError("E_BROKEN_FILE", f"not a readable PDF ({_describe(error)})") from error
    try:
        if pdf.doc.encryption is not None:
            notes.append(Notice(
                "W_PDF_ENCRYPTED",
                "the PDF is encrypted (it opens without a password; its permissions were not enforced)",
            ))
        _check_streams(pdf.doc)
        pages, page_notes = _read_pages(pdf)
        notes.extend(page_notes)
    except UnreadableFileError:
        raise
    except Exception as error:
        if "password" in repr(error).lower():
            raise UnreadableFileError(
                "E_ENCRYPTED",
                "the PDF is encrypted and needs a password to open; ask for a copy without the password"
            ) from error
        raise UnreadableFileError("E_BROKEN_FILE", f"not a readable PDF ({_describe(error)})") from error
    finally:
        _close(pdf)
    blocks = _join_pages(pages)
    if not blocks and any(note.code == "W_PDF_TEXT_UNMAPPED" for note in notes):
        raise UnreadableFileError(
            "E_PDF_TEXT_UNMAPPED",
            "the PDF's text is in fonts without a Unicode mapping (it gives glyph numbers, not characters), so "
            "it cannot be read without OCR; ask for the original .xlsx/.docx or a PDF saved from it"
        )
    if not blocks and notes:
        raise UnreadableFileError("E_NO_TEXT_LAYER",
                                  f"no text was read from the PDF: {'; '.join(note.message for note in notes[:3])}")
    if not blocks:
        raise UnreadableFileError(
            "E_NO_TEXT_LAYER",
            "a PDF without a text layer (a scan or images of pages): reading it would need OCR; "
            "ask for the original .xlsx/.docx or a PDF saved from it"
        )
    return [Document(source_file, blocks, encoding=None, warnings=notes)]


def _close(pdf: Any) -> None:
    """Close the PDF. pdfplumber closes it page by page, walking the page tree again, and a broken tree
    that already made the file an error (a page's /MediaBox pointing at a stream) raises once more
    there: that second exception must not replace the first, nor escape as one of its own."""
    try:
        pdf.close()
    except Exception:
        log.debug("closing a broken PDF failed", exc_info=True)


def _describe(error: BaseException) -> str:
    text = str(error).strip()[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- bombs -----------------------------------------------------------------------------------------


def _check_streams(document: Any) -> None:
    """Measure every stream's decoded size without keeping it; refuse what would expand too far."""
    from pdfminer.pdftypes import PDFStream
    from pdfminer.psparser import LIT

    total = 0
    seen: set[int] = set()
    for xref in document.xrefs:
        for objid in xref.get_objids():
            if objid in seen:
                continue
            seen.add(objid)
            try:
                obj = document.getobj(objid)
            except Exception:
                continue  # a broken object: pdfminer skips it when laying out too
            if not isinstance(obj, PDFStream) or obj.rawdata is None:
                continue
            filters = [getattr(f, "name", f) for f in _as_list(obj.get_any(("F", "Filter")))]
            data = obj.rawdata
            if obj.decipher and obj.objid is not None:
                data = obj.decipher(obj.objid, obj.genno, data, obj.attrs)  # type: ignore[arg-type]  # as pdfminer calls it
            size = len(data)
            for name in filters:
                if name in _FLATE:
                    size = _inflated_size(data, MAX_STREAM_BYTES + 1)
                    data = b""  # later filters (rare) are not measured: the flate stage is the bomb
                elif name in _LZW and len(obj.rawdata) > MAX_LZW_RAW_BYTES:
                    raise UnreadableFileError(
                        "E_BOMB",
                        f"the PDF has an LZW stream of {size_text(len(obj.rawdata))}; not a form PDF"
                    )
            if size > MAX_STREAM_BYTES:
                raise UnreadableFileError(
                    "E_BOMB",
                    f"looks like a PDF bomb: a stream expands to more than {size_text(MAX_STREAM_BYTES)}"
                )
            total += size
            if total > MAX_DECODED_BYTES:
                raise UnreadableFileError(
                    "E_BOMB",
                    f"looks like a PDF bomb: its streams expand to more than {size_text(MAX_DECODED_BYTES)}"
                )
    del LIT


def _as_list(value: Any) -> list[Any]:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    if value is None:
        return []
    return [resolve1(item) for item in value] if isinstance(value, list) else [value]


def _inflated_size(data: bytes, limit: int) -> int:
    """Bytes ``data`` inflates to, counting at most ``limit`` (zlib streams, damaged ones too)."""
    inflater = zlib.decompressobj()
    size = 0
    chunk = data
    try:
        while chunk and size < limit:
            size += len(inflater.decompress(chunk, 1 << 20))
            chunk = inflater.unconsumed_tail
    except zlib.error:
        pass
    return size


# --- pages -----------------------------------------------------------------------------------------


def _read_pages(pdf: Any) -> tuple[list[_Page], list[Notice]]:
    notes: list[Notice] = []
    pages: list[_Page] = []
    without_text: list[int] = []
    turned: list[int] = []
    unreadable: list[int] = []
    glyphs: dict[int, int] = {}
    for page in islice(pdf.pages, MAX_PAGES + 1):
        if page.page_number > MAX_PAGES:
            notes.append(Notice("W_CAP_REACHED",
                                f"the PDF has more than {MAX_PAGES} pages; only the first {MAX_PAGES} were read"))
            break
        if max(page.width, page.height) > MAX_PAGE_POINTS:
            notes.append(Notice("W_PDF_PAGE_SKIPPED",
                f"page {page.page_number} is {page.width / 72 * 2.54:,.0f} × {page.height / 72 * 2.54:,.0f} cm, "
                "larger than PDF allows"
            ))
        content = sum(len(stream.get_data()) for stream in _contents(page))
        if content > MAX_PAGE_CONTENT_BYTES:
            notes.append(Notice("W_PDF_PAGE_SKIPPED",
                f"page {page.page_number} has {size_text(content)} of drawing instructions "
                f"(limit {size_text(MAX_PAGE_CONTENT_BYTES)}); it was not read"
            ))
            continue
        chars = list(page.chars)
        if len(chars) > MAX_PAGE_CHARS:
            notes.append(Notice("W_PDF_PAGE_SKIPPED",
                                f"page {page.page_number} has {len(chars):,} characters (limit {MAX_PAGE_CHARS:,}); "
                         "it was not read"))
            continue
        if not any(char["text"].strip() for char in chars):
            without_text.append(page.page_number)
            pages.append(_Page(page.page_number, page.height))
            continue
        chars, unmapped = _unmapped_as_replacement(chars)
        if unmapped:
            if unmapped >= _UNMAPPED_SHARE * sum(1 for char in chars if char["text"].strip()):
                unreadable.append(page.page_number)
                pages.append(_Page(page.page_number, page.height))
                continue
            glyphs[page.page_number] = unmapped
        turn = _sideways_turn(chars)
        if turn:
            page.flush_cache()
            page = _turned(pdf, page, turn)
            chars = list(page.chars)
            turned.append(page.page_number)
        pages.append(_read_page(page, chars))
        page.flush_cache()
    if unreadable:
        shown = ", ".join(map(str, unreadable[:10]))
        notes.append(Notice("W_PDF_TEXT_UNMAPPED",
                            f"the text of page(s) {shown} is in fonts without a Unicode mapping (the PDF gives glyph "
                            "numbers such as (cid:12), not characters); those pages were not read"))
    if glyphs:
        shown = ", ".join(f"{count} on page {number}" for number, count in list(glyphs.items())[:10])
        notes.append(Notice("W_PDF_TEXT_UNMAPPED",
                            f"characters in fonts without a Unicode mapping read as \ufffd ({shown}): digits or "
                            "a symbol such as ≥ may be among them; compare those cells with the file"))
    if turned:
        shown = ", ".join(map(str, turned[:10]))
        notes.append(Notice("W_PDF_PAGE_TURNED",
                            f"the text of page(s) {shown} runs sideways or upside down (a landscape table set on "
                            "a portrait page); the page was read turned so that its text stands upright"))
    if without_text and len(without_text) < len(pages):
        shown = ", ".join(map(str, without_text[:10]))
        notes.append(Notice("W_PDF_PAGE_SKIPPED",
                            f"page(s) {shown} have no text layer (scanned images?); they were not read"))
    return pages, notes


_TURNS = {(0, -1, 1, 0): 270, (0, 1, -1, 0): 90, (-1, 0, 0, -1): 180}
"""A character's direction (the signs of its text matrix's a, b, c, d) -> the quarter turns, in degrees
clockwise, that stand it upright: text running top to bottom, bottom to top, and upside down."""
_SIDEWAYS_SHARE = 0.6
"""The share of a page's characters that must run in one turned direction for the page to be read turned:
a portrait page holding a landscape table also has its upright page number or heading."""


_UNMAPPED_SHARE = 0.5
"""The share of a page's characters without a Unicode mapping above which the page is not read at all."""
_REPLACEMENT = "\ufffd"


def _unmapped_as_replacement(chars: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The characters with each one that has no Unicode mapping (pdfminer's ``(cid:N)``) made U+FFFD,
    and how many there were.

    A font subset embedded without a ``ToUnicode`` map (some PDF printers and 电子公文 systems write
    them) gives glyph numbers, not characters. Left as ``(cid:179)``, the digits would be read as part
    of a value ("(cid:179)90%", an unmapped ≥, would be a target of 17,990); the replacement character
    carries no digits, and the warning says how many there were.
    """
    count = 0
    result = chars
    for index, char in enumerate(chars):
        if char["text"].startswith("(cid:"):
            if not count:
                result = list(chars)
            count += 1
            result[index] = {**char, "text": _REPLACEMENT}
    return result, count


def _sideways_turn(chars: list[dict[str, Any]]) -> int:
    """The turn (90, 180 or 270 degrees clockwise) that stands most of a page's text upright, else 0.

    pdfplumber finds table rows from horizontal lines and text lines from baselines, so a landscape
    table typeset sideways on a portrait page (as many 决算公开 reports set their 绩效自评表) reads as
    columns of single characters and no form is found. pdfminer already turns a page by its
    ``/Rotate``; this is for pages whose content itself is drawn turned.
    """
    counts: dict[int, int] = {}
    written = 0
    for char in chars:
        if not char["text"].strip():
            continue
        written += 1
        a, b, c, d = char["matrix"][:4]
        turn = _TURNS.get((_sign(a), _sign(b), _sign(c), _sign(d)))
        if turn:
            counts[turn] = counts.get(turn, 0) + 1
    if not counts:
        return 0
    turn, count = max(counts.items(), key=lambda item: item[1])
    return turn if count >= _SIDEWAYS_SHARE * written else 0


def _sign(value: float) -> int:
    return (value > 1e-6) - (value < -1e-6)


def _turned(pdf: Any, page: Any, turn: int) -> Any:
    """The page laid out again with ``turn`` degrees more ``/Rotate`` (pdfminer turns the drawing,
    ruling lines included, and pdfplumber the page's boxes; the file is not changed)."""
    from pdfplumber.page import Page

    page_obj = copy.copy(page.page_obj)
    rotation = (int(page.rotation) + turn) % 360
    page_obj.attrs = {**page_obj.attrs, "Rotate": rotation}
    page_obj.rotate = rotation
    return Page(pdf, page_obj, page_number=page.page_number, initial_doctop=page.initial_doctop)


def _contents(page: Any) -> list[Any]:
    from pdfminer.pdftypes import PDFStream

    return [stream for stream in page.page_obj.contents if isinstance(stream, PDFStream)]


def _read_page(page: Any, chars: list[dict[str, Any]]) -> _Page:
    result = _Page(page.page_number, page.height)
    spaced = any(char["text"] == " " for char in chars)  # the producer writes spaces as characters
    closing = _closing_lines(page.edges)
    tables = page.find_tables({**_TABLE_SETTINGS, "explicit_horizontal_lines": closing} if closing else _TABLE_SETTINGS)
    boxes = [table.bbox for table in tables]
    inside: list[list[dict[str, Any]]] = [[] for _ in tables]
    outside: list[dict[str, Any]] = []
    for char in chars:
        cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        for index, (x0, top, x1, bottom) in enumerate(boxes):
            if x0 <= cx <= x1 and top <= cy <= bottom:
                inside[index].append(char)
                break
        else:
            outside.append(char)
    for table, table_chars in zip(tables, inside, strict=True):
        for cells in _touching_tables(list(table.cells)):
            built = _table(cells, table_chars, page.page_number, spaced)
            if built is not None:
                result.items.append((built.top, built))
    margin = min((char["x0"] for char in chars), default=0.0)
    right = page.width - margin  # the text area, taking the margins as equal
    tops = sorted(top for top, _ in result.items)  # the tables' tops: nothing else is on the page yet
    previous: _Line | None = None
    for line in _lines(outside):
        text = clean_text(line.text)
        if not text:
            continue
        between = previous is not None and any(previous.top < top < line.top for top in tops)
        close = previous is not None and line.top - previous.top < 1.75 * line.size  # no paragraph spacing
        if (previous is not None and close and not between and abs(previous.size - line.size) < 0.5
                and _wrapped(previous, line, right)):
            _, block = result.items[-1]
            assert isinstance(block, TextLine)
            block.text += _separator(previous, line, block.text, text, spaced) + text
        else:
            result.items.append((line.top, TextLine(0, text, origin=f"page {page.page_number}")))
        previous = line
    result.items.sort(key=lambda item: item[0])
    return result


def _closing_lines(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Horizontal lines that close a ruled table's open ends: where its column lines stop at the same
    height with no row line there.

    A browser printing a page (Chromium's print to PDF) cuts a table row at the page break and draws no
    border along the cut: the row's piece at the bottom of one page, and its rest at the top of the next,
    are ruled on three sides only, so pdfplumber finds no cell there and their text was read as lines
    outside the table. Closed, each piece is a row, and the page join puts the two back together (the
    cut-row rule of :func:`_split_row`). A table whose last row was drawn without a bottom border is
    closed the same way.
    """
    verticals = [edge for edge in edges if edge["orientation"] == "v" and edge["height"] > _MIN_RULE]
    if len(verticals) < 2:
        return []
    rows = [edge for edge in edges if edge["orientation"] == "h" and edge["width"] > _MIN_RULE]
    lines: list[dict[str, Any]] = []
    for end in ("bottom", "top"):
        extreme = max(edge[end] for edge in verticals) if end == "bottom" else min(edge[end] for edge in verticals)
        ending = [edge for edge in verticals if abs(edge[end] - extreme) <= _EDGE_TOLERANCE]
        if len(ending) < 2:
            continue
        x0 = min(edge["x0"] for edge in ending)
        x1 = max(edge["x1"] for edge in ending)
        covered = sum(
            max(0.0, min(row["x1"], x1) - max(row["x0"], x0))
            for row in rows if abs(row["top"] - extreme) <= _EDGE_TOLERANCE
        )
        if covered < 0.5 * (x1 - x0):
            lines.append({"object_type": "line", "x0": x0, "x1": x1, "top": extreme, "bottom": extreme,
                          "width": x1 - x0, "height": 0.0})
    return lines


def _clusters(values: list[float]) -> list[float]:
    """Distinct coordinates: values closer than the tolerance are one (their first)."""
    edges: list[float] = []
    for value in sorted(values):
        if not edges or value - edges[-1] > _EDGE_TOLERANCE:
            edges.append(value)
    return edges


def _logical_columns(cells: list[Box], rows: list[float]) -> list[float] | None:
    """The column edges of the row with the most cells, if every cell of the table snaps onto them
    without two cells of a row sharing a column; else None.

    Word and LibreOffice draw each row's cells at their own widths, so the edges of all rows together
    make a grid of slivers that the form's author never made. The row with the most cells shows the
    real columns; a merged cell of another row spans the columns its edges are nearest to.
    """
    by_row: dict[int, list[tuple[float, float]]] = {}
    for x0, top, x1, _ in cells:
        by_row.setdefault(_index(rows, top), []).append((x0, x1))
    widest = max(by_row.values(), key=len)
    edges = _clusters([x0 for x0, _ in widest] + [max(x1 for _, x1 in widest)])
    if len(edges) < 2:
        return None
    for spans in by_row.values():
        taken: set[int] = set()
        for x0, x1 in spans:
            c0, c1 = _index(edges, x0), _index(edges, x1)
            if c1 <= c0 or taken.intersection(range(c0, c1)):
                return None
            taken.update(range(c0, c1))
    return edges


def _index(edges: list[float], value: float) -> int:
    """The index of the edge nearest to ``value`` (the lower one of two as near) in sorted ``edges``."""
    at = bisect_left(edges, value)
    if at == 0:
        return 0
    if at == len(edges) or value - edges[at - 1] <= edges[at] - value:
        return at - 1
    return at


Box = tuple[float, float, float, float]


def _touching_tables(cells: list[Box]) -> list[list[Box]]:
    """The cells of one ruled area, split into the tables drawn one right under the other.

    Two tables without a gap between them are one area of ruling lines. A table has columns (see
    :func:`_logical_columns`) on which its cells' edges lie. An area that has them is still two tables
    where column lines begin at a row line and run on to the bottom of the area (:func:`_border_row`):
    a table with more columns drawn right under one with fewer. An area that has no columns, or whose
    cells lie off them (:func:`_off_grid`: a row of another table snapped onto the nearest edges), is
    cut where no cell crosses into bands: the fewest cell edges off their band's columns, then the
    fewest bands, then the fewest column edges shared by neighbouring bands, then longer first bands.
    Dynamic programming over the row lines keeps this quadratic; areas of more than
    :data:`MAX_SPLIT_ROWS` rows are not cut.
    """
    if not cells:
        return []
    rows = _clusters([c[1] for c in cells] + [c[3] for c in cells])
    if len(rows) < 3 or len(rows) > MAX_SPLIT_ROWS:
        return [cells]
    n = len(rows) - 1
    cuttable = [i == 0 or i == n or not any(c[1] < rows[i] - _EDGE_TOLERANCE and c[3] > rows[i] + _EDGE_TOLERANCE
                                            for c in cells) for i in range(n + 1)]

    def band(i: int, j: int) -> list[Box]:
        return [c for c in cells if c[1] >= rows[i] - _EDGE_TOLERANCE and c[3] <= rows[j] + _EDGE_TOLERANCE]

    columns = _logical_columns(cells, rows)
    if columns is not None and not _off_grid(cells, columns):
        border = _border_row(cells, rows, columns, cuttable)
        return [cells] if border is None else [band(0, border), *_touching_tables(band(border, n))]
    return _bands(cells, rows, cuttable)


def _bands(cells: list[Box], rows: list[float], cuttable: list[bool]) -> list[list[Box]]:
    """The cut of an area into bands that have columns (see :func:`_touching_tables` for the order of
    preference), by dynamic programming over the row lines.

    A band between two lines no cell crosses holds the cells whose top row is in it; its columns are
    those of its row with the most cells (the top-most of them), so whether a row fits a band and how
    many of its edges lie off depends only on the row and that widest row, and is computed once for
    each such pair: a 60-row area takes milliseconds.
    """
    n = len(rows) - 1
    by_top: list[list[Box]] = [[] for _ in range(n)]
    for cell in cells:
        by_top[min(_index(rows, cell[1]), n - 1)].append(cell)
    edges = [_clusters([c[0] for c in row] + [max(c[2] for c in row)]) if row else [] for row in by_top]
    fits: dict[tuple[int, int], int | None] = {}

    def off(r: int, widest: int) -> int | None:
        """Edges of row ``r`` off the columns of row ``widest``; None when the row does not fit them."""
        key = (r, widest)
        if key not in fits:
            columns = edges[widest]
            fits[key] = (_off_grid(by_top[r], columns) if len(columns) >= 2 and _fits(by_top[r], columns)
                         else None)
        return fits[key]

    # best[i]: (edges off the grid, bands, shared edges, the bands' first rows, the first band's columns)
    best: dict[int, tuple[int, int, int, list[int], list[float]] | None] = {n: (0, 0, 0, [], [])}
    for i in range(n - 1, -1, -1):
        best[i] = None
        if not cuttable[i]:
            continue
        for j in range(n, i, -1):  # longer bands first
            rest = best.get(j)
            if not cuttable[j] or rest is None:
                continue
            filled = [r for r in range(i, j) if by_top[r]]
            if not filled:
                continue
            widest = max(filled, key=lambda r: (len(by_top[r]), -r))
            counts = [off(r, widest) for r in filled]
            if any(count is None for count in counts):
                continue
            own = edges[widest]
            shared = sum(_near(edge, rest[4][1:-1]) for edge in own[1:-1]) if rest[3] else 0
            score = (rest[0] + sum(c for c in counts if c is not None), rest[1] + 1, rest[2] + shared)
            current = best[i]
            if current is None or score < current[:3]:
                best[i] = (*score, [i, *rest[3]], own)
    if best[0] is None:
        return [cells]
    starts = [*best[0][3], n]
    return [[cell for r in range(a, b) for cell in by_top[r]] for a, b in pairwise(starts)]


def _fits(row: list[Box], columns: list[float]) -> bool:
    """True when a row's cells snap onto ``columns`` each over one column or more, no two on the same."""
    taken: set[int] = set()
    for x0, _, x1, _ in row:
        c0, c1 = _index(columns, x0), _index(columns, x1)
        if c1 <= c0 or taken.intersection(range(c0, c1)):
            return False
        taken.update(range(c0, c1))
    return True


def _off_grid(cells: list[Box], columns: list[float]) -> int:
    """How many cell edges lie off the columns: farther from the nearest column edge than a quarter of
    the column they fall in (and than 3 points).

    The cells of one table lie on its columns (rows drawn at their own widths stray by a point or
    two); a row of another table has edges of its own, which the nearest-edge snap of
    :func:`_logical_columns` would silently move by tens of points.
    """
    off = 0
    for x0, _, x1, _ in cells:
        for x in (x0, x1):
            nearest = _index(columns, x)
            distance = abs(columns[nearest] - x)
            if distance <= 3.0:
                continue
            inside = nearest - 1 if x < columns[nearest] else nearest
            inside = min(max(inside, 0), len(columns) - 2)
            if distance > 0.25 * (columns[inside + 1] - columns[inside]):
                off += 1
    return off


def _border_row(cells: list[Box], rows: list[float], columns: list[float], cuttable: list[bool]) -> int | None:
    """The row line where a second table begins inside a ruled area that has columns, or None.

    That is a line no cell crosses, with at least two rows above and below it, where some column line
    of the area begins and from which it runs in every row to the area's bottom: the rows above never
    use that column line, every row below does. Within one table a column line that only some rows
    use is used here and there, or stops before the bottom (a 总分 row, a merged remark).
    """
    n = len(rows) - 1
    found: list[int] = []
    for edge in columns[1:-1]:
        used: set[int] = set()
        for x0, top, x1, bottom in cells:
            if abs(x0 - edge) <= 2 * _EDGE_TOLERANCE or abs(x1 - edge) <= 2 * _EDGE_TOLERANCE:
                used.update(range(_index(rows, top), _index(rows, bottom)))
        if not used:
            continue
        first = min(used)
        if 2 <= first <= n - 2 and cuttable[first] and used == set(range(first, n)):
            found.append(first)
    return min(found) if found else None


def _columns_of(cells: list[Box]) -> list[float] | None:
    return _logical_columns(cells, _clusters([c[1] for c in cells] + [c[3] for c in cells]))


def _table(cells: list[Box], chars: list[dict[str, Any]], page: int, spaced: bool) -> _PageTable | None:
    if not cells:
        return None
    rows = _clusters([c[1] for c in cells] + [c[3] for c in cells])
    columns = _logical_columns(cells, rows) or _clusters([c[0] for c in cells] + [c[2] for c in cells])
    width, height = len(columns) - 1, len(rows) - 1
    if width < 1 or height < 1:
        return None
    grid = [[""] * width for _ in range(height)]
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    placed: list[tuple[tuple[float, float, float, float], int, int]] = []
    for x0, top, x1, bottom in cells:
        c0, c1 = _index(columns, x0), _index(columns, x1)
        r0, r1 = _index(rows, top), _index(rows, bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        placed.append(((x0, top, x1, bottom), r0, c0))
        for r in range(r0, r1):
            for c in range(c0, c1):
                if (r, c) != (r0, c0):
                    anchors[(r, c)] = (r0, c0)
    full: set[tuple[int, int]] = set()
    by_cell: dict[int, list[dict[str, Any]]] = {}
    for char in chars:
        cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        for index, ((x0, top, x1, bottom), _, _) in enumerate(placed):
            if x0 <= cx <= x1 and top <= cy <= bottom:
                by_cell.setdefault(index, []).append(char)
                break
    for index, cell_chars in by_cell.items():
        box, r0, c0 = placed[index]
        grid[r0][c0], reaches_edge = _cell_text(cell_chars, box, spaced)
        if reaches_edge:
            full.add((r0, c0))
    keep = [r for r, row in enumerate(grid) if any(row)]
    if not keep:
        return None
    new = {old: n for n, old in enumerate(keep)}
    moved = {(new[r], c): (new[ar], ac) for (r, c), (ar, ac) in anchors.items() if r in new and ar in new}
    table = _PageTable([grid[r] for r in keep], moved, columns, rows[0], rows[-1], page)
    table.full = {(new[r], c) for r, c in full if r in new}
    return table


def _lines(chars: list[dict[str, Any]]) -> list[_Line]:
    """Characters grouped into lines (by their vertical middle), each line's characters left to right."""
    lines: list[_Line] = []
    for char in sorted(chars, key=lambda ch: (round(ch["top"], 1), ch["x0"])):
        middle = (char["top"] + char["bottom"]) / 2
        size = max(char.get("size", 0.0) or (char["bottom"] - char["top"]), 1.0)
        for line in reversed(lines[-3:]):
            if abs(line.top - middle) < 0.5 * max(size, line.size):
                line.chars.append(char)
                break
        else:
            lines.append(_Line([char], middle, size))
    for line in lines:
        line.chars.sort(key=lambda ch: ch["x0"])
        parts: list[str] = []
        previous: dict[str, Any] | None = None
        for char in line.chars:
            gap = previous is not None and char["x0"] - previous["x1"] > 0.45 * line.size
            if gap and parts and not parts[-1].endswith(" ") and char["text"] != " ":
                parts.append(" ")
            parts.append(char["text"])
            previous = char
        line.text = "".join(parts)
        visible = [char for char in line.chars if char["text"].strip()] or line.chars
        line.x0, line.x1 = visible[0]["x0"], visible[-1]["x1"]
        line.bottom = max(char["bottom"] for char in line.chars)
    lines.sort(key=lambda line: line.top)
    return lines


def _cell_text(chars: list[dict[str, Any]], box: Box, spaced: bool) -> tuple[str, bool]:
    """A cell's lines, joined where the text only wrapped (see the module docstring), and whether its
    last line reaches the cell's edge (then the text may go on in the same row on the next page)."""
    lines = [line for line in _lines(chars) if line.text.strip()]
    if not lines:
        return "", False
    padding = max(min(line.x0 for line in lines) - box[0], 0.0)
    right = box[2] - padding
    out = lines[0].text.strip()
    for previous, line in pairwise(lines):
        text = line.text.strip()
        out += _separator(previous, line, out, text, spaced) + text if _wrapped(previous, line, right) else "\n" + text
    last = lines[-1]
    return clean_text(out), last.x1 + 1.25 * last.size > right


def _separator(previous: _Line, line: _Line, before: str, after: str, spaced: bool) -> str:
    """What joins a wrapped line to the next: where the producer writes spaces as characters, a space
    exactly where the line ended with one or the next began with one (a long number broken at the
    edge stays one number); otherwise the rule of :func:`join_wrapped`."""
    if spaced:
        return " " if previous.ends_with_space or line.text.startswith(" ") else ""
    return join_wrapped(before, after)[: -len(after)] if after else ""


def _wrapped(previous: _Line, line: _Line, right: float) -> bool:
    """True when ``line`` goes on where ``previous`` was wrapped: its first unit (see
    :func:`_first_unit_width`) would not have fitted before the right edge."""
    return previous.x1 + _first_unit_width(line) + 0.25 * line.size > right


def _first_unit_width(line: _Line) -> float:
    """The width of what a line breaker moves to a new line as a whole, measured on the page.

    That is a Chinese character or a run of ASCII letters, digits and signs ("2022-01866"), with an
    opening bracket before it and the punctuation that may not begin a line after it (。，、；）…), and
    after an ASCII separator (, . : ;) the number it runs on into: "环\n境。" and "其\n中:30万元"
    were wrapped because 境。 and 中:30 did not fit, though 境 and 中 alone would have (the line
    breaking rules of Unicode's UAX #14 that office suites follow, as far as forms need them).
    """
    chars = [char for char in line.chars if char["text"].strip()]
    if not chars:
        return 0.0
    end = 1
    while end < len(chars) and chars[end - 1]["text"] in _NO_LINE_END:
        end += 1
    ascii_run = bool(_ASCII_WORD.match(chars[end - 1]["text"]))
    while end < len(chars) and chars[end]["x0"] - chars[end - 1]["x1"] <= 0.45 * line.size:
        text, before = chars[end]["text"], chars[end - 1]["text"]
        if (ascii_run and text.isascii()) or text in _NO_LINE_START:
            end += 1
        elif before in _INFIX and _ASCII_WORD.match(text):
            ascii_run = True
            end += 1
        else:
            break
    return chars[end - 1]["x1"] - chars[0]["x0"]


def join_wrapped(before: str, after: str) -> str:
    """What goes between a line and the line it wrapped onto: nothing between Chinese characters, a
    space between two ASCII words. Returns the separator followed by ``after``.

    >>> "项目代" + join_wrapped("项目代", "码"), "VPN" + join_wrapped("VPN", "access")
    ('项目代码', 'VPN access')
    """
    if before and after and _ASCII_WORD.match(before[-1]) and _ASCII_WORD.match(after[0]):
        return " " + after
    return after


def unwrap(text: str) -> str:
    """A cell text with every line break joined by the wrap rule: how a PDF's text compares with the
    text it was made from, since a PDF cannot tell a wrapped line from a new one for certain.

    >>> unwrap("项目代\\n码"), unwrap("共 123 家；\\n2、区 655 个"), unwrap("VPN\\naccess")
    ('项目代码', '共 123 家；2、区 655 个', 'VPN access')
    """
    lines = text.split("\n")
    out = lines[0]
    for line in lines[1:]:
        out += join_wrapped(out, line)
    return out


# --- pages into blocks ---------------------------------------------------------------------------


def _join_pages(pages: list[_Page]) -> list[Block]:
    """The blocks of all pages in order; a table continued on the next page joined to its first part."""
    items: list[TextLine | _PageTable] = []
    ended_with_table = False
    for page in pages:
        for position, (_, item) in enumerate(page.items):
            last = items[-1] if items else None
            if (
                position == 0
                and ended_with_table
                and isinstance(item, _PageTable)
                and isinstance(last, _PageTable)
                and _compatible(last.columns, item.columns)
            ):
                _append(last, item)
                continue
            items.append(item)
        if page.items:
            ended_with_table = isinstance(page.items[-1][1], _PageTable)
    blocks: list[Block] = []
    tables = lines = 0
    for item in items:
        if isinstance(item, TextLine):
            item.line_no = lines
            lines += 1
            blocks.append(item)
        else:
            blocks.append(Table(tables, item.rows, origin=f"page {item.page}", anchors=item.anchors))
            tables += 1
    return blocks


def _near(edge: float, edges: list[float]) -> bool:
    return any(abs(edge - other) <= 2 * _EDGE_TOLERANCE for other in edges)


def _compatible(first: list[float], second: list[float]) -> bool:
    """True when two parts of a table can be one: the same outer edges, and the column edges of one
    are all edges of the other (a part may lack a column split that only its rows make)."""
    if abs(first[0] - second[0]) > 2 * _EDGE_TOLERANCE or abs(first[-1] - second[-1]) > 2 * _EDGE_TOLERANCE:
        return False
    return all(_near(edge, second) for edge in first) or all(_near(edge, first) for edge in second)


def _regrid(table: _PageTable, edges: list[float]) -> None:
    """Lay a table's rows out on finer column edges (a superset of its own): each old column becomes
    the new columns it covers, the text in the first, the others covered by it."""
    own = table.columns
    spans = [(_index(edges, own[i]), _index(edges, own[i + 1])) for i in range(len(own) - 1)]
    width = len(edges) - 1
    rows: list[list[str]] = []
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(table.rows):
        new = [""] * width
        for c, text in enumerate(row):
            start, stop = spans[c]
            new[start] = text
            owner = table.anchors.get((r, c))
            target = (owner[0], spans[owner[1]][0]) if owner else (r, start)
            for column in range(start, max(stop, start + 1)):
                if (r, column) != target:
                    anchors[(r, column)] = target
        rows.append(new)
    table.full = {(r, spans[c][0]) for r, c in table.full}
    table.rows, table.anchors, table.columns = rows, anchors, list(edges)


def _append(table: _PageTable, continuation: _PageTable) -> None:
    """Add the continuation's rows to the table, without a heading row it repeats."""
    if len(continuation.columns) > len(table.columns):
        _regrid(table, continuation.columns)
    elif len(continuation.columns) < len(table.columns):
        _regrid(continuation, table.columns)
    rows = continuation.rows
    repeated = 0
    while repeated < len(rows) and repeated < len(table.rows) and rows[repeated] == table.rows[repeated]:
        repeated += 1
    if repeated and repeated < len(rows):
        heading_like = all(any(cell for cell in row) for row in rows[:repeated])
        if not heading_like:
            repeated = 0
    skip = repeated or _split_row(table, rows)
    last = len(table.rows) - 1

    def moved(r: int) -> int:
        return last if r < skip else len(table.rows) + r - skip

    for (r, c), (ar, ac) in continuation.anchors.items():
        if r >= skip and (ar >= skip or not repeated):
            table.anchors[(moved(r), c)] = (moved(ar), ac)
    table.full |= {(moved(r), c) for r, c in continuation.full if r >= skip}
    table.rows.extend(rows[skip:])
    table.page = continuation.page


def _split_row(table: _PageTable, rows: list[list[str]]) -> int:
    """1 when the continuation's first row is the rest of the table's last row, which the page break
    cut (its texts then join the last row's); else 0.

    The rest of a cut row has text only in cells whose first part has text, and every one of those
    first parts runs to the cell's edge: their texts did not end there, they went on to the next page.
    """
    if not rows or not table.rows:
        return 0
    last = len(table.rows) - 1
    fragment = rows[0]
    filled = [c for c, text in enumerate(fragment) if text and c < len(table.rows[last])]
    if not filled or len(filled) != sum(1 for text in fragment if text):
        return 0
    if not all(table.rows[last][c] and (last, c) in table.full for c in filled):
        return 0
    for c in filled:
        table.rows[last][c] += join_wrapped(table.rows[last][c], fragment[c])
    return 1
