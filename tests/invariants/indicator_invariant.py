"""The invariant of indicator tables: none is read as zero indicators without a warning.

A table *looks like an indicator table* when a short cell of it holds 一级指标, 二级指标, 三级指标 or 指标值,
or two of its cells are level labels (产出指标, 数量指标 …, with or without their points). For every form
read, each such table must give the form indicators, or the form must carry a ``W_TABLE_UNREAD`` warning
at that table; a table whose headings were read but that gave the form no indicator at all must have
one too. This module decides "looks like" on its own, with words of its own, so that the check does not
lean on the reader it checks.

:func:`silent_indicator_tables` is the check; the fuzz suite calls it on every file it reads, the tests
beside it on every fixture.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd

from budgetlib.extract.document import Table
from budgetlib.testing import numbered_forms

MARKER_WORDS = ("一级指标", "二级指标", "三级指标", "指标值")
LEVEL_LABELS = frozenset({
    "产出指标", "效益指标", "满意度指标", "成本指标", "数量指标", "质量指标", "时效指标", "经济效益指标", "社会效益指标",
    "生态效益指标", "可持续影响指标", "服务对象满意度指标", "社会公众或服务对象满意度指标", "经济成本指标",
})
_POINTS = re.compile(r"[(（][0-9.]+分?[)）]$")
_MAX_CELL = 30


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def looks_like_indicator_table(table: Table) -> bool:
    """True when the table holds an indicator word in a short cell, or two level labels."""
    labels = 0
    for cells in table.rows:
        for text in cells:
            if not text or len(text) > 4 * _MAX_CELL:
                continue
            key = _key(text)
            if len(key) > _MAX_CELL:
                continue
            if any(word in key for word in MARKER_WORDS):
                return True
            labels += _POINTS.sub("", key) in LEVEL_LABELS
    return labels >= 2


def _at(location: str, table: Table) -> bool:
    where = table.origin or f"table {table.table_no}"
    return location == where or location.startswith(f"{where},")


def silent_indicator_tables(path: str | Path, forms: Any, source_file: str | None = None) -> list[str]:
    """The indicator-looking tables of ``path`` read as zero indicators without a ``W_TABLE_UNREAD``
    warning, one line each; empty when the invariant holds.

    ``forms`` is what ``read_forms`` made of the file, with provenance (the default); ``source_file`` its
    name there (by default the file name). The file is segmented again into forms the way the reader does,
    so that each form's tables are checked against that form's rows and warnings only.
    """
    name = source_file or Path(path).name
    tables = forms.tables
    read_ids = set(tables["projects"]["form_id"])
    provenance = tables["provenance"]
    provenance = provenance[provenance["form_id"].astype(str).str.startswith(f"{name}#")]
    indicator_cell = (provenance["dest_table"] == "indicators") | (
        (provenance["dest_table"] == "labels") & provenance["dest_column"].astype(str).str.startswith("indicator column"))
    taken = {(form_id, int(no)) for form_id, no in zip(provenance["form_id"][indicator_cell],
                                                       provenance["table_no"][indicator_cell], strict=True)
             if not pd.isna(no)}
    counts = tables["indicators"]["form_id"].value_counts().to_dict()
    warnings = tables["warnings"]
    unread = warnings[(warnings["code"] == "W_TABLE_UNREAD") & warnings["form_id"].astype(str).str.startswith(
        f"{name}#")]
    locations: dict[str, list[str]] = {}
    for form_id, location in zip(unread["form_id"], unread["location"], strict=True):
        locations.setdefault(form_id, []).append(str(location))
    silent: list[str] = []
    for form_id, blocks in numbered_forms(path, name):
        if form_id not in read_ids:
            continue
        seen = locations.get(form_id, [])
        for block in blocks:
            if not isinstance(block, Table) or not looks_like_indicator_table(block):
                continue
            if (form_id, block.table_no) not in taken:
                if not any(_at(location, block) for location in seen):
                    silent.append(f"{form_id} {block.origin or block.table_no}: indicator table not read, no warning")
            elif not counts.get(form_id) and not seen:
                silent.append(f"{form_id} {block.origin or block.table_no}: headings read, no indicator, no warning")
    return silent
