"""What the report notebooks call, under one name: ``from budgetlib.report import sections``.

The notebooks stay thin (parameters, calls, prose, results); everything they compute lives in the
package, so that it is tested, shared between notebooks, and the same in JupyterLab and in a batch
run. It is defined in layers, each importing only those below it:

================================================  ==============================================
:mod:`budgetlib.report.data`                      loading (and caching across forks) the tables;
                                                  selecting the forms of a report
:mod:`budgetlib.report.present`                   a table as a reader sees it: labels, formats by
                                                  each column's unit, text and HTML tables
:mod:`budgetlib.report.shared_sections`           sections more than one notebook shows
:mod:`budgetlib.report.project_sections`          the project report (and the scenario explorer's
                                                  heading and cost basis)
:mod:`budgetlib.report.annual_sections`           the annual report
:mod:`budgetlib.report.attainment_sections`       the indicator-attainment report
:mod:`budgetlib.report.scenario`                  the scenario explorer's widgets and tables
================================================  ==============================================

This module only gathers their names; code in the package imports the defining module instead.
"""

from __future__ import annotations

from budgetlib.report.annual_sections import (
    UNIT_COST_TABLE,
    budget_breakdown,
    budget_breakdown_chart,
    category_totals,
    finding_counts,
    findings_by_form,
    findings_summary,
    forms_list,
    indicator_overview,
    largest_projects,
    largest_projects_chart,
    overview,
    project_labels,
    project_year_list,
    project_year_table,
    read_errors,
    reading_summary,
    self_evaluation_results,
    unit_cost_chart,
    unit_cost_table,
    yoy_table,
)
from budgetlib.report.attainment_sections import (
    ATTAINMENT_COLUMNS,
    attainment_by_level,
    attainment_heading,
    evaluated_project_years,
    indicator_attainment,
    missed_chart,
    missed_indicators,
    unscored_indicators,
)
from budgetlib.report.data import (
    load_forms,
    load_project_years,
    one_form,
    preload,
    select_forms,
    write_project_years,
)
from budgetlib.report.present import EMPTY, Table, display_width, heading, label, present, prose, table, text_table
from budgetlib.report.project_sections import (
    COST_COLUMNS,
    FACT_FIELDS,
    FINDING_COLUMNS,
    INDICATOR_SCORE_COLUMNS,
    TEXT_FIELDS,
    attainment_chart,
    budget_execution,
    cost_basis,
    cost_chart,
    findings_table,
    funding_chart,
    funding_lines,
    has_actuals,
    indicator_scores,
    indicator_table,
    project_facts,
    project_heading,
    project_texts,
    project_yoy,
    reading_notes,
    score_totals,
)
from budgetlib.report.shared_sections import (
    NOT_GRADED,
    SCORE_OVERVIEW_COLUMNS,
    SEVERITY_ORDER,
    YOY_COLUMNS,
    annual_heading,
    budget_history,
    budget_history_chart,
    expenditure_chart,
    expenditure_table,
    grade_distribution,
    largest_changes,
    score_chart,
    score_overview,
    scores,
    yoy_chart,
    yoy_long,
)

__all__ = [
    "ATTAINMENT_COLUMNS",
    "COST_COLUMNS",
    "EMPTY",
    "FACT_FIELDS",
    "FINDING_COLUMNS",
    "INDICATOR_SCORE_COLUMNS",
    "NOT_GRADED",
    "SCORE_OVERVIEW_COLUMNS",
    "SEVERITY_ORDER",
    "TEXT_FIELDS",
    "UNIT_COST_TABLE",
    "YOY_COLUMNS",
    "Table",
    "annual_heading",
    "attainment_by_level",
    "attainment_chart",
    "attainment_heading",
    "budget_breakdown",
    "budget_breakdown_chart",
    "budget_execution",
    "budget_history",
    "budget_history_chart",
    "category_totals",
    "cost_basis",
    "cost_chart",
    "display_width",
    "evaluated_project_years",
    "expenditure_chart",
    "expenditure_table",
    "finding_counts",
    "findings_by_form",
    "findings_summary",
    "findings_table",
    "forms_list",
    "funding_chart",
    "funding_lines",
    "grade_distribution",
    "has_actuals",
    "heading",
    "indicator_attainment",
    "indicator_overview",
    "indicator_scores",
    "indicator_table",
    "label",
    "largest_changes",
    "largest_projects",
    "largest_projects_chart",
    "load_forms",
    "load_project_years",
    "missed_chart",
    "missed_indicators",
    "one_form",
    "overview",
    "preload",
    "present",
    "project_facts",
    "project_heading",
    "project_labels",
    "project_texts",
    "project_year_list",
    "project_year_table",
    "project_yoy",
    "prose",
    "read_errors",
    "reading_notes",
    "reading_summary",
    "score_chart",
    "score_overview",
    "score_totals",
    "scores",
    "select_forms",
    "self_evaluation_results",
    "table",
    "text_table",
    "unit_cost_chart",
    "unit_cost_table",
    "unscored_indicators",
    "write_project_years",
    "yoy_chart",
    "yoy_long",
    "yoy_table",
]
