"""A published execution 得分 the rule (分值 × min(执行率, 1)) does not give is flagged, never taken: a warning
when it disagrees, an info line when it is the rule's rounded to whole or half points, nothing when it is the
rule's to the digits it was written with."""

from __future__ import annotations

from pathlib import Path

import pytest

import budgetlib as bl
from tests.scoring.helpers import read_md, self_evaluation_md

_ROW = ("产出指标", "数量指标", "完成数", "≥10个", "10个", "90", "90")


@pytest.mark.parametrize(("executed", "published", "severity", "words"), [
    ("60", "8", "warning", "不符"),        # rule: 10 × 50% = 5
    ("103.44", "9", "info", "取整数分"),   # rule: 10 × 86.2% = 8.62, published rounded to 9
    ("103.44", "8.5", "info", "取半分"),   # 8.62 to half points
    ("117.43", "9.8", None, ""),           # rule: 9.786; 9.8 is it to one decimal
    ("108", "9", None, ""),                # the rule's own score
])
def test_a_published_execution_score_is_checked_against_the_rule(
        tmp_path: Path, executed: str, published: str, severity: str | None, words: str) -> None:
    text = self_evaluation_md([_ROW], budget=("120", "120", executed), rate="", exec_score=published,
                              reason="项目延期")
    result = bl.score(read_md(tmp_path, text))
    computed = result.forms.loc[0, "execution_score"]
    assert computed == pytest.approx(10 * float(executed) / 120)  # the rule's score stands, never the published one
    assert result.forms.loc[0, "published_execution_score"] == float(published)
    flags = result.flags[result.flags["message"].str.contains("表中预算执行得分")]
    if severity is None:
        assert flags.empty, flags["message"].tolist()
    else:
        assert list(flags["severity"]) == [severity] and words in flags.iloc[0]["message"]


def test_a_whole_point_policy_takes_the_rounded_published_score_without_a_flag(tmp_path: Path) -> None:
    text = self_evaluation_md([_ROW], budget=("120", "120", "103.44"), rate="", exec_score="9", reason="延期")
    result = bl.score(read_md(tmp_path, text), policy=bl.ScoringPolicy(rounding="whole"))
    assert result.forms.loc[0, "execution_score"] == 9.0
    assert not result.flags["message"].str.contains("表中预算执行得分").any()
