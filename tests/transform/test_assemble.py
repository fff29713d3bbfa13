"""From a document to form records: form types from titles (data/form_types.csv), and a whole example form."""

from __future__ import annotations

import pytest

from budgetlib.extract.document import Document, TextLine
from budgetlib.transform.assemble import classify, extract_form, segment
from tests.transform.grids import context, grid


@pytest.mark.parametrize(("title", "form_type"), [
    ("2020 年部门项目申报及绩效目标表", "declaration"),                               # xinzhou
    ("项目支出绩效目标表", "target"),                                                # qingshan 2020
    ("湘潭市环境卫生管理处2023年雾炮车降尘抑尘服务项目支出绩效目标申报表", "target"),   # 绩效目标申报 is a target form
    ("青山区部门预算部门专项(绩效目标)申报表2021年度", "target"),
    ("市直部门预算项目支出绩效目标表", "target"),                                      # ezhou 2022
    ("绩效目标自评表", "self_evaluation"),                                            # zhongjiang
    ("部门预算项目支出绩效自评表(2023年度)", "self_evaluation"),                       # qingshen
    ("项目支出绩效自评表", "self_evaluation"),                                        # langfang, tangxi
])
def test_form_type_from_the_title(title: str, form_type: str) -> None:
    assert classify(context(), title) == form_type


def test_without_a_telling_title_the_content_decides() -> None:
    ctx = context()
    ctx.add("budget_execution", {"line_no": 1, "fund_line": "年度资金总额"})
    assert classify(ctx, "") == "self_evaluation"
    assert classify(context(), "") == "target"


def test_the_seed_declaration_end_to_end() -> None:
    """Every non-empty cell is taken or left unparsed, never both; the figures are the hand-checked ones."""
    header = grid(
        ["项目名称", "区电子政务网络运行维护", "项目代码", "036001-2020-BMZX-0001"],
        ["项目总预算", "500000.00", "项目当年预算", "500000.00"],
        ["项目资金来源", "资金来源项目", "", "金额"],
        ["", "合计", "", "500000.00"],
        ["", "1.财政拨款收入", "", "500000.00"],
    )
    indicators = grid(
        ["一级指标", "二级指标", "指标内容", "指标值", "备注"],
        ["产出指标", "数量指标", "保障政务外网到各委办局", "123 家", ""],
        table_no=1,
    )
    blocks = [TextLine(0, "2020 年部门项目申报及绩效目标表", heading=1), TextLine(1, "资金单位：元"), header, indicators]
    records = extract_form(blocks, "seed#0", "seed.md").records
    (project,) = records["projects"]
    assert (project["form_type"], project["fiscal_year"], project["current_year_budget_yuan"]) == (
        "declaration", 2020, 500000.0)
    assert [(line["source_name"], line["amount_yuan"]) for line in records["funding"]] == [("财政拨款收入", 500000.0)]
    assert [(row["name"], row["target_value"], row["unit"]) for row in records["indicators"]] == [
        ("保障政务外网到各委办局", 123.0, "家")]
    assert records.get("unparsed", []) == []
    assert {row["text"] for row in records["provenance"]} >= {"区电子政务网络运行维护", "123 家", "资金单位：元"}


def test_a_second_project_table_starts_a_second_form() -> None:
    first = grid(["项目名称", "物业管理"])
    second = grid(["项目名称", "委托业务项目"], table_no=1)
    title = TextLine(0, "项目支出绩效自评表", heading=1)
    forms = segment(Document("two.md", [first, title, second]))
    assert forms == [[first], [title, second]]


@pytest.mark.parametrize(("title", "form_type"), [
    ("部门（单位）整体支出绩效目标表", "department_target"),
    ("部门整体支出绩效目标申报表", "department_target"),
    ("2022年度部门整体支出绩效自评表", "department_self_evaluation"),
    ("部门（单位）整体支出绩效自评表", "department_self_evaluation"),
    ("2022年度部门整体支出绩效评价评分表", "department_self_evaluation"),   # a scoring sheet is a self-evaluation
    ("部门预算项目支出绩效自评表", "self_evaluation"),                      # a project's, though it says 部门
])
def test_whole_department_form_types_from_the_title(title: str, form_type: str) -> None:
    assert classify(context(), title) == form_type


def test_without_a_title_a_department_label_and_no_project_make_a_department_form() -> None:
    table = grid(["部门（单位）名称", "某县农业农村局"])
    records = extract_form([table], "d#0", "d.md").records
    (project,) = records["projects"]
    assert (project["form_type"], project["department"], project["project_name"]) == (
        "department_target", "某县农业农村局", None)


def test_a_department_label_starts_a_form_like_a_project_label() -> None:
    first = grid(["部门（单位）名称", "某县农业农村局"])
    second = grid(["部门（单位）名称", "某县水利局"], table_no=1)
    title = TextLine(0, "部门整体支出绩效目标表2022年")   # no heading mark, the year glued to the title
    assert segment(Document("two.md", [first, title, second])) == [[first], [title, second]]


def test_a_page_metadata_table_goes_with_the_title_after_it() -> None:
    first = grid(["项目名称", "物业管理"])
    page = grid(["索引号：", "011200000/2022-00321", "发文单位：", "某市财政局"], table_no=1)
    title = TextLine(0, "项目支出绩效目标表", heading=1)
    second = grid(["项目名称", "城市道路维护"], table_no=2)
    assert segment(Document("two.md", [first, page, title, second])) == [[first], [page, title, second]]


def test_coverage_is_the_share_of_cells_read() -> None:
    table = grid(["项目名称", "物业管理"], ["某个不认识的标签", "某个值"])
    (project,) = extract_form([TextLine(0, "项目支出绩效目标表", heading=1), table], "f#0", "f.md").records["projects"]
    assert project["coverage"] == 0.6  # the title and the two cells of 项目名称 of five


def test_a_money_table_nobody_read_is_said_so() -> None:
    header = grid(["项目名称", "物业管理"])
    money = grid(["费用名称", "预算金额", "甲乙丙丁"], ["保安服务费", "191", "191"], table_no=1)
    form = extract_form([header, money], "f#0", "f.md")
    (warning,) = [n for n in form.warnings if n.code == "W_TABLE_UNREAD"]
    assert warning.message == ("a table with money headings (预算金额) has 2 cell(s) no table took, such as '191': "
                               "see unparsed")


def test_a_table_of_words_only_is_no_unread_money_table() -> None:
    header = grid(["项目名称", "物业管理"])
    notes = grid(["说明", "资金使用须符合规定"], table_no=1)
    form = extract_form([header, notes], "f#0", "f.md")
    assert [n.code for n in form.warnings] == []
