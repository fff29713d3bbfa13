"""Loading and selecting the report data: tables read once and served from memory across forks, forms picked
by year, department or id."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from budgetlib.forms import Forms
from budgetlib.output import write_tables
from budgetlib.report import data
from tests.conftest import SEED


@pytest.fixture(scope="module")
def tables_dir(tmp_path_factory, all_examples):
    folder = tmp_path_factory.mktemp("tables")
    write_tables(all_examples, folder, "parquet")
    return folder


def test_load_forms_reads_a_tables_folder_as_parsed(tables_dir, all_examples) -> None:
    forms = data.load_forms(tables_dir)
    pd.testing.assert_frame_equal(forms.projects, all_examples.projects)
    pd.testing.assert_frame_equal(forms.indicators, all_examples.indicators)


def test_load_forms_parses_forms_when_given_forms(examples_dir) -> None:
    forms = data.load_forms(examples_dir)
    assert len(forms.projects) == 5


def test_load_forms_names_a_missing_path(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no forms or tables"):
        data.load_forms(tmp_path / "nowhere")


def test_preloaded_tables_are_served_until_the_files_change(tmp_path, all_examples) -> None:
    folder = tmp_path / "data"
    write_tables(all_examples, folder, "parquet")
    data.preload(folder)
    first = data.load_forms(folder)
    first.projects.loc[0, "project_name"] = "changed in one report"  # copy-on-write: the cache is untouched
    assert data.load_forms(folder).projects.loc[0, "project_name"] != "changed in one report"
    write_tables(Forms({"projects": all_examples.projects.iloc[:2]}), folder, "parquet")
    assert len(data.load_forms(folder).projects) == 2


def test_preloading_an_unchanged_folder_again_reads_nothing(tmp_path, all_examples, monkeypatch) -> None:
    folder = tmp_path / "data"
    write_tables(all_examples, folder, "parquet")
    reads = []
    read_tables = data._read_tables
    monkeypatch.setattr(data, "_read_tables", lambda path: reads.append(path) or read_tables(path))
    data.preload(folder)
    data.preload(folder)
    assert len(reads) == 1
    write_tables(Forms({"projects": all_examples.projects.iloc[:2]}), folder, "parquet")
    data.preload(folder)
    assert len(reads) == 2
    assert len(data.load_forms(folder).projects) == 2


def test_select_forms_by_year_and_department(all_examples) -> None:
    assert sorted(data.select_forms(all_examples, fiscal_year=2023).projects["project_name"]) == [
        "工资性支出", "雾炮车降尘抑尘服务"]
    chosen = data.select_forms(all_examples, department="中江县水利局")
    assert list(chosen.projects["fiscal_year"]) == [2022]
    assert set(chosen.indicators["form_id"]) == set(chosen.projects["form_id"])
    assert data.select_forms(all_examples, fiscal_year=2021).projects.empty


def test_one_form_by_id_or_by_its_file(all_examples) -> None:
    by_file = data.one_form(all_examples, SEED)
    by_id = data.one_form(all_examples, f"{SEED}#0")
    assert list(by_file.projects["form_id"]) == list(by_id.projects["form_id"]) == [f"{SEED}#0"]
    with pytest.raises(KeyError, match=re.escape("no form 'nope.md' in the data; forms there: ")):
        data.one_form(all_examples, "nope.md")


def test_text_columns_read_in_many_chunks_are_kept_in_one_with_the_same_values() -> None:
    import pyarrow as pa

    from budgetlib.report.data import in_one_chunk

    chunked = pa.chunked_array([pa.array(["甲", None]), pa.array(["乙"]), pa.array(["丙", "丁"])])
    values = pd.Series(pd.array(["甲", None, "乙", "丙", "丁"], dtype="str"))
    table = pd.DataFrame({
        "name": pd.Series(type(values.array)(chunked, dtype=values.dtype)),
        "amount": [1.0, 2.0, None, 4.0, 5.0],
    })
    assert table["name"].array.__arrow_array__().num_chunks == 3
    expected = table.copy()
    whole = in_one_chunk(table)
    assert whole["name"].array.__arrow_array__().num_chunks == 1
    pd.testing.assert_frame_equal(whole, expected)
