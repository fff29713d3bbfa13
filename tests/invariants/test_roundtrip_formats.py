"""One form, three formats, one reading: each example read from markdown, written as HTML and as
xlsx (plain and with merged cells), and read back, gives the same blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.extract.encoding import decode_bytes
from budgetlib.extract.html import parse_html
from budgetlib.extract.load import load_document
from budgetlib.extract.markdown import parse_markdown
from budgetlib.extract.xlsx import read_xlsx
from budgetlib.testing import (
    compare_documents,
    document_to_html,
    document_to_xlsx,
    expected_anchors,
    markdown_to_html,
    markdown_to_xlsx,
    merge_plan,
)
from tests.conftest import EXAMPLE_FILES as FIVE_EXAMPLES

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "examples"
EXAMPLE_FILES = sorted(FIVE_EXAMPLES)
SEED = EXAMPLES / "xinzhou-2020-e-gov-network-declaration.md"


def test_all_five_examples_are_here() -> None:
    assert len(EXAMPLE_FILES) == 5


def read_markdown(path: Path) -> Document:
    return parse_markdown(path.read_text(encoding="utf-8"), path.name, "utf-8")


@pytest.mark.parametrize("merge", [False, True], ids=["plain", "merged"])
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_html_reads_back_the_same_blocks(path: Path, merge: bool) -> None:
    original = read_markdown(path)
    document = parse_html(document_to_html(original, merge=merge), path.name)
    assert compare_documents(original, document) == []
    assert document.warnings == []
    for want, got in zip(original.tables, document.tables, strict=True):
        assert got.rows == want.rows  # HTML keeps even the trailing empty cells
        assert got.anchors == (expected_anchors(want.rows) if merge else {})


@pytest.mark.parametrize("merge", [False, True], ids=["plain", "merged"])
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_xlsx_reads_back_the_same_blocks(path: Path, merge: bool) -> None:
    original = read_markdown(path)
    (document,) = read_xlsx(document_to_xlsx(original, merge=merge), path.name)
    assert compare_documents(original, document, headings=False) == []
    assert document.warnings == []
    if merge:
        for want, got in zip(original.tables, document.tables, strict=True):
            assert got.anchors == expected_anchors(want.rows)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_xlsx_with_text_cells_only(path: Path) -> None:
    original = read_markdown(path)
    (document,) = read_xlsx(document_to_xlsx(original, numbers=False), path.name)
    assert compare_documents(original, document, headings=False) == []


def test_merged_html_really_uses_spans() -> None:
    page = markdown_to_html(SEED, merge=True)
    assert 'rowspan="9"' in page  # 项目资金来源 over its nine rows
    assert 'colspan="3"' in page  # 部门项目 over the empty cells to its right
    assert '<td colspan="2">7.一般非税上年结转</td><td colspan="2">0</td>' in page
    assert "<br>" in page  # the <p> paragraphs of a cell, written as line breaks


def test_merged_xlsx_really_has_merged_ranges_and_numbers() -> None:
    import io

    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(markdown_to_xlsx(SEED, merge=True)))
    sheet = workbook.active
    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    # title, blank, unit line, blank: the table starts on row 5 and 项目资金来源 is its ninth row
    assert "A13:A21" in merged
    budget = next(cell for row in sheet.iter_rows() for cell in row if cell.value == 500000.0)
    assert budget.number_format == "0.00"
    percent = next(cell for row in sheet.iter_rows() for cell in row if cell.number_format == "0%")
    assert percent.value == 1


def test_seed_round_trip_keeps_the_real_quirks() -> None:
    original = read_markdown(SEED)
    for document in (
        parse_html(markdown_to_html(SEED, merge=True), SEED.name),
        read_xlsx(markdown_to_xlsx(SEED, merge=True), SEED.name)[0],
    ):
        first = document.tables[0]
        assert first.cell(17, 0) == "7.一般非税上年结转" and first.cell(17, 2) == "0"
        assert first.cell(4, 1) == original.tables[0].rows[4][1]
        assert first.cell(4, 1).count("\n") == 5


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_load_document_gives_the_same_blocks_for_all_formats(tmp_path: Path, path: Path) -> None:
    original = read_markdown(path)
    html_path = tmp_path / f"{path.stem}.html"
    html_path.write_bytes(markdown_to_html(path, merge=True).encode("gb18030"))
    xlsx_path = tmp_path / f"{path.stem}.xlsx"
    xlsx_path.write_bytes(markdown_to_xlsx(path, merge=True))
    (from_markdown,) = load_document(path)
    (from_html,) = load_document(html_path)
    (from_xlsx,) = load_document(xlsx_path)
    assert from_markdown.blocks == original.blocks
    assert from_html.encoding == "gb18030"
    assert compare_documents(original, from_html) == []
    assert compare_documents(original, from_xlsx, headings=False) == []


def test_html_round_trip_in_other_encodings() -> None:
    original = read_markdown(SEED)
    page = document_to_html(original, merge=True)
    for data in (page.encode("utf-16"), page.encode("utf-16-le"), b"\xef\xbb\xbf" + page.encode()):
        text, encoding, _ = decode_bytes(data)
        assert compare_documents(original, parse_html(text, SEED.name, encoding)) == []


def test_merge_plan_never_overlaps() -> None:
    for path in EXAMPLE_FILES:
        for table in read_markdown(path).tables:
            seen: set[tuple[int, int]] = set()
            for (row, col), (rowspan, colspan) in merge_plan(table.rows).items():
                area = {(row + dr, col + dc) for dr in range(rowspan) for dc in range(colspan)}
                assert not area & seen
                seen |= area
                assert table.rows[row][col] != ""
                assert all(table.cell(r, c) == "" for r, c in area - {(row, col)})


def test_compare_documents_reports_differences() -> None:
    a = Document("a", [TextLine(0, "标题", heading=1), Table(0, [["项目", "甲"]])])
    b = Document("b", [TextLine(0, "标题"), Table(0, [["项目", "乙", ""]])])
    differences = compare_documents(a, b)
    assert any("heading" in difference for difference in differences)
    assert any("'甲' != '乙'" in difference for difference in differences)
    assert compare_documents(a, b, headings=False) == [differences[-1]]
    assert compare_documents(a, Document("c", [Table(0, [])]))[0].startswith("block kinds differ")


def test_writers_keep_texts_that_look_like_formulas_markup_or_numbers() -> None:
    tricky = [
        ["项目", "=SUM(A1:A3)", "123456789012345.67", "0838-7211924", "-0", "1,234.50", "12.5%", "0.000"],
        ["a < b & c", "<p>不是标签</p>", "第一行\n第二行", "036001", "≥90%", "1e5", "", "末"],
    ]
    original = Document("tricky", [TextLine(0, "=不是公式", heading=2), Table(0, tricky)])
    from_html = parse_html(document_to_html(original, merge=True), "tricky.html")
    (from_xlsx,) = read_xlsx(document_to_xlsx(original, merge=True), "tricky.xlsx")
    assert compare_documents(original, from_html) == []
    assert compare_documents(original, from_xlsx, headings=False) == []
    assert from_xlsx.warnings == []  # no cell became a formula
