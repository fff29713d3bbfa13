"""From a document to the records of each form in it: segmentation, form type, the passes, leftovers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.transform.context import FormContext
from budgetlib.transform.form import (
    budget_history,
    finish_project,
    read_blocks,
    read_label_values,
    read_text_lines,
)
from budgetlib.transform.indicators import indicator_header
from budgetlib.transform.labels import match_label
from budgetlib.transform.normalize import compact

FORM_TYPES = ("declaration", "target", "self_evaluation")

_SELF_EVALUATION = re.compile(r"自评|自我评价")
_DECLARATION = re.compile(r"项目申报及绩效目标|项目申报表|项目申报书|项目申报及|预算项目申报")
_TARGET = re.compile(r"绩效目标")


class NoFormFound(ValueError):
    """A document with no recognisable form in it; the message names what was looked for."""


@dataclass
class FormRecords:
    """All rows one form produced, per table name, plus its warnings."""

    form_id: str
    source_file: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def _has_project_label(table: Table) -> bool:
    for cells in table.rows[:12]:
        for text in cells[:6]:
            if text:
                label = match_label(text, "header")
                if label is not None and label.name == "project_name":
                    return True
    return False


def _has_form_content(tables: list[Table]) -> bool:
    for table in tables:
        if _has_project_label(table):
            return True
        if any(indicator_header(cells) for cells in table.rows):
            return True
    return False


def segment(document: Document) -> list[list[Table | TextLine]]:
    """Split a document into forms: a new form starts at a table with a 项目名称 label after the first.

    Text lines between two forms go to the next form when they look like its title (a heading or a
    line ending in 表), otherwise they stay with the form before (notes, signatures).
    """
    starts = []
    seen_project = False
    for index, block in enumerate(document.blocks):
        if isinstance(block, Table) and _has_project_label(block):
            if seen_project:
                starts.append(index)
            seen_project = True
    if not starts:
        return [list(document.blocks)]
    forms: list[list[Table | TextLine]] = []
    begin = 0
    for start in starts:
        cut = start
        while cut - 1 > begin and _title_like(document.blocks[cut - 1]):
            cut -= 1
        forms.append(list(document.blocks[begin:cut]))
        begin = cut
    forms.append(list(document.blocks[begin:]))
    return forms


def _title_like(block: Table | TextLine) -> bool:
    if not isinstance(block, TextLine):
        return False
    key = compact(block.text)
    return bool(block.heading) or key.endswith("表") or bool(re.match(r"^[(（]?(?:19|20)\d{2}年", key))


def classify(ctx: FormContext, title: str) -> str:
    """declaration, target or self_evaluation: from the title first, then from what the form holds."""
    key = compact(title)
    if _SELF_EVALUATION.search(key):
        return "self_evaluation"
    if _DECLARATION.search(key) and "绩效目标申报" not in key:
        return "declaration"
    if _TARGET.search(key):
        return "target"
    if ctx.rows_of("budget_execution") or any(r.get("actual_text") for r in ctx.rows_of("indicators")):
        return "self_evaluation"
    if ctx.rows_of("expenditures") or ctx.project.get("cost_basis") or ctx.project.get("application_reason"):
        return "declaration"
    return "target"


def extract_form(blocks: list[Table | TextLine], form_id: str, source_file: str) -> FormRecords:
    """Read one form's blocks into records for every table (projects, funding, …, unparsed)."""
    tables = [block for block in blocks if isinstance(block, Table)]
    lines = [block for block in blocks if isinstance(block, TextLine)]
    if not tables:
        raise NoFormFound("no table found in the file")
    if not _has_form_content(tables):
        raise NoFormFound(
            "no budget form found: none of the tables has a 项目名称 label or an indicator table "
            "(一级指标/二级指标/指标值)"
        )
    ctx = FormContext(form_id=form_id, source_file=source_file, tables=tables, text_lines=lines)
    read_text_lines(ctx, blocks)
    for table in tables:
        read_blocks(ctx, table)
    for table in tables:
        read_label_values(ctx, table)
    form_type = classify(ctx, ctx.project.get("form_title") or "")
    finish_project(ctx, form_type)
    budget_history(ctx)
    ctx.project.pop("amount_unit_stated", None)
    project = {"source_file": source_file, "form_type": form_type, **ctx.project}
    ctx.add("projects", project)
    _leftovers(ctx, tables, lines)
    result = FormRecords(form_id, source_file, ctx.records, ctx.warnings)
    result.records["provenance"] = _provenance(ctx, tables, lines)
    return result


def _leftovers(ctx: FormContext, tables: list[Table], lines: list[TextLine]) -> None:
    for table in tables:
        for row, cells in enumerate(table.rows):
            for col, text in enumerate(cells):
                if text and (table.table_no, row, col) not in ctx.claims:
                    ctx.add("unparsed", {
                        "source_file": ctx.source_file, "table_no": table.table_no, "row": row, "col": col,
                        "text": text, "origin": f"{table.origin}, row {row + 1}, column {col + 1}".lstrip(", "),
                    })
    for line in lines:
        if (None, line.line_no, None) not in ctx.claims:
            ctx.add("unparsed", {
                "source_file": ctx.source_file, "table_no": None, "row": line.line_no, "col": None,
                "text": line.text, "origin": line.origin,
            })


def _provenance(ctx: FormContext, tables: list[Table], lines: list[TextLine]) -> list[dict[str, Any]]:
    by_table = {table.table_no: table for table in tables}
    by_line = {line.line_no: line for line in lines}
    out = []
    for (table_no, row, col), destinations in ctx.claims.items():
        if table_no is None:
            line = by_line.get(row)
            text = line.text if line else ""
        else:
            text = by_table[table_no].cell(row, col or 0)
        if not text:
            continue
        for dest in destinations:
            out.append({
                "form_id": ctx.form_id, "table_no": table_no, "row": row, "col": col, "text": text,
                "dest_table": dest.table, "dest_column": dest.column, "dest_key": dest.key,
            })
    return out
