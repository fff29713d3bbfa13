"""Year over year by economic class (类): each expenditure line in its class by its code, else its name;
what neither places is one row of its own, so the classes add up to every line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib import schema
from budgetlib.analysis.yoy import UNCLASSED, economic_class
from budgetlib.forms import Forms

DATA = Path(__file__).resolve().parents[2] / "data" / "raw"


@pytest.mark.parametrize(("code", "category", "expected"), [
    ("30213", None, "302 商品和服务支出"),
    ("３０２１３", "维修(护)费", "302 商品和服务支出"),      # full-width digits
    (" 30207 ", None, "302 商品和服务支出"),
    ("302", None, "302 商品和服务支出"),                   # the class itself
    ("31002", "办公设备购置", "310 资本性支出"),
    ("30308", None, "303 对个人和家庭的补助"),
    ("50201", "办公经费", "502 机关商品和服务支出"),         # the government classification
    ("2080501", "培训费", "302 商品和服务支出"),            # a functional code (208): the name decides
    (None, "维修（护）费", "302 商品和服务支出"),
    (None, "维修 (护) 费", "302 商品和服务支出"),
    (None, "维护费", "302 商品和服务支出"),
    (None, "因公出国（境）费用", "302 商品和服务支出"),
    (None, "基本工资", "301 工资福利支出"),
    (None, "信息网络及软件购置更新", "310 资本性支出"),
    (None, "保安服务费", UNCLASSED),                        # a line of a cost table, no item of the classification
    (None, "人员经费", UNCLASSED),
    ("99999", None, UNCLASSED),
    (None, None, UNCLASSED),
])
def test_a_line_is_put_in_its_class_by_code_else_by_name(code: str | None, category: str | None, expected: str) -> None:
    assert economic_class(code, category) == expected


def _forms(lines: list[tuple[str, int, str | None, str, int, float]]) -> Forms:
    """Declarations (form, fiscal year) with expenditure lines (code, category, column year, 元)."""
    form_years = {form: year for form, year, *_ in lines}
    projects = [{"form_id": form, "source_file": form.split("#")[0], "form_type": "declaration", "fiscal_year": year,
                 "project_name": f"项目{form[0]}", "department": "区局", "current_year_budget_yuan": 1.0,
                 "budget_as_written": "1"} for form, year in form_years.items()]
    rows = [{"form_id": form, "line_no": i, "economic_code": code, "economic_category": category,
             "fiscal_year": column_year, "amount_yuan": amount}
            for i, (form, _, code, category, column_year, amount) in enumerate(lines)]
    return Forms({"projects": schema.frame("projects", projects), "expenditures": schema.frame("expenditures", rows),
                  "budget_execution": schema.frame("budget_execution", [])})


def test_yoy_by_class_adds_the_items_of_a_class_and_keeps_the_unclassed_apart() -> None:
    """Project a (2022, with its 2021 column) and project b (2022, no earlier figure)."""
    forms = _forms([
        ("a.md#0", 2022, None, "维修(护)费", 2022, 300_000.0), ("a.md#0", 2022, None, "维修(护)费", 2021, 200_000.0),
        ("a.md#0", 2022, "30207", "邮电费", 2022, 50_000.0), ("a.md#0", 2022, "30207", "邮电费", 2021, 50_000.0),
        ("a.md#0", 2022, None, "办公设备购置", 2022, 80_000.0), ("a.md#0", 2022, None, "办公设备购置", 2021, 0.0),
        ("a.md#0", 2022, None, "保安服务费", 2022, 10_000.0), ("a.md#0", 2022, None, "保安服务费", 2021, 10_000.0),
        ("b.md#0", 2022, None, "培训费", 2022, 40_000.0),
    ])
    table = bl.yoy(forms, by="economic_class").set_index("economic_class")
    assert table.index.tolist() == ["302 商品和服务支出", "310 资本性支出", UNCLASSED]
    assert table["current_yuan"].tolist() == [390_000.0, 80_000.0, 10_000.0]  # 300k + 50k + 40k; 80k; 10k
    # b has no prior figure: the prior of the class it is in is unknown, as by category
    assert pd.isna(table.loc["302 商品和服务支出", "prior_yuan"])
    assert table.loc["310 资本性支出", ["prior_yuan", "change_yuan"]].tolist() == [0.0, 80_000.0]
    assert table.loc[UNCLASSED, "change_yuan"] == 0.0
    assert table["n_projects"].tolist() == [2, 1, 1]
    by_category = bl.yoy(forms, by="economic_category")
    assert table["current_yuan"].sum() == by_category["current_yuan"].sum() == 480_000.0


def test_the_classes_of_the_shipped_data_add_up_to_its_categories() -> None:
    """Every line of the shipped declarations is a 302 item: 2020 is 145,180 + 21,000 + 50,000 + 592,420 +
    494,000 + 866,000 + 80,160 = 2,248,760 元 in 302, the sum of the categories."""
    forms = bl.read_forms([DATA])
    classes = bl.yoy(forms, by="economic_class")
    categories = bl.yoy(forms, by="economic_category")
    assert set(classes["economic_class"]) == {"302 商品和服务支出"}
    assert classes.loc[classes["fiscal_year"] == 2020, "current_yuan"].tolist() == [2_248_760.0]
    by_year = categories.groupby("fiscal_year")[["prior_yuan", "current_yuan"]].sum()
    assert classes.set_index("fiscal_year")[["prior_yuan", "current_yuan"]].equals(by_year)


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="economic_class"):
        bl.yoy(Forms({}), by="economic_kind")  # type: ignore[arg-type]
