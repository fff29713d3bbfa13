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
import threading
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from budgetlib.report.plan import ReportJob
from budgetlib.report.progress import report_progress

log = logging.getLogger(__name__)

_ONE_AT_A_TIME = threading.Lock()

RunOne = Callable[[ReportJob, str, str, "float | None"], Any]
"""The one-report function of the runner (:func:`budgetlib.report.runner.run_report`), given by the
runner so that this module does not import it (the runner imports this one)."""


def prepare_worker(warm: Callable[[Path | None], None], data_dir: str | None, shared_charts: str | None = None) -> None:
    """Run once on every worker before its first report: imports, font, templates and the batch's
    tables loaded (``warm``: the runner's :func:`~budgetlib.report.runner.prewarm`, as for the local
    pool), so that no report pays for them; the charts shared through the batch's folder
    (:func:`budgetlib.charts.sharing_drawn_charts`)."""
    from budgetlib.charts import share_drawn_charts_in

    warm(Path(data_dir) if data_dir and (Path(data_dir) / "projects.parquet").is_file() else None)
    share_drawn_charts_in(shared_charts)


def run_report_on_worker(run_one: RunOne, warm: Callable[[Path | None], None], job: ReportJob, notebooks_dir: str,
                         out: str, timeout: float | None) -> Any:
    """One report on a worker: warmed first if this worker was not (one that joined the cluster after
    the batch started), then run like a local report, one notebook at a time per process."""
    warm(None)
    with _ONE_AT_A_TIME:
        return run_one(job, notebooks_dir, out, timeout)


def execute_plan_on_cluster(
    plan: Sequence[ReportJob],
    notebooks_dir: str | Path,
    out: str | Path,
    *,
    scheduler: str,
    run_one: RunOne,
    warm: Callable[[Path | None], None],
    failed: Callable[[ReportJob, str], Any],
    jobs: int = 1,
    timeout: float | None = None,
    progress: bool = True,
    data_dir: str | Path | None = None,
    size: Callable[[ReportJob], int] | None = None,
) -> list[Any]:
    """Run the reports of ``plan`` on the cluster at ``scheduler`` (``"local"``: a LocalCluster of
    ``jobs`` worker processes) with ``run_one``; outcomes in plan order, a report whose task raised or
    whose worker kept dying as ``failed(job, error)``. Largest reports (``size``) first. ``out`` (the
    staging folder) and ``notebooks_dir`` must be paths the workers see."""
    from budgetlib.charts import SHARED_CHARTS_FOLDER, sharing_drawn_charts
    from budgetlib.read.cluster import cluster_client, submit_notebooks

    if not plan:
        return []
    notebooks, staging = str(Path(notebooks_dir).resolve()), str(Path(out).resolve())
    order = sorted(range(len(plan)), key=lambda i: size(plan[i]) if size else 0, reverse=True)
    outcomes: dict[int, Any] = {}
    with cluster_client(scheduler, workers=jobs) as client, \
            sharing_drawn_charts(Path(staging) / SHARED_CHARTS_FOLDER) as shared_charts:
        prepare = partial(prepare_worker, warm, None if data_dir is None else str(Path(data_dir).resolve()),
                          str(shared_charts))
        task = partial(run_report_on_worker, run_one, warm)
        arguments = ((plan[i], notebooks, staging, timeout) for i in order)
        with report_progress(len(plan), progress) as came_back:
            for position, result in submit_notebooks(client, task, arguments, prepare=prepare):
                i = order[position]
                outcome = failed(plan[i], _cluster_error(result)) if isinstance(result, BaseException) else result
                outcomes[i] = outcome
                came_back(outcome)
    return [outcomes[i] for i in range(len(plan))]


def _cluster_error(result: BaseException) -> str:
    """What a report that came back as no outcome died of (``KilledWorker``: its worker kept dying)."""
    if type(result).__name__ == "KilledWorker":
        return f"the report's worker died: {result}"
    return f"{type(result).__name__}: {result}"
