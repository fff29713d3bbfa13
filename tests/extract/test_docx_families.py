"""Word documents as a reader sees them: symbols inserted from symbol fonts, hidden text, Word 2003 XML.

Each family is built from a real form (the zhongjiang self-evaluation as LibreOffice saves it to .docx)
by the edit Word makes: Insert → Symbol writes ``<w:sym w:font="Symbol" w:char="F0B3"/>`` for ≥, the
hidden font (隐藏文字) a ``<w:vanish/>`` in the run's properties; web applications' "导出Word" writes a
Word 2003 XML document (``w:wordDocument``) and names it .doc.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.extract.docx import read_word_xml, symbol_character
from budgetlib.extract.load import load_document, sniff_format
from budgetlib.extract.markdown import parse_markdown

FIXTURES = Path(__file__).parents[1] / "fixtures"
ZHONGJIANG = FIXTURES / "office" / "docx" / "zhongjiang-2022-water-gauge-self-evaluation.docx"
XINZHOU_MD = FIXTURES / "examples" / "xinzhou-2020-e-gov-network-declaration.md"
XINZHOU_DOCX = FIXTURES / "office" / "docx" / "xinzhou-2020-e-gov-network-declaration.docx"
XINZHOU_WORD_XML = FIXTURES / "office" / "word2003xml" / "xinzhou-2020-e-gov-network-declaration.doc"
W = "http://schemas.microsoft.com/office/word/2003/wordml"

PLAIN_GE = re.compile(r"<w:r><w:rPr></w:rPr><w:t>≥</w:t></w:r>")
BUDGET_20 = "<w:r><w:rPr></w:rPr><w:t>20</w:t></w:r>"


def edited(tmp_path: Path, name: str, change: Callable[[str], str]) -> Path:
    """The zhongjiang form with its document.xml changed; asserts that the change changed something."""
    out = io.BytesIO()
    with zipfile.ZipFile(ZHONGJIANG) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                changed = change(text)
                assert changed != text
                data = changed.encode("utf-8")
            target.writestr(item, data)
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def in_budget_row(document: str, replacement: str) -> str:
    """The first "20" after 年度资金总额 (its 全年预算数) replaced by ``replacement``."""
    start = document.index(BUDGET_20, document.index("年度资金总额"))
    return document[:start] + replacement + document[start + len(BUDGET_20) :]


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[column for column in ("source_file", "form_id") if column in frame.columns])


def codes(forms: bl.Forms) -> list[str]:
    return forms.warnings["code"].tolist()


def message(forms: bl.Forms, code: str) -> str:
    (text,) = forms.warnings.loc[forms.warnings["code"] == code, "message"]
    return str(text)


# --- symbols --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("font", "code", "char"),
    [
        ("Symbol", 0xF0B3, "≥"),
        ("Symbol", 0xF0A3, "≤"),
        ("Symbol", 0xF0B4, "×"),
        ("Symbol", 0xF0B1, "±"),
        ("Symbol", 0xF0B9, "≠"),
        ("Symbol", 0xF0D6, "√"),
        ("Symbol", 0xB3, "≥"),  # the same code without Word's F000 shift
        ("symbol", 0xF0B3, "≥"),  # font names are not case-sensitive
        ("Wingdings", 0xF0FC, "✓"),
        ("Wingdings", 0xF0FE, "🗹"),
        ("Wingdings 2", 0xF050, "🗸"),
        ("Wingdings 2", 0xF052, "☑"),
        ("Wingdings 2", 0xF0A3, "□"),
        ("宋体", 0x2265, "≥"),  # a font of Unicode characters shows the character itself
    ],
)
def test_symbol_characters(font: str, code: int, char: str) -> None:
    assert symbol_character(font, code) == char


@pytest.mark.parametrize(("font", "code"), [("Symbol", 0xF0F0), ("MT Extra", 0xF028), ("宋体", 0xE001)])
def test_symbols_no_table_knows(font: str, code: int) -> None:
    assert symbol_character(font, code) is None


def test_comparators_inserted_as_symbols_are_read(tmp_path: Path) -> None:
    symbol = (
        '<w:r><w:rPr><w:rFonts w:ascii="Symbol" w:hAnsi="Symbol"/></w:rPr><w:sym w:font="Symbol" w:char="F0B3"/></w:r>'
    )
    path = edited(tmp_path, "ge-as-symbol.docx", lambda xml: PLAIN_GE.sub(symbol, xml))
    forms = bl.read_forms([path])
    original = bl.read_forms([ZHONGJIANG])
    indicators = plain(forms.indicators)
    pd.testing.assert_frame_equal(indicators, plain(original.indicators))
    first = indicators.iloc[0]
    assert (first["name"], first["target_text"], first["comparator"], first["target_value"]) == (
        "安装坡面水标尺",
        "≥266米",
        ">=",
        266.0,
    )
    assert (indicators["comparator"] == ">=").sum() == 6
    assert codes(forms) == []


def test_a_symbol_font_in_the_text_of_a_run_is_read(tmp_path: Path) -> None:
    # pasted symbols: the run is in the Symbol font and its text holds the font's code F0B3
    symbol = '<w:r><w:rPr><w:rFonts w:ascii="Symbol" w:hAnsi="Symbol"/></w:rPr><w:t>\uf0b3</w:t></w:r>'
    path = edited(tmp_path, "ge-in-symbol-text.docx", lambda xml: PLAIN_GE.sub(symbol, xml, count=1))
    forms = bl.read_forms([path])
    assert forms.indicators.loc[0, "target_text"] == "≥266米"
    assert forms.indicators.loc[0, "comparator"] == ">="


def test_an_unknown_symbol_is_kept_visible_with_a_warning(tmp_path: Path) -> None:
    symbol = '<w:r><w:sym w:font="MT Extra" w:char="F028"/></w:r>'
    path = edited(tmp_path, "unknown-symbol.docx", lambda xml: PLAIN_GE.sub(symbol, xml, count=1))
    forms = bl.read_forms([path])
    assert forms.indicators.loc[0, "target_text"] == "\ufffd266米"
    assert pd.isna(forms.indicators.loc[0, "comparator"])
    assert "W_SYMBOL_UNKNOWN" in codes(forms)
    assert "font 'MT Extra' code F028" in message(forms, "W_SYMBOL_UNKNOWN")


# --- hidden text ----------------------------------------------------------------------------------


def test_hidden_text_is_not_read_and_is_named_in_a_warning(tmp_path: Path) -> None:
    hidden = BUDGET_20 + "<w:r><w:rPr><w:vanish/></w:rPr><w:t>（原30）</w:t></w:r>"
    path = edited(tmp_path, "hidden.docx", lambda xml: in_budget_row(xml, hidden))
    forms = bl.read_forms([path])
    total = forms.budget_execution.iloc[0]
    assert (total["fund_line"], total["full_year_budget_as_written"], total["full_year_budget_yuan"]) == (
        "年度资金总额",
        "20",
        200_000.0,
    )
    assert codes(forms) == ["W_HIDDEN_TEXT"]
    said = message(forms, "W_HIDDEN_TEXT")
    assert "(shown: '20'): '（原30）'" in said
    assert re.search(r"paragraph \d+ \(shown", said)


@pytest.mark.parametrize(
    "run",
    [
        '<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>（原30）</w:t></w:r>',  # hidden switched off
        '<w:r><w:rPr><w:rPrChange w:id="1" w:author="a"><w:rPr><w:vanish/></w:rPr></w:rPrChange></w:rPr>'
        "<w:t>（原30）</w:t></w:r>",  # hidden before a tracked formatting change, shown now
    ],
)
def test_text_that_is_not_hidden_now_is_read(tmp_path: Path, run: str) -> None:
    path = edited(tmp_path, "shown.docx", lambda xml: in_budget_row(xml, BUDGET_20 + run))
    forms = bl.read_forms([path])
    assert forms.budget_execution.iloc[0]["full_year_budget_as_written"] == "20（原30）"
    assert "W_HIDDEN_TEXT" not in codes(forms)


def test_a_hidden_paragraph_mark_hides_no_text(tmp_path: Path) -> None:
    # w:pPr/w:rPr formats the paragraph mark: Word hides the mark (joins the paragraphs), not the text
    def hide_marks(xml: str) -> str:
        return xml.replace("<w:rPr></w:rPr></w:pPr>", "<w:rPr><w:vanish/></w:rPr></w:pPr>")

    forms = bl.read_forms([edited(tmp_path, "hidden-marks.docx", hide_marks)])
    original = bl.read_forms([ZHONGJIANG])
    pd.testing.assert_frame_equal(plain(forms.indicators), plain(original.indicators))
    assert codes(forms) == []


# --- Word 2003 XML --------------------------------------------------------------------------------


def word_xml(body: str, declaration: str = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>') -> str:
    return (
        f'{declaration}\n<?mso-application progid="Word.Document"?>\n'
        f'<w:wordDocument xmlns:w="{W}" xmlns:aml="http://schemas.microsoft.com/aml/2001/core" '
        f'xmlns:wx="http://schemas.microsoft.com/office/word/2003/auxHint"><w:body><wx:sect>{body}'
        "</wx:sect></w:body></w:wordDocument>"
    )


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def cell(text: str, properties: str = "") -> str:
    return f"<w:tc><w:tcPr>{properties}</w:tcPr>{para(text)}</w:tc>"


def test_word_2003_xml_saved_by_an_office_suite_reads_like_the_form() -> None:
    # LibreOffice 7.4, "MS Word 2003 XML" of the docx fixture, named .doc as web applications name it
    head = XINZHOU_WORD_XML.read_bytes()[:8192]
    assert sniff_format(XINZHOU_WORD_XML, head) == "wordml"
    (document,) = load_document(XINZHOU_WORD_XML)
    markdown = parse_markdown(XINZHOU_MD.read_text(encoding="utf-8"), XINZHOU_MD.name)
    # its export writes no vertical merges and joins the two adjacent tables: the same text, other blocks
    assert [line.text for line in document.text_lines] == [line.text for line in markdown.text_lines]
    assert document.tables[0].rows[0] == ["项目名称", "区电子政务网络运行维护", "项目代码", "036001-2020-BMZX-0001"]
    assert [notice.code for notice in document.warnings] == ["W_SUFFIX_MISMATCH"]
    assert "holds a Word 2003 XML document" in document.warnings[0].message
    forms = bl.read_forms([XINZHOU_WORD_XML])
    from_docx = bl.read_forms([XINZHOU_DOCX])
    for name in ("projects", "funding", "budget_history", "expenditures", "indicators", "unparsed"):
        ours, theirs = plain(getattr(forms, name)), plain(getattr(from_docx, name))
        if name == "indicators":  # in the table after the joined one
            assert ours.pop("table_no").tolist() == [3, 3, 3] and theirs.pop("table_no").tolist() == [4, 4, 4]
        pd.testing.assert_frame_equal(ours, theirs, obj=name)
    assert forms.projects.loc[0, "total_budget_yuan"] == 500_000.0
    assert len(forms.errors) == 0


def test_word_2003_xml_merges_symbols_hidden_text_and_notes() -> None:
    body = (
        para("绩效目标表")
        + "<w:tbl><w:tblPr/>"
        + "<w:tr>"
        + cell("项目名称")
        + cell("水标尺", '<w:gridSpan w:val="2"/>')
        + "</w:tr>"
        + "<w:tr>"
        + cell("指标", '<w:vmerge w:val="restart"/>')
        + cell("长度")
        + '<w:tc><w:p><w:r><w:sym w:font="Symbol" w:char="F0B3"/></w:r><w:r><w:t>266米</w:t></w:r></w:p></w:tc>'
        + "</w:tr>"
        + "<w:tr>"
        + cell("", "<w:vmerge/>")
        + cell("宽度")
        + "<w:tc><w:p><w:r><w:t>50</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>0</w:t></w:r>"
        + "<w:r><w:t>厘米</w:t></w:r><w:r><w:footnote><w:p><w:r><w:t>脚注</w:t></w:r></w:p></w:footnote></w:r>"
        + '<aml:annotation w:type="Word.Comment"><aml:content><w:p><w:r><w:t>批注</w:t></w:r></w:p>'
        + "</aml:content></aml:annotation></w:p></w:tc></w:tr>"
        + "</w:tbl>"
    )
    (document,) = read_word_xml(word_xml(body).encode("utf-8"), "t.doc")
    (line,) = document.text_lines
    assert line.text == "绩效目标表"
    (table,) = document.tables
    assert table.rows == [["项目名称", "水标尺", ""], ["指标", "长度", "≥266米"], ["", "宽度", "50厘米"]]
    assert table.anchors == {(0, 2): (0, 1), (2, 0): (1, 0)}
    assert [notice.code for notice in document.warnings] == ["W_HIDDEN_TEXT"]
    assert "(shown: '50厘米'): '0'" in document.warnings[0].message


def test_word_2003_xml_declared_in_gbk_is_read(tmp_path: Path) -> None:
    text = word_xml(
        "<w:tbl><w:tr>" + cell("项目名称") + cell("水标尺") + "</w:tr></w:tbl>", '<?xml version="1.0" encoding="GBK"?>'
    )
    path = tmp_path / "导出.doc"
    path.write_bytes(text.encode("gbk"))
    (document,) = load_document(path)
    assert document.tables[0].rows == [["项目名称", "水标尺"]]


def test_word_2003_xml_without_text_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.doc"
    path.write_text(word_xml(""), encoding="utf-8")
    forms = bl.read_forms([path])
    assert forms.errors["code"].tolist() == ["E_NO_CONTENT"]
