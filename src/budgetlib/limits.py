"""Time limits for reading untrusted files: a file that takes too long becomes an ``errors`` row.

The readers bound what a file can cost (file size, cells, merges, nesting), so a limit on wall time
is the last line of defence, against inputs nobody thought of: a pathological text for some regular
expression, a corner of a library that loops. :func:`time_limit` uses ``signal.setitimer`` and
``SIGALRM``, which interrupts pure-Python code and regular-expression matching alike; code inside a
single long C call (a huge lxml parse) is interrupted as soon as that call returns.

Where it works, and where it does not:

* Unix, in the main thread: always (``read_forms``, ``budgetlib parse``, and the worker processes of
  ``read_forms(jobs=N)``, which run their tasks in their main thread).
* Windows has no ``SIGALRM``, and signals can only be handled in the main thread (so not in threads,
  nor in the threads of a Dask worker): there the limit is not enforced and files are read to the end.
  The size and cell caps of the readers still bound every file. A debug log line says so.
* When an interval timer is already running (the caller set its own alarm), it is left alone and this
  limit is not applied, rather than breaking the caller's timer.

The alarm raises :class:`TimeLimitExceeded`, a ``BaseException``, so that no ``except Exception`` in
a reader or a library can swallow it; callers turn it into an ``errors`` row.

A limit in force is also recorded (:func:`overdue`), so that a watchdog thread can tell when the
alarm has not managed to stop a block (a single C call that does not return): the reading processes
of a Dask worker (:mod:`budgetlib.read.cluster`) end themselves then.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

TIME_LIMIT = 30.0
"""Seconds one file may take to be read (the default of ``read_forms(time_limit=...)``). Real forms
take tens of milliseconds; a file at the size and cell caps takes 1-6 s (up to about 13 s on a busy
machine)."""

DERIVE_SECONDS_PER_FORM = 0.2
"""Time allowed per form, on top of the time limit, for the derived tables of a batch (about 1 ms a
form in practice)."""


_in_force: list[tuple[float, float]] = []
"""(monotonic deadline, seconds) of the limits in force in the main thread, innermost last."""


class TimeLimitExceeded(BaseException):
    """Raised inside a block that ran longer than its :func:`time_limit`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"took longer than {seconds:g} s")
        self.seconds = seconds


def can_limit_time() -> bool:
    """True where :func:`time_limit` is enforced (Unix, main thread, no other timer running)."""
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the block once ``seconds`` of wall time have passed.

    ``None`` or a value <= 0 means no limit. Where the limit cannot be enforced (see the module's
    docstring) the block simply runs to its end.
    """
    if not seconds or seconds <= 0:
        yield
        return
    if not can_limit_time():
        log.debug("time limit of %g s not enforced here (no SIGALRM, not the main thread, or a timer runs)", seconds)
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    _in_force.append((time.monotonic() + seconds, seconds))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)
            _in_force.pop()


def overdue(grace: float) -> float | None:
    """The seconds of the limit in force if it ran out more than ``grace`` seconds ago (its alarm did
    not stop the block), else None. Safe to call from any thread."""
    current = _in_force[-1:] or None
    if current is None:
        return None
    deadline, seconds = current[0]
    return seconds if time.monotonic() > deadline + grace else None
