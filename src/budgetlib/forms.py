"""The ``Forms`` container: every table read from a set of forms, and the ways of making one.

Readers fill it, analyses and reports take it; it knows only the schema, so that an analysis can
name its input type without pulling in the readers (and a reader never needs an analysis to build
its result).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from budgetlib import schema
from budgetlib.notices import Notice

__all__ = ["Forms", "concat_forms", "error_forms", "forms_from_records", "with_rows"]


@dataclass
class Forms:
    """All tables read from a set of forms (see the data dictionary for every column).

    Attribute access gives a table: ``forms.projects``, ``forms.indicators`` …; ``forms.tables``
    gives them all by name.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        if name in schema.TABLES:
            return schema.empty_frame(name)
        raise AttributeError(name)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(df)}" for name, df in self.tables.items() if len(df))
        return f"Forms({counts or 'empty'})"

    def form(self, form_id: str) -> Forms:
        """The same tables restricted to one form."""
        return Forms({
            name: df[df["form_id"] == form_id].reset_index(drop=True) if "form_id" in df.columns else df.iloc[0:0]
            for name, df in self.tables.items()
        })


def forms_from_records(records: Mapping[str, Sequence[dict[str, Any]]]) -> Forms:
    """One DataFrame per table of a form (every one of :data:`~budgetlib.schema.FORM_TABLES`, empty
    when no rows are given), typed as the schema says, from rows given as dicts.

    Building each table once from all its rows (rather than one frame per form, concatenated) is what
    keeps a large batch fast. A table the schema does not know is a bug, not rows to drop: KeyError.
    """
    unknown = sorted(set(records) - set(schema.FORM_TABLES))
    if unknown:
        raise KeyError(f"no such table: {', '.join(unknown)}")
    return Forms({name: schema.frame(name, list(records.get(name, ()))) for name in schema.FORM_TABLES})


def error_forms(source_file: str, code: str, error: str, location: str | None = None) -> Forms:
    """Tables holding nothing but one ``errors`` row: a file whose reading failed outside the reader
    (its worker process died, its task was lost)."""
    notice = Notice(code, error)
    return Forms({"errors": schema.frame("errors", [{"source_file": source_file, "code": notice.code, "error": error,
                                                     "location": location}])})


def with_rows(forms: Forms, table: str, rows: Sequence[dict[str, Any]]) -> Forms:
    """``forms`` with ``rows`` appended to one of its tables (the other tables shared, not copied)."""
    tables = dict(forms.tables)
    tables[table] = pd.concat([forms[table], schema.frame(table, list(rows))], ignore_index=True)
    return Forms(tables)


def concat_forms(parts: Iterable[Forms]) -> Forms:
    """The tables of several batches, one after the other (in the order given), every table typed as
    the schema says."""
    pieces: dict[str, list[pd.DataFrame]] = {name: [] for name in schema.FORM_TABLES}
    for forms in parts:
        for name, df in forms.tables.items():
            if len(df):
                pieces.setdefault(name, []).append(df)
    return Forms({
        name: schema.conform(name, pd.concat(dfs, ignore_index=True)) if dfs else schema.empty_frame(name)
        for name, dfs in pieces.items()
    })
