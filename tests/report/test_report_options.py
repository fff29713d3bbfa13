"""``budgetlib report --actuals FILE`` and the spawn-based pool (where ``fork`` is unavailable).

青神's 工资性支出 self-evaluation has two indicators without actuals, so it gets no grade from the
form alone; with both filled in an actuals sheet it scores 98.8 of 100 (优: 58.8 scored on the form,
30 for 100 of =100, 10 for execution; see tests/scoring/test_actuals.py). The same batch is run
with workers forked (the default here) and spawned (forced, as on macOS and Windows, where each
notebook runs in a kernel of its own): the pages must say the same.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from lxml import html as lxml_html

from budgetlib.report import runner
from tests.conftest import EXAMPLES, QINGSHEN


def _report(root: Path, out: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    code = "import sys; from budgetlib.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, "report", QINGSHEN, "--out", out, "--jobs", "2",
                           "--no-progress", *extra], capture_output=True, text=True, timeout=1200, cwd=root,
                          env={**os.environ, **(env or {})}, check=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("options")
    shutil.copy(EXAMPLES / QINGSHEN, root / QINGSHEN)
    (root / "actuals.csv").write_text(f"表单编号,指标序号,实际完成值\n{QINGSHEN}#0,1,98%\n{QINGSHEN}#0,2,100\n",
                                      encoding="utf-8")
    outs = {}
    for name, extra, env in [("plain", (), None), ("actuals", ("--actuals", "actuals.csv"), None),
                             ("spawn", ("--actuals", "actuals.csv"), {runner.START_METHOD_VARIABLE: "spawn"})]:
        proc = _report(root, name, *extra, env=env)
        assert proc.returncode == 0, (name, proc.stderr)
        outs[name] = root / name
    return outs


def _project_page(out: Path) -> str:
    (page,) = (out / "projects").glob("*.html")
    return lxml_html.fromstring(page.read_text(encoding="utf-8")).text_content()


def _score_cells(out: Path) -> list[str]:
    """The text outputs of the project notebook's score cells (total and grade)."""
    (path,) = (out / "projects").glob("*.ipynb")
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "score" in cell.source:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                texts.append(str(data.get("text/html") or data.get("text/plain") or output.get("text", "")))
    return texts


def test_without_actuals_the_self_evaluation_gets_no_grade(runs) -> None:
    assert "98.8 / 100" not in _project_page(runs["plain"])
    (attainment,) = (runs["plain"] / "annual").glob("indicator-attainment-*.html")
    assert "98.8" not in attainment.read_text(encoding="utf-8")


def test_actuals_sheet_scores_every_report(runs) -> None:
    page = _project_page(runs["actuals"])
    assert "计算总分98.8/100等级优" in "".join(page.split())
    (attainment,) = (runs["actuals"] / "annual").glob("indicator-attainment-*.html")
    assert "98.8" in attainment.read_text(encoding="utf-8")


def test_the_sheet_counts_among_the_inputs_and_is_named_in_the_manifest(runs) -> None:
    import json

    manifest = json.loads((runs["actuals"] / "budgetlib-manifest.json").read_text(encoding="utf-8"))
    assert manifest["arguments"]["actuals"] == "actuals.csv"
    plain = json.loads((runs["plain"] / "budgetlib-manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["digest"] != plain["inputs"]["digest"]


def test_spawned_workers_write_the_same_reports(runs) -> None:
    fork, spawn = runs["actuals"], runs["spawn"]
    assert sorted(p.relative_to(fork).as_posix() for p in fork.rglob("*.html")) == sorted(
        p.relative_to(spawn).as_posix() for p in spawn.rglob("*.html"))
    assert _score_cells(fork) == _score_cells(spawn)
    assert _project_page(fork) == _project_page(spawn)


def test_start_method_is_spawn_where_fork_is_unavailable(monkeypatch) -> None:
    monkeypatch.delenv(runner.START_METHOD_VARIABLE, raising=False)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert runner.start_method() == "spawn"
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn", "forkserver"])
    assert runner.start_method() == "fork"
    monkeypatch.setenv(runner.START_METHOD_VARIABLE, "spawn")
    assert runner.start_method() == "spawn"
    monkeypatch.setenv(runner.START_METHOD_VARIABLE, "thread")
    with pytest.raises(ValueError, match="fork or spawn"):
        runner.start_method()
