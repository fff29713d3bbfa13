"""Whole-department forms (部门整体支出绩效目标表, 自评表, 评价评分表), read field by field.

The fixtures in ``tests/fixtures/department`` are laid out as the published templates are (each says which);
their departments and figures are made up. Every expected value below is read off the fixture by hand; the
amounts are in 万元 (the form's unit line or its block heading says so) and given here in 元.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import budgetlib as bl
from tests.conftest import FIXTURES

DEPARTMENT = FIXTURES / "department"
INCOME_EXPENDITURE = DEPARTMENT / "department-target-income-expenditure.md"
TASKS = DEPARTMENT / "department-target-tasks.md"
SELF_EVALUATION = DEPARTMENT / "department-self-evaluation.md"
SCORING_SHEET = DEPARTMENT / "department-scoring-sheet.md"


@cache
def read(path: Path) -> bl.Forms:
    return bl.read_form(path)


def project(path: Path) -> dict[str, Any]:
    projects = read(path).projects
    assert len(projects) == 1
    return {key: (None if not isinstance(value, str) and pd.isna(value) else value)
            for key, value in projects.iloc[0].to_dict().items()}


def rows(path: Path, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    df = getattr(read(path), table)
    return [tuple(None if not isinstance(v, str) and pd.isna(v) else v for v in row)
            for row in df[columns].itertuples(index=False)]


def subset(record: dict[str, Any], keys: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in keys}


# -- target form by income source and expenditure type (Hunan-style template) ------------------------


def test_income_expenditure_target_project_row() -> None:
    expected = {
        "form_type": "department_target", "fiscal_year": 2022, "project_name": None,
        "department": "某市城市管理局（测试样例）", "department_code": "312001",
        "current_year_budget_yuan": 13_864_000.0, "budget_as_written": "1,386.40", "amount_unit": "万元",
        "total_budget_yuan": 13_864_000.0, "total_budget_basis": "current_year",
        "duties": "负责全市市容环境卫生、市政设施、城市照明的管理和维护，组织城市管理综合执法。",
        "annual_goal": "保障机关正常运转，主次干道机械化清扫率达到85%以上，路灯亮灯率不低于98%，市民对市容环境满意度不低于90%。",
        "coverage": 1.0,
    }
    assert subset(project(INCOME_EXPENDITURE), expected) == expected


def test_income_expenditure_target_funds_by_income_source() -> None:
    assert rows(INCOME_EXPENDITURE, "funding", ["source_name", "source_as_written", "parent_source", "scope",
                                                "amount_yuan", "amount_as_written"]) == [
        ("一般公共预算", "一般公共预算：1,186.40", None, "current_year", 11_864_000.0, "1,186.40"),
        ("政府性基金拨款", "政府性基金拨款：150.00", None, "current_year", 1_500_000.0, "150.00"),
        ("纳入专户管理的非税收入拨款", "纳入专户管理的非税收入拨款：50.00", None, "current_year", 500_000.0, "50.00"),
        ("其他资金", "其他资金：", None, "current_year", None, None),
    ]


def test_income_expenditure_target_funds_by_expenditure_type_keep_their_parent() -> None:
    assert rows(INCOME_EXPENDITURE, "expenditures", ["economic_category", "parent_category", "fiscal_year",
                                                     "amount_basis", "amount_yuan"]) == [
        ("基本支出", None, 2022, "budget", 9_864_000.0),
        ("人员经费", "基本支出", 2022, "budget", 8_126_000.0),
        ("公用经费", "基本支出", 2022, "budget", 1_738_000.0),
        ("项目支出", None, 2022, "budget", 4_000_000.0),
    ]
    # the year's budget from the expenditure types counts the top lines only: 986.40 + 400.00
    history = rows(INCOME_EXPENDITURE, "budget_history", ["fiscal_year", "amount_yuan", "basis"])
    assert history == [(2022, 13_864_000.0, "this_form"), (2022, 13_864_000.0, "expenditure_column")]


def test_income_expenditure_target_tasks() -> None:
    assert rows(INCOME_EXPENDITURE, "tasks", ["task_no", "task_name", "content", "amount_yuan",
                                              "amount_as_written", "is_total"]) == [
        (1, "履职保障", "保障机关正常运转和人员经费", 9_864_000.0, "986.40", False),
        (2, "市容环境卫生管理", "主次干道清扫保洁、垃圾清运", 2_500_000.0, "250.00", False),
        (3, "城市照明维护", "路灯设施日常维护和电费", 1_500_000.0, "150.00", False),
    ]


def test_income_expenditure_target_sums_agree_with_the_budget() -> None:
    assert read(INCOME_EXPENDITURE).findings.query("check_id == 'C10'").empty
    assert read(INCOME_EXPENDITURE).unparsed.empty


# -- target form with the year's main tasks (central template) ----------------------------------------


def test_tasks_target_project_row() -> None:
    expected = {
        "form_type": "department_target", "fiscal_year": 2021, "project_name": None,
        "department": "某县农业农村局（测试样例）", "department_code": None,
        "current_year_budget_yuan": 44_000_000.0, "budget_as_written": "4,400.00", "amount_unit": "万元",
        "total_budget_yuan": 44_000_000.0, "coverage": 1.0,
        "annual_goal": "目标1：建成高标准农田2万亩。\n目标2：重大动物疫病免疫密度常年保持在90%以上。\n目标3：保障机关正常运转。",
    }
    assert subset(project(TASKS), expected) == expected


def test_tasks_target_tasks_under_a_two_row_heading() -> None:
    assert rows(TASKS, "tasks", ["task_no", "task_name", "content", "amount_yuan", "fiscal_amount_yuan",
                                 "other_amount_yuan", "amount_unit", "is_total"]) == [
        (1, "高标准农田建设", "新建高标准农田2万亩", 30_000_000.0, 26_000_000.0, 4_000_000.0, "万元", False),
        (2, "动物疫病防控", "重大动物疫病强制免疫", 1_805_000.0, 1_805_000.0, None, "万元", False),
        (3, "机关运转", "人员经费和日常公用经费", 12_195_000.0, 12_195_000.0, None, "万元", False),
        (None, "金额合计", None, 44_000_000.0, 40_000_000.0, 4_000_000.0, "万元", True),
    ]
    assert read(TASKS).unparsed.empty
    assert read(TASKS).warnings.empty


# -- self-evaluation -------------------------------------------------------------------------------


def test_self_evaluation_project_row() -> None:
    expected = {
        "form_type": "department_self_evaluation", "fiscal_year": 2022, "project_name": None,
        "department": "某区卫生健康局（测试样例）",
        "current_year_budget_yuan": 26_300_000.0, "budget_as_written": "2,630.00",
        "annual_goal": "完成辖区65岁以上老年人健康管理3.2万人，孕产妇系统管理率达到90%。",
        "goal_completion": "完成老年人健康管理3.05万人，孕产妇系统管理率92.3%。",
        "stated_total_weight": 100.0, "official_total_score": 97.8, "coverage": 1.0,
    }
    assert subset(project(SELF_EVALUATION), expected) == expected


def test_self_evaluation_execution_per_line_by_source_and_by_type() -> None:
    assert rows(SELF_EVALUATION, "budget_execution", [
        "fund_line", "parent_line", "is_total", "breakdown", "initial_budget_yuan", "full_year_budget_yuan",
        "executed_yuan", "execution_rate", "weight", "score",
    ]) == [
        ("年度资金总额", None, True, None, 24_500_000.0, 26_300_000.0, 24_985_000.0, 0.95, 10.0, 9.5),
        ("财政拨款", "年度资金总额", False, "income_source", 23_000_000.0, 24_800_000.0, 23_600_000.0, None, None, None),
        ("其他资金", "年度资金总额", False, "income_source", 1_500_000.0, 1_500_000.0, 1_385_000.0, None, None, None),
        ("基本支出", "年度资金总额", False, "expenditure_type", 16_500_000.0, 17_000_000.0, 16_900_000.0, None, None,
         None),
        ("人员经费", "基本支出", False, "expenditure_type", 14_200_000.0, 14_600_000.0, 14_550_000.0, None, None, None),
        ("公用经费", "基本支出", False, "expenditure_type", 2_300_000.0, 2_400_000.0, 2_350_000.0, None, None, None),
        ("项目支出", "年度资金总额", False, "expenditure_type", 8_000_000.0, 9_300_000.0, 8_085_000.0, None, None, None),
    ]


def test_self_evaluation_each_breakdown_adds_up_alone() -> None:
    # 2,300 + 150 = 2,450 and 1,650 + 800 = 2,450 (年初): no C10 finding for the two breakdowns together
    assert read(SELF_EVALUATION).findings.query("check_id == 'C10'").empty


def test_self_evaluation_indicators_with_actuals() -> None:
    indicators = read(SELF_EVALUATION).indicators
    assert len(indicators) == 7
    assert list(indicators["score"]) == [14.3, 15.0, 10.0, 10.0, 15.0, 14.0, 10.0]


# -- scoring sheet ---------------------------------------------------------------------------------


def test_scoring_sheet_is_a_department_self_evaluation() -> None:
    expected = {"form_type": "department_self_evaluation", "fiscal_year": 2022, "project_name": None,
                "department": "某区教育局（测试样例）", "form_title": "2022年度部门整体支出绩效评价评分表"}
    assert subset(project(SCORING_SHEET), expected) == expected
    assert read(SCORING_SHEET).errors.empty


def test_scoring_sheet_is_never_read_in_silence() -> None:
    forms = read(SCORING_SHEET)
    codes = set(forms.warnings["code"])
    assert "W_NO_PROJECT_NAME" not in codes   # a department's form has no project
    assert len(forms.indicators) > 0 or "W_TABLE_UNREAD" in codes


@pytest.mark.parametrize("path", [INCOME_EXPENDITURE, TASKS, SELF_EVALUATION, SCORING_SHEET], ids=lambda p: p.name)
def test_department_forms_have_no_project_name_warning(path: Path) -> None:
    assert "W_NO_PROJECT_NAME" not in set(read(path).warnings["code"])
