"""Budget execution: rate, score and the checks a reviewer makes on the 预算执行情况 block.

rate = 执行数 / denominator (the policy's 全年预算数 or 调整后预算数, with a stated fallback); score =
weight × min(rate, 1). Contradictions in the block (a total row of zeros beside real sub-rows, a total
that is not the sum of its lines, a rate that does not follow from the amounts) are flagged and left as
written: the rate of a contradictory total is not computed from the sub-rows behind the reader's back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from budgetlib.scoring.indicators import is_na, number_text, text_of
from budgetlib.scoring.policy import DENOMINATOR_COLUMNS, ScoringPolicy, round_points
from budgetlib.transform.amounts import parse_amount
from budgetlib.transform.numbers import rate_tolerance
from budgetlib.vocabulary import unit_factors


@dataclass
class FormExecution:
    """The execution block of one form, scored."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    has_execution: bool = False
    rate: float | None = None
    rate_basis: str | None = None
    weight: float | None = None
    weight_basis: str | None = None
    score: float | None = None
    published_score: float | None = None
    note: str | None = None


def denominator_chain(policy: ScoringPolicy) -> tuple[str, ...]:
    """Denominators to try in order: the policy's choice, the other of 全年/调整后预算数, then 年初预算数."""
    return ("full_year", "adjusted", "initial") if policy.execution_denominator == "full_year" else (
        "adjusted", "full_year", "initial")


def _amounts(line: Mapping[str, Any], stem: str) -> tuple[float | None, float | None]:
    """(元 value, number as written) of one amount column of a fund line."""
    yuan = line.get(f"{stem}_yuan")
    written = text_of(line.get(f"{stem}_as_written"))
    number = parse_amount(written).number if written else None
    return (None if is_na(yuan) else float(yuan)), number


def _pair(line: Mapping[str, Any], stem: str) -> tuple[float | None, float | None]:
    """(budget, executed) in one unit: 元 when both are known in 元, else both as written (a rate has no unit)."""
    budget_yuan, budget_number = _amounts(line, stem)
    executed_yuan, executed_number = _amounts(line, "executed")
    if budget_yuan is not None and executed_yuan is not None:
        return budget_yuan, executed_yuan
    return budget_number, executed_number


def choose_basis(line: Mapping[str, Any], policy: ScoringPolicy) -> str | None:
    """The first denominator in the policy's chain that the line states."""
    for stem in denominator_chain(policy):
        if _amounts(line, DENOMINATOR_COLUMNS[stem][0])[1] is not None:
            return stem
    return None


def score_form_execution(
    form_id: str, records: list[dict[str, Any]], project: Mapping[str, Any], policy: ScoringPolicy
) -> FormExecution:
    """Rate, score and flags of one form's 预算执行情况 block (``records``: its ``budget_execution`` rows in order)."""
    result = FormExecution()
    if not records:
        return result
    result.has_execution = True
    total = next((r for r in records if r.get("is_total") is True), None)
    if total is None:
        top = [r for r in records if is_na(r.get("parent_line"))]
        total = top[0] if len(top) == 1 else records[0]
        if len(top) > 1:
            _flag(result, form_id, "execution", None, "warning",
                  f"预算执行情况无总额行，按第一行“{text_of(total.get('fund_line'))}”计算执行率")
    stem = choose_basis(total, policy)
    chosen = denominator_chain(policy)[0]
    if stem is not None:
        label = DENOMINATOR_COLUMNS[stem][1]
        result.rate_basis = label if stem == chosen else (
            f"{label}（表中未列{DENOMINATOR_COLUMNS[chosen][1]}）")
    for record in records:
        result.lines.append(_line_record(form_id, record, stem, record is total))
    total_line = next(line for line in result.lines if line["line_no"] == total.get("line_no"))
    total_name = text_of(total.get("fund_line"))
    children = [line for line, rec in zip(result.lines, records, strict=True)
                if total_name and text_of(rec.get("parent_line")) == total_name]
    _check_total_against_children(result, form_id, total_line, children)
    holds_total = holds_form_total(total, project)  # then its 得分 is the form's, not the execution's
    _resolve_weight(result, total, project, policy, holds_total)
    result.published_score = None if holds_total or is_na(total.get("score")) else float(total["score"])
    rate = total_line["computed_rate"]
    if rate is None:
        result.note = total_line["note"] or "无法计算预算执行率"
        return result
    result.rate = rate
    if result.weight is not None:
        score = policy.round_points(result.weight * min(rate, 1.0))
        result.score = score
        total_line["computed_score"] = score
        _check_published_score(result, form_id, total_line, result.weight * min(rate, 1.0))
    _check_rate(result, form_id, total_line, total, policy)
    return result


def _check_published_score(result: FormExecution, form_id: str, line: dict[str, Any], raw: float) -> None:
    """Flag a published execution 得分 that the rule (分值 × min(执行率, 1)) does not give; the rule's score
    stands. A published score that is the rule's rounded to whole or half points is told as such (info):
    many districts round, and the policy's ``rounding`` can follow them."""
    published, weight = result.published_score, result.weight
    if published is None or result.score is None or weight is None or math.isclose(
            published, result.score, abs_tol=0.005) or _agrees_as_written(published, raw):
        return
    rate = min(line["computed_rate"], 1.0)
    rule = f"分值{number_text(weight)}×执行率{rate:.2%}={number_text(round(raw, 2))}分"
    rounded = [label for label, rounding in (("整数分", "whole"), ("半分", "half"))
               if math.isclose(round_points(raw, rounding), published, abs_tol=0.005)]
    if rounded:
        _flag(result, form_id, "execution", line["line_no"], "info",
              f"表中预算执行得分{number_text(published)}为按规则（{rule}）取{rounded[0]}；"
              f"本次按计分规则的取整方式计为{number_text(result.score)}分")
        return
    _flag(result, form_id, "execution", line["line_no"], "warning",
          f"表中预算执行得分{number_text(published)}与按规则计算的得分不符（{rule}）；不代为改正，按规则计分")


def _line_record(form_id: str, line: Mapping[str, Any], stem: str | None, is_total: bool) -> dict[str, Any]:
    budget, executed = _pair(line, DENOMINATOR_COLUMNS[stem][0]) if stem else (None, None)
    rate: float | None = None
    note = None
    if stem is None:
        note = "未列预算数" if is_total else None
    elif budget is None or executed is None:
        note = "预算数或执行数空缺" if is_total else None
    elif budget == 0:
        note = "预算数为0，无法计算执行率"
    else:
        rate = executed / budget
    column = DENOMINATOR_COLUMNS[stem][0] if stem else None
    return {
        "form_id": form_id,
        "line_no": line.get("line_no"),
        "fund_line": line.get("fund_line"),
        "parent_line": line.get("parent_line"),
        "is_total": is_total,
        "rate_basis": DENOMINATOR_COLUMNS[stem][1] if stem else None,
        "budget_as_written": line.get(f"{column}_as_written") if column else None,
        "executed_as_written": line.get("executed_as_written"),
        "budget_yuan": line.get(f"{column}_yuan") if column else None,
        "executed_yuan": line.get("executed_yuan"),
        "budget_amount": budget,
        "executed_amount": executed,
        "amount_unit": line.get("amount_unit"),
        "computed_rate": rate,
        "rate_as_written": line.get("execution_rate"),
        "weight": line.get("weight"),
        "computed_score": None,
        "published_score": line.get("score"),
        "reason": line.get("reason"),
        "has_reason": None,
        "note": note,
    }


def _check_total_against_children(
    result: FormExecution, form_id: str, total: dict[str, Any], children: list[dict[str, Any]]
) -> None:
    """Flag a total row that disagrees with its 其中 lines, each amount compared in one unit (元 when every
    line involved states it in 元, else as written), and a total left blank that its lines fill in."""
    budget = _in_one_unit(total, children, "budget")
    executed = _in_one_unit(total, children, "executed")
    parts = {what: [value for value in values if value is not None] for what, (_, values, _) in
             (("budget", budget), ("executed", executed))}
    if not parts["budget"] and not parts["executed"]:
        return
    child_budget, child_executed = sum(parts["budget"]), sum(parts["executed"])
    if budget[0] == 0 and executed[0] == 0 and (child_budget > 0 or child_executed > 0):
        implied = f"，按其中各行计算的执行率为{child_executed / child_budget:.2%}" if child_budget else ""
        message = (f"总额行“{text_of(total['fund_line'])}”为0，但其中各行合计预算"
                   f"{_shown(child_budget, children, budget[2])}、执行{_shown(child_executed, children, executed[2])}"
                   f"{implied}；表中数据矛盾，不代为改正，执行率不计分")
        total["computed_rate"], total["note"] = None, message
        _flag(result, form_id, "execution", total["line_no"], "error", message)
        return
    for what, (whole, values, in_yuan) in (("预算数", budget), ("执行数", executed)):
        stated = [value for value in values if value is not None]
        if not stated:
            continue
        shown_parts = _shown(sum(stated), children, in_yuan)
        if whole is None:
            _flag(result, form_id, "execution", total["line_no"], "warning",
                  f"总额行{what}空缺，其中各行合计{shown_parts}；不代为填补")
            continue
        every_line_stated = len(children) > 1 and len(stated) == len(children)
        exceeds = sum(stated) > whole * (1 + 1e-6) + 1e-6
        if exceeds or (every_line_stated and not math.isclose(sum(stated), whole, rel_tol=1e-4, abs_tol=1e-6)):
            _flag(result, form_id, "execution", total["line_no"], "warning",
                  f"总额{what}{_shown(whole, [total], in_yuan)}与其中各行合计{shown_parts}不一致")


def _in_one_unit(
    total: dict[str, Any], children: list[dict[str, Any]], amount: str
) -> tuple[float | None, list[float | None], bool]:
    """(the total's, each line's) ``amount`` ("budget" or "executed") in one unit, and whether that unit is 元.

    The pair a line's rate uses (``budget_amount``/``executed_amount``) falls back to the numbers as written
    when either of them lacks 元, so a total with a blank 执行数 would otherwise compare its written 20 (万元)
    with its lines' 200,000 元.
    """
    pairs = [_amounts(line, amount) for line in (total, *children)]  # (元, as written) of each line
    in_yuan = all(yuan is not None for yuan, written in pairs if written is not None)
    values = [yuan if in_yuan else written for yuan, written in pairs]
    return values[0], values[1:], in_yuan


def _shown(amount: float, lines: list[dict[str, Any]], in_yuan: bool) -> str:
    """An amount in the unit the form wrote it in (89.974万元), for messages a reviewer compares with the form."""
    units = {text_of(line["amount_unit"]) for line in lines} - {""}
    if len(units) == 1 and in_yuan:
        unit = units.pop()
        amount, suffix = amount / unit_factors().get(unit, 1.0), unit
    else:
        suffix = ""
    return f"{amount:.6f}".rstrip("0").rstrip(".") + suffix


def _resolve_weight(result: FormExecution, total: Mapping[str, Any], project: Mapping[str, Any],
                    policy: ScoringPolicy, holds_total: bool) -> None:
    """The execution's weight: the total line's 分值, else the block title's, else the policy's default.

    A total line whose 分值 is the form's total (``holds_total``, :func:`holds_form_total`) states no
    execution weight: its 100 is the whole form's, and taking it made the execution worth 100 of 170 points.
    """
    section = project.get("execution_section_weight")
    if holds_total:
        _flag(result, text_of(total.get("form_id")), "execution", total.get("line_no"), "info",
              f"总额行分值100、得分{number_text(float(total['score']))}为全表总分，预算执行情况按"
              f"{'标题分值' if not is_na(section) else '默认分值'}计分")
        total = {**total, "weight": None}
    if not is_na(total.get("weight")):
        result.weight, result.weight_basis = float(total["weight"]), "表中分值"
        if not is_na(section) and not math.isclose(float(section), result.weight):
            _flag(result, text_of(total.get("form_id")), "execution", total.get("line_no"), "warning",
                  f"预算执行情况标题分值{number_text(float(section))}与总额行分值{number_text(result.weight)}不一致")
    elif not is_na(section):
        result.weight, result.weight_basis = float(section), "表中预算执行情况分值"
    else:
        result.weight = policy.execution_weight
        result.weight_basis = f"表中未写分值，按默认{number_text(policy.execution_weight)}分"


def holds_form_total(total: Mapping[str, Any], project: Mapping[str, Any]) -> bool:
    """Whether the execution block's total line carries the form's total score, not the execution's: its
    分值 is 100 and its 得分 is the form's ``official_total_score``, as the reader takes it when the form
    has no 总分 row (W_SCORE_IN_EXECUTION_ROW). The budget part of a form is worth 10 points, never 100."""
    weight, score, official = total.get("weight"), total.get("score"), project.get("official_total_score")
    return not (is_na(weight) or is_na(score) or is_na(official)) and float(weight) == 100 and math.isclose(
        float(score), float(official))


def _agrees_as_written(published: float, raw: float) -> bool:
    """True when a score written with decimals (9.8) is the rule's (9.786) to the digits it was written with."""
    decimals = len(number_text(published).partition(".")[2])
    return decimals > 0 and abs(published - raw) <= 0.5 * 10 ** -decimals + 1e-9


def _check_rate(result: FormExecution, form_id: str, line: dict[str, Any], total: Mapping[str, Any],
                policy: ScoringPolicy) -> None:
    rate = line["computed_rate"]
    written = total.get("execution_rate")
    written_text = text_of(total.get("execution_rate_as_written"))
    if not is_na(written) and abs(float(written) - rate) > rate_tolerance(written_text or "0.00%"):
        _flag(result, form_id, "execution", line["line_no"], "warning",
              f"表中执行率{written_text or f'{float(written):.2%}'}与执行数/预算数{rate:.2%}不符")
    reason = text_of(total.get("reason"))
    is_template = bool(reason) and any(marker in reason for marker in policy.template_text_markers)
    line["has_reason"] = bool(reason) and not is_template
    if rate < policy.execution_reason_threshold and not line["has_reason"]:
        what = "原因栏只有模板说明文字" if is_template else "未说明原因"
        _flag(result, form_id, "execution", line["line_no"], "warning",
              f"预算执行率{rate:.2%}低于{policy.execution_reason_threshold:.0%}，{what}")
    if rate > 1.0 + 1e-9:
        _flag(result, form_id, "execution", line["line_no"], "info",
              f"执行数超过预算数（执行率{rate:.2%}），得分以满分为限")


def _flag(result: FormExecution, form_id: str, subject: str, key: Any, severity: str, message: str) -> None:
    result.flags.append({"form_id": form_id, "subject": subject, "key": None if is_na(key) else str(key),
                         "severity": severity, "message": message})
