"""The form being read: cell helpers and the project row's one-value rule."""

from __future__ import annotations

import pytest

from budgetlib.notices import Notice
from budgetlib.transform.context import CellKey, first_filled, is_placeholder, looks_numeric
from tests.transform.grids import context, grid


@pytest.mark.parametrize(("text", "expected"), [
    ("500000.00", True), ("10000万元", True), ("250万", True), ("100.00%", True), ("0", True), ("/", True),
    ("伍拾万元", True), ("1,2,3万元", True),
    ("区电子政务网络运行维护", False), ("其中:财政拨款", False), ("2023.07-2024.01", False), ("", False),
])
def test_looks_numeric(text: str, expected: bool) -> None:
    assert looks_numeric(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("对照年度目标,说明相关任务目标的完成情况(100字以内)", True),       # qingshen self-evaluation
    ("结合自评情况,分析存在的问题及原因。(200字以内)", True),
    ("……", True), ("**", True),
    ("严格执行相关政策,保障工资及时、足额发放", False), ("100%", False),
])
def test_is_placeholder(text: str, expected: bool) -> None:
    assert is_placeholder(text) is expected


@pytest.mark.parametrize(("cells", "start", "expected"), [
    (["", "合计", "", "500000.00"], 0, 1), (["", "合计", "", "500000.00"], 2, 3), (["", ""], 0, None), ([], 0, None),
])
def test_first_filled(cells: list[str], start: int, expected: int | None) -> None:
    assert first_filled(cells, start) == expected


def test_a_second_different_value_is_refused_with_a_warning() -> None:
    ctx = context(grid(["项目名称", "区电子政务网络运行维护"]))
    assert ctx.set_project("project_name", "区电子政务网络运行维护", CellKey(0, 0, 1))
    assert ctx.set_project("project_name", "区电子政务网络运行维护")          # the same value again is fine
    assert not ctx.set_project("project_name", "别的项目", CellKey(0, 3, 1))
    assert ctx.project["project_name"] == "区电子政务网络运行维护"
    assert ctx.warnings == [Notice("W_SECOND_VALUE", "second value for project_name ignored: '别的项目' "
                                                     "(kept '区电子政务网络运行维护')", "table 0 row 3")]
    assert ctx.claims[(0, 0, 1)][0].column == "project_name" and (0, 3, 1) not in ctx.claims
