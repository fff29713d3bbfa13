"""Money as written → 元.

An amount carries its unit in the cell ("150万", "10000万元") or inherits the unit its block states
("单位：万元", "资金情况(万元)"). When neither exists the 元 value stays unknown (None): a bare
"500000.00" might be 元 or 万元, and guessing would silently multiply a budget by 10,000.
Chinese numerals ("伍拾万元") and full-width digits are read by :mod:`budgetlib.transform.numbers`; the
money units and their factors are ``data/money_units.csv``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from budgetlib.transform.normalize import compact
from budgetlib.transform.numbers import ARABIC, CHINESE_DIGITS, arabic_number, chinese_number
from budgetlib.vocabulary import money_unit_pattern, money_units

#: Amounts above this (10 trillion 元, more than a province's annual budget) are reported as implausible.
IMPLAUSIBLE_YUAN = 1e13

FEN = Decimal("0.01")
"""The smallest amount of money (一分): scaled amounts are rounded to it."""

_EXACT_BELOW = 1e15
"""Amounts are scaled in decimal below this (beyond it a float has no fen left to keep)."""

_NOT_APPLICABLE = frozenset({"/", "-", "—", "--", "——", "无", "/ ", "\\", "N/A", "n/a"})


@cache
def _amount_pattern() -> re.Pattern[str]:
    """An amount cell: an optional 约/合计/¥, a number, a money unit (data/money_units.csv), a short note."""
    return re.compile(
        rf"^(?:约|共计|合计|计|人民币|¥|￥)?(?P<number>{ARABIC}|[{CHINESE_DIGITS}]+?)(?P<unit>{money_unit_pattern()})?"
        r"(?:整|左右)?(?:[(（][^()（）]{0,30}[)）])?$"
    )


@cache
def _unit_in_label() -> re.Pattern[str]:
    """A unit a label or line states: "单位：万元", "资金情况(万元)"."""
    units = money_unit_pattern()
    return re.compile(rf"(?:单位|资金单位|金额单位)[:：]?\s*(?P<unit>{units})|[(（]\s*(?P<paren>{units})\s*[)）]")


@cache
def _unit_ends() -> frozenset[str]:
    """The last characters of the money units (元, 万, 亿): a text without any of them states no unit."""
    return frozenset(unit[-1] for unit in money_units())


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
    match = _amount_pattern().match(key)
    if not match:
        return Amount(text, None, None, None, None, "not an amount")
    raw_number = match.group("number")
    number = chinese_number(raw_number) if raw_number[0] in CHINESE_DIGITS else arabic_number(raw_number)
    if number is None:
        return Amount(text, None, None, None, None, "not an amount")
    if not math.isfinite(number):
        return Amount(text, None, None, None, None, "not a finite number")
    unit = match.group("unit")
    unit_source = "cell" if unit else None
    if not unit and block_unit:
        unit, unit_source = block_unit, "block"
    entry = money_units()[unit] if unit else None
    unit = entry.stored_as if entry else None
    yuan = to_yuan(number, entry.factor) if entry else None
    problem = None
    if number < 0:
        problem = "negative amount"
    elif yuan is not None and yuan > IMPLAUSIBLE_YUAN:
        problem = "implausibly large amount"
    elif unit is None:
        problem = "no unit stated"
    return Amount(text, number, unit, unit_source, yuan, problem)


def to_yuan(number: float, factor: float) -> float:
    """``number`` of a unit worth ``factor`` 元, in 元 exact to the fen (一分).

    Scaling in binary floating point gives 202.64 万元 as 2026399.9999999998 元; the figure is scaled as
    the decimal it was written as and rounded to the fen, so it is 2026400.0 (half a fen rounds up).

    >>> to_yuan(202.64, 10000), to_yuan(132.912067, 10000), to_yuan(0.125, 1)
    (2026400.0, 1329120.67, 0.125)
    """
    if factor == 1:
        return number  # not scaled: as written
    if not math.isfinite(number) or abs(number * factor) >= _EXACT_BELOW:
        return number * factor
    exact = Decimal(repr(number)) * Decimal(repr(factor))
    return float(exact.quantize(FEN, rounding=ROUND_HALF_UP))


@lru_cache(maxsize=16384)
def unit_stated_in(text: str) -> str | None:
    """The money unit a label or line declares: "单位：万元", "资金情况(万元)", "金额(元)".

    >>> unit_stated_in("填报单位:(盖章) 单位:万元"), unit_stated_in("年度预算数(万元)")
    ('万元', '万元')
    """
    key = compact(text)
    if not any(end in key for end in _unit_ends()):
        return None
    match = _unit_in_label().search(key)
    if not match:
        return None
    return money_units()[match.group("unit") or match.group("paren")].stored_as
