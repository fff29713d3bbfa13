"""read_xlsx: workbooks as Excel writes them, block splitting, number formats, hostile archives."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from budgetlib.extract import xlsx as xlsx_module
from budgetlib.extract.document import Document, Table, TextLine, UnreadableFileError
from budgetlib.extract.load import load_document
from budgetlib.extract.xlsx import format_number, read_xlsx
from budgetlib.notices import Notice

SHEET = "xl/worksheets/sheet1.xml"

# --- a workbook written the way Excel writes it: shared strings, styles, merges, formulas ----------

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
{sheets}
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00_ ;[Red]\\-#,##0.00\\ "/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
</styleSheet>"""
GENERAL, FIXED2, THOUSANDS2, PERCENT2, DATE, PERCENT0 = range(6)

Cell = tuple  # ("s", text) | ("n", number, style) | ("f", formula, cached, style) | ("rich", [runs])


def excel_workbook(sheets: dict[str, tuple[dict[str, Cell], list[str]]], hidden: tuple[str, ...] = ()) -> bytes:
    """An xlsx as Excel writes it: {sheet name: ({"A1": cell}, ["A1:D1" merges])}."""
    shared: list[str] = []

    def string_index(xml: str) -> int:
        shared.append(xml)
        return len(shared) - 1

    sheet_xml = []
    for cells, merges in sheets.values():
        rows: dict[int, list[str]] = {}
        for ref, cell in sorted(cells.items(), key=lambda item: _order(item[0])):
            row = int(re.sub(r"[A-Z]", "", ref))
            kind = cell[0]
            if kind == "s":
                xml = f'<c r="{ref}" t="s"><v>{string_index(f"<t>{escape(cell[1])}</t>")}</v></c>'
            elif kind == "rich":
                runs = "".join(f'<r><t xml:space="preserve">{escape(text)}</t></r>' for text in cell[1])
                xml = f'<c r="{ref}" t="s"><v>{string_index(runs)}</v></c>'
            elif kind == "n":
                xml = f'<c r="{ref}" s="{cell[2]}"><v>{cell[1]}</v></c>'
            elif kind == "f":
                xml = f'<c r="{ref}" s="{cell[3]}"><f>{escape(cell[1])}</f><v>{cell[2]}</v></c>'
            else:  # pragma: no cover - test helper misuse
                raise ValueError(kind)
            rows.setdefault(row, []).append(xml)
        data = "".join(f'<row r="{row}">{"".join(xml)}</row>' for row, xml in sorted(rows.items()))
        merge_xml = (
            f'<mergeCells count="{len(merges)}">'
            + "".join(f'<mergeCell ref="{ref}"/>' for ref in merges)
            + "</mergeCells>"
            if merges
            else ""
        )
        sheet_xml.append(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{_REL}"><dimension ref="A1"/><sheetData>{data}</sheetData>{merge_xml}</worksheet>'
        )
    names = list(sheets)
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{_REL}"><sheets>'
        + "".join(
            f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"'
            + (' state="hidden"' if name in hidden else "")
            + "/>"
            for n, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>"
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(names) + 1)
        )
        + f'<Relationship Id="rIdS" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        + f'<Relationship Id="rIdT" Type="{_REL}/styles" Target="styles.xml"/>'
        + "</Relationships>"
    )
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(shared)}" uniqueCount="{len(shared)}">' + "".join(f"<si>{xml}</si>" for xml in shared) + "</sst>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        types = "\n".join(_SHEET_TYPE.format(n=n) for n in range(1, len(names) + 1))
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=types))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr("xl/sharedStrings.xml", strings)
        for n, xml in enumerate(sheet_xml, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", xml)
    return buffer.getvalue()


def _order(ref: str) -> tuple[int, int]:
    letters = re.sub(r"\d", "", ref)
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(ref[len(letters) :]), column


def s(text: str) -> Cell:
    return ("s", text)


SEED_SHEET: dict[str, Cell] = {
    "A1": s("2020 年部门项目申报及绩效目标表"),
    "A2": s("资金单位：元"),
    "A4": s("项目名称"),
    "B4": s("区电子政务网络运行维护"),
    "C4": s("项目代码"),
    "D4": s("036001-2020-BMZX-0001"),
    "A5": s("项目负责人"),
    "B5": s("熊良静"),
    "C5": s("联系电话"),
    "D5": ("n", 86918820, GENERAL),
    "A6": s("项目类别"),
    "B6": s("部门项目"),
    "A7": s("项目主要内容"),
    "B7": ("rich", ["1、维护区直各部门电子政务网络，共 123 家；", "\n2、区 655 个社区、村电子政务外网 VPN 方式接入"]),
    "A8": s("项目总预算"),
    "B8": ("n", 500000, FIXED2),
    "C8": s("项目当年预算"),
    "D8": ("n", "500000.0", FIXED2),
    "A9": s("项目资金来源"),
    "B9": s("资金来源项目"),
    "D9": s("金额"),
    "B10": s("合计"),
    "D10": ("f", "SUM(D11:D12)", 500000, FIXED2),
    "B11": s("1.财政拨款收入"),
    "D11": ("n", 500000, FIXED2),
    "B12": s("2.上级补助收入"),
    "D12": ("n", 0, GENERAL),
    "A13": s("7.一般非税上年结转"),
    "C13": ("n", 0, GENERAL),
    "A15": s("注：金额单位为元"),
    "A16": s("填报日期"),
    "B16": ("n", 45108, DATE),
    "C16": s("执行率"),
    "D16": ("n", 1, PERCENT2),
    "A17": s("累计"),
    "B17": ("n", 1234567.5, THOUSANDS2),
    "C17": s("完成率"),
    "D17": ("n", 0.285, PERCENT0),
}
SEED_MERGES = ["A1:D1", "B6:D6", "B7:D7", "A9:A12", "B9:C9", "B10:C10", "B11:C11", "B12:C12"]


def seed_workbook() -> bytes:
    return excel_workbook({"绩效目标表": (SEED_SHEET, SEED_MERGES)})


def test_excel_workbook_blocks_and_values() -> None:
    (document,) = read_xlsx(seed_workbook(), "seed.xlsx")
    assert document.part == "绩效目标表"
    assert document.encoding is None
    kinds = [type(block).__name__ for block in document.blocks]
    assert kinds == ["TextLine", "TextLine", "Table", "TextLine", "Table"]
    title, unit = document.text_lines[:2]
    assert (title.text, unit.text) == ("2020 年部门项目申报及绩效目标表", "资金单位：元")
    assert title.origin == "sheet '绩效目标表' cell A1"
    form = document.tables[0]
    assert form.origin == "sheet '绩效目标表' row 4"
    assert form.rows == [
        ["项目名称", "区电子政务网络运行维护", "项目代码", "036001-2020-BMZX-0001"],
        ["项目负责人", "熊良静", "联系电话", "86918820"],
        ["项目类别", "部门项目", "", ""],
        [
            "项目主要内容",
            "1、维护区直各部门电子政务网络，共 123 家；\n2、区 655 个社区、村电子政务外网 VPN 方式接入",
            "",
            "",
        ],
        ["项目总预算", "500000.00", "项目当年预算", "500000.00"],
        ["项目资金来源", "资金来源项目", "", "金额"],
        ["", "合计", "", "=SUM(D11:D12)"],
        ["", "1.财政拨款收入", "", "500000.00"],
        ["", "2.上级补助收入", "", "0"],
        ["7.一般非税上年结转", "", "0", ""],
    ]
    assert form.anchors[(2, 2)] == (2, 1) and form.anchors[(2, 3)] == (2, 1)
    assert [form.anchors[(row, 0)] for row in (6, 7, 8)] == [(5, 0)] * 3
    assert form.anchors[(6, 2)] == (6, 1)
    assert (9, 0) not in form.anchors
    assert document.text_lines[2].text == "注：金额单位为元"
    assert document.tables[1].rows == [
        ["填报日期", "2023-07-01", "执行率", "100.00%"],
        ["累计", "1,234,567.50", "完成率", "29%"],
    ]
    assert [table.table_no for table in document.tables] == [0, 1]
    assert len(document.warnings) == 1
    assert "formula" in document.warnings[0].message and "D10" in document.warnings[0].message


def test_covered_cells_are_empty_even_if_the_file_filled_them() -> None:
    cells = {"A1": s("项目"), "B1": s("甲"), "C1": s("重复的甲"), "A2": s("乙"), "B2": s("丙"), "C2": s("丁")}
    (document,) = read_xlsx(excel_workbook({"S": (cells, ["B1:C1"])}), "t.xlsx")
    assert document.tables[0].rows == [["项目", "甲", ""], ["乙", "丙", "丁"]]
    assert document.tables[0].anchors == {(0, 2): (0, 1)}


def test_sheets_without_content_are_skipped_and_hidden_ones_flagged() -> None:
    data = excel_workbook(
        {
            "封面": ({}, []),
            "表1": ({"A1": s("项目名称"), "B1": s("甲")}, []),
            "隐藏": ({"A1": s("代码表"), "B1": s("1")}, []),
        },
        hidden=("隐藏",),
    )
    documents = read_xlsx(data, "t.xlsx")
    assert [document.part for document in documents] == ["表1", "隐藏"]
    assert documents[1].warnings == [Notice("W_HIDDEN_SHEET", "sheet '隐藏' is hidden in the workbook")]


def test_a_workbook_of_empty_sheets_is_unreadable() -> None:
    with pytest.raises(UnreadableFileError, match="all empty"):
        read_xlsx(excel_workbook({"a": ({}, []), "b": ({}, [])}), "t.xlsx")


def test_load_document_reads_xlsx_by_content(tmp_path: Path) -> None:
    path = tmp_path / "form-without-suffix"
    path.write_bytes(seed_workbook())
    (document,) = load_document(path)
    assert document.part == "绩效目标表" and len(document.tables) == 2


# --- number formats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (500000.0, "0.00", "500000.00"),
        (500000, "0.00", "500000.00"),
        (500000.0, "General", "500000"),
        (500000.0, None, "500000"),
        (238.93, "General", "238.93"),
        (0.1 + 0.2, "General", "0.3"),
        (2.675, "0.00", "2.68"),  # Excel rounds half up on the decimal digits it shows
        (1234567.5, "#,##0.00", "1,234,567.50"),
        (1234567.5, "#,##0", "1,234,568"),
        (1234.5, "#,##0.00_ ;[Red]\\-#,##0.00\\ ", "1,234.50"),
        (-1234.5, "#,##0.00;(#,##0.00)", "-1,234.50"),
        (1, "0%", "100%"),
        (0.285, "0%", "29%"),
        (1, "0.00%", "100.00%"),
        (0.9, "0.0%", "90.0%"),
        (12, "0", "12"),
        (-0.001, "0.00", "0.00"),
        (3.5, "[$-804]0.00", "3.50"),
        (3.5, '0.00"万元"', "3.50万元"),  # the shown text includes quoted literals
        (1e20, "General", "1e+20"),
        (123456789012.5, "General", "123456789012.5"),
        (7, "@", "7"),
        (0.5, "# ?/?", "0.5"),
        (1.5e-7, "0.00E+00", "1.5e-07"),
    ],
)
def test_format_number(value: float, number_format: str | None, text: str) -> None:
    assert format_number(value, number_format) == text


# --- blocks ---------------------------------------------------------------------------------------


def openpyxl_workbook(fill: Callable[[Worksheet], None]) -> bytes:
    workbook = openpyxl.Workbook()
    fill(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def blocks_of(data: bytes) -> list[tuple[str, object]]:
    (document,) = read_xlsx(data, "t.xlsx")
    return [("text", block.text) if isinstance(block, TextLine) else ("table", block.rows) for block in document.blocks]


def test_regions_text_lines_and_trimmed_tables() -> None:
    def fill(sheet: Worksheet) -> None:
        sheet["C2"] = "项目支出绩效目标表"
        sheet["D3"] = "单位：万元"
        sheet["C4"] = "项目名称"
        sheet["D4"] = "教育"
        sheet["C5"] = "资金"
        sheet["E5"] = 10000
        # row 6 blank: a new region
        sheet["B7"] = "附件:"
        sheet["B8"] = "说明一"
        sheet["B10"] = "一级指标"
        sheet["C10"] = "指标值"
        sheet["B11"] = "单列的行"

    assert blocks_of(openpyxl_workbook(fill)) == [
        ("text", "项目支出绩效目标表"),
        ("text", "单位：万元"),
        ("table", [["项目名称", "教育", ""], ["资金", "", "10000"]]),
        ("text", "附件:"),
        ("text", "说明一"),
        ("table", [["一级指标", "指标值"], ["单列的行", ""]]),
    ]


def test_a_label_merged_downwards_belongs_to_the_table() -> None:
    def fill(sheet: Worksheet) -> None:
        sheet["A1"] = "绩效指标"
        sheet.merge_cells("A1:A3")
        sheet["B2"] = "产出指标"
        sheet["C2"] = "100%"
        sheet["B3"] = "效益指标"

    (document,) = read_xlsx(openpyxl_workbook(fill), "t.xlsx")
    assert [type(block) for block in document.blocks] == [Table]
    assert document.tables[0].rows == [["绩效指标", "", ""], ["", "产出指标", "100%"], ["", "效益指标", ""]]
    assert document.tables[0].anchors == {(1, 0): (0, 0), (2, 0): (0, 0)}


def test_a_vertical_merge_bridges_the_blank_rows_it_covers() -> None:
    def fill(sheet: Worksheet) -> None:
        sheet["A1"] = "项目资金"
        sheet["B1"] = "总额"
        sheet["A2"] = "预算"
        sheet.merge_cells("A2:A4")
        sheet["B2"] = "10"
        sheet["B5"] = "合计"  # rows 3-4 have no value of their own, the merge holds them together
        sheet["C5"] = "20"

    assert blocks_of(openpyxl_workbook(fill)) == [
        ("table", [["项目资金", "总额", ""], ["预算", "10", ""], ["", "合计", "20"]])
    ]


def test_a_merged_cell_reaching_past_the_last_value_widens_the_table() -> None:
    def fill(sheet: Worksheet) -> None:
        sheet["A1"] = "项目名称"
        sheet["B1"] = "教育系统基础设施建设"
        sheet.merge_cells("B1:E1")
        sheet["A2"] = "主管部门"
        sheet["B2"] = "教育局"

    (document,) = read_xlsx(openpyxl_workbook(fill), "t.xlsx")
    assert document.tables[0].rows == [
        ["项目名称", "教育系统基础设施建设", "", "", ""],
        ["主管部门", "教育局", "", "", ""],
    ]
    assert document.tables[0].anchors == {(0, c): (0, 1) for c in (2, 3, 4)}


def test_formula_text_is_kept_not_evaluated() -> None:
    def fill(sheet: Worksheet) -> None:
        sheet["A1"] = "合计"
        sheet["B1"] = "=SUM(A1:A3)"
        sheet["A2"] = "数组"
        sheet["B2"] = "=1/0"

    (document,) = read_xlsx(openpyxl_workbook(fill), "t.xlsx")
    assert document.tables[0].rows == [["合计", "=SUM(A1:A3)"], ["数组", "=1/0"]]
    assert "2 cell(s) hold formulas (B1, B2)" in document.warnings[0].message


# --- hostile and broken archives -----------------------------------------------------------------


def rewrite(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            archive.writestr(info.filename, change(content) if info.filename == member else content)
    return buffer.getvalue()


def declare_size(data: bytes, member: str, size: int) -> bytes:
    """Lie about a member's uncompressed size in the zip headers (a zip bomb's declared size)."""
    patched = bytearray(data)
    name = member.encode()
    for signature, size_offset, name_offset in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            if patched[start + name_offset : start + name_offset + len(name)] == name:
                patched[start + size_offset : start + size_offset + 4] = struct.pack("<I", size)
            start += 4
    return bytes(patched)


def timed_read(data: bytes) -> tuple[list[Document], float]:
    start = time.perf_counter()
    try:
        return read_xlsx(data, "hostile.xlsx"), time.perf_counter() - start
    finally:
        assert time.perf_counter() - start < 5


def test_zip_bomb_by_compression_ratio() -> None:
    bomb = rewrite(seed_workbook(), SHEET, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 30_000_000))
    with pytest.raises(UnreadableFileError, match="zip bomb"):
        timed_read(bomb)


def test_zip_bomb_by_declared_size() -> None:
    bomb = declare_size(seed_workbook(), SHEET, 3_000_000_000)
    with pytest.raises(UnreadableFileError, match=r"expands to 2\.8 GB"):
        timed_read(bomb)


def test_a_member_that_lies_about_its_size_is_caught() -> None:
    lying = declare_size(seed_workbook(), SHEET, 100)  # real content is larger than declared
    with pytest.raises(UnreadableFileError, match="Bad CRC"):
        timed_read(lying)


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"word/document.xml": "<w/>", "[Content_Types].xml": "<x/>"}, "Word document"),
        ({"ppt/presentation.xml": "<p/>"}, "PowerPoint"),
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}, "OpenDocument"),
        ({"readme.txt": "hello"}, "not an Excel workbook"),
    ],
)
def test_zips_that_are_not_workbooks(members: dict[str, str], reason: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(UnreadableFileError, match=reason):
        read_xlsx(buffer.getvalue(), "fake.xlsx")


@pytest.mark.parametrize(
    "data",
    [b"", b"not a zip at all", b"PK\x03\x04" + bytes(64), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)],
)
def test_bytes_that_are_not_zips(data: bytes) -> None:
    with pytest.raises(UnreadableFileError, match="not a readable xlsx"):
        read_xlsx(data, "fake.xlsx")


def test_truncated_workbook() -> None:
    data = seed_workbook()
    with pytest.raises(UnreadableFileError, match="not a readable xlsx"):
        read_xlsx(data[: len(data) * 2 // 3], "truncated.xlsx")


def test_workbook_with_broken_xml() -> None:
    broken = rewrite(seed_workbook(), "xl/workbook.xml", lambda xml: xml[:40])
    with pytest.raises(UnreadableFileError, match="not a readable xlsx"):
        read_xlsx(broken, "broken.xlsx")


def test_defusedxml_is_active_and_entities_are_refused() -> None:
    assert openpyxl.DEFUSEDXML is True
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    evil = rewrite(seed_workbook(), SHEET, lambda xml: xml.replace(b"<worksheet", laughs + b"<worksheet", 1))
    with pytest.raises(UnreadableFileError, match="DTD or entities"):
        read_xlsx(evil, "evil.xlsx")
    evil_strings = rewrite(
        seed_workbook(), "xl/sharedStrings.xml", lambda xml: laughs + xml.replace(b"<t>", b"<t>&lol2;", 1)
    )
    with pytest.raises(UnreadableFileError, match="DTD or entities"):
        read_xlsx(evil_strings, "evil.xlsx")


def test_refuses_to_run_without_defusedxml(monkeypatch) -> None:
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(UnreadableFileError, match="defusedxml"):
        read_xlsx(seed_workbook(), "t.xlsx")


def _far_row(xml: bytes) -> bytes:
    xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:Z1000000"/>', xml)
    return xml.replace(
        b"</sheetData>", b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>far</t></is></c></row></sheetData>'
    )


def test_a_dimension_of_a_million_rows_is_not_believed() -> None:
    lying = rewrite(
        seed_workbook(), SHEET, lambda xml: xml.replace(b'<dimension ref="A1"/>', b'<dimension ref="A1:XFD1000000"/>')
    )
    (document,), seconds = timed_read(lying)
    assert seconds < 2
    assert document.warnings == [w for w in document.warnings if "formula" in w.message]
    assert len(document.tables[0].rows) == 10


def test_a_row_a_million_rows_down_is_cut_with_a_warning() -> None:
    far = rewrite(seed_workbook(), SHEET, _far_row)
    (document,), seconds = timed_read(far)
    assert seconds < 3
    assert any("only the first 20,000 rows were read" in w.message and "1,000,000" in w.message for w in document.warnings)
    assert "far" not in str(document.blocks)


def test_rows_beyond_the_cap_are_dropped(monkeypatch) -> None:
    monkeypatch.setattr(xlsx_module, "MAX_ROWS", 5)
    (document,) = read_xlsx(seed_workbook(), "t.xlsx")
    assert len(document.tables[0].rows) == 2  # rows 4 and 5 of the sheet
    assert any("only the first 5 rows" in w.message for w in document.warnings)


def test_cells_beyond_the_column_cap_are_dropped() -> None:
    wide = rewrite(
        seed_workbook(),
        SHEET,
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="30"><c r="XFD30" t="inlineStr"><is><t>far</t></is></c></row></sheetData>'
        ),
    )
    (document,), _ = timed_read(wide)
    assert any("beyond column 1,000" in w.message for w in document.warnings)
    assert "far" not in str(document.blocks)


def test_workbook_cell_budget(monkeypatch) -> None:
    monkeypatch.setattr(xlsx_module, "MAX_CELLS", 10)
    data = excel_workbook({"a": (SEED_SHEET, SEED_MERGES), "b": (SEED_SHEET, SEED_MERGES)})
    documents = read_xlsx(data, "t.xlsx")
    assert [document.part for document in documents] == ["a"]
    assert any("more than 10 non-empty cells" in w.message for w in documents[0].warnings)


def test_a_merge_over_the_whole_sheet_is_bounded() -> None:
    huge = excel_workbook({"S": (SEED_SHEET, ["A1:XFD1048576"])})
    (document,), seconds = timed_read(huge)
    assert seconds < 2
    assert any("merged ranges cover more than" in w.message for w in document.warnings)
    assert document.tables[0].rows[0][0] == "项目名称"


def test_many_merges_are_bounded(monkeypatch) -> None:
    monkeypatch.setattr(xlsx_module, "MAX_MERGES", 50)
    merges = [f"E{row}:F{row}" for row in range(1, 200)]
    (document,) = read_xlsx(excel_workbook({"S": (SEED_SHEET, merges)}), "t.xlsx")
    assert any("more than 50 merged ranges" in w.message for w in document.warnings)


def test_date_cells_read_as_iso_dates() -> None:
    def fill(sheet: Worksheet) -> None:
        sheet["A1"] = "填报日期"
        sheet["B1"] = dt.datetime(2022, 12, 30)
        sheet["A2"] = "时间"
        sheet["B2"] = dt.datetime(2022, 12, 30, 8, 30)

    assert blocks_of(openpyxl_workbook(fill)) == [
        ("table", [["填报日期", "2022-12-30"], ["时间", "2022-12-30 08:30:00"]])
    ]


def test_the_fast_paths_parts_are_parsed_without_entities_or_fetching() -> None:
    """The second guard behind the DTD search: an entity is left unresolved, an external one unfetched."""
    from budgetlib.extract.xlsx import _part_root

    internal = _part_root(b'<!DOCTYPE a [<!ENTITY x "expanded">]><a>&x;</a>')
    assert "".join(internal.itertext()) == "&x;"  # the reference as written, not what it names
    external = _part_root(b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/hostname">]><a>&x;</a>')
    assert "".join(external.itertext()) == "&x;"
    workbook = _part_root(b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                          b'<sheets><sheet name="\xe8\xa1\xa81"/></sheets></workbook>')
    assert [sheet.get("name") for sheet in workbook.iter("{*}sheet")] == ["表1"]


def _scan(xml: bytes, formats: list[str], cells_left: int = 1000) -> tuple[object, list[tuple[tuple[int, int], str]]]:
    plan = xlsx_module._SheetPlan("S")
    try:
        left: object = xlsx_module._scan_sheet(xml, plan, formats, cells_left)
    except xlsx_module._NotFast:
        left = "not fast"
    return left, list(plan.formats.items())


def _scan_every_cell_tag(xml: bytes, formats: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[object, list]:
    with monkeypatch.context() as patch:
        patch.setattr(xlsx_module, "_CELL_USUAL", re.compile(rb"(?!)"))  # matches nothing: every tag one by one
        return _scan(xml, formats)


def test_usual_cell_tags_are_scanned_as_every_cell_tag_is(monkeypatch: pytest.MonkeyPatch) -> None:
    formats = ["General", "0.00", "#,##0.00", "0%", "General", "yyyy-mm-dd"]
    office = Path(__file__).resolve().parents[1] / "fixtures" / "office" / "xlsx"
    sheets = []
    for path in sorted(office.glob("*.xlsx")):
        with zipfile.ZipFile(path) as archive:
            sheets += [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]

    def sheet(cells: str) -> bytes:
        return f'<worksheet><sheetData><row r="1">{cells}</row></sheetData></worksheet>'.encode()
    made = [
        sheet('<c r="A1" s="1"><v>1.5</v></c><c r="B1" s="3" t="n"><v>0.5</v></c><c r="C1" s="1" t="s"><v>0</v></c>'
              '<c r="D1" s="9"><v>2</v></c><c r="E1" s="5"/><c r="F1" s="0"><v>3</v></c><c r="AB7" s="2"><v>4</v></c>'),
        sheet('<c s="1" r="A1"><v>1.5</v></c><c r="B1" s="2"><v>2</v></c>'),  # attributes in another order
        sheet('<c r="a1" s="1"><v>1.5</v></c>'),  # a reference in lower case
        sheet('<c r="A20001" s="1"><v>1</v></c>'),  # beyond the rows
        sheet('<c r="ALM1" s="1"><v>1</v></c>'),  # beyond the columns (ALL is column 1,000)
        sheet('<c r="ALL1" s="1"><v>1</v></c><c r="B1"/>'),
        sheet(''),
    ]
    results = {}
    for xml in sheets + made:
        usual = _scan(xml, formats)
        assert usual == _scan_every_cell_tag(xml, formats, monkeypatch)
        results[xml] = usual
    assert len(sheets) == 13 and all(isinstance(results[xml][0], int) for xml in sheets)
    # six cells with content; a styled empty cell keeps its format too; text (t="s") and style 0 have none
    assert results[made[0]] == (1000 - 6, [((1, 1), "0.00"), ((1, 2), "0%"), ((1, 5), "yyyy-mm-dd"),
                                           ((7, 28), "#,##0.00")])
    assert results[made[3]][0] == results[made[4]][0] == "not fast"
    assert results[made[5]] == (999, [((1, 1000), "0.00")])
