"""The scenario explorer: one form's cost basis as editable quantities and prices, with live totals.

The notebook stays thin: :func:`scenario_widgets` builds the inputs (an ``IntText`` per quantity, a
``FloatText`` per unit price, and per amount where an item states no price, each with a slider) and wires them to
``bl.reprice`` (the totals) and ``bl.sensitivity`` (the tornado chart). Without a browser (papermill,
nbval) the widgets show their text form and the default values give the baseline; the tables and the
chart are also plain functions (:func:`scenario_table`, :func:`tornado_chart`) so the batch and the
tests see the same numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from IPython.display import Markdown, clear_output, display
from matplotlib.figure import Figure

from budgetlib import charts
from budgetlib.analysis.scenarios import change_quantity, new_unit_price, reprice, sensitivity
from budgetlib.formatting import format_number, format_percent, is_missing
from budgetlib.report.present import Table

log = logging.getLogger(__name__)

SCENARIO_COLUMNS: tuple[str, ...] = (
    "item_no", "description", "baseline_yuan", "scenario_yuan", "difference_yuan", "changed",
)

EDITABLE: tuple[tuple[str, str], ...] = (
    ("quantity", "数量"),
    ("unit_price_yuan", "单价（元）"),
)
"""The inputs of an item, in order; an item with neither a quantity nor a unit price gets its amount."""


def items_of(cost_items: pd.DataFrame) -> pd.DataFrame:
    """The items a scenario edits: the cost basis without its total lines."""
    return cost_items[~cost_items["is_total"].fillna(False).astype(bool)].reset_index(drop=True)


def scenario_table(result: pd.DataFrame) -> pd.DataFrame:
    """A ``bl.reprice`` result as a reader sees it: each item's baseline and scenario amount, the
    difference and what was changed; the form's total last."""
    return result[list(SCENARIO_COLUMNS)].reset_index(drop=True)


def tornado_chart(cost_items: pd.DataFrame, pct: float = 0.1) -> Figure | None:
    """Which input moves the total most: each driver ±``pct`` (``bl.sensitivity``) as a tornado."""
    drivers = sensitivity(items_of(cost_items), pct=pct)
    if drivers.empty:
        return None
    return charts.tornado(drivers, parameter="driver", base_column="baseline_total_yuan",
                          title=f"敏感性分析：各输入 ±{format_percent(pct, 0)}")


@dataclass(frozen=True)
class Preset:
    """A scenario made from a form's own items: its title, what it changes, and its ``bl.reprice``
    result (None, with ``why_not``, when the form has nothing it could change)."""

    title: str
    what: str
    result: pd.DataFrame | None
    why_not: str = ""


def _driving_quantity(items: pd.DataFrame) -> tuple[float, str, list[int]] | None:
    """The quantity that counts the most items (on a tie, the one whose items cost most), its unit and
    those items: the form's main volume driver (the seed's 655 villages, counted by items 2 and 3)."""
    counted = items[items["quantity"].notna()]
    if counted.empty:
        return None
    groups = counted.groupby(["quantity", "quantity_unit"], sort=False, dropna=False)
    (quantity, unit), group = max(groups, key=lambda kv: (len(kv[1]), kv[1]["amount_yuan"].sum(min_count=1) or 0.0))
    return float(quantity), unit if isinstance(unit, str) else "", [int(n) for n in group["item_no"]]


def _moved(quantity: float, change: float) -> float:
    """A quantity moved by ``change``: a count stays a whole number (655 +10% is 721)."""
    moved = quantity * (1 + change)
    return float(round(moved)) if float(quantity).is_integer() else moved


def presets(cost_items: pd.DataFrame, change: float = 0.1) -> list[Preset]:
    """The scenarios an analyst tries first, made from the form's own items rather than a fixed list:

    1. its main volume driver (the quantity that counts the most items) moved by ``change``;
    2. every unit price the form states moved by ``change`` (the package ratios kept).

    On the seed with ``change`` 0.1: 655 → 721 villages scales items 2 and 3 (total 534,259.54 元);
    prices +10% move items 1 and 2 (total 516,000 元). A form without quantities or prices gets the
    preset with the reason it cannot apply, never an error.
    """
    items = items_of(cost_items)
    shown = format_percent(change, 0)
    found: list[Preset] = []
    driver = _driving_quantity(items)
    title = f"情景一：主要数量变动 {shown}"
    if driver is None:
        found.append(Preset(title, "", None, "本表测算依据未列数量，无法作数量情景"))
    else:
        quantity, unit, numbers = driver
        target = _moved(quantity, change)
        what = (f"按 {format_number(quantity)} {unit}计的各项（第 {'、'.join(map(str, numbers))} 项）改按 "
                f"{format_number(target)} {unit}计")
        found.append(Preset(title, what, change_quantity(items, quantity, target)))
    title = f"情景二：各项单价变动 {shown}"
    priced = items[items["unit_price_yuan"].notna()]
    if priced.empty:
        found.append(Preset(title, "", None, "本表测算依据未列单价，无法作单价情景"))
    else:
        what = f"第 {'、'.join(str(n) for n in priced['item_no'])} 项的单价各乘以 {format_number(1 + change)}"
        found.append(Preset(title, what, new_unit_price(items, factor=1 + change)))
    return found


def show_presets(cost_items: pd.DataFrame, change: float = 0.1) -> None:
    """Each preset of :func:`presets` as a heading, a line saying what it changes, and its table."""
    if items_of(cost_items).empty:
        display(Markdown("（本表未列测算依据，无法作情景分析）"))
        return
    for preset in presets(cost_items, change):
        display(Markdown(f"### {preset.title}\n\n{preset.what or preset.why_not}。"))
        if preset.result is not None:
            display(Table(scenario_table(preset.result)))


def with_scenario_amounts(edited: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """The edited items carrying their scenario amounts, so a sensitivity around the scenario starts
    from the scenario's total rather than the baseline's."""
    amounts = result[~result["is_total"].fillna(False).astype(bool)].set_index(["form_id", "item_no"])["scenario_yuan"]
    keys = list(zip(edited["form_id"], edited["item_no"], strict=True))
    return edited.assign(amount_yuan=[amounts.get(k, a) for k, a in zip(keys, edited["amount_yuan"], strict=True)])


def _inputs_for(row: dict[str, Any]) -> list[tuple[str, str]]:
    wanted = [(column, name) for column, name in EDITABLE if not pd.isna(row.get(column))]
    return wanted or [("amount_yuan", "金额（元）")]


@dataclass
class ScenarioExplorer:
    """The widgets of one form's scenario and what they compute; shown as its widget box."""

    baseline: pd.DataFrame
    inputs: dict[tuple[int, str], Any] = field(default_factory=dict)
    box: Any = None
    output: Any = None

    def edited(self) -> pd.DataFrame:
        """The cost items with the values now in the inputs."""
        edited = self.baseline.copy()
        for (position, column), widget in self.inputs.items():
            edited.loc[position, column] = float(widget.value)
        return edited

    def result(self) -> pd.DataFrame:
        """``bl.reprice`` of the inputs against the baseline."""
        return reprice(self.edited(), baseline=self.baseline)

    def refresh(self, _change: object = None) -> None:
        """Redraw the totals and the tornado chart (called on every edit)."""
        result = self.result()
        with self.output:
            clear_output(wait=True)
            display(Table(scenario_table(result)))
            chart = tornado_chart(with_scenario_amounts(self.edited(), result))
            if chart is not None:
                display(chart)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)


SLIDER_SPAN = 3.0
"""A slider runs from 0 to this many times the form's own value (100 where that is 0); typing a
larger value in the number box moves the slider's end."""


def slider_range(value: float) -> float:
    """The upper end of an input's slider.

    >>> slider_range(655), slider_range(0), slider_range(91.6)
    (1965.0, 100.0, 274.8)
    """
    return round(float(value) * SLIDER_SPAN, 2) if value and value > 0 else 100.0


def _slider_for(widgets: Any, box: Any, whole: bool) -> Any:
    """A slider beside ``box`` (the number box stays the input the totals follow): moving it sets the
    box; typing in the box moves it, past its end if need be."""
    top = slider_range(box.value)
    slider = (widgets.IntSlider(value=box.value, min=0, max=max(1, round(top)), readout=False) if whole
              else widgets.FloatSlider(value=box.value, min=0.0, max=top, step=top / 200, readout=False))

    def from_slider(change: Any) -> None:
        box.value = change["new"]

    def from_box(change: Any) -> None:
        value = change["new"]
        if value > slider.max:
            slider.max = round(value * 2) if whole else value * 2
        if value >= slider.min:
            slider.value = value

    slider.observe(from_slider, names="value")
    box.observe(from_box, names="value")
    return slider


def scenario_widgets(cost_items: pd.DataFrame) -> ScenarioExplorer:
    """Inputs for each cost item's quantity (``IntText``) and unit price (``FloatText``), or its amount
    where it states neither, each with a slider beside it, wired to live totals and a tornado chart.

    ``cost_items`` is one form's ``cost_items`` table. The inputs start at the form's own values, so
    the first totals are the baseline.
    """
    import ipywidgets as widgets  # only the scenario explorer needs widgets: kept out of every other report

    baseline = items_of(cost_items)
    explorer = ScenarioExplorer(baseline=baseline, output=widgets.Output())
    rows = []
    for position, row in enumerate(baseline.to_dict("records")):
        fields = []
        for column, name in _inputs_for(row):
            value = row[column]
            start = 0 if is_missing(value) else value
            widget = (widgets.IntText(value=round(start), description=name) if column == "quantity"
                      else widgets.FloatText(value=float(start), description=name))
            slider = _slider_for(widgets, widget, column == "quantity")
            widget.observe(explorer.refresh, names="value")
            explorer.inputs[(position, column)] = widget
            fields.append(widgets.VBox([widget, slider]))
        title = widgets.Label(value=f"第 {row['item_no']} 项：{str(row['description'])[:40]}")
        rows.append(widgets.VBox([title, widgets.HBox(fields)]))
    explorer.box = widgets.VBox([*rows, explorer.output])
    explorer.refresh()
    return explorer
