"""From a document to the records of each form in it: segmentation, form type, the passes, leftovers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from budgetlib import vocabulary
from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.notices import CodedError, Notice
from budgetlib.schema import DEPARTMENT_FORM_TYPES, FORM_TYPES, PROJECT_FORM_TYPES
from budgetlib.transform.amounts import CAPITAL_MISMATCH, IMPLAUSIBLE_YUAN, parse_amount
from budgetlib.transform.blocks import indicator_header
from budgetlib.transform.context import FormContext, looks_numeric
from budgetlib.transform.cost_columns import price_text, reconcile_cost_sources
from budgetlib.transform.form import (
    budget_history,
    finish_project,
    is_page_metadata,
    is_title_text,
    read_blocks,
    read_label_values,
    read_page_metadata,
    read_prose,
    read_section_headings,
    read_text_lines,
)
from budgetlib.transform.indicator_table import warn_unread_tables
from budgetlib.transform.labels import match_label
from budgetlib.transform.money import EXECUTION_AMOUNTS, TASK_AMOUNTS, split_labelled_amount
from budgetlib.transform.normalize import compact
from budgetlib.transform.targets import complete_deadlines, is_undated, with_year
from budgetlib.vocabulary import words

OPENING_LABELS = frozenset({"project_name", "department_unit"})
"""The labels a form's header block starts with: where a file's next form begins."""


@dataclass(frozen=True, slots=True)
class TitleRule:
    """A row of ``data/form_types.csv``: a title matching ``pattern`` and not ``unless`` is a ``form_type``."""

    form_type: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None


@cache
def title_rules() -> tuple[TitleRule, ...]:
    """``data/form_types.csv`` in file order: the first rule that fits a form's title decides its type."""
    rules = []
    for row in vocabulary.table("form_types.csv"):
        if row["form_type"] not in FORM_TYPES:
            raise vocabulary.VocabularyError(f"data/form_types.csv: form type {row['form_type']!r} is not one of "
                                  f"{', '.join(FORM_TYPES)}")
        rules.append(TitleRule(row["form_type"], re.compile(row["pattern"]),
                               re.compile(row["unless"]) if row["unless"] else None))
    return tuple(rules)


class NoFormFound(CodedError):
    """A document with no recognisable form in it; the message names what was looked for, ``code`` is
    E_NO_TABLE or E_NO_FORM (data/notices.csv)."""


@dataclass
class FormRecords:
    """All rows one form produced, per table name, plus its warnings."""

    form_id: str
    source_file: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[Notice] = field(default_factory=list)


def _opens_form(table: Table) -> bool:
    """True when the table holds a form's header block: a 项目名称 or 部门（单位）名称 label near its top left."""
    for cells in table.rows[:12]:
        for text in cells[:6]:
            if text:
                label = match_label(text, "header")
                if label is not None and label.role == "field" and label.name in OPENING_LABELS:
                    return True
    return False


def _has_form_content(tables: list[Table], lines: list[TextLine]) -> bool:
    for table in tables:
        if _opens_form(table):
            return True
        if any(indicator_header(cells) for cells in table.rows):
            return True
    return any(_title_type(line.text) in DEPARTMENT_FORM_TYPES for line in lines if is_title_text(line.text))


def segment(document: Document) -> list[list[Table | TextLine]]:
    """Split a document into forms: a new form starts at a table with a 项目名称 (or 部门（单位）名称) label
    after the first.

    Text lines between two forms go to the next form when they look like its title (a heading or a
    line ending in 表, with or without its year), otherwise they stay with the form before (notes,
    signatures); so does a page-metadata table (索引号, 发文单位 …) just before the next form's title.
    """
    starts = []
    seen_project = False
    for index, block in enumerate(document.blocks):
        if isinstance(block, Table) and _opens_form(block):
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
        if cut - 1 > begin and cut < start and _is_metadata_block(document.blocks[cut - 1]):
            cut -= 1
        forms.append(list(document.blocks[begin:cut]))
        begin = cut
    forms.append(list(document.blocks[begin:]))
    return forms


def _title_like(block: Table | TextLine) -> bool:
    if not isinstance(block, TextLine):
        return False
    key = compact(block.text)
    return (bool(block.heading) or key.endswith("表") or is_title_text(block.text)
            or bool(re.match(r"^[(（]?(?:19|20)\d{2}年", key)))


def _is_metadata_block(block: Table | TextLine) -> bool:
    return isinstance(block, Table) and is_page_metadata(block)


def _title_type(title: str) -> str | None:
    """The form type ``data/form_types.csv`` gives a title, or None when no rule fits it."""
    key = compact(title)
    for rule in title_rules():
        if rule.pattern.search(key) and not (rule.unless and rule.unless.search(key)):
            return rule.form_type
    return None


def classify(ctx: FormContext, title: str) -> str:
    """The form type (:data:`FORM_TYPES`): from the title first, then from what the form holds.

    A form without a title that names a department (部门（单位）名称) and no project is a whole-department form.
    """
    by_title = _title_type(title)
    if by_title is not None:
        return by_title
    evaluated = bool(ctx.rows_of("budget_execution") or any(r.get("actual_text") for r in ctx.rows_of("indicators")))
    if _names_department(ctx) and not ctx.project.get("project_name"):
        return "department_self_evaluation" if evaluated else "department_target"
    if evaluated:
        return "self_evaluation"
    if ctx.rows_of("expenditures") or ctx.project.get("cost_basis") or ctx.project.get("application_reason"):
        return "declaration"
    return "target"


def _names_department(ctx: FormContext) -> bool:
    """True when the form has a 部门（单位）名称 label (the label of a whole-department form)."""
    return any(dest.column == "department_unit" for dests in ctx.claims.values() for dest in dests)


def extract_form(
    blocks: list[Table | TextLine], form_id: str, source_file: str, *, keep_provenance: bool = True
) -> FormRecords:
    """Read one form's blocks into records for every table (projects, funding, …, unparsed).

    ``keep_provenance=False`` skips building the provenance rows (a fifth of the reading time);
    claims are still tracked, so ``unparsed`` is the same either way.
    """
    tables = [block for block in blocks if isinstance(block, Table)]
    lines = [block for block in blocks if isinstance(block, TextLine)]
    if not tables:
        raise NoFormFound("E_NO_TABLE", "no table found in the file")
    metadata = frozenset(table.table_no for table in tables if is_page_metadata(table))
    form_tables = [table for table in tables if table.table_no not in metadata]
    if not _has_form_content(form_tables, lines):
        raise NoFormFound(
            "E_NO_FORM",
            "no budget form found: none of the tables has a 项目名称 label or an indicator table "
            "(一级指标/二级指标/指标值)"
        )
    ctx = FormContext(form_id=form_id, source_file=source_file, tables=tables, text_lines=lines)
    for table in tables:
        if table.table_no in metadata:
            read_page_metadata(ctx, table)
    prose = read_text_lines(ctx, blocks, metadata)
    for table in form_tables:
        read_blocks(ctx, table)
    unread_indicator_tables = warn_unread_tables(ctx, form_tables)
    for table in form_tables:
        read_label_values(ctx, table)
        read_section_headings(ctx, table)
    read_prose(ctx, prose)
    reconcile_cost_sources(ctx)
    form_type = classify(ctx, ctx.project.get("form_title") or "")
    finish_project(ctx, form_type)
    _finish_deadlines(ctx, tables)
    budget_history(ctx)
    ctx.project.pop("amount_unit_stated", None)
    project = {"source_file": source_file, "form_type": form_type, **ctx.project}
    ctx.add("projects", project)
    if not project.get("project_name") and form_type in PROJECT_FORM_TYPES:
        ctx.warn("W_NO_PROJECT_NAME", "", "no project name (项目名称) found: project_name is empty")
    _amount_warnings(ctx, tables)
    _unit_conflicts(ctx, tables)
    _leftovers(ctx, tables, lines)
    project["coverage"] = coverage(ctx, tables, lines)
    _unread_tables(ctx, [table for table in form_tables if table.table_no not in unread_indicator_tables])
    result = FormRecords(form_id, source_file, ctx.records, ctx.warnings)
    if keep_provenance:
        result.records["provenance"] = _provenance(ctx, tables, lines)
    return result


def coverage(ctx: FormContext, tables: list[Table], lines: list[TextLine]) -> float | None:
    """The share of the form's non-empty cells and text lines that went to a table other than ``unparsed``
    (labels that structured the form count as read); None for a form with nothing in it."""
    filled = sum(len(cells) - cells.count("") for table in tables for cells in table.rows) + len(lines)
    if not filled:
        return None
    return round(1 - len(ctx.rows_of("unparsed")) / filled, 4)


def _money_words() -> tuple[str, ...]:
    return words("money_table")


BLOCK_HEADINGS = ("execution column", "cost column", "funding column", "expenditure year heading",
                  "expenditure category heading", "task column", "budget row column")
"""How the money blocks claim their heading cells (``labels`` destinations): a row with one is a block's heading row."""


def _heading_rows(ctx: FormContext) -> set[tuple[int, int]]:
    """(table_no, row) of every heading row a money block read."""
    rows: set[tuple[int, int]] = set()
    for (table_no, row, _), dests in ctx.claims.items():
        if table_no is None or (table_no, row) in rows:
            continue
        for dest in dests:
            if dest.column.startswith(BLOCK_HEADINGS):
                rows.add((table_no, row))
                break
    return rows


def _is_unread_money(text: str) -> bool:
    """A figure ("3,000.00", "83.5%") or a funds line with its amount ("年度资金总额:16") left unparsed."""
    if looks_numeric(text) and parse_amount(text).number is not None:
        return True
    labelled = split_labelled_amount(text)
    return labelled is not None and bool(labelled.amount)


def _unread_tables(ctx: FormContext, tables: list[Table]) -> None:
    """W_TABLE_UNREAD for each table that holds money words (资金, 预算, 金额, 执行数 …) and left unread
    figures, funds lines with their amounts, or cells of a money block's heading row: a funds or budget
    table whose headings the vocabulary does not know is said so, never dropped in silence. The message
    names the money headings seen and counts what was left."""
    heading_rows = _heading_rows(ctx)
    unread: dict[int, list[str]] = {}
    for record in ctx.rows_of("unparsed"):
        table_no = record.get("table_no")
        text = record.get("text") or ""
        if table_no is not None and ((table_no, record.get("row")) in heading_rows or _is_unread_money(text)):
            unread.setdefault(table_no, []).append(text)
    for table in tables:
        left = unread.get(table.table_no)
        if not left:
            continue
        headings = list(dict.fromkeys(
            text for cells in table.rows for text in cells
            if text and len(compact(text)) <= 20 and any(word in text for word in _money_words())
        ))
        if not headings:
            continue
        shown = "、".join(headings[:6]) + ("…" if len(headings) > 6 else "")
        ctx.warn("W_TABLE_UNREAD", table.origin or f"table {table.table_no}",
                 f"a table with money headings ({shown}) has {len(left)} cell(s) no table took, such as "
                 f"{left[0]!r}: see unparsed")


@dataclass(frozen=True, slots=True)
class MoneyColumn:
    """An amount a form states: its table, the column with the text as written, and its 元 column."""

    table: str
    as_written: str
    yuan: str
    per_unit: bool = False
    """A unit price: the text may say what it is per ("6000元/台"), which is read off before the amount."""


MONEY_COLUMNS: tuple[MoneyColumn, ...] = (
    MoneyColumn("projects", "budget_as_written", "current_year_budget_yuan"),
    MoneyColumn("projects", "total_budget_as_written", "total_budget_yuan"),
    MoneyColumn("funding", "amount_as_written", "amount_yuan"),
    MoneyColumn("expenditures", "amount_as_written", "amount_yuan"),
    *(MoneyColumn("budget_execution", f"{column}_as_written", f"{column}_yuan") for column in EXECUTION_AMOUNTS),
    *(MoneyColumn("tasks", f"{column}_as_written", f"{column}_yuan") for column in TASK_AMOUNTS),
    MoneyColumn("cost_items", "stated_amount_as_written", "stated_amount_yuan"),
    MoneyColumn("cost_items", "unit_price_as_written", "unit_price_yuan", per_unit=True),
)
"""Every amount read from a form."""


def _amount_warnings(ctx: FormContext, tables: list[Table]) -> None:
    """Warn about amounts that are kept as written but could not be read, or read doubtfully.

    Text that is no amount ("abc", "1e308", "1,2,3") or is negative or implausibly large gets a
    warning at its cell; figures without any stated unit (so ``*_yuan`` stays empty) get one warning
    for the form, since a form without a unit line has dozens of them.
    """
    origins: dict[tuple[str, str, str | None, str | None], str] = {}

    def origin_of(*key: Any) -> str:
        if not origins:  # built only when a warning needs it: most forms have none
            origins.update(_value_origins(ctx, tables))
        return origins.get(key, "")

    conflicted = {text for texts in ctx.unit_conflicts.values() for text in texts}
    no_unit: list[str] = []
    for money in MONEY_COLUMNS:
        for record in [ctx.project] if money.table == "projects" else ctx.rows_of(money.table):
            text = record.get(money.as_written)
            if not text:
                continue
            amount = parse_amount(price_text(text) if money.per_unit else text)
            yuan = record.get(money.yuan)
            key = None if money.table == "projects" else str(
                record.get("line_no") or record.get("task_no") or record.get("item_no") or "total")
            what = f"{money.table}.{money.as_written} {_shown(text)}"
            where = (money.table, money.as_written, key, text)
            if amount.problem in ("not an amount", "not a finite number"):
                ctx.warn("W_NOT_AN_AMOUNT", origin_of(*where),
                         f"{what} is not an amount: kept as written, {money.yuan} is empty")
            elif amount.problem == CAPITAL_MISMATCH:
                ctx.warn("W_CAPITAL_MISMATCH", origin_of(*where),
                         f"{what}: the amount in words (大写) and in figures (小写) disagree; {money.yuan} is empty")
            elif amount.problem == "negative amount":
                ctx.warn("W_NEGATIVE_AMOUNT", origin_of(*where), f"{what} is a negative amount")
            elif yuan is not None and yuan > IMPLAUSIBLE_YUAN:
                ctx.warn("W_IMPLAUSIBLE_AMOUNT", origin_of(*where), f"{what} is implausibly large ({yuan:,.0f} 元)")
            elif yuan is None and amount.number is not None and text not in conflicted:
                no_unit.append(text)
    if no_unit:
        ctx.warn("W_NO_MONEY_UNIT", "",
                 f"no money unit (元/万元) stated for {len(no_unit)} amount(s) such as {_shown(no_unit[0])}: "
                 "kept as written, their *_yuan columns are empty")


def _unit_conflicts(ctx: FormContext, tables: list[Table]) -> None:
    """W_UNIT_CONFLICT once for each pair of units stated for the same amounts, at the unit row (or table)."""
    origins = {table.table_no: table.origin for table in tables}
    for conflict, texts in ctx.unit_conflicts.items():
        origin = origins.get(conflict.table_no) or f"table {conflict.table_no}"
        where = f"{origin}, row {conflict.row + 1}".lstrip(", ") if conflict.row is not None else origin
        block = (f"the unit row {conflict.block_text!r}" if conflict.row is not None
                 else "the unit line above the table") + f" states {conflict.block_unit}"
        shown = list(dict.fromkeys(texts))
        ctx.warn("W_UNIT_CONFLICT", where,
                 f"{block}, the heading {conflict.label_text!r} states {conflict.label_unit}: {len(shown)} amount(s) "
                 f"such as {_shown(shown[0])} kept as written, their *_yuan columns are empty")


def _finish_deadlines(ctx: FormContext, tables: list[Table]) -> None:
    """Deadlines without a year ("12月底前") end in the form's fiscal year; dates that do not exist are warned of."""
    notes = complete_deadlines(ctx.rows_of("indicators"), ctx.project.get("fiscal_year"))
    if notes:
        origins = _value_origins(ctx, tables)
        texts = {str(r.get("indicator_no")): r.get("target_text") for r in ctx.rows_of("indicators")}
        for note in notes:
            key = str(note.indicator_no)
            ctx.warn(note.code, origins.get(("indicators", "target_text", key, texts.get(key)), ""),
                     f"indicators {key}: {note.message}")
    end = ctx.project.get("period_end")
    if is_undated(end) and isinstance(ctx.project.get("fiscal_year"), int):
        ctx.project["period_end"] = with_year(end, ctx.project["fiscal_year"])


def _shown(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _value_origins(ctx: FormContext, tables: list[Table]) -> dict[tuple[str, str, str | None, str | None], str]:
    """Where each claimed value came from, by (table, column, row key, text): for warnings' locations."""
    by_table = {table.table_no: table for table in tables}
    origins: dict[tuple[str, str, str | None, str | None], str] = {}
    for (table_no, row, col), destinations in ctx.claims.items():
        table = by_table.get(table_no) if table_no is not None else None
        if table is None or col is None:
            continue
        origin = f"{table.origin}, row {row + 1}, column {col + 1}".lstrip(", ")
        for dest in destinations:
            origins.setdefault((dest.table, dest.column, dest.key, table.cell(row, col)), origin)
    return origins


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
    form_id = ctx.form_id
    out = []
    for (table_no, row, col), destinations in ctx.claims.items():
        if table_no is None:
            line = by_line.get(row)
            text = line.text if line else ""
        else:
            rows = by_table[table_no].rows  # Table.cell, inline: a call for every claim of every form
            cells = rows[row] if 0 <= row < len(rows) else ()
            text = cells[col or 0] if 0 <= (col or 0) < len(cells) else ""
        if not text:
            continue
        for dest_table, dest_column, dest_key in destinations:
            out.append({"form_id": form_id, "table_no": table_no, "row": row, "col": col, "text": text,
                        "dest_table": dest_table, "dest_column": dest_column, "dest_key": dest_key})
    return out
