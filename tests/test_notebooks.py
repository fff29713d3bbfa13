"""The notebooks: thin, parameterized for papermill, and guarded by nbval.

nbval itself runs ``notebooks/*.ipynb`` in the main test run (see ``[tool.pytest.ini_options]``).
Here: a changed number makes nbval fail (so the committed outputs really guard the library's
results), and the notebooks keep the shape papermill and the batch rely on.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.conftest import copy_examples

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"

FUNDING_TOTAL = "合计（表内合计）"


def _funding_cell(nb) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.cell_type == "code" and "funding_lines" in c.source)


def test_nbval_fails_when_a_committed_number_no_longer_matches(tmp_path: Path) -> None:
    """Two copies of the project report: one as committed, one whose funding table says the total is
    55.00 万元 where the seed form (and so the library) says 50.00. nbval must pass the first and
    fail the second, on that cell, naming both numbers."""
    (tmp_path / "data" / "raw").mkdir(parents=True)
    copy_examples(tmp_path / "data" / "raw" / "examples")  # the notebooks' default data
    books = tmp_path / "notebooks"
    books.mkdir()
    shutil.copy(ROOT / "notebooks" / "project_report.ipynb", books / "as_committed.ipynb")
    nb = nbformat.read(ROOT / "notebooks" / "project_report.ipynb", as_version=4)
    (result,) = _funding_cell(nb).outputs
    text = result.data["text/plain"]
    total_line = next(line for line in text.splitlines() if FUNDING_TOTAL in line)
    assert "50.00" in total_line
    result.data["text/plain"] = text.replace(total_line, total_line.replace("50.00", "55.00"))
    html_row = next(row for row in result.data["text/html"].splitlines() if FUNDING_TOTAL in row)
    result.data["text/html"] = result.data["text/html"].replace(html_row, html_row.replace("50.00", "55.00"))
    nbformat.write(nb, books / "changed_total.ipynb")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")

    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
         "--nbval-sanitize-with", str(SANITIZE), "-q", "notebooks"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False)

    assert proc.returncode == 1, proc.stdout[-3000:]
    summary = [line for line in proc.stdout.splitlines() if line.startswith("FAILED")]
    assert len(summary) == 1 and "changed_total.ipynb::Cell" in summary[0], proc.stdout[-3000:]
    assert "as_committed.ipynb" not in "\n".join(summary)
    assert "55.00" in proc.stdout and "50.00" in proc.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_holds_literals_only(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    for statement in ast.parse(cell.source).body:
        assert isinstance(statement, (ast.Assign, ast.AnnAssign)), ast.dump(statement)
        ast.literal_eval(statement.value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin(path: Path) -> None:
    """Parameters, library calls, prose and results: no definitions, loops or regexes in cells."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.Lambda)), cell.source
        assert "import re" not in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_use_the_project_kernel_and_are_committed_executed(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == "budgetlib"
    code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    assert all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    checked = [c for c in code if c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert checked and all(c.outputs for c in checked)
    text = nbformat.writes(nb)
    assert "/home/" not in text and "/root/" not in text and "site-packages" not in text
