"""Read forms published as markdown (pipe tables with inline HTML, headings, loose lines).

A small line-based reader rather than a CommonMark parser: GFM table rules drop every cell beyond the
header row's width and end a table at the first line without a pipe, and published forms routinely
have rows longer than their (often empty) header row. Losing those cells would lose data, so each
pipe row keeps all of its cells here.
"""

from __future__ import annotations

import re

from budgetlib.extract.document import Block, Document, Table, TextLine
from budgetlib.extract.text import clean_cell, clean_text

_SEPARATOR_ROW = re.compile(r"^\|?[\s:|\-]*-[\s:|\-]*\|?$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def split_row(line: str) -> list[str]:
    """The raw cells of one pipe-table line; ``\\|`` is a literal pipe inside a cell."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    if "\\|" in body:
        return [cell.replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(body)]
    return body.split("|")


def parse_markdown(text: str, source_file: str, encoding: str | None = None) -> Document:
    """Split markdown text into tables and text lines, keeping every cell."""
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    blocks: list[Block] = []
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

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("|"):
            if not pending_rows:
                table_start = number
            if _SEPARATOR_ROW.match(stripped):
                pending_rows.append([])
                continue
            pending_rows.append([clean_cell(cell) for cell in split_row(stripped)])
            continue
        if pending_rows:
            flush_table()
        if not stripped:
            continue
        heading = 0
        match = _HEADING.match(stripped)
        if match:
            heading = len(match.group(1))
            stripped = match.group(2)
        cleaned = clean_cell(stripped) if "<" in stripped or "&" in stripped else clean_text(stripped)
        if cleaned:
            blocks.append(TextLine(line_count, cleaned, heading=heading, origin=f"line {number}"))
            line_count += 1
    if pending_rows:
        flush_table()
    return Document(source_file=source_file, blocks=blocks, encoding=encoding)
