"""``budgetlib actuals-template FORM... --out actuals.xlsx``: a sheet for staff to fill in the actuals."""

from __future__ import annotations

import argparse
import sys

from budgetlib.display import visible


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "actuals-template",
        help="write an xlsx sheet, one row per indicator, for filling in the actuals",
        description="Write one row per annual indicator of the forms (target shown, actual empty) to an xlsx "
                    "sheet. Fill in the 实际完成值 column, then score with budgetlib.score(forms, actuals=PATH).",
    )
    parser.add_argument("paths", nargs="+", metavar="FORM", help="form files or folders of forms")
    parser.add_argument("--out", required=True, metavar="XLSX", help="workbook to write, e.g. actuals.xlsx")
    parser.add_argument("--force", action="store_true",
                        help="write over --out even when it is a filled actuals sheet or another file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # imported here, not with the command's registration: every ``budgetlib`` command registers all
    # of them, and the scoring modules would add to the start of ``budgetlib parse``
    from budgetlib.read import read_forms
    from budgetlib.scoring.actuals import (
        ActualsSheetError,
        overwrite_problem,
        template_rows,
        write_actuals_template,
    )

    problem = None if args.force else overwrite_problem(args.out)
    if problem:  # checked before the forms are read: a refusal should not wait for them
        print(f"budgetlib actuals-template: {args.out} {problem}: nothing written; choose another --out, "
              "or add --force to overwrite it", file=sys.stderr)
        return 2
    forms = read_forms(args.paths, keep_provenance=False)
    try:
        path = write_actuals_template(forms, args.out, overwrite=args.force)
    except ActualsSheetError as error:  # filled in meanwhile
        print(f"budgetlib actuals-template: {error}", file=sys.stderr)
        return 2
    rows = template_rows(forms)
    print(f"{len(rows)} indicators of {rows['form_id'].nunique()} forms written to {visible(path)}")
    without = sorted(set(forms.projects["form_id"]) - set(rows["form_id"]))
    if without:
        print(f"{len(without)} form(s) have no annual indicators: {', '.join(map(visible, without))}",
              file=sys.stderr)
    if len(forms.errors):
        print(f"{len(forms.errors)} file(s) could not be read:", file=sys.stderr)
        for row in forms.errors.itertuples():
            print(f"  {visible(row.source_file)}: {visible(row.error)}", file=sys.stderr)
        return 1
    return 0
