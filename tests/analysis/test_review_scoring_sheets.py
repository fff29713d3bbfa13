"""Review checks on forms whose indicators are scored by criteria (scoring sheets), not measured against targets."""

from __future__ import annotations

from pathlib import Path

import budgetlib as bl
from budgetlib.analysis.review import review
from tests.conftest import FIXTURES

SCORING_SHEET = FIXTURES / "department" / "department-scoring-sheet.md"
SELF_EVALUATION = FIXTURES / "department" / "department-self-evaluation.md"


def checks(forms: bl.Forms) -> list[str]:
    return review(forms)["check_id"].tolist()


def test_a_scoring_sheet_is_not_flagged_for_lacking_targets() -> None:
    """投入/过程/产出/效益 rows with points, criteria and scores: C1–C4 and C7 judge targets and the project
    levels, which such a sheet does not have; nothing of them is reported."""
    forms = bl.read_form(SCORING_SHEET)
    assert set(forms.indicators["target_kind"]) == {"criteria"}
    assert not set(checks(forms)) & {"C1", "C2", "C3", "C4", "C7"}


def test_a_department_self_evaluation_with_targets_is_checked_like_a_project() -> None:
    """The same department family, with targets: the target checks apply (C4 on the bare 100% …)."""
    forms = bl.read_form(SELF_EVALUATION)
    assert "criteria" not in set(forms.indicators["target_kind"])
    found = review(forms)
    assert "C4" in set(found["check_id"])
    assert found[found["check_id"] == "C4"]["location"].str.contains("疫苗接种信息录入及时率").any()


def test_criteria_rows_beside_targeted_rows_are_left_out_of_the_target_checks(tmp_path: Path) -> None:
    """A form with a scored block and a targeted table: C4 looks at the targeted rows only, C1 at their levels."""
    text = SCORING_SHEET.read_text(encoding="utf-8") + (
        "\n| 一级指标 | 二级指标 | 三级指标 | 指标值 |\n|---|---|---|---|\n"
        "| 产出指标 | 数量指标 | 培训人次 | 2000人次 |\n| 效益指标 | 社会效益指标 | 教师能力 | 提升 |\n"
        "| 满意度指标 | 服务对象满意度指标 | 教师满意度 | ≥90% |\n")
    path = tmp_path / "mixed.md"
    path.write_text(text, encoding="utf-8")
    forms = bl.read_form(path)
    assert forms.indicators["target_kind"].value_counts().to_dict() == {
        "criteria": 15, "quantitative": 2, "qualitative": 1}
    found = review(forms)
    c4 = found[found["check_id"] == "C4"]
    assert c4["location"].tolist() == ["indicators #16: 产出指标/数量指标/培训人次"]   # the bare 2000人次 only
    assert "C1" in set(found["check_id"])   # 成本指标 is required from 2021 and missing among the targeted rows
    assert not found[found["check_id"] == "C1"]["message"].str.contains("未读到任何绩效指标").any()


def test_a_target_cut_after_its_sign_asks_for_the_number() -> None:
    """ezhou 2022's last row "水电气消耗下降率 | >": quantitative with a comparator and no number."""
    forms = bl.read_form(FIXTURES / "examples" / "ezhou-2022-office-building-operations-target.md")
    found = review(forms)
    row = found[(found["check_id"] == "C4") & found["location"].str.contains("水电气消耗下降率")]
    assert row["message"].tolist() == ["指标「水电气消耗下降率」的指标值「>」：只写了比较符，缺少数值；缺少计量单位"]
