"""Tables computed from the parsed ones: cost items from the cost-basis text, review findings.

Kept apart from the readers so that a change in an analysis never changes what was read. Both
tables need only each form's own rows, so a streamed batch (one chunk of files at a time) gives the
same rows as reading everything at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from budgetlib.reader import Forms


def add_derived_tables(forms: Forms) -> Forms:
    """Fill ``cost_items`` (from ``projects.cost_basis``) and ``findings`` (checks C1–C16)."""
    from budgetlib.analysis.costbasis import cost_items
    from budgetlib.analysis.review import review

    forms.tables["cost_items"] = cost_items(forms)
    forms.tables["findings"] = review(forms)
    return forms
