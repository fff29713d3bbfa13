"""Actuals from a sheet: a template for staff to fill in, reading it back, joining it to the forms.

Declarations and target forms carry no actuals, and self-evaluations often arrive with the actuals
column empty. :func:`write_actuals_template` writes one row per annual indicator (target shown, actual
empty) to an xlsx workbook; staff fill in the 实际完成值 column; :func:`read_actuals` reads it back keyed
by ``form_id`` + ``indicator_no``; :func:`apply_actuals` puts the actuals into the forms' indicator table
so that :func:`budgetlib.score` can use them. An actual left empty stays missing: the indicator is then
not scored (never 0), or keeps the actual its form already states.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from budgetlib import schema
from budgetlib.forms import Forms, with_rows
from budgetlib.scoring.indicators import direction_label, direction_of, is_na
from budgetlib.scoring.policy import ScoringPolicy
from budgetlib.transform.normalize import compact
from budgetlib.transform.numbers import whole_number
from budgetlib.transform.targets import QUANTITATIVE, parse_target
from budgetlib.vocabulary import VocabularyError, table

log = logging.getLogger(__name__)

SHEET_NAME = "实际完成值"
HELP_SHEET_NAME = "填写说明"


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


def write_actuals_template(forms: Forms, path: str | os.PathLike[str], policy: ScoringPolicy | None = None) -> Path:
    """Write an xlsx sheet with one row per annual indicator (target shown, actual empty) for staff to fill in.

    Text stays text (codes like 036001 and targets like "=100" are never numbers or formulas), the header
    row and the key columns are frozen, the columns to fill are shaded, and each actual cell suggests what
    to write (a drop-down of 达成预期指标/部分达成/未达成 for targets in words). Returns the path written.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

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
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
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
        "2. 数值指标：写数值和单位，如 35个、95%、88万元；可照指标值写法，如 ≥266米。未写单位的按指标值的单位计。",
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


def _header_key(text: str | None) -> str | None:
    if not text:
        return None
    tokens = set(_TOKEN.findall(text.lower()))
    for column in COLUMNS:
        if column.key in tokens:
            return column.key
    key = compact(text)
    for column in COLUMNS:
        if any(key == alias or key.startswith(alias) for alias in column.aliases):
            return column.key
    return None


Row = tuple[int, list[str | None]]
"""A sheet row: its number (1-based, as a spreadsheet shows it) and its cells as text."""


def _find_header(rows: list[Row]) -> tuple[int, dict[int, str]] | None:
    for position, (_, cells) in enumerate(rows[:5]):
        mapping: dict[int, str] = {}
        for col, text in enumerate(cells):
            key = _header_key(text)
            if key and key not in mapping.values():
                mapping[col] = key
        if {"form_id", "indicator_no"} <= set(mapping.values()):
            return position, mapping
    return None


def _xlsx_tables(source: Path) -> list[tuple[str, list[Row]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(source, data_only=True)
    try:
        return [
            (f"sheet {sheet.title!r}",
             [(row[0].row, [cell_text(c.value, c.number_format) for c in row]) for row in sheet.iter_rows() if row])
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()


def _csv_tables(source: Path) -> list[tuple[str, list[Row]]]:
    """A CSV saved by Excel (UTF-8 with BOM) or by WPS on Chinese Windows (GB18030)."""
    import csv

    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = source.read_text(encoding=encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{source.name}: not UTF-8 or GB18030 text")
    rows = [(number, [cell_text(value) for value in values])
            for number, values in enumerate(csv.reader(text.splitlines()), start=1)]
    return [("csv", rows)]


def read_actuals(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a filled-in actuals sheet (xlsx, or csv): one row per indicator, keyed by ``form_id`` + ``indicator_no``.

    Columns: form_id, indicator_no, actual_text (NA when left empty), actual_comparator, actual_value,
    actual_unit (parsed like the forms' own actuals), deviation_reason, origin (file, sheet and row).
    The sheet is found by its header (表单编号/form_id, 指标序号/indicator_no, 实际完成值/actual_text),
    so columns may be moved or added. Raises ``ValueError`` naming the file, sheet and rows when keys are
    missing, malformed or repeated.
    """
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix == ".csv":
        tables = _csv_tables(source)
    elif suffix in (".xlsx", ".xlsm"):
        tables = _xlsx_tables(source)
    else:
        raise ValueError(f"{source.name}: actuals are read from an .xlsx workbook or a .csv file, not {suffix!r}")
    for label, rows in tables:
        found = _find_header(rows)
        if found is not None:
            return _read_rows(source, label, rows, *found)
    raise ValueError(f"{source.name}: no sheet has the columns 表单编号 (form_id) and 指标序号 (indicator_no) "
                     "in its first five rows")


def _read_rows(source: Path, label: str, rows: list[Row], header_at: int, mapping: dict[int, str]) -> pd.DataFrame:
    missing = [key for key in REQUIRED if key not in mapping.values()]
    if missing:
        raise ValueError(f"{source.name}, {label}: no column {', '.join(missing)} in the header row")
    records, problems = [], []
    for number, cells in rows[header_at + 1:]:
        values = {key: cells[col] if col < len(cells) else None for col, key in mapping.items()}
        if not any(values.get(key) for key in REQUIRED):
            continue
        where = f"{source.name}, {label}, row {number}"
        indicator_no = whole_number(values.get("indicator_no"))
        if not values.get("form_id") or indicator_no is None:
            problems.append(f"{where}: 表单编号 {values.get('form_id')!r} / 指标序号 "
                            f"{values.get('indicator_no')!r} missing or not a whole number")
            continue
        records.append(_actual_record(values, indicator_no, where))
    frame = pd.DataFrame.from_records(records, columns=[
        "form_id", "indicator_no", "actual_text", "actual_comparator", "actual_value", "actual_unit",
        "deviation_reason", "origin",
    ])
    repeated = frame[frame.duplicated(["form_id", "indicator_no"], keep=False)]
    problems += [f"{row.origin}: form {row.form_id} indicator {row.indicator_no} appears more than once"
                 for row in repeated.itertuples()]
    if problems:
        shown = "\n  ".join(problems[:10]) + (f"\n  … and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise ValueError(f"actuals sheet cannot be used:\n  {shown}")
    return frame.astype({
        "form_id": "str", "indicator_no": "Int64", "actual_text": "str", "actual_comparator": "str",
        "actual_value": "float64", "actual_unit": "str", "deviation_reason": "str", "origin": "str",
    })


def _actual_record(values: Mapping[str, str | None], number: int, where: str) -> dict[str, Any]:
    actual = values.get("actual_text")
    parsed = parse_target(actual) if actual else None
    quantitative = parsed is not None and parsed.kind == QUANTITATIVE
    return {
        "form_id": values["form_id"],
        "indicator_no": number,
        "actual_text": actual,
        "actual_comparator": parsed.comparator if quantitative else None,
        "actual_value": parsed.value if quantitative else None,
        "actual_unit": parsed.unit if quantitative else None,
        "deviation_reason": values.get("deviation_reason"),
        "origin": where,
    }


# --- joining ---------------------------------------------------------------------------------------------

_ACTUAL_COLUMNS = ("actual_text", "actual_comparator", "actual_value", "actual_unit")


def apply_actuals(forms: Forms, actuals: pd.DataFrame) -> Forms:
    """The forms with the sheet's actuals in their indicator table (a new ``Forms``; the input is untouched).

    Only rows with an actual are applied: an empty actual in the sheet leaves the form's own actual (or
    its absence) as it was. A sheet row naming an indicator the forms do not have is not applied and
    becomes a row of ``warnings``, so a typo in a key is seen, not silently dropped.
    """
    indicators = forms.indicators.copy()
    given = actuals[actuals["actual_text"].notna()].drop_duplicates(["form_id", "indicator_no"], keep="last")
    position = {key: i for i, key in enumerate(zip(indicators["form_id"], indicators["indicator_no"], strict=True))}
    targets = [position.get((row.form_id, int(row.indicator_no))) for row in given.itertuples()]
    matched = [i for i, target in enumerate(targets) if target is not None]
    rows = [targets[i] for i in matched]
    for column in _ACTUAL_COLUMNS:
        values = given[column].iloc[matched].to_numpy()
        indicators.loc[indicators.index[rows], column] = values
    reasons = given["deviation_reason"].iloc[matched]
    with_reason = [row for row, reason in zip(rows, reasons, strict=True) if not is_na(reason)]
    indicators.loc[indicators.index[with_reason], "deviation_reason"] = reasons.dropna().to_numpy()
    unmatched = given.iloc[[i for i, target in enumerate(targets) if target is None]]
    warnings = [
        {"form_id": row.form_id, "source_file": row.origin.split(",")[0], "location": row.origin,
         "code": "W_ACTUAL_UNMATCHED",
         "message": f"actuals sheet: form {row.form_id} has no indicator {row.indicator_no}; "
                    f"actual {row.actual_text!r} not used"}
        for row in unmatched.itertuples()
    ]
    for warning in warnings:
        log.warning("%s: %s", warning["location"], warning["message"])
    log.info("actuals applied to %d indicators", len(rows))
    applied = Forms({**forms.tables, "indicators": schema.conform("indicators", indicators)})
    return with_rows(applied, "warnings", warnings) if warnings else applied
