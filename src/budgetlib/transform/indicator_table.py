"""The indicator table: 一级/二级/三级指标, targets, and on self-evaluations actuals, weights, scores.

Found by its heading row (一级指标, 二级指标, 三级指标 or 指标内容, 指标值 …) wherever it sits, with
columns mapped by their headings, not positions. Merged level cells are inherited from above;
placeholder rows (a level label with no indicator, "……", "指标2") are skipped and their cells stay
unparsed; a label split over two rows ("社会公众或服务" / "对象满意度指标") is joined; long-term and
annual columns side by side give one indicator each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from budgetlib.extract.document import Table
from budgetlib.transform.blocks import IndicatorColumn, first_label, indicator_header, indicator_table_end
from budgetlib.transform.context import (
    ColumnMap,
    FormContext,
    IndicatorLayout,
    InheritedLevels,
    LevelLabel,
    first_filled,
    is_placeholder,
)
from budgetlib.transform.labels import match_label, match_level, standard_levels
from budgetlib.transform.normalize import label_key, split_weight_suffix
from budgetlib.transform.numbers import parse_points
from budgetlib.transform.targets import QUALITATIVE, QUANTITATIVE, nature_comparators, parse_target

_PLACEHOLDER_NAME = re.compile(r"^(?:指标\d*|三级指标\d*|\d+|…+|\.+|\*+|无|/|-+)$")
_TEMPLATE_MARK = re.compile(r"\*\*|＊＊|XX|xx|××")
_MAX_SHIFT = 2
"""A data row is looked for at most this many columns off its headings."""


def _column_maps(header: dict[int, IndicatorColumn]) -> tuple[ColumnMap, ...]:
    """One column map per horizon: long-term and annual when the headings have both, else annual only.

    Columns without a horizon (levels, name, weight …) are shared by both maps.
    """
    ordered = sorted(header.items())
    shared = {column.name: index for index, column in ordered if column.horizon is None}
    horizons = ("long_term", "annual") if any(column.horizon == "long_term" for column in header.values()) else (
        "annual",)
    maps = []
    for wanted in horizons:
        columns = dict(shared)
        columns.update({column.name: index for index, column in ordered if column.horizon == wanted})
        maps.append(ColumnMap(wanted, columns))
    return tuple(maps)


def _clean_level(text: str) -> tuple[str, float | None]:
    key, weight = split_weight_suffix(text)
    return label_key(key), weight


def _joined_labels(ctx: FormContext, table: Table, rows: range, col: int, level: int) -> dict[int, str]:
    """Effective level-label text per row, joining a label split over two rows."""
    effective: dict[int, str] = {}
    for row in rows:
        text = table.cell(row, col)
        if not text or row in effective:
            continue
        effective[row] = text
        if match_level(text, level) is None and row + 1 in rows:
            below = table.cell(row + 1, col)
            if below and match_level(text + below, level) is not None:
                effective[row] = text + below
                effective[row + 1] = ""
                ctx.claim(table.table_no, row + 1, col, "indicators", f"level{level}", f"split of row {row}")
    return effective


def parse_indicator_table(ctx: FormContext, table: Table, header_row: int) -> int:
    """Read the indicator table whose heading is ``header_row``; return the row after it."""
    cells = table.rows[header_row]
    header = indicator_header(cells)
    assert header is not None
    for index, column in header.items():
        ctx.claim_label(table, header_row, index, f"indicator column {column.name}")
    data_col = min(header)
    label_col = None
    first = first_filled(cells)
    if first is not None and first < data_col:
        label_col = first
        section_label = match_label(cells[first], "header")
        _, weight = split_weight_suffix(cells[first])
        if section_label is not None or weight is not None:
            ctx.claim_label(table, header_row, first, "indicator section")
            if weight is not None:
                ctx.project.setdefault("indicator_section_weight", weight)
    end = indicator_table_end(table, header_row + 1, label_col, data_col)
    maps = _column_maps(header)
    seen_before = len(ctx.rows_of("indicators")) if ctx.indicator_layout is not None else None
    _read_section(ctx, table, range(header_row + 1, end), maps)
    if seen_before is not None:
        _warn_second_table(ctx, table, header_row, seen_before)
    ctx.indicator_layout = IndicatorLayout(table.width, label_col, data_col, maps)
    if end < len(table.rows):
        end = _read_total_row(ctx, table, end, ctx.indicator_layout.annual)
    return end


def _warn_second_table(ctx: FormContext, table: Table, header_row: int, seen_before: int) -> None:
    """A second indicator heading in one form: both tables are read, and the warning says how many of
    the new indicators repeat earlier ones (a pasted duplicate) or none (a table continued under a
    repeated heading, or a second form without its own 项目名称)."""
    indicators = ctx.rows_of("indicators")
    key = ("horizon", "level2", "name", "target_text")
    earlier = {tuple(record.get(k) for k in key) for record in indicators[:seen_before]}
    new = indicators[seen_before:]
    repeats = sum(tuple(record.get(k) for k in key) in earlier for record in new)
    where = f"{table.origin}, row {header_row + 1}".lstrip(", ")
    if repeats:
        message = (f"indicator table appears twice: both are read; {repeats} of the {len(new)} indicators under "
                   "the second heading repeat earlier ones (same name and target), so they are counted twice")
    else:
        message = (f"a second indicator heading row: the {len(new)} indicators under it are read as more "
                   "indicators of the same form (check that it is not a second form)")
    ctx.warn("W_INDICATOR_TABLE_REPEATED", where, message)


def _read_section(
    ctx: FormContext, table: Table, rows: range, maps: tuple[ColumnMap, ...], carry_on: bool = False
) -> None:
    if not carry_on:
        ctx.indicator_levels.clear()
    for column_map in maps:
        _read_rows(ctx, table, rows, column_map)


def continues_indicator_table(ctx: FormContext, table: Table) -> bool:
    """True when a table without headings carries on the indicator table before it (a page break).

    It must have the same width and level labels (产出指标, 数量指标 …) in the level columns.
    """
    layout = ctx.indicator_layout
    if layout is None or table.width != layout.width or not table.rows:
        return False
    if any(indicator_header(cells) for cells in table.rows[:2]):
        return False
    columns = layout.annual.columns
    level_cols = [columns[name] for name in ("level1", "level2") if name in columns]
    hits = sum(
        1 for cells in table.rows[:5] for col in level_cols
        if col < len(cells) and cells[col] and (match_level(cells[col], 1) or match_level(cells[col], 2))
    )
    return hits > 0


def parse_continued_table(ctx: FormContext, table: Table) -> int:
    """Read a headless continuation of the previous indicator table; returns the row after it."""
    layout = ctx.indicator_layout
    assert layout is not None
    end = indicator_table_end(table, 0, layout.label_col, layout.data_col)
    _read_section(ctx, table, range(0, end), layout.maps, carry_on=True)
    ctx.warn("W_INDICATOR_TABLE_CONTINUED", f"table {table.table_no}",
             "read as a continuation of the indicator table before it (no headings)")
    if end < len(table.rows):
        end = _read_total_row(ctx, table, end, layout.annual)
    return end


def _cell(ctx: FormContext, table: Table, row: int, col: int | None) -> str:
    if col is None:
        return ""
    return ctx.free_text(table, row, col)


def _read_rows(ctx: FormContext, table: Table, rows: range, cmap: ColumnMap) -> None:
    cols = cmap.columns
    level1_col, level2_col = cols.get("level1"), cols.get("level2")
    level1_text = _joined_labels(ctx, table, rows, level1_col, 1) if level1_col is not None else {}
    level2_text = _joined_labels(ctx, table, rows, level2_col, 2) if level2_col is not None else {}
    inherited = ctx.indicator_levels.get(cmap.horizon, InheritedLevels())
    level1, level2 = inherited.level1, inherited.level2
    shift = 0
    for row in rows:
        shift = _row_shift(table.rows[row], cols, shift)
        row_map = cmap.shifted(shift) if shift else cmap
        if shift:
            texts = {level: _cell(ctx, table, row, row_map.columns.get(f"level{level}")) for level in (1, 2)}
            ctx.warn("W_ROW_SHIFTED", f"{table.origin}, row {row + 1}".lstrip(", "),
                     f"indicator row shifted {shift:+d} column(s) from its headings; read by its level labels")
        else:
            texts = {1: level1_text.get(row), 2: level2_text.get(row)}
        if texts[1]:
            text, weight = _clean_level(texts[1])
            level1 = LevelLabel(text, table.table_no, row, row_map.columns["level1"], weight)
            level2 = None
        if texts[2]:
            level2 = LevelLabel(label_key(texts[2]), table.table_no, row, row_map.columns["level2"])
        ctx.indicator_levels[cmap.horizon] = InheritedLevels(level1, level2)
        name = _cell(ctx, table, row, row_map.columns.get("name")).replace("\n", "")
        target = _cell(ctx, table, row, row_map.columns.get("target"))
        if not _is_indicator(name, target):
            continue
        _add_indicator(ctx, table, row, row_map, name, target, level1, level2)


def _row_shift(cells: list[str], cols: Mapping[str, int], previous: int) -> int:
    """How many columns a data row sits off its headings (0 for a row that reads as it stands).

    Transcriptions and exports sometimes add or drop a leading cell in some rows; read as they stand,
    the level-1 label would land in the level-2 column, the level-2 label in the name column and so
    on. A row is shifted when its first filled cell is a level label that is no valid label where it
    stands but is ``s`` columns away, or, following a row shifted by ``previous``, when it has no name
    where the headings put it but has one ``previous`` columns away. The shifted reading must find a
    name and a target, or the row must hold level labels alone (which the rows below inherit).
    """
    first = first_filled(cells)
    if first is None:
        return 0

    def filled(name: str, offset: int) -> bool:
        col = cols.get(name)
        return col is not None and 0 <= col + offset < len(cells) and bool(cells[col + offset])

    stands_in = next((name for name, col in cols.items() if col == first), None)
    for level in (1, 2):
        col = cols.get(f"level{level}")
        if col is None or col == first or abs(first - col) > _MAX_SHIFT or match_level(cells[first], level) is None:
            continue
        if stands_in in ("level1", "level2") and match_level(cells[first], int(stands_in[-1])) is not None:
            continue  # also a valid label where it stands (成本指标 is a level 1 and a level 2)
        offset = first - col
        level2_ok = filled("level2", offset) and match_level(cells[cols["level2"] + offset], 2) is not None
        if level == 1 and filled("level2", offset) and not level2_ok:
            continue
        if filled("name", offset) and filled("target", offset):
            return offset
        labels_only = sum(map(bool, cells)) == (2 if level == 1 and level2_ok else 1)
        if labels_only and (level == 2 or level2_ok):  # a row of level labels alone, which later rows inherit
            return offset
    if previous and not filled("name", 0) and filled("name", previous) and filled("target", previous):
        return previous
    return 0


def _is_indicator(name: str, target: str) -> bool:
    name_ok = bool(name) and not _PLACEHOLDER_NAME.match(name) and not is_placeholder(name)
    target_ok = bool(target) and not _PLACEHOLDER_NAME.match(target.strip()) and not is_placeholder(target)
    return name_ok or (target_ok and bool(name))


def _add_indicator(
    ctx: FormContext,
    table: Table,
    row: int,
    cmap: ColumnMap,
    name: str,
    target_text: str,
    level1: LevelLabel | None,
    level2: LevelLabel | None,
) -> None:
    cols = cmap.columns
    number = len(ctx.rows_of("indicators")) + 1
    record: dict[str, Any] = {
        "indicator_no": number,
        "horizon": cmap.horizon,
        "name": name or None,
        "table_no": table.table_no,
        "row": row,
    }
    t = table.table_no
    if level1 is not None:
        record["level1"], record["level1_weight"] = level1.text, level1.weight
        ctx.claim(level1.table_no, level1.row, level1.col, "indicators", "level1", number)
    if level2 is not None:
        record["level2"] = level2.text
        ctx.claim(level2.table_no, level2.row, level2.col, "indicators", "level2", number)
    levels = standard_levels(record.get("level1"), record.get("level2"))
    record["level1_std"], record["level2_std"] = levels.level1_std, levels.level2_std
    if name:
        ctx.claim(t, row, cols["name"], "indicators", "name", number)
    _fill_target(ctx, table, row, cols, target_text, record)
    actual = _cell(ctx, table, row, cols.get("actual"))
    if actual:
        parsed = parse_target(actual)
        record["actual_text"] = actual
        record["actual_comparator"] = parsed.comparator
        record["actual_value"] = parsed.value
        record["actual_unit"] = parsed.unit
        ctx.claim(t, row, cols["actual"], "indicators", "actual_text", number)
    for column, dest in (("weight", "weight"), ("score", "score")):
        text = _cell(ctx, table, row, cols.get(column))
        if text:
            record[dest] = parse_points(text)
            ctx.claim(t, row, cols[column], "indicators", dest, number)
    for column in ("deviation_reason", "standard", "remark"):
        text = _cell(ctx, table, row, cols.get(column))
        if text:
            record[column] = text
            ctx.claim(t, row, cols[column], "indicators", column, number)
    record["has_placeholder"] = bool(
        _TEMPLATE_MARK.search(name or "") or _TEMPLATE_MARK.search(target_text or "")
        or _PLACEHOLDER_NAME.match(name or "")
    )
    ctx.add("indicators", record)


def _fill_target(
    ctx: FormContext, table: Table, row: int, cols: Mapping[str, int], target_text: str, record: dict[str, Any]
) -> None:
    number = record["indicator_no"]
    t = table.table_no
    parsed = parse_target(target_text) if target_text else None
    comparator = parsed.comparator if parsed else None
    kind = parsed.kind if parsed else None
    value = parsed.value if parsed else None
    unit = parsed.unit if parsed else None
    if target_text:
        record["target_text"] = target_text
        ctx.claim(t, row, cols["target"], "indicators", "target_text", number)
    nature = _cell(ctx, table, row, cols.get("comparator"))
    if nature:
        ctx.claim(t, row, cols["comparator"], "indicators", "comparator", number)
        means = nature_comparators().get(label_key(nature) or nature.strip())
        if means == QUALITATIVE:
            kind = QUALITATIVE
        elif means is not None and kind in (None, QUANTITATIVE):
            comparator = comparator or means
    unit_text = _cell(ctx, table, row, cols.get("unit"))
    if unit_text:
        ctx.claim(t, row, cols["unit"], "indicators", "unit", number)
        if kind == QUANTITATIVE and not unit:
            unit = parse_target(f"1{unit_text}").unit or unit_text
    record.update(
        comparator=comparator,
        target_kind=kind,
        target_value=value,
        unit=unit,
        period_start=parsed.period_start if parsed else None,
        period_end=parsed.period_end if parsed else None,
    )


def _read_total_row(ctx: FormContext, table: Table, row: int, cmap: ColumnMap) -> int:
    """A 合计/总分 row right after the indicators: the stated total weight and official score."""
    cells = table.rows[row]
    found = first_label(cells)
    if found is None or found.label.role != "total":
        return row
    first = found.col
    ctx.claim_label(table, row, first, "total row")
    for column, quantity, project_column in (
        ("weight", "weight", "stated_total_weight"),
        ("score", "score", "official_total_score"),
    ):
        col = cmap.columns.get(column)
        text = ctx.free_text(table, row, col) if col is not None else ""
        if not text:
            continue
        value = parse_points(text)
        ctx.add("stated_totals", {
            "of_table": "indicators", "label": cells[first], "quantity": quantity,
            "value": value, "as_written": text,
        })
        ctx.claim(table.table_no, row, col, "stated_totals", "as_written")
        if value is not None:
            ctx.project.setdefault(project_column, value)
    return row + 1

