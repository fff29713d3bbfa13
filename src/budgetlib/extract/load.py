"""Pick the reader for a file and turn it into documents (one per form-bearing part)."""

from __future__ import annotations

import stat
from pathlib import Path

from budgetlib.extract.document import Document, UnreadableFileError
from budgetlib.extract.encoding import binary_kind, decode_bytes
from budgetlib.extract.html import parse_html
from budgetlib.extract.markdown import parse_markdown
from budgetlib.extract.xlsx import read_xlsx

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | XLSX_SUFFIXES

_ZIP_MAGIC = b"PK\x03\x04"

_KIND_NAMES = {"xlsx": "an xlsx workbook", "html": "an HTML page", "markdown": "plain text"}

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Larger files are refused before they are read: real form files are a few hundred KB, and the
readers' working memory grows with the file (an HTML tree takes about 30 times its size)."""


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
    data = read_bounded(path)
    if not data.strip():
        raise UnreadableFileError("the file is empty")
    kind = sniff_format(path, data[:8192])
    misnamed = _misnamed(path, kind)
    if kind == "xlsx" and not data.startswith(_ZIP_MAGIC) and binary_kind(data[:32]):
        raise UnreadableFileError(f"binary content (looks like {binary_kind(data[:32])}), not an xlsx workbook")
    if kind == "xlsx":
        documents = read_xlsx(data, name)
        for document in documents[:1] if misnamed else ():
            document.warnings.insert(0, misnamed)
        return documents
    text, encoding, warnings = decode_bytes(data)
    document = parse_html(text, name, encoding) if kind == "html" else parse_markdown(text, name, encoding)
    document.warnings[:0] = [*([misnamed] if misnamed else []), *warnings]
    return [document]


def read_bounded(path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`.

    A path named on the command line can be anything: a device such as ``/dev/zero`` never ends and a
    named pipe blocks until someone writes to it, so only regular files are opened, and no more than
    the limit is ever read (the size ``stat`` reports may change while reading).
    """
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(str(path))
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFileError("not a regular file (a device, pipe or socket), not a form")
    if info.st_size > MAX_FILE_BYTES:
        raise UnreadableFileError(_too_large(info.st_size))
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFileError(_too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    mib = 1024 * 1024
    return f"file too large ({size / mib:,.1f} MB; the limit is {MAX_FILE_BYTES / mib:,.0f} MB), not read"


def _misnamed(path: Path, kind: str) -> str | None:
    """A warning when the content is not what the suffix says (an HTML page saved as .xlsx)."""
    suffix = path.suffix.lower()
    named = "xlsx" if suffix in XLSX_SUFFIXES else "text" if suffix in MARKDOWN_SUFFIXES | HTML_SUFFIXES else None
    found = "xlsx" if kind == "xlsx" else "text"
    if named is None or named == found:
        return None
    return f"the file is named {suffix} but holds {_KIND_NAMES[kind]}; it was read as such"
