"""parse_html: real forms, cell cleaning identical to markdown, spans, text flow, hostile pages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from budgetlib.extract import html as html_module
from budgetlib.extract.document import Table, TextLine, UnreadableFileError
from budgetlib.extract.html import parse_html
from budgetlib.extract.load import load_document
from budgetlib.extract.markdown import parse_markdown
from budgetlib.testing import compare_documents

FIXTURES = Path(__file__).parents[1] / "fixtures"
SEED_MD = FIXTURES / "examples" / "xinzhou-2020-e-gov-network-declaration.md"
SEED_HTML = FIXTURES / "html" / "xinzhou-2020-e-gov-network-declaration.html"


def seed_markdown():
    return parse_markdown(SEED_MD.read_text(encoding="utf-8"), SEED_MD.name)


def one_table(markup: str) -> Table:
    document = parse_html(markup, "t.html")
    assert len(document.tables) == 1, document.blocks
    return document.tables[0]


# --- the seed, hand-written as a government CMS would publish it ----------------------------------


def test_seed_page_reads_like_the_markdown_form() -> None:
    document = parse_html(SEED_HTML.read_text(encoding="utf-8"), SEED_HTML.name, "utf-8")
    assert compare_documents(seed_markdown(), document) == []
    assert document.warnings == []


def test_seed_page_real_values() -> None:
    document = parse_html(SEED_HTML.read_text(encoding="utf-8"), SEED_HTML.name)
    first = document.tables[0]
    # the row shifted by one column, as published
    assert first.rows[-1] == ["7.一般非税上年结转", "", "0", ""]
    # the paragraphs of one cell become lines, exactly as in the markdown
    reasons = first.rows[4][1].split("\n")
    assert len(reasons) == 6
    assert reasons[0].endswith("（国办发[2018]45号）")
    assert reasons[-1] == "“在线督查”系统运行维护"
    assert first.rows[5][1] == seed_markdown().tables[0].rows[5][1]
    assert first.rows[5][1].startswith("1、维护区直各部门电子政务网络，共 123 家；\n2、区 655 个")
    # 项目资金来源 spans nine rows; 资金来源项目 spans two columns
    assert first.rows[8][:2] == ["项目资金来源", "资金来源项目"]
    assert all(first.anchors[(row, 0)] == (8, 0) for row in range(9, 17))
    assert first.anchors[(8, 2)] == (8, 1)
    assert (17, 0) not in first.anchors
    # the trailing all-&nbsp; row is dropped like an empty markdown row
    assert len(first.rows) == 18
    assert document.tables[4].rows[1] == ["产出指标", "数量指标", "保障政务外网到各委办局", "123 家", ""]
    headings = [(line.text, line.heading) for line in document.text_lines]
    assert headings == [
        ("2020 年部门项目申报及绩效目标表", 1),
        ("资金单位：元", 0),
        ("项目支出预算及测算依据", 2),
        ("项目支出明细", 2),
        ("项目年度绩效指标", 2),
    ]
    assert [table.table_no for table in document.tables] == [0, 1, 2, 3, 4]
    assert first.origin.startswith("line ")


def test_seed_page_never_reads_script_style_head_or_comments() -> None:
    document = parse_html(SEED_HTML.read_text(encoding="utf-8"), SEED_HTML.name)
    everything = " ".join(line.text for line in document.text_lines) + " ".join(
        cell for table in document.tables for row in table.rows for cell in row
    )
    for hidden in ("注入", "_hmt", "font-family", "正文开始", "新洲区大数据中心2020年", "JavaScript", "模板内容"):
        assert hidden not in everything


def test_gb2312_page_through_load_document(tmp_path: Path) -> None:
    page = SEED_HTML.read_text(encoding="utf-8").replace("charset=utf-8", "charset=gb2312")
    path = tmp_path / "form.htm"
    path.write_bytes(page.encode("gb18030"))
    (document,) = load_document(path)
    assert document.encoding == "gb18030"
    assert compare_documents(seed_markdown(), document) == []


def test_xml_declaration_with_encoding_is_accepted() -> None:
    page = '<?xml version="1.0" encoding="gb2312"?>\n<html><body><table><tr><td>项目名称</td><td>甲</td></tr></table>'
    assert one_table(page).rows == [["项目名称", "甲"]]


# --- cells clean exactly like markdown cells ------------------------------------------------------

CELL_MARKUP = [
    "<p>a</p> <p>b</p>",
    "<p>1、维护 123 家；</p> <p>2、接入</p>",
    "1、维护区直各部分<br>2、区 655 个<br/>3、问津云<br />4、督查",
    "<div>甲</div><div>乙</div>",
    "<ul><li>一</li><li>二</li></ul>",
    "<b>加粗</b> 文本 <span style='color:red'>红</span>",
    "a&nbsp;&nbsp;b &amp; c &lt;d&gt;",
    "全角\u3000\u3000空格",
    "<p>&nbsp;</p><p>只有一行</p><p> </p>",
    "<font face='宋体'>500000.00</font>",
    "  前后空格  ",
    "",
]


@pytest.mark.parametrize("markup", CELL_MARKUP)
def test_cell_text_equals_markdown_cell_text(markup: str) -> None:
    from_markdown = parse_markdown(f"| {markup} | x |", "t.md").tables[0].rows[0][0]
    from_html = one_table(f"<table><tr><td>{markup}</td><td>x</td></tr></table>").rows[0][0]
    assert from_html == from_markdown


def test_paragraph_cell_gives_lines() -> None:
    assert one_table("<table><tr><td><p>a</p> <p>b</p></td></tr></table>").rows == [["a\nb"]]


def test_source_line_breaks_are_spaces_but_pre_keeps_them() -> None:
    table = one_table("<table><tr><td>项目\n名称</td><td><pre>一\n二</pre></td></tr></table>")
    assert table.rows == [["项目 名称", "一\n二"]]


# --- spans ----------------------------------------------------------------------------------------


def test_rowspan_and_colspan_expand_into_empty_cells_with_anchors() -> None:
    table = one_table(
        """<table>
        <tr><td rowspan="3">绩效指标</td><td colspan="2">产出指标</td><td>值</td></tr>
        <tr><td>数量</td><td rowspan="2" colspan="2">合并</td></tr>
        <tr><td>质量</td></tr>
        <tr><td>合计</td><td colspan="3">100</td></tr>
        </table>"""
    )
    assert table.rows == [
        ["绩效指标", "产出指标", "", "值"],
        ["", "数量", "合并", ""],
        ["", "质量", "", ""],
        ["合计", "100", "", ""],
    ]
    assert table.anchors == {
        (0, 2): (0, 1),
        (1, 0): (0, 0),
        (2, 0): (0, 0),
        (1, 3): (1, 2),
        (2, 2): (1, 2),
        (2, 3): (1, 2),
        (3, 2): (3, 1),
        (3, 3): (3, 1),
    }


def test_anchors_are_renumbered_after_empty_rows_are_dropped() -> None:
    table = one_table(
        """<table>
        <tr><td></td><td></td></tr>
        <tr><td rowspan="3">标签</td><td>a</td></tr>
        <tr><td></td></tr>
        <tr><td>b</td></tr>
        </table>"""
    )
    assert table.rows == [["标签", "a"], ["", "b"]]
    assert table.anchors == {(1, 0): (0, 0)}


def test_rowspan_past_the_last_row_is_clipped_quietly() -> None:
    document = parse_html("<table><tr><td rowspan=5>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "t")
    assert document.tables[0].rows == [["a", "b"], ["", "c"]]
    assert document.tables[0].anchors == {(1, 0): (0, 0)}
    assert document.warnings == []


@pytest.mark.parametrize(
    ("attributes", "row"),
    [
        ('rowspan="0"', [["a", "b"], ["", "c"]]),  # 0: to the end of the table
        ('colspan="0"', [["a", "b"], ["c"]]),  # 0 is invalid: 1
        ('colspan="abc"', [["a", "b"], ["c"]]),
        ('colspan="-2"', [["a", "b"], ["c"]]),
        ('colspan="2px"', [["a", "", "b"], ["c"]]),
        ('colspan=" 2 "', [["a", "", "b"], ["c"]]),
    ],
)
def test_span_attribute_parsing(attributes: str, row: list[list[str]]) -> None:
    table = one_table(f"<table><tr><td {attributes}>a</td><td>b</td></tr><tr><td>c</td></tr></table>")
    assert table.rows == row


def test_header_sections_caption_and_implicit_rows() -> None:
    document = parse_html(
        """<table><caption>表1 项目支出</caption>
        <thead><tr><th>科目</th><th>金额</th></tr></thead>
        <tbody><tr><td>邮电费</td><td>60000.00</td></tr></tbody>
        <tfoot><tr><td>合计</td><td>60000.00</td></tr></tfoot></table>
        <table><td>无行</td><td>的单元格</td></table>""",
        "t",
    )
    assert [type(block).__name__ for block in document.blocks] == ["TextLine", "Table", "Table"]
    assert document.text_lines[0].text == "表1 项目支出"
    assert document.tables[0].rows == [["科目", "金额"], ["邮电费", "60000.00"], ["合计", "60000.00"]]
    assert document.tables[1].rows == [["无行", "的单元格"]]


# --- text outside tables --------------------------------------------------------------------------


def test_text_lines_and_tables_interleave_in_document_order() -> None:
    document = parse_html(
        """<body>
        <h1>部门预算项目支出绩效自评表</h1>
        报表编号:510000_0013zp
        <h3>(2023年度)</h3>
        <div>填报单位：<span>青神县</span>发展和改革局</div>
        <table><tr><td>项目名称</td><td>工资性支出</td></tr></table>
        第一行<br>第二行<br/><br/>第三行
        <p>注：<b>1.</b>一级指标</p>
        <ul><li>甲</li><li>乙</li></ul>
        <table><tr><td>合计</td><td>100</td></tr></table>
        <h6>尾注</h6>
        </body>""",
        "t",
    )
    blocks = [
        (block.text, block.heading) if isinstance(block, TextLine) else ("table", block.table_no)
        for block in document.blocks
    ]
    assert blocks == [
        ("部门预算项目支出绩效自评表", 1),
        ("报表编号:510000_0013zp", 0),
        ("(2023年度)", 3),
        ("填报单位：青神县发展和改革局", 0),
        ("table", 0),
        ("第一行", 0),
        ("第二行", 0),
        ("第三行", 0),
        ("注：1.一级指标", 0),
        ("甲", 0),
        ("乙", 0),
        ("table", 1),
        ("尾注", 6),
    ]
    assert [line.line_no for line in document.text_lines] == list(range(11))
    assert all(line.origin.startswith("line ") for line in document.text_lines)


def test_scripts_styles_and_comments_are_ignored_everywhere() -> None:
    document = parse_html(
        """<html><head><title>标题</title><script>alert('x')</script></head><body>
        <script>var a = "<table><tr><td>坏</td></tr></table>";</script>
        <style>td { color: red }</style><!-- 注释 --><noscript>无脚本</noscript>
        <p>正文<script>document.write('坏')</script>文字</p>
        <table><tr><td>格<!-- 注释 --><script>x()</script><style>.a{}</style>子</td></tr></table>
        <template><table><tr><td>模板</td></tr></table></template>
        </body></html>""",
        "t",
    )
    assert [line.text for line in document.text_lines] == ["正文文字"]
    assert [table.rows for table in document.tables] == [[["格子"]]]


# --- nested tables --------------------------------------------------------------------------------


def test_nested_tables_are_read_as_their_own_tables() -> None:
    document = parse_html(
        """<table>
          <tr><td>外层标题</td><td>右</td></tr>
          <tr><td>前文<table><tr><td>内层</td><td>1</td></tr>
                          <tr><td><table><tr><td>最内</td></tr></table></td><td>2</td></tr></table>后文</td>
              <td>外层值</td></tr>
        </table>
        <table><tr><td>下一张</td></tr></table>""",
        "t",
    )
    outer, inner, innermost, following = document.tables
    assert outer.rows == [["外层标题", "右"], ["前文\n后文", "外层值"]]
    assert inner.rows == [["内层", "1"], ["", "2"]]
    assert innermost.rows == [["最内"]]
    assert following.rows == [["下一张"]]
    assert [table.table_no for table in document.tables] == [0, 1, 2, 3]


def test_layout_table_around_the_form_keeps_the_form_grid() -> None:
    form = SEED_HTML.read_text(encoding="utf-8")
    start = form.index('<table border="1" cellspacing="0"')
    body = form[start : form.index("</table>", start) + len("</table>")]
    document = parse_html(f"<table><tr><td>页眉</td></tr><tr><td>{body}</td></tr></table>", "t")
    # a table that only lays the page out is read as if it were not there: its text is text
    assert [line.text for line in document.text_lines] == ["页眉"]
    assert document.tables[0].rows == seed_markdown().tables[0].rows


# --- hostile and broken pages ---------------------------------------------------------------------


def timed(markup: str) -> tuple[object, float]:
    start = time.perf_counter()
    document = parse_html(markup, "hostile.html")
    return document, time.perf_counter() - start


def test_twenty_thousand_nested_tables() -> None:
    document, seconds = timed("<p>前</p>" + "<table><tr><td>x" * 20_000 + "</td></tr></table>" * 20_000)
    assert seconds < 2
    assert document.text_lines[0].text == "前"
    assert any("nested too deeply" in warning.message for warning in document.warnings)


def test_deep_nesting_within_libxml2_limits_does_not_recurse_without_bound(monkeypatch) -> None:
    monkeypatch.setattr(html_module, "MAX_TABLE_NESTING", 3)
    markup = "<table><tr><td>L" * 10 + "</td></tr></table>" * 10
    document = parse_html(markup, "t")
    # levels 0..2 hold a table and no data, so they lay out the page: their text is text lines; level 3
    # is the deepest read as a table, and deeper ones are the text of its cell
    assert [line.text for line in document.text_lines] == ["L"] * 3
    assert len(document.tables) == 1
    assert document.tables[-1].rows[0][0].split("\n") == ["L"] * 7


def test_row_with_twenty_thousand_columns() -> None:
    document, seconds = timed("<table><tr>" + "<td>值</td>" * 20_000 + "</tr></table>")
    assert seconds < 2
    assert document.tables[0].width == 20_000


def test_enormous_spans_are_clamped_with_a_warning() -> None:
    document, seconds = timed(
        '<table><tr><td rowspan="100000" colspan="100000">巨</td><td>b</td></tr><tr><td>c</td></tr></table>'
    )
    assert seconds < 1
    table = document.tables[0]
    assert table.rows[0][0] == "巨" and len(table.rows) == 2
    assert table.width == 1001  # colspan clamped to 1000, then b
    assert table.rows[1] == [""] * 1000 + ["c"]
    assert any("clamped" in warning.message for warning in document.warnings)


def test_many_large_spans_stay_within_the_merge_budget() -> None:
    rows = '<tr><td rowspan="60000" colspan="1000">x</td></tr>' * 400
    document, seconds = timed(f"<table>{rows}</table>")
    assert seconds < 5
    assert len(document.tables[0].anchors) <= html_module.MAX_COVERED_CELLS
    assert any("read as single cells" in warning.message for warning in document.warnings)


def test_huge_grid_is_cut_with_a_warning(monkeypatch) -> None:
    monkeypatch.setattr(html_module, "MAX_CELLS", 2_000)
    document = parse_html("<table>" + "<tr><td>1</td><td>2</td></tr>" * 5_000 + "</table>", "t")
    assert 0 < len(document.tables[0].rows) < 1_000
    assert any("cut short" in warning.message for warning in document.warnings)


def test_page_too_large_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(html_module, "MAX_HTML_CHARS", 1_000)
    with pytest.raises(UnreadableFileError, match="too large"):
        parse_html("<p>x</p>" * 1_000, "t")


@pytest.mark.parametrize(
    "markup",
    [
        "",
        "   \n ",
        "<!-- only a comment -->",
        "<table><tr><td>a</td><td>b<tr><td",
        "<<<>>>&&&;;<td><tr></table></tr><p <b>",
        "<table><tr><td>截断的表格" + "</td>" * 3,
        "\x00<p>有\x00空字节</p>",
        "<p>" + "<b>" * 5_000 + "深" + "</b>" * 5_000 + "</p>",
        "<table>" + "<tr></tr>" * 10_000 + "</table>",
    ],
)
def test_broken_markup_reads_without_error(markup: str) -> None:
    document, seconds = timed(markup)
    assert seconds < 2
    for table in document.tables:
        assert all(any(row) for row in table.rows)


def test_truncated_table_keeps_what_was_there() -> None:
    table = one_table("<table><tr><td>项目名称</td><td>区电子政务网络运行维护</td></tr><tr><td>项目代码</td><td>0360")
    assert table.rows == [["项目名称", "区电子政务网络运行维护"], ["项目代码", "0360"]]


def test_nul_bytes_are_dropped() -> None:
    document = parse_html("<p>有\x00空字节</p>", "t")
    assert document.text_lines[0].text == "有空字节"


# --- speed ----------------------------------------------------------------------------------------


