"""What-if cost scenarios on the cost basis: reprice edited items, and each driver's effect on the total.

An analyst copies ``forms.cost_items``, edits what changes (a quantity, a unit price, a package ratio,
an amount) and calls :func:`reprice` with the original as the baseline. The rules:

- An item's scenario amount scales its baseline amount by the ratio of each edited driver
  (quantity, unit price, duration), so the **package ratio is kept** unless the edit sets it:
  700 instead of 655 sites at 100 元 with a 60,000 元 package (ratio 60000/65500) gives
  700 × 100 × 0.916… = 64,122.14 元.
- An item without a unit price ("655 sites, 28 万元") scales by its implied unit cost (427.5 元/site).
- Editing the stated amount (``stated_amount_yuan`` or ``amount_yuan``) sets the item's amount.
- Setting a unit price on an item that had none prices it as quantity × price (× the edited ratio,
  else 1).
- A row added to the edited table is a new item (baseline 0); a baseline row left out is dropped
  (scenario 0).
- A group of the cost basis (an item with parts, ``parent_item``: "1.人员经费72万元：（1）…（2）…") is the
  sum of its parts in the scenario, and the form's total counts each cost once: the items that have
  no parts. The baseline total is summed the same way, so an unchanged table differs by nothing.

The one-call helpers build the edited table for the scenarios an analyst tries first: more units
(:func:`change_quantity`), a faster line at a new price (:func:`faster_line`), a new unit price
(:func:`new_unit_price`). Each says in its result which items it changed (the ``changed`` column).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from budgetlib.formatting import format_number

__all__ = ["change_quantity", "faster_line", "new_unit_price", "reprice", "sensitivity"]

KEY = ["form_id", "item_no"]
SCALING_DRIVERS = ("quantity", "unit_price_yuan", "duration")
AMOUNT_DRIVERS = ("stated_amount_yuan", "amount_yuan")
DESCRIPTIVE = ("bandwidth_mbps",)
"""Edits reported in ``changed`` that do not price anything by themselves."""
RESULT_COLUMNS = ["form_id", "item_no", "description", "kind", "is_total", "changed", "baseline_yuan",
                  "scenario_yuan", "difference_yuan"]


def _value(row: Any, column: str) -> float | None:
    value = row.get(column) if isinstance(row, dict) else getattr(row, column, None)
    if value is None or pd.isna(value):
        return None
    return float(value)


def _differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > 1e-9 * max(1.0, abs(b))


def _fmt(value: float | None) -> str:
    """A figure in a scenario's notes ("quantity 655→700"); an input left empty reads NA."""
    return format_number(value, missing="NA")


def _scenario_amount(base: dict[str, Any], edit: dict[str, Any]) -> tuple[float | None, list[str]]:
    """The edited item's amount, and the edits that made it (``"quantity 655→700"``)."""
    drivers = (*SCALING_DRIVERS, "package_ratio", *AMOUNT_DRIVERS)
    changed = [c for c in drivers if _differs(_value(edit, c), _value(base, c))]
    described = [*changed, *(c for c in DESCRIPTIVE if _differs(_value(edit, c), _value(base, c)))]
    notes = [f"{c} {_fmt(_value(base, c))}→{_fmt(_value(edit, c))}" for c in described]
    baseline = _value(base, "amount_yuan")
    if not changed:
        return baseline, notes
    if "amount_yuan" in changed:
        return _value(edit, "amount_yuan"), notes
    if "stated_amount_yuan" in changed:
        return _value(edit, "stated_amount_yuan"), notes
    price, base_price = _value(edit, "unit_price_yuan"), _value(base, "unit_price_yuan")
    ratio = _value(edit, "package_ratio") if "package_ratio" in changed else _value(base, "package_ratio")
    if price is not None and base_price is None:
        amount = price  # a unit price set on an item that had none: quantity × price × ratio
        for column in ("quantity", "duration"):
            if _value(edit, column) is not None:
                amount *= _value(edit, column)  # type: ignore[operator]
        return amount * (ratio if ratio is not None else 1.0), notes
    if baseline is None:
        return None, notes
    amount = baseline
    for column in SCALING_DRIVERS:
        before, after = _value(base, column), _value(edit, column)
        if column in changed:
            if not before or after is None:
                return None, notes  # nothing to scale from: the scenario amount is unknown
            amount *= after / before
    if "package_ratio" in changed:
        base_ratio = _value(base, "package_ratio")
        if ratio is None:
            return None, notes
        amount *= ratio / base_ratio if base_ratio else ratio  # without a package, the amount was the list
    return amount, notes


def reprice(edited_cost_items: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """Per item and per form in total: the baseline amount, the scenario amount and the difference.

    ``edited_cost_items`` is a copy of ``baseline`` (the ``cost_items`` table) with some values changed;
    items are matched on (form_id, item_no). Total lines of the cost basis are ignored. The result
    has one row per item and one total row per form (``is_total``, description 合计), with
    ``changed`` listing each item's edits. See the module docstring for the rules.

    >>> import budgetlib as bl
    >>> items = bl.read_form("seed.md").cost_items                                      # doctest: +SKIP
    >>> edited = items.copy(); edited.loc[edited.item_no == 2, "quantity"] = 700        # doctest: +SKIP
    >>> bl.reprice(edited, baseline=items)                                              # doctest: +SKIP
    """
    base_rows = _items_only(baseline)
    edit_rows = _items_only(edited_cost_items)
    base_by_key = {(r["form_id"], r["item_no"]): r for r in base_rows.to_dict("records")}
    edit_by_key = {(r["form_id"], r["item_no"]): r for r in edit_rows.to_dict("records")}
    keys = list(base_by_key) + [k for k in edit_by_key if k not in base_by_key]
    records = []
    for key in keys:
        base, edit = base_by_key.get(key), edit_by_key.get(key)
        baseline_amount: float | None
        scenario: float | None
        if base is None:
            edit = edit_by_key[key]  # a key that is not the baseline's is the edit's
            amount = _value(edit, "amount_yuan")
            if amount is None and _value(edit, "unit_price_yuan") is not None:
                amount = _scenario_amount({}, edit)[0]
            row, baseline_amount, scenario, changed = edit, 0.0, amount, "new item"
        elif edit is None:
            row, baseline_amount, scenario, changed = base, _value(base, "amount_yuan"), 0.0, "removed"
        else:
            scenario, notes = _scenario_amount(base, edit)
            row, baseline_amount, changed = edit, _value(base, "amount_yuan"), "; ".join(notes)
        records.append({
            "form_id": key[0], "item_no": key[1], "description": row.get("description"), "kind": row.get("kind"),
            "is_total": False, "changed": changed or None, "baseline_yuan": baseline_amount,
            "scenario_yuan": scenario,
            "difference_yuan": None if scenario is None or baseline_amount is None else scenario - baseline_amount,
        })
    _groups_as_their_parts(records, {**base_by_key, **edit_by_key})
    counted = [record for record in records if not record.pop("_group")]
    items = pd.DataFrame.from_records(records, columns=RESULT_COLUMNS)
    counted_items = pd.DataFrame.from_records(counted, columns=RESULT_COLUMNS)
    totals = [
        {"form_id": form_id, "item_no": None, "description": "合计", "kind": None, "is_total": True,
         "changed": "; ".join(f"#{n}: {c}" for n, c in zip(group["item_no"], group["changed"], strict=True)
                              if isinstance(c, str)) or None,
         "baseline_yuan": group["baseline_yuan"].sum(min_count=1),
         "scenario_yuan": group["scenario_yuan"].sum(min_count=1),
         "difference_yuan": group["scenario_yuan"].sum(min_count=1) - group["baseline_yuan"].sum(min_count=1)}
        for form_id, group in counted_items.groupby("form_id", sort=False)
    ]
    out = pd.concat([items, pd.DataFrame.from_records(totals, columns=RESULT_COLUMNS)], ignore_index=True)
    out = out.astype({"form_id": "str", "item_no": "Int64", "description": "str", "kind": "str", "is_total": "boolean",
                      "changed": "str", "baseline_yuan": "float64", "scenario_yuan": "float64",
                      "difference_yuan": "float64"})
    order = {form_id: i for i, form_id in enumerate(dict.fromkeys(out["form_id"]))}
    out = out.assign(_form=out["form_id"].map(order)).sort_values(["_form", "is_total"], kind="stable")
    return out.drop(columns="_form").reset_index(drop=True)


def _groups_as_their_parts(records: list[dict[str, Any]], rows: dict[tuple[Any, Any], dict[str, Any]]) -> None:
    """Mark each record that is a group of the cost basis (``_group``) and set its scenario amount to the
    sum of its parts' (a part edited changes its group; the group's own figures are the form's, as written).
    Groups nest ("一、" over "1." over "（1）"), so the parts of a part are summed first."""
    parts: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for record in records:
        parent = _value(rows[(record["form_id"], record["item_no"])], "parent_item")
        if parent is not None:
            parts.setdefault((record["form_id"], int(parent)), []).append(record)
    by_key = {(record["form_id"], record["item_no"]): record for record in records}

    def scenario_of(key: tuple[Any, Any]) -> float | None:
        record = by_key[key]
        if key not in parts:
            return record["scenario_yuan"]
        amounts = [scenario_of((part["form_id"], part["item_no"])) for part in parts[key]]
        total = None if any(amount is None for amount in amounts) else float(sum(a for a in amounts if a is not None))
        baseline = record["baseline_yuan"]
        record["scenario_yuan"] = total
        record["difference_yuan"] = None if total is None or baseline is None else total - baseline
        return total

    for record in records:
        key = (record["form_id"], record["item_no"])
        record["_group"] = key in parts
        if key in parts:
            scenario_of(key)


def _without_groups(items: pd.DataFrame) -> pd.DataFrame:
    """One form's items less those that have parts (``parent_item`` of another item)."""
    if "parent_item" not in items.columns:
        return items
    groups = set(items["parent_item"].dropna().astype(int))
    return items[~items["item_no"].isin(groups)]


def _items_only(cost_items: pd.DataFrame) -> pd.DataFrame:
    if "is_total" in cost_items.columns:
        return cost_items[~cost_items["is_total"].fillna(False).astype(bool)]
    return cost_items


def total_of(result: pd.DataFrame, form_id: str | None = None) -> pd.Series:
    """The total row of a :func:`reprice` result (of ``form_id``, or of the only form)."""
    totals = result[result["is_total"].fillna(False).astype(bool)]
    if form_id is not None:
        totals = totals[totals["form_id"] == form_id]
    if len(totals) != 1:
        raise ValueError(f"expected one form's total, found {len(totals)}; pass form_id")
    return totals.iloc[0]


# -- selecting items --------------------------------------------------------------------------------


def _select(cost_items: pd.DataFrame, *, form_id: str | None = None, items: Iterable[int] | None = None,
            kind: str | None = None) -> pd.Series:
    mask = ~cost_items["is_total"].fillna(False).astype(bool) if "is_total" in cost_items else pd.Series(
        True, index=cost_items.index)
    if form_id is not None:
        mask &= cost_items["form_id"] == form_id
    if items is not None:
        mask &= cost_items["item_no"].isin(list(items))
    if kind is not None:
        mask &= cost_items["kind"] == kind
    return mask.fillna(False).astype(bool)


def _require(mask: pd.Series, what: str) -> None:
    if not mask.any():
        raise ValueError(f"no cost item matches {what}")


# -- the scenarios an analyst tries first -----------------------------------------------------------


def change_quantity(cost_items: pd.DataFrame, from_quantity: float, to_quantity: float, *,
                    items: Sequence[int] | None = None, form_id: str | None = None) -> pd.DataFrame:
    """More (or fewer) units: every item counting ``from_quantity`` units now counts ``to_quantity``.

    "More villages connected" on the seed (655 → 700 社区/村) scales **both** items that count the 655
    villages by default: the per-village maintenance (item 2, 60,000 → 64,122 元, package ratio kept)
    and the broadband lines (item 3, 280,000 → 299,237 元 at the implied 427.5 元 a site), because a
    newly connected village needs a line as well as its maintenance; the total becomes 523,359 元.
    Pass ``items=[2]`` to scale only the maintenance (total 504,122 元). The result's ``changed``
    column lists the items scaled.
    """
    mask = _select(cost_items, form_id=form_id, items=items) & (cost_items["quantity"] == from_quantity)
    _require(mask, f"quantity {from_quantity}" + (f" among items {list(items)}" if items is not None else ""))
    edited = cost_items.copy()
    edited.loc[mask, "quantity"] = float(to_quantity)
    return reprice(edited, baseline=cost_items)


def faster_line(cost_items: pd.DataFrame, *, mbps: float, unit_price_yuan: float | None = None,
                price_factor: float | None = None, items: Sequence[int] | None = None,
                form_id: str | None = None) -> pd.DataFrame:
    """A faster line at a higher price: broadband items (or ``items``) get ``mbps`` and a new price.

    Give the new price per unit (``unit_price_yuan``, e.g. 600 元 a site a year: quantity × price, the
    item's package ratio kept where it has one) or as a factor on the current amount (``price_factor``).
    Bandwidth alone does not price a line, so one of the two is required.
    """
    if (unit_price_yuan is None) == (price_factor is None):
        raise ValueError("give exactly one of unit_price_yuan or price_factor")
    mask = _select(cost_items, form_id=form_id, items=items, kind=None if items is not None else "broadband")
    _require(mask, "a broadband item" if items is None else f"items {list(items)}")
    edited = cost_items.copy()
    edited.loc[mask, "bandwidth_mbps"] = float(mbps)
    if unit_price_yuan is not None:
        edited.loc[mask, "unit_price_yuan"] = float(unit_price_yuan)
    else:
        edited.loc[mask, "amount_yuan"] = edited.loc[mask, "amount_yuan"] * float(price_factor)  # type: ignore[arg-type]
    return reprice(edited, baseline=cost_items)


def new_unit_price(cost_items: pd.DataFrame, unit_price_yuan: float | None = None, *, factor: float | None = None,
                   items: Sequence[int] | None = None, kind: str | None = None,
                   form_id: str | None = None) -> pd.DataFrame:
    """A new unit price (e.g. a new maintenance price) on the chosen items that have a unit price.

    ``unit_price_yuan`` sets one price (choose the items: prices differ between items); ``factor``
    moves each item's own price (``kind="maintenance", factor=1.1``: every maintenance price +10%).
    The package ratio is kept.
    """
    if (unit_price_yuan is None) == (factor is None):
        raise ValueError("give exactly one of unit_price_yuan or factor")
    if unit_price_yuan is not None and items is None:
        raise ValueError("a single new unit price needs the items it applies to (items=[…])")
    mask = _select(cost_items, form_id=form_id, items=items, kind=kind) & cost_items["unit_price_yuan"].notna()
    _require(mask, "an item with a unit price")
    edited = cost_items.copy()
    if unit_price_yuan is not None:
        edited.loc[mask, "unit_price_yuan"] = float(unit_price_yuan)
    else:
        edited.loc[mask, "unit_price_yuan"] = edited.loc[mask, "unit_price_yuan"] * float(factor)  # type: ignore[arg-type]
    return reprice(edited, baseline=cost_items)


# -- sensitivity ------------------------------------------------------------------------------------


def _drivers(items: pd.DataFrame) -> list[tuple[str, str, pd.Series, str]]:
    """(driver name, items, mask, column) for one form's items."""
    drivers = []
    counted = items[items["quantity"].notna()]
    for (value, unit), group in counted.groupby(["quantity", "quantity_unit"], sort=False, dropna=False):
        numbers = "、".join(str(n) for n in group["item_no"])
        drivers.append((f"数量 {_fmt(value)} {unit if isinstance(unit, str) else ''}".strip(), numbers,
                        items.index.isin(group.index), "quantity"))
    for row in items.itertuples():
        if not pd.isna(row.unit_price_yuan):
            basis = row.price_basis if isinstance(row.price_basis, str) else "元"
            drivers.append((f"单价 第 {row.item_no} 项 {_fmt(row.unit_price_yuan)} {basis}", str(row.item_no),
                            items.index == row.Index, "unit_price_yuan"))
        elif pd.isna(row.quantity) and not pd.isna(row.amount_yuan):
            drivers.append((f"金额 第 {row.item_no} 项", str(row.item_no), items.index == row.Index, "amount_yuan"))
        elif not pd.isna(row.amount_yuan):
            drivers.append((f"单位成本 第 {row.item_no} 项", str(row.item_no), items.index == row.Index, "amount_yuan"))
    return drivers


def sensitivity(cost_items: pd.DataFrame, pct: float = 0.1) -> pd.DataFrame:
    """Each driver's effect on a form's total when it moves by ±``pct`` (the data of a tornado chart).

    Drivers are the quantities (one driver for all items counting the same number of the same unit,
    e.g. the 655 villages of items 2 and 3), each unit price, and the amount of each item without a
    unit price. Each is repriced with the rules of :func:`reprice`. Rows are sorted by swing
    (high − low), largest first, within each form.
    """
    columns = ["form_id", "driver", "items", "column", "baseline_total_yuan", "low_total_yuan", "high_total_yuan",
               "low_change_yuan", "high_change_yuan", "swing_yuan"]
    records = []
    for form_id, items in _items_only(cost_items).groupby("form_id", sort=False):
        items = _without_groups(items)  # a group is its parts: each cost counted once
        rows = items.to_dict("records")
        baseline_total = items["amount_yuan"].sum(min_count=1)
        for name, numbers, mask, column in _drivers(items):
            totals = []
            for factor in (1 - pct, 1 + pct):
                total = 0.0
                for row, selected in zip(rows, mask, strict=True):
                    edit = {**row, column: row[column] * factor} if selected else row
                    amount = _scenario_amount(row, edit)[0] if selected else _value(row, "amount_yuan")
                    total += amount or 0.0
                totals.append(total)
            low, high = totals
            records.append({"form_id": form_id, "driver": name, "items": numbers, "column": column,
                            "baseline_total_yuan": baseline_total, "low_total_yuan": low, "high_total_yuan": high,
                            "low_change_yuan": low - baseline_total, "high_change_yuan": high - baseline_total,
                            "swing_yuan": abs(high - low)})
    out = pd.DataFrame.from_records(records, columns=columns)
    if out.empty:
        return out
    order = {form_id: i for i, form_id in enumerate(dict.fromkeys(out["form_id"]))}
    out = out.assign(_form=out["form_id"].map(order)).sort_values(["_form", "swing_yuan"], ascending=[True, False],
                                                                  kind="stable")
    return out.drop(columns="_form").reset_index(drop=True)
