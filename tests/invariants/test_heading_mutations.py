"""Mutations of the indicator headings of the thirteen real examples.

* Every heading of every example's indicator table replaced by each of its synonyms (the headings of
  tests/transform/test_indicator_headers.py, seen in real forms or not) gives the same indicators table.
* Every heading replaced by an unknown word gives a warning that names it (``W_TABLE_UNREAD`` when the
  table can no longer be read, ``W_COLUMN_UNREAD`` when only that column is lost), never silence.

A heading keeps its horizon marker ("三级指标(长期)" → "指标名称(长期)"); synonyms that carry a horizon word
of their own are used only on headings without one. The forms are read in memory (document → segment →
extract_form), which is what ``read_form`` does after loading the file.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from budgetlib.extract.document import Document, Table
from budgetlib.extract.load import load_document
from budgetlib.transform.assemble import FormRecords, extract_form, segment
from budgetlib.transform.labels import horizon_words
from tests.conftest import EXAMPLES, OFFICE_EXAMPLES
from tests.transform.test_indicator_headers import SEEN, UNSEEN

UNKNOWN = "甲乙丙"
_MARKER = re.compile(r"[(（][^()（）]*[)）]$")


def synonyms(role: str) -> list[str]:
    return sorted({text for text, found in SEEN + UNSEEN if found == role})


@dataclass(frozen=True)
class Heading:
    """An indicator heading cell of an example: where it is, its text and its role."""

    table_no: int
    row: int
    col: int
    text: str
    role: str


@cache
def document(name: str) -> Document:
    return load_document(EXAMPLES / name)[0]


def read(doc: Document) -> list[FormRecords]:
    return [extract_form(blocks, f"x#{index}", "x", keep_provenance=index == 0)
            for index, blocks in enumerate(segment(doc))]


@cache
def baseline(name: str) -> tuple[list[dict[str, Any]], tuple[Heading, ...]]:
    """The example's indicators and its indicator heading cells (as the reader claimed them)."""
    forms = read(document(name))
    indicators = [row for form in forms for row in form.records.get("indicators", [])]
    tables = {block.table_no: block for block in document(name).blocks if isinstance(block, Table)}
    headings = []
    for row in forms[0].records["provenance"]:
        column = row["dest_column"]
        if row["dest_table"] == "labels" and column.startswith("indicator column "):
            table = tables[row["table_no"]]
            headings.append(Heading(row["table_no"], row["row"], row["col"], table.cell(row["row"], row["col"]),
                                    column.removeprefix("indicator column ")))
    return indicators, tuple(sorted(set(headings), key=lambda h: (h.table_no, h.row, h.col)))


def replaced(name: str, heading: Heading, text: str) -> Document:
    doc = copy.deepcopy(document(name))
    table = next(block for block in doc.blocks if isinstance(block, Table) and block.table_no == heading.table_no)
    table.rows[heading.row][heading.col] = text
    return doc


def _has_horizon_word(text: str) -> bool:
    return any(word in text for horizon in ("long_term", "annual") for word in horizon_words(horizon))


def variants(heading: Heading) -> Iterator[str]:
    """The heading written with each synonym of its role, its horizon marker kept."""
    marker = _MARKER.search(heading.text.replace("\n", ""))
    suffix = marker.group(0) if marker and _has_horizon_word(marker.group(0)) else ""
    for synonym in synonyms(heading.role):
        if suffix and (_MARKER.search(synonym) or _has_horizon_word(synonym)):
            continue
        if _has_horizon_word(synonym) and "长期" in synonym:
            continue
        text = synonym + suffix
        if text != heading.text:
            yield text


def test_every_example_has_its_headings() -> None:
    assert len(OFFICE_EXAMPLES) == 13
    for name in OFFICE_EXAMPLES:
        indicators, headings = baseline(name)
        assert indicators, name
        roles = {heading.role for heading in headings}
        assert {"target"} <= roles and len(roles & {"level1", "level2", "name"}) >= 2, name


@pytest.mark.parametrize("name", OFFICE_EXAMPLES)
def test_synonyms_give_the_same_indicators(name: str) -> None:
    indicators, headings = baseline(name)
    tried = 0
    for heading in headings:
        for text in variants(heading):
            got = [row for form in read(replaced(name, heading, text)) for row in form.records.get("indicators", [])]
            assert got == indicators, f"{heading.text!r} → {text!r} changes the indicators"
            tried += 1
    assert tried >= 3 * len(headings)


@pytest.mark.parametrize("name", OFFICE_EXAMPLES)
def test_an_unknown_heading_is_never_silent(name: str) -> None:
    indicators, headings = baseline(name)
    for heading in headings:
        forms = read(replaced(name, heading, UNKNOWN))
        warnings = [notice for form in forms for notice in form.warnings
                    if notice.code in ("W_TABLE_UNREAD", "W_COLUMN_UNREAD") and UNKNOWN in notice.message]
        assert warnings, f"{heading.text!r} → {UNKNOWN!r}: no warning names it"
        got = [row for form in forms for row in form.records.get("indicators", [])]
        if not got:
            assert {notice.code for notice in warnings} == {"W_TABLE_UNREAD"}, heading
        if any(notice.code == "W_TABLE_UNREAD" for notice in warnings):
            assert len(got) < len(indicators) or not got, heading
