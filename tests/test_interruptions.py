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
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
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
    """``count`` kill moments as (early, fraction) of a :class:`Timing`: a fifth before the first output
    (start-up, reading), the rest spread evenly, one at random in each slice, from the first output to a
    little past the end."""
    early = max(1, count // 5)
    late = count - early
    return [(True, rng.random()) for _ in range(early)] + [(False, 1.2 * (i + rng.random()) / late)
                                                           for i in range(late)]


@dataclass
class Timing:
    """When a run's staging folder appeared, when its first output did, and when it ended (seconds);
    the end is lowered to what later runs that ended before their kill took (the first run of a kind
    pays for cold caches)."""

    staged: float
    writing: float
    total: float

    def moment(self, early: bool, fraction: float) -> float:
        """The moment of a :func:`kill_plan` entry in this run's time."""
        if early:
            return self.staged * 0.5 + (self.writing - self.staged * 0.5) * fraction
        return self.writing + (self.total - self.writing) * fraction

    def observe(self, ended_after: float) -> None:
        self.total = max(self.writing, min(self.total, ended_after))


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", CODE, *args]


def timed_run(args: list[str], cwd: Path, out: Path) -> tuple[subprocess.CompletedProcess[str], Timing]:
    """Run to the end, noting when its staging folder and its first output appeared."""
    started = time.monotonic()
    process = subprocess.Popen(_command(*args), cwd=cwd, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    staged = writing = None
    pattern = f".{out.name}.budgetlib-partial-*"
    while process.poll() is None:
        stagings = list(out.parent.glob(pattern))
        if staged is None and stagings:
            staged = time.monotonic() - started
        if writing is None and any(p.is_file() for s in stagings for p in s.rglob("*")):
            writing = time.monotonic() - started
        time.sleep(0.01)
    stdout, stderr = process.communicate()
    total = time.monotonic() - started
    staged = staged if staged is not None else total * 0.3
    writing = writing if writing is not None else max(staged, total * 0.5)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), Timing(staged, writing, total)


def killed_run(args: list[str], cwd: Path, after: float, timing: Timing) -> int | None:
    """Start a run and SIGKILL its whole process group ``after`` seconds in (None); when it ended
    first, its exit status (and ``timing`` learns how long it took)."""
    started = time.monotonic()
    process = subprocess.Popen(_command(*args), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        process.wait(timeout=after)
        timing.observe(time.monotonic() - started)
        return process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
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
        sheets = pd.read_excel(out / "budgetlib.xlsx", sheet_name=None, dtype=str)
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
    if after == before:
        tally.seen["left as it was"] += 1
    elif (out / MANIFEST_FILE).is_file():
        tally.seen["completed before the kill"] += 1
    else:
        tally.seen["killed while moving, finished by the next run"] += 1
    pending = [p for p in out.parent.glob(f".{out.name}.budgetlib-partial-*") if (p / MANIFEST_FILE).is_file()]
    with lock_output_folder(out, "check"):
        recover(out)
    if after != before:  # only a run that completed may have changed the folder
        changed = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
        assert (out / MANIFEST_FILE).is_file() != bool(pending), f"changed, but by no completed run: {changed}"
    assert leftovers(out) == []
    return verified_manifest(out)


# ----------------------------------------------------------------------------------------------
# parse


@pytest.fixture(scope="module")
def parse_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("kill-parse")
    inputs = {"A": root / "A", "B": root / "B"}
    shutil.copytree(SYNTHETIC / "2020", inputs["A"])  # markdown, HTML and xlsx forms
    shutil.copytree(SYNTHETIC / "2022", inputs["B"])
    return root, inputs


@pytest.fixture(scope="module")
def parse_references(parse_inputs) -> dict[tuple[str, str], tuple[dict[str, pd.DataFrame], Timing, str]]:
    """Clean local runs: (input, format) → (tables, timing, input digest)."""
    root, inputs = parse_inputs
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
                    timings: dict[str, Timing]) -> Tally:
    rng = random.Random(f"{SEED_OF_MOMENTS}-{name}")
    out = root / f"{name}-out"
    formats = ("parquet", "csv", "xlsx")
    digests = {references[key, "parquet"][2]: key for key in inputs}
    tally = Tally(name)
    first = subprocess.run(_command("parse", str(inputs["A"]), "--out", out.name, *extra), cwd=root, check=False,
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    for index, (early, fraction) in enumerate(kill_plan(KILLS, rng)):
        fmt = formats[index % 3]
        key = "B" if index % 2 == 0 else "A"
        before = snapshot(out)
        ended = killed_run(["parse", str(inputs[key]), "--out", out.name, "--format", fmt, *extra], root,
                           timings[fmt].moment(early, fraction), timings[fmt])
        assert ended in (None, 0)
        manifest = check_after_kill(out, before, tally)
        made_from = digests[manifest["inputs"]["digest"]]
        if snapshot(out) != before:
            assert made_from == key and manifest["arguments"]["format"] == fmt
        written_as = manifest["arguments"]["format"]
        for table, frame in read_tables(out, written_as).items():
            pd.testing.assert_frame_equal(frame, references[made_from, written_as][0][table], obj=table)
    fmt = formats[KILLS % 3]  # the next run, to the end: equal to a clean run
    done = subprocess.run(_command("parse", str(inputs["B"]), "--out", out.name, "--format", fmt, *extra),
                          cwd=root, check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    verified_manifest(out)
    for table, frame in read_tables(out, fmt).items():
        pd.testing.assert_frame_equal(frame, references["B", fmt][0][table], obj=table)
    assert leftovers(out) == []
    print(f"kill moments seed {SEED_OF_MOMENTS}; {tally.report()}")
    return tally


def test_killed_local_parses_leave_the_previous_output_intact(parse_inputs, parse_references) -> None:
    root, inputs = parse_inputs
    timings = {fmt: parse_references["B", fmt][1] for fmt in ("parquet", "csv", "xlsx")}
    tally = _exercise_parse("local", ["--jobs", "1"], root, inputs, parse_references, timings)
    assert sum(tally.seen.values()) == KILLS


def test_killed_dask_parses_leave_the_previous_output_intact(parse_inputs, parse_references) -> None:
    pytest.importorskip("distributed")
    root, inputs = parse_inputs
    extra = ["--scheduler", "local", "--jobs", "1", "--batch-files", "3"]
    out = root / "dask-timing"
    proc, timing = timed_run(["parse", str(inputs["B"]), "--out", out.name, *extra], root, out)
    assert proc.returncode == 0, proc.stderr
    for table, frame in read_tables(out, "parquet").items():  # a cluster gives the tables of a local parse
        pd.testing.assert_frame_equal(frame, parse_references["B", "parquet"][0][table], obj=table)
    timings = {fmt: Timing(timing.staged, timing.writing, timing.total) for fmt in ("parquet", "csv", "xlsx")}
    tally = _exercise_parse("dask", extra, root, inputs, parse_references, timings)
    assert sum(tally.seen.values()) == KILLS


# ----------------------------------------------------------------------------------------------
# report


def test_killed_report_runs_leave_the_previous_reports_intact(tmp_path: Path) -> None:
    inputs = {"A": tmp_path / "A", "B": tmp_path / "B"}
    seed = (EXAMPLES / SEED).read_text(encoding="utf-8")
    for key, budget in (("A", "500000.00"), ("B", "600000.00")):  # the same reports, other numbers
        inputs[key].mkdir()
        (inputs[key] / SEED).write_text(seed.replace(
            "| 项目总预算            | 500000.00  | 项目当年预算 | 500000.00             |",
            f"| 项目总预算 | {budget} | 项目当年预算 | {budget} |"), encoding="utf-8")
    references = {}
    for key, folder in inputs.items():
        out = tmp_path / f"clean-{key}"
        proc, timing = timed_run(["report", str(folder), "--out", out.name, "--no-progress"], tmp_path, out)
        assert proc.returncode == 0, proc.stderr
        manifest = verified_manifest(out)
        references[key] = (pd.read_parquet(out / "data" / "projects.parquet"), timing, manifest["inputs"]["digest"],
                           sorted(entry["stem"] for entry in manifest["reports"]))
    assert references["A"][3] == references["B"][3]  # same names: a mix could only show in the contents
    digests = {references[key][2]: key for key in inputs}
    rng = random.Random(f"{SEED_OF_MOMENTS}-report")
    out = tmp_path / "out"
    first = subprocess.run(_command("report", str(inputs["A"]), "--out", "out", "--no-progress"), cwd=tmp_path,
                           check=False, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    tally = Tally("report")
    timing = references["B"][1]
    for index, (early, fraction) in enumerate(kill_plan(KILLS, rng)):
        key = "B" if index % 2 == 0 else "A"
        before = snapshot(out)
        ended = killed_run(["report", str(inputs[key]), "--out", "out", "--no-progress"], tmp_path,
                           timing.moment(early, fraction), timing)
        assert ended in (None, 0)
        manifest = check_after_kill(out, before, tally)
        made_from = digests[manifest["inputs"]["digest"]]
        if snapshot(out) != before:
            assert made_from == key
        _assert_reports_of(out, manifest, references[made_from])
    done = subprocess.run(_command("report", str(inputs["B"]), "--out", "out", "--no-progress"), cwd=tmp_path,
                          check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    _assert_reports_of(out, verified_manifest(out), references["B"])
    print(f"kill moments seed {SEED_OF_MOMENTS}; {tally.report()}")
    assert sum(tally.seen.values()) == KILLS


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
