"""The indicator table, read from real grids: levels inherited and standardised, targets, actuals, weights, totals."""

from __future__ import annotations

from budgetlib.transform.form import read_blocks
from budgetlib.transform.indicator_table import (
    continues_indicator_table,
    parse_continued_table,
    parse_indicator_table,
    warn_unread_tables,
)
from tests.transform.grids import claimed, context, filled, grid, pick

ZHONGJIANG = [
    ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值", "全年实际值", "得分", "未完成原因及拟采取的改进措施"],
    ["", "产出指标(70分)", "数量指标", "安装坡面水标尺", "10", "≥266米", "≥266米", "10", ""],
    ["", "", "", "水标尺宽度", "10", "≥50厘米", "≥50厘米", "10", ""],
    ["", "", "质量指标", "项目(工程)验收合格率", "20", "100%", "100%", "20", ""],
    ["", "", "时效指标", "及时(按期)开工率", "10", "≥90%", "≥90%", "10", ""],
    ["", "", "", "及时(按期)完工率", "10", "≥90%", "≥90%", "10", ""],
    ["", "", "成本指标", "项目计划总投资", "10", "20万元", "20万元", "10", ""],
    ["", "效益指标(20分)", "经济效益指标", "", "", "", "", "", ""],
    ["", "", "社会效益指标", "受益脱贫(含监测对象)户人口数", "10", "≥1000人", "≥1000人", "10", ""],
    ["", "", "", "群众生产生活条件改善状况", "10", "显著提升", "显著提升", "10", ""],
    ["", "满意度指标(10分)", "服务对象满意度指标", "受益脱贫(含监测对象)户满意度", "10", "≥95%", "≥95%", "10", ""],
    ["", "……", "", "", "", "", "", "", ""],
    ["总分", "", "", "", "100", "", "", "100", ""],
]


def test_self_evaluation_indicators_as_hand_checked() -> None:
    """zhongjiang self-evaluation: nine indicators (the empty 经济效益指标 row and "……" are none), then 总分."""
    table = grid(*ZHONGJIANG)
    ctx = context(table)
    assert parse_indicator_table(ctx, table, 0) == len(ZHONGJIANG)
    indicators = ctx.rows_of("indicators")
    assert pick(indicators, "indicator_no", "level1", "level2", "name", "target_text", "comparator", "target_value",
                 "unit", "actual_value", "weight", "score") == [
        (1, "产出指标", "数量指标", "安装坡面水标尺", "≥266米", ">=", 266.0, "米", 266.0, 10.0, 10.0),
        (2, "产出指标", "数量指标", "水标尺宽度", "≥50厘米", ">=", 50.0, "厘米", 50.0, 10.0, 10.0),
        (3, "产出指标", "质量指标", "项目(工程)验收合格率", "100%", None, 100.0, "%", 100.0, 20.0, 20.0),
        (4, "产出指标", "时效指标", "及时(按期)开工率", "≥90%", ">=", 90.0, "%", 90.0, 10.0, 10.0),
        (5, "产出指标", "时效指标", "及时(按期)完工率", "≥90%", ">=", 90.0, "%", 90.0, 10.0, 10.0),
        (6, "产出指标", "成本指标", "项目计划总投资", "20万元", None, 20.0, "万元", 20.0, 10.0, 10.0),
        (7, "效益指标", "社会效益指标", "受益脱贫(含监测对象)户人口数", "≥1000人", ">=", 1000.0, "人", 1000.0, 10.0, 10.0),
        (8, "效益指标", "社会效益指标", "群众生产生活条件改善状况", "显著提升", None, None, None, None, 10.0, 10.0),
        (9, "满意度指标", "服务对象满意度指标", "受益脱贫(含监测对象)户满意度", "≥95%", ">=", 95.0, "%", 95.0, 10.0, 10.0),
    ]
    assert [record["level1_weight"] for record in indicators] == [70.0] * 6 + [20.0] * 2 + [10.0]
    assert [record["target_kind"] for record in indicators].count("qualitative") == 1
    assert {record["horizon"] for record in indicators} == {"annual"}
    assert (ctx.project["stated_total_weight"], ctx.project["official_total_score"]) == (100.0, 100.0)
    assert pick(ctx.rows_of("stated_totals"), "quantity", "value", "as_written") == [
        ("weight", 100.0, "100"), ("score", 100.0, "100"),
    ]
    # the placeholder rows stay unclaimed, so they end in unparsed
    assert (7, 2) not in claimed(ctx, table) and (11, 1) not in claimed(ctx, table)


def test_long_term_and_annual_columns_side_by_side() -> None:
    """qingshan 2020 target form: the long-term columns hold no indicator, the annual ones seven."""
    table = grid(
        ["一级指标", "二级指标(长期)", "三级指标(长期)", "指标值(长期)", "二级指标(年度)", "三级指标(年度)", "指标值(年度)"],
        ["产出指标", "数量指标", "", "", "数量指标", "重点建设工程安排数量", "2"],
        ["产出指标", "质量指标", "", "", "质量指标", "重点建设工程验收合格率", "100%"],
        ["产出指标", "成本指标", "", "", "成本指标", "建设项目成本", "参照政府采购成本控制"],
        ["产出指标", "时效指标", "", "", "时效指标", "重点建设工程按期完成率", "100%"],
        ["效益指标", "可持续影响指标", "", "", "可持续影响指标", "基础教育巩固提高情况", "巩固提高"],
        ["效益指标", "社会效益指标", "", "", "社会效益指标", "基础教育学校办学条件", "持续改善"],
        ["满意度指标", "服务对象满意度指标", "", "", "服务对象满意度指标", "学生、家长、社会满意度", "≥90%"],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "horizon", "level1_std", "level2_std", "name", "target_kind") == [
        ("annual", "产出指标", "数量指标", "重点建设工程安排数量", "quantitative"),
        ("annual", "产出指标", "质量指标", "重点建设工程验收合格率", "quantitative"),
        ("annual", "产出指标", "成本指标", "建设项目成本", "qualitative"),
        ("annual", "产出指标", "时效指标", "重点建设工程按期完成率", "quantitative"),
        ("annual", "效益指标", "可持续影响指标", "基础教育巩固提高情况", "qualitative"),
        ("annual", "效益指标", "社会效益指标", "基础教育学校办学条件", "qualitative"),
        ("annual", "满意度指标", "服务对象满意度指标", "学生、家长、社会满意度", "quantitative"),
    ]


def test_label_split_over_two_rows_and_satisfaction_under_benefit() -> None:
    """qingshan 2021 target form: "社会公众或服务" / "对象满意度指标" is one level 2; the second row is no indicator."""
    table = grid(
        ["一级指标", "二级指标", "指标内容", "指标值", "备 注"],
        ["产出指标", "数量指标", "新增高新技术企业", "15", ""],
        ["", "质量指标", "扶持标准达标率", "100%", ""],
        ["", "时效指标", "高企资格有效", "3年", ""],
        ["效益指标", "经济效益指标", "减税降费", "企业所得税减按15%征收", ""],
        ["", "社会效益指标", "企业竞争力", "增强", ""],
        ["", "环境效益指标", "优化创新创业环境", "优化", ""],
        ["", "可持续影响指标", "长效管理机制健全性", "健全", ""],
        ["", "社会公众或服务", "政策满意度", "≥90%", ""],
        ["", "对象满意度指标", "", "", ""],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    indicators = ctx.rows_of("indicators")
    assert len(indicators) == 8
    assert pick(indicators[3:], "level1", "level2", "level2_std", "target_kind") == [
        ("效益指标", "经济效益指标", "经济效益指标", "qualitative"),
        ("效益指标", "社会效益指标", "社会效益指标", "qualitative"),
        ("效益指标", "环境效益指标", "生态效益指标", "qualitative"),
        ("效益指标", "可持续影响指标", "可持续影响指标", "qualitative"),
        ("效益指标", "社会公众或服务对象满意度指标", "服务对象满意度指标", "quantitative"),
    ]
    assert (indicators[-1]["level1_std"], indicators[-1]["comparator"], indicators[-1]["target_value"]) == (
        "满意度指标", ">=", 90.0)
    assert (indicators[0]["target_value"], indicators[0]["comparator"]) == (15.0, None)   # a bare number
    assert (9, 1) in claimed(ctx, table)   # the second half of the split label is taken, not left unparsed


def test_comparator_and_unit_in_their_own_columns() -> None:
    """qingshen self-evaluation: 指标性质 "=", 指标值 100, 度量单位 %, actuals empty, 合计 row of weights."""
    table = grid(
        ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
         "未完成原因分析"],
        ["", "产出指标", "数量指标", "发放(缴纳)覆盖率", "=", "100", "%", "", "60", "", ""],
        ["", "效益指标", "社会效益指标", "足额保障率(参保率)", "=", "100", "%", "", "30", "", ""],
        ["合计", "", "", "", "", "", "", "", "100", "", ""],
    )
    ctx = context(table)
    assert parse_indicator_table(ctx, table, 0) == 4
    assert pick(ctx.rows_of("indicators"), "name", "comparator", "target_value", "unit", "actual_text", "weight",
                 "score") == [
        ("发放(缴纳)覆盖率", "=", 100.0, "%", None, 60.0, None),
        ("足额保障率(参保率)", "=", 100.0, "%", None, 30.0, None),
    ]
    assert ctx.project["indicator_section_weight"] == 90.0
    assert ctx.project["stated_total_weight"] == 100.0 and "official_total_score" not in ctx.project


def test_placeholders_are_skipped_and_template_marks_flagged() -> None:
    """langfang self-evaluation rows ("指标2", "……") and a jinzhai name with "(≤**万元)" left in."""
    table = grid(
        ["一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["产出指标", "数量指标", "指标1工程资金金额", "43.2", "37.24", "10", "9", "已完工,剩余3%尾款未付"],
        ["", "", "指标2", "", "", "", "", ""],
        ["", "", "……", "", "", "", "", ""],
        ["", "成本指标", "指标1:项目总成本(≤**万元)", "≤1125万元", "", "", "", ""],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "name", "actual_value", "score", "deviation_reason", "has_placeholder") == [
        ("指标1工程资金金额", 37.24, 9.0, "已完工,剩余3%尾款未付", False),
        ("指标1:项目总成本(≤**万元)", None, None, None, True),
    ]


def test_a_headless_table_continues_the_indicator_table() -> None:
    """The langfang table cut in two by a page break: the second part has no headings, the same width."""
    first = grid(
        ["一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分", "偏差原因分析及改进措施"],
        ["产出指标", "质量指标", "指标1工程完工率", "100", "100", "10", "10", ""],
        table_no=0,
    )
    second = grid(
        ["", "时效指标", "指标1项目完成及时率", "100", "100", "10", "10", ""],
        ["效益指标", "经济效益\n指标", "指标1安全率", "100", "100", "10", "10", "0"],
        table_no=1,
    )
    ctx = context(first, second)
    parse_indicator_table(ctx, first, 0)
    assert continues_indicator_table(ctx, second)
    assert parse_continued_table(ctx, second) == 2
    assert pick(ctx.rows_of("indicators"), "level1", "level2", "name", "table_no") == [
        ("产出指标", "质量指标", "指标1工程完工率", 0),
        ("产出指标", "时效指标", "指标1项目完成及时率", 1),        # 产出指标 inherited across the break
        ("效益指标", "经济效益指标", "指标1安全率", 1),
    ]
    assert any("continuation" in message for message in (notice.message for notice in ctx.warnings))


def test_a_table_of_another_width_is_no_continuation() -> None:
    first = grid(["一级指标", "二级指标", "指标内容", "指标值", "备注"], ["产出指标", "数量指标", "保障政务外网到各委办局", "123 家", ""])
    other = grid(["产出指标", "质量指标", "处理各委办局外网保障率", "100%"], table_no=1)
    ctx = context(first, other)
    parse_indicator_table(ctx, first, 0)
    assert not continues_indicator_table(ctx, other)


def test_a_row_shifted_against_its_headings_is_read_by_its_labels() -> None:
    """A zhongjiang row that lost its leading empty cell: read one column to the left, with a warning."""
    table = grid(
        ZHONGJIANG[0],
        ["产出指标(70分)", "数量指标", "安装坡面水标尺", "10", "≥266米", "≥266米", "10", ""],
        ["", "", "", "水标尺宽度", "10", "≥50厘米", "≥50厘米", "10", ""],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "level1", "level2", "name", "target_text", "weight") == [
        ("产出指标", "数量指标", "安装坡面水标尺", "≥266米", 10.0),
        ("产出指标", "数量指标", "水标尺宽度", "≥50厘米", 10.0),
    ]
    assert [message for message in (notice.message for notice in ctx.warnings)] == [
        "indicator row shifted -1 column(s) from its headings; read by its level labels",
    ]


def test_seed_satisfaction_row_under_benefit() -> None:
    """xinzhou declaration: 服务对象满意度指标 under 效益指标 is kept as written and analysed as 满意度指标."""
    table = grid(
        ["一级指标", "二级指标", "指标内容", "指标值", "备注"],
        ["产出指标", "数量指标", "保障政务外网到各委办局", "123 家", ""],
        ["产出指标", "质量指标", "处理各委办局外网保障率", "100%", ""],
        ["效益指标", "服务对象满意度指标", "提高群众网上办事效率", "100%", ""],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "level1", "level1_std", "level2_std", "target_value", "unit") == [
        ("产出指标", "产出指标", "数量指标", 123.0, "家"),
        ("产出指标", "产出指标", "质量指标", 100.0, "%"),
        ("效益指标", "满意度指标", "服务对象满意度指标", 100.0, "%"),
    ]


# -- shapes beyond the thirteen examples ------------------------------------------------------------------


def test_ezhou_two_level_table_names_in_the_level_two_column() -> None:
    """ezhou 2022: 一级 holds 数量/质量/成本指标, the names sit under 二级指标, 绩效标准 describes, 当年预期实现值 is the target."""
    table = grid(
        ["一级指标", "二级指标", "绩效标准", "当年预期实现值"],
        ["数量指标", "办公大楼日常维修维护次数", "反映办公大楼全年维修维护情况", "2280次"],
        ["", "大楼安检巡察次数", "反映大楼保卫巡检情况", "200次"],
        ["质量指标", "办公大楼日常维修维护验收合格率", "反映办公大楼全年维修维护质量情况", ">92%"],
        ["成本指标", "成本控制率", "", "不超预算"],
        ["", "水电气消耗下降率", "反映水电气消耗比上年下降情况", ">"],
    )
    ctx = context(table)
    assert parse_indicator_table(ctx, table, 0) == 6
    assert pick(ctx.rows_of("indicators"), "level1", "level2", "name", "level1_std", "level2_std", "standard",
                "target_text", "comparator", "target_kind", "target_value") == [
        ("数量指标", None, "办公大楼日常维修维护次数", "产出指标", "数量指标", "反映办公大楼全年维修维护情况", "2280次", None,
         "quantitative", 2280.0),
        ("数量指标", None, "大楼安检巡察次数", "产出指标", "数量指标", "反映大楼保卫巡检情况", "200次", None, "quantitative", 200.0),
        ("质量指标", None, "办公大楼日常维修维护验收合格率", "产出指标", "质量指标", "反映办公大楼全年维修维护质量情况", ">92%",
         ">", "quantitative", 92.0),
        # 成本指标 beside 数量/质量 is the output's cost, not the level-1 成本指标 of 2021
        ("成本指标", None, "成本控制率", "产出指标", "成本指标", None, "不超预算", None, "qualitative", None),
        # the published copy is cut after the sign: the direction is known, the number is not
        ("成本指标", None, "水电气消耗下降率", "产出指标", "成本指标", "反映水电气消耗比上年下降情况", ">", ">", "quantitative", None),
    ]
    assert filled(table) == claimed(ctx, table)
    assert ctx.warnings == []


def test_two_level_table_with_level_one_labels_keeps_its_levels() -> None:
    """一级 holds 产出/效益/满意度指标 and 二级 the names: level 2 stays empty, level 1 is level 1."""
    table = grid(
        ["一级指标", "二级指标", "指标值"],
        ["产出指标", "完成道路保洁面积", "≥120万平方米"],
        ["效益指标", "城区环境卫生状况", "持续改善"],
        ["满意度指标", "市民满意度", "≥90%"],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "level1", "level2", "name", "level1_std", "level2_std") == [
        ("产出指标", None, "完成道路保洁面积", "产出指标", None),
        ("效益指标", None, "城区环境卫生状况", "效益指标", None),
        ("满意度指标", None, "市民满意度", "满意度指标", None),
    ]


def test_no_name_column_when_the_deepest_level_holds_labels() -> None:
    """三级指标 renamed to an unknown word: 二级指标 holds 数量指标 …, so no column holds names: nothing is read."""
    table = grid(
        ["一级指标", "二级指标", "甲乙丙", "指标值"],
        ["产出指标", "数量指标", "保障政务外网到各委办局", "123 家"],
        ["", "质量指标", "处理各委办局外网保障率", "100%"],
    )
    ctx = context(table)
    assert parse_indicator_table(ctx, table, 0) == 3
    assert ctx.rows_of("indicators") == []
    assert [(n.code, n.location) for n in ctx.warnings] == [("W_TABLE_UNREAD", "table 0, row 1")]
    assert "一级指标, 二级指标, 甲乙丙, 指标值" in ctx.warnings[0].message
    assert "no column holds the indicators' names" in ctx.warnings[0].message
    assert claimed(ctx, table) == set()


def test_an_unknown_heading_leaves_its_column_unparsed_and_says_so() -> None:
    """分值 renamed to an unknown word in the zhongjiang table: the indicators are read, the column is not."""
    header = list(ZHONGJIANG[0])
    header[4] = "甲乙丙"
    table = grid(header, *ZHONGJIANG[1:3])
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert [record.get("weight") for record in ctx.rows_of("indicators")] == [None, None]
    assert [record["target_text"] for record in ctx.rows_of("indicators")] == ["≥266米", "≥50厘米"]
    assert [(n.code, n.location) for n in ctx.warnings] == [("W_COLUMN_UNREAD", "table 0, row 1, column 5")]
    assert "'甲乙丙' is no known indicator heading" in ctx.warnings[0].message
    assert "2 filled cell(s)" in ctx.warnings[0].message
    assert {(0, 4), (1, 4), (2, 4)}.isdisjoint(claimed(ctx, table))


def test_stacked_long_term_and_annual_sections() -> None:
    """Two headings one under the other, each with its section label (长期绩效指标, 年度绩效指标)."""
    table = grid(
        ["长期绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
        ["", "产出指标", "数量指标", "累计改造农村危房", "≥3000户"],
        ["年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
        ["", "产出指标", "数量指标", "当年改造农村危房", "≥600户"],
        ["", "满意度指标", "服务对象满意度指标", "住户满意度", "≥90%"],
    )
    ctx = context(table)
    row = parse_indicator_table(ctx, table, 0)
    assert row == 2
    parse_indicator_table(ctx, table, row)
    assert pick(ctx.rows_of("indicators"), "indicator_no", "horizon", "name", "target_value") == [
        (1, "long_term", "累计改造农村危房", 3000.0), (2, "annual", "当年改造农村危房", 600.0), (3, "annual", "住户满意度", 90.0),
    ]
    assert ctx.warnings == []   # two horizons, not a repeated table
    assert filled(table) == claimed(ctx, table)


def test_two_groups_side_by_side_whose_horizon_nothing_states() -> None:
    """二级/三级/指标值 twice and no word of horizon: long-term then annual, by position, with a warning."""
    table = grid(
        ["一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "累计培训人数", "≥5000人", "数量指标", "年度培训人数", "≥1000人"],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "horizon", "level1", "level2", "name", "target_value") == [
        ("long_term", "产出指标", "数量指标", "累计培训人数", 5000.0), ("annual", "产出指标", "数量指标", "年度培训人数", 1000.0),
    ]
    assert [n.code for n in ctx.warnings] == ["W_HORIZON_GUESSED"]


def test_groups_with_their_own_level_one_columns() -> None:
    """Each group has its own 一级指标; the horizon is written in the value headings only (长期指标值, 年度指标值)."""
    table = grid(
        ["一级指标", "二级指标", "三级指标", "年度指标值", "一级指标", "二级指标", "三级指标", "长期指标值"],
        ["产出指标", "数量指标", "年度培训人数", "≥1000人", "产出指标", "数量指标", "累计培训人数", "≥5000人"],
        ["满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "效益指标", "社会效益指标", "技能人才占比", "提高"],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "horizon", "level1", "level2", "name") == [
        ("long_term", "产出指标", "数量指标", "累计培训人数"), ("long_term", "效益指标", "社会效益指标", "技能人才占比"),
        ("annual", "产出指标", "数量指标", "年度培训人数"), ("annual", "满意度指标", "服务对象满意度指标", "学员满意度"),
    ]
    assert ctx.warnings == []
    assert filled(table) == claimed(ctx, table)


def test_a_fourth_level_holds_the_name_and_the_third_its_parent() -> None:
    table = grid(
        ["一级指标", "二级指标", "三级指标", "四级指标", "指标值"],
        ["产出指标", "数量指标", "培训人次", "线上培训人次", "≥1200人次"],
        ["", "", "", "线下培训人次", "≥800人次"],
        ["", "质量指标", "培训考核合格率", "", "≥95%"],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "indicator_no", "level2", "name", "target_text", "parent_indicator_no",
                "parent_name") == [
        (1, "数量指标", "线上培训人次", "≥1200人次", None, "培训人次"),
        (2, "数量指标", "线下培训人次", "≥800人次", None, "培训人次"),
        (3, "质量指标", "培训考核合格率", "≥95%", None, None),     # a 三级 row with no 四级: itself the indicator
    ]
    assert filled(table) == claimed(ctx, table)


def test_numbered_rows_under_an_indicator_with_a_target_are_not_its_parts() -> None:
    """"(1)…" rows are parts only of an indicator without a value of its own (or ending in a colon)."""
    table = grid(
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "(1)新建道路", "≥10公里"],
        ["", "", "(2)改造道路", "≥20公里"],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "name", "parent_indicator_no") == [("(1)新建道路", None), ("(2)改造道路", None)]


def test_scoring_sheet_grid() -> None:
    """A scoring sheet's heading has a weight and criteria and no target; its rows are of target_kind criteria."""
    table = grid(
        ["一级指标", "二级指标", "三级指标", "分值", "指标解释", "评分标准", "得分"],
        ["投入（15分）", "预算编制（15分）", "预算编制科学性", "5", "部门预算编制是否符合规定，测算是否合理",
         "编制规范、测算合理得5分，否则酌情扣分", "4"],
        ["过程（35分）", "预算执行（20分）", "预算完成率", "5", "预算完成数/预算数×100%", "完成率×分值", "4.8"],
        ["", "", "预算调整率", "5", "预算调整数/预算数×100%", "调整率≤5%得满分，每超1个百分点扣0.5分", "5"],
        ["合计", "", "", "100", "", "", "89.5"],
    )
    ctx = context(table)
    assert parse_indicator_table(ctx, table, 0) == 5
    assert pick(ctx.rows_of("indicators"), "level1", "level1_weight", "level2", "level2_weight", "name", "weight",
                "score", "target_kind", "criteria") == [
        ("投入", 15.0, "预算编制", 15.0, "预算编制科学性", 5.0, 4.0, "criteria", "编制规范、测算合理得5分，否则酌情扣分"),
        ("过程", 35.0, "预算执行", 20.0, "预算完成率", 5.0, 4.8, "criteria", "完成率×分值"),
        ("过程", 35.0, "预算执行", 20.0, "预算调整率", 5.0, 5.0, "criteria", "调整率≤5%得满分，每超1个百分点扣0.5分"),
    ]
    assert (ctx.project["stated_total_weight"], ctx.project["official_total_score"]) == (100.0, 89.5)
    assert filled(table) == claimed(ctx, table)


# -- tables the reader did not take ------------------------------------------------------------------


def test_a_heading_without_a_target_column_is_reported() -> None:
    """ezhou 2022 before 当年预期实现值 was known: one W_TABLE_UNREAD naming the headings and what they lack."""
    table = grid(
        ["一级指标", "二级指标", "绩效标准", "甲乙丙"],
        ["数量指标", "办公大楼日常维修维护次数", "反映办公大楼全年维修维护情况", "2280次"],
    )
    ctx = context(table)
    read_blocks(ctx, table)
    warn_unread_tables(ctx, [table])
    assert [(n.code, n.location) for n in ctx.warnings] == [("W_TABLE_UNREAD", "table 0, row 1")]
    assert ctx.warnings[0].message == (
        "indicator headings 一级指标, 二级指标, 绩效标准, 甲乙丙 seen, but no indicator was read from them: "
        "they lack a target column (指标值 …)")


def test_level_labels_without_a_heading_are_reported() -> None:
    """Rows of an indicator table cut from their heading, in a table of another width: not silently lost."""
    heading = grid(["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "新建道路", "≥10公里"])
    rest = grid(["", "", "质量指标", "工程验收合格率", "100%"], ["", "效益指标", "社会效益指标", "通行条件", "改善"], table_no=1)
    ctx = context(heading, rest)
    read_blocks(ctx, heading)
    read_blocks(ctx, rest)
    warn_unread_tables(ctx, [heading, rest])
    assert [(n.code, n.location) for n in ctx.warnings] == [("W_TABLE_UNREAD", "table 1, row 1")]
    assert "no heading row (一级指标, 二级指标, 指标值 …) was found" in ctx.warnings[0].message


def test_a_heading_with_no_indicator_under_it_is_reported() -> None:
    table = grid(["一级指标", "二级指标", "三级指标", "指标值"], ["", "", "指标2", ""], ["", "", "……", ""])
    ctx = context(table)
    read_blocks(ctx, table)
    warn_unread_tables(ctx, [table])
    assert [n.code for n in ctx.warnings] == ["W_TABLE_UNREAD"]
    assert "no row under them holds an indicator" in ctx.warnings[0].message


def test_tables_read_in_full_get_no_warning() -> None:
    table = grid(*ZHONGJIANG)
    ctx = context(table)
    read_blocks(ctx, table)
    warn_unread_tables(ctx, [table])
    assert ctx.warnings == []


def test_a_date_split_over_target_and_unit_cells_is_a_period() -> None:
    """A 时效指标 whose date runs on from 指标值 into 度量单位 ("2023" | "年11月底前", "2022.05" | "-2022.11") is
    that period, not the number 2023 in a unit "年11月底前"; a count in a unit of time ("4" | "小时") and a
    count of people stay numbers. The cells stay as written."""
    table = grid(
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "分值", "得分"],
        ["", "产出指标", "时效指标", "测评完成时间", "=", "2023", "年11月底前", "2023年11月底前", "18", "18"],
        ["", "", "", "服务周期", "=", "2022.05", "-2022.11", "2022.05-2022.11", "12", "12"],
        ["", "", "", "响应时间", "≤", "4", "小时", "3小时", "10", "10"],
        ["", "", "数量指标", "保洁人员数", "≥", "32", "人", "≥32人", "16", "16"],
    )
    ctx = context(table)
    parse_indicator_table(ctx, table, 0)
    assert pick(ctx.rows_of("indicators"), "target_text", "unit", "target_kind", "comparator", "target_value",
                 "period_start", "period_end") == [
        ("2023", "年11月底前", "period", None, None, None, "2023-11"),
        ("2022.05", "-2022.11", "period", None, None, "2022-05", "2022-11"),
        ("4", "小时", "quantitative", "<=", 4.0, None, None),
        ("32", "人", "quantitative", ">=", 32.0, None, None),
    ]
    assert {(1, 5), (1, 6), (2, 5), (2, 6)} <= claimed(ctx, table)   # both cells of each split date are taken
