"""Department-wide forms (部门整体) in a batch: a page of their own, listed with their type, never in a
project total."""

from __future__ import annotations

import budgetlib as bl
from budgetlib import schema
from budgetlib.forms import Forms
from budgetlib.report.plan import plan_reports
from budgetlib.report.present import label


def _project(form_id: str, form_type: str, budget: float, name: str | None) -> dict:
    return {"form_id": form_id, "source_file": form_id.split("#")[0], "form_type": form_type, "fiscal_year": 2022,
            "project_name": name, "department": "合成县环境卫生管理处", "project_code": None,
            "current_year_budget_yuan": budget, "budget_as_written": f"{budget:.2f}"}


FORMS = Forms({"projects": schema.frame("projects", [
    _project("p.md#0", "declaration", 500_000.0, "雾炮车降尘抑尘服务"),
    _project("s.md#0", "self_evaluation", 450_000.0, "雾炮车降尘抑尘服务"),
    _project("dept.md#0", "department_target", 26_300_000.0, None),
]), "budget_execution": schema.frame("budget_execution", [])})


def test_a_department_form_has_its_own_page_and_is_in_no_total() -> None:
    years = bl.project_years(FORMS)
    plan = plan_reports(FORMS.projects, "/data", years=years)
    pages = {job.parameters.get("form"): job for job in plan if job.kind == "project"}
    assert set(pages) == {"p.md#0", "s.md#0", "dept.md#0"}
    assert label("form_type", pages["dept.md#0"].summary["form_type"]) == "部门整体绩效目标表"
    assert pages["dept.md#0"].title == "合成县环境卫生管理处 · 部门整体报告"
    annual = [job for job in plan if job.notebook == "annual_report.ipynb"]
    # the declaration and the self-evaluation are one project-year (the self-evaluation's budget);
    # the department's 2,630 万元 is not added to it
    assert [(job.summary["budget_yuan"], job.summary["projects"], job.summary["department_forms"]) for job in annual] \
        == [(450_000.0, 1, 1), (450_000.0, 1, 1)]
    # the pages link each other within the project-year; the department form has none
    assert [stem for stem, _ in pages["p.md#0"].covers] == [pages["s.md#0"].stem]
    assert pages["dept.md#0"].covers == ()


def test_the_plan_names_each_form_once_and_links_each_project_report_to_its_project_years_forms(
        shipped: Forms, monkeypatch) -> None:
    """A batch's links are found once for the batch: each form's link label is made once, not once
    for every report (forms × reports: 10^4 forms would make 10^8 labels), and a project report
    links to the other forms of its project-year."""
    from budgetlib.report import plan

    made: list[object] = []
    original = plan._form_label
    monkeypatch.setattr(plan, "_form_label", lambda row: made.append(row["form_id"]) or original(row))
    years = bl.project_years(shipped)
    jobs = plan_reports(shipped.projects, "/data", years=years)
    assert len(jobs) > len(shipped.projects)  # the annual reports too
    assert sorted(made) == sorted(shipped.projects["form_id"])
    pages = {job.parameters["form"]: job for job in jobs if job.kind == "project"}
    for text in years["form_ids"].dropna():
        ids = text.split(";")
        for form in ids:
            assert {stem for stem, _ in pages[form].covers} == {pages[i].stem for i in ids if i != form}
