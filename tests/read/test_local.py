"""Reading many files: batches, process pools, streaming writers, the parse command.

Whatever the batch size, the number of processes or the way out (in memory, streamed to Parquet or
CSV), the tables are the same as reading every file at once; a worker that dies or fails loses
only its own file. No timings here (see benchmarks/).
"""

from __future__ import annotations

import gc
import os
import shutil
from concurrent.futures import Future
from pathlib import Path

import pandas as pd
import pytest

from budgetlib import schema
from budgetlib.analysis.review import review_across_forms, with_cross_form_findings
from budgetlib.cli import main as cli_main
from budgetlib.forms import Forms, concat_forms
from budgetlib.output import stream_tables
from budgetlib.read import (
    WORKER_DIED,
    batches,
    build_tables,
    default_batch_files,
    iter_input_files,
    local,
    parse_file,
    prepare_reading_process,
    read_batch,
    read_batches,
    read_batches_parallel,
    read_forms,
)
from budgetlib.read import batch as batch_module
from tests.conftest import ALL_EXAMPLES, EXAMPLES, FIXTURES, SEED, copy_examples

VARIANTS = ("declaration-horizontal-funds.md", "national-self-evaluation-template.md", "target-2021-template.md")


@pytest.fixture(autouse=True)
def _unfreeze_heap():
    """The parse command freezes its process's heap (gc.freeze); undo that for the rest of the session."""
    yield
    gc.unfreeze()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five examples, the three layout variants and the seed as HTML: nine forms, three formats."""
    root = tmp_path_factory.mktemp("corpus")
    copy_examples(root / "examples")
    (root / "variants").mkdir()
    for name in VARIANTS:
        shutil.copy(FIXTURES / "variants" / name, root / "variants" / name)
    shutil.copy(FIXTURES / "html" / "xinzhou-2020-e-gov-network-declaration.html", root / "seed.html")
    return root


@pytest.fixture(scope="module")
def whole(corpus: Path) -> dict[str, pd.DataFrame]:
    """The reference: every file in one batch."""
    files = list(iter_input_files([corpus]))
    return read_batch(files).tables


def assert_same_tables(actual: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert set(actual) == set(expected)
    for name, df in expected.items():
        pd.testing.assert_frame_equal(actual[name].reset_index(drop=True), df, obj=name)


# -- building tables ----------------------------------------------------------------------------------


def test_frame_through_arrow_equals_frame_through_pandas(corpus: Path) -> None:
    results = [parse_file(path, name) for path, name in iter_input_files([corpus])]
    merged: dict[str, list[dict]] = {}
    for result in results:
        for table, rows in result.records.items():
            merged.setdefault(table, []).extend(rows)
    assert len(merged["projects"]) == 9  # 5 examples + 3 variants + the seed as HTML
    for name, rows in merged.items():
        if not rows:
            continue
        spec = schema.TABLES[name]
        fast = schema._frame_via_arrow(spec, rows)
        assert fast is not None, f"{name}: the records of real forms should take the Arrow path"
        pd.testing.assert_frame_equal(fast, schema._frame_via_pandas(spec, rows), obj=name)


def test_frame_falls_back_to_pandas_for_values_arrow_refuses() -> None:
    # an int in a text column and NaN in an integer column: Arrow refuses, pandas converts ("2020", <NA>)
    rows = [{"form_id": "f#0", "line_no": float("nan"), "source_name": 2020, "amount_yuan": 5}]
    assert schema._frame_via_arrow(schema.TABLES["funding"], rows) is None
    df = schema.frame("funding", rows)
    assert df.loc[0, "source_name"] == "2020"
    assert df.loc[0, "line_no"] is pd.NA
    assert str(df["line_no"].dtype) == "Int64"
    assert df.loc[0, "amount_yuan"] == 5.0


def test_frame_still_rejects_unknown_columns() -> None:
    with pytest.raises(KeyError, match="no_such_column"):
        schema.frame("projects", [{"form_id": "x#0", "no_such_column": 1}])


# -- batches --------------------------------------------------------------------------------------------


def test_batches_cut_in_order_and_keep_every_file() -> None:
    files = [(Path(f"f{i}.md"), f"f{i}.md") for i in range(7)]
    cut = batches(files, 3)
    assert [len(b) for b in cut] == [3, 3, 1]
    assert [name for batch in cut for _, name in batch] == [f"f{i}.md" for i in range(7)]
    with pytest.raises(ValueError, match="at least one file"):
        batches(files, 0)


def test_default_batch_size_leaves_no_worker_idle() -> None:
    assert default_batch_files(10, 1) == 500
    assert default_batch_files(100_000, 2) == 500
    assert default_batch_files(40, 2) == 5  # 40 files / (4 batches × 2 workers)
    assert default_batch_files(3, 4) == 1


@pytest.mark.parametrize("size", [1, 2, 4])
def test_any_batch_size_gives_the_tables_of_one_batch(corpus: Path, whole: dict, size: int) -> None:
    files = list(iter_input_files([corpus]))
    assert_same_tables(concat_forms(read_batches(files, batch_files=size)).tables, whole)


def across_forms(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """One batch's tables with the cross-form findings (C17–C20) of the set added, as read_forms adds
    them once every batch is read."""
    return with_cross_form_findings(Forms(dict(tables))).tables


def test_read_forms_equals_one_batch(corpus: Path, whole: dict) -> None:
    forms = read_forms([corpus])
    assert_same_tables(forms.tables, across_forms(whole))
    # the two self-evaluations have no target form or declaration beside them: C19, once each
    assert sorted(forms.findings.query("check_id == 'C19'")["form_id"]) == sorted(
        whole["projects"].query("form_type == 'self_evaluation'")["form_id"])


# -- process pool ---------------------------------------------------------------------------------------


def test_two_processes_give_the_same_tables_in_input_order(corpus: Path, whole: dict) -> None:
    forms = read_forms([corpus], jobs=2)
    assert_same_tables(forms.tables, across_forms(whole))
    assert list(forms.projects["source_file"]) == list(whole["projects"]["source_file"])


def reader_dying_on_crash_files(batch: list[tuple[str, str]], keep_provenance: bool):
    """A batch reader whose process dies (as after a segfault or the OOM killer) on a file named crash*."""
    if any(name.startswith("crash") for _, name in batch):
        os._exit(3)
    return read_batch(batch, keep_provenance)


def reader_failing_on_bad_files(batch: list[tuple[str, str]], keep_provenance: bool):
    if any(name.startswith("bad") for _, name in batch):
        raise RuntimeError("simulated bug")
    return read_batch(batch, keep_provenance)


def test_a_dying_worker_loses_only_its_own_file(tmp_path: Path) -> None:
    for name in ALL_EXAMPLES:
        shutil.copy(EXAMPLES / name, tmp_path / name)
    shutil.copy(EXAMPLES / SEED, tmp_path / "crash.md")
    files = list(iter_input_files([tmp_path]))
    assert files[0][1] == "crash.md"  # sorted first: dies in the first batch
    forms = concat_forms(read_batches_parallel(batches(files, 2), jobs=2, max_in_flight=2,
                                               reader=reader_dying_on_crash_files))
    assert sorted(forms.projects["source_file"]) == sorted(ALL_EXAMPLES)
    assert list(forms.errors["source_file"]) == ["crash.md"]
    assert forms.errors.loc[0, "error"] == WORKER_DIED
    expected_order = [name for _, name in files if name != "crash.md"]
    assert list(forms.projects["source_file"]) == expected_order


def test_a_batch_failing_in_its_worker_is_read_file_by_file(tmp_path: Path) -> None:
    for name in ALL_EXAMPLES[:3]:
        shutil.copy(EXAMPLES / name, tmp_path / name)
    shutil.copy(EXAMPLES / SEED, tmp_path / "bad.md")
    files = list(iter_input_files([tmp_path]))
    forms = concat_forms(read_batches_parallel(batches(files, 4), jobs=2, reader=reader_failing_on_bad_files))
    assert len(forms.projects) == 3
    assert list(forms.errors["source_file"]) == ["bad.md"]
    assert forms.errors.loc[0, "error"] == "reading failed in its worker: RuntimeError: simulated bug"


class _InlineExecutor:
    """Stands in for ProcessPoolExecutor: runs each task at once, counts submissions."""

    submitted = 0

    def __init__(self, max_workers: int, initializer=None) -> None:
        self.max_workers = max_workers

    def submit(self, fn, *args):
        type(self).submitted += 1
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def _count_reader(batch: list[tuple[str, str]], keep_provenance: bool):
    return build_tables([])


def test_batches_in_flight_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "ProcessPoolExecutor", _InlineExecutor)
    _InlineExecutor.submitted = 0
    work = [[(f"f{i}.md", f"f{i}.md")] for i in range(20)]
    stream = read_batches_parallel(work, jobs=2, max_in_flight=3, reader=_count_reader)
    for consumed in range(1, 21):
        next(stream)
        # the batch just handed out plus at most 3 more submitted ahead (never all 20 up front)
        assert _InlineExecutor.submitted <= consumed + 3
    assert _InlineExecutor.submitted == 20


# -- streaming and the command --------------------------------------------------------------------------


def test_streamed_parquet_equals_the_tables_in_memory(corpus: Path, whole: dict, tmp_path: Path) -> None:
    files = list(iter_input_files([corpus]))
    counts = stream_tables(read_batches(files, batch_files=2), tmp_path, "parquet")
    assert counts["projects"] == 9
    for name in schema.FORM_TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"), whole[name], obj=name)


def test_streamed_batches_are_gathered_into_row_groups_of_a_size(corpus: Path, whole: dict, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A row group per batch made the open writers' footers grow with the forms; the batches of a table
    are gathered until they hold ROW_GROUP_BYTES, and whatever is left is written when the file closes."""
    import pyarrow.parquet as pq

    from budgetlib import output

    files = list(iter_input_files([corpus]))
    stream_tables(read_batches(files, batch_files=1), tmp_path / "one", "parquet")  # 9 batches, few kB each
    assert pq.ParquetFile(tmp_path / "one" / "projects.parquet").num_row_groups == 1
    monkeypatch.setattr(output, "ROW_GROUP_BYTES", 1)  # every batch its own row group, as before
    stream_tables(read_batches(files, batch_files=1), tmp_path / "each", "parquet")
    assert pq.ParquetFile(tmp_path / "each" / "projects.parquet").num_row_groups == 9
    monkeypatch.setattr(output, "ROW_GROUP_BYTES", 20_000)
    stream_tables(read_batches(files, batch_files=1), tmp_path / "some", "parquet")
    assert 1 < pq.ParquetFile(tmp_path / "some" / "provenance.parquet").num_row_groups < 9
    for folder in ("one", "each", "some"):
        for name in schema.FORM_TABLES:
            pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / folder / f"{name}.parquet"), whole[name],
                                          obj=f"{folder}/{name}")


@pytest.mark.parametrize("extra", [[], ["--jobs", "2", "--batch-files", "2"]])
def test_parse_command_writes_the_same_tables(corpus: Path, whole: dict, tmp_path: Path, extra: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status = cli_main(["parse", str(corpus), "--out", str(tmp_path), *extra])
    assert status == 0
    assert "9 forms read" in capsys.readouterr().out
    # the findings of each batch, then those across the forms (C17–C20), which no batch alone can see
    across = review_across_forms(Forms(dict(whole)))
    assert set(across["check_id"]) == {"C19"}  # the examples' self-evaluations have no plan among them
    expected = {**whole, "findings": pd.concat([whole["findings"], across], ignore_index=True)}
    for name in schema.FORM_TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"), expected[name], obj=name)


def test_prepare_reading_process_freezes_the_heap() -> None:
    prepare_reading_process()
    assert gc.get_freeze_count() > 10_000  # modules, pandas, the analyses: out of every later collection


@pytest.mark.parametrize(("asked", "expected"), [(None, "jemalloc"), ("mimalloc", "mimalloc")])
def test_a_reading_process_takes_arrow_buffers_from_jemalloc_unless_told(
        asked: str | None, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """jemalloc where pyarrow has it, else the C library's allocator (mimalloc held more RSS); a pool
    named in the environment is Arrow's own choice and left alone."""
    import pyarrow as pa

    if expected == "jemalloc":
        try:
            pa.jemalloc_memory_pool()
        except NotImplementedError:
            expected = "system"

    before = pa.default_memory_pool()
    if asked is None:
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    else:
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", asked)
        pa.set_memory_pool(pa.mimalloc_memory_pool())
    try:
        prepare_reading_process()
        assert pa.default_memory_pool().backend_name == expected
    finally:
        pa.set_memory_pool(before)


def test_memory_is_given_back_before_the_cross_form_checks(corpus: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The cell-text caches emptied (the vocabulary kept), then the checks over the written tables."""
    from budgetlib.cli import parse as parse_command
    from budgetlib.transform import labels

    steps: list[str] = []
    release, append = parse_command.release_reading_memory, parse_command.append_cross_form_findings

    def released() -> None:
        assert labels.match_label.cache_info().currsize > 0
        release()
        assert labels.match_label.cache_info().currsize == 0 and labels._vocabulary.cache_info().currsize == 1
        steps.append("released")

    def appended(*args: object) -> int:
        steps.append("appended")
        return append(*args)

    monkeypatch.setattr(parse_command, "release_reading_memory", released)
    monkeypatch.setattr(parse_command, "append_cross_form_findings", appended)
    assert cli_main(["parse", str(corpus), "--out", str(tmp_path)]) == 0
    assert steps == ["released", "appended"]


def test_parse_command_refuses_zero_jobs(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["parse", str(corpus), "--out", str(tmp_path), "--jobs", "0"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


def test_a_file_whose_derived_tables_fail_keeps_its_parsed_tables(corpus: Path, whole: dict,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    derive = batch_module.derive_tables

    def derive_failing_on_the_seed(forms, *args, **kwargs):
        if SEED in set(forms.projects["source_file"].str.rsplit("/", n=1).str[-1]):
            raise RuntimeError("simulated analysis bug")
        return derive(forms, *args, **kwargs)

    monkeypatch.setattr(batch_module, "derive_tables", derive_failing_on_the_seed)
    forms = read_batch(list(iter_input_files([corpus])))
    seed_file = f"examples/{SEED}"
    assert list(forms.projects["source_file"]) == list(whole["projects"]["source_file"])  # every form still read
    assert list(forms.errors["source_file"]) == [seed_file]
    assert forms.errors.loc[0, "error"] == ("read, but cost_items/findings could not be computed: "
                                            "RuntimeError: simulated analysis bug")
    seed_id = f"{seed_file}#0"
    assert (whole["findings"]["form_id"] == seed_id).any()  # the seed has findings when the analyses work
    assert seed_id not in set(forms.findings["form_id"]) and seed_id not in set(forms.cost_items["form_id"])
    others = whole["findings"][whole["findings"]["form_id"] != seed_id].reset_index(drop=True)
    pd.testing.assert_frame_equal(forms.findings, others)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "xlsx"])
def test_parse_command_lists_the_forms_read_with_low_coverage(tmp_path: Path, fmt: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    shutil.copy(EXAMPLES / SEED, folder / SEED)  # read whole
    (folder / "odd.md").write_text(  # a 项目名称 and three rows of words no vocabulary knows: 2 of 8 cells read
        "| 项目名称 | 测试项目 |\n|---|---|\n| 甲 | 乙 |\n| 丙 | 丁 |\n| 戊 | 己 |\n", encoding="utf-8")
    assert cli_main(["parse", str(folder), "--out", str(tmp_path / "out"), "--format", fmt]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "1 form(s) read with under 80% of their cells in a table (the rest is in unparsed; warnings say why):",
        "  odd.md#0: 25.0%",
    ]
    assert cli_main(["parse", str(folder), "--out", str(tmp_path / "none"), "--format", fmt,
                     "--min-coverage", "0"]) == 0
    assert capsys.readouterr().err == ""


def test_parse_command_refuses_a_coverage_outside_zero_to_one(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["parse", str(EXAMPLES / SEED), "--out", str(tmp_path), "--min-coverage", "80"]) == 2
    assert "--min-coverage must be between 0 and 1" in capsys.readouterr().err
