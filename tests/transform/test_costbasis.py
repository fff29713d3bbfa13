"""The cost basis (测算依据) as items: the seed by hand, and the families of wording real forms use."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.transform.costbasis import (
    bandwidths_in,
    cost_items,
    kind_of,
    parse_cost_basis,
    parse_cost_item,
    quantities_in,
    split_cost_basis,
)
from tests.conftest import ALL_EXAMPLES, SEED, read_example


def seed_items() -> pd.DataFrame:
    return read_example(SEED).cost_items


def test_seed_has_four_items_that_sum_to_the_budget() -> None:
    items = seed_items()
    assert list(items["item_no"]) == [1, 2, 3, 4]
    assert not items["is_total"].any()
    # 100,000 + 60,000 + 280,000 + 60,000 = 500,000 = 项目当年预算
    assert items["amount_yuan"].sum() == 500_000.0
    assert read_example(SEED).projects["current_year_budget_yuan"].iloc[0] == 500_000.0


def test_seed_item_1_package_of_123_units() -> None:
    item = seed_items().iloc[0]
    assert (item.quantity, item.quantity_unit) == (123.0, "家")
    assert (item.unit_price_yuan, item.price_basis) == (1000.0, "元/家/年")
    assert item.list_amount_yuan == 123_000.0  # 123 × 1,000
    assert item.stated_amount_yuan == 100_000.0  # 打包价约 10 万元
    assert round(item.implied_unit_cost_yuan, 1) == 813.0  # 100,000 / 123 = 813.008
    assert round(item.package_ratio, 3) == 0.813  # 100,000 / 123,000
    assert item.unit_price_as_written == "每家每年约1000元"
    assert item.stated_amount_as_written == "10万元"
    assert item.kind == "maintenance"


def test_seed_item_2_package_of_655_sites() -> None:
    item = seed_items().iloc[1]
    assert (item.quantity, item.quantity_unit, item.unit_price_yuan) == (655.0, "个", 100.0)
    assert item.list_amount_yuan == 65_500.0  # 655 × 100
    assert item.stated_amount_yuan == 60_000.0  # 6.00 万元
    assert round(item.implied_unit_cost_yuan, 1) == 91.6  # 60,000 / 655 = 91.60
    assert round(item.package_ratio, 3) == 0.916  # 60,000 / 65,500


def test_seed_item_3_has_no_unit_price_but_an_implied_cost_and_a_bandwidth() -> None:
    item = seed_items().iloc[2]
    assert (item.quantity, item.quantity_unit) == (655.0, "个")
    assert math.isnan(item.unit_price_yuan) and math.isnan(item.list_amount_yuan) and math.isnan(item.package_ratio)
    assert item.stated_amount_yuan == 280_000.0  # 打折价约 28 万元
    assert round(item.implied_unit_cost_yuan, 1) == 427.5  # 280,000 / 655 = 427.48
    assert item.bandwidth_mbps == 200.0  # 200M is an attribute, not money
    assert item.attributes == "200M"
    assert item.kind == "broadband"


def test_seed_item_4_is_an_amount_per_year() -> None:
    item = seed_items().iloc[3]
    assert math.isnan(item.quantity) and math.isnan(item.unit_price_yuan)
    assert item.stated_amount_yuan == 60_000.0  # 6 万元/年
    assert item.stated_amount_as_written == "6万元/年"
    assert item.description == "4、“在线督查”运维 6 万元/年"


def test_forms_without_a_cost_basis_have_no_items() -> None:
    for name in ALL_EXAMPLES:
        if name != SEED:
            assert read_example(name).cost_items.empty, name


# -- splitting --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("1、宽带 28 万元；2、运维 6 万元/年", ["1、宽带 28 万元；", "2、运维 6 万元/年"]),
    ("1.宽带 28 万元\n2.运维 6 万元/年", ["1.宽带 28 万元", "2.运维 6 万元/年"]),
    ("(1)宽带 28 万元；(2)运维 6 万元", ["(1)宽带 28 万元；", "(2)运维 6 万元"]),
    ("一、宽带 28 万元\n二、运维 6 万元", ["一、宽带 28 万元", "二、运维 6 万元"]),
    # a continuation line belongs to the item above
    ("1、宽带 28 万元，\n按 655 个村计\n2、运维 6 万元", ["1、宽带 28 万元，\n按 655 个村计", "2、运维 6 万元"]),
    # no numbers: lines, then ；-separated parts
    ("宽带 28 万元；运维 6 万元\n培训 2 万元", ["宽带 28 万元；", "运维 6 万元", "培训 2 万元"]),
    # a decimal is not an item number
    ("1、维护 6.00 万元", ["1、维护 6.00 万元"]),
    ("", []),
])
def test_split_cost_basis(text: str, expected: list[str]) -> None:
    assert split_cost_basis(text) == expected


def test_a_total_line_is_kept_but_not_an_item() -> None:
    items = parse_cost_basis("1、宽带 28 万元\n2、运维 6 万元\n合计：34 万元")
    assert [item.item_no for item in items] == [1, 2, None]
    assert items[2].is_total and items[2].stated_amount_yuan == 340_000.0


# -- reading an item --------------------------------------------------------------------------------


def test_unit_price_written_after_the_amount() -> None:
    item = parse_cost_item("维护 123 家，1000元/家/年，合计 12.3 万元")
    assert (item.unit_price_yuan, item.price_basis, item.list_amount_yuan) == (1000.0, "元/家/年", 123_000.0)
    assert item.stated_amount_yuan == 123_000.0
    assert item.package_ratio == 1.0


def test_chinese_numerals_for_quantity_and_money() -> None:
    item = parse_cost_item("购置十二台电脑，单价五千元/台")
    assert (item.quantity, item.quantity_unit) == (12.0, "台")
    assert item.unit_price_yuan == 5000.0
    assert item.list_amount_yuan == 60_000.0  # 12 × 5,000
    assert item.amount_yuan == 60_000.0  # no stated amount: the list amount counts


@pytest.mark.parametrize(("text", "price", "list_amount", "stated"), [
    ("办公设备购置：电脑5台×6000元=3万元", 6000.0, 30_000.0, 30_000.0),  # 5 × 6,000
    ("电脑 10 台，单价 5000 元，合计 5 万元", 5000.0, 50_000.0, 50_000.0),  # 10 × 5,000
    ("差旅费：5人次×2000元/人次=1万元", 2000.0, 10_000.0, 10_000.0),
])
def test_a_price_of_the_counted_unit(text: str, price: float, list_amount: float, stated: float) -> None:
    item = parse_cost_item(text)
    assert (item.unit_price_yuan, item.list_amount_yuan, item.stated_amount_yuan) == (price, list_amount, stated)
    assert item.package_ratio == 1.0


def test_a_percentage_is_neither_quantity_nor_price() -> None:
    item = parse_cost_item("服务器维保费用按设备原值8%计算，约12万元。")
    assert (item.quantity, item.unit_price_yuan, item.amount_yuan) == (None, None, 120_000.0)


def test_a_numeral_inside_a_word_is_not_a_quantity() -> None:
    assert parse_cost_item("统一张网建设 5 万元").quantity is None  # 统一张网 is "one network", not 1 张


def test_a_monthly_price_over_a_duration() -> None:
    item = parse_cost_item("租用雾炮车 10 辆，服务 6 个月，每辆每月 2 万元，合计 120 万元")
    assert (item.quantity, item.duration, item.duration_unit) == (10.0, 6.0, "月")
    assert (item.unit_price_yuan, item.price_basis) == (20_000.0, "元/辆/月")
    assert item.list_amount_yuan == 1_200_000.0  # 10 × 6 × 20,000
    assert item.package_ratio == 1.0
    assert item.quantity_unit == "辆"  # 6 个月 is a duration, not a quantity


def test_a_monthly_rate_without_a_duration_gives_no_amount() -> None:
    item = parse_cost_item("保洁服务每月 2 万元")
    assert item.unit_price_yuan == 20_000.0
    assert item.list_amount_yuan is None and item.amount_yuan is None  # never guessed as 12 months


def test_bandwidths_are_attributes_not_money_or_quantities() -> None:
    item = parse_cost_item("专线 2 条 1G，每条每年 3 万元，合计 6 万元")
    assert (item.quantity, item.quantity_unit, item.bandwidth_mbps) == (2.0, "条", 1000.0)
    assert item.stated_amount_yuan == 60_000.0
    assert bandwidths_in("接入千兆宽带") == [(1000.0, "千兆")]
    assert bandwidths_in("雾炮车风炮射程 80M") == []  # no line: 80M is a distance


def test_years_are_not_quantities() -> None:
    assert [q.value for q in quantities_in("2020年新增 30 个站点")] == [30.0]


def test_an_amount_without_a_money_unit_is_not_read() -> None:
    item = parse_cost_item("维护费 100000")
    assert item.stated_amount_yuan is None and item.amount_yuan is None


@pytest.mark.parametrize(("text", "kind"), [
    ("互联网接入宽带 200M", "broadband"),
    ("电子政务外网维护费", "maintenance"),
    ("培训资料印刷", "printing"),
    ("教师培训 500 人次", "training"),
    ("采购雾炮车降尘抑尘服务", "commissioned"),
    ("乡镇卫生院医疗设备购置", "equipment"),
    ("路灯电费", "electricity"),
    ("办公用品", None),
])
def test_kind_of(text: str, kind: str | None) -> None:
    assert kind_of(text) == kind


# -- the table --------------------------------------------------------------------------------------


def test_cost_items_from_a_projects_table_and_bad_text_does_not_stop_others() -> None:
    projects = pd.DataFrame({
        "form_id": ["a#0", "b#0", "c#0"],
        "cost_basis": ["1、宽带 28 万元\n2、运维 6 万元/年", None, "3 台 × 5000元/台"],
    })
    table = cost_items(projects)
    assert list(table["form_id"]) == ["a#0", "a#0", "c#0"]
    assert list(table.columns) == bl.TABLES["cost_items"].column_names
    assert table.loc[2, "list_amount_yuan"] == 15_000.0


def test_read_forms_fills_cost_items(all_examples: bl.Forms) -> None:
    assert set(all_examples.cost_items["form_id"]) == {f"{SEED}#0"}
    assert len(all_examples.cost_items) == 4


def test_long_runs_of_digits_or_numerals_are_read_in_linear_time() -> None:
    # a hostile cell: before the money pattern was anchored at the start of a run, 20,000 digits took 40 s
    items = parse_cost_basis("1、宽带 " + "2" * 20000 + "；2、" + "一" * 20000 + "；3、培训 10 人，每人 500 元，计 5000 元")
    assert len(items) == 3
    assert items[2].stated_amount_yuan == 5000.0
