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

**The time limit.** A Dask worker runs its tasks in threads, where no ``SIGALRM`` can be delivered, so
the per-file time limit of :mod:`budgetlib.limits` cannot work there. Each worker thread therefore
reads in a child process of its own (:class:`ReadingProcess`, started on first use and kept for the
next batches), in whose main thread the limit works exactly as in a local parse: a file that runs
over becomes the same ``errors`` row, and the rest of its batch is read. Should the alarm not stop a
file (a C call that never returns), the child's watchdog ends the child :data:`OVERRUN_GRACE` seconds
after the limit; the batch is then read file by file, and that file alone becomes an ``errors`` row
with the time-limit message. The other way, a client-side timeout on each task, was not taken: the
client cannot tell when a task starts running (it waits in the worker's queue first), and a
cancelled task goes on running in its thread, so the worker stays busy with the file for ever. A
child costs a process start (about 1.5 s, once per worker thread) and its memory, and a batch's
tables cross one more pipe (with Parquet parts only their row counts do: the child writes them).

:func:`submit_notebooks` runs any picklable callable over a list of argument tuples on the cluster
(the report runner's one-report function, for instance), bounded and failure-tolerant in the same way.

Dask is an optional dependency (the ``[dask]`` extra), imported only inside these functions: this
module imports without it, and ``budgetlib parse`` without ``--scheduler`` never loads it.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO, Any

from budgetlib import limits, schema
from budgetlib.forms import Forms, concat_forms, error_forms
from budgetlib.outdir import file_record
from budgetlib.output import part_path, prepare_parts, write_part
from budgetlib.read.batch import WORKER_DIED, Batch, BatchReader, prepare_reading_process, read_batch

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


def _absolute(work: Iterable[Batch]) -> Iterator[Batch]:
    """Paths as the workers must see them: absolute (a worker's working folder is not the client's);
    each batch as it is submitted (at 10^6 files, not all at once)."""
    return ([(os.path.abspath(path), name) for path, name in batch] for batch in work)


def _batch_reader(reader: BatchReader | None, time_limit: float | None) -> BatchReader:
    """The reader of one batch: ``reader``, or :func:`read_batch` with the time limit."""
    return reader if reader is not None else partial(read_batch, time_limit=time_limit)


def read_batches_on_cluster(
    client: Any, work: Sequence[Batch], *, keep_provenance: bool = True, max_in_flight: int | None = None,
    reader: BatchReader | None = None, time_limit: float | None = limits.TIME_LIMIT,
) -> Iterator[Forms]:
    """The tables of every batch, read on the cluster and yielded in input order.

    At most ``max_in_flight`` batches (default: twice the cluster's worker threads) are submitted or
    held at once. ``reader`` reads one batch (a picklable module-level function; default
    :func:`read_batch` with ``time_limit`` a file). Every batch is read in a worker's reading process
    (see the module), so that the time limit holds.
    """
    read = _batch_reader(reader, time_limit)
    limit = max_in_flight or 2 * worker_threads(client)
    pending = _absolute(work)
    upcoming = next(pending, None)
    running: deque[tuple[Batch, Any]] = deque()
    while upcoming is not None or running:
        while upcoming is not None and len(running) < limit:
            running.append((upcoming, client.submit(in_reading_process, read, upcoming, keep_provenance, pure=False)))
            upcoming = next(pending, None)
        batch, future = running.popleft()
        try:
            forms = future.result()
        except Exception as exc:
            log.warning("a batch of %d files failed on the cluster (%s); reading its files one by one",
                        len(batch), _describe(exc))
            forms = _read_file_by_file(client, batch, keep_provenance, read)
        yield forms


def write_parts_on_cluster(
    client: Any, work: Sequence[Batch], out: str | os.PathLike[str], *, keep_provenance: bool = True,
    max_in_flight: int | None = None, reader: BatchReader | None = None,
    time_limit: float | None = limits.TIME_LIMIT, files: list[dict[str, Any]] | None = None,
) -> dict[str, int]:
    """Read every batch on the cluster, each worker writing its batch as Parquet parts into ``out``
    (which the workers must see at the same path); returns each table's row count.

    Parts left in ``out`` by an earlier run are removed first. At most ``max_in_flight`` batches
    (default: twice the worker threads) are submitted at once. ``files``, when given, receives the
    manifest entry of every part written (path under ``out``, size, SHA-256: computed where the part
    was written, so that the client never reads the parts back).
    """
    from distributed import as_completed

    read = _batch_reader(reader, time_limit)
    folder = os.path.abspath(out)
    Path(folder).mkdir(parents=True, exist_ok=True)
    prepare_parts(folder)
    written_files = files if files is not None else []
    if not work:  # still one (empty) part per table, so that every table can be read back
        counts, records = _write_part_here(Forms(), folder, 0)
        written_files.extend(records)
        return counts
    limit = max_in_flight or 2 * worker_threads(client)
    pending = enumerate(_absolute(work))
    counts = dict.fromkeys(schema.FORM_TABLES, 0)
    in_flight: dict[Any, tuple[int, Batch]] = {}

    def submit_next(done: Any) -> None:
        """Submit the next batch, if any is left."""
        upcoming = next(pending, None)
        if upcoming is None:
            return
        part, batch = upcoming
        future = client.submit(in_reading_process, _read_and_write_part, read, batch, keep_provenance, folder, part,
                               pure=False)
        in_flight[future] = (part, batch)
        done.add(future)

    completed = as_completed()
    for _ in range(limit):
        submit_next(completed)
    for future in completed:
        part, batch = in_flight.pop(future)
        try:
            written, records = future.result()
        except Exception as exc:
            log.warning("part %d (%d files) failed on the cluster (%s); reading its files one by one",
                        part, len(batch), _describe(exc))
            written, records = _write_part_here(_read_file_by_file(client, batch, keep_provenance, read), folder, part)
        for name, rows in written.items():
            counts[name] += rows
        written_files.extend(records)
        future.release()
        submit_next(completed)
    return counts


def _read_and_write_part(
    reader: BatchReader, batch: Batch, keep_provenance: bool, out: str, part: int
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """In a worker's reading process: read a batch and write it as part ``part``."""
    return _write_part_here(reader(batch, keep_provenance), out, part)


def _write_part_here(forms: Forms, out: str, part: int) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Write part ``part`` of every table; its row counts and the manifest entries of its files."""
    counts = write_part(forms, out, part)
    root = Path(out)
    return counts, [file_record(part_path(root, name, part), root, table=name, rows=counts[name])
                    for name in schema.FORM_TABLES]


def _read_file_by_file(client: Any, batch: Batch, keep_provenance: bool, reader: BatchReader) -> Forms:
    """A failed batch read again one file per task, so that only the file that fails is lost."""
    futures = [client.submit(in_reading_process, reader, [item], keep_provenance, pure=False) for item in batch]
    parts: list[Forms] = []
    for (_, name), future in zip(batch, futures, strict=True):
        try:
            parts.append(future.result())
        except Exception as exc:
            parts.append(error_forms(name, *_file_error(exc)))
    return concat_forms(parts)


def _file_error(exc: BaseException) -> tuple[str, str]:
    """The ``errors`` code and text of a file whose own task failed."""
    if isinstance(exc, ReadingTimedOut):
        return "E_TIME_LIMIT", str(exc)
    if _is_worker_death(exc):
        return "E_WORKER_DIED", WORKER_DIED
    return "E_FORM_FAILED", f"reading failed on the cluster: {type(exc).__name__}: {exc}"


def _is_worker_death(exc: BaseException) -> bool:
    from distributed import KilledWorker

    return isinstance(exc, (KilledWorker, ReadingProcessDied))


def _describe(exc: BaseException) -> str:
    return WORKER_DIED if _is_worker_death(exc) else f"{type(exc).__name__}: {exc}"


# ----------------------------------------------------------------------------------------------
# the reading processes of a worker


OVERRUN_GRACE = 2.0
"""Seconds a file may run past its time limit (its alarm not having stopped it) before its reading
process is ended."""


def time_limit_error(seconds: float) -> str:
    """The ``errors`` text of a file that ran out of time (the text a local parse gives)."""
    return f"reading {limits.TimeLimitExceeded(seconds)} (the time limit); the file was not read"


class ReadingTimedOut(RuntimeError):
    """A file ran past its time limit and the alarm did not stop it: its reading process was ended."""

    def __init__(self, seconds: float) -> None:
        super().__init__(time_limit_error(seconds))
        self.seconds = seconds

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.seconds,))


class ReadingProcessDied(RuntimeError):
    """The reading process of a worker stopped before it answered (killed, out of memory, a crash)."""


_CHILD_CODE = "from budgetlib.read.cluster import serve_reading_requests; serve_reading_requests()"


class ReadingProcess:
    """A child process that runs reading calls in its main thread, where the time limit works.

    One per worker thread (:func:`in_reading_process`); calls go as pickles over its standard input
    and the answers come back over its standard output (what the called code prints goes to standard
    error). It inherits the worker's module path, so it can import what the worker can.
    """

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
        self.process = subprocess.Popen([sys.executable, "-c", _CHILD_CODE], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env)

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in the child: its result, or its exception raised here;
        :class:`ReadingTimedOut` or :class:`ReadingProcessDied` when the child ended."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            pickle.dump((function, args), stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()
            status, value = pickle.load(stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            self.close()
            raise ReadingProcessDied(f"the reading process stopped (exit status {self.process.returncode})") from None
        if status == "timeout":
            self.close()
            raise ReadingTimedOut(value)
        if status == "error":
            raise value
        return value

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """End the child: its input closed (it stops when idle), killed if it does not."""
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_processes: dict[int, ReadingProcess] = {}
_processes_lock = threading.Lock()


def in_reading_process(function: Callable[..., Any], *args: Any) -> Any:
    """On a worker: ``function(*args)`` in this thread's reading process (started if need be)."""
    key = threading.get_ident()
    with _processes_lock:
        child = _processes.get(key)
        if child is None or not child.alive:
            child = _processes[key] = ReadingProcess()
    try:
        return child.call(function, *args)
    finally:
        if not child.alive:
            with _processes_lock:
                if _processes.get(key) is child:
                    del _processes[key]


@atexit.register
def _close_reading_processes() -> None:
    with _processes_lock:
        children = list(_processes.values())
        _processes.clear()
    for child in children:
        child.close()


def serve_reading_requests() -> None:
    """The reading process's main loop: answer calls until the input ends (see :class:`ReadingProcess`).

    A watchdog thread ends the process when a time limit in force has been overrun by
    :data:`OVERRUN_GRACE` seconds (saying so first), and when the worker that started it is gone.
    """
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what the called code prints must not mix with the answers
    requests = os.fdopen(os.dup(0), "rb")
    prepare_reading_process()
    sending = threading.Lock()
    threading.Thread(target=_watchdog, args=(answers, sending, os.getppid()), daemon=True).start()
    while True:
        try:
            function, args = pickle.load(requests)
        except EOFError:
            return
        try:
            answer: tuple[str, Any] = ("ok", function(*args))
        except Exception as exc:
            answer = ("error", exc)
        with sending:
            _send(answers, answer)


def _send(answers: IO[bytes], answer: tuple[str, Any]) -> None:
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an exception or result that does not pickle: say what it was
        value = answer[1]
        data = pickle.dumps(("error", RuntimeError(f"{type(value).__name__}: {value} (not picklable: {exc})")))
    answers.write(data)
    answers.flush()


def _watchdog(answers: IO[bytes], sending: threading.Lock, parent: int) -> None:
    while True:
        time.sleep(0.2)
        if os.getppid() != parent:
            os._exit(1)
        seconds = limits.overdue(OVERRUN_GRACE)
        if seconds is not None:
            with sending:
                _send(answers, ("timeout", seconds))
                os._exit(3)


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
