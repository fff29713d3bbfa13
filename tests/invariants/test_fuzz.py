"""Property-based tests and a mutation fuzzer over the real example forms.

Each case is a file made from a real example: its blocks mutated (rows and cells deleted, duplicated,
swapped or shifted; cells replaced by random text, numbers, Chinese numerals, markup or form labels;
tables deleted, duplicated or split; text lines dropped or added; another form appended), written as markdown, HTML or xlsx
(with or without merged cells), and sometimes damaged as bytes (truncated, re-encoded, random bytes
inserted, a ``<script>`` inserted, odd ``rowspan``/``colspan`` values, a wrong suffix, or replaced by
random bytes altogether). Office files are fuzzed as the office suite saved them: the thirteen examples'
.xls, .docx, .pdf and .xlsx made by LibreOffice (``tests/fixtures/office``), mutated one to three
times -- bits flipped, bytes cut, zeroed, duplicated or inserted; zip members corrupted, dropped,
renamed, duplicated, a header field falsified, or a zip bomb added; the XML inside a docx or xlsx mutated (cells, rows and
tables dropped or nested, odd gridSpan/vMerge/merge ranges, texts replaced, tags unbalanced, an entity
declared, the encoding lied about); PDF objects dropped, streams damaged, references redirected,
lengths and the cross-reference table falsified; an .xls's compound-file header and its BIFF records
(cell string indexes, merged ranges) falsified -- and read as a folder, under names that are sometimes
those of lock or temporary files. Several cases are read in one ``read_forms`` call, and whatever
they are:

* ``read_forms`` never raises;
* every input file is in ``projects``, in ``errors`` or (read as a folder) in ``skipped``: no file is lost;
* every non-empty cell and text line of every form read is claimed (``provenance``) or ``unparsed``;
* with every money unit removed from a form, every ``*_yuan`` value is empty (none is invented);
* reading is deterministic: the same files give the same tables.

Quick mode (the default, for CI) runs a few hundred cases, derandomized so that every run is the same.
``BUDGETLIB_FUZZ_CASES=10000`` (``make test-extended``) runs that many cases with fresh random draws.
Failures found by the fuzzer are kept below as explicit regression tests.
"""

from __future__ import annotations

import copy
import io
import os
import re
import struct
import time
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

import budgetlib as bl
from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.extract.load import load_document
from budgetlib.testing import document_to_html, document_to_markdown, document_to_xlsx, unaccounted_cells
from tests.conftest import ALL_EXAMPLES, EXAMPLES, FIXTURES, OFFICE_EXAMPLES, SEED
from tests.invariants.indicator_invariant import silent_indicator_tables

CASES = int(os.environ.get("BUDGETLIB_FUZZ_CASES") or 0)
"""Cases to run in all (0: the quick mode)."""
EXTENDED = CASES > 0
FILES_PER_CALL = 3

# Shares of the cases per test, and the quick mode's examples per test.
_SHARES = {"mutations": 0.45, "bytes": 0.15, "office": 0.2, "no_unit": 0.1, "deterministic": 0.1}
_QUICK = {"mutations": 60, "bytes": 25, "office": 25, "no_unit": 25, "deterministic": 10}

settings.register_profile(
    "budgetlib-fuzz-ci", derandomize=True, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
settings.register_profile(
    "budgetlib-fuzz-extended", derandomize=False, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
_PROFILE = settings.get_profile("budgetlib-fuzz-extended" if EXTENDED else "budgetlib-fuzz-ci")


def fuzz_settings(test: str, files_per_example: int) -> settings:
    examples = max(1, round(CASES * _SHARES[test] / files_per_example)) if EXTENDED else _QUICK[test]
    return settings(_PROFILE, max_examples=examples)


STATS: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print the module's totals (cases, files in errors, files lost, time) after its tests."""
    start = time.perf_counter()
    yield
    line = (f"fuzz: {STATS['cases']:,} cases ({STATS['calls']:,} read_forms calls; {STATS['office']:,} of them "
            f"office files), {STATS['crashes']} crashes, {STATS['lost_files']} files lost, {STATS['lost_cells']} "
            f"cells lost, {STATS['read']:,} read, {STATS['errors']:,} in errors, {STATS['skipped']:,} skipped, "
            f"{time.perf_counter() - start:,.1f} s")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(f"\n{line}")


# --- the examples as documents ---------------------------------------------------------------------


def _base_documents() -> dict[str, Document]:
    return {name: load_document(EXAMPLES / name)[0] for name in ALL_EXAMPLES}


BASE = _base_documents()


# --- values a cell may be replaced with ------------------------------------------------------------

ODD_VALUES = [
    "1e308", "-5万", "NaN", "inf", "-inf", "1,2,3", "１２３", "伍拾万元", "壹佰零伍万元整", "三点五万", "0x10", "∞",
    "—", "/", "", " ", "100%", "≥90%", "≤0", "0.000001", "99999999999999999999", "１２３万元", "五十万", "一" * 400,
    "2023.07-2024.01", "202001-202012", "10辆", "合计", "小计", "其中：", "单位：万元", "资金单位：元", "（万元）",
]
MARKUP = [
    "<script>alert(1)</script>", "<b>粗</b>", "<!--", "-->", "|", "\\|", "&amp;", "&#0;", "&lt;td&gt;", "<br>", "<p>",
    "<table><tr><td>项目名称</td><td>嵌套</td></tr></table>", "]]>", "<![CDATA[x]]>", "=1+1", "@SUM(A1)",
    '=HYPERLINK("http://example.invalid","x")', "# 标题", "> 引用", "```", "\u200b", "\ufeff", "\u3000",
]
LABELS = [
    "项目名称", "项目代码", "主管部门", "实施单位", "项目负责人", "一级指标", "二级指标", "三级指标", "指标值", "指标内容",
    "完成值", "权重", "分值", "得分", "年初预算", "全年预算数", "执行数", "执行率", "经济科目款名称", "项目资金来源",
    "项目总预算", "项目当年预算", "产出指标", "效益指标", "满意度指标", "成本指标", "数量指标", "质量指标", "时效指标",
    "社会效益指标", "服务对象满意度指标", "绩效指标", "预算执行情况", "总分", "项目资金", "资金总额",
]
CHINESE_NUMERALS = st.text(alphabet="零〇一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟两点元整", min_size=1, max_size=14)
VALUES = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.sampled_from(MARKUP),
    st.sampled_from(LABELS),
    CHINESE_NUMERALS,
    st.integers(-10**15, 10**15).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=40),
    st.text(alphabet="项目名称一级指标二级指标元万：:|<>&;#（）()0123456789 \n", max_size=30),
    st.builds(lambda unit, count: unit * count,  # long runs: what makes a careless regex slow
              st.sampled_from(["一", "9", "|", "<", "<!--", "：", " ", "(", "万", "a ", "1,", "<b>", "&amp;"]),
              st.integers(50, 3_000)),
)


# --- mutations of a document's blocks ----------------------------------------------------------------

Draw = Callable[[st.SearchStrategy], object]


def _tables(doc: Document) -> list[int]:
    return [i for i, block in enumerate(doc.blocks) if isinstance(block, Table) and block.rows]


def _pick_row(doc: Document, draw: Draw) -> tuple[Table, int] | None:
    tables = _tables(doc)
    if not tables:
        return None
    table = doc.blocks[draw(st.sampled_from(tables))]
    assert isinstance(table, Table)
    return table, draw(st.integers(0, len(table.rows) - 1))


def _pick_cell(doc: Document, draw: Draw) -> tuple[list[str], int] | None:
    picked = _pick_row(doc, draw)
    if picked is None:
        return None
    table, row = picked
    cells = table.rows[row]
    if not cells:
        return None
    return cells, draw(st.integers(0, len(cells) - 1))


def delete_row(doc: Document, draw: Draw) -> None:
    if picked := _pick_row(doc, draw):
        del picked[0].rows[picked[1]]


def duplicate_row(doc: Document, draw: Draw) -> None:
    if picked := _pick_row(doc, draw):
        table, row = picked
        table.rows.insert(row, list(table.rows[row]))


def swap_rows(doc: Document, draw: Draw) -> None:
    if picked := _pick_row(doc, draw):
        table, row = picked
        other = draw(st.integers(0, len(table.rows) - 1))
        table.rows[row], table.rows[other] = table.rows[other], table.rows[row]


def shift_row(doc: Document, draw: Draw) -> None:
    if picked := _pick_row(doc, draw):
        cells = picked[0].rows[picked[1]]
        if draw(st.booleans()):
            cells[:0] = [""] * draw(st.integers(1, 2))
        elif cells:
            del cells[0]


def delete_cell(doc: Document, draw: Draw) -> None:
    if picked := _pick_cell(doc, draw):
        del picked[0][picked[1]]


def duplicate_cell(doc: Document, draw: Draw) -> None:
    if picked := _pick_cell(doc, draw):
        cells, col = picked
        cells.insert(col, cells[col])


def swap_cells(doc: Document, draw: Draw) -> None:
    if picked := _pick_cell(doc, draw):
        cells, col = picked
        other = draw(st.integers(0, len(cells) - 1))
        cells[col], cells[other] = cells[other], cells[col]


def replace_cell(doc: Document, draw: Draw) -> None:
    if picked := _pick_cell(doc, draw):
        cells, col = picked
        cells[col] = str(draw(VALUES))


def delete_block(doc: Document, draw: Draw) -> None:
    if doc.blocks:
        del doc.blocks[draw(st.integers(0, len(doc.blocks) - 1))]


def duplicate_table(doc: Document, draw: Draw) -> None:
    tables = _tables(doc)
    if tables:
        index = draw(st.sampled_from(tables))
        doc.blocks.insert(draw(st.integers(0, len(doc.blocks))), copy.deepcopy(doc.blocks[index]))


def swap_blocks(doc: Document, draw: Draw) -> None:
    if len(doc.blocks) > 1:
        a, b = draw(st.integers(0, len(doc.blocks) - 1)), draw(st.integers(0, len(doc.blocks) - 1))
        doc.blocks[a], doc.blocks[b] = doc.blocks[b], doc.blocks[a]


def split_table(doc: Document, draw: Draw) -> None:
    if (picked := _pick_row(doc, draw)) and picked[1] > 0:
        table, row = picked
        index = doc.blocks.index(table)
        doc.blocks.insert(index + 1, Table(0, table.rows[row:]))
        del table.rows[row:]


def append_example(doc: Document, draw: Draw) -> None:
    """Another example's blocks after this one's: two forms in one file."""
    doc.blocks.extend(copy.deepcopy(BASE[draw(st.sampled_from(ALL_EXAMPLES))].blocks))


def add_text_line(doc: Document, draw: Draw) -> None:
    text = str(draw(st.one_of(VALUES, st.sampled_from(["单位：万元", "资金单位：元", "（续表）", "附件：", "注：说明"]))))
    doc.blocks.insert(draw(st.integers(0, len(doc.blocks))), TextLine(0, text, heading=draw(st.integers(0, 2))))


MUTATIONS = [
    delete_row, duplicate_row, swap_rows, shift_row, delete_cell, duplicate_cell, swap_cells, replace_cell,
    replace_cell, replace_cell, delete_block, duplicate_table, swap_blocks, split_table, add_text_line,
    append_example,
]


def mutate(doc: Document, draw: Draw, steps: int) -> Document:
    doc = copy.deepcopy(doc)
    for _ in range(steps):
        draw(st.sampled_from(MUTATIONS))(doc, draw)
    _renumber(doc)
    return doc


def _renumber(doc: Document) -> None:
    tables = lines = 0
    for block in doc.blocks:
        if isinstance(block, Table):
            block.table_no, tables = tables, tables + 1
        else:
            block.line_no, lines = lines, lines + 1


# --- writing a document in a format, and damaging bytes ----------------------------------------------

FORMATS = ("md", "html", "html-merged", "xlsx", "xlsx-merged", "xlsx-text")


def _xlsx_safe(doc: Document) -> Document:
    """The document without the characters XML cannot hold (a workbook cannot contain them)."""
    doc = copy.deepcopy(doc)
    for block in doc.blocks:
        if isinstance(block, TextLine):
            block.text = ILLEGAL_CHARACTERS_RE.sub("", block.text)
        else:
            block.rows = [[ILLEGAL_CHARACTERS_RE.sub("", text) for text in row] for row in block.rows]
    return doc


def render(doc: Document, fmt: str) -> tuple[str, bytes]:
    """(suffix, bytes) of the document written in ``fmt``."""
    if fmt == "md":
        return ".md", document_to_markdown(doc).encode("utf-8", errors="surrogatepass")
    if fmt.startswith("html"):
        return ".html", document_to_html(doc, merge=fmt.endswith("merged")).encode("utf-8", errors="surrogatepass")
    return ".xlsx", document_to_xlsx(_xlsx_safe(doc), merge=fmt.endswith("merged"), numbers=fmt != "xlsx-text")


ENCODINGS = ("gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32")


def _position(data: bytes, draw: Draw) -> int:
    """A position in ``data``, drawn as a share of its length: a workbook's bytes differ from one
    rendering to the next (its timestamps), and what hypothesis draws must not depend on them."""
    return len(data) * int(draw(st.integers(0, 10_000))) // 10_000


def damage(data: bytes, suffix: str, draw: Draw) -> tuple[str, bytes]:
    """Damage the bytes of a rendered file in one of several ways (or leave them)."""
    kind = draw(st.sampled_from(["none", "none", "truncate", "insert", "overwrite", "encode", "script", "random",
                                 "suffix", "spans"]))
    if kind == "truncate":
        return suffix, data[: _position(data, draw)]
    if kind == "insert":
        at = _position(data, draw)
        return suffix, data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    if kind == "overwrite":
        at = _position(data, draw)
        noise = draw(st.binary(min_size=1, max_size=32))
        return suffix, data[:at] + noise + data[at + len(noise):]
    if kind == "encode" and suffix != ".xlsx":
        return suffix, data.decode("utf-8", errors="replace").encode(draw(st.sampled_from(ENCODINGS)))
    if kind == "script" and suffix != ".xlsx":
        at = _position(data, draw)
        return suffix, data[:at] + b"<script>document.write('<table><tr><td>\xe9\xa1\xb9</td></tr>')</script>" + data[at:]
    if kind == "random":
        return suffix, draw(st.binary(max_size=2048))
    if kind == "spans" and suffix == ".html":  # odd spans on some cells: 0, huge, negative, junk
        spans = st.sampled_from(["0", "1", "2", "3", "7", "-1", "1000", "99999", "x", "2.5", " 3", ""])
        parts = data.split(b"<td>")
        for index in range(1, len(parts)):
            if draw(st.integers(0, 9)) == 0:
                span = f' rowspan="{draw(spans)}" colspan="{draw(spans)}"'.encode()
                parts[index] = span + b">" + parts[index]
            else:
                parts[index] = b">" + parts[index]
        return suffix, b"<td".join(parts)
    if kind == "suffix":
        return draw(st.sampled_from([".md", ".html", ".xlsx", ".txt", ".htm"])), data
    return suffix, data


@dataclass(frozen=True)
class Case:
    """One file to read: its name and bytes (and, for the report, what it was made from)."""

    name: str
    content: bytes
    origin: str = ""

    def __repr__(self) -> str:  # short, for hypothesis' falsifying examples
        return f"Case({self.name!r}, <{len(self.content)} bytes>, {self.origin!r})"


@st.composite
def mutated_files(draw: Draw, damaged: bool = False, no_unit: bool = False) -> Case:
    base = draw(st.sampled_from(ALL_EXAMPLES))
    doc = mutate(BASE[base], draw, draw(st.integers(0 if no_unit else 1, 5)))
    if no_unit:
        doc = without_money_units(doc)
    fmt = draw(st.sampled_from(FORMATS))
    suffix, data = render(doc, fmt)
    if damaged:
        suffix, data = damage(data, suffix, draw)
    return Case(f"case{suffix}", data, f"{base} as {fmt}")


def cases_per_call(strategy: st.SearchStrategy[Case], size: int = FILES_PER_CALL) -> st.SearchStrategy[list[Case]]:
    return st.lists(strategy, min_size=size, max_size=size)


# --- no unit anywhere ----------------------------------------------------------------------------------

_MONEY_UNIT_CHARACTERS = str.maketrans("", "", "元万亿")


def without_money_units(doc: Document) -> Document:
    """The document with no money unit left anywhere: every unit (元, 万元, 亿元, 千元, 人民币元 and the
    abbreviations 万, 亿) contains 元, 万 or 亿, so removing those characters removes every unit, in
    unit lines, column labels and cells alike."""
    doc = copy.deepcopy(doc)
    for block in doc.blocks:
        if isinstance(block, TextLine):
            block.text = block.text.translate(_MONEY_UNIT_CHARACTERS)
        else:
            block.rows = [[text.translate(_MONEY_UNIT_CHARACTERS) for text in row] for row in block.rows]
    return doc


# --- mutations of office files ---------------------------------------------------------------------------

OFFICE_FORMATS = ("xls", "docx", "pdf", "xlsx")
OFFICE_STEMS = tuple(Path(name).stem for name in OFFICE_EXAMPLES)
_OFFICE_BYTES: dict[tuple[str, str], bytes] = {}


def office_bytes(stem: str, fmt: str) -> bytes:
    """The example as LibreOffice saved it (read once)."""
    key = (stem, fmt)
    if key not in _OFFICE_BYTES:
        _OFFICE_BYTES[key] = (FIXTURES / "office" / fmt / f"{stem}.{fmt}").read_bytes()
    return _OFFICE_BYTES[key]


ByteMutation = Callable[[bytes, Draw], bytes]


def _span(data: bytes, draw: Draw, longest: int = 4096) -> tuple[int, int]:
    start = _position(data, draw)
    return start, min(len(data), start + int(draw(st.integers(1, longest))))


def flip_bits(data: bytes, draw: Draw) -> bytes:
    out = bytearray(data)
    for _ in range(int(draw(st.integers(1, 16)))):
        if out:
            at = min(_position(data, draw), len(out) - 1)
            out[at] ^= 1 << int(draw(st.integers(0, 7)))
    return bytes(out)


def truncate(data: bytes, draw: Draw) -> bytes:
    return data[: _position(data, draw)]


def cut_bytes(data: bytes, draw: Draw) -> bytes:
    start, end = _span(data, draw)
    return data[:start] + data[end:]


def zero_bytes(data: bytes, draw: Draw) -> bytes:
    start, end = _span(data, draw)
    return data[:start] + bytes(end - start) + data[end:]


def duplicate_bytes(data: bytes, draw: Draw) -> bytes:
    start, end = _span(data, draw)
    return data[:end] + data[start:end] + data[end:]


def insert_bytes(data: bytes, draw: Draw) -> bytes:
    at = _position(data, draw)
    return data[:at] + draw(st.binary(min_size=1, max_size=256)) + data[at:]


BYTE_MUTATIONS: list[ByteMutation] = [flip_bits, truncate, cut_bytes, zero_bytes, duplicate_bytes, insert_bytes]


# zip packages (docx, xlsx): members as the archive holds them, rewritten

def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def _zip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name", after zip_member_duplicated
        for info, content in members:
            archive.writestr(info, content)
    return out.getvalue()


def _with_member(data: bytes, draw: Draw, change: Callable[[str, bytes, Draw], bytes | None],
                 prefer: str = "") -> bytes:
    """The package with one member changed (None: dropped); ``prefer`` picks the members whose name
    starts with it when there are any."""
    members = _members(data)
    choices = [i for i, (info, _) in enumerate(members) if info.filename.startswith(prefer)] or list(range(len(members)))
    index = int(draw(st.sampled_from(choices)))
    info, content = members[index]
    changed = change(info.filename, content, draw)
    if changed is None:
        del members[index]
    else:
        members[index] = (info, changed)
    return _zip(members)


def zip_member_bytes(data: bytes, draw: Draw) -> bytes:
    """A member's content damaged (its XML or binary part broken; the archive itself sound)."""
    mutation = draw(st.sampled_from(BYTE_MUTATIONS))
    return _with_member(data, draw, lambda _, content, d: mutation(content, d))


def zip_member_dropped(data: bytes, draw: Draw) -> bytes:
    return _with_member(data, draw, lambda *_: None)


def zip_member_renamed(data: bytes, draw: Draw) -> bytes:
    members = _members(data)
    index = int(draw(st.integers(0, len(members) - 1)))
    info, content = members[index]
    renamed = copy.copy(info)
    renamed.filename = str(draw(st.sampled_from(["word/document2.xml", "xl/worksheets/sheet9.xml", "../x.xml",
                                                   "/abs.xml", info.filename.upper(), info.filename + "\\x", ""])))
    members[index] = (renamed, content) if renamed.filename else (info, content)
    return _zip(members)


def zip_member_duplicated(data: bytes, draw: Draw) -> bytes:
    """A second member of the same name (zip allows it; which one a reader takes is its business)."""
    members = _members(data)
    info, content = members[int(draw(st.integers(0, len(members) - 1)))]
    other = flip_bits(content, draw) if draw(st.booleans()) else content[: len(content) // 2]
    with_second = _zip(members)
    out = io.BytesIO(with_second)
    with zipfile.ZipFile(out, "a") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": the point
        archive.writestr(info.filename, other)
    return out.getvalue()


def zip_bomb_member(data: bytes, draw: Draw) -> bytes:
    """A member that inflates a thousand times (refused before anything is expanded)."""
    members = _members(data)
    size = int(draw(st.sampled_from([2, 8]))) * 1024 * 1024
    name = str(draw(st.sampled_from(["word/media/image1.png", "xl/sharedStrings.xml", "word/document.xml", "x.bin"])))
    members = [(info, content) for info, content in members if info.filename != name]
    members.append((zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), bytes(size)))
    return _zip(members)


def zip_garbage(data: bytes, draw: Draw) -> bytes:
    """Bytes before or after the archive, or its central directory damaged."""
    kind = draw(st.sampled_from(["before", "after", "directory"]))
    noise = draw(st.binary(min_size=1, max_size=512))
    if kind == "before":
        return noise + data
    if kind == "after":
        return data + noise
    at = max(0, len(data) - int(draw(st.integers(1, 400))))
    return data[:at] + noise[: len(data) - at] + data[at + len(noise):]


def zip_header_field(data: bytes, draw: Draw) -> bytes:
    """A field of a member's local or central header (version needed, flags, method, sizes) falsified."""
    headers = [(m.start(), central) for central, signature in ((False, b"PK\x03\x04"), (True, b"PK\x01\x02"))
               for m in re.finditer(re.escape(signature), data)]
    if not headers:
        return data
    at, central = headers[int(draw(st.integers(0, len(headers) - 1)))]
    field, width = draw(st.sampled_from([("version", 2), ("flags", 2), ("method", 2), ("compressed", 4), ("size", 4)]))
    offsets = {"version": 4, "flags": 6, "method": 8, "compressed": 18, "size": 22}
    offset = at + offsets[field] + (2 if central else 0)  # a central header has "version made by" first
    value = int(draw(st.sampled_from([0, 1, 0x20, 0x40, 0x41, 20, 45, 64, 99, 0xFFFF, 0xFFFFFFFF])))
    packed = struct.pack("<H" if width == 2 else "<I", value & (0xFFFF if width == 2 else 0xFFFFFFFF))
    return data[:offset] + packed + data[offset + width:]


ZIP_MUTATIONS: list[ByteMutation] = [zip_member_bytes, zip_member_dropped, zip_member_renamed,
                                     zip_member_duplicated, zip_bomb_member, zip_garbage, zip_header_field]

# the XML inside: mutated as text, so that it may stop being well-formed

_SPAN_VALUES = ["0", "1", "2", "7", "-1", "1000", "99999", "x", "", "2.5", "４"]


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _occurrences(xml: str, pattern: str) -> list[re.Match[str]]:
    return list(re.finditer(pattern, xml))


def drop_element(xml: str, draw: Draw) -> str:
    """An element from its opening tag to the next closing tag of its name (well-formed or not after)."""
    tag = str(draw(st.sampled_from(["w:tc", "w:tr", "w:tbl", "w:p", "w:r", "w:tcPr", "w:tblGrid", "w:t", "c", "row",
                                    "si", "mergeCells", "sheetData", "v"])))
    starts = _occurrences(xml, f"<{tag}[ >/]")
    if not starts:
        return xml
    start = starts[int(draw(st.integers(0, len(starts) - 1)))].start()
    end = xml.find(f"</{tag}>", start)
    return xml[:start] + xml[end + len(tag) + 3:] if end >= 0 else xml[:start]


def odd_span(xml: str, draw: Draw) -> str:
    """gridSpan / vMerge in a docx cell, a merge range in a sheet, set to odd values."""
    value = str(draw(st.sampled_from(_SPAN_VALUES)))
    props = _occurrences(xml, "<w:tcPr>")
    if props:
        at = props[int(draw(st.integers(0, len(props) - 1)))].end()
        extra = draw(st.sampled_from([f'<w:gridSpan w:val="{value}"/>', '<w:vMerge w:val="restart"/>', "<w:vMerge/>",
                                      f'<w:vMerge w:val="{value}"/>']))
        return xml[:at] + str(extra) + xml[at:]
    refs = _occurrences(xml, r'<mergeCell ref="[^"]*"/>')
    ref = str(draw(st.sampled_from(["A1:XFD1048576", "B2:A1", "ZZZ", "A1:A1", "C3:C99999", "", "A0:B0"])))
    if refs:
        match = refs[int(draw(st.integers(0, len(refs) - 1)))]
        return xml[:match.start()] + f'<mergeCell ref="{ref}"/>' + xml[match.end():]
    return xml.replace("</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>', 1)


def replace_text(xml: str, draw: Draw) -> str:
    """A text run (docx ``w:t``, a shared string ``t``, a cell value ``v``) replaced by an odd value,
    escaped or not."""
    runs = _occurrences(xml, r"<(w:t|t|v)( [^>]*)?>([^<]*)</\1>")
    if not runs:
        return xml
    match = runs[int(draw(st.integers(0, len(runs) - 1)))]
    value = str(draw(VALUES))
    value = _xml_escape(value) if draw(st.integers(0, 4)) else value
    return xml[:match.start(3)] + value + xml[match.end(3):]


def unbalance(xml: str, draw: Draw) -> str:
    closing = _occurrences(xml, r"</[A-Za-z:]+>")
    if not closing:
        return xml
    match = closing[int(draw(st.integers(0, len(closing) - 1)))]
    return xml[:match.start()] + xml[match.end():]


def nest_table(xml: str, draw: Draw) -> str:
    """A copy of a table inside one of its own cells, once or many times over."""
    start = xml.find("<w:tbl>")
    end = xml.find("</w:tbl>", start)
    cells = _occurrences(xml, "</w:tc>")
    if start < 0 or end < 0 or not cells:
        return xml
    table = xml[start:end + len("</w:tbl>")]
    at = cells[int(draw(st.integers(0, len(cells) - 1)))].start()
    depth = int(draw(st.sampled_from([1, 2, 60])))
    nested = table
    for _ in range(depth - 1):
        inner = nested.find("</w:tc>")
        nested = nested[:inner] + (table if len(nested) < 400_000 else "") + nested[inner:]
    return xml[:at] + nested + "<w:p/>" + xml[at:]


def declare_entity(xml: str, draw: Draw) -> str:
    """A DTD with an entity (the file must then be an error: no entity is ever expanded)."""
    declaration = str(draw(st.sampled_from(['<!DOCTYPE d [<!ENTITY x "boom">]>', '<!DOCTYPE d SYSTEM "file:///etc/hosts">',
                                           '<!ENTITY % p "x">'])))
    head = xml.find("?>")
    return xml[:head + 2] + declaration + xml[head + 2:] if head >= 0 else declaration + xml


def lie_about_encoding(xml: str, draw: Draw) -> str:
    encoding = str(draw(st.sampled_from(["GBK", "UTF-16", "latin-1", "ebcdic", "x-unknown"])))
    return xml.replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)


XML_MUTATIONS = [drop_element, drop_element, odd_span, replace_text, replace_text, unbalance, nest_table,
                 declare_entity, lie_about_encoding]


def xml_mutation(data: bytes, draw: Draw) -> bytes:
    """One XML mutation of the part that holds the form (the document, a sheet, the shared strings)."""
    mutation = draw(st.sampled_from(XML_MUTATIONS))
    names = [info.filename for info, _ in _members(data)]
    part = next((n for n in ("word/document.xml",) if n in names), None) or str(draw(st.sampled_from(
        [n for n in names if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml"] or names)))

    def change(_: str, content: bytes, d: Draw) -> bytes:
        return mutation(content.decode("utf-8", "replace"), d).encode("utf-8", "surrogatepass")

    return _with_member(data, draw, change, prefer=part)


# PDF: objects, streams, references, lengths and the cross-reference table

_OBJECT = re.compile(rb"(?m)^\d+ 0 obj\b.*?endobj\s", re.DOTALL)
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
_REFERENCE = re.compile(rb"\b(\d+) 0 R\b")
_LENGTH = re.compile(rb"/Length (\d+)")
_NAMES = [b"/Root", b"/Pages", b"/Kids", b"/Contents", b"/Font", b"/MediaBox", b"/Page", b"/Type", b"/Filter",
          b"/FlateDecode", b"/Resources", b"/Encoding", b"/ToUnicode"]


def _pick(draw: Draw, matches: list[re.Match[bytes]]) -> re.Match[bytes] | None:
    return matches[int(draw(st.integers(0, len(matches) - 1)))] if matches else None


def pdf_drop_object(data: bytes, draw: Draw) -> bytes:
    match = _pick(draw, list(_OBJECT.finditer(data)))
    return data if match is None else data[:match.start()] + data[match.end():]


def pdf_damage_stream(data: bytes, draw: Draw) -> bytes:
    match = _pick(draw, list(_STREAM.finditer(data)))
    if match is None or not match.group(1):
        return data
    damaged = draw(st.sampled_from(BYTE_MUTATIONS))(match.group(1), draw)
    return data[:match.start(1)] + damaged + data[match.end(1):]


def pdf_redirect_reference(data: bytes, draw: Draw) -> bytes:
    """A reference pointed at another object (loops in the page tree, a font where a page is expected)."""
    matches = list(_REFERENCE.finditer(data))
    match = _pick(draw, matches)
    if match is None:
        return data
    target = str(draw(st.sampled_from([*(m.group(1).decode() for m in matches[:40]), "0", "99999", "1"]))).encode()
    return data[:match.start(1)] + target + data[match.end(1):]


def pdf_lie_about_length(data: bytes, draw: Draw) -> bytes:
    match = _pick(draw, list(_LENGTH.finditer(data)))
    if match is None:
        return data
    length = str(draw(st.sampled_from([0, 1, 10, 10**9, 2**31, 2**64]))).encode()
    return data[:match.start(1)] + length + data[match.end(1):]


def pdf_break_xref(data: bytes, draw: Draw) -> bytes:
    at = data.rfind(b"startxref")
    kind = draw(st.sampled_from(["offset", "table", "trailer"]))
    if kind == "offset" and at >= 0:
        end = data.find(b"%%EOF", at)
        offset = str(draw(st.integers(0, 2 * len(data)))).encode()
        return data[:at] + b"startxref\n" + offset + b"\n" + (data[end:] if end >= 0 else b"")
    if kind == "table":
        start = data.rfind(b"\nxref")
        return data if start < 0 else data[:start] + b"\n" + data[data.find(b"trailer", start):]
    trailer = data.rfind(b"trailer")
    return data if trailer < 0 else data[:trailer]


def pdf_rename(data: bytes, draw: Draw) -> bytes:
    """A structural name (/Root, /Pages, /Kids …) replaced by another."""
    name, other = draw(st.sampled_from(_NAMES)), draw(st.sampled_from([*_NAMES, b"/X", b"/"]))
    positions = [m.start() for m in re.finditer(re.escape(name) + rb"\b", data)]
    if not positions:
        return data
    at = positions[int(draw(st.integers(0, len(positions) - 1)))]
    return data[:at] + other + data[at + len(name):]


PDF_MUTATIONS: list[ByteMutation] = [pdf_drop_object, pdf_drop_object, pdf_damage_stream, pdf_redirect_reference,
                                     pdf_lie_about_length, pdf_break_xref, pdf_rename]

# .xls: the compound file's header, and the BIFF records of the workbook

_OLE_FIELDS = [0x1E, 0x20, 0x2C, 0x30, 0x38, 0x3C, 0x40, 0x44, 0x48, 0x4C]  # shifts, counts, first sectors


def xls_header(data: bytes, draw: Draw) -> bytes:
    """A field of the compound file's header (sector size, FAT sectors, directory start …) falsified."""
    at = int(draw(st.sampled_from(_OLE_FIELDS)))
    value = int(draw(st.sampled_from([0, 1, 7, 0x7FFF, 0xFFFF, 0xFFFFFFFE, 0xFFFFFFFF, 2**20])))
    width = 2 if at in (0x1E, 0x20) else 4
    packed = struct.pack("<H" if width == 2 else "<I", value & (0xFFFF if width == 2 else 0xFFFFFFFF))
    return data[:at] + packed + data[at + width:]


def _records(data: bytes, kind: int, length: int | None = None) -> list[int]:
    """Offsets of the BIFF records of ``kind`` (and ``length``) in the file's bytes."""
    marker = struct.pack("<H", kind) + (struct.pack("<H", length) if length is not None else b"")
    return [m.start() for m in re.finditer(re.escape(marker), data)]


def xls_record(data: bytes, draw: Draw) -> bytes:
    """A cell's string index, row or column (LABELSST), a merged range (MERGEDCELLS) or a record's
    length falsified."""
    kind = draw(st.sampled_from(["sst_index", "cell_position", "merged", "length"]))
    cells = _records(data, 0x00FD, 10)
    if kind in ("sst_index", "cell_position") and cells:
        at = cells[int(draw(st.integers(0, len(cells) - 1)))] + 4
        if kind == "sst_index":
            return data[:at + 6] + struct.pack("<I", int(draw(st.sampled_from([0, 1, 10**6, 2**32 - 1])))) + data[at + 10:]
        row, col = int(draw(st.sampled_from([0, 1, 65535, 20_000]))), int(draw(st.sampled_from([0, 1, 255, 16383])))
        return data[:at] + struct.pack("<HH", row, col) + data[at + 4:]
    merged = _records(data, 0x00E5)
    if kind == "merged" and merged:
        at = merged[int(draw(st.integers(0, len(merged) - 1)))] + 4
        count = struct.unpack("<H", data[at:at + 2])[0]
        if count:
            at += 2 + 8 * int(draw(st.integers(0, count - 1)))
            r0, r1 = int(draw(st.sampled_from([0, 3, 65535]))), int(draw(st.sampled_from([0, 2, 65535])))
            c0, c1 = int(draw(st.sampled_from([0, 5, 255]))), int(draw(st.sampled_from([0, 1, 255])))
            return data[:at] + struct.pack("<HHHH", r0, r1, c0, c1) + data[at + 8:]
    records = cells or merged
    if records:
        at = records[int(draw(st.integers(0, len(records) - 1)))] + 2
        return data[:at] + struct.pack("<H", int(draw(st.sampled_from([0, 1, 8224, 65535])))) + data[at + 2:]
    return flip_bits(data, draw)


XLS_MUTATIONS: list[ByteMutation] = [xls_header, xls_record, xls_record]

OFFICE_MUTATIONS: dict[str, list[ByteMutation]] = {
    "xls": [*BYTE_MUTATIONS, *XLS_MUTATIONS, *XLS_MUTATIONS],
    "docx": [*BYTE_MUTATIONS, *ZIP_MUTATIONS, xml_mutation, xml_mutation, xml_mutation, xml_mutation],
    "xlsx": [*BYTE_MUTATIONS, *ZIP_MUTATIONS, xml_mutation, xml_mutation],
    "pdf": [*BYTE_MUTATIONS, *PDF_MUTATIONS, *PDF_MUTATIONS],
}

_OFFICE_NAMES = ["case{i}.{fmt}"] * 24 + ["case{i}.{other}", "case{i}", "case{i}.txt", "~$case{i}.{fmt}",
                                         "case{i}.{fmt}.tmp", ".case{i}.{fmt}"]
"""File names of the mutated files: mostly their own suffix, sometimes another, none, or the name of a
lock, temporary or hidden file (skipped in a folder) or of a text file (read only when it holds a table)."""


@st.composite
def office_files(draw: Draw) -> Case:
    stem = str(draw(st.sampled_from(OFFICE_STEMS)))
    fmt = str(draw(st.sampled_from(OFFICE_FORMATS)))
    data = office_bytes(stem, fmt)
    done = []
    for _ in range(int(draw(st.integers(1, 3)))):
        mutation = draw(st.sampled_from(OFFICE_MUTATIONS[fmt]))
        try:
            data = mutation(data, draw)
        except Exception:
            continue  # an earlier mutation broke the zip this one works inside: it does not apply
        done.append(mutation.__name__)
    pattern = str(draw(st.sampled_from(_OFFICE_NAMES)))
    name = pattern.format(i="{i}", fmt=fmt, other=draw(st.sampled_from([f for f in OFFICE_FORMATS if f != fmt])))
    return Case(name, data, f"{stem}.{fmt}: {', '.join(done)}")


# --- reading and the invariants ------------------------------------------------------------------------


def write_cases(folder: Path, cases: list[Case]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, case in enumerate(cases):
        stem, _, suffix = case.name.rpartition(".")
        if "{i}" in case.name:  # the name says where the index goes
            path = folder / case.name.format(i=index)
        else:
            path = folder / (f"{stem}{index}.{suffix}" if stem else f"{case.name}{index}")
        path.write_bytes(case.content)
        paths.append(path)
    return paths


def read_and_check(folder: Path, cases: list[Case], *, as_folder: bool = False) -> bl.Forms:
    """Read the cases in one call (the files one by one, or ``folder`` itself) and check the invariants
    every reading must keep."""
    paths = write_cases(folder, cases)
    STATS["calls"] += 1
    STATS["cases"] += len(paths)
    try:
        forms = bl.read_forms([folder] if as_folder else paths)
    except Exception:
        STATS["crashes"] += 1
        raise
    names = [path.name for path in paths]
    read = set(forms.projects["source_file"])
    failed = set(forms.errors["source_file"])
    skipped = set(forms.skipped["source_file"])
    lost = [name for name in names if name not in read | failed | skipped]
    STATS["lost_files"] += len(lost)
    STATS["read"] += len(read)
    STATS["errors"] += len(failed - read)
    STATS["skipped"] += len(skipped)
    assert lost == [], f"files neither read nor in errors nor skipped: {lost}"
    assert not skipped & (read | failed), "a skipped file was read too"
    assert as_folder or not skipped, "a file named on its own was skipped"
    assert forms.errors["error"].map(lambda e: isinstance(e, str) and bool(e.strip())).all()
    assert forms.skipped["reason"].map(lambda e: isinstance(e, str) and bool(e.strip())).all()
    assert set(forms.warnings["source_file"]) <= set(names)
    for path in paths:
        if path.name in read:
            missing = unaccounted_cells(path, forms, path.name)
            STATS["lost_cells"] += len(missing)
            assert missing == [], f"{path.name}: cells neither claimed nor unparsed: {missing[:5]}"
            silent = silent_indicator_tables(path, forms, path.name)
            assert silent == [], f"{path.name}: indicator tables read as nothing, without a warning: {silent}"
    return forms


def yuan_values(forms: bl.Forms) -> dict[str, list[float]]:
    """Every non-empty ``*_yuan`` value of every table, by table.column."""
    found: dict[str, list[float]] = {}
    for name, df in forms.tables.items():
        for column in df.columns:
            if column.endswith("_yuan"):
                values = df[column].dropna().tolist()
                if values:
                    found[f"{name}.{column}"] = values
    return found


# --- the properties --------------------------------------------------------------------------------------


@fuzz_settings("mutations", FILES_PER_CALL)
@given(cases=cases_per_call(mutated_files()))
def test_mutated_forms_are_read_or_reported(tmp_path_factory: pytest.TempPathFactory, cases: list[Case]) -> None:
    read_and_check(tmp_path_factory.mktemp("mutations"), cases)


@fuzz_settings("bytes", FILES_PER_CALL)
@given(cases=cases_per_call(mutated_files(damaged=True)))
def test_damaged_files_are_read_or_reported(tmp_path_factory: pytest.TempPathFactory, cases: list[Case]) -> None:
    read_and_check(tmp_path_factory.mktemp("bytes"), cases)


@fuzz_settings("office", FILES_PER_CALL)
@given(cases=cases_per_call(office_files()))
def test_mutated_office_files_are_read_reported_or_skipped(tmp_path_factory: pytest.TempPathFactory,
                                                           cases: list[Case]) -> None:
    STATS["office"] += len(cases)
    read_and_check(tmp_path_factory.mktemp("office"), cases, as_folder=True)


@fuzz_settings("no_unit", 1)
@given(case=mutated_files(no_unit=True))
def test_no_yuan_is_invented_where_no_unit_is_stated(tmp_path_factory: pytest.TempPathFactory, case: Case) -> None:
    forms = read_and_check(tmp_path_factory.mktemp("no-unit"), [case])
    assert yuan_values(forms) == {}


@fuzz_settings("deterministic", 2)
@given(cases=cases_per_call(mutated_files(damaged=True), size=2))
def test_reading_is_deterministic(tmp_path_factory: pytest.TempPathFactory, cases: list[Case]) -> None:
    folder = tmp_path_factory.mktemp("twice")
    first = read_and_check(folder, cases)
    second = bl.read_forms(sorted(p for p in folder.iterdir()))
    assert first.tables.keys() == second.tables.keys()
    for name in first.tables:
        pd.testing.assert_frame_equal(first.tables[name], second.tables[name], obj=name)


# --- regression tests: cases the fuzzer found, kept ----------------------------------------------------


def test_the_unmutated_examples_in_every_format_keep_every_cell(tmp_path: Path) -> None:
    cases = [Case(f"{name[:8]}{suffix}", data, f"{name} as {fmt}")
             for name in ALL_EXAMPLES for fmt in FORMATS for suffix, data in [render(BASE[name], fmt)]]
    forms = read_and_check(tmp_path, cases)
    assert forms.errors.empty
    assert len(forms.projects) == len(ALL_EXAMPLES) * len(FORMATS)


def test_no_unit_seed_has_no_yuan(tmp_path: Path) -> None:
    forms = read_and_check(tmp_path, [Case("seed.md", document_to_markdown(without_money_units(BASE[SEED])).encode())])
    assert len(forms.projects) == 1
    assert yuan_values(forms) == {}


def test_long_chinese_numeral_in_an_amount_cell_does_not_lose_the_form(tmp_path: Path) -> None:
    # found by the fuzzer: cn2an turned a run of 400 一 into an int too large for a float, and the
    # OverflowError cost the whole form
    text = (EXAMPLES / SEED).read_text(encoding="utf-8")
    text = re.sub(r"(\| 项目总预算 +\| )500000\.00", r"\g<1>" + "一" * 400, text)
    forms = read_and_check(tmp_path, [Case("numeral.md", text.encode())])
    assert forms.projects["total_budget_as_written"].tolist() == ["一" * 400]
    assert forms.projects["total_budget_yuan"].isna().all()


def test_a_pdf_whose_page_box_is_a_stream_is_an_error_not_an_exception(tmp_path: Path) -> None:
    # found by the fuzzer: pdfplumber walks the page tree again when it closes a PDF, and the broken
    # page (its /Contents renamed /MediaBox, so that the box is a stream) raised from that second walk
    stem = "xiangtan-2023-fog-cannon-service-target"
    data = office_bytes(stem, "pdf")
    page = data.index(b"/Type/Page/")
    at = data.index(b"/Contents", page)
    broken = data[:at] + b"/MediaBox" + data[at + len(b"/Contents"):]
    forms = read_and_check(tmp_path, [Case("case{i}.pdf", broken), Case("case{i}.pdf", data)], as_folder=True)
    assert forms.errors.set_index("source_file").loc["case0.pdf", "code"] == "E_BROKEN_FILE"
    assert list(forms.projects["source_file"]) == ["case1.pdf"]


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_a_zip_needing_an_unknown_version_is_an_error_not_an_exception(tmp_path: Path, fmt: str) -> None:
    # found by the fuzzer: zipfile refuses a central directory whose "version needed to extract" it
    # does not know (6.4) with NotImplementedError, which neither the format sniffing nor the package
    # reader took for a broken file
    data = bytearray(office_bytes(SEED.removesuffix(".md"), fmt))
    for match in re.finditer(rb"PK\x01\x02", bytes(data)):
        data[match.start() + 6: match.start() + 8] = struct.pack("<H", 64)
    forms = read_and_check(tmp_path, [Case("case{i}." + fmt, bytes(data))])
    assert forms.errors["error"].tolist() == [f"not a readable {'docx document' if fmt == 'docx' else 'xlsx workbook'} "
                                              "(zip file version 6.4)"]
