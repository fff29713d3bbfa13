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
