"""Results computed once over a batch's forms, before the report workers fork, and taken by each
report for its own forms.

Why: scoring is written for many forms at once (one pass of pandas over all indicators). Scoring
one form costs about as much fixed pandas work as scoring fifty, so a batch whose project reports
each scored their own form paid that cost once per report: 48 forms took 2 s scored one by one and
0.08 s scored together. The batch scores every form once (:func:`prepare`), and a report's
:func:`scores_from_batch` returns its forms' rows of that result.

A report gets the batch's rows only when its forms are the batch's rows unchanged: the tables
scoring reads are compared, value by value (``DataFrame.equals``), with the batch's rows of the same
forms. A notebook that changes a form (an actual filled in, a weight corrected) or brings
forms of its own is scored afresh, as it would be outside a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from budgetlib.forms import Forms
from budgetlib.scoring import ScoreResult, ScoringPolicy, score

SCORED_TABLES: tuple[str, ...] = ("projects", "indicators", "budget_execution")
"""The tables :func:`budgetlib.score` reads."""

RESULT_TABLES: tuple[str, ...] = ("indicators", "forms", "execution", "flags")
"""The tables of a :class:`~budgetlib.scoring.ScoreResult`, each with a ``form_id``."""

RowsByForm = Mapping[str, Mapping[str, np.ndarray]]
"""Per table, per form: the positions of the form's rows in the table."""


def rows_by_form(tables: Mapping[str, pd.DataFrame]) -> RowsByForm:
    return {name: table.groupby("form_id", sort=False).indices for name, table in tables.items()}


def rows_of(table: pd.DataFrame, rows: Mapping[str, np.ndarray], form_ids: Iterable[str]) -> pd.DataFrame:
    """The rows of ``form_ids`` in ``table``, in table order, numbered from 0."""
    positions = [rows[form_id] for form_id in form_ids if form_id in rows]
    take = np.sort(np.concatenate(positions)) if positions else np.array([], dtype=np.intp)
    return table.iloc[take].reset_index(drop=True)


@dataclass(frozen=True)
class BatchScores:
    """The scores of all of a batch's forms, beside the tables they were computed from."""

    inputs: Mapping[str, pd.DataFrame]
    input_rows: RowsByForm
    result: ScoreResult
    result_rows: RowsByForm

    def of(self, forms: Forms) -> ScoreResult | None:
        """The result for ``forms`` when their rows are the batch's rows of their forms, unchanged
        (same values, types and order: ``DataFrame.equals``)."""
        tables = {name: forms[name] for name in SCORED_TABLES}
        if any(table["form_id"].isna().any() for table in tables.values()):
            return None
        ids = set().union(*(table["form_id"].unique() for table in tables.values()))
        for name, table in tables.items():
            batch = rows_of(self.inputs[name], self.input_rows[name], ids)
            if not table.reset_index(drop=True).equals(batch):
                return None
        picked = {name: rows_of(getattr(self.result, name), self.result_rows[name], ids) for name in RESULT_TABLES}
        return ScoreResult(**picked, policy=self.result.policy)


_BATCH: list[BatchScores] = []


def prepare(forms: Forms) -> None:
    """Score all of ``forms`` (the default policy, as the reports score) and keep the result, and
    the tables it was computed from, for the reports this process forks. Replaces what an earlier
    batch prepared."""
    _BATCH.clear()
    inputs = {name: forms[name] for name in SCORED_TABLES}
    if any(table["form_id"].isna().any() for table in inputs.values()):
        return
    result = score(forms, policy=ScoringPolicy())
    _BATCH.append(BatchScores(
        inputs=inputs, input_rows=rows_by_form(inputs),
        result=result, result_rows=rows_by_form({name: getattr(result, name) for name in RESULT_TABLES}),
    ))


def forget() -> None:
    """Drop what :func:`prepare` kept."""
    _BATCH.clear()


def scores_from_batch(forms: Forms) -> ScoreResult | None:
    """The default-policy scores of ``forms`` from the prepared batch, or None when there is none or
    ``forms`` are not its rows unchanged."""
    return _BATCH[0].of(forms) if _BATCH else None
