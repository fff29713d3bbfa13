"""``budgetlib parse PATH... --out DIR [--format parquet|csv|xlsx] [--jobs N] [--scheduler ADDRESS]``.

The tables are written into a staging folder and published into DIR whole, with a manifest, only
when every one is complete (:mod:`budgetlib.outdir`): a run that fails or is killed leaves DIR as it
was, and a second run into the same DIR while one is going is refused.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from budgetlib import limits, schema
from budgetlib.display import visible
from budgetlib.forms import Forms, concat_forms
from budgetlib.outdir import OutputFolderError, OutputRun, files_under, input_digest, output_run, publish
from budgetlib.output import FORMATS, XLSX_FILE, error_sources, stream_tables, write_tables
from budgetlib.read import (
    InputFile,
    batches,
    default_batch_files,
    list_input_files,
    prepare_reading_process,
    read_batches,
    text_name,
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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    for option in ("jobs", "batch_files"):
        value = getattr(args, option)
        if value is not None and value < 1:
            print(f"--{option.replace('_', '-')} must be at least 1", file=sys.stderr)
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
    files = list_input_files(args.paths)
    stage = output.staging
    outputs: list[dict[str, Any]] | None = None
    if args.scheduler:
        written = _parse_on_cluster(args, files, stage, keep, time_limit)
        if written is None:
            return 2
        counts, failures, outputs = written
    else:
        prepare_reading_process()
        tables = read_batches(files, keep_provenance=keep, jobs=args.jobs or 1, batch_files=args.batch_files,
                              time_limit=time_limit)
        counts, failures = _write(tables, stage, args.format)
    publish(output, {
        "arguments": {"format": args.format, "provenance": keep, "jobs": args.jobs, "scheduler": args.scheduler,
                      "batch_files": args.batch_files, "time_limit": time_limit},
        "inputs": {"paths": [text_name(os.fspath(p)) for p in args.paths], "files": len(files),
                   "digest": input_digest(files),
                   "digest_of": "the source name, size and modification time of every input file"},
        "counts": {"files": len(files), "forms": counts.get("projects", 0), "files_not_read": len(failures),
                   "rows": counts},
        "outputs": _with_rows(outputs if outputs is not None else files_under(stage), counts, args.format),
    })
    return _summary(counts.get("projects", 0), args.out, failures)


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
    args: argparse.Namespace, files: Sequence[InputFile], stage: Path, keep: bool, time_limit: float | None,
) -> tuple[dict[str, int], list[str], list[dict[str, Any]] | None] | None:
    """Read on the cluster into ``stage``: the row counts, the unread files and, for Parquet parts,
    the manifest entries the workers made; None when the cluster cannot be reached."""
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
            counts, failures = _write(tables, stage, args.format)
            return counts, failures, None
        parts: list[dict[str, Any]] = []
        counts = write_parts_on_cluster(client, work, stage, keep_provenance=keep, time_limit=time_limit,
                                        files=parts)
    return counts, list(error_sources(stage, "parquet")), parts


def _write(tables: Iterable[Forms], out: Path, fmt: str) -> tuple[dict[str, int], list[str]]:
    if fmt == "xlsx":
        forms = concat_forms(tables)
        write_tables(forms, out, "xlsx")
        failures = [f"{row.source_file}: {row.error}" for row in forms.errors.itertuples()]
        return {name: len(forms.tables.get(name, ())) for name in schema.FORM_TABLES}, failures
    counts = stream_tables(tables, out, fmt)
    return counts, list(error_sources(out, fmt))


def _summary(forms_read: int, out: str, failures: Sequence[str]) -> int:
    print(f"{forms_read} forms read into {visible(out)}/")
    if failures:
        print(f"{len(failures)} file(s) could not be read:", file=sys.stderr)
        for line in failures:
            print(f"  {visible(line)}", file=sys.stderr)
        return 1
    return 0
