"""The columnar ``project_keys`` gives the keys the row-by-row one gave, for any forms: the shipped
data, the examples, and made-up batches where codes, names, departments and years collide."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import budgetlib as bl
from budgetlib.analysis.project_keys import project_keys
from tests.analysis.reference_project_keys import reference_project_keys

DATA = Path(__file__).resolve().parents[2] / "data" / "raw"

CODES = [None, "", "  ", "-", "036001-2020-1", "036001-2021-1", "036001-2022-1", "０３６００１－２０２１－１", "0360012021 1",
         "A1", "A2", "a1", "A1 ", "A_1"]
NAMES = [None, "", "项目", "B|C", "电子政务", "2021年 电子政务项目", "电子政务项目", "（电子政务）", "道路养护", "2022年度道路养护",
         "道路 养护", "学校维修", "学校维修（续建）", "区教育局学校维修项目", "教育局2022年道路养护", "局", "教育局"]
DEPARTMENTS = [None, "", "A|B", "区教育局", "区 教育局", "区教育局（本级）", "区教育局本级", "区交通局"]
YEARS = [None, 2020, 2021, 2022, 2023]

forms_rows = st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(NAMES), st.sampled_from(DEPARTMENTS),
                                st.sampled_from(YEARS)), max_size=40)


def frame(rows: list[tuple[str | None, str | None, str | None, int | None]], dtype: str) -> pd.DataFrame:
    return pd.DataFrame({
        "form_id": [f"f{i}.md#0" for i in range(len(rows))],
        "fiscal_year": pd.array([row[3] for row in rows], dtype="Int64"),
        "project_code": pd.Series([row[0] for row in rows], dtype=dtype),
        "project_name": pd.Series([row[1] for row in rows], dtype=dtype),
        "department": pd.Series([row[2] for row in rows], dtype=dtype),
    })


@settings(max_examples=300, deadline=None)
@given(rows=forms_rows, dtype=st.sampled_from(["str", "object"]))
def test_the_same_keys_as_row_by_row_for_any_batch(rows, dtype: str) -> None:
    projects = frame(rows, dtype)
    keys = project_keys(projects)
    pd.testing.assert_series_equal(keys, reference_project_keys(projects))


def test_the_same_keys_as_row_by_row_for_the_shipped_data_and_the_examples(all_examples: bl.Forms) -> None:
    shipped = bl.read_forms([DATA]).projects
    for projects in (shipped, all_examples.projects):
        pd.testing.assert_series_equal(project_keys(projects), reference_project_keys(projects))
    assert project_keys(shipped).nunique() < len(shipped)  # forms of one project joined: not vacuous


def test_a_renamed_project_joins_by_code_a_new_code_by_name_and_two_codes_of_one_year_stay_apart() -> None:
    """Rows 0-3: one project (a code a year; renamed in 2021, when both names carry that year's code).
    Row 4 has the old name but another code for 2021, a year the project's own code claims: another
    project. Row 5 has neither code nor name."""
    projects = frame([("036001-2020-1", "电子政务", "区局", 2020), ("036001-2021-1", "电子政务", "区局", 2021),
                      ("036001-2021-1", "电子政务运维", "区局", 2021), ("036001-2022-9", "电子政务运维", "区局", 2022),
                      ("036001-2021-7", "电子政务", "区局", 2021), (None, None, None, 2022)], "str")
    assert project_keys(projects).tolist() == ["code:036001-2022-9"] * 4 + ["code:036001-2021-7", "form:f5.md#0"]


def test_a_batch_that_is_not_numbered_from_zero_keeps_its_index_and_an_empty_one_works() -> None:
    projects = frame([("A1", "x", "d", 2023), (None, "x", "d", 2022)], "str").set_axis([7, 3])
    keys = project_keys(projects)
    assert keys.index.tolist() == [7, 3] and keys.tolist() == ["code:A1", "code:A1"]
    assert keys.name == "project_key" and keys.dtype == "str"
    empty = project_keys(projects.iloc[:0])
    assert empty.empty and empty.dtype == "str"


def test_a_department_holding_a_bar_keys_as_before() -> None:
    """The key text is "department|name": a department "A|B" with the name "C" and the department "A"
    with the name "B|C" have one key, as they had (the texts are compared when a department has a "|")."""
    projects = frame([(None, "C", "A|B", 2023), (None, "B|C", "A", 2023), (None, "", "A|B", 2023),
                      (None, None, "A", 2023)], "str")
    pd.testing.assert_series_equal(project_keys(projects), reference_project_keys(projects))
    assert project_keys(projects).tolist() == ["name:A|B|C", "name:A|B|C", "name:A|B|", "form:f3.md#0"]


@pytest.mark.parametrize("n", [20_000])
def test_many_forms_with_second_forms_join_in_pairs(n: int) -> None:
    """A batch shaped like the benchmark's streaming corpus: every tenth form is a second form of the
    project before it (same code and name)."""
    project = [i - (i % 10 == 9) for i in range(n)]
    projects = pd.DataFrame({
        "form_id": [f"form-{i:07d}.md#0" for i in range(n)], "fiscal_year": pd.array([2023] * n, dtype="Int64"),
        "project_code": pd.Series([f"{31000000 + p}" for p in project], dtype="str"),
        "project_name": pd.Series([f"区电子政务项目{p}" for p in project], dtype="str"),
        "department": pd.Series(["区政务服务数据管理局"] * n, dtype="str")})
    keys = project_keys(projects)
    assert keys.nunique() == n - n // 10
    assert (keys.to_numpy()[9::10] == keys.to_numpy()[8::10]).all()
    assert np.array_equal(keys.to_numpy(), reference_project_keys(projects).to_numpy())
