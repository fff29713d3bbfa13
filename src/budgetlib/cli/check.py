"""``budgetlib check PATH... [--min-severity LEVEL] [--checks C1,C8] [--format text|csv]``.

Prints the review findings (checks C1–C20) of every form. Exit status: 1 when any finding is an
error (or a file could not be read; it is listed), 0 otherwise, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from budgetlib.analysis.review import CHECKS, ReviewConfig, review
from budgetlib.display import visible
from budgetlib.read import read_forms
from budgetlib.schema import SEVERITIES


def _check_ids(text: str) -> tuple[str, ...]:
    ids = tuple(part.strip().upper() for part in text.split(",") if part.strip())
    unknown = [i for i in ids if i not in CHECKS]
    if not ids or unknown:
        raise argparse.ArgumentTypeError(f"unknown check id(s) {', '.join(unknown) or text!r}; known: C1 … C20")
    return ids


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check", help="review findings (checks C1–C20) of forms",
        description="Review forms (files and folders) with checks C1–C20 and print the findings. "
                    "Exit status 1 when any finding is an error or a file could not be read.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="form files or folders of forms")
    parser.add_argument("--min-severity", choices=SEVERITIES, default="info",
                        help="print findings of this severity and above (default info: all)")
    parser.add_argument("--checks", type=_check_ids, metavar="IDS", help="only these checks, e.g. C1,C8,C10")
    parser.add_argument("--format", choices=("text", "csv"), default="text", help="output format (default text)")
    parser.set_defaults(handler=run)


def format_findings(findings: pd.DataFrame) -> str:
    """The findings as text, grouped by form: one line per finding, with its location (texts from the
    forms with their invisible characters escaped, so that each stays on its line)."""
    lines: list[str] = []
    for form_id, group in findings.groupby("form_id", sort=False):
        lines.append(visible(form_id))
        for row in group.itertuples():
            lines.append(f"  {row.check_id:<4} {row.severity:<7} {row.dimension}  {visible(row.message)}")
            lines.append(f"       at {visible(row.location)}")
        lines.append("")
    return "\n".join(lines)


def summary(findings: pd.DataFrame, n_forms: int) -> str:
    counts = findings["severity"].value_counts()
    parts = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in SEVERITIES)
    return f"{len(findings)} findings in {n_forms} forms ({parts})"


def run(args: argparse.Namespace) -> int:
    forms = read_forms(args.paths, keep_provenance=False)
    findings = forms.findings if args.checks is None else review(forms, ReviewConfig(checks=args.checks))
    if args.checks is not None:
        findings = findings[findings["check_id"].isin(args.checks)]
    has_error = bool((findings["severity"] == "error").any())
    wanted = SEVERITIES[: SEVERITIES.index(args.min_severity) + 1]
    shown = findings[findings["severity"].isin(wanted)]
    if args.format == "csv":
        shown.to_csv(sys.stdout, index=False)
    else:
        if len(shown):
            print(format_findings(shown))
        print(summary(findings, len(forms.projects)))
    if len(forms.errors):
        print(f"{len(forms.errors)} file(s) could not be read:", file=sys.stderr)
        for row in forms.errors.itertuples():
            print(f"  {visible(row.source_file)}: {visible(row.error)}", file=sys.stderr)
    return 1 if has_error or len(forms.errors) else 0
