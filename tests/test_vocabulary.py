"""The one loader of data/*.csv: every file declared, every required column checked, errors that name both."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from budgetlib import vocabulary
from budgetlib.scoring.actuals import COLUMNS, REQUIRED
from budgetlib.vocabulary import REQUIRED_COLUMNS, VocabularyError, parse_table

DATA = Path(str(resources.files("budgetlib").joinpath("data")))


def _without_column(name: str, column: str) -> str:
    """The text of data/<name> with one column taken out."""
    rows = list(csv.reader(io.StringIO((DATA / name).read_text(encoding="utf-8"))))
    drop = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([cell for i, cell in enumerate(row) if i != drop] for row in rows)
    return out.getvalue()


def test_every_data_file_is_declared_and_loads() -> None:
    assert sorted(path.name for path in DATA.glob("*.csv")) == sorted(REQUIRED_COLUMNS)
    for name in REQUIRED_COLUMNS:
        rows = vocabulary.table(name)
        assert rows, name
        assert all(set(REQUIRED_COLUMNS[name]) <= set(row) for row in rows)


@pytest.mark.parametrize(("name", "column"), [
    (name, column) for name, columns in sorted(REQUIRED_COLUMNS.items()) for column in columns
])
def test_a_missing_column_is_named_with_its_file(name: str, column: str) -> None:
    with pytest.raises(VocabularyError) as raised:
        parse_table(_without_column(name, column), name, REQUIRED_COLUMNS[name])
    assert str(raised.value).startswith(f"data/{name}: no column {column!r} (its columns: ")


def test_several_missing_columns_are_all_named() -> None:
    with pytest.raises(VocabularyError, match=r"^data/labels.csv: no columns 'role', 'pattern' \(its columns: "
                                              r"context, name\)$"):
        parse_table("context,name\nheader,project_name\n", "labels.csv", REQUIRED_COLUMNS["labels.csv"])


def test_note_is_optional_and_short_rows_read_as_empty() -> None:
    rows = parse_table("word,horizon\n长期,long_term\n年度\n", "horizons.csv", ("word", "horizon"))
    assert [dict(row) for row in rows] == [{"word": "长期", "horizon": "long_term"}, {"word": "年度", "horizon": ""}]


def test_an_unknown_file_is_refused() -> None:
    with pytest.raises(VocabularyError, match=r"^data/synonyms.csv: not a vocabulary of budgetlib"):
        vocabulary.table("synonyms.csv")


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Cached vocabularies are cleared before and after, so that a broken copy never outlives its test."""
    accessors = (vocabulary.table, vocabulary.money_units, vocabulary.unit_factors, vocabulary.money_unit_pattern)
    for accessor in accessors:
        accessor.cache_clear()
    yield
    for accessor in accessors:
        accessor.cache_clear()


def test_a_package_file_without_a_column_fails_when_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                fresh_caches: None) -> None:
    """A money_units.csv edited without its factor column: the error names the file and the column."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "money_units.csv").write_text(_without_column("money_units.csv", "factor"), encoding="utf-8")
    monkeypatch.setattr(vocabulary.resources, "files", lambda package: tmp_path)
    with pytest.raises(VocabularyError, match=r"^data/money_units.csv: no column 'factor' \(its columns: unit, "
                                              r"stored_as, note\)$"):
        vocabulary.unit_factors()


def test_a_factor_that_is_no_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "money_units.csv").write_text("unit,factor,stored_as\n万元,一万,万元\n", encoding="utf-8")
    monkeypatch.setattr(vocabulary.resources, "files", lambda package: tmp_path)
    with pytest.raises(VocabularyError, match=r"^data/money_units.csv: factor '一万' of '万元' is no number$"):
        vocabulary.money_units()


@pytest.mark.parametrize(("unit", "factor", "stored_as"), [
    ("元", 1.0, "元"), ("万元", 1e4, "万元"), ("万", 1e4, "万元"), ("千元", 1e3, "千元"), ("亿元", 1e8, "亿元"),
    ("亿", 1e8, "亿"), ("人民币元", 1.0, "人民币元"),
])
def test_money_units(unit: str, factor: float, stored_as: str) -> None:
    entry = vocabulary.money_units()[unit]
    assert (entry.factor, entry.stored_as) == (factor, stored_as)


def test_every_stored_unit_is_itself_a_unit() -> None:
    """An amount read in a block's unit is looked up again by the unit stored: each must be a key."""
    units = vocabulary.money_units()
    assert {entry.stored_as for entry in units.values()} <= set(units)


def test_block_words() -> None:
    assert {"合计", "总计", "小计", "总额"} <= set(vocabulary.words("total_line"))
    assert vocabulary.words("of_which") == ("其中", "含")
    with pytest.raises(VocabularyError, match="no word of kind 'synonym'"):
        vocabulary.words("synonym")


def test_counting_units_and_their_classes() -> None:
    units = vocabulary.count_units()
    assert (units["处"], units["点"], units["站"], units["家"], units["个"]) == ("处", "处", "处", "家", "个")


def test_actuals_sheet_columns() -> None:
    """data/actuals_columns.csv: the sheet's columns in order, and the headings a filled-in sheet is read by."""
    assert [(c.key, c.label, c.width, c.to_fill, c.text) for c in COLUMNS] == [
        ("form_id", "表单编号", 28, False, True), ("indicator_no", "指标序号", 8, False, False),
        ("project_name", "项目名称", 26, False, True), ("project_code", "项目代码", 18, False, True),
        ("level1", "一级指标", 11, False, True), ("level2", "二级指标", 13, False, True),
        ("name", "三级指标", 28, False, True), ("target_text", "年度指标值", 16, False, True),
        ("weight", "分值", 7, False, False), ("direction", "评分方向", 11, False, True),
        ("actual_text", "实际完成值", 18, True, True), ("deviation_reason", "偏差原因及改进措施", 30, True, True),
    ]
    aliases = {c.key: c.aliases for c in COLUMNS if c.aliases}
    assert aliases == {
        "form_id": ("表单编号",), "indicator_no": ("指标序号", "指标编号"),
        "actual_text": ("实际完成值", "全年实际值", "实际完成情况", "完成值", "实际值"),
        "deviation_reason": ("偏差原因及改进措施", "偏差原因", "未完成原因", "未完成原因分析"),
    }
    assert REQUIRED == ("form_id", "indicator_no", "actual_text")
