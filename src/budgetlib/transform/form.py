"""Read one form: blocks first, then label/value pairs, then titles and units, then history.

The order matters: blocks with their own rows (indicators, funding, execution, expenditures) claim
their cells before the label/value pass, so that a value search never wanders into a block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from budgetlib.extract.document import Table, TextLine
from budgetlib.transform.amounts import parse_amount, unit_line, unit_stated_in
from budgetlib.transform.blocks import (
    budget_row_header,
    execution_header,
    expenditure_header,
    heading_text,
    indicator_header,
    is_section_start,
    section_heading,
    section_start,
)
from budgetlib.transform.context import (
    CellKey,
    FormContext,
    UnitRow,
    first_filled,
    is_label_text,
    is_placeholder,
    looks_numeric,
)
from budgetlib.transform.cost_columns import detail_heading, parse_cost_detail
from budgetlib.transform.execution_layouts import (
    pairs_row,
    parse_pairs_execution,
    parse_transposed_execution,
    transposed_block,
)
from budgetlib.transform.indicator_table import (
    continues_indicator_table,
    parse_continued_table,
    parse_indicator_table,
)
from budgetlib.transform.labels import match_label
from budgetlib.transform.money import (
    cost_block_header,
    parse_budget_rows,
    parse_cost_block,
    parse_department_funds,
    parse_execution,
    parse_expenditures,
    parse_funding_sources,
    parse_project_funds,
    parse_tasks,
)
from budgetlib.transform.normalize import compact, label_key
from budgetlib.transform.targets import PERIOD, parse_target
from budgetlib.vocabulary import money_unit_pattern, words

_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_IN_PARENS = re.compile(r"[(（]\s*((?:19|20)\d{2})\s*[)）]")
_TRAILING_YEAR = re.compile(r"[(（]?\s*(?:19|20)\d{2}\s*(?:年度?)?\s*[)）]?$")
_TRAILING_PAREN = re.compile(r"[(（][^()（）]{0,12}[)）]$")
_YEAR_LINE = re.compile(r"^[(（]?\s*(?:19|20)\d{2}\s*年度?\s*[)）]?$")
_FORM_WORDS = re.compile(r"绩效|申报|自评|目标|预算|支出")
_CONTINUED = re.compile(r"^[(（]?续表?[)）]?[:：]?$|^[(（]?接上表[)）]?$")
_SECTION_HEADING = re.compile(r"明细|测算|指标|目标|预算|资金|支出|情况|依据")
# A project code before the name: code characters only (digits, Latin letters, "-", "_"), greedy so that a dashed
# code ("036001-2022-BMZX-0001-电子政务…") is kept whole; the separator is a dash, colon or blank.
_CODE_PREFIX = re.compile(r"^([0-9A-Za-z][0-9A-Za-z_\-]{6,}[0-9A-Za-z])(?:\s*[-—_－:：]\s*|\s+)(\S.*)$")
_CODE_CHARS = re.compile(r"[0-9A-Za-z_\-]*")
_DEPT_CODE = re.compile(r"^[\[【(（]\s*([0-9A-Za-z]{3,20})\s*[\]】)）]\s*(.+)$|^([0-9]{3,12})\s*[-_\s]\s*(.+)$")
_NAME_PHONE = re.compile(r"^([^\d(（]+?)\s*[,，、/ ]?\s*((?:\d|\(|（)[\d\-*()（）\s办公手机]*.*)$")
_CODE_YEAR = re.compile(r"-((?:19|20)\d{2})-")
_NUMBER_LABEL = re.compile(r"^报表编号[:：]\s*(.+)$")
_INLINE_LABEL = re.compile(r"([^\s:：,，;；、()（）]{2,16}?)\s*[:：]")

@cache
def _prior_year() -> re.Pattern[str]:
    """A budget of an earlier year stated in the text: "2019年预算为 50 万元", "2019年度预算数为30万元"."""
    return re.compile(
        r"(?P<year>(?:19|20)\d{2})\s*年(?:度)?(?:预算|项目预算|安排|批复)?(?:资金|金额)?数?(?:为|是|:|：)?\s*"
        rf"(?P<amount>[0-9][0-9,]*(?:\.\d+)?\s*(?:{money_unit_pattern()})?)"
    )


@cache
def _relative_year() -> re.Pattern[str]:
    """A budget of last year or the year before stated in the text: "上年预算 50 万元"."""
    return re.compile(
        r"(?P<rel>上年|上一年|去年|前年)(?:度)?(?:预算|项目预算|安排)?(?:资金|金额)?数?(?:为|是|:|：)?\s*"
        rf"(?P<amount>[0-9][0-9,]*(?:\.\d+)?\s*(?:{money_unit_pattern()})?)"
    )


TEXT_FIELDS = frozenset({
    "application_reason", "main_content", "cost_basis", "budget_change_text", "overall_goal", "annual_goal",
    "goal_completion", "implementation_summary", "evaluation_conclusion", "problems", "improvements",
    "audit_opinion", "category", "implementing_unit", "finance_manager", "form_filler", "fill_date",
    "unit_head", "phone", "duties",
})


# -- text lines -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    """A line of text the form states outside its grid: a text line, or a cell of the rows a table opens
    with that reads as one (see ``opening_lines``). ``table`` is None for a text line, whose ``row`` is
    its line number; claims go to the line or to the cell."""

    text: str
    table: Table | None
    row: int
    col: int | None

    def claim(self, ctx: FormContext, table: str, column: str) -> None:
        ctx.claim(None if self.table is None else self.table.table_no, self.row, self.col, table, column)


def read_text_lines(ctx: FormContext, blocks: list[Table | TextLine],
                    skip: frozenset[int] = frozenset()) -> list[ProseSection]:
    """Titles, the fiscal year, unit lines (which scope the tables after them), report numbers, and the
    prose sections of a form written as text (a heading line such as "二、本年度绩效目标", with the
    paragraphs below it), which are returned to be read after the grid (:func:`read_prose`).

    The title is the title-like lines before the form's first table (tables in ``skip``, a page's
    metadata, do not count); a form with none there takes the first title-like line after its first
    table, with the year line right after it ("项目支出绩效自评表" / "( 2021 年度)" under a table of 索引号,
    发文单位 …). A table's opening rows that hold only such lines (``opening_lines``) are read as lines
    before that table: a title or unit line typed or merged into the grid states the same as above it.
    A unit row further down a table (``read_unit_rows``) states the unit of the rows below it, and of the
    tables after it, as a unit line between two tables would.
    """
    unit: str | None = None
    titles: list[_Line] = []
    late: list[_Line] = []
    late_closed = False
    seen_table = False
    prose: ProseSection | None = None
    sections: list[ProseSection] = []
    for item in _lines_and_tables(blocks, skip):
        if prose is not None:
            if isinstance(item, _Line) and item.table is None and _is_prose(item.text):
                prose.lines.append(item)
                continue
            sections.append(prose)
            prose = None
        if isinstance(item, Table):
            ctx.block_units[item.table_no] = unit
            if item.table_no not in skip:
                unit = read_unit_rows(ctx, item) or unit
            seen_table = seen_table or item.table_no not in skip
            late_closed = late_closed or bool(late)
            continue
        text = item.text
        stated = unit_stated_in(text)
        if stated and len(compact(text)) <= 40:
            unit = stated
            ctx.project.setdefault("amount_unit_stated", stated)
            item.claim(ctx, "labels", "unit line")
            continue
        number = _NUMBER_LABEL.match(compact(text))
        if number:
            ctx.set_project("form_number", number.group(1))
            item.claim(ctx, "projects", "form_number")
            continue
        if not seen_table and is_title_text(text):
            titles.append(item)
            continue
        if seen_table and not titles and not late_closed:
            if _takes_late_title(late, item):
                late.append(item)
                continue
            late_closed = bool(late)
        heading = _prose_heading(text) if item.table is None else None
        if heading is not None:
            prose = ProseSection(heading, item, [])
            continue
        if (":" in text or "：" in text) and _read_inline(ctx, item.table, item.row, item.col, text):
            continue
        if _CONTINUED.match(compact(text)) or _is_section_heading(text):
            item.claim(ctx, "labels", "section heading")
    if prose is not None:
        sections.append(prose)
    titles = titles or late
    if titles:
        ctx.project["form_title"] = " / ".join(line.text for line in titles)
        for line in titles:
            line.claim(ctx, "projects", "form_title")
            year = title_year(line.text)
            if year is not None and "fiscal_year" not in ctx.project:
                ctx.project["fiscal_year"] = year
    return sections


PROSE_FIELDS = frozenset({
    "application_reason", "main_content", "overall_goal", "annual_goal", "goal_completion",
    "implementation_summary", "evaluation_conclusion", "problems", "improvements",
})
"""The narrative fields a form may write as a heading line with paragraphs below it. The cost basis and the
budget-change text are not among them: their texts are read further (cost items, the stated change), and a
paragraph taken for them by mistake would become figures."""

_PROSE_HEADING_LENGTH = 30
"""A heading line is short: a longer line that names a field is a sentence about it, not its heading."""


@dataclass(slots=True)
class ProseSection:
    """A prose section being read: its field, its heading line, and the paragraphs below it so far."""

    field: str
    heading: _Line
    lines: list[_Line]


def _prose_heading(text: str) -> str | None:
    """The field a text line heads when it is a narrative field's label alone, numbered or not, with or
    without a colon and nothing after it ("二、本年度绩效目标", "（三）存在的问题：", "项目实施内容");
    None otherwise.

    >>> _prose_heading("二、本年度绩效目标"), _prose_heading("（三）存在的问题："), _prose_heading("一、基本信息")
    ('annual_goal', 'problems', None)
    >>> _prose_heading("年度绩效目标：完成维护") is None  # a label with its value: read inline
    True
    """
    key = compact(text).rstrip(":：")
    if not key or len(key) > _PROSE_HEADING_LENGTH or ":" in key or "：" in key:
        return None
    label = match_label(key, "header")
    if label is None or label.role != "field" or label.name not in PROSE_FIELDS:
        return None
    return label.name


@cache
def _note_line() -> re.Pattern[str]:
    """A note line's opening: "注：", "注:", "填表说明：" or such a word alone (``note_line`` words)."""
    return re.compile(rf"^(?:{'|'.join(map(re.escape, words('note_line')))})(?:[:：]|$)")


def _is_prose(text: str) -> bool:
    """Whether a text line below a prose heading is part of its section: not the next heading, a label, a
    unit line, a title, a note line ("注：1.…", which a form's footnotes open), or a line of labelled values
    (a signature line, "填表人：…")."""
    key = compact(text)
    if (unit_stated_in(text) and len(key) <= 40) or _note_line().match(key):
        return False
    if is_title_text(text) or match_label(text, "header") is not None or heading_text(text) is not None:
        return False  # a short sentence with a heading word ("资金使用情况良好") is no heading: not _is_section_heading
    return not ((":" in text or "：" in text) and inline_pairs(text))


def read_prose(ctx: FormContext, sections: list[ProseSection]) -> None:
    """The paragraphs below each prose heading are its field's value, joined by line breaks. Read after the
    grid, so that a form stating a field in both places keeps its grid's value and flags the text's
    (``W_SECOND_VALUE``, the text left unparsed). A heading with no paragraph below it (a table follows, or
    the next heading) is claimed as a section heading, as before."""
    for prose in sections:
        if not prose.lines:
            prose.heading.claim(ctx, "labels", "section heading")
            continue
        value = "\n".join(line.text.strip() for line in prose.lines)
        prose.heading.claim(ctx, "labels", prose.field)
        if ctx.set_project(prose.field, value):
            for line in prose.lines:
                line.claim(ctx, "projects", prose.field)


def _lines_and_tables(blocks: list[Table | TextLine], skip: frozenset[int]) -> list[_Line | Table]:
    """The form's text lines and tables in reading order, each table preceded by its opening lines."""
    items: list[_Line | Table] = []
    for block in blocks:
        if isinstance(block, Table):
            if block.table_no not in skip:
                items.extend(opening_lines(block))
            items.append(block)
        else:
            items.append(_Line(block.text, None, block.line_no, None))
    return items


def opening_lines(table: Table) -> list[_Line]:
    """The cells of the rows a table opens with, when those rows hold only what is otherwise written above
    a table: a title or its year line, a unit line ("资金单位：元"), and what comes with them (an 附件 line,
    the sender and date of a covering letter, "填报单位：…").

    Excel's "save as web page" and sheets with a title merged over two rows put these lines into the grid;
    so does a unit typed into the first row's last cell. Rows are taken up to the last one that holds a
    title or a unit line, and only while no row holds anything else (a label, a value, two cells of
    plain text), so a form's own rows are never taken and a table with no title or unit row keeps all.
    """
    lines: list[_Line] = []
    pending: list[_Line] = []
    for row, cells in enumerate(table.rows):
        filled = [(col, text) for col, text in enumerate(cells) if text]
        if not filled:
            break
        kinds = set()
        for _, text in filled:
            kind = _opening_kind(text, alone=len(filled) == 1)
            if kind is None:
                return lines
            kinds.add(kind)
        pending.extend(_Line(text, table, row, col) for col, text in filled)
        if kinds & {"title", "unit"}:
            lines.extend(pending)
            pending = []
    return lines


_OPENING_MARKS = ("表", "书", "年", "单位", ":", "：")
"""A title ends in 表 or 申报书 or names its year; a unit line says 单位; a note has its colon."""


def _opening_kind(text: str, *, alone: bool) -> str | None:
    """"title", "unit", "note" (a "…：…" line) or, for a row's only cell, "text" when a cell can open a
    table as a line of text; None for a label (with its value beside it) or a value."""
    if not alone and not any(mark in text for mark in _OPENING_MARKS):
        return None  # the usual first row, "项目名称 | …": no title, unit line or note can be in it
    if is_title_text(text):
        return "title"
    if unit_line(text):
        return "unit"
    key = compact(text)
    if looks_numeric(text):
        return None
    if (":" in key or "：" in key) and (alone or match_label(text, "header") is None):
        return "note"  # "填报单位：…", and alone in its row even a label: "部门负责人(签字):" is a signature line
    return "text" if alone and match_label(text, "header") is None else None


def read_unit_rows(ctx: FormContext, table: Table) -> str | None:
    """The unit rows inside a table, below its opening lines: recorded in ``ctx.unit_rows`` (the amounts from
    each such row down to the next are in its unit) and claimed; returns the last one's unit (None: none).

    A form written as one table (a page saved from Excel, one sheet) puts the unit line of each money
    block in a row of the grid, just above the block: "单位：万元" alone, or beside the block's heading
    ("二、项目资金情况 | … | 金额单位：元"). A row counts when every cell it holds is a unit line, or it is a
    section heading with a unit line beside it or in it; a label with a unit ("年度预算数(万元)") is no
    unit line, and a row with anything else (a value, a label) is the form's own.
    """
    found: list[UnitRow] = []
    claims, table_no = ctx.claims, table.table_no
    for row, cells in enumerate(table.rows):
        filled = [(col, text) for col, text in enumerate(cells) if text]
        if not filled or any((table_no, row, col) in claims for col, _ in filled):
            continue  # an opening line, read with the lines above the table
        heading = section_heading(cells)
        units = [(col, text, unit_line(text)) for col, text in filled]
        if heading is None and not all(unit and match_label(text, "header") is None for _, text, unit in units):
            continue
        stated = [(col, text, unit) for col, text, unit in units if unit is not None]
        if not stated:
            continue
        found.append(UnitRow(row, stated[-1][2], stated[-1][1]))
        for col, _, _ in stated:
            if heading is None or col != heading.col:
                ctx.claim(table_no, row, col, "labels", "unit line")
    if found:
        ctx.unit_rows[table_no] = found
    return found[-1].unit if found else None


def _takes_late_title(late: list[_Line], line: _Line) -> bool:
    """Whether ``line`` is (part of) the title of a form that had none before its first table: the first
    title-like line, then year lines right after it."""
    if not late:
        return is_title_text(line.text)
    return bool(_YEAR_LINE.match(_year_line_key(line.text)))


def _year_line_key(text: str) -> str:
    key = compact(text)
    return "(" + key if key.endswith(")") and not key.startswith("(") else key


def title_year(text: str) -> int | None:
    """The fiscal year a title names: "2021年度项目支出绩效自评表", "项目支出绩效目标表2022年", "…（2023）".

    >>> title_year("2021年度项目支出绩效自评表"), title_year("项目支出绩效目标表2022年"), title_year("自评表(2023)")
    (2021, 2022, 2023)
    """
    key = compact(text)
    found = _YEAR_IN_TITLE.search(key) or _YEAR_IN_PARENS.search(key)
    return int(found.group(1)) if found else None


def is_title_text(text: str) -> bool:
    """A form title or its year line, judged by wording alone (xlsx has no heading levels).

    >>> is_title_text("项目支出绩效目标表2022年"), is_title_text("2021年度项目支出绩效自评表")
    (True, True)
    >>> is_title_text("绩效指标")
    False
    """
    key = compact(text)
    if len(key) > 60 or key.startswith(("附件", "注", "填表人", "说明")):
        return False
    if _YEAR_LINE.match(_year_line_key(text)):
        return True
    core = _TRAILING_YEAR.sub("", _TRAILING_PAREN.sub("", key))  # "…自评表(2023年度)", "…目标表2022年"
    core = _TRAILING_PAREN.sub("", core)
    return core.endswith(("表", "申报书")) and bool(_FORM_WORDS.search(core))


def _is_section_heading(text: str) -> bool:
    """A text line that heads a part of the form: a heading word in a short line, or what reads as a section
    heading in a table's row (:func:`~budgetlib.transform.blocks.heading_text`), wherever it is written."""
    key = compact(text)
    if len(key) <= 20 and ":" not in key and "：" not in key and _SECTION_HEADING.search(key):
        return True
    return heading_text(text) is not None


# -- a page's metadata (索引号, 发文单位, 发布日期 …) -----------------------------------------------------


def _page_label(text: str) -> str | None:
    if not text or len(text) > 12:
        return None
    label = match_label(text, "page")
    return label.name if label is not None else None


def is_page_metadata(table: Table) -> bool:
    """True for the table a disclosure page prints about itself (索引号 | 发文单位 | 发布日期 …), not a form's.

    It holds at least two page labels, no form label, and is small.
    """
    if len(table.rows) > 8:
        return False
    found = 0
    for cells in table.rows:
        for text in cells:
            if _page_label(text):
                found += 1
            elif text and len(text) <= 20:
                label = match_label(text, "header")
                if label is not None and label.role == "field" and label.name in ("project_name", "department_unit"):
                    return False
    return found >= 2


def read_page_metadata(ctx: FormContext, table: Table) -> None:
    """Each label of a page-metadata table with its value into ``page_metadata``; the publishing unit
    (发文单位) also into ``projects.publishing_unit``, never into ``department``: the form's 主管部门 is
    the form's to state (a form that leaves it empty keeps it empty)."""
    for row, cells in enumerate(table.rows):
        col = 0
        while col < len(cells):
            name = _page_label(cells[col])
            if name is None:
                col += 1
                continue
            ctx.claim_label(table, row, col, f"page {name}")
            value_col = next((c for c in range(col + 1, len(cells)) if cells[c]), None)
            value = cells[value_col] if value_col is not None and not _page_label(cells[value_col]) else ""
            record_no = len(ctx.rows_of("page_metadata")) + 1
            ctx.add("page_metadata", {"item_no": record_no, "key": name, "label": cells[col], "text": value or None})
            if value_col is not None and value:
                ctx.claim(table.table_no, row, value_col, "page_metadata", "text", record_no)
                if name == "publisher":
                    ctx.project.setdefault("publishing_unit", value)
                col = value_col + 1
            else:
                col += 1


# -- label / value pairs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InlinePair:
    """A "label：value" written inside one cell or line: the field the label names, the label, the value."""

    field: str
    label: str
    value: str


def inline_pairs(text: str) -> list[InlinePair]:
    """Each "label：value" written inside one cell or line.

    Forms often write "项目名称：区电子政务网络运行维护" in one cell, or a signature line
    "填表人：宋云花 联系电话：1660732**** 填报日期：" under the table. Only labels that match the
    vocabulary count; a value runs to the next recognised label.

    >>> [(pair.field, pair.value) for pair in inline_pairs("填表人：宋云花 联系电话：1660732**** 填报日期：")]
    [('form_filler', '宋云花'), ('phone', '1660732****'), ('fill_date', '')]
    """
    found = []
    for match in _INLINE_LABEL.finditer(text):
        label = match_label(match.group(1), "header")
        if label is not None and label.role == "field":
            found.append((match, label.name))
    ends = [match.start(1) for match, _ in found[1:]] + [len(text)] if found else []
    return [
        InlinePair(field, match.group(1), text[match.end():end].strip(" ,，;；、"))
        for (match, field), end in zip(found, ends, strict=True)
    ]


def _read_inline(ctx: FormContext, table: Table | None, row: int, col: int | None, text: str) -> bool:
    """Read "label：value" pairs from a cell or text line; True when at least one label was found."""
    pairs = inline_pairs(text)
    if not pairs:
        return False
    table_no = table.table_no if table is not None else None
    for pair in pairs:
        if not pair.value or is_placeholder(pair.value):
            ctx.claim(table_no, row, col, "labels", pair.field)
            continue
        handler = _FIELD_HANDLERS.get(pair.field)
        if handler is not None:
            handler(ctx, pair.value, None)
        elif pair.field in TEXT_FIELDS:
            ctx.set_project(pair.field, pair.value)
        ctx.claim(table_no, row, col, "projects", pair.field)
    return True


def read_label_values(ctx: FormContext, table: Table) -> None:
    """Pair each form label with its value: the next filled cell to the right, else the cell below."""
    claims, table_no = ctx.claims, table.table_no  # every cell of the form is asked: no call per cell
    for row, cells in enumerate(table.rows):
        for col, text in enumerate(cells):
            if not text or (table_no, row, col) in claims:
                continue
            label = match_label(text, "header")
            if label is None:
                if ":" in text or "：" in text:
                    _read_inline(ctx, table, row, col, text)
                continue
            if label.role == "field":
                _read_field(ctx, table, row, col, label.name)
            elif label.role == "funding_line":
                value_col = _value_right(ctx, table, row, col)
                if value_col is not None:
                    _add_funding_line(ctx, table, row, col, value_col)
            elif label.role == "container" and _is_goal_label(text):
                _read_goal(ctx, table, row, col)
            elif label.role in ("container", "section"):
                ctx.claim_label(table, row, col, f"{label.role} {label.name}")
            elif label.role == "funding_total":
                value_col = _value_right(ctx, table, row, col)
                ctx.claim_label(table, row, col, label.name)
                if value_col is not None:
                    column = "current_year_budget" if label.name == "current_year" else "total_budget"
                    _set_budget(ctx, table, row, value_col, column, text)


def _is_goal_label(text: str) -> bool:
    return label_key(text) in words("goal_label")


def _read_goal(ctx: FormContext, table: Table, row: int, col: int) -> None:
    """"绩效目标 | <text>": the label of the indicator block written beside a goal is the form's year goal.

    Only when the cell to its right holds text that is no label (a heading row of the indicator table
    to its right was taken by the indicator reader before this pass).
    """
    ctx.claim_label(table, row, col, "container indicators")
    value_col = _value_right(ctx, table, row, col)
    if value_col is None:
        return
    value = table.rows[row][value_col]
    if looks_numeric(value) or is_placeholder(value) or len(compact(value)) < 6:
        return
    ctx.set_project("annual_goal", value, CellKey(table.table_no, row, value_col))


def _value_right(ctx: FormContext, table: Table, row: int, col: int) -> int | None:
    cells = table.rows[row]
    for index in range(col + 1, len(cells)):
        text = cells[index]
        if not text:
            continue
        if ctx.is_claimed(table.table_no, row, index) or is_label_text(text):
            return None
        return index
    return None


def _value_below(ctx: FormContext, table: Table, row: int, col: int) -> int | None:
    below = row + 1
    if below >= len(table.rows):
        return None
    text = table.cell(below, col)
    if not text or ctx.is_claimed(table.table_no, below, col) or is_label_text(text):
        return None
    first = first_filled(table.rows[below])
    if first is not None and first < col and is_label_text(table.rows[below][first]):
        return None
    return col


def _read_field(ctx: FormContext, table: Table, row: int, col: int, field: str) -> None:
    ctx.claim_label(table, row, col, field)
    row_of_value, value_col = row, _value_right(ctx, table, row, col)
    if value_col is None:
        row_of_value, value_col = row + 1, _value_below(ctx, table, row, col)
    if value_col is None:
        return
    value = table.rows[row_of_value][value_col]
    if is_placeholder(value):
        return
    cell = CellKey(table.table_no, row_of_value, value_col)
    label_text = table.rows[row][col]
    if field in ("total_budget", "current_year_budget"):
        _set_budget(ctx, table, row_of_value, value_col, field, label_text)
        if field == "current_year_budget" and "本级" in compact(label_text):
            _add_funding_line(ctx, table, row, col, value_col, source_name=compact(label_text))
        return
    handler = _FIELD_HANDLERS.get(field)
    if handler is not None:
        handler(ctx, value, cell)
    elif field in TEXT_FIELDS:
        ctx.set_project(field, value, cell)


def _set_budget(ctx: FormContext, table: Table, row: int, col: int, field: str, label_text: str) -> None:
    text = table.rows[row][col]
    amount = ctx.amount(text, table, label_text, row=row)
    written = "budget_as_written" if field == "current_year_budget" else "total_budget_as_written"
    if ctx.set_project(written, text, CellKey(table.table_no, row, col)):
        ctx.project[f"{field}_yuan"] = amount.yuan
        if field == "current_year_budget" or "amount_unit" not in ctx.project:
            ctx.project["amount_unit"] = amount.unit


def _add_funding_line(ctx: FormContext, table: Table, row: int, col: int, value_col: int,
                      source_name: str | None = None) -> None:
    name = table.rows[row][col]
    text = table.rows[row][value_col]
    amount = ctx.amount(text, table, name, row=row)
    line_no = len(ctx.rows_of("funding")) + 1
    ctx.add("funding", {
        "line_no": line_no, "source_name": source_name or compact(name), "source_as_written": name,
        "scope": "current_year", "amount_as_written": text, "amount_yuan": amount.yuan,
        "amount_unit": amount.unit,
    })
    ctx.claim(table.table_no, row, col, "funding", "source_as_written", line_no)
    ctx.claim(table.table_no, row, value_col, "funding", "amount_as_written", line_no)


def _code_and_name(value: str) -> tuple[str, str] | None:
    """A project name written "CODE-name" split into code and name, or None when it is not of that shape.

    The code is the longest run of code characters (holding a digit) that a separator ends; the name after it
    holds a character no code has (a Chinese one). A name may open with Latin letters or digits glued to its
    words ("2023-XM-001-5G基站建设": name "5G基站建设"), since a code's parts are set apart by separators.
    """
    match = _CODE_PREFIX.match(value.strip())
    if not match or not re.search(r"\d", match.group(1)):
        return None
    name = match.group(2).strip()
    if _CODE_CHARS.fullmatch(name):   # nothing but code characters: no name to take apart
        return None
    return match.group(1), name


def _project_name(ctx: FormContext, value: str, cell: CellKey | None) -> None:
    ctx.set_project("project_name_as_written", value, cell)
    split = _code_and_name(value)
    if split:
        ctx.project.setdefault("project_code", split[0])
        ctx.project["project_name"] = split[1]
    else:
        ctx.project.setdefault("project_name", value.replace("\n", ""))


def _coded(ctx: FormContext, column: str, value: str, cell: CellKey | None) -> None:
    """A unit's name with its code in front ("[015001]武汉市青山区教育局", "219001-池州市…"): name and code apart."""
    text = value.replace("\n", "").strip()
    match = _DEPT_CODE.match(text)
    if match:
        code = match.group(1) or match.group(3)
        name = match.group(2) or match.group(4)
        if ctx.set_project(column, name.strip(), cell):
            ctx.project.setdefault(f"{column}_code", code)
            if cell is not None:
                ctx.claim(cell.table_no, cell.row, cell.col, "projects", f"{column}_code")
        return
    ctx.set_project(column, text, cell)


def _department(ctx: FormContext, value: str, cell: CellKey | None) -> None:
    _coded(ctx, "department", value, cell)


def _implementing_unit(ctx: FormContext, value: str, cell: CellKey | None) -> None:
    _coded(ctx, "implementing_unit", value, cell)


def _manager(ctx: FormContext, value: str, cell: CellKey | None) -> None:
    text = value.replace("\n", " ").strip()
    match = _NAME_PHONE.match(text)
    if match and re.search(r"\d{3}", match.group(2)):
        if ctx.set_project("manager", match.group(1).strip(), cell):
            ctx.project.setdefault("phone", match.group(2).strip())
            if cell is not None:
                ctx.claim(cell.table_no, cell.row, cell.col, "projects", "phone")
        return
    ctx.set_project("manager", text, cell)


def _project_code(ctx: FormContext, value: str, cell: CellKey | None) -> None:
    ctx.set_project("project_code", value.strip(), cell)


def _period(ctx: FormContext, value: str, cell: CellKey | None) -> None:
    if ctx.set_project("period", value, cell):
        parsed = parse_target(value)
        if parsed.kind == PERIOD:
            ctx.project["period_start"] = parsed.period_start
            ctx.project["period_end"] = parsed.period_end


FieldHandler = Callable[[FormContext, str, CellKey | None], None]
"""Reads a field's value into the project row; the cell is None for a value written inline."""

_FIELD_HANDLERS: dict[str, FieldHandler] = {
    "project_name": _project_name,
    "department": _department,
    "department_unit": _department,
    "implementing_unit": _implementing_unit,
    "manager": _manager,
    "project_code": _project_code,
    "period": _period,
}


# -- blocks ---------------------------------------------------------------------------------------


def read_blocks(ctx: FormContext, table: Table) -> None:
    """Find and read the blocks with rows of their own, top to bottom."""
    row = 0
    if continues_indicator_table(ctx, table):
        row = parse_continued_table(ctx, table)
    while row < len(table.rows):
        cells = table.rows[row]
        if indicator_header(cells):
            row = parse_indicator_table(ctx, table, row)
            continue
        if pairs_row(cells) is not None:
            row = parse_pairs_execution(ctx, table, row)
            continue
        if execution_header(cells):
            row = parse_execution(ctx, table, row)
            continue
        transposed = transposed_block(table, row)
        if transposed is not None:
            row = parse_transposed_execution(ctx, table, transposed)
            continue
        if detail_heading(table, row) is not None:
            row = parse_cost_detail(ctx, table, row)
            continue
        if cost_block_header(tuple(cells)):
            row = parse_cost_block(ctx, table, row)
            continue
        if expenditure_header(cells):
            row = parse_expenditures(ctx, table, row)
            continue
        if section_heading(cells) is not None and _heads_a_block(ctx, table, row):
            row += 1  # "（二）项目资金来源" above "项目资金来源 | 资金来源项目 | 金额": it names the block below
            continue
        if budget_row_header(cells) is not None:
            end = parse_budget_rows(ctx, table, row)
            if end > row:
                row = end
                continue
        section = section_start(cells)
        if section is not None and section.label.name == "funding_sources":
            row = parse_funding_sources(ctx, table, row, section.col)
            continue
        if section is not None and section.label.name == "project_funds":
            row = parse_project_funds(ctx, table, row, section.col)
            continue
        if section is not None and section.label.name == "department_funds":
            row = parse_department_funds(ctx, table, row, section.col)
            continue
        if section is not None and section.label.name == "tasks":
            row = parse_tasks(ctx, table, row, section.col)
            continue
        row += 1


def _heads_a_block(ctx: FormContext, table: Table, row: int) -> bool:
    """True when the next row with unclaimed text after ``row`` (unit rows are claimed) opens a block."""
    for below in range(row + 1, len(table.rows)):
        cells = table.rows[below]
        if not any(ctx.free_text(table, below, col) for col in range(len(cells))):
            continue
        return is_section_start(cells) or cost_block_header(tuple(cells)) is not None
    return False


def read_section_headings(ctx: FormContext, table: Table) -> None:
    """Claim the section headings that no reader took ("一、基本信息", "（二）项目支出明细", "五、其他说明"):
    run after the label/value pass, so that a text read as a label's value stays that value."""
    for row, cells in enumerate(table.rows):
        heading = section_heading(cells)
        if heading is not None and not ctx.is_claimed(table.table_no, row, heading.col):
            ctx.claim_label(table, row, heading.col, "section heading")


# -- the project row and its history --------------------------------------------------------------


SELF_EVALUATIONS = frozenset({"self_evaluation", "department_self_evaluation"})
"""The form types whose budget block is a budget-execution block."""


def finish_project(ctx: FormContext, form_type: str) -> dict[str, Any]:
    """Derive what the form implies but does not state in one cell: year, budget of a self-evaluation,
    the total of a form that states only the year's, the total score a budget row carries."""
    project = ctx.project
    code = project.get("project_code") or ""
    match = _CODE_YEAR.search(code)
    if "fiscal_year" in project:
        _check_code_year(ctx, match)
    elif match:
        project["fiscal_year"] = int(match.group(1))
    elif project.get("period_start"):
        project["fiscal_year"] = int(str(project["period_start"])[:4])
    if form_type in SELF_EVALUATIONS and project.get("current_year_budget_yuan") is None:
        _budget_from_execution(ctx)
    if form_type in SELF_EVALUATIONS and project.get("official_total_score") is None:
        _total_score_in_execution_row(ctx)
    _total_budget(project)
    project.setdefault("project_name", None)
    return project


def _check_code_year(ctx: FormContext, code_year: re.Match[str] | None) -> None:
    """``W_YEAR_CONFLICT`` when the project code names another year than the title's.

    The title names the fiscal year and is kept; a code often carries the year a multi-year project
    was planned or started in, but that is a guess the reader cannot confirm, so the two years and
    where each came from are reported rather than one silently preferred.
    """
    project = ctx.project
    if code_year is None or int(code_year.group(1)) == project["fiscal_year"]:
        return
    ctx.warn("W_YEAR_CONFLICT", "projects.fiscal_year",
             f"the title names {project['fiscal_year']} ({project.get('form_title')!r}), the project code "
             f"{project['project_code']!r} names {code_year.group(1)}: fiscal_year {project['fiscal_year']} "
             f"(the title's) kept")


def _total_budget(project: dict[str, Any]) -> None:
    """A form that states only this year's total (年度资金总额, 年度本级预算金额, a self-evaluation's 全年预算数)
    has that as its total budget: a one-year form's total is its year's (``total_budget_basis`` says which)."""
    if project.get("total_budget_as_written"):
        project["total_budget_basis"] = "stated"
    elif project.get("budget_as_written"):
        project["total_budget_as_written"] = project["budget_as_written"]
        project["total_budget_yuan"] = project.get("current_year_budget_yuan")
        project["total_budget_basis"] = "current_year"


def _total_score_in_execution_row(ctx: FormContext) -> None:
    """A budget-execution total line worth 100 points holds the form's total score, not the execution's.

    Some published self-evaluations put the overall 分值 100 and 得分 in the 年度资金总额 row (the budget
    part of a form is worth 10 points, never the whole 100); when the form states no 总分 elsewhere, that
    score is its official total, and a warning says where it was read.
    """
    total = next((line for line in ctx.rows_of("budget_execution") if line.get("is_total")), None)
    if total is None or total.get("weight") != 100 or total.get("score") is None:
        return
    ctx.project["official_total_score"] = total["score"]
    ctx.warn("W_SCORE_IN_EXECUTION_ROW", f"budget_execution line {total.get('line_no')}",
             f"the budget line {total.get('fund_line')!r} carries 分值 100 and 得分 {total['score']:g}: read as the "
             "form's total score (official_total_score), as the form states no 总分 row")


def _budget_from_execution(ctx: FormContext) -> None:
    """A self-evaluation's current-year budget from its execution total line: 全年预算数, else 调整后预算数.

    Not 年初预算数: the budget at the start of the year is not the year's budget (the project-year
    precedence passes over it to the target form's or declaration's); it stays in ``budget_execution``.
    """
    lines = ctx.rows_of("budget_execution")
    total = next((line for line in lines if line.get("is_total")), lines[0] if lines else None)
    if total is None:
        return
    for column in ("full_year_budget", "adjusted_budget"):
        written = total.get(f"{column}_as_written")
        if written:
            ctx.project["current_year_budget_yuan"] = total.get(f"{column}_yuan")
            ctx.project["budget_as_written"] = written
            ctx.project["amount_unit"] = total.get("amount_unit")
            return


def budget_history(ctx: FormContext) -> None:
    """What this form says each year's budget was: its own year, the year columns, the text, and what a
    prior year's spending actually was (a cost-composition table's 实际执行数 columns, basis ``actual``)."""
    project = ctx.project
    base = {
        "project_code": project.get("project_code"),
        "project_name": project.get("project_name"),
        "department": project.get("department"),
    }
    year = project.get("fiscal_year")
    if year is not None and project.get("budget_as_written"):
        ctx.add("budget_history", {
            **base, "fiscal_year": year, "amount_yuan": project.get("current_year_budget_yuan"),
            "amount_as_written": project.get("budget_as_written"), "basis": "this_form",
            "note": "this year's budget as stated on the form",
        })
    by_year: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for line in ctx.rows_of("expenditures"):
        if line.get("fiscal_year") is not None and line.get("parent_category") is None:
            by_year.setdefault((line["fiscal_year"], line.get("amount_basis") or "budget"), []).append(line)
    for (column_year, basis), lines in sorted(by_year.items(), key=lambda item: (-item[0][0], item[0][1])):
        if basis == "actual":
            _actual_history(ctx, base, column_year, lines)
            continue
        amounts: list[Any] = [line.get("amount_yuan") for line in lines]
        total = None if any(a is None for a in amounts) else round(float(sum(amounts)), 2)
        ctx.add("budget_history", {
            **base, "fiscal_year": column_year, "amount_yuan": total,
            "amount_as_written": " + ".join(str(line.get("amount_as_written")) for line in lines),
            "basis": "expenditure_column",
            "note": f"sum of {len(lines)} expenditure lines" + (
                f" in column {lines[0]['column_label']}" if lines[0].get("column_label") else ""),
        })
    text = project.get("budget_change_text") or ""
    if text:
        _history_from_text(ctx, text, base, year)


def _actual_history(ctx: FormContext, base: dict[str, Any], year: int, lines: list[dict[str, Any]]) -> None:
    """A prior year's actual spending: the 合计 the form states for the column, else the sum of its lines."""
    stated = next((total for total in ctx.rows_of("stated_totals")
                   if total.get("of_table") == "expenditures" and total.get("fiscal_year") == year), None)
    column = lines[0].get("column_label")
    if stated is not None:
        ctx.add("budget_history", {
            **base, "fiscal_year": year, "amount_yuan": stated.get("value_yuan"),
            "amount_as_written": stated.get("as_written"), "basis": "actual",
            "note": f"the stated {stated.get('label')} of column {column} ({len(lines)} lines)",
        })
        return
    amounts: list[Any] = [line.get("amount_yuan") for line in lines]
    ctx.add("budget_history", {
        **base, "fiscal_year": year,
        "amount_yuan": None if any(a is None for a in amounts) else round(float(sum(amounts)), 2),
        "amount_as_written": " + ".join(str(line.get("amount_as_written")) for line in lines), "basis": "actual",
        "note": f"sum of {len(lines)} lines in column {column}",
    })


def _history_from_text(ctx: FormContext, text: str, base: dict[str, Any], year: int | None) -> None:
    key = compact(text)
    unit = ctx.project.get("amount_unit_stated")
    read = 0
    for match in _prior_year().finditer(key):
        stated_year = int(match.group("year"))
        if year is not None and stated_year >= year:
            continue
        _add_text_history(ctx, base, stated_year, match.group("amount"), unit, match.group(0))
        read += 1
    if year is not None:
        for match in _relative_year().finditer(key):
            offset = 2 if match.group("rel") == "前年" else 1
            _add_text_history(ctx, base, year - offset, match.group("amount"), unit, match.group(0))
            read += 1
    if not read and year is not None and _names_an_earlier_budget(key, year):
        ctx.warn("W_HISTORY_NOT_READ", "projects.budget_change_text",
                 f"the budget-change text names an earlier year and an amount, but no earlier budget was read "
                 f"from it: {text[:80]!r}")


@cache
def _earlier_year_amount() -> re.Pattern[str]:
    """An earlier year named, then an amount within the same sentence: what a prior-year budget needs."""
    return re.compile(
        r"(?:(?P<year>(?:19|20)\d{2})\s*年|上年|上一年|去年|前年)[^;；。]*?"
        rf"(?:[0-9零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟]+\s*(?:{money_unit_pattern()}))"
    )


def _names_an_earlier_budget(key: str, year: int) -> bool:
    """True when the text names a year before ``year`` (or 上年 …) and an amount of money after it."""
    return any(match.group("year") is None or int(match.group("year")) < year
               for match in _earlier_year_amount().finditer(key))


def _add_text_history(ctx: FormContext, base: dict[str, Any], year: int, amount_text: str,
                      unit: str | None, sentence: str) -> None:
    amount = parse_amount(amount_text, unit)
    ctx.add("budget_history", {
        **base, "fiscal_year": year, "amount_yuan": amount.yuan, "amount_as_written": amount_text,
        "basis": "stated_in_text", "note": sentence,
    })
