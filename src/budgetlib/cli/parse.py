"""``budgetlib parse PATH... --out DIR [--format parquet|csv|xlsx] [--jobs N]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from budgetlib.output import FORMATS, error_sources, stream_results, write_tables
from budgetlib.reader import iter_input_files, parse_file, read_forms


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("parse", help="read forms into one file per table",
                            description="Read forms (files and folders) into one file per table in DIR.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="form files or folders of forms")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--format", choices=FORMATS, default="parquet", help="output format (default parquet)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="parse in N processes")
    parser.add_argument("--no-provenance", action="store_true", help="leave out the provenance table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    keep = not args.no_provenance
    if args.format == "xlsx":
        forms = read_forms(args.paths, keep_provenance=keep, jobs=args.jobs)
        write_tables(forms, out, "xlsx")
        failures = [f"{row.source_file}: {row.error}" for row in forms.errors.itertuples()]
        forms_read = len(forms.projects)
    else:
        files = list(iter_input_files(args.paths))
        if args.jobs > 1 and len(files) > 1:
            from budgetlib.parallel import parse_files_parallel

            results = parse_files_parallel(files, jobs=args.jobs, keep_provenance=keep)
        else:
            results = (parse_file(path, name, keep) for path, name in files)
        counts = stream_results(results, out, args.format)
        failures = list(error_sources(out, args.format))
        forms_read = counts["projects"]
    print(f"{forms_read} forms read into {out}/")
    if failures:
        print(f"{len(failures)} file(s) could not be read:", file=sys.stderr)
        for line in failures:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0
