"""A narrative field written as text, a heading line with its paragraphs below it, reads as its label row does.

Word self-evaluation reports and web pages write "二、本年度绩效目标" (or "（三）存在的问题：") as a line and the
goal or the problems as the paragraphs below it, where a sheet has a label cell and a value cell. The family:
every narrative label row of the thirteen examples moved out of the grid, after the last table and before the
first, numbered in the usual ways, in markdown, HTML and Word 2003 XML. The field must read the same, and
nothing else change.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.testing import _read_markdown, document_to_html, document_to_markdown
from budgetlib.transform.form import PROSE_FIELDS, _prose_heading
from tests.conftest import EXAMPLES, OFFICE_EXAMPLES

NUMBERINGS = ("二、{}", "（三）{}：", "{}", "3.{}")
OTHER_COLUMNS = ["form_type", "fiscal_year", "project_name", "department", "total_budget_yuan",
                 "current_year_budget_yuan", "form_filler"]


def narrative_rows(name: str) -> list[tuple[int, int, str, str, str]]:
    """(table index, row, field, label, value) of each label row of a narrative field that the example's
    own reading takes as that field's value."""
    doc = _read_markdown(EXAMPLES / name)
    projects = bl.read_form(EXAMPLES / name).projects
    found = []
    for index, block in enumerate(doc.blocks):
        if not isinstance(block, Table):
            continue
        for row, cells in enumerate(block.rows):
            filled = list(dict.fromkeys(text for text in cells if text))
            field = _prose_heading(filled[0]) if len(filled) == 2 else None
            if field is not None and len(projects) == 1 and projects.iloc[0][field] == filled[1]:
                found.append((index, row, field, filled[0], filled[1]))
    return found


CASES = [(name, *row) for name in OFFICE_EXAMPLES for row in narrative_rows(name)]


def test_the_family_is_not_empty() -> None:
    fields = {case[3] for case in CASES}
    assert len(CASES) >= 6 and {"annual_goal", "overall_goal", "main_content"} <= fields <= PROSE_FIELDS


def as_text(doc: Document, index: int, row: int, heading: str, value: str, where: str) -> Document:
    """``doc`` with row ``row`` of its block ``index`` taken out of the grid and written as a heading line
    with the value's lines below it, after the last table or just before the first."""
    table = doc.blocks[index]
    assert isinstance(table, Table)
    shorter = Table(table.table_no, [cells for number, cells in enumerate(table.rows) if number != row], table.origin)
    blocks = [shorter if number == index else block for number, block in enumerate(doc.blocks)]
    lines = [TextLine(0, heading), *(TextLine(0, line) for line in value.split("\n"))]
    tables = [number for number, block in enumerate(blocks) if isinstance(block, Table)]
    at = tables[-1] + 1 if where == "after" else tables[0]
    return Document(doc.source_file, blocks[:at] + lines + blocks[at:])


def write(tmp_path: Path, doc: Document, fmt: str) -> Path:
    path = tmp_path / f"form.{fmt}"
    path.write_text(document_to_markdown(doc) if fmt == "md" else document_to_html(doc), encoding="utf-8")
    return path


def same_except(ours: bl.Forms, theirs: bl.Forms, field: str) -> None:
    pd.testing.assert_frame_equal(ours.projects[OTHER_COLUMNS].reset_index(drop=True),
                                  theirs.projects[OTHER_COLUMNS].reset_index(drop=True))
    for name in ("funding", "indicators", "budget_execution", "expenditures"):
        assert len(getattr(ours, name)) == len(getattr(theirs, name)), name
    assert sorted(ours.unparsed["text"]) == sorted(theirs.unparsed["text"])
    assert list(ours.warnings["code"]) == list(theirs.warnings["code"])


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("where", ["after", "before"])
@pytest.mark.parametrize(("name", "index", "row", "field", "label", "value"), CASES,
                         ids=[f"{case[0][:18]}-{case[3]}" for case in CASES])
def test_a_narrative_field_written_as_text_reads_like_its_row(
    tmp_path: Path, name: str, index: int, row: int, field: str, label: str, value: str, where: str, fmt: str,
) -> None:
    original = bl.read_form(EXAMPLES / name)
    numbering = NUMBERINGS[(index + row) % len(NUMBERINGS)]
    doc = as_text(_read_markdown(EXAMPLES / name), index, row, numbering.format(label), value, where)
    forms = bl.read_form(write(tmp_path, doc, fmt))
    assert forms.projects.iloc[0][field] == value
    same_except(forms, original, field)
    provenance = forms.provenance
    read_as = provenance[provenance["dest_column"] == field]
    assert " ".join(read_as["text"]).count(value.split("\n")[0]) >= 1


def test_the_paragraphs_stop_at_the_next_heading_label_or_signature_line(tmp_path: Path) -> None:
    doc = _read_markdown(EXAMPLES / "xiangtan-2023-fog-cannon-service-target.md")
    table = next(block for block in doc.blocks if isinstance(block, Table))
    text = [TextLine(0, line) for line in (
        "三、存在的问题：", "服务车辆调度不及时；", "资金使用情况良好", "四、其他说明", "无",
        "改进措施", "加强调度。", "填表人：李四",
    )]
    rows = [cells for cells in table.rows if not cells[0].startswith("本年度绩效目标")]
    path = write(tmp_path, Document(doc.source_file, [Table(0, rows, table.origin), *text]), "md")
    project = bl.read_form(path).projects.iloc[0]
    assert project["problems"] == "服务车辆调度不及时；\n资金使用情况良好"  # a sentence with 资金 is no heading
    assert project["improvements"] == "加强调度。"
    assert project["form_filler"] == "李四"  # the signature line is read as before, not as a paragraph
    assert pd.isna(project["annual_goal"])
    assert "无" in set(bl.read_form(path).unparsed["text"])  # 其他说明 is no narrative field of the form


def test_a_heading_with_a_table_below_it_reads_no_value(tmp_path: Path) -> None:
    # "一、年度绩效目标" over the indicator table: the table is the goal's detail, not its text
    doc = _read_markdown(EXAMPLES / "xiangtan-2023-fog-cannon-service-target.md")
    table = next(block for block in doc.blocks if isinstance(block, Table))
    rows = [cells for cells in table.rows if not cells[0].startswith("本年度绩效目标")]
    path = write(tmp_path, Document(doc.source_file, [TextLine(0, "一、年度绩效目标"), Table(0, rows, table.origin)]),
                 "md")
    forms = bl.read_form(path)
    assert pd.isna(forms.projects.iloc[0]["annual_goal"])
    assert "一、年度绩效目标" not in set(forms.unparsed["text"])  # claimed as a section heading, as before


def test_a_text_goal_that_disagrees_with_the_grid_is_flagged(tmp_path: Path) -> None:
    doc = _read_markdown(EXAMPLES / "xiangtan-2023-fog-cannon-service-target.md")
    text = [TextLine(0, "二、本年度绩效目标"), TextLine(0, "完成全市道路降尘服务。")]
    forms = bl.read_form(write(tmp_path, Document(doc.source_file, [*doc.blocks, *text]), "md"))
    assert forms.projects.iloc[0]["annual_goal"].startswith("通过采购雾炮车降尘抑尘服务")
    assert "W_SECOND_VALUE" in set(forms.warnings["code"])
    assert "完成全市道路降尘服务。" in set(forms.unparsed["text"])


def test_a_word_document_writes_its_goal_as_paragraphs() -> None:
    from budgetlib.extract.docx import read_word_xml
    from budgetlib.transform.assemble import extract_form, segment

    namespace = "http://schemas.microsoft.com/office/word/2003/wordml"

    def paragraph(text: str) -> str:
        return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"

    def cell(text: str) -> str:
        return f"<w:tc>{paragraph(text)}</w:tc>"

    body = (paragraph("2023年项目支出绩效目标表")
            + "<w:tbl>" + "".join(f"<w:tr>{cell(a)}{cell(b)}</w:tr>" for a, b in (
                ("项目名称", "雾炮车降尘抑尘服务"), ("预算部门", "湘潭市环境卫生管理处"))) + "</w:tbl>"
            + paragraph("二、本年度绩效目标") + paragraph("全市空气质量达到优良。") + paragraph("服务周期内无投诉。"))
    xml = f'<?xml version="1.0"?><w:wordDocument xmlns:w="{namespace}"><w:body>{body}</w:body></w:wordDocument>'
    (document,) = read_word_xml(xml.encode("utf-8"), "goal.doc")
    (blocks,) = segment(document)
    project = extract_form(blocks, "goal.doc#0", "goal.doc").records["projects"][0]
    assert project["annual_goal"] == "全市空气质量达到优良。\n服务周期内无投诉。"
