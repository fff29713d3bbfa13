"""Shapes of forms read wrongly before: a dashed project code before the name, a group of cost items with its
own parts, an indicator table's 改进措施 column."""

from __future__ import annotations

import pytest

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
