"""A cost basis written on one line (one cell, no line breaks) splits as it does over several lines."""

from __future__ import annotations

import pytest

from budgetlib.transform.costbasis import split_cost_basis

LINES = ["1.人员经费72万元：", "（1）保洁员18人×3000元/月×12月=64.8万元；", "（2）管理人员2人×3000元/月×12月=7.2万元；",
         "2.耗材8万元。", "合计：80万元。"]


def test_one_line_splits_like_several() -> None:
    assert split_cost_basis("".join(LINES)) == split_cost_basis("\n".join(LINES)) == LINES


@pytest.mark.parametrize(("text", "items"), [
    # an item's own 合计 before the next item stays with it
    ("1.设备10台，每台5000元。合计5万元。2.运维3万元。", ["1.设备10台，每台5000元。合计5万元。", "2.运维3万元。"]),
    # a closing 合计 after the last item is the total line
    ("测算依据：(1)宽带28万元；(2)运维6万元。合计34万元", ["测算依据：(1)宽带28万元；", "(2)运维6万元。", "合计34万元"]),
    # a colon inside an item that no part follows stays
    ("1.宽带：28万元；2.运维：6万元", ["1.宽带：28万元；", "2.运维：6万元"]),
    ("1、宽带 28 万元；2、运维 6 万元/年", ["1、宽带 28 万元；", "2、运维 6 万元/年"]),
])
def test_one_line_shapes(text: str, items: list[str]) -> None:
    assert split_cost_basis(text) == items
