"""The label vocabularies (package data, not if-chains) and their matchers.

``data/labels.csv`` maps the labels real forms use to fields, sections and column headings, per
context; ``data/indicator_levels.csv`` maps 一级/二级 indicator labels to their canonical names. Both
are regular expressions matched in full against :func:`~budgetlib.transform.normalize.label_key`.
``data/horizons.csv`` holds the words that mark a column as long-term or annual ("指标值(长期)") and
``data/indicator_level_overrides.csv`` the level pairs whose canonical names the general rule gets wrong.
Matching is cached because the same few hundred labels recur across thousands of forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from budgetlib.caches import TEXT_CACHE_SIZE
from budgetlib.transform.normalize import label_key
from budgetlib.vocabulary import VocabularyError, alternation, level_overrides, money_unit_pattern, table

HORIZONS = ("long_term", "annual")
"""The horizons of an indicator column, as the tables store them."""

LABEL_CONTEXTS = ("header", "indicator_col", "execution_col", "funding_col", "expenditure_col", "budget_row")
"""The contexts of ``data/labels.csv``: form labels, and the column headings of each kind of block."""


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
    found: dict[str, list[tuple[re.Pattern[str], Label]]] = {}
    for row in table("labels.csv"):
        label = Label(row["context"], row["role"], row["name"])
        found.setdefault(row["context"], []).append((re.compile(row["pattern"]), label))
    return found


@cache
def _levels() -> list[tuple[re.Pattern[str], Level]]:
    return [
        (re.compile(row["pattern"]), Level(int(row["level"]), row["std"], row["std_level1"]))
        for row in table("indicator_levels.csv")
    ]


_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")
"""A numbered or named backreference: a pattern that has one cannot be one alternative of many."""


@dataclass(frozen=True, slots=True)
class _FirstMatch:
    """Patterns tried in order as one regex: each pattern in a group of its own, ``(?:(p0)|(p1)|…)``.

    A text unlike every label (a project name, an amount) otherwise costs one ``fullmatch`` call per
    pattern, in Python; as one alternation the regex engine tries them all in C. Alternatives are tried
    in order and ``fullmatch`` backtracks into the next one when an earlier one cannot reach the end, so
    the first pattern that matches the whole text wins, as in a loop. A wrapping group closes after
    every group inside it, so ``lastgroup`` names the pattern that matched.

    Patterns that cannot be alternatives of one regex (a backreference would point at another group, a
    global flag is refused mid-pattern) are tried one by one, in order, as before.
    """

    regex: re.Pattern[str] | None
    values: tuple[object, ...]
    one_by_one: tuple[tuple[re.Pattern[str], object], ...] = ()

    @classmethod
    def of(cls, entries: list[tuple[re.Pattern[str], object]]) -> _FirstMatch:
        if not entries:
            return cls(None, ())
        if any(_BACKREFERENCE.search(pattern.pattern) or pattern.flags & ~re.UNICODE for pattern, _ in entries):
            return cls(None, (), tuple(entries))
        alternatives = "|".join(f"(?P<_{index}>{pattern.pattern})" for index, (pattern, _) in enumerate(entries))
        try:
            regex = re.compile(alternatives)
        except re.error:
            return cls(None, (), tuple(entries))
        return cls(regex, tuple(value for _, value in entries))

    def first(self, key: str) -> object | None:
        if self.one_by_one:
            return next((value for pattern, value in self.one_by_one if pattern.fullmatch(key)), None)
        match = self.regex.fullmatch(key) if self.regex is not None else None
        if match is None:
            return None
        return self.values[int(match.lastgroup[1:])]  # type: ignore[index]


@cache
def _label_matcher(context: str) -> _FirstMatch:
    return _FirstMatch.of(list(_vocabulary().get(context, ())))


@cache
def _level_matcher(level: int) -> _FirstMatch:
    return _FirstMatch.of([(pattern, entry) for pattern, entry in _levels() if entry.level == level])


@cache
def _horizon_words() -> dict[str, str]:
    found = {row["word"]: row["horizon"] for row in table("horizons.csv")}
    wrong = sorted({horizon for horizon in found.values() if horizon not in HORIZONS})
    if wrong:
        raise VocabularyError(f"data/horizons.csv: horizon {', '.join(wrong)} is not one of {', '.join(HORIZONS)}")
    return found


@cache
def _horizon_pattern() -> re.Pattern[str]:
    return re.compile(rf"[(（]({alternation(list(_horizon_words()))})[)）]")


@cache
def _formula_suffix() -> re.Pattern[str]:
    """A formula or unit at the end of a column heading: "执行率(B/A)", "(%)", "(万元)"."""
    return re.compile(rf"\((?:[A-Za-z](?:[/×*÷][A-Za-z])?|%|{money_unit_pattern()})\)$")


def horizon_words(horizon: str) -> tuple[str, ...]:
    """The words that mark a column (or a fund) as ``long_term`` or ``annual``.

    >>> horizon_words("annual")
    ('年度', '当年', '本年', '本年度')
    """
    return tuple(word for word, found in _horizon_words().items() if found == horizon)


def column_key(text: str) -> str:
    """Key of a column heading: the label key without a horizon marker or a formula suffix like (B/A)."""
    key = label_key(text)
    key = _horizon_pattern().sub("", key)
    return _formula_suffix().sub("", key)


def horizon_of(text: str) -> str | None:
    """'long_term' or 'annual' when a heading says so ("指标值(长期)"), else None."""
    match = _horizon_pattern().search(text.replace("（", "(").replace("）", ")"))
    if not match:
        return None
    return _horizon_words()[match.group(1)]


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def match_label(text: str, context: str = "header") -> Label | None:
    """The label a cell's text is in ``context``, or None.

    >>> match_label("项目执行单位").name, match_label("指标值(年度)", "indicator_col").name
    ('implementing_unit', 'target')
    """
    key = column_key(text) if context != "header" else label_key(text)
    if not key or len(key) > 40:
        return None
    return _label_matcher(context).first(key)  # type: ignore[return-value]


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def match_level(text: str, level: int) -> Level | None:
    """Canonical names of an indicator level label, or None when it is not one.

    >>> match_level("社会公众或服务对象满意度指标", 2).std
    '服务对象满意度指标'
    """
    key = label_key(text)
    if not key:
        return None
    return _level_matcher(level).first(key)  # type: ignore[return-value]


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def is_any_label(text: str) -> bool:
    """True when the text is a label in any context (used to stop a value search)."""
    return any(
        match_label(text, context) is not None
        for context in LABEL_CONTEXTS
    )


@dataclass(frozen=True, slots=True)
class StandardLevels:
    """The canonical level 1 and level 2 of an indicator (None where a label is missing or unknown)."""

    level1_std: str | None
    level2_std: str | None


def apply_level_overrides(level1_std: str | None, level2_std: str | None) -> StandardLevels:
    """A canonical level pair after ``data/indicator_level_overrides.csv``, whose rules apply in file order.

    >>> apply_level_overrides("成本指标", "成本指标")
    StandardLevels(level1_std='成本指标', level2_std='经济成本指标')
    """
    for rule in level_overrides():
        if rule.applies(level1_std, level2_std):
            level1_std = rule.set_level1_std or level1_std
            level2_std = rule.set_level2_std or level2_std
    return StandardLevels(level1_std, level2_std)


@lru_cache(maxsize=8192)
def standard_levels(level1: str | None, level2: str | None) -> StandardLevels:
    """Canonical levels of an indicator written under the labels ``level1`` and ``level2``.

    Level 1 is its own label's canonical name, else the parent of level 2; then the overrides apply
    (服务对象满意度 written under 效益指标 is analysed as 满意度指标).

    >>> standard_levels("效益指标", "社会公众或服务对象满意度指标")
    StandardLevels(level1_std='满意度指标', level2_std='服务对象满意度指标')
    >>> standard_levels(None, "数量指标")
    StandardLevels(level1_std='产出指标', level2_std='数量指标')
    """
    first = match_level(level1, 1) if level1 else None
    second = match_level(level2, 2) if level2 else None
    level1_std = first.std if first is not None else (second.std_level1 if second is not None else None)
    return apply_level_overrides(level1_std, second.std if second is not None else None)


@cache
def level2_parent(level2_std: str) -> str | None:
    """The canonical level 1 a canonical level 2 belongs under (经济成本指标 → 成本指标).

    >>> level2_parent("经济成本指标"), level2_parent("时效指标"), level2_parent("?")
    ('成本指标', '产出指标', None)
    """
    return next((entry.std_level1 for _, entry in _levels() if entry.level == 2 and entry.std == level2_std), None)
