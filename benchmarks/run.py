"""budgetlib's benchmarks, side by side: ``python -m benchmarks.run`` (or ``make benchmark``).

Measures, on forms the size of the seed (see :mod:`benchmarks.corpus`):

1. parse throughput on one core for markdown, HTML and xlsx (forms per CPU second, and per wall
   second), split into reading the forms (parse + one DataFrame per table) and the derived tables
   (cost items, review findings) that ``read_forms`` and ``budgetlib parse`` add;
2. in the same process and on the same HTML files, ``pandas.read_html`` extracting only the raw
   tables, and the ratio to the full read with derived tables; the same against
   ``pandas.read_excel(sheet_name=None)`` on the office-made xlsx examples (each pair timed taking
   turns, repeat by repeat); office-made docx and PDF forms/s; and, for markdown and HTML, the most a
   new form reader alone could give (only the shares of loading, the tables and the derived tables
   left, timed taking turns with a whole read);
3. peak RSS of ``budgetlib parse ... --format parquet`` (the streaming path) on 10^3, 10^4 and 10^5
   forms, each in its own process, the peak taken from the kernel's accounting of that child
   (``wait4``), time per form at the largest size against the smallest, and the speed-up of
   ``--jobs 2`` over ``--jobs 1``;
4. batch report time (``budgetlib report data/raw``) at ``--jobs`` 1 and 2, when that command exists.

Each measure with a target (the ``TARGET_*`` constants) says whether it was met. The machine's facts
include how long a plain Python loop takes, to weigh runs made on different machines.

Prints a table and writes ``benchmarks/results.md`` and ``benchmarks/results.json``. ``--quick`` is a
smoke run of a few seconds (small counts, no reports); the default full run takes 15–20 minutes
on two cores and about 0.8 GB of disk under ``benchmarks/work/`` (10^5 small files; removed at the end
unless ``--keep-work``).

Timings are best of ``--repeats`` runs: on a shared machine the minimum is the least disturbed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import corpus

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
CLI = "import sys; from budgetlib.cli import main; sys.exit(main())"
MIB = 1024 * 1024

FULL = {"forms": {"md": 2000, "html": 1000, "xlsx": 200}, "sizes": [1_000, 10_000, 100_000], "repeats": 5,
        "speedup_size": 10_000, "reports": True}
QUICK = {"forms": {"md": 20, "html": 20, "xlsx": 4}, "sizes": [100], "repeats": 1, "speedup_size": 100,
         "reports": False}

# The targets (see the project's speed issue): what a province's budget cycle needs.
TARGET_MD_FORMS_PER_S = 2500.0  # seed-sized markdown, derived tables included, one core
TARGET_XLSX_RATIO = 2.0  # read_forms (with derived tables) vs pandas.read_excel(sheet_name=None) loading
TARGET_HTML_RATIO = 4.0  # read_forms (with derived tables) vs pandas.read_html extracting the raw tables
TARGET_PEAK_RSS = 500 * MIB  # budgetlib parse → parquet of 10^5 forms
TARGET_SCALING = 0.10  # time per form at 10^5 within 10 % of that at 10^3
TARGET_SIZE = 100_000  # the size the two targets above are for; a larger one (--sizes …,1000000) is reported beside
TARGET_REPORT_SPEEDUP = 1.7
TARGET_REPORT_SECONDS = 0.35  # amortized per project report, --jobs 2


@dataclass
class Row:
    """One line of the results table."""

    measure: str
    value: str
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Results:
    """Everything one run measured: the table's rows and the raw numbers behind them."""

    mode: str
    machine: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


# -- machine ------------------------------------------------------------------------------------------


def machine_facts() -> dict[str, Any]:
    """Date, cores, CPU model, memory, load and versions: what a reader needs to weigh the numbers."""
    import lxml.etree
    import pandas as pd
    import psutil
    import pyarrow

    model = platform.processor() or ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(errors="replace"), re.MULTILINE)
        model = found.group(1).strip() if found else model
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "cpu_model": model or "unknown",
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "free_cores_at_start": parallel_capacity(),
        "python_loop_seconds": python_loop_seconds(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
    }


def _spin(loops: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(loops):
        total += i
    return time.perf_counter() - started


def python_loop_seconds(loops: int = 10_000_000) -> float:
    """Seconds of a plain Python loop of ``loops`` additions, best of three: how fast this machine runs
    Python, so that runs on different machines can be weighed (the same code has read seed markdown
    forms 2.5 times slower on one machine than on another of the same kind)."""
    return round(min(_spin(loops) for _ in range(3)), 2)


def parallel_capacity(workers: int = 2, loops: int = 5_000_000) -> float:
    """How many cores this machine gives us right now: ``workers`` busy loops run side by side in
    processes, against one alone (2.0 = two free cores; 1.0 = the other engineers' work takes the
    rest). Speed-ups measured at the same time cannot exceed it."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_spin, [1000] * workers))  # processes started
        alone = min(pool.submit(_spin, loops).result() for _ in range(2))
        started = time.perf_counter()
        list(pool.map(_spin, [loops] * workers))
        together = time.perf_counter() - started
    return round(workers * alone / together, 2)


# -- timing in this process -----------------------------------------------------------------------------


@dataclass
class Timing:
    """Best CPU and wall seconds of one phase over the repeats."""

    cpu: float = float("inf")
    wall: float = float("inf")

    def keep_best(self, cpu: float, wall: float) -> None:
        self.cpu = min(self.cpu, cpu)
        self.wall = min(self.wall, wall)


def _clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def forget_cell_texts() -> int:
    """:func:`budgetlib.read.forget_cell_texts` before each repeat: a repeat would otherwise find every
    text of the files already looked up by the repeat before, which no batch of new forms does
    (reading the same 500 synthetic forms a second time in one process is about a quarter faster)."""
    from budgetlib.read import forget_cell_texts as forget

    return forget()


def time_reading(files: Sequence[Path], repeats: int, alongside: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Best time of reading ``files`` in batches as ``read_batch`` does, phase by phase: parse (records),
    build (one DataFrame per table), derive (cost_items, findings). Each repeat starts with no cell
    text cached (:func:`forget_cell_texts`), as a process meeting these forms for the first time.

    ``alongside`` (what budgetlib is compared with: ``pandas.read_html`` on the same files) is timed
    after each repeat, its best time under ``"alongside"``: taking turns, both sides meet the same
    moments of a shared machine, where timing one side after the other made the ratio move by a third.
    """
    from budgetlib.read import DEFAULT_BATCH_FILES, batches, build_tables, derive_tables, parse_file

    work = batches([(path, path.name) for path in files], DEFAULT_BATCH_FILES)
    derive_tables(build_tables([parse_file(Path(p), n) for p, n in work[0][:3]]))  # imports, vocabulary
    phases = {"parse": Timing(), "build": Timing(), "derive": Timing()}
    other = Timing()
    if alongside is not None:
        alongside()  # its imports and first-use costs out of the way, as for the reading above
    forms = 0
    for _ in range(repeats):
        forget_cell_texts()
        gc.collect()
        spent = dict.fromkeys(phases, (0.0, 0.0))
        forms = 0
        for batch in work:
            c0, w0 = _clock()
            results = [parse_file(Path(path), name) for path, name in batch]
            c1, w1 = _clock()
            tables = build_tables(results)
            c2, w2 = _clock()
            derive_tables(tables)
            c3, w3 = _clock()
            forms += len(tables.projects)
            for phase, (cpu, wall) in (("parse", (c1 - c0, w1 - w0)), ("build", (c2 - c1, w2 - w1)),
                                       ("derive", (c3 - c2, w3 - w2))):
                spent[phase] = (spent[phase][0] + cpu, spent[phase][1] + wall)
        for phase, (cpu, wall) in spent.items():
            phases[phase].keep_best(cpu, wall)
        if alongside is not None:
            gc.collect()
            c0, w0 = _clock()
            alongside()
            c1, w1 = _clock()
            other.keep_best(c1 - c0, w1 - w0)
    timing = {"files": len(files), "forms": forms, **{phase: asdict(t) for phase, t in phases.items()},
              "calls_per_form": calls_per_form(work[0])}
    if alongside is not None:
        timing["alongside"] = asdict(other)
    return timing


def time_form_reader(files: Sequence[Path], repeats: int) -> dict[str, Any]:
    """Best CPU seconds of loading ``files`` into cells (``load_document``) and of the form reader over
    each file's documents (``segment`` + ``extract_form``), file by file, taking turns with the whole
    read (:func:`time_reading`, whose phases are kept under ``"whole"``), each with no cell text cached.

    Loading, the tables and the derived tables are what a new form reader alone could never take away:
    the floor under the reading targets (:func:`floor_rows`, ``benchmarks/where-the-time-goes.md``).
    Taking turns matters: the same read ran 1.3 ms a form in one run and 2.2 in another minutes later,
    so a share of two times measured minutes apart would say little.
    """
    from budgetlib.extract.load import load_document
    from budgetlib.transform.assemble import extract_form, segment

    load, reader = Timing(), Timing()
    forms = 0

    def load_then_read() -> None:
        nonlocal forms
        forget_cell_texts()
        loading = reading = loading_wall = reading_wall = 0.0
        forms = 0
        for path in files:  # file by file, as parse_file reads them: loading all first made the reader look faster
            c0, w0 = _clock()
            documents = load_document(path, path.name)
            c1, w1 = _clock()  # the reader meets the cell texts as parse_file does: cleaned by the loading
            forms += sum(len(extract_form(blocks, "form#0", "form").records["projects"])
                         for document in documents for blocks in segment(document))
            c2, w2 = _clock()
            loading, loading_wall = loading + c1 - c0, loading_wall + w1 - w0
            reading, reading_wall = reading + c2 - c1, reading_wall + w2 - w1
        load.keep_best(loading, loading_wall)
        reader.keep_best(reading, reading_wall)

    whole = time_reading(files, repeats, alongside=load_then_read)
    return {"files": len(files), "forms": forms, "load": asdict(load), "reader": asdict(reader),
            "whole": {phase: whole[phase] for phase in ("parse", "build", "derive")}}


def calls_per_form(batch: Sequence[tuple[str, str]]) -> float:
    """Function calls (Python's and C's, as ``cProfile`` counts them) a form costs to read ``batch`` into
    tables with the derived ones, every cell text new (:func:`forget_cell_texts`).

    A count of work rather than a time: on a shared machine the same code read 587 forms/s in one
    hour and 332 the next, while its calls stay the same (to a fraction of a per cent: pandas and
    pyarrow make a few calls of their own as their memory is reused). Two versions of the code compare
    by it in any hour; a change that removes calls but not time is a change in C, not in Python.
    """
    import cProfile
    import pstats

    from budgetlib.read import build_tables, derive_tables, parse_file

    derive_tables(build_tables([parse_file(Path(path), name) for path, name in batch[:1]]))  # the vocabulary
    forget_cell_texts()
    gc.collect()
    gc.disable()  # no collection (and no finalizer called from one) in the middle of the count
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        tables = derive_tables(build_tables([parse_file(Path(path), name) for path, name in batch]))
        profiler.disable()
    finally:
        gc.enable()
    calls = sum(stat[1] for stat in pstats.Stats(profiler).stats.values())  # type: ignore[attr-defined]
    return calls / max(1, len(tables.projects))


def time_office_xlsx(repeats: int) -> dict[str, Any]:
    """The thirteen example forms as LibreOffice saves them (tests/fixtures/office/xlsx): budgetlib's full
    read into tables against ``pandas.read_excel(sheet_name=None)`` merely loading each workbook."""
    import warnings

    import pandas as pd

    files = sorted((REPO / "tests" / "fixtures" / "office" / "xlsx").glob("*.xlsx"))
    rounds = max(repeats, 2) * 3  # a round takes ~0.3 s; the best round counts

    def read_excel() -> None:
        for path in files:
            pd.read_excel(path, sheet_name=None)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' note that its default xlsx engine will change
        reading = time_reading(files, rounds, alongside=read_excel)
    return {"reading": reading, "read_excel": {"files": len(files), **reading.pop("alongside")}}


def time_office(fmt: str, repeats: int, limit: int | None = None) -> dict[str, Any]:
    """budgetlib's full read of the thirteen example forms as LibreOffice saves them in ``fmt`` (docx,
    pdf: tests/fixtures/office/FMT), in batches as ``read_batch`` reads them; the first ``limit`` files
    only when given (the quick run)."""
    files = sorted((REPO / "tests" / "fixtures" / "office" / fmt).glob(f"*.{fmt}"))[:limit]
    return time_reading(files, max(repeats, 2))


def time_html_and_read_html(files: Sequence[Path], repeats: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """budgetlib's reading of the HTML files (as :func:`time_reading`) and ``pandas.read_html`` on every
    one of them (raw tables only, nothing interpreted), taking turns."""
    import pandas as pd

    tables = 0

    def read_html() -> None:
        nonlocal tables
        tables = sum(len(pd.read_html(path)) for path in files)

    reading = time_reading(files, repeats, alongside=read_html)
    return reading, {"files": len(files), "tables": tables, **reading.pop("alongside")}


def time_synthetic(work: Path, fmt: str, departments: int, repeats: int) -> dict[str, Any] | None:
    """Reading time on a synthetic corpus (budgetlib.synth: all three form types, with the quirks of
    real forms) in one format; None when the generator is not there."""
    if importlib.util.find_spec("budgetlib.synth") is None:
        return None
    from budgetlib.synth import generate_corpus

    folder = work / f"synthetic-{fmt}-{departments}"
    if not (folder / "manifest.csv").exists():
        generate_corpus(folder, n_departments=departments, formats=(fmt,), seed=6)
    files = sorted(p for p in folder.rglob(f"*.{fmt}"))
    return time_reading(files, repeats)


# -- child processes ------------------------------------------------------------------------------------


def run_child(argv: Sequence[str], cwd: Path = REPO, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command; its wall time, exit code, output tails, and peak memory: the child's own peak
    RSS from the kernel (``wait4``; the largest single process when it has children of its own) and
    the peak of the RSS summed over the child and its descendants (sampled every 50 ms)."""
    import psutil

    started = time.perf_counter()
    child = subprocess.Popen(list(argv), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
    tree_peak = [0]
    done = threading.Event()

    def sample() -> None:
        try:
            process = psutil.Process(child.pid)
            while not done.is_set():
                try:
                    total = process.memory_info().rss + sum(
                        p.memory_info().rss for p in process.children(recursive=True))
                except psutil.Error:
                    total = 0
                tree_peak[0] = max(tree_peak[0], total)
                done.wait(0.05)
        except psutil.Error:
            return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [threading.Thread(target=lambda s=stream, c=chunks: c.append(s.read()), daemon=True)
               for stream, chunks in ((child.stdout, out_chunks), (child.stderr, err_chunks))]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    for reader in readers:
        reader.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # the child and every process it waited for
        "exit_code": child.returncode,
        "peak_rss_bytes": usage.ru_maxrss * 1024,  # Linux reports KiB
        "peak_tree_rss_bytes": tree_peak[0],
        "stdout_tail": _relative("".join(out_chunks)[-500:]),
        "stderr_tail": _relative("".join(err_chunks)[-1500:]),
    }


def _relative(text: str) -> str:
    """Output with this checkout's location removed (results are committed; paths of a machine are not)."""
    return text.replace(f"{REPO}{os.sep}", "").replace(str(REPO), ".")


def budgetlib_command(*args: str) -> list[str]:
    return [sys.executable, "-c", CLI, *args]


def measure_streaming(work: Path, sizes: Sequence[int], speedup_size: int, keep: bool) -> dict[str, Any]:
    """Peak RSS and time of ``budgetlib parse ... --format parquet`` at every size (``--jobs 1``), and
    ``--jobs 2`` at ``speedup_size``."""
    per_folder = min(sizes)
    bad = [s for s in sizes if s % per_folder]
    if bad:
        raise SystemExit(f"--sizes must be multiples of the smallest size ({per_folder}); not {bad}")
    root = work / f"large-md-{max(sizes)}-by-{per_folder}"
    started = time.perf_counter()
    folders = corpus.write_large_corpus(root, max(sizes), per_folder)
    generated = time.perf_counter() - started
    runs: list[dict[str, Any]] = []
    try:
        plan = [(size, 1) for size in sizes]
        if speedup_size in sizes:
            plan.append((speedup_size, 2))
        for size, jobs in plan:
            out = work / f"out-{size}-jobs{jobs}"
            corpus.remove(out)
            paths = [str(folder) for folder in corpus.folders_for(folders, size, per_folder)]
            result = run_child(budgetlib_command("parse", *paths, "--out", str(out), "--format", "parquet",
                                                 "--jobs", str(jobs)))
            found = re.search(r"(\d+) forms read", result["stdout_tail"])
            result.update(forms=size, jobs=jobs, forms_read=int(found.group(1)) if found else None)
            result["argv"] = ["parse", f"<{len(paths)} folders>", "--format", "parquet", "--jobs", str(jobs)]
            runs.append(result)
            corpus.remove(out)
            peak, tree = result["peak_rss_bytes"] / MIB, result["peak_tree_rss_bytes"] / MIB
            log(f"  parse {size:>7} forms, --jobs {jobs}: {result['seconds']:.1f} s, "
                f"peak RSS {peak:.0f} MiB (all processes {tree:.0f} MiB)")
    finally:
        if not keep:
            corpus.remove(root)
    return {"corpus_seconds": generated, "files_per_folder": per_folder, "runs": runs}


def measure_startup(work: Path, repeats: int) -> dict[str, Any]:
    """``budgetlib parse`` of one seed-sized markdown form, from the process start to its exit, and
    for scale the same interpreter importing what the command imports (``budgetlib.cli.parse``) and
    starting with nothing to do: best of ``repeats`` each, taking turns.

    The children keep bytecode caches (in ``work``), and one run of each writes them first: an
    installed package has its modules compiled, and without caches every start compiles
    budgetlib's modules again (about a third of a second more)."""
    form = corpus.write_seed_variants(work / "startup", "md", 1)[0]
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(work / "startup" / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = work / "startup" / "out"
    commands = {
        "parse": budgetlib_command("parse", str(form), "--out", str(out)),
        "imports": [sys.executable, "-c", "import budgetlib.cli.parse"],
        "python": [sys.executable, "-c", "pass"],
    }
    best: dict[str, dict[str, float]] = {}
    for turn in range(repeats + 1):
        for name, argv in commands.items():
            corpus.remove(out)
            result = run_child(argv, env=env)
            if result["exit_code"] != 0:
                raise RuntimeError(f"{name} failed: {result['stderr_tail']}")
            if turn and result["seconds"] < best.get(name, {}).get("wall", float("inf")):
                best[name] = {"wall": result["seconds"], "cpu": result["cpu_seconds"]}
    corpus.remove(work / "startup")
    return {"repeats": repeats, **best}


def notebook_seconds_by_kind(out: Path) -> dict[str, float]:
    """Seconds the executed notebooks of a report folder took, summed by folder (``projects``,
    ``annual``), as papermill recorded them in each notebook (``metadata.papermill.duration``)."""
    spent: dict[str, float] = {}
    for path in sorted(out.glob("*/*.ipynb")) if out.exists() else []:
        try:
            duration = json.loads(path.read_text(encoding="utf-8"))["metadata"]["papermill"]["duration"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(duration, (int, float)):
            spent[path.parent.name] = spent.get(path.parent.name, 0.0) + float(duration)
    return spent


def time_per_project_report(batch_seconds: float, spent: dict[str, float], project_reports: int) -> tuple[float, float]:
    """The project reports' share of a batch's notebook time, and the batch's wall time per project
    report when shared out by that: what "seconds per project report, amortized" means for a batch
    that also writes annual reports (which take longer each).

    >>> time_per_project_report(40.0, {"projects": 30.0, "annual": 50.0}, 48)
    (0.375, 0.3125)
    """
    share = spent.get("projects", 0.0) / sum(spent.values())
    return share, batch_seconds * share / project_reports


def measure_reports(work: Path, data: Path, jobs_list: Sequence[int]) -> dict[str, Any]:
    """``budgetlib report DATA --jobs N`` for each N: seconds and reports written; or why not."""
    if importlib.util.find_spec("budgetlib.cli.report") is None:
        return {"status": "not available", "reason": "the budgetlib report command does not exist yet"}
    runs = []
    for jobs in jobs_list:
        out = work / f"reports-jobs{jobs}"
        corpus.remove(out)
        result = run_child(budgetlib_command("report", str(data), "--out", str(out), "--jobs", str(jobs),
                                             "--no-progress"))
        if "invalid choice" in result["stderr_tail"]:
            return {"status": "not available", "reason": "the budgetlib report command is not registered"}
        pages = [p for p in out.rglob("*.html") if p.name != "index.html"] if out.exists() else []
        result.update(argv=["report", "<data>", "--jobs", str(jobs)], jobs=jobs, reports=len(pages),
                      project_reports=sum(1 for p in pages if p.parent.name == "projects"),
                      notebook_seconds=notebook_seconds_by_kind(out))
        runs.append(result)
        corpus.remove(out)
        log(f"  report --jobs {jobs}: {result['seconds']:.1f} s, {len(pages)} reports, exit {result['exit_code']}")
    return {"status": "measured", "data": str(data.relative_to(REPO) if data.is_relative_to(REPO) else data),
            "runs": runs}


# -- the table ------------------------------------------------------------------------------------------


def _rate(forms: int, seconds: float) -> float:
    return forms / seconds if seconds > 0 else float("inf")


def reading_rows(fmt: str, label: str, timing: dict[str, Any], target: float | None = None) -> list[Row]:
    forms = timing["forms"]
    parsed_cpu = timing["parse"]["cpu"] + timing["build"]["cpu"]
    parsed_wall = timing["parse"]["wall"] + timing["build"]["wall"]
    full_cpu = parsed_cpu + timing["derive"]["cpu"]
    full_wall = parsed_wall + timing["derive"]["wall"]
    rate = _rate(forms, full_cpu)
    return [
        Row(f"{label}: read into tables, forms/s on one core", f"{_rate(forms, parsed_cpu):,.0f}",
            note=f"{forms} forms; {_rate(forms, parsed_wall):,.0f}/s wall; parse "
                 f"{timing['parse']['cpu'] / forms * 1e3:.2f} ms + tables {timing['build']['cpu'] / forms * 1e3:.2f}"
                 " ms a form (CPU)"),
        Row(f"{label}: with derived tables (cost_items, findings), forms/s", f"{rate:,.0f}",
            f"≥ {target:,.0f}" if target else "", None if target is None else rate >= target,
            f"{_rate(forms, full_wall):,.0f}/s wall; derived tables "
            f"{timing['derive']['cpu'] / forms * 1e3:.2f} ms a form (CPU)"
            + (f"; {timing['calls_per_form']:,.0f} function calls a form (counted: the same in any hour)"
               if timing.get("calls_per_form") else "")),
    ]


def floor_rows(raw: dict[str, Any]) -> list[Row]:
    """The most a new form reader alone could give the two reading targets, markdown as forms/s and HTML
    against read_html: the reading measured beside the target, with only the shares of loading, the
    tables and the derived tables left (the shares measured taking turns with a whole read of the same
    files).

    An upper bound: besides the reader, the glue of ``parse_file`` (the time limit, each file's records,
    freeing its cells) is taken off too. None where the run did not time the reader apart (results saved
    before it did).
    """
    apart = raw.get("form_reader")
    if not apart:
        return []
    rows = []
    for fmt, label in (("md", "markdown"), ("html", "HTML")):
        timing, reader = raw["reading"][fmt], apart.get(fmt)
        if not reader or not reader["forms"] or reader["files"] != timing["files"]:
            continue
        whole = reader["whole"]
        total = _full_cpu(whole)
        shares = {name: cpu / total for name, cpu in (
            ("loading", reader["load"]["cpu"]), ("tables", whole["build"]["cpu"]),
            ("derived", whole["derive"]["cpu"]), ("reader", reader["reader"]["cpu"]))}
        left = shares["loading"] + shares["tables"] + shares["derived"]
        glue = max(1 - left - shares["reader"], 0.0)
        full, forms = _full_cpu(timing), timing["forms"]
        rest = left * full
        note = (f"of the whole read, loading {shares['loading']:.0%}, the tables {shares['tables']:.0%} and the "
                f"derived tables {shares['derived']:.0%} would be left; the form reader (segment + extract_form) "
                f"is {shares['reader']:.0%} and the rest of parse_file {glue:.0%} (timed taking turns); of the "
                f"{full / forms * 1e3:.2f} ms a form above, {rest / forms * 1e3:.2f} ms would be left (CPU)")
        if fmt == "md":
            rows.append(Row(f"seed-sized {label}: with derived tables, at most with a form reader that cost nothing, "
                            "forms/s", f"{_rate(forms, rest):,.0f}",
                            note=note + f"; the target needs {1e3 / TARGET_MD_FORMS_PER_S:.2f} ms a form in all"))
        else:
            read_html = raw["read_html"]["cpu"]
            rows.append(Row("HTML: read_forms with derived tables vs read_html, at most with a form reader that cost "
                            "nothing (× faster)", f"{read_html / rest:.2f}×" if rest else "∞",
                            note=note + f"; the target needs {read_html / TARGET_HTML_RATIO / forms * 1e3:.2f} ms "
                            "a form in all"))
    return rows


def _full_cpu(timing: dict[str, Any]) -> float:
    return timing["parse"]["cpu"] + timing["build"]["cpu"] + timing["derive"]["cpu"]


def build_rows(results: Results) -> None:
    raw = results.raw
    rows = results.rows
    labels = {"md": "markdown", "html": "HTML", "xlsx": "xlsx"}
    for fmt in corpus.FORMATS:
        rows += reading_rows(fmt, f"seed-sized {labels[fmt]}", raw["reading"][fmt],
                             TARGET_MD_FORMS_PER_S if fmt == "md" else None)
    html, read_html = raw["reading"]["html"], raw["read_html"]
    semantic = html["parse"]["cpu"] + html["build"]["cpu"]
    ratio = read_html["cpu"] / semantic
    ratio_full = read_html["cpu"] / (semantic + html["derive"]["cpu"])
    rows.append(Row("pandas.read_html, raw tables only, same HTML files, forms/s",
                    f"{_rate(read_html['files'], read_html['cpu']):,.0f}",
                    note=f"{read_html['tables']} raw tables; "
                         f"{_rate(read_html['files'], read_html['wall']):,.0f}/s wall"))
    rows.append(Row("HTML: read_forms with derived tables vs read_html (× faster)", f"{ratio_full:.2f}×",
                    f"≥ {TARGET_HTML_RATIO:.0f}×", ratio_full >= TARGET_HTML_RATIO,
                    f"{ratio:.2f}× without the derived tables (cost_items, findings)"))
    rows += floor_rows(raw)
    office = raw.get("office_xlsx")
    if office:
        reading, excel = office["reading"], office["read_excel"]
        tables = reading["parse"]["cpu"] + reading["build"]["cpu"]
        full = tables + reading["derive"]["cpu"]
        ratio = excel["cpu"] / full
        rows.append(Row("office-made xlsx (13 examples): read_forms with derived tables vs pandas.read_excel "
                        "loading (× faster)", f"{ratio:.2f}×", f"≥ {TARGET_XLSX_RATIO:.0f}×",
                        ratio >= TARGET_XLSX_RATIO,
                        f"budgetlib {full / reading['files'] * 1e3:.2f} ms a form (parse "
                        f"{reading['parse']['cpu'] / reading['files'] * 1e3:.2f}, derived "
                        f"{reading['derive']['cpu'] / reading['files'] * 1e3:.2f}), read_excel "
                        f"{excel['cpu'] / excel['files'] * 1e3:.2f} ms a workbook (CPU); "
                        f"{excel['cpu'] / tables:.2f}× without the derived tables"))
    for fmt in ("docx", "pdf"):
        timing = raw.get(f"office_{fmt}")
        if timing:
            cpu = timing["parse"]["cpu"] + timing["build"]["cpu"] + timing["derive"]["cpu"]
            rows.append(Row(f"office-made {fmt} (13 examples): with derived tables, forms/s on one core",
                            f"{_rate(timing['forms'], cpu):,.0f}",
                            note=f"{timing['files']} files, {timing['forms']} forms; parse "
                                 f"{timing['parse']['cpu'] / timing['files'] * 1e3:.2f} ms a file (CPU)"))
    for fmt, timing in raw.get("synthetic", {}).items():
        if timing:
            forms = timing["forms"]
            cpu = timing["parse"]["cpu"] + timing["build"]["cpu"]
            rows.append(Row(f"synthetic corpus ({labels[fmt]}, all form types): read into tables, forms/s",
                            f"{_rate(forms, cpu):,.0f}",
                            note=f"{forms} forms; {_rate(forms, cpu + timing['derive']['cpu']):,.0f}/s with derived"))
    startup = raw.get("startup")
    if startup:
        parse, imports, python = startup["parse"], startup["imports"], startup["python"]
        rows.append(Row("budgetlib parse of one markdown form, from the process start to its exit",
                        f"{parse['wall']:.2f} s",
                        note=f"best of {startup['repeats']}, modules compiled beforehand as installed; "
                             f"importing budgetlib.cli.parse (pandas included) {imports['wall']:.2f} s, the "
                             f"interpreter alone {python['wall']:.2f} s; CPU {parse['cpu']:.2f} s"))
    streaming = raw["streaming"]
    single = [r for r in streaming["runs"] if r["jobs"] == 1]
    largest = max(r["forms"] for r in single)
    for run in single:
        peak = run["peak_rss_bytes"]
        target = run["forms"] == TARGET_SIZE
        ok = run["exit_code"] == 0 and run["forms_read"] == run["forms"]
        rows.append(Row(f"budgetlib parse → parquet, {run['forms']:,} forms: peak RSS", f"{peak / MIB:,.0f} MiB",
                        f"< {TARGET_PEAK_RSS / MIB:,.0f} MiB" if target else "",
                        (peak < TARGET_PEAK_RSS and ok) if target else None,
                        f"{run['seconds']:.1f} s, {_rate(run['forms'], run['seconds']):,.0f} forms/s end to end"
                        + ("" if ok else f"; FAILED: exit {run['exit_code']}, read {run['forms_read']}")))
    smallest = min(r["forms"] for r in single)
    per_form = {r["forms"]: r["seconds"] / r["forms"] for r in single}
    for size in sorted({largest, TARGET_SIZE} & per_form.keys()):  # the target's size when it ran, and the largest
        if size <= smallest:
            continue
        change = per_form[size] / per_form[smallest] - 1
        target = size == TARGET_SIZE
        rows.append(Row(f"time per form, {size:,} vs {smallest:,} forms (parse → parquet)", f"{change:+.1%}",
                        f"≤ +{TARGET_SCALING:.0%}" if target else "", change <= TARGET_SCALING if target else None,
                        f"{per_form[smallest] * 1e3:.2f} → {per_form[size] * 1e3:.2f} ms a form end to end "
                        "(the process start, about 1.5 s, counts most at the smallest size; a negative change "
                        "is the larger run going faster a form)"))
    pair = {r["jobs"]: r for r in streaming["runs"] if r["forms"] == raw["speedup_size"]}
    if 2 in pair:
        speedup = pair[1]["seconds"] / pair[2]["seconds"]
        busy = pair[2]["cpu_seconds"] / pair[2]["seconds"]
        rows.append(Row(f"budgetlib parse --jobs 2 vs --jobs 1, {raw['speedup_size']:,} forms (× faster)",
                        f"{speedup:.2f}×", note=f"{pair[1]['seconds']:.1f} s → {pair[2]['seconds']:.1f} s; CPU "
                        f"{pair[1]['cpu_seconds']:.1f} s → {pair[2]['cpu_seconds']:.1f} s (all processes); at --jobs 2 "
                        f"{busy:.2f} cores busy on average; peak RSS of all processes "
                        f"{pair[2]['peak_tree_rss_bytes'] / MIB:,.0f} MiB"))
    reports = raw["reports"]
    if reports.get("status") != "measured":
        rows.append(Row("batch reports --jobs 1 / 2", reports.get("status", "not available"),
                        note=reports.get("reason", "")))
        return
    by_jobs = {r["jobs"]: r for r in reports["runs"]}
    for jobs, run in by_jobs.items():
        per = run["seconds"] / run["reports"] if run["reports"] else float("inf")
        rows.append(Row(f"batch reports on {reports['data']}, --jobs {jobs}", f"{run['seconds']:.1f} s",
                        note=f"{run['reports']} reports ({run['project_reports']} project), {per:.2f} s a report "
                        "of any kind amortized (reading the forms and the process start included)"
                        + ("; the target is per project report: below" if jobs == 2 else "")
                        + ("" if run["exit_code"] == 0 else f"; exit {run['exit_code']}")))
    two = by_jobs.get(2)
    if two and two.get("notebook_seconds") and two["project_reports"]:
        spent = two["notebook_seconds"]
        share, per_project = time_per_project_report(two["seconds"], spent, two["project_reports"])
        mean = spent.get("projects", 0.0) / two["project_reports"]
        rows.append(Row("batch reports --jobs 2: the batch's time per project report", f"{per_project:.2f} s",
                        f"≤ {TARGET_REPORT_SECONDS:.2f} s", per_project <= TARGET_REPORT_SECONDS,
                        f"the batch's wall time shared among the kinds of report by the time their notebooks "
                        f"ran ({share:.0%} project reports), over {two['project_reports']} project reports; "
                        f"a project notebook ran {mean:.2f} s on average"))
    if 1 in by_jobs and 2 in by_jobs:
        speedup = by_jobs[1]["seconds"] / by_jobs[2]["seconds"]
        busy = by_jobs[2]["cpu_seconds"] / by_jobs[2]["seconds"]
        rows.append(Row("batch reports --jobs 2 vs --jobs 1 (× faster)", f"{speedup:.2f}×",
                        f"≥ {TARGET_REPORT_SPEEDUP}×", speedup >= TARGET_REPORT_SPEEDUP,
                        f"at --jobs 2 {busy:.2f} cores busy on average"))


def _mark(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "**no**")


def render_markdown(results: Results) -> str:
    m = results.machine
    lines = [
        "# budgetlib benchmarks",
        "",
        "Written by `python -m benchmarks.run` (`make benchmark`); do not edit by hand.",
        "",
        f"- date: {m['date']}; mode: {results.mode}",
        f"- machine: {m['cores_logical']} logical cores ({m['cores_physical']} physical), {m['cpu_model']}, "
        f"{m['memory_gib']} GiB RAM; load average at start {m['load_average_at_start']}, at end "
        f"{m.get('load_average_at_end')}",
        f"- cores free for this run (two busy loops side by side against one alone; 2.0 = both free): "
        f"{m['free_cores_at_start']} at start, {m.get('free_cores_at_end')} at end. The machine is shared: "
        "speed-ups cannot exceed what is free.",
        *([f"- a plain Python loop of 10^7 additions in a function: {m['python_loop_seconds']} s (how fast this "
            "machine runs Python: compare it before comparing rates between runs)"]
          if "python_loop_seconds" in m else []),
        f"- software: Python {m['python']}, pandas {m['pandas']}, pyarrow {m['pyarrow']}, lxml {m['lxml']}; {m['os']}",
        "",
        "| measure | value | target | met | note |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r.measure} | {r.value} | {r.target} | {_mark(r.met)} | {r.note} |" for r in results.rows]
    lines += [
        "",
        "How: forms/s on one core = forms / CPU seconds of this process (best of the repeats), so that other",
        "work on a shared machine counts as little as possible; wall-clock rates are in the notes. The",
        "process is prepared as `budgetlib parse` prepares its own (imports done, heap frozen with",
        "`gc.freeze`), and each repeat starts with no cell text cached (the vocabulary stays compiled), as a",
        "batch of new forms does. \"Read into tables\" is parsing plus one DataFrame per table (what the",
        "semantic parse produces); the derived tables are the cost-basis items and the review findings that",
        "`read_forms` and `budgetlib parse` add. Peak RSS is the kernel's high-water mark of the `budgetlib",
        "parse` process (`wait4`), which streams batches of files to Parquet and then appends the cross-form",
        "findings (C17–C19) to them. Corpora: variants of the seed form (project code, name and phone",
        "changed; in the streaming corpus every tenth form is a second form of the project before it, with",
        "another budget, so that the cross-form checks find something at every size), HTML and xlsx written",
        "from them by `budgetlib.testing`; the synthetic rows use `budgetlib.synth`.",
        "",
    ]
    return "\n".join(lines)


def render_console(results: Results) -> str:
    width = max(len(r.measure) for r in results.rows)
    out = [f"{'measure':<{width}}  {'value':>12}  {'target':>12}  met"]
    out += [f"{r.measure:<{width}}  {r.value:>12}  {r.target:>12}  {_mark(r.met).strip('*')}" for r in results.rows]
    return "\n".join(out)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- main -----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds (small counts, no reports)")
    parser.add_argument("--forms", type=int, metavar="N", help="seed-sized forms per format for the throughput runs")
    parser.add_argument("--sizes", metavar="N,N,...", help="corpus sizes for peak memory (default 1000,10000,100000)")
    parser.add_argument("--repeats", type=int, metavar="N", help="timing repeats, best kept (default 5; quick 1)")
    parser.add_argument("--no-reports", action="store_true", help="skip the batch-report timing")
    parser.add_argument("--data", default=str(REPO / "data" / "raw"), help="forms for the batch reports (data/raw)")
    parser.add_argument("--work", default=str(BENCHMARKS / "work"), help="scratch folder (benchmarks/work)")
    parser.add_argument("--results", default=str(BENCHMARKS), help="folder for results.md and results.json")
    parser.add_argument("--keep-work", action="store_true", help="keep the generated corpora")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = dict(QUICK if args.quick else FULL)
    forms = {fmt: args.forms for fmt in corpus.FORMATS} if args.forms else plan["forms"]
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else plan["sizes"]
    repeats = args.repeats or plan["repeats"]
    speedup_size = plan["speedup_size"] if plan["speedup_size"] in sizes else sorted(sizes)[len(sizes) // 2]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = Results("quick" if args.quick else "full", machine_facts())
    raw = results.raw
    from budgetlib.read import prepare_reading_process

    prepare_reading_process()  # as `budgetlib parse` and its workers do: imports done, heap frozen
    raw.update(forms=forms, sizes=sizes, repeats=repeats, speedup_size=speedup_size)

    step(raw, "reading", "throughput on seed-sized forms", lambda: {
        fmt: time_reading(corpus.write_seed_variants(work / f"seed-{fmt}", fmt, count), repeats)
        for fmt, count in forms.items() if fmt != "html"})
    step(raw, "html_and_read_html", "HTML forms and pandas.read_html on the same files, taking turns",
         lambda: time_html_and_read_html(corpus.write_seed_variants(work / "seed-html", "html", forms["html"]),
                                         repeats))
    raw["reading"]["html"], raw["read_html"] = raw.pop("html_and_read_html")
    step(raw, "form_reader", "the form reader apart: what a new reader alone could gain", lambda: {
        fmt: time_form_reader(corpus.write_seed_variants(work / f"seed-{fmt}", fmt, forms[fmt]), repeats)
        for fmt in ("md", "html")})
    step(raw, "office_xlsx", "office-made xlsx against pandas.read_excel", lambda: time_office_xlsx(repeats))
    office_files = 2 if args.quick else None
    for fmt in ("docx", "pdf"):
        step(raw, f"office_{fmt}", f"office-made {fmt}", lambda fmt=fmt: time_office(fmt, repeats, office_files))
    departments = max(1, forms["md"] // 70)
    step(raw, "synthetic", "throughput on a synthetic corpus", lambda: {
        fmt: time_synthetic(work, fmt, departments if fmt != "xlsx" else max(1, departments // 4), repeats)
        for fmt in corpus.FORMATS})
    step(raw, "startup", "budgetlib parse of one form, from the process start",
         lambda: measure_startup(work, repeats * 2))
    step(raw, "streaming", "peak memory of budgetlib parse → parquet",
         lambda: measure_streaming(work, sizes, speedup_size, args.keep_work))
    if args.no_reports or not plan["reports"]:
        raw["reports"] = {"status": "skipped", "reason": "--quick" if args.quick else "--no-reports"}
    else:
        step(raw, "reports", "batch reports", lambda: measure_reports(work, Path(args.data), (1, 2)))
    results.machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results.machine["free_cores_at_end"] = parallel_capacity()
    out = Path(args.results)
    write_results(results, out)
    if not args.keep_work:
        for scratch in work.glob("seed-*"):
            corpus.remove(scratch)
        for scratch in work.glob("synthetic-*"):
            corpus.remove(scratch)
    print(render_console(results))
    print(f"\nwritten: {out / 'results.md'}, {out / 'results.json'}")
    gc.unfreeze()
    return 0


def write_results(results: Results, out: Path) -> None:
    """The table built from the raw measurements, written as results.md and results.json."""
    results.rows.clear()
    build_rows(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(render_markdown(results), encoding="utf-8")
    (out / "results.json").write_text(json.dumps(asdict(results), ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")


def rerender(out: Path) -> None:
    """Build the table of ``out/results.json`` again from its raw measurements (after a change to how
    rows are worded or judged; nothing is measured)."""
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    write_results(Results(saved["mode"], saved["machine"], raw=saved["raw"]), out)


def step(raw: dict[str, Any], key: str, title: str, measure: Callable[[], Any]) -> None:
    log(f"{title} …")
    started = time.perf_counter()
    raw[key] = measure()
    log(f"  done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
