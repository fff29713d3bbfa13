"""Shared fixtures: the real example forms, read once per test session."""

from __future__ import annotations

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


@cache
def read_example(name: str) -> bl.Forms:
    return bl.read_form(EXAMPLES / name)


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def seed() -> bl.Forms:
    return read_example(SEED)


@pytest.fixture(scope="session")
def all_examples() -> bl.Forms:
    return bl.read_forms([EXAMPLES])
