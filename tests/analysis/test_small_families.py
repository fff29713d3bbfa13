"""C18 across money units, and a title year the project code contradicts (W_YEAR_CONFLICT)."""

from __future__ import annotations

from pathlib import Path

import pytest

import budgetlib as bl
from budgetlib.analysis.review import review_across_forms
from tests.analysis.test_crossform import found, indicator, tables
from tests.analysis.test_project_years import execution, project

ROOT = Path(__file__).resolve().parents[2]
DECLARATION = ROOT / "data" / "raw" / "synthetic" / "2023" / "036004-p1-declaration.md"
TITLE = "# 2023 年部门项目申报及绩效目标表（合成数据）"
CODE = "036004-2023-HWC-0001"


def _c18(plan: tuple[str, str, float, str | None], evaluated: tuple[str, str, float, str | None]) -> list[str]:
    """The C18 messages for one indicator planned as ``plan`` and evaluated as ``evaluated``."""
    old = indicator("d.md#0", 1, "项目成本控制", *plan)
    new = indicator("s.md#0", 1, "项目成本控制", *evaluated)
    forms = tables([project("d.md#0", "declaration", 565_000.0), project("s.md#0", "self_evaluation", 565_000.0)],
                   [execution("s.md#0", full_year=565_000.0)], [old, new])
    return list(found(review_across_forms(forms), "C18")["message"])


@pytest.mark.parametrize(("plan", "evaluated"), [
    (("≤56.5万元", "<=", 56.5, "万元"), ("≤565000元", "<=", 565_000.0, "元")),
    (("≤565000元", "<=", 565_000.0, "元"), ("≤56.5万", "<=", 56.5, "万")),
    (("≤0.07万元", "<=", 0.07, "万元"), ("≤700元", "<=", 700.0, "元")),  # 0.07 × 10000 is 700.0000000000001 in floats
    (("≤2026.4千元", "<=", 2026.4, "千元"), ("≤202.64万元", "<=", 202.64, "万元")),
    (("≤1.2亿元", "<=", 1.2, "亿元"), ("≤12000万元", "<=", 12_000.0, "万元")),
])
def test_one_money_target_in_two_units_is_no_change(plan: tuple, evaluated: tuple) -> None:
    assert _c18(plan, evaluated) == []


def test_a_money_target_raised_in_another_unit_is_compared_in_yuan() -> None:
    (message,) = _c18(("≤56.5万元", "<=", 56.5, "万元"), ("≤600000元", "<=", 600_000.0, "元"))
    assert message == ("指标「项目成本控制」自评表目标值为 ≤600000元，申报表为 ≤56.5万元："
                       "年末放宽了目标（565,000 → 600,000元）")


def test_targets_in_units_that_cannot_be_compared_are_not_a_change() -> None:
    assert _c18(("≥90%", ">=", 90.0, "%"), ("≥5个", ">=", 5.0, "个")) == []
    assert _c18(("≤56.5万元", "<=", 56.5, "万元"), ("≤5小时", "<=", 5.0, "小时")) == []


def test_same_unit_and_bare_figures_still_compared() -> None:
    (message,) = _c18(("≥144家", ">=", 144.0, "家"), ("≥140家", ">=", 140.0, "家"))
    assert message.endswith("年末放宽了目标（144 → 140家）")
    (message,) = _c18(("≤4小时", "<=", 4.0, "小时"), ("≤6", "<=", 6.0, None))
    assert message.endswith("年末放宽了目标（4 → 6小时）")


def _declaration(tmp_path: Path, title: str, code: str) -> bl.Forms:
    text = DECLARATION.read_text(encoding="utf-8")
    assert TITLE in text and CODE in text
    path = tmp_path / "form.md"
    path.write_text(text.replace(TITLE, title).replace(CODE, code), encoding="utf-8")
    return bl.read_form(path)


@pytest.mark.parametrize(("title", "code", "title_year", "code_year"), [
    ("# 2023 年部门项目申报及绩效目标表（合成数据）", "036004-2022-HWC-0001", 2023, 2022),  # a plan or start year
    ("# 项目支出绩效目标表2021年", "036004-2023-HWC-0001", 2021, 2023),
])
def test_a_title_year_the_code_contradicts_is_kept_and_warned(tmp_path: Path, title: str, code: str,
                                                              title_year: int, code_year: int) -> None:
    forms = _declaration(tmp_path, title, code)
    assert forms.projects["fiscal_year"].tolist() == [title_year]
    (warning,) = forms.warnings[forms.warnings["code"] == "W_YEAR_CONFLICT"].itertuples()
    assert warning.location == "projects.fiscal_year"
    assert warning.message == (f"the title names {title_year} ({title[2:]!r}), the project code {code!r} names "
                               f"{code_year}: fiscal_year {title_year} (the title's) kept")


@pytest.mark.parametrize(("title", "code", "year"), [
    (TITLE, CODE, 2023),  # the two agree
    ("# 部门项目申报及绩效目标表（合成数据）", "036004-2022-HWC-0001", 2022),  # no year in the title: the code's
    (TITLE, "036004-HWC-0001", 2023),  # no year in the code
])
def test_no_year_conflict_without_two_different_years(tmp_path: Path, title: str, code: str, year: int) -> None:
    forms = _declaration(tmp_path, title, code)
    assert forms.projects["fiscal_year"].tolist() == [year]
    assert "W_YEAR_CONFLICT" not in set(forms.warnings["code"])
