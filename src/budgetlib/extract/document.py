"""The format-independent model of a source file: text lines and tables of cell strings.

Readers clean markup out of cells (``<p>``, ``<br>`` become line breaks, entities are unescaped) but do
not normalise characters: the text stays as written, and the transform stage normalises (NFKC) only
for matching labels and parsing numbers.

Merged cells (HTML ``rowspan``/``colspan``, xlsx merged ranges) are expanded into empty cells, exactly
as a markdown table shows them, and remembered in ``Table.anchors``; so one form reads the same in all
three formats. Rows that are entirely empty are dropped by every reader (a markdown table's empty
header row, blank spacer rows), which keeps row numbers equal across formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from budgetlib.notices import CodedError, Notice


@dataclass(slots=True)
class Table:
    """A table as a ragged grid of cleaned cell texts ('' for an empty cell).

    ``table_no`` counts tables from 0 in document order; ``rows[r][c]`` is the cell at row ``r``,
    column ``c``; ``anchors`` maps a cell covered by a merged region to the region's top-left cell;
    ``origin`` says where the table starts in the source (``line 12``, ``sheet 'Sheet1' row 5``), for
    messages a person can act on.
    """

    table_no: int
    rows: list[list[str]]
    origin: str = ""
    anchors: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def cell(self, row: int, col: int) -> str:
        """The text at (row, col), '' outside the ragged grid."""
        if 0 <= row < len(self.rows):
            cells = self.rows[row]
            if 0 <= col < len(cells):
                return cells[col]
        return ""


@dataclass(slots=True)
class TextLine:
    """A line of text outside any table (a title, a unit line, a heading, a note).

    ``line_no`` counts text lines from 0 in document order; ``heading`` is the heading level (1 for
    ``#`` or ``<h1>``), 0 for ordinary text; ``origin`` says where it is in the source.
    """

    line_no: int
    text: str
    heading: int = 0
    origin: str = ""


Block = Table | TextLine


class UnreadableFileError(CodedError):
    """A file that no reader can turn into a document: a notice code (``E_…`` in data/notices.csv) and a
    message saying why, for the errors table."""


@dataclass(slots=True)
class Document:
    """One source file (or one sheet of a workbook) as blocks in reading order.

    ``part`` names the part of a multi-part source (an xlsx sheet name), '' otherwise; ``warnings``
    collects what a reader noticed but could work around (an encoding guess, a truncated table).
    """

    source_file: str
    blocks: list[Block]
    encoding: str | None = None
    part: str = ""
    warnings: list[Notice] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [block for block in self.blocks if isinstance(block, Table)]

    @property
    def text_lines(self) -> list[TextLine]:
        return [block for block in self.blocks if isinstance(block, TextLine)]
