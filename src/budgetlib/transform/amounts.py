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

from budgetlib.caches import TEXT_CACHE_SIZE
from budgetlib.transform.normalize import compact
from budgetlib.transform.numbers import ARABIC, CHINESE_DIGITS, LARGE_UNITS, arabic_number, chinese_number
from budgetlib.vocabulary import alternation, money_unit_pattern, money_units

#: Amounts above this (10 trillion 元, more than a province's annual budget) are reported as implausible.
IMPLAUSIBLE_YUAN = 1e13

FEN = Decimal("0.01")
"""The smallest amount of money (一分): scaled amounts are rounded to it."""

_EXACT_BELOW = 1e15
"""Amounts are scaled in decimal below this (beyond it a float has no fen left to keep)."""

_NOT_APPLICABLE = frozenset({"/", "-", "—", "--", "——", "无", "/ ", "\\", "N/A", "n/a"})

_JIAO_FEN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"


@cache
def _units_after_chinese() -> str:
    """The money units a Chinese numeral can be followed by: those that do not start with a numeral.

    "千元", "十万元", "万元" begin with numeral characters, so after "一万五" they would be read into the
    numeral ("一万五千元" is 15,000 元, not 一万五 千元); only units such as 元 and 人民币元 can follow.
    A run that ends in 万 or 亿 states that unit itself ("伍拾万元" is 伍拾 万元).
    """
    return alternation([unit for unit in money_units() if unit[0] not in CHINESE_DIGITS])


@cache
def _amount_pattern() -> re.Pattern[str]:
    """An amount cell: an optional 约/合计/¥, a number, a money unit (data/money_units.csv), 角/分, a short note.

    An Arabic number takes any money unit; a Chinese numeral is read as one whole run (possessive
    ``++``: never cut short to leave 千元 or 十万元 as its unit) followed by a unit that is no numeral.
    """
    jiao_fen = rf"(?:零?(?P<jiao>[{_JIAO_FEN_DIGITS}])角)?(?:零?(?P<fen>[{_JIAO_FEN_DIGITS}])分)?"
    return re.compile(
        r"^(?P<prefix>约|共计|合计|计|人民币|¥|￥)?"
        rf"(?:(?P<number>{ARABIC})(?P<unit>{money_unit_pattern()})?"
        rf"|(?P<chinese>[{CHINESE_DIGITS}]++)(?P<cn_unit>{_units_after_chinese()})?)"
        rf"{jiao_fen}(?:整|正|左右)?(?:[(（](?P<note>[^()（）]{{0,30}})[)）])?$"
    )


_LABELLED_PAIR = re.compile(
    r"^(?:金额)?[(（]?(?P<first_label>大写|小写)[)）]?[:：]?(?P<first>.+?)[,，;；、]?"
    r"[(（]?(?P<second_label>大写|小写)[)）]?[:：]?(?P<second>.+)$"
)
"""One cell with both forms, each labelled: "大写：伍拾万元整 小写：¥500,000.00"."""

_NOTE_LABEL = re.compile(r"^(?:大写|小写|金额|人民币)*[:：]?")
_ONE_LABEL = re.compile(r"^(?:金额)?[(（]?(?:大写|小写)[)）]?[:：]?")
"""One writing, labelled: "大写：伍拾万元整", "（小写）500000元"."""


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


CAPITAL_MISMATCH = "capital and figures disagree"
"""The problem of an amount written twice (大写 and 小写) with two different values."""


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def parse_amount(text: str, block_unit: str | None = None) -> Amount:
    """Read an amount; ``block_unit`` is the unit the surrounding block states, if any.

    An amount written twice, in words and in figures ("人民币伍拾万元整（¥500,000.00）", "大写：伍拾万元
    小写：500000元"), is read both ways: when the two agree it is that amount; when they disagree its
    元 value is empty (neither is believed) and ``problem`` says so.

    >>> parse_amount("150万").yuan, parse_amount("500000.00", "元").yuan, parse_amount("20").yuan
    (1500000.0, 500000.0, None)
    >>> parse_amount("一万五千元").yuan, parse_amount("人民币伍拾万元整（¥500,000.00）").yuan
    (15000.0, 500000.0)
    >>> parse_amount("人民币伍拾万元整（¥5,000,000.00）").problem
    'capital and figures disagree'
    """
    key = compact(text)
    if not key:
        return Amount(text, None, None, None, None, None)
    if key in _NOT_APPLICABLE:
        return Amount(text, None, None, None, None, "not applicable")
    pair = _LABELLED_PAIR.match(key)
    if pair and pair.group("first_label") != pair.group("second_label"):
        first, second = parse_amount(pair.group("first")), parse_amount(pair.group("second"))
        if first.number is not None and second.number is not None:
            return _settled(text, reconcile(text, first, second), block_unit)
    match = _amount_pattern().match(_ONE_LABEL.sub("", key, count=1) or key)
    if not match:
        return Amount(text, None, None, None, None, "not an amount")
    note = match.group("note")
    if note:
        amount = _read_match(text, match, None)
        restated = parse_amount(_NOTE_LABEL.sub("", note, count=1))
        if amount.number is not None and restated.number is not None and restated.problem not in _UNREAD:
            return _settled(text, reconcile(text, amount, restated), block_unit)
    return _read_match(text, match, block_unit)


_UNREAD = ("not an amount", "not a finite number")


def _settled(text: str, amount: Amount, block_unit: str | None) -> Amount:
    """An amount written twice, after :func:`reconcile`: the block's unit only when neither writing states one.

    The two writings are compared on what the cell itself says ("500000（伍拾万元）" is 元 whatever
    the block states), so the verdict does not depend on the block.
    """
    if amount.yuan is not None or amount.problem == CAPITAL_MISMATCH or not block_unit or amount.number is None:
        return amount
    entry = money_units()[block_unit]
    yuan = amount.number * entry.factor
    return Amount(text, amount.number, entry.stored_as, "block", yuan, _doubt(amount.number, yuan, entry.stored_as))


def _read_match(text: str, match: re.Match[str], block_unit: str | None) -> Amount:
    """The amount a match of :func:`_amount_pattern` holds, with its unit and what is doubtful about it."""
    unit: str | None
    if match.group("chinese"):
        run = match.group("chinese")
        figure = chinese_number(run)
        unit = match.group("cn_unit")
        if figure is not None and run[-1] in LARGE_UNITS and len(run) > 1:
            # "伍拾万元", "五万": the run's last character is (part of) the unit stated in the cell
            unit = run[-1] + (unit or "") if run[-1] + (unit or "") in money_units() else unit
            figure = figure / money_units()[unit].factor if unit else figure
    else:
        figure = arabic_number(match.group("number"))
        unit = match.group("unit")
    if figure is None:
        return Amount(text, None, None, None, None, "not an amount")
    if not math.isfinite(figure):
        return Amount(text, None, None, None, None, "not a finite number")
    if not unit and match.group("prefix") in ("¥", "￥"):
        unit = "元"  # the yuan sign states the unit
    unit_source = "cell" if unit else None
    if not unit and block_unit:
        unit, unit_source = block_unit, "block"
    entry = money_units()[unit] if unit else None
    unit = entry.stored_as if entry else None
    yuan = to_yuan(figure, entry.factor) if entry else None
    if match.group("jiao") or match.group("fen"):
        if yuan is None:
            return Amount(text, None, None, None, None, "not an amount")
        yuan = round(yuan + _cents(match), 2)  # 角 and 分: to the fen
        figure = yuan / entry.factor if entry else figure
    return Amount(text, figure, unit, unit_source, yuan, _doubt(figure, yuan, unit))


def _doubt(number: float, yuan: float | None, unit: str | None) -> str | None:
    """What is doubtful about a figure that was read: negative, implausibly large, or without a unit."""
    if number < 0:
        return "negative amount"
    if yuan is not None and yuan > IMPLAUSIBLE_YUAN:
        return "implausibly large amount"
    if unit is None:
        return "no unit stated"
    return None


def _cents(match: re.Match[str]) -> float:
    """角 and 分 of an amount in 元: "伍角" 0.5, "零伍分" 0.05."""
    jiao, fen = (chinese_number(match.group(part) or "零") or 0.0 for part in ("jiao", "fen"))
    return jiao / 10 + fen / 100


def _readings(amount: Amount, other: Amount) -> list[float]:
    """The 元 values an amount may mean next to another: its own, or, with no unit, the other's unit."""
    if amount.yuan is not None:
        return [amount.yuan]
    assert amount.number is not None
    readings = [amount.number]
    if other.unit is not None:
        readings.append(amount.number * money_units()[other.unit].factor if other.unit in money_units()
                        else amount.number)
    return readings


def _same_money(left: float, right: float) -> bool:
    """Equal to the fen (0.01 元), the precision figures are written with (or to a float's precision)."""
    return abs(left - right) <= max(0.005, 2 * math.ulp(max(abs(left), abs(right))))


def reconcile(text: str, first: Amount, second: Amount) -> Amount:
    """One amount from two writings of it (大写 and 小写: in one cell, or in two columns side by side).

    Agreeing writings give the amount (the one that states a unit; a bare figure is read in the other's
    unit or in 元); disagreeing ones give no 元 value and the problem :data:`CAPITAL_MISMATCH`:
    contradictions are flagged, never settled by picking one.

    >>> reconcile("", parse_amount("伍拾万元"), parse_amount("500,000.00")).yuan
    500000.0
    >>> reconcile("", parse_amount("伍拾万元"), parse_amount("50,000.00元")).problem
    'capital and figures disagree'
    """
    agree = any(_same_money(left, right) for left in _readings(first, second) for right in _readings(second, first))
    if not agree:
        return Amount(text, first.number, first.unit, first.unit_source, None, CAPITAL_MISMATCH)
    chosen = first if first.yuan is not None or second.yuan is None else second
    return Amount(text, chosen.number, chosen.unit, chosen.unit_source, chosen.yuan, chosen.problem)


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


@lru_cache(maxsize=TEXT_CACHE_SIZE)
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


def unit_line(text: str) -> str | None:
    """The money unit of a unit line ("单位：万元", "金额单位：元", "（资金单位：元）"): a short text that says
    单位 and states a unit; None for any other text, a label with a unit in it ("年度预算数(万元)") included.

    A unit line states the unit of the amounts after it; a label's unit is the unit of its own value.

    >>> unit_line("金额单位：元"), unit_line("（单位:万元）"), unit_line("年度预算数(万元)"), unit_line("计量单位")
    ('元', '万元', None, None)
    """
    key = compact(text)
    if len(key) > 40 or "单位" not in key:
        return None
    return unit_stated_in(text)
