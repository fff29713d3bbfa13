"""``budgetlib parse PATH... --out DIR [--format parquet|csv|xlsx] [--jobs N] [--scheduler ADDRESS]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path

import pandas as pd

from budgetlib import limits
from budgetlib.forms import Forms, concat_forms
from budgetlib.output import FORMATS, csv_original_text, error_sources, stream_tables, write_part, write_tables
from budgetlib.read import (
    Listing,
    batches,
    default_batch_files,
    list_inputs,
    prepare_reading_process,
    read_batches,
)
from budgetlib.read.cluster import (
    LOCAL,
    cluster_client,
    read_batches_on_cluster,
    worker_threads,
    write_parts_on_cluster,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("parse", help="read forms into one file per table",
                            description="Read forms (files and folders) into one file per table in DIR.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="form files or folders of forms")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--format", choices=FORMATS, default="parquet", help="output format (default parquet)")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="parse in N processes (default 1; with --scheduler local: N workers, default 1 a core)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="parse on a Dask cluster: its scheduler (tcp://host:8786), or 'local' for a local "
                             "cluster. Files and DIR must be on storage the workers share; with parquet every "
                             "worker writes parts (DIR/projects.parquet/part-*.parquet)")
    parser.add_argument("--batch-files", type=int, metavar="N",
                        help="files per batch (default: 500, fewer when that would leave workers idle)")
    parser.add_argument("--no-provenance", action="store_true", help="leave out the provenance table")
    parser.add_argument("--time-limit", type=float, default=limits.TIME_LIMIT, metavar="SECONDS",
                        help=f"a file still being read after SECONDS is an error (default {limits.TIME_LIMIT:g}; "
                             "0: no limit; Unix only)")
    parser.add_argument("--min-coverage", type=float, default=DEFAULT_MIN_COVERAGE, metavar="SHARE",
                        help="list the forms of which less than SHARE of the non-empty cells went to a table "
                             f"(projects.coverage; default {DEFAULT_MIN_COVERAGE:g}, 0: list none)")
    parser.set_defaults(handler=run)


DEFAULT_MIN_COVERAGE = 0.8
"""Forms read with a smaller share of their cells in a table than this are listed after a parse."""


def run(args: argparse.Namespace) -> int:
    for option in ("jobs", "batch_files"):
        value = getattr(args, option)
        if value is not None and value < 1:
            print(f"--{option.replace('_', '-')} must be at least 1", file=sys.stderr)
            return 2
    if not 0 <= args.min_coverage <= 1:
        print("--min-coverage must be between 0 and 1", file=sys.stderr)
        return 2
    out = Path(args.out)
    keep = not args.no_provenance
    listing = list_inputs(args.paths)  # the files to read; the skipped ones and unlisted folders as rows
    if args.scheduler:
        return _run_on_cluster(args, listing, out, keep)
    prepare_reading_process()
    tables = read_batches(listing.files, keep_provenance=keep, jobs=args.jobs or 1, batch_files=args.batch_files,
                          time_limit=args.time_limit)
    return _write(chain([listing.tables()], tables), out, args.format, args.min_coverage)


def _run_on_cluster(args: argparse.Namespace, listing: Listing, out: Path, keep: bool) -> int:
    files = listing.files
    try:
        with cluster_client(args.scheduler, workers=args.jobs) as client:
            work = batches(files, args.batch_files or default_batch_files(len(files), worker_threads(client)))
            if args.format != "parquet":
                tables = chain([listing.tables()], read_batches_on_cluster(client, work, keep_provenance=keep))
                return _write(tables, out, args.format, args.min_coverage)
            counts = write_parts_on_cluster(client, work, out, keep_provenance=keep)
            if listing.skipped or listing.errors:  # one more part, after the batches'
                for name, rows in write_part(listing.tables(), out, max(len(work), 1)).items():
                    counts[name] += rows
    except (RuntimeError, OSError) as exc:
        where = "a local cluster" if args.scheduler == LOCAL else args.scheduler
        print(f"could not run on {where}: {exc}", file=sys.stderr)
        return 2
    _print_low_coverage(_written_coverage(out, "parquet"), args.min_coverage)
    return _summary(counts["projects"], out, error_sources(out, "parquet"), counts["skipped"])


def _write(tables: Iterable[Forms], out: Path, fmt: str, min_coverage: float = DEFAULT_MIN_COVERAGE) -> int:
    if fmt == "xlsx":
        forms = concat_forms(tables)
        write_tables(forms, out, "xlsx")
        failures = [f"{row.source_file}: {row.error}" for row in forms.errors.itertuples()]
        _print_low_coverage(forms.projects[["form_id", "coverage"]], min_coverage)
        return _summary(len(forms.projects), out, failures, len(forms.skipped))
    counts = stream_tables(tables, out, fmt)
    _print_low_coverage(_written_coverage(out, fmt), min_coverage)
    return _summary(counts["projects"], out, error_sources(out, fmt), counts["skipped"])


def _written_coverage(out: Path, fmt: str) -> pd.DataFrame:
    """form_id and coverage of the forms in the written projects table (read back after a streamed parse)."""
    path = out / f"projects.{fmt}"
    if not path.exists():
        return pd.DataFrame({"form_id": [], "coverage": []})
    if fmt == "parquet":
        return pd.read_parquet(path, columns=["form_id", "coverage"])
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, usecols=["form_id", "coverage"])
    return pd.DataFrame({"form_id": df["form_id"].map(csv_original_text),
                         "coverage": pd.to_numeric(df["coverage"], errors="coerce")})


def low_coverage(projects: pd.DataFrame, min_coverage: float) -> pd.DataFrame:
    """The forms of which less than ``min_coverage`` of the cells went to a table, least read first."""
    coverage = pd.to_numeric(projects["coverage"], errors="coerce")
    low = projects[coverage.notna() & (coverage < min_coverage)]
    return low.assign(coverage=coverage[low.index]).sort_values(["coverage", "form_id"], kind="stable")


def _print_low_coverage(projects: pd.DataFrame, min_coverage: float) -> None:
    low = low_coverage(projects, min_coverage)
    if low.empty:
        return
    print(f"{len(low)} form(s) read with under {min_coverage:.0%} of their cells in a table "
          "(the rest is in unparsed; warnings say why):", file=sys.stderr)
    for row in low.itertuples():
        print(f"  {row.form_id}: {row.coverage:.1%}", file=sys.stderr)


def _summary(forms_read: int, out: Path, failures: Sequence[str], skipped: int) -> int:
    """The three counts (forms read, files that could not be read, files skipped), then the failures."""
    print(f"{forms_read} forms read into {out}/, {len(failures)} file(s) could not be read, "
          f"{skipped} file(s) skipped as no form (see the skipped table)")
    if failures:
        print(f"{len(failures)} file(s) could not be read:", file=sys.stderr)
        for line in failures:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0
