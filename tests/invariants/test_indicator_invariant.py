"""No fixture has an indicator-looking table read as zero indicators without a warning (indicator_invariant.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import budgetlib as bl
from budgetlib.extract.document import Table
from budgetlib.extract.load import load_document
from budgetlib.testing import document_to_markdown
from tests.conftest import FIXTURES
from tests.invariants.indicator_invariant import looks_like_indicator_table, silent_indicator_tables

FORM_SUFFIXES = {".md", ".html", ".htm", ".xlsx", ".xls", ".docx", ".pdf", ".doc"}
EXCLUDED = {"EXPECTED.md"}


def fixture_files() -> list[Path]:
    """Every form-like file under tests/fixtures (examples in every format, variants, department forms,
    indicator shapes, the office set)."""
    return sorted(
        path for path in FIXTURES.rglob("*")
        if path.is_file() and path.suffix in FORM_SUFFIXES and path.name not in EXCLUDED
        and "raw" not in path.parts and not path.name.startswith("~$")
    )


@pytest.fixture(scope="module")
def read_fixtures() -> tuple[list[Path], bl.Forms]:
    files = fixture_files()
    return files, bl.read_forms(files)


def test_the_fixtures_are_many(read_fixtures: tuple[list[Path], bl.Forms]) -> None:
    files, forms = read_fixtures
    assert len(files) > 80
    assert len(forms.projects) > 80


def test_no_fixture_has_a_silent_indicator_table(read_fixtures: tuple[list[Path], bl.Forms]) -> None:
    files, forms = read_fixtures
    read = set(forms.projects["source_file"])
    silent = [line for path in files for name in [_source(path, forms)] if name in read
              for line in silent_indicator_tables(path, forms, name)]
    assert silent == []


def _source(path: Path, forms: bl.Forms) -> str:
    """The source_file ``read_forms`` gave a file named one by one: its name."""
    return path.name if path.name in set(forms.projects["source_file"]) | set(forms.errors["source_file"]) else str(path)


def test_the_check_fails_when_a_warning_is_missing(tmp_path: Path) -> None:
    """The ezhou 2022 table with its target heading made unknown: read as no indicator, with W_TABLE_UNREAD;
    without that warning the invariant reports the table."""
    text = (FIXTURES / "examples" / "ezhou-2022-office-building-operations-target.md").read_text(encoding="utf-8")
    path = tmp_path / "ezhou.md"
    path.write_text(text.replace("| 当年预期实现值 |", "| 甲乙丙 |"), encoding="utf-8")
    forms = bl.read_form(path)
    assert forms.indicators.empty
    assert "W_TABLE_UNREAD" in set(forms.warnings["code"])
    assert silent_indicator_tables(path, forms) == []
    muted = bl.Forms({**forms.tables, "warnings": forms.warnings[forms.warnings["code"] != "W_TABLE_UNREAD"]})
    assert silent_indicator_tables(path, muted) == [
        "ezhou.md#0 line 42: indicator table not read, no warning",
    ]


def test_headings_read_with_no_indicator_are_reported_too(tmp_path: Path) -> None:
    """A heading with only placeholder rows under it: a warning, else the invariant reports it."""
    path = tmp_path / "empty.md"
    path.write_text("# 项目支出绩效目标表\n\n| 项目名称 | 测试 |\n|---|---|\n\n"
                    "| 一级指标 | 二级指标 | 三级指标 | 指标值 |\n|---|---|---|---|\n| 产出指标 | 数量指标 | …… | |\n",
                    encoding="utf-8")
    forms = bl.read_form(path)
    assert forms.indicators.empty and "W_TABLE_UNREAD" in set(forms.warnings["code"])
    assert silent_indicator_tables(path, forms) == []
    muted = bl.Forms({**forms.tables, "warnings": forms.warnings.iloc[0:0]})
    assert silent_indicator_tables(path, muted) == ["empty.md#0 line 6: headings read, no indicator, no warning"]


@pytest.mark.parametrize(("rows", "expected"), [
    ([["一级指标", "二级指标", "三级指标", "指标值"]], True),
    ([["", "年度指标值"]], True),
    ([["产出指标(50分)", "数量指标"]], True),
    ([["产出指标", "x"]], False),                       # one level label alone
    ([["项目名称", "区电子政务网络运行维护"]], False),
    ([["注:1.一级指标分值统一设置为:产出指标50分、效益指标30分、满意度指标10分、预算资金执行率10分"]], False),
])
def test_looks_like_an_indicator_table(rows: list[list[str]], expected: bool) -> None:
    assert looks_like_indicator_table(Table(0, rows)) is expected


def test_every_example_in_markdown_round_trip_holds(tmp_path: Path) -> None:
    """The thirteen examples written back as markdown by budgetlib.testing: still no silent table."""
    examples = sorted((FIXTURES / "examples").glob("*.md"))
    paths = []
    for source in examples:
        if source.name in EXCLUDED:
            continue
        path = tmp_path / source.name
        path.write_text(document_to_markdown(load_document(source)[0]), encoding="utf-8")
        paths.append(path)
    forms = bl.read_forms(paths)
    assert [line for path in paths for line in silent_indicator_tables(path, forms)] == []
