"""The cross-form checks (C17–C20) over the tables a streamed parse wrote: the findings of all the
forms read together, whatever the format and however the forms are cut into chunks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetlib.analysis.project_keys import project_keys
from budgetlib.analysis.review import review_across_forms
from budgetlib.cli import main as cli_main
from budgetlib.forms import Forms
from budgetlib.output import write_part
from budgetlib.read import read_forms
from budgetlib.read.written import (
    CROSS_FORM_INPUT,
    append_cross_form_findings,
    cross_form_findings_of_written,
    read_written,
)

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "raw"
KEY = ["form_id", "check_id", "message"]


@pytest.fixture(scope="module")
def shipped() -> Forms:
    return read_forms([SHIPPED])


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped data parsed into Parquet and into CSV."""
    out = {}
    for fmt in ("parquet", "csv"):
        folder = tmp_path_factory.mktemp(fmt)
        assert cli_main(["parse", str(SHIPPED), "--out", str(folder), "--format", fmt]) == 0
        out[fmt] = folder
    return out


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEY, kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_parse_has_the_findings_of_reading_every_form_together(shipped: Forms, written: dict, fmt: str) -> None:
    """195 findings on the shipped data, ten of them across forms: one C17 (a project-year's forms
    state different budgets), two C18 (targets changed at year end), seven C19 (self-evaluations
    without a plan among the forms)."""
    findings = read_written(written[fmt], fmt, "findings")
    pd.testing.assert_frame_equal(_sorted(findings), _sorted(shipped.findings))
    assert len(findings) == 195
    assert findings["check_id"].value_counts()[["C17", "C18", "C19"]].tolist() == [1, 2, 7]


@pytest.mark.parametrize("chunk_forms", [1, 3, 10_000])
def test_the_findings_do_not_depend_on_how_the_forms_are_cut(shipped: Forms, written: dict, chunk_forms: int) -> None:
    """Whole projects go into a chunk, so every chunking gives review_across_forms' rows of all the forms."""
    found = cross_form_findings_of_written(written["parquet"], "parquet", chunk_forms=chunk_forms)
    pd.testing.assert_frame_equal(_sorted(found), _sorted(review_across_forms(shipped)))


def test_the_checks_need_only_what_is_read_back(shipped: Forms) -> None:
    """CROSS_FORM_INPUT names every table and column the checks read: with only those, the findings
    are those of the whole tables."""
    tables = {name: shipped.tables[name] if columns is None else shipped.tables[name][list(columns)]
              for name, columns in CROSS_FORM_INPUT.items()}
    pd.testing.assert_frame_equal(review_across_forms(Forms(tables)), review_across_forms(shipped))


def test_rows_are_read_back_by_form_and_typed(written: dict) -> None:
    projects = read_written(written["parquet"], "parquet", "projects")
    some = set(projects["form_id"][:3])
    for fmt, folder in written.items():
        rows = read_written(folder, fmt, "indicators", form_ids=some)
        assert set(rows["form_id"]) == some, fmt
        assert str(rows["weight"].dtype) == "float64" and str(rows["has_placeholder"].dtype) == "boolean", fmt
    assert read_written(written["csv"], "csv", "indicators", form_ids=set()).empty


def test_a_folder_of_parts_gets_one_part_more(shipped: Forms, tmp_path: Path) -> None:
    """A cluster run writes Parquet parts: the cross-form findings are a part of their own."""
    per_form = shipped.findings[~shipped.findings["check_id"].isin(["C17", "C18", "C19"])]
    batch = Forms({**shipped.tables, "findings": per_form})  # what the batches of a cluster run write
    first = shipped.projects["form_id"].iloc[0]
    write_part(batch.form(first), tmp_path, 0)
    write_part(Forms({name: df[df["form_id"] != first] if "form_id" in df else df
                      for name, df in batch.tables.items()}), tmp_path, 1)
    before = len(read_written(tmp_path, "parquet", "findings"))
    assert append_cross_form_findings(tmp_path, "parquet") == 10
    assert sorted(p.name for p in (tmp_path / "findings.parquet").iterdir())[-1] == "part-000002.parquet"
    assert len(read_written(tmp_path, "parquet", "findings")) == before + 10


def test_projects_that_can_have_no_cross_form_finding_are_passed_over() -> None:
    """A lone declaration is left out; a lone self-evaluation (C19) and a project of two forms are kept,
    whole, and a chunk is never cut inside a project."""
    from budgetlib.read.written import _chunks

    projects = pd.DataFrame({
        "form_id": ["a", "b", "c", "d"], "form_type": ["declaration", "self_evaluation", "declaration", "self_evaluation"],
        "fiscal_year": [2022] * 4, "project_code": ["P1", "P2", "P3", "P3"],
        "project_name": ["甲", "乙", "丙", "丙"], "department": ["某局"] * 4,
    })
    assert _chunks(projects, 10) == [["b", "c", "d"]]
    assert _chunks(projects, 1) == [["b"], ["c", "d"]]


@settings(max_examples=200, deadline=None)
@given(forms=st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3", "P4", None]), st.sampled_from(["甲", "乙", None]),
                                st.sampled_from(["declaration", "target", "self_evaluation"])), max_size=30),
       limit=st.integers(1, 6))
def test_chunks_hold_whole_projects_in_the_order_of_their_first_forms(forms, limit: int) -> None:
    """The chunks are those of a dict of every project's forms in order (what they were made from)."""
    from budgetlib.read.written import _chunks

    projects = pd.DataFrame({
        "form_id": [f"f{i}" for i in range(len(forms))], "form_type": [form[2] for form in forms],
        "fiscal_year": pd.array([2022] * len(forms), dtype="Int64"),
        "project_code": pd.Series([form[0] for form in forms], dtype="str"),
        "project_name": pd.Series([form[1] for form in forms], dtype="str"),
        "department": pd.Series(["某局"] * len(forms), dtype="str"),
    })
    by_project: dict[str, list[str]] = {}
    evaluated = set()
    for key, form_id, form_type in zip(project_keys(projects), projects["form_id"], projects["form_type"], strict=True):
        by_project.setdefault(key, []).append(form_id)
        if form_type == "self_evaluation":
            evaluated.add(key)
    expected: list[list[str]] = [[]]
    for key, members in by_project.items():
        if len(members) < 2 and key not in evaluated:
            continue
        if expected[-1] and len(expected[-1]) + len(members) > limit:
            expected.append([])
        expected[-1].extend(members)
    assert _chunks(projects, limit) == [chunk for chunk in expected if chunk]


def test_a_parquet_file_is_appended_to_a_row_group_at_a_time(shipped: Forms, written: dict, tmp_path: Path) -> None:
    """The findings file is copied row group by row group (never read whole: at 10^5 forms that took
    950 MB); its row groups stay as the batches wrote them, and the cross-form findings are one more."""
    import shutil

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder = tmp_path / "out"
    shutil.copytree(written["parquet"], folder)
    every = pq.read_table(folder / "findings.parquet")
    per_form = every.filter(pc.invert(pc.is_in(every["check_id"], value_set=pa.array(["C17", "C18", "C19"]))))
    assert per_form.num_rows == 185
    with pq.ParquetWriter(folder / "findings.parquet", per_form.schema) as writer:  # as three batches wrote it
        for start in (0, 60, 120):
            writer.write_table(per_form.slice(start, 60 if start < 120 else None))
    assert append_cross_form_findings(folder, "parquet") == 10
    appended = pq.ParquetFile(folder / "findings.parquet")
    assert appended.num_row_groups == 4 and appended.metadata.row_group(3).num_rows == 10
    pd.testing.assert_frame_equal(_sorted(read_written(folder, "parquet", "findings")), _sorted(shipped.findings))
    assert not list(folder.glob("*.tmp"))
