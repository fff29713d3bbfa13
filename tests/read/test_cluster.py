"""Parsing and batch jobs on a Dask cluster give what a local run gives (a LocalCluster in this process:
two single-threaded workers, started once for the module)."""

from __future__ import annotations

import functools
import gc
import shutil
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster

from budgetlib import limits, schema
from budgetlib.cli import main as cli_main
from budgetlib.forms import concat_forms
from budgetlib.read import batch as batch_module
from budgetlib.read import batches, iter_input_files, read_batch
from budgetlib.read.cluster import (
    read_batches_on_cluster,
    submit_notebooks,
    worker_threads,
    write_parts_on_cluster,
)
from tests.conftest import EXAMPLES, FIXTURES, SEED, copy_examples


@pytest.fixture(autouse=True)
def _unfreeze_heap():
    """The parse command freezes its process's heap (gc.freeze); undo that for the rest of the session."""
    yield
    gc.unfreeze()


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                      scheduler_kwargs={"dashboard": False}) as cluster, Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("forms")
    copy_examples(root / "examples")
    (root / "variants").mkdir()
    for name in ("declaration-horizontal-funds.md", "national-self-evaluation-template.md", "target-2021-template.md"):
        shutil.copy(FIXTURES / "variants" / name, root / "variants" / name)
    (root / "empty.md").write_text("nothing here\n", encoding="utf-8")  # a file that cannot be read
    return root


@pytest.fixture(scope="module")
def local(corpus: Path) -> dict[str, pd.DataFrame]:
    return read_batch(list(iter_input_files([corpus]))).tables


def test_cluster_has_two_worker_threads(client) -> None:
    assert worker_threads(client) == 2


def test_workers_writing_parts_give_the_local_tables(client, corpus: Path, local: dict, tmp_path: Path) -> None:
    work = batches(list(iter_input_files([corpus])), 3)  # 9 files: 3 parts
    counts = write_parts_on_cluster(client, work, tmp_path, max_in_flight=2)
    assert counts["projects"] == 8  # 5 examples + 3 variants; empty.md is an error
    assert counts["errors"] == 1
    assert sorted(p.name for p in (tmp_path / "projects.parquet").iterdir()) == [
        "part-000000.parquet", "part-000001.parquet", "part-000002.parquet"]
    for name in schema.FORM_TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"), local[name], obj=name)


def test_a_second_run_replaces_the_parts_of_the_first(client, corpus: Path, tmp_path: Path) -> None:
    files = list(iter_input_files([corpus]))
    write_parts_on_cluster(client, batches(files, 1), tmp_path)  # 9 parts
    assert files[0][1] == "empty.md"
    write_parts_on_cluster(client, batches(files[1:3], 1), tmp_path)  # 2 parts, 2 forms
    assert len(list((tmp_path / "projects.parquet").iterdir())) == 2
    assert len(pd.read_parquet(tmp_path / "projects.parquet")) == 2


def test_tables_returned_to_the_client_come_in_input_order(client, corpus: Path, local: dict) -> None:
    work = batches(list(iter_input_files([corpus])), 2)
    forms = concat_forms(read_batches_on_cluster(client, work, max_in_flight=2))
    for name in schema.FORM_TABLES:
        pd.testing.assert_frame_equal(forms.tables[name], local[name], obj=name)


def reader_failing_on_bad_files(batch: list[tuple[str, str]], keep_provenance: bool):
    if any(name.startswith("bad") for _, name in batch):
        raise RuntimeError("simulated bug")
    return read_batch(batch, keep_provenance)


def test_a_failing_batch_loses_only_its_bad_file(client, tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / SEED, tmp_path / "bad.md")
    shutil.copy(EXAMPLES / SEED, tmp_path / "good.md")
    work = batches(list(iter_input_files([tmp_path])), 2)  # one batch: bad.md, good.md
    forms = concat_forms(read_batches_on_cluster(client, work, reader=reader_failing_on_bad_files))
    assert list(forms.projects["source_file"]) == ["good.md"]
    assert list(forms.errors["error"]) == ["reading failed on the cluster: RuntimeError: simulated bug"]
    counts = write_parts_on_cluster(client, work, tmp_path / "out", reader=reader_failing_on_bad_files)
    assert (counts["projects"], counts["errors"]) == (1, 1)


def test_parse_command_on_a_scheduler(client, corpus: Path, local: dict, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    address = client.scheduler.address
    status = cli_main(["parse", str(corpus), "--out", str(tmp_path / "pq"), "--scheduler", address])
    assert status == 1  # empty.md could not be read, and is listed
    captured = capsys.readouterr()
    assert "8 forms read" in captured.out
    assert "empty.md" in captured.err
    assert cli_main(["parse", str(corpus), "--out", str(tmp_path / "csv"), "--format", "csv",
                     "--scheduler", address, "--batch-files", "4"]) == 1
    for name in ("projects", "indicators", "errors"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "pq" / f"{name}.parquet"), local[name], obj=name)
        from_csv = pd.read_csv(tmp_path / "csv" / f"{name}.csv", encoding="utf-8-sig", dtype=str)
        assert list(from_csv["form_id" if "form_id" in from_csv else "source_file"]) == list(
            local[name]["form_id" if "form_id" in local[name] else "source_file"])


def test_parse_command_names_an_unreachable_scheduler(corpus: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        status = cli_main(["parse", str(corpus), "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"])
    assert status == 2
    assert "could not run on tcp://127.0.0.1:9" in capsys.readouterr().err


def square_or_fail(value: int) -> int:
    if value < 0:
        raise ValueError(f"negative: {value}")
    return value * value


def test_submit_notebooks_returns_every_result_or_its_error(client, tmp_path: Path) -> None:
    marker = tmp_path / "prepared"
    results = dict(submit_notebooks(client, square_or_fail, [(v,) for v in (3, -1, 4, 5, 6)], max_in_flight=2,
                                    prepare=functools.partial(Path.touch, marker)))
    assert marker.exists()  # prepare ran on the workers first
    assert sorted(results) == [0, 1, 2, 3, 4]
    assert [results[i] for i in (0, 2, 3, 4)] == [9, 16, 25, 36]
    assert isinstance(results[1], ValueError) and str(results[1]) == "negative: -1"


def test_no_files_still_give_every_table(client, tmp_path: Path) -> None:
    counts = write_parts_on_cluster(client, [], tmp_path)
    assert set(counts.values()) == {0}
    projects = pd.read_parquet(tmp_path / "projects.parquet")
    assert len(projects) == 0 and list(projects.columns) == schema.TABLES["projects"].column_names


@pytest.mark.parametrize("files", [1, 0])
def test_parse_on_a_scheduler_writes_the_skipped_files(client, tmp_path: Path, files: int,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    if files:
        shutil.copy(EXAMPLES / SEED, folder / "good.md")
    (folder / "~$good.xlsx").write_bytes(b"\x08analyst" + bytes(154))
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    status = cli_main(["parse", str(folder), "--out", str(tmp_path / "pq"), "--scheduler", client.scheduler.address])
    assert status == 0
    assert "2 file(s) skipped" in capsys.readouterr().out
    skipped = pd.read_parquet(tmp_path / "pq" / "skipped.parquet")
    assert list(skipped["source_file"]) == ["photo.jpg", "~$good.xlsx"]
    assert list(skipped["code"]) == ["S_NOT_A_FORM_FORMAT", "S_LOCK_FILE"]
    assert len(pd.read_parquet(tmp_path / "pq" / "projects.parquet")) == files


# -- the time limit on the cluster ------------------------------------------------------------------------


def reader_stuck_on_hang_files(batch: list[tuple[str, str]], keep_provenance: bool, time_limit: float):
    """Reads as usual, except that reading a file named hang* loops for ever (in Python: the alarm can
    stop it). Patches the reading process it runs in, never the test process."""
    original = batch_module._parse_file

    def stuck(path, source_file, keep):  # type: ignore[no-untyped-def]
        while source_file.startswith("hang"):
            pass
        return original(path, source_file, keep)

    batch_module._parse_file = stuck
    try:
        return read_batch(batch, keep_provenance, time_limit)
    finally:
        batch_module._parse_file = original


def reader_stuck_beyond_the_alarm(batch: list[tuple[str, str]], keep_provenance: bool, time_limit: float):
    """As if reading a file named stuck* sat in one C call that never returns: the alarm is blocked,
    so only the reading process's watchdog can end it."""
    if any(name.startswith("stuck") for _, name in batch):
        with limits.time_limit(time_limit):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(3600)
    return read_batch(batch, keep_provenance, time_limit)


def within(seconds: float, work):  # type: ignore[no-untyped-def]
    """``work()``, failing the test (not hanging it) when it takes longer than ``seconds``."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds:g} s: the time limit was not enforced"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]


@pytest.fixture
def with_a_hanging_file(tmp_path: Path) -> list[tuple[str, str]]:
    for name in ("a.md", "hang.md", "stuck.md", "z.md"):
        shutil.copy(EXAMPLES / SEED, tmp_path / name)
    return list(iter_input_files([tmp_path]))


def test_a_file_that_never_finishes_becomes_an_error_row_on_the_cluster(client, with_a_hanging_file) -> None:
    files = [item for item in with_a_hanging_file if item[1] != "stuck.md"]
    reader = functools.partial(reader_stuck_on_hang_files, time_limit=0.5)
    forms = within(60, lambda: concat_forms(read_batches_on_cluster(client, batches(files, 3), reader=reader)))
    assert list(forms.projects["source_file"]) == ["a.md", "z.md"]
    assert forms.errors[["source_file", "error"]].to_dict("records") == [
        {"source_file": "hang.md", "error": "reading took longer than 0.5 s (the time limit); the file was not read"}]


def test_a_file_the_alarm_cannot_stop_ends_its_reading_process_and_only_itself(client, with_a_hanging_file,
                                                                               tmp_path: Path) -> None:
    from budgetlib.read.cluster import time_limit_error

    reader = functools.partial(reader_stuck_beyond_the_alarm, time_limit=0.5)
    files = [item for item in with_a_hanging_file if item[1] != "hang.md"]
    written: list[dict] = []
    # the batch, then the file alone: each ended OVERRUN_GRACE after its limit
    counts = within(90, lambda: write_parts_on_cluster(client, batches(files, 3), tmp_path / "out", reader=reader,
                                                      files=written))
    assert (counts["projects"], counts["errors"]) == (2, 1)
    errors = pd.read_parquet(tmp_path / "out" / "errors.parquet")
    assert errors[["source_file", "error"]].to_dict("records") == [
        {"source_file": "stuck.md", "error": time_limit_error(0.5)}]
    assert time_limit_error(0.5) == "reading took longer than 0.5 s (the time limit); the file was not read"
    assert {entry["path"] for entry in written} == {f"{name}.parquet/part-000000.parquet" for name in schema.FORM_TABLES}


def test_parse_on_a_scheduler_keeps_the_time_limit(client, tmp_path: Path, capsys) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    shutil.copy(EXAMPLES / SEED, forms / "good.md")
    seed = (EXAMPLES / SEED).read_text(encoding="utf-8")
    (forms / "slow.md").write_text(seed + "\n\n" + "| 甲 | 乙 | 丙 | 丁 |\n" * 40_000, encoding="utf-8")  # > 1 s to read
    status = cli_main(["parse", str(forms), "--out", str(tmp_path / "out"), "--scheduler", client.scheduler.address,
                       "--time-limit", "0.3", "--format", "csv"])
    assert status == 1
    assert "slow.md: reading took longer than 0.3 s (the time limit); the file was not read" in capsys.readouterr().err
    projects = pd.read_csv(tmp_path / "out" / "projects.csv", encoding="utf-8-sig")
    assert list(projects["source_file"]) == ["good.md"]
