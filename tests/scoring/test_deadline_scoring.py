"""Attainment of a deadline: met when the actual date is on or before it, words otherwise.

With "12月底前" read as the quantity 12 (unit 月底前), an actual "11月底前完成" scored 10 × 11/12 = 9.17 of
10 points for finishing a month early. A deadline is a period now.
"""

from __future__ import annotations

import pytest

import budgetlib as bl
from tests.scoring.helpers import one, read_md, self_evaluation_md


@pytest.mark.parametrize(("target", "actual", "score", "said"), [
    ("12月底前", "11月底前完成", 10.0, "实际完成时间2023-11不晚于期限2023-12"),  # was 9.17
    ("12月底前", "2023年11月20日", 10.0, "不晚于期限2023-12"),
    ("12月底前", "2023年12月31日", 10.0, "不晚于期限2023-12"),   # the deadline month itself
    ("12月底前", "2024年1月10日", 0.0, "晚于期限2023-12"),
    ("6月30日前完成", "6月28日完成", 10.0, "不晚于期限2023-06-30"),
    ("6月30日前完成", "2023年7月2日", 0.0, "晚于期限2023-06-30"),
    ("第三季度末前", "2023年9月", 10.0, "不晚于期限2023-09"),
    ("年底前", "2023-12-20", 10.0, "不晚于期限2023-12"),
    ("次年3月底前", "2024年3月15日", 10.0, "不晚于期限2024-03"),
    ("12月底前", "按期完成", 10.0, "按期完成"),                   # no date: read as words
    ("12月底前", "未按期完成", 0.0, "未按期完成"),
])
def test_deadlines_are_met_on_or_before_their_end(tmp_path, target, actual, score, said) -> None:
    scored = one(tmp_path, ("产出指标", "时效指标", "完成时限", target, actual, "10", ""))
    assert scored["direction"] == "period"
    assert scored["computed_score"] == pytest.approx(score)
    assert said in scored["note"]


def test_the_note_says_the_year_came_from_the_fiscal_year(tmp_path) -> None:
    scored = one(tmp_path, ("产出指标", "时效指标", "完成时限", "12月底前", "11月20日完成", "10", ""))
    assert "指标值未写年份，按表单年度计为2023年" in scored["note"]
    assert "实际值未写年份，按期限年份2023计" in scored["note"]
    stated = one(tmp_path, ("产出指标", "时效指标", "完成时限", "2023年12月底前", "2023年11月", "10", ""))
    assert "未写年份" not in stated["note"]


def test_a_deadline_that_does_not_exist_is_judged_by_words_only(tmp_path) -> None:
    forms = read_md(tmp_path, self_evaluation_md([
        ("产出指标", "时效指标", "开工时间", "2023年2月30日前", "2023年2月28日", "10", ""),
        ("产出指标", "时效指标", "验收时间", "2023年2月30日前", "按期完成", "10", ""),
    ]))
    scored = bl.score(forms).indicators
    assert scored["status"].tolist() == ["not_scored", "scored"]  # no end to compare a date with
    assert scored["computed_score"].tolist()[1] == 10
