"""A cost-detail table: the cost basis written as columns, each item a row with its quantity and unit price.

Some forms give the 测算依据 not as text but as a table, often inside the 项目支出明细 block or as a
测算明细 table of its own::

    明细项目 | 数量 | 单位 | 单价（元） | 金额（万元） | 测算依据
    办公电脑 |  10  |  台  |   6000    |     6      | 按市场询价
    合计     |      |      |           |     6      |

Each row becomes a ``cost_items`` row (``source`` table) with its quantity, quantity unit, unit price and
stated amount, so that checks C8 (items against the budget) and C9 (quantity × unit price against the
stated amount) and the unit-cost analyses read it like an item of the text. The reading rules:

- The heading row names a line column and a quantity or unit-price column, and an amount column or both
  a quantity and a unit price (``data/labels.csv``, context ``cost_detail_col``), in any order. A heading
  written on two rows (a spanning 测算明细 over 数量 | 单位 | 单价) is read as one: each column's role is
  its lower heading's, else its upper one's.
- Every money column is read in its own stated unit: the cell's, else its heading's ("单价（元）",
  "金额（万元）", "小计（千元）"), else the unit the table or form states. An amount with no stated unit
  keeps its text and has no 元 value: a bare "6" might be 元 or 万元.
- The quantity is a number, Arabic or Chinese ("五", "十二"), its unit from the 单位 column, else from
  the cell ("10台") or the heading ("数量（台）"). A quantity the reader cannot read ("若干") is left
  unclaimed (it stays in ``unparsed``), never guessed.
- The list amount is quantity × unit price when the price's basis fits the quantity (a price per 天 or 月
  with no duration makes none, as in the text). A list amount that disagrees with the stated amount is
  kept as read: that is C9's finding, not a correction.
- A 合计/总计/小计 row is a total (``is_total``), kept to compare and never summed as an item.

The lines are also the form's expenditure lines (this year's amounts by line name) unless the form has
an expenditure table of its own (an economic-classification or cost-composition heading), so that the
same money is never listed twice. When a form gives its cost basis both as text and as a table, the
table's rows are its ``cost_items`` (each figure's role is stated by its column, not inferred from the
wording) and the text stays in ``projects.cost_basis``; when the text's items add up to another amount
than the table's, the two may describe different costs and W_COST_BASIS_TWICE says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from budgetlib.caches import TEXT_CACHE_SIZE
from budgetlib.extract.document import Table
from budgetlib.transform.amounts import Amount, unit_stated_in
from budgetlib.transform.blocks import cost_block_header, ends_block, expenditure_header, is_total_line
from budgetlib.transform.context import FormContext, first_filled, looks_numeric
from budgetlib.transform.costbasis import (
    TIME_UNITS,
    CostItem,
    bandwidths_in,
    kind_of,
    parse_cost_basis,
    parse_cost_item,
)
from budgetlib.transform.labels import match_label
from budgetlib.transform.normalize import compact
from budgetlib.transform.numbers import ARABIC, CHINESE_DIGITS, arabic_number, chinese_number
from budgetlib.vocabulary import count_units, money_unit_pattern

__all__ = [
    "DetailHeading",
    "OutlineLine",
    "detail_heading",
    "is_subtotal",
    "outline_number_cell",
    "outline_parents",
    "parse_cost_detail",
    "price_text",
    "reconcile_cost_sources",
]

ROLES = ("line", "quantity", "quantity_unit", "unit_price", "amount", "basis", "spec", "seq")
"""The columns a cost-detail heading names (``data/labels.csv``, context ``cost_detail_col``)."""

_MAX_HEADING = 30
"""A longer cell is text, never a column heading."""

_TRAILING_NOTE = re.compile(r"[(（][^()（）]*[)）]$")
"""A heading's trailing bracket ("单价（元/台）", "数量(台)"): a unit, not the heading's name."""

_GENERIC_UNIT = "单位"
"""What a price is per when neither the price nor the quantity names its unit: "元/单位", per unit."""

_TOTALS_AGREE = 0.005
"""How far (a share) two totals of the same costs may be apart and still be one total."""


@dataclass(frozen=True, slots=True)
class DetailHeading:
    """The columns of a cost-detail heading: role by column, the heading text(s) of each column (upper
    and lower row, the upper one's spanning cell for a column under it) and how many rows it takes."""

    roles: Mapping[int, str]
    texts: Mapping[int, tuple[str, ...]]
    rows: int

    def col(self, role: str) -> int | None:
        """The (first) column of a role, None when the heading has none."""
        return next((col for col, name in self.roles.items() if name == role), None)

    def cols(self, role: str) -> tuple[int, ...]:
        return tuple(col for col, name in self.roles.items() if name == role)


# -- the heading --------------------------------------------------------------------------------------


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def heading_role(text: str) -> str | None:
    """The role of a cost-detail column heading, or None.

    >>> heading_role("单价（元）"), heading_role("金额(万元)"), heading_role("数量（台）"), heading_role("单位：元")
    ('unit_price', 'amount', 'quantity', None)
    """
    if not text or len(text) > _MAX_HEADING:
        return None
    name = _TRAILING_NOTE.sub("", compact(text))
    label = match_label(name, "cost_detail_col") if name else None
    if label is None:
        return None
    if label.name == "quantity_unit" and unit_stated_in(text) is not None:
        return None  # "单位：元", "单位（万元）": the table's money unit, not the quantity's
    return label.name


def _is_heading(roles: Mapping[int, str]) -> bool:
    """A line column with a quantity or a unit price, and an amount or both: what sets the table apart from
    an expenditure table (科目 | 金额) and a cost-composition table (成本构成 | 金额 | 测算依据)."""
    names = list(roles.values())
    if names.count("line") != 1 or any(names.count(role) > 1 for role in ROLES if role != "basis"):
        return False
    has_quantity, has_price = "quantity" in names, "unit_price" in names
    return (has_quantity or has_price) and ("amount" in names or (has_quantity and has_price))


@lru_cache(maxsize=8192)
def _row_roles(cells: tuple[str, ...]) -> Mapping[int, str]:
    """The roles of a row's cells (cached by row: every row of every table is asked).

    Of several line headings the one nearest the figures is the line column: a heading further left
    names the block ("项目支出明细 | 明细项目 | 数量 …"), it holds no line names.
    """
    roles = {col: role for col, text in enumerate(cells) if (role := heading_role(text)) is not None}
    lines = [col for col, role in roles.items() if role == "line"]
    if len(lines) > 1:
        figures = [col for col, role in roles.items() if role in ("quantity", "unit_price", "amount")]
        before = [col for col in lines if not figures or col < min(figures)]
        keep = max(before or lines)
        roles = {col: role for col, role in roles.items() if role != "line" or col == keep}
    return MappingProxyType(roles)


def _roles(cells: Sequence[str]) -> Mapping[int, str]:
    return _row_roles(tuple(cells))


def detail_heading(table: Table, row: int) -> DetailHeading | None:
    """The cost-detail heading starting at ``row``: the row alone, or with the row below it when the
    heading is written on two rows (a spanning 测算明细 over 数量 | 单位 | 单价); None when it is neither.

    >>> heading = detail_heading(Table(0, [["项目", "单价", "数量", "小计"], ["电脑", "6000元", "10台", "6万元"]]), 0)
    >>> dict(heading.roles), heading.rows
    ({0: 'line', 1: 'unit_price', 2: 'quantity', 3: 'amount'}, 1)
    """
    cells = table.rows[row]
    roles = _roles(cells)
    if not roles:
        return None
    if _is_heading(roles):
        return DetailHeading(roles, MappingProxyType(
            {col: (cells[col],) for col in roles}), 1)
    if row + 1 >= len(table.rows):
        return None
    below = table.rows[row + 1]
    lower = _roles(below)
    if not lower or any(looks_numeric(text) for text in below if text) or _is_heading(lower):
        return None
    texts: dict[int, tuple[str, ...]] = {}
    combined: dict[int, str] = {}
    for col in range(max(len(cells), len(below))):
        upper = _upper_text(table, row, col)
        lower_text = table.cell(row + 1, col)
        role = lower.get(col) or roles.get(col)
        if role is None:
            continue
        combined[col] = role
        texts[col] = tuple(text for text in (lower_text, upper) if text)
    if not _is_heading(combined):
        return None
    return DetailHeading(MappingProxyType(combined), MappingProxyType(texts), 2)


def _upper_text(table: Table, row: int, col: int) -> str:
    """The upper heading of a column: its own cell, or the spanning cell it lies under."""
    text = table.cell(row, col)
    if text:
        return text
    anchor = table.anchors.get((row, col))
    return table.cell(*anchor) if anchor is not None and anchor[0] == row else ""


# -- one row -----------------------------------------------------------------------------------------


_QUANTITY = re.compile(rf"^(?:约|共计|共|计)?(?P<num>{ARABIC}|[{CHINESE_DIGITS}]++)(?P<unit>[^\d.,]{{0,4}})$")


@dataclass(frozen=True, slots=True)
class _Quantity:
    value: float
    unit: str | None


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def read_quantity(text: str) -> _Quantity | None:
    """A quantity cell: a number, Arabic or Chinese, with its unit when the cell writes one.

    >>> read_quantity("10"), read_quantity("十二台"), read_quantity("1,200 人次"), read_quantity("若干")
    (_Quantity(value=10.0, unit=None), _Quantity(value=12.0, unit='台'), _Quantity(value=1200.0, unit='人次'), None)
    """
    match = _QUANTITY.match(compact(text))
    if match is None:
        return None
    number = match.group("num")
    value = arabic_number(number) if number[0].isdigit() or number[0] in "+-" else chinese_number(number)
    if value is None:
        return None
    unit = match.group("unit").strip("()（）") or None
    return _Quantity(value, unit)


_PER_BASIS = re.compile(r"(?P<per>(?:[/／·](?:[^/／·()（）\d]{1,4}))+)$")


def _split_per(text: str) -> tuple[str, tuple[str, ...]]:
    """A price and what it is per: "6000元/台" → ("6000元", ("台",)), "300元/人·天" → ("300元", ("人", "天"))."""
    key = compact(text)
    match = _PER_BASIS.search(key)
    if match is None:
        return key, ()
    per = tuple(token for token in re.split(r"[/／·]", match.group("per")) if token)
    return key[:match.start()], per


_PER_BEFORE = re.compile(
    r"^(?:每[^\d每]{1,3}?)+(?:约|按|为|计|平均|均|单价|价格)?(?=[\d零〇一二两三四五六七八九十百千万])")
"""A per-basis written before the price ("每台2000元", "每家每年约1000元"), as a 测算依据 writes its price."""


def price_text(text: str) -> str:
    """The money of a unit-price cell without its per-basis ("6000元/台" → "6000元"), to read as an amount.

    >>> price_text("6000元/台"), price_text("0.6万元"), price_text("300元/人·天"), price_text("每家每年约1000元")
    ('6000元', '0.6万元', '300元', '1000元')
    """
    return _PER_BEFORE.sub("", _split_per(text)[0])


def _heading_per(texts: Sequence[str]) -> tuple[str, ...]:
    """What a price heading says its price is per: "单价（元/台）" → ("台",)."""
    for text in texts:
        note = _TRAILING_NOTE.search(compact(text))
        if note is not None:
            _, per = _split_per(note.group(0)[1:-1])
            if per:
                return per
    return ()


def _heading_unit(texts: Sequence[str]) -> str | None:
    """The counted unit a quantity heading names: "数量（台）" → 台 (a money unit is none)."""
    for text in texts:
        note = _TRAILING_NOTE.search(compact(text))
        if note is not None:
            unit = note.group(0)[1:-1].strip()
            if unit and len(unit) <= 3 and not re.search(money_unit_pattern(), unit):
                return unit
    return None


def _price_unit(texts: Sequence[str]) -> list[str]:
    """Unit hints of a money heading, with the per-basis taken off ("单价（元/台）" states 元)."""
    hints = []
    for text in texts:
        key = compact(text)
        note = _TRAILING_NOTE.search(key)
        hints.append(f"({_split_per(note.group(0)[1:-1])[0]})" if note is not None else key)
    return hints


def _fits(per: tuple[str, ...], quantity_unit: str | None) -> bool:
    """Whether a price per ``per`` is multiplied by the row's quantity alone: one counted unit (of the
    quantity's class when both are named) and no time but the year (a price per 天 wants a duration)."""
    counted = [token for token in per if token not in TIME_UNITS]
    timed = [TIME_UNITS[token] for token in per if token in TIME_UNITS]
    if len(counted) > 1 or any(unit != "年" for unit in timed):
        return False
    if not counted or quantity_unit is None:
        return True
    classes = count_units()
    return classes.get(counted[0], counted[0]) == classes.get(quantity_unit, quantity_unit) or "个" in (
        counted[0], quantity_unit)


@dataclass(frozen=True, slots=True)
class _Row:
    """What one row of the table holds, read; the cells it took are claimed by the caller."""

    name: str
    quantity: _Quantity | None
    quantity_unit: str | None
    price: Amount | None
    per: tuple[str, ...]
    amount: Amount | None
    basis: str
    spec: str


def _read_row(ctx: FormContext, table: Table, row: int, heading: DetailHeading) -> _Row:
    def text(role: str) -> str:
        col = heading.col(role)
        return table.cell(row, col).strip() if col is not None else ""

    quantity = read_quantity(text("quantity")) if text("quantity") else None
    quantity_col = heading.col("quantity")
    unit = text("quantity_unit") or (quantity.unit if quantity else None) or (
        _heading_unit(heading.texts[quantity_col]) if quantity_col is not None else None)
    price = per = None
    price_col = heading.col("unit_price")
    if price_col is not None and text("unit_price"):
        money, per = _split_per(text("unit_price"))
        price = ctx.amount(money, table, *_price_unit(heading.texts[price_col]))
        per = per or _heading_per(heading.texts[price_col])
    amount_col = heading.col("amount")
    amount = ctx.amount(text("amount"), table, *heading.texts[amount_col]) if amount_col is not None and text(
        "amount") else None
    basis = "\n".join(table.cell(row, col).strip() for col in heading.cols("basis") if table.cell(row, col).strip())
    return _Row(text("line"), quantity, compact(unit) if unit else None, price, per or (), amount, basis,
                text("spec"))


def _item_record(read: _Row, item_no: int, price_written: str) -> dict[str, Any]:
    """The ``cost_items`` row of a table line: its figures each in its own unit, the list amount when the
    price's basis fits the quantity, the rest derived as for an item of the text."""
    quantity = read.quantity.value if read.quantity else None
    price = read.price.yuan if read.price else None
    per = read.per or ((read.quantity_unit or _GENERIC_UNIT,) if read.quantity else ())
    list_amount = None
    if price is not None and quantity is not None and _fits(per, read.quantity_unit):
        list_amount = round(price * quantity, 6)
    stated = read.amount.yuan if read.amount else None
    written = read.amount is not None and read.amount.number is not None
    amount = stated if written else list_amount  # a figure in no stated unit is unknown, not the list amount
    implied = amount / quantity if amount is not None and quantity else None
    bandwidths = bandwidths_in(f"{read.name} {read.spec}")
    attributes = [written for _, written in bandwidths] + ([read.spec] if read.spec else [])
    return {
        "item_no": item_no, "description": read.name or None, "source": "table",
        "calculation_basis": read.basis or None,
        "quantity": quantity, "quantity_unit": read.quantity_unit if quantity is not None else None,
        "unit_price_yuan": price, "unit_price_as_written": price_written or None,
        "price_basis": "/".join(["元", *per]) if read.price is not None else None,
        "list_amount_yuan": list_amount,
        "stated_amount_yuan": stated, "stated_amount_as_written": read.amount.as_written if read.amount else None,
        "amount_yuan": amount, "implied_unit_cost_yuan": implied,
        "package_ratio": stated / list_amount if stated is not None and list_amount else None,
        "bandwidth_mbps": bandwidths[0][0] if bandwidths else None,
        "attributes": "; ".join(attributes) or None,
        "kind": kind_of(f"{read.name} {read.basis}"), "is_total": False,
    }


# -- the table ---------------------------------------------------------------------------------------


def _has_expenditure_table(ctx: FormContext, table: Table, heading_rows: range) -> bool:
    """Whether the form has an expenditure table besides this one (an economic-classification or
    cost-composition heading anywhere else): then this table's lines are no expenditure lines of their own."""
    for other in ctx.tables:
        for row, cells in enumerate(other.rows):
            if other is table and row in heading_rows:
                continue
            if expenditure_header(cells) is not None or cost_block_header(tuple(cells)) is not None:
                return True
    return False


def parse_cost_detail(ctx: FormContext, table: Table, start: int) -> int:
    """A cost-detail table: each line into ``cost_items`` with its quantity, unit and unit price (and into
    ``expenditures`` when the form has no other expenditure table); returns the row after it.

    A 合计 row is a total line of ``cost_items``. Item numbers go on from the table lines read before
    in the same form, so that two tables never give two items one number. Group lines (一、设备购置 over
    1.1, 1.2; a 小计 closing them) are read from the outline (:func:`outline_parents`): a part has its
    group's ``parent_item``, and only the top-level lines are summed against a 合计.
    """
    heading = detail_heading(table, start)
    assert heading is not None
    heading_rows = range(start, start + heading.rows)
    for col, role in heading.roles.items():
        for row in heading_rows:
            if table.cell(row, col) and not ctx.is_claimed(table.table_no, row, col):
                ctx.claim_label(table, row, col, f"cost column {role}")
    line_col = heading.col("line")
    assert line_col is not None
    for row in heading_rows:  # a section label before the headings (项目支出明细), a spanning 测算明细
        for col, text in enumerate(table.rows[row]):
            if text and col not in heading.roles and not looks_numeric(text):
                ctx.claim_label(table, row, col, "cost column heading")
    as_expenditures = not _has_expenditure_table(ctx, table, heading_rows)
    item_no = sum(1 for record in ctx.rows_of("cost_items") if not record.get("is_total"))
    lines: list[_DetailLine] = []
    row = heading_rows.stop
    while row < len(table.rows):
        cells = table.rows[row]
        taken = [col for col in heading.roles if table.cell(row, col).strip()]
        if not taken:
            if first_filled(cells) is None:
                row += 1
                continue
            break
        name = table.cell(row, line_col).strip()
        first = first_filled(cells)
        total_name = name if is_total_line(name) else (
            cells[first] if first is not None and is_total_line(cells[first]) else None)
        if total_name is None and name and ends_block(cells, line_col):
            break
        if total_name is not None:
            lines.append(_total_row(ctx, table, row, heading, total_name))
        else:
            item_no += 1
            lines.append(_item_row(ctx, table, row, heading, item_no))
        row += 1
    _finish_detail(ctx, table, heading, lines, as_expenditures)
    return row


@dataclass(frozen=True, slots=True)
class _DetailLine:
    """A line of a cost-detail table as read, kept until the table's outline is known: its row, its place
    in the outline, its ``cost_items`` record (None for a total without an amount) and its amount."""

    row: int
    outline: OutlineLine
    record: dict[str, Any] | None
    name: str
    amount: Amount | None


def _claim(ctx: FormContext, table: Table, row: int, col: int | None, column: str, key: object) -> None:
    if col is not None and table.cell(row, col).strip():
        ctx.claim(table.table_no, row, col, "cost_items", column, key)


def _item_row(ctx: FormContext, table: Table, row: int, heading: DetailHeading, item_no: int) -> _DetailLine:
    read = _read_row(ctx, table, row, heading)
    price_col = heading.col("unit_price")
    price_written = table.cell(row, price_col).strip() if price_col is not None else ""
    record = _item_record(read, item_no, price_written)
    ctx.add("cost_items", record)
    _claim(ctx, table, row, heading.col("line"), "description", item_no)
    if read.quantity is not None:
        _claim(ctx, table, row, heading.col("quantity"), "quantity", item_no)
    if read.quantity is not None:
        _claim(ctx, table, row, heading.col("quantity_unit"), "quantity_unit", item_no)
    _claim(ctx, table, row, price_col, "unit_price_as_written", item_no)
    _claim(ctx, table, row, heading.col("amount"), "stated_amount_as_written", item_no)
    for col in heading.cols("basis"):
        _claim(ctx, table, row, col, "calculation_basis", item_no)
    _claim(ctx, table, row, heading.col("spec"), "attributes", item_no)
    seq = heading.col("seq")
    number = table.cell(row, seq).strip() if seq is not None else ""
    if seq is not None and number:
        ctx.claim_label(table, row, seq, "cost item number")
    name_only = read.amount is None and read.price is None and read.quantity is None and not read.basis
    outline = OutlineLine("item", number if is_outline_number(number) else read.name, name_only)
    return _DetailLine(row, outline, record, read.name, read.amount)


def _expenditure_line(ctx: FormContext, table: Table, row: int, heading: DetailHeading, name: str,
                      amount: Amount, parent: str | None) -> None:
    """A table line as this year's expenditure line, by its name (as a cost-composition line is); a part of
    a group line with an amount is that line's part (``parent_category``), not summed with it."""
    amount_col = heading.col("amount")
    assert amount_col is not None
    line_no = len({record.get("line_no") for record in ctx.rows_of("expenditures")}) + 1
    ctx.add("expenditures", {
        "line_no": line_no, "economic_category": compact(name) or None, "parent_category": parent,
        "fiscal_year": ctx.project.get("fiscal_year"), "amount_basis": "budget",
        "amount_yuan": amount.yuan, "amount_as_written": amount.as_written, "amount_unit": amount.unit,
        "column_label": " ".join(reversed(heading.texts[amount_col])),
    })
    ctx.claim(table.table_no, row, amount_col, "expenditures", "amount_as_written", line_no)
    if name:
        ctx.claim(table.table_no, row, heading.col("line"), "expenditures", "economic_category", line_no)


def _total_row(ctx: FormContext, table: Table, row: int, heading: DetailHeading, name: str) -> _DetailLine:
    """A 合计 or 小计 row: a total line of ``cost_items``, compared with its lines once the outline is known."""
    line_col = heading.col("line")
    first = first_filled(table.rows[row])
    label_col = line_col if table.cell(row, line_col or 0).strip() else first
    if label_col is not None:
        ctx.claim_label(table, row, label_col, "cost total")
    amount_col = heading.col("amount")
    text = table.cell(row, amount_col).strip() if amount_col is not None else ""
    for col in heading.roles:  # figures a 合计 row writes beside its amount (a total quantity) stay unparsed
        if col not in (amount_col, label_col) and heading.roles[col] in ("basis", "seq"):
            _claim(ctx, table, row, col, "calculation_basis", "total")
    kind = "subtotal" if _SUBTOTAL.match(compact(name)) else "total"
    if not text or amount_col is None:
        return _DetailLine(row, OutlineLine(kind), None, name, None)
    amount = ctx.amount(text, table, *heading.texts[amount_col])
    record = ctx.add("cost_items", {
        "item_no": None, "description": compact(name), "source": "table", "stated_amount_as_written": text,
        "stated_amount_yuan": amount.yuan, "amount_yuan": amount.yuan, "is_total": True,
    })
    ctx.claim(table.table_no, row, amount_col, "cost_items", "stated_amount_as_written", "total")
    return _DetailLine(row, OutlineLine(kind), record, name, amount)


def _finish_detail(ctx: FormContext, table: Table, heading: DetailHeading, lines: Sequence[_DetailLine],
                   as_expenditures: bool) -> None:
    """The table's outline into ``parent_item``; its lines into ``expenditures`` (a group's parts as its
    parts); each top-level 合计 against the top-level lines it closes (or opens, a 合计 written first)."""
    parents = outline_parents([line.outline for line in lines])
    for line, parent in zip(lines, parents, strict=True):
        if line.record is not None:
            owner = lines[parent].record if parent is not None else None
            line.record["parent_item"] = owner.get("item_no") if owner is not None else None
    if not as_expenditures:
        return
    for index, line in enumerate(lines):
        if line.outline.kind == "item" and line.amount is not None:
            _expenditure_line(ctx, table, line.row, heading, line.name, line.amount,
                              _priced_ancestor(lines, parents, index))
    for index, line in enumerate(lines):
        if line.outline.kind != "item" and parents[index] is None and line.amount is not None:
            _stated_total(ctx, table, heading, line, _closed_by(lines, parents, index))


def _priced_ancestor(lines: Sequence[_DetailLine], parents: Sequence[int | None], index: int) -> str | None:
    """The name of the nearest group above a line that writes an amount of its own: the line is its part."""
    parent = parents[index]
    while parent is not None:
        if lines[parent].amount is not None:
            return compact(lines[parent].name) or None
        parent = parents[parent]
    return None


def _closed_by(lines: Sequence[_DetailLine], parents: Sequence[int | None], index: int) -> list[float] | None:
    """The top-level figures (in their own unit) a top-level total sums: the lines since the last such total,
    or, for a total written above its lines, those up to the next one. A group without an amount stands
    for its parts; a line whose figure is unknown is left out (as before), a group's unknown part makes
    the group unknown."""
    tops = [at for at, line in enumerate(lines) if line.outline.kind != "item" and parents[at] is None]
    before = max((at for at in tops if at < index), default=-1)
    segment = range(before + 1, index)
    if not any(lines[at].outline.kind == "item" for at in segment):
        after = min((at for at in tops if at > index), default=len(lines))
        segment = range(index + 1, after)
    figures = [_figure(lines, parents, at) for at in segment
               if lines[at].outline.kind == "item" and parents[at] is None]
    known = [figure for figure in figures if figure is not None]
    return known or None


def _figure(lines: Sequence[_DetailLine], parents: Sequence[int | None], index: int) -> float | None:
    amount = lines[index].amount
    if amount is not None:
        return amount.number
    parts = [at for at, parent in enumerate(parents) if parent == index and lines[at].outline.kind == "item"]
    figures = [_figure(lines, parents, at) for at in parts]
    return sum(figure for figure in figures if figure is not None) if parts and None not in figures else None


def _stated_total(ctx: FormContext, table: Table, heading: DetailHeading, line: _DetailLine,
                  figures: list[float] | None) -> None:
    """A top-level total as the stated total of ``expenditures``, checked against the lines it closes in the
    column's own unit (W_TOTAL_MISMATCH reports, never corrects)."""
    amount, amount_col = line.amount, heading.col("amount")
    assert amount is not None and amount_col is not None
    ctx.add("stated_totals", {
        "of_table": "expenditures", "label": line.name, "fiscal_year": ctx.project.get("fiscal_year"),
        "quantity": "amount", "value": amount.number, "value_yuan": amount.yuan, "as_written": amount.as_written,
    })
    ctx.claim(table.table_no, line.row, amount_col, "stated_totals", "as_written")
    if amount.number is None or not figures:
        return
    summed = round(sum(figures), 6)
    if abs(summed - amount.number) > 0.005:
        ctx.warn("W_TOTAL_MISMATCH", f"{table.origin}, row {line.row + 1}, column {amount_col + 1}".lstrip(", "),
                 f"the stated {compact(line.name)} of the cost table is {amount.as_written}, but its "
                 f"{len(figures)} lines add up to {summed:g}: both kept as written")


# -- groups and subtotals -------------------------------------------------------------------------------


_OUTLINE_NUMBER = re.compile(
    r"^\s*(?:(?P<cn>[一二三四五六七八九十]{1,3})(?:[、.．]|\s|$)"
    r"|[(（](?P<cn_paren>[一二三四五六七八九十]{1,3})[)）]"
    r"|(?P<dotted>\d{1,2}(?:[.．]\d{1,2})+)(?:[、.．]|\s|$)"
    r"|(?P<arabic>\d{1,2})(?:[、．]|\.(?!\d)|\s|$)"
    r"|[(（](?P<arabic_paren>\d{1,2})[)）]|(?P<circled>[①-⑳⑴-⒇]))"
)
"""An outline number opening a cell or a line's name: 一、 (一) 1 1.1 (1) ①. "1.5米线缆", "10台电脑" and
"一次性补助" open with none: a number is followed by its separator, a space or the cell's end."""

_RANKS = {"cn": 0.0, "cn_paren": 1.0, "arabic": 2.0, "arabic_paren": 3.0, "circled": 4.0}
"""Outline ranks, outermost first; a dotted number ranks below its first part (1.1 under 1, 1.1.1 under 1.1)."""

_HEADING_RANK = 0.0
"""An unnumbered line that heads a group (its name only, parts below it): as high as 一、."""

_SUBTOTAL = re.compile(r"^(?:以上)?小计")


def is_subtotal(name: str) -> bool:
    """Whether a total line's name is a 小计 (its group's subtotal), not a 合计 of the table.

    >>> is_subtotal("小计"), is_subtotal("以上小计"), is_subtotal("合计")
    (True, True, False)
    """
    return _SUBTOTAL.match(compact(name)) is not None

_GROUP_TOLERANCE = 0.0005
"""How far (a share, at least 1 元) a group's stated amount may be from the sum of its parts: the rounding
of parts written in 万元 with two decimals."""


def outline_rank(text: str | None) -> float | None:
    """The outline rank of a line's number (a 序号 cell or its name's opening number), None for none.

    >>> [outline_rank(text) for text in ("一、人员经费", "（一）", "1", "1.2", "1.5米")]
    [0.0, 1.0, 2.0, 2.1, None]
    """
    if not text:
        return None
    match = _OUTLINE_NUMBER.match(text)
    if match is None or match.lastgroup is None:
        return None
    if match.lastgroup == "dotted":
        return _RANKS["arabic"] + 0.1 * len(re.findall(r"[.．]", match.group("dotted")))
    return _RANKS[match.lastgroup]


def is_outline_number(text: str) -> bool:
    """Whether a cell holds an outline number and nothing else (a 序号 cell: "一", "1.1", "（二）")."""
    key = compact(text).rstrip("、.．")
    match = _OUTLINE_NUMBER.match(key)
    return match is not None and match.end() >= len(key)


@dataclass(frozen=True, slots=True)
class OutlineLine:
    """What the outline of a cost table knows of a line: ``item``, ``subtotal`` (小计) or ``total`` (合计),
    its outline number as written (None for none) and whether it writes its name only (no figure)."""

    kind: str
    number: str | None = None
    name_only: bool = False


def outline_parents(lines: Sequence[OutlineLine]) -> list[int | None]:
    """The group of each line of a cost table (the index of its parent line), read from the outline numbers.

    A line numbered one rank below an open line is its part (1, 2 under 一、; 1.1 under 1); an unnumbered
    line with figures is a part of the heading above it (一、 or （一）); a line with its name only heads a
    group when numbered parts follow it or a 小计 closes the lines below it. A 小计 belongs to the innermost
    open group and closes it; a 合计 closes all. Unnumbered lines without a heading stay top-level: nothing
    is inferred from amounts.

    >>> parents = outline_parents([OutlineLine("item", "一"), OutlineLine("item", "1"), OutlineLine("item", "2"),
    ...                            OutlineLine("subtotal"), OutlineLine("item", "二"), OutlineLine("total")])
    >>> parents
    [None, 0, 0, 0, None, None]
    """
    parents: list[int | None] = [None] * len(lines)
    open_lines: list[tuple[float, int]] = []
    groups: set[int] = set()
    for index, line in enumerate(lines):
        if line.kind == "total":
            open_lines.clear()
            continue
        if line.kind == "subtotal":
            group = next((at for _, at in reversed(open_lines) if at in groups), None)
            parents[index] = group
            while group is not None and open_lines and open_lines.pop()[1] != group:
                pass
            continue
        rank = outline_rank(line.number)
        if rank is None and line.name_only and _heads_group(lines, index):
            rank = _HEADING_RANK
        if rank is None:
            parent = next((at for level, at in reversed(open_lines) if level < _RANKS["arabic"]), None)
        else:
            while open_lines and open_lines[-1][0] >= rank:
                open_lines.pop()
            parent = open_lines[-1][1] if open_lines else None
            open_lines.append((rank, index))
        parents[index] = parent
        if parent is not None:
            groups.add(parent)
    return parents


def _heads_group(lines: Sequence[OutlineLine], index: int) -> bool:
    """Whether an unnumbered line with its name only heads the lines below it: a numbered part follows it,
    or a 小计 closes them before the next such line or a 合计 (else it is an item without an amount)."""
    below = lines[index + 1:]
    if below and below[0].kind == "item" and outline_rank(below[0].number) is not None:
        return True
    for line in below:
        if line.kind == "subtotal":
            return True
        if line.kind == "total" or (line.name_only and outline_rank(line.number) is None):
            return False
    return False


def _table_items(ctx: FormContext) -> list[dict[str, Any]]:
    return [record for record in ctx.rows_of("cost_items") if record.get("source") == "table"]


def outline_number_cell(ctx: FormContext, table: Table, row: int, line_col: int) -> str | None:
    """The 序号 of a cost-composition line (a cell before its name holding an outline number and nothing
    else), claimed with its column's heading: the composition reader takes no 序号 column of its own."""
    for col in range(line_col):
        text = table.cell(row, col).strip()
        if text and not ctx.is_claimed(table.table_no, row, col) and is_outline_number(text):
            ctx.claim_label(table, row, col, "cost item number")
            for above in range(row - 1, -1, -1):
                heading = table.cell(above, col).strip()
                if heading and not is_outline_number(heading):
                    if heading_role(heading) == "seq" and not ctx.is_claimed(table.table_no, above, col):
                        ctx.claim_label(table, above, col, "cost column seq")
                    break
            return text
    return None


def _read_bases(ctx: FormContext) -> None:
    """The 测算依据 beside a table line read as the text's items are (:func:`parse_cost_item`): quantity, unit
    price and list amount, when its columns give none ("10台×6000元/台" beside 电脑 | 6). The text stays in
    ``calculation_basis``, the price as written in ``unit_price_as_written``. The line's amount column
    stays its amount; a basis that states another amount is kept and W_COST_BASIS_AMOUNT says so; an
    empty amount cell takes the amount the basis states (or its list amount), never a figure in no unit."""
    for record in _table_items(ctx):
        basis = record.get("calculation_basis")
        if record.get("is_total") or not isinstance(basis, str) or record.get("quantity") is not None or (
                record.get("unit_price_as_written") is not None):
            continue
        item = parse_cost_item(basis)
        if item.quantity is None and item.unit_price_yuan is None:
            continue
        _fill_from_basis(ctx, record, item)


def _fill_from_basis(ctx: FormContext, record: dict[str, Any], item: CostItem) -> None:
    for column in ("quantity", "quantity_unit", "unit_price_yuan", "unit_price_as_written", "price_basis",
                   "list_amount_yuan", "duration", "duration_unit"):
        record[column] = getattr(item, column)
    if record.get("bandwidth_mbps") is None and item.bandwidth_mbps is not None:
        record["bandwidth_mbps"], record["attributes"] = item.bandwidth_mbps, item.attributes
    written = record.get("stated_amount_as_written")
    stated = record.get("stated_amount_yuan")
    if written is None:  # the amount cell is empty: the basis states the line's amount, or its factors do
        record["stated_amount_yuan"] = item.stated_amount_yuan
        record["stated_amount_as_written"] = item.stated_amount_as_written
        record["amount_yuan"] = item.amount_yuan
        stated = item.stated_amount_yuan
    elif stated is not None and item.stated_amount_yuan is not None and not _agree(stated, item.stated_amount_yuan):
        ctx.warn("W_COST_BASIS_AMOUNT", f"cost_items #{record.get('item_no')}",
                 f"the 测算依据 of {record.get('description')!r} states {item.stated_amount_as_written} "
                 f"({item.stated_amount_yuan:,.2f} 元), its amount column {written} ({stated:,.2f} 元): both kept, "
                 "the column's is the line's amount")
    amount, quantity, listed = record.get("amount_yuan"), record.get("quantity"), record.get("list_amount_yuan")
    record["implied_unit_cost_yuan"] = amount / quantity if amount is not None and quantity else None
    record["package_ratio"] = stated / listed if stated is not None and listed else None


def _agree(stated: float, summed: float) -> bool:
    return abs(stated - summed) <= max(1.0, _GROUP_TOLERANCE * abs(stated))


def _check_groups(ctx: FormContext) -> None:
    """Each group of table lines against its parts: its own amount and its 小计, when every part's amount is
    known. A difference is W_COST_GROUP_MISMATCH, both kept as written (C8 reports it as well)."""
    records = _table_items(ctx)
    parts: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        parent = record.get("parent_item")
        if parent is not None and not record.get("is_total"):
            parts.setdefault(parent, []).append(record)
    groups = {record["item_no"]: record for record in records
              if not record.get("is_total") and record.get("item_no") in parts}
    for number, group in groups.items():
        summed = _parts_sum(parts[number], parts)
        if summed is None:
            continue
        stated = [(group, "its line")] if group.get("amount_yuan") is not None else []
        stated += [(record, "its 小计") for record in records
                   if record.get("is_total") and record.get("parent_item") == number]
        for record, what in stated:
            if record.get("amount_yuan") is None or _agree(float(record["amount_yuan"]), summed):
                continue
            ctx.warn("W_COST_GROUP_MISMATCH", f"cost_items #{number}",
                     f"the cost group {group.get('description')!r} states {record.get('stated_amount_as_written')} "
                     f"on {what} ({float(record['amount_yuan']):,.2f} 元), but its {len(parts[number])} part(s) "
                     f"add up to {summed:,.2f} 元: both kept as written")


def _parts_sum(own: Sequence[Mapping[str, Any]], parts: Mapping[int, Sequence[Mapping[str, Any]]]) -> float | None:
    """The sum of a group's parts (a part without an amount counts through its own parts), None when one
    is unknown."""
    total = 0.0
    for part in own:
        amount = part.get("amount_yuan")
        if amount is None:
            key = part.get("item_no")
            below = parts.get(key) if isinstance(key, int) else None
            amount = _parts_sum(below, parts) if below else None
        if amount is None:
            return None
        total += float(amount)
    return total


# -- a cost basis written twice ------------------------------------------------------------------------


def _top_total(records: Sequence[Mapping[str, Any]]) -> float | None:
    """What a cost basis adds up to: its top-level items' amounts when all are known, else its 合计."""
    items = [r for r in records if not r.get("is_total") and r.get("parent_item") is None]
    amounts = [float(r["amount_yuan"]) for r in items if r.get("amount_yuan") is not None]
    if items and len(amounts) == len(items):
        return sum(amounts)
    totals = [r.get("amount_yuan") for r in records if r.get("is_total") and r.get("parent_item") is None]
    return next((float(total) for total in totals if total is not None), None)


def reconcile_cost_sources(ctx: FormContext) -> None:
    """A form with its cost basis both as text and as a table: the table's lines are its ``cost_items``
    (the text's items are not added, :func:`budgetlib.transform.costbasis.cost_items`), and the text stays
    in ``projects.cost_basis``. When the text's items add up to another amount than the table's, or one of
    them to none, they may describe different costs: W_COST_BASIS_TWICE says so, with both totals.

    First the table lines are finished, now that every table of the form is read: the quantity and unit price
    their 测算依据 states, and each group (``parent_item``, set as each table is read) against its parts.
    """
    _read_bases(ctx)
    _check_groups(ctx)
    table_items = [r for r in ctx.rows_of("cost_items") if r.get("source") == "table"]
    text = ctx.project.get("cost_basis")
    if not table_items or not isinstance(text, str) or not text.strip():
        return
    text_items = [
        {"amount_yuan": item.amount_yuan, "is_total": item.is_total, "parent_item": item.parent_item}
        for item in parse_cost_basis(text)
    ]
    if not any(item["amount_yuan"] is not None for item in text_items):
        return  # "详见测算明细表": the text names no amount, the table is the cost basis
    text_total, table_total = _top_total(text_items), _top_total(table_items)
    if text_total is not None and table_total is not None and abs(text_total - table_total) <= max(
            1.0, _TOTALS_AGREE * abs(table_total)):
        return
    shown = {value: "no known total" if value is None else f"{value:,.2f} 元" for value in (text_total, table_total)}
    ctx.warn("W_COST_BASIS_TWICE", "projects.cost_basis; cost_items",
             f"the cost basis is written as text ({len(text_items)} item(s), {shown[text_total]}) and as a table "
             f"({len(table_items)} line(s), {shown[table_total]}): the table's lines are read as cost_items, the "
             "text is kept in projects.cost_basis")
