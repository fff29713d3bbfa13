"""Funds and budget tables are read by the meaning of their headings, and never dropped in silence.

Every heading of the money blocks of the thirteen examples and the whole-department fixtures (the
budget-execution columns, the funding columns, the expenditure and cost-composition columns, the task
columns, the block's section label) is replaced, in the read document, by each word real forms use for
the same column: the tables must stay the same. Replaced by a word no vocabulary knows, the tables stay
the same (the block is read by position) or the form says so with W_TABLE_UNREAD: never a silent loss.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from budgetlib import schema
from budgetlib.extract.document import Document, Table
from budgetlib.extract.load import load_document
from budgetlib.transform.amounts import unit_stated_in
from budgetlib.transform.assemble import extract_form, segment
from budgetlib.transform.labels import match_label
from tests.conftest import EXAMPLES, FIXTURES, OFFICE_EXAMPLES

FILES = [EXAMPLES / name for name in OFFICE_EXAMPLES] + sorted((FIXTURES / "department").glob("*.md"))

SYNONYMS: dict[str, tuple[str, ...]] = {
    "execution initial_budget": ("年初预算数", "年初预算", "年初批复预算数"),
    "execution full_year_budget": ("全年预算数", "全年预算", "年度预算数", "全年数"),
    "execution adjusted_budget": ("调整后预算数", "调整后预算", "调整预算数"),
    "execution executed": ("全年执行数", "执行数", "预算执行数", "实际支出数", "实际执行数"),
    "execution execution_rate": ("执行率", "预算执行率", "执行率(B/A)", "执行率(%)"),
    "execution weight": ("分值", "权重"),
    "execution score": ("得分",),
    "execution reason": ("原因", "偏差原因", "原因说明", "原因分析"),
    "funding source_name": ("资金来源项目", "资金来源", "来源", "项目"),
    "funding amount": ("金额", "预算金额", "预算数", "资金金额"),
    "expenditure category": ("经济科目", "经济分类", "科目名称", "支出科目", "明细科目"),
    "cost line": ("项目预算成本构成", "成本构成", "费用项目", "支出明细"),
    "cost amount": ("金额", "预算金额", "预算数"),
    "cost basis": ("测算(公式)依据", "测算依据", "计算依据", "测算依据及说明"),
    "task task_name": ("任务名称", "主要任务", "工作任务"),
    "task content": ("主要内容", "任务内容", "具体内容"),
    "task amount": ("预算金额", "金额", "总额", "预算数"),
    "task fiscal_amount": ("财政拨款", "财政资金"),
    "task other_amount": ("其他资金",),
    "section project_funds": ("项目资金", "资金情况", "项目资金情况", "资金来源情况"),
    "section funding_sources": ("项目资金来源", "资金来源"),
    "section execution": ("项目资金", "资金情况", "预算执行情况", "年度预算执行情况"),
    "section department_funds": ("部门（单位）总体资金情况", "部门整体资金情况", "部门资金情况"),
}
"""A heading's role → the words published forms use for it (each must be in the vocabulary: checked below)."""

YEAR_SYNONYMS = ("{year}年实际执行数", "{year}年执行数", "{year}年实际支出数", "{year}年度决算数")
"""A cost-composition table's prior-year column: the year stays, the words change."""

UNKNOWN = "甲乙丙丁"

_SUFFIX = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")
_YEAR = re.compile(r"((?:19|20)\d{2})")


def _role(dest_column: str, text: str) -> str | None:
    """The role of a heading cell from the way its block claimed it (None: not a money heading)."""
    if dest_column.startswith("execution column "):
        return "execution " + dest_column.removeprefix("execution column ")
    if dest_column == "funding column":
        label = match_label(text, "funding_col")
        return f"funding {label.name}" if label is not None else None
    if dest_column == "expenditure category heading":
        return "expenditure category"
    if dest_column.startswith("cost column "):
        return "cost " + dest_column.removeprefix("cost column ")
    if dest_column.startswith("task column "):
        return "task " + dest_column.removeprefix("task column ")
    sections = {"project funds": "project_funds", "funding sources": "funding_sources",
                "execution section": "execution", "department funds": "department_funds"}
    return f"section {sections[dest_column]}" if dest_column in sections else None


def _replacements(role: str, text: str) -> tuple[str, ...]:
    """The words to put in place of a heading: the unit or points it states ("(万元)", "(10分)") stay."""
    if role == "cost actual":
        year = _YEAR.search(text)
        return tuple(word.format(year=year.group(1)) for word in YEAR_SYNONYMS) if year else ()
    words = SYNONYMS.get(role, ())
    suffix = _SUFFIX.search(text)
    if suffix and (role.startswith("section ") or unit_stated_in(text)):
        return tuple(word + suffix.group(0).strip() for word in words)
    return words


@cache
def _documents(path: Path) -> tuple[Document, ...]:
    return tuple(load_document(path, path.name))


def _read(documents: tuple[Document, ...] | list[Document], name: str) -> dict[str, pd.DataFrame]:
    records: dict[str, list[dict[str, Any]]] = {}
    index = 0
    for document in documents:
        for blocks in segment(document):
            form = extract_form(blocks, f"{name}#{index}", name)
            for table, rows in form.records.items():
                records.setdefault(table, []).extend(rows)
            records.setdefault("warnings", []).extend(
                {"form_id": form.form_id, "source_file": name, "code": n.code, "message": n.message}
                for n in form.warnings
            )
            index += 1
    return {table: schema.frame(table, rows) for table, rows in records.items()}


@cache
def _original(path: Path) -> dict[str, pd.DataFrame]:
    return _read(_documents(path), path.name)


COMPARED = {
    "projects": ("form_title",), "funding": (), "expenditures": ("column_label",), "budget_execution": (),
    "stated_totals": ("label",), "cost_items": (), "tasks": (), "budget_history": ("note",), "unparsed": (),
    "warnings": ("message",),
}
"""The tables a heading's word may not change, and their columns that carry a heading's own text."""


def _tables(read: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {}
    for table, drop in COMPARED.items():
        df = read.get(table, schema.empty_frame(table))
        out[table] = df.drop(columns=[c for c in drop if c in df.columns]).reset_index(drop=True)
    return out


def _headings(path: Path) -> list[tuple[int, int, int, str, str]]:
    """(part, table_no, row, col, role) of every money heading of the file."""
    provenance = _original(path)["provenance"]
    labels = provenance[provenance["dest_table"] == "labels"]
    found = []
    for row in labels.itertuples():
        role = _role(row.dest_column, row.text)
        if role is not None and _replacements(role, row.text):
            found.append((int(row.table_no), int(row.row), int(row.col), row.text, role))
    return sorted(set(found))


def _mutated(path: Path, table_no: int, row: int, col: int, text: str) -> list[Document]:
    documents = copy.deepcopy(list(_documents(path)))
    for document in documents:
        for block in document.blocks:
            if isinstance(block, Table) and block.table_no == table_no:
                block.rows[row][col] = text
    return documents


def test_every_synonym_is_in_the_vocabulary() -> None:
    contexts = {"execution": "execution_col", "funding": "funding_col", "expenditure": "expenditure_col",
                "cost": "cost_col", "task": "task_col"}
    for role, words in SYNONYMS.items():
        kind, name = role.split(" ", 1)
        for word in words:
            if kind == "section":  # the label beside an execution heading row is any section label
                label = match_label(word, "header")
                assert label is not None and label.role == "section", (role, word)
                assert label.name == name or name == "execution", (role, word)
                continue
            label = match_label(word, contexts[kind])
            expected = "economic_category" if role == "expenditure category" else name
            assert label is not None and label.name == expected, (role, word)
    for word in YEAR_SYNONYMS:
        label = match_label(word.format(year=2020), "cost_col")
        assert label is not None and label.name == "actual", word


def test_the_examples_have_money_headings_of_every_kind() -> None:
    roles = {role for path in FILES for *_, role in _headings(path)}
    assert {"execution initial_budget", "execution full_year_budget", "execution adjusted_budget",
            "execution executed", "execution execution_rate", "execution weight", "execution score",
            "execution reason", "funding source_name", "funding amount", "expenditure category", "cost line",
            "cost amount", "cost basis", "cost actual", "task task_name", "task amount", "task fiscal_amount",
            "section project_funds", "section funding_sources", "section execution",
            "section department_funds"} <= roles


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_heading_replaced_by_a_synonym_gives_the_same_tables(path: Path) -> None:
    expected = _tables(_original(path))
    for table_no, row, col, text, role in _headings(path):
        for word in _replacements(role, text):
            got = _tables(_read(_mutated(path, table_no, row, col, word), path.name))
            for table, frame in expected.items():
                pd.testing.assert_frame_equal(got[table], frame, obj=f"{table} after {text!r} → {word!r}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_heading_replaced_by_an_unknown_word_is_never_silent(path: Path) -> None:
    expected = _tables(_original(path))
    for table_no, row, col, text, role in _headings(path):
        suffix = _SUFFIX.search(text) if role.startswith("section ") or unit_stated_in(text) else None
        read = _read(_mutated(path, table_no, row, col, UNKNOWN + (suffix.group(0) if suffix else "")), path.name)
        got = _tables(read)
        unchanged = all(got[table].equals(frame) for table, frame in expected.items() if table != "unparsed")
        warned = "W_TABLE_UNREAD" in set(read.get("warnings", schema.empty_frame("warnings"))["code"])
        assert unchanged or warned, f"{path.name}: {text!r} ({role}) → {UNKNOWN!r} changed the tables in silence"
