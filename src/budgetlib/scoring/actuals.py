"""Actuals from a sheet: a template for staff to fill in, reading it back, joining it to the forms.

Declarations and target forms carry no actuals, and self-evaluations often arrive with the actuals
column empty. :func:`write_actuals_template` writes one row per annual indicator (target shown, actual
empty) to an xlsx workbook; staff fill in the 实际完成值 column; :func:`read_actuals` reads it back keyed
by ``form_id`` + ``indicator_no``; :func:`apply_actuals` puts the actuals into the forms' indicator table
so that :func:`budgetlib.score` can use them. An actual left empty stays missing: the indicator is then
not scored (never 0), or keeps the actual its form already states.

Nothing is scored from a guess. Columns are found by their headings (the surest heading wins; two equal
ones are an error), every sheet with the template's headings is read (a filled copy beside the original;
sheets that disagree on an indicator give it no actual), and an actual is refused, with a warning naming
its cell and a note on the indicator, when it is a formula (never evaluated, its cached value not
believed), words against a numeric target ("完成" for "≥90%"), or a bare number up to 1.5 against a
percentage ("0.95" for "≥90%": 95% or 0.95%?). A template is never written over a filled sheet.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from budgetlib import schema
from budgetlib.forms import Forms, with_rows
from budgetlib.notices import CodedError
from budgetlib.scoring.indicators import direction_label, direction_of, is_na, text_of
from budgetlib.scoring.policy import ScoringPolicy
from budgetlib.transform.normalize import compact
from budgetlib.transform.numbers import whole_number
from budgetlib.transform.targets import QUANTITATIVE, parse_target
from budgetlib.vocabulary import VocabularyError, table

log = logging.getLogger(__name__)

SHEET_NAME = "实际完成值"
HELP_SHEET_NAME = "填写说明"


class ActualsSheetError(CodedError):
    """An actuals sheet that cannot be used, or a template that would overwrite one; ``code`` is its
    notice code (``E_ACTUALS_…``, data/notices.csv) and the message names the file, sheet and cells."""


@dataclass(frozen=True, slots=True)
class SheetColumn:
    """A column of the actuals sheet: machine key, heading staff read, width, and whether staff fill it.

    ``required`` columns must be found when a sheet is read back; ``aliases`` are the headings (or heading
    beginnings) it is found by besides its key.
    """

    key: str
    label: str
    width: float
    to_fill: bool = False
    text: bool = True
    aliases: tuple[str, ...] = ()
    required: bool = False


def _flag(row: Mapping[str, str], column: str) -> bool:
    value = row[column].strip().lower()
    if value not in ("true", "false"):
        raise VocabularyError(f"data/actuals_columns.csv: {column} of {row['key']!r} is {row[column]!r}, "
                              "not true or false")
    return value == "true"


def _sheet_columns() -> tuple[SheetColumn, ...]:
    """``data/actuals_columns.csv``: the sheet's columns in order, with the headings each is read back by."""
    return tuple(
        SheetColumn(row["key"], row["label"], float(row["width"]), to_fill=_flag(row, "to_fill"),
                    text=_flag(row, "text"), required=_flag(row, "required"),
                    aliases=tuple(alias for alias in row["aliases"].split("|") if alias))
        for row in table("actuals_columns.csv")
    )


COLUMNS: tuple[SheetColumn, ...] = _sheet_columns()
REQUIRED = tuple(column.key for column in COLUMNS if column.required)
_KEYS = {column.key for column in COLUMNS}
_TOKEN = re.compile(r"[a-z_]+")

_WORD_CHOICES = '"达成预期指标,部分达成,未达成"'
_PERIOD_CHOICES = '"按期完成,未按期完成"'
_PROMPTS = {
    "quantitative": "填写数值和单位，如 35个、95%、88万元；不知道就留空（留空的指标不计分，不按0分）。",
    "qualitative": "从下拉选择达成预期指标/部分达成/未达成，或写实际情况；留空则不计分。",
    "period": "填写完成日期（如 2023-12-20）或“按期完成/未按期完成”；留空则不计分。",
}


# --- writing ---------------------------------------------------------------------------------------------


def template_rows(forms: Forms, policy: ScoringPolicy | None = None) -> pd.DataFrame:
    """The rows the template shows: one per annual indicator, with its project and scoring direction."""
    policy = policy or ScoringPolicy()
    indicators = forms.indicators
    annual = indicators[indicators["horizon"].fillna("annual").ne("long_term")]
    projects = forms.projects[["form_id", "project_name", "project_code"]]
    rows = annual.merge(projects, on="form_id", how="left", sort=False)
    rows["direction"] = [_direction_text(record, policy) for record in rows.to_dict("records")]
    rows["kind"] = [_row_kind(record) for record in rows.to_dict("records")]
    rows["actual_text"] = pd.NA
    rows["deviation_reason"] = pd.NA
    return rows[[column.key for column in COLUMNS] + ["kind"]].reset_index(drop=True)


def _direction_text(record: Mapping[str, Any], policy: ScoringPolicy) -> str:
    direction, note = direction_of(record, policy)
    return direction_label(direction) + ("（推定）" if note else "")


def _row_kind(record: Mapping[str, Any]) -> str:
    kind = record.get("target_kind")
    return kind if isinstance(kind, str) and kind in _PROMPTS else "qualitative"


def overwrite_problem(path: str | os.PathLike[str]) -> str | None:
    """Why writing a template to ``path`` would destroy something, or None when it would not.

    Nothing is there, or an actuals template nobody has filled in yet (no actual, no reason): it may be
    written over. A filled sheet, or any other file (one that cannot be read as an actuals sheet), is
    kept: the staff's work is never lost to a second run of ``actuals-template``.
    """
    target = Path(path)
    if not target.exists():
        return None
    if target.is_dir():
        return "is a folder"
    try:
        existing = read_actuals(target)
    except Exception as error:  # any file that is no actuals sheet (broken, another workbook) is kept
        return f"exists and is not an actuals template ({str(error).splitlines()[0][:160]})"
    filled = existing[existing["actual_text"].notna() | existing["deviation_reason"].notna()]
    if len(filled):
        first = filled.iloc[0]
        where = first["location"] if not is_na(first["location"]) else first["origin"]
        return f"is an actuals sheet with {len(filled)} filled row(s) (the first at {where})"
    return None


def write_actuals_template(forms: Forms, path: str | os.PathLike[str], policy: ScoringPolicy | None = None,
                           *, overwrite: bool = False) -> Path:
    """Write an xlsx sheet with one row per annual indicator (target shown, actual empty) for staff to fill in.

    Text stays text (codes like 036001 and targets like "=100" are never numbers or formulas), the header
    row and the key columns are frozen, the columns to fill are shaded, and each actual cell suggests what
    to write (a drop-down of 达成预期指标/部分达成/未达成 for targets in words). Returns the path written.

    An existing file is written over only when it is an empty template (see :func:`overwrite_problem`)
    or with ``overwrite=True``; otherwise :class:`ActualsSheetError` (``E_ACTUALS_FILLED``) and nothing
    is written. The workbook is written beside the target and moved into place when complete.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    target = Path(path)
    problem = None if overwrite else overwrite_problem(target)
    if problem:
        raise ActualsSheetError("E_ACTUALS_FILLED", f"{target} {problem}: nothing written; choose another file, "
                                "or overwrite it on purpose (--force, overwrite=True)")
    rows = template_rows(forms, policy)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    _write_header(sheet)
    for number, record in enumerate(rows.to_dict("records"), start=2):
        for col, column in enumerate(COLUMNS, start=1):
            _write_cell(sheet.cell(row=number, column=col), record.get(column.key), column)
    last_row = max(len(rows) + 1, 2)
    _add_guidance(sheet, rows)
    for col, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last_row}"
    _write_help(workbook.create_sheet(HELP_SHEET_NAME), policy or ScoringPolicy())
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        workbook.save(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    log.info("actuals template: %d indicators of %d forms written to %s", len(rows), rows["form_id"].nunique(), target)
    return target


def _write_header(sheet: Any) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for col, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=f"{column.label}\n{column.key}")
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.fill = PatternFill("solid", fgColor="FFF2CC" if column.to_fill else "D9E1F2")
    sheet.row_dimensions[1].height = 32


def _write_cell(cell: Any, value: Any, column: SheetColumn) -> None:
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import PatternFill

    if not is_na(value):
        if column.text:
            cell.value = str(value)
            cell.data_type = TYPE_STRING
        else:
            number = float(value)
            cell.value = int(number) if number.is_integer() else number
    if column.text:
        cell.number_format = "@"
    if column.to_fill:
        cell.fill = PatternFill("solid", fgColor="FFF2CC")


def _add_guidance(sheet: Any, rows: pd.DataFrame) -> None:
    """Input prompts on every actual cell; a (non-binding) drop-down where the target is in words or a period."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = get_column_letter(next(i for i, c in enumerate(COLUMNS, start=1) if c.key == "actual_text"))
    choices = {"qualitative": _WORD_CHOICES, "period": _PERIOD_CHOICES, "quantitative": None}
    for kind, prompt in _PROMPTS.items():
        cells = [f"{letter}{number}" for number, row_kind in enumerate(rows["kind"], start=2) if row_kind == kind]
        if not cells:
            continue
        formula = choices[kind]
        validation = DataValidation(type="list" if formula else None, formula1=formula, allow_blank=True,
                                    showErrorMessage=False, showInputMessage=True, promptTitle="实际完成值",
                                    prompt=prompt)
        for cell in cells:
            validation.add(cell)
        sheet.add_data_validation(validation)


def _write_help(sheet: Any, policy: ScoringPolicy) -> None:
    lines = [
        "如何填写",
        "1. 只填黄色两列：实际完成值、偏差原因及改进措施。其他列不要改动，尤其是表单编号和指标序号（据此对应回原表）。",
        "2. 数值指标：写数值和单位，如 35个、95%、88万元；可照指标值写法，如 ≥266米。未写单位的按指标值的单位计。"
        "百分比请写 95%，不要写 0.95（无法判断是 95% 还是 0.95%，不计分）；数值指标只写“完成”等文字的不计分。",
        "   不要填公式：公式不计算，其结果也不采信，请直接填写数值。",
        "   复制本表另存为新工作表时，各表都会读取，同一指标在各表中的实际值须一致。",
        "3. 文字指标：写达成预期指标、部分达成或未达成（下拉可选），也可写实际情况，如“显著提升”“基本完成”。",
        "4. 时限指标：写完成日期（如 2023-12-20）或“按期完成/未按期完成”。",
        "5. 不知道实际值就留空：留空的指标不计分，不会按0分计算。",
        "6. 表单编号由表单文件相对所读文件夹的路径生成：计分时请按生成本表时同样的文件夹读取表单。",
        "",
        "计分规则（默认按财预〔2020〕10号）",
        "正向指标（≥）：达到得满分，否则 分值×实际值/指标值；",
        "反向指标（≤、成本类）：达到得满分，否则 分值×指标值/实际值。",
        "未写比较符号的数值按“不低于”计分（成本类按“不超过”），评分方向列注明“推定”。",
        "文字指标分三档：达成 80–100%、部分达成 60–80%、未达成 0–60%。",
        f"本表生成时的计分选项：{policy.describe()}",
    ]
    for number, line in enumerate(lines, start=1):
        sheet.cell(row=number, column=1, value=line)
    sheet.column_dimensions["A"].width = 110


# --- reading ---------------------------------------------------------------------------------------------


def cell_text(value: Any, number_format: str = "General") -> str | None:
    """A cell's value as the text a person typed: 35 → "35", 0.95 shown as % → "95%", a date → "2023-12-20"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            return f"{value * 100:.10g}%"
        return f"{value:.15g}"
    text = str(value).strip()
    return text or None


_STRONG, _WEAK = 2, 1
"""How surely a heading names a column: its key or a whole alias (strong), or only begins with an alias."""


def _header_key(text: str | None) -> tuple[str, int] | None:
    """The column a heading names and how surely: ("actual_text", strong) for "实际完成值\nactual_text" or
    "实际完成值", ("actual_text", weak) for "实际完成值（上半年）"."""
    if not text:
        return None
    tokens = set(_TOKEN.findall(text.lower()))
    for column in COLUMNS:
        if column.key in tokens:
            return column.key, _STRONG
    key = compact(text)
    for column in COLUMNS:
        if key in column.aliases:
            return column.key, _STRONG
    for column in COLUMNS:
        if any(key.startswith(alias) for alias in column.aliases):
            return column.key, _WEAK
    return None


Row = tuple[int, list[str | None]]
"""A sheet row: its number (1-based, as a spreadsheet shows it) and its cells as text."""


@dataclass(frozen=True)
class SheetTable:
    """One sheet (or a CSV file) as text: its label ("sheet '实际完成值'" or "csv"), rows, and formula cells.

    ``formulas`` holds the (row number, column index) of every cell that holds a formula: its text is
    the formula ("=B2*100"), never a value computed or cached by a spreadsheet program.
    """

    label: str
    rows: list[Row]
    formulas: frozenset[tuple[int, int]] = frozenset()
    is_sheet: bool = True

    def cell_ref(self, number: int, col: int) -> str:
        """Where a cell is, as a person finds it: "sheet '实际完成值', cell K5" or "csv, row 5, column 11"."""
        if self.is_sheet:
            from openpyxl.utils import get_column_letter

            return f"{self.label}, cell {get_column_letter(col + 1)}{number}"
        return f"{self.label}, row {number}, column {col + 1}"


@dataclass(frozen=True)
class _Header:
    position: int
    mapping: dict[int, str]
    ambiguous: dict[str, list[int]]
    """Keys headed equally surely by more than one column: which one holds the values cannot be told."""


def _find_header(rows: list[Row]) -> _Header | None:
    """The header row among the first five: the one naming 表单编号 and 指标序号; columns read by heading text.

    A column is found by its heading, never by its position: the surest heading of a key wins (the
    template's "实际完成值\nactual_text" over an inserted "实际完成值（上半年）"), and two equally sure
    headings of one key are ambiguous.
    """
    for position, (_, cells) in enumerate(rows[:5]):
        found: dict[str, list[tuple[int, int]]] = {}
        for col, text in enumerate(cells):
            match = _header_key(text)
            if match:
                found.setdefault(match[0], []).append((match[1], col))
        if {"form_id", "indicator_no"} <= set(found):
            mapping: dict[int, str] = {}
            ambiguous: dict[str, list[int]] = {}
            for key, candidates in found.items():
                best = max(strength for strength, _ in candidates)
                cols = [col for strength, col in candidates if strength == best]
                mapping[cols[0]] = key
                if len(cols) > 1:
                    ambiguous[key] = cols
            return _Header(position, mapping, ambiguous)
    return None


def _formula_text(value: Any) -> str:
    """The text of a formula cell as openpyxl holds it (a string, or an array formula's ``text``)."""
    text = getattr(value, "text", None)
    return str(text if text is not None else value)


def _xlsx_tables(source: Path) -> list[SheetTable]:
    """Every sheet as text. Formulas are read as their formula text (``data_only=False``): a workbook
    saved by a program that does not calculate has no cached values, and cached ones are not believed."""
    from openpyxl import load_workbook

    workbook = load_workbook(source, data_only=False)
    try:
        tables = []
        for sheet in workbook.worksheets:
            rows: list[Row] = []
            formulas: set[tuple[int, int]] = set()
            for row in sheet.iter_rows():
                if not row:
                    continue
                texts: list[str | None] = []
                for col, cell in enumerate(row):
                    if cell.data_type == "f":
                        formulas.add((row[0].row, col))
                        texts.append(_formula_text(cell.value))
                    else:
                        texts.append(cell_text(cell.value, cell.number_format))
                rows.append((row[0].row, texts))
            tables.append(SheetTable(f"sheet {sheet.title!r}", rows, frozenset(formulas)))
        return tables
    finally:
        workbook.close()


def _csv_tables(source: Path) -> list[SheetTable]:
    """A CSV saved by Excel (UTF-8 with BOM) or by WPS on Chinese Windows (GB18030)."""
    import csv

    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = source.read_text(encoding=encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ActualsSheetError("E_ACTUALS_FORMAT", f"{source.name}: not UTF-8 or GB18030 text")
    rows = [(number, [cell_text(value) for value in values])
            for number, values in enumerate(csv.reader(text.splitlines()), start=1)]
    return [SheetTable("csv", rows, is_sheet=False)]


ACTUALS_COLUMNS = (
    "form_id", "indicator_no", "actual_text", "actual_comparator", "actual_value", "actual_unit",
    "deviation_reason", "origin", "location", "code", "problem",
)
"""The columns :func:`read_actuals` returns."""


def read_actuals(path: str | os.PathLike[str], sheets: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Read a filled-in actuals sheet (xlsx, or csv): one row per indicator, keyed by ``form_id`` + ``indicator_no``.

    Columns: form_id, indicator_no, actual_text (NA when left empty), actual_comparator, actual_value,
    actual_unit (parsed like the forms' own actuals), deviation_reason, origin (file, sheet and row),
    location (the actual's cell, "sheet '实际完成值', cell K5"), and ``code``/``problem`` for an actual
    that must not be used (NA otherwise): ``W_ACTUALS_FORMULA`` (a formula: never evaluated, its cached
    value not believed) or ``W_ACTUALS_CONFLICT`` (two sheets give one indicator different actuals).
    :func:`apply_actuals` turns those into warnings and scores nothing from them.

    Which sheets are read: every sheet with the template's headings (表单编号/form_id, 指标序号/
    indicator_no and 实际完成值/actual_text in one of its first five rows), so a filled copy of the sheet
    beside the empty original is read, and an indicator filled in two sheets must agree; ``sheets``
    names the only sheets to read instead. Columns are found by their headings, never their position.
    When actuals come from more than one sheet, ``frame.attrs["notices"]`` says so (a warning once
    applied). Raises ``ValueError`` naming the file, sheet and rows when keys are missing, malformed or
    repeated within a sheet, or two columns carry the same heading.
    """
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix == ".csv":
        tables = _csv_tables(source)
    elif suffix in (".xlsx", ".xlsm"):
        tables = _xlsx_tables(source)
    else:
        raise ActualsSheetError("E_ACTUALS_FORMAT", f"{source.name}: actuals are read from an .xlsx workbook or a "
                                f".csv file, not {suffix!r}")
    if sheets is not None:
        wanted = [sheets] if isinstance(sheets, str) else list(sheets)
        labels = {f"sheet {name!r}": name for name in wanted}
        missing = [name for label, name in labels.items() if label not in {sheet.label for sheet in tables}]
        if missing:
            raise ActualsSheetError(
                "E_ACTUALS_COLUMNS", f"{source.name}: no sheet {', '.join(map(repr, missing))} "
                f"(its sheets: {', '.join(sheet.label.removeprefix('sheet ') for sheet in tables)})")
        tables = [sheet for sheet in tables if sheet.label in labels]
    frames = []
    for sheet in tables:
        header = _find_header(sheet.rows)
        if header is not None:
            frames.append((sheet, _read_rows(source, sheet, header)))
        elif sheets is not None:
            raise ActualsSheetError("E_ACTUALS_COLUMNS", f"{source.name}, {sheet.label}: no columns 表单编号 "
                                    "(form_id) and 指标序号 (indicator_no) in its first five rows")
    if not frames:
        raise ActualsSheetError("E_ACTUALS_COLUMNS", f"{source.name}: no sheet has the columns 表单编号 (form_id) and "
                                "指标序号 (indicator_no) in its first five rows")
    return _merge_sheets(source, frames)


def _read_rows(source: Path, table: SheetTable, header: _Header) -> pd.DataFrame:
    label, mapping = table.label, header.mapping
    missing = [key for key in REQUIRED if key not in mapping.values()]
    if missing:
        raise ActualsSheetError("E_ACTUALS_COLUMNS",
                                f"{source.name}, {label}: no column {', '.join(missing)} in the header row")
    if header.ambiguous:
        number = table.rows[header.position][0]
        clashes = "; ".join(
            f"{' and '.join(table.cell_ref(number, col).removeprefix(label + ', ') for col in cols)} are all "
            f"headed {table.rows[header.position][1][cols[0]]!r}"
            for cols in header.ambiguous.values()
        )
        raise ActualsSheetError("E_ACTUALS_COLUMNS", f"{source.name}, {label}: {clashes}: which column holds the "
                                "values cannot be told; rename or delete the extra column")
    actual_col = next(col for col, key in mapping.items() if key == "actual_text")
    records, problems = [], []
    for number, cells in table.rows[header.position + 1:]:
        values = {key: cells[col] if col < len(cells) else None for col, key in mapping.items()}
        if not any(values.get(key) for key in REQUIRED):
            continue
        where = f"{source.name}, {label}, row {number}"
        indicator_no = whole_number(values.get("indicator_no"))
        if not values.get("form_id") or indicator_no is None:
            problems.append(f"{where}: 表单编号 {values.get('form_id')!r} / 指标序号 "
                            f"{values.get('indicator_no')!r} missing or not a whole number")
            continue
        location = f"{source.name}, {table.cell_ref(number, actual_col)}"
        is_formula = (number, actual_col) in table.formulas and bool(values.get("actual_text"))
        records.append(_actual_record(values, indicator_no, where, location, is_formula))
    frame = pd.DataFrame.from_records(records, columns=list(ACTUALS_COLUMNS))
    repeated = frame[frame.duplicated(["form_id", "indicator_no"], keep=False)]
    problems += [f"{row.origin}: form {row.form_id} indicator {row.indicator_no} appears more than once"
                 for row in repeated.itertuples()]
    if problems:
        shown = "\n  ".join(problems[:10]) + (f"\n  … and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise ActualsSheetError("E_ACTUALS_KEYS", f"actuals sheet cannot be used:\n  {shown}")
    return frame


def _actual_record(values: Mapping[str, str | None], number: int, where: str, location: str,
                   is_formula: bool = False) -> dict[str, Any]:
    actual = values.get("actual_text")
    parsed = parse_target(actual) if actual and not is_formula else None
    quantitative = parsed if parsed is not None and parsed.kind == QUANTITATIVE else None
    record = {
        "form_id": values["form_id"],
        "indicator_no": number,
        "actual_text": actual,
        "actual_comparator": quantitative.comparator if quantitative else None,
        "actual_value": quantitative.value if quantitative else None,
        "actual_unit": quantitative.unit if quantitative else None,
        "deviation_reason": values.get("deviation_reason"),
        "origin": where,
        "location": location,
        "code": None,
        "problem": None,
    }
    if is_formula:
        record["code"] = "W_ACTUALS_FORMULA"
        record["problem"] = (f"the actual is a formula ({actual}); formulas are never evaluated and their cached "
                             "values not believed: type the value itself")
    return record


def _merge_sheets(source: Path, frames: list[tuple[SheetTable, pd.DataFrame]]) -> pd.DataFrame:
    """One row per indicator from every sheet read: the actual of the one sheet that has it, the same
    actual from several, or a conflict (``W_ACTUALS_CONFLICT``, nothing used) when they differ."""
    if len(frames) == 1:
        merged = frames[0][1]
        merged.attrs["notices"] = []
        return _typed(merged)
    stacked = pd.concat([frame for _, frame in frames], ignore_index=True)
    records = []
    for _, group in stacked.groupby(["form_id", "indicator_no"], sort=False):
        filled = group[group["actual_text"].notna()]
        if filled.empty:
            record = group.iloc[0].to_dict()
        elif filled["actual_text"].map(compact).nunique() == 1:
            record = filled.iloc[0].to_dict()
        else:
            record = filled.iloc[0].to_dict()
            shown = "; ".join(f"{row.location.removeprefix(source.name + ', ')}: {row.actual_text!r}"
                              for row in filled.itertuples())
            record.update(actual_text=" / ".join(filled["actual_text"]), actual_comparator=None,
                          actual_value=None, actual_unit=None, code="W_ACTUALS_CONFLICT",
                          problem=f"form {record['form_id']} indicator {record['indicator_no']} has different "
                                  f"actuals in two sheets ({shown}); neither is used")
        if pd.isna(record.get("deviation_reason")):
            reasons = group["deviation_reason"].dropna()
            record["deviation_reason"] = reasons.iloc[0] if len(reasons) else None
        records.append(record)
    merged = pd.DataFrame.from_records(records, columns=list(ACTUALS_COLUMNS))
    names = ", ".join(sheet.label for sheet, _ in frames)
    merged.attrs["notices"] = [{
        "code": "W_ACTUALS_SEVERAL_SHEETS", "location": source.name,
        "message": f"actuals sheet: {source.name} has {len(frames)} sheets with the template's headings "
                   f"({names}); all were read, an indicator filled in more than one must agree",
    }]
    return _typed(merged)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    notices = frame.attrs.get("notices", [])
    typed = frame.astype({
        "form_id": "str", "indicator_no": "Int64", "actual_text": "str", "actual_comparator": "str",
        "actual_value": "float64", "actual_unit": "str", "deviation_reason": "str", "origin": "str",
        "location": "str", "code": "str", "problem": "str",
    })
    typed.attrs["notices"] = notices
    return typed


# --- joining ---------------------------------------------------------------------------------------------

_ACTUAL_COLUMNS = ("actual_text", "actual_comparator", "actual_value", "actual_unit")
_PERCENT_FRACTION_LIMIT = 1.5
"""A bare number up to this against a percentage target may be a fraction typed for a percentage (0.95 for 95%)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an actual from the sheet is not used: a notice code, the warning's message, and the indicator's note."""

    code: str
    message: str
    note: str


def refusal(actual: Mapping[str, Any], target: Mapping[str, Any]) -> Refusal | None:
    """Why a sheet's actual must not be scored against its target, or None when it may.

    Nothing is scored from a guess: words against a numeric target ("完成" for "≥90%") are no number,
    and a bare number up to 1.5 against a percentage ("0.95" for "≥90%") may be 95% or 0.95%; both are
    refused with a warning naming the cell, and the indicator is not scored. (Typed as 95% or with a %
    number format the cell reads "95%" and is used.) Formulas and conflicting sheets are refused by
    :func:`read_actuals` already (``code``).
    """
    where = text_of(actual.get("location")) or text_of(actual.get("origin"))
    code = text_of(actual.get("code"))
    if code:
        return Refusal(code, text_of(actual.get("problem")) or "actual not used",
                       _REFUSAL_NOTES.get(code, "实际完成值表中该值不可用，不计分") + f"（{where}）")
    text, target_text = text_of(actual.get("actual_text")), text_of(target.get("target_text"))
    if text_of(target.get("target_kind")) != QUANTITATIVE or is_na(target.get("target_value")):
        return None
    value = actual.get("actual_value")
    if is_na(value):
        return Refusal("W_ACTUAL_NOT_A_NUMBER",
                       f"actual {text!r} is words, the target {target_text!r} a number: "
                       "write the number reached; not scored",
                       f"实际完成值表中实际值“{text}”为文字，指标值“{target_text}”为数值，请填写实际数值；不计分（{where}）")
    unit = text_of(actual.get("actual_unit"))
    if text_of(target.get("unit")) == "%" and not unit and 0 < float(value) <= _PERCENT_FRACTION_LIMIT:
        return Refusal("W_ACTUAL_FRACTION_FOR_PERCENT",
                       f"actual {text!r} against the percentage target {target_text!r} may be a "
                       f"fraction ({float(value):.0%}) or {text}%: write it with a % sign; not scored",
                       f"实际完成值表中实际值“{text}”未写%，指标值为百分比“{target_text}”，无法判断是"
                       f"{float(value):.0%}还是{text}%，请写明%；不计分（{where}）")
    return None


_REFUSAL_NOTES = {
    "W_ACTUALS_FORMULA": "实际完成值表中该实际值为公式，公式不计算、其缓存结果不采信，请直接填写数值；不计分",
    "W_ACTUALS_CONFLICT": "实际完成值表的多个工作表对该指标填写了不同的实际值，均不采用；不计分",
}


def apply_actuals(forms: Forms, actuals: pd.DataFrame) -> Forms:
    """The forms with the sheet's actuals in their indicator table (a new ``Forms``; the input is untouched).

    Only rows with an actual are applied: an empty actual in the sheet leaves the form's own actual (or
    its absence) as it was. A sheet row naming an indicator the forms do not have is not applied and
    becomes a row of ``warnings``, so a typo in a key is seen, not silently dropped. An actual that must
    not be scored (see :func:`refusal`: a formula, sheets that disagree, words or a bare fraction against
    a number) is put in ``actual_text`` as typed with ``actual_problem`` saying why, is not scored, and
    becomes a warning naming its cell.
    """
    indicators = forms.indicators.copy()
    if "actual_problem" not in indicators.columns:
        indicators["actual_problem"] = pd.Series(pd.NA, index=indicators.index, dtype="str")
    sheet = actuals.copy()
    for column in ("location", "code", "problem"):
        if column not in sheet.columns:
            sheet[column] = pd.NA
    given = sheet[sheet["actual_text"].notna()].drop_duplicates(["form_id", "indicator_no"], keep="last")
    position = {key: i for i, key in enumerate(zip(indicators["form_id"], indicators["indicator_no"], strict=True))}
    targets = [position.get((row.form_id, int(row.indicator_no))) for row in given.itertuples()]
    matched = [i for i, target in enumerate(targets) if target is not None]
    rows = [targets[i] for i in matched]
    records = given.iloc[matched].to_dict("records")
    target_records = indicators.iloc[rows].to_dict("records") if rows else []
    refusals = [refusal(actual, target) for actual, target in zip(records, target_records, strict=True)]
    refused_mask = pd.Series([refused is not None for refused in refusals], dtype="bool")
    for column in _ACTUAL_COLUMNS:
        values = given[column].iloc[matched].reset_index(drop=True)
        if column != "actual_text":  # what was typed is shown, nothing is read from it
            values = values.mask(refused_mask)
        indicators.loc[indicators.index[rows], column] = values.to_numpy()
    notes = pd.Series([refused.note if refused else None for refused in refusals], dtype="str")
    indicators.loc[indicators.index[rows], "actual_problem"] = notes.to_numpy()
    reasons = given["deviation_reason"].iloc[matched]
    with_reason = [row for row, reason in zip(rows, reasons, strict=True) if not is_na(reason)]
    indicators.loc[indicators.index[with_reason], "deviation_reason"] = reasons.dropna().to_numpy()
    unmatched = given.iloc[[i for i, target in enumerate(targets) if target is None]]
    source = next((str(origin).split(",")[0] for origin in sheet["origin"].dropna()), "")
    warnings = [
        {"form_id": None, "source_file": source, "location": notice["location"], "code": notice["code"],
         "message": notice["message"]}
        for notice in actuals.attrs.get("notices", [])
    ]
    warnings += [
        {"form_id": actual["form_id"], "source_file": str(actual["origin"]).split(",")[0],
         "location": text_of(actual.get("location")) or actual["origin"], "code": refused.code,
         "message": f"actuals sheet: {refused.message}"}
        for actual, refused in zip(records, refusals, strict=True) if refused
    ]
    warnings += [
        {"form_id": row.form_id, "source_file": row.origin.split(",")[0], "location": row.origin,
         "code": "W_ACTUAL_UNMATCHED",
         "message": f"actuals sheet: form {row.form_id} has no indicator {row.indicator_no}; "
                    f"actual {row.actual_text!r} not used"}
        for row in unmatched.itertuples()
    ]
    for warning in warnings:
        log.warning("%s: %s", warning["location"], warning["message"])
    log.info("actuals applied to %d indicators (%d refused)", len(rows), sum(map(bool, refusals)))
    applied = Forms({**forms.tables, "indicators": schema.conform("indicators", indicators)})
    return with_rows(applied, "warnings", warnings) if warnings else applied
