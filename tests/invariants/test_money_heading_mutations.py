"""Mutations of the headings of the thirteen real examples' money tables (budget execution, funding, cost
composition, expenditures by economic category).

* Every column heading a money block read, replaced by each synonym of its role (the spellings real forms
  use, listed below), gives the same tables: projects, funding, budget execution, expenditures, cost items,
  budget history, tasks, and the same cells left unparsed (where a table quotes the heading as written,
  an expenditure's ``column_label``, the quote is the new text).
* Every such heading replaced by an unknown word is never silent: the form gets a ``W_TABLE_UNREAD`` warning
  for that table (its figures or its heading row were left unread), or the tables stay the same (a column
  whose heading only decorates, such as 原因, may go to ``unparsed`` with the table read all the same).

A heading keeps a marker such as "(A)" or "(B/A)" ("全年预算数(A)" → "年度预算数(A)"). The forms are read in
memory (document → segment → extract_form), which is what ``read_form`` does after loading the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from budgetlib.extract.document import Document, Table
from budgetlib.transform.assemble import FormRecords, extract_form, segment
from tests.conftest import OFFICE_EXAMPLES
from tests.invariants.test_heading_mutations import Heading, document, replaced

UNKNOWN = "甲乙丙"

BLOCKS = ("execution column ", "funding column ", "cost column ", "expenditure category heading")
"""How the money blocks name the heading cells they read (``provenance.dest_column``)."""

SYNONYMS: dict[str, tuple[str, ...]] = {
    "execution column initial_budget": ("年初预算数", "年初预算", "年初批复预算数"),
    "execution column full_year_budget": ("全年预算数", "全年预算", "全年数", "年度预算数"),
    "execution column adjusted_budget": ("调整后预算数", "调整后预算", "调整预算数"),
    "execution column executed": ("全年执行数", "执行数", "预算执行数", "实际支出数", "实际执行数"),
    "execution column execution_rate": ("执行率", "预算执行率"),
    "execution column weight": ("分值", "权重"),
    "execution column score": ("得分",),
    "execution column reason": ("原因", "偏差原因", "原因分析", "原因说明"),
    "funding column source_name": ("资金来源项目", "资金来源"),
    "funding column amount": ("金额", "预算金额", "资金金额", "预算数"),
    "cost column line": ("项目预算成本构成", "成本构成", "成本项目", "成本明细", "费用构成"),
    "cost column amount": ("金额", "预算金额", "预算数"),
    "cost column basis": ("测算(公式)依据", "测算依据", "计算依据", "测算方法"),
    "expenditure category heading": ("经济科目款名称", "经济科目", "经济分类", "支出经济分类", "科目名称"),
}
"""The spellings of each money heading role, as forms of the family write them."""

COMPARED = ("projects", "funding", "budget_execution", "expenditures", "cost_items", "budget_history", "tasks",
            "unparsed")
QUOTING = ("column_label", "note")
"""Columns that quote a heading as written."""
_MARKER = re.compile(r"[(（][A-Za-z/]+[)）]$")


def read(doc: Document) -> list[FormRecords]:
    return [extract_form(blocks, f"x#{index}", "x") for index, blocks in enumerate(segment(doc))]


def tables_of(forms: list[FormRecords]) -> dict[str, list[dict[str, Any]]]:
    return {name: [row for form in forms for row in form.records.get(name, [])] for name in COMPARED}


@cache
def baseline(name: str) -> tuple[dict[str, list[dict[str, Any]]], tuple[Heading, ...]]:
    """The example's tables and the heading cells its money blocks read."""
    forms = read(document(name))
    cells = {block.table_no: block for block in document(name).blocks if isinstance(block, Table)}
    headings = {
        Heading(row["table_no"], row["row"], row["col"], cells[row["table_no"]].cell(row["row"], row["col"]),
                row["dest_column"])
        for form in forms for row in form.records["provenance"]
        if row["dest_table"] == "labels" and row["dest_column"].startswith(BLOCKS)
    }
    return tables_of(forms), tuple(sorted(headings, key=lambda h: (h.table_no, h.row, h.col)))


def variants(heading: Heading) -> Iterator[str]:
    """The heading written with each synonym of its role, its marker ("(A)", "(B/A)") kept."""
    marker = _MARKER.search(heading.text)
    suffix = marker.group(0) if marker else ""
    for synonym in SYNONYMS.get(heading.role, ()):
        text = synonym + suffix
        if text != heading.text:
            yield text


def as_first_written(tables: dict[str, list[dict[str, Any]]], new: str, old: str) -> dict[str, list[dict[str, Any]]]:
    """The tables with the replaced heading's text put back where they quote it (an expenditure's
    ``column_label``, a note naming the column): the source text is kept beside the values, so it differs."""
    return {name: [{key: value.replace(new, old) if key in QUOTING and isinstance(value, str) else value
                    for key, value in row.items()} for row in rows] for name, rows in tables.items()}


def test_the_examples_have_money_headings_of_every_block() -> None:
    found = {heading.role for name in OFFICE_EXAMPLES for heading in baseline(name)[1]}
    assert {"execution column executed", "cost column basis", "expenditure category heading"} <= found
    assert found <= set(SYNONYMS) | {role for role in found if role.startswith("cost column actual")}


@pytest.mark.parametrize("name", OFFICE_EXAMPLES)
def test_synonyms_give_the_same_tables(name: str) -> None:
    tables, headings = baseline(name)
    for heading in headings:
        for text in variants(heading):
            got = as_first_written(tables_of(read(replaced(name, heading, text))), text, heading.text)
            changed = [table for table in COMPARED if got[table] != tables[table]]
            assert changed == [], f"{heading.text!r} → {text!r} changes {changed}"


@pytest.mark.parametrize("name", OFFICE_EXAMPLES)
def test_an_unknown_money_heading_is_never_silent(name: str) -> None:
    tables, headings = baseline(name)
    for heading in headings:
        forms = read(replaced(name, heading, UNKNOWN))
        got = tables_of(forms)
        lost = [table for table in COMPARED if table != "unparsed" and got[table] != tables[table]]
        if lost:
            warned = [notice for form in forms for notice in form.warnings if notice.code == "W_TABLE_UNREAD"]
            assert warned, f"{heading.text!r} → {UNKNOWN!r} changes {lost} without a W_TABLE_UNREAD warning"
        else:
            assert any(row["text"] == UNKNOWN for row in got["unparsed"]), heading
