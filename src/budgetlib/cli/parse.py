"""``budgetlib parse PATH... --out DIR [--format parquet|csv|xlsx] [--jobs N] [--scheduler ADDRESS]``.

The tables are written into a staging folder and published into DIR whole, with a manifest, only
when every one is complete (:mod:`budgetlib.outdir`): a run that fails or is killed leaves DIR as it
was, and a second run into the same DIR while one is going is refused. The review checks across
forms (C17–C20) run once every batch is written, over the written tables
(:mod:`budgetlib.read.written`); their findings follow the batches' own.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from itertools import chain
from pathlib import Path
from typing import Any

import pandas as pd

from budgetlib import limits, schema
from budgetlib.analysis.review import with_cross_form_findings
from budgetlib.display import visible
from budgetlib.forms import Forms, concat_forms
from budgetlib.outdir import OutputFolderError, OutputRun, files_under, input_digest, output_run, publish
from budgetlib.output import (
    FORMATS,
    XLSX_FILE,
    csv_original_text,
    error_sources,
    stream_tables,
    write_part,
    write_tables,
)
from budgetlib.read import (
    Listing,
    batches,
    default_batch_files,
    list_inputs,
    prepare_reading_process,
    read_batches,
    release_reading_memory,
    text_name,
)
from budgetlib.read.cluster import (
    LOCAL,
    cluster_client,
    read_batches_on_cluster,
    worker_threads,
    write_parts_on_cluster,
)
from budgetlib.read.written import append_cross_form_findings, read_written


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("parse", help="read forms into one file per table",
                            description="Read forms (files and folders) into one file per table in DIR. DIR "
                                        "changes only when the run is complete (a manifest, "
                                        "budgetlib-manifest.json, says what it holds); one run at a time.")
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
    try:
        with output_run(args.out, "parse", replaces=_whole_folders(args.format)) as output:
            return _parse_into(args, output)
    except OutputFolderError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"could not write the tables ({visible(exc)}); {visible(args.out)} was left as it was",
              file=sys.stderr)
        return 1


def _whole_folders(fmt: str) -> list[str]:
    """Outputs that may be folders replaced whole: a table's Parquet parts (a cluster run's)."""
    return [f"{name}.parquet" for name in schema.FORM_TABLES] if fmt == "parquet" else []


def _parse_into(args: argparse.Namespace, output: OutputRun) -> int:
    time_limit = args.time_limit if args.time_limit > 0 else None
    keep = not args.no_provenance
    listing = list_inputs(args.paths)  # the files to read; the skipped ones and unlisted folders as rows
    files = listing.files
    stage = output.staging
    outputs: list[dict[str, Any]] | None = None
    if args.scheduler:
        written = _parse_on_cluster(args, listing, stage, keep, time_limit)
        if written is None:
            return 2
        counts, failures, outputs = written
    else:
        prepare_reading_process()
        tables = read_batches(files, keep_provenance=keep, jobs=args.jobs or 1, batch_files=args.batch_files,
                              time_limit=time_limit)
        counts, failures = _write(chain([listing.tables()], tables), stage, args.format)
        release_reading_memory()
    if args.format != "xlsx":  # the workbook is written from all the forms at once, these findings included
        added = append_cross_form_findings(stage, args.format)
        counts["findings"] = counts.get("findings", 0) + added
        if added and outputs is not None:
            outputs = None  # a part was added: the manifest lists the staged files
    _print_low_coverage(_written_coverage(stage, args.format), args.min_coverage)
    publish(output, {
        "arguments": {"format": args.format, "provenance": keep, "jobs": args.jobs, "scheduler": args.scheduler,
                      "batch_files": args.batch_files, "time_limit": time_limit},
        "inputs": {"paths": [text_name(os.fspath(p)) for p in args.paths], "files": len(files),
                   "digest": input_digest(files),
                   "digest_of": "the source name, size and modification time of every input file"},
        "counts": {"files": len(files), "forms": counts.get("projects", 0), "files_not_read": len(failures),
                   "files_skipped": counts.get("skipped", 0), "rows": counts},
        "outputs": _with_rows(outputs if outputs is not None else files_under(stage), counts, args.format),
    })
    return _summary(counts.get("projects", 0), args.out, failures, counts.get("skipped", 0))


def _with_rows(outputs: list[dict[str, Any]], counts: dict[str, int], fmt: str) -> list[dict[str, Any]]:
    """The manifest's outputs, each file with its table and row count (the workbook: every table's)."""
    for entry in outputs:
        name = entry["path"].removesuffix(f".{fmt}")
        if entry["path"] == XLSX_FILE:
            entry["rows"] = counts
        elif name in counts and "/" not in entry["path"]:
            entry.update(table=name, rows=counts[name])
    return outputs


def _parse_on_cluster(
    args: argparse.Namespace, listing: Listing, stage: Path, keep: bool, time_limit: float | None,
) -> tuple[dict[str, int], list[str], list[dict[str, Any]] | None] | None:
    """Read on the cluster into ``stage``: the row counts, the unread files and, for Parquet parts,
    the manifest entries the workers made; None when the cluster cannot be reached."""
    files = listing.files
    with ExitStack() as stack:
        try:
            client = stack.enter_context(cluster_client(args.scheduler, workers=args.jobs))
        except (RuntimeError, OSError) as exc:
            where = "a local cluster" if args.scheduler == LOCAL else args.scheduler
            print(f"could not run on {visible(where)}: {visible(exc)}", file=sys.stderr)
            return None
        work = batches(files, args.batch_files or default_batch_files(len(files), worker_threads(client)))
        if args.format != "parquet":
            tables = read_batches_on_cluster(client, work, keep_provenance=keep, time_limit=time_limit)
            counts, failures = _write(chain([listing.tables()], tables), stage, args.format)
            return counts, failures, None
        parts: list[dict[str, Any]] | None = []
        counts = write_parts_on_cluster(client, work, stage, keep_provenance=keep, time_limit=time_limit,
                                        files=parts)
    if listing.skipped or listing.errors:  # one more part, after the batches'
        for name, rows in write_part(listing.tables(), stage, max(len(work), 1)).items():
            counts[name] = counts.get(name, 0) + rows
        parts = None  # the manifest lists the staged files, this part's included
    return counts, list(error_sources(stage, "parquet")), parts


def _write(tables: Iterable[Forms], out: Path, fmt: str) -> tuple[dict[str, int], list[str]]:
    if fmt == "xlsx":
        forms = with_cross_form_findings(concat_forms(tables))
        write_tables(forms, out, "xlsx")
        failures = [f"{row.source_file}: {row.error}" for row in forms.errors.itertuples()]
        return {name: len(forms.tables.get(name, ())) for name in schema.FORM_TABLES}, failures
    counts = stream_tables(tables, out, fmt)
    return counts, list(error_sources(out, fmt))


def _written_coverage(out: Path, fmt: str) -> pd.DataFrame:
    """form_id and coverage of the forms in the written projects table (read back after a streamed parse)."""
    if fmt != "xlsx":
        return read_written(out, fmt, "projects", ["form_id", "coverage"])
    path = out / XLSX_FILE
    if not path.exists():
        return pd.DataFrame({"form_id": [], "coverage": []})
    df = pd.read_excel(path, sheet_name="projects", engine="calamine", dtype=str, keep_default_na=False,
                       usecols=["form_id", "coverage"])
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
        print(f"  {visible(row.form_id)}: {row.coverage:.1%}", file=sys.stderr)


def _summary(forms_read: int, out: str, failures: Sequence[str], skipped: int) -> int:
    """The three counts (forms read, files that could not be read, files skipped), then the failures."""
    print(f"{forms_read} forms read into {visible(out)}/, {len(failures)} file(s) could not be read, "
          f"{skipped} file(s) skipped as no form (see the skipped table)")
    if failures:
        print(f"{len(failures)} file(s) could not be read:", file=sys.stderr)
        for line in failures:
            print(f"  {visible(line)}", file=sys.stderr)
        return 1
    return 0
