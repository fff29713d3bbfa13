"""Cost scenarios on the seed's cost basis: reprice, the one-call helpers, and sensitivity."""

from __future__ import annotations

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.analysis.scenarios import change_quantity, faster_line, new_unit_price, total_of
from tests.conftest import SEED, read_example


@pytest.fixture()
def items() -> pd.DataFrame:
    return read_example(SEED).cost_items.copy()


def item(result: pd.DataFrame, number: int) -> pd.Series:
    return result[result["item_no"] == number].iloc[0]


def test_700_villages_instead_of_655(items: pd.DataFrame) -> None:
    edited = items.copy()
    edited.loc[edited["item_no"] == 2, "quantity"] = 700
    result = bl.reprice(edited, baseline=items)
    # 700 × 100 × (60,000 / 65,500) = 64,122.14: the package ratio is kept
    second = item(result, 2)
    assert second.baseline_yuan == 60_000.0
    assert round(second.scenario_yuan) == 64_122
    assert second.scenario_yuan == pytest.approx(700 * 100 * 60_000 / 65_500)
    assert second.changed == "quantity 655→700"
    total = total_of(result)
    assert (total.baseline_yuan, round(total.scenario_yuan)) == (500_000.0, 504_122)
    assert round(total.difference_yuan) == 4_122
    for number in (1, 3, 4):
        assert item(result, number).difference_yuan == 0.0
    assert edited is not items and items.loc[items["item_no"] == 2, "quantity"].iloc[0] == 655  # input untouched


def test_unchanged_items_reprice_to_the_baseline(items: pd.DataFrame) -> None:
    result = bl.reprice(items.copy(), baseline=items)
    assert (result["difference_yuan"] == 0).all()
    assert result["changed"].isna().all()


def test_an_edited_package_ratio_replaces_the_kept_one(items: pd.DataFrame) -> None:
    edited = items.copy()
    edited.loc[edited["item_no"] == 1, "package_ratio"] = 0.9
    assert item(bl.reprice(edited, baseline=items), 1).scenario_yuan == pytest.approx(123 * 1000 * 0.9)


def test_an_edited_amount_is_taken_as_is(items: pd.DataFrame) -> None:
    edited = items.copy()
    edited.loc[edited["item_no"] == 4, "stated_amount_yuan"] = 80_000.0
    result = bl.reprice(edited, baseline=items)
    assert item(result, 4).scenario_yuan == 80_000.0
    assert total_of(result).scenario_yuan == 520_000.0


def test_added_and_removed_items(items: pd.DataFrame) -> None:
    new = items[items["item_no"] == 4].assign(item_no=5, description="5、机房租赁", amount_yuan=30_000.0)
    edited = pd.concat([items[items["item_no"] != 4], new], ignore_index=True)
    result = bl.reprice(edited, baseline=items)
    assert (item(result, 4).scenario_yuan, item(result, 4).changed) == (0.0, "removed")
    assert (item(result, 5).baseline_yuan, item(result, 5).scenario_yuan) == (0.0, 30_000.0)
    assert total_of(result).scenario_yuan == 470_000.0  # 500,000 − 60,000 + 30,000


def test_more_villages_helper_scales_every_item_counting_the_villages(items: pd.DataFrame) -> None:
    result = change_quantity(items, 655, 700)
    assert item(result, 2).changed == item(result, 3).changed == "quantity 655→700"
    # item 3 has no unit price: 280,000 × 700 / 655 = 299,236.64 (427.48 元 a site)
    assert item(result, 3).scenario_yuan == pytest.approx(280_000 * 700 / 655)
    assert round(total_of(result).scenario_yuan) == 523_359  # 500,000 + 4,122.14 + 19,236.64
    only_maintenance = change_quantity(items, 655, 700, items=[2])
    assert round(total_of(only_maintenance).scenario_yuan) == 504_122
    with pytest.raises(ValueError, match="no cost item matches quantity 600"):
        change_quantity(items, 600, 700)


def test_faster_line_at_a_new_price(items: pd.DataFrame) -> None:
    per_site = faster_line(items, mbps=500, unit_price_yuan=600)
    # the broadband item (3) only: 655 sites × 600 元 = 393,000
    assert item(per_site, 3).scenario_yuan == 393_000.0
    assert "bandwidth_mbps 200→500" in item(per_site, 3).changed
    assert total_of(per_site).scenario_yuan == 613_000.0
    factor = faster_line(items, mbps=500, price_factor=1.5)
    assert item(factor, 3).scenario_yuan == 420_000.0
    with pytest.raises(ValueError, match="exactly one"):
        faster_line(items, mbps=500)


def test_new_maintenance_price(items: pd.DataFrame) -> None:
    one = new_unit_price(items, 1200, items=[1])
    # 123 × 1,200 × 0.813 = 120,000 (the package ratio kept)
    assert item(one, 1).scenario_yuan == pytest.approx(120_000.0)
    every = new_unit_price(items, factor=1.1, kind="maintenance")
    # items 1 and 2 have prices: +10% each (10,000 + 6,000); item 4 has none and stays
    assert total_of(every).difference_yuan == pytest.approx(16_000.0)
    assert pd.isna(item(every, 4).changed)
    with pytest.raises(ValueError, match="needs the items"):
        new_unit_price(items, 1200)


def test_sensitivity_is_each_drivers_effect(items: pd.DataFrame) -> None:
    table = bl.sensitivity(items, pct=0.1)
    assert table["swing_yuan"].is_monotonic_decreasing
    top = table.iloc[0]
    # the 655 villages drive items 2 and 3: ±10% of 60,000 + 280,000 = ±34,000
    assert (top.driver, top["items"]) == ("数量 655 个", "2、3")
    assert (top.low_change_yuan, top.high_change_yuan, top.swing_yuan) == pytest.approx((-34_000, 34_000, 68_000))
    drivers = dict(zip(table["driver"], table["high_change_yuan"], strict=True))
    assert drivers["单价 第 1 项 1,000 元/家/年"] == pytest.approx(10_000)
    assert drivers["金额 第 4 项"] == pytest.approx(6_000)
    assert (table["baseline_total_yuan"] == 500_000.0).all()


GROUPED = """# 2023年项目支出绩效目标表

资金单位：元

| | | | |
|---|---|---|---|
| 项目名称 | 物业管理 | 主管部门 | 某局 |
| 年度预算 | 800000 | | |
| 测算依据 | 1.人员经费72万元：（1）保洁员18人×3000元/月×12月=64.8万元；（2）管理人员2人×3000元/月×12月=7.2万元；2.耗材8万元。合计：80万元。 | | |
"""


@pytest.fixture()
def grouped(tmp_path) -> pd.DataFrame:
    path = tmp_path / "grouped.md"
    path.write_text(GROUPED, encoding="utf-8")
    items = bl.read_form(path).cost_items
    assert items["parent_item"].iloc[:3].fillna(0).tolist() == [0, 1, 1]  # （1）（2） are parts of 1.
    return items


def test_a_group_is_the_sum_of_its_parts(grouped: pd.DataFrame) -> None:
    # 64.8 + 7.2 + 8 万元 = 800,000 元: the group 人员经费 (72 万元) is not counted beside its parts
    unchanged = bl.reprice(grouped, baseline=grouped)
    assert unchanged[unchanged["is_total"]]["baseline_yuan"].iloc[0] == 800_000
    edited = grouped.copy()
    edited.loc[edited["item_no"] == 2, "amount_yuan"] = 700_000.0
    result = bl.reprice(edited, baseline=grouped).set_index("item_no", drop=False)
    assert result.loc[1, "scenario_yuan"] == 772_000  # 700,000 + 72,000: the group follows its part
    total = result[result["is_total"]].iloc[0]
    assert (total["baseline_yuan"], total["scenario_yuan"]) == (800_000, 852_000)


def test_sensitivity_counts_a_group_once(grouped: pd.DataFrame) -> None:
    table = bl.sensitivity(grouped)
    assert set(table["baseline_total_yuan"]) == {800_000}
