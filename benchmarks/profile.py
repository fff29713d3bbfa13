"""Where reading time goes: ``python -m benchmarks.profile [md|html|xlsx] [--forms N] [--top K] [--phases]``.

Profiles (cProfile) reading seed-sized forms in one process, phase by phase as ``read_batch`` does
(parse each file, build the tables, derive cost items and findings), and prints the share of time
by budgetlib module and the functions that spend the most time themselves. Shares under the
profiler are inflated for code making many small calls; use them to rank, and the benchmark's
numbers to size.

``--phases`` times, without the profiler, what the read costs apart from the form reader (loading a
file into cells, building the tables, the derived tables) against the form reader itself: what a new
reader alone could gain.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from benchmarks import corpus

BENCHMARKS = Path(__file__).resolve().parent


def module_of(filename: str) -> str:
    """``budgetlib/transform/form.py`` → ``budgetlib.transform.form``; libraries by top-level name."""
    path = filename.replace("\\", "/")
    if "/budgetlib/" in path:
        return "budgetlib." + path.split("/budgetlib/", 1)[1].removesuffix(".py").replace("/", ".")
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if path.startswith("~") or path.startswith("<"):
        return "builtins (C)"
    return "python stdlib"


def profile_reading(files: Sequence[Path]) -> tuple[pstats.Stats, dict[str, float]]:
    """The profile of reading ``files`` as one batch, and the CPU seconds of each phase without the
    profiler."""
    from budgetlib.read import build_tables, derive_tables, parse_file

    def read() -> dict[str, float]:
        c0 = time.process_time()
        results = [parse_file(path, path.name) for path in files]
        c1 = time.process_time()
        tables = build_tables(results)
        c2 = time.process_time()
        derive_tables(tables)
        c3 = time.process_time()
        return {"parse": c1 - c0, "build tables": c2 - c1, "derive (cost_items, findings)": c3 - c2}

    derive_tables(build_tables([parse_file(files[0], files[0].name)]))  # imports and caches out of the way
    phases = read()
    profiler = cProfile.Profile()
    profiler.enable()
    read()
    profiler.disable()
    return pstats.Stats(profiler), phases


PHASES = ("load", "form reader", "build tables", "derive", "whole read")


def phase_times(files: Sequence[Path], repeats: int = 5) -> tuple[dict[str, float], int]:
    """CPU seconds of each phase of reading ``files`` (best of ``repeats``), and the forms the reader read:
    loading and the form reader timed taking turns with the whole read, as the benchmark times them
    (:func:`benchmarks.run.time_form_reader`)."""
    from benchmarks.run import time_form_reader

    apart = time_form_reader(files, repeats)
    whole = apart["whole"]
    build, derive = whole["build"]["cpu"], whole["derive"]["cpu"]
    return {"load": apart["load"]["cpu"], "form reader": apart["reader"]["cpu"], "build tables": build,
            "derive": derive, "whole read": whole["parse"]["cpu"] + build + derive}, apart["forms"]


def print_phases(files: Sequence[Path], repeats: int) -> None:
    seconds, forms = phase_times(files, repeats)
    print(f"{len(files)} seed-sized files, {forms} forms; CPU ms a form, best of {repeats}:")
    for phase in PHASES:
        print(f"  {seconds[phase] / forms * 1e3:6.3f}  {phase}")
    rest = seconds["whole read"] - seconds["form reader"]
    left = seconds["load"] + seconds["build tables"] + seconds["derive"]
    print(f"  everything but the form reader: {rest / forms * 1e3:.3f} ms a form, "
          f"{rest / seconds['whole read']:.0%} of the whole read")
    print(f"  loading, tables and derived tables alone: {left / forms * 1e3:.3f} ms a form, "
          f"{left / seconds['whole read']:.0%} (what a new reader could not take away)")


def shares(stats: pstats.Stats) -> tuple[float, dict[str, float], list[tuple[float, str]]]:
    """Total time, own time by module (time in C functions counted to the module calling them), own
    time by function."""
    by_module: dict[str, float] = defaultdict(float)
    by_function: list[tuple[float, str]] = []
    total = 0.0
    for (filename, line, name), (_, _, tottime, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        module = module_of(filename)
        by_function.append((tottime, f"{module}:{line} {name}"))
        if module == "builtins (C)" and callers:
            for (caller_file, _, _), (_, _, caller_tt, _) in callers.items():
                by_module[module_of(caller_file)] += caller_tt
        else:
            by_module[module] += tottime
    return total, by_module, sorted(by_function, reverse=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("format", choices=corpus.FORMATS, nargs="?", default="md")
    parser.add_argument("--forms", type=int, default=300, help="seed-sized forms to read (default 300)")
    parser.add_argument("--top", type=int, default=25, help="functions to list (default 25)")
    parser.add_argument("--phases", action="store_true",
                        help="time the phases apart (no profiler): what the form reader costs against the rest")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of --phases, best kept (default 5)")
    parser.add_argument("--work", default=str(BENCHMARKS / "work"), help="scratch folder (benchmarks/work)")
    args = parser.parse_args(argv)
    files = corpus.write_seed_variants(Path(args.work) / f"seed-{args.format}", args.format, args.forms)
    if args.phases:
        from budgetlib.read import prepare_reading_process

        prepare_reading_process()  # as the benchmark's process and budgetlib parse's: imports done, heap frozen
        print_phases(files, args.repeats)
        return 0
    stats, phases = profile_reading(files)
    total, by_module, by_function = shares(stats)
    print(f"{len(files)} seed-sized {args.format} forms; CPU ms a form without the profiler:")
    for phase, seconds in phases.items():
        print(f"  {seconds / len(files) * 1e3:6.3f}  {phase}")
    print(f"\nunder the profiler: {total:.2f} s; own time by module (C calls counted to their caller)")
    for module, seconds in sorted(by_module.items(), key=lambda item: -item[1])[:20]:
        print(f"  {seconds / total:6.1%}  {module}")
    print(f"\nfunctions with the most own time (top {args.top})")
    for seconds, where in by_function[:args.top]:
        print(f"  {seconds / total:6.1%}  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
