"""Budget-execution blocks the way districts publish them: the fund lines as rows (the national layout), as
columns (transposed: 年初预算数 / 全年预算数 / 全年执行数 as rows under 合计 | 财政拨款 | 其他资金), or as
label/value pairs in a row; in markdown, HTML and xlsx. Each reads into the same ``budget_execution`` lines;
a figure the layout cannot place is left in ``unparsed`` with W_EXECUTION_UNPLACED."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.testing import markdown_to_html, markdown_to_xlsx

_HEAD = """# 项目支出绩效自评表

(2023年度)

{unit_line}

| | | | | | | | |
|---|---|---|---|---|---|---|---|
| 项目名称 | 测试项目 | | | | | | |
| 主管部门 | 某局 | | | 实施单位 | 某中心 | | |
"""

_TAIL = """
| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |
|---|---|---|---|---|---|---|---|
| | 产出指标 | 数量指标 | 完成数 | ≥10个 | 10个 | 90 | 90 |
"""

Line = tuple[str, str, str, str]
"""(fund line as written, 年初预算数, 全年预算数, 全年执行数)."""

_LINES: tuple[Line, ...] = (
    ("年度资金总额", "100", "120", "108"),
    ("其中：财政拨款", "80", "100", "90"),
    ("其他资金", "20", "20", ""),
)

_COLUMNS = ("line_no", "fund_line", "parent_line", "is_total", "initial_budget_as_written", "initial_budget_yuan",
            "full_year_budget_as_written", "full_year_budget_yuan", "executed_as_written", "executed_yuan",
            "amount_unit", "execution_rate", "weight", "score")


def _usual(lines: Sequence[Line], title: str) -> str:
    rows = [f"| {title} | | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |"]
    for i, (name, initial, full, executed) in enumerate(lines):
        weight, rate, score = ("10", "90%", "9") if i == 0 else ("", "", "")
        rows.append(f"| | {name} | {initial} | {full} | {executed} | {weight} | {rate} | {score} |")
    return "\n".join(rows) + "\n"


def _transposed(lines: Sequence[Line], title: str, *, label_col: bool = False) -> str:
    """Measures as rows; ``label_col`` puts the title in a column of its own (资金来源 over the measures)."""
    lead = f"| {title} | 资金来源 |" if label_col else f"| {title} |"
    blank = "| | " if label_col else "| "
    pad = 8 - len(lines) - (2 if label_col else 1)
    rows = [lead + "".join(f" {name} |" for name, *_ in lines) + " |" * pad]
    for index, measure in enumerate(("年初预算数", "全年预算数", "全年执行数"), start=1):
        rows.append(f"{blank}{measure} |" + "".join(f" {line[index]} |" for line in lines) + " |" * pad)
    for measure, value in (("执行率", "90%"), ("分值", "10"), ("得分", "9")):
        rows.append(f"{blank}{measure} | {value} |" + " |" * (len(lines) - 1) + " |" * pad)
    return "\n".join(rows) + "\n"


def _pairs(lines: Sequence[Line], title: str) -> str:
    """One row of pairs per line, the block's title before the first (merged down in HTML and xlsx)."""
    rows = []
    for i, (name, initial, full, executed) in enumerate(lines):
        tail = " 执行率 | 90% | 分值 | 10 | 得分 | 9 |" if i == 0 else " 执行率 | | 分值 | | 得分 | |"
        rows.append(f"| {title if i == 0 else ''} | {name} | 年初预算数 | {initial} | 全年预算数 | {full} "
                    f"| 全年执行数 | {executed} |{tail}")
    return "\n".join(rows) + "\n"


def _form(block: str, unit_line: str = "") -> str:
    width = max(len(line.split("|")) - 2 for line in block.splitlines())
    table = "| " + " | ".join([""] * width) + " |\n|" + "---|" * width + "\n"
    return _HEAD.format(unit_line=unit_line) + "\n" + table + block + _TAIL


def _read(tmp_path: Path, text: str, suffix: str = ".md", name: str = "form") -> bl.Forms:
    source = tmp_path / f"{name}.md"
    source.write_text(text, encoding="utf-8")
    if suffix == ".html":
        (tmp_path / f"{name}.html").write_text(markdown_to_html(source, merge=True), encoding="utf-8")
    elif suffix == ".xlsx":
        (tmp_path / f"{name}.xlsx").write_bytes(markdown_to_xlsx(source, merge=True))
    forms = bl.read_form(tmp_path / f"{name}{suffix}")
    assert forms.errors.empty, forms.errors.to_dict("records")
    return forms


def _lines(forms: bl.Forms) -> list[tuple[object, ...]]:
    table = forms.budget_execution.reindex(columns=list(_COLUMNS))
    table = table.astype(object).where(table.notna(), None)
    return [tuple(row) for row in table.itertuples(index=False)]


# -- the transposed layouts read as the usual one -------------------------------------------------------------

_LAYOUTS = {
    "transposed": lambda lines, title: _transposed(lines, title),
    "transposed with a label column": lambda lines, title: _transposed(lines, title, label_col=True),
    "pairs": _pairs,
}


@pytest.mark.parametrize("layout", list(_LAYOUTS))
@pytest.mark.parametrize(("title", "unit_line", "yuan"), [
    ("项目资金(万元)", "", 10_000.0),
    ("预算执行情况", "单位：元", 1.0),
    ("预算执行情况", "", None),
], ids=["wan-in-title", "yuan-unit-line", "no-unit"])
def test_a_turned_block_reads_as_the_usual_layout(tmp_path: Path, layout: str, title: str, unit_line: str,
                                                 yuan: float | None) -> None:
    usual = _read(tmp_path, _form(_usual(_LINES, title), unit_line), name="usual")
    turned = _read(tmp_path, _form(_LAYOUTS[layout](_LINES, title), unit_line), name="turned")
    assert _lines(turned) == _lines(usual)
    got = turned.budget_execution
    assert list(got["fund_line"]) == ["年度资金总额", "财政拨款", "其他资金"]
    assert list(got["parent_line"].fillna("")) == ["", "年度资金总额", "年度资金总额"]
    assert list(got["executed_as_written"].fillna("")) == ["108", "90", ""]
    assert pd.isna(got.loc[2, "executed_yuan"])  # an empty 执行数 stays empty, never 0
    if yuan is None:
        assert got["full_year_budget_yuan"].isna().all()
        assert "W_NO_MONEY_UNIT" in set(turned.warnings["code"])
    else:
        assert list(got["full_year_budget_yuan"]) == [120 * yuan, 100 * yuan, 20 * yuan]
    assert "W_TABLE_UNREAD" not in set(turned.warnings["code"])
    assert turned.unparsed.empty
    scored = bl.score(turned).forms.iloc[0]
    assert (scored["execution_rate"], scored["execution_weight"], scored["execution_score"]) == (0.9, 10.0, 9.0)


@pytest.mark.parametrize("suffix", [".html", ".xlsx"])
@pytest.mark.parametrize("layout", list(_LAYOUTS))
def test_a_turned_block_reads_the_same_from_html_and_xlsx(tmp_path: Path, layout: str, suffix: str) -> None:
    text = _form(_LAYOUTS[layout](_LINES, "预算执行情况(万元)"))
    markdown = _read(tmp_path, text)
    other = _read(tmp_path, text, suffix)
    assert _lines(other) == _lines(markdown)
    assert len(markdown.budget_execution) == 3
    assert other.unparsed.empty


def test_fund_lines_as_columns_keep_their_qizhong_parents_and_the_block_weight(tmp_path: Path) -> None:
    block = """| 预算执行情况（10分） | 资金来源 | 年度资金总额 | 其中：财政拨款 | 其中：中央 | 省级 | 上年结转 | 其他资金 |
| | 年初预算数 | 100 | 80 | 50 | 30 | 0 | 20 |
| | 全年预算数 | 120 | 100 | 60 | 40 | 0 | 20 |
| | 全年执行数 | 108 | 90 | 60 | 30 | | 18 |
| | 执行率 | 90% | | | | | |
"""
    forms = _read(tmp_path, _form(block, "单位：万元"))
    lines = forms.budget_execution
    assert list(zip(lines["fund_line"], lines["parent_line"].fillna(""), strict=True)) == [
        ("年度资金总额", ""), ("财政拨款", "年度资金总额"), ("中央", "财政拨款"), ("省级", "财政拨款"),
        ("上年结转", "年度资金总额"), ("其他资金", "年度资金总额")]
    assert lines.loc[4, "initial_budget_yuan"] == 0.0 and pd.isna(lines.loc[4, "executed_yuan"])
    assert forms.projects.loc[0, "execution_section_weight"] == 10
    result = bl.score(forms)
    assert result.forms.loc[0, "execution_score"] == 9.0
    assert not result.flags["message"].str.contains("不一致").any()  # 中央 + 省级 are not summed again


# -- figures the layout cannot place ---------------------------------------------------------------------------


@pytest.mark.parametrize(("block", "figure"), [
    ("| 预算执行情况(万元) | 合计 | 财政拨款 | |\n| 年初预算数 | 100 | 100 | |\n| 全年预算数 | 120 | 120 | |\n"
     "| 全年执行数 | 108 | 108 | 5 |\n", "5"),
    ("| 预算执行情况(万元) | 合计 | |\n| 年初预算数 | 100 | |\n| 全年预算数 | 120 | |\n| 全年执行数 | 108 | |\n"
     "| 全年执行数 | 107 | |\n", "107"),
    ("| 年度资金总额 | 年初预算数 | 100万元 | 全年预算数 | 120万元 | 全年执行数 | 108万元 | | 7 |\n", "7"),
    ("| 年初预算数：100万元 | 全年预算数：120万元 | 全年执行数：108万元 | 全年执行数：107万元 |\n", "全年执行数：107万元"),
], ids=["column-without-heading", "measure-twice", "figure-after-no-label", "inline-measure-twice"])
def test_a_figure_that_cannot_be_placed_is_left_unparsed_and_told(tmp_path: Path, block: str, figure: str) -> None:
    forms = _read(tmp_path, _form(block))
    warned = forms.warnings[forms.warnings["code"] == "W_EXECUTION_UNPLACED"]
    assert len(warned) == 1 and repr(figure) in warned.iloc[0]["message"]
    assert figure in set(forms.unparsed["text"])
    total = forms.budget_execution.iloc[0]
    assert (total["full_year_budget_yuan"], total["executed_yuan"]) == (1_200_000.0, 1_080_000.0)


def test_a_row_of_headings_is_no_row_of_pairs_and_a_lone_measure_row_no_transposed_block(tmp_path: Path) -> None:
    from budgetlib.transform.execution_layouts import pairs_row, transposed_block
    from tests.transform.grids import grid

    assert pairs_row(["项目资金", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]) is None
    assert pairs_row(["全年预算数", "120", "说明", "无"]) is None  # one measure is no block
    assert transposed_block(grid(["资金来源", "合计"], ["全年预算数", "120"], ["备注", "无"]), 0) is None
    assert transposed_block(grid(["实施单位", "某中心", "联系人"], ["全年预算数", "120", "150"],
                                 ["全年执行数", "100", "120"]), 0) is None


# -- 其中 nested in the usual layout ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["其中：财政拨款", "财政拨款"])
def test_a_second_qizhong_is_a_part_of_the_line_above_not_of_the_total(tmp_path: Path, source: str) -> None:
    """年度资金总额 120 / 财政拨款 100 / 其中：中央 60 / 省级 40 / 上年结转 / 其他资金 20: 中央 and 省级 make
    财政拨款; read as parts of the total they made it 220 and a false 总额与其中各行合计不一致."""
    block = f"""| 项目资金(万元) | | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |
| | 年度资金总额 | 120 | 120 | 108 | 10 | 90% | 9 |
| | {source} | 100 | 100 | 90 | | | |
| | 其中：中央 | 60 | 60 | 60 | | | |
| | 省级 | 40 | 40 | 30 | | | |
| | 上年结转 | 0 | 0 | 0 | | | |
| | 其他资金 | 20 | 20 | 18 | | | |
"""
    forms = _read(tmp_path, _form(block))
    lines = forms.budget_execution
    assert list(zip(lines["fund_line"], lines["parent_line"].fillna(""), strict=True)) == [
        ("年度资金总额", ""), ("财政拨款", "年度资金总额"), ("中央", "财政拨款"), ("省级", "财政拨款"),
        ("上年结转", "年度资金总额"), ("其他资金", "年度资金总额")]
    flags = bl.score(forms).flags
    assert not flags["message"].str.contains("不一致").any(), flags["message"].tolist()


def test_every_budget_and_actual_label_holds_a_word_the_quick_row_test_looks_for() -> None:
    """``_may_hold_pairs`` skips a row without a word of an actual and of a budget measure; a label added to
    ``data/labels.csv`` without such a word would make rows of it unread, so each label's required text
    (its optional parts and trailing ``.*`` taken out) is checked here."""
    import re

    from budgetlib.transform.execution_layouts import _ACTUAL_WORDS, _BUDGET_WORDS
    from budgetlib.vocabulary import table

    words = {"initial_budget": _BUDGET_WORDS, "full_year_budget": _BUDGET_WORDS,
             "adjusted_budget": _BUDGET_WORDS, "executed": _ACTUAL_WORDS, "execution_rate": _ACTUAL_WORDS}
    rows = [row for row in table("labels.csv") if row["context"] == "execution_col" and row["name"] in words]
    assert {row["name"] for row in rows} == set(words)
    for row in rows:
        required = re.sub(r"\((?:\?:)?[^()]*\)\?|\.\*", "", row["pattern"])  # optional parts out
        depth, start, alternatives = 0, 0, []
        for index, char in enumerate(required + "|"):
            depth += (char == "(") - (char == ")")
            if char == "|" and depth == 0:
                alternatives.append(required[start:index])
                start = index + 1
        for alternative in alternatives:
            assert any(word in alternative for word in words[row["name"]]), (row["name"], alternative)
