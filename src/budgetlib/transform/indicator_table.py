"""The indicator table: 一级/二级/三级指标, targets, and on self-evaluations actuals, weights, scores.

Found by its heading row (一级指标, 二级指标, 三级指标 or 指标内容, 指标值 …) wherever it sits, with
columns mapped by the meaning of their headings (:func:`~budgetlib.transform.blocks.heading_role`), not
positions. Merged level cells are inherited from above; placeholder rows (a level label with no
indicator, "……", "指标2") are skipped and their cells stay unparsed; a label split over two rows
("社会公众或服务" / "对象满意度指标") is joined.

The shapes of the family:

* **Long-term and annual groups side by side**, each with its own level and value columns: the horizon
  of a column comes from its heading ("指标值(长期)", "中长期指标值"), from a group row above the
  headings ("长期绩效指标" spanning its columns), from a row of horizon words below a heading that spans
  them ("指标值" over "长期 | 年度"), or from the section label left of the table ("长期绩效指标").
  Columns of no horizon (一级指标 beside two groups) are shared. Two groups whose horizon nothing states
  are read as long-term then annual, with a ``W_HORIZON_GUESSED`` warning.
* **Two-level tables**: with no 三级 column the deepest level column holds the name, unless it holds level
  labels. When the 一级 column then holds level-2 labels (数量指标, 质量指标, 成本指标: the ezhou 2022
  template), ``level1`` keeps them as written and ``level1_std``/``level2_std`` come from the level-2
  vocabulary (数量指标 → 产出指标 / 数量指标; 成本指标, a level 2 beside 数量/质量, → 产出指标 / 成本指标).
* **Sub-indicators**: a name starting with 其中, or numbered "(1)", "①", "1)" under an indicator that has no
  target of its own (or ends in a colon), keeps its parent in ``parent_indicator_no`` and ``parent_name``;
  with a 四级 column the 四级 cell is the name and the 三级 cell above it the parent.
* **Scoring sheets** (部门整体支出绩效评价评分表): rows with a weight, criteria text and a score but no target
  are indicators of target_kind ``criteria``, their 评分标准 in ``criteria`` and 指标解释 in ``explanation``.
* Level labels carry their points in any bracket style (产出指标(50分), 产出指标[50], 产出指标50分 …).

Loud when unsure: a heading no rule reads leaves its column unparsed with a ``W_COLUMN_UNREAD`` warning,
and a table that holds indicator words but gives no indicator gets ``W_TABLE_UNREAD`` naming the headings
it saw (:func:`warn_unread_tables`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from budgetlib.extract.document import Table
from budgetlib.transform.blocks import (
    IndicatorColumn,
    first_label,
    heading_horizon,
    heading_role,
    indicator_header,
    indicator_table_end,
    indicator_words,
    is_indicator_heading,
    is_indicator_marker,
    is_level_label,
    match_level_label,
    split_level_weight,
)
from budgetlib.transform.context import (
    LABELS,
    ColumnMap,
    FormContext,
    IndicatorLayout,
    InheritedLevels,
    LevelLabel,
    first_filled,
    is_placeholder,
)
from budgetlib.transform.labels import match_label, standard_levels
from budgetlib.transform.normalize import compact, label_key
from budgetlib.transform.numbers import parse_points, percent_points
from budgetlib.transform.targets import (
    CRITERIA,
    PERIOD,
    QUALITATIVE,
    QUANTITATIVE,
    Target,
    nature_comparators,
    parse_target,
)

_PLACEHOLDER_NAME = re.compile(r"^(?:指标\d*|三级指标\d*|\d+|…+|\.+|\*+|无|/|-+)$")
_TEMPLATE_MARK = re.compile(r"\*\*|＊＊|XX|xx|××")
_SUB_NUMBER = re.compile(r"^(?:\(\d{1,2}\)|[①-⑳]|\d{1,2}\)|\d{1,2}\.\d{1,2}(?![\d.]))")
_MAX_SHIFT = 2
"""A data row is looked for at most this many columns off its headings."""
_MAX_HEADING = 30
"""Longer cells are text, never a heading (as in :mod:`~budgetlib.transform.blocks`)."""
_STRUCTURAL = frozenset({"level1", "level2", "name", "level4", "target"})
"""Roles whose repetition in one heading row starts a second group of columns."""
_TEXT_COLUMNS = ("deviation_reason", "improvement", "standard", "remark", "criteria", "explanation")
_PERCENT_WEIGHT = "weight_percent_as_written"
"""A record's weight cell written as a percentage, and where: kept until the table is read, so that its
warning can say what the table's percentages add up to (:func:`_warn_percent_weights`), then dropped."""
_WHOLE_PERCENT = 100.0
_PERCENT_TOLERANCE = 0.01


def _where(table: Table, row: int, col: int | None = None) -> str:
    where = f"{table.origin}, row {row + 1}" if table.origin else f"table {table.table_no}, row {row + 1}"
    return f"{where}, column {col + 1}" if col is not None else where


# -- the layout of a heading ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Heading:
    """One column of a heading: where it is, its role and its horizon (None: shared by both horizons)."""

    col: int
    role: str
    horizon: str | None


@dataclass(frozen=True, slots=True)
class _HeadingRows:
    """What the rows around a heading row add: horizons and roles per column, the cells they came from,
    a section label left of the headings in the row above, and the row the data starts at."""

    horizons: Mapping[int, str]
    roles: Mapping[int, str]
    cells: tuple[tuple[int, int], ...]
    section: tuple[int, int] | None
    data_start: int


def _horizon_word(text: str) -> str | None:
    """The horizon of a group or sub-heading cell ("长期绩效指标", "年度", "中长期目标"), None for other text."""
    key = compact(text)
    if not key or len(key) > _MAX_HEADING or is_level_label(text):
        return None
    return heading_horizon(text, by_words=True)


def _span_col(table: Table, row: int, col: int) -> int | None:
    """The column of the filled cell whose span covers (row, col): the merged region's anchor when the
    reader kept one, else the nearest filled cell to the left (a markdown table's merged cells are empty)."""
    anchor = table.anchors.get((row, col))
    if anchor is not None:
        return anchor[1] if anchor[0] == row else None
    if table.cell(row, col):
        return col
    if any(r == row for (r, _) in table.anchors):
        return None  # the reader kept merged regions, and this empty cell is in none
    return next((c for c in range(col - 1, -1, -1) if table.cell(row, c)), None)


def _heading_rows(ctx: FormContext, table: Table, header_row: int, header: Mapping[int, IndicatorColumn]
                  ) -> _HeadingRows:
    """A group row above the headings ("长期绩效指标 | | | 年度绩效指标"), which may also hold a heading merged
    down over an empty cell of the heading row ("一级指标"), and a row of horizon words below a heading
    that spans them ("指标值" over "长期 | 年度")."""
    horizons: dict[int, str] = {}
    roles: dict[int, str] = {}
    cells: list[tuple[int, int]] = []
    section = None
    above = header_row - 1
    group = _group_row(ctx, table, above, header_row) if above >= 0 else None
    if group is not None:
        roles.update(group.down)
        horizons.update(group.down_horizons)
        cells.extend((above, col) for col in [*group.horizons, *group.down])
        section = (above, group.section) if group.section is not None else None
        for col in {*header, *group.down} - set(group.down_horizons):
            anchor = _span_col(table, above, col)
            if anchor is not None and anchor in group.horizons:
                horizons[col] = group.horizons[anchor]
    below = header_row + 1
    data_start = below
    words = _sub_heading_row(table, below, min(header))
    if words:
        for col, horizon in words.items():
            span = col if col in header else _span_col(table, header_row, col)
            if span is None or span not in header:
                continue
            roles.setdefault(col, header[span].name)
            horizons[col] = horizon
            cells.append((below, col))
        data_start = below + 1
    return _HeadingRows(horizons, roles, tuple(cells), section, data_start)


@dataclass(frozen=True, slots=True)
class _GroupRow:
    """A row above the headings: the horizon of each group cell, the headings merged down over empty
    heading cells (and the horizon such a heading states), a section label left of them."""

    horizons: Mapping[int, str]
    down: Mapping[int, str]
    down_horizons: Mapping[int, str]
    section: int | None


def _group_row(ctx: FormContext, table: Table, row: int, header_row: int) -> _GroupRow | None:
    """The group row above the headings, or None when ``row`` is none. Every filled cell must be a
    horizon word over a heading ("长期绩效指标", "年度目标"), a heading over an empty heading cell
    ("一级指标", "年度指标值") or a section label left of them ("绩效指标"), and some cell must name the
    long term."""
    header_first = first_filled(table.rows[header_row]) or 0
    groups: dict[int, str] = {}
    down: dict[int, str] = {}
    down_horizons: dict[int, str] = {}
    section = None
    for col, text in enumerate(table.rows[row]):
        if not text:
            continue
        if ctx.is_claimed(table.table_no, row, col) or len(compact(text)) > _MAX_HEADING:
            return None
        horizon = _horizon_word(text)
        role = heading_role(text)
        below = table.cell(header_row, col)
        if horizon is not None and (below or role is None):
            groups[col] = horizon
        elif role is not None and not below:
            down[col] = role
            if horizon is not None:
                down_horizons[col] = horizon
        elif col < header_first and section is None and not below:
            section = col  # a section label left of the table ("绩效指标" merged down)
        else:
            return None
    if "long_term" not in {*groups.values(), *down_horizons.values()}:
        return None
    if section is not None and down and section > min(down):
        return None
    return _GroupRow(groups, down, down_horizons, section)


def _sub_heading_row(table: Table, row: int, data_col: int) -> dict[int, str]:
    """The horizon of each cell of a row of horizon words alone ("长期 | 年度") under the headings, else {}."""
    if row >= len(table.rows):
        return {}
    found: dict[int, str] = {}
    for col, text in enumerate(table.rows[row]):
        if not text:
            continue
        horizon = _horizon_word(text)
        if horizon is None or col < data_col or heading_role(text) is not None:
            return {}
        found[col] = horizon
    return found if len(set(found.values())) == 2 else {}


@dataclass(frozen=True, slots=True)
class _Plan:
    """How a heading is read: one column map per horizon, the heading columns left out, whether the
    horizons were guessed from the order of the groups."""

    maps: tuple[ColumnMap, ...]
    unused: tuple[int, ...]
    guessed: bool = False


def _map(horizon: str, headings: Iterable[_Heading], unused: list[int]) -> ColumnMap:
    """One horizon's columns: the first column of each role; a repeated one is left out (and reported)."""
    columns: dict[str, int] = {}
    for heading in headings:
        if heading.role in columns:
            unused.append(heading.col)
        else:
            columns[heading.role] = heading.col
    return ColumnMap(horizon, columns)


def _plan(headings: Sequence[_Heading], section_horizon: str | None) -> _Plan:
    """Column maps for the headings: groups side by side, columns of stated horizons, or one map.

    Groups come first (a level, name or target column repeated, as in qingshan's 二级/三级/指标值 twice):
    each group takes the horizon one of its columns states, or the one the other group leaves; a level
    column only one group has (一级指标 beside both) is shared. Without groups, columns that state a
    horizon ("中长期指标值 | 年度指标值") go to it and the others are shared.
    """
    unused: list[int] = []
    groups = _groups(headings)
    if len(groups) >= 2:
        return _plan_groups(groups, unused)
    if any(heading.horizon == "long_term" for heading in headings):
        shared = [heading for heading in headings if heading.horizon is None]
        maps = []
        for horizon in ("long_term", "annual"):
            own = [heading for heading in headings if heading.horizon == horizon]
            own_roles = {heading.role for heading in own}
            maps.append(_map(horizon, [*own, *(h for h in shared if h.role not in own_roles)], unused))
        used = {col for cmap in maps for col in cmap.columns.values()}
        unused = sorted({*unused, *(h.col for h in headings if h.col not in used)})
        return _Plan(tuple(maps), tuple(unused))
    return _Plan((_map(section_horizon or "annual", headings, unused),), tuple(unused))


def _plan_groups(groups: list[list[_Heading]], unused: list[int]) -> _Plan:
    first, second = groups[0], groups[1]
    stated = [_stated_horizon(group) for group in (first, second)]
    guessed = stated == [None, None]
    if stated[0] is not None and stated[0] != stated[1]:
        horizons = (stated[0], "annual" if stated[0] == "long_term" else "long_term")
    elif stated[1] is not None:
        horizons = ("annual" if stated[1] == "long_term" else "long_term", stated[1])
    else:
        horizons = ("long_term", "annual")
    roles = [{heading.role for heading in group} for group in (first, second)]
    shared = [h for group in (first, second) for h in group
              if h.role in ("level1", "level2") and sum(h.role in found for found in roles) == 1]
    maps = []
    for group, horizon in zip((first, second), horizons, strict=True):
        mine = [h for h in group if h not in shared]
        own = {h.role for h in mine}
        maps.append(_map(horizon, [*mine, *(h for h in shared if h.role not in own)], unused))
    maps.sort(key=lambda cmap: cmap.horizon != "long_term")
    unused.extend(h.col for group in groups[2:] for h in group)
    return _Plan(tuple(maps), tuple(sorted(set(unused))), guessed)


def _stated_horizon(group: Sequence[_Heading]) -> str | None:
    """The horizon the columns of a group state (the long term when any says so), else None."""
    found = {heading.horizon for heading in group if heading.horizon}
    return "long_term" if "long_term" in found else next(iter(found), None)


def _groups(headings: Sequence[_Heading]) -> list[list[_Heading]]:
    """The heading split where a structural role (a level, the name, the target) repeats: groups of
    columns side by side. A split counts only when every group has a target and a name or level."""
    groups: list[list[_Heading]] = [[]]
    for heading in headings:
        if heading.role in _STRUCTURAL and any(h.role == heading.role for h in groups[-1]):
            groups.append([])
        groups[-1].append(heading)
    roles = [{h.role for h in group} for group in groups]
    if len(groups) > 1 and all("target" in found and found & {"level2", "name", "level4"} for found in roles):
        return groups
    return [list(headings)]


# -- names and levels of a two-level table --------------------------------------------------------


def _column_cells(table: Table, rows: range, col: int) -> list[str]:
    return [table.cell(row, col) for row in rows if table.cell(row, col)]


def _holds_level_labels(table: Table, rows: range, col: int, level: int) -> bool:
    """True when most filled cells of the column are level labels of ``level``."""
    cells = _column_cells(table, rows, col)
    hits = sum(match_level_label(text, level) is not None for text in cells)
    return bool(cells) and hits * 2 > len(cells)


def _holds_level2_only(table: Table, rows: range, col: int) -> bool:
    """True when the column holds a label that is a level 2 and no level 1 (数量指标, 质量指标)."""
    return any(
        match_level_label(text, 2) is not None and match_level_label(text, 1) is None
        for text in _column_cells(table, rows, col)
    )


def _with_names(cmap: ColumnMap, table: Table, rows: range) -> tuple[ColumnMap, bool] | None:
    """The map with its name column settled, and whether its 一级 column holds level-2 labels.

    With a 四级 column, it holds the name and the 三级 column the parent; with no 三级 column the deepest
    level column holds the name, unless its cells are level labels (then the table has no names: None).
    """
    cols = dict(cmap.columns)
    if "level4" in cols:
        if "name" in cols:
            cols["parent"] = cols.pop("name")
        cols["name"] = cols.pop("level4")
    if "name" not in cols:
        deepest = "level2" if "level2" in cols else None
        if deepest is None or _holds_level_labels(table, rows, cols[deepest], 2):
            return None
        cols["name"] = cols.pop(deepest)
        level1_holds_level2 = "level1" in cols and _holds_level2_only(table, rows, cols["level1"])
        return ColumnMap(cmap.horizon, cols), level1_holds_level2
    return ColumnMap(cmap.horizon, cols), False


def _unread_reason(roles: Iterable[str]) -> str:
    """Why headings of these roles make no indicator table, in a few words."""
    found = set(roles)
    levels = found & {"level1", "level2", "name", "level4"}
    missing = []
    if len(levels) < 2:
        missing.append("two level columns (一级指标, 二级指标, 三级指标 …)")
    if "target" not in found and not ("weight" in found and found & {"criteria", "explanation"}):
        missing.append("a target column (指标值 …)")
    return "they lack " + " and ".join(missing) if missing else "no column holds the indicators' names"


# -- reading a table --------------------------------------------------------------------------------


def _clean_level(text: str) -> tuple[str, float | None]:
    key, weight = split_level_weight(text)
    return label_key(key), weight


def _joined_labels(ctx: FormContext, table: Table, rows: range, col: int, level: int) -> dict[int, str]:
    """Effective level-label text per row, joining a label split over two rows."""
    effective: dict[int, str] = {}
    for row in rows:
        text = table.cell(row, col)
        if not text or row in effective:
            continue
        effective[row] = text
        if match_level_label(text, level) is None and row + 1 in rows:
            below = table.cell(row + 1, col)
            if below and match_level_label(text + below, level) is not None:
                effective[row] = text + below
                effective[row + 1] = ""
                ctx.claim(table.table_no, row + 1, col, "indicators", f"level{level}", f"split of row {row}")
    return effective


def parse_indicator_table(ctx: FormContext, table: Table, header_row: int) -> int:
    """Read the indicator table whose heading is ``header_row``; return the row after it."""
    cells = table.rows[header_row]
    header = indicator_header(cells)
    assert header is not None
    around = _heading_rows(ctx, table, header_row, header)
    data_col = min({*header, *around.roles})
    label_col, section_horizon = _section_label(ctx, table, header_row, data_col, around.section)
    end = indicator_table_end(table, around.data_start, label_col, data_col)
    rows = range(around.data_start, end)
    headings = [
        _Heading(col, around.roles.get(col) or header[col].name,
                 around.horizons.get(col) or (header[col].horizon if col in header else None))
        for col in sorted({*header, *around.roles})
    ]
    plan = _plan(headings, section_horizon)
    maps = []
    level1_holds_level2 = False
    for cmap in plan.maps:
        named = _with_names(cmap, table, rows)
        if named is None:
            _warn_unread(ctx, table, header_row, [h.role for h in headings], "no column holds the indicators' names "
                         "(the deepest level column holds level labels)")
            return end
        maps.append(named[0])
        level1_holds_level2 = level1_holds_level2 or named[1]
    used = {col for cmap in maps for col in cmap.columns.values()}
    for heading in headings:
        if heading.col in used:
            where = header_row if heading.col in header else next(r for r, c in around.cells if c == heading.col)
            ctx.claim_label(table, where, heading.col, f"indicator column {heading.role}")
    for row, col in around.cells:
        if not ctx.is_claimed(table.table_no, row, col):
            ctx.claim_label(table, row, col, "indicator column group")
    _warn_unknown_columns(ctx, table, header_row, used, rows)
    if plan.guessed:
        ctx.warn("W_HORIZON_GUESSED", _where(table, header_row),
                 "two groups of indicator columns side by side and no heading says which is long-term: "
                 "read as long-term (left) and annual (right)")
    scored = not any("target" in cmap.columns for cmap in maps)
    layout = IndicatorLayout(table.width, label_col, data_col, tuple(maps), level1_holds_level2, scored)
    earlier = ctx.indicator_layout
    seen_before = len(ctx.rows_of("indicators")) if earlier is not None else None
    _read_section(ctx, table, rows, layout)
    if seen_before is not None and earlier is not None and _horizons(earlier) == _horizons(layout):
        _warn_second_table(ctx, table, header_row, seen_before)
    ctx.indicator_layout = layout
    if end < len(table.rows):
        end = _read_total_row(ctx, table, end, layout.annual)
    return end


def _section_label(ctx: FormContext, table: Table, header_row: int, data_col: int,
                   above: tuple[int, int] | None) -> tuple[int | None, str | None]:
    """(column, horizon) of the section label left of the headings ("绩效指标(90分)", "长期绩效指标"), in
    the heading row or the group row above it; its points go to ``indicator_section_weight``."""
    cells = table.rows[header_row]
    first = first_filled(cells)
    if first is not None and first < data_col:
        row, col = header_row, first
    elif above is not None:
        row, col = above
    else:
        return None, None
    text = table.cell(row, col)
    section_label = match_label(text, "header")
    _, weight = split_level_weight(text)
    horizon = _horizon_word(text)
    if section_label is not None or weight is not None or horizon is not None or row != header_row:
        ctx.claim_label(table, row, col, "indicator section")
        if weight is not None:
            ctx.project.setdefault("indicator_section_weight", weight)
    return col, horizon


def _horizons(layout: IndicatorLayout) -> tuple[str, ...]:
    return tuple(cmap.horizon for cmap in layout.maps)


def _warn_unknown_columns(ctx: FormContext, table: Table, header_row: int, used: set[int], rows: range) -> None:
    """A heading cell that no column map uses and no section label is: its column stays unparsed, and
    says so (also left of the first known heading, where an unknown 一级 heading would otherwise pass for
    a section label)."""
    for col, text in enumerate(table.rows[header_row]):
        if not text or col in used or ctx.is_claimed(table.table_no, header_row, col):
            continue
        filled = len(_column_cells(table, rows, col))
        role = heading_role(text)
        why = f"a second {role} column" if role is not None else "no known indicator heading"
        ctx.warn("W_COLUMN_UNREAD", _where(table, header_row, col),
                 f"indicator table heading {text!r} is {why}: the column ({filled} filled cell(s) below it) "
                 "stays unparsed")


def _warn_unread(ctx: FormContext, table: Table, row: int, roles: Iterable[str], reason: str) -> None:
    seen = [text for text in table.rows[row] if text and len(compact(text)) <= _MAX_HEADING]
    ctx.warn("W_TABLE_UNREAD", _where(table, row),
             f"indicator headings {', '.join(seen)} seen, but no indicator was read from them: {reason}")


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


def _read_section(ctx: FormContext, table: Table, rows: range, layout: IndicatorLayout,
                  carry_on: bool = False) -> None:
    if not carry_on:
        ctx.indicator_levels.clear()
    used: dict[int, int] = {}
    for cmap in layout.maps:
        for col in set(cmap.columns.values()):
            used[col] = used.get(col, 0) + 1
    shared = frozenset(col for col, count in used.items() if count > 1)
    first = len(ctx.rows_of("indicators"))
    for column_map in layout.maps:
        _read_rows(ctx, table, rows, column_map, layout, shared)
    _warn_percent_weights(ctx, ctx.rows_of("indicators")[first:])


def _warn_percent_weights(ctx: FormContext, records: Sequence[dict[str, Any]]) -> None:
    """``W_WEIGHT_PERCENT`` for each weight written as a percentage ("50%", read as 50 points of 100).

    Whether that reading is sure depends on the table: percentages that add up to 100% (per horizon) are
    shares of the 100 points; others (a sum of 90% beside a 10-point budget row, or 150%) may be shares of
    something else, and the message says so. Nothing is rescaled: the points are the percentages.
    """
    written = [record for record in records if _PERCENT_WEIGHT in record]
    if not written:
        return
    totals: dict[str, float] = {}
    for record in written:
        totals[record["horizon"]] = totals.get(record["horizon"], 0.0) + record["weight"]
    for record in written:
        text, where = record.pop(_PERCENT_WEIGHT)
        total = totals[record["horizon"]]
        if abs(total - _WHOLE_PERCENT) <= _PERCENT_TOLERANCE:
            sure = "the table's percentage weights add up to 100%, as shares of 100 points do"
        else:
            sure = (f"the table's percentage weights add up to {total:g}%, not 100%: check what they are "
                    "shares of")
        ctx.warn("W_WEIGHT_PERCENT", where, f"indicator {record['indicator_no']} weight {text!r} is a percentage: "
                 f"read as {record['weight']:g} points of 100; {sure}")


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
        if col < len(cells) and is_level_label(cells[col])
    )
    return hits > 0


def parse_continued_table(ctx: FormContext, table: Table) -> int:
    """Read a headless continuation of the previous indicator table; returns the row after it."""
    layout = ctx.indicator_layout
    assert layout is not None
    end = indicator_table_end(table, 0, layout.label_col, layout.data_col)
    _read_section(ctx, table, range(0, end), layout, carry_on=True)
    ctx.warn("W_INDICATOR_TABLE_CONTINUED", f"table {table.table_no}",
             "read as a continuation of the indicator table before it (no headings)")
    if end < len(table.rows):
        end = _read_total_row(ctx, table, end, layout.annual)
    return end


def _cell(ctx: FormContext, table: Table, row: int, col: int | None, shared: frozenset[int] = frozenset()) -> str:
    """The cell's text when no reader has claimed it yet; a column both horizons share (the names beside a
    long-term and an annual value column) is read by each, so there a claim by an indicator does not count."""
    if col is None:
        return ""
    if col in shared:
        destinations = ctx.claims.get((table.table_no, row, col), ())
        return table.cell(row, col) if all(dest.table == "indicators" for dest in destinations) else ""
    return ctx.free_text(table, row, col)


@dataclass(slots=True)
class _Parent:
    """The indicator the next sub-indicators belong to: its number, name, whether it has a target."""

    indicator_no: int
    name: str
    has_target: bool


def _read_rows(ctx: FormContext, table: Table, rows: range, cmap: ColumnMap, layout: IndicatorLayout,
               shared: frozenset[int] = frozenset()) -> None:
    """Read the indicators of one horizon. Where the name column is shared with the other horizon, a row is
    an indicator of this horizon only when it has a target here (a "—" or empty value means none)."""
    cols = cmap.columns
    names_shared = cols.get("name") in shared
    level1_col, level2_col = cols.get("level1"), cols.get("level2")
    level1_text = _joined_labels(ctx, table, rows, level1_col, 1 if not layout.level1_holds_level2 else 2) \
        if level1_col is not None else {}
    level2_text = _joined_labels(ctx, table, rows, level2_col, 2) if level2_col is not None else {}
    inherited = ctx.indicator_levels.get(cmap.horizon, InheritedLevels())
    level1, level2 = inherited.level1, inherited.level2
    parent: _Parent | None = None
    group: LevelLabel | None = None  # the 三级 cell that 四级 names below it belong to
    group_no: int | None = None  # the indicator that 三级 cell is itself, if any
    shift = 0
    for row in rows:
        shift = _row_shift(table.rows[row], cols, shift)
        row_map = cmap.shifted(shift) if shift else cmap
        if shift:
            texts: dict[int, str | None] = {
                level: _cell(ctx, table, row, row_map.columns.get(f"level{level}")) for level in (1, 2)}
            ctx.warn("W_ROW_SHIFTED", f"{table.origin}, row {row + 1}".lstrip(", "),
                     f"indicator row shifted {shift:+d} column(s) from its headings; read by its level labels")
        else:
            texts = {1: level1_text.get(row), 2: level2_text.get(row)}
        if texts[1]:
            text, weight = _clean_level(texts[1])
            level1 = LevelLabel(text, table.table_no, row, row_map.columns["level1"], weight)
            level2, parent, group = None, None, None
        if texts[2]:
            text, weight = _clean_level(texts[2])
            level2 = LevelLabel(text, table.table_no, row, row_map.columns["level2"], weight)
            parent, group = None, None
        ctx.indicator_levels[cmap.horizon] = InheritedLevels(level1, level2)
        group_text = _cell(ctx, table, row, row_map.columns.get("parent")).replace("\n", "")
        if group_text:
            group, group_no = LevelLabel(group_text, table.table_no, row, row_map.columns["parent"]), None
        name = _cell(ctx, table, row, row_map.columns.get("name"), shared).replace("\n", "")
        target = _cell(ctx, table, row, row_map.columns.get("target"))
        name_col, own = "name", False
        if not name and group_text:  # a 三级 cell with no 四级 name beside it: itself an indicator
            name, name_col, own = group_text, "parent", True
        if not _is_indicator(name, target) or (names_shared and not _is_target(target)):
            continue
        record = _add_indicator(ctx, table, row, row_map, name, name_col, target, level1, level2, layout)
        number = record["indicator_no"]
        if own:
            group_no = number
        elif group is not None:
            record["parent_indicator_no"], record["parent_name"] = group_no, group.text
            ctx.claim(group.table_no, group.row, group.col, "indicators", "parent_name", number)
        elif parent is not None and _is_sub_indicator(name, parent):
            record["parent_indicator_no"], record["parent_name"] = parent.indicator_no, parent.name
            continue
        parent = _Parent(number, name, bool(target.strip()))


@cache
def _sub_markers() -> tuple[str, ...]:
    return indicator_words("sub_indicator")


def _is_sub_indicator(name: str, parent: _Parent) -> bool:
    """A name under ``parent``: "其中：…" under any indicator; numbered "(1)…" under one with no target of
    its own or whose name ends with a colon ("培训人次：")."""
    key = compact(name)
    if key.startswith(_sub_markers()):
        return True
    return bool(_SUB_NUMBER.match(key)) and (not parent.has_target or compact(parent.name).endswith(":"))


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
        if col is None or col == first or abs(first - col) > _MAX_SHIFT:
            continue
        if match_level_label(cells[first], level) is None:
            continue
        if stands_in in ("level1", "level2") and match_level_label(cells[first], int(stands_in[-1])) is not None:
            continue  # also a valid label where it stands (成本指标 is a level 1 and a level 2)
        offset = first - col
        level2_ok = filled("level2", offset) and match_level_label(cells[cols["level2"] + offset], 2) is not None
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


def _is_target(target: str) -> bool:
    return bool(target) and not _PLACEHOLDER_NAME.match(target.strip()) and not is_placeholder(target)


def _is_indicator(name: str, target: str) -> bool:
    name_ok = bool(name) and not _PLACEHOLDER_NAME.match(name) and not is_placeholder(name)
    return name_ok or (_is_target(target) and bool(name))


def _add_indicator(
    ctx: FormContext,
    table: Table,
    row: int,
    cmap: ColumnMap,
    name: str,
    name_col: str,
    target_text: str,
    level1: LevelLabel | None,
    level2: LevelLabel | None,
    layout: IndicatorLayout,
) -> dict[str, Any]:
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
        record["level2"], record["level2_weight"] = level2.text, level2.weight
        ctx.claim(level2.table_no, level2.row, level2.col, "indicators", "level2", number)
    if layout.level1_holds_level2:
        levels = standard_levels(None, record.get("level1"))
    else:
        levels = standard_levels(record.get("level1"), record.get("level2"))
    record["level1_std"], record["level2_std"] = levels.level1_std, levels.level2_std
    if name:
        ctx.claim(t, row, cols[name_col], "indicators", "name", number)
    _fill_target(ctx, table, row, cols, target_text, record)
    if layout.scored:
        record["target_kind"] = CRITERIA
    actual = _cell(ctx, table, row, cols.get("actual"))
    if actual:
        parsed = parse_target(actual)
        _warn_reading(ctx, _where(table, row, cols["actual"]), f"indicator {number} actual", parsed)
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
            if dest == "weight" and record[dest] is None and (points := percent_points(text)) is not None:
                record[dest], record[_PERCENT_WEIGHT] = points, (text, _where(table, row, cols[column]))
    for column in _TEXT_COLUMNS:
        text = _cell(ctx, table, row, cols.get(column))
        if text:
            record[column] = text
            ctx.claim(t, row, cols[column], "indicators", column, number)
    record["has_placeholder"] = bool(
        _TEMPLATE_MARK.search(name or "") or _TEMPLATE_MARK.search(target_text or "")
        or _PLACEHOLDER_NAME.match(name or "")
    )
    return ctx.add("indicators", record)


def _warn_reading(ctx: FormContext, where: str, what: str, parsed: Target) -> None:
    """The warning a target or actual calls for: a range, or a sign and a word that disagree."""
    if parsed.notice is not None:
        ctx.warn(parsed.notice, where, f"{what} {parsed.notice_message}")


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
        if parsed is not None:
            _warn_reading(ctx, _where(table, row, cols["target"]), f"indicator {number} target", parsed)
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
            joined = parse_target(target_text + unit_text.strip())
            if joined.kind == PERIOD:
                # a date split over 指标值 and 度量单位 ("2023" | "年11月底前"): the target is that period, not
                # the number 2023 in a unit "年11月底前"; the unit cell stays as written
                parsed, kind, value, comparator, unit = joined, PERIOD, None, None, unit_text.strip()
            else:
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


# -- tables the reader did not take -----------------------------------------------------------------


def _taken_tables(ctx: FormContext) -> set[int | None]:
    """The tables of which the indicator reader took some cell (a heading or an indicator's cell).

    Loops rather than ``any`` over a generator: every claim of the form is looked at.
    """
    taken: set[int | None] = set()
    for (table_no, _, _), destinations in ctx.claims.items():
        if table_no in taken:
            continue
        for dest in destinations:
            if dest.table == "indicators" or (dest.table == LABELS and dest.column.startswith("indicator column")):
                taken.add(table_no)
                break
    return taken


def _marker_cells(table: Table) -> list[tuple[int, int]]:
    """Cells that make the table look like an indicator table: indicator words (一级指标, 指标值 …) in a
    short cell, and level labels (产出指标, 数量指标 …) when there are two or more."""
    words: list[tuple[int, int]] = []
    levels: list[tuple[int, int]] = []
    for row, cells in enumerate(table.rows):
        row_words, row_levels = _row_markers(tuple(cells))
        if row_words:
            words.extend([(row, col) for col in row_words])
        if row_levels:
            levels.extend([(row, col) for col in row_levels])
    return words + levels if words or len(levels) >= 2 else []


@lru_cache(maxsize=8192)
def _row_markers(cells: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(columns of indicator words, columns of level labels) of one row; cached: template rows recur."""
    words, levels = [], []
    for col, text in enumerate(cells):
        if not text or len(text) > 4 * _MAX_HEADING:
            continue
        if is_indicator_marker(text):
            words.append(col)
        elif len(compact(text)) <= _MAX_HEADING and is_level_label(text):
            levels.append(col)
    return tuple(words), tuple(levels)


def warn_unread_tables(ctx: FormContext, tables: Sequence[Table]) -> set[int]:
    """``W_TABLE_UNREAD`` for every table that looks like an indicator table but gave the form no
    indicator: no heading was recognised in it, or headings were but no row under them holds one.

    Also for a row of indicator headings inside a table that was read (a second heading the reader could
    not take). The message names the heading cells seen and, for headings, what they lack. Returns the
    tables warned about as a whole, so that no other reader warns about them a second time.
    """
    warned: set[int] = set()
    has_indicators = bool(ctx.rows_of("indicators"))
    taken: set[int | None] | None = None
    for table in tables:
        markers = _marker_cells(table)
        if not markers:
            continue
        if taken is None:
            taken = _taken_tables(ctx)
        if table.table_no in taken:
            _warn_unread_heading_rows(ctx, table, markers)
            if not has_indicators:
                warned.add(table.table_no)
                ctx.warn("W_TABLE_UNREAD", _where(table, markers[0][0]),
                         "indicator headings were read but no row under them holds an indicator "
                         "(the rows are empty, placeholders or missing)")
            continue
        warned.add(table.table_no)
        words = [r for r, c in markers if is_indicator_marker(table.rows[r][c])]
        if words:  # the row with the most indicator words: the heading that could not be read
            row = max(set(words), key=lambda r: (words.count(r), -r))
            roles = [role for text in table.rows[row] if text and (role := heading_role(text)) is not None]
            _warn_unread(ctx, table, row, roles, _unread_reason(roles))
        else:
            _warn_unread(ctx, table, markers[0][0], [], "no heading row (一级指标, 二级指标, 指标值 …) was found")
    return warned


def _warn_unread_heading_rows(ctx: FormContext, table: Table, markers: list[tuple[int, int]]) -> None:
    """A row with two or more indicator words none of which the reader took: a heading it could not read."""
    by_row: dict[int, list[int]] = {}
    for row, col in markers:
        if is_indicator_marker(table.rows[row][col]):
            by_row.setdefault(row, []).append(col)
    for row, cols in sorted(by_row.items()):
        if len(cols) < 2 or any(ctx.is_claimed(table.table_no, row, col) for col in cols):
            continue
        roles = [role for text in table.rows[row] if text and (role := heading_role(text)) is not None]
        reason = _unread_reason(roles) if not is_indicator_heading(roles) else "it lies inside another block"
        _warn_unread(ctx, table, row, roles, reason)
