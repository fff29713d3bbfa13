"""Normalised keys for matching labels and parsing numbers (never for storing values).

Labels in real forms vary in width (``：`` vs ``:``), spacing ("年度本级 预算金额"), line breaks
("主管部门<br>及编码"), numbering ("1.财政拨款收入"), stamps ("实施单位 (盖章)") and weight
suffixes ("产出指标(70分)"). A key strips all of that so that one vocabulary entry matches them all.
Values keep their text as written; only matching uses these keys.

NFKC also writes units of area and volume with a digit (㎡, m² → "m2"; ㎥, m³ → "m3"), which every
parser would then take for a number or for prose; :func:`compact` spells them as the unit vocabularies
do (平方米, 立方米: ``data/unit_spellings.csv``), so that ㎡, m², m2 and 平方米 read alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType

from budgetlib.caches import TEXT_CACHE_SIZE
from budgetlib.vocabulary import alternation, money_unit_pattern, table

_WHITESPACE = re.compile(r"\s+")
_NUMBERING = re.compile(
    r"^(?:\(?[0-9]{1,2}[)）]|[0-9]{1,2}(?:\.(?![0-9])|、|．)|[一二三四五六七八九十]{1,3}[、.．]|\([一二三四五六七八九十]{1,3}\))"
)
_STAMP = re.compile(r"\((?:(?:单位)?盖章|签章|签字|签名|(?:加盖)?公章|全称|全名|必填|选填)\)")
"""What a label says about how to fill it in, not what it is: "实施单位 (盖章)", "项目名称（全称）"."""
_WEIGHT_SUFFIX = re.compile(r"[(（]\s*([0-9]+(?:\.[0-9]+)?)\s*分\s*[)）]\s*$")
_TRAILING_PUNCT = ":：;；,，。.、"  # stripped with str.rstrip: the regex "[…]+$" is quadratic on long runs


def nfkc(text: str) -> str:
    """NFKC-normalised text: full-width digits, letters and punctuation become ASCII."""
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True, slots=True)
class _Spelling:
    """One pass of :func:`spell_units`: the units it spells, as a pattern, and their spellings."""

    pattern: re.Pattern[str]
    spelled: Mapping[str, str]
    hint: re.Pattern[str]
    """The last characters of every unit of the pass: a text without any needs no substitution (a
    quick search; most texts have no such unit)."""

    def apply(self, text: str) -> str:
        if not self.hint.search(text):
            return text
        return self.pattern.sub(lambda match: self.spelled[match.group(0)], text)


@cache
def _unit_spellings() -> tuple[_Spelling, _Spelling]:
    """``data/unit_spellings.csv`` as two passes: the forms NFKC changes (㎡, m²), spelled before it, and
    the plain ones (m2), spelled after it only where no digit follows (m2400 may be m² 400 or m 2400)."""
    rows = {row["written"]: row["spelled"] for row in table("unit_spellings.csv")}
    changed = {written: spelled for written, spelled in rows.items() if nfkc(written) != written}
    plain = {written: spelled for written, spelled in rows.items() if written not in changed}
    before = _Spelling(re.compile(rf"(?<![A-Za-z])(?:{alternation(changed)})"), MappingProxyType(changed),
                       re.compile(alternation({written[-1] for written in changed})))
    after = _Spelling(re.compile(rf"(?<![A-Za-z])(?:{alternation(plain)})(?![0-9A-Za-z])"), MappingProxyType(plain),
                      re.compile(alternation({written[-2:] for written in plain})))
    return before, after


def spell_units(text: str) -> str:
    """NFKC text without whitespace, with its units of area and volume spelled out: "50㎡", "50m²" and
    "50m2" → "50平方米" (``data/unit_spellings.csv``).

    >>> spell_units("≥5000㎡"), spell_units("每m³50元"), spell_units("5000m2"), spell_units("xm2")
    ('≥5000平方米', '每立方米50元', '5000平方米', 'xm2')
    """
    before, after = _unit_spellings()
    return after.apply(_WHITESPACE.sub("", nfkc(before.apply(text))))


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def compact(text: str) -> str:
    """NFKC text without any whitespace, units spelled out (:func:`spell_units`): the form in which
    numbers and targets are parsed.

    >>> compact("≥5000 ㎡"), compact("3100m²"), compact("１２３ 家")
    ('≥5000平方米', '3100平方米', '123家')
    """
    return spell_units(text)


def split_numbering(text: str) -> tuple[str | None, str]:
    """Split a leading list number ("1.", "2、", "(3)", "四、") from the rest of a label.

    >>> split_numbering("7.一般非税上年结转")
    ('7', '一般非税上年结转')
    """
    key = compact(text)
    match = _NUMBERING.match(key)
    if not match:
        return None, key
    number = re.sub(r"[^0-9一二三四五六七八九十]", "", match.group(0))
    return number, key[match.end():]


def split_weight_suffix(text: str) -> tuple[str, float | None]:
    """Split a points suffix from a label: "产出指标(70分)" -> ("产出指标", 70.0)."""
    key = compact(text)
    match = _WEIGHT_SUFFIX.search(key)
    if not match:
        return key, None
    return key[: match.start()], float(match.group(1))


@cache
def _unit_suffix() -> re.Pattern[str]:
    """A unit in parentheses after a label: "(万元)", "(单位:元)", "(%)", a formula "(B/A)"."""
    return re.compile(rf"\((?:单位[:：]?)?(?:{money_unit_pattern()}|%|[A-Za-z](?:[/×*÷][A-Za-z])?)\)")


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def label_key(text: str) -> str:
    """The matching key of a label: compact, without numbering, stamp, points or trailing colon.

    >>> label_key("实施单位 (盖章)"), label_key("主管部门\\n及编码"), label_key("当年资金总额:")
    ('实施单位', '主管部门及编码', '当年资金总额')
    >>> label_key("项目名称（全称）"), label_key("项目负责人（签名）")
    ('项目名称', '项目负责人')
    """
    key = compact(text)
    key = _STAMP.sub("", key)
    key = _WEIGHT_SUFFIX.sub("", key)
    key = _unit_suffix().sub("", key)
    key = key.rstrip(_TRAILING_PUNCT)
    match = _NUMBERING.match(key)
    if match and len(key) > match.end():
        key = key[match.end():]
    return key
