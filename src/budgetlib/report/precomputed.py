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

The same holds for a project's year over year (:func:`yoy_from_batch`): computed over its project's
forms it cost each project report about 45 ms of fixed pandas work; the batch computes it once for
all projects, and a report takes its project's rows while the tables it reads are the batch's.

The batch also indexes where each form's rows are in every table and which project each form is of
(:class:`BatchIndex`), so that taking a report's form out of a batch of N forms does not pass over
all N for every report (N² over the batch). The index is used only while a table's ``form_id``
column (or the columns the project keys are computed from) equals the batch's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from budgetlib.analysis.project_keys import PROJECT_KEY_COLUMNS, project_keys
from budgetlib.analysis.project_years import project_year_forms
from budgetlib.analysis.yoy import PROJECT_YOY_TABLES, yoy
from budgetlib.forms import Forms
from budgetlib.scoring import ScoreResult, ScoringPolicy, score

SCORED_TABLES: tuple[str, ...] = ("projects", "indicators", "budget_execution")
"""The tables :func:`budgetlib.score` reads."""

RESULT_TABLES: tuple[str, ...] = ("indicators", "forms", "execution", "flags")
"""The tables of a :class:`~budgetlib.scoring.ScoreResult`, each with a ``form_id``."""


# ----------------------------------------------------------------------------------------------
# where each form's rows are, and which project each form is of


@dataclass(frozen=True)
class RowIndex:
    """Where each form's rows are in one table of the batch: the table's rows ordered by form
    (``order``), form ``c``'s from ``starts[c]`` to ``starts[c + 1]``. Two integers a row and a form,
    so that an index of 10^5 forms stays small."""

    form_ids: pd.Series
    """The table's ``form_id`` column as the batch had it: the index holds while the column is equal."""
    order: np.ndarray
    starts: np.ndarray

    def take(self, table: pd.DataFrame, codes: Iterable[int]) -> pd.DataFrame:
        """The rows of the forms ``codes`` in ``table``, in table order, numbered from 0."""
        parts = [self.order[self.starts[code]:self.starts[code + 1]] for code in codes]
        positions = np.sort(np.concatenate(parts)) if parts else np.array([], dtype=np.intp)
        return table.iloc[positions].reset_index(drop=True)


def row_index(table: pd.DataFrame, forms: pd.Index) -> RowIndex:
    """The :class:`RowIndex` of ``table`` over the batch's ``forms`` (rows of no form left out)."""
    codes = forms.get_indexer(table["form_id"])
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(forms) + 1))
    return RowIndex(form_ids=table["form_id"], order=order[starts[0]:], starts=starts - starts[0])


@dataclass(frozen=True)
class BatchIndex:
    """The batch's forms, where their rows are in each table, and the project of each form."""

    forms: pd.Index
    tables: Mapping[str, RowIndex]
    key_inputs: Mapping[str, pd.Series]
    project_keys: pd.Series

    def codes(self, form_ids: Iterable[str]) -> list[int] | None:
        """The forms' positions in the batch; None when one of them is not the batch's."""
        codes = self.forms.get_indexer(list(form_ids))
        return None if (codes < 0).any() else codes.tolist()

    def rows(self, name: str, table: pd.DataFrame, form_ids: set[str]) -> pd.DataFrame | None:
        """The rows of ``form_ids`` in ``table`` (the batch's table ``name``), in table order; None
        when the table's ``form_id`` column is not the batch's or a form is not one of the batch's."""
        index = self.tables.get(name)
        if index is None or not table["form_id"].equals(index.form_ids):
            return None
        codes = self.codes(form_ids)
        return None if codes is None else index.take(table, codes)

    def keys_of(self, projects: pd.DataFrame) -> pd.Series | None:
        """The batch's project keys, when ``projects`` has the batch's values in every column they
        are computed from."""
        for column, values in self.key_inputs.items():
            if column not in projects.columns or not projects[column].equals(values):
                return None
        return self.project_keys


def _index(forms: Forms) -> BatchIndex | None:
    projects = forms.projects
    ids = pd.Index(projects["form_id"])
    if not ids.is_unique or ids.hasnans:
        return None
    tables = {name: row_index(table, ids) for name, table in forms.tables.items() if "form_id" in table.columns}
    return BatchIndex(forms=ids, tables=tables,
                      key_inputs={column: projects[column] for column in PROJECT_KEY_COLUMNS},
                      project_keys=project_keys(projects))


# ----------------------------------------------------------------------------------------------
# scores


@dataclass(frozen=True)
class BatchScores:
    """The scores of all of a batch's forms, beside the tables they were computed from."""

    index: BatchIndex
    inputs: Mapping[str, pd.DataFrame]
    result: ScoreResult
    result_rows: Mapping[str, RowIndex]

    def of(self, forms: Forms) -> ScoreResult | None:
        """The result for ``forms`` when their rows are the batch's rows of their forms, unchanged
        (same values, types and order: ``DataFrame.equals``)."""
        tables = {name: forms[name] for name in SCORED_TABLES}
        codes = self.index.codes(set().union(*(table["form_id"].unique() for table in tables.values())))
        if codes is None:
            return None
        for name, table in tables.items():
            if not table.reset_index(drop=True).equals(self.index.tables[name].take(self.inputs[name], codes)):
                return None
        picked = {name: self.result_rows[name].take(getattr(self.result, name), codes) for name in RESULT_TABLES}
        return ScoreResult(**picked, policy=self.result.policy)


# ----------------------------------------------------------------------------------------------
# year over year by project


@dataclass(frozen=True)
class BatchYoy:
    """The batch's year over year by project, and which project-year each form is of, beside the
    tables they were computed from."""

    inputs: Mapping[str, pd.DataFrame]
    table: pd.DataFrame
    """``bl.yoy(forms, by="project")`` of the whole batch."""
    year_forms: pd.DataFrame
    """``project_year_forms`` of the whole batch: each form's project-year (``project_key``)."""

    def of(self, forms: Forms) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """The batch's tables when ``forms`` holds the batch's tables unchanged (``DataFrame.equals``
        on every table year over year reads). In a batch a report's tables are shallow copies of the
        preloaded ones and Arrow finds the buffers the same at once; equal copies of 10^5 forms'
        tables take about 10 ms to compare."""
        for name in PROJECT_YOY_TABLES:
            if not forms[name].equals(self.inputs[name]):
                return None
        return self.table, self.year_forms


_INDEX: list[BatchIndex] = []
_SCORES: list[BatchScores] = []
_YOY: list[BatchYoy] = []


def prepare(forms: Forms) -> None:
    """Before the report workers fork: index where each form's rows are, find each form's project,
    score all of ``forms`` (the default policy, as the reports score) and compute their year over
    year by project, for the reports this process forks. Replaces what an earlier batch prepared;
    nothing when the forms' ids are not unique."""
    forget()
    index = _index(forms)
    if index is None:
        return
    _INDEX.append(index)
    _YOY.append(BatchYoy(inputs={name: forms[name] for name in PROJECT_YOY_TABLES},
                         table=yoy(forms, by="project"), year_forms=project_year_forms(forms)))
    result = score(forms, policy=ScoringPolicy())
    _SCORES.append(BatchScores(
        index=index, inputs={name: forms[name] for name in SCORED_TABLES}, result=result,
        result_rows={name: row_index(getattr(result, name), index.forms) for name in RESULT_TABLES},
    ))


def forget() -> None:
    """Drop what :func:`prepare` kept."""
    _SCORES.clear()
    _INDEX.clear()
    _YOY.clear()


def batch_rows(name: str, table: pd.DataFrame, form_ids: set[str]) -> pd.DataFrame | None:
    """The rows of ``form_ids`` in ``table`` found through the prepared batch's index (O(rows
    taken) instead of a pass over the table), or None (no batch, or not its table)."""
    return _INDEX[0].rows(name, table, form_ids) if _INDEX else None


def batch_project_keys(projects: pd.DataFrame) -> pd.Series | None:
    """The prepared batch's project keys when ``projects`` is its table unchanged, or None."""
    return _INDEX[0].keys_of(projects) if _INDEX else None


def scores_from_batch(forms: Forms) -> ScoreResult | None:
    """The default-policy scores of ``forms`` from the prepared batch, or None when there is none or
    ``forms`` are not its rows unchanged."""
    return _SCORES[0].of(forms) if _SCORES else None


def yoy_from_batch(forms: Forms) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The prepared batch's year over year by project and its project-year of each form, when
    ``forms`` holds the batch's tables unchanged; None otherwise."""
    return _YOY[0].of(forms) if _YOY else None
