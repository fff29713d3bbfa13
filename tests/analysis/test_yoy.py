"""Year over year by project, department and economic category: the seed by hand, and small sets of
forms of several years built from the seed (the multi-year synthetic corpus is in test_synth.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.analysis.yoy import normalise_name, project_keys, yoy_by_department, yoy_by_project
from tests.conftest import EXAMPLES, FIXTURES, QINGSHEN, SEED, read_example

SEED_TEXT = (EXAMPLES / SEED).read_text(encoding="utf-8")
SEED_EXPENDITURES = """| 维修(护)费  | 440000.00     | 0             |
| 邮电费     | 60000.00      | 0             |"""


def declaration(year: int, budget: int, *, code: str | None = None, name: str = "区电子政务网络运行维护",
                department: str = "武汉市新洲区大数据中心", change: str = "",
                lines: dict[str, tuple[int, int]] | None = None) -> str:
    """The seed rewritten for another year, budget, project or department."""
    text = SEED_TEXT.replace("# 2020 年部门项目申报及绩效目标表", f"# {year} 年部门项目申报及绩效目标表")
    text = text.replace("036001-2020-BMZX-0001", code if code is not None else f"036001-{year}-BMZX-0001")
    text = text.replace("| 区电子政务网络运行维护  |", f"| {name} |")
    text = text.replace("武汉市新洲区大数据中心", department)
    text = text.replace("2019 年 30 万，当年增加 20 万", change)
    text = text.replace("500000.00", f"{budget}.00")
    text = text.replace("总计(2020_项目支出) | 总计(2019_项目支出)", f"总计({year}_项目支出) | 总计({year - 1}_项目支出)")
    rows = lines if lines is not None else {"维修(护)费": (budget, 0)}
    table = "\n".join(f"| {category} | {now}.00 | {before}.00 |" for category, (now, before) in rows.items())
    return text.replace(SEED_EXPENDITURES, table)


def read(tmp_path: Path, files: dict[str, str]) -> bl.Forms:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    forms = bl.read_forms([tmp_path])
    assert forms.errors.empty, forms.errors
    return forms


def row(df: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for column, value in where.items():
        mask &= df[column] == value
    assert mask.sum() == 1, df[mask]
    return df[mask].iloc[0]


# -- the seed -------------------------------------------------------------------------------------------


def test_seed_project_2020() -> None:
    (r,) = bl.yoy(read_example(SEED), by="project").itertuples()
    # 2019 年 30 万 → 500,000: +200,000 = +66.7%
    assert (r.fiscal_year, r.prior_year, r.prior_yuan, r.current_yuan) == (2020, 2019, 300_000.0, 500_000.0)
    assert r.change_yuan == 200_000.0
    assert round(r.change_fraction, 3) == 0.667
    assert (r.prior_basis, r.prior_as_written) == ("stated_in_text", "30万")
    assert r.project_key == "code:036001-2020-BMZX-0001"


def test_seed_department_uses_the_text_when_no_earlier_form() -> None:
    (r,) = bl.yoy(read_example(SEED), by="department").itertuples()
    assert (r.department, r.prior_yuan, r.current_yuan, r.prior_basis) == (
        "武汉市新洲区大数据中心", 300_000.0, 500_000.0, "stated_in_text")
    assert (r.n_projects, r.n_unknown) == (1, 0)


def test_seed_economic_categories_from_the_prior_year_column() -> None:
    df = bl.yoy(read_example(SEED), by="economic_category")
    assert list(df["economic_category"]) == ["维修(护)费", "邮电费"]
    assert list(df["current_yuan"]) == [440_000.0, 60_000.0]
    assert list(df["prior_yuan"]) == [0.0, 0.0]  # the column as written (C12 says it contradicts the text)
    assert df["change_fraction"].isna().all()  # growth from 0 has no rate
    assert set(df["prior_basis"]) == {"expenditure_column"}


def test_forms_without_a_prior_figure_have_na_not_zero(all_examples: bl.Forms) -> None:
    df = bl.yoy(all_examples, by="project")
    others = df[df["form_id"] != f"{SEED}#0"]
    assert len(others) == 4
    assert others["prior_yuan"].isna().all() and others["prior_basis"].isna().all()


def test_unknown_grouping_is_an_error() -> None:
    with pytest.raises(ValueError, match="by must be"):
        bl.yoy(read_example(SEED), by="region")  # type: ignore[arg-type]


# -- several years --------------------------------------------------------------------------------------


def test_earlier_form_is_preferred_and_codes_with_the_year_join_by_name(tmp_path: Path) -> None:
    forms = read(tmp_path, {
        "2019/a.md": declaration(2019, 320_000, change="2018 年 28 万，当年增加 4 万"),
        "2020/a.md": SEED_TEXT,
        "2021/a.md": declaration(2021, 450_000, name="2021年区电子政务网络运行维护项目", change="2020 年 50 万"),
    })
    df = bl.yoy(forms, by="project").sort_values("fiscal_year")
    assert df["project_key"].nunique() == 1  # three codes (one per year), one project by name
    assert list(df["current_yuan"]) == [320_000.0, 500_000.0, 450_000.0]
    assert list(df["prior_yuan"]) == [280_000.0, 320_000.0, 500_000.0]
    assert list(df["prior_basis"]) == ["stated_in_text", "earlier_form", "earlier_form"]
    r2020 = row(df, fiscal_year=2020)
    # the 2019 form says 320,000: it wins over the 2020 text's "2019 年 30 万"
    assert (r2020.change_yuan, r2020.prior_form_id) == (180_000.0, "2019/a.md#0")
    assert row(df, fiscal_year=2021).change_yuan == -50_000.0
    assert math.isclose(row(df, fiscal_year=2021).change_fraction, -0.1)


def test_different_projects_with_the_same_name_are_not_joined(tmp_path: Path) -> None:
    forms = read(tmp_path, {
        "a.md": declaration(2020, 100_000, code="036001-2020-BMZX-0001"),
        "b.md": declaration(2020, 200_000, code="036001-2020-BMZX-0002"),
        "c.md": declaration(2021, 110_000, code="036001-2021-BMZX-0001", name="区电子政务网络运行维护"),
    })
    keys = project_keys(forms.projects)
    assert keys.nunique() == 2  # two codes claim 2020; the 2021 form joins one of them
    df = bl.yoy(forms, by="project")
    assert len(df) == 3


def test_same_code_joins_across_a_renamed_project(tmp_path: Path) -> None:
    forms = read(tmp_path, {
        "a.md": declaration(2020, 100_000, code="P-0001", name="电子政务网络运维"),
        "b.md": declaration(2021, 130_000, code="P-0001", name="电子政务外网运行维护服务"),
    })
    r = row(bl.yoy(forms, by="project"), fiscal_year=2021)
    assert (r.prior_yuan, r.prior_basis, r.change_yuan) == (100_000.0, "earlier_form", 30_000.0)


def test_department_totals_new_and_ended_projects(tmp_path: Path) -> None:
    forms = read(tmp_path, {
        "2019/a.md": declaration(2019, 300_000),
        "2019/b.md": declaration(2019, 50_000, code="036001-2019-BMZX-0002", name="机房租赁"),
        "2020/a.md": declaration(2020, 500_000),
        "2020/c.md": declaration(2020, 80_000, code="036001-2020-BMZX-0003", name="网络安全测评"),
        "2020/other.md": declaration(2020, 70_000, code="036002-2020-JYJ-0001", name="教师培训",
                                     department="武汉市新洲区教育局"),
    })
    df = bl.yoy(forms, by="department")
    r = row(df, department="武汉市新洲区大数据中心", fiscal_year=2020)
    # 2020: 500,000 + 80,000 = 580,000; 2019: 300,000 + 50,000 = 350,000
    assert (r.current_yuan, r.prior_yuan, r.change_yuan) == (580_000.0, 350_000.0, 230_000.0)
    assert (r.prior_basis, r.n_projects, r.n_new, r.n_ended) == ("earlier_form", 2, 1, 1)
    other = row(df, department="武汉市新洲区教育局", fiscal_year=2020)
    # no 2019 form: what its own form says (a 2019 column of 0), with that basis
    assert (other.prior_yuan, other.prior_basis) == (0.0, "expenditure_column")
    assert math.isnan(other.change_fraction)


def test_a_department_total_with_an_unknown_amount_is_na(tmp_path: Path) -> None:
    target = (EXAMPLES / "xiangtan-2023-fog-cannon-service-target.md").read_text(encoding="utf-8")
    no_unit = target.replace("填报单位:(盖章) 单位:万元", "填报单位:(盖章)").replace("| 250万 |", "| 250 |")
    forms = read(tmp_path, {
        "a.md": declaration(2023, 100_000, department="湘潭市环境卫生管理处"),
        "b.md": no_unit,
    })
    assert forms.projects["current_year_budget_yuan"].isna().sum() == 1  # 250 of what? unknown
    (r,) = bl.yoy(forms, by="department").itertuples()
    assert math.isnan(r.current_yuan) and r.n_unknown == 1 and r.n_projects == 2


def test_economic_categories_like_for_like(tmp_path: Path) -> None:
    forms = read(tmp_path, {
        "2019/a.md": declaration(2019, 300_000, lines={"维修(护)费": (240_000, 0), "邮电费": (60_000, 0)}),
        "2020/a.md": declaration(2020, 500_000, lines={"维修(护)费": (220_000, 999), "邮电费": (280_000, 999)}),
        "2020/new.md": declaration(2020, 100_000, code="036001-2020-BMZX-0009", name="机房租赁",
                                   lines={"租赁费": (100_000, 90_000)}),
    })
    df = bl.yoy(forms, by="economic_category")
    y2020 = df[df["fiscal_year"] == 2020].set_index("economic_category")
    # project a: its 2019 form's own column (not the 999 of the 2020 form's 2019 column)
    assert y2020.loc["维修(护)费", "prior_yuan"] == 240_000.0 and y2020.loc["维修(护)费", "current_yuan"] == 220_000.0
    assert y2020.loc["邮电费", "prior_yuan"] == 60_000.0 and y2020.loc["邮电费", "current_yuan"] == 280_000.0
    assert y2020.loc["维修(护)费", "prior_basis"] == "earlier_form"
    # the new project has no 2019 form: its 2020 form's 2019 column
    assert (y2020.loc["租赁费", "prior_yuan"], y2020.loc["租赁费", "prior_basis"]) == (90_000.0, "expenditure_column")


@pytest.mark.parametrize(("name", "key"), [
    ("2021年 区电子政务网络运行维护项目", "区电子政务网络运行维护"),
    ("“在线督查”系统运维", "在线督查系统运维"),
    ("项目", "项目"),
])
def test_normalise_name(name: str, key: str) -> None:
    assert normalise_name(name) == key


def test_department_wide_forms_are_no_project_of_any_year() -> None:
    """Four whole-department forms (部门整体支出) beside one project's self-evaluation: year over year by
    project and by department counts the one project only; the departments' forms give no row."""
    forms = bl.read_forms([FIXTURES / "department", EXAMPLES / QINGSHEN])
    assert sorted(forms.projects["form_type"]) == ["department_self_evaluation"] * 2 + ["department_target"] * 2 + [
        "self_evaluation"]
    by_project = yoy_by_project(forms)
    assert by_project["project_name"].tolist() == ["工资性支出"]
    assert by_project["current_yuan"].tolist() == [2518900.0]  # 调整后预算数 251.89 万元
    by_department = yoy_by_department(forms)
    assert by_department["department"].tolist() == ["青神县发展和改革局本级"]
    assert by_department["n_projects"].tolist() == [1]
