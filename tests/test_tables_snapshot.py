"""scripts/tables_snapshot.py: equal readings compare equal, a changed value or row count is reported."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import copy_examples

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "tables_snapshot.py"


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tables_snapshot", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def saved(tool: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return tool.snapshot([copy_examples(tmp_path_factory.mktemp("corpus") / "examples")])


def test_the_corpora_are_every_fixture_folder_and_the_shipped_data(tool: ModuleType) -> None:
    names = [path.name for path in tool.corpora()]
    assert names[-1] == "raw" and {"examples", "office", "department"} <= set(names)


def test_a_reading_equals_itself(tool: ModuleType, saved: dict) -> None:
    assert len(saved[("examples", "projects")]) == 5  # the five original examples
    assert ("examples", "score.indicators") in saved
    assert tool.differences(saved, dict(saved)) == []


def test_a_changed_value_a_new_column_and_a_lost_row_are_reported(tool: ModuleType, saved: dict) -> None:
    changed = dict(saved)
    projects = saved[("examples", "projects")].copy()
    projects.loc[0, "total_budget_yuan"] = 1.0
    changed[("examples", "projects")] = projects.assign(extra=1)
    changed[("examples", "funding")] = saved[("examples", "funding")].iloc[1:]
    lines = tool.differences(saved, changed)
    assert any("columns added ['extra']" in line for line in lines)
    assert any(line.startswith("('examples', 'projects') row 0 total_budget_yuan:") and line.endswith("→ 1.0")
               for line in lines)
    n = len(saved[("examples", "funding")])
    assert f"('examples', 'funding'): {n} rows → {n - 1}" in lines


def test_diff_exits_1_on_a_difference_only(tool: ModuleType, saved: dict, tmp_path: Path) -> None:
    same, other = tmp_path / "a.pkl", tmp_path / "b.pkl"
    same.write_bytes(pickle.dumps(saved))
    widened = {**saved, ("examples", "projects"): saved[("examples", "projects")].assign(extra=1)}
    other.write_bytes(pickle.dumps(widened))
    assert tool.main(["diff", str(same), str(same)]) == 0
    assert tool.main(["diff", str(same), str(other)]) == 0  # a new column alone is no difference
    narrowed = {**saved, ("examples", "funding"): saved[("examples", "funding")].iloc[1:]}
    other.write_bytes(pickle.dumps(narrowed))
    assert tool.main(["diff", str(same), str(other)]) == 1
    assert tool.main(["diff", str(same)]) == 2
