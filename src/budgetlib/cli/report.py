"""``budgetlib report PATH... --out DIR [--year Y] [--department D] [--jobs N] [--actuals FILE]
[--scheduler ADDRESS|local]``."""

from __future__ import annotations

import argparse
import sys

from budgetlib.display import visible


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report", help="build the report notebooks and HTML pages for forms",
        description="Parse forms once, then run the report notebooks (papermill): a project report per form, "
                    "an annual report per department and one overall, each as an executed .ipynb and an HTML "
                    "page without code, and DIR/index.html linking them all. DIR changes only when the batch is "
                    "complete (a manifest, budgetlib-manifest.json, lists every report and file); one run at a time.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="form files or folders of forms")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--year", type=int, metavar="Y", help="only forms of this fiscal year")
    parser.add_argument("--department", metavar="D", help="only forms of this department (name or code)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="run N reports at a time (processes)")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="S",
                        help="seconds one notebook cell may run before its report fails (default 600)")
    parser.add_argument("--notebooks", metavar="DIR", help="folder of the report notebooks (default: the project's)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run the notebooks on a Dask cluster: its scheduler (tcp://host:8786), or 'local' for a "
                             "local cluster of --jobs workers; DIR must be on storage the workers share")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--only-failed", action="store_true",
                        help="run again only the reports that DIR's manifest shows as failed, missing, changed or "
                             "made from other inputs; keep the others")
    parser.add_argument("--actuals", metavar="FILE",
                        help="a filled actuals sheet (budgetlib actuals-template): every report scores with its "
                             "actuals")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        print("--jobs must be at least 1", file=sys.stderr)
        return 2
    from budgetlib.outdir import OutputFolderError
    from budgetlib.report import run_reports
    from budgetlib.scoring.actuals import ActualsSheetError

    try:
        result = run_reports(
            args.paths, args.out, fiscal_year=args.year, department=args.department, jobs=args.jobs,
            timeout=args.timeout, notebooks_dir=args.notebooks, progress=not args.no_progress,
            only_failed=args.only_failed, actuals=args.actuals, scheduler=args.scheduler)
    except (FileNotFoundError, OutputFolderError, ActualsSheetError) as exc:
        print(visible(exc), file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"could not write the reports ({visible(exc)}); {visible(args.out)} was left as it was", file=sys.stderr)
        return 1
    done = len(result.outcomes) - len(result.failures)
    index = visible(result.out / "index.html")
    if result.rerun is None:
        print(f"{done} of {len(result.outcomes)} reports written; open {index}")
    else:
        kept = len(result.outcomes) - result.rerun
        rerun_ok = result.rerun - len(result.failures)
        print(f"{rerun_ok} of {result.rerun} reports run again, {kept} kept as the last run left them: "
              f"{done} of {len(result.outcomes)} reports complete; open {index}")
    if result.failures:
        print(f"{len(result.failures)} report(s) failed:", file=sys.stderr)
        for outcome in result.failures:
            print(f"  {outcome.job.stem}: {visible(outcome.error)}", file=sys.stderr)
    if result.read_errors:
        print(f"{len(result.read_errors)} file(s) could not be read:", file=sys.stderr)
        for row in result.read_errors:
            print(f"  {visible(row['source_file'])}: {visible(row['error'])}", file=sys.stderr)
    return result.exit_status
