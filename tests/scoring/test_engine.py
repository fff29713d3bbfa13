"""Scoring self-evaluations: the real examples' published scores, hand-computed formulas, execution checks."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.scoring.indicators import CRITERIA_NOTE, quantitative_credit
from tests.conftest import EXAMPLES, FIXTURES, QINGSHAN, QINGSHEN, SEED, XIANGTAN, ZHONGJIANG, read_example
from tests.scoring.helpers import one, read_md, self_evaluation_md

WHOLE = bl.ScoringPolicy(rounding="whole")
HALF = bl.ScoringPolicy(rounding="half")


# --- the 中江县 example: published scores reproduced -------------------------------------------------------


@pytest.fixture(scope="module")
def zhongjiang() -> bl.scoring.ScoreResult:
    return bl.score(read_example(ZHONGJIANG))


def test_zhongjiang_every_published_indicator_score_is_reproduced(zhongjiang) -> None:
    indicators = zhongjiang.indicators
    assert len(indicators) == 9
    assert (indicators["status"] == "scored").all()
    # Published: 10, 10, 20, 10, 10, 10, 10, 10, 10 (all full marks): actuals restate the targets ("≥266米").
    assert indicators["published_score"].tolist() == [10, 10, 20, 10, 10, 10, 10, 10, 10]
    assert indicators["computed_score"].tolist() == indicators["published_score"].tolist()
    assert (indicators["score_gap"] == 0).all()
    assert indicators["gap_reason"].isna().all()


def test_zhongjiang_reads_each_indicator_the_right_way(zhongjiang) -> None:
    by_no = zhongjiang.indicators.set_index("indicator_no")
    assert by_no.loc[1, "direction"] == "higher"  # ≥266米 against ≥266米: 266/266 = 1
    assert by_no.loc[1, "attainment"] == pytest.approx(1.0)
    assert "≥266米" in by_no.loc[1, "note"]
    assert by_no.loc[3, "direction"] == "higher"  # bare "100%": reach at least, and the note says so
    assert "未写比较符号" in by_no.loc[3, "note"]
    # 项目计划总投资 20万元 (cost, no comparator) is a ceiling; 20万元 spent meets it either way.
    assert by_no.loc[6, "direction"] == "lower"
    assert by_no.loc[6, "credit"] == pytest.approx(1.0)
    assert by_no.loc[8, "direction"] == "qualitative"  # 显著提升 / 显著提升
    assert by_no.loc[8, "band"] == "achieved"


def test_zhongjiang_total_leaves_the_execution_score_out_and_says_so(zhongjiang) -> None:
    form = zhongjiang.forms.iloc[0]
    # Weights are the form's own: 产出 10+10+20+10+10+10 = 70, 效益 10+10 = 20, 满意度 10.
    assert form["level1_weights"] == "产出指标70/效益指标20/满意度指标10"
    # Execution: 20 / 20 (全年预算数) = 100% → 10 × min(1, 1) = 10, as published, but 总分 leaves it out:
    # the stated 总分 weight 100 equals the indicators' 100 points, not 100 + 10.
    assert form["execution_rate"] == pytest.approx(1.0)
    assert form["rate_basis"] == "全年预算数"
    assert form["execution_score"] == 10 == form["published_execution_score"]
    assert not form["total_includes_execution"]
    assert form["total_weight"] == 100
    assert form["total_score"] == 100  # indicators only
    assert form["official_total_score"] == 100
    assert form["official_difference"] == 0
    assert "不含预算执行率" in form["explanation"]
    assert "70" in form["explanation"] and "默认50/30/10" in form["explanation"]
    assert form["grade"] == "优"
    assert form["is_complete"]


def test_zhongjiang_is_the_same_under_whole_point_rounding() -> None:
    result = bl.score(read_example(ZHONGJIANG), WHOLE)
    assert result.indicators["computed_score"].sum() == 100
    assert result.forms.iloc[0]["official_difference"] == 0


# --- the 青神县 example: actuals blank ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def qingshen() -> bl.scoring.ScoreResult:
    return bl.score(read_example(QINGSHEN))


def test_qingshen_blank_actuals_are_not_scored_never_zero(qingshen) -> None:
    indicators = qingshen.indicators
    assert len(indicators) == 2
    assert (indicators["status"] == "not_scored").all()
    assert indicators["computed_score"].isna().all()
    assert indicators["credit"].isna().all() and indicators["band"].isna().all()
    assert indicators["note"].str.contains("未填实际完成值").all()
    assert indicators["weight"].tolist() == [60, 30]  # the form's own 权重 are kept


def test_qingshen_form_gets_no_total_and_no_grade(qingshen) -> None:
    form = qingshen.forms.iloc[0]
    assert form["n_scored"] == 0 and form["n_not_scored"] == 2
    assert pd.isna(form["indicator_score"])
    assert pd.isna(form["total_score"])
    assert pd.isna(form["grade"])
    assert not form["is_complete"]
    assert "不评等级" in form["explanation"]


def test_qingshen_execution_rate_still_computed_on_the_adjusted_budget(qingshen) -> None:
    form = qingshen.forms.iloc[0]
    # It states 调整后预算数 only: 251.89 / 251.89 = 100%, score 10 × 1 = 10.
    assert form["execution_rate"] == pytest.approx(251.89 / 251.89)
    assert form["rate_basis"].startswith("调整后预算数")
    assert "未列全年预算数" in form["rate_basis"]
    assert form["execution_score"] == 10
    # 合计 weight 100 = indicators 60 + 30 plus execution 10: the total would include execution.
    assert form["total_includes_execution"]
    total = qingshen.execution[qingshen.execution["is_total"]].iloc[0]
    assert total["budget_yuan"] == pytest.approx(2_518_900)
    # The 原因 cell holds the template's own instructions ("(100字以内)"): not a reason.
    assert not total["has_reason"]


def test_qingshen_with_the_adjusted_budget_policy_names_no_fallback() -> None:
    result = bl.score(read_example(QINGSHEN), bl.ScoringPolicy(execution_denominator="adjusted"))
    assert result.forms.iloc[0]["rate_basis"] == "调整后预算数"


def test_forms_without_actuals_are_listed_but_never_scored() -> None:
    result = bl.score(bl.read_forms([]))
    assert result.forms.empty and result.indicators.empty
    for name in (SEED, QINGSHAN, XIANGTAN):
        forms = bl.score(read_example(name)).forms
        assert forms["n_scored"].tolist() == [0]
        assert pd.isna(forms["grade"][0]) and pd.isna(forms["total_score"][0])


def test_default_weights_split_evenly_when_a_form_states_none() -> None:
    indicators = bl.score(read_example(SEED)).indicators
    # Declaration: 2 产出 indicators share the default 50 (25 each), 1 满意度 indicator gets 10.
    assert indicators["weight"].tolist() == [25, 25, 10]
    assert indicators["weight_basis"].str.startswith("默认一级指标").all()


# --- formulas, hand-computed -------------------------------------------------------------------------------


def test_partly_met_count_scores_proportionally_and_rounds() -> None:
    # 35 achieved of ≥40 planned, weight 10: 10 × 35/40 = 8.75; whole points 9; half points 8.75*2 = 17.5 → 18 → 9.0.
    assert quantitative_credit("higher", 35, 40, bl.ScoringPolicy()) == (0.875, 0.875, None)
    assert bl.ScoringPolicy().round_points(10 * 0.875) == 8.75
    assert WHOLE.round_points(8.75) == 9
    assert HALF.round_points(8.75) == 9.0


def test_partly_met_count_through_a_real_form(tmp_path) -> None:
    row = ("产出指标", "数量指标", "培训人数", "≥40人", "35人", "10", "")
    assert one(tmp_path, row)["computed_score"] == pytest.approx(8.75)  # 10 × 35/40
    assert one(tmp_path, row, WHOLE)["computed_score"] == 9
    # 33 of 40: 10 × 33/40 = 8.25 → whole 8, half 8.25*2 = 16.5 → 17 → 8.5.
    row33 = ("产出指标", "数量指标", "培训人数", "≥40人", "33人", "10", "")
    assert one(tmp_path, row33)["computed_score"] == pytest.approx(8.25)
    assert one(tmp_path, row33, WHOLE)["computed_score"] == 8
    assert one(tmp_path, row33, HALF)["computed_score"] == 8.5


def test_missed_ceiling_uses_the_reverse_formula(tmp_path) -> None:
    row = ("产出指标", "成本指标", "项目总成本", "≤90万元", "99万元", "10", "")
    scored = one(tmp_path, row)
    assert scored["direction"] == "lower"
    assert scored["computed_score"] == pytest.approx(10 * 90 / 99)  # 9.0909…
    assert round(scored["computed_score"], 2) == 9.09
    assert scored["attainment"] == pytest.approx(90 / 99)
    assert one(tmp_path, row, WHOLE)["computed_score"] == 9  # 9.09 → 9
    assert one(tmp_path, row, HALF)["computed_score"] == 9.0  # 18.18 → 18 → 9.0
    # The other reverse formula: 10 × (1 − (99 − 90)/90) = 10 × 0.9 = 9.
    deviation = bl.ScoringPolicy(reverse_formula="deviation")
    assert one(tmp_path, row, deviation)["computed_score"] == pytest.approx(9.0)


def test_actual_in_another_money_unit_is_converted(tmp_path) -> None:
    # 990000元 = 99万元 against ≤90万元: 10 × 90/99.
    scored = one(tmp_path, ("产出指标", "成本指标", "项目总成本", "≤90万元", "990000元", "10", ""))
    assert scored["computed_score"] == pytest.approx(10 * 90 / 99)
    assert "换算" in scored["note"]


def test_actual_in_an_unrelated_unit_is_not_scored(tmp_path) -> None:
    scored = one(tmp_path, ("产出指标", "数量指标", "新建道路", "≥5公里", "12个", "10", ""))
    assert scored["status"] == "not_scored" and pd.isna(scored["computed_score"])
    assert "单位不一致" in scored["note"]


def test_exact_target_formulas(tmp_path) -> None:
    row = ("产出指标", "数量指标", "发放覆盖率", "=100%", "98%", "60", "")
    # 60 × max(0, 1 − |98 − 100| / 100) = 60 × 0.98 = 58.8
    assert one(tmp_path, row)["computed_score"] == pytest.approx(58.8)
    assert one(tmp_path, row, bl.ScoringPolicy(exact_formula="all_or_nothing"))["computed_score"] == 0


def test_bare_number_reads_as_reach_at_least_unless_policy_says_otherwise(tmp_path) -> None:
    row = ("产出指标", "数量指标", "培训人数", "40", "30", "10", "")
    scored = one(tmp_path, row)
    assert scored["direction"] == "higher"
    assert scored["computed_score"] == pytest.approx(7.5)  # 10 × 30/40
    assert "不低于" in scored["note"]
    assert one(tmp_path, row, bl.ScoringPolicy(bare_number="not_scored"))["status"] == "not_scored"
    # As exact: 10 × (1 − |30 − 40|/40) = 7.5 too; with 50 achieved: 10 × (1 − 10/40) = 7.5 vs full marks at least.
    over = ("产出指标", "数量指标", "培训人数", "40", "50", "10", "")
    assert one(tmp_path, over)["computed_score"] == 10
    assert one(tmp_path, over, bl.ScoringPolicy(bare_number="exact"))["computed_score"] == pytest.approx(7.5)


@pytest.mark.parametrize(
    ("name", "target", "actual", "direction", "score"),
    [
        # cost by name with a money unit: 10 × 20/25 = 8
        ("项目计划总投资", "20万元", "25万元", "lower", 8.0),
        ("项目计划总投资", "20万元", "20万元", "lower", 10.0),
        # error rate: 10 × 1/2 = 5
        ("服务差错率", "1%", "2%", "lower", 5.0),
        # handling complaints is higher-is-better although it names 投诉: 10 × 95/100 = 9.5
        ("投诉处理率", "100%", "95%", "higher", 9.5),
        # money to reach (资金到位) is not a ceiling: 10 × 80/100 = 8
        ("完成投资额", "100万元", "80万元", "higher", 8.0),
    ],
)
def test_direction_of_bare_numbers_from_the_indicator(tmp_path, name, target, actual, direction, score) -> None:
    scored = one(tmp_path, ("产出指标", "质量指标", name, target, actual, "10", ""))
    assert scored["direction"] == direction
    assert scored["computed_score"] == pytest.approx(score)


def test_explicit_comparator_wins_over_a_cost_name(tmp_path) -> None:
    scored = one(tmp_path, ("产出指标", "成本指标", "资金投入", "≥100万元", "80万元", "10", ""))
    assert scored["direction"] == "higher"
    assert scored["computed_score"] == pytest.approx(8.0)  # 10 × 80/100


def test_overshoot_penalty_is_off_by_default(tmp_path) -> None:
    row = ("产出指标", "数量指标", "培训人数", "≥100人", "150人", "10", "")
    assert one(tmp_path, row)["computed_score"] == 10
    # attainment 1.5, tolerance 0.2: credit 1 − (1.5 − 1.2) = 0.7 → 7
    penalised = one(tmp_path, row, bl.ScoringPolicy(overshoot_penalty=True))
    assert penalised["computed_score"] == pytest.approx(7.0)
    assert "超额完成" in penalised["note"]


@pytest.mark.parametrize(
    ("actual", "band", "score"),
    [
        ("达成预期指标", "achieved", 10.0),
        ("达到", "achieved", 10.0),
        ("已完成", "achieved", 10.0),
        ("显著提升", "achieved", 10.0),
        ("明显改善", "achieved", 10.0),
        ("部分达成", "partly", 7.0),  # 10 × 0.7 (the middle of 60–80%)
        ("基本达到", "partly", 7.0),
        ("有所改善", "partly", 7.0),
        ("未达成", "not_achieved", 0.0),
        ("未完成", "not_achieved", 0.0),
        ("效果不明显", "not_achieved", 0.0),
    ],
)
def test_qualitative_bands_from_wording(tmp_path, actual, band, score) -> None:
    scored = one(tmp_path, ("效益指标", "社会效益指标", "群众生产生活条件", "持续改善", actual, "10", ""))
    assert scored["direction"] == "qualitative"
    assert scored["band"] == band
    assert scored["computed_score"] == pytest.approx(score)


def test_no_accident_wording_is_achieved_although_it_starts_with_a_negation(tmp_path) -> None:
    scored = one(tmp_path, ("产出指标", "质量指标", "安全生产", "无重大安全事故", "未发生安全事故", "10", ""))
    assert scored["band"] == "achieved"


def test_unknown_wording_is_not_scored_with_a_note(tmp_path) -> None:
    scored = one(tmp_path, ("效益指标", "社会效益指标", "社会影响", "效果明显", "待评估", "10", ""))
    assert scored["status"] == "not_scored" and pd.isna(scored["computed_score"])
    assert "无可识别" in scored["note"]


def test_qualitative_credit_is_a_policy_choice_inside_its_band(tmp_path) -> None:
    policy = bl.ScoringPolicy(qualitative_credit={"achieved": 0.9, "partly": 0.6, "not_achieved": 0.3})
    row = ("效益指标", "社会效益指标", "社会影响", "效果明显", "未达成", "10", "")
    assert one(tmp_path, row, policy)["computed_score"] == pytest.approx(3.0)
    with pytest.raises(ValueError, match="outside its band"):
        bl.ScoringPolicy(qualitative_credit={"achieved": 1.0, "partly": 0.9, "not_achieved": 0.0})


@pytest.mark.parametrize(
    ("actual", "band", "score"),
    [
        ("2023-12-20", "achieved", 10.0),  # by 2024-01
        ("2024年1月完成", "achieved", 10.0),  # the deadline month itself
        ("2024年3月", "not_achieved", 0.0),  # late
        ("按期完成", "achieved", 10.0),
        ("未按期完成", "not_achieved", 0.0),
        ("2023.07-2024.01", "achieved", 10.0),  # restates the period
    ],
)
def test_periods_are_met_or_not_by_their_end(tmp_path, actual, band, score) -> None:
    scored = one(tmp_path, ("产出指标", "时效指标", "服务周期", "2023.07-2024.01", actual, "10", ""))
    assert scored["direction"] == "period"
    assert scored["band"] == band
    assert scored["computed_score"] == pytest.approx(score)


def test_quantitative_target_with_an_actual_in_words(tmp_path) -> None:
    scored = one(tmp_path, ("产出指标", "质量指标", "验收合格率", "≥90%", "达成预期指标", "10", ""))
    assert scored["band"] == "achieved" and scored["computed_score"] == 10
    assert "文字" in scored["note"]


def test_zero_targets_and_actuals(tmp_path) -> None:
    # A ceiling of 0 accidents: 0 meets it, 2 earns nothing (10 × 0/2 = 0).
    assert one(tmp_path, ("产出指标", "质量指标", "安全事故", "≤0起", "0起", "10", ""))["computed_score"] == 10
    assert one(tmp_path, ("产出指标", "质量指标", "安全事故", "≤0起", "2起", "10", ""))["computed_score"] == 0


# --- published vs computed ---------------------------------------------------------------------------------


def _scored_form(tmp_path, indicators, **block):
    return bl.score(read_md(tmp_path, self_evaluation_md(indicators, **block)))


def test_gaps_between_published_and_computed_get_their_reason(tmp_path) -> None:
    result = _scored_form(tmp_path, [
        ("产出指标", "数量指标", "培训人数", "≥40人", "35人", "10", "9"),  # 8.75 published as 9: whole points
        ("效益指标", "社会效益指标", "社会影响", "效果明显", "部分达成", "10", "7.5"),  # inside the partly band
        ("效益指标", "社会效益指标", "群众认可", "效果明显", "待评估", "10", "8"),  # not scored here
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "90%", "10", "10"),  # same
    ])
    by_no = result.indicators.set_index("indicator_no")
    assert by_no.loc[1, "score_gap"] == pytest.approx(0.25)  # 9 − 8.75
    assert "整数分" in by_no.loc[1, "gap_reason"]
    assert by_no.loc[2, "score_gap"] == pytest.approx(0.5)  # 7.5 − 7
    assert "酌定" in by_no.loc[2, "gap_reason"]
    assert pd.isna(by_no.loc[3, "score_gap"]) and "本次未计分" in by_no.loc[3, "gap_reason"]
    assert by_no.loc[4, "score_gap"] == 0 and pd.isna(by_no.loc[4, "gap_reason"])


def test_official_total_compared_and_explained(tmp_path) -> None:
    result = _scored_form(tmp_path, [
        ("产出指标", "数量指标", "培训人数", "≥40人", "35人", "50", "44"),
        ("效益指标", "社会效益指标", "社会影响", "效果明显", "显著提升", "30", "30"),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "90%", "10", "10"),
    ], budget=("100", "100", "85"), rate="85.00%", exec_score="8.5", reason="项目年底结算，部分款项次年支付",
        total_weight="100", total_score="92.5")
    form = result.forms.iloc[0]
    # Indicators: 50 × 35/40 = 43.75, 30, 10 → 83.75; execution 85/100 × 10 = 8.5; total 92.25 of 100 → 优.
    assert form["indicator_score"] == pytest.approx(83.75)
    assert form["execution_score"] == pytest.approx(8.5)
    assert form["total_includes_execution"]
    assert form["total_score"] == pytest.approx(92.25)
    assert form["grade"] == "优"
    assert form["official_difference"] == pytest.approx(0.25)  # 92.5 − 92.25
    assert "指标1" in form["explanation"] and "整数分" in form["explanation"]
    # The under-90% rate has a reason; the partly met indicator has none, and that is flagged.
    assert result.flags[["subject", "key"]].values.tolist() == [["indicator", "1"]]
    # Whole points: 43.75 → 44, execution 8.5 → 9 (half up): 44 + 30 + 10 + 9 = 93.
    assert bl.score(read_md(tmp_path, self_evaluation_md([
        ("产出指标", "数量指标", "培训人数", "≥40人", "35人", "50", ""),
        ("效益指标", "社会效益指标", "社会影响", "效果明显", "显著提升", "30", ""),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "90%", "10", ""),
    ], budget=("100", "100", "85"), rate="85.00%")), WHOLE).forms.iloc[0]["total_score"] == 93


def test_indicator_flags_for_missing_deviation_reasons_and_scores_above_the_weight(tmp_path) -> None:
    result = _scored_form(tmp_path, [
        ("产出指标", "数量指标", "培训人数", "≥40人", "35人", "10", "8.75"),  # missed, no reason
        ("产出指标", "数量指标", "培训场次", "≥10场", "8场", "10", "8", "疫情停课两周"),  # missed, reason given
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", "10", "12"),  # 12 > 10
    ])
    flags = result.flags[result.flags["subject"] == "indicator"]
    assert sorted(flags["key"]) == ["1", "3"]
    assert "未写偏差原因" in flags.set_index("key").loc["1", "message"]
    assert "超过分值" in flags.set_index("key").loc["3", "message"]
    assert "超过" in result.indicators.set_index("indicator_no").loc[3, "gap_reason"]


def test_partly_missing_actuals_give_a_partial_total_and_no_grade(tmp_path) -> None:
    indicators = [
        ("产出指标", "数量指标", "培训人数", "≥40人", "40人", "50", ""),
        ("效益指标", "社会效益指标", "社会影响", "效果明显", "", "30", ""),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "90%", "10", ""),
    ]
    form = _scored_form(tmp_path, indicators).forms.iloc[0]
    assert form["n_scored"] == 2 and form["n_not_scored"] == 1
    assert form["total_score"] == 70  # 50 + 10 + execution 10, the 30 points not scored are not zeros
    assert not form["is_complete"] and pd.isna(form["grade"])
    assert "30分" in form["explanation"]
    # grade_incomplete rescales to the points covered: 70 / (50 + 10 + 10) = 100% → 优.
    graded = bl.score(read_md(tmp_path, self_evaluation_md(indicators)), bl.ScoringPolicy(grade_incomplete=True))
    assert graded.forms.iloc[0]["grade"] == "优"


@pytest.mark.parametrize(("percent", "grade"), [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.9, "中"),
                                               (60, "中"), (59.99, "差"), (0, "差")])
def test_grades(percent, grade) -> None:
    assert bl.ScoringPolicy().grade_of(percent) == grade


# --- budget execution --------------------------------------------------------------------------------------

_ONE = [("产出指标", "数量指标", "培训人数", "≥40人", "40人", "90", "")]


def test_execution_rate_and_score_are_capped_at_full_marks(tmp_path) -> None:
    low = _scored_form(tmp_path, _ONE, budget=("100", "100", "85"), rate="85.00%", reason="年底结算")
    assert low.forms.iloc[0]["execution_rate"] == pytest.approx(0.85)
    assert low.forms.iloc[0]["execution_score"] == pytest.approx(8.5)  # 10 × 0.85
    over = _scored_form(tmp_path, _ONE, budget=("100", "100", "110"), rate="110.00%")
    assert over.forms.iloc[0]["execution_score"] == 10  # 10 × min(1.1, 1)
    assert over.flags["message"].str.contains("超过预算数").any()


def test_rate_under_90_percent_needs_a_reason(tmp_path) -> None:
    missing = _scored_form(tmp_path, _ONE, budget=("100", "100", "85"), rate="85.00%")
    flag = missing.flags[missing.flags["subject"] == "execution"]
    assert len(flag) == 1 and "85.00%" in flag["message"].iloc[0] and "未说明原因" in flag["message"].iloc[0]
    template = _scored_form(tmp_path, _ONE, budget=("100", "100", "85"), rate="85.00%",
                            reason="预算执行率未达到90%的需说明原因(100字以内)")
    assert template.flags["message"].str.contains("模板说明").any()
    given = _scored_form(tmp_path, _ONE, budget=("100", "100", "85"), rate="85.00%", reason="政府采购延期，尾款次年支付")
    assert given.flags.empty
    assert given.execution[given.execution["is_total"]]["has_reason"].iloc[0]


def test_total_row_of_zeros_beside_real_sub_rows_is_flagged_not_fixed(tmp_path) -> None:
    # The shape of a real published form: 年度资金总额 0 0 0, 其中 本年财政拨款 90 89.974 89.974.
    result = _scored_form(tmp_path, _ONE, budget=("0", "0", "0"), rate="0", exec_score="0",
                          sub_budget=("90", "89.974", "89.974"))
    form = result.forms.iloc[0]
    assert pd.isna(form["execution_rate"]) and pd.isna(form["execution_score"])
    flag = result.flags[result.flags["severity"] == "error"]
    assert len(flag) == 1
    assert "89.974万元" in flag["message"].iloc[0] and "矛盾" in flag["message"].iloc[0]
    assert not form["is_complete"] and pd.isna(form["grade"])  # the execution part cannot be scored
    assert form["total_score"] == 90  # the indicator is still scored: 90 × 40/40


def test_a_blank_total_beside_stated_sub_rows_is_flagged_as_blank_not_as_zero(tmp_path) -> None:
    # 万元 block: 年度资金总额 20 / 20 / (blank), 其中 本年财政拨款 20 / 20 / 20. The budgets agree; the total's
    # 执行数 is blank, not 0, and is not compared as written (20) with its line in 元 (200,000).
    result = _scored_form(tmp_path, _ONE, budget=("20", "20", ""), rate="", sub_budget=("20", "20", "20"))
    messages = result.flags.loc[result.flags["subject"] == "execution", "message"].tolist()
    assert messages == ["总额行执行数空缺，其中各行合计20万元；不代为填补"]
    assert pd.isna(result.forms.iloc[0]["execution_rate"])  # not computed from the line behind the form's back


def test_a_total_that_disagrees_with_its_line_is_compared_in_one_unit(tmp_path) -> None:
    # 其中 本年财政拨款 executed 20 of a total executed 18: the line alone exceeds the total (其他资金 is blank)
    result = _scored_form(tmp_path, _ONE, budget=("20", "20", "18"), rate="90.00%", sub_budget=("20", "20", "20"))
    messages = result.flags.loc[result.flags["subject"] == "execution", "message"].tolist()
    assert messages == ["总额执行数18万元与其中各行合计20万元不一致"]


def test_rate_as_written_that_does_not_follow_from_the_amounts_is_flagged(tmp_path) -> None:
    result = _scored_form(tmp_path, _ONE, budget=("100", "100", "95"), rate="59.00%", reason="")
    assert result.forms.iloc[0]["execution_rate"] == pytest.approx(0.95)  # computed, not copied
    assert result.flags["message"].str.contains("59.00%").any()


def test_execution_weight_defaults_when_the_form_states_none(tmp_path) -> None:
    result = _scored_form(tmp_path, _ONE, budget=("100", "100", "90"), rate="90.00%", exec_weight="")
    form = result.forms.iloc[0]
    assert form["execution_weight"] == 10 and form["execution_score"] == pytest.approx(9.0)  # 10 × 0.9


# --- the policy object -------------------------------------------------------------------------------------


def test_policy_is_frozen_and_validated() -> None:
    policy = bl.ScoringPolicy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.rounding = "whole"  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.level1_weights["产出指标"] = 70  # type: ignore[index]
    with pytest.raises(ValueError, match="rounding"):
        bl.ScoringPolicy(rounding="quarter")  # type: ignore[arg-type]
    assert policy.level1_weights == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert policy.execution_weight == 10
    assert dataclasses.replace(policy, rounding="half").rounding == "half"


def test_rounding_is_half_up_not_bankers() -> None:
    assert WHOLE.round_points(8.5) == 9 and WHOLE.round_points(9.5) == 10
    assert HALF.round_points(8.25) == 8.5 and HALF.round_points(8.74) == 8.5
    assert bl.ScoringPolicy().round_points(8.7391) == 8.7391


def test_score_tables_match_the_schema(zhongjiang) -> None:
    for name, df in zhongjiang.tables.items():
        assert list(df.columns) == bl.TABLES[name].column_names


def test_split_comparator_columns_with_actuals_and_a_rounded_published_score(tmp_path) -> None:
    # The 青神 layout (指标性质 / 指标值 / 度量单位 in three columns), filled in the way a published wages
    # form of the same family is: four indicators of 22.5 points, 合计 100 = 90 + execution 10.
    source = (EXAMPLES / QINGSHEN).read_text(encoding="utf-8")
    start, end = source.index("| 绩效指标(90分)"), source.index("| 评价结论")
    block = "\n".join([
        "| 绩效指标(90分) | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 完成值 | 权重 | 得分 | 未完成原因分析 |",
        "| | 产出指标 | 数量指标 | 足额保障率 | = | 100 | % | 100 | 22.5 | 22.5 | |",
        "| | | | 科目调整次数 | ≤ | 10 | 次 | 12 | 22.5 | 19 | 年中政策调整 |",
        "| | | 时效指标 | 按时发放率 | = | 100 | % | 100 | 22.5 | 22.5 | |",
        "| | 效益指标 | 经济效益指标 | 结余率 | ≤ | 5 | % | 3 | 22.5 | 22.5 | |",
        "| 合计 | | | | | | | | 100 | 96.5 | |",
    ]) + "\n"
    result = bl.score(read_md(tmp_path, source[:start] + block + source[end:]))
    by_no = result.indicators.set_index("indicator_no")
    assert by_no["direction"].tolist() == ["exact", "lower", "exact", "lower"]
    # 科目调整次数 ≤10, 12 done: 22.5 × 10/12 = 18.75, published 19 (whole points).
    assert by_no.loc[2, "computed_score"] == pytest.approx(18.75)
    assert "整数分" in by_no.loc[2, "gap_reason"]
    assert by_no.loc[4, "computed_score"] == 22.5  # 结余率 3% under a 5% ceiling
    form = result.forms.iloc[0]
    # 22.5 + 18.75 + 22.5 + 22.5 = 86.25, plus execution 251.89/251.89 × 10 = 10 → 96.25 of 100.
    assert form["total_includes_execution"]
    assert form["total_score"] == pytest.approx(96.25) and form["grade"] == "优"
    assert form["official_difference"] == pytest.approx(0.25)  # 96.5 − 96.25


def test_a_scoring_sheet_row_is_the_evaluators_score_not_a_missing_actual() -> None:
    """部门整体支出绩效评价 scoring sheet: 15 rows with a weight, criteria and the evaluator's score, no
    target; none is scored from an actual, none is said to lack one, the published scores are kept."""
    forms = bl.read_forms([FIXTURES / "department" / "department-scoring-sheet.md"])
    result = bl.score(forms)
    rows = result.indicators
    assert len(rows) == 15 and set(rows["status"]) == {"not_scored"}
    assert set(rows["note"]) == {CRITERIA_NOTE}
    assert rows["direction"].isna().all()
    assert rows["published_score"].iloc[:3].tolist() == [4.0, 5.0, 4.5]
    assert result.forms["official_total_score"].tolist() == [89.5]
