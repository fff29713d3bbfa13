"""The cost basis (测算依据): families of wording the first reader got wrong.

Quantities that look like years (2000 份), a head count times a price per month times a duration
(2人×3000元/月×12月), a price written before its quantity (1200元×50个) and Chinese-numeral counts after
a noun (交换机十台); with the review checks that use them (C9, C15). Every figure is worked by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.transform.costbasis import parse_cost_item, quantities_in

FORM = """# 2023年部门项目申报及绩效目标表

单位：万元

| | |
|---|---|
| 项目名称 | 农户服务 |
| 主管部门 | 某镇农业办 |
| 项目当年预算 | {budget} |
| 主要内容 | {content} |
| 测算依据及说明 | {basis} |

| 一级指标 | 二级指标 | 指标内容 | 指标值 |
|---|---|---|---|
| 产出指标 | 数量指标 | {indicator} | {target} |
| 效益指标 | 社会效益指标 | 知晓率 | ≥90% |
| 满意度指标 | 服务对象满意度指标 | 群众满意度 | ≥90% |
"""


def read(
    tmp_path: Path,
    *,
    basis: str,
    budget: str = "3",
    content: str = "印制宣传资料",
    indicator: str = "印制数量",
    target: str = "≥1000份",
) -> bl.Forms:
    path = tmp_path / "form.md"
    text = FORM.format(budget=budget, content=content, basis=basis, indicator=indicator, target=target)
    path.write_text(text, encoding="utf-8")
    forms = bl.read_form(path)
    assert forms.errors.empty, forms.errors
    return forms


def messages(forms: bl.Forms, check_id: str) -> list[str]:
    findings = forms.findings
    return list(findings.loc[findings["check_id"] == check_id, "message"])


# -- 1. a number from 1900 to 2099 with a counting unit is a quantity, not a year ----------------------


def test_2000_copies_are_a_quantity() -> None:
    item = parse_cost_item("印制宣传资料2000份，每份15元，计3万元")
    assert (item.quantity, item.quantity_unit) == (2000.0, "份")
    assert (item.unit_price_yuan, item.price_basis) == (15.0, "元/份")
    assert item.list_amount_yuan == 30_000.0  # 2,000 × 15
    assert item.stated_amount_yuan == 30_000.0  # 3 万元
    assert item.package_ratio == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("为全镇2000户农户提供服务", [(2000.0, "户")]),
        ("培训基层干部1950人次", [(1950.0, "人次")]),
        ("采购终端2099台", [(2099.0, "台")]),
        ("覆盖2020余户", [(2020.0, "户")]),
        # years still are none: followed by 年 / 年度, or inside a date
        ("2020年新增30个站点", [(30.0, "个")]),
        ("2019年度购置5台", [(5.0, "台")]),
        ("2020年10个站点建成", [(10.0, "个")]),
        ("于2021-03-15前完成10份", [(10.0, "份")]),
        ("2020.10份", []),
    ],
)
def test_four_digit_quantities_and_years(text: str, expected: list[tuple[float, str]]) -> None:
    assert [(q.value, q.unit) for q in quantities_in(text)] == expected


def test_c15_finds_2000_households_in_the_main_content(tmp_path: Path) -> None:
    content = "为全镇2000户农户提供服务"
    basis = "印制宣传资料2000份，每份15元，计3万元"
    unmatched = read(tmp_path, basis=basis, content=content)
    assert messages(unmatched, "C15") == ["项目主要内容中的「2000户」没有对应的绩效指标"]
    matched = read(tmp_path, basis=basis, content=content, indicator="服务农户数", target="≥2000户")
    assert messages(matched, "C15") == []
    assert messages(matched, "C9") == ["测算依据第 1 项：2,000 份 × 15 元/份 = 30,000 元，写明 30,000 元，折扣比 1.000"]


# -- 2. head count × price per time × duration: every factor is multiplied ----------------------------


@pytest.mark.parametrize(
    ("text", "quantity", "basis", "duration", "list_amount"),
    [
        ("聘用运维人员2人×3000元/月×12月，计7.2万元", (2.0, "人"), "元/人/月", (12.0, "月"), 72_000.0),  # 2×3000×12
        ("聘用3人*4000元/月*12个月", (3.0, "人"), "元/人/月", (12.0, "月"), 144_000.0),  # 3×4000×12
        ("培训100人×2天×400元/人天", (100.0, "人"), "元/人/天", (2.0, "天"), 80_000.0),  # 100×2×400
        ("培训100人×2天×400元/人·天", (100.0, "人"), "元/人/天", (2.0, "天"), 80_000.0),
        ("培训20名×3天×300元/人天=1.8万元", (20.0, "名"), "元/人/天", (3.0, "天"), 18_000.0),  # 名 counts 人
        ("驻场5人×3月×6000元/人·月", (5.0, "人"), "元/人/月", (3.0, "月"), 90_000.0),  # 5×3×6000
        ("保安每人每月3000元×2人×12月", (2.0, "人"), "元/人/月", (12.0, "月"), 72_000.0),
        ("保安2人×3000元×12月", (2.0, "人"), "元/人/月", (12.0, "月"), 72_000.0),  # a bare price takes both
        ("值守3000元/天×20天", (None, None), "元/天", (20.0, "天"), 60_000.0),
    ],
)
def test_every_factor_of_a_product_is_multiplied(
    text: str, quantity: tuple[float | None, str | None], basis: str, duration: tuple[float, str], list_amount: float
) -> None:
    item = parse_cost_item(text)
    assert (item.quantity, item.quantity_unit) == quantity
    assert item.price_basis == basis
    assert (item.duration, item.duration_unit) == duration
    assert item.list_amount_yuan == list_amount
    assert item.amount_yuan == list_amount


@pytest.mark.parametrize(
    "text",
    [
        "聘用2人×300元/天×12月，计7.2万元",  # a price per day over months
        "租用2人×3000元/台/月×12月，计7.2万元",  # a price per 台 of people
        "巡检10台×2次×500元/台，计1万元",  # two quantities: the item holds one
    ],
)
def test_a_product_whose_factors_do_not_fit_has_no_list_amount(text: str) -> None:
    item = parse_cost_item(text)
    assert item.unit_price_yuan is not None  # the price is kept as written
    assert item.list_amount_yuan is None and item.package_ratio is None  # never a subset multiplied
    assert item.amount_yuan == item.stated_amount_yuan  # the stated amount counts


def test_c9_on_a_head_count_times_a_monthly_price(tmp_path: Path) -> None:
    forms = read(tmp_path, basis="聘用运维人员2人×3000元/月×12月，计7.2万元", budget="7.2")
    assert messages(forms, "C9") == [
        "测算依据第 1 项：2 人 × 3,000 元/人/月 × 12 月 = 72,000 元，写明 72,000 元，折扣比 1.000"
    ]
    assert set(forms.findings.loc[forms.findings["check_id"] == "C9", "severity"]) == {"info"}


def test_c9_says_when_the_factors_cannot_be_multiplied(tmp_path: Path) -> None:
    forms = read(tmp_path, basis="聘用运维人员2人×300元/天×12月，计7.2万元", budget="7.2")
    assert messages(forms, "C9") == [
        "测算依据第 1 项：单价 300 元/天 与所写数量、时长（2 人、12 月）无法相乘，写明的 72,000 元未能核对"
    ]


def test_c9_formula_names_only_the_factors_multiplied(tmp_path: Path) -> None:
    # not a product: 每月 3000 元 beside 2 人 may be the month's bill, so only 3,000 × 12 is the list amount
    forms = read(tmp_path, basis="聘用运维人员2人，每月3000元，服务12个月，计7.2万元", budget="7.2")
    item = forms.cost_items.iloc[0]
    assert (item.price_basis, item.list_amount_yuan) == ("元/月", 36_000.0)
    assert messages(forms, "C9") == [
        "测算依据第 1 项：3,000 元/月 × 12 月 = 36,000 元，写明 72,000 元，折扣比 2.000，超出常见范围 0.5–1"
    ]


# -- 3. price × quantity in either order; Chinese-numeral counts wherever they stand -----------------


@pytest.mark.parametrize("text", ["维修费1200元×50个=6万元", "维修费50个×1200元=6万元", "维修费1200元/个×50个=6万元"])
def test_price_and_quantity_in_either_order(text: str) -> None:
    item = parse_cost_item(text)
    assert (item.quantity, item.quantity_unit) == (50.0, "个")
    assert (item.unit_price_yuan, item.price_basis) == (1200.0, "元/个")
    assert item.list_amount_yuan == 60_000.0  # 50 × 1,200
    assert item.stated_amount_yuan == 60_000.0
    assert item.package_ratio == 1.0


def test_a_price_times_a_quantity_is_not_its_own_stated_amount() -> None:
    item = parse_cost_item("电脑5台×6000元")
    assert (item.list_amount_yuan, item.stated_amount_yuan, item.amount_yuan) == (30_000.0, None, 30_000.0)


def test_a_chinese_count_after_its_noun() -> None:
    item = parse_cost_item("购置交换机十台，每台5000元，计5万元")
    assert (item.quantity, item.quantity_unit) == (10.0, "台")
    assert item.list_amount_yuan == 50_000.0  # 10 × 5,000
    assert item.package_ratio == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("购置交换机十台", [(10.0, "台")]),
        ("服务器两台", [(2.0, "台")]),
        ("覆盖二十五个村", [(25.0, "个")]),
        ("更换路灯一百零五盏", [(105.0, "盏")]),
        ("交换机一台，每台5000元", [(1.0, "台")]),  # a lone 一 where its phrase ends
        ("购置一台服务器", [(1.0, "台")]),  # … or after a verb
    ],
)
def test_chinese_numeral_counts(text: str, expected: list[tuple[float, str]]) -> None:
    assert [(q.value, q.unit) for q in quantities_in(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "十分重要",
        "一般维护",
        "一次性采购",
        "提供一站式服务",
        "统一张网",
        "统一处理",
        "第二批设备",
        "每一台均需维护",
        "千家万户",
        "实行一户一档",
        "唯一一个平台",
    ],
)
def test_words_with_numerals_are_not_counts(text: str) -> None:
    assert quantities_in(text) == []


def test_the_reproducer_forms_read_as_a_person_reads_them(tmp_path: Path) -> None:
    forms = read(tmp_path, basis="1、维修费1200元×50个=6万元；<br>2、购置交换机十台，每台5000元，计5万元", budget="11")
    items = forms.cost_items
    assert list(items["list_amount_yuan"]) == [60_000.0, 50_000.0]
    assert list(items["package_ratio"]) == [1.0, 1.0]
    assert pd.Series(items["amount_yuan"]).sum() == 110_000.0  # = 项目当年预算 11 万元
    assert messages(forms, "C8") == []
