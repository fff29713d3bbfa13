"""Indicator attainment: direction, weight, attainment ratio, credit and score of each indicator.

Every indicator ends either *scored* (a computed score, a band, and a note on how it was read) or
*not scored* (a note saying why: no actual, no weight, words no rule knows, units that do not convert).
A missing actual is never a zero. Notes are in Chinese, like the forms, with the numbers involved.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from budgetlib.scoring.policy import BAND_NAMES, LowerIsBetterRule, ScoringPolicy, WordingRule, default_unit_factors
from budgetlib.transform.normalize import compact
from budgetlib.transform.targets import CONFLICT_NOTICE, CRITERIA, RANGE_NOTICE, is_undated, parse_target, with_year

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing's own from Python 3.13

HIGHER = "higher"
LOWER = "lower"
EXACT = "exact"
QUALITATIVE = "qualitative"
PERIOD = "period"
SCORED = "scored"
NOT_SCORED = "not_scored"

_COMPARATOR_DIRECTIONS: Mapping[str, str] = {">=": HIGHER, ">": HIGHER, "<=": LOWER, "<": LOWER, "=": EXACT}
_DIRECTION_WORDS: Mapping[str, str] = {
    HIGHER: "越高越好", LOWER: "越低越好", EXACT: "等于目标", QUALITATIVE: "定性", PERIOD: "时限",
}
_DATE_IN_TEXT = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[.\-/年]\s*(?P<m>\d{1,2})(?!\d)\s*(?:[.\-/月]\s*(?P<d>\d{1,2})(?!\d))?)?"
)
_ISO_PARTS = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?")


def is_na(value: object) -> TypeIs[None]:
    """True for None, NaN and pd.NA (a cell left empty).

    Typed as a test for None so that a type checker knows a value is not None where this is False:
    NaN and pd.NA are values no checker can tell apart from a number, so where it is True the value
    may still be one of those.
    """
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text_of(value: Any) -> str:
    return "" if is_na(value) else str(value).strip()


def number_text(value: float) -> str:
    """A number as a person would write it: 266, 8.75, 9.09."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value)}"


@dataclass
class IndicatorScore:
    """The outcome for one indicator, before it becomes a row of ``score_indicators``."""

    direction: str | None = None
    status: str = NOT_SCORED
    attainment: float | None = None
    credit: float | None = None
    band: str | None = None
    notes: list[str] = field(default_factory=list)


# --- direction -------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _is_money_unit(unit: str) -> bool:
    return default_unit_factors().get(unit, ("", 0.0))[0] == "money"


def lower_is_better_rule(row: Mapping[str, Any], rules: Iterable[LowerIsBetterRule]) -> LowerIsBetterRule | None:
    """The first rule saying this indicator's target is a ceiling (a cost, an error rate), if any."""
    unit = text_of(row.get("unit"))
    for rule in rules:
        text = text_of(row.get(rule.field))
        if not text or not _compiled(rule.pattern).search(text):
            continue
        if rule.unless and _compiled(rule.unless).search(text):
            continue
        if rule.money_unit_only and not _is_money_unit(unit):
            continue
        return rule
    return None


def direction_of(row: Mapping[str, Any], policy: ScoringPolicy) -> tuple[str | None, str | None]:
    """Which way is better for this indicator, and a note when that was inferred rather than written.

    ≥/> higher; ≤/< lower; = exact; a bare number is a ceiling on cost indicators and error rates, else
    what ``policy.bare_number`` says; a sign and a word that disagree ("≥5个工作日内") say none; words
    are qualitative; periods are periods.
    """
    kind = text_of(row.get("target_kind"))
    if kind == PERIOD:
        return PERIOD, None
    if kind != "quantitative" or is_na(row.get("target_value")):
        return QUALITATIVE, None
    comparator = text_of(row.get("comparator"))
    if comparator in _COMPARATOR_DIRECTIONS:
        return _COMPARATOR_DIRECTIONS[comparator], None
    target = text_of(row.get("target_text"))
    if parse_target(target).notice == CONFLICT_NOTICE:  # ≥5个工作日内: no bare number, so no policy guesses
        return None, f"指标值“{target}”的比较符号与其后用语方向相反，方向不明，不计分"
    rule = lower_is_better_rule(row, policy.lower_is_better_rules)
    if rule is not None:
        what = text_of(row.get(rule.field))
        return LOWER, f"指标值未写比较符号；属成本或差错类指标（{what}），按“越低越好”（不超过指标值）计分"
    if policy.bare_number == "at_least":
        return HIGHER, "指标值未写比较符号，按“不低于”计分"
    if policy.bare_number == "exact":
        return EXACT, "指标值未写比较符号，按“等于”计分"
    return None, "指标值未写比较符号，方向不明，按政策不计分"


def direction_label(direction: str | None) -> str:
    """The direction in the words a template reader knows (越高越好 …)."""
    return _DIRECTION_WORDS.get(direction or "", "不明")


# --- weights ---------------------------------------------------------------------------------------------


def resolve_weights(indicators: pd.DataFrame, policy: ScoringPolicy) -> pd.DataFrame:
    """Add ``weight_used`` and ``weight_basis``: the form's own weights, else the level-1 points split evenly.

    A form that states any indicator weight is taken at its word: an indicator it left without one gets
    none. A form that states none gets its level-1 block's points ("产出指标(70分)") or, failing that,
    the policy's default block points, split evenly among the block's annual indicators.
    """
    out = indicators.copy()
    annual = out["horizon"].fillna("annual").ne("long_term")
    has_weight = out["weight"].notna() & annual
    form_states_weights = has_weight.groupby(out["form_id"]).transform("any").astype(bool)
    weight_used = out["weight"].astype("Float64").where(has_weight)
    basis = pd.Series(pd.NA, index=out.index, dtype="str").mask(has_weight, "表中分值")
    split = annual & ~form_states_weights & out["level1_std"].notna()
    if split.any():
        points, text = _split_block_weights(out[split], policy)
        weight_used = weight_used.mask(split, points.reindex(out.index))
        basis = basis.mask(split, text.reindex(out.index))
    out["weight_used"] = weight_used.astype("Float64")
    out["weight_basis"] = basis
    return out


def _split_block_weights(part: pd.DataFrame, policy: ScoringPolicy) -> tuple[pd.Series, pd.Series]:
    """(weight, basis) of indicators in forms that state no indicator weight: block points / indicators in block."""
    stated = part.groupby(["form_id", "level1_std"], sort=False)["level1_weight"].transform("first")
    from_form = stated.notna()
    pool = part["level1_std"].map(lambda name: policy.level1_weight_pools.get(name, name))
    block = part["level1_std"].where(from_form, pool)
    points = stated.astype("float64").where(from_form, pool.map(dict(policy.level1_weights)).astype("float64"))
    source = pd.Series("默认一级指标", index=part.index).mask(from_form, "表中一级指标")
    key = part["form_id"] + "|" + source + "|" + block
    count = key.groupby(key).transform("size")
    weight = points / count
    text = [
        None if pd.isna(p) else f"{s}{b}{number_text(float(p))}分由{int(n)}项均分"
        for s, b, p, n in zip(source, block, points, count, strict=True)
    ]
    return weight, pd.Series(text, index=part.index, dtype="str")


# --- quantities ------------------------------------------------------------------------------------------


def actual_in_target_unit(row: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """The actual's number in the target's unit, and a note; (None, why) when units do not convert."""
    value = row.get("actual_value")
    if is_na(value):
        return None, None
    value = float(value)
    target_unit, actual_unit = text_of(row.get("unit")), text_of(row.get("actual_unit"))
    if not actual_unit or actual_unit == target_unit:
        if not actual_unit and target_unit and target_unit != "%":
            return value, f"实际值未写单位，按指标值单位（{target_unit}）计"
        return value, None
    if not target_unit:
        return value, None
    units = default_unit_factors()
    if target_unit in units and actual_unit in units and units[target_unit][0] == units[actual_unit][0]:
        converted = value * units[actual_unit][1] / units[target_unit][1]
        return converted, f"实际值{number_text(value)}{actual_unit}换算为{number_text(converted)}{target_unit}"
    return None, f"单位不一致（指标值为{target_unit}，实际值为{actual_unit}），无法比较"


def quantitative_credit(
    direction: str, actual: float, target: float, policy: ScoringPolicy
) -> tuple[float | None, float, str | None]:
    """(attainment, credit, note) of a number against a target.

    attainment: actual/target when higher is better, target/actual when lower is better,
    1 − |actual − target|/target for exact targets (above 1 = exceeded); credit: the share of the weight
    earned, 0–1, after the policy's formula and overshoot penalty.
    """
    if actual < 0 or target < 0:
        met = {HIGHER: actual >= target, LOWER: actual <= target, EXACT: math.isclose(actual, target)}[direction]
        return None, 1.0 if met else 0.0, "含负数，按是否达到指标值计分（达到得满分，否则0分）"
    if direction == HIGHER:
        if target == 0:
            return None, 1.0, "指标值为0，实际值不低于0即达到"
        attainment = actual / target
        return attainment, *_with_overshoot(attainment, min(attainment, 1.0), policy)
    if direction == LOWER:
        if actual == 0:  # both are >= 0 here, so 0 never exceeds the target
            return None, 1.0, "实际值为0，未超过指标值"
        ratio = target / actual
        if actual <= target:
            return ratio, *_with_overshoot(ratio, 1.0, policy)
        if policy.reverse_formula == "ratio":
            return ratio, ratio, None
        credit = max(0.0, 1.0 - (actual - target) / target) if target > 0 else 0.0
        return ratio, credit, None
    if target == 0:
        met = actual == 0
        return None, 1.0 if met else 0.0, "指标值为0，等于0得满分，否则0分"
    attainment = 1.0 - abs(actual - target) / target
    if policy.exact_formula == "all_or_nothing":
        return attainment, 1.0 if math.isclose(actual, target, rel_tol=1e-9) else 0.0, None
    return attainment, max(0.0, attainment), None


def _with_overshoot(attainment: float, credit: float, policy: ScoringPolicy) -> tuple[float, str | None]:
    limit = 1.0 + policy.overshoot_tolerance
    if not policy.overshoot_penalty or attainment <= limit + 1e-12:
        return credit, None
    penalised = max(0.0, 1.0 - (attainment - limit))
    return penalised, (
        f"超额完成（完成程度{attainment:.0%}），超出{limit:.0%}的部分按比例扣分，得分比例{penalised:.0%}"
    )


# --- words and periods -----------------------------------------------------------------------------------


def band_from_words(actual: str, target: str, rules: Iterable[WordingRule]) -> tuple[str | None, str | None]:
    """The band an actual written in words means, and a note saying which words decided it."""
    key = compact(actual)
    if key and key == compact(target):
        return "achieved", "实际值与指标值一致，判为达成"
    for rule in rules:
        match = _compiled(rule.pattern).search(key)
        if match:
            words = "" if match.group(0) == key else f"中的“{match.group(0)}”"
            return rule.band, f"实际值“{actual}”{words}判为{BAND_NAMES[rule.band]}"
    return None, None


def _date_parts(text: str) -> tuple[int, ...] | None:
    match = _ISO_PARTS.match(text)
    if not match:
        return None
    return tuple(int(part) for part in match.groups() if part)


def last_date_in(text: str) -> tuple[int, ...] | None:
    """The last date written in a text ("2023年12月完成" → (2023, 12)); months and days kept where given."""
    found = None
    for match in _DATE_IN_TEXT.finditer(compact(text)):
        parts = [int(part) for part in match.groups() if part]
        if len(parts) > 1 and not 1 <= parts[1] <= 12:
            parts = parts[:1]
        found = tuple(parts)
    return found


def date_done(actual: str, deadline: tuple[int, ...] | None) -> tuple[tuple[int, ...] | None, str | None]:
    """The date an actual names, and a note when its year was taken from the deadline.

    "2023年12月20日完成" names (2023, 12, 20); "11月20日完成" and "12月底前完成" name no year, which is
    then the deadline's ("the deadline of the same year"), and the note says so.
    """
    found = last_date_in(actual)
    if found is not None or deadline is None:
        return found, None
    parsed = parse_target(actual)
    if parsed.kind != "period" or not is_undated(parsed.period_end):
        return None, None
    completed = _date_parts(with_year(parsed.period_end, deadline[0] + (parsed.year_offset or 0)) or "")
    return completed, None if completed is None else f"实际值未写年份，按期限年份{deadline[0]}计"


def period_outcome(row: Mapping[str, Any], policy: ScoringPolicy) -> tuple[str | None, str | None]:
    """Band of a period target: met when the actual is a date by the period's end, or says so in words.

    A deadline's year taken from the form's fiscal year ("12月底前", ``period_year_basis``
    ``fiscal_year``) is said in the note; an actual without a date is read as words (按期完成 …).
    """
    actual, target = text_of(row.get("actual_text")), text_of(row.get("target_text"))
    if compact(actual) == compact(target):
        return "achieved", "实际值与指标期限一致，判为按期完成"
    deadline = text_of(row.get("period_end"))
    end = _date_parts(deadline)
    done, done_note = date_done(actual, end)
    if end and done:
        depth = min(len(end), len(done))
        on_time = done[:depth] <= end[:depth]
        shown = "-".join(f"{part:02d}" if i else str(part) for i, part in enumerate(done))
        notes = [note for note in (_year_note(row, end), done_note) if note]
        said = f"实际完成时间{shown}{'不晚于' if on_time else '晚于'}期限{deadline}"
        said += "".join(f"（{note}）" for note in notes)
        return ("achieved" if on_time else "late"), said
    return band_from_words(actual, target, policy.wording_rules)


def _year_note(row: Mapping[str, Any], end: tuple[int, ...]) -> str | None:
    if text_of(row.get("period_year_basis")) == "fiscal_year":
        return f"指标值未写年份，按表单年度计为{end[0]}年"
    return None


CRITERIA_NOTE = "评分表指标，按评分标准由评价人打分，无指标值与实际值可计算"
"""Why a scoring sheet's row is not scored (its score is the evaluator's, shown as the published score)."""


# --- one indicator ---------------------------------------------------------------------------------------


def score_indicator(row: Mapping[str, Any], policy: ScoringPolicy) -> IndicatorScore:
    """Score one indicator row (an ``indicators`` row with ``weight_used``).

    A scoring sheet's row (``target_kind`` criteria: a weight, criteria text and the evaluator's score)
    has no target and no actual to compute from: it is not scored, and the note says so rather than
    calling the actual missing.
    """
    result = IndicatorScore()
    if text_of(row.get("target_kind")) == CRITERIA:
        result.notes.append(CRITERIA_NOTE)
        return result
    result.direction, direction_note = direction_of(row, policy)
    if direction_note:
        result.notes.append(direction_note)
    actual = text_of(row.get("actual_text"))
    if text_of(row.get("horizon")) == "long_term":
        result.notes.append("中长期指标，不参与年度自评")
        return result
    if text_of(row.get("actual_problem")):  # an actual the sheet gives but that must not be scored
        result.notes.append(text_of(row.get("actual_problem")))
        return result
    if is_na(row.get("weight_used")):
        result.notes.append("表中未写该指标分值，且无法由一级指标分值推出" if is_na(row.get("level1_std"))
                            else "表中未写该指标分值")
    if not actual:
        result.notes.append("未填实际完成值，不计分")
    if result.direction is None or not actual or is_na(row.get("weight_used")):
        return result
    if result.direction in (HIGHER, LOWER, EXACT):
        _score_quantity(row, result, policy)
    elif result.direction == PERIOD:
        band, note = period_outcome(row, policy)
        _apply_band(result, band, note, policy, late_ok=True)
    else:
        _score_words(row, result, policy)
    return result


def _score_quantity(row: Mapping[str, Any], result: IndicatorScore, policy: ScoringPolicy) -> None:
    actual_text = text_of(row.get("actual_text"))
    if is_na(row.get("actual_value")):
        band, note = band_from_words(actual_text, text_of(row.get("target_text")), policy.wording_rules)
        if band is None:
            result.notes.append(f"实际值“{actual_text}”不是数值，也无可识别的完成情况用语，不计分")
            return
        _apply_band(result, band, f"实际值为文字：{note}", policy)
        return
    value, unit_note = actual_in_target_unit(row)
    if unit_note:
        result.notes.append(unit_note)
    if value is None:
        return
    comparator = text_of(row.get("actual_comparator"))
    if comparator:
        result.notes.append(f"实际值写有比较符号（{actual_text}），按{number_text(value)}计")
    attainment, credit, note = quantitative_credit(result.direction or HIGHER, value, float(row["target_value"]),
                                                   policy)
    if note:
        result.notes.append(note)
    result.status, result.attainment, result.credit = SCORED, attainment, credit
    result.band = policy.band_of(credit)


def _score_words(row: Mapping[str, Any], result: IndicatorScore, policy: ScoringPolicy) -> None:
    actual_text = text_of(row.get("actual_text"))
    band, note = band_from_words(actual_text, text_of(row.get("target_text")), policy.wording_rules)
    if band is None:
        target = text_of(row.get("target_text"))
        if parse_target(target).notice == RANGE_NOTICE:
            result.notes.append(f"指标值“{target}”为数值区间，无单一目标值，不计分")
        elif not is_na(row.get("actual_value")):
            result.notes.append(f"指标值为文字，实际值为数值（{actual_text}），无法自动判断完成档次，不计分")
        else:
            result.notes.append(f"实际值“{actual_text}”无可识别的完成情况用语，不计分（可在实际值中写明达成/部分达成/未达成）")
        return
    _apply_band(result, band, note, policy)


def _apply_band(result: IndicatorScore, band: str | None, note: str | None, policy: ScoringPolicy,
                late_ok: bool = False) -> None:
    if band is None:
        result.notes.append("实际值中既无完成日期，也无可识别的完成情况用语，不计分")
        return
    if note:
        result.notes.append(note)
    if band == "late" and late_ok:
        result.status, result.credit, result.band = SCORED, policy.late_credit, "not_achieved"
        result.attainment = policy.late_credit
        return
    credit = policy.qualitative_credit[band]
    result.status, result.credit, result.attainment, result.band = SCORED, credit, credit, band
