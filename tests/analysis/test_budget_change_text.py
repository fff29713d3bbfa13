"""The budget-change text (预算变动情况): which change is this year's, and the prior year's budget it states.

The forms are the seed declaration (xinzhou 2020, budget 500,000 元) made clean of its other findings, with
only the change text rewritten, as districts write it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetlib.analysis.review import current_year_change
from tests.analysis.test_review import CLEAN_CHANGE, clean_seed, found


@pytest.mark.parametrize(("text", "change"), [
    ("2019年30万，当年增加20万", "增加20万"),
    ("上年预算30万元，本年增加20万元", "增加20万元"),
    ("增加20万元", "增加20万元"),
    # a supplement within the prior year is that year's, not this year's change
    ("2019年预算30万元，其中年中追加5万元；2020年因新增专线增加20万元", "增加20万元"),
    ("2019年预算30万元，其中年中追加5万元", None),
    # two changes for this year: which one leads to the budget is not the reader's to guess
    ("2019年30万，当年增加20万，另追加5万", None),
])
def test_current_year_change(text: str, change: str | None) -> None:
    match = current_year_change(text, 2020)
    assert (match.group(0) if match else None) == change


def test_a_prior_year_supplement_is_not_this_years_change(tmp_path: Path) -> None:
    # 300,000 + 200,000 = 500,000, the budget: no C12, although the 2019 sentence also 追加 5 万
    forms = clean_seed(tmp_path, (CLEAN_CHANGE, "2019年预算30万元，其中年中追加5万元；2020年因新增655个村接入增加20万元"))
    assert found(forms, "C12").empty
    wrong = clean_seed(tmp_path, (CLEAN_CHANGE, "2019年预算30万元，其中年中追加5万元；2020年因新增655个村接入增加30万元"))
    (message,) = found(wrong, "C12")["message"]
    assert message == "预算变动情况写明 2019 年 300,000 元、当年增加 300,000 元（即 600,000 元），与当年预算 500,000 元不符"


@pytest.mark.parametrize("stated", ["2019年度预算数为30万元", "2019年预算数30万元", "上年预算数为30万元"])
def test_a_prior_year_budget_stated_as_预算数(tmp_path: Path, stated: str) -> None:
    forms = clean_seed(tmp_path, (CLEAN_CHANGE, f"{stated}，当年增加20万元，主要因新增655个村接入"))
    rows = forms.budget_history[forms.budget_history["basis"] == "stated_in_text"]
    assert rows[["fiscal_year", "amount_yuan"]].values.tolist() == [[2019, 300_000.0]]
    assert found(forms, "C12").empty  # 300,000 + 200,000 = 500,000
