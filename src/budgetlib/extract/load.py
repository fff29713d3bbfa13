"""Pick the reader for a file and turn it into documents (one per form-bearing part).

| format | suffixes | read by | needs |
|---|---|---|---|
| markdown, plain text | .md .markdown .txt | :mod:`~budgetlib.extract.markdown` | -- |
| HTML | .html .htm .shtml .xhtml | :mod:`~budgetlib.extract.html` (lxml) | -- |
| xlsx | .xlsx .xlsm | :mod:`~budgetlib.extract.xlsx` (python-calamine; openpyxl for formulas) | -- |
| xls (BIFF8), WPS .et | .xls .et | :mod:`~budgetlib.extract.xls` (xlrd) | -- |
| docx | .docx .docm | :mod:`~budgetlib.extract.docx` | -- |
| Word 2003 XML | .doc .xml (content decides) | :mod:`~budgetlib.extract.docx` | -- |
| Word XML (Flat OPC, Word 2007+) | .xml (content decides) | :mod:`~budgetlib.extract.docx` | -- |
| Excel 2003 XML (SpreadsheetML) | .xml .xls (content decides) | :mod:`~budgetlib.extract.spreadsheetml` (lxml) | -- |
| PDF with a text layer | .pdf | :mod:`~budgetlib.extract.pdf` (pdfplumber) | -- |
| .doc, .wps, .ods, .odt | | converted by LibreOffice, then read as docx/xlsx | ``soffice`` on PATH |

The content decides, the suffix only breaks ties: published files are often misnamed (an HTML page
saved as .xls, a workbook without a suffix), and a misnamed file is read for what it is, with a warning.
Among text formats the suffix wins: a .md/.markdown/.txt file is markdown whatever HTML its cells hold
(``<table>`` inside a cell is cell text), unless it is a whole HTML page (it starts with ``<!DOCTYPE
html>`` or ``<html>``), which is read as HTML with a warning.
"""

from __future__ import annotations

import os
import stat
import zipfile
from contextlib import redirect_stdout
from io import BytesIO
from pathlib import Path

from budgetlib.extract.convert import convert
from budgetlib.extract.document import Document, UnreadableFileError
from budgetlib.extract.encoding import binary_kind, decode_bytes
from budgetlib.extract.markdown import parse_markdown
from budgetlib.extract.radicals import standardize_radicals
from budgetlib.notices import Notice

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
XLS_SUFFIXES = frozenset({".xls", ".et"})
DOCX_SUFFIXES = frozenset({".docx", ".docm"})
PDF_SUFFIXES = frozenset({".pdf"})
CONVERTED_SUFFIXES = frozenset({".doc", ".wps", ".ods", ".odt"})
"""Read only through LibreOffice (see :mod:`budgetlib.extract.convert`)."""
XML_SUFFIXES = frozenset({".xml"})
"""XML of any kind: read when its root element is an Office document's (:func:`xml_kind`)."""
SUPPORTED_SUFFIXES = (
    MARKDOWN_SUFFIXES | HTML_SUFFIXES | XLSX_SUFFIXES | XLS_SUFFIXES | DOCX_SUFFIXES | PDF_SUFFIXES
    | CONVERTED_SUFFIXES
)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_KIND_NAMES = {
    "xlsx": "an xlsx workbook",
    "html": "an HTML page",
    "markdown": "plain text",
    "xls": "an old Excel workbook (.xls)",
    "docx": "a Word document (.docx)",
    "pdf": "a PDF",
    "doc": "an old Word document (.doc)",
    "wordml": "a Word 2003 XML document",
    "flatopc": "a Word XML document (Flat OPC)",
    "spreadsheetml": "an Excel 2003 XML spreadsheet",
    "opendocument": "an OpenDocument file (.ods/.odt)",
}
_FAMILY_BY_SUFFIX = {
    **dict.fromkeys(XLSX_SUFFIXES, "xlsx"),
    **dict.fromkeys(MARKDOWN_SUFFIXES | HTML_SUFFIXES, "text"),
    **dict.fromkeys(XLS_SUFFIXES, "xls"),
    **dict.fromkeys(DOCX_SUFFIXES, "docx"),
    **dict.fromkeys(PDF_SUFFIXES, "pdf"),
    ".doc": "doc",
    ".wps": "doc",
    ".ods": "opendocument",
    ".odt": "opendocument",
}

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Larger files are refused before they are read: real form files are a few hundred KB, and the
readers' working memory grows with the file (an HTML tree takes about 30 times its size)."""


def sniff_format(path: Path, head: bytes) -> str:
    """'markdown', 'html', 'xlsx', 'pdf', 'ole', 'wordml', 'flatopc' or 'spreadsheetml', from the content
    first and the suffix second.

    Content wins because published files are often misnamed (an HTML page saved as .xls, a workbook
    without a suffix); between the two text formats the suffix wins (a markdown cell may hold HTML
    markup), unless a text-suffixed file is a whole HTML page (:func:`is_html_page`). 'xlsx' stands for
    any zip package (docx and OpenDocument are told apart by :func:`_package_kind`), 'ole' for any OLE2
    compound file (.xls, .doc, .et, .wps, an encrypted xlsx), 'wordml' for a Word 2003 XML document
    (:func:`is_word_xml`), which web applications' "导出Word" writes and names .doc, 'flatopc' for a Word
    XML document and 'spreadsheetml' for an Excel 2003 XML spreadsheet (:func:`xml_kind`; web
    applications' "导出Excel" writes one and names it .xls).
    """
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if is_word_xml(head):
        return "wordml"
    office_xml = xml_kind(head)
    if office_xml in OFFICE_XML_KINDS:
        return office_xml
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        # A text suffix wins over markup inside the text: a markdown cell may hold inline HTML
        # ("<table>" in a cell is cell text). Only a whole HTML page is read as HTML (with a warning).
        return "html" if is_html_page(head) else "markdown"
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


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_WORD_2003_NAMESPACE = b"schemas.microsoft.com/office/word/2003/wordml"


def is_word_xml(head: bytes) -> bool:
    """True for a Word 2003 XML document: an XML file whose root is ``w:wordDocument`` in Word 2003's
    namespace (it usually follows ``<?mso-application progid="Word.Document"?>``).

    >>> is_word_xml(b'<?xml version="1.0"?><w:wordDocument xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml">')
    True
    >>> is_word_xml(b"<html><body>wordDocument</body></html>")
    False
    """
    sample = head[:8192].lstrip(b"\xef\xbb\xbf \t\r\n")
    return sample.startswith(b"<?xml") and b"wordDocument" in sample and _WORD_2003_NAMESPACE in sample


OFFICE_XML_KINDS = frozenset({"wordml", "flatopc", "spreadsheetml"})
"""The kinds of XML read as forms (:func:`xml_kind`)."""
_ROOTS = {
    ("http://schemas.microsoft.com/office/word/2003/wordml", "wordDocument"): "wordml",
    ("http://schemas.microsoft.com/office/2006/xmlPackage", "package"): "flatopc",
    ("urn:schemas-microsoft-com:office:spreadsheet", "Workbook"): "spreadsheetml",
}
_SNIFF_CHUNK = 512


def xml_root(head: bytes) -> tuple[str, str] | None:
    """(namespace, local name) of the root element of the XML that ``head`` begins, or None when it
    begins no XML document (or its root element does not begin within ``head``).

    Parsed by lxml as far as the root's start tag, in whatever encoding the XML declares, with no
    entity resolved and no DTD loaded.

    >>> xml_root(b'<?xml version="1.0"?><!-- a note --><ss:Workbook xmlns:ss="urn:x">')
    ('urn:x', 'Workbook')
    >>> xml_root(b"| a | b |") is None
    True
    """
    if not head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n\x00").startswith(b"<"):
        return None
    from lxml import etree  # here: a text form never needs it

    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, load_dtd=False, no_network=True,
                                 recover=False)
    try:
        for start in range(0, len(head), _SNIFF_CHUNK):
            parser.feed(head[start : start + _SNIFF_CHUNK])
            for _, element in parser.read_events():
                name = etree.QName(element)
                return name.namespace or "", name.localname
    except (etree.XMLSyntaxError, ValueError, LookupError):
        return None
    return None


def xml_kind(head: bytes) -> str | None:
    """What XML ``head`` begins, by its root element: 'wordml' (``w:wordDocument``, Word 2003 XML),
    'flatopc' (``pkg:package``: Word 2007+ saved as XML), 'spreadsheetml' (``Workbook`` of Excel 2003
    XML), 'xml' for any other XML, None for no XML.

    >>> xml_kind(b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">')
    'spreadsheetml'
    >>> xml_kind(b'<?xml version="1.0"?><configuration><a/></configuration>')
    'xml'
    """
    root = xml_root(head)
    if root is None:
        return None
    return _ROOTS.get(root, "xml")


def is_html_page(head: bytes) -> bool:
    """True when the text begins as an HTML page does (``<!DOCTYPE html``, ``<html``, after an XML
    declaration or comments), in UTF-8, GB18030 or UTF-16: what a page saved under a text suffix holds.

    >>> is_html_page(b"<!DOCTYPE html><html>"), is_html_page(b"# form\\n| a | <table> |"), is_html_page(b"  <HTML>")
    (True, False, True)
    """
    sample = head[:2048]
    for bom in _BOMS:
        if sample.startswith(bom):
            sample = sample[len(bom):]
            break
    if b"\x00" in sample[:64]:
        sample = sample.replace(b"\x00", b"")  # UTF-16: its ASCII markup is every other byte
    text = sample.lstrip().lower()
    while text.startswith((b"<?xml", b"<!--")):  # an XHTML page's declaration, a comment before the page
        end = text.find(b"?>" if text.startswith(b"<?xml") else b"-->")
        if end < 0:
            return False
        text = text[end + (2 if text.startswith(b"<?xml") else 3):].lstrip()
    return text.startswith((b"<!doctype html", b"<html"))


def load_document(path: Path | str, display_name: str | None = None) -> list[Document]:
    """Read one file into its documents: one for text formats, one per sheet for workbooks.

    Raises :class:`UnreadableFileError` with a reason a person can act on.
    """
    path = Path(path)
    name = display_name or path.name
    data = read_bounded(path)
    if not data.strip():
        raise UnreadableFileError("E_EMPTY_FILE", "the file is empty")
    kind = sniff_format(path, data[:8192])
    if kind == "xlsx" and not data.startswith(_ZIP_MAGIC):
        if binary_kind(data[:32]):
            raise UnreadableFileError("E_BINARY",
                                      f"binary content (looks like {binary_kind(data[:32])}), not an xlsx workbook")
        if not zipfile.is_zipfile(BytesIO(data)):  # (a zip may start after other bytes: then it is read)
            raise _not_a_workbook(data)
    if kind == "xlsx":
        kind = _package_kind(data, path.suffix.lower())
    elif kind == "ole":
        kind = _ole_kind(data)
    misnamed = _misnamed(path, kind)
    try:
        documents = _read(kind, data, name, path.suffix.lower())
    except UnreadableFileError as error:
        if misnamed and kind in ("pdf", "xls", "doc", "docx", "opendocument", "wordml", "flatopc", "spreadsheetml"):
            raise UnreadableFileError(
                error.code,
                f"binary content (looks like {_KIND_NAMES[kind]}) in a file named {path.suffix.lower()}: {error}",
            ) from error
        raise
    if misnamed is not None and documents:
        documents[0].warnings.insert(0, misnamed)
    return [standardize_radicals(document) for document in documents]


_TEXT_SAMPLE = 65536


def _not_a_workbook(data: bytes) -> UnreadableFileError:
    """The error for a file named as an xlsx workbook that holds no zip archive at all (an xlsx is one),
    saying what it holds instead: text of some kind (a CSV export is the usual one), or binary content."""
    sample = data[:_TEXT_SAMPLE]
    if len(data) > len(sample) and (cut := sample.rfind(b"\n")) > 0:
        sample = sample[:cut]  # whole lines: no character cut in two
    try:
        text = decode_bytes(sample)[0]
    except UnreadableFileError as error:
        return UnreadableFileError(error.code, f"{error}; named as an xlsx workbook, it holds no zip archive")
    return UnreadableFileError(
        "E_BROKEN_FILE",
        f"not an xlsx workbook: the file holds {describe_text(text)}, not the zip archive an xlsx is; "
        "open it in Excel or WPS and save it as .xlsx"
    )


def describe_text(text: str) -> str:
    """What a text looks like, for messages: comma- or tab-separated values, a markdown table, plain text.

    >>> describe_text("项目名称,水标尺\\n主管部门,水利局\\n"), describe_text("| a | b |\\n|---|---|\\n")
    ('comma-separated text (a CSV file)', 'a markdown table')
    >>> describe_text("hello")
    'plain text'
    """
    lines = [line for line in text.splitlines()[:200] if line.strip()][:50]
    if not lines:
        return "blank text"
    half = len(lines) / 2
    if sum(line.lstrip().startswith("|") for line in lines) >= half:
        return "a markdown table"
    if sum("\t" in line for line in lines) >= half:
        return "tab-separated text (a CSV or TSV export)"
    if sum("," in line for line in lines) >= half:
        return "comma-separated text (a CSV file)"
    return "plain text"


def _read(kind: str, data: bytes, name: str, suffix: str) -> list[Document]:
    """The documents of ``data`` read as ``kind``.

    Each binary format's reader (and the HTML reader) is imported when a file of that kind comes:
    together they take about 40 ms to import, a twentieth of ``budgetlib parse one.md``."""
    if kind == "xlsx":
        from budgetlib.extract.xlsx import read_xlsx

        return read_xlsx(data, name)
    if kind == "xls":
        from budgetlib.extract.xls import read_xls

        return read_xls(data, name)
    if kind == "docx":
        from budgetlib.extract.docx import read_docx

        return read_docx(data, name)
    if kind == "wordml":
        from budgetlib.extract.docx import read_word_xml

        return read_word_xml(data, name)
    if kind == "flatopc":
        from budgetlib.extract.docx import read_flat_opc

        return read_flat_opc(data, name)
    if kind == "spreadsheetml":
        from budgetlib.extract.spreadsheetml import read_spreadsheet_xml

        return read_spreadsheet_xml(data, name)
    if kind == "pdf":
        from budgetlib.extract.pdf import read_pdf

        return read_pdf(data, name)
    if kind in ("doc", "opendocument"):
        converted = convert(data, kind, suffix)
        documents = _read(converted.kind, converted.data, name, converted.suffix)
        for document in documents[:1]:
            document.warnings.insert(0, Notice("W_CONVERTED", converted.note))
        return documents
    text, encoding, warnings = decode_bytes(data)
    if kind == "html":
        from budgetlib.extract.html import parse_html

        document = parse_html(text, name, encoding)
    else:
        document = parse_markdown(text, name, encoding)
    document.warnings[:0] = warnings
    return [document]


def _package_kind(data: bytes, suffix: str) -> str:
    """'docx' or 'opendocument' for those zip packages; 'xlsx' for everything else (the xlsx reader
    says what a zip that is no workbook is). A zip too broken to list (zipfile refuses some with
    NotImplementedError: a "version needed" it does not know) is taken for what its suffix says."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist()[:10_000])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return "docx" if suffix in DOCX_SUFFIXES else "xlsx"
    if "xl/workbook.xml" in names or any(name.endswith("workbook.xml") for name in names):
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "content.xml" in names and "mimetype" in names:
        return "opendocument"
    return "xlsx"


def _ole_kind(data: bytes) -> str:
    """'xls' or 'doc' for an OLE2 compound file, by the streams it holds; refuses other kinds."""
    from xlrd import compdoc

    try:
        with open(os.devnull, "w") as devnull, redirect_stdout(devnull):
            streams = {entry.name for entry in compdoc.CompDoc(data, logfile=devnull).dirlist}
    except Exception as error:
        raise UnreadableFileError(
            "E_BROKEN_FILE",
            "an old Office file (OLE2: .xls/.doc) that cannot be read "
            f"({type(error).__name__}: {str(error)[:120]}); open it in Excel, Word or WPS and re-save it as "
            ".xlsx or .docx"
        ) from error
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        raise UnreadableFileError("E_ENCRYPTED",
                                  "an encrypted (password-protected) Office file; save a copy without the password")
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    if "WordDocument" in streams:
        return "doc"
    if "PowerPoint Document" in streams:
        raise UnreadableFileError("E_BINARY", "a PowerPoint presentation (.ppt), not a form")
    raise UnreadableFileError(
        "E_BINARY",
        "an old Office file (OLE2) that is neither a workbook nor a Word document; "
        "re-save it as .xlsx or .docx"
    )


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
        raise UnreadableFileError("E_NOT_A_FILE", "not a regular file (a device, pipe or socket), not a form")
    if info.st_size > MAX_FILE_BYTES:
        raise UnreadableFileError("E_TOO_LARGE", _too_large(info.st_size))
    with path.open("rb") as handle:  # buffered: a read returns less than asked only at the end
        # the size stat gave and a byte more, to see whether the file grew: asking for the limit itself
        # made Python allocate 32 MB for every file, 30 µs of a form's 40 µs of reading
        data = handle.read(info.st_size + 1)
        if len(data) > info.st_size:
            parts = [data]
            size = len(data)
            while size <= MAX_FILE_BYTES and (part := handle.read(min(_READ_CHUNK, MAX_FILE_BYTES + 1 - size))):
                parts.append(part)
                size += len(part)
            data = b"".join(parts)
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFileError("E_TOO_LARGE", _too_large(len(data)))
    return data


_READ_CHUNK = 1 << 20


def _too_large(size: int) -> str:
    mib = 1024 * 1024
    return f"file too large ({size / mib:,.1f} MB; the limit is {MAX_FILE_BYTES / mib:,.0f} MB), not read"


def _misnamed(path: Path, kind: str) -> Notice | None:
    """A warning when the content is not what the suffix says (an HTML page saved as .xlsx)."""
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES and kind == "html":
        return Notice("W_SUFFIX_MISMATCH",
                      f"the file is named {suffix} but holds a whole HTML page; it was read as HTML")
    named = _FAMILY_BY_SUFFIX.get(suffix)
    found = "text" if kind in ("html", "markdown") else kind
    if named is None or named == found:
        return None
    return Notice("W_SUFFIX_MISMATCH", f"the file is named {suffix} but holds {_KIND_NAMES[kind]}; it was read as such")
