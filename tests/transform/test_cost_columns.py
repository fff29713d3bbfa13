"""Families of cost-detail tables: the cost basis written as columns (明细项目 | 数量 | 单位 | 单价 | 金额 |
测算依据), read into ``cost_items`` with quantity, unit price and stated amount, each in its stated unit.
Before, these columns were lost, read as expenditure lines without quantity or price, or left unparsed."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.transform.cost_columns import detail_heading, read_quantity
from tests.transform.grids import grid

_HEAD = """# 2023年部门项目申报及绩效目标表

| | | | |
|---|---|---|---|
| 项目名称 | 机关办公设备购置 | 项目当年预算（万元） | 7 |

"""


def _read(tmp_path: Path, text: str, name: str = "form.md") -> bl.Forms:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return bl.read_forms([path])


def _md(*rows: list[str]) -> str:
    width = len(rows[0])
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines) + "\n"


def _c9(forms: bl.Forms) -> list[str]:
    """C9's findings, each as its variant (ratio, ratio_out_of_range, not_multiplied)."""
    found = forms.findings[forms.findings["check_id"] == "C9"]
    return ["not_multiplied" if "无法相乘" in message else "ratio" if severity == "info" else "ratio_out_of_range"
            for severity, message in zip(found["severity"], found["message"], strict=True)]


def _items(forms: bl.Forms) -> list[tuple[object, ...]]:
    table = forms.cost_items
    columns = ["description", "quantity", "quantity_unit", "unit_price_yuan", "price_basis", "list_amount_yuan",
               "stated_amount_yuan", "stated_amount_as_written", "is_total"]
    return [tuple(None if pd.isna(value) else value for value in row)
            for row in table[columns].itertuples(index=False)]


_EXPECTED = [
    ("办公电脑", 10.0, "台", 6000.0, "元/台", 60000.0, 60000.0, "6", False),
    ("打印机", 5.0, "台", 2000.0, "元/台", 10000.0, 10000.0, "1", False),
    ("合计", None, None, None, None, None, 70000.0, "7", True),
]


# -- column order ----------------------------------------------------------------------------------------

_COLUMNS = {
    "line": ["支出内容", "办公电脑", "打印机", "合计"],
    "quantity": ["数量", "10", "5", ""],
    "unit": ["单位", "台", "台", ""],
    "price": ["单价（元）", "6000", "2000", ""],
    "amount": ["金额（万元）", "6", "1", "7"],
    "basis": ["测算依据", "按市场询价", "按市场询价", ""],
}


@pytest.mark.parametrize("order", [
    ("line", "quantity", "unit", "price", "amount", "basis"),
    ("line", "price", "quantity", "unit", "amount", "basis"),
    ("basis", "line", "amount", "unit", "quantity", "price"),
    ("line", "unit", "amount", "price", "quantity", "basis"),
])
def test_any_column_order_reads_the_same_items(tmp_path: Path, order: tuple[str, ...]) -> None:
    rows = [[_COLUMNS[name][r] for name in order] for r in range(4)]
    forms = _read(tmp_path, _HEAD + _md(*rows))
    assert _items(forms) == _EXPECTED
    items = forms.cost_items
    assert set(items["source"]) == {"table"}
    assert list(items["calculation_basis"].iloc[:2]) == ["按市场询价", "按市场询价"]
    assert forms.unparsed.empty
    assert not forms.findings["check_id"].isin(["C8"]).any()  # 60,000 + 10,000 = the budget 70,000
    assert _c9(forms) == ["ratio", "ratio"]


def test_project_and_subtotal_headings_with_units_in_the_cells(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD + _md(
        ["项目", "单价", "数量", "小计"],
        ["办公电脑", "6000元", "10台", "6万元"],
        ["打印机", "2,000元/台", "5台", "1万元"],
        ["合计", "", "", "7万元"],
    ))
    assert _items(forms) == [
        ("办公电脑", 10.0, "台", 6000.0, "元/台", 60000.0, 60000.0, "6万元", False),
        ("打印机", 5.0, "台", 2000.0, "元/台", 10000.0, 10000.0, "1万元", False),
        ("合计", None, None, None, None, None, 70000.0, "7万元", True),
    ]
    assert forms.unparsed.empty and forms.warnings.empty


# -- units -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("price_heading", "amount_heading", "price", "amount", "price_yuan", "amount_yuan"), [
    ("单价（元）", "金额（元）", "6000", "60000", 6000.0, 60000.0),
    ("单价（元）", "金额（万元）", "6000", "6", 6000.0, 60000.0),
    ("单价（千元）", "金额（千元）", "6", "60", 6000.0, 60000.0),
    ("单价(万元)", "预算金额(万元)", "0.6", "6", 6000.0, 60000.0),
    ("单价（元/台）", "小计（千元）", "6000", "54", 6000.0, 54000.0),  # a discount: C9's to report
])
def test_each_money_column_is_read_in_its_own_unit(tmp_path: Path, price_heading: str, amount_heading: str,
                                                    price: str, amount: str, price_yuan: float,
                                                    amount_yuan: float) -> None:
    forms = _read(tmp_path, _HEAD + _md(["明细项目", "数量", "单位", price_heading, amount_heading],
                                        ["办公电脑", "10", "台", price, amount]))
    [item] = forms.cost_items.itertuples()
    assert (item.unit_price_yuan, item.list_amount_yuan, item.stated_amount_yuan) == (price_yuan, 60000.0,
                                                                                       amount_yuan)
    assert item.price_basis == "元/台"
    assert item.package_ratio == pytest.approx(amount_yuan / 60000.0)


def test_an_amount_without_a_stated_unit_stays_unknown(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD + _md(["明细项目", "数量", "单位", "单价", "金额"],
                                        ["办公电脑", "10", "台", "6000", "6"]))
    [item] = forms.cost_items.itertuples()
    assert (item.quantity, item.unit_price_as_written, item.stated_amount_as_written) == (10.0, "6000", "6")
    assert pd.isna(item.unit_price_yuan) and pd.isna(item.stated_amount_yuan) and pd.isna(item.amount_yuan)
    assert pd.isna(item.list_amount_yuan)
    assert "W_NO_MONEY_UNIT" in set(forms.warnings["code"])
    assert "3 amount(s)" in forms.warnings.loc[forms.warnings["code"] == "W_NO_MONEY_UNIT", "message"].iloc[0]


def test_the_tables_stated_unit_applies_to_a_heading_without_one(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD + "单位：元\n\n" + _md(["明细项目", "数量", "单价", "金额"],
                                                      ["办公电脑", "10台", "6000", "60000"]))
    [item] = forms.cost_items.itertuples()
    assert (item.unit_price_yuan, item.stated_amount_yuan, item.quantity_unit) == (6000.0, 60000.0, "台")


# -- quantities ------------------------------------------------------------------------------------------


def test_blank_chinese_and_unreadable_quantities(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD + _md(
        ["支出明细", "数量", "单位", "单价（元）", "金额（元）"],
        ["打印机", "五", "台", "2000", "10000"],
        ["交换机", "十二", "台", "500", "6000"],
        ["显示器", "两台", "", "1000", "2000"],
        ["培训费", "", "", "", "30000"],
        ["耗材", "若干", "批", "3000", "3000"],
    ))
    assert _items(forms) == [
        ("打印机", 5.0, "台", 2000.0, "元/台", 10000.0, 10000.0, "10000", False),
        ("交换机", 12.0, "台", 500.0, "元/台", 6000.0, 6000.0, "6000", False),
        ("显示器", 2.0, "台", 1000.0, "元/台", 2000.0, 2000.0, "2000", False),
        ("培训费", None, None, None, None, None, 30000.0, "30000", False),
        ("耗材", None, None, 3000.0, "元", None, 3000.0, "3000", False),
    ]
    assert sorted(forms.unparsed["text"]) == ["批", "若干"]  # not guessed, not lost


def test_quantity_cells() -> None:
    assert read_quantity("1,200 人次").value == 1200.0
    assert read_quantity("约30").value == 30.0
    assert read_quantity("二十") is not None and read_quantity("二十").value == 20.0
    assert read_quantity("按实际") is None


def test_a_price_per_day_without_a_duration_makes_no_list_amount(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD + _md(["明细项目", "数量", "单价（元/人·天）", "金额（元）"],
                                        ["专家咨询", "10人", "800", "24000"]))
    [item] = forms.cost_items.itertuples()
    assert (item.quantity, item.unit_price_yuan, item.price_basis) == (10.0, 800.0, "元/人/天")
    assert pd.isna(item.list_amount_yuan)
    assert _c9(forms) == ["not_multiplied"]


# -- totals, C8 and C9 -------------------------------------------------------------------------------------


def test_a_total_row_is_compared_not_summed_and_a_wrong_product_is_kept(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD + _md(
        ["序号", "明细项目", "数量", "单位", "单价（元）", "金额（万元）"],
        ["1", "办公电脑", "10", "台", "6000", "5"],
        ["2", "打印机", "5", "台", "2000", "2"],
        ["", "合计", "", "", "", "7"],
    ))
    items = forms.cost_items
    assert list(items["item_no"].astype("object").where(items["item_no"].notna(), None)) == [1, 2, None]
    assert list(items["list_amount_yuan"].iloc[:2]) == [60000.0, 10000.0]
    assert list(items["stated_amount_yuan"]) == [50000.0, 20000.0, 70000.0]  # as stated, never "fixed"
    findings = forms.findings
    assert not findings["check_id"].isin(["C8"]).any()
    assert _c9(forms) == ["ratio", "ratio_out_of_range"]  # 0.833, and 2.0 above the list price
    assert forms.unparsed.empty


def test_items_that_miss_the_budget_are_c8s_finding(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD + _md(["明细项目", "数量", "单价（元）", "金额（万元）"],
                                        ["办公电脑", "10台", "6000", "6"], ["合计", "", "", "6"]))
    c8 = forms.findings[forms.findings["check_id"] == "C8"]
    assert len(c8) == 1
    assert "60,000" in c8["message"].iloc[0] and "70,000" in c8["message"].iloc[0]


# -- merged heading rows, xlsx, HTML ---------------------------------------------------------------------


def test_a_heading_on_two_rows_in_markdown(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HEAD + _md(
        ["支出内容", "测算明细", "", "", "金额（万元）"],
        ["", "数量", "单位", "单价（元）", ""],
        ["办公电脑", "10", "台", "6000", "6"],
        ["打印机", "5", "台", "2000", "1"],
        ["合计", "", "", "", "7"],
    ))
    assert [row[:7] for row in _items(forms)] == [row[:7] for row in _EXPECTED]
    assert forms.unparsed.empty


_HTML = """<html><body><h1>2023年部门项目申报及绩效目标表</h1>
<table><tr><td>项目名称</td><td>机关办公设备购置</td><td>项目当年预算（万元）</td><td>7</td></tr></table>
<table>
<tr><td rowspan="5">项目支出明细</td><td rowspan="2">明细项目</td><td colspan="3">测算明细（单位：元）</td>
<td rowspan="2">金额（万元）</td><td rowspan="2">备注</td></tr>
<tr><td>单价</td><td>数量</td><td>单位</td></tr>
<tr><td>办公电脑</td><td>6000</td><td>10</td><td>台</td><td>6</td><td>询价</td></tr>
<tr><td>打印机</td><td>2000</td><td>五</td><td>台</td><td>1</td><td></td></tr>
<tr><td>合计</td><td></td><td></td><td></td><td>7</td><td></td></tr>
</table></body></html>
"""


def test_a_merged_heading_in_html(tmp_path: Path) -> None:
    forms = _read(tmp_path, _HTML, "form.html")
    assert [row[:7] for row in _items(forms)] == [row[:7] for row in _EXPECTED]
    assert forms.cost_items["calculation_basis"].iloc[0] == "询价"
    assert forms.unparsed.empty


def test_a_merged_heading_in_xlsx(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["2023年部门项目申报及绩效目标表"])
    sheet.append(["项目名称", "机关办公设备购置", "项目当年预算（万元）", 7])
    sheet.append([])
    sheet.append(["明细项目", "测算明细", None, None, "小计（元）"])
    sheet.append([None, "数量", "计量单位", "单价（元）", None])
    sheet.append(["办公电脑", 10, "台", 6000, 60000])
    sheet.append(["打印机", "五", "台", 2000, 10000])
    sheet.append(["合计", None, None, None, 70000])
    sheet.merge_cells("B4:D4")
    sheet.merge_cells("A4:A5")
    sheet.merge_cells("E4:E5")
    path = tmp_path / "form.xlsx"
    workbook.save(path)
    forms = bl.read_forms([path])
    assert [row[:7] for row in _items(forms)] == [row[:7] for row in _EXPECTED]
    assert not forms.findings["check_id"].isin(["C8"]).any()


def test_the_same_table_reads_alike_as_markdown_and_html(tmp_path: Path) -> None:
    md = _read(tmp_path, _HEAD + _md(*[[_COLUMNS[n][r] for n in _COLUMNS] for r in range(4)]))
    cells = "".join("<tr>" + "".join(f"<td>{_COLUMNS[n][r]}</td>" for n in _COLUMNS) + "</tr>" for r in range(4))
    html = _read(tmp_path, "<html><body><h1>2023年部门项目申报及绩效目标表</h1><table><tr><td>项目名称</td>"
                 "<td>机关办公设备购置</td><td>项目当年预算（万元）</td><td>7</td></tr></table>"
                 f"<table>{cells}</table></body></html>", "form.html")
    assert _items(md) == _items(html) == _EXPECTED


# -- a cost basis twice, expenditures ------------------------------------------------------------------


def _with_text(basis: str) -> str:
    return _HEAD.replace("| 项目名称 |", f"| 测算依据及说明 | {basis} | | |\n| 项目名称 |") + _md(
        *[[_COLUMNS[n][r] for n in _COLUMNS] for r in range(4)])


def test_text_and_table_of_the_same_costs_count_once(tmp_path: Path) -> None:
    forms = _read(tmp_path, _with_text("1、办公电脑10台，每台6000元，计6万元；2、打印机5台，每台2000元，计1万元"))
    assert _items(forms) == _EXPECTED
    assert "W_COST_BASIS_TWICE" not in set(forms.warnings["code"])
    assert not forms.findings["check_id"].isin(["C8"]).any()
    assert forms.projects["cost_basis"].iloc[0].startswith("1、办公电脑")  # the text is kept


def test_text_and_table_that_disagree_are_warned_of(tmp_path: Path) -> None:
    forms = _read(tmp_path, _with_text("1、办公电脑10台，计6万元；2、培训费3万元"))
    assert _items(forms) == _EXPECTED
    warning = forms.warnings[forms.warnings["code"] == "W_COST_BASIS_TWICE"]
    assert len(warning) == 1
    assert "90,000.00 元" in warning["message"].iloc[0] and "70,000.00 元" in warning["message"].iloc[0]


def test_a_text_that_points_to_the_table_is_no_second_basis(tmp_path: Path) -> None:
    forms = _read(tmp_path, _with_text("详见下表"))
    assert _items(forms) == _EXPECTED
    assert "W_COST_BASIS_TWICE" not in set(forms.warnings["code"])


def test_lines_are_expenditures_unless_the_form_has_an_expenditure_table(tmp_path: Path) -> None:
    table = _md(*[[_COLUMNS[n][r] for n in _COLUMNS] for r in range(4)])
    alone = _read(tmp_path, _HEAD + table)
    assert list(alone.expenditures["economic_category"]) == ["办公电脑", "打印机"]
    assert list(alone.expenditures["amount_yuan"]) == [60000.0, 10000.0]
    economic = _md(["经济科目", "2023年（万元）"], ["310 资本性支出", "7"])
    both = _read(tmp_path, _HEAD + economic + "\n" + table)
    assert list(both.expenditures["economic_category"]) == ["资本性支出"]
    assert _items(both) == _EXPECTED
    assert not both.findings["check_id"].isin(["C10"]).any()


def test_tables_without_quantity_or_price_are_no_cost_detail() -> None:
    assert detail_heading(grid(["经济科目", "2023年", "2022年"]), 0) is None
    assert detail_heading(grid(["成本构成", "金额", "测算依据"]), 0) is None
    assert detail_heading(grid(["资金来源", "单位：元", "金额"]), 0) is None
    heading = detail_heading(grid(["序号", "品名", "规格型号", "数量", "单价", "总价"]), 0)
    assert heading is not None
    assert dict(heading.roles) == {0: "seq", 1: "line", 2: "spec", 3: "quantity", 4: "unit_price", 5: "amount"}
