"""Fixtures of the report tests: all shipped data (the examples and the synthetic multi-year sample)."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetlib.forms import Forms
from budgetlib.report import data

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "raw"


@pytest.fixture(scope="session")
def shipped() -> Forms:
    """All shipped data: the five examples and the synthetic multi-year sample (what makes YoY real)."""
    return data.load_forms(SHIPPED)
