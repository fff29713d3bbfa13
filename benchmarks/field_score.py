"""Field score: how many hand-checked fields of real forms budgetlib reads right.

The ground truth is ``expected.json`` beside the example forms (keyed by file name; see ``EXPECTED.md``
for how each value was read off the published source). Every value there is one field: a project fact,
a funding line, an expenditure cell, a cost item's quantity, each column of each indicator, each number
of the budget-execution total line. A field is right when the value read equals the expected one
(numbers to the fen, texts exactly, missing when the truth is missing).

Run ``python -m benchmarks.field_score [FOLDER]`` (default ``tests/fixtures/examples``) to print the score
per form, the total, and every field read wrong. Forms in other formats of the same examples are scored
with ``--suffix .xlsx`` (the file ``a.md``'s truth is used for ``a.xlsx``; without ``--suffix`` the
suffix of the folder's example files is taken, and without ``--expected`` the examples' truth when the
folder has none). An example missing from the folder, or a file that could not be read, scores its
fields as wrong and is named, so a format cannot look better by losing forms. ``--all-formats`` scores
the examples in every format the repository has them in (markdown, and the office-made xls, xlsx, docx
and pdf) and prints one summary line per format.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
DEFAULT_FOLDER = FIXTURES / "examples"
DEFAULT_EXPECTED = DEFAULT_FOLDER / "expected.json"
FORMAT_FOLDERS = {
    ".md": DEFAULT_FOLDER,
    **{f".{name}": FIXTURES / "office" / name for name in ("xls", "xlsx", "docx", "pdf")},
}
"""Where the examples are in each format (the office-made ones by tests/fixtures/office/make_fixtures.py)."""
MISSING = "(file missing)"
UNREAD = "(file not read)"

PROJECT_FIELDS = (
    "form_type", "project_name", "fiscal_year", "department", "implementing_unit", "project_code",
    "total_budget_yuan", "current_year_budget_yuan", "official_total_score",
)
INDICATOR_FIELDS = (
    "level1", "level2", "name", "target_text", "comparator", "target_kind", "target_value", "unit",
    "actual_text", "actual_value", "weight", "score",
)
EXECUTION_FIELDS = {
    "initial_yuan": "initial_budget_yuan",
    "adjusted_yuan": ("adjusted_budget_yuan", "full_year_budget_yuan"),
    "executed_yuan": "executed_yuan",
    "rate_pct_as_written": "execution_rate",
    "weight": "weight",
    "score": "score",
}


@dataclass(frozen=True)
class Field:
    """One hand-checked field and what was read for it."""

    file: str
    field: str
    expected: Any
    got: Any

    @property
    def ok(self) -> bool:
        return same(self.expected, self.got)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def same(expected: Any, got: Any) -> bool:
    """Equal as a ground-truth field: numbers to 0.005, texts exactly, missing only as missing."""
    if _missing(expected) or _missing(got):
        return _missing(expected) and _missing(got)
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected == got
    if isinstance(expected, int | float) and not isinstance(got, str):
        try:
            return math.isclose(float(expected), float(got), rel_tol=1e-9, abs_tol=0.005)
        except (TypeError, ValueError):
            return False
    return str(expected).strip() == str(got).strip()


def _plain(value: Any) -> Any:
    if _missing(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _project_fields(file: str, truth: Mapping[str, Any], project: Mapping[str, Any]) -> Iterator[Field]:
    for name in PROJECT_FIELDS:
        if name in truth:
            yield Field(file, name, truth[name], _plain(project.get(name)))


def _funding_fields(file: str, truth: Mapping[str, Any], funding: pd.DataFrame) -> Iterator[Field]:
    for source, amount in (truth.get("funding") or {}).items():
        rows = funding[funding["source_name"] == source]
        got = _plain(rows["amount_yuan"].iloc[0]) if len(rows) else "(no such line)"
        yield Field(file, f"funding[{source}]", amount, got)


def _expenditure_fields(file: str, truth: Mapping[str, Any], expenditures: pd.DataFrame) -> Iterator[Field]:
    for line in truth.get("expenditures") or []:
        rows = expenditures[(expenditures["economic_category"] == line["economic_category"])
                            & (expenditures["fiscal_year"] == line["fiscal_year"])]
        got = _plain(rows["amount_yuan"].iloc[0]) if len(rows) else "(no such line)"
        yield Field(file, f"expenditures[{line['economic_category']},{line['fiscal_year']}]", line["amount_yuan"], got)


def _history_fields(file: str, truth: Mapping[str, Any], history: pd.DataFrame) -> Iterator[Field]:
    stated = history[history["basis"].isin(["this_form", "stated_in_text"])]
    for year, amount in (truth.get("budget_history_stated") or {}).items():
        rows = stated[stated["fiscal_year"] == int(year)]
        got = _plain(rows["amount_yuan"].iloc[0]) if len(rows) else "(no such year)"
        yield Field(file, f"budget_history[{year}]", amount, got)


def _cost_item_fields(file: str, truth: Mapping[str, Any], items: pd.DataFrame) -> Iterator[Field]:
    expected = truth.get("cost_items") or []
    if not expected:
        return
    items = items[~items["is_total"].fillna(False).astype(bool)] if "is_total" in items else items
    yield Field(file, "cost_items.count", len(expected), len(items))
    for index, item in enumerate(expected):
        row = items.iloc[index].to_dict() if index < len(items) else {}
        for name, value in item.items():
            yield Field(file, f"cost_items[{index + 1}].{name}", value, _plain(row.get(name)))


def _indicator_fields(file: str, truth: Mapping[str, Any], indicators: pd.DataFrame) -> Iterator[Field]:
    expected = truth.get("indicators") or []
    yield Field(file, "indicators.count", len(expected), len(indicators))
    for index, indicator in enumerate(expected):
        row = indicators.iloc[index].to_dict() if index < len(indicators) else {}
        for name in INDICATOR_FIELDS:
            if name in indicator:
                yield Field(file, f"indicators[{index + 1}].{name}", indicator[name], _plain(row.get(name)))


def _execution_total(execution: pd.DataFrame) -> dict[str, Any]:
    if execution.empty:
        return {}
    totals = execution[execution["is_total"].fillna(False).astype(bool)]
    return (totals if len(totals) else execution).iloc[0].to_dict()


def _execution_fields(file: str, truth: Mapping[str, Any], execution: pd.DataFrame) -> Iterator[Field]:
    expected = truth.get("budget_execution")
    if not expected:
        return
    row = _execution_total(execution)
    for name, value in expected.items():
        columns = EXECUTION_FIELDS[name]
        columns = (columns,) if isinstance(columns, str) else columns
        got = next((_plain(row.get(c)) for c in columns if not _missing(row.get(c))), None)
        if name == "rate_pct_as_written" and got is not None:
            got = round(float(got) * 100, 6)
        yield Field(file, f"budget_execution.{name}", value, got)


def fields_of(file: str, truth: Mapping[str, Any], forms: Any) -> list[Field]:
    """Every ground-truth field of one form, beside what was read (``forms`` holds that one form)."""
    projects = forms.projects
    if projects.empty:
        project: dict[str, Any] = {}
    else:
        project = projects.iloc[0].to_dict()
    fields: list[Field] = []
    fields += _project_fields(file, truth, project)
    fields += _funding_fields(file, truth, forms.funding)
    fields += _expenditure_fields(file, truth, forms.expenditures)
    fields += _history_fields(file, truth, forms.budget_history)
    fields += _cost_item_fields(file, truth, forms.cost_items)
    annual = forms.indicators
    if "horizon" in annual:
        annual = annual[annual["horizon"].fillna("annual") == "annual"]
    fields += _indicator_fields(file, truth, annual.reset_index(drop=True))
    fields += _execution_fields(file, truth, forms.budget_execution)
    return fields


def truth_of(folder: Path, expected: Path | None = None) -> dict[str, Any]:
    """The ground truth for ``folder``: ``expected``, else the folder's expected.json, else the examples'."""
    path = expected or (folder / "expected.json" if (folder / "expected.json").exists() else DEFAULT_EXPECTED)
    return json.loads(path.read_text(encoding="utf-8"))


def path_of(folder: Path, stem: str, suffix: str | None) -> Path:
    """The folder's copy of one example: FOLDER/STEM.SUFFIX, or without a suffix the file named STEM
    with any suffix (the first by name when there are several)."""
    if suffix is not None:
        return folder / (stem + "." + suffix.lstrip("."))
    found = sorted(path for path in folder.glob(f"{glob.escape(stem)}.*") if path.is_file() and path.stem == stem)
    return found[0] if found else folder / (stem + ".md")


def score_folder(folder: Path, expected: Path | None = None, suffix: str | None = None) -> pd.DataFrame:
    """One row per ground-truth field of every example: file, field, expected, got, ok.

    An example missing from ``folder`` or one whose file gives no form scores all its fields wrong
    (``got`` says which), so that every format is scored over the same fields.
    """
    import budgetlib as bl

    rows = []
    for name, form_truth in truth_of(folder, expected).items():
        path = path_of(folder, Path(name).stem, suffix)
        forms = bl.read_form(path) if path.is_file() else bl.Forms()
        fields = fields_of(path.name, form_truth, forms)
        if forms.projects.empty:
            reason = MISSING if not path.is_file() else UNREAD
            fields = [Field(f.file, f.field, f.expected, reason) for f in fields]
        rows += [{"file": path.name, "field": f.field, "expected": f.expected, "got": f.got, "ok": f.ok}
                 for f in fields]
    return pd.DataFrame(rows, columns=["file", "field", "expected", "got", "ok"])


def format_summary(expected: Path | None = None, folders: Mapping[str, Path] | None = None) -> pd.DataFrame:
    """One line per format: fields right, fields in all, share, and files missing or not read."""
    lines = []
    for suffix, folder in (folders or FORMAT_FOLDERS).items():
        scored = score_folder(folder, expected or DEFAULT_EXPECTED, suffix)
        lost = scored[scored["got"].isin([MISSING, UNREAD])]["file"].nunique()
        right, fields = int(scored["ok"].sum()), len(scored)
        lines.append({"format": suffix.lstrip("."), "right": right, "fields": fields,
                      "share": round(right / fields, 4) if fields else float("nan"),
                      "files": scored["file"].nunique(), "files_not_read": lost})
    return pd.DataFrame(lines).set_index("format")


def summary(scored: pd.DataFrame) -> pd.DataFrame:
    """Fields right and in all, per file, with a total row."""
    per_file = scored.groupby("file", sort=True)["ok"].agg(right="sum", fields="count")
    per_file.loc["(all)"] = per_file.sum()
    per_file["share"] = (per_file["right"] / per_file["fields"]).round(4)
    return per_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--expected", type=Path, default=None, help="ground truth (default FOLDER/expected.json)")
    parser.add_argument("--suffix", default=None,
                        help="read FILE.SUFFIX for each example (default: the file named FILE, any suffix)")
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    parser.add_argument("--all-formats", action="store_true",
                        help="score the examples in every format (markdown, xls, xlsx, docx, pdf): one line each")
    args = parser.parse_args(argv)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 60)
    if args.all_formats:
        print(format_summary(args.expected).to_string())
        return 0
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    scored = score_folder(args.folder, args.expected, args.suffix)
    print(summary(scored).to_string())
    if not args.quiet:
        wrong = scored[~scored["ok"]]
        if len(wrong):
            print(f"\n{len(wrong)} field(s) read wrong:")
            print(wrong.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
