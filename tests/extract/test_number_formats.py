"""Number formats as Excel shows them (scaling commas, literals, sections), hidden rows and columns, and
a file named .xlsx that is no workbook: for the xlsx readers (calamine and openpyxl), the xls reader and
the shared renderer."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

import budgetlib as bl
from budgetlib.extract import xls as xls_module
from budgetlib.extract import xlsx as xlsx_module
from budgetlib.extract.document import Table, TextLine, UnreadableFileError
from budgetlib.extract.load import load_document
from budgetlib.extract.numfmt import format_number, render_number, shows_another_number
from budgetlib.extract.xls import read_xls
from budgetlib.extract.xlsx import read_xlsx
from budgetlib.testing import markdown_to_xlsx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED = FIXTURES / "examples" / "xinzhou-2020-e-gov-network-declaration.md"
XLS = FIXTURES / "office" / "xls" / "ezhou-2021-civic-center-maintenance-self-evaluation.xls"


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each xlsx test runs through both readers: calamine (the fast path) and openpyxl."""
    if request.param == "openpyxl":
        monkeypatch.setattr(xlsx_module, "_fast_plan", lambda archive: None)
    return str(request.param)


# --- the renderer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        # scaling: each comma after the last placeholder divides by 1,000; "!." and "\." are a literal point
        (500000, "0!.0000", "50.0000"),
        (500000, "0\\.0000", "50.0000"),
        (500000, "0!.0,", "50.0"),
        (1234567, "0!.0000", "123.4567"),
        (12345.6, "0!.0000", "1.2346"),
        (123, "0!.0000", "0.0123"),
        (500000, "#,##0,", "500"),
        (123456789, "#,##0,", "123,457"),
        (500000, "0.00,,", "0.50"),
        (12200000, "0.0,,", "12.2"),
        (12000, "#,", "12"),
        # literal text is part of what is shown
        (50, '#,##0.00"万元"', "50.00万元"),
        (100, '0"%"', "100%"),
        (0.95, '"≥"0%', "≥95%"),
        (123, '0"家"', "123家"),
        (12, 'G/通用格式"元"', "12元"),
        (1234.5, "[$¥-804]#,##0.00", "¥1,234.50"),
        (-5, '"约"0', "-约5"),
        # colours, padding, sections and conditions
        (3, "[Red]0.00", "3.00"),
        (-5, '0.00;-0.00;"—"', "-5.00"),
        (-1234.5, "#,##0.00_ ;[Red]\\-#,##0.00\\ ", "-1,234.50"),
        (1234.5, '_ ¥* #,##0.00_ ;_ ¥* -#,##0.00_ ;_ ¥* "-"??_ ;_ @_ ', "¥1,234.50"),
        (12000, '[>=10000]0.0,"万";0', "12.0万"),
        (500, '[>=10000]0.0,"万";0', "500"),
        (-0.001, "0.00;(0.00)", "0.00"),
        # placeholders
        (0.5, "#.00", ".50"),
        (5, "0,000", "0,005"),
        (5, "#.##", "5."),
        (7, "@", "7"),
    ],
)
def test_numbers_read_as_excel_shows_them(value: float, number_format: str, text: str) -> None:
    assert render_number(value, number_format) == (text, None)


@pytest.mark.parametrize(
    ("value", "number_format", "text", "note"),
    [
        (0, '0.00;-0.00;"—"', "0", "shown as '—'; the stored value 0 is kept"),
        (0, "0;-0;;@", "0", "shown as ''; the stored value 0 is kept"),
        (0, '_ ¥* #,##0.00_ ;_ ¥* -#,##0.00_ ;_ ¥* "-"??_ ;_ @_ ', "0", "shown as '¥-'; the stored value 0 is kept"),
        (-1234.5, "#,##0.00;(#,##0.00)", "-1,234.50", "shown as '(1,234.50)'; read with a minus sign"),
        (-5, "0.00;[Red]0.00", "-5.00", "shown as '5.00'; read with a minus sign"),
        (0.5, "# ?/?", "0.5", "number format '# ?/?' is not rendered; the stored value 0.5 is kept"),
        (1.5e-7, "0.00E+00", "1.5e-07", "number format '0.00E+00' is not rendered; the stored value 1.5e-07 is kept"),
        (
            45000,
            'yyyy"年"m"月"',
            "45000",
            'number format \'yyyy"年"m"月"\' is not rendered; the stored value 45000 is kept',
        ),
        (
            500000,
            "[DBNum2]General",
            "500000",
            "number format '[DBNum2]General' is not rendered; the stored value 500000 is kept",
        ),
        (
            -500,
            '[>=10000]0.0,"万";0',
            "-500",
            "number format '[>=10000]0.0,\"万\";0' is not rendered; the stored value -500 is kept",
        ),
    ],
)
def test_what_cannot_be_shown_keeps_the_stored_value_with_a_note(
    value: float, number_format: str, text: str, note: str
) -> None:
    assert render_number(value, number_format) == (text, note)
    assert format_number(value, number_format) == text


# --- workbooks ----------------------------------------------------------------------------------


def _seed_workbook(tmp_path: Path, name: str, edit: Callable[[Worksheet], None], source: Path = SEED) -> Path:
    """The seed form as an xlsx (cells merged as in the markdown), edited, saved into tmp_path."""
    workbook = openpyxl.load_workbook(io.BytesIO(markdown_to_xlsx(source, merge=True)))
    edit(workbook.active)
    path = tmp_path / name
    workbook.save(path)
    return path


def _cells_holding(sheet: Worksheet, value: float) -> list[openpyxl.cell.Cell]:
    return [cell for row in sheet.iter_rows() for cell in row if cell.value == value]


@pytest.mark.parametrize(("number_format", "written"), [("0!.0000", "50.0000"), ("0!.0,", "50.0")])
def test_amounts_stored_in_yuan_shown_in_wan_read_as_shown(
    tmp_path: Path, reader: str, number_format: str, written: str
) -> None:
    """The form says 资金单位：万元 and shows 500000 元 as 50.0000: that is 500,000 元, not 5,000,000,000."""

    def edit(sheet: Worksheet) -> None:
        sheet["A3"] = "资金单位：万元"
        for cell in _cells_holding(sheet, 500000) + _cells_holding(sheet, 440000):
            cell.number_format = number_format

    forms = bl.read_forms([_seed_workbook(tmp_path, "wan.xlsx", edit)])
    project = forms.projects.iloc[0]
    assert project["amount_unit"] == "万元"
    assert project["budget_as_written"] == written
    assert project["total_budget_yuan"] == 500000.0
    assert project["current_year_budget_yuan"] == 500000.0
    line = forms.expenditures[forms.expenditures["economic_category"] == "维修(护)费"].iloc[0]
    assert line["amount_yuan"] == 440000.0
    assert "W_NUMBER_FORMAT" not in set(forms.warnings["code"])
    (scaled,) = forms.warnings[forms.warnings["code"] == "W_SCALED_NUMBER"]["message"]
    assert f"shows '{written}', stored 500000" in scaled  # the stored 元 stay in sight


@pytest.mark.parametrize(("number_format", "moves"), [
    ("0!.0000", True), ("0\\.0000", True), ("#,##0,", True), ("0.00,,", True), ('#,##0.00,"万元"', True),
    ("0.00", False), ("#,##0", False), ("General", False), (None, False), ('#,##0.00"万元"', False),
    ("0%", False), ("#,##0.00;(#,##0.00)", False), ("yyyy-mm-dd", False),
])
def test_formats_that_show_another_number(number_format: str | None, moves: bool) -> None:
    assert shows_another_number(number_format) is moves


def test_units_comparators_and_percent_signs_in_formats_are_read(tmp_path: Path, reader: str) -> None:
    def edit(sheet: Worksheet) -> None:
        sheet["A3"] = None  # no unit line: the unit is only in the cells' format
        for cell in _cells_holding(sheet, 500000):
            cell.value = 50
            cell.number_format = '#,##0.00"万元"'
        rate, satisfaction = [cell for cell in _cells_holding(sheet, 1) if cell.number_format == "0%"]
        rate.value, rate.number_format = 0.95, '"≥"0%'
        satisfaction.value, satisfaction.number_format = 100, '0"%"'
        (count,) = _column_of(sheet, "123 家")
        count.value, count.number_format = 123, '0"家"'

    forms = bl.read_forms([_seed_workbook(tmp_path, "literals.xlsx", edit)])
    project = forms.projects.iloc[0]
    assert project["budget_as_written"] == "50.00万元"
    assert project["total_budget_yuan"] == 500000.0
    indicators = forms.indicators.set_index("target_text")
    assert indicators.loc["≥95%", ["comparator", "target_value", "unit"]].tolist() == [">=", 95.0, "%"]
    assert indicators.loc["100%", ["target_value", "unit"]].tolist() == [100.0, "%"]
    assert indicators.loc["123家", ["target_value", "unit"]].tolist() == [123.0, "家"]


def _column_of(sheet: Worksheet, text: str) -> list[openpyxl.cell.Cell]:
    return [cell for row in sheet.iter_rows() for cell in row if cell.value == text]


def _workbook_bytes(fill: Callable[[Worksheet], None]) -> bytes:
    workbook = openpyxl.Workbook()
    fill(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_number_the_sheet_does_not_show_is_kept_and_named(reader: str) -> None:
    def fill(sheet: Worksheet) -> None:
        sheet.append(["资金来源", "金额"])
        sheet.append(["财政拨款", 0])
        sheet.append(["其他", -1234.5])
        sheet["B2"].number_format = '0.00;-0.00;"-"'
        sheet["B3"].number_format = "#,##0.00;(#,##0.00)"

    (document,) = read_xlsx(_workbook_bytes(fill), "t.xlsx")
    (table,) = document.tables
    assert table.rows == [["资金来源", "金额"], ["财政拨款", "0"], ["其他", "-1,234.50"]]
    assert [(w.code, w.message) for w in document.warnings] == [
        (
            "W_NUMBER_FORMAT",
            "sheet 'Sheet': 2 number cell(s) do not read as the sheet shows them: B2 shown as '-'; the stored value "
            "0 is kept; B3 shown as '(1,234.50)'; read with a minus sign",
        )
    ]


# --- the .xls reader shares the renderer --------------------------------------------------------
# xlwt is not installed, so no .xls can be written here: a real .xls from the fixtures is read with the
# number format of every cell replaced, which runs the xls reader's own path into the shared renderer.


def test_xls_numbers_go_through_the_same_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = {block.origin: block for block in read_xls(XLS.read_bytes(), "t.xls")[0].blocks}
    monkeypatch.setattr(xls_module, "_number_format", lambda book, xf_index: "0!.0000")
    (document, *_) = read_xls(XLS.read_bytes(), "t.xls")
    scaled = {block.origin: block for block in document.blocks}
    table = next(block for origin, block in scaled.items() if isinstance(block, Table) and "100" in str(plain[origin]))
    before = plain[table.origin]
    assert isinstance(before, Table)
    changed = {
        (r, c): (before.rows[r][c], text)
        for r, row in enumerate(table.rows)
        for c, text in enumerate(row)
        if text != before.rows[r][c]
    }
    assert ("100", "0.0100") in changed.values() and ("98", "0.0098") in changed.values()


def test_xls_notes_name_the_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xls_module, "_number_format", lambda book, xf_index: '0;-0;"-"')
    (document, *_) = read_xls(XLS.read_bytes(), "t.xls")
    (warning,) = [w for w in document.warnings if w.code == "W_NUMBER_FORMAT"]
    assert "C14 shown as '-'; the stored value 0 is kept" in warning.message


# --- hidden rows and columns --------------------------------------------------------------------


def test_a_hidden_superseded_row_loses_to_the_visible_one(tmp_path: Path, reader: str) -> None:
    """A hidden old budget row (300000) above the visible one (500000): the visible value is the budget."""
    text = SEED.read_text(encoding="utf-8")
    row = "| 项目总预算            | 500000.00  | 项目当年预算 | 500000.00             |\n"
    assert row in text
    source = tmp_path / "superseded.md"
    source.write_text(text.replace(row, row.replace("500000.00", "300000.00") + row), encoding="utf-8")

    def edit(sheet: Worksheet) -> None:
        (old,) = [cell for cell in _cells_holding(sheet, 300000) if cell.column == 2]
        sheet.row_dimensions[old.row].hidden = True
        edit.hidden_row = old.row  # type: ignore[attr-defined]

    forms = bl.read_forms([_seed_workbook(tmp_path, "superseded.xlsx", edit, source)])
    project = forms.projects.iloc[0]
    assert project["total_budget_yuan"] == 500000.0 and project["current_year_budget_yuan"] == 500000.0
    warnings = forms.warnings.set_index("code")["message"]
    hidden_row = edit.hidden_row  # type: ignore[attr-defined]
    assert warnings["W_HIDDEN_ROWS"] == (
        f"sheet 'Sheet1': row(s) {hidden_row}, hidden in the workbook, were read "
        "after the visible rows, as blocks of their own"
    )
    assert sorted(forms.unparsed["text"]) == ["300000.00", "300000.00"]  # nothing lost


def test_hidden_rows_are_laid_out_after_the_visible_ones(reader: str) -> None:
    def fill(sheet: Worksheet) -> None:
        sheet.append(["项目名称", "甲"])
        sheet.append(["项目总预算", 300000])
        sheet.append(["项目当年预算", 500000])
        sheet.append(["备注", "无"])
        sheet.row_dimensions[2].hidden = True

    (document,) = read_xlsx(_workbook_bytes(fill), "t.xlsx")
    assert [(type(b).__name__, b.origin, b.rows if isinstance(b, Table) else b.text) for b in document.blocks] == [
        ("Table", "sheet 'Sheet' row 1", [["项目名称", "甲"], ["项目当年预算", "500000"], ["备注", "无"]]),
        ("Table", "sheet 'Sheet' row 2 (hidden)", [["项目总预算", "300000"]]),
    ]
    assert [w.code for w in document.warnings] == ["W_HIDDEN_ROWS"]


def test_a_hidden_row_holding_a_merged_cell_shown_below_stays_in_place(reader: str) -> None:
    def fill(sheet: Worksheet) -> None:
        sheet.append(["产出指标", "数量指标", "甲"])
        sheet.append([None, "质量指标", "乙"])
        sheet.merge_cells("A1:A2")
        sheet.row_dimensions[1].hidden = True

    (document,) = read_xlsx(_workbook_bytes(fill), "t.xlsx")
    (table,) = document.tables
    assert table.rows == [["产出指标", "数量指标", "甲"], ["", "质量指标", "乙"]]
    assert [w.message for w in document.warnings] == [
        "sheet 'Sheet': hidden row(s) 1 were read in place: they hold merged cells that visible rows show"
    ]


def test_hidden_columns_are_named(reader: str) -> None:
    def fill(sheet: Worksheet) -> None:
        sheet.append(["项目名称", "甲", "辅助"])
        sheet.column_dimensions["C"].hidden = True
        sheet.column_dimensions["D"].hidden = True  # hidden but empty: not named

    (document,) = read_xlsx(_workbook_bytes(fill), "t.xlsx")
    assert document.tables[0].rows == [["项目名称", "甲", "辅助"]]
    assert [w.message for w in document.warnings] == [
        "sheet 'Sheet': column(s) C are hidden in the workbook and hold content; they were read in place"
    ]


def test_xls_hidden_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """xlrd's row information says which rows are hidden (rows share Rowinfo objects: copy before changing)."""
    original = xls_module._read_sheet

    def hide_row_12(book, sheet, formulas, budget, xlrd):  # type: ignore[no-untyped-def]
        info = copy.copy(sheet.rowinfo_map[11])
        info.hidden = 1
        sheet.rowinfo_map[11] = info
        return original(book, sheet, formulas, budget, xlrd)

    plain = read_xls(XLS.read_bytes(), "t.xls")[0]
    monkeypatch.setattr(xls_module, "_read_sheet", hide_row_12)
    document = read_xls(XLS.read_bytes(), "t.xls")[0]
    assert [w.message for w in document.warnings if w.code == "W_HIDDEN_ROWS"] == [
        f"sheet '{document.part}': row(s) 12, hidden in the workbook, were read after the visible rows, "
        "as blocks of their own"
    ]
    last = document.blocks[-1]
    assert isinstance(last, Table | TextLine) and last.origin.endswith("row 12 (hidden)")
    assert sum(len(t.rows) for t in document.tables) == sum(len(t.rows) for t in plain.tables)  # nothing lost


# --- a file named .xlsx that is no zip at all ------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        ("项目名称,中江县水标尺\n主管部门,中江县水利局\n年度资金总额,20\n", "comma-separated text (a CSV file)"),
        ("项目名称\t中江县水标尺\n主管部门\t中江县水利局\n", "tab-separated text (a CSV or TSV export)"),
        ("| 项目名称 | 甲 |\n|---|---|\n| 主管部门 | 乙 |\n", "a markdown table"),
    ],
)
def test_text_named_xlsx_says_what_it_is(tmp_path: Path, content: str, looks_like: str) -> None:
    path = tmp_path / "form.xlsx"
    path.write_bytes(content.encode("gb18030"))
    with pytest.raises(UnreadableFileError) as caught:
        load_document(path)
    assert caught.value.code == "E_BROKEN_FILE"
    assert str(caught.value) == (
        f"not an xlsx workbook: the file holds {looks_like}, not the zip archive an xlsx "
        "is; open it in Excel or WPS and save it as .xlsx"
    )


def test_a_truncated_workbook_is_still_a_broken_zip(tmp_path: Path) -> None:
    data = _workbook_bytes(lambda sheet: sheet.append(["项目名称", "甲"]))
    path = tmp_path / "form.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFileError, match="broken zip archive"):
        load_document(path)
