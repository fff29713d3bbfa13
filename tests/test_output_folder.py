"""The output folder of ``budgetlib parse`` (and what it shares with ``budgetlib report``): a run is
published whole with its manifest or not at all, one run at a time, nothing written outside ``--out``
or through a link in it, nothing of the user's deleted, and a bad ``--out`` refused in one line
before anything is read.

Failures are real ones: a file-size limit (``RLIMIT_FSIZE``) makes every write past it fail with
EFBIG, as a full disk fails a write, in a subprocess that runs the command as a user does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from budgetlib import schema
from budgetlib.cli import main as cli_main
from tests.conftest import EXAMPLE_FILES, EXAMPLES, FIXTURES, SEED

VARIANTS = FIXTURES / "variants"
MANIFEST_FILE = "budgetlib-manifest.json"  # the names users and scripts rely on (budgetlib.outdir)
LOCK_FILE = ".budgetlib.lock"


def budgetlib(*args: str, cwd: Path, limit_file_bytes: int | None = None,
              timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The command in a subprocess; ``limit_file_bytes`` makes every write past that size fail (EFBIG)."""
    code = "import sys; from budgetlib.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, check=False, preexec_fn=_file_size_limit(limit_file_bytes))


def _file_size_limit(limit: int | None) -> Callable[[], None] | None:
    if limit is None:
        return None

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links too, as links) by relative path: its SHA-256. The lock a killed
    run leaves is no output and is left out."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if name == LOCK_FILE:
            continue
        if path.is_symlink():
            found[name] = f"link to {os.readlink(path)}"
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def leftovers(folder: Path) -> list[str]:
    """Staging folders and locks a run left beside or inside ``folder``."""
    beside = [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.budgetlib-")]
    inside = [p.name for p in folder.iterdir() if p.name.startswith(".budgetlib")] if folder.is_dir() else []
    return beside + inside


@pytest.fixture
def corpora(tmp_path: Path) -> tuple[Path, Path]:
    """Two different inputs: the five examples (A) and the three layout variants (B)."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    for path in EXAMPLE_FILES:
        shutil.copy(path, a)
    shutil.copytree(VARIANTS, b, ignore=shutil.ignore_patterns("*.html"))
    return a, b


# ----------------------------------------------------------------------------------------------
# the manifest


def test_parse_publishes_its_tables_with_a_manifest_that_describes_them(corpora, tmp_path: Path, capsys) -> None:
    a, _ = corpora
    out = tmp_path / "out"
    assert cli_main(["parse", str(a), "--out", str(out)]) == 0
    assert "5 forms read" in capsys.readouterr().out
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["format"] == "budgetlib-manifest/1"
    assert manifest["command"] == "parse"
    assert manifest["budgetlib_version"] == "0.1.0"
    assert manifest["started"] <= manifest["finished"]
    assert manifest["inputs"]["paths"] == [str(a)] and manifest["inputs"]["files"] == 5
    assert manifest["inputs"]["digest"].startswith("sha256:")
    assert manifest["counts"]["forms"] == 5 and manifest["counts"]["files_not_read"] == 0
    assert manifest["arguments"]["format"] == "parquet" and manifest["arguments"]["provenance"] is True
    outputs = {entry["path"]: entry for entry in manifest["outputs"]}
    assert set(outputs) == {f"{name}.parquet" for name in schema.FORM_TABLES}
    for name in schema.FORM_TABLES:
        path = out / f"{name}.parquet"
        entry = outputs[f"{name}.parquet"]
        assert entry["bytes"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["table"] == name and entry["rows"] == len(pd.read_parquet(path)) == manifest["counts"]["rows"][name]
    assert manifest["counts"]["rows"]["projects"] == 5 and manifest["counts"]["rows"]["indicators"] == 28
    assert leftovers(out) == []  # no staging folder, no lock


def test_the_same_inputs_give_the_same_outputs_again(corpora, tmp_path: Path) -> None:
    a, _ = corpora
    out = tmp_path / "out"
    assert cli_main(["parse", str(a), "--out", str(out), "--format", "csv"]) == 0
    first = snapshot(out)
    assert cli_main(["parse", str(a), "--out", str(out), "--format", "csv"]) == 0
    second = snapshot(out)
    assert first.keys() == second.keys()
    assert {k: v for k, v in first.items() if k != MANIFEST_FILE} == {k: v for k, v in second.items()
                                                                      if k != MANIFEST_FILE}


# ----------------------------------------------------------------------------------------------
# all or nothing


@pytest.mark.parametrize("fmt", ["parquet", "csv", "xlsx"])
def test_a_run_that_fails_writing_leaves_the_previous_output_as_it_was(corpora, tmp_path: Path, fmt: str) -> None:
    a, b = corpora
    assert budgetlib("parse", str(b), "--out", "out", "--format", fmt, cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path / "out")
    # the examples' tables are larger than 12 kB (provenance, projects): writing them fails half way
    failed = budgetlib("parse", str(a), "--out", "out", "--format", fmt, cwd=tmp_path, limit_file_bytes=12_000)
    assert snapshot(tmp_path / "out") == before  # not one table of the failed run, nothing missing
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert failed.stderr.strip().splitlines()[-1].startswith("could not write the tables (")
    assert failed.stderr.strip().endswith("out was left as it was")
    assert leftovers(tmp_path / "out") == []
    forms = pd.read_csv(tmp_path / "out" / "projects.csv") if fmt == "csv" else None
    if forms is not None:
        assert len(forms) == 3  # still B's three forms, not A's five


def test_a_killed_run_leaves_the_previous_output_and_the_next_run_clears_up(corpora, tmp_path: Path) -> None:
    a, b = corpora
    many = tmp_path / "many"
    many.mkdir()
    for index in range(300):  # enough to take a few seconds
        shutil.copy(EXAMPLES / SEED, many / f"{index:03d}.md")
    out = tmp_path / "out"
    assert budgetlib("parse", str(b), "--out", "out", "--format", "csv", cwd=tmp_path).returncode == 0
    before = snapshot(out)
    with _running("parse", str(many), "--out", "out", "--format", "csv", "--batch-files", "20", cwd=tmp_path) as run:
        _wait_until(lambda: _writing(out, before) or run.poll() is not None)
        assert run.poll() is None, "the run ended before it could be killed"
        time.sleep(0.3)
        run.send_signal(signal.SIGKILL)
        run.wait()
    assert snapshot(out) == before  # B's tables, whole, and nothing of the killed run
    assert budgetlib("parse", str(a), "--out", "out", "--format", "csv", cwd=tmp_path).returncode == 0
    assert len(pd.read_csv(out / "projects.csv")) == 5
    assert leftovers(out) == []


def _writing(out: Path, before: dict[str, str]) -> bool:
    """Whether a run has started writing: its staging folder beside ``out`` holds a table (or, as
    before there was one, a table in ``out`` changed)."""
    staged = [p for p in out.parent.glob(f".{out.name}.budgetlib-partial-*/*.csv")]
    return bool(staged) or snapshot(out) != before


@contextlib.contextmanager
def _running(*args: str, cwd: Path) -> Iterator[subprocess.Popen[str]]:
    code = "import sys; from budgetlib.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def _wait_until(condition: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_cluster_parts_of_a_failed_run_never_join_the_previous_dataset(corpora, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    a, b = corpora
    args = ["--scheduler", "local", "--jobs", "1", "--batch-files", "1"]
    assert budgetlib("parse", str(b), "--out", "out", *args, cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path / "out")
    expected = pd.read_parquet(tmp_path / "out" / "projects.parquet")
    assert len(expected) == 3
    # one form a part: the small parts are written, the seed's projects part (over 9 kB) is not
    failed = budgetlib("parse", str(a), "--out", "out", *args, cwd=tmp_path, limit_file_bytes=9_000)
    assert failed.returncode != 0
    assert snapshot(tmp_path / "out") == before
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "projects.parquet"), expected)


def test_outputs_of_the_previous_run_that_this_run_does_not_write_are_removed(corpora, tmp_path: Path) -> None:
    a, b = corpora
    out = tmp_path / "out"
    assert cli_main(["parse", str(a), "--out", str(out)]) == 0
    assert cli_main(["parse", str(b), "--out", str(out), "--format", "csv"]) == 0
    names = sorted(p.name for p in out.iterdir())
    # none of A's Parquet tables is left to be read with B's (they were budgetlib's: the manifest said so)
    assert names == sorted([MANIFEST_FILE, *(f"{n}.csv" for n in schema.FORM_TABLES)])


def test_files_budgetlib_did_not_write_are_never_removed(corpora, tmp_path: Path) -> None:
    a, _ = corpora
    out = tmp_path / "out"
    (out / "mine").mkdir(parents=True)
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    (out / "mine" / "projects.parquet").write_bytes(b"mine")
    (out / "projects.parquet.bak").write_bytes(b"mine too")
    for args in (["--format", "csv"], ["--format", "parquet"], ["--format", "xlsx"], ["--format", "parquet"]):
        assert cli_main(["parse", str(a), "--out", str(out), *args]) == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert (out / "mine" / "projects.parquet").read_bytes() == b"mine"
    assert (out / "projects.parquet.bak").read_bytes() == b"mine too"
    assert not (out / "budgetlib.xlsx").exists() and not (out / "projects.csv").exists()


def test_a_folder_of_parts_holding_files_of_yours_is_refused_before_the_run(corpora, tmp_path: Path,
                                                                           capsys) -> None:
    a, _ = corpora
    out = tmp_path / "out"
    (out / "projects.parquet").mkdir(parents=True)
    (out / "projects.parquet" / "part-000000.parquet").write_bytes(b"an old part")
    (out / "projects.parquet" / "README.txt").write_text("about these parts", encoding="utf-8")
    before = snapshot(out)
    assert cli_main(["parse", str(a), "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (f"{out / 'projects.parquet'} holds files budgetlib did not write "
                     "(projects.parquet/README.txt); move them elsewhere, then run again")
    assert snapshot(out) == before


# ----------------------------------------------------------------------------------------------
# one run at a time


def test_a_second_run_into_the_same_folder_is_refused_and_a_dead_runs_lock_is_taken_over(corpora,
                                                                                         tmp_path: Path) -> None:
    a, b = corpora
    out = tmp_path / "out"
    with _running("report", str(a), "--out", "out", "--no-progress", cwd=tmp_path) as first:
        _wait_until(lambda: (out / LOCK_FILE).exists() or first.poll() is not None)
        assert first.poll() is None
        second = budgetlib("parse", str(b), "--out", "out", cwd=tmp_path)
        assert second.returncode == 2
        (line,) = second.stderr.strip().splitlines()
        assert line.startswith(f"{out} is in use by another budgetlib run (process {first.pid} on ")
        assert line.endswith("; wait for it to finish or choose another --out") and "budgetlib report, since" in line
        assert first.poll() is None  # the refused run did not disturb the first one
        os.killpg(first.pid, signal.SIGKILL)  # the first run dies holding the lock
        first.wait()
    assert (out / LOCK_FILE).exists()  # its lock file is still there, but no process holds it
    third = budgetlib("parse", str(b), "--out", "out", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert len(pd.read_parquet(out / "projects.parquet")) == 3
    assert leftovers(out) == []


def test_the_lock_is_held_for_the_run_and_refuses_another(tmp_path: Path, capsys) -> None:
    from budgetlib.outdir import LOCK_FILE as lock_file
    from budgetlib.outdir import lock_output_folder

    assert lock_file == LOCK_FILE
    with lock_output_folder(tmp_path, "parse"):
        holder = (tmp_path / LOCK_FILE).read_text(encoding="utf-8")
        assert holder.startswith(f"process {os.getpid()} on ") and "budgetlib parse, since" in holder
        assert cli_main(["parse", str(EXAMPLES / SEED), "--out", str(tmp_path)]) == 2
        assert "is in use by another budgetlib run" in capsys.readouterr().err
    assert not (tmp_path / LOCK_FILE).exists()
    assert cli_main(["parse", str(EXAMPLES / SEED), "--out", str(tmp_path)]) == 0


# ----------------------------------------------------------------------------------------------
# nothing outside --out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_links_planted_in_the_output_folder_are_replaced_never_written_through(corpora, tmp_path: Path,
                                                                               fmt: str) -> None:
    a, _ = corpora
    out = tmp_path / "out"
    out.mkdir()
    victims = tmp_path / "victims"
    victims.mkdir()
    (victims / "file").write_bytes(b"precious")
    (victims / "folder").mkdir()
    (victims / "folder" / "part-000000.parquet").write_bytes(b"precious part")
    (victims / "lock").write_bytes(b"precious lock")
    (victims / "manifest").write_bytes(b"precious manifest")
    (out / f"projects.{fmt}").symlink_to(victims / "file")
    (out / f"indicators.{fmt}").symlink_to(victims / "folder", target_is_directory=True)
    (out / LOCK_FILE).symlink_to(victims / "lock")
    (out / MANIFEST_FILE).symlink_to(victims / "manifest")
    before = snapshot(victims)
    assert cli_main(["parse", str(a), "--out", str(out), "--format", fmt]) == 0
    assert snapshot(victims) == before
    for name in (f"projects.{fmt}", f"indicators.{fmt}", MANIFEST_FILE):
        assert not (out / name).is_symlink() and (out / name).is_file(), name
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    assert len(read(out / f"projects.{fmt}")) == 5


def test_a_link_to_a_folder_of_parts_is_replaced_too(corpora, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    a, _ = corpora
    victims = tmp_path / "victims"
    (victims / "parts").mkdir(parents=True)
    (victims / "parts" / "part-000000.parquet").write_bytes(b"precious part")
    out = tmp_path / "out"
    out.mkdir()
    (out / "projects.parquet").symlink_to(victims / "parts", target_is_directory=True)
    before = snapshot(victims)
    run = budgetlib("parse", str(a), "--out", "out", "--scheduler", "local", "--jobs", "1", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert snapshot(victims) == before
    assert (out / "projects.parquet").is_dir() and not (out / "projects.parquet").is_symlink()
    assert len(pd.read_parquet(out / "projects.parquet")) == 5


# ----------------------------------------------------------------------------------------------
# a bad --out


def _immutable(path: Path) -> contextlib.AbstractContextManager[None]:
    """``path`` made unwritable, for root too (the immutable attribute) or by its mode."""

    @contextlib.contextmanager
    def made() -> Iterator[None]:
        if os.geteuid() != 0:
            path.chmod(0o555)
            try:
                yield
            finally:
                path.chmod(0o755)
            return
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True,
                                                            check=False).returncode != 0:
            pytest.skip("running as root on a file system without the immutable attribute")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)

    return made()


@pytest.mark.parametrize("command", ["parse", "report"])
@pytest.mark.parametrize("case", ["a file", "under a file", "read-only", "not UTF-8"])
def test_a_bad_out_is_one_line_and_exit_2_before_anything_is_read(tmp_path: Path, command: str, case: str) -> None:
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    (tmp_path / "locked").mkdir()
    out, expected = {
        "a file": ("afile", "--out afile: is a file, not a folder"),
        "under a file": ("afile/sub", "--out afile/sub: cannot create the folder (Not a directory)"),
        "read-only": ("locked", "--out locked: cannot write in the folder ("),
        "not UTF-8": (os.fsdecode(b"bad\xff"), "--out bad\\udcff: the name is not valid UTF-8; choose a UTF-8 name"),
    }[case]
    guard = _immutable(tmp_path / "locked") if case == "read-only" else contextlib.nullcontext()
    with guard:
        run = budgetlib(command, str(EXAMPLES / SEED), "--out", out, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(expected), line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "locked"]  # nothing made anywhere
    assert list((tmp_path / "locked").iterdir()) == []


# ----------------------------------------------------------------------------------------------
# names shown to people


def test_newlines_and_bidi_controls_in_names_are_shown_escaped(tmp_path: Path, capsys) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    shutil.copy(EXAMPLES / SEED, forms / "good.md")
    (forms / "two\nlines.md").write_text("no form\n", encoding="utf-8")
    (forms / "evil\u202egnp.md").write_text("", encoding="utf-8")
    assert cli_main(["parse", str(forms), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "2 file(s) could not be read:"
    assert sorted(err.splitlines()[1:]) == ["  evil\\u202egnp.md: the file is empty",
                                            "  two\\nlines.md: no table found in the file"]
    assert "\u202e" not in err
    # the table keeps the name as it is
    errors = pd.read_parquet(tmp_path / "out" / "errors.parquet")
    assert set(errors["source_file"]) == {"two\nlines.md", "evil\u202egnp.md"}


def test_visible_escapes_exactly_the_invisible_characters() -> None:
    from budgetlib.display import HIDDEN_RANGES, visible, visible_in_markup

    assert visible("区电子政务网络运行维护（２０２０）　全角") == "区电子政务网络运行维护（２０２０）　全角"
    assert visible("a\nb\rc\td\x00e\x7f\x9f") == "a\\nb\\rc\\td\\x00e\\x7f\\x9f"
    assert visible("\u202eabc\u2066\u200b\ufeff\u2028\U000e0041") == "\\u202eabc\\u2066\\u200b\\ufeff\\u2028\\U000e0041"
    assert visible(os.fsdecode(b"gbk\xb0\xa1")) == "gbk\\udcb0\\udca1"
    assert visible_in_markup("<p>\n\t\u202e</p>") == "<p>\n\t\\u202e</p>"
    hidden = {c for low, high in HIDDEN_RANGES for c in range(low, high + 1)}
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            assert code in hidden, hex(code)
        elif code in hidden:
            assert category == "Cn", hex(code)  # assigned only by a newer Unicode than this Python's


def test_check_shows_names_escaped_too(tmp_path: Path, capsys) -> None:
    shutil.copy(EXAMPLES / SEED, tmp_path / "new\nline\u202e.md")
    assert cli_main(["check", str(tmp_path)]) == 1  # the seed has error-level findings
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "new\\nline\\u202e.md#0"
    assert "\u202e" not in out and "new\nline" not in out


FORKED_WORKER = """
import os, signal, sys, time
from pathlib import Path
from budgetlib.outdir import lock_output_folder

with lock_output_folder(Path(sys.argv[1]), "report"):
    if os.fork() == 0:  # a worker, forked while the run holds the lock
        time.sleep(30)
        os._exit(0)
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)  # the run is killed; its worker lives on
"""


def test_a_forked_worker_left_by_a_killed_run_does_not_keep_the_lock(tmp_path: Path) -> None:
    from budgetlib.outdir import lock_output_folder

    run = subprocess.Popen([sys.executable, "-c", FORKED_WORKER, str(tmp_path)], start_new_session=True)
    try:
        assert run.wait(timeout=60) == -signal.SIGKILL
        assert (tmp_path / LOCK_FILE).exists()
        with lock_output_folder(tmp_path, "parse"):  # taken over, though the worker still runs
            pass
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)  # the worker, still in the run's process group
