"""Indicator targets and actuals as written → comparator, number, unit, kind.

Targets come as "≥90%", "123 家", "100" (a bare number: direction unknown), "≤90万元",
"≥100百分比" (百分比 is %), "90%以上", qualitative wording ("持续改善", "参照政府采购成本控制"),
periods ("2023.07-2024.01", "202001-202012", "2021年全年"), deadlines ("12月底前", "6月30日前完成",
"年底前", "第三季度末前", "2023年12月底前": periods with an end), or numbers inside prose
("企业所得税减按15%征收", which is qualitative: the number is not the target). Only a text that is
*entirely* comparator + number + short unit is quantitative.

Around the number, words of ``data/comparators.csv`` frame it: a scope before it ("全年≥90%"), an
approximation ("约1000人", "1000人左右": no direction, read as a bare number), an inclusion after it
("100%（含）"), a comparator word after the unit ("95%以上"), also after a sign that already says it
("≥95%以上": the unit is "%" alone). A sign and a word that disagree ("≥5个工作日内") leave the direction
unknown, and a range ("90%-95%", "≥90%且≤95%"), which the indicators table has no place for, stays words;
both carry a ``notice`` for the form's warnings. A percentage in words ("百分之九十五") is 95 %.

A deadline without a year ("12月底前") ends in the form's fiscal year: it is parsed with an end of
"--12" (ISO 8601's month without a year) and :func:`complete_deadlines` puts the form's year in, saying
so in ``period_year_basis``. A date that does not exist ("2023年2月30日前", "13月底前") is no end:
``problem`` names it, and the form gets a warning.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any, TypeGuard

from budgetlib.caches import TEXT_CACHE_SIZE
from budgetlib.transform.normalize import compact
from budgetlib.transform.numbers import ARABIC, arabic_number, chinese_number
from budgetlib.vocabulary import VocabularyError, alternation, table

QUANTITATIVE = "quantitative"
QUALITATIVE = "qualitative"
PERIOD = "period"
CRITERIA = "criteria"
"""The kind of a scoring-sheet row: no target, scored by its criteria text (评分标准)."""

COMPARATORS = (">=", "<=", ">", "<", "=")
"""The comparators a target or actual can carry, as the tables store them."""

COMPARATOR_SIGNS: Mapping[str, str] = MappingProxyType({">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="})
"""How a stored comparator is written in front of a target."""


APPROXIMATE = "approximate"
"""A word that makes the number approximate (约, 左右): it states no direction."""
SCOPE = "scope"
"""A word before the comparator or number that says what the target covers (全年, 累计), not how much."""
INCLUSIVE = "inclusive"
"""A word after the number that says the bound itself counts ((含)): it states no direction of its own."""
_FRAMING = MappingProxyType({
    "before": (APPROXIMATE, SCOPE), "after": (APPROXIMATE, INCLUSIVE), "column": (QUALITATIVE,),
})
"""What a word of ``data/comparators.csv`` may mean besides a comparator, by where it is written."""

RANGE_NOTICE = "W_TARGET_RANGE"
CONFLICT_NOTICE = "W_TARGET_COMPARATOR_CONFLICT"
_SIDES = MappingProxyType({">=": "at least", ">": "at least", "<=": "at most", "<": "at most", "=": "exactly"})
"""Which way a comparator points: a sign and a word pointing the same way agree (> with 以上)."""


@cache
def _comparator_words(where: str) -> tuple[tuple[str, str], ...]:
    """(word, meaning) of ``data/comparators.csv`` written ``where``, longest word first.

    ``where`` is ``before`` the number, ``after`` the number and unit, or the whole text of a separate
    ``column``; the meaning is a comparator or one of :data:`_FRAMING` (``approximate``, ``scope`` before,
    ``approximate``, ``inclusive`` after, ``qualitative`` in a column).
    """
    allowed = (*COMPARATORS, *_FRAMING.get(where, ()))
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
_PERCENT_WORDS = re.compile(
    rf"^百分之(?:(?P<arabic>{ARABIC})|(?P<number>[零〇一二三四五六七八九十百两点]+))(?P<unit>.*)$"
)
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
_CN_MONTH = "一二三四五六七八九十"


@cache
def deadline_years() -> Mapping[str, int]:
    """``data/deadline_years.csv``: words naming a deadline's year against the fiscal year (次年 → +1)."""
    years = {}
    for row in table("deadline_years.csv"):
        try:
            years[row["word"]] = int(row["offset"])
        except ValueError:
            raise VocabularyError(f"data/deadline_years.csv: offset {row['offset']!r} of {row['word']!r} "
                                  "is no whole number") from None
    return MappingProxyType(years)


@cache
def _undated_deadline_pattern() -> re.Pattern[str]:
    """A deadline that names no year: "12月底前", "6月30日前完成", "年底前", "第三季度末前", "次年3月底前"."""
    return re.compile(
        rf"^(?P<rel>{alternation(list(deadline_years()))})?"
        rf"(?:(?P<m>\d{{1,2}}|[{_CN_MONTH}]{{1,3}})月份?(?:(?P<d>\d{{1,2}})[日号])?(?P<month_end>底|末|下旬)?"
        r"|第?(?P<q>[一二三四1-4])季度(?:末|底)?"
        r"|(?P<half>上|下)半年(?:末|底)?"
        r"|(?P<year_end>年底|年末|年内|年度内))"
        r"(?P<by>前|之前|以前|内|止|为止)?(?:完成|完工|结束|到位|交付|办结)?$"
    )


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
    year_offset: int | None = None
    """For a deadline without a year ("12月底前", period_end "--12"): its year is the fiscal year plus this
    (1 for "次年3月底前"); None when the text states its year."""
    problem: str | None = None
    """Why a date in the text is no date ("2023-02-30 does not exist"), else None."""
    notice: str | None = None
    """A warning the text calls for (a code of ``data/notices.csv``): :data:`RANGE_NOTICE` for a range
    ("90%-95%": no single target, read as words), :data:`CONFLICT_NOTICE` for a sign and a word that
    disagree ("≥5个工作日内": comparator None); None for most texts."""
    notice_message: str | None = None
    """What :attr:`notice` says about this text."""

    @property
    def is_bare_number(self) -> bool:
        return self.kind == QUANTITATIVE and self.comparator is None


def normalise_unit(unit: str | None) -> str | None:
    """Unit as the tables store it: "百分比" → "%", empty → None."""
    if not unit:
        return None
    return unit_aliases().get(unit, unit)


def _iso(year: str | None, month: str | None, day: str | None = None) -> str | None:
    """ISO year[-month[-day]], or None when there is no year or the date does not exist."""
    if not year:
        return None
    if not month:
        return year
    month_no = int(month)
    if not 1 <= month_no <= 12:
        return None
    if day:
        day_no = int(day)
        if not 1 <= day_no <= calendar.monthrange(int(year), month_no)[1]:
            return None
        return f"{year}-{month_no:02d}-{day_no:02d}"
    return f"{year}-{month_no:02d}"


def _no_such_date(year: str | None, month: str | None, day: str | None = None) -> str:
    """Why a written date is none: "month 13 does not exist", "2023-02-30 does not exist"."""
    if month and not 1 <= int(month) <= 12:
        return f"month {int(month)} does not exist"
    shown = "-".join(part for part in (year or "", f"{int(month):02d}" if month else "",
                                       f"{int(day):02d}" if day else "") if part)
    return f"{shown} does not exist"


def _period(key: str) -> Target | None:
    match = _PERIOD_RANGE.match(key) or _PERIOD_COMPACT.match(key)
    if match:
        groups = match.groupdict()
        start = _iso(groups.get("ay"), groups.get("am"), groups.get("ad"))
        end = _iso(groups.get("by"), groups.get("bm"), groups.get("bd"))
        if start and end:
            return Target(key, PERIOD, period_start=start, period_end=end)
        side = "a" if not start else "b"  # a range with a date that does not exist stays words
        dates = (groups.get(f"{side}y"), groups.get(f"{side}m"), groups.get(f"{side}d"))
        return Target(key, QUALITATIVE, problem=_no_such_date(*dates))
    match = _PERIOD_DEADLINE.match(key)
    if match and (match.group("tail") or match.group("bm")):
        end = _iso(match.group("by"), match.group("bm"), match.group("bd"))
        whole_year = match.group("tail") in ("全年", "年内") and not match.group("bm")
        if end:
            return Target(key, PERIOD, period_start=end if whole_year else None, period_end=end)
        return Target(key, PERIOD, problem=_no_such_date(match.group("by"), match.group("bm"), match.group("bd")))
    match = _YEAR_ONLY.match(key)
    if match:
        return Target(key, PERIOD, period_start=match.group("by"), period_end=match.group("by"))
    return _undated_deadline(key)


def _undated_deadline(key: str) -> Target | None:
    """A deadline without a year: its end as ISO 8601 without the year ("--12", "--06-30").

    A month alone ("12月") is no deadline (it may count months); with 底/末/前/a day it is one.
    """
    match = _undated_deadline_pattern().match(key)
    if not match:
        return None
    offset = deadline_years().get(match.group("rel") or "", 0)
    if match.group("m"):
        if not (match.group("d") or match.group("month_end") or match.group("by")):
            return None
        month = match.group("m")
        month_no = int(month) if month.isdigit() else int(chinese_number(month) or 0)
        day = match.group("d")
        if not 1 <= month_no <= 12 or (day and not 1 <= int(day) <= calendar.monthrange(2000, month_no)[1]):
            return Target(key, PERIOD, year_offset=offset, problem=_no_such_date(None, str(month_no), day))
        end = f"--{month_no:02d}" + (f"-{int(day):02d}" if day else "")
    elif match.group("q"):
        quarter = match.group("q")
        end = f"--{3 * (int(quarter) if quarter.isdigit() else int(chinese_number(quarter) or 0)):02d}"
    elif match.group("half"):
        end = "--06" if match.group("half") == "上" else "--12"
    else:
        end = "--12"  # 年底前, 年内: by the end of the year
    return Target(key, PERIOD, period_end=end, year_offset=offset)


def with_year(undated: str, year: int) -> str | None:
    """An end without its year ("--12", "--02-29") in a given year; None when that date does not exist.

    >>> with_year("--12", 2023), with_year("--02-29", 2024), with_year("--02-29", 2023)
    ('2023-12', '2024-02-29', None)
    """
    parts = undated.removeprefix("--").split("-")
    return _iso(str(year), parts[0], parts[1] if len(parts) > 1 else None)


def is_undated(end: object) -> TypeGuard[str]:
    """True for a deadline's end that still lacks its year ("--12")."""
    return isinstance(end, str) and end.startswith("--")


@dataclass(frozen=True, slots=True)
class DeadlineNote:
    """What :func:`complete_deadlines` has to say about one indicator's target: a notice code and message."""

    indicator_no: object
    code: str
    message: str


def complete_deadlines(indicators: Iterable[dict[str, Any]], fiscal_year: object) -> list[DeadlineNote]:
    """Give deadlines without a year the form's fiscal year, in place; return what to warn about.

    Each period target gets ``period_year_basis``: ``stated`` (the text names its year),
    ``fiscal_year`` (taken from the form's fiscal year, plus one for 次年) or ``missing`` (the form
    states no fiscal year either: ``period_end`` keeps the end without a year, "--12"). A date that does
    not exist (2月30日, or 2月29日 in a year that has none) leaves ``period_end`` empty, with a warning.
    """
    year = int(fiscal_year) if isinstance(fiscal_year, int | float) and fiscal_year == fiscal_year else None
    notes: list[DeadlineNote] = []
    for record in indicators:
        text = record.get("target_text")
        if not text:
            continue
        target = parse_target(text)
        if target.problem:
            notes.append(DeadlineNote(record.get("indicator_no"), "W_IMPOSSIBLE_DATE",
                                      f"target {text!r}: {target.problem}; it has no period end"))
        if record.get("target_kind") != PERIOD:
            continue
        end = record.get("period_end")
        if not is_undated(end):
            record["period_year_basis"] = "stated" if end or target.problem else None
            continue
        if year is None:
            record["period_year_basis"] = "missing"
            notes.append(DeadlineNote(record.get("indicator_no"), "W_DEADLINE_WITHOUT_YEAR",
                                      f"target {text!r} names no year and the form states no fiscal year: "
                                      f"period_end is {end!r}"))
            continue
        completed = with_year(end, year + (target.year_offset or 0))
        record["period_end"] = completed
        record["period_year_basis"] = "fiscal_year"
        if completed is None:
            notes.append(DeadlineNote(record.get("indicator_no"), "W_IMPOSSIBLE_DATE",
                                      f"target {text!r}: {end[2:]} does not exist in "
                                      f"{year + (target.year_offset or 0)}; it has no period end"))
    return notes


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def parse_target(text: str) -> Target:
    """Parse a target or an actual as written.

    >>> parse_target("≥90%").comparator, parse_target("123 家").unit, parse_target("持续改善").kind
    ('>=', '家', 'qualitative')

    A sign alone (a copy cut off after it) says the direction and no number: quantitative, value None.

    >>> target = parse_target(">")
    >>> target.kind, target.comparator, target.value, target.unit
    ('quantitative', '>', None, None)
    """
    key = compact(text)
    if not key:
        return Target(text, QUALITATIVE)
    period = _period(key)
    if period is not None and period.kind == PERIOD:
        return Target(text, PERIOD, period_start=period.period_start, period_end=period.period_end,
                      year_offset=period.year_offset, problem=period.problem)
    if period is not None:
        return Target(text, QUALITATIVE, problem=period.problem)
    comparator, approximate, rest = _leading_words(key)
    if comparator is not None and not rest and _SYMBOLS.fullmatch(key):
        return Target(text, QUANTITATIVE, comparator=comparator)  # a target cut off after its sign (">")
    value, unit = _number_and_unit(rest, words_allowed=comparator is not None or approximate)
    if value is None:
        return Target(text, QUALITATIVE)
    after, unit = _trailing_words(unit)
    if not _UNIT_OK.match(unit) or _PROSE_HINT.search(unit):
        if _range_rest().match(unit):
            return Target(text, QUALITATIVE, notice=RANGE_NOTICE,
                          notice_message=f"{text!r} is a range, and a target has one value: read as words, not scored")
        return Target(text, QUALITATIVE)
    signs = {_SIDES[found] for found in (comparator, *after) if found is not None}
    if len(signs) > 1:
        said = " and ".join(f"{COMPARATOR_SIGNS[found]} ({_SIDES[found]})" for found in dict.fromkeys(
            found for found in (comparator, *after) if found is not None))
        return Target(text, QUANTITATIVE, value=value, unit=normalise_unit(unit), notice=CONFLICT_NOTICE,
                      notice_message=f"{text!r} says {said}: the direction is unknown, its comparator is left empty")
    return Target(text, QUANTITATIVE, comparator=comparator or next(iter(after), None), value=value,
                  unit=normalise_unit(unit))


def _leading_words(key: str) -> tuple[str | None, bool, str]:
    """(comparator, approximate, rest): the scope and approximation words ("全年", "约") and one comparator
    ("≥", "不低于") at the start of a compact text, taken off it."""
    comparator, approximate, rest = None, False, key
    while comparator is None:
        found = next(((word, means) for word, means in _comparator_words("before") if rest.startswith(word)), None)
        if found is None:
            break
        rest = rest[len(found[0]):]
        if found[1] == APPROXIMATE:
            approximate = True
        elif found[1] in COMPARATORS:
            comparator = found[1]
    return comparator, approximate, rest


def _number_and_unit(rest: str, words_allowed: bool) -> tuple[float | None, str]:
    """The number a text starts with and what follows it: Arabic ("95%"), a percentage in words ("百分之
    九十五" → 95, "%"), or Chinese numerals when a comparator or 约 says a number follows ("不少于五个")."""
    match = _NUMBER.match(rest)
    if match:
        return arabic_number(match.group("number")), match.group("unit")
    match = _PERCENT_WORDS.match(rest)
    if match:
        arabic, numeral = match.group("arabic"), match.group("number")
        if arabic:
            return arabic_number(arabic), "%" + match.group("unit")
        # 百分之百 says 一百 with its 一 left out, as the phrase always does
        return chinese_number("一" + numeral if numeral.startswith("百") else numeral), "%" + match.group("unit")
    match = _CHINESE_NUMBER.match(rest)
    if match and words_allowed:
        return chinese_number(match.group("number")), match.group("unit")
    return None, rest


def _trailing_words(unit: str) -> tuple[tuple[str, ...], str]:
    """(comparators, unit): the words after a number's unit ("以上", "左右", "(含)", several in a row as in
    "(含)以上") taken off it, with the comparators they say."""
    said: list[str] = []
    while unit:
        found = next(((word, means) for word, means in _comparator_words("after") if unit.endswith(word)), None)
        if found is None:
            break
        unit = unit[: -len(found[0])]
        if found[1] in COMPARATORS:
            said.append(found[1])
    return tuple(said), unit


@cache
def _range_rest() -> re.Pattern[str]:
    """What follows the first number of a range: its unit, a dash or 至 (or 且 and a comparator), the second
    number and its unit ("%-95%", "%~95%", "%且≤95%", "至5个")."""
    signs = alternation(word for word, means in _comparator_words("before") if means in COMPARATORS)
    unit = _UNIT_OK.pattern.removeprefix("^").removesuffix("$")  # a unit, without punctuation ("%,≥95%" is two)
    return re.compile(rf"^{unit}?(?:(?:-|—|–|~|至|到)+(?:{signs})?|(?:且|并且|并)?(?:{signs})){ARABIC}{unit}$")


def stated_target(text: object, comparator: object = None, unit: object = None) -> str | None:
    """A target as the form states it over its cells: "32" under 指标值, with "≥" under 指标性质 and "人"
    under 度量单位, reads "≥32人"; a target written whole in one cell ("≥90%", "不低于95%", "90%以上")
    stays as written. Why: a report that shows the 指标值 cell alone tells the reader "32" where the form
    says "at least 32 people".

    Only what the text itself lacks is added, read by :func:`parse_target`: the sign when the text
    names no comparator (as a sign or as a word), the unit when the text is a number with none. A
    text in words ("持续改善") is never changed; a missing text stays missing (None).

    >>> stated_target("32", ">=", "人"), stated_target("100", "=", "%"), stated_target("≥90%", ">=", "%")
    ('≥32人', '=100%', '≥90%')
    >>> stated_target("不低于95%", ">=", "%"), stated_target("持续改善", ">=", "%"), stated_target(None, ">=", "%")
    ('不低于95%', '持续改善', None)
    """
    if not isinstance(text, str):
        return None
    written = text.strip()
    if not written:
        return text
    parsed = parse_target(written)
    if parsed.kind == QUALITATIVE:
        return written
    if isinstance(unit, str) and unit and parsed.kind == QUANTITATIVE and parsed.value is not None and not parsed.unit:
        written += unit
    sign = COMPARATOR_SIGNS.get(comparator) if isinstance(comparator, str) else None
    if sign is not None and parsed.comparator is None:
        written = sign + written
    return written
