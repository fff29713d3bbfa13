"""Cross-form review checks C17–C20: the forms of a project-year compared, over the whole set read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib import schema
from budgetlib.analysis.crossform import full_target
from budgetlib.analysis.review import ReviewConfig, review, review_across_forms
from budgetlib.cli import main as cli_main
from budgetlib.forms import Forms
from tests.analysis.test_project_years import SAMPLE, execution, project

ROOT = Path(__file__).resolve().parents[2]


def indicator(form_id: str, no: int, name: str, target: str, comparator: str | None, value: float | None,
              unit: str | None) -> dict:
    return {"form_id": form_id, "indicator_no": no, "horizon": "annual", "name": name, "target_text": target,
            "comparator": comparator, "target_value": value, "unit": unit,
            "target_kind": "quantitative" if value is not None else "qualitative", "has_placeholder": False}


def tables(projects: list[dict], lines: list[dict] = (), indicators: list[dict] = ()) -> Forms:
    return Forms({"projects": schema.frame("projects", projects),
                  "budget_execution": schema.frame("budget_execution", list(lines)),
                  "indicators": schema.frame("indicators", list(indicators))})


def found(findings: pd.DataFrame, check_id: str) -> pd.DataFrame:
    return findings[findings["check_id"] == check_id].reset_index(drop=True)


@pytest.fixture(scope="module")
def sample() -> bl.Forms:
    return bl.read_forms([SAMPLE])


# -- on the synthetic sample ------------------------------------------------------------------------------


def test_forms_of_one_project_year_that_disagree_on_the_budget(sample: bl.Forms) -> None:
    (row,) = found(sample.findings, "C17").itertuples()
    # 2022 中小学教学设备维护: the declaration's cost basis prices one item at three times its price
    assert (row.form_id, row.severity, row.dimension) == ("2022/036002-p2-declaration.html#0", "warning", "可行性")
    assert row.message == ("本表当年预算 878,000 元，与同一项目 2022 年度的自评表全年预算数 293,000 元不一致（相差 585,000 元）；"
                           "该项目年度预算按自评表全年预算数计")


def test_a_target_lowered_at_year_end(sample: bl.Forms) -> None:
    lowered = found(sample.findings, "C18").query("severity == 'warning'")
    assert set(lowered["form_id"]) == {"2022/036001-p1-self-evaluation-extra.xlsx#0",
                                       "2022/036002-p2-self-evaluation-extra.md#0"}
    message = lowered.set_index("form_id").loc["2022/036002-p2-self-evaluation-extra.md#0", "message"]
    # the declaration set 100% (a satisfaction target too high, C5), the self-evaluation ≥90%
    assert message == "指标「师生满意度」自评表目标值为 ≥90%，申报表为 100%：年末放宽了目标（100 → 90%）"
    # a target split over three columns (= / 2022.05-2022.11 / …) is the same target as the declaration's
    assert not found(sample.findings, "C18").query("severity == 'info'")["message"].str.contains("服务周期").any()


def test_self_evaluations_without_a_plan_beside_them(sample: bl.Forms) -> None:
    notes = found(sample.findings, "C19").set_index("form_id")["message"]
    assert set(notes.index) == {"2021/036002-p2-self-evaluation.html#0", "2022/036003-p1-self-evaluation.html#0",
                                "2023/036003-p1-self-evaluation.xlsx#0", "2023/036004-p2-self-evaluation.md#0",
                                "2023/036006-p1-self-evaluation.html#0"}
    assert notes["2023/036004-p2-self-evaluation.md#0"] == (
        "本批表中没有同一项目 2023 年度的绩效目标表或项目申报表，无法核对自评的目标与预算"
        "（该项目在其他年度有：2020 年目标表、2021 年申报表、2022 年申报表）")
    assert found(sample.findings, "C19")["severity"].eq("info").all()


def test_findings_check_and_review_agree_on_the_cross_form_checks(sample: bl.Forms, capsys) -> None:
    ordered = ["form_id", "check_id", "location", "message"]
    mine = sample.findings.sort_values(ordered).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, review(sample).sort_values(ordered).reset_index(drop=True))
    per_form = review(sample, ReviewConfig(across_forms=False))
    assert set(per_form["check_id"]) <= {f"C{i}" for i in range(1, 17)}
    assert len(per_form) + len(review_across_forms(sample)) == len(sample.findings)
    cli_main(["check", str(SAMPLE), "--format", "csv"])
    printed = capsys.readouterr().out
    assert "C17,warning,可行性,\"本表当年预算 878,000 元" in printed and ",C19,info," in printed


def test_read_alone_a_form_shows_only_what_it_shows_alone(tmp_path: Path) -> None:
    shutil.copy(SAMPLE / "2022/036002-p2-declaration.html", tmp_path / "d.html")
    alone = bl.read_forms([tmp_path]).findings
    assert not alone["check_id"].isin(["C17", "C18", "C19"]).any()


# -- by hand ----------------------------------------------------------------------------------------------


def test_a_budget_adjusted_during_the_year_is_a_note_not_a_contradiction() -> None:
    forms = tables([project("d.md#0", "declaration", 500_000.0), project("s.md#0", "self_evaluation", 450_000.0)],
                   [execution("s.md#0", initial=500_000.0, adjusted=450_000.0)])
    (row,) = review_across_forms(forms).itertuples()
    assert (row.form_id, row.severity) == ("d.md#0", "info")
    assert row.message == ("本表当年预算 500,000 元，同一项目 2022 年度的自评表调整后预算数为 450,000 元（自评表年初预算数 "
                           "500,000 元）：年内调整 -10.0%；该项目年度预算按自评表调整后预算数计")


def test_budgets_that_agree_within_the_tolerance_are_not_reported() -> None:
    forms = tables([project("d.md#0", "declaration", 438_000.0), project("t.md#0", "target", 438_000.4)])
    assert review_across_forms(forms).empty
    assert len(review_across_forms(forms, ReviewConfig(sum_tolerance_yuan=0.1, budget_tolerance=0.0))) == 1


PLAN = [indicator("d.md#0", 1, "设备完好率", "≥98%", ">=", 98.0, "%"),
        indicator("d.md#0", 2, "报修响应时间", "≤24小时", "<=", 24.0, "小时"),
        indicator("d.md#0", 3, "维护设备数量", "≥1411台", ">=", 1411.0, "台"),
        indicator("d.md#0", 4, "教学活动正常开展", "效果明显", None, None, None),
        indicator("d.md#0", 5, "设备台账", "完整", None, None, None)]


def test_targets_eased_changed_and_dropped_at_year_end() -> None:
    evaluated = [indicator("s.md#0", 1, "设备完好率", "95", ">=", 95.0, "%"),  # three columns: ≥ / 95 / %
                 indicator("s.md#0", 2, "报修响应时间", "≤48小时", "<=", 48.0, "小时"),
                 indicator("s.md#0", 3, "维护设备数量", "≥1500台", ">=", 1500.0, "台"),
                 indicator("s.md#0", 4, "教学活动 正常开展", "效果显著", None, None, None)]
    forms = tables([project("d.md#0", "declaration", 500_000.0), project("s.md#0", "self_evaluation", 500_000.0)],
                   [execution("s.md#0", full_year=500_000.0)], [*PLAN, *evaluated])
    c18 = found(review_across_forms(forms), "C18").set_index("location")
    messages = dict(zip(c18["severity"] + ":" + c18["message"].str.extract(r"「(.+?)」")[0], c18["message"],
                        strict=True))
    assert messages["warning:设备完好率"] == "指标「设备完好率」自评表目标值为 ≥95%，申报表为 ≥98%：年末放宽了目标（98 → 95%）"
    assert messages["warning:报修响应时间"].endswith("年末放宽了目标（24 → 48小时）")  # ≤: a higher figure is easier
    assert messages["info:维护设备数量"] == "指标「维护设备数量」自评表目标值为 ≥1500台，申报表为 ≥1411台，前后不一致"
    assert messages["info:教学活动 正常开展"].startswith("指标「教学活动 正常开展」自评表目标值为 效果显著")
    assert messages["info:设备台账"] == "申报表的指标「设备台账」（目标值 完整）未列入 2022 年度自评表"
    assert len(c18) == 5
    assert not found(review_across_forms(forms), "C19").shape[0]  # the declaration is its plan


def test_the_target_form_is_the_plan_before_the_declaration() -> None:
    target = [indicator("t.md#0", 1, "设备完好率", "≥95%", ">=", 95.0, "%")]
    evaluated = [indicator("s.md#0", 1, "设备完好率", "≥95%", ">=", 95.0, "%")]
    forms = tables([project("d.md#0", "declaration", 500_000.0), project("t.md#0", "target", 500_000.0),
                    project("s.md#0", "self_evaluation", 500_000.0)], [execution("s.md#0", full_year=500_000.0)],
                   [PLAN[0], *target, *evaluated])
    assert found(review_across_forms(forms), "C18").empty  # 95% as the target form set it, not the declaration's 98%


def test_full_target_joins_a_target_split_over_columns() -> None:
    assert full_target({"target_text": "2022.05", "comparator": "=", "unit": "-2022.11"}) == "=2022.05-2022.11"
    assert full_target({"target_text": "≥100百分比", "comparator": ">=", "unit": "%"}) == "≥100百分比"
    assert full_target({"target_text": "持续改善", "comparator": None, "unit": None}) == "持续改善"
    # a comparator written as a word, before or after the number, is not written again as a sign
    assert full_target({"target_text": "不低于90%", "comparator": ">=", "unit": "%"}) == "不低于90%"
    assert full_target({"target_text": "90%以上", "comparator": ">=", "unit": "%"}) == "90%以上"


def test_only_the_checks_asked_for() -> None:
    forms = tables([project("d.md#0", "declaration", 500_000.0), project("s.md#0", "self_evaluation", 450_000.0)],
                   [execution("s.md#0", full_year=450_000.0)])
    assert set(review_across_forms(forms)["check_id"]) == {"C17"}
    assert review_across_forms(forms, ReviewConfig(checks=("C18", "C19"))).empty
