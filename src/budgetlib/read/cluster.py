"""Large parses and batch runs on a Dask distributed cluster (the ``[dask]`` extra).

The unit of work is the same as on one machine: a batch of files read into finished tables by
:func:`budgetlib.read.batch.read_batch`, so a cluster gives exactly the rows of a local parse. Two ways
of getting the tables out:

* :func:`write_parts_on_cluster`, for Parquet on storage the workers share with the client (an NFS
  or similar mount at the same path everywhere): every worker writes its batch as one part file per
  table, ``DIR/projects.parquet/part-000042.parquet``; only row counts travel back. Nothing passes
  through the client, so this is the design that grows with the cluster. ``pandas.read_parquet``
  reads ``DIR/projects.parquet`` back as one table, in input order.
* :func:`read_batches_on_cluster`, when the tables should come back to the client (CSV, xlsx, or an
  in-memory result): batches are yielded in input order, with a bounded number of batches in flight
  so the client's memory does not grow with the corpus.

Either way the input files must be readable by the workers at the path the client sees.

A batch that fails on its worker (an exception, or a worker that died — Dask retries a task whose
worker died before giving up with ``KilledWorker``) is read again file by file, so one bad file costs
only itself: it becomes an ``errors`` row.

:func:`submit_notebooks` runs any picklable callable over a list of argument tuples on the cluster
(the report runner's one-report function, for instance), bounded and failure-tolerant in the same way.

Dask is an optional dependency (the ``[dask]`` extra), imported only inside these functions: this
module imports without it, and ``budgetlib parse`` without ``--scheduler`` never loads it.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from budgetlib import schema
from budgetlib.forms import Forms, concat_forms, error_forms
from budgetlib.output import prepare_parts, write_part
from budgetlib.read.batch import WORKER_DIED, Batch, BatchReader, read_batch

log = logging.getLogger(__name__)

LOCAL = "local"
"""Scheduler address meaning "start a LocalCluster on this machine"."""


@contextmanager
def cluster_client(scheduler: str, *, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` connected to ``scheduler`` (``tcp://host:8786``), or to a LocalCluster
    of ``workers`` single-threaded processes (default: one per core) when ``scheduler`` is ``"local"``.

    Closed (and the local cluster stopped) on leaving the block.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("running on a cluster needs dask and distributed: pip install 'budgetlib[dask]'") from exc
    with _quiet_dask():
        if scheduler == LOCAL:
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", scheduler_kwargs={"dashboard": False})
            try:
                with Client(cluster) as client:
                    yield client
            finally:
                cluster.close()
        else:
            with Client(scheduler) as client:
                yield client


@contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's own progress messages (workers starting and stopping …) only when budgetlib logs at INFO
    (``budgetlib -v``): a parse should print its result, not the cluster's housekeeping."""
    dask_log = logging.getLogger("distributed")
    previous = dask_log.level
    if not log.isEnabledFor(logging.INFO):
        dask_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        dask_log.setLevel(previous)


def worker_threads(client: Any) -> int:
    """How many tasks the cluster runs at once (its worker threads; at least 1)."""
    return max(1, sum(client.nthreads().values()))


def _absolute(work: Sequence[Batch]) -> list[Batch]:
    """Paths as the workers must see them: absolute (a worker's working folder is not the client's)."""
    return [[(os.path.abspath(path), name) for path, name in batch] for batch in work]


def read_batches_on_cluster(
    client: Any, work: Sequence[Batch], *, keep_provenance: bool = True, max_in_flight: int | None = None,
    reader: BatchReader = read_batch,
) -> Iterator[Forms]:
    """The tables of every batch, read on the cluster and yielded in input order.

    At most ``max_in_flight`` batches (default: twice the cluster's worker threads) are submitted or
    held at once. ``reader`` reads one batch (a picklable module-level function).
    """
    limit = max_in_flight or 2 * worker_threads(client)
    pending = deque(_absolute(work))
    running: deque[tuple[Batch, Any]] = deque()
    while pending or running:
        while pending and len(running) < limit:
            batch = pending.popleft()
            running.append((batch, client.submit(reader, batch, keep_provenance, pure=False)))
        batch, future = running.popleft()
        try:
            forms = future.result()
        except Exception as exc:
            log.warning("a batch of %d files failed on the cluster (%s); reading its files one by one",
                        len(batch), _describe(exc))
            forms = _read_file_by_file(client, batch, keep_provenance, reader)
        yield forms


def write_parts_on_cluster(
    client: Any, work: Sequence[Batch], out: str | os.PathLike[str], *, keep_provenance: bool = True,
    max_in_flight: int | None = None, reader: BatchReader = read_batch,
) -> dict[str, int]:
    """Read every batch on the cluster, each worker writing its batch as Parquet parts into ``out``
    (which the workers must see at the same path); returns each table's row count.

    Parts left in ``out`` by an earlier run are removed first. At most ``max_in_flight`` batches
    (default: twice the worker threads) are submitted at once.
    """
    from distributed import as_completed

    folder = os.path.abspath(out)
    Path(folder).mkdir(parents=True, exist_ok=True)
    prepare_parts(folder)
    if not work:  # still one (empty) part per table, so that every table can be read back
        return write_part(Forms(), folder, 0)
    limit = max_in_flight or 2 * worker_threads(client)
    pending = deque(enumerate(_absolute(work)))
    counts = dict.fromkeys(schema.FORM_TABLES, 0)
    in_flight: dict[Any, tuple[int, Batch]] = {}

    def submit_next(done: Any) -> None:
        part, batch = pending.popleft()
        future = client.submit(_read_and_write_part, reader, batch, keep_provenance, folder, part, pure=False)
        in_flight[future] = (part, batch)
        done.add(future)

    completed = as_completed()
    while pending and len(in_flight) < limit:
        submit_next(completed)
    for future in completed:
        part, batch = in_flight.pop(future)
        try:
            written = future.result()
        except Exception as exc:
            log.warning("part %d (%d files) failed on the cluster (%s); reading its files one by one",
                        part, len(batch), _describe(exc))
            written = write_part(_read_file_by_file(client, batch, keep_provenance, reader), folder, part)
        for name, rows in written.items():
            counts[name] += rows
        future.release()
        if pending:
            submit_next(completed)
    return counts


def _read_and_write_part(
    reader: BatchReader, batch: Batch, keep_provenance: bool, out: str, part: int
) -> dict[str, int]:
    """On a worker: read a batch and write it as part ``part``."""
    return write_part(reader(batch, keep_provenance), out, part)


def _read_file_by_file(client: Any, batch: Batch, keep_provenance: bool, reader: BatchReader) -> Forms:
    """A failed batch read again one file per task, so that only the file that fails is lost."""
    futures = [client.submit(reader, [item], keep_provenance, pure=False) for item in batch]
    parts: list[Forms] = []
    for (_, name), future in zip(batch, futures, strict=True):
        try:
            parts.append(future.result())
        except Exception as exc:
            dead = _is_worker_death(exc)
            parts.append(error_forms(name, "E_WORKER_DIED" if dead else "E_FORM_FAILED",
                                     _describe(exc) if dead else
                                     f"reading failed on the cluster: {type(exc).__name__}: {exc}"))
    return concat_forms(parts)


def _is_worker_death(exc: BaseException) -> bool:
    from distributed import KilledWorker

    return isinstance(exc, KilledWorker)


def _describe(exc: BaseException) -> str:
    return WORKER_DIED if _is_worker_death(exc) else f"{type(exc).__name__}: {exc}"


def submit_notebooks(
    client: Any,
    run: Callable[..., Any],
    jobs: Iterable[tuple[Any, ...]],
    *,
    max_in_flight: int | None = None,
    prepare: Callable[[], Any] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Run ``run(*args)`` for every argument tuple of ``jobs`` on the cluster; yields ``(index, result)``
    as each finishes, where ``result`` is the exception instead when the call raised or its worker died.

    Meant for batch reports: ``run`` is a picklable module-level function that executes one notebook
    and writes its outputs to storage the workers share (papermill gives every report a fresh
    namespace wherever it runs). ``prepare`` runs once on every worker first (imports, fonts,
    templates), so that no report pays for them. At most ``max_in_flight`` calls (default: twice the
    worker threads) are submitted at once, so a batch of any size costs the scheduler little.
    """
    from distributed import as_completed

    if prepare is not None:
        client.run(prepare)
    limit = max_in_flight or 2 * worker_threads(client)
    pending = deque(enumerate(jobs))
    index_of: dict[Any, int] = {}
    completed = as_completed()

    def submit_next() -> None:
        index, args = pending.popleft()
        future = client.submit(run, *args, pure=False)
        index_of[future] = index
        completed.add(future)

    while pending and len(index_of) < limit:
        submit_next()
    for future in completed:
        index = index_of.pop(future)
        try:
            result = future.result()
        except Exception as exc:
            result = exc
        future.release()
        if pending:
            submit_next()
        yield index, result
