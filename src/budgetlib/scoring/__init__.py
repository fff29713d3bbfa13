"""Self-evaluation scoring: indicator attainment, budget execution, totals and grades.

>>> import budgetlib as bl
>>> forms = bl.read_forms(["data/raw/2023"])                                   # doctest: +SKIP
>>> bl.write_actuals_template(forms, "actuals.xlsx")                          # doctest: +SKIP
>>> result = bl.score(forms, bl.ScoringPolicy(rounding="whole"), actuals="actuals.xlsx")  # doctest: +SKIP
>>> result.forms, result.indicators, result.execution, result.flags           # doctest: +SKIP

The rules are in :class:`ScoringPolicy` (defaults: the national rule, 财预〔2020〕10号).
"""

from __future__ import annotations

from budgetlib.scoring.actuals import apply_actuals, read_actuals, write_actuals_template
from budgetlib.scoring.engine import ScoreResult, score
from budgetlib.scoring.policy import ScoringPolicy

__all__ = ["ScoreResult", "ScoringPolicy", "apply_actuals", "read_actuals", "score", "write_actuals_template"]
