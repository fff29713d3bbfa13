"""The names the report notebooks call, gathered in budgetlib.report.sections."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import budgetlib as bl
from budgetlib import schema
from budgetlib.report import scenario, sections
from tests.conftest import SEED, ZHONGJIANG, read_example

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
MODULES = {"sections": sections, "scenario": scenario, "bl": bl}
"""Where the notebooks get their names: ``from budgetlib.report import scenario, sections``, ``import budgetlib as bl``."""


def _section_tables(all_examples):
    """Every section table, computed over the five examples."""
    return [
        sections.funding_lines(all_examples), sections.expenditure_table(all_examples),
        sections.budget_history(all_examples), sections.budget_execution(all_examples),
        sections.indicator_table(all_examples), sections.reading_notes(all_examples), sections.overview(all_examples),
        sections.budget_breakdown(all_examples), sections.forms_list(all_examples),
        sections.indicator_overview(all_examples), sections.self_evaluation_results(all_examples),
        sections.reading_summary(all_examples), sections.read_errors(all_examples),
        sections.project_yoy(all_examples, all_examples), sections.yoy_table(all_examples, "department"),
        sections.yoy_table(all_examples, "economic_category"), sections.cost_basis(all_examples),
        sections.unit_cost_table(all_examples), sections.findings_table(all_examples),
        sections.findings_summary(all_examples), sections.findings_by_form(all_examples),
        sections.score_overview(sections.scores(all_examples)),
        sections.indicator_scores(sections.scores(all_examples), all_examples).data,  # two self-evaluations
        sections.grade_distribution(sections.score_overview(sections.scores(all_examples))),
        sections.project_year_table(all_examples), sections.project_year_list(all_examples),
        sections.largest_projects(all_examples), sections.category_totals(all_examples),
        sections.evaluated_project_years(all_examples),
    ]


def test_every_column_a_section_shows_has_a_chinese_label(all_examples) -> None:
    shown = _section_tables(all_examples)
    unlabelled = {c for table in shown for c in table.columns if sections.label("column", c) == c}
    assert unlabelled == set()
    assert {sections.label("form_type", t) for t in ("declaration", "target", "self_evaluation")} == {
        "项目申报表", "绩效目标表", "绩效自评表"}
    assert set(schema.TABLES["projects"].column_names) >= set(sections.FACT_FIELDS) | set(sections.TEXT_FIELDS)


def _calls(notebook: Path) -> set[tuple[str, str]]:
    """(module alias, attribute) of every ``sections.x`` / ``scenario.x`` / ``bl.x`` in the code cells."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in MODULES:
                found.add((node.value.id, node.attr))
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_name_a_notebook_calls_is_where_it_gets_it(notebook: Path) -> None:
    calls = _calls(notebook)
    assert ("sections", "load_forms") in calls  # the walk finds the calls
    missing = sorted(f"{alias}.{name}" for alias, name in calls if not hasattr(MODULES[alias], name))
    assert missing == []


def test_the_notebooks_call_the_sections_of_their_report() -> None:
    by_notebook = {p.name: {name for alias, name in _calls(p) if alias == "sections"} for p in NOTEBOOKS}
    assert {"project_facts", "funding_lines", "cost_basis", "score_totals", "findings_table"} <= by_notebook[
        "project_report.ipynb"]
    assert {"overview", "budget_breakdown", "yoy_table", "unit_cost_table", "findings_summary", "project_year_list",
            "largest_projects", "category_totals"} <= by_notebook["annual_report.ipynb"]
    assert {"attainment_by_level", "missed_indicators", "unscored_indicators", "evaluated_project_years"} <= by_notebook[
        "indicator_attainment.ipynb"]
    assert {"project_heading", "cost_basis", "table"} <= by_notebook["scenario_explorer.ipynb"]


def test_every_column_a_section_shows_is_declared_with_its_unit(all_examples) -> None:
    items = read_example(SEED).cost_items
    zhongjiang = read_example(ZHONGJIANG)
    shown = [
        *_section_tables(all_examples),
        sections.project_facts(read_example(SEED)),
        sections.attainment_by_level(sections.scores(zhongjiang), zhongjiang),
        sections.indicator_attainment(sections.scores(all_examples), all_examples),
        scenario.scenario_table(bl.reprice(items, baseline=items)),
    ]
    undeclared = {c for table in shown for c in table.columns if schema.column(c) is None}
    assert undeclared == set()
    assert schema.column("unit_cost_yuan").per_unit and not schema.column("amount_yuan").per_unit
