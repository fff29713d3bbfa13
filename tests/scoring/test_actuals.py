"""The actuals sheet: template written, filled in by hand (openpyxl here), read back, joined, scored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.cli import main
from budgetlib.scoring.actuals import SHEET_NAME, cell_text, template_rows
from tests.conftest import EXAMPLE_FILES, EXAMPLES, QINGSHEN, SEED, ZHONGJIANG
from tests.scoring.helpers import read_md, self_evaluation_md


@pytest.fixture(scope="module")
def forms() -> bl.Forms:
    return bl.read_forms([EXAMPLES / SEED, EXAMPLES / QINGSHEN, EXAMPLES / ZHONGJIANG])


def _header(sheet) -> dict[str, int]:
    """Column number of each machine key (the second line of the header cell)."""
    return {cell.value.split("\n")[1]: cell.column for cell in sheet[1]}


def _fill(path: Path, values: dict[tuple[str, int], object], number_formats: dict[tuple[str, int], str] = {}) -> None:  # noqa: B006
    """Fill actual cells the way staff would, by form and indicator."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[SHEET_NAME]
    cols = _header(sheet)
    for row in sheet.iter_rows(min_row=2):
        key = (row[cols["form_id"] - 1].value, row[cols["indicator_no"] - 1].value)
        if key in values:
            cell = row[cols["actual_text"] - 1]
            cell.value = values[key]
            if key in number_formats:
                cell.number_format = number_formats[key]
    workbook.save(path)


def test_template_has_one_row_per_annual_indicator_with_target_and_empty_actual(forms, tmp_path) -> None:
    path = bl.write_actuals_template(forms, tmp_path / "actuals.xlsx")
    sheet = openpyxl.load_workbook(path)[SHEET_NAME]
    cols = _header(sheet)
    # 3 (declaration) + 2 (青神) + 9 (中江) indicators, under one header row.
    assert sheet.max_row == 1 + 3 + 2 + 9
    assert sheet.freeze_panes == "C2"
    assert cols["actual_text"] and cols["target_text"] and cols["deviation_reason"]
    assert sheet.cell(row=1, column=cols["actual_text"]).value == "实际完成值\nactual_text"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert all(row[cols["actual_text"] - 1] is None for row in rows)
    targets = {(row[cols["form_id"] - 1], row[cols["indicator_no"] - 1]): row[cols["target_text"] - 1] for row in rows}
    assert targets[(f"{ZHONGJIANG}#0", 1)] == "≥266米"
    assert targets[(f"{SEED}#0", 1)] == "123 家"


def test_template_keeps_codes_and_targets_as_text(forms, tmp_path) -> None:
    path = bl.write_actuals_template(forms, tmp_path / "actuals.xlsx")
    sheet = openpyxl.load_workbook(path)[SHEET_NAME]
    cols = _header(sheet)
    seed_row = next(r for r in sheet.iter_rows(min_row=2) if r[cols["form_id"] - 1].value == f"{SEED}#0")
    code = seed_row[cols["project_code"] - 1]
    assert code.data_type == "s" and code.value == forms.projects.set_index("form_id").loc[f"{SEED}#0", "project_code"]
    qingshen_row = next(r for r in sheet.iter_rows(min_row=2) if r[cols["form_id"] - 1].value == f"{QINGSHEN}#0")
    target = qingshen_row[cols["target_text"] - 1]
    assert target.data_type == "s" and target.value == "100"  # a bare number as written, not the number 100
    assert qingshen_row[cols["actual_text"] - 1].number_format == "@"  # what staff type stays text


def test_a_target_that_looks_like_a_formula_stays_text(tmp_path) -> None:
    forms = read_md(tmp_path, self_evaluation_md([("产出指标", "数量指标", "覆盖率", "=100%", "", "10", "")]))
    path = bl.write_actuals_template(forms, tmp_path / "actuals.xlsx")
    sheet = openpyxl.load_workbook(path)[SHEET_NAME]
    cols = _header(sheet)
    cell = sheet.cell(row=2, column=cols["target_text"])
    assert cell.value == "=100%" and cell.data_type == "s"


def test_template_suggests_words_for_qualitative_rows(forms, tmp_path) -> None:
    path = bl.write_actuals_template(forms, tmp_path / "actuals.xlsx")
    sheet = openpyxl.load_workbook(path)[SHEET_NAME]
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert any("部分达成" in dv.formula1 for dv in lists)
    assert all(not dv.showErrorMessage for dv in sheet.data_validations.dataValidation)  # suggestions, not limits
    rows = template_rows(forms)
    qualitative = rows.index[rows["kind"] == "qualitative"]
    assert len(qualitative) == 1  # 中江 #8 显著提升
    listed = " ".join(str(dv.sqref) for dv in lists)
    assert f"K{qualitative[0] + 2}" in listed.split()


def test_round_trip_template_filled_read_back_scored(forms, tmp_path) -> None:
    path = bl.write_actuals_template(forms, tmp_path / "actuals.xlsx")
    seed, qingshen = f"{SEED}#0", f"{QINGSHEN}#0"
    _fill(path, {
        (seed, 1): "123家",
        (seed, 2): 0.95,  # typed as 95% in Excel: a number with a percent format
        (seed, 3): "100%",
        (qingshen, 1): "98%",
        # (qingshen, 2) left empty: stays missing
    }, {(seed, 2): "0%"})
    actuals = bl.read_actuals(path)
    assert len(actuals) == 14
    assert actuals["indicator_no"].dtype == pd.Int64Dtype()
    keyed = actuals.set_index(["form_id", "indicator_no"])
    assert keyed.loc[(seed, 2), "actual_text"] == "95%"
    assert keyed.loc[(seed, 2), "actual_value"] == 95 and keyed.loc[(seed, 2), "actual_unit"] == "%"
    assert pd.isna(keyed.loc[(qingshen, 2), "actual_text"]) and pd.isna(keyed.loc[(qingshen, 2), "actual_value"])

    result = bl.score(forms, actuals=path)
    by_key = result.indicators.set_index(["form_id", "indicator_no"])
    # Declaration, default weights: 产出 50 split over 2 = 25 each, 满意度 10.
    assert by_key.loc[(seed, 1), "computed_score"] == 25  # 123/123 家
    assert by_key.loc[(seed, 2), "computed_score"] == pytest.approx(23.75)  # 25 × 95/100
    assert by_key.loc[(seed, 3), "computed_score"] == 10
    # 青神: "= 100 %", 98% done, weight 60: 60 × (1 − 2/100) = 58.8; the empty one is not scored.
    assert by_key.loc[(qingshen, 1), "computed_score"] == pytest.approx(58.8)
    assert by_key.loc[(qingshen, 2), "status"] == "not_scored"
    assert pd.isna(by_key.loc[(qingshen, 2), "computed_score"])
    # 中江 keeps the actuals its form states: the sheet left them empty.
    assert result.indicators[result.indicators["form_id"] == f"{ZHONGJIANG}#0"]["computed_score"].sum() == 100

    totals = result.forms.set_index("form_id")
    # Declaration: 25 + 23.75 + 10 = 58.75 of 60 (no execution block) = 97.9% → 优.
    assert totals.loc[seed, "total_score"] == pytest.approx(58.75)
    assert totals.loc[seed, "total_weight"] == 60 and totals.loc[seed, "grade"] == "优"
    # 青神: 58.8 + execution 10 = 68.8 so far, 30 points not scored → no grade.
    assert totals.loc[qingshen, "total_score"] == pytest.approx(68.8)
    assert pd.isna(totals.loc[qingshen, "grade"])


def test_filling_every_qingshen_actual_completes_its_grade(tmp_path) -> None:
    forms = bl.read_forms([EXAMPLES / QINGSHEN])
    path = bl.write_actuals_template(forms, tmp_path / "actuals.xlsx")
    _fill(path, {(f"{QINGSHEN}#0", 1): "98%", (f"{QINGSHEN}#0", 2): 100})
    form = bl.score(forms, actuals=bl.read_actuals(path)).forms.iloc[0]
    # 58.8 + 30 (100 of =100, unit taken from the target) + 10 = 98.8 of 100 → 优.
    assert form["total_score"] == pytest.approx(98.8)
    assert form["is_complete"] and form["grade"] == "优"


def test_a_hand_made_sheet_with_chinese_headers_and_moved_columns(forms, tmp_path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["备注", "实际完成值", "指标序号", "表单编号"])
    sheet.append(["随手写的", "≥40人", 1, f"{SEED}#0"])
    sheet.append([None, None, None, None])
    path = tmp_path / "hand.xlsx"
    workbook.save(path)
    actuals = bl.read_actuals(path)
    assert actuals[["form_id", "indicator_no", "actual_text"]].values.tolist() == [[f"{SEED}#0", 1, "≥40人"]]
    assert actuals["actual_comparator"][0] == ">="


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_saved_by_excel_or_wps_reads_the_same(tmp_path, encoding) -> None:
    path = tmp_path / "actuals.csv"
    path.write_text("表单编号,指标序号,实际完成值,偏差原因\nform.md#0,1,35人,场地受限\nform.md#0,2,,\n", encoding=encoding)
    actuals = bl.read_actuals(path)
    assert actuals["actual_text"].tolist()[0] == "35人" and pd.isna(actuals["actual_text"][1])
    assert actuals["actual_value"][0] == 35 and actuals["deviation_reason"][0] == "场地受限"
    assert actuals["origin"][0] == "actuals.csv, csv, row 2"


def test_bad_sheets_raise_errors_naming_file_and_row(tmp_path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["表单编号", "指标序号", "实际完成值"])
    sheet.append(["a.md#0", "一", "10"])
    sheet.append(["a.md#0", 2, "10"])
    sheet.append(["a.md#0", 2, "12"])
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    with pytest.raises(ValueError, match=r"bad\.xlsx.*row 2") as error:
        bl.read_actuals(path)
    assert "row 4" in str(error.value) and "more than once" in str(error.value)

    workbook = openpyxl.Workbook()
    workbook.active.append(["项目", "实际完成值"])
    workbook.save(path)
    with pytest.raises(ValueError, match=r"bad\.xlsx: no sheet has the columns"):
        bl.read_actuals(path)

    workbook = openpyxl.Workbook()
    workbook.active.append(["form_id", "indicator_no", "remark"])
    workbook.save(path)
    with pytest.raises(ValueError, match="no column actual_text"):
        bl.read_actuals(path)

    with pytest.raises(ValueError, match=r"actuals\.txt: .*xlsx.*csv"):
        bl.read_actuals(tmp_path / "actuals.txt")


def test_actuals_for_unknown_indicators_become_warnings_not_silence(forms) -> None:
    actuals = pd.DataFrame({
        "form_id": [f"{SEED}#0", "typo.md#0"], "indicator_no": [1, 1], "actual_text": ["100家", "5"],
        "actual_comparator": [None, None], "actual_value": [100.0, 5.0], "actual_unit": ["家", None],
        "deviation_reason": ["部分单位撤并", None], "origin": ["x.xlsx, row 2", "x.xlsx, row 3"],
    })
    applied = bl.apply_actuals(forms, actuals)
    seed = applied.indicators.set_index(["form_id", "indicator_no"]).loc[(f"{SEED}#0", 1)]
    assert seed["actual_text"] == "100家" and seed["actual_value"] == 100
    assert seed["deviation_reason"] == "部分单位撤并"
    assert forms.indicators["actual_text"].isna().sum() == 3 + 2  # the input is untouched (declaration, 青神)
    warning = applied.warnings[applied.warnings["form_id"] == "typo.md#0"]
    assert len(warning) == 1 and "no indicator 1" in warning["message"].iloc[0]


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (35, "General", "35"),
        (8.75, "General", "8.75"),
        (0.95, "0%", "95%"),
        (0.955, "0.0%", "95.5%"),
        (dt.datetime(2023, 12, 20), "yyyy-mm-dd", "2023-12-20"),
        (" 036001 ", "@", "036001"),
        ("", "General", None),
        (None, "General", None),
    ],
)
def test_cell_values_read_as_the_text_a_person_typed(value, number_format, text) -> None:
    assert cell_text(value, number_format) == text


def test_cli_writes_the_template_and_reports_unreadable_files(tmp_path, capsys) -> None:
    out = tmp_path / "sheet" / "actuals.xlsx"
    assert main(["actuals-template", *map(str, EXAMPLE_FILES), "--out", str(out)]) == 0
    assert out.exists()
    assert "28 indicators of 5 forms" in capsys.readouterr().out  # 7 + 2 + 7 + 3 + 9
    assert main(["actuals-template", str(EXAMPLES / SEED), str(tmp_path / "missing.md"), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "3 indicators of 1 forms" in captured.out and "missing.md: file not found" in captured.err
