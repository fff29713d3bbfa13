"""``budgetlib report``: the batch on the real examples (plus a hostile form), failures carried on,
output names confined to the output folder, parameters that stay values, and the engine's handling of
cells that raise, processes that die and cells that hang.

The batches run in subprocesses, as users run them: the runner forks workers and imports the
notebook stack, which should not happen inside the test process.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

import budgetlib as bl
from budgetlib.report.papermill_plugin import translate_str
from budgetlib.report.plan import confined, plan_reports, slugify
from tests.conftest import ALL_EXAMPLES, EXAMPLES, FIXTURES, SEED, copy_examples

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_NOTEBOOKS = FIXTURES / "notebooks"

EVIL_FILE = 'evil"; __import__("os")._exit(7); ".md'
EVIL_NAME = '../../逃逸 & "引号" 1<2 ..\\..\\x'
EVIL_DEPARTMENT = '新洲区\'"; __import__("os")._exit(5) #'


def _budgetlib(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from budgetlib.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd, check=False)


def _hostile_form(folder: Path) -> Path:
    """The seed declaration, renamed and relabelled with text that must never become code or a path."""
    seed = (EXAMPLES / SEED).read_text(encoding="utf-8")
    text = seed.replace("| 项目名称             | 区电子政务网络运行维护  |", f"| 项目名称 | {EVIL_NAME} |")
    text = text.replace("| 项目主管部门           | 武汉市新洲区大数据中心  |", f"| 项目主管部门 | {EVIL_DEPARTMENT} |")
    assert text.count(EVIL_NAME) == 1 and text.count(EVIL_DEPARTMENT) == 1
    folder.mkdir(parents=True)
    path = folder / EVIL_FILE
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The five examples and the hostile form, reported with two workers."""
    root = tmp_path_factory.mktemp("batch")
    copy_examples(root / "forms" / "examples")
    _hostile_form(root / "forms" / "hostile")
    proc = _budgetlib("report", "forms", "--out", "out", "--jobs", "2", cwd=root)
    return root / "out", proc


def _files(out: Path, suffix: str) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob(f"*{suffix}") if p.parent != out / "data"}


def _injected(nb) -> dict[str, object]:
    """The injected-parameters cell, checked to be nothing but ``name = literal`` lines, as a dict."""
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    values = {}
    for statement in ast.parse(cell.source).body:
        assert isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant), ast.dump(statement)
        values[statement.targets[0].id] = statement.value.value
    return values


def _read(path: Path):
    return nbformat.read(path, as_version=4)


# ----------------------------------------------------------------------------------------------
# the batch


def test_batch_succeeds_with_a_report_per_form_and_per_department(batch) -> None:
    out, proc = batch
    assert proc.returncode == 0, proc.stderr
    assert "19 of 19 reports written" in proc.stdout
    # 6 forms → 6 project reports; annual reports per fiscal year: 2020 overall + 3 departments (新洲, 青山,
    # the hostile one), 2022 overall + 中江 + its indicator attainment, 2023 overall + 湘潭 + 青神 + indicator
    # attainment; and over all years (years side by side): the overall report and the indicator attainment
    assert len(_files(out / "projects", ".html")) == 6
    assert len(_files(out / "annual", ".html")) == 13
    assert {"annual-all-departments-2020.html", "annual-all-departments-all-years.html",
            "indicator-attainment-all-departments-2023.html"} <= _files(out / "annual", ".html")
    assert _files(out, ".html") - {"index.html"} == {p.replace(".ipynb", ".html") for p in _files(out, ".ipynb")}
    assert not (out / ".shared-charts").exists()  # the charts the reports shared are not an output
    assert {p.name for p in (out / "data").glob("*.parquet")} >= {"projects.parquet", "indicators.parquet"}


def test_progress_bar_goes_to_stderr(batch) -> None:
    _, proc = batch
    assert "reports: 100%" in proc.stderr
    assert "reports:" not in proc.stdout


def test_index_links_every_report_and_its_audit_log(batch) -> None:
    out, _ = batch
    page = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    links = {unquote(href) for href in page.xpath("//a/@href")}
    assert links == (_files(out, ".html") - {"index.html"}) | _files(out, ".ipynb")
    assert page.xpath("//h1/text()") == ["预算绩效报告索引"]


def test_index_summary_shows_each_project_with_its_budget(batch) -> None:
    out, _ = batch
    page = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    rows = {
        tr.xpath("string(td[1])").strip(): [td.text_content().strip() for td in tr.xpath("td")]
        for tr in page.xpath("//h2[contains(., '项目报告')]/following-sibling::table[1]//tbody/tr")
    }
    assert rows["区电子政务网络运行维护"][:5] == ["区电子政务网络运行维护", "武汉市新洲区大数据中心", "2020", "50.00", "项目申报表"]
    assert rows["教育系统基础设施建设和设备购置"][3] == "10,000.00"  # 10000万元
    assert rows["工资性支出"][3:5] == ["251.89", "绩效自评表"]
    annual = {tuple(td.text_content().strip() for td in tr.xpath("td")[1:3]): tr.xpath("string(td[6])").strip()
              for tr in page.xpath("//table[@id='annual-table']//tbody/tr") if tr.xpath("string(td[1])") == "年度报告"}
    # 2020: 10000 (青山) + 50 (the seed) 万元; the hostile copy of the seed carries the seed's project code,
    # so it is the same project-year and not counted again
    assert annual[("全部部门", "2020年度")] == "10,050.00"
    # over all years: each year on its line, never added together
    assert annual[("全部部门", "全部年度")] == "2020年 10,050.002022年 20.002023年 501.89"  # one line each
    years = [tuple(td.text_content().strip() for td in tr.xpath("td"))
             for tr in page.xpath("//div[@class='card'][.//th[.='年度']]//tr[td]")]
    assert years == [("2020", "10,050.00", "2", "0"), ("2022", "20.00", "1", "0"), ("2023", "501.89", "2", "0")]


def test_reports_fetch_nothing_from_the_network(batch) -> None:
    out, _ = batch
    for path in [out / "index.html", *(out / "projects").glob("*.html"), *(out / "annual").glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, path.name
        page = lxml_html.fromstring(text)
        # the index sorts and filters with an inline script; the report pages have none
        scripts = "//script[@src]" if path.name == "index.html" else "//script"
        assert page.xpath(f"{scripts} | //link | //iframe") == [], path.name
        assert [src for src in page.xpath("//img/@src") if not src.startswith("data:image/png;base64,")] == []
        assert "@import" not in text and "url(" not in text.replace("url(data:", ""), path.name


def test_reports_embed_their_charts_with_alternative_text(batch) -> None:
    out, _ = batch
    page = lxml_html.fromstring((out / "projects" / "区电子政务网络运行维护-2020-declaration.html").read_text("utf-8"))
    alts = page.xpath("//img/@alt")
    assert alts == [
        "图表：资金来源",
        "图表：支出明细：按经济分类和年度",
        "图表：测算依据构成",
        "图表：预算沿革：各依据所述年度预算",
        "图表：本项目年度对比",
    ]  # a declaration: no attainment chart (nothing to score)


def test_report_pages_show_no_code(batch) -> None:
    out, _ = batch
    for path in (out / "projects").glob("*.html"):
        page = lxml_html.fromstring(path.read_text(encoding="utf-8"))
        assert page.xpath("//*[contains(@class, 'jp-CodeCell')]//*[contains(@class, 'jp-InputArea')]") == []
        assert "load_forms" not in page.text_content()
        assert "Run it top to bottom" not in page.text_content()  # the notebook-only introduction


def test_executed_notebooks_have_no_error_and_keep_the_papermill_record(batch) -> None:
    out, _ = batch
    for name in _files(out, ".ipynb"):
        nb = _read(out / name)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert errors == [], name
        assert nb.metadata.papermill.parameters and nb.metadata.papermill.exception is None
        assert all(c.metadata.papermill.status == "completed" for c in nb.cells)


def test_project_report_prints_the_forms_numbers(batch) -> None:
    out, _ = batch
    nb = _read(out / "projects" / "区电子政务网络运行维护-2020-declaration.ipynb")
    printed = "\n".join(o.data["text/plain"] for c in nb.cells for o in c.get("outputs", [])
                         if o.output_type == "execute_result")
    lines = {" ".join(line.split()) for line in printed.splitlines()}
    assert "当年预算（万元） 50.00 万元" in lines
    # the 2019 budget as the text states it (30万) and as the 2019 expenditure column sums it (0 + 0)
    assert "区电子政务网络运行维护 2019 文字说明 30.00 30万 2019年30万" in lines
    assert any(line.startswith("区电子政务网络运行维护 2019 支出明细年度列 0.00 0 + 0") for line in lines)
    # expenditure by category: 维修(护)费 440,000 元 and 邮电费 60,000 元 in 2020
    assert {"维修(护)费 2020 44.00 1 0", "邮电费 2020 6.00 1 0"} <= lines


# ----------------------------------------------------------------------------------------------
# hostile names and values


def test_output_names_are_slugs_inside_the_output_folder(batch) -> None:
    out, _ = batch
    root = out.parent
    assert sorted(p.name for p in root.iterdir()) == ["forms", "out"]
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())
    hostile = [p for p in _files(out / "projects", ".html") if "逃逸" in p]
    assert hostile == ["逃逸-引号-1-2-x-2020-declaration.html"]


def test_hostile_values_reach_the_notebooks_as_values(batch) -> None:
    out, _ = batch
    nb = _read(out / "projects" / "逃逸-引号-1-2-x-2020-declaration.ipynb")
    assert _injected(nb)["form"] == f"hostile/{EVIL_FILE}#0"
    annual = [p for p in _files(out / "annual", ".ipynb") if "exit" in p]
    assert len(annual) == 1
    parameters = _injected(_read(out / "annual" / annual[0]))
    assert parameters["department"] == EVIL_DEPARTMENT
    assert parameters["fiscal_year"] == 2020


def test_hostile_names_are_shown_as_text(batch) -> None:
    out, _ = batch
    raw = (out / "index.html").read_text(encoding="utf-8")
    page = lxml_html.fromstring(raw)
    assert EVIL_NAME in page.text_content()
    assert EVIL_NAME not in raw  # it holds '&', '"' and '<': only its escaped form may appear in the markup
    report = lxml_html.fromstring((out / "projects" / "逃逸-引号-1-2-x-2020-declaration.html").read_text("utf-8"))
    assert report.xpath("string(//h1)") == EVIL_NAME


@pytest.mark.parametrize(("text", "expected"), [
    ("区电子政务网络运行维护 (2020)", "区电子政务网络运行维护-2020"),
    ("../../etc/passwd", "etc-passwd"),
    ("..", "report"),
    ("", "report"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a-b-c-d-e-f-g-h-i-j"),
    (".hidden", "hidden"),
    ("CON", "con-report"),
    ("Ｆｕｌｌ－ｗｉｄｔｈ　名称", "full-width-名称"),  # NFKC folds full-width forms
    ("x" * 100, "x" * 60),
])
def test_slugify(text: str, expected: str) -> None:
    assert slugify(text) == expected


@given(st.text())
def test_any_slug_is_a_plain_file_name(text: str) -> None:
    slug = slugify(text)
    assert slug and "/" not in slug and "\\" not in slug and not slug.startswith((".", "-"))
    assert Path(slug).name == slug and slug not in (".", "..")
    assert len(slug) <= 60


def test_confined_refuses_paths_outside_the_folder(tmp_path: Path) -> None:
    assert confined(tmp_path, "projects/a", ".html") == (tmp_path / "projects" / "a.html").resolve()
    with pytest.raises(ValueError, match="would leave the output folder"):
        confined(tmp_path, "../escape", ".html")
    with pytest.raises(ValueError):
        confined(tmp_path, "/etc/passwd", "")


@given(st.text())
def test_a_string_parameter_is_always_one_literal(value: str) -> None:
    source = f"value = {translate_str(value)}"
    (statement,) = ast.parse(source).body
    assert isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant)
    assert statement.value.value == value


def test_string_parameters_keep_chinese_readable() -> None:
    assert translate_str("武汉市新洲区大数据中心") == "'武汉市新洲区大数据中心'"


# ----------------------------------------------------------------------------------------------
# planning


def test_plan_has_a_project_report_per_form_then_each_years_reports_then_all_years(all_examples) -> None:
    plan = plan_reports(all_examples.projects, "/data", years=bl.project_years(all_examples))
    assert [j.kind for j in plan] == ["project"] * 5 + ["annual"] * 12
    annual = [(j.notebook.split("_")[0], j.parameters["fiscal_year"], j.parameters["department"]) for j in plan[5:]]
    assert annual == [
        ("annual", 2020, None), ("annual", 2020, "武汉市新洲区大数据中心"), ("annual", 2020, "武汉市青山区教育局"),
        ("annual", 2022, None), ("annual", 2022, "中江县水利局"), ("indicator", 2022, None),
        ("annual", 2023, None), ("annual", 2023, "湘潭市环境卫生管理处"), ("annual", 2023, "青神县发展和改革局本级"),
        ("indicator", 2023, None),
        ("annual", None, None), ("indicator", None, None)]  # over all years: years side by side
    assert plan[-1].summary["forms"] == 2  # the two self-evaluations (中江县, 工资性支出)
    assert plan[5].parameters == {"data": "/data", "fiscal_year": 2020, "department": None}
    assert {j.parameters["form"] for j in plan[:5]} == {f"{name}#0" for name in ALL_EXAMPLES}
    assert len({j.stem for j in plan}) == len(plan)
    # budgets by year from project-years: the report over all years gives each year, no total
    overall = plan[-2].summary
    assert overall["budget_yuan"] is None
    assert {year: figures["budget_yuan"] for year, figures in overall["budget_by_year"].items()} == {
        2020: 100_500_000.0, 2022: 200_000.0, 2023: 5_018_900.0}
    assert plan[5].summary["budget_yuan"] == 100_500_000.0 and plan[5].summary["projects"] == 2
    # each page links to the forms it covers
    assert {stem for stem, _ in plan[5].covers} == {plan[1].stem, plan[2].stem}
    assert dict(plan[5].covers)[plan[1].stem] == "区电子政务网络运行维护 · 2020年 · 项目申报表"


def test_plan_with_one_year_in_the_data_has_no_report_over_all_years(all_examples) -> None:
    one_year = all_examples.projects[all_examples.projects["fiscal_year"] == 2020]
    assert [j.parameters.get("fiscal_year") for j in plan_reports(one_year, "/data") if j.kind == "annual"] == [
        2020, 2020, 2020]


def test_plan_for_one_year(all_examples) -> None:
    plan = plan_reports(all_examples.projects, "/data", fiscal_year=2023)
    # 2023: 雾炮车降尘抑尘服务 (湘潭) and 工资性支出 (青神): 2 project reports, overall, 2 departments
    assert sorted(j.summary.get("project", "") for j in plan if j.kind == "project") == ["工资性支出", "雾炮车降尘抑尘服务"]
    assert [j.parameters["department"] for j in plan if j.kind == "annual"] == [
        None, "湘潭市环境卫生管理处", "青神县发展和改革局本级", None]  # the last: indicator attainment (工资性支出)
    assert all(j.parameters.get("fiscal_year") == 2023 for j in plan if j.kind == "annual")


def test_plan_for_one_department_has_no_overall_report(all_examples) -> None:
    plan = plan_reports(all_examples.projects, "/data", department="中江县水利局")
    assert [(j.kind, j.parameters.get("department"), j.parameters.get("fiscal_year")) for j in plan] == [
        ("project", None, None), ("annual", "中江县水利局", 2022), ("annual", "中江县水利局", 2022)]
    assert plan[-1].notebook == "indicator_attainment.ipynb"


# ----------------------------------------------------------------------------------------------
# failures


@pytest.fixture(scope="module")
def failing_batch(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Two examples and a file that is no form, with a project notebook that always raises: the annual
    reports must still run, and the unread file must be listed."""
    root = tmp_path_factory.mktemp("failing")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "raises.ipynb", notebooks / "project_report.ipynb")
    shutil.copy(ROOT / "notebooks" / "annual_report.ipynb", notebooks / "annual_report.ipynb")
    shutil.copy(ROOT / "notebooks" / "indicator_attainment.ipynb", notebooks / "indicator_attainment.ipynb")
    (root / "not-a-form.md").write_text("会议纪要：本周无预算事项。\n", encoding="utf-8")
    forms = [str(EXAMPLES / SEED), str(EXAMPLES / ALL_EXAMPLES[4]), "not-a-form.md"]
    proc = _budgetlib("report", *forms, "--out", "out", "--jobs", "2", "--notebooks", "notebooks", "--no-progress",
                      cwd=root)
    return root / "out", proc


def test_a_failing_report_makes_the_exit_status_1_and_is_listed_on_stderr(failing_batch) -> None:
    _, proc = failing_batch
    assert proc.returncode == 1
    # 2020: overall, 新洲; 2022: overall, 中江, indicator attainment; all years: overall, indicator attainment
    assert "7 of 9 reports written" in proc.stdout
    assert "2 report(s) failed:" in proc.stderr
    assert proc.stderr.count("ValueError: 预算合计与明细不符 (deliberate failure)") == 4  # as it happens and in the summary


def test_a_file_that_is_no_form_is_listed_and_fails_the_run(failing_batch) -> None:
    out, proc = failing_batch
    assert "1 file(s) could not be read:" in proc.stderr and "not-a-form.md" in proc.stderr
    page = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    rows = page.xpath("//p[contains(., '未能读取的文件')]/following-sibling::table[1]//tbody/tr")
    assert [row.xpath("td[1]/text()") for row in rows] == [["not-a-form.md"]]
    reason = rows[0].xpath("td[2]")[0]
    # the reason in Chinese (E_NO_TABLE's title and meaning), the reader's own message under it
    assert reason.text_content().startswith("没有表格：文件中没有任何表格。")
    assert reason.xpath("small/text()") == [proc.stderr.split("not-a-form.md: ", 1)[1].splitlines()[0]]


def test_the_batch_refuses_to_fork_a_jupyter_kernel(tmp_path: Path) -> None:
    code = ("from IPython.core.interactiveshell import InteractiveShell; InteractiveShell.instance(); "
            "from budgetlib.report import run_reports; run_reports(['forms'], 'out')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          check=False)
    assert proc.returncode == 1
    assert "RuntimeError: run the batch in its own process: `budgetlib report ...`" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_failures_are_listed_in_the_index_and_the_rest_carry_on(failing_batch) -> None:
    out, _ = failing_batch
    page = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    problems = page.xpath("//h2[.='问题']/following-sibling::table[1]//tbody/tr")
    assert len(problems) == 2
    assert all("预算合计与明细不符" in row.text_content() for row in problems)
    statuses = [s.strip() for s in page.xpath("//td/span/text()")]
    assert statuses.count("失败") == 2 and statuses.count("完成") == 7  # every annual report ran
    for html_page in (out / "annual").glob("*.html"):
        assert "Exception" not in html_page.read_text(encoding="utf-8")


def test_a_failed_report_still_has_its_page_and_audit_log(failing_batch) -> None:
    out, _ = failing_batch
    (ipynb,) = [p for p in (out / "projects").glob("*.ipynb") if "区电子政务" in p.name]
    nb = _read(ipynb)
    assert nb.metadata.papermill.exception is True
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [(e.ename, e.evalue) for e in errors] == [("ValueError", "预算合计与明细不符 (deliberate failure)")]
    page = ipynb.with_suffix(".html").read_text(encoding="utf-8")
    assert "预算合计与明细不符" in page and "An Exception was encountered" in page


# ----------------------------------------------------------------------------------------------
# the engine: outputs, isolation, failures


ENGINE_SCRIPT = textwrap.dedent("""
    import json, sys
    from budgetlib.report.plan import ReportJob
    from budgetlib.report.runner import execute_plan
    names, parameters = sys.argv[1].split(","), json.loads(sys.argv[2])
    plan = [ReportJob("project", f"{n}.ipynb", f"fx/{n}", n, parameters if n == "outputs" else {}) for n in names]
    outcomes = execute_plan(plan, sys.argv[3], "out", jobs=1, timeout=2, progress=False)
    print(json.dumps([{"name": o.job.title, "ok": o.ok, "error": o.error} for o in outcomes]))
""")
ENGINE_ORDER = ["raises", "exits", "segfault", "hangs", "leak_set", "leak_check", "outputs"]
HOSTILE_VALUE = 'a "quoted" \\ value\'\nimport os; os._exit(9)  # 预算'


@pytest.fixture(scope="module")
def engine_run(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """The fixture notebooks in one worker, one after the other: failures first, then the rest."""
    root = tmp_path_factory.mktemp("engine")
    proc = subprocess.run(
        [sys.executable, "-c", ENGINE_SCRIPT, ",".join(ENGINE_ORDER), json.dumps({"value": HOSTILE_VALUE}),
         str(FIXTURE_NOTEBOOKS)],
        capture_output=True, text=True, timeout=300, cwd=root, check=False)
    assert proc.returncode == 0, proc.stderr
    outcomes = {o["name"]: o for o in json.loads(proc.stdout.strip().splitlines()[-1])}
    return root / "out" / "fx", outcomes


def _error_outputs(nb) -> list:
    return [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]


def test_a_cell_that_raises_fails_its_report_only(engine_run) -> None:
    out, outcomes = engine_run
    assert outcomes["raises"] == {"name": "raises", "ok": False,
                                  "error": "ValueError: 预算合计与明细不符 (deliberate failure)"}
    nb = _read(out / "raises.ipynb")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.metadata.papermill.status for c in code] == ["completed", "failed", "pending"]
    assert code[0].outputs[0].text == "before the failure\n"


@pytest.mark.parametrize(("name", "error"), [
    ("exits", "DeadKernelError: the report process exited with status 3"),
    ("segfault", "DeadKernelError: the report process was killed by SIGSEGV"),
    ("hangs", "CellTimeoutError: a cell ran longer than the 2 s allowed"),
])
def test_a_process_that_dies_or_hangs_fails_its_report(engine_run, name: str, error: str) -> None:
    out, outcomes = engine_run
    assert outcomes[name]["ok"] is False and outcomes[name]["error"] == error
    nb = _read(out / f"{name}.ipynb")
    (failure,) = _error_outputs(nb)
    assert f"{failure.ename}: {failure.evalue}" == error
    failed_cell = next(c for c in nb.cells if c.cell_type == "code" and c.metadata.papermill.status == "failed")
    assert failure in failed_cell.outputs and failed_cell.execution_count is not None


def test_a_segfault_report_names_the_fatal_error_and_the_cell(engine_run) -> None:
    out, _ = engine_run
    (failure,) = _error_outputs(_read(out / "segfault.ipynb"))
    text = "\n".join(failure.traceback)
    assert "Fatal Python error: Segmentation fault" in text and "<ipython-input-1-" in text


def test_the_batch_carries_on_after_failures(engine_run) -> None:
    _, outcomes = engine_run
    assert [outcomes[n]["ok"] for n in ENGINE_ORDER] == [False, False, False, False, True, True, True]


def test_every_report_starts_from_a_fresh_namespace(engine_run) -> None:
    out, _ = engine_run
    # leak_set ran just before in the same worker: set a module attribute, a global and an rcParam
    assert _read(out / "leak_set.ipynb").cells[0].outputs[0].text == "set\n"
    assert _read(out / "leak_check.ipynb").cells[0].outputs[0].text == "False False False\n"


def test_outputs_are_recorded_as_a_kernel_records_them(engine_run) -> None:
    out, _ = engine_run
    nb = _read(out / "outputs.ipynb")
    code = [c for c in nb.cells if c.cell_type == "code"]
    printed = next(c for c in code if 'print("第一行")' in c.source)
    assert [(o.output_type, o.name, o.text) for o in printed.outputs] == [("stream", "stdout", "第一行\nsecond line\n")]
    stderr = next(c for c in code if "on stderr" in c.source).outputs
    assert [(o.name, o.text) for o in stderr] == [("stderr", "警告 on stderr\n")]
    shown = next(c for c in nb.cells if "display(HTML" in c.source)
    assert [o.output_type for o in shown.outputs] == ["display_data", "execute_result"]
    assert shown.outputs[0].data["text/html"] == "<b>显示</b>"
    assert shown.outputs[1].data["text/plain"] == "42" and shown.outputs[1].execution_count == shown.execution_count
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(counts) + 1))


def test_a_hostile_string_parameter_arrives_unchanged(engine_run) -> None:
    out, outcomes = engine_run
    assert outcomes["outputs"]["ok"] is True  # os._exit(9) inside the value did not run
    nb = _read(out / "outputs.ipynb")
    assert _injected(nb) == {"value": HOSTILE_VALUE}
    echo = next(c for c in nb.cells if c.source == "print(repr(value))")
    assert echo.outputs[0].text == repr(HOSTILE_VALUE) + "\n"


def test_plan_counts_each_reports_review_errors_and_warnings_for_the_index(all_examples) -> None:
    plan = plan_reports(all_examples.projects, "/data", findings=all_examples.findings)
    counts = {j.stem.split("/")[-1]: (j.summary["errors"], j.summary["warnings"]) for j in plan}
    # the seed: errors C1 (no 效益指标) and C12 (2019 budget 30万 in the text, 0 in the columns); 7 warnings
    assert counts["区电子政务网络运行维护-2020-declaration"] == (2, 7)
    assert counts["annual-中江县水利局-2022"] == (0, 2)  # a department's annual report: its forms' findings
    assert counts["annual-all-departments-all-years"] == (4, 17)  # 2 + 2 errors (seed, 工资性支出); 2 + 7 + 3 + 3 + 2
    assert counts["annual-all-departments-2020"] == (2, 10)  # the seed 2 + 7, 青山 0 + 3
    # the attainment over all years: 工资性支出 2 + 2, 中江县 0 + 2
    assert counts["indicator-attainment-all-departments-all-years"] == (2, 4)
    unknown = plan_reports(all_examples.projects, "/data")[0].summary
    assert unknown["errors"] is None and unknown["warnings"] is None  # not counted is not 0


def test_failed_reports_are_marked_incomplete_and_rerun_alone(tmp_path) -> None:
    # the project notebook fails for every form; the annual ones succeed
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "raises.ipynb", notebooks / "project_report.ipynb")
    for name in ("annual_report.ipynb", "indicator_attainment.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, notebooks / name)
    forms = [str(EXAMPLES / SEED)]
    first = _budgetlib("report", *forms, "--out", "out", "--notebooks", "notebooks", "--no-progress", cwd=tmp_path)
    assert first.returncode == 1
    out = tmp_path / "out"
    failed = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert [entry["stem"].split("/")[0] for entry in failed] == ["projects"]
    page = (out / f"{failed[0]['stem']}.html").read_text(encoding="utf-8")
    assert "报告不完整" in page and "INCOMPLETE" in page and "deliberate failure" in page
    annual = next((out / "annual").glob("*.html"))
    annual_written = annual.stat().st_mtime_ns

    # the notebook is mended: one command re-runs only what failed
    shutil.copy(ROOT / "notebooks" / "project_report.ipynb", notebooks / "project_report.ipynb")
    second = _budgetlib("report", *forms, "--out", "out", "--notebooks", "notebooks", "--no-progress",
                        "--only-failed", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert json.loads((out / "failures.json").read_text(encoding="utf-8")) == []
    assert annual.stat().st_mtime_ns == annual_written  # not re-run
    page = (out / f"{failed[0]['stem']}.html").read_text(encoding="utf-8")
    assert "报告不完整" not in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "失败" not in index.split("</h1>", 1)[1].split("<table", 1)[0]
    assert annual.name in unquote(index)
