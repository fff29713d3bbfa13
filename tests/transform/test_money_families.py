"""Families of money blocks the readers got wrong: parts of a line summed again with it (sub-codes, 其中
carried on), execution blocks with the fund names in the label column or short headings, a code column
beside the category names, year columns read as funding sources."""

from __future__ import annotations

from pathlib import Path

import budgetlib as bl
from budgetlib.transform.money import parse_expenditures, parse_funding_sources, parse_project_funds
from tests.transform.grids import claimed, context, filled, grid, pick


def _read(tmp_path: Path, text: str) -> bl.Forms:
    path = tmp_path / "form.md"
    path.write_text(text, encoding="utf-8")
    return bl.read_forms([path])


_DECLARATION = """# 2023年部门项目申报及绩效目标表

单位：元

| | | | |
|---|---|---|---|
| 项目名称 | 机关食堂运行 | 项目当年预算 | 300,000.00 |

"""

# -- expenditure lines with parts: sub-codes, 其中 -------------------------------------------------------


def test_sub_codes_are_parts_of_their_line_and_not_summed_again(tmp_path: Path) -> None:
    forms = _read(tmp_path, _DECLARATION + """| 经济科目款名称 | 2023年 | 2022年 |
|---|---|---|
| 302 商品和服务支出 | 300,000.00 | 250,000.00 |
| 30201 办公费 | 100,000.00 | 100,000.00 |
| 30206 电费 | 200,000.00 | 150,000.00 |
""")
    lines = forms.tables["expenditures"]
    assert [(r.economic_code, r.economic_category, r.parent_category if isinstance(r.parent_category, str) else None,
             r.fiscal_year, r.amount_yuan) for r in lines.itertuples()] == [
        ("302", "商品和服务支出", None, 2023, 300000.0), ("302", "商品和服务支出", None, 2022, 250000.0),
        ("30201", "办公费", "商品和服务支出", 2023, 100000.0), ("30201", "办公费", "商品和服务支出", 2022, 100000.0),
        ("30206", "电费", "商品和服务支出", 2023, 200000.0), ("30206", "电费", "商品和服务支出", 2022, 150000.0),
    ]
    history = forms.tables["budget_history"]
    columns = history[history["basis"] == "expenditure_column"]
    assert list(zip(columns["fiscal_year"], columns["amount_yuan"], strict=True)) == [(2023, 300000.0),
                                                                                     (2022, 250000.0)]
    assert not forms.findings["check_id"].isin(["C10", "C13"]).any()
    assert forms.warnings.empty


def test_a_qizhong_line_and_the_line_after_it_are_parts_when_they_fit(tmp_path: Path) -> None:
    forms = _read(tmp_path, _DECLARATION + """| 经济科目款名称 | 2023年 | 2022年 |
|---|---|---|
| 商品和服务支出 | 300,000.00 | 250,000.00 |
| 其中：办公费 | 100,000.00 | 100,000.00 |
| 电费 | 200,000.00 | 150,000.00 |
""")
    lines = forms.tables["expenditures"]
    assert list(zip(lines["economic_category"], lines["parent_category"].fillna("-"), strict=True)) == [
        ("商品和服务支出", "-"), ("商品和服务支出", "-"), ("办公费", "商品和服务支出"), ("办公费", "商品和服务支出"),
        ("电费", "商品和服务支出"), ("电费", "商品和服务支出")]
    assert not forms.findings["check_id"].isin(["C10", "C13"]).any()
    assert forms.warnings.empty


def test_sub_codes_that_do_not_make_their_line_are_reported_not_fixed() -> None:
    table = grid(
        ["经济科目", "2023年"],
        ["302 商品和服务支出", "300"],
        ["30201 办公费", "100"],
        ["30206 电费", "150"],
        ["303 对个人和家庭的补助", "50"],
    )
    ctx = context(table, unit="元")
    ctx.project["fiscal_year"] = 2023
    assert parse_expenditures(ctx, table, 0) == 5
    assert pick(ctx.rows_of("expenditures"), "economic_code", "parent_category", "amount_yuan") == [
        ("302", None, 300.0), ("30201", "商品和服务支出", 100.0), ("30206", "商品和服务支出", 150.0),
        ("303", None, 50.0)]
    assert [(n.code, n.location, n.message) for n in ctx.warnings] == [
        ("W_TOTAL_MISMATCH", "row 2", "the parts of 商品和服务支出 (办公费、电费) add up to 250 元, but the line "
                                      "states 300 元: both kept as written")]
    assert claimed(ctx, table) == filled(table)


def test_after_a_qizhong_line_a_line_that_does_not_fit_stands_alone_and_the_guess_is_told() -> None:
    table = grid(
        ["经济科目", "2023年"],
        ["商品和服务支出", "300"],
        ["其中：办公费", "100"],
        ["电费", "50"],
        ["资本性支出", "400"],      # 100 + 50 + 400 > 300: a line of its own
    )
    ctx = context(table, unit="元")
    ctx.project["fiscal_year"] = 2023
    parse_expenditures(ctx, table, 0)
    assert pick(ctx.rows_of("expenditures"), "economic_category", "parent_category") == [
        ("商品和服务支出", None), ("办公费", "商品和服务支出"), ("电费", "商品和服务支出"), ("资本性支出", None)]
    assert [n.code for n in ctx.warnings] == ["W_PARTS_GUESSED"]   # 150 of 300: 电费 may be a line of its own
    assert "办公费、电费: 150 元 of 300 元" in ctx.warnings[0].message


# -- funding sources: 其中 carried on to the next sources ---------------------------------------------------


def test_a_second_part_after_qizhong_keeps_its_parent_and_a_top_source_ends_the_parts(tmp_path: Path) -> None:
    forms = _read(tmp_path, """# 2023年度项目支出绩效目标表

单位：万元

| | | | |
|---|---|---|---|
| 项目名称 | 老旧小区改造 | 当年预算 | 1,200.00 |
| 资金来源 | 资金来源项目 | | 金额 |
| | 财政拨款 | | 1,000.00 |
| | 其中：一般公共预算 | | 700.00 |
| | 政府性基金 | | 300.00 |
| | 其他资金 | | 200.00 |
""")
    funding = forms.tables["funding"]
    assert list(zip(funding["source_name"], funding["parent_source"].fillna("-"), funding["amount_yuan"],
                    strict=True)) == [
        ("财政拨款", "-", 10_000_000.0), ("一般公共预算", "财政拨款", 7_000_000.0),
        ("政府性基金", "财政拨款", 3_000_000.0), ("其他资金", "-", 2_000_000.0)]
    assert not (forms.findings["check_id"] == "C10").any()
    assert forms.warnings.empty


def test_funding_parts_words_decide_before_the_sums() -> None:
    table = grid(
        ["项目资金来源", "资金来源项目", "金额"],
        ["", "财政拨款", "1000"],
        ["", "其中：一般公共预算", "700"],
        ["", "上年结转", "100"],      # fits in the 300 left, but a source of its own by its name
        ["", "单位自筹资金", "50"],
    )
    ctx = context(table, unit="元")
    parse_funding_sources(ctx, table, 0, 0)
    assert pick(ctx.rows_of("funding"), "source_name", "parent_source") == [
        ("财政拨款", None), ("一般公共预算", "财政拨款"), ("上年结转", None), ("单位自筹资金", None)]
    assert ctx.warnings == []


# -- budget execution: the fund names under the block's label --------------------------------------------


def test_execution_names_in_the_label_column_are_read_as_fund_lines(tmp_path: Path) -> None:
    forms = _read(tmp_path, """# 2022年度项目支出绩效自评表

单位：万元

| | | | | | | |
|---|---|---|---|---|---|---|
| 项目名称 | 农村饮水安全维修养护 | | | | | |
| 资金来源 | 年初预算数 | 全年预算数 | 全年执行数 | 执行率 | 分值 | 得分 |
| 财政拨款 | 70 | 80 | 60 | 75% | | |
| 其他资金 | 10 | 20 | 20 | 100% | | |
| 合计 | 80 | 100 | 80 | 80% | 10 | 8 |
""")
    execution = forms.tables["budget_execution"]
    assert list(zip(execution["fund_line"], execution["is_total"], execution["full_year_budget_yuan"],
                    execution["executed_yuan"], execution["execution_rate"], strict=True)) == [
        ("财政拨款", False, 800_000.0, 600_000.0, 0.75), ("其他资金", False, 200_000.0, 200_000.0, 1.0),
        ("合计", True, 1_000_000.0, 800_000.0, 0.8)]
    assert forms.projects.loc[0, "current_year_budget_yuan"] == 1_000_000.0
    assert forms.tables["unparsed"].empty
    assert bl.score(forms).forms.loc[0, "execution_rate"] == 0.8


# -- short execution headings; column headings are never fund names ------------------------------------


def test_short_execution_headings_make_an_execution_block(tmp_path: Path) -> None:
    forms = _read(tmp_path, """# 2022年度项目支出绩效自评表

| | | | | |
|---|---|---|---|---|
| 项目名称 | 农村饮水安全维修养护 | | | |
| 项目资金（万元） | | 预算数 | 执行数 | 执行率 |
| | 年度资金总额 | 100 | 80 | 80% |
| | 其中：财政拨款 | 90 | 72 | 80% |
| | 其他资金 | 10 | 8 | 80% |
""")
    execution = forms.tables["budget_execution"]
    assert list(zip(execution["fund_line"], execution["is_total"], execution["full_year_budget_yuan"],
                    execution["executed_yuan"], execution["execution_rate"], strict=True)) == [
        ("年度资金总额", True, 1_000_000.0, 800_000.0, 0.8), ("财政拨款", False, 900_000.0, 720_000.0, 0.8),
        ("其他资金", False, 100_000.0, 80_000.0, 0.8)]
    assert forms.tables["funding"].empty
    assert forms.tables["unparsed"].empty and forms.warnings.empty
    assert not (forms.findings["check_id"] == "C10").any()


def test_execution_headings_in_a_funds_block_are_no_sources() -> None:
    table = grid(["项目资金（万元）", "资金总额", "100", "执行数", "80", "执行率", "80%"])
    ctx = context(table)
    parse_project_funds(ctx, table, 0, 0)
    assert ctx.rows_of("funding") == []
    assert ctx.project["total_budget_yuan"] == 1_000_000.0
    assert claimed(ctx, table) == {(0, 0), (0, 1), (0, 2)}   # 执行数 80, 执行率 80% left for unparsed


# -- multi-year funds as year columns ------------------------------------------------------------------


def test_year_columns_of_multi_year_funds_are_no_sources(tmp_path: Path) -> None:
    forms = _read(tmp_path, """# 2023年度项目支出绩效目标表

| | | | | |
|---|---|---|---|---|
| 项目名称 | 老旧小区改造 | 项目期限 | 2022-2024年 | |
| 项目资金（万元） | 总预算 | 2022年 | 2023年 | 2024年 |
| | 3,600.00 | 1,000.00 | 1,500.00 | 1,100.00 |
""")
    project = forms.projects.iloc[0]
    assert (project["total_budget_yuan"], project["current_year_budget_yuan"]) == (36_000_000.0, 15_000_000.0)
    assert forms.tables["funding"].empty
    unparsed = forms.tables["unparsed"]
    assert sorted(unparsed["text"]) == ["1,000.00", "1,100.00", "2022年", "2024年"]   # the other years, kept
    assert list(forms.warnings["code"]) == ["W_TABLE_UNREAD"]


# -- economic codes in a column of their own -------------------------------------------------------------


def test_a_code_column_beside_the_category_names_gives_each_line_its_code() -> None:
    table = grid(
        ["科目编码", "经济科目名称", "2022年", "2023年"],
        ["30201", "办公费", "100,000.00", "100,000.00"],
        ["30206", "电费", "180,000.00", "200,000.00"],
        ["", "其他费用", "", "5,000.00"],
        ["合计", "", "280,000.00", "305,000.00"],
    )
    ctx = context(table, unit="元")
    ctx.project["fiscal_year"] = 2023
    assert parse_expenditures(ctx, table, 0) == 5
    assert pick(ctx.rows_of("expenditures"), "line_no", "economic_code", "economic_category", "fiscal_year",
                "amount_yuan") == [
        (1, "30201", "办公费", 2022, 100000.0), (1, "30201", "办公费", 2023, 100000.0),
        (2, "30206", "电费", 2022, 180000.0), (2, "30206", "电费", 2023, 200000.0),
        (3, None, "其他费用", 2023, 5000.0)]
    assert pick(ctx.rows_of("stated_totals"), "label", "fiscal_year", "value_yuan") == [
        ("合计", 2022, 280000.0), ("合计", 2023, 305000.0)]
    assert ("expenditures", "economic_code", "1") in ctx.claims[(0, 1, 0)]
    assert ("expenditures", "economic_category", "1") in ctx.claims[(0, 1, 1)]
    assert claimed(ctx, table) == filled(table)


def test_a_code_column_right_of_the_names() -> None:
    table = grid(["经济科目", "经济科目编码", "2023年预算数"], ["邮电费", "30207", "28"], ["维修(护)费", "30213", "16"])
    ctx = context(table, unit="万元")
    parse_expenditures(ctx, table, 0)
    assert pick(ctx.rows_of("expenditures"), "economic_code", "economic_category", "fiscal_year", "amount_yuan") == [
        ("30207", "邮电费", 2023, 280_000.0), ("30213", "维修(护)费", 2023, 160_000.0)]
    assert claimed(ctx, table) == filled(table)


def test_without_the_parent_amount_the_line_after_qizhong_stands_alone_and_is_told() -> None:
    table = grid(
        ["项目资金来源", "资金来源项目", "金额"],
        ["", "财政拨款", ""],
        ["", "其中：一般公共预算", "700"],
        ["", "政府性基金", "300"],     # neither its name nor the sums say whether it is a part
    )
    ctx = context(table, unit="元")
    parse_funding_sources(ctx, table, 0, 0)
    assert pick(ctx.rows_of("funding"), "source_name", "parent_source") == [
        ("财政拨款", None), ("一般公共预算", "财政拨款"), ("政府性基金", None)]
    assert [(n.code, n.location, n.message) for n in ctx.warnings] == [
        ("W_PARTS_GUESSED", "row 2", "the parts of 财政拨款 were guessed from the amounts (一般公共预算: 700 元 of "
                                     "no amount)")]
