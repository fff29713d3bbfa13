"""The vocabularies and rule tables under ``budgetlib/data/``: one loader, checked columns, read once.

Labels, synonyms, units and rules are data, so that a new form variant or a new way of writing a label is
a change to a CSV file, not to code. Every CSV the library reads is declared in :data:`REQUIRED_COLUMNS`
with the columns its readers use; :func:`table` reads a file once per process and fails at once, with
an error naming the file and the missing column, when a file lacks one (instead of a ``KeyError`` deep
inside a reader, in the middle of a batch).

The vocabularies that several stages share are read here too, into typed records: the money units and
their factors (amounts, scoring, review), the words of a block's lines (合计, 其中 …), the
indicator-level overrides (reading and review) and the counting units (cost items, unit costs). Each
stage reads its own vocabularies through :func:`table`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

__all__ = [
    "REQUIRED_COLUMNS",
    "LevelOverride",
    "MoneyUnit",
    "VocabularyError",
    "alternation",
    "count_units",
    "level_overrides",
    "money_unit_pattern",
    "money_units",
    "parse_table",
    "table",
    "unit_factors",
    "words",
]

Row = Mapping[str, str]
"""One row of a vocabulary: column name → text ('' for an empty cell)."""

REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "actuals_columns.csv": ("key", "label", "width", "to_fill", "text", "required", "aliases"),
    "block_words.csv": ("kind", "word"),
    "checks.csv": ("check_id", "variant", "severity", "dimension", "check", "message"),
    "comparators.csv": ("word", "means", "where"),
    "cost_item_kinds.csv": ("kind", "label", "pattern", "economic_category", "economic_code", "check_category"),
    "count_units.csv": ("unit", "unit_class"),
    "deadline_years.csv": ("word", "offset"),
    "economic_classes.csv": ("code", "name", "class_code", "aliases"),
    "form_types.csv": ("form_type", "pattern", "unless"),
    "horizons.csv": ("word", "horizon"),
    "indicator_heading_rules.csv": ("role", "requires", "excludes"),
    "indicator_level_overrides.csv": ("level1_std", "level2_std", "set_level1_std", "set_level2_std"),
    "indicator_levels.csv": ("level", "pattern", "std", "std_level1"),
    "indicator_words.csv": ("class", "word"),
    "labels.csv": ("context", "role", "name", "pattern"),
    "level2_aspects.csv": ("level2_std", "aspect", "pattern", "examples"),
    "lower_is_better.csv": ("field", "pattern", "unless", "money_unit_only"),
    "money_units.csv": ("unit", "factor", "stored_as"),
    "notices.csv": ("code", "severity", "title", "title_zh", "description", "description_zh"),
    "project_name_words.csv": ("kind", "word"),
    "qualitative_bands.csv": ("band", "pattern"),
    "radical_ideographs.csv": ("radical", "ideograph"),
    "report_labels.csv": ("kind", "key", "label"),
    "score_units.csv": ("unit", "dimension", "factor"),
    "skipped_names.csv": ("match", "pattern", "code"),
    "symbol_fonts.csv": ("font", "code", "char"),
    "unit_aliases.csv": ("alias", "unit"),
    "unit_spellings.csv": ("written", "spelled"),
})
"""Every CSV file under ``data/`` and the columns its readers need (a ``note`` column is optional everywhere)."""


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used: the message names the file and what is wrong with it."""


def parse_table(text: str, name: str, required: Sequence[str]) -> tuple[Row, ...]:
    """The rows of a CSV text, checked to have the ``required`` columns; ``name`` is for the message.

    >>> rows = parse_table("unit,factor\\n万元,10000\\n", "money_units.csv", ("unit", "factor"))
    >>> rows[0]["unit"], rows[0]["factor"]
    ('万元', '10000')
    >>> parse_table("unit\\n万元\\n", "money_units.csv", ("unit", "factor"))
    Traceback (most recent call last):
    ...
    budgetlib.vocabulary.VocabularyError: data/money_units.csv: no column 'factor' (its columns: unit)
    >>> parse_table("unit,factor\\n万元,10,000\\n", "money_units.csv", ("unit", "factor"))
    Traceback (most recent call last):
    ...
    budgetlib.vocabulary.VocabularyError: data/money_units.csv: line 2 has 3 fields for 2 columns (an unquoted comma?)
    """
    reader = csv.DictReader(text.splitlines())
    columns = [column.strip() for column in reader.fieldnames or ()]
    missing = [column for column in required if column not in columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        wanted = ", ".join(repr(column) for column in missing)
        raise VocabularyError(f"data/{name}: no column{plural} {wanted} (its columns: {', '.join(columns) or 'none'})")
    reader.fieldnames = columns
    rows = []
    for row in reader:
        if None in row:  # more fields than columns: an unquoted comma, which would shift or drop text
            raise VocabularyError(
                f"data/{name}: line {reader.line_num} has {len(columns) + len(row[None])} fields for "
                f"{len(columns)} columns (an unquoted comma?)"
            )
        rows.append(MappingProxyType({key: (value or "") for key, value in row.items()}))
    return tuple(rows)


@cache
def table(name: str) -> tuple[Row, ...]:
    """The rows of ``data/<name>``, read once per process; :class:`VocabularyError` when it lacks a column."""
    if name not in REQUIRED_COLUMNS:
        raise VocabularyError(f"data/{name}: not a vocabulary of budgetlib (known: {', '.join(REQUIRED_COLUMNS)})")
    text = resources.files("budgetlib").joinpath("data", name).read_text(encoding="utf-8")
    return parse_table(text, name, REQUIRED_COLUMNS[name])


def alternation(words: Iterable[str]) -> str:
    """A regular-expression alternation of literal words (a mapping gives its keys), longest first (so
    "万元" wins over "万").

    >>> alternation(["万", "万元", "元"])
    '万元|万|元'
    """
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


# -- money units -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MoneyUnit:
    """A money unit as forms write it, its factor to 元, and the unit an amount in it is stored with."""

    unit: str
    factor: float
    stored_as: str


@cache
def money_units() -> Mapping[str, MoneyUnit]:
    """``data/money_units.csv``: 元, 万元, 万 (stored as 万元), 亿元 … by the unit as written."""
    units: dict[str, MoneyUnit] = {}
    for row in table("money_units.csv"):
        try:
            factor = float(row["factor"])
        except ValueError:
            raise VocabularyError(
                f"data/money_units.csv: factor {row['factor']!r} of {row['unit']!r} is no number"
            ) from None
        units[row["unit"]] = MoneyUnit(row["unit"], factor, row["stored_as"] or row["unit"])
    return MappingProxyType(units)


@cache
def unit_factors() -> Mapping[str, float]:
    """Money unit as written → its factor to 元.

    >>> unit_factors()["万元"], unit_factors()["万"], unit_factors()["元"]
    (10000.0, 10000.0, 1.0)
    """
    return MappingProxyType({unit: entry.factor for unit, entry in money_units().items()})


@cache
def money_unit_pattern() -> str:
    """The money units as a regular-expression alternation, longest first."""
    return alternation(list(money_units()))


# -- words of a block's lines ------------------------------------------------------------------------


@cache
def words(kind: str) -> tuple[str, ...]:
    """The words of one kind in ``data/block_words.csv`` (``total_line``, ``of_which``, ``funding_line``).

    >>> words("of_which")
    ('其中', '含')
    """
    found = tuple(row["word"] for row in table("block_words.csv") if row["kind"] == kind)
    if not found:
        raise VocabularyError(f"data/block_words.csv: no word of kind {kind!r}")
    return found


# -- indicator levels --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LevelOverride:
    """A canonical level pair the general rule gets wrong, and what it becomes instead.

    ``level1_std``/``level2_std`` are the condition ('' matches any value); ``set_level1_std`` /
    ``set_level2_std`` the replacement ('' keeps the value).
    """

    level1_std: str
    level2_std: str
    set_level1_std: str
    set_level2_std: str

    def applies(self, level1_std: str | None, level2_std: str | None) -> bool:
        return (not self.level1_std or self.level1_std == level1_std) and (
            not self.level2_std or self.level2_std == level2_std
        )


@cache
def level_overrides() -> tuple[LevelOverride, ...]:
    """``data/indicator_level_overrides.csv``, in file order."""
    return tuple(
        LevelOverride(row["level1_std"], row["level2_std"], row["set_level1_std"], row["set_level2_std"])
        for row in table("indicator_level_overrides.csv")
    )


# -- counted units -----------------------------------------------------------------------------------


@cache
def count_units() -> Mapping[str, str]:
    """``data/count_units.csv``: a counting unit (家, 个, 台, 处 …) → the class it is compared in (点 → 处).

    >>> count_units()["点"], count_units()["家"]
    ('处', '家')
    """
    return MappingProxyType({row["unit"]: row["unit_class"] for row in table("count_units.csv")})
