"""What a person sees, not what the file stores: HTML text hidden by the page's style sheet, and Excel text
cells shown through their format's text section (``@"万元"``).

The HTML families hide a superseded budget row of the seed page (tests/fixtures/html) the ways disclosure
CMS pages do: a class, a tag and class, an id, a comma list, several classes, ``!important``, odd case and
spacing, comments. The workbook families are the seed form as an xlsx whose amounts and indicator values
are text cells carrying their unit in the format, read by both xlsx readers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet

import budgetlib as bl
from budgetlib.extract import xls as xls_module
from budgetlib.extract import xlsx as xlsx_module
from budgetlib.extract.html import parse_html
from budgetlib.extract.numfmt import has_text_section, render_text
from budgetlib.extract.stylesheet import parse_sheet
from budgetlib.extract.xls import read_xls
from budgetlib.extract.xlsx import read_xlsx
from budgetlib.testing import markdown_to_xlsx

FIXTURES = Path(__file__).parents[1] / "fixtures"
SEED_HTML = FIXTURES / "html" / "xinzhou-2020-e-gov-network-declaration.html"
SEED = SEED_HTML.read_text(encoding="utf-8")
SEED_MD = FIXTURES / "examples" / "xinzhou-2020-e-gov-network-declaration.md"
XLS = FIXTURES / "office" / "xls" / "ezhou-2021-civic-center-maintenance-self-evaluation.xls"
TABLES = ["projects", "funding", "budget_history", "expenditures", "indicators"]
BUDGET_ROW_START = SEED.rindex("<tr>", 0, SEED.index("项目总预算"))
BUDGET_ROW = SEED[BUDGET_ROW_START : SEED.index("</tr>", BUDGET_ROW_START) + len("</tr>")]
SUPERSEDED = "'项目总预算 300000.00 项目当年预算 300000.00'"


# --- HTML: the page's style sheet ------------------------------------------------------------------


def with_superseded_row(css: str, attributes: str, *, in_body: bool = False) -> str:
    """The seed page with a style sheet and, above the budget row, an older row (300000) marked up with
    ``attributes`` that the sheet is meant to hide."""
    old = BUDGET_ROW.replace("<tr>", f"<tr {attributes}>").replace("500000.00", "300000.00")
    page = SEED[:BUDGET_ROW_START] + old + "\n" + SEED[BUDGET_ROW_START:]
    style = f"<style type='text/css'>{css}</style>"
    if in_body:
        return page.replace("<body>", "<body>" + style, 1)
    return page.replace("</head>", style + "</head>", 1)


def read(tmp_path: Path, markup: str, name: str = "form.html") -> bl.Forms:
    path = tmp_path / name
    path.write_text(markup, encoding="utf-8")
    return bl.read_forms([path])


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in ("form_id", "source_file", "table_no") if c in frame.columns])


def assert_reads_like_the_seed(forms: bl.Forms) -> None:
    seed = bl.read_forms([SEED_HTML])
    for name in TABLES:
        pd.testing.assert_frame_equal(plain(getattr(forms, name)), plain(getattr(seed, name)), obj=name)


def hidden_message(forms: bl.Forms) -> str:
    (text,) = forms.warnings.loc[forms.warnings["code"] == "W_HIDDEN_TEXT", "message"]
    return str(text)


@pytest.mark.parametrize(
    ("css", "attributes", "selector"),
    [
        (".hid{display:none}", 'class="hid"', ".hid"),
        ("tr.old {visibility: hidden}", 'class="old"', "tr.old"),
        ("tr.old {visibility: collapse}", 'class="old"', "tr.old"),  # a collapsed row leaves the table
        ("#superseded { DISPLAY : NONE !important }", 'id="superseded"', "#superseded"),
        (".note, TR.OLD , .x {display:none;}", 'class="OLD"', "TR.OLD"),
        (".row.old{display:none}", 'class="row  old" style="color:#999"', ".row.old"),
        ("/* 旧版数据 */\n  .Hid  {\n  color: red;\n  display:none\n}", 'class="x Hid"', ".Hid"),
        ("*.hid{visibility:hidden!important}", 'class="hid"', "*.hid"),
        ("@media print { .a { color: black } } .hid{display:none} td:hover{display:none}", 'class="hid"', ".hid"),
    ],
)
def test_a_row_hidden_by_the_style_sheet_is_not_read(tmp_path: Path, css: str, attributes: str, selector: str) -> None:
    forms = read(tmp_path, with_superseded_row(css, attributes))
    assert_reads_like_the_seed(forms)
    project = forms.projects.iloc[0]
    assert project["total_budget_yuan"] == 500_000.0
    assert project["current_year_budget_yuan"] == 500_000.0
    assert forms.warnings["code"].tolist() == ["W_HIDDEN_TEXT"]
    assert f"<tr> (style sheet: {selector}): {SUPERSEDED}" in hidden_message(forms)
    assert "the page's style sheet" in hidden_message(forms)


def test_a_style_sheet_in_the_body_counts_too(tmp_path: Path) -> None:
    forms = read(tmp_path, with_superseded_row(".hid{display:none}", 'class="hid"', in_body=True))
    assert_reads_like_the_seed(forms)
    assert forms.projects.loc[0, "total_budget_yuan"] == 500_000.0


def test_a_watermark_digit_hidden_by_class_is_not_read(tmp_path: Path) -> None:
    markup = SEED.replace("<td>500000.00</td>", '<td>500000<span class="wm">8</span>.00</td>', 1)
    markup = markup.replace("</head>", "<style>span.wm{display:none}</style></head>", 1)
    forms = read(tmp_path, markup)
    assert_reads_like_the_seed(forms)
    assert forms.projects.loc[0, "total_budget_yuan"] == 500_000.0
    assert hidden_message(forms).endswith("<span> (style sheet: span.wm): '8'")


@pytest.mark.parametrize(
    ("css", "attributes"),
    [
        ("tr.old td{display:none}", 'class="old"'),  # a descendant combinator: not judged
        ("tr > td{display:none}", ""),
        ("tr:first-child{display:none}", ""),
        ("[data-old]{display:none}", "data-old"),
        ("@media print { .hid{display:none} }", 'class="hid"'),  # only on paper
        (".HID{display:none}", 'class="hid"'),  # class names match with their case
        (".hid{display:none", 'class="x"'),  # broken CSS, and no class it names
        (".hid{display:none} .hid.current{display:table-row}", 'class="hid current"'),  # rules conflict
        (".hid{display:none}", 'class="hid" style="display: table-row"'),  # the element's own style wins
        (".hid{display:none !important}", 'class="hid" style="display:block !important"'),
        (".hid{display:var(--shown)}", 'class="hid" hidden'),  # a value not judged shows, over [hidden]
        (".hid{display:none}", "class='hid'".replace("hid", "hidden-row")),
    ],
)
def test_what_the_sheet_does_not_surely_hide_is_read(css: str, attributes: str) -> None:
    document = parse_html(with_superseded_row(css, attributes), "t.html")
    budget_rows = [row for table in document.tables for row in table.rows if row[:1] == ["项目总预算"]]
    assert [row[1] for row in budget_rows] == ["300000.00", "500000.00"]
    assert "W_HIDDEN_TEXT" not in [warning.code for warning in document.warnings]


def test_a_sheet_for_print_or_another_language_is_not_followed() -> None:
    for style in ("<style media='print'>.hid{display:none}</style>", "<style type='text/less'>.hid{display:none}</style>"):
        markup = with_superseded_row("", 'class="hid"').replace("</head>", style + "</head>", 1)
        document = parse_html(markup, "t.html")
        assert "W_HIDDEN_TEXT" not in [warning.code for warning in document.warnings]


def test_important_sheet_rules_beat_the_elements_own_style() -> None:
    document = parse_html(with_superseded_row(".hid{display:none !important}", 'class="hid" style="display:block"'),
                          "t.html")
    budget_rows = [row for table in document.tables for row in table.rows if row[:1] == ["项目总预算"]]
    assert [row[1] for row in budget_rows] == ["500000.00"]


def test_cells_hidden_by_class_leave_their_row_or_keep_their_place() -> None:
    document = parse_html(
        "<style>td.gone{display:none} .blank{visibility:hidden}</style>"
        "<table><tr><td>项目总预算</td><td class='gone'>旧</td><td>500000.00</td></tr>"
        "<tr><td>项目当年预算</td><td class='blank' colspan='2'>隐</td><td>500000.00</td></tr></table>",
        "t.html",
    )
    assert document.tables[0].rows == [["项目总预算", "500000.00"], ["项目当年预算", "", "", "500000.00"]]
    assert document.tables[0].anchors == {(1, 2): (1, 1)}
    (warning,) = document.warnings
    assert "2 hidden element(s)" in warning.message
    assert "<td> (style sheet: td.gone): '旧'" in warning.message
    assert "<td> (style sheet: .blank): '隐'" in warning.message


def test_inline_and_sheet_hiding_are_noted_together_in_document_order() -> None:
    document = parse_html(
        "<style>.a{display:none}</style><p>标题<span class='a'>甲</span><span style='display:none'>乙</span>"
        "<b class='a'>丙<i style='display:none'>丁</i></b></p>",
        "t.html",
    )
    assert [line.text for line in document.text_lines] == ["标题"]
    (warning,) = document.warnings
    assert warning.message.endswith(
        "line 1 <span> (style sheet: .a): '甲'; line 1 <span>: '乙'; line 1 <b> (style sheet: .a): '丙 丁'"
    )


def test_sheets_that_hide_nothing_change_nothing() -> None:
    seed = parse_html(SEED, "seed.html")
    for css in ("td{display:table-cell} .x{visibility:visible}", "", "@import url(x.css); td{color:red}"):
        document = parse_html(SEED.replace("</head>", f"<style>{css}</style></head>", 1), "t.html")
        assert [table.rows for table in document.tables] == [table.rows for table in seed.tables]
        assert document.warnings == []


def test_the_sheet_parser_keeps_only_simple_selectors() -> None:
    rules = parse_sheet(
        "a.b#c, div > p, .x .y, li:hover, #only { display: none } .v{visibility:HIDDEN} .w{display:block}"
    )
    assert [(rule.selector, rule.tag, rule.element_id, sorted(rule.classes), rule.hides) for rule in rules] == [
        ("a.b#c", "a", "c", ["b"], True),
        ("#only", None, "only", [], True),
        (".v", None, None, ["v"], True),
        (".w", None, None, ["w"], False),
    ]


# --- Excel: the text section of a number format ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number_format", "shown"),
    [
        ("12.5", '@"万元"', "12.5万元"),
        ("12.5", '0.00;-0.00;0;@" 元"', "12.5 元"),
        ("50", '"金额："@', "金额：50"),
        ("50", '"金额："@"万元"', "金额：50万元"),
        ("50", '[Blue]@"万元"', "50万元"),
        ("50", '#,##0.00;@"万元"', "50万元"),  # the last section holds @: the text section
        ("50", '@\\家', "50家"),
        ("50", '_ @_ ', " 50 "),
        ("≥95", '@"%"', "≥95%"),
        ("50", "0.00", "50"),  # no text section: text as it is
        ("50", '0.00"万元"', "50"),
        ("50", '0;-0;0', "50"),
        ("50", "@", "50"),
        ("50", "General", "50"),
        ("50", None, "50"),
        ("2020-01-01", 'yyyy"年"m"月"d"日";@', "2020-01-01"),
    ],
)
def test_text_reads_as_its_text_section_shows_it(text: str, number_format: str | None, shown: str) -> None:
    assert render_text(text, number_format) == (shown, None)


@pytest.mark.parametrize(
    ("number_format", "note"),
    [
        (";;;", "shown as ''; the stored text is kept"),
        ('0;-0;0;"-"', "shown as '-'; the stored text is kept"),
        ("0;-0;0;0@", "text format '0;-0;0;0@' is not rendered; the stored text is kept"),
        ("0;-0;0;yyyy@", "text format '0;-0;0;yyyy@' is not rendered; the stored text is kept"),
    ],
)
def test_a_text_section_that_hides_the_text_keeps_it_with_a_note(number_format: str, note: str) -> None:
    assert render_text("待定", number_format) == ("待定", note)
    assert has_text_section(number_format)


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each xlsx test runs through both readers: calamine (the fast path) and openpyxl."""
    if request.param == "openpyxl":
        monkeypatch.setattr(xlsx_module, "_fast_plan", lambda archive: None)
    return str(request.param)


def seed_workbook(tmp_path: Path, edit: Callable[[Worksheet], None]) -> Path:
    workbook = openpyxl.load_workbook(io.BytesIO(markdown_to_xlsx(SEED_MD, merge=True)))
    edit(workbook.active)
    path = tmp_path / "form.xlsx"
    workbook.save(path)
    return path


def cells(sheet: Worksheet, value: object) -> list[openpyxl.cell.Cell]:
    return [cell for row in sheet.iter_rows() for cell in row if cell.value == value]


@pytest.mark.parametrize(
    ("unit_line", "stored", "number_format", "written"),
    [
        ("资金单位：元", "50", '@"万元"', "50万元"),
        ("资金单位：元", "50.00", '0.00;-0.00;0;@"万元"', "50.00万元"),
        ("资金单位：元", "50", '[Blue]@" 万元"', "50 万元"),
        (None, "50", '@"万元"', "50万元"),  # no unit line: the unit is only in the format
        ("资金单位：万元", "500000.00", '@"元"', "500000.00元"),  # the cells' own unit wins over the line
    ],
)
def test_amounts_stored_as_text_read_with_the_unit_their_format_shows(
    tmp_path: Path, reader: str, unit_line: str | None, stored: str, number_format: str, written: str
) -> None:
    def edit(sheet: Worksheet) -> None:
        (line,) = cells(sheet, "资金单位：元")
        line.value = unit_line
        for cell in cells(sheet, 500000):
            cell.value, cell.number_format = stored, number_format

    forms = bl.read_forms([seed_workbook(tmp_path, edit)])
    project = forms.projects.iloc[0]
    assert project["budget_as_written"] == written
    assert project["total_budget_as_written"] == written
    assert project["total_budget_yuan"] == 500_000.0
    assert project["current_year_budget_yuan"] == 500_000.0
    appropriation = forms.funding[forms.funding["source_name"] == "财政拨款收入"]
    assert appropriation["amount_yuan"].tolist() == [500_000.0]
    assert not {"W_NUMBER_FORMAT", "W_SCALED_NUMBER"} & set(forms.warnings["code"])


def test_indicator_targets_stored_as_text_keep_the_unit_of_their_format(tmp_path: Path, reader: str) -> None:
    def edit(sheet: Worksheet) -> None:
        (count,) = cells(sheet, "123 家")
        count.value, count.number_format = "123", '@"家"'
        rate, satisfaction = [cell for cell in cells(sheet, 1) if cell.number_format == "0%"]
        rate.value, rate.number_format = "≥95", '@"%"'
        satisfaction.value, satisfaction.number_format = "100", '0;-0;0;@" %"'

    forms = bl.read_forms([seed_workbook(tmp_path, edit)])
    indicators = forms.indicators.set_index("target_text")
    assert indicators.loc["123家", ["target_value", "unit"]].tolist() == [123.0, "家"]
    assert indicators.loc["≥95%", ["comparator", "target_value", "unit"]].tolist() == [">=", 95.0, "%"]
    assert indicators.loc["100 %", ["target_value", "unit"]].tolist() == [100.0, "%"]


def workbook_bytes(fill: Callable[[Worksheet], None]) -> bytes:
    workbook = openpyxl.Workbook()
    fill(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_text_a_format_would_hide_is_kept_and_named(reader: str) -> None:
    def fill(sheet: Worksheet) -> None:
        sheet.append(["资金来源", "金额", "备注"])
        sheet.append(["财政拨款", 0, "待定"])
        sheet.append(["其他", "12.5", "模板说明"])
        sheet["B2"].number_format = '0.00;-0.00;"-";"-"'
        sheet["C2"].number_format = '0.00;-0.00;"-";"-"'
        sheet["B3"].number_format = '@"万元"'
        sheet["C3"].number_format = ";;;"

    (document,) = read_xlsx(workbook_bytes(fill), "t.xlsx")
    (table,) = document.tables
    assert table.rows == [["资金来源", "金额", "备注"], ["财政拨款", "0", "待定"], ["其他", "12.5万元", "模板说明"]]
    assert [(w.code, w.message) for w in document.warnings] == [
        ("W_NUMBER_FORMAT", "sheet 'Sheet': 1 number cell(s) do not read as the sheet shows them: B2 shown as '-'; "
                            "the stored value 0 is kept"),
        ("W_NUMBER_FORMAT", "sheet 'Sheet': 2 text cell(s) do not read as the sheet shows them: C2 shown as '-'; "
                            "the stored text is kept; C3 shown as ''; the stored text is kept"),
    ]


def test_accounting_formats_leave_text_cells_as_they_are(reader: str) -> None:
    accounting = '_ ¥* #,##0.00_ ;_ ¥* -#,##0.00_ ;_ ¥* "-"??_ ;_ @_ '

    def fill(sheet: Worksheet) -> None:
        sheet.append(["项目名称", "区电子政务网络运行维护"])
        sheet["B1"].number_format = accounting

    (document,) = read_xlsx(workbook_bytes(fill), "t.xlsx")
    assert document.tables[0].rows == [["项目名称", "区电子政务网络运行维护"]]
    assert document.warnings == []


@pytest.mark.parametrize("every_tag", [False, True])
def test_the_fast_path_keeps_the_text_formats_of_shared_and_inline_strings(
    every_tag: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel writes text as shared strings (t="s"): the scan keeps the format of a text cell whose text
    section changes it, and of no other text cell (the usual loop and the one over every tag alike)."""
    if every_tag:
        monkeypatch.setattr(xlsx_module, "_CELL_USUAL", re.compile(rb"(?!)"))
    formats = ["General", '@"万元"', "0.00", '_ ¥* #,##0.00_ ;_ ¥* -#,##0.00_ ;_ ¥* "-"??_ ;_ @_ ']
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1" s="1" t="s"><v>0</v></c>'
           b'<c r="B1" s="1" t="inlineStr"><is><t>5</t></is></c><c r="C1" s="2" t="s"><v>1</v></c>'
           b'<c r="D1" s="3" t="s"><v>2</v></c><c r="E1" s="1" t="b"><v>1</v></c><c r="F1" s="1"><v>7</v></c>'
           b"</row></sheetData></worksheet>")
    plan = xlsx_module._SheetPlan("S")
    xlsx_module._scan_sheet(xml, plan, formats, 1000)
    assert plan.formats == {(1, 1): '@"万元"', (1, 2): '@"万元"', (1, 6): '@"万元"'}


def test_xls_text_cells_go_through_the_same_text_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    plain_texts = {text for table in read_xls(XLS.read_bytes(), "t.xls")[0].tables for row in table.rows
                   for text in row if text and not text[0].isdigit()}
    monkeypatch.setattr(xls_module, "_number_format", lambda book, xf_index: '0;-0;0;@"（注）"')
    (document, *_) = read_xls(XLS.read_bytes(), "t.xls")
    texts = {text for table in document.tables for row in table.rows for text in row}
    some = sorted(plain_texts)[:5]
    assert some and all(f"{text}（注）" in texts for text in some)
