"""Review findings (绩效目标审核): checks C1–C16 of the domain notes and the cross-form checks C17–C20,
as a rule table and functions.

The rule table (``data/checks.csv``) holds each check's id, severity, review dimension (完整性, 相关性,
适当性, 可行性) and Chinese message template; a check here only decides *whether* a form trips it and
with which numbers. Thresholds live in :class:`ReviewConfig`, so that a bureau with other practice
(a 20% growth threshold, satisfaction targets up to 98%) changes a parameter, not the code.

Checks C1–C16 look at one form at a time and only at that form's rows, so their findings do not
depend on which other forms were read with it (and a streamed batch gives the same findings as one
read). C17–C20 (:mod:`budgetlib.analysis.crossform`) compare the forms of one project-year: they
run over the whole set of forms given (``read_forms`` adds them once it has read every batch), and a
form read alone gets only what it shows alone.

A check with no data to check is **skipped, not failed**: a target form without an expenditure table
is not reported under C10, a form without a cost basis not under C8, C9 or C11, a form without a
prior-year figure not under C12 or C13. A figure whose unit the form does not state (its 元 value is
NA) is treated as missing, never as zero. The only checks that report an absence are the
completeness checks whose point is the absence (C1: no indicator of a required level; C14: too few
indicators).
"""

from __future__ import annotations

import logging
import math
import re
from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from types import SimpleNamespace
from typing import Any

import pandas as pd

from budgetlib import schema
from budgetlib.analysis.crossform import CROSS_FORM_CHECK_IDS, Hit, cross_form_hits, possibly_same_in_projects
from budgetlib.analysis.project_years import DEFAULT_POLICY, ProjectYearPolicy
from budgetlib.caches import TEXT_CACHE_SIZE
from budgetlib.formatting import format_change as fmt_pct
from budgetlib.formatting import format_number as fmt_number
from budgetlib.formatting import format_yuan as fmt_yuan
from budgetlib.forms import Forms
from budgetlib.transform.amounts import parse_amount
from budgetlib.transform.costbasis import TIME_UNITS, bandwidths_in, cost_item_kinds, cost_items, quantities_in
from budgetlib.transform.labels import apply_level_overrides, level2_parent, match_level
from budgetlib.transform.normalize import compact
from budgetlib.transform.targets import CONFLICT_NOTICE, CRITERIA, RANGE_NOTICE, parse_target, stated_target
from budgetlib.vocabulary import VocabularyError, table, unit_factors

log = logging.getLogger(__name__)

__all__ = ["CHECKS", "FORM_CHECKS", "ReviewConfig", "review", "review_across_forms", "review_each_form",
           "review_names_across_projects", "rules"]

SATISFACTION_L2 = "服务对象满意度指标"
CRITERIA_KIND = CRITERIA
"""target_kind of a scoring-sheet row (see :attr:`FormData.is_scoring_sheet`)."""
COST_L2 = frozenset({"成本指标", "经济成本指标", "社会成本指标", "生态环境成本指标"})
SEVERITY_ORDER = {severity: rank for rank, severity in enumerate(schema.SEVERITIES)}


@dataclass(frozen=True, slots=True)
class ReviewConfig:
    """Thresholds and local choices of the review; defaults follow the national rules in domain.md §5.

    Attributes:
        required_level1: level-1 indicators every form needs (C1).
        cost_level1_from_year: from this fiscal year a 成本指标 block is also required (财预〔2021〕101号);
            None never requires it.
        accept_cost_under_output: a 成本指标 written as a level 2 under 产出指标 (the 2015 layout many
            local templates still use) meets the cost requirement of C1.
        accept_satisfaction_under_benefit: 服务对象满意度指标 under 效益指标 (older templates, still in
            use) is a valid pair for C3.
        min_indicators: C14's minimum number of indicators.
        satisfaction_unrealistic_pct: a satisfaction target at or above this is unrealistic (C5).
        satisfaction_practice_pct: the usual range, quoted in C5's message.
        full_rate_pct: a rate target of exactly this needs evidence (C6).
        cost_basis_tolerance: C8 accepts a gap up to this fraction of the budget (the items are often
            "约"-rounded), and never less than ``sum_tolerance_yuan``.
        sum_tolerance_yuan: gap in 元 below which two sums agree (C10, C11, C12).
        package_ratio_range: package ratios (stated / list) outside this range are a warning (C9).
        prior_year_tolerance: relative gap below which two prior-year figures agree (C12).
        yoy_reason_threshold: a change above this fraction needs a stated reason (C13).
        reason_markers: words that show the change text gives a reason (C13).
        goal_min_shared_terms: how many two-character terms an indicator must share with the goal (C16).
        budget_tolerance: relative gap below which the budgets two forms of a project-year state agree
            (C17; never less than ``sum_tolerance_yuan``).
        project_years: how the forms of a project-year are found and its budget chosen (C17–C20).
        across_forms: run the cross-form checks C17–C20 over the forms given (False: C1–C16 only,
            form by form, as a batch of a larger read does).
        checks: run only these check ids (None: all).
    """

    required_level1: tuple[str, ...] = ("产出指标", "效益指标", "满意度指标")
    cost_level1_from_year: int | None = 2021
    accept_cost_under_output: bool = True
    accept_satisfaction_under_benefit: bool = True
    min_indicators: int = 3
    satisfaction_unrealistic_pct: float = 100.0
    satisfaction_practice_pct: tuple[float, float] = (85.0, 95.0)
    full_rate_pct: float = 100.0
    cost_basis_tolerance: float = 0.01
    sum_tolerance_yuan: float = 1.0
    package_ratio_range: tuple[float, float] = (0.5, 1.0)
    prior_year_tolerance: float = 0.005
    yoy_reason_threshold: float = 0.30
    reason_markers: tuple[str, ...] = (
        "因", "由于", "原因", "用于", "主要", "系", "根据", "按照", "需要", "扩大", "提高", "调整", "政策",
        "标准", "纳入", "实施", "建设", "要求", "安排", "考虑", "升级", "到期", "一次性", "压减", "整合",
    )
    goal_min_shared_terms: int = 1
    budget_tolerance: float = 0.005
    project_years: ProjectYearPolicy = DEFAULT_POLICY
    across_forms: bool = True
    checks: tuple[str, ...] | None = None


# -- the rule table ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of data/checks.csv."""

    check_id: str
    variant: str
    severity: str
    dimension: str
    check: str
    message: str


@cache
def _rule_index() -> dict[tuple[str, str], Rule]:
    index = {}
    for row in table("checks.csv"):
        if row["severity"] not in schema.SEVERITIES:
            raise VocabularyError(f"data/checks.csv: {row['check_id']} {row['variant']} has severity "
                                  f"{row['severity']!r}, not one of {', '.join(schema.SEVERITIES)}")
        index[(row["check_id"], row["variant"])] = Rule(**{name: row[name] for name in Rule.__slots__})
    return index


def rules() -> pd.DataFrame:
    """The rule table: check_id, variant, severity, dimension, check (short name), message template."""
    return pd.DataFrame([vars_of(rule) for rule in _rule_index().values()], dtype="str")


def vars_of(rule: Rule) -> dict[str, str]:
    return {name: getattr(rule, name) for name in Rule.__slots__}


# -- one form's rows --------------------------------------------------------------------------------


Row = SimpleNamespace
"""One row of a table as plain attributes, NA as None (checks run per form: plain Python is fastest)."""


@dataclass
class FormData:
    """The rows of one form that the checks read (empty lists where the form has none)."""

    form_id: str
    project: dict[str, Any]
    tables: dict[str, list[Row]] = field(default_factory=dict)

    def table(self, name: str) -> list[Row]:
        return self.tables.get(name, [])

    @property
    def fiscal_year(self) -> int | None:
        return _int_or_none(self.project.get("fiscal_year"))

    @property
    def budget(self) -> float | None:
        return _float_or_none(self.project.get("current_year_budget_yuan"))

    def indicators(self) -> list[Row]:
        """The annual indicators (all indicators when the form has no annual ones)."""
        rows = self.table("indicators")
        annual = [row for row in rows if row.horizon == "annual"]
        return annual or rows

    def real_indicators(self) -> list[Row]:
        """The indicators that are not template placeholders."""
        return [row for row in self.indicators() if row.has_placeholder is not True]

    def targeted_indicators(self) -> list[Row]:
        """The real indicators that carry a target: not the rows of a scoring sheet (target_kind
        ``criteria``: a weight, criteria text and a score), which the target and level checks leave alone."""
        return [row for row in self.real_indicators() if row.target_kind != CRITERIA_KIND]

    @property
    def is_scoring_sheet(self) -> bool:
        """True for a scoring sheet: indicators, all of them scored by criteria with no target.

        The form's type does not decide it alone: a scoring sheet is read as a department form
        (部门整体支出绩效评价评分表), but a department self-evaluation may carry targeted indicators, which
        are checked like a project's. The levels of a scoring sheet are those of the evaluation
        framework (投入, 过程, 产出, 效益 and 预算编制, 预算执行 … under them), so C1–C3 and C7, which
        judge the levels of a project's targets, and C4, which judges targets, do not apply.
        """
        rows = self.real_indicators()
        return bool(rows) and all(row.target_kind == CRITERIA_KIND for row in rows)


_FORM_TABLES = ("indicators", "cost_items", "expenditures", "funding", "budget_history", "budget_execution",
                "stated_totals")


@lru_cache(maxsize=256)
def _row_type(columns: tuple[str, ...]) -> Callable[[Iterable[Any]], Any] | None:
    """A named tuple of the columns (made in C, read by attribute), or None for names a tuple cannot take.

    ``tuple.__new__`` rather than the class's ``_make``, a Python function; the rows come from
    ``zip(strict=True)`` over the columns, so each has as many values as there are names.
    """
    try:
        return partial(tuple.__new__, namedtuple("Row", columns))
    except ValueError:
        return None


def records(df: pd.DataFrame) -> list[Row]:
    """A table as rows with attribute access, NA as None."""
    columns = list(df.columns)
    values = [schema.python_values(series) for _, series in df.items()]
    make = _row_type(tuple(columns))
    if make is not None:
        return list(map(make, zip(*values, strict=True)))
    return [Row(**dict(zip(columns, row, strict=True))) for row in zip(*values, strict=True)]


def _as_dict(row: Any) -> dict[str, Any]:
    return row._asdict() if hasattr(row, "_asdict") else vars(row)


def _form_data(forms: Forms) -> Iterable[FormData]:
    grouped: dict[str, dict[str, list[Row]]] = {}
    for name in _FORM_TABLES:
        df = forms.tables.get(name)
        if df is None or df.empty:
            continue
        for row in records(df):
            grouped.setdefault(row.form_id, {}).setdefault(name, []).append(row)
    for project in records(forms.projects):
        yield FormData(project.form_id, _as_dict(project), grouped.get(project.form_id, {}))


# -- formatting -------------------------------------------------------------------------------------


def _int_or_none(value: Any) -> int | None:
    if value is None or type(value) is int:
        return value
    return None if pd.isna(value) else int(value)


def _float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # the common case first: a check reads tens of texts a form
        return value
    return "" if pd.isna(value) else str(value)


def _sum(rows: Iterable[Row], column: str) -> float:
    return float(sum(getattr(row, column) for row in rows))


def _indicator_location(row: Any) -> str:
    path = "/".join(filter(None, map(_text, (row.level1, row.level2, row.name))))
    return f"indicators #{row.indicator_no}: {path}"


def _item_location(row: Any) -> str:
    text = _text(row.description).replace("\n", " ")
    return f"cost_items #{_text(row.item_no) or '合计'}: {text[:24]}{'…' if len(text) > 24 else ''}"


Finding = dict[str, Any]


def _finding(form: FormData, check_id: str, variant: str, location: str, **values: Any) -> Finding:
    rule = _rule_index()[(check_id, variant)]
    return {
        "form_id": form.form_id,
        "check_id": check_id,
        "severity": rule.severity,
        "dimension": rule.dimension,
        "message": rule.message.format(**values),
        "location": location,
    }


def _agree(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance


# -- C1–C7, C14–C16: indicators ---------------------------------------------------------------------


def check_c1(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C1: each required level 1 (产出, 效益, 满意度; 成本 from 2021) has at least one indicator.

    Levels are counted by their canonical level 1 (``level1_std``), so a satisfaction row written under
    效益指标 counts as satisfaction, and the 效益 block it sat in may be left empty.
    """
    if form.is_scoring_sheet:
        return []
    indicators = form.targeted_indicators()
    if not indicators:
        return [_finding(form, "C1", "no_indicators", "indicators", required="、".join(config.required_level1))]
    required = list(config.required_level1)
    year = form.fiscal_year
    if config.cost_level1_from_year is not None and year is not None and year >= config.cost_level1_from_year:
        required.append("成本指标")
    present = {row.level1_std for row in indicators}
    findings = []
    for level1 in required:
        if level1 in present:
            continue
        if level1 == "成本指标" and config.accept_cost_under_output and any(
            row.level2_std in COST_L2 for row in indicators
        ):
            continue
        written_here = [
            row for row in indicators
            if _text(row.level1) and (match := match_level(row.level1, 1)) is not None and match.std == level1
        ]
        detail = ""
        if written_here:
            names = "、".join(_text(row.name) for row in written_here)
            moved = "、".join(sorted({f"「{_text(row.level1_std)}」" for row in written_here}))
            detail = f"；写在「{_text(written_here[0].level1)}」下的 {len(written_here)} 个指标（{names}）归入了{moved}"
        findings.append(_finding(form, "C1", "missing_level1", f"indicators: {level1}", level1=level1, detail=detail))
    return findings


def check_c2(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C2: the output indicators include 时效 and 成本 ones (or the form has a level-1 成本 block)."""
    indicators = form.targeted_indicators()
    if not indicators:
        return []
    level2 = {row.level2_std for row in indicators if row.level1_std == "产出指标" and row.level2_std}
    missing = []
    if "时效指标" not in level2:
        missing.append("时效指标")
    has_cost = bool(level2 & COST_L2) or any(row.level1_std == "成本指标" for row in indicators)
    if not has_cost:
        missing.append("成本指标")
    if not missing:
        return []
    present = "、".join(sorted(level2)) or "无"
    return [_finding(form, "C2", "missing_output_level2", "indicators (产出指标)",
                     missing="、".join(f"「{m}」" for m in missing), present=present)]


def _pair_is_valid(level1: str, level2: str, config: ReviewConfig) -> tuple[str | None, str | None]:
    """(variant, expected level 1) when the pair is invalid, (None, None) when valid."""
    first = match_level(level1, 1)
    if first is None:
        return "unknown_level1", None
    second = match_level(level2, 2)
    if second is None:
        if match_level(level2, 1) is not None and match_level(level2, 1).std == first.std:  # type: ignore[union-attr]
            return None, None  # the level-1 label repeated in the level-2 column
        return "unknown_level2", None
    # the level 2 as analysed under this level 1 (data/indicator_level_overrides.csv: 成本指标 inside the
    # 成本指标 block is 经济成本指标, which belongs there)
    level2_std = apply_level_overrides(first.std, second.std).level2_std or second.std
    if level2_parent(level2_std) == first.std:
        return None, None
    if first.std == "效益指标" and second.std == SATISFACTION_L2 and config.accept_satisfaction_under_benefit:
        return None, None
    return "invalid_level2", second.std_level1


def check_c3(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C3: each level 2 is valid under the level 1 it is written under (one finding per wrong pair)."""
    pairs: dict[tuple[str, str], list[Row]] = {}
    for row in form.indicators():
        if row.level1 and row.level2 and row.target_kind != CRITERIA_KIND:
            pairs.setdefault((row.level1, row.level2), []).append(row)
    findings = []
    for (level1, level2), rows in pairs.items():
        variant, expected = _pair_is_valid(level1, level2, config)
        if variant is None:
            continue
        location = f"indicators #{','.join(str(row.indicator_no) for row in rows)}: {level1}/{level2}"
        findings.append(_finding(form, "C3", variant, location, level1=level1, level2=level2, expected=expected,
                                 count=len(rows)))
    return findings


def _target_problems(row: Any) -> list[str]:
    problems = []
    target = _text(row.target_text).strip()
    if not target:
        return ["未填写"]
    if row.has_placeholder is True:
        problems.append("仍为模板占位内容")
    kind = _text(row.target_kind)
    notice = parse_target(target).notice
    if notice == RANGE_NOTICE:
        problems.append("为数值区间，一个指标只能有一个目标值，无法评分")
    if kind == "quantitative":
        if row.target_value is None:
            problems.append("只写了比较符，缺少数值")
        elif notice == CONFLICT_NOTICE:
            problems.append("比较符号与其后用语方向相反（如 ≥ 与“以内”），方向不明")
        elif not _text(row.comparator):
            problems.append("未写比较符（≥、≤ 或 =），方向不明")
        if not _text(row.unit):
            problems.append("缺少计量单位")
    elif not kind:
        problems.append("无法识别为定量、定性或时间目标")
    return problems


def check_c4(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C4: each target is comparator + number + unit, or a recognised qualitative or period target.

    A bare number (no ≥/≤/=) leaves the direction unknown; a number without a unit cannot be checked
    against an actual; a template placeholder or an empty target is no target.
    """
    findings = []
    for row in form.indicators():
        if row.target_kind == CRITERIA_KIND:
            continue  # a scoring-sheet row: scored by its criteria, it has no target to check
        problems = _target_problems(row)
        if problems:
            findings.append(_finding(form, "C4", "target", _indicator_location(row), name=_text(row.name),
                                     target=_text(row.target_text), problems="：" + "；".join(problems)))
    return findings


def _target_display(row: Any) -> str:
    """The target as a reader would say it: '100' with a separate % column and '=' shows as '=100%'."""
    return stated_target(row.target_text, row.comparator, row.unit) or ""


def _is_satisfaction_row(row: Any) -> bool:
    return _text(row.level2_std) == SATISFACTION_L2 or "满意" in _text(row.name)


def _percent_value(row: Any) -> float | None:
    if row.target_kind != "quantitative" or row.target_value is None:
        return None
    if _text(row.unit) in ("%", ""):
        return float(row.target_value)
    return None


def check_c5(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C5: a satisfaction target at or above 100% is unrealistic (practice: 85–95%)."""
    findings = []
    for row in form.indicators():
        value = _percent_value(row)
        if value is None or not _is_satisfaction_row(row) or _text(row.comparator) in ("<=", "<"):
            continue
        if value >= config.satisfaction_unrealistic_pct:
            low, high = config.satisfaction_practice_pct
            findings.append(_finding(
                form, "C5", "satisfaction", _indicator_location(row), name=_text(row.name),
                target=_target_display(row), limit=fmt_number(config.satisfaction_unrealistic_pct),
                low=fmt_number(low), high=fmt_number(high),
            ))
    return findings


def check_c6(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C6: a rate target of exactly 100% with no evidence (an empty 备注) is noted.

    Satisfaction targets are left to C5.
    """
    findings = []
    for row in form.indicators():
        if _text(row.unit) != "%" or _percent_value(row) != config.full_rate_pct:
            continue
        if _is_satisfaction_row(row) or _text(row.comparator) in ("<=", "<") or _text(row.remark).strip():
            continue
        findings.append(_finding(form, "C6", "full_rate", _indicator_location(row), name=_text(row.name),
                                 target=_target_display(row)))
    return findings


@cache
def _aspects() -> dict[str, tuple[str, re.Pattern[str], str]]:
    return {
        row["level2_std"]: (row["aspect"], re.compile(row["pattern"]), row["examples"])
        for row in table("level2_aspects.csv")
    }


def check_c7(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C7: the level-3 text fits its level 2: a satisfaction row mentions 满意, a 满意 row sits under
    satisfaction, a 时效 row speaks of time and a 成本 row of cost (data/level2_aspects.csv)."""
    findings = []
    for row in form.targeted_indicators():
        name = _text(row.name)
        level2_std = _text(row.level2_std)
        location = _indicator_location(row)
        written = _text(row.level2) or _text(row.level1)  # a two-level table writes its level 2 in the 一级 column
        if level2_std == SATISFACTION_L2:
            if "满意" not in name:
                findings.append(_finding(form, "C7", "not_satisfaction", location, level2=written, name=name))
            continue
        if "满意" in name and _text(row.level2):
            findings.append(_finding(form, "C7", "satisfaction_elsewhere", location, level2=_text(row.level2),
                                     name=name))
            continue
        aspect = _aspects().get(level2_std)
        if aspect is None:
            continue
        label, pattern, examples = aspect
        if pattern.search(compact(name) + compact(_text(row.target_text))):
            continue
        if label == "时效" and _text(row.target_kind) == "period":
            continue
        if label == "成本" and _text(row.unit) in unit_factors():
            continue
        findings.append(_finding(form, "C7", "aspect", location, level2=written, name=name, aspect=label,
                                 examples=examples))
    return findings


def check_c14(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C14: at least ``min_indicators`` indicators, and each level 2 used has a real one (not a placeholder)."""
    indicators = form.indicators()
    if not indicators:
        return []  # C1 reports a form without indicators
    findings = []
    real = form.real_indicators()
    if len(real) < config.min_indicators:
        findings.append(_finding(form, "C14", "too_few", "indicators", count=len(real), minimum=config.min_indicators))
    by_level2: dict[str, list[Row]] = {}
    for row in indicators:
        if row.level2:
            by_level2.setdefault(row.level2, []).append(row)
    for level2, rows in by_level2.items():
        if all(row.has_placeholder is True for row in rows):
            names = "、".join(_text(row.name) or "（空）" for row in rows)
            findings.append(_finding(form, "C14", "empty_level2", f"indicators: {level2}", level2=level2, names=names))
    return findings


@lru_cache(maxsize=TEXT_CACHE_SIZE, typed=True)
def _mentions_number(value: float, text: str) -> bool:
    """True when ``text`` writes ``value`` as a number of its own; cached, since the same indicator
    texts are searched for each quantity of a form, and recur across forms."""
    number = fmt_number(value).replace(",", "")
    key = compact(text)
    start = key.find(number)
    while start >= 0:  # each place the digits stand, not inside a longer number (a regex per number would
        end = start + len(number)  # be compiled for every quantity of every form)
        before = key[start - 1] if start else ""
        if not (before.isdecimal() or before == ".") and not (end < len(key) and key[end].isdecimal()):
            return True
        start = key.find(number, start + 1)
    return False


def check_c15(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C15: quantities in 主要内容 (655 个, 宽带 500M) have an indicator with that number."""
    content = _text(form.project.get("main_content"))
    if not content:
        return []
    indicators = form.indicators()
    mentioned = [(q.value, q.as_written) for q in quantities_in(content)]
    mentioned += [(mbps, written) for mbps, written in bandwidths_in(content)]
    findings = []
    seen: set[str] = set()
    for value, written in mentioned:
        if written in seen:
            continue
        seen.add(written)
        matched = any(
            (row.target_value is not None and float(row.target_value) == value)
            or _mentions_number(value, _text(row.name) + " " + _text(row.target_text))
            or (written in compact(_text(row.target_text)))
            for row in indicators
        )
        if not matched:
            findings.append(_finding(form, "C15", "unmatched_quantity", "projects.main_content", quantity=written))
    return findings


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_STOP_TERMS = frozenset({
    "指标", "完成", "情况", "提高", "提升", "保障", "确保", "达到", "以上", "程度", "数量", "质量", "及时", "按时",
    "项目", "工作", "开展", "有效", "相关", "实现", "进一步", "合格", "覆盖", "效率", "服务", "社会", "经济",
    "效益", "影响", "持续", "全年", "年度", "当年", "目标",
})


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _terms(text: str) -> frozenset[str]:
    """The two-character terms of a text, less the stop terms (cached by text: indicator names recur)."""
    terms: set[str] = set()
    for run in _CJK_RUN.findall(text):
        terms.update(run[i:i + 2] for i in range(len(run) - 1))
    return frozenset(terms - _STOP_TERMS)


def check_c16(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C16: the performance goal mentions what the indicators measure (shares a two-character term).

    Satisfaction and cost indicators are not expected in a goal and are left out; so are placeholders.
    """
    goal = " ".join(_text(form.project.get(column)) for column in ("overall_goal", "annual_goal")).strip()
    if not goal:
        return []
    goal_terms = _terms(goal)
    considered = [
        row for row in form.real_indicators()
        if _text(row.name) and "满意" not in _text(row.name) and _text(row.level2_std) not in COST_L2
        and "成本" not in _text(row.name) and _text(row.level1_std) != "成本指标"
    ]
    unrelated = [row for row in considered if len(_terms(_text(row.name)) & goal_terms) < config.goal_min_shared_terms]
    if not unrelated:
        return []
    names = "、".join(f"「{_text(row.name)}」" for row in unrelated[:6]) + ("等" if len(unrelated) > 6 else "")
    location = "projects.overall_goal; indicators #" + ",".join(str(row.indicator_no) for row in unrelated)
    return [_finding(form, "C16", "goal_unrelated", location, names=names, count=len(unrelated),
                     total=len(considered))]


# -- C8, C9, C11: cost basis ------------------------------------------------------------------------


def _parts_of(items: list[Row]) -> dict[int, list[Row]]:
    """The parts of each group of cost items (its item_no → the items whose ``parent_item`` it is), 小计 lines
    apart: a part is a line of the group's breakdown, a 小计 states what the parts add up to."""
    parts: dict[int, list[Row]] = {}
    for row in items:
        parent = getattr(row, "parent_item", None)
        if parent is not None and row.is_total is not True:
            parts.setdefault(parent, []).append(row)
    return parts


def _item_amount(row: Any, parts: dict[int, list[Row]]) -> float | None:
    """What an item adds to the total: its own amount, else (a group heading without one, "1.人员经费：")
    the sum of its parts when every part's amount is known."""
    if row.amount_yuan is not None:
        return float(row.amount_yuan)
    own = parts.get(row.item_no) if row.item_no is not None else None
    if not own:
        return None
    return _parts_total(own, parts)


def _parts_total(own: list[Row], parts: dict[int, list[Row]]) -> float | None:
    """The sum of a group's parts, None when a part's amount is unknown."""
    amounts = [_item_amount(part, parts) for part in own]
    known = [amount for amount in amounts if amount is not None]
    return float(sum(known)) if len(known) == len(amounts) else None


def _group_findings(form: FormData, items: list[Row], parts: dict[int, list[Row]],
                    config: ReviewConfig) -> list[Finding]:
    """A group's amount, and its 小计 line, against the sum of its parts (every part's amount known)."""
    findings = []
    groups = {row.item_no: row for row in items if row.item_no in parts and row.is_total is not True}
    subtotals = [row for row in items if row.is_total is True and getattr(row, "parent_item", None) in groups]
    for row in [*groups.values(), *subtotals]:
        group = groups[row.item_no if row.is_total is not True else row.parent_item]
        summed = _parts_total(parts[group.item_no], parts)
        if row.amount_yuan is None or summed is None:
            continue
        stated = float(row.amount_yuan)
        if not _agree(stated, summed, max(config.sum_tolerance_yuan, config.cost_basis_tolerance * abs(stated))):
            findings.append(_finding(form, "C8", "group_parts", _item_location(row), item_no=_text(group.item_no),
                                     stated=fmt_yuan(stated), parts_total=fmt_yuan(summed),
                                     count=len(parts[group.item_no]), difference=fmt_yuan(abs(stated - summed))))
    return findings


def check_c8(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C8: the cost-basis items add up to the current-year budget (and to a 合计 line the text states).

    Only the top-level items are summed: the parts of a group ("（1）", "①" under "1.人员经费72万元：") are
    its breakdown, and summing both would count the group twice. Parts that do not add up to their group
    (or to its 小计 line) are a finding of their own, never a correction of the group's amount.
    """
    items = form.table("cost_items")
    parts = _parts_of(items)
    lines = [row for row in items if row.is_total is not True and getattr(row, "parent_item", None) is None]
    amounts = [_item_amount(row, parts) for row in lines]
    known = [amount for amount in amounts if amount is not None]
    if not known:
        return []
    total = float(sum(known))
    findings = []
    missing = [row for row, amount in zip(lines, amounts, strict=True) if amount is None]
    detail = ""
    if missing:
        detail = "；第 " + "、".join(_text(row.item_no) for row in missing) + " 项未写出可读的金额"
    budget = form.budget
    if budget is not None:
        tolerance = max(config.sum_tolerance_yuan, config.cost_basis_tolerance * abs(budget))
        if not _agree(total, budget, tolerance):
            findings.append(_finding(form, "C8", "items_vs_budget", "cost_items; projects.current_year_budget_yuan",
                                     items_total=fmt_yuan(total), budget=fmt_yuan(budget),
                                     difference=fmt_yuan(abs(total - budget)), detail=detail))
    for row in items:
        if row.is_total is not True or row.amount_yuan is None or getattr(row, "parent_item", None) is not None:
            continue
        stated = float(row.amount_yuan)
        if not _agree(stated, total, max(config.sum_tolerance_yuan, config.cost_basis_tolerance * abs(stated))):
            findings.append(_finding(form, "C8", "stated_total", _item_location(row), stated=fmt_yuan(stated),
                                     items_total=fmt_yuan(total), difference=fmt_yuan(abs(stated - total))))
    return findings + _group_findings(form, items, parts, config)


def _factors(row: Any) -> str:
    """The item's quantity and duration as read ("2 人、12 月"), 无 without either."""
    factors = []
    if row.quantity is not None:
        factors.append(f"{fmt_number(row.quantity)} {_text(row.quantity_unit)}")
    if row.duration is not None:
        factors.append(f"{fmt_number(row.duration)} {_text(row.duration_unit)}")
    return "、".join(factors) or "无"


def _list_formula(row: Any) -> str:
    """Quantity × unit price × duration, each factor only when the price's basis has a place for it (a
    counted unit, the duration's unit): a quantity beside a price per month only ("每月 3000 元" beside
    2 人) was not multiplied, and the formula must not say it was."""
    per = _text(row.price_basis).split("/")[1:]
    parts = []
    if row.quantity is not None and any(unit not in TIME_UNITS for unit in per):
        parts.append(f"{fmt_number(row.quantity)} {_text(row.quantity_unit)}")
    parts.append(f"{fmt_yuan(row.unit_price_yuan)} {_text(row.price_basis)}")
    if row.duration is not None and _text(row.duration_unit) in per:
        parts.append(f"{fmt_number(row.duration)} {_text(row.duration_unit)}")
    return " × ".join(parts)


def check_c9(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C9: per item with a unit price and a stated amount, the package ratio (stated / list).

    A package discount is normal and reported as info; a ratio outside ``package_ratio_range`` (a stated
    amount above the list price, or a discount deeper than half) is a warning. A priced item whose
    factors cannot be multiplied (a price per 天 over months, per 月 without a duration) is said so.
    """
    items = form.table("cost_items")
    findings = []
    low, high = config.package_ratio_range
    for row in items:
        if row.package_ratio is None:
            if row.unit_price_yuan is not None and row.list_amount_yuan is None and row.stated_amount_yuan is not None:
                findings.append(_finding(form, "C9", "not_multiplied", _item_location(row),
                                         item_no=_text(row.item_no), price=fmt_yuan(row.unit_price_yuan),
                                         basis=_text(row.price_basis), factors=_factors(row),
                                         stated=fmt_yuan(row.stated_amount_yuan)))
            continue
        ratio = float(row.package_ratio)
        variant = "ratio" if low - 1e-9 <= ratio <= high + 1e-9 else "ratio_out_of_range"
        findings.append(_finding(form, "C9", variant, _item_location(row), item_no=_text(row.item_no),
                                 list_formula=_list_formula(row), list_amount=fmt_yuan(row.list_amount_yuan),
                                 stated=fmt_yuan(row.stated_amount_yuan), ratio=f"{ratio:.3f}",
                                 low=fmt_number(low), high=fmt_number(high)))
    return findings


@cache
def _kind_table() -> dict[str, tuple[str, str, str, bool]]:
    kinds = cost_item_kinds()
    return {
        row.kind: (row.label, compact(row.economic_category), row.economic_code, row.check_category == "yes")
        for row in kinds.itertuples()
    }


def _current_expenditures(form: FormData) -> list[Row] | None:
    """The expenditure lines of the form's own year, None when there are none or one is unknown."""
    year = form.fiscal_year
    current = [row for row in form.table("expenditures") if year is not None and row.fiscal_year == year
               and getattr(row, "parent_category", None) is None and getattr(row, "amount_basis", None) != "actual"]
    if not current or any(row.amount_yuan is None for row in current):
        return None
    return current


def _classified(items: list[Row], kinds: dict[str, Any]) -> list[Row]:
    """The cost items of a known kind, each cost once: a group of a known kind counts, not its parts;
    a group of no known kind counts through its parts (recursively)."""
    parts = _parts_of(items)
    found: list[Row] = []
    level = [row for row in items if row.is_total is not True and getattr(row, "parent_item", None) is None]
    while level:
        found.extend(row for row in level if row.amount_yuan is not None and row.kind in kinds)
        level = [part for row in level if row.kind not in kinds for part in parts.get(row.item_no, [])]
    return found


def check_c11(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C11: the economic classification fits the cost basis (broadband/line rental → 邮电费, …).

    Each cost item of a kind with an expected category (data/cost_item_kinds.csv) adds its amount to
    that category. When an expected category holds less than the items that belong in it, the items
    were booked elsewhere; the categories holding more than their own items are named as where they went.
    """
    current = _current_expenditures(form)
    items = form.table("cost_items")
    if current is None or not items:
        return []
    kinds = _kind_table()
    actual: dict[str, float] = {}
    for row in current:
        key = compact(_text(row.economic_category))
        actual[key] = actual.get(key, 0.0) + float(row.amount_yuan)
    by_code = {code: category for _, category, code, _ in kinds.values()}
    for row in current:
        code = _text(row.economic_code)
        if code in by_code and by_code[code] not in actual:
            actual[by_code[code]] = actual.pop(compact(_text(row.economic_category)), 0.0)
    expected: dict[str, float] = {}
    checked: dict[str, list[Any]] = {}
    for row in _classified(items, kinds):
        _, category, _, check = kinds[row.kind]
        expected[category] = expected.get(category, 0.0) + float(row.amount_yuan)
        if check:
            checked.setdefault(category, []).append(row)
    tolerance = config.sum_tolerance_yuan
    findings = []
    for category, rows in checked.items():
        booked = actual.get(category)
        if booked is not None and booked + tolerance >= expected[category]:
            continue
        surplus = [
            (name, amount, expected.get(name, 0.0)) for name, amount in actual.items()
            if name != category and amount > expected.get(name, 0.0) + tolerance
        ]
        found = f"「{category}」仅 {fmt_yuan(booked)} 元" if booked is not None else f"项目支出明细没有「{category}」"
        if surplus:
            found += "；" + "；".join(
                f"「{name}」{fmt_yuan(amount)} 元比归入它的测算项（{fmt_yuan(own)} 元）多 {fmt_yuan(amount - own)} 元"
                for name, amount, own in surplus
            )
            if len(surplus) == 1:
                found += f"，该项似列入了「{surplus[0][0]}」"
        item_numbers = "、".join(_text(row.item_no) for row in rows)
        labels = "、".join(sorted({kinds[row.kind][0] for row in rows}))
        location = "cost_items #" + ",".join(_text(row.item_no) for row in rows) + f"; expenditures {form.fiscal_year}"
        findings.append(_finding(form, "C11", "category", location, items=f"第 {item_numbers} 项",
                                 amount=fmt_yuan(sum(float(row.amount_yuan) for row in rows)), kind=labels,
                                 expected=category, found=found))
    return findings


# -- C10, C12, C13: sums and years ------------------------------------------------------------------


def check_c10(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C10: expenditure lines = current-year budget = funding sources; stated totals = their lines.

    Compared only where both sides are known: the expenditure column of the form's own year, the
    top-level funding lines (其中 rows excluded) of the current year (or of the whole project, against
    the total budget), every 合计 a form states, and a self-evaluation's total fund line against its
    其中 lines.
    """
    findings = []
    tolerance = config.sum_tolerance_yuan
    budget = form.budget
    current = _current_expenditures(form)
    if current is not None and budget is not None:
        spent = _sum(current, "amount_yuan")
        if not _agree(spent, budget, tolerance):
            findings.append(_finding(form, "C10", "expenditures_vs_budget", f"expenditures {form.fiscal_year}",
                                     year=form.fiscal_year, expenditures=fmt_yuan(spent), budget=fmt_yuan(budget),
                                     difference=fmt_yuan(abs(spent - budget))))
    top = [row for row in form.table("funding") if row.parent_source is None and row.amount_yuan is not None]
    total_budget = _float_or_none(form.project.get("total_budget_yuan"))
    for scope, against in (("current_year", budget), ("total", total_budget)):
        lines = [row for row in top if row.scope == scope]
        if not lines or against is None:
            continue
        funded = _sum(lines, "amount_yuan")
        if not _agree(funded, against, tolerance):
            findings.append(_finding(form, "C10", "funding_vs_budget", f"funding ({scope})", funding=fmt_yuan(funded),
                                     budget=fmt_yuan(against), difference=fmt_yuan(abs(funded - against))))
    findings += _stated_totals(form, tolerance)
    findings += _execution_lines(form, tolerance)
    return findings


def _stated_totals(form: FormData, tolerance: float) -> list[Finding]:
    findings = []
    for row in form.table("stated_totals"):
        if row.quantity != "amount" or row.value_yuan is None:
            continue
        if row.of_table == "funding":
            lines = [line for line in form.table("funding")
                     if line.parent_source is None and line.scope == "current_year"]
            block = "资金来源"
        elif row.of_table == "expenditures":
            lines = [line for line in form.table("expenditures") if getattr(line, "parent_category", None) is None
                     and (row.fiscal_year is None or line.fiscal_year == row.fiscal_year)]
            block = "项目支出明细"
        else:
            continue
        if not lines or any(line.amount_yuan is None for line in lines):
            continue
        summed = _sum(lines, "amount_yuan")
        stated = float(row.value_yuan)
        if not _agree(summed, stated, tolerance):
            findings.append(_finding(form, "C10", "stated_total", f"stated_totals: {row.of_table} {row.label}",
                                     block=block, label=row.label, stated=fmt_yuan(stated), lines=fmt_yuan(summed),
                                     difference=fmt_yuan(abs(stated - summed))))
    return findings


_EXECUTION_COLUMNS = {
    "initial_budget_yuan": "年初预算数", "full_year_budget_yuan": "全年预算数",
    "adjusted_budget_yuan": "调整后预算数", "executed_yuan": "执行数",
}


def _execution_lines(form: FormData, tolerance: float) -> list[Finding]:
    execution = form.table("budget_execution")
    findings = []
    for total in execution:
        if total.is_total is not True:
            continue
        children = [row for row in execution if row.parent_line == total.fund_line]
        groups: dict[str | None, list[Row]] = {}
        for row in children:  # a whole department's funds by income source and by type: each adds up alone
            groups.setdefault(getattr(row, "breakdown", None), []).append(row)
        for group in groups.values():
            for column, label in _EXECUTION_COLUMNS.items():
                stated = getattr(total, column)
                values = [getattr(row, column) for row in group if getattr(row, column) is not None]
                if stated is None or not values:
                    continue
                summed = float(sum(values))
                if not _agree(summed, float(stated), tolerance):
                    findings.append(_finding(
                        form, "C10", "execution_lines", f"budget_execution #{total.line_no}: {column}",
                        total_line=total.fund_line, column=label, stated=fmt_yuan(float(stated)),
                        lines=fmt_yuan(summed), difference=fmt_yuan(abs(summed - float(stated)))))
    return findings


_CHANGE = re.compile(
    r"(?P<dir>增加|增长|新增|调增|追加|减少|下降|核减|调减|压减|降低)了?(?:约|预算)?"
    r"(?P<amount>\d+(?:,\d{3})*(?:\.\d+)?(?:万元|万|元|亿元|亿))"
)
_FIGURE = re.compile(r"(?:19|20)\d{2}年度?|\d+(?:,\d{3})*(?:\.\d+)?(?:万元|万|元|亿元|亿|%)?")
_DECREASE = frozenset({"减少", "下降", "核减", "调减", "压减", "降低"})


def _history(form: FormData, basis: str, year: int) -> list[Row]:
    return [row for row in form.table("budget_history")
            if row.basis == basis and row.fiscal_year == year and row.amount_yuan is not None]


def check_c12(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C12: a prior-year budget stated in the text agrees with that year's expenditure column, and a
    change the text states ("当年增加 20 万") leads from that figure to this year's budget."""
    stated_rows = [row for row in form.table("budget_history")
                   if row.basis == "stated_in_text" and row.amount_yuan is not None and row.fiscal_year is not None]
    findings = []
    for row in stated_rows:
        year = int(row.fiscal_year)
        column = _history(form, "expenditure_column", year)
        if not column:
            continue
        stated = float(row.amount_yuan)
        in_column = float(column[0].amount_yuan)
        tolerance = max(config.sum_tolerance_yuan, config.prior_year_tolerance * abs(stated))
        if not _agree(stated, in_column, tolerance):
            findings.append(_finding(form, "C12", "prior_year", f"budget_history {year}: stated_in_text vs "
                                     f"expenditure_column", year=year, stated=fmt_yuan(stated),
                                     as_written=_text(row.note) or _text(row.amount_as_written),
                                     column=fmt_yuan(in_column)))
    findings += _stated_change(form, config)
    return findings


def _stated_change(form: FormData, config: ReviewConfig) -> list[Finding]:
    text = compact(_text(form.project.get("budget_change_text")))
    year = form.fiscal_year
    budget = form.budget
    if not text or year is None or budget is None:
        return []
    prior_rows = _history(form, "stated_in_text", year - 1)
    match = current_year_change(text, year)
    if not prior_rows or match is None:
        return []
    change = parse_amount(match.group("amount")).yuan
    if change is None:
        return []
    decrease = match.group("dir") in _DECREASE
    prior = float(prior_rows[0].amount_yuan)
    implied = prior - change if decrease else prior + change
    if _agree(implied, budget, max(config.sum_tolerance_yuan, config.prior_year_tolerance * abs(budget))):
        return []
    return [_finding(form, "C12", "stated_change", "projects.budget_change_text", year=year - 1, prior=fmt_yuan(prior),
                     direction="减少" if decrease else "增加", change=fmt_yuan(change), implied=fmt_yuan(implied),
                     budget=fmt_yuan(budget))]


_SENTENCE_END = re.compile(r"[;；。\n]")
_YEAR_NAMED = re.compile(r"(?P<year>(?:19|20)\d{2})年|(?P<this>当年|本年|今年)")


def current_year_change(text: str, year: int) -> re.Match[str] | None:
    """The change a budget-change text states for the form's own year, or None when it states none or
    several: "2019 年 30 万，当年增加 20 万" gives 增加 20 万, and so does "2019年预算30万元，其中年中追加5万元；
    2020年因新增专线增加20万元", whose 追加 5 万 belongs to 2019.

    A change belongs to the year last named before it in its sentence (当年, 本年 and 今年 name the form's
    own); a change in a sentence that names no year counts for the form's year.
    """
    found: list[re.Match[str]] = []
    start = 0
    for sentence_end in [*(m.start() for m in _SENTENCE_END.finditer(text)), len(text)]:
        sentence = text[start:sentence_end]
        for match in _CHANGE.finditer(text, start, sentence_end):
            named = None
            for mention in _YEAR_NAMED.finditer(sentence, 0, match.start() - start):
                named = year if mention.group("this") else int(mention.group("year"))
            if named in (None, year):
                found.append(match)
        start = sentence_end + 1
    return found[0] if len(found) == 1 else None


def prior_year_figure(form: FormData) -> tuple[float, str] | None:
    """This form's figure for the year before its own: stated in its text, else its expenditure column.

    The text is preferred because an expenditure column of zeros is often a column left unfilled.
    """
    year = form.fiscal_year
    if year is None:
        return None
    for basis in ("stated_in_text", "expenditure_column"):
        rows = _history(form, basis, year - 1)
        if rows:
            return float(rows[0].amount_yuan), basis
    return None


def states_a_reason(text: str, markers: Iterable[str]) -> bool:
    """True when a change text says *why*, beyond its figures ("2019 年 30 万，当年增加 20 万" does not)."""
    rest = _CHANGE.sub("", compact(text))
    rest = _FIGURE.sub("", rest)
    return any(marker in rest for marker in markers)


def check_c13(form: FormData, config: ReviewConfig) -> list[Finding]:
    """C13: a change from the prior year above ``yoy_reason_threshold`` has a stated reason.

    The prior figure is the form's own (text, else expenditure column); a prior of 0 (a new project)
    has no growth rate and is skipped.
    """
    prior = prior_year_figure(form)
    budget = form.budget
    if prior is None or budget is None or prior[0] <= 0:
        return []
    amount, _ = prior
    fraction = (budget - amount) / amount
    if abs(fraction) <= config.yoy_reason_threshold:
        return []
    if states_a_reason(_text(form.project.get("budget_change_text")), config.reason_markers):
        return []
    year = form.fiscal_year - 1  # type: ignore[operator]
    return [_finding(form, "C13", "no_reason", "projects.budget_change_text", current=fmt_yuan(budget), year=year,
                     prior=fmt_yuan(amount), direction="增加" if fraction > 0 else "减少",
                     change=fmt_yuan(abs(budget - amount)), pct=fmt_pct(fraction),
                     threshold=f"{config.yoy_reason_threshold:.0%}")]


# -- running them -----------------------------------------------------------------------------------

CheckFunction = Callable[[FormData, ReviewConfig], list[Finding]]

FORM_CHECKS: dict[str, CheckFunction] = {
    "C1": check_c1, "C2": check_c2, "C3": check_c3, "C4": check_c4, "C5": check_c5, "C6": check_c6,
    "C7": check_c7, "C8": check_c8, "C9": check_c9, "C10": check_c10, "C11": check_c11, "C12": check_c12,
    "C13": check_c13, "C14": check_c14, "C15": check_c15, "C16": check_c16,
}
"""Check id → function of one form; the rule table gives each one's severity, dimension and messages."""

CHECKS: dict[str, CheckFunction | None] = {**FORM_CHECKS, **dict.fromkeys(CROSS_FORM_CHECK_IDS)}
"""Every check id, C1–C20: the form checks with their function, the cross-form checks (C17–C20, run
over a set of forms by :func:`review_across_forms`) with None."""


def review_form(form: FormData, config: ReviewConfig = ReviewConfig()) -> list[Finding]:
    """The findings of one form (C1–C16; see :func:`review`)."""
    findings: list[Finding] = []
    for check_id, check in FORM_CHECKS.items():
        if config.checks is not None and check_id not in config.checks:
            continue
        try:
            findings.extend(check(form, config))
        except Exception:  # a check must never stop the review of other forms
            log.exception("check %s failed on form %s", check_id, form.form_id)
    return findings


def _hit_finding(hit: Hit) -> Finding:
    rule = _rule_index()[(hit.check_id, hit.variant)]
    return {
        "form_id": hit.form_id, "check_id": hit.check_id, "severity": rule.severity, "dimension": rule.dimension,
        "message": rule.message.format(**hit.values), "location": hit.location,
    }


def _cross_form_records(forms: Forms, config: ReviewConfig) -> list[Finding]:
    try:
        hits = cross_form_hits(forms, checks=config.checks, relative_tolerance=config.budget_tolerance,
                               absolute_tolerance=config.sum_tolerance_yuan, policy=config.project_years)
    except Exception:  # like a form check: a failing check must not stop the review
        log.exception("the cross-form checks failed")
        return []
    return [_hit_finding(hit) for hit in hits]


def _findings_table(records: list[Finding], form_order: Iterable[str] | None = None) -> pd.DataFrame:
    """Findings in order: by form (in ``form_order``, else by form_id), then check number.

    Sorted as records, stably, before the table is built: sorting the table cost a batch of a dozen
    forms 2 ms of pandas' work for a few dozen rows.
    """
    if form_order is None:
        def key(finding: Finding) -> tuple[Any, ...]:
            form_id = finding["form_id"]
            return form_id is None, form_id or "", int(finding["check_id"][1:])  # as pandas: no form last
    else:
        rank = {form_id: i for i, form_id in enumerate(dict.fromkeys(form_order))}

        def key(finding: Finding) -> tuple[Any, ...]:
            return rank.get(finding["form_id"], len(rank)), int(finding["check_id"][1:])
    ordered = sorted(records, key=key)
    return schema.frame("findings", ordered)


def review_each_form(forms: Forms, config: ReviewConfig = ReviewConfig()) -> pd.DataFrame:
    """The findings of checks C1–C16, form by form: what a batch of a larger read computes (the same
    rows whatever else is read with it)."""
    tables = dict(forms.tables)
    if tables.get("cost_items") is None or (tables["cost_items"].empty and forms.projects["cost_basis"].notna().any()):
        tables["cost_items"] = cost_items(forms)
    records: list[Finding] = []
    for form in _form_data(type(forms)(tables)):
        records.extend(review_form(form, config))
    return _findings_table(records)


def review_across_forms(forms: Forms, config: ReviewConfig = ReviewConfig()) -> pd.DataFrame:
    """The findings of the cross-form checks C17–C20 over the forms given (see
    :mod:`budgetlib.analysis.crossform`)."""
    return _findings_table(_cross_form_records(forms, config))


def review_names_across_projects(projects: pd.DataFrame, config: ReviewConfig = ReviewConfig()) -> pd.DataFrame:
    """The findings of C20 (two project-years that may be one) over a ``projects`` table alone: the
    one cross-form check that compares different projects, so that a read taking a project at a
    time (:mod:`budgetlib.read.written`) runs it once over every form instead."""
    if config.checks is not None and "C20" not in config.checks:
        return _findings_table([])
    try:
        hits = possibly_same_in_projects(projects, config.project_years)
    except Exception:  # like a form check: a failing check must not stop the review
        log.exception("check C20 failed")
        return _findings_table([])
    return _findings_table([_hit_finding(hit) for hit in hits])


def with_cross_form_findings(forms: Forms, config: ReviewConfig = ReviewConfig()) -> Forms:
    """``forms`` with the cross-form findings (C17–C20) of the whole set added to ``findings``, each
    among its form's findings (forms in the order read, checks by number). What reading does once
    every batch is read: a batch alone cannot see the other forms of its projects."""
    extra = _cross_form_records(forms, config)
    if not extra:
        return forms
    tables = dict(forms.tables)
    combined = [*schema.row_dicts(forms.findings), *extra]
    tables["findings"] = _findings_table(combined, form_order=forms.projects["form_id"])
    return type(forms)(tables)


def review(forms: Forms, config: ReviewConfig = ReviewConfig()) -> pd.DataFrame:
    """The review findings (checks C1–C20) of the forms given, as the ``findings`` table.

    C1–C16 form by form, C17–C20 over the set (``config.across_forms``). ``forms.cost_items`` is used
    when present, else computed from the cost-basis text. Rows are ordered by form, then check
    number; a form with nothing to report has no rows. Checks that have no data to check are
    skipped, not failed (see the module docstring).

    >>> import budgetlib as bl
    >>> findings = bl.review(bl.read_form("seed.md"))                 # doctest: +SKIP
    >>> findings[findings.severity == "error"][["check_id", "message"]]  # doctest: +SKIP
    """
    each = review_each_form(forms, config)
    if not config.across_forms:
        return each
    extra = _cross_form_records(forms, config)
    if not extra:
        return each
    return _findings_table([*schema.row_dicts(each), *extra])


def worst_severity(findings: pd.DataFrame) -> str | None:
    """'error', 'warning' or 'info': the most serious severity among the findings, None when empty."""
    if findings.empty:
        return None
    return min(findings["severity"], key=lambda s: SEVERITY_ORDER.get(s, math.inf))
