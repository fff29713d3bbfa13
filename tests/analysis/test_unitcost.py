"""Unit costs across forms: the seed's items in four years, one priced far above the others."""

from __future__ import annotations

from pathlib import Path

import pytest

import budgetlib as bl
from tests.conftest import EXAMPLES, SEED, read_example

SEED_TEXT = (EXAMPLES / SEED).read_text(encoding="utf-8")


def seed_in(year: int, package_wan: str) -> str:
    """The seed for another year, its first item's package price (打包价约 10 万元) changed."""
    text = SEED_TEXT.replace("# 2020 年部门项目申报及绩效目标表", f"# {year} 年部门项目申报及绩效目标表")
    return text.replace("打包价约 10 万元", f"打包价约 {package_wan} 万元")


def read(tmp_path: Path, texts: dict[str, str]) -> bl.Forms:
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return bl.read_forms([tmp_path])


def test_seed_unit_costs() -> None:
    table = bl.unit_costs(read_example(SEED))
    # items 1–3 have a quantity; item 4 (6 万元/年) has none
    assert sorted(table["item_no"]) == [1, 2, 3]
    costs = dict(zip(table["item_no"], table["unit_cost_yuan"].round(1), strict=True))
    assert costs == {1: 813.0, 2: 91.6, 3: 427.5}  # 100,000/123, 60,000/655, 280,000/655
    bases = dict(zip(table["item_no"], table["unit_basis"], strict=True))
    assert bases == {1: "元/家", 2: "元/个", 3: "元/个"}
    assert table["is_outlier"].isna().all()  # one form: groups too small to judge
    assert set(table["group_size"]) == {1}


def test_an_outlying_package_price_is_marked(tmp_path: Path) -> None:
    forms = read(tmp_path, {
        "a.md": seed_in(2020, "10"), "b.md": seed_in(2021, "11"), "c.md": seed_in(2022, "9.5"),
        "d.md": seed_in(2023, "30"),
    })
    table = bl.unit_costs(forms)
    per_unit = table[(table["kind"] == "maintenance") & (table["quantity_unit"] == "家")].set_index("fiscal_year")
    # 95,000/123 = 772.4, 100,000/123 = 813.0, 110,000/123 = 894.3, 300,000/123 = 2,439.0
    assert list(per_unit.sort_index()["unit_cost_yuan"].round(1)) == [813.0, 894.3, 772.4, 2439.0]
    assert list(per_unit["unit_cost_yuan"].round(1)) == [772.4, 813.0, 894.3, 2439.0]  # sorted within the group
    assert per_unit.loc[2023, "is_outlier"] == True  # noqa: E712 (a nullable boolean)
    assert not per_unit.drop(index=2023)["is_outlier"].any()
    median = (813.008 + 894.309) / 2
    assert per_unit.loc[2023, "group_median_yuan"] == pytest.approx(median, rel=1e-4)
    assert per_unit.loc[2023, "ratio_to_median"] == pytest.approx(2439.024 / median, rel=1e-4)
    # the per-village items (maintenance 91.6, broadband 427.5) cost the same in every form: nothing to mark
    villages = table[table["quantity_unit"] == "个"]
    assert len(villages) == 8 and not villages["is_outlier"].any()


def test_a_modest_difference_is_not_an_outlier(tmp_path: Path) -> None:
    forms = read(tmp_path, {"a.md": seed_in(2020, "10"), "b.md": seed_in(2021, "10"), "c.md": seed_in(2022, "15")})
    table = bl.unit_costs(forms)
    per_unit = table[table["quantity_unit"] == "家"]
    # 150,000/123 = 1,219.5 is 1.5× the median of 813.0: unusual for the group, but within the factor 2
    assert not per_unit["is_outlier"].any()
    strict = bl.unit_costs(forms, factor=1.4)
    assert strict[strict["quantity_unit"] == "家"]["is_outlier"].sum() == 1


def test_without_cost_items_the_table_is_empty(all_examples: bl.Forms) -> None:
    others = all_examples.form("qingshan-2020-education-infrastructure-target.md#0")
    assert bl.unit_costs(others).empty
    assert sorted(bl.unit_costs(all_examples)["form_id"]) == [f"{SEED}#0"] * 3  # only the seed has items
