"""A project-year whose forms write its name or department differently: one project-year when the
difference says nothing about which project it is (a department written into the name, （续建）, 本级);
two, flagged by check C20, when the names are merely alike."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib import schema
from budgetlib.analysis.crossform import check_possibly_same
from budgetlib.analysis.project_keys import department_key, normalise_name, without_department
from budgetlib.analysis.review import review_across_forms, review_names_across_projects
from budgetlib.cli import main as cli_main
from budgetlib.forms import Forms
from budgetlib.read.written import cross_form_findings_of_written, read_written
from tests.analysis.test_identity_families import DECLARATION, SELF_EVALUATION_ONLY_INITIAL

DEPARTMENT = "合成县区教育局"


def project(form_id: str, form_type: str, budget: float, name: str, *, department: str | None = DEPARTMENT,
            year: int = 2022, code: str | None = None) -> dict:
    return {"form_id": form_id, "source_file": form_id.split("#")[0], "form_type": form_type, "fiscal_year": year,
            "project_name": name, "department": department, "project_code": code,
            "current_year_budget_yuan": budget, "budget_as_written": f"{budget:.2f}"}


def tables(rows: list[dict]) -> Forms:
    return Forms({"projects": schema.frame("projects", rows), "budget_execution": schema.frame("budget_execution", [])})


def c20(forms: Forms) -> pd.DataFrame:
    findings = review_across_forms(forms)
    return findings[findings["check_id"] == "C20"]


# -- 1. one project-year, written two ways ------------------------------------------------------------------


@pytest.mark.parametrize(("planned", "evaluated", "planned_department", "evaluated_department"), [
    ("学生资助项目", "区教育局学生资助项目", DEPARTMENT, DEPARTMENT),     # a tail of the department in the name
    ("学生资助", "合成县区教育局学生资助", DEPARTMENT, DEPARTMENT),       # the whole department
    ("学生资助", "教育局2022年学生资助项目", DEPARTMENT, DEPARTMENT),     # a tail, then the year
    ("2022年学生资助项目", "合成县区教育局 2022年度 学生资助", DEPARTMENT, DEPARTMENT),
    ("学生资助项目（续建）", "学生资助", DEPARTMENT, DEPARTMENT),          # a status word in brackets
    ("学生资助(新增)", "学生资助项目", DEPARTMENT, DEPARTMENT),
    ("学生资助【延续性项目】", "学生资助", DEPARTMENT, DEPARTMENT),
    ("学生资助（ 结转 ）", "学生资助（本级）", DEPARTMENT, DEPARTMENT),
    ("学生资助", "学生资助", DEPARTMENT, "合成县区教育局（本级）"),          # the department's own office
    ("学生资助", "区教育局学生资助（续建）", "合成县区教育局本级", DEPARTMENT),
])
def test_one_project_year_written_two_ways_is_counted_once(planned: str, evaluated: str, planned_department: str,
                                                           evaluated_department: str) -> None:
    forms = tables([project("d.md#0", "declaration", 565_000.0, planned, department=planned_department),
                    project("s.md#0", "self_evaluation", 565_000.0, evaluated, department=evaluated_department)])
    (row,) = bl.project_years(forms).to_dict("records")
    assert row["n_forms"] == 2 and row["budget_yuan"] == 565_000.0
    assert bl.yoy(forms, by="department")["current_yuan"].tolist() == [565_000.0]
    assert c20(forms).empty  # joined: nothing to flag
    # each form keeps its name and department as written
    assert forms.projects["project_name"].tolist() == [planned, evaluated]


@pytest.mark.parametrize(("first", "second"), [
    ("学生资助", "学生资助信息化建设"),      # a name inside another: maybe two projects, never joined
    ("学校维修（一期）", "学校维修（二期）"),  # phases are projects of their own: not a status word
    ("局务公开", "公开"),                 # 局 alone is not a department's name
    ("教育局", "学生资助"),               # a name that is only the department stays itself
])
def test_names_that_differ_in_what_a_project_is_stay_two_projects(first: str, second: str) -> None:
    forms = tables([project("a.md#0", "declaration", 100_000.0, first),
                    project("b.md#0", "declaration", 200_000.0, second)])
    assert sorted(bl.project_years(forms)["budget_yuan"].tolist()) == [100_000.0, 200_000.0]


def test_the_name_key_pieces() -> None:
    assert normalise_name("学校维修项目（续建）") == normalise_name("学校维修") == "学校维修"
    assert normalise_name("学校维修（一期）") == "学校维修一期"
    assert department_key("合成县 教育局（本级）") == department_key("合成县教育局") == "合成县教育局"
    assert department_key("本级") == "本级"  # nothing left: kept
    assert without_department("县教育局学生资助", "合成县教育局") == "学生资助"
    assert without_department("教育局", "合成县教育局") == "教育局"  # nothing left: kept
    assert without_department("育局培训", "合成县教育局") == "育局培训"  # "育局" ends as 局 does, but is no name
    assert without_department("数据中心机房改造", "区大数据中心") == "机房改造"
    assert without_department("中心机房改造", "区大数据中心") == "中心机房改造"  # two characters: kept
    assert without_department("大数据局", "") == "大数据局"


def test_a_department_prefix_joins_the_forms_of_every_year(tmp_path: Path) -> None:
    """Read from files: the declaration of 2022 names the project 村级补助及运转经费; its self-evaluation
    writes the town's name in front. One project-year, budget 500,000 (the declaration's)."""
    (tmp_path / "decl.md").write_text(DECLARATION, encoding="utf-8")
    (tmp_path / "self.md").write_text(SELF_EVALUATION_ONLY_INITIAL.replace(
        "| 项目名称 | 村级补助及运转经费 |", "| 项目名称 | 棠溪镇人民政府村级补助及运转经费（续建） |"), encoding="utf-8")
    forms = bl.read_forms([tmp_path])
    assert forms.projects["project_name"].tolist() == ["村级补助及运转经费", "棠溪镇人民政府村级补助及运转经费（续建）"]
    (row,) = bl.project_years(forms).to_dict("records")
    assert (row["n_forms"], row["budget_yuan"]) == (2, 500_000.0)
    assert set(forms.findings["check_id"]) & {"C19", "C20"} == set()  # the self-evaluation has its plan


# -- 2. two project-years that may be one: C20 ------------------------------------------------------------


@pytest.mark.parametrize(("planned", "evaluated", "how"), [
    ("学生资助", "学生资助专项资金", "名称一个包含另一个"),
    ("学生资助专项资金", "学生资助", "名称一个包含另一个"),
    ("义务教育学生资助", "学生资助补助", None),    # alike, but neither holds the other: not flagged
    ("资助", "学生资助", None),                 # a name of two characters is inside too many others
])
def test_an_evaluated_and_a_planned_project_year_with_alike_names_are_flagged(planned: str, evaluated: str,
                                                                           how: str | None) -> None:
    forms = tables([project("d.md#0", "declaration", 565_000.0, planned),
                    project("s.md#0", "self_evaluation", 565_000.0, evaluated)])
    assert len(bl.project_years(forms)) == 2  # never joined by likeness
    found = c20(forms)
    if how is None:
        assert found.empty
        return
    (finding,) = found.to_dict("records")
    assert (finding["form_id"], finding["severity"], finding["dimension"]) == ("s.md#0", "warning", "完整性")
    assert finding["message"] == (
        f"本表项目「{evaluated}」（2022 年度，只有自评表）与同年度的「{planned}」（只有申报表）{how}，可能是同一项目"
        "年度：按两个项目计，各项合计中该项目年度可能计了两次；如为同一项目，请统一两表的项目名称或填写项目代码")
    assert finding["location"] == f"project_years: {evaluated} 2022"


def test_c20_needs_the_same_year_department_and_complementary_forms() -> None:
    rows = [
        project("a.md#0", "self_evaluation", 1.0, "学生资助专项资金"),
        project("b.md#0", "declaration", 1.0, "学生资助", year=2021),         # another year
        project("c.md#0", "declaration", 1.0, "学生资助", department="合成县区卫健局"),  # another department
        project("d.md#0", "self_evaluation", 1.0, "学生资助"),                 # both only evaluated
        project("e.md#0", "target", 1.0, "校园安保服务项目"),
        project("f.md#0", "declaration", 1.0, "校园安保服务"),                 # one project-year: target + declaration
        project("g.md#0", "self_evaluation", 1.0, "区教育局校园安保"),          # ... held by the planned one
        project("h.md#0", "target", 1.0, "城区绿化管护", department=None),     # no department: the whole name only
        project("i.md#0", "self_evaluation", 1.0, "城区绿化管护"),
    ]
    found = c20(tables(rows))
    assert found["form_id"].tolist() == ["g.md#0", "i.md#0"]
    messages = found["message"].tolist()
    assert "与同年度的「校园安保服务项目」（只有目标表、申报表）名称一个包含另一个" in messages[0]
    assert "与同年度的「城区绿化管护」（只有目标表）名称相同，其中一表未填部门" in messages[1]


def test_c20_is_on_every_form_of_the_evaluated_project_year_and_can_be_left_out() -> None:
    rows = [project("d.md#0", "declaration", 1.0, "学生资助"),
            project("s1.md#0", "self_evaluation", 1.0, "学生资助专项资金", code="X-1"),
            project("s2.md#0", "self_evaluation", 1.0, "学生资助专项资金", code="X-1")]
    forms = tables(rows)
    assert c20(forms)["form_id"].tolist() == ["s1.md#0", "s2.md#0"]
    assert review_across_forms(forms, bl.ReviewConfig(checks=("C19",)))["check_id"].tolist() == ["C19", "C19"]
    assert review_names_across_projects(forms.projects, bl.ReviewConfig(checks=("C17",))).empty


def test_check_possibly_same_looks_names_up_in_many_projects() -> None:
    """A department-year of 400 planned and 400 evaluated project-years with distinct names: the one
    evaluated name that holds a planned one is found, and no other pair."""
    planned = [f"道路{i:04d}号养护工程" for i in range(400)]
    evaluated = [f"桥梁{i:04d}号检测服务" for i in range(399)] + ["道路0123号养护工程专项"]
    rows = [("p", name, "declaration") for name in planned] + [("e", name, "self_evaluation") for name in evaluated]
    year_forms = pd.DataFrame({
        "project_key": [f"{kind}{i}" for i, (kind, _, _) in enumerate(rows)], "fiscal_year": 2022,
        "form_id": [f"{kind}{i}.md#0" for i, (kind, _, _) in enumerate(rows)],
        "form_type": [form_type for _, _, form_type in rows], "project_name": [name for _, name, _ in rows],
        "department": DEPARTMENT})
    (hit,) = check_possibly_same(year_forms)
    assert (hit.values["name"], hit.values["other"]) == ("道路0123号养护工程专项", "道路0123号养护工程")


def test_a_streamed_parse_flags_c20_over_every_form_at_any_chunking(tmp_path: Path) -> None:
    """The written tables are read a project at a time; C20 compares two projects, so it runs once
    over every form: the same finding as reading the files together, whatever the chunks."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "decl.md").write_text(DECLARATION, encoding="utf-8")
    (folder / "self.md").write_text(SELF_EVALUATION_ONLY_INITIAL.replace(
        "| 项目名称 | 村级补助及运转经费 |", "| 项目名称 | 村级补助及运转经费专项 |"), encoding="utf-8")
    together = bl.read_forms([folder]).findings
    expected = together[together["check_id"] == "C20"].reset_index(drop=True)
    assert expected["form_id"].tolist() == ["self.md#0"]
    out = tmp_path / "out"
    assert cli_main(["parse", str(folder), "--out", str(out), "--format", "parquet"]) == 0
    written = read_written(out, "parquet", "findings")
    pd.testing.assert_frame_equal(written[written["check_id"] == "C20"].reset_index(drop=True), expected,
                                  check_dtype=False)
    for chunk_forms in (1, 10_000):
        found = cross_form_findings_of_written(out, "parquet", chunk_forms=chunk_forms)
        assert found[found["check_id"] == "C20"]["message"].tolist() == expected["message"].tolist()
