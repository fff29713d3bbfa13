"""``score(forms)``: every indicator's attainment and score, every form's execution score, total and grade.

Computed and published scores stand side by side: each gap gets its reason (rounding, the evaluator's
discretion inside a qualitative band, an indicator this program could not score), and each form's
total is compared with the 总分 it publishes, saying whether that total includes the execution score.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from budgetlib import schema
from budgetlib.forms import Forms
from budgetlib.scoring.actuals import apply_actuals, read_actuals
from budgetlib.scoring.execution import FormExecution, score_form_execution
from budgetlib.scoring.indicators import NOT_SCORED, SCORED, is_na, number_text, resolve_weights, score_indicator
from budgetlib.scoring.policy import BAND_NAMES, BANDS, ScoringPolicy, round_points

log = logging.getLogger(__name__)

RESULT_TABLES: Mapping[str, str] = {
    "indicators": "score_indicators", "forms": "score_forms", "execution": "score_execution", "flags": "score_flags",
}
"""ScoreResult attribute → schema table name."""


@dataclass(frozen=True)
class ScoreResult:
    """What :func:`score` found: one table per level (see the data dictionary's ``score_*`` tables).

    ``indicators``: one row per indicator (direction, attainment, computed score, band, note, published
    score and the gap's reason); ``forms``: one row per form (execution rate and score, indicator score,
    total, grade, official total and the difference explained); ``execution``: one row per fund line;
    ``flags``: what a reviewer should look at (missing reasons, contradictions, weights that do not add up).
    """

    indicators: pd.DataFrame
    forms: pd.DataFrame
    execution: pd.DataFrame
    flags: pd.DataFrame
    policy: ScoringPolicy = field(default_factory=ScoringPolicy)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The four tables under their schema names (``score_indicators`` …), e.g. to write them out."""
        return {name: getattr(self, attribute) for attribute, name in RESULT_TABLES.items()}

    def __repr__(self) -> str:
        scored = int((self.indicators["status"] == SCORED).sum()) if len(self.indicators) else 0
        return (f"ScoreResult(forms={len(self.forms)}, indicators={len(self.indicators)}, scored={scored}, "
                f"flags={len(self.flags)})")


def score(
    forms: Forms,
    policy: ScoringPolicy | None = None,
    *,
    actuals: pd.DataFrame | str | os.PathLike[str] | None = None,
) -> ScoreResult:
    """Score self-evaluations: indicator attainment, budget execution, totals and grades.

    ``forms`` is what :func:`budgetlib.read_forms` returns. ``actuals`` (a sheet written by
    :func:`budgetlib.write_actuals_template` and filled in, or its path, or the DataFrame
    :func:`budgetlib.read_actuals` returns) supplies actuals the forms lack; without it the forms' own
    actuals are used. An indicator without an actual is "not scored", never 0; a form with no scored
    indicator gets no total and no grade.

    >>> result = bl.score(forms, bl.ScoringPolicy(rounding="whole"))   # doctest: +SKIP
    >>> result.forms[["form_id", "total_score", "grade", "official_total_score", "explanation"]]  # doctest: +SKIP
    """
    policy = policy or ScoringPolicy()
    if actuals is not None:
        table = actuals if isinstance(actuals, pd.DataFrame) else read_actuals(actuals)
        forms = apply_actuals(forms, table)
    indicators = score_indicators(forms.indicators, policy)
    summary = indicator_summary(indicators)
    weight_flags = level1_weight_flags(indicators, forms.indicators)
    for flag in indicator_flags(indicators, forms.indicators, policy):
        weight_flags.setdefault(flag["form_id"], []).append(flag)
    lines_by_form: dict[str, list[dict[str, Any]]] = {}
    for line in forms.budget_execution.sort_values(["form_id", "line_no"]).to_dict("records"):
        lines_by_form.setdefault(line["form_id"], []).append(line)
    execution_lines: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    form_rows: list[dict[str, Any]] = []
    for project in _columns(forms.projects, _PROJECT_INPUTS).to_dict("records"):
        form_id = project["form_id"]
        execution = score_form_execution(form_id, lines_by_form.get(form_id, []), project, policy)
        execution_lines += execution.lines
        flags += execution.flags + weight_flags.get(form_id, [])
        row, form_flags = form_total(project, summary.get(form_id, EMPTY_SUMMARY), execution, policy)
        form_rows.append(row)
        flags += form_flags
    return ScoreResult(
        indicators=indicators,
        forms=schema.frame("score_forms", form_rows),
        execution=schema.frame("score_execution", execution_lines),
        flags=schema.frame("score_flags", flags),
        policy=policy,
    )


_PROJECT_INPUTS = (
    "form_id", "form_type", "fiscal_year", "project_name", "stated_total_weight", "indicator_section_weight",
    "execution_section_weight", "official_total_score",
)
"""The columns of ``forms.projects`` a form's total reads."""


def _columns(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame``'s ``columns`` that it has. Converting a wide table's rows (``to_dict``, ``itertuples``)
    costs per column even for one row: a report scores one form, and ``projects`` has 50 columns."""
    return frame[[column for column in columns if column in frame.columns]]


# --- indicators ------------------------------------------------------------------------------------------


_SCORING_INPUTS = (
    "form_id", "indicator_no", "horizon", "level1_std", "level2_std", "name", "target_text", "comparator",
    "target_kind", "target_value", "unit", "period_end", "period_year_basis", "actual_text", "actual_comparator",
    "actual_value", "actual_problem",
    "actual_unit", "score", "weight_used", "weight_basis",
)
"""The indicator columns scoring reads (converting only these to records keeps large batches fast)."""


def score_indicators(indicators: pd.DataFrame, policy: ScoringPolicy) -> pd.DataFrame:
    """One ``score_indicators`` row per indicator: how it was read and what it scores."""
    weighted = resolve_weights(indicators, policy).reindex(columns=list(_SCORING_INPUTS))
    rows = []
    for record in weighted.to_dict("records"):
        outcome = score_indicator(record, policy)
        weight = None if is_na(record["weight_used"]) else float(record["weight_used"])
        credit = outcome.credit if outcome.status == SCORED else None  # a scored outcome has its credit
        raw_points = None if credit is None or weight is None else weight * credit
        computed = None if raw_points is None else policy.round_points(raw_points)
        published = None if is_na(record.get("score")) else float(record["score"])
        gap, reason = score_gap(published, raw_points, computed, weight, outcome.band, outcome.notes, policy)
        rows.append({
            "form_id": record["form_id"],
            "indicator_no": record["indicator_no"],
            "level1_std": record.get("level1_std"),
            "level2_std": record.get("level2_std"),
            "name": record.get("name"),
            "target_text": record.get("target_text"),
            "actual_text": record.get("actual_text"),
            "weight": weight,
            "weight_basis": record.get("weight_basis"),
            "direction": outcome.direction,
            "status": outcome.status,
            "attainment": outcome.attainment,
            "credit": outcome.credit,
            "computed_score": computed,
            "band": outcome.band,
            "published_score": published,
            "score_gap": gap,
            "gap_reason": reason,
            "note": "；".join(outcome.notes) or None,
        })
    return schema.frame("score_indicators", rows)


def score_gap(
    published: float | None,
    raw_points: float | None,
    computed: float | None,
    weight: float | None,
    band: str | None,
    notes: list[str],
    policy: ScoringPolicy,
) -> tuple[float | None, str | None]:
    """(published − computed, why they differ) for one indicator; (None, None) when there is nothing to compare."""
    if published is None:
        return None, ("表中未填得分" if computed is not None else None)
    if computed is None or raw_points is None:
        why = notes[-1] if notes else "未计分"
        return None, f"本次未计分（{why}），表中得分{number_text(published)}由评价人给出"
    gap = published - computed
    if abs(gap) <= policy.score_tolerance:
        return 0.0, None
    shown = f"{raw_points:.2f}".rstrip("0").rstrip(".")
    if weight is not None and published > weight + policy.score_tolerance:
        return gap, f"表中得分{number_text(published)}超过该指标分值{number_text(weight)}"
    for rounding, words in (("whole", "整数分"), ("half", "半分")):
        if abs(round_points(raw_points, rounding) - published) <= policy.score_tolerance:
            return gap, f"取整：表中按{words}计（{shown}→{number_text(published)}）"
    if abs(math.floor(raw_points + 1e-9) - published) <= policy.score_tolerance:
        return gap, f"取整：表中舍去小数（{shown}→{number_text(published)}）"
    if weight and band is not None:
        share = published / weight
        published_band = policy.band_of(share)
        if published_band == band:
            return gap, (f"评价人在“{BAND_NAMES[band]}”档（{policy.band_floors[band]:.0%}及以上）内酌定"
                         f"{number_text(published)}分，本次按{number_text(computed)}分")
        return gap, (f"评价人判为“{BAND_NAMES[published_band]}”档（{share:.0%}），"
                     f"本次计算为“{BAND_NAMES[band]}”档（{computed / weight:.0%}）")
    return gap, f"自由裁量：表中得分与计算相差{number_text(gap)}分"


# --- forms -----------------------------------------------------------------------------------------------

EMPTY_SUMMARY: Mapping[str, Any] = {
    "n_indicators": 0, "n_scored": 0, "n_not_scored": 0, "weighted_unscored": 0, "indicator_weight": None,
    "indicator_score": None, "scored_weight": None, "unscored_weight": None, "published_indicator_score": None,
    "all_weights_stated": False, "first_basis": None, "level1_weights": None, "common_reason": None,
    "gap_reasons": None,
}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.01)


def _none_if_na(value: Any) -> Any:
    return None if is_na(value) else value


def indicator_summary(scored: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per form: counts, weights and scores of its indicators, and the texts its explanation needs.

    Computed for all forms at once (a per-form loop over DataFrames costs seconds per thousand forms).
    """
    if scored.empty:
        return {}
    is_scored = scored["status"].eq(SCORED).fillna(False).astype(bool)
    not_scored = scored["status"].eq(NOT_SCORED).fillna(False).astype(bool)
    weighted = scored["weight"].notna()
    basis = scored["weight_basis"]
    frame = pd.DataFrame({
        "form_id": scored["form_id"],
        "is_scored": is_scored,
        "not_scored": not_scored,
        "weighted_unscored": weighted & not_scored,
        "weight": scored["weight"],
        "points": scored["computed_score"].where(is_scored),
        "scored_weight": scored["weight"].where(is_scored),
        "unscored_weight": scored["weight"].where(weighted & not_scored),
        "published": scored["published_score"],
        "has_basis": basis.notna(),
        "stated_basis": basis.eq("表中分值").fillna(False).astype(bool),
        "basis": basis,
    })
    groups = frame.groupby("form_id", sort=False)
    summary = pd.DataFrame({
        "n_indicators": groups.size(),
        "n_scored": groups["is_scored"].sum(),
        "n_not_scored": groups["not_scored"].sum(),
        "weighted_unscored": groups["weighted_unscored"].sum(),
        "indicator_weight": groups["weight"].sum(min_count=1),
        "indicator_score": groups["points"].sum(min_count=1),
        "scored_weight": groups["scored_weight"].sum(min_count=1),
        "unscored_weight": groups["unscored_weight"].sum(min_count=1),
        "published_indicator_score": groups["published"].sum(min_count=1),
        "all_weights_stated": groups["has_basis"].sum().gt(0)
        & groups["stated_basis"].sum().eq(groups["has_basis"].sum()),
        "first_basis": groups["basis"].first(),
    })
    summary["level1_weights"] = pd.Series(level1_weight_texts(scored), dtype="object")
    summary["common_reason"] = pd.Series(_common_reasons(scored), dtype="object")
    summary["gap_reasons"] = pd.Series(_gap_reasons(scored), dtype="object")
    records = summary.astype("object").to_dict("index")
    return {form_id: {k: _none_if_na(v) for k, v in record.items()} for form_id, record in records.items()}


def level1_weight_texts(scored: pd.DataFrame) -> dict[str, str]:
    """Per form, "产出指标70/效益指标20/满意度指标10": the points each level-1 block carries, in form order."""
    weighted = scored.dropna(subset=["weight", "level1_std"])
    sums = weighted.groupby(["form_id", "level1_std"], sort=False)["weight"].sum()
    parts: dict[str, list[str]] = {}
    for (form_id, name), points in sums.items():
        parts.setdefault(form_id, []).append(f"{name}{number_text(float(points))}")
    return {form_id: "/".join(texts) for form_id, texts in parts.items()}


def _common_reasons(scored: pd.DataFrame) -> dict[str, str]:
    """Per form, the most frequent reason an indicator was not scored (the last part of its note)."""
    unscored = scored[scored["status"].eq(NOT_SCORED).fillna(False).astype(bool) & scored["note"].notna()]
    if unscored.empty:
        return {}
    last = unscored["note"].str.split("；").str[-1]
    counts = pd.DataFrame({"form_id": unscored["form_id"], "reason": last}).value_counts(sort=True)
    return {form_id: reason for form_id, reason in reversed(counts.index.tolist())}


def _gap_reasons(scored: pd.DataFrame) -> dict[str, str]:
    """Per form, "指标1：取整…；指标3：…": the reasons of every indicator whose published score differs."""
    gaps = scored[scored["gap_reason"].notna() & scored["score_gap"].fillna(1.0).ne(0)]
    reasons: dict[str, list[str]] = {}
    for row in gaps[["form_id", "indicator_no", "gap_reason"]].itertuples():
        reasons.setdefault(row.form_id, []).append(f"指标{row.indicator_no}：{row.gap_reason}")
    return {form_id: "；".join(texts) for form_id, texts in reasons.items()}


def _defaults_text(policy: ScoringPolicy) -> str:
    return "/".join(number_text(points) for points in policy.level1_weights.values())


def level1_weight_flags(scored: pd.DataFrame, raw: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Per form, flags for a level-1 block whose stated points ("产出指标(70分)") its indicators do not add up to."""
    stated = raw.dropna(subset=["level1_weight", "level1_std"]).groupby(
        ["form_id", "level1_std"], sort=False)["level1_weight"].first()
    sums = scored.dropna(subset=["weight", "level1_std"]).groupby(["form_id", "level1_std"], sort=False)["weight"].sum()
    both = pd.concat({"stated": stated.astype("float64"), "sum": sums.astype("float64")}, axis=1).dropna()
    flags: dict[str, list[dict[str, Any]]] = {}
    for (form_id, name), row in both.iterrows():
        if not _close(row["sum"], row["stated"]):
            flags.setdefault(form_id, []).append(_flag(
                form_id, "weights", name, "warning",
                f"{name}标明{number_text(row['stated'])}分，其下各指标分值合计{number_text(row['sum'])}分"))
    return flags


def indicator_flags(scored: pd.DataFrame, raw: pd.DataFrame, policy: ScoringPolicy) -> list[dict[str, Any]]:
    """Flags on single indicators: a published score above the weight; a target missed with no 偏差原因 written;
    an actual from the actuals sheet that could not be used (its cell named)."""
    reasons = raw.reindex(columns=["form_id", "indicator_no", "deviation_reason", "actual_problem"])
    shown = ["form_id", "indicator_no", "name", "published_score", "weight", "credit"]
    rows = scored[shown].merge(reasons, on=["form_id", "indicator_no"], how="left", sort=False)
    over = rows[rows["published_score"] > rows["weight"] + policy.score_tolerance]
    missed = rows[rows["credit"].lt(1.0 - 1e-9).fillna(False).astype(bool) & rows["deviation_reason"].isna()]
    refused = rows[rows["actual_problem"].notna()]
    return [
        *(_flag(row.form_id, "indicator", row.indicator_no, "warning",
                f"指标{row.indicator_no}“{row.name}”：{row.actual_problem}") for row in refused.itertuples()),
        *(_flag(row.form_id, "indicator", row.indicator_no, "warning",
                f"指标{row.indicator_no}“{row.name}”表中得分{number_text(row.published_score)}超过分值"
                f"{number_text(row.weight)}") for row in over.itertuples()),
        *(_flag(row.form_id, "indicator", row.indicator_no, "warning",
                f"指标{row.indicator_no}“{row.name}”未完全达成（得分比例{row.credit:.0%}），未写偏差原因")
          for row in missed.itertuples()),
    ]


def _flag(form_id: str, subject: str, key: Any, severity: str, message: str) -> dict[str, Any]:
    return {"form_id": form_id, "subject": subject, "key": None if is_na(key) else str(key),
            "severity": severity, "message": message}


def includes_execution(
    project: Mapping[str, Any], indicator_weight: float | None, execution: FormExecution, policy: ScoringPolicy
) -> tuple[bool, str | None, dict[str, Any] | None]:
    """Does the form's total include the execution score? (answer, explanation, flag)."""
    form_id = project["form_id"]
    if not execution.has_execution:
        return False, "表中无预算执行情况，总分只含绩效指标", None
    if policy.execution_in_total != "auto":
        include = policy.execution_in_total == "always"
        return include, f"按政策{'计入' if include else '不计入'}预算执行率得分", None
    stated = project.get("stated_total_weight")
    weight = execution.weight or 0.0
    if is_na(stated) or indicator_weight is None:
        return True, None, None
    stated = float(stated)
    if _close(stated, indicator_weight + weight):
        return True, (f"表中合计分值{number_text(stated)}=绩效指标{number_text(indicator_weight)}"
                      f"+预算执行率{number_text(weight)}：总分含预算执行率得分"), None
    if _close(stated, indicator_weight):
        scored = "未能计算" if execution.score is None else f"本次计算为{number_text(execution.score)}分"
        return False, (
            f"表中总分的分值{number_text(stated)}等于绩效指标分值合计{number_text(indicator_weight)}，不含预算执行率"
            f"（{number_text(weight)}分，{scored}）：按表中做法，总分不计预算执行率得分"
        ), None
    message = (f"表中合计分值{number_text(stated)}既不等于绩效指标分值{number_text(indicator_weight)}，"
               f"也不等于其与预算执行率分值{number_text(weight)}之和；总分按计入预算执行率计算")
    return True, message, _flag(form_id, "total", None, "warning", message)


def form_total(
    project: Mapping[str, Any], summary: Mapping[str, Any], execution: FormExecution, policy: ScoringPolicy
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One ``score_forms`` row: execution, indicators, total, grade, and the official total explained."""
    form_id = project["form_id"]
    explanation: list[str] = []
    flags: list[dict[str, Any]] = []
    indicator_weight = summary["indicator_weight"]
    n_scored, weighted_unscored = int(summary["n_scored"]), int(summary["weighted_unscored"])
    section = project.get("indicator_section_weight")
    if not is_na(section) and indicator_weight is not None and not _close(float(section), indicator_weight):
        flags.append(_flag(form_id, "weights", None, "warning",
                           f"绩效指标标明{number_text(float(section))}分，各指标分值合计{number_text(indicator_weight)}分"))
    if summary["level1_weights"] and summary["all_weights_stated"]:
        explanation.append(f"一级指标分值按表中所列：{summary['level1_weights']}（默认{_defaults_text(policy)}）")
    elif summary["first_basis"]:
        explanation.append(f"表中未写各指标分值：{summary['first_basis']}等")

    include, include_note, include_flag = includes_execution(project, indicator_weight, execution, policy)
    if include_note:
        explanation.append(include_note)
    if include_flag:
        flags.append(include_flag)
    if execution.has_execution and execution.score is None and execution.note:
        explanation.append(f"预算执行率未计分：{execution.note}")

    execution_points = (execution.weight or 0.0) if include else 0.0
    total_weight = None if indicator_weight is None else indicator_weight + execution_points
    total_score = None
    if n_scored:
        total_score = (summary["indicator_score"] or 0.0) + ((execution.score or 0.0) if include else 0.0)
    complete = n_scored > 0 and weighted_unscored == 0 and (not include or execution.score is not None)
    score_pct = None
    if complete and total_weight:
        score_pct = total_score / total_weight * 100.0
    elif n_scored and policy.grade_incomplete and summary["scored_weight"]:
        covered = summary["scored_weight"] + (execution_points if execution.score is not None else 0.0)
        score_pct = total_score / covered * 100.0
    grade = policy.grade_of(score_pct) if score_pct is not None else None
    if n_scored == 0 and summary["n_indicators"]:
        why = summary["common_reason"] or "原因不明"
        explanation.append(f"{summary['n_indicators']}项指标均未计分（{why}）：无总分，不评等级")
    elif weighted_unscored:
        explanation.append(
            f"{weighted_unscored}项指标（共{number_text(summary['unscored_weight'] or 0.0)}分）未计分：总分不完整"
            + ("，按已计分部分折算评等级" if grade else "，不评等级")
        )

    official = _none_if_na(project.get("official_total_score"))
    difference = None
    if official is not None and total_score is not None:
        difference = float(official) - total_score
        explanation.append(_official_comparison(float(official), total_score, difference, summary["gap_reasons"]))
    elif official is not None:
        explanation.append(f"表中总分{number_text(float(official))}，本次无法计算总分")

    row = {
        "form_id": form_id,
        "form_type": project.get("form_type"),
        "fiscal_year": project.get("fiscal_year"),
        "project_name": project.get("project_name"),
        "level1_weights": summary["level1_weights"],
        "execution_rate": execution.rate,
        "rate_basis": execution.rate_basis,
        "execution_weight": execution.weight,
        "execution_score": execution.score,
        "published_execution_score": execution.published_score,
        "total_includes_execution": include,
        "indicator_weight": indicator_weight,
        "indicator_score": summary["indicator_score"],
        "published_indicator_score": summary["published_indicator_score"],
        "n_indicators": summary["n_indicators"],
        "n_scored": n_scored,
        "n_not_scored": summary["n_not_scored"],
        "total_weight": total_weight,
        "total_score": total_score,
        "score_pct": score_pct,
        "is_complete": complete,
        "grade": grade,
        "official_total_score": official,
        "official_difference": difference,
        "explanation": "；".join(explanation) or None,
        "policy": policy.describe(),
    }
    return row, flags


def _official_comparison(official: float, total: float, difference: float, gap_reasons: str | None) -> str:
    if abs(difference) <= 0.005:
        return f"计算总分{number_text(total)}与表中总分{number_text(official)}一致"
    direction = "高" if difference > 0 else "低"
    return (f"表中总分{number_text(official)}比计算总分{number_text(total)}{direction}{number_text(abs(difference))}分"
            + (f"（{gap_reasons}）" if gap_reasons else ""))


__all__ = ["BANDS", "ScoreResult", "score", "score_gap", "score_indicators"]
