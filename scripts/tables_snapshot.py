"""Every table read from the shipped corpora, saved, and two saves compared: the check a reader change needs.

Usage::

    python scripts/tables_snapshot.py save BEFORE.pkl          # on main
    python scripts/tables_snapshot.py save AFTER.pkl           # with the change
    python scripts/tables_snapshot.py diff BEFORE.pkl AFTER.pkl

Each folder of ``tests/fixtures`` and ``data/raw`` is read as one batch (``bl.read_forms``); its tables
(projects … unparsed, errors, skipped, warnings) and its scores (every table ``bl.score`` returns) are
kept. ``diff`` compares them in the columns both saves have (a new column is named, not a difference)
and prints, for each table that differs, the first rows and values that do; it exits 1 when any does.
The tests cannot say that a change left every shipped form reading as before; this can, in seconds.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
TABLES = ("projects", "funding", "expenditures", "budget_history", "budget_execution", "indicators",
          "cost_items", "findings", "unparsed", "errors", "skipped", "warnings")
Snapshot = dict[tuple[str, str], pd.DataFrame]


def corpora(repo: Path = REPO) -> list[Path]:
    """The folders read, each as one batch: every fixture folder, then the shipped data."""
    fixtures = repo / "tests" / "fixtures"
    return [*sorted(path for path in fixtures.iterdir() if path.is_dir()), repo / "data" / "raw"]


def snapshot(folders: Sequence[Path]) -> Snapshot:
    """Every table of each folder's batch, and its scores, keyed by (folder name, table name)."""
    import budgetlib as bl

    tables: Snapshot = {}
    for folder in folders:
        forms = bl.read_forms([folder])
        for name in TABLES:
            tables[(folder.name, name)] = getattr(forms, name).reset_index(drop=True)
        scored = bl.score(forms)
        for name in dir(scored):
            value = getattr(scored, name)
            if not name.startswith("_") and isinstance(value, pd.DataFrame):
                tables[(folder.name, f"score.{name}")] = value.reset_index(drop=True)
    return tables


def differences(before: Snapshot, after: Snapshot, rows_shown: int = 5) -> list[str]:
    """What differs between two snapshots, in lines for a person; empty when every table is equal in the
    columns both have. Added or removed columns are named as such."""
    lines: list[str] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None or new is None:
            lines.append(f"{key}: only in the {'second' if old is None else 'first'} snapshot")
            continue
        added, removed = sorted(set(new.columns) - set(old.columns)), sorted(set(old.columns) - set(new.columns))
        if added or removed:
            lines.append(f"{key}: columns added {added}, removed {removed} (not compared)")
        common = [column for column in old.columns if column in new.columns]
        if old[common].equals(new[common]):
            continue
        if len(old) != len(new):
            lines.append(f"{key}: {len(old)} rows → {len(new)}")
            continue
        for column in common:
            left, right = old[column].astype("object"), new[column].astype("object")
            changed = [row for row in range(len(old))
                       if not (pd.isna(left[row]) and pd.isna(right[row])) and left[row] != right[row]]
            if not changed and old[column].dtype != new[column].dtype:
                lines.append(f"{key} {column}: dtype {old[column].dtype} → {new[column].dtype}")
            for row in changed[:rows_shown]:
                lines.append(f"{key} row {row} {column}: {left[row]!r} → {right[row]!r}")
            if len(changed) > rows_shown:
                lines.append(f"{key} {column}: {len(changed)} rows differ in all")
    return lines


def main(argv: Sequence[str]) -> int:
    if len(argv) == 2 and argv[0] == "save":
        tables = snapshot(corpora())
        Path(argv[1]).write_bytes(pickle.dumps(tables))
        print(f"{len(tables)} tables saved to {argv[1]}")
        return 0
    if len(argv) == 3 and argv[0] == "diff":
        before, after = (pickle.loads(Path(path).read_bytes()) for path in argv[1:])
        lines = differences(before, after)
        print("\n".join(lines) or f"the {len(before)} tables are equal")
        return 1 if any("columns added" not in line for line in lines) else 0
    print("usage: python scripts/tables_snapshot.py save OUT.pkl | diff BEFORE.pkl AFTER.pkl", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
