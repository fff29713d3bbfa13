"""Budget-execution blocks written the other way round: the fund lines as columns, or as label/value pairs.

The national template writes one row per fund line (年度资金总额 / 其中：财政拨款 / 其他资金) under a heading row
of measures (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分); that layout is
:func:`~budgetlib.transform.money.parse_execution`'s. Some provinces turn the block over:

- **transposed**: one row per measure (年初预算数 / 全年预算数 / 全年执行数 / 执行率 / 得分) under a heading
  row of fund lines (合计 | 财政拨款 | 其他资金);
- **pairs**: one row holding each measure and its figure side by side (年初预算数 | 100 | 全年预算数 | 120 …,
  or 年初预算数：100 in one cell), optionally after the line's name.

Both are read into the same ``budget_execution`` lines as the usual layout, through the same
:class:`~budgetlib.transform.money.ExecutionLines`, so a 其中 line, a total line, a unit and an empty figure
read alike. A figure the layout cannot give a line and a measure (a column without a heading, a measure
stated twice, a figure after no measure) stays in ``unparsed`` with ``W_EXECUTION_UNPLACED``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from budgetlib.extract.document import Table
from budgetlib.transform.blocks import (
    EXECUTION_BUDGETS,
    execution_header,
    first_label,
)
from budgetlib.transform.context import FormContext, first_filled, looks_numeric
from budgetlib.transform.labels import match_label
from budgetlib.transform.money import ExecutionLines, ExecutionValue
from budgetlib.transform.normalize import nfkc, split_weight_suffix

UNPLACED = "W_EXECUTION_UNPLACED"
_MAX_LABEL = 30


def measure_of(text: str) -> str | None:
    """The measure a cell names (``initial_budget``, ``executed``, ``execution_rate`` …), or None.

    >>> measure_of("全年执行数"), measure_of("执行率(%)"), measure_of("财政拨款")
    ('executed', 'execution_rate', None)
    """
    if not text or len(text) > _MAX_LABEL:
        return None
    label = match_label(text, "execution_col")
    return label.name if label is not None else None


def _is_block(measures: Sequence[str]) -> bool:
    """The measures make an execution block: a budget and an actual (执行数 or 执行率), as the usual heading."""
    names = set(measures)
    return bool(names & EXECUTION_BUDGETS) and ("executed" in names or "execution_rate" in names)


# -- transposed: one row per measure, one column per fund line -----------------------------------------


@dataclass(frozen=True, slots=True)
class TransposedBlock:
    """Where a transposed block stands: its heading row (None when the measures open the block), the column
    of the measure labels, the measure rows and what each names, and the fund-line columns (col → heading)."""

    heading_row: int | None
    label_col: int
    rows: tuple[tuple[int, str], ...]
    lines: tuple[tuple[int, str], ...]

    @property
    def end(self) -> int:
        return self.rows[-1][0] + 1


def transposed_block(table: Table, start: int) -> TransposedBlock | None:
    """The transposed execution block whose heading row is ``start`` (or whose first measure row it is, when
    nothing heads the fund-line columns), else None.

    The measure rows stand one under the other, each label in the same column with figures right of it;
    the heading row above them names the fund lines over those figures and holds no measure itself.
    """
    cells = table.rows[start]
    if execution_header(cells) is not None:
        return None  # a usual heading row, or a row of label/value pairs
    first = first_filled(cells)
    if first is None:
        return None
    if measure_of(cells[first]) is not None:
        heading_row, first_measure, label_col = None, start, first
    else:
        below = table.rows[start + 1] if start + 1 < len(table.rows) else []
        label_col = next((c for c, text in enumerate(below) if text and measure_of(text) is not None), -1)
        if label_col < first or label_col < 0:
            return None
        heading_row, first_measure = start, start + 1
    rows = _measure_rows(table, first_measure, label_col)
    if not _is_block([measure for _, measure in rows]):
        return None
    lines = _line_columns(table, heading_row, label_col, rows)
    if lines is None:
        return None
    return TransposedBlock(heading_row, label_col, tuple(rows), lines)


def _measure_rows(table: Table, first: int, label_col: int) -> list[tuple[int, str]]:
    """The rows from ``first`` down whose first filled cell is a measure label in ``label_col``."""
    rows: list[tuple[int, str]] = []
    for row in range(first, len(table.rows)):
        cells = table.rows[row]
        if first_filled(cells) != label_col:
            break
        measure = measure_of(cells[label_col])
        if measure is None or execution_header(cells) is not None:
            break
        rows.append((row, measure))
    return rows


def _line_columns(table: Table, heading_row: int | None, label_col: int,
                  rows: Sequence[tuple[int, str]]) -> tuple[tuple[int, str], ...] | None:
    """The fund-line columns: those the heading row names right of the labels (names, never figures or
    measures); with no heading row, a single figure column is one unnamed line. None when there are none."""
    figure_cols = sorted({col for row, _ in rows for col, text in enumerate(table.rows[row])
                          if col > label_col and text})
    if not figure_cols:
        return None
    if heading_row is None:
        return ((figure_cols[0], ""),) if len(figure_cols) == 1 else None
    heading = table.rows[heading_row]
    names = [(col, heading[col]) for col in range(label_col + 1, len(heading)) if heading[col]]
    if not names:
        return ((figure_cols[0], ""),) if len(figure_cols) == 1 else None
    if any(looks_numeric(text) or measure_of(text) is not None or _is_field(text) for _, text in names):
        return None
    if any(_is_field(text) for text in heading[: label_col + 1] if text):
        return None  # 实施单位 | 某中心 above the measures: a header row, not the block's heading
    if not set(figure_cols) & {col for col, _ in names}:
        return None
    return tuple(names)


def parse_transposed_execution(ctx: FormContext, table: Table, block: TransposedBlock) -> int:
    """Read a transposed execution block into ``budget_execution`` lines; returns the row after it."""
    heading = table.rows[block.heading_row] if block.heading_row is not None else []
    section = [text for col, text in enumerate(heading) if col <= block.label_col and text]
    if block.heading_row is not None:
        _claim_section(ctx, table, block.heading_row, block.label_col)
    for row, measure in block.rows:
        ctx.claim_label(table, row, block.label_col, f"execution row {measure}")
    lines = ExecutionLines()
    seen: dict[tuple[int, str], int] = {}
    for col, name in block.lines:
        values: list[ExecutionValue] = []
        for row, measure in block.rows:
            text = table.cell(row, col)
            if not text:
                continue
            if (col, measure) in seen:
                _unplaced(ctx, table, row, col, f"{measure} stated again (first in row {seen[col, measure]})")
                continue
            seen[col, measure] = row
            values.append(ExecutionValue(measure, text, row, col, table.cell(row, block.label_col)))
        name_cell = (block.heading_row, col) if block.heading_row is not None and name else None
        lines.add(ctx, table, name, name_cell, values, [name, *section])
    placed = {col for col, _ in block.lines}
    for row, _ in block.rows:
        for col, text in enumerate(table.rows[row]):
            if col > block.label_col and text and col not in placed:
                _unplaced(ctx, table, row, col, "no fund line heads its column")
    return block.end


def _claim_section(ctx: FormContext, table: Table, row: int, label_col: int) -> None:
    """Claim the block's title cells left of the fund-line names (预算执行情况（10分）, 资金来源), taking the
    points written with the title as the execution's weight, as the usual layout does."""
    for col in range(label_col + 1):
        text = table.cell(row, col)
        if text:
            ctx.claim_label(table, row, col, "execution section")
            _, weight = split_weight_suffix(text)
            if weight is not None:
                ctx.project.setdefault("execution_section_weight", weight)


def _unplaced(ctx: FormContext, table: Table, row: int, col: int, why: str) -> None:
    ctx.warn(UNPLACED, f"table {table.table_no} row {row} col {col}",
             f"budget-execution figure {table.cell(row, col)!r} not placed ({why}); left in unparsed")


# -- label/value pairs: 年初预算数 | 100 | 全年预算数 | 120 … -------------------------------------------------


@cache
def _inline_pair() -> re.Pattern[str]:
    return re.compile(r"^(?P<label>[^:：]{2,30})[:：]\s*(?P<value>.*)$")


@dataclass(frozen=True, slots=True)
class Pair:
    """A measure and its figure in a row of pairs: the label's cell, the figure's cell (the same cell for
    "年初预算数：100"; None when the figure is left empty) and the figure's text."""

    measure: str
    label_col: int
    value_col: int | None
    text: str


@dataclass(frozen=True, slots=True)
class PairsRow:
    """A row of label/value pairs: the pairs, the columns of the line's name (and title) left of them, and
    the figures that follow no measure."""

    pairs: tuple[Pair, ...]
    name_cols: tuple[int, ...]
    stray: tuple[int, ...]


_BLANKS = re.compile(r"\s+")
_ACTUAL_WORDS = ("执行", "实际")
"""Every measure of an actual (执行数, 执行率, 实际支出) holds one of these words (data/labels.csv, execution_col)."""
_BUDGET_WORDS = ("预算", "全年")
"""Every budget measure (年初预算数, 全年数, 调整后预算数) holds one of these words."""


def _may_hold_pairs(cells: Sequence[str]) -> bool:
    """Whether a row's text holds a word of an actual and of a budget measure, as a row of pairs must.

    A quick test over the whole row (one normalisation instead of a label match per cell), since every row
    of a form that no other block claims is tried; the words are those of the execution labels, read as
    :func:`~budgetlib.transform.normalize.label_key` reads them (NFKC, blanks removed).
    """
    text = _BLANKS.sub("", nfkc("".join(cells)))
    return any(word in text for word in _ACTUAL_WORDS) and any(word in text for word in _BUDGET_WORDS)


def pairs_row(cells: Sequence[str]) -> PairsRow | None:
    """The label/value pairs of a row, or None when the row is no such row.

    Every measure label is followed by its figure (or by an empty cell), never by another label as in a
    heading row; or the cells are "年初预算数：100" each.

    >>> row = pairs_row(["年度资金总额", "年初预算数", "100", "全年执行数", "", "执行率", "90%"])
    >>> [(p.measure, p.text) for p in row.pairs], row.name_cols
    ([('initial_budget', '100'), ('executed', ''), ('execution_rate', '90%')], (0,))
    >>> pairs_row(["项目资金", "", "年初预算数", "全年预算数", "全年执行数"]) is None
    True
    """
    if not _may_hold_pairs(cells):
        return None
    pairs: list[Pair] = []
    taken: set[int] = set()
    for col, text in enumerate(cells):
        if not text or col in taken:
            continue
        inline = _inline_pair().match(nfkc(text).strip())
        measure = measure_of(text) if inline is None or not inline.group("value").strip() else None
        if measure is not None:
            after = cells[col + 1] if col + 1 < len(cells) else ""
            if after and not looks_numeric(after):
                return None  # another label (a heading row) or words: no pair
            pairs.append(Pair(measure, col, col + 1 if after else None, after))
            taken.update((col, col + 1))
            continue
        if inline is not None and measure_of(inline.group("label").strip()) is not None:
            value = inline.group("value").strip()
            if value and not looks_numeric(value):
                return None
            pairs.append(Pair(measure_of(inline.group("label").strip()) or "", col, col if value else None, value))
            taken.add(col)
    if len(pairs) < 2 or not _is_block([pair.measure for pair in pairs]):
        return None
    if not any(pair.value_col is not None for pair in pairs):
        return None
    first = min(pair.label_col for pair in pairs)
    name_cols = tuple(col for col in range(first) if cells[col])
    stray = tuple(col for col in range(first, len(cells)) if cells[col] and col not in taken)
    if any(not looks_numeric(cells[col]) for col in stray):
        return None
    return PairsRow(tuple(pairs), name_cols, stray)


def parse_pairs_execution(ctx: FormContext, table: Table, start: int) -> int:
    """Read rows of label/value pairs from ``start`` down, one fund line a row; returns the row after them.

    The line's name is the last text left of the first pair (年度资金总额, 其中：财政拨款); a block title there
    (项目资金（万元）, 预算执行情况) names no line, and its unit holds for the rows below it too.
    """
    lines = ExecutionLines()
    block_hints: list[str] = []
    row = start
    while row < len(table.rows):
        found = pairs_row(table.rows[row])
        if found is None:
            break
        cells = table.rows[row]
        name_col = found.name_cols[-1] if found.name_cols and not _is_title(cells[found.name_cols[-1]]) else None
        titles = [col for col in found.name_cols if col != name_col]
        block_hints += [cells[col] for col in titles]
        for col in titles:
            ctx.claim_label(table, row, col, "execution section")
            _, weight = split_weight_suffix(cells[col])
            if weight is not None:
                ctx.project.setdefault("execution_section_weight", weight)
        seen: dict[str, int] = {}
        values: list[ExecutionValue] = []
        for pair in found.pairs:
            if pair.measure in seen:
                if pair.value_col is not None:
                    _unplaced(ctx, table, row, pair.value_col, f"{pair.measure} stated again")
                continue
            seen[pair.measure] = pair.label_col
            if pair.value_col != pair.label_col:
                ctx.claim_label(table, row, pair.label_col, f"execution pair {pair.measure}")
            if pair.value_col is not None:
                values.append(ExecutionValue(pair.measure, pair.text, row, pair.value_col, cells[pair.label_col]))
        for col in found.stray:
            _unplaced(ctx, table, row, col, "no measure label before it")
        name = cells[name_col] if name_col is not None else ""
        hints = [name, *block_hints]  # the title's unit (项目资金（万元）) holds for every row of the block
        lines.add(ctx, table, name, (row, name_col) if name_col is not None else None, values, hints)
        row += 1
    return row


def _is_field(text: str) -> bool:
    """True for a form label of a header field (项目名称, 实施单位, 联系人): never a fund line or a block title."""
    found = first_label([text])
    return found is not None and found.label.role in ("field", "container")


def _is_title(text: str) -> bool:
    """True for a block title (项目资金（万元）, 预算执行情况), not a fund line's name (年度资金总额, 财政拨款)."""
    found = first_label([text])
    return found is not None and found.label.role == "section"
