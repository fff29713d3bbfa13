"""Self-evaluation forms built as markdown, in the national layout, for the scoring and actuals tests.

They go through the real reader, so each test exercises reading and scoring together, on layouts and
values the five examples do not have (a missed ceiling, a partly met count, a period, a zero total row).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import budgetlib as bl

Indicator = tuple[str, ...]
"""(一级指标, 二级指标, 三级指标, 年度指标值, 实际完成值, 分值, 得分[, 偏差原因])."""


def self_evaluation_md(
    indicators: Sequence[Indicator],
    *,
    budget: tuple[str, str, str] = ("100", "100", "100"),
    rate: str = "100.00%",
    exec_weight: str = "10",
    exec_score: str = "",
    reason: str = "",
    sub_budget: tuple[str, str, str] | None = None,
    total_weight: str = "",
    total_score: str = "",
) -> str:
    """A 项目支出绩效自评表 in 万元 with a 原因 column in the budget block and a 总分 row when given."""
    initial, full, executed = budget
    sub_initial, sub_full, sub_executed = sub_budget or budget
    lines = [
        "# 项目支出绩效自评表", "", "(2023年度)", "",
        "| | | | | | | | | |", "|---|---|---|---|---|---|---|---|---|",
        "| 项目名称 | 测试项目 | | | | | | | |",
        "| 主管部门 | 某局 | | | 实施单位 | 某中心 | | | |",
        "| 项目资金(万元) | | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 | 原因 |",
        f"| | 年度资金总额 | {initial} | {full} | {executed} | {exec_weight} | {rate} | {exec_score} | {reason} |",
        f"| | 其中:本年财政拨款 | {sub_initial} | {sub_full} | {sub_executed} | | | | |",
        "| | 其他资金 | | | | | | | |",
        "",
        "| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for l1, l2, name, target, actual, weight, score, *reason in indicators:
        lines.append(f"| | {l1} | {l2} | {name} | {target} | {actual} | {weight} | {score} | {''.join(reason)} |")
    if total_weight or total_score:
        lines.append(f"| 总分 | | | | | | {total_weight} | {total_score} | |")
    return "\n".join(lines) + "\n"


def read_md(tmp_path: Path, text: str, name: str = "form.md") -> bl.Forms:
    """Write a markdown form and read it with the real reader (fails loudly if it cannot be read)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    forms = bl.read_form(path)
    assert forms.errors.empty, forms.errors.to_dict("records")
    return forms


def one(tmp_path: Path, indicator: Indicator, policy: bl.ScoringPolicy | None = None, **block: str):
    """Score a form with a single indicator; returns that indicator's score row."""
    forms = read_md(tmp_path, self_evaluation_md([indicator], **block))
    return bl.score(forms, policy).indicators.iloc[0]
