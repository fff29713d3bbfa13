"""The thirteen examples as a real office suite saves them (.xls, .xlsx, .docx, .pdf made by
LibreOffice, see tests/fixtures/office/make_fixtures.py) read like their markdown.

- xlsx, xls, docx: the same blocks as the markdown, cell for cell (docx even the heading levels), and
  so the same tables, apart from the columns that name the source.
- PDF: the same text lines and, row by row, the same non-empty cell texts, once every line break is
  joined by the CJK line-wrap rule (:func:`budgetlib.extract.pdf.unwrap`): a PDF cannot tell a wrapped
  line from a new one for certain. The grid is rebuilt from the drawing (the columns of the row with
  the most cells; two tables drawn one under the other without a gap told apart by their columns),
  and on these forms it gives the markdown's tables, rows and columns: every table read from the
  PDFs equals the markdown's, cell positions included; only ``provenance`` keeps four heading cells
  whose line break the PDF does not show (``年度\n指标值`` is 年度指标值 there).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.extract.encoding import decode_bytes
from budgetlib.extract.load import load_document
from budgetlib.extract.markdown import parse_markdown
from budgetlib.extract.pdf import join_wrapped, unwrap
from budgetlib.testing import compare_documents, expected_anchors
from tests.conftest import EXAMPLES, FIXTURES, OFFICE_EXAMPLES

OFFICE = FIXTURES / "office"
SOURCE_COLUMNS = {"form_id", "source_file", "origin", "encoding"}
TABLES = ["projects", "funding", "expenditures", "budget_history", "budget_execution", "indicators",
          "stated_totals", "cost_items", "findings", "unparsed", "provenance"]
STEMS = [Path(name).stem for name in OFFICE_EXAMPLES]


def markdown_document(stem: str) -> Document:
    path = EXAMPLES / f"{stem}.md"
    text, encoding, _ = decode_bytes(path.read_bytes())
    return parse_markdown(text, path.name, encoding)


def normalised(forms: bl.Forms, table: str) -> pd.DataFrame:
    df = getattr(forms, table)
    return df.drop(columns=[c for c in df.columns if c in SOURCE_COLUMNS]).reset_index(drop=True)


def test_all_thirteen_examples_exist_in_all_four_formats() -> None:
    assert len(STEMS) == 13
    for suffix in ("xlsx", "xls", "docx", "pdf"):
        assert sorted(p.stem for p in (OFFICE / suffix).glob(f"*.{suffix}")) == STEMS


@pytest.mark.parametrize("suffix", ["xlsx", "xls", "docx"])
@pytest.mark.parametrize("stem", STEMS)
def test_office_files_give_the_markdown_blocks(stem: str, suffix: str) -> None:
    original = markdown_document(stem)
    (document,) = load_document(OFFICE / suffix / f"{stem}.{suffix}")
    assert compare_documents(original, document, headings=suffix == "docx") == []
    assert document.warnings == []
    for want, got in zip(original.tables, document.tables, strict=True):
        assert got.anchors == expected_anchors(want.rows)  # the merges the writers made, read back


@pytest.fixture(scope="module", params=STEMS)
def five_readings(request: pytest.FixtureRequest) -> tuple[bl.Forms, ...]:
    stem = request.param
    return (bl.read_form(EXAMPLES / f"{stem}.md"),
            *(bl.read_form(OFFICE / suffix / f"{stem}.{suffix}") for suffix in ("xlsx", "xls", "docx")))


@pytest.mark.parametrize("table", TABLES)
def test_office_files_give_the_markdown_tables(five_readings: tuple[bl.Forms, ...], table: str) -> None:
    markdown, *others = five_readings
    assert len(markdown.projects) == 1
    for other in others:
        assert other.errors.empty
        pd.testing.assert_frame_equal(normalised(other, table), normalised(markdown, table))


def content(document: Document) -> tuple[list[str], list[tuple[str, ...]]]:
    """Text lines, and each table row's non-empty cells, with line breaks joined by the wrap rule."""
    lines = [unwrap(block.text) for block in document.blocks if isinstance(block, TextLine)]
    rows = [tuple(unwrap(cell) for cell in row if cell)
            for block in document.blocks if isinstance(block, Table) for row in block.rows]
    return lines, rows


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_gives_the_markdown_text_row_by_row(stem: str) -> None:
    (document,) = load_document(OFFICE / "pdf" / f"{stem}.pdf")
    assert document.warnings == []
    want, got = content(markdown_document(stem)), content(document)
    assert got == want


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_tables_have_the_markdown_shapes(stem: str) -> None:
    """Touching tables told apart where the markdown has two (a table with more columns drawn right
    under one with fewer; a one-row table whose edges are its own), and no table cut in two."""
    (document,) = load_document(OFFICE / "pdf" / f"{stem}.pdf")
    shapes = [(len(table.rows), len(table.rows[0])) for table in document.tables]
    assert shapes == [(len(table.rows), len(table.rows[0])) for table in markdown_document(stem).tables]


def test_pdf_cell_wraps_are_joined_without_spaces_between_chinese() -> None:
    (document,) = load_document(OFFICE / "pdf" / "xinzhou-2020-e-gov-network-declaration.pdf")
    first = document.tables[0]
    assert first.rows[0][:1] == ["项目名称"]
    reason = next(row for row in first.rows if row[0] == "项目申请理由")
    # six paragraphs, wrapped by the PDF at the cell's edge: the wraps are joined, the paragraphs kept
    assert reason[1].count("\n") == 5
    assert "“一网、一门、一次”改革工作方案的通知》" in reason[1]
    assert join_wrapped("项目代", "码") == "码" and join_wrapped("VPN", "access") == " access"


def test_pdf_tables_continued_on_the_next_page_are_joined() -> None:
    (document,) = load_document(OFFICE / "pdf" / "xinzhou-2020-e-gov-network-declaration.pdf")
    assert [block.origin for block in document.tables][-1] == "page 2"
    indicators = document.tables[-1]
    assert indicators.rows[0][:2] == ["一级指标", "二级指标"] and len(indicators.rows) == 4


def _unwrapped(df: pd.DataFrame) -> pd.DataFrame:
    return df.map(lambda value: unwrap(value) if isinstance(value, str) else value)


def test_pdf_forms_read_into_the_same_tables(five_readings: tuple[bl.Forms, ...]) -> None:
    """Every table read from the PDF is the markdown's, value for value and cell positions included;
    provenance's texts are compared after the wrap rule (four heading cells have a line break the
    PDF does not show)."""
    markdown = five_readings[0]
    name = markdown.projects["source_file"].iloc[0]
    pdf = bl.read_form(OFFICE / "pdf" / name.replace(".md", ".pdf"))
    assert pdf.errors.empty
    columns = ["code", "message"]  # a warning's location names the page rather than the line
    pd.testing.assert_frame_equal(pdf.warnings[columns], markdown.warnings[columns])
    for table in TABLES:
        want, got = normalised(markdown, table), normalised(pdf, table)
        if table == "provenance":
            want, got = _unwrapped(want), _unwrapped(got)
        pd.testing.assert_frame_equal(got, want)


def test_a_wrap_before_punctuation_that_cannot_begin_a_line_is_joined() -> None:
    """LibreOffice moved 境。 and 中:30 to a new line together (a line may not begin with 。 or :, and
    :30 is not broken): the lines were wrapped, not ended, so no line break is kept."""
    forms = bl.read_form(OFFICE / "pdf" / "tangxi-2022-commissioned-services-self-evaluation.pdf")
    goal = forms.projects["annual_goal"].iloc[0]
    assert goal.startswith("本项目共申请预算资金90万元。其中:30万元用于基建工程项目预算编制;30万元")
    assert "\n" not in goal
    jinzhai = bl.read_form(OFFICE / "pdf" / "jinzhai-2021-property-management-target.pdf")
    assert "\n" not in " ".join(jinzhai.projects.select_dtypes("str").fillna("").iloc[0])


def test_a_row_cut_by_a_page_break_is_one_row() -> None:
    """LibreOffice broke the 社会效益指标 row of this form over pages 1 and 2; read back, it is one row."""
    (document,) = load_document(OFFICE / "pdf" / "qingshen-2023-wages-self-evaluation.pdf")
    rows = [row for table in document.tables for row in table.rows]
    cut = [row for row in rows if "足额保障率(参保率)" in row]
    assert len(cut) == 1 and "社会效益指标" in cut[0]
    assert not any("障率(参保率)" in cell and "足额" not in cell for row in rows for cell in row)


def _both_xlsx_readers(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Document], list[Document]]:
    from budgetlib.extract import xlsx

    calls: list[int] = []
    original = xlsx._read_with_openpyxl

    def counting(*args: object) -> list[Document]:
        calls.append(1)
        return original(*args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(xlsx, "_read_with_openpyxl", counting)
        fast = xlsx.read_xlsx(data, "form.xlsx")
        assert calls == []  # calamine read it
        patch.setattr(xlsx, "_fast_plan", lambda archive: None)
        full = xlsx.read_xlsx(data, "form.xlsx")
        assert calls == [1]
    return fast, full


@pytest.mark.parametrize("stem", STEMS)
def test_calamine_and_openpyxl_read_a_workbook_alike(stem: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetlib.testing import document_to_xlsx

    for data in ((OFFICE / "xlsx" / f"{stem}.xlsx").read_bytes(), document_to_xlsx(markdown_document(stem), merge=True)):
        fast, full = _both_xlsx_readers(data, monkeypatch)
        assert [(d.part, d.blocks, d.warnings) for d in fast] == [(d.part, d.blocks, d.warnings) for d in full]


def test_a_workbook_with_a_formula_goes_to_openpyxl() -> None:
    from budgetlib.extract import xlsx

    data = (OFFICE / "special" / "xinzhou-2020-e-gov-network-declaration-formula.xlsx").read_bytes()
    archive = xlsx.open_package(data, "xlsx workbook", xlsx._check_names)
    try:
        assert xlsx._fast_plan(archive) is None
    finally:
        archive.close()
