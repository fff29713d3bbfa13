"""Nothing lost: every non-empty cell and text line of every example lands in a table or in unparsed.

The provenance table says where each claimed cell went; these tests check that claim against the
destination tables, so a cell cannot be "claimed" without its text really being there.
"""

from __future__ import annotations

import pandas as pd
import pytest

from budgetlib.extract.load import load_document
from tests.conftest import ALL_EXAMPLES, EXAMPLES, read_example

#: Destination columns that hold the source text verbatim.
VERBATIM = {
    ("projects", "project_name_as_written"), ("projects", "budget_as_written"),
    ("projects", "total_budget_as_written"), ("projects", "project_code"), ("projects", "category"),
    ("projects", "application_reason"), ("projects", "main_content"), ("projects", "cost_basis"),
    ("projects", "budget_change_text"), ("projects", "overall_goal"), ("projects", "annual_goal"),
    ("projects", "implementing_unit"), ("projects", "period"),
    ("funding", "source_as_written"), ("funding", "amount_as_written"),
    ("expenditures", "amount_as_written"), ("stated_totals", "as_written"),
    ("indicators", "target_text"), ("indicators", "actual_text"), ("indicators", "standard"),
    ("indicators", "deviation_reason"), ("indicators", "remark"), ("budget_execution", "reason"),
}
KEY_COLUMN = {"funding": "line_no", "expenditures": "line_no", "indicators": "indicator_no",
              "budget_execution": "line_no"}


def source_cells(name: str) -> set[tuple[int | None, int, int | None]]:
    cells: set[tuple[int | None, int, int | None]] = set()
    for document in load_document(EXAMPLES / name):
        for table in document.tables:
            for r, row in enumerate(table.rows):
                cells |= {(table.table_no, r, c) for c, text in enumerate(row) if text}
        cells |= {(None, line.line_no, None) for line in document.text_lines}
    return cells


def _key(row: pd.Series) -> tuple[int | None, int, int | None]:
    table_no = None if pd.isna(row["table_no"]) else int(row["table_no"])
    col = None if pd.isna(row["col"]) else int(row["col"])
    return (table_no, int(row["row"]), col)


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_every_source_cell_is_claimed_or_unparsed(name: str) -> None:
    forms = read_example(name)
    landed = {_key(r) for _, r in forms.provenance.iterrows()} | {_key(r) for _, r in forms.unparsed.iterrows()}
    missing = source_cells(name) - landed
    assert missing == set()


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_no_cell_is_both_claimed_and_unparsed(name: str) -> None:
    forms = read_example(name)
    claimed = {_key(r) for _, r in forms.provenance.iterrows()}
    unparsed = {_key(r) for _, r in forms.unparsed.iterrows()}
    assert claimed & unparsed == set()


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_claimed_text_is_really_in_its_destination(name: str) -> None:
    forms = read_example(name)
    checked = 0
    for _, claim in forms.provenance.iterrows():
        table, column = claim["dest_table"], claim["dest_column"]
        if table == "labels":
            continue
        df = getattr(forms, table)
        assert column in df.columns, (table, column)
        if (table, column) not in VERBATIM:
            continue
        if table in KEY_COLUMN and pd.notna(claim["dest_key"]) and claim["dest_key"].isdigit():
            df = df[df[KEY_COLUMN[table]] == int(claim["dest_key"])]
        assert claim["text"] in set(df[column].dropna()), (table, column, claim["text"])
        checked += 1
    assert checked >= 5


def test_seed_unparsed_is_empty_but_for_nothing() -> None:
    # the seed is fully understood: every cell is a label or a value of some table
    assert list(read_example("xinzhou-2020-e-gov-network-declaration.md").unparsed["text"]) == []
