"""Read forms published as markdown (pipe tables with inline HTML, headings, loose lines).

A small line-based reader rather than a CommonMark parser: GFM table rules drop every cell beyond the
header row's width and end a table at the first line without a pipe, and published forms routinely
have rows longer than their (often empty) header row. Losing those cells would lose data, so each
pipe row keeps all of its cells here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from budgetlib.extract.document import Block, Document, Table, TextLine
from budgetlib.extract.text import clean_cell, clean_cells, clean_text
from budgetlib.notices import Notice

MAX_CELLS = 250_000
"""Table cells and text lines read from one file (as in the HTML reader); the rest is not read, with a warning."""

_NOT_SEPARATOR = re.compile(r"[^\s:|\-]")
_HEADING_MARK = re.compile(r"^(#{1,6})\s+")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_CHUNK = 1 << 20


def split_row(line: str, limit: int = -1) -> list[str]:
    """The raw cells of one pipe-table line; ``\\|`` is a literal pipe inside a cell.

    With ``limit`` >= 0, at most that many cells are returned (the rest of the line is not split at all,
    so a hostile line of millions of pipes costs no more than ``limit`` cells).
    """
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    if "\\|" in body:
        cells = [cell.replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(body, max(limit, 0))]
    else:
        cells = body.split("|", limit)
    return cells if limit < 0 or len(cells) <= limit else cells[:limit]


def _is_separator(line: str) -> bool:
    """A table's ``|---|:--:|`` line (a linear test: the equivalent regex backtracks quadratically)."""
    return "-" in line and _NOT_SEPARATOR.search(line) is None


def _blank_comments(text: str) -> str:
    """HTML comments replaced by the line breaks they contained, so that line numbers stay true.

    A linear scan: the regex ``<!--.*?-->`` rescans to the end of the text for every unclosed
    ``<!--``, which makes a page of them take minutes. An unclosed comment stays text.
    """
    if "<!--" not in text:
        return text
    parts: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        parts.append(text[position:start])
        parts.append("\n" * text.count("\n", start, end))
        position = end + 3
    parts.append(text[position:])
    return "".join(parts)


def _heading_text(rest: str) -> str:
    """A heading's text without a closing run of ``#`` (string methods: the equivalent regex
    ``(.*?)\\s*#*\\s*$`` backtracks cubically on a long line of spaces)."""
    return rest.rstrip().rstrip("#").rstrip()


def _lines(text: str) -> Iterator[str]:
    """``text.splitlines()``; a huge file a chunk at a time, so that it is never one huge list."""
    if len(text) <= _CHUNK:
        return iter(text.splitlines())
    return _chunked_lines(text)


def _chunked_lines(text: str) -> Iterator[str]:
    position = 0
    while position < len(text):
        cut = text.find("\n", position + _CHUNK)
        end = len(text) if cut < 0 else cut + 1
        yield from text[position:end].splitlines()
        position = end


def parse_markdown(text: str, source_file: str, encoding: str | None = None) -> Document:
    """Split markdown text into tables and text lines, keeping every cell."""
    text = _blank_comments(text)
    blocks: list[Block] = []
    warnings: list[Notice] = []
    budget = MAX_CELLS
    pending_rows: list[list[str]] = []
    table_start = 0
    table_count = 0
    line_count = 0

    def flush_table() -> None:
        nonlocal pending_rows, table_count
        rows = [row for row in pending_rows if any(row)]
        if rows:
            blocks.append(Table(table_count, rows, origin=f"line {table_start}"))
            table_count += 1
        pending_rows = []

    last_row = ""  # the last pipe row, to tell a file cut inside a row
    open_rows = 0  # rows of the current table that end with a pipe
    stopped_at = 0
    for number, line in enumerate(_lines(text), start=1):
        if budget <= 0:
            stopped_at = number
            break
        stripped = line.strip()
        if stripped.startswith("|"):
            if not pending_rows:
                table_start = number
            last_row = stripped
            open_rows += stripped.endswith("|") and len(stripped) > 1
            if _is_separator(stripped):
                pending_rows.append([])
                continue
            cells = clean_cells(split_row(stripped, budget))
            budget -= len(cells)
            pending_rows.append(cells)
            continue
        if pending_rows:
            flush_table()
        if not stripped:
            continue
        last_row, open_rows = "", 0
        heading = 0
        match = _HEADING_MARK.match(stripped)
        if match:
            heading = len(match.group(1))
            stripped = _heading_text(stripped[match.end():])
        cleaned = clean_cell(stripped) if "<" in stripped or "&" in stripped else clean_text(stripped)
        if cleaned:
            blocks.append(TextLine(line_count, cleaned, heading=heading, origin=f"line {number}"))
            line_count += 1
            budget -= 1
    if pending_rows:
        flush_table()
    if budget <= 0:  # also when the cells ran out within the last line
        warnings.append(Notice("W_CAP_REACHED",
            f"more than {MAX_CELLS:,} table cells and text lines: reading stopped at line {stopped_at or number:,}, "
            "the rest of the file was not read"
        ))
    elif last_row and open_rows and not last_row.endswith("|"):
        warnings.append(Notice("W_FILE_TRUNCATED",
                               f"the file ends inside a table row (line {number:,}): it may have been cut short"))
    return Document(source_file=source_file, blocks=blocks, encoding=encoding, warnings=warnings)
