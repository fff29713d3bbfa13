"""The working state of one form while its tables are read: claims, records and helpers.

Every non-empty cell a reader uses is *claimed* with the table and column it went to. What nobody
claims ends in ``unparsed``; the claims themselves become the ``provenance`` table. That is how
"nothing lost" is checked rather than hoped for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any, NamedTuple

from budgetlib.extract.document import Table, TextLine
from budgetlib.notices import Notice
from budgetlib.transform.amounts import Amount, parse_amount, unit_stated_in
from budgetlib.transform.labels import is_any_label
from budgetlib.transform.normalize import compact
from budgetlib.vocabulary import money_unit_pattern


class CellKey(NamedTuple):
    """Where a cell is: (table_no, row, col); (None, line_no, None) for a text line outside tables."""

    table_no: int | None
    row: int
    col: int | None

LABELS = "labels"
"""Destination of a cell that structured the form (a label, a column heading, a unit line)."""

_PLACEHOLDER_TEXT = re.compile(
    r"\(\d+字以内\)|（\d+字以内）|^(?:对照年度目标|结合自评情况|针对项目自评|请填写|填写说明)|^[.…·。\-—*/_]+$"
)


def is_placeholder(text: str) -> bool:
    """Template text left in a form ("(100字以内)" instructions, "……", "**") rather than content."""
    return bool(_PLACEHOLDER_TEXT.search(text))


class Destination(NamedTuple):
    """Where a claimed cell's text went: table, column and row key (a tuple: claims are many)."""

    table: str
    column: str
    key: str | None


_destination = partial(tuple.__new__, Destination)
"""A Destination from a (table, column, key) tuple, made in C (``Destination(...)`` and ``_make`` are Python
functions): claims are made for every cell a reader takes."""


# -- what an indicator table leaves for the rows and tables after it ---------------------------------


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """The columns of one horizon of an indicator table: column name (level1, name, target …) → index."""

    horizon: str
    columns: Mapping[str, int]

    def shifted(self, offset: int) -> ColumnMap:
        """The same columns ``offset`` cells to the right (left when negative), for a shifted row."""
        return ColumnMap(self.horizon, {name: col + offset for name, col in self.columns.items()})


@dataclass(frozen=True, slots=True)
class IndicatorLayout:
    """How the last indicator table read was laid out, so that a headless continuation reads the same way.

    ``label_col`` is the column of a section label left of the data ("绩效指标" spanning the rows), or None;
    ``data_col`` the first column with a heading; ``maps`` one column map per horizon, the annual one last.
    ``level1_holds_level2``: the 一级 column holds level-2 labels (数量指标, 质量指标: a two-level table whose
    names sit in the 二级 column); ``scored``: a scoring sheet, whose rows carry criteria and no target.
    """

    width: int
    label_col: int | None
    data_col: int
    maps: tuple[ColumnMap, ...]
    level1_holds_level2: bool = False
    scored: bool = False

    @property
    def annual(self) -> ColumnMap:
        """The column map of the annual horizon (the only one when the table has no long-term columns)."""
        return self.maps[-1]


@dataclass(frozen=True, slots=True)
class LevelLabel:
    """A level label (一级/二级指标) the indicator rows below it inherit, and the cell it is written in."""

    text: str
    table_no: int
    row: int
    col: int
    weight: float | None = None
    """Points stated with a level-1 label ("产出指标(50分)")."""


@dataclass(frozen=True, slots=True)
class InheritedLevels:
    """The level labels in force for the next indicator row of one horizon."""

    level1: LevelLabel | None = None
    level2: LevelLabel | None = None


@dataclass(frozen=True, slots=True)
class UnitRow:
    """A unit line written as a row inside a table ("单位：万元" above a money block in a form written as one
    table): the amounts from ``row`` down, to the next unit row, are in ``unit``."""

    row: int
    unit: str
    text: str


@dataclass(frozen=True, slots=True)
class UnitConflict:
    """Two units stated for the same amounts: the unit line or row in force (``block_unit``, written
    ``block_text``, in ``table_no`` at ``row``; row None for a line above the table) and the unit of a
    label or column heading of the amounts (``label_unit``, ``label_text``)."""

    table_no: int
    row: int | None
    block_unit: str
    block_text: str
    label_unit: str
    label_text: str


@dataclass
class FormContext:
    """One form being read: its tables and text lines, what was claimed, the rows produced."""

    form_id: str
    source_file: str
    tables: list[Table]
    text_lines: list[TextLine]
    block_units: dict[int, str | None] = field(default_factory=dict)
    """The unit the lines before each table state (by table_no): the unit of its amounts above any unit row."""
    unit_rows: dict[int, list[UnitRow]] = field(default_factory=dict)
    """The unit rows inside each table, top to bottom (by table_no)."""
    unit_conflicts: dict[UnitConflict, list[str]] = field(default_factory=dict)
    """The amounts (as written) left without a unit because two units were stated for them."""
    claims: dict[tuple[int | None, int, int | None], list[Destination]] = field(default_factory=dict)
    """Destinations by (table_no, row, col), the fields of :class:`CellKey` as a plain tuple: a key is
    made for every lookup, several a cell, and a plain tuple is the cheapest to make."""
    project: dict[str, Any] = field(default_factory=dict)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[Notice] = field(default_factory=list)
    indicator_layout: IndicatorLayout | None = None
    """The layout of the last indicator table read (None before the first)."""
    indicator_levels: dict[str, InheritedLevels] = field(default_factory=dict)
    """Per horizon, the level labels the next indicator row inherits."""

    # -- cells -------------------------------------------------------------------------------------

    def is_claimed(self, table_no: int, row: int, col: int) -> bool:
        return (table_no, row, col) in self.claims

    def claim(self, table_no: int | None, row: int, col: int | None, table: str, column: str,
              key: object = None) -> None:
        """Record that the cell's text went to ``table.column`` (row ``key``)."""
        dest = _destination((table, column, None if key is None else str(key)))
        self.claims.setdefault((table_no, row, col), []).append(dest)

    def claim_label(self, table: Table, row: int, col: int, what: str) -> None:
        self.claim(table.table_no, row, col, LABELS, what)

    def free_text(self, table: Table, row: int, col: int) -> str:
        """The cell's text when nobody has claimed it yet, else ''."""
        if (table.table_no, row, col) in self.claims:
            return ""
        return table.cell(row, col)

    # -- records -----------------------------------------------------------------------------------

    def add(self, table: str, record: dict[str, Any]) -> dict[str, Any]:
        record["form_id"] = self.form_id
        self.records.setdefault(table, []).append(record)
        return record

    def rows_of(self, table: str) -> list[dict[str, Any]]:
        return self.records.get(table, [])

    def warn(self, code: str, location: str, message: str) -> None:
        """A warning of this form: a code from data/notices.csv, where (a cell, a table) and what."""
        self.warnings.append(Notice(code, message, location))

    def set_project(self, column: str, value: Any, cell: CellKey | None = None) -> bool:
        """Set a project field once; a second, different value is refused (and stays unparsed)."""
        if value is None or value == "":
            return False
        current = self.project.get(column)
        if current not in (None, "") and current != value:
            where = f"table {cell.table_no} row {cell.row}" if cell and cell.table_no is not None else "text"
            self.warn("W_SECOND_VALUE", where, f"second value for {column} ignored: {value!r} (kept {current!r})")
            return False
        self.project[column] = value
        if cell is not None:
            self.claim(cell.table_no, cell.row, cell.col, "projects", column)
        return True

    # -- amounts -----------------------------------------------------------------------------------

    def amount(self, text: str, table: Table | None = None, *unit_hints: str, row: int | None = None) -> Amount:
        """Parse an amount with the nearest stated unit: the cell, the given labels, the block (at ``row``:
        the unit row above it, else the lines above the table).

        When a label states one unit and the block another ("金额（元）" under "单位：万元"), the amount is
        left without a unit and the conflict is recorded (``W_UNIT_CONFLICT``): which of the two is right
        is not for the reader to guess. A unit written in the cell itself ("150万元") is always the cell's.
        """
        unit, label_text = None, ""
        for hint in unit_hints:
            if hint:
                unit = unit_stated_in(hint)
                if unit:
                    label_text = hint
                    break
        if table is None:
            return parse_amount(text, unit)
        block, unit_row = self.unit_in_force(table.table_no, row)
        if unit is None or block is None or block == unit:
            return parse_amount(text, unit or block)
        amount = parse_amount(text, unit)
        if amount.unit_source == "cell" or amount.number is None:
            return amount
        conflict = UnitConflict(table.table_no, unit_row.row if unit_row else None, block,
                                unit_row.text if unit_row else "", unit, label_text)
        self.unit_conflicts.setdefault(conflict, []).append(text)
        return parse_amount(text)

    def unit_in_force(self, table_no: int, row: int | None) -> tuple[str | None, UnitRow | None]:
        """The block unit of the table's amounts at ``row``: the last unit row at or above it, else the unit
        of the lines above the table (row None: that unit)."""
        if row is not None:
            for unit_row in reversed(self.unit_rows.get(table_no, ())):
                if unit_row.row <= row:
                    return unit_row.unit, unit_row
        return self.block_units.get(table_no), None


@cache
def _figure() -> re.Pattern[str]:
    """Digits with separators, then a percent sign or a money unit: the quick test of a value cell."""
    return re.compile(rf"[+-]?[0-9,.]+(?:%|{money_unit_pattern()})?")


def looks_numeric(text: str) -> bool:
    """True for a number, amount, percentage or a not-applicable mark ("/"), i.e. a value cell."""
    key = compact(text)
    if not key:
        return False
    if key in ("/", "-", "—", "——", "无"):
        return True
    if _figure().fullmatch(key):
        return True
    return parse_amount(key).number is not None


def first_filled(cells: Sequence[str], start: int = 0) -> int | None:
    """Index of the first non-empty cell at or after ``start``."""
    for index in range(start, len(cells)):
        if cells[index]:
            return index
    return None


def is_label_text(text: str) -> bool:
    return bool(text) and is_any_label(text)
