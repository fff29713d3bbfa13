"""Small grids for the transform tests: real rows of the example forms as the readers hand them over.

Cells are the texts a reader produces (``<br>`` in a markdown cell becomes a line break, merged cells are
empty), copied from the forms in ``tests/fixtures/examples`` and the other published examples; each test
says which form a grid comes from.
"""

from __future__ import annotations

from typing import Any

from budgetlib.extract.document import Table
from budgetlib.transform.context import FormContext


def grid(*rows: list[str], table_no: int = 0) -> Table:
    """A table of the given rows (lists of cell texts)."""
    return Table(table_no=table_no, rows=[list(row) for row in rows])


def context(*tables: Table, unit: str | None = None) -> FormContext:
    """A fresh form being read, with ``tables`` and the money unit its unit line states (``资金单位：元``)."""
    ctx = FormContext(form_id="form#0", source_file="form.md", tables=list(tables), text_lines=[])
    for table in tables:
        ctx.block_units[table.table_no] = unit
    return ctx


def claimed(ctx: FormContext, table: Table) -> set[tuple[int, int]]:
    """The (row, col) of every cell of ``table`` that some reader took."""
    return {(row, col) for (table_no, row, col) in ctx.claims if table_no == table.table_no and col is not None}


def filled(table: Table) -> set[tuple[int, int]]:
    """The (row, col) of every non-empty cell of ``table``."""
    return {(row, col) for row, cells in enumerate(table.rows) for col, text in enumerate(cells) if text}


def pick(records: list[dict[str, Any]], *columns: str) -> list[tuple[Any, ...]]:
    """Some columns of each record, in order (a missing column reads as None)."""
    return [tuple(record.get(column) for column in columns) for record in records]
