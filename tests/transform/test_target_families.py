"""Families of targets, units and weights that used to be misread (bug hunt robust-A, B1-B4 and A3).

* ㎡, m², m2 (and ㎥, m³ …): NFKC writes them with a digit ("m2"), which no unit pattern took;
* a comparator word after a sign that already says it ("≥95%以上"), approximations, scopes, "(含)";
* a sign and a word that disagree ("≥5个工作日内"), and ranges ("90%-95%"): warned of, never guessed;
* a percentage in words ("百分之九十五");
* a weight written as a percentage ("50%"), which was dropped without a word.

Expected values are worked out by hand from the texts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.notices import catalogue
from budgetlib.transform.costbasis import parse_cost_item
from budgetlib.transform.normalize import compact
from budgetlib.transform.targets import (
    CONFLICT_NOTICE,
    QUALITATIVE,
    QUANTITATIVE,
    RANGE_NOTICE,
    parse_target,
)
from tests.scoring.helpers import read_md, self_evaluation_md

# -- units of area and volume ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000㎡", "5000平方米"),
        ("5000m²", "5000平方米"),
        ("5000m2", "5000平方米"),
        ("5000 ㎡", "5000平方米"),
        ("100m³", "100立方米"),
        ("100㎥", "100立方米"),
        ("2㎢", "2平方公里"),
        ("4mm²", "4平方毫米"),
        ("每㎡400元", "每平方米400元"),  # before NFKC: 每m2400元 would be a price of 2400
        ("每m³50元", "每立方米50元"),
        ("每m2400元", "每m2400元"),  # written so, m2 400 or m 2400: left alone
        ("xm2", "xm2"),  # part of a word, not a unit
        ("m2m", "m2m"),
        ("5㎞", "5km"),  # NFKC's km, kg and °C read as units already
        ("500㎏", "500kg"),
        ("25℃", "25°C"),
    ],
)
def test_compact_spells_units_of_area_and_volume(text: str, expected: str) -> None:
    assert compact(text) == expected


@pytest.mark.parametrize(
    ("text", "comparator", "value", "unit"),
    [
        ("≥5000㎡", ">=", 5000.0, "平方米"),  # B1
        ("≥3000m²", ">=", 3000.0, "平方米"),  # B1
        ("5200㎡", None, 5200.0, "平方米"),  # B1's actual
        ("≥5000m2", ">=", 5000.0, "平方米"),
        ("≥5000平方米", ">=", 5000.0, "平方米"),  # the spelled form reads the same
        ("≥5.2万㎡", ">=", 5.2, "万平方米"),
        ("≥100m³", ">=", 100.0, "立方米"),
        ("≥2㎢", ">=", 2.0, "平方公里"),
        ("≥5㎞", ">=", 5.0, "km"),
        ("≥500㎏", ">=", 500.0, "kg"),
        ("≤25℃", "<=", 25.0, "°C"),
    ],
)
def test_targets_in_units_of_area_and_volume(text: str, comparator: str | None, value: float, unit: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.comparator, target.value, target.unit) == (QUANTITATIVE, comparator, value, unit)


@pytest.mark.parametrize(
    ("text", "quantity", "unit", "price", "listed"),
    [
        ("租赁仓库50㎡，每㎡每年400元，计2万元", 50.0, "平方米", 400.0, 20_000.0),  # A3: 50 × 400
        ("租赁仓库50平方米，每平方米每年400元，计2万元", 50.0, "平方米", 400.0, 20_000.0),  # A3b, as before
        ("租赁仓库50㎡，每㎡400元，计2万元", 50.0, "平方米", 400.0, 20_000.0),  # not 每m2400元 = 2400 元
        ("租赁仓库50m²，每m²每年400元，计2万元", 50.0, "平方米", 400.0, 20_000.0),
        ("清运淤泥100m³，每m³50元，计5000元", 100.0, "立方米", 50.0, 5_000.0),  # 立方米 is a counting unit
        ("铺设光缆5㎞，每㎞2000元，计1万元", 5.0, "km", 2_000.0, 10_000.0),  # km is one (as 公里)
    ],
)
def test_cost_items_in_units_of_area_volume_and_length(
    text: str, quantity: float, unit: str, price: float, listed: float
) -> None:
    item = parse_cost_item(text)
    assert (item.quantity, item.quantity_unit, item.unit_price_yuan, item.list_amount_yuan) == (
        quantity,
        unit,
        price,
        listed,
    )


_DECLARATION = """# 2023年部门项目申报及绩效目标表

单位：万元

| | |
|---|---|
| 项目名称 | 宣传资料印制 |
| 主管部门 | 某区宣传部 |
| 项目当年预算 | 2 |
| 测算依据及说明 | 租赁仓库50㎡，每㎡每年400元，计2万元 |

| 一级指标 | 二级指标 | 指标内容 | 指标值 |
|---|---|---|---|
| 产出指标 | 数量指标 | 印制数量 | ≥2000份 |
| 效益指标 | 社会效益指标 | 知晓率 | ≥90% |
| 满意度指标 | 服务对象满意度指标 | 群众满意度 | ≥90% |
"""


def test_a_cost_basis_in_square_metres_agrees_with_its_subtotal(tmp_path: Path) -> None:
    """A3: 50 ㎡ × 400 元 = 20,000 元 = the stated 2 万元; C9 reports a ratio of 1, no warning."""
    forms = read_md(tmp_path, _DECLARATION)
    item = forms.cost_items.iloc[0]
    assert (item["quantity"], item["quantity_unit"], item["list_amount_yuan"]) == (50.0, "平方米", 20_000.0)
    assert item["description"] == "租赁仓库50㎡，每㎡每年400元，计2万元"  # as written
    c9 = forms.findings[forms.findings["check_id"] == "C9"]
    assert c9["severity"].tolist() == ["info"]
    assert "折扣比 1.000" in c9.iloc[0]["message"]


def test_targets_and_actuals_in_square_metres_are_scored(tmp_path: Path) -> None:
    """B1: ≥5000㎡ reached with 5200㎡, ≥3000m² with 3100m²: both met, full points."""
    forms = read_md(
        tmp_path,
        self_evaluation_md(
            [
                ("产出指标", "数量指标", "改造面积", "≥5000㎡", "5200㎡", "50", "50"),
                ("产出指标", "数量指标", "绿化面积", "≥3000m²", "3100m²", "50", "50"),
            ]
        ),
    )
    indicators = forms.indicators
    assert indicators["target_text"].tolist() == ["≥5000㎡", "≥3000m²"]  # as written
    assert indicators["target_kind"].tolist() == [QUANTITATIVE, QUANTITATIVE]
    assert indicators["target_value"].tolist() == [5000.0, 3000.0]
    assert indicators["unit"].tolist() == ["平方米", "平方米"]
    assert indicators["actual_value"].tolist() == [5200.0, 3100.0]
    assert indicators["actual_text"].tolist() == ["5200㎡", "3100m²"]
    scored = bl.score(forms).indicators
    assert scored["status"].tolist() == ["scored", "scored"]
    assert scored["computed_score"].tolist() == [50.0, 50.0]


# -- words around the number ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "comparator", "value", "unit"),
    [
        ("≥95%以上", ">=", 95.0, "%"),  # B2: the word repeats the sign
        ("≥1000户以上", ">=", 1000.0, "户"),  # B2
        ("≤5个工作日以内", "<=", 5.0, "个工作日"),  # B2
        ("≤3个工作日之内", "<=", 3.0, "个工作日"),
        ("≤10%及以下", "<=", 10.0, "%"),
        (">95%以上", ">", 95.0, "%"),  # > and 以上 point the same way: the sign, the sharper, is kept
        ("100%达标", ">=", 100.0, "%"),
        ("95%以上达标", ">=", 95.0, "%"),
        ("5%或以下", "<=", 5.0, "%"),
        ("1000人左右", None, 1000.0, "人"),  # about 1000: no direction, a bare number
        ("约1000人", None, 1000.0, "人"),
        ("1000人上下", None, 1000.0, "人"),
        ("约五百人", None, 500.0, "人"),  # 约 says a number follows, as a comparator does
        ("≥1000人左右", ">=", 1000.0, "人"),  # the sign gives the direction; 左右 takes none away
        ("100%（含）", None, 100.0, "%"),  # B4: inclusive, no direction of its own
        ("90%（含）以上", ">=", 90.0, "%"),
        ("≥90%（含）", ">=", 90.0, "%"),
        ("全年≥90%", ">=", 90.0, "%"),  # B4: a scope before the sign
        ("全年不低于90%", ">=", 90.0, "%"),
        ("累计1000人次以上", ">=", 1000.0, "人次"),
        ("百分之九十五", None, 95.0, "%"),  # B4
        ("百分之百", None, 100.0, "%"),
        ("百分之九十五以上", ">=", 95.0, "%"),
        ("不低于百分之九十", ">=", 90.0, "%"),
        ("不低于百分之92.5", ">=", 92.5, "%"),
        ("3天内", "<=", 3.0, "天"),  # the one-word forms read as before
        ("90%以上", ">=", 90.0, "%"),
    ],
)
def test_words_around_the_number(text: str, comparator: str | None, value: float, unit: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.comparator, target.value, target.unit) == (QUANTITATIVE, comparator, value, unit)
    assert target.notice is None


@pytest.mark.parametrize(
    ("text", "value", "unit", "said"),
    [
        ("≥5个工作日内", 5.0, "个工作日", "≥ (at least) and ≤ (at most)"),
        ("≥3天以内", 3.0, "天", "≥ (at least) and ≤ (at most)"),
        ("≤95%以上", 95.0, "%", "≤ (at most) and ≥ (at least)"),
        ("=100%以上", 100.0, "%", "= (exactly) and ≥ (at least)"),
    ],
)
def test_a_sign_and_a_word_that_disagree_leave_the_direction_unknown(
    text: str, value: float, unit: str, said: str
) -> None:
    target = parse_target(text)
    assert (target.kind, target.comparator, target.value, target.unit) == (QUANTITATIVE, None, value, unit)
    assert target.notice == CONFLICT_NOTICE
    assert said in (target.notice_message or "")


@pytest.mark.parametrize(
    "text",
    ["90%-95%", "90%~95%", "90%～95%", "90%—95%", "90%至95%", "90-95%", "≥90%且≤95%", "1-2个工作日", "3至5个"],
)
def test_a_range_stays_words_and_says_so(text: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.comparator, target.value, target.unit) == (QUALITATIVE, None, None, None)
    assert target.notice == RANGE_NOTICE


@pytest.mark.parametrize(
    "text", ["≥90%", "持续改善", "企业所得税减按15%征收", "2023.07-2024.01", "一流", "约定俗成", "全年", "≥90%,≥95%"]
)
def test_other_texts_call_for_no_notice(text: str) -> None:
    assert parse_target(text).notice is None


def test_the_new_notices_are_in_the_catalogue() -> None:
    for code in (RANGE_NOTICE, CONFLICT_NOTICE, "W_WEIGHT_PERCENT"):
        assert catalogue()[code].severity == "warning"


def _codes(forms: bl.Forms) -> list[tuple[str, str]]:
    return list(zip(forms.warnings["code"], forms.warnings["location"], strict=True))


def test_redundant_words_leave_a_clean_unit_and_the_indicators_are_scored(tmp_path: Path) -> None:
    """B2: 96% against ≥95%以上, 1200户 against ≥1000户以上, 3个工作日 against ≤5个工作日以内: all met."""
    forms = read_md(
        tmp_path,
        self_evaluation_md(
            [
                ("产出指标", "质量指标", "验收合格率", "≥95%以上", "96%", "40", "40"),
                ("产出指标", "数量指标", "受益户数", "≥1000户以上", "1200户", "30", "30"),
                ("产出指标", "时效指标", "办结时限", "≤5个工作日以内", "3个工作日", "30", "30"),
            ]
        ),
    )
    assert forms.indicators["unit"].tolist() == ["%", "户", "个工作日"]
    assert forms.indicators["comparator"].tolist() == [">=", ">=", "<="]
    assert forms.warnings.empty
    scored = bl.score(forms).indicators
    assert scored["status"].tolist() == ["scored"] * 3
    assert scored["computed_score"].tolist() == [40.0, 30.0, 30.0]


def test_a_conflict_and_a_range_are_warned_of_checked_and_not_scored(tmp_path: Path) -> None:
    forms = read_md(
        tmp_path,
        self_evaluation_md(
            [
                ("产出指标", "时效指标", "办结时限", "≥5个工作日内", "3个工作日", "30", "30"),
                ("产出指标", "质量指标", "合格率", "90%-95%", "93%", "40", "40"),
                ("效益指标", "社会效益指标", "知晓率", "百分之九十五", "96%", "30", "30"),
            ]
        ),
    )
    indicators = forms.indicators
    assert indicators["comparator"].isna().tolist() == [True, True, True]
    assert indicators["target_kind"].tolist() == [QUANTITATIVE, QUALITATIVE, QUANTITATIVE]
    assert indicators["target_value"].tolist()[0] == 5.0 and indicators["unit"].tolist()[0] == "个工作日"
    assert pd.isna(indicators["target_value"].tolist()[1])
    assert (indicators["target_value"].tolist()[2], indicators["unit"].tolist()[2]) == (95.0, "%")
    # the target cells: rows 2 and 3 of the indicator table (row 1: headings), column 5 (年度指标值)
    assert _codes(forms) == [
        (CONFLICT_NOTICE, "line 14, row 2, column 5"),
        (RANGE_NOTICE, "line 14, row 3, column 5"),
    ]
    c4 = forms.findings[forms.findings["check_id"] == "C4"]["message"].tolist()
    assert c4 == [
        "指标「办结时限」的指标值「≥5个工作日内」：比较符号与其后用语方向相反（如 ≥ 与“以内”），方向不明",
        "指标「合格率」的指标值「90%-95%」：为数值区间，一个指标只能有一个目标值，无法评分",
        "指标「知晓率」的指标值「百分之九十五」：未写比较符（≥、≤ 或 =），方向不明",
    ]
    scored = bl.score(forms).indicators
    assert scored["status"].tolist() == ["not_scored", "not_scored", "scored"]
    assert scored["note"].tolist()[:2] == [
        "指标值“≥5个工作日内”的比较符号与其后用语方向相反，方向不明，不计分",
        "指标值“90%-95%”为数值区间，无单一目标值，不计分",
    ]
    assert scored["computed_score"].tolist()[2] == 30.0  # 96% ≥ 95%, read as at least (a bare number)


# -- weights written as percentages ---------------------------------------------------------------


def test_percentage_weights_that_add_up_to_100_are_points_of_100(tmp_path: Path) -> None:
    """B3: 分值 50% and 50%: 50 points each, with a warning per cell; scoring uses them, no false flag."""
    forms = read_md(
        tmp_path,
        self_evaluation_md(
            [
                ("产出指标", "数量指标", "培训人数", "≥100人", "120人", "50%", "50"),
                ("效益指标", "社会效益指标", "知晓率", "≥90%", "95%", "50%", "50"),
            ]
        ),
    )
    assert forms.indicators["weight"].tolist() == [50.0, 50.0]
    assert _codes(forms) == [
        ("W_WEIGHT_PERCENT", "line 14, row 2, column 7"),
        ("W_WEIGHT_PERCENT", "line 14, row 3, column 7"),
    ]
    assert forms.warnings["message"].tolist()[0] == (
        "indicator 1 weight '50%' is a percentage: read as 50 points of 100; the table's percentage weights "
        "add up to 100%, as shares of 100 points do"
    )
    assert "weight_percent_as_written" not in forms.indicators.columns
    result = bl.score(forms)
    assert result.indicators["weight_basis"].tolist() == ["表中分值", "表中分值"]
    assert result.indicators["computed_score"].tolist() == [50.0, 50.0]
    assert result.flags.empty


def test_percentage_weights_that_do_not_add_up_to_100_say_so(tmp_path: Path) -> None:
    forms = read_md(
        tmp_path,
        self_evaluation_md(
            [
                ("产出指标", "数量指标", "培训人数", "≥100人", "120人", "45%", "45"),
                ("效益指标", "社会效益指标", "知晓率", "≥90%", "95%", "45%", "45"),
            ]
        ),
    )
    assert forms.indicators["weight"].tolist() == [45.0, 45.0]
    messages = forms.warnings["message"].tolist()
    assert len(messages) == 2
    assert messages[1] == (
        "indicator 2 weight '45%' is a percentage: read as 45 points of 100; the table's percentage weights "
        "add up to 90%, not 100%: check what they are shares of"
    )


def test_weights_in_points_raise_no_percentage_warning(tmp_path: Path) -> None:
    forms = read_md(
        tmp_path, self_evaluation_md([("产出指标", "数量指标", "培训人数", "≥100人", "120人", "50分", "50")])
    )
    assert forms.indicators["weight"].tolist() == [50.0]
    assert forms.warnings.empty
