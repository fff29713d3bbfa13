"""HTML pages as a browser shows them: forms inside page-layout tables, hidden elements.

Each family is built from the seed form as a government CMS publishes it (tests/fixtures/html): the
page wrapped in the layout tables of older CMS pages, or given the hidden elements of anti-copy
watermarks, superseded rows and Excel's "save as web page" hidden rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.extract.html import parse_html
from budgetlib.extract.markdown import parse_markdown
from budgetlib.testing import compare_documents

FIXTURES = Path(__file__).parents[1] / "fixtures"
SEED_MD = FIXTURES / "examples" / "xinzhou-2020-e-gov-network-declaration.md"
SEED_HTML = FIXTURES / "html" / "xinzhou-2020-e-gov-network-declaration.html"
SEED = SEED_HTML.read_text(encoding="utf-8")
BODY = SEED[SEED.index("<body>") + len("<body>") : SEED.index("</body>")]
NAVIGATION = (
    '<table width="100%"><tr><td><a href="/">首页</a></td><td><a href="/zwgk">政务公开</a></td>'
    "<td>联系我们</td></tr></table>"
)
SIDEBAR = "<table><tr><td>栏目导航</td></tr><tr><td>部门预算</td></tr><tr><td>项目支出</td></tr></table>"
FOOTER = "<table><tr><td>主办单位：武汉市新洲区人民政府办公室</td><td>网站标识码：4201170001</td></tr></table>"
TABLES = ["projects", "funding", "budget_history", "expenditures", "indicators"]


def seed_markdown():
    return parse_markdown(SEED_MD.read_text(encoding="utf-8"), SEED_MD.name)


def page(body: str) -> str:
    return SEED.replace(BODY, body)


def read(tmp_path: Path, name: str, markup: str) -> bl.Forms:
    path = tmp_path / name
    path.write_text(markup, encoding="utf-8")
    return bl.read_forms([path])


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in ("form_id", "source_file", "table_no") if c in frame.columns])


def assert_reads_like_the_seed(forms: bl.Forms, *, but: tuple[str, ...] = ()) -> None:
    seed = bl.read_forms([SEED_HTML])
    for name in TABLES:
        ours, theirs = plain(getattr(forms, name)), plain(getattr(seed, name))
        if name == "projects":
            ours, theirs = ours.drop(columns=list(but)), theirs.drop(columns=list(but))
        pd.testing.assert_frame_equal(ours, theirs, obj=name)


# --- layout tables --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layout",
    [
        '<table width="1000" align="center"><tr><td>{form}</td></tr></table>',  # the form in one cell
        '<table><tr><td><table width="1000"><tr><td>{form}</td></tr></table></td></tr></table>',  # twice
        "<table><tr><td>当前位置：首页 &gt; 财政预决算</td></tr><tr><td>{form}</td></tr></table>",  # a breadcrumb row
        "<table><tr><td>" + SIDEBAR + "</td><td>{form}</td></tr></table>",  # a sidebar beside the form
        "<table><tbody><tr><td></td><td>{form}</td><td>&nbsp;</td></tr></tbody></table>",  # empty margins
    ],
)
def test_a_form_inside_a_layout_table_reads_as_the_form(layout: str) -> None:
    document = parse_html(page(layout.format(form=BODY)), "layout.html")
    markdown = seed_markdown()
    form_lines = [line.text for line in markdown.text_lines]
    lines = [line.text for line in document.text_lines]
    assert lines[-len(form_lines) :] == form_lines  # the title, 资金单位：元 and the headings are lines
    form_tables = [table.rows for table in markdown.tables]
    assert [table.rows for table in document.tables][-len(form_tables) :] == form_tables
    assert document.warnings == []


def test_the_layout_of_a_government_page_reads_as_the_form(tmp_path: Path) -> None:
    body = (
        NAVIGATION
        + '<table width="1000"><tr><td width="200" valign="top">'
        + SIDEBAR
        + "</td><td>"
        + BODY
        + "</td></tr></table>"
        + FOOTER
    )
    document = parse_html(page(body), "gov.html")
    assert document.tables[0].rows == [["首页", "政务公开", "联系我们"]]
    assert document.tables[1].rows == [["栏目导航"], ["部门预算"], ["项目支出"]]
    assert document.tables[-1].rows == [["主办单位：武汉市新洲区人民政府办公室", "网站标识码：4201170001"]]
    assert compare_documents(seed_markdown(), parse_html(page(BODY), "seed.html")) == []
    forms = read(tmp_path, "gov.html", page(body))
    assert_reads_like_the_seed(forms, but=("coverage",))  # the page's own tables are cells no block took
    assert forms.projects.loc[0, "coverage"] < 1
    assert forms.projects.loc[0, "amount_unit"] == "元"
    assert forms.projects.loc[0, "total_budget_yuan"] == 500_000.0
    assert "W_NO_MONEY_UNIT" not in forms.warnings["code"].tolist()
    # the page's own tables are no form: their cells stay in unparsed, nothing is lost
    assert {"首页", "栏目导航", "网站标识码：4201170001"} <= set(forms.unparsed["text"])


def test_a_form_whose_cell_holds_a_sub_table_keeps_its_grid() -> None:
    # a data row beside the cell that holds a table: a grid, read as before (the sub-table after it)
    document = parse_html(
        "<p>单位：元</p><table>"
        "<tr><td>项目名称</td><td>水标尺</td></tr>"
        "<tr><td>绩效指标</td><td><table><tr><td>一级指标</td><td>指标值</td></tr>"
        "<tr><td>产出指标</td><td>≥266米</td></tr></table></td></tr>"
        "</table>",
        "t.html",
    )
    outer, inner = document.tables
    assert outer.rows == [["项目名称", "水标尺"], ["绩效指标", ""]]
    assert inner.rows == [["一级指标", "指标值"], ["产出指标", "≥266米"]]
    assert [line.text for line in document.text_lines] == ["单位：元"]


def test_a_layout_cell_keeps_its_headings_and_text_order() -> None:
    document = parse_html(
        "<table><tr><td><h1>2020 年绩效目标表</h1>前言<table><tr><td>项目名称</td><td>水标尺</td></tr></table>"
        "<p>单位：元</p><table><tr><td>一级指标</td><td>指标值</td></tr></table>后记</td></tr></table>",
        "t.html",
    )
    kinds = [(type(block).__name__, getattr(block, "text", None) or block.rows[0][0]) for block in document.blocks]
    assert kinds == [
        ("TextLine", "2020 年绩效目标表"),
        ("TextLine", "前言"),
        ("Table", "项目名称"),
        ("TextLine", "单位：元"),
        ("Table", "一级指标"),
        ("TextLine", "后记"),
    ]
    assert document.text_lines[0].heading == 1
    assert [table.table_no for table in document.tables] == [0, 1]


# --- hidden elements ------------------------------------------------------------------------------


def message(forms: bl.Forms) -> str:
    (text,) = forms.warnings.loc[forms.warnings["code"] == "W_HIDDEN_TEXT", "message"]
    return str(text)


@pytest.mark.parametrize(
    "hidden",
    [
        '<span style="display:none">8</span>',
        '<span style="DISPLAY: NONE;">8</span>',
        '<font style="color:red;display:none !important">8</font>',
        "<span hidden>8</span>",
        '<span style="visibility:hidden">8</span>',
        '<span style="visibility: Collapse">8</span>',
    ],
)
def test_a_hidden_digit_inside_an_amount_is_not_read(tmp_path: Path, hidden: str) -> None:
    markup = SEED.replace("<td>500000.00</td>", f"<td>500000{hidden}.00</td>", 1)
    assert markup != SEED
    forms = read(tmp_path, "watermark.html", markup)
    assert_reads_like_the_seed(forms)
    assert forms.projects.loc[0, "total_budget_yuan"] == 500_000.0
    assert forms.warnings["code"].tolist() == ["W_HIDDEN_TEXT"]
    line = markup[: markup.index(hidden)].count("\n") + 1
    tag = hidden[1:].split(" ")[0].split(">")[0]
    assert message(forms).endswith(f"were not read: line {line} <{tag}>: '8'")


def test_a_hidden_row_with_a_superseded_budget_is_not_read(tmp_path: Path) -> None:
    start = SEED.rindex("<tr>", 0, SEED.index("项目总预算"))
    end = SEED.index("</tr>", start) + len("</tr>")
    row = SEED[start:end]
    superseded = row.replace("<tr>", '<tr style="display:none">').replace("500000.00", "300000.00")
    forms = read(tmp_path, "superseded.html", SEED[:start] + superseded + "\n" + SEED[start:])
    assert_reads_like_the_seed(forms)
    assert forms.projects.loc[0, "total_budget_yuan"] == 500_000.0
    assert forms.warnings["code"].tolist() == ["W_HIDDEN_TEXT"]
    assert "<tr>: '项目总预算 300000.00 项目当年预算 300000.00'" in message(forms)


def test_a_hidden_cell_leaves_its_row_and_an_invisible_one_keeps_its_place() -> None:
    document = parse_html(
        "<table><tr><td>项目总预算</td><td style='display:none'>旧</td><td>500000.00</td></tr>"
        "<tr><td>项目当年预算</td><td style='visibility:hidden' colspan='2'>隐</td><td>500000.00</td></tr></table>",
        "t.html",
    )
    assert document.tables[0].rows == [["项目总预算", "500000.00"], ["项目当年预算", "", "", "500000.00"]]
    assert document.tables[0].anchors == {(1, 2): (1, 1)}
    (warning,) = document.warnings
    assert warning.code == "W_HIDDEN_TEXT"
    assert "2 hidden element(s)" in warning.message
    assert "<td>: '旧'" in warning.message and "<td>: '隐'" in warning.message


def test_hidden_text_outside_tables_and_nested_hidden_elements_are_noted_once() -> None:
    document = parse_html(
        "<p>标题<span style='display:none'>水印<b style='display:none'>内</b></span></p><p hidden>旧版</p>", "t.html"
    )
    assert [line.text for line in document.text_lines] == ["标题"]
    (warning,) = document.warnings
    assert "2 hidden element(s)" in warning.message
    assert "<span>: '水印 内'" in warning.message and "<p>: '旧版'" in warning.message


def test_a_page_with_hidden_but_empty_elements_warns_of_nothing() -> None:
    document = parse_html('<p>标题<span style="display:none"></span><input type="hidden" hidden></p>', "t.html")
    assert [line.text for line in document.text_lines] == ["标题"]
    assert document.warnings == []
