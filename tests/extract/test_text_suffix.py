"""Text formats: the suffix decides between markdown and HTML, so HTML inside a markdown cell is cell text.

A markdown form whose cell holds ``<table>`` (pasted from a web page) in its first 8 KB used to be taken
for an HTML page: the pipe tables were then no tables at all and the whole form was lost.
"""

from __future__ import annotations

import pytest

import budgetlib as bl
from budgetlib.extract.load import is_html_page, load_document, sniff_format
from tests.conftest import EXAMPLES, SEED

INLINE = "<table><tr><td>附表</td></tr></table>"


def _seed_with_inline_html(tmp_path, suffix: str = ".md"):
    text = (EXAMPLES / SEED).read_text(encoding="utf-8")
    text = text.replace("| 项目类别             | 部门项目   |", f"| 项目类别             | 部门项目 {INLINE}  |")
    assert INLINE in text and text.index(INLINE) < 8192
    path = tmp_path / f"form{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".md", ".markdown", ".txt"])
def test_a_markdown_form_with_a_table_tag_in_a_cell_is_read_as_markdown(tmp_path, suffix) -> None:
    path = _seed_with_inline_html(tmp_path, suffix)
    assert sniff_format(path, path.read_bytes()[:8192]) == "markdown"
    forms = bl.read_form(path)
    assert forms.errors.empty
    seed = bl.read_form(EXAMPLES / SEED)
    project = forms.projects.iloc[0]
    assert project["project_name"] == "区电子政务网络运行维护"
    assert project["current_year_budget_yuan"] == 500_000.0
    assert len(forms.indicators) == len(seed.indicators) and len(forms.funding) == len(seed.funding)
    assert project["category"] == "部门项目\n附表"  # the inline markup is the cell's text (its tags break lines)
    assert "W_SUFFIX_MISMATCH" not in set(forms.warnings["code"])


def _page(tmp_path, name: str, head: str, encoding: str = "utf-8") -> object:
    html = (head + "<body><table><tr><td>项目名称</td><td>网页项目</td></tr>"
            "<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>指标值</td></tr>"
            "<tr><td>产出指标</td><td>数量指标</td><td>维护单位</td><td>123家</td></tr></table></body></html>")
    path = tmp_path / name
    path.write_text(html, encoding=encoding)
    return path


@pytest.mark.parametrize(("head", "encoding"), [
    ("<!DOCTYPE html><html><head><meta charset='utf-8'></head>", "utf-8"),
    ("\n  <HTML><head></head>", "utf-8"),
    ("<?xml version='1.0'?>\n<!-- exported -->\n<html xmlns='http://www.w3.org/1999/xhtml'>", "utf-8"),
    ("<!DOCTYPE html><html>", "utf-16"),
])
def test_a_whole_html_page_named_md_is_still_read_as_html_with_a_warning(tmp_path, head, encoding) -> None:
    path = _page(tmp_path, "page.md", head, encoding)
    documents = load_document(path)
    assert documents[0].warnings[0].code == "W_SUFFIX_MISMATCH"
    assert "whole HTML page" in documents[0].warnings[0].message
    forms = bl.read_form(path)
    assert forms.projects["project_name"].tolist() == ["网页项目"]
    assert "W_SUFFIX_MISMATCH" in set(forms.warnings["code"])


def test_html_suffixes_and_unknown_suffixes_still_go_by_content(tmp_path) -> None:
    fragment = tmp_path / "fragment.html"
    fragment.write_text("<table><tr><td>项目名称</td><td>片段</td></tr></table>", encoding="utf-8")
    assert sniff_format(fragment, fragment.read_bytes()) == "html"
    no_suffix = tmp_path / "export"
    no_suffix.write_text("<table><tr><td>项目名称</td><td>片段</td></tr></table>", encoding="utf-8")
    assert sniff_format(no_suffix, no_suffix.read_bytes()) == "html"
    assert not is_html_page(b"# \xe6\xa0\x87\xe9\xa2\x98\n\n| a | <html> |")  # markup later in the text
