"""Where a form begins and ends: a page's metadata before it, a title after a first table, two forms in one
file, a title glued to its year. Each fixture in ``tests/fixtures/boundaries`` is read field by field; the
markdown ones are also read as HTML and xlsx (made from the markdown), which must give the same tables."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.testing import markdown_to_html, markdown_to_xlsx
from tests.conftest import FIXTURES

BOUNDARIES = FIXTURES / "boundaries"
TWO_FORMS = BOUNDARIES / "two-forms-one-file.md"
GLUED = BOUNDARIES / "title-glued-to-year.md"
PAGE = BOUNDARIES / "page-metadata-then-form.html"


@cache
def read(path: Path) -> bl.Forms:
    return bl.read_form(path)


def plain(value: Any) -> Any:
    return None if not isinstance(value, str) and pd.isna(value) else value


def projects(path: Path, columns: list[str]) -> list[tuple[Any, ...]]:
    return [tuple(plain(v) for v in row) for row in read(path).projects[columns].itertuples(index=False)]


# -- two forms in one file ----------------------------------------------------------------------------


def test_two_forms_in_one_file_each_with_its_title_and_header_block() -> None:
    assert projects(TWO_FORMS, ["form_id", "form_title", "fiscal_year", "project_name", "implementing_unit",
                                "current_year_budget_yuan", "total_budget_yuan"]) == [
        ("two-forms-one-file.md#0", "项目支出绩效目标表 / （2022年度）", 2022, "老旧小区改造（测试样例）",
         "某区房屋征收服务中心", 3_200_000.0, 3_200_000.0),
        ("two-forms-one-file.md#1", "项目支出绩效目标表2022年", 2022, "城市道路维护（测试样例）", "某区市政设施维护中心",
         856_000.0, 856_000.0),
    ]


def test_two_forms_keep_their_own_indicators_and_the_signature_stays_with_the_first() -> None:
    forms = read(TWO_FORMS)
    assert forms.indicators.groupby("form_id").size().to_dict() == {
        "two-forms-one-file.md#0": 3, "two-forms-one-file.md#1": 4,
    }
    assert projects(TWO_FORMS, ["form_filler", "fill_date"]) == [("张三", "2022年3月1日"), (None, None)]
    assert forms.unparsed.empty and forms.warnings.empty


# -- a title glued to its year, as a plain line ---------------------------------------------------------


def test_a_title_with_the_year_in_front_and_no_heading_mark() -> None:
    assert projects(GLUED, ["form_type", "form_title", "fiscal_year", "project_name", "amount_unit",
                            "current_year_budget_yuan", "official_total_score"]) == [
        ("self_evaluation", "2021年度项目支出绩效自评表", 2021, "乡村公路养护（测试样例）", "万元", 2_026_400.0, 99.8),
    ]
    execution = read(GLUED).budget_execution
    # 202.64 万元 scaled exact to the fen: 2026400.0, not 2026399.9999999998
    assert list(execution["initial_budget_yuan"].iloc[:2]) == [2_026_400.0, 2_026_400.0]
    assert list(execution["executed_yuan"].iloc[:2]) == [1_983_000.0, 1_983_000.0]


@pytest.mark.parametrize(("title", "year"), [
    ("2021年度项目支出绩效自评表", 2021),
    ("项目支出绩效目标表2022年", 2022),
    ("项目支出绩效目标表（2023年度）", 2023),
    ("部门整体支出绩效目标表(2024)", 2024),
])
def test_glued_titles_start_a_form_and_give_its_year(tmp_path: Path, title: str, year: int) -> None:
    text = TWO_FORMS.read_text(encoding="utf-8").replace("项目支出绩效目标表2022年", title)
    path = tmp_path / "form.md"
    path.write_text(text, encoding="utf-8")
    forms = bl.read_form(path)
    assert list(forms.projects["form_title"]) == ["项目支出绩效目标表 / （2022年度）", title]
    assert list(forms.projects["fiscal_year"]) == [2022, year]


# -- a page's metadata before the title ---------------------------------------------------------------


def test_page_metadata_is_kept_and_not_read_as_the_form() -> None:
    forms = read(PAGE)
    assert [tuple(row) for row in forms.page_metadata[["key", "label", "text"]].itertuples(index=False)] == [
        ("index_no", "索引号：", "011200000/2022-00321"),
        ("document_no", "文号：", "无"),
        ("publisher", "发文单位：", "某市财政局"),
        ("published", "发布日期：", "2022年03月15日"),
        ("subject", "主题分类：", "财政"),
    ]
    assert projects(PAGE, ["form_title", "fiscal_year", "project_name", "department", "publishing_unit",
                           "implementing_unit", "implementing_unit_code"]) == [
        ("项目支出绩效目标表 / （2022年度）", 2022, "政务服务大厅运行维护（测试样例）", None, "某市财政局", "某市政务服务中心",
         "021003"),
    ]
    assert forms.unparsed.empty


def test_cells_that_hold_a_line_and_its_amount() -> None:
    forms = read(PAGE)
    assert projects(PAGE, ["budget_as_written", "current_year_budget_yuan"]) == [("150", 1_500_000.0)]
    assert [(row.source_name, row.source_as_written, plain(row.amount_as_written), plain(row.amount_yuan))
            for row in forms.funding.itertuples()] == [
        ("财政拨款", "其中：财政拨款150", "150", 1_500_000.0),
        ("其他资金", "其他资金", None, None),
    ]


# -- the same forms as HTML and xlsx ------------------------------------------------------------------

SOURCE_COLUMNS = {"form_id", "source_file", "origin", "encoding"}
TABLES = ["projects", "funding", "expenditures", "budget_history", "budget_execution", "indicators", "tasks",
          "page_metadata", "stated_totals", "cost_items", "unparsed"]
MARKDOWN = [TWO_FORMS, GLUED, *sorted((FIXTURES / "department").glob("*.md")),
            FIXTURES / "examples" / "ezhou-2021-civic-center-maintenance-self-evaluation.md",
            FIXTURES / "examples" / "ezhou-2022-office-building-operations-target.md"]


def _normalised(forms: bl.Forms, table: str) -> pd.DataFrame:
    df = getattr(forms, table)
    return df.drop(columns=[c for c in df.columns if c in SOURCE_COLUMNS]).reset_index(drop=True)


@pytest.mark.parametrize("markdown", MARKDOWN, ids=lambda p: p.name)
def test_markdown_html_and_xlsx_give_the_same_tables(tmp_path: Path, markdown: Path) -> None:
    html = tmp_path / (markdown.stem + ".html")
    html.write_text(markdown_to_html(markdown, merge=True), encoding="utf-8")
    xlsx = tmp_path / (markdown.stem + ".xlsx")
    xlsx.write_bytes(markdown_to_xlsx(markdown, merge=True))
    expected = read(markdown)
    for other in (bl.read_form(html), bl.read_form(xlsx)):
        assert other.errors.empty
        for table in TABLES:
            pd.testing.assert_frame_equal(_normalised(other, table), _normalised(expected, table), obj=table)
