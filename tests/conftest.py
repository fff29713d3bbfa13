"""Shared fixtures: the real example forms, read once per test session."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest

import budgetlib as bl

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = FIXTURES / "examples"

SEED = "xinzhou-2020-e-gov-network-declaration.md"
QINGSHAN = "qingshan-2020-education-infrastructure-target.md"
XIANGTAN = "xiangtan-2023-fog-cannon-service-target.md"
QINGSHEN = "qingshen-2023-wages-self-evaluation.md"
ZHONGJIANG = "zhongjiang-2022-water-gauge-self-evaluation.md"
ALL_EXAMPLES = (SEED, QINGSHAN, XIANGTAN, QINGSHEN, ZHONGJIANG)
"""The five original example forms: what most tests read. The folder holds thirteen (see OFFICE_EXAMPLES)."""
EXAMPLE_FILES = tuple(EXAMPLES / name for name in ALL_EXAMPLES)
OFFICE_EXAMPLES = tuple(sorted(p.name for p in EXAMPLES.glob("*.md") if p.name != "EXPECTED.md"))
"""All thirteen example forms, which tests/fixtures/office holds as .xls, .xlsx, .docx and .pdf too."""


def copy_examples(folder: Path) -> Path:
    """A folder holding copies of the five original example forms."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in EXAMPLE_FILES:
        shutil.copy(path, folder / path.name)
    return folder


@cache
def read_example(name: str) -> bl.Forms:
    return bl.read_form(EXAMPLES / name)


@pytest.fixture(scope="session")
def examples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of the five original example forms."""
    return copy_examples(tmp_path_factory.mktemp("examples"))


@pytest.fixture(scope="session")
def seed() -> bl.Forms:
    return read_example(SEED)


@pytest.fixture(scope="session")
def all_examples() -> bl.Forms:
    return bl.read_forms(list(EXAMPLE_FILES))
