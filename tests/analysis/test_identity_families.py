"""Which forms are one project-year, and which are a project at all: a code written differently on the
two forms of one year is one project-year; a whole-unit form is department-wide, not a project."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib import schema
from budgetlib.analysis.project_keys import normalise_code, project_keys
from budgetlib.forms import Forms

DEPARTMENT = "合成县大数据中心"
CODE = "036001-2022-BMZX-0001"


def project(form_id: str, form_type: str, budget: float | None, code: str | None, *,
            name: str = "电子政务网络运行维护", year: int = 2022) -> dict:
    return {"form_id": form_id, "source_file": form_id.split("#")[0], "form_type": form_type, "fiscal_year": year,
            "project_name": name, "department": DEPARTMENT, "project_code": code,
            "current_year_budget_yuan": budget, "budget_as_written": None if budget is None else f"{budget:.2f}"}


def tables(projects: list[dict]) -> Forms:
    return Forms({"projects": schema.frame("projects", projects), "budget_execution": schema.frame(
        "budget_execution", [])})


# -- 1. one code, written differently ----------------------------------------------------------------------


@pytest.mark.parametrize("written", ["０３６００１－２０２２－BMZX－0001", "036001 - 2022 - BMZX - 0001",
                                     "036001-2022-bmzx-0001", "0360012022BMZX0001", "036001—2022—BMZX—0001",
                                     "036001_2022_BMZX_0001", "036001/2022/BMZX/0001", "036001.2022.BMZX.0001"])
def test_a_code_written_differently_on_the_self_evaluation_is_one_project_year_counted_once(written: str) -> None:
    forms = tables([project("d.md#0", "declaration", 565_000.0, CODE),
                    project("s.md#0", "self_evaluation", 565_000.0, written)])
    (row,) = bl.project_years(forms).to_dict("records")
    assert row["n_forms"] == 2 and row["budget_yuan"] == 565_000.0
    assert row["project_code"] in (CODE, written)  # as one of the forms writes it, never the key
    by_department = bl.yoy(forms, by="department")
    assert by_department["current_yuan"].tolist() == [565_000.0]
    # the tables keep each form's code as written
    assert forms.projects["project_code"].tolist() == [CODE, written]


def test_two_different_codes_of_one_year_stay_two_projects() -> None:
    """The same name but another serial number (0002): the codes claim the same year, so two projects."""
    forms = tables([project("d.md#0", "declaration", 565_000.0, CODE),
                    project("s.md#0", "self_evaluation", 300_000.0, "０３６００１－２０２２－BMZX－0002")])
    assert sorted(bl.project_years(forms)["budget_yuan"].tolist()) == [300_000.0, 565_000.0]


def test_the_key_shows_the_latest_code_as_written_and_a_lone_dash_is_no_code() -> None:
    projects = tables([project("a.md#0", "declaration", 1.0, "036001-2021-bmzx-0001", year=2021),
                       project("b.md#0", "declaration", 1.0, "036001 2022 BMZX 0001"),
                       project("c.md#0", "self_evaluation", 1.0, CODE),
                       project("d.md#0", "declaration", 1.0, "—", name="学校维修")]).projects
    assert project_keys(projects).tolist() == ["code:036001 2022 BMZX 0001"] * 3 + ["name:合成县大数据中心|学校维修"]


def test_normalise_code() -> None:
    assert normalise_code("  ０３６００１－２０２２－bmzx－0001\u3000") == "0360012022BMZX0001"
    assert normalise_code("[015001]") == "[015001]"
    assert (normalise_code(None), normalise_code(" - "), normalise_code(pd.NA)) == ("", "", "")


# -- 2. a whole-unit form is department-wide --------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "department"
SELF_EVALUATION = (FIXTURES / "department-self-evaluation.md", "# 部门（单位）整体支出绩效自评表")
TARGET = (FIXTURES / "department-target-tasks.md", "# 部门整体支出绩效目标申报表")


def retitled(tmp_path: Path, form: tuple[Path, str], title: str) -> bl.Forms:
    """The fixture with its title line replaced by ``title`` (None: no title at all)."""
    path, written = form
    text = path.read_text(encoding="utf-8")
    assert written in text
    copy = tmp_path / path.name
    copy.write_text(text.replace(written, title), encoding="utf-8")
    return bl.read_forms([copy])


@pytest.mark.parametrize(("form", "title", "form_type"), [
    (SELF_EVALUATION, "# 单位整体支出绩效自评表", "department_self_evaluation"),
    (SELF_EVALUATION, "# 单位（部门）整体支出绩效自评表", "department_self_evaluation"),
    (SELF_EVALUATION, "# 2022年度整体支出绩效自评表", "department_self_evaluation"),
    (SELF_EVALUATION, "", "department_self_evaluation"),  # no title: the 部门（单位）名称 label decides
    (TARGET, "# 单位整体支出绩效目标表", "department_target"),
    (TARGET, "# 整体支出绩效目标表", "department_target"),
    (TARGET, "# 单位整体绩效目标申报表", "department_target"),
    (TARGET, "", "department_target"),
])
def test_a_whole_unit_form_is_department_wide_and_never_a_project(tmp_path: Path, form: tuple[Path, str],
                                                                  title: str, form_type: str) -> None:
    forms = retitled(tmp_path, form, title)
    assert forms.projects["form_type"].tolist() == [form_type]
    assert bl.project_years(forms).empty
    assert bl.yoy(forms, by="department").empty


def test_a_project_whose_name_holds_whole_unit_words_is_still_a_project() -> None:
    from budgetlib.transform.assemble import _title_type

    assert _title_type("单位整体搬迁项目支出绩效自评表") == "self_evaluation"
    assert _title_type("城区整体提升项目绩效目标表") == "target"


# -- 4. a blank 全年预算数 beside a filled 年初预算数 -----------------------------------------------------------

DECLARATION = """# 2022 年部门项目申报及绩效目标表

资金单位：元

|  |  |  |  |
|---|---|---|---|
| 项目名称 | 村级补助及运转经费 | 项目代码 | 219-2022-0001 |
| 项目主管部门 | 合成县棠溪镇人民政府 | 项目执行单位 | 合成县棠溪镇人民政府 |
| 项目总预算 | 500000.00 | 项目当年预算 | 500000.00 |

| 一级指标 | 二级指标 | 指标内容 | 指标值 |
|---|---|---|---|
| 产出指标 | 数量指标 | 补助村数 | ≥8个 |
"""

SELF_EVALUATION_ONLY_INITIAL = """# 项目支出绩效自评表

(2022年度)

|  |  |  |  |  |  |  |  |
|---|---|---|---|---|---|---|---|
| 项目名称 | 村级补助及运转经费 |  |  |  |  |  |  |
| 主管部门 | 合成县棠溪镇人民政府 |  | 实施单位 | 合成县棠溪镇人民政府 |  |  |  |
| 项目资金(万元) |  | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |
|  | 年度资金总额 | 45 |  | 40 | 10 |  |  |

| 一级指标 | 二级指标 | 三级指标 | 分值 | 年度指标值 | 实际完成值 | 得分 |
|---|---|---|---|---|---|---|
| 产出指标 | 数量指标 | 补助村数 | 90 | ≥8个 | 8个 | 90 |
"""


def test_a_self_evaluations_initial_budget_is_not_its_budget_the_declarations_is(tmp_path: Path) -> None:
    """年初预算数 45万 beside a blank 全年预算数: the project-year's budget is the declaration's 500,000 (the
    precedence has no 年初预算数), and the 450,000 stays in sight."""
    (tmp_path / "decl.md").write_text(DECLARATION, encoding="utf-8")
    (tmp_path / "self.md").write_text(SELF_EVALUATION_ONLY_INITIAL, encoding="utf-8")
    forms = bl.read_forms([tmp_path])
    evaluation = forms.projects[forms.projects["form_type"] == "self_evaluation"].iloc[0]
    assert pd.isna(evaluation["current_year_budget_yuan"]) and pd.isna(evaluation["budget_as_written"])
    assert forms.budget_execution["initial_budget_yuan"].tolist() == [450_000.0]
    (row,) = bl.project_years(forms).to_dict("records")
    assert (row["budget_yuan"], row["budget_basis"]) == (500_000.0, "declaration:current_year_budget")
    assert row["budget_note"] == "自评表未填预算数，采用申报表当年预算"
    assert (row["self_evaluation_initial_budget_yuan"], row["executed_yuan"]) == (450_000.0, 400_000.0)
    assert pd.isna(row["self_evaluation_budget_yuan"])
    assert bl.yoy(forms, by="department")["current_yuan"].tolist() == [500_000.0]


# -- 5. forms that name no department ------------------------------------------------------------------


def test_projects_without_a_department_are_labelled_not_a_blank_department() -> None:
    rows = [project("a.md#0", "declaration", 100_000.0, None, name="甲"),
            project("b.md#0", "declaration", 200_000.0, None, name="乙"),
            project("c.md#0", "declaration", 300_000.0, None, name="丙")]
    rows[0]["department"] = rows[1]["department"] = None
    by_department = bl.yoy(tables(rows), by="department")
    assert by_department[["department", "current_yuan", "n_projects"]].values.tolist() == [
        ["未注明部门", 300_000.0, 2], ["合成县大数据中心", 300_000.0, 1]]
