"""Targets that are deadlines ("12月底前", "6月30日前完成"): periods with an end, never a quantity.

"12月底前" used to be the quantity 12 in the unit "月底前", so that finishing a month early scored 11/12 of
the points; "2023年2月30日前" was accepted as a date. A deadline is a period now, a year it leaves out is
the form's fiscal year (and the target says so), and a date that does not exist is a warning, not an end.
"""

from __future__ import annotations

import pytest

from budgetlib.transform.targets import PERIOD, QUALITATIVE, complete_deadlines, parse_target, with_year
from tests.scoring.helpers import read_md, self_evaluation_md


@pytest.mark.parametrize(("text", "end", "offset"), [
    ("12月底前", "--12", 0),
    ("12月底", "--12", 0),
    ("十二月底前", "--12", 0),
    ("11月末前完成", "--11", 0),
    ("6月30日前完成", "--06-30", 0),
    ("6月30日前", "--06-30", 0),
    ("12月31日之前", "--12-31", 0),
    ("10月15号以前", "--10-15", 0),
    ("年底前", "--12", 0),
    ("年底前完成", "--12", 0),
    ("年内完成", "--12", 0),
    ("第三季度末前", "--09", 0),
    ("三季度末", "--09", 0),
    ("第1季度末前", "--03", 0),
    ("上半年完成", "--06", 0),
    ("下半年", "--12", 0),
    ("次年3月底前", "--03", 1),
    ("当年12月底前完成", "--12", 0),
])
def test_deadlines_without_a_year_are_periods_ending_in_a_month_or_day(text: str, end: str, offset: int) -> None:
    target = parse_target(text)
    assert (target.kind, target.value, target.unit, target.period_end) == (PERIOD, None, None, end)
    assert target.year_offset == offset and target.problem is None


@pytest.mark.parametrize(("text", "end"), [
    ("2023年12月底前", "2023-12"),          # as before
    ("2023年6月30日前完成", "2023-06-30"),
    ("2024年2月29日前", "2024-02-29"),      # a leap year
])
def test_deadlines_with_their_year(text: str, end: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.period_end, target.year_offset, target.problem) == (PERIOD, end, None, None)


@pytest.mark.parametrize(("text", "problem"), [
    ("2023年2月30日前", "2023-02-30 does not exist"),
    ("2023年2月29日前", "2023-02-29 does not exist"),
    ("2月30日前", "02-30 does not exist"),
    ("13月底前", "month 13 does not exist"),
    ("2023年4月31日", "2023-04-31 does not exist"),
])
def test_a_date_that_does_not_exist_is_a_deadline_with_no_end_and_a_problem(text: str, problem: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.period_end, target.problem) == (PERIOD, None, problem)


def test_a_range_with_a_date_that_does_not_exist_stays_words_and_says_why() -> None:
    target = parse_target("2023.07至2024.13")
    assert (target.kind, target.problem) == (QUALITATIVE, "month 13 does not exist")


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("12个月", 12.0, "个月"),   # a duration, no deadline
    ("12月", 12.0, "月"),       # a month alone may count months: not read as a deadline
    ("3天内", 3.0, "天"),
    ("30日内", 30.0, "日"),     # within 30 days
])
def test_durations_stay_quantities(text: str, value: float, unit: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.value, target.unit) == ("quantitative", value, unit)


def test_with_year_checks_the_date_in_that_year() -> None:
    assert with_year("--06-30", 2023) == "2023-06-30"
    assert with_year("--12", 2022) == "2022-12"
    assert with_year("--02-29", 2023) is None


def test_complete_deadlines_takes_the_fiscal_year_and_says_so() -> None:
    records = [
        {"indicator_no": 1, "target_text": "12月底前", "target_kind": PERIOD, "period_end": "--12"},
        {"indicator_no": 2, "target_text": "次年3月底前", "target_kind": PERIOD, "period_end": "--03"},
        {"indicator_no": 3, "target_text": "2023年12月底前", "target_kind": PERIOD, "period_end": "2023-12"},
        {"indicator_no": 4, "target_text": "2月29日前", "target_kind": PERIOD, "period_end": "--02-29"},
        {"indicator_no": 5, "target_text": "≥90%", "target_kind": "quantitative"},
    ]
    notes = complete_deadlines(records, 2023)
    assert [(r.get("period_end"), r.get("period_year_basis")) for r in records] == [
        ("2023-12", "fiscal_year"), ("2024-03", "fiscal_year"), ("2023-12", "stated"), (None, "fiscal_year"),
        (None, None),
    ]
    assert [(n.indicator_no, n.code) for n in notes] == [(4, "W_IMPOSSIBLE_DATE")]
    assert "02-29 does not exist in 2023" in notes[0].message


def test_without_a_fiscal_year_the_deadline_keeps_its_month_and_the_form_is_told() -> None:
    records = [{"indicator_no": 1, "target_text": "12月底前", "target_kind": PERIOD, "period_end": "--12"}]
    notes = complete_deadlines(records, None)
    assert records[0]["period_end"] == "--12" and records[0]["period_year_basis"] == "missing"
    assert [n.code for n in notes] == ["W_DEADLINE_WITHOUT_YEAR"]


def test_a_form_reads_deadlines_as_periods_of_its_fiscal_year(tmp_path) -> None:
    forms = read_md(tmp_path, self_evaluation_md([
        ("产出指标", "时效指标", "完成时限", "12月底前", "", "10", ""),
        ("产出指标", "时效指标", "验收时间", "6月30日前完成", "", "10", ""),
        ("产出指标", "时效指标", "开工时间", "2023年2月30日前", "", "10", ""),
    ]))
    assert forms.projects["fiscal_year"].tolist() == [2023]  # "(2023年度)"
    indicators = forms.indicators
    assert indicators["target_kind"].tolist() == [PERIOD] * 3
    assert indicators["target_value"].isna().all() and indicators["unit"].isna().all()
    assert indicators["period_end"].tolist()[:2] == ["2023-12", "2023-06-30"]
    assert indicators["period_end"].isna().tolist()[2]
    assert indicators["period_year_basis"].tolist() == ["fiscal_year", "fiscal_year", "stated"]
    flagged = forms.warnings[forms.warnings["code"] == "W_IMPOSSIBLE_DATE"]
    assert len(flagged) == 1
    assert "2023-02-30 does not exist" in flagged.iloc[0]["message"]
    assert flagged.iloc[0]["location"].endswith("row 4, column 5")  # the third indicator's target (row 1: headings)
