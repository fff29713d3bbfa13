"""Unit costs compared across forms: the same kind of item (per-site broadband, per-unit maintenance)
across projects and years, with outliers marked.

The compared figure is the **effective unit cost**: what the budget pays per counted unit (the
item's amount / quantity, i.e. after any package discount), per month or day when the item is priced
by duration, otherwise per budget year (what a declaration's amount covers). Items are compared
within groups of the same kind (data/cost_item_kinds.csv), the same class of counted unit (处, 点
and 站 are all sites, 台 and 套 devices; data/count_units.csv; 家 and 个 stay apart, because a 家 is
an organisation and a 个 anything) and the same time basis; pass ``group_by`` to compare more finely
(e.g. add ``bandwidth_mbps`` for lines).

An item is an outlier when its unit cost is more than ``factor`` times (or less than 1/``factor`` of)
its group's median **and** unusual for the group: a robust z-score (median and MAD of the log costs)
above ``z_threshold``, or any such deviation when all the others agree exactly. Groups smaller than
``min_group`` have no outliers to speak of: ``is_outlier`` is NA there, not False.

**One cost basis per project-year.** A declaration and a revised target form of the same project and
year often repeat the same cost basis; compared as two items, one project would count twice in its
group's median. Only the items of one form per project-year are compared
(:func:`~budgetlib.analysis.project_years.one_form_each`: its budget form's when that form has a cost
basis, else the first of its other forms in precedence order); forms that belong to no project-year
(a department-wide form, a form without a year) keep their items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from budgetlib.analysis.project_years import DEFAULT_POLICY, ProjectYearPolicy, one_form_each, project_year_forms
from budgetlib.forms import Forms
from budgetlib.vocabulary import count_units

__all__ = ["unit_costs"]

COLUMNS = ["form_id", "project_key", "fiscal_year", "department", "project_name", "item_no", "kind", "description",
           "quantity", "quantity_unit", "unit_class", "time_basis", "bandwidth_mbps", "unit_price_yuan", "price_basis",
           "unit_cost_yuan", "unit_basis", "group_size", "group_median_yuan", "ratio_to_median", "robust_z",
           "is_outlier"]


def _time_basis(row: pd.Series) -> str:
    """The duration unit of an item priced by duration (per month, per day), else '' (the budget year)."""
    if isinstance(row["duration_unit"], str) and not pd.isna(row["duration"]):
        return row["duration_unit"]
    return ""


def _with_unit_cost(items: pd.DataFrame) -> pd.DataFrame:
    units = count_units()
    items = items[items["quantity"].gt(0) & items["amount_yuan"].notna()].copy()
    if items.empty:
        return items.assign(unit_class=pd.Series(dtype="str"), time_basis=pd.Series(dtype="str"),
                            unit_cost_yuan=pd.Series(dtype="float64"), unit_basis=pd.Series(dtype="str"))
    items["unit_class"] = items["quantity_unit"].map(lambda u: units.get(u, u) if isinstance(u, str) else None)
    items["time_basis"] = items.apply(_time_basis, axis=1)
    per_duration = items["duration"].where(items["duration"].notna() & items["duration_unit"].notna(), 1.0)
    items["unit_cost_yuan"] = items["amount_yuan"] / items["quantity"] / per_duration
    per_time = items["time_basis"].map(lambda t: f"/{t}" if t else "")
    items["unit_basis"] = "元/" + items["unit_class"].fillna("") + per_time
    return items


def _mark_outliers(group: pd.DataFrame, factor: float, z_threshold: float, min_group: int) -> pd.DataFrame:
    costs = group["unit_cost_yuan"].astype(float)
    median = float(costs.median())
    logs = np.log(costs.clip(lower=1e-9))
    log_median = float(np.median(logs))
    mad = float(np.median(np.abs(logs - log_median)))
    ratio = costs / median if median > 0 else pd.Series(math.nan, index=group.index)
    z = 0.6745 * (logs - log_median) / mad if mad > 0 else pd.Series(math.nan, index=group.index)
    far = (ratio > factor) | (ratio < 1.0 / factor)
    unusual = z.abs() > z_threshold if mad > 0 else pd.Series(True, index=group.index)
    outlier = pd.array(far & unusual, dtype="boolean")
    if len(group) < min_group:
        outlier = pd.array([pd.NA] * len(group), dtype="boolean")
    return group.assign(group_size=len(group), group_median_yuan=median, ratio_to_median=ratio, robust_z=z,
                        is_outlier=outlier)


def one_basis_per_project_year(forms: Forms, items: pd.DataFrame,
                                policy: ProjectYearPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """``items`` (rows with a ``form_id``) of one form per project-year, and of every form that belongs
    to none (see the module docstring)."""
    if items.empty:
        return items
    forms_of_years = project_year_forms(forms, policy)
    with_items = set(items["form_id"])
    picked = set(one_form_each(forms_of_years, with_items)["form_id"])
    outside = with_items - set(forms_of_years["form_id"])
    return items[items["form_id"].isin(picked | outside)]


def unit_costs(forms: Forms, *, group_by: Sequence[str] = ("kind", "unit_class", "time_basis"), factor: float = 2.0,
               z_threshold: float = 3.5, min_group: int = 3,
               policy: ProjectYearPolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """One row per cost item with a quantity and an amount (of one form per project-year): its
    effective unit cost against its group.

    Columns: the item (form_id, project_key, fiscal_year, department, project_name, item_no, kind, description,
    quantity, quantity_unit, unit_class, time_basis, bandwidth_mbps, unit_price_yuan, price_basis),
    ``unit_cost_yuan`` in ``unit_basis`` (元/处/年 …), and the comparison (group_size,
    group_median_yuan, ratio_to_median, robust_z, is_outlier). Items of unknown kind form their own
    group per unit class. Sorted by group, then unit cost.
    """
    items = one_basis_per_project_year(forms, forms.cost_items, policy)
    if "is_total" in items.columns:
        items = items[~items["is_total"].fillna(False).astype(bool)]
    items = _with_unit_cost(items)
    if items.empty:
        return pd.DataFrame(columns=COLUMNS)
    projects = forms.projects[["form_id", "fiscal_year", "department", "project_name"]]
    keys = project_year_forms(forms, policy)[["form_id", "project_key"]]
    items = items.merge(projects, on="form_id", how="left").merge(keys, on="form_id", how="left")
    keys = list(group_by)
    filled = items[keys].astype("str").fillna("")
    items = items.assign(_group=filled.agg("|".join, axis=1))
    marked = [
        _mark_outliers(group, factor, z_threshold, min_group)
        for _, group in items.groupby("_group", sort=True, dropna=False)
    ]
    out = pd.concat(marked).sort_values(["_group", "unit_cost_yuan"], kind="stable")
    out = out[COLUMNS].reset_index(drop=True)
    return out.astype({"group_size": "Int64", "is_outlier": "boolean", "robust_z": "float64",
                       "ratio_to_median": "float64", "group_median_yuan": "float64"})
