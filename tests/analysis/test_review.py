"""Review checks C1–C16: the seed as hand-checked, and for every check a form that trips it and one that
passes it.

The passing form is the seed made clean (``clean_seed``: complete indicators with comparators and
units, the broadband line under 邮电费, a 2019 column that agrees with the text, a reason for the
change). Each check's tripping form changes one thing in it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.analysis.review import CHECKS, ReviewConfig, review, rules, states_a_reason
from budgetlib.cli import main
from tests.conftest import ALL_EXAMPLES, EXAMPLES, QINGSHAN, QINGSHEN, SEED, XIANGTAN, ZHONGJIANG, read_example

SEED_TEXT = (EXAMPLES / SEED).read_text(encoding="utf-8")

SEED_INDICATORS = """| 产出指标 | 数量指标      | 保障政务外网到各委办局 | 123 家 |    |
| 产出指标 | 质量指标      | 处理各委办局外网保障率 | 100%  |    |
| 效益指标 | 服务对象满意度指标 | 提高群众网上办事效率  | 100%  |    |"""

CLEAN_INDICATORS = """| 产出指标 | 数量指标 | 保障政务外网到各委办局 | ≥123家 | |
| 产出指标 | 数量指标 | 社区、村外网接入点数 | ≥655个 | |
| 产出指标 | 数量指标 | 社区、村接入宽带带宽 | ≥200M | |
| 产出指标 | 数量指标 | 问津云平台接入带宽 | ≥500M | |
| 产出指标 | 质量指标 | 外网故障处理及时率 | ≥95% | |
| 产出指标 | 时效指标 | 外网故障响应时间 | ≤4小时 | |
| 产出指标 | 成本指标 | 项目成本控制 | ≤50万元 | |
| 效益指标 | 社会效益指标 | 政务外网接入保障 | 持续稳定 | |
| 满意度指标 | 服务对象满意度指标 | 接入单位满意度 | ≥90% | |"""

SEED_EXPENDITURES = """| 维修(护)费  | 440000.00     | 0             |
| 邮电费     | 60000.00      | 0             |"""

CLEAN_EXPENDITURES = """| 维修(护)费  | 220000.00     | 240000.00             |
| 邮电费     | 280000.00      | 60000.00             |"""

SEED_CHANGE = "2019 年 30 万，当年增加 20 万"
CLEAN_CHANGE = "2019 年 30 万，当年增加 20 万，主要因 655 个社区、村接入宽带"


def write_form(tmp_path: Path, text: str, name: str = "form.md") -> bl.Forms:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    forms = bl.read_form(path)
    assert forms.errors.empty, forms.errors
    return forms


def edit(text: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


CLEAN_TEXT = edit(SEED_TEXT, (SEED_INDICATORS, CLEAN_INDICATORS), (SEED_EXPENDITURES, CLEAN_EXPENDITURES),
                  (SEED_CHANGE, CLEAN_CHANGE))


def clean_seed(tmp_path: Path, *replacements: tuple[str, str]) -> bl.Forms:
    return write_form(tmp_path, edit(CLEAN_TEXT, *replacements))


def found(forms: bl.Forms, check_id: str) -> pd.DataFrame:
    return forms.findings[forms.findings["check_id"] == check_id]


# -- the rule table -----------------------------------------------------------------------------------


def test_rule_table_covers_every_check_with_valid_metadata() -> None:
    table = rules()
    assert set(table["check_id"]) == set(CHECKS) == {f"C{i}" for i in range(1, 21)}  # C17–C20: across forms
    assert set(table["severity"]) <= {"error", "warning", "info"}
    assert set(table["dimension"]) <= {"完整性", "相关性", "适当性", "可行性"}
    # the severities domain.md gives
    first = table.drop_duplicates("check_id").set_index("check_id")["severity"]
    assert [first[c] for c in ("C1", "C3", "C8", "C10", "C12")] == ["error"] * 5
    assert [first[c] for c in ("C2", "C4", "C5", "C7", "C11", "C14")] == ["warning"] * 6
    assert [first[c] for c in ("C6", "C9", "C13", "C15", "C16")] == ["info"] * 5


# -- the seed, hand-checked -----------------------------------------------------------------------------


def test_seed_findings() -> None:
    findings = read_example(SEED).findings
    assert set(findings["check_id"]) == {"C1", "C2", "C4", "C5", "C6", "C7", "C9", "C11", "C12", "C13", "C15", "C16"}
    errors = findings[findings["severity"] == "error"]
    assert set(errors["check_id"]) == {"C1", "C12"}  # no error-level C8 or C10: they pass
    assert list(findings.columns) == bl.TABLES["findings"].column_names


def test_seed_c12_prior_year_text_against_the_zero_column() -> None:
    (message,) = found(read_example(SEED), "C12")["message"]
    assert "2019 年预算 300,000 元" in message and "2019 年列合计 0 元" in message


def test_seed_c11_broadband_under_maintenance() -> None:
    (row,) = found(read_example(SEED), "C11").itertuples()
    assert row.severity == "warning"
    # item 3 (280,000) belongs in 邮电费, which holds 60,000; 维修(护)费 holds 440,000 against its own
    # items 100,000 + 60,000 + 60,000 = 220,000
    for part in ("第 3 项（280,000 元）", "应列「邮电费」", "「邮电费」仅 60,000 元", "「维修(护)费」440,000 元",
                 "（220,000 元）多 220,000 元"):
        assert part in row.message, part


def test_seed_c13_growth_without_a_reason() -> None:
    (message,) = found(read_example(SEED), "C13")["message"]
    # 300,000 → 500,000: +200,000, +66.7%
    assert "500,000 元较 2019 年 300,000 元增加 200,000 元（+66.7%）" in message


def test_seed_c1_c2_c5_c7() -> None:
    forms = read_example(SEED)
    (c1,) = found(forms, "C1")["message"]
    assert "「效益指标」" in c1 and "提高群众网上办事效率" in c1  # its only 效益 row is a satisfaction row
    (c2,) = found(forms, "C2")["message"]
    assert "「时效指标」" in c2 and "「成本指标」" in c2
    (c5,) = found(forms, "C5")["location"]
    assert c5 == "indicators #3: 效益指标/服务对象满意度指标/提高群众网上办事效率"
    assert len(found(forms, "C7")) == 1


def test_checks_without_data_are_skipped_on_the_other_examples() -> None:
    """Target forms and self-evaluations have no cost basis, expenditures or prior-year figures."""
    for name in (QINGSHAN, XIANGTAN, QINGSHEN, ZHONGJIANG):
        ids = set(read_example(name).findings["check_id"])
        assert not ids & {"C8", "C9", "C10", "C11", "C12", "C13", "C15"}, (name, ids)


def test_the_other_examples_findings_are_sensible() -> None:
    assert set(read_example(QINGSHEN).findings.query("severity == 'error'")["check_id"]) == {"C1"}  # 2 indicators
    assert read_example(XIANGTAN).findings.query("severity == 'error'").empty
    assert read_example(ZHONGJIANG).findings.query("severity == 'error'").empty
    assert read_example(QINGSHAN).findings.query("severity == 'error'").empty
    # a target in three columns (指标性质 =, 指标值 100, 度量单位 %) is quoted whole
    assert found(read_example(QINGSHEN), "C6")["message"].iloc[0] == "指标「发放(缴纳)覆盖率」目标值为 =100%，未说明依据"


def test_findings_equal_review_and_do_not_depend_on_what_else_was_read(all_examples: bl.Forms) -> None:
    together = all_examples.findings.sort_values(["form_id", "check_id", "location"]).reset_index(drop=True)
    again = review(all_examples).sort_values(["form_id", "check_id", "location"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(together, again)
    one_by_one = pd.concat([read_example(name).findings for name in ALL_EXAMPLES], ignore_index=True)
    one_by_one = one_by_one.sort_values(["form_id", "check_id", "location"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(together, one_by_one)


def test_findings_are_ordered_by_form_then_check_number_as_numbers() -> None:
    from budgetlib.analysis.review import _findings_table

    def finding(form_id: str | None, check_id: str, message: str) -> dict[str, object]:
        return {"form_id": form_id, "check_id": check_id, "severity": "info", "dimension": "d",
                "message": message, "location": None}

    given = [finding("b#0", "C10", "b10"), finding(None, "C1", "none"), finding("a#0", "C2", "a2"),
             finding("b#0", "C9", "b9"), finding("a#0", "C2", "a2 again"), finding("a#0", "C16", "a16")]
    assert list(_findings_table(given)["message"]) == ["a2", "a2 again", "a16", "b9", "b10", "none"]
    # in the order the forms were read; a form not among them last
    in_order = _findings_table(given[:1] + given[2:] + [finding("c#0", "C3", "c3")], form_order=["b#0", "a#0"])
    assert list(in_order["message"]) == ["b9", "b10", "a2", "a2 again", "a16", "c3"]
    assert _findings_table([]).empty and list(_findings_table([]).columns) == list(in_order.columns)


# -- the clean form passes everything ----------------------------------------------------------------


def test_clean_seed_has_only_the_package_ratio_notes(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path)
    assert set(forms.findings["check_id"]) == {"C9"}, forms.findings[["check_id", "message"]]
    assert set(forms.findings["severity"]) == {"info"}


# -- each check: trips and passes ----------------------------------------------------------------------


def test_c1_missing_level1(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("| 效益指标 | 社会效益指标 | 政务外网接入保障 | 持续稳定 | |\n", ""))
    (message,) = found(forms, "C1")["message"]
    assert message.startswith("缺少一级指标「效益指标」")


def test_c1_cost_level1_from_2021(tmp_path: Path) -> None:
    without_cost = ("| 产出指标 | 成本指标 | 项目成本控制 | ≤50万元 | |\n", "")
    year_2021 = ("# 2020 年部门项目申报及绩效目标表", "# 2021 年部门项目申报及绩效目标表")
    assert found(clean_seed(tmp_path, without_cost), "C1").empty  # 2020: not yet required
    forms = clean_seed(tmp_path, without_cost, year_2021)
    assert "「成本指标」" in found(forms, "C1")["message"].iloc[0]
    assert found(clean_seed(tmp_path, year_2021), "C1").empty  # 成本 under 产出 counts by default
    strict = review(clean_seed(tmp_path, year_2021), ReviewConfig(accept_cost_under_output=False))
    assert "C1" in set(strict["check_id"])


def test_c1_no_indicators_at_all(tmp_path: Path) -> None:
    table_start = CLEAN_TEXT.index("## 项目年度绩效指标")
    forms = write_form(tmp_path, CLEAN_TEXT[:table_start])
    (message,) = found(forms, "C1")["message"]
    assert message.startswith("未读到任何绩效指标")
    assert found(forms, "C14").empty  # reported once, under C1


def test_c2_output_without_timeliness(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("| 产出指标 | 时效指标 | 外网故障响应时间 | ≤4小时 | |\n", ""))
    (message,) = found(forms, "C2")["message"]
    assert "「时效指标」" in message and "「成本指标」" not in message


def test_c3_level2_under_the_wrong_level1(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("| 效益指标 | 社会效益指标 |", "| 产出指标 | 社会效益指标 |"))
    (row,) = found(forms, "C3").itertuples()
    assert row.severity == "error"
    assert row.message.startswith("二级指标「社会效益指标」不属于一级指标「产出指标」，应归入「效益指标」")
    # the older layout (satisfaction under 效益) is accepted by default, and flagged when it is not
    assert found(read_example(SEED), "C3").empty
    strict = review(read_example(SEED), ReviewConfig(accept_satisfaction_under_benefit=False))
    assert "「服务对象满意度指标」不属于一级指标「效益指标」" in strict.query("check_id == 'C3'")["message"].iloc[0]


def test_c3_unknown_level2(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("| 效益指标 | 社会效益指标 |", "| 效益指标 | 政治效益指标 |"))
    assert "不是一级指标「效益指标」下的规范二级指标" in found(forms, "C3")["message"].iloc[0]


def test_c4_bare_number_and_missing_unit(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("| ≥123家 |", "| 123家 |"), ("| ≥95% |", "| 95 |"))
    messages = dict(zip(found(forms, "C4")["location"], found(forms, "C4")["message"], strict=True))
    assert len(messages) == 2
    bare = messages["indicators #1: 产出指标/数量指标/保障政务外网到各委办局"]
    assert "方向不明" in bare and "缺少计量单位" not in bare
    no_unit = messages["indicators #5: 产出指标/质量指标/外网故障处理及时率"]
    assert "方向不明" in no_unit and "缺少计量单位" in no_unit


def test_c5_satisfaction_target_of_100_percent(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("| 接入单位满意度 | ≥90% |", "| 接入单位满意度 | ≥100% |"))
    (message,) = found(forms, "C5")["message"]
    assert message == "满意度指标「接入单位满意度」目标值为 ≥100%（≥100%），不切实际，实践中一般为 85%–95%"
    relaxed = review(forms, ReviewConfig(satisfaction_unrealistic_pct=101))
    assert "C5" not in set(relaxed["check_id"])


def test_c6_full_rate_without_evidence(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("| 外网故障处理及时率 | ≥95% | |", "| 外网故障处理及时率 | 100% | |"))
    (message,) = found(forms, "C6")["message"]
    assert message == "指标「外网故障处理及时率」目标值为 100%，未说明依据"
    evidenced = clean_seed(tmp_path, ("| 外网故障处理及时率 | ≥95% | |", "| 外网故障处理及时率 | 100% | 按合同约定 |"))
    assert found(evidenced, "C6").empty


def test_c7_level3_text_does_not_fit_its_level2(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("| 接入单位满意度 |", "| 提高群众网上办事效率 |"),
                       ("| 外网故障响应时间 | ≤4小时 |", "| 外网运行保障 | ≥99% |"))
    messages = list(found(forms, "C7")["message"])
    assert "「服务对象满意度指标」下的指标「提高群众网上办事效率」未提及满意度，不是满意度指标" in messages
    assert any(m.startswith("「时效指标」下的指标「外网运行保障」未体现时效") for m in messages)
    elsewhere = clean_seed(tmp_path, ("| 政务外网接入保障 | 持续稳定 |", "| 群众对外网接入的满意程度 | ≥85% |"))
    assert "衡量满意度，却列在「社会效益指标」下" in found(elsewhere, "C7")["message"].iloc[0]


def test_c8_cost_basis_against_the_budget(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("打折价约 28 万元", "打折价约 30 万元"))
    (message,) = found(forms, "C8")["message"]
    # 100,000 + 60,000 + 300,000 + 60,000 = 520,000 against 500,000
    assert message == "测算依据各项合计 520,000 元，与当年预算 500,000 元相差 20,000 元"
    stated = clean_seed(tmp_path, ("运维 6 万元/年 |", "运维 6 万元/年<br>合计 52 万元 |"))
    (message,) = found(stated, "C8")["message"]
    assert message == "测算依据写明合计 520,000 元，而各项之和为 500,000 元，相差 20,000 元"
    loose = review(forms, ReviewConfig(cost_basis_tolerance=0.05))  # 20,000 is 4% of the budget
    assert "C8" not in set(loose["check_id"])


def test_c9_package_ratio(tmp_path: Path) -> None:
    (c9_1, c9_2) = found(clean_seed(tmp_path), "C9")["message"]
    assert c9_1 == "测算依据第 1 项：123 家 × 1,000 元/家/年 = 123,000 元，写明 100,000 元，折扣比 0.813"
    assert "65,500 元，写明 60,000 元，折扣比 0.916" in c9_2
    above_list = clean_seed(tmp_path, ("打包价约 10 万元", "打包价约 13 万元"))
    (row,) = found(above_list, "C9").query("severity == 'warning'").itertuples()
    assert "折扣比 1.057，超出常见范围 0.5–1" in row.message  # 130,000 / 123,000
    no_prices = clean_seed(tmp_path, ("每家每年约 1000 元，", ""), ("每家每年 100 元", ""))
    assert found(no_prices, "C9").empty


def test_c10_sums(tmp_path: Path) -> None:
    spent = clean_seed(tmp_path, ("| 维修(护)费  | 220000.00 ", "| 维修(护)费  | 230000.00 "))
    assert found(spent, "C10")["message"].iloc[0] == "项目支出明细 2020 年合计 510,000 元，与当年预算 500,000 元相差 10,000 元"
    funded = clean_seed(tmp_path, ("| 1.财政拨款收入   |        | 500000.00 ", "| 1.财政拨款收入   |        | 450000.00 "))
    messages = set(found(funded, "C10")["message"])
    assert "资金来源各项合计 450,000 元，与当年预算 500,000 元相差 50,000 元" in messages
    assert "资金来源「合计」写明 500,000 元，而各行之和为 450,000 元，相差 50,000 元" in messages
    assert found(clean_seed(tmp_path), "C10").empty


def test_c10_execution_lines_of_a_self_evaluation(tmp_path: Path) -> None:
    text = edit((EXAMPLES / ZHONGJIANG).read_text(encoding="utf-8"),
                ("| | 其中:本年财政拨款 | 20 | 20 |", "| | 其中:本年财政拨款 | 18 | 20 |"))
    (message,) = found(write_form(tmp_path, text), "C10")["message"]
    assert message == "预算执行「年度资金总额」全年预算数 200,000 元，而其下各行之和为 180,000 元，相差 20,000 元"
    assert found(read_example(ZHONGJIANG), "C10").empty


def test_c11_economic_category(tmp_path: Path) -> None:
    assert found(clean_seed(tmp_path), "C11").empty
    forms = clean_seed(tmp_path, (CLEAN_EXPENDITURES, SEED_EXPENDITURES.replace("| 0 ", "| 240000.00 ", 1)
                                  .replace("| 0 ", "| 60000.00 ", 1)))
    assert "应列「邮电费」" in found(forms, "C11")["message"].iloc[0]


def test_c12_prior_year(tmp_path: Path) -> None:
    zeros = clean_seed(tmp_path, (CLEAN_EXPENDITURES, SEED_EXPENDITURES))
    assert found(zeros, "C12")["message"].iloc[0].startswith("预算变动情况写明 2019 年预算 300,000 元")
    change = clean_seed(tmp_path, ("当年增加 20 万", "当年增加 30 万"))
    (message,) = found(change, "C12")["message"]
    # 300,000 + 300,000 = 600,000 is not the 500,000 budget
    assert message == "预算变动情况写明 2019 年 300,000 元、当年增加 300,000 元（即 600,000 元），与当年预算 500,000 元不符"


def test_c13_change_needs_a_reason(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, (CLEAN_CHANGE, SEED_CHANGE))
    assert found(forms, "C13")["severity"].tolist() == ["info"]
    small = clean_seed(tmp_path, (CLEAN_CHANGE, "2019 年 45 万，当年增加 5 万"),
                       ("| 240000.00 ", "| 390000.00 "))  # 2019 column 390,000 + 60,000 = 450,000
    assert found(small, "C13").empty  # +11.1% is below 30%
    assert found(small, "C12").empty
    relaxed = review(forms, ReviewConfig(yoy_reason_threshold=0.7))  # +66.7% is below 70%
    assert "C13" not in set(relaxed["check_id"])


@pytest.mark.parametrize(("text", "has_reason"), [
    ("2019 年 30 万，当年增加 20 万", False),
    ("2019年30万元，2020年增加20万元", False),
    ("2019 年 30 万，当年增加 20 万，主要因新增 655 个村接入", True),
    ("较上年减少 5 万，系压减一般性支出", True),
])
def test_states_a_reason(text: str, has_reason: bool) -> None:
    assert states_a_reason(text, ReviewConfig().reason_markers) is has_reason


def test_c14_too_few_indicators_and_placeholder_level2(tmp_path: Path) -> None:
    few = write_form(tmp_path, edit(SEED_TEXT, ("| 产出指标 | 质量指标      | 处理各委办局外网保障率 | 100%  |    |\n", "")))
    assert found(few, "C14")["message"].tolist() == ["仅有 2 个绩效指标（至少应有 3 个）"]
    assert found(read_example(SEED), "C14").empty  # 3 indicators
    placeholder = clean_seed(tmp_path, ("| 满意度指标 |", "| 效益指标 | 经济效益指标 | 指标2 | ≥90% | |\n| 满意度指标 |"))
    (message,) = found(placeholder, "C14")["message"]
    assert message == "二级指标「经济效益指标」下没有实际指标（仅有模板占位：指标2）"


def test_c15_quantities_of_the_main_content(tmp_path: Path) -> None:
    assert set(found(read_example(SEED), "C15")["message"]) == {
        "项目主要内容中的「655个」没有对应的绩效指标", "项目主要内容中的「200M」没有对应的绩效指标",
        "项目主要内容中的「500M」没有对应的绩效指标",
    }
    forms = clean_seed(tmp_path, ("| 产出指标 | 数量指标 | 社区、村外网接入点数 | ≥655个 | |\n", ""))
    assert found(forms, "C15")["message"].tolist() == ["项目主要内容中的「655个」没有对应的绩效指标"]


def test_c16_goal_and_indicators(tmp_path: Path) -> None:
    forms = clean_seed(tmp_path, ("| 政务外网接入保障 |", "| 群众办事便利程度 |"))
    (message,) = found(forms, "C16")["message"]
    # 9 indicators less the satisfaction and the cost one: 7 are expected to echo the goal
    assert message == "绩效目标未提及以下指标所衡量的内容：「群众办事便利程度」（1/7 个）"


def test_config_can_run_some_checks_only() -> None:
    findings = review(read_example(SEED), ReviewConfig(checks=("C12", "C13")))
    assert set(findings["check_id"]) == {"C12", "C13"}


# -- command line ---------------------------------------------------------------------------------------


def test_check_command_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLES / SEED)]) == 1  # C1 and C12 are errors
    out = capsys.readouterr().out
    assert "C12  error" in out and "2019 年列合计 0 元" in out
    assert "17 findings in 1 forms (2 error, 7 warning, 8 info)" in out
    assert main(["check", str(EXAMPLES / XIANGTAN)]) == 0  # warnings and notes only
    capsys.readouterr()
    assert main(["check", "--min-severity", "error", "--format", "csv", str(EXAMPLES / SEED)]) == 1
    csv_out = capsys.readouterr().out
    assert csv_out.splitlines()[0] == "form_id,check_id,severity,dimension,message,location"
    assert len(csv_out.splitlines()) == 3


def test_check_command_bad_usage_and_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--checks", "C99", str(EXAMPLES / SEED)])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["check"])
    assert exit_info.value.code == 2
    assert main(["check", str(tmp_path / "missing.md")]) == 1
    assert "missing.md: file not found" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "text", "mentioned"), [
    (655.0, "维护655个站点", True),
    (655.0, "维护6550个站点", False),  # inside a longer number
    (655.0, "维护1655个站点", False),
    (655.0, "占比0.655", False),  # after a decimal point
    (655.0, "６５５个", True),  # full-width digits, as written in forms (compared in NFKC)
    (500.0, "带宽500M，共500个", True),
    (12.5, "单价12.5元", True),
    (12.5, "单价12.55元", False),
    (3.0, "第3.5期", True),  # "3" followed by a decimal point is its own number, as before
    (3.0, "", False),
])
def test_c15_finds_a_quantity_only_as_a_number_of_its_own(value: float, text: str, mentioned: bool) -> None:
    """The quantity test of C15, against the regex it replaces (not inside a longer number, not after a
    decimal point)."""
    import re

    from budgetlib.analysis.review import _mentions_number
    from budgetlib.formatting import format_number
    from budgetlib.transform.normalize import compact

    number = format_number(value).replace(",", "")
    expected = re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", compact(text)) is not None
    assert _mentions_number(value, text) is mentioned is expected
