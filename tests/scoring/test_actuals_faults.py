"""Actuals sheets filled the way people fill them: nothing is scored from a guess, and each doubt names its cell.

Each test reproduces a way the sheet used to mislead the scoring: 0.95 typed for 95% scored 0.1 of 10
points; a formula without a cached value read as empty; a filled copy of the sheet beside the empty
original was ignored; a column inserted left of 实际完成值 was taken for the actuals; "完成" against a
numeric target got full marks; a second ``actuals-template`` run overwrote a filled sheet.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.cli import main
from budgetlib.scoring.actuals import SHEET_NAME, ActualsSheetError
from tests.scoring.helpers import read_md, self_evaluation_md

FORM = "form.md#0"


@pytest.fixture()
def forms(tmp_path) -> bl.Forms:
    return read_md(tmp_path, self_evaluation_md([
        ("产出指标", "质量指标", "验收合格率", "≥90%", "", "10", ""),
        ("产出指标", "数量指标", "培训人数", "≥40人", "", "10", ""),
        ("效益指标", "社会效益指标", "群众满意程度", "显著提升", "", "10", ""),
    ]))


def _template(forms: bl.Forms, tmp_path: Path, name: str = "actuals.xlsx") -> Path:
    return bl.write_actuals_template(forms, tmp_path / name)


def _columns(sheet) -> dict[str, int]:
    return {cell.value.split("\n")[1]: cell.column for cell in sheet[1] if cell.value and "\n" in cell.value}


def _fill(path: Path, values: dict[int, object], number_format: str = "General", sheet_name: str = SHEET_NAME) -> None:
    """Type values into the 实际完成值 column, by indicator number (the template's row order)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[sheet_name]
    column = _columns(sheet)["actual_text"]
    for indicator_no, value in values.items():
        cell = sheet.cell(row=1 + indicator_no, column=column)
        cell.value = value
        cell.number_format = number_format
    workbook.save(path)


def _scored(forms: bl.Forms, path: Path) -> pd.DataFrame:
    return bl.score(forms, actuals=path).indicators.set_index("indicator_no")


def _warnings(forms: bl.Forms, path: Path) -> pd.DataFrame:
    return bl.apply_actuals(forms, bl.read_actuals(path)).warnings


# -- a fraction typed for a percentage -------------------------------------------------------------------


def test_a_fraction_against_a_percentage_target_is_not_scored_and_names_its_cell(forms, tmp_path) -> None:
    path = _template(forms, tmp_path)
    _fill(path, {1: 0.95})  # a number in a General cell: "0.95" (was 10 × 0.95/90 = 0.1 points)
    scored = _scored(forms, path)
    assert scored.loc[1, "status"] == "not_scored" and pd.isna(scored.loc[1, "computed_score"])
    assert "无法判断是95%还是0.95%" in scored.loc[1, "note"] and "cell K2" in scored.loc[1, "note"]
    warning = _warnings(forms, path).set_index("code").loc["W_ACTUAL_FRACTION_FOR_PERCENT"]
    assert warning["location"] == "actuals.xlsx, sheet '实际完成值', cell K2"
    assert "'0.95'" in warning["message"] and "≥90%" in warning["message"]


@pytest.mark.parametrize(("value", "number_format", "score"), [
    (0.95, "0%", 10.0),      # typed as 95% in Excel: the cell reads "95%"
    ("95%", "@", 10.0),
    (95, "General", 10.0),   # a bare 95 is read in the target's unit, as before
    (0, "General", 0.0),     # 0 is 0 either way
])
def test_percentages_written_unambiguously_are_scored(forms, tmp_path, value, number_format, score) -> None:
    path = _template(forms, tmp_path)
    _fill(path, {1: value}, number_format)
    assert _scored(forms, path).loc[1, "computed_score"] == pytest.approx(score)


# -- formulas ---------------------------------------------------------------------------------------------


def test_a_formula_without_a_cached_value_is_a_warning_not_an_empty_cell(forms, tmp_path) -> None:
    path = _template(forms, tmp_path)
    _fill(path, {2: "=20*2"})  # saved by a program that does not calculate: no cached value
    actuals = bl.read_actuals(path).set_index("indicator_no")
    assert actuals.loc[2, "actual_text"] == "=20*2" and pd.isna(actuals.loc[2, "actual_value"])
    assert actuals.loc[2, "code"] == "W_ACTUALS_FORMULA"
    scored = _scored(forms, path)
    assert scored.loc[2, "status"] == "not_scored" and "公式" in scored.loc[2, "note"]
    assert "未填实际完成值" not in scored.loc[2, "note"]
    warning = _warnings(forms, path).set_index("code").loc["W_ACTUALS_FORMULA"]
    assert warning["location"] == "actuals.xlsx, sheet '实际完成值', cell K3"


def _with_cached_value(path: Path, formula: str, cached: str) -> None:
    """Give a formula cell the cached result a calculating program (Excel, WPS) stores beside it."""
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet1"):
                content, count = re.subn(rf"<f>{re.escape(formula)}</f>(<v\s*/>|<v></v>)?".encode(),
                                         f"<f>{formula}</f><v>{cached}</v>".encode(), content)
                assert count == 1
            target.writestr(item, content)
    path.write_bytes(out.getvalue())


def test_a_formula_with_a_cached_value_is_not_believed_either(forms, tmp_path) -> None:
    path = _template(forms, tmp_path)
    _fill(path, {2: "=20*2"})
    _with_cached_value(path, "20*2", "40")
    assert openpyxl.load_workbook(path, data_only=True)[SHEET_NAME]["K3"].value == 40  # the cache is there
    scored = _scored(forms, path)
    assert scored.loc[2, "status"] == "not_scored" and pd.isna(scored.loc[2, "computed_score"])


# -- which sheets are read ----------------------------------------------------------------------------------


def _with_copy(path: Path) -> None:
    workbook = openpyxl.load_workbook(path)
    workbook.copy_worksheet(workbook[SHEET_NAME]).title = "实际完成值（已填）"
    workbook.save(path)


def test_a_filled_copy_beside_the_empty_original_is_read(forms, tmp_path) -> None:
    path = _template(forms, tmp_path)
    _with_copy(path)
    _fill(path, {2: "45人"}, sheet_name="实际完成值（已填）")
    actuals = bl.read_actuals(path).set_index("indicator_no")
    assert actuals.loc[2, "actual_text"] == "45人"
    assert actuals.loc[2, "location"] == "actuals.xlsx, sheet '实际完成值（已填）', cell K3"
    assert _scored(forms, path).loc[2, "computed_score"] == 10
    warnings = _warnings(forms, path)
    several = warnings[warnings["code"] == "W_ACTUALS_SEVERAL_SHEETS"]
    assert len(several) == 1 and "'实际完成值'" in several.iloc[0]["message"]
    assert "'实际完成值（已填）'" in several.iloc[0]["message"]


def test_two_sheets_that_disagree_are_flagged_and_neither_is_used(forms, tmp_path) -> None:
    path = _template(forms, tmp_path)
    _with_copy(path)
    _fill(path, {1: "92%", 2: "45人"})
    _fill(path, {1: "92%", 2: "38人"}, sheet_name="实际完成值（已填）")
    scored = _scored(forms, path)
    assert scored.loc[1, "computed_score"] == 10  # the same in both: used
    assert scored.loc[2, "status"] == "not_scored" and "不同的实际值" in scored.loc[2, "note"]
    conflict = _warnings(forms, path).set_index("code").loc["W_ACTUALS_CONFLICT"]
    assert "cell K3: '45人'" in conflict["message"] and "'实际完成值（已填）', cell K3: '38人'" in conflict["message"]


def test_the_sheets_to_read_can_be_named(forms, tmp_path) -> None:
    path = _template(forms, tmp_path)
    _with_copy(path)
    _fill(path, {2: "45人"})
    _fill(path, {2: "38人"}, sheet_name="实际完成值（已填）")
    actuals = bl.read_actuals(path, sheets="实际完成值（已填）")
    assert actuals.set_index("indicator_no").loc[2, "actual_text"] == "38人"
    assert actuals.attrs["notices"] == []
    with pytest.raises(ActualsSheetError, match="no sheet '草稿'") as error:
        bl.read_actuals(path, sheets=["草稿"])
    assert error.value.code == "E_ACTUALS_COLUMNS"


# -- columns by their headings -------------------------------------------------------------------------------


def _insert_column_left_of_actuals(path: Path, heading: str, values: dict[int, str]) -> None:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[SHEET_NAME]
    column = _columns(sheet)["actual_text"]
    sheet.insert_cols(column)
    sheet.cell(row=1, column=column).value = heading
    for indicator_no, value in values.items():
        sheet.cell(row=1 + indicator_no, column=column).value = value
    workbook.save(path)


def test_a_column_inserted_left_of_the_actuals_is_not_taken_for_them(forms, tmp_path) -> None:
    path = _template(forms, tmp_path)
    _fill(path, {2: "45人"})
    _insert_column_left_of_actuals(path, "实际完成值（上半年）", {2: "20人"})
    actuals = bl.read_actuals(path).set_index("indicator_no")
    assert actuals.loc[2, "actual_text"] == "45人"  # was "20人", the inserted column's
    assert actuals.loc[2, "location"].endswith("cell L3")
    assert _scored(forms, path).loc[2, "computed_score"] == 10


def test_two_columns_with_the_same_heading_are_an_error_naming_them(forms, tmp_path) -> None:
    path = _template(forms, tmp_path)
    _insert_column_left_of_actuals(path, "实际完成值\nactual_text", {2: "20人"})
    with pytest.raises(ActualsSheetError, match=r"sheet '实际完成值': cell K1 and cell L1 are all headed") as error:
        bl.read_actuals(path)
    assert error.value.code == "E_ACTUALS_COLUMNS"


# -- words against a number --------------------------------------------------------------------------------


def test_words_against_a_numeric_target_are_no_number(forms, tmp_path) -> None:
    path = _template(forms, tmp_path)
    _fill(path, {2: "完成", 3: "显著提升"})
    scored = _scored(forms, path)
    assert scored.loc[2, "status"] == "not_scored" and pd.isna(scored.loc[2, "computed_score"])  # was 10
    assert "为文字" in scored.loc[2, "note"]
    assert scored.loc[3, "computed_score"] == 10  # words against words are read as before
    warning = _warnings(forms, path).set_index("code").loc["W_ACTUAL_NOT_A_NUMBER"]
    assert warning["location"].endswith("cell K3") and "'完成'" in warning["message"]


# -- a second template run -----------------------------------------------------------------------------------


def test_actuals_template_refuses_to_overwrite_a_filled_sheet(forms, tmp_path, capsys) -> None:
    form = tmp_path / "form.md"
    out = tmp_path / "actuals.xlsx"
    assert main(["actuals-template", str(form), "--out", str(out)]) == 0
    assert main(["actuals-template", str(form), "--out", str(out)]) == 0  # still empty: written again
    _fill(out, {2: "45人"})
    before = out.read_bytes()
    capsys.readouterr()
    assert main(["actuals-template", str(form), "--out", str(out)]) == 2
    assert "1 filled row(s)" in capsys.readouterr().err
    assert out.read_bytes() == before
    with pytest.raises(ActualsSheetError, match="filled row") as error:
        bl.write_actuals_template(forms, out)
    assert error.value.code == "E_ACTUALS_FILLED" and out.read_bytes() == before
    assert main(["actuals-template", str(form), "--out", str(out), "--force"]) == 0
    assert bl.read_actuals(out)["actual_text"].isna().all()


def test_actuals_template_refuses_to_overwrite_another_file(tmp_path, capsys) -> None:
    (tmp_path / "form.md").write_text(self_evaluation_md([("产出指标", "数量指标", "人数", "≥40人", "", "10", "")]),
                                      encoding="utf-8")
    out = tmp_path / "budget.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["部门预算", 100])
    workbook.save(out)
    before = out.read_bytes()
    assert main(["actuals-template", str(tmp_path / "form.md"), "--out", str(out)]) == 2
    assert "not an actuals template" in capsys.readouterr().err and out.read_bytes() == before
