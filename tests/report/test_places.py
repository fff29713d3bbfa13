"""Places (a finding's location, a warning's, an unread cell's origin) as a report page reads them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import budgetlib as bl
from budgetlib.report.places import place_text
from budgetlib.report.present import present
from tests.conftest import FIXTURES
from tests.report.conftest import SHIPPED


@pytest.mark.parametrize(("written", "read"), [
    # the review's places: a table, a column, numbered items with the form's text after them
    ("indicators", "绩效指标"),
    ("indicators: 成本指标", "绩效指标：成本指标"),
    ("indicators (产出指标)", "绩效指标（产出指标）"),
    ("indicators #4,5: 产出指标/数量指标", "绩效指标第 4、5 项：产出指标/数量指标"),
    ("projects.budget_change_text", "项目信息·前两年预算及变动情况"),
    ("projects.overall_goal; indicators #1,2,7", "项目信息·绩效总目标；绩效指标第 1、2、7 项"),
    ("cost_items #2: 2、短信服务 200000 条，每条 0.05 …", "测算依据第 2 项：2、短信服务 200000 条，每条 0.05 …"),
    ("cost_items #合计: 合计", "测算依据合计行：合计"),
    ("cost_items #3; expenditures 2020", "测算依据第 3 项；支出明细 2020 年"),
    ("stated_totals: funding 合计", "表内合计：资金来源 合计"),
    ("budget_execution #1: executed_yuan", "预算执行第 1 行：执行数（万元）"),
    ("budget_history 2019: stated_in_text vs expenditure_column", "预算沿革 2019 年：文字说明与支出明细年度列"),
    ("project_years: 中小学教学设备维护 2021", "项目年度：中小学教学设备维护 2021"),
    ("project_years: 设备维护 2022: a/p2-declaration.html#0 vs a/p2-self-evaluation.md#1",
     "项目年度：设备维护 2022：a/p2-declaration.html#0 与 a/p2-self-evaluation.md#1"),
    ("indicators #5: 师生满意度; 2022/p2-declaration.html#0 #5",
     "绩效指标第 5 项：师生满意度；2022/p2-declaration.html#0 第 5 项"),
    # the readers' places, with the row and column inside the table
    ("line 12, row 17, column 2", "文件第 12 行（表内第 17 行第 2 列）"),
    ("page 1, row 12, column 3", "第 1 页（表内第 12 行第 3 列）"),
    ("paragraph 4", "第 4 段"),
    ("table at paragraph 3, row 17, column 2", "第 3 段后的表格（表内第 17 行第 2 列）"),
    ("sheet '项目表' row 16, row 2, column 2", "工作表「项目表」第 16 行（表内第 2 行第 2 列）"),
    ("sheet 'Sheet1' cell A1", "工作表「Sheet1」单元格 A1"),
    ("sheet 'Sheet1'", "工作表「Sheet1」"),
    ("table 0 row 1", "表格 0（表内第 1 行）"),
    ("budget_execution line 2", "预算执行第 2 行"),
    ("text", "表格以外的文字"),
])
def test_each_kind_of_place_reads_in_chinese(written: str, read: str) -> None:
    assert place_text(written) == read


@pytest.mark.parametrize(("written", "read"), [
    # a form's text that looks like the library's words stays as written
    ("indicators #3: projects.main_content line 5, row 2", "绩效指标第 3 项：projects.main_content line 5, row 2"),
    ("cost_items #1: 1、服务器 v2.5 共 3 台", "测算依据第 1 项：1、服务器 v2.5 共 3 台"),
    # a file name with dots, spaces and words of places: the form id is kept whole
    ("indicators #5: 满意度; 2022/line 5 v1.2.md#0 #5", "绩效指标第 5 项：满意度；2022/line 5 v1.2.md#0 第 5 项"),
    ("project_years: 维护 2022: 甲 乙.html#0 vs 丙.丁.md#2", "项目年度：维护 2022：甲 乙.html#0 与 丙.丁.md#2"),
    # a sheet named like a place
    ("sheet 'line 3, row 2' cell B4", "工作表「line 3, row 2」单元格 B4"),
])
def test_the_forms_own_words_and_file_names_are_kept_as_written(written: str, read: str) -> None:
    assert place_text(written) == read


@pytest.mark.parametrize("written", ["somewhere", "declaration.md", "budget_history 2020: other", "indicators#3",
                                     "tasks #x", "line five"])
def test_a_place_of_a_shape_not_known_is_shown_as_written_not_half_translated(written: str) -> None:
    assert place_text(written) == written


def test_a_missing_place_reads_as_unknown() -> None:
    assert place_text(None) == "—" and place_text(float("nan")) == "—"


LIBRARY_WORDS = re.compile(r"\b(?:indicators|cost_items|projects|funding|expenditures|stated_totals|budget_history|"
                           r"budget_execution|project_years|line|row|column|sheet|page|paragraph|table|cell|vs)\b")
FORM_ID = re.compile(r"\S+\.(?:md|html?|xlsx|xls|docx|pdf)#\d+")


@pytest.fixture(scope="module")
def places() -> set[tuple[str, str]]:
    """Every place the library wrote reading the fixtures in every format and the shipped data."""
    folders = [FIXTURES / name for name in ("examples", "variants", "office", "html", "indicator_shapes")]
    forms = bl.read_forms([*(f for f in folders if f.exists()), SHIPPED])
    found = {("findings", v) for v in forms.findings["location"].dropna()}
    found |= {("warnings", v) for v in forms.warnings["location"].dropna() if v}
    found |= {("unparsed", v) for v in forms.unparsed["origin"].dropna()}
    return found


def test_every_place_the_readers_and_the_review_write_reads_in_chinese(places: set[tuple[str, str]]) -> None:
    kinds = {kind for kind, _ in places}
    assert kinds == {"findings", "warnings", "unparsed"}
    assert len(places) > 100
    left = {(kind, value, str(place_text(value))) for kind, value in places
            if place_text(value) == value or LIBRARY_WORDS.search(FORM_ID.sub("", str(place_text(value))))}
    assert left == set()


def test_form_ids_in_places_survive_whole(places: set[tuple[str, str]]) -> None:
    for _, value in places:
        for form_id in FORM_ID.findall(value):
            assert form_id in str(place_text(value))


def test_a_section_table_shows_its_locations_in_chinese(all_examples) -> None:
    findings = all_examples.findings[["check_id", "location"]]
    shown = present(findings)["位置"]
    assert shown.tolist() == [place_text(v) for v in findings["location"]]
    assert not any(LIBRARY_WORDS.search(str(v)) for v in shown)


def test_the_fixture_folders_exist() -> None:
    assert all((FIXTURES / name).is_dir() for name in ("examples", "variants", "office", "html"))
    assert Path(SHIPPED / "synthetic").is_dir()
