"""Where a finding, a warning or an unread cell points, in Chinese, for the pages readers see.

The tables keep the places as the library writes them (``indicators #3: 产出指标/数量指标/…``,
``line 12, row 3, column 2``, ``sheet 'Sheet1' cell A1``): short, stable, and the same in every
language, so a batch can be filtered by them. A report reads them in Chinese.

A place is parsed, never searched and replaced: it is made of the library's own words (table and
column names, the places of the readers) around text taken from the form (an indicator's path, a
cost item, a project name) and form ids (``folder/file.md#0``). Only the library's words are
translated; the form's text and the form ids are kept exactly as written, whatever they contain
(an indicator named "A.B", a file named ``line 5.md``). A place of a shape this module does not
know is shown as written, rather than half translated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from budgetlib.formatting import MISSING, is_missing, plain
from budgetlib.report.labels import _labels, label

_FORM_ID = r".+?#\d+"
"""A form id: the source file as the batch names it, ``#`` and the form's number in the file."""

_READER_PLACE = re.compile(
    r"(?:(?P<line>line) (?P<line_no>\d+)"
    r"|(?P<page>page) (?P<page_no>\d+)"
    r"|table at paragraph (?P<table_paragraph>\d+)"
    r"|paragraph (?P<paragraph>\d+)"
    r"|table (?P<table_no>\d+)"
    r"|sheet '(?P<sheet>[^']*)'(?: (?:row (?P<sheet_row>\d+)|cell (?P<sheet_cell>[A-Z]+\d+)))?"
    r"|budget_execution line (?P<execution_line>\d+)"
    r"|(?P<text>text))"
    r"(?:,? row (?P<row>\d+)(?:, column (?P<column>\d+))?)?"
)
"""Where a reader found a cell: a line of a markdown or HTML file, a PDF page, a Word paragraph or
the table after it, a table of the form, a sheet (its row, its cell), a line of the budget execution
table, the form's text outside tables; then the row and column inside that table."""


def _reader_place(match: re.Match[str]) -> str:
    if match["line"]:
        where = f"文件第 {match['line_no']} 行"
    elif match["page"]:
        where = f"第 {match['page_no']} 页"
    elif match["table_paragraph"]:
        where = f"第 {match['table_paragraph']} 段后的表格"
    elif match["paragraph"]:
        where = f"第 {match['paragraph']} 段"
    elif match["table_no"]:
        where = f"表格 {match['table_no']}"
    elif match["sheet"] is not None:
        where = f"工作表「{match['sheet']}」"
        if match["sheet_row"]:
            where += f"第 {match['sheet_row']} 行"
        elif match["sheet_cell"]:
            where += f"单元格 {match['sheet_cell']}"
    elif match["execution_line"]:
        where = f"{label('table', 'budget_execution')}第 {match['execution_line']} 行"
    else:
        where = "表格以外的文字"
    if match["row"] and match["column"]:
        return f"{where}（表内第 {match['row']} 行第 {match['column']} 列）"
    if match["row"]:
        return f"{where}（表内第 {match['row']} 行）"
    return where


@cache
def _table_names() -> str:
    """The tables whose names a place may start with (those ``report_labels.csv`` names)."""
    names = sorted((key for kind, key in _labels() if kind == "table"), key=len, reverse=True)
    return "|".join(map(re.escape, names))


def _numbers(text: str) -> str:
    return "、".join(text.split(","))


_TABLES_OF_LINES = frozenset({"budget_execution", "funding", "expenditures"})
"""Tables whose numbered rows a form calls lines (行); the others' are items (项)."""


def _table_place(match: re.Match[str]) -> str | None:
    """A place in one of the library's tables (``indicators #3: …``, ``projects.main_content`` …)."""
    table, rest = match["table"], match["rest"]
    name = label("table", table)
    if rest == "":
        return name
    if column := re.fullmatch(r"\.([a-z_]+)", rest):
        return f"{name}·{label('column', column[1])}"
    if numbered := re.fullmatch(r" #(\d+(?:,\d+)*|合计)(?:: (.*))?", rest, re.DOTALL):
        unit = "行" if table in _TABLES_OF_LINES else "项"
        number = "合计行" if numbered[1] == "合计" else f"第 {_numbers(numbered[1])} {unit}"
        detail = numbered[2]
        if detail is not None and table == "budget_execution" and re.fullmatch(r"[a-z_]+", detail):
            detail = label("column", detail)
        return f"{name}{number}" + ("" if detail is None else f"：{detail}")
    if year := re.fullmatch(r" (\d{4})", rest):
        return f"{name} {year[1]} 年"
    if compared := re.fullmatch(r" (\d{4}): ([a-z_]+) vs ([a-z_]+)", rest):
        return f"{name} {compared[1]} 年：{label('basis', compared[2])}与{label('basis', compared[3])}"
    if aside := re.fullmatch(r" \((.*)\)", rest, re.DOTALL):
        return f"{name}（{aside[1]}）"
    if detail := re.fullmatch(r": (.*)", rest, re.DOTALL):
        return f"{name}：{_detail(table, detail[1])}"
    return None


def _detail(table: str, text: str) -> str:
    """What follows ``table: ``: a stated total names its table first; a project-year may name the
    two forms it compares."""
    if table == "stated_totals" and (total := re.fullmatch(r"([a-z_]+) (.*)", text, re.DOTALL)):
        return f"{label('table', total[1])} {total[2]}"
    if table == "project_years" and (pair := re.fullmatch(rf"(.+ \d{{4}}): ({_FORM_ID}) vs ({_FORM_ID})", text)):
        return f"{pair[1]}：{pair[2]} 与 {pair[3]}"
    return text


def _part(text: str) -> str | None:
    """One place (a location may list several, with ``; ``), in Chinese; None for a shape not known."""
    if reader := _READER_PLACE.fullmatch(text):
        return _reader_place(reader)
    if table := re.fullmatch(rf"(?P<table>{_table_names()})(?P<rest>(?=$|[ .:#(]).*)", text, re.DOTALL):
        return _table_place(table)
    if other := re.fullmatch(rf"({_FORM_ID}) #(\d+)", text):
        return f"{other[1]} 第 {other[2]} 项"
    return None


@cache
def _part_separator() -> re.Pattern[str]:
    """``; `` where a new place starts (a table's name, another form's item), not inside a form's text."""
    return re.compile(rf"; (?=(?:{_table_names()})\b|{_FORM_ID} #\d+$)")


def place_text(value: object) -> object:
    """A location in Chinese; one of an unknown shape as written.

    >>> place_text("projects.main_content"), place_text("indicators #3: 产出指标/数量指标/培训人次")
    ('项目信息·主要内容', '绩效指标第 3 项：产出指标/数量指标/培训人次')
    >>> place_text("budget_history 2020: stated_in_text vs expenditure_column")
    '预算沿革 2020 年：文字说明与支出明细年度列'
    >>> place_text("projects.overall_goal; indicators #2,3")
    '项目信息·绩效总目标；绩效指标第 2、3 项'
    >>> place_text("indicators #5: 师生满意度; 2022/p2-declaration.html#0 #5")
    '绩效指标第 5 项：师生满意度；2022/p2-declaration.html#0 第 5 项'
    >>> place_text("sheet 'Sheet1' row 40, row 6, column 1"), place_text("line 12, row 3, column 2")
    ('工作表「Sheet1」第 40 行（表内第 6 行第 1 列）', '文件第 12 行（表内第 3 行第 2 列）')
    >>> place_text("somewhere else")
    'somewhere else'
    """
    if is_missing(value):
        return MISSING
    text = str(value)
    parts = [_part(part) for part in _part_separator().split(text)]
    if any(part is None for part in parts):
        return plain(text)
    return plain("；".join(part for part in parts if part is not None))


_NOTE_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^this year's budget as stated on the form$"), lambda m: "本表所填当年预算"),
    (re.compile(r"^sum of (\d+) expenditure lines(?: in column (.+))?$"),
     lambda m: f"支出明细{f'「{m[2]}」列' if m[2] else ''} {m[1]} 行之和"),
    (re.compile(r"^the stated (.+) of column (.+) \((\d+) lines\)$"),
     lambda m: f"「{m[2]}」列表内所写{m[1]}（{m[3]} 行）"),
    (re.compile(r"^sum of (\d+) lines in column (.+)$"), lambda m: f"「{m[2]}」列 {m[1]} 行之和"),
)
"""The budget history's notes (written by the reader, in English) in Chinese."""


def note_text(value: object) -> object:
    """A budget-history note in Chinese (a note it does not know, as written).

    >>> note_text("sum of 3 expenditure lines in column 总计(2021_项目支出)")
    '支出明细「总计(2021_项目支出)」列 3 行之和'
    """
    if is_missing(value):
        return MISSING
    text = str(value)
    for pattern, words in _NOTE_PATTERNS:
        text = pattern.sub(words, text)
    return plain(text)
