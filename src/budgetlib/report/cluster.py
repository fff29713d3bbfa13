"""Batch reports on a Dask cluster: ``budgetlib report ... --scheduler ADDRESS|local``.

The client (``budgetlib report``) reads the forms once and writes their tables into the staging folder of
the output folder, as a local batch does; the notebooks then run on the workers instead of in forked
local processes. Each worker warms itself once (:func:`prepare_worker`: papermill's ``budgetlib``
engine, pandas, matplotlib with the CJK font, the HTML templates, the batch's tables), so that every
report it runs is a ``fork`` of a warm process, exactly as in a local batch
(:mod:`budgetlib.report.engine`). Pages and executed notebooks are written by the workers straight into
the staging folder: it must be on storage every worker sees at the same path as the client (an NFS
mount, for instance); nothing but each report's outcome travels back.

Failures are per report, as on one machine: a cell that raises, a child that dies, a cell that runs
past ``--timeout`` (the engine's own watch on its child, which works in a worker's thread) is a failed
report; a worker that dies is retried by Dask and, if it keeps dying, becomes a failed report
(``KilledWorker``); the batch never waits on a lost report. The client publishes the folder (manifest,
index, lock) only when every outcome is in, so the guarantees of :mod:`budgetlib.outdir` hold whatever
runs the notebooks.

A worker runs one notebook at a time (a lock per worker process): papermill changes the process's
working folder for the duration of a notebook, which threads would share. Start workers with one thread
each and as many worker processes as cores (``dask worker ADDRESS --nworkers 2 --nthreads 1``).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from tqdm import tqdm

from budgetlib.display import visible
from budgetlib.report.plan import ReportJob
from budgetlib.report.runner import DEFAULT_TIMEOUT, ReportOutcome, _expected_work, prewarm, run_report

log = logging.getLogger(__name__)

_ONE_AT_A_TIME = threading.Lock()


def prepare_worker(data_dir: str | None) -> None:
    """Run once on every worker before its first report: imports, font, templates and the batch's
    tables loaded, so that no report pays for them (what :func:`budgetlib.report.runner.prewarm` does
    for the local pool)."""
    prewarm(Path(data_dir) if data_dir and (Path(data_dir) / "projects.parquet").is_file() else None)


def run_report_on_worker(job: ReportJob, notebooks_dir: str, out: str, timeout: float | None) -> ReportOutcome:
    """One report on a worker: warmed first if this worker was not (one that joined the cluster after
    the batch started), then run like a local report, one notebook at a time per process."""
    prewarm()
    with _ONE_AT_A_TIME:
        return run_report(job, notebooks_dir, out, timeout)


def execute_plan_on_cluster(
    plan: Sequence[ReportJob],
    notebooks_dir: str | Path,
    out: str | Path,
    *,
    scheduler: str,
    jobs: int = 1,
    timeout: float | None = DEFAULT_TIMEOUT,
    progress: bool = True,
    data_dir: str | Path | None = None,
) -> list[ReportOutcome]:
    """Run the reports of ``plan`` on the cluster at ``scheduler`` (``"local"``: a LocalCluster of
    ``jobs`` worker processes); outcomes in plan order, a failed or lost report as an outcome with its
    error. ``out`` (the staging folder) and ``notebooks_dir`` must be paths the workers see."""
    from budgetlib.read.cluster import cluster_client, submit_notebooks

    notebooks, staging = str(Path(notebooks_dir).resolve()), str(Path(out).resolve())
    order = sorted(range(len(plan)), key=lambda i: _expected_work(plan[i]), reverse=True)
    outcomes: dict[int, ReportOutcome] = {}
    if not plan:
        return []
    with cluster_client(scheduler, workers=jobs) as client:
        prepare = partial(prepare_worker, None if data_dir is None else str(Path(data_dir).resolve()))
        arguments = ((plan[i], notebooks, staging, timeout) for i in order)
        with tqdm(total=len(plan), desc="reports", unit="report", file=sys.stderr, disable=not progress,
                  dynamic_ncols=True) as bar:
            for position, result in submit_notebooks(client, run_report_on_worker, arguments, prepare=prepare):
                i = order[position]
                if isinstance(result, ReportOutcome):
                    outcome = result
                else:
                    outcome = ReportOutcome(plan[i], ok=False, error=_cluster_error(result))
                outcomes[i] = outcome
                if not outcome.ok:
                    bar.write(f"FAILED {outcome.job.stem}: {visible(outcome.error)}", file=sys.stderr)
                bar.update(1)
    return [outcomes[i] for i in range(len(plan))]


def _cluster_error(result: object) -> str:
    """What a report that came back as no outcome died of (``KilledWorker``: its worker kept dying)."""
    if type(result).__name__ == "KilledWorker":
        return f"the report's worker died: {result}"
    return f"{type(result).__name__}: {result}"
