"""Property-based tests and a mutation fuzzer over the five real example forms.

Each case is a file made from a real example: its blocks mutated (rows and cells deleted, duplicated,
swapped or shifted; cells replaced by random text, numbers, Chinese numerals, markup or form labels;
tables deleted, duplicated or split; text lines dropped or added; another form appended), written as markdown, HTML or xlsx
(with or without merged cells), and sometimes damaged as bytes (truncated, re-encoded, random bytes
inserted, a ``<script>`` inserted, odd ``rowspan``/``colspan`` values, a wrong suffix, or replaced by
random bytes altogether). Several cases are read in
one ``read_forms`` call, and whatever they are:

* ``read_forms`` never raises;
* every input file is in ``projects`` or in ``errors`` (no file is lost);
* every non-empty cell and text line of every form read is claimed (``provenance``) or ``unparsed``;
* with every money unit removed from a form, every ``*_yuan`` value is empty (none is invented);
* reading is deterministic: the same files give the same tables.

Quick mode (the default, for CI) runs a few hundred cases, derandomized so that every run is the same.
``BUDGETLIB_FUZZ_CASES=10000`` (``make test-extended``) runs that many cases with fresh random draws.
Failures found by the fuzzer are kept below as explicit regression tests.
"""

from __future__ import annotations

import copy
import os
import re
import time
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
from tests.conftest import ALL_EXAMPLES, EXAMPLES, SEED

CASES = int(os.environ.get("BUDGETLIB_FUZZ_CASES") or 0)
"""Cases to run in all (0: the quick mode)."""
EXTENDED = CASES > 0
FILES_PER_CALL = 3

# Shares of the cases per test, and the quick mode's examples per test.
_SHARES = {"mutations": 0.6, "bytes": 0.2, "no_unit": 0.1, "deterministic": 0.1}
_QUICK = {"mutations": 80, "bytes": 35, "no_unit": 30, "deterministic": 10}

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
    line = (f"fuzz: {STATS['cases']:,} cases ({STATS['calls']:,} read_forms calls), {STATS['crashes']} crashes, "
            f"{STATS['lost_files']} files lost, {STATS['lost_cells']} cells lost, {STATS['read']:,} read, "
            f"{STATS['errors']:,} in errors, {time.perf_counter() - start:,.1f} s")
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


# --- reading and the invariants ------------------------------------------------------------------------


def write_cases(folder: Path, cases: list[Case]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, case in enumerate(cases):
        stem, _, suffix = case.name.rpartition(".")
        path = folder / (f"{stem}{index}.{suffix}" if stem else f"{case.name}{index}")
        path.write_bytes(case.content)
        paths.append(path)
    return paths


def read_and_check(folder: Path, cases: list[Case]) -> bl.Forms:
    """Read the cases in one call and check the invariants every reading must keep."""
    paths = write_cases(folder, cases)
    STATS["calls"] += 1
    STATS["cases"] += len(paths)
    try:
        forms = bl.read_forms(paths)
    except Exception:
        STATS["crashes"] += 1
        raise
    names = [path.name for path in paths]
    read = set(forms.projects["source_file"])
    failed = set(forms.errors["source_file"])
    lost = [name for name in names if name not in read | failed]
    STATS["lost_files"] += len(lost)
    STATS["read"] += len(read)
    STATS["errors"] += len(failed - read)
    assert lost == [], f"files neither read nor in errors: {lost}"
    assert forms.errors["error"].map(lambda e: isinstance(e, str) and bool(e.strip())).all()
    assert set(forms.warnings["source_file"]) <= set(names)
    for path in paths:
        if path.name in read:
            missing = unaccounted_cells(path, forms, path.name)
            STATS["lost_cells"] += len(missing)
            assert missing == [], f"{path.name}: cells neither claimed nor unparsed: {missing[:5]}"
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
