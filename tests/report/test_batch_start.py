"""How a batch starts: it reads its forms in a forked child while it warms up
(``runner.batch_tables``), and keeps what it then holds out of the garbage collector's walks
while the reports run (``runner.frozen_heap``).

What the batch gets must be what it got reading them itself: every table equal, value and type, the
same Parquet tables on disk, an error of the read raised as itself, and a reading process that dies
said in the log and made good. Each case runs in a subprocess, as a batch does, since the warm-up
imports the notebook stack and forks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, FIXTURES, QINGSHEN

ROOT = Path(__file__).resolve().parents[2]

COMPARE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import pandas as pd
    from budgetlib.read import list_inputs, read_listing
    from budgetlib.report import engine, runner
    from budgetlib.report.data import load_project_years

    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    listing = list_inputs([folder])
    alone = read_listing(listing)  # the forms as read, in this process
    runner.write_forms_tables(listing, None, out / "alone")
    years_alone = load_project_years(out / "alone")
    warmed, years_warmed = runner.batch_tables(listing, None, out / "warmed", beside_warm_up=True)
    here, years_here = runner.batch_tables(listing, None, out / "here", beside_warm_up=False)
    files = sorted(p.name for p in (out / "alone").iterdir())
    print(json.dumps({
        "tables": sorted(alone.tables),
        "rows": {name: len(df) for name, df in alone.tables.items()},
        "differ": sorted(f"{way}: {name}" for way, loaded in (("beside", warmed), ("here", here))
                         for name in set(alone.tables) | set(loaded.tables)
                         if name not in loaded.tables or name not in alone.tables
                         or not alone.tables[name].equals(loaded.tables[name])
                         or not alone.tables[name].dtypes.equals(loaded.tables[name].dtypes)),
        "years_equal": bool(years_alone.equals(years_warmed) and years_alone.equals(years_here)),
        "files": files,
        "files_warmed": sorted(p.name for p in (out / "warmed").iterdir()),
        "files_differ": [name for name in files if name.endswith(".parquet") and not pd.read_parquet(
            out / "alone" / name).equals(pd.read_parquet(out / "warmed" / name))],
        "warm": "shell" in engine._WARM,
    }))
""")


def _python(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd, check=False)


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> dict:
    """The thirteen examples, the office-made variants, the shipped data and two files that are no
    form, read both ways."""
    root = tmp_path_factory.mktemp("warming")
    forms = root / "forms"
    shutil.copytree(EXAMPLES, forms / "examples", ignore=shutil.ignore_patterns("*.json", "EXPECTED.md"))
    shutil.copytree(FIXTURES / "office", forms / "office")
    shutil.copytree(ROOT / "data" / "raw", forms / "raw")
    (forms / "not-a-form.md").write_text("会议纪要：本周无预算事项。\n", encoding="utf-8")
    (forms / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    proc = _python(COMPARE, str(forms), str(root / "out"), cwd=root)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_forms_read_in_the_child_equal_those_read_here(compared) -> None:
    assert compared["differ"] == []
    assert compared["years_equal"]
    # the comparison covered real rows of every kind, the files that could not be read among them
    assert compared["rows"]["projects"] > 60
    assert compared["rows"]["indicators"] > 500
    assert compared["rows"]["errors"] >= 2
    assert compared["rows"]["findings"] > 0


def test_the_child_writes_the_same_tables(compared) -> None:
    assert compared["files"] == compared["files_warmed"]
    assert "projects.parquet" in compared["files"] and "project_years.parquet" in compared["files"]
    assert compared["files_differ"] == []


def test_this_process_warmed_up_meanwhile(compared) -> None:
    assert compared["warm"]


def test_an_error_of_the_read_is_raised_here_as_itself(tmp_path: Path) -> None:
    """A bad actuals sheet fails in the child; the batch sees the same error, code and message."""
    shutil.copy(EXAMPLES / QINGSHEN, tmp_path / QINGSHEN)
    (tmp_path / "actuals.txt").write_bytes("表单编号,指标序号,实际完成值\n".encode("utf-16"))
    code = textwrap.dedent("""
        import json, logging, sys
        from pathlib import Path
        from budgetlib.read import list_inputs
        from budgetlib.report import runner
        from budgetlib.scoring.actuals import ActualsSheetError

        logging.basicConfig(level=logging.WARNING)
        listing = list_inputs([sys.argv[1]])
        seen = []
        for beside_warm_up in (False, True):
            try:
                runner.batch_tables(listing, "actuals.txt", Path("out") / str(beside_warm_up),
                                    beside_warm_up=beside_warm_up)
            except ActualsSheetError as error:
                seen.append([type(error).__name__, error.code, str(error)])
        print(json.dumps(seen))
    """)
    proc = _python(code, QINGSHEN, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    alone, warmed = json.loads(proc.stdout.strip().splitlines()[-1])
    assert warmed == alone
    assert alone[1] == "E_ACTUALS_FORMAT" and "actuals.txt" in alone[2]
    # raised as it came back from the child, not by reading again here after a failed return
    assert "the process reading the forms died" not in proc.stderr


def test_a_reading_process_that_dies_is_logged_and_the_forms_read_here(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / QINGSHEN, tmp_path / QINGSHEN)
    code = textwrap.dedent("""
        import json, logging, os, sys
        from pathlib import Path
        from budgetlib.read import list_inputs
        from budgetlib.report import runner

        logging.basicConfig(level=logging.WARNING)

        parent, write_here = os.getpid(), runner.write_forms_tables

        def dies_in_a_child(*args):
            if os.getpid() != parent:
                os._exit(9)
            return write_here(*args)

        runner.write_forms_tables = dies_in_a_child
        forms, years = runner.batch_tables(list_inputs([sys.argv[1]]), None, Path("out"), beside_warm_up=True)
        print(json.dumps({"projects": forms.projects["project_name"].tolist(), "years": len(years)}))
    """)
    proc = _python(code, QINGSHEN, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "the process reading the forms died" in proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"projects": ["工资性支出"], "years": 1}


def test_the_batch_heap_is_frozen_while_it_runs_and_given_back_after() -> None:
    import gc

    from budgetlib.report.runner import frozen_heap

    gc.unfreeze()  # whatever an earlier test froze: collectable again, which changes nothing else
    with pytest.raises(RuntimeError), frozen_heap():
        assert gc.get_freeze_count() > 0
        raise RuntimeError("a batch that fails")
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_before_the_batch_stays_frozen() -> None:
    """``budgetlib parse`` freezes its reading process's heap (``prepare_reading_process``); a
    caller doing the same must not find it undone by a batch."""
    import gc

    from budgetlib.report.runner import frozen_heap

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with frozen_heap():
            pass
        assert gc.get_freeze_count() >= frozen > 0
    finally:
        gc.unfreeze()
