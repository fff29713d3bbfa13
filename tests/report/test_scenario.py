"""The scenario explorer: widgets built from the seed's cost basis, wired to bl.reprice and bl.sensitivity."""

from __future__ import annotations

import pandas as pd
import pytest

from budgetlib.report import scenario, scenario_widgets
from tests.conftest import SEED, ZHONGJIANG, read_example


@pytest.fixture(scope="module")
def seed_items():
    return read_example(SEED).cost_items


def test_one_input_per_quantity_and_price_and_the_amount_where_neither_is_stated(seed_items) -> None:
    explorer = scenario_widgets(seed_items)
    assert sorted(explorer.inputs) == [
        (0, "quantity"), (0, "unit_price_yuan"),  # 123 家 × 1000 元
        (1, "quantity"), (1, "unit_price_yuan"),  # 655 个 × 100 元
        (2, "quantity"),                          # 655 个 broadband lines: no unit price stated
        (3, "amount_yuan"),                       # 在线督查 6万元/年: only an amount
    ]
    assert type(explorer.inputs[(1, "quantity")]).__name__ == "IntText"
    assert type(explorer.inputs[(1, "unit_price_yuan")]).__name__ == "FloatText"
    assert explorer.inputs[(1, "quantity")].value == 655


def test_the_default_values_give_the_baseline_and_an_edit_reprices_live(seed_items) -> None:
    explorer = scenario_widgets(seed_items)
    assert explorer.result().iloc[-1][["baseline_yuan", "scenario_yuan"]].tolist() == [500_000.0, 500_000.0]
    explorer.inputs[(1, "quantity")].value = 700
    total = explorer.result().iloc[-1]
    # item 2 only: 60,000 × 700 / 655 = 64,122.14 (package ratio kept); the total 504,122.14
    assert total["scenario_yuan"] == pytest.approx(500_000 + 60_000 * 45 / 655)
    assert total["changed"] == "#2: quantity 655→700"


def test_each_input_has_a_slider_that_moves_with_it(seed_items) -> None:
    explorer = scenario_widgets(seed_items)
    box = explorer.inputs[(1, "quantity")]
    (pair,) = [child for row in explorer.box.children[:-1] for child in row.children[1].children if box in child.children]
    slider = pair.children[1]
    assert type(slider).__name__ == "IntSlider" and (slider.min, slider.max, slider.value) == (0, 1965, 655)
    slider.value = 700  # the slider sets the box, and the totals follow the box
    assert box.value == 700 and explorer.result().iloc[-1]["scenario_yuan"] == pytest.approx(500_000 + 60_000 * 45 / 655)
    box.value = 5000  # past the slider's end: the end moves
    assert (slider.max, slider.value) == (10_000, 5000)
    price = explorer.inputs[(1, "unit_price_yuan")]
    (price_pair,) = [child for row in explorer.box.children[:-1] for child in row.children[1].children
                     if price in child.children]
    assert type(price_pair.children[1]).__name__ == "FloatSlider" and price_pair.children[1].max == 300.0


def test_what_a_scenario_changed_reads_in_chinese(seed_items) -> None:
    from budgetlib.report.present import present

    explorer = scenario_widgets(seed_items)
    explorer.inputs[(1, "quantity")].value = 700
    shown = present(scenario.scenario_table(explorer.result()))
    assert "第 2 项：数量 655→700" in shown.iloc[:, -1].tolist()


def test_the_tornado_starts_from_the_scenario_total(seed_items) -> None:
    explorer = scenario_widgets(seed_items)
    explorer.inputs[(3, "amount_yuan")].value = 70_000.0  # 在线督查 6万 → 7万
    moved = scenario.with_scenario_amounts(explorer.edited(), explorer.result())
    assert moved["amount_yuan"].sum() == 510_000.0
    assert scenario.tornado_chart(moved) is not None


def test_scenario_table_lists_items_then_the_total(seed_items) -> None:
    from budgetlib.analysis.scenarios import change_quantity

    table = scenario.scenario_table(change_quantity(seed_items, 655, 700))
    assert table["description"].iloc[-1] == "合计"
    assert table["scenario_yuan"].iloc[-1] == pytest.approx(523_358.78, abs=0.01)  # items 2 and 3 scaled 700/655


def test_a_form_without_a_cost_basis_has_no_tornado() -> None:
    assert scenario.tornado_chart(read_example(ZHONGJIANG).cost_items) is None


# -- the preset scenarios come from the form's own items ------------------------------------------------


def test_the_presets_move_the_seeds_own_driver_and_prices(seed_items) -> None:
    volume, prices = scenario.presets(seed_items, change=0.1)
    assert "655 个" in volume.what and "721 个" in volume.what and "第 2、3 项" in volume.what
    total = volume.result.iloc[-1]
    # items 2 and 3 count the 655 villages: 60,000 and 280,000 元 scaled by 721/655
    assert total["scenario_yuan"] == pytest.approx(100_000 + 60_000 * 721 / 655 + 280_000 * 721 / 655 + 60_000)
    assert total["scenario_yuan"] == pytest.approx(534_259.54, abs=0.01)
    assert "第 1、2 项" in prices.what  # the items with a unit price (1,000 元/家/年 and 100 元/家/年)
    assert prices.result.iloc[-1]["scenario_yuan"] == pytest.approx(110_000 + 66_000 + 280_000 + 60_000)


def test_another_forms_presets_follow_its_own_items() -> None:
    """A form whose one quantity is 12 months at 5,000 元 and another 3 人 with no price: the volume
    driver is the item with the largest amount among equally counted ones, prices only where stated."""
    items = pd.DataFrame({
        "form_id": ["f#0"] * 3, "item_no": [1, 2, 3], "description": ["租金", "人员", "其他"],
        "quantity": [12.0, 3.0, None], "quantity_unit": ["月", "人", None],
        "unit_price_yuan": [5000.0, None, None], "price_basis": ["元/月", None, None],
        "amount_yuan": [60_000.0, 90_000.0, 10_000.0], "is_total": [False] * 3,
        "stated_amount_yuan": [60_000.0, 90_000.0, 10_000.0], "list_amount_yuan": [60_000.0, None, None],
        "package_ratio": [1.0, None, None], "implied_unit_cost_yuan": [None, 30_000.0, None],
        "bandwidth_mbps": [None] * 3, "kind": [None] * 3,
    })
    volume, prices = scenario.presets(items, change=1.0)
    assert "3 人" in volume.what and "6 人" in volume.what and "第 2 项" in volume.what  # 90,000 元 beats 60,000
    assert volume.result.iloc[-1]["scenario_yuan"] == pytest.approx(60_000 + 2 * 90_000 + 10_000)
    assert "第 1 项" in prices.what  # the only stated price: 12 月 × 10,000 元
    assert prices.result.iloc[-1]["scenario_yuan"] == pytest.approx(120_000 + 90_000 + 10_000)


def test_a_form_without_quantities_or_prices_gets_the_reason_not_an_error() -> None:
    items = read_example("ezhou-2022-office-building-operations-target.md").cost_items
    volume, prices = scenario.presets(items)
    assert volume.result is None and "未列数量" in volume.why_not
    assert prices.result is None and "未列单价" in prices.why_not
