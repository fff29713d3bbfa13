"""Indicator targets and actuals as written → comparator, number, unit, kind.

Targets come as "≥90%", "123 家", "100" (a bare number: direction unknown), "≤90万元",
"≥100百分比" (百分比 is %), "90%以上", qualitative wording ("持续改善", "参照政府采购成本控制"),
periods ("2023.07-2024.01", "202001-202012", "2021年全年"), or numbers inside prose
("企业所得税减按15%征收", which is qualitative: the number is not the target). Only a text that is
*entirely* comparator + number + short unit is quantitative.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType

from budgetlib.transform.normalize import compact
from budgetlib.transform.numbers import ARABIC, arabic_number, chinese_number
from budgetlib.vocabulary import VocabularyError, table

QUANTITATIVE = "quantitative"
QUALITATIVE = "qualitative"
PERIOD = "period"
CRITERIA = "criteria"
"""The kind of a scoring-sheet row: no target, scored by its criteria text (评分标准)."""

COMPARATORS = (">=", "<=", ">", "<", "=")
"""The comparators a target or actual can carry, as the tables store them."""


@cache
def _comparator_words(where: str) -> tuple[tuple[str, str], ...]:
    """(word, meaning) of ``data/comparators.csv`` written ``where``, longest word first.

    ``where`` is ``before`` the number, ``after`` the number and unit, or the whole text of a separate
    ``column``; the meaning is a comparator, or (in a column only) ``qualitative``.
    """
    allowed = (*COMPARATORS, QUALITATIVE) if where == "column" else COMPARATORS
    found = []
    for row in table("comparators.csv"):
        if row["where"] != where:
            continue
        if row["means"] not in allowed:
            raise VocabularyError(f"data/comparators.csv: {row['word']!r} ({where}) means {row['means']!r}, "
                                  f"not one of {', '.join(allowed)}")
        found.append((row["word"], row["means"]))
    return tuple(sorted(found, key=lambda pair: len(pair[0]), reverse=True))


@cache
def nature_comparators() -> Mapping[str, str]:
    """Values of a separate 指标性质 column → comparator, or ``qualitative`` (定性)."""
    return MappingProxyType(dict(_comparator_words("column")))


@cache
def unit_aliases() -> Mapping[str, str]:
    """``data/unit_aliases.csv``: a unit as written → the unit stored ("百分比" → "%")."""
    return MappingProxyType({row["alias"]: row["unit"] for row in table("unit_aliases.csv")})


_NUMBER = re.compile(rf"^(?P<number>{ARABIC})(?P<unit>.*)$")
_CHINESE_NUMBER = re.compile(r"^(?P<number>[零〇一二三四五六七八九十百千两]+)(?P<unit>.*)$")
_UNIT_OK = re.compile(r"^[^\d,，。;；:：、()（）\[\]]{0,8}$")
_SYMBOLS = re.compile(r"[<>=≤≥≦≧]+")
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
    return unit_aliases().get(unit, unit)


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


@lru_cache(maxsize=65536)
def parse_target(text: str) -> Target:
    """Parse a target or an actual as written.

    >>> parse_target("≥90%").comparator, parse_target("123 家").unit, parse_target("持续改善").kind
    ('>=', '家', 'qualitative')

    A sign alone (a copy cut off after it) says the direction and no number: quantitative, value None.

    >>> parse_target(">")
    Target(text='>', kind='quantitative', comparator='>', value=None, unit=None, period_start=None, period_end=None)
    """
    key = compact(text)
    if not key:
        return Target(text, QUALITATIVE)
    period = _period(key)
    if period is not None:
        return Target(text, PERIOD, period_start=period.period_start, period_end=period.period_end)
    comparator = None
    rest = key
    for prefix, symbol in _comparator_words("before"):
        if rest.startswith(prefix):
            comparator, rest = symbol, rest[len(prefix):]
            break
    if comparator is not None and not rest and _SYMBOLS.fullmatch(key):
        return Target(text, QUANTITATIVE, comparator=comparator)  # a target cut off after its sign (">")
    match = _NUMBER.match(rest)
    value: float | None = None
    if match:
        value = arabic_number(match.group("number"))
        unit = match.group("unit")
    else:
        cn_match = _CHINESE_NUMBER.match(rest)
        if cn_match and comparator is not None:
            value = chinese_number(cn_match.group("number"))
            unit = cn_match.group("unit")
        if value is None:
            return Target(text, QUALITATIVE)
    for suffix, symbol in _comparator_words("after"):
        if unit.endswith(suffix) and comparator is None:
            comparator, unit = symbol, unit[: -len(suffix)]
            break
    if not _UNIT_OK.match(unit) or _PROSE_HINT.search(unit):
        return Target(text, QUALITATIVE)
    return Target(text, QUANTITATIVE, comparator=comparator, value=value, unit=normalise_unit(unit))
