"""A form's title, year and unit lines written inside its first table read as they do above it.

Excel's "save as web page" (one table, the title and unit rows spanning its width), a title merged over two
rows of a sheet, or a unit typed into the first row's last cell: the lines are the same, only their place
differs, so the form's tables must be the same.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.testing import _read_markdown, document_to_html, document_to_markdown, markdown_to_xlsx
from budgetlib.transform.amounts import unit_stated_in
from budgetlib.transform.form import is_title_text, opening_lines
from tests.conftest import EXAMPLES, OFFICE_EXAMPLES, read_example
from tests.transform.grids import grid

PROJECT_COLUMNS = ["form_type", "fiscal_year", "form_title", "amount_unit", "total_budget_yuan",
                   "current_year_budget_yuan", "project_name", "department"]


def _lines_into_the_grid(doc: Document) -> Document:
    """The document with the text lines before its first table moved into that table as its opening rows:
    a unit line into the last cell of its row (as typed beside the title), every other line into the first."""
    first = next(index for index, block in enumerate(doc.blocks) if isinstance(block, Table))
    table = doc.blocks[first]
    assert isinstance(table, Table)
    width = max(table.width, 2)
    opening: list[list[str]] = []
    for block in doc.blocks[:first]:
        assert isinstance(block, TextLine)
        row = [""] * width
        row[width - 1 if unit_stated_in(block.text) else 0] = block.text
        opening.append(row)
    rows = opening + [row + [""] * (width - len(row)) for row in table.rows]
    moved = Table(table.table_no, rows, table.origin)
    return Document(doc.source_file, [moved, *doc.blocks[first + 1:]])


def _same_tables(expected: bl.Forms, actual: bl.Forms) -> None:
    pd.testing.assert_frame_equal(
        actual.projects[PROJECT_COLUMNS].reset_index(drop=True), expected.projects[PROJECT_COLUMNS].reset_index(drop=True)
    )
    for name, columns in (("funding", ["source_name", "amount_yuan"]),
                          ("expenditures", ["economic_category", "fiscal_year", "amount_yuan"]),
                          ("budget_execution", ["fund_line", "full_year_budget_yuan", "executed_yuan"]),
                          ("indicators", ["name", "target_text", "target_value", "actual_text", "weight"])):
        pd.testing.assert_frame_equal(
            getattr(actual, name)[columns].reset_index(drop=True),
            getattr(expected, name)[columns].reset_index(drop=True),
            obj=name,
        )
    assert sorted(actual.unparsed["text"]) == sorted(expected.unparsed["text"])
    assert sorted(actual.warnings["code"]) == sorted(expected.warnings["code"])
    assert len(bl.project_years(actual)) == len(bl.project_years(expected)) == 1


@pytest.mark.parametrize("name", OFFICE_EXAMPLES)
@pytest.mark.parametrize("kind", ["md", "html"])
def test_lines_inside_the_first_table_read_as_above_it(name: str, kind: str, tmp_path: Path) -> None:
    """Every example, its lines above the first table moved into it: in markdown as plain rows, in HTML as
    rows spanning the width (Excel's "save as web page")."""
    moved = _lines_into_the_grid(_read_markdown(EXAMPLES / name))
    path = tmp_path / f"moved.{kind}"
    path.write_text(document_to_markdown(moved) if kind == "md" else document_to_html(moved, merge=True), "utf-8")
    _same_tables(read_example(name), bl.read_form(path))


@pytest.mark.parametrize("name", OFFICE_EXAMPLES)
def test_a_title_merged_over_two_rows_of_a_sheet(name: str, tmp_path: Path) -> None:
    """The line right above the form's first table (its title, year or unit line) merged over its row and the
    blank row below it,
    across the sheet's width: the merge hangs down to the form's first row, so the sheet reader keeps the
    title in the table below."""
    book = openpyxl.load_workbook(io.BytesIO(markdown_to_xlsx(EXAMPLES / name, merge=True)))
    sheet = book.active
    assert sheet is not None
    def filled(row: int) -> int:
        return sum(cell.value is not None for cell in sheet[row])

    def line(row: int) -> str:
        return str(sheet.cell(row, 1).value)

    title_row = next(  # the title, year or unit line right above the form's first table
        row for row in range(1, sheet.max_row - 1)
        if filled(row) == 1 and (is_title_text(line(row)) or unit_stated_in(line(row))) and filled(row + 2) > 1
    )
    assert all(cell.value is None for cell in sheet[title_row + 1])
    for merged in list(sheet.merged_cells.ranges):
        if merged.min_row == title_row:
            sheet.unmerge_cells(str(merged))
    sheet.merge_cells(start_row=title_row, start_column=1, end_row=title_row + 1, end_column=sheet.max_column)
    path = tmp_path / "merged.xlsx"
    book.save(path)
    _same_tables(read_example(name), bl.read_form(path))


def _texts(table: Table) -> list[str]:
    return [line.text for line in opening_lines(table)]


@pytest.mark.parametrize(("rows", "taken"), [
    # tangxi self-evaluation saved as a web page: 附件, the title and its year line above the form's rows
    ([["附件:"], ["项目支出绩效自评表"], ["(2022年度)"], ["项目名称", "村级补助"]],
     ["附件:", "项目支出绩效自评表", "(2022年度)"]),
    # the unit typed into the first row's last cell, or beside the filling unit
    ([["", "", "", "资金单位：元"], ["项目名称", "区电子政务网络运行维护"]], ["资金单位：元"]),
    ([["填报单位：武汉市新洲区大数据中心", "", "资金单位：元"], ["项目名称", "x"]],
     ["填报单位：武汉市新洲区大数据中心", "资金单位：元"]),
    # a covering letter's lines are taken only up to the title that follows them
    ([["中江县水利局"], ["2022年12月30日"], ["绩效目标自评表"], ["(2022年度)"], ["项目名称", "x"]],
     ["中江县水利局", "2022年12月30日", "绩效目标自评表", "(2022年度)"]),
    # no title or unit line: the table keeps its rows
    ([["项目基本情况"], ["项目名称", "x"]], []),
    ([["附件:"], ["项目名称", "x"]], []),
    # a label, a value or a labelled amount is the form's own: nothing is taken from that row on
    ([["项目名称", "x", "单位：万元"]], []),
    ([["单位：万元", "100"]], []),
    ([["年度预算数(万元)"], ["项目名称", "x"]], []),
    ([["项目支出绩效自评表"], ["项目名称", "x"], ["资金单位：元"]], ["项目支出绩效自评表"]),
])
def test_which_opening_rows_are_lines(rows: list[list[str]], taken: list[str]) -> None:
    assert _texts(grid(*rows)) == taken
