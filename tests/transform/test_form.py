"""Label/value pairs, inline labels, title lines and the block pass of one form."""

from __future__ import annotations

import pytest

from budgetlib.extract.document import TextLine
from budgetlib.transform.form import (
    inline_pairs,
    is_page_metadata,
    is_title_text,
    read_blocks,
    read_label_values,
    read_page_metadata,
    read_text_lines,
    title_year,
)
from tests.transform.grids import context, grid, pick


@pytest.mark.parametrize(("text", "pairs"), [
    # xiangtan target form, the line under the table
    ("填表人: 宋云花 联系电话:1660732**** 填报日期: 单位负责人签字:",
     [("form_filler", "填表人", "宋云花"), ("phone", "联系电话", "1660732****"), ("fill_date", "填报日期", ""),
      ("unit_head", "单位负责人签字", "")]),
    ("项目名称：区电子政务网络运行维护", [("project_name", "项目名称", "区电子政务网络运行维护")]),
    # qingshan 2021 target form: "申 报 项 目 名 称:" is spaced out, so it is no inline label
    ("编报单位(印章) :武汉市青山区科学技术和经济信息化局", []),
    ("注:1.一级指标分值统一设置为:产出指标50分", []),
    ("", []),
])
def test_inline_pairs(text: str, pairs: list[tuple[str, str, str]]) -> None:
    assert [(pair.field, pair.label, pair.value) for pair in inline_pairs(text)] == pairs


def test_label_values_of_the_seed_header() -> None:
    """xinzhou declaration: each label's value is the next filled cell to its right."""
    table = grid(
        ["项目名称", "区电子政务网络运行维护", "项目代码", "036001-2020-BMZX-0001"],
        ["项目主管部门", "武汉市新洲区大数据中心", "项目执行单位", "武汉市新洲区大数据中心"],
        ["项目负责人", "熊良静", "联系电话", "86918820"],
        ["项目类别", "部门项目", "", ""],
        ["项目总预算", "500000.00", "项目当年预算", "500000.00"],
    )
    ctx = context(table, unit="元")
    read_label_values(ctx, table)
    project = ctx.project
    assert (project["project_name"], project["project_code"]) == ("区电子政务网络运行维护", "036001-2020-BMZX-0001")
    assert (project["department"], project["implementing_unit"]) == ("武汉市新洲区大数据中心", "武汉市新洲区大数据中心")
    assert (project["manager"], project["phone"], project["category"]) == ("熊良静", "86918820", "部门项目")
    assert (project["total_budget_yuan"], project["current_year_budget_yuan"], project["amount_unit"]) == (
        500000.0, 500000.0, "元")


@pytest.mark.parametrize(("value", "department", "code"), [
    ("[015001]武汉市青山区教育局", "武汉市青山区教育局", "015001"),   # qingshan 2020 target form
    ("219-池州市贵池区棠溪镇人民政府", "池州市贵池区棠溪镇人民政府", "219"),   # tangxi self-evaluation
    ("中江县水利局", "中江县水利局", None),
])
def test_department_and_its_code(value: str, department: str, code: str | None) -> None:
    table = grid(["主管部门", value])
    ctx = context(table)
    read_label_values(ctx, table)
    assert (ctx.project["department"], ctx.project.get("department_code")) == (department, code)


def test_manager_with_phone_and_project_code_prefix() -> None:
    """zhongjiang: "谢凯1399026****(办公)"; qingshen: "51000021R000000019951-工资性支出"."""
    table = grid(["项目负责人及电话", "谢凯1399026****(办公)"], ["项目名称", "51000021R000000019951-工资性支出"])
    ctx = context(table)
    read_label_values(ctx, table)
    assert (ctx.project["manager"], ctx.project["phone"]) == ("谢凯", "1399026****(办公)")
    assert (ctx.project["project_name"], ctx.project["project_code"]) == ("工资性支出", "51000021R000000019951")


def test_title_year_and_unit_line() -> None:
    """xinzhou declaration: the title gives the year, the unit line scopes the table after it."""
    lines = [TextLine(0, "2020 年部门项目申报及绩效目标表", heading=1), TextLine(1, "资金单位：元")]
    table = grid(["项目总预算", "500000.00"])
    ctx = context(table)
    read_text_lines(ctx, [*lines, table])
    assert (ctx.project["form_title"], ctx.project["fiscal_year"]) == ("2020 年部门项目申报及绩效目标表", 2020)
    assert ctx.block_units[0] == "元"


def test_block_pass_finds_each_block_in_one_table() -> None:
    """zhongjiang self-evaluation: execution block, then the field rows, all in one table."""
    table = grid(
        ["项目名称", "中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装", "", "", "", "", ""],
        ["资金情况(万元)", "", "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"],
        ["", "年度资金总额:", "20", "20", "10", "100.00%", "10"],
        ["年度总体目标", "年初设定目标", "", "", "年度总体目标完成情况综述", "", ""],
    )
    ctx = context(table)
    read_blocks(ctx, table)
    assert [line["fund_line"] for line in ctx.rows_of("budget_execution")] == ["年度资金总额"]
    assert "project_name" not in ctx.project   # fields are the next pass's


@pytest.mark.parametrize(("text", "is_title", "year"), [
    ("2021年度项目支出绩效自评表", True, 2021),
    ("项目支出绩效目标表2022年", True, 2022),
    ("项目支出绩效目标表（2023年度）", True, 2023),
    ("部门整体支出绩效目标表(2024)", True, 2024),
    ("( 2021 年度)", True, 2021),
    ("2019年度)", True, 2019),
    ("绩效指标", False, None),
    ("注：本表金额单位为万元", False, None),
])
def test_titles_with_their_year_glued_on(text: str, is_title: bool, year: int | None) -> None:
    assert (is_title_text(text), title_year(text)) == (is_title, year)


def test_a_title_after_a_page_metadata_table() -> None:
    """ezhou 2021: 索引号 … before the title, then "( 2021 年度)"."""
    page = grid(["索 引 号:", "011217651/2022-01866", "发文字号:", "无"], ["发文单位:", "鄂州市行政审批局", "", ""])
    form = grid(["项目名称", "市民中心运行维护费"], table_no=1)
    blocks = [page, TextLine(0, "项目支出绩效自评表", heading=1), TextLine(1, "( 2021 年度)"), form]
    ctx = context(page, form)
    assert is_page_metadata(page) and not is_page_metadata(form)
    read_page_metadata(ctx, page)
    read_text_lines(ctx, blocks, frozenset({0}))
    assert (ctx.project["form_title"], ctx.project["fiscal_year"]) == ("项目支出绩效自评表 / ( 2021 年度)", 2021)
    assert ctx.project["publishing_unit"] == "鄂州市行政审批局" and "department" not in ctx.project
    assert pick(ctx.rows_of("page_metadata"), "key", "text") == [
        ("index_no", "011217651/2022-01866"), ("document_no", "无"), ("publisher", "鄂州市行政审批局")]


def test_a_title_after_a_first_table_that_is_no_metadata() -> None:
    unit = grid(["填报单位：某区教育局", "单位：万元"])
    blocks = [unit, TextLine(0, "项目支出绩效目标表"), TextLine(1, "（2022年度）"), TextLine(2, "绩效目标")]
    ctx = context(unit)
    read_text_lines(ctx, blocks)
    assert (ctx.project["form_title"], ctx.project["fiscal_year"]) == ("项目支出绩效目标表 / （2022年度）", 2022)


def test_implementing_unit_with_its_code() -> None:
    """tangxi self-evaluations: "219001-池州市贵池区棠溪镇人民政府"."""
    table = grid(["实施单位", "219001-池州市贵池区棠溪镇人民政府"])
    ctx = context(table)
    read_label_values(ctx, table)
    assert (ctx.project["implementing_unit"], ctx.project["implementing_unit_code"]) == ("池州市贵池区棠溪镇人民政府", "219001")
