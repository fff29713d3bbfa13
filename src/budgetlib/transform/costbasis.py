"""The cost basis (测算依据) as items: quantity, unit price, list and stated amounts, package ratio.

A declaration justifies its budget in free text, one item per numbered line:

    1、维护区直各部分电子政务网络，共 123 家，每家每年约 1000 元，打包价约 10 万元；

which reads as quantity 123 家, unit price 1,000 元/家/年, list amount 123,000 元 (quantity × unit
price), stated (package) amount 100,000 元, implied unit cost 813.0 元 (stated / quantity) and package
ratio 0.813 (stated / list). The reading rules, in order:

- The text is split at item numbers ("1、", "2.", "(3)", "四、") wherever they start a line or follow
  a separator; without numbers, each line (or ；-separated part) is an item. A line that begins with
  合计/总计 is kept as a total (``is_total``), never summed as an item.
- Money is a number with a money unit (元, 万元, 万, 亿元; Arabic or Chinese numerals, read through
  :func:`~budgetlib.transform.amounts.parse_amount`). A money with a per-basis that names a counted
  unit ("每家每年约 1000 元", "1000 元/家/年") is the unit price, and so is a money written as a price
  of the counted unit ("单价 5000 元", "5 台×6000 元"); a money per time only ("6 万元/年")
  is the item's amount per year, unless a duration in that time unit makes it a rate ("每月 2 万元，
  服务 6 个月"). The last other money is the stated amount.
- The quantity is the first number with a counting unit (data/count_units.csv: 家, 个, 台 …), Arabic
  ("2000 份": a counting unit follows, so no year) or Chinese ("交换机十台"); numbers with a bandwidth
  unit ("200M", "1G") are the line's bandwidth, an attribute and never money.
- Factors joined by a multiplication sign are a product, and every factor of it is multiplied, in any
  order: "2人×3000元/月×12月" is 2 × 3,000 × 12 (a price per 人 per 月), "1200元×50个" 1,200 × 50. The
  price's basis must fit the product's quantity and duration ("100人×2天×400元/人天"); when it cannot
  (a price per 天 over months, two quantities) the item has no list amount, as when a factor is missing.
- Nothing is guessed: an item without a unit price has no list amount; an amount without a money
  unit is not read.

A transform step (text → rows of ``cost_items``), computed for every batch after parsing; the
analyses over those rows (unit costs across forms, review checks) are in :mod:`budgetlib.analysis`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from functools import cache, lru_cache
from typing import Any

import pandas as pd

from budgetlib import schema, vocabulary
from budgetlib.caches import TEXT_CACHE_SIZE
from budgetlib.forms import Forms
from budgetlib.transform.amounts import parse_amount
from budgetlib.transform.normalize import compact
from budgetlib.transform.numbers import CHINESE_DIGITS, arabic_number, chinese_number
from budgetlib.vocabulary import alternation, count_units

log = logging.getLogger(__name__)

__all__ = [
    "CostItem",
    "bandwidths_in",
    "cost_item_kinds",
    "cost_items",
    "count_units",
    "kind_of",
    "parse_cost_basis",
    "parse_cost_item",
    "quantities_in",
    "split_cost_basis",
]

TIME_UNITS: dict[str, str] = {"年": "年", "月": "月", "个月": "月", "天": "天", "日": "天", "周": "周"}
"""Time units of a per-basis or a duration, and their canonical name."""

_CN_DIGITS = CHINESE_DIGITS.replace("点", "")
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_NOT_MONEY_AFTER_WAN = "[人户个家台套辆次件名张册份亩吨株棵]"
"""What follows 万 when it counts people or things ("5万人"), not money."""
_MONEY_UNIT = rf"亿元|万元|千元|元|万(?!{_NOT_MONEY_AFTER_WAN})"
"""Money units after Arabic digits. After a Chinese numeral only 元 can follow, or the run ends in 万/亿:
"一万五千元" is 15,000 元, never 一万五 × 千元 (the whole run is the numeral)."""
_BANDWIDTH = re.compile(
    r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)(?P<unit>Gbps|Mbps|Gb|Mb|GB|MB|G|M|兆)(?![A-Za-z])|(?P<word>万兆|千兆|百兆)"
)
_BANDWIDTH_CONTEXT = re.compile(r"宽带|带宽|专线|线路|接入|网络|光纤|链路|电路|互联网")
_BANDWIDTH_FACTORS = {"G": 1000.0, "Gb": 1000.0, "Gbps": 1000.0, "GB": 1000.0, "M": 1.0, "Mb": 1.0,
                      "Mbps": 1.0, "MB": 1.0, "兆": 1.0, "万兆": 10000.0, "千兆": 1000.0, "百兆": 100.0}
_TOTAL_LINE = re.compile(r"^(?:以上)?(?:合计|总计|共计|小计|总额|预算总额|总预算)")
_ITEM_NUMBER = (
    r"(?:\d{1,2}(?:[、．]|\.(?!\d))|[(（]\d{1,2}[)）]|[⑴-⒇]|[①-⑳]|[a-z][)）]"
    r"|[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）])"
)
_NUMBER_LEVELS = re.compile(
    r"\s*(?:(?P<l0>[一二三四五六七八九十]{1,3}、)|(?P<l1>[(（][一二三四五六七八九十]{1,3}[)）])"
    r"|(?P<l2>\d{1,2}(?:[、．]|\.(?!\d)))|(?P<l3>[(（]\d{1,2}[)）]|[⑴-⒇])|(?P<l4>[①-⑳])|(?P<l5>[a-z][)）]))"
)
"""Item numbers by their rank in an outline: 一、 above （一） above 1. above （1） above ① above a)."""
_SUBTOTAL_LINE = re.compile(r"^(?:以上)?小计")
_SPLIT_AT_NUMBER = re.compile(rf"(?:(?<=^)|(?<=\n)|(?<=[；;。]))\s*(?={_ITEM_NUMBER})")
_LEADING_NUMBER = re.compile(rf"^\s*{_ITEM_NUMBER}")
_GROUP_HEAD = re.compile(rf"^(\s*{_ITEM_NUMBER}[^：:；;。\n]*[：:])\s*(?={_ITEM_NUMBER})")
_CLOSING_TOTAL = re.compile(
    r"(?<=[。；;])\s*(?=(?:以上)?(?:合计|总计)[:：]?\s*[0-9零〇一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾][^\n]*$)"
)
_CN_QUANTITY_BEFORE = "共计约有为各置购用备增装设护训,;:、(（"
"""What stands before a lone 一 that counts ("购置一台", "共一处"): 一 also makes words (统一, 唯一)."""
_CN_QUANTITY_AFTER = ",，;；:：。、)）=×xX*"
"""What follows a lone 一 that counts where its phrase ends ("交换机一台，每台 5000 元")."""
_ADJACENT_DIGITS = re.compile("[〇一二两三四五六七八九][〇一二两三四五六七八九]")
"""Two digits without a place between (唯一一个, 一二): no count is written so."""
_DATE = re.compile(r"(?<![\d.])(?:19|20)\d{2}(?:[-./]\d{1,2}){1,2}(?![\d.])")
"""A date in figures (2020.10, 2020-10-01): its numbers are no quantities."""
_GENERIC_COUNT = "个"
"""The counting unit that stands for any other (655 个 of a price per 家)."""
_TIMES_SIGNS = "×xX*"
"""Signs that join the factors of a product ("2人×3000元/月×12月")."""


@dataclass(frozen=True, slots=True)
class CostItem:
    """One item of a cost basis; see the ``cost_items`` table in the data dictionary."""

    item_no: int | None
    description: str
    quantity: float | None = None
    quantity_unit: str | None = None
    unit_price_yuan: float | None = None
    unit_price_as_written: str | None = None
    price_basis: str | None = None
    list_amount_yuan: float | None = None
    stated_amount_yuan: float | None = None
    stated_amount_as_written: str | None = None
    amount_yuan: float | None = None
    implied_unit_cost_yuan: float | None = None
    package_ratio: float | None = None
    duration: float | None = None
    duration_unit: str | None = None
    bandwidth_mbps: float | None = None
    attributes: str | None = None
    kind: str | None = None
    is_total: bool = False
    parent_item: int | None = None


@dataclass(frozen=True, slots=True)
class _Money:
    as_written: str
    yuan: float | None
    per: tuple[str, ...]
    start: int
    end: int
    rate_hint: bool = False
    """Written as a price without saying per what: "单价 5000 元", "5 台×6000 元"."""

    @property
    def per_count(self) -> tuple[str, ...]:
        return tuple(token for token in self.per if token not in TIME_UNITS)

    @property
    def per_time(self) -> tuple[str, ...]:
        return tuple(TIME_UNITS[token] for token in self.per if token in TIME_UNITS)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A counted quantity found in a text: 123 家, 655 个 (``start``/``end`` in the compact text)."""

    value: float
    unit: str
    as_written: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Duration:
    """A stated duration (12 个月, 2 天), its unit canonical (:data:`TIME_UNITS`)."""

    value: float
    unit: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Priced:
    """How an item is priced: the unit price (its basis as the item reads it), the quantity and duration
    it is multiplied by, and the list amount (None when the factors are missing or do not fit)."""

    price: _Money
    quantity: Quantity | None
    duration: _Duration | None
    list_amount: float | None


# -- vocabularies -----------------------------------------------------------------------------------


@cache
def cost_item_kinds() -> pd.DataFrame:
    """Kinds of cost (broadband, maintenance …), their patterns and expected economic category."""
    return pd.DataFrame(list(vocabulary.table("cost_item_kinds.csv")), dtype="str")


@cache
def _kind_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    kinds = cost_item_kinds()
    return tuple((row.kind, re.compile(row.pattern)) for row in kinds.itertuples())


def kind_of(text: str) -> str | None:
    """The kind of cost a description names, first match in data/cost_item_kinds.csv order.

    >>> kind_of("需使用互联网接入宽带 200M，打折价约 28 万元"), kind_of("“在线督查”运维 6 万元/年")
    ('broadband', 'maintenance')
    """
    key = compact(text)
    for kind, pattern in _kind_patterns():
        if pattern.search(key):
            return kind
    return None


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    per_unit = alternation([*count_units(), *TIME_UNITS])
    count = alternation(count_units())
    time = alternation(TIME_UNITS)
    money = (
        rf"(?P<times>[×xX*])?(?P<pre>(?:每(?:{per_unit}))+)?(?P<filler>约|按|为|计|需|平均|均|单价|价格)?"
        rf"(?<![\d.{_CN_DIGITS}])"  # only at a run's start
        rf"(?:(?P<num>{_ARABIC})(?P<unit>{_MONEY_UNIT})"
        rf"|(?P<cn_num>[{_CN_DIGITS}]++)(?P<cn_unit>元|(?<=[万亿])(?!{_NOT_MONEY_AFTER_WAN})))"  # the whole run
        rf"(?P<per>(?:[/·](?:{per_unit})(?:{time})?)*)"  # 元/月, 元/人/天, 元/人·月, 元/人天
    )
    return {
        "money": re.compile(money),
        "duration": re.compile(r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)(?P<unit>个月|月|天|日|周|年)(?!度|底|初|末|前|内)"),
        "quantity": re.compile(rf"(?<![\d.])(?P<num>\d+(?:\.\d+)?)(?:余|多)?(?P<unit>{count})"),
        # a whole run of numerals, neither an ordinal (第二批) nor a per-basis (每一台), nor a word (一次性)
        "cn_quantity": re.compile(
            rf"(?<![第每{_CN_DIGITS}\d.])(?P<num>[零〇一二两三四五六七八九十百千]++)(?P<unit>{count})(?![性式])"
        ),
        "per_token": re.compile(per_unit),
    }


# -- splitting --------------------------------------------------------------------------------------


def split_cost_basis(text: str | None) -> list[str]:
    """The cost basis cut into item texts (as written, trimmed).

    >>> split_cost_basis("1、宽带 28 万元；2、运维 6 万元/年")
    ['1、宽带 28 万元；', '2、运维 6 万元/年']
    """
    if not isinstance(text, str) or not text.strip():
        return []
    if _LEADING_NUMBER.match(text) or re.search(rf"[\n；;。]\s*{_ITEM_NUMBER}", text):
        items: list[str] = []
        for part in _SPLIT_AT_NUMBER.split(text):
            for line in (piece.strip() for piece in part.split("\n")):
                if not line:
                    continue
                starts_item = _LEADING_NUMBER.match(line) or _TOTAL_LINE.match(compact(line))
                if items and not starts_item and not _TOTAL_LINE.match(compact(items[-1])):
                    items[-1] = f"{items[-1]}\n{line}"  # a continuation line of the item above
                else:
                    items.append(line)
        items = [piece for item in items for piece in _group_head_apart(item)]
        return items[:-1] + _closing_total_apart(items[-1]) if items else items
    pieces: list[str] = []
    for line in text.split("\n"):
        pieces.extend(piece.strip() for piece in re.split(r"(?<=[；;])", line) if piece.strip())
    return pieces


# -- reading one item -------------------------------------------------------------------------------


def _group_head_apart(item: str) -> list[str]:
    """A group's heading written on the line of its first part ("1.人员经费72万元：（1）保洁员…") as two items."""
    head = _GROUP_HEAD.match(item)
    if head is None:
        return [item]
    return [head.group(1).strip(), *_group_head_apart(item[head.end():].strip())]


def _closing_total_apart(item: str) -> list[str]:
    """The closing 合计 written on the last item's line ("2.耗材8万元。合计：80万元。") as an item of its own;
    only after the last item, so that an item's own "…。合计5万元" before the next item stays with it."""
    total = _CLOSING_TOTAL.search(item)
    if total is None or _LEADING_NUMBER.match(item) is None:
        return [item]
    return [item[:total.start()].strip(), item[total.start():].strip()]


def _per_tokens(text: str) -> tuple[str, ...]:
    return tuple(_patterns()["per_token"].findall(text))


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _moneys(key: str) -> tuple[_Money, ...]:
    """The amounts of money in a compact text; cached by text, since an item's text is read for its
    price, its quantities and its durations, and the same lines recur across forms."""
    found = []
    for match in _patterns()["money"].finditer(key):
        number = "num" if match.group("num") else "cn_num"
        amount = parse_amount(match.group(number) + (match.group("unit") or match.group("cn_unit") or ""))
        if amount.yuan is None:
            continue
        pre = match.group("pre") or ""
        per = _per_tokens(pre.replace("每", " ")) + _per_tokens(match.group("per") or "")
        written = match.group(0) if pre else key[match.start(number):match.end()]
        hint = bool(match.group("times")) or match.group("filler") in ("单价", "价格")
        found.append(_Money(written, amount.yuan, per, match.start(), match.end(), hint))
    return tuple(found)


def quantities_in(text: str) -> list[Quantity]:
    """Counted quantities in a text (123 家, 655 个, 十二台), outside money and durations.

    A number is a quantity only with a counting unit right after it, so a year never is one: a year is
    followed by 年 or stands in a date ("2020年", "2020.10"), while "2000 户" counts households.

    >>> [(q.value, q.unit) for q in quantities_in("共 123 家，每家每年约 1000 元，服务 12 个月")]
    [(123.0, '家')]
    >>> [(q.value, q.unit) for q in quantities_in("2020年为全镇2000户农户购置交换机十台")]
    [(2000.0, '户'), (10.0, '台')]
    """
    key = compact(text)
    taken = [(m.start, m.end) for m in _moneys(key)]
    taken += [m.span() for m in _patterns()["duration"].finditer(key)]
    taken += [m.span() for m in _BANDWIDTH.finditer(key)]
    taken += [m.span() for m in _DATE.finditer(key)]
    found: list[Quantity] = []
    for pattern, chinese in ((_patterns()["quantity"], False), (_patterns()["cn_quantity"], True)):
        for match in pattern.finditer(key):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            if chinese and not _counts(key, match):
                continue
            value = _number(match.group("num"))
            if value is None:
                continue
            found.append(Quantity(value, match.group("unit"), match.group(0), match.start(), match.end()))
    return sorted(found, key=lambda q: q.start)


def _counts(key: str, match: re.Match[str]) -> bool:
    """Whether a Chinese numeral with a counting unit counts. Any numeral does ("交换机十台", "十二台电脑")
    but a lone 一, the numeral that makes words (统一张网, 唯一, 一户一档): it counts after a verb or a
    connective ("购置一台", "共一处") or where its phrase ends ("交换机一台，"), never before another 一.
    Two digits side by side (唯一一个) are no numeral of a count."""
    if _ADJACENT_DIGITS.search(match.group("num")):
        return False
    if match.group("num") != "一":
        return True
    start, end = match.span()
    after = key[end:end + 1]
    if after == "一":
        return False
    after_a_verb = start == 0 or key[start - 1] in _CN_QUANTITY_BEFORE
    ends_its_phrase = not after or after in _CN_QUANTITY_AFTER or after.isdigit()
    return after_a_verb or ends_its_phrase


def _number(text: str) -> float | None:
    return arabic_number(text) if text[0].isdigit() else chinese_number(text)


def bandwidths_in(text: str) -> list[tuple[float, str]]:
    """Line bandwidths a text names, in Mbps with the text as written: "宽带 200M" → (200.0, '200M').

    Only read where the text speaks of a line (宽带, 专线, 接入 …): elsewhere "80M" is a distance.
    """
    key = compact(text)
    if not _BANDWIDTH_CONTEXT.search(key):
        return []
    found = []
    for match in _BANDWIDTH.finditer(key):
        if match.group("word"):
            found.append((_BANDWIDTH_FACTORS[match.group("word")], match.group(0)))
        else:
            found.append((float(match.group("num")) * _BANDWIDTH_FACTORS[match.group("unit")], match.group(0)))
    return found


def _durations(key: str, moneys: Sequence[_Money]) -> list[_Duration]:
    spans = [(m.start, m.end) for m in moneys]
    found = []
    for match in _patterns()["duration"].finditer(key):
        if any(start < match.end() and match.start() < end for start, end in spans):
            continue
        if match.group("unit") == "年" and re.fullmatch(r"(?:19|20)\d{2}", match.group("num")):
            continue
        found.append(_Duration(float(match.group("num")), TIME_UNITS[match.group("unit")], *match.span()))
    return found


def _choose_unit_price(moneys: Sequence[_Money], durations: Sequence[_Duration]) -> _Money | None:
    for money in moneys:
        if money.per_count:
            return money
    for money in moneys:
        if money.per_time and (
            any(unit != "年" for unit in money.per_time)
            or any(d.unit in money.per_time for d in durations)
            or len(moneys) > 1
        ):
            return money
    return None


_Factor = _Money | Quantity | _Duration


def _products(key: str, factors: Sequence[_Factor]) -> list[tuple[_Factor, ...]]:
    """The runs of factors joined by a multiplication sign ("2人×3000元/月×12月", "1200元×50个"), two
    factors or more each. A money's span starts at its own sign ("×3000元"), the others' do not."""
    products = []
    run: list[_Factor] = []
    for factor in sorted(factors, key=lambda f: f.start):
        gap = key[run[-1].end:factor.start] if run else None
        if gap is not None and ((len(gap) == 1 and gap in _TIMES_SIGNS) or (
                not gap and isinstance(factor, _Money) and key[factor.start] in _TIMES_SIGNS)):
            run.append(factor)
            continue
        if len(run) > 1:
            products.append(tuple(run))
        run = [factor]
    if len(run) > 1:
        products.append(tuple(run))
    return products


def _price_of_product(products: Sequence[tuple[_Factor, ...]]) -> _Money | None:
    """The one money of a product with a quantity or a duration: a price, whichever side it is written on."""
    for product in products:
        moneys = [f for f in product if isinstance(f, _Money)]
        if len(moneys) == 1 and len(product) > 1:
            return moneys[0]
    return None


def _same_count(per_count: tuple[str, ...], unit: str) -> bool:
    """Whether a price per ``per_count`` is a price of the counted ``unit``: the same class of unit (名 and
    人, 台 and 套), or 个, the generic count that stands for any (data/count_units.csv)."""
    if len(per_count) != 1:
        return False
    classes = count_units()
    per, counted = classes.get(per_count[0], per_count[0]), classes.get(unit, unit)
    return per == counted or _GENERIC_COUNT in (per, counted)


def _priced_by_product(price: _Money, product: tuple[_Factor, ...], quantities: Sequence[Quantity],
                       durations: Sequence[_Duration]) -> _Priced:
    """A price multiplied, with every other factor of its product: the product's quantity and duration
    make the price's basis when it names none ("2人×3000元/月" is 元/人/月) and must fit it when it names
    one ("100人×2天×400元/人天"). When they do not fit (two quantities, 元/天 over months, 元/台 of people)
    no list amount is made: multiplying some factors and not the others would be a false list amount."""
    counted = [f for f in product if isinstance(f, Quantity)]
    timed = [f for f in product if isinstance(f, _Duration)]
    per_count, per_time = price.per_count, price.per_time
    fits = len(counted) <= 1 and len(timed) <= 1 and sum(isinstance(f, _Money) for f in product) == 1
    if fits and counted:
        fits = not per_count or _same_count(per_count, counted[0].unit)
        per_count = per_count or (counted[0].unit,)
    if fits and timed:
        fits = not per_time or per_time == (timed[0].unit,)
        per_time = per_time or (timed[0].unit,)
    quantity = counted[0] if counted else (quantities[0] if quantities else None)
    if not fits:
        return _Priced(price, quantity, timed[0] if timed else None, None)
    return _priced(replace(price, per=(*per_count, *per_time)), quantity, [*timed, *durations])


def _priced(price: _Money, quantity: Quantity | None, durations: Sequence[_Duration]) -> _Priced:
    """A price multiplied by what its basis names: the quantity for a counted unit, the first duration in
    each time unit. A price per month or day without such a duration makes no list amount (the total is
    unknown, never guessed as 12 months); a price per year without one is the year's amount."""
    list_amount = price.yuan
    if price.per_count:
        list_amount = list_amount * quantity.value if quantity is not None and list_amount is not None else None
    duration = None
    for time_unit in price.per_time:
        match = next((d for d in durations if d.unit == time_unit), None)
        if match is not None:
            duration = match
            list_amount = list_amount * match.value if list_amount is not None else None
        elif time_unit != "年":
            list_amount = None
    return _Priced(price, quantity, duration, list_amount)


def _price_item(key: str, moneys: Sequence[_Money], quantities: Sequence[Quantity],
                durations: Sequence[_Duration]) -> _Priced | None:
    """The item's unit price and what it is multiplied by, or None for an item without a unit price."""
    products = _products(key, [*moneys, *quantities, *durations])
    price = _choose_unit_price(moneys, durations) or _price_of_product(products)
    if price is not None:
        product = next((p for p in products if price in p), None)
        if product is not None:
            return _priced_by_product(price, product, quantities, durations)
        return _priced(price, quantities[0] if quantities else None, durations)
    hinted = next((m for m in moneys if m.rate_hint), None)
    if hinted is not None and quantities:  # "单价 5000 元": a price per the counted unit
        return _priced(replace(hinted, per=(quantities[0].unit, *hinted.per)), quantities[0], durations)
    return None


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def parse_cost_item(text: str, item_no: int | None = None) -> CostItem:
    """Read one item of a cost basis (see the module docstring for the rules). Cached by text (the
    item is frozen): the same lines recur across the forms of a department and its years.

    >>> item = parse_cost_item("1、维护区直各部分电子政务网络，共 123 家，每家每年约 1000 元，打包价约 10 万元；", 1)
    >>> item.quantity, item.unit_price_yuan, item.price_basis, item.list_amount_yuan, item.stated_amount_yuan
    (123.0, 1000.0, '元/家/年', 123000.0, 100000.0)
    >>> round(item.implied_unit_cost_yuan, 1), round(item.package_ratio, 3)
    (813.0, 0.813)
    """
    key = compact(text)
    if _TOTAL_LINE.match(key):
        moneys = _moneys(key)
        stated = moneys[-1] if moneys else None
        return CostItem(
            item_no=None, description=text, stated_amount_yuan=stated.yuan if stated else None,
            stated_amount_as_written=stated.as_written if stated else None,
            amount_yuan=stated.yuan if stated else None, is_total=True,
        )
    moneys = _moneys(key)
    durations = _durations(key, moneys)
    quantities = quantities_in(text)
    priced = _price_item(key, moneys, quantities, durations)
    price = priced.price if priced else None
    quantity = priced.quantity if priced else (quantities[0] if quantities else None)
    duration = priced.duration if priced else (durations[0] if durations else None)
    list_amount = priced.list_amount if priced else None
    others = [m for m in moneys if m.start != (price.start if price else None)]
    stated = others[-1] if others else None
    bandwidths = bandwidths_in(text)

    stated_yuan = stated.yuan if stated else None
    amount = stated_yuan if stated_yuan is not None else list_amount
    implied = amount / quantity.value if amount is not None and quantity is not None and quantity.value else None
    ratio = stated_yuan / list_amount if stated_yuan is not None and list_amount else None
    basis = None
    if price is not None:
        basis = "/".join(["元", *price.per_count, *price.per_time])
    return CostItem(
        item_no=item_no,
        description=text,
        quantity=quantity.value if quantity else None,
        quantity_unit=quantity.unit if quantity else None,
        unit_price_yuan=price.yuan if price else None,
        unit_price_as_written=price.as_written if price else None,
        price_basis=basis,
        list_amount_yuan=list_amount,
        stated_amount_yuan=stated_yuan,
        stated_amount_as_written=stated.as_written if stated else None,
        amount_yuan=amount,
        implied_unit_cost_yuan=implied,
        package_ratio=ratio,
        duration=duration.value if duration else None,
        duration_unit=duration.unit if duration else None,
        bandwidth_mbps=bandwidths[0][0] if bandwidths else None,
        attributes="; ".join(written for _, written in bandwidths) or None,
        kind=kind_of(text),
    )


def _number_rank(text: str) -> int | None:
    """The outline rank of an item's number (0 for 一、 … 5 for a)), None for an unnumbered item."""
    match = _NUMBER_LEVELS.match(text)
    return None if match is None or match.lastgroup is None else int(match.lastgroup[1:])


def parse_cost_basis(text: str | None) -> list[CostItem]:
    """All items of a cost-basis text, numbered from 1 (total lines carry no number).

    An item numbered one rank below the item above it ("（1）", "①" under "1.") is a part of it: its
    ``parent_item`` is that group's number, so that the group's amount and its parts are not both
    summed. A 小计 line after the parts of a group is that group's subtotal (a total with a parent).

    >>> [item.stated_amount_yuan for item in parse_cost_basis("1、宽带 28 万元；\\n2、运维 6 万元/年")]
    [280000.0, 60000.0]
    >>> [(item.item_no, item.parent_item) for item in parse_cost_basis("1.人员 3 万元：\\n(1)甲 1 万元\\n(2)乙 2 万元")]
    [(1, None), (2, 1), (3, 1)]
    """
    items: list[CostItem] = []
    number = 0
    open_items: list[tuple[int, int]] = []   # (rank, item_no) of the numbered items still open, outermost first
    for part in split_cost_basis(text):
        key = compact(part)
        if _TOTAL_LINE.match(key):
            group = open_items[-2][1] if _SUBTOTAL_LINE.match(key) and len(open_items) > 1 else None
            open_items = open_items[:-1] if group is not None else []
            items.append(replace(parse_cost_item(part), parent_item=group))
            continue
        number += 1
        rank = _number_rank(part)
        if rank is None:
            open_items = []
        else:
            while open_items and open_items[-1][0] >= rank:
                open_items.pop()
        parent = open_items[-1][1] if open_items else None
        if rank is not None:
            open_items.append((rank, number))
        item = parse_cost_item(part, number)
        items.append(replace(item, parent_item=parent) if parent is not None else item)
    return items


# -- the table --------------------------------------------------------------------------------------


def _shallow_dict(item: CostItem) -> dict[str, Any]:
    """The item's fields as a dict (``dataclasses.asdict`` deep-copies every value: half the time here)."""
    return {name: getattr(item, name) for name in _COST_ITEM_FIELDS}


def cost_items(forms: Forms | pd.DataFrame) -> pd.DataFrame:
    """The ``cost_items`` table of a set of forms (or of a ``projects`` table): one row per item.

    The items of each ``projects.cost_basis`` text, after the lines of the forms' cost tables (``source``
    table: a cost-composition or cost-detail table), which the reader took from the form itself and are
    kept as read. A form with such a table has its lines as its items and its text is not split again:
    the same costs are never counted twice (the reader warns, W_COST_BASIS_TWICE, when the text's total
    differs from the table's; :mod:`budgetlib.transform.cost_columns`). Per form, so it works per chunk of
    a streamed batch.
    """
    projects = forms if isinstance(forms, pd.DataFrame) else forms.projects
    records = []
    tabled: set[str] = set()
    if not isinstance(forms, pd.DataFrame) and "cost_items" in forms.tables:
        read = forms.tables["cost_items"]
        if not read.empty:
            records.extend(schema.row_dicts(read[read["source"] == "table"]))
            tabled = {record["form_id"] for record in records}
    if "cost_basis" in projects.columns:
        texts = schema.python_values(projects["cost_basis"])
        for form_id, text in zip(schema.python_values(projects["form_id"]), texts, strict=True):
            if text is None or form_id in tabled:  # a table of its cost basis: its lines are the items
                continue
            try:
                items = parse_cost_basis(text)
            except Exception:  # one odd text must not cost the other forms their items
                log.exception("cost basis of form %s could not be split into items", form_id)
                continue
            records.extend({"form_id": form_id, "source": "text", **_shallow_dict(item)} for item in items)
    return schema.frame("cost_items", records)


_COST_ITEM_FIELDS = tuple(f.name for f in fields(CostItem))
