"""budgetlib: Chinese project-budget performance forms into tidy pandas tables, and their analyses.

>>> import budgetlib as bl
>>> forms = bl.read_forms(["data/raw"])            # doctest: +SKIP
>>> forms.projects, forms.indicators, forms.errors  # doctest: +SKIP

Every name here is imported on first use (the table ``_LAZY`` says from where), so ``import
budgetlib`` loads nothing else and importing one submodule (``budgetlib.analysis.review``) loads only
what that module needs, not the readers. Code inside the package imports the module that defines a
name, never this facade.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    # reading and the tables
    "Forms": "budgetlib.forms",
    "read_forms": "budgetlib.read",
    "read_form": "budgetlib.read",
    "TABLES": "budgetlib.schema",
    "data_dictionary": "budgetlib.schema",
    "cost_items": "budgetlib.transform.costbasis",
    "parse_cost_basis": "budgetlib.transform.costbasis",
    # analyses
    "project_years": "budgetlib.analysis.project_years",
    "ProjectYearPolicy": "budgetlib.analysis.project_years",
    "yoy": "budgetlib.analysis.yoy",
    "review": "budgetlib.analysis.review",
    "ReviewConfig": "budgetlib.analysis.review",
    "reprice": "budgetlib.analysis.scenarios",
    "sensitivity": "budgetlib.analysis.scenarios",
    "change_quantity": "budgetlib.analysis.scenarios",
    "faster_line": "budgetlib.analysis.scenarios",
    "new_unit_price": "budgetlib.analysis.scenarios",
    "unit_costs": "budgetlib.analysis.unitcost",
    "generate_corpus": "budgetlib.synth",
    # scoring
    "score": "budgetlib.scoring",
    "ScoringPolicy": "budgetlib.scoring",
    "read_actuals": "budgetlib.scoring",
    "write_actuals_template": "budgetlib.scoring",
    "apply_actuals": "budgetlib.scoring",
    # reports and charts
    "charts": "budgetlib.charts",
    "run_reports": "budgetlib.report",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'budgetlib' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = getattr(module, name, module) if module_name.endswith("." + name) else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
