"""Earlier budgets stated in the budget-change text (预算变动情况), and a warning when one is named but not read.

The form is the seed declaration (xinzhou 2020) with only its change text rewritten.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import budgetlib as bl
from tests.conftest import EXAMPLES, SEED

SEED_CHANGE = "2019 年 30 万，当年增加 20 万"


def _seed_with_change(tmp_path: Path, change: str) -> bl.Forms:
    text = (EXAMPLES / SEED).read_text(encoding="utf-8")
    assert SEED_CHANGE in text
    path = tmp_path / "form.md"
    path.write_text(text.replace(SEED_CHANGE, change), encoding="utf-8")
    return bl.read_form(path)


@pytest.mark.parametrize("change", [
    "2018年、2019年分别为20万元、30万元，当年增加20万元",
    "2019年：叁拾万元，当年增加贰拾万元",
    "上年为三十万元",
])
def test_an_earlier_budget_named_but_not_read_is_warned(tmp_path: Path, change: str) -> None:
    forms = _seed_with_change(tmp_path, change)
    assert (forms.budget_history["basis"] == "stated_in_text").sum() == 0
    (warning,) = forms.warnings[forms.warnings["code"] == "W_HISTORY_NOT_READ"].itertuples()
    assert warning.location == "projects.budget_change_text" and change[:10] in warning.message


@pytest.mark.parametrize(("change", "rows"), [
    (SEED_CHANGE, [[2019, 300_000.0]]),
    ("2019年度预算数为30万元，当年增加20万元", [[2019, 300_000.0]]),
    ("上年预算数为30万元", [[2019, 300_000.0]]),
    ("2018年25万元，2019年30万元", [[2018, 250_000.0], [2019, 300_000.0]]),
])
def test_earlier_budgets_read_from_the_text(tmp_path: Path, change: str, rows: list[list[float]]) -> None:
    forms = _seed_with_change(tmp_path, change)
    stated = forms.budget_history[forms.budget_history["basis"] == "stated_in_text"]
    assert sorted(stated[["fiscal_year", "amount_yuan"]].values.tolist()) == rows
    assert "W_HISTORY_NOT_READ" not in set(forms.warnings["code"])


@pytest.mark.parametrize("change", ["新增专线，当年增加20万元", "2020年因新增专线增加20万元", "无变动"])
def test_no_warning_when_no_earlier_budget_is_named(tmp_path: Path, change: str) -> None:
    forms = _seed_with_change(tmp_path, change)
    assert "W_HISTORY_NOT_READ" not in set(forms.warnings["code"])
