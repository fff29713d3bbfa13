"""Office documents saved as XML: Word XML (Flat OPC), Excel 2003 XML spreadsheets, .xml files in
folders, and text Word hides by its styles.

Each family is built from real forms of ``tests/fixtures/office`` as the office suites write them in
these formats: Word 2007+'s "Save as → Word XML 文档 (*.xml)" writes every part of the docx package as a
``pkg:part`` of one ``pkg:package`` file (the document first, the styles after it); Excel's "XML 电子表格
2003", which many web applications' "导出Excel" write and name .xls, writes each worksheet as a
``Table`` of ``Row``/``Cell`` elements, with merged ranges as ``ss:MergeAcross``/``ss:MergeDown`` and
skipped cells as ``ss:Index``. A form in either reads as it reads from its docx or xlsx.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import openpyxl
import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.extract.docx import StyleSheet, read_flat_opc, read_word_xml
from budgetlib.extract.load import load_document, sniff_format, xml_kind
from budgetlib.extract.spreadsheetml import read_spreadsheet_xml

FIXTURES = Path(__file__).parents[1] / "fixtures" / "office"
ZHONGJIANG = "zhongjiang-2022-water-gauge-self-evaluation"
JINZHAI = "jinzhai-2021-property-management-target"
XINZHOU = "xinzhou-2020-e-gov-network-declaration"
FORMS = [ZHONGJIANG, JINZHAI, XINZHOU, "qingshan-2021-science-research-fund-target",
         "langfang-2019-hvac-renovation-self-evaluation"]
TABLES = ("projects", "funding", "budget_history", "expenditures", "budget_execution", "indicators",
          "cost_items", "unparsed")
PKG = "http://schemas.microsoft.com/office/2006/xmlPackage"
SS = "urn:schemas-microsoft-com:office:spreadsheet"
W2003 = "http://schemas.microsoft.com/office/word/2003/wordml"
BUDGET_20 = "<w:r><w:rPr></w:rPr><w:t>20</w:t></w:r>"


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[column for column in ("source_file", "form_id") if column in frame.columns])


def assert_same_tables(ours: bl.Forms, theirs: bl.Forms) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(plain(getattr(ours, name)), plain(getattr(theirs, name)), obj=name)


def codes(forms: bl.Forms) -> list[str]:
    return forms.warnings["code"].tolist()


def message(forms: bl.Forms, code: str) -> str:
    (text,) = forms.warnings.loc[forms.warnings["code"] == code, "message"]
    return str(text)


# --- builders: Flat OPC ---------------------------------------------------------------------------


def content_types(archive: zipfile.ZipFile) -> Callable[[str], str]:
    """The content type of each part, from ``[Content_Types].xml`` (overrides, then defaults by extension)."""
    xml = archive.read("[Content_Types].xml").decode("utf-8")
    overrides = dict(re.findall(r'PartName="([^"]+)"\s+ContentType="([^"]+)"', xml))
    defaults = {ext.lower(): kind for ext, kind in re.findall(r'Extension="([^"]+)"\s+ContentType="([^"]+)"', xml)}
    return lambda name: overrides.get(name) or defaults.get(name.rsplit(".", 1)[-1].lower(), "application/xml")


def flat_opc(docx: bytes, prefix: str = "pkg", change: dict[str, Callable[[str], str]] | None = None) -> str:
    """The docx package as Word saves it as a Word XML document: the relationships first, the main
    document next, the other parts (the styles among them) after it; ``change`` edits parts by name."""
    change = change or {}
    parts: list[str] = []
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        kind_of = content_types(archive)
        names = [name for name in archive.namelist() if name != "[Content_Types].xml"]
        names.sort(key=lambda name: (name != "_rels/.rels", name != "word/document.xml", name))
        for name in names:
            data = archive.read(name)
            part_name = "/" + name
            attributes = f'{prefix}:name="{part_name}" {prefix}:contentType="{kind_of(part_name)}"'
            if name.endswith((".xml", ".rels")):
                text = data.decode("utf-8")
                if name in change:
                    changed = change[name](text)
                    assert changed != text
                    text = changed
                text = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", text)
                parts.append(f"<{prefix}:part {attributes}><{prefix}:xmlData>{text}</{prefix}:xmlData></{prefix}:part>")
            else:
                encoded = base64.b64encode(data).decode("ascii")
                parts.append(f'<{prefix}:part {attributes} {prefix}:compression="store">'
                             f"<{prefix}:binaryData>{encoded}</{prefix}:binaryData></{prefix}:part>")
    return (
        '<?xml version="1.0" standalone="yes"?>\n<?mso-application progid="Word.Document"?>\n'
        f'<{prefix}:package xmlns:{prefix}="{PKG}">' + "".join(parts) + f"</{prefix}:package>"
    )


def edited_docx(source: Path, change: dict[str, Callable[[str], str]]) -> bytes:
    """The docx with some of its XML parts changed; asserts that each change changed something."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in archive.infolist():
            data = archive.read(item.filename)
            if item.filename in change:
                text = data.decode("utf-8")
                changed = change[item.filename](text)
                assert changed != text
                data = changed.encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


# --- builders: Excel 2003 XML ---------------------------------------------------------------------


def spreadsheet_xml(
    sources: list[Path],
    *,
    index: str = "needed",
    prefixed: bool = True,
    hidden_rows: dict[int, list[tuple[int, object]]] | None = None,
    hidden_columns: dict[int, dict[int, object]] | None = None,
) -> str:
    """The first sheet of each xlsx workbook as a worksheet of an Excel 2003 XML spreadsheet.

    ``index``: "needed" writes ``ss:Index`` where a cell does not follow the one before it (as Excel
    does), "always" on every row and cell, "implied" leaves it out after cells merged down from above
    too (the cell then follows the merged range). ``prefixed=False`` writes the attributes unprefixed, as
    generators writing the namespace as the default one do. ``hidden_rows`` inserts, before sheet row
    ``r`` of the first sheet, a hidden row of (column, value); ``hidden_columns`` adds a hidden column
    ``c`` (by sheet row: value), shifting the columns at and after it.
    """
    a = "ss:" if prefixed else ""
    styles: dict[str, str] = {}
    worksheets: list[str] = []
    for number, source in enumerate(sources):
        sheet = openpyxl.load_workbook(source).worksheets[0]
        merges = {(m.min_row, m.min_col): (m.max_row - m.min_row, m.max_col - m.min_col) for m in sheet.merged_cells.ranges}
        covered = {
            (r, c)
            for m in sheet.merged_cells.ranges
            for r in range(m.min_row, m.max_row + 1)
            for c in range(m.min_col, m.max_col + 1)
            if (r, c) != (m.min_row, m.min_col)
        }
        extra_rows = (hidden_rows or {}) if number == 0 else {}
        extra_column = next(iter(hidden_columns or {}), None) if number == 0 else None
        column_values = (hidden_columns or {}).get(extra_column, {}) if extra_column else {}

        def shifted(column: int, extra_column: int | None = extra_column) -> int:
            return column + 1 if extra_column is not None and column >= extra_column else column

        rows: list[str] = []
        out_row = 0
        for r in range(1, sheet.max_row + 1):
            if r in extra_rows:
                out_row += 1
                hidden = "".join(data_cell(a, value, styles, None, column) for column, value in extra_rows[r])
                rows.append(f'<Row {a}Index="{out_row}" {a}Hidden="1">{hidden}</Row>')
            out_row += 1
            cells: list[str] = []
            previous = 0  # the last column the cells so far take, as a reader places them
            shown = [c for c in range(1, sheet.max_column + 1) if (r, c) not in covered]
            below = {c for c in range(1, sheet.max_column + 1) if (r, c) in covered and (r - 1, c) in covered | set(merges)}
            entries: list[tuple[int, object, str | None, tuple[int, int]]] = []
            for c in shown:
                cell = sheet.cell(r, c)
                entries.append((shifted(c), cell.value, cell.number_format, merges.get((r, c), (0, 0))))
            if extra_column is not None and r in column_values:
                entries.append((extra_column, column_values[r], None, (0, 0)))
                entries.sort(key=lambda entry: entry[0])
            covered_here = {shifted(c) for c in below}
            for column, value, number_format, (down, across) in entries:
                if value is None and not (down or across):
                    continue
                implied = previous + 1
                if index == "implied":
                    while implied in covered_here:
                        implied += 1
                write_index = index == "always" or column != implied
                cells.append(data_cell(a, value, styles, number_format, column if write_index else None, down, across))
                previous = column + across
            attributes = f' {a}Index="{out_row}"' if index == "always" else ""
            rows.append(f"<Row{attributes}>{''.join(cells)}</Row>")
        columns = f'<Column {a}Index="{extra_column}" {a}Hidden="1" {a}Width="0"/>' if extra_column else ""
        worksheets.append(f'<Worksheet {a}Name={quoteattr(sheet.title if number == 0 else f"{sheet.title}-{number + 1}")}>'
                          f"<Table>{columns}{''.join(rows)}</Table></Worksheet>")
    style_xml = "".join(f'<Style {a}ID="{sid}"><NumberFormat {a}Format={quoteattr(code)}/></Style>'
                        for code, sid in styles.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        f'<Workbook xmlns="{SS}" xmlns:o="urn:schemas-microsoft-com:office:office" '
        f'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="{SS}" '
        f'xmlns:html="http://www.w3.org/TR/REC-html40"><Styles><Style {a}ID="Default" {a}Name="Normal"/>'
        f"{style_xml}</Styles>{''.join(worksheets)}</Workbook>"
    )


def data_cell(a: str, value: object, styles: dict[str, str], number_format: str | None, column: int | None,
              down: int = 0, across: int = 0) -> str:
    attributes = f' {a}Index="{column}"' if column is not None else ""
    if across:
        attributes += f' {a}MergeAcross="{across}"'
    if down:
        attributes += f' {a}MergeDown="{down}"'
    if number_format and number_format != "General" and isinstance(value, int | float):
        style = styles.setdefault(number_format, f"s{62 + len(styles)}")
        attributes += f' {a}StyleID="{style}"'
    if value is None:
        return f"<Cell{attributes}/>"
    kind = "Number" if isinstance(value, int | float) and not isinstance(value, bool) else "String"
    return f'<Cell{attributes}><Data {a}Type="{kind}">{escape(str(value))}</Data></Cell>'


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


# --- Flat OPC (Word XML) --------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_a_word_xml_document_reads_like_its_docx(tmp_path: Path, form: str) -> None:
    docx = FIXTURES / "docx" / f"{form}.docx"
    path = write(tmp_path, f"{form}.xml", flat_opc(docx.read_bytes()))
    assert sniff_format(path, path.read_bytes()[:8192]) == "flatopc"
    forms = bl.read_forms([path])
    from_docx = bl.read_forms([docx])
    assert_same_tables(forms, from_docx)
    assert codes(forms) == codes(from_docx) and len(forms.errors) == 0


def test_a_word_xml_document_gives_the_forms_values(tmp_path: Path) -> None:
    docx = FIXTURES / "docx" / f"{ZHONGJIANG}.docx"
    forms = bl.read_forms([write(tmp_path, "自评表.xml", flat_opc(docx.read_bytes(), prefix="p"))])
    project = forms.projects.iloc[0]
    assert (project["form_type"], project["fiscal_year"], project["current_year_budget_yuan"]) == (
        "self_evaluation", 2022, 200_000.0)
    assert len(forms.indicators) == 9
    first = forms.indicators.iloc[0]
    assert (first["name"], first["target_text"], first["comparator"], first["target_value"]) == (
        "安装坡面水标尺", "≥266米", ">=", 266.0)
    assert forms.budget_execution.iloc[0]["executed_yuan"] == 200_000.0


def test_a_word_xml_document_named_doc_says_what_it_holds(tmp_path: Path) -> None:
    docx = FIXTURES / "docx" / f"{JINZHAI}.docx"
    (document,) = load_document(write(tmp_path, "目标表.doc", flat_opc(docx.read_bytes())))
    assert [notice.code for notice in document.warnings] == ["W_SUFFIX_MISMATCH"]
    assert "holds a Word XML document (Flat OPC)" in document.warnings[0].message


def test_a_powerpoint_xml_presentation_is_refused(tmp_path: Path) -> None:
    package = (f'<?xml version="1.0"?><pkg:package xmlns:pkg="{PKG}"><pkg:part pkg:name="/ppt/presentation.xml" '
               'pkg:contentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml">'
               "<pkg:xmlData><p:presentation xmlns:p=\"urn:p\"/></pkg:xmlData></pkg:part></pkg:package>")
    forms = bl.read_forms([write(tmp_path, "slides.xml", package)])
    assert forms.errors["code"].tolist() == ["E_BINARY"]
    assert "PowerPoint" in forms.errors.loc[0, "error"]


def test_a_word_xml_document_with_a_dtd_is_refused(tmp_path: Path) -> None:
    docx = FIXTURES / "docx" / f"{JINZHAI}.docx"
    text = flat_opc(docx.read_bytes()).replace("\n<?mso", '\n<!DOCTYPE x [<!ENTITY a "b">]>\n<?mso', 1)
    forms = bl.read_forms([write(tmp_path, "dtd.xml", text)])
    assert forms.errors["code"].tolist() == ["E_XML_ENTITIES"]


# --- text hidden by styles -----------------------------------------------------------------------

CHARACTER_HIDDEN = '<w:style w:type="character" w:styleId="Hidden"><w:name w:val="隐藏说明"/><w:rPr><w:vanish/></w:rPr></w:style>'
STYLES = {
    # a character style that hides
    "character": (CHARACTER_HIDDEN, '<w:rStyle w:val="Hidden"/>'),
    # based on one that does, two links away
    "based on": (CHARACTER_HIDDEN + '<w:style w:type="character" w:styleId="Note"><w:basedOn w:val="Note2"/></w:style>'
                 '<w:style w:type="character" w:styleId="Note2"><w:basedOn w:val="Hidden"/><w:rPr><w:b/></w:rPr></w:style>',
                 '<w:rStyle w:val="Note"/>'),
    # w:specVanish, which hides even when hidden text is shown
    "specVanish": ('<w:style w:type="character" w:styleId="Sep"><w:rPr><w:specVanish/></w:rPr></w:style>',
                   '<w:rStyle w:val="Sep"/>'),
    # the default character style hides
}
SHOWN = {
    # the run's own w:vanish w:val="0" decides over its style
    "switched off on the run": (CHARACTER_HIDDEN, '<w:rStyle w:val="Hidden"/><w:vanish w:val="0"/>'),
    # a style based on a hiding one, switching it off
    "switched off in the style": (CHARACTER_HIDDEN + '<w:style w:type="character" w:styleId="Shown"><w:basedOn w:val="Hidden"/>'
                                  '<w:rPr><w:vanish w:val="false"/></w:rPr></w:style>', '<w:rStyle w:val="Shown"/>'),
    # a paragraph style named as a run's style is no character style
    "paragraph style as rStyle": ('<w:style w:type="paragraph" w:styleId="HiddenPara"><w:rPr><w:vanish/></w:rPr></w:style>',
                                  '<w:rStyle w:val="HiddenPara"/>'),
    # w:specVanish switched off
    "specVanish off": ('<w:style w:type="character" w:styleId="Sep"><w:rPr><w:specVanish w:val="0"/></w:rPr></w:style>',
                       '<w:rStyle w:val="Sep"/>'),
    # hidden in a tracked change of the style's formatting: shown now
    "tracked change": ('<w:style w:type="character" w:styleId="Was"><w:rPr><w:b/><w:rPrChange w:id="1" w:author="a">'
                       "<w:rPr><w:vanish/></w:rPr></w:rPrChange></w:rPr></w:style>", '<w:rStyle w:val="Was"/>'),
}


def with_styles(definitions: str) -> Callable[[str], str]:
    return lambda xml: xml.replace("</w:styles>", definitions + "</w:styles>")


def with_note(run_properties: str, note: str = "（原30）") -> Callable[[str], str]:
    """The budget cell's "20" (全年预算数 of 年度资金总额) followed by a run with ``run_properties``."""
    def change(xml: str) -> str:
        start = xml.index(BUDGET_20, xml.index("年度资金总额"))
        run = f"<w:r><w:rPr>{run_properties}</w:rPr><w:t>{note}</w:t></w:r>"
        return xml[:start] + BUDGET_20 + run + xml[start + len(BUDGET_20):]
    return change


def budget_cell(forms: bl.Forms) -> str:
    return str(forms.budget_execution.iloc[0]["full_year_budget_as_written"])


@pytest.mark.parametrize("container", ["docx", "xml"])
@pytest.mark.parametrize("case", list(STYLES))
def test_text_a_style_hides_is_not_read(tmp_path: Path, container: str, case: str) -> None:
    definitions, run_properties = STYLES[case]
    change = {"word/styles.xml": with_styles(definitions), "word/document.xml": with_note(run_properties)}
    source = FIXTURES / "docx" / f"{ZHONGJIANG}.docx"
    if container == "docx":
        path = write(tmp_path, "hidden.docx", edited_docx(source, change))
    else:
        path = write(tmp_path, "hidden.xml", flat_opc(source.read_bytes(), change=change))
    forms = bl.read_forms([path])
    assert budget_cell(forms) == "20"
    assert forms.budget_execution.iloc[0]["full_year_budget_yuan"] == 200_000.0
    assert codes(forms) == ["W_HIDDEN_TEXT"]
    assert "(shown: '20'): '（原30）'" in message(forms, "W_HIDDEN_TEXT")


@pytest.mark.parametrize("case", list(SHOWN))
def test_text_no_style_hides_is_read(tmp_path: Path, case: str) -> None:
    definitions, run_properties = SHOWN[case]
    change = {"word/styles.xml": with_styles(definitions), "word/document.xml": with_note(run_properties)}
    forms = bl.read_forms([write(tmp_path, "shown.docx", edited_docx(FIXTURES / "docx" / f"{ZHONGJIANG}.docx", change))])
    assert budget_cell(forms) == "20（原30）"
    assert "W_HIDDEN_TEXT" not in codes(forms)


def test_a_paragraph_style_that_hides_hides_its_paragraphs(tmp_path: Path) -> None:
    # a 填表说明 paragraph after the budget, in a style that hides it; a hiding character style inside
    # it turns hidden over (a toggle, ECMA-376 §17.7.3), so that run shows
    definitions = CHARACTER_HIDDEN + ('<w:style w:type="paragraph" w:styleId="FillNote"><w:name w:val="填表说明"/>'
                                      '<w:basedOn w:val="Normal"/><w:rPr><w:vanish/><w:color w:val="FF0000"/></w:rPr></w:style>')

    def add_note(xml: str) -> str:
        start = xml.index(BUDGET_20, xml.index("年度资金总额"))
        end = xml.index("</w:p>", start) + len("</w:p>")
        note = ('<w:p><w:pPr><w:pStyle w:val="FillNote"/></w:pPr><w:r><w:t>填写全年预算数</w:t></w:r>'
                '<w:r><w:rPr><w:rStyle w:val="Hidden"/></w:rPr><w:t>（万元）</w:t></w:r></w:p>')
        return xml[:end] + note + xml[end:]

    change = {"word/styles.xml": with_styles(definitions), "word/document.xml": add_note}
    forms = bl.read_forms([write(tmp_path, "note.docx", edited_docx(FIXTURES / "docx" / f"{ZHONGJIANG}.docx", change))])
    assert budget_cell(forms) == "20\n（万元）"
    assert "'填写全年预算数'" in message(forms, "W_HIDDEN_TEXT")


@pytest.mark.parametrize("broken", ["cut off", "not xml"])
def test_a_broken_styles_part_reads_the_body_and_says_styles_were_not_read(tmp_path: Path, broken: str) -> None:
    # the hiding style cannot be known: its text is read as visible, and the reader is told so
    def break_styles(xml: str) -> str:
        xml = with_styles(CHARACTER_HIDDEN)(xml)
        return xml[: len(xml) // 2] if broken == "cut off" else "样式表"

    change = {"word/styles.xml": break_styles, "word/document.xml": with_note('<w:rStyle w:val="Hidden"/>')}
    forms = bl.read_forms([write(tmp_path, "styles.docx", edited_docx(FIXTURES / "docx" / f"{ZHONGJIANG}.docx", change))])
    assert budget_cell(forms) == "20（原30）"
    assert codes(forms) == ["W_STYLES_UNREAD"]
    assert "broken XML" in message(forms, "W_STYLES_UNREAD")
    assert forms.errors.empty


def test_style_sheet_toggles_across_levels_and_inherits_along_based_on() -> None:
    from budgetlib.extract.docx import _Style

    sheet = StyleSheet({
        "P": _Style("paragraph", vanish=True),
        "P2": _Style("paragraph", "P"),
        "C": _Style("character", vanish=True),
        "Loop": _Style("character", "Loop"),
    }, default_paragraph="P2")
    assert sheet.hidden("P", None) and sheet.hidden(None, None)  # the default paragraph style is based on P
    assert not sheet.hidden("P", "C")  # two levels that hide: shown
    assert not sheet.hidden("Missing", "Loop")  # a style that is not there, a loop: nothing hides
    assert StyleSheet(default_vanish=True).hidden(None, None)


def test_word_2003_xml_styles_hide_too() -> None:
    body = (
        '<w:styles><w:style w:type="character" w:styleId="Hidden"><w:rPr><w:vanish/></w:rPr></w:style></w:styles>'
        "<w:body><w:tbl><w:tr><w:tc><w:p><w:r><w:t>项目名称</w:t></w:r></w:p></w:tc>"
        '<w:tc><w:p><w:r><w:t>水标尺</w:t></w:r><w:r><w:rPr><w:rStyle w:val="Hidden"/></w:rPr><w:t>（旧名）</w:t></w:r>'
        '<w:r><w:rPr><w:rStyle w:val="Hidden"/><w:vanish w:val="off"/></w:rPr><w:t>制作</w:t></w:r></w:p></w:tc>'
        "</w:tr></w:tbl></w:body>"
    )
    xml = f'<?xml version="1.0"?><w:wordDocument xmlns:w="{W2003}">{body}</w:wordDocument>'
    (document,) = read_word_xml(xml.encode("utf-8"), "t.doc")
    assert document.tables[0].rows == [["项目名称", "水标尺制作"]]
    assert [notice.code for notice in document.warnings] == ["W_HIDDEN_TEXT"]
    assert "'（旧名）'" in document.warnings[0].message


def test_a_style_sheet_after_the_document_applies_in_word_xml() -> None:
    docx = (FIXTURES / "docx" / f"{ZHONGJIANG}.docx").read_bytes()
    change = {"word/styles.xml": with_styles(CHARACTER_HIDDEN), "word/document.xml": with_note('<w:rStyle w:val="Hidden"/>')}
    text = flat_opc(docx, change=change)
    assert text.index('pkg:name="/word/document.xml"') < text.index('pkg:name="/word/styles.xml"')
    (document,) = read_flat_opc(text.encode("utf-8"), "t.xml")
    assert [notice.code for notice in document.warnings] == ["W_HIDDEN_TEXT"]


# --- Excel 2003 XML -------------------------------------------------------------------------------


@pytest.mark.parametrize("index", ["needed", "always", "implied"])
@pytest.mark.parametrize("form", FORMS)
def test_an_excel_2003_xml_spreadsheet_reads_like_its_xlsx(tmp_path: Path, form: str, index: str) -> None:
    xlsx = FIXTURES / "xlsx" / f"{form}.xlsx"
    path = write(tmp_path, f"{form}.xml", spreadsheet_xml([xlsx], index=index))
    assert sniff_format(path, path.read_bytes()[:8192]) == "spreadsheetml"
    forms = bl.read_forms([path])
    from_xlsx = bl.read_forms([xlsx])
    assert_same_tables(forms, from_xlsx)
    assert codes(forms) == codes(from_xlsx) and len(forms.errors) == 0


def test_an_excel_2003_xml_spreadsheet_gives_the_forms_values(tmp_path: Path) -> None:
    xlsx = FIXTURES / "xlsx" / f"{ZHONGJIANG}.xlsx"
    forms = bl.read_forms([write(tmp_path, "自评表.xml", spreadsheet_xml([xlsx], prefixed=False))])
    project = forms.projects.iloc[0]
    assert (project["form_type"], project["fiscal_year"], project["amount_unit"], project["current_year_budget_yuan"]) == (
        "self_evaluation", 2022, "万元", 200_000.0)
    indicators = forms.indicators
    assert len(indicators) == 9
    assert indicators["target_text"].tolist()[:3] == ["≥266米", "≥50厘米", "100%"]  # F26 = 1 formatted 0%
    assert indicators["target_value"].tolist()[:3] == [266.0, 50.0, 100.0]
    execution = forms.budget_execution.iloc[0]
    assert (execution["full_year_budget_yuan"], execution["executed_yuan"], execution["execution_rate"]) == (
        200_000.0, 200_000.0, 1.0)


def test_an_excel_2003_xml_spreadsheet_named_xls_says_what_it_holds(tmp_path: Path) -> None:
    xlsx = FIXTURES / "xlsx" / f"{JINZHAI}.xlsx"
    forms = bl.read_forms([write(tmp_path, "导出.xls", spreadsheet_xml([xlsx]))])
    assert forms.projects.loc[0, "current_year_budget_yuan"] == 11_250_000.0
    assert codes(forms) == ["W_SUFFIX_MISMATCH"]
    assert "holds an Excel 2003 XML spreadsheet" in message(forms, "W_SUFFIX_MISMATCH")


def test_several_worksheets_are_several_forms(tmp_path: Path) -> None:
    sources = [FIXTURES / "xlsx" / f"{ZHONGJIANG}.xlsx", FIXTURES / "xlsx" / f"{XINZHOU}.xlsx"]
    forms = bl.read_forms([write(tmp_path, "两张表.xml", spreadsheet_xml(sources))])
    assert forms.projects["current_year_budget_yuan"].tolist() == [200_000.0, 500_000.0]
    assert forms.projects["form_type"].tolist() == ["self_evaluation", "declaration"]
    assert forms.indicators.groupby("form_id").size().tolist() == [9, 3]


def test_hidden_rows_and_columns_read_as_in_an_xlsx(tmp_path: Path) -> None:
    xlsx = FIXTURES / "xlsx" / f"{ZHONGJIANG}.xlsx"
    # a superseded name row hidden above the shown one, and a hidden working column beside the targets
    text = spreadsheet_xml([xlsx], hidden_rows={13: [(1, "项目名称"), (2, "水标尺制作（旧）")]},
                           hidden_columns={10: {24: "核对", 25: "核对"}})
    forms = bl.read_forms([write(tmp_path, "hidden.xml", text)])
    project = forms.projects.iloc[0]
    assert project["project_name"] == "中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装"  # shown wins
    assert project["current_year_budget_yuan"] == 200_000.0
    assert "row(s) 13, hidden in the workbook, were read after the visible rows" in message(forms, "W_HIDDEN_ROWS")
    assert "column(s) J are hidden in the workbook" in message(forms, "W_HIDDEN_COLUMNS")
    assert len(forms.indicators) == 9


def test_cells_merged_and_skipped_make_the_grid() -> None:
    xml = (
        f'<?xml version="1.0"?><Workbook xmlns="{SS}" xmlns:ss="{SS}" xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<Styles><Style ss:ID="s1"><NumberFormat ss:Format="Fixed"/></Style>'
        '<Style ss:ID="s2" ss:Parent="s1"/><Style ss:ID="s3"><NumberFormat ss:Format="0.0000&quot;万元&quot;"/></Style></Styles>'
        '<Worksheet ss:Name="目标表"><Table>'
        '<Row><Cell ss:MergeAcross="3"><Data ss:Type="String">项目支出绩效目标表</Data></Cell></Row>'
        '<Row ss:Index="3"><Cell ss:MergeDown="1"><Data ss:Type="String">资金</Data></Cell>'
        '<Cell><Data ss:Type="String">年度资金总额</Data></Cell><Cell ss:StyleID="s2"><Data ss:Type="Number">120.5</Data></Cell>'
        '<Cell ss:Index="5" ss:StyleID="s3"><Data ss:Type="Number">120.5</Data></Cell></Row>'
        '<Row><Cell><Data ss:Type="String">其中：财政拨款</Data></Cell>'
        '<Cell ss:StyleID="s1" ss:Formula="=R[-1]C"><Data ss:Type="Number">120.5</Data></Cell>'
        '<Cell ss:Index="5"><Data ss:Type="DateTime">2023-03-01T00:00:00.000</Data></Cell></Row>'
        "</Table></Worksheet>"
        '<Worksheet ss:Name="说明"><Table><Row><Cell><Data ss:Type="String"><html:B xmlns:html="http://www.w3.org/TR/REC-html40">'
        "注：</html:B>金额单位为万元</Data></Cell></Row></Table>"
        "<x:WorksheetOptions><x:Visible>SheetHidden</x:Visible></x:WorksheetOptions></Worksheet>"
        '<Worksheet ss:Name="空"><Table/></Worksheet></Workbook>'
    )
    first, second = read_spreadsheet_xml(xml.encode("utf-8"), "t.xml")
    assert (first.part, second.part) == ("目标表", "说明")
    assert [line.text for line in first.text_lines] == ["项目支出绩效目标表"]
    (table,) = first.tables
    # the second row's cells follow the cell merged down over column A; a formula reads as its text
    assert table.rows == [["资金", "年度资金总额", "120.50", "", "120.5000万元"],
                          ["", "其中：财政拨款", "=R[-1]C", "", "2023-03-01"]]
    assert table.anchors == {(1, 0): (0, 0)}
    assert [notice.code for notice in first.warnings] == ["W_FORMULA"]
    assert "1 cell(s) hold formulas (C4)" in first.warnings[0].message
    assert [line.text for line in second.text_lines] == ["注：金额单位为万元"]
    assert [notice.code for notice in second.warnings] == ["W_HIDDEN_SHEET"]


def test_an_empty_or_broken_spreadsheet_says_so(tmp_path: Path) -> None:
    empty = f'<?xml version="1.0"?><Workbook xmlns="{SS}"><Worksheet ss:Name="a" xmlns:ss="{SS}"><Table/></Worksheet></Workbook>'
    broken = f'<?xml version="1.0"?><Workbook xmlns="{SS}"><Worksheet><Table><Row>'
    dtd = f'<?xml version="1.0"?><!DOCTYPE Workbook [<!ENTITY a "b">]><Workbook xmlns="{SS}"/>'
    forms = bl.read_forms([write(tmp_path, "empty.xml", empty), write(tmp_path, "broken.xml", broken),
                           write(tmp_path, "dtd.xml", dtd)])
    assert dict(zip(forms.errors["source_file"], forms.errors["code"], strict=True)) == {
        "empty.xml": "E_NO_CONTENT", "broken.xml": "E_BROKEN_FILE", "dtd.xml": "E_XML_ENTITIES"}


def test_gbk_declared_spreadsheet_is_read(tmp_path: Path) -> None:
    xml = (f'<?xml version="1.0" encoding="GBK"?><Workbook xmlns="{SS}" xmlns:ss="{SS}"><Worksheet ss:Name="表">'
           '<Table><Row><Cell><Data ss:Type="String">项目名称</Data></Cell><Cell><Data ss:Type="String">水标尺</Data></Cell>'
           "</Row></Table></Worksheet></Workbook>")
    path = tmp_path / "导出.xls"
    path.write_bytes(xml.encode("gbk"))
    (document,) = load_document(path)
    assert document.tables[0].rows == [["项目名称", "水标尺"]]


# --- .xml files in folders ------------------------------------------------------------------------


def test_xml_files_in_a_folder_are_read_by_their_root_element(tmp_path: Path) -> None:
    folder = tmp_path / "2022"
    folder.mkdir()
    write(folder, "a-word.xml", flat_opc((FIXTURES / "docx" / f"{JINZHAI}.docx").read_bytes()))
    write(folder, "b-excel.xml", spreadsheet_xml([FIXTURES / "xlsx" / f"{ZHONGJIANG}.xlsx"]))
    write(folder, "c-word2003.xml", (FIXTURES / "word2003xml" / f"{XINZHOU}.doc").read_bytes())
    write(folder, "d-config.xml", '<?xml version="1.0" encoding="utf-8"?>\n<!-- 导出设置 -->\n<configuration><a/></configuration>')
    write(folder, "e-feed.xml", '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel/></rss>')
    write(folder, "f-not-xml.xml", "项目名称,水标尺\n")
    write(folder, "g-empty.xml", "")
    forms = bl.read_forms([folder])
    assert sorted(forms.projects["source_file"]) == ["a-word.xml", "b-excel.xml", "c-word2003.xml"]
    assert sorted(forms.projects["current_year_budget_yuan"]) == [200_000.0, 500_000.0, 11_250_000.0]
    skipped = dict(zip(forms.skipped["source_file"], forms.skipped["reason"], strict=True))
    assert set(forms.skipped["code"]) == {"S_NOT_A_FORM_FORMAT"}
    assert sorted(skipped) == ["d-config.xml", "e-feed.xml", "f-not-xml.xml"]
    assert skipped["d-config.xml"] == ("not a form format (.xml whose root element is <configuration>, not a Word or "
                                       "Excel XML document); name the file on the command line to read it anyway")
    assert "<rss>" in skipped["e-feed.xml"]
    assert "no XML document" in skipped["f-not-xml.xml"]
    assert forms.errors["source_file"].tolist() == ["g-empty.xml"]  # as an empty .txt: read, and said why


def test_an_xml_file_named_on_its_own_is_read_whatever_it_is(tmp_path: Path) -> None:
    path = write(tmp_path, "config.xml", "<configuration><a>1</a></configuration>")
    forms = bl.read_forms([path])
    assert len(forms.skipped) == 0
    assert len(forms.errors) == 1


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b'<?xml version="1.0"?>\n<?mso-application progid="Word.Document"?>\n<pkg:package xmlns:pkg="' + PKG.encode() + b'">', "flatopc"),
        (b'\xef\xbb\xbf<?xml version="1.0"?><ss:Workbook xmlns:ss="' + SS.encode() + b'">', "spreadsheetml"),
        (('<?xml version="1.0" encoding="UTF-16"?><Workbook xmlns="' + SS + '">').encode("utf-16"), "spreadsheetml"),
        (b'<w:wordDocument xmlns:w="' + W2003.encode() + b'">', "wordml"),
        (b'<Workbook xmlns="urn:other">', "xml"),  # the name alone is not enough
        (b"<html><body><table>", "xml"),
        (b"| a | b |", None),
        (b"<not xml", None),
    ],
)
def test_xml_kind_by_root_element(head: bytes, kind: str | None) -> None:
    assert xml_kind(head) == kind


# --- heading levels by style name and outline level -----------------------------------------------

DOCX_FORMS = sorted(path.stem for path in (FIXTURES / "docx").glob("*.docx"))


def _numeric_heading_ids(xml: str) -> str:
    """Heading style ids as WPS and Chinese Word write them: a number ("2" for heading 1), the English name kept."""
    return re.sub(r'(w:(?:styleId|val))="Heading(\d)"', lambda m: f'{m.group(1)}="{int(m.group(2)) + 1}"', xml)


def _without_outline_levels(xml: str) -> str:
    return re.sub(r'<w:outlineLvl w:val="\d"/>', "", xml)


def _heading_levels(path: Path) -> list[tuple[str, int]]:
    (document,) = load_document(path, path.name)
    return [(block.text, block.heading) for block in document.text_lines]


HEADING_EDITS: dict[str, dict[str, Callable[[str], str]]] = {
    # the ids are numbers: the style's name or its outline level says the level
    "numeric ids": {"word/styles.xml": _numeric_heading_ids, "word/document.xml": _numeric_heading_ids},
    # numbers, and no outline level in the styles: the name alone says it
    "numeric ids, named only": {"word/styles.xml": lambda xml: _without_outline_levels(_numeric_heading_ids(xml)),
                                "word/document.xml": _numeric_heading_ids},
    # a style of the document's own, named anything, whose outline level makes it a heading
    "own style by outline level": {
        "word/styles.xml": lambda xml: re.sub(r'w:styleId="Heading(\d)"><w:name w:val="Heading \d"/>',
                                              r'w:styleId="Custom\1"><w:name w:val="报表标题\1"/>', xml),
        "word/document.xml": lambda xml: re.sub(r'w:val="Heading(\d)"', r'w:val="Custom\1"', xml)},
    # no heading style: the paragraph's own outline level
    "paragraph outline level": {"word/document.xml": lambda xml: re.sub(
        r'<w:pStyle w:val="Heading(\d)"/>', lambda m: f'<w:pStyle w:val="TextBody"/><w:outlineLvl w:val="{int(m.group(1)) - 1}"/>',
        xml)},
}


@pytest.mark.parametrize("edit", list(HEADING_EDITS))
@pytest.mark.parametrize("form", DOCX_FORMS)
def test_heading_levels_come_from_the_styles_meaning_not_their_ids(tmp_path: Path, form: str, edit: str) -> None:
    source = FIXTURES / "docx" / f"{form}.docx"
    expected = _heading_levels(source)
    assert any(level for _, level in expected)  # every example has a heading paragraph (its title)
    path = write(tmp_path, f"{form}.docx", edited_docx(source, HEADING_EDITS[edit]))
    assert _heading_levels(path) == expected
    assert_same_tables(bl.read_forms([path]), bl.read_forms([source]))


def test_a_style_based_on_a_heading_is_a_heading_and_body_text_is_not() -> None:
    from budgetlib.extract.docx import _Style

    sheet = StyleSheet({"2": _Style("paragraph", heading=1), "a5": _Style("paragraph", "2"),
                        "a6": _Style("paragraph", "2", heading=0), "c1": _Style("character", heading=1)})
    assert [sheet.heading_level(style) for style in ("2", "a5", "a6", "c1", "missing", None)] == [1, 1, 0, 0, 0, 0]
