"""The money blocks of a form: funding sources, project funds, budget execution, expenditures.

Each block is found by :mod:`~budgetlib.transform.blocks` (its label or heading row, wherever it sits in
whatever table) and read here until a row that starts another block. Rows shifted by a column (a
published quirk) are read by their content: a line's name is its first filled cell, its figures follow
it. A total line (合计 …) is kept as a stated total, never as one more line; a 其中 line keeps its parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from budgetlib.caches import TEXT_CACHE_SIZE
from budgetlib.extract.document import Table
from budgetlib.transform.amounts import Amount, parse_amount
from budgetlib.transform.blocks import (
    EXPENDITURES,
    FUNDING,
    TOTAL,
    BudgetRowHeader,
    CostColumns,
    ExpenditureHeader,
    budget_row_header,
    category_kind,
    cost_block_header,
    ends_block,
    execution_header,
    expenditure_header,
    is_category_text,
    is_funding_line,
    is_total_line,
    section_heading,
    split_of_which,
)
from budgetlib.transform.context import CellKey, FormContext, first_filled, looks_numeric
from budgetlib.transform.cost_columns import OutlineLine, is_subtotal, outline_number_cell, outline_parents
from budgetlib.transform.labels import horizon_words, match_label
from budgetlib.transform.normalize import compact, label_key, nfkc, split_numbering, split_weight_suffix
from budgetlib.transform.numbers import ARABIC, parse_points, parse_rate
from budgetlib.vocabulary import alternation, money_unit_pattern, words

_ECONOMIC_CODE = re.compile(r"^(\d{3,7})\s*[-_、.． ]?\s*(.+)$")

EXECUTION_AMOUNTS = ("initial_budget", "full_year_budget", "adjusted_budget", "executed")
"""The amount columns of a budget-execution line (each with ``*_as_written`` and ``*_yuan``)."""


# -- a cell that holds a line's name and its amount ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelledAmount:
    """A funds line written in one cell: its name and its amount ("年度资金总额:16", "一般公共预算：1,186.40").

    ``amount`` is '' when the cell names the line and leaves the amount out ("其他资金：").
    """

    label: str
    amount: str


@cache
def _labelled_amount() -> re.Pattern[str]:
    return re.compile(
        rf"^(?P<label>.*?[^\d\s:：,.+\-])\s*(?P<colon>[:：])?\s*"
        rf"(?P<amount>{ARABIC}\s*(?:{money_unit_pattern()})?)?$"
    )


_FUNDS_WORDS = ("资金", "拨款", "收入", "预算", "经费", "支出", "总额", "合计", "结转", "结余", "基金")
"""Words that make a name glued to a figure ("上级资金16") a funds line; with a colon any name is one."""


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def split_labelled_amount(text: str) -> LabelledAmount | None:
    """A funds line and its amount written in one cell, or None when the cell is not one.

    A name and a figure glued together count only when the name is a funds word (资金, 拨款, 收入 …);
    with a colon between them any name does. A figure alone ("150万") is no labelled amount.

    >>> split_labelled_amount("年度资金总额:16"), split_labelled_amount("其中 :上级资金16")
    (LabelledAmount(label='年度资金总额', amount='16'), LabelledAmount(label='其中 :上级资金', amount='16'))
    >>> split_labelled_amount("其他资金："), split_labelled_amount("150万"), split_labelled_amount("指标1:安置小区")
    (LabelledAmount(label='其他资金', amount=''), None, None)
    """
    key = nfkc(text).strip()
    match = _labelled_amount().match(key)
    if match is None:
        return None
    label, amount = match.group("label").strip(), (match.group("amount") or "").strip()
    if not re.search(r"[\u4e00-\u9fff]", label):
        return None
    if match.group("colon") is None and not (amount and any(word in label for word in _FUNDS_WORDS)):
        return None
    if amount and parse_amount(amount).number is None:
        return None
    return LabelledAmount(label, amount)


# -- the parts of a line (其中, and the lines that carry it on) -----------------------------------------

_PART_TOLERANCE = 0.005
"""How far (元) a sum of parts may be from its parent and still add up to it."""


@cache
def _top_source_words() -> tuple[str, ...]:
    return tuple(compact(word) for word in words("top_source"))


def is_top_source(name: str) -> bool:
    """True when a funding source's name says it stands on its own (其他资金, 上年结转 …; data/block_words.csv).

    >>> is_top_source("其他资金"), is_top_source("单位自筹资金"), is_top_source("政府性基金")
    (True, True, False)
    """
    key = compact(name)
    return any(word in key for word in _top_source_words())


@dataclass
class PartsOf:
    """A line of a block (a funding source, an expenditure line) and the parts read under it so far.

    A 其中 line is a part of the line above it; the lines after it carry the 其中 on while their words
    do not say they stand alone and, when the words do not decide, while the parts' running sum stays
    within the parent in every column (a part cannot exceed its whole). Once the parts make the whole,
    the next line stands on its own. ``values`` and ``sums`` are amounts in 元 by column.
    """

    name: str | None = None
    values: dict[Any, float] = field(default_factory=dict)
    where: str = ""
    sums: dict[Any, float] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)
    carrying: bool = False
    guessed: bool = False
    complete: bool = False
    """The parts are meant to make the whole (sub-codes 30201, 30206 of 302), not just some of it (其中)."""

    def add(self, name: str, values: Mapping[Any, float | None]) -> str | None:
        """Take ``name`` as a part; its parent's name (None when there is no line to be a part of)."""
        if self.name is None:
            return None
        for key, value in values.items():
            if value is not None:
                self.sums[key] = self.sums.get(key, 0.0) + value
        self.parts.append(name)
        return self.name

    def of_which(self, name: str, values: Mapping[Any, float | None]) -> str | None:
        """A 其中 line: a part of this line, and the following lines may carry it on."""
        self.carrying = self.name is not None
        return self.add(name, values)

    def carried(self, name: str, values: Mapping[Any, float | None], stands_alone: bool | None) -> str | None:
        """A line after a 其中 line: this line's name when it is one more part, else None.

        ``stands_alone`` is what the line's words say (True: a line of its own, False: a part, None: they
        do not say); when they do not say, the sums decide, and the reading is marked as guessed.
        """
        if not self.carrying or stands_alone:
            return None
        if stands_alone is None:
            if not self._fits(values):
                self.carrying = False
                self.guessed = self.guessed or bool(self.parts)
                return None
            self.guessed = True
        return self.add(name, values)

    def _fits(self, values: Mapping[Any, float | None]) -> bool:
        known = {key: value for key, value in values.items() if value is not None and key in self.values}
        if not known or self.adds_up():
            return False
        return all(self.sums.get(key, 0.0) + value <= self.values[key] + _PART_TOLERANCE
                   for key, value in known.items())

    def adds_up(self) -> bool:
        """True when the parts read so far add up to the line in every column both have."""
        shared = [key for key in self.sums if key in self.values]
        return bool(shared) and all(abs(self.sums[key] - self.values[key]) <= _PART_TOLERANCE for key in shared)

    def exceeds(self) -> bool:
        """True when the parts add up to more than the line in some column: they contradict it."""
        return any(self.sums[key] > self.values[key] + _PART_TOLERANCE for key in self.sums if key in self.values)


def _row_location(table: Table, row: int) -> str:
    return f"{table.origin}, row {row + 1}".lstrip(", ")


def check_parts(ctx: FormContext, group: PartsOf) -> None:
    """Report, never correct, parts that do not make their line: W_TOTAL_MISMATCH when they exceed it (or,
    sub-codes meant to make the whole, differ from it), W_PARTS_GUESSED when the sums alone placed a line
    and the parts do not add up."""
    if group.name is None or not group.parts:
        return
    summed = _yuan_list(group.sums.values())
    stated = _yuan_list(group.values[key] for key in group.sums if key in group.values)
    if group.exceeds() or (group.complete and group.sums and not group.adds_up()):
        ctx.warn("W_TOTAL_MISMATCH", group.where, f"the parts of {group.name} ({'、'.join(group.parts)}) add up to "
                 f"{summed}, but the line states {stated}: both kept as written")
    elif group.guessed and not group.adds_up():
        ctx.warn("W_PARTS_GUESSED", group.where, f"the parts of {group.name} were guessed from the amounts "
                 f"({'、'.join(group.parts)}: {summed} of {stated})")


def _yuan_list(values: Iterable[float]) -> str:
    """Amounts in 元 for a message, one per column ("250, 300 元"), or "no amount"."""
    found = [f"{value:g}" for value in values]
    return f"{', '.join(found)} 元" if found else "no amount"


# -- funding sources (declaration) ----------------------------------------------------------------


def parse_funding_sources(ctx: FormContext, table: Table, start: int, label_col: int) -> int:
    """The 项目资金来源 block: 合计, numbered sources, 其中 sub-rows; returns the row after it."""
    cells = table.rows[start]
    ctx.claim_label(table, start, label_col, "funding sources")
    unit_hints = [cells[label_col]]
    for index in range(label_col + 1, len(cells)):
        if cells[index] and match_label(cells[index], "funding_col") is not None:
            ctx.claim_label(table, start, index, "funding column")
            unit_hints.append(cells[index])
    group = PartsOf()
    row = start + 1
    while row < len(table.rows):
        cells = table.rows[row]
        if section_heading(cells) is not None:
            break  # "（三）项目支出明细": numbered like a source line, but the next part of the form
        if ends_block(cells, label_col - 1 if label_col > 0 else None) and not is_funding_line(cells):
            break
        name_col = first_filled(cells)
        if name_col is None:
            row += 1
            continue
        if name_col == label_col and not is_funding_line(cells):
            break
        name = cells[name_col]
        amount_col = first_filled(cells, name_col + 1)
        amount_text = cells[amount_col] if amount_col is not None else ""
        amount = ctx.amount(amount_text, table, *unit_hints, row=row) if amount_text else None
        if is_total_line(name):
            _add_total(ctx, table, row, name_col, amount_col, "funding", name, amount_text, amount)
            check_parts(ctx, group)
            group = PartsOf()
            row += 1
            continue
        number, rest = split_numbering(name)
        of_which, source_name = split_of_which(rest)
        values = {None: amount.yuan if amount else None}
        if of_which:
            parent = group.of_which(source_name, values)
        else:
            parent = group.carried(source_name, values, number is not None or is_top_source(source_name) or None)
        if parent is None and not of_which:
            check_parts(ctx, group)
            group = PartsOf(source_name, {None: amount.yuan} if amount and amount.yuan is not None else {},
                            _row_location(table, row))
        line_no = len(ctx.rows_of("funding")) + 1
        record: dict[str, Any] = {
            "line_no": line_no,
            "source_no": number,
            "source_name": source_name,
            "source_as_written": name,
            "parent_source": parent,
            "scope": "current_year",
            "amount_as_written": amount_text or None,
            "amount_yuan": amount.yuan if amount else None,
            "amount_unit": amount.unit if amount else None,
        }
        ctx.add("funding", record)
        ctx.claim(table.table_no, row, name_col, "funding", "source_as_written", line_no)
        if amount_col is not None:
            ctx.claim(table.table_no, row, amount_col, "funding", "amount_as_written", line_no)
        row += 1
    check_parts(ctx, group)
    return row


def _add_total(ctx: FormContext, table: Table, row: int, name_col: int, amount_col: int | None,
               of_table: str, name: str, amount_text: str, amount: Amount | None,
               fiscal_year: int | None = None) -> None:
    ctx.claim_label(table, row, name_col, f"{of_table} total")
    if amount_col is None or not amount_text:
        return
    ctx.add("stated_totals", {
        "of_table": of_table, "label": name, "fiscal_year": fiscal_year, "quantity": "amount",
        "value": amount.number if amount else None, "value_yuan": amount.yuan if amount else None,
        "as_written": amount_text,
    })
    ctx.claim(table.table_no, row, amount_col, "stated_totals", "as_written")


# -- project funds (target forms: 资金总额 / 当年资金总额 / 其中 …) ------------------------------------


def parse_project_funds(ctx: FormContext, table: Table, start: int, label_col: int) -> int:
    """The 项目资金 block of a target form: label/amount pairs in one or two column groups."""
    ctx.claim_label(table, start, label_col, "project funds")
    unit_hints = [table.rows[start][label_col]]
    scope_by_col: dict[int, str] = {}
    row = start
    while row < len(table.rows):
        cells = table.rows[row]
        if row > start and ends_block(cells, label_col):
            break
        col = label_col + 1
        while col < len(cells):
            name = ctx.free_text(table, row, col)
            if not name or looks_numeric(name):
                col += 1
                continue
            inline = split_labelled_amount(name)
            if inline is not None and inline.amount:  # "年度资金总额:16": the name and its amount in one cell
                _add_fund_pair(ctx, table, row, col, name, col, inline.amount, unit_hints, row, scope_by_col,
                               label_text=inline.label)
                col += 1
                continue
            value_col = col + 1
            while value_col < len(cells) and not cells[value_col]:
                if value_col + 1 < len(cells) and cells[value_col + 1] and not looks_numeric(cells[value_col + 1]):
                    break
                value_col += 1
            value_text = cells[value_col] if value_col < len(cells) and looks_numeric(cells[value_col]) else ""
            value_row = row
            if not value_text and looks_numeric(ctx.free_text(table, row + 1, col)):
                # a heading row of sources with the figures in the row below
                value_row, value_col, value_text = row + 1, col, table.cell(row + 1, col)
            _add_fund_pair(ctx, table, row, col, name, value_col if value_text else None, value_text, unit_hints,
                           value_row, scope_by_col)
            col = value_col + 1 if value_text and value_row == row else col + 1
        row += 1
    return row


def _add_fund_pair(ctx: FormContext, table: Table, row: int, col: int, name: str, value_col: int | None,
                   value_text: str, unit_hints: list[str], value_row: int | None = None,
                   scope_by_col: dict[int, str] | None = None, label_text: str | None = None) -> None:
    """One label/amount pair of a funds block: a total goes to projects, a source to funding.

    A source takes the scope (current_year or total) of the total heading its column, else of its own
    wording (当年/本年/年度 mean this year's funds). ``label_text`` is the name part of a cell that holds
    the amount too (``name`` is then the whole cell, as written).
    """
    value_row = row if value_row is None else value_row
    scope_by_col = {} if scope_by_col is None else scope_by_col
    label_text = name if label_text is None else label_text
    amount = ctx.amount(value_text, table, label_text, *unit_hints, row=value_row) if value_text else None
    total = _funds_total(ctx, label_text)
    if total == _NOT_A_SOURCE:
        return
    key = compact(label_text)
    current = any(word in key for word in horizon_words("annual"))
    if total is not None:
        column = "current_year_budget" if total == "current_year" else "total_budget"
        scope_by_col[col] = "current_year" if total == "current_year" else "total"
        ctx.claim_label(table, row, col, column)
        if value_col is not None and amount is not None:
            written = "budget_as_written" if column == "current_year_budget" else "total_budget_as_written"
            if ctx.set_project(written, value_text, CellKey(table.table_no, value_row, value_col)):
                ctx.project[f"{column}_yuan"] = amount.yuan
                if column == "current_year_budget":
                    ctx.project.setdefault("amount_unit", amount.unit)
        return
    _, rest = split_numbering(label_text)
    _, source_name = split_of_which(rest)
    line_no = len(ctx.rows_of("funding")) + 1
    ctx.add("funding", {
        "line_no": line_no, "source_name": source_name, "source_as_written": name, "parent_source": None,
        "scope": scope_by_col.get(col) or ("current_year" if current else "total"),
        "amount_as_written": value_text or None,
        "amount_yuan": amount.yuan if amount else None, "amount_unit": amount.unit if amount else None,
    })
    ctx.claim(table.table_no, row, col, "funding", "source_as_written", line_no)
    if value_col is not None:
        ctx.claim(table.table_no, value_row, value_col, "funding", "amount_as_written", line_no)


_NOT_A_SOURCE = "not_a_source"
_YEAR_HEADING = re.compile(r"^((?:19|20)\d{2})年?度?$")


def _funds_total(ctx: FormContext, label_text: str) -> str | None:
    """What a name of a project-funds block totals: ``current_year``, ``total``, None for a source, or
    ``_NOT_A_SOURCE`` for a column heading that is neither (执行数, another year of multi-year funds).

    A total (资金总额, 当年资金总额) or a budget field (总预算, 当年预算) is one; a year heading (2023年) is
    this year's funds when it names the form's year, and is left unread otherwise (no table holds the other
    years' funds). An execution-column heading (预算数, 执行数, 执行率) is never a source.
    """
    label = match_label(label_text, "header")
    if label is not None and label.role == "funding_total":
        return "current_year" if label.name == "current_year" else "total"
    if label is not None and label.role == "field" and label.name in ("total_budget", "current_year_budget"):
        return "current_year" if label.name == "current_year_budget" else "total"
    key = compact(label_text)
    year = _YEAR_HEADING.match(key)
    if year is not None:
        return "current_year" if int(year.group(1)) == ctx.project.get("fiscal_year") else _NOT_A_SOURCE
    return _NOT_A_SOURCE if match_label(label_text, "execution_col") is not None else None


# -- breakdowns: the funds of a whole department by income source and by expenditure type -----------

INCOME_SOURCE = "income_source"
EXPENDITURE_TYPE = "expenditure_type"
BREAKDOWNS = (INCOME_SOURCE, EXPENDITURE_TYPE)
"""How a whole-department form breaks its funds down (``budget_execution.breakdown``)."""


@cache
def _breakdown_words() -> Mapping[str, tuple[str, ...]]:
    return {INCOME_SOURCE: words("by_income_source"), EXPENDITURE_TYPE: words("by_expenditure_type")}


@lru_cache(maxsize=8192)
def breakdown_heading(text: str) -> str | None:
    """``income_source`` or ``expenditure_type`` when a line opens a breakdown of the funds, else None.

    >>> breakdown_heading("按收入性质分："), breakdown_heading("按支出性质分"), breakdown_heading("基本支出")
    ('income_source', 'expenditure_type', None)
    """
    key = compact(text).rstrip(":：")
    core = key.removeprefix("按").removesuffix("划分").removesuffix("分")
    if not key or len(core) > 8 or (core == key and not key.endswith("分")):
        return None
    for kind, found in _breakdown_words().items():
        if any(word in core for word in found):
            return kind
    return None


def is_expenditure_type(name: str) -> bool:
    """True when a funds line names an expenditure type (基本支出, 人员经费 …; data/block_words.csv)."""
    key = compact(name)
    return any(word in key for word in words("expenditure_type"))


def is_part_of(name: str, parent: str) -> bool:
    """True when ``name`` is a known part of the line ``parent`` (人员经费 and 公用经费 of 基本支出)."""
    return "基本支出" in compact(parent) and any(word in compact(name) for word in words("basic_expenditure_part"))


@dataclass
class Breakdown:
    """The lines of one breakdown read so far, to tell which line each belongs to.

    A 其中 line belongs to the line above it, or to the total when it opens the breakdown ("按收入性质分 /
    其中：财政拨款"); a line after a run of 其中 lines belongs where they do when it continues them (其他资金
    after 其中：财政拨款; 公用经费 after 其中：人员经费, a known part of 基本支出), else it is a line of its own
    under the total (项目支出).
    """

    kind: str
    total: str | None
    top: str | None = None
    parts_of: str | None = None

    def parent(self, name: str, of_which: bool) -> str | None:
        """The line ``name`` belongs to (None when it belongs to none), and remember it for the next line."""
        if of_which:
            self.parts_of = self.top or self.total
            return self.parts_of
        if self.parts_of is not None and self.parts_of != self.total and is_part_of(name, self.parts_of):
            return self.parts_of
        if self.parts_of is not None and self.parts_of == self.total:
            return self.total
        self.top, self.parts_of = name, None
        return self.total


# -- budget execution (self-evaluations) ----------------------------------------------------------


def parse_execution(ctx: FormContext, table: Table, start: int) -> int:
    """The budget-execution block of a self-evaluation; returns the row after it."""
    cells = table.rows[start]
    header = execution_header(cells)
    assert header is not None
    first = first_filled(cells)
    value_cols = sorted(header)
    label_col = first if first is not None and first < value_cols[0] else None
    unit_hints = [text for text in cells if text]
    name_col = _name_column(table, start, value_cols, label_col)
    if name_col in header:
        del header[name_col]
        value_cols = sorted(header)
    for index in header:
        ctx.claim_label(table, start, index, f"execution column {header[index]}")
    if label_col is not None:
        ctx.claim_label(table, start, label_col, "execution section")
        _, weight = split_weight_suffix(cells[label_col])
        if weight is not None:
            ctx.project.setdefault("execution_section_weight", weight)
    if name_col is not None and name_col != label_col and ctx.free_text(table, start, name_col):
        ctx.claim_label(table, start, name_col, "execution line heading")
    lines = ExecutionLines()
    row = start + 1
    while row < len(table.rows):
        cells = table.rows[row]
        if ends_block(cells, label_col):
            break
        offset = _row_offset(cells, name_col, value_cols)
        name_at = (name_col + offset) if name_col is not None else None
        name = cells[name_at] if name_at is not None and 0 <= name_at < len(cells) else ""
        has_figures = any(cells[c + offset] for c in value_cols if 0 <= c + offset < len(cells))
        if not name and not has_figures:
            row += 1
            continue
        kind = breakdown_heading(name) if not has_figures else None
        if kind is not None:  # "按收入性质分：": the lines below are the funds by income source
            lines.breakdown = Breakdown(kind, total=_total_line_name(ctx))
            ctx.claim_label(table, row, name_at or 0, f"execution breakdown {kind}")
            row += 1
            continue
        values = [ExecutionValue(column, cells[col + offset], row, col + offset, table.rows[start][col])
                  for col, column in header.items() if 0 <= col + offset < len(cells) and cells[col + offset]]
        lines.add(ctx, table, name, (row, name_at) if name and name_at is not None else None, values, unit_hints)
        row += 1
    return row


@dataclass(frozen=True, slots=True)
class ExecutionValue:
    """One figure of a fund line: its measure (``executed``, ``weight`` …), its text and cell, and the heading
    of the measure (a unit hint: 全年执行数（万元）)."""

    column: str
    text: str
    row: int
    col: int
    heading: str


@dataclass
class ExecutionLines:
    """The fund lines of one execution block read so far, to tell which line a 其中 line belongs to.

    Every layout (lines as rows, lines as columns, label/value pairs) adds its lines here, so that a line
    reads the same whichever way the form wrote the block.
    """

    parent: str | None = None
    seen_of_which: bool = False
    breakdown: Breakdown | None = None
    under_total: bool = False
    """``parent`` is a total line (年度资金总额, 合计): every line after it, 其中 or not, is one of its parts."""
    last: str | None = None
    """The line read last: a second 其中 right after it opens its own parts (财政拨款 / 其中：中央)."""
    parts_of: str | None = None
    """The line whose 其中 parts are being read: the lines after them continue them (省级, 市级 after 其中：中央)."""

    def parent_of(self, name: str, of_which: bool, is_total: bool) -> str | None:
        """The line ``name`` is a part of, and remember it for the lines after it.

        A 其中 line is a part of the line above it when that line is itself a part (其中：财政拨款 / 其中：中央
        or 财政拨款 / 其中：中央 under 年度资金总额), else of the block's top line; a line after such a run of
        nested parts continues it (省级, 县级), unless it names a source that stands on its own (上年结转,
        其他资金: data/block_words.csv top_source), which is a part of the top line again.
        """
        nested = self.last is not None and self.last != self.parent and self.parent is not None
        found: str | None = None
        if is_total or (not of_which and self.parent is None):
            self.parent, self.under_total, self.parts_of = name, is_total, None
        elif of_which and nested and not is_top_source(name):
            found = self.parts_of = self.last
        elif of_which:
            found = self.parts_of = self.parent
        elif self.parts_of is not None and self.parts_of != self.parent and not is_top_source(name):
            found = self.parts_of
        elif self.under_total or (self.seen_of_which and not is_top_source(name)):
            found, self.parts_of = self.parent, None
        self.seen_of_which = self.seen_of_which or of_which
        if found is None or found == self.parent:
            self.last = name
        return found

    def add(self, ctx: FormContext, table: Table, name: str, name_cell: tuple[int, int] | None,
            values: Sequence[ExecutionValue], unit_hints: Sequence[str]) -> dict[str, Any]:
        """Add the line ``name`` with its figures (claimed where they stand) to ``budget_execution``."""
        of_which, fund_line = split_of_which(name)
        line_no = len(ctx.rows_of("budget_execution")) + 1
        record: dict[str, Any] = {
            "line_no": line_no,
            "fund_line": fund_line.rstrip(":：") or None,
            "parent_line": None,
            "is_total": is_total_line(fund_line.rstrip(":：")),
            "breakdown": self.breakdown.kind if self.breakdown is not None else None,
        }
        if self.breakdown is not None and not record["is_total"]:
            record["parent_line"] = self.breakdown.parent(record["fund_line"] or "", of_which)
        else:
            record["parent_line"] = self.parent_of(record["fund_line"], of_which, record["is_total"])
        if name_cell is not None:
            ctx.claim(table.table_no, name_cell[0], name_cell[1], "budget_execution", "fund_line", line_no)
        for value in values:
            dest = value.column if value.column == "reason" else f"{value.column}_as_written"
            ctx.claim(table.table_no, value.row, value.col, "budget_execution", dest, line_no)
            _execution_value(ctx, table, record, value.column, value.text, list(unit_hints),
                             header_text=value.heading, row=value.row)
        return ctx.add("budget_execution", record)


def _total_line_name(ctx: FormContext) -> str | None:
    """The fund line of the last total line read (年度资金总额): what a breakdown's lines are parts of."""
    totals = [line for line in ctx.rows_of("budget_execution") if line.get("is_total")]
    return totals[-1].get("fund_line") if totals else None


def _name_column(table: Table, start: int, value_cols: list[int], label_col: int | None) -> int | None:
    """The column holding the fund-line names: the text column left of the first figure column, else the
    label column itself when the names stand under the label (资金来源 | 年初预算数 … / 财政拨款 | 70 …)."""
    lowest = label_col + 1 if label_col is not None else 0
    for col in range(lowest, value_cols[0] + 1):
        if _holds_names(table, start, col):
            return col
    if value_cols[0] > lowest:
        return value_cols[0] - 1
    return label_col if label_col is not None and _holds_names(table, start, label_col) else None


def _holds_names(table: Table, start: int, col: int) -> bool:
    """True when most filled cells of the column under the heading (a few rows) are text, not figures."""
    texts = [table.cell(r, col) for r in range(start + 1, min(start + 8, len(table.rows)))]
    filled = [t for t in texts if t]
    return bool(filled) and sum(not looks_numeric(t) for t in filled) * 2 >= len(filled)


def _row_offset(cells: list[str], name_col: int | None, value_cols: list[int]) -> int:
    """How far a data row is shifted: its name sits left or right of the name column."""
    if name_col is None:
        return 0
    first = first_filled(cells)
    if first is None or first == name_col or looks_numeric(cells[first]):
        return 0
    if first < name_col and not cells[name_col]:
        return first - name_col
    return 0


def _execution_value(ctx: FormContext, table: Table, record: dict[str, Any], column: str, text: str,
                     unit_hints: list[str], header_text: str, row: int | None = None) -> None:
    if column != "reason":
        record[f"{column}_as_written"] = text
    if column in EXECUTION_AMOUNTS:
        amount = ctx.amount(text, table, header_text, *unit_hints, row=row)
        record[f"{column}_yuan"] = amount.yuan
        if amount.unit:
            record.setdefault("amount_unit", amount.unit)
    elif column == "execution_rate":
        record["execution_rate"] = parse_rate(text)
    elif column in ("weight", "score"):
        record[column] = parse_points(text)
    elif column == "reason":
        record["reason"] = text


# -- expenditures (declaration: economic category × year) ----------------------------------------


def parse_expenditures(ctx: FormContext, table: Table, start: int) -> int:
    """The expenditure block (项目支出明细); returns the row after it.

    A line whose economic code extends a listed line's code (30201 under 302) is a part of that line, and
    so is a 其中 line of the line above it, carried on to the lines after it (:class:`PartsOf`): a part
    keeps its parent in ``parent_category`` and is not summed with it. Parts that do not make their line
    are reported, never corrected (:func:`check_parts`).
    """
    cells = table.rows[start]
    header = expenditure_header(cells)
    assert header is not None
    category_col, year_cols = header.category_col, header.year_cols
    ctx.claim_label(table, start, category_col, "expenditure category heading")
    if header.code_col is not None:
        ctx.claim_label(table, start, header.code_col, "expenditure code heading")
    fiscal_year = ctx.project.get("fiscal_year")
    for col in year_cols:
        ctx.claim_label(table, start, col, "expenditure year heading")
    row = start + 1
    line_no = 0
    group = PartsOf()
    groups: list[PartsOf] = []
    coded: dict[str, PartsOf] = {}
    while row < len(table.rows):
        cells = table.rows[row]
        if ends_block(cells, None) and not looks_numeric(cells[first_filled(cells) or 0]):
            first = first_filled(cells)
            label = match_label(cells[first], "header") if first is not None else None
            if label is None or label.role != "total":
                break
        first = first_filled(cells)
        if first is None:
            row += 1
            continue
        offset, name_at, code, name = _expenditure_line(cells, header, first)
        is_total = is_total_line(name)
        if not is_total:
            line_no += 1
        if code is None:
            code, category = _split_economic_code(name)
        else:
            category = name.strip()
            ctx.claim(table.table_no, row, header.code_col, "expenditures", "economic_code", line_no)
        of_which, rest = split_of_which(category)
        category = rest if of_which else category
        amounts: dict[int, tuple[int | None, str, Amount]] = {}
        for col, year in year_cols.items():
            at = col + offset
            text = cells[at] if 0 <= at < len(cells) else ""
            if text:
                amount = ctx.amount(text, table, table.rows[start][col], table.cell(start, category_col), row=row)
                amounts[at] = (year or fiscal_year, text, amount)
        if is_total:
            for at, (column_year, text, amount) in amounts.items():
                _add_total(ctx, table, row, name_at, at, "expenditures", name, text, amount, column_year)
            row += 1
            continue
        values = {column_year: amount.yuan for column_year, _, amount in amounts.values()}
        owner = _code_owner(coded, code)
        if owner is not None:
            owner.complete = True
            parent = owner.add(category, values)
        elif of_which:
            parent = group.of_which(category, values)
        else:
            parent = group.carried(category, values, True if code is not None else None)
        if not of_which and (parent is None or owner is not None):
            group = PartsOf(category, {key: value for key, value in values.items() if value is not None},
                            _row_location(table, row))
            groups.append(group)
            if code is not None:
                coded[code] = group
        for at, (column_year, text, amount) in amounts.items():
            ctx.add("expenditures", {
                "line_no": line_no, "economic_code": code, "economic_category": category,
                "parent_category": parent, "fiscal_year": column_year, "amount_yuan": amount.yuan,
                "amount_as_written": text, "amount_unit": amount.unit, "column_label": table.rows[start][at - offset],
            })
            ctx.claim(table.table_no, row, at, "expenditures", "amount_as_written", line_no)
            if name:
                ctx.claim(table.table_no, row, name_at, "expenditures", "economic_category", line_no)
        row += 1
    for parts in groups:
        check_parts(ctx, parts)
    return row


def _expenditure_line(cells: list[str], header: ExpenditureHeader, first: int) -> tuple[int, int, str | None, str]:
    """Where a line sits: (how far it is shifted, the column of its name, its code from the code column or
    None, its name). Without a code column a line shifted by a cell is read by its first filled cell; with
    one, by the columns (a line with no code, or 合计 written in the code column, has its name where it is)."""
    category_col, code_col = header.category_col, header.code_col
    if code_col is None:
        offset = first - category_col if not looks_numeric(cells[first]) else 0
        return offset, first, None, cells[first] if offset == first - category_col else ""
    code_text = cells[code_col].strip() if code_col < len(cells) else ""
    name = cells[category_col] if category_col < len(cells) else ""
    if _CODE.match(code_text):
        return 0, category_col, code_text, name
    if code_text and not name and not looks_numeric(code_text):
        return 0, code_col, None, code_text
    return 0, category_col, None, name


_CODE = re.compile(r"^\d{3,7}$")


def _code_owner(coded: Mapping[str, PartsOf], code: str | None) -> PartsOf | None:
    """The listed line whose economic code the code extends most closely (302 for 30201), or None."""
    if code is None:
        return None
    for length in range(len(code) - 1, 0, -1):
        if code[:length] in coded:
            return coded[code[:length]]
    return None


def _split_economic_code(name: str) -> tuple[str | None, str]:
    match = _ECONOMIC_CODE.match(name.strip())
    if match:
        return match.group(1), match.group(2).strip()
    return None, name.strip()



# -- whole-department funds (部门（单位）总体资金情况) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FundsCell:
    """A funds line found in a cell: the name (as written), the amount and where the amount is."""

    col: int
    name: str
    label: str
    amount: str
    amount_col: int | None


def _funds_cell(ctx: FormContext, table: Table, row: int, col: int) -> _FundsCell | None:
    """The funds line a cell starts: "一般公共预算：1,186.40" in one cell, or a name with its figure beside it."""
    text = ctx.free_text(table, row, col)
    if not text or looks_numeric(text):
        return None
    inline = split_labelled_amount(text)
    if inline is not None:
        amount_col = col if inline.amount else None
        if not inline.amount and looks_numeric(ctx.free_text(table, row, col + 1)):
            return _FundsCell(col, text, inline.label, table.cell(row, col + 1), col + 1)
        return _FundsCell(col, text, inline.label, inline.amount, amount_col)
    if looks_numeric(ctx.free_text(table, row, col + 1)):
        return _FundsCell(col, text, text, table.cell(row, col + 1), col + 1)
    return _FundsCell(col, text, text, "", None)


def parse_department_funds(ctx: FormContext, table: Table, start: int, label_col: int) -> int:
    """The funds block of a whole-department target form; returns the row after it.

    Its total (预算支出总额, 资金总额 …) is the department's budget for the year; under it the funds by
    income source (一般公共预算, 政府性基金拨款, 其他资金 …) go to ``funding`` and the funds by expenditure
    type (基本支出 with 人员经费 and 公用经费 under it, 项目支出) to ``expenditures`` in the form's year,
    each 其中 line with its parent. A heading (按收入性质分, 按支出性质分) says what the lines below it in its
    column are; without one, a line is an expenditure type when its name says so. Lines are written as
    "name：amount" in one cell, or a name with its figure in the next cell.
    """
    ctx.claim_label(table, start, label_col, "department funds")
    unit_hints = [table.rows[start][label_col]]
    kind_by_col: dict[int, str] = {}
    breakdowns: dict[tuple[int, str], Breakdown] = {}
    row = start
    while row < len(table.rows):
        cells = table.rows[row]
        if row > start and ends_block(cells, label_col):
            break
        col = label_col + 1
        while col < len(cells):
            text = ctx.free_text(table, row, col)
            kind = breakdown_heading(text) if text else None
            if kind is not None:
                kind_by_col[col] = kind
                ctx.claim_label(table, row, col, f"funds breakdown {kind}")
                col += 1
                continue
            found = _funds_cell(ctx, table, row, col)
            if found is None:
                col += 1
                continue
            _add_department_line(ctx, table, row, found, kind_by_col, breakdowns, unit_hints)
            col = (found.amount_col or found.col) + 1
        row += 1
    return row


def _add_department_line(ctx: FormContext, table: Table, row: int, found: _FundsCell,
                         kind_by_col: dict[int, str], breakdowns: dict[tuple[int, str], Breakdown],
                         unit_hints: list[str]) -> None:
    amount = ctx.amount(found.amount, table, found.label, *unit_hints, row=row) if found.amount else None
    _, rest = split_numbering(found.label)
    of_which, name = split_of_which(rest)
    name = name.rstrip(":：")
    label = match_label(found.label, "header")
    if is_total_line(name) or (label is not None and label.role == "funding_total"):
        ctx.claim_label(table, row, found.col, "department budget")
        cell = CellKey(table.table_no, row, found.amount_col) if found.amount_col is not None else None
        if cell is not None and amount is not None and ctx.set_project("budget_as_written", found.amount, cell):
            ctx.project["current_year_budget_yuan"] = amount.yuan
            ctx.project.setdefault("amount_unit", amount.unit)
        return
    kind = kind_by_col.get(found.col) or (EXPENDITURE_TYPE if is_expenditure_type(name) else INCOME_SOURCE)
    breakdown = breakdowns.setdefault((found.col, kind), Breakdown(kind, total=None))
    parent = breakdown.parent(name, of_which)
    values = {
        "amount_as_written": found.amount or None,
        "amount_yuan": amount.yuan if amount else None,
        "amount_unit": amount.unit if amount else None,
    }
    if kind == EXPENDITURE_TYPE:
        line_no = len(ctx.rows_of("expenditures")) + 1
        ctx.add("expenditures", {
            "line_no": line_no, "economic_category": name, "parent_category": parent,
            "fiscal_year": ctx.project.get("fiscal_year"), "amount_basis": "budget", **values,
            "column_label": None,
        })
        ctx.claim(table.table_no, row, found.col, "expenditures", "economic_category", line_no)
        if found.amount_col is not None:
            ctx.claim(table.table_no, row, found.amount_col, "expenditures", "amount_as_written", line_no)
        return
    line_no = len(ctx.rows_of("funding")) + 1
    ctx.add("funding", {
        "line_no": line_no, "source_name": name, "source_as_written": found.name, "parent_source": parent,
        "scope": "current_year", **values,
    })
    ctx.claim(table.table_no, row, found.col, "funding", "source_as_written", line_no)
    if found.amount_col is not None:
        ctx.claim(table.table_no, row, found.amount_col, "funding", "amount_as_written", line_no)


# -- horizontal budget tables (收入预算 | 合计 | 财政拨款 … / 金额（万元） | 1,234.50 | …) ---------------------


@dataclass(frozen=True, slots=True)
class BudgetColumn:
    """A figure column of a horizontal budget table: where its figures are, its heading as written, the
    line's name, its kind (``funding``, ``expenditures``, ``total``) and the line it is a part of.

    ``parent`` is set only when the group heading over it (基本支出 over 人员经费 | 公用经费) has a figure of
    its own (a 小计 column, or its own column left of the parts): a group without one is no line, and its
    parts are lines of their own, summed with the others.
    """

    col: int
    heading: str
    name: str
    kind: str
    parent: str | None = None
    group_heading: str = ""


@dataclass(frozen=True, slots=True)
class FigureRow:
    """A row of figures of a horizontal budget table: its label (column, text as written, '' for none),
    what it states (``budget`` or ``actual``) and of which year (None: the form's year is unknown)."""

    row: int
    label_col: int | None
    label: str
    basis: str
    year: int | None
    is_current: bool


@dataclass(frozen=True, slots=True)
class BudgetRows:
    """The layout of a horizontal budget table: its heading rows, figure columns and figure rows."""

    header: BudgetRowHeader
    header_row: int
    sub_row: int | None
    columns: tuple[BudgetColumn, ...]
    rows: tuple[FigureRow, ...]

    @property
    def end(self) -> int:
        """The row after the table."""
        return self.rows[-1].row + 1


@dataclass(frozen=True, slots=True)
class RowYear:
    """What a figure row's label says: ``budget`` or ``actual``, and its year: ``this`` (the form's),
    ``prior`` (the year before) or ``stated`` (``year``)."""

    basis: str
    when: str
    year: int | None = None


@cache
def _figure_row_label() -> re.Pattern[str]:
    return re.compile(
        rf"(?:(?P<stated>(?:19|20)\d{{2}})年度?|(?P<prior>{alternation(words('prior_year'))})"
        rf"|(?P<this>{alternation(words('this_year'))}))?"
        rf"(?:(?P<actual>{alternation(words('actual_row'))})|(?P<budget>{alternation(words('budget_row'))}))?"
    )


@cache
def _unit_statement() -> re.Pattern[str]:
    return re.compile(rf"(?:(?:金额|资金)?单位[:：]?)?(?:{money_unit_pattern()})$")


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def figure_row_year(text: str) -> RowYear | None:
    """What the label of a figure row of a horizontal budget table says, or None when it is no such label.

    A row without a label, or labelled only with its amount's unit, states this year's budget.

    >>> figure_row_year("金额（万元）"), figure_row_year("上年预算数")
    (RowYear(basis='budget', when='this', year=None), RowYear(basis='budget', when='prior', year=None))
    >>> figure_row_year("2022年决算数"), figure_row_year("单位：万元"), figure_row_year("增减率") is None
    (RowYear(basis='actual', when='stated', year=2022), RowYear(basis='budget', when='this', year=None), True)
    """
    key = label_key(text)
    key = _unit_statement().sub("", key) if key else key
    match = _figure_row_label().fullmatch(key)
    if match is None:
        return None
    basis = "actual" if match.group("actual") else "budget"
    if match.group("stated"):
        return RowYear(basis, "stated", int(match.group("stated")))
    return RowYear(basis, "prior" if match.group("prior") else "this")


def _header_spans(table: Table, row: int, header: BudgetRowHeader) -> dict[int, list[int]]:
    """The columns each category heading spans: its merged cells where the source had them, else up to the
    next heading (a markdown table leaves the covered cells of a merged heading empty)."""
    cols = sorted(header.columns)
    width = table.width
    spans: dict[int, list[int]] = {}
    for index, col in enumerate(cols):
        merged = [c for c in range(col + 1, width) if table.anchors.get((row, c)) == (row, col)]
        end = cols[index + 1] if index + 1 < len(cols) else width
        spans[col] = [col, *merged] if merged else list(range(col, end))
    return spans


def _sub_headings(table: Table, row: int, header: BudgetRowHeader,
                  spans: Mapping[int, list[int]]) -> dict[int, str] | None:
    """The sub-headings of a second heading row (人员经费 | 公用经费 under 基本支出), or None when ``row`` is
    not one: no figure, nothing left of the categories, every text a heading under a category's span."""
    if row >= len(table.rows):
        return None
    cells = table.rows[row]
    inside = {c for span in spans.values() for c in span}
    found: dict[int, str] = {}
    for col, text in enumerate(cells):
        if not text:
            continue
        if col not in inside or not is_category_text(text):
            return None
        found[col] = text
    owner = {c: col for col, span in spans.items() for c in span}
    found = {c: text for c, text in found.items() if compact(text) != compact(table.cell(row - 1, owner[c]))}
    return found or None


def _sub_kind(text: str, group_kind: str, block_kind: str | None) -> str | None:
    own = category_kind(text)
    if own is not None:
        return own
    return group_kind if group_kind != TOTAL else block_kind


def _budget_columns(table: Table, row: int, header: BudgetRowHeader, spans: Mapping[int, list[int]],
                    subs: Mapping[int, str]) -> list[BudgetColumn]:
    """The figure columns under the heading rows, in column order."""
    columns: list[BudgetColumn] = []
    for col, kind in header.columns.items():
        heading = table.cell(row, col)
        name = _line_name(heading)
        parts = {c: subs[c] for c in spans[col] if c in subs}
        if not parts:
            columns.append(BudgetColumn(col, heading, name, kind))
            continue
        own = next((c for c, text in parts.items() if category_kind(text) == TOTAL), None)
        if own is None and col not in parts:
            own = col  # the group's own figure in its own column, its parts right of it
        if own is not None:
            columns.append(BudgetColumn(own, heading, name, kind))
        for c, text in parts.items():
            if c == own:
                continue
            sub_kind = _sub_kind(text, kind, header.kind)
            if sub_kind is None:
                continue
            parent = name if own is not None and kind != TOTAL else None
            columns.append(BudgetColumn(c, text, _line_name(text), sub_kind, parent, heading))
    return sorted(columns, key=lambda column: column.col)


def _line_name(heading: str) -> str:
    """A category heading as a line's name: compact, without numbering, 其中, or a unit in parentheses."""
    _, rest = split_numbering(heading)
    _, name = split_of_which(rest)
    return label_key(name) or name


def _figure_row(table: Table, row: int, first_col: int, figure_cols: set[int],
                fiscal_year: int | None) -> FigureRow | None:
    """Row ``row`` as a figure row (its label, basis and year as the label says), or None when it is not one."""
    cells = table.rows[row]
    label_col: int | None = None
    has_figure = False
    for col, text in enumerate(cells):
        if not text:
            continue
        if col < first_col:
            if label_col is not None:
                return None
            label_col = col
        elif col not in figure_cols or not looks_numeric(text):
            return None
        elif parse_amount(text).number is not None:
            has_figure = True
    label = cells[label_col] if label_col is not None else ""
    said = figure_row_year(label) if label else RowYear("budget", "this")
    if said is None or not has_figure:
        return None
    year = _placed_year(said, fiscal_year)
    is_current = said.basis == "budget" and (said.when == "this" or (year is not None and year == fiscal_year))
    return FigureRow(row, label_col, label, said.basis, year, is_current)


def _placed_year(said: RowYear, fiscal_year: int | None) -> int | None:
    """The year a figure row's label names: the one it states, else the form's or the one before it."""
    if said.when == "stated":
        return said.year
    if fiscal_year is None:
        return None
    return fiscal_year - 1 if said.when == "prior" else fiscal_year


def budget_rows_layout(table: Table, start: int, fiscal_year: int | None) -> BudgetRows | None:
    """The layout of the horizontal budget table whose heading row is ``start``, or None when the rows
    below it hold no figures for its columns (the row is then no such table's heading)."""
    header = budget_row_header(table.rows[start])
    if header is None:
        return None
    spans = _header_spans(table, start, header)
    subs = _sub_headings(table, start + 1, header, spans)
    columns = _budget_columns(table, start, header, spans, subs or {})
    figure_cols = {column.col for column in columns}
    rows: list[FigureRow] = []
    row = start + (2 if subs else 1)
    while row < len(table.rows):
        found = _figure_row(table, row, header.first_col, figure_cols, fiscal_year)
        if found is None:
            break
        rows.append(found)
        row += 1
    if not rows or not columns:
        return None
    return BudgetRows(header, start, start + 1 if subs else None, tuple(columns), tuple(rows))


def parse_budget_rows(ctx: FormContext, table: Table, start: int) -> int:
    """A horizontal budget table: a heading row of categories (and a second one under a group heading),
    one or more rows of figures; returns the row after it, or ``start`` when the row is no such heading.

    This year's budget row goes to ``funding`` (income sources) and ``expenditures`` (expenditure lines);
    a row of another year (上年预算数, 2022年决算数) goes to ``expenditures`` in its year (basis ``actual`` for
    a prior year's 执行数/决算数), as that table keeps years; the funding table keeps only this year's sources,
    so another year's income row stays in ``unparsed`` with W_BUDGET_ROW_UNREAD, as does a row whose year
    cannot be placed. A 合计 column is a stated total of the lines beside it (one per kind when income
    sources and expenditure lines share the row); this year's is the form's budget when it states no other.
    Amounts take the unit of the cell, its heading, the row's label, the block label, else the block's.
    """
    layout = budget_rows_layout(table, start, ctx.project.get("fiscal_year"))
    if layout is None:
        return start
    header = layout.header
    if header.label_col is not None:
        ctx.claim_label(table, start, header.label_col, f"budget rows {header.kind or 'funds'}")
    if header.row_label_col is not None:
        ctx.claim_label(table, start, header.row_label_col, "budget row label heading")
    for col in header.columns:
        ctx.claim_label(table, start, col, "budget row column")
    if layout.sub_row is not None:
        for col, text in enumerate(table.rows[layout.sub_row]):
            if text:
                ctx.claim_label(table, layout.sub_row, col, "budget row column")
    above = table.cell(start - 1, first_filled(table.rows[start - 1]) or 0) if start > 0 else ""
    if above and sum(bool(text) for text in table.rows[start - 1]) == 1 and match_label(above, "budget_row"):
        ctx.claim_label(table, start - 1, first_filled(table.rows[start - 1]) or 0, "budget rows title")
    else:
        above = ""
    block_hints = [table.cell(start, col) for col in (header.label_col, header.row_label_col) if col is not None]
    line_nos: dict[tuple[str, int], int] = {}
    seen_current = False
    for figures in layout.rows:
        kinds, reason = _row_reads(figures, seen_current, ctx.project.get("fiscal_year"))
        seen_current = seen_current or figures.is_current
        filled = [column for column in layout.columns if table.cell(figures.row, column.col)]
        read = [column for column in filled if column.kind in kinds]
        if not any(column.kind != TOTAL for column in read):
            read = []
        if len(read) < len(filled):
            ctx.warn("W_BUDGET_ROW_UNREAD", _row_location(table, figures.row),
                     f"{reason or 'figures'}; left in unparsed: "
                     + "、".join(f"{column.heading} {table.cell(figures.row, column.col)}"
                                for column in filled if column not in read))
        if not read:
            continue
        if figures.label_col is not None:
            ctx.claim_label(table, figures.row, figures.label_col, "budget row label")
        line_kinds = sorted({column.kind for column in read if column.kind != TOTAL})
        for column in read:
            text = table.cell(figures.row, column.col)
            amount = ctx.amount(text, table, figures.label, column.heading, column.group_heading,
                                *block_hints, above)
            if column.kind == TOTAL:
                _budget_row_total(ctx, table, figures, column, text, amount, line_kinds)
            else:
                _budget_row_line(ctx, table, figures, column, text, amount, line_nos)
    return layout.end


def _row_reads(figures: FigureRow, seen_current: bool, fiscal_year: int | None) -> tuple[frozenset[str], str | None]:
    """The kinds of column a figure row's figures are read from, and why the others are not.

    This year's first budget row is read whole. Another year's row gives its expenditure lines (the
    expenditures table keeps years; the funding table only this year's sources). A second budget row of
    this year, this year's actuals (a self-evaluation's budget_execution states them) and a row of a year
    the form does not place are not read.
    """
    label = figures.label or "(no label)"
    if figures.is_current:
        if seen_current:
            return frozenset(), (f"the figure row {label!r} is a second row of this year's budget: "
                                 "only the first is read")
        return frozenset({FUNDING, EXPENDITURES, TOTAL}), None
    if figures.year is None:
        return frozenset(), f"the figure row {label!r} names a year that the form's (unknown) year does not place"
    if figures.basis == "actual" and fiscal_year is not None and figures.year >= fiscal_year:
        return frozenset(), (f"the figure row {label!r} states {figures.year}'s actuals, which no table of a "
                             "budget keeps")
    return frozenset({EXPENDITURES, TOTAL}), (f"the figure row {label!r} is of {figures.year}: the funding table "
                                              "holds this year's sources only")


def _budget_row_total(ctx: FormContext, table: Table, figures: FigureRow, column: BudgetColumn, text: str,
                      amount: Amount, kinds: list[str]) -> None:
    for kind in kinds or [EXPENDITURES]:
        ctx.add("stated_totals", {
            "of_table": kind, "label": column.heading, "fiscal_year": figures.year if kind == EXPENDITURES else None,
            "quantity": "amount", "value": amount.number, "value_yuan": amount.yuan, "as_written": text,
        })
    ctx.claim(table.table_no, figures.row, column.col, "stated_totals", "as_written")
    if figures.is_current and not ctx.project.get("budget_as_written"):
        ctx.project["budget_as_written"] = text
        ctx.project["current_year_budget_yuan"] = amount.yuan
        ctx.project.setdefault("amount_unit", amount.unit)


def _budget_row_line(ctx: FormContext, table: Table, figures: FigureRow, column: BudgetColumn, text: str,
                     amount: Amount, line_nos: dict[tuple[str, int], int]) -> None:
    values = {"amount_as_written": text, "amount_yuan": amount.yuan, "amount_unit": amount.unit}
    if column.kind == FUNDING:
        line_no = len(ctx.rows_of("funding")) + 1
        ctx.add("funding", {
            "line_no": line_no, "source_name": column.name, "source_as_written": column.heading,
            "parent_source": column.parent, "scope": "current_year", **values,
        })
        ctx.claim(table.table_no, figures.row, column.col, "funding", "amount_as_written", line_no)
        return
    key = (column.kind, column.col)
    if key not in line_nos:
        line_nos[key] = max((line.get("line_no") or 0 for line in ctx.rows_of("expenditures")), default=0) + 1
    line_no = line_nos[key]
    ctx.add("expenditures", {
        "line_no": line_no, "economic_category": column.name, "parent_category": column.parent,
        "fiscal_year": figures.year, "amount_basis": figures.basis, **values, "column_label": figures.label or None,
    })
    ctx.claim(table.table_no, figures.row, column.col, "expenditures", "amount_as_written", line_no)


# -- the year's main tasks of a whole-department form (年度主要任务) ------------------------------------

TASK_AMOUNTS = ("amount", "fiscal_amount", "other_amount")
"""The amount columns of a task (each with ``*_as_written`` and ``*_yuan``): in all, 财政拨款, 其他资金."""


def _task_columns(cells: Sequence[str], start_col: int) -> dict[int, str]:
    found: dict[int, str] = {}
    for col in range(start_col, len(cells)):
        text = cells[col]
        label = match_label(text, "task_col") if text and len(text) <= 30 else None
        if label is not None and label.name not in found.values():
            found[col] = label.name
    return found


def parse_tasks(ctx: FormContext, table: Table, start: int, label_col: int) -> int:
    """The year's main tasks (年度主要任务 | 任务名称 | 主要内容 | 预算金额 …) into ``tasks``; returns the row after.

    The headings stand beside the section label, sometimes with a second heading row under a spanning
    预算金额 (总额 | 财政拨款 | 其他资金). A total row (金额合计, 合计) is kept as a task row marked
    ``is_total``; when the form states no other budget, its amount is the department's budget.
    """
    columns = _task_columns(table.rows[start], label_col + 1)
    if "task_name" not in columns.values():  # "主要任务 | <text>": a label with its text, no task table
        return start + 1
    ctx.claim_label(table, start, label_col, "tasks")
    for col, name in columns.items():
        ctx.claim_label(table, start, col, f"task column {name}")
    unit_hints = [table.cell(start, col) for col in columns] + [table.cell(start, label_col)]
    row = start + 1
    below = _task_columns(table.rows[row], label_col + 1) if row < len(table.rows) else {}
    name_col = next(col for col, name in columns.items() if name == "task_name")
    if below and not table.cell(row, name_col) and set(below.values()) <= set(TASK_AMOUNTS):
        # 预算金额 spans a second heading row: 总额 | 财政拨款 | 其他资金
        for col, name in below.items():
            ctx.claim_label(table, row, col, f"task column {name}")
        columns = {col: name for col, name in columns.items() if name != "amount"} | below
        row += 1
    task_no = 0
    while row < len(table.rows):
        cells = table.rows[row]
        first = first_filled(cells)
        if first is None:
            row += 1
            continue
        is_total = is_total_line(cells[first])
        if not is_total and ends_block(cells, label_col):
            break
        record: dict[str, Any] = {"is_total": is_total}
        if is_total:
            record["task_name"] = cells[first]
            ctx.claim(table.table_no, row, first, "tasks", "task_name", "total")
        else:
            task_no += 1
            record["task_no"] = task_no
        for col, name in columns.items():
            text = ctx.free_text(table, row, col)
            if not text or (is_total and col == first):
                continue
            if name in TASK_AMOUNTS:
                amount = ctx.amount(text, table, table.cell(start, col), *unit_hints, row=row)
                record[f"{name}_as_written"] = text
                record[f"{name}_yuan"] = amount.yuan
                if amount.unit:
                    record.setdefault("amount_unit", amount.unit)
                ctx.claim(table.table_no, row, col, "tasks", f"{name}_as_written", task_no or "total")
            else:
                record[name] = text
                ctx.claim(table.table_no, row, col, "tasks", name, task_no or "total")
        if len(record) > 2 or is_total:  # a row with nothing in the task columns is no task
            ctx.add("tasks", record)
        else:
            task_no -= 1
        if is_total and record.get("amount_as_written") and not ctx.project.get("budget_as_written"):
            ctx.project["budget_as_written"] = record["amount_as_written"]
            ctx.project["current_year_budget_yuan"] = record.get("amount_yuan")
            ctx.project.setdefault("amount_unit", record.get("amount_unit"))
        row += 1
        if is_total:
            break
    return row


# -- a cost-composition table (成本构成 | 金额 | 测算依据 | N年实际执行数) --------------------------------------


def parse_cost_block(ctx: FormContext, table: Table, start: int) -> int:
    """A cost-composition table: each line into ``cost_items`` (its 测算依据 kept) and ``expenditures``
    (this year's amount and each prior year's actuals, basis ``actual``); returns the row after it.

    Group lines (一、人员经费 over 1.工资, 2.社保; a 小计 closing them) are read from the outline of the 序号
    or the names' numbers (:func:`budgetlib.transform.cost_columns.outline_parents`): a part has its group's
    ``parent_item`` and, in each column where the group writes a figure, its ``parent_category``, so that
    it is not summed with its group. A 小计 is its group's subtotal only, compared with the group's parts
    (W_COST_GROUP_MISMATCH); it is neither a stated total of the table nor the project's budget. The 合计
    row is kept as a stated total per column and checked against the sum of the top-level lines in the
    column's own unit: a difference is reported (W_TOTAL_MISMATCH), never corrected. When the form states
    no other budget, the 合计 of this year's amounts is the project's budget.
    """
    header = cost_block_header(tuple(table.rows[start]))
    assert header is not None
    heading = table.rows[start]
    columns = {header.line_col: "line", header.amount_col: "amount", **dict.fromkeys(header.actual_cols, "actual")}
    if header.basis_col is not None:
        columns[header.basis_col] = "basis"
    for col, name in columns.items():
        ctx.claim_label(table, start, col, f"cost column {name}")
    unit_hints = [text for text in heading if text]
    year = ctx.project.get("fiscal_year")
    years = {header.amount_col: year, **header.actual_cols}
    item_no = sum(1 for record in ctx.rows_of("cost_items") if not record.get("is_total"))  # a form's second table
    lines: list[_CostLine] = []
    row = start + 1
    while row < len(table.rows):
        cells = table.rows[row]
        name = table.cell(row, header.line_col)
        if not name or ends_block(cells, header.line_col):
            if not name and not any(table.cell(row, col) for col in years):
                row += 1
                continue
            break
        if cells == heading:  # the heading repeated (a table printed over two pages): the same block goes on
            for col in columns:
                ctx.claim_label(table, row, col, "cost column repeated")
            row += 1
            continue
        if cost_block_header(tuple(cells)) is not None:
            break  # another cost table's heading below this one: a block of its own
        if is_total_line(name):
            lines.append(_cost_totals(ctx, table, row, heading, header, years, unit_hints))
            row += 1
            continue
        item_no += 1
        lines.append(_cost_line(ctx, table, row, heading, item_no, header, years, unit_hints))
        row += 1
    _finish_cost_block(ctx, table, heading, header, lines)
    return row


def _column_hints(heading: list[str], col: int, unit_hints: list[str]) -> list[str]:
    """The unit hints of one money column of a cost-composition table: its own heading first, so that a column
    stating its unit ("2022年决算数（元）") is read in it even when another column states another one ("金额（万元）");
    a column whose heading states none takes the table's, a unit in any of its headings, as before.

    >>> heading = ["成本构成", "金额（万元）", "2022年决算数（元）"]
    >>> _column_hints(heading, 2, heading)
    ['2022年决算数（元）', '成本构成', '金额（万元）', '2022年决算数（元）']
    """
    own = heading[col] if col < len(heading) else ""
    return [own, *unit_hints] if own else unit_hints


@dataclass(frozen=True, slots=True)
class _CostLine:
    """A line of a cost-composition table as read, kept until the table's outline is known: its row, name,
    kind (``item``, ``subtotal``, ``total``), outline number as written, ``cost_items`` row (None for a total
    without this year's amount), figures by column and, for an item, its ``expenditures`` rows by column."""

    row: int
    name: str
    kind: str
    number: str | None
    record: dict[str, Any] | None
    figures: Mapping[int, tuple[str, Amount]]
    expenditures: Mapping[int, dict[str, Any]] = field(default_factory=dict)


def _cost_line(ctx: FormContext, table: Table, row: int, heading: list[str], item_no: int, header: CostColumns,
               years: Mapping[int, int | None], unit_hints: list[str]) -> _CostLine:
    name = table.cell(row, header.line_col)
    basis = table.cell(row, header.basis_col) if header.basis_col is not None else ""
    line_no = len({r.get("line_no") for r in ctx.rows_of("expenditures")}) + 1
    written = table.cell(row, header.amount_col)
    hints = _column_hints(heading, header.amount_col, unit_hints)
    amount = ctx.amount(written, table, *hints, row=row) if written else None
    record = ctx.add("cost_items", {
        "item_no": item_no, "description": name, "calculation_basis": basis or None, "source": "table",
        "stated_amount_as_written": written or None, "stated_amount_yuan": amount.yuan if amount else None,
        "amount_yuan": amount.yuan if amount else None, "is_total": False,
    })
    ctx.claim(table.table_no, row, header.line_col, "cost_items", "description", item_no)
    if basis:
        ctx.claim(table.table_no, row, header.basis_col, "cost_items", "calculation_basis", item_no)
    figures: dict[int, tuple[str, Amount]] = {}
    expenditures: dict[int, dict[str, Any]] = {}
    for col, column_year in years.items():
        text = table.cell(row, col)
        if not text:
            continue
        value = ctx.amount(text, table, *_column_hints(heading, col, unit_hints), row=row)
        figures[col] = (text, value)
        expenditures[col] = ctx.add("expenditures", {
            "line_no": line_no, "economic_category": compact(name), "parent_category": None,
            "fiscal_year": column_year, "amount_basis": "budget" if col == header.amount_col else "actual",
            "amount_yuan": value.yuan, "amount_as_written": text, "amount_unit": value.unit,
            "column_label": heading[col],
        })
        ctx.claim(table.table_no, row, col, "expenditures", "amount_as_written", line_no)
        if col == header.amount_col:
            ctx.claim(table.table_no, row, col, "cost_items", "stated_amount_as_written", item_no)
    ctx.claim(table.table_no, row, header.line_col, "expenditures", "economic_category", line_no)
    number = outline_number_cell(ctx, table, row, header.line_col)
    return _CostLine(row, name, "item", number, record, figures, expenditures)


def _cost_totals(ctx: FormContext, table: Table, row: int, heading: list[str], header: CostColumns,
                 years: Mapping[int, int | None], unit_hints: list[str]) -> _CostLine:
    """A 合计 or 小计 row: this year's figure a total line of ``cost_items``; what it totals is known, and
    checked, once the table's outline is (:func:`_finish_cost_block`)."""
    name = table.cell(row, header.line_col)
    ctx.claim_label(table, row, header.line_col, "cost total")
    figures: dict[int, tuple[str, Amount]] = {}
    record = None
    for col in years:
        text = table.cell(row, col)
        if not text:
            continue
        amount = ctx.amount(text, table, *_column_hints(heading, col, unit_hints), row=row)
        figures[col] = (text, amount)
        if col == header.amount_col:
            record = ctx.add("cost_items", {
                "item_no": None, "description": name, "source": "table", "stated_amount_as_written": text,
                "stated_amount_yuan": amount.yuan, "amount_yuan": amount.yuan, "is_total": True,
            })
            ctx.claim(table.table_no, row, col, "cost_items", "stated_amount_as_written", "total")
    return _CostLine(row, name, "subtotal" if is_subtotal(name) else "total", None, record, figures)


def _finish_cost_block(ctx: FormContext, table: Table, heading: list[str], header: CostColumns,
                       lines: Sequence[_CostLine]) -> None:
    """The outline of a cost-composition table into ``parent_item`` and ``parent_category``; each 合计 as a
    stated total checked against the top-level lines, each 小计 against its group's parts."""
    parents = outline_parents([
        OutlineLine(line.kind, line.number or line.name, line.record is not None and all(
            line.record.get(column) is None for column in ("stated_amount_as_written", "calculation_basis")))
        if line.kind == "item" else OutlineLine(line.kind) for line in lines])
    for line, parent in zip(lines, parents, strict=True):
        if line.record is not None:
            owner = lines[parent].record if parent is not None else None
            line.record["parent_item"] = owner.get("item_no") if owner is not None else None
        for col, record in line.expenditures.items():
            ancestor = parent
            while ancestor is not None and col not in lines[ancestor].figures:
                ancestor = parents[ancestor]  # a group writing no figure in the column stands for its parts
            record["parent_category"] = compact(lines[ancestor].name) if ancestor is not None else None
    years = {header.amount_col: ctx.project.get("fiscal_year"), **header.actual_cols}
    for index, line in enumerate(lines):
        for col, (text, amount) in line.figures.items():
            if line.kind == "item" or parents[index] is not None:
                _check_cost_group(ctx, table, heading, header, lines, parents, index, col)
                continue
            if line.kind == "total":
                _add_total(ctx, table, line.row, header.line_col, col, "expenditures", line.name, text, amount,
                           years[col])
                if col == header.amount_col and not ctx.project.get("budget_as_written"):
                    ctx.project["budget_as_written"] = text
                    ctx.project["current_year_budget_yuan"] = amount.yuan
                    ctx.project.setdefault("amount_unit", amount.unit)
            figures = _closed_figures(lines, parents, index, col)
            summed = round(sum(figures), 6)
            if amount.number is not None and figures and abs(summed - amount.number) > 0.005:
                ctx.warn("W_TOTAL_MISMATCH", f"{table.origin}, row {line.row + 1}, column {col + 1}".lstrip(", "),
                         f"the stated {compact(line.name)} of column {compact(heading[col])!r} is {text}, but its "
                         f"{len(figures)} lines add up to {summed:g}: both kept as written")


def _line_figure(lines: Sequence[_CostLine], parents: Sequence[int | None], index: int, col: int) -> float | None:
    """A line's figure in a column, in the column's unit: its own, or for a group writing none, its parts'
    sum (None when one of them is unknown)."""
    figure = lines[index].figures.get(col)
    if figure is not None:
        return figure[1].number
    parts = [at for at, parent in enumerate(parents) if parent == index and lines[at].kind == "item"]
    figures = [_line_figure(lines, parents, at, col) for at in parts]
    return sum(value for value in figures if value is not None) if parts and None not in figures else None


def _closed_figures(lines: Sequence[_CostLine], parents: Sequence[int | None], index: int, col: int) -> list[float]:
    """The known figures of the top-level lines a top-level total sums in a column: a 合计 those since the last
    合计 (or, written above its lines, those up to the next one), a 小计 outside any group those since the
    last total of either kind. A line whose figure is unknown is left out."""
    def bounds(at: int) -> bool:
        return parents[at] is None and lines[at].kind != "item" and (
            lines[index].kind == "subtotal" or lines[at].kind == "total")

    before = max((at for at in range(index) if bounds(at)), default=-1)
    segment = range(before + 1, index)
    if not any(lines[at].kind == "item" for at in segment) and lines[index].kind == "total":
        after = min((at for at in range(index + 1, len(lines)) if bounds(at)), default=len(lines))
        segment = range(index + 1, after)
    figures = [_line_figure(lines, parents, at, col) for at in segment
               if lines[at].kind == "item" and parents[at] is None]
    return [figure for figure in figures if figure is not None]


def _check_cost_group(ctx: FormContext, table: Table, heading: list[str], header: CostColumns,
                      lines: Sequence[_CostLine], parents: Sequence[int | None], index: int, col: int) -> None:
    """A group line's or a 小计's figure in a column against the group's parts (W_COST_GROUP_MISMATCH, both kept
    as written). This year's amounts in 元 are checked with the other cost tables' groups, once the form is
    read (:func:`budgetlib.transform.cost_columns.reconcile_cost_sources`): here the prior years' columns and
    amounts of no stated unit."""
    line = lines[index]
    group = parents[index] if line.kind == "subtotal" else index
    text, amount = line.figures[col]
    if group is None or amount.number is None or (col == header.amount_col and amount.yuan is not None):
        return
    parts = [at for at, parent in enumerate(parents) if parent == group and lines[at].kind == "item"]
    figures = [_line_figure(lines, parents, at, col) for at in parts]
    if not parts or None in figures:
        return
    summed = round(sum(value for value in figures if value is not None), 6)
    if abs(summed - amount.number) <= max(0.005, 0.0005 * abs(amount.number)):
        return
    what = "its 小计" if line.kind == "subtotal" else "its line"
    ctx.warn("W_COST_GROUP_MISMATCH", f"{table.origin}, row {line.row + 1}, column {col + 1}".lstrip(", "),
             f"the cost group {compact(lines[group].name)!r} states {text} on {what} in column "
             f"{compact(heading[col])!r}, but its {len(parts)} part(s) add up to {summed:g}: both kept as written")
