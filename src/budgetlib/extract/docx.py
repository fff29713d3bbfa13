"""Read forms written as Word documents (.docx, Word XML, Word 2003 XML): the body's paragraphs and tables, in order.

A form in Word is a title, a few lines ("单位：万元", "(2021年度)") and tables whose cells are merged
across (``w:gridSpan``) and down (``w:vMerge``). Each ``w:tbl`` becomes a :class:`Table` on its own
grid (``w:gridBefore`` and spans place the cells), merged cells expanded into empty cells recorded in
``Table.anchors`` as for HTML and xlsx; the paragraphs of a cell are its lines; a paragraph outside
tables is a :class:`TextLine` (its heading level from a "Heading N"/"标题 N"/"Title" style). Tables
nested in a cell become tables of their own after the enclosing table, as in the HTML reader; nested
deeper than :data:`MAX_TABLE_NESTING`, they are read as text of their cell. Deleted text of tracked
changes, field codes and the fallback copy of drawings are not read.

What a reader sees is what is read: a character inserted from a symbol font (``<w:sym w:font="Symbol"
w:char="F0B3"/>``, Word's Insert → Symbol, the usual way to write ≥ or √) reads as its Unicode
character (``data/symbol_fonts.csv``), and one the table does not know as U+FFFD with a
``W_SYMBOL_UNKNOWN`` warning, never as nothing; text formatted as hidden (``w:vanish``, Word's 隐藏文字),
which neither the screen nor the print shows, is not read, and a ``W_HIDDEN_TEXT`` warning says where it
was and what it said. Text is hidden by its run's own formatting or by a style: a character style
(``w:rStyle``) or the paragraph's style (``w:pStyle``, else the default paragraph style) whose run
properties, or those of a style it is based on (``w:basedOn``), hold ``w:vanish`` (:class:`StyleSheet`).
A run's own ``w:vanish`` decides over its styles (``<w:vanish w:val="0"/>`` shows text a style hides);
``w:specVanish`` hides whatever else is set.

A Word 2003 XML document (``<w:wordDocument>``: what the "导出Word" of many web applications writes,
named .doc) has the same body elements in another namespace, ``w:vmerge`` for ``w:vMerge`` and notes and
comments inline, and its styles (``w:styles``) before the body; it is read by the same handler
(:func:`read_word_xml`). So is a Word XML document (Word 2007+'s "Save as XML", Flat OPC: the parts of a
docx package as ``pkg:part`` elements of one ``pkg:package`` file; :func:`read_flat_opc`).

The document XML is streamed through defusedxml's parser into a handful of handlers (no tree is
built, so 10,000 nested tables cost no recursion), after the package passed the zip checks of
:mod:`budgetlib.extract.archive`; a DTD or entity declaration makes the file an error, so no entity
is ever expanded or fetched. Page headers and footers, footnotes and comments are not read.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

from defusedxml.ElementTree import DefusedXMLParser

from budgetlib.extract.archive import open_package
from budgetlib.extract.document import Block, Document, Table, TextLine, UnreadableFileError
from budgetlib.extract.text import clean_text
from budgetlib.notices import Notice
from budgetlib.vocabulary import table

MAX_CELLS = 250_000
"""Grid cells (covered ones included) and text lines read from one document; the rest is cut with a warning."""
MAX_SPAN = 1_000
"""Largest ``gridSpan`` believed; larger ones are clamped with a warning."""
MAX_TABLE_NESTING = 50
"""Tables nested deeper than this inside table cells are read as text of their cell."""

_MAIN = "word/document.xml"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_SKIPPED = frozenset({"delText", "instrText", "delInstrText", "moveFrom", "Fallback", "tblPr", "sectPr",
                      "footnoteReference", "commentReference", "pict", "rPrChange",
                      "footnote", "endnote"})  # Word 2003 XML writes notes inline, where they are referenced
_BREAKS = frozenset({"br", "cr"})
_VMERGE = frozenset({"vMerge", "vmerge"})  # docx, Word 2003 XML
_OFF = frozenset({"0", "false", "off"})
_HIDING = frozenset({"vanish", "specVanish"})
_FONT_KEYS = ("ascii", "hAnsi", "h-ansi", "cs")  # Word 2003 XML spells hAnsi h-ansi
_UNKNOWN_SYMBOL = "\ufffd"
MAX_LISTED = 10
"""Hidden texts and unknown symbols named in a warning's message; the rest are counted."""


MAX_STYLE_CHAIN = 50
"""``w:basedOn`` links followed from a style; a longer chain (or a loop) ends there."""


@dataclass(frozen=True, slots=True)
class _Style:
    kind: str  # w:type: "paragraph", "character", "table", "numbering"
    based_on: str | None = None
    vanish: bool | None = None  # its run properties' w:vanish (or w:specVanish): on, off (w:val="0"), not set
    heading: int | None = None  # 1-9 by its name ("heading 1", "标题 1") or outline level; 0 body text; None unsaid


@dataclass(frozen=True)
class StyleSheet:
    """What of a document's styles (``word/styles.xml``, or the ``w:styles`` of Word 2003 XML) decides
    whether text is hidden: each style's ``w:vanish``, its ``w:basedOn``, and the defaults.

    Within a chain of styles based on one another the nearest style that sets ``w:vanish`` decides. Across
    the levels of Word's style hierarchy (document defaults, paragraph style, character style) hidden is a
    toggle property (ECMA-376 §17.7.3): each level that hides turns the state over, so a hiding character
    style in a hiding paragraph style shows its text, as Word does.

    >>> sheet = StyleSheet({"Note": _Style("character", vanish=True), "Small": _Style("character", "Note")})
    >>> sheet.hidden(None, "Small"), sheet.hidden(None, None)
    (True, False)
    """

    styles: Mapping[str, _Style] = field(default_factory=dict)
    default_paragraph: str | None = None
    default_character: str | None = None
    default_vanish: bool = False
    unread: str | None = None  # why the styles part could not be read: then no style hides anything

    def hidden(self, paragraph_style: str | None, run_style: str | None) -> bool:
        """Whether the styles hide a run of character style ``run_style`` in a paragraph of ``paragraph_style``
        (``None``: the default style of that kind)."""
        if not self.styles and not self.default_vanish:
            return False
        state = self.default_vanish
        if self._chain_vanish(paragraph_style or self.default_paragraph, "paragraph"):
            state = not state
        if self._chain_vanish(run_style or self.default_character, "character"):
            state = not state
        return state

    def heading_level(self, style_id: str | None) -> int:
        """The heading level (1-9, 0 for body text) of paragraph style ``style_id``: by its name or outline level,
        else by the style it is based on. Word names its styles in English whatever the style id: Chinese
        Word writes ``w:styleId="1"`` with ``w:name w:val="heading 1"``, so the id alone says nothing.

        >>> StyleSheet({"1": _Style("paragraph", heading=1), "a5": _Style("paragraph", "1")}).heading_level("a5")
        1
        """
        seen = 0
        while style_id is not None and seen < MAX_STYLE_CHAIN:
            style = self.styles.get(style_id)
            if style is None or style.kind != "paragraph":
                return 0
            if style.heading is not None:
                return style.heading
            style_id = style.based_on
            seen += 1
        return 0

    def _chain_vanish(self, style_id: str | None, kind: str) -> bool:
        seen = 0
        while style_id is not None and seen < MAX_STYLE_CHAIN:
            style = self.styles.get(style_id)
            if style is None or style.kind != kind:
                return False
            if style.vanish is not None:
                return style.vanish
            style_id = style.based_on
            seen += 1
        return False


class _StyleReader:
    """Turns the events of a ``w:styles`` element (styles.xml, or inline in Word 2003 XML) into a
    :class:`StyleSheet`: the run properties of a style or of the document defaults count; those of a
    table style's conditional formats (``w:tblStylePr``) and of tracked changes (``w:rPrChange``) do not."""

    def __init__(self) -> None:
        self.path: list[str] = []  # local names of the open elements
        self.styles: dict[str, _Style] = {}
        self.current: dict[str, str | bool | int | None] | None = None
        self.defaults: dict[str, str] = {}  # kind -> default style id
        self.default_vanish: bool | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = tag.rsplit("}", 1)[-1]
        parent = self.path[-1] if self.path else ""
        grandparent = self.path[-2] if len(self.path) > 1 else ""
        self.path.append(name)
        if name == "style":
            kind = _attribute(attrib, "type") or "paragraph"
            style_id = _attribute(attrib, "styleId") or ""
            self.current = {"kind": kind, "id": style_id, "based_on": None, "vanish": None, "heading": None}
            if (_attribute(attrib, "default") or "").lower() not in _OFF | {""}:
                self.defaults.setdefault(kind, style_id)
        elif name == "basedOn" and parent == "style" and self.current is not None:
            self.current["based_on"] = _value(attrib)
        elif name == "name" and parent == "style" and self.current is not None:
            named = _heading_level(_value(attrib))
            if named and self.current["heading"] is None:
                self.current["heading"] = named
        elif name == "outlineLvl" and parent == "pPr" and grandparent == "style" and self.current is not None:
            self.current["heading"] = _outline_heading(_value(attrib))
        elif name in _HIDING and parent == "rPr":
            on = (_value(attrib) or "").lower() not in _OFF
            if name == "specVanish" and not on:
                return  # switched off, it leaves w:vanish to decide
            if grandparent == "style" and self.current is not None:
                self.current["vanish"] = on or self.current["vanish"] is True
            elif grandparent == "rPrDefault":
                self.default_vanish = on or self.default_vanish is True

    def end(self, tag: str) -> None:
        if self.path:
            name = self.path.pop()
            if name == "style" and self.current is not None:
                current = self.current
                self.current = None
                style_id = str(current["id"])
                if style_id:
                    based_on = current["based_on"]
                    vanish = current["vanish"]
                    heading = current["heading"]
                    self.styles[style_id] = _Style(str(current["kind"]),
                                                   based_on if isinstance(based_on, str) else None,
                                                   vanish if isinstance(vanish, bool) else None,
                                                   heading if isinstance(heading, int) else None)

    def data(self, text: str) -> None:
        pass

    def close(self) -> StyleSheet:
        return self.sheet()

    def sheet(self) -> StyleSheet:
        return StyleSheet(MappingProxyType(self.styles), self.defaults.get("paragraph"),
                          self.defaults.get("character"), bool(self.default_vanish))


@dataclass(slots=True)
class _Paragraph:
    number: int  # counted in document order, for messages
    parts: list[str] = field(default_factory=list)
    heading: int = 0
    hidden: list[str] = field(default_factory=list)  # text of its hidden runs
    style: str | None = None  # w:pStyle


@dataclass(slots=True)
class _Run:
    hidden: bool = False  # as its own formatting and its styles decide
    symbol_font: str | None = None  # a symbol font of data/symbol_fonts.csv set on the run
    outer: bool = False  # the enclosing run (of a text box) is hidden
    style: str | None = None  # w:rStyle
    vanish: bool | None = None  # its own w:vanish: on, off, not set
    special: bool = False  # its own w:specVanish


@dataclass(slots=True)
class _Cell:
    lines: list[str] = field(default_factory=list)
    span: int = 1
    vmerge: str | None = None  # "restart", "continue" or None


@dataclass(slots=True)
class _Row:
    before: int = 0
    cells: list[_Cell] = field(default_factory=list)


@dataclass(slots=True)
class _Table:
    slot: int  # where its block goes
    rows: list[_Row] = field(default_factory=list)
    row: _Row | None = None
    cell: _Cell | None = None
    line: int = 0  # the table's start, counted in paragraphs, for messages


class _Handler:
    """Turns the start/end/data events of ``word/document.xml`` into blocks (see the module docstring)."""

    def __init__(self, styles: StyleSheet | None = None) -> None:
        self.styles = styles or StyleSheet()
        self.style_reader: _StyleReader | None = None  # the inline w:styles of Word 2003 XML, while read
        self.style_depth = 0
        self.blocks: list[Block | _Table | None] = []
        self.tables: list[_Table] = []  # open tables, innermost last
        self.flat = 0  # tables open beyond the nesting limit, read as text
        self.paragraphs: list[_Paragraph] = []  # open paragraphs (text boxes nest them)
        self.skip = 0
        self.text = False
        self.runs: list[_Run] = []  # open runs (text boxes nest them), innermost last
        self.run = _Run()  # the innermost open run's properties (an empty one outside runs)
        self.run_opened = False  # the last element started was a run: a w:rPr now is its properties
        self.in_run_properties = False
        self.hidden_texts: list[str] = []  # "paragraph 12 (shown: '20'): '（原30）'"
        self.unknown_symbols: list[str] = []
        self.cells = 0
        self.paragraph_count = 0
        self.warnings: list[Notice] = []
        if self.styles.unread is not None:
            self._warn(Notice("W_STYLES_UNREAD", f"the document's styles could not be read ({self.styles.unread}); "
                              "text hidden by a style, if any, is read as visible"))
        self.cut = False
        self.group: list[_Table] = []  # the open top-level table and the tables nested in it

    # events ---------------------------------------------------------------------------------------

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = tag.rsplit("}", 1)[-1]
        if self.style_reader is not None or (name == "styles" and not self.skip and not self.paragraphs):
            self._style_event(tag, attrib)
            return
        run_opened, self.run_opened = self.run_opened, False
        if self.skip or name in _SKIPPED or (name == "rPr" and not run_opened) or self._comment(name, attrib):
            self.skip += 1  # a w:rPr not first in a run formats a paragraph mark or a style, not text
            return
        if name == "t":
            self.text = True
        elif name == "r":
            self.runs.append(self.run)
            self.run = _Run(symbol_font=self.run.symbol_font, outer=self.run.hidden)
            self.run.hidden = self._run_hidden(self.run)
            self.run_opened = True
        elif self.in_run_properties:
            self._run_property(name, attrib)
        elif name == "rPr":
            self.in_run_properties = True
        elif name in _BREAKS or (name == "tab" and self.runs):
            if self.paragraphs and not self.run.hidden:
                self.paragraphs[-1].parts.append("\n" if name in _BREAKS else "\t")
        elif name == "sym":
            self._symbol(attrib)
        elif name == "p":
            self.paragraph_count += 1
            self.paragraphs.append(_Paragraph(self.paragraph_count))
        elif name == "pStyle" and self.paragraphs:
            style = _value(attrib)
            self.paragraphs[-1].style = style
            self.paragraphs[-1].heading = _heading_level(style) or self.styles.heading_level(style)
        elif name == "outlineLvl" and self.paragraphs and not self.runs:
            self.paragraphs[-1].heading = _outline_heading(_value(attrib))  # the paragraph's own, over its style's
        elif name == "tbl":
            self._start_table()
        elif self.flat:
            return
        elif name == "tr" and self.tables:
            self.tables[-1].row = _Row()
        elif name == "tc" and self.tables and self.tables[-1].row is not None:
            self.tables[-1].cell = _Cell()
        elif name == "gridBefore" and self.tables and self.tables[-1].row is not None:
            self.tables[-1].row.before = self._span(_value(attrib))
        elif name == "gridSpan" and self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.span = self._span(_value(attrib))
        elif name in _VMERGE and self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.vmerge = "restart" if _value(attrib) == "restart" else "continue"

    def end(self, tag: str) -> None:
        if self.style_reader is not None:
            self._style_event(tag, None)
            return
        name = tag.rsplit("}", 1)[-1]
        if self.skip:
            self.skip -= 1
            return
        if name == "t":
            self.text = False
        elif name == "r":
            self.run = self.runs.pop() if self.runs else _Run()
        elif name == "rPr":
            self.in_run_properties = False
            self.run.hidden = self._run_hidden(self.run)
        elif name == "p" and self.paragraphs:
            self._end_paragraph()
        elif name == "tbl":
            self._end_table()
        elif self.flat or not self.tables:
            return
        elif name == "tc":
            table = self.tables[-1]
            if table.cell is not None and table.row is not None:
                table.row.cells.append(table.cell)
            table.cell = None
        elif name == "tr":
            table = self.tables[-1]
            if table.row is not None:
                table.rows.append(table.row)
            table.row = None

    def data(self, text: str) -> None:
        if self.text and not self.skip and self.paragraphs:
            run = self.run
            if run.symbol_font is not None:
                text = self._symbol_text(text, run.symbol_font)
            if run.hidden:
                self.paragraphs[-1].hidden.append(text)
            else:
                self.paragraphs[-1].parts.append(text)

    def close(self) -> None:
        while self.tables or self.flat:
            self._end_table()
        if self.hidden_texts:
            self._warn(Notice("W_HIDDEN_TEXT",
                              f"{len(self.hidden_texts)} paragraph(s) hold hidden text (Word's 隐藏文字), which "
                              f"neither the screen nor the print shows; it was not read: {_listed(self.hidden_texts)}"))
        if self.unknown_symbols:
            self._warn(Notice("W_SYMBOL_UNKNOWN",
                              f"{len(self.unknown_symbols)} symbol(s) of a symbol font have no known Unicode character "
                              f"and read as \ufffd: {_listed(self.unknown_symbols)}"))

    # helpers --------------------------------------------------------------------------------------

    def _span(self, value: str | None) -> int:
        try:
            span = int(value or "1")
        except ValueError:
            return 1
        if span > MAX_SPAN:
            self._warn(Notice("W_SPAN_CLAMPED", f"a cell spans {span:,} grid columns; read as {MAX_SPAN:,}"))
            return MAX_SPAN
        return max(span, 0)

    def _warn(self, notice: Notice) -> None:
        if notice not in self.warnings:
            self.warnings.append(notice)

    def _comment(self, name: str, attrib: dict[str, str]) -> bool:
        """A Word 2003 XML comment (``aml:annotation w:type="Word.Comment"``), which holds its text inline."""
        return name == "annotation" and any(value == "Word.Comment" for value in attrib.values())

    def _style_event(self, tag: str, attrib: dict[str, str] | None) -> None:
        """Route the events of an inline ``w:styles`` element (Word 2003 XML) to a :class:`_StyleReader`;
        its style sheet applies to the body that follows."""
        if self.style_reader is None:
            self.style_reader = _StyleReader()
        if attrib is not None:
            self.style_depth += 1
            self.style_reader.start(tag, attrib)
            return
        self.style_reader.end(tag)
        self.style_depth -= 1
        if not self.style_depth:
            self.styles = self.style_reader.sheet()
            self.style_reader = None

    def _run_hidden(self, run: _Run) -> bool:
        """Whether a run is hidden: by its own ``w:specVanish`` or ``w:vanish``, else by its styles."""
        if run.outer or run.special:
            return True
        if run.vanish is not None:
            return run.vanish
        paragraph_style = self.paragraphs[-1].style if self.paragraphs else None
        return self.styles.hidden(paragraph_style, run.style)

    def _run_property(self, name: str, attrib: dict[str, str]) -> None:
        """What of a run's formatting changes what a reader sees: hidden text, a symbol font."""
        if name == "vanish":
            self.run.vanish = (_value(attrib) or "").lower() not in _OFF
        elif name == "specVanish":
            self.run.special = (_value(attrib) or "").lower() not in _OFF
        elif name == "rStyle":
            self.run.style = _value(attrib)
        elif name == "rFonts":
            fonts = symbol_fonts()
            named = (value.strip().lower() for key, value in attrib.items() if key.rsplit("}", 1)[-1] in _FONT_KEYS)
            self.run.symbol_font = next((font for font in named if font in fonts), None)

    def _symbol(self, attrib: dict[str, str]) -> None:
        """A ``w:sym``: the character it shows, or U+FFFD and a note when it is not known."""
        if not self.paragraphs:
            return
        font = code = ""
        for key, value in attrib.items():
            local = key.rsplit("}", 1)[-1]
            if local == "font":
                font = value
            elif local == "char":
                code = value
        try:
            point = int(code, 16)
        except ValueError:
            point = -1
        paragraph = self.paragraphs[-1]
        char = symbol_character(font, point)
        if char is None:
            char = _UNKNOWN_SYMBOL
            self.unknown_symbols.append(f"paragraph {paragraph.number}: font '{font}' code {code or '?'}")
        (paragraph.hidden if self.run.hidden else paragraph.parts).append(char)

    def _symbol_text(self, text: str, font: str) -> str:
        """Text of a run in a symbol font: its private-use characters (F020-F0FF) are that font's codes."""
        if not any(0xF000 <= ord(char) <= 0xF0FF for char in text):
            return text
        shown = []
        for char in text:
            if 0xF000 <= ord(char) <= 0xF0FF:
                mapped = symbol_character(font, ord(char))
                if mapped is None:
                    number = self.paragraphs[-1].number
                    self.unknown_symbols.append(f"paragraph {number}: font '{font}' code {ord(char):04X}")
                    mapped = _UNKNOWN_SYMBOL
                char = mapped
            shown.append(char)
        return "".join(shown)

    def _end_paragraph(self) -> None:
        paragraph = self.paragraphs.pop()
        text = clean_text("".join(paragraph.parts))
        heading = paragraph.heading
        if paragraph.hidden:
            hidden = clean_text("".join(paragraph.hidden))
            if hidden:
                self.hidden_texts.append(f"paragraph {paragraph.number} (shown: '{text[:40]}'): '{hidden[:80]}'")
        if not text:
            return
        cell = self.tables[-1].cell if self.tables else None
        if cell is not None:
            cell.lines.append(text)
        elif not self.tables:
            self._count(1)
            if not self.cut:
                self.blocks.append(TextLine(0, text, heading=heading, origin=f"paragraph {self.paragraph_count}"))
        # text in a table but outside its cells cannot occur in Word; it is dropped like whitespace

    def _start_table(self) -> None:
        if self.flat or len(self.tables) >= MAX_TABLE_NESTING:
            self.flat += 1
            self._warn(Notice("W_NESTED_TOO_DEEP",
                              f"tables nested more than {MAX_TABLE_NESTING} deep are read as text of their cell"))
            return
        table = _Table(slot=-1, line=self.paragraph_count + 1)
        if not self.tables:
            table.slot = len(self.blocks)
            self.blocks.append(None)  # the top-level table's place in the text
        if not self.tables:
            self.group = []
        self.group.append(table)
        self.tables.append(table)

    def _end_table(self) -> None:
        if self.flat:
            self.flat -= 1
            return
        if not self.tables:
            return
        self.tables.pop()
        if self.tables:
            return  # nested: finished together with its top-level table
        group = self.group
        slot = group[0].slot
        built = [self._build(table) for table in group]
        self.blocks[slot : slot + 1] = [table for table in built if table is not None]

    def _count(self, cells: int) -> None:
        self.cells += cells
        if self.cells > MAX_CELLS and not self.cut:
            self.cut = True
            self._warn(Notice("W_CAP_REACHED",
                              f"the document has more than {MAX_CELLS:,} cells and text lines; the rest was not read"))

    def _build(self, raw: _Table) -> Table | None:
        """The grid of one table: spans placed on grid columns, vertical merges followed down."""
        grid: list[list[str]] = []
        anchors: dict[tuple[int, int], tuple[int, int]] = {}
        above: dict[int, tuple[int, int, int]] = {}  # grid column -> (anchor row, anchor col, span)
        for raw_row in raw.rows:
            r = len(grid)
            row: list[str] = [""] * raw_row.before
            column = raw_row.before
            for cell in raw_row.cells:
                text = "\n".join(cell.lines)
                span = max(cell.span, 1)
                row.extend([text] + [""] * (span - 1))
                anchor = above.get(column)
                if cell.vmerge == "continue" and not text and anchor is not None and anchor[2] == span:
                    for c in range(column, column + span):
                        anchors[(r, c)] = anchor[:2]
                else:
                    for c in range(column + 1, column + span):
                        anchors[(r, c)] = (r, column)
                    if cell.vmerge == "restart" or cell.vmerge == "continue":
                        above[column] = (r, column, span)
                    else:
                        above.pop(column, None)
                column += span
            self._count(len(row))
            if self.cut:
                break
            grid.append(row)
        width = max((len(row) for row in grid), default=0)
        for row in grid:
            row.extend([""] * (width - len(row)))
        return _drop_empty_rows(raw, grid, anchors)


def _drop_empty_rows(
    raw: _Table, grid: list[list[str]], anchors: dict[tuple[int, int], tuple[int, int]]
) -> Table | None:
    """Drop rows with no text (as every reader does), renumbering the anchors; None for an empty table."""
    keep = [r for r, row in enumerate(grid) if any(row)]
    if not keep:
        return None
    new_index = {old: new for new, old in enumerate(keep)}
    moved = {
        (new_index[r], c): (new_index[ar], ac)
        for (r, c), (ar, ac) in anchors.items()
        if r in new_index and ar in new_index
    }
    return Table(0, [grid[r] for r in keep], origin=f"table at paragraph {raw.line}", anchors=moved)


def _listed(items: list[str]) -> str:
    """The first :data:`MAX_LISTED` items, then how many more."""
    shown = "; ".join(items[:MAX_LISTED])
    return shown if len(items) <= MAX_LISTED else f"{shown}; and {len(items) - MAX_LISTED} more"


@cache
def symbol_fonts() -> Mapping[str, Mapping[int, str]]:
    """``data/symbol_fonts.csv``: the character of each code of a symbol font, by the font's name in lower case."""
    fonts: dict[str, dict[int, str]] = {}
    for row in table("symbol_fonts.csv"):
        fonts.setdefault(row["font"].strip().lower(), {})[int(row["code"], 16)] = row["char"]
    return MappingProxyType({font: MappingProxyType(codes) for font, codes in fonts.items()})


def symbol_character(font: str, point: int) -> str | None:
    """The character a symbol (``w:sym``) of ``font`` at code ``point`` shows; None when it is not known.

    Word stores a symbol font's code ``B3`` as ``F0B3`` (in Unicode's private use area) or as ``B3``.
    A font that is no symbol font of the table shows the Unicode character itself, unless that is
    itself private use (a font of its own, whose drawing no table tells).

    >>> symbol_character("Symbol", 0xF0B3), symbol_character("Wingdings 2", 0x52), symbol_character("宋体", 0x2265)
    ('≥', '☑', '≥')
    >>> symbol_character("MT Extra", 0xF028) is None
    True
    """
    codes = symbol_fonts().get(font.strip().lower())
    if codes is not None:
        return codes.get(point - 0xF000 if 0xF000 <= point <= 0xF0FF else point)
    if point < 0x20 or 0xE000 <= point <= 0xF8FF or point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
        return None
    return chr(point)


def _value(attrib: dict[str, str]) -> str | None:
    return _attribute(attrib, "val")


def _attribute(attrib: dict[str, str], local: str) -> str | None:
    """The attribute of local name ``local``, in whatever namespace (docx's, Word 2003's)."""
    for key, value in attrib.items():
        if key.rsplit("}", 1)[-1] == local:
            return value
    return None


def _outline_heading(value: str | None) -> int:
    """The heading level of a ``w:outlineLvl`` (0-8 are levels 1-9, 9 is body text); 0 when unreadable."""
    try:
        level = int(value or "")
    except ValueError:
        return 0
    return level + 1 if 0 <= level <= 8 else 0


def _heading_level(style: str | None) -> int:
    if not style:
        return 0
    if style.lower() in ("title", "标题"):
        return 1
    match = _HEADING_STYLE.match(style.replace(" ", ""))
    return int(match.group(1)) if match else 0


def read_docx(data: bytes, source_file: str) -> list[Document]:
    """The document's body as one :class:`Document`.

    Raises :class:`UnreadableFileError` for packages that are not Word documents, look like zip
    bombs, are broken, declare a DTD, or hold no text.
    """
    archive = open_package(data, "docx document", _check_names)
    try:
        main = _main_part(archive)
        xml = archive.read(main)
        styles = _read_member(archive, _styles_part(main))
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise UnreadableFileError("E_BROKEN_FILE",
                                  f"not a readable docx document ({type(error).__name__}: {error})") from error
    except Exception as error:  # zlib errors of a damaged member
        raise UnreadableFileError("E_BROKEN_FILE",
                                  f"not a readable docx document ({type(error).__name__}: {error})") from error
    finally:
        archive.close()
    return _read_xml(xml, source_file, "docx document", read_styles(styles) if styles else None)


def read_word_xml(data: bytes, source_file: str) -> list[Document]:
    """A Word 2003 XML document (``<w:wordDocument>``, "Word XML 文档") as one :class:`Document`.

    Its body holds the elements of a docx body (in the namespace of Word 2003), so the same handler
    reads it. Raises :class:`UnreadableFileError` as :func:`read_docx` does.
    """
    return _read_xml(_decodable(data), source_file, "Word 2003 XML document")


FLAT_OPC_NAMESPACE = "http://schemas.microsoft.com/office/2006/xmlPackage"
_PART = f"{{{FLAT_OPC_NAMESPACE}}}part"
_XML_DATA = f"{{{FLAT_OPC_NAMESPACE}}}xmlData"
_PART_NAME = f"{{{FLAT_OPC_NAMESPACE}}}name"
_PART_TYPE = f"{{{FLAT_OPC_NAMESPACE}}}contentType"
_STYLES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"


def read_flat_opc(data: bytes, source_file: str) -> list[Document]:
    """A Word XML document (Word 2007+'s "Save as" → "Word XML 文档 (*.xml)": Flat OPC, a ``pkg:package``
    whose ``pkg:part`` elements hold the parts of a docx package) as one :class:`Document`.

    The main document part (``/word/document.xml``, known by its content type) is read by the docx
    handler, with the styles of the styles part. The file is streamed twice, since Word writes the
    styles after the document: once for the parts and the styles, once for the body. Raises
    :class:`UnreadableFileError` as :func:`read_docx` does, and for a package holding no Word document
    (PowerPoint saves presentations in the same form).
    """
    what = "Word XML document"
    xml = _decodable(data)
    styles = _StyleReader()
    scan = _PartFilter(styles, lambda name, kind: kind == _STYLES_TYPE or name.lower() == "/word/styles.xml")
    _parse(xml, scan, what)
    main = _flat_main_part(scan.parts)
    handler = _Handler(styles.sheet())
    _parse(xml, _PartFilter(handler, lambda name, kind: name == main), what)
    return _documents(handler, source_file)


def _flat_main_part(parts: list[tuple[str, str]]) -> str:
    """The name of a Flat OPC package's main Word document part (by its content type, else its name)."""
    for name, kind in parts:
        if "word" in kind.lower() and kind.lower().endswith(".main+xml"):
            return name
    for name, _ in parts:
        if name.lower() == "/" + _MAIN:
            return name
    if any("presentationml" in kind or name.lower().startswith("/ppt/") for name, kind in parts):
        raise UnreadableFileError("E_BINARY", "a PowerPoint XML presentation (Flat OPC), not a form")
    raise UnreadableFileError("E_BROKEN_FILE",
                              "an Office XML package (pkg:package) holding no Word document part (/word/document.xml)")


class _PartFilter:
    """Passes to ``target`` the events of the XML inside the ``pkg:xmlData`` of the Flat OPC parts that
    ``wanted(name, content type)`` chooses; notes every part's name and content type."""

    def __init__(self, target: _Handler | _StyleReader, wanted: Callable[[str, str], bool]) -> None:
        self.target = target
        self.wanted = wanted
        self.parts: list[tuple[str, str]] = []
        self.chosen = False
        self.depth = 0  # elements open inside a chosen part's xmlData, itself included

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.depth:
            self.depth += 1
            self.target.start(tag, attrib)
        elif tag == _PART:
            name, kind = attrib.get(_PART_NAME, ""), attrib.get(_PART_TYPE, "")
            self.parts.append((name, kind))
            self.chosen = self.wanted(name, kind)
        elif tag == _XML_DATA and self.chosen:
            self.depth = 1

    def end(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            if self.depth:
                self.target.end(tag)
        elif tag == _PART:
            self.chosen = False

    def data(self, text: str) -> None:
        if self.depth > 1:
            self.target.data(text)

    def close(self) -> None:
        self.target.close()


def read_styles(xml: bytes) -> StyleSheet:
    """The :class:`StyleSheet` of a styles part (``word/styles.xml``). A broken part gives an empty sheet
    that says why (``unread``): styles decide only what is hidden, so the body is still read, but text a
    style hides would be read as visible, which the reader is told (``W_STYLES_UNREAD``). A DTD or entity
    declaration is refused as in the body."""
    reader = _StyleReader()
    try:
        _parse(xml, reader, "styles part")
    except UnreadableFileError as error:
        if error.code == "E_XML_ENTITIES":
            raise
        return StyleSheet(unread=error.notice.message)
    return reader.sheet()


def _styles_part(main: str) -> str:
    """The styles part beside the main document part (``word/styles.xml``)."""
    folder = main.rsplit("/", 1)[0] + "/" if "/" in main else ""
    return f"{folder}styles.xml"


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return archive.read(name)
    except KeyError:
        return None


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_EXPAT_ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii", "iso-8859-1", "latin-1"})


def _decodable(data: bytes) -> bytes | str:
    """The XML as expat can read it: as it is, or decoded here when its declared encoding is one expat
    does not know (GBK, GB2312 and GB18030, which Chinese web applications declare)."""
    declared = _XML_ENCODING.match(data[:512].lstrip(b"\xef\xbb\xbf"))
    if declared is None or declared.group(1).decode("ascii").lower() in _EXPAT_ENCODINGS:
        return data
    name = declared.group(1).decode("ascii").lower()
    codec = "gb18030" if name in ("gbk", "gb2312", "gb18030", "cp936") else name
    try:
        return data.decode(codec, errors="replace")
    except LookupError:
        return data  # an encoding Python does not know either: the parser says so


def _parse(xml: bytes | str, target: _Handler | _StyleReader | _PartFilter, what: str) -> None:
    """Stream ``xml`` through defusedxml's parser into ``target``; a DTD or entity declaration is refused."""
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        for start in range(0, len(xml), 1 << 20):
            parser.feed(xml[start : start + (1 << 20)])
        parser.close()
    except UnreadableFileError:
        raise
    except Exception as error:
        if "Forbidden" in type(error).__name__:
            raise UnreadableFileError("E_XML_ENTITIES",
                                      "the document's XML declares a DTD or entities (refused as unsafe)") from error
        raise UnreadableFileError("E_BROKEN_FILE",
                                  f"not a readable {what} (broken XML: {str(error)[:200]})") from error


def _read_xml(xml: bytes | str, source_file: str, what: str, styles: StyleSheet | None = None) -> list[Document]:
    """The blocks of a WordprocessingML body, streamed through the handler."""
    handler = _Handler(styles)
    _parse(xml, handler, what)
    return _documents(handler, source_file)


def _documents(handler: _Handler, source_file: str) -> list[Document]:
    """The document the handler read, its blocks numbered; refuses a document without text."""
    blocks: list[Block] = []
    tables = lines = 0
    for block in handler.blocks:
        if isinstance(block, Table):
            block.table_no = tables
            tables += 1
            blocks.append(block)
        elif isinstance(block, TextLine):
            block.line_no = lines
            lines += 1
            blocks.append(block)
    if not blocks:
        raise UnreadableFileError("E_NO_CONTENT", "the document holds no text")
    return [Document(source_file, blocks, encoding=None, warnings=handler.warnings)]


def _check_names(names: set[str]) -> None:
    if _MAIN not in names and not any(name.endswith("/document.xml") for name in names):
        raise UnreadableFileError("E_BROKEN_FILE", "a zip archive that is not a Word document (no word/document.xml)")


def _main_part(archive: zipfile.ZipFile) -> str:
    """The main document part, as the package's relationships name it (usually word/document.xml)."""
    from defusedxml.ElementTree import fromstring

    try:
        rels = fromstring(archive.read("_rels/.rels"), forbid_dtd=True)
    except Exception:
        return _MAIN
    for rel in rels.iter(f"{_PACKAGE_REL}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            target = rel.get("Target", _MAIN).lstrip("/")
            if target in archive.namelist():
                return target
    return _MAIN
