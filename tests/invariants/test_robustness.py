"""The catalogue of bad inputs: one test per entry, each read through ``read_forms`` beside a good form.

Every test checks what a user needs from a bad file: its form is read, with a warning in
``forms.warnings`` saying what was odd; or the file is a row of ``forms.errors`` naming it and why.
And every test checks, through :func:`read_beside_good`, that the good form read in the same call is
read in full and that no file is lost (each is in ``projects`` or in ``errors``). Nothing may raise,
hang (the per-file time limit) or grow without bound (file size and cell caps).

The last sections check that untrusted files stay data: formulas are never evaluated, XML entities
never resolved, scripts never read, and what is written out cannot run in a spreadsheet or land
outside the output folder.
"""

from __future__ import annotations

import codecs
import io
import os
import random
import re
import signal
import sys
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import budgetlib as bl
from budgetlib import limits
from budgetlib.cli import main
from budgetlib.extract import markdown as markdown_module
from budgetlib.extract.load import MAX_FILE_BYTES
from budgetlib.output import FORMULA_STARTS, csv_original_text, csv_safe_text, write_tables
from budgetlib.read import batch
from budgetlib.testing import markdown_to_html, markdown_to_xlsx, unaccounted_cells
from tests.conftest import EXAMPLES, QINGSHAN, SEED, ZHONGJIANG, read_example

GOOD = QINGSHAN
GOOD_NAME = "教育系统基础设施建设和设备购置"
SEED_TEXT = (EXAMPLES / SEED).read_text(encoding="utf-8")
SEED_NAME = "区电子政务网络运行维护"
SHEET = "xl/worksheets/sheet1.xml"


# --- helpers --------------------------------------------------------------------------------------


def read_beside_good(tmp_path: Path, files: dict[str, bytes | str], **options: object) -> bl.Forms:
    """Read the given files and a good form in one ``read_forms`` call; check the good form and that no
    file is lost."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    good = folder / GOOD
    good.write_bytes((EXAMPLES / GOOD).read_bytes())
    paths = [good]
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        paths.append(path)
    forms = bl.read_forms(paths, **options)  # type: ignore[arg-type]
    # the good form is read in full, whatever its neighbour did
    assert list(forms.projects.loc[forms.projects["source_file"] == GOOD, "project_name"]) == [GOOD_NAME]
    assert (forms.indicators["form_id"] == f"{GOOD}#0").sum() == 7
    assert GOOD not in set(forms.errors["source_file"])
    # no file is lost: each is in projects or in errors
    seen = set(forms.projects["source_file"]) | set(forms.errors["source_file"])
    assert set(files) <= seen
    return forms


def error_of(forms: bl.Forms, name: str) -> str:
    """The one errors row of a file (and that it has no form)."""
    rows = forms.errors[forms.errors["source_file"] == name]
    assert len(rows) == 1, rows
    assert name not in set(forms.projects["source_file"])
    return str(rows["error"].iloc[0])


def warnings_of(forms: bl.Forms, name: str) -> list[str]:
    return list(forms.warnings.loc[forms.warnings["source_file"] == name, "message"])


def project_of(forms: bl.Forms, name: str) -> pd.Series:
    rows = forms.projects[forms.projects["source_file"] == name]
    assert len(rows) == 1, f"{name}: {list(forms.errors['error'])}"
    assert name not in set(forms.errors["source_file"])
    return rows.iloc[0]


def form_rows(forms: bl.Forms, table: str, name: str, drop: tuple[str, ...] = ()) -> list[tuple]:
    """A form's rows of a table as plain tuples (NA as None), without its ids and the given columns."""
    df = getattr(forms, table)
    df = df[df["form_id"].astype(str).str.startswith(f"{name}#")]
    df = df.drop(columns=[c for c in ("form_id", "source_file", *drop) if c in df.columns])
    return [tuple(None if pd.isna(v) else v for v in row) for row in df.itertuples(index=False)]


def assert_reads_like_seed(forms: bl.Forms, name: str) -> None:
    """The file gave the same projects, funding, expenditure and indicator rows as the seed form.

    ``coverage`` is left out with ``encoding``: it counts the cells these files add to the seed on purpose
    (thousands of cells no table takes), so it is rightly lower than the seed's.
    """
    seed = read_example(SEED)
    for table, drop in (("projects", ("encoding", "coverage")), ("funding", ()), ("expenditures", ()),
                        ("indicators", ())):
        assert form_rows(forms, table, name, drop) == form_rows(seed, table, SEED, drop), table


def indicator_values(forms: bl.Forms, name: str) -> list[tuple]:
    columns = ["level1", "level2", "name", "target_text", "weight", "actual_text", "score"]
    df = forms.indicators[forms.indicators["form_id"] == f"{name}#0"]
    return [tuple(None if pd.isna(v) else v for v in row) for row in df[columns].itertuples(index=False)]


def all_texts(forms: bl.Forms) -> str:
    """Every text value of every table, joined: to show that something is nowhere."""
    parts: list[str] = []
    for df in forms.tables.values():
        for column in df.columns:
            parts.extend(v for v in df[column].tolist() if isinstance(v, str))
    return "\n".join(parts)


def rewrite(data: bytes, changes: dict[str, Callable[[bytes], bytes]], added: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip archive with some members changed and some added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            archive.writestr(info.filename, changes.get(info.filename, lambda x: x)(content))
        for member, content in (added or {}).items():
            archive.writestr(member, content)
    return buffer.getvalue()


def seed_workbook(change: Callable[[openpyxl.worksheet.worksheet.Worksheet], None] | None = None) -> bytes:
    data = markdown_to_xlsx(EXAMPLES / SEED)
    if change is None:
        return data
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    change(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def value_cell_of(sheet: openpyxl.worksheet.worksheet.Worksheet, label: str) -> openpyxl.cell.Cell:
    """The cell right of the cell holding ``label``."""
    found = next(cell for row in sheet.iter_rows() for cell in row if cell.value == label)
    return sheet.cell(found.row, found.column + 1)


def replace_row(text: str, label: str, value: str) -> str:
    """The markdown text with the value right of ``label`` in the first row that has it replaced."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        cells = line.split("|")
        if len(cells) > 2 and cells[1].strip() == label:
            cells[2] = f" {value} "
            lines[index] = "|".join(cells)
            return "\n".join(lines) + "\n"
    raise AssertionError(f"no row {label}")


# --- empty and binary files -----------------------------------------------------------------------


@pytest.mark.parametrize(("content", "error"), [
    (b"", "the file is empty"),
    (b" \n\t\r\n  \n", "the file is empty"),
    ("\u3000\n\u3000\u3000\n".encode(), "no table found in the file"),  # ideographic spaces only
])
def test_empty_and_whitespace_only_files(tmp_path: Path, content: bytes, error: str) -> None:
    forms = read_beside_good(tmp_path, {"blank.md": content})
    assert error_of(forms, "blank.md") == error


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("random.md", random.Random(7).randbytes(4096), "binary content"),
    ("chart.md", PNG + bytes(100), "looks like a PNG image"),
    ("form.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "looks like a PDF"),
    ("old.xls", OLE, "re-save it as .xlsx"),
    ("old.xlsx", OLE, "re-save it as .xlsx"),  # an old workbook renamed: the real reason, not "broken zip"
])
def test_binary_files_are_errors_that_say_what_they_are(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    forms = read_beside_good(tmp_path, {name: content})
    assert reason in error_of(forms, name)


# --- encodings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "encode", "warning"), [
    ("gb18030.md", lambda text: text.encode("gb18030"), None),
    ("utf16-bom.md", lambda text: text.encode("utf-16"), None),
    ("utf16-le-no-bom.md", lambda text: text.encode("utf-16-le"), "no byte-order mark; read as UTF-16"),
    ("utf16-be-no-bom.md", lambda text: text.encode("utf-16-be"), "no byte-order mark; read as UTF-16"),
    ("bom-then-gbk.md", lambda text: codecs.BOM_UTF8 + text.encode("gbk"), "its text is GB18030/GBK"),
])
def test_other_encodings_give_the_same_form(tmp_path: Path, name: str, encode: Callable[[str], bytes],
                                            warning: str | None) -> None:
    forms = read_beside_good(tmp_path, {name: encode(SEED_TEXT)})
    assert_reads_like_seed(forms, name)
    if warning is None:
        assert warnings_of(forms, name) == []
    else:
        assert any(warning in message for message in warnings_of(forms, name))


def test_utf8_with_a_few_gbk_bytes_is_read_with_a_counted_warning(tmp_path: Path) -> None:
    data = SEED_TEXT.encode("utf-8").replace("部门项目".encode(), "部门项目".encode("gbk"))
    forms = read_beside_good(tmp_path, {"mixed.md": data})
    project = project_of(forms, "mixed.md")
    assert (project["project_name"], project["current_year_budget_yuan"]) == (SEED_NAME, 500_000.0)
    # 部门项目 (4 characters, 8 GBK bytes) is not UTF-8; every undecodable sequence is counted
    assert any("undecodable byte sequence(s) were replaced" in m for m in warnings_of(forms, "mixed.md"))
    assert unaccounted_cells(tmp_path / "in" / "mixed.md", forms) == []


def test_a_few_stray_nul_bytes_are_removed_with_a_warning(tmp_path: Path) -> None:
    forms = read_beside_good(tmp_path, {"nul.md": SEED_TEXT.replace(SEED_NAME, "区电子政务\x00网络运行维护")})
    assert project_of(forms, "nul.md")["project_name"] == SEED_NAME
    assert "1 NUL byte(s) removed from the text" in warnings_of(forms, "nul.md")


# --- truncated files -------------------------------------------------------------------------------


def test_markdown_cut_in_the_middle_of_a_row(tmp_path: Path) -> None:
    cut = SEED_TEXT[: SEED_TEXT.index("提高群众网上办事效率") + len("提高群众网上")]
    forms = read_beside_good(tmp_path, {"cut.md": cut})
    assert project_of(forms, "cut.md")["project_name"] == SEED_NAME
    assert any("ends inside a table row" in m for m in warnings_of(forms, "cut.md"))
    # what was there is kept: the third indicator's name as far as it goes, no target invented
    assert [(r[2], r[3]) for r in indicator_values(forms, "cut.md")] == [
        ("保障政务外网到各委办局", "123 家"), ("处理各委办局外网保障率", "100%"), ("提高群众网上", None)]
    assert unaccounted_cells(tmp_path / "in" / "cut.md", forms) == []


def test_markdown_cut_between_rows_of_the_indicator_table_gives_a_finding(tmp_path: Path) -> None:
    cut = SEED_TEXT[: SEED_TEXT.index("| 产出指标 | 质量指标")]
    forms = read_beside_good(tmp_path, {"cut.md": cut})
    assert len(indicator_values(forms, "cut.md")) == 1
    # nothing in the file says it was cut; the review says what is missing
    findings = forms.findings[forms.findings["form_id"] == "cut.md#0"]
    assert "C1" in set(findings["check_id"])


def test_html_cut_in_the_middle_of_a_row(tmp_path: Path) -> None:
    page = markdown_to_html(EXAMPLES / SEED)
    cut = page[: page.index("提高群众网上办事效率")]
    forms = read_beside_good(tmp_path, {"cut.html": cut})
    assert project_of(forms, "cut.html")["project_name"] == SEED_NAME
    assert any("the page ends inside a table" in m for m in warnings_of(forms, "cut.html"))
    assert len(indicator_values(forms, "cut.html")) == 2


def test_truncated_workbook_is_an_error(tmp_path: Path) -> None:
    data = seed_workbook()
    forms = read_beside_good(tmp_path, {"cut.xlsx": data[: len(data) // 2]})
    assert "not a readable xlsx workbook" in error_of(forms, "cut.xlsx")


# --- missing and duplicated sections ----------------------------------------------------------------


def test_no_indicator_table_is_read_and_flagged_by_the_review(tmp_path: Path) -> None:
    forms = read_beside_good(tmp_path, {"no-indicators.md": SEED_TEXT[: SEED_TEXT.index("## 项目年度绩效指标")]})
    assert project_of(forms, "no-indicators.md")["current_year_budget_yuan"] == 500_000.0
    assert indicator_values(forms, "no-indicators.md") == []
    findings = forms.findings[forms.findings["form_id"] == "no-indicators.md#0"]
    assert ("C1", "error") in set(zip(findings["check_id"], findings["severity"], strict=True))


def test_no_project_name_is_read_with_a_warning(tmp_path: Path) -> None:
    text = SEED_TEXT.replace("| 项目名称             |", "| 名称             |")
    forms = read_beside_good(tmp_path, {"no-name.md": text})
    assert pd.isna(project_of(forms, "no-name.md")["project_name"])
    assert "no project name (项目名称) found: project_name is empty" in warnings_of(forms, "no-name.md")
    assert len(indicator_values(forms, "no-name.md")) == 3
    assert unaccounted_cells(tmp_path / "in" / "no-name.md", forms) == []  # 名称 and its value are unparsed


def test_indicator_table_twice_is_read_twice_with_a_warning(tmp_path: Path) -> None:
    section = SEED_TEXT[SEED_TEXT.index("## 项目年度绩效指标"):]
    forms = read_beside_good(tmp_path, {"twice.md": SEED_TEXT + "\n" + section})
    values = indicator_values(forms, "twice.md")
    assert len(values) == 6 and values[:3] == values[3:]
    assert any(
        "indicator table appears twice" in m and "3 of the 3 indicators" in m for m in warnings_of(forms, "twice.md")
    )


def test_a_second_indicator_heading_with_new_rows_is_read_with_a_milder_warning(tmp_path: Path) -> None:
    section = SEED_TEXT[SEED_TEXT.index("## 项目年度绩效指标"):].replace("保障政务外网到各委办局", "新增指标")
    forms = read_beside_good(tmp_path, {"continued.md": SEED_TEXT + "\n" + section})
    assert len(indicator_values(forms, "continued.md")) == 6
    messages = warnings_of(forms, "continued.md")
    # 2 of the 3 rows repeat (the renamed one does not)
    assert any("2 of the 3 indicators" in m for m in messages)


@pytest.mark.parametrize(("content", "error"), [
    ("# 2020 年部门项目申报及绩效目标表\n\n只有文字，没有表格。\n", "no table found in the file"),
    ("| 序号 | 名称 |\n|---|---|\n| 1 | 会议 |\n", "no budget form found"),
])
def test_files_without_a_form_are_errors(tmp_path: Path, content: str, error: str) -> None:
    forms = read_beside_good(tmp_path, {"no-form.md": content})
    assert error in error_of(forms, "no-form.md")


def test_a_sheet_without_a_form_beside_one_with_a_form_is_a_warning(tmp_path: Path) -> None:
    def add_notes(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        notes = sheet.parent.create_sheet("填报说明")
        notes["A1"], notes["B1"] = "说明", "金额以元为单位"
        notes["A2"], notes["B2"] = "联系人", "张三"

    forms = read_beside_good(tmp_path, {"two-sheets.xlsx": seed_workbook(add_notes)})
    assert project_of(forms, "two-sheets.xlsx")["project_name"] == SEED_NAME
    rows = forms.warnings[forms.warnings["source_file"] == "two-sheets.xlsx"]
    notes = rows[rows["location"] == "sheet '填报说明'"]
    assert list(notes["message"]) == [
        "no form read here (no budget form found: none of the tables has a 项目名称 label or an indicator table "
        "(一级指标/二级指标/指标值)); its cells are not in any table"
    ]


# --- shifted and shuffled cells ---------------------------------------------------------------------


def test_indicator_rows_shifted_right_are_read_by_their_labels(tmp_path: Path) -> None:
    lines = [("| " + line) if line.startswith(("| 产出指标", "| 效益指标")) else line for line in SEED_TEXT.splitlines()]
    forms = read_beside_good(tmp_path, {"shifted.md": "\n".join(lines)})
    assert indicator_values(forms, "shifted.md") == indicator_values(read_example(SEED), SEED)
    shifted = [m for m in warnings_of(forms, "shifted.md") if "shifted +1 column(s)" in m]
    assert len(shifted) == 3
    assert unaccounted_cells(tmp_path / "in" / "shifted.md", forms) == []


def test_indicator_rows_shifted_left_are_read_by_their_labels(tmp_path: Path) -> None:
    # zhongjiang's data rows start with an empty cell under 绩效指标; drop it from the first rows of
    # each level-1 group, as a careless copy does
    text = (EXAMPLES / ZHONGJIANG).read_text(encoding="utf-8")
    lines = [line.replace("| | ", "| ", 1) if line.startswith(("| | 产出指标", "| | 效益指标", "| | 满意度指标"))
             else line for line in text.splitlines()]
    forms = read_beside_good(tmp_path, {"left.md": "\n".join(lines)})
    assert indicator_values(forms, "left.md") == indicator_values(read_example(ZHONGJIANG), ZHONGJIANG)
    assert sum("shifted -1 column(s)" in m for m in warnings_of(forms, "left.md")) == 3


def test_indicator_columns_in_another_order_are_mapped_by_their_headings(tmp_path: Path) -> None:
    order = [3, 0, 4, 2, 1]  # 指标值, 一级指标, 备注, 指标内容, 二级指标

    def shuffle(line: str) -> str:
        cells = line.strip().strip("|").split("|")
        return "|" + "|".join(cells[i] for i in order) + "|" if len(cells) == 5 else line

    head, table = SEED_TEXT.split("## 项目年度绩效指标")
    forms = read_beside_good(tmp_path, {"shuffled.md": head + "## 项目年度绩效指标\n" + "\n".join(
        shuffle(line) for line in table.splitlines()
    )})
    assert indicator_values(forms, "shuffled.md") == indicator_values(read_example(SEED), SEED)
    assert warnings_of(forms, "shuffled.md") == []


def test_label_rows_in_another_order_give_the_same_project(tmp_path: Path) -> None:
    lines = SEED_TEXT.splitlines()
    a = next(i for i, line in enumerate(lines) if line.startswith("| 项目名称"))
    b = next(i for i, line in enumerate(lines) if line.startswith("| 项目总预算"))
    lines[a], lines[b] = lines[b], lines[a]
    forms = read_beside_good(tmp_path, {"swapped.md": "\n".join(lines)})
    project = project_of(forms, "swapped.md")
    assert (project["project_name"], project["project_code"], project["total_budget_yuan"]) == (
        SEED_NAME, "036001-2020-BMZX-0001", 500_000.0)


# --- odd amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "yuan", "warning"), [
    ("伍拾万元", 500_000.0, None),  # a Chinese numeral with its unit: 50 × 10,000
    ("１２３", 123.0, None),  # full-width digits, 元 from the form's unit line
    ("-5万", -50_000.0, "is a negative amount"),
    ("abc", None, "is not an amount"),
    ("1e308", None, "is not an amount"),
    ("NaN", None, "is not an amount"),
    ("inf", None, "is not an amount"),
    ("1,2,3", None, "is not an amount"),
    ("9" * 400, None, "is not an amount"),  # too large for a float
    ("一" * 500, None, "is not an amount"),  # a numeral run too long to be an amount (and a float overflow)
    ("1" + "0" * 20, 1e20, "is implausibly large"),
])
def test_odd_amounts_stay_as_written(tmp_path: Path, written: str, yuan: float | None, warning: str | None) -> None:
    text = replace_row(SEED_TEXT, "项目总预算", written)
    forms = read_beside_good(tmp_path, {"amount.md": text})
    project = project_of(forms, "amount.md")
    assert project["total_budget_as_written"] == written
    assert (None if pd.isna(project["total_budget_yuan"]) else project["total_budget_yuan"]) == yuan
    messages = [m for m in warnings_of(forms, "amount.md") if "total_budget_as_written" in m]
    if warning is None:
        assert messages == []
    else:
        assert len(messages) == 1 and warning in messages[0]
        location = forms.warnings.loc[forms.warnings["message"] == messages[0], "location"].iloc[0]
        assert location == "line 7, row 7, column 2"  # the cell, as a person finds it


def test_amounts_without_any_stated_unit_stay_na(tmp_path: Path) -> None:
    forms = read_beside_good(tmp_path, {"no-unit.md": SEED_TEXT.replace("资金单位：元", "")})
    project = project_of(forms, "no-unit.md")
    assert project["budget_as_written"] == "500000.00"
    assert pd.isna(project["current_year_budget_yuan"]) and pd.isna(project["total_budget_yuan"])
    for table in ("funding", "expenditures"):
        df = getattr(forms, table)
        assert df.loc[df["form_id"] == "no-unit.md#0", "amount_yuan"].isna().all()
    # one warning for the form, not one per amount: 2 project amounts, 8 funding lines, 4 expenditures
    assert [m for m in warnings_of(forms, "no-unit.md") if "no money unit" in m] == [
        "no money unit (元/万元) stated for 14 amount(s) such as '500000.00': kept as written, their *_yuan "
        "columns are empty"
    ]


# --- workbooks ---------------------------------------------------------------------------------------


def test_a_formula_in_an_xlsx_cell_is_kept_as_text_never_evaluated(tmp_path: Path) -> None:
    def formula(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        value_cell_of(sheet, "项目总预算").value = "=SUM(1,2)"

    # a cached result in the file is not believed either: it can be stale, or written to mislead
    data = rewrite(seed_workbook(formula), {SHEET: lambda xml: xml.replace(b"<f>SUM(1,2)</f><v></v>",
                                                                           b"<f>SUM(1,2)</f><v>999999</v>")})
    assert b"<v>999999</v>" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    forms = read_beside_good(tmp_path, {"formula.xlsx": data})
    project = project_of(forms, "formula.xlsx")
    assert project["total_budget_as_written"] == "=SUM(1,2)"
    assert pd.isna(project["total_budget_yuan"])
    messages = warnings_of(forms, "formula.xlsx")
    assert any("formulas are not evaluated, the formula text is kept" in m for m in messages)
    assert "999999" not in all_texts(forms) and "3" not in {project["total_budget_as_written"]}


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    forms = read_beside_good(tmp_path, {"fake.xlsx": buffer.getvalue()})
    assert "not an Excel workbook" in error_of(forms, "fake.xlsx")


def test_an_xlsx_that_is_really_html_is_read_as_html_with_a_warning(tmp_path: Path) -> None:
    forms = read_beside_good(tmp_path, {"page.xlsx": markdown_to_html(EXAMPLES / SEED)})
    assert_reads_like_seed(forms, "page.xlsx")
    assert "the file is named .xlsx but holds an HTML page; it was read as such" in warnings_of(forms, "page.xlsx")


def _deflate_blocks(head: bytes, filler: bytes, repeats: int, tail: bytes) -> tuple[bytes, int]:
    """A raw deflate stream of ``head + filler * repeats + tail``, built without expanding it: each
    full-flushed block is compressed on its own, so the filler's block can be repeated as bytes."""
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(filler) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush()
    return first + block * repeats + last, len(head) + len(filler) * repeats + len(tail)


def zip_bomb(declared: int | None = None) -> bytes:
    """The seed workbook whose sheet XML expands to 2 GiB of spaces inside <sheetData> (a 2 MB file).

    The member's sizes are written truthfully unless ``declared`` says what to claim instead. Its CRC
    is not computed (a pass over 2 GiB); a reader that trusted the archive would expand the
    gigabytes before finding that out.
    """
    import struct

    source = zipfile.ZipFile(io.BytesIO(seed_workbook()))
    xml = source.read(SHEET)
    cut = xml.index(b"<sheetData>") + len(b"<sheetData>")
    stream, size = _deflate_blocks(xml[:cut], b" " * (16 << 20), 128, xml[cut:])
    # an archive with an empty sheet stored last, whose data is then swapped for the stream
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != SHEET:
                archive.writestr(info.filename, source.read(info.filename))
        archive.writestr(SHEET, b"")
    plain = buffer.getvalue()
    member = zipfile.ZipFile(io.BytesIO(plain)).getinfo(SHEET)
    local = member.header_offset
    name_length, extra_length = struct.unpack("<HH", plain[local + 26:local + 30])
    data_start = local + 30 + name_length + extra_length
    data_end = data_start + member.compress_size
    out = bytearray(plain[:data_start] + stream + plain[data_end:])
    shift = len(stream) - member.compress_size
    claimed = size if declared is None else declared
    struct.pack_into("<H", out, local + 8, zipfile.ZIP_DEFLATED)
    struct.pack_into("<III", out, local + 14, 0, len(stream), claimed)  # CRC, compressed, uncompressed
    central = bytes(out).index(b"PK\x01\x02", data_start + len(stream))
    while bytes(out[central + 46:central + 46 + name_length]) != SHEET.encode():
        central = bytes(out).index(b"PK\x01\x02", central + 4)
    struct.pack_into("<H", out, central + 10, zipfile.ZIP_DEFLATED)
    struct.pack_into("<III", out, central + 16, 0, len(stream), claimed)
    end = bytes(out).rindex(b"PK\x05\x06")
    struct.pack_into("<I", out, end + 16, struct.unpack("<I", out[end + 16:end + 20])[0] + shift)
    return bytes(out)


@pytest.mark.parametrize(("declared", "reason"), [
    (None, "expands to 2.0 GB"),  # the truth is refused before anything is expanded
    (2000, "not a readable xlsx workbook"),  # a lie: zipfile stops at the declared size, the CRC fails
])
def test_a_zip_bomb_is_refused(tmp_path: Path, declared: int | None, reason: str) -> None:
    bomb = zip_bomb(declared)
    assert len(bomb) < 4 << 20  # small on disk
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo(SHEET)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    forms = read_beside_good(tmp_path, {"bomb.xlsx": bomb})
    assert reason in error_of(forms, "bomb.xlsx")


# --- HTML ------------------------------------------------------------------------------------------------


def test_script_tags_are_never_executed_nor_read(tmp_path: Path) -> None:
    page = markdown_to_html(EXAMPLES / SEED)
    page = page.replace("<head>", "<head><script>alert('head')</script>")
    page = page.replace("<body>", "<body><script>document.write('<table><tr><td>项目名称</td><td>EVIL</td></tr>"
                                  "</table>')</script><noscript>NOSCRIPT</noscript>")
    page = page.replace(f"<td>{SEED_NAME}</td>", f"<td>{SEED_NAME}<script>alert('cell')</script></td>")
    page = page.replace("</body>", "<script type=\"module\">import('x')</script></body>")
    forms = read_beside_good(tmp_path, {"scripts.html": page})
    assert_reads_like_seed(forms, "scripts.html")
    texts = all_texts(forms)
    for fragment in ("alert", "document.write", "EVIL", "NOSCRIPT", "import("):
        assert fragment not in texts


def test_twenty_thousand_nested_tables_alone_are_an_error_that_says_why(tmp_path: Path) -> None:
    nested = "<table><tr><td>x" * 20_000 + "</td></tr></table>" * 20_000
    forms = read_beside_good(tmp_path, {"nested.html": nested})
    assert "HTML nested too deeply" in error_of(forms, "nested.html")


def test_a_form_followed_by_twenty_thousand_nested_tables_is_read_with_a_warning(tmp_path: Path) -> None:
    page = markdown_to_html(EXAMPLES / SEED).replace(
        "</body>", "<table><tr><td>x" * 20_000 + "</td></tr></table>" * 20_000 + "</body>")
    forms = read_beside_good(tmp_path, {"nested.html": page})
    assert_reads_like_seed(forms, "nested.html")
    assert any("HTML nested too deeply" in m for m in warnings_of(forms, "nested.html"))


def test_deeply_nested_markup_outside_tables(tmp_path: Path) -> None:
    page = markdown_to_html(EXAMPLES / SEED).replace("</body>", "<div>" * 100_000 + "深" + "</div>" * 100_000)
    forms = read_beside_good(tmp_path, {"deep.html": page})
    assert_reads_like_seed(forms, "deep.html")
    assert any("HTML nested too deeply" in m for m in warnings_of(forms, "deep.html"))


def test_deeply_nested_markup_in_markdown(tmp_path: Path) -> None:
    text = replace_row(SEED_TEXT, "项目类别", "<b>" * 50_000 + "部门项目" + "</b>" * 50_000)
    text += "\n" + "> " * 50_000 + "引用\n" + "<div>" * 50_000 + "\n"
    forms = read_beside_good(tmp_path, {"deep.md": text})
    assert project_of(forms, "deep.md")["category"] == "部门项目"
    assert unaccounted_cells(tmp_path / "in" / "deep.md", forms) == []


WIDE = 20_000


def test_an_html_row_with_twenty_thousand_columns(tmp_path: Path) -> None:
    page = markdown_to_html(EXAMPLES / SEED).replace(
        "</body>", "<table><tr>" + "".join(f"<td>{i}</td>" for i in range(WIDE)) + "</tr></table></body>")
    forms = read_beside_good(tmp_path, {"wide.html": page})
    assert_reads_like_seed(forms, "wide.html")
    unparsed = forms.unparsed[forms.unparsed["form_id"] == "wide.html#0"]
    assert len(unparsed) == WIDE  # every cell kept, none of them read as a form value
    assert unaccounted_cells(tmp_path / "in" / "wide.html", forms) == []


def test_a_markdown_row_with_twenty_thousand_cells(tmp_path: Path) -> None:
    text = SEED_TEXT + "\n\n|" + "|".join(str(i) for i in range(WIDE)) + "|\n"
    forms = read_beside_good(tmp_path, {"wide.md": text})
    assert_reads_like_seed(forms, "wide.md")
    assert len(forms.unparsed[forms.unparsed["form_id"] == "wide.md#0"]) == WIDE
    assert unaccounted_cells(tmp_path / "in" / "wide.md", forms) == []


# --- size, cells, devices ---------------------------------------------------------------------------


def test_a_fifty_megabyte_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    row = "| 一级指标 | 二级指标 | 三级指标 | 指标值 |\n"
    text = SEED_TEXT + row * (50_000_000 // len(row.encode()))
    forms = read_beside_good(tmp_path, {"huge.md": text})
    size = (tmp_path / "in" / "huge.md").stat().st_size
    assert size > MAX_FILE_BYTES
    assert error_of(forms, "huge.md") == (
        f"file too large ({size / 2**20:,.1f} MB; the limit is {MAX_FILE_BYTES / 2**20:,.0f} MB), not read")


def test_a_file_with_more_cells_than_the_cap_is_read_up_to_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(markdown_module, "MAX_CELLS", 2_000)
    text = SEED_TEXT + "\n\n" + "| 甲 | 乙 | 丙 | 丁 |\n" * 5_000
    forms = read_beside_good(tmp_path, {"many.md": text})
    assert_reads_like_seed(forms, "many.md")
    assert any("more than 2,000 table cells and text lines: reading stopped at line" in m
               for m in warnings_of(forms, "many.md"))
    assert len(forms.unparsed[forms.unparsed["form_id"] == "many.md#0"]) < 2_000


def test_a_line_of_millions_of_pipes_costs_no_more_than_the_cap(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(markdown_module, "MAX_CELLS", 2_000)
    text = SEED_TEXT + "\n\n|" + "a|" * 3_000_000 + "\n"
    forms = read_beside_good(tmp_path, {"pipes.md": text})
    assert project_of(forms, "pipes.md")["project_name"] == SEED_NAME
    assert len(forms.unparsed[forms.unparsed["form_id"] == "pipes.md#0"]) < 2_000


def test_a_file_is_read_whole_whatever_size_stat_gave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetlib.extract import load

    form = (EXAMPLES / SEED).read_bytes()
    (tmp_path / "seed.md").write_bytes(form)
    assert load.read_bounded(tmp_path / "seed.md") == form
    status = Path("/proc/self/status")  # a regular file whose size stat gives as 0: read on to its end
    if status.exists() and status.stat().st_size == 0:
        assert load.read_bounded(status).startswith(b"Name:")
        monkeypatch.setattr(load, "_READ_CHUNK", 7)
        assert load.read_bounded(status).endswith(b"\n")
        monkeypatch.setattr(load, "MAX_FILE_BYTES", 20)  # and the limit holds for what was read, not stated
        with pytest.raises(load.UnreadableFileError, match="file too large"):
            load.read_bounded(status)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a Unix thing")
def test_devices_and_pipes_named_directly_are_refused(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)
    paths = [EXAMPLES / GOOD, pipe] + ([Path("/dev/zero")] if Path("/dev/zero").exists() else [])
    forms = bl.read_forms(paths)
    assert project_of(forms, GOOD)["project_name"] == GOOD_NAME
    for name in ("pipe.md", "zero")[: len(paths) - 1]:
        assert error_of(forms, name) == "not a regular file (a device, pipe or socket), not a form"


# --- characters that do not belong ------------------------------------------------------------------


def test_control_characters_are_dropped_from_cell_text(tmp_path: Path) -> None:
    text = SEED_TEXT.replace(SEED_NAME, "区电子\x01政务\x07网络\x1b运行\x7f维护")
    forms = read_beside_good(tmp_path, {"control.md": text})
    assert project_of(forms, "control.md")["project_name"] == SEED_NAME


def test_a_file_of_control_characters_is_binary(tmp_path: Path) -> None:
    forms = read_beside_good(tmp_path, {"control.md": bytes(range(1, 9)) * 500})
    assert "binary content" in error_of(forms, "control.md")


HOSTILE_NAME = '../../etc/passwd "quoted" \'single\' =1+1 <b>'


def test_a_project_name_with_paths_quotes_and_formulas_is_data(tmp_path: Path) -> None:
    text = SEED_TEXT.replace(SEED_NAME, HOSTILE_NAME.replace("<b>", "&lt;b&gt;"))
    forms = read_beside_good(tmp_path, {"hostile.md": text})
    project = project_of(forms, "hostile.md")
    assert project["project_name"] == HOSTILE_NAME
    assert project["form_id"] == "hostile.md#0"  # ids come from the file name, never from the content
    for fmt in ("parquet", "csv", "xlsx"):
        out = tmp_path / f"out-{fmt}"
        written = write_tables(forms, out, fmt)
        assert all(path.resolve().parent == out.resolve() for path in written)
        outside = [p.name for p in tmp_path.rglob("*")
                   if p.is_file() and not p.relative_to(tmp_path).parts[0].startswith("out-")]
        assert sorted(outside) == sorted([GOOD, "hostile.md"])  # nothing written outside the output folders
    assert not (tmp_path / "etc").exists()


# --- time limit ----------------------------------------------------------------------------------------


def _stuck_for(name: str, monkeypatch, target: str = "load_document") -> None:
    """Make reading ``name`` loop forever (in the batch reader's module, so that worker processes forked
    afterwards inherit it)."""
    original = getattr(batch, target)

    def stuck(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        while Path(path).name == name:
            pass
        return original(path, *args, **kwargs)

    monkeypatch.setattr(batch, target, stuck)


needs_alarm = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM on this platform")


@needs_alarm
def test_a_file_that_takes_too_long_becomes_an_error_and_the_others_are_read(tmp_path: Path, monkeypatch) -> None:
    _stuck_for("slow.md", monkeypatch)
    handler = signal.getsignal(signal.SIGALRM)
    forms = read_beside_good(tmp_path, {"slow.md": SEED_TEXT}, time_limit=0.5)
    assert error_of(forms, "slow.md") == "reading took longer than 0.5 s (the time limit); the file was not read"
    # the alarm is put back as it was
    assert signal.getsignal(signal.SIGALRM) == handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@needs_alarm
@pytest.mark.skipif(sys.platform != "linux", reason="the patched reader reaches the workers by fork")
def test_the_time_limit_holds_in_worker_processes(tmp_path: Path, monkeypatch) -> None:
    _stuck_for("slow.md", monkeypatch)
    forms = read_beside_good(tmp_path, {"slow.md": SEED_TEXT, "ok.md": SEED_TEXT}, time_limit=0.5, jobs=2)
    assert error_of(forms, "slow.md") == "reading took longer than 0.5 s (the time limit); the file was not read"
    assert project_of(forms, "ok.md")["project_name"] == SEED_NAME


@needs_alarm
def test_derived_tables_that_take_too_long_cost_only_their_form(tmp_path: Path, monkeypatch) -> None:
    original = batch.add_derived_tables

    def stuck(forms: bl.Forms) -> bl.Forms:
        while "slow.md" in set(forms.projects["source_file"]):
            pass
        return original(forms)

    monkeypatch.setattr(batch, "add_derived_tables", stuck)
    forms = read_beside_good(tmp_path, {"slow.md": SEED_TEXT}, time_limit=0.5)
    names = forms.projects.loc[forms.projects["source_file"] == "slow.md", "project_name"].tolist()
    assert names == [SEED_NAME]  # what was read is kept ...
    error = forms.errors.loc[forms.errors["source_file"] == "slow.md", "error"].tolist()
    assert len(error) == 1 and "DerivationTimeout" in error[0] and "took longer than" in error[0]  # ... and said
    assert (forms.findings["form_id"] == f"{GOOD}#0").any()  # the good form keeps its findings


@needs_alarm
def test_the_limit_steps_aside_for_a_callers_timer_and_outside_the_main_thread() -> None:
    assert limits.can_limit_time()
    previous = signal.signal(signal.SIGALRM, lambda *_: None)
    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        assert not limits.can_limit_time()
        with limits.time_limit(0.01):  # enters and leaves without touching the caller's timer
            pass
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 50
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(limits.can_limit_time()))
    thread.start()
    thread.join()
    assert seen == [False]


# --- what is written out is data ------------------------------------------------------------------------


FORMULA_NAMES = ("=1+1", '=HYPERLINK("http://example.invalid/?leak","点击")', "@SUM(A1)", "+1", "-5万")


def _forms_with_names(tmp_path: Path) -> Path:
    folder = tmp_path / "forms"
    folder.mkdir()
    for index, name in enumerate(FORMULA_NAMES):
        (folder / f"f{index}.md").write_text(SEED_TEXT.replace(SEED_NAME, name), encoding="utf-8")
    (folder / "=bad.md").write_bytes(b"")
    return folder


def test_xlsx_output_writes_every_text_as_a_text_cell(tmp_path: Path, capsys) -> None:
    folder = _forms_with_names(tmp_path)
    assert main(["parse", str(folder), "--out", str(tmp_path / "out"), "--format", "xlsx"]) == 1
    path = tmp_path / "out" / "budgetlib.xlsx"
    with zipfile.ZipFile(path) as archive:
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in archive.namelist()
                       if n.startswith("xl/worksheets/"))
    sheet = openpyxl.load_workbook(path)["projects"]
    column = [cell.value for cell in sheet[1]].index("project_name")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert sorted(cell.value for cell in cells) == sorted(FORMULA_NAMES)
    assert {cell.data_type for cell in cells} == {"s"}
    assert "=bad.md: the file is empty" in capsys.readouterr().err


def test_csv_output_neutralises_formula_like_text_and_parquet_keeps_it(tmp_path: Path, capsys) -> None:
    folder = _forms_with_names(tmp_path)
    assert main(["parse", str(folder), "--out", str(tmp_path / "csv"), "--format", "csv"]) == 1
    # the failed file is listed under its real name, not the neutralised one
    assert "  =bad.md: the file is empty" in capsys.readouterr().err.splitlines()
    assert main(["parse", str(folder), "--out", str(tmp_path / "parquet")]) == 1
    csv = pd.read_csv(tmp_path / "csv" / "projects.csv", encoding="utf-8-sig", dtype=str)
    parquet = pd.read_parquet(tmp_path / "parquet" / "projects.parquet")
    assert sorted(csv["project_name"]) == sorted("'" + name for name in FORMULA_NAMES)
    assert sorted(parquet["project_name"]) == sorted(FORMULA_NAMES)
    assert sorted(csv["project_name"].map(csv_original_text)) == sorted(FORMULA_NAMES)
    # numbers are not text and are left alone
    assert set(csv["current_year_budget_yuan"]) == {"500000.0"}


@given(st.text(max_size=12, alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", "a", "1", "项", " "])))
def test_csv_safe_text_never_starts_like_a_formula_and_is_reversible(text: str) -> None:
    safe = csv_safe_text(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert csv_original_text(safe) == text


def test_xlsx_output_survives_control_characters_in_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "a\x01b.md").write_text(SEED_TEXT, encoding="utf-8")
    forms = bl.read_forms([folder])
    [path] = write_tables(forms, tmp_path / "out", "xlsx")
    sheet = openpyxl.load_workbook(path)["projects"]
    column = [cell.value for cell in sheet[1]].index("source_file")
    assert sheet.cell(2, column + 1).value == "a\\x01b.md"  # shown, not dropped; parquet keeps the byte


# --- untrusted XML: no entity is ever resolved -------------------------------------------------------------


SECRET = "TOP-SECRET-c0ffee"
SHARED_STRINGS_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def with_shared_string(data: bytes, cell: str, xml: bytes) -> bytes:
    """The workbook with ``xl/sharedStrings.xml`` = ``xml`` and cell ``cell`` pointing at its first string."""
    override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + SHARED_STRINGS_TYPE + b'"/>'
    relation = (b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships/sharedStrings" Target="sharedStrings.xml"/>')
    pattern = re.compile(rb'<c r="' + cell.encode() + rb'"[^>]*?(?:/>|>.*?</c>)')
    return rewrite(data, {
        "[Content_Types].xml": lambda x: x.replace(b"</Types>", override + b"</Types>"),
        "xl/_rels/workbook.xml.rels": lambda x: x.replace(b"</Relationships>", relation + b"</Relationships>"),
        SHEET: lambda x: pattern.sub(b'<c r="' + cell.encode() + b'" t="s"><v>0</v></c>', x, count=1),
    }, added={"xl/sharedStrings.xml": xml})


def shared_strings(text: bytes, doctype: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + doctype
            + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            + b"<si><t>" + text + b"</t></si></sst>")


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_a_shared_string_is_read_when_harmless(tmp_path: Path) -> None:
    # the route the entity tests use really reaches the reader: a harmless shared string is read
    data = with_shared_string(seed_workbook(), "B5", shared_strings("共享字符串项目".encode()))
    forms = read_beside_good(tmp_path, {"shared.xlsx": data})
    assert project_of(forms, "shared.xlsx")["project_name"] == "共享字符串项目"


@pytest.mark.parametrize("where", ["sharedStrings", "sheet"])
def test_external_entities_in_workbook_xml_are_refused(tmp_path: Path, secret_file: Path, where: str) -> None:
    doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'.encode()
    if where == "sharedStrings":
        data = with_shared_string(seed_workbook(), "B5", shared_strings(b"&xxe;", doctype))
    else:
        def inject(xml: bytes) -> bytes:
            xml = xml.replace(b"<worksheet", doctype + b"<worksheet", 1)
            return xml.replace(SEED_NAME.encode("ascii", "xmlcharrefreplace"), b"&xxe;", 1)

        data = rewrite(seed_workbook(), {SHEET: inject})
        assert b"&xxe;" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
        assert b"<!DOCTYPE" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    forms = read_beside_good(tmp_path, {"xxe.xlsx": data})
    assert "declares a DTD or entities (refused as unsafe)" in error_of(forms, "xxe.xlsx")
    assert SECRET not in all_texts(forms)


def test_external_entities_in_html_are_never_resolved(tmp_path: Path, secret_file: Path) -> None:
    page = markdown_to_html(EXAMPLES / SEED).replace(
        "<!DOCTYPE html>", f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
    ).replace(f"<td>{SEED_NAME}</td>", f"<td>{SEED_NAME}&xxe;</td>")
    page = page.replace("</body>", f'<iframe src="{secret_file.as_uri()}"></iframe><img src="{secret_file.as_uri()}">'
                                   "</body>")
    forms = read_beside_good(tmp_path, {"xxe.html": page})
    assert project_of(forms, "xxe.html")["project_name"].startswith(SEED_NAME)
    assert SECRET not in all_texts(forms)


# --- bounds fixed in the readers: texts that once took minutes ------------------------------------------
#
# Each of these once made one regular expression backtrack for minutes (or hours) on a file of a few
# hundred kilobytes. Read with a time limit, a relapse becomes an errors row instead of a hung test.


@pytest.mark.parametrize(("what", "text"), [
    ("unclosed comments", SEED_TEXT + "\n" + "<!--" * 200_000 + "\n"),
    ("a heading of spaces", SEED_TEXT + "\n# a" + " " * 100_000 + "b\n"),
    ("a separator-like row", SEED_TEXT + "\n|" + "-" * 200_000 + "x|\n"),
    ("trailing punctuation", replace_row(SEED_TEXT, "项目类别", "≥" + "；" * 200_000 + "x")),
    ("a run of Chinese numerals", replace_row(SEED_TEXT, "项目总预算", "九" * 50_000)),
])
def test_texts_that_once_took_minutes_are_read(tmp_path: Path, what: str, text: str) -> None:
    forms = read_beside_good(tmp_path, {"slow.md": text}, time_limit=20.0)
    assert project_of(forms, "slow.md")["project_name"] == SEED_NAME, what


@given(st.text(alphabet="#ab \t", max_size=12))
def test_heading_text_is_what_the_old_pattern_gave(line: str) -> None:
    old = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
    line = line.strip()
    match, mark = old.match(line), markdown_module._HEADING_MARK.match(line)
    assert (match is None) == (mark is None)
    if match and mark:
        assert markdown_module._heading_text(line[mark.end():]) == match.group(2)


@given(st.text(alphabet="|-: \tx", max_size=12))
def test_separator_rows_are_what_the_old_pattern_took(line: str) -> None:
    old = re.compile(r"^\|?[\s:|\-]*-[\s:|\-]*\|?$")
    assert markdown_module._is_separator(line) == bool(old.match(line))


@given(st.lists(st.sampled_from(["<!--", "-->", "\n", "a", "-", ">", "<"]), max_size=12).map("".join))
def test_comments_are_blanked_as_the_old_pattern_did(text: str) -> None:
    old = re.compile(r"<!--.*?-->", re.DOTALL)
    assert markdown_module._blank_comments(text) == old.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def test_html_text_lines_count_against_the_cell_cap(tmp_path: Path, monkeypatch) -> None:
    from budgetlib.extract import html as html_module

    monkeypatch.setattr(html_module, "MAX_CELLS", 2_000)
    page = markdown_to_html(EXAMPLES / SEED).replace("</body>", "<p>一行说明</p>\n" * 5_000 + "</body>")
    forms = read_beside_good(tmp_path, {"lines.html": page})
    assert_reads_like_seed(forms, "lines.html")
    messages = warnings_of(forms, "lines.html")
    assert any("text line(s) were not read: the page has more than 2,000 cells and lines" in m for m in messages)
    assert len(forms.unparsed[forms.unparsed["form_id"] == "lines.html#0"]) < 2_000


@needs_alarm
def test_the_parse_command_takes_a_time_limit(tmp_path: Path, monkeypatch, capsys) -> None:
    _stuck_for("slow.md", monkeypatch)
    (tmp_path / "slow.md").write_text(SEED_TEXT, encoding="utf-8")
    (tmp_path / "ok.md").write_text(SEED_TEXT, encoding="utf-8")
    assert main(["parse", str(tmp_path), "--out", str(tmp_path / "out"), "--time-limit", "0.5"]) == 1
    assert "  slow.md: reading took longer than 0.5 s (the time limit); the file was not read" in (
        capsys.readouterr().err.splitlines())
    assert list(pd.read_parquet(tmp_path / "out" / "projects.parquet")["source_file"]) == ["ok.md"]


def test_what_the_reader_notices_on_a_later_sheet_is_not_dropped(tmp_path: Path) -> None:
    def second_sheet_with_a_formula(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        copy = sheet.parent.copy_worksheet(sheet)
        copy.title = "第二张"
        value_cell_of(copy, "项目总预算").value = "=B1*2"

    forms = read_beside_good(tmp_path, {"two.xlsx": seed_workbook(second_sheet_with_a_formula)})
    assert list(forms.projects.loc[forms.projects["source_file"] == "two.xlsx", "form_id"]) == ["two.xlsx#0",
                                                                                                 "two.xlsx#1"]
    rows = forms.warnings[forms.warnings["source_file"] == "two.xlsx"]
    formula = rows[rows["message"].str.contains("formulas are not evaluated")]
    assert list(formula["form_id"]) == ["two.xlsx#1"]


@pytest.mark.parametrize(("raw", "shown"), [
    ("项目申报表.md".encode("gbk"), "项目申报表.md"),  # a GBK name, as zips made on Chinese Windows carry them
    (b"bad\xff.md", "bad\ufffd.md"),  # bytes that are no encoding at all
])
def test_file_names_that_are_not_utf8_do_not_stop_the_batch(tmp_path: Path, raw: bytes, shown: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    try:
        (folder / os.fsdecode(raw)).write_text(SEED_TEXT, encoding="utf-8")
    except (OSError, UnicodeError):
        pytest.skip("this file system does not take such names")
    (folder / GOOD).write_bytes((EXAMPLES / GOOD).read_bytes())
    forms = bl.read_forms([folder])
    assert sorted(forms.projects["source_file"]) == sorted([shown, GOOD])
    assert forms.errors.empty
    for fmt in ("parquet", "csv", "xlsx"):
        assert write_tables(forms, tmp_path / f"out-{fmt}", fmt)


# --- office formats: xls, docx, pdf, converted ------------------------------------------------------

OFFICE = EXAMPLES.parent / "office"
SEED_STEM = Path(SEED).stem


def office_file(suffix: str, stem: str = SEED_STEM) -> bytes:
    return (OFFICE / suffix / f"{stem}.{suffix}").read_bytes()


def minimal_pdf(pages: int = 1, content: bytes = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET", flate: bool = False,
                media_box: str = "0 0 595 842") -> bytes:
    """A valid PDF whose pages all draw the same content stream (a few hundred bytes for any page count)."""
    import zlib

    stream = zlib.compress(content, 9) if flate else content
    filters = b"/Filter /FlateDecode " if flate else b""
    kids = b" ".join(b"3 0 R" for _ in range(1))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(f"{4 + i} 0 R".encode() for i in range(pages)) + b"] /Count "
        + str(pages).encode() + b" >>",
        b"<< " + filters + b"/Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    del kids
    font = len(objects) + pages + 1
    for _ in range(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] /Contents 3 0 R "
                       f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("broken.xls", office_file("xls")[:3000], "re-save it as .xlsx"),
    ("broken-inside.xls", office_file("xls")[:512] + bytes(len(office_file("xls")) - 512), "re-save it as .xlsx"),
    ("broken.docx", office_file("docx")[:3000], "not a readable docx document"),
    ("broken.pdf", office_file("pdf")[:3000], "PDF"),
    ("garbage.pdf", b"%PDF-1.7\n" + random.Random(3).randbytes(5000), "PDF"),
])
def test_broken_office_files_are_errors(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    forms = read_beside_good(tmp_path, {name: data})
    assert reason in error_of(forms, name)


def test_good_office_files_read_beside_the_good_form(tmp_path: Path) -> None:
    files = {f"seed.{suffix}": office_file(suffix) for suffix in ("xls", "xlsx", "docx", "pdf")}
    forms = read_beside_good(tmp_path, files)
    for name in files:
        assert project_of(forms, name)["project_name"] == SEED_NAME


def test_a_pdf_of_fifty_thousand_pages_reads_its_first_pages_only(tmp_path: Path) -> None:
    data = minimal_pdf(pages=50_000)
    assert len(data) < MAX_FILE_BYTES
    forms = read_beside_good(tmp_path, {"many.pdf": data})
    assert "no table found" in error_of(forms, "many.pdf")
    assert "more than 100 pages" in error_of(forms, "many.pdf")


def test_a_pdf_whose_content_inflates_to_gigabytes_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    bomb = b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n" + b" " * (400 * 1024 * 1024)  # 400 MB, compresses to ~0.4 MB
    forms = read_beside_good(tmp_path, {"bomb.pdf": minimal_pdf(content=bomb, flate=True)})
    assert "looks like a PDF bomb" in error_of(forms, "bomb.pdf")


def test_a_huge_page_with_too_many_drawing_instructions_is_skipped(tmp_path: Path) -> None:
    page = b"BT /F1 1 Tf " + b"1 0 Td (x) Tj " * 700_000 + b"ET"  # 10 MB of text drawing, one page
    data = minimal_pdf(content=page, flate=True, media_box="0 0 1000000 1000000")
    forms = read_beside_good(tmp_path, {"huge.pdf": data})
    error = error_of(forms, "huge.pdf")
    assert "drawing instructions" in error and "larger than PDF allows" in error


def test_encrypted_pdfs(tmp_path: Path) -> None:
    files = {name: (OFFICE / "special" / name).read_bytes()
             for name in ("encrypted-open-password.pdf", "encrypted-permissions-only.pdf")}
    forms = read_beside_good(tmp_path, files)
    assert "needs a password" in error_of(forms, "encrypted-open-password.pdf")
    assert project_of(forms, "encrypted-permissions-only.pdf")["project_name"] == SEED_NAME
    assert any("encrypted" in m for m in warnings_of(forms, "encrypted-permissions-only.pdf"))


def test_a_scanned_pdf_is_an_error_that_says_why(tmp_path: Path) -> None:
    forms = read_beside_good(tmp_path, {"scan.pdf": (OFFICE / "special" / "scanned.pdf").read_bytes()})
    assert "without a text layer" in error_of(forms, "scan.pdf")


def _with_body(docx: bytes, extra: bytes) -> bytes:
    return rewrite(docx, {"word/document.xml": lambda xml: xml.replace(b"</w:body>", extra + b"</w:body>", 1)})


def test_a_docx_with_ten_thousand_nested_tables_is_read_with_a_warning(tmp_path: Path) -> None:
    level = b"<w:tbl><w:tr><w:tc>"
    nested = level * 10_000 + "<w:p><w:r><w:t>深</w:t></w:r></w:p>".encode() + b"</w:tc></w:tr></w:tbl>" * 10_000
    forms = read_beside_good(tmp_path, {"nested.docx": _with_body(office_file("docx"), nested)})
    assert_reads_like_seed(forms, "nested.docx")
    assert any("nested more than 50 deep" in m for m in warnings_of(forms, "nested.docx"))


def test_a_docx_with_an_entity_declaration_is_refused(tmp_path: Path, secret_file: Path) -> None:
    def inject(xml: bytes) -> bytes:
        head, body = xml.split(b"?>", 1)
        return head + b'?><!DOCTYPE d [<!ENTITY x SYSTEM "' + secret_file.as_uri().encode() + b'">]>' + body

    data = rewrite(office_file("docx"), {"word/document.xml": inject})
    forms = read_beside_good(tmp_path, {"entity.docx": data})
    assert "declares a DTD or entities" in error_of(forms, "entity.docx")
    assert SECRET not in all_texts(forms)


@pytest.mark.parametrize("suffix", ["xls", "xlsx"])
def test_an_office_made_workbook_with_a_formula_keeps_the_formula_text(tmp_path: Path, suffix: str) -> None:
    name = f"formula.{suffix}"
    data = (OFFICE / "special" / f"{SEED_STEM}-formula.{suffix}").read_bytes()
    forms = read_beside_good(tmp_path, {name: data})
    project = project_of(forms, name)
    assert project["total_budget_as_written"] == "=SUM(1,2)"  # LibreOffice stored the result 3 too
    assert pd.isna(project["total_budget_yuan"])
    assert any("formulas are not evaluated, the formula text is kept" in m for m in warnings_of(forms, name))


def test_old_word_and_opendocument_files_without_libreoffice_say_what_to_do(tmp_path: Path, monkeypatch) -> None:
    from budgetlib.extract import convert

    monkeypatch.setattr(convert, "soffice", lambda: None)
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    word = (OFFICE / "mixed" / "damaged.doc").read_bytes()
    forms = read_beside_good(tmp_path, {"form.ods": ods.getvalue(), "damaged.doc": word})
    assert "install LibreOffice" in error_of(forms, "form.ods") and "save it as .xlsx" in error_of(forms, "form.ods")
    assert "re-save it as .xlsx or .docx" in error_of(forms, "damaged.doc")


def test_every_file_of_the_mixed_folder_is_read_an_error_or_skipped(tmp_path: Path) -> None:
    forms = bl.read_forms([OFFICE / "mixed"])
    read = set(forms.projects["source_file"])
    assert {p.name for p in (OFFICE / "mixed").iterdir() if p.suffix in {".md", ".xlsx", ".xls", ".docx"}
            and not p.name.startswith("~$")} <= read
    assert "qingshen-2023-wages-self-evaluation.pdf" in read
    errors = dict(zip(forms.errors["source_file"], forms.errors["error"], strict=True))
    assert "without a text layer" in errors["scanned-form.pdf"]
    assert "damaged.doc" in errors
    # the .txt is a note (no table): skipped with the reason, as is the lock file (tests/read/test_files.py)
    assert set(forms.skipped["source_file"]) == {"readme.txt", "~$xinzhou-2020-e-gov-network-declaration.xlsx"}
