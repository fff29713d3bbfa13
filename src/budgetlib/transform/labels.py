"""The label vocabularies (package data, not if-chains) and their matchers.

``data/labels.csv`` maps the labels real forms use to fields, sections and column headings, per
context; ``data/indicator_levels.csv`` maps 一级/二级 indicator labels to their canonical names. Both
are regular expressions matched in full against :func:`~budgetlib.transform.normalize.label_key`.
Matching is cached because the same few hundred labels recur across thousands of forms.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from budgetlib.transform.normalize import label_key

_HORIZON = re.compile(r"[(（](长期|中期|实施期|年度|当年|本年|本年度)[)）]")
_FORMULA_SUFFIX = re.compile(r"\((?:[A-Za-z](?:[/×*÷][A-Za-z])?|%|万元|元)\)$")


@dataclass(frozen=True, slots=True)
class Label:
    """A recognised label: its context, role (field, section, column, …) and name."""

    context: str
    role: str
    name: str


@dataclass(frozen=True, slots=True)
class Level:
    """A recognised indicator level label and its canonical names."""

    level: int
    std: str
    std_level1: str


@cache
def _vocabulary() -> dict[str, list[tuple[re.Pattern[str], Label]]]:
    table: dict[str, list[tuple[re.Pattern[str], Label]]] = {}
    text = resources.files("budgetlib").joinpath("data/labels.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        label = Label(row["context"], row["role"], row["name"])
        table.setdefault(row["context"], []).append((re.compile(row["pattern"]), label))
    return table


@cache
def _levels() -> list[tuple[re.Pattern[str], Level]]:
    text = resources.files("budgetlib").joinpath("data/indicator_levels.csv").read_text(encoding="utf-8")
    return [
        (re.compile(row["pattern"]), Level(int(row["level"]), row["std"], row["std_level1"]))
        for row in csv.DictReader(text.splitlines())
    ]


def column_key(text: str) -> str:
    """Key of a column heading: the label key without a horizon marker or a formula suffix like (B/A)."""
    key = label_key(text)
    key = _HORIZON.sub("", key)
    return _FORMULA_SUFFIX.sub("", key)


def horizon_of(text: str) -> str | None:
    """'long_term' or 'annual' when a heading says so ("指标值(长期)"), else None."""
    match = _HORIZON.search(text.replace("（", "(").replace("）", ")"))
    if not match:
        return None
    return "long_term" if match.group(1) in ("长期", "中期", "实施期") else "annual"


@lru_cache(maxsize=65536)
def match_label(text: str, context: str = "header") -> Label | None:
    """The label a cell's text is in ``context``, or None.

    >>> match_label("项目执行单位").name, match_label("指标值(年度)", "indicator_col").name
    ('implementing_unit', 'target')
    """
    key = column_key(text) if context != "header" else label_key(text)
    if not key or len(key) > 40:
        return None
    for pattern, label in _vocabulary().get(context, ()):
        if pattern.fullmatch(key):
            return label
    return None


@lru_cache(maxsize=65536)
def match_level(text: str, level: int) -> Level | None:
    """Canonical names of an indicator level label, or None when it is not one.

    >>> match_level("社会公众或服务对象满意度指标", 2).std
    '服务对象满意度指标'
    """
    key = label_key(text)
    if not key:
        return None
    for pattern, entry in _levels():
        if entry.level == level and pattern.fullmatch(key):
            return entry
    return None


@lru_cache(maxsize=65536)
def is_any_label(text: str) -> bool:
    """True when the text is a label in any context (used to stop a value search)."""
    return any(
        match_label(text, context) is not None
        for context in ("header", "indicator_col", "execution_col", "funding_col", "expenditure_col")
    )
