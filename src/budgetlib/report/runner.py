"""Run a batch of report notebooks: parse once, execute in parallel, write HTML and an index.

Where the time of a batch goes and what was done about it (numbers in the README's report section):

1. **Parse once.** Forms are read once and written to ``OUT/data/*.parquet``; the notebooks load
   those tables instead of parsing the forms again, and in a batch they find them in memory (read
   once here, before forking: :func:`budgetlib.report.data.preload`). The forms are read in a forked
   child while this process warms up (:func:`batch_tables`), so that both cores work.
2. **No kernel, no re-imports.** This process imports pandas, pyarrow, matplotlib (with the CJK font
   loaded), IPython, papermill, nbconvert and budgetlib once (:func:`prewarm`), compiles the HTML
   templates, and only then forks its ``jobs`` workers. Each notebook runs through papermill with
   the ``budgetlib`` engine, which forks a fresh child per notebook: a clean namespace per report at
   the cost of a ``fork`` (milliseconds) instead of a kernel start and imports (seconds).
3. **In-process HTML.** nbconvert's exporter is built once per process and reused.

A report that fails (a cell raises, the child dies, a cell times out) is written anyway (the executed
notebook shows where and why, papermill's error banner on top) and listed with its error in the
index and on stderr; the other reports carry on.

The batch writes into a staging folder, published into the output folder whole with a manifest when
it is complete (:mod:`budgetlib.outdir`): a failed or killed batch leaves the folder as it was. The
manifest lists every report with its status and inputs (:mod:`budgetlib.report.catalogue`), which is
what ``--only-failed`` goes by.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from html import escape as html_escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from budgetlib.display import visible, visible_in_markup
from budgetlib.formatting import format_money
from budgetlib.forms import Forms
from budgetlib.notices import chinese_reason
from budgetlib.outdir import OutputRun, files_under, now, output_run, publish, real_file
from budgetlib.output import write_tables
from budgetlib.read import Listing, list_inputs, read_listing, text_name
from budgetlib.report import catalogue, engine, papermill_plugin, precomputed
from budgetlib.report.data import load_forms, load_project_years, preload, write_project_years
from budgetlib.report.html import notebook_to_html, render_index, warm_exporter
from budgetlib.report.places import place_text
from budgetlib.report.plan import ReportJob, confined, plan_reports
from budgetlib.report.present import label
from budgetlib.report.progress import report_progress

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 600.0
"""Seconds a single cell may run before its report is stopped and marked failed."""

DATA_PARAMETER = "../data"
"""The notebooks' ``data`` parameter in a batch: the batch's tables, relative to the notebook's own
folder (``projects/``, ``annual/``; papermill runs each notebook there), so that an executed notebook
finds its tables wherever the output folder is published, moved or opened."""


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
    pages: set[str] | None = None
    """The report files (relative paths) the folder holds after the batch; None: not checked."""
    rerun: int | None = None
    """With ``only_failed``: how many reports were run again (the others were kept)."""
    earlier: list[dict[str, Any]] = field(default_factory=list)
    """Reports an earlier batch made that are not part of this one (their manifest entries)."""
    overview: dict[str, Any] = field(default_factory=dict)
    """The figures on top of the index (:func:`index_overview`); empty: none shown."""

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


START_METHOD_VARIABLE = "BUDGETLIB_REPORT_START_METHOD"
"""Environment variable choosing how report workers start: ``fork`` (the default where the system
has it) or ``spawn`` (the default elsewhere: macOS's default start method, Windows' only one)."""


def start_method() -> str:
    """``fork`` or ``spawn``: how this batch's workers start (:data:`START_METHOD_VARIABLE`, else
    ``fork`` where the system offers it). With ``spawn`` a worker shares nothing with this process,
    and each notebook runs in a kernel of its own (papermill's standard engine, ``nbclient``):
    seconds slower per report, since each kernel imports pandas, matplotlib and budgetlib afresh,
    but it needs no ``fork``."""
    chosen = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if chosen in ("fork", "spawn"):
        return chosen
    if chosen:
        raise ValueError(f"{START_METHOD_VARIABLE} must be fork or spawn, not {chosen!r}")
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _spawned_worker() -> None:
    """A spawned worker's start: papermill's translator for the project's kernel, quiet logging."""
    papermill_plugin.register()
    logging.getLogger("papermill").setLevel(logging.WARNING)


def run_report(job: ReportJob, notebooks_dir: str, out: str, timeout: float | None,
               forked: bool = True) -> ReportOutcome:
    """Execute one notebook with papermill, then write its HTML: with the ``budgetlib`` engine (a
    forked child of this pre-warmed process) or, not ``forked``, in a kernel of its own."""
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
            engine_name=papermill_plugin.ENGINE_NAME if forked else "nbclient",
            kernel_name=papermill_plugin.KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            cwd=str(ipynb.parent),
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
            page = with_navigation(visible_in_markup(notebook_to_html(nb, visible(job.title))), job)
            _write_whole(html, page if error is None else mark_incomplete(page, error))
        except Exception as exc:
            error = error or f"HTML export failed: {type(exc).__name__}: {exc}"
        seconds["html"] = time.perf_counter() - mark
    elif ipynb.exists():  # a notebook papermill could not finish writing is no audit log
        ipynb.unlink()
    seconds["total"] = time.perf_counter() - started
    return ReportOutcome(job=job, ok=error is None, error=error, seconds=seconds)


def _write_whole(path: Path, text: str) -> None:
    """Write ``path`` under a temporary name, then rename it: a page is there complete or not at all."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def _at_body(page: str, markup: str) -> str:
    at = page.find("<body")
    at = page.find(">", at) + 1 if at >= 0 else 0
    return page[:at] + markup + page[at:]


def navigation(job: ReportJob) -> str:
    """The bar on top of a report page: back to the index, and the pages of the forms it covers
    (collapsed when there are many). Links are relative, so the folder can be moved or opened from
    disk; every page lies one folder below the index."""
    def page(stem: str) -> str:
        return "../" + quote(f"{stem}.html")

    parts = ['<a href="../index.html">← 返回报告索引</a>']
    if job.covers:
        links = "".join(f'<li><a href="{page(stem)}">{html_escape(visible(text))}</a></li>'
                        for stem, text in job.covers)
        what = "同一项目年度的其他表" if job.kind == "project" else "本报告涵盖的表"
        parts.append(f"<details><summary>{what}（{len(job.covers)} 份）</summary><ul>{links}</ul></details>")
    return f'<nav class="report-nav">{"".join(parts)}</nav>'


def with_navigation(page: str, job: ReportJob) -> str:
    """``page`` with :func:`navigation` at the top of its body."""
    return _at_body(page, navigation(job))


FAILURES_FILE = "failures.json"
"""Written in the output folder after every batch: the reports that failed (stem, title, error), for
people and scripts; ``--only-failed`` goes by the manifest, which says more."""

_INCOMPLETE_BANNER = (
    '<div style="border:3px solid #a00;padding:0.6em 1em;margin:1em 0;color:#a00;font-weight:bold">'
    "报告不完整：运行失败，以下内容只到出错处为止。 INCOMPLETE: this report failed; what follows stops where "
    "it failed.<br><span style=\"font-weight:normal\">{error}</span></div>"
)


def mark_incomplete(page: str, error: str) -> str:
    """The page of a failed report with a banner at the top saying it is partial, and why."""
    return _at_body(page, _INCOMPLETE_BANNER.format(error=html_escape(visible(error))))


def _write_failures(result: BatchResult, folder: Path | None = None) -> None:
    failures = [{"stem": o.job.stem, "title": o.job.title, "error": o.error} for o in result.failures]
    text = json.dumps(failures, ensure_ascii=False, indent=1)
    ((folder or result.out) / FAILURES_FILE).write_text(text, encoding="utf-8", errors="backslashreplace")


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
    actuals: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
) -> BatchResult:
    """Build every report for the forms under ``paths`` into ``out``.

    Writes ``out/data/*.parquet`` (the parsed tables), ``out/projects/*.ipynb|html`` (one per form),
    ``out/annual/*.ipynb|html`` (one per department and one overall), ``out/index.html`` and the
    manifest, all at once when the batch is complete (see :mod:`budgetlib.outdir`).
    Never raises for a bad form or a failing report: see :attr:`BatchResult.failures` and
    :attr:`BatchResult.read_errors`. ``only_failed`` runs again just the reports the manifest of the
    last batch shows as failed, missing, changed or made from other inputs
    (:func:`budgetlib.report.catalogue.why_run`); the others keep their pages and stay in the index.
    Reports of an earlier batch that are not part of this one (another department's) are left as
    they are and listed apart. ``scheduler`` (a Dask scheduler's address, or ``"local"``) runs the
    notebooks on that cluster's workers (:mod:`budgetlib.report.cluster`), ``out`` on storage they share.
    :class:`budgetlib.outdir.OutputFolderError` for a bad ``out`` or one
    another run is writing to, before anything is read.

    ``actuals``: a filled actuals sheet (``budgetlib actuals-template``), applied to the forms once,
    before the tables are written (:func:`budgetlib.read_actuals`, :func:`budgetlib.apply_actuals`):
    every report scores with it, and it counts among the batch's inputs (a changed sheet makes
    ``only_failed`` run every report again).
    """
    _refuse_inside_ipython()
    t0 = time.perf_counter()
    notebooks = (Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()).resolve()
    if not (notebooks / "project_report.ipynb").is_file():
        raise FileNotFoundError(f"report notebooks not found in {notebooks} (give --notebooks DIR)")
    with output_run(out, "report") as run:
        listing = list_inputs(list(paths))
        files: Sequence[tuple[str, str]] = listing.files
        if actuals:
            files = [*files, (os.fspath(actuals), "actuals:" + text_name(os.fspath(actuals)))]
        data_dir = run.staging / "data"
        warm_here = scheduler is None and start_method() == "fork"
        forms, years = batch_tables(listing, actuals, data_dir, beside_warm_up=warm_here)
        t_parse = time.perf_counter()
        plan = plan_reports(forms.projects, DATA_PARAMETER, fiscal_year=fiscal_year, department=department,
                            findings=forms.findings, years=years)
        batch = _Batch.start(run, plan, files, notebooks, only_failed)
        if warm_here:
            prewarm(data_dir)
        t_warm = time.perf_counter()
        with frozen_heap():
            if scheduler is None:
                ran = execute_plan(batch.todo, notebooks, run.staging, jobs=jobs, timeout=timeout, progress=progress)
            else:
                from budgetlib.report.cluster import execute_plan_on_cluster

                ran = execute_plan_on_cluster(
                    batch.todo, notebooks, run.staging, scheduler=scheduler, jobs=jobs, timeout=timeout,
                    progress=progress, data_dir=data_dir, run_one=run_report, warm=prewarm, size=_expected_work,
                    failed=lambda job, error: ReportOutcome(job, ok=False, error=error))
            t_run = time.perf_counter()
            read_errors = forms.errors.astype(object).where(forms.errors.notna(), None).to_dict("records")
            result = batch.result(ran, read_errors)
            result.overview = index_overview(forms, years, paths, fiscal_year=fiscal_year, department=department)
            write_index(result, run.staging)
            _write_failures(result, run.staging)
            publish(run, batch.manifest(result, forms, paths, arguments={
                "fiscal_year": fiscal_year, "department": department, "jobs": jobs, "timeout": timeout,
                "notebooks": str(notebooks), "only_failed": only_failed, "scheduler": scheduler,
                "actuals": None if not actuals else text_name(os.fspath(actuals))}))
    t_end = time.perf_counter()
    result.seconds = {
        "parse_and_write_tables": t_parse - t0,
        "prewarm": t_warm - t_parse,
        "reports": t_run - t_warm,
        "index": t_end - t_run,
        "total": t_end - t0,
    }
    log.info("%d reports with %d job(s) in %.1f s: %s", len(result.outcomes), jobs, result.seconds["total"],
             ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items() if k != "total"))
    return result


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Every object alive on entry moved out of the garbage collector's reach until exit
    (``gc.freeze``).

    The warm batch process holds pandas, matplotlib, IPython, nbconvert and the batch's tables (about
    190,000 objects the collector tracks, on the shipped data); a full collection walks all of them,
    and one that fell in writing the index cost 0.12–0.15 s of its 0.35 s. Frozen objects are still
    freed when no longer referenced; only cycles among them wait, and on exit the collector takes
    them back (``gc.unfreeze``), so a long-lived caller loses nothing. A caller that had frozen its
    own heap before keeps it frozen: there is one frozen generation, not one per caller.
    """
    frozen_before = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_before:
            gc.unfreeze()


def write_forms_tables(listing: Listing, actuals: str | os.PathLike[str] | None, data_dir: Path) -> None:
    """Read the listed forms (scored with ``actuals`` when given) and write their tables and
    project-years to ``data_dir``, as the notebooks load them."""
    forms = read_listing(listing)
    if actuals:
        forms = with_actuals(forms, actuals)
    write_tables(forms, data_dir, "parquet")
    write_project_years(forms, data_dir)


def batch_tables(listing: Listing, actuals: str | os.PathLike[str] | None, data_dir: Path, *,
                 beside_warm_up: bool) -> tuple[Forms, Any]:
    """The batch's forms and project-years, written to ``data_dir`` (:func:`write_forms_tables`) and
    loaded back once (:func:`budgetlib.report.data.preload`): the batch plans from the tables every
    report reads, held once (a test finds them equal, value and type, to the forms as read).

    ``beside_warm_up``: the reading is done in a forked child while this process warms up its
    modules (:func:`warm_modules`); the two are independent, and otherwise one core idles through
    each. An error of the read (a bad actuals sheet) is raised here as it would be. A reading
    process that dies is said in the log, and the forms are read again in this process.
    """
    if beside_warm_up:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as reader:
            read = reader.submit(write_forms_tables, listing, actuals, data_dir)
            warm_modules()
            try:
                read.result()
            except BrokenProcessPool as exc:
                log.warning("the process reading the forms died (%s); reading them again in this one", exc)
                write_forms_tables(listing, actuals, data_dir)
    else:
        write_forms_tables(listing, actuals, data_dir)
    preload(data_dir)
    return load_forms(data_dir), load_project_years(data_dir)


def with_actuals(forms: Any, sheet: str | os.PathLike[str]) -> Any:
    """``forms`` scored with the filled actuals sheet ``sheet`` (its warnings among the forms')."""
    from budgetlib.scoring.actuals import apply_actuals, read_actuals

    return apply_actuals(forms, read_actuals(sheet))


@dataclass
class _Batch:
    """One batch's bookkeeping against the manifest of the last one: what to run, what to keep."""

    run: OutputRun
    plan: list[ReportJob]
    todo: list[ReportJob]
    made_from: dict[str, str]
    inputs: dict[str, Any]
    previous: dict[str, dict[str, Any]]
    recorded: dict[str, dict[str, Any]]
    only_failed: bool
    entries: list[dict[str, Any]] = field(default_factory=list)
    kept_files: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, run: OutputRun, plan: list[ReportJob], files: Sequence[tuple[str, str]], notebooks: Path,
              only_failed: bool) -> _Batch:
        inputs = catalogue.report_inputs(files, notebooks, {job.notebook for job in plan})
        made_from = {job.stem: catalogue.fingerprint(job, inputs) for job in plan}
        previous = catalogue.previous_reports(run.previous)
        recorded = catalogue.recorded_files(run.previous)
        todo = plan
        if only_failed:
            todo = [job for job in plan
                    if catalogue.why_run(job, previous.get(job.stem), made_from[job.stem], run.out, recorded)]
        return cls(run, plan, todo, made_from, inputs, previous, recorded, only_failed)

    def result(self, ran: Sequence[ReportOutcome], read_errors: list[dict[str, Any]]) -> BatchResult:
        """Every planned report's outcome (run now, or kept), the pages there will be, the earlier
        reports kept beside them; the manifest's entries on the way."""
        stage, out, finished = self.run.staging, self.run.out, now()
        outcomes_now = {outcome.job.stem: outcome for outcome in ran}
        outcomes: list[ReportOutcome] = []
        pages: set[str] = set()
        for job in self.plan:
            outcome = outcomes_now.get(job.stem)
            if outcome is None:  # kept: it was complete and current
                entry = {**self.previous[job.stem], "in_this_run": True}
                self._keep(entry, pages)
                outcomes.append(ReportOutcome(job=job, ok=True))
                continue
            written = [path for path in catalogue.page_files(job) if real_file(stage / path, stage)]
            if outcome.ok and len(written) < len(catalogue.PAGE_SUFFIXES):
                outcome = ReportOutcome(job, ok=False, error="its page or notebook was not written",
                                        seconds=outcome.seconds)
            pages.update(written)
            self.entries.append(catalogue.report_entry(job, ok=outcome.ok, error=outcome.error,
                                                       made_from=self.made_from[job.stem], finished=finished,
                                                       files=written))
            outcomes.append(outcome)
        planned = {job.stem for job in self.plan}
        earlier = []
        for stem, entry in self.previous.items():
            if stem not in planned and catalogue.intact(out, entry.get("files", []), self.recorded):
                entry = {**entry, "in_this_run": False}
                self._keep(entry, pages)
                earlier.append(entry)
        return BatchResult(out, outcomes, read_errors, {}, pages=pages,
                           rerun=len(self.todo) if self.only_failed else None, earlier=earlier)

    def _keep(self, entry: dict[str, Any], pages: set[str]) -> None:
        self.entries.append(entry)
        self.kept_files.extend(entry.get("files", []))
        pages.update(entry.get("files", []))

    def manifest(self, result: BatchResult, forms: Any, paths: Sequence[str | os.PathLike[str]],
                 arguments: dict[str, Any]) -> dict[str, Any]:
        """The manifest of the batch: its inputs, counts, reports and every file of the folder that is
        budgetlib's (those written now, and the kept reports' files as recorded)."""

        outputs = files_under(self.run.staging)
        written = {entry["path"] for entry in outputs}
        outputs += [self.recorded[path] for path in self.kept_files if path not in written and path in self.recorded]
        failed = len(result.failures)
        return {
            "arguments": arguments,
            "inputs": {"paths": [text_name(os.fspath(path)) for path in paths], **self.inputs},
            "counts": {"forms": len(forms.projects), "files_not_read": len(result.read_errors),
                       "reports": len(self.plan), "run": len(self.todo), "ok": len(self.plan) - failed,
                       "failed": failed, "kept": len(self.plan) - len(self.todo), "earlier": len(result.earlier)},
            "reports": self.entries,
            "outputs": sorted(outputs, key=lambda entry: entry["path"]),
        }


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
    font, the HTML templates (:func:`warm_modules`) and, given ``data_dir``, the batch's tables."""
    warm_modules()
    if data_dir is not None:
        preload(data_dir)
        precomputed.prepare(load_forms(data_dir))


@cache
def warm_modules() -> None:
    """The batch-independent part of :func:`prewarm`, once per process: papermill's engine and
    translator, the warm engine (modules, font, blank figures), the compiled HTML templates."""
    papermill_plugin.register()
    # papermill announces every notebook's paths at INFO; a batch reports its own progress
    logging.getLogger("papermill").setLevel(logging.WARNING)
    engine.prewarm()
    warm_exporter()


def execute_plan(
    plan: Sequence[ReportJob],
    notebooks_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    jobs: int = 1,
    timeout: float | None = DEFAULT_TIMEOUT,
    progress: bool = True,
) -> list[ReportOutcome]:
    """Run the reports of ``plan`` in ``jobs`` worker processes forked from this (pre-warmed) one,
    or spawned where ``fork`` is unavailable or not chosen (:func:`start_method`).

    Outcomes come back in plan order; a report that fails, or whose worker dies, is an outcome with
    its error, and the others carry on.
    """
    from budgetlib.charts import SHARED_CHARTS_FOLDER, sharing_drawn_charts

    _refuse_inside_ipython()
    method = start_method()
    forked = method == "fork"
    if forked:
        prewarm()
    notebooks, out = str(Path(notebooks_dir).resolve()), str(Path(out).resolve())
    outcomes: dict[int, ReportOutcome] = {}
    sys.stdout.flush()
    sys.stderr.flush()
    context = multiprocessing.get_context(method)
    with sharing_drawn_charts(Path(out) / SHARED_CHARTS_FOLDER), \
            ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context,
                                initializer=None if forked else _spawned_worker) as pool:
        # largest first, so that the overall report does not start last and run alone at the end
        order = sorted(range(len(plan)), key=lambda i: _expected_work(plan[i]), reverse=True)
        futures: dict[Future[ReportOutcome], int] = {
            pool.submit(run_report, plan[i], notebooks, out, timeout, forked): i for i in order
        }
        with report_progress(len(plan), progress) as came_back:
            for future in as_completed(futures):
                i = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool as exc:
                    outcome = ReportOutcome(plan[i], ok=False, error=f"the report worker died: {exc}")
                except Exception as exc:
                    outcome = ReportOutcome(plan[i], ok=False, error=f"{type(exc).__name__}: {exc}")
                outcomes[i] = outcome
                came_back(outcome)
    return [outcomes[i] for i in range(len(plan))]


def _expected_work(job: ReportJob) -> int:
    """A rough size of a report, to schedule the large ones first: the forms it covers."""
    return int(job.summary.get("forms", 1) or 1) + (1 if job.kind == "annual" else 0)


# ----------------------------------------------------------------------------------------------
# index.html


def _href(stem: str, suffix: str, pages: set[str] | None = None) -> str | None:
    """The link to a report's file; None when the folder will not hold it."""
    if pages is not None and f"{stem}{suffix}" not in pages:
        return None
    return quote(f"{stem}{suffix}")


def index_overview(forms: Any, years: Any, paths: Sequence[str | os.PathLike[str]], *,
                   fiscal_year: int | None = None, department: str | None = None) -> dict[str, Any]:
    """The figures on top of the index, over the forms the batch covers: forms by type, project-years
    and their budget per fiscal year (from ``bl.project_years``, each project-year once, years never
    added), findings by severity, when it was made and from what."""
    from budgetlib.report.data import select_forms
    from budgetlib.report.plan import _years_of, budget_by_year
    from budgetlib.schema import SEVERITIES

    chosen = select_forms(forms, fiscal_year=fiscal_year, department=department)
    projects = chosen.projects
    types = projects["form_type"].value_counts()
    findings = chosen.findings["severity"].value_counts()
    by_year = budget_by_year(_years_of(years, projects))
    return {
        "generated": now()[:19].replace("T", " "),
        "sources": [visible(text_name(os.fspath(path))) for path in paths],
        "forms": len(projects),
        "form_types": [{"label": label("form_type", kind), "count": int(types[kind])} for kind in types.index],
        "projects": sum(year["projects"] for year in by_year.values()),
        "years": [{"year": year, "budget": format_money(figures["budget_yuan"], "万元"),
                   "projects": figures["projects"], "unknown": figures["unknown"]}
                  for year, figures in by_year.items()],
        "findings": [{"label": label("severity", severity), "severity": severity,
                      "count": int(findings.get(severity, 0))} for severity in SEVERITIES],
        "files_not_read": len(forms.errors),
        "filters": "，".join(p for p in (f"{fiscal_year}年度" if fiscal_year else None,
                                        visible(department) if department else None) if p),
    }


def _by_year_lines(by_year: dict[Any, dict[str, Any]]) -> list[str]:
    """An all-years report's budgets for the index: each year on its line, never a sum."""
    return [f"{year}年 {format_money(figures['budget_yuan'], '万元')}" for year, figures in by_year.items()]


def index_read_errors(read_errors: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The files not read as the index lists them: names and messages with their invisible characters
    escaped, the reason in Chinese (``reason``, '' for an unknown code) and the place in Chinese.

    >>> (row,) = index_read_errors([{"source_file": "a.xlsx", "code": "E_EMPTY_FILE", "error": "empty file",
    ...                              "location": "sheet 'Sheet1'"}])
    >>> row["location"], row["reason"], row["error"]
    ('工作表「Sheet1」', '空文件：文件没有任何内容（0 字节）。', 'empty file')
    """
    return [{**{key: visible(value) if isinstance(value, str) else value for key, value in error.items()},
             "location": str(place_text(error["location"])) if error.get("location") else "",
             "reason": chinese_reason(error.get("code"))} for error in read_errors]


def write_index(result: BatchResult, folder: Path | None = None) -> Path:
    """``index.html`` (in ``folder``, default the result's folder): every report with its summary and
    status, failures and unread files listed; links only to the files the folder holds; names from
    the data shown with their invisible characters escaped (:func:`budgetlib.display.visible`)."""
    def row(outcome: ReportOutcome) -> dict[str, Any]:
        summary: dict[str, Any] = {key: visible(value) if isinstance(value, str) else value
                   for key, value in outcome.job.summary.items()}
        summary["budget"] = format_money(summary.get("budget_yuan"), "万元")
        by_year = summary.get("budget_by_year") or {}
        summary["budget_lines"] = _by_year_lines(by_year) if len(by_year) > 1 else [summary["budget"]]
        summary["sort_budget"] = summary.get("budget_yuan") if summary.get("budget_yuan") is not None else ""
        if "form_type" in summary:
            summary["form_type"] = label("form_type", summary["form_type"])
        elif outcome.job.notebook == "indicator_attainment.ipynb":
            summary["form_type"] = "指标完成情况（绩效自评表）"
        else:
            summary["form_type"] = "年度汇总（各类表）"
        if summary.get("fiscal_year") is None:
            summary["fiscal_year"] = "—"
        for severity in ("errors", "warnings"):
            summary[severity] = "—" if summary.get(severity) is None else summary[severity]
        kind = {"annual_report.ipynb": "年度报告", "indicator_attainment.ipynb": "指标完成情况"}
        return {
            "title": visible(outcome.job.title),
            "name": kind.get(outcome.job.notebook, visible(outcome.job.title)),
            "html": _href(outcome.job.stem, ".html", result.pages),
            "ipynb": _href(outcome.job.stem, ".ipynb", result.pages),
            "ok": outcome.ok,
            "error": None if outcome.error is None else visible(outcome.error),
            "summary": summary,
        }

    rows = [row(o) for o in result.outcomes]
    context = {
        "projects": [r for r, o in zip(rows, result.outcomes, strict=True) if o.job.kind == "project"],
        "annual": [r for r, o in zip(rows, result.outcomes, strict=True) if o.job.kind == "annual"],
        "failures": [r for r in rows if not r["ok"]],
        "read_errors": index_read_errors(result.read_errors),
        "earlier": [{"title": visible(entry.get("title", entry["stem"])),
                     "html": _href(entry["stem"], ".html", result.pages),
                     "ipynb": _href(entry["stem"], ".ipynb", result.pages),
                     "finished": str(entry.get("finished") or "—")[:16].replace("T", " "),
                     "ok": entry.get("status") == "ok"} for entry in result.earlier],
        "total": len(rows),
        "overview": result.overview,
    }
    path = (folder or result.out) / "index.html"
    path.write_text(render_index(context), encoding="utf-8")
    return path
