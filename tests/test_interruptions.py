"""Acceptance: runs killed with SIGKILL at random moments never damage the previous output, and the
next run is complete and equal to a clean one.

For ``budgetlib parse`` on this machine (Parquet, CSV, xlsx; one process and two), on a Dask
LocalCluster (``--scheduler local``) and for ``budgetlib report``, each on a small corpus of markdown,
HTML and xlsx forms: a clean run of each input into a fresh folder gives the reference; then, into one
folder, run after run is killed (the whole process group: the command, its workers, its cluster)
at a moment spread over the span of a run, alternating between two inputs so that a mix of two
runs would show. After every kill the folder must be exactly as before (byte for byte), or, when the
kill came after the run had completed its outputs and written its manifest, hold that run's outputs
whole once the next run has finished the moves (``budgetlib.outdir.recover``, which every run does
first). Either way every file the manifest lists is there with its size and SHA-256, no other
output is, and the tables read back equal the reference of the input the manifest names.

``BUDGETLIB_KILL_POINTS`` sets the kills per kind of run (default 20; ``make test-extended`` runs
100) and ``BUDGETLIB_KILL_SEED`` the random moments (printed, to repeat a run).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psutil
import pytest

from budgetlib import schema
from tests.conftest import EXAMPLES, SEED
from tests.test_output_folder import MANIFEST_FILE, leftovers, snapshot

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "raw" / "synthetic"
KILLS = int(os.environ.get("BUDGETLIB_KILL_POINTS", "20"))
SEED_OF_MOMENTS = int(os.environ.get("BUDGETLIB_KILL_SEED", str(int(time.time()) % 100_000)))
CODE = "import sys; from budgetlib.cli import main; sys.exit(main(sys.argv[1:]))"


def kill_plan(count: int, rng: random.Random) -> list[tuple[bool, float]]:
    """``count`` kill moments as (early, fraction) of a :class:`Timing`: a fifth before the run writes
    anything (start-up, reading), the rest spread evenly, one at random in each slice, from its first
    output to a little past its end."""
    early = max(1, count // 5)
    late = count - early
    return [(True, rng.random()) for _ in range(early)] + [(False, 1.1 * (i + rng.random()) / late)
                                                           for i in range(late)]


@dataclass
class Timing:
    """When a run's staging folder appeared and when its first output did (seconds from its start), and
    how long it went on from there. A late kill is timed from the moment the run being killed writes
    its first output, so that a busy machine (other tests, other kinds of run side by side) shifts
    nothing; the tail follows what the runs that ended before their kill took."""

    staged: float
    writing: float
    tail: float

    def observe(self, tail: float) -> None:
        """A run ended ``tail`` seconds after its first output."""
        self.tail = (self.tail + tail) / 2

    def outlived(self, fraction: float) -> None:
        """A run was still going ``fraction`` of the tail after its first output, past the end it was
        expected to reach: the machine is slower now."""
        if fraction > 1:
            self.tail *= fraction


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", CODE, *args]


def _first_output(out: Path) -> bool:
    """Whether a staging folder of ``out`` holds a file yet."""
    return any(p.is_file() for staging in out.parent.glob(f".{out.name}.budgetlib-partial-*")
               for p in staging.rglob("*"))


def timed_run(args: list[str], cwd: Path, out: Path) -> tuple[subprocess.CompletedProcess[str], Timing]:
    """Run to the end, noting when its staging folder and its first output appeared."""
    started = time.monotonic()
    process = subprocess.Popen(_command(*args), cwd=cwd, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    staged = writing = None
    while process.poll() is None:
        if staged is None and list(out.parent.glob(f".{out.name}.budgetlib-partial-*")):
            staged = time.monotonic() - started
        if writing is None and _first_output(out):
            writing = time.monotonic() - started
        time.sleep(0.01)
    stdout, stderr = process.communicate()
    total = time.monotonic() - started
    staged = staged if staged is not None else total * 0.3
    writing = writing if writing is not None else max(staged, total * 0.5)
    return (subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr),
            Timing(staged, writing, total - writing))


def killed_run(args: list[str], cwd: Path, out: Path, timing: Timing, early: bool, fraction: float) -> int | None:
    """Start a run into ``out`` and SIGKILL its whole process group at the moment ``(early, fraction)``
    of ``timing`` (None); when it ended first, its exit status."""
    process = subprocess.Popen(_command(*args), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        if early:
            process.wait(timeout=timing.staged * 0.5 + (timing.writing - timing.staged * 0.5) * fraction)
            return process.returncode
        while not _first_output(out):
            if process.poll() is not None:
                return process.returncode
            time.sleep(0.005)
        writing = time.monotonic()
        process.wait(timeout=timing.tail * fraction)
        timing.observe(time.monotonic() - writing)
        return process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if not early:
            timing.outlived(fraction)
        return None
    finally:
        _kill_group_leftovers(process.pid)


def _kill_group_leftovers(group: int) -> None:
    """Make sure nothing of a killed group lives on, and wait until all of it has exited (a worker
    that was starting, a report's process: SIGKILL takes a moment to reach every one)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            return
        if not _living_members(group):  # zombies only: they hold nothing open
            return
        time.sleep(0.02)
    raise AssertionError(f"process group {group} would not die")


def _living_members(group: int) -> list[int]:
    living = []
    for process in psutil.process_iter(["pid", "status"]):
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(process.pid) == group and process.info["status"] != psutil.STATUS_ZOMBIE:
                living.append(process.pid)
    return living


def verified_manifest(out: Path) -> dict:
    """The folder's manifest, after checking it: every output it lists is there, a regular file of the
    recorded size and SHA-256."""
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    for entry in manifest["outputs"]:
        path = out / entry["path"]
        assert path.is_file() and not path.is_symlink(), entry["path"]
        assert path.stat().st_size == entry["bytes"], entry["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["path"]
    return manifest


def read_tables(out: Path, fmt: str) -> dict[str, pd.DataFrame]:
    """Every table of a parse as a frame, whatever the format (parts folders read as one table)."""
    if fmt == "xlsx":
        sheets = pd.read_excel(out / "budgetlib.xlsx", sheet_name=None, dtype=str, engine="calamine")
        return {name: sheets[name[:31]].fillna("") for name in schema.FORM_TABLES}
    if fmt == "csv":
        return {name: pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
                for name in schema.FORM_TABLES}
    return {name: pd.read_parquet(out / f"{name}.parquet").astype(str) for name in schema.FORM_TABLES}


@dataclass
class Tally:
    """What the kills met, for the summary line."""

    name: str
    seen: Counter[str] = field(default_factory=Counter)

    def report(self) -> str:
        return f"{self.name}: {sum(self.seen.values())} kills ({', '.join(f'{k} {v}' for k, v in sorted(self.seen.items()))})"


def check_after_kill(out: Path, before: dict[str, str], tally: Tally) -> dict:
    """The folder right after a kill, then after the next run's recovery: its verified manifest."""
    from budgetlib.outdir import lock_output_folder, recover

    after = snapshot(out)
    has_manifest = (out / MANIFEST_FILE).is_file()
    pending = [p for p in out.parent.glob(f".{out.name}.budgetlib-partial-*") if (p / MANIFEST_FILE).is_file()]
    if after == before:
        tally.seen["left as it was"] += 1
    elif has_manifest:
        tally.seen["completed before the kill"] += 1
    else:
        tally.seen["killed while moving, finished by the next run"] += 1
    if after != before:  # only a run that completed may have changed the folder: published, or being moved
        changed = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
        assert has_manifest != bool(pending), f"changed, but by no completed run: {changed}"
    with lock_output_folder(out, "check"):
        recover(out)
    assert leftovers(out) == []
    return verified_manifest(out)


# ----------------------------------------------------------------------------------------------
# parse


def _parse_inputs(root: Path) -> dict[str, Path]:
    inputs = {"A": root / "A", "B": root / "B"}
    shutil.copytree(SYNTHETIC / "2020", inputs["A"])  # markdown, HTML and xlsx forms
    shutil.copytree(SYNTHETIC / "2022", inputs["B"])
    return inputs


def _parse_references(root: Path, inputs: dict[str, Path]) -> dict[tuple[str, str], tuple[dict, Timing, str]]:
    """Clean local runs: (input, format) → (tables, timing, input digest)."""
    references = {}
    for fmt in ("parquet", "csv", "xlsx"):
        for key, folder in inputs.items():
            out = root / f"clean-{key}-{fmt}"
            proc, timing = timed_run(["parse", str(folder), "--out", out.name, "--format", fmt], root, out)
            assert proc.returncode == 0, proc.stderr
            digest = verified_manifest(out)["inputs"]["digest"]
            references[key, fmt] = (read_tables(out, fmt), timing, digest)
    return references


def _exercise_parse(name: str, extra: list[str], root: Path, inputs: dict[str, Path], references: dict,
                    timings: dict[str, Timing], kills: int = KILLS) -> Tally:
    rng = random.Random(f"{SEED_OF_MOMENTS}-{name}")
    out = root / f"{name}-out"
    formats = ("parquet", "csv", "xlsx")
    digests = {references[key, "parquet"][2]: key for key in inputs}
    tally = Tally(name)
    first = subprocess.run(_command("parse", str(inputs["A"]), "--out", out.name, *extra), cwd=root, check=False,
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    for index, (early, fraction) in enumerate(kill_plan(kills, rng)):
        fmt = formats[index % 3]
        key = "B" if index % 2 == 0 else "A"
        before = snapshot(out)
        ended = killed_run(["parse", str(inputs[key]), "--out", out.name, "--format", fmt, *extra], root, out,
                           timings[fmt], early, fraction)
        assert ended in (None, 0)
        manifest = check_after_kill(out, before, tally)
        made_from = digests[manifest["inputs"]["digest"]]
        if snapshot(out) != before:
            assert made_from == key and manifest["arguments"]["format"] == fmt
        written_as = manifest["arguments"]["format"]
        for table, frame in read_tables(out, written_as).items():
            pd.testing.assert_frame_equal(frame, references[made_from, written_as][0][table], obj=table)
    fmt = formats[kills % 3]  # the next run, to the end: equal to a clean run
    done = subprocess.run(_command("parse", str(inputs["B"]), "--out", out.name, "--format", fmt, *extra),
                          cwd=root, check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    verified_manifest(out)
    for table, frame in read_tables(out, fmt).items():
        pd.testing.assert_frame_equal(frame, references["B", fmt][0][table], obj=table)
    assert leftovers(out) == []
    return tally


def _exercise_local(root: Path, inputs: dict[str, Path], references: dict) -> Tally:
    timings = {fmt: references["B", fmt][1] for fmt in ("parquet", "csv", "xlsx")}
    return _exercise_parse("local", ["--jobs", "1"], root, inputs, references, timings)


DASK = ["--scheduler", "local", "--jobs", "1", "--batch-files", "3"]


def _dask_timing(root: Path, inputs: dict[str, Path], references: dict) -> Timing:
    out = root / "dask-timing"
    proc, timing = timed_run(["parse", str(inputs["B"]), "--out", out.name, *DASK], root, out)
    assert proc.returncode == 0, proc.stderr
    for table, frame in read_tables(out, "parquet").items():  # a cluster gives the tables of a local parse
        pd.testing.assert_frame_equal(frame, references["B", "parquet"][0][table], obj=table)
    return timing


def _exercise_dask(chain: int, kills: int, root: Path, inputs: dict[str, Path], references: dict,
                   timing: Timing) -> Tally:
    timings = {fmt: Timing(timing.staged, timing.writing, timing.tail) for fmt in ("parquet", "csv", "xlsx")}
    return _exercise_parse(f"dask-{chain}", DASK, root, inputs, references, timings, kills)


def _report_references(root: Path) -> tuple[dict[str, Path], dict[str, tuple]]:
    """Two inputs (the seed, and the seed with another budget) and their clean reports."""
    inputs = {"A": root / "A", "B": root / "B"}
    seed = (EXAMPLES / SEED).read_text(encoding="utf-8")
    for key, budget in (("A", "500000.00"), ("B", "600000.00")):  # the same reports, other numbers
        inputs[key].mkdir()
        (inputs[key] / SEED).write_text(seed.replace(
            "| 项目总预算            | 500000.00  | 项目当年预算 | 500000.00             |",
            f"| 项目总预算 | {budget} | 项目当年预算 | {budget} |"), encoding="utf-8")
    references = {}
    for key, folder in inputs.items():
        out = root / f"clean-{key}"
        proc, timing = timed_run(["report", str(folder), "--out", out.name, "--no-progress"], root, out)
        assert proc.returncode == 0, proc.stderr
        manifest = verified_manifest(out)
        references[key] = (pd.read_parquet(out / "data" / "projects.parquet"), timing, manifest["inputs"]["digest"],
                           sorted(entry["stem"] for entry in manifest["reports"]))
    assert references["A"][3] == references["B"][3]  # same names: a mix could only show in the contents
    return inputs, references


def _exercise_report(chain: int, kills: int, root: Path, inputs: dict[str, Path], references: dict) -> Tally:
    digests = {references[key][2]: key for key in inputs}
    rng = random.Random(f"{SEED_OF_MOMENTS}-report-{chain}")
    out = root / f"out-{chain}"
    first = subprocess.run(_command("report", str(inputs["A"]), "--out", out.name, "--no-progress"), cwd=root,
                           check=False, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    tally = Tally(f"report-{chain}")
    reference = references["B"][1]
    timing = Timing(reference.staged, reference.writing, reference.tail)
    for index, (early, fraction) in enumerate(kill_plan(kills, rng)):
        key = "B" if index % 2 == 0 else "A"
        before = snapshot(out)
        ended = killed_run(["report", str(inputs[key]), "--out", out.name, "--no-progress"], root, out, timing,
                           early, fraction)
        assert ended in (None, 0)
        manifest = check_after_kill(out, before, tally)
        made_from = digests[manifest["inputs"]["digest"]]
        if snapshot(out) != before:
            assert made_from == key
        _assert_reports_of(out, manifest, references[made_from])
    done = subprocess.run(_command("report", str(inputs["B"]), "--out", out.name, "--no-progress"), cwd=root,
                          check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    _assert_reports_of(out, verified_manifest(out), references["B"])
    return tally


CHAINS = 2
"""Dask and report runs are killed in two folders side by side, half the kills each: they wait on
their subprocesses most of the time, so the kills take about half as long."""


def _halves(kills: int) -> list[int]:
    return [kills // CHAINS + (1 if chain < kills % CHAINS else 0) for chain in range(CHAINS)]


@pytest.fixture(scope="module")
def kill_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Future[Tally]]]]:
    """Every kind of killed run, side by side."""
    with ThreadPoolExecutor(max_workers=1 + 2 * CHAINS) as pool:
        report_root = tmp_path_factory.mktemp("kill-report")
        report_inputs = pool.submit(_report_references, report_root)
        root = tmp_path_factory.mktemp("kill-parse")
        inputs = _parse_inputs(root)
        references = _parse_references(root, inputs)
        runs = {"local": [pool.submit(_exercise_local, root, inputs, references)]}
        if importlib.util.find_spec("distributed") is not None:
            timing = _dask_timing(root, inputs, references)
            runs["dask"] = [pool.submit(_exercise_dask, chain, kills, root, inputs, references, timing)
                            for chain, kills in enumerate(_halves(KILLS))]
        runs["report"] = [pool.submit(_exercise_report, chain, kills, report_root, *report_inputs.result())
                          for chain, kills in enumerate(_halves(KILLS))]
        yield runs


def _finished(runs: dict[str, list[Future[Tally]]], name: str) -> None:
    if name not in runs:
        pytest.skip("needs the [dask] extra")
    tallies = [future.result() for future in runs[name]]
    for tally in tallies:
        print(f"kill moments seed {SEED_OF_MOMENTS}; {tally.report()}")
    assert sum(sum(tally.seen.values()) for tally in tallies) == KILLS


def test_killed_local_parses_leave_the_previous_output_intact(kill_runs) -> None:
    _finished(kill_runs, "local")


def test_killed_dask_parses_leave_the_previous_output_intact(kill_runs) -> None:
    _finished(kill_runs, "dask")


def test_killed_report_runs_leave_the_previous_reports_intact(kill_runs) -> None:
    _finished(kill_runs, "report")


def _assert_reports_of(out: Path, manifest: dict, reference: tuple) -> None:
    """Every report complete, from one run (the manifest's, whose files it verified), over the tables
    of the input it names."""
    projects, _, digest, stems = reference
    assert manifest["inputs"]["digest"] == digest
    assert sorted(entry["stem"] for entry in manifest["reports"]) == stems
    assert all(entry["status"] == "ok" and entry["in_this_run"] for entry in manifest["reports"])
    listed = {entry["path"] for entry in manifest["outputs"]}
    pages = {p.relative_to(out).as_posix() for folder in ("projects", "annual") for p in (out / folder).iterdir()}
    assert pages == {f"{stem}{suffix}" for stem in stems for suffix in (".html", ".ipynb")} and pages <= listed
    pd.testing.assert_frame_equal(pd.read_parquet(out / "data" / "projects.parquet"), projects)


# ----------------------------------------------------------------------------------------------
# every step of the moves


PUBLISH_SCRIPT = """
import os, signal, sys
from pathlib import Path
from budgetlib import outdir

out, kill_at = Path(sys.argv[1]), int(sys.argv[2])
calls = 0

def counted(move):
    def wrapper(*args, **kwargs):
        global calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return move(*args, **kwargs)
    return wrapper

with outdir.output_run(out, "parse", replaces=["c.parquet"]) as run:
    stage = run.staging
    (stage / "a.parquet").write_bytes(b"new a")
    (stage / "b.parquet").write_bytes(b"new b")
    (stage / "c.parquet").mkdir()
    for part in range(3):
        (stage / "c.parquet" / f"part-00000{part}.parquet").write_bytes(b"new part %d" % part)
    (stage / "e.parquet").write_bytes(b"new e")
    os.rename, os.replace = counted(os.rename), counted(os.replace)
    outdir.publish(run, {"outputs": outdir.files_under(stage)})
print(calls)
"""


def _publish_killed_at(out: Path, step: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PUBLISH_SCRIPT, str(out), str(step)], capture_output=True,
                          text=True, check=False, timeout=120)


def test_a_run_killed_at_any_step_of_publishing_is_old_or_new_once_the_next_run_has_recovered(tmp_path: Path) -> None:
    from budgetlib.outdir import lock_output_folder, recover

    out = tmp_path / "out"

    def previous_output() -> None:
        if out.exists():
            shutil.rmtree(out)
        old = _publish_killed_at(out, 0)  # no kill: the previous run, which wrote a, c (parts) and d
        assert old.returncode == 0, old.stderr
        for name in ("b.parquet", "e.parquet"):
            (out / name).unlink()
        (out / "a.parquet").write_bytes(b"old a")
        (out / "d.parquet").write_bytes(b"old d")
        for part in range(3):
            (out / "c.parquet" / f"part-00000{part}.parquet").write_bytes(b"old part %d" % part)
        manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
        manifest["outputs"] = [entry for entry in manifest["outputs"] if entry["path"] not in ("b.parquet", "e.parquet")]
        manifest["outputs"] += [{"path": "d.parquet", "bytes": 5, "sha256": hashlib.sha256(b"old d").hexdigest()}]
        for entry in manifest["outputs"]:
            entry["sha256"] = hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest()
            entry["bytes"] = (out / entry["path"]).stat().st_size
        (out / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
        (out / "mine.txt").write_text("yours", encoding="utf-8")

    previous_output()
    steps = int(_publish_killed_at(out, 0).stdout)  # the renames of a whole publication over it
    assert steps == 9  # manifest written, old one aside, a, b, e, c (two: old aside, new in), d away, manifest in
    states = Counter()
    for step in range(1, steps + 1):
        previous_output()
        old = snapshot(out)
        killed = _publish_killed_at(out, step)
        assert killed.returncode == -signal.SIGKILL
        states["left as it was" if snapshot(out) == old else
               "moving" if not (out / MANIFEST_FILE).exists() else "published"] += 1
        with lock_output_folder(out, "check"):
            recover(out)
        assert leftovers(out) == []
        now = snapshot(out)
        assert now["mine.txt"] == old["mine.txt"]
        if now != old:  # then wholly the new run's: new a, b, c parts and e, no old d
            manifest = verified_manifest(out)
            assert sorted(entry["path"] for entry in manifest["outputs"]) == sorted(now.keys() - {MANIFEST_FILE,
                                                                                                "mine.txt"})
            assert (out / "a.parquet").read_bytes() == b"new a" and not (out / "d.parquet").exists()
            assert sorted(p.name for p in (out / "c.parquet").iterdir()) == [f"part-00000{i}.parquet" for i in range(3)]
            assert (out / "c.parquet" / "part-000000.parquet").read_bytes() == b"new part 0"
        else:
            assert step == 1  # killed before its manifest was written: the run never completed
    # killed before the manifest was written, or before the first move: the folder as it was; in between,
    # no manifest (the next run finishes the moves)
    assert states == {"left as it was": 2, "moving": steps - 2}
