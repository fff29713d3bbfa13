"""Numbers as forms write them: Arabic and Chinese numerals, points ("10分"), percentages and rates.

One place for reading a figure, so that amounts, targets, indicator weights and scores, the
budget-execution block and scoring agree on what "1,000", "伍拾", "10分" and "95%" are. Texts are read
in their compact form (NFKC, no whitespace): full-width "１２３" is 123. A text that is no number gives
None, never an exception and never a guess.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from budgetlib.transform.normalize import compact

ARABIC = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
"""An Arabic number as forms write it: sign, thousands separators ("1,234,567.89"), decimals."""

CHINESE_DIGITS = "零〇一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟两点"
"""The characters of a Chinese numeral, everyday and financial (大写) forms, with 点 for a decimal point."""

MAX_CHINESE_NUMERAL = 40
"""Longer runs of Chinese numerals are not read as numbers: no amount needs more ("壹仟贰佰叁拾肆亿伍仟陆佰
柒拾捌万玖仟零壹拾贰元" has 22), cn2an's time grows with the square of the length, and a long enough run
overflows a float."""

MAX_POINTS = 1e9
"""Points (weights, scores) at or above this are no points: a form's weights are tens, its total 100."""

_ARABIC = re.compile(ARABIC)
_PERCENT = re.compile(r"^(?P<number>[+-]?\d+(?:\.\d+)?)(?P<pct>%|％|百分比)?$")
_PERCENT_SIGNS = ("%", "％")


def arabic_number(text: str) -> float | None:
    """The value of an Arabic number with optional thousands separators, else None.

    >>> arabic_number("1,234.5"), arabic_number("-20"), arabic_number("12a")
    (1234.5, -20.0, None)
    """
    if not _ARABIC.fullmatch(text):
        return None
    return float(text.replace(",", ""))


LARGE_UNITS = {"亿": 1e8, "万": 1e4}
"""The section units of a Chinese numeral, largest first: each multiplies the numeral before it."""


@lru_cache(maxsize=4096)
@lru_cache(maxsize=1)
def _cn2an() -> Any:
    """cn2an's reader, imported on first use: importing cn2an takes 0.17 s, and most forms write their
    numbers in figures."""
    import cn2an

    return cn2an.cn2an


def chinese_number(text: str) -> float | None:
    """The value of a whole run of Chinese numerals ("伍拾", "一百二十三", "两千", "一万五千万"), else None.

    The run is read as one numeral: "一万五千" is 15,000, never 一万五 × 千. What cn2an does not read
    is read by its sections (:func:`_by_sections`), as numerals are written out for amounts in 万元
    ("一万五千万" is 一万五千 × 万) or with a 零 left out ("六千零四十七亿九千三百零二").

    >>> chinese_number("伍拾"), chinese_number("一百二十三"), chinese_number("十十十"), chinese_number("一万五千万")
    (50.0, 123.0, None, 150000000.0)
    """
    if not text or len(text) > MAX_CHINESE_NUMERAL:
        return None
    try:
        return float(_cn2an()(text, "smart"))
    except (ValueError, KeyError, IndexError, TypeError, OverflowError):
        return _by_sections(text)


def _by_sections(text: str) -> float | None:
    """A numeral read as (numeral) × 亿/万 + (a lower section), at the last 亿, else the last 万.

    "一万零五百万" is 10,500 × 万; "四千九百七十五亿一千" (as cn2an writes 497,500,001,000) is
    4,975 × 亿 + 1,000. The lower section must be below its unit: "一亿二亿" is no numeral.

    >>> _by_sections("一万零五百万"), _by_sections("四千九百七十五亿一千"), _by_sections("一亿二亿")
    (105000000.0, 497500001000.0, None)
    """
    for unit, factor in LARGE_UNITS.items():
        at = text.rfind(unit)
        if at <= 0 or (unit == "亿" and "亿" in text[:at]):  # 万万 is how 万元 amounts are written; 亿亿 is not
            continue
        before = chinese_number(text[:at])
        if before is None:
            continue
        rest = text[at + 1:].lstrip("零〇")
        if not rest:
            return before * factor
        after = chinese_number(rest)
        if after is not None and after < factor:
            return before * factor + after
    return None


def parse_points(text: str) -> float | None:
    """Points as written ("10", "10分", "8.5 分", "1,000"): a weight or a score; None when it is none.

    >>> parse_points("10分"), parse_points(" 8.5 "), parse_points("满分"), parse_points("1e10")
    (10.0, 8.5, None, None)
    """
    key = compact(text).replace(",", "").rstrip("分")
    try:
        value = float(key)
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) < MAX_POINTS else None


def percent_points(text: str) -> float | None:
    """Points written as a percentage ("50%", "12.5 ％"): that many points of 100; None for anything else.

    A 分值/权重 cell sometimes gives the indicator's share of the form's 100 points as "50%";
    :func:`parse_points` reads no percentage, so the reader asks this and says what it did.

    >>> percent_points("50%"), percent_points("12.5 ％"), percent_points("50"), percent_points("约五成")
    (50.0, 12.5, None, None)
    """
    match = _PERCENT.match(compact(text))
    if not match or not match.group("pct"):
        return None
    return float(match.group("number"))


@lru_cache(maxsize=4096)
def parse_rate(text: str) -> float | None:
    """A rate as written ("100.00%", "0.95", "95") as a fraction; None when it is not a rate.

    A bare number above 1 is read as a percentage figure ("95" → 0.95) because execution-rate
    columns are headed "执行率(%)" or similar in forms that drop the sign.

    >>> parse_rate("100.00%"), parse_rate("0.95"), parse_rate("95"), parse_rate("约九成")
    (1.0, 0.95, 0.95, None)
    """
    key = compact(text)
    match = _PERCENT.match(key)
    if not match:
        return None
    value = float(match.group("number"))
    if match.group("pct") or value > 1.0:
        return value / 100.0
    return value


def rate_tolerance(as_written: str) -> float:
    """Half a unit of the last digit a rate was printed with, as a fraction: how exactly it was stated.

    >>> [round(rate_tolerance(text), 8) for text in ("100.00%", "99%", "0.95", "95.5%")]
    [5e-05, 0.005, 0.005, 0.0005]
    """
    text = as_written.strip()
    number = text.rstrip("%％")
    is_percent = text.endswith(_PERCENT_SIGNS)
    decimals = len(number.split(".")[1]) if "." in number else (0 if is_percent else 2)
    scale = 100.0 if is_percent else 1.0
    return 0.5 * 10 ** (-decimals) / scale + 1e-9


def whole_number(text: str | None) -> int | None:
    """A positive whole number as written ("3", "3.0"), else None: a row or item number.

    >>> whole_number("3"), whole_number("3.0"), whole_number("3.5"), whole_number("0"), whole_number("")
    (3, 3, None, None, None)
    """
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and number > 0 else None
