"""Where the blocks of a form start and end, and what kind of line a block's row is.

A block with rows of its own (the indicator table, funding sources, project funds, budget execution,
expenditures) is found by its heading row or section label wherever it sits, and read until a row that
starts another block. The block readers (:mod:`~budgetlib.transform.money`,
:mod:`~budgetlib.transform.indicator_table`) and the form's block pass (:mod:`~budgetlib.transform.form`)
all ask this module, so "does this row open a block?" and "does it end this one?" have one answer.

The words of a block's lines (合计 and the other total-line words, 其中, the words of a funding source)
are ``data/block_words.csv``; the headings are the column contexts of ``data/labels.csv``. An indicator
table's headings are read by meaning as well: a heading no row of labels.csv lists takes its role from
the classes of its words (``data/indicator_words.csv``) through ordered rules
(``data/indicator_heading_rules.csv``), so that 年度目标值, 预计完成值 or 目标值（年度） read as what they
say. Recognisers are cached on the row's texts: the same template rows recur across thousands of forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType

from budgetlib.caches import TEXT_CACHE_SIZE
from budgetlib.extract.document import Table
from budgetlib.transform.amounts import unit_line
from budgetlib.transform.context import first_filled, looks_numeric
from budgetlib.transform.labels import Label, Level, column_key, horizon_of, horizon_words, match_label, match_level
from budgetlib.transform.normalize import compact, label_key, split_numbering
from budgetlib.vocabulary import VocabularyError, alternation, table, words

_YEAR = re.compile(r"((?:19|20)\d{2})")
_MAX_HEADING = 30
"""Longer cells are text, never a column heading."""
_FIGURE_OR_COLON = re.compile(r"[0-9:：]")

INDICATOR_LEVEL_COLUMNS = frozenset({"level1", "level2", "name"})
LEVEL_ROLES = frozenset({"level1", "level2", "name", "level4"})
"""Roles of the columns that place an indicator: its levels and its name (三级, or a 四级 below it)."""
HEADING_ROLES = frozenset({
    "level1", "level2", "name", "level4", "target", "actual", "weight", "score", "deviation_reason", "improvement",
    "comparator", "unit", "standard", "criteria", "explanation", "remark",
})
"""Every role an indicator-table column can have."""
CRITERIA_ROLES = frozenset({"criteria", "explanation"})
"""Columns of a scoring sheet (评分标准, 指标解释): with a weight and no target, the rows are scored, not targeted."""
EXECUTION_BUDGETS = frozenset({"initial_budget", "full_year_budget", "adjusted_budget"})
LINE_LABEL_ROLES = frozenset({"funding_total", "funding_line", "total"})
"""Roles of labels that are lines of a block (合计, 资金总额, 上级资金), not the start of something else."""


# -- heading rows ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorColumn:
    """A column of an indicator heading row: its label and horizon (``long_term``, ``annual`` or None)."""

    label: Label
    horizon: str | None

    @property
    def name(self) -> str:
        """The column's name: level1, level2, name, target, actual, weight, score …"""
        return self.label.name


@dataclass(frozen=True, slots=True)
class ExpenditureHeader:
    """An expenditure heading row: the economic-category column, the column of economic codes when the codes
    stand in a column of their own, and each amount column's year (None: the form's)."""

    category_col: int
    year_cols: Mapping[int, int | None]
    code_col: int | None = None


@dataclass(frozen=True, slots=True)
class LabelAt:
    """A form label (``header`` context of data/labels.csv) and the column it stands in."""

    col: int
    label: Label


def indicator_header(cells: Sequence[str]) -> dict[int, IndicatorColumn] | None:
    """The indicator columns of a heading row, or None when the row is not one.

    A heading row names at least two level columns (一级/二级/三级, 指标内容 …) and a target column, or,
    on a scoring sheet, a weight and a criteria column (分值, 评分标准) instead of the target. Headings
    are read by :func:`heading_role`; a column's horizon comes from a marker in parentheses
    ("指标值(长期)"), or from a horizon word anywhere in the heading when some heading of the row names
    the long term ("中长期指标值 | 年度指标值").

    >>> header = indicator_header(["一级指标", "二级指标", "三级指标", "指标值(年度)"])
    >>> [(col, column.name, column.horizon) for col, column in header.items()]
    [(0, 'level1', None), (1, 'level2', None), (2, 'name', None), (3, 'target', 'annual')]
    >>> indicator_header(["项目名称", "区电子政务网络运行维护"]) is None
    True
    """
    found = _indicator_header(tuple(cells))
    return dict(found) if found is not None else None


@lru_cache(maxsize=8192)
def _indicator_header(cells: tuple[str, ...]) -> tuple[tuple[int, IndicatorColumn], ...] | None:
    roles: dict[int, str] = {}
    for index, text in enumerate(cells):
        if text and len(text) <= _MAX_HEADING:
            role = heading_role(text)
            if role is not None:
                roles[index] = role
    if not is_indicator_heading(roles.values()):
        return None
    by_words = not any(horizon_of(cells[index]) == "long_term" for index in roles) and any(
        _horizon_by_words(cells[index]) == "long_term" for index in roles)
    return tuple(
        (index, IndicatorColumn(Label("indicator_col", "column", role), heading_horizon(cells[index], by_words)))
        for index, role in roles.items()
    )


def is_indicator_heading(roles: Iterable[str]) -> bool:
    """True when columns of these roles make an indicator table: two level columns and a target, or (a
    scoring sheet) two level columns, a weight and criteria text.

    >>> is_indicator_heading(["level1", "level2", "target"]), is_indicator_heading(["level1", "name", "actual"])
    (True, False)
    >>> is_indicator_heading(["level1", "level2", "name", "weight", "criteria", "score"])
    True
    """
    found = set(roles)
    if len(found & LEVEL_ROLES) < 2:
        return False
    return "target" in found or ("weight" in found and bool(found & CRITERIA_ROLES))


def heading_horizon(text: str, by_words: bool = False) -> str | None:
    """The horizon a heading names: a marker in parentheses ("指标值(长期)"), or with ``by_words`` a
    horizon word anywhere in it ("中长期指标值", "年度指标值").

    >>> heading_horizon("指标值(长期)"), heading_horizon("年度指标值"), heading_horizon("年度指标值", by_words=True)
    ('long_term', None, 'annual')
    """
    found = horizon_of(text)
    if found is not None or not by_words:
        return found
    return _horizon_by_words(text)


def _horizon_by_words(text: str) -> str | None:
    key = compact(text)
    for horizon in ("long_term", "annual"):
        if any(word in key for word in horizon_words(horizon)):
            return horizon
    return None


# -- heading roles by meaning ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeadingRule:
    """A row of ``data/indicator_heading_rules.csv``: a heading holding words of every ``requires`` class
    and of no ``excludes`` class has ``role``."""

    role: str
    requires: frozenset[str]
    excludes: frozenset[str]


@cache
def _word_classes() -> Mapping[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for row in table("indicator_words.csv"):
        found.setdefault(row["class"], []).append(compact(row["word"]))
    return MappingProxyType({name: tuple(sorted(ws, key=len, reverse=True)) for name, ws in found.items()})


def indicator_words(word_class: str) -> tuple[str, ...]:
    """The words of one class of ``data/indicator_words.csv`` (longest first).

    >>> indicator_words("weight")
    ('标准分', '分值', '权重', '满分')
    """
    return _word_classes().get(word_class, ())


@cache
def heading_rules() -> tuple[HeadingRule, ...]:
    """``data/indicator_heading_rules.csv`` in file order, checked: known roles, known word classes."""
    classes = set(_word_classes())
    rules = []
    for row in table("indicator_heading_rules.csv"):
        requires, excludes = frozenset(row["requires"].split()), frozenset(row["excludes"].split())
        unknown = sorted((requires | excludes) - classes)
        if row["role"] not in HEADING_ROLES or unknown or not requires:
            what = f"word class(es) {', '.join(unknown)}" if unknown else f"role {row['role']!r}"
            if not requires:
                what = "no required word class"
            raise VocabularyError(f"data/indicator_heading_rules.csv: rule {row['role']} {row['requires']!r}: {what} "
                                  "(roles: see HEADING_ROLES; classes: data/indicator_words.csv)")
        rules.append(HeadingRule(row["role"], requires, excludes))
    return tuple(rules)


def heading_classes(text: str) -> frozenset[str]:
    """The word classes whose words occur in a heading's key (without horizon marker or formula suffix).

    Not cached, nor is :func:`rule_role`: they are asked only about the texts :func:`heading_role`
    (cached) has not seen, so their caches had no hit in 27,000 calls on 10^4 forms, and held 7 MiB.

    >>> sorted(heading_classes("当年预期实现值"))
    ['actual', 'plan', 'value']
    """
    key = column_key(text)
    return frozenset(name for name, words in _word_class_patterns() if words.search(key))


@cache
def _word_class_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each word class as one pattern (its words as literal alternatives): a class is found in a
    heading with one search in C instead of one ``in`` test per word."""
    return tuple((name, re.compile(alternation(words))) for name, words in _word_classes().items())


def rule_role(text: str) -> str | None:
    """The role the heading rules give a heading (None when no rule fits), without the exact list.

    >>> rule_role("年度目标值"), rule_role("预计完成值"), rule_role("全年实际值"), rule_role("实际得分")
    ('target', 'target', 'actual', 'score')
    >>> rule_role("绩效标准"), rule_role("三级指标内容"), rule_role("指标解释"), rule_role("甲乙丙") is None
    ('standard', 'name', 'explanation', True)
    """
    if not column_key(text) or len(compact(text)) > _MAX_HEADING:
        return None
    classes = heading_classes(text)
    for rule in heading_rules():
        if rule.requires <= classes and not rule.excludes & classes:
            return rule.role
    return None


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def heading_role(text: str) -> str | None:
    """The role of an indicator-table column heading: its row in data/labels.csv (context ``indicator_col``)
    when it has one, else what the heading rules make of its words.

    >>> heading_role("指标值(年度)"), heading_role("目标值（年度）"), heading_role("本年度指标值")
    ('target', 'target', 'target')
    """
    label = match_label(text, "indicator_col")
    if label is not None:
        return label.name
    return rule_role(text)


def is_indicator_marker(text: str) -> bool:
    """True for a short cell that makes a table look like an indicator table (一级指标, 指标值 …).

    >>> is_indicator_marker("年度指标值"), is_indicator_marker("一级指标分值"), is_indicator_marker("得分")
    (True, True, False)
    """
    key = compact(text)
    return 0 < len(key) <= _MAX_HEADING and _marker_words().search(key) is not None


@cache
def _marker_words() -> re.Pattern[str]:
    """The marker words as one pattern: every cell of every table is asked."""
    return re.compile(alternation(indicator_words("marker")))


# -- level labels with their points ---------------------------------------------------------------

_LEVEL_WEIGHT = re.compile(
    r"(?:[(\[【]\s*(?:权重|分值)?[:：]?\s*(?P<inside>[0-9]+(?:\.[0-9]+)?)\s*(?:分|%)?\s*[)\]】]"
    r"|(?P<bare>[0-9]+(?:\.[0-9]+)?)\s*(?:分|%))$"
)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def split_level_weight(text: str) -> tuple[str, float | None]:
    """A level label and the points written with it, in any bracket style (on the compact text).

    >>> [split_level_weight(t) for t in ("产出指标(50分)", "产出指标（50分）", "产出指标[50]", "产出指标50分")]
    [('产出指标', 50.0), ('产出指标', 50.0), ('产出指标', 50.0), ('产出指标', 50.0)]
    >>> split_level_weight("产出指标 50%"), split_level_weight("【效益指标】"), split_level_weight("50分")
    (('产出指标', 50.0), ('【效益指标】', None), ('50分', None))
    """
    key = compact(text)
    match = _LEVEL_WEIGHT.search(key)
    if match is None or match.start() == 0:
        return key, None
    return key[: match.start()], float(match.group("inside") or match.group("bare"))


def match_level_label(text: str, level: int) -> Level | None:
    """:func:`~budgetlib.transform.labels.match_level` on a label without the points written with it.

    >>> match_level_label("产出指标[50]", 1).std, match_level_label("预算执行（20分）", 2).std
    ('产出指标', '预算执行')
    """
    return match_level(split_level_weight(text)[0], level)


def is_level_label(text: str) -> bool:
    """True for a level-1 or level-2 label (产出指标, 数量指标, 投入（15分） …)."""
    return bool(text) and (match_level_label(text, 1) is not None or match_level_label(text, 2) is not None)


def execution_header(cells: Sequence[str]) -> dict[int, str] | None:
    """Columns of a budget-execution heading row (年初预算, 全年预算数, 执行数, 执行率 …), or None.

    >>> execution_header(["项目资金", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    {2: 'initial_budget', 3: 'full_year_budget', 4: 'executed', 5: 'weight', 6: 'execution_rate', 7: 'score'}
    """
    found = _execution_header(tuple(cells))
    return dict(found) if found is not None else None


@lru_cache(maxsize=8192)
def _execution_header(cells: tuple[str, ...]) -> tuple[tuple[int, str], ...] | None:
    found: dict[int, str] = {}
    for index, text in enumerate(cells):
        if text and len(text) <= _MAX_HEADING:
            label = match_label(text, "execution_col")
            if label is not None:
                found[index] = label.name
    names = set(found.values())
    if names & EXECUTION_BUDGETS and ("executed" in names or "execution_rate" in names):
        return tuple(found.items())
    return None


# -- a cost-composition heading (成本构成 | 金额 | 测算依据 | N年实际执行数) --------------------------------------


@dataclass(frozen=True, slots=True)
class CostColumns:
    """The columns of a cost-composition heading row: the line names, this year's amount, the 测算依据
    text, and each prior year's actuals (column → year)."""

    line_col: int
    amount_col: int
    basis_col: int | None
    actual_cols: Mapping[int, int]


_HEADING_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


@lru_cache(maxsize=8192)
def cost_block_header(cells: tuple[str, ...]) -> CostColumns | None:
    """The columns of a cost-composition heading row, or None when the row is not one.

    It names the cost lines (成本构成, 费用项目 …) and an amount, and a 测算依据 or a prior year's actuals.

    >>> cost_block_header(("项目预算成本构成", "金额", "测算(公式)依据", "2020年实际执行数", "2021年实际执行数"))
    CostColumns(line_col=0, amount_col=1, basis_col=2, actual_cols={3: 2020, 4: 2021})
    >>> cost_block_header(("经济科目", "2019年", "2020年")) is None
    True
    """
    found: dict[str, int] = {}
    actual: dict[int, int] = {}
    for col, text in enumerate(cells):
        if not text or len(text) > 30:
            continue
        label = match_label(text, "cost_col")
        if label is None:
            continue
        if label.name == "actual":
            year = _HEADING_YEAR.search(compact(text))
            if year:
                actual[col] = int(year.group(1))
        else:
            found.setdefault(label.name, col)
    if "line" not in found or "amount" not in found or not ("basis" in found or actual):
        return None
    return CostColumns(found["line"], found["amount"], found.get("basis"), actual)


def expenditure_header(cells: Sequence[str]) -> ExpenditureHeader | None:
    """The category column, the amount columns (by year) and the code column (if the codes stand in a column
    of their own) of an expenditure heading row, or None.

    >>> expenditure_header(("经济科目", "2018年", "2019年", "2020年"))
    ExpenditureHeader(category_col=0, year_cols=mappingproxy({1: 2018, 2: 2019, 3: 2020}), code_col=None)
    >>> expenditure_header(("科目编码", "经济科目名称", "2023年")).code_col
    0
    """
    return _expenditure_header(tuple(cells))


@lru_cache(maxsize=8192)
def _expenditure_header(cells: tuple[str, ...]) -> ExpenditureHeader | None:
    category_col = code_col = None
    for index, text in enumerate(cells):
        label = match_label(text, "expenditure_col") if text else None
        if label is not None and label.name == "economic_code" and code_col is None:
            code_col = index
        elif label is not None and label.name == "economic_category":
            category_col = index
            break
    if category_col is None:
        return None
    columns: dict[int, int | None] = {}
    for index in range(category_col + 1, len(cells)):
        text = cells[index]
        if not text:
            continue
        label = match_label(text, "expenditure_col")
        if code_col is None and label is not None and label.name == "economic_code":
            code_col = index  # 经济科目名称 | 科目编码 | 2023年
            continue
        year = _YEAR.search(compact(text))
        if year:
            columns[index] = int(year.group(1))
        elif match_label(text, "funding_col") is not None or "金额" in text or "预算" in text:
            columns[index] = None
    return ExpenditureHeader(category_col, MappingProxyType(columns), code_col) if columns else None


# -- horizontal budget tables (收入预算 | 合计 | 财政拨款 … with the figures in the rows below) -------------

FUNDING = "funding"
EXPENDITURES = "expenditures"
TOTAL = "total"


@dataclass(frozen=True, slots=True)
class BudgetRowHeader:
    """The heading row of a horizontal budget table: a header row of categories, the figures in the rows below.

    ``label_col`` is the block label's column (收入预算, 支出预算, 年度部门整体支出预算), None when the row
    has none; ``kind`` what the label says the columns are (``funding``, ``expenditures``, or None when the
    columns say it themselves); ``row_label_col`` the column of a heading over the figure rows' labels (项目);
    ``columns`` each category column and its kind (``funding``, ``expenditures`` or ``total``).
    """

    label_col: int | None
    kind: str | None
    row_label_col: int | None
    columns: Mapping[int, str]

    @property
    def first_col(self) -> int:
        """The first category column: the figure rows' labels stand left of it."""
        return min(self.columns)


@cache
def _income_words() -> tuple[str, ...]:
    return tuple(compact(word) for kind in ("funding_line", "top_source", "income_source") for word in words(kind))


@cache
def _expenditure_words() -> tuple[str, ...]:
    return tuple(compact(word) for word in words("expenditure_type"))


def category_kind(text: str) -> str | None:
    """What a category of a horizontal budget table is by its own words: ``total`` (合计, 收入合计),
    ``expenditures`` (基本支出, 人员经费, 项目支出), ``funding`` (财政拨款, 一般公共预算, 事业收入), or None.

    >>> category_kind("收入合计"), category_kind("人员经费"), category_kind("政府性基金"), category_kind("办公费")
    ('total', 'expenditures', 'funding', None)
    """
    _, rest = split_numbering(text)
    _, key = split_of_which(rest)
    key = label_key(key)
    if is_total_line(key):
        return TOTAL
    if any(word in key for word in _expenditure_words()):
        return EXPENDITURES
    if any(word in key for word in _income_words()):
        return FUNDING
    return None


def is_category_text(text: str) -> bool:
    """True for a cell that can head a category column: short text, no figure or colon, no other block's
    heading (年初预算数, 2023年, 一级指标)."""
    key = compact(text)
    if not key or len(key) > _MAX_HEADING - 10 or looks_numeric(text) or _YEAR.search(key):
        return False
    if _FIGURE_OR_COLON.search(split_numbering(key)[1]):  # "一般公共预算：1,186.40" is a line, not a heading
        return False
    return match_label(text, "execution_col") is None and heading_role(text) is None


def _is_form_label(text: str) -> bool:
    """True for a form label that opens something else (项目资金, 资金来源, 项目名称): never a category."""
    label = match_label(text, "header")
    return label is not None and label.role in ("section", "field", "container")


def budget_row_header(cells: Sequence[str]) -> BudgetRowHeader | None:
    """The heading row of a horizontal budget table, or None when the row is not one.

    The row holds at least two category cells right of an optional block label (and an optional heading
    over the figure rows' labels), and nothing else. Each category is of the label's kind when the label
    names one (收入预算: income sources; 支出预算: expenditure lines); under a label that does not (年度部门
    整体支出预算, 项目, or none), every category must say by its words what it is.

    >>> header = budget_row_header(["收入预算", "合计", "财政拨款", "事业收入", "其他收入"])
    >>> header.label_col, header.kind, dict(header.columns)
    (0, 'funding', {1: 'total', 2: 'funding', 3: 'funding', 4: 'funding'})
    >>> budget_row_header(["项目", "合计", "财政拨款", "基本支出"]).columns[3]
    'expenditures'
    >>> budget_row_header(["部门名称", "某局", "", ""]) is None, budget_row_header(["支出预算", "合计", "100"]) is None
    (True, True)
    """
    return _budget_row_header(tuple(cells))


@lru_cache(maxsize=8192)
def _budget_row_header(cells: tuple[str, ...]) -> BudgetRowHeader | None:
    first = first_filled(cells)
    if first is None:
        return None
    label_col = row_label_col = None
    kind: str | None = None
    col: int | None = first
    block = match_label(cells[first], "budget_row")
    if block is not None and block.role == "block":
        label_col, kind = first, (block.name if block.name != "funds" else None)
        col = first_filled(cells, first + 1)
        block = match_label(cells[col], "budget_row") if col is not None else None
    if col is not None and block is not None and block.role == "heading":
        row_label_col = col
        col = first_filled(cells, col + 1)
    if col is None:
        return None
    columns: dict[int, str] = {}
    for index in range(col, len(cells)):
        text = cells[index]
        if not text:
            continue
        if not is_category_text(text) or _is_form_label(text):
            return None
        own = category_kind(text)
        found = TOTAL if own == TOTAL else (kind or own)
        if found is None:
            return None
        columns[index] = found
    lines = [index for index, found in columns.items() if found != TOTAL]
    if len(columns) < 2 or not lines:
        return None
    return BudgetRowHeader(label_col, kind, row_label_col, MappingProxyType(columns))


def first_label(cells: Sequence[str]) -> LabelAt | None:
    """The form label in the row's first filled cell, or None when that cell is no label (or the row is empty).

    >>> found = first_label(["", "合计", "", "500000.00"])
    >>> found.col, found.label.role
    (1, 'total')
    """
    first = first_filled(cells)
    if first is None:
        return None
    label = match_label(cells[first], "header")
    return LabelAt(first, label) if label is not None else None


def section_start(cells: Sequence[str]) -> LabelAt | None:
    """The section label opening a block in the row's first filled cell (资金来源, 项目资金 …), or None.

    >>> start = section_start(["", "项目资金来源", "", ""])
    >>> start.col, start.label.name
    (1, 'funding_sources')
    """
    found = first_label(cells)
    return found if found is not None and found.label.role == "section" else None


# -- where a block ends ---------------------------------------------------------------------------


def is_section_start(cells: Sequence[str]) -> bool:
    """True when the row opens a block (so the block before it ends): a heading row or a section label.

    >>> is_section_start(["资金来源", "", ""]), is_section_start(["一级指标", "二级指标", "三级指标", "指标值"])
    (True, True)
    >>> is_section_start(["1.财政拨款收入", "500000.00"])
    False
    """
    return _is_section_start(tuple(cells))


@lru_cache(maxsize=8192)
def _is_section_start(cells: tuple[str, ...]) -> bool:
    if _indicator_header(cells) or _execution_header(cells) or _expenditure_header(cells):
        return True
    budget_rows = _budget_row_header(cells)
    if budget_rows is not None and (budget_rows.label_col is not None or budget_rows.row_label_col is not None):
        return True  # a heading row of categories with no label of its own may be a heading inside a block
    return section_start(cells) is not None


def ends_block(cells: Sequence[str], label_col: int | None) -> bool:
    """A row that starts another block, is a section heading (:func:`section_heading`), or carries a form
    label at or left of the block's label column.

    A block's own lines (合计, 资金总额, 上级资金) do not end it. With ``label_col`` None any form label
    ends it.

    >>> ends_block(["项目名称", "区电子政务网络运行维护"], 0), ends_block(["合计", "500000"], 0)
    (True, False)
    >>> ends_block(["", "项目名称", "区电子政务网络运行维护"], 0), ends_block(["（三）项目支出明细", "", ""], 0)
    (False, True)
    """
    if is_section_start(cells) or section_heading(cells) is not None:
        return True
    found = first_label(cells)
    if found is None or found.label.role in LINE_LABEL_ROLES:
        return False
    return label_col is None or found.col <= label_col


def indicator_table_end(table: Table, start: int, label_col: int | None, data_col: int) -> int:
    """The first row at or after ``start`` that no longer belongs to the indicator table.

    The table ends at a row that opens a block, at a total row (合计/总分), at a form label or section
    left of the first heading column, and at any non-container label in the section-label column.
    """
    for row in range(start, len(table.rows)):
        cells = table.rows[row]
        first = first_filled(cells)
        if first is not None and first >= data_col and is_level_label(cells[first]):
            continue  # a level label, even one that is also a section label (预算执行 on a scoring sheet)
        if is_section_start(cells):
            return row
        heading = section_heading(cells)
        if heading is not None and heading.numbered and (heading.label is None or heading.label.role != "container"):
            return row  # "五、其他需要说明的情况": the next part of a form written as one table
        found = first_label(cells)
        if found is None:
            continue
        role = found.label.role
        if role == "total":
            return row
        if found.col < data_col and role in ("field", "section", "funding_total"):
            return row
        if label_col is not None and found.col <= label_col and role != "container":
            return row
    return len(table.rows)


# -- section headings inside a table ------------------------------------------------------------------

_SECTION_NUMBER = re.compile(
    r"^(?:第[一二三四五六七八九十]{1,3}(?:部分|节|章|项)|[一二三四五六七八九十]{1,3}[、.]"
    r"|\([一二三四五六七八九十]{1,3}\)[、.]?|\(?[0-9]{1,2}[)]|[0-9]{1,2}(?:\.(?![0-9])|、))"
)
"""The number of a section heading, on the compact (NFKC) text: 一、 一. (二) 第一部分 1. 1、 (1)."""
_MAX_SECTION_HEADING = 30
_HEADING_LABEL_ROLES = frozenset({"container", "section"})


@dataclass(frozen=True, slots=True)
class SectionHeading:
    """A row that holds a section heading and nothing else but a unit line: the heading's column, whether it
    is numbered (一、 （二） 1.), and the form label it is (None for a heading no label names)."""

    col: int
    numbered: bool
    label: Label | None


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def heading_text(text: str) -> tuple[bool, Label | None] | None:
    """(numbered, label) when a cell's text is a section heading, else None.

    A heading is short, holds no colon or figure, and names a part of a form: a section or container
    label (资金来源, 绩效指标, 项目基本情况), a field label when numbered ("三、年度绩效目标"), or a text whose
    last word is a heading word (情况, 明细, 说明 …; ``data/block_words.csv``). Never a block's own line:
    a level label (（一）产出指标), a total, a 其中 line or a funding source (2.上级补助收入).

    >>> heading_text("（二）项目支出明细"), heading_text("2.上级补助收入"), heading_text("（一）产出指标")
    ((True, None), None, None)
    >>> heading_text("绩效指标")[1].name, heading_text("年度绩效目标"), heading_text("三、年度绩效目标")[1].name
    ('indicators', None, 'annual_goal')
    """
    key = compact(text)
    if not key or len(key) > _MAX_SECTION_HEADING:
        return None
    number = _SECTION_NUMBER.match(key)
    rest = label_key(key[number.end():] if number else key)
    if len(rest) < 2 or ":" in rest or re.search(r"[0-9]", rest):
        return None
    if is_level_label(rest) or is_total_line(rest) or split_of_which(rest)[0]:
        return None
    label = match_label(rest, "header")
    if label is not None:
        if label.role in _HEADING_LABEL_ROLES or (number is not None and label.role == "field"):
            return number is not None, label
        return None
    return (number is not None, None) if rest.endswith(_heading_ends()) else None


@cache
def _heading_ends() -> tuple[str, ...]:
    return tuple(compact(word) for word in words("heading_end"))


def section_heading(cells: Sequence[str]) -> SectionHeading | None:
    """The section heading a row holds alone (beside a unit line at most), or None.

    A form written as one table (a page saved from Excel, one sheet) stacks its parts in one grid, each
    under a heading row, often merged across the width: "一、项目基本情况", "（二）项目支出明细 | … | 单位：万元",
    "绩效指标". Such a row ends the block above it and names the rows below it.

    >>> section_heading(["（二）项目支出明细", "", "", "单位：元"])
    SectionHeading(col=0, numbered=True, label=None)
    >>> section_heading(["2.上级补助收入", "", "0"]) is None, section_heading(["其他说明", "无"]) is None
    (True, True)
    """
    return _section_heading(tuple(cells))


@lru_cache(maxsize=8192)
def _section_heading(cells: tuple[str, ...]) -> SectionHeading | None:
    first = first_filled(cells)
    if first is None:
        return None
    if any(text and unit_line(text) is None for text in cells[first + 1:]):
        return None
    found = heading_text(cells[first])
    return SectionHeading(first, found[0], found[1]) if found is not None else None


# -- the lines of a block -------------------------------------------------------------------------


@cache
def _total_words() -> frozenset[str]:
    return frozenset(words("total_line"))


@cache
def _of_which() -> re.Pattern[str]:
    return re.compile(rf"^(?:{alternation(words('of_which'))})[:：]?")


def is_total_line(text: str) -> bool:
    """True when a line's name is a total-line word (合计, 总计, 资金总额 …), and nothing else.

    >>> is_total_line("合计"), is_total_line(" 小计 "), is_total_line("合计数"), is_total_line("财政拨款")
    (True, True, False, False)
    """
    return compact(text) in _total_words()


def split_of_which(text: str) -> tuple[bool, str]:
    """(whether the line is a 其中 sub-line, its name without the marker), on the compact text.

    >>> split_of_which("其中：财政拨款"), split_of_which("财政拨款")
    ((True, '财政拨款'), (False, '财政拨款'))
    """
    key = compact(text)
    match = _of_which().match(key)
    return (True, key[match.end():]) if match else (False, key)


def is_funding_line(cells: Sequence[str]) -> bool:
    """True when the row's first filled cell names a funding source: numbered, 其中, a total, or a source word.

    >>> is_funding_line(["1.财政拨款收入", "500000.00"]), is_funding_line(["上年结转", ""])
    (True, True)
    >>> is_funding_line(["项目绩效目标", ""])
    False
    """
    first = first_filled(cells)
    if first is None:
        return False
    number, rest = split_numbering(cells[first])
    is_part, _ = split_of_which(rest)
    if number is not None or is_part or is_total_line(rest):
        return True
    return any(word in rest for word in words("funding_line"))
