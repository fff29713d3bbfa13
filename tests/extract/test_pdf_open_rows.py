"""A table row cut by a page break and drawn without a border along the cut (Chromium's print to PDF
leaves both pieces open) is read as one row, joined over the page break.

Before, the pieces were ruled on three sides only, so no cell was found there: the qingshen-2023 form
printed by Chromium lost its 足额保障率(参保率) indicator and the table's rows after it, which read
as loose text lines, then as a table of their own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.extract.pdf import _closing_lines
from tests.conftest import EXAMPLES
from tests.invariants.test_formats_identical import TABLES, _normalised

CHROMIUM = Path(__file__).parent.parent / "fixtures" / "office" / "pdf-chromium"


@pytest.mark.parametrize("table", [table for table in TABLES if table != "provenance"])
def test_a_form_whose_row_the_page_break_cut_reads_as_the_form(table: str) -> None:
    pdf = CHROMIUM / "qingshen-2023-wages-self-evaluation.pdf"
    read, expected = bl.read_form(pdf), bl.read_form(EXAMPLES / (pdf.stem + ".md"))
    pd.testing.assert_frame_equal(_normalised(read, table), _normalised(expected, table))


def edge(orientation: str, x0: float, top: float, x1: float, bottom: float) -> dict[str, object]:
    return {"orientation": orientation, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "width": x1 - x0, "height": bottom - top}


COLUMNS = [edge("v", x, 100, x, 700) for x in (50, 150, 300)]


def test_column_lines_ending_without_a_row_line_are_closed_at_both_ends() -> None:
    rows = [edge("h", 50, 300, 300, 300)]
    lines = _closing_lines(COLUMNS + rows)
    assert [(line["top"], line["x0"], line["x1"]) for line in lines] == [(700, 50, 300), (100, 50, 300)]


def test_a_closed_table_gets_no_line_and_the_ends_of_thin_border_rectangles_do_not_count() -> None:
    rows = [edge("h", 50, 100, 300, 100), edge("h", 50, 700, 300, 700)]
    assert _closing_lines(COLUMNS + rows) == []
    stubs = [edge("h", x, 700, x + 0.75, 700) for x in (50, 150, 300)]  # a rectangle's short sides
    assert [line["top"] for line in _closing_lines(COLUMNS + rows[:1] + stubs)] == [700]


def test_a_single_rule_is_not_a_table() -> None:
    assert _closing_lines([edge("v", 50, 100, 50, 700)]) == []
