"""The synthetic corpus's ground truth per project-year, derived from its manifest by the documented
precedence (not by budgetlib): what every project-year total must come to."""

from __future__ import annotations

import pandas as pd

RANK = {"self_evaluation": 0, "target": 1, "declaration": 2}
"""The default precedence by form type (ProjectYearPolicy): self-evaluation, target form, declaration."""


def expected_project_years(manifest: pd.DataFrame) -> pd.DataFrame:
    """One row per project_key × fiscal_year of the manifest: department, the forms, and the budget
    the precedence gives (the first form, by rank, whose amount has a stated unit; NA when none has),
    with the form type it comes from."""
    rows = manifest.assign(_rank=manifest["form_type"].map(RANK),
                           _known=manifest["budget_yuan"].where(manifest["budget_unit"] != ""))
    records = []
    for (key, year), group in rows.sort_values(["_rank", "file"]).groupby(["project_key", "fiscal_year"], sort=True):
        known = group.dropna(subset=["_known"])
        records.append({
            "project_key": key, "fiscal_year": int(year), "department": group["department"].iloc[0],
            "n_forms": len(group), "budget_yuan": float(known["_known"].iloc[0]) if len(known) else float("nan"),
            "budget_form_type": known["form_type"].iloc[0] if len(known) else None,
        })
    return pd.DataFrame.from_records(records)

