"""``budgetlib report`` and its output folder over several runs: names that do not depend on the
run's filters, pages of other departments left alone, ``--only-failed`` going by the manifest (what is
missing, failed or made from other inputs is run again; what is complete is kept), an index that
links only to pages that exist, and names with invisible characters shown escaped.

One module fixture makes the history (six runs into one folder, in subprocesses as users run them);
the tests read what each run left.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from lxml import html as lxml_html

from budgetlib.report.plan import plan_reports
from tests.conftest import EXAMPLES, SEED
from tests.test_output_folder import MANIFEST_FILE, budgetlib

SEED_TEXT = (EXAMPLES / SEED).read_text(encoding="utf-8")
NAME_ROW = "| 项目名称             | 区电子政务网络运行维护  |"
DEPARTMENT_ROW = "| 项目主管部门           | 武汉市新洲区大数据中心  |"
BUDGET_ROW = "| 项目总预算            | 500000.00  | 项目当年预算 | 500000.00             |"
SEED_DEPARTMENT = "武汉市新洲区大数据中心"
OTHER_DEPARTMENT = "另一个部门"
SPOOFED = "逆序\u202e名称"  # a right-to-left override inside a project name

SAME_NAME = "区电子政务网络运行维护-2020-declaration"
SEED_STEM = f"projects/{SAME_NAME}-{SEED_DEPARTMENT}"
OTHER_STEM = f"projects/{SAME_NAME}-{OTHER_DEPARTMENT}"
SPOOFED_STEM = "projects/逆序-名称-2020-declaration"


def _forms(folder: Path) -> Path:
    """The seed; a copy from another department with the same project name, year and form type; a
    copy in the seed's department whose name holds a bidi control."""
    folder.mkdir(parents=True)
    assert NAME_ROW in SEED_TEXT and DEPARTMENT_ROW in SEED_TEXT and BUDGET_ROW in SEED_TEXT
    (folder / "seed.md").write_text(SEED_TEXT, encoding="utf-8")
    (folder / "other.md").write_text(SEED_TEXT.replace(DEPARTMENT_ROW, f"| 项目主管部门 | {OTHER_DEPARTMENT} |"),
                                     encoding="utf-8")
    (folder / "spoofed.md").write_text(SEED_TEXT.replace(NAME_ROW, f"| 项目名称 | {SPOOFED} |"), encoding="utf-8")
    return folder


def _pages(out: Path) -> dict[str, tuple[int, str]]:
    """Every report file: (modification time, SHA-256)."""
    return {p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for folder in ("projects", "annual") if (out / folder).is_dir() for p in sorted((out / folder).iterdir())}


def _links(out: Path) -> set[str]:
    page = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    return {unquote(href) for href in page.xpath("//a/@href")}


def _page_of(out: Path, form_id: str) -> Path | None:
    """The project page of one form, found by the parameters of its executed notebook."""
    for notebook in (out / "projects").glob("*.ipynb"):
        if json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["papermill"]["parameters"].get("form") == form_id:
            return notebook.with_suffix(".html")
    return None


def _state(out: Path, proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    return {
        "proc": proc,
        "pages": _pages(out),
        "links": _links(out),
        "index": (out / "index.html").read_text(encoding="utf-8"),
        "manifest": json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8")) if (out / MANIFEST_FILE).exists()
        else {"outputs": [], "reports": []},
    }


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("history")
    forms = _forms(root / "forms")
    out = root / "out"
    states: dict[str, Any] = {"out": out}

    def report(name: str, *args: str, **options: Any) -> None:
        proc = budgetlib("report", "forms", "--out", "out", "--jobs", "2", "--no-progress", *args, cwd=root,
                         **options)
        states[name] = _state(out, proc)

    # the folder as an older version left it (no manifest), with links planted where pages go
    victims = root / "victims"
    (victims / "pages").mkdir(parents=True)
    (victims / "index.html").write_text("precious", encoding="utf-8")
    (victims / "pages" / "keep.html").write_text("precious too", encoding="utf-8")
    out.mkdir()
    (out / "failures.json").write_text("[]", encoding="utf-8")
    (out / "index.html").symlink_to(victims / "index.html")
    (out / "projects").symlink_to(victims / "pages", target_is_directory=True)
    report("full", "--only-failed")
    report("one department", "--department", SEED_DEPARTMENT)
    lost = _page_of(out, "other.md#0")  # None when the filtered run wrote another form's page over it
    if lost is not None:
        lost.unlink()  # a page lost (deleted by hand, or by a disk that filled up)
    report("a page lost", "--only-failed")
    (forms / "spoofed.md").write_text(SEED_TEXT.replace(NAME_ROW, f"| 项目名称 | {SPOOFED} |").replace(
        BUDGET_ROW, "| 项目总预算 | 600000.00 | 项目当年预算 | 600000.00 |"), encoding="utf-8")
    report("an input changed", "--only-failed")
    report("disk full", limit_file_bytes=100_000)  # every page and notebook is larger: none can be written
    report("after the disk was freed", "--only-failed")
    return states


def test_every_run_exits_as_it_should(history) -> None:
    for name, status in [("full", 0), ("one department", 0), ("a page lost", 0), ("an input changed", 0),
                         ("disk full", 1), ("after the disk was freed", 0)]:
        proc = history[name]["proc"]
        assert proc.returncode == status, (name, proc.stderr)
        assert "Traceback" not in proc.stderr, name


def test_names_come_from_the_data_not_from_the_filters(history) -> None:
    full = history["full"]["pages"]
    assert {f"{SEED_STEM}.html", f"{OTHER_STEM}.html", f"{SPOOFED_STEM}.html"} <= set(full)
    # the filtered run wrote the seed's department's pages under the very names the full run gave them ...
    filtered = history["one department"]["pages"]
    changed = {path for path in filtered if filtered[path] != full.get(path)}
    assert changed == {f"{SEED_STEM}.html", f"{SEED_STEM}.ipynb", f"{SPOOFED_STEM}.html", f"{SPOOFED_STEM}.ipynb",
                       f"annual/annual-{SEED_DEPARTMENT}-2020.html",
                       f"annual/annual-{SEED_DEPARTMENT}-2020.ipynb"}
    # ... and left the other department's page as it was, still showing that department
    assert filtered[f"{OTHER_STEM}.html"] == full[f"{OTHER_STEM}.html"]
    page = (history["out"] / f"{OTHER_STEM}.html")
    assert not page.exists() or OTHER_DEPARTMENT in page.read_text(encoding="utf-8")


def test_plan_names_are_the_same_with_and_without_filters(tmp_path: Path) -> None:
    import budgetlib as bl

    projects = bl.read_forms([_forms(tmp_path / "forms")]).projects
    every = {job.parameters.get("form"): job.stem for job in plan_reports(projects, "data") if job.kind == "project"}
    assert every == {"seed.md#0": SEED_STEM, "other.md#0": OTHER_STEM, "spoofed.md#0": SPOOFED_STEM}
    for department in (SEED_DEPARTMENT, OTHER_DEPARTMENT):
        for job in plan_reports(projects, "data", department=department):
            if job.kind == "project":
                assert job.stem == every[job.parameters["form"]]
    assert {j.stem for j in plan_reports(projects, "data", fiscal_year=2020) if j.kind == "project"} == set(
        every.values())


def test_distinct_names_need_no_order_and_no_counter() -> None:
    from budgetlib.report.plan import distinct_names

    items = [("b#0", "x", "乙局"), ("a#0", "x", "甲局"), ("c#0", "y", "甲局"), ("d#0", "x", "甲局")]
    names = distinct_names(items)
    assert names == distinct_names(reversed(items))
    assert names["c#0"] == "y"
    assert names["b#0"] == "x-乙局"
    assert names["a#0"].startswith("x-甲局-") and names["d#0"].startswith("x-甲局-") and names["a#0"] != names["d#0"]
    assert len(set(names.values())) == 4


def test_the_index_lists_the_other_departments_reports_apart(history) -> None:
    state = history["one department"]
    manifest = state["manifest"]
    this_run = sorted(e["stem"] for e in manifest["reports"] if e["in_this_run"])
    assert this_run == sorted([SEED_STEM, SPOOFED_STEM, f"annual/annual-{SEED_DEPARTMENT}-2020"])
    earlier = sorted(e["stem"] for e in manifest["reports"] if not e["in_this_run"])
    assert earlier == sorted([OTHER_STEM, f"annual/annual-{OTHER_DEPARTMENT}-2020",
                              "annual/annual-all-departments-2020"])
    assert "此前生成的其他报告" in state["index"]
    assert {f"{stem}.html" for stem in earlier} <= state["links"]


def test_the_index_links_only_to_pages_that_exist(history) -> None:
    out = history["out"]
    for name in ("full", "one department", "a page lost", "an input changed", "disk full", "after the disk was freed"):
        state = history[name]
        assert state["links"] <= set(state["pages"]), name
        listed = {entry["path"] for entry in state["manifest"]["outputs"]}
        assert set(state["pages"]) <= listed, name  # every page is one the manifest accounts for
    assert _links(out) <= set(_pages(out))


def test_only_failed_runs_the_lost_page_again_and_keeps_the_rest(history) -> None:
    before, after = history["one department"]["pages"], history["a page lost"]["pages"]
    proc = history["a page lost"]["proc"]
    assert "1 of 1 reports run again, 5 kept as the last run left them: 6 of 6 reports complete" in proc.stdout
    assert f"{OTHER_STEM}.html" in after
    rewritten = {path for path in after if after[path] != before.get(path)}
    assert rewritten == {f"{OTHER_STEM}.html", f"{OTHER_STEM}.ipynb"}
    assert {f"{OTHER_STEM}.html", f"{OTHER_STEM}.ipynb"} <= history["a page lost"]["links"]


def test_only_failed_runs_everything_again_when_an_input_changed(history) -> None:
    proc = history["an input changed"]["proc"]
    assert "6 of 6 reports run again, 0 kept as the last run left them" in proc.stdout
    page = (history["out"] / f"{SPOOFED_STEM}.html")
    assert history["an input changed"]["pages"][f"{SPOOFED_STEM}.html"] != history["a page lost"]["pages"][
        f"{SPOOFED_STEM}.html"]
    assert page.exists()


def test_a_disk_full_run_claims_no_page_and_the_next_run_makes_them(history) -> None:
    full = history["disk full"]
    assert "0 of 6 reports written" in full["proc"].stdout
    assert "6 report(s) failed:" in full["proc"].stderr
    assert full["pages"] == {}  # nothing half written is left to look complete
    assert all(entry["status"] == "failed" for entry in full["manifest"]["reports"])
    assert not any(link.startswith(("projects/", "annual/")) for link in full["links"])
    freed = history["after the disk was freed"]
    assert "6 of 6 reports run again, 0 kept as the last run left them: 6 of 6 reports complete" in freed[
        "proc"].stdout
    assert len(freed["pages"]) == 12
    assert all(entry["status"] == "ok" for entry in freed["manifest"]["reports"])


def test_names_with_invisible_characters_are_shown_escaped(history) -> None:
    state = history["full"]
    assert "\u202e" not in state["index"]
    assert "逆序\\u202e名称" in lxml_html.fromstring(state["index"]).text_content()
    page = (history["out"] / f"{SPOOFED_STEM}.html").read_text(encoding="utf-8")
    assert "\u202e" not in page and "逆序\\u202e名称" in lxml_html.fromstring(page).xpath("string(//h1)")
    # the tables and the audit log keep the name as it was written
    notebook = (history["out"] / f"{SPOOFED_STEM}.ipynb").read_text(encoding="utf-8")
    assert SPOOFED in json.loads(notebook)["metadata"]["papermill"]["parameters"]["form"] or SPOOFED in notebook


def test_a_report_run_leaves_nothing_beside_its_folder(history) -> None:
    out = history["out"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["forms", "out", "victims"]
    assert not [p for p in out.iterdir() if p.name.startswith(".budgetlib")]


def test_links_planted_where_pages_go_are_replaced_never_written_through(history) -> None:
    victims, out = history["out"].parent / "victims", history["out"]
    assert (victims / "index.html").read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in (victims / "pages").iterdir()) == ["keep.html"]
    assert not (out / "projects").is_symlink() and (out / f"{SEED_STEM}.html").is_file()
    assert not (out / "index.html").is_symlink()


def test_without_a_manifest_only_failed_runs_every_report(history) -> None:
    proc = history["full"]["proc"]
    assert "6 of 6 reports run again, 0 kept as the last run left them: 6 of 6 reports complete" in proc.stdout
    assert len(history["full"]["pages"]) == 12
