"""A form written as one table: section headings and unit rows in the middle of the grid.

A page saved from Excel, or one sheet, stacks the parts of a form in one grid: each part under a heading row
("一、项目基本情况", "（三）项目支出明细", "绩效指标"), often merged across the width, and each money block
under its own unit row ("单位：万元", "金额单位：元"). A heading names the rows below it and ends the block above
it; a unit row states the unit of the amounts below it, to the next unit row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.extract.document import Document, Table
from budgetlib.testing import document_to_html, document_to_markdown, document_to_xlsx
from budgetlib.transform.blocks import section_heading
from budgetlib.transform.form import read_unit_rows
from tests.transform.grids import context, grid

KINDS = ["md", "html", "xlsx"]
"""Markdown (the heading in the first cell only), HTML and xlsx (the heading merged across the width)."""

WIDTH = 4


def _row(*cells: str) -> list[str]:
    return list(cells) + [""] * (WIDTH - len(cells))


def _rows(frame: pd.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    """Some columns of a table's rows, a missing value as None."""
    return [tuple(None if pd.isna(value) else value for value in row) for row in frame[list(columns)].itertuples(index=False)]


def _read(rows: list[list[str]], kind: str, tmp_path: Path) -> bl.Forms:
    doc = Document("form", [Table(0, [_row(*cells) for cells in rows])])
    path = tmp_path / f"form.{kind}"
    if kind == "md":
        path.write_text(document_to_markdown(doc), "utf-8")
    elif kind == "html":
        path.write_text(document_to_html(doc, merge=True), "utf-8")
    else:
        path.write_bytes(document_to_xlsx(doc, merge=True))
    return bl.read_form(path)


def _declaration(funding_heading: list[str], funding_unit: list[str] | None, spending_heading: list[str],
                 spending_unit: list[str] | None) -> list[list[str]]:
    """A declaration (after xinzhou-2020-e-gov-network-declaration) written as one table."""
    rows = [
        ["2023年部门项目申报及绩效目标表"],
        ["一、项目基本情况"],
        ["项目名称", "社区养老服务补助", "项目代码", "420117-2023-0012"],
        ["项目主管部门", "武汉市新洲区民政局", "项目执行单位", "武汉市新洲区民政局"],
        ["项目总预算", "120", "项目当年预算", "120"],
        funding_heading,
        *([funding_unit] if funding_unit else []),
        ["项目资金来源", "资金来源项目", "", "金额"],
        ["", "合计", "", "120"],
        ["", "1.财政拨款收入", "", "100"],
        ["", "2.上级补助收入", "", ""],
        spending_heading,
        *([spending_unit] if spending_unit else []),
        ["经济科目", "2023年", "2022年"],
        ["委托业务费", "1000000.00", "800000.00"],
        ["劳务费", "200000.00", "0"],
        ["三、绩效目标"],
        ["年度绩效目标", "为全镇 300 名高龄老人提供居家养老服务"],
        ["绩效指标"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "服务老人人数", "≥300人"],
    ]
    return rows


SPENDING_HEADINGS = [
    "（三）项目支出明细", "(三)项目支出明细", "三、项目支出明细", "三．项目支出明细", "3.项目支出明细", "3、项目支出明细",
    "第三部分 项目支出明细", "项目支出明细", "（三）项目支出明细表", "三、项目支出预算明细情况",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("heading", SPENDING_HEADINGS)
def test_a_heading_ends_the_funding_block(heading: str, kind: str, tmp_path: Path) -> None:
    """A numbered heading after the last source is no source line, and the block below it is read."""
    rows = _declaration(["二、项目资金情况"], ["单位：万元"], [heading], ["金额单位：元"])
    forms = _read(rows, kind, tmp_path)
    assert _rows(forms.funding, "source_name", "amount_yuan") == [
        ("财政拨款收入", 1_000_000.0), ("上级补助收入", None)]
    assert _rows(forms.expenditures, "economic_category", "fiscal_year", "amount_yuan") == [
        ("委托业务费", 2023, 1_000_000.0), ("委托业务费", 2022, 800_000.0),
        ("劳务费", 2023, 200_000.0), ("劳务费", 2022, 0.0)]
    assert list(forms.unparsed["text"]) == []
    assert list(forms.indicators["name"]) == ["服务老人人数"]
    assert forms.projects.loc[0, "annual_goal"] == "为全镇 300 名高龄老人提供居家养老服务"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("heading", ["（二）项目资金来源", "二、资金来源", "2.项目资金来源情况", "二、项目资金情况"])
def test_a_heading_that_is_a_section_label_names_the_block_below(heading: str, kind: str, tmp_path: Path) -> None:
    """"（二）项目资金来源 | … | 金额单位：元" above the block's own "项目资金来源 | 资金来源项目 | 金额" row: the
    heading row is not read as the block's label row (which made "项目资金来源" a source with amount "资金来源项目")."""
    rows = _declaration([heading, "", "", "金额单位：元"], None, ["三、项目支出明细"], None)
    forms = _read(rows, kind, tmp_path)
    assert _rows(forms.funding, "source_name", "amount_as_written", "amount_yuan") == [
        ("财政拨款收入", "100", 100.0), ("上级补助收入", None, None)]
    assert list(forms.expenditures["amount_yuan"]) == [1_000_000.0, 800_000.0, 200_000.0, 0.0]
    assert "W_NOT_AN_AMOUNT" not in set(forms.warnings["code"])
    assert list(forms.unparsed["text"]) == []


UNIT_ROWS = [
    # (the funding block's unit row, the expenditure block's unit row, funding in 元, expenditures in 元)
    (["单位：万元"], ["金额单位：元"], [1_000_000.0, None], [1_000_000.0, 800_000.0, 200_000.0, 0.0]),
    (["", "", "", "（单位：万元）"], ["", "", "", "资金单位:元"], [1_000_000.0, None],
     [1_000_000.0, 800_000.0, 200_000.0, 0.0]),
    (["金额单位：元"], ["单位：万元"], [100.0, None], [1e10, 8e9, 2e9, 0.0]),
    (["单位：元"], None, [100.0, None], [1_000_000.0, 800_000.0, 200_000.0, 0.0]),  # carried on to the next block
    (None, ["单位：万元"], [None, None], [1e10, 8e9, 2e9, 0.0]),  # the sources above it keep no unit
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("funding_unit", "spending_unit", "funding", "spending"), UNIT_ROWS)
def test_a_unit_row_states_the_unit_of_the_rows_below_it(
    funding_unit: list[str] | None, spending_unit: list[str] | None, funding: list[float | None],
    spending: list[float], kind: str, tmp_path: Path,
) -> None:
    rows = _declaration(["二、项目资金情况"], funding_unit, ["（三）项目支出明细"], spending_unit)
    forms = _read(rows, kind, tmp_path)
    assert [value for value, in _rows(forms.funding, "amount_yuan")] == funding
    assert [value for value, in _rows(forms.expenditures, "amount_yuan")] == spending
    assert list(forms.unparsed["text"]) == []
    # the budget written above every unit row has no stated unit: kept as written, never guessed
    assert forms.projects.loc[0, "budget_as_written"] == "120"
    assert forms.projects["current_year_budget_yuan"].isna().all()
    assert "W_NO_MONEY_UNIT" in set(forms.warnings["code"])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("heading_row", "unit"), [
    (["二、预算执行情况", "", "", "单位：万元"], 10_000),
    (["二、预算执行情况（单位：万元）"], 10_000),
    (["二、预算执行情况", "", "", "金额单位：元"], 1),
    (["预算执行情况"], None),
])
def test_a_unit_beside_or_in_a_heading(heading_row: list[str], unit: int | None, kind: str, tmp_path: Path) -> None:
    """A self-evaluation (after tangxi-2022-village-subsidies-self-evaluation) written as one table: the
    execution block's unit stated beside its heading, or inside it."""
    rows = [
        ["项目支出绩效自评表"],
        ["（2022年度）"],
        ["一、基本信息"],
        ["项目名称", "村级公益事业补助", "主管部门", "汤溪镇人民政府"],
        heading_row,
        ["项目资金", "", "全年预算数", "全年执行数"],
        ["", "年度资金总额", "50", "45"],
        ["", "其中：财政拨款", "50", "45"],
        ["四、绩效指标"],
        ["一级指标", "二级指标", "三级指标", "年度指标值"],
        ["产出指标", "数量指标", "硬化里程", "5公里"],
    ]
    forms = _read(rows, kind, tmp_path)
    execution = forms.budget_execution
    assert list(execution["fund_line"]) == ["年度资金总额", "财政拨款"]
    expected = [None, None] if unit is None else [50.0 * unit, 45.0 * unit]
    assert list(_rows(execution, "full_year_budget_yuan", "executed_yuan")[0]) == expected
    assert list(forms.unparsed["text"]) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_unit_row_against_a_column_heading_is_warned_of(kind: str, tmp_path: Path) -> None:
    """"单位：万元" above a block whose heading says "金额（元）": neither unit is guessed; a unit in the cell counts."""
    rows = [
        ["2023年部门项目申报及绩效目标表"],
        ["项目名称", "社区养老服务补助", "项目代码", "420117-2023-0012"],
        ["（三）项目支出明细", "", "", "单位：万元"],
        ["经济科目", "金额（元）"],
        ["委托业务费", "1200000"],
        ["劳务费", "3万元"],
    ]
    forms = _read(rows, kind, tmp_path)
    assert _rows(forms.expenditures, "amount_as_written", "amount_yuan") == [
        ("1200000", None), ("3万元", 30_000.0)]
    warnings = forms.warnings.set_index("code")
    assert "W_NO_MONEY_UNIT" not in warnings.index
    message = warnings.loc["W_UNIT_CONFLICT", "message"]
    assert "'单位：万元'" in message and "'金额（元）'" in message and "'1200000'" in message


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("unit_row", ["单位：元", "金额单位：元"])
def test_a_unit_row_that_agrees_with_the_heading(unit_row: str, kind: str, tmp_path: Path) -> None:
    rows = [
        ["项目名称", "社区养老服务补助"],
        ["项目支出明细", "", "", unit_row],
        ["经济科目", "金额（元）"],
        ["委托业务费", "1200000"],
    ]
    forms = _read(rows, kind, tmp_path)
    assert list(forms.expenditures["amount_yuan"]) == [1_200_000.0]
    assert not {"W_UNIT_CONFLICT", "W_NO_MONEY_UNIT"} & set(forms.warnings["code"])
    assert list(forms.unparsed["text"]) == []  # the unit row and the heading are read, not left over


@pytest.mark.parametrize(("cells", "col", "numbered"), [
    (["一、项目基本情况", "", ""], 0, True),
    (["（二）项目支出明细", "", "", "单位：万元"], 0, True),
    (["第一部分 基本情况"], 0, True),
    (["", "三、绩效目标", ""], 1, True),
    (["绩效指标", "", ""], 0, False),
    (["五、其他需要说明的情况"], 0, True),
    (["二、项目资金情况（单位：万元）"], 0, True),
])
def test_section_headings(cells: list[str], col: int, numbered: bool) -> None:
    heading = section_heading(cells)
    assert heading is not None and (heading.col, heading.numbered) == (col, numbered)


@pytest.mark.parametrize("cells", [
    ["2.上级补助收入", "", ""],        # a source with no amount
    ["（一）财政拨款", "", ""],
    ["（一）产出指标", "", ""],        # a level label over indicator rows
    ["1.数量指标"],
    ["其中：财政拨款", ""],
    ["合计", ""],
    ["年度绩效目标", ""],             # a label whose value is below it: the label pass reads it
    ["项目名称", "社区养老服务补助"],
    ["三、项目支出明细", "1200000"],   # a figure beside it
    ["一、维护区直各部门电子政务网络，共 123 家，每家每年约 1000 元"],
    ["500000.00"],
    [""],
])
def test_not_section_headings(cells: list[str]) -> None:
    assert section_heading(cells) is None


def test_unit_rows_and_what_they_claim() -> None:
    table = grid(
        ["项目名称", "x", "", ""],
        ["二、项目资金情况", "", "", "单位：万元"],
        ["项目资金", "资金总额", "", "80"],
        ["年度预算数(万元)", "80", "", ""],     # a label with a unit: its own value's unit, no unit row
        ["", "", "", "金额单位：元"],
        ["计量单位", "", "", ""],
    )
    ctx = context(table)
    assert read_unit_rows(ctx, table) == "元"
    assert [(unit_row.row, unit_row.unit) for unit_row in ctx.unit_rows[0]] == [(1, "万元"), (4, "元")]
    assert [key[1:] for key in ctx.claims] == [(1, 3), (4, 3)]
    assert [ctx.unit_in_force(0, row)[0] for row in range(6)] == [None, "万元", "万元", "万元", "元", "元"]
