"""``budgetlib report --scheduler``: the notebooks run on Dask workers, the pages land in the output folder
as a local batch leaves them, and a failing or hanging notebook fails its report only.

Both batches run in subprocesses, as users run them (the runner's workers fork, which should not happen
in the test process): one on a LocalCluster in the batch's own process (threads, ``processes=False``),
one on ``--scheduler local`` (real worker processes).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from lxml import html as lxml_html

from tests.conftest import ALL_EXAMPLES, EXAMPLES, FIXTURES, SEED

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
FORMS = [str(EXAMPLES / SEED), str(EXAMPLES / ALL_EXAMPLES[4])]

IN_PROCESS = textwrap.dedent("""
    import json, sys
    from distributed import LocalCluster
    from budgetlib.report import run_reports
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                      scheduler_kwargs={"dashboard": False}) as cluster:
        result = run_reports(sys.argv[1:], "out", scheduler=cluster.scheduler_address, progress=False)
    print(json.dumps({"ok": [o.job.stem for o in result.outcomes if o.ok],
                      "failed": [o.job.stem for o in result.failures]}))
""")


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=600, cwd=cwd, check=False)


@pytest.fixture(scope="module")
def threaded_batch(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("dask-threads")
    proc = _run(["-c", IN_PROCESS, *FORMS], root)
    assert proc.returncode == 0, proc.stderr
    return root / "out", json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_report_runs_on_the_workers_and_is_published(threaded_batch) -> None:
    out, outcome = threaded_batch
    assert outcome["failed"] == []
    # two project reports (2020, 2022); per year the annual report of all departments and of the one
    # department (4), the 2022 attainment page (the only self-evaluation); over both years the annual
    # report and the attainment page (2)
    assert len(outcome["ok"]) == 9
    manifest = json.loads((out / "budgetlib-manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["ok"] == 9 and manifest["counts"]["failed"] == 0
    assert manifest["arguments"]["scheduler"].startswith("inproc://")
    listed = {entry["path"] for entry in manifest["outputs"]}
    for stem in outcome["ok"]:
        assert f"{stem}.html" in listed and f"{stem}.ipynb" in listed
        assert (out / f"{stem}.html").is_file()
    assert not list(out.parent.glob(".*staging*")) and not list(out.glob("*.tmp"))
    # the workers' shared charts are gone before the folder is published
    assert not (out / ".shared-charts").exists() and not any(".shared-charts" in path for path in listed)


def test_the_workers_notebooks_read_the_batch_tables(threaded_batch) -> None:
    out, outcome = threaded_batch
    (stem,) = [s for s in outcome["ok"] if s.startswith("projects/区电子政务网络运行维护")]
    nb = nbformat.read(out / f"{stem}.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "data = '../data'" in injected.source
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    page = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "区电子政务网络运行维护" in page


def test_a_hanging_notebook_on_worker_processes_fails_its_report_only(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURES / "notebooks" / "hangs.ipynb", notebooks / "project_report.ipynb")
    for name in ("annual_report.ipynb", "indicator_attainment.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, notebooks / name)
    code = "import sys; from budgetlib.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = _run(["-c", code, "report", *FORMS, "--out", "out", "--scheduler", "local", "--jobs", "2",
                 "--timeout", "3", "--notebooks", "notebooks", "--no-progress"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "7 of 9 reports written" in proc.stdout
    assert "2 report(s) failed:" in proc.stderr
    assert proc.stderr.count("CellTimeoutError: a cell ran longer than the 3 s allowed") == 4  # as it happens + summary
    out = tmp_path / "out"
    page = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    statuses = [s.strip() for s in page.xpath("//td/span/text()")]
    assert statuses.count("失败") == 2 and statuses.count("完成") == 7
    manifest = json.loads((out / "budgetlib-manifest.json").read_text(encoding="utf-8"))
    assert manifest["arguments"]["scheduler"] == "local" and manifest["counts"]["failed"] == 2
    for ipynb in (out / "projects").glob("*.ipynb"):
        nb = nbformat.read(ipynb, as_version=4)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert [e.ename for e in errors] == ["CellTimeoutError"]
