"""Run a batch of report notebooks: parse once, execute in parallel, write HTML and an index.

Where the time of a batch goes and what was done about it (numbers in the README's report section):

1. **Parse once.** Forms are read once and written to ``OUT/data/*.parquet``; the notebooks load
   those tables instead of parsing the forms again, and in a batch they find them in memory (read
   once here, before forking: :func:`budgetlib.report.data.preload`).
2. **No kernel, no re-imports.** This process imports pandas, pyarrow, matplotlib (with the CJK font
   loaded), IPython, papermill, nbconvert and budgetlib once (:func:`prewarm`), compiles the HTML
   templates, and only then forks its ``jobs`` workers. Each notebook runs through papermill with
   the ``budgetlib`` engine, which forks a fresh child per notebook: a clean namespace per report at
   the cost of a ``fork`` (milliseconds) instead of a kernel start and imports (seconds).
3. **In-process HTML.** nbconvert's exporter is built once per process and reused.

A report that fails (a cell raises, the child dies, a cell times out) is written anyway (the executed
notebook shows where and why, papermill's error banner on top) and listed with its error in the
index and on stderr; the other reports carry on.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tqdm import tqdm

from budgetlib.formatting import format_money
from budgetlib.output import write_tables
from budgetlib.read import read_forms
from budgetlib.report import engine, papermill_plugin
from budgetlib.report.data import preload
from budgetlib.report.html import notebook_to_html, render_index, warm_exporter
from budgetlib.report.plan import ReportJob, confined, plan_reports
from budgetlib.report.present import label

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 600.0
"""Seconds a single cell may run before its report is stopped and marked failed."""


@dataclass
class ReportOutcome:
    """What became of one report."""

    job: ReportJob
    ok: bool
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time by phase: papermill (load, parameterize, execute, write), html, total."""


@dataclass
class BatchResult:
    """A batch: every report's outcome, the files that could not be read, and the phase times."""

    out: Path
    outcomes: list[ReportOutcome]
    read_errors: list[dict[str, Any]]
    seconds: dict[str, float]

    @property
    def failures(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def exit_status(self) -> int:
        """0 when every form was read and every report succeeded, else 1."""
        return 1 if self.failures or self.read_errors else 0


def default_notebooks_dir() -> Path:
    """The project's ``notebooks/`` folder (next to ``src/`` in a checkout)."""
    return Path(__file__).resolve().parents[3] / "notebooks"


# ----------------------------------------------------------------------------------------------
# one report (runs in a worker process)


def run_report(job: ReportJob, notebooks_dir: str, out: str, timeout: float | None) -> ReportOutcome:
    """Execute one notebook with papermill (engine ``budgetlib``), then write its HTML."""
    # papermill imports this package while it loads its engine entry points
    # (budgetlib.report.papermill_plugin), so it cannot be imported at the top of a module here
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    seconds: dict[str, float] = {}
    out_dir = Path(out)
    ipynb = confined(out_dir, job.stem, ".ipynb")
    html = confined(out_dir, job.stem, ".html")
    ipynb.parent.mkdir(parents=True, exist_ok=True)
    error: str | None = None
    nb = None
    try:
        nb = papermill.execute_notebook(
            str(Path(notebooks_dir) / job.notebook),
            str(ipynb),
            parameters=job.parameters,
            engine_name=papermill_plugin.ENGINE_NAME,
            kernel_name=papermill_plugin.KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            cwd=str(out_dir),
        )
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}".strip()
        nb = nbformat.read(ipynb, as_version=4) if ipynb.exists() else None
    except Exception as exc:  # a notebook that cannot even be loaded or parameterized
        error = f"{type(exc).__name__}: {exc}"
    seconds["papermill"] = time.perf_counter() - started
    if nb is not None:
        mark = time.perf_counter()
        try:
            page = notebook_to_html(nb, job.title)
            html.write_text(page if error is None else mark_incomplete(page, error), encoding="utf-8")
        except Exception as exc:
            error = error or f"HTML export failed: {type(exc).__name__}: {exc}"
        seconds["html"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    return ReportOutcome(job=job, ok=error is None, error=error, seconds=seconds)


FAILURES_FILE = "failures.json"
"""Written in the output folder after every batch: the reports that failed, for ``--only-failed``."""

_INCOMPLETE_BANNER = (
    '<div style="border:3px solid #a00;padding:0.6em 1em;margin:1em 0;color:#a00;font-weight:bold">'
    "报告不完整：运行失败，以下内容只到出错处为止。 INCOMPLETE: this report failed; what follows stops where "
    "it failed.<br><span style=\"font-weight:normal\">{error}</span></div>"
)


def mark_incomplete(page: str, error: str) -> str:
    """The page of a failed report with a banner at the top saying it is partial, and why."""
    banner = _INCOMPLETE_BANNER.format(error=html_escape(error))
    at = page.find("<body")
    at = page.find(">", at) + 1 if at >= 0 else 0
    return page[:at] + banner + page[at:]


def previous_failures(out: str | os.PathLike[str]) -> set[str] | None:
    """Stems of the reports that failed in the last batch written to ``out`` (None: no record)."""
    path = Path(out) / FAILURES_FILE
    if not path.is_file():
        return None
    return {entry["stem"] for entry in json.loads(path.read_text(encoding="utf-8"))}


def _write_failures(result: BatchResult) -> None:
    failures = [{"stem": o.job.stem, "title": o.job.title, "error": o.error} for o in result.failures]
    (result.out / FAILURES_FILE).write_text(json.dumps(failures, ensure_ascii=False, indent=1), encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# the batch


def run_reports(
    paths: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    fiscal_year: int | None = None,
    department: str | None = None,
    jobs: int = 1,
    timeout: float | None = DEFAULT_TIMEOUT,
    notebooks_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    only_failed: bool = False,
) -> BatchResult:
    """Build every report for the forms under ``paths`` into ``out``.

    Writes ``out/data/*.parquet`` (the parsed tables), ``out/projects/*.ipynb|html`` (one per form),
    ``out/annual/*.ipynb|html`` (one per department and one overall) and ``out/index.html``.
    Never raises for a bad form or a failing report: see :attr:`BatchResult.failures` and
    :attr:`BatchResult.read_errors`. ``only_failed`` re-runs just the reports that failed in the last
    batch written to ``out`` (listed in ``out/failures.json``); the others keep their pages and stay in
    the index.
    """
    _refuse_inside_ipython()
    t0 = time.perf_counter()
    out_dir = Path(out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    notebooks = (Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()).resolve()
    if not (notebooks / "project_report.ipynb").is_file():
        raise FileNotFoundError(f"report notebooks not found in {notebooks} (give --notebooks DIR)")
    forms = read_forms(list(paths))
    data_dir = out_dir / "data"
    write_tables(forms, data_dir, "parquet")
    t_parse = time.perf_counter()
    plan = plan_reports(forms.projects, str(data_dir.resolve()), fiscal_year=fiscal_year, department=department,
                        findings=forms.findings)
    full_plan = plan
    if only_failed:
        failed_before = previous_failures(out_dir) or set()
        plan = [job for job in plan if job.stem in failed_before]
    prewarm(data_dir)
    t_warm = time.perf_counter()
    outcomes = execute_plan(plan, notebooks, out_dir, jobs=jobs, timeout=timeout, progress=progress)
    if only_failed:  # the reports not re-run succeeded last time: they keep their pages and index rows
        rerun = {outcome.job.stem: outcome for outcome in outcomes}
        outcomes = [rerun.get(job.stem, ReportOutcome(job=job, ok=True)) for job in full_plan]
    t_run = time.perf_counter()
    read_errors = forms.errors.astype(object).where(forms.errors.notna(), None).to_dict("records")
    result = BatchResult(out_dir, outcomes, read_errors, {})
    write_index(result)
    _write_failures(result)
    t_end = time.perf_counter()
    result.seconds = {
        "parse_and_write_tables": t_parse - t0,
        "prewarm": t_warm - t_parse,
        "reports": t_run - t_warm,
        "index": t_end - t_run,
        "total": t_end - t0,
    }
    log.info("%d reports with %d job(s) in %.1f s: %s", len(outcomes), jobs, result.seconds["total"],
             ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items() if k != "total"))
    return result


def _refuse_inside_ipython() -> None:
    """The runner forks its own process: inside a Jupyter kernel that would copy the kernel's
    threads and sockets, so it says how to run it instead."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and type(shell).__name__ != "RecordingShell":  # ours is the pre-warmed one
        raise RuntimeError("run the batch in its own process: `budgetlib report ...` in a terminal, "
                           "or `!budgetlib report ...` in a notebook cell")


def prewarm(data_dir: Path | None = None) -> None:
    """Everything the workers need, loaded once here so that forked workers share it: modules, the
    font, the HTML templates and (given ``data_dir``) the batch's tables."""
    papermill_plugin.register()
    # papermill announces every notebook's paths at INFO; a batch reports its own progress
    logging.getLogger("papermill").setLevel(logging.WARNING)
    engine.prewarm()
    warm_exporter()
    if data_dir is not None:
        preload(data_dir)


def execute_plan(
    plan: Sequence[ReportJob],
    notebooks_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    jobs: int = 1,
    timeout: float | None = DEFAULT_TIMEOUT,
    progress: bool = True,
) -> list[ReportOutcome]:
    """Run the reports of ``plan`` in ``jobs`` worker processes forked from this (pre-warmed) one.

    Outcomes come back in plan order; a report that fails, or whose worker dies, is an outcome with
    its error, and the others carry on.
    """
    _refuse_inside_ipython()
    prewarm()
    notebooks, out = str(Path(notebooks_dir).resolve()), str(Path(out).resolve())
    outcomes: dict[int, ReportOutcome] = {}
    sys.stdout.flush()
    sys.stderr.flush()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        # largest first, so that the overall report does not start last and run alone at the end
        order = sorted(range(len(plan)), key=lambda i: _expected_work(plan[i]), reverse=True)
        futures: dict[Future[ReportOutcome], int] = {
            pool.submit(run_report, plan[i], notebooks, out, timeout): i for i in order
        }
        with tqdm(total=len(plan), desc="reports", unit="report", file=sys.stderr, disable=not progress,
                  dynamic_ncols=True) as bar:
            for future in as_completed(futures):
                i = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool as exc:
                    outcome = ReportOutcome(plan[i], ok=False, error=f"the report worker died: {exc}")
                except Exception as exc:
                    outcome = ReportOutcome(plan[i], ok=False, error=f"{type(exc).__name__}: {exc}")
                outcomes[i] = outcome
                if not outcome.ok:
                    bar.write(f"FAILED {outcome.job.stem}: {outcome.error}", file=sys.stderr)
                bar.update(1)
    return [outcomes[i] for i in range(len(plan))]


def _expected_work(job: ReportJob) -> int:
    """A rough size of a report, to schedule the large ones first: the forms it covers."""
    return int(job.summary.get("forms", 1) or 1) + (1 if job.kind == "annual" else 0)


# ----------------------------------------------------------------------------------------------
# index.html


def _href(stem: str, suffix: str) -> str:
    return quote(f"{stem}{suffix}")


def write_index(result: BatchResult) -> Path:
    """``index.html``: every report with its summary and status, failures and unread files listed."""
    def row(outcome: ReportOutcome) -> dict[str, Any]:
        summary = dict(outcome.job.summary)
        summary["budget"] = format_money(summary.get("budget_yuan"), "万元")
        if "form_type" in summary:
            summary["form_type"] = label("form_type", summary["form_type"])
        if summary.get("fiscal_year") is None:
            summary["fiscal_year"] = "—"
        for severity in ("errors", "warnings"):
            summary[severity] = "—" if summary.get(severity) is None else summary[severity]
        return {
            "title": outcome.job.title,
            "html": _href(outcome.job.stem, ".html"),
            "ipynb": _href(outcome.job.stem, ".ipynb"),
            "ok": outcome.ok,
            "error": outcome.error,
            "summary": summary,
        }

    rows = [row(o) for o in result.outcomes]
    context = {
        "projects": [r for r, o in zip(rows, result.outcomes, strict=True) if o.job.kind == "project"],
        "annual": [r for r, o in zip(rows, result.outcomes, strict=True) if o.job.kind == "annual"],
        "failures": [r for r in rows if not r["ok"]],
        "read_errors": result.read_errors,
        "total": len(rows),
    }
    path = result.out / "index.html"
    path.write_text(render_index(context), encoding="utf-8")
    return path
