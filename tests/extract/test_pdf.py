"""The PDF reader's geometry: touching tables told apart, wrapped lines joined (on cell boxes and
characters as pdfplumber gives them, so each rule is checked on its own)."""

from __future__ import annotations

import time

from budgetlib.extract import pdf
from budgetlib.extract.pdf import Box


def grid(rows: list[list[float]], top: float = 100.0, height: float = 20.0) -> list[Box]:
    """Cell boxes: one row per list of column edges, drawn one under the other."""
    return [(edges[i], top + r * height, edges[i + 1], top + (r + 1) * height)
            for r, edges in enumerate(rows) for i in range(len(edges) - 1)]


SEVEN = [57, 153, 229, 311, 396, 450, 481, 567]
NINE = [57, 96, 153, 229, 311, 343, 396, 450, 481, 567]


def shapes(parts: list[list[Box]]) -> list[int]:
    return [len({box[1] for box in part}) for part in parts]


def test_a_table_with_more_columns_right_under_one_with_fewer_is_its_own_table() -> None:
    """The zhongjiang self-evaluation: a 7-column form table, its indicator table of 9 columns drawn
    touching it; the whole area snaps onto the nine columns, yet the two are told apart."""
    cells = grid([SEVEN] * 4 + [NINE] * 3)
    assert shapes(pdf._touching_tables(cells)) == [4, 3]


def test_a_column_line_that_only_some_rows_use_does_not_cut_a_table() -> None:
    cells = grid([NINE, SEVEN, NINE, NINE])  # used again below: one table, merged cells in a row
    assert shapes(pdf._touching_tables(cells)) == [4]
    cells = grid([SEVEN, SEVEN, NINE, NINE, [57, 567]])  # the new column lines stop before the bottom
    assert shapes(pdf._touching_tables(cells)) == [5]
    cells = grid([SEVEN, NINE, NINE, NINE])  # one row above is a heading row, not a table
    assert shapes(pdf._touching_tables(cells)) == [4]


def test_a_row_whose_edges_lie_off_the_columns_is_another_table() -> None:
    """ezhou-2022: a two-cell row (绩效目标 | text) under a 5-column table; the nearest-edge snap would
    move its border by 36 points onto a column edge of the table above."""
    five = [57, 149, 176, 316, 404, 492]
    cells = grid([[57, 113, 268, 325, 492]] * 2 + [five] * 5 + [[57, 113, 492]])
    assert shapes(pdf._touching_tables(cells)) == [2, 5, 1]
    assert pdf._off_grid(grid([[57, 113, 492]]), five) == 2  # both cells end or begin at 113
    assert pdf._off_grid(grid([[57.5, 150.5, 492]]), five) == 0  # a row drawn a point off is on the grid


def test_telling_tables_apart_is_fast_at_the_row_limit() -> None:
    rows = [[50 + i * 50 + (17 if r % 2 and 0 < i < 10 else 0) for i in range(11)]
            for r in range(pdf.MAX_SPLIT_ROWS - 1)]
    started = time.perf_counter()
    parts = pdf._touching_tables(grid(rows))
    assert len(parts) == pdf.MAX_SPLIT_ROWS - 1  # every row on columns of its own
    assert time.perf_counter() - started < 3.0  # a quarter of a second on an idle machine


def chars(text: str, x0: float, size: float = 12.0, top: float = 0.0) -> list[dict[str, float | str]]:
    """Characters laid out left to right: full width for Chinese, about half for ASCII."""
    out: list[dict[str, float | str]] = []
    for char in text:
        width = size * (0.5 if char.isascii() else 1.0)
        out.append({"text": char, "x0": x0, "x1": x0 + width, "top": top, "bottom": top + size, "size": size})
        x0 += width
    return out


def line(text: str, x0: float = 100.0) -> pdf._Line:
    (made,) = pdf._lines(chars(text, x0))
    return made


def test_the_first_unit_of_a_line_keeps_what_may_not_be_broken() -> None:
    assert pdf._first_unit_width(line("境。提高")) == 24.0  # 。 may not begin a line
    assert pdf._first_unit_width(line("中:30万元")) == 12 + 6 + 12  # :30 stays together
    assert pdf._first_unit_width(line("(长期)")) == 6 + 12  # an opening bracket goes with what follows
    assert pdf._first_unit_width(line("2022-01866 号")) == 10 * 6
    assert pdf._first_unit_width(line("项目")) == 12.0


def test_a_line_ended_short_of_the_edge_is_kept_and_a_wrapped_one_joined() -> None:
    previous = line("提高居民生活质量，营造安全舒适的居住环")
    right = previous.x1 + 20  # room for one more character, not for two
    assert pdf._wrapped(previous, line("境。"), right)
    assert not pdf._wrapped(previous, line("境"), right)
