"""The budget execution's weight when the execution total line carries the form's total score: the line's
分值 100 is the whole form's (W_SCORE_IN_EXECUTION_ROW), so the execution is worth the policy's default."""

from __future__ import annotations

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.scoring.execution import score_form_execution
from tests.conftest import read_example

EZHOU_2021 = "ezhou-2021-civic-center-maintenance-self-evaluation.md"


def test_ezhou_2021_execution_is_worth_the_default_10_points_not_the_rows_100() -> None:
    forms = read_example(EZHOU_2021)
    assert forms.warnings["code"].tolist() == ["W_SCORE_IN_EXECUTION_ROW"]
    result = bl.score(forms)
    (row,) = result.forms.to_dict("records")
    # rate 125.25万 / 150万 = 0.835; 10 × 0.835 = 8.35
    assert row["execution_rate"] == pytest.approx(0.835)
    assert (row["execution_weight"], row["execution_score"]) == (10.0, pytest.approx(8.35))
    # indicators: 20 × 83.5/100 = 16.7, five more at full 10 = 66.7 of 70; with the execution 75.05 of 80
    assert (row["indicator_weight"], row["indicator_score"]) == (70.0, pytest.approx(66.7))
    assert (row["total_weight"], row["total_score"]) == (80.0, pytest.approx(75.05))
    # the row's 得分 98 is the form's total, not the execution's
    assert row["official_total_score"] == 98.0 and pd.isna(row["published_execution_score"])
    execution = result.execution[result.execution["is_total"]].iloc[0]
    assert execution["weight"] == 100.0 and execution["published_score"] == 98.0  # as written
    assert "总额行分值100、得分98为全表总分，预算执行情况按默认分值计分" in result.flags["message"].tolist()


def line(weight: float | None, score: float | None) -> dict:
    return {"form_id": "f#0", "line_no": 1, "fund_line": "年度资金总额", "is_total": True,
            "full_year_budget_yuan": 1_000_000.0, "full_year_budget_as_written": "100", "executed_yuan": 900_000.0,
            "executed_as_written": "90", "weight": weight, "score": score}


@pytest.mark.parametrize(("weight", "score", "official", "section", "expected"), [
    (100.0, 95.0, 95.0, None, (10.0, 9.0, None)),  # the row holds the total: the default 10
    (100.0, 95.0, 95.0, 20.0, (20.0, 18.0, None)),  # ... or the block title's 分值 when it states one
    (10.0, 9.0, 95.0, None, (10.0, 9.0, 9.0)),  # the row's own 分值 10
    (100.0, 90.0, 95.0, None, (100.0, 90.0, 90.0)),  # 得分 is not the form's total: the row's 分值, as before
    (None, None, 95.0, None, (10.0, 9.0, None)),
])
def test_the_execution_weight(weight: float | None, score: float | None, official: float | None,
                              section: float | None, expected: tuple) -> None:
    project = {"official_total_score": official, "execution_section_weight": section}
    result = score_form_execution("f#0", [line(weight, score)], project, bl.ScoringPolicy())
    assert (result.weight, result.score, result.published_score) == pytest.approx(expected)
