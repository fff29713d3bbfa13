"""Totals of cost-composition tables with groups (项目预算成本构成 | 金额 | 测算依据), as districts publish them.

A careful reader of::

    项目预算成本构成 | 金额（万元） | 测算依据
    一、人员经费     | 30          |
    1.工资           | 20          |
    2.社保           | 10          |
    小计             | 30          |
    二、公用经费     | 6           |
    1.办公费         | 6           |
    小计             | 6           |
    合计             | 36          |

sees a budget of 36: each 小计 is its group's subtotal (compared with that group's parts only), only the
top-level lines add up to the 合计, and a part's expenditure line names its group (``parent_category``),
so that nothing is counted twice. Before, a part and its group were both top-level expenditure lines (C10
and W_TOTAL_MISMATCH added 72 against 36), each 小计 was a stated total of the table compared with every
line above it, and the first 小计 (30) was the project's budget, the header's 36 a W_SECOND_VALUE.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.testing import markdown_to_html, markdown_to_xlsx

_HEAD = """# 2023年部门项目申报及绩效目标表

| | | | |
|---|---|---|---|
| 项目名称 | 社区服务中心运行 | 项目当年预算（万元） | {budget} |

"""

FORMATS = ["md", "html", "xlsx"]


def _md(*rows: list[str]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines) + "\n"


def _read(tmp_path: Path, text: str, fmt: str = "md") -> bl.Forms:
    """The form as markdown, or written as HTML or xlsx (merged cells) by budgetlib.testing."""
    source = tmp_path / "form.md"
    source.write_text(text, encoding="utf-8")
    if fmt == "html":
        path = tmp_path / "form.html"
        path.write_text(markdown_to_html(source, merge=True), encoding="utf-8")
        source = path
    elif fmt == "xlsx":
        path = tmp_path / "form.xlsx"
        path.write_bytes(markdown_to_xlsx(source, merge=True))
        source = path
    return bl.read_forms([source])


def _value(value: object) -> object:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _codes(forms: bl.Forms) -> list[str]:
    return list(forms.warnings["code"])


def _findings(forms: bl.Forms, check: str) -> pd.DataFrame:
    return forms.findings[forms.findings["check_id"] == check]


def _tree(forms: bl.Forms, basis: str = "budget") -> list[tuple[object, object, object]]:
    """Each expenditure line of one basis as (category, parent_category, amount_yuan)."""
    table = forms.expenditures[forms.expenditures["amount_basis"] == basis]
    return [(row.economic_category, _value(row.parent_category), _value(row.amount_yuan))
            for row in table.itertuples(index=False)]


def _bare(name: object) -> str:
    """A line's name without its outline number ("一、人员经费" → "人员经费")."""
    return str(name).lstrip("一二三四五六七八九十、.1234567890")


_GROUPS = {
    "numbers in the names, 小计 rows": _md(
        ["项目预算成本构成", "金额（万元）", "测算依据"],
        ["一、人员经费", "30", ""], ["1.工资", "20", "5人×4万元/人"], ["2.社保", "10", "按工资50%"], ["小计", "30", ""],
        ["二、公用经费", "6", ""], ["1.办公费", "6", ""], ["小计", "6", ""], ["合计", "36", ""]),
    "a 序号 column, 小计 rows": _md(
        ["序号", "项目预算成本构成", "金额（万元）", "测算依据"],
        ["一", "人员经费", "30", ""], ["1", "工资", "20", "5人×4万元/人"], ["2", "社保", "10", "按工资50%"],
        ["", "小计", "30", ""], ["二", "公用经费", "6", ""], ["1", "办公费", "6", ""], ["", "小计", "6", ""],
        ["", "合计", "36", ""]),
    "numbers in the names, no 小计": _md(
        ["项目预算成本构成", "金额（万元）", "测算依据"],
        ["一、人员经费", "30", ""], ["1.工资", "20", ""], ["2.社保", "10", ""],
        ["二、公用经费", "6", ""], ["1.办公费", "6", ""], ["合计", "36", ""]),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("variant", list(_GROUPS))
def test_a_subtotal_is_not_the_budget_and_parts_are_not_counted_twice(tmp_path: Path, variant: str,
                                                                     fmt: str) -> None:
    forms = _read(tmp_path, _HEAD.format(budget="36") + _GROUPS[variant], fmt)
    project = forms.projects.iloc[0]
    assert (project.budget_as_written, project.current_year_budget_yuan) == ("36", 360000.0)
    assert not {"W_SECOND_VALUE", "W_TOTAL_MISMATCH", "W_COST_GROUP_MISMATCH"} & set(_codes(forms))
    assert "36" not in set(forms.unparsed["text"])  # the header's budget is read, not left over
    tree = [(_bare(name), _bare(parent) if parent else None, amount) for name, parent, amount in _tree(forms)]
    assert tree == [("人员经费", None, 300000.0), ("工资", "人员经费", 200000.0), ("社保", "人员经费", 100000.0),
                    ("公用经费", None, 60000.0), ("办公费", "公用经费", 60000.0)]
    assert _findings(forms, "C10").empty  # 30 + 6 = 36 = the budget = the 合计
    assert _findings(forms, "C8").empty
    totals = forms.stated_totals
    assert list(totals["label"]) == ["合计"]  # a 小计 is no stated total of the table


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_subtotal_that_disagrees_is_its_groups_only(tmp_path: Path, fmt: str) -> None:
    """A 小计 of 31 over parts of 30: its group's mismatch, both figures kept; the 合计 of 36 agrees with the
    top-level lines (30 + 6) and the budget stays the header's 36."""
    forms = _read(tmp_path, _HEAD.format(budget="36") + _md(
        ["项目预算成本构成", "金额（万元）", "测算依据"],
        ["一、人员经费", "30", ""], ["1.工资", "20", ""], ["2.社保", "10", ""], ["小计", "31", ""],
        ["二、公用经费", "6", ""], ["1.办公费", "6", ""], ["小计", "6", ""], ["合计", "36", ""]), fmt)
    assert _codes(forms) == ["W_COST_GROUP_MISMATCH"]
    assert "人员经费" in forms.warnings["message"].iloc[0]
    assert forms.projects.iloc[0].budget_as_written == "36"
    subtotal = forms.cost_items[forms.cost_items["description"] == "小计"].iloc[0]
    assert (subtotal.stated_amount_as_written, subtotal.parent_item, subtotal.is_total) == ("31", 1, True)


def test_the_total_is_compared_with_the_top_level_lines_only(tmp_path: Path) -> None:
    """A 合计 of 40 against top-level lines of 36: W_TOTAL_MISMATCH says 36 (before: 72, the parts again)."""
    forms = _read(tmp_path, _HEAD.format(budget="40") + _md(
        ["项目预算成本构成", "金额（万元）", "测算依据"],
        ["一、人员经费", "30", ""], ["1.工资", "20", ""], ["2.社保", "10", ""], ["小计", "30", ""],
        ["二、公用经费", "6", ""], ["1.办公费", "6", ""], ["小计", "6", ""], ["合计", "40", ""]))
    assert _codes(forms) == ["W_TOTAL_MISMATCH"]
    message = forms.warnings["message"].iloc[0]
    assert "is 40" in message and "2 lines add up to 36" in message


def test_a_subtotal_without_a_project_budget_is_not_the_budget(tmp_path: Path) -> None:
    """No header budget: the 合计 is the budget, never the first 小计."""
    head = _HEAD.replace("项目当年预算（万元） | {budget}", "执行单位 | 社区服务中心")
    forms = _read(tmp_path, head + _GROUPS["numbers in the names, 小计 rows"])
    assert forms.projects.iloc[0].budget_as_written == "36"


def test_groups_without_amounts_stand_for_their_parts(tmp_path: Path) -> None:
    """Group lines with their name only (no figure): the parts are the top-level expenditure lines."""
    forms = _read(tmp_path, _HEAD.format(budget="36") + _md(
        ["序号", "项目预算成本构成", "金额（万元）", "测算依据"],
        ["一", "人员经费", "", ""], ["1", "工资", "20", ""], ["2", "社保", "10", ""], ["", "小计", "30", ""],
        ["二", "公用经费", "", ""], ["1", "办公费", "6", ""], ["", "合计", "36", ""]))
    assert [(name, parent) for name, parent, _ in _tree(forms)] == [("工资", None), ("社保", None), ("办公费", None)]
    assert not {"W_SECOND_VALUE", "W_TOTAL_MISMATCH", "W_COST_GROUP_MISMATCH"} & set(_codes(forms))
    assert _findings(forms, "C10").empty and forms.projects.iloc[0].budget_as_written == "36"


_ACTUALS = ["项目预算成本构成", "金额（万元）", "测算依据", "2022年实际执行数（万元）"]


def test_prior_year_columns_follow_the_groups(tmp_path: Path) -> None:
    """The prior year's column: parts under their group, its 小计 checked against the group's parts and the
    year's actual spending the 合计, never a 小计."""
    forms = _read(tmp_path, _HEAD.format(budget="36") + _md(
        _ACTUALS,
        ["一、人员经费", "30", "", "28"], ["1.工资", "20", "", "18"], ["2.社保", "10", "", "10"],
        ["小计", "30", "", "29"], ["二、公用经费", "6", "", "5"], ["1.办公费", "6", "", "5"], ["小计", "6", "", "5"],
        ["合计", "36", "", "33"]))
    assert [(name, parent) for name, parent, _ in _tree(forms, "actual")] == [
        ("一、人员经费", None), ("1.工资", "一、人员经费"), ("2.社保", "一、人员经费"), ("二、公用经费", None),
        ("1.办公费", "二、公用经费")]
    warnings = forms.warnings
    assert list(warnings["code"]) == ["W_COST_GROUP_MISMATCH", "W_TABLE_UNREAD"]  # 29 on the 小计, its parts 28
    assert "人员经费" in warnings["message"].iloc[0] and "29" in warnings["message"].iloc[0]
    history = forms.budget_history[forms.budget_history["basis"] == "actual"]
    assert list(history["amount_as_written"]) == ["33"]
    totals = forms.stated_totals
    assert sorted(totals["as_written"]) == ["33", "36"]
    assert set(forms.unparsed["text"]) == {"29", "5"}  # a 小计's prior-year figures: no table holds them


def test_a_flat_table_with_a_subtotal_is_checked_but_no_total(tmp_path: Path) -> None:
    """Lines with no groups and a 小计 that disagrees: reported against the lines it closes, and it is
    neither the budget nor a stated total of the table."""
    forms = _read(tmp_path, _HEAD.format(budget="36") + _md(
        ["项目预算成本构成", "金额（万元）", "测算依据"],
        ["工资", "20", ""], ["社保", "10", ""], ["小计", "31", ""], ["办公费", "6", ""], ["合计", "36", ""]))
    assert _codes(forms) == ["W_TOTAL_MISMATCH"]
    assert "is 31" in forms.warnings["message"].iloc[0] and "2 lines add up to 30" in forms.warnings["message"].iloc[0]
    assert forms.projects.iloc[0].budget_as_written == "36"
    assert list(forms.stated_totals["label"]) == ["合计"]


def test_a_subtotal_in_no_unit_is_checked_against_its_group(tmp_path: Path) -> None:
    """Amounts with no stated unit have no 元 value: the 小计 and its group line are still compared with the
    group's parts, in the column's own figures."""
    forms = _read(tmp_path, _HEAD.replace("项目当年预算（万元） | {budget}", "负责人 | 张三") + _md(
        ["项目预算成本构成", "金额", "测算依据"],
        ["一、人员经费", "30", ""], ["1.工资", "20", ""], ["2.社保", "12", ""], ["小计", "30", ""],
        ["二、公用经费", "6", ""], ["合计", "36", ""]))
    codes = _codes(forms)
    assert codes.count("W_COST_GROUP_MISMATCH") == 2 and "W_TOTAL_MISMATCH" not in codes
    assert all("add up to 32" in message for message in
               forms.warnings[forms.warnings["code"] == "W_COST_GROUP_MISMATCH"]["message"])
    assert forms.projects.iloc[0].budget_as_written == "36"
