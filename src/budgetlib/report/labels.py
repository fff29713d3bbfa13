"""The Chinese words of ``data/report_labels.csv``: column headers, coded values, table names."""

from __future__ import annotations

from functools import cache

import pandas as pd

from budgetlib import vocabulary
from budgetlib.formatting import MISSING


@cache
def _labels() -> dict[tuple[str, str], str]:
    return {(row["kind"], row["key"]): row["label"] for row in vocabulary.table("report_labels.csv")}


def label(kind: str, key: object) -> str:
    """The Chinese label of a column name or a coded value (``form_type``, ``basis``, ``scope`` …);
    the key itself when there is none."""
    if key is None or (not isinstance(key, str) and pd.isna(key)):
        return MISSING
    return _labels().get((kind, str(key)), str(key))
