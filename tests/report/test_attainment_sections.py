"""The indicator-attainment report's sections: attainment by level, indicators short of target or not scored."""

from __future__ import annotations

import dataclasses

from budgetlib.report import attainment_sections, shared_sections
from tests.conftest import ZHONGJIANG, read_example


def test_attainment_of_the_zhongjiang_self_evaluation_by_level() -> None:
    form = read_example(ZHONGJIANG)
    scored = shared_sections.scores(form)
    by_level = attainment_sections.attainment_by_level(scored, form).set_index("level1_std")
    # 6 output, 2 benefit, 1 satisfaction indicators, every actual meets its target
    assert by_level[["indicators", "scored", "missed"]].to_dict("index") == {
        "产出指标": {"indicators": 6, "scored": 6, "missed": 0},
        "效益指标": {"indicators": 2, "scored": 2, "missed": 0},
        "满意度指标": {"indicators": 1, "scored": 1, "missed": 0},
    }
    assert attainment_sections.missed_indicators(scored, form).empty and attainment_sections.unscored_indicators(scored, form).empty


def test_unscored_indicators_say_why(all_examples) -> None:
    scored = shared_sections.scores(all_examples)
    unscored = attainment_sections.unscored_indicators(scored, all_examples)
    assert unscored["project_name"].tolist() == ["工资性支出", "工资性支出"]  # the wages form left both actuals empty
    assert set(unscored["note"]) == {"未填实际完成值，不计分"}
    assert unscored["stated_target"].tolist() == ["=100%", "=100%"]  # 指标性质 "=", 指标值 "100", 度量单位 "%"
    assert attainment_sections.indicator_attainment(scored, all_examples)["project_name"].nunique() == 2  # the two self-evaluations


def test_missed_indicators_worst_first() -> None:
    form = read_example(ZHONGJIANG)
    scored = shared_sections.scores(form)
    short = scored.indicators.copy()
    short.loc[[1, 3], "attainment"] = [0.9, 0.5]  # two actuals short of target: 90 % and 50 %
    scored = dataclasses.replace(scored, indicators=short)
    missed = attainment_sections.missed_indicators(scored, form)
    assert missed["attainment"].tolist() == [0.5, 0.9]
    assert missed["name"].tolist() == [short.loc[3, "name"], short.loc[1, "name"]]
    assert attainment_sections.missed_chart(missed) is not None
    assert attainment_sections.missed_chart(missed.iloc[0:0]) is None
