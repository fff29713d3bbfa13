"""The money blocks of a form: funding sources, project funds, budget execution, expenditures.

Each block is found by :mod:`~budgetlib.transform.blocks` (its label or heading row, wherever it sits in
whatever table) and read here until a row that starts another block. Rows shifted by a column (a
published quirk) are read by their content: a line's name is its first filled cell, its figures follow
it. A total line (合计 …) is kept as a stated total, never as one more line; a 其中 line keeps its parent.
"""

from __future__ import annotations

import re
from typing import Any

from budgetlib.extract.document import Table
from budgetlib.transform.amounts import Amount
from budgetlib.transform.blocks import (
    ends_block,
    execution_header,
    expenditure_header,
    is_funding_line,
    is_total_line,
    split_of_which,
)
from budgetlib.transform.context import CellKey, FormContext, first_filled, looks_numeric
from budgetlib.transform.labels import horizon_words, match_label
from budgetlib.transform.normalize import compact, split_numbering, split_weight_suffix
from budgetlib.transform.numbers import parse_points, parse_rate

_ECONOMIC_CODE = re.compile(r"^(\d{3,7})\s*[-_、.． ]?\s*(.+)$")

EXECUTION_AMOUNTS = ("initial_budget", "full_year_budget", "adjusted_budget", "executed")
"""The amount columns of a budget-execution line (each with ``*_as_written`` and ``*_yuan``)."""


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
    parent: str | None = None
    row = start + 1
    while row < len(table.rows):
        cells = table.rows[row]
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
        amount = ctx.amount(amount_text, table, *unit_hints) if amount_text else None
        if is_total_line(name):
            _add_total(ctx, table, row, name_col, amount_col, "funding", name, amount_text, amount)
            row += 1
            continue
        number, rest = split_numbering(name)
        of_which, source_name = split_of_which(rest)
        line_no = len(ctx.rows_of("funding")) + 1
        record: dict[str, Any] = {
            "line_no": line_no,
            "source_no": number,
            "source_name": source_name,
            "source_as_written": name,
            "parent_source": parent if of_which else None,
            "scope": "current_year",
            "amount_as_written": amount_text or None,
            "amount_yuan": amount.yuan if amount else None,
            "amount_unit": amount.unit if amount else None,
        }
        if not of_which:
            parent = source_name
        ctx.add("funding", record)
        ctx.claim(table.table_no, row, name_col, "funding", "source_as_written", line_no)
        if amount_col is not None:
            ctx.claim(table.table_no, row, amount_col, "funding", "amount_as_written", line_no)
        row += 1
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
                   scope_by_col: dict[int, str] | None = None) -> None:
    """One label/amount pair of a funds block: a total goes to projects, a source to funding.

    A source takes the scope (current_year or total) of the total heading its column, else of its own
    wording (当年/本年/年度 mean this year's funds).
    """
    value_row = row if value_row is None else value_row
    scope_by_col = {} if scope_by_col is None else scope_by_col
    amount = ctx.amount(value_text, table, name, *unit_hints) if value_text else None
    label = match_label(name, "header")
    key = compact(name)
    current = any(word in key for word in horizon_words("annual"))
    if label is not None and label.role == "funding_total":
        column = "current_year_budget" if label.name == "current_year" else "total_budget"
        scope_by_col[col] = "current_year" if label.name == "current_year" else "total"
        ctx.claim_label(table, row, col, column)
        if value_col is not None and amount is not None:
            written = "budget_as_written" if column == "current_year_budget" else "total_budget_as_written"
            if ctx.set_project(written, value_text, CellKey(table.table_no, value_row, value_col)):
                ctx.project[f"{column}_yuan"] = amount.yuan
                if column == "current_year_budget":
                    ctx.project.setdefault("amount_unit", amount.unit)
        return
    _, rest = split_numbering(name)
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
    parent: str | None = None
    seen_of_which = False
    row = start + 1
    while row < len(table.rows):
        cells = table.rows[row]
        if ends_block(cells, label_col):
            break
        offset = _row_offset(cells, name_col, value_cols)
        name_at = (name_col + offset) if name_col is not None else None
        name = cells[name_at] if name_at is not None and 0 <= name_at < len(cells) else ""
        if not name and not any(cells[c + offset] for c in value_cols if 0 <= c + offset < len(cells)):
            row += 1
            continue
        of_which, fund_line = split_of_which(name)
        line_no = len(ctx.rows_of("budget_execution")) + 1
        record: dict[str, Any] = {
            "line_no": line_no,
            "fund_line": fund_line.rstrip(":：") or None,
            "parent_line": parent if of_which else None,
            "is_total": is_total_line(fund_line.rstrip(":：")),
        }
        if record["is_total"] or (not of_which and parent is None):
            parent = record["fund_line"]
        elif not of_which and parent is not None and seen_of_which:
            record["parent_line"] = parent
        seen_of_which = seen_of_which or of_which
        if name:
            ctx.claim(table.table_no, row, name_at, "budget_execution", "fund_line", line_no)
        for col, column in header.items():
            at = col + offset
            text = cells[at] if 0 <= at < len(cells) else ""
            if not text:
                continue
            dest = column if column == "reason" else f"{column}_as_written"
            ctx.claim(table.table_no, row, at, "budget_execution", dest, line_no)
            _execution_value(ctx, table, record, column, text, unit_hints, header_text=table.rows[start][col])
        ctx.add("budget_execution", record)
        row += 1
    return row


def _name_column(table: Table, start: int, value_cols: list[int], label_col: int | None) -> int | None:
    """The column holding the fund-line names: the text column left of the first figure column."""
    lowest = label_col + 1 if label_col is not None else 0
    for col in range(lowest, value_cols[0] + 1):
        texts = [table.cell(r, col) for r in range(start + 1, min(start + 8, len(table.rows)))]
        filled = [t for t in texts if t]
        if filled and sum(not looks_numeric(t) for t in filled) * 2 >= len(filled):
            return col
    return value_cols[0] - 1 if value_cols[0] > lowest else None


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
                     unit_hints: list[str], header_text: str) -> None:
    if column != "reason":
        record[f"{column}_as_written"] = text
    if column in EXECUTION_AMOUNTS:
        amount = ctx.amount(text, table, header_text, *unit_hints)
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
    """The expenditure block (项目支出明细); returns the row after it."""
    cells = table.rows[start]
    header = expenditure_header(cells)
    assert header is not None
    category_col, year_cols = header.category_col, header.year_cols
    ctx.claim_label(table, start, category_col, "expenditure category heading")
    fiscal_year = ctx.project.get("fiscal_year")
    for col in year_cols:
        ctx.claim_label(table, start, col, "expenditure year heading")
    row = start + 1
    line_no = 0
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
        offset = first - category_col if not looks_numeric(cells[first]) else 0
        name = cells[first] if offset == first - category_col else ""
        is_total = is_total_line(name)
        if not is_total:
            line_no += 1
        code, category = _split_economic_code(name)
        for col, year in year_cols.items():
            at = col + offset
            text = cells[at] if 0 <= at < len(cells) else ""
            if not text:
                continue
            amount = ctx.amount(text, table, table.rows[start][col], table.cell(start, category_col))
            column_year = year or fiscal_year
            if is_total:
                _add_total(ctx, table, row, first, at, "expenditures", name, text, amount, column_year)
                continue
            ctx.add("expenditures", {
                "line_no": line_no, "economic_code": code, "economic_category": category,
                "fiscal_year": column_year, "amount_yuan": amount.yuan, "amount_as_written": text,
                "amount_unit": amount.unit, "column_label": table.rows[start][col],
            })
            ctx.claim(table.table_no, row, at, "expenditures", "amount_as_written", line_no)
            ctx.claim(table.table_no, row, first, "expenditures", "economic_category", line_no)
        row += 1
    return row


def _split_economic_code(name: str) -> tuple[str | None, str]:
    match = _ECONOMIC_CODE.match(name.strip())
    if match:
        return match.group(1), match.group(2).strip()
    return None, name.strip()

