"""Pick the reader for a file and turn it into documents (one per form-bearing part)."""

from __future__ import annotations

from pathlib import Path

from budgetlib.extract.document import Document, UnreadableFileError
from budgetlib.extract.encoding import decode_bytes
from budgetlib.extract.html import parse_html
from budgetlib.extract.markdown import parse_markdown
from budgetlib.extract.xlsx import read_xlsx

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | XLSX_SUFFIXES

_ZIP_MAGIC = b"PK\x03\x04"


def sniff_format(path: Path, head: bytes) -> str:
    """'markdown', 'html' or 'xlsx', from the content first and the suffix second.

    Content wins because published files are often misnamed (an HTML page saved as .xls, a workbook
    without a suffix).
    """
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    suffix = path.suffix.lower()
    sample = head[:4096].lower()
    if b"<table" in sample or b"<html" in sample or b"<!doctype html" in sample:
        return "html"
    # UTF-16 text hides its ASCII markup behind NUL bytes
    if b"\x00" in sample and (b"<\x00t\x00a\x00b\x00l\x00e" in sample or b"t\x00a\x00b\x00l\x00e" in sample):
        return "html"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    return "markdown"


def load_document(path: Path | str, display_name: str | None = None) -> list[Document]:
    """Read one file into its documents: one for text formats, one per sheet for workbooks.

    Raises :class:`UnreadableFileError` with a reason a person can act on.
    """
    path = Path(path)
    name = display_name or path.name
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFileError("the file is empty")
    kind = sniff_format(path, data[:8192])
    if kind == "xlsx":
        return read_xlsx(data, name)
    text, encoding, warnings = decode_bytes(data)
    document = parse_html(text, name, encoding) if kind == "html" else parse_markdown(text, name, encoding)
    document.warnings[:0] = warnings
    return [document]
