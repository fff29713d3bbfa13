"""The five real example forms, read field by field.

Every expected value below was checked by hand against the source file in tests/fixtures/examples.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.conftest import QINGSHAN, QINGSHEN, SEED, XIANGTAN, ZHONGJIANG, read_example


def project(name: str) -> dict:
    projects = read_example(name).projects
    assert len(projects) == 1
    return projects.iloc[0].to_dict()


def rows(name: str, table: str, columns: list[str]) -> list[tuple]:
    df = getattr(read_example(name), table)
    return [tuple(None if pd.isna(v) else v for v in row) for row in df[columns].itertuples(index=False)]


def assert_project(name: str, expected: dict) -> None:
    actual = project(name)
    for key, value in expected.items():
        got = actual[key]
        if value is None:
            assert pd.isna(got), f"{key}: expected NA, got {got!r}"
        elif isinstance(value, float):
            assert got == pytest.approx(value), key
        else:
            assert got == value, key


# -- the seed declaration (新洲区 2020) ------------------------------------------------------------


def test_seed_project_fields() -> None:
    assert_project(SEED, {
        "form_type": "declaration",
        "fiscal_year": 2020,
        "form_title": "2020 年部门项目申报及绩效目标表",
        "project_name": "区电子政务网络运行维护",
        "project_code": "036001-2020-BMZX-0001",
        "department": "武汉市新洲区大数据中心",
        "department_code": None,
        "implementing_unit": "武汉市新洲区大数据中心",
        "manager": "熊良静",
        "phone": "86918820",
        "category": "部门项目",
        "total_budget_yuan": 500000.0,
        "current_year_budget_yuan": 500000.0,
        "budget_as_written": "500000.00",
        "amount_unit": "元",
        "budget_change_text": "2019 年 30 万，当年增加 20 万",
        "overall_goal": "维护区各委办局电子政务外网、专网，问津云平台互联网接入，街镇 VPN 接入速率，确保业务正常运行。",
    })


def test_seed_project_code_stays_a_string() -> None:
    projects = read_example(SEED).projects
    assert projects["project_code"].iloc[0] == "036001-2020-BMZX-0001"
    assert projects["project_code"].dtype == "str"


def test_seed_free_text_keeps_its_paragraphs() -> None:
    p = project(SEED)
    reasons = p["application_reason"].split("\n")
    assert len(reasons) == 6
    assert reasons[0].startswith("《国务院办公厅关于印发深化“互联网+政务服务”")
    assert reasons[-1] == "“在线督查”系统运行维护"
    content = p["main_content"].split("\n")
    assert content == [
        "1、维护区直各部门电子政务网络，共 123 家；",
        "2、区 655 个社区、村电子政务外网 VPN 方式接入，需使用互联网接入宽带 200M。",
        "3、问津云平台互联网接入宽带 500M 以上。",
        "4、“在线督查”运行维护",
    ]
    basis = p["cost_basis"].split("\n")
    assert len(basis) == 4
    assert basis[3] == "4、“在线督查”运维 6 万元/年"


def test_seed_funding_has_seven_numbered_sources_and_the_of_which_row() -> None:
    got = rows(SEED, "funding", ["line_no", "source_no", "source_name", "parent_source", "amount_yuan"])
    assert got == [
        (1, "1", "财政拨款收入", None, 500000.0),
        (2, None, "申请当年预算拨款", "财政拨款收入", 500000.0),
        (3, "2", "上级补助收入", None, 0.0),
        (4, "3", "附属单位上缴收入", None, 0.0),
        (5, "4", "事业单位经营收入", None, 0.0),
        (6, "5", "用事业基金弥补收支差额", None, 0.0),
        (7, "6", "其他收入(含事业收入)", None, 0.0),
        (8, "7", "一般非税上年结转", None, 0.0),
    ]
    funding = read_example(SEED).funding
    assert funding["source_no"].notna().sum() == 7
    # the shifted row is read by content, and its text kept as written
    assert funding.iloc[7]["source_as_written"] == "7.一般非税上年结转"
    assert funding.iloc[7]["amount_as_written"] == "0"


def test_seed_stated_funding_total() -> None:
    got = rows(SEED, "stated_totals", ["of_table", "label", "quantity", "value_yuan", "as_written"])
    assert got == [("funding", "合计", "amount", 500000.0, "500000.00")]


def test_seed_expenditures() -> None:
    got = rows(SEED, "expenditures", ["economic_category", "fiscal_year", "amount_yuan", "amount_as_written"])
    assert sorted(got) == sorted([
        ("维修(护)费", 2020, 440000.0, "440000.00"),
        ("维修(护)费", 2019, 0.0, "0"),
        ("邮电费", 2020, 60000.0, "60000.00"),
        ("邮电费", 2019, 0.0, "0"),
    ])


def test_seed_budget_history_has_2019_twice() -> None:
    got = rows(SEED, "budget_history", ["fiscal_year", "amount_yuan", "basis", "project_code"])
    assert sorted(got) == sorted([
        (2020, 500000.0, "this_form", "036001-2020-BMZX-0001"),
        (2020, 500000.0, "expenditure_column", "036001-2020-BMZX-0001"),
        (2019, 0.0, "expenditure_column", "036001-2020-BMZX-0001"),
        (2019, 300000.0, "stated_in_text", "036001-2020-BMZX-0001"),
    ])


INDICATOR_COLUMNS = [
    "level1", "level2", "name", "target_text", "comparator", "target_kind", "target_value", "unit",
]


def test_seed_indicators() -> None:
    assert rows(SEED, "indicators", INDICATOR_COLUMNS) == [
        ("产出指标", "数量指标", "保障政务外网到各委办局", "123 家", None, "quantitative", 123.0, "家"),
        ("产出指标", "质量指标", "处理各委办局外网保障率", "100%", None, "quantitative", 100.0, "%"),
        ("效益指标", "服务对象满意度指标", "提高群众网上办事效率", "100%", None, "quantitative", 100.0, "%"),
    ]
    # the older template files satisfaction under 效益; the canonical level puts it with 满意度
    assert rows(SEED, "indicators", ["level1_std", "level2_std"])[2] == ("满意度指标", "服务对象满意度指标")


# -- 青山区 2020 target form ------------------------------------------------------------------------


def test_qingshan_project_fields() -> None:
    assert_project(QINGSHAN, {
        "form_type": "target",
        "fiscal_year": 2020,
        "project_name": "教育系统基础设施建设和设备购置",
        "department": "武汉市青山区教育局",
        "department_code": "015001",
        "implementing_unit": "武汉市青山区教育局",
        "category": "基础建设、修缮类",
        "period": "202001-202012",
        "period_start": "2020-01",
        "period_end": "2020-12",
        "total_budget_yuan": 1e8,
        "total_budget_as_written": "10000万元",
        "current_year_budget_yuan": 1e8,
        "budget_as_written": "10000万元",
        "amount_unit": "万元",
        "overall_goal": "优化教育布局,推进教育领域综合改革全面提升育人质量实现基础教育持续发展",
        "annual_goal": "按工作计划完成教育局重点项目建设经费预算安排",
    })


def test_qingshan_funding_keeps_total_and_current_year_columns_apart() -> None:
    got = rows(QINGSHAN, "funding", ["source_name", "scope", "amount_yuan", "amount_as_written"])
    assert got == [
        ("财政拨款", "total", 1e8, "10000万元"),
        ("当年财政拨款", "current_year", 1e8, "10000万元"),
        ("其他资金", "total", None, None),
        ("当年其他资金", "current_year", None, None),
    ]


def test_qingshan_indicators_from_the_annual_columns() -> None:
    assert rows(QINGSHAN, "indicators", [*INDICATOR_COLUMNS, "horizon"]) == [
        ("产出指标", "数量指标", "重点建设工程安排数量", "2", None, "quantitative", 2.0, None, "annual"),
        ("产出指标", "质量指标", "重点建设工程验收合格率", "100%", None, "quantitative", 100.0, "%", "annual"),
        ("产出指标", "成本指标", "建设项目成本", "参照政府采购成本控制", None, "qualitative", None, None, "annual"),
        ("产出指标", "时效指标", "重点建设工程按期完成率", "100%", None, "quantitative", 100.0, "%", "annual"),
        ("效益指标", "可持续影响指标", "基础教育巩固提高情况", "巩固提高", None, "qualitative", None, None, "annual"),
        ("效益指标", "社会效益指标", "基础教育学校办学条件", "持续改善", None, "qualitative", None, None, "annual"),
        ("满意度指标", "服务对象满意度指标", "学生、家长、社会满意度", "≥90%", ">=", "quantitative", 90.0, "%",
         "annual"),
    ]


def test_qingshan_long_term_level2_labels_without_indicators_stay_unparsed() -> None:
    unparsed = read_example(QINGSHAN).unparsed
    long_term = unparsed[(unparsed["table_no"] == 1) & (unparsed["col"] == 1)]
    assert list(long_term["text"]) == [
        "数量指标", "质量指标", "成本指标", "时效指标", "可持续影响指标", "社会效益指标", "服务对象满意度指标",
    ]


# -- 湘潭市 2023 target form ------------------------------------------------------------------------


def test_xiangtan_project_fields() -> None:
    assert_project(XIANGTAN, {
        "form_type": "target",
        "fiscal_year": 2023,
        "project_name": "雾炮车降尘抑尘服务",
        "department": "湘潭市环境卫生管理处",
        "period": "2023.07-2024.01",
        "period_start": "2023-07",
        "period_end": "2024-01",
        "current_year_budget_yuan": 2_500_000.0,
        "budget_as_written": "250万",
        "amount_unit": "万元",
        "annual_goal": "通过采购雾炮车降尘抑尘服务,服务周期2023.07-2024.01,全市空气质量达到优良",
        "overall_goal": "通过采购雾炮车降尘抑尘服务,服务周期2023.07-2024.01,全市空气质量达到优良",
    })


def test_xiangtan_funding_uses_the_block_unit_line() -> None:
    # "0" has no unit of its own; the line "单位:万元" above the table gives it one
    got = rows(XIANGTAN, "funding", ["source_as_written", "amount_yuan", "amount_unit"])
    assert got == [("年度本级 预算金额", 2_500_000.0, "万元"), ("该项目支出上级资金", 0.0, "万元")]


def test_xiangtan_indicators_inherit_merged_levels_and_skip_empty_rows() -> None:
    assert rows(XIANGTAN, "indicators", [*INDICATOR_COLUMNS, "standard"]) == [
        ("产出指标", "数量指标", "雾炮车降尘抑尘服务配备车辆数", "10辆", None, "quantitative", 10.0, "辆", "计划标准"),
        ("产出指标", "数量指标", "雾炮车风炮射程", "≥80M", ">=", "quantitative", 80.0, "M", "计划标准"),
        ("产出指标", "质量指标", "服务周期内空气质量", "优良", None, "qualitative", None, None, "计划标准"),
        ("产出指标", "时效指标", "服务周期", "2023.07-2024.01", None, "period", None, None, "计划标准"),
        ("产出指标", "成本指标", "控制在预算成本内", "250万", None, "quantitative", 250.0, "万", "计划标准"),
        ("效益指标", "社会效益指标", "服务周期内,市民对空气质量改善的满意程度", "≥85%", ">=", "quantitative", 85.0, "%",
         "计划标准"),
        ("效益指标", "社会公众或服务对象满意度指标", "市民满意度", "≥90%", ">=", "quantitative", 90.0, "%", "计划标准"),
    ]
    indicators = read_example(XIANGTAN).indicators
    assert list(indicators["period_start"].dropna()) == ["2023-07"]
    assert indicators["level2_std"].iloc[6] == "服务对象满意度指标"
    assert indicators["level1_std"].iloc[6] == "满意度指标"


# -- 青神县 2023 self-evaluation (actuals left blank) -----------------------------------------------


def test_qingshen_project_fields() -> None:
    assert_project(QINGSHEN, {
        "form_type": "self_evaluation",
        "fiscal_year": 2023,
        "form_number": "510000_0013zp",
        "project_name": "工资性支出",
        "project_name_as_written": "51000021R000000019951-工资性支出",
        "project_code": "51000021R000000019951",
        "department": "青神县发展和改革局本级",
        "implementing_unit": "青神县发展和改革局",
        "annual_goal": "严格执行相关政策,保障工资及时、足额发放或社保及时、足额缴纳,预算编制科学合理,减少结余资金。",
        "current_year_budget_yuan": 2_518_900.0,
        "budget_as_written": "251.89",
        "amount_unit": "万元",
        "execution_section_weight": 10.0,
        "indicator_section_weight": 90.0,
        "stated_total_weight": 100.0,
        "official_total_score": None,
        "goal_completion": None,
        "evaluation_conclusion": None,
    })


def test_qingshen_budget_execution_lines() -> None:
    got = rows(QINGSHEN, "budget_execution", [
        "fund_line", "parent_line", "is_total", "initial_budget_yuan", "adjusted_budget_yuan", "executed_yuan",
        "execution_rate", "weight", "score",
    ])
    assert got == [
        ("总额", None, True, 2_389_300.0, 2_518_900.0, 2_518_900.0, 1.0, 10.0, None),
        ("财政资金", "总额", False, 2_389_300.0, 2_518_900.0, 2_518_900.0, 1.0, None, None),
        ("财政专户管理资金", "总额", False, 0.0, 0.0, 0.0, 0.0, None, None),
        ("单位资金", "总额", False, 0.0, 0.0, 0.0, 0.0, None, None),
        ("其他资金", "总额", False, None, None, None, None, None, None),
    ]
    execution = read_example(QINGSHEN).budget_execution
    assert execution["full_year_budget_yuan"].isna().all()  # the form has 调整后预算数, not 全年预算数
    assert execution["weight_as_written"].iloc[1] == "/"
    assert execution["reason"].iloc[0].startswith("1.预算执行率=预算执行数/调整后预算数")


def test_qingshen_indicators_from_three_split_columns_with_empty_actuals() -> None:
    got = rows(QINGSHEN, "indicators", [*INDICATOR_COLUMNS, "weight"])
    assert got == [
        ("产出指标", "数量指标", "发放(缴纳)覆盖率", "100", "=", "quantitative", 100.0, "%", 60.0),
        ("效益指标", "社会效益指标", "足额保障率(参保率)", "100", "=", "quantitative", 100.0, "%", 30.0),
    ]
    indicators = read_example(QINGSHEN).indicators
    assert indicators["actual_text"].isna().all()
    assert indicators["actual_value"].isna().all()
    assert indicators["score"].isna().all()


def test_qingshen_template_instructions_stay_unparsed_not_content() -> None:
    unparsed = list(read_example(QINGSHEN).unparsed["text"])
    assert "对照年度目标,说明相关任务目标的完成情况(100字以内)" in unparsed
    assert len([t for t in unparsed if t.endswith("(200字以内)")]) == 3


# -- 中江县 2022 self-evaluation with scores --------------------------------------------------------


def test_zhongjiang_project_fields() -> None:
    assert_project(ZHONGJIANG, {
        "form_type": "self_evaluation",
        "fiscal_year": 2022,
        "project_name": "中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装",
        "manager": "谢凯",
        "phone": "1399026****(办公)",
        "department": "中江县水利局",
        "implementing_unit": "中江县水利局",
        "current_year_budget_yuan": 200_000.0,
        "budget_as_written": "20",
        "amount_unit": "万元",
        "stated_total_weight": 100.0,
        "official_total_score": 100.0,
    })
    assert project(ZHONGJIANG)["annual_goal"].startswith("对农村地区供水计量设施设备进行改进")


def test_zhongjiang_budget_execution() -> None:
    got = rows(ZHONGJIANG, "budget_execution", [
        "fund_line", "parent_line", "is_total", "full_year_budget_yuan", "executed_yuan", "execution_rate",
        "weight", "score",
    ])
    assert got == [
        ("年度资金总额", None, True, 200_000.0, 200_000.0, 1.0, 10.0, 10.0),
        ("本年财政拨款", "年度资金总额", False, 200_000.0, 200_000.0, None, None, None),
        ("其他资金", "年度资金总额", False, None, None, None, None, None),
    ]


def test_zhongjiang_indicators_with_actuals_weights_scores() -> None:
    got = rows(ZHONGJIANG, "indicators", [
        "level1", "level2", "name", "target_text", "comparator", "target_kind", "target_value", "unit",
        "actual_text", "actual_comparator", "actual_value", "weight", "score", "level1_weight",
    ])
    assert got == [
        ("产出指标", "数量指标", "安装坡面水标尺", "≥266米", ">=", "quantitative", 266.0, "米", "≥266米", ">=", 266.0, 10.0,
         10.0, 70.0),
        ("产出指标", "数量指标", "水标尺宽度", "≥50厘米", ">=", "quantitative", 50.0, "厘米", "≥50厘米", ">=", 50.0, 10.0,
         10.0, 70.0),
        ("产出指标", "质量指标", "项目(工程)验收合格率", "100%", None, "quantitative", 100.0, "%", "100%", None, 100.0,
         20.0, 20.0, 70.0),
        ("产出指标", "时效指标", "及时(按期)开工率", "≥90%", ">=", "quantitative", 90.0, "%", "≥90%", ">=", 90.0, 10.0,
         10.0, 70.0),
        ("产出指标", "时效指标", "及时(按期)完工率", "≥90%", ">=", "quantitative", 90.0, "%", "≥90%", ">=", 90.0, 10.0,
         10.0, 70.0),
        ("产出指标", "成本指标", "项目计划总投资", "20万元", None, "quantitative", 20.0, "万元", "20万元", None, 20.0,
         10.0, 10.0, 70.0),
        ("效益指标", "社会效益指标", "受益脱贫(含监测对象)户人口数", "≥1000人", ">=", "quantitative", 1000.0, "人",
         "≥1000人", ">=", 1000.0, 10.0, 10.0, 20.0),
        ("效益指标", "社会效益指标", "群众生产生活条件改善状况", "显著提升", None, "qualitative", None, None, "显著提升",
         None, None, 10.0, 10.0, 20.0),
        ("满意度指标", "服务对象满意度指标", "受益脱贫(含监测对象)户满意度", "≥95%", ">=", "quantitative", 95.0, "%",
         "≥95%", ">=", 95.0, 10.0, 10.0, 10.0),
    ]
    indicators = read_example(ZHONGJIANG).indicators
    assert indicators["weight"].sum() == 100.0
    assert math.isclose(indicators["score"].sum(), 100.0)


def test_zhongjiang_placeholder_rows_are_skipped_but_kept_in_unparsed() -> None:
    unparsed = list(read_example(ZHONGJIANG).unparsed["text"])
    assert "……" in unparsed
    assert "经济效益指标" in unparsed
    assert len(read_example(ZHONGJIANG).indicators) == 9
