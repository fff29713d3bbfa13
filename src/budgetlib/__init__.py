"""budgetlib: Chinese project-budget performance forms into tidy pandas tables, and their analyses.

>>> import budgetlib as bl
>>> forms = bl.read_forms(["data/raw"])            # doctest: +SKIP
>>> forms.projects, forms.indicators, forms.errors  # doctest: +SKIP

Analyses are imported on first use, so ``import budgetlib`` stays cheap for batch workers.
"""

from __future__ import annotations

import importlib
from typing import Any

from budgetlib.reader import Forms, read_form, read_forms
from budgetlib.schema import TABLES, data_dictionary

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    # analyses
    "cost_items": "budgetlib.analysis.costbasis",
    "parse_cost_basis": "budgetlib.analysis.costbasis",
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

__all__ = ["TABLES", "Forms", "__version__", "data_dictionary", "read_form", "read_forms", *_LAZY]


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
