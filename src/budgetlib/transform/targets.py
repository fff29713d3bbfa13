"""Indicator targets and actuals as written → comparator, number, unit, kind.

Targets come as "≥90%", "123 家", "100" (a bare number: direction unknown), "≤90万元",
"≥100百分比" (百分比 is %), "90%以上", qualitative wording ("持续改善", "参照政府采购成本控制"),
periods ("2023.07-2024.01", "202001-202012", "2021年全年"), or numbers inside prose
("企业所得税减按15%征收", which is qualitative: the number is not the target). Only a text that is
*entirely* comparator + number + short unit is quantitative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from budgetlib.transform.normalize import compact

QUANTITATIVE = "quantitative"
QUALITATIVE = "qualitative"
PERIOD = "period"

_PREFIX_COMPARATORS: tuple[tuple[str, str], ...] = (
    (">=", ">="), ("≥", ">="), ("≧", ">="), ("=>", ">="), ("大于等于", ">="), ("大于或等于", ">="),
    ("不低于", ">="), ("不少于", ">="), ("不小于", ">="), ("至少", ">="), ("达到", ">="),
    ("<=", "<="), ("≤", "<="), ("≦", "<="), ("=<", "<="), ("小于等于", "<="), ("小于或等于", "<="),
    ("不高于", "<="), ("不超过", "<="), ("不多于", "<="), ("不大于", "<="), ("控制在", "<="),
    (">", ">"), ("大于", ">"), ("高于", ">"), ("超过", ">"), ("多于", ">"),
    ("<", "<"), ("小于", "<"), ("低于", "<"), ("少于", "<"),
    ("==", "="), ("=", "="), ("等于", "="),
)
_SUFFIX_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("及以上", ">="), ("以上", ">="), ("或以上", ">="),
    ("及以下", "<="), ("以下", "<="), ("以内", "<="), ("之内", "<="), ("内", "<="),
)
#: Values of a separate 指标性质 column, mapped to comparators (定性 means qualitative).
NATURE_COMPARATORS: dict[str, str] = {
    "=": "=", "≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", ">": ">", "<": "<",
    "正向": ">=", "正向指标": ">=", "反向": "<=", "反向指标": "<=", "等于": "=", "大于等于": ">=",
    "小于等于": "<=",
}
UNIT_ALIASES: dict[str, str] = {"百分比": "%", "％": "%", "百分点": "%", "百分率": "%"}

_NUMBER = re.compile(r"^(?P<number>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<unit>.*)$")
_CHINESE_NUMBER = re.compile(r"^(?P<number>[零〇一二三四五六七八九十百千两]+)(?P<unit>.*)$")
_UNIT_OK = re.compile(r"^[^\d,，。;；:：、()（）\[\]]{0,8}$")
_PROSE_HINT = re.compile(r"[，,。；;：:]|按|征收|减|实现|完成|确保|保障|提高|提升|降低|不断")

_DATE = r"(?P<{n}y>(?:19|20)\d{{2}})(?:[.\-/年]\s*(?P<{n}m>\d{{1,2}})月?(?:[.\-/]?(?P<{n}d>\d{{1,2}})日?)?)?"
_PERIOD_RANGE = re.compile(
    "^" + _DATE.format(n="a") + r"\s*(?:-|—|–|~|～|至|到)+\s*" + _DATE.format(n="b") + "$"
)
_PERIOD_COMPACT = re.compile(r"^(?P<ay>(?:19|20)\d{2})(?P<am>\d{2})(?:-|—|~|至|到)(?P<by>(?:19|20)\d{2})(?P<bm>\d{2})$")
_PERIOD_DEADLINE = re.compile(
    r"^(?P<by>(?:19|20)\d{2})年(?:(?P<bm>\d{1,2})月(?:(?P<bd>\d{1,2})日)?)?"
    r"(?P<tail>全年|年内|年底|底|末|前|之前|以前|内|完成|底前|年底前|月底前|底完成|前完成)*$"
)
_YEAR_ONLY = re.compile(r"^(?P<by>(?:19|20)\d{2})年(?:度)?$")


@dataclass(frozen=True, slots=True)
class Target:
    """What a target or actual text says.

    ``comparator`` is ``>=``, ``<=``, ``>``, ``<``, ``=`` or None (a bare number, or not quantitative);
    ``kind`` is quantitative, qualitative or period; ``value``/``unit`` for quantitative texts;
    ``period_start``/``period_end`` ("2023-07", "2024-01", "2021-12-31") for periods.
    """

    text: str
    kind: str
    comparator: str | None = None
    value: float | None = None
    unit: str | None = None
    period_start: str | None = None
    period_end: str | None = None

    @property
    def is_bare_number(self) -> bool:
        return self.kind == QUANTITATIVE and self.comparator is None


def normalise_unit(unit: str | None) -> str | None:
    """Unit as the tables store it: "百分比" → "%", empty → None."""
    if not unit:
        return None
    return UNIT_ALIASES.get(unit, unit)


def _iso(year: str | None, month: str | None, day: str | None = None) -> str | None:
    if not year:
        return None
    if not month:
        return year
    month_no = int(month)
    if not 1 <= month_no <= 12:
        return None
    if day:
        return f"{year}-{month_no:02d}-{int(day):02d}"
    return f"{year}-{month_no:02d}"


def _period(key: str) -> Target | None:
    match = _PERIOD_RANGE.match(key) or _PERIOD_COMPACT.match(key)
    if match:
        groups = match.groupdict()
        start = _iso(groups.get("ay"), groups.get("am"), groups.get("ad"))
        end = _iso(groups.get("by"), groups.get("bm"), groups.get("bd"))
        if start and end:
            return Target(key, PERIOD, period_start=start, period_end=end)
    match = _PERIOD_DEADLINE.match(key)
    if match and (match.group("tail") or match.group("bm")):
        end = _iso(match.group("by"), match.group("bm"), match.group("bd"))
        whole_year = match.group("tail") in ("全年", "年内") and not match.group("bm")
        if end:
            return Target(key, PERIOD, period_start=end if whole_year else None, period_end=end)
    match = _YEAR_ONLY.match(key)
    if match:
        return Target(key, PERIOD, period_start=match.group("by"), period_end=match.group("by"))
    return None


def _chinese_value(text: str) -> float | None:
    from budgetlib.transform.amounts import _chinese_number

    return _chinese_number(text)


@lru_cache(maxsize=65536)
def parse_target(text: str) -> Target:
    """Parse a target or an actual as written.

    >>> parse_target("≥90%").comparator, parse_target("123 家").unit, parse_target("持续改善").kind
    ('>=', '家', 'qualitative')
    """
    key = compact(text)
    if not key:
        return Target(text, QUALITATIVE)
    period = _period(key)
    if period is not None:
        return Target(text, PERIOD, period_start=period.period_start, period_end=period.period_end)
    comparator = None
    rest = key
    for prefix, symbol in _PREFIX_COMPARATORS:
        if rest.startswith(prefix):
            comparator, rest = symbol, rest[len(prefix):]
            break
    match = _NUMBER.match(rest)
    value: float | None = None
    if match:
        value = float(match.group("number").replace(",", ""))
        unit = match.group("unit")
    else:
        cn_match = _CHINESE_NUMBER.match(rest)
        if cn_match and comparator is not None:
            value = _chinese_value(cn_match.group("number"))
            unit = cn_match.group("unit")
        if value is None:
            return Target(text, QUALITATIVE)
    for suffix, symbol in _SUFFIX_COMPARATORS:
        if unit.endswith(suffix) and comparator is None:
            comparator, unit = symbol, unit[: -len(suffix)]
            break
    if not _UNIT_OK.match(unit) or _PROSE_HINT.search(unit):
        return Target(text, QUALITATIVE)
    return Target(text, QUANTITATIVE, comparator=comparator, value=value, unit=normalise_unit(unit))
