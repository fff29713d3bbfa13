"""Report pages: a section with nothing to show goes after the sections that have content."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from budgetlib.report.html import EMPTY_SECTIONS_NOTE, empty_sections_last, notebook_to_html
from budgetlib.report.present import table


def _output(shown: object) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("execute_result", data={"text/html": shown._repr_html_(), "text/plain": ""})


def _notebook() -> nbformat.NotebookNode:
    empty = table(pd.DataFrame({"项目": []}), empty="（没有自评表）")
    full = table(pd.DataFrame({"项目": ["公共厕所保洁"]}))
    cells = [nbformat.v4.new_markdown_cell("# 指标完成情况")]
    for name, shown in (("## 自评总分", empty), ("## 按一级指标", full), ("## 未达成目标的指标", empty)):
        code = nbformat.v4.new_code_cell("sections.table(...)")
        code.outputs = [_output(shown)]
        cells += [nbformat.v4.new_markdown_cell(name), code]
    cells.append(nbformat.v4.new_code_cell("sections.chart(...)"))  # a chart that drew nothing: no output
    return nbformat.v4.new_notebook(cells=cells)


def _headings(nb: nbformat.NotebookNode) -> list[str]:
    return [cell.source.splitlines()[-1] for cell in nb.cells if cell.cell_type == "markdown"]


def test_empty_sections_go_last_after_a_note_and_the_notebook_keeps_its_order() -> None:
    nb = _notebook()
    moved = empty_sections_last(nb)
    assert _headings(moved) == ["# 指标完成情况", "## 按一级指标", EMPTY_SECTIONS_NOTE, "## 自评总分", "## 未达成目标的指标"]
    assert _headings(nb) == ["# 指标完成情况", "## 自评总分", "## 按一级指标", "## 未达成目标的指标"]
    page = notebook_to_html(nb, "指标完成情况")
    assert page.index("公共厕所保洁") < page.index(EMPTY_SECTIONS_NOTE) < page.index("（没有自评表）")


def test_a_page_with_every_section_empty_or_none_empty_is_left_as_it_is() -> None:
    nb = _notebook()
    nb.cells = nb.cells[:3]  # the title and one empty section
    assert empty_sections_last(nb) is nb
    full = _notebook()
    full.cells = [full.cells[0], *full.cells[3:5]]
    assert empty_sections_last(full) is full


def test_the_same_notebook_gives_the_same_page_byte_for_byte() -> None:
    """The moved-sections note has a fixed cell id: a page differs only when the notebook does."""
    nb = _notebook()
    first, again = notebook_to_html(nb, "指标完成情况"), notebook_to_html(nb, "指标完成情况")
    assert EMPTY_SECTIONS_NOTE in first
    assert first == again


def test_a_chart_keeps_its_own_alternative_text_and_a_bad_notebook_is_still_refused() -> None:
    """The exporter skips nbconvert's BeautifulSoup pass and all but the last schema check: the
    chart's alt text comes from the template, and a notebook that is not valid still fails."""
    nb = _notebook()
    chart = nb.cells[-1]
    chart.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                                    "text/plain": "图表：各部门预算"})]
    page = notebook_to_html(nb, "指标完成情况")
    assert 'alt="图表：各部门预算"' in page
    assert "No description has been provided" not in page
    chart.outputs = [{"output_type": "display_data", "data": {"image/png": 5}}]  # not a string
    with pytest.raises(nbformat.ValidationError):
        notebook_to_html(nb, "指标完成情况")


def test_every_output_can_be_focused_with_the_keyboard() -> None:
    """As nbconvert's own exporter makes them: a wide table scrolls, and must be reachable without a mouse."""
    from lxml import html as lxml_html

    nb = _notebook()
    nb.cells[-1].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                                          "text/plain": "图表：各部门预算"})]
    page = lxml_html.fromstring(notebook_to_html(nb, "指标完成情况"))
    outputs = page.xpath("//div[contains(concat(' ', @class, ' '), ' jp-OutputArea-output ')]")
    assert len(outputs) == 4  # three tables and the chart
    assert {div.get("tabindex") for div in outputs} == {"0"}
    assert page.xpath("//div[@tabindex][not(contains(@class, 'jp-OutputArea-output'))]") == []
