"""Shapes of forms read wrongly before: a dashed project code before the name, a group of cost items with its
own parts, an indicator table's 改进措施 column."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.analysis.review import _classified
from budgetlib.transform.costbasis import parse_cost_basis
from budgetlib.transform.form import read_label_values
from tests.transform.grids import context, grid


@pytest.mark.parametrize(("value", "name", "code"), [
    # robust-C c1_codeprefix: the self-evaluation's name holds the declaration's dashed code
    ("036001-2022-BMZX-0001-电子政务网络运行维护", "电子政务网络运行维护", "036001-2022-BMZX-0001"),
    ("51000021R000000019951-工资性支出", "工资性支出", "51000021R000000019951"),   # qingshen, no dash in the code
    ("420117-2023-CG-0007_城区公厕保洁管理", "城区公厕保洁管理", "420117-2023-CG-0007"),
    ("036001-2022-BMZX-0001：电子政务网络运行维护", "电子政务网络运行维护", "036001-2022-BMZX-0001"),
    ("036001-2022-BMZX-0001 电子政务网络运行维护", "电子政务网络运行维护", "036001-2022-BMZX-0001"),
    # a name that opens with Latin letters or digits glued to its words keeps them
    ("2023-XM-001-5G基站建设", "5G基站建设", "2023-XM-001"),
    ("420117-2023-CG-0007-12345政务服务热线运维", "12345政务服务热线运维", "420117-2023-CG-0007"),
    # no code: a short number before a dash, a year range, code characters only
    ("2023-2025年道路改造", "2023-2025年道路改造", None),
    ("G318-国道大修", "G318-国道大修", None),
    ("2022-BMZX-ABCD", "2022-BMZX-ABCD", None),
    ("电子政务网络运行维护", "电子政务网络运行维护", None),
])
def test_project_code_before_the_name(value: str, name: str, code: str | None) -> None:
    table = grid(["项目名称", value])
    ctx = context(table)
    read_label_values(ctx, table)
    assert (ctx.project["project_name"], ctx.project.get("project_code")) == (name, code)
    assert ctx.project["project_name_as_written"] == value


# -- a group of cost items with its own parts ---------------------------------------------------------


def _parents(text: str) -> list[tuple[int | None, int | None, bool, float | None]]:
    return [(i.item_no, i.parent_item, i.is_total, i.amount_yuan) for i in parse_cost_basis(text)]


@pytest.mark.parametrize("marks", [("（1）", "（2）"), ("(1)", "(2)"), ("①", "②"), ("⑴", "⑵"), ("a)", "b)")])
def test_numbered_parts_under_a_group_item(marks: tuple[str, str]) -> None:
    """robust-D r6: "1.人员经费72万元：" above its parts 64.8 + 7.2 万元 (the group is counted once)."""
    text = (f"1.人员经费72万元：\n{marks[0]}保洁员18人×3000元/月×12月=64.8万元；\n"
            f"{marks[1]}管理人员2人×3000元/月×12月=7.2万元；\n2.耗材8万元。\n合计：80万元。")
    assert _parents(text) == [(1, None, False, 720000.0), (2, 1, False, 648000.0), (3, 1, False, 72000.0),
                              (4, None, False, 80000.0), (None, None, True, 800000.0)]


def test_outline_ranks_and_a_subtotal_line() -> None:
    """一、 over 1. over （1）; a 小计 line closing a group's parts is that group's (a total with a parent)."""
    text = ("一、人员经费\n1.保洁员 64.8万元；\n2.管理人员 7.2万元；\n小计：72万元\n"
            "二、设备 30万元\n1.清扫车 30万元\n（1）车身 20万元\n（2）附件 10万元\n合计：102万元")
    assert _parents(text) == [
        (1, None, False, None), (2, 1, False, 648000.0), (3, 1, False, 72000.0), (None, 1, True, 720000.0),
        (4, None, False, 300000.0), (5, 4, False, 300000.0), (6, 5, False, 200000.0), (7, 5, False, 100000.0),
        (None, None, True, 1020000.0)]


@pytest.mark.parametrize("text", [
    "(1)宽带 28 万元；(2)运维 6 万元",                  # one rank only: no group
    "1、宽带 28 万元；\n2、运维 6 万元/年\n小计：34万元",     # a 小计 of the whole list stays a total of it
    "宽带 28 万元；运维 6 万元",                         # no numbers
])
def test_flat_lists_have_no_groups(text: str) -> None:
    assert all(item.parent_item is None for item in parse_cost_basis(text))


SUBTOTAL_FORM = """# 2023年部门项目申报及绩效目标表

资金单位：万元

| | | | |
|---|---|---|---|
| 项目名称 | 城区公厕保洁管理 | 项目当年预算 | {budget} |

| | |
|---|---|
| 测算依据及说明 | {basis} |
"""


def _read(tmp_path: Path, budget: str, basis: str) -> bl.Forms:
    path = tmp_path / "form.md"
    path.write_text(SUBTOTAL_FORM.format(budget=budget, basis=basis), encoding="utf-8")
    return bl.read_form(path)


@pytest.mark.parametrize(("basis", "parents"), [
    # robust-D r6-costbasis-subtotal-heading
    ("1.人员经费72万元：<br>（1）保洁员18人×3000元/月×12月=64.8万元；<br>（2）管理人员2人×3000元/月×12月=7.2万元；"
     "<br>2.耗材8万元。<br>合计：80万元。", [None, 1, 1, None, None]),
    # robust-D f6b: the group's amount in （小计…）
    ("1.人员经费（小计72万元）<br>（1）保洁员18人×3000元/月×12月=64.8万元；<br>（2）管理人员2人×3000元/月×12月=7.2万元；"
     "<br>2.耗材8万元。<br>合计：80万元。", [None, 1, 1, None, None]),
    # a heading without an amount counts as its parts; its 小计 line agrees with them
    ("1.人员经费：<br>①保洁员64.8万元；<br>②管理人员7.2万元；<br>小计：72万元<br>2.耗材8万元。<br>合计：80万元。",
     [None, 1, 1, 1, None, None]),
])
def test_group_counted_once_by_c8(tmp_path: Path, basis: str, parents: list[int | None]) -> None:
    forms = _read(tmp_path, "80", basis)
    assert [None if pd.isna(v) else int(v) for v in forms.cost_items["parent_item"]] == parents
    assert forms.findings[forms.findings["check_id"] == "C8"].empty


def test_parts_that_do_not_add_up_are_a_finding(tmp_path: Path) -> None:
    """The group says 80 万元, its parts add to 72 万元: reported, and the group's 80 万 is what counts."""
    basis = ("1.人员经费80万元：<br>（1）保洁员 64.8万元；<br>（2）管理人员 7.2万元；<br>2.耗材8万元。<br>合计：88万元。")
    forms = _read(tmp_path, "88", basis)
    c8 = forms.findings[forms.findings["check_id"] == "C8"]
    assert c8["message"].tolist() == ["测算依据第 1 项写明 800,000 元，而其下 2 个分项之和为 720,000 元，相差 80,000 元"]
    assert forms.cost_items["amount_yuan"].iloc[0] == 800000.0   # kept as written, not corrected


def test_c11_classifies_a_group_once() -> None:
    """A group of a known kind counts, not its parts; a group of no kind counts through its parts."""
    def row(no: int | None, parent: int | None, kind: str | None, amount: float) -> SimpleNamespace:
        return SimpleNamespace(item_no=no, parent_item=parent, kind=kind, amount_yuan=amount, is_total=False)
    items = [row(1, None, "broadband", 30.0), row(2, 1, "broadband", 10.0), row(3, 1, "broadband", 20.0),
             row(4, None, None, 8.0), row(5, 4, "maintenance", 5.0), row(6, 4, None, 3.0)]
    kinds = {"broadband": (), "maintenance": ()}
    assert [r.item_no for r in _classified(items, kinds)] == [1, 5]


# -- an indicator table's 改进措施 column ------------------------------------------------------------

INDICATOR_FORM = """# 2022年度项目支出绩效自评表

| | |
|---|---|
| 项目名称 | 农村饮水安全维修养护 |

| 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | {headings} |
|---|---|---|---|---|---|---|{rule}
| 产出指标 | 数量指标 | 维修供水工程处数 | ≥30处 | 28处 | 50 | 46 | {first} |
| 满意度指标 | 服务对象满意度指标 | 受益群众满意度 | ≥90% | 85% | 10 | 8 | {second} |
{tail}"""


def _indicator_form(tmp_path: Path, headings: list[str], first: list[str], second: list[str],
                    tail: str = "") -> bl.Forms:
    text = INDICATOR_FORM.format(headings=" | ".join(headings), rule="---|" * len(headings),
                                 first=" | ".join(first), second=" | ".join(second), tail=tail)
    path = tmp_path / "form.md"
    path.write_text(text, encoding="utf-8")
    return bl.read_form(path)


@pytest.mark.parametrize("headings", [
    ["偏差原因分析", "改进措施"],          # robust-D r8-improvement-column
    ["未完成原因", "整改措施"],
    ["偏差原因", "下一步改进措施"],
    ["偏差原因分析", "改进建议"],
])
def test_improvement_column_belongs_to_each_indicator(tmp_path: Path, headings: list[str]) -> None:
    forms = _indicator_form(tmp_path, headings, ["汛期顺延", "加快施工"], ["宣传不够", "加强宣传"])
    indicators = forms.indicators
    assert indicators["deviation_reason"].tolist() == ["汛期顺延", "宣传不够"]
    assert indicators["improvement"].tolist() == ["加快施工", "加强宣传"]
    assert pd.isna(forms.projects["improvements"].iloc[0])
    assert forms.unparsed.empty
    assert "W_COLUMN_UNREAD" not in set(forms.warnings["code"])


def test_improvement_column_alone_and_the_form_field_apart(tmp_path: Path) -> None:
    """A measure column without a reason column is still the indicators'; the form's own 改进措施 row
    (a label beside its text, under the table) stays the form-level field."""
    tail = "\n| | |\n|---|---|\n| 改进措施 | 加强日常巡查，汛前完成检修 |\n"
    forms = _indicator_form(tmp_path, ["改进措施"], ["加快施工"], ["加强宣传"], tail)
    assert forms.indicators["improvement"].tolist() == ["加快施工", "加强宣传"]
    assert forms.indicators["deviation_reason"].isna().all()
    assert forms.projects["improvements"].iloc[0] == "加强日常巡查，汛前完成检修"


def test_reason_and_measure_in_one_column_stay_the_reason(tmp_path: Path) -> None:
    forms = _indicator_form(tmp_path, ["偏差原因分析及改进措施"], ["汛期顺延，加快施工"], [""])
    assert forms.indicators["deviation_reason"].tolist()[0] == "汛期顺延，加快施工"
    assert forms.indicators["improvement"].isna().all()
