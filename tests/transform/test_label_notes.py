"""A label's note on how to fill it in ("（全称）", "（签名）", "（单位盖章）") does not change which label it is."""

from __future__ import annotations

from pathlib import Path

import pytest

import budgetlib as bl
from tests.conftest import EXAMPLES, SEED, read_example


@pytest.mark.parametrize("note", ["（全称）", "(全称)", "（签名）", "（单位盖章）", "（必填）"])
def test_the_seed_with_notes_on_its_labels(tmp_path: Path, note: str) -> None:
    text = (EXAMPLES / SEED).read_text(encoding="utf-8")
    for label in ("| 项目名称 ", "| 项目执行单位 ", "| 项目负责人 "):
        assert label in text
        text = text.replace(label, label.rstrip() + note + " ", 1)
    path = tmp_path / "noted.md"
    path.write_text(text, encoding="utf-8")
    noted, seed = bl.read_form(path), read_example(SEED)
    columns = ["project_name", "implementing_unit", "manager", "phone", "department", "total_budget_yuan"]
    assert noted.projects[columns].to_dict("records") == seed.projects[columns].to_dict("records")
    assert noted.projects["project_name"].iloc[0] == "区电子政务网络运行维护"
    assert noted.unparsed.empty and seed.unparsed.empty
