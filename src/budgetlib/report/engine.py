"""A papermill engine that runs each notebook in a forked child of a pre-warmed process.

Why: a papermill run through nbclient spends most of its time on things that are not the report's
work (measured on the shipped data, see the README's report section): starting a kernel, importing
pandas, matplotlib and budgetlib again in that kernel, loading the CJK font, and the ZeroMQ round
trips of every output. Here the process that runs papermill imports all of that once
(:func:`prewarm`), and for every notebook ``os.fork()``s a child that executes the cells in a
:class:`~budgetlib.report.shell.RecordingShell`:

- **Fresh, isolated namespace per report.** The child is a copy of a process in which no report code
  has ever run; whatever a report does (globals, rcParams, monkeypatches, leaked memory) dies with it.
- **Faithful audit log.** Papermill still loads, parameterizes (injected-parameters cell), times and
  writes the notebook through its ``NotebookExecutionManager``; only the execution is ours. Outputs
  are the nbformat outputs a kernel would produce.
- **Failures stay failures.** A cell that raises gets its ``error`` output and papermill marks the
  notebook failed; a child that dies (``os._exit``, a segfault, the OOM killer) or a cell that runs
  longer than ``execution_timeout`` seconds becomes an ``error`` output on the cell that was running
  (``DeadKernelError`` / ``CellTimeoutError``, as nbclient names them), with the child's last words
  from its file descriptors, and the caller carries on.

Papermill knows this engine as ``budgetlib`` through :mod:`budgetlib.report.papermill_plugin`
(also a ``papermill.engine`` entry point, so ``papermill --engine budgetlib`` works). Unix only: it
relies on ``fork``.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import logging
import os
import platform
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection, Pipe
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

_LOG_CHARS = 20_000
_LOG_LINES = 12

# ----------------------------------------------------------------------------------------------
# the pre-warmed state every child starts from

_WARM: dict[str, Any] = {}


BLANK_FIGURES = 8
"""Blank chart figures built before forking (:func:`budgetlib.charts.make_blank_figures`): a report
draws at most 7 charts on the shipped data (an annual report); more are built as they are needed."""


def prewarm() -> None:
    """Import and initialise, once per process, everything a report needs before any report runs.

    pandas, pyarrow, matplotlib with the CJK font loaded and a figure drawn, budgetlib and its report
    sections, an IPython shell. Children forked afterwards start with all of
    it in memory (copy-on-write) and with an empty user namespace.
    """
    if _WARM:
        return
    started = time.perf_counter()
    # These imports are the warm-up itself, so they are here rather than at the top: importing this
    # module (papermill does, through budgetlib.report, whenever it loads its engines) stays cheap.
    import matplotlib

    # as ipykernel does: pyplot, if a notebook imports it, draws inline (not imported here: the
    # report charts do not need it)
    matplotlib.use("module://matplotlib_inline.backend_inline")
    import pyarrow.parquet  # noqa: F401

    import budgetlib.charts as charts
    import budgetlib.report.sections  # noqa: F401
    from budgetlib.report.shell import new_shell

    _warm_font(charts)
    charts.make_blank_figures(BLANK_FIGURES)
    _WARM["shell"] = new_shell()
    _WARM["seconds"] = time.perf_counter() - started
    log.debug("pre-warmed in %.2f s", _WARM["seconds"])


def _warm_font(charts: Any) -> None:
    """Draw Chinese text once so the 19.5 MB font collection is parsed before forking, not per child;
    then each kind of chart once (:func:`_warm_charts`)."""
    fig = charts.amount_bars(pd.DataFrame({"label": ["预热 warm-up 0123456789"], "amount_yuan": [1.0]}))
    fig._repr_png_()
    _warm_charts(charts)


def _vocabulary_characters() -> str:
    """The Chinese characters of budgetlib's vocabulary (labels, report labels, units): most of what
    a chart writes, whose glyphs are then rendered once here rather than in every report."""
    from importlib.resources import files

    seen: dict[str, None] = {}
    for name in ("report_labels.csv", "labels.csv", "money_units.csv", "count_units.csv", "indicator_levels.csv"):
        try:
            text = (files("budgetlib") / "data" / name).read_text(encoding="utf-8")
        except OSError:
            continue
        seen.update(dict.fromkeys(ch for ch in text if "\u4e00" <= ch <= "\u9fff"))
    return "".join(seen)


def _warm_charts(charts: Any) -> None:
    """Draw every kind of chart once, and the vocabulary's characters, before forking.

    Measured in a forked child, a report's first chart of each kind cost 0.05-0.08 s more than the
    second (matplotlib's first use of its artists, tick formatters and layout engine, and the glyphs
    of the text): paid here once per batch instead of in every report. A warm-up that fails costs
    only its own time: a report draws its charts anyway.
    """
    characters = _vocabulary_characters()
    lines = [characters[i:i + 40] for i in range(0, len(characters), 40)] or ["预热"]
    samples = [
        lambda: charts.amount_bars(pd.DataFrame({"label": ["甲", "乙"], "amount_yuan": [1.0, 2.5e5]})),
        lambda: charts.yoy_bars(pd.DataFrame({"label": ["甲", "甲"], "fiscal_year": [2021, 2022],
                                              "amount_yuan": [1.0e4, 2.0e4], "change_fraction": [float("nan"), 1.0]})),
        lambda: charts.cost_breakdown(pd.DataFrame({"description": ["甲", "乙"], "stated_amount_yuan": [1.0e4, 2.0e4],
                                                    "list_amount_yuan": [1.2e4, float("nan")]})),
        lambda: charts.attainment(pd.DataFrame({"name": ["甲", "乙"], "attainment": [1.0, 0.5],
                                                "computed_score": [10.0, 5.0], "weight": [10.0, 10.0]})),
        lambda: charts.amount_bars(pd.DataFrame({"label": lines, "amount_yuan": [1.0] * len(lines)}), sort=False),
    ]
    for make in samples:
        try:
            make()._repr_png_()
        except Exception:
            log.debug("a chart warm-up failed", exc_info=True)


# ----------------------------------------------------------------------------------------------
# child side


def _child_main(conn: Connection, cells: Sequence[tuple[int, str, str, bool]], log_fd: int) -> None:
    """Run the cells in the pre-warmed shell and report each one; never returns."""
    status = 0
    try:
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        faulthandler.enable(file=2, all_threads=False)  # file descriptor 2: the log, since the dup2 above
        shell = _WARM["shell"]
        for index, cell_type, source, may_raise in cells:
            conn.send(("start", index, shell.execution_count if cell_type == "code" else None))
            if cell_type != "code":
                conn.send(("done", index, None, [], False))
                continue
            outputs, count, failed = shell.run_recorded(source)
            conn.send(("done", index, count, outputs, failed))
            if failed and not may_raise:
                break
        conn.send(("end",))
    except BaseException:  # the parent must hear about anything, then the child exits
        status = 70
        with contextlib.suppress(Exception):
            conn.send(("crash", traceback.format_exc()))
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


# ----------------------------------------------------------------------------------------------
# parent side


def _error_output(ename: str, evalue: str, details: str = "") -> dict[str, Any]:
    lines = [f"{ename}: {evalue}"]
    if details.strip():
        lines += ["", "Last output of the report process:", details.rstrip()]
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": lines}


def _describe_exit(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the report process was killed by {name}"
    return f"the report process exited with status {code}"


def _last_words(handle: Any) -> str:
    """The start of what the child wrote to its file descriptors (a fatal error names itself and the
    cell's frame first; the list of extension modules that follows is noise)."""
    try:
        handle.flush()
        handle.seek(0)
        text = handle.read(_LOG_CHARS).decode("utf-8", "replace")
    except OSError:
        return ""
    lines = text.splitlines()
    return "\n".join(lines[:_LOG_LINES])


def _reap(pid: int, kill: bool) -> int:
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return status


def run_forked(nb_man: Any, execution_timeout: float | None = None) -> None:
    """Execute ``nb_man.nb`` in a forked child, reporting each cell through papermill's manager."""
    prewarm()
    nb = nb_man.nb
    nb.metadata["language_info"] = _language_info()
    cells = [
        (i, cell.cell_type, cell.source, "raises-exception" in cell.metadata.get("tags", []))
        for i, cell in enumerate(nb.cells)
    ]
    reader, writer = Pipe(duplex=False)
    with tempfile.TemporaryFile() as child_log:
        sys.stdout.flush()
        sys.stderr.flush()
        # Objects that exist now are never collected in the child: the child's garbage collector
        # then leaves the inherited pages alone instead of copying them (measured: -15 % child CPU).
        gc.freeze()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
            reader.close()
            _child_main(writer, cells, child_log.fileno())
        writer.close()
        try:
            _follow_child(nb_man, reader, pid, child_log, execution_timeout)
        finally:
            reader.close()


def _follow_child(nb_man: Any, reader: Connection, pid: int, child_log: Any, timeout: float | None) -> None:
    from nbformat import from_dict  # papermill has loaded it by now; importing this module does not


    nb = nb_man.nb
    running: int | None = None
    finished = False
    killed = False
    problem: tuple[str, str] | None = None
    try:
        while True:
            if not reader.poll(timeout):
                killed = True
                problem = ("CellTimeoutError", f"a cell ran longer than the {timeout:g} s allowed")
                break
            try:
                message = reader.recv()
            except EOFError:
                break
            kind = message[0]
            if kind == "start":
                _, running, count = message
                if count is not None:
                    nb.cells[running].execution_count = count
                nb_man.cell_start(nb.cells[running], running)
            elif kind == "done":
                _, index, count, outputs, failed = message
                cell = nb.cells[index]
                if cell.cell_type == "code":
                    cell.execution_count = count
                    cell.outputs = [from_dict(output) for output in outputs]
                if failed:
                    nb_man.cell_exception(cell, index)
                nb_man.cell_complete(cell, index)
                running = None
            elif kind == "crash":
                problem = ("DeadKernelError", "the report process failed outside any cell:\n" + message[1])
            elif kind == "end":
                finished = True
                break
    finally:
        status = _reap(pid, kill=killed or not finished)
    if finished and problem is None:
        return
    if problem is None:
        problem = ("DeadKernelError", _describe_exit(status))
    ename, evalue = problem
    output = from_dict(_error_output(ename, evalue, _last_words(child_log)))
    index = running if running is not None else _first_unfinished_code_cell(nb)
    if index is None:
        nb.metadata.papermill["exception"] = True
        return
    cell = nb.cells[index]
    cell.outputs = [*cell.get("outputs", []), output]
    nb_man.cell_exception(cell, index)
    nb_man.cell_complete(cell, index)


def _language_info() -> dict[str, Any]:
    """What an IPython kernel reports about its language (nbclient writes it into the notebook)."""
    return {
        "name": "python", "version": platform.python_version(), "mimetype": "text/x-python",
        "file_extension": ".py", "pygments_lexer": "ipython3", "codemirror_mode": {"name": "ipython", "version": 3},
        "nbconvert_exporter": "python",
    }


def _first_unfinished_code_cell(nb: Any) -> int | None:
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("status") != "completed":
            return index
    return None
