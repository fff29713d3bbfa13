"""Batch reports: the report notebooks run with papermill over parsed forms, to HTML and an index.

``run_reports`` is the batch (``budgetlib report``); :mod:`budgetlib.report.sections` gathers what the
notebooks show (defined in ``data``, ``present`` and the ``*_sections`` modules);
:mod:`budgetlib.report.engine` is the papermill engine that runs them.
"""

from budgetlib.report.plan import ReportJob, plan_reports, slugify
from budgetlib.report.runner import BatchResult, ReportOutcome, run_report, run_reports
from budgetlib.report.scenario import ScenarioExplorer, scenario_widgets

__all__ = ["BatchResult", "ReportJob", "ReportOutcome", "ScenarioExplorer", "plan_reports", "run_report", "run_reports",
           "scenario_widgets", "slugify"]
