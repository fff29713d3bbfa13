"""Families of cost tables with groups, subtotals and a 测算依据 column, as districts publish them.

A careful reader of::

    序号 | 支出内容 | 数量 | 单位 | 单价（元） | 金额（万元）
    一   | 设备购置 |      |      |            | 7
    1.1  | 办公电脑 | 10   | 台   | 6000       | 6
    1.2  | 打印机   | 5    | 台   | 2000       | 1
         | 合计     |      |      |            | 7

sees one group of two items, not three items adding up to 14: the parts have the group's ``parent_item``,
a 小计 is its group's, and only the top-level lines are summed. A 测算依据 beside a line ("10台×6000元/台")
gives the line's quantity and unit price as the free-text cost basis does. Before, every group line was an
item beside its parts (C8 and W_TOTAL_MISMATCH counted them twice), a 小计 that disagreed with its parts
was compared with the whole table, the 序号 of a cost-composition table stayed unparsed, and the 测算依据
was kept as text only.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.testing import markdown_to_html, markdown_to_xlsx
from budgetlib.transform.cost_columns import OutlineLine, is_outline_number, outline_parents, outline_rank, price_text

_HEAD = """# 2023年部门项目申报及绩效目标表

| | | | |
|---|---|---|---|
| 项目名称 | 社区服务中心运行 | 项目当年预算（万元） | {budget} |

"""


def _md(*rows: list[str]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines) + "\n"


def _write(tmp_path: Path, text: str, fmt: str = "md") -> Path:
    """The form as markdown, or written as HTML or xlsx (merged cells) by budgetlib.testing."""
    source = tmp_path / "form.md"
    source.write_text(text, encoding="utf-8")
    if fmt == "md":
        return source
    if fmt == "html":
        path = tmp_path / "form.html"
        path.write_text(markdown_to_html(source, merge=True), encoding="utf-8")
        return path
    path = tmp_path / "form.xlsx"
    path.write_bytes(markdown_to_xlsx(source, merge=True))
    return path


def _read(tmp_path: Path, text: str, fmt: str = "md") -> bl.Forms:
    return bl.read_forms([_write(tmp_path, text, fmt)])


def _value(value: object) -> object:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _outline(forms: bl.Forms) -> list[tuple[object, ...]]:
    """Each cost line as (name, item_no, parent_item, amount_yuan, is_total)."""
    table = forms.cost_items
    return [tuple(_value(v) for v in row) for row in
            table[["description", "item_no", "parent_item", "amount_yuan", "is_total"]].itertuples(index=False)]


def _codes(forms: bl.Forms) -> list[str]:
    return list(forms.warnings["code"])


def _c8(forms: bl.Forms) -> pd.DataFrame:
    return forms.findings[forms.findings["check_id"] == "C8"]


# -- the outline ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "rank"), [
    ("一", 0.0), ("一、人员经费", 0.0), ("二.", 0.0), ("（一）", 1.0), ("(二)设备", 1.0), ("1", 2.0), ("1、工资", 2.0),
    ("1.工资", 2.0), ("1.1", 2.1), ("1.1 办公电脑", 2.1), ("2.1.3", 2.2), ("（1）", 3.0), ("①", 4.0),
    ("1.5米线缆", None), ("10台电脑", None), ("一次性补助", None), ("2023年运维", None), ("办公电脑", None), ("", None),
])
def test_outline_ranks(text: str, rank: float | None) -> None:
    assert outline_rank(text) == rank


@pytest.mark.parametrize(("text", "number"), [("一", True), ("1.2", True), ("（三）", True), ("3、", True),
                                              ("一、人员经费", False), ("10台", False), ("合计", False)])
def test_a_number_cell_holds_the_number_only(text: str, number: bool) -> None:
    assert is_outline_number(text) is number


def _lines(spec: str) -> list[OutlineLine]:
    """Lines from a compact spec: 'n:一' a numbered item, 'i' an unnumbered item, 'h' an item with its name
    only, 's' a 小计, 't' a 合计."""
    lines = []
    for token in spec.split():
        kind, _, number = token.partition(":")
        if kind == "n":
            lines.append(OutlineLine("item", number))
        elif kind in "ih":
            lines.append(OutlineLine("item", None, kind == "h"))
        else:
            lines.append(OutlineLine("subtotal" if kind == "s" else "total"))
    return lines


@pytest.mark.parametrize(("spec", "parents"), [
    ("n:一 n:1 n:2 n:二 n:1 t", [None, 0, 0, None, 3, None]),
    ("n:一 n:1.1 n:1.2 n:二 n:2.1 t", [None, 0, 0, None, 3, None]),
    ("n:1 n:1.1 n:1.2 n:2", [None, 0, 0, None]),
    ("n:（一） n:1 n:2 s n:（二） n:1 s t", [None, 0, 0, 0, None, 4, 4, None]),
    ("t n:（一） n:1 n:2 s", [None, None, 1, 1, 1]),  # 合计 written first
    ("n:一 i i n:二 i", [None, 0, 0, None, 3]),  # unnumbered parts under numbered headings
    ("h i i s h i s t", [None, 0, 0, 0, None, 4, 4, None]),  # name-only headings closed by 小计
    ("h i i t", [None, None, None, None]),  # a line without an amount, no 小计: no group is guessed
    ("i i i t", [None, None, None, None]),
    ("n:1 n:2 n:3 s t", [None, None, None, None, None]),  # a 小计 with no group stays top-level
    ("n:一 n:二 n:三 t", [None, None, None, None]),  # items numbered 一 二 三 are siblings
    ("n:一 n:1 n:(1) n:(2) n:2 n:二", [None, 0, 1, 1, 0, None]),
])
def test_outline_parents(spec: str, parents: list[int | None]) -> None:
    assert outline_parents(_lines(spec)) == parents


def test_price_text_takes_off_a_per_basis_written_before_the_price() -> None:
    assert price_text("每台2000元") == "2000元"
    assert price_text("每家每年约1000元") == "1000元"
    assert price_text("4万元/人") == "4万元"


# -- groups in cost-detail tables ------------------------------------------------------------------------

_DETAIL = "| 序号 | 支出内容 | 数量 | 单位 | 单价（元） | 金额（万元） |\n|---|---|---|---|---|---|\n"

_DETAIL_GROUPS = {
    "group amounts, 1.1 parts": (
        "| 一 | 设备购置 | | | | 7 |\n| 1.1 | 办公电脑 | 10 | 台 | 6000 | 6 |\n| 1.2 | 打印机 | 5 | 台 | 2000 | 1 |\n"
        "| 二 | 培训 | | | | 3 |\n| 2.1 | 讲课费 | 10 | 课时 | 3000 | 3 |\n| | 合计 | | | | 10 |\n",
        [("设备购置", 1, None, 70000.0, False), ("办公电脑", 2, 1, 60000.0, False), ("打印机", 3, 1, 10000.0, False),
         ("培训", 4, None, 30000.0, False), ("讲课费", 5, 4, 30000.0, False), ("合计", None, None, 100000.0, True)]),
    "（一） headings with 小计, 合计 first": (
        "| | 合计 | | | | 10 |\n| （一） | 设备购置 | | | | |\n| 1 | 办公电脑 | 10 | 台 | 6000 | 6 |\n"
        "| 2 | 打印机 | 5 | 台 | 2000 | 1 |\n| | 小计 | | | | 7 |\n| （二） | 培训 | | | | |\n"
        "| 1 | 讲课费 | 10 | 课时 | 3000 | 3 |\n| | 小计 | | | | 3 |\n",
        [("合计", None, None, 100000.0, True), ("设备购置", 1, None, None, False), ("办公电脑", 2, 1, 60000.0, False),
         ("打印机", 3, 1, 10000.0, False), ("小计", None, 1, 70000.0, True), ("培训", 4, None, None, False),
         ("讲课费", 5, 4, 30000.0, False), ("小计", None, 4, 30000.0, True)]),
    "numbers in the names, no 序号 column": (
        "| | 一、设备购置 | | | | 7 |\n| | 1.办公电脑 | 10 | 台 | 6000 | 6 |\n| | 2.打印机 | 5 | 台 | 2000 | 1 |\n"
        "| | 二、培训 | | | | 3 |\n| | 1.讲课费 | 10 | 课时 | 3000 | 3 |\n| | 合计 | | | | 10 |\n",
        [("一、设备购置", 1, None, 70000.0, False), ("1.办公电脑", 2, 1, 60000.0, False),
         ("2.打印机", 3, 1, 10000.0, False), ("二、培训", 4, None, 30000.0, False),
         ("1.讲课费", 5, 4, 30000.0, False), ("合计", None, None, 100000.0, True)]),
    "unnumbered headings closed by 小计": (
        "| | 设备购置 | | | | |\n| | 办公电脑 | 10 | 台 | 6000 | 6 |\n| | 打印机 | 5 | 台 | 2000 | 1 |\n"
        "| | 小计 | | | | 7 |\n| | 培训 | | | | |\n| | 讲课费 | 10 | 课时 | 3000 | 3 |\n| | 小计 | | | | 3 |\n"
        "| | 合计 | | | | 10 |\n",
        [("设备购置", 1, None, None, False), ("办公电脑", 2, 1, 60000.0, False), ("打印机", 3, 1, 10000.0, False),
         ("小计", None, 1, 70000.0, True), ("培训", 4, None, None, False), ("讲课费", 5, 4, 30000.0, False),
         ("小计", None, 4, 30000.0, True), ("合计", None, None, 100000.0, True)]),
}


@pytest.mark.parametrize("fmt", ["md", "html", "xlsx"])
@pytest.mark.parametrize("variant", list(_DETAIL_GROUPS))
def test_groups_of_a_cost_detail_table(tmp_path: Path, variant: str, fmt: str) -> None:
    body, expected = _DETAIL_GROUPS[variant]
    forms = _read(tmp_path, _HEAD.format(budget="10") + _DETAIL + body, fmt)
    assert _outline(forms) == expected
    assert _codes(forms) == []  # no W_TOTAL_MISMATCH: the groups are not counted beside their parts
    assert _c8(forms).empty  # the top-level lines add up to the budget and to the 合计
    assert not forms.findings["check_id"].isin(["C10"]).any()  # nor do the expenditure lines count twice
    assert forms.unparsed.empty
    items = forms.cost_items
    assert items.loc[~items["is_total"] & items["parent_item"].notna(), "quantity"].notna().all()


def test_parts_of_a_group_with_an_amount_are_its_expenditure_parts(tmp_path: Path) -> None:
    body, _ = _DETAIL_GROUPS["group amounts, 1.1 parts"]
    forms = _read(tmp_path, _HEAD.format(budget="10") + _DETAIL + body)
    lines = forms.expenditures[["economic_category", "parent_category", "amount_yuan"]]
    assert [tuple(_value(v) for v in row) for row in lines.itertuples(index=False)] == [
        ("设备购置", None, 70000.0), ("办公电脑", "设备购置", 60000.0), ("打印机", "设备购置", 10000.0),
        ("培训", None, 30000.0), ("讲课费", "培训", 30000.0)]


@pytest.mark.parametrize(("body", "group", "stated"), [
    ("| 一 | 设备购置 | | | | 8 |\n| 1.1 | 办公电脑 | 10 | 台 | 6000 | 6 |\n| 1.2 | 打印机 | 5 | 台 | 2000 | 1 |\n"
     "| | 合计 | | | | 8 |\n", "设备购置", "its line"),
    ("| （一） | 设备购置 | | | | |\n| 1 | 办公电脑 | 10 | 台 | 6000 | 6 |\n| 2 | 打印机 | 5 | 台 | 2000 | 1 |\n"
     "| | 小计 | | | | 8 |\n| | 合计 | | | | 7 |\n", "设备购置", "its 小计"),
    ("| | 设备购置 | | | | |\n| | 办公电脑 | 10 | 台 | 6000 | 6 |\n| | 打印机 | 5 | 台 | 2000 | 1 |\n"
     "| | 小计 | | | | 8 |\n", "设备购置", "its 小计"),
])
def test_a_group_that_disagrees_with_its_parts_is_flagged_not_fixed(tmp_path: Path, body: str, group: str,
                                                                    stated: str) -> None:
    forms = _read(tmp_path, _HEAD.format(budget="8") + _DETAIL + body)
    warnings = forms.warnings[forms.warnings["code"] == "W_COST_GROUP_MISMATCH"]
    assert len(warnings) == 1
    message = warnings["message"].iloc[0]
    assert group in message and stated in message and "80,000.00 元" in message and "70,000.00 元" in message
    amounts = forms.cost_items.set_index("description")["stated_amount_yuan"]
    assert 80000.0 in set(amounts)  # kept as written
    assert list(forms.cost_items.loc[forms.cost_items["description"] == "办公电脑", "amount_yuan"]) == [60000.0]


def test_a_subtotal_without_a_group_is_still_checked_against_its_lines(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD.format(budget="7") + _DETAIL + (
        "| 1 | 办公电脑 | 10 | 台 | 6000 | 6 |\n| 2 | 打印机 | 5 | 台 | 2000 | 1 |\n| | 小计 | | | | 8 |\n"))
    assert _codes(forms) == ["W_TOTAL_MISMATCH"]
    assert _value(forms.cost_items["parent_item"].iloc[-1]) is None


# -- groups in cost-composition tables (成本构成 | 金额 | 测算依据) ----------------------------------------------

_COMPOSITION = {
    "numbers in the names": _md(
        ["项目预算成本构成", "金额（万元）", "测算依据"],
        ["一、人员经费", "30", ""], ["1.工资", "20", "5人×4万元/人"], ["2.社保", "10", "按工资50%"],
        ["二、设备购置", "6", ""], ["1.电脑", "6", "10台×6000元/台"], ["合计", "36", ""]),
    "a 序号 column and 小计 rows": _md(
        ["序号", "成本项目", "金额（万元）", "测算依据"],
        ["一", "人员经费", "30", ""], ["1", "工资", "20", "5人×4万元/人"], ["2", "社保", "10", "按工资50%"],
        ["二", "设备购置", "6", ""], ["1", "电脑", "6", "10台×6000元/台"], ["", "合计", "36", ""]),
}


@pytest.mark.parametrize("fmt", ["md", "html", "xlsx"])
@pytest.mark.parametrize("variant", list(_COMPOSITION))
def test_groups_of_a_cost_composition_table(tmp_path: Path, variant: str, fmt: str) -> None:
    forms = _read(tmp_path, _HEAD.format(budget="36") + _COMPOSITION[variant], fmt)
    parents = [(name, number, parent) for name, number, parent, _, _ in _outline(forms)]
    names = ["人员经费", "工资", "社保", "设备购置", "电脑", "合计"]
    assert [compact_name(name) for name, _, _ in parents] == names
    assert [(number, parent) for _, number, parent in parents] == [
        (1, None), (2, 1), (3, 1), (4, None), (5, 4), (None, None)]
    assert _c8(forms).empty  # 30 + 6 = 36, the parts are not summed again
    assert not set(forms.unparsed["text"]) & {"序号", "一", "二", "1", "2"}  # the 序号 column is read
    wage = forms.cost_items.iloc[1]
    assert (wage.quantity, wage.quantity_unit, wage.unit_price_yuan, wage.list_amount_yuan) == (
        5.0, "人", 40000.0, 200000.0)


def compact_name(name: object) -> str:
    return str(name).lstrip("一二三四五六七八九十、.1234567890")


def test_a_subtotal_of_a_cost_composition_table_belongs_to_its_group(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD.format(budget="36") + _md(
        ["序号", "成本项目", "金额（万元）", "测算依据"],
        ["一", "人员经费", "", ""], ["1", "工资", "20", ""], ["2", "社保", "12", ""], ["", "小计", "30", ""],
        ["二", "设备购置", "", ""], ["1", "电脑", "6", ""], ["", "小计", "6", ""], ["", "合计", "36", ""]))
    assert [(name, parent) for name, _, parent, _, _ in _outline(forms)] == [
        ("人员经费", None), ("工资", 1), ("社保", 1), ("小计", 1), ("设备购置", None), ("电脑", 4), ("小计", 4),
        ("合计", None)]
    warnings = forms.warnings[forms.warnings["code"] == "W_COST_GROUP_MISMATCH"]
    assert len(warnings) == 1 and "人员经费" in warnings["message"].iloc[0]
    assert "320,000.00 元" in warnings["message"].iloc[0]  # 20 + 12, against the 小计's 30


# -- the 测算依据 of a line -------------------------------------------------------------------------------


@pytest.mark.parametrize(("basis", "amount", "read"), [
    ("10台×6000元/台", "6", (10.0, "台", 6000.0, "元/台", 60000.0, 60000.0, 1.0)),
    ("6000元/台×10台", "6", (10.0, "台", 6000.0, "元/台", 60000.0, 60000.0, 1.0)),
    ("5台，每台2000元", "1", (5.0, "台", 2000.0, "元/台", 10000.0, 10000.0, 1.0)),
    ("2人×3000元/人/月×12个月", "7.2", (2.0, "人", 3000.0, "元/人/月", 72000.0, 72000.0, 1.0)),
    ("655个站点，每个每年500元，打折价约28万元", "28", (655.0, "个", 500.0, "元/个/年", 327500.0, 280000.0, 280000 / 327500)),
    ("按工资的50%计提", "10", (None, None, None, None, None, 100000.0, None)),
    ("每天800元", "2.4", (None, None, 800.0, "元/天", None, 24000.0, None)),  # no duration: no list amount
])
def test_the_basis_of_a_line_gives_its_quantity_and_price(tmp_path: Path, basis: str, amount: str,
                                                          read: tuple[object, ...]) -> None:
    forms = _read(tmp_path, _HEAD.format(budget=amount) + _md(
        ["成本构成", "金额（万元）", "测算依据"], ["费用", amount, basis], ["合计", amount, ""]))
    item = forms.cost_items.iloc[0]
    got = tuple(_value(getattr(item, column)) for column in (
        "quantity", "quantity_unit", "unit_price_yuan", "price_basis", "list_amount_yuan", "stated_amount_yuan",
        "package_ratio"))
    assert got[:6] == read[:6]
    assert (got[6] is None) == (read[6] is None) and (got[6] is None or got[6] == pytest.approx(read[6]))
    assert item.calculation_basis == basis  # the source text beside the values
    assert "W_NOT_AN_AMOUNT" not in _codes(forms)


@pytest.mark.parametrize(("unit_line", "heading", "amount", "stated_yuan"), [
    ("", "金额（万元）", "6", 60000.0),
    ("", "金额（元）", "60000", 60000.0),
    ("单位：元\n\n", "金额", "60000", 60000.0),
    ("单位：万元\n\n", "金额", "6", 60000.0),
    ("", "金额", "6", None),  # no unit anywhere: the figure stays unknown, the basis does not make it known
])
def test_units_of_the_amount_and_of_the_basis_are_each_their_own(tmp_path: Path, unit_line: str, heading: str,
                                                                 amount: str, stated_yuan: float | None) -> None:
    forms = _read(tmp_path, _HEAD.format(budget="6").replace("（万元）", "") + unit_line + _md(
        ["成本构成", heading, "测算依据"], ["电脑", amount, "10台×6000元/台"]))
    item = forms.cost_items.iloc[0]
    assert (item.quantity, item.unit_price_yuan, item.list_amount_yuan) == (10.0, 6000.0, 60000.0)
    assert _value(item.stated_amount_yuan) == stated_yuan
    assert _value(item.amount_yuan) == stated_yuan
    assert item.stated_amount_as_written == amount


def test_a_basis_that_states_another_amount_is_flagged(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD.format(budget="8") + _md(
        ["成本构成", "金额（万元）", "测算依据"], ["电脑", "8", "10台×6000元/台=6万元"]))
    item = forms.cost_items.iloc[0]
    assert (item.stated_amount_yuan, item.amount_yuan, item.list_amount_yuan) == (80000.0, 80000.0, 60000.0)
    warnings = forms.warnings[forms.warnings["code"] == "W_COST_BASIS_AMOUNT"]
    assert len(warnings) == 1 and "6万元" in warnings["message"].iloc[0]
    assert forms.findings.loc[forms.findings["check_id"] == "C9", "severity"].tolist() == ["warning"]  # 1.333


def test_an_empty_amount_cell_takes_the_amount_its_basis_states(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD.format(budget="6") + _md(
        ["成本构成", "金额（万元）", "测算依据"], ["电脑", "", "10台×6000元/台，计6万元"], ["打印机", "", "5台×2000元/台"]))
    computer, printer = forms.cost_items.itertuples()
    assert (computer.stated_amount_as_written, computer.stated_amount_yuan, computer.amount_yuan) == (
        "6万元", 60000.0, 60000.0)
    assert _value(printer.stated_amount_yuan) is None and printer.amount_yuan == 10000.0  # its list amount


def test_a_merged_two_row_heading_with_groups_in_xlsx(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["2023年部门项目申报及绩效目标表"])
    sheet.append(["项目名称", "机关办公设备购置", "项目当年预算（元）", 70000])
    sheet.append([])
    sheet.append(["序号", "明细项目", "测算明细", None, None, "小计（元）"])
    sheet.append([None, None, "数量", "计量单位", "单价（元）", None])
    sheet.append(["（一）", "设备购置", None, None, None, None])
    sheet.append(["1", "办公电脑", 10, "台", 6000, 60000])
    sheet.append(["2", "打印机", "五", "台", 2000, 10000])
    sheet.append([None, "小计", None, None, None, 70000])
    sheet.append([None, "合计", None, None, None, 70000])
    for cells in ("C4:E4", "A4:A5", "B4:B5", "F4:F5"):
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "form.xlsx"
    path.write_bytes(buffer.getvalue())
    forms = bl.read_forms([path])
    assert _outline(forms) == [("设备购置", 1, None, None, False), ("办公电脑", 2, 1, 60000.0, False),
                               ("打印机", 3, 1, 10000.0, False), ("小计", None, 1, 70000.0, True),
                               ("合计", None, None, 70000.0, True)]
    assert _codes(forms) == [] and _c8(forms).empty and forms.unparsed.empty
