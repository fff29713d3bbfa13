"""Chinese numerals in amounts: the whole numeral run is the number, 大写 checked against its figures.

A Chinese numeral used to be cut short so that the rest could serve as a money unit: "一万五千元" was read
as 一万五 × 千元 = 15,000,000 元, silently a thousand times too much. The whole run is the numeral now,
multi-character units (千元, 十万元 …) follow Arabic digits only, and an amount written both in words and
in figures is believed only when the two agree.
"""

from __future__ import annotations

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetlib.transform.amounts import CAPITAL_MISMATCH, parse_amount, reconcile
from budgetlib.transform.costbasis import parse_cost_basis, parse_cost_item
from budgetlib.transform.numbers import chinese_number
from tests.scoring.helpers import read_md

# -- the reproductions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "yuan"), [
    ("一万五千元", 15_000.0),          # was 一万五 × 千元 = 15,000,000
    ("一百五十万元", 1_500_000.0),     # was 一百五 × 十万元 = 15,000,000
    ("两万八千元", 28_000.0),          # was 两万八 × 千元 = 28,000,000
    ("十万零五千元", 105_000.0),       # was 十万零五 × 千元 = 100,005,000
    ("一万五千万元", 150_000_000.0),   # 一万五千 × 万元: was 一万五 × 千万元 = 150,000,000,000
    ("伍拾万元", 500_000.0),
    ("壹佰贰拾叁元", 123.0),
    ("贰万元整", 20_000.0),
    ("伍拾万圆整", 500_000.0),         # 圆, the 大写 spelling of 元
    ("壹佰元伍角", 100.5),             # 角 and 分 after 元
    ("伍拾元零伍分", 50.05),
    ("五万", 50_000.0),                # a run ending in 万 states 万 as its unit, like "5万"
    ("3千元", 3_000.0),                # multi-character units after Arabic digits, as before
    ("1.5十万元", 150_000.0),
    ("¥500,000.00", 500_000.0),        # the yuan sign states 元
    ("大写：伍拾万元整", 500_000.0),     # one writing, labelled
    ("（小写）500000元", 500_000.0),
])
def test_the_whole_numeral_run_is_the_number(text: str, yuan: float) -> None:
    amount = parse_amount(text)
    assert amount.yuan == pytest.approx(yuan)
    assert amount.problem is None


def test_a_chinese_numeral_without_a_unit_takes_the_blocks_unit_like_a_figure() -> None:
    assert parse_amount("一百二十三").yuan is None
    assert parse_amount("一百二十三", "万元").yuan == pytest.approx(1_230_000.0)


@pytest.mark.parametrize(("text", "yuan"), [
    ("人民币伍拾万元整（¥500,000.00）", 500_000.0),
    ("伍拾万元（500,000.00元）", 500_000.0),
    ("500000元（大写：伍拾万元整）", 500_000.0),
    ("500000（伍拾万元）", 500_000.0),      # the bare figure is read in the words' unit
    ("大写：伍拾万元整 小写：¥500,000.00", 500_000.0),
    ("小写：500000.00元，大写：伍拾万元整", 500_000.0),
    ("28万元（打折价）", 280_000.0),         # a note that is no amount is only a note
])
def test_words_and_figures_that_agree_give_the_amount(text: str, yuan: float) -> None:
    amount = parse_amount(text)
    assert amount.yuan == pytest.approx(yuan)
    assert amount.problem is None


@pytest.mark.parametrize("text", [
    "人民币伍拾万元整（¥5,000,000.00）",
    "伍拾万元（50,000.00元）",
    "大写：伍拾万元整 小写：¥500,001.00",
    "壹佰元伍角（¥100.00）",
])
def test_words_and_figures_that_disagree_give_no_value_and_say_so(text: str) -> None:
    amount = parse_amount(text)
    assert amount.yuan is None
    assert amount.problem == CAPITAL_MISMATCH
    assert amount.number is not None  # still a figure cell, only not believed


def test_the_verdict_on_two_writings_does_not_depend_on_the_blocks_unit() -> None:
    assert parse_amount("500000（伍拾万元）", "万元").yuan == pytest.approx(500_000.0)
    assert parse_amount("人民币伍拾万元整（¥5,000,000.00）", "元").problem == CAPITAL_MISMATCH
    # neither writing states a unit: both are read in the block's
    assert parse_amount("500000（500,000）", "元").yuan == pytest.approx(500_000.0)


def test_two_columns_are_reconciled_the_same_way() -> None:
    capital, figures = parse_amount("伍拾万元整"), parse_amount("500,000.00")
    assert reconcile("伍拾万元整 | 500,000.00", capital, figures).yuan == pytest.approx(500_000.0)
    assert reconcile("", capital, parse_amount("50,000.00")).problem == CAPITAL_MISMATCH


@pytest.mark.parametrize(("text", "stated"), [
    ("1、设备维护，打包价一万五千元；", 15_000.0),
    ("2、宽带租用一百五十万元", 1_500_000.0),
    ("3、运维服务两万八千元", 28_000.0),
    ("4、监理费十万零五千元", 105_000.0),
    ("5、系统建设一万五千万元", 150_000_000.0),
    ("6、宽带五万，按年结算", 50_000.0),
])
def test_cost_basis_money_in_chinese_numerals(text: str, stated: float) -> None:
    assert parse_cost_item(text, 1).stated_amount_yuan == pytest.approx(stated)


def test_cost_basis_reads_the_whole_run_not_a_part_of_it() -> None:
    # "五万五千元" is 55,000 元 (never 五万 + 五千元), "五万人" counts people
    item = parse_cost_item("服务五万人，费用五万五千元")
    assert item.stated_amount_yuan == pytest.approx(55_000.0)
    items = parse_cost_basis("1、电脑 10 台，每台两万八千元，合计二十八万元")
    assert (items[0].unit_price_yuan, items[0].list_amount_yuan, items[0].stated_amount_yuan) == (
        pytest.approx(28_000.0), pytest.approx(280_000.0), pytest.approx(280_000.0))


# -- in a form --------------------------------------------------------------------------------------------


def _declaration(total: str, current: str, cost_basis: str) -> str:
    return "\n".join([
        "# 2023年部门项目申报及绩效目标表", "",
        "| | | | |", "|---|---|---|---|",
        "| 项目名称 | 测试项目 | 项目代码 | 001-2023-X-0001 |",
        "| 项目主管部门 | 某局 | 项目执行单位 | 某中心 |",
        f"| 项目总预算 | {total} | 项目当年预算 | {current} |",
        f"| 测算依据及说明 | {cost_basis} | | |",
        "",
    ])


def test_header_fields_in_chinese_numerals_read_right_with_no_warning(tmp_path) -> None:
    forms = read_md(tmp_path, _declaration("一万五千元", "一百五十万元", "1、维护费两万八千元；<br>2、监理费十万零五千元"))
    project = forms.projects.iloc[0]
    assert project["total_budget_yuan"] == pytest.approx(15_000.0)
    assert project["current_year_budget_yuan"] == pytest.approx(1_500_000.0)
    assert forms.cost_items["stated_amount_yuan"].tolist() == [pytest.approx(28_000.0), pytest.approx(105_000.0)]
    assert forms.warnings.empty, forms.warnings.to_dict("records")


def test_a_header_amount_whose_words_and_figures_disagree_is_flagged_and_empty(tmp_path) -> None:
    forms = read_md(tmp_path, _declaration("人民币伍拾万元整（¥5,000,000.00）", "人民币伍拾万元整（¥500,000.00）", "无"))
    project = forms.projects.iloc[0]
    assert project["total_budget_yuan"] is None or project.isna()["total_budget_yuan"]
    assert project["total_budget_as_written"] == "人民币伍拾万元整（¥5,000,000.00）"
    assert project["current_year_budget_yuan"] == pytest.approx(500_000.0)
    flagged = forms.warnings[forms.warnings["code"] == "W_CAPITAL_MISMATCH"]
    assert len(flagged) == 1
    assert "total_budget" in flagged.iloc[0]["message"] and "row 3, column 2" in flagged.iloc[0]["location"]


# -- property: any integer written out by cn2an reads back as itself -----------------------------------------

AMOUNTS = st.one_of(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**8))
"""Up to 10^12, and as often below 10^8 where the 万元 forms are checked too."""
STYLES = st.sampled_from(["low", "up"])  # 中文 (一万五千) and 大写 (壹万伍仟)


def _figure(text: str) -> float | None:
    """The amount's figure in 元 as far as the text itself says, whether or not it names 元."""
    amount = parse_amount(text)
    if amount.yuan is not None:
        return amount.yuan
    return amount.number


@settings(max_examples=300, deadline=None)
@given(n=AMOUNTS, style=STYLES)
def test_chinese_numerals_read_back_as_themselves(n: int, style: str) -> None:
    written = cn2an.an2cn(n, style)
    assert chinese_number(written) == n
    assert parse_amount(written + "元").yuan == n
    if n < 10**8:  # above, "一亿零一" + "万元" is 一亿零一万元 = 100,010,000 元 to any reader, not 一亿零一 × 万元
        assert parse_amount(written + "万元").yuan == n * 10_000
    assert _figure(written) == n  # no unit: the figure itself (a run ending in 万/亿 states that unit)
    assert parse_amount(f"人民币{written}元整（¥{n:,.2f}）").yuan == n
    assert parse_amount(f"人民币{written}元整（¥{n + 1:,.2f}）").problem == CAPITAL_MISMATCH


@settings(max_examples=200, deadline=None)
@given(n=AMOUNTS, style=STYLES)
def test_cost_basis_money_in_chinese_numerals_reads_back_as_itself(n: int, style: str) -> None:
    written = cn2an.an2cn(n, style)
    assert parse_cost_item(f"1、设备维护费{written}元；", 1).stated_amount_yuan == n
    if n < 10**8:
        assert parse_cost_item(f"1、设备维护费{written}万元；", 1).stated_amount_yuan == n * 10_000
    bare = parse_cost_item(f"1、设备维护费{written}；", 1).stated_amount_yuan
    assert bare == (n if written[-1] in "万亿" else None)  # without 元, only a run ending in 万/亿 is money
