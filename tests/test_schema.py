"""The schema is the single source of the tables' shape and of the data dictionary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib import schema

ROOT = Path(__file__).resolve().parents[1]


def test_data_dictionary_file_is_generated_from_the_schema() -> None:
    committed = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert committed.strip() == schema.data_dictionary().strip(), "run `make dictionary`"


def test_contract_columns_exist() -> None:
    contract = {
        "projects": "form_id source_file form_type fiscal_year project_name project_code department department_code "
                    "implementing_unit manager phone category total_budget_yuan current_year_budget_yuan "
                    "budget_as_written amount_unit application_reason main_content overall_goal annual_goal",
        "funding": "form_id line_no source_name parent_source amount_yuan amount_as_written",
        "expenditures": "form_id economic_category fiscal_year amount_yuan",
        "budget_history": "form_id project_code project_name fiscal_year amount_yuan basis",
        "budget_execution": "form_id fund_line initial_budget_yuan full_year_budget_yuan executed_yuan "
                            "execution_rate weight score",
        "indicators": "form_id indicator_no horizon level1 level2 name level1_std level2_std target_text comparator "
                      "target_kind target_value unit weight actual_text actual_value score deviation_reason",
        "cost_items": "form_id item_no description quantity quantity_unit unit_price_yuan price_basis "
                      "list_amount_yuan stated_amount_yuan implied_unit_cost_yuan package_ratio",
        "findings": "form_id check_id severity dimension message location",
        "unparsed": "form_id table_no row col text",
        "errors": "source_file error",
    }
    for table, columns in contract.items():
        assert set(columns.split()) <= set(schema.TABLES[table].column_names), table


def test_money_columns_are_float_and_codes_are_strings() -> None:
    for spec in schema.TABLES.values():
        for column in spec.columns:
            if column.name.endswith("_yuan"):
                assert column.dtype == schema.FLOAT and column.unit == "元", (spec.name, column.name)
            if column.name.endswith("_code") or column.name == "form_id":
                assert column.dtype == schema.STR, (spec.name, column.name)


def test_frame_rejects_unknown_columns() -> None:
    with pytest.raises(KeyError, match="no columns"):
        schema.frame("funding", [{"form_id": "x", "not_a_column": 1}])


def test_every_table_is_present_and_typed_even_when_empty() -> None:
    forms = bl.read_forms([])
    for name in schema.TABLES:
        df = getattr(forms, name)
        assert list(df.columns) == schema.TABLES[name].column_names
        assert len(df) == 0
    assert forms.projects["fiscal_year"].dtype == pd.Int64Dtype()


def _all_columns() -> list[tuple[str, schema.Column]]:
    specs = [*schema.TABLES.values(), *schema.ANALYSIS_TABLES.values()]
    return [(spec.name, c) for spec in specs for c in spec.columns] + [("report", c) for c in schema.REPORT_COLUMNS]


def test_every_unit_is_one_of_the_declared_units() -> None:
    assert {c.unit for _, c in _all_columns()} - {""} <= set(schema.UNITS)
    assert all(c.unit == "元" for _, c in _all_columns() if c.per_unit)


def test_a_column_name_has_one_unit_wherever_it_is_declared() -> None:
    units: dict[str, set[tuple[str, bool]]] = {}
    for _, c in _all_columns():
        units.setdefault(c.name, set()).add((c.unit, c.per_unit))
    assert {name: found for name, found in units.items() if len(found) > 1} == {}
    assert schema.column("unit_price_yuan").per_unit and schema.column("package_ratio").unit == "fraction"
    assert schema.column("no_such_column") is None


def test_analysis_tables_declare_what_the_analyses_return(all_examples) -> None:
    yoy_columns = set()
    for by in ("project", "department", "economic_category", "economic_class"):
        columns = list(bl.yoy(all_examples, by=by).columns)
        assert set(columns) <= set(schema.ANALYSIS_TABLES["yoy"].column_names), by
        yoy_columns |= set(columns)
    assert yoy_columns == set(schema.ANALYSIS_TABLES["yoy"].column_names)
    assert list(bl.unit_costs(all_examples).columns) == schema.ANALYSIS_TABLES["unit_costs"].column_names
    items = all_examples.cost_items
    assert list(bl.reprice(items, baseline=items).columns) == schema.ANALYSIS_TABLES["scenario"].column_names
    assert list(bl.sensitivity(items).columns) == schema.ANALYSIS_TABLES["sensitivity"].column_names


def test_the_data_dictionary_gives_units_and_money_per_unit() -> None:
    text = schema.data_dictionary()
    assert "| unit_price_yuan | float64 | 元 per unit | Unit price. |" in text
    assert "## yoy" in text and "| change | a change relative to the figure before" in text


# -- converting between records and tables -----------------------------------------------------------


def test_python_values_are_what_pandas_gives_for_every_column_of_real_forms(all_examples) -> None:
    checked = set()
    for name, df in all_examples.tables.items():
        for column, series in df.items():
            expected = series.to_numpy(dtype=object, na_value=None).tolist()
            values = schema.python_values(series)
            assert values == expected, (name, column)
            assert [type(v) for v in values] == [type(v) for v in expected], (name, column)
            checked.add(str(series.dtype))
    assert {"str", "Int64", "float64", "boolean"} <= checked


def test_python_values_of_other_dtypes_take_pandas_way() -> None:
    assert schema.python_values(pd.Series([1, "a", None], dtype=object)) == [1, "a", None]
    assert schema.python_values(pd.Series([float("nan"), 2.5], dtype="Float64")) == [None, 2.5]


def test_row_dicts_build_the_same_table_again_the_fast_way(all_examples) -> None:
    for name in ("projects", "indicators", "funding", "cost_items", "provenance"):
        df = all_examples.tables[name]
        rows = schema.row_dicts(df)
        assert len(rows) == len(df) > 0
        assert schema._frame_via_arrow(schema.TABLES[name], rows) is not None, name  # no NA left for pandas
        pd.testing.assert_frame_equal(schema.frame(name, rows), df.reset_index(drop=True), obj=name)


def test_frames_built_through_arrow_keep_the_dtypes_of_the_pandas_way(all_examples) -> None:
    for name, df in all_examples.tables.items():
        if df.empty:
            continue
        rows = schema.row_dicts(df)
        fast = schema._frame_via_arrow(schema.TABLES[name], rows)
        assert fast is not None, name
        pd.testing.assert_frame_equal(fast, schema._frame_via_pandas(schema.TABLES[name], rows), obj=name)


def test_an_empty_table_is_a_frame_of_its_own_each_time() -> None:
    first = schema.empty_frame("funding")
    first["extra"] = 1
    first.attrs["note"] = "changed"
    second = schema.frame("funding", [])
    assert "extra" not in second.columns and second.attrs == {}
    assert list(second.columns) == schema.TABLES["funding"].column_names
    assert second["amount_yuan"].dtype == "float64" and second["line_no"].dtype == pd.Int64Dtype()


def test_every_column_of_a_built_table_can_be_changed_in_place(all_examples) -> None:
    """Built from Arrow's memory, a column must still take a user's assignment (a NumPy view of Arrow
    memory is read-only: ``df.loc[0, "amount_yuan"] = …`` failed)."""
    for name, df in all_examples.tables.items():
        if df.empty:
            continue
        built = schema.frame(name, schema.row_dicts(df))
        for position, column in enumerate(built.columns):
            value = built.iloc[-1, position]
            built.loc[0, column] = value
            built.iloc[0, position] = value
        pd.testing.assert_frame_equal(built.iloc[[0]].reset_index(drop=True),
                                      built.iloc[[-1]].reset_index(drop=True), obj=name)
