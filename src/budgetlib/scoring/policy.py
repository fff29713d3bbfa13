"""How a self-evaluation is scored: one frozen, documented policy object.

The defaults follow the national rule for project self-evaluations (财预〔2020〕10号, 项目支出绩效自评表
and its notes); everything the rule leaves to local practice or to the evaluator's judgement is a field
here, so that a province's own practice is a different ``ScoringPolicy``, never a code change:

>>> from budgetlib.scoring import ScoringPolicy
>>> ScoringPolicy().rounding, ScoringPolicy(rounding="whole").rounding
('none', 'whole')

The vocabularies (qualitative wording → band, indicators where lower is better, convertible units) are
data files in ``budgetlib/data/`` loaded into the policy, so a user can extend them by passing their
own rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Literal

from budgetlib.vocabulary import table, unit_factors

Rounding = Literal["none", "whole", "half"]
Band = Literal["achieved", "partly", "not_achieved"]

ROUNDINGS: tuple[str, ...] = ("none", "whole", "half")
BANDS: tuple[str, ...] = ("achieved", "partly", "not_achieved")
BAND_NAMES: Mapping[str, str] = MappingProxyType(
    {"achieved": "达成", "partly": "部分达成", "not_achieved": "未达成"}
)
DENOMINATOR_COLUMNS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "full_year": ("full_year_budget", "全年预算数"),
    "adjusted": ("adjusted_budget", "调整后预算数"),
    "initial": ("initial_budget", "年初预算数"),
})
"""Execution-rate denominators: policy name → (column stem in ``budget_execution``, label on the forms)."""


@dataclass(frozen=True, slots=True)
class WordingRule:
    """A regular expression over an actual written in words, and the band it means."""

    band: str
    pattern: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class LowerIsBetterRule:
    """An indicator whose target is a ceiling although no ``≤`` is written (costs, error rates).

    ``field`` is the indicators column the ``pattern`` is searched in (``level1_std``, ``level2_std`` or
    ``name``); ``unless`` excludes names about handling the bad thing (投诉处理率); with
    ``money_unit_only`` the rule applies only when the target's unit is money (元, 万元 …).
    """

    field: str
    pattern: str
    unless: str = ""
    money_unit_only: bool = False
    note: str = ""


@cache
def default_wording_rules() -> tuple[WordingRule, ...]:
    """``data/qualitative_bands.csv``: the first rule that matches an actual decides its band."""
    return tuple(WordingRule(r["band"], r["pattern"], r.get("note", "")) for r in table("qualitative_bands.csv"))


@cache
def default_lower_is_better_rules() -> tuple[LowerIsBetterRule, ...]:
    """``data/lower_is_better.csv``: indicators scored with the reverse formula without a written ``≤``."""
    return tuple(
        LowerIsBetterRule(r["field"], r["pattern"], r["unless"], r["money_unit_only"].strip().lower() == "true",
                          r.get("note", ""))
        for r in table("lower_is_better.csv")
    )


@cache
def default_unit_factors() -> Mapping[str, tuple[str, float]]:
    """Units an actual may be converted between: unit → (dimension, factor to the dimension's base).

    Money comes from ``data/money_units.csv`` (元, 万元, 亿元 …), the rest from ``data/score_units.csv``.
    """
    units: dict[str, tuple[str, float]] = {unit: ("money", factor) for unit, factor in unit_factors().items()}
    units.update({r["unit"]: (r["dimension"], float(r["factor"])) for r in table("score_units.csv")})
    return MappingProxyType(units)


def _frozen(mapping: Mapping) -> Mapping:
    return mapping if isinstance(mapping, MappingProxyType) else MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class ScoringPolicy:
    """The rules :func:`budgetlib.score` applies. Defaults are the national rule; change a field for local practice.

    Weights
        ``level1_weights``: points of each level-1 block when a form states no weights of its own
        (产出 50, 效益 30, 满意度 10; the budget-execution block has ``execution_weight`` 10). A form's own
        weights always win: per-indicator 分值 first, then a block's "产出指标(70分)", and only then these
        defaults, split evenly among the block's indicators. ``level1_weight_pools`` puts a block without a
        default of its own into another's points (the 2021 level-1 成本指标 shares 产出's 50).

    Execution rate
        rate = 执行数 / denominator. ``execution_denominator`` is ``"full_year"`` (全年预算数, the national
        form) or ``"adjusted"`` (调整后预算数, what several provinces print). Fallback when the form does not
        state the chosen one: the other of the two (provinces print one or the other for the same thing:
        the budget after in-year adjustments), then 年初预算数 (the form then stated no adjustment at all);
        the result always says which was used. Score = weight × min(rate, 1). A rate under
        ``execution_reason_threshold`` (90%) needs a written reason; text that is the template's own
        instruction (``template_text_markers``, e.g. "(100字以内)") is not a reason.

    Quantitative indicators
        higher is better (≥, >): full weight when met, else weight × actual / target.
        lower is better (≤, <, cost indicators, error rates; see ``lower_is_better_rules``): full weight when
        met, else ``reverse_formula``: ``"ratio"`` weight × target / actual (the national form's note), or
        ``"deviation"`` weight × max(0, 1 − (actual − target) / target).
        exact (=): ``exact_formula`` ``"deviation"`` weight × max(0, 1 − |actual − target| / target), or
        ``"all_or_nothing"``.
        a bare number ("100", "20万元": no comparator written): ``bare_number`` ``"at_least"`` (default: read
        as "reach at least", and the indicator's note says so), ``"exact"``, or ``"not_scored"``. A bare
        number on a cost indicator is a ceiling (lower is better) whatever this says.
        ``overshoot_penalty`` (off by default, as the national rule has none): a target exceeded by more than
        ``overshoot_tolerance`` (0.2 = beyond 120%) was probably set too low, and loses the excess in
        proportion: credit = max(0, 1 − (attainment − 1 − tolerance)).

    Qualitative indicators and periods
        The rule's three bands of the weight: achieved 80–100%, partly 60–80%, not achieved 0–60% (the
        evaluator picks a point inside). ``qualitative_credit`` is the point a program picks: achieved 1.0
        (the top, as for a met quantitative target; it reproduces published full marks), partly 0.7 (the
        middle: nothing in the words says which end), not achieved 0.0 (a program cannot see "some
        effect", so it gives none; 0.3 is the band's middle). An actual that restates the target
        ("显著提升" for "显著提升") is achieved; otherwise ``wording_rules`` (``data/qualitative_bands.csv``)
        map the words (达成预期指标/达到/完成/显著提升/明显改善 → achieved; 部分达成/基本达到 → partly;
        未达成/未完成 → not achieved); words no rule knows leave the indicator not scored, with a note.
        A period target ("2023.07-2024.01") is met when the actual is a date no later than its end, or
        says so ("按期完成"); a late one gets ``late_credit`` (0). Deadlines ("12月底前", "6月30日前完成",
        "年底前", "第三季度末前") are periods with an end: met when the actual date is on or before it,
        compared at the precision both are written with ("12月底前" is met by any day of December); a
        deadline without a year ends in the form's fiscal year (次年: the year after) and an actual date
        without a year takes the deadline's, both said in the note. An actual that names no date, and the
        actual of a deadline whose date does not exist ("2月30日前", no end), are read as words like a
        qualitative actual (按期完成 achieved, 未按期完成 not achieved, else ``wording_rules``).

    Rounding and grades
        ``rounding`` of every indicator and execution score: ``"none"``, ``"whole"`` points or ``"half"``
        points, half up (8.75 → 9 / 9.0; published forms often print whole points). Grades on the total as
        a share of its weight: ``grade_floors`` 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below. No grade unless every
        weighted indicator was scored (``grade_incomplete=True`` grades the scored part, rescaled).
        ``execution_in_total``: ``"auto"`` follows the form (a stated 总分 weight equal to the indicators'
        points alone leaves the execution score out, as one published example does; without a stated
        weight the national rule includes it), ``"always"`` or ``"never"``.
    """

    level1_weights: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0})
    )
    level1_weight_pools: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({"成本指标": "产出指标"}))
    execution_weight: float = 10.0
    execution_denominator: Literal["full_year", "adjusted"] = "full_year"
    execution_reason_threshold: float = 0.9
    template_text_markers: tuple[str, ...] = ("字以内", "需说明", "应单独说明", "请说明", "说明原因")
    reverse_formula: Literal["ratio", "deviation"] = "ratio"
    exact_formula: Literal["deviation", "all_or_nothing"] = "deviation"
    bare_number: Literal["at_least", "exact", "not_scored"] = "at_least"
    overshoot_penalty: bool = False
    overshoot_tolerance: float = 0.2
    qualitative_credit: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"achieved": 1.0, "partly": 0.7, "not_achieved": 0.0})
    )
    band_floors: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"achieved": 0.8, "partly": 0.6, "not_achieved": 0.0})
    )
    wording_rules: tuple[WordingRule, ...] = field(default_factory=default_wording_rules)
    lower_is_better_rules: tuple[LowerIsBetterRule, ...] = field(default_factory=default_lower_is_better_rules)
    late_credit: float = 0.0
    rounding: Rounding = "none"
    grade_floors: tuple[tuple[str, float], ...] = (("优", 90.0), ("良", 80.0), ("中", 60.0), ("差", 0.0))
    grade_incomplete: bool = False
    execution_in_total: Literal["auto", "always", "never"] = "auto"
    score_tolerance: float = 0.005
    """Two scores closer than this (points) are the same: forms print two decimals at most."""

    def __post_init__(self) -> None:
        for name in ("level1_weights", "level1_weight_pools", "qualitative_credit", "band_floors"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        self._check_choice("rounding", ROUNDINGS)
        self._check_choice("execution_denominator", ("full_year", "adjusted"))
        self._check_choice("reverse_formula", ("ratio", "deviation"))
        self._check_choice("exact_formula", ("deviation", "all_or_nothing"))
        self._check_choice("bare_number", ("at_least", "exact", "not_scored"))
        self._check_choice("execution_in_total", ("auto", "always", "never"))
        if set(self.qualitative_credit) != set(BANDS) or set(self.band_floors) != set(BANDS):
            raise ValueError(f"qualitative_credit and band_floors need exactly the bands {BANDS}")
        ceilings = {"achieved": 1.0, "partly": self.band_floors["achieved"], "not_achieved": self.band_floors["partly"]}
        for band, credit in self.qualitative_credit.items():
            if not self.band_floors[band] <= credit <= ceilings[band]:
                raise ValueError(
                    f"qualitative_credit[{band!r}] = {credit} lies outside its band "
                    f"{self.band_floors[band]:g}–{ceilings[band]:g}"
                )
        for rule in self.wording_rules:
            if rule.band not in BANDS:
                raise ValueError(f"wording rule {rule.pattern!r}: band {rule.band!r} is not one of {BANDS}")
            re.compile(rule.pattern)
        if not 0.0 <= self.late_credit <= 1.0 or self.overshoot_tolerance < 0:
            raise ValueError("late_credit must lie in 0–1 and overshoot_tolerance must not be negative")

    def _check_choice(self, name: str, allowed: tuple[str, ...]) -> None:
        value = getattr(self, name)
        if value not in allowed:
            raise ValueError(f"ScoringPolicy.{name} must be one of {allowed}, not {value!r}")

    def round_points(self, points: float) -> float:
        """A score rounded as the policy says, half up (never banker's rounding: 8.5 → 9).

        >>> ScoringPolicy(rounding="whole").round_points(8.75), ScoringPolicy(rounding="half").round_points(8.25)
        (9.0, 8.5)
        """
        return round_points(points, self.rounding)

    def band_of(self, credit: float) -> str:
        """The band a share of the weight falls in (0.86 → achieved, 0.7 → partly)."""
        for band in BANDS:
            if credit >= self.band_floors[band] - 1e-9:
                return band
        return "not_achieved"

    def grade_of(self, percent: float) -> str:
        """优/良/中/差 for a total expressed out of 100."""
        for grade, floor in self.grade_floors:
            if percent >= floor - 1e-9:
                return grade
        return self.grade_floors[-1][0]

    def describe(self) -> str:
        """The choices that change numbers, in one line (kept beside every scored form)."""
        return (
            f"rounding={self.rounding}; reverse={self.reverse_formula}; exact={self.exact_formula}; "
            f"bare_number={self.bare_number}; denominator={self.execution_denominator}; "
            f"overshoot_penalty={'on' if self.overshoot_penalty else 'off'}; "
            f"qualitative={'/'.join(f'{self.qualitative_credit[b]:g}' for b in BANDS)}"
        )


def round_points(points: float, rounding: str) -> float:
    """Round half up to whole or half points; ``"none"`` leaves the value as computed."""
    if rounding == "none" or math.isnan(points):
        return points
    steps = 2.0 if rounding == "half" else 1.0
    return math.floor(points * steps + 0.5 + 1e-9) / steps
