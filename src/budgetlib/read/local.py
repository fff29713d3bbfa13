"""Reading on this machine: in this process, or in a pool of worker processes; ``read_forms``.

Each worker reads whole batches of files into finished tables (:func:`budgetlib.read.batch.read_batch`:
parse, build, derive), so the parent only concatenates or writes them; with the parent building the
tables from records it became the bottleneck at two processes. At most ``max_in_flight`` batches are
submitted or finished-but-unconsumed at any time (``ProcessPoolExecutor.map`` would submit them all
up front and keep every result until it is consumed), and batches come back in input order, so
streaming writers keep memory bounded.

A batch whose worker died (killed, out of memory, a crash in a C library) takes the whole pool down
with the other batches in flight; those batches are read again file by file, each file on its own
in a fresh pool, so the file that kills its worker again becomes an ``errors`` row and every other
file is read.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial

from budgetlib import limits
from budgetlib.analysis.review import with_cross_form_findings
from budgetlib.forms import Forms, concat_forms, error_forms
from budgetlib.read.batch import WORKER_DIED, Batch, BatchReader, prepare_reading_process, read_batch
from budgetlib.read.files import InputFile, Listing, Paths, batches, default_batch_files, list_inputs

log = logging.getLogger(__name__)


def read_forms(
    paths: Paths,
    *,
    keep_provenance: bool = True,
    jobs: int = 1,
    time_limit: float | None = limits.TIME_LIMIT,
) -> Forms:
    """Read every form in the given files and folders into one set of tables.

    ``jobs`` > 1 reads files in that many processes (worth it from a few hundred files on).
    Never raises for a bad file: see ``forms.errors``. A file that takes longer than ``time_limit``
    seconds (None: no limit) is an ``errors`` row; see :mod:`budgetlib.limits` for the platforms.
    Every file under a folder given is in ``projects``, ``errors`` or ``skipped`` (files that are no
    form: hidden, lock, temporary and system files, other formats; see :mod:`budgetlib.read.files`).
    ``findings`` holds checks C1–C16 of each form and the cross-form checks C17–C20 over all of them.
    """
    return read_listing(list_inputs(paths), keep_provenance=keep_provenance, jobs=jobs, time_limit=time_limit)


def read_listing(
    listing: Listing,
    *,
    keep_provenance: bool = True,
    jobs: int = 1,
    time_limit: float | None = limits.TIME_LIMIT,
) -> Forms:
    """:func:`read_forms` of files already listed (for a caller that also needs the list: a report batch
    records what its inputs were): the files read, the skipped ones and unlisted folders as rows."""
    read = read_batches(listing.files, keep_provenance=keep_provenance, jobs=jobs, time_limit=time_limit)
    return with_cross_form_findings(concat_forms([listing.tables(), *read]))


def read_form(path: str | os.PathLike[str]) -> Forms:
    """Read one file (the same tables as :func:`read_forms`, one form's rows)."""
    return read_forms([path])


def read_batches(
    files: Sequence[InputFile], *, keep_provenance: bool = True, jobs: int = 1,
    batch_files: int | None = None, time_limit: float | None = limits.TIME_LIMIT,
) -> Iterator[Forms]:
    """The tables of ``files``, one batch at a time and in input order, read in ``jobs`` processes.

    What streaming writers consume: only a bounded number of batches is ever in memory.
    """
    size = batch_files or default_batch_files(len(files), jobs)
    work = batches(files, size)
    if jobs > 1 and len(work) > 1:
        reader = partial(read_batch, time_limit=time_limit)  # a partial of a module function pickles
        yield from read_batches_parallel(work, jobs=jobs, keep_provenance=keep_provenance, reader=reader)
    else:
        for batch in work:
            yield read_batch(batch, keep_provenance, time_limit)


def read_batches_parallel(
    work: Sequence[Batch],
    *,
    jobs: int,
    keep_provenance: bool = True,
    max_in_flight: int | None = None,
    reader: BatchReader = read_batch,
) -> Iterator[Forms]:
    """The tables of every batch of ``work``, read in ``jobs`` processes, yielded in input order.

    ``max_in_flight`` (default ``2 * jobs``) bounds the batches held at once, so memory does not grow
    with the number of files. ``reader`` reads one batch (a picklable module-level function).
    """
    limit = max_in_flight or 2 * jobs
    pending = iter(work)  # each batch made as it is submitted: at 10^6 files, not all at once
    upcoming = next(pending, None)
    running: deque[tuple[Batch, Future[Forms]]] = deque()
    pool = _new_pool(jobs)
    try:
        while upcoming is not None or running:
            while upcoming is not None and len(running) < limit:
                running.append((upcoming, pool.submit(reader, upcoming, keep_provenance)))
                upcoming = next(pending, None)
            batch, future = running.popleft()
            try:
                forms = future.result()
            except BrokenProcessPool:
                lost = [batch, *(other for other, _ in running)]
                running.clear()
                log.warning("a worker process died; reading the %d files of the batches in flight one by one",
                            sum(map(len, lost)))
                pool = _fresh_pool(pool, jobs)
            except Exception:
                log.exception("a batch of %d files failed in its worker; reading its files one by one", len(batch))
                lost = [batch]
            else:
                yield forms
                continue
            for lost_batch in lost:
                forms, pool = _read_file_by_file(lost_batch, pool, jobs, keep_provenance, reader)
                yield forms
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, initializer=prepare_reading_process)


def _fresh_pool(broken: ProcessPoolExecutor, jobs: int) -> ProcessPoolExecutor:
    broken.shutdown(wait=True, cancel_futures=True)
    return _new_pool(jobs)


def _read_file_by_file(
    batch: Batch, pool: ProcessPoolExecutor, jobs: int, keep_provenance: bool, reader: BatchReader
) -> tuple[Forms, ProcessPoolExecutor]:
    """A batch read one file at a time (each waited for), so that a file that kills its worker is
    known; returns the tables and the pool to go on with (a fresh one after a death)."""
    parts: list[Forms] = []
    for path, name in batch:
        try:
            parts.append(pool.submit(reader, [(path, name)], keep_provenance).result())
        except BrokenProcessPool:
            log.error("the worker reading %s died", name)
            parts.append(error_forms(name, "E_WORKER_DIED", WORKER_DIED))
            pool = _fresh_pool(pool, jobs)
        except Exception as exc:
            parts.append(error_forms(name, "E_FORM_FAILED",
                                     f"reading failed in its worker: {type(exc).__name__}: {exc}"))
    return concat_forms(parts), pool
