"""Money as written → 元, and rates as written → fractions.

An amount carries its unit in the cell ("150万", "10000万元") or inherits the unit its block states
("单位：万元", "资金情况(万元)"). When neither exists the 元 value stays unknown (None): a bare
"500000.00" might be 元 or 万元, and guessing would silently multiply a budget by 10,000.
Chinese numerals ("伍拾万元") go through cn2an; full-width digits through NFKC.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from budgetlib.transform.normalize import compact

UNIT_FACTORS: dict[str, float] = {
    "元": 1.0,
    "人民币元": 1.0,
    "千元": 1e3,
    "万元": 1e4,
    "万": 1e4,
    "十万元": 1e5,
    "百万元": 1e6,
    "千万元": 1e7,
    "亿元": 1e8,
    "亿": 1e8,
}
"""Money units and their factor to 元; "万" alone is how forms abbreviate 万元."""

#: Amounts above this (10 trillion 元, more than a province's annual budget) are reported as implausible.
IMPLAUSIBLE_YUAN = 1e13

_ARABIC = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_CHINESE_DIGITS = "零〇一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟两点"
_UNIT_ALTERNATION = "|".join(sorted(map(re.escape, UNIT_FACTORS), key=len, reverse=True))
_AMOUNT = re.compile(
    rf"^(?:约|共计|合计|计|人民币|¥|￥)?(?P<number>{_ARABIC}|[{_CHINESE_DIGITS}]+?)(?P<unit>{_UNIT_ALTERNATION})?(?:整|左右)?"
    r"(?:[(（][^()（）]{0,30}[)）])?$"
)
_PERCENT = re.compile(r"^(?P<number>[+-]?\d+(?:\.\d+)?)(?P<pct>%|％|百分比)?$")
_UNIT_IN_LABEL = re.compile(
    rf"(?:单位|资金单位|金额单位)[:：]?\s*(?P<unit>{_UNIT_ALTERNATION})|[(（]\s*(?P<paren>{_UNIT_ALTERNATION})\s*[)）]"
)
_NOT_APPLICABLE = frozenset({"/", "-", "—", "--", "——", "无", "/ ", "\\", "N/A", "n/a"})


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount as written and what could be read from it.

    ``number`` is the figure in its own unit; ``unit`` the unit used (stated in the cell, or the
    block's); ``unit_source`` is ``"cell"``, ``"block"`` or None; ``yuan`` is None when the unit is
    unknown or the text is not an amount; ``problem`` says why, or flags a doubtful figure.
    """

    as_written: str
    number: float | None
    unit: str | None
    unit_source: str | None
    yuan: float | None
    problem: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.as_written.strip()


#: Longer runs of Chinese numerals are not read as numbers: no amount needs more ("壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万
#: 玖仟零壹拾贰元" has 22), cn2an's time grows with the square of the length, and a long enough run
#: overflows a float.
MAX_CHINESE_NUMERAL = 40


@lru_cache(maxsize=4096)
def _chinese_number(text: str) -> float | None:
    if len(text) > MAX_CHINESE_NUMERAL:
        return None
    import cn2an  # deferred: importing cn2an costs a quarter of a second

    try:
        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, IndexError, TypeError, OverflowError):
        return None


@lru_cache(maxsize=65536)
def parse_amount(text: str, block_unit: str | None = None) -> Amount:
    """Read an amount; ``block_unit`` is the unit the surrounding block states, if any.

    >>> parse_amount("150万").yuan, parse_amount("500000.00", "元").yuan, parse_amount("20").yuan
    (1500000.0, 500000.0, None)
    """
    key = compact(text)
    if not key:
        return Amount(text, None, None, None, None, None)
    if key in _NOT_APPLICABLE:
        return Amount(text, None, None, None, None, "not applicable")
    match = _AMOUNT.match(key)
    if not match:
        return Amount(text, None, None, None, None, "not an amount")
    raw_number = match.group("number")
    if raw_number[0] in _CHINESE_DIGITS:
        number = _chinese_number(raw_number)
        if number is None:
            return Amount(text, None, None, None, None, "not an amount")
    else:
        number = float(raw_number.replace(",", ""))
    if not math.isfinite(number):
        return Amount(text, None, None, None, None, "not a finite number")
    unit = match.group("unit")
    unit_source = "cell" if unit else None
    if not unit and block_unit:
        unit, unit_source = block_unit, "block"
    if unit == "万":
        unit = "万元"
    yuan = number * UNIT_FACTORS[unit] if unit else None
    problem = None
    if number < 0:
        problem = "negative amount"
    elif yuan is not None and yuan > IMPLAUSIBLE_YUAN:
        problem = "implausibly large amount"
    elif unit is None:
        problem = "no unit stated"
    return Amount(text, number, unit, unit_source, yuan, problem)


def unit_stated_in(text: str) -> str | None:
    """The money unit a label or line declares: "单位：万元", "资金情况(万元)", "金额(元)".

    >>> unit_stated_in("填报单位:(盖章) 单位:万元"), unit_stated_in("年度预算数(万元)")
    ('万元', '万元')
    """
    key = compact(text)
    if "元" not in key and "万" not in key and "亿" not in key:
        return None
    match = _UNIT_IN_LABEL.search(key)
    if not match:
        return None
    unit = match.group("unit") or match.group("paren")
    return "万元" if unit == "万" else unit


@lru_cache(maxsize=4096)
def parse_rate(text: str) -> float | None:
    """A rate as written ("100.00%", "0.95", "95") as a fraction; None when it is not a rate.

    A bare number above 1 is read as a percentage figure ("95" → 0.95) because execution-rate
    columns are headed "执行率(%)" or similar in forms that drop the sign.
    """
    key = compact(text)
    match = _PERCENT.match(key)
    if not match:
        return None
    value = float(match.group("number"))
    if match.group("pct") or value > 1.0:
        return value / 100.0
    return value
